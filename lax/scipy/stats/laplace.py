"""The Laplace (double exponential) distribution, with density
``exp(-|x - loc| / scale) / (2 scale)``.

The cdf takes the branch whose exponential cannot overflow: ``exp(z) / 2`` for
``z <= 0`` and ``1 - exp(-z) / 2`` above, with ``z = (x - loc) / scale``.
"""
from __future__ import annotations

import zenax.lax as lax

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf", "cdf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the Laplace density, ``-|x - loc| / scale - log(2 scale)``.

    >>> from zenax.scipy.stats import laplace
    >>> laplace.logpdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([-1.6931472, -0.6931472, -2.6931472], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("laplace.logpdf", x, loc, scale)
    linear_term = lax.div(lax.abs(lax.sub(x, loc)), scale)
    return lax.neg(lax.add(linear_term, lax.log(lax.mul(const_like(x, 2), scale))))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Laplace density.

    >>> from zenax.scipy.stats import laplace
    >>> laplace.pdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.18393973, 0.5       , 0.06766764], dtype=float32)
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Laplace cumulative distribution.

    >>> from zenax.scipy.stats import laplace
    >>> laplace.cdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.18393973, 0.5       , 0.93233234], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("laplace.cdf", x, loc, scale)
    half, one = const_like(x, 0.5), const_like(x, 1)
    z = lax.div(lax.sub(x, loc), scale)
    return lax.select(lax.le(z, const_like(x, 0)), lax.mul(half, lax.exp(z)),
                      lax.sub(one, lax.mul(half, lax.exp(lax.neg(z)))))
