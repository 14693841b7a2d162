"""NumPy indexing of traced arrays, ``x[idx]``, with JAX's semantics, and the index
analysis that ``x.at[idx]`` (at.py) shares.

* Static basic indices -- Python ints, slices, ``None``, ``...`` -- become one ``slice``
  (negative steps: a forward slice and a ``rev``), a ``squeeze`` and an ``expand_dims``:
  the cheap equations JAX emits.
* Traced integer scalars with unit-step slices (``xs[i]``, ``x[:, i, 1:]``) become one
  ``dynamic_slice`` (and a ``squeeze``), as in JAX: cheaper than a gather, and so is its
  transpose, a ``dynamic_update_slice`` where a gather's is a scatter-add.
* Everything else -- integer arrays, boolean masks, and any mix with the basic indices --
  becomes one ``gather``.  The advanced (array) indices broadcast together; their axes
  go where the first of them was when they are adjacent, and in front otherwise
  (NumPy's rule).  Negative indices count from the end.  Out-of-bounds indices are
  clamped by default (``mode=None`` is XLA's ``promise_in_bounds``), as in JAX;
  ``x.at[idx].get(mode='fill')`` reads ``fill_value`` there instead.
* Boolean masks must be concrete (their number of True entries is the result's shape):
  a traced mask raises :class:`NonConcreteBooleanIndexError`, which names the fixes.
"""
from __future__ import annotations

import operator
from typing import Callable, NamedTuple

import jax
import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.core import Tracer, get_aval
from zenax.tracer.errors import JAXIndexError
from zenax.tracer.source_info import user_frame_str
from zenax.lax.eager import is_concrete_array

from .promotion import asarray, broadcast_to, dtype_of, promote_dtypes, shape_of

_INDEX_DTYPE = np.dtype(np.int32)


class NonConcreteBooleanIndexError(JAXIndexError):
    """A boolean mask index whose values are not known while tracing (JAX's error of the
    same name): the result's shape would depend on them."""

    def __init__(self, aval):
        super().__init__(
            f"Array boolean indices must be concrete; got {aval.str_short()} at "
            f"{user_frame_str()}. The number of True entries is the shape of the result, "
            "which must be known when tracing. Fixes: jnp.where(mask, x, 0) keeps the "
            "shape; x.at[mask].set(...) needs a concrete mask too, so use "
            "jnp.where(mask, new, x); jnp.nonzero(mask, size=n) gives a fixed number of "
            "indices.")


# --------------------------------------------------------------------------- parsing
# Each index becomes a (kind, value) pair; after _expand every entry is one of
# NONE, SLICE (a static Python slice), INT (a static Python int) or ARRAY (an integer
# array, concrete or traced, of any rank).
NONE, ELLIPSIS, SLICE, INT, BOOL, ARRAY = "none", "ellipsis", "slice", "int", "bool", "array"


_is_concrete_array = is_concrete_array


def _concrete_value(x):
    """The value of a concrete array or of a tracer that knows its value, else None."""
    if isinstance(x, Tracer):
        return x.to_concrete_value()
    return x


def _static_int(x):
    """``x`` as a Python int if it is a concrete integer scalar (not a bool), else None."""
    if isinstance(x, (bool, np.bool_, Tracer)):
        return None
    if isinstance(x, (int, np.integer)):
        return operator.index(x)
    if _is_concrete_array(x) and np.ndim(x) == 0 and _dtypes.is_integer(x.dtype):
        return operator.index(x)
    return None


