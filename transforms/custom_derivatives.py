"""The transform rules of ``custom_jvp_call``, ``custom_vjp_call`` and ``custom_lin``.

The primitives and the ``custom_jvp``/``custom_vjp`` classes that bind them are in
``lax/custom_derivatives.py``; here is what each transform does with them.  Under jvp,
``custom_jvp_call`` calls the user's rule instead of differentiating its jaxpr, and
``custom_vjp_call`` runs ``fwd`` now and emits a ``custom_lin`` equation whose transpose
calls ``bwd``.  Batching vmaps the user's rules along with the primal jaxpr.

Forward mode through a ``custom_vjp`` function, which JAX refuses: ``bwd`` must be linear
in the cotangent (it computes a vjp), so its transpose *is* the jvp.  zenax linearizes
``ct -> bwd(res, ct)`` and transposes it.  Pass ``jvp_by_transpose=False`` to keep JAX's
error instead.
"""
from __future__ import annotations

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.core import (batch_rules, bind, get_aval, impl_rules, jvp_rules,
                               lowering_rules, transpose_rules)
from zenax.lax import reductions as red
from zenax.lax.broadcasting import bdim_at_front, instantiate, moveaxis, zeros_like_aval
from zenax.lax.custom_derivatives import custom_jvp_call_p, custom_lin_p, custom_vjp_call_p
from zenax.lax.registry import tangent_aval

from .linearize import linearize_flat, partial_eval_rules
from .lowering import lower_jaxpr
from .subjaxpr import batch_jaxpr, eval_closed
from .transpose import backward_pass
from .vmap import vmap_flat


def _call_lower(*args, call_jaxpr, **_):
    return lower_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *args)


def _check_no_const_tangents(tangents, num_consts, kind):
    if any(type(t) is not Zero for t in tangents[:num_consts]):
        raise TypeError(
            f"Detected differentiation of a {kind} function with respect to a closed-over "
            "value. That isn't supported because the custom rule only sees the function's "
            "arguments: pass the value as an explicit argument instead.")


def _instantiate_tangent(t, x):
    if type(t) is Zero:
        return zeros_like_aval(tangent_aval(get_aval(x)))
    return t


# =========================================================================== custom_jvp

def _custom_jvp_call_jvp(primals, tangents, *, call_jaxpr, jvp, num_consts):
    _check_no_const_tangents(tangents, num_consts, "custom_jvp")
    ps = primals[num_consts:]
    ts = [_instantiate_tangent(t, p) for t, p in zip(tangents[num_consts:], ps)]
    out, t_out = jvp(list(ps), ts)
    t_out = [t if dtypes.is_inexact(a.dtype) else Zero(tangent_aval(a))
             for t, a in zip(t_out, call_jaxpr.out_avals)]
    return list(out), t_out


def _custom_jvp_call_batch(args, dims, *, call_jaxpr, jvp, num_consts):
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    new_call = batch_jaxpr(call_jaxpr, size, dims)
    p_dims = list(dims[num_consts:])
    n_out = len(call_jaxpr.out_avals)

    def batched_jvp(primals, tangents):
        # The user's rule, vmapped on its own (primals and tangents share their layout).
        n = len(primals)

        def both(*xs):
            out, t_out = jvp(list(xs[:n]), list(xs[n:]))
            return list(out) + [instantiate(t) for t in t_out]
        res = vmap_flat(both, size, None, p_dims + p_dims, list(primals) + list(tangents),
                        lambda k: [0] * k)
        return res[:n_out], res[n_out:]

    outs = bind(custom_jvp_call_p, *args, call_jaxpr=new_call, jvp=batched_jvp,
                num_consts=num_consts)
    return outs, [0] * len(outs)


impl_rules[custom_jvp_call_p] = lambda *args, call_jaxpr, **_: eval_closed(call_jaxpr, *args)
lowering_rules[custom_jvp_call_p] = _call_lower
jvp_rules[custom_jvp_call_p] = _custom_jvp_call_jvp
batch_rules[custom_jvp_call_p] = _custom_jvp_call_batch



# =========================================================================== custom_vjp

def _custom_vjp_call_jvp(primals, tangents, *, call_jaxpr, fwd, bwd, num_consts, in_avals,
                         jvp_by_transpose):
    _check_no_const_tangents(tangents, num_consts, "custom_vjp")
    ps = primals[num_consts:]
    out, res = fwd(*ps)
    ts = [_instantiate_tangent(t, p) for t, p in zip(tangents[num_consts:], ps)]
    out_avals = tuple(tangent_aval(get_aval(o)) for o in out)
    t_out = bind(custom_lin_p, *res, *ts, num_res=len(res), bwd=bwd, in_avals=in_avals,
                 out_avals=out_avals, jvp_by_transpose=jvp_by_transpose)
    t_out = [t if dtypes.is_inexact(a.dtype) else Zero(tangent_aval(a))
             for t, a in zip(t_out, out_avals)]
    return list(out), t_out


