"""``shard_map``: write the program one device sees, run it on every device of a mesh.

``shard_map(f, mesh=mesh, in_specs=P("i"), out_specs=P())`` cuts each argument into one
block per device (``in_specs`` name the mesh axes each dimension is split over), traces
``f`` once over the *per-block* avals into a zenax jaxpr -- inside which collectives
(``psum``, ``all_gather``, ``ppermute`` ...) name the mesh axes -- and binds the
``shard_map`` primitive on it (``shard_map_primitive.py``).  ``out_specs`` say how the
blocks ``f`` returns are put together: a mesh axis an output spec does not mention is a
promise that the output is the same on every device along it.

With ``check_vma=True`` (the default) zenax proves that promise (``varying_axes.py``) and
differentiates exactly; with ``check_vma=False`` it trusts it and transposes
conservatively, as JAX does.  ``grad``, ``jvp``, ``vmap``, ``jit``, ``checkpoint`` and
``scan`` compose with it in any order (``shard_map_rules.py``).  Meshes and specs are
JAX's runtime objects, and the body runs inside ``jax.shard_map``.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence

from jax.sharding import AbstractMesh, AxisType, Mesh, NamedSharding, PartitionSpec

from zenax.tracer.arguments import check_callable, check_outputs
from zenax.tracer.core import Tracer, current_trace, get_aval
from zenax.tracer.ir import closed_to_open
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import (keystr, tree_flatten, tree_flatten_with_path,
                                   tree_structure, tree_unflatten)
from zenax.lax import axis_env
from zenax.lax.sharding_constraint import context_mesh, spec_axis_names

from . import shard_map_rules
from .jit import _aval_key
from .shard_map_primitive import (bind_shard_map, body_axis_env, ctx_of, shard_aval,
                                  spec_names, spec_vma, typed_body)
from .varying_axes import VmaError

P = PartitionSpec
shard_map_rules.register()


class _InferFromArgs:
    """The default of ``in_specs``: read each argument's spec from its sharding."""

    def __repr__(self):
        return "Infer"


Infer = _InferFromArgs()


# =========================================================================== the API

def shard_map(f: Callable | None = None, /, *, out_specs: Any, in_specs: Any = Infer,
              mesh: Mesh | AbstractMesh | None = None, axis_names=frozenset(),
              check_vma: bool = True):
    """Map ``f`` over the blocks of its arguments, one block per device of ``mesh``.

    ``in_specs``/``out_specs`` are PartitionSpecs (or pytree prefixes of the arguments /
    outputs): ``P("i", None)`` splits dimension 0 over mesh axis ``"i"``; an axis a spec
    does not name is replicated; an ``in_specs`` entry None passes its arguments to ``f``
    as they are (static).  Inside ``f`` the collectives of ``zenax.lax`` name mesh
    axes.  ``axis_names`` (default: all) are the axes ``f`` is manual over.  Usable as a
    decorator when ``f`` is omitted.

    >>> mesh = zenax.make_mesh((1,), ("i",), axis_types=(zenax.sharding.AxisType.Auto,))
    >>> total = zenax.shard_map(lambda x: lax.psum(x.sum(keepdims=True), "i"), mesh=mesh,
    ...                         in_specs=zenax.P("i"), out_specs=zenax.P())
    >>> total(jnp.arange(4.0))
    Array([6.], dtype=float32)
    """
    kwargs = dict(out_specs=out_specs, in_specs=in_specs, mesh=mesh, axis_names=axis_names,
                  check_vma=check_vma)
    if f is None:
        return lambda g: _shard_map(g, **kwargs)
    return _shard_map(f, **kwargs)


def smap(f: Callable | None = None, /, *, in_axes: Any = Infer, out_axes: Any, axis_name):
    """``shard_map`` over the one mesh axis ``axis_name`` of the context mesh, with the
    mapped dimension of each argument (``in_axes``) and output (``out_axes``) given as in
    ``vmap`` (None: replicated) instead of PartitionSpecs.

    >>> mesh = zenax.make_mesh((1,), ("i",), axis_types=(zenax.sharding.AxisType.Auto,))
    >>> with zenax.sharding.set_mesh(mesh):
    ...     print(zenax.smap(lambda x: x * 2, in_axes=0, out_axes=0, axis_name="i")(
    ...         jnp.arange(2.0)))
    [0. 2.]
    """
    if isinstance(axis_name, (list, tuple)):
        raise TypeError(f"smap: axis_name must be one axis name, got {axis_name!r}.")
    if in_axes is not Infer:
        check_axes("smap", "in_axes", in_axes)
    check_axes("smap", "out_axes", out_axes)
    to_spec = functools.partial(axis_spec, axis_name)
    kwargs = dict(out_specs=_map_axes(to_spec, out_axes),
                  in_specs=Infer if in_axes is Infer else _map_axes(to_spec, in_axes), mesh=None,
                  axis_names=frozenset({axis_name}), check_vma=True)
    if f is None:
        return lambda g: _shard_map(g, **kwargs)
    return _shard_map(f, **kwargs)


