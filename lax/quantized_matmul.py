"""Quantized weights: ``QuantizedArray`` and the ``quantized_matmul`` primitive.

A ``QuantizedArray`` stands for a 2-D float matrix stored as integer codes in groups of
``group_size`` consecutive elements along one axis (``axis``), each group with its own
float scale (and, in ``"affine"`` mode, its own offset, the zero point stored as the
float value of code 0, as MLX stores it).  At 8 bits a code is one byte; at 4 bits two
codes share a byte, the even element in the low nibble.

``quantized_matmul_p`` computes ``x @ W`` (or ``x @ W.T``) with the dequantisation inside
its lowering, so the float matrix exists only inside the compiled computation, one layer at
a time.  The primitive is linear in ``x``; the codes and scales are frozen: its jvp is
itself applied to ``x_dot``, its transpose the same product with the other contraction
(``ct @ W.T``), and a tangent for the scales or offsets is a TypeError -- differentiate
with respect to the activations or to adapters (QLoRA) instead.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Primitive, batch_rules, bind, get_aval, impl_rules, jvp_rules,
                               transpose_rules)
from zenax.tracer.source_info import user_frame_str
from zenax.tracer.tree_util import register_dataclass

from .broadcasting import bdim_at_front, batch_size, moveaxis
from .eager import compile_marked, compiled_when_eager, jitted_impl
from .registry import register, type_error, value_error

MODES = ("affine", "symmetric")
BITS = (4, 8)


# --------------------------------------------------------------------------- the format

def _code_dtype(bits: int, mode: str) -> np.dtype:
    # Symmetric 8-bit codes are signed; every other kind is stored as unsigned bytes.
    return np.dtype(np.int8 if (bits, mode) == (8, "symmetric") else np.uint8)


def _full_shape(data_shape: tuple, bits: int, axis: int) -> tuple:
    if bits == 8:
        return tuple(data_shape)
    return data_shape[:axis] + (2 * data_shape[axis],) + data_shape[axis + 1:]


def _grouped(shape: tuple, axis: int, group_size: int) -> tuple:
    """``shape`` with ``axis`` split into ``(n_groups, group_size)``."""
    return shape[:axis] + (shape[axis] // group_size, group_size) + shape[axis + 1:]


def _not(axis: int, ndim: int) -> tuple:
    return tuple(i for i in range(ndim) if i != axis)


def dequantize_with(ops: Any, data, scales, biases, *, bits: int, group_size: int,
                    mode: str, axis: int):
    """The float matrix, computed with ``ops`` -- ``jax.lax`` inside the lowering rule,
    ``zenax.lax`` elsewhere: the two share their names, so one formula serves both.
    Leading dimensions before ``axis``'s matrix (a vmapped stack) are carried along."""
    dtype = scales.dtype
    codes = data
    full = _full_shape(tuple(data.shape), bits, axis)
    if bits == 4:
        pairs = data.shape[:axis] + (data.shape[axis], 2) + data.shape[axis + 1:]
        spread = ops.broadcast_in_dim(data, pairs, _not(axis + 1, len(pairs)))
        shifts = ops.broadcast_in_dim(np.array([0, 4], np.uint8), pairs, (axis + 1,))
        mask = ops.broadcast_in_dim(np.uint8(15), pairs, ())
        codes = ops.reshape(ops.bitwise_and(ops.shift_right_logical(spread, shifts), mask),
                            full)
    grouped = _grouped(full, axis, group_size)
    values = ops.convert_element_type(ops.reshape(codes, grouped), dtype)
    if (bits, mode) == (4, "symmetric"):     # codes 1..15 stand for -7..7
        values = ops.sub(values, ops.broadcast_in_dim(np.array(8, dtype), grouped, ()))
    per_group = _not(axis + 1, len(grouped))
    values = ops.mul(values, ops.broadcast_in_dim(scales, grouped, per_group))
    if mode == "affine":
        values = ops.add(values, ops.broadcast_in_dim(biases, grouped, per_group))
    return ops.reshape(values, full)


