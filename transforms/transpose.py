"""Transposition: running a linear jaxpr backwards to get reverse-mode derivatives.

A linear jaxpr maps tangents to tangents.  Its transpose maps output cotangents to input
cotangents.  :func:`backward_pass` walks the equations in reverse; for each it calls the
primitive's transpose rule with the output cotangent, passing the linear operands as
:class:`UndefinedPrimal` and the others (residuals, literals) as values, and accumulates
the returned cotangents.  Cotangents may be symbolic :class:`Zero`s, which skip work.
"""
from __future__ import annotations

from zenax.tracer import provenance
from zenax.tracer.ad_types import UndefinedPrimal, Zero
from zenax.tracer.core import bind, transpose_rules
from zenax.tracer.ir import Jaxpr, Literal
from zenax.lax.elementwise import add_tangents


def backward_pass(jaxpr: Jaxpr, consts: list, cts_out: list) -> list:
    """Cotangents of ``jaxpr``'s inputs (all linear) given its outputs' cotangents.

    Outputs that are not linear (do not depend on the inputs) get no cotangent.  What it
    stages is tagged ``"transposed"`` (provenance.py)."""
    with provenance.backward_pass():
        return _backward_pass(jaxpr, consts, cts_out)


def _backward_pass(jaxpr: Jaxpr, consts: list, cts_out: list) -> list:
    primal_env = dict(zip(jaxpr.constvars, consts))
    # An equation is linear if any operand is.  The others (e.g. primal values that a
    # rematerialized body recomputes) are evaluated forward first.
    linear_vars = set(jaxpr.invars)
    linear_eqns = []
    for eqn in jaxpr.eqns:
        if any(type(v) is not Literal and v in linear_vars for v in eqn.invars):
            linear_vars.update(eqn.outvars)
            linear_eqns.append(eqn)
        else:
            args = [v.val if type(v) is Literal else primal_env[v] for v in eqn.invars]
            with provenance.reinterpreting(eqn.source_info, eqn.provenance):
                out = bind(eqn.primitive, *args, **eqn.params)
            outs = out if eqn.primitive.multiple_results else [out]
            primal_env.update(zip(eqn.outvars, outs))
    ct_env: dict = {}

    def write_ct(v, ct):
        if type(v) is Literal or v not in linear_vars or type(ct) is Zero:
            return
        ct_env[v] = add_tangents(ct_env[v], ct) if v in ct_env else ct

    def read_primal(v):
        if type(v) is Literal:
            return v.val
        if v in linear_vars:
            return UndefinedPrimal(v.aval)
        return primal_env[v]

    for v, ct in zip(jaxpr.outvars, cts_out):
        write_ct(v, ct)
    for eqn in reversed(linear_eqns):
        cts = [ct_env.pop(v, None) for v in eqn.outvars]
        if all(ct is None for ct in cts):
            continue
        cts = [Zero(v.aval) if ct is None else ct for v, ct in zip(eqn.outvars, cts)]
        invals = [read_primal(v) for v in eqn.invars]
        rule = transpose_rules.get(eqn.primitive)
        if rule is None:
            raise NotImplementedError(
                f"Transpose rule (for reverse-mode differentiation) for '{eqn.primitive}' "
                "not implemented.")
        ct_arg = cts if eqn.primitive.multiple_results else cts[0]
        with provenance.reinterpreting(eqn.source_info):
            cts_in = rule(ct_arg, *invals, **eqn.params)
        for v, ct in zip(eqn.invars, cts_in):
            if ct is not None:
                write_ct(v, ct)
    return [ct_env.get(v, Zero(v.aval)) for v in jaxpr.invars]
