"""zenax.numpy: NumPy's API with JAX's semantics (implemented in ``zenax.lax.jnp``).

>>> import zenax.numpy as jnp
>>> jnp.sum(jnp.arange(4.0) * 2.0)
Array(12., dtype=float32)
"""
import sys as _sys

from zenax.lax.jnp import *  # noqa: F401,F403
from zenax.lax.jnp import __all__, fft, linalg  # noqa: F401

# `import zenax.numpy.linalg` (and .fft) works as `import jax.numpy.linalg` does, though this module
# is a file, not a package: register the submodule by name, as os.py does for os.path.
_sys.modules[__name__ + ".linalg"] = linalg
_sys.modules[__name__ + ".fft"] = fft
