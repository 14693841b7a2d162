"""Reductions over axes: sum, max, min, prod, and, or; argmax and argmin -- with their rules.

``reduce_sum`` is declared in ``broadcasting`` (it is ``broadcast_in_dim``'s transpose, and
every family's rules use it) and re-exported here, so this module names the whole family.
The others' rules use elementwise and shape ops, so this module sits above both.  Every
reducer shares one batching rule (renumber the axes around the batch axis), registered
by ``registry.reducer``.
"""
from __future__ import annotations

import math

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, bind, get_aval, is_concrete, jvp_rules

from . import elementwise as ew

from .broadcasting import (broadcast_in_dim, reduce_sum, reduce_sum_p,  # noqa: F401
                           reshape, transpose)
from .elementwise import _convert_element_type, div, eq, mul, select_n
from .registry import (ANY, INT_OR_BOOL, NUM, ORDERED, bind_reducer, canonical_axes,
                       check_dtype, const, defjvp_zero, reducer, reducer_batcher, register,
                       type_error)
from .shapes import broadcasted_iota

lax = jax.lax

# --------------------------------------------------------------------------- max, min
reduce_max_p = reducer("reduce_max", ANY, lax.reduce_max)
reduce_min_p = reducer("reduce_min", ANY, lax.reduce_min)


def _reduce_chooser_jvp(prim):
    """max/min: the tangent of the chosen element(s), averaged over ties."""
    def rule(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        ans = bind(prim, x, axes=axes)
        shape = get_aval(x).shape
        kept = tuple(i for i in range(len(shape)) if i not in axes)
        where = eq(x, broadcast_in_dim(ans, shape, kept))
        ones = _convert_element_type(where, get_aval(x).dtype)
        counts = reduce_sum(ones, axes)
        return ans, div(reduce_sum(mul(t, ones), axes), counts)
    return rule


jvp_rules[reduce_max_p] = _reduce_chooser_jvp(reduce_max_p)
jvp_rules[reduce_min_p] = _reduce_chooser_jvp(reduce_min_p)

# --------------------------------------------------------------------------- prod
reduce_prod_p = reducer("reduce_prod", NUM, lax.reduce_prod)


def _reduce_prod_jvp(primals, tangents, *, axes):
    """d prod(x) = sum_i t_i * prod_{j != i} x_j, with the products of the others computed
    by masking (exact when some x_j are zero, unlike ans / x_i)."""
    (x,), (t,) = primals, tangents
    ans = reduce_prod(x, axes)
    aval = get_aval(x)
    kept = tuple(i for i in range(aval.ndim) if i not in axes)
    # Move reduced axes to the front and flatten them: x2 has shape (n, *kept_shape).
    perm = tuple(axes) + kept
    n = math.prod(aval.shape[a] for a in axes)
    kept_shape = tuple(aval.shape[k] for k in kept)
    x2 = reshape(transpose(x, perm), (n,) + kept_shape)
    t2 = reshape(transpose(t, perm), (n,) + kept_shape)
    big = broadcast_in_dim(x2, (n, n) + kept_shape, (1,) + tuple(range(2, 2 + len(kept))))
    eye = eq(broadcasted_iota(np.int32, (n, n) + kept_shape, 0),
             broadcasted_iota(np.int32, (n, n) + kept_shape, 1))
    others = reduce_prod(select_n(eye, big, broadcast_in_dim(const(x, 1), get_aval(big).shape, ())), (1,))
    return ans, reduce_sum(mul(t2, others), (0,))


jvp_rules[reduce_prod_p] = _reduce_prod_jvp

# --------------------------------------------------------------------------- logical
reduce_and_p = reducer("reduce_and", INT_OR_BOOL, lax.reduce_and, differentiable=False)
reduce_or_p = reducer("reduce_or", INT_OR_BOOL, lax.reduce_or, differentiable=False)
reduce_xor_p = reducer("reduce_xor", INT_OR_BOOL, lax.reduce_xor, differentiable=False)

# --------------------------------------------------------------------------- argmax, argmin


def _arg_reducer(name: str, lower):
    """An index-valued reduction over one axis: not differentiable; batched like the other
    reducers."""
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

    register(prim, abstract_eval, lambda x, *, axes, index_dtype: lower(x, axes[0], index_dtype))
    defjvp_zero(prim)
    reducer_batcher(prim)
    return prim


argmax_p = _arg_reducer("argmax", lax.argmax)
argmin_p = _arg_reducer("argmin", lax.argmin)


# =========================================================================== public API

def reduce_prod(operand, axes): return bind_reducer(reduce_prod_p, operand, axes)
def reduce_max(operand, axes): return bind_reducer(reduce_max_p, operand, axes)
def reduce_min(operand, axes): return bind_reducer(reduce_min_p, operand, axes)
def reduce_and(operand, axes): return bind_reducer(reduce_and_p, operand, axes)
def reduce_or(operand, axes): return bind_reducer(reduce_or_p, operand, axes)
def reduce_xor(operand, axes): return bind_reducer(reduce_xor_p, operand, axes)


def argmax(operand, axis: int, index_dtype):
    """Index of the largest element along ``axis`` (first one on ties; NaN wins)."""
    axis = canonical_axes("argmax", (axis,), get_aval(operand).ndim)
    return bind(argmax_p, operand, axes=axis, index_dtype=dtypes.canonicalize_dtype(index_dtype))


def argmin(operand, axis: int, index_dtype):
    axis = canonical_axes("argmin", (axis,), get_aval(operand).ndim)
    return bind(argmin_p, operand, axes=axis, index_dtype=dtypes.canonicalize_dtype(index_dtype))


# =========================================================================== monoids
# The computations JAX reduces (and window-reduces) with primitives of their own, given
# their identity as the init value: computation -> the monoid's kind.
MONOIDS = {ew.add: "sum", ew.mul: "prod", ew.max: "max", ew.min: "min",
           ew.bitwise_and: "and", ew.bitwise_or: "or", ew.bitwise_xor: "xor"}


def identity(kind: str, dtype) -> np.ndarray | None:
    """The identity of the monoid ``kind`` over ``dtype`` (a scalar array), or None where
    it is no monoid of ``dtype`` (bitwise ops of floats)."""
    dtype = np.dtype(dtype)
    intlike = dtypes.is_bool(dtype) or dtypes.is_integer(dtype)
    if kind in ("and", "or", "xor") and not intlike:
        return None
    if kind in ("sum", "or", "xor"):
        return np.zeros((), dtype)
    if kind in ("prod", "and"):
        return np.ones((), dtype) if kind == "prod" else np.array(-1).astype(dtype)
    if dtypes.is_bool(dtype):
        return np.array(kind == "min")
    if dtypes.is_integer(dtype):
        info = dtypes.iinfo(dtype)
        return np.array(info.min if kind == "max" else info.max, dtype)
    return np.array(-np.inf if kind == "max" else np.inf, dtype)


def monoid_kind(computation, inits) -> str | None:
    """The kind of monoid ``computation`` is, if it has one and ``inits`` is its identity
    (one concrete scalar); else None."""
    kind = MONOIDS.get(computation)
    if kind is None or len(inits) != 1 or not is_concrete(inits[0]):
        return None
    aval = get_aval(inits[0])
    unit = identity(kind, aval.dtype)
    return kind if aval.shape == () and unit is not None and np.asarray(inits[0]) == unit \
        else None
