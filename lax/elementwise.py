"""Elementwise primitives: arithmetic, math functions, comparisons, logic, casts -- each
declared with its dtype rule, lowering (the ``jax.lax`` function of the same name) and
rules.

Operands share one dtype and one shape, except that rank-0 operands broadcast --
NumPy-style broadcasting and dtype promotion are zenax.numpy's job.  So one batching
rule serves each arity (``elementwise()`` registers it), and a transpose sums a
cotangent back down to a broadcast scalar operand (``unbroadcast``).

Most derivative rules are one line: ``defjvp`` takes one function per operand giving that
operand's contribution to the output tangent (``x_dot`` times the partial derivative),
``defjvp2`` also passes the primal output, ``deflinear`` declares a primitive linear in its
operands and gives its transpose, and ``differentiable=False`` marks a primitive whose
output does not depend differentiably on its inputs.  Rules are written with zenax.lax
functions only, so they can themselves be traced, differentiated again, batched and
compiled.  ``defjvp`` and ``add_tangents`` live here, not in ``registry``, because adding
tangents binds ``add_p``; so does ``elementwise()``, because the batching rule it gives
two-operand primitives moves batch axes.  All of them use only this module and
``broadcasting``, below it.
"""
from __future__ import annotations

import math
from typing import Callable

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.arguments import invalid_leaf_error, is_valid_leaf
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Primitive, abstract_eval_rules, batch_rules, bind, get_aval,
                               jvp_rules, transpose_rules)
from zenax.tracer.tree_util import tree_map

from .broadcasting import (align, batch_size, broadcast_in_dim, broadcast_to_aval, deflinear,
                           instantiate, logical_shape, moveaxis, reduce_sum, zeros_like_aval)
from .precision import check_accuracy
from .registry import (ANY, COMPLEX, FLOAT, INEXACT, INT, INT_OR_BOOL, NUM, ORDERED,
                       REAL_NUM, broadcasting_shape, check_dtype, const, defjvp_zero, naryop_abstract_eval,
                       primal_aval, register, same_dtype, tangent_aval, type_error,
                       unary_batcher)

lax = jax.lax

_to_bool = lambda dtype: np.bool_


def _real_dtype(dtype):
    return np.finfo(dtype).dtype if dtypes.is_complex(dtype) else dtype


# --------------------------------------------------------------------------- derivative helpers

def add_tangents(x, y):
    if type(x) is Zero:
        return y
    if type(y) is Zero:
        return x
    return add(x, y)


def sub_tangents(x, y):
    """``x - y`` for tangents that may be symbolic zeros."""
    if type(y) is Zero:
        return x
    return neg(y) if type(x) is Zero else sub(x, y)


def unbroadcast(aval: ShapedArray, ct):
    """Sum a cotangent back down to a rank-0 operand that was broadcast by a lax op."""
    if type(ct) is Zero:
        return Zero(aval)
    ct_aval = get_aval(ct)
    if aval.ndim == 0 and ct_aval.ndim:
        ct = reduce_sum(ct, tuple(range(ct_aval.ndim)))
    if get_aval(ct).dtype != aval.dtype:
        ct = _convert_element_type(ct, aval.dtype)
    return ct


def _jvp_from_partials(prim: Primitive, jvp_fns, pass_ans: bool) -> None:
    def rule(primals, tangents, **params):
        ans = bind(prim, *primals, **params)
        out_aval = get_aval(ans)
        t_out = Zero(tangent_aval(out_aval))
        extra = (ans,) if pass_ans else ()
        for fn, t in zip(jvp_fns, tangents):
            if fn is not None and type(t) is not Zero:
                t_out = add_tangents(t_out, fn(t, *extra, *primals, **params))
        if type(t_out) is not Zero:
            t_out = broadcast_to_aval(t_out, out_aval)
        return ans, t_out
    jvp_rules[prim] = rule


def defjvp(prim: Primitive, *jvp_fns: Callable | None) -> None:
    """Register a jvp rule from one function per operand: ``fn(x_dot, *primals, **params)``
    gives that operand's contribution to the output tangent (None: not differentiable)."""
    _jvp_from_partials(prim, jvp_fns, pass_ans=False)


def defjvp2(prim: Primitive, *jvp_fns: Callable | None) -> None:
    """Like :func:`defjvp`, but each function also receives the primal output:
    ``fn(x_dot, ans, *primals, **params)``."""
    _jvp_from_partials(prim, jvp_fns, pass_ans=True)


