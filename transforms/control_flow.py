"""Transform and lowering rules for ``cond``, ``while`` and ``scan`` (declared in
``lax/control_flow.py``).

Each rule applies its transform to the sub-jaxprs (helpers in ``subjaxpr.py``) and binds
the primitive again.  Reverse mode goes through partial evaluation: the known part of a
loop runs now and saves per-iteration *residuals*; the unknown (linear) part becomes a
second loop that reads them, and transposing that loop runs it backwards.
"""
from __future__ import annotations

import functools

import jax
import numpy as np

from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.core import (batch_rules, bind, get_aval, jvp_rules, lowering_rules,
                               set_current_trace, transpose_rules)
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, Var
from zenax.lax import elementwise as ew
from zenax.lax import reductions as red
from zenax.lax import shapes as sh
from zenax.lax.broadcasting import bdim_at_front, instantiate, moveaxis, zeros_like_aval
from zenax.lax.control_flow import cond, cond_p, scan, scan_p, while_p
from zenax.lax.registry import tangent_aval

from .linearize import partial_eval_rules
from .lowering import lower_jaxpr
from .passes import dce
from .subjaxpr import (batch_jaxpr, batch_jaxpr_natural, differentiable, eval_closed, jvp_jaxpr,
                       partial_eval_closed, trace_closed, transpose_jaxpr)
from .transpose import backward_pass
from .vmap import vmap_flat


def _lower_closed(closed: ClosedJaxpr, *args):
    return lower_jaxpr(closed.jaxpr, closed.consts, *args)


def _batch_size(args, dims):
    return next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)


def _merge(flags, if_true, if_false):
    a, b = iter(if_true), iter(if_false)
    return [next(a) if f else next(b) for f in flags]


# =========================================================================== cond

def _cond_lower(index, *ops, branches):
    return list(jax.lax.switch(index, [functools.partial(_lower_closed, b) for b in branches],
                               *ops))


def _cond_jvp(primals, tangents, *, branches):
    index, *ops = primals
    op_tangents = tangents[1:]
    nonzero = [type(t) is not Zero for t in op_tangents]
    # Every branch must give the same outputs: a tangent for each output that has one in
    # some branch (the others stay symbolic zeros, as in JAX).
    instantiate_out = [False] * len(branches[0].out_avals)
    for b in branches:
        instantiate_out = [a or h for a, h in zip(instantiate_out, jvp_jaxpr(b, nonzero)[1])]
    new = [jvp_jaxpr(b, nonzero, instantiate_out) for b in branches]
    out_has_t = new[0][1]
    outs = bind(cond_p, index, *ops, *[t for t in op_tangents if type(t) is not Zero],
                branches=tuple(j for j, _ in new))
    n = len(branches[0].out_avals)
    t_out = iter(outs[n:])
    return outs[:n], [next(t_out) if has else Zero(tangent_aval(a))
                      for a, has in zip(branches[0].out_avals, out_has_t)]


def _cond_partial_eval(trace, args, *, branches):
    index, *ops = args
    if trace.is_own(index):
        return trace.stage(cond_p, args, dict(branches=branches))
    unknowns = [trace.is_own(x) for x in ops]
    out_uk = [False] * len(branches[0].out_avals)
    for b in branches:
        out_uk = [a or b_ for a, b_ in zip(out_uk, partial_eval_closed(b, unknowns)[2])]
    splits = [partial_eval_closed(b, unknowns, instantiate=out_uk) for b in branches]
    n_known_out = out_uk.count(False)
    res_avals = [known.out_avals[n_known_out:] for known, _, _, _ in splits]
    known_branches, unknown_branches = [], []
    for i, (known, unknown, _, n_res) in enumerate(splits):
        before = [a for k in range(i) for a in res_avals[k]]
        after = [a for k in range(i + 1, len(splits)) for a in res_avals[k]]

        # Every branch outputs every branch's residual slots (zeros where not its own).
        def known_fun(*xs, known=known, before=before, after=after):
            outs = eval_closed(known, *xs)
            return (outs[:n_known_out] + [zeros_like_aval(a) for a in before] +
                    outs[n_known_out:] + [zeros_like_aval(a) for a in after])

        known_branches.append(trace_closed(known_fun, known.in_avals))
        uj = unknown.jaxpr
        invars = ([Var(a) for a in before] + uj.invars[:n_res] + [Var(a) for a in after] +
                  uj.invars[n_res:])
        unknown_branches.append(ClosedJaxpr(Jaxpr(uj.constvars, invars, uj.outvars, uj.eqns),
                                            unknown.consts))
    known_ops = [x for x, u in zip(ops, unknowns) if not u]
    unknown_ops = [x for x, u in zip(ops, unknowns) if u]
    with set_current_trace(trace.parent):
        known_outs = bind(cond_p, index, *known_ops, branches=tuple(known_branches))
    residuals = known_outs[n_known_out:]
    unknown_outs = trace.stage(cond_p, [index] + residuals + unknown_ops,
                               dict(branches=tuple(unknown_branches)))
    return _merge(out_uk, unknown_outs, known_outs[:n_known_out])


