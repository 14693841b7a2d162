"""Reductions: sum, prod, max, min, all, any, mean, var, std, argmax, ... and NaN-aware
variants.

All follow one recipe (:func:`_reduction`, as ``jnp``'s): pick the result dtype (sums of
bools and small integers widen to the default integer; float16/bfloat16 sums are computed
in float32), mask with ``where=`` by substituting the reduction's identity, reduce with one
lax primitive, fold in ``initial``, and restore reduced axes for ``keepdims``.
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import Callable

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.errors import JAXTypeError
from zenax.tracer.source_info import user_frame_str
from zenax.lax.eager import compiled_when_eager

from .creation import full_like
from .logic import const_like, isnan
from .logic import where as _where
from .promotion import (ArrayLike, DTypeLike, aval_of, broadcast_to, canonical_dtype,
                        check_arraylike, convert_to, dtype_of, ensure_array, ndim_of,
                        promote_dtypes_inexact, scalar_constant, shape_of, to_inexact_dtype)
from .ufuncs import sqrt, subtract

Axis = "int | Sequence[int] | None"

# What a reduction called eagerly on a concrete array compiles in: those of these keywords
# it takes (see lax/eager.py).  ``where`` is an array, so a call with it stays plain.
_STATIC_ARGNAMES = ("axis", "dtype", "out", "keepdims", "initial", "promote_integers",
                    "ddof", "correction")


def canonical_axes(fun_name: str, axis, ndim: int,
                   duplicate_error: type[Exception] = ValueError) -> tuple[int, ...]:
    """``axis`` (None, int or tuple, possibly negative) -> sorted non-negative ints; a
    repeated axis is a ``duplicate_error`` (JAX's kind: TypeError for ``flip``)."""
    if axis is None:
        return tuple(range(ndim))
    try:
        axes = (operator.index(axis),) if np.ndim(axis) == 0 else tuple(
            operator.index(a) for a in axis)
    except JAXTypeError:   # a traced value (ConcretizationTypeError, TracerIntegerConversionError)
        raise
    except TypeError:
        raise TypeError(f"{fun_name}: axis must be None, an int or a tuple of ints, got "
                        f"{axis!r} (at {user_frame_str()}).") from None
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim, msg_prefix=f"{fun_name}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise duplicate_error(f"{fun_name}: duplicate value in 'axis': {axis} "
                         f"(at {user_frame_str()}).")
    return tuple(sorted(out))


def canonical_axis(fun_name: str, axis, ndim: int) -> int:
    return canonical_axes(fun_name, operator.index(axis), ndim)[0]


def _promote_integer_dtype(dtype: np.dtype) -> np.dtype:
    """Sums and products of bools and narrow integers widen to the default integer."""
    if _dtypes.is_bool(dtype):
        return _dtypes.default_int_dtype()
    if _dtypes.issubdtype(dtype, np.unsignedinteger):
        uint = _dtypes.canonicalize_dtype(np.uint64)
        return dtype if np.dtype(dtype).itemsize >= uint.itemsize else uint
    if _dtypes.is_integer(dtype):
        default = _dtypes.default_int_dtype()
        return dtype if np.dtype(dtype).itemsize >= default.itemsize else default
    return dtype


def _upcast_f16(dtype: np.dtype) -> np.dtype:
    """float16/bfloat16 accumulate in float32: their own precision loses whole terms."""
    if np.dtype(dtype) in (np.dtype(np.float16), _dtypes.bfloat16):
        return np.dtype(np.float32)
    return dtype


def _identity(kind: str, dtype: np.dtype):
    """The value that does not change a ``kind`` reduction over ``dtype``."""
    if kind == "sum" or kind == "any":
        return False if _dtypes.is_bool(dtype) else 0
    if kind == "prod" or kind == "all":
        return True if _dtypes.is_bool(dtype) else 1
    if _dtypes.is_bool(dtype):
        return kind == "min"
    if _dtypes.is_integer(dtype):
        info = np.iinfo(dtype)
        return info.min if kind == "max" else info.max
    return -np.inf if kind == "max" else np.inf


