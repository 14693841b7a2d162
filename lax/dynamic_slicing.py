"""Dynamic slicing: ``dynamic_slice`` and ``dynamic_update_slice`` -- slices whose start
indices are runtime values (traced integer scalars) -- with all their rules, and JAX's
wrappers ``dynamic_slice_in_dim``, ``dynamic_index_in_dim``, ``dynamic_update_slice_in_dim``
and ``dynamic_update_index_in_dim``.

The semantics are XLA's, as in JAX.  The public functions first make negative start
indices count from the end (adding the dimension's size: static indices in Python, traced
ones with a ``select_n``), then bind the primitive, which *clamps* every start index so
that the window fits: ``start = clamp(0, start, operand.shape[d] - window.shape[d])``.
A window never reads or writes out of bounds: on ``x = arange(5)``,
``dynamic_slice(x, (7,), (2,))`` is ``[3, 4]``.  Start indices may mix Python ints and
integer arrays of any dtypes; they are brought to one dtype (Python ints are weakly typed).

Derivatives:

* ``dynamic_slice`` is linear in the operand: its tangent is the tangent's window at the
  same place, and its transpose writes the cotangent into zeros (``dynamic_update_slice``).
* ``dynamic_update_slice`` is linear in (operand, update) jointly.  The operand's cotangent
  is the cotangent with the window zeroed, the update's the cotangent's window.

The start indices are integers and are never differentiated.

Batching: when only the operand (or update) is batched, the batch axis is one more axis
sliced whole from 0 -- still one ``dynamic_slice``.  When the start indices are batched
(``vmap`` over start positions), each batch element has its own window: one ``gather``
(or ``scatter``) whose batching dimension is the vmapped axis, as in JAX.
"""
from __future__ import annotations

import operator
from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Primitive, Tracer, batch_rules, bind, get_aval, jvp_rules,
                               transpose_rules)

from . import elementwise as ew
from . import shapes as sh
from . import slicing
from .broadcasting import batch_size, bdim_at_front, instantiate, moveaxis, zeros_like_aval
from .registry import canonical_axes, register, same_dtype, tangent_aval, type_error

lax = jax.lax

__all__ = ["dynamic_index_in_dim", "dynamic_slice", "dynamic_slice_in_dim", "dynamic_slice_p",
           "dynamic_update_index_in_dim", "dynamic_update_slice",
           "dynamic_update_slice_in_dim", "dynamic_update_slice_p"]


def _check_start_indices(name: str, operand: ShapedArray, indices: Sequence[ShapedArray]):
    if len(indices) != operand.ndim:
        raise type_error(f"{name}: needs one start index per operand dimension (operand "
                         f"shape {operand.shape}), got {len(indices)}.")
    for i in indices:
        if i.ndim or not dtypes.is_integer(i.dtype) or i.dtype != indices[0].dtype:
            raise type_error(f"{name}: start indices must be integer scalars of one dtype, "
                             f"got {', '.join(a.str_short() for a in indices)}.")


def _lower_index(i):
    # A NumPy scalar would count as a *static* index to jax.lax, which rejects negative
    # ones when allow_negative_indices=False; as a 0-d array it is a runtime value, as ours.
    return np.asarray(i) if isinstance(i, np.generic) else i


# --------------------------------------------------------------------------- dynamic_slice
dynamic_slice_p = Primitive("dynamic_slice")


def _dynamic_slice_abstract_eval(operand, *start_indices, slice_sizes):
    _check_start_indices("dynamic_slice", operand, start_indices)
    if len(slice_sizes) != operand.ndim or \
            any(not 0 <= s <= d for s, d in zip(slice_sizes, operand.shape)):
        raise type_error(f"dynamic_slice: slice_sizes {slice_sizes} must have one entry per "
                         f"operand dimension, each between 0 and that dimension's size "
                         f"(operand shape {operand.shape}).")
    return ShapedArray(slice_sizes, operand.dtype, operand.weak_type)


def _dynamic_slice_lower(operand, *start_indices, slice_sizes):
    # The indices arrive wrapped (negative ones made positive); XLA clamps them.
    return lax.dynamic_slice(operand, [_lower_index(i) for i in start_indices], slice_sizes,
                             allow_negative_indices=False)


