"""Shape primitives: broadcast, reshape, transpose, squeeze, concatenate, pad, slice,
rev and iota -- everything that moves elements without computing on them -- with their
rules.

All but iota are linear (``deflinear``: the jvp applies the op to the tangents) and their
transposes move the cotangent back: squeeze's is a reshape, slice's a pad, pad's a slice,
concatenate's one slice per operand.

``broadcast_in_dim``, ``reshape`` and ``transpose`` are declared in ``broadcasting`` (below
``elementwise``, since every family's rules use them) and re-exported here, so this module
names the whole family.  Pad's transpose needs ``sub``, so this module sits above
``elementwise``.
"""
from __future__ import annotations

import math
from typing import Sequence

import jax

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval

from .broadcasting import (align, batch_size, broadcast_in_dim, broadcast_in_dim_p,  # noqa: F401
                           deflinear, logical_shape, reduce_sum, reshape, reshape_p, transpose,
                           transpose_p, zeros_like_aval)
from .elementwise import select_n, sub
from .sharding_constraint import out_sharded
from .registry import (canonical_axes, const, defjvp_zero, logical_axis_to_physical,
                       primal_aval, register, same_dtype, tuple_of_ints, type_error)

lax = jax.lax

# --------------------------------------------------------------------------- squeeze
squeeze_p = Primitive("squeeze")


def _squeeze_abstract_eval(x, *, dimensions):
    for d in dimensions:
        if not 0 <= d < x.ndim or x.shape[d] != 1:
            raise type_error(f"squeeze: cannot squeeze dimension {d} of an array of shape "
                             f"{x.shape}; only dimensions of size 1 can be squeezed.")
    shape = tuple(s for i, s in enumerate(x.shape) if i not in dimensions)
    return ShapedArray(shape, x.dtype, x.weak_type)


register(squeeze_p, _squeeze_abstract_eval, lambda x, *, dimensions: lax.squeeze(x, dimensions))


def _squeeze_transpose(ct, x, *, dimensions):
    return [reshape(ct, x.aval.shape)]


def _squeeze_batch(args, dims, *, dimensions):
    (x,), (bdim,) = args, dims
    phys = tuple(logical_axis_to_physical(d, bdim) for d in dimensions)
    return squeeze(x, phys), bdim - sum(d < bdim for d in phys)


deflinear(squeeze_p, _squeeze_transpose)
batch_rules[squeeze_p] = _squeeze_batch

# --------------------------------------------------------------------------- concatenate
concatenate_p = Primitive("concatenate")