def _classify(item):
    """``(kind, value)`` of one index entry, or JAX's error for an invalid index."""
    if item is None:
        return NONE, None
    if item is Ellipsis:
        return ELLIPSIS, None
    if isinstance(item, slice):
        return SLICE, _static_slice(item)
    value = _static_int(item)
    if value is not None:
        return INT, value
    if isinstance(item, (bool, np.bool_)):
        return BOOL, np.asarray(item)
    if isinstance(item, (list, tuple)):
        item = np.asarray(item) if len(item) else np.zeros((0,), _INDEX_DTYPE)
    if isinstance(item, (Tracer, np.ndarray, np.generic, jax.Array)):
        dtype = get_aval(item).dtype
        if _dtypes.is_bool(dtype):
            return BOOL, item
        if _dtypes.is_integer(dtype):
            return ARRAY, item
        raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                        f"{dtype} (at {user_frame_str()}).")
    if isinstance(item, str):
        raise TypeError(f"zenax does not support string indexing; got {item!r} "
                        f"(at {user_frame_str()}).")
    if isinstance(item, (float, complex)):
        raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                        f"{np.dtype(type(item))} (at {user_frame_str()}).")
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and "
                     f"integer or boolean arrays are valid indices. Got {item!r} "
                     f"(at {user_frame_str()}).")


def _static_slice(item: slice) -> slice:
    parts = []
    for part in (item.start, item.stop, item.step):
        value = None if part is None else _static_int(part)
        if part is not None and value is None:
            raise IndexError(f"Slice entries must be static integers. Got {item} "
                             f"(at {user_frame_str()}). For a traced start, use "
                             "lax.dynamic_slice, or index with jnp.arange(start, start + n).")
        parts.append(value)
    return slice(*parts)


def index_tuple(idx) -> tuple:
    """``idx`` as a tuple of entries; a non-tuple sequence is refused, as in JAX."""
    if isinstance(idx, tuple):
        return idx
    if isinstance(idx, list):
        raise TypeError(
            "Using a non-tuple sequence for multidimensional indexing is not allowed; use "
            "`arr[tuple(seq)]` (several indices) or `arr[jnp.array(seq)]` (an index array) "
            f"instead of `arr[seq]` (at {user_frame_str()}).")
    return (idx,)


def _parse(idx, shape: tuple) -> list:
    """The classified entries with the ellipsis (and the trailing axes) expanded into full
    slices; checks the number of indices."""
    entries = [_classify(item) for item in index_tuple(idx)]
    if sum(kind == ELLIPSIS for kind, _ in entries) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(np.ndim(v) if kind == BOOL else kind in (SLICE, INT, ARRAY)
                   for kind, v in entries)
    if consumed > len(shape):
        raise IndexError(f"Too many indices: {len(shape)}-dimensional array indexed with "
                         f"{consumed} regular indices (at {user_frame_str()}).")
    fill = [(SLICE, slice(None))] * (len(shape) - consumed)
    at = next((i for i, (kind, _) in enumerate(entries) if kind == ELLIPSIS), len(entries))
    return entries[:at] + fill + entries[at + 1:]


# --------------------------------------------------------------------------- static path

def _is_static(entries) -> bool:
    return all(kind in (NONE, SLICE, INT) for kind, _ in entries)


def _static_in_bounds(entries, shape) -> bool:
    """Whether every static integer index is in bounds.  Out of bounds is not an error,
    as in JAX (retrieval clamps: the gather path does it), except on an empty axis, which
    has no element to clamp to."""
    dim, inside = 0, True
    for kind, value in entries:
        if kind == INT and not -shape[dim] <= value < shape[dim]:
            if shape[dim] == 0:
                raise IndexError(f"index is out of bounds for axis {dim} with size 0 "
                                 f"(at {user_frame_str()}).")
            inside = False
        dim += kind != NONE
    return inside


def _static_getitem(x, entries):
    """``x[idx]`` for static basic indices: slice, rev, squeeze, expand_dims."""
    shape = shape_of(x)
    starts, limits, strides = [], [], []
    reversed_dims, squeezed_dims, new_axes = [], [], []
    out_rank = dim = 0
    for kind, item in entries:
        if kind == NONE:
            new_axes.append(out_rank)
            out_rank += 1
            continue
        size = shape[dim]
        if kind == SLICE:
            start, stop, step = item.indices(size)
            count = len(range(start, stop, step))
            if count == 0:
                first, limit, stride = 0, 0, 1
            elif step > 0:
                first, limit, stride = start, stop, step
            else:
                # Select the same elements with a forward slice, then reverse them.
                first, limit, stride = start + (count - 1) * step, start + 1, -step
                reversed_dims.append(dim)
            starts.append(first)
            limits.append(limit)
            strides.append(stride)
            out_rank += 1
        else:
            item %= size
            starts.append(item)
            limits.append(item + 1)
            strides.append(1)
            squeezed_dims.append(dim)
        dim += 1
    out = x
    if tuple(starts) != (0,) * len(shape) or tuple(limits) != shape or \
            any(s != 1 for s in strides):
        out = lax.slice(out, starts, limits, strides)
    return _reverse_squeeze_expand(out, reversed_dims, squeezed_dims, new_axes)


