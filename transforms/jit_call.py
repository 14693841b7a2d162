"""The ``jit_call`` primitive's rules: how a jitted function behaves under other transforms.

``jit_call_p`` is declared in ``lax/higher_order.py`` (abstract eval) and lowered in
``lowering.py``; here are its eager impl and its jvp, batch, transpose and partial-eval
rules.  Each rule is "apply the transform to the sub-jaxpr" and binds a new ``jit_call`` on
the result, so a jitted function stays one compiled program under ``grad``, ``vmap`` or an
outer ``jit``.  Derived jaxprs are cached on the jaxpr they come from, and their
executables on them, so every derived program is traced and compiled once.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Callable

from zenax.tracer.ad_types import Zero, is_undefined_primal, not_mapped
from zenax.tracer.core import (batch_rules, bind, get_aval, impl_rules, jvp_rules,
                               set_current_trace, transpose_rules)
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, closed_to_open
from zenax.lax.higher_order import jit_call_p
from zenax.lax.registry import tangent_aval

from . import passes
from .jit_config import _log_compile
from .linearize import PartialEvalTrace, partial_eval_rules
from .lowering import xla_callable
from .subjaxpr import batch_jaxpr, jvp_jaxpr, partial_eval_closed, transpose_jaxpr
from .vmap import batching_axis_name


# Executables of jit_call equations run eagerly (the jvp or transpose of a jitted function
# under grad, say): one per jaxpr, dropped with it.  The transform rules below return the
# same jaxpr object for the same configuration, so each derived program compiles once.
_executables: "weakref.WeakKeyDictionary[ClosedJaxpr, Any]" = weakref.WeakKeyDictionary()


def _jit_call_impl(*args, jaxpr: ClosedJaxpr, name: str):
    exe = _executables.get(jaxpr)
    if exe is None:
        exe = _executables[jaxpr] = xla_callable(passes.optimize(jaxpr.jaxpr), name)
        _log_compile(name, jaxpr.in_avals, 0.0)
    return list(exe(*jaxpr.consts, *args))


impl_rules[jit_call_p] = _jit_call_impl


def _bind_jit_call(closed: ClosedJaxpr, args, name):
    return bind(jit_call_p, *args, jaxpr=closed, name=name)


# --------------------------------------------------------------------------- transform rules
# Each rule traces the transform applied to the sub-jaxpr into a new jaxpr, cached on the
# sub-jaxpr per configuration (so the new jaxpr is the same object next time), and binds
# jit_call on it.

_rule_cache: "weakref.WeakKeyDictionary[ClosedJaxpr, dict]" = weakref.WeakKeyDictionary()


def _cached(kind: str, jaxpr: ClosedJaxpr, key, build: Callable):
    per_jaxpr = _rule_cache.setdefault(jaxpr, {})
    if (kind, key) not in per_jaxpr:
        per_jaxpr[(kind, key)] = build()
    return per_jaxpr[(kind, key)]


def _jit_call_jvp(primals, tangents, *, jaxpr: ClosedJaxpr, name: str):
    nonzero = tuple(type(t) is not Zero for t in tangents)

    def build():
        new, out_has_t = jvp_jaxpr(jaxpr, nonzero)
        return closed_to_open(new), out_has_t

    (closed, consts), out_has_t = _cached("jvp", jaxpr, nonzero, build)
    outs = _bind_jit_call(closed, list(consts) + list(primals) +
                          [t for t in tangents if type(t) is not Zero], f"jvp({name})")
    n_out = len(jaxpr.out_avals)
    t_out = iter(outs[n_out:])
    return outs[:n_out], [next(t_out) if has else Zero(tangent_aval(a))
                          for a, has in zip(jaxpr.out_avals, out_has_t)]


def _jit_call_batch(args, dims, *, jaxpr: ClosedJaxpr, name: str):
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    # Collectives inside resolve against the running vmap's axis name: part of the key.
    key = (tuple(dims), size, batching_axis_name())
    closed, consts = _cached("batch", jaxpr, key,
                             lambda: closed_to_open(batch_jaxpr(jaxpr, size, dims)))
    outs = _bind_jit_call(closed, list(consts) + list(args), f"vmap({name})")
    return outs, [0] * len(outs)


def _jit_call_transpose(cts, *args, jaxpr: ClosedJaxpr, name: str):
    linear = tuple(is_undefined_primal(x) for x in args)
    ct_nonzero = tuple(type(c) is not Zero for c in cts)
    closed, consts = _cached("transpose", jaxpr, (linear, ct_nonzero),
                             lambda: closed_to_open(transpose_jaxpr(jaxpr, linear, ct_nonzero)))
    residuals = [x for x in args if not is_undefined_primal(x)]
    outs = iter(_bind_jit_call(closed, list(consts) + residuals +
                               [c for c in cts if type(c) is not Zero], f"transpose({name})"))
    return [next(outs) if lin else None for lin in linear]


@dataclass(frozen=True)
class _Split:
    """A jit_call split by partial evaluation (see :func:`_jit_call_partial_eval`)."""
    known: ClosedJaxpr        # known consts + known args -> known outs + computed residuals
    known_consts: list
    residual_source: list     # per residual: index into known consts + args, or None
    unknown: ClosedJaxpr      # unknown consts + residuals + unknown args -> unknown outs
    unknown_consts: list
    out_unknowns: list


def _split_jit_call(jaxpr: ClosedJaxpr, in_unknowns) -> _Split:
    known, unknown, out_unknowns, n_res = partial_eval_closed(jaxpr, in_unknowns)
    known_open, known_consts = closed_to_open(known)
    kj = known_open.jaxpr
    n_known_out = len(kj.outvars) - n_res
    # A residual that is one of the known inputs is passed on directly instead of being
    # copied out of the known computation.
    source = passes.forwarded_outputs(kj)[n_known_out:]
    outvars = kj.outvars[:n_known_out] + [v for v, s in zip(kj.outvars[n_known_out:], source)
                                          if s is None]
    known_open = ClosedJaxpr(Jaxpr([], kj.invars, outvars, kj.eqns), [])
    unknown_open, unknown_consts = closed_to_open(unknown)
    return _Split(known_open, list(known_consts), source, unknown_open, list(unknown_consts),
                  list(out_unknowns))


def _jit_call_partial_eval(trace: PartialEvalTrace, args, *, jaxpr: ClosedJaxpr, name: str):
    in_unknowns = tuple(trace.is_own(x) for x in args)
    split = _cached("pe", jaxpr, in_unknowns, lambda: _split_jit_call(jaxpr, in_unknowns))
    known_in = split.known_consts + [x for x, u in zip(args, in_unknowns) if not u]
    unknown_args = [x for x, u in zip(args, in_unknowns) if u]
    known_outs = []
    if split.known.jaxpr.outvars:
        with set_current_trace(trace.parent):
            known_outs = _bind_jit_call(split.known, known_in, name)
    n_known = split.out_unknowns.count(False)
    computed = iter(known_outs[n_known:])
    residuals = [next(computed) if s is None else known_in[s] for s in split.residual_source]
    unknown_outs = trace.stage(jit_call_p, split.unknown_consts + residuals + unknown_args,
                               dict(jaxpr=split.unknown, name=name))
    k, u = iter(known_outs[:n_known]), iter(unknown_outs)
    return [next(u) if unk else next(k) for unk in split.out_unknowns]


jvp_rules[jit_call_p] = _jit_call_jvp
batch_rules[jit_call_p] = _jit_call_batch
transpose_rules[jit_call_p] = _jit_call_transpose
partial_eval_rules[jit_call_p] = _jit_call_partial_eval
