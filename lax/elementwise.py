"""Elementwise primitives: arithmetic, math functions, comparisons, logic, casts.

Each primitive is declared with its dtype rule and its lowering (the ``jax.lax``
function of the same name).  Operands share one dtype and one shape, except that rank-0
operands broadcast -- NumPy-style broadcasting and dtype promotion are zenax.numpy's job.
"""
from __future__ import annotations

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.arguments import invalid_leaf_error, is_valid_leaf
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, bind, get_aval

from .registry import (ANY, COMPLEX, FLOAT, INEXACT, INT, INT_OR_BOOL, NUM, ORDERED,
                       REAL_NUM, check_dtype, elementwise, register, same_dtype,
                       type_error)

lax = jax.lax

_to_bool = lambda dtype: np.bool_


def _real_dtype(dtype):
    return np.finfo(dtype).dtype if dtypes.is_complex(dtype) else dtype


# --------------------------------------------------------------------------- arithmetic
add_p = elementwise("add", 2, NUM, lax.add)
sub_p = elementwise("sub", 2, NUM, lax.sub)
mul_p = elementwise("mul", 2, NUM, lax.mul)
div_p = elementwise("div", 2, NUM, lax.div)
rem_p = elementwise("rem", 2, REAL_NUM, lax.rem)
pow_p = elementwise("pow", 2, INEXACT, lax.pow)
max_p = elementwise("max", 2, ANY, lax.max)
min_p = elementwise("min", 2, ANY, lax.min)
atan2_p = elementwise("atan2", 2, FLOAT, lax.atan2)
nextafter_p = elementwise("nextafter", 2, FLOAT, lax.nextafter)
neg_p = elementwise("neg", 1, NUM, lax.neg)
sign_p = elementwise("sign", 1, NUM, lax.sign)
abs_p = elementwise("abs", 1, NUM, lax.abs, result_dtype=_real_dtype)
square_p = elementwise("square", 1, NUM, lax.square)

integer_pow_p = Primitive("integer_pow")


def _integer_pow_abstract_eval(x, *, y):
    check_dtype("integer_pow", x, NUM)
    if y < 0 and dtypes.is_integer(x.dtype):
        raise type_error(f"integer_pow: integers cannot be raised to the negative power {y}.")
    return x


register(integer_pow_p, _integer_pow_abstract_eval, lambda x, *, y: lax.integer_pow(x, y))

# --------------------------------------------------------------------------- math
exp_p = elementwise("exp", 1, INEXACT, lax.exp)
exp2_p = elementwise("exp2", 1, INEXACT, lax.exp2)
log_p = elementwise("log", 1, INEXACT, lax.log)
log1p_p = elementwise("log1p", 1, INEXACT, lax.log1p)
expm1_p = elementwise("expm1", 1, INEXACT, lax.expm1)
sqrt_p = elementwise("sqrt", 1, INEXACT, lax.sqrt)
rsqrt_p = elementwise("rsqrt", 1, INEXACT, lax.rsqrt)
cbrt_p = elementwise("cbrt", 1, FLOAT, lax.cbrt)
tanh_p = elementwise("tanh", 1, INEXACT, lax.tanh)
logistic_p = elementwise("logistic", 1, INEXACT, lax.logistic)
sin_p = elementwise("sin", 1, INEXACT, lax.sin)
cos_p = elementwise("cos", 1, INEXACT, lax.cos)
tan_p = elementwise("tan", 1, INEXACT, lax.tan)
asin_p = elementwise("asin", 1, INEXACT, lax.asin)
acos_p = elementwise("acos", 1, INEXACT, lax.acos)
atan_p = elementwise("atan", 1, INEXACT, lax.atan)
sinh_p = elementwise("sinh", 1, INEXACT, lax.sinh)
cosh_p = elementwise("cosh", 1, INEXACT, lax.cosh)
asinh_p = elementwise("asinh", 1, INEXACT, lax.asinh)
acosh_p = elementwise("acosh", 1, INEXACT, lax.acosh)
atanh_p = elementwise("atanh", 1, INEXACT, lax.atanh)
erf_p = elementwise("erf", 1, FLOAT, lax.erf)
erfc_p = elementwise("erfc", 1, FLOAT, lax.erfc)
erf_inv_p = elementwise("erf_inv", 1, FLOAT, lax.erf_inv)
lgamma_p = elementwise("lgamma", 1, FLOAT, lax.lgamma)
digamma_p = elementwise("digamma", 1, FLOAT, lax.digamma)
floor_p = elementwise("floor", 1, FLOAT, lax.floor)
ceil_p = elementwise("ceil", 1, FLOAT, lax.ceil)
is_finite_p = elementwise("is_finite", 1, FLOAT, lax.is_finite, result_dtype=_to_bool)

