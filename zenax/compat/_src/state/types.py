"""View of ``jax._src.state.types`` for libraries under ``zenax.install_as_jax()``.

Flax NNX tells a mutable array reference from an array by ``isinstance(jax.typeof(x),
AbstractRef)``: this is zenax's ``AbstractRef``, the type ``zenax.typeof`` gives for a
``zenax.Ref``.

>>> import zenax, zenax.numpy as jnp
>>> from zenax.compat._src.state.types import AbstractRef
>>> isinstance(zenax.typeof(zenax.new_ref(jnp.zeros(2))), AbstractRef)
True
"""
from zenax.lax.refs import AbstractRef

__all__ = ["AbstractRef"]
