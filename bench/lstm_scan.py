"""LSTM over 256 steps with ``scan`` (workload 5): the forward pass and the gradient of a
loss on the outputs with respect to the weights, jit-compiled.

zenax: ``zenax.models.RNN(LSTMCell(...))``; JAX: the same cell (PyTorch's gate order i, f,
g, o; weights ``[in, 4 * hidden]``) written in ``jax.numpy`` inside ``jax.lax.scan``, on the
same weights.  Outputs and gradients must agree.
"""
from __future__ import annotations

import jax
import jax.numpy as jjnp
import numpy as np

import zenax
import zenax.numpy as znp
from zenax.models import LSTMCell, RNN

from bench._machine import time_each
from bench._util import print_json
from bench.results import print_rows, row


def sizes(small: bool) -> tuple[int, int, int, int]:
    """(steps, batch, input, hidden)."""
    return (32, 4, 16, 32) if small else (256, 32, 128, 256)


def zenax_forward(rnn, xs):
    ys, _ = rnn(xs)
    return ys


def zenax_loss(rnn, xs):
    return znp.mean(zenax_forward(rnn, xs) ** 2)


def jax_forward(params, xs):
    w_ih, w_hh, b_ih, b_hh = params
    hidden = w_hh.shape[0]

    def cell(carry, x):
        h, c = carry
        gates = x @ w_ih + b_ih + h @ w_hh + b_hh
        i, f, g, o = jjnp.split(gates, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jjnp.tanh(g)
        h = jax.nn.sigmoid(o) * jjnp.tanh(c)
        return (h, c), h
    zeros = jjnp.zeros((xs.shape[0], hidden), xs.dtype)
    _, ys = jax.lax.scan(cell, (zeros, zeros), jjnp.swapaxes(xs, 0, 1))
    return jjnp.swapaxes(ys, 0, 1)


def jax_loss(params, xs):
    return jjnp.mean(jax_forward(params, xs) ** 2)


def run(small: bool = False, reps: int | None = None) -> dict:
    steps, batch, n_in, hidden = sizes(small)
    reps = reps or (3 if small else 15)
    rnn = RNN(LSTMCell(n_in, hidden, key=zenax.random.PRNGKey(0)))
    cell = rnn.cell
    params = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    xs = jjnp.asarray(np.random.default_rng(1).standard_normal((batch, steps, n_in),
                                                               dtype=np.float32))
    args = {"zenax": (rnn, xs), "jax": (params, xs)}
    forward = {"zenax": zenax.jit(zenax_forward), "jax": jax.jit(jax_forward)}
    gradient = {"zenax": zenax.jit(zenax.value_and_grad(zenax_loss)),
                "jax": jax.jit(jax.value_and_grad(jax_loss))}

    np.testing.assert_allclose(np.asarray(forward["zenax"](*args["zenax"])),
                               np.asarray(forward["jax"](*args["jax"])), rtol=1e-5, atol=1e-6)
    (zx_loss, zx_grads), (jx_loss, jx_grads) = (gradient[k](*args[k]) for k in ("zenax", "jax"))
    np.testing.assert_allclose(float(zx_loss), float(jx_loss), rtol=1e-5)
    zx_grads = (zx_grads.cell.weight_ih, zx_grads.cell.weight_hh, zx_grads.cell.bias_ih,
                zx_grads.cell.bias_hh)
    for a, b in zip(zx_grads, jx_grads):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6)

    t_fwd = time_each(forward, args, reps)
    t_grad = time_each(gradient, args, reps)
    rows = [row("lstm", "forward (scan)", "ms", t_fwd["zenax"] * 1e3, t_fwd["jax"] * 1e3,
                target=1.05),
            row("lstm", "value_and_grad (scan)", "ms", t_grad["zenax"] * 1e3,
                t_grad["jax"] * 1e3, target=1.05)]
    print(f"lstm: {steps} steps, batch {batch}, input {n_in}, hidden {hidden}; "
          f"median of {reps}")
    print_rows(rows)
    summary = {"small": small, "steps": steps, "batch": batch, "input": n_in,
               "hidden": hidden, "rows": rows,
               "forward_ms": {k: v * 1e3 for k, v in t_fwd.items()},
               "grad_ms": {k: v * 1e3 for k, v in t_grad.items()},
               "forward_ratio": t_fwd["zenax"] / t_fwd["jax"],
               "grad_ratio": t_grad["zenax"] / t_grad["jax"]}
    print_json("lstm", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
