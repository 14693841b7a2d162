"""Device variance in a ``shard_map`` body: which mesh axes each value varies over.

Inside ``shard_map(f, ..., check_vma=True)`` every value of the body is one of two kinds
along each mesh axis: *invariant* (the same on every device of the axis: an input whose
spec does not mention the axis, a ``psum`` over it) or *varying* (one value per device).
As in JAX, this set of axes -- the value's "varying manual axes", vma -- is part of its
type: body values have a :class:`VShapedArray` aval, printed ``f32[4]{V:i}``.  Each
operation is typed as it is staged:

* where it meets operands of different variance, the invariant ones are cast with
  ``pvary`` (the value is unchanged; the type now says "one per device");
* ``psum`` over a mesh axis becomes ``psum_invariant`` (varying in, invariant out), and
  every collective gets the variance its semantics give (``all_gather``: still varying);
* a higher-order primitive is typed through its sub-jaxprs (a loop's carry by fixed point).

The casts are what make reverse mode exact: ``pvary`` transposes to a ``psum`` and
``psum_invariant`` to a ``pvary``, so a replicated input's cotangent is summed over the
devices exactly where the value was spread over them (``lax/collectives.py``).

:func:`type_body` re-traces a body this way, binding each normalized operation; every body
a shard_map rule builds goes through it.  :func:`typing_binds` installs the same typing
(through the core's ``bind_hook``) for every operation staged while a body is traced --
so the transforms applied *inside* the body (``grad`` of a per-device loss) see the casts
too, as in JAX.

A higher-order primitive the rules do not know is typed as a whole: every operand is cast
to the union of their variances, which is sound but may call an output varying that JAX
would prove invariant.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Sequence

from zenax.tracer import core
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Tracer, bind, get_aval
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, Literal
from zenax.tracer.provenance import reinterpreting
from zenax.tracer.staging import DynamicJaxprTracer
from zenax.lax.collectives import (all_to_all_p, pbroadcast_p, ppermute_p, psum_invariant_p,
                                   psum_scatter_p, pvary_p)
from zenax.lax.control_flow import cond_p, scan_p, while_p
from zenax.lax.custom_derivatives import custom_jvp_call_p, custom_vjp_call_p
from zenax.lax.higher_order import jit_call_p, remat_p
from zenax.lax.parallel import _names, all_gather_p, axis_index_p, pmax_p, pmin_p, psum_p

from .subjaxpr import trace_closed

Vma = frozenset


class VShapedArray(ShapedArray):
    """The aval of a value in a shard_map body: a ShapedArray plus the mesh axes it varies
    over (``vma``, in mesh order).  Equal to the plain aval of the same shape and dtype:
    only the body's typing reads ``vma``."""

    __slots__ = ("vma",)

    def __init__(self, shape, dtype, weak_type: bool = False, vma: tuple = ()):
        super().__init__(shape, dtype, weak_type)
        self.vma = tuple(vma)

    def update(self, shape=None, dtype=None, weak_type=None, vma=None) -> "VShapedArray":
        return VShapedArray(self.shape if shape is None else shape,
                            self.dtype if dtype is None else dtype,
                            self.weak_type if weak_type is None else weak_type,
                            self.vma if vma is None else vma)

    def str_short(self) -> str:
        base = super().str_short()
        return f"{base}{{V:{','.join(map(str, self.vma))}}}" if self.vma else base

    def __eq__(self, other):
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    __hash__ = ShapedArray.__hash__


class VmaError(ValueError):
    """Outputs vary over mesh axes their required variance excludes: ``fails`` holds
    ``(output index, inferred vma, required vma)``."""

    def __init__(self, fails):
        super().__init__(fails)
        self.fails = fails


class Ctx:
    """The mesh axes the body is manual over, in mesh order."""

    def __init__(self, axis_order: Sequence):
        self.order = tuple(axis_order)
        self.manual = frozenset(axis_order)

    def ordered(self, axes) -> tuple:
        return tuple(a for a in self.order if a in axes)

    def mesh_names(self, axis_name) -> tuple:
        return tuple(n for n in _names(axis_name) if n in self.manual)


def typed_aval(aval: ShapedArray, vma, ctx: Ctx) -> ShapedArray:
    """``aval`` carrying ``vma`` (a plain ShapedArray when invariant)."""
    if not vma:
        return ShapedArray(aval.shape, aval.dtype, aval.weak_type)
    return VShapedArray(aval.shape, aval.dtype, aval.weak_type, ctx.ordered(vma))


def vma_of(x) -> Vma:
    return Vma(getattr(get_aval(x), "vma", ()))


def _tag(out, vma: Vma, ctx: Ctx):
    """Give a freshly staged value its variance (abstract eval rules know nothing of it)."""
    if isinstance(out, DynamicJaxprTracer):
        out.aval_ = out.jaxpr_var.aval = typed_aval(out.aval_, vma, ctx)
    return out


def pvary_to(x, have: Vma, want: Vma, ctx: Ctx):
    """``x`` cast to vary over ``want`` (a superset of ``have``).  Constants need no cast:
    they have no cotangent, and their value is the same either way."""
    missing = want - have
    if not missing or not isinstance(x, Tracer):
        return x
    return _tag(bind(pvary_p, x, axes=ctx.ordered(missing)), want, ctx)


# --------------------------------------------------------------------------- the typing rules
# A rule normalizes one operation: rule(args, vmas, ctx, **params) ->
# (primitive, args, params, out_vmas), with casts bound for the args that need them; a
# primitive of None means the operation is not needed (its output is its one input).
vma_rules: dict = {}


def normalize(prim, args, vmas, ctx, params):
    rule = vma_rules.get(prim)
    if rule is None:
        rule = _whole_rule(prim) if sub_jaxprs(params) else _elementwise_rule(prim)
    return rule(list(args), list(vmas), ctx, **params)


def _elementwise_rule(prim) -> Callable:
    """A first-order primitive: its operands must agree; its outputs vary like them."""
    def rule(args, vmas, ctx, **params):
        u = Vma().union(*vmas)
        n_out = len(core.abstract_eval_rules[prim](*map(get_aval, args), **params)) \
            if prim.multiple_results else 1
        return prim, [pvary_to(x, v, u, ctx) for x, v in zip(args, vmas)], params, [u] * n_out
    return rule


def _psum_rule(args, vmas, ctx, *, axis_name):
    (x,), (v,) = args, vmas
    mesh = ctx.mesh_names(axis_name)
    if not mesh:       # the names of an enclosing vmap, resolved when the body is batched
        return psum_p, [x], dict(axis_name=axis_name), [v]
    if len(mesh) != len(_names(axis_name)):
        raise NotImplementedError(f"psum over mesh axes and vmap axes at once ({axis_name}) "
                                  "inside shard_map; psum over each separately.")
    return (psum_invariant_p, [pvary_to(x, v, v | Vma(mesh), ctx)],
            dict(axes=ctx.ordered(mesh)), [v - Vma(mesh)])


def _psum_invariant_rule(args, vmas, ctx, *, axes):
    (x,), (v,) = args, vmas
    return psum_invariant_p, [pvary_to(x, v, v | Vma(axes), ctx)], dict(axes=axes), \
        [v - Vma(axes)]


def _chooser_rule(prim):
    def rule(args, vmas, ctx, *, axis_name):
        return prim, args, dict(axis_name=axis_name), [vmas[0] - Vma(ctx.mesh_names(axis_name))]
    return rule


def _varying_collective_rule(prim):
    """A collective whose output varies over its axes: the operand is cast to vary too."""
    def rule(args, vmas, ctx, **params):
        (x,), (v,) = args, vmas
        u = v | Vma(ctx.mesh_names(params["axis_name"]))
        return prim, [pvary_to(x, v, u, ctx)], params, [u]
    return rule


def _axis_index_rule(args, vmas, ctx, *, axis_name):
    return axis_index_p, [], dict(axis_name=axis_name), [Vma(ctx.mesh_names(axis_name))]


def _pvary_rule(args, vmas, ctx, *, axes):
    (x,), (v,) = args, vmas
    new = ctx.ordered(Vma(axes) - v)
    if not new:     # already varying over them (a body typed before, with other inputs)
        return None, [x], {}, [v]
    return pvary_p, [x], dict(axes=new), [v | Vma(axes)]


vma_rules[psum_p] = _psum_rule
vma_rules[psum_invariant_p] = _psum_invariant_rule
vma_rules[pmax_p] = _chooser_rule(pmax_p)
vma_rules[pmin_p] = _chooser_rule(pmin_p)
for _prim in (all_gather_p, psum_scatter_p, ppermute_p, all_to_all_p, pbroadcast_p):
    vma_rules[_prim] = _varying_collective_rule(_prim)
vma_rules[axis_index_p] = _axis_index_rule
vma_rules[pvary_p] = _pvary_rule

COLLECTIVES = frozenset({psum_p, psum_invariant_p, pmax_p, pmin_p, all_gather_p, psum_scatter_p,
                         ppermute_p, all_to_all_p, pbroadcast_p, axis_index_p, pvary_p})


# --------------------------------------------------------------------------- higher-order

def sub_jaxprs(params) -> list[ClosedJaxpr | Jaxpr]:
    subs = []
    for value in params.values():
        values = value if isinstance(value, (tuple, list)) else (value,)
        subs += [v for v in values if isinstance(v, (ClosedJaxpr, Jaxpr))]
    return subs


def _has_collectives(jaxpr) -> bool:
    jaxpr = jaxpr.jaxpr if isinstance(jaxpr, ClosedJaxpr) else jaxpr
    return any(e.primitive in COLLECTIVES or any(map(_has_collectives, sub_jaxprs(e.params)))
               for e in jaxpr.eqns)


def _whole_rule(prim) -> Callable:
    """A higher-order primitive the rules cannot see into: typed as one operation."""
    def rule(args, vmas, ctx, **params):
        if any(map(_has_collectives, sub_jaxprs(params))):
            raise NotImplementedError(
                f"shard_map with check_vma=True cannot yet type collectives inside "
                f"'{prim}'; pass check_vma=False to shard_map, or move the collectives out.")
        return _elementwise_rule(prim)(args, vmas, ctx, **params)
    return rule


def _call_rule(prim, key: str):
    """jit_call, remat, custom_jvp/vjp calls: the body sees the operands as they are."""
    def rule(args, vmas, ctx, **params):
        sub, out_vmas = type_body(params[key], vmas, ctx)
        return prim, args, {**params, key: sub}, out_vmas
    return rule


vma_rules[jit_call_p] = _call_rule(jit_call_p, "jaxpr")
vma_rules[remat_p] = _call_rule(remat_p, "jaxpr")
vma_rules[custom_jvp_call_p] = _call_rule(custom_jvp_call_p, "call_jaxpr")
vma_rules[custom_vjp_call_p] = _call_rule(custom_vjp_call_p, "call_jaxpr")


def _cond_rule(args, vmas, ctx, *, branches):
    i_vma, *op_vmas = vmas
    # A device-varying branch index makes every output vary with it.
    out = [i_vma] * len(branches[0].out_avals)
    for b in branches:
        out = [u | v for u, v in zip(out, type_body(b, op_vmas, ctx)[1])]
    new = tuple(type_body(b, op_vmas, ctx, out)[0] for b in branches)
    return cond_p, args, dict(branches=new), out


def _carry_fixed_point(typed_outs: Callable, carry: list[Vma]) -> list[Vma]:
    """Grow the carry's variance until the loop body keeps it."""
    while True:
        new = [c | o for c, o in zip(carry, typed_outs(carry))]
        if new == carry:
            return carry
        carry = new


def _while_rule(args, vmas, ctx, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts,
                max_steps):
    nc, nb = cond_nconsts, body_nconsts
    cc_v, bc_v, init_v = vmas[:nc], vmas[nc:nc + nb], vmas[nc + nb:]

    def outs(carry):
        pred = type_body(cond_jaxpr, cc_v + carry, ctx)[1][0]
        return [o | pred for o in type_body(body_jaxpr, bc_v + carry, ctx)[1]]

    carry = _carry_fixed_point(outs, list(init_v))
    body, _ = type_body(body_jaxpr, bc_v + carry, ctx, carry)
    cond, _ = type_body(cond_jaxpr, cc_v + carry, ctx)
    init = [pvary_to(x, v, c, ctx) for x, v, c in zip(args[nc + nb:], init_v, carry)]
    return while_p, args[:nc + nb] + init, dict(
        cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=nc, body_nconsts=nb,
        max_steps=max_steps), carry


def _scan_rule(args, vmas, ctx, *, jaxpr, num_consts, num_carry, **params):
    nc, nk = num_consts, num_carry
    consts_v, init_v, xs_v = vmas[:nc], vmas[nc:nc + nk], vmas[nc + nk:]
    carry = _carry_fixed_point(lambda c: type_body(jaxpr, consts_v + c + xs_v, ctx)[1][:nk],
                               list(init_v))
    ys_v = type_body(jaxpr, consts_v + carry + xs_v, ctx)[1][nk:]
    body, _ = type_body(jaxpr, consts_v + carry + xs_v, ctx, carry + ys_v)
    init = [pvary_to(x, v, c, ctx) for x, v, c in zip(args[nc:nc + nk], init_v, carry)]
    return scan_p, args[:nc] + init + args[nc + nk:], dict(
        jaxpr=body, num_consts=nc, num_carry=nk, **params), carry + ys_v


vma_rules[cond_p] = _cond_rule
vma_rules[while_p] = _while_rule
vma_rules[scan_p] = _scan_rule


# --------------------------------------------------------------------------- drivers

def type_body(closed: ClosedJaxpr, in_vmas: Sequence[Vma], ctx: Ctx,
              out_vmas: Sequence[Vma | None] | None = None) -> tuple[ClosedJaxpr, list[Vma]]:
    """``closed`` re-traced with its variance made explicit; returns the new jaxpr and the
    vma of each output.  ``out_vmas`` (an entry per output, None: any) is what the outputs
    may vary over at most; they are cast up to it, and a :class:`VmaError` lists the
    outputs that vary over more."""
    box = {}

    def fun(*args):
        outs, vmas = _eval_typed(closed.jaxpr, closed.consts, args, in_vmas, ctx)
        if out_vmas is not None:
            fails = [(i, v, w) for i, (v, w) in enumerate(zip(vmas, out_vmas))
                     if w is not None and not v <= w]
            if fails:
                raise VmaError(fails)
            outs = [x if w is None else pvary_to(x, v, w, ctx)
                    for x, v, w in zip(outs, vmas, out_vmas)]
            vmas = [v if w is None else w for v, w in zip(vmas, out_vmas)]
        box["vmas"] = list(vmas)
        return outs

    in_avals = [typed_aval(a, v, ctx) for a, v in zip(closed.in_avals, in_vmas)]
    with _bind_hook(None):
        return trace_closed(fun, in_avals), box["vmas"]


def _eval_typed(jaxpr: Jaxpr, consts, args, in_vmas, ctx: Ctx) -> tuple[list, list[Vma]]:
    env, vma = {}, {}

    def read(v):
        return (v.val, Vma()) if type(v) is Literal else (env[v], vma.get(v, Vma()))

    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    vma.update(zip(jaxpr.invars, in_vmas))
    for eqn in jaxpr.eqns:
        ins, vmas = zip(*map(read, eqn.invars)) if eqn.invars else ((), ())
        with reinterpreting(eqn.source_info, eqn.provenance):
            prim, ins, params, out_vmas = normalize(eqn.primitive, ins, vmas, ctx, eqn.params)
            out = ins[0] if prim is None else bind(prim, *ins, **params)
        outs = list(out) if prim is not None and prim.multiple_results else [out]
        env.update(zip(eqn.outvars, [_tag(o, v, ctx) for o, v in zip(outs, out_vmas)]))
        vma.update(zip(eqn.outvars, out_vmas))
    outs, vmas = zip(*map(read, jaxpr.outvars)) if jaxpr.outvars else ((), ())
    return list(outs), list(vmas)


@contextmanager
def _bind_hook(hook):
    """``hook`` (None: none; type_body binds normalized operations itself) in the block."""
    prev, core._context.bind_hook = core._context.bind_hook, hook
    try:
        yield
    finally:
        core._context.bind_hook = prev


@contextmanager
def typing_binds(ctx: Ctx):
    """Type every operation bound in the block (see the module doc)."""

    def hook(prim, args, params):
        prim, args, params, out_vmas = normalize(prim, args, map(vma_of, args), ctx, params)
        if prim is None:
            return args[0]
        out = core._context.trace.process_primitive(prim, args, params)
        if prim.multiple_results:
            return [_tag(o, v, ctx) for o, v in zip(out, out_vmas)]
        return _tag(out, out_vmas[0], ctx)

    with _bind_hook(hook):
        yield
