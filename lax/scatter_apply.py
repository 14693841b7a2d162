"""``scatter_apply``: a unary function applied to the operand at scattered indices, once
per occurrence of an index -- what ``x.at[idx].apply(f)`` lowers to.

``f`` is traced once on a scalar of the operand's dtype; the closed jaxpr travels as a
param and is evaluated on XLA's values inside the scatter's update computation, which can
hold constants but no traced values (as in JAX).  Like JAX's, it has no derivative rules
(the update function is applied a data-dependent number of times).
"""
from __future__ import annotations

from typing import Callable, Sequence

import jax
import numpy as np

from zenax.tracer.ad_types import not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Primitive, Tracer, batch_rules, bind, eval_trace, get_aval,
                               jvp_rules, set_current_trace)
from zenax.tracer.ir import Literal
from zenax.tracer.staging import trace_to_jaxpr

from .broadcasting import bdim_at_front, moveaxis
from .registry import register, type_error
from .gather_scatter_dnums import (GatherScatterMode, ScatterDimensionNumbers,
                                   batched_scatter_dnums, canonical_mode,
                                   canonical_scatter_dnums, check_index_dtype, check_scatter)

lax = jax.lax

__all__ = ["scatter_apply", "scatter_apply_p"]

scatter_apply_p = Primitive("scatter_apply")


def _abstract_eval(operand, indices, *, jaxpr, update_shape, dimension_numbers,
                   indices_are_sorted, mode, unique_indices):
    check_index_dtype("scatter_apply", indices)
    check_scatter("scatter_apply", operand, indices, ShapedArray(update_shape, operand.dtype),
                  dimension_numbers)
    return ShapedArray(operand.shape, operand.dtype, operand.weak_type)


def _host(value):
    """A constant as XLA's update computation can hold it: a NumPy value (a jax.Array
    would become a param of JAX's scatter, which must be hashable)."""
    return np.asarray(value)


def _lower(operand, indices, *, jaxpr, update_shape, dimension_numbers,
           indices_are_sorted, mode, unique_indices):
    j = jaxpr.jaxpr
    consts = [_host(c) for c in jaxpr.consts]

    def func(v):
        env = dict(zip(j.constvars, consts))
        env[j.invars[0]] = v
        read = lambda a: _host(a.val) if type(a) is Literal else env[a]
        # XLA's values, whatever trace is current: each equation runs its lowering rule.
        with set_current_trace(eval_trace):
            for eqn in j.eqns:
                outs = bind(eqn.primitive, *map(read, eqn.invars), **eqn.params)
                env.update(zip(eqn.outvars, outs if eqn.primitive.multiple_results
                               else [outs]))
        return read(j.outvars[0])
    return lax.scatter_apply(operand, indices, func, dimension_numbers,
                             update_shape=update_shape, indices_are_sorted=indices_are_sorted,
                             unique_indices=unique_indices, mode=mode)


register(scatter_apply_p, _abstract_eval, _lower)


def _jvp(primals, tangents, **params):
    raise NotImplementedError(
        "x.at[idx].apply(f) (scatter_apply) is not differentiable, as in JAX: f is applied "
        "a data-dependent number of times. Differentiate x.at[idx].set(f(x[idx])) instead "
        "(the same when the indices do not repeat).")


def _batch(args, dims, *, update_shape, dimension_numbers, **params):
    (operand, indices), (o_bdim, i_bdim) = args, dims
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    operand = bdim_at_front(operand, o_bdim, size)
    if i_bdim is not not_mapped:
        indices = moveaxis(indices, i_bdim, 0)
    dnums = batched_scatter_dnums(dimension_numbers, i_bdim is not not_mapped)
    return bind(scatter_apply_p, operand, indices, update_shape=(size,) + update_shape,
                dimension_numbers=dnums, **params), 0


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
    if any(isinstance(c, Tracer) for c in closed.consts):
        raise NotImplementedError(
            f"{name}: func closes over a traced value; XLA's scatter update computation "
            "can only hold constants (as in JAX). Use x.at[idx].set(f(x[idx])) (the same "
            "when the indices do not repeat), or pass the value as a constant.")
    return bind(scatter_apply_p, operand, scatter_indices, jaxpr=closed,
                update_shape=tuple(int(d) for d in update_shape),
                dimension_numbers=canonical_scatter_dnums(name, dimension_numbers),
                indices_are_sorted=bool(indices_are_sorted),
                mode=canonical_mode(name, mode, GatherScatterMode.FILL_OR_DROP),
                unique_indices=bool(unique_indices))
