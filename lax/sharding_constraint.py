"""``with_sharding_constraint`` and ``reshard``: pinning how a value is laid out over a
device mesh.

Both are the identity on values; they tell XLA's SPMD partitioner how to shard an
intermediate (``sharding_constraint``, for meshes with Auto axes) or move a value to a
new sharding (``reshard``, the way to change an Explicit-axes sharding).  Each is a
primitive whose abstract eval keeps the aval and whose lowering is JAX's own
``jax.lax.with_sharding_constraint`` / ``jax.sharding.reshard``.  Being the identity, the
jvp puts the same constraint on the tangent and the transpose puts it on the cotangent
(so the backward pass is laid out like the forward one).  Under ``vmap`` the batch
dimension is added to the spec unconstrained (``reshard``: replicated), leaving the
partitioner free to place it.

Shardings and meshes are JAX's runtime objects: they describe devices, not programs.
"""
from __future__ import annotations

import jax
import numpy as np
from jax.experimental.layout import Format
from jax.sharding import AxisType, NamedSharding, PartitionSpec, Sharding

from zenax.tracer.ad_types import Zero
from zenax.tracer.core import (Primitive, batch_rules, bind, current_trace, eval_trace,
                               get_aval, impl_rules)
from zenax.tracer.source_info import user_frame_str
from zenax.tracer.tree_util import (keystr, tree_flatten, tree_flatten_with_path,
                                    tree_structure, tree_unflatten)

from .broadcasting import deflinear
from .eager import is_concrete_array
from .registry import logical_axis_to_physical, register

P = PartitionSpec

# The type of every ``out_sharding=`` argument.
OutSharding = NamedSharding | PartitionSpec | None


class ShardingTypeError(Exception):
    """A sharding that the operation cannot produce (JAX's error of the same name)."""


def spec_axis_names(entry) -> tuple:
    """The mesh axes one PartitionSpec entry names: ``"i"`` -> ``("i",)``, ``("i", "j")``
    as it is, None and UNCONSTRAINED -> ``()``."""
    if entry is None or entry is P.UNCONSTRAINED:
        return ()
    return entry if isinstance(entry, tuple) else (entry,)


def explicit_axes_named(s: NamedSharding) -> set:
    """The Explicit mesh axes the spec of ``s`` names."""
    explicit = {n for n, t in zip(s.mesh.axis_names, s.mesh.axis_types)
                if t == AxisType.Explicit}
    return explicit & {n for e in s.spec.partitions for n in spec_axis_names(e)}


def context_mesh():
    """The mesh in context (``set_mesh``), else the abstract one (possibly empty)."""
    mesh = jax.sharding.get_mesh()
    return mesh if not mesh.empty else jax.sharding.get_abstract_mesh()


def insert_spec_dim(spec: PartitionSpec, dim: int, entry=None) -> PartitionSpec:
    """``spec`` with ``entry`` for a new array dimension at ``dim`` (vmap's batch axis)."""
    parts = list(spec.partitions) + [None] * max(0, dim - len(spec))
    parts.insert(dim, entry)
    return spec.update(partitions=parts)


def _batched_sharding(sharding, bdim: int, fill):
    """``sharding`` with an entry ``fill`` for a new axis at ``bdim``."""
    if not isinstance(sharding, NamedSharding):
        return sharding      # a replicated or single-device sharding fits any rank
    return NamedSharding(sharding.mesh, insert_spec_dim(sharding.spec, bdim, fill),
                         memory_kind=sharding.memory_kind)


# =========================================================================== sharding_constraint
sharding_constraint_p = Primitive("sharding_constraint")


def _constraint_lower(x, *, sharding, unconstrained_dims):
    return jax.lax.with_sharding_constraint(x, sharding)


register(sharding_constraint_p, lambda x, **params: x, _constraint_lower)
# Eagerly, JAX's own call (not a jitted copy of it, whose output XLA would describe with
# a normalized spec): the result keeps the sharding as given, P('data', None) included.
impl_rules[sharding_constraint_p] = _constraint_lower
deflinear(sharding_constraint_p, lambda ct, x, **params: [
    ct if type(ct) is Zero else bind(sharding_constraint_p, ct, **params)])


