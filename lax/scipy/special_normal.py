"""The standard normal distribution function and its relatives: ``ndtr`` (the CDF),
``ndtri`` (its inverse) and ``log_ndtr`` (its logarithm, accurate in both tails).

* ``ndtr`` is ``erfc``/``erf`` of ``x / sqrt(2)``, choosing the form that does not cancel:
  ``1 + erf`` near 0, ``erfc`` on the left, ``2 - erfc`` on the right.
* ``ndtri`` is Cephes' piecewise rational approximation: one form for central ``p``
  (``|p - 1/2| < 1/2 - exp(-2)``) and two in ``z = sqrt(-2 log p)`` for the tails,
  applied to ``min(p, 1 - p)`` and mirrored.
* ``log_ndtr`` has three regimes split at a lower and an upper bound (-20 and 8 in
  float64, -10 and 5 in float32): ``log(ndtr(x))`` between them, ``-ndtr(-x)`` above
  (``log(1 - e) ~ -e``), and below, the asymptotic series of the normal tail,
  ``log(exp(-x**2/2) / (-x sqrt(2 pi))) + log(1 + sum_n (-1)**n (2n-1)!! / x**(2n))``
  to ``series_order`` terms.  Its derivative is the custom rule
  ``exp(log_pdf(x) - log_ndtr(x))`` (the normal hazard function), finite in both tails.

As in JAX, these three accept only float32 and float64 arguments (a TypeError
otherwise): they are defined by their dtype's split points and coefficient tables.
"""
from __future__ import annotations

import functools

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import ArrayLike, check_arraylike, dtype_of
from zenax.tracer.source_info import user_frame_str

from .special_series import float_array, ratio

__all__ = ["log_ndtr", "ndtr", "ndtri"]


# --------------------------------------------------------------------------- ndtr

def _ndtr(x):
    dtype = dtype_of(x).type
    half_sqrt_2 = dtype(0.5) * np.sqrt(2.0, dtype=dtype)
    w = x * half_sqrt_2
    z = jnp.abs(w)
    y = jnp.where(z < half_sqrt_2, dtype(1.0) + lax.erf(w),
                  jnp.where(w > dtype(0.0), dtype(2.0) - lax.erfc(z), lax.erfc(z)))
    return dtype(0.5) * y


@compiled_when_eager()
def ndtr(x: ArrayLike):
    """The standard normal CDF: the probability mass below ``x``.

    >>> jsp.special.ndtr(jnp.array([-3., 0., 1.]))
    Array([0.0013499, 0.5      , 0.8413447], dtype=float32)
    """
    return _ndtr(float_array("ndtr", x))


# --------------------------------------------------------------------------- ndtri
# Cephes ndtri: x/sqrt(2 pi) = w + w**3 P0(w**2)/Q0(w**2) with w = p - 1/2 for central p;
# in the tails x = z - log(z)/z - P(1/z)/(z Q(1/z)), z = sqrt(-2 log p), with (P1, Q1)
# for z < 8 and (P2, Q2) beyond.
_NDTRI_P0 = [-5.99633501014107895267e1, 9.80010754185999661536e1, -5.66762857469070293439e1,
             1.39312609387279679503e1, -1.23916583867381258016e0]
_NDTRI_Q0 = [1.0, 1.95448858338141759834e0, 4.67627912898881538453e0, 8.63602421390890590575e1,
             -2.25462687854119370527e2, 2.00260212380060660359e2, -8.20372256168333339912e1,
             1.59056225126211695515e1, -1.18331621121330003142e0]
_NDTRI_P1 = [4.05544892305962419923e0, 3.15251094599893866154e1, 5.71628192246421288162e1,
             4.40805073893200834700e1, 1.46849561928858024014e1, 2.18663306850790267539e0,
             -1.40256079171354495875e-1, -3.50424626827848203418e-2,
             -8.57456785154685413611e-4]
_NDTRI_Q1 = [1.0, 1.57799883256466749731e1, 4.53907635128879210584e1, 4.13172038254672030440e1,
             1.50425385692907503408e1, 2.50464946208309415979e0, -1.42182922854787788574e-1,
             -3.80806407691578277194e-2, -9.33259480895457427372e-4]
_NDTRI_P2 = [3.23774891776946035970e0, 6.91522889068984211695e0, 3.93881025292474443415e0,
             1.33303460815807542389e0, 2.01485389549179081538e-1, 1.23716634817820021358e-2,
             3.01581553508235416007e-4, 2.65806974686737550832e-6, 6.23974539184983293730e-9]
_NDTRI_Q2 = [1.0, 6.02427039364742014255e0, 3.67983563856160859403e0, 1.37702099489081330271e0,
             2.16236993594496635890e-1, 1.34204006088543189037e-2, 3.28014464682127739104e-4,
             2.89247864745380683936e-6, 6.79019408009981274425e-9]


