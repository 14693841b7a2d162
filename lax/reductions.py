"""Reductions over axes: sum, max, min, prod, and, or; argmax and argmin."""
from __future__ import annotations

from typing import Sequence

import jax

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, bind, get_aval

from .registry import (ANY, INT_OR_BOOL, NUM, ORDERED, canonical_axes, check_dtype, register,
                       type_error)

lax = jax.lax


def _reducer(name: str, accepted, lower):
    prim = Primitive(name)

    def abstract_eval(x, *, axes):
        check_dtype(name, x, accepted)
        for a in axes:
            if not 0 <= a < x.ndim:
                raise type_error(f"{name}: axis {a} is out of bounds for an array of shape "
                                 f"{x.shape}.")
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        return ShapedArray(shape, x.dtype, x.weak_type)

    return register(prim, abstract_eval, lambda x, *, axes: lower(x, axes))


reduce_sum_p = _reducer("reduce_sum", NUM, lax.reduce_sum)
reduce_prod_p = _reducer("reduce_prod", NUM, lax.reduce_prod)
reduce_max_p = _reducer("reduce_max", ANY, lax.reduce_max)
reduce_min_p = _reducer("reduce_min", ANY, lax.reduce_min)
reduce_and_p = _reducer("reduce_and", INT_OR_BOOL, lax.reduce_and)
reduce_or_p = _reducer("reduce_or", INT_OR_BOOL, lax.reduce_or)
reduce_xor_p = _reducer("reduce_xor", INT_OR_BOOL, lax.reduce_xor)


def _arg_reducer(name: str, lower):
    prim = Primitive(name)

    def abstract_eval(x, *, axes, index_dtype):
        check_dtype(name, x, ORDERED)
        if len(axes) != 1 or not 0 <= axes[0] < x.ndim:
            raise type_error(f"{name}: needs exactly one valid axis for shape {x.shape}, "
                             f"got {axes}.")
        if x.shape[axes[0]] == 0:
            raise type_error(f"{name}: the reduced axis {axes[0]} of shape {x.shape} is empty.")
        shape = tuple(d for i, d in enumerate(x.shape) if i != axes[0])
        return ShapedArray(shape, index_dtype)

    return register(prim, abstract_eval,
                    lambda x, *, axes, index_dtype: lower(x, axes[0], index_dtype))


argmax_p = _arg_reducer("argmax", lax.argmax)
argmin_p = _arg_reducer("argmin", lax.argmin)


# =========================================================================== public API

def _axes(name, operand, axes):
    return tuple(sorted(canonical_axes(name, tuple(axes), get_aval(operand).ndim)))


def _reduce(prim, operand, axes):
    axes = _axes(prim.name, operand, axes)
    if not axes:
        return operand
    return bind(prim, operand, axes=axes)


def reduce_sum(operand, axes: Sequence[int]):
    """Sum over ``axes``. Example: ``lax.reduce_sum(x, (0,))``."""
    return _reduce(reduce_sum_p, operand, axes)


def reduce_prod(operand, axes): return _reduce(reduce_prod_p, operand, axes)
def reduce_max(operand, axes): return _reduce(reduce_max_p, operand, axes)
def reduce_min(operand, axes): return _reduce(reduce_min_p, operand, axes)
def reduce_and(operand, axes): return _reduce(reduce_and_p, operand, axes)
def reduce_or(operand, axes): return _reduce(reduce_or_p, operand, axes)
def reduce_xor(operand, axes): return _reduce(reduce_xor_p, operand, axes)


def argmax(operand, axis: int, index_dtype):
    """Index of the largest element along ``axis`` (first one on ties; NaN wins)."""
    axis = canonical_axes("argmax", (axis,), get_aval(operand).ndim)
    return bind(argmax_p, operand, axes=axis, index_dtype=dtypes.canonicalize_dtype(index_dtype))


def argmin(operand, axis: int, index_dtype):
    axis = canonical_axes("argmin", (axis,), get_aval(operand).ndim)
    return bind(argmin_p, operand, axes=axis, index_dtype=dtypes.canonicalize_dtype(index_dtype))