def _reverse_squeeze_expand(out, rev_axes, squeeze_axes, new_axes):
    """The tail shared by the slice paths: reverse, drop the indexed axes, add ``None``s."""
    if rev_axes:
        out = lax.rev(out, rev_axes)
    if squeeze_axes:
        out = lax.squeeze(out, squeeze_axes)
    if new_axes:
        out = lax.expand_dims(out, new_axes)
    return out


# --------------------------------------------------------------------------- dynamic-slice path

def _dynamic_slice_take(x, entries, shape: tuple, mode, normalize_indices: bool):
    """``x[idx]`` as one ``dynamic_slice`` when the advanced indices are all integer
    scalars (``x[i]``, ``x[i, 1:]``, ``x[:, i, None]`` with a traced ``i``), else None.

    This is JAX's choice too: a window read is cheaper than a gather, and its transpose
    (``dynamic_update_slice``) cheaper than a scatter-add -- ``xs[i]`` inside a loop
    body is the common case.  Slices must have unit steps (``::-1`` adds a ``rev``).
    """
    if mode is not None and lax.GatherScatterMode.from_any(mode) not in (
            lax.GatherScatterMode.PROMISE_IN_BOUNDS, lax.GatherScatterMode.CLIP):
        return None
    starts, sizes, rev_axes, squeeze_axes, newaxis_dims = [], [], [], [], []
    for kind, item in entries:
        axis = len(starts)
        if kind == NONE:
            newaxis_dims.append(len(starts) - len(squeeze_axes) + len(newaxis_dims))
        elif kind == INT or (kind == ARRAY and get_aval(item).ndim == 0):
            if shape[axis] == 0:
                return None
            starts.append(item)
            sizes.append(1)
            squeeze_axes.append(axis)
        elif kind == SLICE and item.step in (None, 1, -1):
            start, stop, step = item.indices(shape[axis])
            if step < 0:
                starts.append(stop + 1)
                sizes.append(max(0, start - stop))
                rev_axes.append(axis)
            else:
                starts.append(start)
                sizes.append(max(0, stop - start))
        else:
            return None
    out = lax.dynamic_slice(x, starts, sizes, allow_negative_indices=normalize_indices)
    return _reverse_squeeze_expand(out, rev_axes, squeeze_axes, newaxis_dims)


# --------------------------------------------------------------------------- gather path

class GatherIndexer(NamedTuple):
    """``x[idx]`` as ``expand_dims(x, scalar_bool_dims)``, one gather, a ``rev`` of
    ``reversed_y_dims`` and an ``expand_dims`` of ``newaxis_dims``; ``x.at[idx]`` scatters
    along the same dimension numbers (the transposed gather)."""
    slice_shape: tuple              # the shape of x[idx]
    gather_slice_shape: tuple       # slice_sizes of the gather
    gather_indices: object          # int32 array, the index vector last
    dnums: lax.GatherDimensionNumbers
    unique_indices: bool            # no advanced indices: windows cannot overlap
    indices_are_sorted: bool
    reversed_y_dims: tuple
    newaxis_dims: tuple
    scalar_bool_dims: tuple         # axes of size 1 that x[True] / x[False] index


def _concrete_mask(mask):
    value = _concrete_value(mask)
    if value is None:
        raise NonConcreteBooleanIndexError(get_aval(mask))
    return np.asarray(value)