def check_axes(fname: str, what: str, axes) -> None:
    """``axes`` (vmap-style ``in_axes``/``out_axes``) has only ints and None as leaves."""
    leaves = tree_flatten(axes, is_leaf=lambda x: x is None)[0]
    if not all(x is None or type(x) is int for x in leaves):
        raise TypeError(f"{fname} {what} must be an int, None, or (nested) container with "
                        f"those types as leaves, but got {axes!r}.")


def axis_spec(axis_name, axis: int | None) -> PartitionSpec:
    """The spec of a value mapped along ``axis`` (None: replicated) over ``axis_name``."""
    return P() if axis is None else P(*[None] * axis, axis_name)


def _map_axes(fn, axes):
    leaves, tree = tree_flatten(axes, is_leaf=lambda x: x is None)
    return tree_unflatten(tree, [fn(a) for a in leaves])


def _shard_map(f: Callable, *, out_specs, in_specs, mesh, axis_names, check_vma: bool):
    check_callable("shard_map", f)
    name = getattr(f, "__name__", repr(f))
    cache: dict = {}
    checked: set = set()      # the manual axes the specs were checked against

    @functools.wraps(f)
    @api_boundary
    def wrapped(*args):
        m, manual = resolve_mesh(mesh, axis_names)
        if manual not in checked:
            if in_specs is not Infer:
                check_specs("in_specs", in_specs, manual, allow_none=True)
            # A None in out_specs stands for a None output (an empty subtree), as JAX's.
            check_specs("out_specs", out_specs, manual, allow_none=True)
            checked.add(manual)
        leaves, in_tree = tree_flatten(args)
        specs = _in_specs_for(in_specs, args, leaves, m, manual, name)
        static = [s is None for s in specs]
        # Argument names are for error messages only: worked out when one is raised.
        arg_names = lambda: [f"args{keystr(path)}" for path, _ in
                             tree_flatten_with_path(args)[0]]

        def body_fun(*blocks):
            it = iter(blocks)
            full = [leaf if st else next(it) for leaf, st in zip(leaves, static)]
            out = f(*tree_unflatten(in_tree, full))
            outs, out_tree = tree_flatten(out)
            check_outputs("shard_map", out, outs)
            out_specs_flat = broadcast_specs("out_specs", out_specs, out, name)
            if any(spec is None for spec in out_specs_flat):
                raise ValueError(f"shard_map of {name}: out_specs has None where the output "
                                 "has arrays; None stands only for a None output.")
            return outs, out_specs_flat, out_tree

        key = None if any(static) else (in_tree, tuple(_aval_key(x) for x in leaves), m,
                                        manual, tuple(specs), _named_axes_in_scope())
        dyn_names = lambda: [n for n, st in zip(arg_names(), static) if not st]
        outs, out_tree = shard_map_flat(body_fun, [x for x, st in zip(leaves, static) if not st],
                                        [s for s, st in zip(specs, static) if not st], mesh=m,
                                        manual_axes=manual, check_vma=check_vma,
                                        fun_name=name, arg_names=dyn_names,
                                        cache=cache, cache_key=key)
        return tree_unflatten(out_tree, outs)

    return wrapped


def _named_axes_in_scope() -> tuple:
    """The axis names the body's collectives could resolve against (an enclosing vmap's,
    an enclosing body's mesh axes), with their sizes: traced bodies differ with them."""
    names, trace = [], current_trace()
    while trace is not None:
        if getattr(trace, "axis_name", None) is not None:
            names.append((trace.axis_name, trace.axis_size))
        trace = trace.parent
    return tuple(names) + axis_env.frames()


def shard_map_flat(body_fun: Callable, args: list, in_specs: Sequence[PartitionSpec], *,
                   mesh, manual_axes: tuple, check_vma: bool, fun_name: str,
                   arg_names: Callable[[], Sequence[str]], cache: dict | None = None,
                   cache_key=None):
    """Trace ``body_fun`` (blocks -> ``(flat outputs, flat out_specs, out_tree)``) over the
    blocks of ``args`` and bind ``shard_map``.  Returns ``(outputs, out_tree)``.  A traced
    body is kept in ``cache`` under ``cache_key`` (which holds the avals and specs)
    unless it closes over tracers; ``arg_names()`` names the arguments in errors."""
    entry = cache.get(cache_key) if cache is not None and cache_key is not None else None
    if entry is None:
        check_args_fit(args, in_specs, mesh, fun_name, arg_names)
        entry = _trace_body(body_fun, args, in_specs, mesh, manual_axes, check_vma, fun_name)
        if cache is not None and cache_key is not None and \
                not any(isinstance(c, Tracer) for c in entry[1]):
            cache[cache_key] = entry
    body, consts, out_specs, out_tree = entry
    outs = bind_shard_map([*consts, *args], jaxpr=body, mesh=mesh,
                          in_specs=(P(),) * len(consts) + tuple(in_specs), out_specs=out_specs,
                          check_vma=check_vma, manual_axes=manual_axes)
    return outs, out_tree