round_p = Primitive("round")


def _round_abstract_eval(x, *, rounding_method):
    check_dtype("round", x, FLOAT)
    return x


register(round_p, _round_abstract_eval,
         lambda x, *, rounding_method: lax.round(x, rounding_method))

# --------------------------------------------------------------------------- complex parts
real_p = elementwise("real", 1, COMPLEX, lax.real, result_dtype=_real_dtype)
imag_p = elementwise("imag", 1, COMPLEX, lax.imag, result_dtype=_real_dtype)


def _complex_dtype(dtype):
    return np.complex128 if np.dtype(dtype) == np.float64 else np.complex64


# Only the float widths that have a complex counterpart (as JAX: no bf16/f16 -> complex).
_F32_OR_F64 = (("float32, float64", lambda d: np.dtype(d) in (np.float32, np.float64)),)
complex_p = elementwise("complex", 2, _F32_OR_F64, lax.complex, result_dtype=_complex_dtype)

conj_p = Primitive("conj")


def _conj_abstract_eval(x, *, input_dtype):
    check_dtype("conj", x, INEXACT)
    return x.update(dtype=x.dtype if dtypes.is_complex(x.dtype) else _complex_dtype(x.dtype))


register(conj_p, _conj_abstract_eval, lambda x, *, input_dtype: lax.conj(x))

# --------------------------------------------------------------------------- comparisons, logic
eq_p = elementwise("eq", 2, ANY, lax.eq, result_dtype=_to_bool)
ne_p = elementwise("ne", 2, ANY, lax.ne, result_dtype=_to_bool)
lt_p = elementwise("lt", 2, ORDERED, lax.lt, result_dtype=_to_bool)
le_p = elementwise("le", 2, ORDERED, lax.le, result_dtype=_to_bool)
gt_p = elementwise("gt", 2, ORDERED, lax.gt, result_dtype=_to_bool)
ge_p = elementwise("ge", 2, ORDERED, lax.ge, result_dtype=_to_bool)
and_p = elementwise("and", 2, INT_OR_BOOL, lax.bitwise_and)
or_p = elementwise("or", 2, INT_OR_BOOL, lax.bitwise_or)
xor_p = elementwise("xor", 2, INT_OR_BOOL, lax.bitwise_xor)
not_p = elementwise("not", 1, INT_OR_BOOL, lax.bitwise_not)
shift_left_p = elementwise("shift_left", 2, INT, lax.shift_left)
shift_right_logical_p = elementwise("shift_right_logical", 2, INT, lax.shift_right_logical)
shift_right_arithmetic_p = elementwise("shift_right_arithmetic", 2, INT,
                                       lax.shift_right_arithmetic)
population_count_p = elementwise("population_count", 1, INT, lax.population_count)

# --------------------------------------------------------------------------- select, clamp
select_n_p = Primitive("select_n")


def _select_n_abstract_eval(which, *cases):
    if not cases:
        raise type_error("select_n requires at least one case.")
    if which.dtype != np.bool_ and not dtypes.is_integer(which.dtype):
        raise type_error(f"select_n: `which` must be boolean or integer, got {which.dtype}.")
    if which.dtype == np.bool_ and len(cases) > 2:
        raise type_error("select_n: a boolean `which` selects between at most 2 cases.")
    dtype = same_dtype("select_n", *cases)
    shape = cases[0].shape
    if any(c.shape != shape for c in cases):
        raise type_error("select_n: all cases must have the same shape, got "
                         f"{', '.join(str(c.shape) for c in cases)}.")
    if which.ndim and which.shape != shape:
        raise type_error(f"select_n: `which` has shape {which.shape}, but the cases have "
                         f"shape {shape}; it must match them or be a scalar.")
    return ShapedArray(shape, dtype, all(c.weak_type for c in cases))


