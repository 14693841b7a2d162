"""Functions of matrices with JAX's algorithms: ``expm`` and its Fréchet derivative
``expm_frechet``, ``sqrtm``, ``funm``, ``polar`` and ``solve_sylvester``.

* ``expm`` is scaling and squaring with a Padé approximant (Higham 2005): ``A`` is scaled
  by ``2^-s`` until its 1-norm is below the largest that the degree-13 (float64) or
  degree-7 (float32) approximant ``r = q(A)^{-1} p(A)`` handles, the smallest degree
  that suffices for the norm is picked, and ``r`` is squared ``s`` times.  The degree
  and ``s`` are piecewise constant in ``A``, so its derivative is that of the chosen
  polynomial, solve and squarings -- what differentiating the composition gives, which
  is also what JAX does (it declares no rule of its own).
* ``expm_frechet(A, E)`` is that derivative in direction ``E``: the ``jvp`` of ``expm``,
  as JAX's -- a transform this layer sits below, which ``zenax.transforms`` hands down
  (``lax.custom_solvers._transform``).
* ``sqrtm`` and ``funm`` work on the complex Schur form ``A = Z T Z^H``: ``f(T)`` is upper
  triangular, its diagonal ``f(diag(T))``, and the entries above are filled in one
  superdiagonal at a time from ``f(T) T = T f(T)`` (Björck & Hammarling 1983 for the
  square root; Parlett's recurrence, Golub & Van Loan algorithm 11.1.1, for ``funm``).
* ``polar`` is ``lax.linalg.qdwh`` (or an SVD); ``solve_sylvester`` triangularizes both
  sides by Schur decompositions and back-substitutes (Bartels & Stewart 1972), or
  diagonalizes them (``method='eigen'``).
"""
from __future__ import annotations

import functools
import operator
from typing import Callable

import numpy as np

import zenax.lax.jnp as jnp
from zenax import lax
from zenax.lax.custom_solvers import _transform
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.indexing import getitem
from zenax.lax.jnp.linalg_solve import is_square
from zenax.lax.jnp.promotion import (ArrayLike, dtype_of, ndim_of, promote_dtypes_inexact,
                                     shape_of)
from zenax.lax.registry import value_error
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .linalg_decompositions import rsf2csf, schur
from .linalg_solvers import solve_triangular

__all__ = ["expm", "expm_frechet", "funm", "polar", "solve_sylvester", "sqrtm"]

_HIGHEST = "highest"

# Loop bodies index the arrays they close over with ``getitem(x, idx)``, not ``x[idx]``:
# when the function runs compiled, those arrays are JAX's tracers, whose ``[]`` does not
# take a zenax loop index.


# --------------------------------------------------------------------------- expm

def _precise_dot(x, y):
    return jnp.dot(x, y, precision=_HIGHEST)


def _sum(*terms):
    """``terms[0] + terms[1] + ...``, left to right (the rounding JAX's expression has)."""
    return functools.reduce(operator.add, terms)


# The Padé coefficients b_0 ... b_m of degree m (Higham 2005, table 10.4).
_PADE = {
    3: (120., 60., 12., 1.),
    5: (30240., 15120., 3360., 420., 30., 1.),
    7: (17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.),
    9: (17643225600., 8821612800., 2075673600., 302702400., 30270240., 2162160., 110880.,
        3960., 90., 1.),
    13: (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
         129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
         40840800., 960960., 16380., 182., 1.),
}
# By dtype: the 1-norm bound up to which a scaled A needs no more squarings, the norms
# below which each lower degree is accurate enough, and the degrees.
_PADE_CHOICE = {
    "double": (5.371920351148152, (1.495585217958292e-002, 2.539398330063230e-001,
                                   9.504178996162932e-001, 2.097847961257068e+000),
               (3, 5, 7, 9, 13)),
    "single": (3.925724783138660, (4.258730016922831e-001, 1.880152677804762e+000),
               (3, 5, 7)),
}


