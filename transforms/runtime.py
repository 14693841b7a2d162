"""Runtime helpers: devices, waiting for results, and ``disable_jit`` (placing arrays:
``sharding.py``).

These are thin on purpose: JAX is our runtime, so devices and buffers are JAX's.
"""
from __future__ import annotations

from contextlib import contextmanager

import jax

from zenax.tracer.tree_util import tree_map

from .jit_config import config


def devices(backend: str | None = None):
    """The devices of ``backend`` (default: the default backend), e.g. ``[CpuDevice(id=0)]``."""
    return jax.devices(backend)


def local_devices(process_index: int | None = None, backend: str | None = None,
                  host_id: int | None = None):
    """The devices of process ``process_index`` (default: this one) on ``backend``;
    ``host_id`` is the parameter's old name (it warns, as JAX's).

    >>> zenax.local_devices()[0].process_index
    0
    """
    return jax.local_devices(process_index, backend, host_id)


def default_backend() -> str:
    return jax.default_backend()


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
