"""Transformer blocks and stacks: ``TransformerBlock`` (self-attention + MLP, pre-LN or
post-LN), ``DecoderBlock`` (adds cross-attention), ``TransformerEncoder``,
``TransformerDecoder`` and ``EncoderDecoder`` (as ``torch.nn.Transformer``: on embeddings,
not tokens).

**Pre-LN vs post-LN.**  The original Transformer (and BERT) normalise *after* each residual
add, ``x = norm(x + sublayer(x))``; GPT-2 and most later models normalise the sublayer's
*input*, ``x = x + sublayer(norm(x))``, and add one final norm after the stack (the stacks
here do when ``pre_norm=True``).  Dropout (rate ``dropout_rate``) hits the attention weights
and each sublayer's output before the residual add.

>>> import zenax, zenax.numpy as jnp
>>> enc = TransformerEncoder(2, features=16, num_heads=4, mlp_features=32,
...                          key=zenax.random.PRNGKey(0))
>>> enc(jnp.ones((3, 7, 16))).shape
(3, 7, 16)
"""
from __future__ import annotations

import json
import os
from typing import Any, Callable

import numpy as np

import zenax.lax.jnp as jnp
from zenax.lax import random
from zenax.tracer import tree_util
from zenax.tracer.tree_util import keystr
from zenax.transforms import eval_shape

from . import initializers
from .attention import KVCache, MultiHeadAttention
from .io import load_safetensors_dict
from .layers import MLP, Dropout, Linear
from .module import Module, field
from .nn import gelu, relu, silu
from .normalization import LayerNorm


def gelu_exact(x):
    """GELU with the exact erf: ``x * Phi(x)`` (Hugging Face's ``"gelu"``, BERT's)."""
    return gelu(x, approximate=False)


# Hugging Face's ``hidden_act`` / ``activation_function`` names.  "gelu_new" (GPT-2) is the
# tanh approximation, "gelu" (BERT) the exact erf form.
HF_ACTIVATIONS: dict[str, Callable] = {
    "gelu": gelu_exact, "gelu_new": gelu, "gelu_pytorch_tanh": gelu, "relu": relu,
    "silu": silu, "swish": silu,
}


def hf_activation(name: str) -> Callable:
    """The activation function a Hugging Face config names (``"gelu_new"`` -> tanh GELU).

    >>> hf_activation("gelu") is gelu_exact
    True
    """
    if name not in HF_ACTIVATIONS:
        raise ValueError(f"hf_activation: unknown activation {name!r}; known: "
                         f"{sorted(HF_ACTIVATIONS)}.")
    return HF_ACTIVATIONS[name]


def split_keys(key, n: int) -> list:
    """``n`` keys from ``key``, or ``n`` Nones when ``key`` is None (evaluation)."""
    return [None] * n if key is None else list(random.split(key, n))


def _mlp(features: int, mlp_features: int, activation: Callable, *, key, dtype,
         kernel_init, output_init) -> MLP:
    k_mlp, k_in, k_out = random.split(key, 3)
    mlp = MLP(features, [mlp_features], features, activation=activation, key=k_mlp,
              dtype=dtype)
    # MLP's Linears use the default init; transformers initialise their own way.
    return mlp.replace(layers=(
        Linear(features, mlp_features, key=k_in, dtype=dtype, kernel_init=kernel_init),
        Linear(mlp_features, features, key=k_out, dtype=dtype, kernel_init=output_init)))


def _attention(num_heads: int, features: int, *, kv_features=None, dropout_rate: float, key,
               dtype, kernel_init, output_init) -> MultiHeadAttention:
    k_attn, k_out = random.split(key)
    attn = MultiHeadAttention(num_heads, features, kv_features=kv_features,
                              dropout_rate=dropout_rate, key=k_attn, dtype=dtype,
                              kernel_init=kernel_init)
    return attn.replace(output_proj=Linear(features, features, key=k_out, dtype=dtype,
                                           kernel_init=output_init))