def _constraint_batch(args, dims, *, sharding, unconstrained_dims):
    (x,), (d,) = args, dims
    new = _batched_sharding(sharding, d, P.UNCONSTRAINED)
    dims_ = frozenset(logical_axis_to_physical(i, d) for i in unconstrained_dims) | {d}
    return bind(sharding_constraint_p, x, sharding=new, unconstrained_dims=dims_), d


batch_rules[sharding_constraint_p] = _constraint_batch

# =========================================================================== reshard
reshard_p = Primitive("reshard")
register(reshard_p, lambda x, *, dst_sharding: x,
         lambda x, *, dst_sharding: jax.sharding.reshard(x, dst_sharding))
deflinear(reshard_p, lambda ct, x, *, dst_sharding: [
    ct if type(ct) is Zero else bind(reshard_p, ct, dst_sharding=dst_sharding)])
batch_rules[reshard_p] = lambda args, dims, *, dst_sharding: (
    bind(reshard_p, args[0], dst_sharding=_batched_sharding(dst_sharding, dims[0], None)),
    dims[0])


# =========================================================================== public API

def check_sharding_fits(s: Sharding, aval, fname: str, what, kind: type | None = None):
    """JAX's error for a sharding that cannot lay out a value of ``aval``'s shape (a mesh
    axis that does not divide the dimension it splits), naming the argument, ``what()``
    (e.g. ``"the in_shardings entry for argument x"``); of the type JAX raises there
    (``kind``, by default the type of the sharding's own error)."""
    try:
        s.shard_shape(aval.shape)
    except ValueError as e:
        raise (kind or type(e))(f"{fname}: {what()} does not fit a value of shape "
                                f"{aval.str_short()}: {e}") from None


def _as_sharding(s, fname: str, ndim: int, argname: str = "shardings"):
    """A ``Sharding`` from a sharding or a PartitionSpec (read against the context mesh),
    checked against an operand of rank ``ndim``."""
    if isinstance(s, PartitionSpec):
        mesh = context_mesh()
        if mesh.empty:
            raise RuntimeError(f"{fname}: a PartitionSpec {s} needs a mesh in context; enter "
                               "one with `zenax.set_mesh(mesh)`, or pass a "
                               "NamedSharding(mesh, spec) instead.")
        try:
            s = NamedSharding(mesh, s)
        except ValueError as e:     # JAX's check: the spec names an axis the mesh lacks
            raise type(e)(f"{fname}: {argname} entry {s} does not fit the context mesh: "
                          f"{e}") from None
    if isinstance(s, Format) and s.sharding is not None:
        # A layout with a sharding (as JAX takes): zenax places values by their sharding
        # and leaves the memory layout to XLA's default.
        s = s.sharding
    if not isinstance(s, Sharding):
        raise TypeError(f"{fname}: shardings must be jax.sharding.Sharding instances or "
                        f"PartitionSpecs, got {s!r} of type {type(s).__name__}.")
    if isinstance(s, NamedSharding):
        if len(s.spec) > ndim:
            raise ValueError(f"{fname}: the spec {s.spec} has {len(s.spec)} entries, more than "
                             f"the rank {ndim} of the value it shards.")
        names = set(s.mesh.axis_names)
        for entry in s.spec.partitions:
            for name in spec_axis_names(entry):
                if name not in names:
                    raise ValueError(f"{fname}: the {argname} spec {s.spec} names axis "
                                     f"{name!r}, which the mesh (axes {s.mesh.axis_names}) "
                                     "does not have.")
    return s


def _flat_shardings(fname: str, x, shardings) -> tuple[list, object, list]:
    leaves, tree = tree_flatten(x)
    if isinstance(shardings, (Sharding, PartitionSpec)):
        return leaves, tree, [shardings] * len(leaves)
    s_leaves, s_tree = tree_flatten(shardings, is_leaf=lambda s: isinstance(s, PartitionSpec))
    try:
        subtrees = s_tree.flatten_up_to(tree_unflatten(tree, leaves))
    except ValueError:
        raise ValueError(f"{fname}: shardings must be a sharding or a pytree prefix of x; got "
                         f"shardings of structure {s_tree} for x of structure {tree}.") from None
    flat = []
    for s, sub in zip(s_leaves, subtrees):
        flat += [s] * tree_structure(sub).num_leaves
    return leaves, tree, flat


