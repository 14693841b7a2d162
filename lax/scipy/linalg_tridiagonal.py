"""``eigh_tridiagonal``: eigenvalues (and eigenvectors) of a Hermitian tridiagonal matrix,
by bisection and inverse iteration, as ``jax.scipy.linalg`` computes them.

* Eigenvalues: the number of eigenvalues below ``x`` is the number of negative pivots in
  the LDL^T factorization of ``T - x I`` (the Sturm count), a recurrence over the
  diagonal.  Every wanted eigenvalue is bisected in parallel, from the Gershgorin
  interval widened a little, until the intervals are narrower than ``eps * |T|`` (or
  ``tol``) -- at most the mantissa's bits plus one halvings.
* Eigenvectors: inverse iteration, ``(T - w I) v_new = v``, for all of them at once
  (``tridiagonal_solve`` batched over the eigenvalues), from random unit vectors (the
  ``key``, fixed by default so results repeat), up to 5 steps, as LAPACK's ``stein``;
  eigenvectors of eigenvalues closer than ``sqrt(eps) |T|`` are re-orthogonalized
  after each step by a QR decomposition of the cluster.
"""
from __future__ import annotations

import numpy as np

import zenax.lax.jnp as jnp
from zenax import lax
from zenax.lax import random
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.indexing import getitem
from zenax.lax.jnp.promotion import ArrayLike, dtype_of, shape_of
from zenax.lax.linalg_family import LINALG_DTYPES
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

__all__ = ["eigh_tridiagonal"]

# LAPACK's stein: at most this many inverse iteration steps, stopping earlier once no
# vector's norm grows by 10%.
_MAX_INVERSE_ITERATIONS = 5
_MIN_NORM_GROWTH = 0.1
# How much wider than the Gershgorin interval the bisection starts.
_FUDGE = 2.1


def _sturm_counts(alpha, beta_sq, pivmin, alpha0_perturbation, x):
    """For each entry of ``x``, how many eigenvalues lie below it: the negative pivots of
    ``T - x I``, tiny pivots replaced by ``-pivmin`` so the recurrence never divides by
    zero."""
    n = shape_of(alpha)[0]
    q = alpha[0] - x
    count = jnp.where(q < 0, jnp.ones(shape_of(x), np.int32), jnp.zeros(shape_of(x), np.int32))
    q = jnp.where(alpha[0] == x, alpha0_perturbation, q)

    def step(i, state):
        q, count = state
        # getitem, not []: alpha is one of JAX's tracers when this runs compiled.
        q = getitem(alpha, i) - getitem(beta_sq, i - 1) / q - x
        tiny = q <= pivmin
        return jnp.where(tiny, jnp.minimum(q, -pivmin), q), jnp.where(tiny, count + 1, count)

    return lax.fori_loop(1, n, step, (q, count))[1]


def _orthogonalize_clusters(v, starts, ends, num_clusters):
    """Orthonormalize the rows of ``v`` within each run ``starts[c]:ends[c]`` (a cluster of
    close eigenvalues) by a QR decomposition of the run, masked to a static size."""
    k, n = shape_of(v)
    index = jnp.arange(k)

    def one_cluster(c, v):
        start, end = getitem(starts, c), getitem(ends, c)
        inside = (index < end - start).astype(dtype_of(v))
        block = lax.dynamic_slice(jnp.pad(v, ((0, k), (0, 0))), (start, 0), (k, n))
        q, _ = jnp.linalg.qr((block * inside[:, None]).T)
        update = lax.dynamic_update_slice(jnp.zeros((2 * k, n), dtype=dtype_of(v)),
                                          q.T * inside[:, None], (start, 0))[:k, :]
        in_cluster = (index >= start) & (index < end)
        return jnp.where(in_cluster[:, None], update, v)

    return lax.fori_loop(0, num_clusters, one_cluster, v)


