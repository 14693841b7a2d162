"""``vmap``: automatic batching.

A :class:`BatchTrace` wraps each batched value in a :class:`BatchTracer` holding the
array and its batch dimension ``bdim`` (``not_mapped`` for values that do not vary along
the mapped axis).  For each primitive it calls the primitive's batching rule under the
parent trace.  A primitive without a rule falls back to a loop over the batch -- with a
one-time warning naming the primitive -- instead of failing.
"""
from __future__ import annotations

import functools
import threading
import warnings
from contextlib import contextmanager
from typing import Any, Callable

from jax.sharding import NamedSharding

from zenax.tracer import leaks, provenance
from zenax.tracer.ad_types import not_mapped
from zenax.tracer.arguments import (arg_leaf_names, check_callable, check_leaves, check_outputs,
                                    wraps)
from zenax.tracer.core import (Trace, Tracer, batch_rules, bind, current_trace, get_aval,
                               set_current_trace, tracer_created)
from zenax.tracer.source_info import api_boundary
from zenax.tracer.tree_util import (keystr, tree_flatten, tree_flatten_with_path,
                                   tree_structure, tree_unflatten)
from zenax.lax import shapes as sh
from zenax.lax.broadcasting import bdim_at_front, moveaxis, reduce_sum
from zenax.lax.sharding_constraint import insert_spec_dim, sharding_constraint_p, spec_axis_names


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace: "BatchTrace", val, bdim):
        self._trace = trace
        self.val = val
        self.bdim = bdim
        tracer_created(self)

    @property
    def aval(self):
        aval = get_aval(self.val)
        if self.bdim is not_mapped:
            return aval
        shape = aval.shape[:self.bdim] + aval.shape[self.bdim + 1:]
        return aval.update(shape=shape)

    def _short_repr(self) -> str:
        return f"VmapTracer(aval={self.aval}, batched={get_aval(self.val)})"


_warned_fallback: set = set()


def _constraint_batch_spmd(args, dims, *, spmd_axis_name, sharding, unconstrained_dims):
    """A sharding constraint under ``vmap(..., spmd_axis_name=names)``: the batch axis is
    split over the mesh axes ``names`` (without them it is left unconstrained)."""
    (x,), (d,) = args, dims
    if not isinstance(sharding, NamedSharding):
        return batch_rules[sharding_constraint_p](args, dims, sharding=sharding,
                                                  unconstrained_dims=unconstrained_dims)
    used = {n for e in sharding.spec.partitions for n in spec_axis_names(e)}
    if used & set(spmd_axis_name):
        raise ValueError(f"vmap spmd_axis_name {spmd_axis_name} cannot appear in "
                         f"with_sharding_constraint spec, but got spec {sharding.spec}")
    entry = spmd_axis_name[0] if len(spmd_axis_name) == 1 else spmd_axis_name
    new = NamedSharding(sharding.mesh, insert_spec_dim(sharding.spec, d, entry),
                        memory_kind=sharding.memory_kind)
    dims_ = frozenset(i + (d <= i) for i in unconstrained_dims)
    return bind(sharding_constraint_p, x, sharding=new, unconstrained_dims=dims_), d


# Batching rules that place the batch axis on the mesh axes of ``spmd_axis_name``; they
# take it as a keyword, which is why they are kept apart from ``batch_rules``.
spmd_batch_rules = {sharding_constraint_p: _constraint_batch_spmd}


class _RunningRule(threading.local):
    """The batch trace whose batching rule is running.  A rule that batches a sub-jaxpr
    (jit_call, cond, while, scan) maps the same axis again with :func:`vmap_flat`, which
    takes the axis name from here, so collectives inside the sub-jaxpr still see it."""
    trace: "BatchTrace | None" = None


_running_rule = _RunningRule()


def batching_axis_name():
    """The axis name of the vmap whose batching rule is running (None: unnamed, or no rule
    running).  A rule that caches a batched sub-jaxpr must key the cache on it: collectives
    inside come out differently under different names."""
    return None if _running_rule.trace is None else _running_rule.trace.axis_name


@contextmanager
def running_rule_of(trace: "BatchTrace | None"):
    prev, _running_rule.trace = _running_rule.trace, trace
    try:
        yield
    finally:
        _running_rule.trace = prev


