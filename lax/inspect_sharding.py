"""``inspect_array_sharding``: hand the sharding of a value to a Python callback.

The ``inspect_sharding`` primitive has no outputs; only its effect matters, so the jaxpr
passes must keep it (it is one of their effectful primitives).  Its lowering rule is
JAX's own ``jax.debug.inspect_array_sharding``: on a concrete array (eager) the callback
gets the array's sharding at once; inside ``jit`` it gets the sharding XLA's partitioner
chose, when the program is compiled -- so a cached executable calls it no more, as in JAX.
The value's derivative and batching do not change where it lives: ``jvp`` inspects the
primal, ``vmap`` the batched value.
"""
from __future__ import annotations

from typing import Any, Callable

import jax

from zenax.tracer.core import (Primitive, abstract_eval_rules, batch_rules, bind, jvp_rules,
                               lowering_rules)
from zenax.tracer.tree_util import tree_leaves

__all__ = ["inspect_array_sharding", "inspect_sharding_p"]

inspect_sharding_p = Primitive("inspect_sharding", multiple_results=True)
abstract_eval_rules[inspect_sharding_p] = lambda aval, *, callback: []


def _inspect_sharding_lower(x, *, callback):
    jax.debug.inspect_array_sharding(x, callback=callback)
    return []


def _inspect_sharding_jvp(primals, tangents, *, callback):
    bind(inspect_sharding_p, *primals, callback=callback)
    return [], []


def _inspect_sharding_batch(args, dims, *, callback):
    bind(inspect_sharding_p, *args, callback=callback)
    return [], []


lowering_rules[inspect_sharding_p] = _inspect_sharding_lower
jvp_rules[inspect_sharding_p] = _inspect_sharding_jvp
batch_rules[inspect_sharding_p] = _inspect_sharding_batch


def inspect_array_sharding(value: Any, *, callback: Callable[[Any], None]) -> None:
    """Call ``callback(sharding)`` for each array of pytree ``value``: at once for a
    concrete array, at compile time inside ``jit`` (with the sharding XLA chose).

    >>> zenax.debug.inspect_array_sharding(jnp.arange(4.0), callback=print)
    SingleDeviceSharding(device=CpuDevice(id=0), memory_kind=device)
    """
    for leaf in tree_leaves(value):
        bind(inspect_sharding_p, leaf, callback=callback)