def _apply_where(fun_name: str, a, where_, fill):
    """Replace masked-out elements of ``a`` by ``fill``."""
    check_arraylike(fun_name, where_)
    mask = broadcast_to(where_, shape_of(a))
    return _where(mask, a, scalar_constant(fill, dtype_of(a), False))


_REDUCERS: dict[str, tuple[Callable, Callable]] = {
    # kind: (reducer, combine with `initial`)
    "sum": (lax.reduce_sum, lax.add),
    "prod": (lax.reduce_prod, lax.mul),
    "max": (lax.reduce_max, lax.max),
    "min": (lax.reduce_min, lax.min),
    "all": (lax.reduce_and, lax.bitwise_and),
    "any": (lax.reduce_or, lax.bitwise_or),
}
# Sums and products of bools (with dtype=bool) are logical.
_BOOL_REDUCERS = {"sum": "any", "prod": "all"}


def _reduction(fun_name: str, kind: str, a, axis, dtype, keepdims: bool, initial, where_,
               *, promote_integers: bool = False, upcast_f16: bool = False,
               has_identity: bool = True):
    check_arraylike(fun_name, a)
    aval = aval_of(a)
    axes = canonical_axes(fun_name, axis, aval.ndim)
    if initial is None and not has_identity:
        if where_ is not None:
            raise ValueError(f"reduction operation {fun_name} does not have an identity, so "
                             "to use a where mask one has to specify 'initial' "
                             f"(at {user_frame_str()}).")
        if builtins.any(aval.shape[d] == 0 for d in axes):
            raise ValueError(f"zero-size array to reduction operation {fun_name} which has "
                             f"no identity (at {user_frame_str()}); pass initial=...")
    if dtype is None:
        result_dtype = _promote_integer_dtype(aval.dtype) if promote_integers else aval.dtype
    else:
        result_dtype = canonical_dtype(dtype)
    computation_dtype = _upcast_f16(result_dtype) if upcast_f16 else result_dtype
    if _dtypes.is_bool(computation_dtype):
        kind = _BOOL_REDUCERS.get(kind, kind)
    reduce, combine = _REDUCERS[kind]
    a = convert_to(ensure_array(a), computation_dtype, False)
    if where_ is not None:
        a = _apply_where(fun_name, a, where_, _identity(kind, computation_dtype))
    result = reduce(a, axes)
    if initial is not None:
        check_arraylike(fun_name, initial)
        if ndim_of(initial) != 0:
            raise ValueError(f"{fun_name}: initial value must be a scalar, got shape "
                             f"{shape_of(initial)}.")
        result = combine(convert_to(initial, computation_dtype, False), result)
    if keepdims:
        result = lax.expand_dims(result, axes)
    return ensure_array(convert_to(result, result_dtype, False))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def sum(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None,
        keepdims: bool = False, initial: ArrayLike | None = None,
        where: ArrayLike | None = None, promote_integers: bool = True):
    """Sum of elements over ``axis`` (all axes by default).

    Bools and narrow integers are summed as the default integer (int32).

    >>> jnp.sum(jnp.arange(6).reshape(2, 3), axis=0)
    Array([3, 5, 7], dtype=int32)
    """
    _check_out("sum", out)
    return _reduction("sum", "sum", a, axis, dtype, keepdims, initial, where,
                      promote_integers=promote_integers, upcast_f16=True)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def prod(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None,
         keepdims: bool = False, initial: ArrayLike | None = None,
         where: ArrayLike | None = None, promote_integers: bool = True):
    """Product of elements over ``axis``.

    >>> jnp.prod(jnp.array([1, 2, 3, 4]))
    Array(24, dtype=int32)
    """
    _check_out("prod", out)
    return _reduction("prod", "prod", a, axis, dtype, keepdims, initial, where,
                      promote_integers=promote_integers, upcast_f16=True)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def max(a: ArrayLike, axis=None, out=None, keepdims: bool = False,
        initial: ArrayLike | None = None, where: ArrayLike | None = None):
    """Maximum over ``axis`` (NaN if any element is NaN); ``where=`` needs ``initial``.

    >>> jnp.max(jnp.array([[1, 5], [3, 2]]), axis=1)
    Array([5, 3], dtype=int32)
    """
    _check_out("max", out)
    return _reduction("max", "max", a, axis, None, keepdims, initial, where,
                      has_identity=False)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def min(a: ArrayLike, axis=None, out=None, keepdims: bool = False,
        initial: ArrayLike | None = None, where: ArrayLike | None = None):
    """Minimum over ``axis``; see :func:`max`."""
    _check_out("min", out)
    return _reduction("min", "min", a, axis, None, keepdims, initial, where,
                      has_identity=False)


