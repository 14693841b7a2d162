"""The generalized normal distribution with shape ``beta``, density
``beta / (2 Gamma(1 / beta)) exp(-|x|**beta)``: the Laplace distribution at ``beta = 1``,
a normal at ``beta = 2``, tending to uniform as ``beta`` grows.

Its cdf is ``(1 + sign(x) P(1 / beta, |x|**beta)) / 2`` with ``P`` the regularized lower
incomplete gamma function.
"""
from __future__ import annotations

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import gammainc

from ._common import ArrayLike, promote_args_inexact

__all__ = ["logpdf", "cdf", "pdf"]


def logpdf(x: ArrayLike, beta: ArrayLike):
    """Log of the generalized normal density, ``log(beta / 2) - lgamma(1 / beta) -
    |x|**beta``.

    >>> from zenax.scipy.stats import gennorm
    >>> gennorm.logpdf(jnp.array([-1.0, 0.0, 2.0]), 2.0)
    Array([-1.5723648, -0.5723648, -4.572365 ], dtype=float32)
    """
    x, beta = promote_args_inexact("gennorm.logpdf", x, beta)
    return jnp.subtract(jnp.subtract(lax.log(jnp.multiply(0.5, beta)),
                                     lax.lgamma(jnp.divide(1, beta))),
                        jnp.power(lax.abs(x), beta))


def cdf(x: ArrayLike, beta: ArrayLike):
    """The generalized normal cumulative distribution.

    >>> from zenax.scipy.stats import gennorm
    >>> gennorm.cdf(jnp.array([-1.0, 0.0, 2.0]), 2.0)
    Array([0.07864955, 0.5       , 0.9976611 ], dtype=float32)
    """
    x, beta = promote_args_inexact("gennorm.cdf", x, beta)
    tail = gammainc(jnp.divide(1, beta), jnp.power(lax.abs(x), beta))
    return jnp.multiply(0.5, jnp.add(1, jnp.multiply(lax.sign(x), tail)))


def pdf(x: ArrayLike, beta: ArrayLike):
    """The generalized normal density.

    >>> from zenax.scipy.stats import gennorm
    >>> gennorm.pdf(jnp.array([-1.0, 0.0, 2.0]), 2.0)
    Array([0.20755377, 0.5641897 , 0.01033349], dtype=float32)
    """
    return lax.exp(logpdf(x, beta))
