"""How ``shard_map`` behaves under the other transforms: jvp, partial evaluation (so
``linearize``/``grad``), transpose and batching.

Each rule applies its transform to the per-shard body (``subjaxpr.py``) and binds a new
``shard_map``, with specs for the values it adds: a tangent or cotangent is laid out like
its primal; a batch axis is added to the specs unsharded; a residual saved between the
known and the unknown half of a linearized body is stacked along its leading axis over
the devices it varies over (``residual_spec``).  A ``check_vma=True`` body is typed again
after each rule (``varying_axes.py``): that is where reverse mode gets its ``psum``s.  With
``check_vma=False`` the body is untyped, and transposition follows JAX's conservative
rule instead: each cotangent is divided by the size of the axes its output is replicated
over, and each input's cotangent is summed over the axes its input is replicated over.

Derived bodies are cached on the body they come from (in ``jit_call``'s rule cache, which
``clear_caches`` empties), so each is traced, and compiled, once.  The mesh axes stay
bound (``axis_env``) while a body is transformed, so user rules that call collectives (a
custom_jvp's jvp) find them.
"""
from __future__ import annotations

import math

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.core import (batch_rules, bind, get_aval, jvp_rules, set_current_trace,
                               transpose_rules)
from zenax.tracer.ir import ClosedJaxpr
from zenax.lax import elementwise as ew
from zenax.lax import shapes as sh
from zenax.lax.broadcasting import batch_size
from zenax.lax.parallel import psum_p
from zenax.lax.registry import const, tangent_aval
from zenax.lax.sharding_constraint import insert_spec_dim

from .jit_call import _cached
from .linearize import partial_eval_rules
from .shard_map_primitive import (bind_shard_map, body_axis_env, ctx_of, residual_spec,
                                  shard_map_p, shard_map_params, spec_vma, typed_body,
                                  unshard_aval)
from .subjaxpr import (batch_jaxpr, eval_closed, jvp_jaxpr, partial_eval_closed, trace_closed,
                       transpose_jaxpr)
from .vmap import batching_axis_name


def _out_vmas(specs) -> list:
    return [spec_vma(s) for s in specs]


# =========================================================================== jvp

def _shard_map_jvp(primals, tangents, *, jaxpr, mesh, in_specs, out_specs, check_vma,
                   manual_axes):
    nonzero = tuple(type(t) is not Zero for t in tangents)
    t_specs = tuple(s for s, nz in zip(in_specs, nonzero) if nz)

    def build():
        with body_axis_env(mesh, manual_axes, check_vma):
            new, out_has_t = jvp_jaxpr(jaxpr, nonzero)
            specs = out_specs + tuple(s for s, h in zip(out_specs, out_has_t) if h)
            if check_vma:
                new, _ = typed_body(new, in_specs + t_specs, _out_vmas(specs), mesh,
                                    manual_axes)
        return new, out_has_t, specs

    new, out_has_t, specs = _cached("jvp", jaxpr, (nonzero, mesh, in_specs, out_specs,
                                                   check_vma, manual_axes), build)
    outs = bind_shard_map([*primals, *[t for t in tangents if type(t) is not Zero]],
                          jaxpr=new, mesh=mesh, in_specs=in_specs + t_specs, out_specs=specs,
                          check_vma=check_vma, manual_axes=manual_axes)
    n = len(out_specs)
    t_out = iter(outs[n:])
    return outs[:n], [next(t_out) if has else
                      Zero(tangent_aval(unshard_aval(a, s, mesh)))
                      for a, s, has in zip(jaxpr.out_avals, out_specs, out_has_t)]


# =========================================================================== partial eval

class _Split:
    """A shard_map body split by partial evaluation: ``known`` maps the known inputs to the
    known outputs and the residuals; ``unknown`` maps the residuals and the unknown inputs
    to the unknown outputs.  Specs for each side's inputs and outputs."""

    def __init__(self, known, unknown, out_unknowns, known_specs, unknown_specs):
        self.known, self.unknown, self.out_unknowns = known, unknown, out_unknowns
        self.known_in, self.known_out = known_specs
        self.unknown_in, self.unknown_out = unknown_specs


