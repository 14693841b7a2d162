"""Per-example gradients (workload 2): ``vmap(grad(loss), in_axes=(None, 0, 0))`` of an MLP
784 -> 512 -> 10 (ReLU, softmax cross-entropy) over a batch of 256, jit-compiled.

zenax: a ``zenax.models.MLP`` and ``zenax.losses``; JAX: the same MLP written in
``jax.numpy`` on the same weights, with ``jax.vmap(jax.grad(...))``; PyTorch (if
installed): ``torch.func.vmap(torch.func.grad(...))``, eager.  The gradients must agree.
"""
from __future__ import annotations

import jax
import jax.numpy as jjnp
import numpy as np
import optax

import zenax
from zenax import losses
from zenax.models import MLP

from bench._machine import hlo_layout_ops, time_each, torch_or_none
from bench._util import print_json
from bench.results import layout_rows, layout_summary, print_rows, row


def sizes(small: bool) -> tuple[int, int, int, int]:
    """(batch, in, hidden, out)."""
    return (32, 64, 32, 10) if small else (256, 784, 512, 10)


def zenax_per_example_grads(mlp, x, y):
    def loss(model, x, y):
        return losses.softmax_cross_entropy_with_integer_labels(model(x), y)
    return zenax.vmap(zenax.grad(loss), in_axes=(None, 0, 0))(mlp, x, y)


def jax_per_example_grads(params, x, y):
    def loss(params, x, y):
        (w1, b1), (w2, b2) = params
        logits = jax.nn.relu(x @ w1 + b1) @ w2 + b2
        return optax.softmax_cross_entropy_with_integer_labels(logits, y)
    return jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, x, y)


def torch_per_example_grads_fn():
    torch = torch_or_none()
    F = torch.nn.functional

    def loss(params, x, y):
        (w1, b1), (w2, b2) = params
        logits = F.relu(x @ w1 + b1) @ w2 + b2
        return F.cross_entropy(logits[None], y[None])
    return torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))


def run(small: bool = False, reps: int | None = None) -> dict:
    batch, n_in, hidden, n_out = sizes(small)
    reps = reps or (3 if small else 15)
    mlp = MLP(n_in, [hidden], n_out, key=zenax.random.PRNGKey(0))
    params = tuple((layer.weight, layer.bias) for layer in mlp.layers)
    rng = np.random.default_rng(1)
    x = jjnp.asarray(rng.standard_normal((batch, n_in), dtype=np.float32))
    y = jjnp.asarray(rng.integers(0, n_out, batch), jjnp.int32)

    fns = {"zenax": zenax.jit(zenax_per_example_grads), "jax": jax.jit(jax_per_example_grads)}
    args = {"zenax": (mlp, x, y), "jax": (params, x, y)}
    torch = torch_or_none()
    if torch is not None:
        fns["torch"] = torch_per_example_grads_fn()
        args["torch"] = (tuple((torch.tensor(np.asarray(w)), torch.tensor(np.asarray(b)))
                               for w, b in params),
                         torch.tensor(np.asarray(x)), torch.tensor(np.asarray(y), dtype=torch.long))

    zx_grads = fns["zenax"](*args["zenax"])
    ref = fns["jax"](*args["jax"])
    mine = tuple((layer.weight, layer.bias) for layer in zx_grads.layers)
    outs = {"zenax": mine}
    if torch is not None:
        outs["torch"] = jax.tree_util.tree_map(lambda t: t.numpy(), fns["torch"](*args["torch"]))
    for name, grads in outs.items():
        for a, b in zip(jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(ref)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5,
                                       err_msg=f"{name}: per-example gradients differ")

    t = time_each(fns, args, reps)
    layout = {k: hlo_layout_ops(fns[k].lower(*args[k]).compile()) for k in ("zenax", "jax")}
    rows = [row("per-example grads", "vmap(grad) MLP step", "ms", t["zenax"] * 1e3,
                t["jax"] * 1e3, t["torch"] * 1e3 if "torch" in t else None, target=1.05),
            *layout_rows("per-example grads", layout)]
    print(f"per-example gradients: vmap(grad) of MLP {n_in}->{hidden}->{n_out}, batch "
          f"{batch}; median of {reps}")
    print_rows(rows)
    summary = {"small": small, "batch": batch, "sizes": [n_in, hidden, n_out],
               "times_ms": {k: v * 1e3 for k, v in t.items()}, "rows": rows,
               "ratio": t["zenax"] / t["jax"], **layout_summary(layout)}
    print_json("per_example", summary)
    return summary


if __name__ == "__main__":
    import sys
    run(small="--small" in sys.argv)
