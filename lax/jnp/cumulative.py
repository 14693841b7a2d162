"""Cumulative sums and products along an axis (``cumsum``, ``cumprod``, their NaN-ignoring
and array-API variants) and their inverse, differences (``diff``, ``ediff1d``).

The dtype rules are JAX's: ``cumsum``/``cumprod`` keep the input dtype (bools count as the
default integer); ``cumulative_sum`` widens narrow integers like ``sum``; an explicit
``dtype=bool`` accumulates "any nonzero so far" (``cumsum``) or "all nonzero so far"
(``cumprod``).  ``axis=None`` works on the flattened array.
"""
from __future__ import annotations

import operator

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes

from .logic import const_like, isnan, not_equal
from .logic import where as _where
from .promotion import (ArrayLike, DTypeLike, broadcast_to, canonical_dtype, check_arraylike,
                        concrete_static, convert_to, dtype_of, ensure_array, ndim_of,
                        shape_of)
from .reductions import _promote_integer_dtype, canonical_axis
from .shapes import concatenate, ravel
from .ufuncs import subtract


def _cumulative(fun_name: str, reduction, a, axis, dtype, out, *, fill_nan=None,
                promote_integers: bool = False):
    check_arraylike(fun_name, a)
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{fun_name} is not supported.")
    a = ensure_array(a)
    if axis is None:
        a = ravel(a)
    axis = canonical_axis(fun_name, 0 if axis is None else axis, ndim_of(a))
    if fill_nan is not None and _dtypes.is_inexact(dtype_of(a)):
        a = _where(isnan(a), const_like(a, fill_nan), a)
    if dtype is None:
        result_dtype = dtype_of(a)
        if promote_integers or _dtypes.is_bool(result_dtype):
            result_dtype = _promote_integer_dtype(result_dtype)
        computation_dtype = result_dtype
    else:
        result_dtype = canonical_dtype(dtype)
        computation_dtype = result_dtype
        if _dtypes.is_bool(result_dtype):
            # lax accumulates numbers: count the nonzero entries, then test the count.
            if not _dtypes.is_bool(dtype_of(a)):
                a = not_equal(a, 0)
            computation_dtype = _promote_integer_dtype(result_dtype)
    result = reduction(convert_to(a, computation_dtype), axis)
    return convert_to(result, result_dtype)


def cumsum(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None, out=None):
    """Cumulative sum along ``axis`` (of the flattened array when ``axis`` is None).

    >>> jnp.cumsum(jnp.array([[1, 2], [3, 4]]))
    Array([ 1,  3,  6, 10], dtype=int32)
    >>> jnp.cumsum(jnp.array([[1, 2], [3, 4]]), axis=1)
    Array([[1, 3],
           [3, 7]], dtype=int32)
    """
    return _cumulative("cumsum", lax.cumsum, a, axis, dtype, out)


def cumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None, out=None):
    """Cumulative product along ``axis`` (of the flattened array when ``axis`` is None).

    >>> jnp.cumprod(jnp.array([1., 2., 3., 4.]))
    Array([ 1.,  2.,  6., 24.], dtype=float32)
    """
    return _cumulative("cumprod", lax.cumprod, a, axis, dtype, out)


def nancumsum(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None,
              out=None):
    """Cumulative sum treating NaNs as zero.

    >>> jnp.nancumsum(jnp.array([1., jnp.nan, 2.]))
    Array([1., 1., 3.], dtype=float32)
    """
    return _cumulative("nancumsum", lax.cumsum, a, axis, dtype, out, fill_nan=0)


def nancumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None,
               out=None):
    """Cumulative product treating NaNs as one.

    >>> jnp.nancumprod(jnp.array([2., jnp.nan, 3.]))
    Array([2., 2., 6.], dtype=float32)
    """
    return _cumulative("nancumprod", lax.cumprod, a, axis, dtype, out, fill_nan=1)


def _array_api_axis(fun_name: str, x, axis) -> int:
    if ndim_of(x) == 0:
        raise ValueError(f"{fun_name}: the input must have at least one dimension, got a "
                         "scalar.")
    if axis is None:
        if ndim_of(x) > 1:
            raise ValueError(f"{fun_name}: the input has rank {ndim_of(x)}, so axis must be "
                             "given explicitly (it is optional only for 1-D arrays).")
        axis = 0
    return canonical_axis(fun_name, axis, ndim_of(x))


def _with_initial(out, axis: int, value):
    shape = list(shape_of(out))
    shape[axis] = 1
    initial = lax.broadcast_in_dim(np.array(value, dtype_of(out)), tuple(shape), ())
    return lax.concatenate([initial, out], axis)