def _trace_body(body_fun, args, in_specs, mesh, manual_axes, check_vma, fun_name):
    box = {}

    def flat_fun(*blocks):
        outs, box["out_specs"], box["out_tree"] = body_fun(*blocks)
        return outs

    ctx = ctx_of(mesh, manual_axes) if check_vma else None
    block_avals = [shard_aval(get_aval(x), s, mesh, ctx) for x, s in zip(args, in_specs)]
    with body_axis_env(mesh, manual_axes, check_vma):
        closed, _ = trace_to_jaxpr(flat_fun, block_avals, fun_name=fun_name,
                                   transform_name="shard_map")
    body, consts = closed_to_open(closed)
    out_specs = tuple(box["out_specs"])
    _check_out_ranks(body.out_avals, out_specs, box["out_tree"], fun_name)
    if check_vma:
        specs = (P(),) * len(consts) + tuple(in_specs)
        try:
            body, _ = typed_body(body, specs, [spec_vma(s) for s in out_specs], mesh,
                                 manual_axes)
        except VmaError as e:
            raise _replication_error(e.fails, out_specs, box["out_tree"], mesh, manual_axes,
                                     fun_name) from None
    return body, list(consts), out_specs, box["out_tree"]


# =========================================================================== checks

def resolve_mesh(mesh, axis_names) -> tuple[Any, tuple]:
    """The mesh (given, or the context's) and the manual axes (default: all of them)."""
    if mesh is None:
        mesh = context_mesh()
        if mesh.empty:
            raise ValueError("shard_map: no mesh was given and the context mesh is empty; "
                             "pass mesh=..., or enter one with `zenax.set_mesh(mesh)`.")
    if not isinstance(mesh, (Mesh, AbstractMesh)):
        raise TypeError(f"shard_map: mesh must be a jax.sharding.Mesh or AbstractMesh, got "
                        f"{mesh!r} of type {type(mesh).__name__}.")
    if mesh.empty:
        raise ValueError(f"shard_map: the mesh must not be empty, got {mesh}.")
    if not isinstance(axis_names, (set, frozenset)):
        raise TypeError(f"shard_map: axis_names must be a set or frozenset of mesh axis names, "
                        f"got {type(axis_names).__name__}: {axis_names!r}.")
    manual = frozenset(axis_names) or frozenset(mesh.axis_names)
    if not manual <= frozenset(mesh.axis_names):
        raise ValueError(f"shard_map: axis_names={set(axis_names)} must be a subset of the "
                         f"mesh's axis names {mesh.axis_names}.")
    return mesh, ctx_of(mesh, manual).order       # in the mesh's order


def check_specs(what: str, specs, manual: frozenset, allow_none: bool = False) -> None:
    """Every leaf of ``specs`` is a PartitionSpec naming only manual axes (TypeError /
    ValueError, as JAX's, naming the argument and the entry); with ``allow_none``, None
    leaves mark static arguments."""
    entries, _ = tree_flatten_with_path(specs, is_leaf=lambda x: x is None)
    for path, spec in entries:
        if spec is None and allow_none:
            continue
        if not isinstance(spec, PartitionSpec):
            raise TypeError(f"shard_map: {what} must be a pytree of PartitionSpecs, but "
                            f"{what}{keystr(path)} is {spec!r} of type {type(spec).__name__}.")
        for names in spec:
            for n in spec_axis_names(names):
                if n not in manual:
                    raise ValueError(f"shard_map: {what}{keystr(path)} is {spec}, which refers "
                                     f"to mesh axis {n!r}; the spec may name only the manual "
                                     f"axes of the mesh, {sorted(manual, key=str)}.")


def broadcast_specs(what: str, specs, tree, fun_name: str) -> list:
    """One spec per leaf of ``tree``, from ``specs`` (a pytree prefix of it)."""
    leaves, struct = tree_flatten(tree)
    if isinstance(specs, PartitionSpec) or specs is None:
        return [specs] * len(leaves)
    spec_leaves, spec_tree = tree_flatten(specs, is_leaf=lambda x: x is None)
    try:
        subtrees = spec_tree.flatten_up_to(tree_unflatten(struct, leaves))
    except ValueError:
        raise ValueError(f"shard_map of {fun_name}: {what} must be a pytree prefix of the "
                         f"{'arguments' if what == 'in_specs' else 'outputs'}; got {what} of "
                         f"structure {spec_tree} for a value of structure {struct}.") from None
    out = []
    for spec, sub in zip(spec_leaves, subtrees):
        out += [spec] * tree_structure(sub).num_leaves
    return out


