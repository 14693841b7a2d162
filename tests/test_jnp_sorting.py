"""zenax.numpy's sorting and searching (sort, argsort, lexsort, partition, argpartition,
sort_complex, searchsorted, digitize, nanargmax, nanargmin) against jax.numpy: the spec
rows (eager, jit, jvp/vjp, vmap), then keywords and methods, NaN and signed-zero order,
stability, and bad input."""
from __future__ import annotations

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax.jnp import sorting

from jnp_spec_checks import assert_runs_compiled, spec_tests
from jnp_spec_table import _np, _wrapped
from oracle import assert_same
from spec import SMALL_INTS, Arg, Case, f32, i32


def _searchsorted(m):
    """searchsorted into the sorted first operand (the table draws unsorted ones)."""
    return lambda a, v, **params: m.searchsorted(m.sort(a), v, **params)


def _digitize(m):
    return lambda x, bins, **params: m.digitize(x, m.sort(bins), **params)


def _lexsort(m):
    return lambda k1, k2, **params: m.lexsort((k1, k2), **params)


SPECS = [
    _np("sort", (f32, i32), cases=(
        Case((Arg((3, 4)),), {}),
        Case((Arg((3, 4)),), {"axis": 0, "descending": True}, label="descending"),
        Case((Arg((2, 3)),), {"axis": None}, label="flat"),
    )),
    # Small integers: ties, so stability shows.
    _np("argsort", (i32, f32), SMALL_INTS, cases=(
        Case((Arg((3, 5)),), {}),
        Case((Arg((3, 5)),), {"axis": 0, "descending": True}, label="descending"),
    ), differentiable=False),
    _np("partition", (f32, i32), cases=(
        Case((Arg((3, 6)),), {"kth": 2}),
        Case((Arg((5, 2)),), {"kth": -1, "axis": 0}, label="axis0"),
    )),
    _np("argpartition", (f32,), cases=(Case((Arg((3, 6)),), {"kth": 4}),),
        differentiable=False),
    _wrapped("lexsort", _lexsort, (Case((Arg((7,)), Arg((7,)))),), (i32,), SMALL_INTS,
             differentiable=False),
    _np("sort_complex", (f32,), cases=(Case((Arg((2, 4)),), {}),), differentiable=False),
    _wrapped("searchsorted", _searchsorted, (
        Case((Arg((8,)), Arg((2, 3))), {}),
        Case((Arg((8,)), Arg((5,))), {"side": "right", "method": "sort"}, label="sort"),
        Case((Arg((8,)), Arg((5,))), {"method": "compare_all"}, label="compare_all"),
    ), (f32, i32), SMALL_INTS, differentiable=False),
    _wrapped("digitize", _digitize, (Case((Arg((6,)), Arg((4,))), {"right": True}),),
             (f32,), differentiable=False),
    _np("nanargmax", (f32,), cases=(Case((Arg((3, 4)),), {"axis": 1}),),
        differentiable=False),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def _both(fun, *args, **kwargs):
    assert_same(fun(znp)(*args, **kwargs), fun(jnp)(*args, **kwargs))


# Ties, NaN, signed zeros: lax.sort's total order (-0.0 == 0.0, NaN last).
X = np.array([3., 1., np.nan, 2., -0.0, 0.0, 1., -np.inf], np.float32)
M = np.array([[3, 1, 2, 2], [0, 5, 4, 4], [1, 1, 1, 0]], np.int32)


@pytest.mark.parametrize("kwargs", [{}, {"descending": True}, {"stable": False},
                                    {"axis": None}], ids=str)
def test_sort_keywords_with_nans_and_signed_zeros(kwargs):
    _both(lambda m: m.sort, X, **kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"descending": True}, {"axis": 0, "descending": True},
                                    {"axis": None, "dtype": np.int8},
                                    {"descending": True, "stable": False}], ids=str)
def test_argsort_keywords(kwargs):
    a = X if kwargs.get("axis", -1) is None else M
    _both(lambda m: m.argsort, a, **kwargs)


def test_argsort_descending_keeps_ties_in_order():
    out = znp.argsort(np.array([1, 2, 1, 2]), descending=True)
    assert out.tolist() == [1, 3, 0, 2]


def test_sort_of_scalars_and_bools():
    _both(lambda m: m.sort, np.float32(3), axis=None)
    _both(lambda m: m.sort, np.array([True, False, True]))


@pytest.mark.parametrize("kth", [0, 3, -1])
def test_partition_and_argpartition_match_jax(kth):
    u = np.array([3, 0, 2, 255, 0, 7], np.uint8)    # unsigned: 0 must not negate to itself
    for a in (X[:6], u):
        _both(lambda m: m.partition, a, kth)
        _both(lambda m: m.argpartition, a, kth)


def test_lexsort_variants():
    _both(lambda m: lambda k: m.lexsort(k), M)              # the rows of an array are keys
    _both(lambda m: lambda k: m.lexsort((k, k[::-1]), axis=0), M)
    _both(lambda m: lambda k: m.lexsort((k,)), np.int32(4))


def test_sort_complex_dtypes():
    _both(lambda m: m.sort_complex, np.array([1 + 2j, 1 - 1j, 0 + 5j], np.complex64))
    _both(lambda m: m.sort_complex, np.array([3, 1], np.int8))


