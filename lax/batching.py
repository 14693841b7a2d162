"""Batching rules (for ``vmap``) of the first-order primitives.

A batching rule receives the operands as they are -- each with its batch dimension
``bdim`` somewhere, or ``not_mapped`` -- and returns the batched result and where its
batch dimension is.  Rules move batch dimensions only when they must: elementwise
operations whose operands agree keep the batch dimension where it is, reductions just
renumber their axes, ``dot_general`` turns a shared batch dimension into one of its own
batch dimensions.
"""
from __future__ import annotations

import numpy as np

from zenax.tracer.ad_types import not_mapped
from zenax.tracer.core import batch_rules, bind, get_aval

from . import elementwise as ew
from . import matmul as mm
from . import reductions as red
from . import shapes as sh


# --------------------------------------------------------------------------- helpers

def moveaxis(x, src: int, dst: int):
    """Move axis ``src`` of ``x`` to position ``dst``."""
    ndim = get_aval(x).ndim
    src, dst = src % ndim, dst % ndim
    if src == dst:
        return x
    perm = [i for i in range(ndim) if i != src]
    perm.insert(dst, src)
    return sh.transpose(x, tuple(perm))


def bdim_at_front(x, bdim, size: int):
    """``x`` with its batch dimension first (broadcast to ``size`` if unmapped)."""
    if bdim is not_mapped:
        aval = get_aval(x)
        return sh.broadcast_in_dim(x, (size,) + aval.shape, tuple(range(1, aval.ndim + 1)))
    return moveaxis(x, bdim, 0)


def batch_size(args, dims) -> int:
    return next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)


def _logical_axis_to_physical(axis: int, bdim: int) -> int:
    return axis + (axis >= bdim)


def logical_shape(x, bdim) -> tuple:
    """The shape of ``x`` as one batch element sees it."""
    shape = get_aval(x).shape
    return shape if bdim is not_mapped else shape[:bdim] + shape[bdim + 1:]


def align(x, bdim, size: int, shape: tuple, target: int):
    """``x`` (one element: ``shape``, or a scalar to broadcast to it) as an array of
    ``shape`` batched along axis ``target``.  Moves or broadcasts only what differs."""
    full = shape[:target] + (size,) + shape[target:]
    scalar = logical_shape(x, bdim) == () and shape != ()
    if bdim is not_mapped:
        dims = () if scalar else tuple(i for i in range(len(full)) if i != target)
        return sh.broadcast_in_dim(x, full, dims)
    if scalar:
        return sh.broadcast_in_dim(x, full, (target,))
    return moveaxis(x, bdim, target)


def _target_bdim(args, dims, shape) -> int:
    """Where to batch a result of ``shape``: the batch axis of the first operand that
    already has that shape (so it need not move), else 0."""
    return next((d for x, d in zip(args, dims)
                 if d is not not_mapped and logical_shape(x, d) == shape), 0)


# --------------------------------------------------------------------------- elementwise

def broadcast_batcher(prim):
    """Elementwise primitives: operands share one shape, or are scalars (which broadcast
    inside lax ops).  The batch axis stays where the operands of that shape have it."""
    def rule(args, dims, **params):
        size = batch_size(args, dims)
        shapes = [logical_shape(x, d) for x, d in zip(args, dims)]
        shape = next((s for s in shapes if s), ())
        target = _target_bdim(args, dims, shape)
        args = [x if d is not_mapped and s == () else align(x, d, size, shape, target)
                for x, d, s in zip(args, dims, shapes)]
        return bind(prim, *args, **params), target
    batch_rules[prim] = rule


for _p in (ew.add_p, ew.sub_p, ew.mul_p, ew.div_p, ew.rem_p, ew.pow_p, ew.max_p, ew.min_p,
           ew.atan2_p, ew.nextafter_p, ew.eq_p, ew.ne_p, ew.lt_p, ew.le_p, ew.gt_p, ew.ge_p,
           ew.and_p, ew.or_p, ew.xor_p, ew.shift_left_p, ew.shift_right_logical_p,
           ew.shift_right_arithmetic_p, ew.complex_p):
    broadcast_batcher(_p)


def unary_batcher(prim):
    def rule(args, dims, **params):
        return bind(prim, args[0], **params), dims[0]
    batch_rules[prim] = rule


