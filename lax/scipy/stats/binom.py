"""The binomial distribution: the number of successes in ``n`` Bernoulli(``p``) trials,
``P(k) = C(n, k) p**k (1 - p)**(n - k)`` (shifted by ``loc``).

The binomial coefficient is taken through ``gammaln``, so ``n`` and ``k`` need not be
integers; ``xlogy``/``xlog1py`` make ``0 log 0 = 0`` at ``p`` of 0 or 1, where the mass
sits on one end (log probability exactly 0).  Outside ``[0, n]`` the mass is zero.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import gammaln, xlog1py, xlogy

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """Log of the binomial probability mass.

    >>> from zenax.scipy.stats import binom
    >>> binom.logpmf(jnp.array([0.0, 2.0, 5.0, 6.0]), 5.0, 0.4)
    Array([-2.5541286, -1.0624733, -4.581454 ,       -inf], dtype=float32)
    """
    k, n, p, loc = promote_args_inexact("binom.logpmf", k, n, p, loc)
    y = lax.sub(k, loc)
    zero = const_like(y, 0)
    comb_term = lax.sub(gammaln(jnp.add(n, 1)),
                        lax.add(gammaln(jnp.add(y, 1)), gammaln(jnp.add(jnp.subtract(n, y), 1))))
    log_linear_term = lax.add(xlogy(y, p), xlog1py(lax.sub(n, y), lax.neg(p)))
    log_probs = lax.add(comb_term, log_linear_term)
    certain = jnp.logical_or(jnp.logical_and(lax.eq(y, zero), lax.eq(n, zero)),
                             lax.eq(log_linear_term, zero))
    log_probs = jnp.where(certain, 0.0, log_probs)
    in_support = jnp.logical_and(lax.ge(k, loc), lax.lt(k, jnp.add(jnp.add(loc, n), 1)))
    return jnp.where(in_support, log_probs, -np.inf)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """The binomial probability mass.

    >>> from zenax.scipy.stats import binom
    >>> binom.pmf(jnp.array([0.0, 2.0, 5.0, 6.0]), 5.0, 0.4)
    Array([0.07775996, 0.34559998, 0.01024   , 0.        ], dtype=float32)
    """
    return lax.exp(logpmf(k, n, p, loc))
