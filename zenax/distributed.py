"""zenax.distributed: starting and stopping a multi-process run.

Processes and devices are JAX's runtime (DESIGN.md section 6): ``initialize`` connects
this process to the others of a multi-host job (before any array is made), after which
``zenax.devices()`` lists every process's devices and ``zenax.process_index()`` tells
this one apart; ``shutdown`` disconnects.

>>> is_initialized()
False
"""
from __future__ import annotations

from jax.distributed import initialize, is_initialized, shutdown  # noqa: F401

__all__ = ["initialize", "is_initialized", "shutdown"]
