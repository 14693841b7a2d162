"""Arrays cut into pieces and put back together: ``split`` (pieces of given sizes along an
axis), ``unstack`` (every index of an axis), ``stack`` (the inverse: a new axis) and
``tile`` (copies laid end to end), each a primitive with its rules.

All four only move elements, so each is linear: its jvp applies it to the tangents, and
the transposes pair up -- ``split`` with a concatenation, ``unstack`` with ``stack`` and
back, ``tile`` with a sum over the copies.  Batching renumbers the axis around the
vmapped one.
"""
from __future__ import annotations

from typing import Sequence

import jax

from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval

from . import shapes as sh
from .broadcasting import (batch_size, bdim_at_front, deflinear, instantiate, reduce_sum,
                           reshape)
from .registry import (canonical_axes, register, same_dtype, tuple_of_ints, type_error,
                       value_error)

lax = jax.lax

__all__ = ["split", "split_p", "stack", "stack_p", "tile", "tile_p", "unstack", "unstack_p"]


# --------------------------------------------------------------------------- split
split_p = Primitive("split", multiple_results=True)


def _split_abstract_eval(x, *, sizes, axis):
    if any(s < 0 for s in sizes):
        raise value_error(f"split: sizes must be nonnegative, got {list(sizes)}.")
    if sum(sizes) != x.shape[axis]:
        raise value_error(f"split: the sizes {list(sizes)} sum to {sum(sizes)}, but dimension "
                          f"{axis} of the operand shape {x.shape} has size {x.shape[axis]}.")
    return [x.update(shape=x.shape[:axis] + (s,) + x.shape[axis + 1:]) for s in sizes]


def _split_transpose(cts, x, *, sizes, axis):
    if all(type(ct) is Zero for ct in cts):
        return [Zero(x.aval)]
    return [sh.concatenate([instantiate(ct) for ct in cts], axis)]


def _split_batch(args, dims, *, sizes, axis):
    (x,), (bdim,) = args, dims
    outs = bind(split_p, x, sizes=sizes, axis=axis + (axis >= bdim))
    return outs, [bdim] * len(outs)


register(split_p, _split_abstract_eval,
         lambda x, *, sizes, axis: lax.split(x, sizes, axis=axis))
deflinear(split_p, _split_transpose)
batch_rules[split_p] = _split_batch

# --------------------------------------------------------------------------- stack
stack_p = Primitive("stack")


def _stack_abstract_eval(*xs, axis):
    if not xs:
        raise value_error("stack: expects at least one operand, got 0.")
    if len({x.ndim for x in xs}) != 1:
        raise value_error("stack: cannot stack arrays with different numbers of dimensions: "
                          f"got {', '.join(str(x.shape) for x in xs)}.")
    if len({x.shape for x in xs}) != 1:
        raise value_error("stack: all input arrays must have the same shape, got "
                          f"{', '.join(str(x.shape) for x in xs)}.")
    dtype = same_dtype("stack", *xs)
    shape = xs[0].shape[:axis] + (len(xs),) + xs[0].shape[axis:]
    return ShapedArray(shape, dtype, all(x.weak_type for x in xs))


def _stack_transpose(ct, *xs, axis):
    if type(ct) is Zero:
        return [Zero(x.aval) if is_undefined_primal(x) else None for x in xs]
    return bind(unstack_p, ct, axis=axis)


def _stack_batch(args, dims, *, axis):
    if len(set(dims)) == 1:        # all batched along one axis: stack around it
        bdim = dims[0]
        if axis <= bdim:
            return bind(stack_p, *args, axis=axis), bdim + 1
        return bind(stack_p, *args, axis=axis + 1), bdim
    size = batch_size(args, dims)
    xs = [bdim_at_front(x, d, size) for x, d in zip(args, dims)]
    return bind(stack_p, *xs, axis=axis + 1), 0


register(stack_p, _stack_abstract_eval, lambda *xs, axis: lax.stack(xs, axis=axis))
deflinear(stack_p, _stack_transpose)
batch_rules[stack_p] = _stack_batch

# --------------------------------------------------------------------------- unstack
unstack_p = Primitive("unstack", multiple_results=True)


