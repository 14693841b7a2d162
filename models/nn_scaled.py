"""Block-scaled matrix products: ``scaled_matmul``, ``scaled_dot_general`` and their
quantization configs (``zenax.nn``).

A block-scaled operand is a low-precision array (float8, float4) plus one scale per block
of ``block_size`` consecutive elements along the contracting (last) axis; its value is the
elementwise product of the two.  JAX sends the product to a fused cuDNN kernel on recent
NVIDIA GPUs and has no CPU lowering at all; here it is the reference composition the
kernel computes -- dequantize in float32, ``dot_general``, cast -- so it runs everywhere
and differentiates like any other zenax program.

``scaled_dot_general`` takes full-precision operands, quantizes both (``mxfp8``: float8
values with power-of-two scales, blocks of 32; ``nvfp4``: float4 values with float8
scales, blocks of 16, and a global scale), and multiplies them.  Its reverse-mode rule is
JAX's: the cotangent and the other operand are quantized again with the configs' third
entry (a plain product for ``nvfp4``), and for ``nvfp4`` the gradient is zeroed where the
forward pass clipped the input (a straight-through estimator).
"""
from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from typing import Any, Literal, Sequence

import ml_dtypes
import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_vjp
from zenax.lax.eager import compiled_when_eager
from zenax.tracer import dtypes
from zenax.transforms import jit

__all__ = ["BlockScaleConfig", "get_scaled_dot_general_config", "scaled_dot_general",
           "scaled_matmul"]

# The output types of the block-scaled product (those the fused kernel writes).
_OUT_DTYPES = (np.dtype(np.float32), np.dtype(ml_dtypes.bfloat16), np.dtype(np.float16))


@dataclasses.dataclass(slots=True)
class BlockScaleConfig:
    """How one operand of :func:`scaled_dot_general` is quantized: the ``mode``, elements
    per scale (``block_size``), the element and scale types, an optional ``global_scale``
    (``nvfp4``) and ``infer_only``.  Build one with :func:`get_scaled_dot_general_config`."""
    mode: str
    block_size: int
    data_type: Any
    scale_type: Any
    global_scale: Any
    infer_only: bool


def get_scaled_dot_general_config(mode: Literal["nvfp4", "mxfp8"],
                                  global_scale: Any = None) -> BlockScaleConfig:
    """The :class:`BlockScaleConfig` of a quantization ``mode``: ``'mxfp8'`` (float8_e4m3fn
    values, float8_e8m0fnu scales, blocks of 32) or ``'nvfp4'`` (float4_e2m1fn values,
    float8_e4m3fn scales, blocks of 16, ``global_scale`` defaulting to ``[1.]``).

    >>> zenax.nn.get_scaled_dot_general_config('mxfp8').block_size
    32
    """
    if mode == "nvfp4":
        return BlockScaleConfig(
            mode="nvfp4", block_size=16, data_type=ml_dtypes.float4_e2m1fn,
            scale_type=ml_dtypes.float8_e4m3fn,
            global_scale=jnp.ones((1,), np.float32) if global_scale is None else global_scale,
            infer_only=False)
    if mode == "mxfp8":
        return BlockScaleConfig(
            mode="mxfp8", block_size=32, data_type=ml_dtypes.float8_e4m3fn,
            scale_type=ml_dtypes.float8_e8m0fnu, global_scale=None, infer_only=False)
    raise ValueError(f"Unsupported mode: {mode}")


