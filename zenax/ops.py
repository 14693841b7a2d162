"""zenax.ops: segment reductions (JAX's ``jax.ops``)."""
from zenax.lax.jnp.segment import segment_max, segment_min, segment_prod, segment_sum  # noqa: F401

__all__ = ["segment_max", "segment_min", "segment_prod", "segment_sum"]
