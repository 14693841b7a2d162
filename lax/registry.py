"""Helpers that declare primitives and register their rules in a few lines.

Most primitives are one of a few shapes -- elementwise with a dtype rule, a reducer, a
shape operation -- so the helpers here build their ``abstract_eval`` from a shape rule
and a dtype rule, and register a lowering that calls the matching ``jax.lax`` function.
Transform rules (jvp, transpose, batch) are registered next to each primitive.

This module is the bottom of lax/: it uses no family's ops, so every family can use it.
Helpers that need ops (zeros, adding tangents, moving a batch axis) sit in the lowest
family whose ops they use -- ``broadcasting`` or ``elementwise``.  What lives here needs
none: dtype and axis checks, the declaration helpers, the zero jvp of non-differentiable
primitives (``differentiable=False``), and the batchers that only renumber axes.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Primitive, abstract_eval_rules, batch_rules, bind, get_aval,
                               jvp_rules, lowering_rules)
from zenax.tracer.source_info import user_frame_str

# Dtype categories, as JAX's lax names them in its error messages.
_bool = ("bool", dtypes.is_bool)
_int = ("integer", dtypes.is_integer)
_float = ("floating", dtypes.is_float)
_complex = ("complexfloating", dtypes.is_complex)

ANY = None
NUM = (_int, _float, _complex)
INT = (_int,)
FLOAT = (_float,)
INEXACT = (_float, _complex)
INT_OR_BOOL = (_bool, _int)
REAL_NUM = (_int, _float)
ORDERED = (_bool, _int, _float)
COMPLEX = (_complex,)


def type_error(msg: str) -> TypeError:
    """A wrong kind of operand (rank, dtype), pointing at the user's line."""
    return TypeError(f"{msg}\n  (at {user_frame_str()})")


def value_error(msg: str) -> ValueError:
    """A wrong value of an operand or param (a shape that does not fit), pointing at the
    user's line -- JAX raises ValueError for these."""
    return ValueError(f"{msg}\n  (at {user_frame_str()})")


def check_dtype(name: str, aval: ShapedArray, accepted) -> None:
    if accepted is ANY:
        return
    if not any(pred(aval.dtype) for _, pred in accepted):
        names = ", ".join(n for n, _ in accepted)
        raise type_error(f"{name} does not accept dtype {dtypes.short_name(aval.dtype)} "
                         f"({aval.dtype}). Accepted dtypes are subtypes of {names}.")


def broadcasting_shape(name: str, *avals: ShapedArray) -> tuple:
    """Elementwise operands have one shape, except rank-0 operands, which broadcast."""
    shapes = [a.shape for a in avals if a.ndim]
    if not shapes:
        return ()
    if any(s != shapes[0] for s in shapes[1:]):
        raise type_error(
            f"{name} got incompatible shapes for broadcasting: "
            f"{', '.join(str(a.shape) for a in avals)}. zenax.lax ops need equal shapes "
            "(or scalars); use zenax.numpy functions for NumPy broadcasting, or "
            "broadcast explicitly with jnp.broadcast_to / lax.broadcast_in_dim.")
    return shapes[0]


def same_dtype(name: str, *avals: ShapedArray) -> np.dtype:
    dts = {a.dtype for a in avals}
    if len(dts) > 1:
        raise type_error(
            f"lax.{name} requires arguments to have the same dtypes, got "
            f"{', '.join(str(a.dtype) for a in avals)}. (Tip: the zenax.numpy function "
            "promotes dtypes automatically; or cast with x.astype(dtype).)")
    return avals[0].dtype


def naryop_abstract_eval(name: str, accepted, result_dtype: Callable | None = None):
    def abstract_eval(*avals, **params):
        for a in avals:
            check_dtype(name, a, accepted)
        dtype = same_dtype(name, *avals)
        shape = broadcasting_shape(name, *avals)
        weak = all(a.weak_type for a in avals)
        if result_dtype is not None:
            dtype = np.dtype(result_dtype(dtype))
            weak = weak and dtype != np.dtype(bool)
        return ShapedArray(shape, dtype, weak)
    return abstract_eval


def register(prim: Primitive, abstract_eval: Callable, lower: Callable) -> Primitive:
    abstract_eval_rules[prim] = abstract_eval
    lowering_rules[prim] = lower
    return prim


