"""Segment reductions (``jax.ops``): ``segment_sum``, ``segment_prod``, ``segment_max``,
``segment_min``.

``segment_op(data, segment_ids)[k]`` combines the rows ``data[i]`` whose
``segment_ids[i] == k``.  Each is one scatter (add, mul, max, min) of ``data`` into an
array of ``num_segments`` rows that starts at the operation's identity (0, 1, the
dtype's lowest or highest value), so segments that receive nothing keep that identity,
and ids outside ``[0, num_segments)`` are dropped (``mode`` defaults to fill-or-drop).
Derivatives, ``vmap`` and ``jit`` come from the scatter primitives' rules.

``bucket_size`` trades memory for accuracy: the rows are first combined within buckets
of that many consecutive rows (one extra leading axis of partial results), then the
partial results are reduced, which keeps long float sums and products from piling up
rounding error in one accumulator.
"""
from __future__ import annotations

import math
import operator
from typing import Callable

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.core import Tracer
from zenax.tracer.errors import ConcretizationTypeError

from . import reductions
from .creation import full
from .indexing import scatter_update
from .promotion import ArrayLike, asarray, check_arraylike, dtype_of, shape_of

__all__ = ["segment_max", "segment_min", "segment_prod", "segment_sum"]


def _identity(scatter_op: Callable, dtype: np.dtype):
    """The value a segment holds when no row lands in it."""
    if scatter_op is lax.scatter_add:
        return 0
    if scatter_op is lax.scatter_mul:
        return 1
    lowest = scatter_op is lax.scatter_max
    if _dtypes.is_bool(dtype):
        return not lowest
    if _dtypes.is_integer(dtype):
        info = np.iinfo(dtype)
        return info.min if lowest else info.max
    return -np.inf if lowest else np.inf


def _num_segments(name: str, num_segments, segment_ids) -> int:
    """``num_segments`` as a Python int: given, or one more than the largest id (which
    must then be known while tracing: it sets the output's shape)."""
    if num_segments is None:
        ids = segment_ids
        if isinstance(ids, Tracer):
            ids = ids.to_concrete_value()
            if ids is None:
                raise ConcretizationTypeError(
                    segment_ids, f"It arose in {name}: without `num_segments` the number of "
                    "segments is read from the largest of the traced `segment_ids`. Pass "
                    f"num_segments=... (a Python int) to {name}.\n")
        num_segments = int(np.max(np.asarray(ids))) + 1
    if isinstance(num_segments, Tracer):
        value = num_segments.to_concrete_value()
        if value is None:
            raise ConcretizationTypeError(
                num_segments, f"It arose in the {name} argument `num_segments`, which sets "
                "the output's shape and so must be a Python int.\n")
        num_segments = value
    num_segments = operator.index(num_segments)
    if num_segments < 0:
        raise ValueError(f"{name}: num_segments must be non-negative, got {num_segments}.")
    return num_segments


