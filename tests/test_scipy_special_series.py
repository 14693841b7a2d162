"""zenax.scipy.special's series-based functions -- the exponential integrals ``expi``,
``exp1``, ``expn``, the hypergeometric ``hyp1f1``, ``hyp2f1``, ``bessel_jn``,
``sph_harm_y`` and ``bernoulli`` -- against SciPy and jax.scipy.special:

* values on grids over every branch: ``expi`` across its sign change and interval ends,
  ``expn`` in each of its cases (series, continued fraction, large order, the edges),
  ``hyp2f1`` near ``x = 1`` (the digamma continuation for integer ``c - a - b``), at 1,
  beyond, with terminating series and Euler's transformation, ``hyp1f1`` across its
  switch to the asymptotic series at ``|x| = 100`` -- in float32 against SciPy (one
  compiled program), in float32 and float64 against JAX (full run);
* element by element the loops stop where a scalar loop would: an array mixing a tiny
  ``x`` with others takes no longer than the others (JAX's vectorized loops run every
  branch to convergence on every element, and never finish on such arrays);
* dtypes and weak types like JAX's; the errors JAX raises.

Derivatives (the custom rules) are in test_scipy_special_grads.py.
"""
import jax
import jax.numpy as jnp
import jax.scipy.special as jsp_special
import numpy as np
import pytest
import scipy.special as osp

import zenax
import zenax.scipy.special as zsp

from oracle import assert_same

INF, NAN = np.inf, np.nan

EXPI_X = np.array([-100.0, -30.0, -3.0, -1.0, -0.3, -1e-3, 1e-3, 0.3, 0.37, 0.38, 1.0, 2.0,
                   2.5, 4.0, 6.0, 8.0, 12.0, 16.0, 20.0, 32.0, 50.0, 64.0, 80.0])
EXP1_X = np.array([1e-3, 0.1, 0.5, 1.0, 1.5, 3.0, 10.0, 30.0, 80.0])
EXPN_N = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 0.0, 1.0, 2.0, 3.0, 6000.0, 2.0, 7.0])
EXPN_X = np.array([0.5, 0.2, 0.9, 1.0, 3.0, 0.5, 0.05, 2.0, 10.0, 0.0, 0.0, 2.0, 50.0, 1.5])
HYP1F1_A = np.array([0.5, 1.0, 2.0, -0.5, 0.3, 3.0, 1.5, 2.5, 0.5, 1.0])
HYP1F1_B = np.array([1.5, 1.0, 3.0, 2.5, 1.0, 3.0, 0.7, 4.0, 2.0, 2.0])
HYP1F1_X = np.array([0.7, -3.0, 5.0, 20.0, -0.5, 99.0, 101.0, 150.0, 1e-3, 60.0])
# hyp2f1: the plain series, its continuation near 1 for integer c - a - b (c-a-b = 1, 0,
# -1, 2), Euler's transformation (c - a - b <= -1), terminating series (a = -2, b = -3),
# b == c and a == c, Gauss' sum at x == 1.
HYP2F1 = np.array([
    [1.0, 1.0, 2.0, 0.5], [0.5, 1.5, 2.5, -0.8], [1.5, 0.5, 3.0, 0.95],
    [1.0, 1.0, 3.0, 0.999], [1.0, 1.0, 2.0, 0.95], [2.0, 1.0, 2.0, 0.7],
    [0.5, 0.5, 3.0, 0.99], [1.5, 2.0, 2.5, 0.6], [1.5, 2.0, 2.5, 0.93], [-2.0, 3.0, 4.0, 0.7],
    [1.0, -3.0, 2.0, -0.6], [0.3, 0.7, 0.7, 0.5], [0.7, 0.3, 0.7, -0.5], [1.0, 1.0, 3.5, 1.0],
    [0.2, 0.3, 1.5, 0.2], [2.5, 1.5, 1.0, 0.4],
]).T


def _expint_program(ns, x, x1, n, xn):
    return {"expi": ns.expi(x), "exp1": ns.exp1(x1), "expn": ns.expn(n, xn)}


def test_exponential_integrals_like_scipy():
    """In float32, in one compiled program: to float32 precision against SciPy's float64
    values at the float32 points."""
    operands = [a.astype(np.float32) for a in (EXPI_X, EXP1_X, EXPN_N, EXPN_X)]
    out = zenax.jit(lambda *ops: _expint_program(zsp, *ops))(*operands)
    x, x1, n, xn = (a.astype(np.float64) for a in operands)
    at_zero = xn == 0                   # (JAX's E_n(0) is 1/n: see the edge test)
    expected = {"expi": osp.expi(x), "exp1": osp.exp1(x1),
                "expn": np.where(at_zero, 1 / n, osp.expn(n.astype(int), xn))}
    for name in expected:           # (expi(-100) is below float32's range)
        np.testing.assert_allclose(out[name], expected[name], rtol=5e-6, atol=1e-40,
                                   err_msg=name)


