"""zenax.scipy.special's ``logsumexp``, ``softmax`` and ``log_softmax`` against
jax.scipy.special, and the ``zenax.nn`` forms of the softmax pair (axis -1, a ``where``
mask) against jax.nn:

* every keyword of ``logsumexp``: ``axis`` (int, tuple, None), ``b`` (broadcast,
  negative, zero), ``keepdims``, ``return_sign``, ``where``; complex input; all ``-inf``,
  ``inf`` and empty reductions; SciPy's values;
* the softmax pair over one axis, several and all, with masks;
* derivatives: ``logsumexp``'s shift is held out of differentiation, so its gradient is
  the softmax (also with ``b`` and ``where``), and the softmaxes' jvps against JAX.
"""
import jax
import jax.numpy as jnp
import jax.scipy.special as jsp_special
import numpy as np
import pytest
import scipy.special as osp

import zenax
import zenax.scipy.special as zsp
from zenax.lax.scipy.special_softmax import nn_log_softmax, nn_softmax

from oracle import assert_same

rng = np.random.RandomState(0)
A = jnp.asarray(rng.randn(3, 4).astype(np.float32))
B = jnp.asarray(rng.randn(3, 4).astype(np.float32))
MASK = jnp.asarray(rng.rand(3, 4) > 0.3)
TOL = {"float32": (2e-6, 1e-7), "complex64": (2e-6, 1e-7)}

LOGSUMEXP_KEYWORDS = [
    {}, {"axis": 1}, {"axis": (0, 1), "keepdims": True}, {"axis": -1, "keepdims": True},
    {"b": 2.0}, {"b": B, "axis": 0}, {"b": B, "return_sign": True},
    {"b": jnp.asarray([1.0, 0.0, -1.0, 2.0])}, {"where": MASK, "axis": 1},
    {"where": MASK, "b": B, "return_sign": True, "axis": 0}, {"return_sign": True},
]


@pytest.mark.parametrize("kwargs", LOGSUMEXP_KEYWORDS,
                         ids=[",".join(sorted(k)) or "plain" for k in LOGSUMEXP_KEYWORDS])
def test_logsumexp_keywords_like_jax(kwargs):
    assert_same(zsp.logsumexp(A, **kwargs), jsp_special.logsumexp(A, **kwargs), tol=TOL)


def test_logsumexp_like_scipy():
    a, b = np.asarray(A, np.float64), np.asarray(B, np.float64)
    np.testing.assert_allclose(zsp.logsumexp(A, axis=1), osp.logsumexp(a, axis=1), rtol=1e-6)
    out, sign = zsp.logsumexp(A, b=B, axis=0, return_sign=True)
    expected, expected_sign = osp.logsumexp(a, b=b, axis=0, return_sign=True)
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    np.testing.assert_array_equal(sign, expected_sign)


def test_logsumexp_at_extremes_like_jax():
    """Huge values do not overflow; all -inf gives -inf (the shift is then 0, not NaN);
    +inf gives inf; an empty reduction gives -inf; a negative weighted sum is NaN."""
    arrays = [jnp.asarray([1000.0, 1000.0, 999.0]), jnp.full((3,), -jnp.inf),
              jnp.asarray([1.0, jnp.inf, 0.0]), jnp.asarray([-jnp.inf, 0.0, -jnp.inf]),
              jnp.zeros((0,))]

    def program(ns):
        return [ns.logsumexp(a) for a in arrays] + [ns.logsumexp(A[0], b=-1.0)]
    assert_same(zenax.jit(lambda: program(zsp))(), jax.jit(lambda: program(jsp_special))())


@pytest.mark.exhaustive
def test_logsumexp_of_complex_and_integer_input_like_jax():
    z = A + 1j * B
    assert_same(zsp.logsumexp(z, axis=1), jsp_special.logsumexp(z, axis=1), tol=TOL)
    assert_same(zsp.logsumexp(z, return_sign=True), jsp_special.logsumexp(z, return_sign=True),
                tol=TOL)
    assert_same(zsp.logsumexp(jnp.arange(4)), jsp_special.logsumexp(jnp.arange(4)))
    assert_same(zsp.logsumexp(1.0), jsp_special.logsumexp(1.0))


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
def test_scipy_softmax_pair_like_jax(axis):
    for name in ("softmax", "log_softmax"):
        assert_same(getattr(zsp, name)(A, axis=axis), getattr(jsp_special, name)(A, axis=axis),
                    tol=TOL, err_msg=name)


@pytest.mark.parametrize("x", [A, jnp.arange(4), 0.5, jnp.asarray([1.0, jnp.inf])],
                         ids=["2d", "int", "scalar", "inf"])
def test_scipy_softmax_pair_defaults_and_inputs_like_jax(x):
    """All axes by default; integers and Python scalars; +inf makes NaN (inf/inf)."""
    for name in ("softmax", "log_softmax"):
        assert_same(getattr(zsp, name)(x), getattr(jsp_special, name)(x), tol=TOL,
                    err_msg=f"{name}({x})")


def test_softmax_pair_rejects_lists_like_jax():
    for name in ("softmax", "log_softmax"):
        with pytest.raises(TypeError):
            getattr(jsp_special, name)([0.5, 1.0])
        with pytest.raises(TypeError, match=name):
            getattr(zsp, name)([0.5, 1.0])


@pytest.mark.parametrize("where", [None, MASK])
def test_nn_forms_like_jax_nn(where):
    """What zenax.nn's softmax and log_softmax are: axis -1 by default, masked entries
    left out of the sums (0 and -inf there)."""
    for axis in (-1, 0, (0, 1)):
        assert_same(nn_softmax(A, axis, where), jax.nn.softmax(A, axis, where), tol=TOL)
        assert_same(nn_log_softmax(A, axis, where), jax.nn.log_softmax(A, axis, where), tol=TOL)
    assert_same(nn_softmax(A), jax.nn.softmax(A), tol=TOL)


# --------------------------------------------------------------------------- derivatives

@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"b": B}, {"where": MASK, "axis": 0}],
                         ids=["plain", "axis", "b", "where"])
def test_logsumexp_gradient_like_jax(kwargs):
    ours = zenax.grad(lambda a: zsp.logsumexp(a, **kwargs).sum())(A)
    theirs = jax.grad(lambda a: jsp_special.logsumexp(a, **kwargs).sum())(A)
    assert_same(ours, theirs, tol=TOL)


def test_softmax_pair_jvp_and_vjp_like_jax():
    t = jnp.asarray(rng.randn(3, 4).astype(np.float32))

    def derivatives(transforms, softmax, log_softmax, masked):
        out = {}
        for name, f in (("softmax", softmax), ("log_softmax", log_softmax)):
            out[name] = (transforms.jvp(f, (A,), (t,)), transforms.vjp(f, A)[1](t))
        out["masked"] = transforms.grad(lambda x: masked(x)[0, 0])(A)
        return out
    ours = zenax.jit(lambda: derivatives(zenax, lambda x: zsp.softmax(x, axis=1),
                                         lambda x: zsp.log_softmax(x, axis=1),
                                         lambda x: nn_softmax(x, -1, MASK)))()
    theirs = jax.jit(lambda: derivatives(jax, lambda x: jsp_special.softmax(x, axis=1),
                                         lambda x: jsp_special.log_softmax(x, axis=1),
                                         lambda x: jax.nn.softmax(x, -1, MASK)))()
    assert_same(ours, theirs, tol=TOL)
