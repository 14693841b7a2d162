"""Convolution: ``conv_general_dilated`` with all its rules, and the wrappers ``conv``,
``conv_with_general_padding`` and ``conv_transpose`` (JAX's names and signatures).

The primitive works in XLA's terms: explicit ``(low, high)`` padding per spatial
dimension, input (``lhs_dilation``) and kernel (``rhs_dilation``) dilation, and
``ConvDimensionNumbers(lhs_spec, rhs_spec, out_spec)`` -- for each operand the positions
of its (batch, feature, *spatial) dimensions (for the kernel: out feature, in feature,
*spatial).  The wrappers turn JAX's friendlier forms ('SAME', ('NHWC', 'HWIO', 'NHWC'))
into those.

Convolution is bilinear, so its jvp convolves the tangents, and each transpose is another
convolution with swapped dimension numbers (ported from JAX's
``_conv_general_dilated_transpose_lhs/rhs``).  Grouped convolutions transpose into each
other: feature groups on the forward pass become batch groups for the kernel's
cotangent, and back.
"""
from __future__ import annotations

import operator
from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, transpose_rules

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import zeros_like_aval
from .elementwise import defjvp
from .precision import canonicalize_precision
from .sharding_constraint import out_sharded
from .registry import register, same_dtype, type_error, value_error

lax = jax.lax

# JAX's static helpers: a namedtuple of index tuples, and the parser of its string forms.
ConvDimensionNumbers = lax.ConvDimensionNumbers

__all__ = ["ConvDimensionNumbers", "conv", "conv_dimension_numbers", "conv_general_dilated",
           "conv_general_dilated_p", "conv_transpose", "conv_with_general_padding",
           "padtype_to_pads"]


# --------------------------------------------------------------------------- shape helpers

def _dilate_shape(shape, dilation):
    """Size of each dimension after inserting ``dilation - 1`` holes between elements."""
    return tuple(0 if d == 0 else 1 + r * (d - 1) for d, r in zip(shape, dilation))


