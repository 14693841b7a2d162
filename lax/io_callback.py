"""``io_callback``: calling impure Python (logging, I/O, host state) from zenax programs.

Unlike ``pure_callback_p``, ``io_callback_p`` is effectful: the jaxpr passes never remove
or merge it (it joins ``effectful_primitives`` where it is registered), and with
``ordered=True`` JAX's runtime keeps the calls in program order.  As in JAX it has no
derivative, and under ``vmap`` an unordered callback runs once per batch element (a
sequential ``lax.map``); an ordered one cannot be batched.
"""
from __future__ import annotations

from typing import Any, Callable

import jax

from zenax.tracer.ad_types import not_mapped
from zenax.tracer.core import (Primitive, abstract_eval_rules, batch_rules, bind,
                               jvp_rules, lowering_rules, transpose_rules)
from zenax.tracer.tree_util import tree_flatten, tree_map, tree_unflatten

from . import control_flow
from .broadcasting import moveaxis
from .callbacks import FlatCallback, _result_aval

__all__ = ["io_callback", "io_callback_p"]

# io_callback(*args, callback, result_avals, sharding, ordered)
io_callback_p = Primitive("io_callback", multiple_results=True)
abstract_eval_rules[io_callback_p] = lambda *avals, result_avals, **_: list(result_avals)


def _io_callback_lower(*args, callback, result_avals, sharding, ordered):
    shapes = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in result_avals]
    return list(jax.experimental.io_callback(callback, shapes, *args, sharding=sharding,
                                             ordered=ordered))


def _io_callback_jvp(primals, tangents, **params):
    raise ValueError("IO callbacks do not support JVP.")


def _io_callback_transpose(cts, *args, **params):
    raise ValueError("IO callbacks do not support transpose.")


def _io_callback_batch(args, dims, *, callback, result_avals, sharding, ordered):
    if ordered:
        raise ValueError("Cannot `vmap` ordered IO callback.")
    batched = [d is not not_mapped for d in dims]
    args = [moveaxis(x, d, 0) if b else x for x, d, b in zip(args, dims, batched)]

    def one(xs):
        it = iter(xs)
        merged = [next(it) if b else x for x, b in zip(args, batched)]
        return bind(io_callback_p, *merged, callback=callback, result_avals=result_avals,
                    sharding=sharding, ordered=False)
    outs = control_flow.map(one, [x for x, b in zip(args, batched) if b])
    return list(outs), [0] * len(outs)


lowering_rules[io_callback_p] = _io_callback_lower
jvp_rules[io_callback_p] = _io_callback_jvp
transpose_rules[io_callback_p] = _io_callback_transpose
batch_rules[io_callback_p] = _io_callback_batch


def io_callback(callback: Callable[..., Any], result_shape_dtypes: Any, *args: Any,
                sharding: Any = None, ordered: bool = False, **kwargs: Any):
    """Call the impure Python function ``callback(*args, **kwargs)`` when the program runs.

    ``result_shape_dtypes`` is a pytree of objects with ``shape`` and ``dtype`` that the
    callback's result must match (``None`` for no result).  The call is never dropped or
    deduplicated; ``ordered=True`` also keeps it in program order relative to other
    ordered callbacks.  It cannot be differentiated, and ``vmap`` runs an unordered one
    once per batch element.

    >>> seen = []
    >>> f = lambda x: io_callback(lambda v: seen.append(float(v)), None, x)
    >>> zenax.jit(f)(np.float32(2.0)); seen
    [2.0]
    """
    flat_args, in_tree = tree_flatten((args, kwargs))
    result_avals = tree_map(_result_aval, result_shape_dtypes)
    flat_avals, out_tree = tree_flatten(result_avals)
    outs = bind(io_callback_p, *flat_args, callback=FlatCallback(callback, in_tree),
                result_avals=tuple(flat_avals), sharding=sharding, ordered=bool(ordered))
    return tree_unflatten(out_tree, outs)
