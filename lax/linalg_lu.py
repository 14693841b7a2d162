"""LU decomposition with partial pivoting, as ``jax.lax.linalg`` has it: ``lu_p`` (outputs
``lu``, ``pivots``, ``permutation``), ``lu_pivots_to_permutation_p``, and the LU solve that
``jnp.linalg.solve``, ``det`` and friends are built on.

* ``lu`` is declared with :func:`~zenax.lax.linalg_family.linalg_primitive` and lowers to
  ``jax.lax.linalg.lu`` (LAPACK's getrf on CPU, cuSOLVER on GPU).  Its jvp is the forward
  rule of De Hoog, Anderssen and Lukas: from ``P A = L U``,
  ``L^{-1} P A_dot U^{-1} = L^{-1} L_dot + U_dot U^{-1}``, a strictly lower plus an upper
  triangular matrix, so both tangents are read off one matrix ``X = L^{-1} P A_dot U^{-1}``
  (two triangular solves): ``L_dot = L tril(X, -1)`` and ``U_dot = triu(X) U``, stored
  together as ``lu`` is.  Non-square matrices pad ``L`` and ``U`` to square with an
  identity block.  Pivots and permutation are integers: zero tangents.
* ``lu_pivots_to_permutation`` replays the row swaps on ``0..m-1`` (LAPACK's ``ipiv``
  read as a sequence of swaps); integer in, integer out, so its jvp is zero.
* :func:`lu_solve` is a row gather and two triangular solves, all linear in the right-hand
  side, so gradients through it need no rule of their own (the transpose of the gather is
  a scatter-add, of each solve a solve with the transposed factor).
"""
from __future__ import annotations

import jax
import numpy as np

from zenax.tracer.ad_types import Zero
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, bind, get_aval, jvp_rules

from . import elementwise as ew
from . import shapes as sh
from . import slicing
from .linalg_triangular import triangular_solve
from .linalg_family import (batch_in_front, check_matrix, eye, linalg_primitive, matmul,
                            tril, triu)
from .registry import const, defjvp_zero, register, tangent_aval, type_error, value_error
from .sorting import sort_key_val

lax = jax.lax

__all__ = ["lu", "lu_p", "lu_pivots_to_permutation", "lu_pivots_to_permutation_p",
           "lu_solve", "permute_rows"]


# --------------------------------------------------------------------------- matrix helpers

def permute_rows(x, permutation):
    """``x[..., permutation, :]`` per matrix: row ``i`` of the result is row
    ``permutation[..., i]`` of ``x`` (the same leading batch dimensions).  One gather with
    the batch axes as batching dimensions, so it is linear in ``x`` and batches as is."""
    x_aval = get_aval(x)
    nb = x_aval.ndim - 2
    batch = tuple(range(nb))
    dnums = slicing.GatherDimensionNumbers(
        offset_dims=(nb + 1,), collapsed_slice_dims=(nb,), start_index_map=(nb,),
        operand_batching_dims=batch, start_indices_batching_dims=batch)
    return slicing.gather(x, sh.expand_dims(permutation, (nb + 1,)), dnums,
                          (1,) * (nb + 1) + (x_aval.shape[-1],),
                          mode=slicing.GatherScatterMode.PROMISE_IN_BOUNDS)


def _pad_last_two(x, rows: int, cols: int):
    """``x`` with ``rows`` zero rows and ``cols`` zero columns appended."""
    config = [(0, 0, 0)] * (get_aval(x).ndim - 2) + [(0, rows, 0), (0, cols, 0)]
    return sh.pad(x, const(x, 0), config)


def _lu_factors(lu):
    """The square factors packed in ``lu`` (``m x n``): unit lower ``L`` (``m x m``) and
    upper ``U`` (``n x n``), each padded with an identity block where ``m != n``."""
    aval = get_aval(lu)
    *batch, m, n = aval.shape
    k = min(m, n)
    nb = len(batch)
    first_cols = sh.slice(lu, (0,) * (nb + 2), (*batch, m, k))
    first_rows = sh.slice(lu, (0,) * (nb + 2), (*batch, k, n))
    l = ew.add(_pad_last_two(tril(first_cols, -1), 0, m - k),
               eye((*batch, m, m), aval.dtype))
    u = triu(first_rows)
    if n > k:
        u = ew.add(_pad_last_two(u, n - k, 0), eye((*batch, n, n), aval.dtype, start=k))
    return l, u


# --------------------------------------------------------------------------- lu

def _lu_matrix_rule(x):
    m, n = x.shape
    return [x, ShapedArray((min(m, n),), np.dtype(np.int32)),
            ShapedArray((m,), np.dtype(np.int32))]


lu_p = linalg_primitive("lu", ("x",), _lu_matrix_rule, lambda x: list(lax.linalg.lu(x)),
                        multiple_results=True)


