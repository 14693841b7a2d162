"""The ``jnp.linalg`` namespace: the norms, and the products JAX also lists there.

``norm`` (with ``vector_norm`` and ``matrix_norm``) is defined here; ``cross``,
``matmul``, ``matrix_transpose``, ``outer``, ``tensordot`` and ``vecdot`` are the
``jnp`` functions of the same names, re-exported because ``jax.numpy.linalg`` has them
too. ``diagonal`` and ``trace`` differ from ``jnp``'s: as in the array API, they work on
the last two axes (stacks of matrices), not the first two. The decompositions and what
is built on them (``eigh``, ``svd``, ``qr``, ``pinv``, ...) come from ``linalg_spectral``,
the solvers (``solve``, ``inv``, ``det``, ...) from ``linalg_solve``; ``cond``, which
combines ``norm`` with both, is defined here.
"""
from __future__ import annotations

import numpy as np

from zenax import lax
from zenax.lax.eager import compiled_when_eager

from . import diagonals, linalg_solve, linalg_spectral
from .linalg_solve import *  # noqa: F401,F403  (solve, inv, det, slogdet, ...)
from .linalg_solve import inv
from .linalg_spectral import *  # noqa: F401,F403  (eigh, svd, qr, pinv, lstsq, ...)
from .linalg_spectral import svdvals
from .logic import const_like, isnan, logical_and, logical_not, where
from .products import cross, matmul, outer, tensordot, vecdot
from .promotion import (ArrayLike, check_arraylike, dtype_of, ensure_array, ndim_of,
                        promote_dtypes_inexact, scalar_constant, shape_of)
from .reductions import any, canonical_axis, max, min, sum
from .shapes import matrix_transpose, ravel, reshape
from .ufuncs import abs, conj, divide, multiply, power, real, sqrt

__all__ = ["cond", "cross", "diagonal", "matmul", "matrix_norm", "matrix_transpose", "norm",
           "outer", "tensordot", "trace", "vecdot", "vector_norm",
           *linalg_solve.__all__, *linalg_spectral.__all__]


def _squared_magnitude(x):
    return real(multiply(x, conj(x)))


