"""The exponential distribution, with density ``exp(-(x - loc) / scale) / scale`` for
``x >= loc``.

Below ``loc`` the density is zero (``logpdf`` is ``-inf``), the cdf 0 and the survival
function 1; ``ppf`` is NaN for probabilities outside ``[0, 1]``.  The survival function
is computed in log space, where it is linear, and ``cdf``/``logcdf`` from it with
``expm1``/``log1p``, so the tails keep their precision.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp

from ._common import ArrayLike, not_probability, promote_args_inexact

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the exponential density: ``-(x - loc) / scale - log(scale)``, ``-inf`` below
    ``loc``.

    >>> from zenax.scipy.stats import expon
    >>> expon.logpdf(jnp.array([-1.0, 0.0, 2.0]), scale=2.0)
    Array([      -inf, -0.6931472, -1.6931472], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("expon.logpdf", x, loc, scale)
    linear_term = lax.div(lax.sub(x, loc), scale)
    log_probs = lax.neg(lax.add(linear_term, lax.log(scale)))
    return jnp.where(lax.lt(x, loc), -np.inf, log_probs)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The exponential density, zero below ``loc``.

    >>> from zenax.scipy.stats import expon
    >>> expon.pdf(jnp.array([-1.0, 0.0, 2.0]), scale=2.0)
    Array([0.        , 0.5       , 0.18393973], dtype=float32)
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The exponential cumulative distribution, ``1 - exp(-(x - loc) / scale)``.

    >>> from zenax.scipy.stats import expon
    >>> expon.cdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([ 0.        , -0.        ,  0.86466473], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("expon.cdf", x, loc, scale)
    neg_scaled_x = lax.div(lax.sub(loc, x), scale)
    return jnp.where(lax.lt(x, loc), jnp.zeros_like(neg_scaled_x),
                     lax.neg(lax.expm1(neg_scaled_x)))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the exponential cdf, ``log1p(-sf(x))``.

    >>> from zenax.scipy.stats import expon
    >>> expon.logcdf(jnp.array([0.5, 2.0]))
    Array([-0.93275213, -0.14541346], dtype=float32)
    """
    return lax.log1p(lax.neg(sf(x, loc, scale)))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the exponential survival function: ``-(x - loc) / scale``, 0 below ``loc``.

    >>> from zenax.scipy.stats import expon
    >>> expon.logsf(jnp.array([-1.0, 2.0]), scale=2.0)
    Array([ 0., -1.], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("expon.sf", x, loc, scale)
    neg_scaled_x = lax.div(lax.sub(loc, x), scale)
    return jnp.where(lax.lt(x, loc), jnp.zeros_like(neg_scaled_x), neg_scaled_x)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The exponential survival function ``1 - cdf(x)``.

    >>> from zenax.scipy.stats import expon
    >>> expon.sf(jnp.array([-1.0, 2.0]), scale=2.0)
    Array([1.        , 0.36787945], dtype=float32)
    """
    return lax.exp(logsf(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The exponential quantile function, ``loc - scale * log1p(-q)``; NaN where ``q`` is
    not a probability.

    >>> from zenax.scipy.stats import expon
    >>> expon.ppf(jnp.array([0.0, 0.5, 2.0]))
    Array([0.       , 0.6931472,       nan], dtype=float32)
    """
    q, loc, scale = promote_args_inexact("expon.ppf", q, loc, scale)
    quantile = lax.sub(loc, lax.mul(scale, lax.log1p(lax.neg(q))))
    return jnp.where(not_probability(q), np.nan, quantile)
