"""``jit``: trace once per input signature, optimize, lower to XLA, cache the executable.

``zenax.jit(f)(*args)``:

1. splits static arguments from dynamic ones and flattens the dynamic pytree;
2. looks up ``(pytree structure, avals with weak types, static values)`` in the cache;
3. on a miss, traces ``f`` to a closed jaxpr, runs the jaxpr passes (``passes.py``),
   and compiles it through ``jax.jit`` (``lowering.py``) -- recording *why* it missed;
4. runs the executable.

Under another transform (grad, vmap, an outer jit) the call instead binds the
``jit_call`` primitive with the jaxpr, so transforms see one equation and apply their
rule for it (``jit_call.py``).  The ahead-of-time stages ``.trace``/``.lower`` return are
in ``stages.py``; jit's switches and compile log in ``jit_config.py``.
"""
from __future__ import annotations

import functools
import inspect
import time
import warnings
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import jax
import numpy as np

from zenax.tracer.arguments import arg_leaf_names, check_callable, check_leaves, check_outputs
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Tracer, current_trace, eval_trace
from zenax.tracer.ir import ClosedJaxpr, closed_to_open
from zenax.tracer.make_jaxpr import shaped_abstractify
from zenax.tracer.pytree import flatten_signature
from zenax.tracer.source_info import api_boundary, user_frame_str
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import (keystr, tree_flatten, tree_flatten_with_path, tree_structure,
                                    tree_unflatten)

from zenax.lax.sharding_constraint import check_sharding_fits

from . import debugging, passes
from .config_contexts import user_context_values
from .jit_call import _bind_jit_call, _executables, _rule_cache
from .jit_config import _log_compile, config, logger
from .lowering import xla_callable
from .ref_discharge import call_with_refs, has_refs
from .shard_map_primitive import _executables as _shard_map_executables
from .stages import Lowered, ShapeDtypeStruct, Traced


@dataclass
class CacheEntry:
    """One traced signature: the optimized jaxpr and, once compiled, its executable."""
    jaxpr: ClosedJaxpr        # as traced and optimized (what ``.trace().jaxpr`` shows)
    call_jaxpr: ClosedJaxpr   # the same with consts as leading operands: what jit_call binds
    in_tree: Any
    out_tree: Any
    trace_time: float
    executable: Any = None
    compile_time: float = 0.0


@dataclass
class CacheStats:
    """What a jitted function has done: ``traces``, ``compiles``, ``hits`` and, for every
    retrace, a sentence saying which argument changed (``miss_reasons``)."""
    traces: int = 0
    compiles: int = 0
    hits: int = 0
    miss_reasons: list = field(default_factory=list)


@dataclass(eq=False)
class _FunCache:
    """The traced signatures of one function (with one set of jit options): an LRU of at
    most ``config.cache_size`` entries, least recently used first."""
    entries: OrderedDict = field(default_factory=OrderedDict)
    last_key: Any = None
    last_tree: Any = None     # the PyTreeDef of the last traced call, to explain a retrace
    stats: CacheStats = field(default_factory=CacheStats)

    def __post_init__(self):
        _all_caches.add(self)

    def get(self, key) -> "CacheEntry | None":
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key, entry: "CacheEntry") -> None:
        self.entries[key] = entry
        self.trim()

    def trim(self) -> None:
        """Drop the least recently used entries (and the oldest retrace reasons) beyond
        ``config.cache_size``: a function retraced forever holds bounded memory."""
        while len(self.entries) > config.cache_size:
            self.entries.popitem(last=False)
        del self.stats.miss_reasons[:-config.cache_size]

    def clear(self) -> None:
        self.entries.clear()
        self.last_key = self.last_tree = None


# Every function cache, for clear_caches() and set_cache_size().
_all_caches: "weakref.WeakSet[_FunCache]" = weakref.WeakSet()

# Jitted functions of the same Python function and options share one cache, as in JAX,
# where ``jax.jit(f)(x)`` written inside a loop traces f once.
_fun_caches: "weakref.WeakKeyDictionary[Callable, dict]" = weakref.WeakKeyDictionary()


def _shared_cache(fun: Callable, options: tuple) -> _FunCache:
    try:
        return _fun_caches.setdefault(fun, {}).setdefault(options, _FunCache())
    except TypeError:        # not weakly referenceable, or unhashable options
        return _FunCache()


