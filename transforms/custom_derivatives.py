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

from zenax.tracer import dtypes, provenance
from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.core import (Tracer, batch_rules, bind, get_aval, impl_rules, jvp_rules,
                               lowering_rules, set_current_trace, transpose_rules)
from zenax.lax import reductions as red
from zenax.lax.broadcasting import bdim_at_front, instantiate, moveaxis, zeros_like_aval
from zenax.lax.custom_derivatives import (bind_custom_jvp, bind_custom_vjp, custom_jvp_call_p,
                                          custom_jvp_call_rules, custom_lin_p, custom_vjp_call_p,
                                          custom_vjp_call_rules, dispatch_custom_call,
                                          original_call)
from zenax.lax.registry import tangent_aval

from .jvp import JVPTrace
from .linearize import PartialEvalTrace, linearize_flat, partial_eval_rules
from .lowering import lower_jaxpr
from .subjaxpr import batch_jaxpr, eval_closed
from .transpose import backward_pass
from .vmap import BatchTrace, vmap_flat, vmap_flat_natural


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


def _zero_positions(ts, avals) -> tuple:
    """Where the symbolic zeros are, for the rules of functions with symbolic_zeros: the
    ``Zero`` tangents, and those of integer values (JAX's float0 ones)."""
    return tuple(i for i, (t, a) in enumerate(zip(ts, avals))
                 if type(t) is Zero or not dtypes.is_inexact(a.dtype))


# =========================================================================== custom_jvp

def _custom_jvp_call_jvp(primals, tangents, *, call_jaxpr, jvp, num_consts):
    _check_no_const_tangents(tangents, num_consts, "custom_jvp")
    ps, ts = primals[num_consts:], tangents[num_consts:]
    zeros = _zero_positions(ts, [get_aval(p) for p in ps])
    ts = [_instantiate_tangent(t, p) for t, p in zip(ts, ps)]
    out, t_out = jvp(list(ps), ts, zeros)
    t_out = [t if dtypes.is_inexact(a.dtype) else Zero(tangent_aval(a))
             for t, a in zip(t_out, call_jaxpr.out_avals)]
    return list(out), t_out


def _custom_jvp_call_batch(args, dims, *, call_jaxpr, jvp, num_consts):
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    outs = bind(custom_jvp_call_p, *args, call_jaxpr=batch_jaxpr(call_jaxpr, size, dims),
                jvp=_BatchedJVP(jvp, size, None, dims[num_consts:]), num_consts=num_consts)
    return outs, [0] * len(outs)


