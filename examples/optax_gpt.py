"""A small character-level GPT trained with an Optax optimizer chain: a plain JAX program
that runs unchanged on zenax.

    python examples/optax_gpt.py                  # on JAX
    python -m zenax run examples/optax_gpt.py     # the same file on zenax

The script imports only ``jax``, ``jax.numpy`` and ``optax`` (plus ``zenax.data`` for the
text, which needs no download: the Python standard library's own source, one token per
byte). Under ``python -m zenax run`` its ``import jax`` -- and Optax's own -- give
zenax's modules, so ``jax.value_and_grad`` is zenax's reverse mode, ``jax.jit`` traces
into a zenax jaxpr, and Optax's ``clip_by_global_norm``, ``adamw`` and schedule run on
zenax arrays. Both runs start from the same weights (``jax.random`` is the same threefry
generator in both) and see the same batches, so they print the same losses up to float32
rounding.

The model is GPT-2's architecture at a toy size: token and position embeddings, pre-LN
causal self-attention blocks with a GELU MLP, a final LayerNorm and an LM head tied to
the token embedding. The optimizer is

    optax.chain(optax.clip_by_global_norm(1.0),
                optax.adamw(optax.warmup_cosine_decay_schedule(...), weight_decay=0.01))

Flags: ``--steps``, ``--layers``, ``--width``, ``--seq-len``, ``--batch``; ``--tiny``
(what the tests run: a few seconds); ``--json`` prints the metrics as one JSON line last.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from zenax import data


@dataclasses.dataclass(frozen=True)
class Config:
    """The model's and the run's sizes."""
    n_layer: int = 2
    n_embd: int = 64
    n_head: int = 4
    seq_len: int = 64
    batch: int = 16
    steps: int = 300
    peak_lr: float = 3e-3
    corpus_chars: int = 300_000

    @property
    def warmup_steps(self) -> int:
        return max(1, self.steps // 10)


TINY = Config(n_layer=1, n_embd=32, n_head=2, seq_len=32, batch=8, steps=30,
              corpus_chars=50_000)


# ---- the model: parameters are a dict pytree, the forward pass a pure function ----

def init_params(config: Config, key) -> dict:
    """GPT-2's initialisation: normal(0.02) weights, zero biases, unit LayerNorm scales;
    the residual output projections scaled down by ``1/sqrt(2 n_layer)``."""
    d, std = config.n_embd, 0.02
    keys = iter(jax.random.split(key, 2 + 4 * config.n_layer))

    def normal(shape, scale=std):
        return scale * jax.random.normal(next(keys), shape, jnp.float32)

    def layer_norm():
        return {"scale": jnp.ones(d), "bias": jnp.zeros(d)}

    proj_std = std / math.sqrt(2 * config.n_layer)
    blocks = [{"ln1": layer_norm(),
               "qkv": {"w": normal((d, 3 * d)), "b": jnp.zeros(3 * d)},
               "attn_out": {"w": normal((d, d), proj_std), "b": jnp.zeros(d)},
               "ln2": layer_norm(),
               "fc": {"w": normal((d, 4 * d)), "b": jnp.zeros(4 * d)},
               "mlp_out": {"w": normal((4 * d, d), proj_std), "b": jnp.zeros(d)}}
              for _ in range(config.n_layer)]
    return {"wte": normal((data.VOCAB_SIZE, d)), "wpe": normal((config.seq_len, d)),
            "blocks": blocks, "ln_f": layer_norm()}


def layer_norm(p, x, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + eps) * p["scale"] + p["bias"]


def dense(p, x):
    return x @ p["w"] + p["b"]


def attention(p, x, n_head):
    """Causal multi-head self-attention over ``x: [batch, T, d]``."""
    b, t, d = x.shape
    q, k, v = jnp.split(dense(p["qkv"], x), 3, axis=-1)
    q, k, v = (z.reshape(b, t, n_head, d // n_head).transpose(0, 2, 1, 3) for z in (q, k, v))
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d // n_head)
    causal = jnp.tril(jnp.ones((t, t), bool))
    weights = jax.nn.softmax(jnp.where(causal, scores, -1e9), axis=-1)
    out = (weights @ v).transpose(0, 2, 1, 3).reshape(b, t, d)
    return dense(p["attn_out"], out)


def forward(params, tokens, n_head):
    """Logits ``[batch, T, vocab]`` for ``tokens: int32[batch, T]``."""
    t = tokens.shape[1]
    x = params["wte"][tokens] + params["wpe"][:t]
    for block in params["blocks"]:
        x = x + attention(block, layer_norm(block["ln1"], x), n_head)
        h = jax.nn.gelu(dense(block["fc"], layer_norm(block["ln2"], x)))
        x = x + dense(block["mlp_out"], h)
    return layer_norm(params["ln_f"], x) @ params["wte"].T   # LM head tied to wte


def loss_fn(params, inputs, targets, n_head):
    """Mean next-token cross-entropy, nats per character."""
    logits = forward(params, inputs, n_head)
    return optax.softmax_cross_entropy_with_integer_labels(logits, targets).mean()


# ---- the optimizer: an Optax chain with a warmup-cosine schedule ----

def make_optimizer(config: Config) -> tuple[optax.GradientTransformation, optax.Schedule]:
    schedule = optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=config.peak_lr, warmup_steps=config.warmup_steps,
        decay_steps=config.steps, end_value=config.peak_lr / 10)
    optimizer = optax.chain(optax.clip_by_global_norm(1.0),
                            optax.adamw(schedule, weight_decay=0.01))
    return optimizer, schedule


def train(config: Config, log_every: int = 0) -> dict:
    """Train from ``PRNGKey(0)`` on the corpus; return the losses and final metrics."""
    tokens = data.encode(data.stdlib_corpus(config.corpus_chars))
    train_tokens, val_tokens = data.split(tokens, val_fraction=0.1)
    params = init_params(config, jax.random.PRNGKey(0))
    optimizer, schedule = make_optimizer(config)
    opt_state = optimizer.init(params)

    @jax.jit
    def train_step(params, opt_state, inputs, targets):
        loss, grads = jax.value_and_grad(loss_fn)(params, inputs, targets, config.n_head)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, optax.global_norm(grads)

    eval_loss = jax.jit(lambda params, x, y: loss_fn(params, x, y, config.n_head))
    batches = data.batches(train_tokens, config.batch, config.seq_len, seed=0)
    losses, grad_norms = [], []
    start = time.perf_counter()
    for step in range(config.steps):
        params, opt_state, loss, grad_norm = train_step(params, opt_state, *next(batches))
        losses.append(loss)
        grad_norms.append(grad_norm)
        if log_every and (step + 1) % log_every == 0:
            print(f"step {step + 1:4d}  loss {float(loss):.4f}  "
                  f"lr {float(schedule(step)):.2e}", flush=True)
    losses = [float(v) for v in losses]   # one wait for the device, at the end
    seconds = time.perf_counter() - start
    val_batches = data.batches(val_tokens, config.batch, config.seq_len, seed=1)
    val_loss = float(np.mean([float(eval_loss(params, *next(val_batches)))
                              for _ in range(4)]))
    return {"backend": jax.__name__, "losses": losses,
            "grad_norms": [float(v) for v in grad_norms],
            "final_loss": losses[-1], "val_loss": val_loss,
            "unigram_loss": data.unigram_loss(train_tokens, val_tokens),
            "n_params": sum(int(np.prod(p.shape)) for p in jax.tree.leaves(params)),
            "seconds": seconds}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the tests' size: a few seconds")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--layers", type=int)
    parser.add_argument("--width", type=int)
    parser.add_argument("--seq-len", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--json", action="store_true",
                        help="print the metrics as one JSON line last")
    args = parser.parse_args(argv)
    config = TINY if args.tiny else Config()
    overrides = {"steps": args.steps, "n_layer": args.layers, "n_embd": args.width,
                 "seq_len": args.seq_len, "batch": args.batch}
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v})
    print(f"running on {jax.__name__}: {config}")
    result = train(config, log_every=max(1, config.steps // 10))
    print(f"{result['n_params']:,} parameters, {config.steps} steps in "
          f"{result['seconds']:.1f} s; unigram baseline {result['unigram_loss']:.4f}")
    print(f"final train loss {result['final_loss']:.6f}  "
          f"validation loss {result['val_loss']:.6f}")
    if args.json:
        print(json.dumps({k: result[k] for k in ("backend", "final_loss", "val_loss",
                                                 "losses")}))
    return result


if __name__ == "__main__":
    main()