def _cond_transpose(cts, index, *ops, branches):
    if is_undefined_primal(index):
        raise ValueError("cond: the branch index cannot be a linear value.")
    linear = [is_undefined_primal(x) for x in ops]
    ct_nonzero = [type(c) is not Zero for c in cts]
    new = tuple(transpose_jaxpr(b, linear, ct_nonzero) for b in branches)
    residuals = [x for x in ops if not is_undefined_primal(x)]
    outs = iter(bind(cond_p, index, *residuals, *[c for c in cts if type(c) is not Zero],
                     branches=new))
    return [None] + [next(outs) if lin else None for lin in linear]


def _cond_batch(args, dims, *, branches):
    index, *ops = args
    i_dim, *op_dims = dims
    size = _batch_size(args, dims)
    if i_dim is not_mapped:
        # An output is batched if it varies over the batch in some branch; the others
        # stay unbatched, as in JAX (Equinox's checkpointed loops require it).
        out_b = [False] * len(branches[0].out_avals)
        for b in branches:
            out_b = batch_jaxpr_natural(b, size, op_dims, out_b)[1]
        new = tuple(batch_jaxpr_natural(b, size, op_dims, out_b)[0] for b in branches)
        outs = bind(cond_p, index, *ops, branches=new)
        return outs, [0 if b else not_mapped for b in out_b]
    # A batched predicate: every branch runs on the whole batch; select per element.
    per_branch = [vmap_flat(functools.partial(eval_closed, b), size, None, list(op_dims),
                            list(ops), lambda k: [0] * k) for b in branches]
    index = moveaxis(index, i_dim, 0)
    outs = []
    for k in range(len(branches[0].out_avals)):
        cases = [outs_b[k] for outs_b in per_branch]
        shape = get_aval(cases[0]).shape
        outs.append(ew.select_n(sh.broadcast_in_dim(index, shape, (0,)), *cases))
    return outs, [0] * len(outs)


lowering_rules[cond_p] = _cond_lower
jvp_rules[cond_p] = _cond_jvp
partial_eval_rules[cond_p] = _cond_partial_eval
transpose_rules[cond_p] = _cond_transpose
batch_rules[cond_p] = _cond_batch


# =========================================================================== while

def _split3(args, n1, n2):
    """Operands in three groups: the first ``n1``, the next ``n2``, the rest (while:
    cond consts / body consts / carry; scan: consts / carry / xs)."""
    return list(args[:n1]), list(args[n1:n1 + n2]), list(args[n1 + n2:])


def _while_lower(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, max_steps):
    cc, bc, init = _split3(args, cond_nconsts, body_nconsts)
    if max_steps is None:
        cond_fn = lambda carry: _lower_closed(cond_jaxpr, *cc, *carry)[0]
        body_fn = lambda carry: tuple(_lower_closed(body_jaxpr, *bc, *carry))
        return list(jax.lax.while_loop(cond_fn, body_fn, tuple(init)))
    # Bounded: stop after max_steps iterations at the latest.
    cond_fn = lambda c: jax.lax.bitwise_and(c[0] < max_steps,
                                            _lower_closed(cond_jaxpr, *cc, *c[1:])[0])
    body_fn = lambda c: (c[0] + 1,) + tuple(_lower_closed(body_jaxpr, *bc, *c[1:]))
    return list(jax.lax.while_loop(cond_fn, body_fn, (np.int32(0),) + tuple(init))[1:])