def _leaf_path(x, i: int) -> str:
    return keystr(tree_flatten_with_path(x)[0][i][0])


def with_sharding_constraint(x, shardings):
    """Ask XLA to lay out each array of pytree ``x`` as ``shardings`` says (a sharding, a
    PartitionSpec read against the context mesh, or a pytree prefix of ``x`` of those).
    The values are unchanged.

    >>> mesh = zenax.make_mesh((1,), ("i",), axis_types=(zenax.sharding.AxisType.Auto,))
    >>> s = zenax.NamedSharding(mesh, zenax.P("i"))
    >>> zenax.jit(lambda x: lax.with_sharding_constraint(x * 2, s))(jnp.arange(2.0))
    Array([0., 2.], dtype=float32)
    """
    leaves, tree, flat = _flat_shardings("with_sharding_constraint", x, shardings)
    out = []
    for i, (leaf, s) in enumerate(zip(leaves, flat)):
        aval = get_aval(leaf)
        s = _as_sharding(s, "with_sharding_constraint", aval.ndim)
        if current_trace() is eval_trace:     # as JAX: checked eagerly, padded under jit
            check_sharding_fits(s, aval, "with_sharding_constraint",
                                lambda: f"the shardings entry for x{_leaf_path(x, i)}")
        if isinstance(s, NamedSharding) and (explicit := explicit_axes_named(s)):
            raise ValueError(f"with_sharding_constraint: the spec {s.spec} names the "
                             f"Explicit mesh axes {sorted(explicit)}; constraints apply to "
                             "Auto axes only. To move a value to a sharding over Explicit "
                             "axes use zenax.sharding.reshard.")
        unconstrained = frozenset(i for i, e in enumerate(getattr(s, "spec", P()).partitions)
                                  if e is P.UNCONSTRAINED)
        out.append(bind(sharding_constraint_p, leaf, sharding=s,
                        unconstrained_dims=unconstrained))
    return tree_unflatten(tree, out)


def reshard(xs, out_shardings):
    """Move each array of pytree ``xs`` to ``out_shardings`` (a sharding, a PartitionSpec
    read against the context mesh, or a pytree prefix of ``xs``); values are unchanged.

    >>> mesh = zenax.make_mesh((1,), ("i",))
    >>> y = zenax.sharding.reshard(jnp.arange(2.0), zenax.NamedSharding(mesh, zenax.P("i")))
    >>> y.sharding.spec
    P('i',)
    """
    leaves, tree, flat = _flat_shardings("reshard", xs, out_shardings)
    out = []
    for i, (leaf, s) in enumerate(zip(leaves, flat)):
        aval = get_aval(leaf)
        ndim = aval.ndim
        s = _as_sharding(s, "reshard", ndim, "out_shardings")
        if isinstance(s, NamedSharding):      # the spec padded to the rank, as JAX's
            s = NamedSharding(s.mesh, s.spec.update(
                partitions=s.spec.partitions + (None,) * (ndim - len(s.spec))),
                memory_kind=s.memory_kind)
            # JAX checks this while tracing (a ValueError), eagerly and under jit alike.
            check_sharding_fits(s, aval, "reshard",
                                lambda: f"the out_shardings entry for xs{_leaf_path(xs, i)}",
                                ValueError)
        out.append(bind(reshard_p, leaf, dst_sharding=s))
    return tree_unflatten(tree, out)


