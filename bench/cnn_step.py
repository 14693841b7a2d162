"""CNN training step (workload 6): a small convnet on 32x32 RGB images -- conv 3x3 (32) ->
ReLU -> max-pool 2 -> conv 3x3 (64) -> ReLU -> max-pool 2 -> linear (10) -- one jitted SGD
(momentum 0.9) step on softmax cross-entropy, batch 64.

zenax: ``zenax.models`` ``Conv2d`` / ``MaxPool2d`` / ``Linear`` with ``zenax.optim.sgd``;
JAX: ``jax.lax.conv_general_dilated`` and ``jax.lax.reduce_window`` (NHWC, HWIO) on the
same weights with ``optax.sgd``.  The first two losses must agree.
"""
from __future__ import annotations

import jax
import jax.numpy as jjnp
import numpy as np
import optax

import zenax
import zenax.numpy as znp
from zenax import losses, optim
from zenax.models import Conv2d, Linear, MaxPool2d, Module

from bench._machine import first_calls, hlo_layout_ops, time_each
from bench._util import print_json
from bench.results import layout_rows, layout_summary, print_rows, row

LEARNING_RATE, MOMENTUM = 0.01, 0.9
CLASSES = 10


def sizes(small: bool) -> tuple[int, int, tuple[int, int]]:
    """(batch, image side, conv channels)."""
    return (8, 16, (8, 16)) if small else (64, 32, (32, 64))


class CNN(Module):
    conv1: Conv2d
    conv2: Conv2d
    head: Linear

    def __init__(self, side: int, channels: tuple[int, int], *, key):
        k1, k2, k3 = zenax.random.split(key, 3)
        self.conv1 = Conv2d(3, channels[0], 3, key=k1)
        self.conv2 = Conv2d(channels[0], channels[1], 3, key=k2)
        self.head = Linear((side // 4) ** 2 * channels[1], CLASSES, key=k3)

    def __call__(self, x):
        pool = MaxPool2d(2)
        x = pool(zenax.nn.relu(self.conv1(x)))
        x = pool(zenax.nn.relu(self.conv2(x)))
        return self.head(znp.reshape(x, (x.shape[0], -1)))


def zenax_step_fn():
    tx = optim.sgd(LEARNING_RATE, MOMENTUM)

    def step(model, opt_state, images, labels):
        def loss(model):
            return znp.mean(losses.softmax_cross_entropy_with_integer_labels(
                model(images), labels))
        value, grads = zenax.value_and_grad(loss)(model)
        updates, opt_state = tx.update(grads, opt_state, model)
        return optim.apply_updates(model, updates), opt_state, value
    return zenax.jit(step)


def jax_params(model: CNN) -> dict:
    return {name: (layer.weight, layer.bias)
            for name, layer in (("conv1", model.conv1), ("conv2", model.conv2),
                                ("head", model.head))}


def jax_logits(params: dict, x):
    for name in ("conv1", "conv2"):
        w, b = params[name]
        x = jax.lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC")) + b
        x = jax.lax.reduce_window(jax.nn.relu(x), -jjnp.inf, jax.lax.max, (1, 2, 2, 1),
                                  (1, 2, 2, 1), "VALID")
    w, b = params["head"]
    return x.reshape(x.shape[0], -1) @ w + b


def jax_step_fn():
    tx = optax.sgd(LEARNING_RATE, MOMENTUM)

    def step(params, opt_state, images, labels):
        def loss(params):
            return optax.softmax_cross_entropy_with_integer_labels(
                jax_logits(params, images), labels).mean()
        value, grads = jax.value_and_grad(loss)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, value
    return jax.jit(step)


def run(small: bool = False, reps: int | None = None) -> dict:
    batch, side, channels = sizes(small)
    reps = reps or (3 if small else 9)
    model = CNN(side, channels, key=zenax.random.PRNGKey(0))
    params = jax_params(model)
    rng = np.random.default_rng(1)
    images = jjnp.asarray(rng.standard_normal((batch, side, side, 3), dtype=np.float32))
    labels = jjnp.asarray(rng.integers(0, CLASSES, batch), jjnp.int32)
    args = {"zenax": (model, optim.sgd(LEARNING_RATE, MOMENTUM).init(model), images, labels),
            "jax": (params, optax.sgd(LEARNING_RATE, MOMENTUM).init(params), images, labels)}

    fns, first = first_calls({"zenax": zenax_step_fn, "jax": jax_step_fn}, args, 1)
    losses_seen = {}
    for k, step in fns.items():
        p, state, first_loss = step(*args[k])
        losses_seen[k] = (float(first_loss), float(step(p, state, images, labels)[2]))
    np.testing.assert_allclose(losses_seen["zenax"], losses_seen["jax"], rtol=1e-4)

    t = time_each(fns, args, reps)
    layout = {k: hlo_layout_ops(fns[k].lower(*args[k]).compile()) for k in ("zenax", "jax")}
    rows = [row("cnn", "train step (steady state)", "ms", t["zenax"] * 1e3, t["jax"] * 1e3,
                target=1.05),
            row("cnn", "first call (trace+compile+run)", "s", first["zenax"], first["jax"]),
            *layout_rows("cnn", layout)]
    print(f"cnn train step: {side}x{side}x3 images, channels {channels}, batch {batch}; "
          f"median of {reps}")
    print_rows(rows)
    summary = {"small": small, "batch": batch, "side": side, "channels": list(channels),
               "step_ms": {k: v * 1e3 for k, v in t.items()}, "first_call_s": first,
               "rows": rows, "ratio": t["zenax"] / t["jax"], **layout_summary(layout)}
    print_json("cnn", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
