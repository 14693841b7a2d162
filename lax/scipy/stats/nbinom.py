"""The negative binomial distribution: the number of failures before the ``n``-th success
of Bernoulli(``p``) trials, ``P(k) = Gamma(k + n) / (Gamma(n) k!) p**n (1 - p)**k``
(shifted by ``loc``).  ``k < loc`` has probability zero.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import gammaln, xlogy

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """Log of the negative binomial probability mass.

    >>> from zenax.scipy.stats import nbinom
    >>> nbinom.logpmf(jnp.array([-1.0, 0.0, 3.0]), 2.0, 0.5)
    Array([      -inf, -1.3862948, -2.0794415], dtype=float32)
    """
    k, n, p, loc = promote_args_inexact("nbinom.logpmf", k, n, p, loc)
    one = const_like(k, 1)
    y = lax.sub(k, loc)
    comb_term = lax.sub(lax.sub(gammaln(lax.add(y, n)), gammaln(n)), gammaln(lax.add(y, one)))
    log_linear_term = lax.add(xlogy(n, p), xlogy(y, lax.sub(one, p)))
    log_probs = lax.add(comb_term, log_linear_term)
    return jnp.where(lax.lt(k, loc), -np.inf, log_probs)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """The negative binomial probability mass.

    >>> from zenax.scipy.stats import nbinom
    >>> nbinom.pmf(jnp.array([-1.0, 0.0, 3.0]), 2.0, 0.5)
    Array([0.        , 0.24999988, 0.125     ], dtype=float32)
    """
    return lax.exp(logpmf(k, n, p, loc))
