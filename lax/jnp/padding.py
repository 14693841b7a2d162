"""``jnp.pad``: NumPy's padding modes on lax shape primitives.

Each mode extends one axis at a time with blocks built from the array itself: a constant
(``lax.pad``), copies of an edge, wrapped or mirrored slices, a statistic of the edge
region, or a linear ramp to given end values; a callable mode fills a zero-padded array
one 1-D line at a time, as NumPy's does.  Pad widths and the mode's options are static.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from zenax import lax
from zenax.tracer.source_info import user_frame_str

from .creation import linspace
from .manipulation import apply_along_axis
from .promotion import (ArrayLike, check_arraylike, concrete_static, convert_to, dtype_of,
                        ensure_array, ndim_of, shape_of)
from .reductions import amax, amin, mean
from .shapes import repeat
from .statistics import median
from .ufuncs import round as _round
from .ufuncs import subtract


def _pairs(fun_name: str, name: str, value, ndim: int, integral: bool = True) -> np.ndarray:
    """NumPy's per-axis forms (scalar, ``(n,)``, ``(lo, hi)``, one pair per axis) ->
    an ``(ndim, 2)`` array."""
    values = np.asarray(concrete_static(fun_name, name, value))
    if integral and values.size and not np.issubdtype(values.dtype, np.integer):
        raise TypeError(f"{fun_name}: {name} must be integers, got {value!r} "
                        f"(at {user_frame_str()}).")
    try:
        return np.broadcast_to(values.astype(int) if integral else values, (ndim, 2))
    except ValueError:
        raise ValueError(f"{fun_name}: {name} {value!r} does not fit an array of {ndim} "
                         f"dimensions; expected a scalar, a pair or {ndim} pairs "
                         f"(at {user_frame_str()}).") from None


def _check_extendable(a, axis: int, lo: int, hi: int, mode: str) -> None:
    if shape_of(a)[axis] == 0 and (lo or hi):
        raise ValueError(f"pad: can't extend an empty axis (axis {axis}) with mode="
                         f"{mode!r}; only mode='constant' or 'empty' can.")


def _pad_edge(a, axis: int, lo: int, hi: int):
    n = shape_of(a)[axis]
    first = repeat(lax.slice_in_dim(a, 0, 1, axis=axis), lo, axis)
    last = repeat(lax.slice_in_dim(a, n - 1, n, axis=axis), hi, axis)
    return lax.concatenate([first, a, last], axis)


def _pad_wrap(a, axis: int, lo: int, hi: int):
    n = shape_of(a)[axis]
    reps = -(-(lo + hi) // n) + 1
    tiled = lax.concatenate([a] * (2 * reps + 1), axis)
    start = reps * n - lo
    return lax.slice_in_dim(tiled, start, start + lo + n + hi, axis=axis)


def _pad_reflect(a, axis: int, lo: int, hi: int, symmetric: bool, odd: bool):
    """Mirror ``a`` at each edge, block by block, until the padding is covered.

    ``reflect`` leaves the edge element out of the mirror image, ``symmetric`` repeats it.
    Each block mirrors the array grown so far, so widths past the axis length reflect
    again.  ``reflect_type='odd'`` mirrors through the edge value (``2 * edge - x``)
    instead of copying, as NumPy's does."""
    n = shape_of(a)[axis]
    skip = 0 if symmetric or n == 1 else 1
    two = convert_to(2, dtype_of(a))
    for before, width in ((True, lo), (False, hi)):
        while width > 0:
            m = shape_of(a)[axis]
            size = min(width, n - skip)
            width -= size
            if before:
                block = lax.slice_in_dim(a, skip, skip + size, axis=axis)
                edge = lax.slice_in_dim(a, 0, 1, axis=axis)
            else:
                block = lax.slice_in_dim(a, m - skip - size, m - skip, axis=axis)
                edge = lax.slice_in_dim(a, m - 1, m, axis=axis)
            block = lax.rev(block, (axis,))
            if odd:
                block = subtract(lax.mul(two, edge), block)
            a = lax.concatenate([block, a] if before else [a, block], axis)
    return a


def _pad_constant(array, widths: np.ndarray, constant_values):
    dtype, n = dtype_of(array), ndim_of(array)
    if np.ndim(constant_values) == 0:
        value = convert_to(constant_values, dtype)
        return lax.pad(array, value, [(int(lo), int(hi), 0) for lo, hi in widths])
    # Different values per axis and side: pad one side of one axis at a time.
    values = _pairs("pad", "constant_values", constant_values, n, integral=False)
    for axis, ((lo, hi), (v_lo, v_hi)) in enumerate(zip(widths, values)):
        for width, value, side in ((lo, v_lo, 0), (hi, v_hi, 1)):
            if width:
                config = [(0, 0, 0)] * n
                config[axis] = (int(width), 0, 0) if side == 0 else (0, int(width), 0)
                array = lax.pad(array, convert_to(value.item(), dtype), config)
    return array


def _pad_stat(array, axis: int, lo: int, hi: int, stat: Callable, stat_length):
    n = shape_of(array)[axis]
    if stat_length is None:
        before = after = stat(array, axis=axis, keepdims=True)
    else:
        len_lo, len_hi = (int(v) for v in stat_length[axis])
        if len_lo == 0 or len_hi == 0:
            raise ValueError("pad: stat_length of 0 yields no value for padding "
                             f"(at {user_frame_str()}).")
        len_lo, len_hi = min(len_lo, n), min(len_hi, n)
        before = stat(lax.slice_in_dim(array, 0, len_lo, axis=axis), axis=axis,
                      keepdims=True)
        after = stat(lax.slice_in_dim(array, n - len_hi, n, axis=axis), axis=axis,
                     keepdims=True)
    dtype = dtype_of(array)
    if np.issubdtype(dtype, np.integer):
        before, after = _round(before), _round(after)
    before, after = (lax.convert_element_type(s, dtype) for s in (before, after))
    return lax.concatenate([repeat(before, lo, axis), array, repeat(after, hi, axis)], axis)


