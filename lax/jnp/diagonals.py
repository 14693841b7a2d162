"""Diagonals and triangles of matrices: diagonal, diag, diagflat, trace, tril, triu.

Without a gather primitive, diagonals are read with one *strided slice* of the flattened
matrix: element ``(i, i + k)`` of an ``n x m`` matrix sits at flat index
``i * (m + 1) + k``.  Building a diagonal matrix is the reverse: ``pad`` the vector with
``m`` zeros between elements (interior padding) and reshape.
"""
from __future__ import annotations

import operator

from zenax import lax
from zenax.tracer.source_info import user_frame_str

from .creation import _diagonal_mask
from .logic import where
from .promotion import (ArrayLike, DTypeLike, check_arraylike, dtype_of, ensure_array,
                        ndim_of, scalar_constant, shape_of)
from .reductions import canonical_axis, sum
from .shapes import ravel, transpose


def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The ``offset``-th diagonal of the ``(axis1, axis2)`` matrices; it becomes the last
    axis of the result.

    >>> jnp.diagonal(jnp.arange(9).reshape(3, 3), 1)
    Array([1, 5], dtype=int32)
    """
    check_arraylike("diagonal", a)
    a = ensure_array(a)
    nd = ndim_of(a)
    if nd < 2:
        raise ValueError(f"diagonal requires an array of at least two dimensions, got shape "
                         f"{shape_of(a)} (at {user_frame_str()}).")
    ax1, ax2 = canonical_axis("diagonal", axis1, nd), canonical_axis("diagonal", axis2, nd)
    if ax1 == ax2:
        raise TypeError("diagonal: axis1 and axis2 cannot be the same.")   # JAX's kind
    k = operator.index(offset)
    rest = [i for i in range(nd) if i not in (ax1, ax2)]
    a = transpose(a, rest + [ax1, ax2])
    *batch, n, m = shape_of(a)
    batch = tuple(batch)
    length = max(0, min(n, m - k) if k >= 0 else min(n + k, m))
    flat = lax.reshape(a, batch + (n * m,))
    if length == 0:
        return lax.slice_in_dim(flat, 0, 0, axis=-1)
    start = k if k >= 0 else -k * m
    return lax.slice_in_dim(flat, start, start + (length - 1) * (m + 1) + 1, m + 1, axis=-1)


def diag(v: ArrayLike, k: int = 0):
    """The ``k``-th diagonal of a 2-D ``v``, or a 2-D array with 1-D ``v`` on it.

    >>> jnp.diag(jnp.array([1, 2]))
    Array([[1, 0],
           [0, 2]], dtype=int32)
    """
    check_arraylike("diag", v)
    v = ensure_array(v)
    k = operator.index(k)
    if ndim_of(v) == 2:
        return diagonal(v, k)
    if ndim_of(v) != 1:
        raise ValueError(f"diag input must be 1d or 2d, got shape {shape_of(v)} "
                         f"(at {user_frame_str()}).")
    length = shape_of(v)[0]
    n = length + abs(k)
    # v[i] goes to flat index low + i * (n + 1) of the n x n result.
    low = k if k >= 0 else -k * n
    used = length + max(length - 1, 0) * n
    zero = scalar_constant(0, dtype_of(v), False)
    flat = lax.pad(v, zero, [(low, n * n - low - used, n)])
    return lax.reshape(flat, (n, n))


def diagflat(v: ArrayLike, k: int = 0):
    """A 2-D array with the flattened ``v`` on its ``k``-th diagonal."""
    return diag(ravel(v), k)


def trace(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1,
          dtype: DTypeLike | None = None, out=None):
    """Sum along a diagonal.

    >>> jnp.trace(jnp.eye(3))
    Array(3., dtype=float32)
    """
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.trace is not supported.")
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def _triangle_mask(fun_name: str, m, k: int):
    if ndim_of(m) < 2:
        raise ValueError(f"Argument to jax.numpy.{fun_name} must be at least 2D, got shape "
                         f"{shape_of(m)} (at {user_frame_str()}).")
    shape = shape_of(m)
    mask = _diagonal_mask(lax.ge, shape[-2:], operator.index(k))
    return lax.broadcast_in_dim(mask, shape, (len(shape) - 2, len(shape) - 1))


def tril(m: ArrayLike, k: int = 0):
    """Zero the elements above the ``k``-th diagonal of the last two axes.

    >>> jnp.tril(jnp.ones((2, 2), jnp.int32))
    Array([[1, 0],
           [1, 1]], dtype=int32)
    """
    check_arraylike("tril", m)
    m = ensure_array(m)
    return where(_triangle_mask("tril", m, k), m, scalar_constant(0, dtype_of(m), False))


def triu(m: ArrayLike, k: int = 0):
    """Zero the elements below the ``k``-th diagonal of the last two axes."""
    check_arraylike("triu", m)
    m = ensure_array(m)
    below = _triangle_mask("triu", m, operator.index(k) - 1)
    return where(below, scalar_constant(0, dtype_of(m), False), m)
