"""An Equinox CNN trained on the bundled digits: a plain JAX + Equinox program that runs
unchanged on zenax.

    python examples/equinox_cnn.py                  # on JAX
    python -m zenax run examples/equinox_cnn.py     # the same file on zenax

The script imports ``jax``, ``equinox`` and ``optax`` (plus ``zenax.data`` for
scikit-learn's 8x8 digits, which need no download). Under ``python -m zenax run`` its
``import jax`` -- and Equinox's and Optax's own -- give zenax's modules: the model is an
``eqx.Module`` pytree of zenax arrays, ``eqx.filter_value_and_grad`` is zenax's reverse
mode, ``eqx.filter_jit`` traces the step into a zenax jaxpr, and the primitives Equinox
declares for itself (through ``jax.extend.core``) are zenax primitives. Both runs start
from the same weights (``jax.random`` is the same threefry generator in both) and see the
same batches, so they print the same losses and accuracy up to float32 rounding.

The model: conv 3x3 (1 -> 16 channels) -> relu -> max-pool 2x2 -> conv 3x3 (16 -> 32)
-> relu -> flatten -> linear (512 -> 10); trained with ``optax.adam`` on the
cross-entropy of minibatches drawn from a seeded permutation.

Flags: ``--epochs``, ``--batch``, ``--lr``; ``--tiny`` (what the tests run: a few
seconds); ``--json`` prints the metrics as one JSON line last.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from zenax import data


@dataclasses.dataclass(frozen=True)
class Config:
    """The run's sizes."""
    epochs: int = 8
    batch: int = 64
    lr: float = 3e-3
    train_examples: int | None = None    # None: the whole training split


TINY = Config(epochs=1, batch=64, train_examples=512)


class CNN(eqx.Module):
    """Two convolutions and a linear head, for one ``[1, 8, 8]`` image (batch with
    ``eqx.filter_vmap``)."""
    conv1: eqx.nn.Conv2d
    conv2: eqx.nn.Conv2d
    pool: eqx.nn.MaxPool2d
    head: eqx.nn.Linear

    def __init__(self, key):
        k1, k2, k3 = jax.random.split(key, 3)
        self.conv1 = eqx.nn.Conv2d(1, 16, kernel_size=3, padding=1, key=k1)
        self.conv2 = eqx.nn.Conv2d(16, 32, kernel_size=3, padding=1, key=k2)
        self.pool = eqx.nn.MaxPool2d(kernel_size=2, stride=2)
        self.head = eqx.nn.Linear(32 * 4 * 4, 10, key=k3)

    def __call__(self, x):
        x = self.pool(jax.nn.relu(self.conv1(x)))       # [16, 4, 4]
        x = jax.nn.relu(self.conv2(x))                   # [32, 4, 4]
        return self.head(x.reshape(-1))                  # [10] logits


def init_model(key) -> CNN:
    """The CNN with its head's weights scaled down (small initial logits), set with
    ``eqx.tree_at``: Equinox's way to "modify" a field of an immutable module."""
    model = CNN(key)
    return eqx.tree_at(lambda m: m.head.weight, model, model.head.weight * 0.1)


def loss_fn(model: CNN, x, y):
    logits = eqx.filter_vmap(model)(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


@eqx.filter_jit
def accuracy(model: CNN, x, y):
    return jnp.mean(jnp.argmax(eqx.filter_vmap(model)(x), axis=-1) == y)


def load(config: Config):
    """Digits as NCHW (Equinox's convolutions take channels first)."""
    x_train, y_train, x_test, y_test = data.digits()
    if config.train_examples is not None:
        x_train, y_train = x_train[:config.train_examples], y_train[:config.train_examples]
    return (x_train.transpose(0, 3, 1, 2), y_train, x_test.transpose(0, 3, 1, 2), y_test)


def train(config: Config, log: bool = False) -> dict:
    """Train from ``PRNGKey(0)``; return the trained model, the losses and the final
    metrics."""
    x_train, y_train, x_test, y_test = load(config)
    model = init_model(jax.random.PRNGKey(0))
    optimizer = optax.adam(config.lr)
    opt_state = optimizer.init(eqx.filter(model, eqx.is_inexact_array))

    @eqx.filter_jit
    def train_step(model, opt_state, x, y):
        loss, grads = eqx.filter_value_and_grad(loss_fn)(model, x, y)
        updates, opt_state = optimizer.update(grads, opt_state, model)
        return eqx.apply_updates(model, updates), opt_state, loss

    rng = np.random.default_rng(0)
    steps_per_epoch = len(y_train) // config.batch
    losses = []
    start = time.perf_counter()
    for epoch in range(config.epochs):
        order = rng.permutation(len(y_train))
        for step in range(steps_per_epoch):
            idx = order[step * config.batch:(step + 1) * config.batch]
            model, opt_state, loss = train_step(model, opt_state, x_train[idx], y_train[idx])
            losses.append(loss)
        if log:
            print(f"epoch {epoch + 1:2d}  loss {float(losses[-1]):.4f}  "
                  f"test accuracy {float(accuracy(model, x_test, y_test)):.4f}", flush=True)
    losses = [float(v) for v in losses]   # one wait for the device, at the end
    seconds = time.perf_counter() - start
    n_params = sum(x.size for x in jax.tree.leaves(eqx.filter(model, eqx.is_array)))
    return {"backend": jax.__name__, "model": model, "losses": losses, "final_loss": losses[-1],
            "train_accuracy": float(accuracy(model, x_train, y_train)),
            "test_accuracy": float(accuracy(model, x_test, y_test)),
            "n_params": int(n_params), "steps": len(losses), "seconds": seconds}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the tests' size: a few seconds")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--json", action="store_true",
                        help="print the metrics as one JSON line last")
    args = parser.parse_args(argv)
    config = TINY if args.tiny else Config()
    overrides = {"epochs": args.epochs, "batch": args.batch, "lr": args.lr}
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v})
    print(f"running on {jax.__name__}: {config}")
    result = train(config, log=True)
    print(f"{result['n_params']:,} parameters, {result['steps']} steps in "
          f"{result['seconds']:.1f} s")
    print(f"final train loss {result['final_loss']:.6f}  "
          f"train accuracy {result['train_accuracy']:.4f}  "
          f"test accuracy {result['test_accuracy']:.4f}")
    if args.json:
        print(json.dumps({k: result[k] for k in ("backend", "losses", "final_loss",
                                                 "train_accuracy", "test_accuracy")}))
    return result


if __name__ == "__main__":
    main()