def _carries_with_tangents(body: ClosedJaxpr, consts_nz: list, init_t: list, xs_nz: list):
    """Which carries of a loop get a tangent: those with one on entry and (a fixed point)
    those the body gives one from them; the others keep a symbolic zero throughout, as in
    JAX (a carry that does not depend on the input is not differentiated -- Equinox's
    ``nondifferentiable`` relies on it).  Returns ``(carry_nz, out_nz)``, ``out_nz`` for
    every body output with the final ``carry_nz``."""
    n = len(init_t)
    carry_nz = [type(t) is not Zero and differentiable(a)
                for t, a in zip(init_t, body.out_avals[:n])]
    while True:
        out_nz = jvp_jaxpr(body, consts_nz + carry_nz + xs_nz)[1]
        if all(a or not b for a, b in zip(carry_nz, out_nz[:n])):
            return carry_nz, out_nz
        carry_nz = [a or b for a, b in zip(carry_nz, out_nz[:n])]


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts,
               max_steps):
    cc, bc, init = _split3(primals, cond_nconsts, body_nconsts)
    _, bc_t, init_t = _split3(tangents, cond_nconsts, body_nconsts)
    bc_nz = [type(t) is not Zero for t in bc_t]
    carry_nz = _carries_with_tangents(body_jaxpr, bc_nz, init_t, [])[0]
    body_jvp, _ = jvp_jaxpr(body_jaxpr, bc_nz + carry_nz, instantiate_out=carry_nz)
    nb, nbt = len(bc), sum(bc_nz)
    ncarry = len(init)

    # Reorder the jvp body's inputs to (consts, const tangents, carry, carry tangents).
    def body_fun(*args):
        consts, consts_t = args[:nb], args[nb:nb + nbt]
        carry, carry_t = args[nb + nbt:nb + nbt + ncarry], args[nb + nbt + ncarry:]
        return eval_closed(body_jvp, *consts, *carry, *consts_t, *carry_t)

    carry_t_avals = [tangent_aval(a) for a, nz in zip(body_jaxpr.out_avals, carry_nz) if nz]
    body_avals = (body_jaxpr.in_avals[:nb] + [tangent_aval(a) for a, nz in
                                               zip(body_jaxpr.in_avals[:nb], bc_nz) if nz] +
                  body_jaxpr.in_avals[nb:] + carry_t_avals)
    new_body = trace_closed(body_fun, body_avals)
    new_cond = trace_closed(lambda *a: eval_closed(cond_jaxpr, *a[:cond_nconsts + ncarry]),
                            cond_jaxpr.in_avals + carry_t_avals)
    init_t_inst = [instantiate(t) for t, nz in zip(init_t, carry_nz) if nz]
    outs = bind(while_p, *cc, *bc, *[t for t in bc_t if type(t) is not Zero], *init,
                *init_t_inst, cond_jaxpr=new_cond, body_jaxpr=new_body,
                cond_nconsts=cond_nconsts, body_nconsts=nb + nbt, max_steps=max_steps)
    t_out = iter(outs[ncarry:])
    return outs[:ncarry], [next(t_out) if nz else Zero(tangent_aval(a))
                           for a, nz in zip(body_jaxpr.out_avals, carry_nz)]


def _while_as_scan(args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, max_steps):
    """A bounded while loop as a scan of ``max_steps`` steps, each a ``cond`` that runs the
    body while the predicate holds and passes the carry through after (differentiable).
    A ``cond`` rather than a ``select``: finished steps do no work, and a body that is
    singular past the exit point (``sqrt(c - 1)`` once ``c <= 1``) cannot leak NaNs into
    the gradient."""
    cc, bc, init = _split3(args, cond_nconsts, body_nconsts)

    def step(carry, _):
        active = eval_closed(cond_jaxpr, *cc, *carry)[0]
        new = cond(active, lambda c: eval_closed(body_jaxpr, *bc, *c), lambda c: list(c), carry)
        return new, None

    out, _ = scan(step, list(init), None, length=max_steps)
    return out


