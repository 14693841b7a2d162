"""The beta-binomial distribution: binomial with ``n`` trials and a success probability
drawn from Beta(``a``, ``b``), ``P(k) = C(n, k) B(k + a, n - k + b) / B(a, b)`` (shifted
by ``loc``; ``k`` is floored).

The binomial coefficient is ``1 / ((n + 1) B(n - k + 1, k + 1))``, all in log space
through ``betaln``.  Outside ``[0, n]`` the mass is zero; ``n < 0`` or a shape that is
not positive gives NaN.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.scipy.special import betaln

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpmf", "pmf"]


@compiled_when_eager()
def logpmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0):
    """Log of the beta-binomial probability mass.

    >>> from zenax.scipy.stats import betabinom
    >>> betabinom.logpmf(jnp.array([0.0, 2.0, 4.0, 5.0]), 4.0, 2.0, 3.0)
    Array([-1.5404432, -1.3581204, -2.6390555,       -inf], dtype=float32)
    """
    k, n, a, b, loc = promote_args_inexact("betabinom.logpmf", k, n, a, b, loc)
    y = lax.sub(lax.floor(k), loc)
    one, zero = const_like(y, 1), const_like(y, 0)
    log_comb = lax.neg(lax.add(lax.log1p(n), betaln(lax.add(lax.sub(n, y), one),
                                                     lax.add(y, one))))
    beta_lns = lax.sub(betaln(lax.add(y, a), lax.add(lax.sub(n, y), b)), betaln(a, b))
    log_probs = lax.add(log_comb, beta_lns)
    log_probs = jnp.where(jnp.logical_and(lax.eq(y, zero), lax.eq(n, zero)), 0.0, log_probs)
    outside = jnp.logical_or(jnp.logical_or(lax.lt(y, lax.neg(loc)), lax.gt(y, n)),
                             lax.le(lax.add(y, a), zero))
    log_probs = jnp.where(outside, -np.inf, log_probs)
    bad_params = jnp.logical_or(jnp.logical_or(lax.lt(n, zero), lax.le(a, zero)),
                                lax.le(b, zero))
    return jnp.where(bad_params, np.nan, log_probs)


def pmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0):
    """The beta-binomial probability mass.

    >>> from zenax.scipy.stats import betabinom
    >>> betabinom.pmf(jnp.array([0.0, 2.0, 4.0, 5.0]), 4.0, 2.0, 3.0)
    Array([0.21428612, 0.25714365, 0.0714287 , 0.        ], dtype=float32)
    """
    return lax.exp(logpmf(k, n, a, b, loc))
