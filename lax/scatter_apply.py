"""``scatter_apply``: a unary function applied to the operand at scattered indices, once
per occurrence of an index -- what ``x.at[idx].apply(f)`` lowers to.

``f`` is traced once on a scalar of the operand's dtype; the jaxpr travels as a param and
is evaluated on XLA's values inside the scatter's update computation.  Like JAX's, it has
no derivative rules (the update function is applied a data-dependent number of times).
"""
from __future__ import annotations

from typing import Callable, Sequence

import jax

from zenax.tracer.ad_types import not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, eval_trace, get_aval, \
    jvp_rules, set_current_trace
from zenax.tracer.ir import Jaxpr, eval_jaxpr
from zenax.tracer.staging import trace_to_jaxpr

from .batching import bdim_at_front, moveaxis
from .registry import register, type_error
from .slicing import (GatherScatterMode, ScatterDimensionNumbers, batched_scatter_dnums,
                      canonical_mode, canonical_scatter_dnums, check_index_dtype,
                      check_scatter)

lax = jax.lax

__all__ = ["scatter_apply", "scatter_apply_p"]

scatter_apply_p = Primitive("scatter_apply")


def _abstract_eval(operand, indices, *consts, jaxpr, update_shape, dimension_numbers,
                   indices_are_sorted, mode, unique_indices):
    check_index_dtype("scatter_apply", indices)
    check_scatter("scatter_apply", operand, indices, ShapedArray(update_shape, operand.dtype),
                  dimension_numbers)
    return ShapedArray(operand.shape, operand.dtype, operand.weak_type)


def _lower(operand, indices, *consts, jaxpr, update_shape, dimension_numbers,
           indices_are_sorted, mode, unique_indices):
    def func(v):
        # XLA's values, whatever trace is current: evaluate by the lowering rules.
        with set_current_trace(eval_trace):
            return eval_jaxpr(jaxpr, [], *consts, v)[0]
    return lax.scatter_apply(operand, indices, func, dimension_numbers,
                             update_shape=update_shape, indices_are_sorted=indices_are_sorted,
                             unique_indices=unique_indices, mode=mode)


register(scatter_apply_p, _abstract_eval, _lower)


def _jvp(primals, tangents, **params):
    raise NotImplementedError(
        "x.at[idx].apply(f) (scatter_apply) is not differentiable, as in JAX: f is applied "
        "a data-dependent number of times. Differentiate x.at[idx].set(f(x[idx])) instead "
        "(the same when the indices do not repeat).")


def _batch(args, dims, *, jaxpr, update_shape, dimension_numbers, **params):
    (operand, indices, *consts), (o_bdim, i_bdim, *c_dims) = args, dims
    if any(d is not not_mapped for d in c_dims):
        raise NotImplementedError("vmap of x.at[idx].apply(f) where f closes over a "
                                  "batched value is not supported; pass it through the "
                                  "indexed values instead (x.at[idx].set(...)).")
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    operand = bdim_at_front(operand, o_bdim, size)
    if i_bdim is not not_mapped:
        indices = moveaxis(indices, i_bdim, 0)
    dnums = batched_scatter_dnums(dimension_numbers, i_bdim is not not_mapped)
    return bind(scatter_apply_p, operand, indices, *consts, jaxpr=jaxpr,
                update_shape=(size,) + update_shape, dimension_numbers=dnums, **params), 0


jvp_rules[scatter_apply_p] = _jvp
batch_rules[scatter_apply_p] = _batch


def scatter_apply(operand, scatter_indices, func: Callable,
                  dimension_numbers: ScatterDimensionNumbers, *,
                  update_shape: Sequence[int] = (), indices_are_sorted: bool = False,
                  unique_indices: bool = False, mode=None):
    """``operand`` with ``func`` applied at the scattered places (``update_shape`` is the
    shape the updates would have); repeated indices apply it repeatedly.

    >>> dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
    ...                                     scatter_dims_to_operand_dims=(0,))
    >>> lax.scatter_apply(jnp.ones(3), jnp.array([[0], [0]]), lambda v: v * 2, dnums,
    ...                   update_shape=(2,))
    Array([4., 1., 1.], dtype=float32)
    """
    name = "scatter_apply"
    aval = get_aval(operand)
    closed, _ = trace_to_jaxpr(lambda v: [func(v)], [ShapedArray((), aval.dtype)])
    [out] = closed.out_avals
    if out.shape != () or out.dtype != aval.dtype:
        raise type_error(f"{name}: func must map a scalar of the operand's dtype "
                         f"{aval.dtype} to one, got {out.str_short()}.")
    j = closed.jaxpr
    # Closed-over values become leading operands, so tracers of outer transforms are
    # operands the transforms see, not constants hidden in a param.
    jaxpr = Jaxpr([], j.constvars + j.invars, j.outvars, j.eqns)
    return bind(scatter_apply_p, operand, scatter_indices, *closed.consts, jaxpr=jaxpr,
                update_shape=tuple(int(d) for d in update_shape),
                dimension_numbers=canonical_scatter_dnums(name, dimension_numbers),
                indices_are_sorted=bool(indices_are_sorted),
                mode=canonical_mode(name, mode, GatherScatterMode.FILL_OR_DROP),
                unique_indices=bool(unique_indices))
