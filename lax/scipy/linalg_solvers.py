"""``scipy.linalg``'s factor-and-solve functions with JAX's semantics: ``solve_triangular``,
``cholesky``, ``cho_factor``/``cho_solve``, ``lu``, ``lu_factor``/``lu_solve``,
``solve``, ``inv`` and ``det``.

They are thin layers over ``zenax.lax.linalg``'s primitives (``triangular_solve``,
``cholesky``, ``lu``) and ``zenax.numpy.linalg`` (``solve``, ``inv``, ``det``): SciPy's
argument conventions (``trans``, ``lower``, ``(c, lower)`` and ``(lu, piv)`` pairs, the
unused ``overwrite_*``/``check_finite`` flags), batched over leading axes with
``jnp.vectorize`` as in JAX.  So their derivatives are the primitives' -- except
``solve(..., assume_a="pos")``, which, like JAX's ``custom_linear_solve``, factors ``a``
once and differentiates the solution implicitly: from ``a x = b``,
``x_dot = a^{-1} (b_dot - a_dot x)``, one more solve with the same Cholesky factor.

A right-hand side with one axis fewer than ``a`` and ``b.shape[-1] == n`` is still read
as a batch of vectors, with the ``FutureWarning`` JAX gives for it.
"""
from __future__ import annotations

import functools
import warnings

import zenax.lax.jnp as jnp
from zenax import lax
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.promotion import (ArrayLike, dtype_of, ndim_of, promote_dtypes_inexact,
                                     shape_of)
from zenax.lax.linalg_lu import lu_solve as _lu_solve_core
from zenax.lax.registry import value_error

__all__ = ["cho_factor", "cho_solve", "cholesky", "det", "inv", "lu", "lu_factor", "lu_solve",
           "solve", "solve_triangular"]


def _rhs_signature(name: str, a, b, factors: str) -> str:
    """The gufunc signature of a solve with ``a`` (``factors`` names its core operands)
    and right-hand side ``b``: one vector per matrix, or matrices of columns."""
    if ndim_of(b) == 1:
        return f"{factors},(n)->(n)"
    if ndim_of(a) == ndim_of(b) + 1 and shape_of(a)[-1] == shape_of(b)[-1]:
        warnings.warn(
            f"zenax.scipy.linalg.{name}: a right-hand side b with one axis fewer than the "
            f"matrix is read as a batch of vectors for now, and will be read as a batch of "
            f"matrices in the future. Write {name}(..., b[..., None])[..., 0] to keep this "
            f"meaning without the warning.", category=FutureWarning, stacklevel=4)
        return f"{factors},(n)->(n)"
    return f"{factors},(n,k)->(n,k)"


# --------------------------------------------------------------------------- triangular

_TRANS = {0: (False, False), "N": (False, False), 1: (True, False), "T": (True, False),
          2: (True, True), "C": (True, True)}


@compiled_when_eager(n_arrays=2, static_argnames=("trans", "lower", "unit_diagonal",
                                                  "overwrite_b", "debug", "check_finite"))
def solve_triangular(a: ArrayLike, b: ArrayLike, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False, debug=None,
                     check_finite: bool = True):
    """Solve ``op(a) x = b`` for triangular ``a`` (its ``lower`` or upper triangle is
    read), with ``op`` given by ``trans``: 0/'N' (``a``), 1/'T' (``a^T``) or 2/'C'
    (``a^H``); ``unit_diagonal`` takes the diagonal as ones.  ``b`` is ``(n,)`` or
    ``(..., n, k)``; leading axes broadcast.

    >>> a = jnp.array([[2., 0.], [1., 4.]])
    >>> zenax.scipy.linalg.solve_triangular(a, jnp.array([2., 9.]), lower=True)
    Array([1., 2.], dtype=float32)
    """
    try:
        transpose_a, conjugate_a = _TRANS[trans]
    except (KeyError, TypeError):
        raise value_error(f"solve_triangular: invalid 'trans' value {trans!r}; expected "
                          f"0, 1, 2, 'N', 'T' or 'C'") from None
    a, b = promote_dtypes_inexact(jnp.asarray(a), jnp.asarray(b))
    signature = _rhs_signature("solve_triangular", a, b, "(n,n)")
    solve = functools.partial(lax.linalg.triangular_solve, left_side=True, lower=lower,
                              transpose_a=transpose_a, conjugate_a=conjugate_a,
                              unit_diagonal=unit_diagonal)
    return jnp.vectorize(solve, signature=signature)(a, b)


# --------------------------------------------------------------------------- cholesky