def _stride_dim(d, window, stride):
    """Number of windows of size ``window`` at stride ``stride`` that fit in ``d``."""
    return max(0, (d - window) // stride + 1)


def padtype_to_pads(in_shape, window_shape, window_strides, padding) -> list:
    """Explicit ``(low, high)`` pads for a padding mode ('VALID', 'SAME', 'SAME_LOWER').

    'SAME' keeps ``ceil(in / stride)`` outputs, putting an odd extra pad at the end;
    'SAME_LOWER' puts it at the start.

    >>> padtype_to_pads((5,), (3,), (2,), "SAME")
    [(1, 1)]
    """
    mode = str(padding).upper()
    if mode == "VALID":
        return [(0, 0)] * len(in_shape)
    if mode not in ("SAME", "SAME_LOWER"):
        raise ValueError(f"padtype_to_pads: unrecognized padding {padding!r}; expected "
                         "'VALID', 'SAME', 'SAME_LOWER' or a sequence of (low, high) pairs.")
    pads = []
    for d, w, s in zip(in_shape, window_shape, window_strides):
        out = -(-int(d) // int(s))
        total = max(0, (out - 1) * int(s) + int(w) - int(d))
        small, big = total // 2, total - total // 2
        pads.append((small, big) if mode == "SAME" else (big, small))
    return pads


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers) -> ConvDimensionNumbers:
    """Canonical ``ConvDimensionNumbers`` (tuples of ints) from JAX's accepted forms:
    ``None`` (``NCHW, OIHW, NCHW``-like), three layout strings, or ConvDimensionNumbers.

    >>> conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    dn = lax.conv_dimension_numbers(tuple(lhs_shape), tuple(rhs_shape), dimension_numbers)
    return ConvDimensionNumbers(*(tuple(int(i) for i in spec) for spec in dn))


_conv_sdims = lambda spec: tuple(spec[2:])
_conv_spec_transpose = lambda spec: (spec[1], spec[0]) + tuple(spec[2:])


# --------------------------------------------------------------------------- the primitive
conv_general_dilated_p = Primitive("conv_general_dilated")


def _conv_shape(lhs_shape, rhs_shape, *, window_strides, padding, lhs_dilation, rhs_dilation,
                dimension_numbers, feature_group_count, batch_group_count):
    """Output shape of a convolution, with JAX's checks (and its error messages)."""
    name = "conv_general_dilated"
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise value_error(f"{name} lhs and rhs must have the same number of dimensions, but "
                         f"got {lhs_shape} and {rhs_shape}.")
    nsp = len(lhs_shape) - 2
    for pname, value in (("window_strides", window_strides), ("padding", padding),
                         ("lhs_dilation", lhs_dilation), ("rhs_dilation", rhs_dilation)):
        if len(value) != nsp:
            raise value_error(f"{name}: {pname} must have one entry per spatial dimension "
                             f"({nsp} for operands of rank {len(lhs_shape)}), got {value}.")
    for pname, value in (("window_strides", window_strides), ("lhs_dilation", lhs_dilation),
                         ("rhs_dilation", rhs_dilation)):
        if any(v < 1 for v in value):
            raise type_error(f"{name}: {pname} must be positive, got {value}.")
    for gname, g in (("feature_group_count", feature_group_count),
                     ("batch_group_count", batch_group_count)):
        if g < 1:
            raise value_error(f"{name} {gname} must be a positive integer, got {g}.")
    if feature_group_count > 1 and batch_group_count > 1:
        raise value_error(f"{name}: at most one of batch_group_count and feature_group_count "
                         f"may be > 1, got batch_group_count={batch_group_count} and "
                         f"feature_group_count={feature_group_count}.")
    lhs_features = lhs_shape[lhs_spec[1]]
    rhs_in, rhs_out = rhs_shape[rhs_spec[1]], rhs_shape[rhs_spec[0]]
    if lhs_features % feature_group_count:
        raise value_error(f"{name} feature_group_count must divide lhs feature dimension size, "
                         f"but {feature_group_count} does not divide {lhs_features}.")
    if lhs_features // feature_group_count != rhs_in:
        raise value_error(f"{name} lhs feature dimension size divided by feature_group_count "
                         f"must equal the rhs input feature dimension size, but "
                         f"{lhs_features} // {feature_group_count} != {rhs_in} (lhs shape "
                         f"{lhs_shape}, rhs shape {rhs_shape}).")
    for gname, g in (("feature_group_count", feature_group_count),
                     ("batch_group_count", batch_group_count)):
        if rhs_out % g:
            raise value_error(f"{name} rhs output feature dimension size must be a multiple "
                             f"of {gname}, but {rhs_out} is not a multiple of {g}.")
    lhs_batch = lhs_shape[lhs_spec[0]]
    if lhs_batch % batch_group_count:
        raise value_error(f"{name} batch_group_count must divide lhs batch dimension size, "
                         f"but {batch_group_count} does not divide {lhs_batch}.")
    lhs_sp = _dilate_shape([lhs_shape[i] for i in lhs_spec[2:]], lhs_dilation)
    rhs_sp = _dilate_shape([rhs_shape[i] for i in rhs_spec[2:]], rhs_dilation)
    padded = [d + lo + hi for d, (lo, hi) in zip(lhs_sp, padding)]
    if any(p < 0 for p in padded):
        raise value_error(f"{name}: negative padding {padding} is larger than the lhs spatial "
                         f"dimensions {tuple(lhs_sp)}.")
    spatial = [_stride_dim(p, k, s) for p, k, s in zip(padded, rhs_sp, window_strides)]
    out_trans = (lhs_batch // batch_group_count, rhs_out, *spatial)
    out = [0] * len(out_trans)
    for size, dim in zip(out_trans, out_spec):
        out[dim] = size
    return tuple(out)


def _conv_abstract_eval(lhs, rhs, *, precision, preferred_element_type, **params):
    dtype = same_dtype("conv_general_dilated", lhs, rhs)
    if preferred_element_type is not None:
        dtype = preferred_element_type
    shape = _conv_shape(lhs.shape, rhs.shape, **params)
    weak = lhs.weak_type and rhs.weak_type and preferred_element_type is None
    return ShapedArray(shape, dtype, weak)


def _conv_lower(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                dimension_numbers, feature_group_count, batch_group_count, precision,
                preferred_element_type):
    return lax.conv_general_dilated(
        lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
        feature_group_count, batch_group_count, precision=precision,
        preferred_element_type=preferred_element_type)


register(conv_general_dilated_p, _conv_abstract_eval, _conv_lower)


# =========================================================================== public API

def conv_general_dilated(lhs, rhs, window_strides: Sequence[int], padding,
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers=None, feature_group_count: int = 1,
                         batch_group_count: int = 1, precision=None,
                         preferred_element_type=None, out_sharding=None):
    """General n-d convolution with strides, padding, dilations, groups (XLA's Conv).

    ``padding`` is 'SAME', 'SAME_LOWER', 'VALID' or ``n`` ``(low, high)`` pairs;
    ``dimension_numbers`` is None (``NC<spatial>``, ``OI<spatial>``), three layout strings
    such as ``('NHWC', 'HWIO', 'NHWC')``, or a ``ConvDimensionNumbers``.

    >>> x = jnp.ones((1, 8, 8, 3)); k = jnp.ones((3, 3, 3, 16))
    >>> conv_general_dilated(x, k, (1, 1), "SAME",
    ...                      dimension_numbers=("NHWC", "HWIO", "NHWC")).shape
    (1, 8, 8, 16)
    """
    lhs_aval, rhs_aval = get_aval(lhs), get_aval(rhs)
    dnums = conv_dimension_numbers(lhs_aval.shape, rhs_aval.shape, dimension_numbers)
    nsp = lhs_aval.ndim - 2
    if lhs_dilation is None:
        lhs_dilation = (1,) * nsp
    elif isinstance(padding, str) and any(d != 1 for d in lhs_dilation):
        raise ValueError("conv_general_dilated: string padding is not implemented for "
                         "transposed convolution (lhs_dilation != 1). Give the padding "
                         "explicitly, or use lax.conv_transpose.")
    if rhs_dilation is None:
        rhs_dilation = (1,) * nsp
    if isinstance(padding, str):
        rhs_sp = _dilate_shape([rhs_aval.shape[i] for i in dnums.rhs_spec[2:]], rhs_dilation)
        padding = padtype_to_pads([lhs_aval.shape[i] for i in dnums.lhs_spec[2:]], rhs_sp,
                                  window_strides, padding)
    try:
        padding = tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
    except (ValueError, TypeError):
        raise ValueError("conv_general_dilated: padding must be a string or a sequence of "
                         f"(low, high) integer pairs, got {padding!r}.") from None
    if preferred_element_type is not None:
        preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
    ints = lambda xs: tuple(operator.index(x) for x in xs)
    out = bind(conv_general_dilated_p, lhs, rhs, window_strides=ints(window_strides),
                padding=padding, lhs_dilation=ints(lhs_dilation),
                rhs_dilation=ints(rhs_dilation), dimension_numbers=dnums,
                feature_group_count=operator.index(feature_group_count),
                batch_group_count=operator.index(batch_group_count),
                precision=canonicalize_precision(precision, "conv_general_dilated"),
                preferred_element_type=preferred_element_type)
    return out_sharded("zenax.lax.conv_general_dilated", out, out_sharding)


def conv(lhs, rhs, window_strides: Sequence[int], padding: str, precision=None,
         preferred_element_type=None):
    """Convolution in ``NC<spatial>`` / ``OI<spatial>`` layout with 'SAME' or 'VALID' padding.

    >>> conv(jnp.ones((2, 3, 9, 9)), jnp.ones((4, 3, 3, 3)), (2, 2), "VALID").shape
    (2, 4, 4, 4)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides: Sequence[int], padding,
                              lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision=None,
                              preferred_element_type=None):
    """:func:`conv` with explicit padding pairs and dilations.

    >>> conv_with_general_padding(jnp.ones((1, 1, 5)), jnp.ones((1, 1, 2)), (1,), [(1, 1)],
    ...                           None, (2,)).shape
    (1, 1, 5)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                rhs_dilation=rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


def _conv_transpose_padding(k, s, padding):
    """(before, after) padding of one dimension of a transposed convolution (as JAX)."""
    if padding == "SAME":
        pad_len = k + s - 2
        pad_a = k - 1 if s > k - 1 else int(np.ceil(pad_len / 2))
    elif padding == "VALID":
        pad_len = k + s - 2 + max(k - s, 0)
        pad_a = k - 1
    elif isinstance(padding, tuple):
        pads = tuple(k - p - 1 for p in padding)
        pad_a, pad_len = pads[0], sum(pads)
    else:
        raise ValueError(f"conv_transpose: invalid padding {padding!r}.")
    return pad_a, pad_len - pad_a


def conv_transpose(lhs, rhs, strides: Sequence[int], padding, rhs_dilation=None,
                   dimension_numbers=None, transpose_kernel: bool = False, precision=None,
                   preferred_element_type=None, use_consistent_padding: bool = False):
    """Transposed ("fractionally strided") convolution, as ``jax.lax.conv_transpose``.

    Defaults to the TensorFlow layout (``NHWC``, ``HWIO``); 'SAME'/'VALID' padding name the
    forward convolution's padding, so the output is ``stride`` times larger.

    >>> conv_transpose(jnp.ones((1, 4, 4, 2)), jnp.ones((3, 3, 2, 5)), (2, 2), "SAME").shape
    (1, 8, 8, 5)
    """
    lhs_aval, rhs_aval = get_aval(lhs), get_aval(rhs)
    ndims = lhs_aval.ndim
    if ndims != rhs_aval.ndim or ndims < 2:
        raise type_error(f"conv_transpose: lhs and rhs must have the same rank >= 2, got "
                         f"shapes {lhs_aval.shape} and {rhs_aval.shape}.")
    if dimension_numbers is None:
        defaults = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                    4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}
        if ndims not in defaults:
            raise ValueError("conv_transpose: no default dimension_numbers for rank "
                             f"{ndims}; pass dimension_numbers explicitly.")
        dimension_numbers = defaults[ndims]
    dn = conv_dimension_numbers(lhs_aval.shape, rhs_aval.shape, dimension_numbers)
    k_sdims = [rhs_aval.shape[i] for i in dn.rhs_spec[2:]]
    if rhs_dilation is None:
        rhs_dilation = (1,) * (ndims - 2)
    if use_consistent_padding or (isinstance(padding, str) and padding in {"SAME", "VALID"}):
        effective_k = _dilate_shape(k_sdims, rhs_dilation)
        replicated = [padding] * len(strides) if isinstance(padding, str) else \
            [tuple(p) for p in padding]
        pads = tuple(_conv_transpose_padding(k, s, p)
                     for k, s, p in zip(effective_k, strides, replicated))
    else:
        pads = padding
    if transpose_kernel:
        # Flip the spatial dims and swap the kernel's input/output feature axes.
        rhs = sh.rev(rhs, dn.rhs_spec[2:])
        perm = list(range(ndims))
        perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = dn.rhs_spec[1], dn.rhs_spec[0]
        rhs = sh.transpose(rhs, perm)
    return conv_general_dilated(lhs, rhs, (1,) * (ndims - 2), pads, strides, rhs_dilation, dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


# =========================================================================== derivatives
# Bilinear: the tangent is conv(lhs_dot, rhs) + conv(lhs, rhs_dot).
defjvp(conv_general_dilated_p,
       lambda g, lhs, rhs, **params: bind(conv_general_dilated_p, g, rhs, **params),
       lambda g, lhs, rhs, **params: bind(conv_general_dilated_p, lhs, g, **params))


def _reshape_axis_into(src: int, dst: int, x):
    """Merge axis ``src`` into axis ``dst`` (numbered after removing ``src``), as the
    major part of the merged axis."""
    shape = get_aval(x).shape
    perm = [i for i in range(len(shape)) if i != src]
    perm.insert(dst, src)
    new_shape = [d for i, d in enumerate(shape) if i != src]
    new_shape[dst] *= shape[src]
    return sh.reshape(x, new_shape, perm)


def _reshape_axis_out_of(src: int, size1: int, x):
    """Split axis ``src`` into ``(size1, rest)``."""
    shape = list(get_aval(x).shape)
    size2, ragged = divmod(shape[src], size1)
    assert not ragged, (shape, src, size1)
    shape[src:src + 1] = [size1, size2]
    return sh.reshape(x, shape)


def _conv_general_vjp_lhs_padding(in_shape, window_dimensions, window_strides, out_shape,
                                  padding, lhs_dilation, rhs_dilation) -> list:
    """Padding of the convolution that maps an output cotangent back onto the input."""
    lhs_dilated = _dilate_shape(in_shape, lhs_dilation)
    rhs_dilated = _dilate_shape(window_dimensions, rhs_dilation)
    out_dilated = _dilate_shape(out_shape, window_strides)
    before = [r - lo - 1 for r, (lo, _) in zip(rhs_dilated, padding)]
    after = [l + r - 1 - o - b for l, r, o, b in zip(lhs_dilated, rhs_dilated, out_dilated,
                                                      before)]
    return list(zip(before, after))


def _conv_general_vjp_rhs_padding(in_shape, window_dimensions, window_strides, out_shape,
                                  padding, lhs_dilation, rhs_dilation) -> list:
    """Padding of the convolution (of lhs with the cotangent) that gives the kernel's."""
    if not len(in_shape):
        return []
    lhs_dilated = _dilate_shape(in_shape, lhs_dilation)
    rhs_dilated = _dilate_shape(window_dimensions, rhs_dilation)
    out_dilated = _dilate_shape(out_shape, window_strides)
    pads_lo = [lo for lo, _ in padding]
    pads_hi = [(o - l) + (r - lo - 1)
               for o, l, r, lo in zip(out_dilated, lhs_dilated, rhs_dilated, pads_lo)]
    return list(zip(pads_lo, pads_hi))


# Ignoring spatial dims (m = batch, j = in feature, k = out feature), the forward pass is
# [m, j] x [j, k] -> [m, k]; like a matmul's, the lhs transpose is [m, k] x [k, j] and the
# rhs transpose is [j, m] x [m, k].  Feature groups [m, gj] x [j, gk] transpose to feature
# groups (lhs; groups moved onto the kernel's output features) and to batch groups (rhs);
# batch groups [gm, j] x [j, gk] -> [m, gk] transpose to feature groups for both.

def _conv_transpose_lhs(ct, lhs, rhs, *, window_strides, padding, lhs_dilation,
                        rhs_dilation, dimension_numbers, feature_group_count,
                        batch_group_count, precision, preferred_element_type):
    lhs_aval = lhs.aval
    rhs_shape = get_aval(rhs).shape
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    lhs_sdims, rhs_sdims, out_sdims = map(_conv_sdims, dimension_numbers)
    groups = feature_group_count
    if feature_group_count > 1 or batch_group_count > 1:
        # Move the group axis from the kernel's output features to its input features.
        groups = max(feature_group_count, batch_group_count)
        rhs = _reshape_axis_out_of(rhs_spec[0], groups, rhs)
        rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[1], rhs)
    trans_dn = ConvDimensionNumbers(out_spec, _conv_spec_transpose(rhs_spec), lhs_spec)
    ct_shape = get_aval(ct).shape
    pads = _conv_general_vjp_lhs_padding(
        [lhs_aval.shape[i] for i in lhs_sdims], [rhs_shape[i] for i in rhs_sdims],
        window_strides, [ct_shape[i] for i in out_sdims], padding, lhs_dilation, rhs_dilation)
    revd_weights = sh.rev(rhs, rhs_sdims)
    if get_aval(revd_weights).dtype != get_aval(ct).dtype:
        revd_weights = ew._convert_element_type(revd_weights, get_aval(ct).dtype)
    out = conv_general_dilated(ct, revd_weights, window_strides=lhs_dilation, padding=pads,
                               lhs_dilation=window_strides, rhs_dilation=rhs_dilation,
                               dimension_numbers=trans_dn, feature_group_count=groups,
                               batch_group_count=1, precision=precision,
                               preferred_element_type=preferred_element_type)
    if get_aval(out).dtype != lhs_aval.dtype:
        out = ew._convert_element_type(out, lhs_aval.dtype)
    if batch_group_count > 1:
        out = _reshape_axis_out_of(lhs_spec[1], batch_group_count, out)
        out = _reshape_axis_into(lhs_spec[1], lhs_spec[0], out)
    return out


def _conv_transpose_rhs(ct, lhs, rhs, *, window_strides, padding, lhs_dilation,
                        rhs_dilation, dimension_numbers, feature_group_count,
                        batch_group_count, precision, preferred_element_type):
    rhs_aval = rhs.aval
    ct_aval = get_aval(ct)
    if ct_aval.size == 0:
        # Avoids a degenerate convolution whose kernel has spatial size 0.
        return zeros_like_aval(rhs_aval)
    lhs_shape = get_aval(lhs).shape
    lhs_sdims, rhs_sdims, out_sdims = map(_conv_sdims, dimension_numbers)
    lhs_trans, rhs_trans, out_trans = map(_conv_spec_transpose, dimension_numbers)
    # Feature groups become batch groups and vice versa.
    feature_group_count, batch_group_count = batch_group_count, feature_group_count
    trans_dn = ConvDimensionNumbers(lhs_trans, out_trans, rhs_trans)
    pads = _conv_general_vjp_rhs_padding(
        [lhs_shape[i] for i in lhs_sdims], [rhs_aval.shape[i] for i in rhs_sdims],
        window_strides, [ct_aval.shape[i] for i in out_sdims], padding, lhs_dilation,
        rhs_dilation)
    if get_aval(lhs).dtype != ct_aval.dtype:
        lhs = ew._convert_element_type(lhs, ct_aval.dtype)
    out = conv_general_dilated(lhs, ct, window_strides=rhs_dilation, padding=pads,
                               lhs_dilation=lhs_dilation, rhs_dilation=window_strides,
                               dimension_numbers=trans_dn,
                               feature_group_count=feature_group_count,
                               batch_group_count=batch_group_count, precision=precision,
                               preferred_element_type=preferred_element_type)
    if get_aval(out).dtype != rhs_aval.dtype:
        out = ew._convert_element_type(out, rhs_aval.dtype)
    return out


def _conv_transpose_rule(ct, lhs, rhs, **params):
    if is_undefined_primal(lhs) and is_undefined_primal(rhs):
        raise ValueError("conv_general_dilated: cannot transpose a convolution of two linear "
                         "values (the program is not linear in its tangent inputs).")
    if type(ct) is Zero:
        return [Zero(lhs.aval) if is_undefined_primal(lhs) else None,
                Zero(rhs.aval) if is_undefined_primal(rhs) else None]
    if is_undefined_primal(lhs):
        return [_conv_transpose_lhs(ct, lhs, rhs, **params), None]
    return [None, _conv_transpose_rhs(ct, lhs, rhs, **params)]


transpose_rules[conv_general_dilated_p] = _conv_transpose_rule


# =========================================================================== batching

def _conv_batch_rule(args, dims, **params):
    """Fold the vmapped axis into the convolution's own batch or feature dimensions
    (as JAX's ``_conv_general_dilated_batch_rule``)."""
    (lhs, rhs), (lhs_bdim, rhs_bdim) = args, dims
    dn = params["dimension_numbers"]
    lhs_spec, rhs_spec, out_spec = dn
    fgc, bgc = params["feature_group_count"], params["batch_group_count"]
    lhs_aval, rhs_aval = get_aval(lhs), get_aval(rhs)
    size = lhs_aval.shape[lhs_bdim] if lhs_bdim is not not_mapped else rhs_aval.shape[rhs_bdim]

    if size == 0:
        # The reshapes below cannot split a size-0 axis; the result is empty anyway.
        drop = lambda aval, bdim: aval.shape if bdim is not_mapped else \
            aval.shape[:bdim] + aval.shape[bdim + 1:]
        out_aval = _conv_abstract_eval(lhs_aval.update(shape=drop(lhs_aval, lhs_bdim)),
                                       rhs_aval.update(shape=drop(rhs_aval, rhs_bdim)),
                                       **params)
        return zeros_like_aval(out_aval.update(shape=(0,) + out_aval.shape)), 0

    conv = lambda l, r, fgc=fgc, bgc=bgc: bind(
        conv_general_dilated_p, l, r,
        **dict(params, feature_group_count=fgc, batch_group_count=bgc))

    if lhs_bdim is not not_mapped and rhs_bdim is not not_mapped:
        # Both batched: one grouped convolution, a group per batch element.
        if bgc > 1:
            new_lhs = _reshape_axis_into(lhs_bdim, lhs_spec[0], lhs)
            bgc *= size
        else:
            new_lhs = _reshape_axis_into(lhs_bdim, lhs_spec[1], lhs)
            fgc *= size
        new_rhs = _reshape_axis_into(rhs_bdim, rhs_spec[0], rhs)
        out = conv(new_lhs, new_rhs, fgc, bgc)
        return _reshape_axis_out_of(out_spec[1], size, out), out_spec[1]

    if lhs_bdim is not not_mapped:
        if bgc == 1:
            # The vmapped axis joins the convolution's batch dimension.
            out = conv(_reshape_axis_into(lhs_bdim, lhs_spec[0], lhs), rhs)
            return _reshape_axis_out_of(out_spec[0], size, out), out_spec[0]
        # Batch groups must stay outermost in the batch dimension: split them out, put the
        # vmapped axis inside them, and merge back.
        new_lhs = _reshape_axis_out_of(lhs_spec[0] + int(lhs_bdim <= lhs_spec[0]), bgc, lhs)
        new_lhs = _reshape_axis_into(lhs_bdim + int(lhs_spec[0] < lhs_bdim), lhs_spec[0] + 1,
                                     new_lhs)
        new_lhs = _reshape_axis_into(lhs_spec[0], lhs_spec[0], new_lhs)
        out = conv(new_lhs, rhs)
        return _reshape_axis_out_of(out_spec[0], size, out), out_spec[0]

    # Only the kernel is batched: the vmapped axis joins its output features.
    if fgc == 1 and bgc == 1:
        out = conv(lhs, _reshape_axis_into(rhs_bdim, rhs_spec[0], rhs))
        return _reshape_axis_out_of(out_spec[1], size, out), out_spec[1]
    # Groups must stay outermost in the kernel's output features (as above).
    groups = max(fgc, bgc)
    new_rhs = _reshape_axis_out_of(rhs_spec[0] + int(rhs_bdim <= rhs_spec[0]), groups, rhs)
    new_rhs = _reshape_axis_into(rhs_bdim + int(rhs_spec[0] < rhs_bdim), rhs_spec[0] + 1,
                                 new_rhs)
    new_rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[0], new_rhs)
    out = conv(lhs, new_rhs)
    out = _reshape_axis_out_of(out_spec[1], groups, out)
    out = _reshape_axis_out_of(out_spec[1] + 1, size, out)
    return _reshape_axis_into(out_spec[1], out_spec[1] + 1, out), out_spec[1]


batch_rules[conv_general_dilated_p] = _conv_batch_rule
