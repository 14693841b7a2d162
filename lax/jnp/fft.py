"""The ``jnp.fft`` namespace: discrete Fourier transforms over chosen axes, their sample
frequencies, and the shifts that put frequency zero in the middle.

Every transform is one recipe (:func:`_fft_core`, as ``jax.numpy.fft``'s): move the
transformed axes to the end, crop or zero-pad each to its length ``s``, apply
``lax.fft`` (the ``fft_p`` primitive, which XLA runs on at most three axes at once, so more
are done in groups), scale for ``norm``, and move the axes back.  The 1-D and 2-D forms are
the n-D one with one or two axes; ``hfft``/``ihfft`` are ``irfft``/``rfft`` of the
conjugate, rescaled.  Integer and bool inputs are transformed as float32 (float64 for
64-bit integers), and the results are complex64 (or float32 for the inverse real
transforms), as in JAX.

``norm`` places the ``1/N`` of a transform pair: on the inverse (``"backward"``, the
default), on the forward transform (``"forward"``), or ``1/sqrt(N)`` on each
(``"ortho"``), where ``N`` is the product of the transformed lengths.
"""
from __future__ import annotations

import math
import operator
from typing import Sequence

import numpy as np

from zenax import lax
from zenax.tracer.avals import is_python_scalar
from zenax.tracer.dtypes import is_complex
from zenax.tracer.source_info import user_frame_str

from .creation import arange
from .dtypes import finfo
from .promotion import (ArrayLike, DTypeLike, asarray, canonical_dtype, check_arraylike,
                        concrete_static, dtype_of, ndim_of, shape_of, to_inexact_dtype)
from .reductions import canonical_axis
from .shapes import moveaxis, roll
from .ufuncs import astype, conj, multiply, true_divide

__all__ = ["fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn",
           "ifftshift", "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq",
           "rfftn"]

FftType = lax.FftType
Shape = Sequence[int]

_NORMS = (None, "backward", "ortho", "forward")
# XLA's FFT takes at most this many axes at once.
_MAX_AXES = 3


# --------------------------------------------------------------------------- the recipe

def _norm_factor(name: str, norm: str | None, size: int) -> float | None:
    """What the unnormalized (forward) or ``1/N``-normalized (inverse) ``lax.fft`` result
    is multiplied by for ``norm``; None for nothing."""
    if norm in (None, "backward") or size == 0:
        return None
    inverse = name.startswith("i")
    if norm == "ortho":
        return math.sqrt(size) if inverse else 1 / math.sqrt(size)
    return size if inverse else 1 / size


def _value_error(msg: str) -> ValueError:
    return ValueError(f"{msg} (at {user_frame_str()})")


def _check_norm(name: str, norm) -> None:
    if norm not in _NORMS:
        raise _value_error(f"jnp.fft.{name}: invalid norm {norm!r}; expected 'backward' (the "
                           "default), 'ortho' or 'forward'.")


def _fft_nd(x, fft_type: FftType, lengths: tuple):
    """``lax.fft`` over the last ``len(lengths)`` axes, any number of them: the real
    transform (or its inverse) takes the last three, complex ones the axes before."""
    if len(lengths) <= _MAX_AXES:
        return lax.fft(x, fft_type, lengths)
    nd, lead = ndim_of(x), lengths[:-_MAX_AXES]
    lead_axes = tuple(range(nd - len(lengths), nd - _MAX_AXES))
    moved = tuple(range(nd - len(lead), nd))
    inverse = fft_type in (FftType.IFFT, FftType.IRFFT)

    def transform_leading(y):
        y = moveaxis(y, lead_axes, moved)
        y = _fft_nd(y, FftType.IFFT if inverse else FftType.FFT, lead)
        return moveaxis(y, moved, lead_axes)

    if inverse:     # the inverse real transform must come last: its output is real
        return lax.fft(transform_leading(x), fft_type, lengths[-_MAX_AXES:])
    return transform_leading(lax.fft(x, fft_type, lengths[-_MAX_AXES:]))


def _fit_length(x, axis: int, length: int):
    """``x`` cropped or zero-padded at the end of ``axis`` to ``length``."""
    size = shape_of(x)[axis]
    if length < size:
        return lax.slice_in_dim(x, 0, length, axis=axis)
    if length > size:
        config = [(0, 0, 0)] * ndim_of(x)
        config[axis] = (0, length - size, 0)
        return lax.pad(x, np.zeros((), dtype_of(x)), config)
    return x