def _check_scaled_matmul_shapes(a, b, a_scales, b_scales) -> None:
    for name, x in zip(("lhs", "rhs", "lhs_scales", "rhs_scales"), (a, b, a_scales, b_scales)):
        if not hasattr(x, "ndim"):
            # JAX fails on the missing attribute too; we say which argument it was.
            raise AttributeError(f"scaled_matmul: {name} must be an array, got "
                                 f"{type(x).__name__}; convert it with jnp.asarray.")
    if not all(x.ndim == 3 for x in (a, b, a_scales, b_scales)):
        raise ValueError("scaled_matmul requires all inputs to be 3-dimensional arrays, "
                         f"got shapes lhs: {a.shape}, rhs: {b.shape}, lhs_scales: "
                         f"{a_scales.shape}, rhs_scales: {b_scales.shape}")
    (batch, m, k), (rhs_batch, n, rhs_k) = a.shape, b.shape
    if k != rhs_k or batch != rhs_batch:
        raise ValueError("scaled_matmul requires inputs a and b to have matching batch (B) "
                         f"and contract (K) dimensions, but got shapes {a.shape} and "
                         f"{b.shape}")
    (s_batch, s_m, s_k), (rhs_s_batch, s_n, rhs_s_k) = a_scales.shape, b_scales.shape
    if s_k != rhs_s_k or s_batch != rhs_s_batch:
        raise ValueError("scaled_matmul requires scales to have matching batch (B) and "
                         f"contract (K) dimensions, but got shapes {a_scales.shape} and "
                         f"{b_scales.shape}")
    if s_m != m or s_n != n:
        raise ValueError("scaled_matmul requires scales to match non-contract dimensions of "
                         f"inputs, but got shapes a: {a.shape}, b: {b.shape}, a_scales: "
                         f"{a_scales.shape}, b_scales: {b_scales.shape}")
    if s_k == 0 or k % s_k:
        raise ValueError(f"scaled_matmul: the contract dimension K={k} of lhs and rhs must "
                         f"be a multiple of the scales' K={s_k} (one scale per block of "
                         f"K // K_scales elements), got lhs_scales shape {a_scales.shape}")


def _out_dtype(fun_name: str, preferred_element_type) -> np.dtype:
    dtype = dtypes.canonicalize_dtype(preferred_element_type)
    if dtype not in _OUT_DTYPES:
        raise TypeError(f"{fun_name}: preferred_element_type must be one of float32, "
                        f"bfloat16 or float16, got {dtype}")
    return dtype


def _dequantize(x, scales):
    """``x * scales`` with each scale repeated over its block of the last axis, in f32."""
    block = x.shape[-1] // scales.shape[-1]
    scales = jnp.repeat(scales.astype(np.float32), block, axis=-1,
                        total_repeat_length=x.shape[-1])
    return x.astype(np.float32) * scales


def _block_scaled_matmul(a, b, a_scales, b_scales, out_dtype):
    """(B, M, K) x (B, N, K) -> (B, M, N), accumulated in float32."""
    out = lax.dot_general(_dequantize(a, a_scales), _dequantize(b, b_scales),
                          (((2,), (2,)), ((0,), (0,))), preferred_element_type=np.float32)
    return out.astype(out_dtype)


@compiled_when_eager(n_arrays=4, static_argnames=("preferred_element_type",))
def scaled_matmul(lhs, rhs, lhs_scales, rhs_scales,
                  preferred_element_type: Any = np.float32):
    """Batched product of block-scaled operands: ``(B, M, K) x (B, N, K) -> (B, M, N)``.

    ``lhs_scales`` has shape ``(B, M, K // block)``: each scale multiplies ``block``
    consecutive elements of ``lhs`` along K (likewise for ``rhs``).  The product is
    accumulated in float32 and returned as ``preferred_element_type``.

    >>> a = jnp.array([1, 2, 3]).reshape((1, 1, 3))
    >>> b = jnp.array([4, 5, 6]).reshape((1, 1, 3))
    >>> s = jnp.array([0.5]).reshape((1, 1, 1))
    >>> zenax.nn.scaled_matmul(a, b, s, s)
    Array([[[8.]]], dtype=float32)
    """
    _check_scaled_matmul_shapes(lhs, rhs, lhs_scales, rhs_scales)
    out_dtype = _out_dtype("scaled_matmul", preferred_element_type)
    return _block_scaled_matmul(lhs, rhs, lhs_scales, rhs_scales, out_dtype)


