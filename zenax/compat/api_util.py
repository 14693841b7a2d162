"""View of ``jax.api_util`` for libraries under ``zenax.install_as_jax()``: the
function-flattening helpers Flax uses to trace a function of pytrees as a function of
flat arrays (``flatten_fun``, ``flatten_fun_nokwargs``, ``debug_info``), written over
zenax's pytrees.

>>> import zenax
>>> from zenax.compat import api_util
>>> from zenax.compat.extend import linear_util as lu
>>> _, in_tree = zenax.tree_util.tree_flatten(((1.0, {"b": 2.0}),))
>>> f_flat, out_tree = api_util.flatten_fun_nokwargs(
...     lu.wrap_init(lambda a: {"sum": a[0] + a[1]["b"]}), in_tree)
>>> f_flat.call_wrapped(1.0, 2.0), out_tree()
([3.0], PyTreeDef({'sum': *}))
"""
from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable, Sequence

from zenax.tracer.pytree import PyTreeDef, tree_flatten, tree_unflatten
from zenax.tracer.source_info import user_frame
from zenax.compat.extend.linear_util import Store, WrappedFun

__all__ = ["DebugInfo", "debug_info", "flatten_fun", "flatten_fun_nokwargs"]


@dataclasses.dataclass(frozen=True)
class DebugInfo:
    """What a traced function is, for error messages: what it was traced for, where it
    was defined, and its argument names (when known)."""
    traced_for: str
    func_src_info: str
    arg_names: tuple[str, ...] | None
    result_paths: tuple[str, ...] | None = None


def _src_info(fun: Callable) -> str:
    name = getattr(fun, "__name__", type(fun).__name__)
    try:
        return f"{name} at {inspect.getsourcefile(fun)}:{inspect.getsourcelines(fun)[1]}"
    except (TypeError, OSError):
        frame = user_frame()
        return f"{name} at {frame}" if frame else name


def debug_info(traced_for: str, fun: Callable, args: Sequence, kwargs: dict, *,
               static_argnums: Sequence[int] = (), static_argnames: Sequence[str] = (),
               result_paths_thunk: Callable | None = None, sourceinfo: str | None = None,
               signature: inspect.Signature | None = None) -> DebugInfo:
    """The debug information of ``fun`` called with ``args`` and ``kwargs``."""
    del static_argnums, static_argnames, result_paths_thunk
    try:
        signature = signature or inspect.signature(fun)
        bound = signature.bind(*args, **kwargs)
        arg_names = tuple(bound.arguments)
    except (TypeError, ValueError):
        arg_names = None
    return DebugInfo(traced_for, sourceinfo or _src_info(fun), arg_names)


def flatten_fun(f: WrappedFun, in_tree: PyTreeDef) -> tuple[WrappedFun, Store]:
    """``f`` as a function of the flat leaves of ``(args, kwargs)`` (structure
    ``in_tree``) returning a flat list; the store gives its output structure after a
    call."""
    out_tree = Store()

    def f_flat(*leaves):
        args, kwargs = tree_unflatten(in_tree, leaves)
        outs, tree = tree_flatten(f.call_wrapped(*args, **kwargs))
        out_tree.store(tree)
        return outs
    return WrappedFun(f_flat, f.debug_info), out_tree


def flatten_fun_nokwargs(f: WrappedFun, in_tree: PyTreeDef) -> tuple[WrappedFun, Store]:
    """As :func:`flatten_fun` for a ``in_tree`` of the positional arguments only."""
    out_tree = Store()

    def f_flat(*leaves):
        outs, tree = tree_flatten(f.call_wrapped(*tree_unflatten(in_tree, leaves)))
        out_tree.store(tree)
        return outs
    return WrappedFun(f_flat, f.debug_info), out_tree
