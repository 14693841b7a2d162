"""``jnp.linalg``'s decompositions and what is built on them: ``eigh``, ``eigvalsh``,
``eig``, ``eigvals``, ``svd``, ``svdvals``, ``qr``, and the singular-value based ``pinv``,
``lstsq`` and ``matrix_rank``.

Each is a thin layer over ``zenax.lax.linalg`` (promotion to an inexact dtype, NumPy's
argument conventions, JAX's namedtuple results), so the derivatives are the
decompositions' own -- except ``pinv``'s: the pseudo-inverse jumps where a singular
value crosses the cutoff, and differentiating through the SVD would divide by gaps
between singular values.  As in JAX, its jvp is Golub & Pereyra's formula (1973) in
terms of the pseudo-inverse itself: products only, exact wherever the rank is locally
constant.
"""
from __future__ import annotations

import builtins
import functools
from typing import NamedTuple

import numpy as np

from zenax import lax
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager

from .creation import empty, zeros
from .dtypes import finfo
from .indexing_routines import take_along_axis
from .logic import greater, greater_equal, logical_and, not_equal, where
from .products import matmul
from .promotion import (ArrayLike, asarray, check_arraylike, convert_to, dtype_of,
                        ensure_array, ndim_of, promote_dtypes_inexact, shape_of)
from .reductions import any, max, sum
from .shapes import expand_dims, matrix_transpose, ravel
from .ufuncs import abs, add, astype, conj, divide, multiply, real, sign, subtract

__all__ = ["eig", "eigh", "eigvals", "eigvalsh", "lstsq", "matrix_rank", "pinv", "qr", "svd",
           "svdvals"]


class EighResult(NamedTuple):
    """``eigh``'s result: ascending real eigenvalues, eigenvectors in the columns."""
    eigenvalues: ArrayLike
    eigenvectors: ArrayLike


class EigResult(NamedTuple):
    """``eig``'s result: complex eigenvalues, right eigenvectors in the columns."""
    eigenvalues: ArrayLike
    eigenvectors: ArrayLike


class QRResult(NamedTuple):
    """``qr``'s result: ``a = Q @ R`` (or LAPACK's raw form with ``mode="raw"``)."""
    Q: ArrayLike
    R: ArrayLike


class SVDResult(NamedTuple):
    """``svd``'s result: ``a = U @ (S[..., None] * Vh)``, ``S`` descending."""
    U: ArrayLike
    S: ArrayLike
    Vh: ArrayLike


def _inexact(name: str, a):
    check_arraylike(name, a)
    a, = promote_dtypes_inexact(ensure_array(a))
    return a


def _adjoint(x):
    return conj(matrix_transpose(x))


def _hermitian_part(x):
    return divide(add(x, _adjoint(x)), 2)


def _real_dtype(x) -> np.dtype:
    return dtype_of(real(x))


# --------------------------------------------------------------------------- eigenvalues

def _lower_triangle(UPLO) -> bool:
    if UPLO is None or UPLO == "L":
        return True
    if UPLO == "U":
        return False
    raise ValueError(f"UPLO must be one of None, 'L', or 'U', got {UPLO}")


