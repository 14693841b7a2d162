"""Information-theory building blocks: ``xlogy``, ``xlog1py``, ``entr``, ``rel_entr`` and
``kl_div``.

Each is ``x log(y)`` (or a sum of such terms) with the convention ``0 log 0 = 0`` that
entropies need.  The convention is a ``where``, and a ``where`` alone would leave the
derivative at ``x = 0`` as ``0 * inf = NaN``; so, as in JAX, ``xlogy``, ``xlog1py`` and
``x log x`` carry custom jvp rules that give the plain formulas' derivatives
(``log(y)`` and ``x / y``; ``log(x) + 1``).  A NaN ``y`` propagates even where ``x`` is
0, as SciPy's do.
"""
from __future__ import annotations

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.logic import const_like
from zenax.lax.jnp.promotion import ArrayLike, ensure_array, promote_args_inexact

from .special_series import real_only

__all__ = ["entr", "kl_div", "rel_entr", "xlog1py", "xlogy"]


@custom_jvp
def _xlogy(x, y):
    keep = (x != 0) | jnp.isnan(y)
    return jnp.where(keep, x * lax.log(y), jnp.zeros_like(x))


@_xlogy.defjvp
def _xlogy_jvp(primals, tangents):
    (x, y), (x_dot, y_dot) = primals, tangents
    out = _xlogy(x, y)
    return out, (x_dot * lax.log(y) + y_dot * x / y).astype(out.dtype)


@compiled_when_eager()
def xlogy(x: ArrayLike, y: ArrayLike):
    """``x * log(y)``, and 0 where ``x`` is 0 (even where ``y`` is 0).

    >>> jsp.special.xlogy(jnp.array([0., 2., 3.]), jnp.array([0., 1., 2.]))
    Array([0.       , 0.       , 2.0794415], dtype=float32)
    """
    return _xlogy(*promote_args_inexact("xlogy", x, y))


@custom_jvp
def _xlog1py(x, y):
    keep = (x != 0) | jnp.isnan(y)
    return jnp.where(keep, x * lax.log1p(y), jnp.zeros_like(x))


@_xlog1py.defjvp
def _xlog1py_jvp(primals, tangents):
    (x, y), (x_dot, y_dot) = primals, tangents
    out = _xlog1py(x, y)
    return out, (x_dot * lax.log1p(y) + y_dot * x / (1 + y)).astype(out.dtype)


@compiled_when_eager()
def xlog1py(x: ArrayLike, y: ArrayLike):
    """``x * log1p(y)``, and 0 where ``x`` is 0 (even where ``y`` is -1).

    >>> jsp.special.xlog1py(jnp.array([0., 2.]), jnp.array([-1., 1e-8]))
    Array([0.e+00, 2.e-08], dtype=float32)
    """
    return _xlog1py(*promote_args_inexact("xlog1py", x, y))


@custom_jvp
def _xlogx(x):
    return _xlogy(x, x)


@_xlogx.defjvp
def _xlogx_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    return _xlogx(x), x_dot * (lax.log(x) + 1)


@compiled_when_eager()
def entr(x: ArrayLike):
    """The entropy term ``-x log(x)``: 0 at 0 and ``-inf`` for negative ``x``.

    >>> jsp.special.entr(jnp.array([-1., 0., 0.5, 1.]))
    Array([      -inf, -0.       ,  0.3465736, -0.       ], dtype=float32)
    """
    x = ensure_array(promote_args_inexact("entr", x)[0])
    real_only("entr", x)
    return jnp.where(x < 0, jnp.full_like(x, -np.inf), -_xlogx(x))


@compiled_when_eager()
def rel_entr(p: ArrayLike, q: ArrayLike):
    """The relative-entropy term ``p log(p / q)``: 0 where ``p == 0 <= q``, ``inf`` where
    either is negative (or ``q`` is 0 and ``p`` is not).

    >>> jsp.special.rel_entr(jnp.array([0., 0.5, 1., -1.]), jnp.array([1., 0.25, 0., 1.]))
    Array([0.       , 0.3465736,       inf,       inf], dtype=float32)
    """
    p, q = promote_args_inexact("rel_entr", p, q)
    real_only("rel_entr", p)
    both_positive = (p > 0) & (q > 0)
    p_zero = (p == 0) & (q >= 0)
    # Both operands are 1 where the formula is not used, so its derivative stays finite.
    safe_p = jnp.where(both_positive, p, 1)
    safe_q = jnp.where(both_positive, q, 1)
    value = _xlogx(safe_p) - _xlogy(safe_p, safe_q)
    # The 0 is a constant of p's type (strong unless p is a Python scalar), as in JAX.
    return jnp.where(both_positive, value, jnp.where(p_zero, const_like(p, 0.0), np.inf))


@compiled_when_eager()
def kl_div(p: ArrayLike, q: ArrayLike):
    """The Kullback-Leibler divergence term ``p log(p / q) - p + q`` (``q`` where ``p``
    is 0, ``inf`` outside the domain), non-negative where finite.

    >>> jsp.special.kl_div(jnp.array([0., 0.5, 1.]), jnp.array([1., 0.25, 1.]))
    Array([1.        , 0.09657359, 0.        ], dtype=float32)
    """
    p, q = promote_args_inexact("kl_div", p, q)
    real_only("kl_div", p)
    return rel_entr(p, q) - p + q
