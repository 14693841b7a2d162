"""``zenax.experimental``: JAX's ``jax.experimental`` names that JAX users still import
(``checkify``, ``io_callback``).

>>> import zenax, numpy as np
>>> from zenax.experimental import io_callback
>>> zenax.jit(lambda x: io_callback(np.negative, x, x))(np.float32(2.0))
Array(-2., dtype=float32)
"""
from zenax.lax.io_callback import io_callback
from . import checkify  # noqa: F401

__all__ = ["checkify", "io_callback"]
