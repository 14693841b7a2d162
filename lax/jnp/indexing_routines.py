"""NumPy's indexing routines on gather and scatter: ``take``, ``take_along_axis``,
``put_along_axis``, and the index finders ``nonzero``, ``flatnonzero``, ``argwhere``
(``where(condition)`` with one argument is ``nonzero``).

The index finders return as many indices as there are nonzero entries -- a shape that
depends on the values -- so under a transformation they need a static ``size=``: the
first ``size`` indices, padded with ``fill_value`` (default 0), as in JAX.
"""
from __future__ import annotations

import operator

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.core import Tracer
from zenax.tracer.errors import ConcretizationTypeError
from zenax.tracer.shapes import broadcast_shapes_or_none
from zenax.tracer.source_info import user_frame_str

from .indexing import scatter_update
from .promotion import ArrayLike, asarray, broadcast_to, check_arraylike, dtype_of, ndim_of, \
    shape_of

_INDEX_DTYPE = np.dtype(np.int32)


def _axis(fun_name: str, axis, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{fun_name}: axis {axis} is out of bounds for an array of "
                         f"dimension {ndim} (at {user_frame_str()}).")
    return axis % ndim


def _ravel(a):
    return lax.reshape(a, (int(np.prod(shape_of(a))),))


def _normalize(indices, size: int):
    """Negative indices count from the end (unsigned ones cannot be negative)."""
    if np.issubdtype(dtype_of(indices), np.unsignedinteger):
        return indices
    zero, n = np.array(0, dtype_of(indices)), np.array(size, dtype_of(indices))
    return lax.select(lax.lt(indices, zero), lax.add(indices, n), indices)


