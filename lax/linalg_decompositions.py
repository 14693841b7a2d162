"""The matrix decompositions of ``zenax.lax.linalg``: ``eigh``, ``svd``, ``qr``, ``eig``,
and the Householder pieces ``geqrf``, ``householder_product`` and ``ormqr``.

Each is one batched primitive declared with
:func:`~zenax.lax.linalg_family.linalg_primitive` (abstract eval, the lowering to the
``jax.lax.linalg`` function, batching), and given its jvp here.  None is linear, so none
has a transpose: reverse mode transposes the jvp, which is written with products, solves
and elementwise ops only.  The derivatives are the classic perturbation formulas:

* ``eigh``: with ``A = V diag(w) V^H``, ``w_dot = diag(V^H A_dot V)`` and
  ``V_dot = V (F o V^H A_dot V)``, where ``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal
  and 0 on it -- so it is defined for distinct eigenvalues only (Giles 2008).
* ``svd``: the same idea with ``F[i, j] = 1 / (s[j]^2 - s[i]^2)``, plus the projections
  onto the complements of ``U`` and ``V`` for non-square matrices; like JAX, not for
  ``full_matrices=True`` with ``m != n`` (the extra columns are not determined).
* ``qr``: Townsend's rule for ``m >= n`` (one triangular solve), extended to the square
  block of a wide matrix and, for the complete ``Q`` of a tall one, to its extra columns
  (Roberts & Roberts 2024, arXiv:2409.13374).
* ``eig``: eigenvalues as ``diag(V^{-1} A_dot V)``; eigenvectors only on request
  (``enable_eigvec_derivs``), under LAPACK's normalisation (unit norm, largest entry real).

The general solves these rules need (``V^{-1} A_dot``) go through ``qr`` and a triangular
solve, so every rule stays within this family.
"""
from __future__ import annotations

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, bind, get_aval, jvp_rules

from . import shapes as sh
from .broadcasting import broadcast_in_dim, reduce_sum, zeros_like_aval
from .elementwise import (_real_dtype, abs, add, complex, conj, convert_element_type, div,
                          eq, imag, mul, neg, real, select_n, sub)
from .linalg_triangular import triangular_solve
from .linalg_family import (adjoint, batch_in_front, check_matrix, eye, float_if_integer,
                            linalg_primitive, matmul, matrix_transpose, symmetrize, tril,
                            value_error)
from .reductions import argmax
from .registry import const, register, tangent_aval, type_error

lax = jax.lax

EigImplementation = lax.linalg.EigImplementation
EighImplementation = lax.linalg.EighImplementation
SvdAlgorithm = lax.linalg.SvdAlgorithm

# --------------------------------------------------------------------------- rule helpers
# Operands of these helpers are batches of matrices ``(..., m, n)`` or vectors ``(..., k)``
# with the same batch dimensions.


def _on_diagonal(shape):
    """True on the main diagonal of matrices of ``shape`` (``(..., n, n)``)."""
    nd = len(shape)
    return eq(sh.broadcasted_iota(np.int32, shape, nd - 2),
              sh.broadcasted_iota(np.int32, shape, nd - 1))


def _diagonal(x):
    """The main diagonal ``(..., n)`` of square matrices ``(..., n, n)``."""
    aval = get_aval(x)
    # select, not multiply: an inf off the diagonal must not turn the sum into NaN.
    return reduce_sum(select_n(_on_diagonal(aval.shape), zeros_like_aval(aval), x),
                      (aval.ndim - 1,))


def _as_row(v, rows: int):
    """``v[..., None, :]`` broadcast to ``rows`` rows."""
    aval = get_aval(v)
    nb = aval.ndim - 1
    return broadcast_in_dim(v, aval.shape[:-1] + (rows, aval.shape[-1]),
                            (*range(nb), nb + 1))


def _as_column(v, cols: int):
    """``v[..., :, None]`` broadcast to ``cols`` columns."""
    aval = get_aval(v)
    return broadcast_in_dim(v, aval.shape + (cols,), tuple(range(aval.ndim)))


def _diag_matrix(v):
    """Square matrices with ``v`` on the diagonal."""
    aval = get_aval(v)
    shape = aval.shape + aval.shape[-1:]
    return select_n(_on_diagonal(shape), zeros_like_aval(aval.update(shape=shape)),
                    _as_row(v, aval.shape[-1]))