class TransformerBlock(Module):
    """Self-attention then an MLP, each with a residual connection and a LayerNorm.

    ``pre_norm=True``: ``x + attn(ln(x))`` (GPT-2); ``False``: ``ln(x + attn(x))`` (BERT,
    the original Transformer).  ``causal=True`` masks future positions (decoder-only
    models).  ``kernel_init`` initialises the projections; ``output_init`` (default:
    ``kernel_init``) the two that write into the residual stream (GPT-2 scales them down).

    With ``cache=`` (a :class:`KVCache` from :meth:`init_cache`) the block decodes
    incrementally and returns ``(y, new_cache)``.

    >>> block = TransformerBlock(16, 4, 64, causal=True, key=zenax.random.PRNGKey(0))
    >>> block(jnp.ones((2, 5, 16))).shape
    (2, 5, 16)
    """
    attention: MultiHeadAttention
    attention_norm: LayerNorm
    mlp: MLP
    mlp_norm: LayerNorm
    dropout: Dropout
    pre_norm: bool = field(static=True)
    causal: bool = field(static=True)

    def __init__(self, features: int, num_heads: int, mlp_features: int, *,
                 pre_norm: bool = True, causal: bool = False, dropout_rate: float = 0.0,
                 activation: Callable = gelu, eps: float = 1e-5, key, dtype=np.float32,
                 kernel_init=initializers.lecun_normal(), output_init=None):
        output_init = kernel_init if output_init is None else output_init
        k_attn, k_mlp = random.split(key)
        self.attention = _attention(num_heads, features, dropout_rate=dropout_rate,
                                    key=k_attn, dtype=dtype, kernel_init=kernel_init,
                                    output_init=output_init)
        self.attention_norm = LayerNorm(features, eps, dtype=dtype)
        self.mlp = _mlp(features, mlp_features, activation, key=k_mlp, dtype=dtype,
                        kernel_init=kernel_init, output_init=output_init)
        self.mlp_norm = LayerNorm(features, eps, dtype=dtype)
        self.dropout = Dropout(dropout_rate)
        self.pre_norm = pre_norm
        self.causal = causal

    def init_cache(self, batch_shape: tuple = (), max_length: int = 1024) -> KVCache:
        """An empty key/value cache for incremental decoding (see MultiHeadAttention)."""
        return self.attention.init_cache(batch_shape, max_length)

    def __call__(self, x, *, mask=None, cache: KVCache | None = None, key=None,
                 training: bool = True):
        k_attn, k_drop1, k_drop2 = split_keys(key, 3)
        h = self.attention_norm(x) if self.pre_norm else x
        h = self.attention(h, mask=mask, is_causal=self.causal, cache=cache, key=k_attn,
                           training=training)
        if cache is not None:
            h, cache = h
        x = _residual(self.pre_norm, self.attention_norm, x,
                      self.dropout(h, key=k_drop1, training=training))
        h = self.mlp(self.mlp_norm(x) if self.pre_norm else x)
        x = _residual(self.pre_norm, self.mlp_norm, x,
                      self.dropout(h, key=k_drop2, training=training))
        return x if cache is None else (x, cache)


def _residual(pre_norm: bool, norm: LayerNorm, x, h):
    return x + h if pre_norm else norm(x + h)


