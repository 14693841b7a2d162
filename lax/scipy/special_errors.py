"""The error-function family: ``erf``, ``erfc``, ``erfcx``, ``wofz`` (Faddeeva) and
``dawsn`` (Dawson's integral).

``erf`` and ``erfc`` are the lax primitives.  The others are approximations that stay
accurate where the textbook formulas overflow or cancel:

* ``erfcx(x) = exp(x**2) erfc(x)``: the product directly while ``exp(x**2)`` is finite,
  then its asymptotic series in ``1/x**2``; its coefficients ``(-1)**k (2k-1)!! / 2**k``
  are generated below.  A complex argument goes to the Faddeeva function,
  ``erfcx(z) = w(i z)``.
* ``wofz``: Weideman's (1994) rational expansion of ``w(z)`` in ``Z = (L + iz)/(L - iz)``
  on the upper half plane, reflected with ``w(-z) = 2 exp(-z**2) - w(z)``.  The 32
  coefficients are the Fourier coefficients of a smooth function of the angle, computed
  here with one FFT when the module loads.
* ``dawsn``: Cody, Paciorek and Thacher's (1970) rational approximations on three
  intervals of ``|x|`` (odd in ``x``).

Each gets JAX's derivative rule as a ``custom_jvp``, from the ODE the function satisfies
(``erfcx' = 2x erfcx - 2/sqrt(pi)``, ``w' = -2z w + 2i/sqrt(pi)``, ``D' = 1 - 2x D``),
so no derivative of a branch that was not taken leaks a NaN.  16-bit floats are computed
in float32, as JAX does.
"""
from __future__ import annotations

import math

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import ArrayLike, dtype_of, ensure_array, promote_args_inexact

from .special_series import is_complex, polyval, ratio, real_only

__all__ = ["dawsn", "erf", "erfc", "erfcx", "wofz"]

_SQRT_PI = math.sqrt(math.pi)


def _in_float32(fun, x):
    """``fun(x)`` for float32/float64 ``x``; narrower floats are computed in float32."""
    dtype = dtype_of(x)
    if dtype in (np.float32, np.float64):
        return fun(x)
    return fun(x.astype(np.float32)).astype(dtype)


# --------------------------------------------------------------------------- erf, erfc

@compiled_when_eager()
def erf(x: ArrayLike):
    """The error function, ``2/sqrt(pi)`` times the integral of ``exp(-t**2)`` from 0 to
    ``x``; real input only.

    >>> jsp.special.erf(jnp.array([-1., 0., 0.5]))
    Array([-0.84270084,  0.        ,  0.5204999 ], dtype=float32)
    """
    x, = promote_args_inexact("erf", x)
    return lax.erf(x)


@compiled_when_eager()
def erfc(x: ArrayLike):
    """The complementary error function ``1 - erf(x)``, accurate where it is tiny.

    >>> jsp.special.erfc(jnp.array([0., 2., 5.]))
    Array([1.0000000e+00, 4.6777348e-03, 1.5374597e-12], dtype=float32)
    """
    x, = promote_args_inexact("erfc", x)
    return lax.erfc(x)


# --------------------------------------------------------------------------- wofz

def _weideman_coefficients(n: int = 32) -> tuple[float, np.ndarray]:
    """Weideman's ``L`` and the ``n`` coefficients of ``w``'s expansion, highest power
    first: the Fourier coefficients of ``exp(-t**2) (L**2 + t**2)`` with
    ``t = L tan(theta / 2)``, sampled at ``4n`` angles."""
    m = 2 * n
    scale = math.sqrt(n / math.sqrt(2))
    t = scale * np.tan(np.arange(-m + 1, m) * np.pi / (2 * m))
    samples = np.concatenate([[0.0], np.exp(-t ** 2) * (scale ** 2 + t ** 2)])
    fourier = np.real(np.fft.fft(np.fft.fftshift(samples))) / (2 * m)
    return scale, fourier[n:0:-1]


