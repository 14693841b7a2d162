"""``custom_jvp`` and ``custom_vjp``: user-supplied derivative rules.

A function decorated with :class:`custom_jvp` is staged into a jaxpr and bound as
``custom_jvp_call``; evaluating it runs the jaxpr, while the JVP trace calls the user's
rule instead of differentiating the jaxpr.  :class:`custom_vjp` works the same way with
``fwd``/``bwd``: under differentiation, ``fwd`` runs now and the tangent map becomes a
``custom_lin`` equation whose transpose calls ``bwd``.

Forward mode through a ``custom_vjp`` function, which JAX refuses: ``bwd`` must be linear
in the cotangent (it computes a vjp), so its transpose *is* the jvp.  zenax linearizes
``ct -> bwd(res, ct)`` and transposes it.  Pass ``jvp_by_transpose=False`` to keep JAX's
error instead.
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable, Sequence

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Tracer, batch_rules, bind, get_aval, impl_rules, jvp_rules,
                               lowering_rules, transpose_rules)
from zenax.tracer.ir import ClosedJaxpr, Jaxpr
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_map, tree_unflatten
from zenax.lax.ad_util import instantiate, tangent_aval, zeros_like_aval
from zenax.lax import reductions as red
from zenax.lax.batching import bdim_at_front, moveaxis
from zenax.lax.higher_order import custom_jvp_call_p, custom_lin_p, custom_vjp_call_p

from .linearize import linearize_flat
from .lowering import lower_jaxpr
from .subjaxpr import batch_jaxpr, eval_closed
from .transpose import backward_pass
from .vmap import vmap_flat


def _resolve_args(fun, args, kwargs):
    """Keyword arguments -> positional ones, as JAX's custom_* functions require."""
    if not kwargs:
        return tuple(args)
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{getattr(fun, '__name__', fun)}: {e}") from None
    bound.apply_defaults()
    return tuple(bound.args) + tuple(bound.kwargs.values())


def _abstract(x) -> ShapedArray:
    return get_aval(x).strip_weak_type()


class _Prepared:
    """A call of a custom-derivative function, flattened: the differentiable arguments'
    leaves, a way to rebuild the full argument list, and the primal jaxpr."""

    def __init__(self, fun, args, nondiff_argnums):
        self.args = args
        self.nondiff = tuple(sorted(a % len(args) for a in nondiff_argnums)) if args else ()
        self.diff_idx = [i for i in range(len(args)) if i not in self.nondiff]
        self.flat, self.in_tree = tree_flatten(tuple(args[i] for i in self.diff_idx))
        for i in self.nondiff:
            if isinstance(args[i], Tracer):
                raise TypeError(
                    f"{getattr(fun, '__name__', 'custom function')}: argument {i} is in "
                    "nondiff_argnums but is a traced array. nondiff_argnums is for "
                    "non-array values (functions, ints...); pass arrays as ordinary arguments.")
        self.out_tree = None

        def flat_fun(*xs):
            out = fun(*self.rebuild(xs))
            leaves, self.out_tree = tree_flatten(out)
            return leaves

        closed, _ = trace_to_jaxpr(flat_fun, [_abstract(x) for x in self.flat])
        j = closed.jaxpr
        self.call_jaxpr = ClosedJaxpr(Jaxpr([], j.constvars + j.invars, j.outvars, j.eqns), [])
        self.consts = list(closed.consts)

    def rebuild(self, flat_diff) -> list:
        diff = tree_unflatten(self.in_tree, list(flat_diff))
        full = list(self.args)
        for i, v in zip(self.diff_idx, diff):
            full[i] = v
        return full

    def nondiff_args(self) -> list:
        return [self.args[i] for i in self.nondiff]

    def diff_tree_values(self, flat):
        return tuple(tree_unflatten(self.in_tree, list(flat)))


def _check_out(name, what, tree, expected_tree, leaves, expected_avals):
    if tree != expected_tree:
        raise TypeError(f"{name}: the {what} must have the same pytree structure as the "
                        f"primal output {expected_tree}, got {tree}.")
    for leaf, aval in zip(leaves, expected_avals):
        a = get_aval(leaf)
        if a.shape != aval.shape:
            raise TypeError(f"{name}: the {what} has shape {a.shape} where the primal output "
                            f"has shape {aval.shape}.")


# =========================================================================== custom_jvp