def canonical_axes(name: str, axes: Sequence[int], ndim: int,
                   error: type[Exception] = ValueError) -> tuple:
    """``axes`` made non-negative; an axis out of range or repeated is an ``error`` (JAX's
    kind: ValueError for most ops, TypeError for ``rev``)."""
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1) or (ndim == 0):
            raise error(f"{name}: axis {a} is out of bounds for an array of rank {ndim} "
                             f"(at {user_frame_str()}).")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise error(f"{name}: repeated axis in {tuple(axes)} (at {user_frame_str()}).")
    return tuple(out)


def tuple_of_ints(name: str, xs) -> tuple:
    if isinstance(xs, (int, np.integer)):
        return (int(xs),)          # a lone int stands for a 1-tuple, as in JAX
    try:
        return tuple(int(x) for x in xs)
    except TypeError:
        raise type_error(f"{name}: expected a sequence of Python ints (static values), got "
                         f"{xs!r}. Shapes must be known at trace time.") from None


# --------------------------------------------------------------------------- values in rules

_SCALAR_TYPE_OF_KIND = {"b": bool, "i": int, "u": int, "f": float, "c": complex}


def const(x, value):
    """A scalar ``value`` with ``x``'s dtype (a literal in jaxprs), weakly typed (a Python
    scalar) where ``x`` is a weak scalar of its kind's default dtype, as JAX's ``_const``:
    so ``grad(lambda x: x ** 2)(0.3)`` stays weak."""
    aval = get_aval(x)
    if aval.weak_type and aval.ndim == 0:
        scalar = _SCALAR_TYPE_OF_KIND[aval.dtype.kind](value)
        if dtypes.python_scalar_dtype(scalar) == aval.dtype:
            return scalar
    return np.array(value, aval.dtype)


def primal_aval(x) -> ShapedArray:
    """The aval of a transpose rule's operand, linear (``UndefinedPrimal``) or not."""
    return x.aval if is_undefined_primal(x) else get_aval(x)


def tangent_aval(aval: ShapedArray) -> ShapedArray:
    """Tangents of integer/bool values are symbolic zeros (JAX's float0); others match."""
    return aval.strip_weak_type()


# --------------------------------------------------------------------------- rules needing no ops

def defjvp_zero(prim: Primitive) -> None:
    """The output does not depend differentiably on the inputs (comparisons, floor...)."""
    def rule(primals, tangents, **params):
        out = bind(prim, *primals, **params)
        return out, Zero(tangent_aval(get_aval(out)))
    jvp_rules[prim] = rule


def unary_batcher(prim: Primitive) -> None:
    """One operand, mapped elementwise: the batch axis stays where it is."""
    def rule(args, dims, **params):
        return bind(prim, args[0], **params), dims[0]
    batch_rules[prim] = rule


def logical_axis_to_physical(axis: int, bdim: int) -> int:
    """Where one batch element's ``axis`` sits in the array batched along ``bdim``."""
    return axis + (axis >= bdim)


def reducer_batcher(prim: Primitive) -> None:
    """A reduction over ``axes``: renumber them around the batch axis, which stays."""
    def rule(args, dims, *, axes, **params):
        (x,), (bdim,) = args, dims
        phys = tuple(logical_axis_to_physical(a, bdim) for a in axes)
        out_bdim = bdim - sum(a < bdim for a in phys)
        return bind(prim, x, axes=phys, **params), out_bdim
    batch_rules[prim] = rule


# --------------------------------------------------------------------------- reducers

def reducer(name: str, accepted, lower: Callable, *, differentiable: bool = True) -> Primitive:
    """Declare a reduction over ``axes`` (abstract eval, lowering, batching rule); a
    non-``differentiable`` one also gets its zero jvp here."""
    prim = Primitive(name)

    def abstract_eval(x, *, axes):
        check_dtype(name, x, accepted)
        for a in axes:
            if not 0 <= a < x.ndim:
                raise value_error(f"{name}: axis {a} is out of bounds for an array of "
                                  f"shape {x.shape}.")
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        return ShapedArray(shape, x.dtype, x.weak_type)

    register(prim, abstract_eval, lambda x, *, axes: lower(x, axes))
    reducer_batcher(prim)
    if not differentiable:
        defjvp_zero(prim)
    return prim


def bind_reducer(prim: Primitive, operand, axes: Sequence[int]):
    """Reduce ``operand`` over ``axes`` (canonicalized, sorted); no axes is the identity."""
    ndim = get_aval(operand).ndim
    axes = tuple(sorted(canonical_axes(prim.name, tuple(axes), ndim)))
    if not axes:
        abstract_eval_rules[prim](get_aval(operand), axes=())   # its dtype check, as JAX
        return operand
    return bind(prim, operand, axes=axes)
