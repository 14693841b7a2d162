"""Eager execution of primitives and numpy functions through compiled executables.

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

One level up, the same is done for a whole ``zenax.numpy`` or ``zenax.nn`` function
(``jnp.matmul`` is promotion, a reshape or two and a ``dot_general``): called eagerly on
concrete arrays, it runs as one ``jax.jit`` executable of the function -- traced once per
input types by running the function itself on JAX's tracers, so its primitives' lowering
rules emit the XLA -- and the dispatch cost is one C++ cache lookup, as for
``jax.numpy``'s jitted functions.  Anything else (tracers of a zenax transform, Python
scalars, NumPy scalars, arguments the compiled form rejects) takes the plain call,
which is also where errors are raised, so they read the same either way.

Such a function is marked where it is defined, ``@compiled_when_eager()``; the mark
leaves it unchanged, so the library's own calls between its functions stay plain calls.
Only the public namespace's bindings are wrapped, by :func:`compile_marked` once the
namespace has imported them.
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable

import jax
import numpy as np

from zenax.tracer import core
from zenax.tracer.core import EvalTrace, Primitive, impl_rules, lowering_rules

# Executables kept per primitive; the oldest are dropped past this (shape params make
# many variants in long eager programs).
_CACHE_SIZE = 1024
_MISSING = object()


@functools.cache
def _array_types() -> tuple[type, ...]:
    # The classes of concrete arrays: JAX's ArrayImpl and its typed-key array.  JAX's
    # tracers are jax.Arrays too, but must keep the plain call (they are inside someone
    # else's trace); the first call may come inside one, hence compile-time evaluation.
    with jax.ensure_compile_time_eval():
        return type(jax.device_put(np.zeros((), np.float32))), type(jax.random.key(0))


def is_concrete_array(x) -> bool:
    """Whether ``x`` holds values now: a NumPy array or scalar, or a concrete jax.Array
    (typed key arrays included) -- not a zenax tracer, nor one of JAX's tracers (a
    function compiled for eager calls runs on those)."""
    return isinstance(x, (np.ndarray, np.generic, *_array_types()))


def _static(value) -> bool:
    """Whether a param can be baked into a compiled executable: data, not a function."""
    if isinstance(value, tuple):
        return all(_static(v) for v in value)
    return isinstance(value, type) or not callable(value)


def jitted_impl(primitive: Primitive, rule: Callable) -> Callable:
    """``rule`` run through one ``jax.jit`` executable per params (see the module doc)."""
    cache: dict = {}     # params -> jitted rule, or None where params are not all data
    arrays = None

    def compile_for(key: tuple):
        params = dict(key)
        fn = jax.jit(functools.partial(rule, **params)) if all(
            _static(v) for v in params.values()) else None
        if len(cache) >= _CACHE_SIZE:
            del cache[next(iter(cache))]
        cache[key] = fn
        return fn

    def impl(*args, **params):
        nonlocal arrays
        arrays = arrays or _array_types()
        for x in args:
            if type(x) not in arrays:
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


def compiled_when_eager(*, static_argnames: tuple[str, ...] = (),
                        n_arrays: int | None = None) -> Callable[[Callable], Callable]:
    """Mark a function to run as one ``jax.jit`` executable when called eagerly.

    The function is returned unchanged; :func:`compile_marked` later binds its compiled
    form (see :func:`_compiled_form` for ``static_argnames`` and ``n_arrays``) in a public
    namespace::

        @compiled_when_eager(n_arrays=2, static_argnames=("precision",))
        def matmul(a, b, *, precision=None): ...
    """
    def mark(fn: Callable) -> Callable:
        _marked[id(fn)] = fn, dict(static_argnames=static_argnames, n_arrays=n_arrays)
        return fn
    return mark


def compile_marked(namespace: dict) -> None:
    """Replace each function in ``namespace`` marked with :func:`compiled_when_eager` by
    its compiled form: one per function, however many names and namespaces bind it
    (``abs``/``absolute``, ``jnp.matmul``/``jnp.linalg.matmul``)."""
    for name, value in list(namespace.items()):
        if id(value) in _marked:
            if id(value) not in _compiled:
                fn, options = _marked[id(value)]
                _compiled[id(value)] = _compiled_form(fn, **options)
            namespace[name] = _compiled[id(value)]


def _is_numpy_data(x) -> bool:
    """A NumPy array of at least one dimension with a dtype JAX holds: JAX's jitted
    ``jax.numpy`` functions take it as an argument (one executable, the same bits as for a
    ``jax.Array``). NumPy scalars and 0-d arrays keep the plain call, where a function may
    read their value as a static number (``power``'s integer exponent), as JAX does."""
    return type(x) is np.ndarray and x.ndim > 0 and x.dtype.kind in "biufc"


def _compiled_form(fn: Callable, static_argnames: tuple[str, ...],
                   n_arrays: int | None) -> Callable:
    """``fn``, run as one ``jax.jit`` executable when called eagerly on concrete arrays.

    The fast path is taken when no transform is active (the plain eval trace, not the
    NaN-checking one), the first ``n_arrays`` positional arguments (all of them if None)
    are given and are concrete ``jax.Array``s or NumPy arrays (:func:`_is_numpy_data`),
    and every keyword is one of
    ``static_argnames`` (which are compiled in, as are positional arguments after the
    first ``n_arrays``, which must be among ``static_argnames``).  Otherwise, or if the
    compiled form raises, ``fn`` is called as usual: the same result, at eager dispatch
    speed.
    """
    parameters = inspect.signature(fn).parameters
    static = frozenset(name for name in static_argnames if name in parameters)
    compiled = jax.jit(fn, static_argnames=tuple(static))
    context = core._context

    @functools.wraps(fn)
    def dispatch(*args, **kwargs):
        if type(context.trace) is EvalTrace and (not kwargs or static.issuperset(kwargs)) \
                and (n_arrays is None or len(args) >= n_arrays):
            arrays = _array_types()
            for x in (args if n_arrays is None else args[:n_arrays]):
                if type(x) not in arrays and not _is_numpy_data(x):
                    break
            else:
                try:
                    out = compiled(*args, **kwargs)
                except Exception:   # noqa: BLE001 -- the plain call below raises or works
                    fallbacks[fn.__name__] = fallbacks.get(fn.__name__, 0) + 1
                else:
                    dispatch.compiled_calls += 1
                    return out
        return fn(*args, **kwargs)
    dispatch.eager_compiled = compiled
    dispatch.compiled_calls = 0     # how many calls ran compiled (tests check the path)
    return dispatch


# Each function marked with ``compiled_when_eager`` and its options, by id (a namespace
# holds unhashable values too); holding the function keeps its id from being reused.
_marked: dict[int, tuple[Callable, dict]] = {}
_compiled: dict[int, Callable] = {}       # id of a marked function -> its compiled form

# Calls of compiled-when-eager functions whose compiled form raised, by function name
# (tests check that ordinary calls never land here: a fallback is a slow path).
fallbacks: dict[str, int] = {}