def _expand_bool(entries, shape):
    """Masks become the integer arrays of their True positions (np.nonzero); a scalar
    bool indexes a new axis of size 1 (``x[True]`` is ``x[None]``, ``x[False]`` is empty
    along it).  Returns the entries, the shape with those new axes, and their positions."""
    out, new_shape, bool_dims = [], list(shape), []
    dim = 0
    for kind, value in entries:
        if kind != BOOL:
            out.append((kind, value))
            dim += kind != NONE
            continue
        mask = _concrete_mask(value)
        if mask.ndim == 0:
            new_shape.insert(dim, 1)
            bool_dims.append(dim)
            out.append((ARRAY, np.arange(int(mask), dtype=_INDEX_DTYPE)))
            dim += 1
            continue
        expected = tuple(new_shape[dim:dim + mask.ndim])
        if mask.shape != expected:
            raise IndexError(f"boolean index did not match shape of indexed array: got "
                             f"{mask.shape}, expected {expected} (at {user_frame_str()}).")
        out += [(ARRAY, i.astype(_INDEX_DTYPE)) for i in np.nonzero(mask)]
        dim += mask.ndim
    return out, tuple(new_shape), tuple(bool_dims)


def _index_array(x, size: int, normalize: bool):
    """``x`` as int32 indices into an axis of ``size``, negative ones counting from the
    end if ``normalize``.  Concrete indices stay NumPy arrays (constants of the jaxpr)."""
    signed = not np.issubdtype(get_aval(x).dtype, np.unsignedinteger)
    if is_concrete_array(x) or isinstance(x, (int, list, tuple)):
        x = np.asarray(x).astype(_INDEX_DTYPE)
        return np.where(x < 0, x + size, x).astype(_INDEX_DTYPE) if normalize and signed else x
    if get_aval(x).dtype != _INDEX_DTYPE:
        x = lax.convert_element_type(x, _INDEX_DTYPE)
    if not (normalize and signed):
        return x
    return lax.select(lax.lt(x, np.array(0, _INDEX_DTYPE)),
                      lax.add(x, np.array(size, _INDEX_DTYPE)), x)


def _broadcast_indices(arrays: list) -> list:
    shapes = [get_aval(a).shape for a in arrays]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"shape mismatch: indexing arrays could not be broadcast together "
                         f"with shapes {' '.join(map(str, shapes))} "
                         f"(at {user_frame_str()}).") from None
    return [a if get_aval(a).shape == shape else
            lax.broadcast_in_dim(a, shape, tuple(range(len(shape) - len(s), len(shape))))
            for a, s in zip(arrays, shapes)]


