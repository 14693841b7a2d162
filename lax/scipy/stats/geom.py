"""The geometric distribution: the number ``k >= 1`` of Bernoulli(``p``) trials up to and
including the first success, ``P(k) = (1 - p)**(k - 1) p`` (shifted by ``loc``).

``k - loc <= 0`` has probability zero (``logpmf`` is ``-inf``).
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.scipy.special import xlog1py

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """Log of the geometric probability mass, ``(k - 1) log1p(-p) + log(p)``.

    >>> from zenax.scipy.stats import geom
    >>> geom.logpmf(jnp.array([0.0, 1.0, 3.0]), 0.25)
    Array([      -inf, -1.3862944, -1.9616585], dtype=float32)
    """
    k, p, loc = promote_args_inexact("geom.logpmf", k, p, loc)
    x = lax.sub(k, loc)
    log_probs = jnp.add(xlog1py(lax.sub(x, const_like(k, 1)), lax.neg(p)), lax.log(p))
    return jnp.where(lax.le(x, const_like(k, 0)), -np.inf, log_probs)


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """The geometric probability mass.

    >>> from zenax.scipy.stats import geom
    >>> geom.pmf(jnp.array([0.0, 1.0, 3.0]), 0.25)
    Array([0.      , 0.25    , 0.140625], dtype=float32)
    """
    return jnp.exp(logpmf(k, p, loc))
