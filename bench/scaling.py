"""Data-parallel scaling: the GPT training step (``bench/gpt_step.py``'s model, AdamW) on
1, 2, 4 and 8 host CPU devices, zenax vs JAX in the same process.

At each size the parameters and optimizer state are replicated over a ``data`` mesh of
the first N devices and the global batch (the same at every size: strong scaling) is split
along it, in ``jit``'s ``in_shardings``; XLA's SPMD partitioner inserts the gradient
all-reduce.  Reported per size: the steady-state step time of each library and their
ratio (the issue's target is <= 1.05), and the collective traffic of one step read from
the compiled HLO: for every all-reduce, all-gather, reduce-scatter, all-to-all and
collective-permute, the bytes of its operands (what each device sends into it), so the
communication of a larger run can be worked out on paper.

Host devices need ``XLA_FLAGS=--xla_force_host_platform_device_count=8`` before JAX makes
its CPU client; ``run`` starts ``python -m bench.scaling`` with it when this process has
fewer than 8 CPU devices (``python -m bench`` has made its devices by then).  It always
runs on the CPU, whatever ``--device`` says.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import jax
import numpy as np
import optax
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec as P

import zenax
from zenax import optim
from zenax.models.gpt import GPT, GPTConfig, loss as gpt_loss

from bench import gpt_twins
from bench._machine import time_each
from bench._util import print_json
from bench.results import print_rows, row

LEARNING_RATE = 3e-4
SIZES = (1, 2, 4, 8)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sizes(small: bool) -> tuple[GPTConfig, int]:
    """The model config and global batch (divisible by every device count)."""
    if small:
        return GPTConfig(vocab_size=64, n_positions=16, n_embd=32, n_layer=1, n_head=2), 8
    return GPTConfig(vocab_size=256, n_positions=128, n_embd=256, n_layer=4, n_head=8), 16


# ---------------------------------------------------------------- collectives in HLO

_COLLECTIVES = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all",
                "collective-permute")
_DTYPE_BYTES = {"pred": 1, "s4": 0.5, "u4": 0.5, "s8": 1, "u8": 1, "s16": 2, "u16": 2,
                "f16": 2, "bf16": 2, "s32": 4, "u32": 4, "f32": 4, "s64": 8, "u64": 8,
                "f64": 8, "c64": 8, "c128": 16}
# ``%name = <shape> opcode(operands), attributes``: the shape is one array shape or a
# parenthesized tuple of them.
_INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%?([\w.\-]+)\s*=\s*(\([^=]*?\)|\S+)\s+"
                          r"([\w\-]+)\(([^)]*)\)")
_COMMENT = re.compile(r"/\*.*?\*/")     # long tuples carry /*index=5*/ markers
_ARRAY_SHAPE = re.compile(r"\b([a-z]+\d*)\[([\d,]*)\]")


def _shape_bytes(shape: str) -> float:
    total = 0.0
    for dtype, dims in _ARRAY_SHAPE.findall(shape):
        if dtype in _DTYPE_BYTES:
            total += _DTYPE_BYTES[dtype] * int(np.prod([int(d) for d in dims.split(",") if d]))
    return total


def collective_bytes(hlo_text: str) -> dict[str, dict[str, float]]:
    """Per collective kind in a compiled HLO module's text: how many instructions and the
    bytes of their operands (per device: the module is one device's SPMD program).  An
    asynchronous pair (``all-reduce-start`` / ``-done``) counts once, at its start."""
    shapes, uses = {}, []
    for line in hlo_text.splitlines():
        m = _INSTRUCTION.match(_COMMENT.sub("", line))
        if m is None:
            continue
        name, shape, opcode, operands = m.groups()
        shapes[name] = shape
        kind = opcode[:-len("-start")] if opcode.endswith("-start") else opcode
        if kind in _COLLECTIVES:
            uses.append((kind, [o.strip().lstrip("%") for o in operands.split(",")
                                if o.strip()]))
    out = {k: {"count": 0, "bytes": 0.0} for k in _COLLECTIVES}
    for kind, operands in uses:
        out[kind]["count"] += 1
        out[kind]["bytes"] += sum(_shape_bytes(shapes.get(o.split()[-1], ""))
                                  for o in operands)
    return out


def _total_bytes(per_kind: dict) -> float:
    return sum(v["bytes"] for v in per_kind.values())


# ---------------------------------------------------------------- the two steps


def _zenax_step(rep, data):
    tx = optim.adamw(LEARNING_RATE)

    def step(model, opt_state, tokens):
        loss, grads = zenax.value_and_grad(
            lambda m: gpt_loss(m, tokens, training=False))(model)
        updates, opt_state = tx.update(grads, opt_state, model)
        return optim.apply_updates(model, updates), opt_state, loss
    return zenax.jit(step, in_shardings=(rep, rep, data), out_shardings=rep), tx


def _jax_step(rep, data, n_head: int):
    tx = optax.adamw(LEARNING_RATE)

    def step(params, opt_state, tokens):
        loss, grads = jax.value_and_grad(gpt_twins.jax_loss)(params, tokens, n_head)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss
    return jax.jit(step, in_shardings=(rep, rep, data), out_shardings=rep), tx


def _measure_size(n: int, model, tokens, config: GPTConfig, reps: int) -> dict:
    mesh = Mesh(np.array(jax.devices()[:n]), ("data",), axis_types=(AxisType.Auto,))
    rep, data = NamedSharding(mesh, P()), NamedSharding(mesh, P("data"))
    zx_step, zx_tx = _zenax_step(rep, data)
    jx_step, jx_tx = _jax_step(rep, data, config.n_head)
    zx_model = zenax.device_put(model, rep)
    jx_params = jax.device_put(gpt_twins.jax_params(model), rep)
    sharded_tokens = jax.device_put(tokens, data)
    args = {"zenax": (zx_model, zenax.device_put(zx_tx.init(zx_model), rep), sharded_tokens),
            "jax": (jx_params, jax.device_put(jx_tx.init(jx_params), rep), sharded_tokens)}
    fns = {"zenax": zx_step, "jax": jx_step}
    loss = {k: float(fns[k](*args[k])[2]) for k in fns}
    np.testing.assert_allclose(loss["zenax"], loss["jax"], rtol=2e-5,
                               err_msg=f"{n} devices: zenax's loss differs from JAX's")
    hlo = {k: fns[k].lower(*args[k]).compile().as_text() for k in fns}
    t = time_each(fns, args, reps)
    return {"devices": n, "loss": loss["jax"], "step_ms": {k: v * 1e3 for k, v in t.items()},
            "ratio": t["zenax"] / t["jax"],
            "collectives": {k: collective_bytes(h) for k, h in hlo.items()}}


def measure(small: bool, reps: int | None) -> dict:
    """The scaling summary, measured in this process (which must have 8 CPU devices)."""
    config, batch = sizes(small)
    reps = reps or (3 if small else 7)
    model = GPT(config, key=zenax.random.PRNGKey(0))
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, config.vocab_size, (batch, config.n_positions + 1), np.int32)
    param_bytes = sum(4 * np.size(leaf) for leaf in zenax.tree_util.tree_leaves(model))
    results = [_measure_size(n, model, tokens, config, reps) for n in SIZES]
    for r in results[1:]:
        np.testing.assert_allclose(r["loss"], results[0]["loss"], rtol=1e-5,
                                   err_msg=f"{r['devices']} devices: loss differs from 1's")

    mib = 2.0 ** 20
    rows = []
    for r in results:
        n, ms = r["devices"], r["step_ms"]
        rows.append(row("scaling", f"DP train step, {n} device{'s' * (n > 1)}", "ms",
                        ms["zenax"], ms["jax"], target=1.05))
        if n > 1:
            zx_b, jx_b = (_total_bytes(r["collectives"][k]) for k in ("zenax", "jax"))
            rows.append(row("scaling", f"collective bytes/step/device, {n} devices", "MiB",
                            zx_b / mib, jx_b / mib))
    print(f"DP scaling of the gpt train step: {config.n_layer} layers, d={config.n_embd}, "
          f"{config.n_head} heads, seq {config.n_positions}, global batch {batch}, vocab "
          f"{config.vocab_size}; {param_bytes / mib:.3g} MiB of float32 parameters; "
          f"median of {reps}; host CPU devices (one machine: devices share its cores)")
    print_rows(rows)
    one = results[0]["step_ms"]
    summary = {
        "small": small, "n_layer": config.n_layer, "n_embd": config.n_embd,
        "n_head": config.n_head, "seq": config.n_positions, "batch": batch,
        "vocab": config.vocab_size, "param_bytes": param_bytes, "sizes": results,
        "ratios": {str(r["devices"]): r["ratio"] for r in results},
        "speedup_vs_1": {str(r["devices"]): {k: one[k] / r["step_ms"][k] for k in one}
                         for r in results},
        "collective_bytes": {str(r["devices"]): {k: _total_bytes(v) for k, v in
                                                 r["collectives"].items()}
                             for r in results},
        "rows": rows,
    }
    print_json("scaling", summary)
    return summary


def _enough_devices() -> bool:
    return jax.devices()[0].platform == "cpu" and jax.device_count() >= max(SIZES)


def run(small: bool = False, reps: int | None = None) -> dict:
    """Measure here if this process has 8 CPU devices, else in a child process that has."""
    if _enough_devices():
        return measure(small, reps)
    flags = [f for f in os.environ.get("XLA_FLAGS", "").split()
             if "xla_force_host_platform_device_count" not in f]
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": " ".join(
        [*flags, f"--xla_force_host_platform_device_count={max(SIZES)}"])}
    cmd = [sys.executable, "-m", "bench.scaling", *(["--small"] if small else []),
           *(["--reps", str(reps)] if reps else [])]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(proc.stdout)
    sys.stdout.flush()
    if proc.returncode != 0:
        raise RuntimeError(f"bench.scaling: the {max(SIZES)}-device child process failed "
                           f"(exit status {proc.returncode}); its errors are above.")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
    summary = json.loads(line)
    summary.pop("bench", None)
    return summary


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(prog="python -m bench.scaling")
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--reps", type=int, default=None)
    args = ap.parse_args()
    if not _enough_devices():
        sys.exit(f"bench.scaling: needs {max(SIZES)} CPU devices; run it as "
                 "`python -m bench scaling`, which provides them.")
    measure(args.small, args.reps)
