"""zenax.numpy's set routines (unique and its array-API forms, isin, intersect1d, union1d,
setdiff1d, setxor1d) against jax.numpy: the spec rows (the static ``size=`` forms eagerly,
under jit, jvp/vjp and vmap), then every keyword, edge values, NumPy, transformations and
bad input."""
from __future__ import annotations

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax import eager
from zenax.lax.jnp import sets
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import spec_tests
from jnp_spec_table import _np, _wrapped
from oracle import assert_same
from spec import Arg, Case, Domain, f32, i32

REPEATS = Domain(-3.0, 3.0, integral=True)     # whole numbers, so values repeat
BITS01 = Domain(0.0, 1.0, integral=True)        # rows of 0/1 repeat along an axis


def _unique_outputs(m):
    return lambda x, **params: m.unique(x, return_index=True, return_inverse=True,
                                        return_counts=True, **params)


def _as_tuple(name):
    # The array-API forms return namedtuples whose classes differ between the libraries.
    return lambda m: lambda x, **params: tuple(getattr(m, name)(x, **params))


ONE = (Case((Arg((10,)),), {"size": 8}),)
PAIR = (Case((Arg((8,)), Arg((2, 3))), {"size": 6}),
        Case((Arg((8,)), Arg((5,))), {"size": 3, "fill_value": -1}, label="fill"))

SPECS = [
    # The values: sort, gather and where, differentiable as in JAX.
    _np("unique", (f32, i32), REPEATS, cases=(
        Case((Arg((10,)),), {"size": 8, "fill_value": 0}),
        Case((Arg((3, 4)),), {"size": 5}, label="flat"),
    )),
    _wrapped("unique/outputs", _unique_outputs, (
        Case((Arg((3, 4)),), {"size": 6}),
        Case((Arg((6, 2)),), {"size": 4, "fill_value": 9, "axis": 0}, label="axis"),
    ), (f32, i32), BITS01, differentiable=False),
    _wrapped("unique_all", _as_tuple("unique_all"), ONE, (f32,), REPEATS,
             differentiable=False),
    _wrapped("unique_counts", _as_tuple("unique_counts"), ONE, (i32,), REPEATS,
             differentiable=False),
    _wrapped("unique_inverse", _as_tuple("unique_inverse"), ONE, (f32,), REPEATS,
             differentiable=False),
    _np("unique_values", (f32,), REPEATS, cases=ONE),
    _np("isin", (f32, i32), REPEATS, cases=(
        Case((Arg((3, 4)), Arg((5,))), {}),
        Case((Arg((3, 4)), Arg((5,))), {"method": "binary_search"}, label="search"),
        Case((Arg((7,)), Arg((2, 2))), {"method": "sort", "invert": True}, label="sort"),
    ), differentiable=False),
    _np("intersect1d", (f32, i32), REPEATS, cases=PAIR),
    _wrapped("intersect1d/indices",
             lambda m: lambda a, b, **p: m.intersect1d(a, b, return_indices=True, **p),
             PAIR[:1], (f32,), REPEATS, differentiable=False),
    _np("union1d", (f32, i32), REPEATS, cases=PAIR),
    _np("setdiff1d", (f32, i32), REPEATS, cases=PAIR),
    _np("setxor1d", (f32, i32), REPEATS, cases=PAIR),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def _both(fun, *args, **kwargs):
    assert_same(fun(znp)(*args, **kwargs), fun(jnp)(*args, **kwargs))


rng = np.random.default_rng(0)
I = rng.integers(0, 5, 12).astype(np.int32)
I2 = I.reshape(3, 4)
J = np.array([7, 3, 3, 0, 9], np.int32)
F = np.array([1., np.nan, 2., -0., np.nan, 0., 2.], np.float32)
ROWS = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 1, 0]], np.int32)
EMPTY = np.zeros(0, np.int32)


# --------------------------------------------------------------------------- unique

