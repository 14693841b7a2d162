"""Order statistics and correlations: ``quantile``, ``percentile`` and ``median`` (and
their NaN-ignoring forms), ``cov`` and ``corrcoef``.

A quantile is read off the data sorted along the reduced axes (moved last and flattened
into one): the ``q``-th quantile of ``n`` values sits at the fractional position
``q * (n - 1)``, between the sorted values at its floor and its ceiling, which ``method``
combines (interpolates, picks one, or averages them).  ``'inverted_cdf'`` instead takes
the first value whose cumulative weight reaches ``q`` times the total, and is the one
method that takes ``weights``.  As in JAX, ``q`` outside ``[0, 1]`` is not an error: the
positions are clamped to the data.

The derivative is the one JAX computes: ``sort`` moves the tangents with the values and
the two neighbours are gathered and combined with the interpolation weights, so each
quantile's gradient lands on the (at most two) elements it was read from.  The positions
are piecewise constant in ``q``: only ``'linear'``'s weights carry a derivative in ``q``.

NaNs: ``quantile`` gives NaN for a slice with any NaN; ``nanquantile`` counts the valid
values of each slice (NaNs sort last) and reads positions within them, NaN where a slice
has none.
"""
from __future__ import annotations

import math

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.shapes import broadcast_shapes_or_none
from zenax.tracer.source_info import user_frame_str
from zenax.lax.eager import compiled_when_eager

from .creation import full, full_like, zeros
from .diagonals import diag
from .indexing_routines import take_along_axis
from .logic import isnan, less, less_equal
from .logic import where as _where
from .products import dot
from .promotion import (ArrayLike, DTypeLike, canonical_dtype, check_arraylike, convert_to,
                        dtype_of, ensure_array, ndim_of, promote_dtypes, promote_dtypes_inexact,
                        shape_of)
from .reductions import any, average, canonical_axes, sum
from .shapes import atleast_2d, concatenate, reshape, squeeze, transpose
from .ufuncs import (absolute, add, ceil, clip, conjugate, divide, floor, imag, iscomplexobj,
                     maximum, minimum, multiply, real, sqrt, subtract)

__all__ = ["corrcoef", "cov", "median", "nanmedian", "nanpercentile", "nanquantile",
           "percentile", "quantile"]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf")
_STATIC_ARGNAMES = ("axis", "overwrite_input", "keepdims", "method")


# --------------------------------------------------------------------------- quantiles

def _check_unsupported(fun_name: str, out, overwrite_input) -> None:
    if out is not None or overwrite_input:
        raise ValueError(f"jnp.{fun_name} does not support overwrite_input=True or "
                         "out != None: zenax arrays are immutable; use the return value.")


def _reduced_axes(fun_name: str, a, axis) -> tuple[int, ...]:
    """The sorted reduced axes; a 0-d ``a`` counts as shape ``(1,)`` reduced whole (as in
    JAX, ``keepdims`` then gives a 1-d result)."""
    axes = canonical_axes(fun_name, axis, ndim_of(a))
    return (0,) if ndim_of(a) == 0 else axes


def _reduced_last(x, axes: tuple[int, ...]):
    """``x`` with its kept axes first (in order) and the ``axes`` flattened into one, last."""
    shape = shape_of(x)
    if not shape:
        return lax.reshape(x, (1,))
    kept = [d for d in range(len(shape)) if d not in axes]
    perm = tuple(kept) + axes
    if perm != tuple(range(len(shape))):
        x = lax.transpose(x, perm)
    n = math.prod(shape[d] for d in axes)
    return lax.reshape(x, tuple(shape[d] for d in kept) + (n,))


def _weights_like(fun_name: str, weights, a, axis):
    """``weights`` broadcast to ``a``'s shape: the same shape, or the reduced axes' shape
    (in the order ``axis`` names them)."""
    a_shape = shape_of(a)
    if shape_of(weights) == a_shape:
        return weights
    if axis is None:
        raise ValueError(f"{fun_name}: weights must have the shape of a, {a_shape}, when "
                         f"axis is None; got {shape_of(weights)} (at {user_frame_str()}).")
    named = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    named = tuple(canonical_axes(fun_name, d, len(a_shape))[0] for d in named)
    expected = tuple(a_shape[d] for d in named)
    if shape_of(weights) != expected:
        raise ValueError(f"{fun_name}: weights of shape {shape_of(weights)} must match a or "
                         f"the reduced axes {expected} (at {user_frame_str()}).")
    order = tuple(sorted(range(len(named)), key=lambda i: named[i]))
    if order != tuple(range(len(named))):
        weights = lax.transpose(weights, order)
    return lax.broadcast_in_dim(weights, a_shape, tuple(sorted(named)))


