"""The multinomial distribution: counts ``x`` (integers, categories on the last axis) of
``n`` draws with category probabilities ``p``,
``P(x) = n! prod(p_i**x_i / x_i!)``.

Counts whose total is not ``n`` have probability zero.  ``x`` and ``n`` must be integers
(a ValueError otherwise, as in JAX).
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import promote_args_numeric
from zenax.lax.scipy.special import gammaln, xlogy
from zenax.tracer import dtypes as _dtypes

from ._common import ArrayLike, dtype_of, promote_args_inexact

__all__ = ["logpmf", "pmf"]


def logpmf(x: ArrayLike, n: ArrayLike, p: ArrayLike):
    """Log of the multinomial probability mass.

    >>> from zenax.scipy.stats import multinomial
    >>> multinomial.logpmf(jnp.array([1, 2, 0]), 3, jnp.array([0.2, 0.5, 0.3]))
    Array(-1.8971199, dtype=float32)
    """
    p, = promote_args_inexact("multinomial.logpmf", p)
    x, n = promote_args_numeric("multinomial.logpmf", x, n)
    if not _dtypes.is_integer(dtype_of(x)):
        raise ValueError("multinomial.logpmf: x and n must be of integer type; got "
                         f"x.dtype={dtype_of(x)}, n.dtype={dtype_of(n)}")
    x, n = jnp.astype(x, dtype_of(p)), jnp.astype(n, dtype_of(p))
    log_probs = jnp.add(gammaln(jnp.add(n, 1)),
                        jnp.sum(jnp.subtract(xlogy(x, p), gammaln(jnp.add(x, 1))), axis=-1))
    return jnp.where(jnp.equal(jnp.sum(x), n), log_probs, -np.inf)


def pmf(x: ArrayLike, n: ArrayLike, p: ArrayLike):
    """The multinomial probability mass.

    >>> from zenax.scipy.stats import multinomial
    >>> multinomial.pmf(jnp.array([1, 2, 0]), 3, jnp.array([0.2, 0.5, 0.3]))
    Array(0.15000002, dtype=float32)
    """
    return lax.exp(logpmf(x, n, p))
