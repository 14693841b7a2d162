"""The exceptions zenax raises, under JAX's names and in JAX's class hierarchy.

Each class here is the one zenax itself raises, so ``except zenax.errors.X`` catches it.
``JaxRuntimeError`` is the XLA runtime's error class (zenax runs on that runtime).

>>> import zenax, zenax.numpy as jnp
>>> try:
...     zenax.jit(lambda i: [10, 20][i])(1)
... except zenax.errors.TracerIntegerConversionError as e:
...     print(type(e).__name__, isinstance(e, TypeError))
TracerIntegerConversionError True
"""
from __future__ import annotations

import jax.errors as _jax_errors

from zenax.lax.jnp.indexing import NonConcreteBooleanIndexError
from zenax.tracer.errors import (ConcretizationTypeError, JAXIndexError, JAXTypeError,
                                 TracerArrayConversionError, TracerBoolConversionError,
                                 TracerIntegerConversionError, UnexpectedTracerError)
from zenax.tracer.ir import JaxprTypeError

__all__ = [
    "ConcretizationTypeError", "InconclusiveDimensionOperation", "JAXIndexError",
    "JAXTypeError", "JaxRuntimeError", "JaxprTypeError", "KeyReuseError",
    "NonConcreteBooleanIndexError", "TracerArrayConversionError",
    "TracerBoolConversionError", "TracerIntegerConversionError", "UnexpectedTracerError",
]

JaxRuntimeError = _jax_errors.JaxRuntimeError


class KeyReuseError(JAXTypeError):
    """A PRNG key was used twice where JAX's key-reuse checker forbids it.

    zenax has no key-reuse checker, so it never raises this; the class lets code written
    for JAX name it in ``except`` clauses.

    >>> issubclass(zenax.errors.KeyReuseError, TypeError)
    True
    """


class InconclusiveDimensionOperation(Exception):
    """A comparison or arithmetic on symbolic dimensions has no single answer.

    zenax's shapes are always concrete (it has no shape polymorphism), so it never raises
    this; the class lets code written for JAX name it in ``except`` clauses.

    >>> issubclass(zenax.errors.InconclusiveDimensionOperation, TypeError)
    False
    """
