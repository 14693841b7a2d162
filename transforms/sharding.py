"""Meshes and shardings: how arrays are laid out over devices.

A mesh names the axes of an array of devices; a sharding says how an array is cut over a
mesh (``NamedSharding(mesh, PartitionSpec("data", None))``).  These describe devices,
not programs, so they are JAX's own runtime objects, re-exported: zenax's arrays are
``jax.Array``s, placed and laid out by JAX's runtime and XLA's SPMD partitioner.  What
touches a program is zenax's: ``reshard`` and ``with_sharding_constraint`` are primitives
(``lax/sharding_constraint.py``), ``shard_map`` a transform, and :func:`device_put` walks
zenax's pytrees and binds ``device_put_p`` on traced values (``lax/device_put.py``).

zenax's avals do not carry a sharding, so the Explicit-axes typing of JAX 0.10 (an
array's sharding in its type, checked and propagated by every operation) is JAX's alone:
values keep their layout through zenax programs, but zenax does not check it while
tracing.  :func:`auto_axes` and :func:`explicit_axes` therefore only reshard the outputs
(inputs) they are given.
"""
from __future__ import annotations

import functools
from typing import Callable

import jax
from jax.sharding import (AbstractDevice, AbstractMesh, AxisType,
                          ManualAxisType, Mesh, NamedSharding, PartitionSpec, Sharding,
                          SingleDeviceSharding, get_abstract_mesh, get_mesh,
                          make_single_device_sharding, set_mesh, use_abstract_mesh)
from jax import make_mesh
from jax.debug import visualize_array_sharding, visualize_sharding

from zenax.tracer.arguments import invalid_leaf_error, is_valid_leaf
from zenax.tracer.core import Tracer, bind, current_trace, eval_trace, get_aval
from zenax.lax.device_put import copy_semantics_of, device_put_p
from zenax.tracer.tree_util import (keystr, tree_flatten, tree_flatten_with_path,
                                    tree_structure, tree_unflatten)
from zenax.lax.sharding_constraint import (check_sharding_fits, reshard,
                                           with_sharding_constraint)

P = PartitionSpec


def _prefix_leaves(name: str, prefix, tree_leaves_, treedef, is_leaf) -> list:
    """One entry per leaf of the value, from ``prefix`` (a pytree prefix of it)."""
    leaves, ptree = tree_flatten(prefix, is_leaf=is_leaf)
    try:
        subtrees = ptree.flatten_up_to(tree_unflatten(treedef, tree_leaves_))
    except ValueError:
        raise ValueError(f"device_put: {name} must be a pytree prefix of x; got {name} of "
                         f"structure {ptree} for x of structure {treedef}.") from None
    out = []
    for entry, sub in zip(leaves, subtrees):
        out += [entry] * tree_structure(sub).num_leaves
    return out


def _is_placement(x) -> bool:
    return x is None or isinstance(x, (jax.Device, Sharding, PartitionSpec)) or \
        type(x).__name__ in ("Format", "Layout")


def device_put(x, device=None, *, src=None, donate=False, may_alias=None):
    """Place the arrays of pytree ``x`` on ``device``: a device, a sharding, a
    PartitionSpec (read against the context mesh), or a pytree prefix of ``x`` of those.
    ``src``, ``donate`` and ``may_alias`` are JAX's (prefixes of ``x`` too).  Inside a
    transformation the leaves go through one ``device_put`` primitive, which JAX's own
    ``device_put`` places when the program is compiled.

    >>> mesh = zenax.make_mesh((1,), ("i",))
    >>> y = zenax.device_put(jnp.arange(4.0), zenax.NamedSharding(mesh, zenax.P("i")))
    >>> y.sharding.spec
    P('i',)
    """
    leaves, treedef = tree_flatten(x)
    for leaf in leaves:
        if not isinstance(leaf, Tracer) and not is_valid_leaf(leaf):
            raise invalid_leaf_error("device_put", "argument x", leaf)
    devices = _prefix_leaves("device", device, leaves, treedef, _is_placement)
    srcs = _prefix_leaves("src", src, leaves, treedef, _is_placement)
    donates = _prefix_leaves("donate", donate, leaves, treedef, lambda v: isinstance(v, bool))
    aliases = _prefix_leaves("may_alias", may_alias, leaves, treedef,
                             lambda v: v is None or isinstance(v, bool))
    if current_trace() is not eval_trace:
        # Under a transformation every leaf is placed by one device_put_p, as in JAX.
        return tree_unflatten(treedef, bind(
            device_put_p, *leaves, devices=tuple(_placement(d) for d in devices),
            srcs=tuple(_placement(s) for s in srcs),
            copy_semantics=tuple(map(copy_semantics_of, donates, aliases))))
    try:
        placed = jax.device_put(leaves, devices, src=srcs, donate=donates, may_alias=aliases)
    except ValueError:
        _raise_for_misfit(x, leaves, devices)
        raise
    return tree_unflatten(treedef, placed)