for _p in (ew.neg_p, ew.sign_p, ew.abs_p, ew.square_p, ew.integer_pow_p, ew.exp_p, ew.exp2_p,
           ew.log_p, ew.log1p_p, ew.expm1_p, ew.sqrt_p, ew.rsqrt_p, ew.cbrt_p, ew.tanh_p,
           ew.logistic_p, ew.sin_p, ew.cos_p, ew.tan_p, ew.asin_p, ew.acos_p, ew.atan_p,
           ew.sinh_p, ew.cosh_p, ew.asinh_p, ew.acosh_p, ew.atanh_p, ew.erf_p, ew.erfc_p,
           ew.erf_inv_p, ew.lgamma_p, ew.digamma_p, ew.floor_p, ew.ceil_p, ew.round_p,
           ew.is_finite_p, ew.real_p, ew.imag_p, ew.conj_p, ew.not_p, ew.population_count_p,
           ew.convert_element_type_p, ew.stop_gradient_p):
    unary_batcher(_p)


def _select_n_batch(args, dims):
    """select_n: the cases share one shape; ``which`` is a scalar or has that shape too."""
    (which, *cases), (w_dim, *case_dims) = args, dims
    size = batch_size(args, dims)
    shape = logical_shape(cases[0], case_dims[0])
    target = _target_bdim(args, dims, shape)
    cases = [align(c, d, size, shape, target) for c, d in zip(cases, case_dims)]
    if not (w_dim is not_mapped and get_aval(which).ndim == 0):
        which = align(which, w_dim, size, shape, target)
    return ew.select_n(which, *cases), target


def _clamp_batch(args, dims):
    """clamp: the bounds are scalars or have the operand's shape; the operand is never
    broadcast by the op, so it gets the batch axis whenever anything is batched."""
    (lo, x, hi), (lo_dim, x_dim, hi_dim) = args, dims
    size = batch_size(args, dims)
    shape = logical_shape(x, x_dim)
    target = _target_bdim([x, lo, hi], [x_dim, lo_dim, hi_dim], shape)
    lo, hi = [b if d is not_mapped and get_aval(b).ndim == 0 else align(b, d, size, shape, target)
              for b, d in ((lo, lo_dim), (hi, hi_dim))]
    return ew.clamp(lo, align(x, x_dim, size, shape, target), hi), target


batch_rules[ew.select_n_p] = _select_n_batch
batch_rules[ew.clamp_p] = _clamp_batch


def _bitcast_batch(args, dims, *, new_dtype):
    (x,), (bdim,) = args, dims
    aval = get_aval(x)
    if np.dtype(new_dtype).itemsize > np.dtype(aval.dtype).itemsize and bdim == aval.ndim - 1:
        # Widening consumes the last axis, which must not be the batch axis.
        x, bdim = moveaxis(x, bdim, 0), 0
    return bind(ew.bitcast_convert_type_p, x, new_dtype=new_dtype), bdim


batch_rules[ew.bitcast_convert_type_p] = _bitcast_batch

# --------------------------------------------------------------------------- reductions


def _reducer_batch(prim):
    def rule(args, dims, *, axes, **params):
        (x,), (bdim,) = args, dims
        phys = tuple(_logical_axis_to_physical(a, bdim) for a in axes)
        out_bdim = bdim - sum(a < bdim for a in phys)
        return bind(prim, x, axes=phys, **params), out_bdim
    batch_rules[prim] = rule


for _p in (red.reduce_sum_p, red.reduce_prod_p, red.reduce_max_p, red.reduce_min_p,
           red.reduce_and_p, red.reduce_or_p, red.reduce_xor_p, red.argmax_p, red.argmin_p):
    _reducer_batch(_p)

# --------------------------------------------------------------------------- shape operations


def _broadcast_in_dim_batch(args, dims, *, shape, broadcast_dimensions):
    (x,), (bdim,) = args, dims
    size = get_aval(x).shape[bdim]
    # The batch axis goes right after the output axis of the operand axis before it, so
    # broadcast_dimensions stay increasing and nothing moves.
    out_bdim = broadcast_dimensions[bdim - 1] + 1 if bdim > 0 else 0
    bcast = [d + (d >= out_bdim) for d in broadcast_dimensions]
    bcast.insert(bdim, out_bdim)
    shape = tuple(shape[:out_bdim]) + (size,) + tuple(shape[out_bdim:])
    return sh.broadcast_in_dim(x, shape, tuple(bcast)), out_bdim


def _reshape_batch(args, dims, *, new_sizes, dimensions):
    x = moveaxis(args[0], dims[0], 0)
    if dimensions is not None:
        x = sh.transpose(x, (0,) + tuple(d + 1 for d in dimensions))
    return sh.reshape(x, (get_aval(x).shape[0],) + tuple(new_sizes)), 0


def _transpose_batch(args, dims, *, permutation):
    (x,), (bdim,) = args, dims
    # Keep the batch dimension where it is: permute the other axes around it.
    logical_to_phys = [a for a in range(len(permutation) + 1) if a != bdim]
    perm = [logical_to_phys[p] for p in permutation]
    perm.insert(bdim, bdim)
    return sh.transpose(x, tuple(perm)), bdim


