"""Shared timing and printing helpers for the benchmarks."""
from __future__ import annotations

import json
import statistics
import time
from typing import Callable

import jax


# A sample lasts at least this long: microsecond calls are timed over a loop, not once.
MIN_SAMPLE_S = 2e-3


def _run(fn: Callable, args, number: int = 1) -> float:
    """Seconds per call of ``fn(*args)`` (each call waited for), over ``number`` calls."""
    t0 = time.perf_counter()
    for _ in range(number):
        jax.block_until_ready(fn(*args))
    return (time.perf_counter() - t0) / number


def time_alternating(fns: dict[str, Callable], args, reps: int = 7) -> dict[str, float]:
    """Median wall time (seconds) per call of each function on ``args``, after one
    warm-up call each; the functions take turns in every round so drift affects all alike,
    and each sample loops over enough calls to last ``MIN_SAMPLE_S``."""
    for fn in fns.values():
        jax.block_until_ready(fn(*args))
    # Calls per sample, so that a sample of a fast function is not one noisy call.
    number = {k: max(1, int(MIN_SAMPLE_S / max(_run(fn, args), 1e-7))) for k, fn in fns.items()}
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(reps):
        order = list(fns) if r % 2 == 0 else list(reversed(list(fns)))
        for k in order:
            samples[k].append(_run(fns[k], args, number[k]))
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
