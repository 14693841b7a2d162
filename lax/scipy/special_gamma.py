"""The gamma family of ``zenax.scipy.special``: ``gamma``, ``gammaln``, ``gammasgn``,
``loggamma``, ``digamma``, ``polygamma``, ``multigammaln``, ``factorial``, ``comb``,
``poch``, the incomplete ``gammainc``/``gammaincc``, ``erfinv``, and the beta and zeta
functions ``beta``, ``betaln``, ``betainc`` and ``zeta``.

Most are a dtype promotion (integers become the default float) in front of a lax
primitive, or a short composition of them; how they treat poles follows SciPy as JAX
does:

* ``gammaln`` is ``log |Gamma(x)|`` (``lax.lgamma``), so it is finite between the poles
  of negative ``x`` and ``+inf`` at them; ``gammasgn`` gives the sign (NaN at the poles,
  ``-1`` at ``-0.``), and ``gamma = gammasgn * exp(gammaln)``.
* ``loggamma`` is the principal branch of ``log Gamma``: NaN for real ``x <= 0``.  For
  complex ``z`` it is Lanczos' approximation (g = 7, 9 terms) on ``Re z >= 1/2`` with
  the reflection formula on the left; ``loggamma`` first shifts ``z`` right by
  ``n = ceil(1/2 - Re z)`` (``log Gamma(z) = log Gamma(z + n) - sum log(z + k)``) so
  that its one branch cut is the negative real axis, as SciPy's.
* ``poch``'s derivative is JAX's custom rule, in terms of ``digamma``.
* ``betaln`` is ``gammaln(a) + gammaln(b) - gammaln(a + b)`` while ``max(a, b) < 8``;
  beyond, the difference of the two large log-gammas is taken from Stirling's series
  (``log Gamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + D(x)``), whose leading terms
  cancel exactly and whose corrections ``D(b) - D(a + b)`` are summed without
  cancelling -- the method of SciPy's cdflib ``algdiv`` (DiDonato and Morris, 1992).
  It agrees with SciPy to about 1e-15; JAX's port sums the corrections in powers of
  ``a/(a + b)`` where cdflib has ``b/(a + b)``, about 1e-6 off (relative) in float64.
* ``zeta`` (Hurwitz's; JAX, and so zenax, has no Riemann form ``q=None``) is
  ``lax.zeta``, which has no derivative; as JAX does, its custom rule differentiates the
  Euler-Maclaurin expansion ``sum_{k<N} (q+k)^-x + (q+N)^(1-x)/(x-1) + (q+N)^-x (1/2 +
  sum_j B_2j/(2j)! x(x+1)...(x+2j-2) / (q+N)^(2j-1))`` (``N`` = 8 terms in float32, 16
  otherwise) -- the derivatives written out term by term, as a rule of the lax layer
  cannot call a transform.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import (ArrayLike, check_arraylike, concrete_static, dtype_of,
                                     ensure_array, promote_args_inexact)
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .special_series import is_complex, real_only, strong

__all__ = ["beta", "betainc", "betaln", "comb", "digamma", "erfinv", "factorial", "gamma",
           "gammainc", "gammaincc", "gammaln", "gammasgn", "loggamma", "multigammaln",
           "poch", "polygamma", "zeta"]


def _promote(fun_name: str, *args) -> list:
    """``promote_args_inexact``, with Python scalars made (weakly typed) arrays: the
    compositions below use comparison operators, which must not run in Python."""
    return [ensure_array(x) for x in promote_args_inexact(fun_name, *args)]


# --------------------------------------------------------------------------- log-gamma

@compiled_when_eager()
def gammaln(x: ArrayLike):
    """``log |Gamma(x)|``, real input only: finite between the poles at the non-positive
    integers, where it is ``+inf``.

    >>> jsp.special.gammaln(jnp.array([-1.5, 0., 0.5, 100.]))
    Array([  0.86004686,          inf,   0.5723648 , 359.13422   ], dtype=float32)
    """
    x, = promote_args_inexact("gammaln", x)
    return lax.lgamma(x)


@compiled_when_eager()
def gammasgn(x: ArrayLike):
    """The sign of ``Gamma(x)``: ``1`` for ``x > 0`` (and ``+0.``), ``-1`` or ``1``
    alternating between the negative poles, ``-1`` at ``-0.``, NaN at the poles (the sign
    depends on the side) and at ``-inf``.

    >>> jsp.special.gammasgn(jnp.array([-2.5, -1.5, -1., -0., 3.]))
    Array([-1.,  1., nan, -1.,  1.], dtype=float32)
    """
    x, = _promote("gammasgn", x)
    real_only("gammasgn", x)
    floor_x = lax.floor(x)
    negative = x < 0
    at_pole = (negative & (x == floor_x)) | jnp.isnan(x)
    # Between -2k and -2k+1 (an odd floor) Gamma is negative; so is 1/(-0.).
    flipped = (negative & (floor_x % 2 != 0)) | ((x == 0) & jnp.signbit(x))
    return jnp.where(at_pole, strong(x, np.nan),
                     jnp.where(flipped, strong(x, -1), strong(x, 1)))


@compiled_when_eager()
def gamma(x: ArrayLike):
    """The gamma function, ``(x-1)!`` at the positive integers; ``+-inf`` at ``+-0.``,
    NaN at the negative integers and ``-inf``.  Complex input is supported (NaN at the
    poles).

    >>> jsp.special.gamma(jnp.array([-1.5, 0.5, 5.]))
    Array([ 2.3632715,  1.7724535, 24.000023 ], dtype=float32)
    """
    x, = _promote("gamma", x)
    if is_complex(x):
        return _complex_gamma(x)
    return gammasgn(x) * lax.exp(lax.lgamma(x))


@compiled_when_eager()
def loggamma(x: ArrayLike):
    """The principal branch of ``log Gamma(x)``: ``gammaln`` for real ``x > 0``, NaN for
    real ``x <= 0``; complex ``x`` has its one branch cut on the negative real axis
    (SciPy's).

    >>> jsp.special.loggamma(jnp.array([-1.5, 0.5, 5.]))
    Array([      nan, 0.5723648, 3.1780548], dtype=float32)
    """
    x, = _promote("loggamma", x)
    if is_complex(x):
        return _complex_loggamma_scipy(x)
    return jnp.where(x > 0, lax.lgamma(x), np.nan)


# Lanczos' approximation with g = 7 and 9 terms (the coefficients GSL publishes).
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028,
            771.32342877765313, -176.61502916214059, 12.507343278686905,
            -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7)


def _lanczos_loggamma(z):
    """``log Gamma(z)`` for ``Re z >= 1/2``: ``Gamma(w + 1) = sqrt(2 pi) t^(w + 1/2) e^-t
    A(w)`` with ``t = w + g + 1/2`` and ``A(w) = c0 + sum_k ck / (w + k)``."""
    w = z - 1
    series = _LANCZOS[0] + sum(c / (w + k) for k, c in enumerate(_LANCZOS[1:], start=1))
    t = w + (_LANCZOS_G + 0.5)
    return 0.5 * math.log(2 * math.pi) + (w + 0.5) * jnp.log(t) - t + jnp.log(series)


def _complex_loggamma(z):
    """A logarithm of ``Gamma(z)``; on the left half plane by reflection,
    ``Gamma(z) Gamma(1 - z) = pi / sin(pi z)``."""
    reflect = jnp.real(z) < 0.5
    right = _lanczos_loggamma(jnp.where(reflect, 1 - z, z))
    # sin(pi z) vanishes at the integers; the branch that does not reflect never needs it.
    z_left = jnp.where(reflect, z, 0.5)
    reflected = math.log(math.pi) - jnp.log(jnp.sin(math.pi * z_left)) - right
    return jnp.where(reflect, reflected, right)


def _poles_and_nans(z):
    """Where complex ``z`` is a pole of Gamma (a non-positive integer) or has a NaN part,
    and ``z`` with those entries replaced by 1 (so no NaN reaches a derivative)."""
    re = jnp.real(z)
    bad = ((jnp.imag(z) == 0) & (re == jnp.floor(re)) & (re <= 0)) | jnp.isnan(z)
    return bad, jnp.where(bad, jnp.ones_like(z), z)


def _complex_gamma(z):
    bad, z_safe = _poles_and_nans(z)
    return jnp.where(bad, strong(z, complex(np.nan, np.nan)),
                     jnp.exp(_complex_loggamma(z_safe)))


def _complex_loggamma_scipy(z):
    bad, z_safe = _poles_and_nans(z)
    # Shift right by n until Re z >= 1/2, summing the logs of the factors divided out.
    n = jnp.maximum(0, jnp.ceil(0.5 - jnp.real(z_safe))).astype(int)

    def more(state):
        k, _ = state
        return jnp.any(k < n)

    def step(state):
        k, log_sum = state
        active = k < n
        factor = jnp.where(active, z_safe + k, jnp.ones_like(z_safe))
        return k + 1, log_sum + jnp.where(active, jnp.log(factor), jnp.zeros_like(log_sum))

    _, log_sum = lax.while_loop(more, step, (jnp.zeros((), n.dtype), jnp.zeros_like(z_safe)))
    value = _complex_loggamma(z_safe + n) - log_sum
    return jnp.where(bad, strong(z, complex(np.nan, np.nan)), value)


# ------------------------------------------------------------ digamma, polygamma, multigammaln

@compiled_when_eager()
def digamma(x: ArrayLike):
    """The digamma function ``psi(x) = d/dx log Gamma(x)``, real input only.

    >>> jsp.special.digamma(jnp.array([0.5, 1., 10.]))
    Array([-1.96351  , -0.5772154,  2.2517526], dtype=float32)
    """
    x, = promote_args_inexact("digamma", x)
    return lax.digamma(x)


@compiled_when_eager()
def polygamma(n: ArrayLike, x: ArrayLike):
    """The polygamma function ``psi^(n)(x)``, the ``n``-th derivative of digamma; ``n``
    must have an integer dtype (a negative ``n`` gives NaN).

    >>> jsp.special.polygamma(jnp.array([0, 1, 2]), 1.0)  # -euler_gamma, pi**2/6, ...
    Array([-0.57721...,  1.64493...,  -2.40411...], dtype=float32, weak_type=True)
    """
    check_arraylike("polygamma", n, x)
    if not _dtypes.is_integer(dtype_of(n)):
        raise ValueError(f"polygamma: argument `n` (the order of the derivative) must have "
                         f"an integer dtype, got {dtype_of(n)} (at {user_frame_str()}).")
    n, x = promote_args_inexact("polygamma", n, x)
    real_only("polygamma", x)
    return lax.polygamma(n, x)


@compiled_when_eager(n_arrays=1, static_argnames=("d",))
def multigammaln(a: ArrayLike, d: int):
    """The log of the multivariate gamma function of dimension ``d`` (a concrete
    integer): ``d (d-1)/4 log(pi) + sum_{i<d} gammaln(a - i/2)``.

    >>> jsp.special.multigammaln(jnp.array([2., 3.5]), 3)
    Array([1.5963134, 3.8958988], dtype=float32)
    """
    d = int(concrete_static("multigammaln", "d", d))
    a, d_arr = promote_args_inexact("multigammaln", a, d)
    dtype = dtype_of(a)
    constant = np.asarray(0.25, dtype) * d_arr * (d_arr - np.asarray(1, dtype)) \
        * np.asarray(np.log(np.pi), dtype)
    halves = jnp.arange(d, dtype=dtype) / np.asarray(2, dtype)
    return jnp.sum(gammaln(jnp.expand_dims(a, -1) - halves), axis=-1) + constant


# --------------------------------------------------------------------------- counting

@compiled_when_eager(static_argnames=("exact",))
def factorial(n: ArrayLike, exact: bool = False):
    """``n!`` as ``Gamma(n + 1)`` in floating point (0 for ``n < 0``); ``exact=True`` is
    not supported (JAX has no big integers).

    >>> jsp.special.factorial(jnp.array([-1., 0., 4., 4.5]))
    Array([ 0.       ,  1.0000005, 24.000023 , 52.34288  ], dtype=float32)
    """
    if exact:
        raise NotImplementedError(
            f"factorial with exact=True is not supported: results above 20! do not fit "
            f"in any integer dtype. Use exact=False (at {user_frame_str()}).")
    n, = _promote("factorial", n)
    return jnp.where(n < 0, 0, lax.exp(lax.lgamma(n + 1)))


@compiled_when_eager(static_argnames=("repetition",))
def comb(N: ArrayLike, k: ArrayLike, *, repetition: bool = False):
    """The number of ways to choose ``k`` of ``N`` things, ``N! / (k! (N-k)!)``, in
    floating point; 0 where ``N < 0``, ``k < 0`` or ``k > N``.  With ``repetition``, the
    number of multisets, ``comb(N + k - 1, k)``.

    >>> jsp.special.comb(jnp.array([5., 5., 5.]), jnp.array([2., 6., 0.]))
    Array([9.999995 , 0.       , 0.9999995], dtype=float32)
    >>> jsp.special.comb(4., 2., repetition=True)
    Array(9.999995, dtype=float32, weak_type=True)
    """
    N, k = _promote("comb", N, k)
    if repetition:
        return jnp.where((k == 0) & (N >= 0), 1.0, comb(N + k - 1, k))
    valid = (k <= N) & (N >= 0) & (k >= 0)
    # Off the valid set, evaluate at 0 (so gammaln stays finite and so do its derivatives).
    N_safe, k_safe = jnp.where(valid, N, 0.0), jnp.where(valid, k, 0.0)
    log_comb = gammaln(N_safe + 1) - gammaln(k_safe + 1) - gammaln(N_safe + 1 - k_safe)
    return jnp.where(valid, lax.exp(log_comb), 0.0)


@compiled_when_eager()
def poch(z: ArrayLike, m: ArrayLike):
    """The Pochhammer symbol (rising factorial) ``Gamma(z + m) / Gamma(z)``, 1 where
    ``m == 0``; real input only.

    >>> jsp.special.poch(jnp.array([2., 2., 0.5]), jnp.array([3., 0., 2.]))
    Array([24.000023  ,  1.        ,  0.75000024], dtype=float32)
    """
    z, m = _promote("poch", z, m)
    real_only("poch", z)
    return _poch(z, m)


@custom_jvp
def _poch(z, m):
    return jnp.where(m == 0, strong(z, 1), gamma(z + m) / gamma(z))


# d/dz = (psi(z + m) - psi(z)) poch(z, m) and d/dm = psi(z + m) poch(z, m) (JAX's rule).
_poch.defjvps(
    lambda z_dot, out, z, m: (lax.digamma(z + m) - lax.digamma(z)) * _poch(z, m) * z_dot,
    lambda m_dot, out, z, m: lax.digamma(z + m) * _poch(z, m) * m_dot)


# --------------------------------------------------------------------------- incomplete gamma

@compiled_when_eager()
def gammainc(a: ArrayLike, x: ArrayLike):
    """The regularized lower incomplete gamma function ``P(a, x)``, the CDF at ``x`` of
    a Gamma(``a``, 1) variable (``a > 0``, ``x >= 0``; NaN outside).

    >>> jsp.special.gammainc(jnp.array([0.5, 1., 10.]), 2.)
    Array([9.5449972e-01, 8.6466479e-01, 4.6497946e-05], dtype=float32)
    """
    a, x = promote_args_inexact("gammainc", a, x)
    return lax.igamma(a, x)


@compiled_when_eager()
def gammaincc(a: ArrayLike, x: ArrayLike):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``.

    >>> jsp.special.gammaincc(jnp.array([0.5, 1., 3.]), 1.)
    Array([0.157299..., 0.367879..., 0.919698...], dtype=float32)
    """
    a, x = promote_args_inexact("gammaincc", a, x)
    return lax.igammac(a, x)


@compiled_when_eager()
def erfinv(x: ArrayLike):
    """The inverse of the error function on ``(-1, 1)`` (``+-inf`` at ``+-1``), real
    input only.

    >>> jsp.special.erfinv(jnp.array([-0.5, 0., 0.9]))
    Array([-0.47693628,  0.        ,  1.163087  ], dtype=float32)
    """
    x, = promote_args_inexact("erfinv", x)
    return lax.erf_inv(x)


# --------------------------------------------------------------------------- beta

@compiled_when_eager()
def betaln(a: ArrayLike, b: ArrayLike):
    """``log |B(a, b)|``, the log of the beta function, accurate for large arguments.

    >>> jsp.special.betaln(jnp.array([2., 0.5]), jnp.array([3., 1e6]))
    Array([-2.4849074, -6.3353906], dtype=float32)
    """
    a, b = _promote("betaln", a, b)
    a, b = jnp.minimum(a, b), jnp.maximum(a, b)
    small_b = lax.lgamma(a) + (lax.lgamma(b) - lax.lgamma(a + b))
    large_b = lax.lgamma(a) + _lgamma_difference(a, b)
    return jnp.where(b < 8, small_b, large_b)


# Stirling's correction D(x) ~ sum_k c_k / x^(2k+1): cdflib's minimax-adjusted
# coefficients (close to B_2k/(2k(2k-1)): 1/12, -1/360, 1/1260, ...).
_STIRLING = (0.833333333333333e-01, -0.277777777760991e-02, 0.793650666825390e-03,
             -0.595202931351870e-03, 0.837308034031215e-03, -0.165322962780713e-02)


def _lgamma_difference(a, b):
    """``gammaln(b) - gammaln(a + b)`` for ``b >= 8`` and ``a <= b``.

    With Stirling's series the leading terms of the two log-gammas subtract exactly to
    ``-(a + b - 1/2) log1p(a/b) - a (log b - 1)``.  The corrections differ by
    ``D(b) - D(a + b) = sum_k c_k (b^-n - (a+b)^-n)`` (``n = 2k + 1``), and with
    ``x = b/(a + b)``, ``b^-n - (a+b)^-n = b^-n (1 - x) s_n`` where
    ``s_n = 1 + x + ... + x^(n-1)`` -- so the sum needs no subtraction of close numbers.
    """
    h = a / b
    c = h / (1 + h)          # a / (a + b) = 1 - x
    x = 1 / (1 + h)          # b / (a + b)
    x2 = x * x
    s = [1.0]                # s_1, s_3, s_5, ...: s_(n+2) = 1 + x + x^2 s_n
    for _ in _STIRLING[1:]:
        s.append(1 + (x + x2 * s[-1]))
    t = (1 / b) ** 2
    w = _STIRLING[-1] * s[-1]
    for coeff, s_n in zip(_STIRLING[-2::-1], s[-2::-1]):
        w = w * t + coeff * s_n
    w = w * (c / b)
    u = (b + (a - 0.5)) * lax.log1p(a / b)
    v = a * (lax.log(b) - 1)
    # Subtract the smaller of u, v first: the result is their (large) sum's negative.
    return jnp.where(u <= v, (w - v) - u, (w - u) - v)


@compiled_when_eager()
def beta(a: ArrayLike, b: ArrayLike):
    """The beta function ``B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b)``, with its sign;
    real input only.

    >>> jsp.special.beta(jnp.array([1., 2., -0.5]), jnp.array([1., 3., 2.]))
    Array([ 1.000001  ,  0.08333327, -3.9999971 ], dtype=float32)
    """
    a, b = _promote("beta", a, b)
    real_only("beta", a)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * lax.exp(betaln(a, b))


@compiled_when_eager()
def betainc(a: ArrayLike, b: ArrayLike, x: ArrayLike):
    """The regularized incomplete beta function ``I_x(a, b)``, the CDF at ``x`` of a
    Beta(``a``, ``b``) variable; differentiable in ``x`` only.

    >>> jsp.special.betainc(2., 3., jnp.array([0., 0.25, 0.5, 1.]))
    Array([0.        , 0.26171887, 0.6874998 , 1.        ], dtype=float32)
    """
    a, b, x = promote_args_inexact("betainc", a, b, x)
    real_only("betainc", x)
    return lax.betainc(a, b, x)


# --------------------------------------------------------------------------- zeta

@compiled_when_eager()
def zeta(x: ArrayLike, q: ArrayLike | None = None):
    """The Hurwitz zeta function ``sum_{n >= 0} (n + q)^-x``; ``q`` is required (the
    Riemann zeta function, ``q = 1``, is not a separate form, as in JAX).

    >>> jsp.special.zeta(jnp.array([2., 3., 2.]), jnp.array([1., 1., 2.]))
    Array([1.644934  , 1.202057  , 0.64493406], dtype=float32)
    """
    if q is None:
        raise NotImplementedError(
            "zeta: the Riemann zeta function (q=None) is not implemented, as in JAX; pass "
            f"q=1. for it, or any q for the Hurwitz zeta function (at {user_frame_str()}).")
    x, q = promote_args_inexact("zeta", x, q)
    return _zeta(x, q)


@custom_jvp
def _zeta(x, q):
    return lax.zeta(x, q)


def _bernoulli_ratios(count: int) -> list[float]:
    """``B_2j / (2j)!`` for ``j = 1 .. count``, exactly (Bernoulli numbers from
    ``sum_{k<=n} C(n+1, k) B_k = 0``) and then rounded."""
    bern = [Fraction(1)]
    for n in range(1, 2 * count + 1):
        bern.append(-sum(math.comb(n + 1, k) * bern[k] for k in range(n)) / (n + 1))
    return [float(bern[2 * j] / math.factorial(2 * j)) for j in range(1, count + 1)]


_EULER_MACLAURIN = _bernoulli_ratios(16)


def _zeta_series(s, a):
    """The Euler-Maclaurin value of ``zeta(s, a)`` and its partial derivatives in ``s``
    and ``a`` (see the module docstring)."""
    n = 8 if dtype_of(a) == np.float32 else 16
    big = float(np.finfo(dtype_of(a)).max)
    value, d_s, d_a = 0.0, 0.0, 0.0
    for k in range(n):
        term = (a + k) ** -s
        value = value + term
        d_s = d_s - jnp.log(a + k) * term
        d_a = d_a - s * term / (a + k)
    end = a + n
    log_end = jnp.log(end)
    head = end ** -s
    integral = end ** (1 - s) / (s - 1)
    value = value + integral
    d_s = d_s - log_end * integral - integral / (s - 1)
    d_a = d_a - head
    # p_m = s (s+1) ... (s+m) / end^(m+1) and its derivative in s, by the product rule;
    # the even ones weight the Bernoulli terms (capped at the dtype's max, as JAX).
    p, p_s = 1.0, 0.0
    tail, tail_s, tail_a = 0.5, 0.0, 0.0
    for m in range(2 * n - 1):
        r = (s + m) / end
        p, p_s = p * r, p_s * r + p / end
        if m % 2 == 0:
            weight = _EULER_MACLAURIN[m // 2]
            below = p < big
            tail = tail + jnp.minimum(p, big) * weight
            tail_s = tail_s + jnp.where(below, p_s, 0.0) * weight
            tail_a = tail_a - jnp.where(below, (m + 1) * p / end, 0.0) * weight
    value = value + head * tail
    d_s = d_s + head * (tail_s - log_end * tail)
    d_a = d_a + head * (tail_a - s * tail / end)
    return value, d_s, d_a


@_zeta.defjvp
def _zeta_jvp(primals, tangents):
    (s, a), (s_dot, a_dot) = primals, tangents
    value, d_s, d_a = _zeta_series(s, a)
    return value, d_s * s_dot + d_a * a_dot
