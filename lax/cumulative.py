"""Cumulative reductions -- ``cumsum``, ``cumprod``, ``cummax``, ``cummin`` and
``cumlogsumexp`` along one axis, optionally from the end -- with their rules, and
``associative_scan``, the parallel prefix scan their derivatives are built on.

Each primitive lowers to the ``jax.lax`` function of its name (XLA computes it as a
window reduction or a dedicated scan kernel).  Derivatives follow JAX:

* ``cumsum`` is linear; its transpose is the cumulative sum in the other direction.
* the others are differentiated as the prefix scan they are:
  ``associative_scan(combine, x)`` with ``combine`` = ``mul``, ``max``, ``min`` or
  ``logaddexp``.  The jvp scans (primal, tangent) pairs with the combine's own derivative,
  ``(a, da) . (b, db) = (combine(a, b), d combine(a, b))``, so ties of ``cummax`` split the
  tangent as ``max`` does (half each), zeros in ``cumprod`` need no division, and the
  result is again a composition of differentiable, transposable and batchable primitives
  (slices, pads and elementwise ops): reverse mode and higher orders come for free.
"""
from __future__ import annotations

from typing import Callable

import jax
import numpy as np

from zenax.tracer.ad_types import Zero
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, jvp_rules
from zenax.tracer.tree_util import tree_flatten, tree_unflatten

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import deflinear
from .registry import FLOAT, NUM, canonical_axes, check_dtype, register, tangent_aval, type_error

lax = jax.lax

__all__ = ["associative_scan", "cumlogsumexp", "cumlogsumexp_p", "cummax", "cummax_p",
           "cummin", "cummin_p", "cumprod", "cumprod_p", "cumsum", "cumsum_p"]


# =========================================================================== associative_scan

def associative_scan(fn: Callable, elems, reverse: bool = False, axis: int = 0):
    """Prefix "sums" ``[a, fn(a, b), fn(fn(a, b), c), ...]`` of ``elems`` along ``axis``,
    for an associative ``fn``, in O(log n) parallel steps (Blelloch's scan, as JAX).

    ``elems`` is a pytree of arrays sharing the size of ``axis``; ``fn(a, b)`` combines two
    such pytrees elementwise.  With ``reverse=True`` the scan runs from the end.

    >>> lax.associative_scan(lax.add, jnp.arange(5))
    Array([ 0,  1,  3,  6, 10], dtype=int32)
    >>> lax.associative_scan(lax.max, jnp.array([1, 3, 2, 5, 4]), reverse=True)
    Array([5, 5, 5, 5, 4], dtype=int32)
    """
    if not callable(fn):
        raise TypeError(f"associative_scan: fn must be callable, got {fn!r}.")
    flat, tree = tree_flatten(elems)
    if not flat:
        raise ValueError("associative_scan: elems must contain at least one array.")
    axis = canonical_axes("associative_scan", (axis,), get_aval(flat[0]).ndim)[0]
    sizes = [get_aval(x).shape[axis] if get_aval(x).ndim > axis else None for x in flat]
    if any(s != sizes[0] for s in sizes):
        raise ValueError("associative_scan: every array in elems needs the same size along "
                         f"axis {axis}, got shapes {[get_aval(x).shape for x in flat]}.")
    if reverse:
        flat = [sh.rev(x, (axis,)) for x in flat]

    def combine(a_flat, b_flat):
        out = fn(tree_unflatten(tree, a_flat), tree_unflatten(tree, b_flat))
        return tree_flatten(out)[0]

    scans = _scan(combine, flat, axis)
    if reverse:
        scans = [sh.rev(x, (axis,)) for x in scans]
    return tree_unflatten(tree, scans)


