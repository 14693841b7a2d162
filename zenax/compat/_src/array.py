"""``jax._src.array`` as zenax: what ``pickle`` needs to save and load arrays.

A ``jax.Array`` pickles as a call of ``jax._src.array._reconstruct_array``; ``pickle``
imports that module by name, from the user's code, so under ``zenax.install_as_jax()``
the import is answered here. zenax's concrete arrays *are* JAX arrays (DESIGN.md §1),
so the function is JAX's own, taken from an array's ``__reduce__`` (zenax's package does
not import JAX's internal modules).

>>> import pickle, zenax, zenax.numpy as jnp
>>> pickle.loads(pickle.dumps(jnp.arange(3)))
Array([0, 1, 2], dtype=int32)
"""
from __future__ import annotations

import jax
import numpy as np

__all__ = ["_reconstruct_array"]

_reconstruct_array = jax.device_put(np.zeros(())).__reduce__()[0]