def _zeros(x):
    return zeros_like_aval(get_aval(x).strip_weak_type())


# --------------------------------------------------------------------------- batching helpers

def _target_bdim(args, dims, shape) -> int:
    """Where to batch a result of ``shape``: the batch axis of the first operand that
    already has that shape (so it need not move), else 0."""
    return next((d for x, d in zip(args, dims)
                 if d is not not_mapped and logical_shape(x, d) == shape), 0)


def _broadcast_batcher(prim):
    """Elementwise primitives: operands share one shape, or are scalars (which broadcast
    inside lax ops).  The batch axis stays where the operands of that shape have it."""
    def rule(args, dims, **params):
        size = batch_size(args, dims)
        shapes = [logical_shape(x, d) for x, d in zip(args, dims)]
        shape = next((s for s in shapes if s), ())
        target = _target_bdim(args, dims, shape)
        args = [x if d is not_mapped and s == () else align(x, d, size, shape, target)
                for x, d, s in zip(args, dims, shapes)]
        return bind(prim, *args, **params), target
    batch_rules[prim] = rule


def elementwise(name: str, nargs: int, accepted, lower: Callable,
                result_dtype: Callable | None = None, *, differentiable: bool = True) -> Primitive:
    """Declare an elementwise primitive of ``nargs`` operands, with its batching rule; a
    non-``differentiable`` one also gets its zero jvp here."""
    prim = register(Primitive(name), naryop_abstract_eval(name, accepted, result_dtype), lower)
    (unary_batcher if nargs == 1 else _broadcast_batcher)(prim)
    if not differentiable:
        defjvp_zero(prim)
    return prim


# --------------------------------------------------------------------------- arithmetic
add_p = elementwise("add", 2, NUM, lax.add)
sub_p = elementwise("sub", 2, NUM, lax.sub)
mul_p = elementwise("mul", 2, NUM, lax.mul)
div_p = elementwise("div", 2, NUM, lax.div)
neg_p = elementwise("neg", 1, NUM, lax.neg)


def _add_transpose(ct, x, y):
    return [unbroadcast(primal_aval(x), ct) if is_undefined_primal(x) else None,
            unbroadcast(primal_aval(y), ct) if is_undefined_primal(y) else None]


def _sub_transpose(ct, x, y):
    return [unbroadcast(primal_aval(x), ct) if is_undefined_primal(x) else None,
            unbroadcast(primal_aval(y), neg(ct)) if is_undefined_primal(y) and type(ct) is not Zero
            else (Zero(primal_aval(y)) if is_undefined_primal(y) else None)]


def _mul_abstract_eval(x, y, *, out_dtype=None):
    if out_dtype is None:
        return _mul_same_dtype_eval(x, y)
    for a in (x, y):       # an out_dtype lets the operand dtypes differ, as in JAX
        check_dtype("mul", a, NUM)
    return ShapedArray(broadcasting_shape("mul", x, y), out_dtype, x.weak_type and y.weak_type)


def _mul_transpose(ct, x, y, *, out_dtype=None):
    if is_undefined_primal(x) and is_undefined_primal(y):
        raise NotImplementedError(
            "mul: cannot transpose with respect to both operands x and y: a product of two "
            "linear values is not linear (the program is not linear in its tangent inputs).")
    if is_undefined_primal(x):
        return [unbroadcast(x.aval, mul(ct, y, out_dtype=out_dtype and x.aval.dtype)), None]
    return [None, unbroadcast(y.aval, mul(x, ct, out_dtype=out_dtype and y.aval.dtype))]


def _div_transpose(ct, x, y):
    if is_undefined_primal(y):
        raise NotImplementedError("div: cannot transpose with respect to the divisor y: div "
                                  "is not linear in its divisor.")
    return [unbroadcast(x.aval, div(ct, y)), None]


defjvp(add_p, lambda g, x, y: g, lambda g, x, y: g)
transpose_rules[add_p] = _add_transpose
defjvp(sub_p, lambda g, x, y: g, lambda g, x, y: neg(g))
transpose_rules[sub_p] = _sub_transpose
_mul_same_dtype_eval = abstract_eval_rules[mul_p]
abstract_eval_rules[mul_p] = _mul_abstract_eval
defjvp(mul_p, lambda g, x, y, **p: mul(g, y, **p), lambda g, x, y, **p: mul(x, g, **p))
transpose_rules[mul_p] = _mul_transpose
defjvp(div_p, lambda g, x, y: div(g, y),
       lambda g, x, y: div(mul(neg(g), x), integer_pow(y, 2)))
