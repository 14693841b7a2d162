"""zenax.random's distribution samplers against jax.random: gamma and its family, the
counting samplers, the closed-form transforms, and the vector/matrix samplers.

* bits: for every sampler, two dtypes and two shapes, three keys give the same bits,
  dtype, shape and weak type as ``jax.random`` (one jitted program per shape on each
  side, the keys its argument, so the keys share the compile);
* ``vmap`` over keys equals a Python loop over them (and ``jax.vmap``);
* ``gamma`` carries JAX's implicit derivative in ``a`` (through beta, dirichlet, t, ...)
  and ``random_gamma_p`` is a primitive of the jaxpr;
* moments: mean and variance of 10**5 draws within 4 standard errors of the
  distribution's (the full sweep in the exhaustive tier, a cheap one in CI);
* bad input: JAX's exception kinds, messages naming the function and argument.
"""
import doctest
import importlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sps

import zenax
import zenax.numpy as znp
from zenax import random
from zenax.tracer.errors import ConcretizationTypeError

from oracle import assert_bits_equal, assert_same

jr = jax.random
SEEDS = (0, 42, 2 ** 31 + 5)
f32, bf16, f16 = np.dtype(np.float32), np.dtype(jnp.bfloat16), np.dtype(np.float16)
i32, i16, c64 = np.dtype(np.int32), np.dtype(np.int16), np.dtype(np.complex64)

ALPHAS = np.float32([0.05, 0.7, 1.0, 2.5, 30.0, 1e-3])      # below and above 1 (boost)
P3 = np.float32([0.2, 0.3, 0.5])
MEAN3 = np.float32([1.0, -2.0, 0.5])
COV3 = np.float32([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 0.7]])