def _while_partial_eval(trace, args, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts,
                        max_steps):
    params = dict(cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr, cond_nconsts=cond_nconsts,
                  body_nconsts=body_nconsts, max_steps=max_steps)
    if max_steps is not None:
        # Reverse mode through a bounded loop: rewrite it as a masked scan.
        with set_current_trace(trace):
            return _while_as_scan(args, **params)
    cc, bc, init = _split3(args, cond_nconsts, body_nconsts)
    carry_uk = [trace.is_own(x) for x in init]
    bc_uk = [trace.is_own(x) for x in bc]
    while True:
        out_uk = partial_eval_closed(body_jaxpr, bc_uk + carry_uk)[2]
        new = [a or b for a, b in zip(carry_uk, out_uk)]
        if new == carry_uk:
            break
        carry_uk = new
    cond_uk = partial_eval_closed(cond_jaxpr, [trace.is_own(x) for x in cc] + carry_uk)[2][0]
    if cond_uk or all(carry_uk):
        return trace.stage(while_p, args, params)
    # An unknown carry the body passes through unchanged leaves the loop as it entered
    # (the tangent of a loop-invariant value): no staged loop is needed for it.
    bj = body_jaxpr.jaxpr
    forwarded = [u and bj.outvars[i] is bj.invars[body_nconsts + i]
                 for i, u in enumerate(carry_uk)]
    # Known carries are computed now by a loop over the known part of the body; the
    # unknown ones by the whole loop, staged (it recomputes the known part). Transposing
    # that staged loop is refused with advice to pass max_steps.
    known, _, _, _ = partial_eval_closed(body_jaxpr, bc_uk + carry_uk, instantiate=carry_uk)
    n_known = carry_uk.count(False)
    kj = known.jaxpr
    known_body = ClosedJaxpr(dce(Jaxpr(kj.constvars, kj.invars, kj.outvars[:n_known], kj.eqns)),
                             known.consts)
    known_bc = [x for x, u in zip(bc, bc_uk) if not u]
    known_init = [x for x, u in zip(init, carry_uk) if not u]

    def known_cond(*a):
        consts, carry = a[:cond_nconsts], iter(a[cond_nconsts:])
        full = [next(carry) if not u else zeros_like_aval(av)
                for u, av in zip(carry_uk, body_jaxpr.out_avals)]
        return eval_closed(cond_jaxpr, *consts, *full)

    known_cond_j = trace_closed(known_cond, cond_jaxpr.in_avals[:cond_nconsts] +
                                [a for a, u in zip(body_jaxpr.out_avals, carry_uk) if not u])
    with set_current_trace(trace.parent):
        known_outs = bind(while_p, *cc, *known_bc, *known_init, cond_jaxpr=known_cond_j,
                          body_jaxpr=known_body, cond_nconsts=cond_nconsts,
                          body_nconsts=len(known_bc), max_steps=None)
    staged = (init if all(f == u for f, u in zip(forwarded, carry_uk)) else
              trace.stage(while_p, args, params))
    known = iter(known_outs)
    return [x if f else s if u else next(known)
            for x, s, u, f in zip(init, staged, carry_uk, forwarded)]


def _while_transpose(cts, *args, **params):
    raise ValueError(
        "Reverse-mode differentiation does not work for lax.while_loop without a bound on "
        "its trip count. Pass `max_steps=N` to zenax.lax.while_loop (zenax then "
        "differentiates it as N masked steps), or use lax.scan / lax.fori_loop with static "
        "bounds.")


