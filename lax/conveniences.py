"""Conveniences of jax.lax built from other primitives: arrays filled with a value
(``full``, ``full_like``, ``empty``), broadcasting helpers (``broadcast_like``,
``broadcast_shapes``), ``batch_matmul``, ``reciprocal``, ``index_take``, ``dtype`` and
``shape_as_value``.

None declares a primitive: each is a few lines of the primitives it composes, so every
transform handles it through theirs.  Dtype rules follow JAX: a fill value given as a
Python scalar (and no ``dtype``) makes a weakly typed array.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.core import get_aval
from zenax.tracer.shapes import broadcast_shapes_or_none, incompatible_shapes_error
from zenax.tracer.source_info import user_frame_str

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import broadcast_in_dim
from .registry import tuple_of_ints
from .matmul import dot_general
from .sharding_constraint import out_sharded, placed
from .slicing import GatherDimensionNumbers, gather

__all__ = ["batch_matmul", "broadcast_like", "broadcast_shapes", "dtype", "empty", "full",
           "full_like", "index_take", "reciprocal", "shape_as_value"]

def _fill(name: str, shape: tuple, fill_value, dtype, weak_type: bool):
    fill_shape = get_aval(fill_value).shape
    if fill_shape:
        raise TypeError(f"{name} must be called with scalar fill_value, got fill_value.shape "
                        f"{fill_shape}.\n  (at {user_frame_str()})")
    value = ew._convert_element_type(fill_value, dtype, weak_type)
    return broadcast_in_dim(value, shape, ())


def full(shape, fill_value, dtype=None, *, sharding=None):
    """An array of ``shape`` filled with the scalar ``fill_value`` (cast to ``dtype`` if
    given; a Python scalar fill and no ``dtype`` give a weakly typed array).

    >>> lax.full((2,), 3, jnp.float16)
    Array([3., 3.], dtype=float16)
    """
    shape = tuple_of_ints("full", shape)
    if dtype is None:
        aval = get_aval(fill_value)
        out = _fill("full", shape, fill_value, aval.dtype, aval.weak_type)
    else:
        out = _fill("full", shape, fill_value, dtypes.canonicalize_dtype(dtype), False)
    return placed(out, sharding)


def full_like(x, fill_value, dtype=None, shape=None, sharding=None):
    """An array like ``x`` (its shape and dtype, unless ``shape``/``dtype`` are given)
    filled with ``fill_value``.

    >>> lax.full_like(jnp.ones((2,), jnp.int8), 3.7)
    Array([3, 3], dtype=int8)
    """
    aval = get_aval(x)
    weak = dtype is None and aval.weak_type
    dtype = aval.dtype if dtype is None else dtypes.canonicalize_dtype(dtype)
    shape = aval.shape if shape is None else tuple_of_ints("full_like", shape)
    return placed(_fill("full_like", shape, fill_value, dtype, weak), sharding)


def empty(shape, dtype, *, out_sharding=None):
    """An array of ``shape`` and ``dtype`` whose values are unspecified (zenax gives
    zeros; XLA may drop the fill where every element is overwritten).

    >>> lax.empty((2, 3), jnp.int32).shape
    (2, 3)
    """
    shape = tuple_of_ints("empty", shape)
    out = _fill("empty", shape, 0, dtypes.canonicalize_dtype(dtype), False)
    return out_sharded("zenax.lax.empty", out, out_sharding)


def broadcast_shapes(*shapes):
    """The shape NumPy broadcasting gives ``shapes`` (ranks aligned on the right, size-1
    dimensions stretched); incompatible shapes are a ValueError.

    >>> lax.broadcast_shapes((2, 1), (1, 3), (3,))
    (2, 3)
    """
    if not shapes:
        raise TypeError("broadcast_shapes: needs at least one shape.")
    for s in shapes:
        if not all(isinstance(d, (int, np.integer)) for d in s):
            raise TypeError(f"broadcast_shapes: shapes must be 1D sequences of concrete "
                            f"integers, got {s}.\n  (at {user_frame_str()})")
        if any(d < 0 for d in s):
            raise TypeError(f"broadcast_shapes: only non-negative sizes can broadcast, got "
                            f"shape {s}.\n  (at {user_frame_str()})")
    if len(shapes) == 1:
        return shapes[0]
    out = broadcast_shapes_or_none([tuple(int(d) for d in s) for s in shapes])
    if out is None:
        raise incompatible_shapes_error("broadcast_shapes", shapes, ValueError)
    return out


def broadcast_like(arr, like_arr):
    """``arr`` broadcast to the shape of ``like_arr`` (NumPy's rule: new dimensions lead,
    size-1 dimensions stretch).

    >>> lax.broadcast_like(jnp.array([1, 2, 3]), jnp.zeros((2, 3)))
    Array([[1, 2, 3],
           [1, 2, 3]], dtype=int32)
    """
    aval, shape = get_aval(arr), get_aval(like_arr).shape
    if aval.shape == shape:
        return arr
    lead = len(shape) - aval.ndim
    if lead < 0 or any(d not in (1, s) for d, s in zip(aval.shape, shape[lead:])):
        raise ValueError(f"broadcast_like: incompatible types for broadcasting: input type="
                         f"{aval.str_short()} and requested shape {shape}.\n"
                         f"  (at {user_frame_str()})")
    keep = tuple(i + lead for i, d in enumerate(aval.shape) if d == shape[i + lead])
    if len(keep) != aval.ndim:
        arr = sh.squeeze(arr, tuple(i for i, d in enumerate(aval.shape) if d != shape[i + lead]))
    return broadcast_in_dim(arr, shape, keep)


def batch_matmul(lhs, rhs, precision=None):
    """Matrix products over matching leading (batch) dimensions: ``(..., m, k) @ (..., k, n)``.

    >>> lax.batch_matmul(jnp.ones((2, 3, 4)), jnp.ones((2, 4, 5))).shape
    (2, 3, 5)
    """
    l, r = get_aval(lhs), get_aval(rhs)
    if min(l.ndim, r.ndim) < 2:
        raise ValueError(f"batch_matmul: arguments must be at least 2D, got {l.ndim}, "
                         f"{r.ndim}.\n  (at {user_frame_str()})")
    if l.ndim != r.ndim:
        raise ValueError(f"batch_matmul: arguments must have the same ndim, got {l.ndim}, "
                         f"{r.ndim}.\n  (at {user_frame_str()})")
    batch = tuple(range(l.ndim - 2))
    return dot_general(lhs, rhs, (((l.ndim - 1,), (r.ndim - 2,)), (batch, batch)),
                       precision=precision)


def reciprocal(x):
    """Elementwise ``1 / x`` (``integer_pow(x, -1)``, so integers are a TypeError).

    >>> lax.reciprocal(jnp.array([1., 2., 4.]))
    Array([1.  , 0.5 , 0.25], dtype=float32)
    """
    return ew.integer_pow(x, -1)


def index_take(src, idxs: Sequence, axes: Sequence[int]):
    """``src[idxs[0], idxs[1], ...]`` along ``axes``: one index array per axis, all of
    one length, wrapping around like Python's negative indices.

    >>> lax.index_take(jnp.arange(12.).reshape(3, 4), (jnp.array([0, 2]),
    ...                jnp.array([1, -1])), (0, 1))
    Array([ 1., 11.], dtype=float32)
    """
    aval = get_aval(src)
    axes = tuple(int(a) for a in axes)
    indices = sh.concatenate([sh.expand_dims(i, (1,)) for i in idxs], 1)
    i_aval = get_aval(indices)
    sizes = broadcast_in_dim(np.array([aval.shape[a] for a in axes], i_aval.dtype),
                             i_aval.shape, (1,))
    indices = ew.rem(ew.add(ew.rem(indices, sizes), sizes), sizes)   # Python's modulo
    slice_sizes = tuple(1 if i in axes else d for i, d in enumerate(aval.shape))
    dnums = GatherDimensionNumbers(offset_dims=tuple(range(1, aval.ndim - len(axes) + 1)),
                                   collapsed_slice_dims=axes, start_index_map=axes)
    return gather(src, indices, dnums, slice_sizes)


def dtype(x: Any) -> np.dtype:
    """The dtype a value or type stands for, canonicalized as JAX does (Python scalars and
    64-bit NumPy types become 32-bit ones unless x64 is on; arrays keep theirs).

    >>> lax.dtype(1.0), lax.dtype(jnp.arange(3))
    (dtype('float32'), dtype('int32'))
    """
    if x is None:
        raise ValueError(f"Invalid argument to dtype: {x}.")
    from .jnp.promotion import _result_type_arg   # lax.jnp imports zenax.lax: not at import
    dt = _result_type_arg(x)[0]
    if dt.kind not in "biufcV" and dt != dtypes.bfloat16:
        raise TypeError(f"Value '{x}' with dtype {dt} is not a valid JAX array type. Only "
                        "arrays of numeric types are supported by JAX.")
    return dt


def shape_as_value(shape: Sequence[int]):
    """A static ``shape`` as an int32 vector (a NumPy array; an empty shape gives an empty
    array).

    >>> lax.shape_as_value((2, 3))
    array([2, 3], dtype=int32)
    """
    shape = tuple_of_ints("shape_as_value", shape)
    dtype = np.int32 if all(d < 2 ** 31 for d in shape) else np.int64
    if not shape:
        return broadcast_in_dim(np.zeros((), dtype), (0,), ())
    return np.asarray(shape, dtype)