@pytest.mark.exhaustive
def test_exponential_integrals_at_their_edges_like_jax():
    """Zero, infinities, NaN, negative arguments and orders (NaN, except where JAX's
    last-applicable-case-wins order makes ``x > 1`` take the continued fraction)."""
    x = jnp.asarray([-1.0, -0.0, 0.0, INF, -INF, NAN], jnp.float32)
    for name in ("expi", "exp1"):
        for value in x:          # JAX, vectorized, loops without end on some mixes
            assert_same(getattr(zsp, name)(value), getattr(jsp_special, name)(value),
                        err_msg=f"{name}({value})")
    n = jnp.asarray([-1.0, -1.0, 0.0, 1.0, 2.5, 3.0, 0.0], jnp.float32)
    xn = jnp.asarray([0.5, 2.0, 0.0, 0.0, 0.7, -1.0, 3.0], jnp.float32)
    assert_same(zsp.expn(n, xn), jnp.stack([jsp_special.expn(a, b) for a, b in zip(n, xn)]))


def test_loops_stop_elementwise():
    """Tiny arguments, whose continued fraction (not the branch selected for them) would
    run for very long, share an array with ordinary ones."""
    x = np.asarray([-1e-30, -1e-8, 1e-30, 0.5, 100.0, -100.0], np.float32)
    out = zenax.jit(lambda x: (zsp.expi(x), zsp.exp1(x[2:4])))(x)
    np.testing.assert_allclose(out[0], osp.expi(x.astype(np.float64)).astype(np.float32),
                               rtol=1e-6, atol=1e-40)       # (Ei(100) overflows float32)
    np.testing.assert_allclose(out[1], osp.exp1(x[2:4].astype(np.float64)), rtol=1e-6)


def _hyper_program(ns, a, b, x, a2, b2, c2, x2):
    return {"hyp1f1": ns.hyp1f1(a, b, x), "hyp2f1": ns.hyp2f1(a2, b2, c2, x2)}


HYPER_OPERANDS = (HYP1F1_A, HYP1F1_B, HYP1F1_X) + tuple(HYP2F1)


def test_hypergeometric_functions_like_scipy():
    operands = [a.astype(np.float32) for a in HYPER_OPERANDS]
    out = zenax.jit(lambda *ops: _hyper_program(zsp, *ops))(*operands)
    a, b, x, a2, b2, c2, x2 = (o.astype(np.float64) for o in operands)
    # Each series is summed in float32: its rounding errors add up over the terms.  (Past
    # x ~ 90, 1F1 overflows float32.)
    np.testing.assert_allclose(out["hyp1f1"], osp.hyp1f1(a, b, x).astype(np.float32),
                               rtol=3e-5)
    np.testing.assert_allclose(out["hyp2f1"], osp.hyp2f1(a2, b2, c2, x2), rtol=1e-5)


@pytest.mark.exhaustive
def test_hypergeometric_functions_like_jax_in_float32():
    operands = [a.astype(np.float32) for a in HYPER_OPERANDS]
    ours = zenax.jit(lambda *ops: _hyper_program(zsp, *ops))(*operands)
    theirs = jax.jit(lambda *ops: _hyper_program(jsp_special, *ops))(*operands)
    # The continuation near 1 steps its digammas by recurrence (JAX evaluates each):
    # both are within a few ulps of the true value, not of each other.
    assert_same(ours, theirs, rtol=2e-6, atol=0)


@pytest.mark.exhaustive
def test_special_values_of_hypergeometric_functions_like_jax():
    """JAX's conventions: 1F1(0; 0; x) = 1, inf at b == 0; 2F1 is 1 at x == 0 or a == 0,
    inf for x > 1, non-positive integer c, or c - a - b <= 0 at x == 1."""
    a = jnp.asarray([0.0, 1.0, 0.0, 2.0], jnp.float32)
    b = jnp.asarray([0.0, 0.0, 1.0, 2.0], jnp.float32)
    assert_same(zsp.hyp1f1(a, b, 1.5), jsp_special.hyp1f1(a, b, 1.5))
    cases = jnp.asarray([[1.0, 1.0, 2.0, 0.0], [0.0, 1.0, 2.0, 0.5], [1.0, 1.0, 2.0, 1.5],
                         [1.0, 1.0, -2.0, 0.5], [1.0, 1.0, 2.0, 1.0], [-2.0, 1.0, -3.0, 0.5],
                         [1.0, 2.0, 0.0, 0.5]], jnp.float32).T
    assert_same(zsp.hyp2f1(*cases), jsp_special.hyp2f1(*cases))


