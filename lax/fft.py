"""The discrete Fourier transform: one primitive, ``fft_p``, over the last one to three
axes of its operand, with an ``fft_type`` saying which of four transforms it is.

* ``FFT`` / ``IFFT``: complex to complex (``IFFT`` includes the ``1/N``).
* ``RFFT``: real to complex, keeping the ``n // 2 + 1`` non-redundant outputs of the last
  axis (the others are their complex conjugates).
* ``IRFFT``: the inverse of ``RFFT``: complex to real, reading ``n // 2 + 1`` entries of
  the last axis as the half spectrum of a real signal of length ``n``.

All four are linear maps over the reals, so the jvp applies the same transform to the
tangent, and reverse mode needs only their transposes:

* The DFT matrix is symmetric, ``F[j, k] = exp(-2 pi i jk / n)`` (not Hermitian), so
  ``FFT`` and ``IFFT`` transpose to themselves.
* ``RFFT`` is ``x -> F x`` with the last axis cut to ``m = n // 2 + 1`` entries, from real
  ``x``.  Its transpose is ``Re(F^T ct)`` with ``ct`` zero-padded back to ``n``; written
  with the half spectrum alone, that is ``n * IRFFT(conj(ct) / w)``, where ``w`` is 1 at
  the entries that have no mirror image (0, and ``n / 2`` when ``n`` is even) and 2 at the
  others -- ``IRFFT`` counts each of those twice, once for its mirror.
* ``IRFFT`` reads ``x_k`` for ``0 < k < n/2`` twice (``x_k`` and its mirror
  ``conj(x_k)``) and the others once, and divides by ``n``; so its transpose is
  ``w * conj(RFFT(ct)) / n``, with the same weights ``w``.

(Over the leading transformed axes both are plain ``FFT``/``IFFT``, symmetric again, so
the formulas hold for ``fft_lengths`` of any rank; the factor is then ``prod(fft_lengths)``.)
Batching moves the vmapped axis to the front, where it is one more leading axis.
"""
from __future__ import annotations

import math
from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval

from .broadcasting import bdim_at_front, broadcast_in_dim, deflinear, zeros_like_aval
from .elementwise import _convert_element_type, conj, mul
from .registry import const, register, tuple_of_ints, type_error, value_error

lax = jax.lax

__all__ = ["FftType", "fft", "fft_p"]

# JAX's enum itself, as zenax.lax does for RoundingMethod and GatherScatterMode: programs
# written for jax.lax.FftType run unchanged, and params print and compare as JAX's do.
FftType = lax.FftType

_FFT_TYPE_NAMES = {name: t for t in FftType for name in (t.name, t.name.lower())}


def _real_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float64) if np.dtype(dtype) == np.complex128 else np.dtype(np.float32)


# --------------------------------------------------------------------------- fft
fft_p = Primitive("fft")


def _fft_abstract_eval(x, *, fft_type, fft_lengths):
    k, name = len(fft_lengths), FftType(fft_type).name
    if k > x.ndim:
        raise value_error(f"fft: the operand of shape {x.shape} has fewer axes than "
                          f"fft_lengths={fft_lengths}; the transform runs over its last "
                          f"{k} axes.")
    if not 1 <= k <= 3:
        raise value_error(f"fft: fft_lengths={fft_lengths} must have 1 to 3 entries (XLA "
                          "transforms at most 3 axes at once); jnp.fft.fftn splits more.")
    batch, minor = x.shape[:-k], x.shape[-k:]
    if fft_type == FftType.RFFT:
        if x.dtype not in (np.float32, np.float64):
            raise value_error(f"fft: RFFT input must be float32 or float64, got {x.dtype}; "
                              "cast it first, e.g. x.astype(jnp.float32).")
        expected = fft_lengths
        shape = batch + fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
        dtype = dtypes.to_complex_dtype(x.dtype)
    else:
        if not dtypes.is_complex(x.dtype):
            raise value_error(f"fft: {name} input must be complex64 or complex128, got "
                              f"{x.dtype}.")
        if fft_type == FftType.IRFFT:
            expected = fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
            shape, dtype = batch + fft_lengths, _real_dtype(x.dtype)
        else:
            expected, shape, dtype = fft_lengths, x.shape, x.dtype
    if minor != expected:
        raise value_error(f"fft: {name} with fft_lengths={fft_lengths} needs an input whose "
                          f"last axes are {expected}, got shape {x.shape}.")
    return x.update(shape=shape, dtype=dtype)


def _fft_lower(x, *, fft_type, fft_lengths):
    return lax.fft(x, fft_type, fft_lengths)


register(fft_p, _fft_abstract_eval, _fft_lower)


