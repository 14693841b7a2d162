"""Binning: histogram, histogram2d, histogramdd, histogram_bin_edges, bincount.

Every histogram is the same three steps: bin edges (``bins`` evenly spaced edges over
``range``, or the given edges), each value's bin by :func:`searchsorted` (a value equal to
the last edge counts in the last bin, as in NumPy), and a scatter-add of the weights into
the bins.  The counts are linear in the weights, so histograms are differentiable with
respect to them; the edges follow ``range`` (or the data's min and max).

``bincount``'s length is the largest value plus one -- a shape that depends on the data --
so under a transformation it needs a static ``length=``.
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import Sequence

import numpy as np

from zenax import lax
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.core import Tracer
from zenax.tracer.errors import ConcretizationTypeError
from zenax.tracer.source_info import user_frame_str
from zenax.lax.sharding_constraint import (OutSharding, ShardingTypeError,
                                           canonical_out_sharding, is_replicated, out_sharded)

from .at import at
from .creation import linspace, ones_like, zeros
from .cumulative import diff
from .logic import equal, where
from .promotion import (ArrayLike, asarray, check_arraylike, concrete_static, dtype_of,
                        ensure_array, ndim_of, promote_dtypes_inexact, shape_of,
                        to_inexact_dtype)
from .reductions import max as reduce_max
from .reductions import min as reduce_min
from .reductions import ptp, sum
from .shapes import reshape, stack
from .sorting import searchsorted
from .ufuncs import add, divide, subtract


def _bin_count(fun_name: str, bins) -> int:
    """``bins`` as a static number of bins (it was not a 1-D array of edges)."""
    bins = concrete_static(fun_name, "bins", bins)
    try:
        return operator.index(bins)
    except TypeError:
        raise TypeError(f"{fun_name}: bins must be an integer number of bins or a 1-D array "
                        f"of bin edges, got {bins!r} (at {user_frame_str()}).") from None


def histogram_bin_edges(a: ArrayLike, bins: ArrayLike = 10,
                        range: None | Sequence[ArrayLike] = None,
                        weights: ArrayLike | None = None):
    """The edges of a histogram of ``a``: ``bins`` equal bins spanning ``range`` (by default
    the data's min to max; an empty range is widened by 0.5 each way), or the given 1-D
    array of edges.  ``weights`` is accepted for NumPy's signature and unused.

    >>> jnp.histogram_bin_edges(jnp.array([1., 2., 5.]), bins=4)
    Array([1., 2., 3., 4., 5.], dtype=float32)
    """
    return _bin_edges("histogram_bin_edges", a, bins, range)


def _bin_edges(fun_name: str, a, bins, range):
    if isinstance(bins, str):
        raise NotImplementedError(f"{fun_name}: string values for `bins` are not implemented.")
    check_arraylike(fun_name, a, bins)
    a = asarray(a)
    dtype = to_inexact_dtype(dtype_of(a))
    if ndim_of(bins) == 1:
        return asarray(bins, dtype)
    count = _bin_count(fun_name, bins)
    if range is None:
        range = [reduce_min(a), reduce_max(a)]
    range = asarray(range, dtype)
    if shape_of(range) != (2,):
        raise ValueError(f"{fun_name}: `range` must be either None or a sequence of two "
                         f"scalars, got one of shape {shape_of(range)} (at {user_frame_str()}).")
    empty = equal(ptp(range), 0)
    lo, hi = (lax.index_in_dim(range, i, keepdims=False) for i in (0, 1))
    lo, hi = where(empty, subtract(lo, 0.5), lo), where(empty, add(hi, 0.5), hi)
    return _evenly_spaced(lo, hi, count, dtype)


@compiled_when_eager(n_arrays=2, static_argnames=("count", "dtype"))
def _evenly_spaced(lo, hi, count: int, dtype):
    """``count + 1`` edges from ``lo`` to ``hi``.  Compiled when eager, as jax.numpy's
    linspace is jitted: XLA's fused arithmetic rounds some edges differently from
    op-by-op evaluation (from 0 to 25 in 5 bins: 15.0, not 15.000001), and values equal to
    an edge must land in the same bin as in JAX."""
    return linspace(lo, hi, count + 1, dtype=dtype)


compile_marked(globals())     # this module's own calls of the helper run compiled


def histogram(a: ArrayLike, bins: ArrayLike = 10, range: Sequence[ArrayLike] | None = None,
              weights: ArrayLike | None = None, density: bool | None = None):
    """The histogram of (the flattened) ``a``: ``(counts, bin_edges)``.  Each value counts
    ``weights`` at its place (default 1); ``density=True`` divides by the total and the
    bin widths, so the histogram integrates to 1.  Bins are half-open ``[lo, hi)`` except
    the last, which includes its right edge; values outside the edges are not counted.

    >>> counts, edges = jnp.histogram(jnp.array([0., 1., 1., 3., 4.]), bins=4)
    >>> counts
    Array([1., 2., 0., 2.], dtype=float32)
    >>> edges
    Array([0., 1., 2., 3., 4.], dtype=float32)
    """
    if weights is None:
        check_arraylike("histogram", a, bins)
        a, = promote_dtypes_inexact(asarray(a))
        weights = ones_like(a)
    else:
        check_arraylike("histogram", a, bins, weights)
        if shape_of(a) != shape_of(weights):
            raise ValueError(f"histogram: weights should have the same shape as a, got "
                             f"{shape_of(weights)} and {shape_of(a)} (at {user_frame_str()}).")
        a, weights = promote_dtypes_inexact(asarray(a), asarray(weights))
    edges = _bin_edges("histogram", a, bins, range)
    n = shape_of(edges)[0]
    last = lax.index_in_dim(edges, n - 1, keepdims=False)
    index = where(equal(a, last), n - 1, searchsorted(edges, a, side="right"))
    # Slot 0 collects the values below the first edge; those above the last are dropped.
    counts = at(zeros(n, dtype_of(weights)))[index].add(weights)
    counts = lax.slice(counts, (1,), (n,))
    if density:
        counts = divide(divide(counts, diff(edges)), sum(counts))
    return counts, edges


def histogram2d(x: ArrayLike, y: ArrayLike, bins: ArrayLike | list[ArrayLike] = 10,
                range: Sequence[None | Sequence[ArrayLike]] | None = None,
                weights: ArrayLike | None = None, density: bool | None = None):
    """The 2-D histogram of the points ``(x[i], y[i])``: ``(counts, x_edges, y_edges)``.
    ``bins`` is a number of bins or an array of edges for both axes, or a pair of those;
    ``range`` is ``[[xmin, xmax], [ymin, ymax]]``.

    >>> counts, xe, ye = jnp.histogram2d(jnp.array([0., 1., 2.]), jnp.array([0., 0., 2.]),
    ...                                  bins=2)
    >>> counts
    Array([[1, 0],
           [1, 1]], dtype=int32)
    """
    check_arraylike("histogram2d", x, y)
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n not in (1, 2):
        edges = asarray(bins)
        bins = [edges, edges]
    sample = stack([x, y], axis=1)
    counts, edges = histogramdd(sample, bins, range, weights, density)
    return counts, edges[0], edges[1]


def histogramdd(sample: ArrayLike, bins: ArrayLike | list[ArrayLike] = 10,
                range: Sequence[None | Sequence[ArrayLike]] | None = None,
                weights: ArrayLike | None = None, density: bool | None = None):
    """The D-dimensional histogram of ``N`` points, the rows of the ``(N, D)`` array
    ``sample``: ``(counts, [edges of each dimension])``.  ``bins`` and ``range`` are one
    for all dimensions or one per dimension; without ``weights`` the counts are integers.

    >>> counts, edges = jnp.histogramdd(jnp.array([[0., 0.], [1., 1.], [1., 0.]]), bins=2)
    >>> counts
    Array([[1, 0],
           [1, 1]], dtype=int32)
    """
    if weights is None:
        check_arraylike("histogramdd", sample)
        sample, = promote_dtypes_inexact(asarray(sample))
    else:
        check_arraylike("histogramdd", sample, weights)
        if shape_of(weights) != shape_of(sample)[:1]:
            raise ValueError(f"histogramdd: should have one weight for each sample, got "
                             f"weights of shape {shape_of(weights)} for a sample of shape "
                             f"{shape_of(sample)} (at {user_frame_str()}).")
        sample, weights = promote_dtypes_inexact(asarray(sample), asarray(weights))
    if ndim_of(sample) != 2:
        raise ValueError(f"histogramdd: sample must be an (N, D) array of N points in D "
                         f"dimensions, got shape {shape_of(sample)} (at {user_frame_str()}).")
    n_points, dims = shape_of(sample)
    if range is not None and (len(range) != dims or any(
            r is not None and np.shape(r)[0] != 2 for r in range)):
        raise ValueError(f"For sample.shape={(n_points, dims)}, range must be a sequence of "
                         f"{dims} pairs or Nones; got range={range}")
    try:
        bins_per_dim = list(bins)
    except TypeError:
        bins_per_dim = dims * [bins]    # one number of bins for every dimension
    else:
        if len(bins_per_dim) != dims:
            raise ValueError(f"histogramdd: should be a bin for each dimension, got "
                             f"{len(bins_per_dim)} for {dims} dimensions.")
    # Each dimension's bins 0 and n+1 hold the values below and above its edges; the flat
    # bin of a point is its row-major index over those padded bin counts.
    flat_index, edges_per_dim, shape = None, [], []
    for i in builtins.range(dims):
        column = lax.index_in_dim(sample, i, axis=1, keepdims=False)
        edges = _bin_edges("histogramdd", column, bins_per_dim[i],
                           None if range is None else range[i])
        n = shape_of(edges)[0]
        index = searchsorted(edges, column, side="right")
        last = lax.index_in_dim(edges, n - 1, keepdims=False)
        index = where(equal(column, last), subtract(index, 1), index)
        index = lax.clamp(np.array(0, dtype_of(index)), index, np.array(n, dtype_of(index)))
        flat_index = index if flat_index is None else add(
            lax.mul(flat_index, np.array(n + 1, dtype_of(index))), index)
        edges_per_dim.append(edges)
        shape.append(n + 1)
    counts = reshape(bincount(flat_index, weights, length=math.prod(shape)), tuple(shape))
    counts = lax.slice(counts, (1,) * dims, tuple(s - 1 for s in shape))
    if density:
        counts = lax.convert_element_type(counts, dtype_of(sample))
        counts = divide(counts, sum(counts))
        for i, edges in enumerate(edges_per_dim):
            widths = diff(edges)
            counts = divide(counts, reshape(widths, tuple(
                -1 if d == i else 1 for d in builtins.range(dims))))
    return counts, edges_per_dim


def _static_length(x) -> int:
    """``bincount``'s default length: the largest value of ``x`` plus one."""
    value = x.to_concrete_value() if isinstance(x, Tracer) else np.asarray(x)
    if value is None:
        raise ConcretizationTypeError(
            x, "It arose in the argument 'x' of jnp.bincount: without a static `length`, "
               "the output's length is the largest value of x plus one, which depends on "
               "the values. Pass a static length= (values at or past it are dropped).\n")
    return int(np.max(value)) + 1 if value.size else 0


def bincount(x: ArrayLike, weights: ArrayLike | None = None, minlength: int = 0, *,
             length: int | None = None, out_sharding: OutSharding = None):
    """How often each non-negative integer occurs in the 1-D ``x`` (or the sum of the
    ``weights`` at its occurrences): ``counts[i]`` for ``i < length``.

    ``length`` defaults to ``max(minlength, x.max() + 1)``, which needs concrete values:
    under ``jit``/``vmap``/``grad`` pass a static ``length``.  Negative values count in
    bin 0 and values at or past ``length`` are dropped, as in JAX.

    >>> jnp.bincount(jnp.array([1, 1, 3, 0, 3, 3]))
    Array([1, 2, 0, 3], dtype=int32)
    >>> jnp.bincount(jnp.array([1, 4]), weights=jnp.array([0.5, 2.]), length=3)
    Array([0. , 0.5, 0. ], dtype=float32)
    """
    check_arraylike("bincount", x)
    x = ensure_array(x)
    if _dtypes.is_bool(dtype_of(x)):
        x = lax.convert_element_type(x, np.int32)
    if not _dtypes.is_integer(dtype_of(x)):
        raise TypeError(f"x argument to bincount must have an integer type; got "
                        f"{dtype_of(x)} (at {user_frame_str()}).")
    if ndim_of(x) != 1:
        raise ValueError(f"bincount: only 1-dimensional input supported, got x of shape "
                         f"{shape_of(x)} (at {user_frame_str()}).")
    minlength = operator.index(concrete_static("bincount", "minlength", minlength))
    if length is None:
        length = builtins.max(minlength, _static_length(x))
    else:
        length = operator.index(concrete_static("bincount", "length", length))
    if weights is None:
        weights = np.array(1, _dtypes.default_int_dtype())
    else:
        check_arraylike("bincount", weights)
        if shape_of(weights) != shape_of(x):
            raise ValueError(f"bincount: weights must have the shape of x, got "
                             f"{shape_of(weights)} and {shape_of(x)} (at {user_frame_str()}).")
    if out_sharding is not None and not is_replicated(
            canonical_out_sharding("zenax.numpy.bincount", out_sharding)):
        raise ShardingTypeError(f"zenax.numpy.bincount: `out_sharding` can only be fully "
                                f"replicated, got {out_sharding}.")
    index = lax.max(x, np.zeros((), dtype_of(x)))
    out = at(zeros(length, dtype_of(weights)))[index].add(weights, mode="drop")
    return out_sharded("zenax.numpy.bincount", out, out_sharding)

__all__ = ["bincount", "histogram", "histogram2d", "histogram_bin_edges", "histogramdd"]
