"""zenax.ref: mutable array references (``jax.ref``): a ``Ref`` holds an array that
``r[...]`` reads and ``r[idx] = v`` / ``r[idx] += v`` update, eagerly and inside ``jit``.

>>> import zenax, zenax.numpy as jnp
>>> r = zenax.new_ref(jnp.zeros(3))
>>> r[1] = 5.0
>>> r[...]
Array([0., 5., 0.], dtype=float32)
"""
from zenax.lax.refs import (AbstractRef, Ref, addupdate, empty_ref, free_ref,  # noqa: F401
                            freeze, get, new_ref, set, swap)
