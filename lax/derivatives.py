"""Derivative rules (jvp and transpose) for the first-order primitives.

Most rules are one line, thanks to the helpers in ``ad_util``: ``defjvp`` takes one
function per operand giving that operand's contribution to the output tangent
(``x_dot`` times the partial derivative); ``deflinear`` declares a primitive linear in
its operands and gives its transpose.  Rules are written with zenax.lax functions only,
so they can themselves be traced, differentiated again, batched and compiled.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.core import bind, get_aval, jvp_rules, transpose_rules

from . import matmul as dt
from . import elementwise as ew
from . import reductions as red
from . import shapes as sh
from .ad_util import (add_tangents, defjvp, defjvp2, defjvp_zero, deflinear, instantiate,
                      tangent_aval, unbroadcast, zeros_like_aval)
from .elementwise import (abs, add, conj, cos, cosh, digamma, div, eq,
                          exp, gt, imag, integer_pow, log, lt, mul, neg, real, rsqrt, select_n,
                          sign, sin, sinh, square, sub)


def _const(x, value):
    """A scalar ``value`` with ``x``'s dtype (a literal in jaxprs)."""
    return np.array(value, get_aval(x).dtype)


def _zeros(x):
    return zeros_like_aval(get_aval(x).strip_weak_type())


def _aval(x):
    return x.aval if is_undefined_primal(x) else get_aval(x)


# --------------------------------------------------------------------------- non-differentiable
for _p in (ew.sign_p, ew.floor_p, ew.ceil_p, ew.round_p, ew.is_finite_p,
           ew.eq_p, ew.ne_p, ew.lt_p, ew.le_p, ew.gt_p, ew.ge_p, ew.and_p, ew.or_p, ew.xor_p,
           ew.not_p, ew.shift_left_p, ew.shift_right_logical_p, ew.shift_right_arithmetic_p,
           ew.population_count_p, ew.bitcast_convert_type_p, ew.stop_gradient_p,
           red.argmax_p, red.argmin_p, red.reduce_and_p, red.reduce_or_p, red.reduce_xor_p,
           sh.iota_p):
    defjvp_zero(_p)

# --------------------------------------------------------------------------- unary math
defjvp2(ew.exp_p, lambda g, ans, x: mul(g, ans))
defjvp2(ew.exp2_p, lambda g, ans, x: mul(g, mul(ans, _const(x, math.log(2)))))
defjvp(ew.log_p, lambda g, x: div(g, x))
defjvp(ew.log1p_p, lambda g, x: div(g, add(x, _const(x, 1))))
defjvp2(ew.expm1_p, lambda g, ans, x: mul(g, add(ans, _const(x, 1))))
defjvp2(ew.sqrt_p, lambda g, ans, x: div(g, mul(_const(x, 2), ans)))
defjvp2(ew.rsqrt_p, lambda g, ans, x: mul(g, mul(_const(x, -0.5), div(ans, x))))
defjvp2(ew.cbrt_p, lambda g, ans, x: mul(g, mul(_const(x, 1 / 3), integer_pow(ans, -2))))
defjvp2(ew.tanh_p, lambda g, ans, x: mul(g, sub(_const(x, 1), square(ans))))
defjvp2(ew.logistic_p, lambda g, ans, x: mul(g, mul(ans, sub(_const(x, 1), ans))))
defjvp(ew.sin_p, lambda g, x: mul(g, cos(x)))
defjvp(ew.cos_p, lambda g, x: neg(mul(g, sin(x))))
defjvp2(ew.tan_p, lambda g, ans, x: mul(g, add(_const(x, 1), square(ans))))
defjvp(ew.asin_p, lambda g, x: mul(g, rsqrt(sub(_const(x, 1), square(x)))))
defjvp(ew.acos_p, lambda g, x: neg(mul(g, rsqrt(sub(_const(x, 1), square(x))))))
defjvp(ew.atan_p, lambda g, x: div(g, add(_const(x, 1), square(x))))
defjvp(ew.sinh_p, lambda g, x: mul(g, cosh(x)))
defjvp(ew.cosh_p, lambda g, x: mul(g, sinh(x)))
defjvp(ew.asinh_p, lambda g, x: mul(g, rsqrt(add(square(x), _const(x, 1)))))
defjvp(ew.acosh_p, lambda g, x: mul(g, rsqrt(mul(sub(x, _const(x, 1)), add(x, _const(x, 1))))))
defjvp(ew.atanh_p, lambda g, x: div(g, sub(_const(x, 1), square(x))))
defjvp(ew.erf_p, lambda g, x: mul(g, mul(_const(x, 2 / math.sqrt(math.pi)), exp(neg(square(x))))))
defjvp(ew.erfc_p, lambda g, x: mul(g, mul(_const(x, -2 / math.sqrt(math.pi)), exp(neg(square(x))))))
defjvp2(ew.erf_inv_p, lambda g, ans, x: mul(g, mul(_const(x, math.sqrt(math.pi) / 2),
                                                   exp(square(ans)))))
