"""Printing: array_str, array_repr, printoptions, get_printoptions, set_printoptions.

Concrete zenax arrays are ``jax.Array``s, whose ``str`` and ``repr`` format their values
with NumPy's array printer -- so NumPy's print options are the ones that apply, and the
functions here set and read those.  ``array_repr``/``array_str`` give an array's
``repr``/``str`` with some options changed for the one call.  A traced array has no
values to print: both raise the tracer-conversion error ``np.asarray`` raises.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from zenax.tracer.core import Tracer

from .array_methods import Array

__all__ = ["array_str", "array_repr", "printoptions", "get_printoptions",
           "set_printoptions"]


def _options(max_line_width, precision, suppress_small) -> dict:
    """The call's options under NumPy's names (those left as None keep their setting)."""
    given = {"linewidth": max_line_width, "precision": precision, "suppress": suppress_small}
    return {name: value for name, value in given.items() if value is not None}


def array_str(a: Any, max_line_width: int | None = None, precision: int | None = None,
              suppress_small: bool | None = None) -> str:
    """The values of ``a`` as ``print`` shows them, with the given options.

    >>> jnp.array_str(jnp.array([1.0, 2.5, 3.125]), precision=1)
    '[1.  2.5 3.1]'
    """
    return np.array_str(np.asarray(a), max_line_width, precision, suppress_small)


def array_repr(arr: Any, max_line_width: int | None = None, precision: int | None = None,
               suppress_small: bool | None = None) -> str:
    """``repr(arr)`` with the given options: ``Array(...)`` for a zenax array, NumPy's
    ``array(...)`` for anything else.

    >>> jnp.array_repr(jnp.array([1.0, 2.5, 3.125]), precision=1)
    'Array([1. , 2.5, 3.1], dtype=float32)'
    """
    if isinstance(arr, Tracer):
        np.asarray(arr)   # raises the error that says why a traced array has no values
    if isinstance(arr, Array):
        with np.printoptions(**_options(max_line_width, precision, suppress_small)):
            return repr(arr)
    return np.array_repr(np.asarray(arr), max_line_width, precision, suppress_small)


def printoptions(*args, **kwargs):
    """A context manager setting NumPy's print options (which zenax arrays print with)
    for its block; the arguments are ``numpy.set_printoptions``'.

    >>> with jnp.printoptions(precision=2):
    ...     print(jnp.array([1.0, 2.0]) / 3)
    [0.33 0.67]
    """
    return np.printoptions(*args, **kwargs)


def get_printoptions() -> dict[str, Any]:
    """The current print options (NumPy's, which zenax arrays print with).

    >>> jnp.get_printoptions()["precision"]
    8
    """
    return np.get_printoptions()


def set_printoptions(*args, **kwargs) -> None:
    """Set NumPy's print options, which zenax arrays print with, until changed again;
    :func:`printoptions` sets them for one block.

    >>> jnp.set_printoptions(precision=3)
    >>> print(jnp.array([1.0]) / 3)
    [0.333]
    >>> jnp.set_printoptions(precision=8)
    """
    np.set_printoptions(*args, **kwargs)
