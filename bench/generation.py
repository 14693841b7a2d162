"""Batch-1 generation (issue 28): greedy decoding of a GPT with float32, int8 and int4
weights, zenax vs the same quantized program written in JAX.

zenax: ``zenax.quantize(model, bits)`` (every Linear and Embedding, affine, groups of 64)
and ``zenax.models.gpt.generate(..., top_k=1)``: the prompt fills a key/value cache of
fixed size, then one ``lax.scan`` step per token writes it with ``dynamic_update_slice``.
JAX: the same model in ``jax.numpy`` (:func:`jax_generate`) on the SAME arrays -- the
integer codes, scales and offsets -- dequantizing each weight right before its product, as
a JAX user without a quantization library writes it.

Measured: tokens/s of one call (prompt + ``steps`` tokens, batch 1), medians over runs in
which the libraries and the weight formats take turns; the weights' bytes, measured from
the arrays, and the rate at which each step streams them (bytes x tokens/s).  Batch-1
decoding reads every weight once per token and does two FLOPs with it, so on a CPU it is
bound by memory traffic: fewer bytes per weight pay if the dequantisation streams the
codes and feeds the product layer by layer.  zenax's ``quantized_matmul`` makes each
layer's dequantisation wait for its activations, so it runs inside the generation's
``scan``, one layer's float matrix at a time (2026-12-08, 2 cores: int8 1.57x and int4
1.16x the float model's tokens/s, compiled peak 34.5 / 24.4 MiB against 84.7).  The JAX
twin, dequantising right before each product as written, lets XLA hoist that
loop-invariant work out of the ``scan``: every token then streams the same float32 bytes
as the float model (0.9x its tokens/s), while the program holds the codes and a float
copy of every weight (peak 175-183 MiB, the compiled peak-memory rows).

CPU sizes: 6 layers, d=512, 8 heads, vocab 4096, a 16-token prompt and 128 generated
tokens (21M parameters, 85 MB in float32); ``--small``: 1 layer, d=64, 8 tokens.  The
:func:`jax_generate` twin is also ``tests/test_kv_cache.py``'s JAX oracle of the caches.
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jjnp
import numpy as np

import zenax
from zenax.models.gpt import GPT, GPTConfig, generate
from zenax.models.quantize import QuantizedArray

from bench._machine import compiled_stats, time_each
from bench._util import print_json
from bench.results import print_rows, row

# jax.nn's masked-logit value (finite, so a fully masked row stays a uniform softmax).
_MASKED = -0.7 * float(np.finfo(np.float32).max)
VARIANTS = {"float32": None, "int8": 8, "int4": 4}


def sizes(small: bool) -> tuple[GPTConfig, int, int]:
    """The model config, prompt length and generated tokens of this run."""
    if small:
        return GPTConfig(vocab_size=64, n_positions=32, n_embd=64, n_layer=1, n_head=2), 4, 8
    return (GPTConfig(vocab_size=4096, n_positions=256, n_embd=512, n_layer=6, n_head=8),
            16, 128)


# ## The GPT in jax.numpy, reading a (possibly quantized) zenax GPT's arrays

def jax_params(model) -> dict:
    """A zenax ``GPT``'s arrays as a dict (shared, not copied); a quantized weight becomes
    ``{"data", "scales", "biases"}``, its format (bits, group size) a static argument."""
    def weight(w):
        if isinstance(w, QuantizedArray):
            if w.mode != "affine":
                raise ValueError("bench.generation: the JAX twin reads affine weights only.")
            return {"data": w.data, "scales": w.scales, "biases": w.biases}
        return w

    def dense(layer):
        return {"w": weight(layer.weight), "b": layer.bias}
    return {
        "wte": weight(model.wte.weight), "wpe": weight(model.wpe.weight),
        "ln_f": dense(model.ln_f),
        "blocks": [{"ln1": dense(b.attention_norm), "q": dense(b.attention.query_proj),
                    "k": dense(b.attention.key_proj), "v": dense(b.attention.value_proj),
                    "o": dense(b.attention.output_proj), "ln2": dense(b.mlp_norm),
                    "fc": dense(b.mlp.layers[0]), "proj": dense(b.mlp.layers[1])}
                   for b in model.blocks],
    }


def weight_format(model) -> tuple[int, int] | None:
    """``(bits, group_size)`` of a quantized model's weights; ``None`` for a float one."""
    for leaf in zenax.tree_util.tree_leaves(
            model, is_leaf=lambda x: isinstance(x, QuantizedArray)):
        if isinstance(leaf, QuantizedArray):
            return leaf.bits, leaf.group_size
    return None