defjvp(ew.lgamma_p, lambda g, x: mul(g, digamma(x)))
defjvp(ew.square_p, lambda g, x: mul(g, mul(_const(x, 2), x)))


def _replace_zero(x):
    return select_n(eq(x, _const(x, 0)), x, _const(x, 1) if get_aval(x).ndim == 0
                    else sh.broadcast_in_dim(_const(x, 1), get_aval(x).shape, ()))


def _abs_jvp(g, ans, x):
    if dtypes.is_complex(get_aval(x).dtype):
        # d|x| = Re(conj(x) * x_dot) / |x|, taken as 0 at x == 0 (as JAX).
        return div(real(mul(conj(x), g)), _replace_zero(ans))
    # JAX's convention at the kink: the derivative of |x| at 0 is 1.
    return select_n(ew.ge(x, _const(x, 0)), neg(g), g)


defjvp2(ew.abs_p, _abs_jvp)


def _integer_pow_jvp(g, x, *, y):
    if y == 0:
        return _zeros(g)
    return mul(g, mul(_const(x, y), integer_pow(x, y - 1)))


defjvp(ew.integer_pow_p, _integer_pow_jvp)


def _pow_jvp_lhs(g, ans, x, y):
    one = _const(y, 1)
    jac = mul(y, ew.pow(x, sub(y, one)))
    # d/dx x**0 is 0 even at x == 0 (where the formula gives 0 * inf).
    jac = select_n(eq(y, _const(y, 0)), jac, _zeros(jac))
    return mul(g, jac)


def _pow_jvp_rhs(g, ans, x, y):
    return mul(g, mul(log(_replace_zero(x)), ans))


defjvp2(ew.pow_p, _pow_jvp_lhs, _pow_jvp_rhs)


def _atan2_jvp_x(g, x, y):
    return mul(g, div(y, add(square(x), square(y))))


def _atan2_jvp_y(g, x, y):
    return mul(g, div(neg(x), add(square(x), square(y))))


defjvp(ew.atan2_p, _atan2_jvp_x, _atan2_jvp_y)


def _rem_jvp_y(g, x, y):
    q = div(x, y)
    return mul(neg(g), mul(sign(q), ew.floor(abs(q))))


defjvp(ew.rem_p, lambda g, x, y: g, _rem_jvp_y)


def _balanced(x, y, choose):
    """1 where ``choose(x, y)``, 1/2 on ties, 0 elsewhere (JAX's balanced max/min)."""
    one, half, zero = _const(x, 1), _const(x, 0.5), _const(x, 0)
    shape = np.broadcast_shapes(get_aval(x).shape, get_aval(y).shape)
    b = lambda c: sh.broadcast_in_dim(c, shape, ()) if shape else c
    return select_n(choose(x, y), select_n(eq(x, y), b(zero), b(half)), b(one))


defjvp(ew.max_p, lambda g, x, y: mul(g, _balanced(x, y, gt)),
       lambda g, x, y: mul(g, _balanced(y, x, gt)))
defjvp(ew.min_p, lambda g, x, y: mul(g, _balanced(x, y, lt)),
       lambda g, x, y: mul(g, _balanced(y, x, lt)))


def _clamp_jvp(primals, tangents):
    lo, x, hi = primals
    out = ew.clamp(lo, x, hi)
    shape = get_aval(out).shape
    b = lambda v: sh.broadcast_in_dim(v, shape, ()) if get_aval(v).shape != shape else v
    lo_b, hi_b, zeros = b(lo), b(hi), _zeros(out)
    t_lo, t_x, t_hi = (t if type(t) is Zero else b(t) for t in tangents)
    t_out = Zero(tangent_aval(get_aval(out)))
    if type(t_lo) is not Zero:
        t_out = add_tangents(t_out, select_n(ew.bitwise_and(gt(lo_b, x), lt(lo_b, hi_b)),
                                             zeros, t_lo))
    if type(t_x) is not Zero:
        t_out = add_tangents(t_out, select_n(ew.bitwise_and(gt(x, lo_b), lt(x, hi_b)),
                                             zeros, t_x))
    if type(t_hi) is not Zero:
        t_out = add_tangents(t_out, select_n(lt(hi_b, x), zeros, t_hi))
    return out, t_out


