"""zenax.numpy: NumPy's API with JAX's semantics (implemented in ``zenax.lax.jnp``).

>>> import zenax.numpy as jnp
>>> jnp.sum(jnp.arange(4.0) * 2.0)
Array(12., dtype=float32)
"""
from zenax.lax.jnp import *  # noqa: F401,F403
from zenax.lax.jnp import __all__, linalg  # noqa: F401
