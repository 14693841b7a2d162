"""The Pareto distribution with shape ``b``, density ``b / z**(b + 1) / scale`` for
``z = (x - loc) / scale >= 1``.

Below ``loc + scale`` the density is zero (``logpdf`` and ``logcdf`` are ``-inf``, the
cdf 0, ``logsf`` 0); ``ppf`` is NaN for probabilities outside ``[0, 1]``.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp

from ._common import ArrayLike, const_like, not_probability, promote_args_inexact

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def logpdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the Pareto density, ``log(b / scale) - (b + 1) log(z)``.

    >>> from zenax.scipy.stats import pareto
    >>> pareto.logpdf(jnp.array([0.5, 1.0, 2.0]), 3.0)
    Array([      -inf,  1.0986123, -1.6739764], dtype=float32)
    """
    x, b, loc, scale = promote_args_inexact("pareto.logpdf", x, b, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    normalize_term = lax.log(lax.div(scale, b))
    log_probs = lax.neg(lax.add(normalize_term,
                                lax.mul(lax.add(b, const_like(x, 1)), lax.log(z))))
    return jnp.where(lax.lt(x, lax.add(loc, scale)), -np.inf, log_probs)


def pdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Pareto density.

    >>> from zenax.scipy.stats import pareto
    >>> pareto.pdf(jnp.array([0.5, 1.0, 2.0]), 3.0)
    Array([0.    , 3.    , 0.1875], dtype=float32)
    """
    return lax.exp(logpdf(x, b, loc, scale))


def cdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Pareto cumulative distribution, ``1 - z**-b``.

    >>> from zenax.scipy.stats import pareto
    >>> pareto.cdf(jnp.array([0.5, 1.0, 2.0]), 3.0)
    Array([0.   , 0.   , 0.875], dtype=float32)
    """
    x, b, loc, scale = promote_args_inexact("pareto.cdf", x, b, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    cdf_val = lax.sub(const_like(x, 1), lax.pow(z, lax.neg(b)))
    return jnp.where(lax.lt(x, lax.add(loc, scale)), const_like(x, 0), cdf_val)


def logcdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the Pareto cdf, ``log1p(-z**-b)``.

    >>> from zenax.scipy.stats import pareto
    >>> pareto.logcdf(jnp.array([0.5, 2.0]), 3.0)
    Array([       -inf, -0.13353139], dtype=float32)
    """
    x, b, loc, scale = promote_args_inexact("pareto.logcdf", x, b, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    logcdf_val = lax.log1p(lax.neg(lax.pow(z, lax.neg(b))))
    return jnp.where(lax.lt(x, lax.add(loc, scale)), -np.inf, logcdf_val)


def logsf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the Pareto survival function, ``-b log(z)``.

    >>> from zenax.scipy.stats import pareto
    >>> pareto.logsf(jnp.array([0.5, 2.0]), 3.0)
    Array([ 0.       , -2.0794415], dtype=float32)
    """
    x, b, loc, scale = promote_args_inexact("pareto.logsf", x, b, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    logsf_val = lax.neg(lax.mul(b, lax.log(z)))
    return jnp.where(lax.lt(x, lax.add(loc, scale)), const_like(x, 0), logsf_val)


def sf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Pareto survival function, ``z**-b``.

    >>> from zenax.scipy.stats import pareto
    >>> pareto.sf(jnp.array([0.5, 2.0]), 3.0)
    Array([1.   , 0.125], dtype=float32)
    """
    return lax.exp(logsf(x, b, loc, scale))


def ppf(q: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Pareto quantile function, ``loc + scale (1 - q)**(-1/b)``; NaN where ``q`` is
    not a probability.

    >>> from zenax.scipy.stats import pareto
    >>> pareto.ppf(jnp.array([0.0, 0.875, 1.5]), 3.0)
    Array([ 1.,  2., nan], dtype=float32)
    """
    q, b, loc, scale = promote_args_inexact("pareto.ppf", q, b, loc, scale)
    one = const_like(q, 1)
    ppf_val = lax.add(loc, lax.mul(scale, lax.pow(lax.sub(one, q), lax.neg(lax.div(one, b)))))
    return jnp.where(not_probability(q), np.nan, ppf_val)
