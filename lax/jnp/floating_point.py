"""Floating-point decomposition and integer arithmetic: frexp, ldexp, modf, nextafter,
spacing, gcd, lcm; geometric ranges (geomspace); the gufunc products matvec and vecmat;
and the Python-level predicates isscalar and iterable.

``frexp`` reads the exponent and mantissa out of the IEEE bit pattern (XLA has no frexp),
so its mantissa gets a custom derivative: ``d mantissa / dx = 2 ** -exponent``, the
exponent being piecewise constant.  ``ldexp`` is built on ``frexp`` so that a small ``x1``
with a large exponent does not overflow in ``2 ** x2``; its derivative in ``x1`` follows
from the composition.  ``gcd`` runs Euclid's algorithm in one ``while_loop`` over the
whole array until every remainder is zero.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from zenax import lax
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .creation import logspace
from .logic import const_like, isinf, isnan, where
from .products import matmul
from .promotion import (ArrayLike, DTypeLike, broadcast_arrays, broadcast_shapes,
                        canonical_dtype, check_arraylike, concrete_static, convert_to,
                        dtype_of, ensure_array, is_arraylike, lattice_result_type, ndim_of,
                        promote_args_inexact, promote_dtypes, promote_dtypes_inexact,
                        shape_of, to_inexact_dtype)
from .reductions import any as _any
from .reductions import canonical_axis
from .ufuncs import (absolute, add, ceil, conj, copysign, divide, floor, floor_divide, log10,
                     multiply, power, sign, subtract)

__all__ = ["frexp", "gcd", "geomspace", "isscalar", "iterable", "lcm", "ldexp", "matvec",
           "modf", "nextafter", "spacing", "vecmat"]

# The signed integer type as wide as each float type, to reinterpret its bits.
_INT_OF_WIDTH = {16: np.int16, 32: np.int32, 64: np.int64}


# --------------------------------------------------------------------------- frexp, ldexp

@compiled_when_eager()
def frexp(x: ArrayLike, /) -> tuple[Any, Any]:
    """Split ``x`` into a mantissa in ``[0.5, 1)`` (in magnitude) and an int32 exponent,
    with ``x == mantissa * 2 ** exponent``; zeros, infinities and NaNs are returned as the
    mantissa with exponent 0.

    >>> m, e = jnp.frexp(jnp.array([1., 6., -0.75]))
    >>> m
    Array([ 0.5 ,  0.75, -0.75], dtype=float32)
    >>> e
    Array([1, 3, 0], dtype=int32)
    """
    check_arraylike("frexp", x)
    x, = promote_dtypes_inexact(x)
    if _dtypes.is_complex(dtype_of(x)):
        raise TypeError(f"frexp does not support complex-valued inputs, got "
                        f"{dtype_of(x)} (at {user_frame_str()}).")
    return _frexp(ensure_array(x))


@custom_jvp
def _frexp(x):
    info = _dtypes.finfo(dtype_of(x))
    int_type = np.dtype(_INT_OF_WIDTH[info.bits])
    exp_mask = (1 << info.nexp) - 1
    bias = 1 - info.minexp
    # Subnormals have no implicit leading bit: scale them into the normal range first.
    subnormal = lax.lt(lax.abs(x), const_like(x, info.tiny))
    scaled = where(subnormal, lax.mul(x, const_like(x, 2.0 ** info.nmant)), x)
    bits = lax.bitcast_convert_type(scaled, int_type)
    biased_exp = lax.bitwise_and(lax.shift_right_logical(bits, np.array(info.nmant, int_type)),
                                 np.array(exp_mask, int_type))
    exponent = lax.add(lax.sub(biased_exp, np.array(bias - 1, int_type)),
                       where(subnormal, np.array(-info.nmant, int_type),
                             np.array(0, int_type)))
    # Keep sign and fraction, set the biased exponent of 0.5.
    fraction = lax.bitwise_and(bits, np.array(~(exp_mask << info.nmant), int_type))
    mantissa = lax.bitcast_convert_type(
        lax.bitwise_or(fraction, np.array((bias - 1) << info.nmant, int_type)), dtype_of(x))
    special = lax.bitwise_or(lax.bitwise_or(isinf(x), isnan(x)),
                             lax.eq(x, const_like(x, 0)))
    exponent = where(special, np.array(0, int_type), exponent)
    return where(special, x, mantissa), convert_to(exponent, np.dtype(np.int32))


@_frexp.defjvp
def _frexp_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    mantissa, exponent = _frexp(x)
    scale = lax.exp2(lax.neg(convert_to(exponent, dtype_of(x_dot))))
    return (mantissa, exponent), (lax.mul(x_dot, scale),
                                  np.zeros(shape_of(exponent), _dtypes.float0))


@compiled_when_eager()
def ldexp(x1: ArrayLike, x2: ArrayLike, /):
    """``x1 * 2 ** x2`` for a real ``x1`` and an integer ``x2``, without overflowing where
    the result is finite.

    >>> jnp.ldexp(jnp.array([0.5, 0.75, 3.]), jnp.array([1, 3, -2]))
    Array([1.  , 6.  , 0.75], dtype=float32)
    """
    check_arraylike("ldexp", x1, x2)
    dtype1, dtype2 = dtype_of(x1), dtype_of(x2)
    if _dtypes.is_complex(dtype1) or _dtypes.is_inexact(dtype2):
        raise ValueError(f"ldexp not supported for input types {(dtype1, dtype2)}: x1 must "
                         f"be real and x2 an integer (at {user_frame_str()}).")
    x1, = promote_dtypes_inexact(x1)
    dtype = dtype_of(x1)
    mantissa, exponent = frexp(x1)
    exponent = add(convert_to(exponent, dtype), convert_to(x2, dtype))
    # The exponent may exceed the largest one by 1 with a finite result (mantissa < 1).
    positive = lax.gt(exponent, const_like(exponent, 0))
    mantissa = where(positive, multiply(mantissa, 2), mantissa)
    exponent = where(positive, subtract(exponent, 1), exponent)
    out = multiply(mantissa, power(2, exponent))
    keep = lax.bitwise_or(isinf(x1), lax.eq(x1, const_like(x1, 0)))
    return where(keep, x1, out)


@compiled_when_eager(n_arrays=1)
def modf(x: ArrayLike, /, out=None) -> tuple[Any, Any]:
    """The fractional and integral parts of ``x``, both with the sign of ``x``.

    >>> jnp.modf(jnp.array([-2.5, 1.25]))
    (Array([-0.5 ,  0.25], dtype=float32), Array([-2.,  1.], dtype=float32))
    """
    check_arraylike("modf", x)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.modf is not supported.")
    x, = promote_dtypes_inexact(x)
    whole = where(lax.ge(x, const_like(x, 0)), floor(x), ceil(x))
    return subtract(x, whole), whole


# --------------------------------------------------------------------------- neighbours

@compiled_when_eager()
def nextafter(x: ArrayLike, y: ArrayLike, /):
    """The next representable floating-point value after ``x`` in the direction of ``y``.

    >>> jnp.nextafter(jnp.float32(1), 2) - 1 == jnp.finfo(jnp.float32).eps
    Array(True, dtype=bool)
    """
    return lax.nextafter(*promote_args_inexact("nextafter", x, y))


@compiled_when_eager()
def spacing(x: ArrayLike, /):
    """The distance from ``x`` to the next representable value away from zero (NumPy's
    convention; float16 steps towards +inf).

    >>> jnp.spacing(jnp.array([1., 1024.]))
    Array([1.1920929e-07, 1.2207031e-04], dtype=float32)
    """
    x, = promote_args_inexact("spacing", x)
    if _dtypes.is_complex(dtype_of(x)):
        raise ValueError(f"spacing is not defined for complex inputs, got {dtype_of(x)} "
                         f"(at {user_frame_str()}).")
    # A strong constant, as JAX's: the result is never weakly typed.
    inf = np.array(np.inf, dtype_of(x))
    if dtype_of(x) == np.dtype(np.float16):
        return lax.sub(lax.nextafter(x, inf), x)
    out = lax.sub(lax.nextafter(x, copysign(inf, x)), x)
    # A backend that flushes subnormals to zero returns 0 next to 0: report the true step.
    tiniest = const_like(x, _dtypes.finfo(dtype_of(x)).smallest_subnormal)
    return where(lax.eq(out, const_like(out, 0)), copysign(tiniest, x), out)


# --------------------------------------------------------------------------- gcd, lcm

def _integer_operands(fun_name: str, x1, x2) -> list:
    check_arraylike(fun_name, x1, x2)
    x1, x2 = promote_dtypes(x1, x2)
    if not _dtypes.is_integer(dtype_of(x1)):
        raise ValueError(f"Arguments to {fun_name} must be integers, got {dtype_of(x1)} "
                         f"(at {user_frame_str()}).")
    return [absolute(x1), absolute(x2)]


def _gcd_nonnegative(a, b):
    def cond(carry):
        return _any(lax.ne(carry[1], const_like(carry[1], 0)))

    def body(carry):
        a, b = carry
        nonzero = lax.ne(b, const_like(b, 0))
        safe_b = where(nonzero, b, const_like(b, 1))
        return where(nonzero, b, a), where(nonzero, lax.rem(a, safe_b), const_like(b, 0))

    a, b = broadcast_arrays(a, b)
    return lax.while_loop(cond, body, (a, b))[0]


@compiled_when_eager()
def gcd(x1: ArrayLike, x2: ArrayLike):
    """The greatest common divisor of ``|x1|`` and ``|x2|``, elementwise (integers only).

    >>> jnp.gcd(jnp.array([12, 7, 0]), 18)
    Array([ 6,  1, 18], dtype=int32)
    """
    return _gcd_nonnegative(*_integer_operands("gcd", x1, x2))


@compiled_when_eager()
def lcm(x1: ArrayLike, x2: ArrayLike):
    """The least common multiple of ``|x1|`` and ``|x2|``, elementwise (integers only);
    0 where either is 0.

    >>> jnp.lcm(jnp.array([4, 6, 0]), 10)
    Array([20, 30,  0], dtype=int32)
    """
    x1, x2 = _integer_operands("lcm", x1, x2)
    d = _gcd_nonnegative(x1, x2)
    is_zero = lax.eq(d, const_like(d, 0))
    return where(is_zero, const_like(d, 0),
                 multiply(x1, floor_divide(x2, where(is_zero, const_like(d, 1), d))))


# --------------------------------------------------------------------------- geomspace

@compiled_when_eager(n_arrays=2, static_argnames=("num", "endpoint", "dtype", "axis"))
def geomspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
              dtype: DTypeLike | None = None, axis: int = 0):
    """``num`` values from ``start`` to ``stop`` spaced evenly on a log scale (a geometric
    sequence); negative bounds of one sign give negative values.

    >>> jnp.geomspace(1, 1000, 4)
    Array([   1.,   10.,  100., 1000.], dtype=float32)
    """
    num = operator.index(concrete_static("geomspace", "num", num))
    axis = operator.index(concrete_static("geomspace", "axis", axis))
    check_arraylike("geomspace", start, stop)
    if dtype is None:
        dtype = to_inexact_dtype(lattice_result_type(start, stop)[0])
    dtype = canonical_dtype(dtype)
    computation_dtype = to_inexact_dtype(dtype)
    start = convert_to(ensure_array(start), computation_dtype)
    stop = convert_to(ensure_array(stop), computation_dtype)
    signs = sign(start)
    out = multiply(signs, logspace(log10(divide(start, signs)), log10(divide(stop, signs)),
                                   num, endpoint=endpoint, base=10.0,
                                   dtype=computation_dtype, axis=0))
    axis = canonical_axis("geomspace", axis, ndim_of(out))
    if axis:
        out = lax.transpose(out, (*range(1, axis + 1), 0, *range(axis + 1, ndim_of(out))))
    return ensure_array(convert_to(out, dtype))


# --------------------------------------------------------------------------- matvec, vecmat

def _gufunc_shapes(fun_name: str, signature: str, x1, x2, core1: int, core2: int) -> tuple:
    """Check the core dims of a ``(..., core)`` pair and broadcast the loop dims, as
    ``vectorize(signature=...)`` does."""
    for x, core, names in ((x1, core1, signature.split(",")[0]),
                           (x2, core2, signature.split(",", 1)[1].split("->")[0])):
        if ndim_of(x) < core:
            raise ValueError(f"{fun_name}: input with shape {shape_of(x)} does not have "
                             f"enough dimensions for the core dimensions {names} of "
                             f"signature {signature!r} (at {user_frame_str()}).")
    loops = (shape_of(x1)[:ndim_of(x1) - core1], shape_of(x2)[:ndim_of(x2) - core2])
    try:
        return broadcast_shapes(*loops)
    except ValueError:
        raise ValueError(f"{fun_name}: Incompatible shapes for broadcasting: the loop "
                         f"dimensions {loops[0]} and {loops[1]} of signature {signature!r} "
                         f"(at {user_frame_str()}).") from None


def _contracted_size_check(fun_name: str, size1: int, size2: int) -> None:
    if size1 != size2:
        raise ValueError(f"{fun_name}: inconsistent size for the contracted core dimension: "
                         f"{size1} vs {size2} (at {user_frame_str()}).")


@compiled_when_eager()
def matvec(x1: ArrayLike, x2: ArrayLike, /):
    """Matrix-vector product over the last dims, ``(..., n, m), (..., m) -> (..., n)``,
    the leading dims broadcasting against each other.

    >>> jnp.matvec(jnp.array([[1, 2], [3, 4]]), jnp.array([[1, 0], [0, 1]]))
    Array([[1, 3],
           [2, 4]], dtype=int32)
    """
    check_arraylike("matvec", x1, x2)
    _gufunc_shapes("matvec", "(n,m),(m)->(n)", x1, x2, 2, 1)
    _contracted_size_check("matvec", shape_of(x1)[-1], shape_of(x2)[-1])
    column = lax.expand_dims(ensure_array(x2), (ndim_of(x2),))
    out = matmul(x1, column)
    return lax.squeeze(out, (ndim_of(out) - 1,))


@compiled_when_eager()
def vecmat(x1: ArrayLike, x2: ArrayLike, /):
    """Conjugate-vector-matrix product over the last dims, ``(..., n), (..., n, m) ->
    (..., m)``, the leading dims broadcasting against each other.

    >>> jnp.vecmat(jnp.array([1, 2]), jnp.array([[1, 2], [3, 4]]))
    Array([ 7, 10], dtype=int32)
    """
    check_arraylike("vecmat", x1, x2)
    _gufunc_shapes("vecmat", "(n),(n,m)->(m)", x1, x2, 1, 2)
    _contracted_size_check("vecmat", shape_of(x1)[-1], shape_of(x2)[-2])
    row = lax.expand_dims(ensure_array(conj(x1)), (ndim_of(x1) - 1,))
    out = matmul(row, x2)
    return lax.squeeze(out, (ndim_of(out) - 2,))


# --------------------------------------------------------------------------- predicates

def isscalar(element: Any) -> bool:
    """Whether ``element`` is a scalar: a Python or NumPy scalar, or any array with zero
    dimensions (unlike NumPy, which says False for 0-d arrays; here the answer does not
    change when a value becomes a traced array under ``jit``).

    >>> jnp.isscalar(2.0), jnp.isscalar(jnp.array(2.0)), jnp.isscalar(jnp.ones(2))
    (True, True, False)
    """
    if np.isscalar(element):
        return True
    if is_arraylike(element):
        return ndim_of(element) == 0
    if hasattr(element, "__jax_array__"):
        return ndim_of(ensure_array(element.__jax_array__())) == 0
    return False


def iterable(y: Any) -> bool:
    """Whether ``iter(y)`` succeeds (False for 0-d arrays, which cannot be iterated).

    >>> jnp.iterable([1, 2]), jnp.iterable(3), jnp.iterable(jnp.array(3))
    (True, False, False)
    """
    try:
        iter(y)
    except TypeError:
        return False
    return True
