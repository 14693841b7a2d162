"""zenax.memory: the memory spaces an array may live in (device, pinned host, any).

``Space`` is JAX's enum; zenax's arrays are JAX's, and their memory kinds are JAX's.

>>> Space.Host
MemorySpace.Host
"""
from __future__ import annotations

import jax

Space = jax.memory.Space

__all__ = ["Space"]
