"""Set routines on sorted arrays: ``unique`` (and the array API's ``unique_all``,
``unique_counts``, ``unique_inverse``, ``unique_values``), ``isin``, ``intersect1d``,
``union1d``, ``setdiff1d`` and ``setxor1d``.

Everything starts from one stable ``lax.sort``: equal values become neighbours, and a value
is new where it differs from the one before it.  The number of distinct values is the
result's shape, so it depends on the data: eagerly it is read off the concrete mask, under
``jit``/``vmap`` a static ``size=`` is needed -- the first ``size`` results, padded with
``fill_value`` -- as in JAX.  Called eagerly (also under ``grad``, whose primals are
concrete) without ``size``, ``unique`` and ``union1d`` work on the concrete value of their
input, so no gradient flows through them; with ``size`` they are ordinary differentiable
compositions of sort and gather.  That is JAX's behaviour too.
"""
from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from zenax import lax
from zenax.lax.eager import compiled_when_eager
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.core import Tracer
from zenax.tracer.errors import ConcretizationTypeError
from zenax.tracer.source_info import user_frame_str

from .creation import arange, full, full_like, zeros
from .cumulative import cumsum, diff
from .indexing import getitem, rewriting_take
from .indexing_routines import nonzero, take
from .logic import (equal, isnan, less, logical_and, logical_not, logical_or, not_equal,
                    where)
from .promotion import (ArrayLike, asarray, check_arraylike, dtype_of, ndim_of,
                        promote_dtypes, result_type, shape_of)
from .reductions import all as _all
from .reductions import any as _any
from .reductions import canonical_axis
from .reductions import max as _max
from .reductions import min as _min
from .reductions import sum as _sum
from .shapes import concatenate, expand_dims, moveaxis, ravel, reshape
from .sorting import searchsorted
from .ufuncs import add, subtract

__all__ = ["unique", "unique_all", "unique_counts", "unique_inverse", "unique_values",
           "isin", "intersect1d", "union1d", "setdiff1d", "setxor1d"]

_SIZE_HINT = ("The number of distinct values is the shape of the result: to use "
              "jnp.{name} under jit, vmap or other transformations, pass a static size=n "
              "(and fill_value= for the padding) to get a result of n values.\n")


def _int_dtype() -> np.dtype:
    return _dtypes.default_int_dtype()


def _concrete(fun_name: str, x, what: str = "the first argument"):
    """The concrete value of ``x``, or JAX's error when a transform hides it."""
    if isinstance(x, Tracer):
        value = x.to_concrete_value()
        if value is None:
            raise ConcretizationTypeError(
                x, f"It arose for {what} of jnp.{fun_name}(). "
                   + _SIZE_HINT.format(name=fun_name))
        return value
    return x


def _static_size(fun_name: str, size) -> int:
    if isinstance(size, Tracer):
        size = _concrete(fun_name, size, "the size argument")
    try:
        return operator.index(size)
    except TypeError:
        raise TypeError(f"jnp.{fun_name}: size must be a static integer, got {size!r} "
                        f"(at {user_frame_str()}).") from None


def _tail(x):
    """``x[1:]`` along axis 0."""
    n = shape_of(x)[0]
    return lax.slice_in_dim(x, min(1, n), n, axis=0)


def _head(x):
    """``x[:-1]`` along axis 0."""
    return lax.slice_in_dim(x, 0, max(shape_of(x)[0] - 1, 0), axis=0)


def _rows(x, indices):
    """``x[indices]`` along axis 0, for indices known to be in bounds.

    ``take`` and ``lax.scatter`` rather than ``x[i]`` and ``x.at[i]``: ``isin`` runs
    compiled when called eagerly, on JAX's tracers, which indexing reads as concrete."""
    return take(x, indices, axis=0, mode="clip")


def _set_rows(x, indices, updates, mode=None):
    """``x.at[indices].set(updates)`` for a 1-D ``x`` and 1-D ``indices``."""
    dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                        scatter_dims_to_operand_dims=(0,))
    return lax.scatter(x, expand_dims(indices, 1), updates, dnums, mode=mode)


