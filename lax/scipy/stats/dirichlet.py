"""The Dirichlet distribution over the probability simplex, with concentrations ``alpha``
(one per component, a 1-D array), density ``prod(x_i**(alpha_i - 1)) / B(alpha)``.

``x`` holds the components along its first axis (further axes are a batch); with one
component fewer than ``alpha`` the last is ``1 - sum``.  Points off the simplex (a
component not positive, or a sum more than 1e-6 away from 1) have density zero.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import promote_dtypes_inexact, shape_of
from zenax.lax.scipy.special import gammaln, xlogy

from ._common import ArrayLike, const_like

__all__ = ["logpdf", "pdf"]


def _is_simplex(x):
    x_sum = jnp.sum(x, axis=0)
    return jnp.logical_and(jnp.all(jnp.greater(x, 0), axis=0),
                           jnp.less(jnp.abs(jnp.subtract(x_sum, 1)), 1e-6))


def logpdf(x: ArrayLike, alpha: ArrayLike):
    """Log of the Dirichlet density of ``x`` (components on axis 0).

    >>> from zenax.scipy.stats import dirichlet
    >>> dirichlet.logpdf(jnp.array([0.2, 0.3, 0.5]), jnp.array([1.0, 2.0, 3.0]))
    Array(1.5040779, dtype=float32)
    """
    x, alpha = promote_dtypes_inexact(x, alpha)
    x_shape, alpha_shape = shape_of(x), shape_of(alpha)
    if len(alpha_shape) != 1:
        raise ValueError(f"dirichlet.logpdf: `alpha` must be one-dimensional; got "
                         f"alpha.shape={alpha_shape}")
    if x_shape[0] not in (alpha_shape[0], alpha_shape[0] - 1):
        raise ValueError("dirichlet.logpdf: `x` must have either the same number of entries "
                         f"as `alpha` or one entry fewer; got x.shape={x_shape}, "
                         f"alpha.shape={alpha_shape}")
    one = const_like(x, 1)
    if x_shape[0] != alpha_shape[0]:
        x = jnp.concatenate([x, lax.sub(one, jnp.sum(x, axis=0, keepdims=True))], axis=0)
    normalize_term = jnp.subtract(jnp.sum(gammaln(alpha)), gammaln(jnp.sum(alpha)))
    if len(x_shape) > 1:
        alpha = lax.broadcast_in_dim(alpha, alpha_shape + (1,) * (len(x_shape) - 1), (0,))
    log_probs = lax.sub(jnp.sum(xlogy(lax.sub(alpha, one), x), axis=0), normalize_term)
    return jnp.where(_is_simplex(x), log_probs, -np.inf)


def pdf(x: ArrayLike, alpha: ArrayLike):
    """The Dirichlet density.

    >>> from zenax.scipy.stats import dirichlet
    >>> dirichlet.pdf(jnp.array([0.2, 0.3, 0.5]), jnp.array([1.0, 2.0, 3.0]))
    Array(4.5000024, dtype=float32)
    """
    return lax.exp(logpdf(x, alpha))
