"""Exponential integrals: ``expi`` (``Ei``), ``expn`` (``E_n``) and ``exp1`` (``E_1``),
after Cephes' ``ei.c`` and ``expn.c``.

* ``expi(x)`` for ``x > 0`` is a rational approximation on each of the intervals
  ``(0, 2], (2, 4], ..., (32, 64]`` and beyond: ``x R(x) + gamma + log x`` on the first,
  ``exp(x) / x (1 + R(1/x) / x)`` on the others; for ``x < 0``, ``Ei(x) = -E_1(-x)``.
* ``expn(n, x)``: the power series in ``x`` for ``0 < x <= 1``, a continued fraction
  for ``x > 1``, a three-term expansion for ``n >= 5000``, and closed forms at the edges
  (``E_0 = exp(-x)/x``, ``E_n(0) = 1/(n - 1)``, NaN for negative ``n`` or ``x``).  The
  cases are tried in that order and the last that applies wins, as in JAX (so ``x > 1``
  always takes the continued fraction).

Every case is evaluated for every element and then selected, so a case's loop is fed a
harmless argument where it is not the one selected -- it would otherwise iterate for a
very long time on, say, a tiny ``x`` it is not meant for.  The derivatives are the
custom rules ``Ei'(x) = exp(x)/x`` and ``E_n' = -E_{n-1}`` (``n`` is not differentiated).
"""
from __future__ import annotations

import functools
import operator

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import ArrayLike, dtype_of, ensure_array, promote_args_inexact

from .special_series import as_arrays, converge, ratio, real_only

__all__ = ["exp1", "expi", "expn"]

# --------------------------------------------------------------------------- expi, x > 0
# Cephes ei.c: (numerator, denominator) per interval, highest power first.
_EI_0_2 = (
    [-5.350447357812542947283e0, 2.185049168816613393830e2, -4.176572384826693777058e3,
     5.541176756393557601232e4, -3.313381331178144034309e5, 1.592627163384945414220e6],
    [1.0, -5.250547959112862969197e1, 1.259616186786790571525e3,
     -1.756549581973534652631e4, 1.493062117002725991967e5, -7.294949239640527645655e5,
     1.592627163384945429726e6])
_EI_TAILS = [  # (upper end of the interval, numerator, denominator)
    (4.0,
     [1.981808503259689673238e-2, -1.271645625984917501326e0, -2.088160335681228318920e0,
      2.755544509187936721172e0, -4.409507048701600257171e-1, 4.665623805935891391017e-2,
      -1.545042679673485262580e-3, 7.059980605299617478514e-5],
     [1.0, 1.476498670914921440652e0, 5.629177174822436244827e-1, 1.699017897879307263248e-1,
      2.291647179034212017463e-2, 4.450150439728752875043e-3, 1.727439612206521482874e-4,
      3.953167195549672482304e-5]),
    (8.0,
     [-1.373215375871208729803e0, -7.084559133740838761406e-1, 1.580806855547941010501e0,
      -2.601500427425622944234e-1, 2.994674694113713763365e-2, -1.038086040188744005513e-3,
      4.371064420753005429514e-5, 2.141783679522602903795e-6],
     [1.0, 8.585231423622028380768e-1, 4.483285822873995129957e-1, 7.687932158124475434091e-2,
      2.449868241021887685904e-2, 8.832165941927796567926e-4, 4.590952299511353531215e-4,
      -4.729848351866523044863e-6, 2.665195537390710170105e-6]),
    (16.0,
     [-2.106934601691916512584e0, 1.732733869664688041885e0, -2.423619178935841904839e-1,
      2.322724180937565842585e-2, 2.372880440493179832059e-4, -8.343219561192552752335e-5,
      1.363408795605250394881e-5, -3.655412321999253963714e-7, 1.464941733975961318456e-8,
      6.176407863710360207074e-10],
     [1.0, -2.298062239901678075778e-1, 1.105077041474037862347e-1,
      -1.566542966630792353556e-2, 2.761106850817352773874e-3, -2.089148012284048449115e-4,
      1.708528938807675304186e-5, -4.459311796356686423199e-7, 1.394634930353847498145e-8,
      6.150865933977338354138e-10]),
    (32.0,
     [-2.458119367674020323359e-1, -1.483382253322077687183e-1, 7.248291795735551591813e-2,
      -1.348315687380940523823e-2, 1.342775069788636972294e-3, -7.942465637159712264564e-5,
      2.644179518984235952241e-6, -4.239473659313765177195e-8],
     [1.0, -1.044225908443871106315e-1, -2.676453128101402655055e-1,
      9.695000254621984627876e-2, -1.601745692712991078208e-2, 1.496414899205908021882e-3,
      -8.462452563778485013756e-5, 2.728938403476726394024e-6, -4.239462431819542051337e-8]),
    (64.0,
     [1.212561118105456670844e-1, -5.823133179043894485122e-1, 2.348887314557016779211e-1,
      -3.040034318113248237280e-2, 1.510082146865190661777e-3, -2.523137095499571377122e-5],
     [1.0, -1.002252150365854016662e0, 2.928709694872224144953e-1,
      -3.337004338674007801307e-2, 1.560544881127388842819e-3, -2.523137093603234562648e-5]),
    (np.inf,
     [-7.657847078286127362028e-1, 6.886192415566705051750e-1, -2.132598113545206124553e-1,
      3.346107552384193813594e-2, -3.076541477344756050249e-3, 1.747119316454907477380e-4,
      -6.103711682274170530369e-6, 1.218032765428652199087e-7, -1.086076102793290233007e-9],
     [1.0, -1.888802868662308731041e0, 1.066691687211408896850e0, -2.751915982306380647738e-1,
      3.930852688233823569726e-2, -3.414684558602365085394e-3, 1.866844370703555398195e-4,
      -6.345146083130515357861e-6, 1.239754287483206878024e-7, -1.086076102793126632978e-9]),
]


