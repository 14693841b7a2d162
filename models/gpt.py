"""GPT (GPT-2's architecture): token + learned position embeddings, pre-LN causal
Transformer blocks, a final LayerNorm and an LM head tied to the token embedding.

``loss`` is the next-token cross-entropy; ``generate`` samples with a key/value cache in
one compiled ``lax.scan``; ``from_hf_gpt2`` / ``load_gpt2`` read Hugging Face GPT-2
checkpoints.

>>> import zenax, zenax.numpy as jnp
>>> config = GPTConfig(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=4)
>>> model = GPT(config, key=zenax.random.PRNGKey(0))
>>> tokens = jnp.array([[1, 2, 3, 4]])
>>> model(tokens).shape                                   # logits
(1, 4, 50)
>>> generate(model, tokens, 5, key=zenax.random.PRNGKey(1), top_k=1).shape
(1, 9)
"""
from __future__ import annotations

import dataclasses
import functools
import math
import os
from typing import Any, Mapping

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax import random
from zenax.lax.quantized_matmul import QuantizedArray
from zenax.transforms import jit

from . import initializers
from .attention import KVCache
from .kv_cache import QuantizedKVCache, init_kv_cache, kv_cache_dtype
from .layers import Dropout, Embedding
from .module import Module, field
from .losses import softmax_cross_entropy_with_integer_labels
from .normalization import LayerNorm
from .transformer import (HFStateDict, TransformerBlock, fill_module, hf_activation,
                          read_hf_checkpoint, split_keys)


@dataclasses.dataclass(frozen=True)
class GPTConfig:
    """GPT hyperparameters, under the names of Hugging Face's ``GPT2Config``.

    ``n_inner`` (MLP width) defaults to ``4 * n_embd``; ``dropout`` is used for the
    embeddings, attention weights and residual branches (HF's ``embd_pdrop``,
    ``attn_pdrop``, ``resid_pdrop``); ``initializer_range`` is the weights' std.
    """
    vocab_size: int = 50257
    n_positions: int = 1024
    n_embd: int = 768
    n_layer: int = 12
    n_head: int = 12
    n_inner: int | None = None
    activation_function: str = "gelu_new"
    layer_norm_epsilon: float = 1e-5
    dropout: float = 0.0
    initializer_range: float = 0.02

    @classmethod
    def from_hf(cls, config: Mapping[str, Any]) -> "GPTConfig":
        """The config of a Hugging Face ``config.json`` (a dict); other keys are ignored.

        >>> GPTConfig.from_hf({"n_embd": 64, "n_layer": 2, "resid_pdrop": 0.1}).dropout
        0.1
        """
        names = {f.name for f in dataclasses.fields(cls)} - {"dropout"}
        values = {k: v for k, v in config.items() if k in names}
        if "resid_pdrop" in config:
            values["dropout"] = config["resid_pdrop"]
        return cls(**values)


