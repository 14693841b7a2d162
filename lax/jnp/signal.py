"""Signal processing on sampled data: ``convolve`` and ``correlate`` (1-D, one
``conv_general_dilated``), ``interp`` (piecewise-linear interpolation), ``gradient``
(central differences), ``trapezoid`` (the trapezoidal rule) and ``unwrap`` (phase
unwrapping).

All of them are compositions of primitives, so their derivatives, batching and
compilation come from the primitives' rules.  Two choices follow JAX's and shape the
derivatives:

* ``correlate`` conjugates ``v`` and ``convolve`` flips it; when ``v`` is the longer input
  the two swap roles, which for ``correlate`` reverses the output -- the kernel of the
  convolution is always the shorter input.
* ``interp`` divides by the width of the interval a point falls in; where two sample points
  (nearly) coincide it picks the left value instead of dividing, so neither the value nor
  its derivative is NaN.
"""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from zenax import lax
from zenax.lax.eager import compiled_when_eager
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .cumulative import cumsum, diff
from .indexing_routines import take
from .logic import equal, greater, less, less_equal, logical_and, where
from .promotion import (ArrayLike, DTypeLike, asarray, check_arraylike, concrete_static,
                        dtype_of, ensure_array, ndim_of, promote_dtypes,
                        promote_dtypes_inexact, shape_of)
from .reductions import canonical_axis
from .reductions import sum as _sum
from .shapes import concatenate, moveaxis, reshape
from .sorting import searchsorted
from .ufuncs import (abs, add, clip, conj, divide, floor_divide, mod, multiply, negative,
                     subtract, true_divide)

__all__ = ["convolve", "correlate", "gradient", "interp", "trapezoid", "unwrap"]

_MODES = ("full", "same", "valid")


# --------------------------------------------------------------------------- convolve

def check_conv_mode(fun_name: str, mode) -> None:
    if mode not in _MODES:
        raise ValueError(f"{fun_name}: mode must be one of {list(_MODES)}, got {mode!r}.")