def take(a: ArrayLike, indices: ArrayLike, axis: int | None = None, out=None, mode=None,
         unique_indices: bool = False, indices_are_sorted: bool = False, fill_value=None):
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened ``a`` if None).

    Out-of-bounds indices read ``fill_value`` (``mode='fill'``, the default: NaN for
    floats), or are clamped (``mode='clip'``) or wrapped (``mode='wrap'``).

    >>> jnp.take(jnp.array([[1., 2.], [3., 4.]]), jnp.array([1, 0]), axis=1)
    Array([[2., 1.],
           [4., 3.]], dtype=float32)
    """
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
    check_arraylike("take", a, indices)
    a, indices = asarray(a), asarray(indices)
    if axis is None:
        a, axis = _ravel(a), 0
    else:
        axis = _axis("take", axis, ndim_of(a))      # checked first, as JAX
    size = shape_of(a)[axis]
    if mode is None or mode == "fill":
        if _dtypes.is_bool(dtype_of(indices)):     # JAX's normalisation makes them ints
            indices = lax.convert_element_type(indices, np.int32)
        gather_mode = lax.GatherScatterMode.FILL_OR_DROP
        if _dtypes.is_integer(dtype_of(indices)):   # (others: the dtype check below)
            indices = _normalize(indices, size)
    elif mode == "wrap":
        indices = lax.rem(lax.add(lax.rem(indices, np.array(size, dtype_of(indices))),
                                  np.array(size, dtype_of(indices))),
                          np.array(size, dtype_of(indices)))
        gather_mode = lax.GatherScatterMode.PROMISE_IN_BOUNDS
    elif mode == "clip":
        gather_mode = lax.GatherScatterMode.CLIP
    elif mode == "raise":
        raise NotImplementedError("The 'raise' mode to jnp.take is not supported (XLA "
                                  "cannot raise errors); use 'fill', 'clip' or 'wrap'.")
    else:
        raise ValueError(f"Invalid mode '{mode}' for jnp.take; use 'fill', 'clip' or "
                         "'wrap'.")
    slice_sizes = list(shape_of(a))
    index_shape = shape_of(indices)
    if size == 0:
        if int(np.prod(index_shape)):
            raise IndexError("Cannot do a non-empty jnp.take() from an empty axis.")
        return a
    out_shape = tuple(slice_sizes[:axis]) + index_shape + tuple(slice_sizes[axis + 1:])
    if int(np.prod(index_shape)) == 0:
        return lax.broadcast_in_dim(np.zeros((), dtype_of(a)), out_shape, ())
    if not _dtypes.is_integer(dtype_of(indices)):     # (after the empty cases, as JAX)
        raise ValueError(f"take: indices must be integers, got {dtype_of(indices)} "
                         f"(at {user_frame_str()}).")
    slice_sizes[axis] = 1
    k = len(index_shape)
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(range(axis)) + tuple(range(axis + k, ndim_of(a) + k - 1)),
        collapsed_slice_dims=(axis,), start_index_map=(axis,))
    return lax.gather(a, lax.expand_dims(indices, (k,)), dnums, tuple(slice_sizes),
                      mode=gather_mode, fill_value=fill_value, unique_indices=unique_indices,
                      indices_are_sorted=indices_are_sorted)


def take_along_axis(arr: ArrayLike, indices: ArrayLike, axis: int | None = -1, mode=None,
                    fill_value=None, *, wrap_negative_indices: bool | None = None):
    """``arr`` at ``indices`` along ``axis``, the other axes matched (broadcast) between
    ``arr`` and ``indices``: what ``argsort``/``argmax(keepdims=True)`` results index.
    Negative indices count from the end unless ``wrap_negative_indices=False`` (or, by
    default, ``mode='promise_in_bounds'``).

    >>> x = jnp.array([[3., 1., 2.]])
    >>> jnp.take_along_axis(x, jnp.array([[1, 2, 0]]), axis=1)    # argsort(x, axis=1)
    Array([[1., 2., 3.]], dtype=float32)
    """
    check_arraylike("take_along_axis", arr, indices)
    a, indices = asarray(arr), asarray(indices)
    if not _dtypes.is_integer(dtype_of(indices)):
        raise TypeError("take_along_axis indices must be of integer type, got "
                        f"{dtype_of(indices)} (at {user_frame_str()}).")
    if axis is None:
        if ndim_of(indices) != 1:
            raise ValueError(f"take_along_axis indices must be 1D if axis=None, got shape "
                             f"{shape_of(indices)}")
        a, axis = _ravel(a), 0
    rank = ndim_of(a)
    if rank != ndim_of(indices):
        raise ValueError(f"indices and arr must have the same number of dimensions; "
                         f"{ndim_of(indices)} vs. {rank}")
    axis = _axis("take_along_axis", axis, rank)
    idx_shape = shape_of(indices)
    arr_shape = tuple(1 if i == axis else d for i, d in enumerate(shape_of(a)))
    out_shape = broadcast_shapes_or_none([idx_shape, arr_shape])
    if out_shape is None:
        raise ValueError(f"take_along_axis: indices {idx_shape} and arr {shape_of(a)} do "
                         f"not broadcast outside axis {axis} (at {user_frame_str()}).")
    axis_size = shape_of(a)[axis]
    if axis_size == 0:
        return lax.broadcast_in_dim(np.zeros((), dtype_of(a)), out_shape, ())
    if wrap_negative_indices is None:
        wrap_negative_indices = mode != "promise_in_bounds"
    if wrap_negative_indices:
        indices = _normalize(indices, axis_size)
    # Axes where the indices have size 1 take the whole axis of arr (offset dims); axes
    # where arr has size 1 are squeezed away; the others pair up as batching dims.
    index_dims = [i for i, d in enumerate(idx_shape) if i == axis or d != 1]
    gather_indices = lax.reshape(indices, tuple(out_shape[i] for i in index_dims) + (1,))
    slice_sizes, offset_dims, collapsed, start_index_map = [], [], [], []
    operand_batching, indices_batching, squeezed = [], [], []
    new_i = j = 0
    for i in range(rank):
        if i == axis:
            slice_sizes.append(1)
            start_index_map.append(new_i)
            collapsed.append(new_i)
            new_i += 1
            j += 1
        elif idx_shape[i] == 1:
            offset_dims.append(i)
            slice_sizes.append(arr_shape[i])
            new_i += 1
        elif arr_shape[i] == 1:
            squeezed.append(i)
            j += 1
        else:
            slice_sizes.append(0 if arr_shape[i] == 0 else 1)
            operand_batching.append(new_i)
            indices_batching.append(j)
            new_i += 1
            j += 1
    a = lax.squeeze(a, squeezed)
    dnums = lax.GatherDimensionNumbers(
        offset_dims=tuple(offset_dims), collapsed_slice_dims=tuple(collapsed),
        start_index_map=tuple(start_index_map), operand_batching_dims=tuple(operand_batching),
        start_indices_batching_dims=tuple(indices_batching))
    return lax.gather(a, gather_indices, dnums, tuple(slice_sizes),
                      mode="fill" if mode is None else mode, fill_value=fill_value)


def put_along_axis(arr: ArrayLike, indices: ArrayLike, values: ArrayLike, axis: int | None,
                   inplace: bool = True, *, mode=None):
    """A copy of ``arr`` with ``values`` put at ``indices`` along ``axis`` (the inverse
    of :func:`take_along_axis`).  Pass ``inplace=False``: zenax arrays are immutable.

    >>> jnp.put_along_axis(jnp.zeros((1, 3)), jnp.array([[2]]), 5.0, axis=1, inplace=False)
    Array([[0., 0., 5.]], dtype=float32)
    """
    if inplace:
        raise ValueError("jax.numpy.put_along_axis cannot modify arrays in-place, because "
                         "zenax arrays are immutable. Pass inplace=False to instead return "
                         "an updated array.")
    check_arraylike("put_along_axis", arr, indices, values)
    arr, indices, values = asarray(arr), asarray(indices), asarray(values)
    original_shape = shape_of(arr)
    if axis is None:
        arr, axis = _ravel(arr), 0
    if ndim_of(arr) != ndim_of(indices):
        raise ValueError("put_along_axis arguments 'arr' and 'indices' must have same ndim. "
                         f"Got arr.ndim={ndim_of(arr)} and indices.ndim={ndim_of(indices)}.")
    axis = _axis("put_along_axis", axis, ndim_of(arr))
    try:
        values = broadcast_to(values, shape_of(indices))
    except ValueError:
        raise ValueError("put_along_axis argument 'values' must be broadcastable to "
                         f"'indices'. Got values.shape={shape_of(values)} and "
                         f"indices.shape={shape_of(indices)}.") from None
    # Open grids on the other axes (np.indices(shape, sparse=True)), indices on axis.
    rank = ndim_of(arr)
    idx = tuple(indices if i == axis else
                np.arange(d, dtype=_INDEX_DTYPE).reshape([d if k == i else 1
                                                          for k in range(rank)])
                for i, d in enumerate(shape_of(arr)))
    result = scatter_update(arr, idx, values, lax.scatter, indices_are_sorted=False,
                            unique_indices=False, mode=mode, normalize_indices=True)
    return lax.reshape(result, original_shape) if shape_of(result) != original_shape \
        else result


# --------------------------------------------------------------------------- nonzero

def _static_size(fun_name: str, mask, size):
    if size is not None:
        return operator.index(size)
    count = lax.reduce_sum(lax.convert_element_type(_ravel(mask), _INDEX_DTYPE), (0,))
    value = count.to_concrete_value() if isinstance(count, Tracer) else count
    if value is None:
        raise ConcretizationTypeError(
            count, f"The size argument of jnp.{fun_name} must be statically specified to use "
                   f"jnp.{fun_name} within transformations: the number of nonzero entries "
                   "is the result's shape. Pass size=n (and fill_value=) for the first n.\n")
    return int(value)


def nonzero(a: ArrayLike, *, size: int | None = None, fill_value=None) -> tuple:
    """The indices of the nonzero entries of ``a``, one array per dimension.

    Under ``jit``/``vmap``/``grad`` give a static ``size``: the first ``size`` indices,
    padded with ``fill_value`` (default 0).

    >>> jnp.nonzero(jnp.array([0, 3, 0, 1]), size=3, fill_value=-1)
    (Array([ 1,  3, -1], dtype=int32),)
    """
    check_arraylike("nonzero", a)
    a = asarray(a)
    shape = shape_of(a)
    if not shape:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "jnp.atleast_1d(scalar).nonzero() instead.")
    mask = a if _dtypes.is_bool(dtype_of(a)) else lax.ne(a, np.zeros((), dtype_of(a)))
    size = _static_size("nonzero", mask, size)
    total = int(np.prod(shape))
    if total == 0 or size == 0:
        return tuple(lax.broadcast_in_dim(np.zeros((), _INDEX_DTYPE), (size,), ())
                     for _ in shape)
    # The flat positions of the nonzeros, in order, then `total` (past the end) for the
    # rest: sort the positions with `total` at the zeros and keep the first `size`.
    flat_mask = _ravel(mask)
    positions = lax.iota(_INDEX_DTYPE, total)
    past_end = lax.broadcast_in_dim(np.array(total, _INDEX_DTYPE), (total,), ())
    flat = lax.sort(lax.select(flat_mask, positions, past_end))
    if size <= total:
        flat = lax.slice(flat, (0,), (size,))
    else:
        flat = lax.concatenate(
            [flat, lax.broadcast_in_dim(np.array(total, _INDEX_DTYPE), (size - total,), ())], 0)
    # `total` unravels to all zeros, JAX's default fill.
    strides = np.cumprod(shape[::-1])[::-1] // shape
    out = [lax.rem(lax.div(flat, np.array(s, _INDEX_DTYPE)), np.array(d, _INDEX_DTYPE))
           for s, d in zip(strides, shape)]
    if fill_value is not None:
        fills = fill_value if isinstance(fill_value, tuple) else (fill_value,) * len(shape)
        if len(fills) != len(shape) or any(np.shape(f) != () for f in fills):
            raise ValueError(f"fill_value must be a scalar or a tuple of length {len(shape)}; "
                             f"got {fill_value}")
        count = lax.reduce_sum(lax.convert_element_type(flat_mask, _INDEX_DTYPE), (0,))
        padding = lax.ge(lax.iota(_INDEX_DTYPE, size), count)
        out = [lax.select(padding, broadcast_to(asarray(f, _INDEX_DTYPE), (size,)), o)
               for f, o in zip(fills, out)]
    return tuple(out)


def flatnonzero(a: ArrayLike, *, size: int | None = None, fill_value=None):
    """The indices of the nonzero entries of the flattened ``a``.

    >>> jnp.flatnonzero(jnp.array([[0, 2], [3, 0]]))
    Array([1, 2], dtype=int32)
    """
    check_arraylike("flatnonzero", a)
    return nonzero(_ravel(asarray(a)), size=size, fill_value=fill_value)[0]


def argwhere(a: ArrayLike, *, size: int | None = None, fill_value=None):
    """The indices of the nonzero entries of ``a``, one row per entry: shape
    ``(count, a.ndim)``.

    >>> jnp.argwhere(jnp.array([[0, 2], [3, 0]]))
    Array([[0, 1],
           [1, 0]], dtype=int32)
    """
    check_arraylike("argwhere", a)
    a = asarray(a)
    ndim = ndim_of(a)
    columns = nonzero(a if ndim else lax.reshape(a, (1,)), size=size, fill_value=fill_value)
    n = shape_of(columns[0])[0]
    if ndim == 0:
        return lax.broadcast_in_dim(np.zeros((), _INDEX_DTYPE), (n, 0), ())
    return lax.concatenate([lax.reshape(c, (n, 1)) for c in columns], 1)