def index_to_gather(shape: tuple, idx, normalize_indices: bool = True) -> GatherIndexer:
    """The gather that computes ``x[idx]`` for an ``x`` of ``shape`` (a port of JAX's
    ``_index_to_gather``)."""
    entries, shape, scalar_bool_dims = _expand_bool(_parse(idx, shape), shape)
    advanced = any(kind == ARRAY and get_aval(v).ndim > 0 for kind, v in entries)
    # Positions (in entries) and operand axes of the advanced indices; with an array
    # index present, static ints are advanced indices too (NumPy's rule).
    adv_pos, adv_axes, adv_arrays = [], [], []
    dim = 0
    for pos, (kind, value) in enumerate(entries):
        if advanced and kind in (INT, ARRAY):
            adv_pos.append(pos)
            adv_axes.append(dim)
            adv_arrays.append(_index_array(value, shape[dim], normalize_indices))
        dim += kind != NONE
    contiguous = all(b - a == 1 for a, b in zip(adv_pos, adv_pos[1:]))

    offset_dims, collapsed, start_index_map = [], [], []
    gather_indices, gather_shape = [], []        # (array, first batch dim) pairs
    slice_shape, gather_slice_shape, newaxis_dims, reversed_y_dims = [], [], [], []
    x_axis = y_axis = collapsed_y_axis = 0
    for pos, (kind, value) in enumerate(entries):
        if adv_pos and pos == (adv_pos[0] if contiguous else 0):
            arrays = _broadcast_indices(adv_arrays)
            batch = get_aval(arrays[0]).shape
            start = len(gather_shape)
            gather_indices += [(a, start) for a in arrays]
            gather_shape += batch
            start_index_map += adv_axes
            collapsed += adv_axes
            slice_shape += batch
            y_axis += len(batch)
            collapsed_y_axis += len(batch)
        if pos in adv_pos:
            x_axis += 1
            gather_slice_shape.append(1)
            continue
        if kind in (INT, ARRAY):     # a scalar index (static or traced): a collapsed axis
            if shape[x_axis] == 0:
                raise IndexError(f"index is out of bounds for axis {x_axis} with size 0")
            i = _index_array(value, shape[x_axis], normalize_indices)
            gather_indices.append((i, len(gather_shape)))
            collapsed.append(x_axis)
            gather_slice_shape.append(1)
            start_index_map.append(x_axis)
            x_axis += 1
        elif kind == NONE:
            slice_shape.append(1)
            newaxis_dims.append(y_axis)
            y_axis += 1
        else:
            start, stop, step = value.indices(shape[x_axis])
            size = len(range(start, stop, step))
            slice_shape.append(size)
            if step == 1:
                if size != shape[x_axis]:       # a window (no index for a full axis)
                    gather_indices.append((np.array(start, _INDEX_DTYPE), len(gather_shape)))
                    start_index_map.append(x_axis)
                gather_slice_shape.append(size)
                offset_dims.append(collapsed_y_axis)
            else:
                picked = np.arange(start, start + step * size, step, dtype=_INDEX_DTYPE)
                if step < 0:                    # gather ascending, then reverse
                    reversed_y_dims.append(collapsed_y_axis)
                    picked = picked[::-1]
                gather_slice_shape.append(1)
                gather_indices.append((picked, len(gather_shape)))
                start_index_map.append(x_axis)
                gather_shape.append(size)
                collapsed.append(x_axis)
            collapsed_y_axis += 1
            y_axis += 1
            x_axis += 1

    return GatherIndexer(
        slice_shape=tuple(slice_shape), gather_slice_shape=tuple(gather_slice_shape),
        gather_indices=_stack_indices(gather_indices, gather_shape),
        dnums=lax.GatherDimensionNumbers(offset_dims=tuple(offset_dims),
                                         collapsed_slice_dims=tuple(sorted(collapsed)),
                                         start_index_map=tuple(start_index_map)),
        unique_indices=not adv_pos, indices_are_sorted=not adv_pos,
        reversed_y_dims=tuple(reversed_y_dims), newaxis_dims=tuple(newaxis_dims),
        scalar_bool_dims=scalar_bool_dims)


def _stack_indices(gather_indices: list, gather_shape: list):
    """One int32 array of shape ``gather_shape + [n]``: each index broadcast along its
    batch dimensions, stacked on a last axis."""
    if not gather_indices:
        return np.zeros((0,), _INDEX_DTYPE)
    if len(gather_indices) == 1:
        g, _ = gather_indices[0]
        return lax.expand_dims(g, (get_aval(g).ndim,))
    shape = tuple(gather_shape) + (1,)
    return lax.concatenate([lax.broadcast_in_dim(g, shape, tuple(range(i, i + get_aval(g).ndim)))
                            for g, i in gather_indices], len(gather_shape))


# --------------------------------------------------------------------------- x[idx]

