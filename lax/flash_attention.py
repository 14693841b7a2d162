"""Blocked (flash-style) attention: ``flash_attention``, a ``custom_vjp`` over two primitives.

``flash_attention_fwd_p`` computes the output and the per-row log-sum-exp ``lse`` of the
softmax; ``flash_attention_bwd_p`` computes ``(dq, dk, dv)`` from the inputs, the output,
``lse`` and the output's cotangent.  Their lowerings (``lax/flash_attention_blocks.py``)
walk ``block x block`` tiles with an online softmax, skip the tiles above the diagonal of
causal attention and never build the ``[T, S]`` score matrix; the backward pass saves only
``out`` and ``lse`` and recomputes each tile, as flash attention does.

Derivatives: the public function is a ``custom_vjp``, so reverse mode goes through ``bwd``
and forward mode of ``flash_attention`` is refused (as for a ``custom_vjp`` function in
JAX).  The primitives carry dense jvp rules (``lax/flash_attention_jvp.py``) for programs that
bind them directly or differentiate the backward pass again.  Both primitives batch by
folding the mapped axis into ``B``.
"""
from __future__ import annotations

import math

import jax
import numpy as np

from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, jvp_rules

from . import flash_attention_blocks as blocks
from . import flash_attention_jvp
from .broadcasting import batch_size, bdim_at_front, reshape
from .custom_derivatives import custom_vjp
from .registry import register, type_error

# --------------------------------------------------------------------------- forward
flash_attention_fwd_p = Primitive("flash_attention_fwd", multiple_results=True)


def _check_qkv(q, k, v) -> None:
    if q.ndim != 4 or k.shape != v.shape or k.ndim != 4 or q.shape[0] != k.shape[0] \
            or q.shape[3] != k.shape[3] or q.shape[2] % k.shape[2]:
        raise type_error(
            "flash_attention: query [B, T, N, H], key and value [B, S, K, H] with N a "
            f"multiple of K; received {q.shape}, {k.shape}, {v.shape}.")


