"""Shape primitives: broadcast, reshape, transpose, squeeze, concatenate, pad, slice,
rev and iota -- everything that moves elements without computing on them."""
from __future__ import annotations

import math
from typing import Sequence

import jax

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, bind, get_aval

from .registry import canonical_axes, register, same_dtype, type_error

lax = jax.lax

# --------------------------------------------------------------------------- broadcast_in_dim
broadcast_in_dim_p = Primitive("broadcast_in_dim")


def _broadcast_in_dim_abstract_eval(x, *, shape, broadcast_dimensions):
    if len(broadcast_dimensions) != x.ndim:
        raise type_error(f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must "
                         f"have one entry per operand dimension (operand shape {x.shape}).")
    for i, d in enumerate(broadcast_dimensions):
        if not 0 <= d < len(shape) or x.shape[i] not in (1, shape[d]):
            raise type_error(f"broadcast_in_dim: operand shape {x.shape} cannot be broadcast "
                             f"to {shape} with broadcast_dimensions {broadcast_dimensions}.")
    if list(broadcast_dimensions) != sorted(set(broadcast_dimensions)):
        raise type_error("broadcast_in_dim: broadcast_dimensions must be strictly increasing, "
                         f"got {broadcast_dimensions}.")
    return ShapedArray(shape, x.dtype, x.weak_type)


register(broadcast_in_dim_p, _broadcast_in_dim_abstract_eval,
         lambda x, *, shape, broadcast_dimensions: lax.broadcast_in_dim(x, shape,
                                                                        broadcast_dimensions))

# --------------------------------------------------------------------------- reshape
reshape_p = Primitive("reshape")


def _reshape_abstract_eval(x, *, new_sizes, dimensions):
    if math.prod(new_sizes) != x.size:
        raise type_error(f"reshape: cannot reshape an array of shape {x.shape} "
                         f"(size {x.size}) into shape {new_sizes} (size {math.prod(new_sizes)}).")
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


register(reshape_p, _reshape_abstract_eval,
         lambda x, *, new_sizes, dimensions: lax.reshape(x, new_sizes, dimensions))

# --------------------------------------------------------------------------- transpose
transpose_p = Primitive("transpose")


def _transpose_abstract_eval(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise type_error(f"transpose: permutation {permutation} is not a permutation of the "
                         f"operand's {x.ndim} axes (shape {x.shape}).")
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


register(transpose_p, _transpose_abstract_eval,
         lambda x, *, permutation: lax.transpose(x, permutation))

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

# --------------------------------------------------------------------------- rev
rev_p = Primitive("rev")


def _rev_abstract_eval(x, *, dimensions):
    canonical_axes("rev", dimensions, x.ndim)
    return x


register(rev_p, _rev_abstract_eval, lambda x, *, dimensions: lax.rev(x, dimensions))

# --------------------------------------------------------------------------- iota
iota_p = Primitive("iota")


def _iota_abstract_eval(*, dtype, shape, dimension):
    if not 0 <= dimension < len(shape):
        raise type_error(f"iota: dimension {dimension} is out of bounds for shape {shape}.")
    return ShapedArray(shape, dtype)


register(iota_p, _iota_abstract_eval,
         lambda *, dtype, shape, dimension: lax.broadcasted_iota(dtype, shape, dimension))


# =========================================================================== public API

def _tuple_of_ints(name, xs):
    try:
        return tuple(int(x) for x in xs)
    except TypeError:
        raise type_error(f"{name}: expected a sequence of Python ints (static values), got "
                         f"{xs!r}. Shapes must be known at trace time.") from None


def broadcast_in_dim(operand, shape: Sequence[int], broadcast_dimensions: Sequence[int]):
    """Broadcast ``operand`` to ``shape``; operand axis i becomes axis broadcast_dimensions[i].

    >>> broadcast_in_dim(jnp.ones(3), (2, 3), (1,)).shape
    (2, 3)
    """
    shape = _tuple_of_ints("broadcast_in_dim", shape)
    dims = _tuple_of_ints("broadcast_in_dim", broadcast_dimensions)
    aval = get_aval(operand)
    if aval.shape == shape and dims == tuple(range(len(shape))):
        return operand
    return bind(broadcast_in_dim_p, operand, shape=shape, broadcast_dimensions=dims)


def broadcast(operand, sizes: Sequence[int]):
    """Add leading dimensions of the given sizes."""
    ndim = get_aval(operand).ndim
    sizes = _tuple_of_ints("broadcast", sizes)
    shape = sizes + get_aval(operand).shape
    return broadcast_in_dim(operand, shape, tuple(range(len(sizes), len(sizes) + ndim)))


def broadcast_to_rank(x, rank: int):
    aval = get_aval(x)
    if aval.ndim >= rank:
        return x
    return broadcast(x, (1,) * (rank - aval.ndim))


def reshape(operand, new_sizes: Sequence[int], dimensions: Sequence[int] | None = None):
    """Reshape ``operand`` (after transposing by ``dimensions`` if given)."""
    new_sizes = _tuple_of_ints("reshape", new_sizes)
    aval = get_aval(operand)
    if dimensions is not None:
        dimensions = tuple(int(d) for d in dimensions)
        if dimensions == tuple(range(aval.ndim)):
            dimensions = None
    if aval.shape == new_sizes and dimensions is None:
        return operand
    return bind(reshape_p, operand, new_sizes=new_sizes, dimensions=dimensions)


def transpose(operand, permutation: Sequence[int]):
    permutation = _tuple_of_ints("transpose", permutation)
    if permutation == tuple(range(len(permutation))) and get_aval(operand).ndim == len(permutation):
        return operand
    return bind(transpose_p, operand, permutation=permutation)


def squeeze(array, dimensions: Sequence[int]):
    ndim = get_aval(array).ndim
    dims = tuple(sorted(canonical_axes("squeeze", _tuple_of_ints("squeeze", dimensions), ndim)))
    if not dims:
        return array
    return bind(squeeze_p, array, dimensions=dims)


def expand_dims(array, dimensions: Sequence[int]):
    """Insert size-1 axes at ``dimensions`` (lowered as broadcast_in_dim, as in JAX)."""
    aval = get_aval(array)
    ndim_out = aval.ndim + len(dimensions)
    dims = sorted(d % ndim_out for d in _tuple_of_ints("expand_dims", dimensions))
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
    start = _tuple_of_ints("slice", start_indices)
    limit = _tuple_of_ints("slice", limit_indices)
    strides = None if strides is None else _tuple_of_ints("slice", strides)
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
    return bind(rev_p, operand, dimensions=_tuple_of_ints("rev", dimensions))


def iota(dtype, size: int):
    """``[0, 1, ..., size-1]`` of ``dtype``."""
    return broadcasted_iota(dtype, (int(size),), 0)


def broadcasted_iota(dtype, shape: Sequence[int], dimension: int):
    dtype = dtypes.canonicalize_dtype(dtype)
    return bind(iota_p, dtype=dtype, shape=_tuple_of_ints("iota", shape), dimension=int(dimension))


def collapse(operand, start_dimension: int, stop_dimension: int | None = None):
    shape = get_aval(operand).shape
    stop = len(shape) if stop_dimension is None else stop_dimension
    size = math.prod(shape[start_dimension:stop])
    return reshape(operand, shape[:start_dimension] + (size,) + shape[stop:])
