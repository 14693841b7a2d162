"""The Bernoulli distribution: 1 with probability ``p``, 0 with ``1 - p`` (shifted by
``loc``).

Values other than 0 and 1 are not rounded: ``logpmf`` evaluates ``k log p +
(1 - k) log1p(-p)`` on ``[0, 1]`` and is ``-inf`` outside.  ``cdf`` and ``ppf`` are NaN
when ``p`` is not a probability (and ``ppf`` when ``q`` is not).
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import xlog1py, xlogy

from ._common import ArrayLike, const_like, not_probability, promote_args_inexact

__all__ = ["logpmf", "pmf", "cdf", "ppf"]


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """Log of the Bernoulli probability mass.

    >>> from zenax.scipy.stats import bernoulli
    >>> bernoulli.logpmf(jnp.array([0.0, 1.0, 2.0]), 0.25)
    Array([-0.28768206, -1.3862944 ,        -inf], dtype=float32)
    """
    k, p, loc = promote_args_inexact("bernoulli.logpmf", k, p, loc)
    zero, one = const_like(k, 0), const_like(k, 1)
    x = lax.sub(k, loc)
    log_probs = jnp.add(xlogy(x, p), xlog1py(lax.sub(one, x), lax.neg(p)))
    return jnp.where(jnp.logical_or(lax.lt(x, zero), lax.gt(x, one)), -np.inf, log_probs)


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """The Bernoulli probability mass.

    >>> from zenax.scipy.stats import bernoulli
    >>> bernoulli.pmf(jnp.array([0.0, 1.0, 2.0]), 0.25)
    Array([0.75, 0.25, 0.  ], dtype=float32)
    """
    return jnp.exp(logpmf(k, p, loc))


def cdf(k: ArrayLike, p: ArrayLike):
    """The Bernoulli cumulative distribution: 0 below 0, ``1 - p`` on ``[0, 1)``, 1 from 1.

    >>> from zenax.scipy.stats import bernoulli
    >>> bernoulli.cdf(jnp.array([-1.0, 0.5, 1.0]), 0.25)
    Array([0.  , 0.75, 1.  ], dtype=float32)
    """
    k, p = promote_args_inexact("bernoulli.cdf", k, p)
    zero, one = const_like(k, 0), const_like(k, 1)
    invalid = jnp.logical_or(jnp.isnan(k), not_probability(p))
    conds = [invalid, lax.lt(k, zero), jnp.logical_and(lax.ge(k, zero), lax.lt(k, one)),
             lax.ge(k, one)]
    return jnp.select(conds, [jnp.nan, zero, jnp.subtract(one, p), one])


def ppf(q: ArrayLike, p: ArrayLike):
    """The Bernoulli quantile function: 0 for ``q <= 1 - p``, else 1.

    >>> from zenax.scipy.stats import bernoulli
    >>> bernoulli.ppf(jnp.array([0.5, 0.8, 1.5]), 0.25)
    Array([ 0.,  1., nan], dtype=float32)
    """
    q, p = promote_args_inexact("bernoulli.ppf", q, p)
    zero, one = const_like(q, 0), const_like(q, 1)
    invalid = jnp.logical_or(not_probability(q), not_probability(p))
    return jnp.where(invalid, jnp.nan,
                     jnp.where(lax.le(q, jnp.subtract(one, p)), zero, one))
