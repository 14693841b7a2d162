"""zenax.numpy's window functions (bartlett, blackman, hamming, hanning, kaiser) and
``i0`` against jax.numpy and NumPy:

* spec rows: ``i0`` (with JAX's custom derivative) and ``kaiser`` in ``beta``, eager, jit,
  jvp/vjp and vmap against JAX;
* every window for the lengths with special cases (0, 1, 2) and ordinary ones, against
  JAX bit for bit and NumPy to float32 rounding; non-integer, NumPy and concrete-array
  lengths; float64 under x64;
* ``i0``'s derivatives at 0 (JAX's rule makes the second one 0 there) and elsewhere, to
  second order;
* errors: negative or traced lengths, complex ``i0`` input.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.test_util import check_grads
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import spec_tests
from jnp_spec_table import FLOATS, _np, _wrapped
from oracle import assert_same
from spec import Arg, Case, Domain, f32

WINDOWS = ["bartlett", "blackman", "hamming", "hanning"]


def _kaiser(m):
    return lambda beta, M: m.kaiser(M, beta)


SPECS = [
    _np("i0", FLOATS, Domain(-4.0, 4.0)),
    _wrapped("kaiser", _kaiser, (Case((Arg(()),), {"M": 6}),), (f32,), Domain(0.5, 9.0),
             differentiable=True),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)

EXACT = dict(rtol=0, atol=0)


# ## windows

@pytest.mark.parametrize("name", WINDOWS)
def test_windows_like_jax_and_numpy(name):
    for M in (0, 1, 2, 3, 8):
        out = getattr(znp, name)(M)
        assert_same(out, getattr(jnp, name)(M), **EXACT)
        np.testing.assert_allclose(out, getattr(np, name)(M), atol=1e-6)


@pytest.mark.parametrize("name", WINDOWS + ["kaiser"])
def test_window_lengths_are_taken_as_int_like_jax(name):
    zf, jf = getattr(znp, name), getattr(jnp, name)
    if name == "kaiser":
        zf, jf = (functools.partial(lambda f, M: f(M, 3.0), f) for f in (zf, jf))
    for M in (4.7, np.int64(4), jnp.array(4)):
        assert_same(zf(M), jf(M), **EXACT)


def test_kaiser_like_jax_and_numpy():
    for M, beta in ((0, 2.0), (1, 2.0), (2, 0.0), (5, 8.6), (8, 14.0)):
        out = znp.kaiser(M, beta)
        assert_same(out, jnp.kaiser(M, beta))
        np.testing.assert_allclose(out, np.kaiser(M, beta), rtol=1e-5)
    assert_same(znp.kaiser(5, 3), jnp.kaiser(5, 3))                          # an int beta
    assert_same(znp.kaiser(5, jnp.bfloat16(3)), jnp.kaiser(5, jnp.bfloat16(3)))


def test_windows_in_float64(x64):
    for name in WINDOWS:
        assert_same(getattr(znp, name)(6), getattr(jnp, name)(6))
    assert_same(znp.kaiser(6, 4.0), jnp.kaiser(6, 4.0))
    np.testing.assert_allclose(znp.hamming(6), np.hamming(6), rtol=1e-14)


def test_window_under_jit_with_static_length():
    assert_same(zenax.jit(znp.hanning, static_argnums=0)(5), jnp.hanning(5))
    assert_same(zenax.jit(lambda b: znp.kaiser(5, b))(2.0), jnp.kaiser(5, 2.0))


# ## i0

X = np.array([-30., -4., -1., -1e-3, 0., 1e-3, 0.5, 2., 30.], np.float32)


def test_i0_like_jax_and_numpy():
    assert_same(znp.i0(X), jnp.i0(X))
    np.testing.assert_allclose(znp.i0(X), np.i0(X), rtol=1e-5)
    for x in (3, 0.5, True, np.arange(4), X.astype(np.float16), X[:4].astype(jnp.bfloat16)):
        assert_same(znp.i0(x), jnp.i0(x))
    assert_same(znp.i0(jnp.asarray(X)), jnp.i0(X))       # the compiled eager path


def test_i0_derivatives_like_jax():
    """JAX's rule: I1(x) with an exact 0 at x = 0 -- which also makes the second
    derivative there 0 (the true value is 1/2)."""
    d1, jd1 = zenax.grad(znp.i0), jax.grad(jnp.i0)
    d2, jd2 = zenax.grad(d1), jax.grad(jd1)
    for x in X[1:-1]:       # (away from overflow of I0'' in float32)
        assert_same(d1(x), jd1(x), rtol=2e-6, atol=1e-7)
        assert_same(d2(x), jd2(x), rtol=2e-6, atol=1e-7)
    assert d1(np.float32(0)) == 0 and d2(np.float32(0)) == 0
    assert_same(zenax.vmap(d2)(X), jax.vmap(jd2)(X), rtol=2e-6, atol=1e-7)


def test_i0_derivative_is_i1_by_finite_differences(x64):
    check_grads(znp.i0, (np.array([-2.5, -0.7, 0.3, 1.9]),), order=2, modes=("fwd", "rev"))


# ## errors

@pytest.mark.parametrize("name", WINDOWS + ["kaiser"])
def test_window_errors(name):
    args = (1.0,) if name == "kaiser" else ()
    for bad, kind in ((-1, TypeError), ("four", ValueError), (None, TypeError)):
        with pytest.raises(kind):
            getattr(jnp, name)(bad, *args)
        with pytest.raises(kind, match=name if kind is TypeError else None):
            getattr(znp, name)(bad, *args)
    with pytest.raises(ConcretizationTypeError, match=name):
        zenax.jit(lambda M: getattr(znp, name)(M, *args))(4)


def test_i0_errors():
    with pytest.raises(ValueError):
        jnp.i0(1j)
    with pytest.raises(ValueError, match="i0"):
        znp.i0(np.complex64(1j))
    with pytest.raises(TypeError, match="i0"):
        znp.i0([1.0])
