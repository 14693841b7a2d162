"""Jaxpr-to-jaxpr passes run before lowering.

Each pass is a small function from a :class:`Jaxpr` to an equivalent one:

- :func:`forward_unchanged` -- drop equations that return their input unchanged
  (a reshape to the same shape, a cast to the same dtype, an identity transpose...).
- :func:`fold_constants` -- evaluate scalar equations whose operands are all literals.
- :func:`cse` -- common-subexpression elimination: one equation per distinct
  (primitive, operands, params).
- :func:`dce` -- dead-code elimination: drop equations whose results are never used.
- :func:`forwarded_outputs` -- which outputs are just inputs (partial evaluation of a
  ``jit_call`` passes those on instead of copying them out of XLA).

:func:`optimize` runs the first four in order.  Equations with side effects (a
``debug_callback``, or a call whose sub-jaxpr contains one) are never removed, merged or
folded.  The passes keep meaning under later transforms too (jit's jaxpr is what ``grad``
of a jitted function differentiates), so e.g. ``stop_gradient`` is not an identity here.
"""
from __future__ import annotations

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import concrete_aval
from zenax.tracer.core import lowering_rules
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var
from zenax.lax.compiler_hints import dce_sink_p
from zenax.lax.debugging import debug_callback_p
from zenax.lax.inspect_sharding import inspect_sharding_p
from zenax.lax.io_callback import io_callback_p

# Primitives with side effects (debug printing, ...) are never removed or merged.
effectful_primitives: set = {debug_callback_p, dce_sink_p, inspect_sharding_p,
                             io_callback_p}


def _subst(env: dict, x):
    while type(x) is Var and x in env:
        x = env[x]
    return x


def _rebuild(jaxpr: Jaxpr, eqns: list, env: dict) -> Jaxpr:
    """``jaxpr`` with ``eqns``, operands renamed by ``env``.  Equations whose operands do
    not change are reused, not copied: a pass that changes little allocates little (which
    keeps tracing big programs linear; a copy per equation per pass feeds the garbage
    collector)."""
    if not env:
        if len(eqns) == len(jaxpr.eqns):
            return jaxpr
        return Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.outvars, eqns)
    new_eqns = []
    for eqn in eqns:
        if any(type(v) is Var and v in env for v in eqn.invars):
            eqn = eqn._replace(invars=[_subst(env, v) for v in eqn.invars])
        new_eqns.append(eqn)
    return Jaxpr(jaxpr.constvars, jaxpr.invars, [_subst(env, v) for v in jaxpr.outvars],
                 new_eqns)


def _subjaxprs(eqn: JaxprEqn):
    for value in eqn.params.values():
        for v in (value if isinstance(value, (tuple, list)) else (value,)):
            if isinstance(v, ClosedJaxpr):
                yield v.jaxpr
            elif isinstance(v, Jaxpr):
                yield v


def has_effects(eqn: JaxprEqn) -> bool:
    """Whether ``eqn`` has side effects: an effectful primitive, or a sub-jaxpr with one."""
    return eqn.primitive in effectful_primitives or any(
        has_effects(e) for j in _subjaxprs(eqn) for e in j.eqns)


# --------------------------------------------------------------------------- forwarding

_REDUCERS = {"reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_and",
             "reduce_or", "reduce_xor"}


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
    if name in _REDUCERS:
        return not p["axes"]
    if name == "integer_pow":
        return p["y"] == 1
    # A slice keeping every element, a concatenation of one array.
    return name in ("slice", "concatenate")


def forward_unchanged(jaxpr: Jaxpr) -> Jaxpr:
    """Replace equations that return their operand unchanged by that operand."""
    env, eqns = {}, []
    for eqn in jaxpr.eqns:
        if _is_identity(eqn):
            env[eqn.outvars[0]] = eqn.invars[0]
        else:
            eqns.append(eqn)
    return _rebuild(jaxpr, eqns, env)


def forwarded_outputs(jaxpr: Jaxpr) -> list:
    """For each output, the index of the input (among constvars then invars) it is,
    unchanged; None for computed outputs."""
    index = {v: i for i, v in enumerate(jaxpr.constvars + jaxpr.invars)}
    return [index.get(v) if type(v) is Var else None for v in jaxpr.outvars]


# --------------------------------------------------------------------------- constant folding

def fold_constants(jaxpr: Jaxpr) -> Jaxpr:
    """Evaluate scalar equations whose operands are all literals; use the result inline."""
    env, eqns = {}, []
    for eqn in jaxpr.eqns:
        invars = [_subst(env, v) for v in eqn.invars]
        foldable = (invars and all(type(v) is Literal for v in invars)
                    and not eqn.primitive.multiple_results
                    and not any(True for _ in _subjaxprs(eqn)) and not has_effects(eqn)
                    and eqn.outvars[0].aval.shape == ()
                    and not dtypes.is_extended(eqn.outvars[0].aval.dtype)   # (PRNG keys)
                    and eqn.primitive in lowering_rules)
        if foldable:
            aval = eqn.outvars[0].aval
            value = np.asarray(lowering_rules[eqn.primitive](*[v.val for v in invars],
                                                             **eqn.params), aval.dtype)[()]
            # A literal of a weak type is a Python scalar (as when one is staged), so it
            # stays weakly typed when lowered; others stay NumPy scalars, which have the
            # shape and dtype that code reading literals as arrays expects (a custom_vjp
            # rule given a folded boolean).
            if aval.weak_type and concrete_aval(value.item()) == aval:
                value = value.item()
            env[eqn.outvars[0]] = Literal(value, aval)
        else:
            eqns.append(eqn)
    return _rebuild(jaxpr, eqns, env)


# --------------------------------------------------------------------------- CSE

def _key(x):
    """A hashable stand-in for an operand or param value."""
    if type(x) is Var:
        return ("var", id(x))
    if type(x) is Literal:   # by value in its own dtype: 2 and 2.0 as f32 literals match
        return ("lit", repr(np.asarray(x.val, x.aval.dtype).item()), x.aval)
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
        if has_effects(eqn):
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
        if any(v in live for v in eqn.outvars) or has_effects(eqn):
            kept.append(eqn)
            live.update(v for v in eqn.invars if type(v) is Var)
    kept.reverse()
    return Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.outvars, kept)


def optimize(jaxpr: Jaxpr) -> Jaxpr:
    """The pass pipeline used by jit.

    >>> import zenax, zenax.numpy as jnp
    >>> jaxpr = zenax.make_jaxpr(lambda x: jnp.sin(x) + jnp.sin(x) * jnp.cos(0.0))(1.0)
    >>> print(optimize(jaxpr.jaxpr))
    { lambda ; a:f32[]. let
        b:f32[] = sin a
        c:f32[] = mul b 1.0:f32[]
        d:f32[] = add b c
      in (d,) }
    """
    for pass_ in (forward_unchanged, fold_constants, cse, dce):
        jaxpr = pass_(jaxpr)
    return jaxpr
