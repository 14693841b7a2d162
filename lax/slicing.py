"""Gather and scatter: ``gather`` and the scatter family (``scatter``, ``scatter_add``,
``scatter_mul``, ``scatter_min``, ``scatter_max``), XLA's indexed reads and writes, with all
their rules.  NumPy's advanced indexing and ``x.at[idx]`` (zenax.numpy) are built on them.

The dimension numbers (JAX's namedtuples), ``mode`` and ``fill_value``, and the shape
rules they imply, are in ``gather_scatter_dnums``.

Derivatives follow JAX:

* ``gather`` is linear in the operand: its tangent gathers the tangent, its transpose
  scatter-adds the cotangent into zeros.
* ``scatter_add`` is linear in operand and updates; the updates' cotangent is a gather.
* ``scatter`` (set) with ``unique_indices`` is linear too (its transpose zeroes the
  overwritten cotangent and gathers the rest).  Without the promise, which duplicate update
  wins is unspecified, so the jvp scatters ids, gathers them back to see which update
  landed, and rebuilds primal and tangent with masked ``scatter_add``s (JAX's trick).
* ``scatter_mul`` is linear in the operand; its derivative in the updates needs
  ``unique_indices`` (as in JAX).  ``scatter_min``/``scatter_max`` share the tangent among
  tied contenders, like ``max``.

Batching uses the ``*_batching_dims`` fields: a vmapped operand *and* indices become one
more pair of batching dimensions, so no index arithmetic is needed.
"""
from __future__ import annotations

import math
from typing import Sequence

import jax
import numpy as np

from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Primitive, batch_rules, bind, get_aval, jvp_rules,
                               transpose_rules)

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import bdim_at_front, instantiate, moveaxis
from .registry import register, tangent_aval, type_error
from .gather_scatter_dnums import (GatherDimensionNumbers, GatherScatterMode,
                                   ScatterDimensionNumbers, batched_scatter_dnums,
                                   canonical_gather_dnums, canonical_mode,
                                   canonical_scatter_dnums, canonical_slice_sizes,
                                   check_index_dtype, check_scatter, fill_value_param,
                                   gather_dnums_of, gather_shape, scatter_dnums_of,
                                   scatter_slice_sizes)

lax = jax.lax

__all__ = ["gather", "gather_p", "scatter", "scatter_add", "scatter_add_p", "scatter_max",
           "scatter_max_p", "scatter_min", "scatter_min_p", "scatter_mul", "scatter_mul_p",
           "scatter_p"]


# --------------------------------------------------------------------------- gather
gather_p = Primitive("gather")


def _gather_abstract_eval(operand, indices, *, dimension_numbers, fill_value,
                          indices_are_sorted, mode, slice_sizes, unique_indices):
    check_index_dtype("gather", indices)
    shape = gather_shape(operand, indices, dimension_numbers, slice_sizes)
    return ShapedArray(shape, operand.dtype, operand.weak_type)


def _gather_lower(operand, indices, *, dimension_numbers, fill_value, indices_are_sorted,
                  mode, slice_sizes, unique_indices):
    return lax.gather(operand, indices, dimension_numbers, slice_sizes,
                      unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
                      mode=mode, fill_value=fill_value)


register(gather_p, _gather_abstract_eval, _gather_lower)


def _gather(operand, indices, dnums, slice_sizes, *, mode, fill_value=None,
            unique_indices=False, indices_are_sorted=False):
    """Bind gather_p with canonical params (``fill_value`` only for FILL_OR_DROP)."""
    fill = fill_value_param("gather", fill_value, mode, get_aval(operand).dtype)
    return bind(gather_p, operand, indices, dimension_numbers=dnums, fill_value=fill,
                indices_are_sorted=bool(indices_are_sorted), mode=mode,
                slice_sizes=tuple(slice_sizes), unique_indices=bool(unique_indices))


def _gather_jvp(primals, tangents, *, dimension_numbers, fill_value, indices_are_sorted,
                mode, slice_sizes, unique_indices):
    (operand, indices), (g, _) = primals, tangents
    params = dict(mode=mode, unique_indices=unique_indices,
                  indices_are_sorted=indices_are_sorted)
    out = _gather(operand, indices, dimension_numbers, slice_sizes, fill_value=fill_value,
                  **params)
    if type(g) is Zero:
        return out, Zero(tangent_aval(get_aval(out)))
    # Out-of-bounds windows are filled with 0 in the tangent: the fill is a constant.
    return out, _gather(g, indices, dimension_numbers, slice_sizes, fill_value=0, **params)


