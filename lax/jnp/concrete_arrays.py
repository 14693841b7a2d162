"""Concrete ``jax.Array``s indexed by zenax tracers.

zenax's concrete values are ``jax.Array``s, and ``x[i]`` on one runs JAX's own
``__getitem__``, which cannot read a zenax tracer.  Yet indexing a closed-over concrete
array with a traced index is everyday JAX code::

    table = jnp.arange(10.0)                      # concrete
    zenax.jit(lambda i: table[i])(3)              # i is a zenax tracer
    zenax.lax.fori_loop(0, 3, lambda i, s: s + table[i], 0.0)

Python has no reflected ``__getitem__`` to hand the operation to the tracer, so
:func:`install` wraps the ``__getitem__`` and ``.at`` of JAX's array classes: when the
index (or an ``.at`` update value) holds a zenax tracer, zenax.numpy's indexing does the
work; otherwise JAX's own method runs, unchanged.
"""
from __future__ import annotations

import jax

from zenax.tracer.core import Tracer

from . import at as _at
from .indexing import getitem as _zenax_getitem

_AT_METHODS = ("get", "set", "add", "multiply", "mul", "divide", "power", "min", "max",
               "apply")


def _has_tracer(x) -> bool:
    if isinstance(x, Tracer):
        return True
    if isinstance(x, (tuple, list)):
        return any(_has_tracer(item) for item in x)
    if isinstance(x, slice):
        return any(isinstance(p, Tracer) for p in (x.start, x.stop, x.step))
    return False


class _DispatchingRef:
    """``concrete.at[idx]``: JAX's update reference, or zenax's when tracers are involved."""

    __slots__ = ("_array", "_index", "_jax_ref")

    def __init__(self, array, index, jax_ref):
        self._array, self._index, self._jax_ref = array, index, jax_ref

    def __getattr__(self, name):
        if name not in _AT_METHODS:
            return getattr(self._jax_ref, name)

        def method(*args, **kwargs):
            if _has_tracer(self._index) or _has_tracer(args):
                return getattr(_at.at(self._array)[self._index], name)(*args, **kwargs)
            return getattr(self._jax_ref, name)(*args, **kwargs)
        return method


class _DispatchingHelper:
    __slots__ = ("_array", "_jax_helper")

    def __init__(self, array, jax_helper):
        self._array, self._jax_helper = array, jax_helper

    def __getitem__(self, index):
        return _DispatchingRef(self._array, index, self._jax_helper[index])


# JAX's binary operators, each with the one Python reflects it to.
_REFLECTED = {
    **{f"__{op}__": f"__r{op}__" for op in (
        "add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "divmod", "pow",
        "lshift", "rshift", "and", "or", "xor")},
    **{f"__r{op}__": f"__{op}__" for op in (
        "add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "divmod", "pow",
        "lshift", "rshift", "and", "or", "xor")},
    "__lt__": "__gt__", "__gt__": "__lt__", "__le__": "__ge__", "__ge__": "__le__",
    "__eq__": "__eq__", "__ne__": "__ne__",
}


def _deferring(jax_op, reflected: str):
    """JAX's binary operator, handing a zenax tracer operand to the tracer's reflected
    operator. JAX's returns NotImplemented for it, which Python turns into the reflected
    call for ``concrete * tracer`` but not for an explicit ``concrete.__mul__(tracer)``,
    the call Flax's ``nnx.Variable`` operators make."""
    def op(self, other):
        if isinstance(other, Tracer):
            return getattr(other, reflected)(self)
        return jax_op(self, other)
    op.__name__, op.__doc__ = jax_op.__name__, jax_op.__doc__
    return op


def install() -> None:
    """Wrap ``__getitem__``, ``.at`` and the binary operators of JAX's concrete array
    classes (idempotent)."""
    for cls in jax.Array.__subclasses__():
        if cls.__name__ != "ArrayImpl" or cls.__dict__.get("_zenax_dispatch"):
            continue
        for name, reflected in _REFLECTED.items():
            jax_op = cls.__dict__.get(name)
            if jax_op is not None:
                setattr(cls, name, _deferring(jax_op, reflected))
        jax_getitem = cls.__dict__.get("__getitem__")
        jax_at = cls.__dict__.get("at")
        if jax_getitem is None:
            continue

        def __getitem__(self, index, _jax_getitem=jax_getitem):
            if _has_tracer(index):
                return _zenax_getitem(self, index)
            return _jax_getitem(self, index)
        cls.__getitem__ = __getitem__
        if isinstance(jax_at, property):
            cls.at = property(lambda self, _jax_at=jax_at:
                              _DispatchingHelper(self, _jax_at.__get__(self)))
        cls._zenax_dispatch = True
