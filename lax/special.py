"""Special-function primitives: the exponentially scaled modified Bessel functions of the
first kind, ``bessel_i0e`` (order 0) and ``bessel_i1e`` (order 1).

They are the building blocks of ``jnp.i0``, ``jnp.kaiser`` and ``zenax.scipy.special``'s
Bessel functions.  The scaled forms ``i0e(x) = exp(-|x|) I0(x)`` and
``i1e(x) = exp(-|x|) I1(x)`` stay finite for large ``|x|`` where ``I0``/``I1`` overflow,
so they are what XLA implements.

Both derivatives close over the pair, differentiating ``exp(-|x|)`` along the way:

* ``i0e'(x) = i1e(x) - sign(x) i0e(x)``;
* ``i1e'(x) = i0e(x) - i1e(x) (sign(x) + 1/x)``, whose ``1/x`` cancels at 0, where the
  limit is ``1/2``.  Near 0 (``|x| <= eps``) the rule substitutes ``eps`` into the formula
  and selects ``1/2``, so no ``0/0`` reaches the tangent -- nor a higher derivative, which
  differentiates the safe branch.

Each is an elementwise unary primitive (``elementwise()`` gives the abstract eval and the
batching rule), lowered to the ``jax.lax`` function of the same name.

The other special-function primitives live by family: ``special_gamma`` (polygamma, zeta,
the incomplete gamma and beta functions) and ``bits`` (clz, mulhi, reduce_precision).
"""
from __future__ import annotations

import jax
import numpy as np

from zenax.tracer.core import bind, get_aval

from .broadcasting import broadcast_in_dim
from .elementwise import abs, add, defjvp2, div, elementwise, gt, mul, select, sign, sub
from .registry import FLOAT, const

__all__ = ["bessel_i0e", "bessel_i0e_p", "bessel_i1e", "bessel_i1e_p"]

lax = jax.lax


def _full_like(x, value):
    aval = get_aval(x)
    return broadcast_in_dim(np.array(value, aval.dtype), aval.shape, ())


# --------------------------------------------------------------------------- bessel_i0e
bessel_i0e_p = elementwise("bessel_i0e", 1, FLOAT, lax.bessel_i0e)
defjvp2(bessel_i0e_p, lambda g, ans, x: mul(g, sub(bessel_i1e(x), mul(sign(x), ans))))

# --------------------------------------------------------------------------- bessel_i1e
bessel_i1e_p = elementwise("bessel_i1e", 1, FLOAT, lax.bessel_i1e)


def _bessel_i1e_jvp(g, ans, x):
    eps = np.finfo(get_aval(x).dtype).eps
    not_tiny = gt(abs(x), const(x, eps))
    safe_x = select(not_tiny, x, _full_like(x, eps))
    slope = sub(bessel_i0e(safe_x), mul(ans, add(sign(safe_x), div(const(x, 1), safe_x))))
    return mul(g, select(not_tiny, slope, _full_like(x, 0.5)))


defjvp2(bessel_i1e_p, _bessel_i1e_jvp)


# =========================================================================== public API

def bessel_i0e(x):
    """Exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)``,
    elementwise on a floating-point array.

    >>> lax.bessel_i0e(jnp.array([0., 1., 10.]))
    Array([1.0000001 , 0.46575963, 0.12783334], dtype=float32)
    """
    return bind(bessel_i0e_p, x)


def bessel_i1e(x):
    """Exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)``,
    elementwise on a floating-point array (odd in ``x``).

    >>> lax.bessel_i1e(jnp.array([-1., 0., 1.]))
    Array([-0.20791042,  0.        ,  0.20791042], dtype=float32)
    """
    return bind(bessel_i1e_p, x)
