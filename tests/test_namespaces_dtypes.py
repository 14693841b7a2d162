"""zenax.dtypes, zenax.typing and zenax.flatten_util against JAX's."""
import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree as j_ravel

import zenax
import zenax.numpy as znp
from oracle import assert_same
from zenax.flatten_util import ravel_pytree as z_ravel

# ---------------------------------------------------------------- zenax.dtypes


def test_dtype_objects_are_jaxs():
    for name in ("float0", "bfloat16", "extended", "prng_key", "TypePromotionError"):
        assert getattr(zenax.dtypes, name) is getattr(jax.dtypes, name), name
    assert zenax.float0 is jax.float0


DTYPE_ARGS = [np.float64, np.int64, "bfloat16", np.uint8, float, int, bool, complex,
              np.complex128, ml_dtypes.float8_e4m3fn]


@pytest.mark.parametrize("dtype", DTYPE_ARGS, ids=str)
def test_canonicalize_dtype_and_itemsize_bits(dtype):
    assert zenax.dtypes.canonicalize_dtype(dtype) == jax.dtypes.canonicalize_dtype(dtype)
    if dtype not in (float, int, bool, complex):
        assert zenax.dtypes.itemsize_bits(dtype) == jax.dtypes.itemsize_bits(dtype)


def test_zenax_scalar_types_are_dtypes():
    assert zenax.dtypes.canonicalize_dtype(znp.float64) == np.float32
    assert zenax.dtypes.itemsize_bits(znp.int4) == 4
    assert zenax.dtypes.issubdtype(znp.bfloat16, np.floating)
    assert zenax.dtypes.result_type(znp.int8, znp.uint8) == np.int16
    with pytest.raises(ValueError, match="dtype cannot be None"):
        zenax.dtypes.itemsize_bits(None)


def test_canonicalize_extended_dtype_needs_the_flag():
    key_dtype = jax.random.key(0).dtype
    assert zenax.dtypes.canonicalize_dtype(key_dtype, allow_extended_dtype=True) == key_dtype
    with pytest.raises(ValueError):
        zenax.dtypes.canonicalize_dtype(key_dtype)


RESULT_TYPE_ARGS = [
    (np.int8, np.uint8), (np.int8, 2.0), (1, 2.0), (np.float16, 1.0), (True, 1),
    ("bfloat16", np.float16), (np.int32, 1j), (3,),
]


@pytest.mark.parametrize("args", RESULT_TYPE_ARGS, ids=str)
def test_result_type_with_weak_flag_matches_jax(args):
    assert zenax.dtypes.result_type(*args) == jax.dtypes.result_type(*args)
    assert zenax.dtypes.result_type(*args, return_weak_type_flag=True) == \
        jax.dtypes.result_type(*args, return_weak_type_flag=True)


def test_result_type_of_arrays_and_tracers():
    x = znp.ones(2, znp.int8)
    assert zenax.dtypes.result_type(x, 3.0, return_weak_type_flag=True) == \
        jax.dtypes.result_type(jnp.ones(2, jnp.int8), 3.0, return_weak_type_flag=True)
    seen = []
    zenax.jit(lambda a: seen.append(zenax.dtypes.result_type(a, 1, return_weak_type_flag=True))
              or a)(np.float16(1))
    assert seen == [jax.dtypes.result_type(np.float16, 1, return_weak_type_flag=True)]
    with pytest.raises(ValueError, match="at least one array or dtype is required"):
        zenax.dtypes.result_type()


@pytest.mark.parametrize("value", [1, 2.5, True, 1j, np.int8(3), np.uint16(2),
                                   np.float16(1), np.complex64(1)], ids=repr)
def test_scalar_type_of_matches_jax(value):
    assert zenax.dtypes.scalar_type_of(value) is jax.dtypes.scalar_type_of(value)


def test_scalar_type_of_arrays_and_bad_input():
    assert zenax.dtypes.scalar_type_of(znp.ones(2, znp.bfloat16)) is float
    with pytest.raises(TypeError, match="scalar_type_of"):
        zenax.dtypes.scalar_type_of(object())
    with pytest.raises(TypeError):
        jax.dtypes.scalar_type_of(object())