def _get_or_fill(x, indices, fill_value: int):
    """``x.at[indices].get(mode='fill', fill_value=fill_value)`` for a 1-D ``x``, which
    may be empty (all fill)."""
    if shape_of(x)[0] == 0:
        return full(shape_of(indices), fill_value, dtype_of(x))
    return rewriting_take(x, indices, mode="fill", fill_value=fill_value)


def _below(n: int, bound):
    """``arange(n) < bound``: which of ``n`` slots hold one of ``bound`` results."""
    return less(arange(n), bound)


# --------------------------------------------------------------------------- unique

def _sort_rows(aux):
    """``aux`` (rows along axis 0) sorted lexicographically by row, stably, and the
    permutation that sorts it."""
    n, *rest = shape_of(aux)
    columns = int(np.prod(rest))
    if columns == 0:
        # Rows without entries are all equal: JAX keeps one of them.
        perm = zeros(1, _int_dtype())
    else:
        flat = reshape(aux, (n, columns))
        keys = [reshape(lax.slice(flat, (0, j), (n, j + 1)), (n,)) for j in range(columns)]
        perm = lax.sort((*keys, lax.iota(_int_dtype(), n)), dimension=0,
                        num_keys=columns)[-1]
    return _rows(aux, perm), perm


def _unique_sorted_mask(ar, axis: int, equal_nan: bool):
    """``(aux, mask, perm)``: the rows of ``ar`` along ``axis`` sorted, ``mask[i]`` true
    where row ``i`` starts a run of equal rows, and the sorting permutation."""
    aux = moveaxis(ar, axis, 0)
    if _dtypes.issubdtype(dtype_of(aux), np.complexfloating):
        # One NaN for every complex NaN (nan+1j, 1+nanj, ...), so they sort together.
        aux = where(isnan(aux), np.array(np.nan, dtype_of(aux)), aux)
    aux, perm = _sort_rows(aux)
    rows = shape_of(aux)[0]
    if int(np.prod(shape_of(aux))) == 0:
        return aux, zeros(rows, bool), perm
    later, earlier = _tail(aux), _head(aux)
    differs = not_equal(later, earlier)
    if equal_nan and _dtypes.is_inexact(dtype_of(aux)):
        differs = logical_and(differs, logical_not(logical_and(isnan(later), isnan(earlier))))
    differs = _any(differs, axis=tuple(range(1, ndim_of(aux))))
    mask = concatenate([np.ones(1, bool), differs])
    return aux, mask, perm


def _unique(ar, axis: int, return_index: bool = False, return_inverse: bool = False,
            return_counts: bool = False, equal_nan: bool = True, size: int | None = None,
            fill_value=None, return_true_size: bool = False):
    """``unique`` along ``axis`` of an array; ``size=None`` needs a concrete ``ar``."""
    axis_len = shape_of(ar)[axis]
    if axis_len == 0 and size and fill_value is None:
        raise ValueError("jnp.unique: for zero-sized input with nonzero size argument, "
                         "fill_value must be specified")
    aux, mask, perm = _unique_sorted_mask(ar, axis, equal_nan)
    has_values = int(np.prod(shape_of(aux))) != 0
    n_unique = _sum(mask)
    # Without size the count is concrete here (the caller took ar's concrete value).
    out_size = int(n_unique) if size is None else size
    ind = nonzero(mask, size=out_size)[0]
    result = _rows(aux, ind) if has_values else aux
    if size is not None and fill_value is not None:
        fill = asarray(fill_value, dtype_of(result))
        if shape_of(result)[0]:
            valid = expand_dims(_below(size, n_unique), tuple(range(1, ndim_of(result))))
            result = where(valid, result, fill)
        else:
            result = full_like(result, fill, shape=(size, *shape_of(result)[1:]))
    out = [moveaxis(result, 0, axis)]
    if return_index:
        out.append(_rows(perm, ind) if has_values else perm)
    if return_inverse:
        if has_values:
            run = subtract(cumsum(mask), 1)     # the run (distinct value) of each sorted row
            out.append(_set_rows(zeros(shape_of(mask), _int_dtype()), perm, run))
        else:
            out.append(zeros(axis_len, _int_dtype()))
    if return_counts:
        if has_values:
            # Where each run starts, then the end: the pads point past the end too.
            starts = asarray(nonzero(mask, size=out_size + 1)[0], _int_dtype())
            later = _tail(starts)
            starts = concatenate([lax.slice_in_dim(starts, 0, 1),
                                  where(later, later, shape_of(mask)[0])])
            out.append(diff(starts))
        elif axis_len:
            out.append(full((1,), axis_len, _int_dtype()))
        else:
            out.append(zeros(0, _int_dtype()))
    if return_true_size:
        out.append(n_unique)
    return out[0] if len(out) == 1 else tuple(out)