register(dynamic_slice_p, _dynamic_slice_abstract_eval, _dynamic_slice_lower)


def _dynamic_slice_jvp(primals, tangents, *, slice_sizes):
    operand, *start_indices = primals
    out = bind(dynamic_slice_p, operand, *start_indices, slice_sizes=slice_sizes)
    t = tangents[0]
    if type(t) is Zero:
        return out, Zero(tangent_aval(get_aval(out)))
    return out, bind(dynamic_slice_p, t, *start_indices, slice_sizes=slice_sizes)


def _dynamic_slice_transpose(ct, operand, *start_indices, slice_sizes):
    no_index_cts = [None] * len(start_indices)
    if type(ct) is Zero:
        return [Zero(operand.aval)] + no_index_cts
    zeros = zeros_like_aval(operand.aval)
    return [bind(dynamic_update_slice_p, zeros, ct, *start_indices)] + no_index_cts


jvp_rules[dynamic_slice_p] = _dynamic_slice_jvp
transpose_rules[dynamic_slice_p] = _dynamic_slice_transpose

# --------------------------------------------------------------------------- dynamic_update_slice
dynamic_update_slice_p = Primitive("dynamic_update_slice")


def _dynamic_update_slice_abstract_eval(operand, update, *start_indices):
    same_dtype("dynamic_update_slice", operand, update)
    if update.ndim != operand.ndim or \
            any(u > d for u, d in zip(update.shape, operand.shape)):
        raise type_error(f"dynamic_update_slice: the update (shape {update.shape}) must have "
                         f"the operand's rank and fit inside it (operand shape "
                         f"{operand.shape}).")
    _check_start_indices("dynamic_update_slice", operand, start_indices)
    weak = operand.weak_type and update.weak_type and all(i.weak_type for i in start_indices)
    return ShapedArray(operand.shape, operand.dtype, weak)


def _dynamic_update_slice_lower(operand, update, *start_indices):
    return lax.dynamic_update_slice(operand, update, [_lower_index(i) for i in start_indices],
                                    allow_negative_indices=False)


register(dynamic_update_slice_p, _dynamic_update_slice_abstract_eval,
         _dynamic_update_slice_lower)


def _dynamic_update_slice_jvp(primals, tangents):
    out = bind(dynamic_update_slice_p, *primals)
    t_operand, t_update = tangents[:2]
    if type(t_operand) is Zero and type(t_update) is Zero:
        return out, Zero(tangent_aval(get_aval(out)))
    return out, bind(dynamic_update_slice_p, instantiate(t_operand), instantiate(t_update),
                     *primals[2:])


def _dynamic_update_slice_transpose(ct, operand, update, *start_indices):
    update_aval = update.aval if is_undefined_primal(update) else get_aval(update)
    ct_operand = ct_update = None
    if type(ct) is Zero:
        if is_undefined_primal(operand):
            ct_operand = Zero(operand.aval)
        if is_undefined_primal(update):
            ct_update = Zero(update.aval)
    else:
        if is_undefined_primal(operand):
            zeros = zeros_like_aval(update_aval)
            ct_operand = bind(dynamic_update_slice_p, ct, zeros, *start_indices)
        if is_undefined_primal(update):
            ct_update = bind(dynamic_slice_p, ct, *start_indices,
                             slice_sizes=update_aval.shape)
    return [ct_operand, ct_update] + [None] * len(start_indices)


jvp_rules[dynamic_update_slice_p] = _dynamic_update_slice_jvp
transpose_rules[dynamic_update_slice_p] = _dynamic_update_slice_transpose


# =========================================================================== batching

def _dynamic_slice_batch(args, dims, *, slice_sizes):
    (operand, *start_indices), (operand_bdim, *index_bdims) = args, dims
    if all(d is not_mapped for d in index_bdims):
        # One window for every batch element: the batch axis is taken whole, from 0.
        size = get_aval(operand).shape[operand_bdim]
        starts = list(start_indices)
        starts.insert(operand_bdim, _zero_index(start_indices))
        sizes = list(slice_sizes)
        sizes.insert(operand_bdim, size)
        return bind(dynamic_slice_p, operand, *starts, slice_sizes=tuple(sizes)), operand_bdim
    # Per-element windows: one gather whose batching dimension is the vmapped axis (as JAX).
    size = batch_size(args, dims)
    if operand_bdim is not_mapped:      # one operand, many windows: no broadcast needed
        shape = get_aval(operand).shape
        indices = _batched_starts(start_indices, index_bdims, size, shape, slice_sizes)
        dnums = slicing.GatherDimensionNumbers(
            offset_dims=tuple(range(1, len(shape) + 1)), collapsed_slice_dims=(),
            start_index_map=tuple(range(len(shape))))
        return slicing.gather(operand, indices, dnums, tuple(slice_sizes),
                              mode=slicing.GatherScatterMode.CLIP), 0
    x = bdim_at_front(operand, operand_bdim, size)
    shape = get_aval(x).shape[1:]
    indices = _batched_starts(start_indices, index_bdims, size, shape, slice_sizes)
    spatial = tuple(range(1, len(shape) + 1))
    dnums = slicing.GatherDimensionNumbers(
        offset_dims=spatial, collapsed_slice_dims=(), start_index_map=spatial,
        operand_batching_dims=(0,), start_indices_batching_dims=(0,))
    return slicing.gather(x, indices, dnums, (1, *slice_sizes),
                          mode=slicing.GatherScatterMode.CLIP), 0


def _dynamic_update_slice_batch(args, dims):
    (operand, update, *start_indices), (operand_bdim, update_bdim, *index_bdims) = args, dims
    size = batch_size(args, dims)
    if all(d is not_mapped for d in index_bdims):
        # One window for every batch element: the batch axis is written whole, from 0.
        bdim = operand_bdim if operand_bdim is not not_mapped else update_bdim
        x = _at_axis(operand, operand_bdim, size, bdim)
        u = _at_axis(update, update_bdim, size, bdim)
        starts = list(start_indices)
        starts.insert(bdim, _zero_index(start_indices))
        return bind(dynamic_update_slice_p, x, u, *starts), bdim
    # Per-element windows: one scatter whose batching dimension is the vmapped axis (as
    # JAX), with the starts clamped first as dynamic_update_slice clamps them.
    x = bdim_at_front(operand, operand_bdim, size)
    u = bdim_at_front(update, update_bdim, size)
    shape, update_shape = get_aval(x).shape[1:], get_aval(u).shape[1:]
    indices = _batched_starts(start_indices, index_bdims, size, shape, update_shape)
    spatial = tuple(range(1, len(shape) + 1))
    dnums = slicing.ScatterDimensionNumbers(
        update_window_dims=spatial, inserted_window_dims=(), scatter_dims_to_operand_dims=spatial,
        operand_batching_dims=(0,), scatter_indices_batching_dims=(0,))
    return slicing.scatter(x, indices, u, dnums, unique_indices=True, indices_are_sorted=True,
                           mode=slicing.GatherScatterMode.CLIP), 0


def _batched_starts(start_indices, index_bdims, size: int, shape: tuple, windows) -> object:
    """``int32[size, ndim]``: each batch element's start vector, clamped so its window fits
    (the clamping dynamic_slice and dynamic_update_slice do)."""
    columns = []
    for i, d, dim, window in zip(start_indices, index_bdims, shape, windows):
        i = ew._convert_element_type(i, np.int32)
        i = (sh.broadcast_in_dim(i, (size,), ()) if d is not_mapped else moveaxis(i, d, 0))
        columns.append(sh.broadcast_in_dim(_clamped_start(i, dim, window), (size, 1), (0,)))
    return sh.concatenate(columns, 1)


def _zero_index(start_indices):
    dtype = get_aval(start_indices[0]).dtype if start_indices else np.int32
    return np.zeros((), dtype)


def _at_axis(x, bdim, size: int, target: int):
    """``x`` batched along axis ``target`` (broadcast if unbatched)."""
    if bdim is not_mapped:
        aval = get_aval(x)
        shape = aval.shape[:target] + (size,) + aval.shape[target:]
        return sh.broadcast_in_dim(x, shape, tuple(a for a in range(aval.ndim + 1)
                                                   if a != target))
    return moveaxis(x, bdim, target)


def _clamped_start(start, dim: int, window: int):
    """The start index XLA would use: the window must fit in the dimension."""
    dtype = get_aval(start).dtype
    return ew.clamp(np.zeros((), dtype), start, np.array(dim - window, dtype))