def convolve_nd(fun_name: str, x, y, mode: str, precision=None, preferred_element_type=None,
                *, scipy: bool = False, correlate: bool = False):
    """The N-D convolution of ``x`` and ``y`` (arrays of one rank and dtype), or with
    ``correlate`` their cross-correlation (``y`` conjugated, not flipped), as one
    ``conv_general_dilated`` of the larger input with the smaller one.  One input must be
    at least as large as the other in every dimension.  ``'same'`` output is centred on
    the larger input (NumPy's rule) or, with ``scipy``, on ``x``; as in JAX, the SciPy
    rule also slides ``y`` over ``x`` when their shapes are equal (a different summation
    order)."""
    if 0 in shape_of(x) or 0 in shape_of(y):
        raise ValueError(f"{fun_name}: inputs cannot be empty, got shapes {shape_of(x)} "
                         f"and {shape_of(y)} (at {user_frame_str()}).")
    check_conv_mode(fun_name, mode)
    pairs = list(zip(shape_of(x), shape_of(y)))
    x_smaller = all(s1 <= s2 for s1, s2 in pairs)
    x_larger = all(s1 >= s2 for s1, s2 in pairs)
    if not (x_smaller or x_larger):
        raise ValueError(f"{fun_name}: one input must be at least as large as the other in "
                         f"every dimension, got shapes {shape_of(x)} and {shape_of(y)} "
                         f"(at {user_frame_str()}).")
    if correlate:
        y = conj(y)
    swap = x_smaller and (scipy or not x_larger)
    if swap:
        x, y = y, x
    kernel = shape_of(y)
    # A 'same' output keeps the size of the larger input (NumPy) or of the original x
    # (SciPy), trimming the full output by that of the other input, half on each side.
    other = shape_of(x if swap else y) if scipy else kernel
    axes = tuple(range(ndim_of(x)))
    if not correlate:
        y = lax.rev(y, axes)
    if mode == "valid":
        padding = [(0, 0) for _ in kernel]
    elif mode == "same":
        padding = [(k - 1 - (o - 1) // 2, k - o + (o - 1) // 2) for k, o in zip(kernel, other)]
    else:
        padding = [(k - 1, k - 1) for k in kernel]
    out = lax.conv_general_dilated(
        lax.expand_dims(x, (0, 1)), lax.expand_dims(y, (0, 1)), (1,) * len(axes), padding,
        precision=precision, preferred_element_type=preferred_element_type)
    out = lax.squeeze(out, (0, 1))
    # Correlation is not symmetric: with the inputs swapped it comes out reversed.
    return lax.rev(out, axes) if correlate and swap else out


def _conv(fun_name: str, a, v, mode: str, precision, preferred_element_type):
    check_arraylike(fun_name, a, v)
    if ndim_of(a) != 1 or ndim_of(v) != 1:
        raise ValueError(f"{fun_name}: a and v must be 1-dimensional, got shapes "
                         f"{shape_of(a)} and {shape_of(v)} (at {user_frame_str()}).")
    if preferred_element_type is None:
        a, v = promote_dtypes_inexact(a, v)     # NumPy convolves in floating point
    else:
        a, v = promote_dtypes(a, v)             # accumulate in the requested type
    return convolve_nd(fun_name, ensure_array(a), ensure_array(v), mode, precision,
                       preferred_element_type, correlate=fun_name == "correlate")


_CONV_STATIC = ("mode", "precision", "preferred_element_type")


@compiled_when_eager(n_arrays=2, static_argnames=_CONV_STATIC)
def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full", *, precision=None,
             preferred_element_type: DTypeLike | None = None):
    """Discrete linear convolution of two 1-D arrays, ``c[k] = sum_j a[k - j] v[j]``.

    ``mode='full'`` gives every overlap (length ``len(a) + len(v) - 1``), ``'same'`` the
    centred ``max(len(a), len(v))`` of them and ``'valid'`` only the full overlaps.
    Integer inputs are convolved in floating point unless ``preferred_element_type`` is
    given.

    >>> jnp.convolve(jnp.array([1., 2., 3.]), jnp.array([0., 1., 0.5]))
    Array([0. , 1. , 2.5, 4. , 1.5], dtype=float32)
    >>> jnp.convolve(jnp.array([1, 2, 3]), jnp.array([1, 1]), mode='valid')
    Array([3., 5.], dtype=float32)
    """
    return _conv("convolve", a, v, mode, precision, preferred_element_type)


@compiled_when_eager(n_arrays=2, static_argnames=_CONV_STATIC)
def correlate(a: ArrayLike, v: ArrayLike, mode: str = "valid", *, precision=None,
              preferred_element_type: DTypeLike | None = None):
    """Cross-correlation of two 1-D arrays, ``c[k] = sum_j a[k + j] conj(v[j])``; the
    modes are those of :func:`convolve` (default ``'valid'``).

    >>> jnp.correlate(jnp.array([1., 2., 3., 4.]), jnp.array([1., 0.5]))
    Array([2. , 3.5, 5. ], dtype=float32)
    >>> jnp.correlate(jnp.array([1., 2., 3., 4.]), jnp.array([1., 0.5]), mode='full')
    Array([0.5, 2. , 3.5, 5. , 4. ], dtype=float32)
    """
    return _conv("correlate", a, v, mode, precision, preferred_element_type)


# --------------------------------------------------------------------------- interp

def _extrapolates(side: str, value) -> bool:
    if not isinstance(value, str):
        return False
    if value != "extrapolate":
        raise ValueError(f"interp: the only string accepted for `{side}` is 'extrapolate', "
                         f"got {value!r}.")
    return True


def _at(a, indices):
    """``a[indices]`` for in-bounds integer ``indices`` (one gather)."""
    return take(a, indices, mode="clip")


def _entry(a, k: int):
    """``a[k]`` of a 1-D array, as a scalar (a static slice)."""
    return lax.reshape(lax.slice(a, (k,), (k + 1,)), ())


@compiled_when_eager(n_arrays=3)
def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left: ArrayLike | str | None = None,
           right: ArrayLike | str | None = None, period: ArrayLike | None = None):
    """Piecewise-linear interpolation of the points ``(xp, fp)`` (``xp`` increasing) at
    ``x``.

    Outside ``[xp[0], xp[-1]]`` the result is ``left`` / ``right`` (default ``fp[0]`` /
    ``fp[-1]``), or the end segments extended with ``'extrapolate'``.  With ``period`` the
    points repeat with that period (``left``/``right`` are then ignored).

    >>> xp, fp = jnp.array([0., 1., 3.]), jnp.array([0., 10., 30.])
    >>> jnp.interp(jnp.array([-1., 0.5, 2., 4.]), xp, fp)
    Array([ 0.,  5., 20., 30.], dtype=float32)
    >>> jnp.interp(jnp.array([-1., 4.]), xp, fp, left='extrapolate', right=-1.)
    Array([-10.,  -1.], dtype=float32)
    """
    check_arraylike("interp", x, xp, fp)
    if shape_of(xp) != shape_of(fp) or ndim_of(xp) != 1:
        raise ValueError(f"interp: xp and fp must be 1-dimensional arrays of equal size, got "
                         f"shapes {shape_of(xp)} and {shape_of(fp)} (at {user_frame_str()}).")
    x, xp = (ensure_array(a) for a in promote_dtypes_inexact(x, xp))
    fp = ensure_array(promote_dtypes_inexact(fp)[0])
    extrapolate_left = _extrapolates("left", left)
    extrapolate_right = _extrapolates("right", right)
    if _dtypes.is_complex(dtype_of(x)):
        raise ValueError("interp: complex x values are not supported.")

    if period is not None:
        check_arraylike("interp", period)
        if ndim_of(period) != 0:
            raise ValueError(f"interp: period must be a scalar, got shape {shape_of(period)}.")
        period = abs(period)
        x, xp = mod(x, period), mod(xp, period)
        xp, fp = lax.sort_key_val(xp, fp)
        n = shape_of(xp)[0]
        # One period's copy of the last point before the first and of the first after
        # the last, so every x in [0, period) falls inside a segment.
        first, last = lax.slice(xp, (0,), (1,)), lax.slice(xp, (n - 1,), (n,))
        xp = concatenate([subtract(last, period), xp, add(first, period)])
        fp = concatenate([lax.slice(fp, (n - 1,), (n,)), fp, lax.slice(fp, (0,), (1,))])

    n = shape_of(xp)[0]
    i = clip(searchsorted(xp, x, side="right"), 1, n - 1)
    i_left = subtract(i, 1)
    fp_left, xp_left = _at(fp, i_left), _at(xp, i_left)
    df = subtract(_at(fp, i), fp_left)
    dx = subtract(_at(xp, i), xp_left)
    delta = subtract(x, xp_left)
    tiny = np.spacing(np.finfo(dtype_of(xp)).eps)
    dx0 = less_equal(abs(dx), tiny)
    f = where(dx0, fp_left, add(fp_left, multiply(divide(delta, where(dx0, 1, dx)), df)))

    if period is None:
        if not extrapolate_left:
            f = where(less(x, _entry(xp, 0)), _entry(fp, 0) if left is None else left, f)
        if not extrapolate_right:
            f = where(greater(x, _entry(xp, n - 1)), _entry(fp, n - 1) if right is None
                      else right, f)
    return f


