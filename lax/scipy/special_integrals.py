"""Special integrals: ``sici`` (sine and cosine integrals), ``fresnel``, ``spence`` (the
dilogarithm) and ``owens_t``.

* ``sici``: Cephes' rational approximations -- in ``x**2`` for ``|x| <= 4``, and the
  auxiliary functions ``f, g`` (``Si = pi/2 - f cos x - g sin x``,
  ``Ci = f sin x - g cos x``) in ``1/x**2`` on ``(4, 8)`` and ``[8, 1e9]``; beyond,
  ``f ~ 1/x`` and ``g ~ 0``.  ``Si`` is odd; ``Ci`` is taken at ``|x|``.
* ``fresnel``: Cephes' ``fresnl`` (its single-precision tables for float32 and the 16-bit
  floats, computed in float32), a series for ``x**2 < 2.5625``, the auxiliary ``f, g``
  beyond, and ``1/2`` from ``|x| > 36974``.  ``sin(pi x**2 / 2)`` is reduced exactly
  modulo 2 first, so large ``x`` keep their phase.
* ``spence(x)``: the integral of ``log t / (1 - t)`` from 1 to ``x``, real ``x >= 0``
  only (NaN below, as JAX): Cephes' rational approximation in ``w`` near 1, with the
  reflection and inversion formulas mapping every ``x`` there.
* ``owens_t(h, a)``: Patefield and Tandy's method T5, a 13-point Gauss quadrature of
  ``exp(-h**2 (1 + u**2)/2) / (1 + u**2)`` over ``u in [0, a]`` after ``u = a sqrt(t)``
  -- the nodes and weights are the positive half of 26-point Gauss-Legendre's -- with
  ``T(h, a) = (Phi(h) + Phi(ah))/2 - Phi(h) Phi(ah) - T(ah, 1/a)``-type reflection for
  ``|a| > 1`` and exact values at ``h = 0`` and ``a = 1``.

Each derivative is JAX's custom rule: the integrand at the end point
(``sin(x)/x``, ``cos(x)/x``; ``sin(pi x**2/2)``, ``cos(pi x**2/2)``) and Owen's T's
closed-form partials.  ``spence`` is differentiated through its formulas.
"""
from __future__ import annotations

import math

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import (ArrayLike, dtype_of, ensure_array, promote_args_inexact)
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .special_series import float_array, polyval, ratio, real_only

__all__ = ["fresnel", "owens_t", "sici", "spence"]

# --------------------------------------------------------------------------- sici
# Cephes sici.c.  |x| <= 4: Si = x SN(x**2)/SD(x**2), Ci = gamma + log x + x**2 CN/CD.
_SI_NUM = [-8.39167827910303881427e-11, 4.62591714427012837309e-8, -9.75759303843632795789e-6,
           9.76945438170435310816e-4, -4.13470316229406538752e-2, 1.00000000000000000302e0]
_SI_DEN = [2.03269266195951942049e-12, 1.27997891179943299903e-9, 4.41827842801218905784e-7,
           9.96412122043875552487e-5, 1.42085239326149893930e-2, 9.99999999999999996984e-1]
_CI_NUM = [2.02524002389102268789e-11, -1.35249504915790756375e-8, 3.59325051419993077021e-6,
           -4.74007206873407909465e-4, 2.89159652607555242092e-2, -1.00000000000000000080e0]
_CI_DEN = [4.07746040061880559506e-12, 3.06780997581887812692e-9, 1.23210355685883423679e-6,
           3.17442024775032769882e-4, 5.10028056236446052392e-2, 4.00000000000000000080e0]
# The auxiliary functions f (numerator FN, denominator FD) and g, in z = 1/x**2, on
# (4, 8) and [8, 1e9].
_F4 = ([4.23612862892216586994e0, 5.45937717161812843388e0, 1.62083287701538329132e0,
        1.67006611831323023771e-1, 6.81020132472518137426e-3, 1.08936580650328664411e-4,
        5.48900223421373614008e-7],
       [1.0, 8.16496634205391016773e0, 7.30828822505564552187e0, 1.86792257950184183883e0,
        1.78792052963149907262e-1, 7.01710668322789753610e-3, 1.10034357153915731354e-4,
        5.48900252756255700982e-7])
