"""The confluent and Gauss hypergeometric functions ``hyp1f1`` and ``hyp2f1``, after
Pearson, Olver and Porter, *Numerical methods for the computation of the confluent and
Gaussian hypergeometric functions* (2014), as JAX computes them.

* ``1F1(a; b; x)``: the Taylor series for ``|x| < 100``, the large-``x`` asymptotic
  series ``Gamma(b)/Gamma(a) exp(x) x**(a-b) sum_k (b-a)_k (1-a)_k / (k! x**k)`` beyond;
  1 at ``a == 0``, ``exp(x)`` at ``a == b``, ``inf`` at ``b == 0``.
* ``2F1(a, b; c; x)``: the Taylor series, which terminates when ``a`` or ``b`` is a
  non-positive integer; near ``x = 1`` (``x > 0.9``) with ``c - a - b`` an integer, the
  digamma form of the analytic continuation (Abramowitz & Stegun 15.3.10-12); Euler's
  transformation ``(1-x)**(c-a-b) 2F1(c-a, c-b; c; x)`` when ``c - a - b <= -1``; Gauss'
  closed form at ``x == 1``; ``(1-x)**-a`` or ``(1-x)**-b`` when ``b`` or ``a`` equals
  ``c``; ``inf`` where the series is undefined or ``x > 1``.

Series run elementwise until their terms drop below the dtype's epsilon (relative), at
most 250 terms.  Every form is evaluated for every element and one is selected, so each
form is fed harmless arguments where it is not the one selected: a terminating series
would otherwise run ``|a|`` terms for a large unselected ``a``.

The derivatives are JAX's custom rules: ``d/dx 1F1 = a/b 1F1(a+1; b+1; x)`` (and the
same shift for 2F1), and for the parameters the term-by-term derivatives of the series,
whose terms pick up digamma differences (``psi(a+k) - psi(a)`` for ``a``).
"""
from __future__ import annotations

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import ArrayLike, dtype_of, promote_args_inexact
from zenax.tracer.source_info import user_frame_str

from .special_gamma import gamma
from .special_series import as_arrays, converge, is_complex, real_only, strong

__all__ = ["hyp1f1", "hyp2f1"]

_MAX_TERMS = 250


def _eps(x):
    return np.finfo(dtype_of(x)).eps


def _filled(x, value):
    """``value`` in ``x``'s shape and dtype, strongly typed (as JAX's ``jnp.array``
    constants, which make these functions' results strong)."""
    return jnp.full(jnp.shape(x), value, dtype_of(x))


def _sum_series(first_term, ratio, start_from_one=False, digamma_shift=None, sign=1):
    """``sum_k term_k`` over ``k >= 1``, ``term_{k+1} = term_k ratio(k)``, to relative
    precision epsilon or 250 terms; ``start_from_one`` adds the series' leading 1.

    With ``digamma_shift=p`` the terms are weighted by ``sign * (psi(p + k) - psi(p))``,
    the derivative of the Pochhammer symbol's log, accumulated as
    ``sum_{j<k} 1/(p + j)`` (``psi(z + 1) = psi(z) + 1/z``) rather than evaluated.
    """
    x = first_term
    eps = _eps(x)
    one = strong(x, 1)

    def step(s):
        k, term = s["k"], s["term"]
        out = {"k": k + one, "term": term * ratio(k)}
        if digamma_shift is None:
            out["sum"] = s["sum"] + term
        else:
            out["weight"] = s["weight"] + one / (digamma_shift + k - one)
            out["sum"] = s["sum"] + term * (sign * out["weight"])
        return out

    start_sum = jnp.ones_like(x) if start_from_one else jnp.zeros_like(x)
    state = {"k": jnp.ones_like(x), "term": first_term, "sum": start_sum}
    if digamma_shift is not None:
        state["weight"] = jnp.zeros_like(x)
    return converge(lambda s: (s["k"] < _MAX_TERMS) & (jnp.abs(s["term"]) / jnp.abs(s["sum"])
                                                       > eps),
                    step, state)["sum"]


# --------------------------------------------------------------------------- hyp1f1

def _hyp1f1_taylor(a, b, x):
    return _sum_series(a / b * x, lambda k: (a + k) / (b + k) * x / (k + 1),
                       start_from_one=True)


def _hyp1f1_asymptotic(a, b, x):
    series = _sum_series((b - a) * (1 - a) / x, lambda k: (b - a + k) * (1 - a + k) / (k + 1) / x,
                         start_from_one=True)
    return gamma(b) / gamma(a) * jnp.exp(x) * x ** (a - b) * series