def _real_part(x):
    return real(x) if dtypes.is_complex(get_aval(x).dtype) else x


def _cast(x, dtype):
    return x if get_aval(x).dtype == dtype else convert_element_type(x, dtype)


def _reciprocal_gaps(gaps):
    """``1 / gaps`` off the diagonal and 0 on it (where ``gaps`` is 0), as JAX builds it:
    the diagonal is shifted to 1 before dividing, so no NaN appears there."""
    ones = eye(get_aval(gaps).shape, get_aval(gaps).dtype)
    return sub(div(const(gaps, 1), add(gaps, ones)), ones)


def _columns(x, start: int, stop: int):
    return sh.slice_in_dim(x, start, stop, axis=get_aval(x).ndim - 1)


def _rows(x, start: int, stop: int):
    return sh.slice_in_dim(x, start, stop, axis=get_aval(x).ndim - 2)


def _solve(a, b):
    """``a^{-1} b`` for square ``a``, by its QR decomposition and a triangular solve."""
    q, r = bind(qr_p, a, pivoting=False, full_matrices=False, use_magma=None)
    return triangular_solve(r, matmul(adjoint(q), b), left_side=True, lower=False)


# --------------------------------------------------------------------------- eigh

def _eigh_matrix_rule(x, *, lower, sort_eigenvalues, subset_by_index, implementation):
    n = x.shape[-1]
    d = n if subset_by_index is None else subset_by_index[1] - subset_by_index[0]
    return [x.update(shape=(n, d)), x.update(shape=(d,), dtype=_real_dtype(x.dtype))]


def _eigh_lower(x, *, lower, sort_eigenvalues, subset_by_index, implementation):
    return lax.linalg.eigh(x, lower=lower, symmetrize_input=False,
                           sort_eigenvalues=sort_eigenvalues,
                           subset_by_index=subset_by_index, implementation=implementation)


# Reads one triangle of x (``lower``); returns eigenvectors v (columns) and eigenvalues w.
eigh_p = linalg_primitive("eigh", ("x",), _eigh_matrix_rule, _eigh_lower, square=("x",),
                          multiple_results=True)


def _eigh_jvp(primals, tangents, **params):
    (a,), (a_dot,) = primals, tangents
    n = get_aval(a).shape[-1]
    if params["subset_by_index"] not in (None, (0, n)):
        raise NotImplementedError("eigh: derivatives are not defined for a partial "
                                  "eigendecomposition (subset_by_index).")
    # As JAX: the primal is the decomposition of the Hermitian part of a.
    v, w_real = bind(eigh_p, symmetrize(a), **params)
    w = _cast(w_real, get_aval(a).dtype)
    f = _reciprocal_gaps(sub(_as_row(w, n), _as_column(w, n)))   # 1 / (w[j] - w[i])
    vh_a_dot_v = matmul(matmul(adjoint(v), a_dot), v)
    v_dot = matmul(v, mul(f, vh_a_dot_v))
    w_dot = _real_part(_diagonal(vh_a_dot_v))
    return [v, w_real], [v_dot, w_dot]


jvp_rules[eigh_p] = _eigh_jvp

# --------------------------------------------------------------------------- svd

def _svd_matrix_rule(x, *, full_matrices, compute_uv, subset_by_index, algorithm):
    m, n = x.shape
    rank = min(m, n)
    if subset_by_index is not None:
        if full_matrices and subset_by_index != (0, rank):
            raise value_error("svd: full_matrices and subset_by_index cannot both be set; "
                              "pass full_matrices=False with subset_by_index.")
        rank = min(rank, subset_by_index[1] - subset_by_index[0])
    s = x.update(shape=(rank,), dtype=_real_dtype(x.dtype))
    if not compute_uv:
        return [s]
    return [s, x.update(shape=(m, m if full_matrices else rank)),
            x.update(shape=(n if full_matrices else rank, n))]


def _svd_lower(x, *, full_matrices, compute_uv, subset_by_index, algorithm):
    out = lax.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv,
                         subset_by_index=subset_by_index, algorithm=algorithm)
    if not compute_uv:
        return [out]
    u, s, vh = out
    return [s, u, vh]


