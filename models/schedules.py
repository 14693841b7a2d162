"""Learning-rate schedules: functions of the step count (Optax's ``optax.schedules``).

A schedule is any callable ``count -> value``.  Optimizers call it with the int32 step
count they carry in their state, so the same schedule works eagerly (``count`` a Python
int or a concrete array) and under ``zenax.jit`` (``count`` a tracer).  Each function
below matches its Optax namesake numerically.

>>> sched = warmup_cosine_decay_schedule(0.0, 1e-3, warmup_steps=10, decay_steps=100)
>>> round(float(sched(10)), 6)
0.001
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

import zenax.lax.jnp as jnp

Schedule = Callable[[Any], Any]


def constant_schedule(value) -> Schedule:
    """The schedule that always returns ``value``.

    >>> constant_schedule(0.1)(1000)
    0.1
    """
    return lambda count: value


def polynomial_schedule(init_value, end_value, power, transition_steps: int,
                        transition_begin: int = 0) -> Schedule:
    """From ``init_value`` to ``end_value`` along ``(1 - t) ** power`` over
    ``transition_steps`` steps, starting at step ``transition_begin``.

    >>> float(polynomial_schedule(1.0, 0.0, power=2, transition_steps=10)(5))
    0.25
    """
    if transition_steps <= 0:  # as Optax: a constant schedule
        return lambda count: init_value
    transition_begin = max(transition_begin, 0)

    def schedule(count):
        count = jnp.clip(count - transition_begin, 0, transition_steps)
        frac = 1 - count / transition_steps
        return (init_value - end_value) * (frac ** power) + end_value
    return schedule


def linear_schedule(init_value, end_value, transition_steps: int,
                    transition_begin: int = 0) -> Schedule:
    """Linear ramp from ``init_value`` to ``end_value`` over ``transition_steps`` steps.

    >>> float(linear_schedule(0.0, 1.0, transition_steps=4)(1))
    0.25
    """
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def piecewise_constant_schedule(init_value, boundaries_and_scales: dict[int, float] | None = None
                                ) -> Schedule:
    """``init_value`` multiplied by ``scale`` once the count reaches each ``boundary``.

    >>> sched = piecewise_constant_schedule(1.0, {10: 0.1, 20: 0.5})
    >>> [round(float(sched(c)), 6) for c in (0, 10, 25)]
    [1.0, 0.1, 0.05]
    """
    if boundaries_and_scales is not None and any(s < 0 for s in boundaries_and_scales.values()):
        raise ValueError(
            "piecewise_constant_schedule: every scale in boundaries_and_scales must be >= 0; "
            f"received {boundaries_and_scales}. Use positive factors (0.1 divides by ten).")

    def schedule(count):
        v = init_value
        for threshold, scale in sorted((boundaries_and_scales or {}).items()):
            indicator = jnp.maximum(0.0, jnp.sign(threshold - count))
            v = v * indicator + (1 - indicator) * scale * v
        return v
    return schedule


def exponential_decay(init_value, transition_steps: int, decay_rate: float,
                      transition_begin: int = 0, staircase: bool = False,
                      end_value=None) -> Schedule:
    """``init_value * decay_rate ** ((count - transition_begin) / transition_steps)``,
    floored to whole periods with ``staircase``, and bounded by ``end_value`` if given.

    >>> float(exponential_decay(1.0, transition_steps=10, decay_rate=0.5)(20))
    0.25
    """
    if transition_steps <= 0 or decay_rate == 0:  # as Optax: a constant schedule
        return lambda count: init_value
    transition_begin = max(transition_begin, 0)
    clip_fn = jnp.maximum if decay_rate < 1.0 else jnp.minimum

    def schedule(count):
        decreased_count = count - transition_begin
        p = decreased_count / transition_steps
        if staircase:
            p = jnp.floor(p)
        decayed = jnp.where(decreased_count <= 0, init_value,
                            init_value * jnp.power(decay_rate, p))
        if end_value is not None:
            decayed = clip_fn(decayed, end_value)
        return decayed
    return schedule


def cosine_decay_schedule(init_value, decay_steps: int, alpha=0.0, exponent=1.0) -> Schedule:
    """Half a cosine from ``init_value`` down to ``alpha * init_value`` over
    ``decay_steps`` steps, then constant.

    >>> round(float(cosine_decay_schedule(1.0, decay_steps=10)(5)), 6)
    0.5
    """
    if not decay_steps > 0:
        raise ValueError(f"cosine_decay_schedule: decay_steps must be positive; received "
                         f"{decay_steps}.")
    decay_steps = float(decay_steps)

    def schedule(count):
        # Optax converts a Python int count to float before the cosine.
        count = float(count) if isinstance(count, int) else count
        count = jnp.minimum(count, decay_steps)
        cosine_decay = 0.5 * (1 + jnp.cos(math.pi * count / decay_steps))
        return init_value * ((1 - alpha) * cosine_decay ** exponent + alpha)
    return schedule


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """Run ``schedules[0]`` until ``boundaries[0]``, then ``schedules[1]`` (with its count
    restarted at 0), and so on.

    >>> sched = join_schedules([constant_schedule(1.0), linear_schedule(1.0, 0.0, 10)], [5])
    >>> float(sched(10))
    0.5
    """
    if len(boundaries) != len(schedules) - 1:
        raise ValueError(
            f"join_schedules: expected len(boundaries) == len(schedules) - 1; received "
            f"{len(schedules)} schedules and {len(boundaries)} boundaries. Give one boundary "
            "between each pair of consecutive schedules.")

    def schedule(step):
        output = schedules[0](step)
        for boundary, sched in zip(boundaries, schedules[1:]):
            output = jnp.where(step < boundary, output, sched(step - boundary))
        return output
    return schedule


def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps: int, decay_steps: int,
                                 end_value=0.0, exponent=1.0) -> Schedule:
    """Linear warmup from ``init_value`` to ``peak_value`` over ``warmup_steps``, then a
    cosine decay to ``end_value`` at step ``decay_steps`` (the total, warmup included).

    >>> sched = warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=110)
    >>> [round(float(sched(c)), 3) for c in (0, 5, 10, 60, 110)]
    [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    if decay_steps <= warmup_steps:
        raise ValueError(
            f"warmup_cosine_decay_schedule: decay_steps ({decay_steps}) must exceed "
            f"warmup_steps ({warmup_steps}); decay_steps counts the whole schedule, warmup "
            "included.")
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return join_schedules(
        [linear_schedule(init_value, peak_value, warmup_steps),
         cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)],
        [warmup_steps])