def _pade(degree: int, a):
    """``(U, V)`` with ``p(A) = U + V`` and ``q(A) = V - U`` (odd and even parts)."""
    b = _PADE[degree]
    identity = jnp.eye(*shape_of(a), dtype=dtype_of(a))
    a2 = _precise_dot(a, a)
    powers = {2: a2}
    for k in range(4, (6 if degree == 13 else degree - 1) + 1, 2):
        powers[k] = _precise_dot(powers[k - 2], a2)
    if degree == 13:
        # A^13 and A^12 are not formed: A6 times a combination of A6, A4 and A2.
        a4, a6 = powers[4], powers[6]
        odd_high = _precise_dot(a6, _sum(b[13] * a6, b[11] * a4, b[9] * a2))
        u = _precise_dot(a, _sum(odd_high, b[7] * a6, b[5] * a4, b[3] * a2, b[1] * identity))
        even_high = _precise_dot(a6, _sum(b[12] * a6, b[10] * a4, b[8] * a2))
        v = _sum(even_high, b[6] * a6, b[4] * a4, b[2] * a2, b[0] * identity)
    else:
        ks = range(degree - 1, 0, -2)
        u = _precise_dot(a, _sum(*[b[k + 1] * powers[k] for k in ks], b[1] * identity))
        v = _sum(*[b[k] * powers[k] for k in ks], b[0] * identity)
    return u, v


def _expm_one(a, *, upper_triangular: bool, max_squarings: int):
    """``exp(a)`` of one square matrix."""
    dtype = dtype_of(a)
    if dtype in (np.float64, np.complex128):
        kind = "double"
    elif dtype in (np.float32, np.complex64):
        kind = "single"
    else:
        raise TypeError(f"expm: A.dtype={dtype} is not supported; expected float32, float64, "
                        f"complex64 or complex128 (at {user_frame_str()})")
    max_norm, bounds, degrees = _PADE_CHOICE[kind]
    norm = jnp.linalg.norm(a, 1)
    squarings = jnp.maximum(0, jnp.floor(jnp.log2(norm / max_norm)))
    scaled = a / 2 ** squarings.astype(dtype)
    degree = jnp.digitize(norm, jnp.array(bounds, dtype=dtype_of(norm)))
    u, v = lax.switch(degree, [functools.partial(_pade, d) for d in degrees], scaled)

    def compute(p, q):
        r = solve_triangular(q, p) if upper_triangular else jnp.linalg.solve(q, p)
        # Undo the scaling: square r `squarings` times.
        def square(r, i):
            return lax.cond(i < squarings, lambda r: _precise_dot(r, r), lambda r: r, r), None
        return lax.scan(square, r, jnp.arange(max_squarings, dtype=dtype_of(squarings)))[0]

    return lax.cond(squarings > max_squarings, lambda p, q: jnp.full_like(a, np.nan),
                    compute, u + v, -u + v)


@compiled_when_eager(n_arrays=1, static_argnames=("upper_triangular", "max_squarings"))
def expm(A: ArrayLike, *, upper_triangular: bool = False, max_squarings: int = 16):
    """The matrix exponential of square matrices ``A`` (batched over leading axes), by
    scaling and squaring with a Padé approximant.  ``upper_triangular`` solves with a
    triangular solve; past ``max_squarings`` squarings the result is NaN.

    >>> zenax.scipy.linalg.expm(jnp.array([[0., 1.], [0., 0.]]))
    Array([[1., 1.],
           [0., 1.]], dtype=float32)
    """
    A, = promote_dtypes_inexact(A)
    if not is_square(shape_of(A)):
        raise value_error(f"expm: expected A to be a (batched) square matrix, got "
                          f"A.shape={shape_of(A)}")
    expm_one = functools.partial(_expm_one, upper_triangular=upper_triangular,
                                 max_squarings=max_squarings)
    if ndim_of(A) > 2:
        return jnp.vectorize(expm_one, signature="(n,n)->(n,n)")(A)
    return expm_one(A)


