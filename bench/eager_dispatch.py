"""Eager (op-by-op) dispatch (workload 7): 1,000 small operations on 8-element arrays run
one at a time, no jit; the time per operation is the library's dispatch overhead.

The same Python loop runs with ``zenax.numpy``, ``jax.numpy`` and ``torch`` (if installed):
a cycle of ``sin``, ``multiply``, ``add``, ``tanh`` and a ``[8, 8] x [8]`` ``matmul``.  The
functions are called by name: zenax's concrete arrays are ``jax.Array``s, so operators
(``x * y``) on them would run JAX's dispatch, not zenax's.  The results must agree.
"""
from __future__ import annotations

import jax
import jax.numpy as jjnp
import numpy as np

import zenax.numpy as znp

from bench._machine import time_each, torch_or_none
from bench._util import print_json
from bench.results import print_rows, row

OPS_PER_CYCLE = 5


def program(np_mod, n_ops: int):
    """``n_ops`` eager operations (a multiple of ``OPS_PER_CYCLE``) with ``np_mod``."""
    def f(x, y, m):
        for _ in range(n_ops // OPS_PER_CYCLE):
            x = np_mod.sin(x)
            x = np_mod.multiply(x, y)
            x = np_mod.add(x, y)
            x = np_mod.tanh(x)
            x = np_mod.matmul(m, x)
        return x
    return f


def run(small: bool = False, reps: int | None = None) -> dict:
    n_ops = 200 if small else 1000
    reps = reps or (3 if small else 9)
    rng = np.random.default_rng(0)
    x, y = (rng.standard_normal(8, dtype=np.float32) for _ in range(2))
    m = (rng.standard_normal((8, 8)) / np.sqrt(8)).astype(np.float32)
    jx_args = tuple(jjnp.asarray(a) for a in (x, y, m))
    fns = {"zenax": program(znp, n_ops), "jax": program(jjnp, n_ops)}
    args = {"zenax": jx_args, "jax": jx_args}
    torch = torch_or_none()
    if torch is not None:
        fns["torch"] = program(torch, n_ops)
        args["torch"] = tuple(torch.tensor(a) for a in (x, y, m))
    ref = np.asarray(fns["jax"](*args["jax"]))
    for k in fns:
        out = fns[k](*args[k])
        np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-4, atol=1e-6,
                                   err_msg=f"{k}: eager program result differs")

    t = time_each(fns, args, reps)
    per_op = {k: v / n_ops * 1e6 for k, v in t.items()}
    rows = [row("eager", "per-op dispatch overhead", "us", per_op["zenax"], per_op["jax"],
                per_op.get("torch"), target=1.5)]
    print(f"eager dispatch: {n_ops} ops on 8-element arrays; median of {reps}")
    print_rows(rows)
    summary = {"small": small, "n_ops": n_ops, "per_op_us": per_op, "rows": rows,
               "ratio": per_op["zenax"] / per_op["jax"]}
    print_json("eager", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