@compiled_when_eager(n_arrays=1, static_argnames=("UPLO", "symmetrize_input"))
def eigh(a: ArrayLike, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of Hermitian (real symmetric) matrices
    ``a`` ``(..., n, n)``: ``a @ v == v * w[..., None, :]``.

    ``UPLO`` ('L' or 'U') is the triangle read when ``symmetrize_input`` is False;
    by default ``(a + a^H) / 2`` is decomposed, which keeps gradients symmetric.

    >>> w, v = jnp.linalg.eigh(jnp.array([[2., 1.], [1., 2.]]))
    >>> w
    Array([1., 3.], dtype=float32)
    """
    lower = _lower_triangle(UPLO)
    a = _inexact("eigh", a)
    v, w = lax.linalg.eigh(a, lower=lower, symmetrize_input=symmetrize_input)
    return EighResult(w, v)


@compiled_when_eager(n_arrays=1, static_argnames=("UPLO", "symmetrize_input"))
def eigvalsh(a: ArrayLike, UPLO: str | None = "L", *, symmetrize_input: bool = True):
    """The eigenvalues (ascending, real) of Hermitian matrices ``a``; see :func:`eigh`.

    >>> jnp.linalg.eigvalsh(jnp.array([[1, -2j], [2j, 1]]))
    Array([-1.,  3.], dtype=float32)
    """
    a = _inexact("eigvalsh", a)
    return eigh(a, UPLO, symmetrize_input=symmetrize_input).eigenvalues


@compiled_when_eager(n_arrays=1)
def eig(a: ArrayLike) -> EigResult:
    """Eigenvalues and right eigenvectors of general square matrices ``a``, always
    complex (complex64 for 32-bit input).  Computed on CPU (and GPU) only, as in JAX;
    differentiable in the eigenvalues only.

    >>> w, v = jnp.linalg.eig(jnp.array([[2., 0.], [0., 3.]]))
    >>> w
    Array([2.+0.j, 3.+0.j], dtype=complex64)
    """
    a = _inexact("eig", a)
    w, v = lax.linalg.eig(a, compute_left_eigenvectors=False)
    return EigResult(w, v)


@compiled_when_eager(n_arrays=1)
def eigvals(a: ArrayLike):
    """The (complex) eigenvalues of general square matrices ``a``; see :func:`eig`.

    >>> jnp.linalg.eigvals(jnp.array([[0., 1.], [-1., 0.]]))
    Array([0.+1.j, 0.-1.j], dtype=complex64)
    """
    a = _inexact("eigvals", a)
    w, = lax.linalg.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)
    return w


# --------------------------------------------------------------------------- svd

def _hermitian_svd(a, compute_uv: bool, subset_by_index):
    """The SVD of Hermitian ``a`` from its eigendecomposition: the singular values are
    ``|w|``, sorted descending; ``vh`` is ``u^H`` with each row's sign of ``w``."""
    v, w = lax.linalg.eigh(a, subset_by_index=subset_by_index)
    s = abs(w)
    last = ndim_of(s) - 1
    if not compute_uv:
        return lax.rev(lax.sort(s, dimension=last), (last,))
    order = lax.broadcasted_iota(np.int32, shape_of(s), last)
    s, order, signs = lax.sort((s, order, sign(w)), dimension=last, num_keys=1)
    s, order, signs = (lax.rev(x, (last,)) for x in (s, order, signs))
    u = take_along_axis(v, expand_dims(order, -2), axis=-1)
    return SVDResult(u, s, _adjoint(multiply(u, astype(expand_dims(signs, -2), dtype_of(u)))))


@compiled_when_eager(n_arrays=1, static_argnames=("full_matrices", "compute_uv", "hermitian",
                                                  "subset_by_index"))
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False, subset_by_index: tuple[int, int] | None = None):
    """The singular value decomposition ``a = U @ (S[..., None] * Vh)`` of matrices
    ``(..., m, n)``: ``SVDResult(U, S, Vh)``, or ``S`` (descending) if not
    ``compute_uv``.  ``full_matrices`` gives square ``U`` and ``Vh``; otherwise they have
    ``k = min(m, n)`` columns / rows.  ``hermitian`` computes it from ``eigh``.

    >>> jnp.linalg.svd(jnp.array([[0., 2.], [1., 0.]]), compute_uv=False)
    Array([2., 1.], dtype=float32)
    """
    a = _inexact("svd", a)
    if hermitian:
        return _hermitian_svd(a, compute_uv, subset_by_index)
    out = lax.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv,
                         subset_by_index=subset_by_index)
    return SVDResult(*out) if compute_uv else out


@compiled_when_eager(n_arrays=1)
def svdvals(x: ArrayLike, /):
    """The singular values (descending) of matrices ``x`` ``(..., m, n)``.

    >>> jnp.linalg.svdvals(jnp.array([[1, 2, 3], [4, 5, 6]]))
    Array([9.508031 , 0.7728694], dtype=float32)
    """
    check_arraylike("svdvals", x)
    return svd(x, compute_uv=False, hermitian=False)


# --------------------------------------------------------------------------- qr

@compiled_when_eager(n_arrays=1, static_argnames=("mode",))
def qr(a: ArrayLike, mode: str = "reduced"):
    """The QR decomposition ``a = Q @ R`` of matrices ``(..., m, n)``, ``k = min(m, n)``.

    ``mode``: 'reduced' (``Q`` m x k, ``R`` k x n), 'complete' (``Q`` m x m, ``R`` m x n),
    'r' (``R`` of 'reduced' alone) or 'raw' (LAPACK's Householder form: ``(h, tau)`` with
    ``h`` n x m).

    >>> Q, R = jnp.linalg.qr(jnp.array([[3., 1.], [4., 3.]]))
    >>> R
    Array([[-5., -3.],
           [ 0.,  1.]], dtype=float32)
    """
    a = _inexact("qr", a)
    if mode == "raw":
        h, taus = lax.linalg.geqrf(a)
        return QRResult(matrix_transpose(h), taus)
    if mode in ("reduced", "r", "full"):     # 'full' is NumPy's old name of 'reduced'
        full_matrices = False
    elif mode == "complete":
        full_matrices = True
    else:
        raise ValueError(f"Unsupported QR decomposition mode '{mode}'; expected 'reduced', "
                         f"'complete', 'r' or 'raw'.")
    q, r = lax.linalg.qr(a, full_matrices=full_matrices)
    return r if mode == "r" else QRResult(q, r)