def cumulative_sum(x: ArrayLike, /, *, axis: int | None = None,
                   dtype: DTypeLike | None = None, include_initial: bool = False):
    """The array API's cumulative sum: like :func:`cumsum`, but ``axis`` is required
    beyond 1-D, narrow integers widen as in ``sum``, and ``include_initial`` prepends 0.

    >>> jnp.cumulative_sum(jnp.array([1, 2, 3]), include_initial=True)
    Array([0, 1, 3, 6], dtype=int32)
    """
    check_arraylike("cumulative_sum", x)
    axis = _array_api_axis("cumulative_sum", x, axis)
    out = _cumulative("cumulative_sum", lax.cumsum, x, axis, dtype, None,
                      promote_integers=True)
    return _with_initial(out, axis, 0) if include_initial else out


def cumulative_prod(x: ArrayLike, /, *, axis: int | None = None,
                    dtype: DTypeLike | None = None, include_initial: bool = False):
    """The array API's cumulative product; ``include_initial`` prepends 1.

    >>> jnp.cumulative_prod(jnp.array([1., 2., 3.]), include_initial=True)
    Array([1., 1., 2., 6.], dtype=float32)
    """
    check_arraylike("cumulative_prod", x)
    axis = _array_api_axis("cumulative_prod", x, axis)
    out = _cumulative("cumulative_prod", lax.cumprod, x, axis, dtype, None)
    return _with_initial(out, axis, 1) if include_initial else out


# --------------------------------------------------------------------------- differences

def _edge(fun_name: str, value, shape: tuple, axis: int):
    """``prepend``/``append`` of :func:`diff`: a scalar fills a slab of size 1."""
    check_arraylike(fun_name, value)
    if ndim_of(value) == 0:
        slab = list(shape)
        slab[axis] = 1
        return broadcast_to(value, tuple(slab))
    return value


def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: ArrayLike | None = None,
         append: ArrayLike | None = None):
    """The ``n``-th difference along ``axis``: ``a[1:] - a[:-1]``, applied ``n`` times
    (``!=`` for booleans), after joining ``prepend`` and ``append`` to ``a``.

    >>> jnp.diff(jnp.array([1, 4, 9, 16]))
    Array([3, 5, 7], dtype=int32)
    >>> jnp.diff(jnp.array([1, 4, 9, 16]), n=2, prepend=0)
    Array([2, 2, 2], dtype=int32)
    """
    check_arraylike("diff", a)
    arr = ensure_array(a)
    n = operator.index(concrete_static("diff", "n", n))
    if n == 0:
        return arr
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}.")
    if ndim_of(arr) == 0:
        raise ValueError("diff: the input must have at least one dimension, got a scalar.")
    axis = canonical_axis("diff", operator.index(concrete_static("diff", "axis", axis)),
                          ndim_of(arr))
    pieces = [arr]
    if prepend is not None:
        pieces.insert(0, _edge("diff", prepend, shape_of(arr), axis))
    if append is not None:
        pieces.append(_edge("diff", append, shape_of(arr), axis))
    if len(pieces) > 1:
        arr = concatenate(pieces, axis)
    op = not_equal if _dtypes.is_bool(dtype_of(arr)) else subtract
    for _ in range(n):
        size = shape_of(arr)[axis]
        arr = op(lax.slice_in_dim(arr, min(1, size), size, 1, axis),
                 lax.slice_in_dim(arr, 0, max(size - 1, 0), 1, axis))
    return arr


def ediff1d(ary: ArrayLike, to_end: ArrayLike | None = None,
            to_begin: ArrayLike | None = None):
    """Differences of consecutive elements of the flattened array, with ``to_begin`` and
    ``to_end`` (cast to its dtype) joined before and after.

    >>> jnp.ediff1d(jnp.array([1, 2, 4, 7]), to_begin=-1)
    Array([-1,  1,  2,  3], dtype=int32)
    """
    check_arraylike("ediff1d", ary)
    arr = ravel(ensure_array(ary))
    size = shape_of(arr)[0]
    result = lax.sub(lax.slice_in_dim(arr, min(1, size), size),
                     lax.slice_in_dim(arr, 0, max(size - 1, 0)))
    if to_begin is not None:
        result = concatenate([_flat_as(to_begin, arr), result])
    if to_end is not None:
        result = concatenate([result, _flat_as(to_end, arr)])
    return result


def _flat_as(value, arr):
    check_arraylike("ediff1d", value)
    return ravel(convert_to(ensure_array(value), dtype_of(arr)))