def _raise_for_misfit(x, leaves, devices) -> None:
    """After JAX failed to place ``leaves``: if a sharding cannot lay out its leaf (an axis
    the mesh lacks, a dimension its mesh axes do not divide), raise JAX's error for that
    leaf naming it."""
    paths = [keystr(p) for p, _ in tree_flatten_with_path(x)[0]]
    for leaf, placement, path in zip(leaves, devices, paths):
        what = f"the device entry for x{path}"
        if isinstance(placement, PartitionSpec) and not get_mesh().empty:
            try:
                placement = NamedSharding(get_mesh(), placement)
            except ValueError as e:
                raise type(e)(f"device_put: {what} is {placement}, which does not fit the "
                              f"context mesh: {e}") from None
        if isinstance(placement, Sharding):
            check_sharding_fits(placement, get_aval(leaf), "device_put", lambda: what)


def _placement(placement):
    """A PartitionSpec read against the context mesh, as JAX reads it."""
    if isinstance(placement, PartitionSpec):
        mesh = get_abstract_mesh() if get_mesh().empty else get_mesh()
        if mesh.empty:
            raise RuntimeError(f"device_put: a PartitionSpec {placement} needs a mesh in "
                               "context; enter one with `zenax.set_mesh(mesh)`, or pass a "
                               "NamedSharding(mesh, spec) instead.")
        return NamedSharding(mesh, placement)
    return placement


def auto_axes(f: Callable | None = None, /, *, axes=None, out_sharding=None):
    """``f`` with its outputs moved to ``out_sharding`` (or the ``out_sharding`` keyword
    of each call).  In JAX the mesh ``axes`` are also Auto while ``f`` runs; zenax does not
    type shardings while tracing (see the module doc), so only the outputs are resharded.

    >>> mesh = zenax.make_mesh((1,), ("i",))
    >>> g = zenax.sharding.auto_axes(lambda x: x * 2,
    ...                              out_sharding=zenax.NamedSharding(mesh, zenax.P("i")))
    >>> g(jnp.arange(2.0)).sharding.spec
    P('i',)
    """
    apply = lambda fun, args, kwargs, s: reshard(fun(*args, **kwargs), s)
    return _with_sharding_arg("auto_axes", "out_sharding", out_sharding, apply, f)


def explicit_axes(f: Callable | None = None, /, *, axes=None, in_sharding=None):
    """``f`` applied to its arguments moved to ``in_sharding`` (or the ``in_sharding``
    keyword of each call); see :func:`auto_axes` for what zenax leaves out.

    >>> mesh = zenax.make_mesh((1,), ("i",))
    >>> g = zenax.sharding.explicit_axes(lambda x: x * 2,
    ...                                  in_sharding=zenax.NamedSharding(mesh, zenax.P("i")))
    >>> g(jnp.arange(2.0))
    Array([0., 2.], dtype=float32)
    """
    apply = lambda fun, args, kwargs, s: fun(*reshard(args, s), **kwargs)
    return _with_sharding_arg("explicit_axes", "in_sharding", in_sharding, apply, f)


def _with_sharding_arg(name: str, keyword: str, sharding, apply: Callable, f):
    """``f`` (or a decorator, when f is None) calling ``apply(f, args, kwargs, sharding)``
    with ``sharding`` given here or as the ``keyword`` argument of each call."""
    def decorate(fun):
        @functools.wraps(fun)
        def wrapper(*args, **kwargs):
            s = sharding
            if s is None:
                if keyword not in kwargs:
                    raise TypeError(f"{name}: missing the required keyword argument "
                                    f"'{keyword}' (give it to {name} or to the call).")
                s = kwargs.pop(keyword)
            return apply(fun, args, kwargs, s)
        return wrapper
    return decorate if f is None else decorate(f)


__all__ = ["AbstractDevice", "AbstractMesh", "AxisType", "ManualAxisType", "Mesh",
           "NamedSharding", "PartitionSpec", "Sharding", "SingleDeviceSharding", "auto_axes",
           "device_put", "explicit_axes", "get_abstract_mesh", "get_mesh", "make_mesh",
           "make_single_device_sharding", "reshard", "set_mesh", "use_abstract_mesh",
           "visualize_array_sharding", "visualize_sharding", "with_sharding_constraint"]
