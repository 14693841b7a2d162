"""Jacobian modes (workload 3): jacfwd vs jacrev vs jacobian(mode="auto"), zenax vs JAX.

f: R^n -> R^m is a 2-layer tanh MLP (hidden 64).  For every (n, m) we time the jitted
forward- and reverse-mode Jacobians in both libraries and zenax's ``mode="auto"``, which
picks a mode at trace time from ``zenax.transforms.mode_costs``.  Goal (issue): auto never
slower than 1.1x the faster of the two fixed modes.  n, m in {16, 256, 4096} ({16, 64}
with ``--small``).
"""
from __future__ import annotations

import itertools

import jax
import jax.numpy as jjnp
import numpy as np

import zenax
import zenax.numpy as znp

from bench._util import print_json, print_table, time_alternating
from bench.results import row

HIDDEN = 64


def make_params(n: int, m: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, HIDDEN), dtype=np.float32) / np.sqrt(n),
            np.zeros(HIDDEN, np.float32),
            rng.standard_normal((HIDDEN, m), dtype=np.float32) / np.sqrt(HIDDEN),
            np.zeros(m, np.float32))


def mlp(np_mod):
    def f(x, params):
        w1, b1, w2, b2 = params
        return np_mod.tanh(np_mod.tanh(x @ w1 + b1) @ w2 + b2)
    return f


def run(small: bool = False, reps: int | None = None) -> dict:
    sizes = (16, 64) if small else (16, 256, 4096)
    reps = reps or (5 if small else 9)
    zf, jf = mlp(znp), mlp(jjnp)
    rows, results = [], []
    for n, m in itertools.product(sizes, sizes):
        params = tuple(jjnp.asarray(p) for p in make_params(n, m))
        x = jjnp.asarray(np.random.default_rng(1).standard_normal(n, dtype=np.float32))
        auto = zenax.jacobian(zf, mode="auto")
        fns = {
            "zx_fwd": zenax.jit(zenax.jacfwd(zf)),
            "zx_rev": zenax.jit(zenax.jacrev(zf)),
            "zx_auto": zenax.jit(auto),
            "jax_fwd": jax.jit(jax.jacfwd(jf)),
            "jax_rev": jax.jit(jax.jacrev(jf)),
        }
        ref = np.asarray(fns["jax_rev"](x, params))
        for k in ("zx_fwd", "zx_rev", "zx_auto"):
            np.testing.assert_allclose(np.asarray(fns[k](x, params)), ref, rtol=1e-4, atol=1e-5)
        t = time_alternating(fns, (x, params), reps)
        costs = zenax.transforms.mode_costs(lambda x_: zf(x_, params), x)
        best = min(t["zx_fwd"], t["zx_rev"])
        r = {
            "n": n, "m": m, "auto_mode": auto.last_mode,
            "times_us": {k: v * 1e6 for k, v in t.items()},
            "flops_fwd": costs["forward"], "flops_rev": costs["reverse"],
            "auto_over_best": t["zx_auto"] / best,
            "fwd_vs_jax": t["zx_fwd"] / t["jax_fwd"],
            "rev_vs_jax": t["zx_rev"] / t["jax_rev"],
            "auto_vs_jax_best": t["zx_auto"] / min(t["jax_fwd"], t["jax_rev"]),
        }
        results.append(r)
        us = r["times_us"]
        rows.append([n, m, us["zx_fwd"], us["zx_rev"], us["zx_auto"], r["auto_mode"],
                     us["jax_fwd"], us["jax_rev"], r["auto_over_best"], r["fwd_vs_jax"],
                     r["rev_vs_jax"]])
    print(f"jacobian modes: 2-layer tanh MLP R^n -> R^m, hidden {HIDDEN}, "
          f"median of {reps}, times in us")
    print_table(["n", "m", "zx_fwd", "zx_rev", "zx_auto", "auto", "jax_fwd", "jax_rev",
                 "auto/best", "fwd zx/jax", "rev zx/jax"], rows)
    summary = {
        "small": small,
        "rows": [row("jacobian", f"n={r['n']} m={r['m']}: auto ({r['auto_mode']}) vs JAX's "
                     "faster mode", "us", r["times_us"]["zx_auto"],
                     min(r["times_us"]["jax_fwd"], r["times_us"]["jax_rev"]))
                 for r in results],
        "max_auto_over_best": max(r["auto_over_best"] for r in results),
        "cases": [{k: r[k] for k in ("n", "m", "auto_mode", "auto_over_best", "fwd_vs_jax",
                                     "rev_vs_jax", "auto_vs_jax_best")} for r in results],
    }
    print_json("jacobian", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