@compiled_when_eager(n_arrays=1, static_argnames=("lower", "overwrite_a", "check_finite"))
def cholesky(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True):
    """The Cholesky factor of Hermitian positive-definite matrices ``a``: upper ``U``
    with ``a = U^H U`` (the default), or lower ``L`` with ``a = L L^H``; NaNs where the
    factorization fails.  Only the named triangle of ``a`` is read.

    >>> zenax.scipy.linalg.cholesky(jnp.array([[4., 2.], [2., 5.]]))
    Array([[2., 1.],
           [0., 2.]], dtype=float32)
    """
    a, = promote_dtypes_inexact(jnp.asarray(a))
    # The upper factor of a is the conjugate transpose of the lower factor of a^H.
    factor = lax.linalg.cholesky(a if lower else jnp.conj(jnp.matrix_transpose(a)),
                                 symmetrize_input=False)
    return factor if lower else jnp.conj(jnp.matrix_transpose(factor))


def cho_factor(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple:
    """The Cholesky factorization of ``a`` for :func:`cho_solve`: ``(c, lower)``, ``c``
    the :func:`cholesky` factor named by ``lower``.

    >>> c, lower = zenax.scipy.linalg.cho_factor(jnp.array([[4., 2.], [2., 5.]]))
    >>> zenax.scipy.linalg.cho_solve((c, lower), jnp.array([6., 7.]))
    Array([1., 1.], dtype=float32)
    """
    return cholesky(a, lower=lower), lower


@compiled_when_eager(n_arrays=2, static_argnames=("lower",))
def _cho_solve(c, b, lower: bool):
    c, b = promote_dtypes_inexact(jnp.asarray(c), jnp.asarray(b))
    signature = _rhs_signature("cho_solve", c, b, "(n,n)")
    # a = L L^H: solve with L, then with L^H (a = U^H U: with U^H, then U).
    first = functools.partial(lax.linalg.triangular_solve, left_side=True, lower=lower,
                              transpose_a=not lower, conjugate_a=not lower)
    second = functools.partial(lax.linalg.triangular_solve, left_side=True, lower=lower,
                               transpose_a=lower, conjugate_a=lower)
    b = jnp.vectorize(first, signature=signature)(c, b)
    return jnp.vectorize(second, signature=signature)(c, b)


def cho_solve(c_and_lower: tuple, b: ArrayLike, overwrite_b: bool = False,
              check_finite: bool = True):
    """Solve ``a x = b`` given ``(c, lower) = cho_factor(a)``; ``b`` is ``(n,)`` or
    ``(..., n, k)``.

    >>> cf = zenax.scipy.linalg.cho_factor(jnp.array([[4., 2.], [2., 5.]]))
    >>> zenax.scipy.linalg.cho_solve(cf, jnp.array([6., 7.]))
    Array([1., 1.], dtype=float32)
    """
    c, lower = c_and_lower
    return _cho_solve(c, b, bool(lower))


# --------------------------------------------------------------------------- LU

@compiled_when_eager(n_arrays=1, static_argnames=("overwrite_a", "check_finite"))
def lu_factor(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> tuple:
    """The LU factorization of ``a`` for :func:`lu_solve`: ``(lu, piv)``, with ``L``
    (unit diagonal, not stored) below the diagonal of ``lu`` and ``U`` on and above it,
    and ``piv`` LAPACK's row swaps (int32).

    >>> lu, piv = zenax.scipy.linalg.lu_factor(jnp.array([[1., 2.], [3., 4.]]))
    >>> piv
    Array([1, 1], dtype=int32)
    """
    a, = promote_dtypes_inexact(jnp.asarray(a))
    lu_, pivots, _ = lax.linalg.lu(a)
    return lu_, pivots


def _lu_solve_one(lu_, permutation, b, *, trans: int):
    vector = ndim_of(b) == 1
    x = _lu_solve_core(lu_, permutation, b[:, None] if vector else b, trans)
    return x[:, 0] if vector else x


@compiled_when_eager(n_arrays=3, static_argnames=("trans",))
def _lu_solve(lu_, pivots, b, trans: int):
    lu_, b = promote_dtypes_inexact(jnp.asarray(lu_), jnp.asarray(b))
    permutation = lax.linalg.lu_pivots_to_permutation(pivots, shape_of(lu_)[-2])
    signature = _rhs_signature("lu_solve", lu_, b, "(n,n),(n)")
    solve = functools.partial(_lu_solve_one, trans=trans)
    return jnp.vectorize(solve, signature=signature)(lu_, permutation, b)


def lu_solve(lu_and_piv: tuple, b: ArrayLike, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True):
    """Solve ``a x = b`` (``trans=0``), ``a^T x = b`` (1) or ``a^H x = b`` (2) given
    ``(lu, piv) = lu_factor(a)``; ``b`` is ``(n,)`` or ``(..., n, k)``.

    >>> lu_piv = zenax.scipy.linalg.lu_factor(jnp.array([[1., 2.], [3., 4.]]))
    >>> zenax.scipy.linalg.lu_solve(lu_piv, jnp.array([5., 11.]))
    Array([1., 2.], dtype=float32)
    """
    lu_, pivots = lu_and_piv
    return _lu_solve(lu_, pivots, b, trans)


@compiled_when_eager(n_arrays=1, static_argnames=("permute_l", "overwrite_a", "check_finite"))
def lu(a: ArrayLike, permute_l: bool = False, overwrite_a: bool = False,
       check_finite: bool = True) -> tuple:
    """The LU decomposition ``a = p @ l @ u`` of one ``m x n`` matrix with partial
    pivoting: ``(p, l, u)``, ``p`` a permutation matrix, ``l`` unit lower triangular
    (``m x k``, ``k = min(m, n)``), ``u`` upper triangular (``k x n``); with
    ``permute_l``, ``(p @ l, u)``.

    >>> p, l, u = zenax.scipy.linalg.lu(jnp.array([[1., 2.], [3., 4.]]))
    >>> u
    Array([[3.       , 4.       ],
           [0.       , 0.6666666]], dtype=float32)
    """
    a, = promote_dtypes_inexact(jnp.asarray(a))
    if ndim_of(a) != 2:
        raise value_error(f"lu: expected one matrix (rank 2), got shape {shape_of(a)}; "
                          f"for a batch use lu_factor, or vmap")
    lu_, _, permutation = lax.linalg.lu(a)
    dtype = dtype_of(a)
    m, n = shape_of(a)
    k = min(m, n)
    rows = jnp.arange(m, dtype=dtype_of(permutation))[:, None]
    p = jnp.real(jnp.array(permutation[None, :] == rows, dtype=dtype))
    l = jnp.tril(lu_, -1)[:, :k] + jnp.eye(m, k, dtype=dtype)
    u = jnp.triu(lu_)[:k, :]
    if permute_l:
        return jnp.matmul(p, l, precision="highest"), u
    return p, l, u


# --------------------------------------------------------------------------- solve, inv, det

@compiled_when_eager(n_arrays=2, static_argnames=("lower", "overwrite_a", "overwrite_b",
                                                  "debug", "check_finite", "assume_a"))
def solve(a: ArrayLike, b: ArrayLike, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, debug: bool = False, check_finite: bool = True,
          assume_a: str = "gen"):
    """Solve ``a x = b`` for square ``a`` ``(..., n, n)`` and ``b`` ``(..., n)`` or
    ``(..., n, k)``.  ``assume_a='pos'`` (Hermitian positive definite) solves through a
    Cholesky factorization of ``a``'s ``lower`` (or upper) triangle; 'gen', 'sym' and
    'her' use LU, as ``jnp.linalg.solve``.

    >>> a = jnp.array([[4., 2.], [2., 5.]])
    >>> zenax.scipy.linalg.solve(a, jnp.array([6., 7.]), assume_a="pos")
    Array([1., 1.], dtype=float32)
    """
    valid = ["gen", "sym", "her", "pos"]
    if assume_a not in valid:
        raise value_error(f"solve: expected assume_a to be one of {valid}; got {assume_a!r}")
    if assume_a != "pos":
        return jnp.linalg.solve(a, b)
    a, b = promote_dtypes_inexact(jnp.asarray(a), jnp.asarray(b))
    a_shape, b_shape = shape_of(a), shape_of(b)
    if not (len(a_shape) >= 2 and len(b_shape) in (len(a_shape), len(a_shape) - 1)
            and a_shape[-1] == a_shape[-2] == b_shape[len(a_shape) - 2]):
        raise value_error(f"solve: expected a of shape [..., m, m] and b of shape "
                          f"[..., m, k] or [..., m]; got a={a_shape} and b={b_shape}")
    vector = len(a_shape) == len(b_shape) + 1
    b = b[..., None] if vector else b
    b = jnp.broadcast_to(b, jnp.broadcast_shapes(a_shape[:-2], shape_of(b)[:-2])
                         + shape_of(b)[-2:])
    # As JAX's: the derivatives reuse the factor of the primal solve.
    factors = cho_factor(lax.stop_gradient(a), lower=bool(lower))
    x = lax.custom_linear_solve(lambda x: jnp.matmul(a, x, precision="highest"), b,
                                solve=lambda _, x: cho_solve(factors, x), symmetric=True)
    return x[..., 0] if vector else x


@compiled_when_eager(n_arrays=1, static_argnames=("overwrite_a", "check_finite"))
def inv(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True):
    """The inverse of each square matrix in ``a`` (its last two axes); see
    ``jnp.linalg.inv``.  To apply an inverse, :func:`solve` is faster and more exact.

    >>> zenax.scipy.linalg.inv(jnp.array([[2., 0.], [0., 4.]]))
    Array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """
    return jnp.linalg.inv(a)


@compiled_when_eager(n_arrays=1, static_argnames=("overwrite_a", "check_finite"))
def det(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True):
    """The determinant of each square matrix in ``a`` (its last two axes); see
    ``jnp.linalg.det``.

    >>> zenax.scipy.linalg.det(jnp.array([[1., 2.], [3., 4.]]))
    Array(-2., dtype=float32)
    """
    return jnp.linalg.det(a)


# The helpers above run compiled when this module's own wrappers call them eagerly.
compile_marked(globals())
