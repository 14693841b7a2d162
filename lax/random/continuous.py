"""Samplers of continuous distributions: uniform, normal, truncated_normal, exponential, gumbel.

Each starts from uniform floats (``_uniform``: random mantissa bits under the exponent of
1.0) -- or, for gumbel's "highest" mode, from 64 random bits -- and transforms them as JAX
does, in JAX's order of operations, so the bits match.
"""
from __future__ import annotations

from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes

from .. import elementwise as ew
from .. import prng
from .. import shapes as sh
from ..jnp.promotion import broadcast_to_shape as _broadcast_to
from .arguments import (OutSharding, _asarray, _check_key, _check_shape, _dtype, _out_sharded,
                        _shape, _shape_of)
from .keys import _random_bits, _split2
from .staging import _staged

__all__ = ["uniform", "normal", "truncated_normal", "exponential", "gumbel"]


def uniform(key, shape: Sequence[int] = (), dtype=None, minval=0., maxval=1., *,
            out_sharding: OutSharding = None):
    """Uniform floats in ``[minval, maxval)``.

    >>> random.uniform(random.PRNGKey(0), (2,), minval=-1., maxval=1.).shape
    (2,)
    """
    key = _check_key("uniform", key)
    dtype = _dtype("uniform", dtype, float, np.floating)
    sample = _uniform(key, _asarray(minval, "uniform", "minval"),
                      _asarray(maxval, "uniform", "maxval"), _shape("uniform", shape), dtype)
    return _out_sharded("uniform", sample, out_sharding)


@_staged(3, 4)
def _uniform(key, minval, maxval, shape: tuple, dtype):
    _check_shape("uniform", shape, _shape_of(minval), _shape_of(maxval))
    finfo = dtypes.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    rng_bits = 8 if nmant < 8 else nbits
    uint = prng.UINT_DTYPES[nbits]
    random_bits = ew.convert_element_type(_random_bits(key, rng_bits, shape), uint)
    # Random mantissa bits under the exponent of 1.0 give a float in [1, 2); subtract 1.
    float_bits = ew.bitwise_or(
        ew.shift_right_logical(random_bits, np.array(rng_bits - nmant, uint)),
        np.array(1.0, dtype).view(uint))
    floats = ew.sub(ew.bitcast_convert_type(float_bits, dtype), np.array(1., dtype))
    minval = _broadcast_to(ew.convert_element_type(minval, dtype), shape)
    maxval = _broadcast_to(ew.convert_element_type(maxval, dtype), shape)
    return ew.max(minval, ew.add(ew.mul(floats, ew.sub(maxval, minval)), minval))


