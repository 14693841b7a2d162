"""Forward mode vs reverse mode, on the same functions.

For f: R^n -> R^m the full Jacobian costs n jvps (forward mode, one per input direction)
or m vjps (reverse mode, one per output direction).  This script shows, for a few
functions:

1. the jaxpr of each mode: the linearized program (jvp) and its transpose (vjp);
2. their FLOP counts, from zenax's own jaxpr cost model;
3. timings of ``jacfwd`` vs ``jacrev`` (both jit-compiled) as n and m vary, with a plot;
4. which mode ``jacobian(mode="auto")`` picks.

Run:  python examples/forward_vs_reverse.py [--small] [--out DIR]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import zenax
import zenax.numpy as jnp
from zenax.transforms import mode_costs


def make_problem(n: int, m: int, seed: int = 0):
    """f(x) = tanh(W2 @ tanh(W1 @ x)): R^n -> R^m, with a hidden width of 64."""
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((64, n)).astype(np.float32) / np.sqrt(n)
    w2 = rng.standard_normal((m, 64)).astype(np.float32) / 8.0

    def f(x):
        return jnp.tanh(w2 @ jnp.tanh(w1 @ x))

    return f, rng.standard_normal(n).astype(np.float32)


def show_jaxprs(n: int = 3, m: int = 2) -> None:
    f, x = make_problem(n, m)
    _, f_jvp = zenax.linearize(f, x)
    print(f"== forward mode: the linearized program of f: R^{n} -> R^{m} ==")
    print(f_jvp.jaxpr)
    _, f_vjp = zenax.vjp(f, x)
    print("== reverse mode: its transpose (the vjp) ==")
    print(zenax.make_jaxpr(lambda ct: f_vjp(ct))(np.ones(m, np.float32)))


def best_time(fn, *args, repeat: int = 5) -> float:
    zenax.block_until_ready(fn(*args))      # compile once
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        zenax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return min(times)


def compare(sizes: list[tuple[int, int]], repeat: int = 5) -> list[dict]:
    """Time jacfwd and jacrev (jitted) and count each mode's FLOPs for each (n, m)."""
    rows = []
    for n, m in sizes:
        f, x = make_problem(n, m)
        costs = mode_costs(f, x)
        fwd = zenax.jit(zenax.jacfwd(f))
        rev = zenax.jit(zenax.jacrev(f))
        np.testing.assert_allclose(np.asarray(fwd(x)), np.asarray(rev(x)), atol=1e-4)
        auto = zenax.jacobian(f, mode="auto")
        auto(x)
        rows.append(dict(n=n, m=m, fwd_s=best_time(fwd, x, repeat=repeat),
                         rev_s=best_time(rev, x, repeat=repeat),
                         fwd_flops=costs["forward"], rev_flops=costs["reverse"],
                         auto=auto.last_mode))
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"{'n':>6} {'m':>6} {'jacfwd ms':>10} {'jacrev ms':>10} {'fwd FLOPs':>12} "
          f"{'rev FLOPs':>12} {'auto':>5}")
    for r in rows:
        print(f"{r['n']:>6} {r['m']:>6} {1e3 * r['fwd_s']:>10.3f} {1e3 * r['rev_s']:>10.3f} "
              f"{r['fwd_flops']:>12} {r['rev_flops']:>12} {r['auto']:>5}")


def plot(rows: list[dict], path: str) -> str:
    """Plot time and FLOP ratios (jacfwd / jacrev) against n/m; returns the PNG path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratio_nm = [r["n"] / r["m"] for r in rows]
    time_ratio = [r["fwd_s"] / r["rev_s"] for r in rows]
    flop_ratio = [r["fwd_flops"] / r["rev_flops"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(ratio_nm, time_ratio, "o-", label="time: jacfwd / jacrev")
    ax.loglog(ratio_nm, flop_ratio, "s--", label="FLOPs: forward / reverse")
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.set_xlabel("inputs / outputs  (n / m)")
    ax.set_ylabel("forward cost / reverse cost")
    ax.set_title("Forward mode wins for tall Jacobians, reverse for wide ones")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


SMALL_SIZES = [(4, 64), (16, 16), (64, 4)]
FULL_SIZES = [(16, 256), (16, 4096), (256, 256), (256, 16), (4096, 16), (1024, 1024)]


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny sizes (for tests)")
    parser.add_argument("--out", default="out", help="folder for the plot")
    args = parser.parse_args(argv)
    show_jaxprs()
    rows = compare(SMALL_SIZES if args.small else FULL_SIZES, repeat=2 if args.small else 5)
    print_table(rows)
    os.makedirs(args.out, exist_ok=True)
    print("plot:", plot(rows, os.path.join(args.out, "forward_vs_reverse.png")))
    return rows


if __name__ == "__main__":
    main()
