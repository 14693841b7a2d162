"""Elementary transforms: the logistic pair ``expit``/``logit`` and the Box-Cox power
transforms ``boxcox``/``boxcox1p``.

``logit``'s derivative is JAX's custom rule ``1 / (x (1 - x))``, written without
differentiating through the quotient inside the log.  The Box-Cox transforms
``(x**lmbda - 1) / lmbda`` use ``expm1(lmbda log x)``, which is accurate for small
``lmbda``, and are ``log x`` (or ``log1p x``) exactly at ``lmbda == 0``, where the
division is replaced by 1 so its branch stays finite.
"""
from __future__ import annotations

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import ArrayLike, promote_args_inexact

__all__ = ["boxcox", "boxcox1p", "expit", "logit"]


@compiled_when_eager()
def expit(x: ArrayLike):
    """The logistic sigmoid ``1 / (1 + exp(-x))``.

    >>> jsp.special.expit(jnp.array([-2., 0., 2.]))
    Array([0.11920292, 0.5       , 0.880797  ], dtype=float32)
    """
    x, = promote_args_inexact("expit", x)
    return lax.logistic(x)


@custom_jvp
def _logit(x):
    return lax.log(x / (1 - x))


_logit.defjvps(lambda g, ans, x: g / (x * (1 - x)))


@compiled_when_eager()
def logit(x: ArrayLike):
    """The log-odds ``log(x / (1 - x))``, the inverse of :func:`expit`.

    >>> jsp.special.logit(jnp.array([0.1, 0.5, 0.9]))
    Array([-2.1972246,  0.       ,  2.1972244], dtype=float32)
    """
    x, = promote_args_inexact("logit", x)
    return _logit(x)


def _power_transform(log_x, lmbda):
    lmbda_is_zero = lmbda == 0
    safe_lmbda = jnp.where(lmbda_is_zero, jnp.ones_like(lmbda), lmbda)
    return jnp.where(lmbda_is_zero, log_x, jnp.expm1(safe_lmbda * log_x) / safe_lmbda)


@compiled_when_eager()
def boxcox(x: ArrayLike, lmbda: ArrayLike):
    """The Box-Cox transform ``(x**lmbda - 1) / lmbda``, or ``log(x)`` where ``lmbda``
    is 0; NaN for negative ``x``.

    >>> jsp.special.boxcox(jnp.array([1., 2., 4.]), jnp.array([0., 1., 0.5]))
    Array([0., 1., 2.], dtype=float32)
    """
    x, lmbda = promote_args_inexact("boxcox", x, lmbda)
    return _power_transform(jnp.log(x), lmbda)


@compiled_when_eager()
def boxcox1p(x: ArrayLike, lmbda: ArrayLike):
    """The Box-Cox transform of ``1 + x``, accurate for small ``x``: ``log1p(x)`` where
    ``lmbda`` is 0.

    >>> jsp.special.boxcox1p(jnp.array([1e-8, 1., 3.]), jnp.array([0., 1., 0.5]))
    Array([1.e-08, 1.e+00, 2.e+00], dtype=float32)
    """
    x, lmbda = promote_args_inexact("boxcox1p", x, lmbda)
    return _power_transform(jnp.log1p(x), lmbda)