def _vector_norm(x, ord, axes, keepdims):
    if ord is None or ord == 2:
        return sqrt(sum(_squared_magnitude(x), axes, keepdims=keepdims))
    if ord == np.inf:
        return max(abs(x), axes, keepdims=keepdims)
    if ord == -np.inf:
        return min(abs(x), axes, keepdims=keepdims)
    if ord == 0:
        nonzero = lax.ne(x, const_like(x, 0))
        return sum(nonzero, axes, dtype=dtype_of(real(x)), keepdims=keepdims)
    if ord == 1:
        return sum(abs(x), axes, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid order {ord!r} for vectors.")
    real_dtype = dtype_of(real(x))
    total = sum(power(abs(x), scalar_constant(float(ord), real_dtype, False)), axes,
                keepdims=keepdims)
    return power(total, scalar_constant(1.0 / ord, real_dtype, False))


def _matrix_norm(x, ord, axes, keepdims):
    row_axis, col_axis = axes
    if ord is None or ord == "fro":
        return sqrt(sum(_squared_magnitude(x), axes, keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        # 1: largest column sum (sum over rows first); inf: largest row sum.
        summed, then = (row_axis, col_axis) if ord in (1, -1) else (col_axis, row_axis)
        sums = sum(abs(x), summed, keepdims=True)
        pick = max if ord in (1, np.inf) else min
        out = pick(sums, then, keepdims=True)
        return out if keepdims else lax.squeeze(out, axes)
    if ord in (2, -2, "nuc"):
        # The largest or smallest singular value, or their sum.
        rows, cols = axes
        moved = lax.transpose(x, tuple(d for d in range(ndim_of(x)) if d not in axes)
                              + (rows, cols))
        s = svdvals(moved)
        out = {2: max, -2: min, "nuc": sum}[ord](s, -1)
        if keepdims:
            out = lax.expand_dims(out, tuple(sorted(axes)))
        return out
    raise ValueError(f"norm: invalid order {ord!r} for matrices.")


def norm(x: ArrayLike, ord=None, axis: int | tuple[int, ...] | None = None,
         keepdims: bool = False):
    """Vector or matrix norm (``jnp.linalg.norm``).

    ``axis`` None with ``ord`` None is the 2-norm of the flattened array; one axis gives
    vector norms, two axes give matrix norms ('fro', 1, -1, inf, -inf).

    >>> jnp.linalg.norm(jnp.array([3.0, 4.0]))
    Array(5., dtype=float32)
    """
    check_arraylike("norm", x)
    x, = promote_dtypes_inexact(ensure_array(x))
    nd = ndim_of(x)
    if axis is None:
        if ord is None:
            return sqrt(sum(_squared_magnitude(x), None, keepdims=keepdims))
        if nd not in (1, 2):
            raise ValueError("norm: improper number of dimensions to norm; pass axis=.")
        axis = tuple(range(nd))
    axes = (canonical_axis("norm", axis, nd),) if np.ndim(axis) == 0 else tuple(
        canonical_axis("norm", a, nd) for a in axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"norm: improper number of axes {axes}; expected one or two.")


def vector_norm(x: ArrayLike, /, *, axis=None, keepdims: bool = False, ord=2):
    """The vector ``ord``-norm over ``axis`` (all axes, flattened, by default)."""
    check_arraylike("vector_norm", x)
    if axis is None:
        out = norm(ravel(x), ord, 0)
        return reshape(out, (1,) * ndim_of(x)) if keepdims else out
    return norm(x, ord, axis, keepdims)


def matrix_norm(x: ArrayLike, /, *, keepdims: bool = False, ord="fro"):
    """The matrix ``ord``-norm of the last two axes."""
    check_arraylike("matrix_norm", x)
    return norm(x, ord, (-2, -1), keepdims)


def diagonal(x: ArrayLike, /, *, offset: int = 0):
    """The ``offset`` diagonal of each matrix in ``x`` (its last two axes).

    >>> import zenax.numpy as jnp
    >>> jnp.linalg.diagonal(jnp.arange(8).reshape(2, 2, 2))
    Array([[0, 3],
           [4, 7]], dtype=int32)
    """
    check_arraylike("diagonal", x)
    return diagonals.diagonal(x, offset, axis1=-2, axis2=-1)


def trace(x: ArrayLike, /, *, offset: int = 0, dtype=None):
    """The sum of the ``offset`` diagonal of each matrix in ``x`` (its last two axes).

    >>> import zenax.numpy as jnp
    >>> jnp.linalg.trace(jnp.arange(8).reshape(2, 2, 2))
    Array([ 3, 11], dtype=int32)
    """
    check_arraylike("trace", x)
    return diagonals.trace(x, offset, axis1=-2, axis2=-1, dtype=dtype)


# --------------------------------------------------------------------------- cond
# Here, not in linalg_spectral, because it combines norm (above) with svdvals and inv.

@compiled_when_eager(n_arrays=1, static_argnames=("p",))
def cond(x: ArrayLike, p=None):
    """The condition number ``norm(x, p) * norm(inv(x), p)`` of matrices ``x``
    ``(..., m, n)``; for ``p`` None or 2 (-2) the ratio of the largest to the smallest
    singular value (or its inverse), otherwise ``x`` must be square.  Singular matrices
    give ``inf``.

    >>> jnp.linalg.cond(jnp.array([[1., 2.], [2., 1.]]))
    Array(3., dtype=float32)
    """
    check_arraylike("cond", x)
    shape = shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"cond: x must be at least two-dimensional (matrices in its last "
                         f"two axes), got shape {shape}.")
    if shape[-1] == 0 or shape[-2] == 0:
        raise ValueError(f"cond: x must not be empty, got shape {shape}.")
    if p is None or p == 2 or p == -2:
        s = svdvals(x)
        largest, smallest = (lax.index_in_dim(s, i, axis=-1, keepdims=False) for i in (0, -1))
        if p == -2:
            ratio = divide(smallest, largest)
        else:
            return divide(largest, smallest)
    else:
        if shape[-2] != shape[-1]:
            raise ValueError(f"cond: for p={p!r}, x must be square, got shape {shape}.")
        ratio = multiply(norm(x, ord=p, axis=(-2, -1)), norm(inv(x), ord=p, axis=(-2, -1)))
    # A NaN from a singular matrix (not from NaNs in x) means an infinite condition number.
    x_has_nan = any(isnan(x), axis=(-2, -1))
    return where(logical_and(isnan(ratio), logical_not(x_has_nan)), np.inf, ratio)
