"""The left-skewed Gumbel distribution, the mirror image of ``gumbel_r``: its survival
function is ``exp(-exp(z))`` for ``z = (x - loc) / scale``.

``logsf = -exp(z)`` is the exact one; ``logcdf`` is ``log(-expm1(-exp(z)))``.  A ``scale``
that is not positive gives NaN, and ``ppf`` is NaN outside ``(0, 1)``.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import xlog1py, xlogy

from ._common import ArrayLike, not_probability, positive_scale, promote_args_inexact

__all__ = ["logpdf", "pdf", "logcdf", "cdf", "ppf", "sf", "logsf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the left-skewed Gumbel density, ``z - exp(z) - log(scale)``.

    >>> from zenax.scipy.stats import gumbel_l
    >>> gumbel_l.logpdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([-1.3678794, -1.       , -5.389056 ], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("gumbel_l.logpdf", x, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    log_pdf = lax.add(xlogy(-1, scale), lax.sub(z, lax.exp(z)))
    return jnp.where(positive_scale(scale), log_pdf, np.nan)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The left-skewed Gumbel density.

    >>> from zenax.scipy.stats import gumbel_l
    >>> gumbel_l.pdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.2546464 , 0.36787945, 0.00456628], dtype=float32)
    """
    return lax.exp(logpdf(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the left-skewed Gumbel cdf, ``log(1 - exp(-exp(z)))``.

    >>> from zenax.scipy.stats import gumbel_l
    >>> gumbel_l.logcdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([-1.1783071e+00, -4.5867515e-01, -6.1817199e-04], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("gumbel_l.logcdf", x, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    log_cdf = lax.log(lax.neg(lax.expm1(lax.neg(lax.exp(z)))))
    return jnp.where(positive_scale(scale), log_cdf, np.nan)


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The left-skewed Gumbel cumulative distribution, ``1 - exp(-exp(z))``.

    >>> from zenax.scipy.stats import gumbel_l
    >>> gumbel_l.cdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.3077994 , 0.63212055, 0.999382  ], dtype=float32)
    """
    return lax.exp(logcdf(x, loc, scale))


def ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The left-skewed Gumbel quantile function, ``loc + scale log(-log1p(-p))``; NaN
    outside ``(0, 1)``.

    >>> from zenax.scipy.stats import gumbel_l
    >>> gumbel_l.ppf(jnp.array([0.1, 0.5, 1.0]))
    Array([-2.2503674 , -0.36651292,         nan], dtype=float32)
    """
    p, loc, scale = promote_args_inexact("gumbel_l.ppf", p, loc, scale)
    quantile = lax.add(loc, lax.mul(scale, lax.log(xlog1py(-1, lax.neg(p)))))
    return jnp.where(not_probability(p, open_interval=True), np.nan, quantile)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The left-skewed Gumbel survival function, ``exp(-exp(z))``.

    >>> from zenax.scipy.stats import gumbel_l
    >>> gumbel_l.sf(jnp.array([-1.0, 0.0, 2.0]))
    Array([6.9220060e-01, 3.6787945e-01, 6.1797892e-04], dtype=float32)
    """
    return jnp.exp(logsf(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the left-skewed Gumbel survival function, ``-exp(z)``.

    >>> from zenax.scipy.stats import gumbel_l
    >>> gumbel_l.logsf(jnp.array([-1.0, 0.0, 2.0]))
    Array([-0.36787945, -1.        , -7.389056  ], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("gumbel_l.logsf", x, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    return jnp.where(positive_scale(scale), lax.neg(lax.exp(z)), np.nan)