def normal(key, shape: Sequence[int] = (), dtype=None, *, out_sharding: OutSharding = None):
    """Standard normal samples (real or complex dtype).

    >>> random.normal(random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    key = _check_key("normal", key)
    dtype = _dtype("normal", dtype, float, np.inexact)
    return _out_sharded("normal", _normal(key, _shape("normal", shape), dtype), out_sharding)


@_staged(1, 2)
def _normal(key, shape: tuple, dtype):
    if not dtypes.is_complex(dtype):
        return _normal_real(key, shape, dtype)
    key_re, key_im = _split2(key)
    real_dtype = np.finfo(dtype).dtype
    re = ew.convert_element_type(_normal_real(key_re, shape, real_dtype), dtype)
    im = ew.convert_element_type(_normal_real(key_im, shape, real_dtype), dtype)
    out = ew.add(re, ew.mul(np.array(1j, dtype), im))
    return ew.div(out, np.array(np.sqrt(2), dtype))


def _normal_real(key, shape: tuple, dtype):
    # The inverse CDF of a uniform sample in the open interval (-1, 1).
    lo = np.nextafter(np.array(-1., dtype), np.array(0., dtype), dtype=dtype)
    u = _uniform(key, lo, np.array(1., dtype), shape, dtype)
    return ew.mul(np.array(np.sqrt(2), dtype), ew.erf_inv(u))


def truncated_normal(key, lower, upper, shape: Sequence[int] | None = None, dtype=None, *,
                     out_sharding: OutSharding = None):
    """Standard normal samples truncated to the open interval ``(lower, upper)``.

    >>> x = random.truncated_normal(random.PRNGKey(0), -1., 1., (100,))
    >>> bool((x > -1).all() and (x < 1).all())
    True
    """
    key = _check_key("truncated_normal", key)
    dtype = _dtype("truncated_normal", dtype, float, np.floating)
    lower, upper = (_asarray(lower, "truncated_normal", "lower"),
                    _asarray(upper, "truncated_normal", "upper"))
    if shape is None:
        shape = np.broadcast_shapes(_shape_of(lower), _shape_of(upper))
    else:
        shape = _shape("truncated_normal", shape)
        _check_shape("truncated_normal", shape, _shape_of(lower), _shape_of(upper))
    sample = _truncated_normal(key, lower, upper, shape, dtype)
    return _out_sharded("truncated_normal", sample, out_sharding)


@_staged(3, 4)
def _truncated_normal(key, lower, upper, shape: tuple, dtype):
    sqrt2 = np.array(np.sqrt(2), dtype)
    lower = ew.convert_element_type(lower, dtype)
    upper = ew.convert_element_type(upper, dtype)
    a = ew.erf(ew.div(lower, sqrt2))
    b = ew.erf(ew.div(upper, sqrt2))
    u = _uniform(key, a, b, shape, dtype)
    out = ew.mul(sqrt2, ew.erf_inv(u))
    # Rounding may land on the bounds; clamp into the open interval, as JAX does.
    lo = ew.nextafter(ew.stop_gradient(lower), np.array(np.inf, dtype))
    hi = ew.nextafter(ew.stop_gradient(upper), np.array(-np.inf, dtype))
    return ew.min(_broadcast_to(hi, shape), ew.max(_broadcast_to(lo, shape), out))


def exponential(key, shape: Sequence[int] = (), dtype=None, *,
                out_sharding: OutSharding = None):
    """Exponential samples (rate 1): ``-log(1 - u)``.

    >>> bool((random.exponential(random.PRNGKey(0), (100,)) >= 0).all())
    True
    """
    key = _check_key("exponential", key)
    dtype = _dtype("exponential", dtype, float, np.floating)
    sample = _exponential(key, _shape("exponential", shape), dtype)
    return _out_sharded("exponential", sample, out_sharding)


@_staged(1, 2)
def _exponential(key, shape: tuple, dtype):
    u = _uniform(key, 0., 1., shape, dtype)
    return ew.neg(ew.log1p(ew.neg(u)))


def gumbel(key, shape: Sequence[int] = (), dtype=None, mode: str | None = None, *,
           out_sharding: OutSharding = None):
    """Standard Gumbel samples; ``mode`` "low" (default), "high" or "highest" uses more
    random bits for a wider range.

    >>> random.gumbel(random.PRNGKey(0), (3,)).shape
    (3,)
    """
    key = _check_key("gumbel", key)
    dtype = _dtype("gumbel", dtype, float, np.floating)
    shape = _shape("gumbel", shape)
    return _out_sharded("gumbel", _gumbel(key, shape, dtype, _gumbel_mode(mode)), out_sharding)


def _gumbel_mode(mode: str | None) -> str:
    if mode is None:
        return "high" if jax.config.jax_high_dynamic_range_gumbel else "low"
    if mode not in ("highest", "high", "low"):
        raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
    return mode


def _neg_log_neg_log(x, log=ew.log):
    return ew.neg(ew.log(ew.neg(log(x))))


@_staged(1, 2, 3)
def _gumbel(key, shape: tuple, dtype, mode: str):
    finfo = dtypes.finfo(dtype)
    if mode == "highest" and dtype == np.float32:
        return _gumbel_highest(key, shape)
    if mode in ("high", "highest"):
        u = _uniform(key, 0., 1., (2, *shape), dtype)
        high, low = (sh.index_in_dim(u, i, keepdims=False) for i in (0, 1))
        # high + 2**-nmant * low refines the sample, unless that would round up to 1.
        finer = ew.add(ew.add(high, ew.mul(np.array(2. ** -finfo.nmant, dtype), low)),
                       np.array(finfo.tiny, dtype))
        x = ew.select(ew.ge(high, np.array(0.5, dtype)), high, finer)
        return _neg_log_neg_log(ew.neg(x), log=ew.log1p)
    return _neg_log_neg_log(_uniform(key, np.array(finfo.tiny, dtype), 1., shape, dtype))


def _clz(x):
    """Count leading zeros of uint32 values: the zeros of ``x`` with its top bit smeared."""
    for s in (1, 2, 4, 8, 16):
        x = ew.bitwise_or(x, ew.shift_right_logical(x, np.uint32(s)))
    return ew.population_count(ew.bitwise_not(x))


def _safe_int_to_float(hi, lo):
    """The 64-bit fixed-point fraction ``(hi, lo)`` as a float32 in (0, 1), rounding down."""
    u32 = lambda v: np.array(v, np.uint32)
    finfo = dtypes.finfo(np.float32)
    hiclz, loclz = _clz(hi), _clz(lo)
    hi_is_zero = ew.eq(hiclz, u32(32))
    mantissa = ew.bitwise_or(
        ew.shift_left(hi, hiclz),
        ew.select(hi_is_zero, ew.shift_left(lo, loclz),
                  ew.shift_right_logical(lo, ew.sub(u32(finfo.bits), hiclz))))
    mantissa = ew.shift_right_logical(mantissa, u32(finfo.bits - finfo.nmant - 1))
    mantissa = ew.bitwise_and(mantissa, u32((1 << finfo.nmant) - 1))
    leading = ew.select(hi_is_zero, ew.add(u32(32), loclz), hiclz)
    exp = ew.shift_left(ew.sub(u32(-finfo.minexp), leading), u32(finfo.nmant))
    exp = ew.bitwise_and(exp, u32((1 << (finfo.bits - 2)) - (1 << (finfo.nmant - 1))))
    return ew.bitcast_convert_type(ew.bitwise_or(exp, mantissa), np.float32)


def _gumbel_highest(key, shape: tuple):
    random_bits = _random_bits(key, 32, (2, *shape))
    hi, lo = (sh.index_in_dim(random_bits, i, keepdims=False) for i in (0, 1))
    # 1 - bits in 64-bit fixed point: negate both halves, carry into hi when lo overflows.
    neg_hi = ew.add(ew.bitwise_not(hi), ew.convert_element_type(
        ew.eq(ew.bitwise_not(lo), np.uint32(0xFFFFFFFF)), np.uint32))
    neg_lo = ew.add(ew.bitwise_not(lo), np.uint32(1))
    flip = ew.lt(hi, np.uint32(1 << 31))
    x = _safe_int_to_float(ew.select(flip, hi, neg_hi), ew.select(flip, lo, neg_lo))
    # log1p is accurate for x in (0, 0.5), log for [0.5, 1).
    return ew.select(flip, _neg_log_neg_log(ew.neg(x), log=ew.log1p), _neg_log_neg_log(x))