# name -> (f(r, key, params, shape, dtype) for r in (zenax.random, jax.random), params,
# dtypes, shapes).  The parameters are arguments of the jitted programs, as the keys are:
# a constant in a program lets the compiler precompute the parameter-only arithmetic
# (gamma's d = a - 1/3, ...), which JAX's jit and zenax's do differently (a NumPy array
# closed over is folded by JAX, an inlined literal is evaluated by zenax's lowering), an
# ulp apart at times -- as operands both compute what JAX's eager samplers compute.  The
# parameters broadcast to both shapes; where a sampler's shape is a batch shape
# (dirichlet, multivariate_normal, ...) the draws are vectors or matrices.
SHAPES = ((6,), (2, 6))
LAM = np.float32([0, .5, 3, 9.9, 10, 250])
N_TRIALS, P_TRIAL = np.float32([0, 3, 7.5, 40, 1e4, -1]), np.float32([.3, .9, .5, .7, .02, .5])
P_EDGE = np.float32([0, 1, np.nan, -0.1, 0.5, 0.999])
P_GEOM = np.float32([.01, .2, .5, .9, 1, .3])
SAMPLERS = {
    "gamma": (lambda r, k, p, s, d: r.gamma(k, p[0], s, d), (ALPHAS,), (f32, bf16), SHAPES),
    "gamma_scalar_a": (lambda r, k, p, s, d: r.gamma(k, p[0], s, d), (0.4,), (f32, f16), SHAPES),
    "loggamma": (lambda r, k, p, s, d: r.loggamma(k, p[0], s, d), (ALPHAS,), (f32, bf16),
                 SHAPES),
    "beta": (lambda r, k, p, s, d: r.beta(k, p[0].astype(d), p[1], s, d), (ALPHAS, 2.0),
             (f32, bf16), SHAPES),
    "chisquare": (lambda r, k, p, s, d: r.chisquare(k, p[0].astype(d), s, d), (ALPHAS * 2,),
                  (f32, bf16), SHAPES),
    # (As JAX, f divides with lax.div: the parameters must be scalars or of the full shape.)
    "f": (lambda r, k, p, s, d: r.f(k, *p, s, d), (3.0, 7.5), (f32, bf16), SHAPES),
    "t": (lambda r, k, p, s, d: r.t(k, p[0].astype(d), s, d), (ALPHAS + 0.5,), (f32, bf16),
          SHAPES),
    "poisson": (lambda r, k, p, s, d: r.poisson(k, p[0], s, d), (LAM,), (i32, i16), SHAPES),
    "binomial": (lambda r, k, p, s, d: r.binomial(k, p[0], p[1], s, d), (N_TRIALS, P_TRIAL),
                 (f32, f16), SHAPES),
    "binomial_edge_p": (lambda r, k, p, s, d: r.binomial(k, *p, s, d), (20.0, P_EDGE),
                        (f32, f16), SHAPES),
    "multinomial": (lambda r, k, p, s, d: r.multinomial(k, *p, shape=(*s[:-1], 3), dtype=d),
                    (25.0, P3), (f32, i32), SHAPES),
    "geometric": (lambda r, k, p, s, d: r.geometric(k, p[0], s, d), (P_GEOM,), (i32, i16),
                  SHAPES),
    "laplace": (lambda r, k, p, s, d: r.laplace(k, s, d), (), (f32, bf16), SHAPES),
    "dirichlet": (lambda r, k, p, s, d: r.dirichlet(k, p[0], s, d), (P3 * 4,), (f32, bf16),
                  SHAPES),
    "logistic": (lambda r, k, p, s, d: r.logistic(k, s, d), (), (f32, bf16), SHAPES),
    "cauchy": (lambda r, k, p, s, d: r.cauchy(k, s, d), (), (f32, f16), SHAPES),
    "lognormal": (lambda r, k, p, s, d: r.lognormal(k, p[0], s, d), (0.5,), (f32, bf16),
                  SHAPES),
    "pareto": (lambda r, k, p, s, d: r.pareto(k, p[0].astype(d), s, d), (ALPHAS + 1,),
               (f32, bf16), SHAPES),
    "weibull_min": (lambda r, k, p, s, d: r.weibull_min(k, *p, s, d), (2.0, ALPHAS + 0.5),
                    (f32, bf16), SHAPES),
    "rayleigh": (lambda r, k, p, s, d: r.rayleigh(k, p[0].astype(d), s, d), (ALPHAS,),
                 (f32, bf16), SHAPES),
    "wald": (lambda r, k, p, s, d: r.wald(k, p[0].astype(d), s, d), (ALPHAS + 0.5,),
             (f32, bf16), SHAPES),
    "maxwell": (lambda r, k, p, s, d: r.maxwell(k, s, d), (), (f32, bf16), SHAPES),
    "double_sided_maxwell": (lambda r, k, p, s, d: r.double_sided_maxwell(k, *p, s, d),
                             (1.0, 2.0), (f32, bf16), SHAPES),
    "triangular": (lambda r, k, p, s, d: r.triangular(k, p[0], p[1].astype(d), p[2], s, d),
                   (-1.0, ALPHAS / 30, 2.0), (f32, bf16), SHAPES),
    "rademacher": (lambda r, k, p, s, d: r.rademacher(k, s, d), (), (i32, f32), SHAPES),
    "generalized_normal": (lambda r, k, p, s, d: r.generalized_normal(k, p[0], s, d), (1.5,),
                           (f32, bf16), SHAPES),
    "ball": (lambda r, k, p, s, d: r.ball(k, 3, p[0], s, d), (1.5,), (f32, bf16), SHAPES),
    "orthogonal": (lambda r, k, p, s, d: r.orthogonal(k, 3, s[:-1], d, m=4), (), (f32, c64),
                   SHAPES),
    "multivariate_normal": (lambda r, k, p, s, d: r.multivariate_normal(k, *p, s, d),
                            (MEAN3, COV3), (f32, bf16), SHAPES),
    "multivariate_normal_eigh": (lambda r, k, p, s, d: r.multivariate_normal(
        k, *p, s, d, method="eigh"), (MEAN3, COV3), (f32, bf16), SHAPES[:1]),
    "multivariate_normal_svd": (lambda r, k, p, s, d: r.multivariate_normal(
        k, *p, s, d, method="svd"), (MEAN3, COV3), (f32, bf16), SHAPES[:1]),
}
CASES = [(name, dtype) for name, (_, _, dtypes, _) in SAMPLERS.items() for dtype in dtypes]


