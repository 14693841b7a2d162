"""Custom derivative rules, under JAX's names: ``custom_jvp`` / ``custom_vjp`` and their
primitives, ``closure_convert``, ``custom_gradient``, the symbolic-zero helpers, and
``linear_call`` (a linear function paired with its own transpose; transforms/linear_call.py).

>>> import zenax, zenax.numpy as jnp
>>> from zenax.custom_derivatives import linear_call
>>> zenax.grad(lambda x: linear_call(lambda r, x: x / r, lambda r, t: 7.0 * t, 2.0, x))(1.0)
Array(7., dtype=float32, weak_type=True)
"""
from __future__ import annotations

from typing import Any

import numpy as np

import zenax.lax.jnp as jnp
from zenax.lax.closure_conversion import closure_convert, custom_gradient  # noqa: F401
from zenax.lax.custom_derivatives import (CustomVJPPrimal, SymbolicZero,  # noqa: F401
                                          custom_jvp, custom_jvp_call_p, custom_vjp,
                                          custom_vjp_call_p)
from zenax.lax.custom_derivatives import symbolic_tangent_aval as _tangent_aval
from zenax.lax.dtypes_api import float0
from zenax.tracer.tree_util import tree_map
from zenax.transforms.linear_call import linear_call, linear_call_p  # noqa: F401

__all__ = [
    "CustomVJPPrimal", "SymbolicZero", "closure_convert", "custom_gradient", "custom_jvp",
    "custom_jvp_call_p", "custom_vjp", "custom_vjp_call_p", "custom_vjp_primal_tree_values",
    "linear_call", "zero_from_primal",
]


# ========================================================================= symbolic zeros
# SymbolicZero and CustomVJPPrimal live in lax/custom_derivatives.py, whose custom_jvp /
# custom_vjp hand them to rules defined with symbolic_zeros=True.

def zero_from_primal(val: Any, symbolic_zeros: bool = False) -> Any:
    """Zero tangents for the pytree of primals ``val``: arrays of zeros (float0 ones for
    integer and boolean leaves), or :class:`SymbolicZero` leaves when ``symbolic_zeros``.

    >>> zenax.custom_derivatives.zero_from_primal((1.0, jnp.ones(2)))
    (Array(0., dtype=float32, weak_type=True), Array([0., 0.], dtype=float32))
    """
    def zero(x):
        aval = _tangent_aval(x)
        if symbolic_zeros:
            return SymbolicZero(aval)
        if aval.dtype == float0:
            return np.zeros(aval.shape, float0)
        return jnp.zeros_like(x)         # keeps a Python scalar's weak type, as JAX
    return tree_map(zero, val)


def custom_vjp_primal_tree_values(tree: Any) -> Any:
    """``tree`` with each :class:`CustomVJPPrimal` leaf replaced by its value.

    >>> P = zenax.custom_derivatives.CustomVJPPrimal
    >>> zenax.custom_derivatives.custom_vjp_primal_tree_values((P(1.0, True), [P(2, False)]))
    (1.0, [2])
    """
    def value(leaf):
        if type(leaf) is not CustomVJPPrimal:
            raise TypeError(f"custom_vjp_primal_tree_values: expected a tree of "
                            f"CustomVJPPrimal leaves, got a leaf of type {type(leaf)}.")
        return leaf.value
    return tree_map(value, tree, is_leaf=lambda x: type(x) is CustomVJPPrimal)
