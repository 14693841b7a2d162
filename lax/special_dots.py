"""Dots with structure: ``ragged_dot``/``ragged_dot_general`` (one operand cut into groups
of given sizes along one dimension, each group meeting its own slice of the other) and
``scaled_dot`` (operands multiplied by block-wise scales first).

Both are compositions of ``dot_general`` and elementwise ops, as JAX's own reference
lowering is: a ragged dimension becomes a dense group axis, each group's rows kept by a
mask built from the cumulative group sizes, and that axis is contracted (or kept) by one
``dot_general``.  So their derivatives and batching are those of the primitives they use
-- which also makes ``scaled_dot`` differentiable, which JAX's is not.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.core import get_aval

from . import elementwise as ew
from .broadcasting import broadcast_in_dim, reshape, transpose
from .cumulative import cumsum
from .matmul import dot_general
from .precision import RaggedDotDimensionNumbers, canonicalize_precision
from .shapes import broadcasted_iota
from .sharding_constraint import out_sharded

__all__ = ["ragged_dot", "ragged_dot_general", "scaled_dot"]

# lax.ragged_dot's layout: lhs [m, k] ragged along m; rhs [g, k, n] grouped along g.
_RAGGED_DOT_DNUMS = RaggedDotDimensionNumbers(dot_dimension_numbers=(([1], [1]), ([], [])),
                                              lhs_ragged_dimensions=[0],
                                              rhs_group_dimensions=[0])


def _error(msg: str) -> TypeError:
    return TypeError(f"ragged_dot_general: {msg}")


def _mode(ndim: int, dnums: RaggedDotDimensionNumbers) -> str:
    if len(dnums.lhs_ragged_dimensions) != 1:
        raise _error("expects exactly one lhs ragged dimension.")
    ragged = dnums.lhs_ragged_dimensions[0]
    if not 0 <= ragged < ndim:
        raise _error(f"the lhs ragged dimension {ragged} is out of range for lhs of rank "
                     f"{ndim}.")
    (contract, _), (batch, _) = dnums.dot_dimension_numbers
    return "contracting" if ragged in contract else "batch" if ragged in batch else \
        "noncontracting"


def _prefix(mode: str, ndim: int, ragged: int, batch, contract) -> list:
    """The lhs dimensions outer to the ragged one that index ``group_sizes``'s leading
    axes: batch dims, then the non-contracting (or contracting) dims before it."""
    batch, contract = list(batch), list(contract)
    if mode == "batch":
        return batch[:batch.index(ragged)]
    if mode == "contracting":
        return batch + contract[:contract.index(ragged)]
    free = [d for d in range(ndim) if d not in batch and d not in contract]
    return batch + free[:free.index(ragged)]


def _expand(x, dim: int, group_sizes, prefix: Sequence[int]):
    """``x`` with a leading group axis: slice ``i`` keeps the entries of group ``i`` along
    ``dim`` (groups are consecutive runs of ``group_sizes`` entries) and zeros elsewhere;
    ``group_sizes`` has ``x``'s ``prefix`` dimensions first, then the groups."""
    shape = get_aval(x).shape
    g = get_aval(group_sizes).shape[-1]
    full = (g,) + shape
    ends = cumsum(group_sizes, axis=get_aval(group_sizes).ndim - 1)
    starts = ew.sub(ends, group_sizes)
    # group_sizes's axes (prefix..., g) laid onto the full shape's (0 for g, 1 + p).
    order = sorted(range(len(prefix)), key=lambda i: prefix[i])
    perm = (len(prefix),) + tuple(order)
    dims = (0,) + tuple(1 + prefix[i] for i in order)
    starts, ends = [broadcast_in_dim(transpose(b, perm), full, dims) for b in (starts, ends)]
    position = broadcasted_iota(get_aval(group_sizes).dtype, full, dim + 1)
    inside = ew.bitwise_and(ew.le(starts, position), ew.lt(position, ends))
    x_full = broadcast_in_dim(x, full, tuple(range(1, len(full))))
    return ew.select(inside, x_full, broadcast_in_dim(np.zeros((), get_aval(x).dtype), full, ()))


def ragged_dot_general(lhs, rhs, group_sizes, ragged_dot_dimension_numbers,
                       precision=None, preferred_element_type=None, group_offset=None,
                       out_sharding=None):
    """A ``dot_general`` in which ``lhs`` is cut into consecutive groups of
    ``group_sizes[..., i]`` entries along its ragged dimension.  Three modes, by the kind
    of that dimension (``ragged_dot_dimension_numbers`` says which):

    * non-contracting: ``rhs`` has a group dimension; group ``i`` of ``lhs`` meets
      ``rhs``'s slice ``i`` (a mixture-of-experts layer);
    * contracting: each group is contracted separately; the output gains a leading group
      axis;
    * batch: an ordinary batched dot.

    >>> lhs, rhs = jnp.ones((5, 2)), jnp.arange(12.).reshape(3, 2, 2)
    >>> lax.ragged_dot(lhs, rhs, jnp.array([2, 0, 3]))[:, 0]
    Array([ 2.,  2., 18., 18., 18.], dtype=float32)
    """
    out = _ragged_dot_general(lhs, rhs, group_sizes, ragged_dot_dimension_numbers, precision,
                              preferred_element_type, group_offset)
    return out_sharded("zenax.lax.ragged_dot_general", out, out_sharding)


