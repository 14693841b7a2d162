"""Shared timing and printing helpers for the benchmarks."""
from __future__ import annotations

import json
import statistics
import time
from typing import Callable

import jax


def _run(fn: Callable, args) -> float:
    t0 = time.perf_counter()
    jax.block_until_ready(fn(*args))
    return time.perf_counter() - t0


def time_alternating(fns: dict[str, Callable], args, reps: int = 7) -> dict[str, float]:
    """Median wall time (seconds) of each function on ``args``, after one warm-up call
    each; the functions are called in turn in every round so drift affects all alike."""
    for fn in fns.values():
        jax.block_until_ready(fn(*args))
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(reps):
        order = list(fns) if r % 2 == 0 else list(reversed(list(fns)))
        for k in order:
            samples[k].append(_run(fns[k], args))
    return {k: statistics.median(v) for k, v in samples.items()}


def print_table(headers: list[str], rows: list[list]) -> None:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    for r in cells:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))


def _fmt(c) -> str:
    if isinstance(c, float):
        return f"{c:.3g}" if abs(c) < 1e4 else f"{c:.4g}"
    return str(c)


def print_json(name: str, payload: dict) -> None:
    print(json.dumps({"bench": name, **payload}, sort_keys=True), flush=True)
