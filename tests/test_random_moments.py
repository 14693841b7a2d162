"""Moments of every zenax.random sampler: 10**5 float32 draws per parameter set.

For each distribution the sample mean and the sample second moment about the exact mean
lie within 4 standard errors of the distribution's mean and variance; the variance's
standard error comes from the exact fourth central moment, sqrt((mu4 - sigma**4) / n).
Where that moment is infinite (Cauchy, t with few degrees of freedom, Pareto with b < 4) a
few quantiles are checked instead, each with its binomial standard error
sqrt(p (1 - p) / n); discrete samplers without a natural mean (categorical, choice,
permutation) have every outcome's frequency checked.  The exact values come from
``scipy.stats`` (an independent oracle) or from the formulas written out below.

Each family (one module of ``zenax.lax.random``) draws all its cases in one jitted program:
a core whose compile fits the CI tier and, in the exhaustive tier, the rest (the samplers
built on gamma's rejection loop compile slowly).  The parameters reach each sampler's
branches: gamma below and above a = 1, Poisson's Knuth and rejection samplers, binomial's
inversion and BTRS with p on both sides of 1/2, gumbel's and bernoulli's modes, ...
"""
import numpy as np
import pytest
import scipy.stats as st

import zenax
import zenax.numpy as znp
from zenax import random

N = 10 ** 5
KEY = random.PRNGKey(20240521)
f64 = np.float64


def _check(name, x, mean, var, mu4):
    """Draws ``x`` along axis 0: the sample mean within 4 SE of ``mean`` and the mean
    squared deviation from ``mean`` within 4 SE of ``var`` (``mu4``: the exact fourth
    central moment)."""
    x = np.asarray(x, f64)
    n = x.shape[0]
    mean, var, mu4 = (np.broadcast_to(np.asarray(v, f64), x.shape[1:]) for v in (mean, var, mu4))
    assert np.all(np.isfinite(x)), f"{name}: non-finite draws"
    m = x.mean(0)
    s2 = ((x - mean) ** 2).mean(0)
    slack = 1e-9 * (1 + np.abs(mean) + var)     # (rounding, where an SE is zero)
    np.testing.assert_array_less(np.abs(m - mean), 4 * np.sqrt(var / n) + slack,
                                 err_msg=f"{name}: mean {m} vs {mean}")
    np.testing.assert_array_less(np.abs(s2 - var),
                                 4 * np.sqrt(np.maximum(mu4 - var ** 2, 0) / n) + slack,
                                 err_msg=f"{name}: variance {s2} vs {var}")


def _dist(dist):
    """A check against the moments of the frozen ``scipy.stats`` distribution ``dist``."""
    def check(name, x):
        mean, var, kurt = (np.asarray(v, f64) for v in dist.stats(moments="mvk"))
        _check(name, x, mean, var, (kurt + 3) * var ** 2)
    return check


def _quantiles(dist, probs=(0.1, 0.25, 0.5, 0.75, 0.9)):
    """A check that the fraction of draws at or below each quantile of ``dist`` is within
    4 binomial SE of the quantile's probability."""
    def check(name, x):
        x = np.asarray(x, f64)
        for p in probs:
            frac = (x <= dist.ppf(p)).mean(0)
            np.testing.assert_array_less(np.abs(frac - p), 4 * np.sqrt(p * (1 - p) / len(x)),
                                         err_msg=f"{name}: P(X <= q_{p}) = {frac}")
    return check


def _check_frequencies(name, x, probs):
    """Each indicator ``x == v`` (``v`` in ``range(len(probs))``, at every position of a
    draw) is a Bernoulli(``probs[v]``) draw."""
    x = np.asarray(x)
    probs = np.asarray(probs, f64).reshape(-1, *[1] * (x.ndim - 1))
    ind = x[:, None] == np.arange(len(probs)).reshape(probs.shape)
    _check(name, ind, probs, probs * (1 - probs),
           probs * (1 - probs) * (1 - 3 * probs + 3 * probs ** 2))


def _frequencies(probs):
    return lambda name, x: _check_frequencies(name, x, probs)


def _pairs_without_replacement(p):
    """P(first = i, second = j) of two draws without replacement, weights ``p``."""
    p = np.asarray(p, f64)
    return p[:, None] * p[None, :] / (1 - p[:, None]) * (1 - np.eye(len(p)))