transpose_rules[div_p] = _div_transpose
deflinear(neg_p, lambda ct, x: [neg(ct)])

rem_p = elementwise("rem", 2, REAL_NUM, lax.rem)


def _rem_jvp_y(g, x, y):
    q = div(x, y)
    return mul(neg(g), mul(sign(q), floor(abs(q))))


defjvp(rem_p, lambda g, x, y: g, _rem_jvp_y)

pow_p = elementwise("pow", 2, INEXACT, lax.pow)


def _replace_zero(x):
    return select_n(eq(x, const(x, 0)), x, const(x, 1) if get_aval(x).ndim == 0
                    else broadcast_in_dim(const(x, 1), get_aval(x).shape, ()))


def _pow_jvp_lhs(g, ans, x, y):
    one = const(y, 1)
    jac = mul(y, pow(x, sub(y, one)))
    # d/dx x**0 is 0 even at x == 0 (where the formula gives 0 * inf).
    jac = select_n(eq(y, const(y, 0)), jac, _zeros(jac))
    return mul(g, jac)


def _pow_jvp_rhs(g, ans, x, y):
    return mul(g, mul(log(_replace_zero(x)), ans))


defjvp2(pow_p, _pow_jvp_lhs, _pow_jvp_rhs)

max_p = elementwise("max", 2, ANY, lax.max)
min_p = elementwise("min", 2, ANY, lax.min)


def _balanced(x, y, choose):
    """1 where ``choose(x, y)``, 1/2 on ties, 0 elsewhere (JAX's balanced max/min)."""
    one, half, zero = const(x, 1), const(x, 0.5), const(x, 0)
    shape = np.broadcast_shapes(get_aval(x).shape, get_aval(y).shape)
    b = lambda c: broadcast_in_dim(c, shape, ()) if shape else c
    return select_n(choose(x, y), select_n(eq(x, y), b(zero), b(half)), b(one))


defjvp(max_p, lambda g, x, y: mul(g, _balanced(x, y, gt)),
       lambda g, x, y: mul(g, _balanced(y, x, gt)))
defjvp(min_p, lambda g, x, y: mul(g, _balanced(x, y, lt)),
       lambda g, x, y: mul(g, _balanced(y, x, lt)))

atan2_p = elementwise("atan2", 2, FLOAT, lax.atan2)


def _atan2_jvp_x(g, x, y):
    return mul(g, div(y, add(square(x), square(y))))


def _atan2_jvp_y(g, x, y):
    return mul(g, div(neg(x), add(square(x), square(y))))


defjvp(atan2_p, _atan2_jvp_x, _atan2_jvp_y)

# No derivative, as in JAX: differentiating nextafter raises (no jvp rule).
nextafter_p = elementwise("nextafter", 2, FLOAT, lax.nextafter)
sign_p = elementwise("sign", 1, NUM, lax.sign, differentiable=False)
abs_p = elementwise("abs", 1, NUM, lax.abs, result_dtype=_real_dtype)


def _abs_jvp(g, ans, x):
    if dtypes.is_complex(get_aval(x).dtype):
        # d|x| = Re(conj(x) * x_dot) / |x|, taken as 0 at x == 0 (as JAX).
        return div(real(mul(conj(x), g)), _replace_zero(ans))
    # JAX's convention at the kink: the derivative of |x| at 0 is 1.
    return select_n(ge(x, const(x, 0)), neg(g), g)


defjvp2(abs_p, _abs_jvp)

square_p = elementwise("square", 1, NUM, lax.square)
defjvp(square_p, lambda g, x: mul(g, mul(const(x, 2), x)))

integer_pow_p = Primitive("integer_pow")


def _integer_pow_abstract_eval(x, *, y):
    check_dtype("integer_pow", x, NUM)
    if y < 0 and dtypes.is_integer(x.dtype):
        raise type_error(f"integer_pow: integers cannot be raised to the negative power {y}.")
    return x


register(integer_pow_p, _integer_pow_abstract_eval, lambda x, *, y: lax.integer_pow(x, y))