class custom_jvp:
    """A function with a custom forward-mode rule (and so reverse mode, by transposition).

    >>> @zenax.custom_jvp
    ... def log1pexp(x):
    ...     return jnp.log(1. + jnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     x, = primals; x_dot, = tangents
    ...     return log1pexp(x), x_dot * (1. - 1. / (1. + jnp.exp(x)))
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp = None

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        """Set the rule ``jvp(*nondiff_args, primals, tangents) -> (out, tangent_out)``."""
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """Set one rule per argument: ``jvp_i(x_i_dot, primal_out, *primals)`` gives that
        argument's contribution to the output tangent (None: not differentiable)."""
        def jvp(primals, tangents):
            out = self(*primals)
            t_out = None
            for rule, t in zip(jvps, tangents):
                if rule is None:
                    continue
                contribution = rule(t, out, *primals)
                t_out = contribution if t_out is None else tree_map(lambda a, b: a + b,
                                                                    t_out, contribution)
            if t_out is None:
                t_out = tree_map(lambda o: zeros_like_aval(_abstract(o)), out)
            return out, t_out
        self.jvp = jvp

    @api_boundary
    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_jvp function")
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {name} using "
                                 "defjvp.")
        args = _resolve_args(self.fun, args, kwargs)
        prep = _Prepared(self.fun, args, self.nondiff_argnums)
        user_jvp = self.jvp

        def jvp_flat(primals, tangents):
            ps = prep.diff_tree_values(primals)
            ts = prep.diff_tree_values(tangents)
            out = user_jvp(*prep.nondiff_args(), ps, ts)
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"{name}: the custom_jvp rule must return a pair "
                                f"(primal_out, tangent_out), got {type(out).__name__}.")
            p_out, t_out = out
            p_leaves, p_tree = tree_flatten(p_out)
            t_leaves, t_tree = tree_flatten(t_out)
            _check_out(name, "primal output of the jvp rule", p_tree, prep.out_tree, p_leaves,
                       prep.call_jaxpr.out_avals)
            _check_out(name, "tangent output of the jvp rule", t_tree, prep.out_tree, t_leaves,
                       prep.call_jaxpr.out_avals)
            return p_leaves, t_leaves

        outs = bind(custom_jvp_call_p, *prep.consts, *prep.flat, call_jaxpr=prep.call_jaxpr,
                    jvp=jvp_flat, num_consts=len(prep.consts))
        return tree_unflatten(prep.out_tree, outs)


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
        return zeros_like_aval(_abstract(x))
    return t


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

class custom_vjp:
    """A function with a custom reverse-mode rule: ``fwd`` returns ``(out, residuals)``
    and ``bwd(residuals, ct)`` returns one cotangent per (differentiable) argument.

    >>> @zenax.custom_vjp
    ... def clip_gradient(lo, hi, x):
    ...     return x
    >>> clip_gradient.defvjp(lambda lo, hi, x: (x, (lo, hi)),
    ...                      lambda res, g: (None, None, jnp.clip(g, *res)))

    ``jvp_by_transpose=False`` keeps JAX's refusal of forward mode.
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = (),
                 jvp_by_transpose: bool = True):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp_by_transpose = jvp_by_transpose
        self.fwd = self.bwd = None

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False) -> None:
        self.fwd, self.bwd = fwd, bwd

    @api_boundary
    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_vjp function")
        if self.fwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
        args = _resolve_args(self.fun, args, kwargs)
        prep = _Prepared(self.fun, args, self.nondiff_argnums)
        user_fwd, user_bwd = self.fwd, self.bwd
        box = {}
        in_avals = [_abstract(x) for x in prep.flat]

        def fwd_flat(*primals):
            out = user_fwd(*prep.rebuild(primals))
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"{name}: the custom_vjp fwd must return a pair "
                                f"(output, residuals), got {type(out).__name__}.")
            primal_out, res = out
            out_leaves, out_tree = tree_flatten(primal_out)
            _check_out(name, "output of fwd", out_tree, prep.out_tree, out_leaves,
                       prep.call_jaxpr.out_avals)
            res_leaves, box["res_tree"] = tree_flatten(res)
            return out_leaves, res_leaves

        def bwd_flat(res, cts):
            ct = tree_unflatten(prep.out_tree, list(cts))
            res_tree = tree_unflatten(box["res_tree"], list(res))
            cts_in = user_bwd(*prep.nondiff_args(), res_tree, ct)
            if not isinstance(cts_in, (tuple, list)):
                raise TypeError(f"{name}: the custom_vjp bwd must return a tuple with one "
                                f"cotangent per differentiable argument, got "
                                f"{type(cts_in).__name__}.")
            cts_in = tuple(cts_in)
            n_diff = len(prep.diff_idx)
            if len(cts_in) != n_diff:
                raise TypeError(f"{name}: the custom_vjp bwd returned {len(cts_in)} "
                                f"cotangents, but the function has {n_diff} differentiable "
                                "arguments.")
            # None stands for a zero cotangent (of the whole argument).
            diff_vals = prep.diff_tree_values(prep.flat)
            filled = [tree_map(lambda x: zeros_like_aval(_abstract(x)), v) if c is None else c
                      for c, v in zip(cts_in, diff_vals)]
            leaves, tree = tree_flatten(tuple(filled))
            if tree != prep.in_tree:
                raise TypeError(f"{name}: the custom_vjp bwd output structure {tree} does not "
                                f"match the differentiable arguments' {prep.in_tree}.")
            return leaves

        outs = bind(custom_vjp_call_p, *prep.consts, *prep.flat, call_jaxpr=prep.call_jaxpr,
                    fwd=fwd_flat, bwd=bwd_flat, num_consts=len(prep.consts),
                    in_avals=tuple(in_avals), jvp_by_transpose=self.jvp_by_transpose)
        return tree_unflatten(prep.out_tree, outs)


def _custom_vjp_call_jvp(primals, tangents, *, call_jaxpr, fwd, bwd, num_consts, in_avals,
                         jvp_by_transpose):
    _check_no_const_tangents(tangents, num_consts, "custom_vjp")
    ps = primals[num_consts:]
    out, res = fwd(*ps)
    ts = [_instantiate_tangent(t, p) for t, p in zip(tangents[num_consts:], ps)]
    out_avals = tuple(_abstract(o) for o in out)
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