def _concatenate_abstract_eval(*xs, dimension):
    if not xs:
        raise type_error("concatenate: need at least one operand.")
    dtype = same_dtype("concatenate", *xs)
    x0 = xs[0]
    if not 0 <= dimension < x0.ndim:
        raise type_error(f"concatenate: dimension {dimension} is out of bounds for operands "
                         f"of rank {x0.ndim}.")
    for x in xs:
        if x.ndim != x0.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, x0.shape))
                                    if i != dimension):
            raise type_error("concatenate: operands must have equal shapes except in "
                             f"dimension {dimension}, got {[x.shape for x in xs]}.")
    shape = list(x0.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return ShapedArray(shape, dtype, all(x.weak_type for x in xs))


register(concatenate_p, _concatenate_abstract_eval,
         lambda *xs, dimension: lax.concatenate(xs, dimension))


def _concatenate_transpose(ct, *xs, dimension):
    out, start = [], 0
    for x in xs:
        size = primal_aval(x).shape[dimension]
        if is_undefined_primal(x):
            out.append(Zero(x.aval) if type(ct) is Zero
                       else slice_in_dim(ct, start, start + size, 1, dimension))
        else:
            out.append(None)
        start += size
    return out


def _concatenate_batch(args, dims, *, dimension):
    size = batch_size(args, dims)
    target = next(d for d in dims if d is not not_mapped)
    xs = [align(x, d, size, logical_shape(x, d), target) for x, d in zip(args, dims)]
    return concatenate(xs, logical_axis_to_physical(dimension, target)), target


deflinear(concatenate_p, _concatenate_transpose)
batch_rules[concatenate_p] = _concatenate_batch

# --------------------------------------------------------------------------- pad
pad_p = Primitive("pad")


def _pad_abstract_eval(x, padding_value, *, padding_config):
    same_dtype("pad", x, padding_value)
    if padding_value.ndim:
        raise type_error("pad: padding_value must be a scalar.")
    if len(padding_config) != x.ndim:
        raise type_error(f"pad: padding_config needs one (low, high, interior) triple per "
                         f"dimension of the operand (shape {x.shape}), got {padding_config}.")
    shape = []
    for d, (lo, hi, interior) in zip(x.shape, padding_config):
        if interior < 0:
            raise type_error(f"pad: interior padding must be non-negative, got {interior}.")
        size = lo + hi + d + max(d - 1, 0) * interior
        if size < 0:
            raise type_error(f"pad: padding {padding_config} gives a negative dimension.")
        shape.append(size)
    return ShapedArray(shape, x.dtype, x.weak_type)


register(pad_p, _pad_abstract_eval,
         lambda x, v, *, padding_config: lax.pad(x, v, padding_config))


def _pad_transpose(ct, x, padding_value, *, padding_config):
    lo_hi = tuple((-lo, -hi, 0) for lo, hi, _ in padding_config)
    unpadded = pad(ct, const(ct, 0), lo_hi)
    strides = tuple(i + 1 for _, _, i in padding_config)
    t_x = slice(unpadded, (0,) * len(strides), get_aval(unpadded).shape, strides)
    out = [t_x if is_undefined_primal(x) else None]
    if is_undefined_primal(padding_value):
        all_axes = tuple(range(get_aval(ct).ndim))
        out.append(sub(reduce_sum(ct, all_axes), reduce_sum(t_x, all_axes)))
    else:
        out.append(None)
    return out


def _pad_batch(args, dims, *, padding_config):
    (x, pv), (x_dim, pv_dim) = args, dims
    size = batch_size(args, dims)
    target = 0 if x_dim is not_mapped else x_dim
    x = align(x, x_dim, size, logical_shape(x, x_dim), target)
    config = list(padding_config)
    config.insert(target, (0, 0, 0))
    if pv_dim is not_mapped:
        return pad(x, pv, tuple(config)), target
    # A batched padding value: pad with zero, then fill the padding per batch element.
    padded = pad(x, np.zeros((), get_aval(x).dtype), tuple(config))
    inside = broadcast_in_dim(np.array(True), get_aval(x).shape, ())
    mask = pad(inside, np.array(False), tuple(config))
    fill = broadcast_in_dim(pv, get_aval(padded).shape, (target,))
    return select_n(mask, fill, padded), target


deflinear(pad_p, _pad_transpose)
batch_rules[pad_p] = _pad_batch

# --------------------------------------------------------------------------- slice
slice_p = Primitive("slice")


def _slice_abstract_eval(x, *, start_indices, limit_indices, strides):
    strides = strides or (1,) * x.ndim
    if not (len(start_indices) == len(limit_indices) == len(strides) == x.ndim):
        raise type_error(f"slice: start_indices {start_indices}, limit_indices {limit_indices} "
                         f"and strides must each have one entry per dimension of {x.shape}.")
    shape = []
    for d, lo, hi, st in zip(x.shape, start_indices, limit_indices, strides):
        if not 0 <= lo <= hi <= d or st < 1:
            raise type_error(f"slice: indices {start_indices}..{limit_indices} (strides "
                             f"{strides}) are out of bounds for an array of shape {x.shape}.")
        shape.append(-(-(hi - lo) // st))
    return ShapedArray(shape, x.dtype, x.weak_type)


register(slice_p, _slice_abstract_eval,
         lambda x, *, start_indices, limit_indices, strides:
         lax.slice(x, start_indices, limit_indices, strides))


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
    shape = x.aval.shape
    strides = strides or (1,) * len(shape)
    out_shape = get_aval(ct).shape
    real_limits = [s + (o - 1) * st + 1 if o else s
                   for s, o, st in zip(start_indices, out_shape, strides)]
    config = [(s, d - r, st - 1) for s, d, r, st in zip(start_indices, shape, real_limits, strides)]
    if any(o == 0 for o in out_shape):
        return [zeros_like_aval(x.aval)]
    return [pad(ct, const(ct, 0), config)]


def _slice_batch(args, dims, *, start_indices, limit_indices, strides):
    (x,), (bdim,) = args, dims
    size = get_aval(x).shape[bdim]
    start = list(start_indices)
    limit = list(limit_indices)
    start.insert(bdim, 0)
    limit.insert(bdim, size)
    if strides is not None:
        strides = list(strides)
        strides.insert(bdim, 1)
    return slice(x, start, limit, strides), bdim


deflinear(slice_p, _slice_transpose)
batch_rules[slice_p] = _slice_batch

# --------------------------------------------------------------------------- rev
rev_p = Primitive("rev")


def _rev_abstract_eval(x, *, dimensions):
    canonical_axes("rev", dimensions, x.ndim, TypeError)
    return x


register(rev_p, _rev_abstract_eval, lambda x, *, dimensions: lax.rev(x, dimensions))


def _rev_transpose(ct, x, *, dimensions):
    return [rev(ct, dimensions)]


def _rev_batch(args, dims, *, dimensions):
    (x,), (bdim,) = args, dims
    return rev(x, tuple(logical_axis_to_physical(d, bdim) for d in dimensions)), bdim


deflinear(rev_p, _rev_transpose)
batch_rules[rev_p] = _rev_batch

# --------------------------------------------------------------------------- iota
iota_p = Primitive("iota")


def _iota_abstract_eval(*, dtype, shape, dimension):
    if not 0 <= dimension < len(shape):
        raise type_error(f"iota: dimension {dimension} is out of bounds for shape {shape}.")
    return ShapedArray(shape, dtype)


register(iota_p, _iota_abstract_eval,
         lambda *, dtype, shape, dimension: lax.broadcasted_iota(dtype, shape, dimension))
defjvp_zero(iota_p)     # no operands, so no batching rule either


# =========================================================================== public API

def broadcast(operand, sizes: Sequence[int], *, out_sharding=None):
    """Add leading dimensions of the given sizes."""
    ndim = get_aval(operand).ndim
    sizes = tuple_of_ints("broadcast", sizes)
    shape = sizes + get_aval(operand).shape
    out = broadcast_in_dim(operand, shape, tuple(range(len(sizes), len(sizes) + ndim)))
    return out_sharded("zenax.lax.broadcast", out, out_sharding)


def broadcast_to_rank(x, rank: int):
    aval = get_aval(x)
    if aval.ndim >= rank:
        return x
    return broadcast(x, (1,) * (rank - aval.ndim))


def squeeze(array, dimensions: Sequence[int]):
    ndim = get_aval(array).ndim
    dims = tuple(sorted(canonical_axes("squeeze", tuple_of_ints("squeeze", dimensions), ndim)))
    if not dims:
        return array
    return bind(squeeze_p, array, dimensions=dims)


def expand_dims(array, dimensions: Sequence[int]):
    """Insert size-1 axes at ``dimensions`` (lowered as broadcast_in_dim, as in JAX)."""
    aval = get_aval(array)
    ndim_out = aval.ndim + len(dimensions)
    dims = sorted(d % ndim_out for d in tuple_of_ints("expand_dims", dimensions))
    shape = list(aval.shape)
    for d in dims:
        shape.insert(d, 1)
    kept = tuple(i for i in range(ndim_out) if i not in dims)
    return broadcast_in_dim(array, tuple(shape), kept)


def concatenate(operands: Sequence, dimension: int):
    operands = list(operands)
    if len(operands) == 1:
        return operands[0]
    return bind(concatenate_p, *operands, dimension=int(dimension))


def pad(operand, padding_value, padding_config):
    """Pad with ``(low, high, interior)`` per dimension; negative low/high crop."""
    config = tuple((int(lo), int(hi), int(i)) for lo, hi, i in padding_config)
    return bind(pad_p, operand, padding_value, padding_config=config)


def slice(operand, start_indices, limit_indices, strides=None):
    start = tuple_of_ints("slice", start_indices)
    limit = tuple_of_ints("slice", limit_indices)
    strides = None if strides is None else tuple_of_ints("slice", strides)
    return bind(slice_p, operand, start_indices=start, limit_indices=limit, strides=strides)


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    aval = get_aval(operand)
    axis = axis % aval.ndim
    start = [0] * aval.ndim
    limit = list(aval.shape)
    strides = [1] * aval.ndim
    size = aval.shape[axis]
    start_index = 0 if start_index is None else start_index
    limit_index = size if limit_index is None else limit_index
    start[axis] = start_index + size if start_index < 0 else start_index
    limit[axis] = limit_index + size if limit_index < 0 else limit_index
    strides[axis] = stride
    return slice(operand, start, limit, strides)


def index_in_dim(operand, index, axis=0, keepdims=True):
    size = get_aval(operand).shape[axis]
    index = index + size if index < 0 else index
    out = slice_in_dim(operand, index, index + 1, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


def rev(operand, dimensions: Sequence[int]):
    return bind(rev_p, operand, dimensions=tuple_of_ints("rev", dimensions))


def iota(dtype, size: int):
    """``[0, 1, ..., size-1]`` of ``dtype``."""
    return broadcasted_iota(dtype, (int(size),), 0)


def broadcasted_iota(dtype, shape: Sequence[int], dimension: int, *, out_sharding=None):
    dtype = dtypes.canonicalize_dtype(dtype)
    out = bind(iota_p, dtype=dtype, shape=tuple_of_ints("iota", shape), dimension=int(dimension))
    return out_sharded("zenax.lax.broadcasted_iota", out, out_sharding)


def collapse(operand, start_dimension: int, stop_dimension: int | None = None):
    shape = get_aval(operand).shape
    stop = len(shape) if stop_dimension is None else stop_dimension
    size = math.prod(shape[start_dimension:stop])
    return reshape(operand, shape[:start_dimension] + (size,) + shape[stop:])