# --------------------------------------------------------------------------- gradient

def _gradient_along_axis(f, h, axis: int):
    """Central differences inside, one-sided ones at the two ends, for the sample spacing
    ``h``: a scalar step, or the sample coordinates along ``axis``."""
    size = shape_of(f)[axis]
    part = lambda a, lo, hi: lax.slice_in_dim(a, lo, hi, 1, axis)   # noqa: E731
    first = subtract(part(f, 1, 2), part(f, 0, 1))
    last = subtract(part(f, size - 1, size), part(f, size - 2, size - 1))
    if ndim_of(h) == 0:
        inner = divide(multiply(subtract(part(f, 2, size), part(f, 0, size - 2)), 0.5), h)
        first, last = divide(first, h), divide(last, h)
    elif ndim_of(h) == 1:
        if shape_of(h)[0] != size:
            raise ValueError(f"gradient: a spacing array must have the length of the axis it "
                             f"spans: got length {shape_of(h)[0]} for axis {axis} of size "
                             f"{size} (at {user_frame_str()}).")
        h = reshape(h, tuple(size if d == axis else 1 for d in range(ndim_of(f))))
        first = divide(first, subtract(part(h, 1, 2), part(h, 0, 1)))
        last = divide(last, subtract(part(h, size - 1, size), part(h, size - 2, size - 1)))
        # Second-order differences on a non-uniform grid: the weights of the three
        # neighbours for the steps dx1 (to the left) and dx2 (to the right).
        dx1 = subtract(part(h, 1, size - 1), part(h, 0, size - 2))
        dx2 = subtract(part(h, 2, size), part(h, 1, size - 1))
        w_left = divide(negative(dx2), multiply(dx1, add(dx1, dx2)))
        w_mid = divide(subtract(dx2, dx1), multiply(dx1, dx2))
        w_right = divide(dx1, multiply(dx2, add(dx1, dx2)))
        inner = add(add(multiply(w_left, part(f, 0, size - 2)),
                        multiply(w_mid, part(f, 1, size - 1))),
                    multiply(w_right, part(f, 2, size)))
    else:
        raise ValueError(f"gradient: each spacing must be a scalar or a 1-D array, got shape "
                         f"{shape_of(h)} (at {user_frame_str()}).")
    return concatenate([first, inner, last], axis=axis)


