"""``jit``: trace once per input signature, optimize, lower to XLA, cache the executable.

``zenax.jit(f)(*args)``:

1. splits static arguments from dynamic ones and flattens the dynamic pytree;
2. looks up ``(pytree structure, avals with weak types, static values)`` in the cache;
3. on a miss, traces ``f`` to a closed jaxpr, runs the jaxpr passes (``passes.py``),
   and compiles it through ``jax.jit`` (``lowering.py``) -- recording *why* it missed;
4. runs the executable.

Under another transform (grad, vmap, an outer jit) the call instead binds the
``jit_call`` primitive with the jaxpr, so transforms see one equation and apply their
rule for it: jvp / batch / transpose / partial-eval of the sub-jaxpr, staged into a new
``jit_call``.  That is why ``grad(jit(f))``, ``jit(grad(f))`` and ``vmap(jit(f))`` all
compile once.
"""
from __future__ import annotations

import functools
import inspect
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import UndefinedPrimal, Zero, is_undefined_primal, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (Tracer, batch_rules, bind, current_trace, eval_trace, get_aval,
                               impl_rules, jvp_rules, set_current_trace, transpose_rules)
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, Literal, Var, eval_jaxpr
from zenax.tracer.make_jaxpr import normalize_argnums, shaped_abstractify
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_unflatten
from zenax.lax.ad_util import instantiate, tangent_aval
from zenax.lax.higher_order import jit_call_p

from . import debugging, passes
from .linearize import PartialEvalTrace, partial_eval_rules
from .lowering import xla_callable
from .subjaxpr import batch_jaxpr, jvp_jaxpr, partial_eval_jaxpr, transpose_jaxpr

logger = logging.getLogger("zenax.jit")


class _Config:
    """Switches read by jit (set through ``zenax.config.update``)."""
    disable_jit = False
    log_compiles = False


config = _Config()


# --------------------------------------------------------------------------- helpers

def closed_to_open(closed: ClosedJaxpr) -> tuple[ClosedJaxpr, list]:
    """Turn constvars into leading invars, so consts travel as ordinary operands."""
    j = closed.jaxpr
    return ClosedJaxpr(Jaxpr([], j.constvars + j.invars, j.outvars, j.eqns), []), closed.consts


def _optimized(closed: ClosedJaxpr) -> ClosedJaxpr:
    return ClosedJaxpr(passes.optimize(closed.jaxpr), closed.consts)


# Executables for jit_call equations evaluated eagerly (e.g. the jvp of a jit'd function).
_executables: dict = {}


def _jit_call_impl(*args, jaxpr: ClosedJaxpr, name: str, **_):
    exe = _executables.get(id(jaxpr))
    if exe is None or exe[0] is not jaxpr:
        exe = (jaxpr, xla_callable(passes.optimize(jaxpr.jaxpr), name))
        _executables[id(jaxpr)] = exe
    return list(exe[1](*jaxpr.consts, *args))


impl_rules[jit_call_p] = _jit_call_impl


def _bind_jit_call(closed: ClosedJaxpr, args, name):
    return bind(jit_call_p, *args, jaxpr=closed, name=name)


# --------------------------------------------------------------------------- transform rules
# Each rule traces the transform applied to the sub-jaxpr into a new jaxpr (cached per
# jaxpr and configuration) and binds jit_call on it.

_rule_cache: dict = {}


def _cached(kind, jaxpr, key, build):
    full_key = (kind, id(jaxpr), key)
    hit = _rule_cache.get(full_key)
    if hit is not None and hit[0] is jaxpr:
        return hit[1]
    value = build()
    _rule_cache[full_key] = (jaxpr, value)
    return value


def _jit_call_jvp(primals, tangents, *, jaxpr: ClosedJaxpr, name: str):
    nonzero = tuple(type(t) is not Zero for t in tangents)
    new, out_has_t = _cached("jvp", jaxpr, nonzero, lambda: jvp_jaxpr(jaxpr, nonzero))
    closed, consts = closed_to_open(new)
    outs = _bind_jit_call(closed, list(consts) + list(primals) +
                          [t for t in tangents if type(t) is not Zero], f"jvp({name})")
    n_out = len(jaxpr.out_avals)
    t_out = iter(outs[n_out:])
    return outs[:n_out], [next(t_out) if has else Zero(tangent_aval(a))
                          for a, has in zip(jaxpr.out_avals, out_has_t)]


