"""Convolution and pooling layers: ``Conv1d/2d/3d``, ``MaxPool1d/2d``, ``AvgPool1d/2d``.

**Layout: channel-last, as Flax.**  Inputs are ``[..., *spatial, channels]`` -- ``NWC``
for 1-d, ``NHWC`` for 2-d -- with any number of leading batch dimensions (none for a
single example, so the layers also work per example under ``zenax.vmap``).  Kernels are
``[*kernel_size, in_channels // groups, out_channels]`` (``HWIO``), initialised with
``lecun_normal`` and a zero bias, also as Flax.

``padding`` is 'SAME' (output size ``ceil(size / stride)``; Flax's default for
convolutions), 'VALID' (no padding; the pooling default), an int (the same on both sides
of every spatial dimension), one int per spatial dimension, or one ``(low, high)`` pair
per spatial dimension.  Pooling strides default to the window (as PyTorch).

>>> import zenax, zenax.numpy as jnp
>>> conv = Conv2d(3, 8, kernel_size=3, key=zenax.random.PRNGKey(0))
>>> conv(jnp.ones((2, 32, 32, 3))).shape
(2, 32, 32, 8)
>>> MaxPool2d(2)(jnp.ones((2, 32, 32, 8))).shape
(2, 16, 16, 8)
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax import random

from . import initializers
from .layers import _short
from .module import Module, field

# Letters of the spatial dimensions in the layout strings (NWC, NHWC, NDHWC).
_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


def _tuple(name: str, arg: str, value, n: int) -> tuple:
    """An int or ``n`` ints as a tuple of ``n`` positive ints."""
    values = (value,) * n if isinstance(value, int) else tuple(value)
    if len(values) != n or any(not isinstance(v, int) or v < 1 for v in values):
        raise ValueError(f"{name}: {arg} must be a positive int or {n} positive ints (one per "
                         f"spatial dimension), got {value!r}.")
    return values


def _padding(name: str, padding, n: int):
    """'SAME' / 'VALID', or ``n`` ``(low, high)`` pairs."""
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"{name}: padding must be 'SAME', 'VALID', an int, {n} ints or "
                             f"{n} (low, high) pairs, got {padding!r}.")
        return padding.upper()
    if isinstance(padding, int):
        padding = (padding,) * n
    try:
        pairs = tuple((p, p) if isinstance(p, int) else (operator.index(p[0]),
                                                         operator.index(p[1]))
                      for p in padding)
    except (TypeError, IndexError):
        pairs = ()
    if len(pairs) != n or any(lo < 0 or hi < 0 for lo, hi in pairs):
        raise ValueError(f"{name}: padding must be 'SAME', 'VALID', an int, {n} ints or {n} "
                         f"(low, high) pairs of non-negative ints, got {padding!r}.")
    return pairs


def _over_batch(name: str, x, n: int, channels: int | None, fn):
    """Apply ``fn`` to ``x[..., *spatial, C]`` seen as one ``[N, *spatial, C]`` batch."""
    x = jnp.asarray(x)
    if x.ndim < n + 1 or (channels is not None and x.shape[-1] != channels):
        expected = f"[..., {', '.join(_SPATIAL[n])}, C]"
        what = f" with C = in_channels = {channels}" if channels is not None else ""
        raise ValueError(f"{name}: the input x must be channel-last {expected}{what}, got x of "
                         f"shape {_short(x)}. Move the channels last, e.g. "
                         f"jnp.moveaxis(x, 1, -1) for NCHW data.")
    batch = x.shape[:x.ndim - n - 1]
    y = fn(jnp.reshape(x, (-1,) + x.shape[x.ndim - n - 1:]))
    return jnp.reshape(y, batch + y.shape[1:])


class Conv(Module):
    """An n-d convolution, channel-last (see the module docstring); ``Conv1d``,
    ``Conv2d`` and ``Conv3d`` fix ``num_spatial_dims``.

    ``stride``, ``dilation`` (of the kernel) and ``groups`` (``feature_group_count``: the
    channels are split into ``groups`` independent convolutions; both channel counts must
    divide by it) are as in PyTorch.

    >>> conv = Conv(1, 4, 6, kernel_size=3, stride=2, padding="VALID", groups=2,
    ...             key=zenax.random.PRNGKey(0))
    >>> conv.weight.shape, conv(jnp.ones((10, 4))).shape
    ((3, 2, 6), (4, 6))
    """
    weight: Any
    bias: Any
    in_channels: int = field(static=True)
    out_channels: int = field(static=True)
    kernel_size: tuple = field(static=True)
    stride: tuple = field(static=True)
    padding: Any = field(static=True)
    dilation: tuple = field(static=True)
    groups: int = field(static=True)

    def __init__(self, num_spatial_dims: int, in_channels: int, out_channels: int,
                 kernel_size: int | Sequence[int], stride: int | Sequence[int] = 1,
                 padding="SAME", dilation: int | Sequence[int] = 1, groups: int = 1,
                 use_bias: bool = True, *, key, dtype=np.float32,
                 kernel_init=initializers.lecun_normal(), bias_init=initializers.zeros):
        name, n = type(self).__name__, num_spatial_dims
        if n not in _SPATIAL:
            raise ValueError(f"{name}: num_spatial_dims must be 1, 2 or 3, got {n}.")
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups}).")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(name, "kernel_size", kernel_size, n)
        self.stride = _tuple(name, "stride", stride, n)
        self.dilation = _tuple(name, "dilation", dilation, n)
        self.padding = _padding(name, padding, n)
        wkey, bkey = random.split(key)
        self.weight = kernel_init(wkey, self.kernel_size + (in_channels // groups,
                                                            out_channels), dtype)
        self.bias = bias_init(bkey, (out_channels,), dtype) if use_bias else None

    def __call__(self, x):
        n = len(self.kernel_size)
        layout = "N" + _SPATIAL[n] + "C"

        def conv(x):
            y = lax.conv_general_dilated(
                x, self.weight, self.stride, self.padding, rhs_dilation=self.dilation,
                dimension_numbers=(layout, _SPATIAL[n] + "IO", layout),
                feature_group_count=self.groups)
            return y if self.bias is None else y + self.bias
        return _over_batch(type(self).__name__, x, n, self.in_channels, conv)


class Conv1d(Conv):
    """``Conv`` over ``[..., W, C]``: ``Conv1d(in_channels, out_channels, kernel_size,
    stride=1, padding='SAME', dilation=1, groups=1, use_bias=True, *, key)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(1, *args, **kwargs)


