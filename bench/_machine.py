"""What the benchmarks need to know about the machine and the libraries on it: PyTorch
(optional: its columns read "n/a" without it), the measured matmul FLOP/s (the MFU
denominator), compiled memory and FLOPs, and timing with per-library arguments."""
from __future__ import annotations

import functools
import re
import statistics
import time

import jax
import jax.numpy as jjnp
import numpy as np

import zenax


@functools.cache
def torch_or_none():
    """The ``torch`` module, or ``None`` when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_version() -> str | None:
    torch = torch_or_none()
    return None if torch is None else torch.__version__


def on_gpu() -> bool:
    return jax.devices()[0].platform == "gpu"


@functools.cache
def matmul_flops_per_s(n: int, dtype=np.float32) -> float:
    """The best FLOP/s of a jitted ``[n, n] @ [n, n]`` in JAX on the default device: the
    machine's attainable matmul rate, which MFU is measured against."""
    rng = np.random.default_rng(0)
    a, b = (jjnp.asarray(rng.standard_normal((n, n), dtype=np.float32), dtype)
            for _ in range(2))
    matmul = jax.jit(jjnp.matmul)
    jax.block_until_ready(matmul(a, b))
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        jax.block_until_ready(matmul(a, b))
        times.append(time.perf_counter() - t0)
    return 2 * n ** 3 / min(times)


def compiled_stats(compiled) -> dict:
    """Peak memory and FLOPs of a compiled executable, from XLA's own analyses:
    ``temp_bytes`` (scratch buffers), ``peak_bytes`` (arguments + outputs + temps, less
    donated aliases) and ``flops``; and its HLO's layout changes (:func:`hlo_layout_ops`)."""
    mem = compiled.memory_analysis()
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost
    peak = (mem.argument_size_in_bytes + mem.output_size_in_bytes + mem.temp_size_in_bytes
            - mem.alias_size_in_bytes)
    return {"temp_bytes": int(mem.temp_size_in_bytes), "peak_bytes": int(peak),
            "flops": float(cost.get("flops", 0.0)), **hlo_layout_ops(compiled)}


# An HLO instruction line: ``[ROOT] %name = shape opcode(operands), attributes``; the shape
# of a tuple has spaces inside its parentheses, and metadata may mention op names like
# ``transpose(jvp())``, so the opcode is read from its place rather than searched for.
_HLO_INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%[\w.\-]+\s*=\s*(?:\([^=]*?\)|\S+)\s+([\w\-]+)\(")


def hlo_layout_ops(compiled) -> dict:
    """How many ``transpose`` and ``copy`` instructions (the layout changes XLA
    materialises, fused ones included) the optimized HLO of a compiled executable has."""
    counts = {"transpose": 0, "copy": 0}
    for line in compiled.as_text().splitlines():
        m = _HLO_INSTRUCTION.match(line)
        if m and m.group(1) in counts:
            counts[m.group(1)] += 1
    return {"hlo_transposes": counts["transpose"], "hlo_copies": counts["copy"]}


def first_calls(make_fns: dict, args: dict, reps: int) -> tuple[dict, dict[str, float]]:
    """Median time of the first call (trace + compile + run) of freshly built functions,
    ``make_fns[k]()`` building a new one each round, the libraries alternating.  Returns
    the last round's functions (compiled now, for the steady-state timing) and the times."""
    samples: dict[str, list[float]] = {k: [] for k in make_fns}
    fns = {}
    for r in range(reps):
        order = list(make_fns) if r % 2 == 0 else list(reversed(list(make_fns)))
        for k in order:
            fns[k] = make_fns[k]()
            t0 = time.perf_counter()
            _block(fns[k](*args[k]))
            samples[k].append(time.perf_counter() - t0)
    return fns, {k: statistics.median(v) for k, v in samples.items()}


def time_each(fns: dict, args: dict, reps: int) -> dict[str, float]:
    """Median wall time of each ``fns[k](*args[k])`` after a warm-up call, the functions
    taking turns every round (``bench._util.time_alternating`` with per-function args)."""
    for k, fn in fns.items():
        _block(fn(*args[k]))
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(reps):
        order = list(fns) if r % 2 == 0 else list(reversed(list(fns)))
        for k in order:
            t0 = time.perf_counter()
            _block(fns[k](*args[k]))
            samples[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in samples.items()}


def _block(out):
    # PyTorch on CPU is synchronous; JAX (and zenax) arrays are waited for.  zenax's
    # tree_util flattens both libraries' containers (zenax modules are not JAX pytrees).
    jax.block_until_ready([leaf for leaf in zenax.tree_util.tree_leaves(out)
                           if isinstance(leaf, jax.Array)])