_G4 = ([8.71001698973114191777e-2, 6.11379109952219284151e-1, 3.97180296392337498885e-1,
        7.48527737628469092119e-2, 5.38868681462177273157e-3, 1.61999794598934024525e-4,
        1.97963874140963632189e-6, 7.82579040744090311069e-9],
       [1.0, 1.64402202413355338886e0, 6.66296701268987968381e-1, 9.88771761277688796203e-2,
        6.22396345441768420760e-3, 1.73221081474177119497e-4, 2.02659182086343991969e-6,
        7.82579218933534490868e-9])
_F8 = ([4.55880873470465315206e-1, 7.13715274100146711374e-1, 1.60300158222319456320e-1,
        1.16064229408124407915e-2, 3.49556442447859055605e-4, 4.86215430826454749482e-6,
        3.20092790091004902806e-8, 9.41779576128512936592e-11, 9.70507110881952024631e-14],
       [1.0, 9.17463611873684053703e-1, 1.78685545332074536321e-1, 1.22253594771971293032e-2,
        3.58696481881851580297e-4, 4.92435064317881464393e-6, 3.21956939101046018377e-8,
        9.43720590350276732376e-11, 9.70507110881952025725e-14])
_G8 = ([6.97359953443276214934e-1, 3.30410979305632063225e-1, 3.84878767649974295920e-2,
        1.71718239052347903558e-3, 3.48941165502279436777e-5, 3.47131167084116673800e-7,
        1.70404452782044526189e-9, 3.85945925430276600453e-12, 3.14040098946363334640e-15],
       [1.0, 1.68548898811011640017e0, 4.87852258695304967486e-1, 4.67913194259625806320e-2,
        1.90284426674399523638e-3, 3.68475504442561108162e-5, 3.57043223443740838771e-7,
        1.72693748966316146736e-9, 3.87830166023954706752e-12, 3.14040098946363335242e-15])


def _sici_small(x):
    t = x * x
    si = jnp.where(x == 0, 0.0, ratio(_SI_NUM, _SI_DEN, t, scale=x))
    ci = jnp.where(x == 0, -np.inf,
                   np.euler_gamma + jnp.log(x) + ratio(_CI_NUM, _CI_DEN, t, scale=t))
    return si, ci


def _sici_auxiliary(x):
    z = 1.0 / (x * x)
    below_8 = x < 8.0
    f = jnp.where(below_8, polyval(_F4[0], z) / (x * polyval(_F4[1], z)),
                  polyval(_F8[0], z) / (x * polyval(_F8[1], z)))
    g = jnp.where(below_8, ratio(*_G4, z, scale=z), ratio(*_G8, z, scale=z))
    s, c = jnp.sin(x), jnp.cos(x)
    return np.pi / 2 - f * c - g * s, f * s - g * c


def _sici_huge(x):
    infinite = jnp.isposinf(x)
    return (jnp.where(infinite, np.pi / 2, np.pi / 2 - jnp.cos(x) / x),
            jnp.where(infinite, 0.0, jnp.sin(x) / x))


@custom_jvp
def _sici(x):
    ax = jnp.abs(x)
    small, middle = ax <= 4, (ax > 4) & (ax <= 1e9)
    (si_s, ci_s), (si_m, ci_m), (si_h, ci_h) = _sici_small(ax), _sici_auxiliary(ax), \
        _sici_huge(ax)
    si = jnp.where(small, si_s, jnp.where(middle, si_m, si_h))
    ci = jnp.where(small, ci_s, jnp.where(middle, ci_m, ci_h))
    return jnp.sign(x) * si, jnp.where(jnp.isneginf(x), np.nan, ci)