def _while_batch(args, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts,
                 max_steps):
    size = _batch_size(args, dims)
    cc, bc, init = _split3(args, cond_nconsts, body_nconsts)
    cc_d, bc_d, init_d = _split3(dims, cond_nconsts, body_nconsts)
    # The carries that need a batch axis: those batched on entry, and (a fixed point) those
    # the body makes vary from a batched one.  The rest stay unbatched, as in JAX (a loop
    # may keep a counter unbatched; Equinox's checkpointed loop requires it).
    carry_b = [d is not not_mapped for d in init_d]
    while True:
        carry_d = [0 if b else not_mapped for b in carry_b]
        body_b, out_b = batch_jaxpr_natural(body_jaxpr, size, list(bc_d) + carry_d, carry_b)
        if out_b == carry_b:
            break
        carry_b = [a or b for a, b in zip(carry_b, out_b)]
    cond_b, (pred_b,) = batch_jaxpr_natural(cond_jaxpr, size, list(cc_d) + carry_d, [False])
    if not pred_b:   # one predicate for the whole batch: the fixed point's body, batched
        init = [bdim_at_front(x, d, size) if b else x
                for x, d, b in zip(init, init_d, carry_b)]
        outs = bind(while_p, *cc, *bc, *init, cond_jaxpr=cond_b, body_jaxpr=body_b,
                    cond_nconsts=cond_nconsts, body_nconsts=body_nconsts, max_steps=max_steps)
        return outs, carry_d
    # A predicate per element: every carry is batched at axis 0, and updated only where
    # its element's loop is still running.
    init = [bdim_at_front(x, d, size) for x, d in zip(init, init_d)]
    carry_dims = [0] * len(init)
    body_b = batch_jaxpr(body_jaxpr, size, list(bc_d) + carry_dims)
    cond_b = batch_jaxpr(cond_jaxpr, size, list(cc_d) + carry_dims)
    # The predicate is now a vector: loop while any element is active, and update only
    # the active ones.
    ncc = cond_nconsts

    def cond_fun(*a):
        pred = eval_closed(cond_b, *a)[0]
        return [red.reduce_or(pred, (0,))]

    def body_fun(*a):
        consts_c, consts_b, carry = a[:ncc], a[ncc:ncc + len(bc)], a[ncc + len(bc):]
        pred = eval_closed(cond_b, *consts_c, *carry)[0]
        new = eval_closed(body_b, *consts_b, *carry)
        return [ew.select_n(sh.broadcast_in_dim(pred, get_aval(o).shape, (0,)), o, n)
                for o, n in zip(carry, new)]

    carry_avals = [get_aval(x) for x in init]
    cc_avals = [get_aval(x) for x in cc]
    bc_avals = [get_aval(x) for x in bc]
    new_cond = trace_closed(cond_fun, cc_avals + carry_avals)
    new_body = trace_closed(body_fun, cc_avals + bc_avals + carry_avals)
    outs = bind(while_p, *cc, *cc, *bc, *init, cond_jaxpr=new_cond, body_jaxpr=new_body,
                cond_nconsts=ncc, body_nconsts=ncc + len(bc), max_steps=max_steps)
    return outs, [0] * len(outs)


lowering_rules[while_p] = _while_lower
jvp_rules[while_p] = _while_jvp
partial_eval_rules[while_p] = _while_partial_eval
transpose_rules[while_p] = _while_transpose
batch_rules[while_p] = _while_batch


# =========================================================================== scan



def _scan_lower(*args, jaxpr, length, reverse, unroll, num_consts, num_carry):
    consts, init, xs = _split3(args, num_consts, num_carry)

    def body(carry, x):
        outs = _lower_closed(jaxpr, *consts, *carry, *x)
        return tuple(outs[:num_carry]), tuple(outs[num_carry:])

    carry, ys = jax.lax.scan(body, tuple(init), tuple(xs), length=length, reverse=reverse,
                             unroll=unroll)
    return list(carry) + list(ys)


