"""Staging: tracing a Python function into a jaxpr.

:class:`DynamicJaxprTrace` records one equation per ``bind`` instead of computing.  Any
value it meets that is not one of its own tracers -- a closed-over array, a NumPy
constant, a tracer of an enclosing transform -- becomes a *constvar* of the jaxpr (or an
inline literal, for scalars).  That is closure conversion for free: the jaxpr is closed,
and its consts are handed back alongside it.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Callable, Sequence

import jax
import numpy as np

from .avals import ShapedArray, is_python_scalar
from .core import (Trace, Tracer, abstract_eval_rules, current_trace, get_aval,
                   set_current_trace, tracer_created)
from . import dtypes, leaks, provenance
from .ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, typecheck_jaxpr


class DynamicJaxprTracer(Tracer):
    __slots__ = ("aval_", "jaxpr_var")

    def __init__(self, trace: "DynamicJaxprTrace", aval: ShapedArray, var):
        self._trace = trace
        self.aval_ = aval
        self.jaxpr_var = var   # (not `.var`: that is the array method)
        tracer_created(self)

    @property
    def aval(self):
        return self.aval_

    def _short_repr(self) -> str:
        return f"JitTracer({self.aval})"


def _is_literalable(x) -> bool:
    """Scalars are written inline (as JAX does), keeping their weak type."""
    if is_python_scalar(x):
        return True
    if isinstance(x, (np.ndarray, np.generic)):
        return np.ndim(x) == 0
    return getattr(x, "shape", None) == () and hasattr(x, "__array__") and \
        not isinstance(x, Tracer) and not dtypes.is_extended(getattr(x, "dtype", None))


class DynamicJaxprTrace(Trace):
    """Records equations into a jaxpr under construction."""

    def __init__(self, parent: Trace | None = None):
        super().__init__(parent)
        self.eqns: list[JaxprEqn] = []
        self.invars: list[Var] = []
        self.constvars: list[Var] = []
        self.consts: list = []
        self._const_tracers: dict[int, DynamicJaxprTracer] = {}
        self._keepalive: list = []
        # What the caller calls each input (``x``, ``params['w']``) and the function being
        # traced, for error messages that say where a traced value came from.
        self.arg_names: Sequence[str] | Callable[[], Sequence[str]] | None = None
        self.fun_name: str | None = None
        self.transform_name: str | None = None

    def describe_origin(self, tracer) -> str:
        """Which arguments of the traced function ``tracer``'s value depends on, in words."""
        if self.arg_names is None or not isinstance(tracer, DynamicJaxprTracer):
            return ""
        needed = {tracer.jaxpr_var}
        for eqn in reversed(self.eqns):
            if any(v in needed for v in eqn.outvars):
                needed.update(v for v in eqn.invars if isinstance(v, Var))
        arg_names = self.arg_names() if callable(self.arg_names) else self.arg_names
        names = [n.removeprefix("argument ") for v, n in zip(self.invars, arg_names)
                 if v in needed]
        what = f" of {self.fun_name}" if self.fun_name else ""
        by = f" for {self.transform_name}" if self.transform_name else ""
        if not names:
            return ""
        listed = ", ".join(f"`{n}`" for n in names[:5]) + (" ..." if len(names) > 5 else "")
        noun = "argument" if len(names) == 1 else "arguments"
        return (f"It depends on the {noun} {listed}{what}, which {'is' if len(names) == 1 else 'are'} "
                f"traced{by} (an abstract value: shape and dtype, no numbers).\n")

    def new_arg(self, aval: ShapedArray) -> DynamicJaxprTracer:
        var = Var(aval)
        self.invars.append(var)
        return DynamicJaxprTracer(self, aval, var)

    def to_jaxpr_tracer(self, x) -> DynamicJaxprTracer:
        if isinstance(x, DynamicJaxprTracer) and x._trace is self:
            return x
        if isinstance(x, Tracer):
            self.check_foreign(x)
        tracer = self._const_tracers.get(id(x))
        if tracer is not None:
            return tracer
        aval = get_aval(x)
        if _is_literalable(x):
            tracer = DynamicJaxprTracer(self, aval, Literal(x, aval))
        else:
            var = Var(aval)
            self.constvars.append(var)
            self.consts.append(x)
            tracer = DynamicJaxprTracer(self, var.aval, var)
        self._const_tracers[id(x)] = tracer
        self._keepalive.append(x)   # keep id(x) unique while we hold it
        return tracer

    def process_primitive(self, primitive, args, params):
        tracers = [self.to_jaxpr_tracer(x) for x in args]
        rule = abstract_eval_rules.get(primitive)
        if rule is None:
            raise NotImplementedError(f"No abstract_eval rule for primitive '{primitive}'.")
        out = rule(*[t.aval for t in tracers], **params)
        out_avals = list(out) if primitive.multiple_results else [out]
        out_tracers = [DynamicJaxprTracer(self, a, Var(a)) for a in out_avals]
        roles, source = provenance.tags_for(primitive, args, params)
        self.eqns.append(JaxprEqn([t.jaxpr_var for t in tracers], [t.jaxpr_var for t in out_tracers],
                                  primitive, params, source, roles))
        return out_tracers if primitive.multiple_results else out_tracers[0]

    def to_closed_jaxpr(self, outs: Sequence) -> ClosedJaxpr:
        out_vars = [self.to_jaxpr_tracer(x).jaxpr_var for x in outs]
        jaxpr = Jaxpr(self.constvars, self.invars, out_vars, self.eqns)
        return ClosedJaxpr(jaxpr, self.consts)


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a program is staged.

    A trace keeps several objects per equation alive until it ends (variables, avals,
    equations); every full collection walks all of them, and the collector runs more full
    collections the more of them there are, so with it running, staging 10x the equations
    took ~14x the time (bench/tracing_scale.py).  Reference counting still frees every
    temporary at once; only reference cycles made while tracing wait for the end.  When
    the collector is already off (an enclosing trace, or the user) this does nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def trace_to_jaxpr(fun: Callable, in_avals: Sequence[ShapedArray], *,
                   arg_names: Sequence[str] | Callable[[], Sequence[str]] | None = None, fun_name: str | None = None,
                   transform_name: str | None = None) -> tuple[ClosedJaxpr, list]:
    """Stage ``fun`` (flat arrays in, flat list of arrays out) into a closed jaxpr.

    Returns the jaxpr and the list of output values as ``fun`` returned them.
    ``arg_names`` (one per input, or a function giving them), ``fun_name`` and ``transform_name`` only serve error
    messages (a concretization error names the arguments the value came from).
    """
    options = jax.config   # the options users set through zenax.config live there
    if options.jax_no_tracing:
        raise RuntimeError(f"re-tracing function {fun_name or getattr(fun, '__name__', fun)} "
                           "for `jit`, but 'no_tracing' is set")
    trace = DynamicJaxprTrace(parent=current_trace())
    trace.arg_names, trace.fun_name, trace.transform_name = arg_names, fun_name, transform_name
    in_tracers = [trace.new_arg(a) for a in in_avals]
    with set_current_trace(trace), provenance.new_jaxpr(), collector_paused():
        outs = fun(*in_tracers)
    closed = trace.to_closed_jaxpr(outs)
    if options.jax_enable_checks:
        typecheck_jaxpr(closed)
    if leaks.state.enabled:
        del in_tracers
        trace._const_tracers.clear()
        leaks.check(trace, allowed=outs)
    return closed, outs