# Outputs s (descending), then u and vh if compute_uv -- the order of JAX's svd_p.
svd_p = linalg_primitive("svd", ("x",), _svd_matrix_rule, _svd_lower, multiple_results=True)


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv, subset_by_index, algorithm):
    (a,), (a_dot,) = primals, tangents
    aval = get_aval(a)
    m, n = aval.shape[-2:]
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            "svd: the derivative of the full matrices u and vh of a non-square matrix is not "
            "implemented (their extra columns are not determined); pass "
            "full_matrices=False.")
    s, u, vh = bind(svd_p, a, full_matrices=False, compute_uv=True,
                    subset_by_index=subset_by_index, algorithm=algorithm)
    k = get_aval(s).shape[-1]
    uh, v = adjoint(u), adjoint(vh)
    ds_matrix = matmul(matmul(uh, a_dot), v)            # U^H A_dot V, k x k
    s_dot = _real_part(_diagonal(ds_matrix))
    if not compute_uv:
        return [s], [s_dot]

    s_row = _as_row(s, k)                                 # s[j] at (i, j)
    s_col = matrix_transpose(s_row)                       # s[i] at (i, j)
    f = _cast(_reciprocal_gaps(mul(add(s_row, s_col), sub(s_row, s_col))), aval.dtype)
    ds_s = mul(_cast(s_row, aval.dtype), ds_matrix)       # dS diag(s)
    s_ds = mul(_cast(s_col, aval.dtype), ds_matrix)       # diag(s) dS
    # 1/s, with 0 where s is 0 (a zero singular value leaves that column's phase free).
    zero = _cast(eq(s, const(s, 0)), get_aval(s).dtype)
    s_inv = sub(div(const(s, 1), add(s, zero)), zero)
    phase = mul(div(sub(ds_matrix, adjoint(ds_matrix)), const(ds_matrix, 2)),
                _cast(_diag_matrix(s_inv), aval.dtype))
    u_dot = matmul(u, add(mul(f, add(ds_s, adjoint(ds_s))), phase))
    v_dot = matmul(v, mul(f, add(s_ds, adjoint(s_ds))))
    if m > n:      # the part of A_dot V outside the span of U
        a_dot_v = matmul(a_dot, v)
        outside = sub(a_dot_v, matmul(u, matmul(uh, a_dot_v)))
        u_dot = add(u_dot, div(outside, _cast(_as_row(s, m), aval.dtype)))
    if n > m:      # the part of A_dot^H U outside the span of V
        a_dot_h_u = matmul(adjoint(a_dot), u)
        outside = sub(a_dot_h_u, matmul(v, matmul(vh, a_dot_h_u)))
        v_dot = add(v_dot, div(outside, _cast(_as_row(s, n), aval.dtype)))
    return [s, u, vh], [s_dot, u_dot, adjoint(v_dot)]


jvp_rules[svd_p] = _svd_jvp

# --------------------------------------------------------------------------- qr

def _qr_matrix_rule(x, *, pivoting, full_matrices, use_magma):
    m, n = x.shape
    k = m if full_matrices else min(m, n)
    q, r = x.update(shape=(m, k)), x.update(shape=(k, n))
    if pivoting:
        # JAX's permutation takes x's weak type too.
        return [q, r, ShapedArray((n,), np.dtype(np.int32), x.weak_type)]
    return [q, r]


def _qr_lower(x, *, pivoting, full_matrices, use_magma):
    return list(lax.linalg.qr(x, pivoting=pivoting, full_matrices=full_matrices,
                              use_magma=use_magma))


# Outputs q, r and, with pivoting, the column permutation p (x[..., p] = q r).
qr_p = linalg_primitive("qr", ("x",), _qr_matrix_rule, _qr_lower, multiple_results=True)



def _thin_qr_jvp(q, r, x_dot):
    """``(q_dot, r_dot)`` of ``x = q r`` with ``q`` m x n, ``r`` n x n (m >= n)."""
    x_dot_r_inv = triangular_solve(r, x_dot, left_side=False, lower=False)
    c = matmul(adjoint(q), x_dot_r_inv)                 # Q^H X_dot R^{-1}
    below = tril(c, -1)
    omega = sub(below, adjoint(below))                   # Q^H Q_dot, skew-Hermitian
    dtype = get_aval(c).dtype
    if dtypes.is_complex(dtype):
        # Q^H Q_dot also has an imaginary diagonal: the one that keeps R's diagonal real.
        omega = add(omega, mul(eye(get_aval(c).shape, dtype), sub(c, _cast(real(c), dtype))))
    q_dot = add(matmul(q, sub(omega, c)), x_dot_r_inv)
    r_dot = matmul(sub(c, omega), r)
    return q_dot, r_dot