jvp_rules[ew.clamp_p] = _clamp_jvp

# --------------------------------------------------------------------------- linear / bilinear arithmetic


def _add_transpose(ct, x, y):
    return [unbroadcast(_aval(x), ct) if is_undefined_primal(x) else None,
            unbroadcast(_aval(y), ct) if is_undefined_primal(y) else None]


def _sub_transpose(ct, x, y):
    return [unbroadcast(_aval(x), ct) if is_undefined_primal(x) else None,
            unbroadcast(_aval(y), neg(ct)) if is_undefined_primal(y) and type(ct) is not Zero
            else (Zero(_aval(y)) if is_undefined_primal(y) else None)]


defjvp(ew.add_p, lambda g, x, y: g, lambda g, x, y: g)
transpose_rules[ew.add_p] = _add_transpose
defjvp(ew.sub_p, lambda g, x, y: g, lambda g, x, y: neg(g))
transpose_rules[ew.sub_p] = _sub_transpose
deflinear(ew.neg_p, lambda ct, x: [neg(ct)])


def _mul_transpose(ct, x, y):
    if is_undefined_primal(x) and is_undefined_primal(y):
        raise ValueError("mul: cannot transpose a product of two linear values (the program "
                         "is not linear in its tangent inputs).")
    if is_undefined_primal(x):
        return [unbroadcast(x.aval, mul(ct, y)), None]
    return [None, unbroadcast(y.aval, mul(x, ct))]


defjvp(ew.mul_p, lambda g, x, y: mul(g, y), lambda g, x, y: mul(x, g))
transpose_rules[ew.mul_p] = _mul_transpose


def _div_transpose(ct, x, y):
    if is_undefined_primal(y):
        raise ValueError("div: the divisor cannot be a linear value.")
    return [unbroadcast(x.aval, div(ct, y)), None]


defjvp(ew.div_p, lambda g, x, y: div(g, y),
       lambda g, x, y: div(mul(neg(g), x), integer_pow(y, 2)))
transpose_rules[ew.div_p] = _div_transpose


def _select_n_jvp(primals, tangents):
    which, *cases = primals
    out = select_n(which, *cases)
    if all(type(t) is Zero for t in tangents[1:]):
        return out, Zero(tangent_aval(get_aval(out)))
    shape = get_aval(out).shape
    ts = [sh.broadcast_in_dim(t, shape, ()) if get_aval(t).shape != shape else t
          for t in (instantiate(t) for t in tangents[1:])]
    return out, select_n(which, *ts)


def _select_n_transpose(ct, which, *cases):
    if is_undefined_primal(which):
        raise ValueError("select_n: the predicate cannot be a linear value.")
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


jvp_rules[ew.select_n_p] = _select_n_jvp
transpose_rules[ew.select_n_p] = _select_n_transpose


def _convert_jvp(primals, tangents, *, new_dtype, weak_type):
    (x,), (t,) = primals, tangents
    out = bind(ew.convert_element_type_p, x, new_dtype=new_dtype, weak_type=weak_type)
    if type(t) is Zero or not dtypes.is_inexact(new_dtype) or \
            not dtypes.is_inexact(get_aval(x).dtype):
        return out, Zero(tangent_aval(get_aval(out)))
    return out, bind(ew.convert_element_type_p, t, new_dtype=new_dtype, weak_type=False)


def _convert_transpose(ct, x, *, new_dtype, weak_type):
    if type(ct) is Zero:
        return [Zero(x.aval)]
    return [ew._convert_element_type(ct, x.aval.dtype)]


jvp_rules[ew.convert_element_type_p] = _convert_jvp
transpose_rules[ew.convert_element_type_p] = _convert_transpose

deflinear(ew.real_p, lambda ct, x: [ew.complex(ct, _const(ct, 0))])
deflinear(ew.imag_p, lambda ct, x: [ew.complex(_const(ct, 0), neg(ct))])
deflinear(ew.complex_p, lambda ct, x, y: [unbroadcast(_aval(x), real(ct)),
                                          unbroadcast(_aval(y), imag(neg(ct)))])