@_sici.defjvp
def _sici_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    return _sici(x), (jnp.sinc(x / np.pi) * x_dot, jnp.cos(x) / x * x_dot)


@compiled_when_eager()
def sici(x: ArrayLike):
    """The sine and cosine integrals ``(Si(x), Ci(x))``: the integral of ``sin(t)/t``
    from 0 to ``x``, and ``gamma + log x`` plus that of ``(cos(t) - 1)/t``.

    >>> si, ci = jsp.special.sici(jnp.array([0.5, 1., 10.]))
    >>> si, ci
    (Array([0.4931074 , 0.94608307, 1.6583477 ], dtype=float32), Array([-0.17778407,  0.33740395, -0.04545644], dtype=float32))
    """
    x = ensure_array(promote_args_inexact("sici", x)[0])
    real_only("sici", x)
    return _sici(x)


# --------------------------------------------------------------------------- fresnel
# Cephes fresnl.c (double) and fresnlf.c (single precision).  Small x: S = x**3 SN/SD(x**4),
# C = x CN/CD(x**4); otherwise f = 1 - u FN/FD(u), g = t GN/GD(u) with t = 1/(pi x**2),
# u = t**2.  The single-precision tables have no denominators.
_FRESNEL_TABLES = {
    np.dtype(np.float64): {
        "sn": [-2.99181919401019853726e3, 7.08840045257738576863e5, -6.29741486205862506537e7,
               2.54890880573376359104e9, -4.42979518059697779103e10, 3.18016297876567817986e11],
        "sd": [1.0, 2.81376268889994315696e2, 4.55847810806532581675e4, 5.17343888770096400730e6,
               4.19320245898111231129e8, 2.24411795645340920940e10, 6.07366389490084639049e11],
        "cn": [-4.98843114573573548651e-8, 9.50428062829859605134e-6, -6.45191435683965050962e-4,
               1.88843319396703850064e-2, -2.05525900955013891793e-1, 9.99999999999999998822e-1],
        "cd": [3.99982968972495980367e-12, 9.15439215774657478799e-10, 1.25001862479598821474e-7,
               1.22262789024179030997e-5, 8.68029542941784300606e-4, 4.12142090722199792936e-2,
               1.00000000000000000118e0],
        "fn": [4.21543555043677546506e-1, 1.43407919780758885261e-1, 1.15220955073585758835e-2,
               3.45017939782574027900e-4, 4.63613749287867322088e-6, 3.05568983790257605827e-8,
               1.02304514164907233465e-10, 1.72010743268161828879e-13, 1.34283276233062758925e-16,
               3.76329711269987889006e-20],
        "fd": [1.0, 7.51586398353378947175e-1, 1.16888925859191382142e-1, 6.44051526508858611005e-3,
               1.55934409164153020873e-4, 1.84627567348930545870e-6, 1.12699224763999035261e-8,
               3.60140029589371370404e-11, 5.88754533621578410010e-14, 4.52001434074129701496e-17,
               1.25443237090011264384e-20],
        "gn": [5.04442073643383265887e-1, 1.97102833525523411709e-1, 1.87648584092575249293e-2,
               6.84079380915393090172e-4, 1.15138826111884280931e-5, 9.82852443688422223854e-8,
               4.45344415861750144738e-10, 1.08268041139020870318e-12, 1.37555460633261799868e-15,
               8.36354435630677421531e-19, 1.86958710162783235106e-22],
        "gd": [1.0, 1.47495759925128324529e0, 3.37748989120019970451e-1, 2.53603741420338795122e-2,
               8.14679107184306179049e-4, 1.27545075667729118702e-5, 1.04314589657571990585e-7,
               4.60680728146520428211e-10, 1.10273215066240270757e-12, 1.38796531259578871258e-15,
               8.39158816283118707363e-19, 1.86958710162783236342e-22],
    },
    np.dtype(np.float32): {
        "sn": [1.647629463788700e-9, -1.522754752581096e-7, 8.424748808502400e-6,
               -3.120693124703272e-4, 7.244727626597022e-3, -9.228055941124598e-2,
               5.235987735681432e-1],
        "cn": [1.416802502367354e-8, -1.157231412229871e-6, 5.387223446683264e-5,
               -1.604381798862293e-3, 2.818489036795073e-2, -2.467398198317899e-1,
               9.999999760004487e-1],
        "fn": [-1.903009855649792e12, 1.355942388050252e11, -4.158143148511033e9,
               7.343848463587323e7, -8.732356681548485e5, 8.560515466275470e3,
               -1.032877601091159e2, 2.999401847870011e0],
        "gn": [-1.860843997624650e11, 1.278350673393208e10, -3.779387713202229e8,
               6.492611570598858e6, -7.787789623358162e4, 8.602931494734327e2,
               -1.493439396592284e1, 9.999841934744914e-1],
    },
}