def _positions(q, count):
    """Floor and ceiling indices of ``q * (count - 1)`` (clamped to ``[0, count - 1]``)
    and the ceiling's interpolation weight."""
    pos = multiply(q, subtract(count, 1))
    low, high = floor(pos), ceil(pos)
    high_weight = subtract(pos, low)
    last = subtract(count, 1)
    index_dtype = _dtypes.default_int_dtype()
    low = convert_to(maximum(0, minimum(low, last)), index_dtype)
    high = convert_to(maximum(0, minimum(high, last)), index_dtype)
    return low, high, high_weight


def _take_last(a, index):
    """``a[..., index[..., j]]`` for each ``j`` along ``index``'s last axis; ``index`` is
    ``(Q,)`` (the same for every slice) or per slice, ``kept + (Q,)``."""
    if ndim_of(index) < ndim_of(a):
        index = lax.reshape(index, (1,) * (ndim_of(a) - 1) + shape_of(index))
    return take_along_axis(a, index, axis=-1, mode="promise_in_bounds")


def _interpolated(a, q, count, method: str):
    """The ``method`` quantiles of the sorted slices of ``a`` (last axis, ``count`` valid
    values each): ``kept + (Q,)``."""
    low, high, high_weight = _positions(q, count)
    low_value, high_value = _take_last(a, low), _take_last(a, high)
    if method == "lower":
        return low_value
    if method == "higher":
        return high_value
    if method == "nearest":   # halfway goes to the lower neighbour (JAX; NumPy: the even)
        return _where(less_equal(high_weight, 0.5), low_value, high_value)
    if method == "midpoint":
        return multiply(add(low_value, high_value), 0.5)
    q_dtype = dtype_of(q)
    low_weight = subtract(1, high_weight)
    return add(multiply(convert_to(low_value, q_dtype), low_weight),
               multiply(convert_to(high_value, q_dtype), high_weight))


def _inverted_cdf(a, weights, q, skip_nans: bool):
    """The first sorted value whose cumulative weight reaches ``q`` times the slice's
    total; NaN for a slice with a negative or NaN weight, or (``skip_nans``) no valid
    value, or (otherwise) any NaN."""
    nan_data = isnan(a)
    if weights is None:
        weights = full_like(a, 1)
    bad = lax.bitwise_or(less(weights, 0), isnan(weights))
    clean = _where(lax.bitwise_or(bad, nan_data), 0, weights)
    cumulative = lax.cumsum(clean, ndim_of(clean) - 1)
    total = lax.slice_in_dim(cumulative, shape_of(a)[-1] - 1, shape_of(a)[-1], axis=-1)
    q, total, cumulative = promote_dtypes(q, total, cumulative)
    target = multiply(q, total)                                    # kept + (Q,)
    below = less(lax.expand_dims(cumulative, (ndim_of(a) - 1,)),   # kept + (1, n)
                 lax.expand_dims(target, (ndim_of(a),)))           # kept + (Q, 1)
    index = sum(below, axis=-1, dtype=_dtypes.default_int_dtype())
    if skip_nans:
        valid = sum(lax.bitwise_not(nan_data), axis=-1, keepdims=True,
                    dtype=_dtypes.default_int_dtype())
        no_value = lax.eq(valid, np.array(0, dtype_of(valid)))
    else:
        valid = np.array(shape_of(a)[-1], _dtypes.default_int_dtype())
        no_value = any(nan_data, axis=-1, keepdims=True)
    index = maximum(0, minimum(index, subtract(valid, 1)))
    result = _take_last(a, index)
    force_nan = lax.bitwise_or(any(bad, axis=-1, keepdims=True), no_value)
    return _where(force_nan, np.array(np.nan, dtype_of(result)), result)


