"""``scipy.linalg``'s decompositions with JAX's semantics: ``eigh``, ``svd``, ``qr``,
``qr_multiply``, ``schur``, ``rsf2csf`` and ``hessenberg``.

Each is SciPy's argument convention over one ``zenax.lax.linalg`` primitive (LAPACK's
routines, as in JAX), so values agree with JAX's to the last bit and the derivatives are
the primitives' own (none for ``schur`` and ``hessenberg``, as in JAX).

``qr_multiply`` applies ``Q`` without forming it: LAPACK's QR (``geqrf``) leaves ``Q`` as
Householder reflectors, which ``ormqr`` multiplies by.  With ``pivoting`` the columns are
first permuted in the order a pivoted QR chooses; the reflectors of the permuted matrix
are the ones the pivoted factorization computes.

``rsf2csf`` turns a real Schur form into a complex one: each 2x2 diagonal block (a pair
of complex eigenvalues) is split by a Givens rotation ``G`` that zeroes its subdiagonal,
applied as ``G T G^H`` and ``Z G^H``, from the bottom block up (Golub & Van Loan, 7.4).
"""
from __future__ import annotations

import zenax.lax.jnp as jnp
from zenax import lax
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.promotion import (ArrayLike, dtype_of, ndim_of, promote_dtypes_inexact,
                                     shape_of)
from zenax.lax.registry import value_error
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

__all__ = ["eigh", "hessenberg", "qr", "qr_multiply", "rsf2csf", "schur", "svd"]



@compiled_when_eager(n_arrays=1, static_argnames=("full_matrices", "compute_uv", "overwrite_a",
                                                  "check_finite", "lapack_driver"))
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True,
        overwrite_a: bool = False, check_finite: bool = True, lapack_driver: str = "gesdd"):
    """The singular value decomposition ``a = u @ (s[..., None] * vh)`` of matrices
    ``(..., m, n)``: ``(u, s, vh)``, or ``s`` (descending) without ``compute_uv``.
    ``full_matrices`` makes ``u`` and ``vh`` square; otherwise they keep
    ``min(m, n)`` columns and rows.  ``lapack_driver`` is unused, as in JAX.

    >>> zenax.scipy.linalg.svd(jnp.array([[3., 0.], [0., -4.]]), compute_uv=False)
    Array([4., 3.], dtype=float32)
    """
    a, = promote_dtypes_inexact(jnp.asarray(a))
    return lax.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


@compiled_when_eager(n_arrays=1, static_argnames=(
    "b", "lower", "eigvals_only", "overwrite_a", "overwrite_b", "turbo", "eigvals", "type",
    "check_finite"))
def eigh(a: ArrayLike, b: ArrayLike | None = None, lower: bool = True,
         eigvals_only: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
         turbo: bool = True, eigvals: None = None, type: int = 1, check_finite: bool = True):
    """Eigenvalues (ascending) and eigenvectors of Hermitian matrices ``a`` ``(..., n, n)``,
    reading their ``lower`` (or upper) triangle: ``(w, v)``, or ``w`` with
    ``eigvals_only``.  Only the standard problem is implemented (``b``, ``eigvals`` None
    and ``type`` 1), as in JAX.

    >>> zenax.scipy.linalg.eigh(jnp.array([[2., 1.], [1., 2.]]), eigvals_only=True)
    Array([1., 3.], dtype=float32)
    """
    if b is not None:
        raise NotImplementedError("eigh: only the standard eigenproblem (b=None) is "
                                  "implemented, as in JAX.")
    if type != 1:
        raise NotImplementedError("eigh: only type=1 is implemented, as in JAX.")
    if eigvals is not None:
        raise NotImplementedError("eigh: only eigvals=None is implemented, as in JAX; "
                                  "pick eigenvalues from the result instead.")
    a, = promote_dtypes_inexact(jnp.asarray(a))
    shape = shape_of(a)
    if len(shape) >= 2 and shape[-1] != shape[-2]:
        # JAX's error here comes from symmetrizing a: a TypeError.
        raise TypeError(f"eigh: expected square matrices in the last two axes of a, got "
                        f"shape {shape} (at {user_frame_str()})")
    v, w = lax.linalg.eigh(a, lower=lower)
    return w if eigvals_only else (w, v)


_QR_MODES = {"full": True, "r": True, "economic": False}


@compiled_when_eager(n_arrays=1, static_argnames=("overwrite_a", "lwork", "mode", "pivoting",
                                                  "check_finite"))
def qr(a: ArrayLike, overwrite_a: bool = False, lwork=None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True) -> tuple:
    """The QR decomposition ``a = q @ r`` of matrices ``(..., m, n)``.  ``mode``:
    ``'full'`` (``q`` m x m), ``'economic'`` (``k = min(m, n)`` columns) or ``'r'`` (only
    ``r``, as a 1-tuple).  With ``pivoting``, also the column permutation ``p`` with
    ``a[..., p] = q @ r``.

    >>> q, r = zenax.scipy.linalg.qr(jnp.array([[3., 1.], [4., 3.]]))
    >>> r
    Array([[-5., -3.],
           [ 0.,  1.]], dtype=float32)
    """
    if mode not in _QR_MODES:
        raise value_error(f"qr: unsupported QR decomposition mode {mode!r}; expected "
                          f"'full', 'economic' or 'r'")
    a, = promote_dtypes_inexact(jnp.asarray(a))
    q, r, *p = lax.linalg.qr(a, pivoting=pivoting, full_matrices=_QR_MODES[mode])
    return (r, *p) if mode == "r" else (q, r, *p)