# --------------------------------------------------------------------------- pinv

def _pinv_values(a, rtol, hermitian: bool):
    """``V diag(1/s) U^H``, dropping the singular values at most ``rtol`` times the
    largest (their reciprocal becomes 0: ``1 / inf``)."""
    m, n = shape_of(a)[-2:]
    if m == 0 or n == 0:
        return empty(shape_of(a)[:-2] + (n, m), dtype_of(a))
    # The SVD of conj(a) gives V and U^H by plain transposes of its factors.
    u, s, vh = svd(conj(a), full_matrices=False, hermitian=hermitian)
    largest = lax.slice_in_dim(s, 0, 1, axis=ndim_of(s) - 1)
    cutoff = multiply(expand_dims(rtol, -1), largest)
    s = astype(where(greater(s, cutoff), s, np.inf), dtype_of(u))
    out = matmul(matrix_transpose(vh), divide(matrix_transpose(u), expand_dims(s, -1)),
                 precision="highest")
    return astype(out, dtype_of(a))


@functools.partial(custom_jvp, nondiff_argnums=(2,))
def _pinv(a, rtol, hermitian: bool):
    return _pinv_values(a, rtol, hermitian)


@_pinv.defjvp
def _pinv_jvp(hermitian, primals, tangents):
    # The derivative at fixed rank (Golub & Pereyra 1973): with p = pinv(a),
    # p_dot = -p a_dot p + p p^H a_dot^H (I - a p) + (I - p a) a_dot^H p^H p,
    # multiplied out in the order that keeps the intermediate products small.
    (a, rtol), (a_dot, _) = primals, tangents
    p = _pinv_values(a, rtol, hermitian)
    if hermitian:   # the SVD read the Hermitian part of a: so does the tangent
        a, a_dot = _hermitian_part(a), _hermitian_part(a_dot)
    m, n = shape_of(a)[-2:]
    p_h, a_dot_h = _adjoint(p), _adjoint(a_dot)
    if m >= n:
        s = matmul(matmul(p, p_h), a_dot_h)
        t = matmul(matmul(a_dot_h, p_h), p)
        terms = (matmul(matmul(p, a_dot), p), s, matmul(matmul(s, a), p), t,
                 matmul(matmul(p, a), t))
    else:
        s = matmul(p, matmul(p_h, a_dot_h))
        t = matmul(a_dot_h, matmul(p_h, p))
        terms = (matmul(p, matmul(a_dot, p)), s, matmul(s, matmul(a, p)), t,
                 matmul(p, matmul(a, t)))
    p_a_dot_p, s, s_a_p, t, p_a_t = terms
    return p, subtract(subtract(add(subtract(s, p_a_dot_p), t), s_a_p), p_a_t)


@compiled_when_eager(n_arrays=1, static_argnames=("hermitian",))
def pinv(a: ArrayLike, rtol: ArrayLike | None = None, hermitian: bool = False, *,
         rcond: ArrayLike | None = None):
    """The Moore-Penrose pseudo-inverse ``(..., n, m)`` of matrices ``a`` ``(..., m, n)``.

    Singular values at most ``rtol`` (``rcond`` is its old name) times the largest count
    as zero; the default is ``10 * max(m, n) * eps``, not NumPy's ``1e-15``.  Its
    derivative is exact where the rank does not change.

    >>> jnp.linalg.pinv(jnp.array([[2., 0.], [0., 0.]]))
    Array([[0.5, 0. ],
           [0. , 0. ]], dtype=float32)
    """
    if rcond is not None:
        if rtol is not None:
            raise ValueError("pinv: only one of rtol and rcond may be specified.")
        rtol = rcond
    a = _inexact("pinv", a)
    if ndim_of(a) < 2:
        raise ValueError(f"pinv: a must be a matrix or a batch of matrices (its last two "
                         f"axes), got shape {shape_of(a)}.")
    real_dtype = _real_dtype(a)
    if rtol is None:
        rtol = 10. * np.max(shape_of(a)[-2:]) * finfo(real_dtype).eps
    return _pinv(a, convert_to(asarray(rtol), real_dtype), hermitian)


# --------------------------------------------------------------------------- rank, lstsq