class BatchTrace(Trace):
    def describe_origin(self, tracer) -> str:
        return ("It is batched by vmap: it holds one value per example, not one Python "
                "number.\n")

    def __init__(self, parent, axis_size: int, axis_name=None, spmd_axis_name=None):
        super().__init__(parent)
        self.axis_size = axis_size
        self.axis_name = axis_name
        self.spmd_axis_name = spmd_axis_name   # mesh axes (a tuple) the batch is split over

    def lift(self, x):
        if isinstance(x, BatchTracer) and x._trace is self:
            return x.val, x.bdim
        if isinstance(x, Tracer):
            self.check_foreign(x)
        return x, not_mapped

    def process_primitive(self, primitive, args, params):
        vals, dims = zip(*map(self.lift, args)) if args else ((), ())
        axis_rule = getattr(primitive, "axis_rule", None)
        if axis_rule is not None and params.get("axis_name") is not None:
            # Collectives name a mapped axis; the trace owning that name handles them.
            names = params["axis_name"]
            names = names if isinstance(names, tuple) else (names,)
            if self.axis_name in names:
                with set_current_trace(self.parent), \
                        provenance.batch_rule(primitive, args, params):
                    out, out_dim = axis_rule(self, list(vals), list(dims), **params)
                return self.wrap(out, out_dim)
        if all(d is not_mapped for d in dims):
            with set_current_trace(self.parent):
                return bind(primitive, *vals, **params)
        rule = batch_rules.get(primitive)
        if self.spmd_axis_name is not None and primitive in spmd_batch_rules:
            rule = functools.partial(spmd_batch_rules[primitive],
                                     spmd_axis_name=self.spmd_axis_name)
        with set_current_trace(self.parent), running_rule_of(self), \
                provenance.batch_rule(primitive, args, params):
            if rule is None:
                out, out_dim = self.loop_fallback(primitive, list(vals), list(dims), params)
            else:
                out, out_dim = rule(list(vals), list(dims), **params)
        if primitive.multiple_results:
            return [self.wrap(o, d) for o, d in zip(out, out_dim)]
        return self.wrap(out, out_dim)

    def wrap(self, val, bdim):
        return val if bdim is not_mapped else BatchTracer(self, val, bdim)

    def loop_fallback(self, primitive, vals, dims, params):
        """No batching rule: apply the primitive to each batch element and stack."""
        if primitive not in _warned_fallback:
            _warned_fallback.add(primitive)
            warnings.warn(f"vmap: primitive '{primitive}' has no batching rule; falling back "
                          f"to a loop over the batch of {self.axis_size} (slower, but correct).",
                          RuntimeWarning, stacklevel=2)
        vals = [x if d is not_mapped else moveaxis(x, d, 0) for x, d in zip(vals, dims)]
        results = []
        for i in range(self.axis_size):
            args_i = [x if d is not_mapped else sh.index_in_dim(x, i, 0, keepdims=False)
                      for x, d in zip(vals, dims)]
            results.append(bind(primitive, *args_i, **params))
        if primitive.multiple_results:
            outs = [stack([r[k] for r in results]) for k in range(len(results[0]))]
            return outs, [0] * len(outs)
        return stack(results), 0


def stack(xs):
    xs = [sh.broadcast_in_dim(x, (1,) + get_aval(x).shape, tuple(range(1, get_aval(x).ndim + 1)))
          for x in xs]
    return sh.concatenate(xs, 0)


def _run_mapped(fun: Callable, axis_size: int, axis_name, spmd_axis_name, in_dims: list,
                args: list) -> tuple:
    """``(trace, outputs)`` of ``fun`` run on ``args`` batched along ``in_dims`` under a
    new batch trace (the outputs not yet lifted out of it)."""
    outer = _running_rule.trace
    if axis_name is None and outer is not None and outer.axis_size == axis_size:
        axis_name = outer.axis_name     # a rule re-mapping its own axis over a sub-jaxpr
        spmd_axis_name = outer.spmd_axis_name
    trace = BatchTrace(current_trace(), axis_size, axis_name, spmd_axis_name)
    in_tracers = [x if d is not_mapped else BatchTracer(trace, x, d)
                  for x, d in zip(args, in_dims)]
    with set_current_trace(trace), running_rule_of(None):
        outs = fun(*in_tracers)
    return trace, outs