# --- quantization (on (B, rows, K) operands, K split into blocks) ---

def _to_e8m0_rounding_up(x):
    """The biased exponents (uint8) of the smallest powers of two >= ``x`` (``x >= 0``):
    the float32 exponent field, plus one where the mantissa is not zero -- except at the
    top exponent and for subnormals of at most half the smallest normal, which round to
    exponent 0 (2**-127) as they are."""
    bits = lax.bitcast_convert_type(x.astype(np.float32), np.uint32)
    exponent, mantissa = bits >> 23, bits & 0x7FFFFF
    round_up = (mantissa > 0) & (exponent != 0xFE) & ~((exponent == 0) & (mantissa <= 0x400000))
    return jnp.where(round_up, exponent + 1, exponent).astype(np.uint8)


def _e8m0_to(exponents, dtype):
    """2**(e - 127) for biased exponents ``e``, with 0 read as the smallest value the
    target type holds (2**-15 in float16, 2**-127 otherwise)."""
    x = lax.bitcast_convert_type(exponents.astype(np.uint32) << 23, np.float32)
    tiny = 2.0 ** -15 if np.dtype(dtype) == np.float16 else 2.0 ** -127
    return jnp.where(x == 0, jnp.array(tiny, np.float32), x).astype(dtype)


def _block_max(x):
    return jnp.max(jnp.abs(x), axis=-1, keepdims=True)