@pytest.mark.parametrize("kwargs", [
    {}, {"return_index": True}, {"return_inverse": True}, {"return_counts": True},
    {"return_index": True, "return_inverse": True, "return_counts": True},
    {"axis": 0, "return_index": True, "return_inverse": True, "return_counts": True},
    {"axis": -1, "return_inverse": True},
    {"size": 7, "return_index": True, "return_inverse": True, "return_counts": True},
    {"size": 2, "fill_value": 9, "return_counts": True},      # fewer slots than values
    {"axis": 1, "size": 4, "fill_value": -1, "return_counts": True},
    {"sorted": False},
], ids=["plain", "index", "inverse", "counts", "all", "axis0", "axis-1", "size",
        "size-short", "axis-size", "sorted"])
def test_unique_keywords(kwargs):
    _both(lambda m: m.unique, ROWS, **kwargs)


def test_unique_inverse_has_the_input_shape_only_without_axis():
    for m in (znp, jnp):
        assert m.unique(I2, return_inverse=True)[1].shape == (3, 4)
        assert m.unique(I2, return_inverse=True, axis=1)[1].shape == (4,)
        assert m.unique(np.float32(2), return_inverse=True)[1].shape == ()
    _both(lambda m: m.unique, I2, return_inverse=True, return_index=True)
    _both(lambda m: m.unique, np.float32(2), return_inverse=True, return_counts=True)


def test_unique_nan_zero_and_dtypes():
    _both(lambda m: m.unique, F, return_counts=True, return_inverse=True)
    _both(lambda m: m.unique, F, equal_nan=False, return_counts=True)
    _both(lambda m: m.unique, F, size=6, fill_value=5.0)
    complex_nans = np.array([1 + 1j, np.nan + 1j, 1 + np.nan * 1j, 1 + 1j], np.complex64)
    _both(lambda m: m.unique, complex_nans, return_counts=True)
    _both(lambda m: m.unique, np.array([True, False, True]), return_index=True)
    _both(lambda m: m.unique, F.astype(jnp.bfloat16), return_counts=True)
    _both(lambda m: m.unique, 3.0)                            # weakly typed stays weak
    _both(lambda m: m.unique, I, size=4, fill_value=1.7)      # the fill takes ar's dtype


def test_unique_of_empty_arrays():
    kwargs = {"return_index": True, "return_inverse": True, "return_counts": True}
    _both(lambda m: m.unique, EMPTY, **kwargs)
    _both(lambda m: m.unique, EMPTY, size=2, fill_value=1, **kwargs)
    _both(lambda m: m.unique, np.zeros((3, 0), np.float32), axis=0, **kwargs)
    _both(lambda m: m.unique, np.zeros((0, 3), np.float32), axis=0, **kwargs)


def test_array_api_forms_are_namedtuples_with_jax_field_names():
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        ours, theirs = getattr(znp, name)(F), getattr(jnp, name)(F)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours._fields == theirs._fields
        assert_same(tuple(ours), tuple(theirs))
    assert_same(znp.unique_values(F), jnp.unique_values(F))
    assert_same(tuple(znp.unique_all(I2, size=8, fill_value=0)),
                tuple(jnp.unique_all(I2, size=8, fill_value=0)))
    assert_same(tuple(znp.unique_inverse(I2)), tuple(jnp.unique_inverse(I2)))


def test_unique_matches_numpy():
    for ours, theirs in zip(znp.unique(I2, True, True, True, axis=1),
                            np.unique(I2, True, True, True, axis=1)):
        np.testing.assert_array_equal(ours, theirs)


# --------------------------------------------------------------------------- isin

