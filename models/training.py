"""Training helpers: a compiled train step, gradient accumulation, a fit loop with a
progress bar, and bfloat16 mixed precision.

A train step is one pure function ``(params, opt_state, batch) -> (params, opt_state,
loss)``, built from ``zenax.value_and_grad`` and an optimizer from ``zenax.optim`` and
compiled whole with ``zenax.jit``:

>>> import zenax.numpy as jnp
>>> from zenax import optim, training
>>> def loss_fn(params, batch):
...     x, y = batch
...     return jnp.mean((x @ params['w'] - y) ** 2)
>>> opt = optim.sgd(0.1)
>>> params = {'w': jnp.zeros((2, 1))}
>>> step = training.make_train_step(loss_fn, opt)
>>> batch = (jnp.ones((4, 2)), jnp.ones((4, 1)))
>>> params, opt_state, loss = step(params, opt.init(params), batch)
>>> loss
Array(1., dtype=float32)
"""
from __future__ import annotations

import functools
import time
from typing import Any, Callable, Iterable

import numpy as np
from tqdm import tqdm  # the text bar: works in terminals and notebooks alike

import zenax.lax.jnp as jnp
from zenax.lax import scan
from zenax.models.optim import GradientTransformation, apply_updates
from zenax.tracer.tree_util import tree_map
from zenax.transforms import jit, value_and_grad


