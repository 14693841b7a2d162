"""``jax._src.dispatch`` as zenax: the one name libraries read, ``wait_for_tokens``.

Equinox replaces JAX's exit hook that waits for pending side effects (``atexit``
``wait_for_tokens``) by one that tolerates a runtime already torn down; zenax runs its
programs on JAX's runtime, so waiting is JAX's ``effects_barrier``.
"""
from __future__ import annotations

import jax

__all__ = ["wait_for_tokens"]


def wait_for_tokens() -> None:
    """Block until the side effects (callbacks, prints) of programs already dispatched
    have run.

    >>> wait_for_tokens()
    """
    jax.effects_barrier()
