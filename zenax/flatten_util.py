"""zenax.flatten_util: a pytree as one flat vector (JAX's ``jax.flatten_util``)."""
from zenax.lax.ravel_pytree import ravel_pytree  # noqa: F401

__all__ = ["ravel_pytree"]