@custom_jvp
def _hyp1f1(a, b, x):
    small = jnp.abs(x) < 100
    zeros = jnp.zeros_like(x)
    result = jnp.where(small, _hyp1f1_taylor(a, b, jnp.where(small, x, zeros)),
                       _hyp1f1_asymptotic(a, b, jnp.where(small, jnp.full_like(x, 100), x)))
    which = ((a == 0) * 1 + ((a == b) & (a != 0)) * 2 + ((b == 0) & (a != 0)) * 3)
    return lax.select_n(which, result, _filled(x, 1), jnp.exp(x), _filled(x, np.inf))


def _hyp1f1_parameter_derivative(a, b, x, shift, sign):
    return _sum_series(a / b * x, lambda k: (a + k) / (b + k) * x / (k + 1),
                       digamma_shift=shift, sign=sign)


_hyp1f1.defjvps(lambda a_dot, ans, a, b, x: _hyp1f1_parameter_derivative(a, b, x, a, 1) * a_dot,
                lambda b_dot, ans, a, b, x: _hyp1f1_parameter_derivative(a, b, x, b, -1) * b_dot,
                lambda x_dot, ans, a, b, x: a / b * _hyp1f1(a + 1, b + 1, x) * x_dot)


@compiled_when_eager()
def hyp1f1(a: ArrayLike, b: ArrayLike, x: ArrayLike):
    """Kummer's confluent hypergeometric function ``1F1(a; b; x)``, the sum over ``k`` of
    ``(a)_k / (b)_k x**k / k!``, for real arguments (1 at ``a == b == 0``).

    >>> jsp.special.hyp1f1(jnp.array([1., 0.5, 2.]), jnp.array([1., 1.5, 3.]), 1.)
    Array([2.7182817, 1.4626516, 2.0000002], dtype=float32)
    """
    # Lists are taken as arrays, as JAX's vectorized hyp1f1 does.
    a, b, x = promote_args_inexact("hyp1f1", *as_arrays(a, b, x))
    real_only("hyp1f1", x)
    return _hyp1f1(*jnp.broadcast_arrays(a, b, x))


# --------------------------------------------------------------------------- hyp2f1

def _hyp2f1_taylor(a, b, c, x):
    """The Taylor series, summed from its leading 1."""
    eps = _eps(x)
    one = strong(x, 1)

    def step(s):
        k = s["k"]
        return {"k": k + one, "sum": s["sum"] + s["term"],
                "term": s["term"] * ((a + k - 1) * (b + k - 1) / (c + k - 1) / k * x)}

    state = {"k": jnp.ones_like(x), "term": jnp.ones_like(x), "sum": jnp.zeros_like(x)}
    return converge(lambda s: (s["k"] < _MAX_TERMS) & (jnp.abs(s["term"])
                                                       > eps * jnp.abs(s["sum"])),
                    step, state)["sum"]


def _hyp2f1_terminating(a, b, c, x):
    """The series for ``a`` (or ``b``) a non-positive integer: ``|a| + 1`` terms.  Of two
    such parameters the one of larger magnitude bounds the sum -- unless the smaller
    would meet a non-positive integer ``c`` first."""
    eps = _eps(x) * 50
    c_blocks = (c % 1 == 0) & (c <= 0) & (c > b)
    swap = (b < a) & (jnp.abs(b - jnp.round(b)) < eps) & ~c_blocks
    a, b = jnp.where(swap, b, a), jnp.where(swap, a, b)
    n = jnp.abs(a)
    one = strong(x, 1)

    def step(s):
        i = s["i"]
        term = s["term"] * (-(n - i + 1) / (c + i - 1) * (b + i - 1) / i * x)
        return {"i": i + one, "term": term, "sum": s["sum"] + term}

    state = {"i": jnp.ones_like(x), "term": jnp.ones_like(x), "sum": jnp.ones_like(x)}
    return converge(lambda s: s["i"] < n + 1, step, state)["sum"]