amax = max
amin = min


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def all(a: ArrayLike, axis=None, out=None, keepdims: bool = False, *,
        where: ArrayLike | None = None):
    """Whether all elements over ``axis`` are true (nonzero).

    >>> jnp.all(jnp.array([1, 2, 0]))
    Array(False, dtype=bool)
    """
    _check_out("all", out)
    return _reduction("all", "all", _as_bool("all", a), axis, None, keepdims, None, where)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def any(a: ArrayLike, axis=None, out=None, keepdims: bool = False, *,
        where: ArrayLike | None = None):
    """Whether any element over ``axis`` is true (nonzero)."""
    _check_out("any", out)
    return _reduction("any", "any", _as_bool("any", a), axis, None, keepdims, None, where)


def _as_bool(fun_name: str, a):
    check_arraylike(fun_name, a)
    if _dtypes.is_complex(dtype_of(a)):
        return lax.ne(a, const_like(a, 0))
    return convert_to(a, np.dtype(bool), False)


def _check_out(fun_name: str, out) -> None:
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{fun_name} is not supported: "
                                  "zenax arrays are immutable; use the return value.")


def ptp(a: ArrayLike, axis=None, out=None, keepdims: bool = False):
    """Range (``max - min``) over ``axis``. Example: ``jnp.ptp(jnp.array([3, 9, 4]))``."""
    _check_out("ptp", out)
    return subtract(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def count_nonzero(a: ArrayLike, axis=None, keepdims: bool = False):
    """Number of nonzero elements over ``axis`` (an int32 count).

    >>> jnp.count_nonzero(jnp.array([0, 1, 2, 0]))
    Array(2, dtype=int32)
    """
    check_arraylike("count_nonzero", a)
    nonzero = lax.ne(a, const_like(a, 0))
    return sum(nonzero, axis, dtype=_dtypes.default_int_dtype(), keepdims=keepdims)


# --------------------------------------------------------------------------- statistics

def reduced_size(a, axis) -> int:
    """How many elements of ``a`` a reduction over ``axis`` combines (mean's divisor)."""
    shape = shape_of(a)
    return math.prod(shape[d] for d in canonical_axes("mean", axis, len(shape)))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def mean(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None,
         keepdims: bool = False, *, where: ArrayLike | None = None):
    """Arithmetic mean over ``axis``; integer inputs give a float result.

    >>> jnp.mean(jnp.array([1, 2, 3, 4]))
    Array(2.5, dtype=float32)
    """
    _check_out("mean", out)
    check_arraylike("mean", a)
    result_dtype = (to_inexact_dtype(dtype_of(a)) if dtype is None
                    else canonical_dtype(dtype))
    computation_dtype = _upcast_f16(result_dtype)
    if where is None:
        normalizer = scalar_constant(reduced_size(a, axis), computation_dtype, False)
    else:
        normalizer = sum(broadcast_to(where, shape_of(a)), axis, dtype=computation_dtype,
                         keepdims=keepdims)
    total = sum(a, axis, dtype=computation_dtype, keepdims=keepdims, where=where)
    return ensure_array(convert_to(lax.div(total, normalizer), result_dtype, False))


def _var_dtypes(a_dtype: np.dtype, dtype) -> tuple[np.dtype, np.dtype]:
    """(computation dtype, result dtype) of var/std: real, at least float32 inside."""
    if dtype is None:
        dtype = to_inexact_dtype(a_dtype)
        if _dtypes.is_complex(dtype):
            dtype = np.finfo(dtype).dtype
        computation = _upcast_f16(to_inexact_dtype(a_dtype))
    else:
        dtype = canonical_dtype(dtype)
        if not _dtypes.is_inexact(dtype):
            raise ValueError(f"var/std: dtype must be inexact, got {dtype}.")
        computation = _upcast_f16(_dtypes.result_type((a_dtype, False), (dtype, False))[0])
    return computation, dtype


# ``var``/``std`` take a ``mean=`` argument, which shadows the function there.
_mean = mean


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def var(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None, ddof: int = 0,
        keepdims: bool = False, *, where: ArrayLike | None = None,
        mean: ArrayLike | None = None, correction=None):
    """Variance over ``axis``: ``mean(|a - mean(a)|**2)`` scaled by ``n / (n - ddof)``.
    ``mean`` is the mean if already known, shaped as with ``keepdims=True``.

    >>> jnp.var(jnp.array([1.0, 2.0, 3.0, 4.0]), ddof=1)
    Array(1.6666667, dtype=float32)
    """
    _check_out("var", out)
    check_arraylike("var", a)
    if correction is not None:
        if ddof != 0:
            raise ValueError("var: ddof and correction can't both be specified.")
        ddof = correction
    computation_dtype, result_dtype = _var_dtypes(dtype_of(a), dtype)
    a = convert_to(ensure_array(a), computation_dtype, False)
    a_mean = _given_mean("var", mean, a, computation_dtype)
    if a_mean is None:
        a_mean = _mean(a, axis, computation_dtype, keepdims=True, where=where)
    centered = lax.sub(a, broadcast_to(a_mean, shape_of(a)))
    if _dtypes.is_complex(computation_dtype):
        centered = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        centered = lax.square(centered)
    real_dtype = dtype_of(centered)
    total = sum(centered, axis, dtype=real_dtype, keepdims=keepdims, where=where)
    if where is None:
        count = reduced_size(a, axis) - ddof
        if count <= 0:   # as JAX: no degrees of freedom left gives NaN
            out = full_like(total, np.nan)
        else:
            out = lax.div(total, scalar_constant(count, real_dtype, False))
    else:
        count = sum(broadcast_to(where, shape_of(a)), axis, dtype=real_dtype,
                    keepdims=keepdims)
        count = lax.sub(count, scalar_constant(ddof, real_dtype, False))
        out = where_positive(count, lax.div(total, count))
    return ensure_array(convert_to(out, result_dtype, False))


def _given_mean(fun_name: str, mean, a, dtype):
    """A precomputed ``mean=`` argument, checked and cast (None if not given)."""
    if mean is None:
        return None
    check_arraylike(fun_name, mean)
    if ndim_of(mean) not in (0, ndim_of(a)):
        raise TypeError(f"{fun_name}: mean must have as many dimensions as the array "
                        f"({ndim_of(a)}, its reduced axes of size 1, as with keepdims=True) "
                        f"or be a scalar, got shape {shape_of(mean)} (at {user_frame_str()}).")
    return convert_to(ensure_array(mean), dtype, False)


def where_positive(count, value):
    """``value`` where ``count > 0``, else NaN."""
    return _where(lax.gt(count, const_like(count, 0)), value, const_like(value, np.nan))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def std(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None, ddof: int = 0,
        keepdims: bool = False, *, where: ArrayLike | None = None,
        mean: ArrayLike | None = None, correction=None):
    """Standard deviation over ``axis``: ``sqrt(var(...))``.

    >>> jnp.std(jnp.array([1.0, 3.0]))
    Array(1., dtype=float32)
    """
    return sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                    correction=correction))


