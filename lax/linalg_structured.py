"""The ``jax.lax.linalg`` operations on structured matrices: ``tridiagonal_solve``,
``symmetric_product`` and ``cholesky_update``.

* ``tridiagonal_solve`` lowers to ``jax.lax.linalg.tridiagonal_solve`` (LAPACK's gtsv on
  CPU, cuSPARSE on GPU).  Like ``triangular_solve`` it is linear in ``b``: its transpose
  solves with the transposed system, whose sub- and superdiagonals are the super- and
  subdiagonals shifted by one.  In the diagonals it is a division: differentiating
  ``A x = b`` gives ``A x_dot = b_dot - A_dot x``, one more solve with the same system.
* ``symmetric_product`` (``alpha a a^T + beta c``) and ``cholesky_update`` (a rank-one
  update ``R^T R + w w^T`` of an upper Cholesky factor) bind the primitives of
  ``linalg_structured_primitives``, as JAX's do; ``symmetrize_output`` is a step after.
"""
from __future__ import annotations

import jax

from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.core import Primitive, bind, get_aval, jvp_rules, transpose_rules

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import broadcast_in_dim, instantiate
from .linalg_family import LINALG_DTYPES, batch_in_front, matrix_transpose, tril
from .linalg_structured_primitives import cholesky_update_p, symmetric_product_p
from .registry import const, register, tangent_aval, type_error

lax = jax.lax

__all__ = ["cholesky_update", "symmetric_product", "tridiagonal_solve", "tridiagonal_solve_p"]

# --------------------------------------------------------------------------- tridiagonal_solve
tridiagonal_solve_p = Primitive("tridiagonal_solve")
_OPERANDS = ("dl", "d", "du", "b")


def _tridiagonal_solve_abstract_eval(dl, d, du, b, *, perturb_singular):
    name = "tridiagonal_solve"
    for arg, aval, rank in zip(_OPERANDS, (dl, d, du, b), (1, 1, 1, 2)):
        if aval.ndim < rank:
            raise type_error(f"{name}: expected {arg} of rank >= {rank}, got shape "
                             f"{aval.shape}.")
        if aval.dtype not in LINALG_DTYPES or aval.dtype != b.dtype:
            raise type_error(f"{name}: dl, d, du and b must have one dtype of float32, "
                             f"float64, complex64 or complex128; {arg} has {aval.dtype} and "
                             f"b has {b.dtype}.")
    if not dl.shape == d.shape == du.shape:
        raise type_error(f"{name}: the diagonals dl, d and du must have the same shape, got "
                         f"{dl.shape}, {d.shape} and {du.shape}.")
    if b.shape[:-1] != d.shape:
        raise type_error(f"{name}: b must have shape d.shape + (k,) (one system per leading "
                         f"index, k right-hand sides), got d of shape {d.shape} and b of "
                         f"shape {b.shape}.")
    return b.update(weak_type=all(a.weak_type for a in (dl, d, du, b)))


def _tridiagonal_product(dl, d, du, x):
    """``A x`` for the tridiagonal ``A`` with diagonals ``dl``, ``d``, ``du``."""
    x_aval = get_aval(x)
    *batch, m, k = x_aval.shape
    nb = len(batch)
    columns = lambda v: broadcast_in_dim(v, x_aval.shape, tuple(range(nb + 1)))
    rows = lambda v, lo, hi: sh.slice_in_dim(v, lo, hi, axis=nb)
    pad_rows = lambda v, lo, hi: sh.pad(v, const(v, 0), [(0, 0, 0)] * nb
                                        + [(lo, hi, 0), (0, 0, 0)])
    y = ew.mul(columns(d), x)
    if m > 1:
        below = ew.mul(rows(columns(dl), 1, m), rows(x, 0, m - 1))   # dl[i] x[i-1]
        above = ew.mul(rows(columns(du), 0, m - 1), rows(x, 1, m))   # du[i] x[i+1]
        y = ew.add(y, ew.add(pad_rows(below, 1, 0), pad_rows(above, 0, 1)))
    return y


