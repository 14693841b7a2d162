"""Processes, devices and host transfers: JAX's runtime functions.

JAX is zenax's runtime (DESIGN.md section 6): zenax's concrete arrays are ``jax.Array``s
on JAX's devices, so the process and device counts, assembling arrays from per-device
pieces (``make_array_from_*``), waiting for host callbacks (``effects_barrier``) and
listing live buffers are JAX's own.  The two functions that walk a pytree walk it with
zenax's registry (it knows zenax's node types) and leave traced values alone, as JAX's
leave its tracers.

>>> device_count() >= 1, process_index()
(True, 0)
"""
from __future__ import annotations

from typing import Any

import jax
from jax import (device_count, effects_barrier, host_count, host_id, host_ids,  # noqa: F401
                 live_arrays, local_device_count, make_array_from_callback,
                 make_array_from_process_local_data, make_array_from_single_device_arrays,
                 print_environment_info, process_count, process_index, process_indices)

from zenax.tracer.core import Tracer
from zenax.tracer.tree_util import tree_flatten, tree_leaves, tree_unflatten

__all__ = ["copy_to_host_async", "device_count", "device_get", "effects_barrier",
           "host_count", "host_id", "host_ids", "live_arrays", "local_device_count",
           "make_array_from_callback", "make_array_from_process_local_data",
           "make_array_from_single_device_arrays", "print_environment_info", "process_count",
           "process_index", "process_indices"]


def device_get(x: Any) -> Any:
    """The arrays of pytree ``x`` copied to the host as NumPy arrays (all copies start at
    once); other leaves, and traced values, are returned as they are.

    >>> device_get({'w': zenax.numpy.ones(2), 'step': 3})
    {'step': 3, 'w': array([1., 1.], dtype=float32)}
    """
    leaves, tree = tree_flatten(x)
    fetched = iter(jax.device_get([y for y in leaves if not isinstance(y, Tracer)]))
    return tree_unflatten(tree, [y if isinstance(y, Tracer) else next(fetched) for y in leaves])


def copy_to_host_async(x: Any) -> Any:
    """Start copying the arrays of pytree ``x`` to the host, without waiting; returns
    ``x``.  A later ``device_get`` or ``np.asarray`` finds the copy made.

    >>> copy_to_host_async(zenax.numpy.arange(3))
    Array([0, 1, 2], dtype=int32)
    """
    for leaf in tree_leaves(x):
        start = getattr(leaf, "copy_to_host_async", None)
        if start is not None and not isinstance(leaf, Tracer):
            start()
    return x
