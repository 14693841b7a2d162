"""Array manipulation: building arrays from blocks (``block``), inserting and deleting
entries (``insert``, ``delete``, ``resize``, ``trim_zeros``), moving and splitting axes
(``rollaxis``, ``unstack``), selecting and placing values by index or mask (``choose``,
``compress``, ``extract``, ``place``, ``put``, ``piecewise``), and applying a function
along or over axes (``apply_along_axis``, ``apply_over_axes``).

Each result is a composition of shape primitives, ``sort`` (for the permutation that
interleaves old and new entries, or moves the selected ones first), ``select_n`` and one
``gather`` or ``scatter``, so every function is differentiable in its array operands and
runs under every transform -- except where the result's shape depends on values:
``compress``/``extract`` without ``size=``, ``delete`` with an index array (unless
``assume_unique_indices=True``) and ``trim_zeros`` read their operands' values, so, as in
JAX, they need them concrete and raise a ``ConcretizationTypeError`` under ``jit``.

``apply_along_axis`` maps ``func1d`` over the other axes with ``zenax.vmap``, as JAX's
does (handed down by ``zenax.transforms``: see vectorization.py).
"""
from __future__ import annotations

import math
import operator
from typing import Callable, Sequence

import numpy as np

from zenax import lax
from zenax.lax.eager import compiled_when_eager
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.core import Tracer
from zenax.tracer.errors import ConcretizationTypeError
from zenax.tracer.source_info import user_frame_str

from .creation import zeros_like
from .indexing_routines import take
from .logic import where
from .promotion import (ArrayLike, array, asarray, aval_of, broadcast_shapes, broadcast_to,
                        check_arraylike, concrete_static, convert_to, dtype_of, ensure_array,
                        is_arraylike, lattice_result_type, ndim_of, shape_of)
from .reductions import canonical_axes, canonical_axis
from .shapes import concatenate, expand_dims, moveaxis, ravel
from .ufuncs import clip, remainder
from .vectorization import batching_transform

__all__ = ["apply_along_axis", "apply_over_axes", "block", "choose", "compress", "delete",
           "extract", "insert", "piecewise", "place", "put", "resize", "rollaxis",
           "trim_zeros", "unstack"]

_INDEX_DTYPE = np.dtype(np.int32)


def concrete_array(fun_name: str, arg_name: str, x, why: str) -> np.ndarray:
    """The value of ``x`` as a NumPy array, or a ConcretizationTypeError saying ``why``
    the value is needed (and what to pass instead)."""
    if isinstance(x, Tracer):
        value = x.to_concrete_value()
        if value is None:
            raise ConcretizationTypeError(
                x, f"It arose in the `{arg_name}` argument of jnp.{fun_name}, whose values "
                   f"are needed while tracing: {why}\n")
        return np.asarray(value)
    return np.asarray(x)


def _index_array(x):
    """An integer index array as int32 (the index dtype of the gathers)."""
    return convert_to(ensure_array(x), _INDEX_DTYPE)


def _iota(n: int):
    return lax.iota(_INDEX_DTYPE, n)


def _fill(value, shape: tuple, dtype=_INDEX_DTYPE):
    return lax.broadcast_in_dim(np.array(value, dtype), shape, ())


def _take_static(a, indices: np.ndarray, axis: int):
    """``a`` at the sorted, unique, in-bounds ``indices`` along ``axis``."""
    return take(a, indices.astype(_INDEX_DTYPE), axis=axis, mode="clip",
                unique_indices=True, indices_are_sorted=True)


def _scatter_along(operand, axis: int, positions, updates, *, unique_indices: bool = False,
                  mode: str = "promise_in_bounds"):
    """``operand`` with its slices ``positions[k]`` along ``axis`` set to the slices ``k``
    of ``updates`` (a ``lax.scatter``, which keeps ``operand``'s weak type)."""
    rank = ndim_of(operand)
    dnums = lax.ScatterDimensionNumbers(
        update_window_dims=tuple(d for d in range(rank) if d != axis),
        inserted_window_dims=(axis,), scatter_dims_to_operand_dims=(axis,))
    return lax.scatter(operand, lax.reshape(positions, shape_of(positions) + (1,)),
                       convert_to(updates, dtype_of(operand)), dnums,
                       unique_indices=unique_indices, mode=mode)