class GPT(Module):
    """A GPT-2-style decoder-only language model: ``model(tokens [..., T]) -> logits
    [..., T, vocab_size]``.

    Fields follow GPT-2: ``wte`` (token embedding, also the LM head: logits are ``h @
    wte.weight.T``), ``wpe`` (positions), ``blocks`` (pre-LN, causal), ``ln_f``.  Weights
    start as GPT-2's: N(0, 0.02), with the residual-stream output projections scaled by
    ``1 / sqrt(2 * n_layer)``.

    With ``cache=`` (from :meth:`init_cache`) the model decodes incrementally, positions
    continuing from the cache's, and returns ``(logits, new_cache)``.
    """
    wte: Embedding
    wpe: Embedding
    blocks: tuple
    ln_f: LayerNorm
    dropout: Dropout
    config: GPTConfig = field(static=True)

    def __init__(self, config: GPTConfig, *, key, dtype=np.float32):
        if config.n_embd % config.n_head:
            raise ValueError(f"GPT: n_embd={config.n_embd} must be a multiple of "
                             f"n_head={config.n_head}.")
        k_wte, k_wpe, *k_blocks = random.split(key, 2 + config.n_layer)
        init = initializers.normal(config.initializer_range)
        self.wte = Embedding(config.vocab_size, config.n_embd, key=k_wte, dtype=dtype,
                             embedding_init=init)
        self.wpe = Embedding(config.n_positions, config.n_embd, key=k_wpe, dtype=dtype,
                             embedding_init=init)
        self.blocks = tuple(
            TransformerBlock(
                config.n_embd, config.n_head, config.n_inner or 4 * config.n_embd,
                pre_norm=True, causal=True, dropout_rate=config.dropout,
                activation=hf_activation(config.activation_function),
                eps=config.layer_norm_epsilon, key=k, dtype=dtype, kernel_init=init,
                output_init=initializers.normal(
                    config.initializer_range / math.sqrt(2 * config.n_layer)))
            for k in k_blocks)
        self.ln_f = LayerNorm(config.n_embd, config.layer_norm_epsilon, dtype=dtype)
        self.dropout = Dropout(config.dropout)
        self.config = config

    def init_cache(self, batch_shape: tuple = (), max_length: int | None = None,
                   cache_dtype: Any = None) -> tuple[KVCache | QuantizedKVCache, ...]:
        """Empty key/value caches (one per block) for ``[*batch_shape, T]`` tokens;
        ``max_length`` defaults to ``n_positions``.  ``cache_dtype`` is what the cache
        stores: the model's float dtype by default, ``"bfloat16"``, or ``"int8"`` (codes
        with one scale per head and position, see ``models/kv_cache.py``); attention
        reads it back in the model's dtype.

        >>> config = GPTConfig(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=4)
        >>> model = GPT(config, key=zenax.random.PRNGKey(0))
        >>> model.init_cache((1,), 8, cache_dtype="int8")[0].key.shape
        (1, 8, 4, 8)
        """
        max_length = self.config.n_positions if max_length is None else max_length
        if max_length > self.config.n_positions:
            raise ValueError(f"GPT.init_cache: max_length={max_length} exceeds the model's "
                             f"n_positions={self.config.n_positions}.")
        # wte's dtype is the activations' dtype (a QuantizedArray reports its scales').
        dtype = self.wte.weight.dtype
        cache_dtype = dtype if cache_dtype is None else kv_cache_dtype(cache_dtype,
                                                                       "GPT.init_cache")
        return tuple(init_kv_cache(batch_shape, max_length,
                                   num_heads=block.attention.num_heads,
                                   head_size=block.attention.head_size,
                                   cache_dtype=cache_dtype, dtype=dtype)
                     for block in self.blocks)

    def __call__(self, tokens, *, cache: tuple[KVCache | QuantizedKVCache, ...] | None = None,
                 key=None, training: bool = True):
        tokens = jnp.asarray(tokens)
        if tokens.ndim == 0 or not jnp.issubdtype(tokens.dtype, jnp.integer):
            raise TypeError(f"GPT: tokens must be an integer array [..., T], got "
                            f"{tokens.dtype}{list(tokens.shape)}.")
        t = tokens.shape[-1]
        if t > self.config.n_positions:
            raise ValueError(f"GPT: {t} tokens exceed the model's n_positions="
                             f"{self.config.n_positions}; crop the input to the last "
                             f"{self.config.n_positions} tokens.")
        if isinstance(self.wpe.weight, QuantizedArray):    # zenax.quantize'd: look rows up
            start = 0 if cache is None else cache[0].index
            positions = self.wpe(start + jnp.arange(t))
        elif cache is None:
            positions = self.wpe.weight[:t]
        else:
            positions = lax.dynamic_slice_in_dim(self.wpe.weight, cache[0].index, t)
        k_drop, *k_blocks = split_keys(key, 1 + len(self.blocks))
        x = self.dropout(self.wte(tokens) + positions, key=k_drop, training=training)
        new_cache = []
        for i, (block, k) in enumerate(zip(self.blocks, k_blocks)):
            if cache is None:
                x = block(x, key=k, training=training)
            else:
                x, block_cache = block(x, cache=cache[i], key=k, training=training)
                new_cache.append(block_cache)
        logits = self.wte.attend(self.ln_f(x))
        return logits if cache is None else (logits, tuple(new_cache))


