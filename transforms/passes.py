"""Jaxpr-to-jaxpr passes run before lowering.

Each pass is a small function from a :class:`Jaxpr` to an equivalent one:

- :func:`forward_unchanged` -- drop equations that return their input unchanged
  (a reshape to the same shape, a cast to the same dtype, an identity transpose...).
- :func:`fold_constants` -- evaluate equations whose operands are all literals.
- :func:`cse` -- common-subexpression elimination: one equation per distinct
  (primitive, operands, params).
- :func:`dce` -- dead-code elimination: drop equations whose results are never used.
- :func:`forwarded_outputs` -- which outputs are just inputs (jit returns those buffers
  directly instead of routing them through XLA).

:func:`optimize` runs them in order.
"""
from __future__ import annotations

import numpy as np

from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import lowering_rules
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var
from zenax.lax.debugging import debug_callback_p

# Primitives with side effects (debug printing, ...) are never removed or merged.
effectful_primitives: set = {debug_callback_p}


def _subst(env: dict, x):
    while type(x) is Var and x in env:
        x = env[x]
    return x


def _rebuild(jaxpr: Jaxpr, eqns: list, env: dict) -> Jaxpr:
    eqns = [eqn._replace(invars=[_subst(env, v) for v in eqn.invars]) for eqn in eqns]
    return Jaxpr(jaxpr.constvars, jaxpr.invars, [_subst(env, v) for v in jaxpr.outvars], eqns)


# --------------------------------------------------------------------------- forwarding

def _is_identity(eqn: JaxprEqn) -> bool:
    name, p = eqn.primitive.name, eqn.params
    if len(eqn.invars) != 1 or len(eqn.outvars) != 1:
        return False
    x, out = eqn.invars[0].aval, eqn.outvars[0].aval
    if x.shape != out.shape or x.dtype != out.dtype:
        return False
    if name == "convert_element_type":
        return p["weak_type"] == x.weak_type
    if name == "reshape":
        return p["dimensions"] is None
    if name == "transpose":
        return tuple(p["permutation"]) == tuple(range(x.ndim))
    if name == "broadcast_in_dim":
        return tuple(p["broadcast_dimensions"]) == tuple(range(x.ndim))
    if name in ("squeeze", "rev"):
        return not p["dimensions"]
    return False


def forward_unchanged(jaxpr: Jaxpr) -> Jaxpr:
    """Replace equations that return their operand unchanged by that operand."""
    env, eqns = {}, []
    for eqn in jaxpr.eqns:
        if _is_identity(eqn) and type(eqn.invars[0]) is Var:
            env[eqn.outvars[0]] = eqn.invars[0]
        else:
            eqns.append(eqn)
    return _rebuild(jaxpr, eqns, env)


def forwarded_outputs(jaxpr: Jaxpr) -> list:
    """For each output, the index of the input it is (unchanged), else None."""
    index = {v: i for i, v in enumerate(jaxpr.invars)}
    return [index.get(v) if type(v) is Var else None for v in jaxpr.outvars]


# --------------------------------------------------------------------------- constant folding

def _has_subjaxpr(eqn) -> bool:
    return any(isinstance(v, (Jaxpr, ClosedJaxpr)) for v in eqn.params.values())


def fold_constants(jaxpr: Jaxpr) -> Jaxpr:
    """Evaluate scalar equations whose operands are all literals; use the result inline."""
    env, eqns = {}, []
    for eqn in jaxpr.eqns:
        invars = [_subst(env, v) for v in eqn.invars]
        foldable = (invars and all(type(v) is Literal for v in invars)
                    and not eqn.primitive.multiple_results and not _has_subjaxpr(eqn)
                    and eqn.primitive not in effectful_primitives
                    and eqn.outvars[0].aval.shape == ()
                    and eqn.primitive in lowering_rules)
        if foldable:
            out_aval = eqn.outvars[0].aval
            value = lowering_rules[eqn.primitive](*[v.val for v in invars], **eqn.params)
            env[eqn.outvars[0]] = Literal(np.asarray(value, out_aval.dtype)[()], out_aval)
        else:
            eqns.append(eqn)
    return _rebuild(jaxpr, eqns, env)


# --------------------------------------------------------------------------- CSE

def _key(x):
    """A hashable stand-in for an operand or param value."""
    if type(x) is Var:
        return ("var", id(x))
    if type(x) is Literal:
        return ("lit", repr(np.asarray(x.val).item()), x.aval)
    try:
        hash(x)
        return x
    except TypeError:
        return ("id", id(x))


def cse(jaxpr: Jaxpr) -> Jaxpr:
    """Merge equations that apply the same primitive to the same operands and params."""
    env, seen, eqns = {}, {}, []
    for eqn in jaxpr.eqns:
        invars = [_subst(env, v) for v in eqn.invars]
        if eqn.primitive in effectful_primitives:
            eqns.append(eqn)
            continue
        key = (eqn.primitive, tuple(_key(v) for v in invars),
               tuple(sorted((k, _key(v)) for k, v in eqn.params.items())))
        prev = seen.get(key)
        if prev is not None:
            env.update(zip(eqn.outvars, prev.outvars))
        else:
            seen[key] = eqn
            eqns.append(eqn)
    return _rebuild(jaxpr, eqns, env)


# --------------------------------------------------------------------------- DCE

def dce(jaxpr: Jaxpr) -> Jaxpr:
    """Drop equations none of whose outputs are used (inputs are kept: the signature)."""
    live = {v for v in jaxpr.outvars if type(v) is Var}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        if eqn.primitive in effectful_primitives or any(v in live for v in eqn.outvars):
            kept.append(eqn)
            live.update(v for v in eqn.invars if type(v) is Var)
    kept.reverse()
    return Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.outvars, kept)


def optimize(jaxpr: Jaxpr) -> Jaxpr:
    """The pass pipeline used by jit."""
    for pass_ in (forward_unchanged, fold_constants, cse, dce):
        jaxpr = pass_(jaxpr)
    return jaxpr