def test_finfo_iinfo_issubdtype():
    assert zenax.dtypes.finfo(np.float32).eps == jax.dtypes.finfo(np.float32).eps
    assert zenax.dtypes.finfo("bfloat16").max == jax.dtypes.finfo("bfloat16").max
    assert zenax.dtypes.iinfo("int8").min == jax.dtypes.iinfo("int8").min
    key_dtype = jax.random.key(0).dtype
    for a, b in [("bfloat16", np.floating), (np.int8, np.signedinteger),
                 (np.uint8, np.signedinteger), (np.float32, np.complexfloating),
                 (key_dtype, jax.dtypes.extended), (key_dtype, jax.dtypes.prng_key),
                 (np.float32, jax.dtypes.extended), (np.float32, "float32")]:
        assert zenax.dtypes.issubdtype(a, b) == jax.dtypes.issubdtype(a, b), (a, b)


def test_type_promotion_error_is_raised_and_catchable():
    with zenax.numpy_dtype_promotion("strict"):
        with pytest.raises(zenax.dtypes.TypePromotionError):
            zenax.dtypes.result_type(np.int8, np.float32)


# ---------------------------------------------------------------- zenax.typing


def test_typing_names_and_isinstance():
    assert zenax.typing.DTypeLike is not None
    for value, expected in [(np.float32(1), True), (np.ones(2), True), (1.0, True),
                            (znp.ones(2), True), ([1.0], False), ("a", False)]:
        assert isinstance(value, zenax.typing.ArrayLike) is expected, value
        assert isinstance(value, jax.typing.ArrayLike) is expected, value
    seen = []
    zenax.jit(lambda a: seen.append(isinstance(a, zenax.typing.ArrayLike)) or a)(1.0)
    assert seen == [True]
    assert isinstance("float32", zenax.typing.DTypeLike)


# ---------------------------------------------------------------- ravel_pytree

TREES = {
    "mixed": lambda m: {"a": m.ones(2, m.int32), "b": (m.zeros(3, m.bfloat16), 2.0)},
    "scalars": lambda m: (1, 2.5),
    "one_dtype": lambda m: [m.ones((2, 2)), m.arange(3.0)],
    "empty": lambda m: [],
    "nested_none": lambda m: {"w": m.ones(2), "b": None},
}


@pytest.mark.parametrize("name", TREES)
def test_ravel_pytree_matches_jax(name):
    z_flat, z_unravel = z_ravel(TREES[name](znp))
    j_flat, j_unravel = j_ravel(TREES[name](jnp))
    assert_same(z_flat, j_flat)
    assert_same(z_unravel(z_flat), j_unravel(j_flat))


def test_ravel_pytree_under_jit_and_grad():
    tree = {"a": 1.0, "b": znp.ones(2)}
    assert_same(zenax.jit(lambda t: z_ravel(t)[0])(tree),
                jax.jit(lambda t: j_ravel(t)[0])({"a": 1.0, "b": jnp.ones(2)}))
    g = zenax.grad(lambda t: (z_ravel(t)[0] ** 2).sum())(tree)
    assert_same(g, {"a": jnp.float32(2.0), "b": 2 * jnp.ones(2)}, check_weak_type=False)


def test_unravel_dtype_rules():
    # One dtype: unravel keeps whatever dtype it is given (JAX's dtype-polymorphic case).
    _, unravel = z_ravel((znp.ones(2),))
    _, j_unravel = j_ravel((jnp.ones(2),))
    assert_same(unravel(znp.ones(2, znp.int32)), j_unravel(jnp.ones(2, jnp.int32)))
    # Mixed dtypes: the flat dtype is required.
    _, unravel = z_ravel({"a": znp.ones(2, znp.int32), "b": 1.0})
    with pytest.raises(TypeError, match="unravel function given array of dtype int32, but "
                                        "expected dtype float32"):
        unravel(znp.ones(3, znp.int32))