def _ordered_pairs(probs):
    """A check of the ordered pairs of two draws without replacement."""
    def check(name, x):
        first, second = np.asarray(x).T
        _check_frequencies(name, first * len(probs) + second,
                           _pairs_without_replacement(probs).ravel())
    return check


def _complex_parts(z):
    return znp.stack([znp.real(z), znp.imag(z)], -1)


def _vmap_keys(sampler):
    """``sampler(key)`` drawn for N keys split from one: N independent small draws."""
    return lambda k: zenax.vmap(sampler)(random.split(k, N))


# ## The cases: name -> (draw(key) -> N draws along axis 0, check(name, draws)), by family

TN_LO, TN_HI = np.float32([-1.0, 1.5, -np.inf]), np.float32([2.0, 4.0, 0.5])
LO_U, HI_U = np.float32([-1, 0]), np.float32([3, 1e-3])
CONTINUOUS = {
    "uniform": (lambda k: random.uniform(k, (N, 2), minval=LO_U, maxval=HI_U),
                _dist(st.uniform(LO_U.astype(f64), (HI_U - LO_U).astype(f64)))),
    "normal": (lambda k: random.normal(k, (N,)), _dist(st.norm())),
    # Complex: real and imaginary parts independent N(0, 1/2).
    "normal_complex": (lambda k: _complex_parts(random.normal(k, (N,), np.complex64)),
                       _dist(st.norm(scale=np.sqrt(0.5)))),
    "truncated_normal": (lambda k: random.truncated_normal(k, TN_LO, TN_HI, (N, 3)),
                         _dist(st.truncnorm(TN_LO.astype(f64), TN_HI.astype(f64)))),
    "exponential": (lambda k: random.exponential(k, (N,)), _dist(st.expon())),
    "gumbel": (lambda k: random.gumbel(k, (N,)), _dist(st.gumbel_r())),
    "gumbel_high": (lambda k: random.gumbel(k, (N,), mode="high"), _dist(st.gumbel_r())),
}

P_BERN = np.float32([0.3, 0.9, 0.5])
P4 = np.float32([0.1, 0.2, 0.3, 0.4])
LO_I, HI_I = np.int32([0, -7]), np.int32([10, 1000])


def _bits_check(bits):
    def check(name, x):
        x = np.asarray(x)
        assert x.dtype == np.dtype(f"uint{bits}"), name
        # Each bit a fair coin; the words uniform on [0, 2**bits) (the discrete uniform's
        # moments in floats: SciPy's randint overflows there).
        _dist(st.bernoulli(0.5))(name, (x[:, None] >> np.arange(bits, dtype=x.dtype)) & 1)
        m = 2.0 ** bits
        _check(name, x, (m - 1) / 2, (m ** 2 - 1) / 12, (m ** 2 - 1) * (3 * m ** 2 - 7) / 240)
    return check


DISCRETE = {
    "bits": (lambda k: random.bits(k, (N,)), _bits_check(32)),
    "bits_uint8": (lambda k: random.bits(k, (N,), np.uint8), _bits_check(8)),
    "bernoulli": (lambda k: random.bernoulli(k, P_BERN, (N, 3)),
                  _dist(st.bernoulli(P_BERN.astype(f64)))),
    "bernoulli_high": (lambda k: random.bernoulli(k, 0.3, (N,), mode="high"),
                       _dist(st.bernoulli(0.3))),
    "randint": (lambda k: random.randint(k, (N, 2), LO_I, HI_I),
                _dist(st.randint(LO_I.astype(np.int64), HI_I.astype(np.int64)))),
    "categorical": (lambda k: random.categorical(k, np.log(P4), shape=(N,)),
                    _frequencies(P4)),
    "categorical_no_replace": (_vmap_keys(lambda k: random.categorical(
        k, np.log(P4), shape=(2,), replace=False)), _ordered_pairs(P4)),
}


def _permutation_check(name, x):
    x = np.asarray(x)
    assert np.all(np.sort(x, 1) == np.arange(5)), name
    _check_frequencies(name, x, np.full(5, 0.2))    # every value at every position: 1/5


