"""zenax.scipy.fft: discrete cosine transforms -- ``dct``, ``dctn``, ``idct``, ``idctn`` --
of type 2 (and its inverse, type 3), as ``jax.scipy.fft`` computes them.

The type-2 DCT of length ``N`` is one complex FFT of the same length (Makhoul, "A Fast
Cosine Transform in One and Two Dimensions", 1980): reorder ``x`` as its even-indexed
entries followed by its odd-indexed ones reversed, take the FFT ``V``, and the DCT is
``2 Re(exp(-i pi k / 2N) V[k])``.  The inverse runs the same steps backwards (scale by
``exp(i pi k / 2N)``, inverse FFT, undo the reordering).  Two axes at once use one 2-D
FFT and both twiddles; more axes go two (``dctn``) or one (``idctn``) at a time.

``norm=None`` (or ``'backward'``) leaves the forward transform unscaled; ``'ortho'``
scales both directions to make the transform orthonormal.  Complex input is transformed
as its real and imaginary parts.  Everything runs on ``jnp.fft``'s ``fft_p``, so it is
differentiable and batches like any FFT.
"""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

import zenax.lax.jnp as jnp
from zenax import lax
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.promotion import (ArrayLike, check_arraylike, dtype_of, ndim_of,
                                     promote_dtypes_inexact, shape_of)
from zenax.lax.jnp.reductions import canonical_axis
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

__all__ = ["dct", "dctn", "idct", "idctn"]


def _w4(n: int, k):
    """The twiddle ``exp(-i pi k / 2n)``, in the complex dtype of ``k``."""
    dtype = _dtypes.to_complex_dtype(dtype_of(k))
    return jnp.exp(-.5j * np.pi * k.astype(dtype) / jnp.asarray(n, dtype=dtype))


def _along(values, axis: int, ndim: int):
    """The 1-D ``values`` as an array of rank ``ndim`` that varies along ``axis``."""
    return lax.expand_dims(values, tuple(a for a in range(ndim) if a != axis))


def _interleave(x, axis: int):
    """The even-indexed entries of ``x`` along ``axis``, then the odd ones reversed."""
    evens = lax.slice_in_dim(x, None, None, 2, axis)
    odds = lax.rev(lax.slice_in_dim(x, 1, None, 2, axis), (axis,))
    return lax.concatenate([evens, odds], axis)