def _ids(case):
    return f"{case[0]}-{np.dtype(case[1]).name}"


def _assert_same_sample(ours, theirs, err_msg):
    assert_bits_equal(ours, theirs, err_msg)
    assert getattr(ours, "weak_type", False) == theirs.weak_type, err_msg


# ## Bits

@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_bits_match_jax(case):
    name, dtype = case
    f, params, _, shapes = SAMPLERS[name]
    for shape in shapes:
        ours = zenax.jit(lambda k, p: f(random, k, p, shape, dtype))
        theirs = jax.jit(lambda k, p: f(jr, k, p, shape, dtype))
        for seed in SEEDS:
            _assert_same_sample(ours(random.PRNGKey(seed), params),
                                theirs(jr.PRNGKey(seed), params), f"{name} {shape} seed {seed}")


def test_eager_gamma_matches_jax():
    """Eagerly (the sampler one compiled program, as JAX jits its samplers), gamma gives
    JAX's bits, for keys sharing the compile -- typed keys (``random.key``) and raw key
    data alike."""
    for seed in SEEDS:
        for ours, theirs in ((random.PRNGKey(seed), jr.PRNGKey(seed)),
                             (random.key(seed), jr.key(seed))):
            _assert_same_sample(random.gamma(ours, ALPHAS, (6,)),
                                jr.gamma(theirs, ALPHAS, (6,)), "gamma")


# ## vmap

@pytest.mark.parametrize("name", ["gamma", "poisson", "multivariate_normal"])
def test_vmap_over_keys_equals_loop_and_jax_vmap(name):
    f, params, (dtype, _), _ = SAMPLERS[name]
    keys = random.split(random.PRNGKey(7), 3)
    ours = zenax.vmap(lambda k: f(random, k, params, (6,), dtype))(keys)
    for i in range(3):      # eagerly: the program of test_eager_gamma_matches_jax for gamma
        assert_bits_equal(ours[i], f(random, keys[i], params, (6,), dtype), f"{name} row {i}")
    assert_bits_equal(ours, jax.vmap(lambda k: f(jr, k, params, (6,), dtype))(keys))


@pytest.mark.exhaustive
def test_vmap_over_gamma_shape_parameter_and_typed_keys():
    key = random.PRNGKey(1)
    alphas = np.stack([ALPHAS, ALPHAS * 3])
    assert_bits_equal(zenax.vmap(lambda a: random.gamma(key, a))(alphas),
                      jax.vmap(lambda a: jr.gamma(key, a))(alphas))
    keys, j_keys = random.split(random.key(1), 2), jr.split(jr.key(1), 2)
    assert_bits_equal(zenax.vmap(lambda k, a: random.gamma(k, a))(keys, alphas),
                      jax.vmap(lambda k, a: jr.gamma(k, a))(j_keys, alphas))


# ## The implicit derivative of gamma

@pytest.mark.parametrize("name", ["gamma", "loggamma", "beta", "dirichlet", "t", "f",
                                  "chisquare", "generalized_normal"])
def test_grad_through_gamma_matches_jax(name):
    """d/da of a loss of the samples: the implicit reparameterisation gradient, as JAX."""
    draw = {
        "gamma": lambda r, k, a: r.gamma(k, a),
        "loggamma": lambda r, k, a: r.loggamma(k, a),
        "beta": lambda r, k, a: r.beta(k, a, a[::-1]),
        "dirichlet": lambda r, k, a: r.dirichlet(k, a),
        "t": lambda r, k, a: r.t(k, a + 2),
        "f": lambda r, k, a: r.f(k, a + 1, 5.0),
        "chisquare": lambda r, k, a: r.chisquare(k, a),
        "generalized_normal": lambda r, k, a: r.generalized_normal(k, a[0] + 1, (4,)),
    }[name]
    a = np.float32([0.3, 1.0, 2.5, 8.0])
    key = random.PRNGKey(5)
    ours = zenax.grad(lambda a: znp.sum(draw(random, key, a) ** 2))(a)
    theirs = jax.grad(lambda a: jnp.sum(draw(jr, key, a) ** 2))(a)
    assert_same(ours, theirs, rtol=2e-5, atol=1e-6)