def _permute_columns(x, p):
    """``x[..., :, p]`` for a batch of permutations ``p``, as a product with permutation
    matrices (linear in ``x``, so reverse mode needs no scatter)."""
    p_aval = get_aval(p)
    n = p_aval.shape[-1]
    picked = eq(sh.broadcasted_iota(np.int32, p_aval.shape[:-1] + (n, n), p_aval.ndim - 1),
                _as_row(p, n))
    return matmul(x, convert_element_type(picked, get_aval(x).dtype))


def _qr_full_columns(q, q_mn, q_dot):
    """The tangent of the last ``m - n`` columns of a complete ``q`` (m > n), from the
    tangent ``q_dot`` of its first ``n`` columns ``q_mn`` (arXiv:2409.13374, eqs. 32-33)."""
    m, n = get_aval(q_mn).shape[-2:]
    q_top, q_bottom, q_rest = _rows(q_mn, 0, n), _rows(q_mn, n, m), _columns(q, n, m)
    q_dot_top, q_dot_bottom = _rows(q_dot, 0, n), _rows(q_dot, n, m)
    # z = q_bottom (q_top - I)^{-1}, from the solve (q_top - I)^H z^H = q_bottom^H.
    shifted = sub(q_top, eye(get_aval(q_top).shape, get_aval(q_top).dtype))
    z_h = _solve(adjoint(shifted), adjoint(q_bottom))
    z = adjoint(z_h)
    return sub(matmul(q_dot, z_h), matmul(add(q_mn, matmul(q_rest, z)),
                                          adjoint(sub(q_dot_bottom, matmul(z, q_dot_top)))))


def _qr_jvp(primals, tangents, *, pivoting, full_matrices, use_magma):
    (x,), (x_dot,) = primals, tangents
    outs = bind(qr_p, x, pivoting=pivoting, full_matrices=full_matrices, use_magma=use_magma)
    q, r = outs[:2]
    m, n = get_aval(x).shape[-2:]
    last = get_aval(x).ndim - 1
    p_dot = []
    if pivoting:
        # x[..., p] = q r, and the permutation is locally constant.
        x, x_dot = _permute_columns(x, outs[2]), _permute_columns(x_dot, outs[2])
        p_dot = [Zero(tangent_aval(get_aval(outs[2])))]
    if m < n:
        # x = [x1 x2] = q [r1 r2]: x1 = q r1 is a square QR, and r2 = q^H x2.
        q_dot, r1_dot = _thin_qr_jvp(q, _columns(r, 0, m), _columns(x_dot, 0, m))
        r2_dot = add(matmul(adjoint(q_dot), _columns(x, m, n)),
                     matmul(adjoint(q), _columns(x_dot, m, n)))
        return outs, [q_dot, sh.concatenate([r1_dot, r2_dot], last), *p_dot]
    if not full_matrices or m == n:
        return outs, [*_thin_qr_jvp(q, r, x_dot), *p_dot]
    q_mn = _columns(q, 0, n)
    q_dot, r_dot = _thin_qr_jvp(q_mn, _rows(r, 0, n), x_dot)
    q_dot = sh.concatenate([q_dot, _qr_full_columns(q, q_mn, q_dot)], last)
    r_aval = get_aval(r_dot)
    zeros = zeros_like_aval(r_aval.update(shape=r_aval.shape[:-2] + (m - n, n)))
    return outs, [q_dot, sh.concatenate([r_dot, zeros], last - 1), *p_dot]


jvp_rules[qr_p] = _qr_jvp

# --------------------------------------------------------------------------- eig

def _eig_matrix_rule(x, *, compute_left_eigenvectors, compute_right_eigenvectors,
                     enable_eigvec_derivs, implementation):
    x = x.update(dtype=np.result_type(x.dtype, np.complex64))
    n = x.shape[-1]
    count = compute_left_eigenvectors + compute_right_eigenvectors
    return [x.update(shape=(n,))] + [x] * count


def _eig_lower(x, **params):
    return list(lax.linalg.eig(x, **params))


# Outputs the eigenvalues w, then the left (vl) and right (vr) eigenvectors if asked for;
# all complex.  XLA has no eig of its own: JAX runs LAPACK (on CPU) or cuSOLVER/MAGMA.
eig_p = linalg_primitive("eig", ("x",), _eig_matrix_rule, _eig_lower, square=("x",),
                         multiple_results=True)


