"""Transform and lowering rules for ``custom_linear_solve`` (declared in
``lax/custom_solvers.py``), and the transforms that module stages with.

The primitive computes ``x = A^-1 b`` by running its ``solve`` jaxpr; every rule below
works on that meaning, never on ``solve``'s steps:

- jvp: ``x_dot = A^-1 (b_dot - A_dot x)``: the primitive again (same jaxprs) on the
  tangent right-hand side, where ``A_dot x`` is the jvp of ``matvec`` in its closed-over
  values;
- transpose: the primitive is linear in ``b``; its transpose solves ``A^T y = ct``, the
  primitive with the roles of ``matvec``/``vecmat`` and ``solve``/``transpose_solve``
  swapped;
- batching: every jaxpr is batched, with ``b`` and the solution batched at axis 0;
- partial evaluation needs no rule of its own: under ``linearize`` the tangent solve has
  known operator values and an unknown right-hand side, and staging the equation whole is
  the linear map the backward pass transposes (its known operands become residuals).

``custom_root`` is a ``custom_jvp`` function: its rules are those of ``custom_jvp_call``.
"""
from __future__ import annotations

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.core import (batch_rules, bind, get_aval, jvp_rules, lowering_rules,
                               transpose_rules)
from zenax.lax import elementwise as ew
from zenax.lax.broadcasting import batch_size, bdim_at_front, instantiate, zeros_like_aval
from zenax.lax.custom_solvers import (_LinearSolveTuple, install_transforms, linear_solve_p,
                                      split_consts)
from zenax.lax.registry import tangent_aval

from .autodiff import linearize
from .jvp import jvp_flat
from .linear_transpose import linear_transpose
from .lowering import lower_jaxpr
from .subjaxpr import batch_jaxpr, eval_closed


def _flat(groups) -> list:
    return [x for group in groups for x in group]


def _linear_solve_lower(*args, const_lengths, jaxprs):
    params, b = split_consts(args, const_lengths)
    return lower_jaxpr(jaxprs.solve.jaxpr, jaxprs.solve.consts, *params.solve, *b)


def _linear_solve_jvp(primals, tangents, *, const_lengths, jaxprs):
    # A x = b  =>  A_dot x + A x_dot = b_dot  =>  x_dot = A^-1 (b_dot - A_dot x).
    params_kw = dict(const_lengths=const_lengths, jaxprs=jaxprs)
    x = bind(linear_solve_p, *primals, **params_kw)
    params, b = split_consts(primals, const_lengths)
    params_dot, b_dot = split_consts(tangents, const_lengths)
    n = len(b)
    rhs = list(b_dot)
    if any(type(t) is not Zero for t in params_dot.matvec):
        x_zero = [Zero(tangent_aval(get_aval(v))) for v in x[:n]]
        _, a_dot_x = jvp_flat(lambda *xs: eval_closed(jaxprs.matvec, *xs),
                              params.matvec + x[:n], params_dot.matvec + x_zero,
                              instantiate_zeros=False)
        rhs = [ew.sub_tangents(r, m) for r, m in zip(rhs, a_dot_x)]
    inexact = [dtypes.is_inexact(get_aval(v).dtype) for v in b]
    zero_out = [Zero(tangent_aval(get_aval(v))) for v in x]
    if all(type(r) is Zero or not ok for r, ok in zip(rhs, inexact)):
        return x, zero_out
    # An integer leaf of b has no tangent: its slot of the tangent system is zero.
    rhs = [instantiate(r) if ok else zeros_like_aval(get_aval(v).strip_weak_type())
           for r, v, ok in zip(rhs, b, inexact)]
    x_dot = bind(linear_solve_p, *_flat(params), *rhs, **params_kw)
    # Auxiliary outputs (solver statistics) have no tangent.
    return x, [t if ok else z for t, z, ok in zip(x_dot, zero_out, inexact)] + zero_out[n:]


def _linear_solve_transpose(cts, *args, const_lengths, jaxprs):
    if jaxprs.transpose_solve is None:
        raise TypeError("transpose_solve required for backwards mode automatic "
                        "differentiation of custom_linear_solve")
    params, b = split_consts(args, const_lengths)
    if any(is_undefined_primal(p) for p in _flat(params)):
        raise NotImplementedError(
            "custom_linear_solve is linear in b only: it cannot be transposed with respect "
            "to the values its matvec or solve functions close over.")
    n = len(b)
    if any(type(c) is not Zero for c in cts[n:]):
        raise NotImplementedError("custom_linear_solve: the auxiliary outputs of solve "
                                  "cannot be differentiated.")
    if all(type(c) is Zero for c in cts[:n]):
        return [None] * len(args)
    # x = S(b) is linear in all of b; a known leaf (an instantiated zero tangent) gets no
    # cotangent, the others take their part of S^T(ct).
    ct_x = [instantiate(c) for c in cts[:n]]
    ct_b = bind(linear_solve_p, *_flat(params.transpose()), *ct_x,
                const_lengths=const_lengths.transpose(), jaxprs=jaxprs.transpose())[:n]
    return [None] * sum(const_lengths) + [c if is_undefined_primal(v) else None
                                          for c, v in zip(ct_b, b)]


def _linear_solve_batch(args, dims, *, const_lengths, jaxprs):
    size = batch_size(args, dims)
    params, b = split_consts(args, const_lengths)
    params_dims, b_dims = split_consts(dims, const_lengths)
    # b and the solution are batched at axis 0 in all four functions, so the systems they
    # describe stay square and each function's output is the next one's input.
    b = [bdim_at_front(x, d, size) for x, d in zip(b, b_dims)]
    batched = _LinearSolveTuple(*[
        None if j is None else batch_jaxpr(j, size, list(d) + [0] * len(b))
        for j, d in zip(jaxprs, params_dims)])
    outs = bind(linear_solve_p, *_flat(params), *b, const_lengths=const_lengths,
                jaxprs=batched)
    return outs, [0] * len(outs)


lowering_rules[linear_solve_p] = _linear_solve_lower
jvp_rules[linear_solve_p] = _linear_solve_jvp
transpose_rules[linear_solve_p] = _linear_solve_transpose
batch_rules[linear_solve_p] = _linear_solve_batch


install_transforms(jvp_flat=jvp_flat, linearize=linearize, linear_transpose=linear_transpose)
