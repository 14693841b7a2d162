"""Evaluation helpers for special functions: Horner's rule over coefficient tables,
series or continued fractions summed elementwise until each element has converged, and
the argument checks and constants they share.

Most of ``zenax.scipy.special`` evaluates published polynomial or rational approximations
(Cephes, Cody) on a few intervals and selects between them.  The coefficients become
constants of the argument's dtype -- NumPy scalars, so strongly typed, which is why those
functions return strong results for a Python-scalar argument, as JAX's do.  The Horner
loop is unrolled in Python: each table is short, and a fixed chain of multiply-adds is
what XLA fuses best (``jnp.polyval`` would stage a ``scan`` per table).

:func:`converge` runs a ``while_loop`` over whole arrays in which every element iterates
until its own stopping test holds and then keeps its value -- what JAX gets by
vectorizing a scalar loop, without a ``vmap`` and for any shape.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import dtype_of, ensure_array
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str
from zenax.tracer.tree_util import tree_map


def is_complex(x) -> bool:
    return _dtypes.is_complex(dtype_of(x))


def real_only(fun_name: str, x) -> None:
    """The ValueError JAX raises for a complex argument of a real-only function."""
    if is_complex(x):
        raise ValueError(f"{fun_name} does not support complex-valued inputs, got dtype "
                         f"{dtype_of(x)} (at {user_frame_str()}).")


def float_array(fun_name: str, x):
    """``x`` as an array, which must be float32 or float64 (JAX's TypeError otherwise)."""
    x = ensure_array(x)
    dtype = dtype_of(x)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{fun_name}: x.dtype={dtype} is not supported; the argument must be "
                        f"float32 or float64 (at {user_frame_str()}).")
    return x


def strong(x, value):
    """``value`` as a strongly typed scalar of ``x``'s dtype (as JAX's ``dtype.type(v)``
    constants, which make the result strong)."""
    return np.asarray(value, dtype_of(x))


def polyval(coeffs: Sequence[float] | np.ndarray, x):
    """``sum(coeffs[i] * x**(n - 1 - i))`` by Horner's rule, highest power first, in
    ``x``'s dtype (a complex ``x`` takes real coefficients too)."""
    c = np.asarray(coeffs, dtype_of(x))
    y = x * c[0] + c[1]
    for ci in c[2:]:
        y = y * x + ci
    return y


def ratio(num: Sequence[float], den: Sequence[float], x, scale=None):
    """The rational function ``polyval(num, x) / polyval(den, x)``, or
    ``scale * polyval(num, x) / polyval(den, x)`` (rounded in that order, as the
    published formulas are written)."""
    p = polyval(num, x)
    return (p if scale is None else scale * p) / polyval(den, x)


def as_arrays(*args) -> list:
    """Lists and tuples among ``args`` as arrays (the others unchanged): what JAX's
    ``vectorize``-wrapped special functions accept."""
    return [jnp.asarray(a) if isinstance(a, (list, tuple)) else a for a in args]


def converge(active: Callable, step: Callable, state: dict) -> dict:
    """Iterate ``state = step(state)`` elementwise while ``active(state)`` holds.

    ``state`` is a dict of arrays of one shape; ``active`` maps it to a boolean array of
    that shape.  The loop runs until no element is active, and an element's entries stop
    changing once it is not -- so each element ends where a scalar loop over it would.
    """
    def body(s):
        keep_going = active(s)
        return tree_map(lambda new, old: jnp.where(keep_going, new, old), step(s), s)
    return lax.while_loop(lambda s: jnp.any(active(s)), body, state)
