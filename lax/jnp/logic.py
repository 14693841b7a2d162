"""Comparisons, logic, bit operations, floating-point predicates and selection.

Everything here returns booleans or selects between operands: ``equal``/``less``/...,
``logical_*``, ``bitwise_*`` and shifts, ``isnan``/``isinf``/``isfinite``/``signbit``,
``where``/``select``, and the closeness tests ``isclose``/``allclose``/``array_equal``.
"""
from __future__ import annotations

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.avals import is_python_scalar
from zenax.tracer.shapes import broadcast_shapes_or_none, incompatible_shapes_error
from zenax.tracer.source_info import user_frame_str
from zenax.lax.eager import compiled_when_eager

from .creation import full_like
from .indexing_routines import nonzero
from .promotion import (ArrayLike, aval_of, broadcast_to_shape, check_arraylike, dtype_of,
                        ensure_array, ndim_of, promote_args, promote_args_numeric, promote_dtypes,
                        promote_shapes, scalar_constant, scalar_operand, shape_of)


def const_like(x, value):
    """``value`` as a constant of ``x``'s dtype, a literal in jaxprs.

    Weakly typed only if ``x`` is a weak scalar, as JAX's ``lax._const``: so
    ``jnp.deg2rad(2.0)`` stays weak while ``jnp.hypot(int_array, 2.0)`` does not.
    """
    aval = aval_of(x)
    return scalar_constant(value, aval.dtype, aval.weak_type and aval.ndim == 0)


# --------------------------------------------------------------------------- comparisons