register(select_n_p, _select_n_abstract_eval, lax.select_n)

clamp_p = Primitive("clamp")


def _clamp_abstract_eval(lo, x, hi):
    check_dtype("clamp", x, ORDERED)
    same_dtype("clamp", lo, x, hi)
    for name, bound in (("min", lo), ("max", hi)):
        if bound.ndim and bound.shape != x.shape:
            raise type_error(f"clamp: `{name}` has shape {bound.shape}; it must be a scalar "
                             f"or match the operand's shape {x.shape}.")
    return x


register(clamp_p, _clamp_abstract_eval, lax.clamp)

# --------------------------------------------------------------------------- casts
convert_element_type_p = Primitive("convert_element_type")


def _convert_abstract_eval(x, *, new_dtype, weak_type):
    return ShapedArray(x.shape, new_dtype, weak_type)


def _convert_lower(x, *, new_dtype, weak_type):
    # jax.lax's public cast cannot make a weakly typed result, so an eager conversion to a
    # weak type returns a strong array (the traced aval keeps the weak type).
    return lax.convert_element_type(x, new_dtype)


register(convert_element_type_p, _convert_abstract_eval, _convert_lower)

bitcast_convert_type_p = Primitive("bitcast_convert_type")


def _bitcast_abstract_eval(x, *, new_dtype):
    old, new = np.dtype(x.dtype).itemsize, np.dtype(new_dtype).itemsize
    if old == new:
        shape = x.shape
    elif old > new:
        shape = x.shape + (old // new,)
    else:
        if not x.ndim or x.shape[-1] != new // old:
            raise type_error(f"bitcast_convert_type: converting {x.dtype} to {new_dtype} "
                             f"needs a last dimension of size {new // old}, got shape {x.shape}.")
        shape = x.shape[:-1]
    return ShapedArray(shape, new_dtype)


register(bitcast_convert_type_p, _bitcast_abstract_eval,
         lambda x, *, new_dtype: lax.bitcast_convert_type(x, new_dtype))


# =========================================================================== public API
# The wrappers below are zenax.lax's functions, under JAX's names and signatures.

def add(x, y):
    """Elementwise ``x + y`` (operands of one dtype). Example: ``lax.add(x, 1.0)``."""
    return bind(add_p, x, y)


def sub(x, y): return bind(sub_p, x, y)
def mul(x, y): return bind(mul_p, x, y)
def div(x, y): return bind(div_p, x, y)
def rem(x, y): return bind(rem_p, x, y)
def pow(x, y): return bind(pow_p, x, y)
def max(x, y): return bind(max_p, x, y)
def min(x, y): return bind(min_p, x, y)
def atan2(x, y): return bind(atan2_p, x, y)
def nextafter(x1, x2): return bind(nextafter_p, x1, x2)
def neg(x): return bind(neg_p, x)
def sign(x): return bind(sign_p, x)
def abs(x): return bind(abs_p, x)
def square(x): return bind(square_p, x)
def exp(x): return bind(exp_p, x)
def exp2(x): return bind(exp2_p, x)
def log(x): return bind(log_p, x)
def log1p(x): return bind(log1p_p, x)
def expm1(x): return bind(expm1_p, x)
def sqrt(x): return bind(sqrt_p, x)
def rsqrt(x): return bind(rsqrt_p, x)
def cbrt(x): return bind(cbrt_p, x)
def tanh(x): return bind(tanh_p, x)
def logistic(x): return bind(logistic_p, x)
def sin(x): return bind(sin_p, x)
def cos(x): return bind(cos_p, x)
def tan(x): return bind(tan_p, x)
def asin(x): return bind(asin_p, x)
def acos(x): return bind(acos_p, x)
def atan(x): return bind(atan_p, x)
def sinh(x): return bind(sinh_p, x)
def cosh(x): return bind(cosh_p, x)
def asinh(x): return bind(asinh_p, x)
def acosh(x): return bind(acosh_p, x)
def atanh(x): return bind(atanh_p, x)
def erf(x): return bind(erf_p, x)
def erfc(x): return bind(erfc_p, x)
def erf_inv(x): return bind(erf_inv_p, x)
def lgamma(x): return bind(lgamma_p, x)
def digamma(x): return bind(digamma_p, x)
def floor(x): return bind(floor_p, x)
def ceil(x): return bind(ceil_p, x)
def is_finite(x): return bind(is_finite_p, x)
def real(x): return bind(real_p, x)
def imag(x): return bind(imag_p, x)
def complex(x, y): return bind(complex_p, x, y)
def eq(x, y): return bind(eq_p, x, y)
def ne(x, y): return bind(ne_p, x, y)
def lt(x, y): return bind(lt_p, x, y)
def le(x, y): return bind(le_p, x, y)
def gt(x, y): return bind(gt_p, x, y)
def ge(x, y): return bind(ge_p, x, y)
def bitwise_and(x, y): return bind(and_p, x, y)
def bitwise_or(x, y): return bind(or_p, x, y)
def bitwise_xor(x, y): return bind(xor_p, x, y)
def bitwise_not(x): return bind(not_p, x)
def shift_left(x, y): return bind(shift_left_p, x, y)
def shift_right_logical(x, y): return bind(shift_right_logical_p, x, y)
def shift_right_arithmetic(x, y): return bind(shift_right_arithmetic_p, x, y)
def population_count(x): return bind(population_count_p, x)
def clamp(min, x, max): return bind(clamp_p, min, x, max)


def integer_pow(x, y: int):
    """``x ** y`` for a static Python integer ``y``."""
    return bind(integer_pow_p, x, y=int(y))


RoundingMethod = lax.RoundingMethod


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):
    return bind(round_p, x, rounding_method=RoundingMethod(rounding_method))