_WOFZ_L, _WOFZ_COEFFS = _weideman_coefficients()


def _wofz_upper_half(z):
    """``w(z)`` for ``Im z >= 0``."""
    iz = lax.complex(-lax.imag(z), lax.real(z))
    denom = _WOFZ_L - iz
    p = polyval(_WOFZ_COEFFS, (_WOFZ_L + iz) / denom)
    return 2 * p / (denom * denom) + (1 / _SQRT_PI) / denom


@custom_jvp
def _wofz(z):
    upper = lax.imag(z) >= 0
    w_upper = _wofz_upper_half(jnp.where(upper, z, -z))
    return jnp.where(upper, w_upper, 2 * jnp.exp(-z * z) - w_upper)


_wofz.defjvps(lambda g, ans, z: g * (-2 * z * ans + 2j / _SQRT_PI))


@compiled_when_eager()
def wofz(z: ArrayLike):
    """The Faddeeva function ``w(z) = exp(-z**2) erfc(-i z)``, complex valued (real
    input is promoted to complex).

    >>> jsp.special.wofz(jnp.array([0., 1.]))
    Array([1.0000001+0.j        , 0.3678795+0.60715777j], dtype=complex64)
    """
    z, = promote_args_inexact("wofz", z)
    if not is_complex(z):
        z = jnp.asarray(z, np.complex128 if dtype_of(z) == np.float64 else np.complex64)
    return _wofz(ensure_array(z))


# --------------------------------------------------------------------------- erfcx

def _double_factorial(n: int) -> int:
    return math.prod(range(n, 0, -2))


# erfcx(x) ~ (1 / (sqrt(pi) x)) sum_k (-1)**k (2k-1)!! / (2 x**2)**k, highest power first.
_ERFCX_SERIES = [(-1) ** k * _double_factorial(2 * k - 1) / 2 ** k for k in range(8, -1, -1)]


def _erfcx_real(x):
    # float64 switches at ~26.6 and float32 at ~9.4 (where exp(x**2) overflows); the
    # first term left out is then ~1e-21 (9 terms) and ~5e-9 (5 terms) of the sum.
    nterms = 9 if dtype_of(x) == np.float64 else 5
    large = x > math.sqrt(math.log(np.finfo(dtype_of(x)).max))
    safe_x = jnp.where(large, jnp.ones_like(x), x)
    direct = jnp.exp(safe_x * safe_x) * lax.erfc(safe_x)
    series = polyval(_ERFCX_SERIES[-nterms:], 1 / (x * x)) / (x * np.asarray(_SQRT_PI,
                                                                              dtype_of(x)))
    return jnp.where(large, series, direct)


@custom_jvp
def _erfcx(x):
    return _in_float32(_erfcx_real, x)


_erfcx.defjvps(lambda g, ans, x: g * (2 * x * ans - 2 / _SQRT_PI))


@compiled_when_eager()
def erfcx(x: ArrayLike):
    """The scaled complementary error function ``exp(x**2) erfc(x)``, finite for large
    ``x`` where ``erfc`` underflows; complex ``x`` is supported (through ``wofz``).

    >>> jsp.special.erfcx(jnp.array([-1., 0., 10., 1e4]))
    Array([5.0089798e+00, 1.0000000e+00, 5.6140993e-02, 5.6418958e-05],
          dtype=float32)
    """
    x = ensure_array(promote_args_inexact("erfcx", x)[0])
    if is_complex(x):
        return _wofz(lax.complex(-lax.imag(x), lax.real(x)))
    return _erfcx(x)