def _quantile(fun_name: str, a, q, axis, method: str, keepdims: bool, skip_nans: bool,
              weights):
    if method not in _METHODS:
        raise ValueError(f"{fun_name}: method must be one of "
                         f"{', '.join(repr(m) for m in _METHODS)}; got method={method!r} "
                         f"(at {user_frame_str()}).")
    if weights is not None:
        check_arraylike(fun_name, weights)
        if _dtypes.is_complex(dtype_of(weights)):
            raise ValueError(f"{fun_name}: weights cannot be complex, got "
                             f"{dtype_of(weights)}.")
        if method != "inverted_cdf":
            raise NotImplementedError(f"{fun_name}: method={method!r} does not take "
                                      "weights; only method='inverted_cdf' does.")
        a, weights = promote_dtypes_inexact(a, weights)
    else:
        a, = promote_dtypes_inexact(a)
    a, q = ensure_array(a), ensure_array(q)
    if _dtypes.is_complex(dtype_of(a)):
        raise ValueError(f"{fun_name} does not support complex input: the order of complex "
                         "numbers is not defined.")
    if ndim_of(q) > 1:
        raise ValueError(f"{fun_name}: q must be a scalar or 1-d, got shape {shape_of(q)}.")
    if not _dtypes.is_float(dtype_of(q)):
        raise TypeError(f"{fun_name}: q must be floating point, got {dtype_of(q)}; pass "
                        "q as floats (e.g. q=0.5, or jnp.asarray(q, float)).")
    result_dtype = dtype_of(a)
    a_shape = shape_of(a)
    axes = _reduced_axes(fun_name, a, axis)
    if weights is not None:
        weights = _reduced_last(_weights_like(fun_name, weights, a, axis), axes)
    a = _reduced_last(a, axes)
    n = shape_of(a)[-1]
    if n == 0:   # the error kinds JAX's gathers raise here
        error = IndexError if skip_nans else TypeError
        raise error(f"{fun_name}: cannot take a quantile of zero values (the reduced "
                    f"axes of a {a_shape} array are empty).")
    nan = np.array(np.nan, result_dtype)
    if skip_nans:   # every NaN positive, so that all sort last
        a = _where(isnan(a), nan, a)
    else:           # a slice with a NaN is all NaN
        a = _where(any(isnan(a), axis=-1, keepdims=True), nan, a)
    if weights is None:
        a = lax.sort(a, dimension=-1)
    else:
        a, weights = lax.sort((a, weights), dimension=-1, num_keys=1)

    q_flat = lax.reshape(q, (math.prod(shape_of(q)),))
    if method == "inverted_cdf":
        result = _inverted_cdf(a, weights, q_flat, skip_nans)
    else:
        if skip_nans:
            count = sum(lax.bitwise_not(isnan(a)), axis=-1, dtype=dtype_of(q),
                        keepdims=True)
        else:
            count = np.array(n, dtype_of(q))
        result = _interpolated(a, q_flat, count, method)

    # kept + (Q,) -> q's shape + the kept axes (with the reduced ones as 1s for keepdims)
    k = ndim_of(result) - 1
    result = lax.transpose(result, (k,) + tuple(range(k)))
    if keepdims:
        kept_shape = tuple(1 if d in axes else s for d, s in enumerate(a_shape or (1,)))
    else:
        kept_shape = tuple(s for d, s in enumerate(a_shape) if d not in axes)
    result = lax.reshape(result, shape_of(q) + kept_shape)
    return convert_to(result, result_dtype)


@compiled_when_eager(n_arrays=2, static_argnames=_STATIC_ARGNAMES)
def quantile(a: ArrayLike, q: ArrayLike, axis: int | tuple[int, ...] | None = None,
             out: None = None, overwrite_input: bool = False, method: str = "linear",
             keepdims: bool = False, *, weights: ArrayLike | None = None):
    """The ``q``-th quantiles (``q`` in ``[0, 1]``, a scalar or 1-d) of ``a`` over
    ``axis``; ``q``'s axis leads the result.

    ``method`` is ``'linear'`` (interpolate), ``'lower'``, ``'higher'``, ``'nearest'``,
    ``'midpoint'`` or ``'inverted_cdf'`` (the only one taking ``weights``, broadcast
    along the reduced axes).  Integers are promoted to float.

    >>> x = jnp.array([[1., 7., 3.], [4., 2., 8.]])
    >>> jnp.quantile(x, jnp.array([0.25, 0.75]), axis=1)
    Array([[2., 3.],
           [5., 6.]], dtype=float32)
    >>> jnp.quantile(x, 0.5, method="lower")
    Array(3., dtype=float32)
    """
    check_arraylike("quantile", a, q)
    _check_unsupported("quantile", out, overwrite_input)
    return _quantile("quantile", a, q, axis, method, keepdims, False, weights)


@compiled_when_eager(n_arrays=2, static_argnames=_STATIC_ARGNAMES)
def nanquantile(a: ArrayLike, q: ArrayLike, axis: int | tuple[int, ...] | None = None,
                out: None = None, overwrite_input: bool = False, method: str = "linear",
                keepdims: bool = False, *, weights: ArrayLike | None = None):
    """:func:`quantile` of the non-NaN values (NaN where a slice has none).

    >>> jnp.nanquantile(jnp.array([3., jnp.nan, 1., 2.]), jnp.array([0., 0.75]))
    Array([1. , 2.5], dtype=float32)
    """
    check_arraylike("nanquantile", a, q)
    _check_unsupported("nanquantile", out, overwrite_input)
    return _quantile("nanquantile", a, q, axis, method, keepdims, True, weights)


