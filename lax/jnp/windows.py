"""Window functions -- ``bartlett``, ``blackman``, ``hamming``, ``hanning``, ``kaiser`` --
and ``i0``, the modified Bessel function the Kaiser window is made of.

A window of length ``M`` samples a symmetric taper at ``n = 0 .. M-1``; ``M`` is a static
Python int (it is the output's shape), and windows of length 0 or 1 are empty or ``[1.]``.
The values are in the default float dtype (``kaiser`` promotes with ``beta``) and, as in
JAX, are computed in that dtype from Python-scalar coefficients.

``i0(x) = exp(|x|) i0e(|x|)`` (``lax.bessel_i0e``); its derivative, ``I1(x)``, is given
by a custom jvp that is exactly 0 at ``x = 0`` -- JAX's choice, which makes the second
derivative there 0 as well.
"""
from __future__ import annotations

import numpy as np

from zenax import lax
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .logic import const_like, where
from .promotion import ArrayLike, concrete_static, dtype_of, promote_args_inexact
from .ufuncs import abs, add, cos, divide, multiply, sqrt, subtract

__all__ = ["bartlett", "blackman", "hamming", "hanning", "i0", "kaiser"]


# --------------------------------------------------------------------------- i0

@compiled_when_eager()
def i0(x: ArrayLike):
    """Modified Bessel function of the first kind of order 0, elementwise on real input.

    >>> jnp.i0(jnp.array([0., 1., -2.]))
    Array([1.0000001, 1.266066 , 2.2795851], dtype=float32)
    """
    x, = promote_args_inexact("i0", x)
    if not _dtypes.is_float(dtype_of(x)):
        raise ValueError(f"i0: unsupported input type {dtype_of(x)}; only real floating-point "
                         f"input is (at {user_frame_str()}).")
    return _i0(x)


@custom_jvp
def _i0(x):
    abs_x = lax.abs(x)
    return lax.mul(lax.exp(abs_x), lax.bessel_i0e(abs_x))


@_i0.defjvp
def _i0_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    # I0' = I1 = exp(|x|) i1e(x) (i1e is odd); exactly 0 at x = 0, as JAX's rule gives.
    slope = lax.mul(lax.exp(lax.abs(x)), lax.bessel_i1e(x))
    slope = where(lax.eq(x, const_like(x, 0)), const_like(x, 0), slope)
    return _i0(x), lax.mul(slope, x_dot)


# --------------------------------------------------------------------------- windows

def _window_length(fun_name: str, M) -> int:
    """``M`` as a static non-negative Python int (``int(M)``, as NumPy and JAX take it)."""
    M = concrete_static(fun_name, "M", M)
    try:
        M = int(M)
    except TypeError:
        raise TypeError(f"{fun_name}: M must be an integer window length, got {M!r} "
                        f"(at {user_frame_str()}).") from None
    if M < 0:
        raise TypeError(f"{fun_name}: the window length M must be non-negative, got {M} "
                        f"(at {user_frame_str()}).")
    return M


def _trivial(M: int):
    """The windows of length 0 and 1: ``[]`` and ``[1.]``."""
    return lax.broadcast_in_dim(np.ones((), _dtypes.default_float_dtype()), (M,), ())


def _samples(M: int):
    """``n = 0 .. M-1`` in the default float dtype."""
    return lax.iota(_dtypes.default_float_dtype(), M)


def _cosine(M: int, k: int):
    """``cos(2 pi k n / (M - 1))``."""
    return cos(divide(multiply(2 * k * np.pi, _samples(M)), M - 1))


def bartlett(M: int):
    """The Bartlett (triangular) window of length ``M``.

    >>> jnp.bartlett(5)
    Array([0. , 0.5, 1. , 0.5, 0. ], dtype=float32)
    """
    M = _window_length("bartlett", M)
    if M <= 1:
        return _trivial(M)
    # 1 - |2n + 1 - M| / (M - 1)
    n = _samples(M)
    return subtract(1, divide(abs(subtract(add(multiply(2, n), 1), M)), M - 1))


def blackman(M: int):
    """The Blackman window of length ``M``: ``0.42 - 0.5 cos(2 pi n / (M-1)) +
    0.08 cos(4 pi n / (M-1))``.

    >>> jnp.blackman(3)
    Array([-1.4901161e-08,  9.9999994e-01, -1.4901161e-08], dtype=float32)
    """
    M = _window_length("blackman", M)
    if M <= 1:
        return _trivial(M)
    return add(subtract(0.42, multiply(0.5, _cosine(M, 1))), multiply(0.08, _cosine(M, 2)))


def hamming(M: int):
    """The Hamming window of length ``M``: ``0.54 - 0.46 cos(2 pi n / (M-1))``.

    >>> jnp.hamming(3)
    Array([0.08000001, 1.        , 0.08000001], dtype=float32)
    """
    M = _window_length("hamming", M)
    if M <= 1:
        return _trivial(M)
    return subtract(0.54, multiply(0.46, _cosine(M, 1)))


def hanning(M: int):
    """The Hann window of length ``M``: ``0.5 (1 - cos(2 pi n / (M-1)))``.

    >>> jnp.hanning(3)
    Array([0., 1., 0.], dtype=float32)
    """
    M = _window_length("hanning", M)
    if M <= 1:
        return _trivial(M)
    return multiply(0.5, subtract(1, _cosine(M, 1)))


def kaiser(M: int, beta: ArrayLike):
    """The Kaiser window of length ``M`` and shape ``beta`` (0 is rectangular; larger
    values taper more): ``i0(beta sqrt(1 - ((n - a) / a)^2)) / i0(beta)``, ``a = (M-1)/2``.

    >>> jnp.kaiser(4, 2.)
    Array([0.4386764 , 0.92431384, 0.92431384, 0.4386764 ], dtype=float32)
    """
    M = _window_length("kaiser", M)
    if M <= 1:
        return _trivial(M)
    alpha = 0.5 * (M - 1)
    ratio = divide(subtract(_samples(M), alpha), alpha)
    taper = sqrt(subtract(1, multiply(ratio, ratio)))
    return divide(i0(multiply(beta, taper)), i0(beta))