def _sin_cos_pi_half_square(x):
    """``(sin(pi x**2 / 2), cos(pi x**2 / 2))``, with ``x**2 / 2`` reduced modulo 2
    exactly: writing ``x = y + s`` with ``s = x mod 2`` (y even), ``x**2/2 = s (x - s/2)``
    modulo 2, with no rounding of a large ``x**2``."""
    x = jnp.abs(x)
    s = jnp.fmod(x, 2.0)
    r = jnp.fmod(s * (x - s / 2), 2.0)
    sin = jnp.where(r < 0.5, jnp.sin(np.pi * r),
                    jnp.where(r > 1.5, jnp.sin(np.pi * (r - 2.0)), -jnp.sin(np.pi * (r - 1.0))))
    cos = jnp.where(r == 0.5, 0.0,
                    jnp.where(r < 1.0, -jnp.sin(np.pi * (r - 0.5)), jnp.sin(np.pi * (r - 1.5))))
    return sin, cos


def _fresnel_real(x_signed):
    """``(S, C)`` for float32 or float64 ``x_signed``."""
    table = _FRESNEL_TABLES[dtype_of(x_signed)]
    single = dtype_of(x_signed) == np.float32
    x = jnp.abs(x_signed)
    x2 = x * x
    x4 = x2 * x2
    if single:
        s_small, c_small = x * x2 * polyval(table["sn"], x4), x * polyval(table["cn"], x4)
    else:
        s_small = ratio(table["sn"], table["sd"], x4, scale=x * x2)
        c_small = ratio(table["cn"], table["cd"], x4, scale=x)
    sin, cos = _sin_cos_pi_half_square(x)
    if single:
        s_large = c_large = 0.5
    else:
        c_large = 0.5 + 1 / (np.pi * x) * sin
        s_large = 0.5 - 1 / (np.pi * x) * cos
    t = 1.0 / (np.pi * x2)
    u = t * t
    if single:
        f = 1.0 - u * polyval(table["fn"], u)
        g = t * polyval(table["gn"], u)
    else:
        f = 1.0 - ratio(table["fn"], table["fd"], u, scale=u)
        g = ratio(table["gn"], table["gd"], u, scale=t)
    c_mid = 0.5 + (f * sin - g * cos) / (np.pi * x)
    s_mid = 0.5 - (f * cos + g * sin) / (np.pi * x)

    infinite, small, large = jnp.isinf(x_signed), x2 < 2.5625, x > 36974.0
    s = jnp.where(infinite, 0.5, jnp.where(small, s_small, jnp.where(large, s_large, s_mid)))
    c = jnp.where(infinite, 0.5, jnp.where(small, c_small, jnp.where(large, c_large, c_mid)))
    negative = x_signed < 0.0
    return jnp.where(negative, -s, s), jnp.where(negative, -c, c)


@custom_jvp
def _fresnel(x):
    if dtype_of(x) == np.float64:
        return _fresnel_real(x)
    s, c = _fresnel_real(x.astype(np.float32))
    return s.astype(dtype_of(x)), c.astype(dtype_of(x))


