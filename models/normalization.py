"""Normalization layers: ``LayerNorm``, ``RMSNorm`` and ``BatchNorm``.

``LayerNorm`` and ``RMSNorm`` normalise each example over its trailing ``shape``
dimensions.  ``BatchNorm`` normalises each feature (the **last** axis, channel-last as in
Flax) over every other axis of the batch.

**BatchNorm's state is functional.**  The running mean and variance are fields of the
module itself, and a call returns the module with them updated::

    y, bn = bn(x, training=True)     # batch statistics; bn's running stats move
    y, _ = bn(x, training=False)     # running statistics; returns bn unchanged

so a training step returns the new model along with the loss (``has_aux=True``).  The
running stats are not trainable: they enter the computation only through
``zenax.lax.stop_gradient``, so their gradients are zero, and :func:`is_batch_stat`
selects them to keep them out of the optimizer::

    stats, params = partition(model, is_batch_stat, with_path=True)

Update rule and statistics follow Flax: ``running = momentum * running + (1 - momentum) *
batch`` with ``momentum=0.99``, and the biased batch variance, both to normalise and for
the running estimate.  (PyTorch's ``momentum=0.1`` corresponds to Flax's ``0.9``.)
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp

from .layers import _short
from .module import Module, field


def _norm_shape(name: str, shape) -> tuple:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not shape or any(not isinstance(d, int) or d < 1 for d in shape):
        raise ValueError(f"{name}: shape must be a positive int or a non-empty tuple of "
                         f"positive ints (the trailing dimensions to normalise), got {shape!r}.")
    return shape


def _check_trailing(name: str, x, shape: tuple):
    x = jnp.asarray(x)
    if x.shape[x.ndim - len(shape):] != shape or x.ndim < len(shape):
        raise ValueError(f"{name}: the input x must end with the normalised shape {shape}, "
                         f"got x of shape {_short(x)}. Build the layer with "
                         f"shape=x.shape[-{len(shape)}:].")
    return x


class LayerNorm(Module):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the trailing ``shape`` axes.

    ``shape`` is an int (the feature size) or a tuple of trailing dimensions; ``weight``
    starts at ones and ``bias`` at zeros (``use_weight=False`` / ``use_bias=False`` drop
    them).  ``eps=1e-5`` as PyTorch.

    >>> LayerNorm(2)(jnp.array([1.0, 3.0]))
    Array([-0.999995,  0.999995], dtype=float32)
    """
    weight: Any
    bias: Any
    shape: tuple = field(static=True)
    eps: float = field(static=True)

    def __init__(self, shape: int | Sequence[int], eps: float = 1e-5, use_weight: bool = True,
                 use_bias: bool = True, *, dtype=np.float32):
        self.shape = _norm_shape("LayerNorm", shape)
        self.eps = eps
        self.weight = jnp.ones(self.shape, dtype) if use_weight else None
        self.bias = jnp.zeros(self.shape, dtype) if use_bias else None

    def __call__(self, x):
        x = _check_trailing("LayerNorm", x, self.shape)
        axes = tuple(range(x.ndim - len(self.shape), x.ndim))
        mean = jnp.mean(x, axes, keepdims=True)
        var = jnp.var(x, axes, keepdims=True)
        y = (x - mean) * lax.rsqrt(var + self.eps)
        if self.weight is not None:
            y = y * self.weight
        return y if self.bias is None else y + self.bias


