"""Primitives for debugging: ``debug_callback`` (behind ``zenax.debug``'s ``callback``,
``print``, ``log`` and ``breakpoint``) and ``name`` (behind ``checkpoint_name``)."""
from __future__ import annotations

import jax

from zenax.tracer.ad_types import not_mapped
from zenax.tracer.core import (Primitive, abstract_eval_rules, batch_rules, bind,
                               jvp_rules, lowering_rules)
from zenax.tracer.tree_util import tree_map

from .broadcasting import batch_size, deflinear

# --------------------------------------------------------------------------- debug_callback
# debug_callback(*args, callback): calls `callback(*arrays)` when the program runs,
# eagerly or compiled.  It has an effect, so jaxpr passes never remove it.
debug_callback_p = Primitive("debug_callback", multiple_results=True)
abstract_eval_rules[debug_callback_p] = lambda *avals, callback: []


def _debug_callback_lower(*args, callback):
    jax.debug.callback(callback, *args)
    return []


def _debug_callback_jvp(primals, tangents, *, callback):
    # Printing happens on the primal values; it has no tangent.
    bind(debug_callback_p, *primals, callback=callback)
    return [], []


def _debug_callback_batch(args, dims, *, callback):
    size = batch_size(args, dims)

    def per_element(*arrays):
        # Called with the whole batch: run the user's callback once per batch element, on
        # slices of the arrays (still arrays, as JAX passes them).
        for i in range(size):
            callback(*[a if d is not_mapped else a[(slice(None),) * d + (i,)]
                       for a, d in zip(arrays, dims)])
    bind(debug_callback_p, *args, callback=per_element)
    return [], []


lowering_rules[debug_callback_p] = _debug_callback_lower
jvp_rules[debug_callback_p] = _debug_callback_jvp
batch_rules[debug_callback_p] = _debug_callback_batch


# --------------------------------------------------------------------------- name
# name(x, name): the identity, marking a value for `save_only_these_names` remat policies.
name_p = Primitive("name")
abstract_eval_rules[name_p] = lambda x, *, name: x
lowering_rules[name_p] = lambda x, *, name: x
deflinear(name_p, lambda ct, x, *, name: [ct])
batch_rules[name_p] = lambda args, dims, *, name: (bind(name_p, args[0], name=name), dims[0])


def checkpoint_name(x, name: str):
    """Name ``x`` so a remat policy (``save_only_these_names``) can save it."""
    return tree_map(lambda v: bind(name_p, v, name=name), x)
