"""jax.lax's convolution helpers: output-shape arithmetic (``conv_shape_tuple``,
``conv_general_shape_tuple``, ``conv_transpose_shape_tuple``, ``reduce_window_shape_tuple``),
the layout permutations of ``conv_general_permutations``, and two convolutions built from
``conv_general_dilated``:

* ``conv_general_dilated_patches`` extracts every window as channels: a grouped
  convolution with a one-hot kernel (one output channel per input channel and window
  position), so its derivatives and batching are the convolution's;
* ``conv_general_dilated_local`` (an unshared convolution: one kernel per output position)
  is those patches contracted with the per-position kernels by one ``dot_general``.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from zenax.tracer.core import get_aval

from .broadcasting import transpose
from .convolution import (_conv_transpose_padding, _dilate_shape, _stride_dim,
                          conv_dimension_numbers, conv_general_dilated, padtype_to_pads)
from .matmul import dot_general
from .precision import Precision, canonicalize_precision

__all__ = ["conv_general_dilated_local", "conv_general_dilated_patches",
           "conv_general_permutations", "conv_general_shape_tuple", "conv_shape_tuple",
           "conv_transpose_shape_tuple", "reduce_window_shape_tuple"]


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1) -> tuple:
    """Output shape of a convolution of operands in (N, C, spatial...) / (O, I, spatial...)
    order, with explicit ``(low, high)`` pads or a padding mode.

    >>> lax.conv_shape_tuple((1, 3, 8, 8), (4, 3, 3, 3), (2, 2), "SAME")
    (1, 4, 4, 4)
    """
    if isinstance(pads, str):
        pads = padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
    if len(pads) != len(lhs_shape) - 2:
        raise TypeError(f"conv_shape_tuple: wrong number of explicit pads for convolution: "
                        f"expected {len(lhs_shape) - 2}, got {len(pads)}.")
    padded = [d + lo + hi for d, (lo, hi) in zip(lhs_shape[2:], pads)]
    if any(d < 0 for d in padded):
        raise ValueError(f"conv_shape_tuple: negative padding is larger than the size of the "
                         f"corresponding dimension: got padding={pads} for "
                         f"lhs_shape[2:]={tuple(lhs_shape[2:])}.")
    out_space = tuple(_stride_dim(int(d), int(w), int(s))
                      for d, w, s in zip(padded, rhs_shape[2:], strides))
    batch = lhs_shape[0] // batch_group_count if batch_group_count > 1 else lhs_shape[0]
    return (int(batch), int(rhs_shape[0])) + out_space


def conv_general_permutations(dimension_numbers) -> tuple:
    """For layout strings ``(lhs, rhs, out)`` like ``('NHWC', 'HWIO', 'NHWC')``, the
    permutation of each operand into (N, C, spatial...) / (O, I, spatial...) order, the
    spatial dimensions ordered as in the kernel's layout.

    >>> lax.conv_general_permutations(("NHWC", "HWIO", "NHWC"))
    ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    """
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (a, b) in enumerate(pairs):
        spec = dimension_numbers[i]
        if not spec.count(a) == spec.count(b) == 1:
            raise TypeError(f"convolution dimension_numbers[{i}] must contain the "
                            f"characters '{a}' and '{b}' exactly once, got {spec}.")
        if len(spec) != len(set(spec)):
            raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate "
                            f"characters, got {spec}.")
    spatial = [set(spec) - set(pair) for spec, pair in zip(dimension_numbers, pairs)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError("convolution dimension_numbers elements must each have the same set "
                        f"of spatial characters, got {dimension_numbers}.")

    def perm(spec, pair):
        dims = [i for i, c in enumerate(spec) if c not in pair]
        if spec is not rhs_spec:
            dims.sort(key=lambda i: rhs_spec.index(spec[i]))
        return (spec.index(pair[0]), spec.index(pair[1])) + tuple(dims)
    return tuple(perm(spec, pair) for spec, pair in zip(dimension_numbers, pairs))


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                             dimension_numbers) -> tuple:
    """Output shape of a convolution with layout strings ``dimension_numbers``.

    >>> lax.conv_general_shape_tuple((1, 8, 8, 3), (3, 3, 3, 4), (1, 1), "VALID",
    ...                              ("NHWC", "HWIO", "NHWC"))
    (1, 6, 6, 4)
    """
    lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
    out = conv_shape_tuple(tuple(lhs_shape[i] for i in lhs_perm),
                           tuple(rhs_shape[i] for i in rhs_perm), window_strides, padding)
    return tuple(int(out[i]) for i in np.argsort(out_perm))


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                               dimension_numbers) -> tuple:
    """Output shape of ``conv_transpose`` with layout strings ``dimension_numbers``.

    >>> lax.conv_transpose_shape_tuple((1, 4, 4, 3), (3, 3, 3, 8), (2, 2), "SAME",
    ...                                ("NHWC", "HWIO", "NHWC"))
    (1, 8, 8, 8)
    """
    lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
    lhs = [lhs_shape[i] for i in lhs_perm]
    rhs = [rhs_shape[i] for i in rhs_perm]
    if isinstance(padding, str):
        padding = [_conv_transpose_padding(k, s, padding)
                   for k, s in zip(rhs[2:], window_strides)]
    space = [(i - 1) * s - k + 2 + sum(p)
             for i, k, s, p in zip(lhs[2:], rhs[2:], window_strides, padding)]
    out = [lhs[0], rhs[0]] + space
    return tuple(int(out[i]) for i in np.argsort(out_perm))


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None) -> tuple:
    """Output shape of a window reduction with explicit ``(low, high)`` padding.

    >>> lax.reduce_window_shape_tuple((8, 8), (2, 2), (2, 2), ((0, 0), (1, 1)))
    (4, 5)
    """
    if base_dilation is not None:
        operand_shape = _dilate_shape(operand_shape, base_dilation)
    if window_dilation is not None:
        window_dimensions = _dilate_shape(window_dimensions, window_dilation)
    return tuple(_stride_dim(d + lo + hi, w, s) for d, (lo, hi), w, s
                 in zip(operand_shape, padding, window_dimensions, window_strides))


def _moveaxes(x, src: Sequence[int], dst: Sequence[int]):
    ndim = get_aval(x).ndim
    src, dst = [s % ndim for s in src], [d % ndim for d in dst]
    order = [i for i in range(ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, tuple(order))


def conv_general_dilated_patches(lhs, filter_shape: Sequence[int], window_strides: Sequence[int],
                                 padding, lhs_dilation=None, rhs_dilation=None,
                                 dimension_numbers=None, precision=None,
                                 preferred_element_type=None):
    """Every ``filter_shape`` window of ``lhs`` flattened into the channel dimension: the
    output has ``C * prod(filter_shape)`` channels (channel-major), one spatial position
    per window, laid out by ``dimension_numbers`` like ``conv_general_dilated``'s.

    >>> lax.conv_general_dilated_patches(jnp.ones((1, 2, 5, 5)), (3, 3), (1, 1),
    ...                                  "VALID").shape
    (1, 18, 3, 3)
    """
    aval = get_aval(lhs)
    filter_shape = tuple(int(d) for d in filter_shape)
    dnums = conv_dimension_numbers(aval.shape, (1, 1) + filter_shape, dimension_numbers)
    lhs_spec, rhs_spec, _ = dnums
    size, channels = math.prod(filter_shape), aval.shape[lhs_spec[1]]
    # A constant one-hot kernel: output channel (c, k) copies window position k of channel c.
    kernel = np.broadcast_to(np.eye(size, dtype=aval.dtype), (channels, size, size))
    kernel = np.moveaxis(kernel.reshape((channels * size, 1) + filter_shape), (0, 1),
                         (rhs_spec[0], rhs_spec[1]))
    return conv_general_dilated(
        lhs, np.ascontiguousarray(kernel), window_strides, padding, lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, dimension_numbers=dnums, feature_group_count=channels,
        precision=None if precision is None else (precision, Precision.DEFAULT),
        preferred_element_type=preferred_element_type)


def conv_general_dilated_local(lhs, rhs, window_strides: Sequence[int], padding,
                               filter_shape: Sequence[int], lhs_dilation=None,
                               rhs_dilation=None, dimension_numbers=None, precision=None):
    """An unshared convolution: like ``conv_general_dilated``, but each output position
    has its own kernel.  ``rhs`` holds them with the layout of ``dimension_numbers``'s
    kernel spec, its input-feature dimension of size ``C * prod(filter_shape)`` (the
    patches' channels) and its spatial dimensions the output's.

    >>> lhs, rhs = jnp.ones((1, 2, 5, 5)), jnp.ones((4, 18, 3, 3))
    >>> lax.conv_general_dilated_local(lhs, rhs, (1, 1), "VALID", (3, 3)).shape
    (1, 4, 3, 3)
    """
    canonical = canonicalize_precision(precision, "conv_general_dilated_local")
    if canonical is not None and not isinstance(canonical, tuple):
        raise ValueError(f"conv_general_dilated_local: unsupported precision {precision!r}; "
                         "pass a lax.Precision or a pair of them.")
    patches = conv_general_dilated_patches(
        lhs, filter_shape, window_strides, padding, lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, dimension_numbers=dimension_numbers,
        precision=None if canonical is None else canonical[0])
    _, rhs_spec, out_spec = conv_dimension_numbers(
        get_aval(lhs).shape, (1, 1) + tuple(filter_shape), dimension_numbers)
    lhs_batch = list(out_spec[2:])
    rhs_batch = [rhs_spec[2:][i] for i in sorted(range(len(lhs_batch)),
                                                 key=lambda k: lhs_batch[k])]
    dnums = (((out_spec[1],), (rhs_spec[1],)), (tuple(sorted(lhs_batch)), tuple(rhs_batch)))
    out = dot_general(patches, rhs, dnums, precision=precision)
    return _moveaxes(out, (-2, -1), (out_spec[0], out_spec[1]))