def _jit_call_batch(args, dims, *, jaxpr: ClosedJaxpr, name: str):
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    key = (tuple(dims), size)
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


def _jit_call_partial_eval(trace: PartialEvalTrace, args, *, jaxpr: ClosedJaxpr, name: str):
    in_unknowns = tuple(trace.is_own(x) for x in args)

    def build():
        known, unknown, out_unknowns, residuals = partial_eval_jaxpr(jaxpr.jaxpr, in_unknowns)
        return (ClosedJaxpr(known, jaxpr.consts), ClosedJaxpr(unknown, []), out_unknowns,
                len(residuals))

    known, unknown, out_unknowns, n_res = _cached("pe", jaxpr, in_unknowns, build)
    known_args = [x for x, u in zip(args, in_unknowns) if not u]
    unknown_args = [x for x, u in zip(args, in_unknowns) if u]
    known_open, known_consts = closed_to_open(known)
    with set_current_trace(trace.parent):
        known_outs = _bind_jit_call(known_open, list(known_consts) + known_args, name)
    n_known = len(known_outs) - n_res
    residuals = known_outs[n_known:]
    unknown_outs = trace.stage(jit_call_p, residuals + unknown_args,
                               dict(jaxpr=unknown, name=name))
    k, u = iter(known_outs[:n_known]), iter(unknown_outs)
    return [next(u) if unk else next(k) for unk in out_unknowns]


jvp_rules[jit_call_p] = _jit_call_jvp
batch_rules[jit_call_p] = _jit_call_batch
transpose_rules[jit_call_p] = _jit_call_transpose
partial_eval_rules[jit_call_p] = _jit_call_partial_eval


# --------------------------------------------------------------------------- the jit wrapper

@dataclass
class CacheEntry:
    jaxpr: ClosedJaxpr
    executable: Any
    out_tree: Any
    forwarded: list
    trace_time: float
    compile_time: float = 0.0


@dataclass
class CacheStats:
    """What a jitted function has done: ``traces``, ``compiles``, ``hits`` and, for every
    retrace, a sentence saying which argument changed (``miss_reasons``)."""
    traces: int = 0
    compiles: int = 0
    hits: int = 0
    miss_reasons: list = field(default_factory=list)


def _describe_leaf_changes(old_key, new_key, arg_names) -> list[str]:
    old_tree, old_avals, old_static = old_key
    new_tree, new_avals, new_static = new_key
    reasons = []
    if old_static != new_static:
        for (name, a), (_, b) in zip(old_static, new_static):
            if a != b:
                reasons.append(f"static argument {name} changed from {a!r} to {b!r}")
    if old_tree != new_tree:
        reasons.append(f"the pytree structure of the arguments changed from {old_tree} "
                       f"to {new_tree}")
    elif old_avals != new_avals:
        for i, (a, b) in enumerate(zip(old_avals, new_avals)):
            if a == b:
                continue
            where = arg_names[i] if i < len(arg_names) else f"leaf {i}"
            if a.shape != b.shape:
                reasons.append(f"{where} shape changed from {a.shape} to {b.shape}")
            elif a.dtype != b.dtype:
                reasons.append(f"{where} dtype changed from {a.dtype} to {b.dtype}")
            else:
                reasons.append(f"{where} weak_type changed from {a.weak_type} to {b.weak_type}"
                               " (a Python scalar vs an array)")
    return reasons