def loss(model: GPT, tokens, *, key=None, training: bool = True):
    """Mean next-token cross-entropy: predict ``tokens[..., 1:]`` from ``tokens[..., :-1]``.

    >>> config = GPTConfig(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=4)
    >>> model = GPT(config, key=zenax.random.PRNGKey(0))
    >>> loss(model, jnp.array([[1, 2, 3, 4]]), training=False).shape
    ()
    """
    tokens = jnp.asarray(tokens)
    if tokens.ndim == 0 or tokens.shape[-1] < 2:
        raise ValueError(f"gpt.loss: tokens must be [..., T] with T >= 2 (inputs and "
                         f"next-token targets), got shape {tuple(tokens.shape)}.")
    logits = model(tokens[..., :-1], key=key, training=training)
    return jnp.mean(softmax_cross_entropy_with_integer_labels(logits, tokens[..., 1:]))


def generate(model: GPT, prompt, steps: int, *, key, temperature: float = 1.0,
             top_k: int | None = None, cache_dtype: Any = None):
    """Sample ``steps`` tokens after ``prompt [..., T]``; returns ``[..., T + steps]``.

    Each step samples from ``softmax(logits / temperature)`` restricted to the ``top_k``
    most likely tokens (``top_k=1`` is greedy decoding: the argmax).  The prompt is run
    once to fill the key/value caches, then one token per step inside a compiled
    ``lax.scan`` (one compilation per prompt shape, ``steps``, ``top_k`` and
    ``cache_dtype``).  ``cache_dtype`` is what the caches store (see
    :meth:`GPT.init_cache`): the model's dtype by default, ``"bfloat16"`` or ``"int8"``
    to hold half or about a quarter of the bytes.  Dropout is off.

    >>> config = GPTConfig(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=4)
    >>> model = GPT(config, key=zenax.random.PRNGKey(0))
    >>> generate(model, jnp.array([1, 2]), 3, key=zenax.random.PRNGKey(0), top_k=1).shape
    (5,)
    """
    prompt = jnp.asarray(prompt)
    if prompt.ndim == 0 or not jnp.issubdtype(prompt.dtype, jnp.integer) or \
            prompt.shape[-1] == 0:
        raise TypeError(f"generate: prompt must be a non-empty integer array [..., T], got "
                        f"{prompt.dtype}{list(prompt.shape)}.")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"generate: steps must be a positive int, got {steps!r}.")
    total = prompt.shape[-1] + steps
    if total > model.config.n_positions:
        raise ValueError(f"generate: prompt length {prompt.shape[-1]} + steps {steps} = "
                         f"{total} exceeds the model's n_positions="
                         f"{model.config.n_positions}. Shorten the prompt or the steps.")
    if top_k is not None and not (isinstance(top_k, int) and 1 <= top_k <= model.config.vocab_size):
        raise ValueError(f"generate: top_k must be None or an int in [1, vocab_size="
                         f"{model.config.vocab_size}], got {top_k!r}.")
    if isinstance(temperature, (int, float)) and temperature <= 0:
        raise ValueError(f"generate: temperature must be > 0, got {temperature!r}; for "
                         "greedy decoding use top_k=1.")
    if cache_dtype is not None:
        cache_dtype = kv_cache_dtype(cache_dtype, "generate")
    return _generate(model, prompt, key, temperature, steps=steps, top_k=top_k,
                     cache_dtype=cache_dtype)


@functools.partial(jit, static_argnames=("steps", "top_k", "cache_dtype"))
def _generate(model: GPT, prompt, key, temperature, *, steps: int, top_k: int | None,
              cache_dtype: np.dtype | None):
    cache = model.init_cache(prompt.shape[:-1], prompt.shape[-1] + steps, cache_dtype)
    logits, cache = model(prompt, cache=cache, training=False)

    # Each step samples a token from the last logits and feeds it back; the last step's
    # forward pass is not needed but keeps the loop body uniform.
    def step(carry, step_key):
        logits, cache = carry
        token = _sample(step_key, logits, temperature, top_k)
        logits, cache = model(token[..., None], cache=cache, training=False)
        return (logits[..., -1, :], cache), token

    _, tokens = lax.scan(step, (logits[..., -1, :], cache), random.split(key, steps))
    return jnp.concatenate([prompt, jnp.moveaxis(tokens, 0, -1).astype(prompt.dtype)], -1)


