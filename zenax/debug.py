"""zenax.debug: printing, logging, callbacks and breakpoints that act when the program
runs (JAX's ``jax.debug``)."""
from zenax.lax.debug_callbacks import callback, log, print  # noqa: F401,A004
from zenax.lax.debugger import breakpoint  # noqa: F401,A004

from zenax.transforms.sharding import visualize_array_sharding, visualize_sharding  # noqa: F401,E402

__all__ = ["breakpoint", "callback", "log", "print", "visualize_array_sharding",
           "visualize_sharding"]
