"""Sorting and searching: sort, argsort, lexsort, partition, searchsorted, digitize, ...

Everything here orders values the way ``lax.sort`` does: a total order in which ``-0.0``
equals ``0.0`` and every NaN equals every other NaN and sorts after ``+inf``; complex
numbers order by real part, then imaginary part.  ``searchsorted`` compares with that same
order (:func:`_total_le` / :func:`_total_lt`), so a NaN query lands after every number.
"""
from __future__ import annotations

import operator

import numpy as np

from zenax import lax
from zenax.lax.eager import compiled_when_eager
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .creation import ones, zeros
from .indexing_routines import take
from .logic import const_like, isnan
from .logic import where as _where
from .promotion import (ArrayLike, DTypeLike, canonical_dtype, check_arraylike,
                        concrete_static, convert_to, dtype_of, ensure_array, ndim_of,
                        promote_dtypes, shape_of, to_inexact_dtype)
from .reductions import all as reduce_all
from .reductions import argmax, argmin, canonical_axis
from .shapes import ravel, swapaxes
from .ufuncs import add, negative, subtract

_INDEX_DTYPE = np.dtype(np.int32)
_SEARCH_METHODS = ("compare_all", "scan", "scan_unrolled", "sort")


# --------------------------------------------------------------------------- total order

def _nan_last_lt(x, y):
    """``x < y`` for reals, with NaN after everything and equal to itself."""
    if not _dtypes.is_float(dtype_of(x)):
        return lax.lt(x, y)
    return lax.bitwise_or(lax.lt(x, y), lax.bitwise_and(lax.eq(x, x), lax.ne(y, y)))


def _nan_last_le(x, y):
    if not _dtypes.is_float(dtype_of(x)):
        return lax.le(x, y)
    return lax.bitwise_or(lax.le(x, y), lax.ne(y, y))


def _nan_last_eq(x, y):
    if not _dtypes.is_float(dtype_of(x)):
        return lax.eq(x, y)
    return lax.bitwise_or(lax.eq(x, y), lax.bitwise_and(lax.ne(x, x), lax.ne(y, y)))


def _total_lt(x, y):
    """``x < y`` in ``lax.sort``'s order (complex: by real part, then imaginary part)."""
    if not _dtypes.is_complex(dtype_of(x)):
        return _nan_last_lt(x, y)
    xr, yr = lax.real(x), lax.real(y)
    return lax.bitwise_or(_nan_last_lt(xr, yr), lax.bitwise_and(
        _nan_last_eq(xr, yr), _nan_last_lt(lax.imag(x), lax.imag(y))))


def _total_le(x, y):
    """``x <= y`` in ``lax.sort``'s order."""
    if not _dtypes.is_complex(dtype_of(x)):
        return _nan_last_le(x, y)
    xr, yr = lax.real(x), lax.real(y)
    return lax.bitwise_or(_nan_last_lt(xr, yr), lax.bitwise_and(
        _nan_last_eq(xr, yr), _nan_last_le(lax.imag(x), lax.imag(y))))


# --------------------------------------------------------------------------- searchsorted

def _search_scan(a, v, side: str, unroll: bool):
    """Binary search, all queries at once: ``(low, high]`` brackets each answer and halves
    for ``ceil(log2(n + 1))`` steps."""
    n = shape_of(a)[0]
    go_left = _total_le if side == "left" else _total_lt
    levels = int(np.ceil(np.log2(n + 1)))
    low = lax.broadcast_in_dim(np.zeros((), _INDEX_DTYPE), shape_of(v), ())
    high = lax.broadcast_in_dim(np.array(n, _INDEX_DTYPE), shape_of(v), ())

    def step(carry, _):
        low, high = carry
        mid = lax.add(low, lax.div(lax.sub(high, low), np.array(2, _INDEX_DTYPE)))
        left = go_left(v, take(a, mid, mode="clip"))
        return (lax.select(left, low, mid), lax.select(left, mid, high)), None

    (_, high), _ = lax.scan(step, (low, high), None, length=levels,
                            unroll=levels if unroll else 1)
    return high


