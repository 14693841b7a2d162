"""Lowering: turning a jaxpr into one XLA computation.

:func:`lower_jaxpr` is an interpreter over the jaxpr that applies each primitive's
``lower`` rule (a ``jax.lax`` call) to JAX values.  Running it under one ``jax.jit``
gives one XLA computation per zenax ``jit``; nested ``jit_call``s are lowered inline, and
higher-order primitives recurse into their sub-jaxprs.  ``jax.jit`` here is the entry
point to the compiler, never a transformation of our program.
"""
from __future__ import annotations

import jax

from zenax.tracer.core import lowering_rules
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, Literal
from zenax.lax.higher_order import jit_call_p


def lower_jaxpr(jaxpr: Jaxpr, consts, *args) -> list:
    """Evaluate ``jaxpr`` on JAX values with every primitive's lowering rule."""
    env = {}

    def read(v):
        return v.val if type(v) is Literal else env[v]

    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    for eqn in jaxpr.eqns:
        rule = lowering_rules.get(eqn.primitive)
        if rule is None:
            raise NotImplementedError(f"No lowering rule for primitive '{eqn.primitive}'.")
        out = rule(*map(read, eqn.invars), **eqn.params)
        if eqn.primitive.multiple_results:
            env.update(zip(eqn.outvars, out))
        else:
            env[eqn.outvars[0]] = out
    return [read(v) for v in jaxpr.outvars]


def _jit_call_lower(*args, jaxpr: ClosedJaxpr, name: str):
    return lower_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)


lowering_rules[jit_call_p] = _jit_call_lower


def xla_callable(jaxpr: Jaxpr, name: str = "jit", donate_argnums=(), in_shardings=None,
                 out_shardings=None, compiler_options=None):
    """A ``jax.jit``-compiled function running ``jaxpr``: called with the consts then the
    arguments (flat), it returns the list of outputs.

    ``donate_argnums`` index the arguments (after the consts); ``in_shardings`` has one
    entry per const and argument, ``out_shardings`` one per output (None: unspecified).
    """
    n_consts = len(jaxpr.constvars)

    def fn(*args):
        return lower_jaxpr(jaxpr, args[:n_consts], *args[n_consts:])

    fn.__name__ = name
    kwargs = {}
    if donate_argnums:
        kwargs["donate_argnums"] = tuple(n_consts + i for i in donate_argnums)
    if in_shardings is not None:
        kwargs["in_shardings"] = tuple(in_shardings)
    if out_shardings is not None:
        kwargs["out_shardings"] = list(out_shardings)   # the structure of fn's output
    if compiler_options:
        kwargs["compiler_options"] = compiler_options
    return jax.jit(fn, **kwargs)
