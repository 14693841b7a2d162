"""``linearize``: forward mode with the tangent side staged into a linear jaxpr.

We run the jvp of ``fun`` with tangent inputs that are tracers of a
:class:`PartialEvalTrace`.  That trace is a staging trace with one twist: a primitive
none of whose operands are its own tracers is *known* -- it is handed to the parent trace
and evaluated now.  Only work that touches a tangent is recorded.  So the primal
computation runs normally, and the recorded jaxpr is exactly the linear map
``tangents_in -> tangents_out``; the primal values it needs (``cos x`` for ``sin``'s
tangent, say) become its constvars: the *residuals*.  Transposing that jaxpr gives
reverse mode (see ``transpose.py``).
"""
from __future__ import annotations

from typing import Callable

from zenax.tracer import provenance
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import bind, current_trace, set_current_trace
from zenax.tracer.ir import Var
from zenax.tracer.staging import DynamicJaxprTrace, DynamicJaxprTracer, collector_paused
from zenax.lax.broadcasting import instantiate

from .jvp import jvp_flat


# Rules for primitives whose operands are partly known and partly unknown, when staging
# the whole equation would be wrong or wasteful (jit_call: run the known part now).
# Signature: rule(trace, args, **params) -> outputs.
partial_eval_rules: dict = {}


class PartialEvalTrace(DynamicJaxprTrace):
    """Stages equations that involve its tracers; evaluates the rest in the parent."""

    stages_tangents = True   # its tracers are the tangents of linearize (for reprs)

    def is_own(self, x) -> bool:
        return isinstance(x, DynamicJaxprTracer) and x._trace is self

    def process_primitive(self, primitive, args, params):
        if any(self.is_own(x) for x in args):
            rule = partial_eval_rules.get(primitive)
            if rule is not None:
                return rule(self, list(args), **params)
            return self.stage(primitive, args, params)
        with set_current_trace(self.parent):
            return bind(primitive, *args, **params)

    def stage(self, primitive, args, params):
        """Record ``primitive`` as an equation of the linear jaxpr."""
        return super().process_primitive(primitive, args, params)


def linearize_flat(fun: Callable, primals: list, tangent_avals: list[ShapedArray],
                   n_out: Callable[[], int] | None = None):
    """Returns ``(primals_out, linear_jaxpr)``; the jaxpr maps tangents in to tangents out
    and holds the residuals as its consts.  ``n_out()`` (called after tracing) limits the
    linear outputs to the first outputs (the rest are auxiliary, primal only)."""
    pe = PartialEvalTrace(parent=current_trace())
    tangents_in = [pe.new_arg(a) for a in tangent_avals]
    with set_current_trace(pe), collector_paused():
        primals_out, tangents_out = jvp_flat(fun, primals, tangents_in, instantiate_zeros=False)
        if n_out is not None:
            tangents_out = tangents_out[:n_out()]
        tangents_out = [instantiate(t) for t in tangents_out]
    linear = pe.to_closed_jaxpr(tangents_out)
    # The consts that are staged values of an enclosing jaxpr are the residuals.
    residuals = [c for c in linear.consts if isinstance(c, DynamicJaxprTracer)]
    provenance.mark_residuals([c.jaxpr_var for c in residuals if type(c.jaxpr_var) is Var])
    provenance.mark_residuals(linear.jaxpr.constvars)
    return primals_out, linear
