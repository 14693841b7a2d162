"""The triangular primitives of ``zenax.lax.linalg``: ``triangular_solve`` and
``cholesky``, each declared with :func:`~zenax.lax.linalg_family.linalg_primitive`
(abstract eval, lowering, batching) and given its jvp and transpose here.  The other
decompositions' rules (``linalg_lu``, ``linalg_decompositions``) solve with them.

* ``triangular_solve`` is linear in ``b`` (its jvp in ``b`` and its transpose are the same
  solve, the latter with ``a`` transposed) and, like a division, not in ``a``: there the
  jvp is ``-op(a)^{-1} op(a_dot) x`` (or its mirror on the right), masked to the triangle
  of ``a`` that the solve reads.
* ``cholesky``'s jvp is the forward-mode rule of Murray (2016, arXiv:1602.07527), two
  triangular solves and a product, so its reverse mode is the transpose of those.  Like
  JAX's, it reads the tangent as symmetric: the public ``cholesky`` symmetrizes its input
  first (``symmetrize_input=True``), which makes it so.
"""
from __future__ import annotations

import jax

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.core import bind, get_aval, jvp_rules, transpose_rules

from . import shapes as sh
from .elementwise import add, add_tangents, div, neg
from .linalg_family import (check_matrix, conjugate, float_if_integer, linalg_primitive, matmul,
                            matrix_transpose, symmetrize, tril, triu, value_error)
from .registry import const, tangent_aval

lax = jax.lax

# --------------------------------------------------------------------------- triangular_solve

def _triangular_solve_matrix_rule(a, b, *, left_side, lower, transpose_a, conjugate_a,
                                  unit_diagonal):
    m = a.shape[-1]
    solved, side = (b.shape[-2], "rows") if left_side else (b.shape[-1], "columns")
    if solved != m:
        raise value_error(f"triangular_solve: with left_side={left_side}, b must have {m} "
                          f"{side} to match a of shape {a.shape} (per matrix), got b of "
                          f"shape {b.shape}.")
    return b.update(weak_type=a.weak_type and b.weak_type)


triangular_solve_p = linalg_primitive("triangular_solve", ("a", "b"),
                                      _triangular_solve_matrix_rule,
                                      lax.linalg.triangular_solve, square=("a",))