# --------------------------------------------------------------------------- dawsn
# Cody, Paciorek & Thacher (1970): D(x) = x P(x**2)/Q(x**2) for |x| < 3.25, and
# D(x) = (1 + R(1/x**2)/x**2) / (2x) above, with one R on [3.25, 6.25), another beyond.
_DAWSN_SMALL_NUM = [
    1.13681498971755972054e-11, 8.49262267667473811108e-10, 1.94434204175553054283e-8,
    9.53151741254484363489e-7, 3.07828309874913200438e-6, 3.52513368520288738649e-4,
    -8.50149846724410912031e-4, 4.22618223005546594270e-2, -9.17480371773452345351e-2,
    9.99999999999999994612e-1]
_DAWSN_SMALL_DEN = [
    2.40372073066762605484e-11, 1.48864681368493396752e-9, 5.21265281010541664570e-8,
    1.27258478273186970203e-6, 2.32490249820789513991e-5, 3.25524741826057911661e-4,
    3.48805814657162590916e-3, 2.79448531198828973716e-2, 1.58874241960120565368e-1,
    5.74918629489320327824e-1, 1.00000000000000000539e0]
_DAWSN_MID_NUM = [
    5.08955156417900903354e-1, -2.44754418142697847934e-1, 9.41512335303534411857e-2,
    -2.18711255142039025206e-2, 3.66207612329569181322e-3, -4.23209114460388756528e-4,
    3.59641304793896631888e-5, -2.14640351719968974225e-6, 9.10010780076391431042e-8,
    -2.40274520828250956942e-9, 3.59233385440928410398e-11]
_DAWSN_MID_DEN = [
    1.00000000000000000000e0, -6.31839869873368190192e-1, 2.36706788228248691528e-1,
    -5.31806367003223277662e-2, 8.48041718586295374409e-3, -9.47996768486665330168e-4,
    7.81025592944552338085e-5, -4.55875153252442634831e-6, 1.89100358111421846170e-7,
    -4.91324691331920606875e-9, 7.18466403235734541950e-11]
_DAWSN_LARGE_NUM = [
    -5.90592860534773254987e-1, 6.29235242724368800674e-1, -1.72858975380388136411e-1,
    1.64837047825189632310e-2, -4.86827613020462700845e-4]
_DAWSN_LARGE_DEN = [
    1.00000000000000000000e0, -2.69820057197544900361e0, 1.73270799045947845857e0,
    -3.93708582281939493482e-1, 3.44278924041233391079e-2, -9.73655226040941223894e-4]


def _dawsn_real(x):
    ax = jnp.abs(x)
    small, mid = ax < 3.25, (ax >= 3.25) & (ax < 6.25)
    large = ax >= 6.25
    # Each interval's formula sees 1 outside its interval, so no unused branch overflows.
    s = jnp.where(small, ax, jnp.ones_like(ax))
    value_small = ratio(_DAWSN_SMALL_NUM, _DAWSN_SMALL_DEN, s * s, scale=s)

    def tail(inside, num, den):
        a = jnp.where(inside, ax, jnp.ones_like(ax))
        t = 1 / (a * a)
        return (0.5 / a) * (1 + ratio(num, den, t, scale=t))

    value = jnp.where(small, value_small,
                      jnp.where(mid, tail(mid, _DAWSN_MID_NUM, _DAWSN_MID_DEN),
                                tail(large, _DAWSN_LARGE_NUM, _DAWSN_LARGE_DEN)))
    return jnp.sign(x) * value


@custom_jvp
def _dawsn(x):
    return _in_float32(_dawsn_real, x)


_dawsn.defjvps(lambda g, ans, x: g * (1 - 2 * x * ans))


@compiled_when_eager()
def dawsn(x: ArrayLike):
    """Dawson's integral ``exp(-x**2)`` times the integral of ``exp(t**2)`` from 0 to
    ``x``; real input only.

    >>> jsp.special.dawsn(jnp.array([0., 1., 10.]))
    Array([0.        , 0.5380795 , 0.05025385], dtype=float32)
    """
    x = ensure_array(promote_args_inexact("dawsn", x)[0])
    real_only("dawsn", x)
    return _dawsn(x)
