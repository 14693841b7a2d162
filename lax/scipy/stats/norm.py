"""The normal (Gaussian) distribution with mean ``loc`` and standard deviation ``scale``.

The cdf and its log come from ``ndtr`` and ``log_ndtr`` of ``z = (x - loc) / scale``
(``log_ndtr`` stays accurate far into the lower tail); the survival functions are those of
the reflected distribution (``x -> -x``, ``loc -> -loc``), so the upper tail is as
precise.  The quantile functions come from ``ndtri`` and, as JAX's, return the default
float dtype.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import log_ndtr, ndtr, ndtri

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "ppf", "logsf", "sf", "isf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the normal density, ``-((x - loc)**2 / scale**2 + log(2 pi scale**2)) / 2``.

    >>> from zenax.scipy.stats import norm
    >>> norm.logpdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([-1.4189385, -0.9189385, -2.9189386], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("norm.logpdf", x, loc, scale)
    scale_sqrd = lax.square(scale)
    log_normalizer = lax.log(lax.mul(const_like(x, 2 * np.pi), scale_sqrd))
    quadratic = lax.div(lax.square(lax.sub(x, loc)), scale_sqrd)
    return lax.div(lax.add(log_normalizer, quadratic), const_like(x, -2))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The normal density.

    >>> from zenax.scipy.stats import norm
    >>> norm.pdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.24197073, 0.3989423 , 0.05399096], dtype=float32)
    """
    return lax.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The normal cumulative distribution, ``ndtr((x - loc) / scale)``.

    >>> from zenax.scipy.stats import norm
    >>> norm.cdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.15865527, 0.5       , 0.97724986], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("norm.cdf", x, loc, scale)
    return ndtr(lax.div(lax.sub(x, loc), scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the normal cdf, ``log_ndtr((x - loc) / scale)``, accurate in the lower tail.

    >>> from zenax.scipy.stats import norm
    >>> norm.logcdf(jnp.array([-20.0, 0.0, 2.0]))
    Array([-2.0391716e+02, -6.9314718e-01, -2.3012917e-02], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("norm.logcdf", x, loc, scale)
    return log_ndtr(lax.div(lax.sub(x, loc), scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The normal quantile function, ``loc + scale ndtri(q)``, in the default float dtype.

    >>> from zenax.scipy.stats import norm
    >>> norm.ppf(jnp.array([0.025, 0.5, 0.975]))
    Array([-1.9599638,  0.       ,  1.9599644], dtype=float32)
    """
    return jnp.asarray(jnp.add(jnp.multiply(ndtri(q), scale), loc), float)


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the normal survival function, accurate in the upper tail.

    >>> from zenax.scipy.stats import norm
    >>> norm.logsf(jnp.array([-2.0, 0.0, 20.0]))
    Array([-2.3012917e-02, -6.9314718e-01, -2.0391716e+02], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("norm.logsf", x, loc, scale)
    return logcdf(lax.neg(x), lax.neg(loc), scale)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The normal survival function ``1 - cdf(x)``.

    >>> from zenax.scipy.stats import norm
    >>> norm.sf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.8413447 , 0.5       , 0.02275013], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("norm.sf", x, loc, scale)
    return cdf(lax.neg(x), lax.neg(loc), scale)


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The inverse of the normal survival function, ``ppf(1 - q)``.

    >>> from zenax.scipy.stats import norm
    >>> norm.isf(jnp.array([0.025, 0.5]))
    Array([1.9599644, 0.       ], dtype=float32)
    """
    return ppf(lax.sub(const_like(q, 1), q), loc, scale)
