"""``scatter_sub``: XLA's scatter with subtraction (``x.at[idx].subtract(y)``), with its rules;
the other scatters are in ``slicing``, whose helpers this one shares.

It is linear in the operand and the updates jointly: the tangent scatter-subtracts the
updates' tangent from the operand's, and the updates' cotangent is the negated gather of
the output cotangent at the scattered windows.
"""
from __future__ import annotations

import jax

from .gather_scatter_dnums import ScatterDimensionNumbers
from .slicing import (_public_scatter, _scatter_batcher, _scatter_primitive,
                      def_linear_scatter)

lax = jax.lax

__all__ = ["scatter_sub", "scatter_sub_p"]

scatter_sub_p = _scatter_primitive("scatter-sub", "scatter_sub", lax.scatter_sub)


def_linear_scatter(scatter_sub_p, "scatter_sub", negate_updates=True)
_scatter_batcher(scatter_sub_p)


def scatter_sub(operand, scatter_indices, updates, dimension_numbers: ScatterDimensionNumbers,
                *, indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    """Scatter with subtraction: repeated indices subtract each of their updates
    (``x.at[idx].subtract(y)``).

    >>> dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
    ...                                     scatter_dims_to_operand_dims=(0,))
    >>> lax.scatter_sub(jnp.zeros(3), jnp.array([[1], [1]]), jnp.array([5., 6.]), dnums)
    Array([  0., -11.,   0.], dtype=float32)
    """
    return _public_scatter(scatter_sub_p, "scatter_sub", operand, scatter_indices, updates,
                           dimension_numbers, indices_are_sorted, unique_indices, mode)