def vmap_flat(fun: Callable, axis_size: int, axis_name, in_dims: list, args: list,
              out_dims: list | Callable, spmd_axis_name: tuple | None = None,
              sum_match: bool = False, out_path: Callable[[int], str] | None = None):
    trace, outs = _run_mapped(fun, axis_size, axis_name, spmd_axis_name, in_dims, args)
    if callable(out_dims):
        out_dims = out_dims(len(outs))
    results = []
    for i, (x, od) in enumerate(zip(outs, out_dims)):
        val, bdim = trace.lift(x)
        if od is not_mapped:
            if bdim is not not_mapped and sum_match:
                val = reduce_sum(val, (bdim,))   # sum_match: out_axes=None sums the batch
            elif bdim is not not_mapped:
                where = out_path(i) if out_path is not None else f"[{i}]"
                raise ValueError(
                    f"at vmap out_axes{where}, got axis spec None but output was batched on "
                    f"axis {bdim}: an output with out_axes=None must not depend on the mapped "
                    "input (it would differ per batch element).")
            results.append(val)
            continue
        if bdim is not_mapped:     # the same for every element: broadcast it
            val, bdim = bdim_at_front(val, bdim, axis_size), 0
        results.append(moveaxis(val, bdim, od))   # straight to its place (or left there)
    if leaks.state.enabled:
        outs = x = None  # drop our references before looking for leaks
        leaks.check(trace)
    return results


def vmap_flat_natural(fun: Callable, axis_size: int, in_dims: list, args: list,
                      instantiate: list | Callable[[int], list], axis_name=None
                      ) -> tuple[list, list]:
    """``fun`` mapped over ``args`` batched along ``in_dims``, its outputs batched at
    axis 0 -- except those that do not vary over the batch and that ``instantiate`` (or
    ``instantiate(number of outputs)``) does not mark, which come out unbatched (how a
    loop's batching rule finds the carries that need a batch axis).  Returns ``(outs,
    out_batched)``."""
    trace, outs = _run_mapped(fun, axis_size, axis_name, None, in_dims, args)
    if callable(instantiate):
        instantiate = instantiate(len(outs))
    results, batched = [], []
    for x, inst in zip(outs, instantiate):
        val, bdim = trace.lift(x)
        batched.append(bdim is not not_mapped or inst)
        results.append(bdim_at_front(val, bdim, axis_size) if batched[-1] else val)
    if leaks.state.enabled:
        outs = x = None  # drop our references before looking for leaks
        leaks.check(trace)
    return results, batched


def _flatten_axes(name, tree, axes, kind):
    """Broadcast an ``in_axes``/``out_axes`` prefix tree to the leaves of ``tree``.

    Each leaf of ``axes`` (an int or None) applies to every leaf of the matching subtree."""
    proxy = tree_unflatten(tree, [object()] * tree.num_leaves)
    leaves, prefix_tree = tree_flatten(axes, is_leaf=lambda x: x is None)
    try:
        subtrees = prefix_tree.flatten_up_to(proxy)
    except ValueError as e:
        raise ValueError(f"{name} {kind} specification must be a tree prefix of the "
                         f"corresponding value, got specification {axes} for value tree "
                         f"{tree}.") from e
    out = []
    for axis, sub in zip(leaves, subtrees):
        out.extend([axis] * tree_structure(sub).num_leaves)
    return out