def _tridiagonal_solve_jvp(primals, tangents, *, perturb_singular):
    *diags, b = primals
    *diags_dot, b_dot = tangents
    x = bind(tridiagonal_solve_p, *primals, perturb_singular=perturb_singular)
    rhs = b_dot
    if any(type(t) is not Zero for t in diags_dot):
        a_dot_x = _tridiagonal_product(*map(instantiate, diags_dot), x)
        rhs = ew.sub_tangents(rhs, a_dot_x)
    if type(rhs) is Zero:
        return x, Zero(tangent_aval(get_aval(x)))
    return x, bind(tridiagonal_solve_p, *diags, rhs, perturb_singular=perturb_singular)


def _tridiagonal_solve_transpose(ct, dl, d, du, b, *, perturb_singular):
    """``b -> A^{-1} b`` is linear; its transpose solves with ``A^T``, whose subdiagonal
    is ``du`` moved down a row and superdiagonal ``dl`` moved up one."""
    if any(map(is_undefined_primal, (dl, d, du))):
        raise NotImplementedError(
            "tridiagonal_solve: cannot transpose with respect to the diagonals: the solve "
            "is linear in b only.")
    if type(ct) is Zero:
        return [None, None, None, Zero(b.aval)]
    axis = get_aval(d).ndim - 1
    shift = lambda v, lo, hi: sh.pad(v, const(v, 0), [(0, 0, 0)] * axis + [(lo, hi, 0)])
    dl_t, du_t = shift(du, 1, -1), shift(dl, -1, 1)
    return [None, None, None,
            bind(tridiagonal_solve_p, dl_t, d, du_t, ct, perturb_singular=perturb_singular)]


register(tridiagonal_solve_p, _tridiagonal_solve_abstract_eval,
         lambda dl, d, du, b, *, perturb_singular: lax.linalg.tridiagonal_solve(
             dl, d, du, b, perturb_singular=perturb_singular))
jvp_rules[tridiagonal_solve_p] = _tridiagonal_solve_jvp
transpose_rules[tridiagonal_solve_p] = _tridiagonal_solve_transpose
batch_in_front(tridiagonal_solve_p)


# =========================================================================== public API

def tridiagonal_solve(dl, d, du, b, *, perturb_singular: bool = False):
    """Solve ``A x = b`` for tridiagonal ``A``, given by its subdiagonal ``dl`` (``dl[0]``
    unused), diagonal ``d`` and superdiagonal ``du`` (``du[-1]`` unused), each
    ``(..., m)``; ``b`` is ``(..., m, k)``.  ``perturb_singular`` nudges tiny pivots so
    singular systems give finite results.

    >>> dl, d, du = jnp.array([0., 1., 1.]), jnp.array([2., 2., 2.]), jnp.array([1., 1., 0.])
    >>> lax.linalg.tridiagonal_solve(dl, d, du, jnp.array([[3.], [4.], [3.]]))
    Array([[1.],
           [1.],
           [1.]], dtype=float32)
    """
    return bind(tridiagonal_solve_p, dl, d, du, b, perturb_singular=bool(perturb_singular))


def symmetric_product(a_matrix, c_matrix, *, alpha: float = 1., beta: float = 0.,
                      symmetrize_output: bool = False):
    """``alpha * a @ a^T + beta * c`` for real ``a`` of shape ``(..., n, k)`` and symmetric
    ``c`` of shape ``(..., n, n)``.  JAX guarantees only the lower triangle (a GPU kernel
    fills no more); ``symmetrize_output`` mirrors it into the upper one.

    >>> a = jnp.array([[1., 2.], [3., 4.]])
    >>> lax.linalg.symmetric_product(a, jnp.eye(2), alpha=1., beta=2.)
    Array([[ 7., 11.],
           [11., 27.]], dtype=float32)
    """
    result = bind(symmetric_product_p, a_matrix, c_matrix, alpha=alpha, beta=beta)
    if symmetrize_output:
        result = ew.add(tril(result), matrix_transpose(tril(result, -1)))
    return result


def cholesky_update(r_matrix, w_vector):
    """The upper Cholesky factor of ``R^T R + w w^T`` given the upper factor ``R`` of
    ``R^T R`` (``r_matrix``, ``n x n``, real) and ``w_vector`` (``n``).

    >>> r = jnp.array([[2., 1.], [0., 2.]])
    >>> lax.linalg.cholesky_update(r, jnp.array([1., 2.]))
    Array([[2.236068 , 1.7888544],
           [0.       , 2.408319 ]], dtype=float32)
    """
    return bind(cholesky_update_p, r_matrix, w_vector)
