"""The zenax GPT (``zenax.models.gpt``) written again directly in JAX and in PyTorch, so the
GPT benchmarks run one architecture on the same parameter values in every library.

``jax_params(model)`` reads the weights out of a zenax ``GPT`` into a plain dict (JAX's
pytree of choice); ``jax_loss`` is GPT-2 in ``jax.numpy`` the way a JAX user writes it
(``wte[tokens]``, ``jax.nn.softmax``, optax's cross-entropy).  ``torch_params`` /
``torch_loss`` are the same in PyTorch (``F.scaled_dot_product_attention``).
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jjnp
import numpy as np
import optax

from bench._machine import torch_or_none

# jax.nn's masked-logit value (finite, so a fully masked row stays a uniform softmax).
_MASKED = -0.7 * float(np.finfo(np.float32).max)


def jax_params(model) -> dict:
    """The weights of a zenax ``GPT`` as a dict of ``jax.Array``s (shared, not copied)."""
    def dense(layer):
        return {"w": layer.weight, "b": layer.bias}
    return {
        "wte": model.wte.weight, "wpe": model.wpe.weight, "ln_f": dense(model.ln_f),
        "blocks": [{"ln1": dense(b.attention_norm), "q": dense(b.attention.query_proj),
                    "k": dense(b.attention.key_proj), "v": dense(b.attention.value_proj),
                    "o": dense(b.attention.output_proj), "ln2": dense(b.mlp_norm),
                    "fc": dense(b.mlp.layers[0]), "proj": dense(b.mlp.layers[1])}
                   for b in model.blocks],
    }


def _layer_norm(p, x, eps: float = 1e-5):
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + eps) * p["w"] + p["b"]


def _dense(p, x):
    return x @ p["w"] + p["b"]


def jax_logits(params: dict, tokens, n_head: int):
    b, t = tokens.shape
    x = params["wte"][tokens] + params["wpe"][:t]
    d = x.shape[-1]
    h = d // n_head
    causal = jjnp.tril(jjnp.ones((t, t), bool))
    for blk in params["blocks"]:
        y = _layer_norm(blk["ln1"], x)
        q, k, v = (_dense(blk[name], y).reshape(b, t, n_head, h) for name in "qkv")
        logits = jjnp.einsum("btnh,bsnh->bnts", q, k) / math.sqrt(h)
        weights = jax.nn.softmax(jjnp.where(causal, logits, _MASKED), axis=-1)
        attended = jjnp.einsum("bnts,bsnh->btnh", weights, v).reshape(b, t, d)
        x = x + _dense(blk["o"], attended)
        y = jax.nn.gelu(_dense(blk["fc"], _layer_norm(blk["ln2"], x)), approximate=True)
        x = x + _dense(blk["proj"], y)
    return _layer_norm(params["ln_f"], x) @ params["wte"].T


def jax_loss(params: dict, tokens, n_head: int):
    """Mean next-token cross-entropy of ``tokens [B, T + 1]`` (as ``zenax.models.gpt.loss``)."""
    logits = jax_logits(params, tokens[:, :-1], n_head)
    return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean()


def torch_params(params: dict) -> dict:
    """``jax_params``'s dict as leaf torch tensors that require grad (copies)."""
    torch = torch_or_none()
    return jax.tree_util.tree_map(
        lambda a: torch.tensor(np.asarray(a)).requires_grad_(True), params)


def torch_loss(params: dict, tokens, n_head: int):
    torch = torch_or_none()
    F = torch.nn.functional
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    b, t = inputs.shape
    x = params["wte"][inputs] + params["wpe"][:t]
    d = x.shape[-1]

    def ln(p, x):
        return F.layer_norm(x, (d,), p["w"], p["b"], eps=1e-5)

    def dense(p, x):
        return x @ p["w"] + p["b"]
    for blk in params["blocks"]:
        y = ln(blk["ln1"], x)
        q, k, v = (dense(blk[name], y).view(b, t, n_head, d // n_head).transpose(1, 2)
                   for name in "qkv")
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + dense(blk["o"], attended.transpose(1, 2).reshape(b, t, d))
        x = x + dense(blk["proj"], F.gelu(dense(blk["fc"], ln(blk["ln2"], x)),
                                          approximate="tanh"))
    logits = ln(params["ln_f"], x) @ params["wte"].T
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