def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value: ArrayLike | None = None,
           sorted: bool = True):
    """The sorted distinct values of ``ar`` (flattened, or the distinct slices along
    ``axis``).

    ``return_index`` adds where each first occurs, ``return_inverse`` the index into the
    result of every entry (shaped like ``ar`` when ``axis`` is None, else one per slice),
    ``return_counts`` how often each occurs.  ``equal_nan`` counts all NaNs as one value.
    Under transformations pass a static ``size``: the first ``size`` values, padded with
    ``fill_value`` (default: the smallest value).  ``sorted`` is accepted for NumPy's
    signature; the result is always sorted.

    >>> x = jnp.array([3, 1, 3, 2, 1])
    >>> jnp.unique(x)
    Array([1, 2, 3], dtype=int32)
    >>> values, counts = jnp.unique(x, return_counts=True)
    >>> counts
    Array([2, 1, 2], dtype=int32)
    >>> jnp.unique(x, size=5, fill_value=0)
    Array([1, 2, 3, 0, 0], dtype=int32)
    """
    check_arraylike("unique", ar)
    arr = asarray(ar)
    if size is None:
        arr = _concrete("unique", arr)
    else:
        size = _static_size("unique", size)
    shape = shape_of(arr)
    if axis is None:
        arr, axis_int = ravel(arr), 0
    else:
        axis_int = canonical_axis("unique", axis, ndim_of(arr))
    result = _unique(arr, axis_int, return_index, return_inverse, return_counts,
                     equal_nan=equal_nan, size=size, fill_value=fill_value)
    if return_inverse and axis is None:
        i = 2 if return_index else 1
        result = (*result[:i], reshape(result[i], shape), *result[i + 1:])
    return result


def _array_api_input(fun_name: str, x, size):
    """``x`` checked, and concrete where ``size`` is not given (so errors name
    ``fun_name``)."""
    check_arraylike(fun_name, x)
    return _concrete(fun_name, asarray(x)) if size is None else x


class _UniqueAllResult(NamedTuple):
    """The distinct values, the index of each one's first occurrence, the index into
    ``values`` of every entry, and how often each value occurs."""
    values: ArrayLike
    indices: ArrayLike
    inverse_indices: ArrayLike
    counts: ArrayLike


class _UniqueCountsResult(NamedTuple):
    """The distinct values and how often each occurs."""
    values: ArrayLike
    counts: ArrayLike


class _UniqueInverseResult(NamedTuple):
    """The distinct values and the index into ``values`` of every entry."""
    values: ArrayLike
    inverse_indices: ArrayLike


def unique_all(x: ArrayLike, /, *, size: int | None = None,
               fill_value: ArrayLike | None = None) -> _UniqueAllResult:
    """The array API's :func:`unique` with every output: ``values``, ``indices``,
    ``inverse_indices`` (shaped like ``x``), ``counts``.  NaNs are all distinct.

    >>> r = jnp.unique_all(jnp.array([2, 7, 2]))
    >>> r.values, r.indices
    (Array([2, 7], dtype=int32), Array([0, 1], dtype=int32))
    >>> r.inverse_indices, r.counts
    (Array([0, 1, 0], dtype=int32), Array([2, 1], dtype=int32))
    """
    x = _array_api_input("unique_all", x, size)
    values, indices, inverse, counts = unique(
        x, return_index=True, return_inverse=True, return_counts=True, equal_nan=False,
        size=size, fill_value=fill_value)
    return _UniqueAllResult(values=values, indices=indices, inverse_indices=inverse,
                            counts=counts)


