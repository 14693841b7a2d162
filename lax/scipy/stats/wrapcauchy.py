"""The wrapped Cauchy distribution on ``[0, 2 pi]``, with density
``(1 - c**2) / (2 pi (1 + c**2 - 2 c cos(x)))`` for a shape ``0 < c < 1``.

Outside ``[0, 2 pi]`` the density is zero (``logpdf`` is ``-inf``); a shape outside
``(0, 1)`` gives NaN.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, c: ArrayLike):
    """Log of the wrapped Cauchy density with shape ``c``.

    >>> from zenax.scipy.stats import wrapcauchy
    >>> wrapcauchy.logpdf(jnp.array([-1.0, 0.0, 3.0]), 0.5)
    Array([      -inf, -0.7392647, -2.9320316], dtype=float32)
    """
    x, c = promote_args_inexact("wrapcauchy.logpdf", x, c)
    c_squared = jnp.multiply(c, c)
    log_probs = jnp.subtract(
        jnp.subtract(jnp.log(jnp.subtract(1, c_squared)), jnp.log(2 * np.pi)),
        jnp.log(jnp.subtract(jnp.add(1, c_squared), jnp.multiply(jnp.multiply(2, c),
                                                                  jnp.cos(x)))))
    in_support = jnp.logical_and(lax.ge(x, const_like(x, 0)),
                                 lax.le(x, const_like(x, np.pi * 2)))
    valid_c = jnp.logical_and(lax.gt(c, const_like(c, 0)), lax.lt(c, const_like(c, 1)))
    return jnp.where(valid_c, jnp.where(in_support, log_probs, -np.inf), np.nan)


def pdf(x: ArrayLike, c: ArrayLike):
    """The wrapped Cauchy density.

    >>> from zenax.scipy.stats import wrapcauchy
    >>> wrapcauchy.pdf(jnp.array([-1.0, 0.0, 3.0]), 0.5)
    Array([0.        , 0.47746485, 0.05328866], dtype=float32)
    """
    return lax.exp(logpdf(x, c))