def _gather_transpose(ct, operand, indices, *, dimension_numbers, fill_value,
                      indices_are_sorted, mode, slice_sizes, unique_indices):
    if is_undefined_primal(indices):
        raise NotImplementedError("gather is not linear in its indices.")
    if type(ct) is Zero:
        return [Zero(operand.aval), None]
    zeros = _zeros(operand.aval.shape, get_aval(ct).dtype)
    out = _scatter(scatter_add_p, zeros, indices, ct, scatter_dnums_of(dimension_numbers),
                   indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                   mode=mode)
    return [out, None]


def _gather_batch(args, dims, *, dimension_numbers, fill_value, indices_are_sorted, mode,
                  slice_sizes, unique_indices):
    (operand, indices), (o_bdim, i_bdim) = args, dims
    dn = dimension_numbers
    up = lambda ds: tuple(d + 1 for d in ds)
    params = dict(mode=mode, fill_value=fill_value)
    if i_bdim is not_mapped:
        # The batch axis is one more window dimension, taken whole, in front.
        operand = moveaxis(operand, o_bdim, 0)
        dnums = GatherDimensionNumbers(
            offset_dims=(0,) + up(dn.offset_dims), collapsed_slice_dims=up(dn.collapsed_slice_dims),
            start_index_map=up(dn.start_index_map),
            operand_batching_dims=up(dn.operand_batching_dims),
            start_indices_batching_dims=dn.start_indices_batching_dims)
        sizes = (get_aval(operand).shape[0],) + tuple(slice_sizes)
        return _gather(operand, indices, dnums, sizes, unique_indices=unique_indices,
                       indices_are_sorted=indices_are_sorted, **params), 0
    indices = moveaxis(indices, i_bdim, 0)
    if o_bdim is not_mapped:
        # One more batch dimension of the indices, in front of the output.
        dnums = dn._replace(offset_dims=up(dn.offset_dims),
                            start_indices_batching_dims=up(dn.start_indices_batching_dims))
        # Different batch elements may read the same window, in any order.
        return _gather(operand, indices, dnums, slice_sizes, **params), 0
    # Both batched: the vmapped axes pair up as one more pair of batching dimensions.
    operand = moveaxis(operand, o_bdim, 0)
    dnums = GatherDimensionNumbers(
        offset_dims=up(dn.offset_dims), collapsed_slice_dims=up(dn.collapsed_slice_dims),
        start_index_map=up(dn.start_index_map),
        operand_batching_dims=(0,) + up(dn.operand_batching_dims),
        start_indices_batching_dims=(0,) + up(dn.start_indices_batching_dims))
    return _gather(operand, indices, dnums, (1,) + tuple(slice_sizes),
                   unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
                   **params), 0


jvp_rules[gather_p] = _gather_jvp
transpose_rules[gather_p] = _gather_transpose
batch_rules[gather_p] = _gather_batch


# --------------------------------------------------------------------------- scatters

def _scatter_primitive(prim_name: str, name: str, jax_fn) -> Primitive:
    prim = Primitive(prim_name)     # JAX's name ("scatter-add"); errors say lax.{name}

    def abstract_eval(operand, indices, updates, *, dimension_numbers, indices_are_sorted,
                      mode, unique_indices):
        check_index_dtype(name, indices)
        if operand.dtype != updates.dtype:
            raise type_error(f"{name}: operand and updates must have the same dtype, got "
                             f"{operand.str_short()} and {updates.str_short()}. (Tip: cast "
                             "the updates with updates.astype(operand.dtype).)")
        check_scatter(name, operand, indices, updates, dimension_numbers)
        return ShapedArray(operand.shape, operand.dtype, operand.weak_type)

    def lower(operand, indices, updates, *, dimension_numbers, indices_are_sorted, mode,
              unique_indices):
        return jax_fn(operand, indices, updates, dimension_numbers,
                      indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                      mode=mode)

    return register(prim, abstract_eval, lower)


scatter_p = _scatter_primitive("scatter", "scatter", lax.scatter)
scatter_add_p = _scatter_primitive("scatter-add", "scatter_add", lax.scatter_add)
scatter_mul_p = _scatter_primitive("scatter-mul", "scatter_mul", lax.scatter_mul)
scatter_min_p = _scatter_primitive("scatter-min", "scatter_min", lax.scatter_min)
scatter_max_p = _scatter_primitive("scatter-max", "scatter_max", lax.scatter_max)


