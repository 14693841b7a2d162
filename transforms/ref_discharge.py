"""Refs passed to a jitted function: their values go in as arguments, their final values
come back as extra outputs and are written into the caller's refs.

Inside the trace each ref argument is a fresh :class:`~zenax.lax.refs.Ref` holding the
traced value, so the body mutates it like any local ref (``lax/refs.py`` discharges the
effects while tracing); what the jitted program returns is pure.
"""
from __future__ import annotations

import functools
import weakref
from typing import Any

from zenax.lax.refs import AbstractRef, Ref
from zenax.tracer.core import get_aval
from zenax.tracer.tree_util import tree_flatten, tree_unflatten

# Per jitted function and (argument structure, which leaves are refs): the inner jit.
_wrappers: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()


def has_refs(args: tuple, kwargs: dict) -> bool:
    """Whether any leaf of the arguments is a Ref, however deep (Flax NNX passes a
    module's refs inside its state tree). jit asks only off its cache-hit fast path."""
    for a in (*args, *kwargs.values()):
        if type(a) is Ref:
            return True
        if not hasattr(a, "dtype") and any(type(x) is Ref for x in tree_flatten(a)[0]):
            return True   # (an array argument has a dtype: no tree to walk)
    return False


def call_with_refs(jitted, args: tuple, kwargs: dict):
    """``jitted(*args, **kwargs)`` where some arguments are Refs: the Refs hold the
    values the function left in them afterwards.  ``jitted`` is a ``Jitted``; the inner
    jit is built with its class, so this module needs no import of ``jit.py``."""
    leaves, tree = tree_flatten((args, kwargs))
    mask = tuple(type(x) is Ref for x in leaves)
    cache = _wrappers.setdefault(jitted, {})
    inner = cache.get((tree, mask))
    if inner is None:
        fun = jitted.fun

        @functools.wraps(fun)
        def with_refs(*a, **k):
            flat, _ = tree_flatten((a, k))
            refs = [Ref(AbstractRef(get_aval(x)), x) for x, m in zip(flat, mask) if m]
            it = iter(refs)
            a, k = tree_unflatten(tree, [next(it) if m else x for x, m in zip(flat, mask)])
            out = fun(*a, **k)
            return out, [r._value for r in refs]

        inner = type(jitted)(with_refs, jitted.static_argnums, jitted.static_argnames,
                             jitted.donate_argnums, jitted.donate_argnames, None, None)
        cache[(tree, mask)] = inner
    refs = [x for x, m in zip(leaves, mask) if m]
    if len({id(r) for r in refs}) != len(refs):
        raise ValueError(f"jit of {jitted.name}: the same Ref is passed more than once; "
                         "pass each mutable array reference once.")
    a, k = tree_unflatten(tree, [x._value if m else x for x, m in zip(leaves, mask)])
    out, finals = inner(*a, **k)
    for r, v in zip(refs, finals):
        r._value = v
    return out
