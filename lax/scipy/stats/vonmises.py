"""The von Mises distribution on the circle, with density
``exp(kappa cos(x)) / (2 pi I0(kappa))``.

The normalizer uses the scaled Bessel function ``i0e(kappa) = exp(-kappa) I0(kappa)``, so
the log density ``kappa (cos(x) - 1) - log(2 pi i0e(kappa))`` stays finite for large
``kappa``.  ``kappa <= 0`` gives NaN.
"""
from __future__ import annotations

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp

from ._common import ArrayLike, const_like, promote_args_inexact

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, kappa: ArrayLike):
    """Log of the von Mises density with concentration ``kappa`` (NaN unless
    ``kappa > 0``).

    >>> from zenax.scipy.stats import vonmises
    >>> vonmises.logpdf(jnp.array([0.0, 1.0, 3.0]), 2.0)
    Array([-0.6618706, -1.581266 , -4.6418557], dtype=float32)
    """
    x, kappa = promote_args_inexact("vonmises.logpdf", x, kappa)
    log_probs = jnp.subtract(jnp.multiply(kappa, jnp.subtract(jnp.cos(x), 1)),
                             jnp.log(jnp.multiply(2 * np.pi, lax.bessel_i0e(kappa))))
    return jnp.where(lax.gt(kappa, const_like(kappa, 0)), log_probs, np.nan)


def pdf(x: ArrayLike, kappa: ArrayLike):
    """The von Mises density.

    >>> from zenax.scipy.stats import vonmises
    >>> vonmises.pdf(jnp.array([0.0, 1.0, 3.0]), 2.0)
    Array([0.5158854 , 0.2057145 , 0.00963979], dtype=float32)
    """
    return lax.exp(logpdf(x, kappa))
