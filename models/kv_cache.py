"""Key/value caches that store fewer bytes: ``cache_dtype`` chooses how the keys and values
of the decoded positions are kept between steps.

A float ``cache_dtype`` (``float32``, ``bfloat16``, ``float16``) is a plain
:class:`~zenax.models.attention.KVCache` of that dtype.  ``int8`` is a
:class:`QuantizedKVCache`: each head's key (and value) vector of each position is rounded
to int8 codes with one scale, its largest magnitude over 127 (symmetric, so zero stays
exact).  Both kinds quantize on write and give the keys and values back in the
activations' dtype on read, so attention itself (the logits, the softmax, the mix of
values) runs in the model's float dtype whatever the cache stores.

Why one scale per head and position: a new position is written once and never revisited,
so its scale must come from its own values; and heads differ in range, so one scale per
head keeps a large head from flattening a small one.  The read error of an element is at
most half its scale (``max|head vector| / 254``).

Bytes per position and head of ``head_size`` H, in a float32 model: 4H (float32), 2H
(bfloat16), H + 4 (int8 codes and a float32 scale) -- 3.8x smaller than float32 at H = 64.

>>> import zenax, zenax.numpy as jnp
>>> cache = init_kv_cache((), 16, num_heads=2, head_size=4, cache_dtype="int8")
>>> cache.key.dtype, cache.key_scale.shape
(dtype('int8'), (16, 2))
>>> keys, values, cache = cache.write(jnp.ones((3, 2, 4)), jnp.ones((3, 2, 4)))
>>> keys.dtype, int(cache.index)
(dtype('float32'), 3)
"""
from __future__ import annotations

from typing import Any

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp

from .attention import KVCache
from .module import Module

_INT8_MAX = 127


class QuantizedKVCache(Module):
    """A key/value cache of int8 codes with one scale per head and position.

    ``key`` and ``value`` are ``[..., max_length, num_heads, head_size]`` int8 buffers;
    ``key_scale`` and ``value_scale`` ``[..., max_length, num_heads]`` float buffers (the
    activations' dtype); ``index`` (an int32 scalar) counts the positions filled.  It plays
    the part of a :class:`~zenax.models.attention.KVCache` in ``MultiHeadAttention`` and
    ``GPT``; build one with :func:`init_kv_cache` or ``GPT.init_cache(cache_dtype="int8")``.
    """
    key: Any
    value: Any
    key_scale: Any
    value_scale: Any
    index: Any

    @property
    def max_length(self) -> int:
        return self.key.shape[-3]

    def write(self, k, v):
        """Quantize the new keys and values ``[..., T, num_heads, head_size]`` into the
        buffers at ``index``; return the whole key and value buffers dequantized to ``k``'s
        dtype, and the next cache."""
        start = (0,) * (k.ndim - 3) + (self.index, 0, 0)
        buffers = []
        for new, codes, scales in ((k, self.key, self.key_scale),
                                   (v, self.value, self.value_scale)):
            new_codes, new_scales = _quantize_heads(new, scales.dtype)
            buffers.append(lax.dynamic_update_slice(codes, new_codes, start))
            buffers.append(lax.dynamic_update_slice(scales, new_scales, start[:-1]))
        key, key_scale, value, value_scale = buffers
        cache = QuantizedKVCache(key, value, key_scale, value_scale,
                                 self.index + k.shape[-3])
        return (_dequantize_heads(key, key_scale, k.dtype),
                _dequantize_heads(value, value_scale, k.dtype), cache)


def _quantize_heads(x, scale_dtype):
    """int8 codes of ``x [..., H]`` and the scale of each vector along the last axis."""
    scale = jnp.max(jnp.abs(x), axis=-1) / _INT8_MAX
    safe = jnp.where(scale == 0, 1, scale)       # an all-zero vector: codes 0, any scale
    codes = jnp.clip(jnp.round(x / safe[..., None]), -_INT8_MAX, _INT8_MAX)
    return codes.astype(np.int8), scale.astype(scale_dtype)


def _dequantize_heads(codes, scale, dtype):
    return codes.astype(dtype) * scale[..., None].astype(dtype)


def init_kv_cache(batch_shape: tuple, max_length: int, *, num_heads: int, head_size: int,
                  cache_dtype: Any = np.float32, dtype: Any = np.float32
                  ) -> KVCache | QuantizedKVCache:
    """An empty cache of ``max_length`` positions for inputs ``[*batch_shape, T, ...]``:
    a :class:`KVCache` of a float ``cache_dtype``, or for ``"int8"`` a
    :class:`QuantizedKVCache` whose scales have the activations' ``dtype``.

    >>> init_kv_cache((1,), 8, num_heads=2, head_size=4, cache_dtype="bfloat16").key.dtype
    dtype(bfloat16)
    """
    cache_dtype = kv_cache_dtype(cache_dtype)
    shape = (*tuple(batch_shape), max_length, num_heads, head_size)
    index = jnp.zeros((), np.int32)
    if cache_dtype == np.int8:
        scale = jnp.zeros(shape[:-1], dtype)
        return QuantizedKVCache(jnp.zeros(shape, np.int8), jnp.zeros(shape, np.int8),
                                scale, scale, index)
    return KVCache(jnp.zeros(shape, cache_dtype), jnp.zeros(shape, cache_dtype), index)


def kv_cache_dtype(cache_dtype: Any, caller: str = "init_kv_cache") -> np.dtype:
    """``cache_dtype`` as a NumPy dtype, checked to be a float dtype or int8 (errors name
    ``caller``).

    >>> kv_cache_dtype("int8")
    dtype('int8')
    """
    try:    # np.dtype(None) would be float64
        dt = None if cache_dtype is None else np.dtype(cache_dtype)
    except TypeError:
        dt = None
    if dt is None or not (jnp.issubdtype(dt, jnp.floating) or dt == np.int8):
        raise ValueError(f"{caller}: cache_dtype must be a float dtype (float32, bfloat16, "
                         f"float16) or int8 (quantized with per-head scales); got "
                         f"{cache_dtype!r}.")
    return dt