def _split_body(jaxpr, in_unknowns, mesh, in_specs, out_specs, check_vma, manual_axes):
    with body_axis_env(mesh, manual_axes, check_vma):
        known, unknown, out_uk, n_res = partial_eval_closed(jaxpr, in_unknowns)
    pick = lambda specs, flags, want: tuple(s for s, f in zip(specs, flags) if f == want)
    k_in, u_in = pick(in_specs, in_unknowns, False), pick(in_specs, in_unknowns, True)
    k_out, u_out = pick(out_specs, out_uk, False), pick(out_specs, out_uk, True)
    n_out = len(known.out_avals) - n_res
    ctx = ctx_of(mesh, manual_axes)
    if check_vma:
        known, vmas = typed_body(known, k_in, _out_vmas(k_out) + [None] * n_res, mesh,
                                 manual_axes)
        res_vmas = vmas[n_out:]
    else:
        res_vmas = [ctx.manual] * n_res     # untyped: every residual may vary
    res_avals = known.out_avals[n_out:]
    # A varying scalar residual is stacked over devices along a new leading axis of 1.
    promote = [bool(v) and a.ndim == 0 for a, v in zip(res_avals, res_vmas)]
    if any(promote):
        known = trace_closed(lambda *xs, known=known: [
            sh.reshape(o, (1,)) if i >= n_out and promote[i - n_out] else o
            for i, o in enumerate(eval_closed(known, *xs))], known.in_avals)

        def unknown_fun(*xs, unknown=unknown):
            res = [sh.reshape(r, ()) if p else r for r, p in zip(xs[:n_res], promote)]
            return eval_closed(unknown, *res, *xs[n_res:])
        unknown = trace_closed(unknown_fun, [a.update(shape=(1,)) if p else a for a, p in
                                             zip(res_avals, promote)]
                               + unknown.in_avals[n_res:])
    res_specs = tuple(residual_spec(v, ctx) for v in res_vmas)
    if check_vma:
        if any(promote):
            known, _ = typed_body(known, k_in, _out_vmas(k_out + res_specs), mesh, manual_axes)
        unknown, _ = typed_body(unknown, res_specs + u_in, _out_vmas(u_out), mesh, manual_axes)
    return _Split(known, unknown, out_uk, (k_in, k_out + res_specs), (res_specs + u_in, u_out))


def _shard_map_partial_eval(trace, args, *, jaxpr, mesh, in_specs, out_specs, check_vma,
                            manual_axes):
    params = dict(mesh=mesh, check_vma=check_vma, manual_axes=manual_axes)
    in_unknowns = tuple(trace.is_own(x) for x in args)
    if all(in_unknowns):
        return trace.stage(shard_map_p, args, shard_map_params(
            jaxpr=jaxpr, in_specs=in_specs, out_specs=out_specs, **params))
    split = _cached("pe", jaxpr, (in_unknowns, mesh, in_specs, out_specs, check_vma,
                                  manual_axes),
                    lambda: _split_body(jaxpr, in_unknowns, mesh, in_specs, out_specs,
                                        check_vma, manual_axes))
    known_args = [x for x, u in zip(args, in_unknowns) if not u]
    known_outs = []
    if split.known_out:
        with set_current_trace(trace.parent):
            known_outs = bind_shard_map(known_args, jaxpr=split.known, in_specs=split.known_in,
                                        out_specs=split.known_out, **params)
    n_known = split.out_unknowns.count(False)
    residuals = list(known_outs[n_known:])
    unknown_outs = trace.stage(
        shard_map_p, residuals + [x for x, u in zip(args, in_unknowns) if u],
        shard_map_params(jaxpr=split.unknown, in_specs=split.unknown_in,
                         out_specs=split.unknown_out, **params))
    k, u = iter(known_outs[:n_known]), iter(unknown_outs)
    return [next(u) if unk else next(k) for unk in split.out_unknowns]


# =========================================================================== transpose

def _unmentioned(spec, manual_axes, mesh) -> tuple:
    return tuple(n for n in mesh.axis_names if n in manual_axes and n not in spec_vma(spec))