def _integer_pow_jvp(g, x, *, y):
    if y == 0:
        return _zeros(g)
    return mul(g, mul(const(x, y), integer_pow(x, y - 1)))


defjvp(integer_pow_p, _integer_pow_jvp)
unary_batcher(integer_pow_p)

# --------------------------------------------------------------------------- math
exp_p = elementwise("exp", 1, INEXACT, lax.exp)
defjvp2(exp_p, lambda g, ans, x, **_: mul(g, ans))
exp2_p = elementwise("exp2", 1, INEXACT, lax.exp2)
defjvp2(exp2_p, lambda g, ans, x, **_: mul(g, mul(ans, const(x, math.log(2)))))
log_p = elementwise("log", 1, INEXACT, lax.log)
defjvp(log_p, lambda g, x, **_: div(g, x))
log1p_p = elementwise("log1p", 1, INEXACT, lax.log1p)
defjvp(log1p_p, lambda g, x, **_: div(g, add(x, const(x, 1))))
expm1_p = elementwise("expm1", 1, INEXACT, lax.expm1)
defjvp2(expm1_p, lambda g, ans, x, **_: mul(g, add(ans, const(x, 1))))
sqrt_p = elementwise("sqrt", 1, INEXACT, lax.sqrt)
defjvp2(sqrt_p, lambda g, ans, x, **_: div(g, mul(const(x, 2), ans)))
rsqrt_p = elementwise("rsqrt", 1, INEXACT, lax.rsqrt)
defjvp2(rsqrt_p, lambda g, ans, x, **_: mul(g, mul(const(x, -0.5), div(ans, x))))
cbrt_p = elementwise("cbrt", 1, FLOAT, lax.cbrt)
defjvp2(cbrt_p, lambda g, ans, x, **_: mul(g, mul(const(x, 1 / 3), integer_pow(ans, -2))))
tanh_p = elementwise("tanh", 1, INEXACT, lax.tanh)
defjvp2(tanh_p, lambda g, ans, x, **_: mul(g, sub(const(x, 1), square(ans))))
logistic_p = elementwise("logistic", 1, INEXACT, lax.logistic)
defjvp2(logistic_p, lambda g, ans, x, **_: mul(g, mul(ans, sub(const(x, 1), ans))))
sin_p = elementwise("sin", 1, INEXACT, lax.sin)
defjvp(sin_p, lambda g, x, **_: mul(g, cos(x)))
cos_p = elementwise("cos", 1, INEXACT, lax.cos)
defjvp(cos_p, lambda g, x, **_: neg(mul(g, sin(x))))
tan_p = elementwise("tan", 1, INEXACT, lax.tan)
defjvp2(tan_p, lambda g, ans, x, **_: mul(g, add(const(x, 1), square(ans))))
asin_p = elementwise("asin", 1, INEXACT, lax.asin)
defjvp(asin_p, lambda g, x: mul(g, rsqrt(sub(const(x, 1), square(x)))))
acos_p = elementwise("acos", 1, INEXACT, lax.acos)
defjvp(acos_p, lambda g, x: neg(mul(g, rsqrt(sub(const(x, 1), square(x))))))
atan_p = elementwise("atan", 1, INEXACT, lax.atan)
defjvp(atan_p, lambda g, x: div(g, add(const(x, 1), square(x))))
sinh_p = elementwise("sinh", 1, INEXACT, lax.sinh)
defjvp(sinh_p, lambda g, x: mul(g, cosh(x)))
cosh_p = elementwise("cosh", 1, INEXACT, lax.cosh)
defjvp(cosh_p, lambda g, x: mul(g, sinh(x)))
asinh_p = elementwise("asinh", 1, INEXACT, lax.asinh)
defjvp(asinh_p, lambda g, x: mul(g, rsqrt(add(square(x), const(x, 1)))))
acosh_p = elementwise("acosh", 1, INEXACT, lax.acosh)
defjvp(acosh_p, lambda g, x: mul(g, rsqrt(mul(sub(x, const(x, 1)), add(x, const(x, 1))))))
atanh_p = elementwise("atanh", 1, INEXACT, lax.atanh)
defjvp(atanh_p, lambda g, x: div(g, sub(const(x, 1), square(x))))
erf_p = elementwise("erf", 1, FLOAT, lax.erf)
defjvp(erf_p, lambda g, x: mul(g, mul(const(x, 2 / math.sqrt(math.pi)), exp(neg(square(x))))))
erfc_p = elementwise("erfc", 1, FLOAT, lax.erfc)
defjvp(erfc_p, lambda g, x: mul(g, mul(const(x, -2 / math.sqrt(math.pi)), exp(neg(square(x))))))
erf_inv_p = elementwise("erf_inv", 1, FLOAT, lax.erf_inv)
defjvp2(erf_inv_p, lambda g, ans, x: mul(g, mul(const(x, math.sqrt(math.pi) / 2),
                                                exp(square(ans)))))