def unique_counts(x: ArrayLike, /, *, size: int | None = None,
                  fill_value: ArrayLike | None = None) -> _UniqueCountsResult:
    """The array API's :func:`unique` with counts: ``values`` and ``counts``.

    >>> jnp.unique_counts(jnp.array([2., 7., 2.])).counts
    Array([2, 1], dtype=int32)
    """
    x = _array_api_input("unique_counts", x, size)
    values, counts = unique(x, return_counts=True, equal_nan=False, size=size,
                            fill_value=fill_value)
    return _UniqueCountsResult(values=values, counts=counts)


def unique_inverse(x: ArrayLike, /, *, size: int | None = None,
                   fill_value: ArrayLike | None = None) -> _UniqueInverseResult:
    """The array API's :func:`unique` with the inverse: ``values`` and
    ``inverse_indices`` (shaped like ``x``), so ``values[inverse_indices]`` is ``x``.

    >>> jnp.unique_inverse(jnp.array([[2, 7], [7, 7]])).inverse_indices
    Array([[0, 1],
           [1, 1]], dtype=int32)
    """
    x = _array_api_input("unique_inverse", x, size)
    values, inverse = unique(x, return_inverse=True, equal_nan=False, size=size,
                             fill_value=fill_value)
    return _UniqueInverseResult(values=values, inverse_indices=inverse)


def unique_values(x: ArrayLike, /, *, size: int | None = None,
                  fill_value: ArrayLike | None = None):
    """The array API's :func:`unique`: the sorted distinct values (NaNs all distinct).

    >>> jnp.unique_values(jnp.array([2., jnp.nan, 7., jnp.nan]))
    Array([ 2.,  7., nan, nan], dtype=float32)
    """
    x = _array_api_input("unique_values", x, size)
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


# --------------------------------------------------------------------------- isin

_ISIN_METHODS = ("auto", "compare_all", "binary_search", "sort")


def _in1d(ar1, ar2, invert: bool, method: str = "auto", assume_unique: bool = False):
    """Whether each entry of the flattened ``ar1`` is in ``ar2`` (not in, if ``invert``)."""
    arr1, arr2 = promote_dtypes(asarray(ar1), asarray(ar2))
    arr1, arr2 = ravel(arr1), ravel(arr2)
    n1, n2 = shape_of(arr1)[0], shape_of(arr2)[0]
    if n1 == 0 or n2 == 0:
        return full((n1,), invert, bool)
    if method in ("auto", "compare_all"):
        column, row = reshape(arr1, (n1, 1)), reshape(arr2, (1, n2))
        if invert:
            return _all(not_equal(column, row), axis=-1)
        return _any(equal(column, row), axis=-1)
    if method == "binary_search":
        arr2 = lax.sort(arr2)
        candidate = _rows(arr2, searchsorted(arr2, arr1))   # clamped to the last entry
        return not_equal(arr1, candidate) if invert else equal(arr1, candidate)
    # method == "sort": sort both together; an entry of arr1 is in arr2 when the next
    # entry in sort order (stable: arr1's copy comes first) equals it.
    inverse = None
    if not assume_unique:
        arr1, inverse = unique(arr1, size=n1, return_inverse=True, fill_value=_max(arr2))
    aux, order = lax.sort((concatenate([arr1, arr2]), lax.iota(_int_dtype(), n1 + n2)),
                          num_keys=1)
    same_as_next = equal(_tail(aux), _head(aux))
    base = zeros(n1, bool)
    if invert:
        base, same_as_next = logical_not(base), logical_not(same_as_next)
    found = _set_rows(base, _head(order), same_as_next, mode="drop")
    return found if inverse is None else _rows(found, inverse)


