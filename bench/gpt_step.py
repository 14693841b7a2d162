"""GPT training step (workload 1): one jit-compiled AdamW step of a GPT-2-style model.

zenax: ``zenax.models.gpt.GPT`` / ``gpt.loss`` with ``zenax.optim.adamw``.  JAX: the same
architecture written directly in ``jax.numpy`` (``bench.gpt_twins``) on the SAME parameter
values, with ``optax.adamw``.  PyTorch (if installed): the same again, eager, with
``torch.optim.AdamW``.  The first two steps' losses must agree across the libraries.

Measured: steady-state step time, first-call time (trace + compile + run of a fresh
function), peak memory (XLA's compiled memory analysis: arguments + outputs + temporaries),
and MFU: the step's FLOPs (XLA's cost analysis of the JAX step) per second over the
machine's measured matmul FLOP/s.  CPU sizes: 4 layers, d=256, 8 heads, seq 128, batch 16,
vocab 256; ``--device gpu``: GPT-2 small (124M parameters, seq 1024).
"""
from __future__ import annotations

import jax
import jax.numpy as jjnp
import numpy as np
import optax

import zenax
from zenax import optim
from zenax.models.gpt import GPT, GPTConfig, loss as gpt_loss

from bench import gpt_twins
from bench._machine import (compiled_stats, first_calls, matmul_flops_per_s, on_gpu,
                            time_each, torch_or_none)
from bench._util import print_json
from bench.results import layout_rows, layout_summary, print_rows, row

LEARNING_RATE = 3e-4


def sizes(small: bool) -> tuple[GPTConfig, int]:
    """The model config and batch size of this run."""
    if on_gpu() and not small:     # GPT-2 small
        return GPTConfig(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12,
                         n_head=12), 8
    if small:
        return GPTConfig(vocab_size=64, n_positions=16, n_embd=32, n_layer=1, n_head=2), 4
    return GPTConfig(vocab_size=256, n_positions=128, n_embd=256, n_layer=4, n_head=8), 16


def make_tokens(config: GPTConfig, batch: int):
    """``[batch, n_positions + 1]`` random tokens: inputs and next-token targets."""
    rng = np.random.default_rng(1)
    return jjnp.asarray(rng.integers(0, config.vocab_size, (batch, config.n_positions + 1)),
                        jjnp.int32)


def zenax_step_fn():
    """A fresh jitted zenax train step ``(model, opt_state, tokens) -> (model, opt_state,
    loss)``."""
    tx = optim.adamw(LEARNING_RATE)

    def step(model, opt_state, tokens):
        loss, grads = zenax.value_and_grad(
            lambda m: gpt_loss(m, tokens, training=False))(model)
        updates, opt_state = tx.update(grads, opt_state, model)
        return optim.apply_updates(model, updates), opt_state, loss
    return zenax.jit(step)


def jax_step_fn(n_head: int):
    """A fresh jitted JAX train step over ``gpt_twins.jax_params``."""
    tx = optax.adamw(LEARNING_RATE)

    def step(params, opt_state, tokens):
        loss, grads = jax.value_and_grad(gpt_twins.jax_loss)(params, tokens, n_head)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss
    return jax.jit(step)


def torch_step_fn(params: dict, n_head: int):
    """An eager PyTorch train step over ``gpt_twins.torch_params`` (updated in place)."""
    torch = torch_or_none()
    opt = torch.optim.AdamW(jax.tree_util.tree_leaves(params), lr=LEARNING_RATE,
                            betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)

    def step(tokens):
        opt.zero_grad(set_to_none=True)
        loss = gpt_twins.torch_loss(params, tokens, n_head)
        loss.backward()
        opt.step()
        return loss.detach()
    return step


def _check_first_steps(zx, jx, zx_args, jx_args, torch_step, torch_tokens) -> float:
    """The losses of two consecutive steps agree (the second checks the optimizers);
    returns the first loss."""
    losses = {}
    for name, step, (params, state, tokens) in (("zenax", zx, zx_args), ("jax", jx, jx_args)):
        params, state, first = step(params, state, tokens)
        losses[name] = (float(first), float(step(params, state, tokens)[2]))
    if torch_step is not None:
        losses["torch"] = (float(torch_step(torch_tokens)), float(torch_step(torch_tokens)))
    # On GPUs, float32 matmuls may run as TF32, rounded differently in each program.
    rtol = 1e-3 if on_gpu() else 2e-5
    for name, (first, second) in losses.items():
        np.testing.assert_allclose(first, losses["jax"][0], rtol=rtol,
                                   err_msg=f"{name}: first-step loss differs from JAX's")
        np.testing.assert_allclose(second, losses["jax"][1], rtol=1e-3,
                                   err_msg=f"{name}: second-step loss differs from JAX's")
    return losses["jax"][0]