def _ragged_dot_general(lhs, rhs, group_sizes, ragged_dot_dimension_numbers, precision,
                        preferred_element_type, group_offset):
    if group_offset is not None:
        raise NotImplementedError("ragged_dot_general: group_offset is not supported (nor "
                                  "is it in JAX).")
    dnums = ragged_dot_dimension_numbers
    l_aval, r_aval, g_aval = get_aval(lhs), get_aval(rhs), get_aval(group_sizes)
    mode = _mode(l_aval.ndim, dnums)
    ragged = dnums.lhs_ragged_dimensions[0]
    (l_contract, r_contract), (l_batch, r_batch) = dnums.dot_dimension_numbers
    l_contract, r_contract, l_batch, r_batch = map(list, (l_contract, r_contract, l_batch,
                                                          r_batch))
    if not dtypes.is_integer(g_aval.dtype):
        raise _error(f"group_sizes must have an integer dtype, got {g_aval.dtype}.")
    if g_aval.ndim == 0:
        raise _error("expected rank of group_sizes to be >= 1.")
    prefix = _prefix(mode, l_aval.ndim, ragged, l_batch, l_contract)
    expected = tuple(l_aval.shape[i] for i in prefix) + (g_aval.shape[-1],)
    if g_aval.ndim != 1 and g_aval.shape != expected:
        raise _error(f"expected group_sizes to have shape {expected}, got {g_aval.shape}.")
    if g_aval.ndim == 1 and prefix:
        group_sizes = broadcast_in_dim(group_sizes, expected, (len(expected) - 1,))
    group_dims = list(dnums.rhs_group_dimensions)
    precision = canonicalize_precision(precision, "ragged_dot_general")
    dot = lambda a, b, dn: dot_general(a, b, dn, precision=precision,
                                       preferred_element_type=preferred_element_type)
    up = lambda dims: [d + 1 for d in dims]
    if mode == "noncontracting":
        if len(group_dims) != 1:
            raise _error("requires exactly one rhs group dimension when the lhs ragged "
                         "dimension is noncontracting.")
        group = group_dims[0]
        if not 0 <= group < r_aval.ndim or group in r_contract or group in r_batch:
            raise _error(f"the rhs group dimension {group} must be a dimension of rhs (rank "
                         f"{r_aval.ndim}) that is neither contracting nor batch.")
        if r_aval.shape[group] != expected[-1]:
            raise _error(f"expected rhs group dimension size to be {expected[-1]}, got "
                         f"{r_aval.shape[group]}.")
        return dot(_expand(lhs, ragged, group_sizes, prefix), rhs,
                   ((up(l_contract) + [0], r_contract + [group]), (up(l_batch), r_batch)))
    if group_dims:
        raise _error("requires zero group dimensions in the rhs when the lhs ragged "
                     "dimension is contracting or batch.")
    if mode == "batch":
        return dot(lhs, rhs, ((l_contract, r_contract), (l_batch, r_batch)))
    r_ragged = r_contract[l_contract.index(ragged)]
    r_prefix = _prefix(mode, r_aval.ndim, r_ragged, r_batch, r_contract)
    return dot(_expand(lhs, ragged, group_sizes, prefix),
               _expand(rhs, r_ragged, group_sizes, r_prefix),
               ((up(l_contract), up(r_contract)), ([0] + up(l_batch), [0] + up(r_batch))))


def ragged_dot(lhs, rhs, group_sizes, precision=None, preferred_element_type=None,
               group_offset=None, out_sharding=None):
    """``lhs`` ``[m, k]`` cut into consecutive row groups of ``group_sizes`` (``[g]``, summing
    to at most ``m``), each multiplied by its own matrix of ``rhs`` ``[g, k, n]``: an
    ``[m, n]`` result (rows past the last group are zero).  See :func:`ragged_dot_general`.

    >>> lax.ragged_dot(jnp.ones((3, 2)), jnp.ones((2, 2, 4)), jnp.array([1, 2])).shape
    (3, 4)
    """
    out = ragged_dot_general(lhs, rhs, group_sizes, _RAGGED_DOT_DNUMS, precision=precision,
                             preferred_element_type=preferred_element_type,
                             group_offset=group_offset)
    return out_sharded("zenax.lax.ragged_dot", out, out_sharding)