def conj(x):
    return bind(conj_p, x, input_dtype=get_aval(x).dtype)


def select_n(which, *cases):
    """``cases[which]`` elementwise; a boolean ``which`` picks ``cases[1]`` where True."""
    return bind(select_n_p, which, *cases)


def select(pred, on_true, on_false):
    return bind(select_n_p, pred, on_false, on_true)


def convert_element_type(operand, new_dtype):
    """Cast ``operand`` to ``new_dtype`` (complex to real keeps the real part, as JAX)."""
    return _convert_element_type(operand, new_dtype, weak_type=False)


def _convert_element_type(operand, new_dtype, weak_type=False):
    new_dtype = dtypes.canonicalize_dtype(new_dtype)
    aval = get_aval(operand)
    if dtypes.is_complex(aval.dtype) and not dtypes.is_complex(new_dtype):
        operand = real(operand)
        aval = get_aval(operand)
    if aval.dtype == new_dtype and aval.weak_type == weak_type:
        return operand
    return bind(convert_element_type_p, operand, new_dtype=new_dtype, weak_type=bool(weak_type))


def bitcast_convert_type(operand, new_dtype):
    return bind(bitcast_convert_type_p, operand, new_dtype=np.dtype(new_dtype))


# --------------------------------------------------------------------------- stop_gradient
stop_gradient_p = Primitive("stop_gradient")
register(stop_gradient_p, lambda x: x, lax.stop_gradient)


def stop_gradient(x):
    """Identity whose derivative is zero: ``grad(lambda x: stop_gradient(x) * x)(3.) == 3.``

    Works on pytrees like JAX's; integer values pass through unchanged."""
    from zenax.tracer.tree_util import tree_map

    def stop(leaf):
        if not is_valid_leaf(leaf):
            raise invalid_leaf_error("stop_gradient", "argument x", leaf)
        if not dtypes.is_inexact(get_aval(leaf).dtype):
            return leaf
        return bind(stop_gradient_p, leaf)
    return tree_map(stop, x)


