"""The Poisson distribution with mean ``mu``: ``P(k) = mu**k exp(-mu) / k!`` for integers
``k >= 0`` (shifted by ``loc``).

Non-integer and negative ``k`` have probability zero (``logpmf`` is ``-inf``).  The cdf
is the regularized upper incomplete gamma function ``Q(floor(k) + 1, mu)``.  The entropy
has no closed form: below ``mu = 100`` it sums ``-p log p`` over enough of the support
(35 or 250 terms, masked beyond a bound that grows with ``mu``); above, it uses the
asymptotic ``log(2 pi e mu) / 2 - 1 / (12 mu)``.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import check_arraylike, promote_dtypes_inexact
from zenax.lax.scipy.special import entr, gammaincc, gammaln, xlogy

from ._common import ArrayLike, const_like, dtype_of, promote_args_inexact

__all__ = ["logpmf", "pmf", "cdf", "entropy"]


def logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0):
    """Log of the Poisson probability mass, ``k log(mu) - log(k!) - mu``.

    >>> from zenax.scipy.stats import poisson
    >>> poisson.logpmf(jnp.array([0.0, 2.0, 2.5]), 2.0)
    Array([-2.0000005, -1.306853 ,       -inf], dtype=float32)
    """
    k, mu, loc = promote_args_inexact("poisson.logpmf", k, mu, loc)
    x = lax.sub(k, loc)
    log_probs = jnp.subtract(jnp.subtract(xlogy(x, mu), gammaln(jnp.add(x, 1))), mu)
    not_integer = lax.ne(jnp.round(k), k)
    return jnp.where(jnp.logical_or(lax.lt(x, const_like(k, 0)), not_integer),
                     -np.inf, log_probs)


def pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0):
    """The Poisson probability mass.

    >>> from zenax.scipy.stats import poisson
    >>> poisson.pmf(jnp.array([0.0, 2.0, 2.5]), 2.0)
    Array([0.13533522, 0.2706705 , 0.        ], dtype=float32)
    """
    return jnp.exp(logpmf(k, mu, loc))


def cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0):
    """The Poisson cumulative distribution, ``gammaincc(floor(k - loc) + 1, mu)``.

    >>> from zenax.scipy.stats import poisson
    >>> poisson.cdf(jnp.array([-1.0, 0.0, 2.5]), 2.0)
    Array([0.        , 0.13533522, 0.6766765 ], dtype=float32)
    """
    k, mu, loc = promote_args_inexact("poisson.cdf", k, mu, loc)
    zero = const_like(k, 0)
    x = lax.sub(k, loc)
    p = gammaincc(jnp.floor(jnp.add(1, x)), mu)
    return jnp.where(lax.lt(x, zero), zero, p)


def _entropy_by_summation(mu, max_k: int, upper_bounds):
    """``sum(entr(pmf(k, mu)))`` over ``k < min(max_k, upper_bounds)``, per element of
    the 1-D ``mu``."""
    k = jnp.arange(max_k, dtype=dtype_of(mu))[:, None]
    probs = pmf(k, mu, 0)
    mask = jnp.less(k, jnp.astype(upper_bounds, dtype_of(k))[None, :])
    return jnp.sum(entr(jnp.where(mask, probs, 0.0)), axis=0)


def _entropy_small_mu(mu):
    return _entropy_by_summation(mu, 35, jnp.ceil(jnp.add(mu, 20)))


def _entropy_medium_mu(mu):
    bound = jnp.ceil(jnp.add(jnp.add(mu, jnp.multiply(10, jnp.sqrt(mu))), 20))
    return _entropy_by_summation(mu, 250, bound)


def _entropy_large_mu(mu):
    return jnp.subtract(jnp.multiply(0.5, jnp.log(jnp.multiply(2 * np.pi * np.e, mu))),
                        jnp.divide(1.0, jnp.multiply(12, mu)))


@compiled_when_eager()
def entropy(mu: ArrayLike, loc: ArrayLike = 0):
    """The entropy (in nats) of the Poisson distribution with mean ``mu``; ``loc`` shifts
    the distribution and so only broadcasts the result.

    >>> from zenax.scipy.stats import poisson
    >>> poisson.entropy(jnp.array([0.0, 1.0, 10.0, 200.0]))
    Array([0.       , 1.3048419, 2.561407 , 4.0676804], dtype=float32)
    """
    check_arraylike("poisson.entropy", mu, loc)
    promoted_mu, promoted_loc = promote_dtypes_inexact(jnp.asarray(mu), jnp.asarray(loc))
    result_shape = jnp.broadcast_shapes(jnp.shape(promoted_mu), jnp.shape(promoted_loc))
    mu_flat = jnp.ravel(promoted_mu)
    result = jnp.where(
        jnp.equal(mu_flat, 0), jnp.zeros_like(mu_flat),
        jnp.where(jnp.less(mu_flat, 10), _entropy_small_mu(mu_flat),
                  jnp.where(jnp.less(mu_flat, 100), _entropy_medium_mu(mu_flat),
                            _entropy_large_mu(mu_flat))))
    return jnp.broadcast_to(jnp.reshape(result, jnp.shape(promoted_mu)), result_shape)
