"""``dot_general``: batched tensor contraction, the one matmul primitive, with its rules.

It is bilinear: the jvp is one ``dot_general`` per operand with a tangent in its place, and
the transpose with respect to one operand contracts the cotangent with the other, putting
the two in the order whose output already has the operand's layout (a ``transpose`` follows
only when no order does).  Its batching rule moves nothing: the
vmapped axis becomes a batch dimension of the contraction, or a free one.
"""
from __future__ import annotations

import itertools

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import is_undefined_primal, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, transpose_rules

from .broadcasting import transpose
from .elementwise import _convert_element_type, defjvp
from .precision import DotAlgorithm, canonicalize_precision
from .sharding_constraint import out_sharded
from .registry import (NUM, check_dtype, logical_axis_to_physical, primal_aval, register,
                       type_error, value_error)

lax = jax.lax

dot_general_p = Primitive("dot_general")


def _dot_general_abstract_eval(lhs, rhs, *, dimension_numbers, precision,
                               preferred_element_type):
    (lc, rc), (lb, rb) = dimension_numbers
    for a in (lhs, rhs):
        if not dtypes.is_bool(a.dtype):
            check_dtype("dot_general", a, NUM)
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise type_error(f"dot_general: contracting dims {lc}/{rc} and batch dims {lb}/{rb} "
                         "must pair up one to one.")
    for name, dims, aval in (("lhs", tuple(lc) + tuple(lb), lhs), ("rhs", tuple(rc) + tuple(rb), rhs)):
        if len(set(dims)) != len(dims) or any(not 0 <= d < aval.ndim for d in dims):
            raise type_error(f"dot_general: {name} dimensions {dims} are repeated or out of "
                             f"bounds for shape {aval.shape}.")
    for kind, ld, rd in (("contracting", lc, rc), ("batch", lb, rb)):
        for l, r in zip(ld, rd):
            if lhs.shape[l] != rhs.shape[r]:
                raise type_error(
                    f"dot_general requires {kind} dimensions to have the same shape, got "
                    f"lhs dim {l} of size {lhs.shape[l]} and rhs dim {r} of size "
                    f"{rhs.shape[r]} (lhs shape {lhs.shape}, rhs shape {rhs.shape}).")
    batch = tuple(lhs.shape[d] for d in lb)
    lhs_free = tuple(d for i, d in enumerate(lhs.shape) if i not in lc and i not in lb)
    rhs_free = tuple(d for i, d in enumerate(rhs.shape) if i not in rc and i not in rb)
    if preferred_element_type is not None:
        dtype, weak = np.dtype(preferred_element_type), False
    else:
        dtype, weak = dtypes.result_type((lhs.dtype, lhs.weak_type), (rhs.dtype, rhs.weak_type))
    return ShapedArray(batch + lhs_free + rhs_free, dtype, weak)


def _dot_general_lower(lhs, rhs, *, dimension_numbers, precision, preferred_element_type):
    return lax.dot_general(lhs, rhs, dimension_numbers, precision=precision,
                           preferred_element_type=preferred_element_type)


register(dot_general_p, _dot_general_abstract_eval, _dot_general_lower)


def _ranges_like(*xs):
    start = 0
    for x in xs:
        yield tuple(range(start, start + len(x)))
        start += len(x)


def _remaining(original, *removed_lists):
    removed = set(itertools.chain(*removed_lists))
    return [i for i in original if i not in removed]


def _dot_general_transpose_lhs(ct, x, y, *, dimension_numbers, precision,
                               preferred_element_type, swap_ans=False):
    """The cotangent of ``x`` in ``ans = dot_general(x, y)`` (of ``y`` in
    ``dot_general(y, x)`` when ``swap_ans``): ``ct`` contracted with ``y`` over ``y``'s free
    dimensions, batched over the batch ones.

    The contraction is the same whichever operand goes first, but the output order is not:
    ``dot_general(ct, y)`` gives x's batch, kept, then contracted dimensions, and
    ``dot_general(y, ct)`` gives batch, contracted, then kept.  The first of the two that is
    already in x's layout is emitted, so weight gradients need no ``transpose`` (which XLA
    would otherwise fold into a dot whose operands the CPU's fast GEMM kernels do not
    take).  When neither order fits, ``dot_general(ct, y)`` is transposed (as JAX does)."""
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x_ndim = primal_aval(x).ndim
    y_ndim = primal_aval(y).ndim
    x_kept = _remaining(range(x_ndim), x_contract, x_batch)
    y_kept = _remaining(range(y_ndim), y_contract, y_batch)
    if swap_ans:
        ans_batch, ans_y, _ = _ranges_like(x_batch, y_kept, x_kept)
    else:
        ans_batch, _, ans_y = _ranges_like(x_batch, x_kept, y_kept)
    # Batch pairs in x's order: the output's batch dimensions then are x's, as far as x
    # allows (the pairing, hence the contraction, is unchanged).
    by_x = np.argsort(x_batch, kind="stable")
    x_batch = tuple(int(x_batch[i]) for i in by_x)
    ct_batch = tuple(int(ans_batch[i]) for i in by_x)
    y_batch = tuple(int(y_batch[i]) for i in by_x)
    x_contract_by_y = [int(x_contract[i]) for i in np.argsort(y_contract, kind="stable")]
    ct_first = list(x_batch) + x_kept + x_contract_by_y
    y_first = list(x_batch) + x_contract_by_y + x_kept
    identity = list(range(x_ndim))
    if ct_first != identity and y_first == identity:
        out = dot_general(y, ct, ((tuple(y_kept), ans_y), (y_batch, ct_batch)),
                          precision=_swap_precision(precision),
                          preferred_element_type=preferred_element_type)
        order = y_first
    else:
        out = dot_general(ct, y, ((ans_y, tuple(y_kept)), (ct_batch, y_batch)),
                          precision=precision, preferred_element_type=preferred_element_type)
        order = ct_first
    x_bar = transpose(out, tuple(int(a) for a in np.argsort(order)))
    x_dtype = primal_aval(x).dtype
    if get_aval(x_bar).dtype != x_dtype:
        x_bar = _convert_element_type(x_bar, x_dtype)
    return x_bar


