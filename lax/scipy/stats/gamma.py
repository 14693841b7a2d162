"""The gamma distribution with shape ``a``, density ``y**(a - 1) exp(-y) / Gamma(a) /
scale`` for ``y = (x - loc) / scale >= 0``.

Below ``loc`` the density is zero (``logpdf`` is ``-inf``; the formula is evaluated at a
harmless ``y = 1`` there, so no NaN leaks into gradients).  The cdf and survival function
are the regularized incomplete gamma functions ``P(a, y)`` and ``Q(a, y)``.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import gammainc, gammaincc, gammaln, xlogy

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the gamma density, ``(a - 1) log(y) - y - log(Gamma(a)) - log(scale)``.

    >>> from zenax.scipy.stats import gamma
    >>> gamma.logpdf(jnp.array([-1.0, 0.5, 2.0]), 2.0)
    Array([      -inf, -1.1931472, -1.3068528], dtype=float32)
    """
    x, a, loc, scale = promote_args_inexact("gamma.logpdf", x, a, loc, scale)
    ok = lax.ge(x, loc)
    one = const_like(x, 1)
    y = jnp.where(ok, lax.div(lax.sub(x, loc), scale), one)
    log_linear_term = lax.sub(xlogy(lax.sub(a, one), y), y)
    shape_terms = lax.add(gammaln(a), lax.log(scale))
    return jnp.where(ok, lax.sub(log_linear_term, shape_terms), -np.inf)


def pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The gamma density.

    >>> from zenax.scipy.stats import gamma
    >>> gamma.pdf(jnp.array([-1.0, 0.5, 2.0]), 2.0)
    Array([0.        , 0.30326533, 0.27067056], dtype=float32)
    """
    return lax.exp(logpdf(x, a, loc, scale))


def cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The gamma cumulative distribution, ``gammainc(a, max(y, 0))``.

    >>> from zenax.scipy.stats import gamma
    >>> gamma.cdf(jnp.array([-1.0, 0.5, 2.0]), 2.0)
    Array([0.        , 0.09020392, 0.5939936 ], dtype=float32)
    """
    x, a, loc, scale = promote_args_inexact("gamma.cdf", x, a, loc, scale)
    y = lax.clamp(const_like(x, 0), lax.div(lax.sub(x, loc), scale), const_like(x, np.inf))
    return gammainc(a, y)


def logcdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the gamma cdf.

    >>> from zenax.scipy.stats import gamma
    >>> gamma.logcdf(jnp.array([0.5, 2.0]), 2.0)
    Array([-2.4056823, -0.5208867], dtype=float32)
    """
    return lax.log(cdf(x, a, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The gamma survival function, ``gammaincc(a, y)`` (1 below ``loc``).

    >>> from zenax.scipy.stats import gamma
    >>> gamma.sf(jnp.array([-1.0, 0.5, 2.0]), 2.0)
    Array([1.        , 0.90979606, 0.40600544], dtype=float32)
    """
    x, a, loc, scale = promote_args_inexact("gamma.sf", x, a, loc, scale)
    y = lax.div(lax.sub(x, loc), scale)
    return jnp.where(lax.lt(y, const_like(y, 0)), 1, gammaincc(a, y))


def logsf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the gamma survival function.

    >>> from zenax.scipy.stats import gamma
    >>> gamma.logsf(jnp.array([0.5, 2.0]), 2.0)
    Array([-0.09453481, -0.9013887 ], dtype=float32)
    """
    return lax.log(sf(x, a, loc, scale))