def _hyp2f1_near_one(a, b, c, x):
    """The continuation around ``x = 1`` for integer ``c - a - b`` (A&S 15.3.10-12):
    a series in ``1 - x`` whose terms carry digamma sums, plus a finite sum of
    ``|c - a - b|`` terms.  The digammas at ``z + t`` are stepped along the series with
    ``psi(z + 1) = psi(z) + 1/z``, and the gamma functions at ``a + d1`` etc. taken from
    the four distinct ones (one of ``d1``, ``d2`` is 0)."""
    eps = _eps(x)
    one = strong(x, 1)
    d = c - a - b
    s = 1 - x
    rd = jnp.round(d)
    nonneg = rd >= 0
    e = jnp.where(nonneg, d, -d)
    d1 = jnp.where(nonneg, d, jnp.zeros_like(d))
    d2 = jnp.where(nonneg, jnp.zeros_like(d), d)
    ard = jnp.where(nonneg, rd, -rd)
    log_s = jnp.log(s)
    gamma_a, gamma_b, gamma_c = gamma(a), gamma(b), gamma(c)
    gamma_ad, gamma_bd = gamma(a + d), gamma(b + d)
    gamma_a1, gamma_b1 = jnp.where(nonneg, gamma_ad, gamma_a), jnp.where(nonneg, gamma_bd, gamma_b)
    gamma_a2, gamma_b2 = jnp.where(nonneg, gamma_a, gamma_ad), jnp.where(nonneg, gamma_b, gamma_bd)
    gamma_e1 = gamma(e + 1.0)
    psi_e, psi_a, psi_b = lax.digamma(1.0 + e), lax.digamma(a + d1), lax.digamma(b + d1)

    y = (np.asarray(-np.euler_gamma, dtype_of(x)) + psi_e - psi_a - psi_b - log_s) / gamma_e1
    p = (a + d1) * (b + d1) * s / ((e + 1.0) * gamma_e1)

    def step(st):
        t = st["t"]
        r = st["psi_t"] + st["psi_e"] - st["psi_a"] - st["psi_b"] - log_s
        q = st["p"] * r
        p_next = st["p"] * (s * (a + t + d1) / (t + 1.0)) * ((b + t + d1) / (t + 1.0 + e))
        return {"t": t + one, "p": p_next, "q": q, "y": st["y"] + q,
                "psi_t": st["psi_t"] + one / (1.0 + t), "psi_e": st["psi_e"] + one / (1.0 + t + e),
                "psi_a": st["psi_a"] + one / (a + t + d1),
                "psi_b": st["psi_b"] + one / (b + t + d1)}

    state = {"t": jnp.ones_like(x), "p": p, "q": y, "y": y,
             "psi_t": jnp.full_like(x, 1.0 - np.euler_gamma), "psi_e": psi_e + one / (1.0 + e),
             "psi_a": psi_a + one / (a + d1), "psi_b": psi_b + one / (b + d1)}
    y = converge(lambda st: (st["t"] < _MAX_TERMS) & (jnp.abs(st["q"]) >= eps * jnp.abs(st["y"])),
                 step, state)["y"]

    def finite_step(st):
        t = st["t"]
        p = st["p"] * (s * (a + t + d2) * (b + t + d2) / (1.0 - e + t)) / (t + 1.0)
        return {"i": st["i"] + one, "t": t + 1.0, "p": p, "y1": st["y1"] + p}

    ones = jnp.ones_like(x)
    y1 = converge(lambda st: st["i"] < ard, finite_step,
                  {"i": ones, "t": jnp.zeros_like(x), "p": ones, "y1": ones})["y1"]
    y1 = y1 * (gamma_e1 / e * gamma_c / (gamma_a1 * gamma_b1))
    y_scaled = y * (gamma_c / (gamma_a2 * gamma_b2))
    y_scaled = jnp.where(ard % 2 != 0, -y_scaled, y_scaled)
    q = s ** rd
    combined = jnp.where(rd > 0, y_scaled * q + y1, y_scaled + y1 * q)
    return jnp.where(rd == 0, y * gamma_c / (gamma_a * gamma_b), combined)