@api_boundary
def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_name=None,
         axis_size: int | None = None, spmd_axis_name=None, sum_match: bool = False
         ) -> Callable:
    """Vectorize ``fun`` over a mapped axis of its inputs.

    ``in_axes`` (an int, None, or a pytree prefix of the arguments) says which axis of each
    input is mapped (None: not mapped); ``out_axes`` says where the mapped axis goes in the
    outputs.  ``axis_name`` names the axis for collectives (``lax.psum`` ...).
    ``spmd_axis_name`` (a mesh axis name or a tuple of them) shards the mapped axis over
    those mesh axes wherever ``fun`` constrains a sharding; with ``sum_match`` an output
    whose ``out_axes`` is None but that varies over the batch is summed over it.

    >>> zenax.vmap(jnp.dot)(jnp.ones((5, 3)), jnp.ones((5, 3))).shape
    (5,)
    """
    check_callable("vmap", fun)
    if spmd_axis_name is not None and not isinstance(spmd_axis_name, tuple):
        spmd_axis_name = (spmd_axis_name,)
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)   # JAX treats a list at the top level as a tuple
    if not (in_axes is None or isinstance(in_axes, (int, tuple))):
        raise TypeError(f"vmap in_axes must be an int, None, or a tuple of entries "
                        f"corresponding to the positional arguments passed to the function,"
                        f" but got {in_axes!r}.")

    @wraps(fun)
    @api_boundary
    def vmap_f(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"vmap in_axes must be an int, None, or a tuple of entries "
                             f"corresponding to the positional arguments passed to the "
                             f"function, but got len(in_axes)={len(in_axes)}, "
                             f"len(args)={len(args)}")
        flat_args, in_tree = tree_flatten((args, kwargs))
        arg_axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
        # Keyword arguments are always mapped over axis 0, as in JAX.
        flat_axes = _flatten_axes("vmap", tree_structure(args), tuple(arg_axes), "in_axes") + \
            [0] * tree_structure(kwargs).num_leaves
        # Argument names are for error messages only: worked out when one is raised.
        names = functools.lru_cache(None)(lambda: arg_leaf_names(fun, args, kwargs=kwargs))
        # Unmapped arguments pass through as they are (a function, a string), as in JAX.
        mapped = [i for i, a in enumerate(flat_axes) if a is not None]
        check_leaves("vmap", [flat_args[i] for i in mapped], lambda: [names()[i] for i in mapped])
        flat_axes = [_canon_axis(a, None if a is None else get_aval(x), lambda i=i: names()[i])
                     for i, (a, x) in enumerate(zip(flat_axes, flat_args))]
        sizes = {get_aval(x).shape[a] for x, a in zip(flat_args, flat_axes) if a is not None}
        if len(sizes) > 1 or (sizes and axis_size is not None and sizes != {axis_size}):
            detail = [f"  * one axis had size {get_aval(x).shape[a]}: axis {a} of {name} of "
                      f"type {get_aval(x).str_short()}"
                      for x, a, name in zip(flat_args, flat_axes, names()) if a is not None]
            if axis_size is not None:
                detail.insert(0, f"  * the `axis_size` argument was {axis_size}")
            raise ValueError("vmap got inconsistent sizes for array axes to be mapped:\n"
                             + "\n".join(detail))
        if sizes:
            size = sizes.pop()
        elif axis_size is not None:
            size = axis_size
        else:
            raise ValueError("vmap must have at least one non-None value in in_axes (or be "
                             "given axis_size when no argument is mapped).")
        box = {}

        def flat_fun(*flat):
            a, kw = tree_unflatten(in_tree, flat)
            out = fun(*a, **kw)
            leaves, box["tree"] = tree_flatten(out)
            check_outputs("vmap", out, leaves)
            return leaves

        def out_dims(n):
            tree = box["tree"]
            axes = _flatten_axes("vmap", tree, out_axes, "out_axes")
            return [None if a is None else _canon_out_axis(a, n_dims)
                    for a, n_dims in zip(axes, box["out_ndims"])]

        def flat_fun_record(*flat):
            leaves = flat_fun(*flat)
            box["out_ndims"] = [get_aval(x).ndim for x in leaves]
            return leaves

        def out_path(i: int) -> str:   # for an error message only
            tree = box["tree"]
            paths, _ = tree_flatten_with_path(tree_unflatten(tree, range(tree.num_leaves)))
            return keystr(paths[i][0])

        outs = vmap_flat(flat_fun_record, size, axis_name, flat_axes, flat_args, out_dims,
                         spmd_axis_name, sum_match, out_path)
        return tree_unflatten(box["tree"], outs)

    return vmap_f


def _canon_axis(axis, aval, name: Callable[[], str]):
    if axis is None:
        return None
    if not isinstance(axis, int):
        raise TypeError(f"vmap in_axes must be an int, None, or (nested) container with those "
                        f"types as leaves, but got {axis!r} for {name()}.")
    if not -aval.ndim <= axis < aval.ndim:
        raise ValueError(f"vmap was requested to map its argument along axis {axis}, which "
                         f"implies that its rank should be at least {max(axis + 1, -axis)}, "
                         f"but is only {aval.ndim} (its shape is {aval.shape}): {name()}.")
    return axis % aval.ndim


def _canon_out_axis(axis, ndim):
    # The output gains the mapped axis, so valid positions are -(ndim+1) .. ndim.
    if not -(ndim + 1) <= axis <= ndim:
        raise ValueError(f"vmap out_axes={axis} is out of bounds for an output of rank "
                         f"{ndim + 1}.")
    return axis % (ndim + 1)
