"""zenax.debug: printing, logging, callbacks and breakpoints that act when the program
runs (JAX's ``jax.debug``)."""
import jax as _jax

from zenax.lax.debug_callbacks import callback, log, print  # noqa: F401,A004
from zenax.lax.debugger import breakpoint  # noqa: F401,A004
from zenax.lax.inspect_sharding import inspect_array_sharding  # noqa: F401

from zenax.transforms.sharding import visualize_array_sharding, visualize_sharding  # noqa: F401,E402

# The effect types JAX's debug primitives carry (zenax's passes keep effectful
# primitives by name instead; these are for code that inspects JAX's effects).
DebugEffect = _jax.debug.DebugEffect
OrderedDebugEffect = _jax.debug.OrderedDebugEffect

__all__ = ["DebugEffect", "OrderedDebugEffect", "breakpoint", "callback",
           "inspect_array_sharding", "log", "print", "visualize_array_sharding",
           "visualize_sharding"]
