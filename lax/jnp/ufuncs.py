"""Elementwise arithmetic and math functions (NumPy's "ufuncs").

Each function promotes its arguments (dtype on JAX's lattice, NumPy broadcasting; see
``promotion.py``) and applies one or a few lax primitives.  Functions that need floats
(``sin``, ``divide``, ``sqrt``) promote integers and bools to the default float first, as
``jnp`` does.  Comparisons, logic and ``where`` live in ``logic.py``.
"""
from __future__ import annotations

import functools
import operator

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.core import Tracer
from zenax.tracer.source_info import user_frame_str
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager

from .creation import zeros_like
from .logic import const_like, isnan, isneginf, isposinf, signbit, where
from .promotion import (ArrayLike, DTypeLike, aval_of, canonical_dtype, check_arraylike,
                        convert_to, dtype_of, ensure_array, promote_args,
                        promote_args_inexact, promote_args_numeric, promote_dtypes_numeric,
                        scalar_constant, to_inexact_dtype)


def _is_bool(x) -> bool:
    return _dtypes.is_bool(dtype_of(x))


def _is_int(x) -> bool:
    return _dtypes.is_integer(dtype_of(x))


def _is_unsigned(x) -> bool:
    return _dtypes.issubdtype(dtype_of(x), np.unsignedinteger)


def _is_complex(x) -> bool:
    return _dtypes.is_complex(dtype_of(x))


# --------------------------------------------------------------------------- arithmetic

