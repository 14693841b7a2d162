"""Approximate top-k: ``approx_max_k`` and ``approx_min_k``, one primitive ``approx_top_k``
with its rules.

On TPU, XLA finds the k largest (smallest) values of each row approximately, at the
requested ``recall_target``; elsewhere it sorts, so the answer is exact.  With
``aggregate_to_topk=False`` it returns the whole reduced candidate set instead of k
values -- its size, computed by :func:`_reduced_size` as XLA does, is part of the output
type.

The derivative is ``top_k``'s: the tangent picks the tangents at the returned indices.
"""
from __future__ import annotations

import math

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, jvp_rules

from .broadcasting import instantiate
from .registry import register, tangent_aval, type_error, value_error
from .sorting import _take_along_axis

lax = jax.lax

__all__ = ["approx_max_k", "approx_min_k", "approx_top_k_p"]

# XLA reduces in tiles of this many elements (the TPU's lane width; a chunk for rank 1).
_LANE_TILING, _CHUNK_TILING = 128, 1024


def _reduced_size(n: int, rank: int, k: int, recall_target: float, override: int) -> int:
    """How many candidates XLA keeps along the reduced axis when it does not aggregate to
    k: it splits the ``n`` values into windows and keeps each window's best, with as
    many windows as the recall target needs (a top-k value is lost only when two of them
    share a window, so recall ~ exp((1 - k) / windows))."""
    tiling = _CHUNK_TILING if rank == 1 else _LANE_TILING
    if n <= tiling:
        return n
    if 0 <= override < n:
        raise value_error(f"approx_top_k: reduction_input_size_override={override} must be "
                          f"at least the size {n} of the reduced dimension.")
    logical = override if override >= 0 else n
    ceil_div = lambda a, b: -(-a // b)
    log2_ceil = lambda v: 0 if v <= 1 else (v - 1).bit_length()
    if k == 1:
        return tiling
    recall = float(np.float32(recall_target))      # XLA takes it as a C float
    if recall == 1.0:
        return n
    if not 0 < recall < 1:
        raise value_error(f"approx_top_k: recall_target must be in (0, 1], got "
                          f"{recall_target}.")
    windows = min(max(int((1.0 - k) / math.log(recall)), tiling), logical)
    log2_reduction = (logical // windows).bit_length() - 1 if logical >= windows else 0
    if log2_reduction <= 0:
        return n
    log2_reduction = min(log2_reduction, log2_ceil(n // tiling))
    return ceil_div(ceil_div(n, tiling), 1 << log2_reduction) * tiling


approx_top_k_p = Primitive("approx_top_k", multiple_results=True)


def _approx_top_k_abstract_eval(x, *, k, reduction_dimension, recall_target, is_max_k,
                                reduction_input_size_override, aggregate_to_topk):
    if k <= 0:
        raise value_error(f"approx_top_k: k must be positive, got {k}.")
    if x.ndim == 0:
        raise type_error("approx_top_k: the operand must have at least one dimension, got "
                         "a scalar.")
    if not -x.ndim <= reduction_dimension < x.ndim:
        raise value_error(f"approx_top_k: reduction_dimension {reduction_dimension} is out "
                          f"of bounds for an operand of shape {x.shape}.")
    shape = list(x.shape)
    n = shape[reduction_dimension]
    if n < k:
        raise value_error(f"approx_top_k: k={k} must not exceed the size {n} of the "
                          "reduced dimension.")
    if not dtypes.is_float(x.dtype):
        raise value_error(f"approx_top_k: the operand must be floating-point, got "
                          f"{x.dtype}.")
    shape[reduction_dimension] = k if aggregate_to_topk else _reduced_size(
        n, x.ndim, k, recall_target, reduction_input_size_override)
    return [ShapedArray(shape, x.dtype, x.weak_type), ShapedArray(shape, np.int32)]


def _approx_top_k_lower(x, *, k, reduction_dimension, recall_target, is_max_k,
                        reduction_input_size_override, aggregate_to_topk):
    fn = lax.approx_max_k if is_max_k else lax.approx_min_k
    return list(fn(x, k, reduction_dimension, recall_target, reduction_input_size_override,
                   aggregate_to_topk))


def _approx_top_k_jvp(primals, tangents, **params):
    (x,), (t,) = primals, tangents
    values, indices = bind(approx_top_k_p, x, **params)
    index_zero = Zero(tangent_aval(get_aval(indices)))
    if type(t) is Zero:
        return [values, indices], [Zero(tangent_aval(get_aval(values))), index_zero]
    axis = params["reduction_dimension"] % get_aval(x).ndim
    return [values, indices], [_take_along_axis(instantiate(t), indices, axis), index_zero]


def _approx_top_k_batch(args, dims, *, reduction_dimension, **params):
    (x,), (bdim,) = args, dims
    axis = reduction_dimension % (get_aval(x).ndim - 1)
    outs = bind(approx_top_k_p, x, reduction_dimension=axis + (axis >= bdim), **params)
    return outs, [bdim, bdim]


register(approx_top_k_p, _approx_top_k_abstract_eval, _approx_top_k_lower)
jvp_rules[approx_top_k_p] = _approx_top_k_jvp
batch_rules[approx_top_k_p] = _approx_top_k_batch


# =========================================================================== public API

def _approx_top_k(operand, k, reduction_dimension, recall_target, is_max_k,
                  reduction_input_size_override, aggregate_to_topk):
    return list(bind(approx_top_k_p, operand, k=int(k),
                      reduction_dimension=int(reduction_dimension),
                      recall_target=float(recall_target), is_max_k=is_max_k,
                      reduction_input_size_override=int(reduction_input_size_override),
                      aggregate_to_topk=bool(aggregate_to_topk)))


def approx_max_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True):
    """The ``k`` largest values along ``reduction_dimension`` and their int32 indices,
    found approximately on TPU (exactly elsewhere), at ``recall_target``.

    >>> values, indices = lax.approx_max_k(jnp.array([[1., 5., 3., 4.]]), 2)
    >>> values, indices
    (Array([[5., 4.]], dtype=float32), Array([[1, 3]], dtype=int32))
    """
    return _approx_top_k(operand, k, reduction_dimension, recall_target, True,
                         reduction_input_size_override, aggregate_to_topk)


def approx_min_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True):
    """The ``k`` smallest values along ``reduction_dimension`` and their int32 indices,
    found approximately on TPU (exactly elsewhere), at ``recall_target``.

    >>> values, indices = lax.approx_min_k(jnp.array([[1., 5., 3., 4.]]), 2)
    >>> values, indices
    (Array([[1., 3.]], dtype=float32), Array([[0, 2]], dtype=int32))
    """
    return _approx_top_k(operand, k, reduction_dimension, recall_target, False,
                         reduction_input_size_override, aggregate_to_topk)
