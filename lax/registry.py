"""Helpers that declare primitives and register their rules in a few lines.

Most primitives are one of a few shapes -- elementwise with a dtype rule, a reducer, a
shape operation -- so the helpers here build their ``abstract_eval`` from a shape rule
and a dtype rule, and register a lowering that calls the matching ``jax.lax`` function.
Transform rules (jvp, transpose, batch) are registered next to each primitive.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, abstract_eval_rules, lowering_rules
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
    return TypeError(f"{msg}\n  (at {user_frame_str()})")


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


def elementwise(name: str, nargs: int, accepted, lower: Callable,
                result_dtype: Callable | None = None) -> Primitive:
    """Declare an elementwise primitive of ``nargs`` operands."""
    prim = Primitive(name)
    abstract_eval_rules[prim] = naryop_abstract_eval(name, accepted, result_dtype)
    lowering_rules[prim] = lower
    return prim


def register(prim: Primitive, abstract_eval: Callable, lower: Callable) -> Primitive:
    abstract_eval_rules[prim] = abstract_eval
    lowering_rules[prim] = lower
    return prim


def canonical_axes(name: str, axes: Sequence[int], ndim: int) -> tuple:
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1) or (ndim == 0):
            raise type_error(f"{name}: axis {a} is out of bounds for an array of rank {ndim}.")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise type_error(f"{name}: repeated axis in {tuple(axes)}.")
    return tuple(out)
