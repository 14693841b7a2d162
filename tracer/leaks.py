"""Tracer-leak checking: ``with checking_leaks(): ...``.

A tracer belongs to one transform; stored somewhere that outlives it (a global, an
attribute, a list in a closure) it is a *leak*, and using it later fails far from the
cause.  Inside ``checking_leaks()``, every tracer remembers the user line that created it,
and when a transform finishes we look for its tracers that are still alive and raise
:class:`UnexpectedTracerError` naming that line.  Off by default: it costs a garbage
collection per transform.
"""
from __future__ import annotations

import gc
import weakref
from contextlib import contextmanager

from . import core
from .errors import UnexpectedTracerError
from .source_info import user_frame


class _State:
    enabled = False
    # (weakref to tracer, id of its trace).  Only the id: a strong reference to the trace
    # would keep alive what the trace holds (a linearize trace's residuals, which are the
    # enclosing jit's tracers) and report them as leaks.  A live tracer keeps its trace
    # alive, so the id cannot be reused while the weakref still resolves.
    live: list = []


state = _State()


def record(tracer) -> None:
    tracer._source = user_frame()
    state.live.append((weakref.ref(tracer), id(tracer._trace)))


@contextmanager
def checking_leaks():
    """Raise :class:`UnexpectedTracerError` when a tracer outlives its transformation.

    >>> with zenax.checking_leaks():
    ...     zenax.jit(f)(x)
    """
    prev = state.enabled
    state.enabled = True
    core.tracer_created_hook = record
    try:
        yield
    finally:
        state.enabled = prev
        if not prev:
            core.tracer_created_hook = None
            state.live = []


def check(trace, allowed=()) -> None:
    """Called when ``trace``'s transformation finishes; ``allowed`` are tracers it returns
    on purpose (a staging trace's outputs)."""
    if not state.enabled:
        return
    allowed_ids = {id(t) for t in allowed}
    key = id(trace)
    mine = [ref for ref, t in state.live if t == key]
    # forget this trace's tracers, and dead ones of traces that are never checked
    state.live = [(ref, t) for ref, t in state.live if t != key and ref() is not None]
    gc.collect()
    for ref in mine:
        tracer = ref()
        if tracer is not None and id(tracer) not in allowed_ids:
            source = getattr(tracer, "_source", None)
            where = f"{source.file}:{source.line} (in {source.function})" if source else "?"
            raise UnexpectedTracerError(
                f"Leaked tracer {tracer!r}: it is still referenced after its transformation "
                f"({type(trace).__name__}) finished. It was created at {where}. A value from "
                "inside a transformed function was stored outside it (a global, an "
                "attribute, a closure); return it from the function instead.")
