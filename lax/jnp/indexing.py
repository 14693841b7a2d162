"""Basic indexing of traced arrays: ``x[1]``, ``x[-1]``, ``x[1:3]``, ``x[::-1]``,
``x[None]``, ``x[..., 0]`` and tuples of these.

Static indices only: one ``slice`` picks every selected element at once (negative steps
are a forward slice followed by ``rev``), ``squeeze`` drops integer-indexed axes and
``broadcast_in_dim`` adds the ``None`` axes -- the same equations JAX emits.  Indexing
with arrays or traced values ("advanced indexing") needs the gather primitive, which
zenax does not have yet.
"""
from __future__ import annotations

import operator

import numpy as np

from zenax import lax
from zenax.tracer.core import Tracer
from zenax.tracer.source_info import user_frame_str

from .promotion import shape_of


def _advanced_index_error(item) -> IndexError:
    kind = ("a traced value" if isinstance(item, Tracer) else
            f"a {type(item).__name__}" if not hasattr(item, "shape") else
            f"an array of shape {tuple(item.shape)}")
    return IndexError(
        f"Indexing with {kind} is advanced indexing (integer or boolean arrays, traced "
        "indices), which is not supported yet: it arrives with the gather primitive. "
        "Use static Python ints and slices (x[1], x[1:3], x[::-1], x[..., None]), or "
        f"jnp.where(mask, x, 0) instead of a boolean mask. (at {user_frame_str()})")


def _static_int(item):
    """``item`` as a Python int if it is a concrete integer scalar, else None."""
    if isinstance(item, (bool, np.bool_)) or isinstance(item, Tracer):
        return None
    if hasattr(item, "dtype") and (np.ndim(item) != 0 or
                                   not np.issubdtype(item.dtype, np.integer)):
        return None
    try:
        return operator.index(item)
    except TypeError:
        return None


def _check_index_item(item):
    if item is None or item is Ellipsis:
        return item
    if isinstance(item, slice):
        for part in (item.start, item.stop, item.step):
            if part is not None and _static_int(part) is None:
                raise _advanced_index_error(part)
        return slice(*[None if p is None else _static_int(p)
                       for p in (item.start, item.stop, item.step)])
    value = _static_int(item)
    if value is None:
        raise _advanced_index_error(item)
    return value


def _expand_ellipsis(idx: tuple, ndim: int) -> tuple:
    n_ellipsis = sum(1 for i in idx if i is Ellipsis)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    n_real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if n_real > ndim:
        raise IndexError(f"Too many indices: {ndim}-dimensional array indexed with {n_real} "
                         f"regular indices (at {user_frame_str()}).")
    fill = (slice(None),) * (ndim - n_real)
    if n_ellipsis:
        at = idx.index(Ellipsis)
        return idx[:at] + fill + idx[at + 1:]
    return idx + fill


def getitem(x, idx):
    """``x[idx]`` for static basic indices (the ``Tracer.__getitem__`` of zenax.numpy).

    >>> zenax.make_jaxpr(lambda x: x[1:, None])(jnp.ones((3, 4)))   # slice, broadcast_in_dim
    """
    idx = idx if isinstance(idx, tuple) else (idx,)
    idx = tuple(_check_index_item(item) for item in idx)
    shape = shape_of(x)
    idx = _expand_ellipsis(idx, len(shape))

    starts, limits, strides = [], [], []
    reversed_dims, squeezed_dims, new_axes = [], [], []
    out_rank = 0
    dim = 0
    for item in idx:
        if item is None:
            new_axes.append(out_rank)
            out_rank += 1
            continue
        size = shape[dim]
        if isinstance(item, slice):
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
            if not -size <= item < size:
                raise IndexError(f"index {item} is out of bounds for axis {dim} with size "
                                 f"{size} (at {user_frame_str()}).")
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
    if reversed_dims:
        out = lax.rev(out, reversed_dims)
    if squeezed_dims:
        out = lax.squeeze(out, squeezed_dims)
    if new_axes:
        out = lax.expand_dims(out, new_axes)
    return out
