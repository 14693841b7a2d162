"""Dense linear algebra and FFT (issue 23): zenax vs JAX on the same inputs.

- batched ``cholesky`` + ``solve`` (the factor, then two triangular solves through
  ``cho_solve``) on a (64, 256, 256) batch of SPD matrices;
- ``rfft`` then ``irfft`` of a (256, 4096) float32 signal.

Both libraries lower to the same ``jax.lax.linalg`` / ``jax.lax.fft`` calls, so the
target ratio is <= 1.05 and the compiled HLO should have the same custom calls; the
benchmark reports the count of each library's HLO instructions by opcode next to the
times.  ``--small`` uses (8, 64, 64) and (16, 512).
"""
from __future__ import annotations

import collections
import re

import jax
import jax.numpy as jjnp
import jax.scipy.linalg as jsla
import numpy as np

import zenax
import zenax.numpy as znp
import zenax.scipy.linalg as zsla

from bench._util import print_json, print_table, time_alternating
from bench.results import row


def _spd_batch(b: int, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((b, n, n)).astype(np.float32) / np.sqrt(n)
    return (a @ np.swapaxes(a, -1, -2) + np.eye(n, dtype=np.float32)).astype(np.float32)


def _chol_solve(np_mod, sla):
    def f(a, y):
        return sla.cho_solve(sla.cho_factor(a, lower=True), y)
    return f


def _rfft_irfft(np_mod):
    def f(x):
        return np_mod.fft.irfft(np_mod.fft.rfft(x, axis=-1), n=x.shape[-1], axis=-1)
    return f


def _opcodes(hlo_text: str) -> collections.Counter:
    ops = re.findall(r"=\s*\S+\s+([a-z][a-z0-9-]*)\(", hlo_text)
    return collections.Counter(op for op in ops if op not in ("parameter", "constant"))


def run(small: bool = False, reps: int | None = None) -> dict:
    reps = reps or (5 if small else 9)
    (b, n), (rows_, length) = ((8, 64), (16, 512)) if small else ((64, 256), (256, 4096))
    a = jjnp.asarray(_spd_batch(b, n))
    y = jjnp.asarray(np.random.default_rng(1).standard_normal((b, n, 1)).astype(np.float32))
    x = jjnp.asarray(np.random.default_rng(2).standard_normal((rows_, length)).astype(np.float32))
    cases = {
        "cholesky+solve": ({"zenax": zenax.jit(_chol_solve(znp, zsla)),
                            "jax": jax.jit(_chol_solve(jjnp, jsla))}, (a, y),
                           f"({b}, {n}, {n})"),
        "rfft+irfft": ({"zenax": zenax.jit(_rfft_irfft(znp)), "jax": jax.jit(_rfft_irfft(jjnp))},
                       (x,), f"({rows_}, {length})"),
    }
    table, rows, results = [], [], {}
    for name, (fns, args, shape) in cases.items():
        np.testing.assert_allclose(np.asarray(fns["zenax"](*args)), np.asarray(fns["jax"](*args)),
                                   rtol=2e-3, atol=2e-3)
        t = time_alternating(fns, args, reps)
        hlo = {k: _opcodes(f.lower(*args).compile().as_text()) for k, f in fns.items()}
        same = hlo["zenax"] == hlo["jax"]
        results[name] = {"shape": shape, "zenax_ms": t["zenax"] * 1e3, "jax_ms": t["jax"] * 1e3,
                         "ratio": t["zenax"] / t["jax"], "same_hlo_opcodes": same,
                         "hlo_opcodes_zenax": dict(hlo["zenax"]),
                         "hlo_opcodes_jax": dict(hlo["jax"])}
        table.append([name, shape, t["zenax"] * 1e3, t["jax"] * 1e3, t["zenax"] / t["jax"],
                      "yes" if same else "no"])
        rows.append(row("linalg_fft", f"{name} {shape} float32", "ms", t["zenax"] * 1e3,
                        t["jax"] * 1e3, target=1.05))
    print(f"linear algebra and FFT, median of {reps}, times in ms")
    print_table(["workload", "shape", "zenax", "jax", "zenax/jax", "same HLO ops"], table)
    summary = {"small": small, "rows": rows, "cases": results}
    print_json("linalg_fft", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