def _scan_jvp(primals, tangents, *, jaxpr, length, reverse, unroll, num_consts, num_carry):
    consts, init, xs = _split3(primals, num_consts, num_carry)
    consts_t, init_t, xs_t = _split3(tangents, num_consts, num_carry)
    c_nz = [type(t) is not Zero for t in consts_t]
    x_nz = [type(t) is not Zero for t in xs_t]
    carry_nz, out_nz = _carries_with_tangents(jaxpr, c_nz, init_t, x_nz)
    y_has_t = out_nz[num_carry:]
    body_jvp, _ = jvp_jaxpr(jaxpr, c_nz + carry_nz + x_nz, instantiate_out=carry_nz + y_has_t)
    nc, ncarry, nx = len(consts), len(init), len(xs)
    nct, ncarryt = sum(c_nz), sum(carry_nz)

    # Reorder to scan's layout: (consts, const tangents), (carry, carry tangents),
    # (xs, x tangents) -> (carry, carry tangents), (ys, y tangents).
    def body_fun(*a):
        i = 0
        cs, i = a[i:i + nc], i + nc
        cts, i = a[i:i + nct], i + nct
        carry, i = a[i:i + ncarry], i + ncarry
        carry_t, i = a[i:i + ncarryt], i + ncarryt
        x, x_t = a[i:i + nx], a[i + nx:]
        outs = eval_closed(body_jvp, *cs, *carry, *x, *cts, *carry_t, *x_t)
        n_out = len(jaxpr.out_avals)
        p, t = outs[:n_out], outs[n_out:]
        return p[:num_carry] + t[:ncarryt] + p[num_carry:] + t[ncarryt:]

    in_avals = jaxpr.in_avals
    ca, carry_a, xa = _split3(in_avals, num_consts, num_carry)
    body_avals = (ca + [tangent_aval(a) for a, nz in zip(ca, c_nz) if nz] + carry_a +
                  [tangent_aval(a) for a, nz in zip(carry_a, carry_nz) if nz] + xa +
                  [tangent_aval(a) for a, nz in zip(xa, x_nz) if nz])
    new_body = trace_closed(body_fun, body_avals)
    init_t_inst = [instantiate(t) for t, nz in zip(init_t, carry_nz) if nz]
    outs = bind(scan_p, *consts, *[t for t in consts_t if type(t) is not Zero], *init,
                *init_t_inst, *xs, *[t for t in xs_t if type(t) is not Zero],
                jaxpr=new_body, length=length, reverse=reverse, unroll=unroll,
                num_consts=nc + nct, num_carry=ncarry + ncarryt)
    carry_out, carry_t_out = outs[:ncarry], iter(outs[ncarry:ncarry + ncarryt])
    rest = outs[ncarry + ncarryt:]
    n_y = len(jaxpr.out_avals) - num_carry
    ys, ys_t = rest[:n_y], iter(rest[n_y:])
    primals_out = list(carry_out) + list(ys)
    t_carry = [next(carry_t_out) if nz else Zero(tangent_aval(a))
               for a, nz in zip(jaxpr.out_avals[:num_carry], carry_nz)]
    t_ys = [next(ys_t) if has else Zero(tangent_aval(get_aval(y)))
            for y, has in zip(ys, y_has_t)]
    return primals_out, t_carry + t_ys


