"""zenax.custom_batching: functions with their own ``vmap`` rule (JAX's
``jax.custom_batching``)."""
from zenax.lax.custom_batching import custom_vmap, sequential_vmap  # noqa: F401

__all__ = ["custom_vmap", "sequential_vmap"]
