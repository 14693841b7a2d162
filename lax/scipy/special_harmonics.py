"""Spherical harmonics, ``sph_harm_y``, from the normalized associated Legendre functions.

``Y_n^m(theta, phi) = N_n^m P_n^m(cos theta) exp(i m phi)``, with the normalization
``N_n^m`` folded into the Legendre functions: the orthonormal ``P_l^m`` of degrees and
orders up to ``n_max`` are built by the standard three recurrences --

* the diagonal: ``P_0^0 = 1/(2 sqrt(pi))``,
  ``P_l^l = -sqrt(1 + 1/(2l)) sqrt(1 - x**2) P_{l-1}^{l-1}``;
* next to it: ``P_{m+1}^m = sqrt(2m + 3) x P_m^m``;
* the rest, upward in ``l``: ``P_l^m = a_lm x P_{l-1}^m - b_lm P_{l-2}^m`` with
  ``a_lm = sqrt((4l**2 - 1)/(l**2 - m**2))`` and
  ``b_lm = sqrt((2l + 1)((l-1)**2 - m**2) / ((2l - 3)(l**2 - m**2)))``

-- as a ``scan`` over ``l`` whose carry holds every order ``m`` at two consecutive
degrees.  Negative orders use ``Y_n^{-m} = (-1)**m conj(Y_n^m)``.  ``n_max`` is static
(it is the table's size): given, or read from a concrete ``n``.
"""
from __future__ import annotations

import math

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.promotion import ArrayLike, concrete_static, dtype_of
from zenax.tracer.source_info import user_frame_str

__all__ = ["sph_harm_y"]


def _recurrence_coefficients(l_max: int, dtype):
    """``(a, b)`` of the upward recurrence as ``(l_max + 1, l_max + 1)`` tables indexed
    ``[m, l]``, zero outside ``l >= m + 2`` (where the recurrence is not used)."""
    m, l = jnp.meshgrid(jnp.arange(l_max + 1, dtype=dtype), jnp.arange(l_max + 1, dtype=dtype),
                        indexing="ij")
    l2, m2 = l * l, m * m
    used = (l - m) >= 2
    # The unused entries see 1/0; the where replaces them by 0.
    a = jnp.sqrt((4.0 * l2 - 1.0) / (l2 - m2))
    b = jnp.sqrt(((2.0 * l + 1.0) * ((l - 1.0) * (l - 1.0) - m2)) / ((2.0 * l - 3.0) * (l2 - m2)))
    return jnp.where(used, a, 0.0), jnp.where(used, b, 0.0)


def _normalized_legendre(l_max: int, x):
    """``P[m, l, i]``, the orthonormal associated Legendre function of degree ``l`` and
    order ``m`` at ``x[i]`` (0 for ``m > l``), for ``0 <= m, l <= l_max``."""
    dtype = dtype_of(x)
    count = x.shape[0]
    start = 0.5 / math.sqrt(math.pi)
    degrees = jnp.arange(1, l_max + 1, dtype=dtype)
    diag_factor = jnp.cumprod(-1 * jnp.sqrt(1.0 + 0.5 / degrees))
    sines = jnp.cumprod(jnp.broadcast_to(jnp.sqrt(1.0 - x * x), (l_max, count)), axis=0)
    diag = jnp.concatenate([jnp.full((1, count), start, dtype),
                            start * (diag_factor[:, None] * sines)])
    next_factor = jnp.sqrt(2.0 * jnp.arange(l_max, dtype=dtype) + 3.0)
    next_to_diag = (next_factor[:, None] * x[None, :]) * diag[:l_max]       # P[m, m + 1]
    orders = jnp.arange(l_max + 1)[:, None]

    def seed(l):
        """Degree ``l``'s entries on and next to the diagonal, zero elsewhere."""
        out = jnp.where(orders == l, diag[l], 0.0)
        return out if l == 0 else jnp.where(orders == l - 1, next_to_diag[l - 1], out)

    columns = [seed(0)] + ([seed(1)] if l_max >= 1 else [])
    if l_max >= 2:
        a, b = _recurrence_coefficients(l_max, dtype)
        seeds = jnp.stack([seed(l) for l in range(2, l_max + 1)])

        def step(carry, xs):
            p_prev2, p_prev = carry
            base, a_l, b_l = xs
            p = base + (a_l[:, None] * (p_prev * x) - b_l[:, None] * p_prev2)
            return (p_prev, p), p

        _, rest = lax.scan(step, (columns[0], columns[1]), (seeds, a[:, 2:].T, b[:, 2:].T))
        return jnp.transpose(jnp.concatenate([jnp.stack(columns), rest]), (1, 0, 2))
    return jnp.transpose(jnp.stack(columns), (1, 0, 2))


@compiled_when_eager(static_argnames=("n_max",))
def _sph_harm(n, m, theta, phi, n_max: int):
    legendre = _normalized_legendre(n_max, jnp.cos(theta))
    points = jnp.arange(len(n))
    value = legendre[jnp.clip(jnp.abs(m), 0, n_max), jnp.clip(n, 0, n_max),
                     jnp.clip(points, 0, legendre.shape[2] - 1)]
    angle = jnp.abs(m) * phi
    harmonic = lax.complex(value * jnp.cos(angle), value * jnp.sin(angle))
    return jnp.where(m < 0, (-1.0) ** jnp.abs(m) * jnp.conjugate(harmonic), harmonic)


def sph_harm_y(n: ArrayLike, m: ArrayLike, theta: ArrayLike, phi: ArrayLike,
               diff_n: int | None = None, n_max: int | None = None):
    """The spherical harmonics ``Y_n^m(theta, phi)`` of degrees ``n >= 0`` and orders
    ``|m| <= n`` (1-D integer arrays) at polar angles ``theta`` (in ``[0, pi]``) and
    azimuths ``phi``; ``n_max`` (static) bounds ``n``, whose values are clipped to it.

    >>> jsp.special.sph_harm_y(jnp.array([0, 1, 1]), jnp.array([0, 0, 1]),
    ...                        jnp.array([0.5, 0.5, 0.5]), jnp.array([0., 0., 1.]))
    Array([ 0.2820948 +0.j        ,  0.42878905+0.j        ,
           -0.08949498-0.13938019j], dtype=complex64)
    """
    if diff_n is not None:
        raise NotImplementedError(f"sph_harm_y: the `diff_n` argument is not supported "
                                  f"(at {user_frame_str()}).")
    if jnp.isscalar(theta):
        theta = jnp.array([theta])
    if n_max is None:
        n_max = np.max(concrete_static("sph_harm_y", "n", n))
    n_max = concrete_static("sph_harm_y", "n_max", n_max)
    return _sph_harm(n, m, theta, phi, n_max=int(n_max))


compile_marked(globals())     # this module's own call of _sph_harm runs compiled