def _eigenvector_jvp(w, v, a_dot):
    """``(w_dot, v_dot)`` of ``a v = v diag(w)``, under LAPACK's normalisation of ``v``:
    unit columns whose largest-magnitude entry is real."""
    v_aval = get_aval(v)
    n = v_aval.shape[-1]
    f = _reciprocal_gaps(sub(_as_row(w, n), _as_column(w, n)))   # 1 / (w[j] - w[i])
    p = matmul(_solve(v, a_dot), v)                            # V^{-1} A_dot V
    u = matmul(v, mul(f, p))
    # v_dot[:, j] = u[:, j] + c[j] v[:, j]: the two real constraints of the normalisation
    # fix c[j] = -Re(v_j^H u_j) - i Im(u[k, j]) / v[k, j], k the row of v_j's largest entry.
    k = argmax(abs(v), v_aval.ndim - 2, np.int32)
    at_k = convert_element_type(
        eq(sh.broadcasted_iota(np.int32, v_aval.shape, v_aval.ndim - 2), _as_row(k, n)),
        v_aval.dtype)
    rows = (v_aval.ndim - 2,)
    c = complex(neg(real(reduce_sum(mul(conj(v), u), rows))),
                div(neg(imag(reduce_sum(mul(at_k, u), rows))),
                    real(reduce_sum(mul(at_k, v), rows))))
    return _diagonal(p), add(u, mul(v, _as_row(c, n)))


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors,
             enable_eigvec_derivs, implementation):
    (a,), (a_dot,) = primals, tangents
    vectors = compute_left_eigenvectors or compute_right_eigenvectors
    if vectors and not enable_eigvec_derivs:
        raise NotImplementedError(
            "eig: the derivative of non-symmetric eigenvectors holds only for distinct "
            "eigenvalues and eigenvectors without two entries tied for the largest "
            "magnitude, which cannot be checked at trace time. Pass "
            "enable_eigvec_derivs=True to lax.linalg.eig to opt in, or differentiate the "
            "eigenvalues only (jnp.linalg.eigvals).")
    outs = bind(eig_p, a, compute_left_eigenvectors=compute_left_eigenvectors,
                compute_right_eigenvectors=True, enable_eigvec_derivs=enable_eigvec_derivs,
                implementation=implementation)
    w, vr = outs[0], outs[-1]
    a_dot = _cast(a_dot, get_aval(vr).dtype)
    if not vectors:
        # diag(V^{-1} A_dot V), without the n x n product.
        w_dot = reduce_sum(mul(_solve(vr, a_dot), matrix_transpose(vr)),
                           (get_aval(vr).ndim - 1,))
        return [w], [w_dot]
    w_dot, vr_dot = _eigenvector_jvp(w, vr, a_dot)
    primals_out, tangents_out = [w], [w_dot]
    if compute_left_eigenvectors:
        # Left eigenvectors are the right ones of a^H, with eigenvalues conj(w).
        primals_out.append(outs[1])
        tangents_out.append(_eigenvector_jvp(conj(w), outs[1], adjoint(a_dot))[1])
    if compute_right_eigenvectors:
        primals_out.append(vr)
        tangents_out.append(vr_dot)
    return primals_out, tangents_out


jvp_rules[eig_p] = _eig_jvp

# --------------------------------------------------------------------------- geqrf
# LAPACK's QR: r in the upper triangle, the Householder vectors below it, and their scale
# factors taus.  Not differentiable, as in JAX.

def _geqrf_matrix_rule(a):
    return [a, a.update(shape=(min(a.shape),))]


def _geqrf_lower(a):
    # jax.lax.linalg does not export geqrf; jnp.linalg.qr(mode="raw") is JAX's public
    # door to it (it returns the factored matrix transposed).
    h, taus = jax.numpy.linalg.qr(a, mode="raw")
    return [jax.numpy.matrix_transpose(h), taus]


geqrf_p = linalg_primitive("geqrf", ("a",), _geqrf_matrix_rule, _geqrf_lower,
                           multiple_results=True)

# --------------------------------------------------------------------------- reflectors
# householder_product forms Q from geqrf's reflectors; ormqr multiplies a matrix by it
# without forming it.  Neither is differentiable, as in JAX.  Their operands mix matrices
# and a vector per batch element, so they have their own abstract evals and one batching
# rule (every operand's batch axis to the front).