def _segment_update(name: str, data: ArrayLike, segment_ids: ArrayLike,
                    scatter_op: Callable, reducer: Callable, num_segments: int | None,
                    indices_are_sorted: bool, unique_indices: bool, bucket_size: int | None,
                    mode) -> ArrayLike:
    check_arraylike(name, data, segment_ids)
    mode = lax.GatherScatterMode.FILL_OR_DROP if mode is None else mode
    n = _num_segments(name, num_segments, segment_ids)
    data, segment_ids = asarray(data), asarray(segment_ids)
    dtype = dtype_of(data)
    kwargs = dict(indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                  mode=mode, normalize_indices=False)
    if bucket_size is None:
        out = full((n,) + shape_of(data)[1:], _identity(scatter_op, dtype), dtype)
        return scatter_update(out, segment_ids, data, scatter_op, **kwargs)
    n_ids = math.prod(shape_of(segment_ids))
    num_buckets = -(-n_ids // bucket_size)
    out = full((num_buckets, n) + shape_of(data)[1:], _identity(scatter_op, dtype), dtype)
    bucket = lax.iota(np.dtype(np.int32), shape_of(segment_ids)[0]) // bucket_size
    out = scatter_update(out, (bucket, segment_ids[None, :]), data, scatter_op, **kwargs)
    return reducer(out, axis=0).astype(dtype)


def segment_sum(data: ArrayLike, segment_ids: ArrayLike, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode=None, out_sharding=None) -> ArrayLike:
    """Sum the rows of ``data`` that share a segment id: ``out[k]`` adds every
    ``data[i]`` with ``segment_ids[i] == k`` (0 where there is none).

    ``num_segments`` (default: the largest id plus one, which must then be concrete)
    sets the output's length; ids outside ``[0, num_segments)`` are dropped.
    ``indices_are_sorted`` and ``unique_indices`` promise properties of the ids for
    faster code; ``bucket_size`` sums in buckets of that many rows first; ``mode`` is the
    scatter's out-of-bounds mode.

    >>> zenax.ops.segment_sum(jnp.arange(5.0), jnp.array([0, 0, 1, 1, 2]), num_segments=4)
    Array([1., 5., 4., 0.], dtype=float32)
    """
    _check_out_sharding("segment_sum", out_sharding)
    return _segment_update("segment_sum", data, segment_ids, lax.scatter_add, reductions.sum,
                           num_segments, indices_are_sorted, unique_indices, bucket_size, mode)


def segment_prod(data: ArrayLike, segment_ids: ArrayLike, num_segments: int | None = None,
                 indices_are_sorted: bool = False, unique_indices: bool = False,
                 bucket_size: int | None = None, mode=None, out_sharding=None) -> ArrayLike:
    """Multiply the rows of ``data`` that share a segment id (1 for an empty segment);
    the arguments are :func:`segment_sum`'s.

    >>> zenax.ops.segment_prod(jnp.arange(1.0, 6.0), jnp.array([0, 0, 1, 1, 2]))
    Array([ 2., 12.,  5.], dtype=float32)
    """
    _check_out_sharding("segment_prod", out_sharding)
    return _segment_update("segment_prod", data, segment_ids, lax.scatter_mul,
                           reductions.prod, num_segments, indices_are_sorted, unique_indices,
                           bucket_size, mode)


def segment_max(data: ArrayLike, segment_ids: ArrayLike, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode=None, out_sharding=None) -> ArrayLike:
    """The largest row of ``data`` per segment id (the dtype's lowest value, -inf for
    floats, for an empty segment); the arguments are :func:`segment_sum`'s.

    >>> zenax.ops.segment_max(jnp.array([3, 1, 4, 1, 5]), jnp.array([0, 0, 1, 1, 2]))
    Array([3, 4, 5], dtype=int32)
    """
    _check_out_sharding("segment_max", out_sharding)
    return _segment_update("segment_max", data, segment_ids, lax.scatter_max, reductions.max,
                           num_segments, indices_are_sorted, unique_indices, bucket_size, mode)


def segment_min(data: ArrayLike, segment_ids: ArrayLike, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode=None, out_sharding=None) -> ArrayLike:
    """The smallest row of ``data`` per segment id (the dtype's highest value, inf for
    floats, for an empty segment); the arguments are :func:`segment_sum`'s.

    >>> zenax.ops.segment_min(jnp.array([3, 1, 4, 1, 5]), jnp.array([0, 0, 1, 1, 2]))
    Array([1, 1, 5], dtype=int32)
    """
    _check_out_sharding("segment_min", out_sharding)
    return _segment_update("segment_min", data, segment_ids, lax.scatter_min, reductions.min,
                           num_segments, indices_are_sorted, unique_indices, bucket_size, mode)


def _check_out_sharding(name: str, out_sharding) -> None:
    # Explicit-sharding outputs are zenax.numpy's issue 20; until then only None is taken.
    if out_sharding is not None:
        raise NotImplementedError(f"{name}: out_sharding is not supported yet; place the "
                                  "result with zenax.sharding.reshard instead.")
