"""Attention: ``dot_product_attention`` (as ``jax.nn``'s), mask helpers, and
``MultiHeadAttention`` with a key/value cache for incremental decoding.

Shapes use ``jax.nn``'s letters: ``B`` batch, ``T`` query length, ``S`` key/value length,
``N`` query heads, ``K`` key/value heads (``N`` a multiple of ``K``: grouped-query
attention), ``H`` head size.  Masks are boolean, ``True`` where a query may attend to a key,
broadcastable to ``[B, N, T, S]``.

>>> import zenax.numpy as jnp
>>> q = k = v = jnp.ones((2, 5, 4, 8))                        # B T N H
>>> dot_product_attention(q, k, v, mask=make_causal_mask(jnp.ones((2, 5)))).shape
(2, 5, 4, 8)
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax import flash_attention, random
from zenax.tracer import tree_util

from . import initializers
from .layers import Dropout, Linear
from .module import Module, field
from .nn import logsumexp, softmax

_CALLER = "dot_product_attention"


def _large_negative(dtype) -> float:
    # As jax.nn: finite (so a fully masked row is uniform rather than NaN) and inside
    # float32's range, where the softmax runs.
    return -0.7 * min(float(jnp.finfo(dtype).max), float(jnp.finfo(np.float32).max))


def _check_qkv(fn: str, query, key, value) -> None:
    qs, ks, vs = tuple(query.shape), tuple(key.shape), tuple(value.shape)
    if len(qs) < 3 or len(ks) != len(qs) or len(vs) != len(qs):
        raise ValueError(
            f"{fn}: query, key and value must have the same rank >= 3 ([..., T, N, H], "
            f"[..., S, K, H], [..., S, K, H]); received shapes {qs}, {ks}, {vs}. Add the "
            "heads axis with x.reshape(*x.shape[:-1], num_heads, head_size).")
    if ks != vs:
        raise ValueError(f"{fn}: key and value must have the same shape; received key "
                         f"{ks} and value {vs}.")
    if qs[-1] != ks[-1] or qs[:-3] != ks[:-3]:
        raise ValueError(
            f"{fn}: query [..., T, N, H] and key [..., S, K, H] must agree in the batch "
            f"axes and H; received query {qs} and key {ks}.")
    if qs[-2] % ks[-2]:
        raise ValueError(
            f"{fn}: the number of query heads N={qs[-2]} must be a multiple of the number "
            f"of key/value heads K={ks[-2]} (grouped-query attention); received query "
            f"{qs} and key {ks}.")


def _check_mask(fn: str, name: str, m, logits_shape: tuple):
    """``m`` (a mask or bias) checked to broadcast to the logits' shape; leading size-1
    axes beyond the logits' rank are dropped (a 4-D mask with an unbatched query, as
    jax.nn allows)."""
    extra = m.ndim - len(logits_shape)
    if extra > 0 and all(d == 1 for d in m.shape[:extra]):
        m = jnp.reshape(m, m.shape[extra:])
    try:
        fits = np.broadcast_shapes(tuple(m.shape), logits_shape) == logits_shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{fn}: {name} of shape {tuple(m.shape)} does not broadcast to the logits' "
            f"shape [..., N, T, S] = {logits_shape}. Build masks with make_causal_mask / "
            "make_attention_mask, which return [..., 1, T, S].")
    if name == "mask" and m.dtype != np.bool_:
        raise ValueError(f"{fn}: mask must be boolean (True = attend); received dtype "
                         f"{m.dtype}. For an additive mask pass it as bias=... instead, "
                         "or convert with mask.astype(bool).")
    return m


def attention_weights(query, key, bias=None, mask=None, *, scale: float | None = None,
                      is_causal: bool = False, caller: str = "attention_weights"):
    """The attention probabilities ``softmax(q k^T * scale + bias)`` over the keys, with
    masked-out logits set to a large negative number; shape ``[..., N, T, S]``.

    >>> attention_weights(jnp.ones((3, 2, 4)), jnp.ones((5, 2, 4))).shape
    (2, 3, 5)
    """
    logits = _masked_logits(query, key, bias, mask, scale, is_causal, caller)
    return softmax(logits, axis=-1).astype(jnp.asarray(key).dtype)


def _masked_logits(query, key, bias, mask, scale, is_causal: bool, caller: str,
                   extra_mask=None):
    """The float32 logits ``q k^T * scale + bias`` with the masked-out ones (``mask``,
    causality, ``extra_mask``) set to a large negative number: ``[..., N, T, S]``."""
    query, key = jnp.asarray(query), jnp.asarray(key)
    *batch, t, n, h = query.shape
    s, k = key.shape[-3], key.shape[-2]
    # Grouped heads (as jax.nn): with G = N // K query heads per key/value head, query
    # head i reads key/value head i // G.
    grouped = jnp.reshape(query, (*batch, t, k, n // k, h))
    logits_dtype = jnp.promote_types(query.dtype, np.float32)
    logits = jnp.einsum("...tkgh,...skh->...kgts", grouped, key,
                        preferred_element_type=logits_dtype)
    logits = jnp.reshape(logits, (*batch, n, t, s))
    logits = logits * jnp.asarray(1.0 / math.sqrt(h) if scale is None else scale,
                                  dtype=logits.dtype)
    if bias is not None:
        bias = _check_mask(caller, "bias", jnp.asarray(bias), tuple(logits.shape))
        logits = (logits + bias).astype(logits.dtype)
    if mask is not None:
        mask = _check_mask(caller, "mask", jnp.asarray(mask), tuple(logits.shape))
    causal = jnp.tril(jnp.ones((t, s), dtype=bool)) if is_causal else None
    mask = combine_masks(mask, causal, extra_mask)
    if mask is not None:
        logits = jnp.where(mask, logits, _large_negative(logits.dtype))
    return logits.astype(np.float32)


def attend(weights, value):
    """Mix the values with attention weights: ``[..., N, T, S] x [..., S, K, H] ->
    [..., T, N, H]`` (query head ``n`` reads value head ``n // (N // K)``)."""
    *batch, n, t, s = weights.shape
    k, h = value.shape[-2], value.shape[-1]
    grouped = jnp.reshape(weights, (*batch, k, n // k, t, s))
    out = jnp.einsum("...kgts,...skh->...tkgh", grouped, value)
    return jnp.reshape(out, (*batch, t, n, h))


def dot_product_attention(query, key, value, bias=None, mask=None, *,
                          scale: float | None = None, is_causal: bool = False,
                          query_seq_lengths=None, key_value_seq_lengths=None,
                          local_window_size: int | tuple[int, int] | None = None,
                          implementation: str | None = None, return_residual: bool = False):
    """Scaled dot-product attention, ``softmax(q k^T / sqrt(H) + bias) v`` per head (as
    ``jax.nn.dot_product_attention``, XLA implementation).

    ``query`` is ``[..., T, N, H]``, ``key`` and ``value`` ``[..., S, K, H]`` with any
    number of leading batch axes (``jax.nn`` takes ``BTNH`` or ``TNH``); ``N`` must be a
    multiple of ``K`` (grouped-query / multi-query attention).  ``bias`` is added to the
    logits; ``mask`` is boolean (True = attend); both broadcast to ``[..., N, T, S]``.
    ``is_causal`` masks keys after the query's position (top-left aligned, ``tril``).
    ``query_seq_lengths`` / ``key_value_seq_lengths`` (int32, one per batch element) mask
    the padding past each sequence's length, and padded queries give zeros;
    ``local_window_size=(left, right)`` (or one int for both) lets query ``t`` see keys
    ``t - left`` to ``t + right`` only.  The softmax runs in float32.  Returns
    ``[..., T, N, H]``, and with ``return_residual`` also the softmax's log-normalizer
    ``[..., T, N]``.

    >>> q = jnp.ones((2, 3, 4, 8)); kv = jnp.ones((2, 6, 2, 8))      # 4 heads read 2
    >>> dot_product_attention(q, kv, kv, is_causal=True).shape
    (2, 3, 4, 8)
    """
    query, key, value = jnp.asarray(query), jnp.asarray(key), jnp.asarray(value)
    _check_qkv(_CALLER, query, key, value)
    if implementation == "cudnn":
        raise NotImplementedError(f"{_CALLER}: zenax has no cuDNN implementation; use "
                                  "implementation=None or 'xla'.")
    if implementation not in (None, "xla"):
        raise ValueError(f"Unsupported implementation option: {implementation}")
    if (implementation is None and bias is None and mask is None and not return_residual
            and query_seq_lengths is None and key_value_seq_lengths is None
            and local_window_size is None
            and flash_attention.flash_applies(query, key, is_causal=is_causal)):
        # Long sequences on the CPU: tiled, skipping the causal mask's upper triangle.
        return flash_attention.flash_attention(query, key, value, scale=scale,
                                               is_causal=is_causal)
    batch, t, s = tuple(query.shape[:-3]), query.shape[-3], key.shape[-3]
    q_lengths = _seq_lengths("query_seq_lengths", query_seq_lengths, batch)
    kv_lengths = _seq_lengths("key_value_seq_lengths", key_value_seq_lengths, batch)
    if isinstance(local_window_size, int):
        local_window_size = (local_window_size, local_window_size)
    extra_mask = _window_and_padding_mask(t, s, local_window_size, q_lengths, kv_lengths)
    logits = _masked_logits(query, key, bias, mask, scale, is_causal, _CALLER, extra_mask)
    out = attend(softmax(logits, axis=-1).astype(key.dtype), value)
    if q_lengths is not None:       # padded queries attend to nothing
        valid = _valid_positions(t, q_lengths)
        out = out * valid[..., None, None].astype(out.dtype)
    if not return_residual:
        return out
    residual = jnp.swapaxes(logsumexp(logits, axis=-1).astype(key.dtype), -1, -2)
    return out, lax.stop_gradient(residual)


def _seq_lengths(name: str, lengths, batch: tuple):
    """Sequence lengths as int32 of the batch's shape (``(1,)`` allowed unbatched)."""
    if lengths is None:
        return None
    lengths = jnp.asarray(lengths)
    if lengths.dtype != np.int32:
        raise ValueError(f"{name} dtype should be int32, but got {lengths.dtype}")
    if tuple(lengths.shape) != batch and not (batch == () and lengths.shape == (1,)):
        raise ValueError(f"{name} shape should be the batch shape {batch}: but got "
                         f"{tuple(lengths.shape)}")
    return jnp.reshape(lengths, batch)


def _window_and_padding_mask(t: int, s: int, window, q_lengths, kv_lengths):
    """The ``[..., 1, T, S]`` mask of the local window and of the sequence lengths."""
    window_mask = padding = None
    if window is not None:
        left, right = window
        window_mask = make_attention_mask(
            jnp.arange(t), jnp.arange(s), lambda q, k: (q <= k + left) & (q >= k - right))
    if q_lengths is not None or kv_lengths is not None:
        padding = make_attention_mask(_valid_positions(t, q_lengths),
                                      _valid_positions(s, kv_lengths))
    return combine_masks(window_mask, padding)


def _valid_positions(n: int, lengths):
    """``[..., n]``: whether each position is within its sequence's length."""
    return jnp.ones((n,), bool) if lengths is None else jnp.arange(n) < lengths[..., None]


# ## Masks (Flax's helpers, boolean so they plug into dot_product_attention)

def make_attention_mask(query_input, key_input,
                        pairwise_fn: Callable[[Any, Any], Any] = jnp.logical_and,
                        extra_batch_dims: int = 0, dtype=bool):
    """The ``[..., 1, T, S]`` mask ``pairwise_fn(query_input[..., t], key_input[..., s])``
    (as ``flax.linen.make_attention_mask``; boolean by default).

    For padding, pass the "is a real token" flags of the queries and keys:

    >>> valid = jnp.array([[True, True, False]])          # batch of 1, last token padding
    >>> make_attention_mask(valid, valid).shape
    (1, 1, 3, 3)
    """
    query_input, key_input = jnp.asarray(query_input), jnp.asarray(key_input)
    mask = pairwise_fn(jnp.expand_dims(query_input, -1), jnp.expand_dims(key_input, -2))
    mask = jnp.expand_dims(mask, -3)
    mask = jnp.expand_dims(mask, tuple(range(extra_batch_dims)))
    return mask.astype(dtype)


def make_causal_mask(x, extra_batch_dims: int = 0, dtype=bool):
    """The ``[..., 1, T, T]`` causal mask of a ``[..., T]`` array of tokens: position ``t``
    attends to positions ``<= t`` (as ``flax.linen.make_causal_mask``).

    >>> make_causal_mask(jnp.ones((1, 3)))[0, 0].astype(int)
    Array([[1, 0, 0],
           [1, 1, 0],
           [1, 1, 1]], dtype=int32)
    """
    positions = lax.broadcasted_iota(np.int32, tuple(jnp.shape(x)), jnp.ndim(x) - 1)
    return make_attention_mask(positions, positions, jnp.greater_equal,
                               extra_batch_dims=extra_batch_dims, dtype=dtype)


def combine_masks(*masks, dtype=bool):
    """The logical AND of the masks that are not ``None`` (``None`` if all are), as
    ``flax.linen.combine_masks``.

    >>> combine_masks(None, jnp.ones((1, 1, 2, 2), bool)).shape
    (1, 1, 2, 2)
    """
    masks = [jnp.asarray(m) for m in masks if m is not None]
    if not masks:
        return None
    mask = masks[0]
    for other in masks[1:]:
        mask = jnp.logical_and(mask, other)
    return mask.astype(dtype)


# ## Multi-head attention module

class KVCache(Module):
    """The keys and values of the positions decoded so far, for incremental decoding.

    ``key`` and ``value`` are ``[..., max_length, num_heads, head_size]`` buffers of fixed
    size (so a decode loop keeps one shape and compiles once); ``index`` (an int32 scalar)
    is the number of positions filled.  Build one with
    :meth:`MultiHeadAttention.init_cache`; every call with ``cache=`` returns the next one.
    """
    key: Any
    value: Any
    index: Any

    @property
    def max_length(self) -> int:
        return self.key.shape[-3]

    def write(self, k, v):
        """Store the new keys and values ``[..., T, heads, head_size]`` at ``index``;
        return the whole key and value buffers in ``k``'s dtype (a bfloat16 cache is read
        back into a float32 model's attention), and the next cache."""
        start = (0,) * (k.ndim - 3) + (self.index, 0, 0)
        key = lax.dynamic_update_slice(self.key, k.astype(self.key.dtype), start)
        value = lax.dynamic_update_slice(self.value, v.astype(self.value.dtype), start)
        return (key.astype(k.dtype), value.astype(k.dtype),
                KVCache(key, value, self.index + k.shape[-3]))


class MultiHeadAttention(Module):
    """Multi-head attention (Vaswani et al.): project queries, keys and values, attend per
    head with :func:`dot_product_attention`, project the heads back.

    ``mha(x)`` is self-attention; ``mha(x, context)`` attends from ``x [..., T, features]``
    to ``context [..., S, kv_features]`` (cross-attention).  ``mask`` (boolean, broadcast to
    ``[..., num_heads, T, S]``) and ``is_causal`` restrict which keys each query sees.
    ``dropout_rate`` drops attention weights while training (``key=`` needed then,
    ``training=False`` to evaluate).  The projections are :class:`Linear` layers
    ``query_proj``, ``key_proj``, ``value_proj``, ``output_proj``.

    **Incremental decoding.**  ``mha(x, cache=cache)`` writes the keys and values of the
    new positions ``x [..., T, features]`` into the cache at ``cache.index`` (with
    ``lax.dynamic_update_slice``), attends to every filled position, and returns ``(y,
    new_cache)``.  With ``is_causal=True`` new position ``index + t`` sees positions ``<=
    index + t``.  The cache holds ``max_length`` positions: writing past the end is not
    checked under ``jit`` (``dynamic_update_slice`` clamps), so size it for the whole
    sequence.

    >>> mha = MultiHeadAttention(num_heads=2, features=8, key=zenax.random.PRNGKey(0))
    >>> x = jnp.ones((3, 5, 8))                           # batch 3, length 5
    >>> mha(x, is_causal=True).shape
    (3, 5, 8)
    >>> cache = mha.init_cache((3,), max_length=16)
    >>> y, cache = mha(x, is_causal=True, cache=cache)    # prefill 5 positions
    >>> y, cache = mha(x[:, :1], is_causal=True, cache=cache)   # then one at a time
    >>> int(cache.index)
    6
    """
    query_proj: Linear
    key_proj: Linear
    value_proj: Linear
    output_proj: Linear
    dropout: Dropout
    num_heads: int = field(static=True)
    head_size: int = field(static=True)

    def __init__(self, num_heads: int, features: int, *, kv_features: int | None = None,
                 out_features: int | None = None, use_bias: bool = True,
                 dropout_rate: float = 0.0, key, dtype=np.float32,
                 kernel_init=initializers.lecun_normal(), bias_init=initializers.zeros):
        if features % num_heads:
            raise ValueError(f"MultiHeadAttention: features={features} must be a multiple of "
                             f"num_heads={num_heads} (each head gets features // num_heads).")
        kv_features = features if kv_features is None else kv_features
        out_features = features if out_features is None else out_features
        kq, kk, kv, ko = random.split(key, 4)
        linear = dict(use_bias=use_bias, dtype=dtype, kernel_init=kernel_init,
                      bias_init=bias_init)
        self.query_proj = Linear(features, features, key=kq, **linear)
        self.key_proj = Linear(kv_features, features, key=kk, **linear)
        self.value_proj = Linear(kv_features, features, key=kv, **linear)
        self.output_proj = Linear(features, out_features, key=ko, **linear)
        self.dropout = Dropout(dropout_rate)
        self.num_heads = num_heads
        self.head_size = features // num_heads

    def init_cache(self, batch_shape: tuple = (), max_length: int = 1024,
                   dtype=None) -> KVCache:
        """An empty :class:`KVCache` for inputs ``[*batch_shape, T, features]``.

        >>> mha = MultiHeadAttention(2, 8, key=zenax.random.PRNGKey(0))
        >>> mha.init_cache((2,), max_length=8).key.shape
        (2, 8, 2, 4)
        """
        if dtype is None:   # the projection's float dtype (also under LoRA, or quantized)
            dtype = next(p.dtype for p in tree_util.tree_leaves(self.query_proj)
                         if jnp.issubdtype(p.dtype, jnp.floating))
        shape = (*tuple(batch_shape), max_length, self.num_heads, self.head_size)
        return KVCache(jnp.zeros(shape, dtype), jnp.zeros(shape, dtype),
                       jnp.zeros((), np.int32))

    def _heads(self, x):
        return jnp.reshape(x, (*x.shape[:-1], self.num_heads, self.head_size))

    def __call__(self, x, context=None, *, mask=None, is_causal: bool = False,
                 cache: KVCache | None = None, key=None, training: bool = True):
        x = jnp.asarray(x)
        if context is None and self.key_proj.in_features != self.query_proj.in_features:
            raise ValueError(
                f"MultiHeadAttention: built for cross-attention (kv_features="
                f"{self.key_proj.in_features}, features={self.query_proj.in_features}), "
                "called without a context. Call mha(x, context), or build it without "
                "kv_features for self-attention.")
        context = x if context is None else jnp.asarray(context)
        q = self._heads(self.query_proj(x))
        k = self._heads(self.key_proj(context))
        v = self._heads(self.value_proj(context))
        if cache is not None:
            if context is not x:
                raise ValueError(
                    "MultiHeadAttention: cache= is for self-attention (incremental "
                    "decoding); received a context for cross-attention too. Call "
                    "mha(x, cache=cache) without context, or drop the cache.")
            k, v, cache, cache_mask = _update_cache(cache, k, v, is_causal)
            if mask is not None:
                logits_shape = (*q.shape[:-3], self.num_heads, q.shape[-3], cache.max_length)
                mask = jnp.logical_and(_check_mask("MultiHeadAttention", "mask",
                                                   jnp.asarray(mask), logits_shape),
                                       cache_mask)
            else:
                mask = cache_mask
            is_causal = False     # the cache mask already holds causality
        _check_qkv("MultiHeadAttention", q, k, v)
        weights = attention_weights(q, k, mask=mask, is_causal=is_causal,
                                    caller="MultiHeadAttention")
        weights = self.dropout(weights, key=key, training=training)
        y = self.output_proj(jnp.reshape(attend(weights, v), (*x.shape[:-1], -1)))
        return y if cache is None else (y, cache)


def _update_cache(cache: KVCache, k, v, is_causal: bool):
    """Write the new keys/values at ``cache.index``; return the whole buffers, the next
    cache, and the ``[..., 1, T, max_length]`` mask of the positions each query may see."""
    t, max_length = k.shape[-3], cache.max_length
    if t > max_length:
        raise ValueError(f"MultiHeadAttention: {t} new positions do not fit a KVCache of "
                         f"max_length={max_length}. Build a longer cache with "
                         "mha.init_cache(batch_shape, max_length=...).")
    if tuple(cache.key.shape[:-3]) != tuple(k.shape[:-3]) or \
            tuple(cache.key.shape[-2:]) != tuple(k.shape[-2:]):
        raise ValueError(
            f"MultiHeadAttention: the cache holds keys of shape {tuple(cache.key.shape)} "
            f"([*batch, max_length, heads, head_size]) but the input gives {tuple(k.shape)}. "
            "Build the cache with mha.init_cache(x.shape[:-2], max_length).")
    # The cache writes and reads itself: a KVCache, or models/kv_cache.py's int8 one.
    key, value, new_cache = cache.write(k, v)
    query_pos = cache.index + jnp.arange(t, dtype=np.int32)[:, None]
    key_pos = jnp.arange(max_length, dtype=np.int32)[None, :]
    visible = key_pos <= query_pos if is_causal else key_pos < cache.index + t
    return key, value, new_cache, visible[None]