def _percent(q):
    """Percentages as fractions, in the inexact dtype of ``q``."""
    q, = promote_dtypes_inexact(q)
    return divide(q, 100)


@compiled_when_eager(n_arrays=2, static_argnames=_STATIC_ARGNAMES)
def percentile(a: ArrayLike, q: ArrayLike, axis: int | tuple[int, ...] | None = None,
               out: None = None, overwrite_input: bool = False, method: str = "linear",
               keepdims: bool = False, *, weights: ArrayLike | None = None,
               out_sharding=None):
    """:func:`quantile` with ``q`` in percent (``[0, 100]``; integers allowed).

    >>> jnp.percentile(jnp.arange(5), jnp.array([25, 50]))
    Array([1., 2.], dtype=float32)
    """
    check_arraylike("percentile", a, q)
    if out_sharding is not None:
        raise NotImplementedError("percentile: out_sharding is not supported; place the "
                                  "result with jax.device_put instead.")
    _check_unsupported("percentile", out, overwrite_input)
    return _quantile("percentile", a, _percent(q), axis, method, keepdims,
                     False, weights)


@compiled_when_eager(n_arrays=2, static_argnames=_STATIC_ARGNAMES)
def nanpercentile(a: ArrayLike, q: ArrayLike, axis: int | tuple[int, ...] | None = None,
                  out: None = None, overwrite_input: bool = False, method: str = "linear",
                  keepdims: bool = False, *, weights: ArrayLike | None = None):
    """:func:`percentile` of the non-NaN values (NaN where a slice has none).

    >>> jnp.nanpercentile(jnp.array([jnp.nan, 0., 10.]), 30)
    Array(3., dtype=float32)
    """
    check_arraylike("nanpercentile", a, q)
    _check_unsupported("nanpercentile", out, overwrite_input)
    return _quantile("nanpercentile", a, _percent(q), axis, method,
                     keepdims, True, weights)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def median(a: ArrayLike, axis: int | tuple[int, ...] | None = None, out: None = None,
           overwrite_input: bool = False, keepdims: bool = False):
    """The median over ``axis`` (of all elements by default): the middle sorted value, or
    the mean of the two middle ones.

    >>> jnp.median(jnp.array([[4, 1, 3], [2, 6, 5]]), axis=1)
    Array([3., 5.], dtype=float32)
    """
    check_arraylike("median", a)
    _check_unsupported("median", out, overwrite_input)
    return _quantile("median", a, 0.5, axis, "midpoint", keepdims, False, None)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def nanmedian(a: ArrayLike, axis: int | tuple[int, ...] | None = None, out: None = None,
              overwrite_input: bool = False, keepdims: bool = False):
    """The median of the non-NaN values over ``axis`` (NaN where there are none).

    >>> jnp.nanmedian(jnp.array([[1., jnp.nan, 3.], [jnp.nan, jnp.nan, 2.]]), axis=1)
    Array([2., 2.], dtype=float32)
    """
    check_arraylike("nanmedian", a)
    _check_unsupported("nanmedian", out, overwrite_input)
    return _quantile("nanmedian", a, 0.5, axis, "midpoint", keepdims, True, None)


# --------------------------------------------------------------------------- correlations

def _check_result_dtype(fun_name: str, dtype) -> None:
    if dtype is not None and not _dtypes.is_inexact(canonical_dtype(dtype)):
        raise ValueError(f"{fun_name}: dtype must be a floating or complex type; got "
                         f"dtype={dtype!r}.")


def _promote_rank(fun_name: str, m, y):
    """JAX's rank promotion of ``(m, y)``: the lower-rank one gains leading 1s (both
    non-scalar and of broadcastable shapes)."""
    shapes = [shape_of(m), shape_of(y)]
    if len(shapes[0]) == len(shapes[1]) or not all(shapes):
        return m, y
    if broadcast_shapes_or_none(shapes) is None:
        raise ValueError(f"{fun_name}: incompatible shapes for broadcasting: m {shapes[0]} "
                         f"and y {shapes[1]}.")
    rank = max(len(s) for s in shapes)
    return [reshape(x, (1,) * (rank - len(s)) + s) for x, s in zip((m, y), shapes)]



def _weights(fun_name: str, name: str, w, n_obs: int):
    check_arraylike(fun_name, w)
    if ndim_of(w) > 1:
        raise RuntimeError(f"{fun_name}: cannot handle multidimensional {name} (got shape "
                           f"{shape_of(w)}); pass one weight per observation.")
    if shape_of(w)[0] != n_obs:
        raise RuntimeError(f"{fun_name}: incompatible numbers of samples ({n_obs}) and "
                           f"{name} ({shape_of(w)[0]}).")
    return w