# --------------------------------------------------------------------------- scaled_dot

def _check_scale(side: str, operand, scale, contracting) -> None:
    for i, size in enumerate(operand.shape):
        if i in contracting:
            if size % scale.shape[i]:
                raise TypeError(f"scaled_dot: {side} contracting dim {i} of size {size} must "
                                f"be divisible by its scale's dim size {scale.shape[i]}.")
            if size // scale.shape[i] < 2:
                raise TypeError(f"scaled_dot: the ratio of {side} contracting dim {i} to its "
                                f"scale's dim size ({size // scale.shape[i]}) must be at "
                                "least 2.")
        elif scale.shape[i] != size:
            raise TypeError(f"scaled_dot: {side} dim {i} of size {size} does not match scale "
                            f"dim size {scale.shape[i]}.")


def _scaled(x, scale, contracting):
    """``x`` (as bfloat16) times ``scale`` repeated along the contracting dimensions."""
    shape, s_shape = get_aval(x).shape, list(get_aval(scale).shape)
    scale = ew._convert_element_type(scale, dtypes.bfloat16)
    for i in contracting:
        if s_shape[i] != shape[i]:
            block = shape[i] // s_shape[i]
            wide = s_shape[:i + 1] + [block] + s_shape[i + 1:]
            scale = broadcast_in_dim(scale, tuple(wide),
                                     tuple(d for d in range(len(wide)) if d != i + 1))
            s_shape[i] *= block
            scale = reshape(scale, tuple(s_shape))
    return ew.mul(ew._convert_element_type(x, dtypes.bfloat16), scale)


def scaled_dot(lhs, rhs, *, lhs_scale=None, rhs_scale=None, dimension_numbers=None,
               preferred_element_type=None):
    """``dot_general((lhs * lhs_scale), (rhs * rhs_scale))`` in bfloat16 (or
    ``preferred_element_type``), where each scale has one entry per block of at least 2
    elements along the contracting dimensions (microscaling formats such as MXFP8).

    >>> lax.scaled_dot(jnp.ones((2, 4)), jnp.ones((4, 3)),
    ...                lhs_scale=jnp.full((2, 2), 2.), rhs_scale=jnp.ones((2, 3)))
    Array([[8, 8, 8],
           [8, 8, 8]], dtype=bfloat16)
    """
    l, r = get_aval(lhs), get_aval(rhs)
    if dimension_numbers is None:
        if l.ndim < 2:
            raise TypeError("scaled_dot does not support 0-rank and 1-rank operands.")
        batch = tuple(range(l.ndim - 2))
        dimension_numbers = (((l.ndim - 1,), (l.ndim - 2,)), (batch, batch))
    (l_contract, r_contract), (l_batch, r_batch) = dimension_numbers
    ones = lambda aval, contract: np.ones(tuple(1 if i in contract else d
                                                for i, d in enumerate(aval.shape)),
                                          dtypes.bfloat16)
    lhs_scale = ones(l, l_contract) if lhs_scale is None else lhs_scale
    rhs_scale = ones(r, r_contract) if rhs_scale is None else rhs_scale
    ls, rs = get_aval(lhs_scale), get_aval(rhs_scale)
    if len({l.ndim, r.ndim, ls.ndim, rs.ndim}) != 1:
        raise TypeError(f"scaled_dot: all input tensors must have the same rank. Got lhs rank: "
                        f"{l.ndim} rhs rank: {r.ndim} lhs_scale rank: {ls.ndim} rhs_scale "
                        f"rank: {rs.ndim}.")
    if len(l_batch) != len(r_batch) or len(l_contract) != len(r_contract):
        raise TypeError("scaled_dot: LHS and RHS must have the same number of batch and of "
                        "contracting dimensions.")
    for i, j in zip(l_batch, r_batch):
        if len({l.shape[i], r.shape[j], ls.shape[i], rs.shape[j]}) != 1:
            raise TypeError(f"scaled_dot: all input tensors must have the same batch "
                            f"dimension size for batch dims ({i}, {j}).")
    for i, j in zip(l_contract, r_contract):
        if l.shape[i] != r.shape[j]:
            raise TypeError(f"scaled_dot: LHS contracting dim {i} of size {l.shape[i]} does "
                            f"not match RHS contracting dim {j} of size {r.shape[j]}.")
    _check_scale("LHS", l, ls, l_contract)
    _check_scale("RHS", r, rs, r_contract)
    out_dtype = dtypes.bfloat16 if preferred_element_type is None else \
        dtypes.canonicalize_dtype(preferred_element_type)
    return dot_general(_scaled(lhs, lhs_scale, l_contract), _scaled(rhs, rhs_scale, r_contract),
                       dimension_numbers, preferred_element_type=out_dtype)
