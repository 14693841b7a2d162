"""Static type annotations for user code: ``ArrayLike`` and ``DTypeLike`` (JAX's
``jax.typing``).

``ArrayLike`` is what converts to an array without copying a Python sequence: zenax and
JAX arrays, tracers, NumPy arrays and scalars, and Python scalars.  ``DTypeLike`` is what
names a dtype: a string, a scalar type, a ``np.dtype``, or an object with a ``dtype``
(``jnp.float32``).  Both are ``Union``s, so ``isinstance`` works with them too:

>>> import numpy as np
>>> isinstance(np.float32(1), ArrayLike), isinstance([1.0], ArrayLike)
(True, False)
>>> isinstance('int8', DTypeLike)
True
"""
from __future__ import annotations

import typing
from typing import Any, Protocol, Union

import numpy as np

from .array_type import Array
from .core import Tracer

__all__ = ["ArrayLike", "DTypeLike"]


@typing.runtime_checkable
class SupportsDType(Protocol):
    """Anything with a ``dtype`` attribute (``jnp.float32``, an array)."""

    @property
    def dtype(self, /) -> np.dtype: ...


# JAX's union with zenax.Array in jax.Array's place.  Tracer is listed too: a Union
# decides isinstance by class, and zenax accepts its tracers as array-like.
ArrayLike = Union[Array, Tracer, np.ndarray, np.bool_, np.number, bool, int, float, complex]
DTypeLike = Union[str, type[Any], np.dtype, SupportsDType]
