"""The dtypes zenax.numpy exports beyond the common ones -- ``jnp.bool``, ``ComplexWarning``
and the narrow ml_dtypes types (``int4``, ``float8_e4m3fnuz``, ``float4_e2m1fn``, ...) --
against jax.numpy: the scalar types as dtypes and constructors, arrays and ``astype``,
printing, ``finfo``/``iinfo``, JAX's promotion rules for them (no implicit promotion but
with weak Python scalars), arithmetic, and their short names in printed jaxprs.

The 1-bit integers are checked for their dtype only: JAX's own conversions to them fail
at run time (``jnp.array([0, 1], jnp.int1)`` raises) or print a cached bool
(``jnp.int1(1)`` shows ``True``).
"""
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp

from oracle import assert_same

FLOATS = ["float4_e2m1fn", "float6_e2m3fn", "float6_e3m2fn", "float8_e3m4", "float8_e4m3",
          "float8_e4m3b11fnuz", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"]
INTS = ["int1", "int2", "int4", "uint1", "uint2", "uint4"]
NAMES = FLOATS + INTS
ONE_BIT = ("int1", "uint1")
EXACT = dict(rtol=0, atol=0)     # the oracle's tolerance table has no 8-bit floats


def outcome(fun, *args):
    """What ``fun(*args)`` prints (zenax's names read as JAX's), or the kind of exception
    it raises."""
    try:
        return repr(fun(*args)).replace("zenax", "jax")
    except Exception as e:  # noqa: BLE001 -- the kind is what is compared
        return type(e).__name__


@pytest.mark.parametrize("name", NAMES)
def test_scalar_type_is_a_dtype(name):
    z, j = getattr(znp, name), getattr(jnp, name)
    assert np.dtype(z) == np.dtype(j) == znp.dtype(z) == z.dtype
    assert z == np.dtype(j).type and znp.dtype(name) == np.dtype(j)
    assert repr(z) == repr(j).replace("jax", "zenax")


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ONE_BIT])
def test_constructors_astype_and_printing_like_jax(name):
    # What each prints, or the error kind where XLA's CPU backend lacks the type (float6).
    z, j = getattr(znp, name), getattr(jnp, name)
    value = 1 if name in INTS else 1.5
    x = np.array([0.5, 1.0, 2.5, -3.0], np.float32)
    for make in (lambda m, t: t(value), lambda m, t: m.array([1, 2, 3], t),
                 lambda m, t: m.asarray(x).astype(t), lambda m, t: m.zeros(2, t)):
        assert outcome(make, znp, z) == outcome(make, jnp, j)
    if not name.startswith("float6"):
        assert_same(znp.array([1, 2, 3], z), jnp.array([1, 2, 3], j), **EXACT)


@pytest.mark.parametrize("name", ONE_BIT)
def test_one_bit_arrays_have_their_dtype(name):
    z = getattr(znp, name)
    assert znp.array([0, 1], z).dtype == np.dtype(z)


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_like_jax(name):
    z, j = znp.finfo(getattr(znp, name)), jnp.finfo(getattr(jnp, name))
    assert str(z) == str(j)
    assert (z.bits, z.eps, z.max, z.tiny) == (j.bits, j.eps, j.max, j.tiny)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_like_jax(name):
    z, j = znp.iinfo(getattr(znp, name)), jnp.iinfo(getattr(jnp, name))
    assert (z.bits, z.min, z.max, str(z)) == (j.bits, j.min, j.max, str(j))


@pytest.mark.parametrize("name", NAMES)
def test_categories_like_jax(name):
    z, j = getattr(znp, name), getattr(jnp, name)
    for category in (znp.floating, znp.integer, znp.signedinteger, znp.unsignedinteger,
                     znp.inexact, znp.number):
        assert znp.issubdtype(z, category) == jnp.issubdtype(j, category), category
    for kind in ("real floating", "integral", "signed integer", "unsigned integer", "numeric"):
        assert znp.isdtype(z, kind) == jnp.isdtype(j, kind), kind


@pytest.mark.parametrize("name", NAMES)
def test_promotion_like_jax(name):
    z, j = getattr(znp, name), getattr(jnp, name)
    scalar = 1 if name in INTS else 2.0
    assert znp.result_type(z, scalar) == jnp.result_type(j, scalar)
    assert znp.promote_types(z, z) == jnp.promote_types(j, j)
    other = np.int8 if name in INTS else np.float32
    funs = [lambda m, t: m.promote_types(t, other)]
    if name not in ONE_BIT:
        funs.append(lambda m, t: m.add(m.zeros(2, t), m.zeros(2, other)))
    for fun in funs:
        assert outcome(fun, znp, z) == outcome(fun, jnp, j)


@pytest.mark.parametrize("name", ["int4", "uint2", "float8_e4m3fnuz", "float4_e2m1fn",
                                  "float8_e8m0fnu"])
def test_arithmetic_and_jaxpr_types_like_jax(name):
    x = np.array([1, 2], np.dtype(getattr(jnp, name)))
    f = lambda m: (lambda x: x * 2 + x)
    assert outcome(zenax.jit(f(znp)), x) == outcome(jax.jit(f(jnp)), x)
    # The types as printed (``i4[2]``, ``float8_e4m3fnuz[]``); the layout is the printer's.
    types = lambda jaxpr: re.findall(r"\w+\[\d*\]", str(jaxpr))
    assert types(zenax.make_jaxpr(f(znp))(x)) == types(jax.make_jaxpr(f(jnp))(x))


def test_bool_is_the_bool_scalar_type():
    assert znp.bool is znp.bool_
    assert repr(znp.bool) == repr(jnp.bool).replace("jax", "zenax")
    assert np.dtype(znp.bool) == np.dtype(bool) and znp.bool == np.bool_
    assert_same(znp.bool(1), jnp.bool(1))
    assert_same(znp.zeros(2, znp.bool), jnp.zeros(2, jnp.bool))
    assert znp.ones(2).astype(znp.bool).dtype == np.dtype(bool)


def test_complex_warning_is_numpys():
    assert znp.ComplexWarning is jnp.ComplexWarning is np.exceptions.ComplexWarning
