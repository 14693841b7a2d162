"""Config options as context managers: ``with zenax.enable_x64(True): ...``.

JAX exposes each option both through ``jax.config.update`` and as a top-level object
that is a context manager (and decorator) setting the option for a block, with the
current setting in ``.value``.  Here one :class:`ConfigOption` per option does the same
on top of ``zenax.config``'s ``update``/``read`` (which a layer above hands in: it owns
the meaning of each option -- zenax's own switches, or JAX's back-end ones).  Inside the
block the option is set process-wide and restored on exit.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

__all__ = ["ConfigOption", "UserContext", "make_user_context", "user_context_values"]


class _NoDefault:
    def __repr__(self) -> str:
        return "<no default>"


_NO_DEFAULT: Any = _NoDefault()


class ConfigOption:
    """One option: ``option(value)`` is a context manager (and decorator) that sets it for
    a block; ``option.value`` is its current setting.

    >>> opt = ConfigOption('jax_log_compiles', zenax.config.update, zenax.config.read,
    ...                    default_context_value=True)
    >>> with opt():
    ...     print(opt.value)
    True
    >>> opt.value
    False
    """

    def __init__(self, name: str, update: Callable[[str, Any], None],
                 read: Callable[[str], Any], default_context_value: Any = _NO_DEFAULT):
        self._name = name
        self.__name__ = name.removeprefix("jax_")
        self._update, self._read = update, read
        self._default_context_value = default_context_value
        self.__doc__ = f"Context manager for the `{name}` config option."

    @property
    def name(self) -> str:
        return self._name

    @property
    def value(self) -> Any:
        return self._read(self._name)

    def __bool__(self):
        raise TypeError(f"bool() not supported for instances of type '{type(self).__name__}' "
                        f"(did you mean to use '{type(self).__name__}.value' instead?)")

    def __call__(self, new_val: Any = _NO_DEFAULT) -> _OptionContext:
        if new_val is _NO_DEFAULT:
            if self._default_context_value is _NO_DEFAULT:
                raise TypeError(f"Context manager for {self.__name__} config option requires "
                                "an argument representing the new value for the config "
                                "option.")
            new_val = self._default_context_value
        return _OptionContext(self, new_val)

    def __repr__(self) -> str:
        return f"<config option {self._name}>"


class _OptionContext:
    """Sets an option on entry and restores the previous value on exit."""

    def __init__(self, option: ConfigOption, new_val: Any):
        self.option, self.new_val = option, new_val
        self.prev: list = []

    def __enter__(self) -> None:
        self.prev.append(self.option.value)
        self.option._update(self.option.name, self.new_val)

    def __exit__(self, *exc) -> None:
        self.option._update(self.option.name, self.prev.pop())

    def __call__(self, fun: Callable) -> Callable:
        @functools.wraps(fun)
        def wrapper(*args, **kwargs):
            with _OptionContext(self.option, self.new_val):
                return fun(*args, **kwargs)
        return wrapper


_user_contexts: list["UserContext"] = []   # every context made, in creation order


class UserContext:
    """A value of the user's own that ``jit``'s cache keys on: see
    :func:`make_user_context`."""

    def __init__(self, default_value: Any):
        self._global = default_value
        self._stack: list = []

    @property
    def value(self) -> Any:
        return self._stack[-1] if self._stack else self._global

    def get_global(self) -> Any:
        return self._global

    def set_global(self, new_value: Any) -> None:
        self._global = new_value

    def __call__(self, new_value: Any) -> "_UserContextBlock":
        return _UserContextBlock(self, new_value)


class _UserContextBlock:
    def __init__(self, ctx: UserContext, new_value: Any):
        self.ctx, self.new_value = ctx, new_value

    def __enter__(self) -> None:
        self.ctx._stack.append(self.new_value)

    def __exit__(self, *exc) -> None:
        self.ctx._stack.pop()

    def __call__(self, fun: Callable) -> Callable:
        @functools.wraps(fun)
        def wrapper(*args, **kwargs):
            with _UserContextBlock(self.ctx, self.new_value):
                return fun(*args, **kwargs)
        return wrapper


def make_user_context(default_value: Any = None) -> UserContext:
    """A new context whose value is part of every ``jit`` cache key: calling a jitted
    function inside ``with ctx(v):`` for a new ``v`` traces and compiles it again, so
    the function may read ``ctx.value`` as a constant.  Values must be hashable.

    >>> ctx = make_user_context(default_value=0)
    >>> with ctx(2):
    ...     print(ctx.value)
    2
    >>> ctx.value
    0
    """
    ctx = UserContext(default_value)
    _user_contexts.append(ctx)
    return ctx


def user_context_values() -> tuple:
    """The current value of every user context (a part of ``jit``'s cache key)."""
    return tuple([c.value for c in _user_contexts]) if _user_contexts else ()