ROWS = np.broadcast_to(np.arange(5, dtype=np.int32), (N, 5))
PERMUTATIONS = {
    "permutation_independent": (lambda k: random.permutation(k, ROWS, 1, independent=True),
                                _permutation_check),
    "choice": (lambda k: random.choice(k, 5, (N,)), _frequencies(np.full(5, 0.2))),
    "choice_p": (lambda k: random.choice(k, 4, (N,), p=P4), _frequencies(P4)),
    "permutation": (_vmap_keys(lambda k: random.permutation(k, 5)), _permutation_check),
    "choice_no_replace": (_vmap_keys(lambda k: random.choice(k, 5, (2,), replace=False)),
                          _ordered_pairs(np.full(5, 0.2))),
    "choice_p_no_replace": (_vmap_keys(lambda k: random.choice(k, 4, (2,), replace=False,
                                                               p=P4)), _ordered_pairs(P4)),
}

A_GAMMA = np.float32([0.05, 0.3, 1.0, 4.5, 30.0])    # below a = 1 (boosted) and above
A_LOG = np.float32([0.3, 4.5])
BETA_A, BETA_B = np.float32([0.5, 2.0, 5.0]), np.float32([0.7, 3.0, 0.4])
ALPHA = np.float32([0.4, 2.0, 3.0])
DF_CHI = np.float32([0.8, 3.0, 12.0])
DF_T, DF_T_HEAVY = np.float32([6.0, 30.0]), np.float32([0.8, 3.0])


def _dirichlet_check(name, x):
    x = np.asarray(x, f64)
    np.testing.assert_allclose(x.sum(1), 1, rtol=1e-5)
    alpha = ALPHA.astype(f64)   # the marginals are Beta(alpha_i, sum(alpha) - alpha_i)
    _dist(st.beta(alpha, alpha.sum() - alpha))(name, x)


GAMMA_FAMILY = {
    "gamma": (lambda k: random.gamma(k, A_GAMMA, (N, 5)), _dist(st.gamma(A_GAMMA.astype(f64)))),
    "loggamma": (lambda k: random.loggamma(k, A_LOG, (N, 2)),
                 _dist(st.loggamma(A_LOG.astype(f64)))),
    "beta": (lambda k: random.beta(k, BETA_A, BETA_B, (N, 3)),
             _dist(st.beta(BETA_A.astype(f64), BETA_B.astype(f64)))),
    "dirichlet": (lambda k: random.dirichlet(k, ALPHA, (N,)), _dirichlet_check),
    "chisquare": (lambda k: random.chisquare(k, DF_CHI, (N, 3)),
                  _dist(st.chi2(DF_CHI.astype(f64)))),
    "f": (lambda k: random.f(k, 5.0, 12.0, (N,)), _dist(st.f(5, 12))),
    "t": (lambda k: random.t(k, DF_T, (N, 2)), _dist(st.t(DF_T.astype(f64)))),
    # No finite fourth moment (no variance at all for df = 0.8): quantiles.
    "t_heavy": (lambda k: random.t(k, DF_T_HEAVY, (N, 2)),
                _quantiles(st.t(DF_T_HEAVY.astype(f64)))),
}

LAM = np.float32([0.5, 3.0, 9.9, 10.0, 50.0, 250.0])   # Knuth below 10, rejection above
# Inversion where n * min(p, 1 - p) <= 10, BTRS above; p on both sides of 1/2; a
# fractional count rounds down.
BIN_N = np.float32([8.0, 40.0, 200.0, 1000.0, 7.5])
BIN_P = np.float32([0.3, 0.9, 0.6, 0.02, 0.5])
P3 = np.float32([0.2, 0.3, 0.5])
P_GEOM = np.float32([0.05, 0.25, 0.9])


def _multinomial_check(name, x):
    x = np.asarray(x)
    np.testing.assert_array_equal(x.sum(1), 20)
    _dist(st.binom(20, P3.astype(f64)))(name, x)       # binomial marginals