@_fresnel.defjvp
def _fresnel_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    sin, cos = _sin_cos_pi_half_square(x)
    return _fresnel(x), (sin * x_dot, cos * x_dot)


@compiled_when_eager()
def fresnel(x: ArrayLike):
    """The Fresnel integrals ``(S(x), C(x))``, the integrals of ``sin(pi t**2 / 2)`` and
    ``cos(pi t**2 / 2)`` from 0 to ``x``; real input only.

    >>> s, c = jsp.special.fresnel(jnp.array([0.5, 1., 3.]))
    >>> s, c
    (Array([0.06473243, 0.43825915, 0.496313  ], dtype=float32), Array([0.49234423, 0.7798934 , 0.60572076], dtype=float32))
    """
    x = ensure_array(promote_args_inexact("fresnel", x)[0])
    if _dtypes.is_complex(dtype_of(x)):
        raise NotImplementedError(f"fresnel: complex input (dtype {dtype_of(x)}) is not "
                                  f"supported (at {user_frame_str()}).")
    if not _dtypes.issubdtype(dtype_of(x), np.floating) or np.finfo(dtype_of(x)).bits < 16:
        raise NotImplementedError(f"fresnel: dtype {dtype_of(x)} is not supported "
                                  f"(at {user_frame_str()}).")
    return _fresnel(x)


# --------------------------------------------------------------------------- spence
# Cephes spence.c: spence(1 - w) ~ -w A(w)/B(w) for w in [-1/2, 1/2].
_SPENCE_NUM = [4.65128586073990045278e-5, 7.31589045238094711071e-3, 1.33847639578309018650e-1,
               8.79691311754530315341e-1, 2.71149851196553469920e0, 4.25697156008121755724e0,
               3.29771340985225106936e0, 1.00000000000000000126e0]
_SPENCE_DEN = [6.90990488912553276999e-4, 2.54043763932544379113e-2, 2.82974860602568089943e-1,
               1.41172597751831069617e0, 3.63800533345137075418e0, 5.03278880143316990390e0,
               3.54771340985225096217e0, 9.99999999999999998740e-1]


def _spence_positive(x):
    """spence(x) for x > 0, x != 1: inversion maps x > 2 (and then (1.5, 2]) below 1.5,
    reflection maps x < 1/2 above it, and the approximation is applied in between."""
    inverted = x > 2.0
    x = jnp.where(inverted, 1.0 / x, x)
    above, below = x > 1.5, x < 0.5
    inverted = inverted | above
    w = jnp.where(above, 1.0 / x - 1.0, jnp.where(below, -x, x - 1.0))
    y = ratio(_SPENCE_NUM, _SPENCE_DEN, w, scale=-w)
    y = jnp.where(below, np.pi ** 2 / 6.0 - jnp.log(x) * jnp.log(1.0 - x) - y, y)
    return jnp.where(inverted, -0.5 * jnp.log(x) ** 2 - y, y)


@compiled_when_eager()
def spence(x: ArrayLike):
    """Spence's function (the real dilogarithm), the integral of ``log(t) / (1 - t)``
    from 1 to ``x``, for ``x >= 0`` (NaN for negative ``x``); float32 or float64 only.

    >>> jsp.special.spence(jnp.array([0., 0.5, 1., 2.]))
    Array([ 1.644934  ,  0.58224034,  0.        , -0.82246685], dtype=float32)
    """
    x = float_array("spence", x)
    regular = ~((x <= 0) | (x == 1))       # NaN included: it propagates
    value = _spence_positive(jnp.where(regular, x, jnp.full_like(x, 0.75)))
    value = jnp.where(x == 0, np.pi ** 2 / 6, jnp.where(x == 1, 0.0, value))
    return jnp.where(x < 0, np.nan, value).astype(dtype_of(x))


# --------------------------------------------------------------------------- owens_t