def _rank(x):
    """Each entry's position in the stable sort of the 1-D ``x``: the inverse of the
    sorting permutation, itself found by sorting (no scatter)."""
    positions = lax.iota(_INDEX_DTYPE, shape_of(x)[0])
    order = lax.sort((x, positions), num_keys=1)[1]
    return lax.sort((order, positions), num_keys=1)[1]


def _search_sort(a, v, side: str):
    """Sort the queries together with ``a``: a query's rank there, less its rank among the
    queries, counts the entries of ``a`` before it (ties are broken by the stable sort,
    queries first for ``left``)."""
    flat = lax.reshape(v, (int(np.prod(shape_of(v))),))
    m, n = shape_of(flat)[0], shape_of(a)[0]
    if side == "left":
        ranks = lax.slice(_rank(lax.concatenate([flat, a], 0)), (0,), (m,))
    else:
        ranks = lax.slice(_rank(lax.concatenate([a, flat], 0)), (n,), (n + m,))
    return lax.reshape(lax.sub(ranks, _rank(flat)), shape_of(v))


def _search_compare_all(a, v, side: str):
    """Count, for every query, the entries of ``a`` before it: an ``(n, *v.shape)`` table."""
    before = _total_lt if side == "left" else _total_le
    shape = shape_of(a) + shape_of(v)
    table = before(lax.broadcast_in_dim(a, shape, (0,)),
                   lax.broadcast_in_dim(v, shape, tuple(range(1, len(shape)))))
    return lax.reduce_sum(lax.convert_element_type(table, _INDEX_DTYPE), (0,))


def _at_indices(a, indices):
    """``a[indices]`` for the 1-D ``a`` (negative indices count from the end, the others
    are clamped), built on a gather that also runs under ``jax.jit``."""
    indices = ensure_array(indices)
    if not _dtypes.issubdtype(dtype_of(indices), np.unsignedinteger):
        n = np.array(shape_of(a)[0], dtype_of(indices))
        indices = _where(lax.lt(indices, const_like(indices, 0)), lax.add(indices, n), indices)
    return take(a, indices, mode="clip")


@compiled_when_eager(n_arrays=2, static_argnames=("side", "method"))
def searchsorted(a: ArrayLike, v: ArrayLike, side: str = "left",
                 sorter: ArrayLike | None = None, *, method: str = "scan"):
    """Where to insert each value of ``v`` into the sorted 1-D ``a`` to keep it sorted:
    before equal entries (``side='left'``) or after them (``side='right'``).

    ``sorter`` (say, ``argsort(a)``) sorts an unsorted ``a``.  ``method`` picks the
    algorithm -- ``'scan'`` (binary search), ``'scan_unrolled'``, ``'sort'`` or
    ``'compare_all'`` -- with identical int32 results.

    >>> a = jnp.array([1., 2., 2., 3.])
    >>> jnp.searchsorted(a, jnp.array([2., 0., 5.]))
    Array([1, 0, 4], dtype=int32)
    >>> jnp.searchsorted(a, 2., side='right')
    Array(3, dtype=int32)
    """
    if sorter is None:
        check_arraylike("searchsorted", a, v)
    else:
        check_arraylike("searchsorted", a, v, sorter)
    if side not in ("left", "right"):
        raise ValueError(f"invalid argument side={side!r}, expected 'left' or 'right'")
    if method not in _SEARCH_METHODS:
        raise ValueError(f"invalid argument method={method!r}, expected one of "
                         f"{list(_SEARCH_METHODS)}")
    if len(shape_of(a)) != 1:
        raise ValueError(f"a should be 1-dimensional (searchsorted got a of shape "
                         f"{shape_of(a)}, at {user_frame_str()})")
    a, v = (ensure_array(x) for x in promote_dtypes(a, v))
    if sorter is not None:
        a = _at_indices(a, sorter)
    if shape_of(a)[0] == 0:
        return lax.broadcast_in_dim(np.zeros((), _INDEX_DTYPE), shape_of(v), ())
    if method == "compare_all":
        return _search_compare_all(a, v, side)
    if method == "sort":
        return _search_sort(a, v, side)
    return _search_scan(a, v, side, unroll=method == "scan_unrolled")