def _split_micro_batches(batch, accumulate: int):
    """Reshape each leaf from ``[B, ...]`` to ``[accumulate, B // accumulate, ...]``."""
    def split(x):
        x = jnp.asarray(x)
        if x.ndim == 0 or x.shape[0] % accumulate:
            raise ValueError(
                f"make_train_step: with accumulate={accumulate} every batch leaf needs a "
                f"leading batch axis divisible by {accumulate}; received a leaf of shape "
                f"{x.shape}. Use a batch size that is a multiple of accumulate.")
        return jnp.reshape(x, (accumulate, x.shape[0] // accumulate) + x.shape[1:])
    return tree_map(split, batch)


def make_train_step(loss_fn: Callable, optimizer: GradientTransformation, *,
                    has_aux: bool = False, accumulate: int = 1) -> Callable:
    """A jit-compiled train step ``(params, opt_state, batch) -> (params, opt_state,
    loss)`` for ``loss_fn(params, batch) -> scalar loss``.

    With ``has_aux=True``, ``loss_fn`` returns ``(loss, aux)`` and the step returns
    ``(params, opt_state, loss, aux)``.  With ``accumulate=k``, the batch is split along
    its leading axis into ``k`` micro-batches whose gradients are averaged in a
    ``zenax.lax.scan`` (so only one micro-batch's activations are alive at a time); the
    optimizer then takes one step.  For a loss that is a mean over the batch this equals
    one step on the whole batch.  The returned loss (and every aux leaf) is the mean over
    the micro-batches.

    >>> opt = optim.adam(1e-3)
    >>> step = training.make_train_step(lambda p, b: jnp.mean(b @ p), opt, accumulate=2)
    >>> params, state, loss = step(jnp.ones(3), opt.init(jnp.ones(3)), jnp.ones((4, 3)))
    >>> loss
    Array(3., dtype=float32)
    """
    if not isinstance(optimizer, GradientTransformation):
        raise TypeError(
            f"make_train_step: optimizer must be a GradientTransformation (such as "
            f"optim.adam(1e-3)); received {type(optimizer).__name__}.")
    if not isinstance(accumulate, int) or accumulate < 1:
        raise ValueError(f"make_train_step: accumulate must be a positive int (the number of "
                         f"micro-batches); received {accumulate!r}.")
    grad_fn = value_and_grad(loss_fn, has_aux=has_aux)

    def loss_and_grads(params, batch):
        if accumulate == 1:
            return grad_fn(params, batch)

        def micro_step(grad_sum, micro_batch):
            out, grads = grad_fn(params, micro_batch)
            return tree_map(jnp.add, grad_sum, grads), out
        grad_sum, outs = scan(micro_step, tree_map(jnp.zeros_like, params),
                              _split_micro_batches(batch, accumulate))
        grads = tree_map(lambda g: g / accumulate, grad_sum)
        return tree_map(lambda x: jnp.mean(x, axis=0), outs), grads

    def train_step(params, opt_state, batch):
        out, grads = loss_and_grads(params, batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = apply_updates(params, updates)
        if has_aux:
            loss, aux = out
            return params, opt_state, loss, aux
        return params, opt_state, out
    return jit(train_step)


def fit(step: Callable, params, opt_state, batches: Iterable, steps: int | None = None, *,
        tokens_per_batch: int | None = None, progress: bool = True):
    """Run ``step`` (from :func:`make_train_step`) over ``batches`` for ``steps`` steps
    (default: every batch) with a tqdm progress bar showing the loss, and tokens/s when
    ``tokens_per_batch`` is given.  Returns ``(params, opt_state, history)``, where
    ``history`` is a NumPy array of the loss at every step.

    The loss is read back from the device only when the bar is redrawn (about twice a
    second) and at the end, so steps keep running asynchronously in between.

    >>> opt = optim.sgd(0.1)
    >>> step = training.make_train_step(lambda p, b: jnp.mean((p - b) ** 2), opt)
    >>> batches = [jnp.ones(3)] * 20
    >>> p, s, history = training.fit(step, jnp.zeros(3), opt.init(jnp.zeros(3)), batches,
    ...                              progress=False)
    >>> history.shape, bool(history[-1] < history[0])
    ((20,), True)
    """
    if steps is None:
        if not hasattr(batches, "__len__"):
            raise ValueError("fit: steps is needed when batches has no length (a generator or "
                             "iterator); pass steps=N.")
        steps = len(batches)
    batch_iter = iter(batches)
    losses = []
    bar = tqdm(total=steps, desc="train", disable=not progress)
    last_time, last_step = time.perf_counter(), 0
    try:
        for i in range(steps):
            try:
                batch = next(batch_iter)
            except StopIteration:
                raise ValueError(
                    f"fit: batches ran out after {i} of steps={steps}; pass steps={i}, more "
                    "batches, or itertools.cycle(batches) to repeat them.") from None
            params, opt_state, loss, *_ = step(params, opt_state, batch)
            losses.append(loss)
            bar.update(1)
            now = time.perf_counter()
            if progress and (now - last_time >= 0.5 or i == steps - 1):
                postfix = {"loss": f"{float(loss):.4f}"}  # float() waits for the step
                now = time.perf_counter()
                if tokens_per_batch:
                    rate = tokens_per_batch * (i + 1 - last_step) / max(now - last_time, 1e-9)
                    postfix["tok/s"] = f"{rate:,.0f}"
                bar.set_postfix(postfix, refresh=False)
                last_time, last_step = now, i + 1
    finally:
        bar.close()
    history = np.array([float(loss) for loss in losses], dtype=np.float32)
    return params, opt_state, history


def mixed_precision(loss_fn: Callable, compute_dtype=jnp.bfloat16) -> Callable:
    """Wrap ``loss_fn(params, *args)`` so that it computes in ``compute_dtype``: floating
    leaves of ``params`` and of the other arguments are cast to it on the way in, and
    floating outputs (the loss, and aux) are cast back to float32 on the way out.

    The optimizer still sees float32 master weights: gradients flow back through the cast
    and arrive in the parameters' own dtype (float32), so updates too small for bfloat16
    are not lost.  bfloat16 has float32's range, so no loss scaling is needed.

    >>> loss_fn = training.mixed_precision(lambda p, x: jnp.sum(p * x))
    >>> zenax.grad(loss_fn)(jnp.ones(2), jnp.ones(2)).dtype
    dtype('float32')
    """
    def cast(tree, dtype):
        return tree_map(lambda x: x.astype(dtype) if _is_floating(x) else x, tree)

    @functools.wraps(loss_fn)
    def wrapped(params, *args):
        out = loss_fn(cast(params, compute_dtype), *cast(args, compute_dtype))
        return cast(out, jnp.float32)
    return wrapped


def _is_floating(x: Any) -> bool:
    return hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.floating)
