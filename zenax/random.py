"""zenax.random: JAX's PRNG API (threefry2x32 keys, bit-identical to ``jax.random``).

>>> from zenax import random
>>> key = random.key(0)
>>> x = random.uniform(random.fold_in(key, 1), (2, 3))

Keys are typed key arrays (``random.key``, dtype ``key<fry>``) or their raw ``uint32[2]``
data (``random.PRNGKey``); every function takes both.  The implementation lives in
``zenax.lax.random``.
"""
from zenax.lax.random import *  # noqa: F401,F403
from zenax.lax.random import __all__  # noqa: F401