@compiled_when_eager(n_arrays=2, static_argnames=("right", "method"))
def digitize(x: ArrayLike, bins: ArrayLike, right: bool = False, *,
             method: str | None = None):
    """The index of the bin of each value of ``x``, for monotonic (increasing or
    decreasing) 1-D bin edges ``bins``; ``right=True`` puts a value equal to an edge in
    the bin that edge closes.  ``method`` is passed on to :func:`searchsorted`.

    >>> jnp.digitize(jnp.array([0.5, 1., 2.5, 9.]), jnp.array([1., 2., 3.]))
    Array([0, 1, 2, 3], dtype=int32)
    """
    check_arraylike("digitize", x, bins)
    right = bool(concrete_static("digitize", "right", right))
    if len(shape_of(bins)) != 1:
        raise ValueError(f"digitize: bins must be a 1-dimensional array; got bins of shape "
                         f"{shape_of(bins)} (at {user_frame_str()})")
    n = shape_of(bins)[0]
    if n == 0:
        return lax.broadcast_in_dim(np.zeros((), _INDEX_DTYPE), shape_of(x), ())
    bins = ensure_array(bins)
    side = "left" if right else "right"
    options = {} if method is None else {"method": method}
    increasing = searchsorted(bins, x, side=side, **options)
    decreasing = lax.sub(np.array(n, _INDEX_DTYPE),
                         searchsorted(lax.rev(bins, (0,)), x, side=side, **options))
    last, first = (lax.slice(bins, (i,), (i + 1,)) for i in (n - 1, 0))
    return _where(lax.reshape(lax.ge(last, first), ()), increasing, decreasing)


# --------------------------------------------------------------------------- sorts

def _check_kind_order(fun_name: str, kind, order) -> None:
    if kind is not None:
        raise TypeError(f"'kind' argument to {fun_name} is not supported. Use stable=True or "
                        "stable=False to specify sort stability.")
    if order is not None:
        raise TypeError(f"'order' argument to {fun_name} is not supported.")


def _array_and_axis(fun_name: str, a, axis):
    """``a`` and its sort dimension; ``axis=None`` sorts the flattened array."""
    check_arraylike(fun_name, a)
    a = ensure_array(a)
    if axis is None:
        return ravel(a), 0
    return a, canonical_axis(fun_name, axis, ndim_of(a))


@compiled_when_eager(n_arrays=1, static_argnames=("axis", "kind", "order", "stable",
                                                   "descending"))
def sort(a: ArrayLike, axis: int | None = -1, *, kind: None = None, order: None = None,
         stable: bool = True, descending: bool = False):
    """A sorted copy of ``a`` along ``axis`` (the flattened array if None); NaNs go last
    (first with ``descending=True``).

    >>> jnp.sort(jnp.array([[3, 1, 2], [0, 5, 4]]))
    Array([[1, 2, 3],
           [0, 4, 5]], dtype=int32)
    >>> jnp.sort(jnp.array([2., jnp.nan, 1.]), descending=True)
    Array([nan,  2.,  1.], dtype=float32)
    """
    _check_kind_order("sort", kind, order)
    a, axis = _array_and_axis("sort", a, axis)
    out = lax.sort(a, dimension=axis, is_stable=bool(stable))
    return lax.rev(out, (axis,)) if descending else out


@compiled_when_eager(n_arrays=1, static_argnames=("axis", "kind", "order", "stable",
                                                   "descending", "dtype"))
def argsort(a: ArrayLike, axis: int | None = -1, *, kind: None = None, order: None = None,
            stable: bool = True, descending: bool = False, dtype: DTypeLike | None = None):
    """The indices that sort ``a`` along ``axis`` (the flattened array if None).  Equal
    entries keep their order when ``stable``, also with ``descending=True``.

    >>> jnp.argsort(jnp.array([3, 1, 2, 1]))
    Array([1, 3, 2, 0], dtype=int32)
    >>> jnp.argsort(jnp.array([3, 1, 2, 1]), descending=True)
    Array([0, 2, 1, 3], dtype=int32)
    """
    _check_kind_order("argsort", kind, order)
    a, axis = _array_and_axis("argsort", a, axis)
    index_dtype = _dtypes.default_int_dtype() if dtype is None else canonical_dtype(dtype)
    positions = lax.broadcasted_iota(index_dtype, shape_of(a), axis)
    if descending and stable:
        # Reversed before and after: equal entries end up in their original order.
        a, positions = lax.rev(a, (axis,)), lax.rev(positions, (axis,))
    out = lax.sort((a, positions), dimension=axis, is_stable=bool(stable), num_keys=1)[1]
    return lax.rev(out, (axis,)) if descending else out