def average(a: ArrayLike, axis=None, weights: ArrayLike | None = None,
            returned: bool = False, keepdims: bool = False):
    """Weighted mean over ``axis``; 1-D ``weights`` align with ``axis``.

    >>> jnp.average(jnp.array([1.0, 2.0, 3.0]), weights=jnp.array([3.0, 1.0, 0.0]))
    Array(1.25, dtype=float32)
    """
    check_arraylike("average", a)
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        if not returned:
            return avg
        count = reduced_size(a, axis)
        return avg, full_like(avg, count)
    check_arraylike("average", weights)
    a, weights = promote_dtypes_inexact(a, weights)
    a_shape, w_shape = shape_of(a), shape_of(weights)
    if a_shape != w_shape:
        if axis is None:
            raise ValueError("average: axis must be specified when shapes of a and weights "
                             f"differ ({a_shape} vs {w_shape}).")
        axes = canonical_axes("average", axis, len(a_shape))
        if len(w_shape) != 1 or len(axes) != 1 or w_shape[0] != a_shape[axes[0]]:
            raise ValueError("average: 1-D weights must match the length of a along axis, "
                             f"got shapes {a_shape} and {w_shape} for axis {axis}.")
        weights = lax.broadcast_in_dim(weights, a_shape, axes)
    weights_sum = sum(weights, axis, keepdims=keepdims)
    avg = lax.div(sum(lax.mul(a, weights), axis, keepdims=keepdims), weights_sum)
    return (avg, weights_sum) if returned else avg