@compiled_when_eager(n_arrays=2, static_argnames=("method", "compute_expm"))
def expm_frechet(A: ArrayLike, E: ArrayLike, *, method: str | None = None,
                 compute_expm: bool = True):
    """The Fréchet derivative of the matrix exponential at ``A`` in direction ``E``: the
    ``L`` with ``expm(A + t E) = expm(A) + t L + O(t^2)``.  Returns ``(expm(A), L)``, or
    ``L`` without ``compute_expm``.  ``method`` is unused, as in JAX.

    >>> zenax.scipy.linalg.expm_frechet(jnp.zeros((2, 2)), jnp.eye(2), compute_expm=False)
    Array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    A, E = promote_dtypes_inexact(jnp.asarray(A), jnp.asarray(E))
    a_shape, e_shape = shape_of(A), shape_of(E)
    if not is_square(a_shape):
        raise value_error(f"expm_frechet: expected A to be a (batched) square matrix, got "
                          f"A.shape={a_shape}")
    if not is_square(e_shape):
        raise value_error(f"expm_frechet: expected E to be a (batched) square matrix, got "
                          f"E.shape={e_shape}")
    if a_shape != e_shape:
        raise value_error(f"expm_frechet: expected A and E to be the same shape, got "
                          f"A.shape={a_shape} E.shape={e_shape}")

    # As JAX's: the jvp of expm (a transform, which zenax.transforms hands down).
    bound = functools.partial(expm, upper_triangular=False, max_squarings=16)
    (expm_a,), (derivative,) = _transform("jvp_flat")(lambda a: [bound(a)], [A], [E])
    return (expm_a, derivative) if compute_expm else derivative


# --------------------------------------------------------------------------- sqrtm

def _sqrtm_triangular(t):
    """The upper triangular square root ``u`` of upper triangular ``t``: ``u[i, i] =
    sqrt(t[i, i])`` and, column by column and upwards, ``u[i, j] = (t[i, j] - sum_{i<k<j}
    u[i, k] u[k, j]) / (u[i, i] + u[j, j])``."""
    diagonal = jnp.sqrt(jnp.diag(t))
    n = shape_of(diagonal)[0]
    zero = jnp.zeros((), dtype_of(t))

    def row(l, state):
        j, u = state
        i = j - 1 - l
        s = lax.fori_loop(i + 1, j, lambda k, total: total + u[i, k] * u[k, j], zero)
        t_ij = getitem(t, (i, j))
        value = jnp.where(t_ij == s, 0.0,
                          (t_ij - s) / (getitem(diagonal, i) + getitem(diagonal, j)))
        return j, u.at[i, j].set(value)

    def column(j, u):
        return lax.fori_loop(0, j, row, (j, u))[1]

    return lax.fori_loop(0, n, column, jnp.diag(diagonal))


@compiled_when_eager(n_arrays=1)
def _sqrtm(A):
    A = jnp.asarray(A)
    if ndim_of(A) != 2:
        raise value_error(f"sqrtm: expected one square matrix (rank 2), got shape "
                          f"{shape_of(A)}")
    t, z = schur(A, output="complex")
    root = _sqrtm_triangular(t)
    return jnp.matmul(jnp.matmul(z, root, precision=_HIGHEST), jnp.conj(z.T),
                      precision=_HIGHEST)


def sqrtm(A: ArrayLike, blocksize: int = 1):
    """The principal square root of a square matrix ``A`` (complex, from its complex Schur
    form): ``sqrtm(A) @ sqrtm(A) == A``.  CPU only, as ``schur``; the blocked algorithm
    (``blocksize > 1``) is not implemented, as in JAX.

    >>> zenax.scipy.linalg.sqrtm(jnp.array([[4., 0.], [0., 9.]]))
    Array([[2.+0.j, 0.+0.j],
           [0.+0.j, 3.+0.j]], dtype=complex64)
    """
    if blocksize > 1:
        raise NotImplementedError("sqrtm: the blocked version (blocksize > 1) is not "
                                  "implemented yet, as in JAX.")
    return _sqrtm(A)


# --------------------------------------------------------------------------- funm

@compiled_when_eager(n_arrays=2)
def _parlett(f, t):
    """Parlett's recurrence: ``f`` (holding ``f(diag(t))`` on its diagonal) completed to
    ``f(t)`` one superdiagonal at a time, and the smallest gap ``|t[j, j] - t[i, i]|``
    divided by, whose size bounds the error."""
    n = shape_of(t)[0]
    index = jnp.arange(n)

    def entry(i, state):
        p, f, min_gap = state
        j = i + p
        s = getitem(t, (i - 1, j - 1)) * (f[j - 1, j - 1] - f[i - 1, i - 1])
        between = (index >= i) & (index < j - 1)
        s = s + (jnp.where(between, getitem(t, i - 1), 0) @ jnp.where(between, f[:, j - 1], 0)
                 - jnp.where(between, f[i - 1], 0)
                 @ jnp.where(between, getitem(t, (slice(None), j - 1)), 0))
        gap = getitem(t, (j - 1, j - 1)) - getitem(t, (i - 1, i - 1))
        s = jnp.where(gap != 0, s / gap, s)
        return p, f.at[i - 1, j - 1].set(s), jnp.minimum(min_gap, jnp.abs(gap))

    def superdiagonal(p, state):
        _, f, min_gap = lax.fori_loop(1, n - p + 1, entry, (p, *state))
        return f, min_gap

    return lax.fori_loop(1, n, superdiagonal, (f, jnp.abs(t[0, 0])))


def funm(A: ArrayLike, func: Callable, disp: bool = True):
    """The matrix function ``f(A)`` of a square matrix, for ``func`` a function applied
    elementwise to eigenvalues (``jnp.exp``, ...), by Parlett's recurrence on the complex
    Schur form.  With ``disp=False``, also an estimate of the relative error, large when
    ``A`` has close eigenvalues (repeated ones are not handled, as in JAX).

    >>> zenax.scipy.linalg.funm(jnp.array([[1., 2.], [0., 3.]]), lambda x: x * x)
    Array([[1.+0.j, 8.+0.j],
           [0.+0.j, 9.+0.j]], dtype=complex64)
    """
    A = jnp.asarray(A)
    if ndim_of(A) != 2 or not is_square(shape_of(A)):
        raise value_error(f"funm: expected a square matrix, got shape {shape_of(A)}")
    t, z = schur(A)
    t, z = rsf2csf(t, z)
    f = jnp.diag(func(jnp.diag(t))).astype(dtype_of(t))
    f, min_gap = _parlett(f, t)
    f = z @ f @ jnp.conj(z).T
    if disp:
        return f
    tol = np.finfo(np.float32 if dtype_of(f).char.lower() == "f" else np.float64).eps
    min_gap = jnp.where(min_gap == 0.0, tol, min_gap)
    err = jnp.where(jnp.any(jnp.isinf(f)), np.inf, jnp.minimum(1, jnp.maximum(
        tol, (tol / min_gap) * jnp.linalg.norm(jnp.triu(t, 1), 1))))
    return f, err


# --------------------------------------------------------------------------- polar

def _polar_matrix(a, *, side: str, method: str, eps):
    m, n = shape_of(a)
    if method == "qdwh":
        if m >= n and side == "right":
            unitary, posdef, _, _ = lax.linalg.qdwh(a, is_hermitian=False, eps=eps)
        elif m < n and side == "left":
            unitary, posdef, _, _ = lax.linalg.qdwh(jnp.conj(a.T), is_hermitian=False, eps=eps)
            unitary, posdef = jnp.conj(unitary.T), jnp.conj(posdef.T)
        else:
            raise NotImplementedError(
                f"polar: method='qdwh' takes m x n matrices with m >= n for side='right' "
                f"and m < n for side='left', got shape {(m, n)} with side={side!r}; use "
                f"method='svd'.")
    elif method == "svd":
        u, s, vh = lax.linalg.svd(a, full_matrices=False)
        s = s.astype(dtype_of(u))
        unitary = u @ vh
        if side == "right":
            posdef = (jnp.conj(vh.T) * s[None, :]) @ vh
        else:
            posdef = (u * s[None, :]) @ jnp.conj(u.T)
    else:
        raise value_error(f"polar: unknown polar decomposition method {method!r}; expected "
                          f"'qdwh' or 'svd'")
    return unitary, posdef


@compiled_when_eager(n_arrays=1, static_argnames=("side", "method", "eps", "max_iterations"))
def polar(a: ArrayLike, side: str = "right", *, method: str = "qdwh",
          eps: float | None = None, max_iterations: int | None = None) -> tuple:
    """The polar decomposition of matrices ``a`` ``(..., m, n)``: ``(u, p)`` with ``u``
    unitary (orthonormal columns or rows) and ``p`` Hermitian positive semi-definite,
    ``a = u @ p`` (``side='right'``) or ``a = p @ u`` (``'left'``).  ``method``:
    ``'qdwh'`` (the QR-based Halley iteration) or ``'svd'``; ``max_iterations`` is
    unused, as in JAX.

    >>> u, p = zenax.scipy.linalg.polar(jnp.array([[2., 0.], [0., -3.]]))
    >>> p
    Array([[2., 0.],
           [0., 3.]], dtype=float32)
    """
    a = jnp.asarray(a)
    if ndim_of(a) < 2:
        raise value_error(f"polar: the input `a` must be at least a 2-D array, got shape "
                          f"{shape_of(a)}")
    if side not in ("right", "left"):
        raise value_error(f"polar: the argument `side` must be either 'right' or 'left', "
                          f"got {side!r}")
    signature = "(m,n)->(m,n),(n,n)" if side == "right" else "(m,n)->(m,n),(m,m)"
    polar_one = functools.partial(_polar_matrix, side=side, method=method, eps=eps)
    return jnp.vectorize(polar_one, signature=signature)(a)


# --------------------------------------------------------------------------- solve_sylvester

def _triangular_sylvester(r, s, f):
    """Solve ``r y + y s = f`` for upper triangular ``r`` and lower triangular ``s``,
    entry by entry from the bottom right: ``y[i, j]`` needs the entries below it in its
    column and right of it in its row."""
    r, s, f = promote_dtypes_inexact(r, s, f)
    m, n = shape_of(f)

    def entry(y_flat, index):
        i, j = index // n, index % n
        y = y_flat.reshape((m, n))
        below = jnp.sum(jnp.where(jnp.arange(m) > i, getitem(r, i) * y[:, j], 0.0))
        right = jnp.sum(jnp.where(jnp.arange(n) > j,
                                  y[i, :] * getitem(s, (slice(None), j)), 0.0))
        value = ((getitem(f, (i, j)) - (below + right))
                 / (getitem(r, (i, i)) + getitem(s, (j, j))))
        return y_flat.at[i * n + j].set(value), None

    y_flat, _ = lax.scan(entry, jnp.zeros((m * n,), dtype=dtype_of(f)),
                         jnp.arange(m * n - 1, -1, -1))
    return y_flat.reshape((m, n))


def _sylvester_matrix(a, b, c, *, method: str, tol):
    m, n = shape_of(c)
    if method == "schur":
        r, u = schur(a, output="complex")
        s, v = schur(jnp.conj(b).T, output="complex")
        f = jnp.conj(u).T @ c.astype(dtype_of(r)) @ v
        y = _triangular_sylvester(r, jnp.conj(s).T, f)
        x = u @ y @ jnp.conj(v).T
    elif method == "eigen":
        ra, ua = jnp.linalg.eig(a)
        rb, ub = jnp.linalg.eig(b)
        f = jnp.linalg.solve(ua, c.astype(dtype_of(ra)) @ ub)
        y = f / (ra[:, None] + rb[None, :])
        x = ua[:m, :m] @ y[:m, :n] @ jnp.linalg.inv(ub)[:n, :n]
    else:
        raise value_error(f"solve_sylvester: unrecognized method {method!r}; the two valid "
                          f"methods are 'schur' and 'eigen'")
    if not _dtypes.is_complex(dtype_of(c)):
        x = x.real
    # a x + x b = c has no unique solution when a and -b share an eigenvalue.
    singular = jnp.any(jnp.abs(jnp.linalg.eigvals(a)[:, None] + jnp.linalg.eigvals(b)[None, :])
                       < tol)
    return lax.cond(singular, lambda: jnp.zeros_like(x) * np.nan, lambda: x)


@compiled_when_eager(n_arrays=3, static_argnames=("method", "tol"))
def solve_sylvester(A: ArrayLike, B: ArrayLike, C: ArrayLike, *, method: str = "schur",
                    tol: float = 1e-8):
    """Solve the Sylvester equation ``A X + X B = C`` for ``X`` (``A`` m x m, ``B`` n x n,
    ``C`` m x n, batched over leading axes), by Schur decompositions (``method='schur'``)
    or eigendecompositions (``'eigen'``).  NaN where ``A`` and ``-B`` have eigenvalues
    closer than ``tol`` (no unique solution).

    >>> zenax.scipy.linalg.solve_sylvester(2 * jnp.eye(2), 3 * jnp.eye(2), 10 * jnp.eye(2))
    Array([[2., 0.],
           [0., 2.]], dtype=float32)
    """
    A, B, C = promote_dtypes_inexact(jnp.asarray(A), jnp.asarray(B), jnp.asarray(C))
    m, n = shape_of(C)[-2:]
    if shape_of(A)[-2:] != (m, m) or shape_of(B)[-2:] != (n, n):
        raise value_error(f"solve_sylvester: incompatible shapes for the Sylvester "
                          f"equation: A: {shape_of(A)}, B: {shape_of(B)}, C: {shape_of(C)}")
    sylvester = functools.partial(_sylvester_matrix, method=method, tol=tol)
    return jnp.vectorize(sylvester, signature="(m,m),(n,n),(m,n)->(m,n)")(A, B, C)


compile_marked(globals())
