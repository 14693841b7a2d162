"""zenax.random: JAX's PRNG API (threefry2x32 keys, bit-identical to ``jax.random``).

>>> from zenax import random
>>> key = random.PRNGKey(0)
>>> x = random.uniform(random.fold_in(key, 1), (2, 3))

Keys are raw uint32[2] arrays (``random.key`` returns one too).  The implementation lives
in ``zenax.lax.random``.
"""
from zenax.lax.random import (PRNGKey, bernoulli, bits, categorical, choice,  # noqa: F401
                              exponential, fold_in, gumbel, key, key_data, normal, permutation,
                              randint, split, truncated_normal, uniform, wrap_key_data)