def _swap_precision(precision):
    """``precision`` for the same dot with its operands exchanged."""
    if isinstance(precision, tuple) and not isinstance(precision, DotAlgorithm):
        return precision[::-1]
    if isinstance(precision, DotAlgorithm):
        return precision._replace(lhs_precision_type=precision.rhs_precision_type,
                                  rhs_precision_type=precision.lhs_precision_type,
                                  lhs_component_count=precision.rhs_component_count,
                                  rhs_component_count=precision.lhs_component_count)
    return precision


def _dot_general_transpose_rhs(ct, x, y, *, dimension_numbers, precision,
                               preferred_element_type):
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    swapped = ((y_contract, x_contract), (y_batch, x_batch))
    return _dot_general_transpose_lhs(ct, y, x, dimension_numbers=swapped, precision=precision,
                                      preferred_element_type=preferred_element_type,
                                      swap_ans=True)


def _dot_general_transpose(ct, x, y, **params):
    if is_undefined_primal(x) and is_undefined_primal(y):
        raise NotImplementedError(
            "dot_general: cannot transpose with respect to both operands lhs and rhs: a "
            "product of two linear values is not linear (the program is not linear in its "
            "tangent inputs).")
    if is_undefined_primal(x):
        return [_dot_general_transpose_lhs(ct, x, y, **params), None]
    return [None, _dot_general_transpose_rhs(ct, x, y, **params)]


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
        return dot_general(lhs, rhs, dn, **params), 0
    out = dot_general(lhs, rhs, ((lc, rc), (lb, rb)), **params)
    # Otherwise it is a free dimension: the output has batch, lhs free, rhs free dims.
    lhs_free = _free_dims(get_aval(lhs).ndim, lc, lb)
    if lbd is not not_mapped:
        return out, len(lb) + lhs_free.index(lbd)
    return out, len(lb) + len(lhs_free) + _free_dims(get_aval(rhs).ndim, rc, rb).index(rbd)


def _bump(axes, bdim: int) -> tuple:
    return tuple(logical_axis_to_physical(a, bdim) for a in axes)


def _free_dims(ndim: int, contract, batch) -> list:
    return [d for d in range(ndim) if d not in contract and d not in batch]


defjvp(dot_general_p,
       lambda g, x, y, **params: bind(dot_general_p, g, y, **params),
       lambda g, x, y, **params: bind(dot_general_p, x, g, **params))
transpose_rules[dot_general_p] = _dot_general_transpose
batch_rules[dot_general_p] = _dot_general_batch


# =========================================================================== public API


def _canon_dimension_numbers(dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    return ((tuple(map(int, lc)), tuple(map(int, rc))), (tuple(map(int, lb)), tuple(map(int, rb))))


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None, *,
                out_sharding=None):
    """Contract ``lhs`` and ``rhs``: ``(((lhs_contract), (rhs_contract)), ((lhs_batch), (rhs_batch)))``.

    The output has the batch dimensions first, then lhs's free ones, then rhs's.

    >>> dot_general(jnp.ones((2, 3)), jnp.ones((3, 4)), (((1,), (0,)), ((), ()))).shape
    (2, 4)
    """
    if preferred_element_type is not None:
        preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
    out = bind(dot_general_p, lhs, rhs,
               dimension_numbers=_canon_dimension_numbers(dimension_numbers),
               precision=canonicalize_precision(precision),
               preferred_element_type=preferred_element_type)
    return out_sharded("zenax.lax.dot_general", out, out_sharding)


def dot(lhs, rhs, *, dimension_numbers=None, precision=None, preferred_element_type=None,
        out_sharding=None):
    """Vector/matrix product of rank-1 or rank-2 operands, or, given
    ``dimension_numbers``, any contraction :func:`dot_general` accepts.

    >>> lax.dot(jnp.ones((2, 3)), jnp.ones(3))
    Array([3., 3.], dtype=float32)
    """
    if dimension_numbers is None:
        l, r = get_aval(lhs), get_aval(rhs)
        if not (l.ndim in (1, 2) and r.ndim in (1, 2) and l.shape[-1] == r.shape[0]):
            raise value_error(
                "dot: dimension_numbers must be given unless this is a plain (unbatched) "
                "matrix-matrix, matrix-vector or vector-vector product; got lhs shape "
                f"{l.shape} and rhs shape {r.shape}.")
        dimension_numbers = (((l.ndim - 1,), (0,)), ((), ()))
    return out_sharded("zenax.lax.dot", dot_general(
        lhs, rhs, dimension_numbers, precision, preferred_element_type), out_sharding)
