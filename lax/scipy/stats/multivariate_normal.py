"""The multivariate normal distribution with mean ``mean`` and covariance ``cov``.

``cov`` may be a scalar (the same variance on every axis) or a batch of positive-definite
matrices; the log density then whitens ``x - mean`` with the Cholesky factor ``L`` of
``cov`` (one triangular solve) and takes ``log det cov`` as twice the sum of
``log diag L``.  A scalar ``mean`` means the univariate normal.
"""
from __future__ import annotations

import functools

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import promote_dtypes_inexact, shape_of

from ._common import ArrayLike

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike, allow_singular: None = None):
    """Log of the multivariate normal density of ``x`` (``..., n``), for a ``mean`` of
    shape ``(..., n)`` and a covariance of shape ``(..., n, n)`` or a scalar.

    ``allow_singular`` is not supported (as in JAX): anything but None raises.

    >>> from zenax.scipy.stats import multivariate_normal
    >>> cov = jnp.array([[2.0, 0.5], [0.5, 1.0]])
    >>> multivariate_normal.logpdf(jnp.array([[0.0, 0.0], [1.0, -1.0]]), jnp.zeros(2), cov)
    Array([-2.1176848, -3.260542 ], dtype=float32)
    """
    if allow_singular is not None:
        raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
    x, mean, cov = promote_dtypes_inexact(x, mean, cov)
    log_two_pi = jnp.log(2 * np.pi)
    if not shape_of(mean):
        return jnp.subtract(jnp.divide(jnp.multiply(-1 / 2, jnp.square(jnp.subtract(x, mean))),
                                       cov),
                            jnp.multiply(1 / 2, jnp.add(log_two_pi, jnp.log(cov))))
    n = shape_of(mean)[-1]
    if not shape_of(cov):
        y = jnp.subtract(x, mean)
        quadratic = jnp.divide(jnp.multiply(-1 / 2, jnp.einsum("...i,...i->...", y, y)), cov)
        return jnp.subtract(quadratic, jnp.multiply(n / 2, jnp.add(log_two_pi, jnp.log(cov))))
    if len(shape_of(cov)) < 2 or shape_of(cov)[-2:] != (n, n):
        raise ValueError("multivariate_normal.logpdf got incompatible shapes: "
                         f"mean {shape_of(mean)} and cov {shape_of(cov)} (cov must be a "
                         f"scalar or end in ({n}, {n})).")
    L = lax.linalg.cholesky(cov)
    whiten = jnp.vectorize(functools.partial(lax.linalg.triangular_solve, lower=True,
                                             transpose_a=True), signature="(n,n),(n)->(n)")
    y = whiten(L, jnp.subtract(x, mean))
    half_log_det = jnp.sum(jnp.log(jnp.diagonal(L, axis1=-1, axis2=-2)), axis=-1)
    return jnp.subtract(jnp.subtract(jnp.multiply(-1 / 2, jnp.einsum("...i,...i->...", y, y)),
                                     jnp.multiply(n / 2, log_two_pi)),
                        half_log_det)


def pdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike):
    """The multivariate normal density (see :func:`logpdf`).

    >>> from zenax.scipy.stats import multivariate_normal
    >>> multivariate_normal.pdf(jnp.array([0.0, 1.0]), jnp.zeros(2), jnp.eye(2))
    Array(0.09653236, dtype=float32)
    """
    return lax.exp(logpdf(x, mean, cov))
