"""Naming a user function's arguments and outputs in error messages.

Transforms take and return pytrees of arrays.  When a leaf is not an array -- a string,
an object of a class not registered as a pytree -- the error names the transform, the
argument or output (``argument params['w']``, ``output [1]``), what was expected and what
was received, and suggests the fix.  Names are worked out only once an error is certain,
so the hot paths pay nothing for them.
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable, Sequence

from .avals import concrete_aval
from .core import Tracer
from .tree_util import keystr, tree_flatten_with_path


def check_callable(fname: str, fun) -> None:
    """``fname(fun)`` needs a function: a TypeError otherwise (as JAX's, naming fname)."""
    if not callable(fun):
        raise TypeError(f"{fname}: Expected a callable value as the function to transform, "
                        f"got {fun!r} of type {type(fun).__name__}.")


def wraps(fun: Callable):
    """``functools.wraps(fun)`` that leaves the wrapper's own name and docstring when
    ``fun``'s are not a function's (an Equinox module's ``__name__`` may be a sentinel
    object), as JAX's transforms do rather than fail."""
    def decorate(wrapper):
        try:
            return functools.wraps(fun)(wrapper)
        except (TypeError, AttributeError):
            return wrapper
    return decorate


def positional_names(fun: Callable) -> list[str]:
    """The names of ``fun``'s parameters that can be passed by position, in order."""
    try:
        params = inspect.signature(fun).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def arg_leaf_names(fun: Callable, args: Sequence, indices: Sequence[int] | None = None,
                   kwargs: dict | None = None) -> list[str]:
    """One name per leaf of ``args[i] for i in indices`` (all by default) then of
    ``kwargs``: ``argument x``, ``argument params['w']``, ``keyword argument ['n']``."""
    params = positional_names(fun)
    names = []
    for i in range(len(args)) if indices is None else indices:
        base = params[i] if i < len(params) else f"args[{i}]"
        names += [f"argument {base}{keystr(path)}"
                  for path, _ in tree_flatten_with_path(args[i])[0]]
    names += [f"keyword argument {keystr(path)}"
              for path, _ in tree_flatten_with_path(kwargs or {})[0]]
    return names


def is_valid_leaf(x) -> bool:
    """An array, a scalar or a tracer: what a transform can take or return."""
    if isinstance(x, Tracer):
        return True
    try:
        concrete_aval(x)
    except TypeError:
        return False
    return True


_STATIC_FIX = ("Close over non-array values (e.g. with functools.partial) or, under jit, "
               "mark them static (static_argnums / static_argnames).")
_OUTPUT_FIX = ("Return only arrays (or pytrees of them) from the transformed function, and "
               "compute other values outside it.")


def invalid_leaf_error(fname: str, what: str, leaf, output: bool = False) -> TypeError:
    """The error for a leaf that is not an array: ``what`` is e.g. ``argument x``;
    ``output``: the leaf was returned by the function, not passed to it."""
    kind = type(leaf).__name__
    text = repr(leaf)
    shown = text if len(text) <= 60 else text[:57] + "..."
    if output:
        fix = _OUTPUT_FIX
    elif isinstance(leaf, (str, bytes)) or type(leaf).__module__ == "builtins":
        fix = _STATIC_FIX
    else:
        fix = (f"If {kind} holds arrays, register it as a pytree "
               "(zenax.tree_util.register_pytree_node, register_dataclass); otherwise: "
               + _STATIC_FIX[0].lower() + _STATIC_FIX[1:])
    return TypeError(f"{fname}: {what} is a value of type {kind} ({shown}), which is not a "
                     "valid zenax type: expected an array (jax.Array, numpy.ndarray), a "
                     f"Python or NumPy scalar, or a pytree of those. {fix}")


def check_leaves(fname: str, leaves: Sequence, names: Callable[[], list[str]],
                 output: bool = False) -> None:
    """Raise :func:`invalid_leaf_error` for the first of ``leaves`` that is not an array;
    ``names()`` names every leaf (called only then)."""
    for k, leaf in enumerate(leaves):
        if not is_valid_leaf(leaf):
            raise invalid_leaf_error(fname, names()[k], leaf, output)


def check_outputs(fname: str, out, leaves: Sequence) -> None:
    """The function ``fname`` transformed returned ``out`` (flat: ``leaves``): every leaf
    must be an array."""
    check_leaves(fname, leaves, lambda: [f"output {keystr(p) or '(the result)'}"
                                         for p, _ in tree_flatten_with_path(out)[0]],
                 output=True)