def _quantize(x, config: BlockScaleConfig):
    """(B, R, K) ``x`` -> its ``config.data_type`` values (B, R, K) and block scales
    (B, R, K // block_size) of ``config.scale_type``."""
    shape, block = x.shape, config.block_size
    if not (shape[-1] >= block and shape[-1] % block == 0):
        # JAX stops here on a bare assertion; the same kind, with the reason.
        raise AssertionError(
            f"scaled_dot_general: the contracted size {shape[-1]} must be a positive "
            f"multiple of the {config.mode} block size {block}")
    x = jnp.reshape(x, shape[:-1] + (shape[-1] // block, block))
    top = dtypes.finfo(config.data_type).max.astype(x.dtype)
    if config.mode == "mxfp8":
        scales = _to_e8m0_rounding_up(_block_max(x) / top)
        scaled = x / _e8m0_to(scales, x.dtype)
        scales = lax.bitcast_convert_type(scales, config.scale_type)
    elif config.mode == "nvfp4":
        scale_top = dtypes.finfo(config.scale_type).max.astype(x.dtype)
        x = x / config.global_scale
        # The barrier keeps XLA from folding the rounding to the scale type away.
        scales = lax.optimization_barrier(
            jnp.clip(_block_max(x) / top, 0, scale_top).astype(config.scale_type))
        scaled = x / scales.astype(np.float32)
    else:
        raise ValueError(f"scaled_dot_general: unrecognized quantization mode {config.mode!r}")
    values = jnp.clip(scaled, -top, top).astype(config.data_type)
    return jnp.reshape(values, shape), jnp.reshape(scales, scales.shape[:-1])


# --- dimension bookkeeping ---

def _to_3d(x, contracting: Sequence[int], batch: Sequence[int]):
    """``x`` transposed and reshaped to (batch, kept, contracting), each group of axes in
    ``x``'s order and flattened."""
    kept = [d for d in range(x.ndim) if d not in contracting and d not in batch]
    batch, contracting = sorted(batch), sorted(contracting)
    sizes = [math.prod(x.shape[d] for d in group) for group in (batch, kept, contracting)]
    return jnp.reshape(jnp.transpose(x, batch + kept + contracting), tuple(sizes))


def _product_shape(x_shape, y_shape, x_dn, y_dn) -> tuple[int, ...]:
    """Shape of the product of :func:`_to_3d` operands, batch and kept axes unflattened."""
    (x_contract, x_batch), (y_contract, y_batch) = x_dn, y_dn
    return (tuple(n for d, n in enumerate(x_shape) if d in x_batch)
            + tuple(n for d, n in enumerate(x_shape) if d not in x_contract + x_batch)
            + tuple(n for d, n in enumerate(y_shape) if d not in y_contract + y_batch))


def _scaled_product(x, y, x_dn, y_dn, configs, out_dtype):
    """Quantize the 3-d forms of ``x`` and ``y`` with ``configs[:2]`` and multiply."""
    x_q, x_scales = _quantize(_to_3d(x, *x_dn), configs[0])
    y_q, y_scales = _quantize(_to_3d(y, *y_dn), configs[1])
    nvfp4 = configs[0].mode == "nvfp4"
    out = _block_scaled_matmul(x_q, y_q, x_scales, y_scales,
                               np.float32 if nvfp4 else out_dtype)
    if nvfp4:
        out = (out * (configs[0].global_scale * configs[1].global_scale)).astype(out_dtype)
    return jnp.reshape(out, _product_shape(x.shape, y.shape, x_dn, y_dn))


def _configs(specs, global_scales) -> list[BlockScaleConfig]:
    """The configs from their static parts and their global scales (arrays or None)."""
    return [BlockScaleConfig(mode, block_size, data_type, scale_type, scale, infer_only)
            for (mode, block_size, data_type, scale_type, infer_only), scale
            in zip(specs, global_scales)]


# The global scales are arguments, not part of the static configs, so that they may be
# traced (under jit); their cotangent is zero, as in JAX where they are not differentiated.
@functools.partial(custom_vjp, nondiff_argnums=(3, 4, 5), jvp_by_transpose=False)
def _scaled_dot(lhs, rhs, global_scales, dimension_numbers, out_dtype, specs):
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    return _scaled_product(lhs, rhs, (lhs_contract, lhs_batch), (rhs_contract, rhs_batch),
                           _configs(specs, global_scales), out_dtype)


def _scaled_dot_fwd(lhs, rhs, global_scales, dimension_numbers, out_dtype, specs):
    out = _scaled_dot(lhs, rhs, global_scales, dimension_numbers, out_dtype, specs)
    return out, (lhs, rhs, global_scales)


def _lhs_cotangent(g, x, y, dimension_numbers, out_dtype, configs, swap_ans=False):
    """The cotangent of ``x`` in ``dot_general(x, y)`` (of the right operand ``x`` when
    ``swap_ans``, whose kept axes come last in ``g``): ``g`` contracted with ``y`` over
    ``y``'s kept axes, quantized with ``configs`` (unquantized for ``nvfp4``)."""
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x_kept = tuple(d for d in range(x.ndim) if d not in x_contract + x_batch)
    y_kept = tuple(d for d in range(y.ndim) if d not in y_contract + y_batch)
    n_batch = len(x_batch)
    y_start = n_batch if swap_ans else n_batch + len(x_kept)
    g_dn = (tuple(range(y_start, y_start + len(y_kept))), tuple(range(n_batch)))
    y_dn = (y_kept, y_batch)
    if configs[0].mode != "nvfp4":
        out = _scaled_product(g, y, g_dn, y_dn, configs, out_dtype)
    else:
        out = lax.dot_general(_to_3d(g, *g_dn), _to_3d(y, *y_dn),
                              (((2,), (2,)), ((0,), (0,))), preferred_element_type=out_dtype)
        out = jnp.reshape(out, _product_shape(g.shape, y.shape, g_dn, y_dn))
    # `out`'s axes: batch, x's kept axes, then x's contracted axes in their partners'
    # order in y.
    x_contract_by_y = [x_contract[i] for i in np.argsort(y_contract)]
    return lax.transpose(out, tuple(int(d) for d in
                                    np.argsort(list(x_batch + x_kept) + x_contract_by_y)))


def _scaled_dot_bwd(dimension_numbers, out_dtype, specs, res, g):
    lhs, rhs, global_scales = res
    configs = _configs(specs, global_scales)
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    lhs_bar = _lhs_cotangent(g, lhs, rhs, dimension_numbers, out_dtype,
                             [configs[2], configs[1]])
    swapped = ((rhs_contract, lhs_contract), (rhs_batch, lhs_batch))
    rhs_bar = _lhs_cotangent(g, rhs, lhs, swapped, out_dtype, [configs[2], configs[0]],
                             swap_ans=True)
    if configs[2].mode == "nvfp4":
        # Straight-through estimator: no gradient where the forward pass clipped.
        top = (dtypes.finfo(configs[0].data_type).max.astype(lhs.dtype)
               * dtypes.finfo(configs[0].scale_type).max.astype(lhs.dtype))
        lhs_bar = jnp.where(jnp.abs(lhs) <= configs[0].global_scale * top, lhs_bar, 0)
        rhs_bar = jnp.where(jnp.abs(rhs) <= configs[1].global_scale * top, rhs_bar, 0)
    return lhs_bar, rhs_bar, None


_scaled_dot.defvjp(_scaled_dot_fwd, _scaled_dot_bwd)


# One compiled program: an eager call would otherwise run the quantization op by op.
_compiled_scaled_dot = jit(_scaled_dot, static_argnums=(3, 4, 5))


def _as_tuples(dimension_numbers):
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    return ((tuple(lhs_contract), tuple(rhs_contract)),
            (tuple(lhs_batch), tuple(rhs_batch)))


def scaled_dot_general(lhs, rhs, dimension_numbers, preferred_element_type: Any = np.float32,
                       configs: list[BlockScaleConfig] | None = None,
                       implementation: Literal["cudnn"] | None = None):
    """``lax.dot_general`` of ``lhs`` and ``rhs`` quantized block by block with ``configs``
    (one :class:`BlockScaleConfig` each for lhs, rhs and the gradient, from
    :func:`get_scaled_dot_general_config`); with ``configs=None``, plain ``dot_general``.

    The gradient quantizes the output cotangent with ``configs[2]``.
    ``implementation`` is deprecated and ignored.

    >>> x = jnp.ones((1, 2, 32))
    >>> configs = [zenax.nn.get_scaled_dot_general_config('mxfp8')] * 3
    >>> zenax.nn.scaled_dot_general(x, x, (((2,), (2,)), ((0,), (0,))), configs=configs)
    Array([[[32., 32.],
            [32., 32.]]], dtype=float32)
    """
    if implementation is not None:
        warnings.warn("scaled_dot_general: implementation is ignored; the back end is "
                      "chosen automatically.", DeprecationWarning, stacklevel=2)
    if configs is None:
        return lax.dot_general(lhs, rhs, dimension_numbers,
                               preferred_element_type=preferred_element_type)
    if preferred_element_type not in _OUT_DTYPES:
        raise TypeError("scaled_dot_general: preferred_element_type must be one of float32, "
                        f"bfloat16 or float16, got {preferred_element_type}")
    out_dtype = np.dtype(preferred_element_type)
    dimension_numbers = _as_tuples(dimension_numbers)
    (contract, (lhs_batch, rhs_batch)) = dimension_numbers
    # The product needs a batch axis: an operand without one gets a size-1 axis appended,
    # which lands at the front of the result and is squeezed.
    if not lhs_batch:
        lhs, lhs_batch = jnp.expand_dims(lhs, np.ndim(lhs)), (np.ndim(lhs),)
    if not rhs_batch:
        rhs, rhs_batch = jnp.expand_dims(rhs, np.ndim(rhs)), (np.ndim(rhs),)
    batched_dn = (contract, (lhs_batch, rhs_batch))
    specs = tuple((c.mode, c.block_size, c.data_type, c.scale_type, c.infer_only)
                  for c in configs)
    out = _compiled_scaled_dot(lhs, rhs, [c.global_scale for c in configs], batched_dn,
                               out_dtype, specs)
    return jnp.squeeze(out, axis=0) if batched_dn != dimension_numbers else out
