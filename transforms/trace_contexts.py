"""Contexts that change how code is traced: ``ensure_compile_time_eval``, ``named_scope``
and ``named_call``.

- Inside ``ensure_compile_time_eval()``, operations on concrete values run now, even
  under ``jit``: what they compute becomes a constant of the program instead of staged
  work.  Operations that involve a traced value are still traced.
- ``named_scope`` / ``named_call`` name a region of a program.  JAX attaches the names
  to the compiler's op metadata only (jaxprs, printed programs and results are
  unchanged); zenax keeps no name stack, so these check their argument and otherwise
  leave tracing as it is.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Callable, Iterator, TypeVar

from zenax.tracer import core
from zenax.tracer.core import Trace, Tracer, bind, set_current_trace

__all__ = ["ensure_compile_time_eval", "named_call", "named_scope"]

F = TypeVar("F", bound=Callable)


class _CompileTimeEvalTrace(Trace):
    """Evaluates primitives on concrete operands now; hands the others to ``staging``,
    the trace that was current when the block was entered."""

    def __init__(self, staging: Trace):
        super().__init__(parent=staging)
        self.staging = staging

    def process_primitive(self, primitive, args, params):
        trace = self.staging if any(isinstance(x, Tracer) for x in args) else core.eval_trace
        with set_current_trace(trace):
            return bind(primitive, *args, **params)


@contextlib.contextmanager
def ensure_compile_time_eval() -> Iterator[None]:
    """Compute what can be computed now, even while tracing (e.g. under ``jit``).

    >>> @zenax.jit
    ... def f(x):
    ...     with ensure_compile_time_eval():
    ...         y = zenax.numpy.sin(3.0)   # a concrete value, not a tracer
    ...     return x + y
    >>> print(zenax.make_jaxpr(f)(1.0))  # doctest: +ELLIPSIS
    { lambda ; a:f32[]. let
        b:f32[] = jit[...
    """
    with set_current_trace(_CompileTimeEvalTrace(core.current_trace())):
        yield


@contextlib.contextmanager
def named_scope(name: str) -> Iterator[None]:
    """Name the operations traced inside the block (for profiles of the compiled
    program; nothing else changes).

    >>> with named_scope('encoder'):
    ...     y = zenax.numpy.ones(2) * 2
    """
    if not isinstance(name, str):
        raise TypeError("named_scope name argument must be a string.")
    yield


def named_call(fun: F, *, name: str | None = None) -> F:
    """``fun``, with its operations named ``name`` (default: ``fun``'s name).

    >>> double = named_call(lambda x: x * 2, name='double')
    >>> double(2.0)
    4.0
    """
    scope = name if name is not None else getattr(fun, "__name__", "named_call")

    @functools.wraps(fun)
    def named(*args, **kwargs):
        with named_scope(scope):
            return fun(*args, **kwargs)
    return named