class DecoderBlock(Module):
    """Causal self-attention, cross-attention to an encoder's output (``memory``), then an
    MLP; residuals and LayerNorms as :class:`TransformerBlock` (``pre_norm``).

    >>> block = DecoderBlock(16, 4, 64, key=zenax.random.PRNGKey(0))
    >>> block(jnp.ones((2, 5, 16)), memory=jnp.ones((2, 9, 16))).shape
    (2, 5, 16)
    """
    self_attention: MultiHeadAttention
    self_attention_norm: LayerNorm
    cross_attention: MultiHeadAttention
    cross_attention_norm: LayerNorm
    mlp: MLP
    mlp_norm: LayerNorm
    dropout: Dropout
    pre_norm: bool = field(static=True)

    def __init__(self, features: int, num_heads: int, mlp_features: int, *,
                 memory_features: int | None = None, pre_norm: bool = True,
                 dropout_rate: float = 0.0, activation: Callable = gelu, eps: float = 1e-5,
                 key, dtype=np.float32, kernel_init=initializers.lecun_normal(),
                 output_init=None):
        output_init = kernel_init if output_init is None else output_init
        k_self, k_cross, k_mlp = random.split(key, 3)
        attn = dict(dropout_rate=dropout_rate, dtype=dtype, kernel_init=kernel_init,
                    output_init=output_init)
        self.self_attention = _attention(num_heads, features, key=k_self, **attn)
        self.self_attention_norm = LayerNorm(features, eps, dtype=dtype)
        self.cross_attention = _attention(num_heads, features, kv_features=memory_features,
                                          key=k_cross, **attn)
        self.cross_attention_norm = LayerNorm(features, eps, dtype=dtype)
        self.mlp = _mlp(features, mlp_features, activation, key=k_mlp, dtype=dtype,
                        kernel_init=kernel_init, output_init=output_init)
        self.mlp_norm = LayerNorm(features, eps, dtype=dtype)
        self.dropout = Dropout(dropout_rate)
        self.pre_norm = pre_norm

    def __call__(self, x, memory, *, mask=None, memory_mask=None, key=None,
                 training: bool = True):
        keys = split_keys(key, 6)
        h = self.self_attention_norm(x) if self.pre_norm else x
        h = self.self_attention(h, mask=mask, is_causal=True, key=keys[0], training=training)
        x = _residual(self.pre_norm, self.self_attention_norm, x,
                      self.dropout(h, key=keys[1], training=training))
        h = self.cross_attention_norm(x) if self.pre_norm else x
        h = self.cross_attention(h, memory, mask=memory_mask, key=keys[2], training=training)
        x = _residual(self.pre_norm, self.cross_attention_norm, x,
                      self.dropout(h, key=keys[3], training=training))
        h = self.mlp(self.mlp_norm(x) if self.pre_norm else x)
        return _residual(self.pre_norm, self.mlp_norm, x,
                         self.dropout(h, key=keys[4], training=training))


class TransformerEncoder(Module):
    """``num_layers`` :class:`TransformerBlock` s, plus a final LayerNorm when
    ``pre_norm`` (``final_norm`` is None for post-LN stacks).  ``mask`` (boolean, e.g.
    from ``make_attention_mask`` for padding) is passed to every block.

    >>> enc = TransformerEncoder(2, 16, 4, 32, pre_norm=False, key=zenax.random.PRNGKey(0))
    >>> enc(jnp.ones((7, 16))).shape
    (7, 16)
    """
    blocks: tuple
    final_norm: LayerNorm | None

    def __init__(self, num_layers: int, features: int, num_heads: int, mlp_features: int, *,
                 pre_norm: bool = True, causal: bool = False, dropout_rate: float = 0.0,
                 activation: Callable = gelu, eps: float = 1e-5, key, dtype=np.float32,
                 kernel_init=initializers.lecun_normal(), output_init=None):
        self.blocks = tuple(
            TransformerBlock(features, num_heads, mlp_features, pre_norm=pre_norm,
                             causal=causal, dropout_rate=dropout_rate, activation=activation,
                             eps=eps, key=k, dtype=dtype, kernel_init=kernel_init,
                             output_init=output_init)
            for k in random.split(key, num_layers))
        self.final_norm = LayerNorm(features, eps, dtype=dtype) if pre_norm else None

    def __call__(self, x, *, mask=None, key=None, training: bool = True):
        for block, k in zip(self.blocks, split_keys(key, len(self.blocks))):
            x = block(x, mask=mask, key=k, training=training)
        return x if self.final_norm is None else self.final_norm(x)