def lexsort(keys, axis: int = -1):
    """The indices that sort by several ``keys`` of one shape along ``axis``: by the last
    key, ties broken by the one before it, and so on.

    >>> surnames = jnp.array([2, 1, 2, 1])
    >>> first_names = jnp.array([0, 3, 1, 2])
    >>> jnp.lexsort((first_names, surnames))
    Array([3, 1, 0, 2], dtype=int32)
    """
    keys = tuple(keys)
    check_arraylike("lexsort", *keys)
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    if len({shape_of(k) for k in keys}) > 1:
        raise ValueError(f"lexsort: all keys need to be the same shape, got "
                         f"{[shape_of(k) for k in keys]} (at {user_frame_str()})")
    shape = shape_of(keys[0])
    index_dtype = _dtypes.default_int_dtype()
    if not shape:
        return lax.broadcast_in_dim(np.zeros((), index_dtype), (), ())
    axis = canonical_axis("lexsort", axis, len(shape))
    positions = lax.broadcasted_iota(index_dtype, shape, axis)
    return lax.sort((*(ensure_array(k) for k in keys[::-1]), positions), dimension=axis,
                    num_keys=len(keys))[-1]


@compiled_when_eager(n_arrays=1)
def sort_complex(a: ArrayLike):
    """``a`` sorted along its last axis, as complex numbers (by real, then imaginary part).

    >>> jnp.sort_complex(jnp.array([2+1j, 1+3j, 2-1j]))
    Array([1.+3.j, 2.-1.j, 2.+1.j], dtype=complex64)
    """
    check_arraylike("sort_complex", a)
    a = ensure_array(a)
    out = lax.sort(a, dimension=canonical_axis("sort_complex", -1, ndim_of(a)))
    dtype = to_inexact_dtype(dtype_of(a))
    if not _dtypes.is_complex(dtype):
        dtype = np.dtype(np.complex128 if dtype == np.float64 else np.complex64)
    return convert_to(out, dtype)


# --------------------------------------------------------------------------- partitions

def _partition_setup(fun_name: str, a, kth, axis):
    """``a`` with the partition axis last (top_k works there), that axis, and ``kth``
    made non-negative."""
    check_arraylike(fun_name, a)
    a = ensure_array(a)
    if _dtypes.is_complex(dtype_of(a)):
        raise NotImplementedError(f"jnp.{fun_name} for complex dtype is not implemented.")
    axis = canonical_axis(fun_name, axis, ndim_of(a))
    n = shape_of(a)[axis]
    kth = operator.index(kth)
    if not -n <= kth < n:
        raise ValueError(f"{fun_name}: kth={kth} is out of bounds for an axis of size {n} "
                         f"(at {user_frame_str()}).")
    return swapaxes(a, axis, -1), axis, kth % n


def _smallest_first(a):
    """A key whose top_k are the smallest entries of ``a``.  Unsigned integers are
    shifted by one first, so that 0 does not negate to itself (the largest key)."""
    if _dtypes.issubdtype(dtype_of(a), np.unsignedinteger):
        return negative(add(a, 1))
    return negative(a)


@compiled_when_eager(n_arrays=1, static_argnames=("kth", "axis"))
def partition(a: ArrayLike, kth: int, axis: int = -1):
    """A copy of ``a`` rearranged along ``axis`` so that the entry at ``kth`` is the one a
    full sort puts there, smaller entries before it (in increasing order) and larger
    entries after it (in decreasing order).  ``kth`` must be static.

    >>> jnp.partition(jnp.array([6, 8, 4, 3, 1, 9, 7]), 2)
    Array([1, 3, 4, 9, 8, 7, 6], dtype=int32)
    """
    a, axis, kth = _partition_setup("partition", a, kth, axis)
    bottom = negative(lax.top_k(_smallest_first(a), kth + 1)[0])
    if _dtypes.issubdtype(dtype_of(a), np.unsignedinteger):
        bottom = subtract(bottom, 1)
    top = lax.top_k(a, shape_of(a)[-1] - kth - 1)[0]
    return swapaxes(lax.concatenate([bottom, top], ndim_of(a) - 1), -1, axis)