def _scan_partial_eval(trace, args, *, jaxpr, length, reverse, unroll, num_consts, num_carry):
    consts, init, xs = _split3(args, num_consts, num_carry)
    const_uk = [trace.is_own(x) for x in consts]
    carry_uk = [trace.is_own(x) for x in init]
    xs_uk = [trace.is_own(x) for x in xs]
    while True:   # a carry is unknown if it starts unknown or becomes unknown in the body
        out_uk = partial_eval_closed(jaxpr, const_uk + carry_uk + xs_uk)[2]
        new = [a or b for a, b in zip(carry_uk, out_uk[:num_carry])]
        if new == carry_uk:
            break
        carry_uk = new
    n_ys = len(jaxpr.out_avals) - num_carry
    known, unknown, out_uk, n_res = partial_eval_closed(
        jaxpr, const_uk + carry_uk + xs_uk, instantiate=carry_uk + [False] * n_ys)
    kj = known.jaxpr
    n_known_out = out_uk.count(False)
    n_kc, n_kcarry = const_uk.count(False), carry_uk.count(False)
    known_consts = [x for x, u in zip(consts, const_uk) if not u]
    known_xs = [x for x, u in zip(xs, xs_uk) if not u]
    # Residuals that are known consts of the body are loop-invariant: passed as consts of
    # the unknown scan.  Residuals that are known xs are passed as xs.  The others are
    # saved per iteration as extra ys of the known scan.
    invariant_vals = dict(zip(kj.invars[:n_kc], known_consts))
    invariant_vals.update(zip(kj.constvars, known.consts))
    xs_vals = dict(zip(kj.invars[n_kc + n_kcarry:], known_xs))
    res_vars = kj.outvars[n_known_out:]
    invariant = [i for i, r in enumerate(res_vars) if r in invariant_vals]
    forwarded = [i for i, r in enumerate(res_vars) if r in xs_vals and r not in invariant_vals]
    per_iter = [i for i in range(n_res) if i not in invariant and i not in forwarded]
    known_j = Jaxpr(kj.constvars, kj.invars,
                    kj.outvars[:n_known_out] + [res_vars[i] for i in per_iter], kj.eqns)
    known_closed = ClosedJaxpr(dce(known_j), known.consts)
    known_args = [x for x, u in zip(args, const_uk + carry_uk + xs_uk) if not u]
    with set_current_trace(trace.parent):
        known_outs = bind(scan_p, *known_args, jaxpr=known_closed, length=length,
                          reverse=reverse, unroll=unroll, num_consts=n_kc, num_carry=n_kcarry)
    known_carry_out = known_outs[:n_kcarry]
    known_ys = known_outs[n_kcarry:n_known_out]
    res_stacks = known_outs[n_known_out:]
    # The unknown scan: consts = invariant residuals + unknown consts; carry = unknown
    # carries; xs = per-iteration residuals + forwarded xs + unknown xs.
    uj = unknown.jaxpr
    res_in, uk_in = uj.invars[:n_res], uj.invars[n_res:]
    n_uc, n_ucarry = const_uk.count(True), carry_uk.count(True)
    invars = ([res_in[i] for i in invariant] + uk_in[:n_uc] + uk_in[n_uc:n_uc + n_ucarry] +
              [res_in[i] for i in per_iter + forwarded] + uk_in[n_uc + n_ucarry:])
    unknown_closed = ClosedJaxpr(Jaxpr(uj.constvars, invars, uj.outvars, uj.eqns),
                                 unknown.consts)
    uk_consts = [x for x, u in zip(consts, const_uk) if u]
    uk_init = [x for x, u in zip(init, carry_uk) if u]
    uk_xs = [x for x, u in zip(xs, xs_uk) if u]
    unknown_outs = trace.stage(
        scan_p, [invariant_vals[res_vars[i]] for i in invariant] + uk_consts + uk_init +
        list(res_stacks) + [xs_vals[res_vars[i]] for i in forwarded] + uk_xs,
        dict(jaxpr=unknown_closed, length=length, reverse=reverse, unroll=unroll,
             num_consts=len(invariant) + n_uc, num_carry=n_ucarry))
    return _merge(out_uk, unknown_outs, list(known_carry_out) + list(known_ys))


