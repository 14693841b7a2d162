"""``dot_general``: batched tensor contraction, the one matmul primitive."""
from __future__ import annotations

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, bind, get_aval

from .registry import NUM, check_dtype, register, type_error

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


def _canon_dimension_numbers(dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    return ((tuple(map(int, lc)), tuple(map(int, rc))), (tuple(map(int, lb)), tuple(map(int, rb))))


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """Contract ``lhs`` and ``rhs``: ``(((lhs_contract), (rhs_contract)), ((lhs_batch), (rhs_batch)))``.

    The output has the batch dimensions first, then lhs's free ones, then rhs's.

    >>> dot_general(jnp.ones((2, 3)), jnp.ones((3, 4)), (((1,), (0,)), ((), ()))).shape
    (2, 4)
    """
    if preferred_element_type is not None:
        preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
    if precision is not None and not isinstance(precision, tuple):
        precision = (precision, precision)     # one per operand, as JAX records it
    return bind(dot_general_p, lhs, rhs,
                dimension_numbers=_canon_dimension_numbers(dimension_numbers),
                precision=precision, preferred_element_type=preferred_element_type)


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """Vector/matrix product of rank-1 or rank-2 operands."""
    l, r = get_aval(lhs), get_aval(rhs)
    if l.ndim not in (1, 2) or r.ndim not in (1, 2):
        raise type_error(f"dot: operands must be rank 1 or 2, got shapes {l.shape} and {r.shape}.")
    return dot_general(lhs, rhs, (((l.ndim - 1,), (0,)), ((), ())), precision,
                       preferred_element_type)
