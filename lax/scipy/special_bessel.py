"""Bessel functions: the modified ``i0``, ``i1`` and their exponentially scaled forms
``i0e``, ``i1e``, and ``bessel_jn``, the first-kind functions of integer orders.

``i0e``/``i1e`` are the lax primitives; ``i0``/``i1`` multiply them by ``exp(|x|)``.

``bessel_jn`` runs Miller's backward recurrence (Zhang & Jin, *Computation of Special
Functions*, 1996): from a tiny seed at order ``n_iter``,
``f[k] = 2 (k + 1) f[k + 1] / z - f[k + 2]`` down to ``k = 0`` (a ``scan``); the ratios
of the ``f[k]`` are those of the ``J_k(z)``, and the identity
``J_0 + 2 (J_2 + J_4 + ...) = 1`` fixes the scale.  The recurrence is stable downward,
and ``n_iter`` must exceed the orders wanted and ``|z|`` comfortably.
"""
from __future__ import annotations

import operator


from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import (ArrayLike, concrete_static, dtype_of, ensure_array,
                                     promote_args_inexact)
from zenax.tracer.source_info import user_frame_str

from .special_series import is_complex

__all__ = ["bessel_jn", "i0", "i0e", "i1", "i1e"]


@compiled_when_eager()
def i0e(x: ArrayLike):
    """The exponentially scaled modified Bessel function of order 0,
    ``exp(-|x|) I0(x)``.

    >>> jsp.special.i0e(jnp.array([0., 1., 100.]))
    Array([1.0000001 , 0.46575963, 0.03994438], dtype=float32)
    """
    x, = promote_args_inexact("i0e", x)
    return lax.bessel_i0e(x)


@compiled_when_eager()
def i0(x: ArrayLike):
    """The modified Bessel function of the first kind of order 0, ``I0(x)``.

    >>> jsp.special.i0(jnp.array([0., 1., 2.]))
    Array([1.0000001, 1.266066 , 2.2795851], dtype=float32)
    """
    x, = promote_args_inexact("i0", x)
    return jnp.exp(jnp.abs(x)) * lax.bessel_i0e(x)


@compiled_when_eager()
def i1e(x: ArrayLike):
    """The exponentially scaled modified Bessel function of order 1,
    ``exp(-|x|) I1(x)``.

    >>> jsp.special.i1e(jnp.array([-1., 0., 100.]))
    Array([-0.20791042,  0.        ,  0.03974415], dtype=float32)
    """
    x, = promote_args_inexact("i1e", x)
    return lax.bessel_i1e(x)


@compiled_when_eager()
def i1(x: ArrayLike):
    """The modified Bessel function of the first kind of order 1, ``I1(x)`` (odd).

    >>> jsp.special.i1(jnp.array([-1., 0., 2.]))
    Array([-0.5651591,  0.       ,  1.5906368], dtype=float32)
    """
    x, = promote_args_inexact("i1", x)
    return jnp.exp(jnp.abs(x)) * lax.bessel_i1e(x)


def _static_int(name: str, value, convert) -> int:
    value = concrete_static("bessel_jn", name, value)
    try:
        return convert(value)
    except TypeError:
        raise TypeError(f"bessel_jn: `{name}` must be an integer, got {value!r} "
                        f"(at {user_frame_str()}).") from None


@compiled_when_eager(static_argnames=("v", "n_iter"))
def bessel_jn(z: ArrayLike, *, v: int, n_iter: int = 50):
    """The Bessel functions of the first kind ``J_0(z) .. J_v(z)`` for real ``z``,
    stacked along a new leading axis of length ``v + 1``.

    >>> jsp.special.bessel_jn(jnp.array([1., 2.5]), v=2, n_iter=30)
    Array([[ 0.76519763, -0.04838378],
           [ 0.44005057,  0.4970941 ],
           [ 0.11490348,  0.44605905]], dtype=float32)
    """
    z = ensure_array(promote_args_inexact("bessel_jn", jnp.asarray(z))[0])
    if is_complex(z):
        # JAX rejects complex z with a TypeError (from the recurrence's ``k % 2``).
        raise TypeError(f"bessel_jn: complex input (dtype {dtype_of(z)}) is not supported "
                        f"(at {user_frame_str()}).")
    v = _static_int("v", v, operator.index)
    n_iter = _static_int("n_iter", n_iter, int)

    def step(carry, k):
        f_next2, f_next, even_sum = carry      # f[k + 2], f[k + 1], 2 * sum of even f
        f = 2.0 * (k + 1.0) * f_next / z - f_next2
        even_sum = jnp.where(k % 2 == 0, even_sum + 2.0 * f, even_sum)
        return (f_next, f, even_sum), f

    zero = jnp.zeros_like(z)
    init = (zero, jnp.full_like(z, 1e-16), zero)
    orders = jnp.arange(n_iter + 1, dtype=dtype_of(z))
    (_, _, even_sum), f = lax.scan(step, init, orders, reverse=True)
    return f[:v + 1] / (even_sum - f[0])