class Jitted:
    """The callable returned by :func:`jit`.  Also: ``.lower(*args)``, ``.trace(*args)``,
    ``.eval_shape(*args)``, ``.cache_stats()``, ``.clear_cache()``."""

    def __init__(self, fun, static_argnums, static_argnames, donate_argnums, donate_argnames,
                 in_shardings, out_shardings):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.name = getattr(fun, "__name__", "fun")
        try:
            self._signature = inspect.signature(fun)
        except (TypeError, ValueError):
            self._signature = None
        self.static_argnums = _as_tuple(static_argnums)
        self.static_argnames = _as_tuple(static_argnames)
        if self._signature is not None:
            params = list(self._signature.parameters)
            # Static names given by position and by name refer to the same arguments.
            for i in self.static_argnums:
                if 0 <= i < len(params) and params[i] not in self.static_argnames:
                    self.static_argnames += (params[i],)
            for n in self.static_argnames:
                if n in params and params.index(n) not in self.static_argnums:
                    self.static_argnums += (params.index(n),)
        self.donate_argnums = _as_tuple(donate_argnums)
        self.donate_argnames = _as_tuple(donate_argnames)
        self.in_shardings, self.out_shardings = in_shardings, out_shardings
        self._cache: dict = {}
        self._last_key = None
        self._stats = CacheStats()

    # -- argument processing
    def _split(self, args, kwargs):
        nargs = len(args)
        static_nums = tuple(i % nargs for i in self.static_argnums if -nargs <= i < nargs)
        static = []
        for i in sorted(static_nums):
            static.append((f"args[{i}]", _check_hashable(self.name, f"args[{i}]", args[i])))
        dyn_kwargs = {}
        for k, v in kwargs.items():
            if k in self.static_argnames:
                static.append((k, _check_hashable(self.name, k, v)))
            else:
                dyn_kwargs[k] = v
        dyn_args = tuple(a for i, a in enumerate(args) if i not in static_nums)
        dyn_idx = [i for i in range(nargs) if i not in static_nums]
        return dyn_args, dyn_idx, dyn_kwargs, tuple(static)

    def _arg_names(self, dyn_args, dyn_idx, dyn_kwargs):
        from zenax.tracer.tree_util import keystr, tree_flatten_with_path
        params = list(self._signature.parameters) if self._signature else []
        names = []
        for path, _ in tree_flatten_with_path((dyn_args, dyn_kwargs))[0]:
            first, rest = path[0], path[1:]
            if getattr(first, "idx", None) == 0 and rest:
                i = dyn_idx[rest[0].idx]
                base = params[i] if i < len(params) else f"args[{i}]"
                names.append(f"argument '{base}{keystr(rest[1:])}'")
            else:
                names.append(f"argument '{keystr(rest)}'")
        return names

    def _trace(self, args, kwargs):
        dyn_args, dyn_idx, dyn_kwargs, static = self._split(args, kwargs)
        flat, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        avals = tuple(shaped_abstractify(x) for x in flat)
        return dyn_args, dyn_idx, dyn_kwargs, static, flat, in_tree, avals

    def _make_jaxpr(self, args, kwargs, dyn_idx, static_vals, in_tree, avals):
        statics = dict(static_vals)
        out_box = {}

        def flat_fun(*flat_tracers):
            d_args, d_kwargs = tree_unflatten(in_tree, flat_tracers)
            full = list(args)
            for i, v in zip(dyn_idx, d_args):
                full[i] = v
            kw = dict(kwargs)
            kw.update(d_kwargs)
            out = self.fun(*full, **kw)
            leaves, out_box["tree"] = tree_flatten(out)
            return leaves

        t0 = time.perf_counter()
        closed, _ = trace_to_jaxpr(flat_fun, list(avals))
        self._stats.traces += 1
        return closed, out_box["tree"], time.perf_counter() - t0

    def _entry(self, args, kwargs, compile: bool = True) -> tuple[CacheEntry, list]:
        dyn_args, dyn_idx, dyn_kwargs, static, flat, in_tree, avals = self._trace(args, kwargs)
        key = (in_tree, avals, static)
        entry = self._cache.get(key)
        if entry is not None:
            self._stats.hits += 1
            return entry, flat
        if self._last_key is not None:
            names = self._arg_names(dyn_args, dyn_idx, dyn_kwargs)
            reasons = _describe_leaf_changes(self._last_key, key, names) or ["new input signature"]
            self._stats.miss_reasons.append("; ".join(reasons))
        self._last_key = key
        closed, out_tree, trace_time = self._make_jaxpr(args, kwargs, dyn_idx, static, in_tree,
                                                        avals)
        closed = _optimized(closed)
        forwarded = passes.forwarded_outputs(closed.jaxpr)
        entry = CacheEntry(closed, None, out_tree, forwarded, trace_time)
        # A jaxpr closing over another transform's tracers is only valid inside it.
        if not any(isinstance(c, Tracer) for c in closed.consts):
            self._cache[key] = entry
        return entry, flat

    def _compile(self, entry: CacheEntry, args, kwargs):
        if entry.executable is None:
            t0 = time.perf_counter()
            donate = (self._flat_donate(args, kwargs)
                      if (self.donate_argnums or self.donate_argnames) else ())
            entry.executable = xla_callable(entry.jaxpr.jaxpr, self.name, donate,
                                            self.in_shardings, self.out_shardings)
            entry.compile_time = time.perf_counter() - t0
            self._stats.compiles += 1
            if config.log_compiles:
                logger.warning("Compiling %s: trace %.1f ms, lower+compile (lazy) %.1f ms",
                               self.name, 1e3 * entry.trace_time, 1e3 * entry.compile_time)
        return entry.executable

    def _flat_donate(self, args, kwargs):
        """Flat leaf indices of the donated arguments (every leaf of a donated argument)."""
        dyn_args, dyn_idx, dyn_kwargs, _ = self._split(args, kwargs)
        nargs = len(args)
        donated = {i % nargs for i in self.donate_argnums if -nargs <= i < nargs}
        if self._signature is not None:
            params = list(self._signature.parameters)
            donated |= {params.index(n) for n in self.donate_argnames if n in params}
        out, start = [], 0
        for i, a in zip(dyn_idx, dyn_args):
            n = len(tree_flatten(a)[0])
            if i in donated:
                out.extend(range(start, start + n))
            start += n
        for k in sorted(dyn_kwargs):   # kwargs flatten in sorted key order
            n = len(tree_flatten(dyn_kwargs[k])[0])
            if k in self.donate_argnames:
                out.extend(range(start, start + n))
            start += n
        return tuple(out)

    # -- calling
    def __call__(self, *args, **kwargs):
        if config.disable_jit:
            return self.fun(*args, **kwargs)
        entry, flat = self._entry(args, kwargs)
        if current_trace() is not eval_trace:
            closed, consts = closed_to_open(entry.jaxpr)
            outs = _bind_jit_call(closed, list(consts) + flat, self.name)
            return tree_unflatten(entry.out_tree, outs)
        exe = self._compile(entry, args, kwargs)
        outs = exe(*entry.jaxpr.consts, *flat)
        if debugging.nan_state.enabled and any(debugging._has_nan(o) for o in outs):
            # Re-run op by op to name the first primitive (and user line) making a NaN.
            debugging.rerun_for_nans(entry.jaxpr.jaxpr, entry.jaxpr.consts, flat)
        return tree_unflatten(entry.out_tree, list(outs))

    # -- AOT
    def trace(self, *args, **kwargs) -> "Traced":
        entry, flat = self._entry(args, kwargs)
        return Traced(self, entry, flat, args, kwargs)

    def lower(self, *args, **kwargs) -> "Lowered":
        return self.trace(*args, **kwargs).lower()

    def eval_shape(self, *args, **kwargs):
        entry, _ = self._entry(args, kwargs)
        return tree_unflatten(entry.out_tree,
                              [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
                               for a in entry.jaxpr.out_avals])

    def cache_stats(self) -> CacheStats:
        return self._stats

    def clear_cache(self) -> None:
        self._cache.clear()
        self._last_key = None

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self, obj)

    def __repr__(self):
        return f"<zenax.jit of {self.name}>"