def _triangular_solve_jvp_a(a_dot, x, a, *, left_side, lower, transpose_a, conjugate_a,
                            unit_diagonal):
    """``x_dot`` from ``a_dot``: differentiating ``op(a) x = b`` gives
    ``x_dot = -op(a)^{-1} op(a_dot) x`` (and ``-x op(a_dot) op(a)^{-1}`` on the right)."""
    params = dict(left_side=left_side, lower=lower, transpose_a=transpose_a,
                  conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
    # The solve reads one triangle of a (without the diagonal if it is a unit one).
    k = 1 if unit_diagonal else 0
    a_dot = neg(tril(a_dot, -k) if lower else triu(a_dot, k))
    if transpose_a:
        a_dot = matrix_transpose(a_dot)
    if conjugate_a:
        a_dot = conjugate(a_dot)

    def solve(rhs):
        return bind(triangular_solve_p, a, rhs, **params)

    # A solve costs about what a product does: take the order whose middle result is the
    # smaller matrix (a_dot is m x m on the left, n x n on the right; x is m x n).
    m, n = get_aval(x).shape[-2:]
    if left_side:
        return solve(matmul(a_dot, x)) if m > n else matmul(solve(a_dot), x)
    return solve(matmul(x, a_dot)) if m < n else matmul(x, solve(a_dot))


def _triangular_solve_jvp(primals, tangents, **params):
    (a, b), (a_dot, b_dot) = primals, tangents
    x = bind(triangular_solve_p, a, b, **params)
    x_dot = Zero(tangent_aval(get_aval(x)))
    if type(b_dot) is not Zero:
        x_dot = bind(triangular_solve_p, a, b_dot, **params)
    if type(a_dot) is not Zero:
        x_dot = add_tangents(x_dot, _triangular_solve_jvp_a(a_dot, x, a, **params))
    return x, x_dot


def _triangular_solve_transpose(ct, a, b, *, transpose_a, **params):
    """``b -> op(a)^{-1} b`` is linear; its transpose solves with ``op(a)^T`` instead."""
    if is_undefined_primal(a):
        raise NotImplementedError(
            "triangular_solve: cannot transpose with respect to a: the solve is linear in b "
            "only (the program is not linear in its tangent inputs).")
    if type(ct) is Zero:
        return [None, Zero(b.aval)]
    return [None, bind(triangular_solve_p, a, ct, transpose_a=not transpose_a, **params)]


jvp_rules[triangular_solve_p] = _triangular_solve_jvp
transpose_rules[triangular_solve_p] = _triangular_solve_transpose

# --------------------------------------------------------------------------- cholesky
# The primitive reads the lower triangle only and returns the lower factor, zeros above.
cholesky_p = linalg_primitive(
    "cholesky", ("x",), lambda x: x,
    lambda x: lax.linalg.cholesky(x, symmetrize_input=False), square=("x",))


def _phi(x):
    """The lower triangle of ``x`` with its diagonal halved."""
    # tril(x) + tril(x, -1) is the diagonal plus twice what lies below it.
    return div(add(tril(x), tril(x, -1)), const(x, 2))


def _cholesky_jvp(primals, tangents):
    # With sigma = L L^H:  L_dot = L phi(L^{-1} sigma_dot L^{-H}).
    (x,), (sigma_dot,) = primals, tangents
    L = bind(cholesky_p, x)
    right = triangular_solve(L, sigma_dot, left_side=False, lower=True, transpose_a=True,
                             conjugate_a=True)                       # sigma_dot L^{-H}
    middle = triangular_solve(L, right, left_side=True, lower=True)  # L^{-1} sigma_dot L^{-H}
    return L, matmul(L, _phi(middle))


jvp_rules[cholesky_p] = _cholesky_jvp     # batching rule: registered by linalg_primitive()


# =========================================================================== public API

def cholesky(x, *, symmetrize_input: bool = True):
    """The Cholesky factor ``L`` (lower triangular) of Hermitian positive-definite
    matrices ``x = L L^H``, batched over leading axes; NaNs where the factorization fails.

    ``symmetrize_input`` uses ``(x + x^H) / 2``; without it only the lower triangle of
    ``x`` is read.

    >>> lax.linalg.cholesky(jnp.array([[4., 2.], [2., 5.]]))
    Array([[2., 0.],
           [1., 2.]], dtype=float32)
    """
    if symmetrize_input:
        x = float_if_integer(x)
    check_matrix("cholesky", "x", get_aval(x), square=True)
    if symmetrize_input:
        x = symmetrize(x)
    return bind(cholesky_p, x)


def triangular_solve(a, b, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False):
    """Solve ``op(a) @ x = b`` (``left_side=True``) or ``x @ op(a) = b`` for ``x``, with
    ``a`` triangular (its ``lower`` or upper triangle is read) and ``op`` transposing
    and/or conjugating it; batched over leading axes.  A ``b`` with one axis fewer than
    ``a`` is one vector per matrix.

    >>> a = jnp.array([[2., 0.], [1., 4.]])
    >>> lax.linalg.triangular_solve(a, jnp.array([2., 9.]), left_side=True, lower=True)
    Array([1., 2.], dtype=float32)
    """
    a_aval, b_aval = get_aval(a), get_aval(b)
    vector = b_aval.ndim == a_aval.ndim - 1
    axis = -1 if left_side else -2
    if vector:
        b = sh.expand_dims(b, (axis,))
    x = bind(triangular_solve_p, a, b, left_side=bool(left_side), lower=bool(lower),
             transpose_a=bool(transpose_a),
             # Conjugating a real matrix does nothing (and lax.conj would make it complex).
             conjugate_a=bool(conjugate_a) and dtypes.is_complex(a_aval.dtype),
             unit_diagonal=bool(unit_diagonal))
    return sh.squeeze(x, (axis,)) if vector else x
