"""The continuous uniform distribution on ``[loc, loc + scale]``.

Outside the interval the density is zero (``logpdf`` is ``-inf``) and the cdf saturates
at 0 or 1; ``ppf`` is NaN for probabilities outside ``[0, 1]``.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from ._common import ArrayLike, dtype_of, not_probability, promote_args_inexact

__all__ = ["logpdf", "pdf", "cdf", "ppf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the uniform density on ``[loc, loc + scale]``: ``-log(scale)`` inside,
    ``-inf`` outside.

    >>> from zenax.scipy.stats import uniform
    >>> uniform.logpdf(jnp.array([-1.0, 0.5, 2.0]), 0.0, 2.0)
    Array([      -inf, -0.6931472, -0.6931472], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("uniform.logpdf", x, loc, scale)
    log_probs = lax.neg(lax.log(scale))
    outside = jnp.logical_or(lax.gt(x, lax.add(loc, scale)), lax.lt(x, loc))
    return jnp.where(outside, -np.inf, log_probs)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The uniform density on ``[loc, loc + scale]``: ``1 / scale`` inside, 0 outside.

    >>> from zenax.scipy.stats import uniform
    >>> uniform.pdf(jnp.array([-1.0, 0.5, 2.0]), 0.0, 2.0)
    Array([0. , 0.5, 0.5], dtype=float32)
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The uniform cumulative distribution: 0 below ``loc``, 1 above ``loc + scale``,
    linear in between.

    >>> from zenax.scipy.stats import uniform
    >>> uniform.cdf(jnp.array([-1.0, 0.5, 3.0]), 0.0, 2.0)
    Array([0.  , 0.25, 1.  ], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("uniform.cdf", x, loc, scale)
    zero, one = jnp.array(0, dtype_of(x)), jnp.array(1, dtype_of(x))
    upper = lax.add(loc, scale)
    conds = [lax.lt(x, loc), lax.gt(x, upper),
             jnp.logical_and(lax.ge(x, loc), lax.le(x, upper))]
    vals = [zero, one, lax.div(lax.sub(x, loc), scale)]
    return jnp.select(conds, vals)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The uniform quantile function, ``loc + scale * q``; NaN where ``q`` is not a
    probability.

    >>> from zenax.scipy.stats import uniform
    >>> uniform.ppf(jnp.array([0.0, 0.25, 1.5]), 1.0, 2.0)
    Array([1. , 1.5, nan], dtype=float32)
    """
    q, loc, scale = promote_args_inexact("uniform.ppf", q, loc, scale)
    return jnp.where(not_probability(q), np.nan, lax.add(loc, lax.mul(scale, q)))