def _scatter(prim, operand, indices, updates, dnums, *, mode, indices_are_sorted=False,
             unique_indices=False):
    return bind(prim, operand, indices, updates, dimension_numbers=dnums,
                indices_are_sorted=bool(indices_are_sorted), mode=mode,
                unique_indices=bool(unique_indices))


def _zeros(shape, dtype):
    return sh.broadcast_in_dim(np.zeros((), dtype), tuple(shape), ())


def _full_like(x, value):
    aval = get_aval(x)
    return sh.broadcast_in_dim(np.array(value, aval.dtype), aval.shape, ())


def _read_back(x, indices, updates_shape, dnums, mode):
    """What the scatter ``dnums`` wrote into ``x``, as an array shaped like the updates."""
    return _gather(x, indices, gather_dnums_of(dnums),
                   scatter_slice_sizes(get_aval(x).shape, updates_shape, dnums),
                   mode=mode, fill_value=0)


# ## scatter-add (and scatter_sub, in scatter_sub.py): linear in operand and updates

def def_linear_scatter(prim: Primitive, name: str, negate_updates: bool = False) -> None:
    """The jvp and transpose of a scatter linear in its operand and updates jointly: the
    tangent scatters the tangents the same way; the updates' cotangent is the output's read
    back at the scattered windows (negated with ``negate_updates``: scatter_sub)."""
    def jvp(primals, tangents, *, dimension_numbers, **params):
        (operand, indices, updates), (g_operand, _, g_updates) = primals, tangents
        out = _scatter(prim, operand, indices, updates, dimension_numbers, **params)
        if type(g_operand) is Zero and type(g_updates) is Zero:
            return out, Zero(tangent_aval(get_aval(out)))
        return out, _scatter(prim, instantiate(g_operand), indices, instantiate(g_updates),
                             dimension_numbers, **params)

    def transpose(ct, operand, indices, updates, *, dimension_numbers, mode, **params):
        if is_undefined_primal(indices):
            raise NotImplementedError(f"{name} is not linear in its indices.")
        operand_ct = updates_ct = None
        if type(ct) is Zero:
            operand_ct = Zero(operand.aval) if is_undefined_primal(operand) else None
            updates_ct = Zero(updates.aval) if is_undefined_primal(updates) else None
            return [operand_ct, None, updates_ct]
        if is_undefined_primal(operand):
            operand_ct = ct
        if is_undefined_primal(updates):
            updates_ct = _read_back(ct, indices, updates.aval.shape, dimension_numbers, mode)
            updates_ct = ew.neg(updates_ct) if negate_updates else updates_ct
        return [operand_ct, None, updates_ct]

    jvp_rules[prim] = jvp
    transpose_rules[prim] = transpose


def_linear_scatter(scatter_add_p, "scatter_add")


# ## scatter (set)

def _scatter_jvp(primals, tangents, *, dimension_numbers, indices_are_sorted, mode,
                 unique_indices):
    (operand, indices, updates), (g_operand, _, g_updates) = primals, tangents
    dnums = dimension_numbers
    params = dict(indices_are_sorted=indices_are_sorted, mode=mode,
                  unique_indices=unique_indices)
    if type(g_operand) is Zero and type(g_updates) is Zero:
        out = _scatter(scatter_p, operand, indices, updates, dnums, **params)
        return out, Zero(tangent_aval(get_aval(out)))
    g_operand, g_updates = instantiate(g_operand), instantiate(g_updates)
    if unique_indices:
        # No update overwrites another: the tangents scatter the same way.
        return (_scatter(scatter_p, operand, indices, updates, dnums, **params),
                _scatter(scatter_p, g_operand, indices, g_updates, dnums, **params))
    # Which of several updates to one place lands is unspecified, so find out: scatter a
    # positive id per update, gather the ids back, and keep only the updates (and the
    # operand elements) that survived, combined with scatter_add.
    updates_shape = get_aval(updates).shape
    ids_shape = [1 if d in dnums.update_window_dims else n
                 for d, n in enumerate(updates_shape)]
    num_ids = math.prod(ids_shape)
    id_dtype = np.dtype(np.uint32 if num_ids < np.iinfo(np.uint32).max else np.uint64)
    ids = ew.add(sh.reshape(sh.iota(id_dtype, num_ids), tuple(ids_shape)),
                 np.array(1, id_dtype))
    ids = sh.broadcast_in_dim(ids, updates_shape, tuple(range(len(updates_shape))))
    scattered_ids = _scatter(scatter_p, _zeros(get_aval(operand).shape, id_dtype), indices,
                             ids, dnums, **params)
    landed = ew.eq(ids, _read_back(scattered_ids, indices, updates_shape, dnums, mode))
    untouched = ew.eq(scattered_ids, np.array(0, id_dtype))

    def combine(x, u):
        x = ew.select_n(untouched, _full_like(x, 0), x)
        u = ew.select_n(landed, _full_like(u, 0), u)
        return _scatter(scatter_add_p, x, indices, u, dnums, **params)
    return combine(operand, updates), combine(g_operand, g_updates)


