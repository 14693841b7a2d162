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
from zenax.tracer.tree_util import tree_leaves, tree_map
from zenax.transforms import checkpoint, jit, value_and_grad
from zenax.transforms.remat_budget import memory_budget as budget_policy


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
                    has_aux: bool = False, accumulate: int = 1,
                    memory_budget: int | float | None = None) -> Callable:
    """A jit-compiled train step ``(params, opt_state, batch) -> (params, opt_state,
    loss)`` for ``loss_fn(params, batch) -> scalar loss``.

    With ``has_aux=True``, ``loss_fn`` returns ``(loss, aux)`` and the step returns
    ``(params, opt_state, loss, aux)``.  With ``accumulate=k``, the batch is split along
    its leading axis into ``k`` micro-batches whose gradients are averaged in a
    ``zenax.lax.scan`` (so only one micro-batch's activations are alive at a time); the
    optimizer then takes one step.  For a loss that is a mean over the batch this equals
    one step on the whole batch.  The returned loss (and every aux leaf) is the mean over
    the micro-batches.  With ``memory_budget`` (bytes as an ``int``, or a fraction in
    [0, 1] of what saving everything keeps), the loss is ``zenax.checkpoint``-ed with
    ``checkpoint_policies.memory_budget``: the backward pass keeps at most that much and
    recomputes the rest, at the least cost the policy finds.

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
    if memory_budget is not None:
        try:
            policy = budget_policy(memory_budget)
        except (TypeError, ValueError) as err:
            raise type(err)(f"make_train_step: memory_budget={memory_budget!r} is not a "
                            f"budget: {err}") from None
        loss_fn = checkpoint(loss_fn, policy=policy)
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


class Throughput:
    """Tokens per second of training steps, timed on finished work.

    A jitted step returns as soon as it is dispatched, long before the device has run
    it, so a clock read right after the call measures dispatch, not training.  Here the
    clock is read only after waiting for a value the latest step produced (``lap``,
    ``pause``): since each step consumes the previous step's parameters, that value is
    ready only once every counted step has run.  Steps are not serialized: the wait
    happens once per lap.  Time between ``pause`` and ``resume`` (compilation,
    evaluation) is left out, so every rate reported is ``tokens / wall time of the
    training steps``: ``lap`` gives it over the recent laps (at least ``window``
    seconds of them), :attr:`rate` over all counted steps.

    >>> meter = Throughput(tokens_per_step=256)
    >>> meter.resume()
    >>> meter.count(10)
    >>> recent = meter.lap(jnp.zeros(()))   # waits for the value, then reads the clock
    >>> meter.tokens, recent == meter.rate
    (2560, True)
    """

    def __init__(self, tokens_per_step: int, window: float = 0.5):
        self.tokens_per_step = tokens_per_step
        self.window = window
        self.steps = 0              # counted steps whose time is in ``seconds``
        self.seconds = 0.0
        self._started: float | None = None  # clock start of the running segment
        self._pending = 0           # steps counted since the last lap or pause
        self._lap_steps, self._lap_seconds = 0, 0.0   # the current lap so far
        self._laps: list[tuple[int, float]] = []      # recent finished laps

    @property
    def tokens(self) -> int:
        return self.steps * self.tokens_per_step

    @property
    def rate(self) -> float:
        """Tokens per second over every counted step (NaN before any time is counted)."""
        return self.tokens / self.seconds if self.seconds > 0 else float("nan")

    def resume(self) -> None:
        """Start the clock (after compilation, or after an evaluation)."""
        self._started = time.perf_counter()

    def count(self, steps: int = 1) -> None:
        """Record ``steps`` dispatched steps; their time is read at the next lap or pause."""
        self._pending += steps

    def pause(self, value: Any) -> None:
        """Wait for ``value`` (a pytree of arrays from the latest step), then stop the
        clock; the steps counted so far join the totals."""
        _wait(value)
        if self._started is not None:
            elapsed = time.perf_counter() - self._started
            self.steps += self._pending
            self.seconds += elapsed
            self._lap_steps += self._pending
            self._lap_seconds += elapsed
        self._started, self._pending = None, 0

    def lap(self, value: Any) -> float:
        """Wait for ``value``, close the current lap and return the tokens per second
        of the latest laps that together span at least ``window`` seconds (or of all,
        if they span less), the clock running on."""
        self.pause(value)
        self._laps.append((self._lap_steps, self._lap_seconds))
        self._lap_steps, self._lap_seconds = 0, 0.0
        steps = seconds = 0
        for i in range(len(self._laps) - 1, -1, -1):
            steps, seconds = steps + self._laps[i][0], seconds + self._laps[i][1]
            if seconds >= self.window:
                del self._laps[:i]          # older laps are not needed again
                break
        self.resume()
        return self.tokens_per_step * steps / seconds if seconds > 0 else float("nan")


def _wait(value: Any) -> None:
    for leaf in tree_leaves(value):
        if hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()


def fit(step: Callable, params, opt_state, batches: Iterable, steps: int | None = None, *,
        tokens_per_batch: int | None = None, progress: bool = True):
    """Run ``step`` (from :func:`make_train_step`) over ``batches`` for ``steps`` steps
    (default: every batch) with a tqdm progress bar showing the loss, and tokens/s when
    ``tokens_per_batch`` is given.  Returns ``(params, opt_state, history)``, where
    ``history`` is a NumPy array of the loss at every step.

    The loss is read back from the device only when the bar is redrawn (about twice a
    second) and at the end, so steps keep running asynchronously in between; tokens/s is
    timed on finished steps (see :class:`Throughput`), leaving out the first, compiling
    step.

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
    meter = Throughput(tokens_per_batch or 0)
    last_refresh = time.perf_counter()
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
            if not progress:
                continue
            if i == 0:          # the first call compiles: its time is not a rate
                meter.pause(loss)
                meter.resume()
            else:
                meter.count(1)
            now = time.perf_counter()
            if now - last_refresh >= 0.5 or i == steps - 1:
                postfix = {"loss": f"{float(loss):.4f}"}  # float() waits for the step
                if tokens_per_batch and i > 0:
                    postfix["tok/s"] = f"{meter.lap(loss):,.0f}"
                bar.set_postfix(postfix, refresh=False)
                last_refresh = time.perf_counter()
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
