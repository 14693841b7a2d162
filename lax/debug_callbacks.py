"""``zenax.debug``'s callbacks with JAX's full surface: ``callback``, ``print`` and
``log``, each usable in one call (``print("x={x}", x=x)``) or two (``print(ordered=True)
("x={x}", x=x)``).

All bind ``debug_callback_p`` (``debugging.py``), so they run when the program runs --
eagerly, compiled, once per element under ``vmap`` -- and never at trace time.  Arguments
are pytrees: array leaves travel through the program and reach the callback as arrays;
other leaves (strings, ``None`` ...) are passed to it as they are.  ``print`` checks its
format string against its arguments when it is called, and formats with the NumPy print
options in force at that moment, as JAX does.

``ordered`` and ``partitioned`` are accepted for JAX's signature and change nothing yet:
zenax's callbacks are ordered by data dependence only (as JAX's unordered ones), and
zenax programs run unpartitioned.
"""
from __future__ import annotations

import copy
import logging
import string
import sys
from typing import Any, Callable

import numpy as np

from zenax.tracer.arguments import is_valid_leaf
from zenax.tracer.core import bind
from zenax.tracer.source_info import user_frame
from zenax.tracer.tree_util import tree_flatten

from .callbacks import FlatCallback
from .debugging import debug_callback_p

__all__ = ["callback", "print", "log"]

logger = logging.getLogger("zenax.debug")


def _split_args(args: tuple, kwargs: dict):
    """Flatten ``(args, kwargs)``; array leaves are dynamic, the rest static."""
    leaves, tree = tree_flatten((args, kwargs))
    static = {i: x for i, x in enumerate(leaves) if not is_valid_leaf(x)}
    dynamic = [x for i, x in enumerate(leaves) if i not in static]
    return tree, dynamic, static


def _two_call_form(name: str, one_call: Callable, first, args, kwargs):
    if first is not None:
        one_call(first, *args, **kwargs)
        return None
    if args or kwargs:
        raise TypeError(f"{name} received unexpected arguments in the two-call form: "
                        f"{args=} {kwargs=}")
    return one_call


def callback(callback: Callable[..., None] | None = None, *args: Any, ordered: bool = False,
             partitioned: bool = False, **kwargs: Any):
    """Call ``callback(*args, **kwargs)`` with the runtime values of the arrays in
    ``args``/``kwargs`` whenever the program runs (not when it is traced).

    >>> seen = []
    >>> @zenax.jit
    ... def f(x):
    ...     callback(seen.append, x)
    ...     return x + 1
    >>> y = f(1.0); zenax.effects_barrier(); seen
    [Array(1., dtype=float32)]
    """
    def one_call(fun: Callable[..., None], *c_args: Any, **c_kwargs: Any) -> None:
        if not callable(fun):
            raise TypeError("first argument to jax.debug.callback must be callable, but got "
                            f"an object of type {type(fun)}")
        tree, dynamic, static = _split_args(c_args, c_kwargs)
        bind(debug_callback_p, *dynamic, callback=FlatCallback(fun, tree, tuple(static.items())))

    return _two_call_form("debug_callback", one_call, callback, args, kwargs)


class _FormatChecker(string.Formatter):
    """Checks a format string uses every argument, formatting nothing."""

    def format_field(self, value, format_spec):
        return ""

    def check_unused_args(self, used_args, args, kwargs):
        unused = [a for i, a in enumerate(args) if i not in used_args]
        unused_kw = [k for k in kwargs if k not in used_args]
        if unused:
            raise ValueError(f"Unused positional arguments to `jax.debug.print`: {unused}")
        if unused_kw:
            raise ValueError(f"Unused keyword arguments to `jax.debug.print`: {unused_kw}. You "
                             "may be passing an f-string (i.e, `f\"{x}\"`) into "
                             "`jax.debug.print` and instead should pass in a regular string.")


def _print(fmt: str, *args, ordered: bool, partitioned: bool, skip_format_check: bool,
           log_record: logging.LogRecord | None, **kwargs) -> None:
    if not skip_format_check:
        _FormatChecker().format(fmt, *args, **kwargs)
    has_placeholders = bool(fmt) and next(iter(string.Formatter().parse(fmt)))[1] is not None
    printoptions = np.get_printoptions()

    def emit(*a, **kw):
        with np.printoptions(**printoptions):
            msg = fmt.format(*a, **kw) if has_placeholders else " ".join((fmt, *map(str, a)))
        if log_record is None:
            sys.stdout.write(msg + "\n")
        else:
            record = copy.copy(log_record)
            record.msg = msg
            logger.handle(record)

    tree, dynamic, static = _split_args(args, kwargs)
    bind(debug_callback_p, *dynamic, callback=FlatCallback(emit, tree, tuple(static.items())))


def print(fmt: str | None = None, *args, ordered: bool = False, partitioned: bool = False,  # noqa: A001
          skip_format_check: bool = False, **kwargs):
    """Print ``fmt.format(*args, **kwargs)`` with the runtime values, whenever the program
    runs.  Without placeholders in ``fmt``, the arguments follow it, space-separated.

    >>> zenax.jit(lambda x: print('x = {x}', x=x))(2.0); zenax.effects_barrier()
    x = 2.0
    """
    def one_call(fmt: str, *p_args, **p_kwargs) -> None:
        _print(fmt, *p_args, ordered=ordered, partitioned=partitioned,
               skip_format_check=skip_format_check, log_record=None, **p_kwargs)

    return _two_call_form("debug_print", one_call, fmt, args, kwargs)


def log(fmt: str | None = None, *args, ordered: bool = False, partitioned: bool = False,
        skip_format_check: bool = False, **kwargs):
    """Like :func:`print`, but emit the message as an INFO record of the ``zenax.debug``
    logger, attributed to the user's line that called ``log``.

    >>> import logging
    >>> log('loss {}', 0.5)   # goes to logging.getLogger('zenax.debug')
    """
    def one_call(fmt: str, *p_args, **p_kwargs) -> None:
        info = user_frame()
        record = logger.makeRecord(logger.name, logging.INFO,
                                   info.file if info else "(unknown file)",
                                   info.line if info else 0, "", (), None)
        _print(fmt, *p_args, ordered=ordered, partitioned=partitioned,
               skip_format_check=skip_format_check, log_record=record, **p_kwargs)

    return _two_call_form("debug_log", one_call, fmt, args, kwargs)