# --------------------------------------------------------------------------- arg reductions

def _arg_reduction(fun_name: str, lax_fn, a, axis, keepdims):
    check_arraylike(fun_name, a)
    a = ensure_array(a)
    if axis is None:
        if aval_of(a).size == 0:
            raise ValueError(f"attempt to get {fun_name} of an empty sequence")
        flat = lax.reshape(a, (aval_of(a).size,))
        out = lax_fn(flat, 0, _dtypes.default_int_dtype())
        if keepdims:
            out = lax.broadcast_in_dim(out, (1,) * ndim_of(a), ())
        return ensure_array(out)
    axis = canonical_axis(fun_name, axis, ndim_of(a))
    if shape_of(a)[axis] == 0:
        raise ValueError(f"attempt to get {fun_name} of an empty sequence")
    out = lax_fn(a, axis, _dtypes.default_int_dtype())
    return lax.expand_dims(out, (axis,)) if keepdims else out


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def argmax(a: ArrayLike, axis: int | None = None, out=None, keepdims: bool | None = None):
    """Index of the maximum along ``axis`` (of the flattened array if None).

    >>> jnp.argmax(jnp.array([1, 7, 3]))
    Array(1, dtype=int32)
    """
    _check_out("argmax", out)
    return _arg_reduction("argmax", lax.argmax, a, axis, bool(keepdims))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def argmin(a: ArrayLike, axis: int | None = None, out=None, keepdims: bool | None = None):
    """Index of the minimum along ``axis`` (of the flattened array if None)."""
    _check_out("argmin", out)
    return _arg_reduction("argmin", lax.argmin, a, axis, bool(keepdims))


# --------------------------------------------------------------------------- NaN-aware

def _without_nans(fun_name: str, a, fill):
    check_arraylike(fun_name, a)
    if not _dtypes.is_inexact(dtype_of(a)):
        return a
    return _where(isnan(a), const_like(a, fill), a)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def nansum(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None,
           keepdims: bool = False, initial: ArrayLike | None = None,
           where: ArrayLike | None = None):
    """Sum treating NaNs as zero. Example: ``jnp.nansum(jnp.array([1.0, jnp.nan]))``."""
    return sum(_without_nans("nansum", a, 0), axis, dtype, out, keepdims, initial, where)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def nanprod(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None,
            keepdims: bool = False, initial: ArrayLike | None = None,
            where: ArrayLike | None = None):
    """Product treating NaNs as one."""
    return prod(_without_nans("nanprod", a, 1), axis, dtype, out, keepdims, initial, where)