@pytest.mark.exhaustive
def test_gamma_jvp_and_jit_of_grad():
    key, a = random.PRNGKey(2), np.float32([0.5, 4.0])
    t = np.float32([1.0, -2.0])
    assert_same(zenax.jvp(lambda a: random.gamma(key, a), (a,), (t,)),
                jax.jvp(lambda a: jr.gamma(key, a), (a,), (t,)), rtol=2e-5)
    ours = zenax.jit(zenax.grad(lambda a: znp.sum(random.gamma(key, a))))(a)
    assert_same(ours, jax.grad(lambda a: jnp.sum(jr.gamma(key, a)))(a), rtol=2e-5)


def test_random_gamma_p_is_the_primitive_in_the_jaxpr():
    key = random.PRNGKey(0)
    jaxpr = str(zenax.make_jaxpr(lambda a: random.gamma(key, a))(ALPHAS))
    assert "random_gamma[log_space=False]" in jaxpr
    assert "random_gamma[log_space=True]" in str(
        zenax.make_jaxpr(lambda a: random.loggamma(key, a))(ALPHAS))
    assert random.random_gamma_p.name == jr.random_gamma_p.name == "random_gamma"


@pytest.mark.exhaustive
def test_random_gamma_p_bound_directly():
    """Bound with one key per element of a's leading axis (as after vmap), eagerly."""
    keys = random.split(random.PRNGKey(0), 2)
    a = np.stack([ALPHAS, ALPHAS])
    ours = random.random_gamma_p.bind(keys, a, log_space=False)
    for i in range(2):      # (the shape of test_eager_gamma_matches_jax's JAX program)
        assert_bits_equal(ours[i], jr.gamma(keys[i], ALPHAS, (6,)))


# ## Moments

def _check_moments(x, mean, var, name):
    """The sample mean and variance of ``x`` (draws along axis 0) within 4 standard
    errors of ``mean`` and ``var`` (the variance's standard error from the sample's
    fourth central moment)."""
    x = np.asarray(x, np.float64)
    n = x.shape[0]
    m, v = x.mean(0), x.var(0)
    mu4 = ((x - m) ** 4).mean(0)
    np.testing.assert_array_less(np.abs(m - mean), 4 * np.sqrt(np.asarray(var) / n) + 1e-12,
                                 err_msg=f"{name} mean")
    np.testing.assert_array_less(np.abs(v - var), 4 * np.sqrt((mu4 - v ** 2) / n) + 1e-12,
                                 err_msg=f"{name} variance")


N = 10 ** 5
A_MOM = np.float32([0.3, 1.0, 4.5])
G = sps.gamma


def _weibull(scale, c):
    return scale * G(1 + 1 / c), scale ** 2 * (G(1 + 2 / c) - G(1 + 1 / c) ** 2)


