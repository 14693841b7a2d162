"""Detrending and spectral analysis for zenax.scipy.signal: ``detrend``, ``stft``,
``istft``, ``csd`` and ``welch``.

All four spectral functions cut the signal (along ``axis``, moved last) into segments of
``nperseg`` samples, ``nperseg - noverlap`` apart: one gather of a static index grid.
Each segment is detrended, multiplied by the window and Fourier transformed; ``stft``
returns those spectra, ``csd``/``welch`` average the (cross) periodograms over segments.
``istft`` inverts ``stft`` by overlap-adding the windowed inverse transforms and
dividing by the overlap-added squared window.

Segment lengths, overlaps and FFT sizes are static (they are shapes).  As in JAX, the
default window ``'hann'`` is built here; other named windows come from SciPy's
``get_window`` (a host-side table of numbers, imported only when asked for).  Where JAX's
choices differ from SciPy's they are kept, since JAX is what callers port from: without
``nperseg``, ``welch``/``csd`` use the whole signal as one segment (clipped, with a
warning, as is a too-long ``nperseg``), and a callable ``detrend`` sees the segments
with the analysed axis moved last.
"""
from __future__ import annotations

import functools
import math
import warnings
from typing import Callable, Sequence

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import (ArrayLike, check_arraylike, concrete_int, dtype_of,
                                     ensure_array, ndim_of, promote_dtypes_inexact,
                                     shape_of)
from zenax.lax.jnp.reductions import canonical_axis
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

__all__ = ["csd", "detrend", "istft", "stft", "welch"]


def _complex_dtype(dtype) -> np.dtype:
    if _dtypes.is_complex(dtype):
        return np.dtype(dtype)
    return np.dtype(np.complex128) if dtype == np.dtype(np.float64) else np.dtype(np.complex64)


# --------------------------------------------------------------------------- detrend

def _remove_line(segment):
    """``segment`` (samples along axis 0) less its least-squares line."""
    n = shape_of(segment)[0]
    dtype = dtype_of(segment)
    ramp = jnp.divide(jnp.arange(1, n + 1, dtype=dtype), np.array(n, dtype))
    design = jnp.transpose(jnp.stack([jnp.ones(n, dtype=dtype), ramp]))
    coef = jnp.linalg.lstsq(design, segment)[0]
    return jnp.subtract(segment, jnp.matmul(design, coef, precision="highest"))


def detrend(data: ArrayLike, axis: int = -1, type: str = "linear",
            bp: int | Sequence[int] | np.ndarray = 0, overwrite_data: None = None):
    """``data`` less its trend along ``axis``: its mean (``type='constant'``), or its
    least-squares line (``'linear'``), fitted separately between the breakpoints ``bp``
    (static sample indices).

    >>> zenax.scipy.signal.detrend(jnp.array([1., 2., 4., 3., 5.]), type='constant')
    Array([-2., -1.,  1.,  0.,  2.], dtype=float32)
    >>> with jnp.printoptions(precision=3, suppress=True):
    ...     print(zenax.scipy.signal.detrend(jnp.array([1., 2., 3., 5., 7.])))
    [ 0.4 -0.1 -0.6 -0.1  0.4]
    """
    if overwrite_data is not None:
        raise NotImplementedError("detrend: overwrite_data is not supported (arrays are "
                                  "immutable); leave it None.")
    if type not in ("constant", "linear"):
        raise ValueError(f"detrend: type must be 'linear' or 'constant', got {type!r}.")
    data = ensure_array(promote_dtypes_inexact(jnp.asarray(data))[0])
    if type == "constant":
        return jnp.subtract(data, jnp.mean(data, axis, keepdims=True))
    n = shape_of(data)[axis]
    breaks = np.sort(np.unique(np.r_[0, bp, n]))
    if breaks[0] < 0 or breaks[-1] > n:
        raise ValueError(f"detrend: breakpoints must lie in [0, {n}] (the length of the "
                         f"data along axis {axis}), got bp={bp!r}.")
    moved = jnp.moveaxis(data, axis, 0)
    flat = jnp.reshape(moved, (n, -1))
    pieces = [_remove_line(lax.slice_in_dim(flat, int(lo), int(hi), 1, 0))
              for lo, hi in zip(breaks[:-1], breaks[1:])]
    out = jnp.concatenate(pieces, axis=0) if len(pieces) > 1 else pieces[0]
    return jnp.moveaxis(jnp.reshape(out, shape_of(moved)), 0, axis)