@compiled_when_eager(static_argnames=("axis", "edge_order"))
def gradient(f: ArrayLike, *varargs: ArrayLike, axis: int | Sequence[int] | None = None,
             edge_order: int | None = None):
    """The gradient of sampled values ``f`` by finite differences: second-order central
    differences inside, first-order one-sided differences at the boundaries.

    ``varargs`` give the sample spacing: nothing (unit steps), one value for every axis,
    or one per axis, each a scalar step or the 1-D sample coordinates along that axis.
    Returns one array per axis of ``axis`` (default: all), or the array itself for one
    axis.  Only first-order boundaries exist (``edge_order`` None or 1).

    >>> jnp.gradient(jnp.array([1., 2., 4., 7., 11.]))
    Array([1. , 1.5, 2.5, 3.5, 4. ], dtype=float32)
    >>> jnp.gradient(jnp.array([0., 1., 4.]), jnp.array([0., 1., 2.]))
    Array([1., 2., 3.], dtype=float32)
    """
    if edge_order is not None and edge_order != 1:
        raise NotImplementedError(f"gradient: edge_order={edge_order!r} is not supported; "
                                  "only first-order boundaries (edge_order=1) are.")
    check_arraylike("gradient", f, *varargs)
    f, *spacing = promote_dtypes_inexact(f, *varargs)
    f = ensure_array(f)
    if axis is None:
        axes = tuple(range(ndim_of(f)))
    else:
        axes = tuple(canonical_axis("gradient", a, ndim_of(f))
                     for a in ((axis,) if np.ndim(axis) == 0 else axis))
    if not axes:
        return []
    if min(shape_of(f)[a] for a in axes) < 2:
        raise ValueError(f"gradient: every axis it differentiates along needs at least 2 "
                         f"samples, got shape {shape_of(f)} (at {user_frame_str()}).")
    if not spacing:
        steps = [1.0] * len(axes)
    elif len(spacing) == 1:
        steps = spacing * len(axes)
    elif len(spacing) == len(axes):
        steps = spacing
    else:
        raise TypeError(f"gradient: got {len(spacing)} spacing arguments for {len(axes)} "
                        f"axes {axes}; give none, one, or one per axis.")
    grads = [_gradient_along_axis(f, h, a) for a, h in zip(axes, steps)]
    return grads[0] if len(axes) == 1 else grads