def _conservative_transpose(t: ClosedJaxpr, n_res: int, ct_specs, lin_specs, mesh,
                            manual_axes) -> ClosedJaxpr:
    """check_vma=False: scale each cotangent down by the size of the axes its output is
    replicated over, and sum each input's cotangent over the axes it is replicated over."""
    def fun(*xs):
        cts = list(xs[n_res:])
        for i, spec in enumerate(ct_specs):
            size = math.prod(mesh.shape[n] for n in _unmentioned(spec, manual_axes, mesh))
            dtype = get_aval(cts[i]).dtype
            if size > 1 and dtypes.is_inexact(dtype):
                cts[i] = ew.div(cts[i], const(cts[i], size))
        outs = eval_closed(t, *xs[:n_res], *cts)
        return [bind(psum_p, o, axis_name=names) if (names := _unmentioned(s, manual_axes, mesh))
                else o for o, s in zip(outs, lin_specs)]
    return trace_closed(fun, t.in_avals)


def _shard_map_transpose(cts, *args, jaxpr, mesh, in_specs, out_specs, check_vma,
                         manual_axes):
    linear = tuple(is_undefined_primal(x) for x in args)
    ct_nonzero = tuple(type(c) is not Zero for c in cts)
    if not any(ct_nonzero):
        return [None] * len(args)
    res_specs = tuple(s for s, lin in zip(in_specs, linear) if not lin)
    lin_specs = tuple(s for s, lin in zip(in_specs, linear) if lin)
    ct_specs = tuple(s for s, nz in zip(out_specs, ct_nonzero) if nz)

    def build():
        with body_axis_env(mesh, manual_axes, check_vma):
            t = transpose_jaxpr(jaxpr, linear, ct_nonzero)
            if not check_vma:
                return _conservative_transpose(t, len(res_specs), ct_specs, lin_specs, mesh,
                                               manual_axes)
            return typed_body(t, res_specs + ct_specs, _out_vmas(lin_specs), mesh,
                              manual_axes)[0]

    new = _cached("transpose", jaxpr, (linear, ct_nonzero, mesh, in_specs, out_specs,
                                       check_vma, manual_axes), build)
    residuals = [x for x in args if not is_undefined_primal(x)]
    outs = iter(bind_shard_map([*residuals, *[c for c in cts if type(c) is not Zero]],
                               jaxpr=new, mesh=mesh, in_specs=res_specs + ct_specs,
                               out_specs=lin_specs, check_vma=check_vma,
                               manual_axes=manual_axes))
    return [next(outs) if lin else None for lin in linear]


# =========================================================================== batching

def _shard_map_batch(args, dims, *, jaxpr, mesh, in_specs, out_specs, check_vma, manual_axes):
    size = batch_size(args, dims)
    # The batch axis is not sharded: blocks keep all of it.
    new_in = tuple(s if d is not_mapped else insert_spec_dim(s, d)
                   for s, d in zip(in_specs, dims))
    new_out = tuple(insert_spec_dim(s, 0) for s in out_specs)

    def build():
        with body_axis_env(mesh, manual_axes, check_vma):
            new = batch_jaxpr(jaxpr, size, dims)
            if check_vma:
                new, _ = typed_body(new, new_in, _out_vmas(new_out), mesh, manual_axes)
        return new

    # Collectives over the vmap's own axis resolve against its name: part of the key.
    new = _cached("batch", jaxpr, (tuple(dims), size, batching_axis_name(), mesh, in_specs,
                                   out_specs, check_vma, manual_axes), build)
    outs = bind_shard_map(args, jaxpr=new, mesh=mesh, in_specs=new_in, out_specs=new_out,
                          check_vma=check_vma, manual_axes=manual_axes)
    return outs, [0] * len(outs)


def register() -> None:
    jvp_rules[shard_map_p] = _shard_map_jvp
    partial_eval_rules[shard_map_p] = _shard_map_partial_eval
    transpose_rules[shard_map_p] = _shard_map_transpose
    batch_rules[shard_map_p] = _shard_map_batch