@compiled_when_eager(static_argnames=("rowvar", "bias", "ddof", "dtype"))
def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False,
        ddof: int | None = None, fweights: ArrayLike | None = None,
        aweights: ArrayLike | None = None, dtype: DTypeLike | None = None):
    """The covariance matrix of the variables in the rows of ``m`` (columns if
    ``rowvar=False``) and of ``y``'s, stacked below; normalized by ``N - ddof`` (``ddof``
    is 1, or 0 with ``bias=True``), or by the weight sum with ``fweights`` (integer
    repeat counts) and ``aweights`` (relative importance).  One variable gives a scalar.

    >>> jnp.cov(jnp.array([[0., 1., 2.], [2., 1., 0.]]))
    Array([[ 1., -1.],
           [-1.,  1.]], dtype=float32)
    """
    if y is not None:
        check_arraylike("cov", m, y)
        m, y = _promote_rank("cov", *promote_dtypes_inexact(m, y))
        if ndim_of(y) > 2:
            raise ValueError(f"cov: y has more than 2 dimensions (shape {shape_of(y)}).")
    else:
        check_arraylike("cov", m)
        m, = promote_dtypes_inexact(m)
    if ndim_of(m) > 2:
        raise ValueError(f"cov: m has more than 2 dimensions (shape {shape_of(m)}).")
    _check_result_dtype("cov", dtype)

    x = atleast_2d(m)
    if not rowvar and ndim_of(m) != 1:
        x = transpose(x)
    if shape_of(x)[0] == 0:
        return zeros((0, 0))
    if y is not None:
        y = atleast_2d(y)
        if not rowvar and shape_of(y)[0] != 1:
            y = transpose(y)
        x = concatenate((x, y), axis=0)
    n_vars, n_obs = shape_of(x)
    if n_obs == 0:
        return full(() if n_vars == 1 else (n_vars, n_vars), np.nan, dtype=dtype_of(x))
    if ddof is None:
        ddof = 1 if bias == 0 else 0

    w = None
    if fweights is not None:
        fweights = _weights("cov", "fweights", fweights, n_obs)
        if not _dtypes.is_integer(dtype_of(fweights)):
            raise TypeError(f"cov: fweights must be integer, got {dtype_of(fweights)}.")
        # NumPy raises on negative weights; without value checks, their size counts.
        w = absolute(fweights)
    if aweights is not None:
        aweights = absolute(_weights("cov", "aweights", aweights, n_obs))
        w = aweights if w is None else multiply(w, aweights)
    if dtype is not None:
        x = convert_to(x, canonical_dtype(dtype))
        w = None if w is None else convert_to(w, canonical_dtype(dtype))

    mean, w_sum = average(x, axis=1, weights=w, returned=True)
    w_sum = lax.index_in_dim(w_sum, 0, keepdims=False)
    if w is None:
        norm = n_obs - ddof
    elif ddof == 0:
        norm = w_sum
    elif aweights is None:
        norm = subtract(w_sum, ddof)
    else:
        norm = subtract(w_sum, divide(multiply(ddof, sum(multiply(w, aweights))), w_sum))
    x = subtract(x, lax.expand_dims(mean, (1,)))
    x_t = transpose(x if w is None else multiply(x, w))
    return squeeze(divide(dot(x, conjugate(x_t)), norm))


@compiled_when_eager(static_argnames=("rowvar", "dtype"))
def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True,
             dtype: DTypeLike | None = None):
    """Pearson correlation coefficients: :func:`cov` normalized by the standard
    deviations, clipped to ``[-1, 1]``.

    >>> jnp.corrcoef(jnp.array([0., 1., 2.]), jnp.array([1., 3., 2.]))
    Array([[1. , 0.5],
           [0.5, 1. ]], dtype=float32)
    """
    check_arraylike("corrcoef", x)
    _check_result_dtype("corrcoef", dtype)
    c = cov(x, y, rowvar, dtype=dtype)
    if ndim_of(c) == 0:   # one variable: 1, or NaN for a constant one (0 / 0)
        return divide(c, c)
    stddev = convert_to(sqrt(real(diag(c))), dtype_of(c))
    c = divide(divide(c, lax.expand_dims(stddev, (1,))), lax.expand_dims(stddev, (0,)))
    real_part = clip(real(c), -1, 1)
    if iscomplexobj(c):
        return lax.complex(real_part, clip(imag(c), -1, 1))
    return real_part
