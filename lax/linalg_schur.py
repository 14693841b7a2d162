"""The reductions to condensed form of ``zenax.lax.linalg``: ``hessenberg`` (upper
Hessenberg), ``schur`` (the Schur form) and ``tridiagonal`` (of a Hermitian matrix).

Each is one batched primitive declared with
:func:`~zenax.lax.linalg_family.linalg_primitive` (abstract eval, the lowering to the
``jax.lax.linalg`` function, batching).  They are LAPACK's ``gehrd``, ``gees`` and
``sytrd``/``hetrd``, which JAX runs on CPU only (``tridiagonal`` on GPU too).

None has a jvp, as in JAX: the Householder vectors and scale factors of ``hessenberg`` and
``tridiagonal`` are a storage format, not smooth functions of the input, and the Schur
vectors of a matrix with repeated eigenvalues are not determined.  Differentiating any of
them raises ``NotImplementedError``, the error JAX raises; ``scipy.linalg.sqrtm`` and
``funm``, built on ``schur``, are not differentiable either.
"""
from __future__ import annotations

import jax

from zenax.tracer.core import bind

from .elementwise import _real_dtype
from .linalg_family import linalg_primitive, value_error

lax = jax.lax

__all__ = ["hessenberg", "hessenberg_p", "schur", "schur_p", "tridiagonal", "tridiagonal_p"]

# --------------------------------------------------------------------------- hessenberg

def _hessenberg_matrix_rule(a):
    n = a.shape[-1]
    if n == 0:
        raise value_error("hessenberg: expected a non-empty square matrix (its taus have "
                          "n - 1 entries), got shape (0, 0).")
    return [a, a.update(shape=(n - 1,))]


# Outputs the reduced matrix (H on and above the first subdiagonal, the Householder vectors
# below it) and the reflectors' scale factors taus.
hessenberg_p = linalg_primitive("hessenberg", ("a",), _hessenberg_matrix_rule,
                                lambda a: list(lax.linalg.hessenberg(a)), square=("a",),
                                multiple_results=True)

# --------------------------------------------------------------------------- schur

def _schur_matrix_rule(x, *, compute_schur_vectors, sort_eig_vals, select_callable):
    return [x, x] if compute_schur_vectors else [x]


def _schur_lower(x, *, compute_schur_vectors, sort_eig_vals, select_callable):
    # jax.lax.linalg raises NotImplementedError for sort_eig_vals here, when lowering.
    return list(lax.linalg.schur(x, compute_schur_vectors=compute_schur_vectors,
                                 sort_eig_vals=sort_eig_vals,
                                 select_callable=select_callable))


# Outputs the Schur form T (quasi-upper-triangular for real x: 2x2 blocks for complex
# pairs of eigenvalues) and, if asked for, the unitary Schur vectors Q: x = Q T Q^H.
schur_p = linalg_primitive("schur", ("x",), _schur_matrix_rule, _schur_lower, square=("x",),
                           multiple_results=True)

# --------------------------------------------------------------------------- tridiagonal

def _tridiagonal_matrix_rule(a, *, lower):
    n = a.shape[-1]
    if n == 0:
        raise value_error("tridiagonal: expected a non-empty square matrix, got shape "
                          "(0, 0).")
    real = a.update(dtype=_real_dtype(a.dtype))
    return [a, real.update(shape=(n,)), real.update(shape=(n - 1,)),
            a.update(shape=(n - 1,))]


# Outputs the reduced matrix (the tridiagonal form in the diagonal and the first sub- or
# superdiagonal, the Householder vectors beyond it), its diagonal d and off-diagonal e
# (real), and the reflectors' scale factors taus.
tridiagonal_p = linalg_primitive("tridiagonal", ("a",), _tridiagonal_matrix_rule,
                                 lambda a, *, lower: list(lax.linalg.tridiagonal(a, lower=lower)),
                                 square=("a",), multiple_results=True)


# =========================================================================== public API

def hessenberg(a):
    """The reduction of square matrices ``a`` (batched over leading axes) to upper
    Hessenberg form by Householder reflections: ``[a_out, taus]``, with ``H`` in the
    upper triangle and first subdiagonal of ``a_out``, the reflectors below that, and
    their scale factors in ``taus`` (``n - 1`` per matrix).  CPU only, as in JAX.

    >>> a_out, taus = lax.linalg.hessenberg(jnp.array([[1., 2.], [3., 4.]]))
    >>> a_out
    Array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    return bind(hessenberg_p, a)


def schur(x, *, compute_schur_vectors: bool = True, sort_eig_vals: bool = False,
          select_callable=None):
    """The Schur decomposition ``x = Q T Q^H`` of square matrices: ``[T, Q]``, or ``[T]``
    without ``compute_schur_vectors``.  ``T`` is upper triangular for complex ``x`` and
    quasi-upper-triangular (2x2 blocks on the diagonal for complex eigenvalue pairs) for
    real ``x``.  Sorting the eigenvalues (``sort_eig_vals``, ``select_callable``) is not
    implemented, as in JAX; CPU only.

    >>> lax.linalg.schur(jnp.array([[2., 1.], [0., 3.]]), compute_schur_vectors=False)
    [Array([[2., 1.],
           [0., 3.]], dtype=float32)]
    """
    return bind(schur_p, x, compute_schur_vectors=bool(compute_schur_vectors),
                select_callable=select_callable, sort_eig_vals=bool(sort_eig_vals))


def tridiagonal(a, *, lower: bool = True):
    """The reduction of Hermitian (real symmetric) matrices to tridiagonal form, reading
    only their ``lower`` (or upper) triangle: ``[a_out, d, e, taus]``, where ``d`` is the
    diagonal and ``e`` the off-diagonal of the tridiagonal matrix (both real), ``a_out``
    holds them plus the Householder reflectors beyond the off-diagonal, and ``taus`` the
    reflectors' scale factors.

    >>> a_out, d, e, taus = lax.linalg.tridiagonal(jnp.array([[2., 1.], [1., 2.]]))
    >>> d, e
    (Array([2., 2.], dtype=float32), Array([1.], dtype=float32))
    """
    return bind(tridiagonal_p, a, lower=bool(lower))