def _sample(key, logits, temperature, top_k: int | None):
    if top_k == 1:     # greedy: no need to draw
        return jnp.argmax(logits, axis=-1)
    if top_k is not None:
        kth_largest = lax.top_k(logits, top_k)[0][..., -1:]
        logits = jnp.where(logits < kth_largest, -jnp.inf, logits)
    return random.categorical(key, logits / temperature, axis=-1)


# ## Hugging Face GPT-2 checkpoints

def from_hf_gpt2(state_dict: Mapping[str, Any], config: GPTConfig | Mapping[str, Any]) -> GPT:
    """A :class:`GPT` holding the weights of a Hugging Face GPT-2 state dict.

    Keys are HF's (``transformer.wte.weight``, ``transformer.h.0.attn.c_attn.weight``, ...;
    the ``transformer.`` prefix is optional, as in the original ``gpt2`` checkpoints).
    GPT-2's ``Conv1D`` weights are stored ``[in, out]`` like our ``Linear``;
    ``c_attn`` is split into the query, key and value projections.  ``lm_head.weight``,
    if present, must be the tied token embedding.  ``config`` is a :class:`GPTConfig` or
    the dict of HF's ``config.json``::

        hf_model = transformers.GPT2LMHeadModel.from_pretrained(...)
        state = {k: v.numpy() for k, v in hf_model.state_dict().items()}
        model = from_hf_gpt2(state, hf_model.config.to_dict())
    """
    caller = "from_hf_gpt2"
    config = config if isinstance(config, GPTConfig) else GPTConfig.from_hf(config)
    prefix = "transformer." if any(k.startswith("transformer.") for k in state_dict) else ""
    sd = HFStateDict(state_dict, caller, prefix)
    arrays = {".wte.weight": sd.take("wte.weight"), ".wpe.weight": sd.take("wpe.weight"),
              ".ln_f.weight": sd.take("ln_f.weight"), ".ln_f.bias": sd.take("ln_f.bias")}
    for i in range(config.n_layer):
        hf, ours = f"h.{i}.", f".blocks[{i}]."
        for norm, ln in (("attention_norm", "ln_1"), ("mlp_norm", "ln_2")):
            arrays[ours + norm + ".weight"] = sd.take(hf + ln + ".weight")
            arrays[ours + norm + ".bias"] = sd.take(hf + ln + ".bias")
        qkv_w = np.split(sd.take(hf + "attn.c_attn.weight"), 3, axis=1)
        qkv_b = np.split(sd.take(hf + "attn.c_attn.bias"), 3)
        for proj, w, b in zip(("query_proj", "key_proj", "value_proj"), qkv_w, qkv_b):
            arrays[ours + f"attention.{proj}.weight"] = w
            arrays[ours + f"attention.{proj}.bias"] = b
        for ours_name, hf_name in (("attention.output_proj", "attn.c_proj"),
                                   ("mlp.layers[0]", "mlp.c_fc"),
                                   ("mlp.layers[1]", "mlp.c_proj")):
            arrays[ours + ours_name + ".weight"] = sd.take(hf + hf_name + ".weight")
            arrays[ours + ours_name + ".bias"] = sd.take(hf + hf_name + ".bias")
    if "lm_head.weight" in sd.arrays:
        lm_head = np.asarray(sd.arrays.pop("lm_head.weight"))
        if lm_head.shape != arrays[".wte.weight"].shape or \
                not np.array_equal(lm_head, arrays[".wte.weight"]):
            raise ValueError(f"{caller}: lm_head.weight differs from the token embedding "
                             "wte.weight; GPT ties them (untied LM heads are not supported).")
    # The causal-mask buffers of older checkpoints are not weights.
    sd.finish(ignored=lambda name: name.endswith((".attn.bias", ".attn.masked_bias")))
    return fill_module(lambda: GPT(config, key=random.PRNGKey(0)), arrays, caller)


def load_gpt2(path: str | os.PathLike) -> GPT:
    """Load a Hugging Face GPT-2 checkpoint from a local directory holding
    ``config.json`` and ``model.safetensors`` (what ``save_pretrained`` writes)::

        model = load_gpt2("checkpoints/gpt2")
        tokens = generate(model, prompt, 20, key=zenax.random.PRNGKey(0), top_k=40)
    """
    return from_hf_gpt2(*read_hf_checkpoint(path, "load_gpt2"))