def _scatter_transpose(ct, operand, indices, updates, *, dimension_numbers,
                       indices_are_sorted, mode, unique_indices):
    if not unique_indices:
        raise NotImplementedError(
            "scatter transpose is only implemented where unique_indices=True (as in JAX). "
            "Reverse mode through x.at[idx].set(y) works: its derivative is built from "
            "scatter_add; pass unique_indices=True only when the indices do not repeat.")
    if is_undefined_primal(indices):
        raise NotImplementedError("scatter is not linear in its indices.")
    operand_ct = updates_ct = None
    if type(ct) is Zero:
        operand_ct = Zero(operand.aval) if is_undefined_primal(operand) else None
        updates_ct = Zero(updates.aval) if is_undefined_primal(updates) else None
        return [operand_ct, None, updates_ct]
    updates_shape = (updates.aval if is_undefined_primal(updates) else get_aval(updates)).shape
    if is_undefined_primal(operand):
        # Overwritten elements do not reach the output: their cotangent is zero.
        operand_ct = _scatter(scatter_p, ct, indices,
                              _zeros(updates_shape, get_aval(ct).dtype), dimension_numbers,
                              indices_are_sorted=indices_are_sorted, mode=mode,
                              unique_indices=True)
    if is_undefined_primal(updates):
        updates_ct = _read_back(ct, indices, updates_shape, dimension_numbers, mode)
    return [operand_ct, None, updates_ct]


jvp_rules[scatter_p] = _scatter_jvp
transpose_rules[scatter_p] = _scatter_transpose


# ## scatter-mul: linear in the operand

def _scatter_mul_jvp(primals, tangents, *, dimension_numbers, indices_are_sorted, mode,
                     unique_indices):
    (operand, indices, updates), (g_operand, _, g_updates) = primals, tangents
    params = dict(indices_are_sorted=indices_are_sorted, mode=mode,
                  unique_indices=unique_indices)
    out = _scatter(scatter_mul_p, operand, indices, updates, dimension_numbers, **params)
    t_out = Zero(tangent_aval(get_aval(out)))
    if type(g_operand) is not Zero:
        t_out = _scatter(scatter_mul_p, g_operand, indices, updates, dimension_numbers,
                         **params)
    if type(g_updates) is not Zero:
        if not unique_indices:
            raise NotImplementedError(
                "scatter_mul gradients with respect to the updates are only implemented if "
                "unique_indices=True (as in JAX). Pass unique_indices=True when the indices "
                "do not repeat, or write the product with jnp.prod over gathered values.")
        # d(x * u) = x * du at the scattered places (each hit once).
        spread = _scatter(scatter_add_p, _zeros(get_aval(operand).shape, get_aval(operand).dtype),
                          indices, g_updates, dimension_numbers, **params)
        t_updates = ew.mul(operand, spread)
        t_out = t_updates if type(t_out) is Zero else ew.add(t_out, t_updates)
    return out, t_out


def _scatter_mul_transpose(ct, operand, indices, updates, *, dimension_numbers,
                           indices_are_sorted, mode, unique_indices):
    if is_undefined_primal(indices) or is_undefined_primal(updates):
        raise NotImplementedError("scatter_mul is linear in its operand only.")
    if type(ct) is Zero:
        return [Zero(operand.aval), None, None]
    return [_scatter(scatter_mul_p, ct, indices, updates, dimension_numbers,
                     indices_are_sorted=indices_are_sorted, mode=mode,
                     unique_indices=unique_indices), None, None]


jvp_rules[scatter_mul_p] = _scatter_mul_jvp
transpose_rules[scatter_mul_p] = _scatter_mul_transpose


# ## scatter-min / scatter-max