def _vmap_bwd(bwd, size, res, cts):
    """``bwd`` over a batch: residuals and cotangents batched at axis 0, results too."""
    n = len(res)
    return vmap_flat(lambda *xs: bwd(list(xs[:n]), list(xs[n:])), size, None,
                     [0] * (n + len(cts)), list(res) + list(cts), lambda k: [0] * k)


def _custom_vjp_call_batch(args, dims, *, call_jaxpr, fwd, bwd, num_consts, in_avals,
                           jvp_by_transpose):
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    new_call = batch_jaxpr(call_jaxpr, size, dims)
    p_dims = list(dims[num_consts:])
    box = {}

    def batched_fwd(*primals):
        def f(*xs):
            out, res = fwd(*xs)
            box["n_out"] = len(out)
            return list(out) + list(res)
        outs = vmap_flat(f, size, None, p_dims, list(primals), lambda k: [0] * k)
        return outs[:box["n_out"]], outs[box["n_out"]:]

    def batched_bwd(res, cts):
        cts_in = _vmap_bwd(bwd, size, res, cts)
        # Back to the layout of the primal inputs; an unbatched input sums over the batch.
        return [red.reduce_sum(c, (0,)) if d is not_mapped else moveaxis(c, 0, d)
                for c, d in zip(cts_in, p_dims)]

    batched_avals = tuple(a.update(shape=(size,) + a.shape) for a in in_avals)
    outs = bind(custom_vjp_call_p, *args, call_jaxpr=new_call, fwd=batched_fwd,
                bwd=batched_bwd, num_consts=num_consts, in_avals=batched_avals,
                jvp_by_transpose=jvp_by_transpose)
    return outs, [0] * len(outs)


impl_rules[custom_vjp_call_p] = lambda *args, call_jaxpr, **_: eval_closed(call_jaxpr, *args)
lowering_rules[custom_vjp_call_p] = _call_lower
jvp_rules[custom_vjp_call_p] = _custom_vjp_call_jvp
batch_rules[custom_vjp_call_p] = _custom_vjp_call_batch


# --------------------------------------------------------------------------- custom_lin

def _custom_lin_transpose(cts, *args, num_res, bwd, in_avals, out_avals, jvp_by_transpose):
    res = args[:num_res]
    cts = [zeros_like_aval(a) if type(c) is Zero else c for c, a in zip(cts, out_avals)]
    cts_in = bwd(list(res), cts)
    return [None] * num_res + list(cts_in)


def _custom_lin_forward(*args, num_res, bwd, in_avals, out_avals, jvp_by_transpose):
    """Forward mode: apply the transpose of ``ct -> bwd(res, ct)`` to the tangents."""
    if not jvp_by_transpose:
        raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function "
                        "(it was created with jvp_by_transpose=False).")
    res, tangents = list(args[:num_res]), list(args[num_res:])
    zeros = [zeros_like_aval(a) for a in out_avals]
    _, linear = linearize_flat(lambda *cts: bwd(res, list(cts)), zeros, list(out_avals))
    t_out = backward_pass(linear.jaxpr, linear.consts, tangents)
    return [instantiate(t) for t in t_out]


def _custom_lin_jvp(primals, tangents, **params):
    raise NotImplementedError(
        "Differentiating the derivative of a custom_vjp function (higher-order derivatives "
        "through custom_vjp) is not supported; use custom_jvp for functions that need it.")


def _custom_lin_batch(args, dims, *, num_res, bwd, in_avals, out_avals, jvp_by_transpose):
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    args = [bdim_at_front(x, d, size) for x, d in zip(args, dims)]

    def batched_bwd(res, cts):
        return _vmap_bwd(bwd, size, res, cts)

    batch = lambda avals: tuple(a.update(shape=(size,) + a.shape) for a in avals)
    outs = bind(custom_lin_p, *args, num_res=num_res, bwd=batched_bwd,
                in_avals=batch(in_avals), out_avals=batch(out_avals),
                jvp_by_transpose=jvp_by_transpose)
    return outs, [0] * len(outs)


impl_rules[custom_lin_p] = _custom_lin_forward
lowering_rules[custom_lin_p] = _custom_lin_forward
transpose_rules[custom_lin_p] = _custom_lin_transpose
jvp_rules[custom_lin_p] = _custom_lin_jvp
batch_rules[custom_lin_p] = _custom_lin_batch


# A custom_jvp function applied to tangents (inside a linearized program, e.g. a
# `jnp.linalg.solve` in custom_root's tangent_solve): its custom rule has done its work at
# the jvp level, so the body is inlined and partially evaluated like any code, as in JAX --
# staged as one custom_jvp_call equation it could not be transposed.
partial_eval_rules[custom_jvp_call_p] = \
    lambda trace, args, *, call_jaxpr, jvp, num_consts: eval_closed(call_jaxpr, *args)
