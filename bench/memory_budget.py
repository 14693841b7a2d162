"""Training memory under a budget: the GPT train step (``bench.gpt_step``'s model and
sizes, AdamW) built with ``zenax.training.make_train_step(..., memory_budget=b)`` for
b = 100%, 50% and 25% of what saving everything keeps, against the same step without a
budget (zenax, and JAX's twin, which has no such option).

Measured: XLA's compiled temporary memory (``memory_analysis().temp_size_in_bytes``),
the compiled FLOPs (``cost_analysis``: the recomputation shows up here), and the
steady-state step time, the variants alternating, medians.  The machine is shared, so
the headline figures are ratios to zenax's unconstrained step.  The issue's bound: at a
50% budget the step compiles to at most 55% of the unconstrained temporary memory.
"""
from __future__ import annotations

import numpy as np
import optax

import zenax
from zenax import optim, training
from zenax.models.gpt import GPT, loss as gpt_loss

from bench import gpt_twins
from bench.gpt_step import LEARNING_RATE, jax_step_fn, make_tokens, sizes
from bench._machine import compiled_stats, time_each
from bench._util import print_json
from bench.results import print_rows, row

BUDGETS = {"100%": 1.0, "50%": 0.5, "25%": 0.25}
TARGET_AT_HALF = 0.55     # the bound on temp memory at a 50% budget


def zenax_step(budget: float | None):
    """A fresh jitted zenax train step ``(model, opt_state, tokens)``."""
    def loss(model, tokens):
        return gpt_loss(model, tokens, training=False)
    return training.make_train_step(loss, optim.adamw(LEARNING_RATE), memory_budget=budget)


def run(small: bool = False, reps: int | None = None) -> dict:
    config, batch = sizes(small)
    reps = reps or (3 if small else 7)
    model = GPT(config, key=zenax.random.PRNGKey(0))
    tokens = make_tokens(config, batch)
    params = gpt_twins.jax_params(model)
    zx_args = (model, optim.adamw(LEARNING_RATE).init(model), tokens)
    jx_args = (params, optax.adamw(LEARNING_RATE).init(params), tokens)

    fns = {"zenax": zenax_step(None), **{b: zenax_step(f) for b, f in BUDGETS.items()},
           "jax": jax_step_fn(config.n_head)}
    args = {k: jx_args if k == "jax" else zx_args for k in fns}
    stats = {k: compiled_stats(fn.lower(*args[k]).compile()) for k, fn in fns.items()}
    losses = {k: float(fn(*args[k])[2]) for k, fn in fns.items()}
    for k, value in losses.items():     # the same step, whatever is recomputed
        np.testing.assert_allclose(value, losses["jax"], rtol=2e-5, err_msg=k)
    t = time_each(fns, args, reps)

    plain = stats["zenax"]
    mib = 2.0 ** 20
    curve = {b: {"temp_bytes": stats[b]["temp_bytes"],
                 "temp_ratio": stats[b]["temp_bytes"] / plain["temp_bytes"],
                 "flops_ratio": stats[b]["flops"] / plain["flops"],
                 "time_ratio": t[b] / t["zenax"], "step_ms": t[b] * 1e3} for b in BUDGETS}
    rows = [row("memory_budget", "unconstrained step: temp memory", "MiB",
                plain["temp_bytes"] / mib, stats["jax"]["temp_bytes"] / mib),
            row("memory_budget", "unconstrained step: time", "ms", t["zenax"] * 1e3,
                t["jax"] * 1e3)]
    for b in BUDGETS:    # JAX has no budget: its column is its unconstrained step
        rows += [row("memory_budget", f"{b} budget: temp memory (JAX: none)", "MiB",
                     stats[b]["temp_bytes"] / mib, stats["jax"]["temp_bytes"] / mib),
                 row("memory_budget", f"{b} budget: time (JAX: none)", "ms", t[b] * 1e3,
                     t["jax"] * 1e3)]
    print(f"memory budget: gpt train step, {config.n_layer} layers, d={config.n_embd}, seq "
          f"{config.n_positions}, batch {batch}; median of {reps}; ratios to zenax's "
          f"unconstrained step")
    print_rows(rows)
    for b, c in curve.items():
        print(f"  {b:>4} budget: temp x{c['temp_ratio']:.3f}, FLOPs x{c['flops_ratio']:.3f}, "
              f"time x{c['time_ratio']:.3f}")
    half = curve["50%"]["temp_ratio"]
    print(f"  50% budget -> {100 * half:.1f}% of the unconstrained temp memory "
          f"(bound {100 * TARGET_AT_HALF:.0f}%: {'met' if half <= TARGET_AT_HALF else 'MISSED'})")
    summary = {"small": small, "n_layer": config.n_layer, "n_embd": config.n_embd,
               "seq": config.n_positions, "batch": batch, "reps": reps,
               "unconstrained": {"temp_bytes": plain["temp_bytes"], "flops": plain["flops"],
                                 "step_ms": t["zenax"] * 1e3},
               "jax_unconstrained": {"temp_bytes": stats["jax"]["temp_bytes"],
                                     "step_ms": t["jax"] * 1e3},
               "curve": curve, "half_budget_temp_ratio": half,
               "meets_half_budget_bound": half <= TARGET_AT_HALF, "rows": rows}
    print_json("memory_budget", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