def _scan(combine, elems: list, axis: int) -> list:
    """The odd positions of the scan are the scan of the combined adjacent pairs (by
    recursion); each even position combines the odd one before it with its own element."""
    n = get_aval(elems[0]).shape[axis]
    if n < 2:
        return elems
    pairs = combine([sh.slice_in_dim(x, 0, n - 1, 2, axis) for x in elems],
                    [sh.slice_in_dim(x, 1, n, 2, axis) for x in elems])
    odd = _scan(combine, pairs, axis)
    if n % 2 == 0:
        even = combine([sh.slice_in_dim(x, 0, get_aval(x).shape[axis] - 1, 1, axis)
                        for x in odd],
                       [sh.slice_in_dim(x, 2, n, 2, axis) for x in elems])
    else:
        even = combine(odd, [sh.slice_in_dim(x, 2, n, 2, axis) for x in elems])
    even = [sh.concatenate([sh.slice_in_dim(x, 0, 1, 1, axis), e], axis)
            for x, e in zip(elems, even)]
    return [_interleave(e, o, axis) for e, o in zip(even, odd)]


def _interleave(a, b, axis: int):
    """``[a0, b0, a1, b1, ...]`` along ``axis`` (``a`` has as many elements or one more)."""
    a_aval = get_aval(a)
    same = a_aval.shape[axis] == get_aval(b).shape[axis]
    a_pad = [(0, 0, 0)] * a_aval.ndim
    b_pad = [(0, 0, 0)] * a_aval.ndim
    a_pad[axis] = (0, 1 if same else 0, 1)
    b_pad[axis] = (1, 0 if same else 1, 1)
    zero = np.zeros((), a_aval.dtype)
    op = ew.bitwise_or if a_aval.dtype == np.bool_ else ew.add
    return op(sh.pad(a, zero, a_pad), sh.pad(b, zero, b_pad))


# =========================================================================== primitives

def _cumulative(name: str, accepted, jax_fn) -> Primitive:
    prim = Primitive(name)

    def abstract_eval(x, *, axis, reverse):
        check_dtype(name, x, accepted)
        if not 0 <= axis < x.ndim:
            raise type_error(f"{name}: axis {axis} is out of bounds for an operand of shape "
                             f"{x.shape}.")
        return ShapedArray(x.shape, x.dtype, x.weak_type)

    def batch(args, dims, *, axis, reverse):
        (x,), (bdim,) = args, dims
        return bind(prim, x, axis=axis + (axis >= bdim), reverse=reverse), bdim

    register(prim, abstract_eval,
             lambda x, *, axis, reverse: jax_fn(x, axis=axis, reverse=reverse))
    batch_rules[prim] = batch
    return prim


cumsum_p = _cumulative("cumsum", NUM, lax.cumsum)
cumprod_p = _cumulative("cumprod", NUM, lax.cumprod)
cummax_p = _cumulative("cummax", NUM, lax.cummax)
cummin_p = _cumulative("cummin", NUM, lax.cummin)
cumlogsumexp_p = _cumulative("cumlogsumexp", FLOAT, lax.cumlogsumexp)

deflinear(cumsum_p, lambda ct, x, *, axis, reverse:
          [bind(cumsum_p, ct, axis=axis, reverse=not reverse)])


# --------------------------------------------------------------------------- derivatives

def _primitive_pair(prim: Primitive):
    """``prim`` on (primal, tangent) pairs, by its own jvp rule (JAX's convention at ties)."""
    def combine(a, b):
        return jvp_rules[prim]((a[0], b[0]), (a[1], b[1]))
    return combine


