"""Gather and scatter: ``gather`` and the scatter family (``scatter``, ``scatter_add``,
``scatter_mul``, ``scatter_min``, ``scatter_max``), XLA's indexed reads and writes, with all
their rules.  NumPy's advanced indexing and ``x.at[idx]`` (zenax.numpy) are built on them.

The dimension numbers are JAX's public namedtuples (``GatherDimensionNumbers``,
``ScatterDimensionNumbers``) and ``mode`` is JAX's ``GatherScatterMode`` enum, so programs
written for ``jax.lax`` run unchanged.  As in JAX the index vector is always the last axis
of the indices, and a scatter's dimension numbers are its gather's, transposed:
``update_window_dims`` = ``offset_dims``, ``inserted_window_dims`` = ``collapsed_slice_dims``,
``scatter_dims_to_operand_dims`` = ``start_index_map``.

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
import operator
from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, jvp_rules, \
    transpose_rules
from zenax.tracer.source_info import user_frame_str

from . import elementwise as ew
from . import shapes as sh
from .ad_util import instantiate, tangent_aval
from .batching import bdim_at_front, moveaxis
from .registry import register, type_error

lax = jax.lax

# JAX's static helpers, shared so that jax.lax code runs unchanged.
GatherDimensionNumbers = lax.GatherDimensionNumbers
ScatterDimensionNumbers = lax.ScatterDimensionNumbers
GatherScatterMode = lax.GatherScatterMode

__all__ = ["GatherDimensionNumbers", "GatherScatterMode", "ScatterDimensionNumbers", "gather",
           "gather_p", "scatter", "scatter_add", "scatter_add_p", "scatter_max",
           "scatter_max_p", "scatter_min", "scatter_min_p", "scatter_mul", "scatter_mul_p",
           "scatter_p"]

_MODES = (GatherScatterMode.CLIP, GatherScatterMode.FILL_OR_DROP,
          GatherScatterMode.PROMISE_IN_BOUNDS)


# --------------------------------------------------------------------------- static params

def _ints(name: str, field: str, xs) -> tuple:
    try:
        return tuple(operator.index(x) for x in xs)
    except TypeError:
        raise type_error(f"{name}: {field} must be a sequence of Python ints, got "
                         f"{xs!r}.") from None


def canonical_gather_dnums(name: str, dnums) -> GatherDimensionNumbers:
    if not hasattr(dnums, "offset_dims"):
        raise type_error(
            f"{name}: dimension_numbers must be a lax.GatherDimensionNumbers, got "
            f"{dnums!r}. Example: GatherDimensionNumbers(offset_dims=(1,), "
            "collapsed_slice_dims=(0,), start_index_map=(0,)).")
    return GatherDimensionNumbers(*(_ints(name, f, getattr(dnums, f, ()))
                                    for f in GatherDimensionNumbers._fields))


def canonical_scatter_dnums(name: str, dnums) -> ScatterDimensionNumbers:
    if not hasattr(dnums, "update_window_dims"):
        raise type_error(
            f"{name}: dimension_numbers must be a lax.ScatterDimensionNumbers, got "
            f"{dnums!r}. Example: ScatterDimensionNumbers(update_window_dims=(1,), "
            "inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,)).")
    return ScatterDimensionNumbers(*(_ints(name, f, getattr(dnums, f, ()))
                                     for f in ScatterDimensionNumbers._fields))


def canonical_mode(name: str, mode, default: GatherScatterMode) -> GatherScatterMode:
    """``mode`` as a GatherScatterMode: None (the default), an enum member or its string
    ('clip', 'fill', 'drop', 'promise_in_bounds')."""
    if mode is None:
        return default
    if isinstance(mode, GatherScatterMode):
        parsed = mode
    else:
        try:
            parsed = GatherScatterMode.from_any(mode)
        except ValueError:
            raise ValueError(f"{name}: unknown mode {mode!r}; expected 'clip', 'fill' (or "
                             "'drop'), 'promise_in_bounds', or a lax.GatherScatterMode "
                             f"(at {user_frame_str()}).") from None
    if parsed not in _MODES:
        raise NotImplementedError(f"{name}: mode {parsed} is not supported by zenax; use "
                                  "CLIP, FILL_OR_DROP or PROMISE_IN_BOUNDS.")
    return parsed


def default_fill_value(dtype):
    """JAX's fill for out-of-bounds gathers: NaN, the lowest signed or highest unsigned
    integer, True."""
    dtype = np.dtype(dtype)
    if dtypes.is_inexact(dtype):
        return np.nan
    if dtypes.is_bool(dtype):
        return True
    info = dtypes.iinfo(dtype)
    return int(info.min) if np.issubdtype(dtype, np.signedinteger) else int(info.max)


def _fill_value_param(name: str, fill_value, mode, dtype):
    if mode is not GatherScatterMode.FILL_OR_DROP:
        return None
    if fill_value is None:
        return default_fill_value(dtype)
    if np.ndim(fill_value) != 0:
        raise ValueError(f"{name}: fill_value must be a scalar, got shape "
                         f"{np.shape(fill_value)} (at {user_frame_str()}).")
    # A hashable static param: Python scalars stay as they are, 0-d arrays become scalars.
    return fill_value.item() if hasattr(fill_value, "item") else fill_value


# --------------------------------------------------------------------------- shape rules

def check_index_dtype(name: str, indices: ShapedArray) -> None:
    if not dtypes.is_integer(indices.dtype):
        raise ValueError(f"{name}: indices must have an integer type, got "
                         f"{indices.str_short()} (at {user_frame_str()}). Cast them with "
                         "x.astype(jnp.int32).")


def _check_dims(name: str, field: str, dims: tuple, rank: int, *, sorted_: bool = True):
    if len(set(dims)) != len(dims):
        raise type_error(f"{name}: {field} must not repeat, got {dims}.")
    if sorted_ and list(dims) != sorted(dims):
        raise type_error(f"{name}: {field} must be sorted, got {dims}.")
    for d in dims:
        if not 0 <= d < rank:
            raise type_error(f"{name}: {field} {dims} has dimension {d} outside "
                             f"[0, {rank}).")


def _check_batching(name, operand, indices, operand_dims, indices_dims, operand_field,
                    indices_field):
    _check_dims(name, operand_field, operand_dims, operand.ndim)
    _check_dims(name, indices_field, indices_dims, indices.ndim, sorted_=False)
    if indices.ndim - 1 in indices_dims:
        raise type_error(f"{name}: the index vector dimension (the last of the indices) "
                         f"cannot be a batching dimension, got {indices_field}="
                         f"{indices_dims}.")
    if len(operand_dims) != len(indices_dims):
        raise type_error(f"{name}: {operand_field} and {indices_field} must have the same "
                         f"length, got {operand_dims} and {indices_dims}.")
    o_shape = tuple(operand.shape[d] for d in operand_dims)
    i_shape = tuple(indices.shape[d] for d in indices_dims)
    if o_shape != i_shape:
        raise type_error(f"{name}: the operand batching dimensions and the indices "
                         f"batching dimensions must have the same sizes, got {o_shape} and "
                         f"{i_shape}.")


def _gather_shape(operand: ShapedArray, indices: ShapedArray,
                  dnums: GatherDimensionNumbers, slice_sizes: tuple) -> tuple:
    name = "gather"
    if indices.ndim == 0:
        raise type_error(f"{name}: indices must have at least one dimension (the index "
                         "vector is the last one), got a scalar. Add a trailing axis: "
                         "indices[..., None].")
    batch_rank = indices.ndim - 1
    out_rank = len(dnums.offset_dims) + batch_rank
    _check_dims(name, "offset_dims", dnums.offset_dims, out_rank)
    if len(dnums.start_index_map) != indices.shape[-1]:
        raise type_error(f"{name}: start_index_map {dnums.start_index_map} needs one entry "
                         f"per index vector component; the indices {indices.str_short()} "
                         f"have {indices.shape[-1]}.")
    _check_dims(name, "start_index_map", dnums.start_index_map, operand.ndim, sorted_=False)
    _check_dims(name, "collapsed_slice_dims", dnums.collapsed_slice_dims, operand.ndim)
    _check_batching(name, operand, indices, dnums.operand_batching_dims,
                    dnums.start_indices_batching_dims, "operand_batching_dims",
                    "start_indices_batching_dims")
    for a, b, fa, fb in ((dnums.collapsed_slice_dims, dnums.operand_batching_dims,
                          "collapsed_slice_dims", "operand_batching_dims"),
                         (dnums.start_index_map, dnums.operand_batching_dims,
                          "start_index_map", "operand_batching_dims")):
        if set(a) & set(b):
            raise type_error(f"{name}: {fa} {a} and {fb} {b} must be disjoint.")
    if len(slice_sizes) != operand.ndim:
        raise type_error(f"{name}: slice_sizes {slice_sizes} needs one entry per operand "
                         f"dimension (operand {operand.str_short()}).")
    if len(slice_sizes) != (len(dnums.offset_dims) + len(dnums.collapsed_slice_dims)
                            + len(dnums.operand_batching_dims)):
        raise type_error(f"{name}: every operand dimension must be an offset, collapsed or "
                         f"batching dimension: got {len(slice_sizes)} slice sizes, "
                         f"offset_dims={dnums.offset_dims}, collapsed_slice_dims="
                         f"{dnums.collapsed_slice_dims}, operand_batching_dims="
                         f"{dnums.operand_batching_dims}.")
    for i, (s, d) in enumerate(zip(slice_sizes, operand.shape)):
        if indices.size and not 0 <= s <= d:
            raise type_error(f"{name}: slice size {s} of dimension {i} must be within "
                             f"[0, {d}] (operand {operand.str_short()}).")
    for d in dnums.collapsed_slice_dims + dnums.operand_batching_dims:
        if slice_sizes[d] > 1 or (slice_sizes[d] != 1 and d in dnums.collapsed_slice_dims):
            raise type_error(f"{name}: collapsed and batching dimensions must have slice "
                             f"size 1, got slice_sizes[{d}]={slice_sizes[d]}.")
    window = iter(s for i, s in enumerate(slice_sizes)
                  if i not in dnums.collapsed_slice_dims
                  and i not in dnums.operand_batching_dims)
    batch = iter(indices.shape[:-1])
    return tuple(next(window) if i in dnums.offset_dims else next(batch)
                 for i in range(out_rank))


def check_scatter(name: str, operand: ShapedArray, indices: ShapedArray,
                   updates: ShapedArray, dnums: ScatterDimensionNumbers) -> None:
    if indices.ndim == 0:
        raise type_error(f"{name}: indices must have at least one dimension (the index "
                         "vector is the last one), got a scalar. Add a trailing axis: "
                         "indices[..., None].")
    batch_rank = indices.ndim - 1
    if updates.ndim != batch_rank + len(dnums.update_window_dims):
        raise type_error(f"{name}: updates must have rank {batch_rank} (indices batch) + "
                         f"{len(dnums.update_window_dims)} (update_window_dims) = "
                         f"{batch_rank + len(dnums.update_window_dims)}, got "
                         f"{updates.str_short()}.")
    _check_dims(name, "update_window_dims", dnums.update_window_dims, updates.ndim)
    _check_dims(name, "inserted_window_dims", dnums.inserted_window_dims, operand.ndim)
    _check_batching(name, operand, indices, dnums.operand_batching_dims,
                    dnums.scatter_indices_batching_dims, "operand_batching_dims",
                    "scatter_indices_batching_dims")
    for a, b, fa, fb in ((dnums.inserted_window_dims, dnums.operand_batching_dims,
                          "inserted_window_dims", "operand_batching_dims"),
                         (dnums.scatter_dims_to_operand_dims, dnums.operand_batching_dims,
                          "scatter_dims_to_operand_dims", "operand_batching_dims")):
        if set(a) & set(b):
            raise type_error(f"{name}: {fa} {a} and {fb} {b} must be disjoint.")
    window_rank = (len(dnums.update_window_dims) + len(dnums.inserted_window_dims)
                   + len(dnums.operand_batching_dims))
    if window_rank != operand.ndim:
        raise type_error(f"{name}: every operand dimension must be an update window, "
                         f"inserted or batching dimension: update_window_dims="
                         f"{dnums.update_window_dims}, inserted_window_dims="
                         f"{dnums.inserted_window_dims}, operand_batching_dims="
                         f"{dnums.operand_batching_dims} for operand {operand.str_short()}.")
    if len(dnums.scatter_dims_to_operand_dims) != indices.shape[-1]:
        raise type_error(f"{name}: scatter_dims_to_operand_dims "
                         f"{dnums.scatter_dims_to_operand_dims} needs one entry per index "
                         f"vector component; the indices {indices.str_short()} have "
                         f"{indices.shape[-1]}.")
    _check_dims(name, "scatter_dims_to_operand_dims", dnums.scatter_dims_to_operand_dims,
                operand.ndim, sorted_=False)
    window_sizes = [d for i, d in enumerate(operand.shape)
                    if i not in dnums.inserted_window_dims
                    and i not in dnums.operand_batching_dims]
    for bound, d in zip(window_sizes, dnums.update_window_dims):
        if updates.shape[d] > bound:
            raise type_error(f"{name}: update window dimension {d} of updates "
                             f"{updates.str_short()} is larger than the operand's "
                             f"({bound}).")
    scatter_dims = [d for d in range(updates.ndim) if d not in dnums.update_window_dims]
    expected = indices.shape[:-1]
    got = tuple(updates.shape[d] for d in scatter_dims)
    if got != expected:
        raise type_error(f"{name}: the scatter dimensions of updates {updates.str_short()} "
                         f"have sizes {got}; they must match the indices' batch shape "
                         f"{expected} (indices {indices.str_short()}).")
    updates_batching = tuple(scatter_dims[d] for d in dnums.scatter_indices_batching_dims)
    o_shape = tuple(operand.shape[d] for d in dnums.operand_batching_dims)
    u_shape = tuple(updates.shape[d] for d in updates_batching)
    if o_shape != u_shape:
        raise type_error(f"{name}: the operand batching dimensions and the updates' "
                         f"batching dimensions must have the same sizes, got {o_shape} and "
                         f"{u_shape}.")


def _scatter_slice_sizes(operand_shape: tuple, updates_shape: tuple,
                         dnums: ScatterDimensionNumbers) -> tuple:
    """The slice sizes of the gather that reads back what a scatter wrote."""
    window = iter(updates_shape[d] for d in dnums.update_window_dims)
    return tuple(1 if i in dnums.inserted_window_dims or i in dnums.operand_batching_dims
                 else next(window) for i in range(len(operand_shape)))


def _gather_dnums_of(dnums: ScatterDimensionNumbers) -> GatherDimensionNumbers:
    return GatherDimensionNumbers(
        offset_dims=dnums.update_window_dims,
        collapsed_slice_dims=dnums.inserted_window_dims,
        start_index_map=dnums.scatter_dims_to_operand_dims,
        operand_batching_dims=dnums.operand_batching_dims,
        start_indices_batching_dims=dnums.scatter_indices_batching_dims)


def _scatter_dnums_of(dnums: GatherDimensionNumbers) -> ScatterDimensionNumbers:
    return ScatterDimensionNumbers(
        update_window_dims=dnums.offset_dims,
        inserted_window_dims=dnums.collapsed_slice_dims,
        scatter_dims_to_operand_dims=dnums.start_index_map,
        operand_batching_dims=dnums.operand_batching_dims,
        scatter_indices_batching_dims=dnums.start_indices_batching_dims)


# --------------------------------------------------------------------------- gather
gather_p = Primitive("gather")


def _gather_abstract_eval(operand, indices, *, dimension_numbers, fill_value,
                          indices_are_sorted, mode, slice_sizes, unique_indices):
    check_index_dtype("gather", indices)
    shape = _gather_shape(operand, indices, dimension_numbers, slice_sizes)
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
    fill = _fill_value_param("gather", fill_value, mode, get_aval(operand).dtype)
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
    out = _scatter(scatter_add_p, zeros, indices, ct, _scatter_dnums_of(dimension_numbers),
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
    return _gather(x, indices, _gather_dnums_of(dnums),
                   _scatter_slice_sizes(get_aval(x).shape, updates_shape, dnums),
                   mode=mode, fill_value=0)


# ## scatter-add: linear in operand and updates

def _scatter_add_jvp(primals, tangents, *, dimension_numbers, indices_are_sorted, mode,
                     unique_indices):
    (operand, indices, updates), (g_operand, _, g_updates) = primals, tangents
    params = dict(indices_are_sorted=indices_are_sorted, mode=mode,
                  unique_indices=unique_indices)
    out = _scatter(scatter_add_p, operand, indices, updates, dimension_numbers, **params)
    if type(g_operand) is Zero and type(g_updates) is Zero:
        return out, Zero(tangent_aval(get_aval(out)))
    t_out = _scatter(scatter_add_p, instantiate(g_operand), indices, instantiate(g_updates),
                     dimension_numbers, **params)
    return out, t_out


def _scatter_add_transpose(ct, operand, indices, updates, *, dimension_numbers,
                           indices_are_sorted, mode, unique_indices):
    if is_undefined_primal(indices):
        raise NotImplementedError("scatter_add is not linear in its indices.")
    operand_ct = updates_ct = None
    if type(ct) is Zero:
        operand_ct = Zero(operand.aval) if is_undefined_primal(operand) else None
        updates_ct = Zero(updates.aval) if is_undefined_primal(updates) else None
        return [operand_ct, None, updates_ct]
    if is_undefined_primal(operand):
        operand_ct = ct
    if is_undefined_primal(updates):
        updates_ct = _read_back(ct, indices, updates.aval.shape, dimension_numbers, mode)
    return [operand_ct, None, updates_ct]


jvp_rules[scatter_add_p] = _scatter_add_jvp
transpose_rules[scatter_add_p] = _scatter_add_transpose


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

def batched_scatter_dnums(dn: ScatterDimensionNumbers,
                          indices_batched: bool) -> ScatterDimensionNumbers:
    """The dimension numbers of a scatter whose operand and updates got a batch axis in
    front (and, if ``indices_batched``, the indices too)."""
    up = lambda ds: tuple(d + 1 for d in ds)
    if not indices_batched:
        # The batch axis is one more update window dimension, in front.
        return ScatterDimensionNumbers(
            update_window_dims=(0,) + up(dn.update_window_dims),
            inserted_window_dims=up(dn.inserted_window_dims),
            scatter_dims_to_operand_dims=up(dn.scatter_dims_to_operand_dims),
            operand_batching_dims=up(dn.operand_batching_dims),
            scatter_indices_batching_dims=dn.scatter_indices_batching_dims)
    # Batched indices: the vmapped axes pair up as one more pair of batching dimensions.
    return ScatterDimensionNumbers(
        update_window_dims=up(dn.update_window_dims),
        inserted_window_dims=up(dn.inserted_window_dims),
        scatter_dims_to_operand_dims=up(dn.scatter_dims_to_operand_dims),
        operand_batching_dims=(0,) + up(dn.operand_batching_dims),
        scatter_indices_batching_dims=(0,) + up(dn.scatter_indices_batching_dims))


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

def _slice_sizes(name: str, slice_sizes) -> tuple:
    if isinstance(slice_sizes, (int, np.integer)):
        raise type_error(f"{name}: slice_sizes must be a sequence with one size per operand "
                         f"dimension, got {slice_sizes!r}.")
    return _ints(name, "slice_sizes", slice_sizes)


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
    return _gather(operand, start_indices, dnums, _slice_sizes(name, slice_sizes), mode=mode,
                   fill_value=fill_value, unique_indices=unique_indices,
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