@pytest.mark.parametrize("method", ["scan", "scan_unrolled", "sort", "compare_all"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_methods_agree_with_jax(method, side):
    a = np.sort(X)                                   # NaN last, as lax.sort puts it
    v = np.array([[np.nan, 0.0, -0.0], [1.0, 5.0, -np.inf]], np.float32)
    _both(lambda m: m.searchsorted, a, v, side=side, method=method)


def test_searchsorted_sorter_promotion_and_edges():
    a = np.array([4, 3, 5, 1, 2], np.int32)
    _both(lambda m: m.searchsorted, a, np.array([0, 3, 8, 1.5, 2]), sorter=np.argsort(a))
    _both(lambda m: m.searchsorted, a[np.argsort(a)], 2.5)           # int a, weak float v
    _both(lambda m: m.searchsorted, np.zeros(0, np.float32), np.ones(3, np.float32))
    c = np.array([1 + 1j, 1 + 2j, 2 - 1j], np.complex64)
    _both(lambda m: m.searchsorted, c, np.complex64(1 + 1.5j))


def test_searchsorted_under_vmap_of_queries():
    a = np.arange(6, dtype=np.float32)
    v = np.array([[0.5, 5.5], [2.0, -1.0]], np.float32)
    assert_same(zenax.vmap(lambda q: znp.searchsorted(a, q))(v),
                jax.vmap(lambda q: jnp.searchsorted(a, q))(v))


@pytest.mark.parametrize("bins", [[0., 1., 2.], [2., 1., 0.], [1., 1., 3.]], ids=str)
@pytest.mark.parametrize("right", [False, True])
def test_digitize_increasing_and_decreasing_bins(bins, right):
    _both(lambda m: m.digitize, X, np.array(bins, np.float32), right=right)
    _both(lambda m: m.digitize, X, np.array(bins, np.float32), right=right, method="sort")


def test_digitize_empty_bins_and_python_scalars():
    _both(lambda m: m.digitize, X, np.zeros(0, np.float32))
    _both(lambda m: m.digitize, 3, np.array([1, 5]))


def test_nanargmax_nanargmin_all_nan_slices_give_minus_one():
    a = np.array([[np.nan, 1., 3.], [np.nan, np.nan, np.nan]], np.float32)
    for name in ("nanargmax", "nanargmin"):
        _both(lambda m: getattr(m, name), a, axis=1)
        _both(lambda m: getattr(m, name), a, axis=0, keepdims=True)
        _both(lambda m: getattr(m, name), a)
        _both(lambda m: getattr(m, name), M, axis=1)     # integers: plain argmax/argmin


def test_sort_gradient_matches_jax_with_ties():
    x = np.array([2., 1., 2., 0.], np.float32)
    f = lambda m: lambda x: m.sum(m.sort(x, descending=True) * np.arange(4.0, dtype=np.float32))
    assert_same(zenax.grad(f(znp))(x), jax.grad(f(jnp))(x))


# --------------------------------------------------------------------------- bad input

def test_sort_axis_out_of_bounds_is_an_axis_error_like_jax():
    with pytest.raises(ValueError):                  # what JAX raises
        jnp.sort(X, axis=5)
    with pytest.raises(np.exceptions.AxisError, match="sort"):
        znp.sort(X, axis=5)
    with pytest.raises(ValueError, match="argsort"):
        znp.argsort(np.float32(1))


@pytest.mark.parametrize("name", ["sort", "argsort"])
def test_kind_and_order_are_rejected(name):
    with pytest.raises(TypeError, match=f"'kind' argument to {name}"):
        getattr(znp, name)(X, kind="stable")
    with pytest.raises(TypeError, match=f"'order' argument to {name}"):
        getattr(znp, name)(X, order="x")


def test_bad_arguments_raise_jax_kinds_naming_the_function():
    with pytest.raises(TypeError, match="sort"):
        znp.sort([3, 1])
    with pytest.raises(ValueError, match="partition: kth=9"):
        znp.partition(X, 9)
    with pytest.raises(TypeError):
        znp.partition(X, 1.5)
    with pytest.raises(NotImplementedError, match="argpartition"):
        znp.argpartition(X + 1j, 1)
    with pytest.raises(TypeError, match="lexsort"):
        znp.lexsort(())
    with pytest.raises(ValueError, match="lexsort"):
        znp.lexsort((X, X[:2]))
    with pytest.raises(ValueError, match="digitize: bins"):
        znp.digitize(X, np.ones((2, 2)))
    with pytest.raises(ValueError, match="argmax of an empty"):
        znp.nanargmax(np.zeros(0, np.float32))
    with pytest.raises(NotImplementedError, match="nanargmin"):
        znp.nanargmin(X, out=1)


def test_searchsorted_bad_arguments():
    with pytest.raises(ValueError, match="side='x'"):
        znp.searchsorted(X, 1.0, side="x")
    with pytest.raises(ValueError, match="method='x'"):
        znp.searchsorted(X, 1.0, method="x")
    with pytest.raises(ValueError, match="1-dimensional"):
        znp.searchsorted(M, 1)
    with pytest.raises(TypeError, match="searchsorted"):
        znp.searchsorted([1, 2], 1)


def test_docstring_examples():
    assert doctest.testmod(sorting, extraglobs={"jnp": znp}).failed == 0


EAGER_CALLS = [
    ("sort", (M,), {"axis": None, "descending": True}), ("argsort", (M,), {"axis": 0}),
    ("partition", (X, 2), {}), ("argpartition", (M, 1), {"axis": 0}),
    ("sort_complex", (X,), {}), ("nanargmax", (X,), {}), ("nanargmin", (M,), {"axis": 1}),
    ("searchsorted", (np.sort(X), X), {"side": "right"}),
    ("searchsorted", (np.sort(X), X), {"method": "sort"}),
    ("digitize", (X, np.array([0., 1., 2.], np.float32)), {"right": True}),
]


@pytest.mark.parametrize("name,args,kwargs", EAGER_CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(EAGER_CALLS)])
def test_eager_calls_run_compiled(name, args, kwargs):
    """On concrete arrays each function runs as one executable, never falling back."""
    assert_runs_compiled(getattr(znp, name), getattr(jnp, name), *args, **kwargs)
