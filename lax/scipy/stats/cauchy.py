"""The Cauchy distribution, with density ``1 / (pi scale (1 + z**2))`` for
``z = (x - loc) / scale``.

Its cdf is ``1/2 + arctan(z) / pi``; the survival function is the cdf of the reflected
distribution (``x -> -x``, ``loc -> -loc``), which keeps the upper tail precise, and the
quantile functions are tangents.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "isf", "ppf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the Cauchy density, ``-log(pi scale) - log1p(z**2)``.

    >>> from zenax.scipy.stats import cauchy
    >>> cauchy.logpdf(jnp.array([0.0, 1.0, 10.0]))
    Array([-1.1447299, -1.837877 , -5.7598505], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("cauchy.logpdf", x, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    normalize_term = lax.log(lax.mul(const_like(x, np.pi), scale))
    return lax.neg(lax.add(normalize_term, lax.log1p(lax.mul(z, z))))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Cauchy density.

    >>> from zenax.scipy.stats import cauchy
    >>> cauchy.pdf(jnp.array([0.0, 1.0]))
    Array([0.3183099 , 0.15915495], dtype=float32)
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Cauchy cumulative distribution, ``1/2 + arctan(z) / pi``.

    >>> from zenax.scipy.stats import cauchy
    >>> cauchy.cdf(jnp.array([-1.0, 0.0, 1.0]))
    Array([0.25, 0.5 , 0.75], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("cauchy.cdf", x, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    one_over_pi = lax.div(const_like(x, 1.0), const_like(x, np.pi))
    return lax.add(const_like(x, 0.5), lax.mul(one_over_pi, jnp.arctan(z)))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the Cauchy cdf.

    >>> from zenax.scipy.stats import cauchy
    >>> cauchy.logcdf(jnp.array([-1.0, 1.0]))
    Array([-1.3862944, -0.2876821], dtype=float32)
    """
    return lax.log(cdf(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Cauchy survival function ``1 - cdf(x)``, as the cdf at ``-x`` of the reflected
    distribution.

    >>> from zenax.scipy.stats import cauchy
    >>> cauchy.sf(jnp.array([-1.0, 1.0]))
    Array([0.75, 0.25], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("cauchy.sf", x, loc, scale)
    return cdf(lax.neg(x), lax.neg(loc), scale)


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the Cauchy survival function.

    >>> from zenax.scipy.stats import cauchy
    >>> cauchy.logsf(jnp.array([-1.0, 1.0]))
    Array([-0.2876821, -1.3862944], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("cauchy.logsf", x, loc, scale)
    return logcdf(lax.neg(x), lax.neg(loc), scale)


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The inverse of the Cauchy survival function, ``loc + scale tan(pi/2 - pi q)``.

    >>> from zenax.scipy.stats import cauchy
    >>> cauchy.isf(jnp.array([0.25, 0.5]))
    Array([1., 0.], dtype=float32)
    """
    q, loc, scale = promote_args_inexact("cauchy.isf", q, loc, scale)
    angle = lax.sub(const_like(q, np.pi / 2), lax.mul(const_like(q, np.pi), q))
    return lax.add(lax.mul(lax.tan(angle), scale), loc)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The Cauchy quantile function, ``loc + scale tan(pi q - pi/2)``.

    >>> from zenax.scipy.stats import cauchy
    >>> cauchy.ppf(jnp.array([0.25, 0.75]))
    Array([-1.        ,  0.99999994], dtype=float32)
    """
    q, loc, scale = promote_args_inexact("cauchy.ppf", q, loc, scale)
    angle = lax.sub(lax.mul(const_like(q, np.pi), q), const_like(q, np.pi / 2))
    return lax.add(lax.mul(lax.tan(angle), scale), loc)
