"""The normal distribution truncated to ``[a, b]`` (bounds in units of ``scale`` around
``loc``).

Everything rests on the log of the standard normal mass of an interval,
``log(ndtr(b) - ndtr(a))``.  In a tail (the interval entirely on one side of 0) it is the
difference of two ``log_ndtr`` values, taken with a signed ``logsumexp``, mirrored to the
lower tail where ``log_ndtr`` is accurate.  An interval straddling 0 is the whole line
less its two tails, ``log1p(-ndtr(a) - ndtr(-b))``, accurate since that mass is not
small.  The cdf switches to ``log1p(-sf)`` near 1.  ``a >= b`` gives NaN; points
outside ``[a, b]`` have density zero.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.scipy.special import log_ndtr, logsumexp, ndtr

from . import norm
from ._common import promote_args_inexact

__all__ = ["logpdf", "pdf", "logsf", "sf", "logcdf", "cdf"]


def _log_diff(x, y):
    """``log(exp(x) - exp(y))`` for ``x >= y``."""
    return logsumexp(jnp.stack([x, y]),
                     b=jnp.stack([jnp.ones_like(x), jnp.negative(jnp.ones_like(y))]), axis=0)


def _log_gauss_mass(a, b):
    """``log(ndtr(b) - ndtr(a))``: the log standard normal mass of ``[a, b]``."""
    a, b = jnp.broadcast_arrays(jnp.array(a), jnp.array(b))
    case_left = jnp.less_equal(b, 0)
    case_right = jnp.greater(a, 0)
    case_central = jnp.logical_not(jnp.logical_or(case_left, case_right))
    # Mirror a right tail to the left, where log_ndtr keeps its precision.
    a_tail = jnp.where(case_right, jnp.negative(b), a)
    b_tail = jnp.where(case_right, jnp.negative(a), b)
    mass_tail = _log_diff(log_ndtr(b_tail), log_ndtr(a_tail))
    mass_central = jnp.log1p(jnp.subtract(jnp.negative(ndtr(a)), ndtr(jnp.negative(b))))
    return jnp.where(case_central, mass_central, mass_tail)


@compiled_when_eager()
def logpdf(x, a, b, loc=0, scale=1):
    """Log of the density of the normal distribution truncated to ``[a, b]`` (``-inf``
    outside, NaN for ``a >= b``).

    >>> from zenax.scipy.stats import truncnorm
    >>> truncnorm.logpdf(jnp.array([-2.0, 0.0, 0.5]), -1.0, 1.0)
    Array([       -inf, -0.53722334, -0.66222334], dtype=float32)
    """
    x, a, b, loc, scale = promote_args_inexact("truncnorm.logpdf", x, a, b, loc, scale)
    val = lax.sub(norm.logpdf(x, loc, scale), _log_gauss_mass(a, b))
    x_scaled = lax.div(lax.sub(x, loc), scale)
    outside = jnp.logical_or(jnp.less(x_scaled, a), jnp.greater(x_scaled, b))
    val = jnp.where(outside, -np.inf, val)
    return jnp.where(jnp.greater_equal(a, b), np.nan, val)


def pdf(x, a, b, loc=0, scale=1):
    """The density of the normal distribution truncated to ``[a, b]``.

    >>> from zenax.scipy.stats import truncnorm
    >>> truncnorm.pdf(jnp.array([-2.0, 0.0, 0.5]), -1.0, 1.0)
    Array([0.       , 0.5843686, 0.5157035], dtype=float32)
    """
    return lax.exp(logpdf(x, a, b, loc, scale))


@compiled_when_eager()
def logsf(x, a, b, loc=0, scale=1):
    """Log of the truncated normal survival function (the log cdf of the reflected
    distribution).

    >>> from zenax.scipy.stats import truncnorm
    >>> truncnorm.logsf(jnp.array([-1.0, 0.0, 0.5]), -1.0, 1.0)
    Array([ 0.       , -0.6931473, -1.51619  ], dtype=float32)
    """
    x, a, b, loc, scale = promote_args_inexact("truncnorm.logsf", x, a, b, loc, scale)
    return logcdf(lax.neg(x), lax.neg(b), lax.neg(a), lax.neg(loc), scale)


@compiled_when_eager()
def sf(x, a, b, loc=0, scale=1):
    """The truncated normal survival function.

    >>> from zenax.scipy.stats import truncnorm
    >>> truncnorm.sf(jnp.array([-1.0, 0.0, 0.5]), -1.0, 1.0)
    Array([1.        , 0.49999994, 0.21954675], dtype=float32)
    """
    return lax.exp(logsf(x, a, b, loc, scale))


@compiled_when_eager()
def logcdf(x, a, b, loc=0, scale=1):
    """Log of the truncated normal cdf: ``-inf`` up to ``a``, 0 from ``b``.

    >>> from zenax.scipy.stats import truncnorm
    >>> truncnorm.logcdf(jnp.array([-1.0, 0.0, 0.5]), -1.0, 1.0)
    Array([       -inf, -0.6931473 , -0.24788052], dtype=float32)
    """
    x, a, b, loc, scale = promote_args_inexact("truncnorm.logcdf", x, a, b, loc, scale)
    x, a, b = jnp.broadcast_arrays(x, a, b)
    x = lax.div(lax.sub(x, loc), scale)
    log_mass_ab = _log_gauss_mass(a, b)
    log_cdf = jnp.subtract(_log_gauss_mass(a, x), log_mass_ab)
    log_sf = jnp.subtract(_log_gauss_mass(x, b), log_mass_ab)
    log_cdf = jnp.select(
        [jnp.greater_equal(x, b), jnp.less_equal(x, a), jnp.greater(log_cdf, -0.1),
         jnp.greater(x, a)],
        [0, -np.inf, jnp.log1p(jnp.negative(jnp.exp(log_sf))), log_cdf])
    return jnp.where(jnp.greater_equal(a, b), np.nan, log_cdf)


@compiled_when_eager()
def cdf(x, a, b, loc=0, scale=1):
    """The truncated normal cumulative distribution.

    >>> from zenax.scipy.stats import truncnorm
    >>> truncnorm.cdf(jnp.array([-1.0, 0.0, 0.5]), -1.0, 1.0)
    Array([0.        , 0.49999994, 0.7804532 ], dtype=float32)
    """
    return lax.exp(logcdf(x, a, b, loc, scale))