def _ones_but_zero_at(shape: tuple, indices):
    """Ones of ``shape``, with zeros at ``indices`` along the last axis (row by row): one
    scatter into the flattened array."""
    n, k = shape[-1], shape_of(indices)[-1]
    rows = int(np.prod(shape[:-1]))
    row_starts = lax.mul(lax.broadcasted_iota(_INDEX_DTYPE, (rows, k), 0),
                         np.array(n, _INDEX_DTYPE))
    flat = lax.add(row_starts, lax.reshape(convert_to(indices, _INDEX_DTYPE), (rows, k)))
    dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                        scatter_dims_to_operand_dims=(0,))
    out = lax.scatter(ones(rows * n), lax.reshape(flat, (rows * k, 1)), zeros(rows * k),
                      dnums, unique_indices=True, mode="promise_in_bounds")
    return lax.reshape(out, shape)


@compiled_when_eager(n_arrays=1, static_argnames=("kth", "axis"))
def argpartition(a: ArrayLike, kth: int, axis: int = -1):
    """The indices that :func:`partition` ``a`` along ``axis`` about ``kth``.

    >>> jnp.argpartition(jnp.array([6, 8, 4, 3, 1, 9, 7]), 2)
    Array([4, 3, 2, 0, 1, 5, 6], dtype=int32)
    """
    a, axis, kth = _partition_setup("argpartition", a, kth, axis)
    bottom = lax.top_k(_smallest_first(a), kth + 1)[1]
    # The rest, in index order: top_k of a mask that is 0 at the bottom indices (ties go
    # to the lower index), so duplicates of the kth value are never picked twice.
    top = lax.top_k(_ones_but_zero_at(shape_of(a), bottom), shape_of(a)[-1] - kth - 1)[1]
    return swapaxes(lax.concatenate([bottom, top], ndim_of(a) - 1), -1, axis)


# --------------------------------------------------------------------------- NaN arg-extrema

def _nan_arg_extremum(fun_name: str, arg_fn, fill: float, a, axis, out, keepdims):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{fun_name} is not supported.")
    check_arraylike(fun_name, a)
    a = ensure_array(a)
    axis = None if axis is None else operator.index(axis)
    keepdims = bool(keepdims)
    if not _dtypes.is_inexact(dtype_of(a)):
        return arg_fn(a, axis=axis, keepdims=keepdims)
    nans = isnan(a)
    index = arg_fn(_where(nans, const_like(a, fill), a), axis=axis, keepdims=keepdims)
    # All-NaN slices have no answer: -1 marks them (NumPy raises instead).
    all_nan = reduce_all(nans, axis=axis, keepdims=keepdims)
    return _where(all_nan, const_like(index, -1), index)


@compiled_when_eager(n_arrays=1, static_argnames=("axis", "out", "keepdims"))
def nanargmax(a: ArrayLike, axis: int | None = None, out=None, keepdims: bool | None = None):
    """Index of the maximum along ``axis`` ignoring NaNs; -1 where all entries are NaN.

    >>> jnp.nanargmax(jnp.array([[1., jnp.nan, 3.], [jnp.nan, jnp.nan, jnp.nan]]), axis=1)
    Array([ 2, -1], dtype=int32)
    """
    return _nan_arg_extremum("nanargmax", argmax, -np.inf, a, axis, out, keepdims)


@compiled_when_eager(n_arrays=1, static_argnames=("axis", "out", "keepdims"))
def nanargmin(a: ArrayLike, axis: int | None = None, out=None, keepdims: bool | None = None):
    """Index of the minimum along ``axis`` ignoring NaNs; -1 where all entries are NaN.

    >>> jnp.nanargmin(jnp.array([jnp.nan, 2., 1.]))
    Array(2, dtype=int32)
    """
    return _nan_arg_extremum("nanargmin", argmin, np.inf, a, axis, out, keepdims)


__all__ = ["argpartition", "argsort", "digitize", "lexsort", "nanargmax", "nanargmin",
           "partition", "searchsorted", "sort", "sort_complex"]