@compiled_when_eager(n_arrays=1, static_argnames=("hermitian",))
def matrix_rank(M: ArrayLike, rtol: ArrayLike | None = None, *, hermitian: bool = False,
                tol: ArrayLike | None = None):
    """The rank of matrices ``M`` ``(..., m, n)``: the number of singular values above a
    threshold -- ``max(s) * max(m, n) * eps`` by default, else ``rtol`` (``tol`` is its
    old name), which JAX compares with the singular values as it is.

    >>> jnp.linalg.matrix_rank(jnp.array([[1., 2.], [2., 4.]]))
    Array(1, dtype=int32)
    """
    if tol is not None:
        if rtol is not None:
            raise ValueError("matrix_rank: only one of tol or rtol may be specified.")
        rtol = tol
    M = _inexact("matrix_rank", M)
    if ndim_of(M) < 2:
        return astype(any(not_equal(M, 0)), np.int32)
    s = svd(M, full_matrices=False, compute_uv=False, hermitian=hermitian)
    if rtol is None:
        eps = finfo(dtype_of(s)).eps
        rtol = multiply(max(s, -1), np.asarray(np.max(shape_of(M)[-2:]) * eps, dtype_of(s)))
    return sum(greater(s, expand_dims(rtol, ndim_of(rtol))), axis=-1)


@compiled_when_eager(n_arrays=2)
def lstsq(a: ArrayLike, b: ArrayLike, rcond: float | None = None, *,
          numpy_resid: bool = False):
    """The least-squares solution of ``a @ x = b`` for a matrix ``a`` ``(m, n)`` and
    ``b`` ``(m,)`` or ``(m, k)``: ``(x, resid, rank, s)`` -- the minimum-norm solution,
    the squared residual norms, the rank of ``a`` and its singular values.

    Singular values below ``rcond`` times the largest count as zero (default
    ``max(m, n) * eps``).  The residuals are always computed, unless ``numpy_resid``
    asks for NumPy's empty array where the rank is below ``n`` or ``m <= n`` (which
    needs a concrete rank: not under ``jit``).

    >>> x, resid, rank, s = jnp.linalg.lstsq(jnp.array([[1., 0.], [0., 2.], [0., 0.]]),
    ...                                      jnp.array([1., 2., 3.]))
    >>> x, resid, rank
    (Array([1., 1.], dtype=float32), Array([9.], dtype=float32), Array(2, dtype=int32))
    """
    check_arraylike("lstsq", a, b)
    a, b = promote_dtypes_inexact(ensure_array(a), ensure_array(b))
    a_shape, b_shape = shape_of(a), shape_of(b)
    if not a_shape or not b_shape or a_shape[0] != b_shape[0]:
        raise ValueError(f"lstsq: the leading dimensions of a and b must match, got "
                         f"a.shape={a_shape} and b.shape={b_shape}.")
    vector = len(b_shape) == 1
    if vector:
        b = expand_dims(b, -1)
    if len(a_shape) != 2:
        raise TypeError(f"lstsq: a must be two-dimensional, got a {len(a_shape)}-dimensional "
                        f"array of shape {a_shape}.")
    if ndim_of(b) != 2:
        raise TypeError(f"lstsq: b must be one- or two-dimensional, got a "
                        f"{len(b_shape)}-dimensional array of shape {b_shape}.")
    m, n = a_shape
    dtype = dtype_of(a)
    if m == 0 or n == 0:
        s = empty(0, dtype=dtype)
        rank = asarray(0, dtype=np.int32)
        x = zeros((n, shape_of(b)[1]), dtype=dtype)
    else:
        eps = float(finfo(dtype).eps)
        rcond = eps * builtins.max(n, m) if rcond is None else where(rcond < 0, eps, rcond)
        u, s, vh = svd(a, full_matrices=False)
        largest = lax.slice_in_dim(s, 0, 1)
        keep = logical_and(greater(s, 0), greater_equal(
            s, multiply(astype(asarray(rcond), dtype_of(s)), largest)))
        rank = sum(keep)
        safe_s = astype(where(keep, s, 1), dtype)
        s_inv = expand_dims(where(keep, divide(1, safe_s), 0), -1)
        u_h_b = matmul(_adjoint(u), b, precision="highest")
        x = matmul(_adjoint(vh), multiply(s_inv, u_h_b), precision="highest")
    if numpy_resid and (rank < n or m <= n):
        resid = asarray([])
    else:
        r = subtract(b, matmul(a, x, precision="highest"))
        resid = sum(real(multiply(r, conj(r))), axis=0)
    return ravel(x) if vector else x, resid, rank, s