def _eigenvectors(alpha, beta, eigvals, key):
    """The eigenvectors (rows) of the tridiagonal matrix for ``eigvals`` (ascending), by
    inverse iteration from random vectors."""
    n, k = shape_of(alpha)[0], shape_of(eigvals)[0]
    dl, du = jnp.pad(jnp.conj(beta), (1, 0)), jnp.pad(beta, (0, 1))

    # Runs of eigenvalues closer than sqrt(eps) |T| to their neighbours.
    gap = eigvals[1:] - eigvals[:-1]
    t_norm = jnp.maximum(jnp.abs(eigvals[0]), jnp.abs(eigvals[-1]))
    close = gap < np.sqrt(np.finfo(dtype_of(eigvals)).eps) * t_norm
    left_close = jnp.pad(close, (1, 0), constant_values=False)
    right_close = jnp.pad(close, (0, 1), constant_values=False)
    run_start = jnp.logical_and(jnp.logical_not(left_close), right_close)
    run_end = jnp.logical_and(left_close, jnp.logical_not(right_close))
    max_clusters = k // 2 + 1
    starts = jnp.nonzero(run_start, size=max_clusters)[0]
    ends = jnp.nonzero(run_end, size=max_clusters)[0] + 1
    num_clusters = jnp.sum(run_start)

    solve_dtype = jnp.result_type(dtype_of(alpha), dtype_of(beta))
    real_dtype = np.finfo(solve_dtype).dtype
    v = random.normal(key, (k, n), dtype=real_dtype).astype(solve_dtype)
    v = v / jnp.linalg.norm(v, axis=-1, keepdims=True).astype(solve_dtype)

    shifted = alpha[None, :] - eigvals[:, None]
    dl_k = jnp.broadcast_to(dl[None, :], (k, n)).astype(solve_dtype)
    du_k = jnp.broadcast_to(du[None, :], (k, n)).astype(solve_dtype)

    def step(state):
        i, v, norm, _ = state
        v_new = lax.linalg.tridiagonal_solve(dl_k, shifted.astype(solve_dtype), du_k,
                                             v[:, :, None].astype(solve_dtype),
                                             perturb_singular=True)[:, :, 0]
        norm_new = jnp.linalg.norm(v_new, axis=-1, keepdims=True)
        v_new = v_new / norm_new.astype(dtype_of(v_new))
        v_new = _orthogonalize_clusters(v_new, starts, ends, num_clusters)
        return i + 1, v_new, norm_new[:, 0], norm

    def growing(state):
        i, _, norm, norm_old = state
        return jnp.logical_and(i < _MAX_INVERSE_ITERATIONS,
                               jnp.any(norm >= (1 + _MIN_NORM_GROWTH) * norm_old))

    init = (0, v, jnp.ones(k, dtype=dtype_of(eigvals)), jnp.zeros(k, dtype=dtype_of(eigvals)))
    return lax.while_loop(growing, step, init)[1]


