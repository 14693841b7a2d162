"""zenax.image: image resampling (``jax.image``)."""
from zenax.lax.image import ResizeMethod, resize, scale_and_translate  # noqa: F401

__all__ = ["ResizeMethod", "resize", "scale_and_translate"]