def _scan_transpose(cts, *args, jaxpr, length, reverse, unroll, num_consts, num_carry):
    consts, init, xs = _split3(args, num_consts, num_carry)
    const_lin = [is_undefined_primal(c) for c in consts]
    xs_lin = [is_undefined_primal(x) for x in xs]
    # A carry may start from a known value (an instantiated zero tangent that partial
    # evaluation promoted to unknown); it is treated as linear and gets no cotangent.
    ct_carry = [instantiate(c) if type(c) is not Zero else zeros_like_aval(c.aval)
                for c in cts[:num_carry]]
    y_avals = jaxpr.out_avals[num_carry:]
    ct_ys = [zeros_like_aval(a.update(shape=(length,) + a.shape)) if type(c) is Zero else c
             for c, a in zip(cts[num_carry:], y_avals)]
    res_consts = [c for c, lin in zip(consts, const_lin) if not lin]
    res_xs = [x for x, lin in zip(xs, xs_lin) if not lin]
    j = jaxpr.jaxpr
    c_vars, carry_vars, x_vars = _split3(j.invars, num_consts, num_carry)
    res_c_vars = [v for v, lin in zip(c_vars, const_lin) if not lin]
    res_x_vars = [v for v, lin in zip(x_vars, xs_lin) if not lin]
    lin_c_vars = [v for v, lin in zip(c_vars, const_lin) if lin]
    lin_x_vars = [v for v, lin in zip(x_vars, xs_lin) if lin]
    linear_body = Jaxpr(j.constvars + res_c_vars + res_x_vars,
                        lin_c_vars + carry_vars + lin_x_vars, j.outvars, j.eqns)
    n_rc, n_lc, n_rx = len(res_c_vars), len(lin_c_vars), len(res_x_vars)

    def body_t(*a):
        res_c, acc = a[:n_rc], a[n_rc:n_rc + n_lc]
        ct_c = a[n_rc + n_lc:n_rc + n_lc + num_carry]
        rest = a[n_rc + n_lc + num_carry:]
        res_x, ct_y = rest[:n_rx], rest[n_rx:]
        cts_in = backward_pass(linear_body, list(jaxpr.consts) + list(res_c) + list(res_x),
                               list(ct_c) + list(ct_y))
        cts_in = [instantiate(c) for c in cts_in]
        ct_lin_c, ct_carry_in, ct_lin_x = (cts_in[:n_lc], cts_in[n_lc:n_lc + num_carry],
                                           cts_in[n_lc + num_carry:])
        acc = [ew.add(a_, c) for a_, c in zip(acc, ct_lin_c)]
        return acc + ct_carry_in + ct_lin_x

    avals = ([v.aval for v in res_c_vars] + [v.aval for v in lin_c_vars] +
             [v.aval for v in carry_vars] + [v.aval for v in res_x_vars] + list(y_avals))
    body_j = trace_closed(body_t, avals)
    acc0 = [zeros_like_aval(v.aval) for v in lin_c_vars]
    outs = bind(scan_p, *res_consts, *acc0, *ct_carry, *res_xs, *ct_ys, jaxpr=body_j,
                length=length, reverse=not reverse, unroll=unroll, num_consts=n_rc,
                num_carry=n_lc + num_carry)
    ct_consts, ct_init, ct_xs = (iter(outs[:n_lc]), outs[n_lc:n_lc + num_carry],
                                 iter(outs[n_lc + num_carry:]))
    return ([next(ct_consts) if lin else None for lin in const_lin] +
            [ct if is_undefined_primal(c) else None for ct, c in zip(ct_init, init)] +
            [next(ct_xs) if lin else None for lin in xs_lin])


def _scan_batch(args, dims, *, jaxpr, length, reverse, unroll, num_consts, num_carry):
    size = _batch_size(args, dims)
    consts, init, xs = _split3(args, num_consts, num_carry)
    c_d, init_d, xs_d = _split3(dims, num_consts, num_carry)
    init = [bdim_at_front(x, d, size) for x, d in zip(init, init_d)]
    # The scanned axis stays first; a batched x carries its batch axis at position 1.
    xs = [x if d is not_mapped else moveaxis(x, d, 1) for x, d in zip(xs, xs_d)]
    x_body_dims = [not_mapped if d is not_mapped else 0 for d in xs_d]
    body = batch_jaxpr(jaxpr, size, list(c_d) + [0] * len(init) + x_body_dims)
    outs = bind(scan_p, *consts, *init, *xs, jaxpr=body, length=length, reverse=reverse,
                unroll=unroll, num_consts=num_consts, num_carry=num_carry)
    return outs, [0] * num_carry + [1] * (len(outs) - num_carry)


lowering_rules[scan_p] = _scan_lower
jvp_rules[scan_p] = _scan_jvp
partial_eval_rules[scan_p] = _scan_partial_eval
transpose_rules[scan_p] = _scan_transpose
batch_rules[scan_p] = _scan_batch