def _unstack_abstract_eval(x, *, axis):
    if x.ndim == 0:
        raise value_error("unstack: needs an array of rank > 0, got a scalar of shape ().")
    return [x.update(shape=x.shape[:axis] + x.shape[axis + 1:])] * x.shape[axis]


def _unstack_transpose(cts, x, *, axis):
    if all(type(ct) is Zero for ct in cts):
        return [Zero(x.aval)]
    return [bind(stack_p, *[instantiate(ct) for ct in cts], axis=axis)]


def _unstack_batch(args, dims, *, axis):
    (x,), (bdim,) = args, dims
    if axis < bdim:
        outs = bind(unstack_p, x, axis=axis)
        return outs, [bdim - 1] * len(outs)
    outs = bind(unstack_p, x, axis=axis + 1)
    return outs, [bdim] * len(outs)


register(unstack_p, _unstack_abstract_eval,
         lambda x, *, axis: list(lax.unstack(x, axis=axis)))
deflinear(unstack_p, _unstack_transpose)
batch_rules[unstack_p] = _unstack_batch

# --------------------------------------------------------------------------- tile
tile_p = Primitive("tile")


def _tile_abstract_eval(x, *, reps):
    if len(reps) != x.ndim:
        raise type_error(f"tile: reps length must be equal to the ndim of x, got "
                         f"len(reps)={len(reps)} and x.ndim={x.ndim}.")
    if any(r < 0 for r in reps):
        raise type_error(f"tile: reps must be nonnegative, got {reps}.")
    return x.update(shape=tuple(d * r for d, r in zip(x.shape, reps)))


def _tile_transpose(ct, x, *, reps):
    if type(ct) is Zero:
        return [Zero(x.aval)]
    # Each output dimension is (copy, element): sum the copies away.
    shape = x.aval.shape
    split = reshape(ct, tuple(n for pair in zip(reps, shape) for n in pair))
    return [reduce_sum(split, tuple(range(0, 2 * len(shape), 2)))]


def _tile_batch(args, dims, *, reps):
    (x,), (bdim,) = args, dims
    return bind(tile_p, x, reps=reps[:bdim] + (1,) + reps[bdim:]), bdim


register(tile_p, _tile_abstract_eval, lambda x, *, reps: lax.tile(x, reps))
deflinear(tile_p, _tile_transpose)
batch_rules[tile_p] = _tile_batch


# =========================================================================== public API

def split(operand, sizes: Sequence[int], axis: int = 0) -> list:
    """Cut ``operand`` along ``axis`` into consecutive pieces of the given ``sizes``
    (which must add up to that axis's length).

    >>> lax.split(jnp.arange(5), (2, 3))
    [Array([0, 1], dtype=int32), Array([2, 3, 4], dtype=int32)]
    """
    axis, = canonical_axes("split", (axis,), get_aval(operand).ndim)
    return bind(split_p, operand, sizes=tuple_of_ints("split", sizes), axis=axis)


def stack(operands: Sequence, axis: int = 0):
    """Join arrays of one shape and dtype along a new axis ``axis``.

    >>> lax.stack([jnp.array([1, 2]), jnp.array([3, 4])], axis=1)
    Array([[1, 3],
           [2, 4]], dtype=int32)
    """
    operands = list(operands)
    if not operands:
        raise value_error("stack: expects at least one operand, got 0.")
    axis, = canonical_axes("stack", (axis,), get_aval(operands[0]).ndim + 1)
    return bind(stack_p, *operands, axis=axis)


def unstack(x, axis: int = 0) -> tuple:
    """The slices of ``x`` at each index of ``axis``, as a tuple (``stack``'s inverse).

    >>> lax.unstack(jnp.array([[1, 2], [3, 4]]), axis=1)
    (Array([1, 3], dtype=int32), Array([2, 4], dtype=int32))
    """
    axis, = canonical_axes("unstack", (axis,), get_aval(x).ndim)
    return tuple(bind(unstack_p, x, axis=axis))


def tile(operand, reps: Sequence[int]):
    """``operand`` repeated ``reps[i]`` times along each dimension ``i`` (one entry per
    dimension).

    >>> lax.tile(jnp.array([[1, 2]]), (2, 2))
    Array([[1, 2, 1, 2],
           [1, 2, 1, 2]], dtype=int32)
    """
    return bind(tile_p, operand, reps=tuple_of_ints("tile", reps))