def _dequantize(q: dict, fmt: tuple[int, int], axis: int):
    """The float matrix of an affine ``QuantizedArray``'s arrays, grouped along ``axis``
    (0: a Linear's inputs; 1: an Embedding's features); 4-bit codes are two per byte,
    the even element in the low nibble."""
    bits, group = fmt
    codes = q["data"]
    if bits == 4:
        codes = jjnp.stack([codes & 15, codes >> 4], axis=axis + 1)
        shape = list(q["data"].shape)
        shape[axis] *= 2
        codes = codes.reshape(shape)
    shape = codes.shape
    grouped = shape[:axis] + (shape[axis] // group, group) + shape[axis + 1:]
    values = codes.reshape(grouped).astype(q["scales"].dtype)
    values = (values * jjnp.expand_dims(q["scales"], axis + 1)
              + jjnp.expand_dims(q["biases"], axis + 1))
    return values.reshape(shape)


def _matrix(w, fmt, axis):
    return _dequantize(w, fmt, axis) if isinstance(w, dict) else w


def _rows(w, ids, fmt):
    """Embedding rows ``w[ids]``; of a quantized table only those rows are dequantized."""
    if not isinstance(w, dict):
        return w[ids]
    return _dequantize({k: v[ids] for k, v in w.items()}, fmt, ids.ndim)


def _layer_norm(p, x, eps: float = 1e-5):
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + eps) * p["w"] + p["b"]


def _dense(p, x, fmt):
    return x @ _matrix(p["w"], fmt, 0) + p["b"]


