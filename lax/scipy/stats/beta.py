"""The beta distribution on ``[loc, loc + scale]`` with shapes ``a`` and ``b``, density
``y**(a - 1) (1 - y)**(b - 1) / B(a, b) / scale`` for ``y = (x - loc) / scale``.

``xlogy``/``xlog1py`` make the endpoints exact where a shape is 1.  Outside the interval
the density is zero; a shape or scale that is not positive gives NaN.  The cdf is the
regularized incomplete beta function of ``y`` clamped to ``[0, 1]``, and the survival
function the same with the shapes swapped at ``1 - y``.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import betainc, betaln, xlog1py, xlogy

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the beta density.

    >>> from zenax.scipy.stats import beta
    >>> beta.logpdf(jnp.array([-0.5, 0.25, 0.5]), 2.0, 3.0)
    Array([      -inf, 0.5232489 , 0.40546584], dtype=float32)
    """
    x, a, b, loc, scale = promote_args_inexact("beta.logpdf", x, a, b, loc, scale)
    one = const_like(x, 1)
    zero = const_like(a, 0)
    y = lax.div(lax.sub(x, loc), scale)
    log_linear_term = lax.add(xlogy(lax.sub(a, one), y), xlog1py(lax.sub(b, one), lax.neg(y)))
    log_probs = lax.sub(lax.add(lax.neg(betaln(a, b)), log_linear_term), lax.log(scale))
    outside = jnp.logical_or(lax.gt(x, lax.add(loc, scale)), lax.lt(x, loc))
    result = jnp.where(outside, -np.inf, log_probs)
    bad_params = jnp.logical_or(jnp.logical_or(lax.le(a, zero), lax.le(b, zero)),
                                lax.le(scale, zero))
    return jnp.where(bad_params, np.nan, result)


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The beta density.

    >>> from zenax.scipy.stats import beta
    >>> beta.pdf(jnp.array([-0.5, 0.25, 0.5]), 2.0, 3.0)
    Array([0.       , 1.6875013, 1.5000011], dtype=float32)
    """
    return lax.exp(logpdf(x, a, b, loc, scale))


def _clamped_unit(x, loc, scale):
    return lax.clamp(const_like(x, 0), lax.div(lax.sub(x, loc), scale), const_like(x, 1))


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The beta cumulative distribution, ``betainc(a, b, y)``.

    >>> from zenax.scipy.stats import beta
    >>> beta.cdf(jnp.array([-0.5, 0.25, 0.5]), 2.0, 3.0)
    Array([0.        , 0.26171887, 0.6874998 ], dtype=float32)
    """
    x, a, b, loc, scale = promote_args_inexact("beta.cdf", x, a, b, loc, scale)
    return betainc(a, b, _clamped_unit(x, loc, scale))


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the beta cdf.

    >>> from zenax.scipy.stats import beta
    >>> beta.logcdf(jnp.array([0.25, 0.5]), 2.0, 3.0)
    Array([-1.3404844 , -0.37469372], dtype=float32)
    """
    return lax.log(cdf(x, a, b, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The beta survival function, ``betainc(b, a, 1 - y)``.

    >>> from zenax.scipy.stats import beta
    >>> beta.sf(jnp.array([-0.5, 0.25, 0.5]), 2.0, 3.0)
    Array([1.        , 0.73828113, 0.31250018], dtype=float32)
    """
    x, a, b, loc, scale = promote_args_inexact("beta.sf", x, a, b, loc, scale)
    return betainc(b, a, jnp.subtract(1, _clamped_unit(x, loc, scale)))


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the beta survival function.

    >>> from zenax.scipy.stats import beta
    >>> beta.logsf(jnp.array([0.25, 0.5]), 2.0, 3.0)
    Array([-0.3034306, -1.1631502], dtype=float32)
    """
    return lax.log(sf(x, a, b, loc, scale))
