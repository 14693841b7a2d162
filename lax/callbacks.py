"""``pure_callback``: calling Python (NumPy, SciPy, ...) from zenax programs.

``pure_callback_p`` has the result types the caller declares as its abstract value, and
lowers to JAX's host callback, so the Python function runs when the program runs --
eagerly, or from inside a compiled program.  The function is taken to be pure: it may run
once per batch element, or not at all if its results are unused.  It has no derivative
(JAX's errors: use ``custom_jvp``/``custom_vjp`` around it); under ``vmap`` the caller's
``vmap_method`` says how it is batched (JAX's four methods).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Primitive, abstract_eval_rules, batch_rules, bind,
                               jvp_rules, lowering_rules, transpose_rules)
from zenax.tracer.tree_util import PyTreeDef, tree_flatten, tree_leaves, tree_map, tree_unflatten

from . import control_flow
from .broadcasting import batch_size, moveaxis
from .shapes import broadcast

__all__ = ["pure_callback", "pure_callback_p"]

_VMAP_METHODS = ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                 "legacy_vectorized", None)


@dataclasses.dataclass(frozen=True)
class FlatCallback:
    """The user's callback on the flat list of its array arguments: the other leaves
    (``static``: ``(position, value)`` pairs) merged back, the ``(args, kwargs)`` pytree
    rebuilt, the results flattened.  Equal for the same function, argument structure and
    static leaves.  Also ``zenax.debug``'s callbacks (``debug_callbacks.py``)."""
    callback_func: Callable[..., Any]
    in_tree: PyTreeDef
    static: tuple = ()

    def __call__(self, *dynamic):
        static, it = dict(self.static), iter(dynamic)
        leaves = [static[i] if i in static else next(it)
                  for i in range(len(static) + len(dynamic))]
        args, kwargs = tree_unflatten(self.in_tree, leaves)
        return tree_leaves(self.callback_func(*args, **kwargs))


# pure_callback(*args, callback, result_avals, sharding, vmap_method)
pure_callback_p = Primitive("pure_callback", multiple_results=True)
abstract_eval_rules[pure_callback_p] = lambda *avals, result_avals, **_: list(result_avals)


def _pure_callback_lower(*args, callback, result_avals, sharding, vmap_method):
    shapes = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in result_avals]
    return list(jax.pure_callback(callback, shapes, *args, sharding=sharding))


def _pure_callback_jvp(primals, tangents, **params):
    raise ValueError("Pure callbacks do not support JVP. Please use `zenax.custom_jvp` to use "
                     "callbacks while taking gradients.")


def _pure_callback_transpose(cts, *args, **params):
    raise ValueError("Pure callbacks do not support transpose. Please use `zenax.custom_vjp` "
                     "to use callbacks while taking gradients.")


def _pure_callback_batch(args, dims, *, callback, result_avals, sharding, vmap_method):
    size = batch_size(args, dims)
    args = [x if d is not_mapped else moveaxis(x, d, 0) for x, d in zip(args, dims)]
    batched_avals = tuple(a.update(shape=(size,) + a.shape) for a in result_avals)
    params = dict(callback=callback, sharding=sharding, vmap_method=vmap_method)
    if vmap_method == "legacy_vectorized":
        outs = bind(pure_callback_p, *args, result_avals=batched_avals, **params)
    elif vmap_method in ("expand_dims", "broadcast_all"):
        n = size if vmap_method == "broadcast_all" else 1
        args = [broadcast(x, (n,)) if d is not_mapped else x for x, d in zip(args, dims)]
        outs = bind(pure_callback_p, *args, result_avals=batched_avals, **params)
    elif vmap_method in ("sequential", "sequential_unrolled"):
        batched = [d is not not_mapped for d in dims]

        def one(xs):
            it = iter(xs)
            merged = [next(it) if b else x for x, b in zip(args, batched)]
            return bind(pure_callback_p, *merged, result_avals=result_avals, **params)
        mapped = [x for x, b in zip(args, batched) if b]
        _, outs = control_flow.scan(lambda c, xs: (c, one(xs)), (), mapped,
                                    unroll=size if vmap_method == "sequential_unrolled" else 1)
    else:
        raise NotImplementedError(
            "vmap is only supported for the pure_callback primitive when vmap_method is one "
            "of 'sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', or "
            f"'legacy_vectorized'. Got vmap_method={vmap_method!r}.")
    return list(outs), [0] * len(outs)


lowering_rules[pure_callback_p] = _pure_callback_lower
jvp_rules[pure_callback_p] = _pure_callback_jvp
transpose_rules[pure_callback_p] = _pure_callback_transpose
batch_rules[pure_callback_p] = _pure_callback_batch


def _result_aval(x) -> ShapedArray:
    dtype = np.dtype(x.dtype)
    if dtypes.canonicalize_dtype(dtype) != dtype:
        raise ValueError("result_shape_dtypes cannot specify 64-bit types when "
                         "`jax_enable_x64` is disabled")
    return ShapedArray(x.shape, dtype)


def pure_callback(callback: Callable[..., Any], result_shape_dtypes: Any, *args: Any,
                  sharding: Any = None, vmap_method: str | None = None, **kwargs: Any):
    """Call the pure Python function ``callback(*args, **kwargs)`` when the program runs.

    ``result_shape_dtypes`` is a pytree of objects with ``shape`` and ``dtype`` (such as
    ``zenax.ShapeDtypeStruct``) that ``callback``'s result must match; ``callback``
    receives arrays.  Under ``vmap``, ``vmap_method`` picks the batching:
    ``"sequential"`` (one call per element), ``"sequential_unrolled"``, ``"expand_dims"``
    (unbatched arguments get a leading axis of size 1) or ``"broadcast_all"`` (they are
    tiled to the batch size); without one, ``vmap`` raises NotImplementedError.

    >>> f = lambda x: pure_callback(np.sin, zenax.ShapeDtypeStruct((), np.float32), x)
    >>> zenax.jit(f)(np.float32(0.5))
    Array(0.47942555, dtype=float32)
    """
    if vmap_method not in _VMAP_METHODS:
        raise ValueError(f"vmap_method must be on of the allowed methods {list(_VMAP_METHODS)}"
                         f", but got: {vmap_method}")
    flat_args, in_tree = tree_flatten((args, kwargs))
    result_avals = tree_map(_result_aval, result_shape_dtypes)
    flat_avals, out_tree = tree_flatten(result_avals)
    outs = bind(pure_callback_p, *flat_args, callback=FlatCallback(callback, in_tree),
                result_avals=tuple(flat_avals), sharding=sharding, vmap_method=vmap_method)
    return tree_unflatten(out_tree, outs)