def _expi_positive(x):
    """Ei(x) for x > 0 (NaN at 0, where the last interval's formula is what remains)."""
    result = x * ratio(*_EI_0_2, x) + np.euler_gamma + jnp.log(x)
    lower = 2.0
    for upper, num, den in _EI_TAILS:
        w = 1 / x
        tail = jnp.exp(x) * w * (w * ratio(num, den, w) + 1)
        inside = (x > lower) & (x <= upper) if upper != np.inf else ~((x > 0) & (x <= 64.0))
        result = jnp.where(inside, tail, result)
        lower = upper
    return result


@custom_jvp
def _expi(x):
    negative = x < 0
    return jnp.where(negative, -_expn(jnp.ones_like(x), jnp.where(negative, -x, 1)),
                     _expi_positive(x))


@_expi.defjvp
def _expi_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    return _expi(x), jnp.exp(x) / x * x_dot


@compiled_when_eager()
def expi(x: ArrayLike):
    """The exponential integral ``Ei(x)``, the principal value of the integral of
    ``exp(t)/t`` from ``-inf`` to ``x`` (negative for ``x < 0.3725``).

    >>> jsp.special.expi(jnp.array([-1., 0.5, 1., 10.]))
    Array([-2.1938396e-01,  4.5421982e-01,  1.8951179e+00,  2.4922288e+03],
          dtype=float32)
    """
    x = ensure_array(promote_args_inexact("expi", x)[0])
    real_only("expi", x)
    return _expi(x)


# --------------------------------------------------------------------------- expn

def _expn_power_series(n, x):
    """E_n(x) for 0 < x <= 1 and integer n >= 1: the power series in x plus its
    ``(-x)**(n-1) (psi(n) - log x) / (n-1)!`` term."""
    dtype = dtype_of(x)
    eps = np.finfo(dtype).eps
    one = np.asarray(1, dtype)
    # psi(n) - log(x), with psi(n) = -gamma + sum_{i<n} 1/i.
    psi = converge(lambda s: s["i"] < n,
                   lambda s: {"i": s["i"] + one, "psi": s["psi"] + one / s["i"]},
                   {"i": jnp.ones_like(x), "psi": -np.euler_gamma - jnp.log(x)})["psi"]
    n_is_one = n == 1
    start = {"xk": jnp.zeros_like(x), "yk": jnp.ones_like(x), "pk": one - n,
             "ans": jnp.where(n_is_one, jnp.zeros_like(x),
                              one / (one - jnp.where(n_is_one, 2 * one, n))),
             "t": jnp.full_like(x, np.inf)}

    def step(s):
        xk, pk = s["xk"] + one, s["pk"] + one
        yk = s["yk"] * (-x) / xk
        ans = s["ans"] + jnp.where(pk != 0, yk / pk, jnp.zeros_like(x))
        t = jnp.where(ans != 0, jnp.abs(yk / ans), jnp.ones_like(x))
        return {"xk": xk, "yk": yk, "pk": pk, "ans": ans, "t": t}

    ans = converge(lambda s: (x > 0) & (s["t"] > eps), step, start)["ans"]
    return (-x) ** (n - one) * psi / jnp.exp(lax.lgamma(n)) - ans


