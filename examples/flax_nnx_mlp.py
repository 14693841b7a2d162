"""A Flax NNX MLP trained on the bundled digits: a plain JAX + Flax program that runs
unchanged on zenax.

    python examples/flax_nnx_mlp.py                  # on JAX
    python -m zenax run examples/flax_nnx_mlp.py     # the same file on zenax

The script imports ``jax``, ``flax.nnx`` and ``optax`` (plus ``zenax.data`` for
scikit-learn's 8x8 digits, which need no download). Under ``python -m zenax run`` its
``import jax`` -- and Flax's and Optax's own -- give zenax's modules: the model is an
``nnx.Module`` whose ``nnx.Param`` / ``nnx.BatchStat`` variables hold zenax arrays,
``nnx.value_and_grad`` is zenax's reverse mode, ``nnx.jit`` traces the step into a zenax
jaxpr, and ``nnx.Optimizer`` applies Optax's Adam to zenax arrays. Both runs start from
the same weights and draw the same dropout masks (``jax.random`` is the same threefry
generator in both) and see the same batches, so they print the same losses and accuracy
up to float32 rounding.

The model: linear (64 -> 128) -> batch norm -> relu -> dropout -> linear (128 -> 10);
trained with ``optax.adam`` on the cross-entropy of minibatches drawn from a seeded
permutation. ``model.train()`` / ``model.eval()`` switch batch norm between batch and
running statistics and dropout on and off, as in any Flax NNX program.

Flags: ``--epochs``, ``--batch``, ``--lr``, ``--hidden``; ``--tiny`` (what the tests
run: a few seconds); ``--json`` prints the metrics as one JSON line last.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from zenax import data


@dataclasses.dataclass(frozen=True)
class Config:
    """The run's sizes."""
    epochs: int = 10
    batch: int = 64
    lr: float = 3e-3
    hidden: int = 128
    dropout: float = 0.1
    train_examples: int | None = None    # None: the whole training split


TINY = Config(epochs=2, batch=64, lr=1e-2, hidden=32, train_examples=512)


class MLP(nnx.Module):
    """A two-layer perceptron for flattened ``[64]`` images (a batch at a time)."""

    def __init__(self, hidden: int, dropout: float, *, rngs: nnx.Rngs):
        self.hidden = nnx.Linear(64, hidden, rngs=rngs)
        self.norm = nnx.BatchNorm(hidden, rngs=rngs)
        self.dropout = nnx.Dropout(dropout, rngs=rngs)
        self.head = nnx.Linear(hidden, 10, rngs=rngs)

    def __call__(self, x):
        x = self.dropout(nnx.relu(self.norm(self.hidden(x))))
        return self.head(x)                               # [batch, 10] logits


def loss_fn(model: MLP, x, y):
    logits = model(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


@nnx.jit
def train_step(model: MLP, optimizer: nnx.Optimizer, x, y):
    """One Adam step; updates the model's parameters, batch statistics and dropout
    key in place (NNX's reference semantics), returns the loss."""
    loss, grads = nnx.value_and_grad(loss_fn)(model, x, y)
    optimizer.update(model, grads)
    return loss


@nnx.jit
def accuracy(model: MLP, x, y):
    return jnp.mean(jnp.argmax(model(x), axis=-1) == y)


def load(config: Config):
    """Digits as flat ``[n, 64]`` rows."""
    x_train, y_train, x_test, y_test = data.digits()
    if config.train_examples is not None:
        x_train, y_train = x_train[:config.train_examples], y_train[:config.train_examples]
    return x_train.reshape(len(x_train), -1), y_train, x_test.reshape(len(x_test), -1), y_test


def evaluate(model: MLP, x, y) -> float:
    model.eval()       # running statistics, no dropout
    acc = float(accuracy(model, x, y))
    model.train()
    return acc


def train(config: Config, log: bool = False) -> dict:
    """Train from ``nnx.Rngs(0)``; return the losses and the final metrics."""
    x_train, y_train, x_test, y_test = load(config)
    model = MLP(config.hidden, config.dropout, rngs=nnx.Rngs(0))
    optimizer = nnx.Optimizer(model, optax.adam(config.lr), wrt=nnx.Param)
    rng = np.random.default_rng(0)
    steps_per_epoch = len(y_train) // config.batch
    losses = []
    start = time.perf_counter()
    for epoch in range(config.epochs):
        order = rng.permutation(len(y_train))
        for step in range(steps_per_epoch):
            idx = order[step * config.batch:(step + 1) * config.batch]
            losses.append(train_step(model, optimizer, x_train[idx], y_train[idx]))
        if log:
            print(f"epoch {epoch + 1:2d}  loss {float(losses[-1]):.4f}  "
                  f"test accuracy {evaluate(model, x_test, y_test):.4f}", flush=True)
    losses = [float(v) for v in losses]   # one wait for the device, at the end
    seconds = time.perf_counter() - start
    n_params = sum(x.size for x in jax.tree.leaves(nnx.state(model, nnx.Param)))
    return {"backend": jax.__name__, "losses": losses, "final_loss": losses[-1],
            "train_accuracy": evaluate(model, x_train, y_train),
            "test_accuracy": evaluate(model, x_test, y_test),
            "n_params": int(n_params), "steps": len(losses), "seconds": seconds}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the tests' size: a few seconds")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--hidden", type=int)
    parser.add_argument("--json", action="store_true",
                        help="print the metrics as one JSON line last")
    args = parser.parse_args(argv)
    config = TINY if args.tiny else Config()
    overrides = {"epochs": args.epochs, "batch": args.batch, "lr": args.lr,
                 "hidden": args.hidden}
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
