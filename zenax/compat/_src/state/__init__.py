"""View of ``jax._src.state`` (mutable array references) for libraries under
``zenax.install_as_jax()``: zenax's ``Ref`` machinery (``zenax.lax.refs``)."""
from zenax.lax.refs import AbstractRef

__all__ = ["AbstractRef"]