@pytest.mark.parametrize("method", ["auto", "compare_all", "binary_search", "sort"])
@pytest.mark.parametrize("invert", [False, True])
def test_isin_methods(method, invert):
    _both(lambda m: m.isin, I2, J, invert=invert, method=method)
    _both(lambda m: m.isin, F, F[:3], invert=invert, method=method)   # NaN, -0.0 == 0.0
    unique_rows = np.array([4, 0, 9], np.int32)
    _both(lambda m: m.isin, unique_rows, J, assume_unique=True, invert=invert,
          method=method)


def test_isin_scalars_empty_promotion_and_complex():
    _both(lambda m: m.isin, 3, J)
    _both(lambda m: m.isin, I2, 3.0)
    _both(lambda m: m.isin, np.array([1.5, 3.0], np.float32), J)
    _both(lambda m: m.isin, np.zeros((2, 0), np.float32), J, invert=True)
    _both(lambda m: m.isin, J, EMPTY)
    _both(lambda m: m.isin, np.array([True, False]), np.array([True]), method="binary_search")
    z = np.array([1 + 2j, 2 + 1j, 1 + 1j], np.complex64)
    _both(lambda m: m.isin, z, z[1:], method="binary_search")


def test_isin_runs_compiled_when_called_eagerly():
    x, y = znp.asarray(I2), znp.asarray(J)
    before = dict(eager.fallbacks)
    for method in ("compare_all", "binary_search", "sort"):
        znp.isin(x, y, method=method, invert=True)
    assert eager.fallbacks == before


# --------------------------------------------------------------------------- two sets

@pytest.mark.parametrize("name", ["intersect1d", "union1d", "setdiff1d", "setxor1d"])
def test_pairs_plain_sized_and_empty(name):
    fun = lambda m: getattr(m, name)
    _both(fun, I2, J)
    _both(fun, I2, J, size=9)
    _both(fun, I2, J, size=2, fill_value=-1)
    _both(fun, F, J)                                  # NaNs, -0.0 and 0.0; promotion
    _both(fun, F, J, size=9)
    _both(fun, EMPTY, J)
    _both(fun, J, EMPTY, size=3)
    _both(fun, np.array([True]), np.array([True, False]), size=3)


@pytest.mark.parametrize("name", ["intersect1d", "setdiff1d", "setxor1d"])
def test_pairs_assume_unique(name):
    fun = lambda m: getattr(m, name)
    a, b = np.array([5, 1, 3, 8], np.int32), np.array([3, 9, 5], np.int32)
    _both(fun, a, b, assume_unique=True)
    _both(fun, a, b, assume_unique=True, size=6)
    _both(fun, a, b, assume_unique=True, size=2, fill_value=0)


@pytest.mark.parametrize("kwargs", [{}, {"assume_unique": True}, {"size": 6},
                                    {"size": 6, "assume_unique": True},
                                    {"size": 2, "fill_value": 4}])
def test_intersect1d_return_indices(kwargs):
    a = np.array([4, 1, 3, 1, 9], np.int32) if not kwargs.get("assume_unique") else \
        np.array([4, 1, 3, 9], np.int32)
    _both(lambda m: m.intersect1d, a, np.array([3, 9, 7, 1], np.int32),
          return_indices=True, **kwargs)


def test_intersect1d_return_indices_of_an_empty_input():
    _both(lambda m: m.intersect1d, EMPTY, J, return_indices=True)
    # JAX's sized form fails here (a gather from the empty array); ours pads, as it does
    # for values past the intersection: with each input's size.
    values, indices1, indices2 = znp.intersect1d(EMPTY, J, return_indices=True, size=2,
                                                 fill_value=4)
    assert_same((values, indices1, indices2),
                (jnp.array([4, 4]), jnp.array([0, 0]), jnp.array([5, 5])))


def test_pairs_match_numpy():
    for name in ("intersect1d", "union1d", "setdiff1d", "setxor1d"):
        np.testing.assert_array_equal(getattr(znp, name)(I2, J), getattr(np, name)(I2, J))
    for ours, theirs in zip(znp.intersect1d(I, J, return_indices=True),
                            np.intersect1d(I, J, return_indices=True)):
        np.testing.assert_array_equal(ours, theirs)


