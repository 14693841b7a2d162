"""Small helpers that derivative rules share: zeros, adding tangents, unbroadcasting, and
registration helpers so most primitives' jvp/transpose rules are one line each."""
from __future__ import annotations

from typing import Callable

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import UndefinedPrimal, Zero, is_undefined_primal
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, bind, get_aval, jvp_rules, transpose_rules

from . import elementwise as ew
from . import reductions as red
from . import shapes as sh


def zeros_like_aval(aval: ShapedArray):
    return sh.broadcast_in_dim(np.zeros((), aval.dtype), aval.shape, ())


def instantiate(t, aval: ShapedArray | None = None):
    """A concrete zero array for a symbolic Zero; other values pass through."""
    if type(t) is Zero:
        return zeros_like_aval(t.aval)
    return t


def add_tangents(x, y):
    if type(x) is Zero:
        return y
    if type(y) is Zero:
        return x
    return ew.add(x, y)


def tangent_aval(aval: ShapedArray) -> ShapedArray:
    """Tangents of integer/bool values are symbolic zeros (JAX's float0); others match."""
    return aval.strip_weak_type()


def is_differentiable_dtype(dtype) -> bool:
    return dtypes.is_inexact(dtype)


def broadcast_to_aval(t, aval: ShapedArray):
    """Broadcast a rank-0 tangent to ``aval``'s shape (lax ops broadcast scalars)."""
    t_aval = get_aval(t)
    if t_aval.shape != aval.shape:
        t = sh.broadcast_in_dim(t, aval.shape, ())
    return t


def unbroadcast(aval: ShapedArray, ct):
    """Sum a cotangent back down to a rank-0 operand that was broadcast by a lax op."""
    if type(ct) is Zero:
        return Zero(aval)
    ct_aval = get_aval(ct)
    if aval.ndim == 0 and ct_aval.ndim:
        ct = red.reduce_sum(ct, tuple(range(ct_aval.ndim)))
    if get_aval(ct).dtype != aval.dtype:
        ct = ew._convert_element_type(ct, aval.dtype)
    return ct


def _jvp_from_partials(prim: Primitive, jvp_fns, pass_ans: bool) -> None:
    def rule(primals, tangents, **params):
        ans = bind(prim, *primals, **params)
        out_aval = get_aval(ans)
        t_out = Zero(tangent_aval(out_aval))
        extra = (ans,) if pass_ans else ()
        for fn, t in zip(jvp_fns, tangents):
            if fn is not None and type(t) is not Zero:
                t_out = add_tangents(t_out, fn(t, *extra, *primals, **params))
        if type(t_out) is not Zero:
            t_out = broadcast_to_aval(t_out, out_aval)
        return ans, t_out
    jvp_rules[prim] = rule


def defjvp(prim: Primitive, *jvp_fns: Callable | None) -> None:
    """Register a jvp rule from one function per operand: ``fn(x_dot, *primals, **params)``
    gives that operand's contribution to the output tangent (None: not differentiable)."""
    _jvp_from_partials(prim, jvp_fns, pass_ans=False)


def defjvp2(prim: Primitive, *jvp_fns: Callable | None) -> None:
    """Like :func:`defjvp`, but each function also receives the primal output:
    ``fn(x_dot, ans, *primals, **params)``."""
    _jvp_from_partials(prim, jvp_fns, pass_ans=True)


def defjvp_zero(prim: Primitive) -> None:
    """The output does not depend differentiably on the inputs (comparisons, floor...)."""
    def rule(primals, tangents, **params):
        out = bind(prim, *primals, **params)
        return out, Zero(tangent_aval(get_aval(out)))
    jvp_rules[prim] = rule


def deflinear(prim: Primitive, transpose_rule: Callable) -> None:
    """A primitive linear in all its operands: its jvp applies it to the tangents."""
    def rule(primals, tangents, **params):
        out = bind(prim, *primals, **params)
        if all(type(t) is Zero for t in tangents):
            return out, Zero(tangent_aval(get_aval(out)))
        tangents = [instantiate(t) for t in tangents]
        return out, bind(prim, *tangents, **params)
    jvp_rules[prim] = rule
    transpose_rules[prim] = transpose_rule


__all__ = ["Zero", "UndefinedPrimal", "is_undefined_primal", "zeros_like_aval", "instantiate",
           "add_tangents", "unbroadcast", "defjvp", "defjvp2", "defjvp_zero", "deflinear",
           "broadcast_to_aval", "tangent_aval"]
