"""Causal attention, forward + backward (issue 27): one head group ``[B=1, T, N=8, H=64]``
at T = 1024 and 4096.

zenax: ``zenax.models.attention.dot_product_attention(is_causal=True)`` (which takes the
tiled path of ``lax/flash_attention.py`` for long sequences on the CPU) under
``zenax.jit(zenax.vjp(...))``; JAX: ``jax.nn.dot_product_attention`` under
``jax.jit(jax.vjp(...))``; PyTorch: ``scaled_dot_product_attention(is_causal=True)`` and
``.backward``, eager.  Outputs and gradients must agree.  Also the compiled temp memory
of zenax's and JAX's programs (PyTorch's is not reported by the library).
"""
from __future__ import annotations

import jax
import jax.numpy as jjnp
import numpy as np

import zenax
from zenax.models import attention

from bench._machine import time_each, torch_or_none
from bench._util import print_json
from bench.results import print_rows, row

HEADS, HEAD_SIZE = 8, 64


def zenax_step(q, k, v, d_out):
    out, vjp = zenax.vjp(lambda *a: attention.dot_product_attention(*a, is_causal=True),
                         q, k, v)
    return out, vjp(d_out)


def jax_step(q, k, v, d_out):
    out, vjp = jax.vjp(lambda *a: jax.nn.dot_product_attention(*a, is_causal=True), q, k, v)
    return out, vjp(d_out)


def torch_step_fn():
    torch = torch_or_none()

    def step(q, k, v, d_out):     # [B, N, T, H], as PyTorch's SDPA takes them
        q, k, v = (x.detach().requires_grad_() for x in (q, k, v))
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        out.backward(d_out)
        return out, (q.grad, k.grad, v.grad)
    return step


def _one_length(t: int, reps: int) -> tuple[list[dict], dict]:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((1, t, HEADS, HEAD_SIZE), np.float32) for _ in range(4)]
    args = {"zenax": tuple(jjnp.asarray(a) for a in arrays)}
    args["jax"] = args["zenax"]
    fns = {"zenax": zenax.jit(zenax_step), "jax": jax.jit(jax_step)}
    torch = torch_or_none()
    if torch is not None:
        fns["torch"] = torch_step_fn()
        args["torch"] = tuple(torch.tensor(a).transpose(1, 2).contiguous() for a in arrays)
    ref = fns["jax"](*args["jax"])
    outs = {"zenax": fns["zenax"](*args["zenax"])}
    if torch is not None:
        o, grads = fns["torch"](*args["torch"])
        outs["torch"] = [x.detach().transpose(1, 2).numpy() for x in (o, *grads)]
    for name, got in outs.items():
        for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(ref)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-3, atol=2e-3,
                                       err_msg=f"{name}: attention output/gradients differ")
    times = time_each(fns, args, reps)
    temp = {k: fns[k].lower(*args[k]).compile().memory_analysis().temp_size_in_bytes
            for k in ("zenax", "jax")}
    label = f"T={t} causal fwd+bwd"
    rows = [row("attention", label, "ms", times["zenax"] * 1e3, times["jax"] * 1e3,
                times["torch"] * 1e3 if "torch" in times else None, target=1.0),
            row("attention", f"T={t} temp memory (compiled)", "MiB", temp["zenax"] / 2 ** 20,
                temp["jax"] / 2 ** 20)]
    return rows, {"times_ms": {k: v * 1e3 for k, v in times.items()}, "temp_bytes": temp}


def run(small: bool = False, reps: int | None = None) -> dict:
    lengths = (128, 256) if small else (1024, 4096)
    reps = reps or (3 if small else 7)
    rows, per_length = [], {}
    for t in lengths:
        r, summary = _one_length(t, reps)
        rows += r
        per_length[t] = summary
    print(f"causal attention fwd+bwd: B=1, N={HEADS}, H={HEAD_SIZE}; median of {reps}, "
          "alternating")
    print_rows(rows)
    t_long = per_length[lengths[-1]]["temp_bytes"]["zenax"]
    t_short = per_length[lengths[0]]["temp_bytes"]["zenax"]
    summary = {"small": small, "lengths": list(lengths), "heads": HEADS,
               "head_size": HEAD_SIZE, "per_length": {str(k): v for k, v in per_length.items()},
               "rows": rows, "zenax_temp_growth": t_long / t_short,
               "ratio": per_length[lengths[-1]]["times_ms"]["zenax"]
               / per_length[lengths[-1]]["times_ms"]["jax"]}
    print_json("attention", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