def _hyp2f1_series(a, b, c, x):
    """2F1 where a power series in ``x`` (or ``1 - x``) converges: chooses the
    terminating sum, the Taylor series or the continuation near 1."""
    eps = _eps(x) * 50
    d = c - a - b
    neg_int_a = (a <= 0) & (jnp.abs(a - jnp.round(a)) < eps)
    neg_int_b = (b <= 0) & (jnp.abs(b - jnp.round(b)) < eps)
    terminating = neg_int_a | neg_int_b
    near_one = (x > 0.9) & ~terminating & (jnp.abs(d - jnp.round(d)) < eps)
    taylor = ~near_one & ~terminating
    zeros, ones = jnp.zeros_like(x), jnp.ones_like(x)

    def use(mask, value, default):
        return jnp.where(mask, value, default)

    # Arguments for which a form not selected finishes at once: x = 0 for the series,
    # a = b = 0 for the terminating sum, (1, 1; 3; 1/2) for the continuation.
    taylor_value = _hyp2f1_taylor(a, b, c, use(taylor, x, zeros))
    near_one_value = _hyp2f1_near_one(use(near_one, a, ones), use(near_one, b, ones),
                                      use(near_one, c, 3 * ones), use(near_one, x, 0.5 * ones))
    terminating_value = _hyp2f1_terminating(use(terminating, a, zeros),
                                            use(terminating, b, zeros),
                                            use(terminating, c, ones),
                                            use(terminating, x, zeros))
    which = jnp.where(near_one, 1, jnp.where(terminating, 2, 0))
    return lax.select_n(which, taylor_value, near_one_value, terminating_value)


@custom_jvp
def _hyp2f1(a, b, c, x):
    eps = _eps(x) * 50
    d = c - a - b
    s = 1 - x
    ca, cb = c - a, c - b
    zeros, ones = jnp.zeros_like(x), jnp.ones_like(x)
    undefined = (c == 0) | ((c < 0) & (c % 1 == 0))
    euler = (d <= -1) & ~((jnp.abs(d - jnp.round(d)) >= eps) & (s < 0))
    which = jnp.where(
        (x == 0) | (((a == 0) | (b == 0)) & (c != 0)), 0,
        jnp.where(undefined, 1,
                  jnp.where(euler, 2,
                            jnp.where((d <= 0) & (x == 1), 1,
                                      jnp.where((x < 1) & (b == c), 3,
                                                jnp.where((x < 1) & (a == c), 4,
                                                          jnp.where(x > 1, 1,
                                                                    jnp.where(x == 1, 5, 6))))))))
    # Euler's transformation and the plain series are never both selected: one series
    # serves both, on (c-a, c-b) or (a, b), and on (0, 0; 1; 0) where neither is.
    in_euler, in_series = which == 2, which == 6
    summed = in_euler | in_series
    series_value = _hyp2f1_series(jnp.where(in_euler, ca, jnp.where(in_series, a, zeros)),
                                  jnp.where(in_euler, cb, jnp.where(in_series, b, zeros)),
                                  jnp.where(summed, c, ones), jnp.where(summed, x, zeros))
    return lax.select_n(which, _filled(x, 1), _filled(x, np.inf), s ** d * series_value,
                        s ** (-a), s ** (-b), gamma(c) * gamma(d) / (gamma(ca) * gamma(cb)),
                        series_value)


def _hyp2f1_parameter_derivative(a, b, c, x, shift, sign):
    return _sum_series(a * b / c * x, lambda k: (a + k) * (b + k) / (c + k) / (k + 1) * x,
                       digamma_shift=shift, sign=sign)


_hyp2f1.defjvps(
    lambda a_dot, ans, a, b, c, x: _hyp2f1_parameter_derivative(a, b, c, x, a, 1) * a_dot,
    lambda b_dot, ans, a, b, c, x: _hyp2f1_parameter_derivative(a, b, c, x, b, 1) * b_dot,
    lambda c_dot, ans, a, b, c, x: _hyp2f1_parameter_derivative(a, b, c, x, c, -1) * c_dot,
    lambda x_dot, ans, a, b, c, x: a * b / c * _hyp2f1(a + 1, b + 1, c + 1, x) * x_dot)


@compiled_when_eager()
def hyp2f1(a: ArrayLike, b: ArrayLike, c: ArrayLike, x: ArrayLike):
    """Gauss' hypergeometric function ``2F1(a, b; c; x)``, the sum over ``k`` of
    ``(a)_k (b)_k / (c)_k x**k / k!``, for real arguments and ``x <= 1`` (``inf``
    beyond, and where the series is undefined).

    >>> jsp.special.hyp2f1(1., 1., 2., jnp.array([-0.5, 0.5, 0.99]))
    Array([0.8109302, 1.3862945, 4.651681 ], dtype=float32)
    """
    a, b, c, x = promote_args_inexact("hyp2f1", *as_arrays(a, b, c, x))
    if is_complex(x):
        # JAX rejects complex input with a TypeError (from the series' ``c % 1``).
        raise TypeError(f"hyp2f1: complex input (dtype {dtype_of(x)}) is not supported "
                        f"(at {user_frame_str()}).")
    return _hyp2f1(*jnp.broadcast_arrays(a, b, c, x))
