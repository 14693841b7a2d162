"""Runtime helpers: devices, placing arrays, waiting for results, and ``disable_jit``.

These are thin on purpose: JAX is our runtime, so devices and buffers are JAX's.
"""
from __future__ import annotations

from contextlib import contextmanager

import jax

from zenax.tracer.arguments import invalid_leaf_error, is_valid_leaf
from zenax.tracer.core import Tracer
from zenax.tracer.tree_util import tree_map

from .jit_config import config


def devices(backend: str | None = None):
    """The devices of ``backend`` (default: the default backend), e.g. ``[CpuDevice(id=0)]``."""
    return jax.devices(backend)


def local_devices(backend: str | None = None):
    return jax.local_devices(backend=backend)


def default_backend() -> str:
    return jax.default_backend()


def device_put(x, device=None):
    """Place the arrays of pytree ``x`` on ``device`` (or a sharding); returns jax.Arrays."""
    def put(leaf):
        if isinstance(leaf, Tracer):
            return leaf       # inside a transform, placement is the compiler's business
        if not is_valid_leaf(leaf):
            raise invalid_leaf_error("device_put", "argument x", leaf)
        return jax.device_put(leaf, device)
    return tree_map(put, x)


def block_until_ready(x):
    """Wait until every array in pytree ``x`` is computed (for timing); returns ``x``."""
    def block(leaf):
        if hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()
        return leaf
    return tree_map(block, x)


@contextmanager
def disable_jit(disable: bool = True):
    """Run jitted functions op by op (eagerly) inside the block, for debugging."""
    prev = config.disable_jit
    config.disable_jit = disable
    try:
        yield
    finally:
        config.disable_jit = prev