@compiled_when_eager(n_arrays=2, static_argnames=("eigvals_only", "select", "select_range"))
def eigh_tridiagonal(d: ArrayLike, e: ArrayLike, *, eigvals_only: bool = False,
                     select: str = "a", select_range: tuple[float, float] | None = None,
                     tol: float | None = None, key=None):
    """Eigenvalues (ascending) and, unless ``eigvals_only``, eigenvectors (columns) of the
    Hermitian tridiagonal matrix with diagonal ``d`` and off-diagonal ``e``.  ``select``
    ``'a'`` gives all, ``'i'`` those with indices ``select_range[0] .. select_range[1]``;
    ``tol`` is the absolute tolerance of the eigenvalues; ``key`` seeds the inverse
    iteration's random start (``random.key(42)`` by default).

    >>> zenax.scipy.linalg.eigh_tridiagonal(jnp.array([2., 2.]), jnp.array([1.]),
    ...                                     eigvals_only=True)
    Array([0.9999999, 3.       ], dtype=float32)
    """
    if not eigvals_only and key is None:
        key = random.key(42)
    alpha, beta = jnp.asarray(d), jnp.asarray(e)
    if dtype_of(alpha) != dtype_of(beta):
        raise TypeError(f"eigh_tridiagonal: the diagonal and off-diagonal must have the same "
                        f"dtype, got {dtype_of(alpha)} and {dtype_of(beta)} "
                        f"(at {user_frame_str()})")
    if dtype_of(alpha) not in LINALG_DTYPES:
        raise TypeError(f"eigh_tridiagonal: only float32, float64, complex64 and complex128 "
                        f"inputs are supported, got {dtype_of(alpha)} and {dtype_of(beta)} "
                        f"(at {user_frame_str()})")
    n = shape_of(alpha)[0]
    if n <= 1:
        return (jnp.real(alpha) if eigvals_only
                else (jnp.real(alpha), jnp.eye(n, dtype=dtype_of(alpha))))
    if _dtypes.is_complex(dtype_of(alpha)):
        alpha = jnp.real(alpha)
        beta_sq = jnp.real(beta * jnp.conj(beta))
        beta_abs = jnp.sqrt(beta_sq)
    else:
        beta_abs, beta_sq = jnp.abs(beta), jnp.square(beta)

    # Gershgorin bounds on the eigenvalues, and an upper bound on |T|_2.
    row_sums = jnp.concatenate([beta_abs[:1], beta_abs[:-1] + beta_abs[1:], beta_abs[-1:]])
    est_max, est_min = jnp.amax(alpha + row_sums), jnp.amin(alpha - row_sums)
    t_norm = jnp.maximum(jnp.abs(est_min), jnp.abs(est_max))

    finfo = np.finfo(dtype_of(alpha))
    one = np.ones([], dtype=dtype_of(alpha))
    # The smallest pivot the Sturm recurrence allows, to keep it from overflowing.
    safemin = np.maximum(one / finfo.max, (one + finfo.eps) * finfo.tiny)
    pivmin = safemin * jnp.maximum(1, jnp.amax(beta_sq))
    alpha0_perturbation = jnp.square(finfo.eps * beta_abs[0])
    abs_tol = finfo.eps * t_norm
    if tol is not None:
        abs_tol = jnp.maximum(tol, abs_tol)
    max_iterations = finfo.nmant + 1

    if select == "a":
        targets = jnp.arange(n, dtype=np.int32)
    elif select == "i":
        if select_range is None:
            raise ValueError(f"eigh_tridiagonal: for select='i', select_range must be "
                             f"given (at {user_frame_str()})")
        if select_range[0] > select_range[1]:
            raise ValueError(f"eigh_tridiagonal: empty index range in select_range="
                             f"{select_range} (at {user_frame_str()})")
        targets = jnp.arange(select_range[0], select_range[1] + 1, dtype=np.int32)
    elif select == "v":
        raise NotImplementedError("eigh_tridiagonal: select='v' is not implemented (its "
                                  "output size depends on the values), as in JAX.")
    else:
        raise ValueError(f"eigh_tridiagonal: select must be one of 'a', 'i' or 'v', got "
                         f"{select!r} (at {user_frame_str()})")

    slack = jnp.array(n, dtype_of(alpha)) * _FUDGE * finfo.eps * t_norm
    shape = shape_of(targets)
    lower = jnp.broadcast_to(est_min - slack - 2 * _FUDGE * pivmin, shape)
    upper = jnp.broadcast_to(est_max + slack + _FUDGE * pivmin, shape)
    mid = 0.5 * (upper + lower)
    pivmin = jnp.broadcast_to(pivmin, shape)
    alpha0_perturbation = jnp.broadcast_to(alpha0_perturbation, shape)

    def unconverged(state):
        i, lower, _, upper = state
        return jnp.logical_and(i < max_iterations, abs_tol < jnp.amax(upper - lower))

    def bisect(state):
        i, lower, mid, upper = state
        counts = _sturm_counts(alpha, beta_sq, pivmin, alpha0_perturbation, mid)
        lower = jnp.where(counts <= targets, mid, lower)
        upper = jnp.where(counts > targets, mid, upper)
        return i + 1, lower, 0.5 * (lower + upper), upper

    _, _, eigvals, _ = lax.while_loop(unconverged, bisect, (0, lower, mid, upper))
    if eigvals_only:
        return eigvals
    return eigvals, _eigenvectors(alpha, beta, eigvals, key).T


compile_marked(globals())
