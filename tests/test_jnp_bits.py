"""zenax.numpy's bit-level functions (lax/jnp/bits.py) against jax.numpy: the spec rows
(eager, jit, vmap), then every ``axis``/``count``/``bitorder`` of ``packbits`` and
``unpackbits`` against JAX and NumPy, the round trip, extreme integers for
``bitwise_count``, the docstring examples, and errors.
"""
import doctest

import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax import eager
from zenax.lax.jnp import bits
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import spec_tests
from jnp_spec_table import _np
from oracle import assert_same
from spec import BITS, Arg, Case, Domain, boolean, i16, i32, u8

ZERO_ONE = Domain(0.0, 1.0)

SPECS = [
    _np("bitwise_count", (i32, u8, i16, boolean), BITS, differentiable=False),
    _np("packbits", (i32, boolean, u8), ZERO_ONE, differentiable=False, cases=(
        Case((Arg((3, 13)),), {}),
        Case((Arg((3, 13)),), {"axis": 1, "bitorder": "little"}, label="little"),
        Case((Arg((10, 2)),), {"axis": 0}, label="axis0"),
    )),
    _np("unpackbits", (u8,), BITS, differentiable=False, cases=(
        Case((Arg((2, 3)),), {}),
        Case((Arg((2, 3)),), {"axis": 1, "count": 20, "bitorder": "little"}, label="count"),
        Case((Arg((2, 3)),), {"axis": 0, "count": -3}, label="trim"),
    )),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)

rng = np.random.RandomState(0)
BOOLS = rng.randint(0, 2, (3, 13)).astype(np.int32)
BYTES = rng.randint(0, 256, (2, 3)).astype(np.uint8)


@pytest.mark.parametrize("bitorder", ["big", "little"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_packbits_like_jax_and_numpy(axis, bitorder):
    out = znp.packbits(BOOLS, axis=axis, bitorder=bitorder)
    assert_same(out, jnp.packbits(BOOLS, axis=axis, bitorder=bitorder))
    np.testing.assert_array_equal(out, np.packbits(BOOLS, axis=axis, bitorder=bitorder))


@pytest.mark.parametrize("a", [np.array(5), np.zeros((2, 0), np.int8), BOOLS.astype(bool),
                               np.array([0, 2, -1, 0, 0, 0, 0, 0, 1], np.int16), 3],
                         ids=["0d", "empty", "bool", "nonzero-is-one", "python-int"])
def test_packbits_inputs_like_jax(a):
    axis = 1 if np.ndim(a) == 2 else None
    assert_same(znp.packbits(a, axis=axis), jnp.packbits(a, axis=axis))


@pytest.mark.parametrize("count", [None, 0, 3, 5, 30, -3, -100])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_unpackbits_count_and_axis_like_jax_and_numpy(axis, count):
    out = znp.unpackbits(BYTES, axis=axis, count=count)
    assert_same(out, jnp.unpackbits(BYTES, axis=axis, count=count))
    if count != -100:       # NumPy raises where JAX (and zenax) trim everything
        np.testing.assert_array_equal(out, np.unpackbits(BYTES, axis=axis, count=count))


def test_unpackbits_scalar_and_little_endian_like_jax():
    assert_same(znp.unpackbits(np.uint8(27)), jnp.unpackbits(np.uint8(27)))
    assert_same(znp.unpackbits(BYTES, bitorder="little"),
                jnp.unpackbits(BYTES, bitorder="little"))


@pytest.mark.parametrize("bitorder", ["big", "little"])
def test_unpackbits_inverts_packbits(bitorder):
    packed = znp.packbits(BOOLS, axis=1, bitorder=bitorder)
    unpacked = znp.unpackbits(packed, axis=1, count=BOOLS.shape[1], bitorder=bitorder)
    np.testing.assert_array_equal(unpacked, BOOLS)


@pytest.mark.parametrize("x", [5, True, np.array([-1, -128, 127], np.int8),
                               np.array([2 ** 31 - 1, -2 ** 31, 0], np.int32),
                               np.array([255, 0], np.uint8), np.array([2 ** 64 - 1], np.uint64)],
                         ids=["int", "bool", "int8", "int32-extremes", "uint8", "uint64"])
def test_bitwise_count_like_jax(x):
    assert_same(znp.bitwise_count(x), jnp.bitwise_count(x))


def test_bitwise_count_matches_numpy():
    x = np.array([0, 1, 7, -8, 1023, -2 ** 31], np.int32)
    np.testing.assert_array_equal(znp.bitwise_count(x), np.bitwise_count(x))


def test_eager_calls_take_the_compiled_path():
    before = dict(eager.fallbacks)
    znp.bitwise_count(jnp.asarray(BOOLS))
    znp.packbits(jnp.asarray(BOOLS), axis=1, bitorder="little")
    znp.unpackbits(jnp.asarray(BYTES), axis=0, count=5)
    assert eager.fallbacks == before


def test_static_arguments_under_jit():
    out = zenax.jit(lambda a: znp.unpackbits(a, axis=1, count=5))(BYTES)
    assert_same(out, jnp.unpackbits(BYTES, axis=1, count=5))
    with pytest.raises(ConcretizationTypeError, match="unpackbits"):
        zenax.jit(lambda a, c: znp.unpackbits(a, count=c))(BYTES, 3)
    with pytest.raises(ConcretizationTypeError, match="packbits"):
        zenax.jit(lambda a, axis: znp.packbits(a, axis=axis))(BOOLS, 0)


@pytest.mark.parametrize("name,args,kwargs,kind", [
    ("packbits", (np.ones(3, np.float32),), {}, TypeError),
    ("packbits", (BOOLS,), {"bitorder": "middle"}, ValueError),
    ("packbits", (BOOLS,), {"axis": 2}, IndexError),
    ("packbits", ([1, 0],), {}, TypeError),
    ("unpackbits", (BYTES.astype(np.int32),), {}, TypeError),
    ("unpackbits", (BYTES,), {"bitorder": "BIG"}, ValueError),
    ("unpackbits", (BYTES,), {"axis": -3}, IndexError),
    ("bitwise_count", (np.float32(1.5),), {}, TypeError),
], ids=lambda v: v if isinstance(v, str) else None)
def test_errors_like_jax(name, args, kwargs, kind):
    with pytest.raises(kind):
        getattr(jnp, name)(*args, **kwargs)
    with pytest.raises(kind, match=name):
        getattr(znp, name)(*args, **kwargs)


def test_docstring_examples():
    result = doctest.testmod(bits, extraglobs={"jnp": znp}, optionflags=doctest.ELLIPSIS)
    assert result.attempted and not result.failed