batch_rules[dynamic_slice_p] = _dynamic_slice_batch
batch_rules[dynamic_update_slice_p] = _dynamic_update_slice_batch


# =========================================================================== public API

def _is_static_int(i) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _split_index_array(start_indices):
    """A 1-D array of start indices as a list of scalars (slices of a traced array)."""
    if isinstance(start_indices, np.ndarray):
        return list(start_indices) if start_indices.ndim == 1 else None
    aval = get_aval(start_indices)
    if aval.ndim != 1:
        return None
    return [sh.squeeze(sh.slice(start_indices, (k,), (k + 1,)), (0,))
            for k in range(aval.shape[0])]


def _start_indices(name: str, shape: tuple, start_indices, allow_negative_indices) -> list:
    """``start_indices`` as scalars of one integer dtype, negative ones counted from the end
    where allowed (as JAX's wrappers do before binding the primitive)."""
    if isinstance(start_indices, (Tracer, np.ndarray, jax.Array)):
        indices = _split_index_array(start_indices)
        if indices is None:
            raise ValueError(f"{name}: start_indices must be a sequence of scalars or a 1-D "
                             f"array, got an array of shape {np.shape(start_indices)}.")
    else:
        indices = list(start_indices)
    if len(indices) != len(shape):
        raise ValueError(f"{name}: start_indices needs one index per operand dimension "
                         f"(operand shape {shape}), got {len(indices)}: {indices!r}.")
    allow = [allow_negative_indices] * len(shape) if isinstance(allow_negative_indices, bool) \
        else list(allow_negative_indices)
    typed = []      # (dtype, weak) of the indices that have a dtype: not Python ints
    for k, i in enumerate(indices):
        if isinstance(i, int) and _is_static_int(i):
            continue
        aval = get_aval(i)
        if aval.ndim or not dtypes.is_integer(aval.dtype):
            raise TypeError(f"{name}: start index {k} must be an integer scalar, got "
                            f"{aval.str_short()}. Pass a Python int or an integer scalar "
                            f"array (e.g. i.astype(jnp.int32)).")
        typed.append((aval.dtype, aval.weak_type))
    dtype = dtypes.result_type(*typed)[0] if typed else dtypes.default_int_dtype()
    return [_normalize_index(name, i, d, dtype, a) for i, d, a in zip(indices, shape, allow)]


def _normalize_index(name: str, i, dim: int, dtype, allow_negative: bool):
    if _is_static_int(i):
        i = operator.index(i)
        if i < 0 and not allow_negative:
            raise ValueError(f"{name}: start index {i} is negative, but "
                             "allow_negative_indices=False for its dimension.")
        return np.array(i + dim if i < 0 else i, dtype)
    i = ew.convert_element_type(i, dtype) if get_aval(i).dtype != dtype else i
    if not allow_negative or dtypes.issubdtype(dtype, np.unsignedinteger):
        return i
    return ew.select_n(ew.lt(i, np.zeros((), dtype)), i, ew.add(i, np.array(dim, dtype)))


def dynamic_slice(operand, start_indices, slice_sizes: Sequence[int], *,
                  allow_negative_indices: bool | Sequence[bool] = True):
    """The window of ``operand`` of shape ``slice_sizes`` starting at ``start_indices``
    (runtime integer scalars, clamped so that the window fits; negative ones count from
    the end).

    >>> x = jnp.arange(12).reshape(3, 4)
    >>> lax.dynamic_slice(x, (1, 1), (2, 3))
    Array([[ 5,  6,  7],
           [ 9, 10, 11]], dtype=int32)
    >>> lax.dynamic_slice(x, (1, 1), (2, 4))     # clamped: starts at column 0
    Array([[ 4,  5,  6,  7],
           [ 8,  9, 10, 11]], dtype=int32)
    """
    shape = get_aval(operand).shape
    indices = _start_indices("dynamic_slice", shape, start_indices, allow_negative_indices)
    sizes = _static_sizes("dynamic_slice", slice_sizes)
    return bind(dynamic_slice_p, operand, *indices, slice_sizes=sizes)