# --------------------------------------------------------------------------- block

def _block(xs) -> tuple:
    """``(array, depth)`` of a nested list of blocks: each level joins its blocks along
    the axis ``-depth``, after giving them all the same rank."""
    if isinstance(xs, tuple):
        raise ValueError(f"jnp.block does not allow tuples, got {xs}; use lists to nest "
                         f"blocks (at {user_frame_str()}).")
    if not isinstance(xs, list):
        return asarray(xs), 1
    if not xs:
        raise ValueError(f"jnp.block does not allow empty list arguments (at "
                         f"{user_frame_str()}).")
    parts, depths = zip(*[_block(x) for x in xs])
    if any(d != depths[0] for d in depths):
        raise ValueError(f"Mismatched list depths in jnp.block: the blocks are nested "
                         f"{sorted(set(depths))} lists deep (at {user_frame_str()}).")
    rank = max(depths[0], *(ndim_of(p) for p in parts))
    parts = [lax.reshape(p, (1,) * (rank - ndim_of(p)) + shape_of(p)) for p in parts]
    return concatenate(parts, axis=-depths[0]), depths[0] + 1


@compiled_when_eager()
def block(arrays: ArrayLike | list) -> ArrayLike:
    """Assemble an array from a nested list of blocks: the innermost lists are joined
    along the last axis, the next level along the second-to-last, and so on.

    >>> jnp.block([[jnp.zeros((1, 2)), jnp.ones((1, 1))], [jnp.full((1, 3), 2.0)]])
    Array([[0., 0., 1.],
           [2., 2., 2.]], dtype=float32)
    """
    return _block(arrays)[0]


# --------------------------------------------------------------------------- insert / delete

def insert(arr: ArrayLike, obj: ArrayLike | slice, values: ArrayLike,
           axis: int | None = None) -> ArrayLike:
    """A copy of ``arr`` with ``values`` inserted before the indices ``obj`` (an int, a
    1-D index array or a slice) along ``axis`` (of the flattened ``arr`` if None).

    >>> jnp.insert(jnp.array([0, 1, 2, 3]), jnp.array([1, 3]), jnp.array([10, 11]))
    Array([ 0, 10,  1,  2, 11,  3], dtype=int32)
    """
    check_arraylike("insert", arr, 0 if isinstance(obj, slice) else obj, values)
    a = ensure_array(arr)
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis("insert", concrete_static("insert", "axis", axis), ndim_of(a))
    dtype, n = dtype_of(a), shape_of(a)[axis]
    indices = (np.arange(*obj.indices(n), dtype=_INDEX_DTYPE) if isinstance(obj, slice)
               else ensure_array(obj))
    if ndim_of(indices) > 1:
        raise ValueError("jnp.insert(): obj must be a slice, a one-dimensional array, or a "
                         f"scalar; got an array of shape {shape_of(indices)} "
                         f"(at {user_frame_str()}).")
    if not _dtypes.is_integer(dtype_of(indices)):
        if aval_of(indices).size or isinstance(obj, Tracer):
            raise ValueError(f"jnp.insert(): index array must be integer typed; got "
                             f"{dtype_of(indices)} (at {user_frame_str()}).")
        indices = np.zeros((0,), _INDEX_DTYPE)     # an empty list of "no" indices
    indices = _index_array(indices)
    values = array(values, dtype=dtype, ndmin=ndim_of(a))
    if aval_of(indices).size == 1:
        if ndim_of(indices) == 0:
            # A scalar index inserts `values` as one slice: its first axis runs along
            # the other axes of `arr`.
            values = moveaxis(values, 0, axis)
        indices = broadcast_to(lax.reshape(indices, ()), (shape_of(values)[axis],))
    n_insert = broadcast_shapes(shape_of(indices), (shape_of(values)[axis],))[0]
    if n_insert == 0:
        return a
    indices = broadcast_to(indices, (n_insert,))
    new_shape = shape_of(a)[:axis] + (n_insert,) + shape_of(a)[axis + 1:]
    values = broadcast_to(values, new_shape)
    # Where each entry of [arr, values] goes: sort the keys (position in arr, 1) of arr's
    # entries and (index, 0) of the new ones; a stable sort keeps the new values given
    # for one index in order, before the old entry at that index.
    indices = lax.clamp(np.int32(0), lax.select(lax.lt(indices, np.int32(0)),
                                                lax.add(indices, np.int32(n)), indices),
                        np.int32(n))
    total = n + n_insert
    keys = lax.concatenate([_iota(n), indices], 0)
    old_first = lax.concatenate([_fill(1, (n,)), _fill(0, (n_insert,))], 0)
    perm = lax.sort((keys, old_first, _iota(total)), num_keys=2)[2]
    destination = lax.sort((perm, _iota(total)), num_keys=1)[1]
    # Scattered into zeros like `arr`, so the result keeps its weak type (as JAX's).
    out = zeros_like(a, shape=shape_of(a)[:axis] + (total,) + shape_of(a)[axis + 1:])
    return _scatter_along(out, axis, destination, lax.concatenate([a, values], axis),
                         unique_indices=True)