def linear_onecycle_schedule(transition_steps: int, peak_value, pct_start: float = 0.3,
                             pct_final: float = 0.85, div_factor: float = 25.0,
                             final_div_factor: float = 1e4) -> Schedule:
    """The one-cycle policy with linear pieces: up from ``peak_value / div_factor`` to
    ``peak_value`` by ``pct_start`` of the steps, back down by ``pct_final``, then to
    ``peak_value / (div_factor * final_div_factor)`` at ``transition_steps``.

    >>> sched = linear_onecycle_schedule(100, peak_value=1.0)
    >>> round(float(sched(30)), 3)
    1.0
    """
    if transition_steps <= 0:
        raise ValueError(f"linear_onecycle_schedule: transition_steps must be positive; "
                         f"received {transition_steps}.")
    boundaries = np.array([0, int(pct_start * transition_steps),
                           int(pct_final * transition_steps), transition_steps])
    # The value at each boundary: the running product of the scales (static, so NumPy).
    values = np.cumprod(np.array([peak_value / div_factor, div_factor, 1.0 / div_factor,
                                  1.0 / final_div_factor], np.float32))
    interval_sizes = np.maximum(boundaries[1:] - boundaries[:-1], 1)

    def schedule(count):
        indicator = jnp.logical_and(boundaries[:-1] <= count, count < boundaries[1:])
        pct = (count - boundaries[:-1]) / interval_sizes
        interpolated = (values[1:] - values[:-1]) * pct + values[:-1]
        return jnp.dot(indicator, interpolated) + (boundaries[-1] <= count) * values[-1]
    return schedule