class RMSNorm(Module):
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``shape`` axes (no
    centring, no bias), as in T5 and LLaMA.  ``eps=1e-6`` as Flax.

    >>> RMSNorm(2)(jnp.array([3.0, 4.0]))
    Array([0.8485281, 1.1313708], dtype=float32)
    """
    weight: Any
    shape: tuple = field(static=True)
    eps: float = field(static=True)

    def __init__(self, shape: int | Sequence[int], eps: float = 1e-6, use_weight: bool = True,
                 *, dtype=np.float32):
        self.shape = _norm_shape("RMSNorm", shape)
        self.eps = eps
        self.weight = jnp.ones(self.shape, dtype) if use_weight else None

    def __call__(self, x):
        x = _check_trailing("RMSNorm", x, self.shape)
        axes = tuple(range(x.ndim - len(self.shape), x.ndim))
        y = x * lax.rsqrt(jnp.mean(jnp.square(x), axes, keepdims=True) + self.eps)
        return y if self.weight is None else y * self.weight


class BatchNorm(Module):
    """Batch normalization over every axis but the last (the features), with running
    statistics kept functionally (see the module docstring).

    ``bn(x, training=True)`` normalises with the batch's mean and (biased) variance and
    returns ``(y, new_bn)`` whose ``running_mean`` / ``running_var`` moved towards them;
    ``bn(x, training=False)`` uses the running statistics and returns ``(y, bn)``.

    Under ``zenax.vmap(..., axis_name=name)`` (each call sees one example) build the layer
    with ``axis_name=name``: the statistics are then averaged over the mapped axis with
    ``lax.pmean``, and the returned running stats are unmapped (``out_axes=None``).

    >>> bn = BatchNorm(3)
    >>> y, bn = bn(jnp.arange(12.0).reshape(4, 3), training=True)
    >>> bn.running_mean
    Array([0.045, 0.055, 0.065], dtype=float32)
    """
    weight: Any
    bias: Any
    running_mean: Any
    running_var: Any
    num_features: int = field(static=True)
    momentum: float = field(static=True)
    eps: float = field(static=True)
    axis_name: Any = field(static=True)

    returns_state = True    # a call returns (y, new_bn): Sequential cannot chain it

    def __init__(self, num_features: int, momentum: float = 0.99, eps: float = 1e-5,
                 use_weight: bool = True, use_bias: bool = True, axis_name=None, *,
                 dtype=np.float32):
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: momentum must be in [0, 1] (Flax's convention: "
                             f"0.99 keeps 99% of the running value), got {momentum!r}.")
        self.num_features = num_features
        self.momentum = momentum
        self.eps = eps
        self.axis_name = axis_name
        self.weight = jnp.ones((num_features,), dtype) if use_weight else None
        self.bias = jnp.zeros((num_features,), dtype) if use_bias else None
        self.running_mean = jnp.zeros((num_features,), dtype)
        self.running_var = jnp.ones((num_features,), dtype)

    def __call__(self, x, *, training: bool) -> tuple[Any, "BatchNorm"]:
        x = _check_trailing("BatchNorm", x, (self.num_features,))
        if training:
            mean, var = self._batch_stats(x)
            keep = self.momentum
            new = self.replace(
                running_mean=keep * self.running_mean + (1 - keep) * lax.stop_gradient(mean),
                running_var=keep * self.running_var + (1 - keep) * lax.stop_gradient(var))
        else:
            mean, var = lax.stop_gradient(self.running_mean), lax.stop_gradient(self.running_var)
            new = self
        y = (x - mean) * lax.rsqrt(var + self.eps)
        if self.weight is not None:
            y = y * self.weight
        return (y if self.bias is None else y + self.bias), new

    def _batch_stats(self, x):
        axes = tuple(range(x.ndim - 1))
        if not axes and self.axis_name is None:
            raise ValueError(
                f"BatchNorm: training needs a batch, got a single example x of shape "
                f"{_short(x)}. Give x a leading batch axis, or under zenax.vmap build the "
                f"layer with BatchNorm(..., axis_name=name) and vmap with axis_name=name.")
        mean = jnp.mean(x, axes)
        if self.axis_name is not None:
            mean = lax.pmean(mean, self.axis_name)
        var = jnp.mean(jnp.square(x - mean), axes)
        if self.axis_name is not None:
            var = lax.pmean(var, self.axis_name)
        return mean, var


def is_batch_stat(path: str, leaf) -> bool:
    """The ``(path, leaf)`` predicate of BatchNorm running statistics (non-trainable).

    >>> stats, params = partition(model, is_batch_stat, with_path=True)
    >>> grads = zenax.grad(lambda p: loss(combine(p, stats), x))(params)
    """
    return path.endswith((".running_mean", ".running_var"))