# name -> (draw(key) -> draws along axis 0, mean, variance)
MOMENTS = {
    "gamma": (lambda k: random.gamma(k, A_MOM, (N, 3)), A_MOM, A_MOM),
    "loggamma": (lambda k: random.loggamma(k, A_MOM, (N, 3)), sps.digamma(A_MOM),
                 sps.polygamma(1, A_MOM)),
    "beta": (lambda k: random.beta(k, 2.0, 3.0, (N,)), 0.4, 6 / (25 * 6)),
    "dirichlet": (lambda k: random.dirichlet(k, np.float32([1, 2, 3]), (N,)),
                  np.array([1, 2, 3]) / 6, np.array([1, 2, 3]) * (6 - np.array([1, 2, 3]))
                  / (36 * 7)),
    "chisquare": (lambda k: random.chisquare(k, 3.0, (N,)), 3.0, 6.0),
    "f": (lambda k: random.f(k, 5.0, 12.0, (N,)), 12 / 10,
          2 * 144 * 15 / (5 * 100 * 8)),
    "t": (lambda k: random.t(k, 10.0, (N,)), 0.0, 10 / 8),
    "poisson": (lambda k: random.poisson(k, np.float32([3.0, 40.0]), (N, 2)),
                np.array([3.0, 40.0]), np.array([3.0, 40.0])),
    "binomial": (lambda k: random.binomial(k, np.float32([8, 200]), np.float32([.3, .6]),
                                           (N, 2)),
                 np.array([2.4, 120.0]), np.array([8 * .3 * .7, 200 * .6 * .4])),
    "multinomial": (lambda k: random.multinomial(k, 20.0, P3, shape=(N, 3)), 20 * P3,
                    20 * P3 * (1 - P3)),
    "geometric": (lambda k: random.geometric(k, 0.25, (N,)), 4.0, 0.75 / 0.0625),
    "laplace": (lambda k: random.laplace(k, (N,)), 0.0, 2.0),
    "logistic": (lambda k: random.logistic(k, (N,)), 0.0, np.pi ** 2 / 3),
    "lognormal": (lambda k: random.lognormal(k, 0.5, (N,)), np.exp(0.125),
                  (np.exp(0.25) - 1) * np.exp(0.25)),
    "pareto": (lambda k: random.pareto(k, 6.0, (N,)), 6 / 5, 6 / (25 * 4)),
    "weibull_min": (lambda k: random.weibull_min(k, 2.0, 1.5, (N,)), *_weibull(2.0, 1.5)),
    "rayleigh": (lambda k: random.rayleigh(k, 2.0, (N,)), 2 * np.sqrt(np.pi / 2),
                 (4 - np.pi) / 2 * 4),
    "wald": (lambda k: random.wald(k, 1.5, (N,)), 1.5, 1.5 ** 3),
    "maxwell": (lambda k: random.maxwell(k, (N,)), 2 * np.sqrt(2 / np.pi),
                (3 * np.pi - 8) / np.pi),
    "double_sided_maxwell": (lambda k: random.double_sided_maxwell(k, 1.0, 2.0, (N,)),
                             1.0, 3 * 4.0),
    "triangular": (lambda k: random.triangular(k, -1.0, 0.5, 2.0, (N,)), 0.5,
                   (1 + 0.25 + 4 + 0.5 + 2 - 1) / 18),
    "rademacher": (lambda k: random.rademacher(k, (N,)), 0.0, 1.0),
    "generalized_normal": (lambda k: random.generalized_normal(k, 1.5, (N,)), 0.0,
                           G(3 / 1.5) / G(1 / 1.5)),
    "ball": (lambda k: random.ball(k, 3, shape=(N,)), np.zeros(3), np.full(3, 1 / 5)),
    "orthogonal": (lambda k: random.orthogonal(k, 3, (N,)).reshape(N, 9), np.zeros(9),
                   np.full(9, 1 / 3)),
    "multivariate_normal": (lambda k: random.multivariate_normal(k, MEAN3, COV3, (N,)),
                            MEAN3, np.diag(COV3)),
}


def test_moments_cheap():
    """CI's moment check: gamma on both sides of a = 1 (the boosted and plain branches)."""
    draw, mean, var = MOMENTS["gamma"]
    _check_moments(draw(random.PRNGKey(11)), mean, var, "gamma")


@pytest.mark.exhaustive
@pytest.mark.parametrize("name", list(MOMENTS))
def test_moments(name):
    draw, mean, var = MOMENTS[name]
    _check_moments(draw(random.PRNGKey(11)), mean, var, name)


@pytest.mark.exhaustive
def test_cauchy_quartiles():
    """Cauchy has no moments: its quartiles are -1 and 1."""
    x = np.asarray(random.cauchy(random.PRNGKey(3), (N,)))
    frac = np.mean(np.abs(x) < 1)
    assert abs(frac - 0.5) < 4 * np.sqrt(0.25 / N)


@pytest.mark.exhaustive
def test_multivariate_normal_covariance_and_sums():
    x = np.asarray(random.multivariate_normal(random.PRNGKey(4), MEAN3, COV3, (20000,)),
                   np.float64)
    np.testing.assert_allclose(np.cov(x.T), COV3, atol=0.06)
    counts = random.multinomial(random.PRNGKey(4), 30.0, P3, shape=(5, 3))
    np.testing.assert_array_equal(np.asarray(counts).sum(-1), 30)