def run(small: bool = False, reps: int | None = None) -> dict:
    config, batch = sizes(small)
    reps = reps or (3 if small else 7)
    first_reps = 1 if small else 3
    model = GPT(config, key=zenax.random.PRNGKey(0))
    params = gpt_twins.jax_params(model)
    tokens = make_tokens(config, batch)
    zx_args = (model, optim.adamw(LEARNING_RATE).init(model), tokens)
    jx_args = (params, optax.adamw(LEARNING_RATE).init(params), tokens)
    args = {"zenax": zx_args, "jax": jx_args}
    fns, first = first_calls({"zenax": zenax_step_fn,
                              "jax": lambda: jax_step_fn(config.n_head)}, args, first_reps)

    torch = torch_or_none()
    torch_step = torch_tokens = None
    if torch is not None and not on_gpu():
        torch_step = torch_step_fn(gpt_twins.torch_params(params), config.n_head)
        torch_tokens = torch.tensor(np.asarray(tokens), dtype=torch.long)
        fns["torch"], args["torch"] = torch_step, (torch_tokens,)
    first_loss = _check_first_steps(fns["zenax"], fns["jax"], zx_args, jx_args, torch_step,
                                    torch_tokens)
    t = time_each(fns, args, reps)
    stats = {k: compiled_stats(fns[k].lower(*args[k]).compile()) for k in ("zenax", "jax")}

    peak_dtype = jjnp.bfloat16 if on_gpu() else np.float32
    machine_flops = matmul_flops_per_s(4096 if on_gpu() else (256 if small else 1024),
                                       peak_dtype)
    step_flops = stats["jax"]["flops"]
    mfu = {k: step_flops / v / machine_flops for k, v in t.items()}
    tokens_per_step = batch * config.n_positions
    tok_s = {k: tokens_per_step / v for k, v in t.items()}
    t_torch = t.get("torch")
    mib = 2.0 ** 20
    rows = [
        row("gpt", "train step (steady state)", "ms", t["zenax"] * 1e3, t["jax"] * 1e3,
            None if t_torch is None else t_torch * 1e3, target=1.05),
        row("gpt", "first call (trace+compile+run)", "s", first["zenax"], first["jax"],
            target=1.3),
        row("gpt", "peak memory (compiled)", "MiB", stats["zenax"]["peak_bytes"] / mib,
            stats["jax"]["peak_bytes"] / mib),
        row("gpt", "temp memory (compiled)", "MiB", stats["zenax"]["temp_bytes"] / mib,
            stats["jax"]["temp_bytes"] / mib),
        row("gpt", "tokens/s", "tok/s", tok_s["zenax"], tok_s["jax"], tok_s.get("torch")),
        row("gpt", "MFU", "%", 100 * mfu["zenax"], 100 * mfu["jax"],
            None if t_torch is None else 100 * mfu["torch"]),
        *layout_rows("gpt", stats),
    ]
    print(f"gpt train step: {config.n_layer} layers, d={config.n_embd}, {config.n_head} "
          f"heads, seq {config.n_positions}, batch {batch}, vocab {config.vocab_size}; "
          f"median of {reps} (first call: {first_reps}); first loss {first_loss:.4f}; "
          f"{step_flops / 1e9:.3g} GFLOP/step, machine matmul "
          f"{machine_flops / 1e9:.3g} GFLOP/s ({np.dtype(peak_dtype).name})")
    print_rows(rows)
    summary = {
        "small": small, "n_layer": config.n_layer, "n_embd": config.n_embd,
        "n_head": config.n_head, "seq": config.n_positions, "batch": batch,
        "vocab": config.vocab_size, "first_loss": first_loss,
        "step_ms": {k: v * 1e3 for k, v in t.items()}, "first_call_s": first,
        "compiled": stats, "machine_flops_per_s": machine_flops, "mfu": mfu,
        "tokens_per_s": tok_s, "rows": rows, **layout_summary(stats),
        "step_ratio": t["zenax"] / t["jax"], "first_call_ratio": first["zenax"] / first["jax"],
    }
    print_json("gpt", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
