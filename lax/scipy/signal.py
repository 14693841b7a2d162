"""zenax.scipy.signal: N-dimensional convolution and correlation, and (from
``signal_spectral``) detrending and spectral analysis.

``convolve`` and its relatives are one ``conv_general_dilated`` of the larger input with
the flipped smaller one (one feature, one batch), so their derivatives and batching come
from that primitive's rules.  Following JAX, the inputs swap roles when the first is the
smaller in every dimension, and ``'same'`` output is centred on the first input's
original shape.  ``fftconvolve`` multiplies spectra instead (``rfftn`` for real inputs);
the axes it does not convolve along are carried as batch axes of the transforms.
``correlate`` is ``convolve`` with the second input conjugated and flipped;
``correlate2d`` arranges the flips so that its ``'full'`` and ``'valid'`` outputs of a
larger second input come out as SciPy orders them.
"""
from __future__ import annotations

import operator
from typing import Sequence

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import (ArrayLike, check_arraylike, dtype_of, ensure_array,
                                     ndim_of, promote_dtypes_inexact, shape_of)
from zenax.lax.jnp.reductions import canonical_axis
from zenax.lax.jnp.signal import check_conv_mode, convolve_nd
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .signal_spectral import csd, detrend, istft, stft, welch

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "csd", "detrend",
           "fftconvolve", "istft", "stft", "welch"]


def _as_arrays(fun_name: str, in1, in2) -> tuple:
    check_arraylike(fun_name, in1, in2)
    return ensure_array(in1), ensure_array(in2)


# --------------------------------------------------------------------------- direct

def _convolve_nd(fun_name: str, in1, in2, mode: str, precision):
    """The convolution of ``in1`` and ``in2`` by ``conv_general_dilated``."""
    if ndim_of(in1) != ndim_of(in2):
        raise ValueError(f"{fun_name}: in1 and in2 must have the same number of dimensions, "
                         f"got shapes {shape_of(in1)} and {shape_of(in2)} "
                         f"(at {user_frame_str()}).")
    in1, in2 = promote_dtypes_inexact(in1, in2)
    return convolve_nd(fun_name, in1, in2, mode, precision, scipy=True)


def _convolve(fun_name: str, in1, in2, mode: str, method: str, precision):
    if method == "fft":
        return fftconvolve(in1, in2, mode=mode)
    if method not in ("auto", "direct"):
        raise ValueError(f"{fun_name}: method must be 'auto', 'direct' or 'fft', got "
                         f"{method!r}.")
    return _convolve_nd(fun_name, in1, in2, mode, precision)


def convolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
             precision=None):
    """The N-dimensional convolution of ``in1`` and ``in2`` (of equal rank).

    ``mode`` picks the output: ``'full'`` (every overlap), ``'same'`` (centred, the shape
    of ``in1``) or ``'valid'`` (only full overlaps).  ``method`` is ``'direct'`` (one
    ``lax.conv_general_dilated``; also what ``'auto'`` means) or ``'fft'``
    (:func:`fftconvolve`).  Integer inputs are convolved in floating point.

    >>> x = jnp.array([1., 2., 3., 4.])
    >>> zenax.scipy.signal.convolve(x, jnp.array([1., 1.]))
    Array([1., 3., 5., 7., 4.], dtype=float32)
    >>> zenax.scipy.signal.convolve(x, jnp.array([1., 0., -1.]), mode='same')
    Array([ 2.,  2.,  2., -3.], dtype=float32)
    """
    in1, in2 = _as_arrays("convolve", in1, in2)
    return _convolve("convolve", in1, in2, mode, method, precision)


def correlate(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
              precision=None):
    """The N-dimensional cross-correlation of ``in1`` and ``in2``: their convolution
    with ``in2`` conjugated and flipped along every axis.  ``mode`` and ``method`` are
    those of :func:`convolve`.

    >>> zenax.scipy.signal.correlate(jnp.array([1., 2., 3.]), jnp.array([1., 0.5]))
    Array([0.5, 2. , 3.5, 3. ], dtype=float32)
    """
    in1, in2 = _as_arrays("correlate", in1, in2)
    return _convolve("correlate", in1, jnp.flip(jnp.conj(in2)), mode, method, precision)