def qr_multiply(a: ArrayLike, c: ArrayLike, mode: str = "right", pivoting: bool = False,
                conjugate: bool = False, overwrite_a: bool = False,
                overwrite_c: bool = False) -> tuple:
    """``c @ q`` (``mode='right'``) or ``q @ c`` (``'left'``) for the ``q`` of the
    economic QR decomposition of ``a``, without forming ``q``; with ``conjugate``,
    ``conj(q)`` instead.  Returns ``(cq, r)``, and the permutation ``p`` too with
    ``pivoting``.  A vector ``c`` is a row (``'right'``) or a column (``'left'``).

    >>> cq, r = zenax.scipy.linalg.qr_multiply(jnp.array([[3., 1.], [4., 3.]]),
    ...                                        jnp.array([1., 0.]))
    >>> cq
    Array([-0.6, -0.8], dtype=float32)
    """
    a, c = promote_dtypes_inexact(jnp.asarray(a), jnp.asarray(c))
    if mode not in ("right", "left"):
        raise value_error(f"qr_multiply: mode must be 'right' or 'left', got {mode!r}")
    vector = ndim_of(c) == 1
    if vector:
        c = c[:, None] if mode == "left" else c[None, :]
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    if mode == "left" and shape_of(c)[-2] != k:
        raise value_error(f"qr_multiply: shapes are not compatible for q @ c: a has shape "
                          f"{shape_of(a)} so q has {k} columns, but c has "
                          f"{shape_of(c)[-2]} rows (expected {k})")
    if mode == "right" and shape_of(c)[-1] != m:
        raise value_error(f"qr_multiply: shapes are not compatible for c @ q: a has shape "
                          f"{shape_of(a)} so q has {m} rows, but c has {shape_of(c)[-1]} "
                          f"columns (expected {m})")
    batch = jnp.broadcast_shapes(shape_of(a)[:-2], shape_of(c)[:-2])
    a = jnp.broadcast_to(a, batch + shape_of(a)[-2:])
    c = jnp.broadcast_to(c, batch + shape_of(c)[-2:])
    p = None
    if pivoting:
        p = lax.linalg.qr(a, pivoting=True, full_matrices=False)[2]
        a = jnp.take_along_axis(a, p[..., None, :], axis=-1)
    r, taus = lax.linalg.geqrf(a)
    if m > n and mode == "left":
        zeros = jnp.zeros(shape_of(c)[:-2] + (m - k,) + shape_of(c)[-1:], dtype=dtype_of(c))
        c = jnp.concatenate([c, zeros], axis=-2)
    if conjugate:
        # (Q^H c^T)^T = conj(Q) c: transposing c swaps the side Q multiplies from.
        c = jnp.swapaxes(c, -1, -2)
    cq = lax.linalg.ormqr(r, taus, c, left=(mode == "left") != conjugate, transpose=conjugate)
    if conjugate:
        cq = jnp.swapaxes(cq, -1, -2)
    if mode == "right":
        cq = cq[..., :k]
    if vector:
        cq = jnp.ravel(cq)
    r = jnp.triu(r[..., :k, :])
    return (cq, r, p) if pivoting else (cq, r)


@compiled_when_eager(n_arrays=1, static_argnames=("output",))
def schur(a: ArrayLike, output: str = "real") -> list:
    """The Schur decomposition ``a = z @ t @ z^H`` of square matrices: ``[t, z]``, ``z``
    unitary and ``t`` upper triangular (``output='complex'``) or quasi-upper-triangular
    with 2x2 blocks for complex eigenvalue pairs (``'real'``, for real ``a``).  CPU
    only, as in JAX.

    >>> t, z = zenax.scipy.linalg.schur(jnp.array([[2., 1.], [0., 3.]]))
    >>> t
    Array([[2., 1.],
           [0., 3.]], dtype=float32)
    """
    if output not in ("real", "complex"):
        raise value_error(f"schur: expected 'output' to be either 'real' or 'complex', got "
                          f"output={output!r}")
    a = jnp.asarray(a)
    if output == "complex":
        a = a.astype(_dtypes.to_complex_dtype(dtype_of(a)))
    return lax.linalg.schur(a)