def _nan_extremum(fun_name: str, reducer, fill, a, axis, keepdims, initial, where_):
    check_arraylike(fun_name, a)
    if not _dtypes.is_inexact(dtype_of(a)):
        return reducer(a, axis, keepdims=keepdims, initial=initial, where=where_)
    nan_mask = isnan(a)
    out = reducer(_where(nan_mask, const_like(a, fill), a), axis, keepdims=keepdims,
                  initial=initial, where=where_)
    if initial is not None:   # `initial` takes part in every reduction: never all-NaN
        return out
    all_nan = all(nan_mask, axis, keepdims=keepdims, where=where_)
    return _where(all_nan, const_like(out, np.nan), out)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def nanmax(a: ArrayLike, axis=None, out=None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike | None = None):
    """Maximum ignoring NaNs (NaN where all are NaN)."""
    _check_out("nanmax", out)
    return _nan_extremum("nanmax", max, -np.inf, a, axis, keepdims, initial, where)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def nanmin(a: ArrayLike, axis=None, out=None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike | None = None):
    """Minimum ignoring NaNs (NaN where all are NaN)."""
    _check_out("nanmin", out)
    return _nan_extremum("nanmin", min, np.inf, a, axis, keepdims, initial, where)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def nanmean(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None,
            keepdims: bool = False, *, where: ArrayLike | None = None):
    """Mean of the non-NaN elements.

    >>> jnp.nanmean(jnp.array([1.0, jnp.nan, 3.0]))
    Array(2., dtype=float32)
    """
    _check_out("nanmean", out)
    check_arraylike("nanmean", a)
    if not _dtypes.is_inexact(dtype_of(a)):
        return mean(a, axis, dtype, keepdims=keepdims, where=where)
    result_dtype = dtype_of(a) if dtype is None else canonical_dtype(dtype)
    computation_dtype = _upcast_f16(result_dtype)
    valid = lax.bitwise_not(isnan(a))
    if where is not None:
        valid = lax.bitwise_and(valid, broadcast_to(where, shape_of(a)))
    count = sum(valid, axis, dtype=computation_dtype, keepdims=keepdims)
    total = nansum(a, axis, dtype=computation_dtype, keepdims=keepdims, where=where)
    return ensure_array(convert_to(lax.div(total, count), result_dtype, False))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def nanvar(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None,
           ddof: int = 0, keepdims: bool = False, where: ArrayLike | None = None,
           mean: ArrayLike | None = None):
    """Variance of the non-NaN elements."""
    _check_out("nanvar", out)
    check_arraylike("nanvar", a)
    valid = lax.bitwise_not(isnan(a))
    if where is not None:
        valid = lax.bitwise_and(valid, broadcast_to(where, shape_of(a)))
    computation_dtype, result_dtype = _var_dtypes(dtype_of(a), dtype)
    a = convert_to(ensure_array(a), computation_dtype, False)
    a_mean = _given_mean("nanvar", mean, a, computation_dtype)
    if a_mean is None:
        a_mean = nanmean(a, axis, keepdims=True, where=valid)
    centered = _without_nans("nanvar", lax.sub(a, broadcast_to(a_mean, shape_of(a))), 0)
    if _dtypes.is_complex(computation_dtype):
        centered = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        centered = lax.square(centered)
    real_dtype = dtype_of(centered)
    count = sum(valid, axis, dtype=real_dtype, keepdims=keepdims)
    count = lax.sub(count, scalar_constant(ddof, real_dtype, False))
    total = sum(centered, axis, keepdims=keepdims, where=valid)
    return ensure_array(convert_to(where_positive(count, lax.div(total, count)),
                                   result_dtype, False))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def nanstd(a: ArrayLike, axis=None, dtype: DTypeLike | None = None, out=None,
           ddof: int = 0, keepdims: bool = False, where: ArrayLike | None = None,
           mean: ArrayLike | None = None):
    """Standard deviation of the non-NaN elements."""
    return sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean))
