"""``zenax.Array``: the one type that names every zenax array, concrete or traced.

A concrete zenax array is a ``jax.Array`` (an XLA buffer); inside ``jit``, ``grad``,
``vmap`` and the other transforms an array is a zenax :class:`~zenax.tracer.core.Tracer`.
Code written for JAX asserts ``isinstance(x, jax.Array)`` on both (Optax, Equinox and
jaxtyping do), so ``zenax.Array`` must answer True for both as well.

Why a class of our own and not ``jax.Array.register(Tracer)``: that would change what
``isinstance`` means for the real JAX running in the same process (zenax's back end,
other libraries), and a zenax tracer is not something JAX can consume.  Instead the
metaclass answers the checks, mirroring JAX's rules exactly:

- ``isinstance(x, Array)``: True for ``jax.Array`` instances and for zenax tracers;
- ``issubclass(C, Array)``: True for ``jax.Array`` and its subclasses, False for the
  tracer classes, as JAX's own tracer class is not a subclass of ``jax.Array``.  The
  ``typing.Union`` forms (``Optional[Array]``, ``zenax.typing.ArrayLike``) and
  ``functools.singledispatch`` decide by class, so they follow JAX there too.

The class prints, and reports ``__module__``/``__name__``/``__qualname__``, as JAX's
does with "jax" spelled "zenax".  Hot paths that mean "a concrete XLA buffer" keep
testing ``jax.Array`` (a C-level check); this class is for user code and annotations.
"""
from __future__ import annotations

from typing import Any

import jax

from .core import Tracer

__all__ = ["Array"]

_INSTANCE_TYPES = (jax.Array, Tracer)


class _ArrayMeta(type):
    """Answers ``isinstance``/``issubclass`` for :class:`Array` by JAX's rules; a user
    subclass of ``Array`` gets Python's ordinary checks."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Array and isinstance(instance, _INSTANCE_TYPES):
            return True
        return type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass: type) -> bool:
        if cls is Array and issubclass(subclass, jax.Array):
            return True
        return type.__subclasscheck__(cls, subclass)


class Array(metaclass=_ArrayMeta):
    """The type of zenax arrays: a ``jax.Array`` when concrete, a tracer inside a
    transformation.  Use it in ``isinstance`` checks and annotations; create arrays with
    ``zenax.numpy`` functions, not by calling it.

    >>> import zenax, zenax.numpy as jnp
    >>> isinstance(jnp.ones(2), zenax.Array)
    True
    >>> def double(x):
    ...     assert isinstance(x, zenax.Array)   # a tracer here
    ...     return 2 * x
    >>> zenax.jit(double)(1.0)
    Array(2., dtype=float32, weak_type=True)
    """


# JAX's class is a C++ type whose name carries its extension module: keep the same
# spelling with "jax" renamed, so printed annotations and error messages read alike.
Array.__module__ = jax.Array.__module__.replace("jax", "zenax")
Array.__name__ = jax.Array.__name__.replace("jax", "zenax")
Array.__qualname__ = jax.Array.__qualname__.replace("jax", "zenax")