def _givens_split(m, t, z):
    """Rotate rows and columns ``m - 1, m`` of ``t`` (and columns of ``z``) so that
    ``t[m, m - 1]`` becomes 0: ``G`` maps ``(mu, t[m, m - 1])``, ``mu`` the first
    eigenvalue of the 2x2 block less ``t[m, m]``, to ``(r, 0)``."""
    n = shape_of(t)[0]
    block = lax.dynamic_slice(t, (m - 1, m - 1), (2, 2))
    mu = jnp.linalg.eigvals(block) - t[m, m]
    r = jnp.linalg.norm(jnp.stack([mu[0], t[m, m - 1]])).astype(dtype_of(t))
    c, s = mu[0] / r, t[m, m - 1] / r
    g = jnp.stack([jnp.stack([jnp.conj(c), s]), jnp.stack([-s, c])])
    g_h = jnp.conj(g.T)
    rows = lax.dynamic_slice_in_dim(t, m - 1, 2, axis=0)
    cols_from = jnp.arange(n) >= m - 1
    rows = jnp.where(~cols_from, rows, g @ jnp.where(cols_from, rows, 0))
    t = lax.dynamic_update_slice_in_dim(t, rows, m - 1, axis=0)
    cols = lax.dynamic_slice_in_dim(t, m - 1, 2, axis=1)
    rows_to = jnp.arange(n)[:, None] < m + 1
    cols = jnp.where(~rows_to, cols, jnp.where(rows_to, cols, 0) @ g_h)
    t = lax.dynamic_update_slice_in_dim(t, cols, m - 1, axis=1)
    z_cols = lax.dynamic_slice_in_dim(z, m - 1, 2, axis=1)
    z = lax.dynamic_update_slice_in_dim(z, z_cols @ g_h, m - 1, axis=1)
    return t, z


def _rsf2csf_matrix(t, z):
    dtype = _dtypes.to_complex_dtype(jnp.promote_types(dtype_of(t), dtype_of(z)))
    t, z = t.astype(dtype), z.astype(dtype)
    eps = jnp.finfo(dtype).eps
    n = shape_of(t)[0]
    if n == 1:
        return t, z

    def step(i, tz):
        m = n - i
        t, z = tz
        split = jnp.abs(t[m, m - 1]) > eps * (jnp.abs(t[m - 1, m - 1]) + jnp.abs(t[m, m]))
        t, z = lax.cond(split, _givens_split, lambda m, t, z: (t, z), m, t, z)
        return t.at[m, m - 1].set(0.0), z

    return lax.fori_loop(1, n, step, (t, z))


@compiled_when_eager(n_arrays=2, static_argnames=("check_finite",))
def rsf2csf(T: ArrayLike, Z: ArrayLike, check_finite: bool = True) -> tuple:
    """Convert a real Schur decomposition ``(T, Z)`` (from ``schur(a)``) to the complex
    one: ``T`` upper triangular, ``a = Z @ T @ Z^H`` still.

    >>> t, z = zenax.scipy.linalg.rsf2csf(jnp.array([[0., 1.], [-1., 0.]]), jnp.eye(2))
    >>> jnp.diagonal(t)
    Array([0.+0.99999994j, 0.-0.99999994j], dtype=complex64)
    """
    T, Z = jnp.asarray(T), jnp.asarray(Z)
    if ndim_of(T) < 2 or shape_of(T)[-1] != shape_of(T)[-2]:
        raise value_error(f"rsf2csf: input 'T' must be square, got shape {shape_of(T)}")
    if ndim_of(Z) < 2 or shape_of(Z)[-1] != shape_of(Z)[-2]:
        raise value_error(f"rsf2csf: input 'Z' must be square, got shape {shape_of(Z)}")
    if shape_of(T)[-1] != shape_of(Z)[-1]:
        raise value_error(f"rsf2csf: input array shapes must match: Z: {shape_of(Z)} vs. "
                          f"T: {shape_of(T)}")
    return jnp.vectorize(_rsf2csf_matrix, signature="(n,n),(n,n)->(n,n),(n,n)")(T, Z)


@compiled_when_eager(n_arrays=1, static_argnames=("calc_q", "overwrite_a", "check_finite"))
def hessenberg(a: ArrayLike, *, calc_q: bool = False, overwrite_a: bool = False,
               check_finite: bool = True):
    """The upper Hessenberg form ``h`` of square matrices ``a`` (zero below the first
    subdiagonal), with ``a = q @ h @ q^H``; ``(h, q)`` with ``calc_q``.  CPU only, as in
    JAX.

    >>> zenax.scipy.linalg.hessenberg(jnp.array([[1., 2.], [3., 4.]]))
    Array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    a = jnp.asarray(a)
    n = shape_of(a)[-1]
    if n == 0:
        return (jnp.zeros_like(a), jnp.zeros_like(a)) if calc_q else jnp.zeros_like(a)
    a_out, taus = lax.linalg.hessenberg(a)
    h = jnp.triu(a_out, -1)
    if not calc_q:
        return h
    # Q = diag(1, Q'), Q' the product of the reflectors stored below the subdiagonal.
    q = lax.linalg.householder_product(a_out[..., 1:, :-1], taus)
    batch, dtype = shape_of(a_out)[:-2], dtype_of(a_out)
    corner = jnp.ones(batch + (1, 1), dtype=dtype)
    q = jnp.block([[corner, jnp.zeros(batch + (1, n - 1), dtype=dtype)],
                   [jnp.zeros(batch + (n - 1, 1), dtype=dtype), q]])
    return h, q


compile_marked(globals())