def _pad_linear_ramp(array, axis: int, lo: int, hi: int, end_values):
    n, dtype = shape_of(array)[axis], dtype_of(array)
    first = lax.squeeze(lax.slice_in_dim(array, 0, 1, axis=axis), (axis,))
    last = lax.squeeze(lax.slice_in_dim(array, n - 1, n, axis=axis), (axis,))
    start_lo, start_hi = end_values[axis]
    ramp_lo = linspace(start_lo, first, lo, endpoint=False, dtype=dtype, axis=axis)
    ramp_hi = lax.rev(linspace(start_hi, last, hi, endpoint=False, dtype=dtype, axis=axis),
                      (axis,))
    return lax.concatenate([ramp_lo, array, ramp_hi], axis)


def _stat_modes() -> dict[str, Callable]:
    return {"maximum": amax, "minimum": amin, "mean": mean, "median": median}


_MODES = ("constant", "empty", "edge", "wrap", "reflect", "symmetric", "linear_ramp",
          "maximum", "minimum", "mean", "median")
_OPTIONS = {"constant": {"constant_values"}, "reflect": {"reflect_type"},
            "symmetric": {"reflect_type"}, "linear_ramp": {"end_values"},
            "maximum": {"stat_length"}, "minimum": {"stat_length"},
            "mean": {"stat_length"}, "median": {"stat_length"}}


def pad(array: ArrayLike, pad_width, mode: str | Callable = "constant", **kwargs):
    """Pad an array.

    ``pad_width`` is an int, a pair ``(before, after)``, or one pair per axis.  Modes:
    ``constant`` (``constant_values=``, default 0), ``empty`` (zeros), ``edge``, ``wrap``,
    ``reflect`` and ``symmetric`` (``reflect_type='even'|'odd'``), ``linear_ramp``
    (``end_values=``), ``maximum``/``minimum``/``mean``/``median`` (``stat_length=``), or a function
    ``f(vector, (before, after), axis, kwargs)`` that fills the padded ends of each line in
    place and returns it.

    >>> jnp.pad(jnp.array([1, 2]), (1, 2), constant_values=9)
    Array([9, 1, 2, 9, 9], dtype=int32)
    >>> jnp.pad(jnp.array([1., 2., 3.]), 2, mode="reflect", reflect_type="odd")
    Array([-1.,  0.,  1.,  2.,  3.,  4.,  5.], dtype=float32)
    """
    check_arraylike("pad", array)
    array = ensure_array(array)
    n = ndim_of(array)
    widths = _pairs("pad", "pad_width", pad_width, n)
    if (widths < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r} "
                         f"(at {user_frame_str()}).")
    if callable(mode):
        return _pad_with_function(array, widths, mode, kwargs)
    if mode not in _MODES:
        raise NotImplementedError(f"pad: mode={mode!r} is not a padding mode; expected "
                                  f"one of {', '.join(_MODES)}, or a function "
                                  f"(at {user_frame_str()}).")
    unexpected = set(kwargs) - _OPTIONS.get(mode, set())
    if unexpected:
        raise ValueError(f"pad: unsupported keyword arguments for mode={mode!r}: "
                         f"{sorted(unexpected)} (at {user_frame_str()}).")
    if mode == "constant":
        return _pad_constant(array, widths, kwargs.get("constant_values", 0))
    if mode == "empty" or n == 0:
        return _pad_constant(array, widths, 0)
    reflect_type = kwargs.get("reflect_type", "even")
    if reflect_type not in ("even", "odd"):
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {reflect_type!r} "
                         f"(at {user_frame_str()}).")
    stat_length = kwargs.get("stat_length")
    if stat_length is not None:
        stat_length = _pairs("pad", "stat_length", stat_length, n)
    end_values = _pairs("pad", "end_values", kwargs.get("end_values", 0), n, integral=False)
    for axis, (lo, hi) in enumerate(widths):
        lo, hi = int(lo), int(hi)
        if not lo and not hi:
            continue
        _check_extendable(array, axis, lo, hi, mode)
        if mode == "edge":
            array = _pad_edge(array, axis, lo, hi)
        elif mode == "wrap":
            array = _pad_wrap(array, axis, lo, hi)
        elif mode in ("reflect", "symmetric"):
            array = _pad_reflect(array, axis, lo, hi, mode == "symmetric",
                                 reflect_type == "odd")
        elif mode == "linear_ramp":
            array = _pad_linear_ramp(array, axis, lo, hi, end_values)
        else:
            array = _pad_stat(array, axis, lo, hi, _stat_modes()[mode], stat_length)
    return array


def _pad_with_function(array, widths: np.ndarray, fun: Callable, kwargs: dict):
    """NumPy's protocol for a function as ``mode``: zero-pad, then for each axis in turn
    call ``fun(line, (before, after), axis, kwargs)`` on every 1-D line along it; what it
    returns is the new line."""
    padded = _pad_constant(array, widths, 0)
    for axis in range(ndim_of(padded)):
        lo, hi = (int(w) for w in widths[axis])
        padded = apply_along_axis(lambda line, a=axis, w=(lo, hi): fun(line, w, a, kwargs),
                                  axis, padded)
    return padded
