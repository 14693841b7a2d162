"""The logistic distribution, whose cdf is the logistic sigmoid ``expit(z)`` of
``z = (x - loc) / scale``.

The log density ``-2 logaddexp(z/2, -z/2) - log(scale)`` is symmetric and does not
overflow in either tail; the quantile functions are ``logit`` and its negation.
"""
from __future__ import annotations

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import expit, logit

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf", "ppf", "sf", "isf", "cdf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the logistic density.

    >>> from zenax.scipy.stats import logistic
    >>> logistic.logpdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([-1.6265234, -1.3862944, -2.253856 ], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("logistic.logpdf", x, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    two = const_like(z, 2)
    half_z = lax.div(z, two)
    return lax.sub(lax.mul(lax.neg(two), jnp.logaddexp(half_z, lax.neg(half_z))),
                   lax.log(scale))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The logistic density.

    >>> from zenax.scipy.stats import logistic
    >>> logistic.pdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.19661193, 0.25      , 0.1049936 ], dtype=float32)
    """
    return lax.exp(logpdf(x, loc, scale))


def ppf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The logistic quantile function, ``loc + scale logit(x)``.

    >>> from zenax.scipy.stats import logistic
    >>> logistic.ppf(jnp.array([0.25, 0.5, 0.9]))
    Array([-1.0986123,  0.       ,  2.1972244], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("logistic.ppf", x, loc, scale)
    return lax.add(lax.mul(logit(x), scale), loc)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The logistic survival function, ``expit(-z)``.

    >>> from zenax.scipy.stats import logistic
    >>> logistic.sf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.7310586 , 0.5       , 0.11920292], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("logistic.sf", x, loc, scale)
    return expit(lax.neg(lax.div(lax.sub(x, loc), scale)))


def isf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The inverse logistic survival function, ``loc - scale logit(x)``.

    >>> from zenax.scipy.stats import logistic
    >>> logistic.isf(jnp.array([0.25, 0.5, 0.9]))
    Array([ 1.0986123,  0.       , -2.1972244], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("logistic.isf", x, loc, scale)
    return lax.add(lax.mul(lax.neg(logit(x)), scale), loc)


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The logistic cumulative distribution, ``expit(z)``.

    >>> from zenax.scipy.stats import logistic
    >>> logistic.cdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.26894143, 0.5       , 0.880797  ], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("logistic.cdf", x, loc, scale)
    return expit(lax.div(lax.sub(x, loc), scale))