def _ndtri(p):
    dtype = dtype_of(p).type
    upper_tail = p > dtype(-np.expm1(-2.0))          # p > 1 - exp(-2)
    q = jnp.where(upper_tail, dtype(1.0) - p, p)     # min(p, 1 - p), up to rounding
    # q == 0 (p of 0 or 1) would give log(0) below; its result is replaced by +-inf.
    q = jnp.where(q == dtype(0.0), jnp.full_like(q, 0.5), q)

    w = q - dtype(0.5)
    ww = w * w
    central = -(w + w * ww * ratio(_NDTRI_P0, _NDTRI_Q0, ww)) * dtype(np.sqrt(2.0 * np.pi))

    z = lax.sqrt(dtype(-2.0) * lax.log(q))
    head, inv_z = z - lax.log(z) / z, 1 / z
    far_tail = head - ratio(_NDTRI_P2, _NDTRI_Q2, inv_z) / z
    near_tail = head - ratio(_NDTRI_P1, _NDTRI_Q1, inv_z) / z

    x = jnp.where(q > dtype(np.exp(-2.0)), central,
                  jnp.where(z >= dtype(8.0), far_tail, near_tail))
    x = jnp.where(p > dtype(1.0 - np.exp(-2.0)), x, -x)
    inf = jnp.full_like(x, np.inf)
    return jnp.where(p == dtype(0.0), -inf, jnp.where(p == dtype(1.0), inf, x))


@compiled_when_eager()
def ndtri(p: ArrayLike):
    """The inverse of :func:`ndtr`: the ``x`` with ``ndtr(x) == p``, ``-inf``/``inf`` at
    0 and 1, NaN outside ``[0, 1]``.

    >>> jsp.special.ndtri(jnp.array([0.001, 0.5, 0.75]))
    Array([-3.0902324,  0.       ,  0.6744898], dtype=float32)
    """
    check_arraylike("ndtri", p)
    return _ndtri(float_array("ndtri", p))


# --------------------------------------------------------------------------- log_ndtr
# (lower, upper) bounds of the middle regime, per dtype: below `lower`, ndtr's support
# in the dtype is exhausted; above `upper`, log(ndtr(x)) rounds to 0.
_LOG_NDTR_BOUNDS = {np.dtype(np.float64): (-20.0, 8.0), np.dtype(np.float32): (-10.0, 5.0)}


def _log_ndtr_lower_tail(x, series_order: int):
    """log(ndtr(x)) for ``x << -1`` from the asymptotic series of the normal tail."""
    dtype = dtype_of(x).type
    x_2 = x * x
    log_scale = -dtype(0.5) * x_2 - lax.log(-x) - dtype(0.5 * np.log(2.0 * np.pi))
    if series_order <= 0:
        return log_scale
    # 1 + sum_n (-1)**n (2n-1)!! / x**(2n), the even and odd terms summed apart (as JAX).
    # Each term is the last times (2n-1)/x**2: (2n-1)!! and x**(2n) alone overflow.
    even_sum, odd_sum = jnp.zeros_like(x), jnp.zeros_like(x)
    term = jnp.ones_like(x)
    for n in range(1, series_order + 1):
        term = term * (dtype(2 * n - 1) / x_2)
        if n % 2:
            odd_sum = odd_sum + term
        else:
            even_sum = even_sum + term
    return log_scale + lax.log(dtype(1.0) + even_sum - odd_sum)


@functools.partial(custom_jvp, nondiff_argnums=(1,))
def _log_ndtr(x, series_order: int):
    lower, upper = (np.array(b, dtype_of(x)) for b in _LOG_NDTR_BOUNDS[dtype_of(x)])
    above = x > upper
    # One ndtr call serves both the middle and the upper regime.  The clamps keep each
    # unused branch finite (a NaN there would reach the gradient of the select).
    ndtr_x = _ndtr(jnp.where(above, -x, lax.max(x, jnp.full_like(x, lower))))
    lower_tail = _log_ndtr_lower_tail(lax.min(x, jnp.full_like(x, lower)), series_order)
    return jnp.where(above, -ndtr_x, jnp.where(x > lower, lax.log(ndtr_x), lower_tail))


@_log_ndtr.defjvp
def _log_ndtr_jvp(series_order, primals, tangents):
    (x,), (x_dot,) = primals, tangents
    ans = _log_ndtr(x, series_order)
    dtype = dtype_of(x).type
    log_pdf = dtype(-0.5) * (x * x) - dtype(np.log(np.sqrt(2 * np.pi)))
    return ans, x_dot * lax.exp(log_pdf - ans)


@compiled_when_eager(static_argnames=("series_order",))
def log_ndtr(x: ArrayLike, series_order: int = 3):
    """``log(ndtr(x))``, accurate far into both tails; ``series_order`` (0 to 30) terms
    of the asymptotic series are used far to the left.

    >>> jsp.special.log_ndtr(jnp.array([-20., 0., 6.]))
    Array([-2.0391716e+02, -6.9314718e-01, -9.8658959e-10], dtype=float32)
    """
    if not isinstance(series_order, int):
        raise TypeError(f"log_ndtr: series_order must be a Python int, got "
                        f"{series_order!r} (at {user_frame_str()}).")
    if not 0 <= series_order <= 30:
        raise ValueError(f"log_ndtr: series_order must be between 0 and 30, got "
                         f"{series_order} (at {user_frame_str()}).")
    return _log_ndtr(float_array("log_ndtr", x), series_order)