def _expn_continued_fraction(n, x):
    """E_n(x) for x > 1, by its continued fraction (numerator and denominator rescaled
    whenever they grow past 2**57)."""
    dtype = dtype_of(x)
    eps, big = np.finfo(dtype).eps, np.asarray(1.44115188075855872e17, dtype)
    one, two = np.asarray(1, dtype), np.asarray(2, dtype)
    start = {"k": jnp.ones_like(x), "pkm2": jnp.ones_like(x), "qkm2": x,
             "pkm1": jnp.ones_like(x), "qkm1": x + n, "ans": one / (x + n),
             "t": jnp.full_like(x, np.inf)}

    def step(s):
        k = s["k"] + one
        odd = k % two == one
        yk = jnp.where(odd, one, x)
        xk = jnp.where(odd, n + (k - one) / two, k / two)
        pk = s["pkm1"] * yk + s["pkm2"] * xk
        qk = s["qkm1"] * yk + s["qkm2"] * xk
        nonzero = qk != 0
        r = jnp.where(nonzero, pk / qk, jnp.zeros_like(x))
        t = jnp.where(nonzero, jnp.abs((s["ans"] - r) / r), jnp.ones_like(x))
        ans = jnp.where(nonzero, r, s["ans"])
        scale = jnp.where(jnp.abs(pk) > big, big, one)
        return {"k": k, "pkm2": s["pkm1"] / scale, "qkm2": s["qkm1"] / scale,
                "pkm1": pk / scale, "qkm1": qk / scale, "ans": ans, "t": t}

    ans = converge(lambda s: (x > 0) & (s["t"] > eps), step, start)["ans"]
    return ans * jnp.exp(-x)


def _expn_large_order(n, x):
    """E_n(x) for n >= 5000: ``exp(-x)/(x+n) (1 + n/(x+n)**2 + ...)``, three terms."""
    xk = x + n
    yk = 1 / (xk * xk)
    ans = yk * n * (6 * x * x - 8 * n * x + n * n)
    ans = yk * (ans + n * (n - 2 * x))
    ans = yk * (ans + n)
    return (ans + 1) * jnp.exp(-x) / xk


@custom_jvp
def _expn(n, x):
    dtype = dtype_of(x)
    ones = jnp.ones_like(x)
    fraction_case = x > 1
    cases = [
        ((n < 0) | (x < 0), lambda: np.asarray(np.nan, dtype)),
        ((x == 0) & (n < 2), lambda: np.asarray(np.inf, dtype)),
        # JAX's E_n(0) is 1/n (the true value is 1/(n - 1)); zenax keeps JAX's.
        ((x == 0) & (n >= 2), lambda: 1 / jnp.where(n == 1, 2 * n, n)),
        ((n == 0) & (x >= 0), lambda: jnp.exp(-x) / x),
        (n >= 5000, lambda: _expn_large_order(n, x)),
        (fraction_case, lambda: _expn_continued_fraction(
            jnp.where(fraction_case, n, ones), jnp.where(fraction_case, x, 2 * ones))),
    ]
    # Where no case applies (0 < x <= 1 and 0 < n < 5000, or a NaN), the power series.
    series_case = ~functools.reduce(operator.or_, [applies for applies, _ in cases])
    result = _expn_power_series(jnp.where(series_case, n, ones),
                                jnp.where(series_case, x, 0.5 * ones))
    for applies, value in cases:     # the last case that applies wins
        result = jnp.where(applies, value(), result)
    return result


@_expn.defjvp
def _expn_jvp(primals, tangents):
    (n, x), (_, x_dot) = primals, tangents
    return _expn(n, x), -x_dot * _expn(n - 1, x)


@compiled_when_eager()
def expn(n: ArrayLike, x: ArrayLike):
    """The generalized exponential integral ``E_n(x)``, the integral of
    ``exp(-x t) / t**n`` over ``t >= 1``, for integer ``n >= 0`` and ``x >= 0``.

    >>> jsp.special.expn(jnp.array([0, 1, 2]), jnp.array([1., 1., 0.5]))
    Array([0.36787945, 0.21938422, 0.32664382], dtype=float32)
    """
    # Lists are taken as arrays, as JAX's vectorized expn does.
    n, x = promote_args_inexact("expn", *as_arrays(n, x))
    real_only("expn", x)
    n, x = jnp.broadcast_arrays(n, x)
    return _expn(n, x)


@compiled_when_eager()
def exp1(x: ArrayLike):
    """The exponential integral ``E_1(x)``, the integral of ``exp(-t)/t`` from ``x`` to
    ``inf``.

    >>> jsp.special.exp1(jnp.array([0.1, 1., 5.]))
    Array([1.8229240e+00, 2.1938396e-01, 1.1482956e-03], dtype=float32)
    """
    x = ensure_array(promote_args_inexact("exp1", x)[0])
    real_only("exp1", x)
    return _expn(jnp.ones_like(x), x)