def _conj_transpose(ct, x, *, input_dtype):
    if dtypes.is_complex(input_dtype):
        return [conj(ct)]
    return [real(ct)]


deflinear(ew.conj_p, _conj_transpose)

# --------------------------------------------------------------------------- shape operations


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions):
    in_shape = x.aval.shape
    unit_dims = tuple(i for i, d in enumerate(in_shape) if d == 1 and shape[broadcast_dimensions[i]] != 1)
    sum_dims = tuple(i for i in range(len(shape)) if i not in broadcast_dimensions)
    sum_dims += tuple(broadcast_dimensions[i] for i in unit_dims)
    out = red.reduce_sum(ct, tuple(sorted(sum_dims)))
    return [sh.reshape(out, in_shape)]


deflinear(sh.broadcast_in_dim_p, _broadcast_in_dim_transpose)


def _reshape_transpose(ct, x, *, new_sizes, dimensions):
    if dimensions is None:
        return [sh.reshape(ct, x.aval.shape)]
    # reshape with `dimensions` transposes x first; undo the reshape, then the transpose.
    permuted = tuple(x.aval.shape[d] for d in dimensions)
    return [sh.transpose(sh.reshape(ct, permuted), tuple(np.argsort(dimensions)))]


deflinear(sh.reshape_p, _reshape_transpose)
deflinear(sh.transpose_p, lambda ct, x, *, permutation:
          [sh.transpose(ct, tuple(np.argsort(permutation)))])
deflinear(sh.squeeze_p, lambda ct, x, *, dimensions: [sh.reshape(ct, x.aval.shape)])
deflinear(sh.rev_p, lambda ct, x, *, dimensions: [sh.rev(ct, dimensions)])


def _concatenate_transpose(ct, *xs, dimension):
    out, start = [], 0
    for x in xs:
        size = _aval(x).shape[dimension]
        if is_undefined_primal(x):
            out.append(Zero(x.aval) if type(ct) is Zero
                       else sh.slice_in_dim(ct, start, start + size, 1, dimension))
        else:
            out.append(None)
        start += size
    return out


deflinear(sh.concatenate_p, _concatenate_transpose)


def _pad_transpose(ct, x, padding_value, *, padding_config):
    lo_hi = tuple((-lo, -hi, 0) for lo, hi, _ in padding_config)
    unpadded = sh.pad(ct, _const(ct, 0), lo_hi)
    strides = tuple(i + 1 for _, _, i in padding_config)
    t_x = sh.slice(unpadded, (0,) * len(strides), get_aval(unpadded).shape, strides)
    out = [t_x if is_undefined_primal(x) else None]
    if is_undefined_primal(padding_value):
        all_axes = tuple(range(get_aval(ct).ndim))
        out.append(sub(red.reduce_sum(ct, all_axes), red.reduce_sum(t_x, all_axes)))
    else:
        out.append(None)
    return out


deflinear(sh.pad_p, _pad_transpose)


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
    shape = x.aval.shape
    strides = strides or (1,) * len(shape)
    out_shape = get_aval(ct).shape
    real_limits = [s + (o - 1) * st + 1 if o else s
                   for s, o, st in zip(start_indices, out_shape, strides)]
    config = [(s, d - r, st - 1) for s, d, r, st in zip(start_indices, shape, real_limits, strides)]
    if any(o == 0 for o in out_shape):
        return [zeros_like_aval(x.aval)]
    return [sh.pad(ct, _const(ct, 0), config)]


deflinear(sh.slice_p, _slice_transpose)

# --------------------------------------------------------------------------- reductions
deflinear(red.reduce_sum_p, lambda ct, x, *, axes: [
    sh.broadcast_in_dim(ct, x.aval.shape,
                        tuple(i for i in range(x.aval.ndim) if i not in axes))])