@compiled_when_eager()
def add(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 + x2`` (logical OR for bools).

    >>> jnp.add(jnp.arange(3), 1)
    Array([1, 2, 3], dtype=int32)
    """
    x1, x2 = promote_args("add", x1, x2)
    return lax.bitwise_or(x1, x2) if _is_bool(x1) else lax.add(x1, x2)


@compiled_when_eager()
def subtract(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 - x2``. Example: ``jnp.subtract(x, 1.0)``."""
    return lax.sub(*promote_args("subtract", x1, x2))


@compiled_when_eager()
def multiply(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 * x2`` (logical AND for bools).

    >>> jnp.multiply(jnp.arange(3), 2.0)
    Array([0., 2., 4.], dtype=float32, weak_type=True)
    """
    x1, x2 = promote_args("multiply", x1, x2)
    return lax.bitwise_and(x1, x2) if _is_bool(x1) else lax.mul(x1, x2)


@compiled_when_eager()
def divide(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise true division; integers divide as floats.

    >>> jnp.divide(jnp.arange(3), 2)
    Array([0. , 0.5, 1. ], dtype=float32)
    """
    return lax.div(*promote_args_inexact("divide", x1, x2))


true_divide = divide


def _float_divmod(x1, x2):
    """Floor division and modulo for floats, from truncating ``rem`` (as JAX)."""
    mod = lax.rem(x1, x2)
    div = lax.div(lax.sub(x1, mod), x2)
    wrong_sign = lax.bitwise_and(lax.ne(mod, const_like(mod, 0)),
                                 lax.ne(lax.sign(x2), lax.sign(mod)))
    mod = lax.select(wrong_sign, lax.add(mod, x2), mod)
    one = scalar_constant(1, dtype_of(div), aval_of(div).weak_type)
    div = lax.select(wrong_sign, lax.sub(div, one), div)
    return lax.round(div, lax.RoundingMethod.TO_NEAREST_EVEN), mod


@compiled_when_eager()
def floor_divide(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 // x2`` (rounding toward minus infinity).

    >>> jnp.floor_divide(jnp.array([-3, 3]), 2)
    Array([-2,  1], dtype=int32)
    """
    x1, x2 = promote_args_numeric("floor_divide", x1, x2)
    if _is_unsigned(x1):
        return lax.div(x1, x2)
    if _is_int(x1):
        # lax.div truncates toward zero; step down where the exact quotient is negative.
        quotient = lax.div(x1, x2)
        fix = lax.bitwise_and(lax.ne(lax.sign(x1), lax.sign(x2)),
                              lax.ne(lax.rem(x1, x2), const_like(x1, 0)))
        return where(fix, lax.sub(quotient, const_like(quotient, 1)), quotient)
    if _is_complex(x1):
        raise TypeError(f"floor_divide does not support complex inputs "
                        f"(at {user_frame_str()}).")
    return _float_divmod(x1, x2)[0]


@compiled_when_eager()
def remainder(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 % x2`` with the sign of ``x2`` (Python's modulo).

    >>> jnp.remainder(jnp.array([-3, 3]), 2)
    Array([1, 1], dtype=int32)
    """
    x1, x2 = promote_args_numeric("remainder", x1, x2)
    if _is_int(x2):   # integer division by zero is undefined in XLA; divide by 1 instead
        x2 = where(lax.eq(x2, const_like(x2, 0)), const_like(x2, 1), x2)
    trunc_mod = lax.rem(x1, x2)
    zero = const_like(trunc_mod, 0)
    wrong_sign = lax.bitwise_and(lax.ne(lax.lt(trunc_mod, zero), lax.lt(x2, zero)),
                                 lax.ne(trunc_mod, zero))
    return lax.select(wrong_sign, lax.add(trunc_mod, x2), trunc_mod)


mod = remainder


@compiled_when_eager()
def fmod(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise C-style remainder (sign of ``x1``)."""
    return lax.rem(*promote_args_numeric("fmod", x1, x2))


@compiled_when_eager()
def divmod(x1: ArrayLike, x2: ArrayLike, /):
    """``(floor_divide(x1, x2), remainder(x1, x2))``."""
    if _dtypes.is_integer(dtype_of(x1)) and _dtypes.is_integer(dtype_of(x2)):
        return floor_divide(x1, x2), remainder(x1, x2)
    return _float_divmod(*promote_args_inexact("divmod", x1, x2))


def _pow_int_int(x1, x2):
    """Integer power by unrolled binary exponentiation (XLA has no integer pow)."""
    zero, one = const_like(x2, 0), const_like(x2, 1)
    # pow(0, y) must be 0 for y != 0, and 1 for y == 0.
    acc = where(lax.bitwise_and(lax.eq(x1, const_like(x1, 0)), lax.ne(x2, zero)),
                const_like(x1, 0), const_like(x1, 1))
    bits = 6   # exponents of more than 6 bits overflow for any |x1| > 1
    for bit in range(bits):
        acc = where(lax.ne(lax.bitwise_and(x2, one), zero), lax.mul(acc, x1), acc)
        if bit < bits - 1:
            x1 = lax.mul(x1, x1)
            x2 = lax.shift_right_logical(x2, one)
    return acc


@compiled_when_eager()
def power(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 ** x2``.

    A concrete integer exponent becomes ``lax.integer_pow`` (exact, as JAX does).

    >>> jnp.power(jnp.arange(4), 2)
    Array([0, 1, 4, 9], dtype=int32)
    """
    check_arraylike("power", x1, x2)
    if not isinstance(x2, Tracer):
        try:
            exponent = operator.index(x2)
        except TypeError:
            pass
        else:
            x1, = promote_dtypes_numeric(x1)
            return lax.integer_pow(x1, exponent)
    x1, x2 = promote_args_numeric("power", x1, x2)
    if _is_int(x1):
        return _pow_int_int(x1, x2)
    return lax.pow(x1, x2)


pow = power


@compiled_when_eager()
def float_power(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 ** x2`` computed in floating point."""
    return lax.pow(*promote_args_inexact("float_power", x1, x2))


@compiled_when_eager()
def negative(x: ArrayLike, /):
    """Elementwise ``-x``."""
    return lax.neg(*promote_args("negative", x))


@compiled_when_eager()
def positive(x: ArrayLike, /):
    """Elementwise ``+x`` (a copy of ``x`` as an array)."""
    return ensure_array(*promote_args("positive", x))


@compiled_when_eager()
def absolute(x: ArrayLike, /):
    """Elementwise ``|x|`` (the magnitude, real-valued, for complex ``x``).

    >>> jnp.abs(jnp.array([-1, 2]))
    Array([1, 2], dtype=int32)
    """
    check_arraylike("absolute", x)
    if _is_bool(x) or _is_unsigned(x):
        return ensure_array(x)
    return lax.abs(x)


abs = absolute


@compiled_when_eager()
def fabs(x: ArrayLike, /):
    """Elementwise ``|x|`` as a float."""
    return lax.abs(*promote_args_inexact("fabs", x))


@compiled_when_eager()
def sign(x: ArrayLike, /):
    """Elementwise sign: -1, 0 or 1 (``x / |x|`` for complex)."""
    return lax.sign(*promote_args("sign", x))


@compiled_when_eager()
def reciprocal(x: ArrayLike, /):
    """Elementwise ``1 / x`` (floats). Example: ``jnp.reciprocal(2.0)``."""
    return lax.integer_pow(*promote_args_inexact("reciprocal", x), -1)


@compiled_when_eager()
def square(x: ArrayLike, /):
    """Elementwise ``x * x``. Example: ``jnp.square(jnp.arange(3))``."""
    check_arraylike("square", x)
    return lax.square(*promote_dtypes_numeric(x))


@compiled_when_eager()
def sqrt(x: ArrayLike, /):
    """Elementwise square root. Example: ``jnp.sqrt(4.0)``."""
    return lax.sqrt(*promote_args_inexact("sqrt", x))


@compiled_when_eager()
def cbrt(x: ArrayLike, /):
    """Elementwise cube root of real numbers."""
    return lax.cbrt(*promote_args_inexact("cbrt", x))


# --------------------------------------------------------------------------- exp and log

@compiled_when_eager()
def exp(x: ArrayLike, /):
    """Elementwise ``e ** x``. Example: ``jnp.exp(0.0)``."""
    return lax.exp(*promote_args_inexact("exp", x))


@compiled_when_eager()
def exp2(x: ArrayLike, /):
    """Elementwise ``2 ** x``."""
    return lax.exp2(*promote_args_inexact("exp2", x))


@compiled_when_eager()
def expm1(x: ArrayLike, /):
    """Elementwise ``exp(x) - 1``, accurate near 0."""
    return lax.expm1(*promote_args_inexact("expm1", x))


@compiled_when_eager()
def log(x: ArrayLike, /):
    """Elementwise natural logarithm. Example: ``jnp.log(jnp.e)``."""
    return lax.log(*promote_args_inexact("log", x))


@compiled_when_eager()
def log1p(x: ArrayLike, /):
    """Elementwise ``log(1 + x)``, accurate near 0."""
    return lax.log1p(*promote_args_inexact("log1p", x))


@compiled_when_eager()
def log2(x: ArrayLike, /):
    """Elementwise base-2 logarithm."""
    x, = promote_args_inexact("log2", x)
    # A strongly typed constant, as JAX's: log2 of a weak value is strongly typed.
    return lax.div(lax.log(x), scalar_constant(np.log(2), dtype_of(x), False))


@compiled_when_eager()
def log10(x: ArrayLike, /):
    """Elementwise base-10 logarithm."""
    x, = promote_args_inexact("log10", x)
    return lax.mul(lax.log(x), scalar_constant(1 / np.log(10), dtype_of(x), False))


@compiled_when_eager()
def logaddexp(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``log(exp(x1) + exp(x2))`` without overflow.

    >>> jnp.logaddexp(1000.0, 1000.0)
    Array(1000.6932, dtype=float32, weak_type=True)
    """
    x1, x2 = promote_args_inexact("logaddexp", x1, x2)
    amax, delta = _max_and_gap(x1, x2)
    # inf - inf is NaN; then x1 + x2 gives the right infinity (or NaN for a NaN input).
    return where(isnan(delta), lax.add(x1, x2), lax.add(amax, lax.log1p(lax.exp(delta))))


def _max_and_gap(x1, x2):
    """``(max(x1, x2), min - max)``, picked with one select: at ``x1 == x2`` the
    derivative of ``max + f(min - max)`` is then the true one (1/2 each for logaddexp),
    which ``max`` plus ``abs`` -- each non-differentiable at the tie -- would not give."""
    x1_bigger = lax.ge(x1, x2)
    amax = where(x1_bigger, x1, x2)
    return amax, lax.sub(where(x1_bigger, x2, x1), amax)


@compiled_when_eager()
def logaddexp2(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``log2(2**x1 + 2**x2)`` without overflow."""
    x1, x2 = promote_args_inexact("logaddexp2", x1, x2)
    amax, delta = _max_and_gap(x1, x2)
    log1p_term = lax.div(lax.log1p(lax.exp2(delta)), const_like(x1, np.log(2)))
    return where(isnan(delta), lax.add(x1, x2), lax.add(amax, log1p_term))


# --------------------------------------------------------------------------- trigonometry

@compiled_when_eager()
def sin(x: ArrayLike, /):
    """Elementwise sine. Example: ``jnp.sin(jnp.pi / 2)``."""
    return lax.sin(*promote_args_inexact("sin", x))


@compiled_when_eager()
def cos(x: ArrayLike, /):
    """Elementwise cosine."""
    return lax.cos(*promote_args_inexact("cos", x))


@compiled_when_eager()
def tan(x: ArrayLike, /):
    """Elementwise tangent."""
    return lax.tan(*promote_args_inexact("tan", x))


@compiled_when_eager()
def arcsin(x: ArrayLike, /):
    """Elementwise inverse sine."""
    return lax.asin(*promote_args_inexact("arcsin", x))


@compiled_when_eager()
def arccos(x: ArrayLike, /):
    """Elementwise inverse cosine."""
    return lax.acos(*promote_args_inexact("arccos", x))


@compiled_when_eager()
def arctan(x: ArrayLike, /):
    """Elementwise inverse tangent."""
    return lax.atan(*promote_args_inexact("arctan", x))


@compiled_when_eager()
def arctan2(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise angle of the point ``(x2, x1)``. Example: ``jnp.arctan2(1.0, -1.0)``."""
    return lax.atan2(*promote_args_inexact("arctan2", x1, x2))


@compiled_when_eager()
def sinh(x: ArrayLike, /):
    """Elementwise hyperbolic sine."""
    return lax.sinh(*promote_args_inexact("sinh", x))


@compiled_when_eager()
def cosh(x: ArrayLike, /):
    """Elementwise hyperbolic cosine."""
    return lax.cosh(*promote_args_inexact("cosh", x))


@compiled_when_eager()
def tanh(x: ArrayLike, /):
    """Elementwise hyperbolic tangent. Example: ``jnp.tanh(jnp.arange(3.0))``."""
    return lax.tanh(*promote_args_inexact("tanh", x))


@compiled_when_eager()
def arcsinh(x: ArrayLike, /):
    """Elementwise inverse hyperbolic sine."""
    return lax.asinh(*promote_args_inexact("arcsinh", x))


@compiled_when_eager()
def arccosh(x: ArrayLike, /):
    """Elementwise inverse hyperbolic cosine."""
    return lax.acosh(*promote_args_inexact("arccosh", x))


@compiled_when_eager()
def arctanh(x: ArrayLike, /):
    """Elementwise inverse hyperbolic tangent."""
    return lax.atanh(*promote_args_inexact("arctanh", x))


# The array-API spellings.
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh


@compiled_when_eager()
def deg2rad(x: ArrayLike, /):
    """Degrees to radians. Example: ``jnp.deg2rad(180.0)``."""
    x, = promote_args_inexact("deg2rad", x)
    return lax.mul(x, const_like(x, np.pi / 180))


@compiled_when_eager()
def rad2deg(x: ArrayLike, /):
    """Radians to degrees."""
    x, = promote_args_inexact("rad2deg", x)
    return lax.mul(x, const_like(x, 180 / np.pi))


radians = deg2rad
degrees = rad2deg


@compiled_when_eager()
def hypot(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``sqrt(x1**2 + x2**2)`` without intermediate overflow.

    >>> jnp.hypot(3.0, 4.0)
    Array(5., dtype=float32, weak_type=True)
    """
    x1, x2 = promote_args_inexact("hypot", x1, x2)
    if _is_complex(x1):
        raise TypeError(f"hypot does not support complex inputs (at {user_frame_str()}).")
    x1, x2 = lax.abs(x1), lax.abs(x2)
    any_inf = lax.bitwise_or(isposinf(x1), isposinf(x2))
    big, small = lax.max(x1, x2), lax.min(x1, x2)
    big_is_zero = lax.eq(big, const_like(big, 0))
    ratio = lax.div(small, where(big_is_zero, const_like(big, 1), big))
    out = where(big_is_zero, big,
                lax.mul(big, lax.sqrt(lax.add(const_like(ratio, 1), lax.square(ratio)))))
    return where(any_inf, const_like(out, np.inf), out)


@compiled_when_eager()
def sinc(x: ArrayLike, /):
    """Elementwise normalized sinc, ``sin(pi x) / (pi x)``, with ``sinc(0) = 1``; its
    derivatives of every order at 0 are exact (as JAX's).

    >>> import zenax, zenax.numpy as jnp
    >>> print(zenax.grad(zenax.grad(jnp.sinc))(0.0))    # -pi**2 / 3
    -3.2898684
    """
    x, = promote_args_inexact("sinc", x)
    is_zero = lax.eq(x, const_like(x, 0))
    pi_x = lax.mul(const_like(x, np.pi), x)
    safe_pi_x = where(is_zero, const_like(x, 1), pi_x)
    return where(is_zero, _sinc_maclaurin(0, pi_x), lax.div(lax.sin(safe_pi_x), safe_pi_x))


@functools.partial(custom_jvp, nondiff_argnums=(0,))
def _sinc_maclaurin(k: int, x):
    """The ``k``-th derivative of ``sin(x) / x`` at 0, shaped like ``x``.  Its jvp is the
    next one times the tangent, so differentiating sinc at 0 any number of times walks
    down the Maclaurin series instead of hitting 0/0 (the ``x * 0`` keeps the tangent
    connected to ``x``)."""
    zero = lax.mul(x, const_like(x, 0))
    if k % 2:
        return zero
    return lax.add(zero, const_like(x, (-1) ** (k // 2) / (k + 1)))


@_sinc_maclaurin.defjvp
def _sinc_maclaurin_jvp(k, primals, tangents):
    (x,), (t,) = primals, tangents
    return _sinc_maclaurin(k, x), lax.mul(_sinc_maclaurin(k + 1, x), t)


# --------------------------------------------------------------------------- rounding

@compiled_when_eager()
def floor(x: ArrayLike, /):
    """Elementwise floor; integers are returned unchanged."""
    check_arraylike("floor", x)
    if _is_int(x) or _is_bool(x):
        return ensure_array(x)
    return lax.floor(*promote_args_inexact("floor", x))


@compiled_when_eager()
def ceil(x: ArrayLike, /):
    """Elementwise ceiling; integers are returned unchanged."""
    check_arraylike("ceil", x)
    if _is_int(x) or _is_bool(x):
        return ensure_array(x)
    return lax.ceil(*promote_args_inexact("ceil", x))


@compiled_when_eager()
def trunc(x: ArrayLike, /):
    """Elementwise rounding toward zero; integers are returned unchanged."""
    check_arraylike("trunc", x)
    if _is_int(x) or _is_bool(x):
        return ensure_array(x)
    return where(lax.lt(x, const_like(x, 0)), lax.ceil(x), lax.floor(x))


@compiled_when_eager()
def fix(x: ArrayLike, out=None):
    """Round toward zero (the same as :func:`trunc`)."""
    check_arraylike("fix", x)
    if _is_int(x) or _is_bool(x):
        return ensure_array(x)
    return where(lax.ge(x, const_like(x, 0)), lax.floor(x), lax.ceil(x))


@compiled_when_eager()
def rint(x: ArrayLike, /):
    """Round to the nearest integer, halves to even; integers become floats."""
    check_arraylike("rint", x)
    if _is_int(x) or _is_bool(x):
        return lax.convert_element_type(x, _dtypes.default_float_dtype())
    if _is_complex(x):
        return lax.complex(rint(lax.real(x)), rint(lax.imag(x)))
    return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)


def round(a: ArrayLike, decimals: int = 0, out=None):
    """Round to ``decimals`` decimal places, halves to even.

    >>> jnp.round(jnp.array([0.5, 1.5, 2.5]))
    Array([0., 2., 2.], dtype=float32)
    """
    check_arraylike("round", a)
    decimals = operator.index(decimals)
    dtype = dtype_of(a)
    if _is_int(a):
        if decimals < 0:
            raise NotImplementedError("round: integer rounding with decimals < 0 is not "
                                      "implemented.")
        return ensure_array(a)
    if _is_bool(a):
        raise ValueError(f"round: data type bool not inexact (at {user_frame_str()}).")
    if decimals > np.log10(float(_dtypes.finfo(dtype).max)):
        return ensure_array(a)   # rounding beyond the dtype's precision changes nothing
    if _is_complex(a):
        return lax.complex(round(lax.real(a), decimals), round(lax.imag(a), decimals))
    if decimals == 0:
        return lax.round(a, lax.RoundingMethod.TO_NEAREST_EVEN)
    # Scaling by 10**decimals overflows float16 too easily; compute in float32 (as JAX).
    upcast = dtype == np.float16
    x = lax.convert_element_type(a, np.float32) if upcast else a
    factor = const_like(x, 10.0 ** decimals)
    out = lax.div(lax.round(lax.mul(x, factor), lax.RoundingMethod.TO_NEAREST_EVEN), factor)
    return lax.convert_element_type(out, dtype) if upcast else out


around = round


def clip(arr: ArrayLike | None = None, /, min: ArrayLike | None = None,
         max: ArrayLike | None = None):
    """Limit values to ``[min, max]`` (either bound may be None).

    >>> jnp.clip(jnp.arange(5), 1, 3)
    Array([1, 1, 2, 3, 3], dtype=int32)
    """
    check_arraylike("clip", arr)
    if any(b is not None and _dtypes.is_complex(dtype_of(b)) for b in (arr, min, max)):
        raise ValueError("clip: complex values have no ordering and cannot be clipped; clip "
                         "the real or imaginary part (jnp.real / jnp.imag) instead.")
    if min is not None:
        arr = maximum(min, arr)
    if max is not None:
        arr = minimum(max, arr)
    return ensure_array(arr)


@compiled_when_eager()
def maximum(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise maximum (NaN if either is NaN)."""
    return lax.max(*promote_args("maximum", x1, x2))


@compiled_when_eager()
def minimum(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise minimum (NaN if either is NaN)."""
    return lax.min(*promote_args("minimum", x1, x2))


@compiled_when_eager()
def fmax(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise maximum that ignores NaNs (NaN only if both are)."""
    x1, x2 = promote_args("fmax", x1, x2)
    return where(lax.bitwise_or(lax.gt(x1, x2), isnan(x2)), x1, x2)


@compiled_when_eager()
def fmin(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise minimum that ignores NaNs (NaN only if both are)."""
    x1, x2 = promote_args("fmin", x1, x2)
    return where(lax.bitwise_or(lax.lt(x1, x2), isnan(x2)), x1, x2)


@compiled_when_eager()
def heaviside(x1: ArrayLike, x2: ArrayLike, /):
    """Step function: 0 for ``x1 < 0``, ``x2`` at 0, 1 for ``x1 > 0``."""
    x1, x2 = promote_args_inexact("heaviside", x1, x2)
    zero, one = const_like(x1, 0), const_like(x1, 1)
    return where(lax.lt(x1, zero), zero, where(lax.gt(x1, zero), one, x2))


@compiled_when_eager()
def copysign(x1: ArrayLike, x2: ArrayLike, /):
    """``|x1|`` with the sign of ``x2``."""
    x1, x2 = promote_args_inexact("copysign", x1, x2)
    if _is_complex(x1):
        raise TypeError(f"copysign does not support complex inputs (at {user_frame_str()}).")
    magnitude = lax.abs(x1)
    return where(signbit(x2), lax.neg(magnitude), magnitude)


def nan_to_num(x: ArrayLike, copy: bool = True, nan: ArrayLike = 0.0,
               posinf: ArrayLike | None = None, neginf: ArrayLike | None = None):
    """Replace NaN by ``nan`` and infinities by ``posinf``/``neginf`` (default: finite
    extremes of the dtype).

    >>> jnp.nan_to_num(jnp.array([jnp.nan, jnp.inf]))
    Array([0.0000000e+00, 3.4028235e+38], dtype=float32)
    """
    check_arraylike("nan_to_num", x)
    x = ensure_array(x)
    dtype = dtype_of(x)
    if not _dtypes.is_inexact(dtype):
        return x
    if _dtypes.is_complex(dtype):
        return lax.complex(nan_to_num(lax.real(x), nan=nan, posinf=posinf, neginf=neginf),
                           nan_to_num(lax.imag(x), nan=nan, posinf=posinf, neginf=neginf))
    info = _dtypes.finfo(dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    fill = lambda v: scalar_constant(float(v), dtype, False)
    out = where(isnan(x), fill(nan), x)
    out = where(isposinf(out), fill(posinf), out)
    return where(isneginf(out), fill(neginf), out)


# --------------------------------------------------------------------------- complex parts

@compiled_when_eager()
def real(val: ArrayLike, /):
    """The real part (``val`` itself for real arrays)."""
    check_arraylike("real", val)
    return lax.real(val) if _is_complex(val) else ensure_array(val)


@compiled_when_eager()
def imag(val: ArrayLike, /):
    """The imaginary part (zeros for real arrays)."""
    check_arraylike("imag", val)
    return lax.imag(val) if _is_complex(val) else zeros_like(val)


@compiled_when_eager()
def conjugate(x: ArrayLike, /):
    """The complex conjugate (``x`` itself for real arrays)."""
    check_arraylike("conjugate", x)
    return lax.conj(x) if _is_complex(x) else ensure_array(x)


conj = conjugate


@compiled_when_eager()
def angle(z: ArrayLike, deg: bool = False):
    """The argument (phase angle) of complex numbers; 0 or pi for reals."""
    check_arraylike("angle", z)
    re, im = real(z), imag(z)
    # As JAX: integers become floats, and real scalars lose their weak type.
    if not _dtypes.is_inexact(dtype_of(re)) or (_dtypes.is_float(dtype_of(z))
                                               and np.ndim(z) == 0):
        float_dtype = to_inexact_dtype(dtype_of(re))
        re, im = convert_to(re, float_dtype), convert_to(im, float_dtype)
    out = lax.atan2(im, re)
    return rad2deg(out) if deg else out


def iscomplexobj(x) -> bool:
    """Whether ``x`` has a complex dtype (not whether any value has imaginary part)."""
    if x is None:
        return False
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        try:
            dtype = dtype_of(x)
        except TypeError:
            dtype = np.asarray(x).dtype
    return _dtypes.is_complex(dtype)


def isrealobj(x) -> bool:
    """Whether ``x`` does not have a complex dtype."""
    return not iscomplexobj(x)


@compiled_when_eager()
def isreal(x: ArrayLike, /):
    """Elementwise test for a zero imaginary part."""
    check_arraylike("isreal", x)
    return lax.eq(imag(x), const_like(imag(x), 0))


@compiled_when_eager()
def iscomplex(x: ArrayLike, /):
    """Elementwise test for a nonzero imaginary part."""
    check_arraylike("iscomplex", x)
    return lax.ne(imag(x), const_like(imag(x), 0))


def astype(x: ArrayLike, dtype: DTypeLike, /, *, copy: bool = False, device=None):
    """Cast ``x`` to ``dtype`` (complex to real keeps the real part).

    >>> jnp.astype(jnp.array([1.7, -1.7]), jnp.int32)
    Array([ 1, -1], dtype=int32)
    """
    check_arraylike("astype", x)
    x_dtype = aval_of(x).dtype
    if _dtypes.is_extended(dtype) or _dtypes.is_extended(x_dtype):
        # PRNG keys cast only to their own key dtype, which leaves them as they are.
        if dtype == x_dtype:
            return x
        try:
            shown = np.dtype(dtype)
        except TypeError:  # the key dtype
            shown = dtype
        raise ValueError(f"astype: cannot convert an array of dtype {x_dtype} to {shown} "
                         f"(at {user_frame_str()}); typed PRNG keys convert only to their "
                         "own key dtype (use jax.random.key_data for their bits).")
    try:
        dtype = canonical_dtype(dtype)
    except TypeError as e:
        raise TypeError(f"astype: the dtype argument {dtype!r} is not a valid dtype ({e}); "
                        "expected e.g. jnp.float32 or 'int32'.") from None
    x = ensure_array(x)
    if _dtypes.is_bool(dtype) and _is_complex(x):
        return lax.ne(x, const_like(x, 0))
    return lax._convert_element_type(x, dtype, weak_type=False)
