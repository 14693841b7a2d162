"""``checkpoint`` / ``remat``: trade compute for memory in reverse mode.

Normally reverse mode saves every intermediate the backward pass needs (the residuals).
Inside a ``checkpoint``-ed function only the inputs are saved -- plus whatever the
``policy`` allows -- and the backward pass recomputes the rest.  The function is bound as
a ``remat`` primitive; its partial-evaluation rule splits it so that the known (forward)
part outputs only the saved values and the unknown (linear) part recomputes the others
from the inputs.  Lowering wraps a recomputation's inputs in an optimization barrier so
XLA cannot undo it by reusing the forward pass's values (``prevent_cse``).
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable, Iterable, Sequence

import jax
import numpy as np

from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.arguments import check_callable
from zenax.tracer.core import (batch_rules, bind, get_aval, impl_rules, jvp_rules,
                               lowering_rules, set_current_trace, transpose_rules)
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_unflatten
from zenax.lax.higher_order import jit_call_p, remat_p
from zenax.lax.registry import tangent_aval

from .linearize import partial_eval_rules
from .lowering import lower_jaxpr
from .passes import dce
from .subjaxpr import batch_jaxpr, jvp_jaxpr, transpose_jaxpr


# The policies (``checkpoint_policies``, as JAX's) are in checkpoint_policies.py.  A policy
# says, for one equation, whether its output may be saved for the backward pass:
# policy(primitive, *input_avals, **params) -> bool.


# --------------------------------------------------------------------------- the API

class _Deprecated:
    """The default of a removed parameter: any value the caller passes is an error."""

    def __repr__(self) -> str:
        return "Deprecated"


_DEPRECATED = _Deprecated()


@api_boundary
def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy: Callable | None = None,
               static_argnums: int | Sequence[int] = (),
               static_argnames: str | Iterable[str] = (),
               concrete: bool | _Deprecated = _DEPRECATED) -> Callable:
    """Make ``fun`` recompute its intermediates in the backward pass instead of saving them.

    Arguments named by ``static_argnums`` (positions) or ``static_argnames`` (names,
    however they are passed) stay Python values while ``fun`` is traced.

    >>> loss = lambda params, x: jnp.sum(zenax.checkpoint(mlp)(params, x))
    >>> grads = zenax.grad(loss)(params, x)      # same numbers, less memory
    """
    _check_concrete("checkpoint", concrete)
    check_callable("checkpoint", fun)
    if policy is not None and not callable(policy):
        raise TypeError(f"checkpoint: policy must be a callable (prim, *avals, **params) -> "
                        f"bool, such as zenax.checkpoint_policies.dots_saveable, or None; got "
                        f"{policy!r} of type {type(policy).__name__}.")
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
    try:     # a parameter named in static_argnames can also be passed by position
        params = list(inspect.signature(fun).parameters.values())
        static += tuple(i for i, p in enumerate(params) if p.name in names and
                        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    except (TypeError, ValueError):
        pass

    @functools.wraps(fun)
    @api_boundary
    def remat_f(*args, **kwargs):
        nargs = len(args)
        static_idx = {i % nargs for i in static if -nargs <= i < nargs}
        dyn_idx = [i for i in range(nargs) if i not in static_idx]
        static_kw = {k: v for k, v in kwargs.items() if k in names}
        dyn_kw = {k: v for k, v in kwargs.items() if k not in names}
        flat, in_tree = tree_flatten(([args[i] for i in dyn_idx], dyn_kw))
        box = {}

        def flat_fun(*xs):
            dyn, kw = tree_unflatten(in_tree, xs)
            full = list(args)
            for i, v in zip(dyn_idx, dyn):
                full[i] = v
            leaves, box["tree"] = tree_flatten(fun(*full, **kw, **static_kw))
            return leaves

        closed, _ = trace_to_jaxpr(flat_fun, [get_aval(x) for x in flat])
        j = closed.jaxpr
        body = ClosedJaxpr(Jaxpr([], j.constvars + j.invars, j.outvars, j.eqns), [])
        outs = bind(remat_p, *closed.consts, *flat, jaxpr=body, prevent_cse=prevent_cse,
                    policy=policy)
        return tree_unflatten(box["tree"], outs)

    return remat_f


@api_boundary
def remat(fun: Callable, *, prevent_cse: bool = True, policy: Callable | None = None,
          static_argnums: int | Sequence[int] = (),
          concrete: bool | _Deprecated = _DEPRECATED) -> Callable:
    """:func:`checkpoint` under its older name (without ``static_argnames``).

    >>> zenax.grad(zenax.remat(jnp.sin))(0.0)
    Array(1., dtype=float32, weak_type=True)
    """
    _check_concrete("checkpoint", concrete)
    return checkpoint(fun, prevent_cse=prevent_cse, policy=policy,
                      static_argnums=static_argnums)


def _check_concrete(name: str, concrete) -> None:
    # JAX 0.10 removed ``concrete`` but keeps the parameter to say what replaces it.
    if concrete is not _DEPRECATED:
        raise NotImplementedError(
            f"The `concrete` option to `jax.{name}` was deprecated in JAX v0.8.2, and removed "
            "in JAX v0.10.0. In its place please use `static_argnums`; for details refer to "
            "https://docs.jax.dev/en/latest/jep/11830-new-remat-checkpoint.html.")


# --------------------------------------------------------------------------- rules

def _remat_lower(*args, jaxpr, prevent_cse, policy):
    if prevent_cse and getattr(policy, "recompute_in_branch", False):
        outs = _lower_in_branch(jaxpr, args)
        if outs is not None:
            return outs
    if prevent_cse and args:
        args = jax.lax.optimization_barrier(list(args))
    return lower_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)


def _lower_in_branch(jaxpr: ClosedJaxpr, args) -> list | None:
    """Lower the body as the taken branch of a ``cond`` on a predicate that is always
    true but that XLA cannot decide, or None where that is not needed or possible.

    XLA:CPU removes optimization barriers *before* common-subexpression elimination,
    so a recomputation guarded only by a barrier is merged back into the forward
    pass's values (and those stay alive: no memory is saved).  Code inside a branch
    cannot be merged with code outside it, and the ``cond`` cannot run before all its
    operands -- the cotangents included -- exist, so the recomputation also happens
    late, where the backward pass needs it.  Other backends keep the barrier (a ``cond``
    there costs a predicate read on the host).
    """
    if jax.default_backend() != "cpu":
        return None
    source = next((x for x in args if x.size and np.dtype(x.dtype).kind in "biuf"), None)
    if source is None:
        return None
    first = jax.lax.reshape(jax.lax.slice(jax.lax.reshape(source, (source.size,)), (0,), (1,)),
                            ())
    if first.dtype == np.bool_:
        pred = jax.lax.bitwise_or(first, True)
    else:   # every bit pattern has a bit set once the lowest one is: x | 1 != 0
        if np.dtype(first.dtype).kind == "f":
            as_bits = np.dtype(f"uint{first.dtype.itemsize * 8}")
            first = jax.lax.bitcast_convert_type(first, as_bits)
        pred = jax.lax.ne(jax.lax.bitwise_or(first, jax.lax.full((), 1, first.dtype)),
                          jax.lax.full((), 0, first.dtype))

    def taken(xs):
        return lower_jaxpr(jaxpr.jaxpr, jaxpr.consts, *xs)

    def never(xs):
        return [jax.lax.full(a.shape, 0, a.dtype) for a in jaxpr.out_avals]
    return jax.lax.cond(pred, taken, never, list(args))


def _remat_impl(*args, jaxpr, prevent_cse, policy):
    return lower_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)


def _remat_jvp(primals, tangents, *, jaxpr, prevent_cse, policy):
    nonzero = [type(t) is not Zero for t in tangents]
    new, out_has_t = jvp_jaxpr(jaxpr, nonzero)
    outs = bind(remat_p, *primals, *[t for t in tangents if type(t) is not Zero], jaxpr=new,
                prevent_cse=prevent_cse, policy=policy)
    n = len(jaxpr.out_avals)
    t_out = iter(outs[n:])
    return outs[:n], [next(t_out) if has else Zero(tangent_aval(a))
                      for a, has in zip(jaxpr.out_avals, out_has_t)]


def _remat_batch(args, dims, *, jaxpr, prevent_cse, policy):
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    outs = bind(remat_p, *args, jaxpr=batch_jaxpr(jaxpr, size, dims), prevent_cse=prevent_cse,
                policy=policy)
    return outs, [0] * len(outs)


def _remat_transpose(cts, *args, jaxpr, prevent_cse, policy):
    linear = [is_undefined_primal(x) for x in args]
    ct_nonzero = [type(c) is not Zero for c in cts]
    new = transpose_jaxpr(jaxpr, linear, ct_nonzero)
    residuals = [x for x in args if not is_undefined_primal(x)]
    outs = iter(bind(remat_p, *residuals, *[c for c in cts if type(c) is not Zero], jaxpr=new,
                     prevent_cse=prevent_cse, policy=policy))
    return [next(outs) if lin else None for lin in linear]


def _split_known(j: Jaxpr, unknowns: Sequence[bool]):
    """The equations computable from the known inputs, and the rest.

    A nested ``remat`` or ``jit_call`` with some unknown operands is split in two when
    some of its outputs do not depend on them (its primal outputs, in a jvp): a copy
    computing those from the known operands goes with the known equations, and the whole
    call (its known outputs dropped) with the unknown ones.  Kept whole, the nested
    call's primal outputs would count as linear in the backward pass -- a checkpoint
    inside a checkpoint could not be transposed.
    """
    unknown_vars = {v for v, u in zip(j.invars, unknowns) if u}
    known_eqns, unknown_eqns = [], []
    for e in j.eqns:
        in_uk = [type(v) is not Literal and v in unknown_vars for v in e.invars]
        if not any(in_uk):
            known_eqns.append(e)
            continue
        split = _split_call(e, in_uk) if e.primitive in _SPLITTABLE_CALLS else None
        if split is None:
            unknown_eqns.append(e)
            unknown_vars.update(e.outvars)
            continue
        known_e, unknown_e, out_uk = split
        known_eqns.append(known_e)
        unknown_eqns.append(unknown_e)
        unknown_vars.update(v for v, u in zip(e.outvars, out_uk) if u)
    return known_eqns, unknown_eqns, unknown_vars


def _split_call(e: JaxprEqn, in_uk: list[bool]):
    """``(known copy, unknown copy, outputs unknown)`` of a call equation whose operands
    ``in_uk`` are unknown, or None when every output depends on them."""
    closed = e.params["jaxpr"]
    body = closed.jaxpr
    known_b, _, unknown_b = _split_known(body, in_uk)
    out_uk = [type(v) is not Literal and v in unknown_b for v in body.outvars]
    if all(out_uk):
        return None
    known_body = dce(Jaxpr(body.constvars, [v for v, u in zip(body.invars, in_uk) if not u],
                           [v for v, u in zip(body.outvars, out_uk) if not u], known_b))
    known_e = e._replace(
        invars=[x for x, u in zip(e.invars, in_uk) if not u],
        outvars=[v for v, u in zip(e.outvars, out_uk) if not u],
        params={**e.params, "jaxpr": ClosedJaxpr(known_body, closed.consts)})
    unknown_e = e._replace(outvars=[v if u else Var(v.aval)
                                    for v, u in zip(e.outvars, out_uk)])
    return known_e, unknown_e, out_uk


_SPLITTABLE_CALLS = (remat_p, jit_call_p)   # operands map one to one to the body's inputs


def saved_and_recomputed(known_eqns: Sequence[JaxprEqn], needed: set, saveable: Callable
                         ) -> tuple[set, list[JaxprEqn]]:
    """``(saved values, equations to recompute)`` when the unknown part reads ``needed``.

    Walk the known equations backwards from what the unknown part reads: a value whose
    equation is ``saveable`` becomes a residual (and its producer is *not* recomputed);
    anything else is recomputed from its own inputs.
    """
    needed = set(needed)
    saved_set, recompute = set(), []
    for e in reversed(known_eqns):
        outs_needed = [v for v in e.outvars if v in needed]
        if not outs_needed:
            continue
        if saveable(e):
            saved_set.update(outs_needed)
        else:
            recompute.append(e)
            needed.update(v for v in e.invars if type(v) is not Literal)
    recompute.reverse()
    return saved_set, recompute


def _remat_partial_eval(trace, args, *, jaxpr, prevent_cse, policy):
    """Known part: the primal outputs plus the values ``policy`` saves.  Unknown part: the
    rest, recomputing every unsaved intermediate from the (known) inputs."""
    j = jaxpr.jaxpr
    unknowns = [trace.is_own(x) for x in args]
    known_eqns, unknown_eqns, unknown_vars = _split_known(j, unknowns)
    out_uk = [type(v) is not Literal and v in unknown_vars for v in j.outvars]

    def saveable(e):
        return policy is not None and policy(e.primitive, *[x.aval for x in e.invars],
                                             **e.params)

    needed = {v for e in unknown_eqns for v in e.invars
              if type(v) is not Literal and v not in unknown_vars}
    unknown_outs = [v for v, u in zip(j.outvars, out_uk) if u]
    # A policy with ``split_residuals`` (memory_budget, remat_budget.py) sees the whole
    # function: it picks the saved values and arranges the recomputation itself.
    split = getattr(policy, "split_residuals", None)
    if split is not None:
        saved_set, body_eqns = split(known_eqns, unknown_eqns, needed, unknown_outs,
                                     prevent_cse)
    else:
        saved_set, recompute = saved_and_recomputed(known_eqns, needed, saveable)
        body_eqns = recompute + unknown_eqns
    saved = [v for e in known_eqns for v in e.outvars if v in saved_set]
    known_in = [v for v, u in zip(j.invars, unknowns) if not u]
    unknown_in = [v for v, u in zip(j.invars, unknowns) if u]
    known_outs = [v for v, u in zip(j.outvars, out_uk) if not u]
    known_j = dce(Jaxpr(j.constvars, known_in, known_outs + saved, known_eqns))
    body = dce(Jaxpr(j.constvars, known_in + saved + unknown_in, unknown_outs, body_eqns))
    known_args = [x for x, u in zip(args, unknowns) if not u]
    unknown_args = [x for x, u in zip(args, unknowns) if u]
    with set_current_trace(trace.parent):
        known_vals = bind(remat_p, *known_args, jaxpr=ClosedJaxpr(known_j, jaxpr.consts),
                          prevent_cse=prevent_cse, policy=policy)
    n_known_out = len(known_outs)
    unknown_vals = trace.stage(remat_p, known_args + known_vals[n_known_out:] + unknown_args,
                               dict(jaxpr=ClosedJaxpr(body, jaxpr.consts),
                                    prevent_cse=prevent_cse, policy=policy))
    k, u = iter(known_vals[:n_known_out]), iter(unknown_vals)
    return [next(u) if unk else next(k) for unk in out_uk]


impl_rules[remat_p] = _remat_impl
lowering_rules[remat_p] = _remat_lower
jvp_rules[remat_p] = _remat_jvp
batch_rules[remat_p] = _remat_batch
transpose_rules[remat_p] = _remat_transpose
partial_eval_rules[remat_p] = _remat_partial_eval