lgamma_p = elementwise("lgamma", 1, FLOAT, lax.lgamma)
defjvp(lgamma_p, lambda g, x: mul(g, digamma(x)))
# its jvp, polygamma(1, x), is registered in lax/special_gamma.py.
digamma_p = elementwise("digamma", 1, FLOAT, lax.digamma)
floor_p = elementwise("floor", 1, FLOAT, lax.floor, differentiable=False)
ceil_p = elementwise("ceil", 1, FLOAT, lax.ceil, differentiable=False)
is_finite_p = elementwise("is_finite", 1, FLOAT, lax.is_finite, result_dtype=_to_bool,
                          differentiable=False)

round_p = Primitive("round")


def _round_abstract_eval(x, *, rounding_method):
    check_dtype("round", x, FLOAT)
    return x


register(round_p, _round_abstract_eval,
         lambda x, *, rounding_method: lax.round(x, rounding_method))
defjvp_zero(round_p)
unary_batcher(round_p)

# --------------------------------------------------------------------------- complex parts
real_p = elementwise("real", 1, COMPLEX, lax.real, result_dtype=_real_dtype)
deflinear(real_p, lambda ct, x: [complex(ct, const(ct, 0))])
imag_p = elementwise("imag", 1, COMPLEX, lax.imag, result_dtype=_real_dtype)
deflinear(imag_p, lambda ct, x: [complex(const(ct, 0), neg(ct))])


def _complex_dtype(dtype):
    return np.complex128 if np.dtype(dtype) == np.float64 else np.complex64


# Only the float widths that have a complex counterpart (as JAX: no bf16/f16 -> complex).
_F32_OR_F64 = (("float32, float64", lambda d: np.dtype(d) in (np.float32, np.float64)),)
complex_p = elementwise("complex", 2, _F32_OR_F64, lax.complex, result_dtype=_complex_dtype)
deflinear(complex_p, lambda ct, x, y: [unbroadcast(primal_aval(x), real(ct)),
                                       unbroadcast(primal_aval(y), imag(neg(ct)))])

conj_p = Primitive("conj")


def _conj_abstract_eval(x, *, input_dtype):
    check_dtype("conj", x, INEXACT)
    return x.update(dtype=x.dtype if dtypes.is_complex(x.dtype) else _complex_dtype(x.dtype))


register(conj_p, _conj_abstract_eval, lambda x, *, input_dtype: lax.conj(x))


def _conj_transpose(ct, x, *, input_dtype):
    if dtypes.is_complex(input_dtype):
        return [conj(ct)]
    return [real(ct)]


deflinear(conj_p, _conj_transpose)
unary_batcher(conj_p)

# --------------------------------------------------------------------------- comparisons, logic
eq_p = elementwise("eq", 2, ANY, lax.eq, result_dtype=_to_bool, differentiable=False)
ne_p = elementwise("ne", 2, ANY, lax.ne, result_dtype=_to_bool, differentiable=False)
lt_p = elementwise("lt", 2, ORDERED, lax.lt, result_dtype=_to_bool, differentiable=False)
le_p = elementwise("le", 2, ORDERED, lax.le, result_dtype=_to_bool, differentiable=False)
gt_p = elementwise("gt", 2, ORDERED, lax.gt, result_dtype=_to_bool, differentiable=False)
ge_p = elementwise("ge", 2, ORDERED, lax.ge, result_dtype=_to_bool, differentiable=False)
and_p = elementwise("and", 2, INT_OR_BOOL, lax.bitwise_and, differentiable=False)
or_p = elementwise("or", 2, INT_OR_BOOL, lax.bitwise_or, differentiable=False)
xor_p = elementwise("xor", 2, INT_OR_BOOL, lax.bitwise_xor, differentiable=False)
not_p = elementwise("not", 1, INT_OR_BOOL, lax.bitwise_not, differentiable=False)
shift_left_p = elementwise("shift_left", 2, INT, lax.shift_left, differentiable=False)
shift_right_logical_p = elementwise("shift_right_logical", 2, INT, lax.shift_right_logical,
                                    differentiable=False)
