"""Parameter initializers, as ``jax.nn.initializers``: each is ``init(key, shape, dtype)``.

>>> w = zenax.nn.initializers.glorot_uniform()(zenax.random.PRNGKey(0), (784, 512))
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

import zenax.lax.jnp as jnp
from zenax.lax import random


def zeros(key, shape, dtype=np.float32):
    return jnp.zeros(shape, dtype)


def ones(key, shape, dtype=np.float32):
    return jnp.ones(shape, dtype)


def constant(value, dtype=np.float32):
    def init(key, shape, dtype=dtype):
        return jnp.full(shape, value, dtype=dtype)
    return init


def uniform(scale: float = 1e-2, dtype=np.float32):
    """U[0, scale)."""
    def init(key, shape, dtype=dtype):
        return random.uniform(key, shape, dtype) * np.array(scale, dtype)
    return init


def normal(stddev: float = 1e-2, dtype=np.float32):
    def init(key, shape, dtype=dtype):
        return random.normal(key, shape, dtype) * np.array(stddev, dtype)
    return init


def truncated_normal(stddev: float = 1e-2, dtype=np.float32, lower: float = -2.0,
                     upper: float = 2.0):
    def init(key, shape, dtype=dtype):
        return random.truncated_normal(key, lower, upper, shape, dtype) * np.array(stddev, dtype)
    return init


def _compute_fans(shape: Sequence[int], in_axis=-2, out_axis=-1, batch_axis=()):
    shape = tuple(shape)
    if len(shape) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional "
                         "weights tensor. Must be at least 2D.")
    in_axes = (in_axis,) if isinstance(in_axis, int) else tuple(in_axis)
    out_axes = (out_axis,) if isinstance(out_axis, int) else tuple(out_axis)
    batch_axes = (batch_axis,) if isinstance(batch_axis, int) else tuple(batch_axis)
    in_axes = tuple(a % len(shape) for a in in_axes)
    out_axes = tuple(a % len(shape) for a in out_axes)
    batch_axes = tuple(a % len(shape) for a in batch_axes)
    receptive = math.prod(s for i, s in enumerate(shape)
                          if i not in in_axes + out_axes + batch_axes)
    fan_in = math.prod(shape[i] for i in in_axes) * receptive
    fan_out = math.prod(shape[i] for i in out_axes) * receptive
    return fan_in, fan_out


def variance_scaling(scale: float, mode: str, distribution: str, in_axis=-2, out_axis=-1,
                     batch_axis=(), dtype=np.float32):
    """Samples with variance ``scale / fan`` (fan_in, fan_out or their average)."""
    def init(key, shape, dtype=dtype):
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        if mode == "fan_in":
            denominator = fan_in
        elif mode == "fan_out":
            denominator = fan_out
        elif mode == "fan_avg":
            denominator = (fan_in + fan_out) / 2
        else:
            raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
        variance = np.array(scale / denominator, dtype=dtype)
        if distribution == "truncated_normal":
            stddev = np.array(np.sqrt(variance) / np.array(.87962566103423978, dtype), dtype)
            return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
        if distribution == "normal":
            return random.normal(key, shape, dtype) * np.array(np.sqrt(variance), dtype)
        if distribution == "uniform":
            return random.uniform(key, shape, dtype, -1, 1) * np.array(np.sqrt(3 * variance), dtype)
        raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")
    return init


def glorot_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=np.float32):
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=np.float32):
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def lecun_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=np.float32):
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=np.float32):
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def he_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=np.float32):
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=np.float32):
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal
