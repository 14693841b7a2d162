"""Forward mode: ``jvp`` pushes tangents along with primals, one primitive at a time.

A :class:`JVPTrace` wraps each value in a :class:`JVPTracer` holding ``(primal,
tangent)``.  For each primitive it calls the primitive's jvp rule *under the parent
trace*, so the rule's own ``bind`` calls are handled one level out (evaluated, staged, or
differentiated again for higher-order derivatives).  A tangent may be the symbolic
:class:`Zero`; when every input tangent is zero the primitive is simply bound under the
parent and the plain result is returned, so untouched code costs nothing extra.

Values that are not this trace's tracers (constants, or tracers of an enclosing jvp) have
zero tangent here: tracers are told apart by the trace they belong to, which is what
prevents perturbation confusion in nested differentiation.
"""
from __future__ import annotations

from typing import Callable

from zenax.tracer import leaks, provenance
from zenax.tracer.ad_types import Zero
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Trace, Tracer, bind, current_trace, get_aval, jvp_rules,
                               set_current_trace, tracer_created)
from zenax.lax.broadcasting import instantiate
from zenax.lax.registry import tangent_aval


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace: "JVPTrace", primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent
        tracer_created(self)

    @property
    def aval(self) -> ShapedArray:
        return get_aval(self.primal)

    def to_concrete_value(self):
        p = self.primal
        return p.to_concrete_value() if isinstance(p, Tracer) else p

    def _short_repr(self) -> str:
        primal, t = _pp(self.primal), self.tangent
        if isinstance(t, Tracer) and getattr(t._trace, "stages_tangents", False):
            # linearize (so vjp and grad) stages the tangents: JAX calls these GradTracers.
            return f"GradTracer(primal={primal}, typeof(tangent)={t.aval.str_short()})"
        return f"JVPTracer(primal={primal}, tangent={_pp(t)})"


def _pp(x) -> str:
    return x._short_repr() if isinstance(x, Tracer) else str(x)


class JVPTrace(Trace):
    def describe_origin(self, tracer) -> str:
        return ("It is being differentiated (jvp, grad, linearize): a Python number made from "
                "it would carry no derivative, so zenax refuses the conversion rather than "
                "return a silently wrong gradient. Keep it an array (jnp operations, "
                "`x.astype(...)`).\n")

    def lift(self, x):
        """``(primal, tangent)`` of an argument; foreign values have a zero tangent."""
        if isinstance(x, JVPTracer) and x._trace is self:
            return x.primal, x.tangent
        if isinstance(x, Tracer):
            self.check_foreign(x)
        return x, Zero(tangent_aval(get_aval(x)))

    def process_primitive(self, primitive, args, params):
        primals, tangents = zip(*map(self.lift, args)) if args else ((), ())
        if all(type(t) is Zero for t in tangents):
            with set_current_trace(self.parent):
                return bind(primitive, *primals, **params)
        rule = jvp_rules.get(primitive)
        if rule is None:
            raise NotImplementedError(
                f"Differentiation rule for '{primitive}' not implemented (forward mode).")
        with set_current_trace(self.parent), provenance.jvp_rule(primitive, args, params, primals):
            primal_out, tangent_out = rule(list(primals), list(tangents), **params)
        if primitive.multiple_results:
            return [self.wrap(p, t) for p, t in zip(primal_out, tangent_out)]
        return self.wrap(primal_out, tangent_out)

    def wrap(self, primal, tangent):
        return primal if type(tangent) is Zero else JVPTracer(self, primal, tangent)


def jvp_flat(fun: Callable, primals: list, tangents: list,
             instantiate_zeros: bool = True) -> tuple[list, list]:
    """Run ``fun`` (flat list -> flat list) on ``(primals, tangents)`` under a new JVPTrace."""
    trace = JVPTrace(parent=current_trace())
    in_tracers = [JVPTracer(trace, p, t) if type(t) is not Zero else p
                  for p, t in zip(primals, tangents)]
    with set_current_trace(trace):
        outs = fun(*in_tracers)
    primals_out, tangents_out = [], []
    for x in outs:
        p, t = trace.lift(x) if isinstance(x, JVPTracer) and x._trace is trace else (
            x, Zero(tangent_aval(get_aval(x))))
        primals_out.append(p)
        tangents_out.append(instantiate(t) if instantiate_zeros else t)
    if leaks.state.enabled:
        in_tracers = outs = x = None  # drop our references before looking for leaks
        leaks.check(trace)
    return primals_out, tangents_out