def _deinterleave(x, axis: int):
    """The inverse of :func:`_interleave`: entry ``j`` is entry ``j // 2`` of the evens
    (``j`` even) or of the reversed odds that follow them (``j`` odd)."""
    j = np.arange(shape_of(x)[axis])
    return jnp.take(x, np.where(j % 2 == 0, j // 2, j.size - 1 - j // 2), axis=axis)


def _ortho_scale(out, axis: int):
    """Divide by ``sqrt(4N)`` at frequency 0 and ``sqrt(2N)`` elsewhere along ``axis``."""
    n = shape_of(out)[axis]
    factor = lax.concatenate([jnp.full((1,), 4, dtype_of(out)),
                              jnp.full((n - 1,), 2, dtype_of(out))], 0)
    return out / jnp.sqrt(_along(factor, axis, ndim_of(out)) * n)


def _check(name: str, x, type: int, norm) -> object:
    check_arraylike(f"scipy.fft.{name}", x)
    if type != 2:
        raise NotImplementedError(f"scipy.fft.{name}: only the DCT of type 2 is implemented "
                                  f"(got type={type!r}), as in JAX.")
    if norm is not None and norm not in ("backward", "ortho"):
        raise ValueError(f"scipy.fft.{name}: norm={norm!r} is not implemented; expected None, "
                         f"'backward' or 'ortho' (at {user_frame_str()})")
    return jnp.asarray(x)


def _fit(x, s, axes):
    """``x`` cropped or zero-padded at the end of each of ``axes`` to the lengths ``s``
    (``None``: as it is)."""
    if s is None:
        return x
    lengths = dict(zip(axes, s))
    pads = [(0, lengths[a] - shape_of(x)[a] if a in lengths else 0, 0)
            for a in range(ndim_of(x))]
    return lax.pad(x, np.zeros((), dtype_of(x)), pads)


def _split_complex(fn, x, **kwargs):
    return lax.complex(fn(jnp.real(x), **kwargs), fn(jnp.imag(x), **kwargs))


@compiled_when_eager(n_arrays=1, static_argnames=("type", "n", "axis", "norm"))
def dct(x: ArrayLike, type: int = 2, n: int | None = None, axis: int = -1,
        norm: str | None = None):
    """The discrete cosine transform (type 2) of ``x`` along ``axis``:
    ``y[k] = 2 sum_j x[j] cos(pi k (2j + 1) / 2N)``, ``x`` first cropped or zero-padded to
    length ``n`` if given.  ``norm='ortho'`` makes it orthonormal.

    >>> jnp.round(zenax.scipy.fft.dct(jnp.array([1., 2., 3., 4.])), 4)
    Array([20.        , -6.3086    ,  0.        , -0.44829997], dtype=float32)
    """
    x = _check("dct", x, type, norm)
    if _dtypes.is_complex(dtype_of(x)):
        return _split_complex(dct, x, n=n, axis=axis, norm=norm)
    axis = canonical_axis("scipy.fft.dct", axis, ndim_of(x))
    x = _fit(x, None if n is None else (n,), (axis,))
    size = shape_of(x)[axis]
    spectrum = jnp.fft.fft(_interleave(x, axis), axis=axis)
    k = _along(jnp.arange(size, dtype=dtype_of(jnp.real(spectrum))), axis, ndim_of(x))
    out = 2 * jnp.real(spectrum * _w4(size, k))
    return _ortho_scale(out, axis) if norm == "ortho" else out


def _dct2(x, axes: tuple[int, int], norm):
    """The DCT over two axes from one 2-D FFT."""
    axis1, axis2 = axes
    n1, n2 = shape_of(x)[axis1], shape_of(x)[axis2]
    spectrum = jnp.fft.fftn(_interleave(_interleave(x, axis1), axis2), axes=axes)
    nd = ndim_of(x)
    k1 = _along(jnp.arange(n1, dtype=dtype_of(spectrum)), axis1, nd)
    k2 = _along(jnp.arange(n2, dtype=dtype_of(spectrum)), axis2, nd)
    mirrored = jnp.roll(jnp.flip(spectrum, axis=axis2), shift=1, axis=axis2)
    out = _w4(n1, k1) * (_w4(n2, k2) * spectrum + _w4(n2, -k2) * mirrored)
    out = 2 * jnp.real(out)
    if norm == "ortho":
        return _ortho_scale(_ortho_scale(out, axis1), axis2)
    return out


def _lengths_and_axes(name: str, x, s, axes) -> tuple:
    if s is not None:
        try:
            s = list(s)
        except TypeError:
            s = [operator.index(s)]
        if len(s) > ndim_of(x):
            raise ValueError(f"scipy.fft.{name}: s must have at most x.ndim ({ndim_of(x)}) "
                             f"elements, got {len(s)} (at {user_frame_str()})")
    if axes is None:
        axes = tuple(range(ndim_of(x) - (len(s) if s is not None else ndim_of(x)), ndim_of(x)))
    else:
        axes = tuple(canonical_axis(f"scipy.fft.{name}", a, ndim_of(x)) for a in axes)
        if len(set(axes)) != len(axes):
            raise ValueError(f"scipy.fft.{name}: repeated axis in axes={axes} "
                             f"(at {user_frame_str()})")
    return s, axes


@compiled_when_eager(n_arrays=1, static_argnames=("type", "s", "axes", "norm"))
def dctn(x: ArrayLike, type: int = 2, s: Sequence[int] | None = None,
         axes: Sequence[int] | None = None, norm: str | None = None):
    """The multidimensional DCT (type 2) of ``x`` over ``axes`` (all, or the last
    ``len(s)``), each first cropped or zero-padded to the lengths ``s`` if given.

    >>> jnp.round(zenax.scipy.fft.dctn(jnp.array([[1., 2.], [3., 4.]])), 4)
    Array([[ 40.    ,  -5.6569],
           [-11.3137,   0.    ]], dtype=float32)
    """
    x = _check("dctn", x, type, norm)
    if _dtypes.is_complex(dtype_of(x)):
        return _split_complex(dctn, x, s=s, axes=axes, norm=norm)
    s, axes = _lengths_and_axes("dctn", x, s, axes)
    if len(axes) == 1:
        return dct(x, n=s[0] if s is not None else None, axis=axes[0], norm=norm)
    x = _fit(x, s, axes)
    if len(axes) == 2:
        return _dct2(x, axes, norm)
    for block in (axes[i:i + 2] for i in range(0, len(axes), 2)):
        x = dctn(x, axes=block, norm=norm)
    return x


@compiled_when_eager(n_arrays=1, static_argnames=("type", "n", "axis", "norm"))
def idct(x: ArrayLike, type: int = 2, n: int | None = None, axis: int = -1,
         norm: str | None = None):
    """The inverse of :func:`dct` (a DCT of type 3, scaled) along ``axis``, ``x`` first
    cropped or zero-padded to length ``n`` if given.

    >>> y = zenax.scipy.fft.dct(jnp.array([1., 2., 3., 4.]), norm="ortho")
    >>> jnp.round(zenax.scipy.fft.idct(y, norm="ortho"), 4)
    Array([1., 2., 3., 4.], dtype=float32)
    """
    x = _check("idct", x, type, norm)
    if _dtypes.is_complex(dtype_of(x)):
        return _split_complex(idct, x, n=n, axis=axis, norm=norm)
    axis = canonical_axis("scipy.fft.idct", axis, ndim_of(x))
    x = _fit(x, None if n is None else (n,), (axis,))
    size = shape_of(x)[axis]
    x, = promote_dtypes_inexact(x)
    if norm is None or norm == "backward":
        x = _ortho_scale(x, axis)
    x = _ortho_scale(x, axis)
    k = _along(jnp.arange(size, dtype=dtype_of(x)), axis, ndim_of(x))
    w4 = _w4(size, k)
    x = x.astype(dtype_of(w4)) / w4
    x = jnp.fft.ifft(x * 2 * size, axis=axis)
    return _deinterleave(jnp.real(x), axis)


@compiled_when_eager(n_arrays=1, static_argnames=("type", "s", "axes", "norm"))
def idctn(x: ArrayLike, type: int = 2, s: Sequence[int] | None = None,
          axes: Sequence[int] | None = None, norm: str | None = None):
    """The inverse of :func:`dctn`: :func:`idct` over each of ``axes`` in turn, after
    cropping or zero-padding to the lengths ``s`` if given.

    >>> jnp.round(zenax.scipy.fft.idctn(jnp.array([[40., -4.], [-8., 0.]])), 4)
    Array([[1.4393, 2.1464],
           [2.8536, 3.5607]], dtype=float32)
    """
    x = _check("idctn", x, type, norm)
    if _dtypes.is_complex(dtype_of(x)):
        return _split_complex(idctn, x, s=s, axes=axes, norm=norm)
    s, axes = _lengths_and_axes("idctn", x, s, axes)
    if len(axes) == 1:
        return idct(x, n=s[0] if s is not None else None, axis=axes[0], norm=norm)
    x = _fit(x, s, axes)
    for axis in axes:
        x = idct(x, axis=axis, norm=norm)
    return x


compile_marked(globals())