def set_cache_size(size: int) -> None:
    """Keep at most ``size`` traced signatures per jitted function (least recently used
    dropped first); ``zenax.config.update("zenax_jit_cache_size", size)`` calls this."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"zenax_jit_cache_size must be a positive int, got {size!r}.")
    config.cache_size = size
    for cache in list(_all_caches):
        cache.trim()


def clear_caches() -> None:
    """Drop every traced jaxpr and compiled executable zenax holds -- the caches of all
    jitted functions, the executables and derived jaxprs of ``jit_call``s and
    ``shard_map``s under other transforms -- and JAX's own compilation caches (``jax.clear_caches()``).  Jitted
    functions keep working: they trace and compile again on their next call.

    >>> zenax.clear_caches()
    """
    for cache in list(_all_caches):
        cache.clear()
    _executables.clear()
    _shard_map_executables.clear()
    _rule_cache.clear()
    jax.clear_caches()


@dataclass
class _Call:
    """The arguments of one call, split into dynamic and static parts."""
    nargs: int                # number of positional arguments
    dyn_args: tuple
    dyn_idx: list             # positions (in ``args``) of the dynamic positional arguments
    dyn_kwargs: dict
    static: tuple             # ((name, value), ...) sorted by name
    flat: list
    signature: Any            # hashable structure of (dyn_args, dyn_kwargs)
    aval_keys: tuple          # per leaf (shape, dtype, weak_type): hashed and compared in C

    @property
    def key(self):
        # x64 changes the dtypes tracing gives constants (jnp.arange, Python scalars).
        return (self.signature, self.aval_keys, self.static, jax.config.jax_enable_x64,
                user_context_values())

    @functools.cached_property
    def avals(self) -> tuple:
        # Only needed to trace or lower (a cache miss, AOT).
        return tuple(_aval_from_key(k) for k in self.aval_keys)

    @functools.cached_property
    def in_tree(self):
        # Only needed to trace (a cache miss): cache hits never build a PyTreeDef.
        return tree_structure((self.dyn_args, self.dyn_kwargs))


class Jitted:
    """The callable returned by :func:`jit`.  Also: ``.lower(*args)``, ``.trace(*args)``,
    ``.eval_shape(*args)``, ``.cache_stats()``, ``.clear_cache()``."""

    def __init__(self, fun, static_argnums, static_argnames, donate_argnums, donate_argnames,
                 in_shardings, out_shardings, device=None, backend=None,
                 compiler_options=None):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.name = getattr(fun, "__name__", "fun")
        try:
            params = inspect.signature(fun).parameters.values()
        except (TypeError, ValueError):
            params = []
        # Names of the parameters that can be passed by position, in order.
        self._positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                                 p.POSITIONAL_OR_KEYWORD)]
        self.static_argnums = _as_tuple(static_argnums)
        self.static_argnames = _as_tuple(static_argnames)
        # Static arguments given by position and by name refer to the same parameters.
        for i in self.static_argnums:
            if 0 <= i < len(self._positional) and self._positional[i] not in self.static_argnames:
                self.static_argnames += (self._positional[i],)
        for n in self.static_argnames:
            if n in self._positional and self._positional.index(n) not in self.static_argnums:
                self.static_argnums += (self._positional.index(n),)
        self.donate_argnums = _as_tuple(donate_argnums)
        self.donate_argnames = _as_tuple(donate_argnames)
        self.in_shardings = tuple(in_shardings) if isinstance(in_shardings, list) else in_shardings
        self.out_shardings = out_shardings
        self._no_static = not (self.static_argnums or self.static_argnames)
        self.device, self.backend = device, backend
        # Options for XLA's compiler, passed on through jax.jit (hashable, for the cache key).
        self.compiler_options = tuple(sorted((compiler_options or {}).items()))
        self._cache = _shared_cache(fun, (self.static_argnums, self.static_argnames,
                                          self.donate_argnums, self.donate_argnames,
                                          self.in_shardings, self.out_shardings, device,
                                          backend, self.compiler_options))
        self._stats = self._cache.stats

    # -- argument processing
    def _param_name(self, i: int) -> str:
        return self._positional[i] if i < len(self._positional) else f"args[{i}]"

    def _split(self, args, kwargs) -> _Call:
        nargs = len(args)
        if not (self.static_argnums or self.static_argnames):
            flat, signature = _flatten_args(args, kwargs)
            return _Call(nargs, args, range(nargs), kwargs, (), flat, signature,
                         tuple(map(_aval_key, flat)))
        static_idx = {i % nargs for i in self.static_argnums if -nargs <= i < nargs}
        static = [(self._param_name(i), args[i]) for i in static_idx]
        static += [(k, v) for k, v in kwargs.items() if k in self.static_argnames]
        for name, value in static:
            _check_hashable(self.name, name, value)
        dyn_idx = [i for i in range(nargs) if i not in static_idx]
        dyn_args = tuple(args[i] for i in dyn_idx)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        flat, signature = _flatten_args(dyn_args, dyn_kwargs)
        return _Call(nargs, dyn_args, dyn_idx, dyn_kwargs,
                     tuple(sorted(static, key=lambda s: s[0])), flat, signature,
                     tuple(map(_aval_key, flat)))

    def _arg_names(self, call: _Call) -> list[str]:
        """A name per dynamic argument leaf, like ``params['w']``."""
        names = []
        for path, _ in tree_flatten_with_path((call.dyn_args, call.dyn_kwargs))[0]:
            if path[0].idx == 0:
                base = self._param_name(call.dyn_idx[path[1].idx])
            else:
                base = path[1].key
            names.append(f"{base}{keystr(path[2:])}")
        return names

    def _lookup(self, args, kwargs) -> tuple[CacheEntry, _Call]:
        try:
            call = self._split(args, kwargs)
        except TypeError:
            self._check_args(args, kwargs)   # an argument that is not an array: name it
            raise
        entry = self._cache.get(call.key)
        if entry is not None:
            self._stats.hits += 1
            return entry, call
        reason = None
        if self._cache.last_key is not None:
            reasons = _describe_changes(self._cache.last_key, call.key,
                                        self._cache.last_tree, call.in_tree,
                                        self._arg_names(call), self._dyn_arg_names(call))
            if call.key == self._cache.last_key:
                reasons = ["it closes over values of an enclosing transformation (traced on "
                           "every call)"]
            reason = "; ".join(reasons or ["new input signature"])
            self._stats.miss_reasons.append(reason)
            self._cache.trim()
        self._cache.last_key, self._cache.last_tree = call.key, call.in_tree
        entry = self._trace(args, kwargs, call)
        if reason is not None and (config.explain_cache_misses or config.log_compiles):
            logger.warning("Retracing %s at %s because %s (traced in %.1f ms).", self.name,
                           user_frame_str(), reason, 1e3 * entry.trace_time)
        # A jaxpr closing over another transform's tracers is only valid inside it.
        if not any(isinstance(c, Tracer) for c in entry.jaxpr.consts):
            self._cache.put(call.key, entry)
        return entry, call

    def _check_args(self, args, kwargs) -> None:
        """Every leaf of the dynamic arguments is an array; else a TypeError naming it."""
        nargs = len(args)
        static_idx = {i % nargs for i in self.static_argnums if -nargs <= i < nargs}
        dyn_idx = [i for i in range(nargs) if i not in static_idx]
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        leaves = tree_flatten(([args[i] for i in dyn_idx], dyn_kwargs))[0]
        check_leaves(f"jit of {self.name}", leaves,
                     lambda: arg_leaf_names(self.fun, args, dyn_idx, dyn_kwargs))

    def _dyn_arg_names(self, call: _Call) -> list[str]:
        return [self._param_name(i) for i in call.dyn_idx] + sorted(call.dyn_kwargs)

    def _trace(self, args, kwargs, call: _Call) -> CacheEntry:
        out_box = {}

        def flat_fun(*flat_tracers):
            d_args, d_kwargs = tree_unflatten(call.in_tree, flat_tracers)
            full = list(args)
            for i, v in zip(call.dyn_idx, d_args):
                full[i] = v
            out = self.fun(*full, **{**kwargs, **d_kwargs})
            leaves, out_box["tree"] = tree_flatten(out)
            check_outputs(f"jit of {self.name}", out, leaves)
            return leaves

        t0 = time.perf_counter()
        closed, _ = trace_to_jaxpr(
            flat_fun, list(call.avals), fun_name=self.name, transform_name="jit",
            arg_names=lambda: arg_leaf_names(self.fun, args, call.dyn_idx, call.dyn_kwargs))
        closed = ClosedJaxpr(passes.optimize(closed.jaxpr), closed.consts)
        self._stats.traces += 1
        call_jaxpr, _ = closed_to_open(closed)
        return CacheEntry(closed, call_jaxpr, call.in_tree, out_box["tree"],
                          time.perf_counter() - t0)

    def _compile(self, entry: CacheEntry, call: _Call):
        t0 = time.perf_counter()
        n_consts = len(entry.jaxpr.consts)
        donate = tuple(n_consts + i for i in self._flat_donate(call))
        in_shardings = out_shardings = None
        if self.in_shardings is not None:
            if call.dyn_kwargs:
                raise ValueError(f"jit of {self.name}: keyword arguments are not supported when "
                                 "in_shardings is given; pass them by position.")
            in_shardings = [None] * n_consts + _flat_shardings(
                self.in_shardings, call.dyn_args, "in_shardings", self.name)
            full = [None] * call.nargs
            for i, v in zip(call.dyn_idx, call.dyn_args):
                full[i] = v
            _check_fits(in_shardings[n_consts:], call.avals, self.name, "in_shardings",
                        lambda: arg_leaf_names(self.fun, full, call.dyn_idx))
        if self.out_shardings is not None:
            outs = tree_unflatten(entry.out_tree, [0] * entry.out_tree.num_leaves)
            out_shardings = _flat_shardings(self.out_shardings, outs, "out_shardings",
                                             self.name)
            _check_fits(out_shardings, entry.jaxpr.out_avals, self.name, "out_shardings",
                        lambda: [f"output{keystr(p)}" for p, _ in
                                 tree_flatten_with_path(outs)[0]])
        if self.device is not None or self.backend is not None:
            # As JAX: the whole computation, inputs and outputs, on one device.
            s = jax.sharding.SingleDeviceSharding(
                self.device or jax.local_devices(backend=self.backend)[0])
            in_shardings = [s] * (n_consts + len(call.flat))
            out_shardings = [s] * entry.out_tree.num_leaves
        options = {"compiler_options": dict(self.compiler_options)} \
            if self.compiler_options else {}
        entry.executable = xla_callable(entry.call_jaxpr.jaxpr, self.name, donate,
                                        in_shardings, out_shardings, **options)
        entry.compile_time = time.perf_counter() - t0
        self._stats.compiles += 1
        _log_compile(self.name, call.avals, entry.trace_time)
        return entry.executable

    def _flat_donate(self, call: _Call) -> list[int]:
        """Flat leaf indices of the donated arguments (every leaf of a donated argument)."""
        if not (self.donate_argnums or self.donate_argnames):
            return []
        nargs = call.nargs
        donated = {i % nargs for i in self.donate_argnums if -nargs <= i < nargs}
        donated |= {self._positional.index(n) for n in self.donate_argnames
                    if n in self._positional}
        out, start = [], 0
        for i, a in zip(call.dyn_idx, call.dyn_args):
            n = len(tree_flatten(a)[0])
            if i in donated:
                out.extend(range(start, start + n))
            start += n
        for k in sorted(call.dyn_kwargs):   # kwargs flatten in sorted key order
            n = len(tree_flatten(call.dyn_kwargs[k])[0])
            if k in self.donate_argnames:
                out.extend(range(start, start + n))
            start += n
        return out

    # -- calling
    @api_boundary
    def __call__(self, *args, **kwargs):
        if config.disable_jit:
            return self.fun(*args, **kwargs)
        if self._no_static and current_trace() is eval_trace:
            # The hot path -- a cache hit on concrete arguments -- builds no _Call.
            try:
                flat, signature = _flatten_args(args, kwargs)
                key = (signature, tuple(map(_aval_key, flat)), (), jax.config.jax_enable_x64,
                       user_context_values())
            except TypeError:       # not an array: _lookup names the argument
                key = None
            entry = None if key is None else self._cache.get(key)
            if entry is not None and entry.executable is not None and \
                    not debugging.nan_state.enabled:
                self._stats.hits += 1
                try:
                    outs = entry.executable(*entry.jaxpr.consts, *flat)
                except TypeError:
                    # A Ref where an array of its type was cached (checked only here, so
                    # the hot path pays nothing for Refs).
                    if has_refs(args, kwargs):
                        return call_with_refs(self, args, kwargs)
                    raise
                return tree_unflatten(entry.out_tree, list(outs))
        if has_refs(args, kwargs):
            return call_with_refs(self, args, kwargs)
        entry, call = self._lookup(args, kwargs)
        if current_trace() is not eval_trace:
            outs = _bind_jit_call(entry.call_jaxpr, list(entry.jaxpr.consts) + call.flat,
                                  self.name)
        else:
            exe = entry.executable or self._compile(entry, call)
            outs = exe(*entry.jaxpr.consts, *call.flat)
            if debugging.nan_state.enabled and any(debugging._has_nan(o) for o in outs):
                # Re-run op by op to name the first primitive (and user line) making a NaN.
                debugging.rerun_for_nans(entry.jaxpr.jaxpr, entry.jaxpr.consts, call.flat)
        return tree_unflatten(entry.out_tree, list(outs))

    # -- AOT
    @api_boundary
    def trace(self, *args, **kwargs) -> "Traced":
        entry, call = self._lookup(args, kwargs)
        return Traced(self, entry, call)

    def lower(self, *args, **kwargs) -> "Lowered":
        return self.trace(*args, **kwargs).lower()

    @api_boundary
    def eval_shape(self, *args, **kwargs):
        entry, _ = self._lookup(args, kwargs)
        return tree_unflatten(entry.out_tree,
                              [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
                               for a in entry.jaxpr.out_avals])

    def cache_stats(self) -> CacheStats:
        return self._stats

    def clear_cache(self) -> None:
        """Drop this function's traced signatures and executables (see also
        ``zenax.clear_caches()``)."""
        self._cache.clear()

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self, obj)

    @property
    def __signature__(self) -> inspect.Signature | None:
        # The wrapped function's, as JAX's jitted functions report it; without it
        # inspect.signature(f, follow_wrapped=False) takes this callable, which has a
        # __get__, for a builtin method descriptor and fails (Chex's fake_pmap asks).
        try:
            return inspect.signature(self.fun)
        except (TypeError, ValueError):   # a builtin without one: inspect says so itself
            return None

    def __repr__(self):
        return f"<zenax.jit of {self.name}>"


# The common call -- arrays and scalars by position -- is flattened without walking a
# pytree: the short path of a cache hit.
_LEAF_TYPES = (jax.Array, np.ndarray, np.generic, float, int, complex, Tracer)
_leaf_types_seen: set = {float, int}    # exact types known to pass the isinstance check


def _is_leaf(x) -> bool:
    # A set lookup first: isinstance against jax.Array (an ABC) costs ~0.2 us a leaf.
    if type(x) in _leaf_types_seen:
        return True
    if isinstance(x, _LEAF_TYPES):
        _leaf_types_seen.add(type(x))
        return True
    return False


def _flatten_args(args: tuple, kwargs: dict) -> tuple[list, Any]:
    """The leaves of ``(args, kwargs)`` and a hashable signature of their structure."""
    if not kwargs:
        if all(map(_is_leaf, args)):
            return list(args), len(args)
        shallow = _flatten_shallow(args)
        if shallow is not None:
            return shallow
        leaves: list = []
        try:
            # Tagged, to differ from the signature of the same tree passed with kwargs.
            return leaves, (0, flatten_signature(args, leaves))
        except TypeError:
            pass
    leaves = []
    try:
        return leaves, flatten_signature((args, kwargs), leaves)
    except TypeError:        # unhashable aux data in a custom node: use the treedef
        leaves, tree = tree_flatten((args, kwargs))
        return leaves, tree


def _flatten_shallow(args: tuple):
    """Leaves and signature of positional arguments that are leaves or plain tuples/lists
    of leaves -- ``f(x, (w, b))``, the next most common call -- or None."""
    leaves, signature = [], [1]     # tagged: differs from the other paths' signatures
    for x in args:
        if _is_leaf(x):
            leaves.append(x)
            signature.append(None)
        elif (type(x) is tuple or type(x) is list) and all(map(_is_leaf, x)):
            leaves.extend(x)
            signature.append((type(x), len(x)))
        else:
            return None
    return leaves, tuple(signature)


def _aval_key(x) -> tuple:
    """``(shape, dtype, weak_type)`` of an argument leaf: its part of the cache key.  A
    plain tuple, so a cache hit hashes and compares keys in C and builds no aval."""
    aval = getattr(x, "aval", None)     # jax.Arrays and zenax tracers carry theirs
    if aval is None:
        aval = shaped_abstractify(x)
    return aval.shape, aval.dtype, aval.weak_type


def _aval_from_key(key: tuple) -> ShapedArray:
    # The key's shape is a tuple of ints and its dtype a numpy dtype already: skip
    # ShapedArray.__init__'s conversions.
    aval = object.__new__(ShapedArray)
    aval.shape, aval.dtype, aval.weak_type = key
    return aval


def _describe_changes(old_key, new_key, old_tree, new_tree, leaf_names,
                      arg_names) -> list[str]:
    """Why ``new_key`` missed the cache, compared with ``old_key`` (the previous call)."""
    _, old_avals, old_static, old_x64, old_user = old_key
    _, new_avals, new_static, new_x64, new_user = new_key
    old_avals = [_aval_from_key(k) for k in old_avals]
    new_avals = [_aval_from_key(k) for k in new_avals]
    reasons = []
    if old_x64 != new_x64:
        reasons.append(f"jax_enable_x64 changed from {old_x64} to {new_x64}")
    if old_user != new_user:
        reasons.append(f"a user context (make_user_context) changed from {old_user} to "
                       f"{new_user}")
    old_s, new_s = dict(old_static), dict(new_static)
    for name in sorted(old_s.keys() | new_s.keys()):
        if name not in old_s:
            reasons.append(f"static argument '{name}' was not passed before")
        elif name not in new_s:
            reasons.append(f"static argument '{name}' is no longer passed")
        elif old_s[name] != new_s[name]:
            reasons.append(f"static argument '{name}' changed from {old_s[name]!r} to "
                           f"{new_s[name]!r}")
    if old_tree != new_tree:
        reasons += _describe_tree_change(old_tree, new_tree, arg_names)
    elif old_avals != new_avals:
        for name, a, b in zip(leaf_names, old_avals, new_avals):
            if a == b:
                continue
            if a.shape != b.shape:
                reasons.append(f"argument '{name}' shape changed from {a.shape} to {b.shape}")
            elif a.dtype != b.dtype:
                reasons.append(f"argument '{name}' dtype changed from {a.dtype} to {b.dtype}")
            else:
                reasons.append(f"argument '{name}' weak_type changed from {a.weak_type} to "
                               f"{b.weak_type} (a Python scalar vs an array)")
    return reasons


def _describe_tree_change(old_tree, new_tree, arg_names) -> list[str]:
    (old_args, old_kwargs), (new_args, new_kwargs) = old_tree.children(), new_tree.children()
    old_args, new_args = old_args.children(), new_args.children()
    if len(old_args) != len(new_args) or old_kwargs.node_data() != new_kwargs.node_data():
        return [f"the argument structure changed from {old_tree} to {new_tree}"]
    old_children = old_args + old_kwargs.children()
    new_children = new_args + new_kwargs.children()
    return [f"the pytree structure of argument '{name}' changed from {a} to {b}"
            for name, a, b in zip(arg_names, old_children, new_children) if a != b]


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, (int, str)):
        return (x,)
    return tuple(x)


def _check_static_argnums(fun: Callable, nums: tuple) -> None:
    """Static positions must exist in ``fun``'s signature (unless it takes ``*args``)."""
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return
    n = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
    if any(not -n <= i < n for i in nums):
        name = getattr(fun, "__name__", "fun")
        raise ValueError(f"jit of {name}: static_argnums={nums}, but {name} only accepts {n} "
                         f"positional argument{'' if n == 1 else 's'}. Pass the positions "
                         "of existing parameters (or use static_argnames).")


