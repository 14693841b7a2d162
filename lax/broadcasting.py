"""The four primitives that every rule uses to put a value into shape -- ``broadcast_in_dim``,
``reduce_sum``, ``reshape`` and ``transpose`` -- with all their rules, and the helpers built
on them alone.

Why they sit apart from their families (``shapes``, ``reductions``): they transpose into
each other -- ``broadcast_in_dim``'s transpose is a ``reduce_sum``, ``reduce_sum``'s is a
``broadcast_in_dim``, ``reshape`` and ``transpose`` transpose to themselves -- and the other
families' rules all need them: an elementwise transpose sums a cotangent back down to a
scalar operand, a batching rule moves or broadcasts a batch axis, a symbolic zero becomes
an array.  With them at the bottom, each module's rules use only the modules below it::

    registry <- broadcasting <- elementwise <- shapes <- reductions <- matmul

``shapes`` and ``reductions`` re-export these primitives, so each family's module still
names all of its ops (``sh.reshape``, ``red.reduce_sum``).
"""
from __future__ import annotations

import math
from typing import Sequence

import jax
import numpy as np

from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, jvp_rules, transpose_rules

from .registry import (NUM, bind_reducer, reducer, register, tangent_aval, tuple_of_ints,
                       type_error)

lax = jax.lax


# --------------------------------------------------------------------------- value helpers

def zeros_like_aval(aval: ShapedArray):
    return broadcast_in_dim(np.zeros((), aval.dtype), aval.shape, ())


def instantiate(t):
    """A concrete zero array for a symbolic Zero; other values pass through."""
    if type(t) is Zero:
        return zeros_like_aval(t.aval)
    return t


def broadcast_to_aval(t, aval: ShapedArray):
    """Broadcast a rank-0 tangent to ``aval``'s shape (lax ops broadcast scalars)."""
    t_aval = get_aval(t)
    if t_aval.shape != aval.shape:
        t = broadcast_in_dim(t, aval.shape, ())
    return t


def deflinear(prim: Primitive, transpose_rule) -> None:
    """A primitive linear in all its operands (with one result or several): its jvp
    applies it to the tangents."""
    def rule(primals, tangents, **params):
        out = bind(prim, *primals, **params)
        if all(type(t) is Zero for t in tangents):
            if prim.multiple_results:
                return out, [Zero(tangent_aval(get_aval(o))) for o in out]
            return out, Zero(tangent_aval(get_aval(out)))
        tangents = [instantiate(t) for t in tangents]
        return out, bind(prim, *tangents, **params)
    jvp_rules[prim] = rule
    transpose_rules[prim] = transpose_rule


# --------------------------------------------------------------------------- batching helpers

def moveaxis(x, src: int, dst: int):
    """Move axis ``src`` of ``x`` to position ``dst``."""
    ndim = get_aval(x).ndim
    src, dst = src % ndim, dst % ndim
    if src == dst:
        return x
    perm = [i for i in range(ndim) if i != src]
    perm.insert(dst, src)
    return transpose(x, tuple(perm))


def bdim_at_front(x, bdim, size: int):
    """``x`` with its batch dimension first (broadcast to ``size`` if unmapped)."""
    if bdim is not_mapped:
        aval = get_aval(x)
        return broadcast_in_dim(x, (size,) + aval.shape, tuple(range(1, aval.ndim + 1)))
    return moveaxis(x, bdim, 0)


def batch_size(args, dims) -> int:
    return next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)


def logical_shape(x, bdim) -> tuple:
    """The shape of ``x`` as one batch element sees it."""
    shape = get_aval(x).shape
    return shape if bdim is not_mapped else shape[:bdim] + shape[bdim + 1:]


def align(x, bdim, size: int, shape: tuple, target: int):
    """``x`` (one element: ``shape``, or a scalar to broadcast to it) as an array of
    ``shape`` batched along axis ``target``.  Moves or broadcasts only what differs."""
    full = shape[:target] + (size,) + shape[target:]
    scalar = logical_shape(x, bdim) == () and shape != ()
    if bdim is not_mapped:
        dims = () if scalar else tuple(i for i in range(len(full)) if i != target)
        return broadcast_in_dim(x, full, dims)
    if scalar:
        return broadcast_in_dim(x, full, (target,))
    return moveaxis(x, bdim, target)


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


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions):
    in_shape = x.aval.shape
    unit_dims = tuple(i for i, d in enumerate(in_shape) if d == 1 and shape[broadcast_dimensions[i]] != 1)
    sum_dims = tuple(i for i in range(len(shape)) if i not in broadcast_dimensions)
    sum_dims += tuple(broadcast_dimensions[i] for i in unit_dims)
    out = reduce_sum(ct, tuple(sorted(sum_dims)))
    return [reshape(out, in_shape)]


def _broadcast_in_dim_batch(args, dims, *, shape, broadcast_dimensions):
    (x,), (bdim,) = args, dims
    size = get_aval(x).shape[bdim]
    # The batch axis goes right after the output axis of the operand axis before it, so
    # broadcast_dimensions stay increasing and nothing moves.
    out_bdim = broadcast_dimensions[bdim - 1] + 1 if bdim > 0 else 0
    bcast = [d + (d >= out_bdim) for d in broadcast_dimensions]
    bcast.insert(bdim, out_bdim)
    shape = tuple(shape[:out_bdim]) + (size,) + tuple(shape[out_bdim:])
    return broadcast_in_dim(x, shape, tuple(bcast)), out_bdim


deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)
batch_rules[broadcast_in_dim_p] = _broadcast_in_dim_batch

# --------------------------------------------------------------------------- reduce_sum
reduce_sum_p = reducer("reduce_sum", NUM, lax.reduce_sum)


def _reduce_sum_transpose(ct, x, *, axes):
    kept = tuple(i for i in range(x.aval.ndim) if i not in axes)
    return [broadcast_in_dim(ct, x.aval.shape, kept)]


deflinear(reduce_sum_p, _reduce_sum_transpose)     # batching rule: registered by reducer()

# --------------------------------------------------------------------------- reshape
reshape_p = Primitive("reshape")


def _reshape_abstract_eval(x, *, new_sizes, dimensions):
    if math.prod(new_sizes) != x.size:
        raise type_error(f"reshape: cannot reshape an array of shape {x.shape} "
                         f"(size {x.size}) into shape {new_sizes} (size {math.prod(new_sizes)}).")
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


register(reshape_p, _reshape_abstract_eval,
         lambda x, *, new_sizes, dimensions: lax.reshape(x, new_sizes, dimensions))


def _reshape_transpose(ct, x, *, new_sizes, dimensions):
    if dimensions is None:
        return [reshape(ct, x.aval.shape)]
    # reshape with `dimensions` transposes x first; undo the reshape, then the transpose.
    permuted = tuple(x.aval.shape[d] for d in dimensions)
    return [transpose(reshape(ct, permuted), tuple(np.argsort(dimensions)))]


def _reshape_batch(args, dims, *, new_sizes, dimensions):
    x = moveaxis(args[0], dims[0], 0)
    if dimensions is not None:
        x = transpose(x, (0,) + tuple(d + 1 for d in dimensions))
    return reshape(x, (get_aval(x).shape[0],) + tuple(new_sizes)), 0


deflinear(reshape_p, _reshape_transpose)
batch_rules[reshape_p] = _reshape_batch

# --------------------------------------------------------------------------- transpose
transpose_p = Primitive("transpose")


def _transpose_abstract_eval(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise type_error(f"transpose: permutation {permutation} is not a permutation of the "
                         f"operand's {x.ndim} axes (shape {x.shape}).")
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


register(transpose_p, _transpose_abstract_eval,
         lambda x, *, permutation: lax.transpose(x, permutation))


def _transpose_transpose(ct, x, *, permutation):
    return [transpose(ct, tuple(np.argsort(permutation)))]


def _transpose_batch(args, dims, *, permutation):
    (x,), (bdim,) = args, dims
    # Keep the batch dimension where it is: permute the other axes around it.
    logical_to_phys = [a for a in range(len(permutation) + 1) if a != bdim]
    perm = [logical_to_phys[p] for p in permutation]
    perm.insert(bdim, bdim)
    return transpose(x, tuple(perm)), bdim


deflinear(transpose_p, _transpose_transpose)
batch_rules[transpose_p] = _transpose_batch


# =========================================================================== public API

def _out_sharded(fun_name: str, out, out_sharding):
    # Imported here: sharding_constraint builds its primitives on this module.
    from .sharding_constraint import out_sharded
    return out_sharded(fun_name, out, out_sharding)


def broadcast_in_dim(operand, shape: Sequence[int], broadcast_dimensions: Sequence[int], *,
                     out_sharding=None):
    """Broadcast ``operand`` to ``shape``; operand axis i becomes axis broadcast_dimensions[i].

    >>> broadcast_in_dim(jnp.ones(3), (2, 3), (1,)).shape
    (2, 3)
    """
    shape = tuple_of_ints("broadcast_in_dim", shape)
    dims = tuple_of_ints("broadcast_in_dim", broadcast_dimensions)
    aval = get_aval(operand)
    if aval.shape == shape and dims == tuple(range(len(shape))):
        out = operand
    else:
        out = bind(broadcast_in_dim_p, operand, shape=shape, broadcast_dimensions=dims)
    if out_sharding is None:
        return out
    return _out_sharded("zenax.lax.broadcast_in_dim", out, out_sharding)


def reduce_sum(operand, axes: Sequence[int], *, out_sharding=None):
    """Sum over ``axes``. Example: ``lax.reduce_sum(x, (0,))``."""
    out = bind_reducer(reduce_sum_p, operand, axes)
    if out_sharding is None:
        return out
    return _out_sharded("zenax.lax.reduce_sum", out, out_sharding)


def reshape(operand, new_sizes: Sequence[int], dimensions: Sequence[int] | None = None, *,
            out_sharding=None):
    """Reshape ``operand`` (after transposing by ``dimensions`` if given)."""
    new_sizes = tuple_of_ints("reshape", new_sizes)
    aval = get_aval(operand)
    if dimensions is not None:
        dimensions = tuple(int(d) for d in dimensions)
        if dimensions == tuple(range(aval.ndim)):
            dimensions = None
    if aval.shape == new_sizes and dimensions is None:
        out = operand
    else:
        out = bind(reshape_p, operand, new_sizes=new_sizes, dimensions=dimensions)
    if out_sharding is None:
        return out
    return _out_sharded("zenax.lax.reshape", out, out_sharding)


def transpose(operand, permutation: Sequence[int]):
    permutation = tuple_of_ints("transpose", permutation)
    if permutation == tuple(range(len(permutation))) and get_aval(operand).ndim == len(permutation):
        return operand
    return bind(transpose_p, operand, permutation=permutation)