class _BatchedJVP:
    """A custom_jvp rule (flat) mapped over operands batched along ``dims``; primals and
    tangents share their layout, every output is batched at axis 0."""

    def __init__(self, jvp, size, axis_name, dims):
        self.call = original_call(jvp)     # (for printing: the function's names)
        self._jvp, self._size, self._axis_name, self._dims = jvp, size, axis_name, list(dims)

    def __call__(self, primals, tangents, zero_tangents: tuple = ()):
        both = _batched(lambda *xs: _jvp_outputs(self._jvp, xs, zero_tangents), self._size,
                        self._axis_name, self._dims * 2)
        outs = both(*primals, *tangents)
        return outs[:len(outs) // 2], outs[len(outs) // 2:]


def _jvp_outputs(jvp, xs, zero_tangents):
    n = len(xs) // 2
    out, t_out = jvp(list(xs[:n]), list(xs[n:]), zero_tangents)
    return list(out) + [instantiate(t) for t in t_out]


def _batched(fun, size, axis_name, dims):
    """``fun`` (flat in, flat out) mapped over operands batched along ``dims``; every
    output batched at axis 0."""
    return lambda *xs: vmap_flat(fun, size, axis_name, list(dims), list(xs),
                                 lambda k: [0] * k)


impl_rules[custom_jvp_call_p] = lambda *args, call_jaxpr, **_: eval_closed(call_jaxpr, *args)
lowering_rules[custom_jvp_call_p] = _call_lower
jvp_rules[custom_jvp_call_p] = _custom_jvp_call_jvp
batch_rules[custom_jvp_call_p] = _custom_jvp_call_batch



# =========================================================================== custom_vjp

def _custom_vjp_call_jvp(primals, tangents, *, call_jaxpr, fwd, bwd, num_consts, in_avals,
                         jvp_by_transpose):
    _check_no_const_tangents(tangents, num_consts, "custom_vjp")
    return _fwd_and_custom_lin(primals[num_consts:], tangents[num_consts:], fwd, bwd,
                               in_avals, jvp_by_transpose)


def _fwd_and_custom_lin(ps, tangents, fwd, bwd, in_avals, jvp_by_transpose):
    """Run ``fwd`` now; the output tangents come from a ``custom_lin`` equation whose
    transpose calls ``bwd``."""
    zeros = _zero_positions(tangents, [get_aval(p) for p in ps])
    out, res = fwd(*ps, perturbed=tuple(i not in zeros for i in range(len(ps))))
    ts = [_instantiate_tangent(t, p) for t, p in zip(tangents, ps)]
    out_avals = tuple(tangent_aval(get_aval(o)) for o in out)
    t_out = bind(custom_lin_p, *res, *ts, num_res=len(res), bwd=bwd, in_avals=in_avals,
                 out_avals=out_avals, jvp_by_transpose=jvp_by_transpose)
    t_out = [t if dtypes.is_inexact(a.dtype) else Zero(tangent_aval(a))
             for t, a in zip(t_out, out_avals)]
    return list(out), t_out


def _vmap_bwd(bwd, size, res, cts, zero_cts: tuple = (), res_dims: list | None = None):
    """``bwd`` over a batch: residuals batched along ``res_dims`` (default: all at axis
    0), cotangents at axis 0, results too."""
    n = len(res)
    res_dims = [0] * n if res_dims is None else list(res_dims)
    return vmap_flat(lambda *xs: bwd(list(xs[:n]), list(xs[n:]), zero_cts), size, None,
                     res_dims + [0] * len(cts), list(res) + list(cts), lambda k: [0] * k)


def _custom_vjp_call_batch(args, dims, *, call_jaxpr, fwd, bwd, num_consts, in_avals,
                           jvp_by_transpose):
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    batched = _BatchedVJP(fwd, bwd, size, None, dims[num_consts:])
    batched_avals = tuple(a.update(shape=(size,) + a.shape) for a in in_avals)
    outs = bind(custom_vjp_call_p, *args, call_jaxpr=batch_jaxpr(call_jaxpr, size, dims),
                fwd=batched.fwd, bwd=batched.bwd, num_consts=num_consts, in_avals=batched_avals,
                jvp_by_transpose=jvp_by_transpose)
    return outs, [0] * len(outs)


class _BatchedVJP:
    """A custom_vjp call's ``fwd`` and ``bwd`` (flat) mapped over operands batched along
    ``dims``: ``fwd``'s outputs batched at axis 0, its residuals at axis 0 where they vary
    over the batch and unbatched elsewhere (as JAX's: a rule may refuse batched values
    there), ``bwd``'s cotangents in the operands' layout.  ``bwd`` reads the residuals'
    layout from the ``fwd`` run before it."""

    def __init__(self, fwd, bwd, size, axis_name, dims):
        self.call = original_call(fwd)     # (for printing: the function's names)
        self.size, self.dims, self.n_out, self._bwd = size, list(dims), None, bwd
        self._fwd, self._axis_name, self.res_dims = fwd, axis_name, None

    def fwd(self, *primals, perturbed: tuple | None = None):
        def fwd_leaves(*xs):
            out, res = self._fwd(*xs, perturbed=perturbed)
            self.n_out = len(out)
            return list(out) + list(res)
        outs, batched = vmap_flat_natural(
            fwd_leaves, self.size, self.dims, list(primals),
            lambda k: [True] * self.n_out + [False] * (k - self.n_out), self._axis_name)
        self.res_dims = [0 if b else not_mapped for b in batched[self.n_out:]]
        return outs[:self.n_out], outs[self.n_out:]

    def bwd(self, res, cts, zero_cts: tuple = ()):
        cts_in = _vmap_bwd(self._bwd, self.size, res, cts, zero_cts, self.res_dims)
        # Back to the operands' layout; an unbatched operand sums over the batch.
        return [red.reduce_sum(c, (0,)) if d is not_mapped else moveaxis(c, 0, d)
                for c, d in zip(cts_in, self.dims)]


impl_rules[custom_vjp_call_p] = lambda *args, call_jaxpr, **_: eval_closed(call_jaxpr, *args)
lowering_rules[custom_vjp_call_p] = _call_lower
jvp_rules[custom_vjp_call_p] = _custom_vjp_call_jvp
batch_rules[custom_vjp_call_p] = _custom_vjp_call_batch


# --------------------------------------------------------------------------- custom_lin

def _custom_lin_transpose(cts, *args, num_res, bwd, in_avals, out_avals, jvp_by_transpose):
    res = args[:num_res]
    zeros = _zero_positions(cts, out_avals)
    cts = [zeros_like_aval(a) if type(c) is Zero else c for c, a in zip(cts, out_avals)]
    cts_in = bwd(list(res), cts, zeros)
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

    def batched_bwd(res, cts, zero_cts=()):
        return _vmap_bwd(bwd, size, res, cts, zero_cts)

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


# --------------------------------------------------------------------------- calls
#
# What each trace does with a *call* of a custom_jvp / custom_vjp function, before any
# primitive is bound (see lax/custom_derivatives.py): as in JAX, differentiation runs only
# the rule -- the primal function is not called, so it may branch on values, print, or be
# non-differentiable -- and vmap batches the function and its rules without calling them,
# handing the batched call to the enclosing trace.

def _jvp_trace_custom_jvp(trace: JVPTrace, call):
    primals, tangents = zip(*map(trace.lift, call.flat)) if call.flat else ((), ())
    if all(type(t) is Zero for t in tangents):
        return NotImplemented
    zeros = _zero_positions(tangents, [get_aval(p) for p in primals])
    ts = [_instantiate_tangent(t, p) for t, p in zip(tangents, primals)]
    with set_current_trace(trace.parent), \
            provenance.jvp_rule(custom_jvp_call_p, call.flat, {}, primals):
        out, t_out = call.jvp(list(primals), ts, zeros)
    return [trace.wrap(p, t if dtypes.is_inexact(get_aval(p).dtype) else
                       Zero(tangent_aval(get_aval(p)))) for p, t in zip(out, t_out)]


def _jvp_trace_custom_vjp(trace: JVPTrace, call):
    primals, tangents = zip(*map(trace.lift, call.flat)) if call.flat else ((), ())
    if all(type(t) is Zero for t in tangents):
        return NotImplemented
    with set_current_trace(trace.parent), \
            provenance.jvp_rule(custom_vjp_call_p, call.flat, {}, primals):
        out, t_out = _fwd_and_custom_lin(primals, tangents, call.fwd, call.bwd,
                                         call.in_avals, call.jvp_by_transpose)
    return [trace.wrap(p, t) for p, t in zip(out, t_out)]


class _BatchedCustomJVPCall:
    """A custom_jvp call with its function and rule batched (nothing runs until the
    enclosing trace calls one of them)."""

    def __init__(self, call, trace: BatchTrace, vals, dims):
        self.call, self.flat = call, list(vals)
        self.fun_flat = _batched(call.fun_flat, trace.axis_size, trace.axis_name, dims)
        self.jvp = _BatchedJVP(call.jvp, trace.axis_size, trace.axis_name, dims)

    def stage(self, fun_flat, flat: list):
        # Nested vmaps batch a batched call: the call at the bottom stages.
        return self.call.stage(fun_flat, flat)

    def stage_and_bind(self):
        return bind_custom_jvp(self.call, self.fun_flat, self.jvp, self.flat)


class _BatchedCustomVJPCall:
    """A custom_vjp call with its function, ``fwd`` and ``bwd`` batched."""

    def __init__(self, call, trace: BatchTrace, vals, dims):
        self.call, self.flat = call, list(vals)
        self.jvp_by_transpose = call.jvp_by_transpose
        self.in_avals = tuple(get_aval(v) for v in vals)
        self.fun_flat = _batched(call.fun_flat, trace.axis_size, trace.axis_name, dims)
        batched = _BatchedVJP(call.fwd, call.bwd, trace.axis_size, trace.axis_name, dims)
        self.fwd, self.bwd = batched.fwd, batched.bwd

    def stage(self, fun_flat, flat: list):
        return self.call.stage(fun_flat, flat)   # as _BatchedCustomJVPCall.stage

    def stage_and_bind(self):
        return bind_custom_vjp(self.call, self.fun_flat, self.fwd, self.bwd, self.flat,
                               self.in_avals)


def _batch_trace_rule(table, batched_call):
    def rule(trace: BatchTrace, call):
        vals, dims = zip(*map(trace.lift, call.flat)) if call.flat else ((), ())
        if all(d is not_mapped for d in dims):
            return NotImplemented
        with set_current_trace(trace.parent):
            outs = dispatch_custom_call(table, batched_call(call, trace, vals, dims))
        return [trace.wrap(o, 0) for o in outs]
    return rule


def _inline_if_owned(trace, call):
    # On tangents inside linearize the rule has done its work: inline the function.
    if any(isinstance(x, Tracer) and x._trace is trace for x in call.flat):
        return call.fun_flat(*call.flat)
    return NotImplemented


def _stage_if_owned(trace, call):
    if any(isinstance(x, Tracer) and x._trace is trace for x in call.flat):
        return call.stage_and_bind()
    return NotImplemented


custom_jvp_call_rules[JVPTrace] = _jvp_trace_custom_jvp
custom_vjp_call_rules[JVPTrace] = _jvp_trace_custom_vjp
custom_jvp_call_rules[BatchTrace] = _batch_trace_rule(custom_jvp_call_rules,
                                                      _BatchedCustomJVPCall)
custom_vjp_call_rules[BatchTrace] = _batch_trace_rule(custom_vjp_call_rules,
                                                      _BatchedCustomVJPCall)
custom_jvp_call_rules[PartialEvalTrace] = _inline_if_owned
custom_vjp_call_rules[PartialEvalTrace] = _stage_if_owned