shift_right_arithmetic_p = elementwise("shift_right_arithmetic", 2, INT,
                                       lax.shift_right_arithmetic, differentiable=False)
population_count_p = elementwise("population_count", 1, INT, lax.population_count,
                                 differentiable=False)

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


def _select_n_jvp(primals, tangents):
    which, *cases = primals
    out = select_n(which, *cases)
    if all(type(t) is Zero for t in tangents[1:]):
        return out, Zero(tangent_aval(get_aval(out)))
    shape = get_aval(out).shape
    ts = [broadcast_in_dim(t, shape, ()) if get_aval(t).shape != shape else t
          for t in (instantiate(t) for t in tangents[1:])]
    return out, select_n(which, *ts)


def _select_n_transpose(ct, which, *cases):
    if is_undefined_primal(which):
        raise NotImplementedError("select_n: cannot transpose with respect to the predicate "
                                  "`which`: select_n is not linear in it.")
    if type(ct) is Zero:
        return [None] + [Zero(c.aval) if is_undefined_primal(c) else None for c in cases]
    zeros = _zeros(ct)
    out = [None]
    for i, c in enumerate(cases):
        if is_undefined_primal(c):
            branches = [ct if j == i else zeros for j in range(len(cases))]
            out.append(unbroadcast(c.aval, select_n(which, *branches)))
        else:
            out.append(None)
    return out


def _select_n_batch(args, dims):
    """select_n: the cases share one shape; ``which`` is a scalar or has that shape too."""
    (which, *cases), (w_dim, *case_dims) = args, dims
    size = batch_size(args, dims)
    shape = logical_shape(cases[0], case_dims[0])
    target = _target_bdim(args, dims, shape)
    cases = [align(c, d, size, shape, target) for c, d in zip(cases, case_dims)]
    if not (w_dim is not_mapped and get_aval(which).ndim == 0):
        which = align(which, w_dim, size, shape, target)
    return select_n(which, *cases), target


jvp_rules[select_n_p] = _select_n_jvp
transpose_rules[select_n_p] = _select_n_transpose
batch_rules[select_n_p] = _select_n_batch

clamp_p = Primitive("clamp")


def _clamp_abstract_eval(lo, x, hi):
    check_dtype("clamp", x, ORDERED)
    same_dtype("clamp", lo, x, hi)
    for name, bound in (("min", lo), ("max", hi)):
        if bound.ndim and bound.shape != x.shape:
            raise type_error(f"clamp: `{name}` has shape {bound.shape}; it must be a scalar "
                             f"or match the operand's shape {x.shape}.")
    return ShapedArray(x.shape, x.dtype, lo.weak_type and x.weak_type and hi.weak_type)


register(clamp_p, _clamp_abstract_eval, lax.clamp)


def _clamp_jvp(primals, tangents):
    lo, x, hi = primals
    out = clamp(lo, x, hi)
    shape = get_aval(out).shape
    b = lambda v: broadcast_in_dim(v, shape, ()) if get_aval(v).shape != shape else v
    lo_b, hi_b, zeros = b(lo), b(hi), _zeros(out)
    t_lo, t_x, t_hi = (t if type(t) is Zero else b(t) for t in tangents)
    t_out = Zero(tangent_aval(get_aval(out)))
    if type(t_lo) is not Zero:
        t_out = add_tangents(t_out, select_n(bitwise_and(gt(lo_b, x), lt(lo_b, hi_b)),
                                             zeros, t_lo))
    if type(t_x) is not Zero:
        t_out = add_tangents(t_out, select_n(bitwise_and(gt(x, lo_b), lt(x, hi_b)),
                                             zeros, t_x))
    if type(t_hi) is not Zero:
        t_out = add_tangents(t_out, select_n(lt(hi_b, x), zeros, t_hi))
    return out, t_out