# --------------------------------------------------------------------------- windows

def _hann(n: int):
    if n == 1:
        return jnp.array([1.0])
    return jnp.square(jnp.sin(jnp.linspace(0, np.pi, n, endpoint=False)))


def _named_window(window, n: int):
    """The periodic window ``window`` (a name, or a tuple of a name and parameters)."""
    if isinstance(window, str) and window == "hann":
        return _hann(n)
    try:
        from scipy.signal import get_window
    except ImportError as err:
        raise ImportError(f"scipy is needed for window={window!r} (only 'hann' is "
                          f"built in).") from err
    return get_window(window, n)


def _window_and_length(fun_name: str, window, nperseg: int | None, input_length: int,
                       dtype):
    """The window as an array of ``dtype``, and the segment length: ``nperseg``, or the
    signal's length (a named window) or the window's (an array)."""
    if isinstance(window, (str, tuple)):
        n = input_length if nperseg is None else nperseg
        if n > input_length:
            warnings.warn(f"nperseg={n} is greater than input_length={input_length}, "
                          f"using nperseg={input_length}", stacklevel=4)
            n = input_length
        return jnp.array(_named_window(window, n), dtype=dtype), n
    win = jnp.asarray(window, dtype=dtype)
    size = math.prod(shape_of(win))
    n = size if nperseg is None else nperseg
    if ndim_of(win) != 1:
        raise ValueError(f"{fun_name}: window must be 1-D, got shape {shape_of(win)}.")
    if input_length < size:
        raise ValueError(f"{fun_name}: the window is longer than the input signal ({size} > "
                         f"{input_length}).")
    if n != size:
        raise ValueError(f"{fun_name}: nperseg={n} differs from the length of the window "
                         f"({size}).")
    return win, n


# --------------------------------------------------------------------------- segments

def _odd_extension(x, n: int):
    """``x`` extended by ``n`` samples at each end of its last axis, point-symmetrically
    about the end samples (``n = nperseg // 2`` never exceeds ``x``'s length - 1)."""
    if n < 1:
        return x
    size = shape_of(x)[-1]
    part = lambda lo, hi: lax.slice_in_dim(x, lo, hi, 1, -1)     # noqa: E731
    first, last = part(0, 1), part(size - 1, size)
    left = jnp.subtract(jnp.multiply(2, first), jnp.flip(part(1, n + 1), -1))
    right = jnp.subtract(jnp.multiply(2, last), jnp.flip(part(size - n - 1, size - 1), -1))
    return jnp.concatenate([left, x, right], axis=-1)


def _pad_last(mode: str, **kwargs) -> Callable:
    def pad(x, n: int):
        return jnp.pad(x, [(0, 0)] * (ndim_of(x) - 1) + [(n, n)], mode, **kwargs)
    return pad


_BOUNDARIES = {
    "even": _pad_last("reflect"),
    "odd": _odd_extension,
    "constant": _pad_last("edge"),
    "zeros": _pad_last("constant", constant_values=0.0),
    None: lambda x, n: x,
}


def _pad_end(x, n: int):
    return jnp.concatenate([x, jnp.zeros(shape_of(x)[:-1] + (n,), dtype_of(x))], axis=-1)