def _check_hashable(fname, argname, value):
    try:
        hash(value)
    except TypeError:
        raise ValueError(
            f"Non-hashable static arguments are not supported. An error occurred while "
            f"trying to hash an object of type {type(value)}, {value!r}. The error was:\n"
            f"TypeError: unhashable type: '{type(value).__name__}'\n(jit of {fname}, "
            f"static argument '{argname}': pass a tuple instead of a list, or make the "
            "argument dynamic.)") from None


def _check_fits(shardings, avals, fname: str, what: str, names: Callable) -> None:
    """Each sharding divides the dimensions of its value (JAX's error kind, raised here
    naming the argument or output, rather than by JAX when the executable runs)."""
    for i, (s, aval) in enumerate(zip(shardings, avals)):
        if isinstance(s, jax.sharding.Sharding):
            check_sharding_fits(s, aval, f"jit of {fname}",
                                lambda: f"the {what} entry for {names()[i]}")


def _flat_shardings(spec, values, what: str, fname: str) -> list:
    """One sharding (or None) per leaf of ``values``, from ``spec``: a pytree prefix of
    ``values`` whose leaves are shardings or None (a single sharding applies to all)."""
    leaves, prefix = tree_flatten(spec, is_leaf=lambda s: s is None)
    try:
        subtrees = prefix.flatten_up_to(values)
    except ValueError as e:
        raise ValueError(f"jit of {fname}: {what} must be a pytree prefix of the "
                         f"{'arguments' if what == 'in_shardings' else 'outputs'}: {e}") from None
    out = []
    for sharding, sub in zip(leaves, subtrees):
        out += [sharding] * len(tree_flatten(sub)[0])
    return out