def _clamp_batch(args, dims):
    """clamp: the bounds are scalars or have the operand's shape; the operand is never
    broadcast by the op, so it gets the batch axis whenever anything is batched."""
    (lo, x, hi), (lo_dim, x_dim, hi_dim) = args, dims
    size = batch_size(args, dims)
    shape = logical_shape(x, x_dim)
    target = _target_bdim([x, lo, hi], [x_dim, lo_dim, hi_dim], shape)
    lo, hi = [b if d is not_mapped and get_aval(b).ndim == 0 else align(b, d, size, shape, target)
              for b, d in ((lo, lo_dim), (hi, hi_dim))]
    return clamp(lo, align(x, x_dim, size, shape, target), hi), target


jvp_rules[clamp_p] = _clamp_jvp
batch_rules[clamp_p] = _clamp_batch

# --------------------------------------------------------------------------- casts
convert_element_type_p = Primitive("convert_element_type")


def _convert_abstract_eval(x, *, new_dtype, weak_type):
    return ShapedArray(x.shape, new_dtype, weak_type)


def _convert_lower(x, *, new_dtype, weak_type):
    if not weak_type:
        return lax.convert_element_type(x, new_dtype)
    # jax.lax's public cast cannot make a weakly typed result; its primitive can (so an
    # eager conversion to a weak type is weak, as the traced aval says).
    return lax.convert_element_type_p.bind(x, new_dtype=np.dtype(new_dtype), weak_type=True,
                                           sharding=None)


register(convert_element_type_p, _convert_abstract_eval, _convert_lower)


def _convert_jvp(primals, tangents, *, new_dtype, weak_type):
    (x,), (t,) = primals, tangents
    out = bind(convert_element_type_p, x, new_dtype=new_dtype, weak_type=weak_type)
    if type(t) is Zero or not dtypes.is_inexact(new_dtype) or \
            not dtypes.is_inexact(get_aval(x).dtype):
        return out, Zero(tangent_aval(get_aval(out)))
    return out, bind(convert_element_type_p, t, new_dtype=new_dtype, weak_type=False)


def _convert_transpose(ct, x, *, new_dtype, weak_type):
    if type(ct) is Zero:
        return [Zero(x.aval)]
    return [_convert_element_type(ct, x.aval.dtype)]


jvp_rules[convert_element_type_p] = _convert_jvp
transpose_rules[convert_element_type_p] = _convert_transpose
unary_batcher(convert_element_type_p)

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


def _bitcast_batch(args, dims, *, new_dtype):
    (x,), (bdim,) = args, dims
    aval = get_aval(x)
    if np.dtype(new_dtype).itemsize > np.dtype(aval.dtype).itemsize and bdim == aval.ndim - 1:
        # Widening consumes the last axis, which must not be the batch axis.
        x, bdim = moveaxis(x, bdim, 0), 0
    return bind(bitcast_convert_type_p, x, new_dtype=new_dtype), bdim


defjvp_zero(bitcast_convert_type_p)
batch_rules[bitcast_convert_type_p] = _bitcast_batch

# --------------------------------------------------------------------------- stop_gradient
stop_gradient_p = Primitive("stop_gradient")
register(stop_gradient_p, lambda x: x, lax.stop_gradient)
defjvp_zero(stop_gradient_p)
unary_batcher(stop_gradient_p)


# =========================================================================== public API
# The wrappers below are zenax.lax's functions, under JAX's names and signatures.

def _bind2(prim, x, y, **params):
    """Bind a binary elementwise primitive.  As in JAX, operands of one rank may differ
    in dimensions of size 1 (``f32[2,3] + f32[1,3]``): those are broadcast first (an
    explicit broadcast_in_dim, so every rule sees equal shapes)."""
    # (``.shape`` is enough to tell, and cheaper than an aval; Python scalars have none.)
    xs, ys = getattr(x, "shape", ()), getattr(y, "shape", ())
    if xs != ys and len(xs) == len(ys) and xs and all(
            a == b or a == 1 or b == 1 for a, b in zip(xs, ys)):
        shape = tuple(b if a == 1 else a for a, b in zip(xs, ys))
        dims = tuple(range(len(shape)))
        if xs != shape:
            x = broadcast_in_dim(x, shape, dims)
        if ys != shape:
            y = broadcast_in_dim(y, shape, dims)
    return bind(prim, x, y, **params)


def add(x, y):
    """Elementwise ``x + y`` (operands of one dtype). Example: ``lax.add(x, 1.0)``."""
    return _bind2(add_p, x, y)


def sub(x, y): return _bind2(sub_p, x, y)