def _segment_spectra(x, win, detrend_func: Callable, nperseg: int, noverlap: int,
                     nfft: int, sides: str):
    """The Fourier transforms of the windowed, detrended segments of ``x`` (along its
    last axis): shape ``(..., segments, frequencies)``."""
    length = shape_of(x)[-1]
    step = nperseg - noverlap
    starts = np.arange(0, length - nperseg + 1, step)
    grid = starts[:, None] + np.arange(nperseg)[None, :]
    segments = jnp.take(x, grid, axis=-1)      # (..., segments, nperseg)
    segments = detrend_func(segments)
    if _dtypes.is_complex(dtype_of(win)):
        segments = jnp.astype(segments, _complex_dtype(dtype_of(segments)))
    segments = jnp.multiply(win, segments)
    if sides == "twosided":
        return jnp.fft.fft(segments, n=nfft)
    return jnp.fft.rfft(jnp.real(segments), n=nfft)


def _detrend_function(fun_name: str, detrend_type, axis: int) -> Callable:
    if isinstance(detrend_type, str):
        if detrend_type not in ("constant", "linear"):
            raise ValueError(f"{fun_name}: detrend must be 'linear', 'constant', a function "
                             f"or False, got {detrend_type!r}.")
        return functools.partial(detrend, type=detrend_type, axis=-1)
    if callable(detrend_type):
        # JAX hands a callable the segments with the analysed axis (a non-negative index
        # into the signal's shape) moved last; kept for the same results.
        def moved(d):
            return jnp.moveaxis(detrend_type(jnp.moveaxis(d, axis, -1)), -1, axis)
        return moved
    if not detrend_type:
        return lambda d: d
    raise ValueError(f"{fun_name}: detrend must be a type name, a function or False, got "
                     f"{detrend_type!r}.")


