"""View of ``jax.extend.linear_util`` for libraries under ``zenax.install_as_jax()``
(for flax: Flax's ``lazy_init``, ``partial_eval_by_shape`` and ``linen.scan`` wrap a
function with ``wrap_init``, flatten it with ``jax.api_util.flatten_fun`` and trace it
with ``jax.interpreters.partial_eval.trace_to_jaxpr_nounits``).

JAX's ``WrappedFun`` is a function plus a stack of generator transformations; zenax's
transforms take plain Python callables, so here a ``WrappedFun`` is a small record of the
callable and its debug information, and each wrapper (``flatten_fun``) is a closure.

>>> from zenax.compat.extend import linear_util as lu
>>> lu.wrap_init(lambda x, y: x + y).call_wrapped(1, 2)
3
"""
from __future__ import annotations

import functools
from typing import Any, Callable

__all__ = ["Store", "WrappedFun", "wrap_init"]

_EMPTY = object()


class Store:
    """A value a wrapper records while the function runs (the output tree of
    ``flatten_fun``), read after the call; reading it before raises."""

    __slots__ = ("_value",)

    def __init__(self):
        self._value = _EMPTY

    def store(self, value: Any) -> None:
        if self._value is not _EMPTY:
            raise RuntimeError("Store occupied: the wrapped function ran twice")
        self._value = value

    @property
    def val(self) -> Any:
        if self._value is _EMPTY:
            raise RuntimeError("Store empty: call the wrapped function first")
        return self._value

    def __call__(self) -> Any:
        return self.val


class WrappedFun:
    """A function to be traced, with the debug information JAX attaches to it."""

    def __init__(self, f: Callable, debug_info: Any = None):
        self.f = f
        self.debug_info = debug_info

    @property
    def __name__(self) -> str:
        return getattr(self.f, "__name__", type(self.f).__name__)

    def call_wrapped(self, *args, **kwargs):
        return self.f(*args, **kwargs)

    def __repr__(self):
        return f"WrappedFun({self.__name__})"


def wrap_init(f: Callable, params: dict | None = None, *, debug_info: Any = None
              ) -> WrappedFun:
    """``f`` as a :class:`WrappedFun`; ``params`` are passed to it as keywords."""
    return WrappedFun(functools.partial(f, **params) if params else f, debug_info)