def _lu_jvp(primals, tangents):
    (a,), (a_dot,) = primals, tangents
    lu, pivots, permutation = bind(lu_p, a)
    l, u = _lu_factors(lu)
    la = triangular_solve(l, permute_rows(a_dot, permutation), left_side=True, lower=True,
                          unit_diagonal=True)                       # L^{-1} P A_dot
    x = triangular_solve(u, la, left_side=False, lower=False)       # ... U^{-1}
    lu_dot = ew.add(matmul(l, tril(x, -1)), matmul(triu(x), u))
    int_zeros = [Zero(tangent_aval(get_aval(i))) for i in (pivots, permutation)]
    return [lu, pivots, permutation], [lu_dot, *int_zeros]


jvp_rules[lu_p] = _lu_jvp     # batching rule: registered by linalg_primitive()

# --------------------------------------------------------------------------- pivots -> permutation
lu_pivots_to_permutation_p = Primitive("lu_pivots_to_permutation")


def _pivots_abstract_eval(pivots, *, permutation_size):
    name = "lu_pivots_to_permutation"
    if pivots.ndim < 1:
        raise type_error(f"{name}: expected pivots of rank >= 1 (the swaps in the last axis), "
                         f"got shape {pivots.shape}.")
    if pivots.dtype != np.int32:
        raise type_error(f"{name}: pivots must be int32, got {pivots.dtype}.")
    if permutation_size < pivots.shape[-1]:
        raise value_error(f"{name}: permutation_size={permutation_size} must be at least the "
                          f"number of pivots (the last axis of pivots, shape {pivots.shape}).")
    return ShapedArray(pivots.shape[:-1] + (permutation_size,), np.dtype(np.int32))


register(lu_pivots_to_permutation_p, _pivots_abstract_eval,
         lambda pivots, *, permutation_size: lax.linalg.lu_pivots_to_permutation(
             pivots, permutation_size))
defjvp_zero(lu_pivots_to_permutation_p)
batch_in_front(lu_pivots_to_permutation_p)


# =========================================================================== public API

def lu(x):
    """LU decomposition with partial pivoting, ``P x = L U``, batched over leading axes.

    Returns ``[lu, pivots, permutation]``: ``lu`` holds ``L`` (unit diagonal, not stored)
    below its diagonal and ``U`` on and above it; ``pivots`` (int32, ``min(m, n)`` per
    matrix) are LAPACK's row swaps; ``permutation`` (int32, ``m``) is ``P`` as the order of
    the rows, ``x[permutation] == L @ U``.

    >>> lu, pivots, perm = lax.linalg.lu(jnp.array([[1., 2.], [3., 4.]]))
    >>> lu
    Array([[3.        , 4.        ],
           [0.33333334, 0.6666666 ]], dtype=float32)
    >>> pivots, perm
    (Array([1, 1], dtype=int32), Array([1, 0], dtype=int32))
    """
    return bind(lu_p, x)


def lu_pivots_to_permutation(pivots, permutation_size: int):
    """The permutation that applying the row swaps ``pivots`` (swap row ``i`` with row
    ``pivots[..., i]``, in order) makes of ``0, ..., permutation_size - 1``.

    >>> lax.linalg.lu_pivots_to_permutation(jnp.array([2, 2, 2], jnp.int32), 4)
    Array([2, 0, 1, 3], dtype=int32)
    """
    return bind(lu_pivots_to_permutation_p, pivots, permutation_size=int(permutation_size))


def lu_solve(lu, permutation, b, trans: int = 0):
    """Solve ``a x = b`` (``trans=0``), ``a^T x = b`` (1) or ``a^H x = b`` (2) from the
    LU decomposition ``lu, _, permutation = lu(a)`` of square matrices; ``b`` is
    ``(..., m, k)`` with the batch dimensions of ``lu``.

    >>> from zenax.lax.linalg_lu import lu_solve
    >>> a, b = jnp.array([[2., 1.], [1., 3.]]), jnp.array([[4.], [7.]])
    >>> lu, _, perm = lax.linalg.lu(a)
    >>> lu_solve(lu, perm, b)
    Array([[1.],
           [2.]], dtype=float32)
    """
    check_matrix("lu_solve", "lu", get_aval(lu), square=True)
    if trans == 0:
        x = permute_rows(b, permutation)
        x = triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
        return triangular_solve(lu, x, left_side=True, lower=False)
    if trans not in (1, 2):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}.")
    conj = trans == 2
    x = triangular_solve(lu, b, left_side=True, lower=False, transpose_a=True,
                         conjugate_a=conj)
    x = triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True,
                         transpose_a=True, conjugate_a=conj)
    # Undo the row permutation: row permutation[i] of the result is row i of x.
    iota = sh.broadcasted_iota(np.int32, get_aval(permutation).shape,
                               get_aval(permutation).ndim - 1)
    _, inverse = sort_key_val(permutation, iota, dimension=-1)
    return permute_rows(x, inverse)