class Traced:
    """``jit(f).trace(*args)``: the staged program (``.jaxpr``) before lowering."""

    def __init__(self, jitted, entry, flat, args, kwargs):
        self.jitted, self.entry, self.flat = jitted, entry, flat
        self.args, self.kwargs = args, kwargs
        self.jaxpr = entry.jaxpr

    def lower(self) -> "Lowered":
        specs = [jax.ShapeDtypeStruct(np.shape(x), get_aval(x).dtype) for x in
                 list(self.entry.jaxpr.consts) + list(self.flat)]
        exe = self.jitted._compile(self.entry, self.args, self.kwargs)
        return Lowered(exe.lower(*specs), self.entry)


class Lowered:
    """``jit(f).lower(*args)``: ``.as_text()`` (StableHLO), ``.compile()``,
    ``.cost_analysis()``."""

    def __init__(self, jax_lowered, entry):
        self._lowered, self._entry = jax_lowered, entry

    def as_text(self, dialect: str | None = None) -> str:
        return self._lowered.as_text() if dialect is None else self._lowered.as_text(dialect)

    def compile(self) -> "Compiled":
        return Compiled(self._lowered.compile(), self._entry)

    def cost_analysis(self):
        return self._lowered.cost_analysis()


class Compiled:
    """``jit(f).lower(*args).compile()``: call it with the same kinds of arguments."""

    def __init__(self, jax_compiled, entry):
        self._compiled, self._entry = jax_compiled, entry

    def __call__(self, *args, **kwargs):
        flat, _ = tree_flatten((args, kwargs))
        outs = self._compiled(*self._entry.jaxpr.consts, *flat)
        return tree_unflatten(self._entry.out_tree, list(outs))

    def as_text(self) -> str:
        return self._compiled.as_text()

    def cost_analysis(self):
        return self._compiled.cost_analysis()


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, (int, str)):
        return (x,)
    return tuple(x)