@pytest.mark.exhaustive
def test_series_like_jax_in_float64(x64):
    ops = [jnp.asarray(a) for a in (EXPI_X, EXP1_X, EXPN_N, EXPN_X)]
    assert_same(_expint_program(zsp, *ops), jax.jit(lambda *o: _expint_program(jsp_special, *o))(*ops),
                rtol=1e-12, atol=0)
    ops = [jnp.asarray(a) for a in HYPER_OPERANDS]
    assert_same(_hyper_program(zsp, *ops), jax.jit(lambda *o: _hyper_program(jsp_special, *o))(*ops),
                rtol=1e-11, atol=0)


@pytest.mark.exhaustive
def test_series_like_scipy_in_float64(x64):
    ops = [jnp.asarray(a) for a in (EXPI_X, EXP1_X, EXPN_N, EXPN_X)]
    out = _expint_program(zsp, *ops)
    np.testing.assert_allclose(out["expi"], osp.expi(EXPI_X), rtol=1e-14)
    np.testing.assert_allclose(out["exp1"], osp.exp1(EXP1_X), rtol=1e-14)
    # JAX's E_n(0) is 1/n (zenax keeps it), SciPy's the true 1/(n - 1).
    at_zero = EXPN_X == 0
    np.testing.assert_allclose(np.asarray(out["expn"])[~at_zero],
                               osp.expn(EXPN_N.astype(int), EXPN_X)[~at_zero], rtol=1e-13)
    out = _hyper_program(zsp, *[jnp.asarray(a) for a in HYPER_OPERANDS])
    np.testing.assert_allclose(out["hyp1f1"], osp.hyp1f1(HYP1F1_A, HYP1F1_B, HYP1F1_X),
                               rtol=1e-12)
    np.testing.assert_allclose(out["hyp2f1"], osp.hyp2f1(*HYP2F1), rtol=1e-12)


# --------------------------------------------------------------------------- bessel_jn

def test_bessel_jn_like_scipy_and_jax():
    """``n_iter`` must exceed |z| comfortably, while the recurrence's growth from its
    seed at ``n_iter`` overflows float32 for small ``z``: 50 terms for z in [5, 25]."""
    z = jnp.asarray(np.linspace(5.0, 25.0, 12), jnp.float32)
    out = zsp.bessel_jn(z, v=4)
    np.testing.assert_allclose(out, osp.jv(np.arange(5)[:, None], np.asarray(z, np.float64)),
                               rtol=5e-5, atol=2e-6)
    assert_same(out, jsp_special.bessel_jn(z, v=4), rtol=2e-6, atol=1e-7)
    # n_iter too small for small z overflows the recurrence's seed: NaN, as JAX's.
    assert_same(zsp.bessel_jn(jnp.asarray([1.0, 2.5]), v=2),
                jsp_special.bessel_jn(jnp.asarray([1.0, 2.5]), v=2))


@pytest.mark.exhaustive
def test_bessel_jn_shapes_and_lists_like_jax():
    for z, kwargs in (([1.5, 3.0], {"v": 1, "n_iter": 30}), (2.5, {"v": 0, "n_iter": 30}),
                      (jnp.ones((2, 3)), {"v": 2, "n_iter": 30})):
        assert_same(zsp.bessel_jn(z, **kwargs), jsp_special.bessel_jn(z, **kwargs),
                    rtol=2e-6, atol=1e-7)


# --------------------------------------------------------------------------- sph_harm_y

N = np.array([0, 1, 1, 2, 2, 3, 5, 4])
M = np.array([0, 0, 1, -1, 2, -3, 4, -2])
THETA = np.linspace(0.1, 3.0, 8)
PHI = np.linspace(0.0, 6.0, 8)


def test_sph_harm_y_like_scipy_and_jax():
    args = (jnp.asarray(N), jnp.asarray(M), jnp.asarray(THETA, jnp.float32),
            jnp.asarray(PHI, jnp.float32))
    out = zsp.sph_harm_y(*args)
    np.testing.assert_allclose(out, osp.sph_harm_y(N, M, THETA, PHI), rtol=2e-5, atol=1e-6)
    assert_same(out, jsp_special.sph_harm_y(*args), rtol=2e-6, atol=1e-7)