@compiled_when_eager()
def equal(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 == x2``. Example: ``jnp.equal(jnp.arange(3), 1)``."""
    return lax.eq(*promote_args("equal", x1, x2))


@compiled_when_eager()
def not_equal(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 != x2``."""
    return lax.ne(*promote_args("not_equal", x1, x2))


def _ordered(fun_name: str, strict, tie, x1, x2):
    """An order comparison; complex numbers compare lexicographically (real part, then
    imaginary part), as in NumPy and JAX: ``strict`` on the real parts where they differ,
    ``tie`` on the imaginary parts where they are equal."""
    x1, x2 = promote_args(fun_name, x1, x2)
    if not _dtypes.is_complex(dtype_of(x1)):
        return tie(x1, x2)
    re1, re2 = lax.real(x1), lax.real(x2)
    return lax.select_n(lax.eq(re1, re2), strict(re1, re2), tie(lax.imag(x1), lax.imag(x2)))


@compiled_when_eager()
def less(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 < x2``. Example: ``jnp.less(jnp.arange(3), 1)``."""
    return _ordered("less", lax.lt, lax.lt, x1, x2)


@compiled_when_eager()
def less_equal(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 <= x2``."""
    return _ordered("less_equal", lax.lt, lax.le, x1, x2)


@compiled_when_eager()
def greater(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 > x2``."""
    return _ordered("greater", lax.gt, lax.gt, x1, x2)


@compiled_when_eager()
def greater_equal(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 >= x2``."""
    return _ordered("greater_equal", lax.gt, lax.ge, x1, x2)


# --------------------------------------------------------------------------- logic

def _truth(x):
    """``x != 0`` as a bool operand (static for Python scalars)."""
    if is_python_scalar(x):
        return bool(x)
    if dtype_of(x) == np.bool_:
        return x
    return lax.ne(x, const_like(x, 0))


@compiled_when_eager()
def logical_and(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise truth-value AND. Example: ``jnp.logical_and(x > 0, x < 1)``."""
    check_arraylike("logical_and", x1, x2)
    return lax.bitwise_and(*promote_shapes("logical_and", _truth(x1), _truth(x2)))


@compiled_when_eager()
def logical_or(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise truth-value OR."""
    check_arraylike("logical_or", x1, x2)
    return lax.bitwise_or(*promote_shapes("logical_or", _truth(x1), _truth(x2)))


@compiled_when_eager()
def logical_xor(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise truth-value XOR."""
    check_arraylike("logical_xor", x1, x2)
    return lax.bitwise_xor(*promote_shapes("logical_xor", _truth(x1), _truth(x2)))


@compiled_when_eager()
def logical_not(x: ArrayLike, /):
    """Elementwise truth-value NOT. Example: ``jnp.logical_not(x > 0)``."""
    check_arraylike("logical_not", x)
    return lax.bitwise_not(ensure_array(_truth(x)))


# --------------------------------------------------------------------------- bits

@compiled_when_eager()
def bitwise_and(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 & x2`` on integers or bools."""
    return lax.bitwise_and(*promote_args("bitwise_and", x1, x2))


@compiled_when_eager()
def bitwise_or(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 | x2`` on integers or bools."""
    return lax.bitwise_or(*promote_args("bitwise_or", x1, x2))


@compiled_when_eager()
def bitwise_xor(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 ^ x2`` on integers or bools."""
    return lax.bitwise_xor(*promote_args("bitwise_xor", x1, x2))


@compiled_when_eager()
def bitwise_not(x: ArrayLike, /):
    """Elementwise ``~x``. Example: ``jnp.bitwise_not(jnp.int8(0))`` is ``-1``."""
    return lax.bitwise_not(*promote_args("bitwise_not", x))


invert = bitwise_not
bitwise_invert = bitwise_not


@compiled_when_eager()
def left_shift(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 << x2`` on integers."""
    return lax.shift_left(*promote_args_numeric("left_shift", x1, x2))


@compiled_when_eager()
def right_shift(x1: ArrayLike, x2: ArrayLike, /):
    """Elementwise ``x1 >> x2``: arithmetic for signed, logical for unsigned integers."""
    x1, x2 = promote_args_numeric("right_shift", x1, x2)
    if _dtypes.issubdtype(dtype_of(x1), np.unsignedinteger):
        return lax.shift_right_logical(x1, x2)
    return lax.shift_right_arithmetic(x1, x2)


bitwise_left_shift = left_shift
bitwise_right_shift = right_shift


# --------------------------------------------------------------------------- predicates

@compiled_when_eager()
def isnan(x: ArrayLike, /):
    """Elementwise test for NaN (``x != x``). Example: ``jnp.isnan(jnp.nan)``."""
    check_arraylike("isnan", x)
    return lax.ne(x, x)


@compiled_when_eager()
def isinf(x: ArrayLike, /):
    """Elementwise test for positive or negative infinity."""
    check_arraylike("isinf", x)
    dtype = dtype_of(x)
    if _dtypes.is_float(dtype):   # a strongly typed infinity: the result is never weak
        return lax.eq(lax.abs(x), scalar_constant(np.inf, dtype, False))
    if _dtypes.is_complex(dtype):
        return lax.bitwise_or(isinf(lax.real(x)), isinf(lax.imag(x)))
    return full_like(x, False, dtype=bool)


def _check_out(fun_name: str, out) -> None:
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{fun_name} is not supported: "
                                  "zenax arrays are immutable; use the return value.")


def _isposneginf(infinity: float, x, name: str):
    check_arraylike(name, x)
    dtype = dtype_of(x)
    if _dtypes.is_complex(dtype):
        raise ValueError(f"{name} is not well defined for complex input "
                         f"(at {user_frame_str()}).")
    if _dtypes.is_float(dtype):
        return lax.eq(x, scalar_constant(infinity, dtype, False))
    return full_like(x, False, dtype=bool)


@compiled_when_eager()
def isposinf(x: ArrayLike, /, out=None):
    """Elementwise test for ``+inf``."""
    _check_out("isposinf", out)
    return _isposneginf(np.inf, x, "isposinf")


@compiled_when_eager()
def isneginf(x: ArrayLike, /, out=None):
    """Elementwise test for ``-inf``."""
    _check_out("isneginf", out)
    return _isposneginf(-np.inf, x, "isneginf")


@compiled_when_eager()
def isfinite(x: ArrayLike, /):
    """Elementwise test for finite values (not inf, not NaN); integers are finite."""
    check_arraylike("isfinite", x)
    dtype = dtype_of(x)
    if _dtypes.is_float(dtype):
        return lax.is_finite(x)
    if _dtypes.is_complex(dtype):
        return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
    return full_like(x, True, dtype=bool)


_SAME_WIDTH_INT = {2: np.int16, 4: np.int32, 8: np.int64}


@compiled_when_eager()
def signbit(x: ArrayLike, /):
    """Elementwise test of the sign bit (True for ``-0.0`` and negative NaNs too).

    >>> jnp.signbit(jnp.array([-1.0, -0.0, 2.0]))
    Array([ True,  True, False], dtype=bool)
    """
    check_arraylike("signbit", x)
    dtype = dtype_of(x)
    if _dtypes.is_integer(dtype):
        return lax.lt(x, const_like(x, 0))
    if _dtypes.is_bool(dtype):
        return full_like(x, False, dtype=bool)
    if not _dtypes.is_float(dtype):
        raise ValueError(f"signbit: expected a real dtype, got {dtype} "
                         f"(at {user_frame_str()}).")
    # Read the sign bit through a same-width signed integer view: it is the int's sign.
    bits = lax.bitcast_convert_type(ensure_array(x),
                                    _SAME_WIDTH_INT[np.dtype(dtype).itemsize])
    return lax.lt(bits, scalar_operand(0, dtype_of(bits), False))


# --------------------------------------------------------------------------- selection

@compiled_when_eager(n_arrays=3)     # where(c, x, y), not where(c)
def where(condition: ArrayLike, x: ArrayLike | None = None, y: ArrayLike | None = None, /,
          *, size=None, fill_value=None):
    """Elementwise ``x if condition else y``, broadcasting all three.

    >>> jnp.where(jnp.arange(4) > 1, 1.0, 0.0)
    Array([0., 0., 1., 1.], dtype=float32, weak_type=True)
    """
    if x is None and y is None:
        # The one-argument form: the indices of the nonzero entries (needs a static
        # size= under transformations).
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("Either both or neither of the x and y arguments should be "
                         f"provided to jax.numpy.where, got {x} and {y}.")
    check_arraylike("where", condition, x, y)
    condition = _truth(condition)
    x, y = promote_dtypes(x, y)
    shapes = [shape_of(condition), shape_of(x), shape_of(y)]
    shape = broadcast_shapes_or_none(shapes)
    if shape is None:
        raise incompatible_shapes_error("where", shapes, ValueError)
    # lax.select_n needs cases of one shape; a scalar predicate may stay scalar.
    x, y = broadcast_to_shape(x, shape), broadcast_to_shape(y, shape)
    condition = condition if shapes[0] == () else broadcast_to_shape(condition, shape)
    return lax.select_n(condition, y, x)


def select(condlist, choicelist, default: ArrayLike = 0):
    """Pick from ``choicelist`` where the first true entry of ``condlist`` is.

    >>> x = jnp.arange(4)
    >>> jnp.select([x < 1, x < 3], [x, -x], 99)
    Array([ 0, -1, -2, 99], dtype=int32)
    """
    if len(condlist) != len(choicelist):
        raise ValueError("select: condlist and choicelist must have the same length, got "
                         f"{len(condlist)} and {len(choicelist)}.")
    if not condlist:
        raise ValueError("select: condlist must be non-empty.")
    check_arraylike("select", *condlist, *choicelist, default)
    for cond in condlist:
        if dtype_of(cond) != np.bool_:
            raise ValueError(f"select: condlist entries must be boolean, got {dtype_of(cond)}.")
    default, *choices = promote_dtypes(default, *choicelist)
    out = default
    for cond, choice in reversed(list(zip(condlist, choices))):
        out = where(cond, choice, out)
    return ensure_array(out)


# --------------------------------------------------------------------------- closeness

def isclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False):
    """Elementwise ``|a - b| <= atol + rtol * |b|`` (infinities must match exactly).

    >>> jnp.isclose(1.0, 1.0 + 1e-7)
    Array(True, dtype=bool)
    """
    a, b = promote_args("isclose", a, b)
    if not _dtypes.is_inexact(dtype_of(a)):
        return ensure_array(lax.eq(a, b))
    real_dtype = np.finfo(dtype_of(a)).dtype if _dtypes.is_complex(dtype_of(a)) else dtype_of(a)
    # The tolerances are strongly typed (as JAX's), so the result is never weak.
    rtol = scalar_constant(float(rtol), real_dtype, False)
    atol = scalar_constant(float(atol), real_dtype, False)
    abs_diff = lax.abs(lax.sub(a, b))
    in_range = lax.le(abs_diff, lax.add(atol, lax.mul(rtol, lax.abs(b))))
    out = lax.bitwise_or(lax.eq(a, b), lax.bitwise_and(isfinite(b), in_range))
    if equal_nan:
        out = lax.bitwise_or(out, lax.bitwise_and(isnan(a), isnan(b)))
    return ensure_array(out)


def allclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False):
    """Whether all elements are :func:`isclose` (a bool array; traced under transforms).

    >>> bool(jnp.allclose(jnp.ones(3), 1.0))
    True
    """
    close = isclose(a, b, rtol, atol, equal_nan)
    return ensure_array(lax.reduce_and(close, tuple(range(ndim_of(close)))))


def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: bool = False):
    """Whether ``a1`` and ``a2`` have the same shape and elements.

    >>> jnp.array_equal(jnp.arange(3), jnp.array([0, 1, 2]))
    Array(True, dtype=bool)
    """
    check_arraylike("array_equal", a1, a2)
    if shape_of(a1) != shape_of(a2):
        return ensure_array(False)
    eq = equal(a1, a2)
    if equal_nan:
        eq = lax.bitwise_or(eq, lax.bitwise_and(isnan(a1), isnan(a2)))
    return ensure_array(lax.convert_element_type(lax.reduce_and(eq, tuple(range(ndim_of(eq)))),
                                                 np.dtype(bool)))


def array_equiv(a1: ArrayLike, a2: ArrayLike):
    """Whether ``a1`` and ``a2`` are equal after broadcasting.

    >>> jnp.array_equiv(jnp.ones((2, 3)), 1.0)
    Array(True, dtype=bool)
    """
    check_arraylike("array_equiv", a1, a2)
    if broadcast_shapes_or_none([shape_of(a1), shape_of(a2)]) is None:
        return ensure_array(False)
    eq = equal(a1, a2)
    return ensure_array(lax.reduce_and(eq, tuple(range(ndim_of(eq)))))