@compiled_when_eager(n_arrays=2, static_argnames=("assume_unique", "invert", "method"))
def isin(element: ArrayLike, test_elements: ArrayLike, assume_unique: bool = False,
         invert: bool = False, *, method: str = "auto"):
    """Whether each entry of ``element`` occurs in ``test_elements`` (shaped like
    ``element``; ``invert=True`` asks whether it does not).

    ``method`` picks the algorithm: ``'compare_all'`` (``'auto'``; every pair, fast for
    small inputs), ``'binary_search'`` (sort ``test_elements``, search each entry) or
    ``'sort'`` (sort both together; ``assume_unique=True`` skips making ``element``
    unique first, and gives wrong answers if it is not).

    >>> jnp.isin(jnp.array([[1, 5], [3, 2]]), jnp.array([2, 3, 4]))
    Array([[False, False],
           [ True,  True]], dtype=bool)
    >>> jnp.isin(jnp.array([1, 5, 3]), jnp.array([2, 3]), invert=True, method='sort')
    Array([ True,  True, False], dtype=bool)
    """
    check_arraylike("isin", element, test_elements)
    if method not in _ISIN_METHODS:
        raise ValueError(f"isin: method={method!r} is not implemented; options are "
                         "'compare_all', 'binary_search', 'sort', and 'auto'")
    element = asarray(element)
    result = _in1d(element, test_elements, invert, method=method, assume_unique=assume_unique)
    return reshape(result, shape_of(element))


# --------------------------------------------------------------------------- two sets

def _prepare_pair(fun_name: str, ar1, ar2) -> tuple:
    """Both operands checked, promoted to one dtype and flattened."""
    check_arraylike(fun_name, ar1, ar2)
    arr1, arr2 = promote_dtypes(asarray(ar1), asarray(ar2))
    return ravel(arr1), ravel(arr2)


def _pad_results(vals, n_results, fill_value):
    """Entries past ``n_results`` become ``fill_value``, or by default the smallest
    result (with no results at all, the largest value gathered)."""
    valid = _below(shape_of(vals)[0], n_results)
    if fill_value is not None:
        return where(valid, vals, fill_value)
    vals = where(valid, vals, _max(vals))
    return where(valid, vals, _min(vals))


def _concat_unique(arr1, arr2):
    """The distinct values of ``arr1`` then those of ``arr2`` at the front of one array
    (the rest padding), and how many there are in all."""
    arr1, n_unique1 = _unique(arr1, 0, size=shape_of(arr1)[0], return_true_size=True)
    arr2, n_unique2 = _unique(arr2, 0, size=shape_of(arr2)[0], return_true_size=True)
    return _join_at(arr1, arr2, n_unique1), add(n_unique1, n_unique2)


def _join_at(arr1, arr2, start):
    """``arr1`` with ``arr2`` written from position ``start`` on (``start`` may be traced)."""
    dtype = result_type(arr1, arr2)
    arr = zeros(shape_of(arr1)[0] + shape_of(arr2)[0], dtype)
    arr = lax.dynamic_update_slice(arr, asarray(arr1, dtype), (np.int32(0),))
    return lax.dynamic_update_slice(arr, asarray(arr2, dtype), (asarray(start, np.int32),))


def _bool_row(first: bool, middle, last: bool):
    return concatenate([np.array([first]), middle, np.array([last])])


def union1d(ar1: ArrayLike, ar2: ArrayLike, *, size: int | None = None,
            fill_value: ArrayLike | None = None):
    """The sorted distinct values found in either of ``ar1`` and ``ar2`` (flattened).

    Under transformations pass a static ``size`` (padding with ``fill_value``).

    >>> jnp.union1d(jnp.array([4, 1, 4]), jnp.array([[2, 1]]))
    Array([1, 2, 4], dtype=int32)
    """
    check_arraylike("union1d", ar1, ar2)
    if size is None:
        ar1 = _concrete("union1d", asarray(ar1))
        ar2 = _concrete("union1d", asarray(ar2), "the second argument")
    else:
        size = _static_size("union1d", size)
    joined = concatenate((asarray(ar1), asarray(ar2)), axis=None)
    return unique(joined, size=size, fill_value=fill_value)