def dynamic_update_slice(operand, update, start_indices, *,
                         allow_negative_indices: bool | Sequence[bool] = True):
    """``operand`` with the window at ``start_indices`` replaced by ``update`` (the start
    indices are clamped so that the window fits).

    >>> lax.dynamic_update_slice(jnp.zeros(6), jnp.ones(3), (2,))
    Array([0., 0., 1., 1., 1., 0.], dtype=float32)
    >>> lax.dynamic_update_slice(jnp.zeros(6), jnp.ones(3), (5,))   # clamped to 3
    Array([0., 0., 0., 1., 1., 1.], dtype=float32)
    """
    shape = get_aval(operand).shape
    indices = _start_indices("dynamic_update_slice", shape, start_indices,
                             allow_negative_indices)
    return bind(dynamic_update_slice_p, operand, update, *indices)


def _static_sizes(name: str, sizes) -> tuple:
    try:
        return tuple(operator.index(s) for s in sizes)
    except TypeError:
        raise TypeError(f"{name}: slice sizes must be static Python ints, got {sizes!r}. "
                        "(Shapes are static in zenax: only the start indices may be "
                        "traced.)") from None


def _one_axis(name: str, operand, axis) -> tuple[tuple, int]:
    shape = get_aval(operand).shape
    return shape, canonical_axes(name, (operator.index(axis),), len(shape))[0]


def dynamic_slice_in_dim(operand, start_index, slice_size: int, axis: int = 0, *,
                         allow_negative_indices: bool = True):
    """``operand[..., start_index:start_index + slice_size, ...]`` along ``axis``, with a
    runtime ``start_index`` (clamped so that the slice fits).

    >>> lax.dynamic_slice_in_dim(jnp.arange(6), 4, 3)
    Array([3, 4, 5], dtype=int32)
    """
    shape, axis = _one_axis("dynamic_slice_in_dim", operand, axis)
    starts, sizes, allow = [0] * len(shape), list(shape), [False] * len(shape)
    starts[axis], sizes[axis], allow[axis] = start_index, slice_size, allow_negative_indices
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow)


def dynamic_index_in_dim(operand, index, axis: int = 0, keepdims: bool = True, *,
                         allow_negative_indices: bool = True):
    """``operand[..., index, ...]`` along ``axis`` for a runtime ``index`` (clamped).

    >>> x = jnp.arange(6).reshape(2, 3)
    >>> lax.dynamic_index_in_dim(x, 2, axis=1, keepdims=False)
    Array([2, 5], dtype=int32)
    """
    _, axis = _one_axis("dynamic_index_in_dim", operand, axis)
    out = dynamic_slice_in_dim(operand, index, 1, axis,
                               allow_negative_indices=allow_negative_indices)
    return out if keepdims else sh.squeeze(out, (axis,))


def dynamic_update_slice_in_dim(operand, update, start_index, axis: int, *,
                                allow_negative_indices: bool = True):
    """``operand`` with ``update`` written from ``start_index`` along ``axis`` (the other
    axes from 0; the start is clamped so that the update fits).

    >>> lax.dynamic_update_slice_in_dim(jnp.zeros(5), jnp.ones(2), 1, axis=0)
    Array([0., 1., 1., 0., 0.], dtype=float32)
    """
    shape, axis = _one_axis("dynamic_update_slice_in_dim", operand, axis)
    starts, allow = [0] * len(shape), [False] * len(shape)
    starts[axis], allow[axis] = start_index, allow_negative_indices
    return dynamic_update_slice(operand, update, starts, allow_negative_indices=allow)


def dynamic_update_index_in_dim(operand, update, index, axis: int, *,
                                allow_negative_indices: bool = True):
    """``operand`` with index ``index`` of ``axis`` replaced by ``update`` (which may lack
    that axis).

    >>> lax.dynamic_update_index_in_dim(jnp.zeros((3, 2)), jnp.ones(2), 1, axis=0)
    Array([[0., 0.],
           [1., 1.],
           [0., 0.]], dtype=float32)
    """
    shape, axis = _one_axis("dynamic_update_index_in_dim", operand, axis)
    update_ndim = get_aval(update).ndim
    if update_ndim == len(shape) - 1:
        update = sh.expand_dims(update, (axis,))
    elif update_ndim != len(shape):
        raise TypeError(f"dynamic_update_index_in_dim: the update must have the operand's "
                        f"rank ({len(shape)}) or one less, got shape "
                        f"{get_aval(update).shape}.")
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)
