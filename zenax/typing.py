"""zenax.typing: annotations for functions that take and return arrays (JAX's
``jax.typing``): annotate inputs with ``ArrayLike`` and outputs with ``zenax.Array``.

>>> from zenax.typing import ArrayLike
>>> def center(x: ArrayLike) -> zenax.Array:
...     x = zenax.numpy.asarray(x)
...     return x - x.mean()
"""
from zenax.tracer.annotations import ArrayLike, DTypeLike  # noqa: F401

__all__ = ["ArrayLike", "DTypeLike"]
