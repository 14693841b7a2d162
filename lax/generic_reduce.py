"""``reduce``: XLA's Reduce with a user computation, the higher-order primitive ``reduce_p``
(the computation is staged into a jaxpr on scalars), and its rules; and JAX's
``reduce_window_p``, the same for windows.

A computation JAX recognizes -- ``lax.add``, ``mul``, ``max``, ``min``, ``bitwise_and``,
``bitwise_or``, ``bitwise_xor`` with that operation's identity as the (concrete, scalar)
init value -- becomes the matching ``reduce_sum``/``reduce_max``/... primitive, with its own
derivative.  Anything else binds ``reduce_p``.

Rules of ``reduce_p``, as in JAX:

* lowering: ``jax.lax.reduce`` with a computation that evaluates the jaxpr on JAX's
  values (each zenax primitive's lowering, through the eval trace);
* batching: the vmapped axis moves to the front and is not reduced (init values must not
  be batched: XLA takes scalar inits);
* jvp: the reduction is rewritten as a balanced tree of computation calls over halves of
  the reduced axis (padded with the init value), whose jvp is taken -- so reverse mode
  works too, through those primitives.  Tangents of the init values are not supported.
  This needs ``vmap`` (to apply the scalar computation to whole halves) and ``jvp``, which
  ``zenax.transforms`` hands down (``control_flow.install_vmap``, ``custom_solvers``).

``reduce_window_p``'s jvp is JAX's: one reduce_window of (primal, tangent) pairs, whose
computation is the jvp of the user's; it is not transposable (nor is JAX's).
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence

import jax
import numpy as np

from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Primitive, Tracer, abstract_eval_rules, batch_rules, bind,
                               get_aval, jvp_rules, lowering_rules)
from zenax.tracer.ir import ClosedJaxpr, eval_jaxpr
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_unflatten

from . import control_flow
from . import elementwise as ew
from . import reductions as red
from . import shapes as sh
from .broadcasting import (batch_size, bdim_at_front, broadcast_in_dim, instantiate,
                           reduce_sum, reshape)
from .broadcasting import transpose as lax_transpose
from .compiler_hints import stage
from .custom_solvers import _transform
from .registry import canonical_axes, type_error, value_error
from .sharding_constraint import out_sharded
from .windowed import _reduce_window_shape

lax = jax.lax

__all__ = ["reduce", "reduce_p", "reduce_window_p"]

# reduce(*operands, *init_values, jaxpr, dimensions): jaxpr maps (accumulators, values) --
# 2n scalars -- to n scalars.
reduce_p = Primitive("reduce", multiple_results=True)


def _reduce_abstract_eval(*avals, jaxpr: ClosedJaxpr, dimensions):
    n = len(avals) // 2
    operands, inits = avals[:n], avals[n:]
    if any(a.shape != () for a in inits):
        raise value_error(f"reduce found non-scalar initial value: {[a.shape for a in inits]}")
    if [a.dtype for a in operands] != [a.dtype for a in inits]:
        raise type_error("reduce operand dtypes should match corresponding initial value "
                         f"dtypes, got operands={[a.str_short() for a in operands]} and "
                         f"initial_values={[a.str_short() for a in inits]}.")
    shape = operands[0].shape
    if any(a.shape != shape for a in operands):
        raise type_error(f"reduce: operands must share one shape, got "
                         f"{[a.str_short() for a in operands]}.")
    if any(not 0 <= d < len(shape) for d in dimensions):
        raise value_error(f"reduce: dimensions {dimensions} are out of bounds for operands "
                          f"of shape {shape}.")
    out_shape = tuple(d for i, d in enumerate(shape) if i not in dimensions)
    return [ShapedArray(out_shape, x.dtype, x.weak_type and i.weak_type)
            for x, i in zip(operands, inits)]


def _reduce_lower(*values, jaxpr: ClosedJaxpr, dimensions):
    n = len(values) // 2

    def computation(xs, ys):
        return tuple(eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *xs, *ys))
    return list(lax.reduce(tuple(values[:n]), tuple(values[n:]), computation, dimensions))


def _reduce_batch(args, dims, *, jaxpr, dimensions):
    n = len(args) // 2
    if any(d is not not_mapped for d in dims[n:]):
        raise NotImplementedError("reduce: vmap over the init values is not supported (XLA "
                                  "takes scalar init values); batch the operands only.")
    size = batch_size(args, dims)
    operands = [bdim_at_front(x, d, size) for x, d in zip(args[:n], dims[:n])]
    outs = bind(reduce_p, *operands, *args[n:], jaxpr=jaxpr,
                dimensions=tuple(d + 1 for d in dimensions))
    return outs, [0] * n


def _reduce_jvp(primals, tangents, *, jaxpr, dimensions):
    n = len(primals) // 2
    if any(type(t) is not Zero for t in tangents[n:]):
        raise NotImplementedError("Gradient of general lax.reduce with non-zero tangents "
                                  "for initial values to reduction not implemented")
    xs, inits = primals[:n], primals[n:]
    ts = [instantiate(t) for t in tangents[:n]]
    shape = get_aval(xs[0]).shape
    kept = [i for i in range(len(shape)) if i not in dimensions]
    out_shape = tuple(shape[i] for i in kept)
    size, rest = math.prod(shape[d] for d in dimensions), math.prod(out_shape)

    def flat(x):       # reduced axes first, flattened: (size, rest)
        return reshape(lax_transpose(x, tuple(dimensions) + tuple(kept)), (size, rest))

    def tree(*flat_xs):
        outs = _tree_reduce(jaxpr, list(flat_xs), list(inits), rest)
        return [reshape(o, out_shape) for o in outs]

    jvp_flat = _transform("jvp_flat")
    return jvp_flat(tree, [flat(x) for x in xs], [flat(t) for t in ts])


def _tree_reduce(jaxpr: ClosedJaxpr, xs: list, inits: list, rest: int) -> list:
    """``xs`` (each ``(m, rest)``) reduced over axis 0 by pairing halves: ``log2(m)`` calls
    of the computation, each on whole halves at once."""
    def combine(left, right):
        m = get_aval(left[0]).shape[0]
        fn = control_flow._vmap(lambda *a: tuple(eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *a)))
        outs = fn(*[reshape(x, (m * rest,)) for x in left + right])
        return [reshape(o, (m, rest)) for o in outs]

    if control_flow._vmap is None:
        raise RuntimeError("differentiating lax.reduce needs zenax.vmap, which "
                           "zenax.transforms installs when imported: `import zenax` first.")
    while get_aval(xs[0]).shape[0] > 1:
        m = get_aval(xs[0]).shape[0]
        half = (m + 1) // 2
        left = [sh.slice_in_dim(x, 0, half) for x in xs]
        right = [sh.slice_in_dim(x, half, m) for x in xs]
        if m % 2:       # the odd one out meets the identity
            right = [sh.pad(x, i, [(0, 1, 0), (0, 0, 0)]) for x, i in zip(right, inits)]
        xs = combine(left, right)
    if get_aval(xs[0]).shape[0] == 0:
        return [broadcast_in_dim(i, (rest,), ()) for i in inits]
    return [reshape(x, (rest,)) for x in xs]


abstract_eval_rules[reduce_p] = _reduce_abstract_eval
lowering_rules[reduce_p] = _reduce_lower
batch_rules[reduce_p] = _reduce_batch
jvp_rules[reduce_p] = _reduce_jvp

# --------------------------------------------------------------------------- reduce_window
# reduce_window(*operands, *init_values, jaxpr, window_dimensions, window_strides, padding,
# base_dilation, window_dilation): XLA's ReduceWindow with a user computation.  zenax's
# own lax.reduce_window folds slices instead (windowed.py); this is JAX's primitive, for
# programs that bind it.
reduce_window_p = Primitive("reduce_window", multiple_results=True)


def _reduce_window_abstract_eval(*avals, jaxpr, **window):
    n = len(avals) // 2
    operands, inits = avals[:n], avals[n:]
    if any(a.shape != () for a in inits) or \
            [a.dtype for a in operands] != [a.dtype for a in inits]:
        raise type_error("reduce_window: each init value must be a scalar of its operand's "
                         f"dtype, got operands {[a.str_short() for a in operands]} and init "
                         f"values {[a.str_short() for a in inits]}.")
    shape = _reduce_window_shape("reduce_window", operands[0], **window)
    return [ShapedArray(shape, x.dtype, x.weak_type) for x in operands]


def _reduce_window_lower(*values, jaxpr, window_dimensions, window_strides, padding,
                         base_dilation, window_dilation):
    n = len(values) // 2

    def computation(xs, ys):
        return tuple(eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *xs, *ys))
    return list(lax.reduce_window(tuple(values[:n]), tuple(values[n:]), computation,
                                  window_dimensions, window_strides, padding, base_dilation,
                                  window_dilation))


def _reduce_window_batch(args, dims, *, jaxpr, window_dimensions, window_strides, padding,
                         base_dilation, window_dilation):
    n = len(args) // 2
    if any(d is not not_mapped for d in dims[n:]):
        raise NotImplementedError("reduce_window: vmap over the init values is not "
                                  "supported; batch the operands only.")
    size = batch_size(args, dims)
    operands = [bdim_at_front(x, d, size) for x, d in zip(args[:n], dims[:n])]
    outs = bind(reduce_window_p, *operands, *args[n:], jaxpr=jaxpr,
                window_dimensions=(1,) + window_dimensions,
                window_strides=(1,) + window_strides, padding=((0, 0),) + padding,
                base_dilation=(1,) + base_dilation, window_dilation=(1,) + window_dilation)
    return outs, [0] * n


@functools.lru_cache(maxsize=256)
def _paired_jvp_jaxpr(jaxpr: ClosedJaxpr) -> ClosedJaxpr:
    """The computation on (primal, tangent) pairs: ``(pl, tl), (pr, tr)`` to the outputs
    and their tangents -- a reduction of pairs is the jvp of the reduction."""
    n = len(jaxpr.out_avals)
    primal_avals = jaxpr.in_avals

    def paired(*args):
        pl, tl, pr, tr = (args[i * n:(i + 1) * n] for i in range(4))
        outs, t_outs = _transform("jvp_flat")(
            lambda *a: eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *a), [*pl, *pr], [*tl, *tr])
        return [*outs, *t_outs]

    tangent = [a.strip_weak_type() for a in primal_avals]
    closed, _ = trace_to_jaxpr(paired, [*primal_avals[:n], *tangent[:n],
                                        *primal_avals[n:], *tangent[n:]])
    return closed


def _reduce_window_jvp(primals, tangents, *, jaxpr, **window):
    n = len(primals) // 2
    if any(type(t) is not Zero for t in tangents[n:]):
        raise TypeError("reduce_window jvp does not support non-zero init_value_tangent.")
    ts = [instantiate(t) for t in tangents[:n]]
    zeros = [np.zeros((), get_aval(i).dtype) for i in primals[n:]]
    outs = bind(reduce_window_p, *primals[:n], *ts, *primals[n:], *zeros,
                jaxpr=_paired_jvp_jaxpr(jaxpr), **window)
    return outs[:n], outs[n:]


abstract_eval_rules[reduce_window_p] = _reduce_window_abstract_eval
lowering_rules[reduce_window_p] = _reduce_window_lower
batch_rules[reduce_window_p] = _reduce_window_batch
jvp_rules[reduce_window_p] = _reduce_window_jvp


# =========================================================================== public API

# The monoids with a reduction primitive of their own (kinds: ``reductions.MONOIDS``).
_MONOID_REDUCERS = {"sum": reduce_sum, "prod": red.reduce_prod, "max": red.reduce_max,
                    "min": red.reduce_min, "and": red.reduce_and, "or": red.reduce_or,
                    "xor": red.reduce_xor}


@functools.lru_cache(maxsize=256)
def _computation_jaxpr(computation: Callable, avals: tuple, tree) -> tuple[ClosedJaxpr, Any]:
    """``computation`` on pytrees of scalars (``tree`` of ``avals``), staged once per types."""
    box = {}

    def flat(*args):
        n = len(args) // 2
        out = computation(tree_unflatten(tree, args[:n]), tree_unflatten(tree, args[n:]))
        leaves, box["tree"] = tree_flatten(out)
        return leaves

    closed, _ = trace_to_jaxpr(flat, list(avals) * 2)
    if any(isinstance(c, Tracer) for c in closed.consts):
        raise NotImplementedError("reduce: the computation closes over a traced value; pass "
                                  "it as an operand (reduction computations can't close "
                                  "over Tracers).")
    return closed, box["tree"]


def reduce(operands: Any, init_values: Any, computation: Callable,
           dimensions: Sequence[int], out_sharding=None) -> Any:
    """Reduce ``operands`` (an array or pytree of arrays) over ``dimensions`` with the
    binary ``computation``, starting from ``init_values`` (scalars, one per operand).

    ``computation`` and the init values must form a monoid (associative, with the init
    value as identity): XLA may regroup the reduction.

    >>> lax.reduce(jnp.arange(6.).reshape(2, 3), 0., lax.add, (1,))
    Array([ 3., 12.], dtype=float32)
    >>> lax.reduce(jnp.array([3., 1., 2.]), 1., lambda a, b: a * b + 0., (0,))
    Array(6., dtype=float32)
    """
    flat_ops, tree = tree_flatten(operands)
    flat_inits, init_tree = tree_flatten(init_values)
    if tree != init_tree:
        raise ValueError(f"reduce: operands must have the same tree structure as "
                         f"init_values: {tree} vs. {init_tree}")
    if not flat_ops:
        raise ValueError("reduce: needs at least one operand.")
    ndim = get_aval(flat_ops[0]).ndim
    dimensions = tuple(canonical_axes("reduce", tuple(dimensions), ndim)) if ndim else \
        tuple(int(d) for d in dimensions)
    kind = red.monoid_kind(computation, flat_inits)
    if kind is not None:
        weak = get_aval(flat_ops[0]).weak_type and get_aval(flat_inits[0]).weak_type
        if out_sharding is not None and kind != "sum":
            raise NotImplementedError("reduce: out_sharding is supported for sums only, as "
                                      "in JAX.")
        out = _MONOID_REDUCERS[kind](flat_ops[0], dimensions)
        if isinstance(out, (bool, int, float, complex, np.ndarray, np.generic)):
            out = stage(out)        # no dimensions: the operand itself, as an array
        out = ew._convert_element_type(out, get_aval(out).dtype, weak_type=weak)
        return out_sharded("zenax.lax.reduce", out, out_sharding)
    # As JAX, a reduction by a general computation ignores out_sharding.
    avals = tuple(ShapedArray((), a.dtype, a.weak_type)
                  for a in (get_aval(i) for i in flat_inits))
    closed, out_tree = _computation_jaxpr(computation, avals, tree)
    outs = bind(reduce_p, *flat_ops, *flat_inits, jaxpr=closed, dimensions=dimensions)
    return tree_unflatten(out_tree, outs)
