"""Student's t distribution with ``df`` degrees of freedom, density
``Gamma((df + 1)/2) / (Gamma(df/2) sqrt(pi df) scale) (1 + z**2/df)**(-(df + 1)/2)``
for ``z = (x - loc) / scale``.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Log of Student's t density.

    >>> from zenax.scipy.stats import t
    >>> t.logpdf(jnp.array([0.0, 1.0, 5.0]), 3.0)
    Array([-1.0008892, -1.5762534, -5.468074 ], dtype=float32)
    """
    x, df, loc, scale = promote_args_inexact("t.logpdf", x, df, loc, scale)
    two = const_like(x, 2)
    z = lax.div(lax.sub(x, loc), scale)
    half_df = lax.div(df, two)
    half_df_plus_half = lax.add(half_df, const_like(x, 0.5))
    log_pi_df_scale_sq = lax.log(lax.mul(lax.mul(lax.mul(scale, scale),
                                                 const_like(x, np.pi)), df))
    normalize_term = lax.sub(lax.add(lax.lgamma(half_df), lax.div(log_pi_df_scale_sq, two)),
                             lax.lgamma(half_df_plus_half))
    quadratic = lax.div(lax.mul(z, z), df)
    return lax.neg(lax.add(normalize_term, lax.mul(half_df_plus_half, lax.log1p(quadratic))))


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """Student's t density.

    >>> from zenax.scipy.stats import t
    >>> t.pdf(jnp.array([0.0, 1.0, 5.0]), 3.0)
    Array([0.3675525 , 0.20674825, 0.00421935], dtype=float32)
    """
    return lax.exp(logpdf(x, df, loc, scale))