COUNTING = {
    "poisson": (lambda k: random.poisson(k, LAM[[1, 4]], (N, 2)),
                _dist(st.poisson(LAM[[1, 4]].astype(f64)))),
    "geometric": (lambda k: random.geometric(k, P_GEOM, (N, 3)),
                  _dist(st.geom(P_GEOM.astype(f64)))),
    "poisson_more": (lambda k: random.poisson(k, LAM, (N, 6)), _dist(st.poisson(LAM.astype(f64)))),
    "binomial": (lambda k: random.binomial(k, BIN_N, BIN_P, (N, 5)),
                 _dist(st.binom(np.floor(BIN_N), BIN_P.astype(f64)))),
    "multinomial": (lambda k: random.multinomial(k, 20.0, P3, shape=(N, 3)),
                    _multinomial_check),
}

SIGMA_LN = np.float32([0.3, 0.6])
B_PARETO = np.float32([6.0, 12.0])
C_WEIBULL = np.float32([0.7, 1.5])
MEAN_WALD = np.float32([0.5, 1.5])


def _rademacher_check(name, x):
    x = np.asarray(x)
    assert set(np.unique(x)) == {-1, 1}, name
    _check(name, x, 0.0, 1.0, 1.0)


TRANSFORMED = {
    "laplace": (lambda k: random.laplace(k, (N,)), _dist(st.laplace())),
    "logistic": (lambda k: random.logistic(k, (N,)), _dist(st.logistic())),
    "cauchy": (lambda k: random.cauchy(k, (N,)), _quantiles(st.cauchy())),   # no moments
    "lognormal": (lambda k: random.lognormal(k, SIGMA_LN, (N, 2)),
                  _dist(st.lognorm(SIGMA_LN.astype(f64)))),
    "pareto": (lambda k: random.pareto(k, B_PARETO, (N, 2)),
               _dist(st.pareto(B_PARETO.astype(f64)))),
    "pareto_heavy": (lambda k: random.pareto(k, 1.5, (N,)), _quantiles(st.pareto(1.5))),
    "weibull_min": (lambda k: random.weibull_min(k, 2.0, C_WEIBULL, (N, 2)),
                    _dist(st.weibull_min(C_WEIBULL.astype(f64), scale=2.0))),
    "rayleigh": (lambda k: random.rayleigh(k, 2.0, (N,)), _dist(st.rayleigh(scale=2.0))),
    # JAX's wald is the inverse Gaussian of shape 1: SciPy's invgauss(mu).
    "wald": (lambda k: random.wald(k, MEAN_WALD, (N, 2)),
             _dist(st.invgauss(MEAN_WALD.astype(f64)))),
    "maxwell": (lambda k: random.maxwell(k, (N,)), _dist(st.maxwell())),
    # loc + scale * (random sign) * Maxwell, whose E X^2 = 3 and E X^4 = 15.
    "double_sided_maxwell": (lambda k: random.double_sided_maxwell(k, 1.0, 2.0, (N,)),
                             lambda name, x: _check(name, x, 1.0, 3 * 2.0 ** 2,
                                                    15 * 2.0 ** 4)),
    "triangular": (lambda k: random.triangular(k, -1.0, 0.5, 2.0, (N,)),
                   _dist(st.triang(0.5, loc=-1.0, scale=3.0))),
    "rademacher": (lambda k: random.rademacher(k, (N,)), _rademacher_check),
}

P_GN = np.float32([0.7, 3.0])
MEAN3 = np.float32([1.0, -2.0, 0.5])
COV3 = np.float32([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 0.7]])
# Projections w . x ~ N(w . mean, w^T cov w) onto e_i, e_i + e_j and e_i - e_j cover every
# entry of the covariance.
W3 = np.concatenate([np.eye(3), [[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, -1, 0], [0, 1, -1]]])


def _mvn_check(name, x):
    mean, var = W3 @ MEAN3, np.einsum("ki,ij,kj->k", W3, COV3, W3)
    _check(name, np.asarray(x, f64) @ W3.T, mean, var, 3 * var ** 2)


def _ball_check(m2, m4, p):
    # A coordinate of a uniform point of the unit L2 ball in 3-d has density prop. to
    # 1 - t**2 on [-1, 1]: E t^2 = 1/5, E t^4 = 3/35.  In the L1 ball |t| ~ Beta(1, 3):
    # E t^2 = 2/20, E t^4 = 24/840.
    def check(name, x):
        x = np.asarray(x, f64)
        assert np.all((np.abs(x) ** p).sum(1) <= 1 + 1e-6), name
        _check(name, x, 0.0, m2, m4)
    return check


