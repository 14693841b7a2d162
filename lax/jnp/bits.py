"""Bit-level functions: bitwise_count, packbits, unpackbits.

``packbits`` turns each group of 8 truth values along an axis into one uint8 (padding the
last group with zeros); ``unpackbits`` is its inverse.  Both move the packed axis last,
so a byte and its 8 bits are one trailing axis of size 1 and 8, and weigh the bits with a
constant table of the 8 powers of two in the requested bit order.
"""
from __future__ import annotations

import operator

import numpy as np

from zenax import lax
from zenax.lax.eager import compiled_when_eager
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .logic import const_like
from .promotion import (ArrayLike, check_arraylike, concrete_static, convert_to, dtype_of,
                        ensure_array, ndim_of, promote_args_numeric, shape_of)
from .reductions import canonical_axis
from .shapes import ravel, swapaxes
from .ufuncs import absolute

__all__ = ["bitwise_count", "packbits", "unpackbits"]

_UINT8 = np.dtype(np.uint8)


@compiled_when_eager()
def bitwise_count(x: ArrayLike, /):
    """The number of 1 bits in ``|x|``, elementwise, as uint8 (integers and bools).

    >>> jnp.bitwise_count(jnp.array([7, -8, 255]))
    Array([3, 1, 8], dtype=uint8)
    """
    x, = promote_args_numeric("bitwise_count", x)
    if not _dtypes.is_integer(dtype_of(x)):
        raise TypeError(f"bitwise_count: expected an integer or boolean input, got "
                        f"{dtype_of(x)} (at {user_frame_str()}).")
    return convert_to(lax.population_count(absolute(x)), _UINT8)


def _bit_weights(bitorder: str, fun_name: str) -> np.ndarray:
    """The value of each of a byte's 8 bits, in the order they are laid out."""
    if bitorder not in ("little", "big"):
        raise ValueError(f"{fun_name}: 'bitorder' must be either 'little' or 'big', got "
                         f"{bitorder!r} (at {user_frame_str()}).")
    weights = np.left_shift(np.uint8(1), np.arange(8, dtype=np.uint8))
    return weights[::-1].copy() if bitorder == "big" else weights


def _to_last(fun_name: str, x, axis):
    """``x`` with ``axis`` swapped to the end (flattened if ``axis`` is None), and the
    canonical axis to swap back (None if flattened)."""
    if axis is None:
        return ravel(x), None
    axis = canonical_axis(fun_name, operator.index(concrete_static(fun_name, "axis", axis)),
                          ndim_of(x))
    return swapaxes(x, axis, -1), axis


def _resize_last(x, size: int):
    """Crop or zero-pad the last axis of ``x`` to ``size``."""
    config = [(0, 0, 0)] * (ndim_of(x) - 1) + [(0, size - shape_of(x)[-1], 0)]
    return lax.pad(x, np.zeros((), dtype_of(x)), config)


def _weights_like(weights: np.ndarray, shape: tuple):
    return lax.broadcast_in_dim(weights, shape, (len(shape) - 1,))


@compiled_when_eager(n_arrays=1, static_argnames=("axis", "bitorder"))
def packbits(a: ArrayLike, axis: int | None = None, bitorder: str = "big"):
    """Pack the truth values of ``a`` (integers or bools) along ``axis`` into uint8 bytes,
    8 per byte, zero-padding the last byte; the flattened array if ``axis`` is None.

    >>> jnp.packbits(jnp.array([1, 0, 1, 1, 0, 0, 0, 0, 1]))
    Array([176, 128], dtype=uint8)
    >>> jnp.packbits(jnp.array([1, 0, 1, 1]), bitorder="little")
    Array([13], dtype=uint8)
    """
    check_arraylike("packbits", a)
    a = ensure_array(a)
    dtype = dtype_of(a)
    if not (_dtypes.is_integer(dtype) or _dtypes.is_bool(dtype)):
        raise TypeError(f"packbits: expected an input array of integer or boolean data type, "
                        f"got {dtype} (at {user_frame_str()}).")
    weights = _bit_weights(bitorder, "packbits")
    bits, axis = _to_last("packbits", convert_to(lax.ne(a, const_like(a, 0)), _UINT8), axis)
    size = shape_of(bits)[-1]
    bits = _resize_last(bits, -(-size // 8) * 8)
    grouped_shape = shape_of(bits)[:-1] + (shape_of(bits)[-1] // 8, 8)
    bits = lax.reshape(bits, grouped_shape)
    # The bits of a byte are disjoint, so their sum is their OR and never overflows.
    packed = lax.reduce_sum(lax.mul(bits, _weights_like(weights, grouped_shape)),
                            (len(grouped_shape) - 1,))
    return packed if axis is None else swapaxes(packed, axis, -1)


@compiled_when_eager(n_arrays=1, static_argnames=("axis", "count", "bitorder"))
def unpackbits(a: ArrayLike, axis: int | None = None, count: int | None = None,
               bitorder: str = "big"):
    """Unpack each uint8 of ``a`` along ``axis`` into its 8 bits (0 or 1, as uint8); the
    flattened array if ``axis`` is None.  ``count`` keeps that many bits (zero-padding
    past the end), or drops ``-count`` from the end when negative.

    >>> jnp.unpackbits(jnp.array([176, 128], dtype=jnp.uint8), count=9)
    Array([1, 0, 1, 1, 0, 0, 0, 0, 1], dtype=uint8)
    """
    check_arraylike("unpackbits", a)
    a = ensure_array(a)
    if dtype_of(a) != _UINT8:
        raise TypeError(f"unpackbits: expected an input array of unsigned byte (uint8) data "
                        f"type, got {dtype_of(a)} (at {user_frame_str()}).")
    weights = _bit_weights(bitorder, "unpackbits")
    a, axis = _to_last("unpackbits", a, axis)
    shape = shape_of(a)
    spread_shape = shape + (8,)
    spread = lax.broadcast_in_dim(a, spread_shape, tuple(range(len(shape))))
    bits = lax.ne(lax.bitwise_and(spread, _weights_like(weights, spread_shape)),
                  np.zeros((), _UINT8))
    bits = lax.reshape(convert_to(bits, _UINT8), shape[:-1] + (shape[-1] * 8,))
    if count is not None:
        count = operator.index(concrete_static("unpackbits", "count", count))
        size = shape_of(bits)[-1]
        bits = _resize_last(bits, count if count > size else len(range(size)[:count]))
    return bits if axis is None else swapaxes(bits, axis, -1)