def _fwd_abstract_eval(q, k, v, *, scale, is_causal, block):
    _check_qkv(q, k, v)
    b, t, n, _ = q.shape
    return [ShapedArray(q.shape, q.dtype), ShapedArray((b, k.shape[2], t * (n // k.shape[2])),
                                                        np.float32)]


def _fwd_lower(q, k, v, *, scale, is_causal, block):
    return list(blocks.flash_forward(q, k, v, scale=scale, is_causal=is_causal, block=block))


register(flash_attention_fwd_p, _fwd_abstract_eval, _fwd_lower)

# --------------------------------------------------------------------------- backward
flash_attention_bwd_p = Primitive("flash_attention_bwd", multiple_results=True)


def _bwd_abstract_eval(q, k, v, out, lse, d_out, *, scale, is_causal, block):
    _check_qkv(q, k, v)
    return [ShapedArray(x.shape, x.dtype) for x in (q, k, v)]


def _bwd_lower(q, k, v, out, lse, d_out, *, scale, is_causal, block):
    return list(blocks.flash_backward(q, k, v, out, lse, d_out, scale=scale,
                                      is_causal=is_causal, block=block))


register(flash_attention_bwd_p, _bwd_abstract_eval, _bwd_lower)


# --------------------------------------------------------------------------- batching
def _folded_batch(prim):
    """The batch rule of a primitive whose operands all lead with ``B``: move the mapped
    axis to the front, fold it into ``B``, unfold the results."""
    def rule(args, dims, **params):
        size = batch_size(args, dims)
        folded = []
        for x, d in zip(args, dims):
            x = bdim_at_front(x, d, size)
            shape = get_aval(x).shape
            folded.append(reshape(x, (size * shape[1], *shape[2:])))
        outs = bind(prim, *folded, **params)
        return ([reshape(o, (size, get_aval(o).shape[0] // size, *get_aval(o).shape[1:]))
                 for o in outs], [0] * len(outs))
    return rule


batch_rules[flash_attention_fwd_p] = _folded_batch(flash_attention_fwd_p)
batch_rules[flash_attention_bwd_p] = _folded_batch(flash_attention_bwd_p)
jvp_rules[flash_attention_fwd_p] = lambda primals, tangents, **params: (
    flash_attention_jvp.fwd_jvp(flash_attention_fwd_p, primals, tangents, **params))
jvp_rules[flash_attention_bwd_p] = lambda primals, tangents, **params: (
    flash_attention_jvp.bwd_jvp(flash_attention_bwd_p, primals, tangents, **params))


# =========================================================================== public API

def _blocks_for(t: int) -> tuple[int, int]:
    # (forward, backward) tile sizes, the fastest measured on a Zen 3 core for T = 1024 and
    # 4096 (bench/attention.py): small tiles keep the backward's five dots in cache.
    return (256 if t >= 2048 else 128), 128


def flash_attention(query, key, value, *, scale: float | None = None,
                    is_causal: bool = False, block_size: int | None = None):
    """Softmax attention ``softmax(q k^T * scale) v`` computed in tiles, for
    ``query [B, T, N, H]``, ``key``/``value [B, S, K, H]`` (``N`` a multiple of ``K``:
    grouped-query attention).  ``is_causal`` (which needs ``T == S``) lets position ``t``
    see keys ``<= t`` and skips the tiles above the diagonal.  Memory grows as ``T``: the
    ``[T, S]`` scores are never built, and the gradient recomputes them tile by tile from
    the saved output and log-sum-exp.  ``block_size`` fixes the tile size (default: the
    fastest measured).  Same values as ``jax.nn.dot_product_attention`` for these inputs.

    >>> q = jnp.ones((1, 300, 4, 16)); kv = jnp.ones((1, 300, 2, 16))
    >>> flash_attention(q, kv, kv, is_causal=True).shape
    (1, 300, 4, 16)
    """
    q, k, v = (get_aval(x) for x in (query, key, value))
    _check_qkv(q, k, v)
    if is_causal and q.shape[1] != k.shape[1]:
        raise ValueError(f"flash_attention: is_causal needs as many queries as keys; "
                         f"received T={q.shape[1]} and S={k.shape[1]}. Use "
                         "dot_product_attention(..., is_causal=True) for T != S.")
    scale = 1.0 / math.sqrt(q.shape[3]) if scale is None else float(scale)
    fwd_block, bwd_block = _blocks_for(q.shape[1]) if block_size is None else (block_size,) * 2
    return _flash(query, key, value, scale, bool(is_causal), fwd_block, bwd_block)


def _flash_impl(q, k, v, scale, is_causal, fwd_block, bwd_block):
    out, _ = bind(flash_attention_fwd_p, q, k, v, scale=scale, is_causal=is_causal,
                  block=fwd_block)
    return out


def _flash_fwd(q, k, v, scale, is_causal, fwd_block, bwd_block):
    out, lse = bind(flash_attention_fwd_p, q, k, v, scale=scale, is_causal=is_causal,
                    block=fwd_block)
    return out, (q, k, v, out, lse)


def _flash_bwd(scale, is_causal, fwd_block, bwd_block, res, d_out):
    return tuple(bind(flash_attention_bwd_p, *res, d_out, scale=scale, is_causal=is_causal,
                      block=bwd_block))


_flash = custom_vjp(_flash_impl, nondiff_argnums=(3, 4, 5, 6), jvp_by_transpose=False)
_flash.defvjp(_flash_fwd, _flash_bwd)


# Shortest sequence for which ``dot_product_attention`` takes the tiled path on the CPU:
# at T = 1024 it already ran ~2x faster than the dense XLA form (bench/attention.py).
MIN_FLASH_LENGTH = 1024


def flash_applies(query, key, *, is_causal: bool) -> bool:
    """Whether ``dot_product_attention`` should use :func:`flash_attention`: float32 on the
    CPU, ``[B, T, N, H]`` inputs, sequences of at least ``MIN_FLASH_LENGTH`` and, when
    causal, ``T == S`` (the caller has no bias, mask or lengths)."""
    q, k = get_aval(query), get_aval(key)
    return (jax.default_backend() == "cpu" and q.ndim == 4 and q.dtype == np.float32
            and k.dtype == np.float32 and max(q.shape[1], k.shape[1]) >= MIN_FLASH_LENGTH
            and (not is_causal or q.shape[1] == k.shape[1]))