def _orthogonal_check(n, m):
    """Haar measure: an n x m matrix with orthonormal rows or columns is a block of a Haar
    k x k one (k = max(n, m)), whose entries have E q^2 = 1/k, E q^4 = 3/(k (k + 2)); the
    trace of a Haar matrix of O(4) has the moments of N(0, 1) up to the fourth."""
    k = max(n, m)

    def check(name, x):
        q = np.asarray(x, f64)
        gram = q @ q.mT if n <= m else q.mT @ q
        np.testing.assert_allclose(gram, np.broadcast_to(np.eye(min(n, m)), gram.shape),
                                   atol=2e-6)
        _check(name, q.reshape(N, n * m), 0.0, 1 / k, 3 / (k * (k + 2)))
        if n == m == 4:
            _check(f"{name} trace", np.trace(q, axis1=1, axis2=2), 0.0, 1.0, 3.0)
    return check


GEOMETRY = {
    "multivariate_normal": (lambda k: random.multivariate_normal(k, MEAN3, COV3, (N,)),
                            _mvn_check),
    "orthogonal": (lambda k: random.orthogonal(k, 4, (N,)), _orthogonal_check(4, 4)),
    "orthogonal_wide": (lambda k: random.orthogonal(k, 3, (N,), m=5), _orthogonal_check(3, 5)),
    **{f"multivariate_normal_{method}": (
        lambda k, method=method: random.multivariate_normal(k, MEAN3, COV3, (N,),
                                                            method=method), _mvn_check)
       for method in ("eigh", "svd")},
    "generalized_normal": (lambda k: random.generalized_normal(k, P_GN, (N, 2)),
                           _dist(st.gennorm(P_GN.astype(f64)))),
    "ball_l2": (lambda k: random.ball(k, 3, 2, (N,)), _ball_check(1 / 5, 3 / 35, 2)),
    "ball_l1": (lambda k: random.ball(k, 3, 1, (N,)), _ball_check(1 / 10, 1 / 35, 1)),
}

FAMILIES = {"continuous": CONTINUOUS, "discrete": DISCRETE, "permutations": PERMUTATIONS,
            "gamma_family": GAMMA_FAMILY, "counting": COUNTING, "transformed": TRANSFORMED,
            "geometry": GEOMETRY}
# The cases each family checks in the CI tier (the rest run in the exhaustive tier): those
# that compile quickly, one per branch where it can be afforded.
CI_CASES = {
    "continuous": list(CONTINUOUS),
    "discrete": ["bits", "bits_uint8", "bernoulli", "bernoulli_high", "randint",
                 "categorical"],
    "permutations": ["permutation_independent", "choice", "choice_p"],
    "gamma_family": [],     # (CI: tests/test_random_samplers.py's gamma moments)
    "counting": ["poisson", "geometric"],
    "transformed": list(TRANSFORMED),
    "geometry": ["multivariate_normal", "orthogonal"],
}


def _draw_and_check(family: str, names, key=KEY):
    cases = FAMILIES[family]
    index = {name: i for i, name in enumerate(cases)}   # a fixed key per case

    @zenax.jit
    def draw(key):
        return {name: cases[name][0](random.fold_in(key, index[name])) for name in names}

    for name, x in draw(key).items():
        cases[name][1](name, x)


@pytest.mark.parametrize("family", [f for f in FAMILIES if CI_CASES[f]])
@pytest.mark.all_cases
def test_moments(family):
    _draw_and_check(family, CI_CASES[family])


@pytest.mark.exhaustive
@pytest.mark.parametrize("family", [f for f in FAMILIES if len(CI_CASES[f]) < len(FAMILIES[f])])
def test_moments_exhaustive(family):
    _draw_and_check(family, [n for n in FAMILIES[family] if n not in CI_CASES[family]])


def test_case_tables_cover_every_sampler():
    """Every distribution sampler of zenax.random has a case here."""
    samplers = set(random.__all__) - {"PRNGKey", "key", "key_data", "wrap_key_data", "split",
                                      "fold_in", "clone", "key_dtype", "key_impl",
                                      "random_gamma_p"}
    covered = {name for cases in FAMILIES.values() for name in cases}
    assert not {s for s in samplers if not any(c.startswith(s) for c in covered)}
