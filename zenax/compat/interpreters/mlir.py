"""``jax.interpreters.mlir`` as zenax: how a library's primitive compiles under ``jit``.

JAX lowers a primitive to MLIR with a rule registered by ``mlir.register_lowering(p,
rule)``. Libraries that build their primitives from ``jax.numpy`` code write that rule
as ``mlir.lower_fun(fun, multiple_results)``: "compile ``p`` as ``fun`` would".
zenax's lowering rules are functions of JAX values (DESIGN.md §4), so
``register_lowering(p, lower_fun(fun, ...))`` gives ``p`` a zenax lowering rule that
stages ``fun`` (zenax ops, since the library's ``jax.numpy`` is zenax's) into a zenax
jaxpr on the operands' types and lowers that jaxpr in place.

A rule written directly against JAX's MLIR builder (``rule(ctx, *ir_values)``) has
nothing zenax can run. Registering one succeeds (libraries do it at import time); if the
primitive has an ``impl``, zenax compiles it as a host callback that runs the impl
(``jax.pure_callback``: the same results, without the MLIR rule's code generation --
Equinox's ``noinline`` lowers to exactly such a callback), and otherwise compiling it
raises ``NotImplementedError`` naming it.

>>> import zenax, zenax.numpy as jnp
>>> from zenax.compat.extend.core import Primitive
>>> halve_p = Primitive("halve")
>>> _ = halve_p.def_abstract_eval(lambda aval: aval)
>>> register_lowering(halve_p, lower_fun(lambda x: x / 2, multiple_results=False))
>>> zenax.jit(halve_p.bind)(jnp.arange(3.0))
Array([0. , 0.5, 1. ], dtype=float32)
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import numpy as np

from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Primitive, abstract_eval_rules, eval_trace, impl_rules,
                               lowering_rules, set_current_trace)
from zenax.tracer.staging import trace_to_jaxpr
from zenax.transforms.lowering import lower_jaxpr

__all__ = ["LoweredFun", "lower_fun", "register_lowering"]


class LoweredFun:
    """What :func:`lower_fun` returns: ``fun`` to be compiled in a primitive's place."""

    def __init__(self, fun: Callable, multiple_results: bool):
        self.fun = fun
        self.multiple_results = multiple_results

    def __call__(self, *args, **params):
        raise TypeError(
            "mlir.lower_fun(...) makes a lowering rule for mlir.register_lowering; under "
            "zenax it is not called directly")


def lower_fun(fun: Callable, multiple_results: bool = True) -> LoweredFun:
    """A lowering rule that compiles a primitive as ``fun`` (``fun(*args, **params)``
    returns the primitive's output: a list if ``multiple_results``)."""
    return LoweredFun(fun, multiple_results)


def _aval_of(x) -> ShapedArray:
    # Lowering rules see JAX values (arrays, or jax.jit's tracers): their JAX type.
    aval = jax.typeof(x)
    return ShapedArray(aval.shape, aval.dtype, aval.weak_type)


def _rule_from_fun(lowered: LoweredFun) -> Callable:
    def rule(*vals, **params):
        def flat_fun(*args):
            out = lowered.fun(*args, **params)
            return list(out) if lowered.multiple_results else [out]
        with set_current_trace(eval_trace):
            closed, _ = trace_to_jaxpr(flat_fun, [_aval_of(v) for v in vals],
                                       fun_name=getattr(lowered.fun, "__name__", None))
        outs = lower_jaxpr(closed.jaxpr, closed.consts, *vals)
        return outs if lowered.multiple_results else outs[0]
    return rule


def _mlir_rule(prim: Primitive) -> Callable:
    def rule(*vals, **params):
        impl = impl_rules.get(prim)
        if impl is None:
            raise NotImplementedError(
                f"Primitive '{prim}' was given a lowering rule written against JAX's MLIR "
                "builder (mlir.register_lowering(p, rule) with rule(ctx, *values)) and no "
                "impl; zenax cannot run it. Register mlir.lower_fun(impl, "
                "multiple_results) instead, with impl written in jax.numpy / jax.lax.")
        out_avals = abstract_eval_rules[prim](*[_aval_of(v) for v in vals], **params)
        out_avals = out_avals if prim.multiple_results else [out_avals]

        def callback(*arrays):
            with set_current_trace(eval_trace):
                outs = impl(*arrays, **params)
            return [np.asarray(o) for o in (outs if prim.multiple_results else [outs])]

        outs = jax.pure_callback(callback, [jax.ShapeDtypeStruct(a.shape, a.dtype)
                                            for a in out_avals], *vals)
        return list(outs) if prim.multiple_results else outs[0]
    return rule


def register_lowering(prim: Primitive, rule: Any, platform: str | None = None,
                      **kwargs) -> None:
    """Give ``prim`` its lowering (``rule`` from :func:`lower_fun`); ``platform``:
    zenax's lowering goes through ``jax.lax``, which picks per platform itself, so a
    platform-specific rule applies on every platform."""
    del platform, kwargs
    lowering_rules[prim] = (_rule_from_fun(rule) if isinstance(rule, LoweredFun)
                            else _mlir_rule(prim))