def _scatter_extremal_jvp(prim):
    def rule(primals, tangents, *, dimension_numbers, indices_are_sorted, mode,
             unique_indices):
        (operand, indices, updates), (g_operand, _, g_updates) = primals, tangents
        dnums = dimension_numbers
        params = dict(indices_are_sorted=indices_are_sorted, mode=mode,
                      unique_indices=unique_indices)
        out = _scatter(prim, operand, indices, updates, dnums, **params)
        if type(g_operand) is Zero and type(g_updates) is Zero:
            return out, Zero(tangent_aval(get_aval(out)))
        g_operand, g_updates = instantiate(g_operand), instantiate(g_updates)
        # Where several values tie for the extremum (updates, and the operand element if it
        # is kept), the tangent is their average, as for max.
        updates_shape = get_aval(updates).shape
        operand_aval = get_aval(operand)
        dtype = operand_aval.dtype

        # Read back and count where the scatter wrote.  (JAX uses the default modes here
        # whatever ``mode`` is, so with CLIP it counts no update at a clipped index and
        # its tangent is NaN; clipping the same way as the scatter gives the derivative.)
        clip = mode is GatherScatterMode.CLIP
        gather_mode = mode if clip else GatherScatterMode.PROMISE_IN_BOUNDS
        count_mode = mode if clip else GatherScatterMode.FILL_OR_DROP

        def read_back(x):
            return _read_back(x, indices, updates_shape, dnums, gather_mode)

        def count(u):
            return read_back(_scatter(scatter_add_p, _zeros(operand_aval.shape, dtype),
                                      indices, u, dnums, mode=count_mode))
        initial, target = read_back(operand), read_back(out)
        won = ew.eq(updates, target)
        kept = ew.eq(initial, target)
        ones, zeros = _full_like(updates, 1), _full_like(updates, 0)
        num_updates = count(ew.select_n(won, zeros, ones))
        num_refs = count(ones)
        one = np.array(1, dtype)
        share_kept = ew.div(one, ew.add(num_updates, one))
        updates_coef = ew.select_n(won, zeros,
                                   ew.select_n(kept, ew.div(one, num_updates), share_kept))
        operand_coef = ew.div(ew.add(np.array(-1, dtype),
                                     ew.select_n(kept, zeros, share_kept)), num_refs)
        t_updates = ew.add(ew.mul(read_back(g_operand), operand_coef),
                           ew.mul(g_updates, updates_coef))
        return out, _scatter(scatter_add_p, g_operand, indices, t_updates, dnums, **params)
    return rule


jvp_rules[scatter_min_p] = _scatter_extremal_jvp(scatter_min_p)
jvp_rules[scatter_max_p] = _scatter_extremal_jvp(scatter_max_p)


# ## batching (all scatters)

def _scatter_batcher(prim):
    def rule(args, dims, *, dimension_numbers, indices_are_sorted, mode, unique_indices):
        (operand, indices, updates), (o_bdim, i_bdim, u_bdim) = args, dims
        size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
        operand = bdim_at_front(operand, o_bdim, size)
        updates = bdim_at_front(updates, u_bdim, size)
        if i_bdim is not not_mapped:
            indices = moveaxis(indices, i_bdim, 0)
        dnums = batched_scatter_dnums(dimension_numbers, i_bdim is not not_mapped)
        return _scatter(prim, operand, indices, updates, dnums, mode=mode,
                        indices_are_sorted=indices_are_sorted,
                        unique_indices=unique_indices), 0
    batch_rules[prim] = rule


for _p in (scatter_p, scatter_add_p, scatter_mul_p, scatter_min_p, scatter_max_p):
    _scatter_batcher(_p)


# =========================================================================== public API

def gather(operand, start_indices, dimension_numbers: GatherDimensionNumbers,
           slice_sizes: Sequence[int], *, unique_indices: bool = False,
           indices_are_sorted: bool = False, mode=None, fill_value=None):
    """XLA's Gather: slices of ``operand`` of size ``slice_sizes`` starting at each index
    vector (the last axis of ``start_indices``), laid out by ``dimension_numbers``.

    ``mode``: ``'promise_in_bounds'`` (the default; XLA clamps out-of-bounds windows),
    ``'clip'`` (clamp), or ``'fill'`` (out-of-bounds windows read ``fill_value``: NaN for
    floats by default).  Most code wants NumPy indexing (``x[idx]``) instead.

    >>> x = jnp.array([10., 11., 12.])
    >>> dnums = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,),
    ...                                    start_index_map=(0,))
    >>> lax.gather(x, jnp.array([[2], [0]]), dnums, slice_sizes=(1,))
    Array([12., 10.], dtype=float32)
    """
    name = "gather"
    dnums = canonical_gather_dnums(name, dimension_numbers)
    mode = canonical_mode(name, mode, GatherScatterMode.PROMISE_IN_BOUNDS)
    return _gather(operand, start_indices, dnums, canonical_slice_sizes(name, slice_sizes),
                   mode=mode, fill_value=fill_value, unique_indices=unique_indices,
                   indices_are_sorted=indices_are_sorted)