def _squeeze_batch(args, dims, *, dimensions):
    (x,), (bdim,) = args, dims
    phys = tuple(_logical_axis_to_physical(d, bdim) for d in dimensions)
    return sh.squeeze(x, phys), bdim - sum(d < bdim for d in phys)


def _concatenate_batch(args, dims, *, dimension):
    size = batch_size(args, dims)
    target = next(d for d in dims if d is not not_mapped)
    xs = [align(x, d, size, logical_shape(x, d), target) for x, d in zip(args, dims)]
    return sh.concatenate(xs, _logical_axis_to_physical(dimension, target)), target


def _pad_batch(args, dims, *, padding_config):
    (x, pv), (x_dim, pv_dim) = args, dims
    size = batch_size(args, dims)
    target = 0 if x_dim is not_mapped else x_dim
    x = align(x, x_dim, size, logical_shape(x, x_dim), target)
    config = list(padding_config)
    config.insert(target, (0, 0, 0))
    if pv_dim is not_mapped:
        return sh.pad(x, pv, tuple(config)), target
    # A batched padding value: pad with zero, then fill the padding per batch element.
    padded = sh.pad(x, np.zeros((), get_aval(x).dtype), tuple(config))
    inside = sh.broadcast_in_dim(np.array(True), get_aval(x).shape, ())
    mask = sh.pad(inside, np.array(False), tuple(config))
    fill = sh.broadcast_in_dim(pv, get_aval(padded).shape, (target,))
    return ew.select_n(mask, fill, padded), target


def _slice_batch(args, dims, *, start_indices, limit_indices, strides):
    (x,), (bdim,) = args, dims
    size = get_aval(x).shape[bdim]
    start = list(start_indices)
    limit = list(limit_indices)
    start.insert(bdim, 0)
    limit.insert(bdim, size)
    if strides is not None:
        strides = list(strides)
        strides.insert(bdim, 1)
    return sh.slice(x, start, limit, strides), bdim


def _rev_batch(args, dims, *, dimensions):
    (x,), (bdim,) = args, dims
    return sh.rev(x, tuple(_logical_axis_to_physical(d, bdim) for d in dimensions)), bdim


batch_rules[sh.broadcast_in_dim_p] = _broadcast_in_dim_batch
batch_rules[sh.reshape_p] = _reshape_batch
batch_rules[sh.transpose_p] = _transpose_batch
batch_rules[sh.squeeze_p] = _squeeze_batch
batch_rules[sh.concatenate_p] = _concatenate_batch
batch_rules[sh.pad_p] = _pad_batch
batch_rules[sh.slice_p] = _slice_batch
batch_rules[sh.rev_p] = _rev_batch

# --------------------------------------------------------------------------- dot_general


def _dot_general_batch(args, dims, *, dimension_numbers, precision, preferred_element_type):
    """dot_general accepts batch and contracting dimensions anywhere, so the operands stay
    as they are: the numbering just skips the vmapped axes."""
    (lhs, rhs), (lbd, rbd) = args, dims
    (lc, rc), (lb, rb) = dimension_numbers
    params = dict(precision=precision, preferred_element_type=preferred_element_type)
    if lbd is not not_mapped:
        lc, lb = _bump(lc, lbd), _bump(lb, lbd)
    if rbd is not not_mapped:
        rc, rb = _bump(rc, rbd), _bump(rb, rbd)
    if lbd is not not_mapped and rbd is not not_mapped:
        # Both batched: the vmapped axis becomes the first dot_general batch dimension.
        dn = ((lc, rc), ((lbd,) + lb, (rbd,) + rb))
        return mm.dot_general(lhs, rhs, dn, **params), 0
    out = mm.dot_general(lhs, rhs, ((lc, rc), (lb, rb)), **params)
    # Otherwise it is a free dimension: the output has batch, lhs free, rhs free dims.
    lhs_free = _free_dims(get_aval(lhs).ndim, lc, lb)
    if lbd is not not_mapped:
        return out, len(lb) + lhs_free.index(lbd)
    return out, len(lb) + len(lhs_free) + _free_dims(get_aval(rhs).ndim, rc, rb).index(rbd)


def _bump(axes, bdim: int) -> tuple:
    return tuple(_logical_axis_to_physical(a, bdim) for a in axes)


def _free_dims(ndim: int, contract, batch) -> list:
    return [d for d in range(ndim) if d not in contract and d not in batch]


batch_rules[mm.dot_general_p] = _dot_general_batch