def _spectral_helper(fun_name: str, x, y, fs, window, nperseg, noverlap, nfft,
                     detrend_type, return_onesided: bool, scaling: str, axis: int,
                     mode: str, boundary: str | None = None, padded: bool = False):
    """``(frequencies, segment times, spectra)`` of ``x`` (``y is None``) or the cross
    spectra of ``x`` and ``y``; the spectra have the frequencies along ``axis`` and the
    segments last."""
    if boundary not in _BOUNDARIES:
        raise ValueError(f"{fun_name}: boundary must be one of {list(_BOUNDARIES)}, got "
                         f"{boundary!r}.")
    axis = concrete_int(fun_name, "axis", axis)
    if y is None:
        check_arraylike(fun_name, x)
        x = ensure_array(promote_dtypes_inexact(x)[0])
        axis = canonical_axis(fun_name, axis, ndim_of(x))
        outer = shape_of(x)[:axis] + shape_of(x)[axis + 1:]
    else:
        check_arraylike(fun_name, x, y)
        x, y = (ensure_array(a) for a in promote_dtypes_inexact(x, y))
        if ndim_of(x) != ndim_of(y):
            raise ValueError(f"{fun_name}: x and y must have the same rank, got shapes "
                             f"{shape_of(x)} and {shape_of(y)} (at {user_frame_str()}).")
        axis = canonical_axis(fun_name, axis, ndim_of(x))
        drop = lambda s: s[:axis] + s[axis + 1:]     # noqa: E731
        try:
            outer = jnp.broadcast_shapes(drop(shape_of(x)), drop(shape_of(y)))
        except ValueError as err:
            raise ValueError(f"{fun_name}: x and y cannot be broadcast together, got shapes "
                             f"{shape_of(x)} and {shape_of(y)}.") from err
    result_dtype = _complex_dtype(dtype_of(x))
    freq_dtype = np.finfo(result_dtype).dtype

    if nperseg is not None:
        nperseg = concrete_int(fun_name, "nperseg", nperseg)
        if nperseg < 1:
            raise ValueError(f"{fun_name}: nperseg must be a positive integer, got {nperseg}.")
    win, nperseg = _window_and_length(fun_name, window, nperseg, shape_of(x)[axis],
                                      dtype_of(x))
    noverlap = nperseg // 2 if noverlap is None else concrete_int(fun_name, "noverlap", noverlap)
    nfft = nperseg if nfft is None else concrete_int(fun_name, "nfft", nfft)

    if y is None and math.prod(shape_of(x)) == 0:
        return (jnp.zeros(shape_of(x), freq_dtype), jnp.zeros(shape_of(x), freq_dtype),
                jnp.zeros(shape_of(x), result_dtype))
    if y is not None and 0 in shape_of(x) + shape_of(y):
        shape = outer[:axis] + (min(shape_of(x)[axis], shape_of(y)[axis]),) + outer[axis:]
        return (jnp.zeros(shape, freq_dtype), jnp.zeros(shape, freq_dtype),
                jnp.zeros(shape, result_dtype))

    x = jnp.moveaxis(x, axis, -1)
    if y is not None:
        if ndim_of(y) > 1:
            y = jnp.moveaxis(y, axis, -1)
        # Zero-pad the shorter signal to the longer one's length.
        gap = shape_of(y)[-1] - shape_of(x)[-1]
        if gap > 0:
            x = _pad_end(x, gap)
        elif gap < 0:
            y = _pad_end(y, -gap)

    if nfft < nperseg:
        raise ValueError(f"{fun_name}: nfft ({nfft}) must be at least nperseg ({nperseg}).")
    if noverlap >= nperseg:
        raise ValueError(f"{fun_name}: noverlap ({noverlap}) must be less than nperseg "
                         f"({nperseg}).")
    step = nperseg - noverlap
    signals = [x] if y is None else [x, y]
    signals = [_BOUNDARIES[boundary](s, nperseg // 2) for s in signals]
    if padded:
        # Zero-pad to a whole number of segments.
        extra = (-(shape_of(signals[0])[-1] - nperseg) % step) % nperseg
        signals = [_pad_end(s, extra) for s in signals]
    x = signals[0]

    detrend_func = _detrend_function(fun_name, detrend_type, axis)
    if scaling == "density":
        scale = jnp.divide(1.0, jnp.multiply(fs, jnp.sum(jnp.multiply(win, win))))
    elif scaling == "spectrum":
        scale = jnp.divide(1.0, jnp.square(jnp.sum(win)))
    else:
        raise ValueError(f"{fun_name}: scaling must be 'density' or 'spectrum', got "
                         f"{scaling!r}.")
    if mode == "stft":
        scale = jnp.sqrt(scale)
    scale = jnp.astype(scale, _complex_dtype(dtype_of(scale)))

    sides = "onesided" if return_onesided else "twosided"
    if return_onesided and (jnp.iscomplexobj(x) or (y is not None and jnp.iscomplexobj(y))):
        sides = "twosided"
        warnings.warn("Input data is complex, switching to return_onesided=False",
                      stacklevel=3)
    if sides == "twosided":
        freqs = jnp.fft.fftfreq(nfft, jnp.divide(1, fs), dtype=freq_dtype)
    else:
        freqs = jnp.fft.rfftfreq(nfft, jnp.divide(1, fs), dtype=freq_dtype)

    spectra = [_segment_spectra(s, win, detrend_func, nperseg, noverlap, nfft, sides)
               for s in signals]
    if y is not None:
        result = jnp.multiply(jnp.conjugate(spectra[0]), spectra[1])
    elif mode == "psd":
        result = jnp.multiply(jnp.conjugate(spectra[0]), spectra[0])
    else:
        result = spectra[0]
    result = jnp.multiply(result, scale)
    if sides == "onesided" and mode == "psd":
        # Fold in the power of the negative frequencies: double all but the zero
        # frequency (and the Nyquist one, for even nfft).
        factor = np.full(shape_of(result)[-1], 2.0, np.float32)
        factor[0] = 1.0
        if nfft % 2 == 0:
            factor[-1] = 1.0
        result = jnp.multiply(result, jnp.asarray(factor, dtype=dtype_of(result)))

    time = jnp.divide(jnp.arange(nperseg / 2, shape_of(x)[-1] - nperseg / 2 + 1, step,
                                 dtype=freq_dtype), fs)
    if boundary is not None:
        time = jnp.subtract(time, jnp.divide(nperseg / 2, fs))
    result = jnp.astype(result, result_dtype)
    if y is None and mode != "stft":
        result = jnp.real(result)      # a power spectrum: the imaginary parts are zero
    return freqs, time, jnp.moveaxis(result, -1, axis)


def stft(x: ArrayLike, fs: ArrayLike = 1.0, window: str = "hann", nperseg: int = 256,
         noverlap: int | None = None, nfft: int | None = None, detrend: bool = False,
         return_onesided: bool = True, boundary: str | None = "zeros", padded: bool = True,
         axis: int = -1):
    """The short-time Fourier transform of ``x`` along ``axis``: ``(f, t, Zxx)``, the
    frequencies, the segment times and the spectra (frequencies along ``axis``, segments
    last).

    The signal is extended by ``nperseg // 2`` samples at each end as ``boundary`` says
    (``'zeros'``, ``'even'``, ``'odd'``, ``'constant'`` or None), zero-padded to whole
    segments if ``padded``, then cut into windowed segments of ``nperseg`` samples
    overlapping by ``noverlap`` (default ``nperseg // 2``), each transformed with
    ``nfft`` points (default ``nperseg``).

    >>> f, t, Zxx = zenax.scipy.signal.stft(jnp.array([1., 2., 3., 4.]), nperseg=2)
    >>> f, t
    (Array([0. , 0.5], dtype=float32), Array([0., 1., 2., 3., 4.], dtype=float32))
    >>> Zxx
    Array([[ 1.+0.j,  2.+0.j,  3.+0.j,  4.+0.j,  0.+0.j],
           [-1.+0.j, -2.+0.j, -3.+0.j, -4.+0.j,  0.+0.j]], dtype=complex64)
    """
    return _spectral_helper("stft", x, None, fs, window, nperseg, noverlap, nfft, detrend,
                            return_onesided, "spectrum", axis, mode="stft",
                            boundary=boundary, padded=padded)


def _average(fun_name: str, pxy, average: str):
    """The mean or the (bias-corrected) median of the periodograms along the last axis."""
    if ndim_of(pxy) < 2 or math.prod(shape_of(pxy)) == 0:
        return pxy
    count = shape_of(pxy)[-1]
    if count == 1:
        return jnp.reshape(pxy, shape_of(pxy)[:-1])
    if average == "mean":
        return jnp.mean(pxy, axis=-1)
    if average != "median":
        raise ValueError(f"{fun_name}: average must be 'median' or 'mean', got {average!r}.")
    # The median of chi-squared periodograms is biased low relative to their mean.
    halves = jnp.arange(2., count, 2)
    bias = jnp.add(1, jnp.sum(jnp.subtract(jnp.divide(1., jnp.add(halves, 1)),
                                           jnp.divide(1., halves))))
    bias = jnp.astype(bias, dtype_of(pxy))
    if jnp.iscomplexobj(pxy):
        median = jnp.add(jnp.median(jnp.real(pxy), axis=-1),
                         jnp.multiply(1j, jnp.median(jnp.imag(pxy), axis=-1)))
    else:
        median = jnp.median(pxy, axis=-1)
    return jnp.divide(median, bias)


def _csd(fun_name: str, x, y, fs, window, nperseg, noverlap, nfft, detrend_type,
         return_onesided: bool, scaling: str, axis: int, average: str):
    freqs, _, pxy = _spectral_helper(fun_name, x, y, fs, window, nperseg, noverlap, nfft,
                                     detrend_type, return_onesided, scaling, axis,
                                     mode="psd")
    if y is not None:
        pxy = jnp.add(pxy, 0j)
    return freqs, _average(fun_name, pxy, average)


def csd(x: ArrayLike, y: ArrayLike | None, fs: ArrayLike = 1.0, window: str = "hann",
        nperseg: int | None = None, noverlap: int | None = None, nfft: int | None = None,
        detrend: str = "constant", return_onesided: bool = True, scaling: str = "density",
        axis: int = -1, average: str = "mean"):
    """The cross power spectral density of ``x`` and ``y`` by Welch's method:
    ``(f, Pxy)``, the frequencies and the cross-periodograms of the segments averaged
    (``'mean'`` or ``'median'``).  ``y=None`` gives the (real) power spectral density of
    ``x``, as :func:`welch`.  The segmenting arguments are those of :func:`stft`; without
    ``nperseg`` the whole signal is one segment.

    >>> x = jnp.array([0., 1., 0., -1., 0., 1., 0., -1.])
    >>> f, Pxy = zenax.scipy.signal.csd(x, 2 * x, nperseg=4, scaling='spectrum')
    >>> with jnp.printoptions(precision=3, suppress=True):
    ...     print(f, Pxy)
    [0.   0.25 0.5 ] [0.+0.j 1.+0.j 0.+0.j]
    """
    return _csd("csd", x, y, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                scaling, axis, average)


def welch(x: ArrayLike, fs: ArrayLike = 1.0, window: str = "hann",
          nperseg: int | None = None, noverlap: int | None = None, nfft: int | None = None,
          detrend: str = "constant", return_onesided: bool = True, scaling: str = "density",
          axis: int = -1, average: str = "mean"):
    """The power spectral density of ``x`` by Welch's method: ``(f, Pxx)``, the
    frequencies and the periodograms of the windowed segments averaged (see :func:`csd`
    for the arguments).

    >>> x = jnp.array([0., 1., 0., -1., 0., 1., 0., -1.])
    >>> f, Pxx = zenax.scipy.signal.welch(x, nperseg=4)
    >>> Pxx
    Array([0.       , 1.3333333, 0.       ], dtype=float32)
    """
    freqs, pxx = _csd("welch", x, None, fs, window, nperseg, noverlap, nfft, detrend,
                      return_onesided, scaling, axis, average)
    return freqs, jnp.real(pxx)


# --------------------------------------------------------------------------- istft

def _overlap_and_add(frames, step: int):
    """Sum the frames (``(..., count, length)``) each ``step`` samples after the previous
    one: the signal of length ``step * (count - 1) + length``."""
    *batch, count, length = shape_of(frames)
    blocks = -(-length // step)        # how many step-long blocks one frame spans
    frames = jnp.pad(frames, [(0, 0)] * len(batch) + [(0, 0), (0, blocks * step - length)])
    frames = jnp.reshape(frames, tuple(batch) + (count, blocks, step))
    total = None
    for k in range(blocks):
        # Block k of frame n lands on output block n + k.
        block = lax.index_in_dim(frames, k, len(batch) + 1, keepdims=False)
        block = jnp.pad(block, [(0, 0)] * len(batch) + [(k, blocks - 1 - k), (0, 0)])
        total = block if total is None else jnp.add(total, block)
    signal = jnp.reshape(total, tuple(batch) + ((count + blocks - 1) * step,))
    return lax.slice_in_dim(signal, 0, step * (count - 1) + length, 1, -1)


def _trim(a, half: int):
    """``a[..., half:-half]`` -- as JAX writes it, so nothing is left for ``half == 0``."""
    stop = shape_of(a)[-1] - half if half else 0
    return lax.slice_in_dim(a, half, max(stop, half), 1, -1)


def istft(Zxx: ArrayLike, fs: ArrayLike = 1.0, window: str = "hann",
          nperseg: int | None = None, noverlap: int | None = None, nfft: int | None = None,
          input_onesided: bool = True, boundary: bool = True, time_axis: int = -1,
          freq_axis: int = -2):
    """The inverse of :func:`stft`: ``(t, x)``, the sample times and the signal whose
    short-time transform is ``Zxx`` (frequencies along ``freq_axis``, segments along
    ``time_axis``).

    The segment parameters default to what ``Zxx``'s shape implies for :func:`stft`'s
    defaults; ``boundary=True`` removes the ``nperseg // 2`` samples ``stft`` added at
    each end.

    >>> x = jnp.array([1., 2., 3., 2., 1., 0., 1., 2.])
    >>> _, _, Zxx = zenax.scipy.signal.stft(x, nperseg=4)
    >>> with jnp.printoptions(precision=3, suppress=True):
    ...     print(zenax.scipy.signal.istft(Zxx)[1])
    [1. 2. 3. 2. 1. 0. 1. 2.]
    """
    check_arraylike("istft", Zxx)
    Zxx = ensure_array(Zxx)
    if ndim_of(Zxx) < 2:
        raise ValueError(f"istft: Zxx must be at least 2-D, got shape {shape_of(Zxx)}.")
    freq_axis = canonical_axis("istft", freq_axis, ndim_of(Zxx))
    time_axis = canonical_axis("istft", time_axis, ndim_of(Zxx))
    if freq_axis == time_axis:
        raise ValueError(f"istft: time_axis and freq_axis must differ, both are "
                         f"{time_axis}.")
    Zxx = jnp.asarray(Zxx, dtype=_complex_dtype(dtype_of(Zxx)))
    n_freqs = shape_of(Zxx)[freq_axis]
    n_default = 2 * (n_freqs - 1) if input_onesided else n_freqs
    nperseg_int = concrete_int("istft", "nperseg", nperseg or n_default)
    if nperseg_int < 1:
        raise ValueError(f"istft: nperseg must be a positive integer, got {nperseg_int}.")
    if nfft is None:
        nfft_int = n_default + (1 if input_onesided and nperseg_int == n_default + 1 else 0)
    else:
        nfft_int = concrete_int("istft", "nfft", nfft)
    if nfft_int < nperseg_int:
        raise ValueError(f"istft: the FFT length ({nfft_int}) must be at least nperseg "
                         f"({nperseg_int}).")
    noverlap_int = concrete_int("istft", "noverlap", noverlap or nperseg_int // 2)
    if noverlap_int >= nperseg_int:
        raise ValueError(f"istft: noverlap ({noverlap_int}) must be less than nperseg "
                         f"({nperseg_int}).")
    step = nperseg_int - noverlap_int

    ndim = ndim_of(Zxx)
    if time_axis != ndim - 1 or freq_axis != ndim - 2:
        outer = tuple(a for a in range(ndim) if a not in (time_axis, freq_axis))
        Zxx = jnp.transpose(Zxx, outer + (freq_axis, time_axis))
    # As JAX, the transform length is the nfft argument itself (None: from Zxx's shape).
    inverse = jnp.fft.irfft if input_onesided else jnp.fft.ifft
    frames = lax.slice_in_dim(inverse(Zxx, n=nfft, axis=-2), 0, nperseg_int, 1, -2)

    if isinstance(window, (str, tuple)):
        win = jnp.astype(jnp.asarray(_named_window(window, nperseg_int)), dtype_of(frames))
    else:
        win = jnp.asarray(window)
        if ndim_of(win) != 1:
            raise ValueError(f"istft: window must be 1-D, got shape {shape_of(win)}.")
        if shape_of(win)[0] != nperseg_int:
            raise ValueError(f"istft: window must have length {nperseg_int}, got "
                             f"{shape_of(win)[0]}.")
    frames = jnp.multiply(frames, jnp.sum(win))     # undoes stft's 'spectrum' scaling
    win = lax.expand_dims(win, (*range(ndim_of(frames) - 2), ndim_of(frames) - 1))
    x = _overlap_and_add(jnp.swapaxes(jnp.multiply(frames, win), -2, -1), step)
    win_squared = jnp.repeat(jnp.multiply(win, win), shape_of(frames)[-1], axis=-1)
    norm = _overlap_and_add(jnp.swapaxes(win_squared, -2, -1), step)

    if boundary:
        x, norm = _trim(x, nperseg_int // 2), _trim(norm, nperseg_int // 2)
    x = jnp.divide(x, jnp.where(jnp.greater(norm, 1e-10), norm, 1.0))

    if ndim_of(x) > 1 and time_axis != ndim - 1:
        if freq_axis < time_axis:
            time_axis -= 1
        x = jnp.moveaxis(x, -1, time_axis)
    time = jnp.divide(jnp.arange(shape_of(x)[0], dtype=np.finfo(dtype_of(x)).dtype), fs)
    return time, x