@dataclasses.dataclass(frozen=True)
class QuantizedArray:
    """A 2-D float matrix stored as ``bits``-bit integer codes with per-group scales.

    ``data`` holds the codes (``int8`` for 8-bit symmetric, otherwise ``uint8``; at 4 bits
    two codes per byte along ``axis``); ``scales`` and, in affine mode, ``biases`` (the
    value of code 0) have one entry per group of ``group_size`` elements along ``axis``.
    It is a pytree whose leaves are these arrays; build one with ``zenax.quantize``.

    >>> import zenax, zenax.numpy as jnp
    >>> q = zenax.quantize(jnp.ones((64, 3)))
    >>> q
    QuantizedArray(shape=(64, 3), dtype=float32, bits=8, group_size=64, mode='affine', axis=0)
    >>> q.data.dtype, q.scales.shape
    (dtype('uint8'), (1, 3))
    """
    data: Any
    scales: Any
    biases: Any
    bits: int = dataclasses.field(metadata=dict(static=True))
    group_size: int = dataclasses.field(metadata=dict(static=True))
    mode: str = dataclasses.field(metadata=dict(static=True))
    axis: int = dataclasses.field(metadata=dict(static=True))

    @property
    def shape(self) -> tuple:
        return _full_shape(tuple(self.data.shape), self.bits, self.axis)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.scales.dtype)

    @property
    def ndim(self) -> int:
        return 2

    @property
    def nbytes(self) -> int:
        """Bytes of the codes, scales and offsets together."""
        parts = (self.data, self.scales) + (() if self.biases is None else (self.biases,))
        return sum(int(np.prod(p.shape)) * np.dtype(p.dtype).itemsize for p in parts)

    def __repr__(self) -> str:
        static = (f"bits={self.bits}, group_size={self.group_size}, mode={self.mode!r}, "
                  f"axis={self.axis}")
        if not hasattr(self.data, "shape") or not hasattr(self.scales, "dtype"):
            # A partitioned or mapped copy whose leaves are not arrays (None, say).
            return (f"QuantizedArray(data={self.data!r}, scales={self.scales!r}, "
                    f"biases={self.biases!r}, {static})")
        return f"QuantizedArray(shape={self.shape}, dtype={self.dtype.name}, {static})"


register_dataclass(QuantizedArray, data_fields=("data", "scales", "biases"),
                   meta_fields=("bits", "group_size", "mode", "axis"))


def _operands(w: QuantizedArray) -> tuple:
    return (w.data, w.scales) + (() if w.mode == "symmetric" else (w.biases,))


def _params(w: QuantizedArray) -> dict:
    return dict(bits=w.bits, group_size=w.group_size, mode=w.mode, axis=w.axis)


# --------------------------------------------------------------------------- quantize

def quantize_array(w, bits: int = 8, group_size: int = 64, mode: str = "affine",
                   axis: int = 0) -> QuantizedArray:
    """Quantize the 2-D float array ``w`` in groups of ``group_size`` along ``axis``.

    Affine groups map ``[min, max]`` onto codes ``0 .. 2**bits - 1``; symmetric groups map
    ``[-m, m]``, ``m = max|w|``, onto ``-(2**(bits-1) - 1) .. 2**(bits-1) - 1``.  Either
    way each element is rounded to the nearest level: the error is at most ``scale / 2``.

    >>> q = quantize_array(jnp.arange(8.).reshape(4, 2), bits=4, group_size=4)
    >>> q.data.dtype, q.data.shape, q.scales.shape
    (dtype('uint8'), (2, 2), (1, 2))
    """
    if bits not in BITS:
        raise ValueError(f"quantize: bits must be 4 or 8, got {bits!r}.")
    if mode not in MODES:
        raise ValueError(f"quantize: mode must be 'affine' or 'symmetric', got {mode!r}.")
    if not isinstance(group_size, int) or group_size < 2 or group_size % 2:
        raise ValueError(f"quantize: group_size must be an even int >= 2, got "
                         f"{group_size!r}.")
    w = jnp.asarray(w)
    if w.ndim != 2 or not jnp.issubdtype(w.dtype, jnp.floating):
        raise TypeError(f"quantize: the weight must be a 2-D float array, got "
                        f"{w.dtype.name}{list(w.shape)} (at {user_frame_str()}).")
    if axis not in (0, 1):
        raise ValueError(f"quantize: axis must be 0 or 1, got {axis!r}.")
    if w.shape[axis] % group_size:
        raise ValueError(f"quantize: group_size={group_size} must divide the size "
                         f"{w.shape[axis]} of axis {axis} of the weight (shape "
                         f"{tuple(w.shape)}). Pick a group_size that divides it.")
    parts = _quantize_parts(w, bits=bits, group_size=group_size, mode=mode, axis=axis)
    return QuantizedArray(*parts, bits, group_size, mode, axis)


