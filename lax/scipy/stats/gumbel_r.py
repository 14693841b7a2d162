"""The right-skewed Gumbel (extreme value type I) distribution, with cdf
``exp(-exp(-z))`` for ``z = (x - loc) / scale``.

Everything is computed in log space first: ``logcdf = -exp(-z)``, ``logsf =
log(1 - exp(-exp(-z)))`` with a ``log1mexp`` that picks ``log(-expm1(-t))`` or
``log1p(-exp(-t))`` by the size of ``t``.  A ``scale`` that is not positive gives NaN, and
``ppf`` is NaN outside ``(0, 1)``.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.scipy.special import xlogy

from ._common import ArrayLike, const_like, not_probability, positive_scale, promote_args_inexact

__all__ = ["logpdf", "pdf", "logcdf", "cdf", "ppf", "sf", "logsf"]


@custom_jvp
def _log1mexp(t):
    """``log(1 - exp(-t))`` for ``t >= 0``, accurate at both ends."""
    return jnp.where(jnp.less(t, jnp.log(2.0)), jnp.log(lax.neg(jnp.expm1(lax.neg(t)))),
                     jnp.log1p(lax.neg(jnp.exp(lax.neg(t)))))


@_log1mexp.defjvp
def _log1mexp_jvp(primals, tangents):
    # d/dt log(1 - exp(-t)) = 1 / expm1(t): one expression, no branch to differentiate.
    (t,), (t_dot,) = primals, tangents
    return _log1mexp(t), jnp.divide(t_dot, jnp.expm1(t))


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the right-skewed Gumbel density, ``-z - exp(-z) - log(scale)``.

    >>> from zenax.scipy.stats import gumbel_r
    >>> gumbel_r.logpdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([-1.7182817, -1.       , -2.1353352], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("gumbel_r.logpdf", x, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    log_pdf = lax.add(xlogy(-1, scale), lax.neg(lax.add(z, lax.exp(lax.neg(z)))))
    return jnp.where(positive_scale(scale), log_pdf, np.nan)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The right-skewed Gumbel density.

    >>> from zenax.scipy.stats import gumbel_r
    >>> gumbel_r.pdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.1793741 , 0.36787945, 0.11820496], dtype=float32)
    """
    return lax.exp(logpdf(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the right-skewed Gumbel cdf, ``-exp(-z)``.

    >>> from zenax.scipy.stats import gumbel_r
    >>> gumbel_r.logcdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([-2.7182817 , -1.        , -0.13533528], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("gumbel_r.logcdf", x, loc, scale)
    z = lax.div(lax.sub(x, loc), scale)
    return jnp.where(positive_scale(scale), lax.neg(lax.exp(lax.neg(z))), np.nan)


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The right-skewed Gumbel cumulative distribution, ``exp(-exp(-z))``.

    >>> from zenax.scipy.stats import gumbel_r
    >>> gumbel_r.cdf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.06598804, 0.36787945, 0.87342304], dtype=float32)
    """
    return lax.exp(logcdf(x, loc, scale))


def ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The right-skewed Gumbel quantile function, ``loc - scale log(-log(p))``; NaN
    outside ``(0, 1)``.

    >>> from zenax.scipy.stats import gumbel_r
    >>> gumbel_r.ppf(jnp.array([0.0, 0.5, 0.9]))
    Array([       nan, 0.36651292, 2.2503672 ], dtype=float32)
    """
    p, loc, scale = promote_args_inexact("gumbel_r.ppf", p, loc, scale)
    quantile = lax.sub(loc, lax.mul(scale, lax.log(xlogy(-1, p))))
    return jnp.where(not_probability(p, open_interval=True), np.nan, quantile)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The right-skewed Gumbel survival function, ``1 - exp(-exp(-z))``.

    >>> from zenax.scipy.stats import gumbel_r
    >>> gumbel_r.sf(jnp.array([-1.0, 0.0, 2.0]))
    Array([0.93401194, 0.63212055, 0.12657696], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("gumbel_r.sf", x, loc, scale)
    neg_z = lax.div(lax.sub(loc, x), scale)
    survival = lax.sub(const_like(x, 1), lax.exp(lax.neg(lax.exp(neg_z))))
    return jnp.where(positive_scale(scale), survival, np.nan)


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of the right-skewed Gumbel survival function, ``log1mexp(exp(-z))``.

    >>> from zenax.scipy.stats import gumbel_r
    >>> gumbel_r.logsf(jnp.array([-1.0, 0.0, 2.0]))
    Array([-0.06826603, -0.45867515, -2.0669045 ], dtype=float32)
    """
    x, loc, scale = promote_args_inexact("gumbel_r.logsf", x, loc, scale)
    neg_z = lax.div(lax.sub(loc, x), scale)
    return jnp.where(positive_scale(scale), _log1mexp(lax.exp(neg_z)), np.nan)
