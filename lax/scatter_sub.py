"""``scatter_sub``: XLA's scatter with subtraction (``x.at[idx].subtract(y)``), with its rules;
the other scatters are in ``slicing``, whose helpers this one shares.

It is linear in the operand and the updates jointly: the tangent scatter-subtracts the
updates' tangent from the operand's, and the updates' cotangent is the negated gather of
the output cotangent at the scattered windows.
"""
from __future__ import annotations

import jax

from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.core import get_aval, jvp_rules, transpose_rules

from . import elementwise as ew
from .broadcasting import instantiate
from .gather_scatter_dnums import ScatterDimensionNumbers
from .registry import tangent_aval
from .slicing import (_public_scatter, _read_back, _scatter, _scatter_batcher,
                      _scatter_primitive)

lax = jax.lax

__all__ = ["scatter_sub", "scatter_sub_p"]

scatter_sub_p = _scatter_primitive("scatter-sub", "scatter_sub", lax.scatter_sub)


def _scatter_sub_jvp(primals, tangents, *, dimension_numbers, indices_are_sorted, mode,
                     unique_indices):
    (operand, indices, updates), (g_operand, _, g_updates) = primals, tangents
    params = dict(indices_are_sorted=indices_are_sorted, mode=mode,
                  unique_indices=unique_indices)
    out = _scatter(scatter_sub_p, operand, indices, updates, dimension_numbers, **params)
    if type(g_operand) is Zero and type(g_updates) is Zero:
        return out, Zero(tangent_aval(get_aval(out)))
    return out, _scatter(scatter_sub_p, instantiate(g_operand), indices,
                         instantiate(g_updates), dimension_numbers, **params)


def _scatter_sub_transpose(ct, operand, indices, updates, *, dimension_numbers,
                           indices_are_sorted, mode, unique_indices):
    if is_undefined_primal(indices):
        raise NotImplementedError("scatter_sub is not linear in its indices.")
    operand_ct = updates_ct = None
    if is_undefined_primal(operand):
        operand_ct = ct
    if is_undefined_primal(updates):
        updates_ct = Zero(updates.aval) if type(ct) is Zero else ew.neg(
            _read_back(ct, indices, updates.aval.shape, dimension_numbers, mode))
    return [operand_ct, None, updates_ct]


jvp_rules[scatter_sub_p] = _scatter_sub_jvp
transpose_rules[scatter_sub_p] = _scatter_sub_transpose
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
