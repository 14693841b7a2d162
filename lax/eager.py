"""Eager execution of primitives through compiled executables.

With no transform active, ``bind`` applies a primitive's lowering rule to concrete
``jax.Array``s (the eval trace).  Called plainly, each ``jax.lax`` function inside a rule
takes JAX's Python dispatch path (~30 us per operation).  Instead, the rule with its params
fixed is wrapped in ``jax.jit`` once per ``(primitive, params)``, so later calls take
JAX's C++ fast path (~7 us) -- as ``jax.numpy``'s own functions are jitted.  Operands that
are not all concrete arrays (Python scalars, NumPy arrays, JAX's tracers when a rule runs
inside another lowering) and params that are callables (``debug_callback``'s function,
new for every call) keep the plain call.

:func:`install` wraps every first-order primitive's lowering rule that has no impl rule;
``zenax.lax`` calls it once all of its primitives are declared.
"""
from __future__ import annotations

import functools
from typing import Callable

import jax
import numpy as np

from zenax.tracer.core import Primitive, impl_rules, lowering_rules

# Executables kept per primitive; the oldest are dropped past this (shape params make
# many variants in long eager programs).
_CACHE_SIZE = 1024
_MISSING = object()


@functools.cache
def _array_type() -> type:
    # The class of concrete arrays (JAX's ArrayImpl); JAX's tracers are jax.Arrays too,
    # but must keep the plain call (they are inside someone else's trace).
    return type(jax.device_put(np.zeros((), np.float32)))


def _static(value) -> bool:
    """Whether a param can be baked into a compiled executable: data, not a function."""
    if isinstance(value, tuple):
        return all(_static(v) for v in value)
    return isinstance(value, type) or not callable(value)


def jitted_impl(primitive: Primitive, rule: Callable) -> Callable:
    """``rule`` run through one ``jax.jit`` executable per params (see the module doc)."""
    cache: dict = {}     # params -> jitted rule, or None where params are not all data
    array = None

    def compile_for(key: tuple):
        params = dict(key)
        fn = jax.jit(functools.partial(rule, **params)) if all(
            _static(v) for v in params.values()) else None
        if len(cache) >= _CACHE_SIZE:
            del cache[next(iter(cache))]
        cache[key] = fn
        return fn

    def impl(*args, **params):
        nonlocal array
        array = array or _array_type()
        for x in args:
            if type(x) is not array:
                return rule(*args, **params)
        key = tuple(params.items())
        try:
            fn = cache.get(key, _MISSING)
        except TypeError:       # an unhashable param
            return rule(*args, **params)
        if fn is _MISSING:
            fn = compile_for(key)
        return rule(*args, **params) if fn is None else fn(*args)
    impl.__name__ = f"{primitive}_impl"
    return impl


def install() -> None:
    """Give every primitive with a lowering rule and no impl rule a jitted impl."""
    for primitive, rule in list(lowering_rules.items()):
        if primitive not in impl_rules:
            impl_rules[primitive] = jitted_impl(primitive, rule)