class Conv2d(Conv):
    """``Conv`` over ``[..., H, W, C]``: ``Conv2d(in_channels, out_channels, kernel_size,
    stride=1, padding='SAME', dilation=1, groups=1, use_bias=True, *, key)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(2, *args, **kwargs)


class Conv3d(Conv):
    """``Conv`` over ``[..., D, H, W, C]`` (same arguments as ``Conv2d``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(3, *args, **kwargs)


class _Pool(Module):
    """Shared fields and argument checks of the pooling layers (no parameters)."""
    kernel_size: tuple = field(static=True)
    stride: tuple = field(static=True)
    padding: Any = field(static=True)

    def __init__(self, num_spatial_dims: int, kernel_size: int | Sequence[int],
                 stride: int | Sequence[int] | None = None, padding="VALID"):
        name, n = type(self).__name__, num_spatial_dims
        self.kernel_size = _tuple(name, "kernel_size", kernel_size, n)
        self.stride = self.kernel_size if stride is None else _tuple(name, "stride", stride, n)
        self.padding = _padding(name, padding, n)


class MaxPool(_Pool):
    """Max over windows of the spatial dimensions (padding never wins).
    ``MaxPool(num_spatial_dims, kernel_size, stride=kernel_size, padding='VALID')``.

    >>> MaxPool(1, 2)(jnp.array([[1.0], [3.0], [2.0], [0.0]]))[:, 0]
    Array([3., 2.], dtype=float32)
    """

    def __call__(self, x):
        return _over_batch(type(self).__name__, x, len(self.kernel_size), None,
                           lambda x: lax.max_pool(x, self.kernel_size, self.stride,
                                                  self.padding))


class AvgPool(_Pool):
    """Mean over windows of the spatial dimensions; with ``count_include_pad`` (the
    default, as Flax and PyTorch) padding counts as zeros, otherwise each window is
    averaged over its real elements only.

    >>> AvgPool(1, 2)(jnp.array([[1.0], [3.0], [2.0], [0.0]]))[:, 0]
    Array([2., 1.], dtype=float32)
    """
    count_include_pad: bool = field(static=True)

    def __init__(self, num_spatial_dims: int, kernel_size: int | Sequence[int],
                 stride: int | Sequence[int] | None = None, padding="VALID",
                 count_include_pad: bool = True):
        super().__init__(num_spatial_dims, kernel_size, stride, padding)
        self.count_include_pad = count_include_pad

    def __call__(self, x):
        return _over_batch(type(self).__name__, x, len(self.kernel_size), None,
                           lambda x: lax.avg_pool(x, self.kernel_size, self.stride,
                                                  self.padding,
                                                  count_include_pad=self.count_include_pad))


class MaxPool1d(MaxPool):
    """``MaxPool`` over ``[..., W, C]``: ``MaxPool1d(kernel_size, stride=kernel_size,
    padding='VALID')``."""

    def __init__(self, *args, **kwargs):
        super().__init__(1, *args, **kwargs)


class MaxPool2d(MaxPool):
    """``MaxPool`` over ``[..., H, W, C]``: ``MaxPool2d(kernel_size, stride=kernel_size,
    padding='VALID')``."""

    def __init__(self, *args, **kwargs):
        super().__init__(2, *args, **kwargs)


class AvgPool1d(AvgPool):
    """``AvgPool`` over ``[..., W, C]``: ``AvgPool1d(kernel_size, stride=kernel_size,
    padding='VALID', count_include_pad=True)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(1, *args, **kwargs)


class AvgPool2d(AvgPool):
    """``AvgPool`` over ``[..., H, W, C]``: ``AvgPool2d(kernel_size, stride=kernel_size,
    padding='VALID', count_include_pad=True)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(2, *args, **kwargs)