# The nodes and weights are float64 NumPy constants and so, as JAX's, promote the result
# to the widest float enabled: float16 input gives float32 (float64 under x64).
def _owens_t_rule() -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``t_i`` in (0, 1) and weights for ``T(h, a) ~ a sum_i w_i F(a**2 t_i)``,
    ``F(r) = exp(-h**2 (1 + r)/2) / (1 + r)``: the positive half of the 26-point
    Gauss-Legendre rule in ``s = sqrt(t)``, the ``1/(2 pi)`` folded into the weights."""
    nodes, weights = np.polynomial.legendre.leggauss(26)
    positive = nodes > 0
    return nodes[positive] ** 2, weights[positive] / (2 * np.pi)


_OWENS_T_NODES, _OWENS_T_WEIGHTS = _owens_t_rule()


def _owens_t_quadrature(h, a):
    r = jnp.square(a)[..., None] * jnp.asarray(_OWENS_T_NODES)
    integrand = jnp.exp(-0.5 * jnp.square(h)[..., None] * (1.0 + r)) / (1.0 + r)
    return a * jnp.matmul(integrand, jnp.asarray(_OWENS_T_WEIGHTS))


@custom_jvp
def _owens_t(h, a):
    h, abs_a = jnp.abs(h), jnp.abs(a)
    h_normed = h / np.asarray(math.sqrt(2), dtype_of(h))
    # For |a| > 1 the quadrature is run on (|a| h, 1/|a|), then reflected.
    reduced = abs_a <= 1.0
    a_r = jnp.where(reduced, abs_a, 1 / abs_a)
    h_r = jnp.where(reduced, h, abs_a * h)
    result = _owens_t_quadrature(h_r, a_r)
    result = jnp.where(h_r == 0.0, jnp.arctan(a_r) / (2 * np.pi), result)
    result = jnp.where(a_r == 1.0, 0.125 * lax.erfc(-h_r / math.sqrt(2)) * lax.erfc(
        h_r / math.sqrt(2)), result)
    tail_h, tail_ah = lax.erfc(h_normed), lax.erfc(abs_a * h_normed)
    reflected = jnp.where(abs_a * h <= 0.67,
                          0.25 - 0.25 * lax.erf(h_normed) * lax.erf(abs_a * h_normed) - result,
                          0.25 * (tail_h + tail_ah - tail_h * tail_ah) - result)
    result = jnp.sign(a) * jnp.where(abs_a > 1.0, reflected, result)
    return jnp.where(jnp.isnan(a) | jnp.isnan(h), jnp.full_like(result, np.nan), result)


@_owens_t.defjvp
def _owens_t_jvp(primals, tangents):
    (h, a), (h_dot, a_dot) = primals, tangents
    out = _owens_t(h, a)
    dt_dh = (-jnp.exp(-0.5 * jnp.square(h)) * lax.erf(a * h / np.asarray(math.sqrt(2), dtype_of(h)))
             / (2 * np.asarray(math.sqrt(2 * np.pi), dtype_of(h))))
    dt_da = jnp.exp(-0.5 * (jnp.square(a) + 1) * jnp.square(h)) / (2 * np.pi * (jnp.square(a) + 1))
    return out, (dt_dh * h_dot + dt_da * a_dot).astype(out.dtype)


@compiled_when_eager()
def owens_t(h: ArrayLike, a: ArrayLike):
    """Owen's T function, ``1/(2 pi)`` times the integral of
    ``exp(-h**2 (1 + x**2) / 2) / (1 + x**2)`` over ``x`` from 0 to ``a``.

    >>> jsp.special.owens_t(jnp.array([0., 0.5, 2.]), jnp.array([1., 0.5, 0.5]))
    Array([0.125     , 0.0644886 , 0.00862508], dtype=float32)
    """
    h, a = promote_args_inexact("owens_t", h, a)
    return _owens_t(ensure_array(h), ensure_array(a))