def setdiff1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *,
              size: int | None = None, fill_value: ArrayLike | None = None):
    """The sorted distinct values of ``ar1`` that are not in ``ar2`` (both flattened).

    ``assume_unique=True`` promises ``ar1`` has no repeats (the result is then in
    ``ar1``'s order).  Under transformations pass a static ``size``: the first ``size``
    results padded with ``fill_value`` (default 0).

    >>> jnp.setdiff1d(jnp.array([5, 1, 3, 1]), jnp.array([3, 4]))
    Array([1, 5], dtype=int32)
    >>> jnp.setdiff1d(jnp.array([5, 1, 3, 1]), jnp.array([3, 4]), size=3, fill_value=-1)
    Array([ 1,  5, -1], dtype=int32)
    """
    check_arraylike("setdiff1d", ar1, ar2)
    arr1, arr2 = ravel(asarray(ar1)), ravel(asarray(ar2))
    if size is None:
        _concrete("setdiff1d", arr1)
    else:
        size = _static_size("setdiff1d", size)
    fill = full_like(arr1, 0 if fill_value is None else fill_value, shape=())
    n1 = shape_of(arr1)[0]
    if n1 == 0:
        return full_like(arr1, fill, shape=size or 0)
    if not assume_unique:
        arr1 = unique(arr1, size=size and n1)
    keep = _in1d(arr1, arr2, invert=True, assume_unique=assume_unique)
    if size is None:
        return getitem(arr1, keep)
    if not assume_unique:
        # unique(size=n1) padded with its smallest value, arr1[0]: drop the pads.
        n_unique = subtract(n1 + 1, _sum(equal(arr1, lax.slice_in_dim(arr1, 0, 1))))
        keep = logical_and(keep, _below(n1, n_unique))
    kept = getitem(arr1, nonzero(keep, size=size)[0])
    return where(_below(size, _sum(keep)), kept, fill)


def _setxor1d_sized(arr1, arr2, fill_value, assume_unique: bool, size: int):
    if assume_unique:
        aux = lax.sort(concatenate([arr1, arr2]))
        flag = _bool_row(bool(shape_of(aux)[0]), not_equal(_tail(aux), _head(aux)), True)
    else:
        arr, n_unique = _concat_unique(arr1, arr2)
        n = shape_of(arr)[0]
        valid = _below(n + 1, add(n_unique, 1))
        # The distinct values first, sorted, the padding after them.
        aux = lax.sort((logical_not(_tail(valid)), arr), num_keys=2)[1]
        flag = _bool_row(bool(n), not_equal(_tail(aux), _head(aux)), False)
        flag = logical_and(valid, logical_or(flag, equal(arange(n + 1), n_unique)))
    once = logical_and(_tail(flag), _head(flag))
    n_aux = shape_of(aux)[0]
    if n_aux:
        positions = nonzero(once, size=size, fill_value=n_aux)[0]
        vals = rewriting_take(aux, positions, mode="fill", fill_value=0)
    else:
        vals = zeros(size, dtype_of(aux))
    return _pad_results(vals, _sum(once), fill_value)


def setxor1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *,
             size: int | None = None, fill_value: ArrayLike | None = None):
    """The sorted values found in exactly one of ``ar1`` and ``ar2`` (flattened).

    ``assume_unique=True`` promises neither has repeats.  Under transformations pass a
    static ``size``: the first ``size`` results padded with ``fill_value`` (default: the
    smallest result).

    >>> jnp.setxor1d(jnp.array([1, 2, 3, 2]), jnp.array([3, 4]))
    Array([1, 2, 4], dtype=int32)
    """
    arr1, arr2 = _prepare_pair("setxor1d", ar1, ar2)
    if size is not None:
        return _setxor1d_sized(arr1, arr2, fill_value, assume_unique,
                               _static_size("setxor1d", size))
    if not assume_unique:
        arr1 = unique(_concrete("setxor1d", arr1))
        arr2 = unique(_concrete("setxor1d", arr2, "the second argument"))
    aux = concatenate((arr1, arr2))
    if shape_of(aux)[0] == 0:
        return aux
    aux = lax.sort(aux)
    flag = _bool_row(True, not_equal(_tail(aux), _head(aux)), True)
    return getitem(aux, logical_and(_tail(flag), _head(flag)))


