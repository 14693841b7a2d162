"""Transforms applied to a sub-jaxpr, for the rules of higher-order primitives.

The rule of ``jit_call``, ``cond``, ``while`` or ``scan`` under a transform is "apply the
transform to the body and bind the primitive again on the result".  These helpers do the
"apply to the body" part, each returning a new :class:`ClosedJaxpr`:

- :func:`jvp_jaxpr` -- primals and the nonzero tangents in; primals and tangents out;
- :func:`batch_jaxpr` -- batched inputs (by ``dims``) in; outputs batched at axis 0;
  :func:`batch_jaxpr_natural` leaves the outputs that do not vary unbatched;
- :func:`transpose_jaxpr` -- residuals and cotangents in; cotangents of linear inputs out;
- :func:`partial_eval_closed` -- split into the part computable now and the rest.
"""
from __future__ import annotations

from typing import Callable, Sequence

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Tracer, current_trace, set_current_trace
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, eval_jaxpr
from zenax.tracer.staging import trace_to_jaxpr
from zenax.lax.broadcasting import instantiate
from zenax.lax.registry import tangent_aval

from . import passes
from .jvp import jvp_flat
from .linearize import PartialEvalTrace
from .transpose import backward_pass
from .vmap import vmap_flat, vmap_flat_natural


def eval_closed(closed: ClosedJaxpr, *args) -> list:
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)


def trace_closed(fun: Callable, in_avals: Sequence[ShapedArray]) -> ClosedJaxpr:
    """Stage ``fun`` into a closed jaxpr; its consts must be concrete (rule bodies never
    close over tracers: they only evaluate closed jaxprs)."""
    closed, _ = trace_to_jaxpr(fun, list(in_avals))
    assert not any(isinstance(c, Tracer) for c in closed.consts), "sub-jaxpr closed over a tracer"
    return ClosedJaxpr(passes.dce(closed.jaxpr), closed.consts)


def differentiable(aval: ShapedArray) -> bool:
    return dtypes.is_inexact(aval.dtype)


def jvp_jaxpr(closed: ClosedJaxpr, nonzero: Sequence[bool],
              instantiate_out: Sequence[bool] | None = None):
    """``(primals, nonzero tangents) -> (primals out, tangents out)``.

    Output tangents are produced for the differentiable outputs that depend on a nonzero
    tangent -- the others are symbolic zeros, as in JAX -- or, with ``instantiate_out``,
    exactly for those it marks.  Returns ``(jaxpr, out_has_tangent)``.
    """
    avals = closed.in_avals
    n = len(avals)
    box = {}

    def fun(*args):
        ts = iter(args[n:])
        tangents = [next(ts) if nz else Zero(tangent_aval(a)) for a, nz in zip(avals, nonzero)]
        p_out, t_out = jvp_flat(lambda *xs: eval_closed(closed, *xs), list(args[:n]), tangents,
                                instantiate_zeros=False)
        if instantiate_out is None:
            has_t = [differentiable(a) and type(t) is not Zero
                     for a, t in zip(closed.out_avals, t_out)]
        else:
            has_t = list(instantiate_out)
        box["has_t"] = has_t
        return list(p_out) + [instantiate(t) for t, has in zip(t_out, has_t) if has]

    in_avals = list(avals) + [tangent_aval(a) for a, nz in zip(avals, nonzero) if nz]
    return trace_closed(fun, in_avals), box["has_t"]


def batch_jaxpr(closed: ClosedJaxpr, size: int, dims: Sequence, axis_name=None) -> ClosedJaxpr:
    """Inputs batched along ``dims`` (``not_mapped`` for unbatched) -> every output batched
    at axis 0."""
    in_avals = []
    for a, d in zip(closed.in_avals, dims):
        in_avals.append(a if d is not_mapped else
                        a.update(shape=a.shape[:d] + (size,) + a.shape[d:]))
    fun = lambda *xs: vmap_flat(lambda *ys: eval_closed(closed, *ys), size, axis_name,
                                list(dims), list(xs), lambda k: [0] * k)
    return trace_closed(fun, in_avals)