# --------------------------------------------------------------------------- transforms

def test_grad_without_size_sees_a_constant_with_size_flows():
    # Without size the function works on the concrete value (JAX's behaviour): no gradient.
    x = np.array([3., 1., 3., 2.], np.float32)
    for f in (lambda m: lambda v: m.sum(m.unique(v) ** 2),
              lambda m: lambda v: m.sum(m.union1d(v, 2 * v)),
              lambda m: lambda v: m.sum(m.unique(v, size=3) ** 2),
              lambda m: lambda v: m.sum(m.intersect1d(v, x[:2], size=3) ** 2)):
        assert_same(zenax.grad(f(znp))(x), jax.grad(f(jnp))(x))


def test_size_forms_under_jit_and_vmap():
    f = lambda m: lambda v: m.unique(v, size=5, return_inverse=True, return_counts=True,
                                     return_index=True)
    assert_same(zenax.jit(f(znp))(I2), jax.jit(f(jnp))(I2))
    assert_same(zenax.vmap(f(znp))(I2), jax.vmap(f(jnp))(I2))
    g = lambda m: lambda v: m.intersect1d(v, J, size=4, return_indices=True)
    assert_same(zenax.vmap(g(znp))(I2), jax.vmap(g(jnp))(I2))


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("name,fun", [
    ("unique", lambda m: m.unique),
    ("unique_all", lambda m: m.unique_all),
    ("unique_values", lambda m: m.unique_values),
    ("union1d", lambda m: lambda v: m.union1d(v, v)),
    ("setdiff1d", lambda m: lambda v: m.setdiff1d(v, v)),
    ("setxor1d", lambda m: lambda v: m.setxor1d(v, v)),
    ("intersect1d", lambda m: lambda v: m.intersect1d(v, v)),
])
def test_without_size_under_transforms_names_the_function_and_size(name, fun):
    for transform, oracle in ((zenax.jit, jax.jit), (zenax.vmap, jax.vmap)):
        x = I if transform is zenax.jit else I2
        with pytest.raises(jax.errors.ConcretizationTypeError):        # what JAX raises
            oracle(fun(jnp))(x)
        with pytest.raises(ConcretizationTypeError, match=rf"jnp\.{name}(.|\n)*size="):
            transform(fun(znp))(x)


def test_assume_unique_without_size_under_jit_is_a_boolean_index_error():
    # JAX reaches a boolean mask index here, not a concreteness check.
    for m, jit in ((jnp, jax.jit), (znp, zenax.jit)):
        for name in ("intersect1d", "setxor1d"):
            with pytest.raises(IndexError):
                jit(lambda v: getattr(m, name)(v, v, assume_unique=True))(I)


def test_bad_arguments_raise_jax_kinds_naming_the_function():
    with pytest.raises(TypeError, match="unique"):
        znp.unique([1, 2])
    for name in ("isin", "intersect1d", "union1d", "setdiff1d", "setxor1d"):
        with pytest.raises(TypeError, match=name):
            getattr(znp, name)(J, [1])
    with pytest.raises(TypeError, match="unique_counts"):
        znp.unique_counts((1, 2))
    with pytest.raises(np.exceptions.AxisError, match="unique"):
        znp.unique(I2, axis=2)
    with pytest.raises(TypeError, match="unique: size"):
        znp.unique(I2, size=2.5)
    with pytest.raises(ValueError, match="unique(.|\n)*fill_value"):
        znp.unique(EMPTY, size=2)
    with pytest.raises(ValueError, match="isin(.|\n)*method"):
        znp.isin(I, J, method="hash")
    with pytest.raises(TypeError):                     # keyword-only, as in JAX
        znp.unique_values(I2, 3)


def test_docstring_examples():
    assert doctest.testmod(sets, extraglobs={"jnp": znp}).failed == 0
