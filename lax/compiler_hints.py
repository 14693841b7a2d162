"""Identity primitives that speak to the compiler, not to the numbers: ``optimization_barrier``
(XLA may not move work across it, nor merge it), ``copy`` (a fresh buffer), ``stage`` (a
value lifted into the trace) and ``dce_sink`` (a value kept alive with no output).

Each returns its operands unchanged, so its derivative and batching are the identity's,
re-emitted so that the hint survives the transform: the jvp puts the tangents through
their own barrier (as JAX does), ``copy`` copies tangents and cotangents.
"""
from __future__ import annotations

import jax

from zenax.tracer.ad_types import Zero
from zenax.tracer.core import (Primitive, Tracer, batch_rules, bind, jvp_rules,
                               transpose_rules)
from zenax.tracer.tree_util import tree_flatten, tree_leaves, tree_unflatten

from .broadcasting import deflinear, instantiate
from .registry import register, unary_batcher

lax = jax.lax

__all__ = ["copy_p", "dce_sink", "dce_sink_p", "optimization_barrier",
           "optimization_barrier_p", "stage", "stage_p"]

# --------------------------------------------------------------------------- optimization_barrier
optimization_barrier_p = Primitive("optimization_barrier", multiple_results=True)


def _barrier_jvp(primals, tangents):
    outs = bind(optimization_barrier_p, *primals)
    return outs, bind(optimization_barrier_p, *[instantiate(t) for t in tangents])


def _barrier_transpose(cts, *args):
    return bind(optimization_barrier_p, *[instantiate(ct) for ct in cts])


register(optimization_barrier_p, lambda *avals: list(avals),
         lambda *xs: list(lax.optimization_barrier(list(xs))))
jvp_rules[optimization_barrier_p] = _barrier_jvp
transpose_rules[optimization_barrier_p] = _barrier_transpose
batch_rules[optimization_barrier_p] = lambda args, dims: (
    bind(optimization_barrier_p, *args), list(dims))

# --------------------------------------------------------------------------- copy
# jax.lax has no public copy function; its primitive is what the lowering binds.
copy_p = Primitive("copy")
register(copy_p, lambda x: x, lambda x: lax.copy_p.bind(x))
deflinear(copy_p, lambda ct, x: [Zero(x.aval) if type(ct) is Zero else bind(copy_p, ct)])
unary_batcher(copy_p)

# --------------------------------------------------------------------------- stage
stage_p = Primitive("stage")
register(stage_p, lambda x: x, lax.stage)
deflinear(stage_p, lambda ct, x: [ct])
unary_batcher(stage_p)

# --------------------------------------------------------------------------- dce_sink
# No outputs: it only keeps its operand's computation alive (lowered to nothing unless
# ``prevent_mlir_dce``, then to JAX's side-effecting custom call).
dce_sink_p = Primitive("dce_sink", multiple_results=True)


def _dce_sink_lower(x, *, prevent_mlir_dce):
    lax.dce_sink(x, prevent_mlir_dce=prevent_mlir_dce)
    return []


register(dce_sink_p, lambda x, *, prevent_mlir_dce: [], _dce_sink_lower)
jvp_rules[dce_sink_p] = lambda primals, tangents, **params: (
    bind(dce_sink_p, *primals, **params), [])
transpose_rules[dce_sink_p] = lambda cts, x, **params: [None]
batch_rules[dce_sink_p] = lambda args, dims, **params: (bind(dce_sink_p, *args, **params), [])


# =========================================================================== public API

def optimization_barrier(operand, /):
    """``operand`` (any pytree of arrays) unchanged, with a barrier XLA does not move
    computations across nor merge: every output is computed after every input is ready.
    Useful to pin rematerialization or keep two copies of one computation apart.

    >>> lax.optimization_barrier((jnp.ones(2), 3.0))
    (Array([1., 1.], dtype=float32), Array(3., dtype=float32, weak_type=True))
    """
    leaves, tree = tree_flatten(operand)
    return tree_unflatten(tree, bind(optimization_barrier_p, *leaves))


def stage(x, /):
    """``x`` as a value of the current trace: a Python scalar or NumPy array becomes an
    array (a ``jax.Array`` when no transform is active); traced values pass through.

    >>> lax.stage(1.0)
    Array(1., dtype=float32, weak_type=True)
    """
    if isinstance(x, Tracer):
        return x
    return bind(stage_p, x)


def dce_sink(val, *, prevent_mlir_dce: bool = False) -> None:
    """Mark every array of the pytree ``val`` as used, so the computation that produces
    it is kept; returns nothing.

    >>> lax.dce_sink(jnp.ones(3)) is None
    True
    """
    for leaf in tree_leaves(val):
        bind(dce_sink_p, leaf, prevent_mlir_dce=bool(prevent_mlir_dce))