def _in_specs_for(in_specs, args, leaves, mesh, manual, fun_name) -> list:
    if in_specs is not Infer:
        return broadcast_specs("in_specs", in_specs, args, fun_name)
    if not all(t == AxisType.Explicit for n, t in zip(mesh.axis_names, mesh.axis_types)
               if n in manual):
        raise TypeError("shard_map: in_specs can be left out only when every manual mesh "
                        "axis is Explicit (the arguments' shardings then give them); this "
                        f"mesh's axes are {dict(zip(mesh.axis_names, mesh.axis_types))}. "
                        "Pass in_specs.")
    specs = []
    for x in leaves:
        if isinstance(x, Tracer):
            raise ValueError("shard_map: in_specs were left out, but an argument is a traced "
                             "value, whose sharding zenax does not track; pass in_specs.")
        s = getattr(x, "sharding", None)
        spec = s.spec if isinstance(s, NamedSharding) else P()
        specs.append(P(*[tuple(n for n in spec_axis_names(e) if n in manual) or None
                         for e in spec]))
    return specs


def check_args_fit(args, in_specs, mesh, fun_name: str, arg_names) -> None:
    """Each spec is no longer than its argument's rank and splits only dimensions the mesh
    axes divide evenly (ValueError naming the argument: ``arg_names()[i]``)."""
    for i, (x, spec) in enumerate(zip(args, in_specs)):
        aval = get_aval(x)
        if len(spec) > aval.ndim:
            arg = arg_names()[i]
            raise ValueError(
                f"shard_map of {fun_name}: in_specs entry {spec} for {arg} has {len(spec)} "
                f"entries, but {arg} has shape {aval.str_short()}, of rank {aval.ndim}; an "
                "entry can be no longer than the rank of its value (use P() for scalars).")
        for d, names in spec_names(spec).items():
            size = math.prod(mesh.shape[n] for n in names)
            if aval.shape[d] % size:
                axes = f"axes {names} (of total size {size})" if len(names) > 1 else \
                    f"axis {names[0]!r} (of size {size})"
                arg = arg_names()[i]
                raise ValueError(
                    f"shard_map of {fun_name}: in_specs entry {spec} splits dimension {d} of "
                    f"{arg} (shape {aval.str_short()}) over mesh {axes}, which does not "
                    f"divide {aval.shape[d]} evenly. The mesh has shape "
                    f"{tuple(mesh.shape.values())} with axis names {mesh.axis_names}; pad "
                    f"the argument or change the spec or the mesh.")


def _out_paths(out_tree) -> list[str]:
    """Each output's path in the result ('' for the result itself), for errors."""
    return [keystr(p) for p, _ in tree_flatten_with_path(
        tree_unflatten(out_tree, [0] * out_tree.num_leaves))[0]]


def _check_out_ranks(out_avals, out_specs, out_tree, fun_name) -> None:
    for aval, spec, path in zip(out_avals, out_specs, _out_paths(out_tree)):
        if spec is not None and len(spec) > aval.ndim:
            hint = " A scalar output that varies over the mesh needs an axis of size 1 to be " \
                   "stacked along (x[None])." if aval.ndim == 0 else ""
            raise ValueError(f"shard_map of {fun_name}: out_specs entry {spec} for output "
                             f"{path or '(the result)'} has {len(spec)} entries, but the "
                             f"output has shape {aval.str_short()}, of rank {aval.ndim}.{hint}")


def _replication_error(fails, out_specs, out_tree, mesh, manual, fun_name) -> ValueError:
    paths = _out_paths(out_tree)
    order = ctx_of(mesh, manual).ordered
    lines = []
    for i, vma, allowed in fails:
        extra = order(vma - allowed)
        lines.append(f"  * output {paths[i] or '(the result)'} has out_specs entry "
                     f"{out_specs[i]}, which says it is the same on every device along mesh "
                     f"axes {list(extra)}, but it may vary over {list(order(vma))}")
    return ValueError(
        f"shard_map of {fun_name}: out_specs claim replication that zenax cannot prove "
        f"(mesh axis names {mesh.axis_names}, shape {tuple(mesh.shape.values())}):\n"
        + "\n".join(lines) + "\nIf the output varies, name those axes in its out_specs "
        "entry; if it is meant to be replicated, reduce it over them (lax.psum, lax.pmean); "
        "or pass check_vma=False to shard_map to skip this check.")


__all__ = ["shard_map", "smap"]
