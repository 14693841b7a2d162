"""Bit-level primitives: ``clz`` (count leading zeros) and ``mulhi`` (the high half of
an integer product) on integers, and ``reduce_precision``, which rounds floats to a
narrower format (``exponent_bits``, ``mantissa_bits``) while keeping their dtype.

``clz`` and ``mulhi`` take integers only, so their tangents are always symbolic zeros:
they get the zero jvp, as in JAX.  ``reduce_precision`` is treated as linear, as JAX
does: rounding is piecewise constant, but a program that rounds its activations to
emulate a narrow format (mixed-precision training) wants the gradient to pass through
rounded the same way -- so the tangent and the cotangent are each rounded like the
primal.
"""
from __future__ import annotations

import operator

import jax

from zenax.tracer.core import Primitive, Tracer, bind, is_concrete
from zenax.tracer.errors import ConcretizationTypeError, JAXTypeError

from .broadcasting import deflinear
from .elementwise import elementwise
from .registry import FLOAT, INT, check_dtype, register, type_error, unary_batcher, value_error

__all__ = ["clz", "clz_p", "mulhi", "mulhi_p", "reduce_precision", "reduce_precision_p"]

lax = jax.lax

clz_p = elementwise("clz", 1, INT, lax.clz, differentiable=False)
mulhi_p = elementwise("mulhi", 2, INT, lax.mulhi, differentiable=False)

# --------------------------------------------------------------------------- reduce_precision
reduce_precision_p = Primitive("reduce_precision")


def _reduce_precision_abstract_eval(x, *, exponent_bits, mantissa_bits):
    check_dtype("reduce_precision", x, FLOAT)
    if exponent_bits < 1:
        raise value_error(f"reduce_precision: exponent_bits must be positive; got "
                          f"{exponent_bits}.")
    if mantissa_bits < 0:
        raise value_error(f"reduce_precision: mantissa_bits must be non-negative; got "
                          f"{mantissa_bits}.")
    return x


register(reduce_precision_p, _reduce_precision_abstract_eval,
         lambda x, *, exponent_bits, mantissa_bits:
         lax.reduce_precision(x, exponent_bits, mantissa_bits))
deflinear(reduce_precision_p,
          lambda ct, x, **params: [bind(reduce_precision_p, ct, **params)])
unary_batcher(reduce_precision_p)


# =========================================================================== public API

def clz(x):
    """The number of leading zero bits of each element of an integer array.

    >>> lax.clz(jnp.array([0, 1, 255, -1], dtype=jnp.int32))
    Array([32, 31, 24,  0], dtype=int32)
    """
    return bind(clz_p, x)


def mulhi(x, y, /):
    """The high half of each product ``x * y`` of two integer arrays of one dtype (for
    N-bit integers, bits N to 2N-1 of the exact 2N-bit product).

    >>> lax.mulhi(jnp.array([2**20, -7], dtype=jnp.int32), jnp.array([2**20, 3], dtype=jnp.int32))
    Array([256,  -1], dtype=int32)
    """
    return bind(mulhi_p, x, y)


def _static_bits(name: str, value) -> int:
    if isinstance(value, Tracer) and not is_concrete(value):
        # JAX's kind for a traced static argument (not TracerIntegerConversionError).
        raise ConcretizationTypeError(value, f"reduce_precision's {name} must be a static "
                                             "Python integer.\n")
    try:
        return operator.index(value)
    except JAXTypeError:   # a traced value (ConcretizationTypeError, TracerIntegerConversionError)
        raise       # a traced value: that error already says what to do
    except TypeError:
        raise type_error(f"reduce_precision: {name} must be a Python integer (static), "
                         f"got {value!r}.") from None


def reduce_precision(operand, exponent_bits: int, mantissa_bits: int):
    """Round each element of a floating-point array to the nearest value representable
    with ``exponent_bits`` exponent and ``mantissa_bits`` mantissa bits (keeping its
    dtype): ``(5, 10)`` emulates float16, ``(8, 7)`` bfloat16.

    >>> lax.reduce_precision(jnp.array([1.2345678, 70000.]), 5, 10)
    Array([1.234375,      inf], dtype=float32)
    """
    return bind(reduce_precision_p, operand,
                exponent_bits=_static_bits("exponent_bits", exponent_bits),
                mantissa_bits=_static_bits("mantissa_bits", mantissa_bits))
