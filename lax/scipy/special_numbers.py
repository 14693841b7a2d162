"""Number sequences of analysis: ``bernoulli``, the Bernoulli numbers ``B_0 .. B_n``.

``B_0, B_1, B_2 = 1, -1/2, 1/6``, the odd ones beyond are 0, and the even ones come from
the zeta function (Chowla and Hartung):
``B_m = (-1)**(m/2 + 1) 2 m! / (2 pi)**m zeta(m)``, where the factorial and power are a
running product ``prod_j -(j-1) j / (4 pi**2)`` over ``j = 4, 6, .., m`` and
``zeta(m) = 1 + sum_{k=2}^{49} k**-m`` (the rest is below ``2**-50``).
"""
from __future__ import annotations

import operator

import numpy as np

import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import concrete_static
from zenax.tracer.source_info import user_frame_str

__all__ = ["bernoulli"]


def bernoulli(n: int):
    """The Bernoulli numbers ``B_0 .. B_n`` (with ``B_1 = -1/2``), in the default float
    dtype; ``n`` is a static non-negative integer.

    >>> jsp.special.bernoulli(6)
    Array([ 1.        , -0.5       ,  0.16666667,  0.        , -0.03333325,
            0.        ,  0.02380952], dtype=float32)
    """
    n = concrete_static("bernoulli", "n", n)
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"bernoulli: n must be an integer, got {n!r} "
                        f"(at {user_frame_str()}).") from None
    if n < 0:
        raise ValueError(f"bernoulli: n must be a non-negative integer, got {n} "
                         f"(at {user_frame_str()}).")
    first = jnp.array([1, -1 / 2, 1 / 6])
    if n < 3:
        return first[:n + 1]
    dtype = first.dtype
    m = jnp.arange(4, n + 1, 2, dtype=dtype)
    scale = (1.0 / np.pi ** 2) * jnp.cumprod(-(m - 1) * m / 4 / np.pi ** 2)
    k = jnp.arange(2, 50, dtype=dtype)
    zeta_minus_one = jnp.sum(k[:, None] ** -m[None, :], axis=0)
    return jnp.zeros(n + 1, dtype).at[:3].set(first).at[4::2].set(scale * (1 + zeta_minus_one))