def _check_reflectors(name: str, a: ShapedArray, taus: ShapedArray) -> None:
    check_matrix(name, "a", a)
    if taus.ndim != a.ndim - 1 or taus.shape[:-1] != a.shape[:-2]:
        raise value_error(f"{name}: taus must have shape (..., k) with the batch dimensions "
                          f"of a, got a of shape {a.shape} and taus of shape {taus.shape}.")
    if taus.dtype != a.dtype:
        raise type_error(f"{name}: a and taus must have the same dtype, got {a.dtype} and "
                         f"{taus.dtype}.")
    if taus.shape[-1] > min(a.shape[-2:]):
        raise value_error(f"{name}: taus has {taus.shape[-1]} factors, more than the "
                          f"smaller side of a (shape {a.shape}).")


def _householder_product_abstract_eval(a, taus):
    _check_reflectors("householder_product", a, taus)
    if a.shape[-2] < a.shape[-1]:
        raise value_error(f"householder_product: a must have at least as many rows as "
                          f"columns, got shape {a.shape}.")
    return a.update(weak_type=a.weak_type and taus.weak_type)


def _ormqr_abstract_eval(a, taus, c, *, left, transpose):
    _check_reflectors("ormqr", a, taus)
    check_matrix("ormqr", "c", c)
    if c.dtype != a.dtype:
        raise type_error(f"ormqr: a and c must have the same dtype, got {a.dtype} and "
                         f"{c.dtype}.")
    if c.shape[:-2] != a.shape[:-2]:
        raise value_error(f"ormqr: a and c must have the same batch dimensions, got shapes "
                          f"{a.shape} and {c.shape}.")
    m = a.shape[-2]
    if c.shape[-2 if left else -1] != m:
        side = "rows" if left else "columns"
        raise value_error(f"ormqr: with left={left}, c must have as many {side} as a has "
                          f"rows ({m}), got a of shape {a.shape} and c of shape {c.shape}.")
    return c.update(weak_type=a.weak_type and taus.weak_type and c.weak_type)


householder_product_p = Primitive("householder_product")
register(householder_product_p, _householder_product_abstract_eval,
         lax.linalg.householder_product)
batch_in_front(householder_product_p)

ormqr_p = Primitive("ormqr")
register(ormqr_p, _ormqr_abstract_eval, lax.linalg.ormqr)
batch_in_front(ormqr_p)


# =========================================================================== public API

def eigh(x, *, lower: bool = True, symmetrize_input: bool = True,
         sort_eigenvalues: bool = True, subset_by_index: tuple[int, int] | None = None,
         implementation: EighImplementation | None = None):
    """The eigendecomposition ``(v, w)`` of Hermitian (real symmetric) matrices ``x``,
    batched over leading axes: ``x = v diag(w) v^H``, eigenvalues ``w`` ascending (real),
    eigenvectors in the columns of ``v``.

    ``symmetrize_input`` uses ``(x + x^H) / 2``; without it only the ``lower`` (or upper)
    triangle is read.

    >>> v, w = lax.linalg.eigh(jnp.array([[2., 1.], [1., 2.]]))
    >>> w
    Array([1., 3.], dtype=float32)
    """
    if symmetrize_input:
        x = float_if_integer(x)
    check_matrix("eigh", "x", get_aval(x), square=True)
    if symmetrize_input:
        x = symmetrize(x)
    subset = None if subset_by_index is None else tuple(int(i) for i in subset_by_index)
    v, w = bind(eigh_p, x, lower=bool(lower), sort_eigenvalues=bool(sort_eigenvalues),
                subset_by_index=subset, implementation=implementation)
    return v, w


def svd(x, *, full_matrices: bool = True, compute_uv: bool = True,
        subset_by_index: tuple[int, int] | None = None,
        algorithm: SvdAlgorithm | None = None):
    """The singular value decomposition ``x = u diag(s) vh`` of matrices ``(..., m, n)``:
    ``(u, s, vh)``, or ``s`` alone (descending, real) if not ``compute_uv``.

    ``full_matrices`` makes ``u`` m x m and ``vh`` n x n; otherwise they have
    ``min(m, n)`` columns and rows.

    >>> lax.linalg.svd(jnp.array([[3., 0.], [0., -4.]]), compute_uv=False)
    Array([4., 3.], dtype=float32)
    """
    subset = None if subset_by_index is None else tuple(int(i) for i in subset_by_index)
    outs = bind(svd_p, x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv),
                subset_by_index=subset, algorithm=algorithm)
    if not compute_uv:
        return outs[0]
    s, u, vh = outs
    return u, s, vh