def _check_hashable(fname, argname, value):
    try:
        hash(value)
    except TypeError:
        raise ValueError(
            f"Non-hashable static arguments are not supported. An error occurred while "
            f"trying to hash an object of type {type(value)}, {value!r}. The error was:\n"
            f"TypeError: unhashable type: '{type(value).__name__}'\n(jit of {fname}, "
            f"static argument {argname}: pass a tuple instead of a list, or make the "
            "argument dynamic.)") from None
    return value


class ShapeDtypeStruct:
    """A shape and dtype standing in for an array (``eval_shape``, ``.lower``)."""

    __slots__ = ("shape", "dtype", "weak_type", "sharding")

    def __init__(self, shape, dtype, weak_type: bool = False, sharding=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type
        self.sharding = sharding

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))

    def __eq__(self, other):
        return isinstance(other, ShapeDtypeStruct) and (self.shape, self.dtype) == \
            (other.shape, other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


def jit(fun: Callable | None = None, *, static_argnums=None, static_argnames=None,
        donate_argnums=None, donate_argnames=None, in_shardings=None, out_shardings=None,
        keep_unused: bool = False, inline: bool = False) -> Jitted:
    """Compile ``fun`` with XLA: traced once per input signature, cached, lowered through
    ``jax.lax`` into one XLA computation.

    >>> @zenax.jit
    ... def step(w, x):
    ...     return jnp.tanh(x @ w)
    >>> step(w, x); step.cache_stats().compiles
    1
    """
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums,
                                 static_argnames=static_argnames, donate_argnums=donate_argnums,
                                 donate_argnames=donate_argnames, in_shardings=in_shardings,
                                 out_shardings=out_shardings)
    if not callable(fun):
        raise TypeError(f"Expected a callable value, got {fun!r}")
    for n in _as_tuple(static_argnums):
        if not isinstance(n, int):
            raise TypeError(f"jit: static_argnums must be ints, got {n!r}.")
    return Jitted(fun, static_argnums, static_argnames, donate_argnums, donate_argnames,
                  in_shardings, out_shardings)


def eval_shape(fun: Callable, *args, **kwargs):
    """The output shapes and dtypes of ``fun(*args)`` without computing it: a pytree of
    :class:`ShapeDtypeStruct`.  Arguments may be arrays or ShapeDtypeStructs."""
    return Jitted(fun, (), (), (), (), None, None).eval_shape(*args, **kwargs)