def rewriting_take(x, idx, *, indices_are_sorted: bool = False, unique_indices: bool = False,
                   mode=None, fill_value=None, normalize_indices: bool = True):
    """``x[idx]``, with ``x.at[idx].get``'s options (``mode``, ``fill_value``, ...)."""
    shape = shape_of(x)
    entries = _parse(idx, shape)
    if _is_static(entries) and normalize_indices and _static_in_bounds(entries, shape):
        return _static_getitem(x, entries)
    if fill_value is None:
        out = _dynamic_slice_take(x, entries, shape, mode, normalize_indices)
        if out is not None:
            return out
    indexer = index_to_gather(shape, idx, normalize_indices)
    if fill_value is not None:
        fill_value = _concrete_value(fill_value)
        if fill_value is None or np.ndim(fill_value) != 0:
            raise ValueError("fill_value argument to indexed get() must be a concrete "
                             f"scalar (at {user_frame_str()}).")
    y = x
    if indexer.scalar_bool_dims:
        y = lax.expand_dims(y, indexer.scalar_bool_dims)
    if 0 in indexer.slice_shape:
        return lax.broadcast_in_dim(np.zeros((), get_aval(x).dtype), indexer.slice_shape, ())
    if get_aval(indexer.gather_indices).size:
        y = lax.gather(y, indexer.gather_indices, indexer.dnums, indexer.gather_slice_shape,
                       unique_indices=unique_indices or indexer.unique_indices,
                       indices_are_sorted=indices_are_sorted or indexer.indices_are_sorted,
                       mode=mode, fill_value=fill_value)
    if indexer.reversed_y_dims:
        y = lax.rev(y, indexer.reversed_y_dims)
    if indexer.newaxis_dims:
        y = lax.expand_dims(y, indexer.newaxis_dims)
    return y


def getitem(x, idx):
    """``x[idx]`` (the ``Tracer.__getitem__`` of zenax.numpy): NumPy's basic and advanced
    indexing with JAX's semantics.

    >>> zenax.jit(lambda x: x[1:, None])(jnp.ones((3, 4))).shape   # slice, expand_dims
    (2, 1, 4)
    >>> zenax.jit(lambda x, i: x[i])(jnp.arange(5.0), jnp.array([4, -1, 0]))
    Array([4., 4., 0.], dtype=float32)
    """
    return rewriting_take(x, idx)


# --------------------------------------------------------------------------- x.at[idx]

def scatter_update(x, idx, y, scatter_op: Callable, *, indices_are_sorted: bool,
                   unique_indices: bool, mode, normalize_indices: bool):
    """``x`` after ``x[idx] op= y``, functionally: the scatter ``scatter_op`` along the
    transposed gather of ``x[idx]`` (a port of JAX's ``_scatter_update``)."""
    x = asarray(x)
    dtype, weak_type = dtype_of(x), x.weak_type
    if (isinstance(y, int) and not isinstance(y, bool) and _dtypes.is_integer(dtype)
            and np.iinfo(dtype).min <= y <= np.iinfo(dtype).max):
        y = asarray(y, dtype)     # an int that fits stays in x's integer dtype
    else:
        y = asarray(y)
    indexer = index_to_gather(shape_of(x), idx, normalize_indices)
    if 0 in indexer.slice_shape:
        return x
    x, y = promote_dtypes(x, y)
    try:
        y = broadcast_to(y, indexer.slice_shape)
    except ValueError:
        raise ValueError(f"x.at[idx] update: the values of shape {shape_of(y)} cannot be "
                         f"broadcast to the indexed shape {indexer.slice_shape}.") from None
    y = lax.squeeze(y, indexer.newaxis_dims)
    if indexer.reversed_y_dims:
        y = lax.rev(y, indexer.reversed_y_dims)
    if indexer.scalar_bool_dims:
        x = lax.expand_dims(x, indexer.scalar_bool_dims)
    dn = indexer.dnums
    dnums = lax.ScatterDimensionNumbers(
        update_window_dims=dn.offset_dims, inserted_window_dims=dn.collapsed_slice_dims,
        scatter_dims_to_operand_dims=dn.start_index_map,
        operand_batching_dims=dn.operand_batching_dims,
        scatter_indices_batching_dims=dn.start_indices_batching_dims)
    out = scatter_op(x, indexer.gather_indices, y, dnums,
                     indices_are_sorted=indexer.indices_are_sorted or indices_are_sorted,
                     unique_indices=indexer.unique_indices or unique_indices, mode=mode)
    if indexer.scalar_bool_dims:
        out = lax.squeeze(out, indexer.scalar_bool_dims)
    return lax._convert_element_type(out, dtype, weak_type)
