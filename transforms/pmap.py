"""``pmap``: map a function over the leading axis of its arguments, one device per element.

As in JAX since it was rebuilt on ``shard_map``, ``pmap(f, axis_name="i")`` is a ``jit``
of a ``shard_map`` over a one-axis mesh of as many devices as the mapped axis is long:
each argument's mapped axis (``in_axes``) is split over the mesh axis ``axis_name`` and
squeezed away inside the body, and each output gets it back at ``out_axes``.  Collectives
in ``f`` name ``axis_name``.  The body is not typed for device variance
(``check_vma=False``, as JAX's pmap), so reverse mode through it follows JAX's
conservative rule (``shard_map_rules.py``).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Sequence

import jax
import numpy as np
from jax.sharding import Mesh

from zenax.tracer.arguments import check_callable
from zenax.tracer.core import get_aval
from zenax.tracer.source_info import api_boundary
from zenax.tracer.tree_util import (keystr, tree_flatten, tree_flatten_with_path,
                                   tree_structure, tree_unflatten)
from zenax.lax import shapes as sh

from .jit import jit
from .shard_map import axis_spec, broadcast_specs, check_axes, shard_map_flat
from .vmap import _canon_axis, _canon_out_axis, _flatten_axes


def _index_tuple(name: str, value) -> tuple:
    if isinstance(value, int):
        return (value,)
    try:
        return tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"pmap: {name} must be an int or an iterable of ints, got "
                        f"{value!r}.") from None


@functools.lru_cache(maxsize=64)
def _mesh(devices: tuple, axis_name) -> Mesh:
    return Mesh(np.array(devices), (axis_name,))


@api_boundary
def pmap(fun: Callable, axis_name=None, *, in_axes: Any = 0, out_axes: Any = 0,
         static_broadcasted_argnums: int | Iterable[int] = (),
         devices: Sequence | None = None, backend: str | None = None,
         axis_size: int | None = None, donate_argnums: int | Iterable[int] = ()) -> Callable:
    """Run ``fun`` on one device per element of the mapped axis of its arguments.

    ``in_axes``/``out_axes`` (as in ``vmap``) say which axis is mapped; ``axis_name`` names
    it for collectives; ``static_broadcasted_argnums`` are passed to every device as they
    are (hashable, compiled in); ``donate_argnums`` lets the outputs reuse those inputs'
    buffers.  The mapped axis may be no longer than the number of devices.

    >>> zenax.pmap(lambda x: lax.psum(x, "i"), axis_name="i")(jnp.ones(1))
    Array([1.], dtype=float32)
    """
    check_callable("pmap", fun)
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    check_axes("pmap", "in_axes", in_axes)
    check_axes("pmap", "out_axes", out_axes)
    name = "_internal_pmap_axis_name" if axis_name is None else axis_name
    static = _index_tuple("static_broadcasted_argnums", static_broadcasted_argnums)
    donate = _index_tuple("donate_argnums", donate_argnums)
    fun_name = getattr(fun, "__name__", repr(fun))

    def mapped(*args, **kwargs):
        nargs = len(args)
        static_idx = {i % nargs for i in static if -nargs <= i < nargs}
        dyn_idx = [i for i in range(nargs) if i not in static_idx]
        dyn_args = tuple(args[i] for i in dyn_idx)
        if isinstance(in_axes, tuple):
            if len(in_axes) != nargs:
                raise ValueError(f"pmap in_axes must be an int, None, or a tuple of entries "
                                 f"corresponding to the positional arguments passed to the "
                                 f"function, but got len(in_axes)={len(in_axes)}, "
                                 f"len(args)={nargs}.")
            arg_axes = tuple(in_axes[i] for i in dyn_idx)
        else:
            arg_axes = (in_axes,) * len(dyn_idx)
        leaves, in_tree = tree_flatten((dyn_args, kwargs))
        dyn_tree = tree_structure(dyn_args)
        axes = _flatten_axes("pmap", dyn_tree, arg_axes, "in_axes") + \
            [0] * (len(leaves) - dyn_tree.num_leaves)     # keyword arguments: axis 0
        names = [f"args[{i}]{keystr(p)}" for i, a in zip(dyn_idx, dyn_args)
                 for p, _ in tree_flatten_with_path(a)[0]] + \
            [f"kwargs{keystr(p)}" for p, _ in tree_flatten_with_path(kwargs)[0]]
        axes = [_canon_axis(a, get_aval(x), lambda n=n: n)
                for a, x, n in zip(axes, leaves, names)]
        size = _mapped_size(leaves, axes, names, axis_size)
        mesh = _mesh(_devices(devices, backend, size, lambda: _mapped_arg(leaves, axes, names)),
                     name)
        in_specs = [axis_spec(name, a) for a in axes]

        def body_fun(*blocks):
            blocks = [b if a is None else sh.squeeze(b, (a,)) for b, a in zip(blocks, axes)]
            d_args, d_kwargs = tree_unflatten(in_tree, blocks)
            full = list(args)
            for i, v in zip(dyn_idx, d_args):
                full[i] = v
            out = fun(*full, **d_kwargs)
            outs, out_tree = tree_flatten(out)
            out_ax = [None if a is None else _canon_out_axis(a, get_aval(o).ndim)
                      for o, a in zip(outs, broadcast_specs("out_axes", out_axes, out,
                                                            fun_name))]
            outs = [o if a is None else sh.expand_dims(o, (a,)) for o, a in zip(outs, out_ax)]
            return outs, [axis_spec(name, a) for a in out_ax], out_tree

        outs, out_tree = shard_map_flat(body_fun, leaves, in_specs, mesh=mesh,
                                        manual_axes=(name,), check_vma=False,
                                        fun_name=fun_name, arg_names=lambda: names)
        return tree_unflatten(out_tree, outs)

    mapped.__name__ = f"pmap({fun_name})"
    compiled = jit(mapped, static_argnums=static, donate_argnums=donate)

    @functools.wraps(fun)
    @api_boundary
    def pmapped(*args, **kwargs):
        return compiled(*args, **kwargs)

    pmapped.lower = compiled.lower
    return pmapped


def _mapped_size(leaves, axes, names, axis_size) -> int:
    sizes = {(get_aval(x).shape[a], n) for x, a, n in zip(leaves, axes, names) if a is not None}
    if not sizes:
        raise ValueError("pmap requires at least one argument with a mapped axis (in_axes "
                         "not None).")
    if len({s for s, _ in sizes}) > 1:
        detail = "; ".join(f"{n} has size {s}" for s, n in sorted(sizes, key=str))
        raise ValueError(f"pmap got inconsistent sizes for the mapped axes: {detail}.")
    size = sizes.pop()[0]
    if axis_size is not None and axis_size != size:
        raise ValueError(f"pmap: axis_size={axis_size} does not match the size {size} of the "
                         "mapped axes of the arguments.")
    return size


def _mapped_arg(leaves, axes, names) -> str:
    """The first mapped argument, for errors: ``args[0] of shape f32[9,2] at in_axes 0``."""
    x, a, n = next((x, a, n) for x, a, n in zip(leaves, axes, names) if a is not None)
    return f"{n} of shape {get_aval(x).str_short()} at in_axes {a}"


def _devices(devices, backend, size: int, mapped_arg: Callable[[], str]) -> tuple:
    available = tuple(devices) if devices is not None else tuple(jax.devices(backend))
    if devices is not None and not available:
        raise ValueError("pmap: devices must be non-empty, or None.")
    if size > len(available):
        where = f"the devices argument lists only {len(available)}" if devices is not None \
            else f"only {len(available)} device{'s' if len(available) != 1 else ''} " \
            f"({available[0].platform}) {'are' if len(available) != 1 else 'is'} available"
        raise ValueError(
            f"pmap: the mapped axis has size {size} ({mapped_arg()}), but {where} to map "
            f"it over. Map over at most {len(available)} elements (reshape the batch to "
            "(devices, per_device, ...) and vmap inside), or start with more devices (for "
            "CPU: XLA_FLAGS=--xla_force_host_platform_device_count=N).")
    return available[:size]


__all__ = ["pmap"]