def delete(arr: ArrayLike, obj: ArrayLike | slice, axis: int | None = None, *,
           assume_unique_indices: bool = False) -> ArrayLike:
    """A copy of ``arr`` without the entries at ``obj`` (an int, a slice, an index array
    or a boolean mask) along ``axis`` (of the flattened ``arr`` if None).

    An index array must be concrete (duplicates change the result's size) unless
    ``assume_unique_indices=True`` promises there are none, which works under ``jit``.

    >>> jnp.delete(jnp.array([[1, 2, 3], [4, 5, 6]]), jnp.array([0, 2]), axis=1)
    Array([[2],
           [5]], dtype=int32)
    """
    check_arraylike("delete", arr)
    a = ensure_array(arr)
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis("delete", axis, ndim_of(a))
    n = shape_of(a)[axis]
    try:
        index = operator.index(obj)
    except TypeError:       # not a static integer (a TracerIntegerConversionError too)
        pass
    else:
        if not -n <= index < n:
            raise ValueError(f"delete: index {index} is out of bounds for axis {axis} with "
                             f"size {n} (at {user_frame_str()}).")
        index %= n
        return lax.concatenate([lax.slice_in_dim(a, 0, index, axis=axis),
                                lax.slice_in_dim(a, index + 1, n, axis=axis)], axis)
    if isinstance(obj, slice):
        keep = np.ones(n, bool)
        keep[obj] = False
        return _take_static(a, np.flatnonzero(keep), axis)
    check_arraylike("delete", a, obj)
    if _dtypes.is_integer(dtype_of(obj)) and assume_unique_indices:
        return _delete_unique(a, obj, axis)
    value = concrete_array("delete", "obj", obj, "duplicate indices would change the "
                           "result's size. Pass assume_unique_indices=True if there are "
                           "none.")
    if np.issubdtype(value.dtype, np.integer):
        keep = np.ones(n, bool)
        keep[value] = False
    elif value.dtype == bool:
        if value.shape != (n,):
            raise ValueError("np.delete(arr, obj): for boolean indices, obj must be "
                             f"one-dimensional with length matching specified axis ({n}); "
                             f"got shape {value.shape} (at {user_frame_str()}).")
        keep = ~value
    else:
        raise ValueError(f"np.delete(arr, obj): got obj.dtype={value.dtype}; must be "
                         f"integer or bool (at {user_frame_str()}).")
    return _take_static(a, np.flatnonzero(keep), axis)