def out_sharded(fun_name: str, out, out_sharding: OutSharding):
    """``out``, the result of public function ``fun_name`` (its full name, e.g.
    ``"zenax.numpy.zeros"``), moved to ``out_sharding``: a NamedSharding, or a
    PartitionSpec read against the context mesh; None leaves it as computed.

    As in JAX the result is computed as without a sharding and then resharded
    (``reshard_p``: eagerly a transfer, under ``jit`` a layout for XLA's partitioner), so
    the values are those of the unsharded computation.  JAX's checks, with its error
    kinds: only Explicit mesh axes may be named, the mesh must be the context mesh, and the
    spec must fit the result's rank (trailing Nones beyond it are dropped)."""
    if out_sharding is None or (isinstance(out_sharding, NamedSharding)
                                and out_sharding.mesh.empty):
        return out
    out_sharding = canonical_out_sharding(fun_name, out_sharding)
    mesh, spec = out_sharding.mesh, out_sharding.spec
    if AxisType.Explicit not in mesh.axis_types:
        return out      # JAX computes the result as it would without out_sharding
    current = jax.sharding.get_abstract_mesh()
    if current.empty and mesh.size != 1:
        raise ValueError(f"{fun_name}: `out_sharding` spans the {mesh.size} devices of its "
                         "mesh, but no mesh is in context; enter it with "
                         "`zenax.set_mesh(mesh)`.")
    ndim = get_aval(out).ndim
    if any(spec_axis_names(entry) for entry in spec[ndim:]):
        # AssertionError is the kind JAX raises here.
        raise AssertionError(f"{fun_name}: the `out_sharding` spec {spec} shards more "
                             f"dimensions than the result has ({ndim}).")
    parts = tuple(spec)[:ndim]
    spec = spec.update(partitions=parts + (None,) * (ndim - len(parts)))
    return bind(reshard_p, out, dst_sharding=NamedSharding(mesh, spec,
                                                           memory_kind=out_sharding.memory_kind))


def canonical_out_sharding(fun_name: str, out_sharding) -> NamedSharding:
    """``out_sharding`` (not None) as a NamedSharding, with JAX's checks of
    :func:`out_sharded` that do not depend on the result."""
    if not isinstance(out_sharding, (NamedSharding, PartitionSpec)):
        raise TypeError(f"{fun_name}: `out_sharding` must be a NamedSharding or a "
                        f"PartitionSpec, got {out_sharding!r} of type "
                        f"{type(out_sharding).__name__}.")
    current = jax.sharding.get_abstract_mesh()
    if isinstance(out_sharding, PartitionSpec):
        if current.empty:
            raise ValueError(f"{fun_name}: the `out_sharding` PartitionSpec {out_sharding} "
                             "needs a mesh in context; enter one with "
                             "`zenax.set_mesh(mesh)` or pass a NamedSharding(mesh, spec).")
        mesh = context_mesh()
        _check_axes_exist(fun_name, out_sharding, mesh)
        out_sharding = NamedSharding(mesh, out_sharding)
    mesh, spec = out_sharding.mesh, out_sharding.spec
    _check_axes_exist(fun_name, spec, mesh)
    types = dict(zip(mesh.axis_names, mesh.axis_types))
    all_auto = lambda m: all(t == AxisType.Auto for t in m.axis_types)
    if (not current.empty and mesh.abstract_mesh != current
            and not (all_auto(mesh) and all_auto(current))):
        raise ValueError(f"{fun_name}: the mesh of `out_sharding` {mesh.abstract_mesh} is "
                         f"not the context mesh {current}.\n  (at {user_frame_str()})")
    for axis in (a for entry in spec for a in spec_axis_names(entry)):
        if types[axis] != AxisType.Explicit:
            raise ValueError(f"{fun_name}: the `out_sharding` spec {spec} names axis "
                             f"{axis!r} of type {types[axis]}; only Explicit axes can be "
                             "named. Make the mesh with axis_types=(AxisType.Explicit, ...).")
    return out_sharding


def placed(out, sharding: Sharding | None):
    """``out`` committed to ``sharding`` (any concrete ``Sharding``) when it is a concrete
    array; traced values are left as they are, as JAX's ``lax.full(sharding=)`` does (the
    placement of a traced value is its ``jit``'s business)."""
    if sharding is None or not is_concrete_array(out):
        return out
    # JAX builds the placed array from host data, so it is never weakly typed.
    return jax.device_put(np.asarray(out), sharding)


def _check_axes_exist(fun_name: str, spec: PartitionSpec, mesh) -> None:
    for axis in (a for entry in spec for a in spec_axis_names(entry)):
        if axis not in mesh.axis_names:
            raise ValueError(f"{fun_name}: the `out_sharding` spec {spec} names axis "
                             f"{axis!r}, which the mesh (axes {mesh.axis_names}) does not "
                             "have.")


def is_replicated(s: NamedSharding) -> bool:
    """Whether ``s`` names no mesh axis (every device holds the whole value)."""
    return not any(spec_axis_names(entry) for entry in s.spec)


__all__ = ["OutSharding", "ShardingTypeError", "out_sharded", "reshard", "reshard_p",
           "sharding_constraint_p", "with_sharding_constraint"]
