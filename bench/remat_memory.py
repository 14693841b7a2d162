"""Rematerialization: peak temporary memory (XLA's compiled memory analysis) and time of
the gradient of a deep MLP (each layer a two-matmul tanh block) with and without a
checkpoint around each layer, zenax vs JAX (``jax.checkpoint``), in two forms:

- ``unrolled``: a Python loop over layers.  XLA:CPU schedules the recomputation early, so
  on CPU remat does not lower temp memory here, in JAX either; on GPU it does.
- ``scan``: the layers stacked and scanned (how deep models are written).  The residuals
  of a scan are real stacked buffers, so remat of the body lowers memory on every backend.
"""
from __future__ import annotations

import jax
import jax.numpy as jjnp
import numpy as np

import zenax
import zenax.numpy as znp

from bench._util import print_json, print_table, time_alternating


def make_params(depth: int, width: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    def dense():
        return (jjnp.asarray(rng.standard_normal((width, width), dtype=np.float32)
                             / np.sqrt(width)),
                jjnp.asarray(np.zeros(width, np.float32)))
    return [(dense(), dense()) for _ in range(depth)]


def stack_params(params):
    """The same layers as one pytree of ``[depth, ...]`` arrays, for ``scan``."""
    return jax.tree_util.tree_map(lambda *xs: jjnp.stack(xs), *params)


def _layer(np_mod):
    # A layer is a two-matmul block: checkpointing it saves only its input and recomputes
    # the inner activation.  (Around a single dense+tanh a checkpoint saves nothing: the
    # layer's input is the previous layer's saved output.)
    def layer(p, h):
        (w1, b1), (w2, b2) = p
        return np_mod.tanh(np_mod.tanh(h @ w1 + b1) @ w2 + b2)
    return layer


def make_loss(np_mod, checkpoint):
    """Unrolled: one Python-level call per layer."""
    layer = _layer(np_mod)
    step = checkpoint(layer) if checkpoint is not None else layer

    def loss(params, x):
        h = x
        for p in params:
            h = step(p, h)
        return np_mod.sum(h * h)
    return loss


def make_scan_loss(np_mod, lax_mod, checkpoint):
    """Scanned: the layer stack is one ``scan`` whose body is (optionally) checkpointed --
    the way deep models are written in JAX.  Without remat the backward pass keeps every
    layer's inner activations as stacked scan residuals ([depth, batch, width] each);
    with it, only each layer's input."""
    layer = _layer(np_mod)

    def body(h, p):
        return layer(p, h), None
    body = checkpoint(body) if checkpoint is not None else body

    def loss(stacked, x):
        h, _ = lax_mod.scan(body, x, stacked)
        return np_mod.sum(h * h)
    return loss


def _temp_bytes(compiled) -> int:
    return int(compiled.memory_analysis().temp_size_in_bytes)


def _measure(variants: dict, args: tuple, reps: int) -> tuple[dict, dict]:
    compiled = {k: f.lower(*args).compile() for k, f in variants.items()}
    temp = {k: _temp_bytes(c) for k, c in compiled.items()}
    ref = variants["jax_plain"](*args)
    for k in ("zx_plain", "zx_remat", "jax_remat"):
        for a, b in zip(jax.tree_util.tree_leaves(variants[k](*args)),
                        jax.tree_util.tree_leaves(ref)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-4)
    return temp, time_alternating(compiled, args, reps)


def _ratios(temp: dict, t: dict) -> dict:
    return {
        "temp_bytes": temp,
        "times_ms": {k: v * 1e3 for k, v in t.items()},
        "zx_remat_over_plain_mem": temp["zx_remat"] / temp["zx_plain"],
        "jax_remat_over_plain_mem": temp["jax_remat"] / temp["jax_plain"],
        "zx_over_jax_mem_plain": temp["zx_plain"] / temp["jax_plain"],
        "zx_over_jax_mem_remat": temp["zx_remat"] / temp["jax_remat"],
        "zx_remat_over_plain_time": t["zx_remat"] / t["zx_plain"],
        "zx_over_jax_time_plain": t["zx_plain"] / t["jax_plain"],
        "zx_over_jax_time_remat": t["zx_remat"] / t["jax_remat"],
    }


def run(small: bool = False, reps: int | None = None) -> dict:
    depth, width, batch = (8, 128, 64) if small else (16, 512, 256)
    reps = reps or (5 if small else 7)
    params = make_params(depth, width)
    x = jjnp.asarray(np.random.default_rng(1).standard_normal((batch, width),
                                                              dtype=np.float32))
    workloads = {
        "unrolled": ({
            "zx_plain": zenax.jit(zenax.grad(make_loss(znp, None))),
            "zx_remat": zenax.jit(zenax.grad(make_loss(znp, zenax.checkpoint))),
            "jax_plain": jax.jit(jax.grad(make_loss(jjnp, None))),
            "jax_remat": jax.jit(jax.grad(make_loss(jjnp, jax.checkpoint))),
        }, (params, x)),
        "scan": ({
            "zx_plain": zenax.jit(zenax.grad(make_scan_loss(znp, zenax.lax, None))),
            "zx_remat": zenax.jit(zenax.grad(make_scan_loss(znp, zenax.lax,
                                                            zenax.checkpoint))),
            "jax_plain": jax.jit(jax.grad(make_scan_loss(jjnp, jax.lax, None))),
            "jax_remat": jax.jit(jax.grad(make_scan_loss(jjnp, jax.lax, jax.checkpoint))),
        }, (stack_params(params), x)),
    }
    summary = {"small": small, "depth": depth, "width": width, "batch": batch,
               "workloads": {}}
    print(f"remat memory: grad of {depth}-layer tanh MLP, width {width}, batch {batch}, "
          f"median of {reps}; temp = XLA's compiled temporary bytes")
    rows = []
    for name, (variants, args) in workloads.items():
        temp, t = _measure(variants, args, reps)
        summary["workloads"][name] = _ratios(temp, t)
        rows += [[name, k, temp[k], temp[k] / 2**20, t[k] * 1e3] for k in variants]
    print_table(["layers", "variant", "temp bytes", "temp MiB", "time ms"], rows)
    for name, r in summary["workloads"].items():
        print(f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in r.items()
                                        if k.startswith(("zx_", "jax_"))))
    print_json("remat", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
