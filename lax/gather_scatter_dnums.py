"""The static params of gather and scatter -- dimension numbers, ``mode``, ``fill_value``,
slice sizes -- and the shape rules they imply, shared by ``slicing`` (gather and the
scatters) and ``scatter_apply``.

The dimension numbers are JAX's public namedtuples (``GatherDimensionNumbers``,
``ScatterDimensionNumbers``) and ``mode`` is JAX's ``GatherScatterMode`` enum, so programs
written for ``jax.lax`` run unchanged.  As in JAX the index vector is always the last axis
of the indices, and a scatter's dimension numbers are its gather's, transposed:
``update_window_dims`` = ``offset_dims``, ``inserted_window_dims`` = ``collapsed_slice_dims``,
``scatter_dims_to_operand_dims`` = ``start_index_map``.

Here: canonicalizing the params a user passes (errors that name the field and show an
example), checking operand, indices and updates against the dimension numbers (the
abstract-eval shape rules), and the dimension numbers that the rules derive: a scatter's
read-back gather, a gather's transposed scatter, a scatter with a batch axis in front.
"""
from __future__ import annotations

import operator

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.source_info import user_frame_str

from .registry import type_error

lax = jax.lax

# JAX's static helpers, shared so that jax.lax code runs unchanged.
GatherDimensionNumbers = lax.GatherDimensionNumbers
ScatterDimensionNumbers = lax.ScatterDimensionNumbers
GatherScatterMode = lax.GatherScatterMode

__all__ = ["GatherDimensionNumbers", "GatherScatterMode", "ScatterDimensionNumbers"]

_MODES = (GatherScatterMode.CLIP, GatherScatterMode.FILL_OR_DROP,
          GatherScatterMode.PROMISE_IN_BOUNDS)


# --------------------------------------------------------------------------- static params

def _ints(name: str, field: str, xs) -> tuple:
    try:
        return tuple(operator.index(x) for x in xs)
    except TypeError:
        raise type_error(f"{name}: {field} must be a sequence of Python ints, got "
                         f"{xs!r}.") from None


def _canonical_dnums(name: str, dnums, cls, example: str):
    """``dnums`` as a ``cls`` of Python ints; ``example`` (its fields) goes in the error."""
    if not hasattr(dnums, cls._fields[0]):
        raise type_error(
            f"{name}: dimension_numbers must be a lax.{cls.__name__}, got {dnums!r}. "
            f"Example: {cls.__name__}({example}).")
    return cls(*(_ints(name, f, getattr(dnums, f, ())) for f in cls._fields))


def canonical_gather_dnums(name: str, dnums) -> GatherDimensionNumbers:
    return _canonical_dnums(name, dnums, GatherDimensionNumbers,
                            "offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,)")


def canonical_scatter_dnums(name: str, dnums) -> ScatterDimensionNumbers:
    return _canonical_dnums(name, dnums, ScatterDimensionNumbers,
                            "update_window_dims=(1,), inserted_window_dims=(0,), "
                            "scatter_dims_to_operand_dims=(0,)")


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
    if dtypes.is_extended(dtype):      # keys: JAX applies its own fill
        return None
    dtype = np.dtype(dtype)
    if dtypes.is_inexact(dtype):
        return np.nan
    if dtypes.is_bool(dtype):
        return True
    info = dtypes.iinfo(dtype)
    return int(info.min) if np.issubdtype(dtype, np.signedinteger) else int(info.max)


def fill_value_param(name: str, fill_value, mode, dtype):
    if mode is not GatherScatterMode.FILL_OR_DROP:
        return None
    if fill_value is None:
        return default_fill_value(dtype)
    if np.ndim(fill_value) != 0:
        raise ValueError(f"{name}: fill_value must be a scalar, got shape "
                         f"{np.shape(fill_value)} (at {user_frame_str()}).")
    # A hashable static param: Python scalars stay as they are, 0-d arrays become scalars.
    return fill_value.item() if hasattr(fill_value, "item") else fill_value


def canonical_slice_sizes(name: str, slice_sizes) -> tuple:
    if isinstance(slice_sizes, (int, np.integer)):
        raise type_error(f"{name}: slice_sizes must be a sequence with one size per operand "
                         f"dimension, got {slice_sizes!r}.")
    return _ints(name, "slice_sizes", slice_sizes)


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


def _check_index_vector(name: str, indices: ShapedArray) -> None:
    if indices.ndim == 0:
        raise type_error(f"{name}: indices must have at least one dimension (the index "
                         "vector is the last one), got a scalar. Add a trailing axis: "
                         "indices[..., None].")


def _check_not_batching(name: str, batching_dims: tuple, **fields: tuple) -> None:
    """Each of ``fields`` (a dimension-numbers field by name) must share no dimension with
    ``operand_batching_dims``."""
    for field, dims in fields.items():
        if set(dims) & set(batching_dims):
            raise type_error(f"{name}: {field} {dims} and operand_batching_dims "
                             f"{batching_dims} must be disjoint.")


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


def gather_shape(operand: ShapedArray, indices: ShapedArray,
                 dnums: GatherDimensionNumbers, slice_sizes: tuple) -> tuple:
    name = "gather"
    _check_index_vector(name, indices)
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
    _check_not_batching(name, dnums.operand_batching_dims,
                        collapsed_slice_dims=dnums.collapsed_slice_dims,
                        start_index_map=dnums.start_index_map)
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
    _check_index_vector(name, indices)
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
    _check_not_batching(name, dnums.operand_batching_dims,
                        inserted_window_dims=dnums.inserted_window_dims,
                        scatter_dims_to_operand_dims=dnums.scatter_dims_to_operand_dims)
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


# --------------------------------------------------------------------------- derived dnums

def scatter_slice_sizes(operand_shape: tuple, updates_shape: tuple,
                        dnums: ScatterDimensionNumbers) -> tuple:
    """The slice sizes of the gather that reads back what a scatter wrote."""
    window = iter(updates_shape[d] for d in dnums.update_window_dims)
    return tuple(1 if i in dnums.inserted_window_dims or i in dnums.operand_batching_dims
                 else next(window) for i in range(len(operand_shape)))


def gather_dnums_of(dnums: ScatterDimensionNumbers) -> GatherDimensionNumbers:
    return GatherDimensionNumbers(
        offset_dims=dnums.update_window_dims,
        collapsed_slice_dims=dnums.inserted_window_dims,
        start_index_map=dnums.scatter_dims_to_operand_dims,
        operand_batching_dims=dnums.operand_batching_dims,
        start_indices_batching_dims=dnums.scatter_indices_batching_dims)


def scatter_dnums_of(dnums: GatherDimensionNumbers) -> ScatterDimensionNumbers:
    return ScatterDimensionNumbers(
        update_window_dims=dnums.offset_dims,
        inserted_window_dims=dnums.collapsed_slice_dims,
        scatter_dims_to_operand_dims=dnums.start_index_map,
        operand_batching_dims=dnums.operand_batching_dims,
        scatter_indices_batching_dims=dnums.start_indices_batching_dims)


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