def _times_hermitian_weights(x, fft_lengths: tuple, inverse: bool = False):
    """``x * w`` (``x / w`` if ``inverse``) along the last axis, with ``w`` of the module
    docstring: 1 for the entries with no mirror image (0, and ``n / 2`` for even ``n``),
    2 for the others."""
    aval, n = get_aval(x), fft_lengths[-1]
    w = np.full(n // 2 + 1, 2, aval.dtype)
    w[0] = 1
    if n % 2 == 0:
        w[-1] = 1
    w = 1 / w if inverse else w
    return mul(x, broadcast_in_dim(w, aval.shape, (aval.ndim - 1,)))


def _fft_transpose(ct, x, *, fft_type, fft_lengths):
    if type(ct) is Zero:
        return [Zero(x.aval)]
    size = math.prod(fft_lengths)
    if size == 0:       # an empty transform (irfft to length 0): nothing flows back
        return [zeros_like_aval(x.aval)]
    if fft_type == FftType.RFFT:
        half = _times_hermitian_weights(conj(ct), fft_lengths, inverse=True)
        out = bind(fft_p, half, fft_lengths=fft_lengths, fft_type=FftType.IRFFT)
        return [mul(out, const(out, size))]
    if fft_type == FftType.IRFFT:
        spectrum = conj(bind(fft_p, ct, fft_lengths=fft_lengths, fft_type=FftType.RFFT))
        out = _times_hermitian_weights(spectrum, fft_lengths)
        return [mul(out, const(out, 1 / size))]
    return [bind(fft_p, ct, fft_lengths=fft_lengths, fft_type=fft_type)]


def _fft_batch(args, dims, *, fft_type, fft_lengths):
    (x,), (bdim,) = args, dims
    x = bdim_at_front(x, bdim, get_aval(x).shape[bdim])
    return bind(fft_p, x, fft_lengths=fft_lengths, fft_type=fft_type), 0


deflinear(fft_p, _fft_transpose)
batch_rules[fft_p] = _fft_batch


# =========================================================================== public API

def _canonical_fft_type(fft_type) -> FftType:
    if isinstance(fft_type, FftType):
        return fft_type
    if isinstance(fft_type, str):
        if fft_type not in _FFT_TYPE_NAMES:
            raise value_error(f"fft: unknown fft_type {fft_type!r}; expected one of 'fft', "
                              "'ifft', 'rfft', 'irfft' or a lax.FftType.")
        return _FFT_TYPE_NAMES[fft_type]
    raise type_error(f"fft: fft_type must be a lax.FftType or one of 'fft', 'ifft', 'rfft', "
                     f"'irfft', got {fft_type!r}.")


def _inexact_dtype(dtype: np.dtype) -> np.dtype:
    """The floating dtype an integer or bool operand is transformed in: float64 for 64-bit
    integers, float32 for the others (as JAX's lax.fft, whatever the x64 setting)."""
    if dtypes.is_inexact(dtype):
        return np.dtype(dtype)
    return np.dtype(np.float64) if np.dtype(dtype).itemsize == 8 else np.dtype(np.float32)


def fft(x, fft_type: FftType | str, fft_lengths: Sequence[int]):
    """The discrete Fourier transform of ``x`` over its last ``len(fft_lengths)`` axes
    (at most 3), as ``jax.lax.fft``.

    ``fft_type`` is a :class:`FftType` or its name: ``'fft'`` and ``'ifft'`` take the
    last axes of sizes ``fft_lengths`` (integer and real ``x`` become complex); ``'rfft'``
    takes real ``x`` and keeps ``n // 2 + 1`` entries of the last axis; ``'irfft'``
    inverts it, reading ``n // 2 + 1`` entries to return ``n = fft_lengths[-1]``.

    >>> lax.fft(jnp.array([1., 2., 3., 4.]), 'fft', (4,))
    Array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j], dtype=complex64)
    >>> lax.fft(jnp.array([1., 2., 3., 4.]), lax.FftType.RFFT, (4,))
    Array([10.+0.j, -2.+2.j, -2.+0.j], dtype=complex64)
    """
    fft_type = _canonical_fft_type(fft_type)
    fft_lengths = tuple_of_ints("fft", fft_lengths)
    dtype = get_aval(x).dtype
    if fft_type == FftType.RFFT:
        if dtypes.is_complex(dtype):
            raise value_error(f"fft: RFFT takes real input, got {dtype}; use 'fft' for "
                              "complex input.")
        x = _convert_element_type(x, _inexact_dtype(dtype))
    else:
        x = _convert_element_type(x, dtypes.to_complex_dtype(_inexact_dtype(dtype)))
    if not fft_lengths:         # nothing to transform (XLA has no rank-0 FFT)
        return x
    return bind(fft_p, x, fft_lengths=fft_lengths, fft_type=fft_type)
