"""The polynomial routines that need linear algebra: ``polyfit`` (a least-squares fit on
the Vandermonde matrix) and ``roots`` (the eigenvalues of the companion matrix)."""
from __future__ import annotations

import operator

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str
from zenax.lax.eager import compiled_when_eager

from .creation import arange, ones
from .diagonals import diag
from .linalg_solve import inv
from .linalg_spectral import eigvals, lstsq
from .logic import equal, where
from .polynomials import _concrete_coefficients, _trim_leading, vander
from .products import dot, outer
from .promotion import (ArrayLike, asarray, check_arraylike, dtype_of, ndim_of,
                        promote_dtypes_inexact, shape_of)
from .reductions import all, argmin, sum
from .shapes import atleast_1d, roll
from .ufuncs import divide, sqrt

__all__ = ["polyfit", "roots"]


@compiled_when_eager(n_arrays=2, static_argnames=("deg", "rcond", "full", "cov"))
def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None,
            full: bool = False, w: ArrayLike | None = None, cov: bool | str = False):
    """The least-squares polynomial of degree ``deg`` through the points ``(x, y)``: its
    coefficients, highest power first (one column per column of a 2-D ``y``).

    ``w`` weights each point; ``full=True`` also returns the residuals, the rank and the
    singular values of the scaled Vandermonde matrix, and ``rcond``; ``cov=True`` (or
    ``"unscaled"``) also returns the covariance matrix of the coefficients.

    >>> jnp.round(jnp.polyfit(jnp.array([0., 1., 2., 3.]), jnp.array([1., 3., 5., 7.]), 1), 4)
    Array([2., 1.], dtype=float32)
    """
    check_arraylike("polyfit", x, y, *(() if w is None else (w,)))
    x, y = promote_dtypes_inexact(x, y)
    try:
        deg = operator.index(deg)
    except TypeError:
        raise TypeError(f"polyfit: deg must be an int, got {deg!r} "
                        f"(at {user_frame_str()}).") from None
    order = deg + 1
    if deg < 0:
        raise ValueError(f"polyfit: expected deg >= 0, got {deg} (at {user_frame_str()}).")
    if ndim_of(x) != 1 or shape_of(x)[0] == 0:
        raise TypeError(f"polyfit: expected a non-empty 1-D x, got shape {shape_of(x)} "
                        f"(at {user_frame_str()}).")
    if ndim_of(y) not in (1, 2):
        raise TypeError(f"polyfit: expected a 1-D or 2-D y, got shape {shape_of(y)} "
                        f"(at {user_frame_str()}).")
    if shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError(f"polyfit: x and y must have the same length, got {shape_of(x)[0]} "
                        f"and {shape_of(y)[0]} (at {user_frame_str()}).")
    n = shape_of(x)[0]
    if rcond is None:
        rcond = n * float(np.finfo(dtype_of(x)).eps)
    lhs, rhs = vander(x, order), y
    if w is not None:
        (w,) = promote_dtypes_inexact(w)
        if ndim_of(w) != 1 or shape_of(w)[0] != n:
            raise TypeError(f"polyfit: w must be 1-D with the length of y ({n}), got shape "
                            f"{shape_of(w)} (at {user_frame_str()}).")
        lhs = lhs * w[:, None]
        rhs = rhs * (w[:, None] if ndim_of(rhs) == 2 else w)
    # Scale the columns to unit norm: the fit is better conditioned, the answer the same.
    scale = sqrt(sum(lhs * lhs, axis=0))
    lhs = lhs / scale[None, :]
    c, resids, rank, s = lstsq(lhs, rhs, rcond)
    c = (c.T / scale[None, :]).T if ndim_of(c) > 1 else c / scale
    if full:
        return c, resids, rank, s, asarray(float(rcond))
    if not cov:
        return c
    base = divide(inv(dot(lhs.T, lhs)), outer(scale, scale))
    if cov == "unscaled":
        factor = asarray(1.0, dtype_of(base))
    else:
        if n <= order:
            raise ValueError("polyfit: the number of data points must exceed the order to "
                             f"scale the covariance matrix (at {user_frame_str()}).")
        factor = resids / (n - order)
    if ndim_of(y) == 1:
        return c, base * atleast_1d(factor)[None]
    return c, base[:, :, None] * atleast_1d(factor)[None, None, :]


def _roots_no_leading_zeros(p):
    """The eigenvalues of the companion matrix of ``p`` (whose first entry is nonzero)."""
    n = shape_of(p)[0]
    complex_dtype = _dtypes.canonicalize_dtype(np.result_type(dtype_of(p), np.complex64))
    if n < 2:
        return lax.broadcast_in_dim(np.zeros((), complex_dtype), (0,), ())
    companion = diag(ones((n - 2,), dtype_of(p)), -1)
    companion = companion.at[0, :].set(-p[1:] / p[0])
    return eigvals(companion)


def roots(p: ArrayLike, *, strip_zeros: bool = True):
    """The roots of the polynomial with coefficients ``p`` (highest power first), as
    complex numbers: the eigenvalues of its companion matrix.

    Leading zeros of ``p`` do not count towards the degree.  Stripping them needs ``p``'s
    values, so under ``jit`` pass ``strip_zeros=False``: then one root per leading zero
    comes out NaN (at the end).

    >>> jnp.roots(jnp.array([1., -3., 2.]))
    Array([2.+0.j, 1.+0.j], dtype=complex64)
    """
    check_arraylike("roots", p)
    (p,) = promote_dtypes_inexact(atleast_1d(p))
    if ndim_of(p) != 1:
        raise ValueError(f"roots: p must be 1-D, got shape {shape_of(p)} "
                         f"(at {user_frame_str()}).")
    n = shape_of(p)[0]
    if n == 0:
        return _roots_no_leading_zeros(p)
    if strip_zeros:
        return _roots_no_leading_zeros(
            _trim_leading(p, _concrete_coefficients("roots", p, "strip_zeros") != 0))
    is_zero = equal(p, 0)
    leading = where(all(is_zero), n, argmin(is_zero))
    # Roll the leading zeros to the end (each adds a zero root), sort those roots last,
    # and mark them NaN.  An all-zero p is replaced by ones so the solver stays finite.
    p = where(equal(leading, n), asarray(1.0, dtype_of(p)), p)
    found = _roots_no_leading_zeros(roll(p, -leading))
    found = lax.sort((equal(found, 0), found), num_keys=1)[1]
    m = shape_of(found)[0]
    nan = asarray(complex(np.nan, np.nan), dtype_of(found))
    return where(arange(m) < m - leading, found, nan)
