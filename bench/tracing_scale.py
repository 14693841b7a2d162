"""Tracing scale: is tracing and transforming a program linear in its size?

The program is a chain of elementwise blocks (``x = sin(x) * 0.5 + tanh(x) * x``: five
equations each) ending in a sum, written once for zenax and once for JAX, at 1,000 and
10,000 equations.  For each size we time, in CPU seconds, the best of several runs
(tracing is pure Python: CPU time, and the best run, are what other processes on the
machine disturb least):

- ``make_jaxpr``: staging the program;
- ``grad``: staging ``grad(f)`` (linearize + transpose of 10k equations);
- ``vmap``: staging ``vmap(f)``;
- ``jit_trace``: ``jit(f).trace(x)``, jit's tracing and jaxpr passes without compiling;

each next to JAX doing the same (``jax.make_jaxpr``, ``jax.jit(f).trace``).  It prints
seconds per 1,000 equations and the growth ratio ``time(10x equations) / time(1x)``:
linear is 10, the goal is <= 12; quadratic behaviour shows as ~100.
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jjnp
import numpy as np

import zenax
import zenax.numpy as znp

from bench import results
from bench._util import print_json, print_table

EQNS_PER_BLOCK = 5
WIDTH = 8


def chain(xp, n_eqns: int):
    """``f(x) -> scalar`` with about ``n_eqns`` equations, for the array module ``xp``."""
    def f(x):
        for _ in range(n_eqns // EQNS_PER_BLOCK):
            x = xp.sin(x) * 0.5 + xp.tanh(x) * x
        return xp.sum(x)
    return f


def workloads(n_eqns: int) -> dict:
    """Name -> (zenax thunk, JAX thunk or None).  Each thunk builds a fresh function, so
    no library cache (jit's, JAX's tracing caches) serves a repeat."""
    x = np.ones(WIDTH, np.float32)
    xs = np.ones((3, WIDTH), np.float32)
    zf = lambda: chain(znp, n_eqns)  # noqa: E731
    jf = lambda: chain(jjnp, n_eqns)  # noqa: E731
    return {
        "make_jaxpr": (lambda: zenax.make_jaxpr(zf())(x), lambda: jax.make_jaxpr(jf())(x)),
        "grad": (lambda: zenax.make_jaxpr(zenax.grad(zf()))(x),
                 lambda: jax.make_jaxpr(jax.grad(jf()))(x)),
        "vmap": (lambda: zenax.make_jaxpr(zenax.vmap(zf()))(xs),
                 lambda: jax.make_jaxpr(jax.vmap(jf()))(xs)),
        "jit_trace": (lambda: zenax.jit(zf()).trace(x), lambda: jax.jit(jf()).trace(x)),
    }


def cpu_seconds(thunk, reps: int) -> float:
    """Best CPU time of ``reps`` runs of ``thunk`` (after one warm-up run): interference
    only ever adds time, so the minimum is the least noisy estimate."""
    thunk()
    samples = []
    for _ in range(reps):
        t0 = time.process_time()
        thunk()
        samples.append(time.process_time() - t0)
    return min(samples)


def count_eqns(n_eqns: int) -> int:
    return len(zenax.make_jaxpr(chain(znp, n_eqns))(np.ones(WIDTH, np.float32)).eqns)


def measure(sizes: tuple[int, int], reps: int, names=None, with_jax: bool = True) -> dict:
    """Per workload: CPU seconds per 1,000 equations at each size and the growth ratio
    ``t(large) / t(small)`` (for zenax and, with ``with_jax``, for JAX)."""
    small, large = sizes
    eqns = {n: count_eqns(n) for n in sizes}
    out = {}
    for name in names or workloads(small):
        row = {}
        for lib, k in (("zenax", 0), ("jax", 1)):
            if lib == "jax" and not with_jax:
                continue
            t = {n: cpu_seconds(workloads(n)[name][k], reps) for n in sizes}
            row[lib] = {"s_per_1k_eqns": {str(n): 1e3 * t[n] / eqns[n] for n in sizes},
                        "seconds": {str(n): t[n] for n in sizes},
                        "growth_ratio": t[large] / t[small]}
        out[name] = row
    return {"equations": {str(n): eqns[n] for n in sizes}, "size_ratio": eqns[large] / eqns[small],
            "workloads": out}


def run(small: bool = False, reps: int | None = None) -> dict:
    sizes = (300, 3000) if small else (1000, 10000)
    reps = reps or (3 if small else 5)
    result = measure(sizes, reps)
    lo, hi = (str(n) for n in sizes)
    print(f"tracing scale: chain of {EQNS_PER_BLOCK}-equation blocks, "
          f"{result['equations'][lo]} vs {result['equations'][hi]} equations, "
          f"best CPU time of {reps}")
    rows = []
    for name, row in result["workloads"].items():
        z, j = row["zenax"], row["jax"]
        rows.append([name, z["s_per_1k_eqns"][lo], z["s_per_1k_eqns"][hi], z["growth_ratio"],
                     j["s_per_1k_eqns"][lo], j["s_per_1k_eqns"][hi], j["growth_ratio"],
                     z["seconds"][hi] / j["seconds"][hi]])
    print_table(["workload", f"zx s/1k @{lo}", f"zx s/1k @{hi}", "zx growth",
                 f"jax s/1k @{lo}", f"jax s/1k @{hi}", "jax growth", f"zx/jax @{hi}"], rows)
    table = []
    for name, r in result["workloads"].items():
        z, j = r["zenax"], r["jax"]
        table.append(results.row("tracing", f"{name}: CPU s per 1k equations at {hi}", "s",
                         z["s_per_1k_eqns"][hi], j["s_per_1k_eqns"][hi]))
        table.append(results.row("tracing", f"{name}: growth ratio, {lo} -> {hi} equations", "x",
                         z["growth_ratio"], j["growth_ratio"]))
    summary = {"small": small, "reps": reps, **result, "rows": table,
               "max_growth_ratio": max(r["zenax"]["growth_ratio"]
                                       for r in result["workloads"].values())}
    print_json("tracing", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