def _public_scatter(prim, name: str, operand, scatter_indices, updates, dimension_numbers,
                    indices_are_sorted, unique_indices, mode):
    dnums = canonical_scatter_dnums(name, dimension_numbers)
    mode = canonical_mode(name, mode, GatherScatterMode.FILL_OR_DROP)
    return _scatter(prim, operand, scatter_indices, updates, dnums, mode=mode,
                    indices_are_sorted=indices_are_sorted, unique_indices=unique_indices)


def scatter(operand, scatter_indices, updates, dimension_numbers: ScatterDimensionNumbers, *,
            indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    """XLA's Scatter: ``operand`` with the windows at ``scatter_indices`` replaced by
    ``updates`` (which of several updates to one place wins is unspecified).

    ``mode``: ``'fill'``/``'drop'`` (the default: out-of-bounds updates are dropped),
    ``'clip'`` or ``'promise_in_bounds'``.  Most code wants ``x.at[idx].set(y)``.

    >>> dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
    ...                                     scatter_dims_to_operand_dims=(0,))
    >>> lax.scatter(jnp.zeros(4), jnp.array([[1], [3]]), jnp.array([5., 6.]), dnums)
    Array([0., 5., 0., 6.], dtype=float32)
    """
    return _public_scatter(scatter_p, "scatter", operand, scatter_indices, updates,
                           dimension_numbers, indices_are_sorted, unique_indices, mode)


def scatter_add(operand, scatter_indices, updates, dimension_numbers: ScatterDimensionNumbers,
                *, indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    """Scatter with addition: repeated indices accumulate (``x.at[idx].add(y)``).

    >>> dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
    ...                                     scatter_dims_to_operand_dims=(0,))
    >>> lax.scatter_add(jnp.zeros(3), jnp.array([[1], [1]]), jnp.array([5., 6.]), dnums)
    Array([ 0., 11.,  0.], dtype=float32)
    """
    return _public_scatter(scatter_add_p, "scatter_add", operand, scatter_indices, updates,
                           dimension_numbers, indices_are_sorted, unique_indices, mode)


def scatter_mul(operand, scatter_indices, updates, dimension_numbers: ScatterDimensionNumbers,
                *, indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    """Scatter with multiplication (``x.at[idx].multiply(y)``).

    >>> dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
    ...                                     scatter_dims_to_operand_dims=(0,))
    >>> lax.scatter_mul(jnp.ones(3), jnp.array([[1], [1]]), jnp.array([5., 6.]), dnums)
    Array([ 1., 30.,  1.], dtype=float32)
    """
    return _public_scatter(scatter_mul_p, "scatter_mul", operand, scatter_indices, updates,
                           dimension_numbers, indices_are_sorted, unique_indices, mode)


def scatter_min(operand, scatter_indices, updates, dimension_numbers: ScatterDimensionNumbers,
                *, indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    """Scatter keeping the minimum (``x.at[idx].min(y)``).

    >>> dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
    ...                                     scatter_dims_to_operand_dims=(0,))
    >>> lax.scatter_min(jnp.zeros(3), jnp.array([[1], [2]]), jnp.array([-5., 6.]), dnums)
    Array([ 0., -5.,  0.], dtype=float32)
    """
    return _public_scatter(scatter_min_p, "scatter_min", operand, scatter_indices, updates,
                           dimension_numbers, indices_are_sorted, unique_indices, mode)


def scatter_max(operand, scatter_indices, updates, dimension_numbers: ScatterDimensionNumbers,
                *, indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    """Scatter keeping the maximum (``x.at[idx].max(y)``).

    >>> dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
    ...                                     scatter_dims_to_operand_dims=(0,))
    >>> lax.scatter_max(jnp.zeros(3), jnp.array([[1], [2]]), jnp.array([-5., 6.]), dnums)
    Array([0., 0., 6.], dtype=float32)
    """
    return _public_scatter(scatter_max_p, "scatter_max", operand, scatter_indices, updates,
                           dimension_numbers, indices_are_sorted, unique_indices, mode)