class TransformerDecoder(Module):
    """``num_layers`` :class:`DecoderBlock` s attending to ``memory``, plus a final
    LayerNorm when ``pre_norm``.

    >>> dec = TransformerDecoder(2, 16, 4, 32, key=zenax.random.PRNGKey(0))
    >>> dec(jnp.ones((5, 16)), memory=jnp.ones((9, 16))).shape
    (5, 16)
    """
    blocks: tuple
    final_norm: LayerNorm | None

    def __init__(self, num_layers: int, features: int, num_heads: int, mlp_features: int, *,
                 memory_features: int | None = None, pre_norm: bool = True,
                 dropout_rate: float = 0.0, activation: Callable = gelu, eps: float = 1e-5,
                 key, dtype=np.float32, kernel_init=initializers.lecun_normal(),
                 output_init=None):
        self.blocks = tuple(
            DecoderBlock(features, num_heads, mlp_features, memory_features=memory_features,
                         pre_norm=pre_norm, dropout_rate=dropout_rate, activation=activation,
                         eps=eps, key=k, dtype=dtype, kernel_init=kernel_init,
                         output_init=output_init)
            for k in random.split(key, num_layers))
        self.final_norm = LayerNorm(features, eps, dtype=dtype) if pre_norm else None

    def __call__(self, x, memory, *, mask=None, memory_mask=None, key=None,
                 training: bool = True):
        for block, k in zip(self.blocks, split_keys(key, len(self.blocks))):
            x = block(x, memory, mask=mask, memory_mask=memory_mask, key=k,
                      training=training)
        return x if self.final_norm is None else self.final_norm(x)


class EncoderDecoder(Module):
    """An encoder-decoder Transformer on embeddings (as ``torch.nn.Transformer``):
    ``model(src [..., S, d], tgt [..., T, d]) -> [..., T, d]``.

    ``src_mask`` restricts the encoder's self-attention (``[..., 1, S, S]``),
    ``tgt_mask`` the decoder's (on top of its causal mask), ``memory_mask`` the
    cross-attention (``[..., 1, T, S]``, e.g. ``make_attention_mask(tgt_valid,
    src_valid)`` to skip source padding).

    >>> model = EncoderDecoder(2, 2, 16, 4, 32, key=zenax.random.PRNGKey(0))
    >>> model(jnp.ones((3, 9, 16)), jnp.ones((3, 5, 16))).shape
    (3, 5, 16)
    """
    encoder: TransformerEncoder
    decoder: TransformerDecoder

    def __init__(self, num_encoder_layers: int, num_decoder_layers: int, features: int,
                 num_heads: int, mlp_features: int, *, pre_norm: bool = True,
                 dropout_rate: float = 0.0, activation: Callable = gelu, eps: float = 1e-5,
                 key, dtype=np.float32, kernel_init=initializers.lecun_normal()):
        k_enc, k_dec = random.split(key)
        common = dict(pre_norm=pre_norm, dropout_rate=dropout_rate, activation=activation,
                      eps=eps, dtype=dtype, kernel_init=kernel_init)
        self.encoder = TransformerEncoder(num_encoder_layers, features, num_heads,
                                          mlp_features, key=k_enc, **common)
        self.decoder = TransformerDecoder(num_decoder_layers, features, num_heads,
                                          mlp_features, key=k_dec, **common)

    def encode(self, src, *, src_mask=None, key=None, training: bool = True):
        """The encoder's output (the decoder's ``memory``)."""
        return self.encoder(src, mask=src_mask, key=key, training=training)

    def decode(self, tgt, memory, *, tgt_mask=None, memory_mask=None, key=None,
               training: bool = True):
        """The decoder's output given the encoder's ``memory``."""
        return self.decoder(tgt, memory, mask=tgt_mask, memory_mask=memory_mask, key=key,
                            training=training)

    def __call__(self, src, tgt, *, src_mask=None, tgt_mask=None, memory_mask=None,
                 key=None, training: bool = True):
        k_enc, k_dec = split_keys(key, 2)
        memory = self.encode(src, src_mask=src_mask, key=k_enc, training=training)
        return self.decode(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           key=k_dec, training=training)


# ## Loading Hugging Face state dicts (used by gpt.py and bert.py)

