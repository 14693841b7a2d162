"""Hessian-vector products on the GPT loss (workload 4), forward-over-reverse:
``hvp(params, v) = jvp(grad(loss), (params,), (v,))[1]``, jit-compiled.

zenax: ``zenax.jvp(zenax.grad(gpt.loss))`` on a ``zenax.models.gpt.GPT``; JAX:
``jax.jvp(jax.grad(...))`` on ``bench.gpt_twins``' JAX GPT with the same parameters and
the same direction ``v``.  The products must agree.  Sizes as the GPT step's.
"""
from __future__ import annotations

import jax
import numpy as np

import zenax
from zenax.models.gpt import GPT, loss as gpt_loss

from bench import gpt_twins
from bench.gpt_step import make_tokens, sizes
from bench._machine import time_each
from bench._util import print_json
from bench.results import print_rows, row


def zenax_hvp(model, v, tokens):
    def loss(m):
        return gpt_loss(m, tokens, training=False)
    return zenax.jvp(zenax.grad(loss), (model,), (v,))[1]


def jax_hvp_fn(n_head: int):
    def hvp(params, v, tokens):
        def loss(p):
            return gpt_twins.jax_loss(p, tokens, n_head)
        return jax.jvp(jax.grad(loss), (params,), (v,))[1]
    return hvp


def random_direction(model, seed: int = 2):
    """A GPT-shaped pytree of N(0, 1) entries: the vector of the product."""
    rng = np.random.default_rng(seed)
    return zenax.tree_util.tree_map(
        lambda p: jax.numpy.asarray(rng.standard_normal(p.shape, dtype=np.float32)), model)


def run(small: bool = False, reps: int | None = None) -> dict:
    config, batch = sizes(small)
    reps = reps or (3 if small else 7)
    model = GPT(config, key=zenax.random.PRNGKey(0))
    v = random_direction(model)
    tokens = make_tokens(config, batch)
    fns = {"zenax": zenax.jit(zenax_hvp), "jax": jax.jit(jax_hvp_fn(config.n_head))}
    args = {"zenax": (model, v, tokens),
            "jax": (gpt_twins.jax_params(model), gpt_twins.jax_params(v), tokens)}

    mine = gpt_twins.jax_params(fns["zenax"](*args["zenax"]))
    ref = fns["jax"](*args["jax"])
    # Tolerance relative to the largest entry: some leaves are zero up to round-off (the
    # key projection's bias does not change the softmax).
    scale = max(float(np.max(np.abs(b))) for b in jax.tree_util.tree_leaves(ref))
    for a, b in zip(jax.tree_util.tree_leaves(mine), jax.tree_util.tree_leaves(ref)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-3, atol=1e-4 * scale,
                                   err_msg="zenax's Hessian-vector product differs from JAX's")

    t = time_each(fns, args, reps)
    rows = [row("gpt hvp", "Hessian-vector product (fwd-over-rev)", "ms",
                t["zenax"] * 1e3, t["jax"] * 1e3)]
    print(f"gpt hvp: jvp(grad(loss)), {config.n_layer} layers, d={config.n_embd}, seq "
          f"{config.n_positions}, batch {batch}; median of {reps}")
    print_rows(rows)
    summary = {"small": small, "n_layer": config.n_layer, "n_embd": config.n_embd,
               "seq": config.n_positions, "batch": batch, "rows": rows,
               "times_ms": {k: v * 1e3 for k, v in t.items()},
               "ratio": t["zenax"] / t["jax"]}
    print_json("hvp", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
