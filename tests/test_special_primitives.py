"""The special-function primitives ``bessel_i0e`` and ``bessel_i1e`` (lax/special.py)
against ``jax.lax``.  Their spec-table rows (spec_table.py) run the sweep of eager, jit,
jvp, vjp, finite differences and vmap on random inputs; this file covers the points those
draws miss:

* values at 0, around the ``eps`` switch of ``i1e``'s derivative, for large ``|x|`` and
  at infinities and NaN, in float32, float16, bfloat16 and float64 -- bit for bit;
* derivatives to second order there against JAX's (``i1e'`` at 0 is the limit 1/2, not
  0/0), batched, and to second order against finite differences in float64;
* the jaxprs, the docstring examples, and the dtype errors.
"""
import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.lax.special
import zenax.numpy as znp
from zenax import lax
from zenax.test_util import check_grads

from oracle import assert_same

jlax = jax.lax
NAMES = ["bessel_i0e", "bessel_i1e"]
EPS = float(np.finfo(np.float32).eps)
X = np.array([-np.inf, -300., -7.5, -1., -EPS, -EPS / 2, 0., EPS / 2, EPS, 2 * EPS, 1e-3,
              0.5, 3., 60., np.inf, np.nan], np.float32)
FINITE = X[np.isfinite(X)]


def pair(name):
    return getattr(lax, name), getattr(jlax, name)


@pytest.mark.parametrize("name", NAMES)
def test_values_like_jax(name):
    zf, jf = pair(name)
    assert_same(zf(X), jf(X), rtol=0, atol=0)
    for dtype in (np.float16, jnp.bfloat16):
        assert_same(zf(X.astype(dtype)), jf(X.astype(dtype)), rtol=0, atol=0)
    assert_same(zf(1.5), jf(1.5), rtol=0, atol=0)                   # weak type kept


@pytest.mark.parametrize("name", NAMES)
def test_values_in_float64(name, x64):
    zf, jf = pair(name)
    assert_same(zf(X.astype(np.float64)), jf(X.astype(np.float64)), rtol=0, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_to_second_order_like_jax(name):
    zf, jf = pair(name)
    first = zenax.vmap(zenax.grad(zf))(FINITE), jax.vmap(jax.grad(jf))(FINITE)
    second = (zenax.vmap(zenax.grad(zenax.grad(zf)))(FINITE),
              jax.vmap(jax.grad(jax.grad(jf)))(FINITE))
    assert_same(*first, rtol=1e-6, atol=1e-7)
    assert_same(*second, rtol=1e-5, atol=1e-6)
    t = np.linspace(-1, 1, FINITE.size).astype(np.float32)
    assert_same(zenax.jvp(zf, (FINITE,), (t,)), jax.jvp(jf, (FINITE,), (t,)), rtol=1e-6,
                atol=1e-7)


def test_i1e_slope_at_zero_is_one_half():
    d = zenax.grad(lax.bessel_i1e)
    assert d(0.0) == 0.5 and d(-EPS / 2) == 0.5
    assert np.isfinite(zenax.grad(d)(0.0))


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_by_finite_differences(name, x64):
    x = np.array([-4.2, -0.6, 0.3, 2.5, 11.0])
    check_grads(getattr(lax, name), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", NAMES)
def test_jaxpr_like_jax(name):
    zf, jf = pair(name)
    x = np.ones((2, 3), np.float32)
    assert str(zenax.make_jaxpr(zf)(x)) == str(jax.make_jaxpr(jf)(x))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.int32, np.complex64, np.bool_])
def test_non_float_operands_are_type_errors_like_jax(name, dtype):
    zf, jf = pair(name)
    x = np.ones(3, dtype)
    with pytest.raises(TypeError):
        jf(x)
    with pytest.raises(TypeError, match=name):
        zf(x)


def test_exported_like_jax_lax():
    for name in NAMES:
        assert getattr(zenax.lax, name + "_p").name == name
    assert "bessel_i0e" in dir(zenax.lax) and "bessel_i1e_p" in dir(zenax.lax)


def test_docstring_examples():
    results = doctest.testmod(zenax.lax.special, extraglobs={"lax": lax, "jnp": znp})
    assert results.attempted and results.failed == 0