def jax_init_caches(params: dict, max_length: int, n_head: int, cache_dtype=np.float32):
    """One cache per block: ``{"k", "v"}`` buffers ``[max_length, n_head, head_size]`` of
    ``cache_dtype``; for ``int8`` also ``{"k_scale", "v_scale"}`` (one per head and
    position, as ``zenax.models.kv_cache``)."""
    d = params["ln_f"]["w"].shape[-1]
    shape = (max_length, n_head, d // n_head)
    cache_dtype = np.dtype(cache_dtype)
    caches = []
    for _ in params["blocks"]:
        cache = {"k": jjnp.zeros(shape, cache_dtype), "v": jjnp.zeros(shape, cache_dtype)}
        if cache_dtype == np.int8:
            cache.update(k_scale=jjnp.zeros(shape[:-1]), v_scale=jjnp.zeros(shape[:-1]))
        caches.append(cache)
    return caches


def _cache_write(cache: dict, name: str, new, index):
    """Write ``new [T, heads, head_size]`` into ``cache[name]`` at ``index``; returns the
    whole buffer in float32 (int8: round to the per-head scale, then dequantize)."""
    buf = cache[name]
    if buf.dtype != np.int8:
        buf = jax.lax.dynamic_update_slice(buf, new.astype(buf.dtype), (index, 0, 0))
        cache[name] = buf
        return buf.astype(new.dtype)
    scale = jjnp.max(jjnp.abs(new), axis=-1) / 127
    codes = jjnp.clip(jjnp.round(new / jjnp.where(scale == 0, 1, scale)[..., None]), -127, 127)
    buf = jax.lax.dynamic_update_slice(buf, codes.astype(np.int8), (index, 0, 0))
    scales = jax.lax.dynamic_update_slice(cache[name + "_scale"], scale, (index, 0))
    cache[name], cache[name + "_scale"] = buf, scales
    return buf.astype(new.dtype) * scales[..., None]


def jax_forward(params: dict, tokens, caches: list, index, *, n_head: int, fmt=None):
    """Logits ``[T, vocab]`` of ``tokens [T]`` at positions ``index ..``, each block
    attending to its cache (written here); returns the logits and the new caches."""
    t = tokens.shape[-1]
    positions = index + jjnp.arange(t)
    x = _rows(params["wte"], tokens, fmt) + _rows(params["wpe"], positions, fmt)
    d = x.shape[-1]
    h = d // n_head
    new_caches = []
    for blk, cache in zip(params["blocks"], caches):
        cache = dict(cache)
        y = _layer_norm(blk["ln1"], x)
        q, k, v = (_dense(blk[name], y, fmt).reshape(t, n_head, h) for name in "qkv")
        keys, values = _cache_write(cache, "k", k, index), _cache_write(cache, "v", v, index)
        logits = jjnp.einsum("tnh,snh->nts", q, keys) / math.sqrt(h)
        visible = jjnp.arange(keys.shape[0])[None, :] <= positions[:, None]
        weights = jax.nn.softmax(jjnp.where(visible, logits, _MASKED), axis=-1)
        x = x + _dense(blk["o"], jjnp.einsum("nts,snh->tnh", weights, values).reshape(t, d),
                       fmt)
        y = jax.nn.gelu(_dense(blk["fc"], _layer_norm(blk["ln2"], x), fmt), approximate=True)
        x = x + _dense(blk["proj"], y, fmt)
        new_caches.append(cache)
    return _layer_norm(params["ln_f"], x) @ _matrix(params["wte"], fmt, 1).T, new_caches


@functools.partial(jax.jit, static_argnames=("steps", "n_head", "fmt", "cache_dtype"))
def jax_generate(params: dict, prompt, *, steps: int, n_head: int, fmt=None,
                 cache_dtype: str = "float32"):
    """Greedy decoding of ``steps`` tokens after ``prompt [T]`` (batch 1): returns
    ``[T + steps]``, as ``zenax.models.gpt.generate(..., top_k=1)``."""
    t = prompt.shape[-1]
    caches = jax_init_caches(params, t + steps, n_head, cache_dtype)
    forward = functools.partial(jax_forward, n_head=n_head, fmt=fmt)
    logits, caches = forward(params, prompt, caches, 0)

    def step(carry, _):
        logits, caches, index = carry
        token = jjnp.argmax(logits, axis=-1)
        logits, caches = forward(params, token[None], caches, index)
        return (logits[-1], caches, index + 1), token

    _, tokens = jax.lax.scan(step, (logits[-1], caches, t), None, length=steps)
    return jjnp.concatenate([prompt, tokens.astype(prompt.dtype)])


# ## The benchmark

def _nbytes(tree) -> int:
    return sum(leaf.nbytes for leaf in jax.tree_util.tree_leaves(tree))


def _check_same_program(model, params, config, fmt, prompt) -> None:
    """zenax's prefill logits equal the JAX twin's (the same weights, dequantized alike)."""
    zx = zenax.jit(lambda m, p: m(p, training=False))(model, prompt)
    caches = jax_init_caches(params, prompt.shape[-1], config.n_head)
    jx, _ = jax.jit(functools.partial(jax_forward, n_head=config.n_head, fmt=fmt))(
        params, prompt, caches, 0)
    np.testing.assert_allclose(np.asarray(zx), np.asarray(jx), rtol=2e-4, atol=2e-4,
                               err_msg="zenax and JAX prefill logits differ")


def _programs(models: dict, config: GPTConfig, prompt, steps: int):
    """``{(library, format): call}`` of every generation, and their compiled stats."""
    key = zenax.random.PRNGKey(0)
    fns, stats = {}, {}
    for name, model in models.items():
        fmt = weight_format(model)
        params = jax_params(model)
        _check_same_program(model, params, config, fmt, prompt)
        # zenax.jit's AOT compile fills the cache its calls use, so this compiles once.
        zx = zenax.jit(lambda m, p: generate(m, p, steps, key=key, top_k=1))
        stats[("zenax", name)] = compiled_stats(zx.lower(model, prompt).compile())
        fns[("zenax", name)] = functools.partial(zx, model, prompt)
        jx = functools.partial(jax_generate, steps=steps, n_head=config.n_head, fmt=fmt)
        stats[("jax", name)] = compiled_stats(jax.jit(jx).lower(params, prompt).compile())
        fns[("jax", name)] = functools.partial(jx, params, prompt)
    return fns, stats


def run(small: bool = False, reps: int | None = None) -> dict:
    config, prompt_len, steps = sizes(small)
    reps = reps or (3 if small else 7)
    float_model = GPT(config, key=zenax.random.PRNGKey(0))
    models = {name: float_model if bits is None else zenax.quantize(float_model, bits=bits)
              for name, bits in VARIANTS.items()}
    prompt = jjnp.asarray(np.random.default_rng(1).integers(0, config.vocab_size, prompt_len),
                          jjnp.int32)
    fns, stats = _programs(models, config, prompt, steps)
    outputs = {k: np.asarray(fn()) for k, fn in fns.items()}
    # Every call takes its turn in each round (libraries and formats); medians.
    seconds = time_each(fns, {k: () for k in fns}, reps)
    tok_s = {f"{lib}/{name}": steps / s for (lib, name), s in seconds.items()}
    weight_bytes = {name: _nbytes(jax_params(m)) for name, m in models.items()}
    mib = 2.0 ** 20
    rows = []
    for name in VARIANTS:
        rows.append(row("generation", f"batch-1 greedy, {name} weights", "tok/s",
                        tok_s[f"zenax/{name}"], tok_s[f"jax/{name}"]))
        rows.append(row("generation", f"{name} weights: peak memory (compiled)", "MiB",
                        stats[("zenax", name)]["peak_bytes"] / mib,
                        stats[("jax", name)]["peak_bytes"] / mib))
    speedup = {lib: {name: tok_s[f"{lib}/{name}"] / tok_s[f"{lib}/float32"]
                     for name in VARIANTS} for lib in ("zenax", "jax")}
    # How fast the weights stream: each generated token reads every weight once.
    weight_gb_s = {k: weight_bytes[k.split("/")[1]] * v / 1e9 for k, v in tok_s.items()}
    print(f"generation: {config.n_layer} layers, d={config.n_embd}, {config.n_head} heads, "
          f"vocab {config.vocab_size}; batch 1, prompt {prompt_len}, {steps} tokens; median "
          f"of {reps}; weights "
          + ", ".join(f"{n} {b / mib:.1f} MiB" for n, b in weight_bytes.items()))
    print_rows(rows)
    print("tokens/s over float32: " + "; ".join(
        f"{lib} " + ", ".join(f"{n} {s:.2f}x" for n, s in speedup[lib].items())
        for lib in speedup))
    summary = {
        "small": small, "n_layer": config.n_layer, "n_embd": config.n_embd,
        "n_head": config.n_head, "vocab": config.vocab_size, "prompt": prompt_len,
        "steps": steps, "tokens_per_s": tok_s, "weight_bytes": weight_bytes,
        "weight_gb_per_s": weight_gb_s, "speedup_over_float": speedup,
        "compiled": {f"{lib}/{name}": v for (lib, name), v in stats.items()},
        "same_tokens": {name: bool(np.array_equal(outputs[("zenax", name)],
                                                  outputs[("jax", name)]))
                        for name in VARIANTS},
        "ratio": {name: tok_s[f"zenax/{name}"] / tok_s[f"jax/{name}"] for name in VARIANTS},
        "rows": rows,
    }
    print_json("generation", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