def _logaddexp_pair(a, b):
    """``log(exp(a) + exp(b))`` and its tangent, written as JAX's ``logaddexp``: stable for
    large inputs, NaN-propagating, and with ``+inf`` kept out of the tangent weights (a
    ``-inf`` input weighs ``exp(-inf) = 0``, as it should)."""
    (x, x_dot), (y, y_dot) = a, b
    aval = get_aval(x)
    delta = ew.sub(x, y)
    out = ew.select_n(ew.ne(delta, delta),                        # NaN: an input is NaN, or
                      ew.add(ew.max(x, y), ew.log1p(ew.exp(ew.neg(ew.abs(delta))))),
                      ew.add(x, y))                              # both are the same infinity
    zeros = sh.broadcast_in_dim(np.zeros((), aval.dtype), aval.shape, ())
    inf = np.array(np.inf, aval.dtype)

    def without_inf(v):
        return ew.select_n(ew.eq(v, inf), v, zeros)

    out_finite = without_inf(out)
    weight_x = ew.exp(ew.sub(without_inf(x), out_finite))
    weight_y = ew.exp(ew.sub(without_inf(y), out_finite))
    return out, ew.add(ew.mul(x_dot, weight_x), ew.mul(y_dot, weight_y))


def _scan_jvp(prim: Primitive, pair_combine):
    def rule(primals, tangents, *, axis, reverse):
        (x,), (x_dot,) = primals, tangents
        out = bind(prim, x, axis=axis, reverse=reverse)
        if type(x_dot) is Zero:
            return out, Zero(tangent_aval(get_aval(out)))
        _, out_dot = associative_scan(pair_combine, (x, x_dot), reverse=reverse, axis=axis)
        return out, out_dot
    jvp_rules[prim] = rule


_scan_jvp(cumprod_p, _primitive_pair(ew.mul_p))
_scan_jvp(cummax_p, _primitive_pair(ew.max_p))
_scan_jvp(cummin_p, _primitive_pair(ew.min_p))
_scan_jvp(cumlogsumexp_p, _logaddexp_pair)


# =========================================================================== public API

def _bind_cumulative(prim: Primitive, operand, axis: int, reverse: bool):
    ndim = get_aval(operand).ndim
    if ndim == 0:
        raise type_error(f"{prim.name}: the operand must have at least one dimension, got a "
                         "scalar. (Reshape it to shape (1,) first.)")
    axis = canonical_axes(prim.name, (axis,), ndim)[0]
    return bind(prim, operand, axis=axis, reverse=bool(reverse))


def cumsum(operand, axis: int = 0, reverse: bool = False):
    """Cumulative sum along ``axis`` (from the end with ``reverse=True``).

    >>> lax.cumsum(jnp.array([1., 2., 3.]))
    Array([1., 3., 6.], dtype=float32)
    >>> lax.cumsum(jnp.array([1., 2., 3.]), reverse=True)
    Array([6., 5., 3.], dtype=float32)
    """
    return _bind_cumulative(cumsum_p, operand, axis, reverse)


def cumprod(operand, axis: int = 0, reverse: bool = False):
    """Cumulative product along ``axis``.

    >>> lax.cumprod(jnp.array([1., 2., 3.]))
    Array([1., 2., 6.], dtype=float32)
    """
    return _bind_cumulative(cumprod_p, operand, axis, reverse)


def cummax(operand, axis: int = 0, reverse: bool = False):
    """Cumulative maximum along ``axis``.

    >>> lax.cummax(jnp.array([1., 3., 2.]))
    Array([1., 3., 3.], dtype=float32)
    """
    return _bind_cumulative(cummax_p, operand, axis, reverse)


def cummin(operand, axis: int = 0, reverse: bool = False):
    """Cumulative minimum along ``axis``.

    >>> lax.cummin(jnp.array([3., 1., 2.]))
    Array([3., 1., 1.], dtype=float32)
    """
    return _bind_cumulative(cummin_p, operand, axis, reverse)


def cumlogsumexp(operand, axis: int = 0, reverse: bool = False):
    """Cumulative ``log(sum(exp(x)))`` along ``axis``, computed stably.

    >>> lax.cumlogsumexp(jnp.array([0., 0., 0.]))
    Array([0.       , 0.6931472, 1.0986123], dtype=float32)
    """
    return _bind_cumulative(cumlogsumexp_p, operand, axis, reverse)