def _intersect1d_sized(arr1, arr2, fill_value, assume_unique: bool, size: int,
                       return_indices: bool):
    n1, n2 = shape_of(arr1)[0], shape_of(arr2)[0]
    if assume_unique:
        n_unique1 = full((), n1, _int_dtype())
        aux, order = lax.sort((concatenate([arr1, arr2]), arange(n1 + n2)), num_keys=1)
        valid = full((n1 + n2,), True, bool)
    else:
        arr1, first1, n_unique1 = _unique(arr1, 0, size=n1, return_index=True,
                                          return_true_size=True, fill_value=0)
        arr2, first2, n_unique2 = _unique(arr2, 0, size=n2, return_index=True,
                                          return_true_size=True, fill_value=0)
        arr = _join_at(arr1, arr2, n_unique1)
        valid = _below(n1 + n2, add(n_unique1, n_unique2))
        # The distinct values of both, sorted, then the padding.
        _, aux, order = lax.sort((logical_not(valid), arr, arange(n1 + n2)), num_keys=2)
    # Each input's values are distinct, so a value equal to its neighbour is in both.
    in_both = logical_and(equal(_tail(aux), _head(aux)), _tail(valid))
    n_results = _sum(in_both)
    if n1 + n2:
        positions = nonzero(in_both, size=size, fill_value=n1 + n2)[0]
        vals = rewriting_take(aux, positions, mode="fill", fill_value=0)
    else:
        positions = arange(0)
        vals = zeros(size, dtype_of(aux))
    vals = _pad_results(vals, n_results, fill_value)
    if not return_indices:
        return vals
    found = _below(shape_of(positions)[0], n_results)
    # The first of each equal pair came from arr1 (stable sort), the second from arr2.
    indices1 = where(found, rewriting_take(order, positions, mode="fill", fill_value=n1), n1)
    indices2 = subtract(rewriting_take(order, add(positions, 1), mode="fill", fill_value=n2),
                        n_unique1)
    indices2 = where(found, indices2, n2)
    if not assume_unique:
        indices1 = _get_or_fill(first1, indices1, n1)
        indices2 = _get_or_fill(first2, indices2, n2)
    return vals, indices1, indices2


def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False,
                return_indices: bool = False, *, size: int | None = None,
                fill_value: ArrayLike | None = None):
    """The sorted distinct values found in both ``ar1`` and ``ar2`` (flattened).

    ``return_indices`` also gives, for each value, the index of its first occurrence in
    ``ar1`` and in ``ar2``.  ``assume_unique=True`` promises neither has repeats.  Under
    transformations pass a static ``size``: the first ``size`` results padded with
    ``fill_value`` (default: the smallest result), their indices with the inputs' sizes.

    >>> jnp.intersect1d(jnp.array([4, 1, 3, 1]), jnp.array([3, 1, 7]), return_indices=True)
    (Array([1, 3], dtype=int32), Array([1, 2], dtype=int32), Array([1, 0], dtype=int32))
    """
    arr1, arr2 = _prepare_pair("intersect1d", ar1, ar2)
    if size is not None:
        return _intersect1d_sized(arr1, arr2, fill_value, assume_unique,
                                  _static_size("intersect1d", size), return_indices)
    first1 = first2 = None
    if not assume_unique:
        arr1 = _concrete("intersect1d", arr1)
        arr2 = _concrete("intersect1d", arr2, "the second argument")
        if return_indices:
            arr1, first1 = unique(arr1, return_index=True)
            arr2, first2 = unique(arr2, return_index=True)
        else:
            arr1, arr2 = unique(arr1), unique(arr2)
    n1 = shape_of(arr1)[0]
    joined = concatenate((arr1, arr2))
    aux, order = lax.sort((joined, lax.iota(np.int32, shape_of(joined)[0])), num_keys=1)
    in_both = equal(_tail(aux), _head(aux))
    values = getitem(_head(aux), in_both)
    if not return_indices:
        return values
    indices1 = getitem(_head(order), in_both)
    indices2 = subtract(getitem(_tail(order), in_both), n1)
    if not assume_unique:
        indices1, indices2 = getitem(first1, indices1), getitem(first2, indices2)
    return values, indices1, indices2