def _fft_core(name: str, fft_type: FftType, a: ArrayLike, s: Shape | None,
              axes: Sequence[int] | None, norm: str | None):
    full_name = f"jnp.fft.{name}"
    check_arraylike(full_name, a)
    _check_norm(name, norm)
    if fft_type == FftType.RFFT and is_complex(dtype_of(a)):
        raise _value_error(f"{full_name} transforms real input, got {dtype_of(a)}; the "
                           "complex transforms (jnp.fft.fft, fftn, ...) take complex input.")
    nd = ndim_of(a)
    if s is not None:
        s = tuple(operator.index(concrete_static(full_name, "s", n)) for n in s)
        if any(n < 1 for n in s):
            raise _value_error(f"{full_name}: transform lengths must be positive, got {s}.")
        if axes is not None and len(s) != len(axes):
            raise _value_error(f"{full_name}: s and axes must have the same length, got "
                               f"s={s} and axes={tuple(axes)}.")
        if len(s) > nd:
            raise _value_error(f"{full_name}: s={s} has more entries than the input of shape "
                               f"{shape_of(a)} has axes.")
    if axes is None:
        axes = tuple(range(nd - (nd if s is None else len(s)), nd))
    axes = tuple(canonical_axis(full_name, ax, nd) for ax in axes)
    if len(set(axes)) != len(axes):
        raise _value_error(f"{full_name} does not support repeated axes, got axes {axes}.")

    trailing = tuple(range(nd - len(axes), nd))
    x = a if axes == trailing else moveaxis(a, axes, trailing)
    shape = shape_of(x)
    if s is None:
        s = tuple(shape[ax] for ax in trailing)
        if fft_type == FftType.IRFFT and s:
            s = s[:-1] + (max(0, 2 * (s[-1] - 1)),)
    else:
        for ax, n in zip(trailing, s):
            if fft_type == FftType.IRFFT and ax == nd - 1:
                n = n // 2 + 1      # the half spectrum the inverse reads
            x = _fit_length(x, ax, n)

    out = _fft_nd(x, fft_type, s)
    factor = _norm_factor(name, norm, math.prod(s))
    if factor is not None:
        out = multiply(out, factor)
    return out if axes == trailing else moveaxis(out, trailing, axes)


def _check_one_axis(name: str, axis) -> None:
    if isinstance(axis, (list, tuple)):
        several = "" if "hfft" in name else f"; use jnp.fft.{name}n for several"
        raise _value_error(f"jnp.fft.{name} transforms one axis, got axis={axis!r}{several}.")


def _fft_core_1d(name: str, fft_type: FftType, a: ArrayLike, n: int | None,
                 axis: int | None, norm: str | None):
    _check_one_axis(name, axis)
    if n is not None:
        n = operator.index(concrete_static(f"jnp.fft.{name}", "n", n))
    return _fft_core(name, fft_type, a, None if n is None else (n,),
                     None if axis is None else (axis,), norm)


def _fft_core_2d(name: str, fft_type: FftType, a: ArrayLike, s: Shape | None,
                 axes: Sequence[int], norm: str | None):
    if len(axes) != 2:
        raise _value_error(f"jnp.fft.{name} transforms 2 axes, got axes={axes!r}; use "
                           f"jnp.fft.{name[:-1]}n for another number.")
    return _fft_core(name, fft_type, a, s, axes, norm)


# --------------------------------------------------------------------------- 1-D transforms

def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The discrete Fourier transform along ``axis``, cropped or zero-padded to ``n``
    points first if given.

    >>> jnp.fft.fft(jnp.array([1., 2., 3., 4.]))
    Array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j], dtype=complex64)
    """
    return _fft_core_1d("fft", FftType.FFT, a, n, axis, norm)


def ifft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The inverse of :func:`fft` along ``axis`` (with the ``1/n`` for the default
    ``norm``).

    >>> jnp.fft.ifft(jnp.array([10., -2. + 2.j, -2., -2. - 2.j]))
    Array([1.+0.j, 2.+0.j, 3.+0.j, 4.+0.j], dtype=complex64)
    """
    return _fft_core_1d("ifft", FftType.IFFT, a, n, axis, norm)


def rfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The Fourier transform of real input along ``axis``: the ``n // 2 + 1`` frequencies
    from zero up (the others are their complex conjugates).

    >>> jnp.fft.rfft(jnp.array([1., 2., 3., 4.]))
    Array([10.+0.j, -2.+2.j, -2.+0.j], dtype=complex64)
    """
    return _fft_core_1d("rfft", FftType.RFFT, a, n, axis, norm)


def irfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The inverse of :func:`rfft`: a real signal of length ``n`` (default
    ``2 * (m - 1)`` for ``m`` input frequencies) from its half spectrum along ``axis``.

    >>> jnp.fft.irfft(jnp.array([10., -2. + 2.j, -2.]))
    Array([1., 2., 3., 4.], dtype=float32)
    """
    return _fft_core_1d("irfft", FftType.IRFFT, a, n, axis, norm)


def hfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The (real) Fourier transform of a signal with Hermitian symmetry, given by its first
    half ``a`` along ``axis``; the output has length ``n`` (default ``2 * (m - 1)``).

    >>> jnp.fft.hfft(jnp.array([4., 1. - 1.j, 0.]))
    Array([6., 2., 2., 6.], dtype=float32)
    """
    check_arraylike("jnp.fft.hfft", a)
    _check_one_axis("hfft", axis)
    conj_a = conj(a)
    if n is None:
        size = 2 * (shape_of(a)[canonical_axis("jnp.fft.hfft", axis, ndim_of(a))] - 1)
    else:
        size = n
    return multiply(_fft_core_1d("hfft", FftType.IRFFT, conj_a, n, axis, norm), size)


def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None):
    """The inverse of :func:`hfft`: the first ``n // 2 + 1`` entries of the inverse
    transform of real ``a`` along ``axis``.

    >>> jnp.fft.ihfft(jnp.array([6., 2., 2., 6.]))
    Array([4.+0.j, 1.-1.j, 0.+0.j], dtype=complex64)
    """
    _check_one_axis("ihfft", axis)
    a = asarray(a)
    if n is None:
        size = shape_of(a)[canonical_axis("jnp.fft.ihfft", axis, ndim_of(a))]
    else:
        size = n
    out = _fft_core_1d("ihfft", FftType.RFFT, a, n, axis, norm)
    return multiply(conj(out), 1 / size)


# --------------------------------------------------------------------------- 2-D transforms

def fft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1),
         norm: str | None = None):
    """The 2-D discrete Fourier transform over ``axes`` (the last two by default).

    >>> jnp.fft.fft2(jnp.array([[1., 2.], [3., 4.]]))
    Array([[10.+0.j, -2.+0.j],
           [-4.+0.j,  0.+0.j]], dtype=complex64)
    """
    return _fft_core_2d("fft2", FftType.FFT, a, s, axes, norm)


def ifft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
    """The inverse of :func:`fft2`.

    >>> jnp.fft.ifft2(jnp.array([[10., -2.], [-4., 0.]]))
    Array([[1.+0.j, 2.+0.j],
           [3.+0.j, 4.+0.j]], dtype=complex64)
    """
    return _fft_core_2d("ifft2", FftType.IFFT, a, s, axes, norm)


def rfft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
    """The 2-D Fourier transform of real input, keeping half of the last axis's
    frequencies (as :func:`rfft`).

    >>> jnp.fft.rfft2(jnp.array([[1., 2.], [3., 4.]]))
    Array([[10.+0.j, -2.+0.j],
           [-4.+0.j,  0.+0.j]], dtype=complex64)
    """
    return _fft_core_2d("rfft2", FftType.RFFT, a, s, axes, norm)


def irfft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1),
           norm: str | None = None):
    """The inverse of :func:`rfft2`: real output of shape ``s`` over ``axes``.

    >>> jnp.fft.irfft2(jnp.array([[10., -2.], [-4., 0.]]), s=(2, 2))
    Array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    return _fft_core_2d("irfft2", FftType.IRFFT, a, s, axes, norm)


# --------------------------------------------------------------------------- n-D transforms

def fftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None):
    """The n-D discrete Fourier transform over ``axes`` (all of them by default, or the
    last ``len(s)``), each cropped or zero-padded to its length in ``s`` if given.

    >>> jnp.fft.fftn(jnp.ones((2, 2, 2))).real
    Array([[[8., 0.],
            [0., 0.]],
    <BLANKLINE>
           [[0., 0.],
            [0., 0.]]], dtype=float32)
    """
    return _fft_core("fftn", FftType.FFT, a, s, axes, norm)


def ifftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
    """The inverse of :func:`fftn`.

    >>> jnp.fft.ifftn(jnp.array([[4., 0.], [0., 0.]]))
    Array([[1.+0.j, 1.+0.j],
           [1.+0.j, 1.+0.j]], dtype=complex64)
    """
    return _fft_core("ifftn", FftType.IFFT, a, s, axes, norm)


def rfftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
    """The n-D Fourier transform of real input over ``axes``, keeping half of the last
    axis's frequencies (as :func:`rfft`).

    >>> jnp.fft.rfftn(jnp.ones((2, 4)))
    Array([[8.+0.j, 0.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j, 0.+0.j]], dtype=complex64)
    """
    return _fft_core("rfftn", FftType.RFFT, a, s, axes, norm)


def irfftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None):
    """The inverse of :func:`rfftn`: real output of shape ``s`` over ``axes`` (the last
    axis of length ``2 * (m - 1)`` by default).

    >>> jnp.fft.irfftn(jnp.array([[8., 0., 0.], [0., 0., 0.]]))
    Array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    """
    return _fft_core("irfftn", FftType.IRFFT, a, s, axes, norm)


# --------------------------------------------------------------------------- frequencies

def _check_freq_args(name: str, n, d) -> int:
    if isinstance(n, (list, tuple)):
        raise _value_error(f"jnp.fft.{name}: n must be one int (the signal length), got {n!r}.")
    if isinstance(d, (list, tuple)):
        raise _value_error(f"jnp.fft.{name}: d must be one value (the sample spacing), got "
                           f"{d!r}.")
    return operator.index(concrete_static(f"jnp.fft.{name}", "n", n))


def _spacing_times(d, n: int, dtype: np.dtype):
    """``d * n`` as a ``dtype`` array; a Python ``d`` is multiplied in double precision
    first, as JAX does."""
    return asarray(d * n if is_python_scalar(d) else multiply(d, n), dtype=dtype)


def fftfreq(n: int, d: ArrayLike = 1.0, *, dtype: DTypeLike | None = None, device=None):
    """The frequencies of the entries of an ``n``-point :func:`fft` with sample spacing
    ``d``: ``[0, 1, ..., n//2 - 1 or so, -n//2, ..., -1] / (d * n)``.

    >>> jnp.fft.fftfreq(4, 0.5)
    Array([ 0. ,  0.5, -1. , -0.5], dtype=float32)
    """
    n = _check_freq_args("fftfreq", n, d)
    out_dtype = canonical_dtype(float if dtype is None else dtype)
    # Computed in the real floating dtype of ``dtype`` (float32 for an int or complex64).
    dtype = finfo(to_inexact_dtype(out_dtype)).dtype
    k = (np.arange(n) + n // 2) % n - n // 2
    return astype(true_divide(asarray(k, dtype=dtype), _spacing_times(d, n, dtype)),
                  out_dtype)


def rfftfreq(n: int, d: ArrayLike = 1.0, *, dtype: DTypeLike | None = None, device=None):
    """The frequencies of the entries of an ``n``-point :func:`rfft` with sample spacing
    ``d``: ``[0, 1, ..., n // 2] / (d * n)``.

    >>> jnp.fft.rfftfreq(4, 0.5)
    Array([0. , 0.5, 1. ], dtype=float32)
    """
    n = _check_freq_args("rfftfreq", n, d)
    dtype = canonical_dtype(float if dtype is None else dtype)
    return true_divide(arange(0, n // 2 + 1, dtype=dtype), _spacing_times(d, n, dtype))


# --------------------------------------------------------------------------- shifts

def _shift(name: str, x: ArrayLike, axes, sign: int):
    check_arraylike(f"jnp.fft.{name}", x)
    shape = shape_of(x)
    if axes is None:
        axes = tuple(range(len(shape)))
    elif isinstance(axes, int):
        axes = (axes,)
    shifts = [sign * (shape[canonical_axis(f"jnp.fft.{name}", ax, len(shape))] // 2)
              for ax in axes]
    return roll(x, shifts, axes)


def fftshift(x: ArrayLike, axes: None | int | Sequence[int] = None):
    """Roll frequency zero to the middle of ``axes`` (all by default): the output of
    :func:`fft` in increasing order of :func:`fftfreq`.

    >>> jnp.fft.fftshift(jnp.fft.fftfreq(5))
    Array([-0.4, -0.2,  0. ,  0.2,  0.4], dtype=float32)
    """
    return _shift("fftshift", x, axes, 1)


def ifftshift(x: ArrayLike, axes: None | int | Sequence[int] = None):
    """The inverse of :func:`fftshift` (the same for even lengths).

    >>> jnp.fft.ifftshift(jnp.array([-0.4, -0.2, 0., 0.2, 0.4]))
    Array([ 0. ,  0.2,  0.4, -0.4, -0.2], dtype=float32)
    """
    return _shift("ifftshift", x, axes, -1)
