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


# --------------------------------------------------------------------------- elementwise

def broadcast_batcher(prim):
    """Elementwise primitives (rank-0 operands broadcast, as in lax)."""
    def rule(args, dims, **params):
        avals = [get_aval(x) for x in args]
        mapped = [(a, d) for a, d in zip(avals, dims) if d is not not_mapped]
        # Fast path: every operand batched at the same place with the same shape.
        if all(d is not not_mapped for d in dims) and len({(a.shape, d) for a, d in mapped}) == 1:
            return bind(prim, *args, **params), dims[0]
        size = batch_size(args, dims)
        logical = [a.shape if d is not_mapped else a.shape[:d] + a.shape[d + 1:]
                   for a, d in zip(avals, dims)]
        out_shape = next((s for s in logical if s), ())
        new_args = []
        for x, a, d, s in zip(args, avals, dims, logical):
            if d is not_mapped:
                if s == ():
                    new_args.append(x)              # scalars broadcast inside lax ops
                    continue
                x = sh.broadcast_in_dim(x, (size,) + s, tuple(range(1, len(s) + 1)))
            else:
                x = moveaxis(x, d, 0)
                if s == () and out_shape != ():
                    x = sh.broadcast_in_dim(x, (size,) + out_shape, (0,))
            new_args.append(x)
        return bind(prim, *new_args, **params), 0
    batch_rules[prim] = rule


for _p in (ew.add_p, ew.sub_p, ew.mul_p, ew.div_p, ew.rem_p, ew.pow_p, ew.max_p, ew.min_p,
           ew.atan2_p, ew.nextafter_p, ew.eq_p, ew.ne_p, ew.lt_p, ew.le_p, ew.gt_p, ew.ge_p,
           ew.and_p, ew.or_p, ew.xor_p, ew.shift_left_p, ew.shift_right_logical_p,
           ew.shift_right_arithmetic_p, ew.complex_p, ew.clamp_p):
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
    which, *cases = args
    w_dim, *case_dims = dims
    case_dim_set = set(case_dims)
    if w_dim is not_mapped and get_aval(which).ndim == 0 and len(case_dim_set) == 1 \
            and not_mapped not in case_dim_set and \
            len({get_aval(c).shape for c in cases}) == 1:
        return ew.select_n(which, *cases), case_dims[0]
    size = batch_size(args, dims)
    cases = [bdim_at_front(c, d, size) for c, d in zip(cases, case_dims)]
    shape = get_aval(cases[0]).shape
    w_aval = get_aval(which)
    if w_dim is not_mapped:
        if w_aval.ndim:
            which = sh.broadcast_in_dim(which, shape, tuple(range(1, len(shape))))
    else:
        which = moveaxis(which, w_dim, 0)
        if w_aval.ndim == 1:     # a batched scalar predicate
            which = sh.broadcast_in_dim(which, shape, (0,))
    return ew.select_n(which, *cases), 0


batch_rules[ew.select_n_p] = _select_n_batch


def _bitcast_batch(args, dims, *, new_dtype):
    x, = args
    return bind(ew.bitcast_convert_type_p, moveaxis(x, dims[0], 0), new_dtype=new_dtype), 0


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
    x = moveaxis(args[0], dims[0], 0)
    size = get_aval(x).shape[0]
    return sh.broadcast_in_dim(x, (size,) + tuple(shape),
                               (0,) + tuple(d + 1 for d in broadcast_dimensions)), 0


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
    xs = [bdim_at_front(x, d, size) for x, d in zip(args, dims)]
    return sh.concatenate(xs, dimension + 1), 0


def _pad_batch(args, dims, *, padding_config):
    (x, pv), (x_dim, pv_dim) = args, dims
    size = batch_size(args, dims)
    config = ((0, 0, 0),) + tuple(padding_config)
    x = bdim_at_front(x, x_dim, size)
    if pv_dim is not_mapped:
        return sh.pad(x, pv, config), 0
    # A batched padding value: pad with zero, then fill the padding per batch element.
    zero = np.zeros((), get_aval(x).dtype)
    padded = sh.pad(x, zero, config)
    mask = sh.pad(sh.broadcast_in_dim(np.array(True), get_aval(x).shape, ()), np.array(False),
                  config)
    out_shape = get_aval(padded).shape
    fill = sh.broadcast_in_dim(moveaxis(pv, pv_dim, 0), out_shape, (0,))
    return ew.select_n(mask, fill, padded), 0


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
    (lhs, rhs), (lbd, rbd) = args, dims
    (lc, rc), (lb, rb) = dimension_numbers
    shift = lambda ds: tuple(d + 1 for d in ds)
    params = dict(precision=precision, preferred_element_type=preferred_element_type)
    if lbd is not not_mapped and rbd is not not_mapped:
        # Both batched: the vmapped axis becomes a new leading batch dimension.
        lhs, rhs = moveaxis(lhs, lbd, 0), moveaxis(rhs, rbd, 0)
        dn = ((shift(lc), shift(rc)), ((0,) + shift(lb), (0,) + shift(rb)))
        return mm.dot_general(lhs, rhs, dn, **params), 0
    if lbd is not not_mapped:
        # Only lhs batched: the vmapped axis is a free lhs dimension; put it first among them.
        lhs = moveaxis(lhs, lbd, 0)
        dn = ((shift(lc), rc), (shift(lb), rb))
        return mm.dot_general(lhs, rhs, dn, **params), len(lb)
    rhs = moveaxis(rhs, rbd, 0)
    dn = ((lc, shift(rc)), (lb, shift(rb)))
    lhs_free = get_aval(lhs).ndim - len(lc) - len(lb)
    return mm.dot_general(lhs, rhs, dn, **params), len(lb) + lhs_free


batch_rules[mm.dot_general_p] = _dot_general_batch
