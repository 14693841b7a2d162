"""zenax.scipy.sparse.linalg: the Krylov solvers ``cg``, ``gmres`` and ``bicgstab``.

Each solves ``A x = b`` for a square linear operator ``A`` given as a matrix or as a
function (a matrix-free ``matvec``), with ``b`` and ``x`` any pytree of arrays.  The
iterations are ``while_loop``s that stop once ``norm(residual) <= max(tol * norm(b),
atol)`` (SciPy's current, non-legacy tolerance) or after ``maxiter`` steps; they follow
JAX's algorithms step for step, so the iterates are JAX's.

The solve is wrapped in ``lax.custom_linear_solve``: derivatives with respect to ``b``
and to what ``A`` closes over are those of the exact solution (another solve, with the
transposed operator for reverse mode), never the derivative of the iterations.  They are
as accurate as the solves are converged.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax import elementwise as ew
from zenax.lax import linalg as lax_linalg
from zenax.lax.custom_solvers import custom_linear_solve
from zenax.lax.eager import is_concrete_array
from zenax.lax.jnp.promotion import lattice_result_type
from zenax.lax.scipy.linalg_solvers import solve as dense_solve
from zenax.tracer.core import Tracer, get_aval
from zenax.tracer.tree_util import tree_leaves, tree_map, tree_reduce, tree_structure

__all__ = ["bicgstab", "cg", "gmres"]

# Reductions over the Krylov vectors run at full float32 precision on every backend.
_dot = functools.partial(jnp.dot, precision="highest")
_vdot = functools.partial(jnp.vdot, precision="highest")
_einsum = functools.partial(jnp.einsum, precision="highest")


# --------------------------------------------------------------------------- pytree algebra

def _sum(values):
    return functools.reduce(jnp.add, values)


def _vdot_real_part(x, y):
    """``Re <x, y>`` without the imaginary cross terms: the solvers only take it of
    ``<z, M z>`` with ``M`` Hermitian, which is real."""
    result = _vdot(jnp.real(x), jnp.real(y))
    if jnp.iscomplexobj(x) or jnp.iscomplexobj(y):
        result = jnp.add(result, _vdot(jnp.imag(x), jnp.imag(y)))
    return result


def _vdot_real_tree(x, y):
    return _sum(tree_leaves(tree_map(_vdot_real_part, x, y)))


def _vdot_tree(x, y):
    return _sum(tree_leaves(tree_map(_vdot, x, y)))


def _norm(x):
    xs = tree_leaves(x)
    return jnp.sqrt(_sum([_vdot_real_part(v, v) for v in xs]))


def _mul(scalar, tree):
    return tree_map(lambda x: jnp.multiply(scalar, x), tree)


def _add(x, y):
    return tree_map(jnp.add, x, y)


def _sub(x, y):
    return tree_map(jnp.subtract, x, y)


def _identity(x):
    return x


def _normalize_matvec(f, name: str) -> Callable:
    """The operator argument ``f`` (a function, a square matrix, or an object with
    ``@``) as a function."""
    if callable(f):
        return f
    if isinstance(f, Tracer) or is_concrete_array(f):
        shape = get_aval(f).shape
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"{name}: linear operator must be a square matrix, but has "
                             f"shape: {shape}")
        return functools.partial(_dot, f)
    if hasattr(f, "__matmul__"):
        shape = getattr(f, "shape", None)
        if shape is not None and (len(shape) != 2 or shape[0] != shape[1]):
            raise ValueError(f"{name}: linear operator must be a square matrix, but has "
                             f"shape: {shape}")
        return lambda x: f @ x
    raise TypeError(f"{name}: linear operator must be either a function or ndarray: {f}")


def _shapes(tree) -> list:
    return [get_aval(x).shape for x in tree_leaves(tree)]


def _prepare(name: str, A, b, x0, M, check_shapes: bool = True):
    """Check and normalize the common arguments: ``(A, b, x0, M)`` with the operators as
    functions, ``b`` and ``x0`` as arrays (``x0`` zeros by default).  (JAX's gmres does
    not compare ``x0``'s shapes with ``b``'s: a mismatch fails in ``A(x0)``.)"""
    b = tree_map(jnp.asarray, b)
    x0 = tree_map(jnp.zeros_like, b) if x0 is None else tree_map(jnp.asarray, x0)
    A = _normalize_matvec(A, name)
    M = _identity if M is None else _normalize_matvec(M, name)
    if tree_structure(x0) != tree_structure(b):
        raise ValueError(f"{name}: x0 and b must have matching tree structure: "
                         f"{tree_structure(x0)} vs {tree_structure(b)}")
    if check_shapes and _shapes(x0) != _shapes(b):
        raise ValueError(f"{name}: arrays in x0 and b must have matching shapes: "
                         f"{_shapes(x0)} vs {_shapes(b)}")
    return A, b, x0, M


def _size(b) -> int:
    return sum(int(np.prod(get_aval(x).shape)) for x in tree_leaves(b))


# --------------------------------------------------------------------------- cg, bicgstab

def _cg_solve(A, b, x0, *, maxiter, tol, atol, M):
    # https://en.wikipedia.org/wiki/Conjugate_gradient_method (preconditioned form)
    bs = _vdot_real_tree(b, b)
    atol2 = jnp.maximum(jnp.multiply(jnp.square(tol), bs), jnp.square(atol))

    def cond_fun(value):
        _, r, gamma, _, k = value
        rs = jnp.real(gamma) if M is _identity else _vdot_real_tree(r, r)
        return (rs > atol2) & (k < maxiter)

    def body_fun(value):
        x, r, gamma, p, k = value
        Ap = A(p)
        alpha = gamma / _vdot_real_tree(p, Ap).astype(dtype)
        x_ = _add(x, _mul(alpha, p))
        r_ = _sub(r, _mul(alpha, Ap))
        z_ = M(r_)
        gamma_ = _vdot_real_tree(r_, z_).astype(dtype)
        beta_ = gamma_ / gamma
        p_ = _add(z_, _mul(beta_, p))
        return x_, r_, gamma_, p_, k + 1

    r0 = _sub(b, A(x0))
    p0 = z0 = M(r0)
    dtype = jnp.result_type(*tree_leaves(p0))
    gamma0 = _vdot_real_tree(r0, z0).astype(dtype)
    x_final, *_ = lax.while_loop(cond_fun, body_fun, (x0, r0, gamma0, p0, 0))
    return x_final


def _bicgstab_solve(A, b, x0, *, maxiter, tol, atol, M):
    # https://en.wikipedia.org/wiki/Biconjugate_gradient_stabilized_method (preconditioned)
    bs = _vdot_real_tree(b, b)
    atol2 = jnp.maximum(jnp.multiply(jnp.square(tol), bs), jnp.square(atol))

    def cond_fun(value):
        _, r, *_, k = value
        # k < 0 flags a breakdown (rho, alpha or omega became zero).
        return (_vdot_real_tree(r, r) > atol2) & (k < maxiter) & (k >= 0)

    def body_fun(value):
        x, r, rhat, alpha, omega, rho, p, q, k = value
        rho_ = _vdot_tree(rhat, r)
        beta = rho_ / rho * alpha / omega
        p_ = _add(r, _mul(beta, _sub(p, _mul(omega, q))))
        phat = M(p_)
        q_ = A(phat)
        alpha_ = rho_ / _vdot_tree(rhat, q_)
        s = _sub(r, _mul(alpha_, q_))
        exit_early = _vdot_real_tree(s, s) < atol2
        shat = M(s)
        t = A(shat)
        omega_ = _vdot_tree(t, s) / _vdot_tree(t, t)
        x_ = tree_map(functools.partial(jnp.where, exit_early),
                      _add(x, _mul(alpha_, phat)),
                      _add(x, _add(_mul(alpha_, phat), _mul(omega_, shat))))
        r_ = tree_map(functools.partial(jnp.where, exit_early), s, _sub(s, _mul(omega_, t)))
        k_ = jnp.where((omega_ == 0) | (alpha_ == 0), -11, k + 1)
        k_ = jnp.where(rho_ == 0, -10, k_)
        return x_, r_, rhat, alpha_, omega_, rho_, p_, q_, k_

    r0 = _sub(b, A(x0))
    one = ew._convert_element_type(1, *lattice_result_type(*tree_leaves(b)))
    init = (x0, r0, r0, one, one, one, r0, r0, 0)
    x_final, *_ = lax.while_loop(cond_fun, body_fun, init)
    return x_final


def _isolve(name, solve_fun, A, b, x0, *, tol, atol, maxiter, M, check_symmetric=False):
    A, b, x0, M = _prepare(name, A, b, x0, M)
    if maxiter is None:
        maxiter = 10 * _size(b)     # SciPy's default
    solve = functools.partial(solve_fun, x0=x0, tol=tol, atol=atol, maxiter=maxiter, M=M)
    # A real operator that cg accepts is symmetric (positive definite): the same solve
    # serves for the transpose.
    symmetric = check_symmetric and not any(jnp.iscomplexobj(x) for x in tree_leaves(b))
    x = custom_linear_solve(A, b, solve=solve, transpose_solve=solve, symmetric=symmetric)
    return x, None


def cg(A: Any, b: Any, x0: Any = None, *, tol: float = 1e-5, atol: float = 0.0,
       maxiter: int | None = None, M: Any = None):
    """Solve ``A x = b`` for Hermitian positive-definite ``A`` by conjugate gradients.

    ``A`` (and the preconditioner ``M``, an approximation of ``A^-1``) is a square matrix
    or a function computing ``A(x)``; ``b`` may be any pytree of arrays.  Iterates until
    ``norm(b - A x) <= max(tol * norm(b), atol)`` or ``maxiter`` steps (default
    ``10 * size(b)``).  Returns ``(x, None)``; derivatives are implicit (one more ``cg``
    solve).

    >>> A = jnp.array([[4., 1.], [1., 3.]])
    >>> x, info = zenax.scipy.sparse.linalg.cg(A, jnp.array([6., 7.]))
    >>> jnp.round(x, 3)
    Array([1., 2.], dtype=float32)
    """
    return _isolve("cg", _cg_solve, A, b, x0, tol=tol, atol=atol, maxiter=maxiter, M=M,
                   check_symmetric=True)


def bicgstab(A: Any, b: Any, x0: Any = None, *, tol: float = 1e-5, atol: float = 0.0,
             maxiter: int | None = None, M: Any = None):
    """Solve ``A x = b`` for a general square ``A`` by BiCGSTAB (stabilized biconjugate
    gradients).

    Arguments as :func:`cg`; ``A`` need not be symmetric.  Returns ``(x, None)``;
    derivatives are implicit (one more ``bicgstab`` solve, with ``A``'s transpose for
    reverse mode).

    >>> A = jnp.array([[4., 1.], [2., 3.]])
    >>> x, info = zenax.scipy.sparse.linalg.bicgstab(A, jnp.array([6., 8.]))
    >>> jnp.round(x, 3)
    Array([1., 2.], dtype=float32)
    """
    return _isolve("bicgstab", _bicgstab_solve, A, b, x0, tol=tol, atol=atol,
                   maxiter=maxiter, M=M)


# --------------------------------------------------------------------------- gmres

def _safe_normalize(x, thresh=None):
    """``(x / norm(x), norm(x))``, or zeros and 0 where the norm is at most ``thresh``
    (the dtype's epsilon by default)."""
    norm = _norm(x)
    dtype, weak_type = lattice_result_type(*tree_leaves(x))
    if thresh is None:
        thresh = jnp.finfo(get_aval(norm).dtype).eps
    thresh = jnp.real(jnp.astype(thresh, dtype))
    use_norm = norm > thresh
    norm_cast = ew._convert_element_type(norm, dtype, weak_type)
    normalized = tree_map(lambda y: jnp.where(use_norm, y / norm_cast, 0.0), x)
    return normalized, jnp.where(use_norm, norm, 0.0)


def _project_on_columns(Q, v):
    """``Q^H v``, ``Q``'s columns being the last axis of each leaf."""
    parts = tree_map(lambda X, y: _einsum("...n,...->n", jnp.conj(X), y), Q, v)
    return tree_reduce(jnp.add, parts)


def _iterative_classical_gram_schmidt(Q, x, xnorm, max_iterations=2):
    """Orthogonalize ``x`` against the (orthonormal) columns of ``Q``: returns ``q``
    orthogonal to them with ``x`` in ``span(Q, q)``, and the overlaps ``r``.  Classical
    Gram-Schmidt, repeated ("twice is enough") while ``norm(r) < norm(x) / sqrt(2)``."""
    Q0 = tree_leaves(Q)[0]
    r = jnp.zeros(get_aval(Q0).shape[-1], dtype=get_aval(Q0).dtype)
    q = x
    xnorm_scaled = xnorm / jnp.sqrt(2.0)

    def body_function(carry):
        k, q, r, qnorm_scaled = carry
        h = _project_on_columns(Q, q)
        q = _sub(q, tree_map(lambda X: _dot(X, h), Q))
        r = _add(r, h)

        def qnorm_cond(carry):
            k, not_done, _, _ = carry
            return jnp.logical_and(not_done, k < (max_iterations - 1))

        def qnorm(carry):
            k, _, q, qnorm_scaled = carry
            _, qnorm = _safe_normalize(q)
            return (k, False, q, qnorm / jnp.sqrt(2.0))

        _, _, q, qnorm_scaled = lax.while_loop(qnorm_cond, qnorm, (k, True, q, qnorm_scaled))
        return (k + 1, q, r, qnorm_scaled)

    def cond_function(carry):
        k, _, r, qnorm_scaled = carry
        _, rnorm = _safe_normalize(r)
        return jnp.logical_and(k < (max_iterations - 1), rnorm < qnorm_scaled)

    k, q, r, qnorm_scaled = body_function((0, q, r, xnorm_scaled))
    k, q, r, _ = lax.while_loop(cond_function, body_function, (k, q, r, qnorm_scaled))
    return q, r


def _kth_arnoldi_iteration(k, A, M, V, H):
    """Step ``k`` of Arnoldi: the new Krylov vector ``M(A(V[:, k]))``, orthonormalized
    against ``V``, goes to ``V[:, k + 1]`` and its overlaps to ``H[k, :]``.  A vector
    whose norm falls below ``eps`` times its norm before orthogonalization means an
    invariant subspace was found (breakdown): it is taken as zero."""
    dtype, _ = lattice_result_type(*tree_leaves(V))
    eps = jnp.finfo(dtype).eps
    v = tree_map(lambda X: X[..., k], V)
    v = M(A(v))
    _, v_norm_0 = _safe_normalize(v)
    v, h = _iterative_classical_gram_schmidt(V, v, v_norm_0, max_iterations=2)
    unit_v, v_norm_1 = _safe_normalize(v, thresh=jnp.multiply(eps, v_norm_0))
    V = tree_map(lambda X, y: X.at[..., k + 1].set(y), V, unit_v)
    h = h.at[k + 1].set(v_norm_1.astype(dtype))
    H = H.at[k, :].set(h)
    return V, H, v_norm_1 == 0.


def _rotate_vectors(H, i, cs, sn):
    x1, y1 = H[i], H[i + 1]
    H = H.at[i].set(jnp.conj(cs) * x1 - jnp.conj(sn) * y1)
    return H.at[i + 1].set(sn * x1 + cs * y1)


def _givens_rotation(a, b):
    b_zero = jnp.abs(b) == 0
    a_lt_b = jnp.abs(a) < jnp.abs(b)
    t = -jnp.where(a_lt_b, a, b) / jnp.where(a_lt_b, b, a)
    r = lax.rsqrt(1 + jnp.abs(t) ** 2).astype(get_aval(t).dtype)
    cs = jnp.where(b_zero, 1, jnp.where(a_lt_b, r * t, r))
    sn = jnp.where(b_zero, 0, jnp.where(a_lt_b, r, r * t))
    return cs, sn


def _apply_givens_rotations(H_row, givens, k):
    """Apply the rotations ``givens[:k]`` to ``H_row``, then the new one that zeroes
    its element ``k + 1``; returns the row and the rotations."""
    R_row = lax.fori_loop(0, k, lambda i, row: _rotate_vectors(row, i, givens[i, 0],
                                                               givens[i, 1]), H_row)
    factors = _givens_rotation(R_row[k], R_row[k + 1])
    givens = givens.at[k, :].set(jnp.stack(factors))
    return _rotate_vectors(R_row, k, *factors), givens


def _gmres_incremental(A, b, x0, unit_residual, residual_norm, ptol, restart, M):
    """One restart of GMRES, factoring the Hessenberg matrix by Givens rotations as the
    Krylov space grows (so it can stop early once the residual estimate is below
    ``ptol``)."""
    V = tree_map(lambda x: jnp.pad(x[..., None], ((0, 0),) * x.ndim + ((0, restart),)),
                 unit_residual)
    dtype = jnp.result_type(*tree_leaves(b))
    # The identity rows keep R nonsingular when the loop stops early.
    R = jnp.eye(restart, restart + 1, dtype=dtype)
    givens = jnp.zeros((restart, 2), dtype=dtype)
    beta_vec = jnp.zeros((restart + 1), dtype=dtype).at[0].set(residual_norm.astype(dtype))

    def loop_cond(carry):
        k, err, _, _, _, _ = carry
        return jnp.logical_and(k < restart, err > ptol)

    def arnoldi_qr_step(carry):
        k, _, V, R, beta_vec, givens = carry
        V, H, _ = _kth_arnoldi_iteration(k, A, M, V, R)
        R_row, givens = _apply_givens_rotations(H[k, :], givens, k)
        R = R.at[k, :].set(R_row)
        beta_vec = _rotate_vectors(beta_vec, k, givens[k, 0], givens[k, 1])
        return k + 1, jnp.abs(beta_vec[k + 1]), V, R, beta_vec, givens

    carry = lax.while_loop(loop_cond, arnoldi_qr_step,
                           (0, residual_norm, V, R, beta_vec, givens))
    _, _, V, R, beta_vec, _ = carry
    y = lax_linalg.triangular_solve(R[:, :-1].T, beta_vec[:-1], left_side=True, lower=False)
    x = _add(x0, tree_map(lambda X: _dot(X[..., :-1], y), V))
    unit_residual, residual_norm = _safe_normalize(M(_sub(b, A(x))))
    return x, unit_residual, residual_norm


def _lstsq(a, b):
    """Least squares by the normal equations ``a^H a y = a^H b`` (as JAX's)."""
    a_h = jnp.conj(a.T)
    return dense_solve(_dot(a_h, a), _dot(a_h, b), assume_a="pos")


def _gmres_batched(A, b, x0, unit_residual, residual_norm, ptol, restart, M):
    """One restart of GMRES: the whole Arnoldi process, then one dense least-squares
    solve (less overhead on accelerators; no early stop within a restart)."""
    V = tree_map(lambda x: jnp.pad(x[..., None], ((0, 0),) * x.ndim + ((0, restart),)),
                 unit_residual)
    dtype, weak_type = lattice_result_type(*tree_leaves(b))
    H = ew._convert_element_type(jnp.eye(restart, restart + 1, dtype=dtype), dtype, weak_type)

    def loop_cond(carry):
        _, _, breakdown, k = carry
        return jnp.logical_and(k < restart, jnp.logical_not(breakdown))

    def arnoldi_process(carry):
        V, H, _, k = carry
        V, H, breakdown = _kth_arnoldi_iteration(k, A, M, V, H)
        return V, H, breakdown, k + 1

    V, H, _, _ = lax.while_loop(loop_cond, arnoldi_process, (V, H, False, 0))
    beta_vec = jnp.zeros_like(H, shape=(restart + 1,)).at[0].set(residual_norm.astype(dtype))
    y = _lstsq(H.T, beta_vec)
    x = _add(x0, tree_map(lambda X: _dot(X[..., :-1], y), V))
    unit_residual, residual_norm = _safe_normalize(M(_sub(b, A(x))))
    return x, unit_residual, residual_norm


def _gmres_solve(A, b, x0, atol, ptol, restart, maxiter, M, gmres_func):
    """Restart GMRES from the last solution until ``norm(M(b - A x)) <= atol`` or
    ``maxiter`` restarts."""
    unit_residual, residual_norm = _safe_normalize(M(_sub(b, A(x0))))

    def cond_fun(value):
        _, k, _, residual_norm = value
        return jnp.logical_and(k < maxiter, residual_norm > atol)

    def body_fun(value):
        x, k, unit_residual, residual_norm = value
        x, unit_residual, residual_norm = gmres_func(A, b, x, unit_residual, residual_norm,
                                                     ptol, restart, M)
        return x, k + 1, unit_residual, residual_norm

    x_final, *_ = lax.while_loop(cond_fun, body_fun, (x0, 0, unit_residual, residual_norm))
    return x_final


def gmres(A: Any, b: Any, x0: Any = None, *, tol: float = 1e-5, atol: float = 0.0,
          restart: int = 20, maxiter: int | None = None, M: Any = None,
          solve_method: str = "batched"):
    """Solve ``A x = b`` for a general square ``A`` by restarted GMRES.

    Each restart projects the solution onto a Krylov space of dimension ``restart``
    (``maxiter`` restarts at most, default ``10 * size(b)``) until
    ``norm(b - A x) <= max(tol * norm(b), atol)``.  ``solve_method='incremental'``
    factors the projected problem by Givens rotations as it grows (and may stop within a
    restart); ``'batched'`` solves it once per restart.  ``A`` and the preconditioner
    ``M`` are matrices or functions; ``b`` any pytree.  Returns ``(x, info)`` with
    ``info`` -1 where ``x`` has NaNs, else 0; derivatives are implicit.

    >>> A = jnp.array([[4., 1.], [2., 3.]])
    >>> x, info = zenax.scipy.sparse.linalg.gmres(A, jnp.array([6., 8.]))
    >>> print(jnp.round(x, 3), info)
    [1. 2.] 0
    """
    if solve_method == "incremental":
        gmres_func = _gmres_incremental
    elif solve_method == "batched":
        gmres_func = _gmres_batched
    else:
        raise ValueError(f"gmres: invalid solve_method {solve_method}, must be either "
                         "'incremental' or 'batched'")
    A, b, x0, M = _prepare("gmres", A, b, x0, M, check_shapes=False)
    size = _size(b)
    if maxiter is None:
        maxiter = 10 * size     # SciPy's default
    restart = min(restart, size)
    b_norm = _norm(b)
    atol = jnp.maximum(jnp.multiply(tol, b_norm), atol)
    ptol = jnp.multiply(_norm(M(b)), jnp.minimum(1.0, jnp.divide(atol, b_norm)))

    def solve(A_, b_):
        return _gmres_solve(A_, b_, x0, atol, ptol, restart, maxiter, M, gmres_func)

    x = custom_linear_solve(A, b, solve=solve, transpose_solve=solve)
    info = jnp.where(jnp.isnan(_norm(x)), -1, 0)
    return x, info