@api_boundary
def jit(fun: Callable | None = None, *, static_argnums=None, static_argnames=None,
        donate_argnums=None, donate_argnames=None, in_shardings=None, out_shardings=None,
        keep_unused: bool = False, device: jax.Device | None = None, backend: str | None = None,
        inline: bool = False, compiler_options: dict[str, Any] | None = None) -> Jitted:
    """Compile ``fun`` with XLA: traced once per input signature, cached, lowered through
    ``jax.lax`` into one XLA computation.

    ``keep_unused`` and ``inline`` are accepted for JAX compatibility: unused inputs are
    always kept, and a jit nested in another is always lowered inline.  ``device`` or
    ``backend`` (deprecated, as in JAX) run the computation on that device (the
    backend's first one); ``compiler_options`` go to XLA's compiler as they are.

    >>> @zenax.jit
    ... def step(w, x):
    ...     return jnp.tanh(x @ w)
    >>> y = step(jnp.ones((3, 2)), jnp.ones((4, 3)))
    >>> y = step(jnp.zeros((3, 2)), jnp.ones((4, 3)))
    >>> step.cache_stats()
    CacheStats(traces=1, compiles=1, hits=1, miss_reasons=[])
    """
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums,
                                 static_argnames=static_argnames, donate_argnums=donate_argnums,
                                 donate_argnames=donate_argnames, in_shardings=in_shardings,
                                 out_shardings=out_shardings, keep_unused=keep_unused,
                                 device=device, backend=backend, inline=inline,
                                 compiler_options=compiler_options)
    check_callable("jit", fun)
    if device is not None or backend is not None:
        warnings.warn("backend and device argument on jit is deprecated. You can use "
                      "`jax.device_put(..., jax.local_devices(backend=\"cpu\")[0])` on the "
                      "inputs to the jitted function to get the same behavior.",
                      DeprecationWarning, stacklevel=3)
        if device is not None and backend is not None:
            raise ValueError(f"can't specify both a device and a backend for jit, got "
                             f"{device=} and {backend=}")
        for what, given in (("in_shardings", in_shardings), ("out_shardings", out_shardings)):
            if given is not None:
                raise ValueError(f"If backend or device is specified on jit, then {what} "
                                 "should not be specified.")
    for n in _as_tuple(static_argnums) + _as_tuple(donate_argnums):
        if not isinstance(n, int):
            raise TypeError(f"jit of {getattr(fun, '__name__', fun)}: static_argnums and "
                            f"donate_argnums must be ints, got {n!r}.")
    _check_static_argnums(fun, _as_tuple(static_argnums))
    return Jitted(fun, static_argnums, static_argnames, donate_argnums, donate_argnames,
                  in_shardings, out_shardings, device, backend, compiler_options)


def eval_shape(fun: Callable, *args, **kwargs):
    """The output shapes and dtypes of ``fun(*args)`` without computing it: a pytree of
    :class:`ShapeDtypeStruct`.  Arguments may be arrays or ShapeDtypeStructs.

    >>> zenax.eval_shape(lambda x: x @ x.T, zenax.ShapeDtypeStruct((3, 4), jnp.float32))
    ShapeDtypeStruct(shape=(3, 3), dtype=float32)
    """
    return Jitted(fun, (), (), (), (), None, None).eval_shape(*args, **kwargs)