def _check_2d(fun_name: str, in1, in2, boundary, fillvalue) -> None:
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(f"{fun_name}: only boundary='fill' with fillvalue=0 is "
                                  f"supported, got boundary={boundary!r}, "
                                  f"fillvalue={fillvalue!r}.")
    if ndim_of(in1) != 2 or ndim_of(in2) != 2:
        raise ValueError(f"{fun_name}: in1 and in2 must be 2-dimensional, got shapes "
                         f"{shape_of(in1)} and {shape_of(in2)} (at {user_frame_str()}).")


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue: float = 0, precision=None):
    """The convolution of two 2-D arrays (:func:`convolve` restricted to 2-D); the only
    boundary handled is zero fill (``boundary='fill'``, ``fillvalue=0``).

    >>> zenax.scipy.signal.convolve2d(jnp.array([[1., 2.], [3., 4.]]), jnp.ones((2, 2)))
    Array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]], dtype=float32)
    """
    in1, in2 = _as_arrays("convolve2d", in1, in2)
    _check_2d("convolve2d", in1, in2, boundary, fillvalue)
    return _convolve_nd("convolve2d", in1, in2, mode, precision)


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue: float = 0, precision=None):
    """The cross-correlation of two 2-D arrays, with zero fill outside them
    (``boundary='fill'``, ``fillvalue=0`` only); ``mode`` as for :func:`convolve`.

    >>> zenax.scipy.signal.correlate2d(jnp.array([[1., 2.], [3., 4.]]),
    ...                                jnp.array([[1., 0.], [0., 1.]]))
    Array([[1., 2., 0.],
           [3., 5., 2.],
           [0., 3., 4.]], dtype=float32)
    """
    in1, in2 = _as_arrays("correlate2d", in1, in2)
    _check_2d("correlate2d", in1, in2, boundary, fillvalue)
    pairs = list(zip(shape_of(in1), shape_of(in2)))
    swap = all(s1 <= s2 for s1, s2 in pairs)
    same_shape = all(s1 == s2 for s1, s2 in pairs)
    # Correlating with in2 is convolving the flipped in1 with conj(in2), flipped back --
    # unless in2 is the larger input, where the unflipped form keeps SciPy's orientation.
    if mode != "same" and swap and not (mode == "valid" and same_shape):
        out = _convolve_nd("correlate2d", jnp.flip(in2), jnp.conj(in1), mode, precision)
        return jnp.conj(out) if mode == "full" else out
    out = _convolve_nd("correlate2d", jnp.flip(in1), jnp.conj(in2), mode, precision)
    return jnp.flip(out)


# --------------------------------------------------------------------------- FFT

def _fftconvolve(in1, in2, mode: str, axes: tuple):
    """The convolution along ``axes`` by FFTs; the other axes (equal in both inputs) are
    batch axes."""
    full = {a: shape_of(in1)[a] + shape_of(in2)[a] - 1 for a in axes}
    pairs = [(shape_of(in1)[a], shape_of(in2)[a]) for a in axes]
    if mode == "valid":
        no_swap = all(s1 >= s2 for s1, s2 in pairs)
        swap = all(s1 <= s2 for s1, s2 in pairs)
        if not (no_swap or swap):
            raise ValueError(f"fftconvolve: for mode='valid' one input must be at least as "
                             f"large as the other along every convolved axis, got shapes "
                             f"{shape_of(in1)} and {shape_of(in2)} (at {user_frame_str()}).")
        if swap:
            in1, in2 = in2, in1
    if all(s1 == 1 or s2 == 1 for s1, s2 in pairs):
        conv = jnp.multiply(in1, in2)      # a product: nothing overlaps to be summed
    else:
        fft_shape = [full[a] for a in axes]
        if _dtypes.is_complex(dtype_of(in1)):
            fft, ifft = jnp.fft.fftn, jnp.fft.ifftn
        else:
            fft, ifft = jnp.fft.rfftn, jnp.fft.irfftn
        spectrum = jnp.multiply(fft(in1, fft_shape, axes), fft(in2, fft_shape, axes))
        conv = ifft(spectrum, fft_shape, axes)
    if mode == "full":
        out = full
    elif mode == "same":
        out = {a: shape_of(in1)[a] for a in axes}
    else:
        out = {a: shape_of(in1)[a] - shape_of(in2)[a] + 1 for a in axes}
    start = [(full[a] - out[a]) // 2 if a in axes else 0 for a in range(ndim_of(conv))]
    stop = [start[a] + out[a] if a in axes else shape_of(conv)[a]
            for a in range(ndim_of(conv))]
    return lax.slice(conv, start, stop)


def fftconvolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full",
                axes: Sequence[int] | None = None):
    """The N-dimensional convolution of ``in1`` and ``in2`` computed with FFTs:
    :func:`convolve`'s result up to rounding, faster for large inputs.

    ``axes`` (default: all) are the axes convolved along; along the others the inputs
    must have equal sizes and are paired element by element.

    >>> x = jnp.array([1., 2., 3.])
    >>> with jnp.printoptions(precision=3, suppress=True):
    ...     print(zenax.scipy.signal.fftconvolve(x, jnp.array([0., 1., 0.5])))
    [0.  1.  2.5 4.  1.5]
    """
    check_arraylike("fftconvolve", in1, in2)
    in1, in2 = (ensure_array(a) for a in promote_dtypes_inexact(in1, in2))
    if ndim_of(in1) != ndim_of(in2):
        raise ValueError(f"fftconvolve: in1 and in2 must have the same number of "
                         f"dimensions, got shapes {shape_of(in1)} and {shape_of(in2)} "
                         f"(at {user_frame_str()}).")
    check_conv_mode("fftconvolve", mode)
    if axes is None:
        axes = tuple(range(ndim_of(in1)))
    else:
        axes = (axes,) if isinstance(axes, int) else tuple(axes)
        axes = tuple(canonical_axis("fftconvolve", operator.index(a), ndim_of(in1))
                     for a in axes)
    mapped = [a for a in range(ndim_of(in1)) if a not in axes]
    if any(shape_of(in1)[a] != shape_of(in2)[a] for a in mapped):
        raise ValueError(f"fftconvolve: the inputs must have equal sizes along the axes "
                         f"not convolved, got shapes {shape_of(in1)} and {shape_of(in2)} "
                         f"with axes={axes} (at {user_frame_str()}).")
    return _fftconvolve(in1, in2, mode, tuple(sorted(set(axes))))