def _delete_unique(a, obj, axis: int):
    """``delete`` of distinct (possibly traced) indices: the k-th kept entry is at
    ``k + #{deleted indices <= its position}``, found from the sorted indices."""
    n = shape_of(a)[axis]
    obj = ravel(_index_array(obj))
    m = shape_of(obj)[0]
    obj = lax.clamp(np.int32(0), lax.select(lax.lt(obj, np.int32(0)),
                                            lax.add(obj, np.int32(n)), obj), np.int32(n))
    # The sorted indices, each lowered by the number before it: the count of kept entries
    # that come before it.
    before = lax.sub(lax.sort(obj), _iota(m))
    kept = _iota(n - m)
    shifts = lax.ge(lax.broadcast_in_dim(kept, (m, n - m), (1,)),
                    lax.broadcast_in_dim(before, (m, n - m), (0,)))
    positions = lax.add(kept, lax.reduce_sum(convert_to(shifts, _INDEX_DTYPE), (0,)))
    return take(a, positions, axis=axis, mode="clip", indices_are_sorted=True,
                unique_indices=True)


@compiled_when_eager(n_arrays=1, static_argnames=("new_shape",))
def resize(a: ArrayLike, new_shape: int | Sequence[int]) -> ArrayLike:
    """An array of ``new_shape`` filled with the entries of ``a`` (flattened) in order,
    repeated as often as needed.

    >>> jnp.resize(jnp.array([1, 2, 3]), (2, 4))
    Array([[1, 2, 3, 1],
           [2, 3, 1, 2]], dtype=int32)
    """
    check_arraylike("resize", a)
    new_shape = concrete_static("resize", "new_shape", new_shape)
    new_shape = tuple(operator.index(d) for d in (
        (new_shape,) if np.ndim(new_shape) == 0 else new_shape))
    if any(d < 0 for d in new_shape):
        raise ValueError(f"resize: all elements of `new_shape` must be non-negative, got "
                         f"{new_shape} (at {user_frame_str()}).")
    flat = ravel(ensure_array(a))
    size, new_size = shape_of(flat)[0], math.prod(new_shape)
    if size == 0 or new_size == 0:
        return zeros_like(flat, shape=new_shape)
    repeats = -(-new_size // size)
    tiled = lax.reshape(lax.broadcast_in_dim(flat, (repeats, size), (1,)), (repeats * size,))
    return lax.reshape(lax.slice(tiled, (0,), (new_size,)), new_shape)


def trim_zeros(filt: ArrayLike, trim: str = "fb",
               axis: int | Sequence[int] | None = None) -> ArrayLike:
    """``filt`` without its leading (``'f'`` in ``trim``) and trailing (``'b'``) zeros
    along each axis in ``axis`` (all axes by default).  ``filt`` must be concrete: the
    result's shape depends on its values.

    >>> jnp.trim_zeros(jnp.array([0, 0, 4, 0, 5, 0]))
    Array([4, 0, 5], dtype=int32)
    """
    check_arraylike("trim_zeros", filt)
    value = concrete_array("trim_zeros", "filt", filt, "the result's shape depends on "
                           "where its zeros are.")
    filt = ensure_array(filt)
    axes = canonical_axes("trim_zeros", axis, value.ndim)
    front, back = "f" in trim.lower(), "b" in trim.lower()
    if not axes or not (front or back):
        return filt
    starts, limits = [0] * value.ndim, list(value.shape)
    nonzero = value != 0
    for ax in axes:
        mask = nonzero.any(axis=tuple(i for i in range(value.ndim) if i != ax))
        if not mask.any():
            limits[ax] = 0
            continue
        if front:
            starts[ax] = int(mask.argmax())
        if back:
            limits[ax] = value.shape[ax] - int(mask[::-1].argmax())
    return lax.slice(filt, tuple(starts), tuple(limits))


# --------------------------------------------------------------------------- axes

@compiled_when_eager(n_arrays=1, static_argnames=("axis", "start"))
def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> ArrayLike:
    """Move ``axis`` to position ``start`` (to just before ``start`` when ``start`` is
    after it); :func:`moveaxis` says the same more plainly.

    >>> jnp.rollaxis(jnp.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    check_arraylike("rollaxis", a)
    ndim = ndim_of(a)
    start = operator.index(concrete_static("rollaxis", "start", start))
    axis = canonical_axis("rollaxis", axis, ndim)
    if not -ndim <= start <= ndim:
        raise ValueError(f"rollaxis: start={start} must satisfy {-ndim}<=start<={ndim} "
                         f"(at {user_frame_str()}).")
    start = start + ndim if start < 0 else start
    return moveaxis(a, axis, start - 1 if start > axis else start)


@compiled_when_eager(n_arrays=1, static_argnames=("axis",))
def unstack(x: ArrayLike, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple (the inverse of :func:`stack`).

    >>> jnp.unstack(jnp.array([[1, 2], [3, 4]]), axis=1)
    (Array([1, 3], dtype=int32), Array([2, 4], dtype=int32))
    """
    check_arraylike("unstack", x)
    x = ensure_array(x)
    axis = canonical_axis("unstack", axis, ndim_of(x))
    return tuple(lax.index_in_dim(x, i, axis, keepdims=False)
                 for i in range(shape_of(x)[axis]))


# --------------------------------------------------------------------------- selection

def choose(a: ArrayLike, choices, out=None, mode: str = "raise") -> ArrayLike:
    """``choices[a[i]][i]`` at every position ``i`` of the broadcast shape of ``a`` and
    the choices.  Out-of-range entries of ``a`` raise (``mode='raise'``, which needs a
    concrete ``a``), wrap around (``'wrap'``) or are clipped (``'clip'``).

    >>> jnp.choose(jnp.array([2, 0, 1]), [jnp.array([1, 2, 3]), 10, jnp.array([7, 8, 9])])
    Array([ 7,  2, 10], dtype=int32)
    """
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
    if is_arraylike(choices) and ndim_of(choices) > 0:
        choices = unstack(choices)
    elif not isinstance(choices, (list, tuple)):
        raise TypeError(f"choose: choices must be an array or a sequence of arrays, got "
                        f"{type(choices).__name__} (at {user_frame_str()}).")
    check_arraylike("choose", a, *choices)
    a = ensure_array(a)
    if not _dtypes.is_integer(dtype_of(a)):
        raise ValueError(f"choose: `a` array must be integer typed, got {dtype_of(a)} "
                         f"(at {user_frame_str()}).")
    n = len(choices)
    if n == 0:
        raise ValueError("choose: choices must not be empty.")
    if mode == "raise":
        value = concrete_array("choose", "a", a, "mode='raise' checks that they are in "
                               "range. Use mode='wrap' or mode='clip' instead.")
        if np.any((value < 0) | (value >= n)):
            raise ValueError(f"choose: invalid entry in choice array: `a` must be in "
                             f"[0, {n}) with mode='raise' (at {user_frame_str()}).")
        which = _index_array(a)
    elif mode == "wrap":
        which = _index_array(remainder(a, n))
    elif mode == "clip":
        which = _index_array(clip(a, 0, n - 1))
    else:
        raise ValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
    dtype = lattice_result_type(*choices)[0]
    shape = broadcast_shapes(shape_of(which), *(shape_of(c) for c in choices))
    cases = [broadcast_to(convert_to(ensure_array(c), dtype), shape) for c in choices]
    return lax.select_n(broadcast_to(which, shape), *cases)


def _compress(fun_name: str, condition, arr, axis: int, size, fill_value):
    """``compress`` of a 1-D ``condition`` along ``axis`` of ``arr``."""
    n, m = shape_of(arr)[axis], shape_of(condition)[0]
    # The condition and the axis may differ in length: the extra entries are ignored,
    # except for True conditions past the axis's end without size= (an error).
    arr = lax.slice_in_dim(arr, 0, min(n, m), axis=axis)
    if size is None:
        value = concrete_array(fun_name, "condition", condition, "the number of True "
                               "entries is the result's size. Pass size=n (and "
                               "fill_value=) for a result of static size n.").astype(bool)
        if value[n:].any():
            raise ValueError(f"{fun_name}: condition contains entries that are out of "
                             f"bounds: it has True entries past the {n} entries of the "
                             f"axis (at {user_frame_str()}).")
        return _take_static(arr, np.flatnonzero(value[:n]), axis)
    size = operator.index(concrete_static(fun_name, "size", size))
    k = min(n, m)
    if not 0 <= size <= k:
        raise ValueError("size must be positive and not greater than the size of the array "
                         f"axis; got size={size} for a.shape[axis]={k} (in jnp.{fun_name}).")
    condition = lax.slice(convert_to(ensure_array(condition), np.dtype(bool)), (0,), (k,))
    mask = lax.broadcast_in_dim(condition, shape_of(arr), (axis,))
    arr = where(mask, arr, array(fill_value, dtype=dtype_of(arr)))
    # The selected entries first, in order, then the rest (filled): a stable sort on
    # "not selected".
    order = lax.sort((convert_to(lax.bitwise_not(condition), _INDEX_DTYPE), _iota(k)),
                     num_keys=1)[1]
    return take(arr, lax.slice(order, (0,), (size,)), axis=axis, mode="clip",
                unique_indices=True)


def compress(condition: ArrayLike, a: ArrayLike, axis: int | None = None, *,
             size: int | None = None, fill_value: ArrayLike = 0, out=None) -> ArrayLike:
    """The slices of ``a`` along ``axis`` (of the flattened ``a`` if None) where the 1-D
    ``condition`` is True.

    The count of True entries is the result's shape, so under ``jit``/``vmap``/``grad``
    give a static ``size``: the first ``size`` slices, padded with ``fill_value``.

    >>> x = jnp.array([[1, 2], [3, 4], [5, 6]])
    >>> jnp.compress(jnp.array([True, False, True]), x, axis=0)
    Array([[1, 2],
           [5, 6]], dtype=int32)
    >>> jnp.compress(x[:, 0] > 2, x, axis=0, size=3, fill_value=-1)
    Array([[ 3,  4],
           [ 5,  6],
           [-1, -1]], dtype=int32)
    """
    check_arraylike("compress", condition, a, fill_value)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
    if ndim_of(condition) != 1:
        raise ValueError(f"compress: condition must be a 1D array, got shape "
                         f"{shape_of(condition)} (at {user_frame_str()}).")
    a = ensure_array(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis("compress", axis, ndim_of(a))
    return _compress("compress", condition, a, axis, size, fill_value)


def extract(condition: ArrayLike, arr: ArrayLike, *, size: int | None = None,
            fill_value: ArrayLike = 0) -> ArrayLike:
    """The entries of the flattened ``arr`` where the flattened ``condition`` is nonzero
    (the shorter of the two sets the length); under transforms give a static ``size``
    as for :func:`compress`.

    >>> jnp.extract(jnp.array([[True, False], [False, True]]), jnp.array([[1, 2], [3, 4]]))
    Array([1, 4], dtype=int32)
    """
    check_arraylike("extract", condition, arr, fill_value)
    return _compress("extract", ravel(condition), ravel(arr), 0, size, fill_value)


def _inplace_error(fun_name: str) -> ValueError:
    return ValueError(f"jax.numpy.{fun_name} cannot modify arrays in-place, because zenax "
                      "arrays are immutable. Pass inplace=False to instead return an "
                      "updated array.")


def _cycled(values, n: int):
    """The flat ``values`` repeated (or cut) to length ``n``."""
    count = shape_of(values)[0]
    positions = _iota(n) if n <= count else lax.rem(_iota(n), np.int32(count))
    return take(values, positions, mode="clip")


def place(arr: ArrayLike, mask: ArrayLike, vals: ArrayLike, *,
          inplace: bool = True) -> ArrayLike:
    """A copy of ``arr`` whose entries where ``mask`` is True are, in order, the entries
    of ``vals`` (repeated if too few).  Pass ``inplace=False``: arrays are immutable.

    >>> jnp.place(jnp.zeros(5, int), jnp.array([1, 0, 1, 1, 0]), jnp.array([7, 8]),
    ...           inplace=False)
    Array([7, 0, 8, 7, 0], dtype=int32)
    """
    check_arraylike("place", arr, mask, vals)
    if inplace:
        raise _inplace_error("place")
    data, vals = ensure_array(arr), ravel(vals)
    if aval_of(data).size != aval_of(mask).size:
        raise ValueError(f"place: arr and mask must be the same size, got shapes "
                         f"{shape_of(data)} and {shape_of(mask)} (at {user_frame_str()}).")
    if not shape_of(vals)[0]:
        raise ValueError("place: Cannot place values from an empty array.")
    size = aval_of(data).size
    if not size:
        return data
    flat_mask = ravel(convert_to(ensure_array(mask), np.dtype(bool)))
    # The k-th True entry of the mask takes vals[k % len(vals)]; the others are dropped
    # (sent out of bounds) by the scatter.
    rank = lax.sub(lax.cumsum(convert_to(flat_mask, _INDEX_DTYPE)), np.int32(1))
    count = shape_of(vals)[0]
    rank = rank if count >= size else lax.rem(rank, np.int32(count))
    positions = lax.select(flat_mask, _iota(size), _fill(size, (size,)))
    out = _scatter_along(ravel(data), 0, positions, take(vals, rank, mode="clip"),
                         mode="drop")
    return lax.reshape(out, shape_of(data))


def put(a: ArrayLike, ind: ArrayLike, v: ArrayLike, mode: str | None = None, *,
        inplace: bool = True) -> ArrayLike:
    """A copy of ``a`` with ``v`` (repeated if too short) written at the flat indices
    ``ind``.  Out-of-bounds indices are clipped (``mode=None`` and ``'clip'``; None also
    counts negative indices from the end) or wrapped (``'wrap'``).  Pass
    ``inplace=False``: arrays are immutable.

    >>> jnp.put(jnp.zeros((2, 3)), jnp.array([1, 5]), jnp.array([7., 8.]), inplace=False)
    Array([[0., 7., 0.],
           [0., 0., 8.]], dtype=float32)
    """
    if inplace:
        raise _inplace_error("put")
    check_arraylike("put", a, ind, v)
    arr = ensure_array(a)
    ind, v = ravel(ind), ravel(v)
    size, count = aval_of(arr).size, shape_of(ind)[0]
    if not size or not count or not shape_of(v)[0]:
        return arr
    if not _dtypes.is_integer(dtype_of(ind)):
        raise TypeError(f"put: indices must be integers, got {dtype_of(ind)} "
                        f"(at {user_frame_str()}).")
    ind = _index_array(ind)
    last = np.int32(size - 1)
    if mode is None:
        wrapped = lax.select(lax.lt(ind, np.int32(0)), lax.add(ind, np.int32(size)), ind)
        ind = lax.clamp(np.int32(0), wrapped, last)
    elif mode == "clip":
        ind = lax.clamp(np.int32(0), ind, last)
    elif mode == "wrap":
        ind = _index_array(remainder(ind, size))
    elif mode == "raise":
        raise NotImplementedError("The 'raise' mode to jnp.put is not supported (XLA "
                                  "cannot raise errors); use 'clip' or 'wrap'.")
    else:
        raise ValueError(f"put: mode should be one of 'wrap' or 'clip'; got mode={mode!r}")
    return lax.reshape(_scatter_along(ravel(arr), 0, ind, _cycled(v, count)), shape_of(arr))


def piecewise(x: ArrayLike, condlist, funclist: list, *args, **kw) -> ArrayLike:
    """``funclist[i](x, *args, **kw)`` where ``condlist[i]`` is True (the last True
    condition wins), and ``funclist[-1]`` (or 0) where none is, cast to ``x``'s dtype.
    Entries of ``funclist`` may be constants.

    >>> x = jnp.array([-2., -1., 0., 1., 2.])
    >>> jnp.piecewise(x, [x < 0, x > 1], [lambda x: -x, 10., lambda x: x ** 2])
    Array([ 2.,  1.,  0.,  1., 10.], dtype=float32)
    """
    check_arraylike("piecewise", x)
    x = ensure_array(x)
    nc, nf = len(condlist), len(funclist)
    if nf == nc + 1:
        funclist = [funclist[-1], *funclist[:-1]]
    elif nf == nc:
        funclist = [0, *funclist]
    else:
        raise ValueError(f"piecewise: with {nc} condition(s), either {nc} or {nc + 1} "
                         f"functions are expected; got {nf} (at {user_frame_str()}).")
    conds = asarray(condlist, dtype=bool)
    # 1 + the index of the last True condition, or 0 (the default) if none.
    numbers = lax.broadcast_in_dim(lax.add(_iota(nc), np.int32(1)), shape_of(conds), (0,))
    which = lax.reduce_max(lax.select(conds, numbers, _fill(0, shape_of(conds))), (0,))
    dtype = dtype_of(x)
    shape = broadcast_shapes(shape_of(x), shape_of(which))

    def branch(f):
        def apply(x):
            y = f(x, *args, **kw) if callable(f) else f
            return broadcast_to(convert_to(ensure_array(y), dtype), shape_of(x))
        return apply
    branches = [branch(f) for f in funclist]
    if ndim_of(which) == 0:
        # One choice for the whole array (as JAX, whose vmapped switch stays a switch).
        return lax.switch(which, branches, broadcast_to(x, shape))
    x = broadcast_to(x, shape)
    return lax.select_n(broadcast_to(which, shape), *[b(x) for b in branches])


# --------------------------------------------------------------------------- apply

def apply_along_axis(func1d: Callable, axis: int, arr: ArrayLike, *args, **kwargs):
    """``func1d(slice, *args, **kwargs)`` for every 1-D slice of ``arr`` along ``axis``;
    the axes of its result take ``axis``'s place.

    >>> jnp.apply_along_axis(jnp.cumsum, 1, jnp.array([[1, 2, 3], [4, 5, 6]]))
    Array([[ 1,  3,  6],
           [ 4,  9, 15]], dtype=int32)
    """
    check_arraylike("apply_along_axis", arr)
    arr = ensure_array(arr)
    shape = shape_of(arr)
    axis = canonical_axis("apply_along_axis", axis, len(shape))
    if len(shape) == 1:
        return func1d(arr, *args, **kwargs)
    before, after = shape[:axis], shape[axis + 1:]
    rows = lax.reshape(moveaxis(arr, axis, -1), (math.prod(before + after), shape[axis]))
    vmap = batching_transform()
    out = ensure_array(vmap(lambda row: ensure_array(func1d(row, *args, **kwargs)))(rows))
    core = shape_of(out)[1:]
    out = lax.reshape(out, before + after + core)
    # (before, after, core) -> (before, core, after)
    b, f, c = len(before), len(after), len(core)
    perm = tuple(range(b)) + tuple(range(b + f, b + f + c)) + tuple(range(b, b + f))
    return lax.transpose(out, perm)


def apply_over_axes(func: Callable, a: ArrayLike, axes: Sequence[int]):
    """Apply ``func(a, axis)`` for each axis in ``axes`` in turn, restoring the axis
    when ``func`` reduces it away (as reductions with ``keepdims=True`` do).

    >>> jnp.apply_over_axes(jnp.sum, jnp.arange(6).reshape(2, 3), [0, 1])
    Array([[15]], dtype=int32)
    """
    check_arraylike("apply_over_axes", a)
    a = ensure_array(a)
    for axis in axes:
        b = ensure_array(func(a, axis))
        if ndim_of(b) == ndim_of(a) - 1:
            b = expand_dims(b, axis)
        elif ndim_of(b) != ndim_of(a):
            raise ValueError(f"apply_over_axes: function is not returning an array of the "
                             f"correct shape: func(a, {axis}) has {ndim_of(b)} dimensions "
                             f"for an input of {ndim_of(a)}; it must keep the axis or drop "
                             f"it (at {user_frame_str()}).")
        a = b
    return a