class HFStateDict:
    """A Hugging Face state dict being consumed: :meth:`take` pops a tensor by its HF name
    (as a NumPy array), :meth:`finish` rejects names nobody took.  Errors name the loader
    (``caller``) and the key."""

    def __init__(self, state_dict, caller: str, prefix: str = ""):
        if not hasattr(state_dict, "items"):
            raise TypeError(f"{caller}: state_dict must be a mapping from Hugging Face "
                            f"names to arrays, got {type(state_dict).__name__}.")
        self.caller = caller
        self.prefix = prefix
        self.arrays = dict(state_dict.items())

    def scoped(self, prefix: str) -> "HFStateDict":
        """A view of the same (shared, consumed) dict whose names start with ``prefix``."""
        view = HFStateDict({}, self.caller, prefix)
        view.arrays = self.arrays
        return view

    def has(self, name: str) -> bool:
        return self.prefix + name in self.arrays

    def take(self, name: str) -> np.ndarray:
        full = self.prefix + name
        if full not in self.arrays:
            raise KeyError(f"{self.caller}: the state dict has no {full!r}; it has "
                           f"{_some_names(self.arrays)}. Is it a checkpoint of the right "
                           "architecture, with the config it was saved with?")
        return np.asarray(self.arrays.pop(full))

    def finish(self, ignored: Callable[[str], bool] = lambda name: False) -> None:
        left = [n for n in self.arrays if not ignored(n)]
        if left:
            raise ValueError(f"{self.caller}: the state dict has weights this model does not "
                             f"use: {_some_names(left)}. Check the config (number of layers, "
                             "heads) matches the checkpoint.")


def _some_names(names, limit: int = 8) -> str:
    names = sorted(names)
    more = f" ... ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(repr(n) for n in names[:limit]) + more


def fill_module(build: Callable[[], Module], arrays: dict[str, Any], caller: str) -> Module:
    """The module ``build()`` would make, with every leaf taken from ``arrays`` (keyed by
    the leaf's path, as ``tree_util.keystr`` writes it: ``'.blocks[0].mlp_norm.weight'``).

    ``build`` is only traced (``eval_shape``), so no random weights are drawn; each array is
    checked against the leaf's shape and converted to its dtype.
    """
    template = eval_shape(build)

    def fill(path, leaf):
        name = keystr(path)
        if name not in arrays:
            raise ValueError(f"{caller}: no weight given for the model's {name}.")
        value = np.asarray(arrays[name])
        if value.shape != tuple(leaf.shape):
            raise ValueError(f"{caller}: the weight for {name} has shape {value.shape}, the "
                             f"model expects {tuple(leaf.shape)}. Does the config match the "
                             "checkpoint?")
        return jnp.asarray(value, dtype=leaf.dtype)

    return tree_util.tree_map_with_path(fill, template)


def read_hf_checkpoint(path: str | os.PathLike, caller: str) -> tuple[dict, dict]:
    """``(state_dict, config)`` of a local Hugging Face checkpoint: a directory (or its
    ``model.safetensors``) holding ``config.json`` and ``model.safetensors`` -- or, for a
    large model, ``model.safetensors.index.json`` and its shards -- as
    ``save_pretrained(..., safe_serialization=True)`` writes."""
    path = os.fspath(path)
    directory = os.path.dirname(path) if path.endswith(".safetensors") else path
    config_path = os.path.join(directory, "config.json")
    weights_path = os.path.join(directory, "model.safetensors.index.json")
    if not os.path.isfile(weights_path):
        weights_path = os.path.join(directory, "model.safetensors")
    for needed in (config_path, weights_path):
        if not os.path.isfile(needed):
            raise FileNotFoundError(f"{caller}: {needed} does not exist; expected a directory "
                                    "with config.json and model.safetensors (or "
                                    "model.safetensors.index.json with its shards), as "
                                    "save_pretrained(..., safe_serialization=True) writes.")
    with open(config_path) as f:
        config = json.load(f)
    return load_safetensors_dict(weights_path), config