@pytest.mark.exhaustive
def test_sph_harm_y_options_like_jax():
    """A scalar theta, n_max above max(n) and below it (n is clipped), one point."""
    n, m, phi = jnp.asarray(N), jnp.asarray(M), jnp.asarray(PHI, jnp.float32)
    theta = jnp.asarray(THETA, jnp.float32)
    for args, kwargs in (((n, m, 0.3, phi), {}), ((n, m, theta, phi), {"n_max": 7}),
                         ((n, m, theta, phi), {"n_max": 2}),
                         ((n[:1], m[:1], theta[:1], phi[:1]), {})):
        assert_same(zsp.sph_harm_y(*args, **kwargs), jsp_special.sph_harm_y(*args, **kwargs),
                    rtol=2e-6, atol=1e-7, err_msg=str(kwargs))


@pytest.mark.exhaustive
def test_sph_harm_y_in_float64(x64):
    args = (N, M, jnp.asarray(THETA), jnp.asarray(PHI))
    out = zsp.sph_harm_y(*args)
    assert_same(out, jsp_special.sph_harm_y(*args), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out, osp.sph_harm_y(N, M, THETA, PHI), rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- bernoulli

def test_bernoulli_like_scipy_and_jax():
    """Up to B_2 from the table, beyond from the zeta series (computed once, compiled)."""
    for n, out in ((2, zsp.bernoulli(2)), (30, zenax.jit(lambda: zsp.bernoulli(30))())):
        assert_same(out, jsp_special.bernoulli(n))
        np.testing.assert_allclose(out, osp.bernoulli(n), rtol=2e-5, atol=1e-7)


# --------------------------------------------------------------------------- types, errors

def _types(tree):
    return jax.tree.map(lambda s: (s.shape, np.dtype(s.dtype), bool(s.weak_type)), tree)


def test_dtypes_and_weak_types_like_jax():
    """Results are strong for Python scalars (the loops' constants are), integers become
    the default float; bernoulli is in the default float dtype."""
    calls = [("expi", (0.5,)), ("exp1", (2,)), ("expn", (1, 0.5)), ("expn", (2, jnp.int32(3))),
             ("hyp1f1", (0.5, 1.0, 0.5)), ("hyp2f1", (0.5, 0.5, 1.5, 0.3)),
             ("hyp1f1", (jnp.asarray([1, 2]), 1.5, jnp.float16(0.5)))]
    for name, args in calls:
        assert _types(zenax.eval_shape(getattr(zsp, name), *args)) == \
            _types(jax.eval_shape(getattr(jsp_special, name), *args)), (name, args)


C = jnp.asarray([1.0 + 1.0j])
ERRORS = [
    ("expi", (C,), {}, ValueError), ("exp1", (C,), {}, ValueError),
    ("expn", (1, C), {}, ValueError), ("expi", ([0.5],), {}, TypeError),
    ("hyp1f1", (C, C, C), {}, ValueError), ("hyp2f1", (C, C, C, C), {}, TypeError),
    ("bessel_jn", (C,), {"v": 1}, TypeError), ("bessel_jn", (jnp.ones(2),), {"v": 1.5}, TypeError),
    ("bernoulli", (-1,), {}, ValueError), ("bernoulli", (1.5,), {}, TypeError),
    ("sph_harm_y", (N, M, THETA, PHI), {"diff_n": 1}, NotImplementedError),
]


@pytest.mark.parametrize("name,args,kwargs,kind", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_bad_input_raises_like_jax(name, args, kwargs, kind):
    with pytest.raises(kind):
        getattr(jsp_special, name)(*args, **kwargs)
    with pytest.raises(kind, match=name):
        getattr(zsp, name)(*args, **kwargs)


def test_lists_are_accepted_where_jax_accepts_them():
    """JAX's vectorized expn, hyp1f1 and hyp2f1 take lists (and bessel_jn's asarray)."""
    for name, args in (("expn", (1, [0.5, 2.0])), ("hyp1f1", ([0.5], 1.0, 0.5)),
                       ("hyp2f1", ([0.5], 1.0, 2.0, 0.5)), ("bessel_jn", ([0.5, 1.0],))):
        kwargs = {"v": 1} if name == "bessel_jn" else {}
        assert _types(zenax.eval_shape(lambda *a: getattr(zsp, name)(*a, **kwargs), *args)) \
            == _types(jax.eval_shape(lambda *a: getattr(jsp_special, name)(*a, **kwargs),
                                     *args)), name