# --------------------------------------------------------------------------- trapezoid

@compiled_when_eager(static_argnames=("axis",))
def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0, axis: int = -1):
    """The integral of the samples ``y`` along ``axis`` by the composite trapezoidal rule,
    at the sample points ``x`` or with the constant step ``dx``.

    >>> jnp.trapezoid(jnp.array([1., 2., 3.]))
    Array(4., dtype=float32)
    >>> jnp.trapezoid(jnp.array([1., 2., 3.]), x=jnp.array([0., 1., 3.]))
    Array(6.5, dtype=float32)
    """
    if x is None:
        check_arraylike("trapezoid", y)
        y = ensure_array(promote_dtypes_inexact(y)[0])
        axis = canonical_axis("trapezoid", axis, ndim_of(y))
        steps = asarray(dx)
        if ndim_of(steps) > 0:
            steps = lax.expand_dims(steps, tuple(range(ndim_of(y) - ndim_of(steps))))
            steps = moveaxis(steps, axis, -1)
    else:
        check_arraylike("trapezoid", y, x)
        y, x = (ensure_array(a) for a in promote_dtypes_inexact(y, x))
        axis = canonical_axis("trapezoid", axis, ndim_of(y))
        steps = diff(x) if ndim_of(x) == 1 else moveaxis(diff(x, axis=axis), axis, -1)
    y = moveaxis(y, axis, -1)
    n = shape_of(y)[-1]
    if ndim_of(steps) == 0 or shape_of(steps)[-1] == 1:
        # A constant step: h * (sum(y) - (y[0] + y[-1]) / 2).
        step = steps if ndim_of(steps) == 0 else lax.index_in_dim(steps, 0, -1, False)
        ends = add(lax.index_in_dim(y, 0, -1, False), lax.index_in_dim(y, n - 1, -1, False))
        return multiply(step, subtract(_sum(y, axis=-1), multiply(0.5, ends)))
    pairs = add(lax.slice_in_dim(y, 1, n, 1, -1), lax.slice_in_dim(y, 0, n - 1, 1, -1))
    return multiply(0.5, _sum(multiply(steps, pairs), axis=-1))


# --------------------------------------------------------------------------- unwrap

@compiled_when_eager(static_argnames=("axis",))
def unwrap(p: ArrayLike, discont: ArrayLike | None = None, axis: int = -1,
           period: ArrayLike = 2 * np.pi):
    """Unwrap a periodic signal: wherever consecutive values along ``axis`` jump by more
    than ``discont`` (default ``period / 2``), shift the rest by multiples of ``period``.

    >>> jnp.unwrap(jnp.array([0., 90., 180., -90., 0.]), period=360)
    Array([  0.,  90., 180., 270., 360.], dtype=float32)
    """
    check_arraylike("unwrap", p)
    p, period = promote_dtypes(p, period)
    p = ensure_array(p)
    if _dtypes.is_complex(dtype_of(p)):
        raise ValueError("unwrap: complex inputs are not supported.")
    axis = canonical_axis("unwrap", operator.index(concrete_static("unwrap", "axis", axis)),
                          ndim_of(p))
    if shape_of(p)[axis] == 0:
        return p
    if discont is None:
        discont = true_divide(period, 2)
    half = floor_divide(period, 2) if _dtypes.is_integer(dtype_of(p)) else \
        true_divide(period, 2)
    dd = diff(p, axis=axis)
    # dd wrapped into [-half, half); a step of exactly +half stays +half.
    ddmod = subtract(mod(add(dd, half), period), half)
    ddmod = where(logical_and(equal(ddmod, negative(half)), greater(dd, 0)), half, ddmod)
    correction = where(less(abs(dd), discont), 0, subtract(ddmod, dd))
    size = shape_of(p)[axis]
    rest = add(lax.slice_in_dim(p, 1, size, 1, axis), cumsum(correction, axis=axis))
    return concatenate([lax.slice_in_dim(p, 0, 1, 1, axis), rest], axis=axis)