def _reduce_chooser_jvp(prim):
    """max/min: the tangent of the chosen element(s), averaged over ties."""
    def rule(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        ans = bind(prim, x, axes=axes)
        shape = get_aval(x).shape
        kept = tuple(i for i in range(len(shape)) if i not in axes)
        where = eq(x, sh.broadcast_in_dim(ans, shape, kept))
        ones = ew._convert_element_type(where, get_aval(x).dtype)
        counts = red.reduce_sum(ones, axes)
        return ans, div(red.reduce_sum(mul(t, ones), axes), counts)
    return rule


jvp_rules[red.reduce_max_p] = _reduce_chooser_jvp(red.reduce_max_p)
jvp_rules[red.reduce_min_p] = _reduce_chooser_jvp(red.reduce_min_p)


def _reduce_prod_jvp(primals, tangents, *, axes):
    """d prod(x) = sum_i t_i * prod_{j != i} x_j, with the products of the others computed
    by masking (exact when some x_j are zero, unlike ans / x_i)."""
    (x,), (t,) = primals, tangents
    ans = red.reduce_prod(x, axes)
    aval = get_aval(x)
    kept = tuple(i for i in range(aval.ndim) if i not in axes)
    # Move reduced axes to the front and flatten them: x2 has shape (n, *kept_shape).
    perm = tuple(axes) + kept
    n = math.prod(aval.shape[a] for a in axes)
    kept_shape = tuple(aval.shape[k] for k in kept)
    x2 = sh.reshape(sh.transpose(x, perm), (n,) + kept_shape)
    t2 = sh.reshape(sh.transpose(t, perm), (n,) + kept_shape)
    big = sh.broadcast_in_dim(x2, (n, n) + kept_shape, (1,) + tuple(range(2, 2 + len(kept))))
    eye = eq(sh.broadcasted_iota(np.int32, (n, n) + kept_shape, 0),
             sh.broadcasted_iota(np.int32, (n, n) + kept_shape, 1))
    others = red.reduce_prod(select_n(eye, big, sh.broadcast_in_dim(_const(x, 1), get_aval(big).shape, ())), (1,))
    return ans, red.reduce_sum(mul(t2, others), (0,))


jvp_rules[red.reduce_prod_p] = _reduce_prod_jvp

# --------------------------------------------------------------------------- dot_general


def _ranges_like(*xs):
    start = 0
    for x in xs:
        yield tuple(range(start, start + len(x)))
        start += len(x)


def _remaining(original, *removed_lists):
    removed = set(itertools.chain(*removed_lists))
    return [i for i in original if i not in removed]


def _dot_general_transpose_lhs(ct, x, y, *, dimension_numbers, precision,
                               preferred_element_type, swap_ans=False):
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x_ndim = _aval(x).ndim
    y_ndim = _aval(y).ndim
    x_kept = _remaining(range(x_ndim), x_contract, x_batch)
    y_kept = _remaining(range(y_ndim), y_contract, y_batch)
    if swap_ans:
        ans_batch, ans_y, _ = _ranges_like(x_batch, y_kept, x_kept)
    else:
        ans_batch, _, ans_y = _ranges_like(x_batch, x_kept, y_kept)
    dims = ((ans_y, tuple(y_kept)), (ans_batch, tuple(y_batch)))
    x_contract_sorted_by_y = list(np.take(x_contract, np.argsort(y_contract))) if x_contract else []
    out_axes = np.argsort(list(x_batch) + x_kept + x_contract_sorted_by_y)
    x_bar = sh.transpose(dt.dot_general(ct, y, dims, precision=precision,
                                        preferred_element_type=preferred_element_type),
                         tuple(int(a) for a in out_axes))
    x_dtype = _aval(x).dtype
    if get_aval(x_bar).dtype != x_dtype:
        x_bar = ew._convert_element_type(x_bar, x_dtype)
    return x_bar


def _dot_general_transpose_rhs(ct, x, y, *, dimension_numbers, precision,
                               preferred_element_type):
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    swapped = ((y_contract, x_contract), (y_batch, x_batch))
    return _dot_general_transpose_lhs(ct, y, x, dimension_numbers=swapped, precision=precision,
                                      preferred_element_type=preferred_element_type,
                                      swap_ans=True)


def _dot_general_transpose(ct, x, y, **params):
    if is_undefined_primal(x) and is_undefined_primal(y):
        raise ValueError("dot_general: cannot transpose a product of two linear values.")
    if is_undefined_primal(x):
        return [_dot_general_transpose_lhs(ct, x, y, **params), None]
    return [None, _dot_general_transpose_rhs(ct, x, y, **params)]


defjvp(dt.dot_general_p,
       lambda g, x, y, **params: bind(dt.dot_general_p, g, y, **params),
       lambda g, x, y, **params: bind(dt.dot_general_p, x, g, **params))
transpose_rules[dt.dot_general_p] = _dot_general_transpose
