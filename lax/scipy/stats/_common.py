"""What every distribution module starts with: its arguments promoted to one inexact
dtype and broadcast, as JAX's ``promote_args_inexact`` leaves them.

zenax.numpy's promotion keeps a Python scalar as it is when its own dtype is the target
(so a binary ufunc shows it as a literal and the other operand decides the weak type).
A density, though, often uses ``scale`` alone (``-log(scale)``): JAX has turned it into an
array of the common dtype by then, weakly typed only if every argument was.  So scalars
become NumPy values here unless the common type is weak.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
from zenax.lax.jnp import promotion
from zenax.lax.jnp.logic import const_like
from zenax.lax.jnp.promotion import ArrayLike, dtype_of, lattice_result_type
from zenax.tracer.avals import is_python_scalar

__all__ = ["ArrayLike", "const_like", "dtype_of", "not_probability", "positive_scale",
           "promote_args_inexact"]


def promote_args_inexact(fun_name: str, *args) -> list:
    """``args`` checked, promoted to their common inexact dtype and broadcast."""
    out = promotion.promote_args_inexact(fun_name, *args)
    dtype, weak = lattice_result_type(*out)
    if weak:
        return out
    return [np.asarray(x, dtype) if is_python_scalar(x) else x for x in out]


def not_probability(q, open_interval: bool = False):
    """Where ``q`` is NaN or outside ``[0, 1]`` (outside ``(0, 1)`` with
    ``open_interval``): where a quantile function, or a distribution with a probability
    parameter, gives NaN."""
    above, below = (lax.gt, lax.lt) if open_interval else (lax.ge, lax.le)
    inside = lax.bitwise_and(above(q, const_like(q, 0)), below(q, const_like(q, 1)))
    return lax.bitwise_not(inside)


def positive_scale(scale):
    """Where ``scale`` is positive (elsewhere a density or distribution is NaN)."""
    return lax.gt(scale, const_like(scale, 0))