def mul(x, y, *, out_dtype=None):
    """Elementwise ``x * y``; with ``out_dtype``, operands of any numeric dtypes are cast to
    it first (JAX's ``out_dtype``).  Example: ``lax.mul(x, y, out_dtype=jnp.float32)``."""
    if out_dtype is None:
        return _bind2(mul_p, x, y)
    return _bind2(mul_p, x, y, out_dtype=dtypes.canonicalize_dtype(out_dtype))


def div(x, y): return _bind2(div_p, x, y)
def rem(x, y): return _bind2(rem_p, x, y)
def pow(x, y): return _bind2(pow_p, x, y)
def max(x, y): return _bind2(max_p, x, y)
def min(x, y): return _bind2(min_p, x, y)
def atan2(x, y): return _bind2(atan2_p, x, y)
def nextafter(x1, x2): return _bind2(nextafter_p, x1, x2)
def neg(x): return bind(neg_p, x)
def sign(x): return bind(sign_p, x)
def abs(x): return bind(abs_p, x)
def square(x): return bind(square_p, x)
def exp(x, *, accuracy=None): return _bind_accurate(exp_p, x, accuracy)
def exp2(x, *, accuracy=None): return _bind_accurate(exp2_p, x, accuracy)
def log(x, *, accuracy=None): return _bind_accurate(log_p, x, accuracy)
def log1p(x, *, accuracy=None): return _bind_accurate(log1p_p, x, accuracy)
def expm1(x, *, accuracy=None): return _bind_accurate(expm1_p, x, accuracy)
def sqrt(x, *, accuracy=None): return _bind_accurate(sqrt_p, x, accuracy)
def rsqrt(x, *, accuracy=None): return _bind_accurate(rsqrt_p, x, accuracy)
def cbrt(x, *, accuracy=None): return _bind_accurate(cbrt_p, x, accuracy)
def tanh(x, *, accuracy=None): return _bind_accurate(tanh_p, x, accuracy)
def logistic(x, *, accuracy=None): return _bind_accurate(logistic_p, x, accuracy)
def sin(x, *, accuracy=None): return _bind_accurate(sin_p, x, accuracy)
def cos(x, *, accuracy=None): return _bind_accurate(cos_p, x, accuracy)
def tan(x, *, accuracy=None): return _bind_accurate(tan_p, x, accuracy)
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
def complex(x, y): return _bind2(complex_p, x, y)
def eq(x, y): return _bind2(eq_p, x, y)
def ne(x, y): return _bind2(ne_p, x, y)
def lt(x, y): return _bind2(lt_p, x, y)
def le(x, y): return _bind2(le_p, x, y)
def gt(x, y): return _bind2(gt_p, x, y)
def ge(x, y): return _bind2(ge_p, x, y)
def bitwise_and(x, y): return _bind2(and_p, x, y)
def bitwise_or(x, y): return _bind2(or_p, x, y)
def bitwise_xor(x, y): return _bind2(xor_p, x, y)
def bitwise_not(x): return bind(not_p, x)
def shift_left(x, y): return _bind2(shift_left_p, x, y)
def shift_right_logical(x, y): return _bind2(shift_right_logical_p, x, y)
def shift_right_arithmetic(x, y): return _bind2(shift_right_arithmetic_p, x, y)
def population_count(x): return bind(population_count_p, x)
def clamp(min, x, max): return bind(clamp_p, min, x, max)


def _bind_accurate(prim: Primitive, x, accuracy):
    """A unary op whose ``accuracy`` XLA may honour; JAX records ``accuracy=None`` but never
    prints it, so the param is bound only when given."""
    check_accuracy(prim.name, accuracy)
    return bind(prim, x) if accuracy is None else bind(prim, x, accuracy=accuracy)


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
    if new_dtype is None:
        raise ValueError("convert_element_type: new_dtype must be specified (a dtype), got "
                         "None.")
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



def stop_gradient(x):
    """Identity whose derivative is zero: ``grad(lambda x: stop_gradient(x) * x)(3.) == 3.``

    Works on pytrees like JAX's; integer values pass through unchanged."""
    def stop(leaf):
        if not is_valid_leaf(leaf):
            raise invalid_leaf_error("stop_gradient", "argument x", leaf)
        if not dtypes.is_inexact(get_aval(leaf).dtype):
            return leaf
        return bind(stop_gradient_p, leaf)
    return tree_map(stop, x)