def batch_jaxpr_natural(closed: ClosedJaxpr, size: int, dims: Sequence,
                        instantiate: Sequence[bool]) -> tuple[ClosedJaxpr, list]:
    """Inputs batched along ``dims`` -> outputs batched at axis 0 where they vary over the
    batch (or ``instantiate`` marks them), unbatched elsewhere.  Returns ``(jaxpr,
    out_batched)``."""
    in_avals = [a if d is not_mapped else a.update(shape=a.shape[:d] + (size,) + a.shape[d:])
                for a, d in zip(closed.in_avals, dims)]
    box = {}

    def fun(*xs):
        outs, box["batched"] = vmap_flat_natural(lambda *ys: eval_closed(closed, *ys), size,
                                                 list(dims), list(xs), list(instantiate))
        return outs

    return trace_closed(fun, in_avals), box["batched"]


def transpose_jaxpr(closed: ClosedJaxpr, linear: Sequence[bool], ct_nonzero: Sequence[bool]):
    """``(residual inputs, nonzero output cotangents) -> cotangents of the linear inputs``."""
    j = closed.jaxpr
    res_vars = [v for v, lin in zip(j.invars, linear) if not lin]
    lin_vars = [v for v, lin in zip(j.invars, linear) if lin]
    # Residual inputs become constvars: the jaxpr is linear in the rest.
    linear_jaxpr = Jaxpr(j.constvars + res_vars, lin_vars, j.outvars, j.eqns)
    res_avals = [v.aval for v in res_vars]
    ct_avals = [a for a, nz in zip(closed.out_avals, ct_nonzero) if nz]

    def fun(*args):
        res, cts_nz = list(args[:len(res_avals)]), iter(args[len(res_avals):])
        cts = [next(cts_nz) if nz else Zero(a) for a, nz in zip(closed.out_avals, ct_nonzero)]
        cts_in = backward_pass(linear_jaxpr, list(closed.consts) + res, cts)
        return [instantiate(c) for c in cts_in]

    return trace_closed(fun, res_avals + ct_avals)


def partial_eval_closed(closed: ClosedJaxpr, in_unknowns: Sequence[bool],
                       instantiate: Sequence[bool] | None = None):
    """Split ``closed`` into a known part and an unknown part.

    The jaxpr is evaluated under a :class:`PartialEvalTrace` whose parent stages the known
    part, so equations of higher-order primitives (``scan`` inside a loop body, ...) are
    split by their own partial-eval rules rather than made unknown as a whole.  Returns
    ``(known, unknown, out_unknowns, num_res)``: ``known`` maps the known inputs to the
    known outputs followed by ``num_res`` residuals (known values the unknown part needs);
    ``unknown`` maps the residuals followed by the unknown inputs to the unknown outputs.
    Outputs flagged in ``instantiate`` are made unknown even if computable now (passed
    through as residuals).
    """
    j = closed.jaxpr
    box = {}

    def known_fun(*known_args):
        known_args = iter(known_args)
        pe = PartialEvalTrace(parent=current_trace())
        args = [pe.new_arg(v.aval) if u else next(known_args) for v, u in zip(j.invars, in_unknowns)]
        with set_current_trace(pe):
            outs = eval_jaxpr(j, closed.consts, *args)
        out_uk = [pe.is_own(o) for o in outs]
        if instantiate is not None:
            out_uk = [u or inst for u, inst in zip(out_uk, instantiate)]
        staged = pe.to_closed_jaxpr([o for o, u in zip(outs, out_uk) if u])
        sj = staged.jaxpr
        # Consts that are known tracers are residuals; concrete ones stay consts.
        is_res = [isinstance(c, Tracer) for c in staged.consts]
        res_vars = [v for v, r in zip(sj.constvars, is_res) if r]
        unknown = Jaxpr([v for v, r in zip(sj.constvars, is_res) if not r], res_vars + sj.invars,
                        sj.outvars, sj.eqns)
        unknown = passes.dce(unknown)
        # Residuals the unknown part does not use after DCE are not saved.
        used = {v for e in unknown.eqns for v in e.invars} | set(unknown.outvars)
        residuals = [(v, c) for v, c in zip(res_vars, [c for c, r in zip(staged.consts, is_res)
                                                        if r]) if v in used]
        box["unknown"] = ClosedJaxpr(
            Jaxpr(unknown.constvars, [v for v, _ in residuals] + sj.invars, unknown.outvars,
                  unknown.eqns),
            [c for c, r in zip(staged.consts, is_res) if not r])
        box["out_uk"], box["num_res"] = out_uk, len(residuals)
        return [o for o, u in zip(outs, out_uk) if not u] + [c for _, c in residuals]

    known = trace_closed(known_fun, [v.aval for v, u in zip(j.invars, in_unknowns) if not u])
    return known, box["unknown"], box["out_uk"], box["num_res"]