_STATIC = ("bits", "group_size", "mode", "axis")


@compiled_when_eager(static_argnames=_STATIC)
def _quantize_parts(w, *, bits: int, group_size: int, mode: str, axis: int) -> tuple:
    """``(codes, scales, biases)`` of a validated weight (one executable when eager)."""
    # jnp functions only, no array methods: eagerly this runs on JAX's tracers.
    grouped = jnp.reshape(w, _grouped(tuple(w.shape), axis, group_size))
    safe = lambda scale: jnp.where(jnp.equal(scale, 0), 1, scale)     # noqa: E731
    if mode == "affine":
        lo = jnp.min(grouped, axis=axis + 1, keepdims=True)
        scale = jnp.subtract(jnp.max(grouped, axis=axis + 1, keepdims=True), lo) / \
            (2 ** bits - 1)
        codes = jnp.clip(jnp.round(jnp.subtract(grouped, lo) / safe(scale)), 0,
                         2 ** bits - 1)
        biases = jnp.squeeze(lo, axis + 1)
    else:
        top = 2 ** (bits - 1) - 1
        scale = jnp.max(jnp.abs(grouped), axis=axis + 1, keepdims=True) / top
        codes = jnp.clip(jnp.round(jnp.divide(grouped, safe(scale))), -top, top)
        if bits == 4:
            codes = jnp.add(codes, 8)      # -7..7 stored as 1..15
        biases = None
    codes = jnp.reshape(jnp.astype(codes, np.int32), w.shape)
    if bits == 4:
        pairs = jnp.reshape(codes, w.shape[:axis] + (w.shape[axis] // 2, 2) +
                            w.shape[axis + 1:])
        low, high = (lax.index_in_dim(pairs, i, axis + 1, keepdims=False) for i in (0, 1))
        codes = jnp.bitwise_or(low, jnp.left_shift(high, 4))
    return (jnp.astype(codes, _code_dtype(bits, mode)), jnp.squeeze(scale, axis + 1),
            biases)


def dequantize_array(w: QuantizedArray):
    """The float matrix a ``QuantizedArray`` stands for.

    >>> dequantize_array(quantize_array(jnp.full((64, 2), 0.5)))[0]
    Array([0.5, 0.5], dtype=float32)
    """
    return _dequantize_parts(*_operands(w), **_params(w))


@compiled_when_eager(static_argnames=_STATIC)
def _dequantize_parts(data, scales, biases=None, *, bits: int, group_size: int, mode: str,
                      axis: int):
    return dequantize_with(lax, data, scales, biases, bits=bits, group_size=group_size,
                           mode=mode, axis=axis)


def quantized_take(w: QuantizedArray, ids):
    """Rows ``w[ids]`` as floats (an embedding lookup); only the rows taken are
    dequantized.  ``w`` must be grouped along its rows (``axis=1``).

    >>> q = quantize_array(jnp.ones((3, 64)), axis=1)
    >>> quantized_take(q, jnp.array([0, 2])).shape
    (2, 64)
    """
    if w.axis != 1:
        raise ValueError("quantized_take: the table must be quantized along axis 1, so that "
                         f"each row has its own groups; got axis={w.axis}.")
    rows = [None if p is None else jnp.take(p, ids, axis=0) for p in (w.data, w.scales,
                                                                        w.biases)]
    flat = [None if p is None else jnp.reshape(p, (-1,) + p.shape[-1:]) for p in rows]
    out = _dequantize_parts(*[p for p in flat if p is not None], **_params(w))
    return jnp.reshape(out, jnp.shape(ids) + (w.shape[1],))


# --------------------------------------------------------------------------- the primitive
quantized_matmul_p = Primitive("quantized_matmul")


def _contracted(shape: tuple, transpose: bool) -> tuple[int, int]:
    """``(contracted size, output size)`` of ``W`` (or ``W.T`` when ``transpose``)."""
    return (shape[1], shape[0]) if transpose else (shape[0], shape[1])


def _quantized_matmul_abstract_eval(x, data, scales, *biases, bits, group_size, mode, axis,
                                    transpose):
    name = "quantized_matmul"
    if data.ndim != 2 or data.dtype != _code_dtype(bits, mode):
        raise type_error(f"{name}: the codes must be a 2-D {_code_dtype(bits, mode).name} "
                         f"array for bits={bits}, mode={mode!r}; got "
                         f"{data.str_short()}.")
    shape = _full_shape(data.shape, bits, axis)
    groups = _grouped(shape, axis, group_size)[:axis] + \
        (shape[axis] // group_size,) + shape[axis + 1:]
    for what, s in (("scales", scales),) + tuple(("biases", b) for b in biases):
        if s.shape != groups or not dtypes.issubdtype(s.dtype, np.floating):
            raise type_error(f"{name}: {what} must be a float array of shape {groups}, got "
                             f"{s.str_short()}.")
    if x.ndim < 1 or x.dtype != scales.dtype:
        raise type_error(f"{name}: x must be an array of dtype {scales.dtype.name} with at "
                         f"least one dimension, got {x.str_short()}.")
    k, n = _contracted(shape, transpose)
    if x.shape[-1] != k:
        raise type_error(f"{name}: x's last dimension ({x.shape[-1]}) must equal the "
                         f"weight's contracted dimension ({k}) of its shape {shape}.")
    return ShapedArray(x.shape[:-1] + (n,), x.dtype)


def _after(x, codes):
    """``codes``, unchanged, but computed from ``x``: a select on a predicate that is
    always true (an element of ``x``'s bits with the lowest bit set is nonzero, NaN or
    not) and that XLA cannot prove true.  The dequantisation then waits for its
    activations, so XLA neither hoists it out of a loop (the weights are loop-invariant
    in a generation ``scan``: float copies of every weight would live through the loop)
    nor schedules every layer's dequantisation up front -- the float weights of one
    layer at a time exist, never the whole model's.  (An ``optimization_barrier`` stops
    the hoisting only: XLA removes it before it schedules.)"""
    if not math.prod(x.shape):
        return codes
    first = jax.lax.reshape(jax.lax.slice(x, (0,) * x.ndim, (1,) * x.ndim), ())
    if np.issubdtype(first.dtype, np.complexfloating):
        first = jax.lax.real(first)
    word = np.dtype(f"uint{8 * first.dtype.itemsize}")
    bits = jax.lax.bitcast_convert_type(first, word)
    live = jax.lax.ne(jax.lax.bitwise_or(bits, word.type(1)), word.type(0))
    return jax.lax.select(jax.lax.broadcast(live, codes.shape), codes,
                          jax.lax.full_like(codes, 0))


def _quantized_matmul_lower(x, data, scales, *biases, bits, group_size, mode, axis,
                            transpose):
    data = _after(x, data)
    w = dequantize_with(jax.lax, data, scales, biases[0] if biases else None, bits=bits,
                        group_size=group_size, mode=mode, axis=axis)
    dims = (((x.ndim - 1,), (1 if transpose else 0,)), ((), ()))
    return jax.lax.dot_general(x, w, dims)


register(quantized_matmul_p, _quantized_matmul_abstract_eval, _quantized_matmul_lower)
impl_rules[quantized_matmul_p] = jitted_impl(quantized_matmul_p, _quantized_matmul_lower)

def _quantized_matmul_jvp(primals, tangents, **params):
    x, *weights = primals
    # The codes are integers (their tangents are float0); scales and offsets are frozen.
    for what, t in zip(("scales", "biases"), tangents[2:]):
        if type(t) is not Zero:
            raise TypeError(
                f"quantized_matmul: cannot differentiate with respect to the quantized "
                f"weight's {what}: a QuantizedArray is frozen (integer codes with their "
                f"scales). Differentiate with respect to the activations x or to adapters "
                f"instead, keeping the QuantizedArray out of the differentiated arguments "
                f"(e.g. with lora_partition). (at {user_frame_str()})")
    out = bind(quantized_matmul_p, x, *weights, **params)
    if type(tangents[0]) is Zero:
        return out, Zero(get_aval(out))
    return out, bind(quantized_matmul_p, tangents[0], *weights, **params)


def _quantized_matmul_transpose(ct, x, *weights, transpose, **params):
    if not is_undefined_primal(x) or any(is_undefined_primal(w) for w in weights):
        raise TypeError("quantized_matmul is linear in x only; it cannot be transposed "
                        "with respect to the quantized weight.")
    if type(ct) is Zero:
        return [Zero(x.aval)] + [None] * len(weights)
    x_bar = bind(quantized_matmul_p, ct, *weights, transpose=not transpose, **params)
    return [x_bar] + [None] * len(weights)


def _quantized_matmul_batch(args, dims, *, axis, transpose, **params):
    (x, *weights), (x_dim, *w_dims) = args, dims
    if all(d is not_mapped for d in w_dims):
        x_ndim = get_aval(x).ndim
        if x_dim == x_ndim - 1:        # the batch axis sits after the contracted one
            x, x_dim = moveaxis(x, x_dim, 0), 0
        return bind(quantized_matmul_p, x, *weights, axis=axis, transpose=transpose,
                    **params), x_dim
    # A stack of weights (vmap over layers): dequantize the stack, then one batched dot.
    size = batch_size(args, dims)
    x, *weights = [bdim_at_front(a, d, size) for a, d in zip(args, dims)]
    biases = weights[2] if len(weights) == 3 else None
    w = dequantize_with(lax, weights[0], weights[1], biases, axis=axis + 1, **params)
    x_ndim = get_aval(x).ndim
    dimension_numbers = (((x_ndim - 1,), (2 if transpose else 1,)), ((0,), (0,)))
    return lax.dot_general(x, w, dimension_numbers), 0


jvp_rules[quantized_matmul_p] = _quantized_matmul_jvp
transpose_rules[quantized_matmul_p] = _quantized_matmul_transpose
batch_rules[quantized_matmul_p] = _quantized_matmul_batch


# =========================================================================== public API

def quantized_matmul(x, w: QuantizedArray, *, transpose: bool = False):
    """``x @ w`` (``x @ w.T`` when ``transpose``) for a ``QuantizedArray`` ``w``, with the
    dequantisation fused into the product.  ``x`` may have any leading dimensions.

    Differentiable with respect to ``x`` only: asking for a derivative with respect to
    ``w`` raises a TypeError.

    >>> q = quantize_array(jnp.ones((64, 2)))
    >>> quantized_matmul(jnp.ones((3, 64)), q)
    Array([[64., 64.],
           [64., 64.],
           [64., 64.]], dtype=float32)
    """
    if not isinstance(w, QuantizedArray):
        raise TypeError(f"quantized_matmul: w must be a QuantizedArray (from "
                        f"zenax.quantize), got {type(w).__name__}.")
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        raise TypeError(f"quantized_matmul: x must be a float array, got "
                        f"{x.dtype.name}{list(x.shape)} (at {user_frame_str()}).")
    dtype = jnp.result_type(x.dtype, w.dtype)
    weights = [jnp.astype(p, dtype) if i else p for i, p in enumerate(_operands(w))]
    k, _ = _contracted(w.shape, transpose)
    if x.ndim == 0 or x.shape[-1] != k:
        raise value_error(f"quantized_matmul: x's last dimension must be {k}, the "
                          f"contracted dimension of w (shape {w.shape}, transpose="
                          f"{transpose}); got x of shape {tuple(x.shape)}.")
    return bind(quantized_matmul_p, jnp.astype(x, dtype), *weights, transpose=bool(transpose),
                **_params(w))


compile_marked(globals())
