"""The chi-squared distribution with ``df`` degrees of freedom: the gamma distribution
with shape ``df / 2`` and scale 2 (times ``scale``, shifted by ``loc``).

Below ``loc`` the density is zero (``logpdf`` is ``-inf``); the cdf and survival
function are the regularized incomplete gamma functions at ``max(y, 0) / 2``.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import gammainc, gammaincc

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the chi-squared density.

    >>> from zenax.scipy.stats import chi2
    >>> chi2.logpdf(jnp.array([-1.0, 1.0, 4.0]), 3.0)
    Array([      -inf, -1.4189389, -2.2257917], dtype=float32)
    """
    x, df, loc, scale = promote_args_inexact("chi2.logpdf", x, df, loc, scale)
    one, two = const_like(x, 1), const_like(x, 2)
    y = lax.div(lax.sub(x, loc), scale)
    half_df = lax.div(df, two)
    kernel = lax.sub(lax.mul(lax.sub(half_df, one), lax.log(y)), lax.div(y, two))
    log_normalizer = lax.neg(lax.add(lax.lgamma(half_df),
                                     lax.div(lax.mul(lax.log(two), df), two)))
    log_probs = lax.add(lax.sub(log_normalizer, lax.log(scale)), kernel)
    return jnp.where(lax.lt(x, loc), -np.inf, log_probs)


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The chi-squared density.

    >>> from zenax.scipy.stats import chi2
    >>> chi2.pdf(jnp.array([-1.0, 1.0, 4.0]), 3.0)
    Array([0.        , 0.24197064, 0.1079819 ], dtype=float32)
    """
    return lax.exp(logpdf(x, df, loc, scale))


def _half_clamped(x, loc, scale):
    two = const_like(scale, 2)
    return lax.clamp(const_like(x, 0), lax.div(lax.sub(x, loc), lax.mul(scale, two)),
                     const_like(x, np.inf))


def cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The chi-squared cumulative distribution, ``gammainc(df / 2, y / 2)``.

    >>> from zenax.scipy.stats import chi2
    >>> chi2.cdf(jnp.array([-1.0, 1.0, 4.0]), 3.0)
    Array([0.        , 0.19874799, 0.738536  ], dtype=float32)
    """
    x, df, loc, scale = promote_args_inexact("chi2.cdf", x, df, loc, scale)
    return gammainc(lax.div(df, const_like(scale, 2)), _half_clamped(x, loc, scale))


def logcdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the chi-squared cdf.

    >>> from zenax.scipy.stats import chi2
    >>> chi2.logcdf(jnp.array([1.0, 4.0]), 3.0)
    Array([-1.6157176 , -0.30308545], dtype=float32)
    """
    return lax.log(cdf(x, df, loc, scale))


def sf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The chi-squared survival function, ``gammaincc(df / 2, y / 2)``.

    >>> from zenax.scipy.stats import chi2
    >>> chi2.sf(jnp.array([-1.0, 1.0, 4.0]), 3.0)
    Array([1.        , 0.801252  , 0.26146403], dtype=float32)
    """
    x, df, loc, scale = promote_args_inexact("chi2.sf", x, df, loc, scale)
    return gammaincc(lax.div(df, const_like(scale, 2)), _half_clamped(x, loc, scale))


def logsf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the chi-squared survival function.

    >>> from zenax.scipy.stats import chi2
    >>> chi2.logsf(jnp.array([1.0, 4.0]), 3.0)
    Array([-0.22157978, -1.3414586 ], dtype=float32)
    """
    return lax.log(sf(x, df, loc, scale))