def qr(x, *, pivoting: bool = False, full_matrices: bool = True,
       use_magma: bool | None = None):
    """The QR decomposition ``x = q r`` of matrices ``(..., m, n)``: ``q`` with orthonormal
    columns, ``r`` upper triangular.  ``full_matrices`` makes ``q`` m x m (``r`` m x n);
    otherwise ``k = min(m, n)`` columns (``r`` k x n).  With ``pivoting``, also the column
    permutation ``p`` with ``x[..., p] = q r`` and ``|diag(r)|`` non-increasing.

    >>> q, r = lax.linalg.qr(jnp.array([[3., 1.], [4., 3.]]))
    >>> r
    Array([[-5., -3.],
           [ 0.,  1.]], dtype=float32)
    """
    outs = bind(qr_p, x, pivoting=bool(pivoting), full_matrices=bool(full_matrices),
                use_magma=use_magma)
    return tuple(outs)


def eig(x, *, compute_left_eigenvectors: bool = True, compute_right_eigenvectors: bool = True,
        enable_eigvec_derivs: bool = False, implementation: EigImplementation | None = None,
        use_magma: bool | None = None):
    """The eigendecomposition of general square matrices: ``[w, vl, vr]`` (the ones asked
    for), complex, with ``x vr = vr diag(w)`` and ``vl^H x = diag(w) vl^H``.  The
    eigenvalues are differentiable; the eigenvectors with ``enable_eigvec_derivs``, for
    distinct eigenvalues.  JAX computes it on CPU and GPU only.

    >>> lax.linalg.eig(jnp.array([[2., 0.], [0., 3.]]), compute_left_eigenvectors=False,
    ...                compute_right_eigenvectors=False)
    [Array([2.+0.j, 3.+0.j], dtype=complex64)]
    """
    if use_magma is not None:
        # JAX's deprecated spelling of implementation (with a DeprecationWarning there).
        implementation = EigImplementation.MAGMA if use_magma else EigImplementation.LAPACK
    return bind(eig_p, x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                compute_right_eigenvectors=bool(compute_right_eigenvectors),
                enable_eigvec_derivs=bool(enable_eigvec_derivs),
                implementation=implementation)


def geqrf(a):
    """LAPACK's QR factorization of matrices ``(..., m, n)``: ``(h, taus)``, ``r`` in the
    upper triangle of ``h``, the Householder vectors below it; the form
    :func:`householder_product` turns into ``q``.

    >>> h, taus = lax.linalg.geqrf(jnp.array([[3., 1.], [4., 3.]]))
    >>> jnp.triu(h)
    Array([[-5., -3.],
           [ 0.,  1.]], dtype=float32)
    """
    h, taus = bind(geqrf_p, a)
    return h, taus


def householder_product(a, taus):
    """The product of the Householder reflectors stored below the diagonal of ``a``
    ``(..., m, n)``, ``m >= n``, scaled by ``taus`` ``(..., k)``: the first ``n`` columns
    of ``H_1 ... H_k``.

    >>> h, taus = lax.linalg.geqrf(jnp.array([[3., 1.], [4., 3.]]))
    >>> lax.linalg.householder_product(h, taus)
    Array([[-0.6, -0.8],
           [-0.8,  0.6]], dtype=float32)
    """
    return bind(householder_product_p, a, taus)


def ormqr(a, taus, c, *, left: bool = True, transpose: bool = False):
    """``q @ c`` (``left``) or ``c @ q``, with ``q^H`` for ``transpose``, where ``q`` is
    the product of the Householder reflectors of :func:`geqrf` (``a``, ``taus``) -- without
    forming ``q``.

    >>> h, taus = lax.linalg.geqrf(jnp.array([[3., 1.], [4., 3.]]))
    >>> lax.linalg.ormqr(h, taus, jnp.array([[5.], [0.]]), transpose=True)
    Array([[-3.],
           [-4.]], dtype=float32)
    """
    return bind(ormqr_p, a, taus, c, left=bool(left), transpose=bool(transpose))
