"""``jax._src.compiler`` as zenax: present so that ``import chex`` works.

Chex imports this module when it is imported (for ``chex.restrict_backends``, which
forbids compiling for some platforms by wrapping the module's
``backend_compile_and_load``). zenax compiles through ``jax.jit``, whose call into XLA
is JAX's own code, out of zenax's reach: there is no zenax function here that every
compilation goes through, so a wrapper put here could not stop one. Rather than let
``restrict_backends`` restrict nothing, reading the entry point raises
``NotImplementedError`` (``hasattr`` lets that through, so entering
``chex.restrict_backends`` fails at once with this explanation).
"""
from __future__ import annotations

_ENTRY_POINTS = ("backend_compile_and_load", "backend_compile")

_NO_ENTRY_POINT = (
    "jax._src.compiler.{name} under zenax: zenax compiles through jax.jit, whose call into "
    "XLA is JAX's internal code, so no zenax function sees every compilation and a "
    "restriction wrapped around this name could not be enforced (this is what "
    "chex.restrict_backends needs). Run the code under plain JAX to restrict backends.")


def __getattr__(name: str):
    if name in _ENTRY_POINTS:
        raise NotImplementedError(_NO_ENTRY_POINT.format(name=name))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