# ## Bad input

def _raises_like_jax(call, match):
    """``call(zenax.random)`` raises what ``call(jax.random)`` raises, and names the
    function (or argument) as ``match`` says."""
    with pytest.raises(Exception) as theirs:
        call(jr)
    with pytest.raises(theirs.type, match=match):
        call(random)


KEY = np.zeros(2, np.uint32)


@pytest.mark.parametrize("call,match", [
    (lambda r: r.gamma(KEY, 2.0, (2,), jnp.int32), "`gamma` must be a float dtype"),
    (lambda r: r.loggamma(KEY, 2.0, (2,), jnp.int32), "must be a float dtype"),
    (lambda r: r.generalized_normal(KEY, 2.0, (2,), jnp.int32), "must be a float dtype"),
    (lambda r: r.beta(KEY, 1j, 2.0), "In arguments to beta, cannot safely cast"),
    (lambda r: r.t(KEY, np.ones(3, np.float32), (2,)), "t parameter shapes|broadcasting"),
    (lambda r: r.dirichlet(KEY, 1.0), "dirichlet requires alpha.ndim >= 1"),
    (lambda r: r.poisson(KEY, 1.0, (2,), jnp.float32), "poisson"),
    (lambda r: r.poisson(KEY, np.ones(3, np.float32), (2,)), "broadcast"),
    (lambda r: r.binomial(KEY, [3], 0.5), "binomial requires ndarray or scalar"),
    (lambda r: r.binomial(KEY, 3, 0.5, (2,), jnp.int32), "`binomial` must be a float"),
    (lambda r: r.multinomial(KEY, 3.0, [0.5, 0.5]), "multinomial requires ndarray"),
    (lambda r: r.geometric(KEY, 0.2, (2,), jnp.float32), "`geometric` must be an int"),
    (lambda r: r.orthogonal(KEY, 2.5), "orthogonal: n must be a Python int"),
    (lambda r: r.multivariate_normal(KEY, np.zeros(2), np.eye(2), method="qr"), "method"),
    (lambda r: r.multivariate_normal(KEY, np.zeros(2), np.eye(3)), r"cov.shape == \(\.\.\., n"),
    (lambda r: r.multivariate_normal(KEY, 0.0, np.eye(3)), "mean.ndim >= 1"),
    (lambda r: r.triangular(KEY, 0.0, np.full(3, .5), 1.0, (2,)), "triangular parameter"),
    (lambda r: r.laplace(KEY, (2,), jnp.int32), "`laplace` must be a float dtype"),
    (lambda r: r.weibull_min(KEY, 1.0, 2.0, (2,), jnp.int32), "`weibull_min` must be a float"),
    (lambda r: r.chisquare(KEY, "a"), "chisquare: df must be a number"),
])
def test_bad_input_raises_like_jax(call, match):
    _raises_like_jax(call, match)


def test_static_arguments_must_be_concrete():
    with pytest.raises(ConcretizationTypeError, match="orthogonal argument `n`"):
        zenax.jit(lambda n: random.orthogonal(KEY, n))(3)
    with pytest.raises(ConcretizationTypeError, match="ball argument `d`"):
        zenax.jit(lambda d: random.ball(KEY, d))(3)


@pytest.mark.parametrize("name,call", [
    ("gamma", lambda k: random.gamma(k, 1.0)),
    ("poisson", lambda k: random.poisson(k, 1.0)),
    ("orthogonal", lambda k: random.orthogonal(k, 2)),
    ("laplace", lambda k: random.laplace(k)),
])
def test_bad_keys_name_the_function(name, call):
    with pytest.raises(TypeError, match=rf"zenax\.random\.{name}: .*uint32\[2\]"):
        call(np.zeros(3, np.uint32))


# ## Docstring examples

@pytest.mark.exhaustive
@pytest.mark.parametrize("module", ["gamma_family", "counting", "transformed", "geometry"])
def test_docstring_examples(module):
    mod = importlib.import_module(f"zenax.lax.random.{module}")
    result = doctest.testmod(mod, extraglobs={"random": random, "jnp": znp, "zenax": zenax},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0

