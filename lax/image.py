"""zenax.image: resampling images with separable kernels -- ``resize``,
``scale_and_translate`` and the ``ResizeMethod`` they take.

Each resampled axis is a linear map from ``m`` input pixels to ``n`` output pixels: an
``(m, n)`` weight matrix whose column ``j`` holds the kernel evaluated at the distances
between output pixel ``j``'s centre, carried back into input coordinates, and every input
pixel's centre (pixels are half-centred: pixel ``i`` sits at ``i + 0.5``).  The image is
then contracted with one matrix per axis in a single ``einsum``, so derivatives -- with
respect to the image, and through the matrices to ``scale`` and ``translation`` -- are
those of ordinary zenax.numpy ops.

When shrinking with ``antialias``, the kernel is stretched by ``1 / scale`` so it
low-pass filters as it interpolates.  Columns are normalised to sum to one (kernel mass
that falls off the image is given back to the pixels inside), and an output pixel whose
centre maps outside the input gets zero -- except for ``CUBIC_PYTORCH`` without
antialiasing, which instead repeats the edge pixels, as PyTorch does.
``NEAREST`` is a plain gather and keeps the input's dtype; every other method promotes
it to a floating dtype.
"""
from __future__ import annotations

import enum
import operator
from typing import Any, Callable, Sequence

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.indexing import getitem
from zenax.lax.jnp.promotion import (ArrayLike, check_arraylike, dtype_of, ensure_array,
                                     ndim_of, promote_dtypes_inexact, shape_of)
from zenax.lax.jnp.reductions import canonical_axis
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

__all__ = ["ResizeMethod", "resize", "scale_and_translate"]


class ResizeMethod(enum.Enum):
    """The interpolation kernels of :func:`resize` and :func:`scale_and_translate`.

    ``NEAREST`` copies the closest input pixel; ``LINEAR`` uses the triangle (tent)
    kernel; ``CUBIC`` the Keys cubic kernel (a = -0.5); ``CUBIC_PYTORCH`` the a = -0.75
    cubic with repeated edges when not antialiasing (PyTorch's bicubic); ``LANCZOS3`` and
    ``LANCZOS5`` windowed sincs of radius 3 and 5; ``AREA`` averages the input pixels an
    output pixel covers, weighted by overlap (a box filter).  Strings name them too:

    >>> zenax.image.ResizeMethod.from_string("bicubic")
    <ResizeMethod.CUBIC: 4>
    """
    NEAREST = 0
    LINEAR = 1
    LANCZOS3 = 2
    LANCZOS5 = 3
    CUBIC = 4
    CUBIC_PYTORCH = 5
    AREA = 6

    @staticmethod
    def from_string(s: str) -> ResizeMethod:
        """The method a string names (``'linear'``, ``'bicubic'``, ``'lanczos3'``, ...).

        >>> zenax.image.ResizeMethod.from_string("trilinear")
        <ResizeMethod.LINEAR: 1>
        """
        method = _METHOD_NAMES.get(s)
        if method is None:
            raise ValueError(f'Unknown resize method "{s}"; the names are '
                             f'{sorted(_METHOD_NAMES)}. (at {user_frame_str()})')
        return method


_METHOD_NAMES = {
    "nearest": ResizeMethod.NEAREST,
    "linear": ResizeMethod.LINEAR, "bilinear": ResizeMethod.LINEAR,
    "trilinear": ResizeMethod.LINEAR, "triangle": ResizeMethod.LINEAR,
    "lanczos3": ResizeMethod.LANCZOS3, "lanczos5": ResizeMethod.LANCZOS5,
    "cubic": ResizeMethod.CUBIC, "bicubic": ResizeMethod.CUBIC,
    "tricubic": ResizeMethod.CUBIC,
    "cubic-pytorch": ResizeMethod.CUBIC_PYTORCH, "bicubic-pytorch": ResizeMethod.CUBIC_PYTORCH,
    "area": ResizeMethod.AREA,
}


# ## Kernels: functions of the distance x >= 0 (in input pixels) from a sample point,
# written for either NumPy or zenax.numpy as ``xp``

def _triangle(xp, x):
    return xp.maximum(0, xp.subtract(1, xp.abs(x)))


def _keys_cubic(xp, x):
    # Keys (1981) with a = -0.5, the cubic Pillow, TensorFlow and antialiased PyTorch use.
    near = xp.add(xp.multiply(xp.multiply(xp.subtract(xp.multiply(1.5, x), 2.5), x), x), 1.0)
    far = xp.add(xp.multiply(xp.subtract(
        xp.multiply(xp.add(xp.multiply(-0.5, x), 2.5), x), 4.0), x), 2.0)
    return xp.where(xp.greater_equal(x, 2.0), 0.0,
                    xp.where(xp.greater_equal(x, 1.0), far, near))


def _opencv_cubic(xp, x):
    # a = -0.75: what PyTorch (and OpenCV) use when not antialiasing.
    a = -0.75
    near = xp.add(xp.multiply(xp.multiply(
        xp.subtract(xp.multiply(a + 2.0, x), a + 3.0), x), x), 1.0)
    far = xp.subtract(xp.multiply(xp.add(xp.multiply(
        xp.subtract(xp.multiply(a, x), 5.0 * a), x), 8.0 * a), x), 4.0 * a)
    return xp.where(xp.greater_equal(x, 2.0), 0.0,
                    xp.where(xp.greater_equal(x, 1.0), far, near))


def _lanczos(radius: float) -> Callable:
    def kernel(xp, x):
        y = xp.multiply(xp.multiply(radius, xp.sin(xp.multiply(np.pi, x))),
                        xp.sin(xp.divide(xp.multiply(np.pi, x), radius)))
        # sinc(x) sinc(x / radius), with its limit 1 near 0; the inner where keeps the
        # unused branch's division finite so its derivative is too.
        denominator = xp.where(xp.not_equal(x, 0), xp.multiply(np.pi ** 2, xp.square(x)), 1)
        out = xp.where(xp.greater(x, 1e-3), xp.divide(y, denominator), 1)
        return xp.where(xp.greater(x, radius), 0.0, out)
    return kernel


_AREA = object()    # the box kernel is built from interval overlaps, not distances

# method -> (radius in input pixels, kernel)
_KERNELS: dict[ResizeMethod, tuple[int, Any]] = {
    ResizeMethod.LINEAR: (1, _triangle),
    ResizeMethod.LANCZOS3: (3, _lanczos(3.0)),
    ResizeMethod.LANCZOS5: (5, _lanczos(5.0)),
    ResizeMethod.CUBIC: (2, _keys_cubic),
    ResizeMethod.CUBIC_PYTORCH: (2, _opencv_cubic),
    ResizeMethod.AREA: (1, _AREA),
}


# ## Weight matrices and their contraction

def _row(xp, x):
    return xp.expand_dims(x, 0)


def _column(xp, x):
    return xp.expand_dims(x, 1)


def _rows(xp, x, start: int | None, stop: int | None):
    return x[start:stop] if xp is np else getitem(x, slice(start, stop))


def _normalized(xp, weights):
    """Columns scaled to sum to one; a column whose sum is (almost) zero becomes zero."""
    total = xp.sum(weights, axis=0, keepdims=True)
    return xp.where(xp.greater(xp.abs(total), 1000.0 * float(np.finfo(np.float32).eps)),
                    xp.divide(weights, xp.where(xp.not_equal(total, 0), total, 1)), 0)


def _fold_edges(xp, weights, k: int, size: int):
    """Rows of ``weights`` for the ``size + 2k`` indices ``-k .. size + k - 1``, with each
    row outside the image added onto the edge row it is clamped to."""
    if size == 1:
        return xp.sum(weights, axis=0, keepdims=True)
    first = xp.sum(_rows(xp, weights, None, k + 1), axis=0, keepdims=True)
    last = xp.sum(_rows(xp, weights, k + size - 1, None), axis=0, keepdims=True)
    return xp.concatenate([first, _rows(xp, weights, k + 1, k + size - 1), last], axis=0)


def _weight_matrix(xp, in_size: int, out_size: int, inv_scale, translation,
                   method: ResizeMethod, antialias: bool, dtype: np.dtype):
    """The ``(in_size, out_size)`` matrix of one axis (see the module docstring), built
    with ``xp``: NumPy where ``inv_scale`` and ``translation`` are Python floats (a constant
    of the program: XLA would spend long folding these grids), zenax.numpy where they
    are scalar arrays (traced, to be differentiated)."""
    edge_padding = method is ResizeMethod.CUBIC_PYTORCH and not antialias
    if method is ResizeMethod.CUBIC_PYTORCH and antialias:
        method = ResizeMethod.CUBIC      # PyTorch's antialiased bicubic is Keys'
    radius, kernel = _KERNELS[method]
    # kernel_scale stretches the kernel when shrinking, making it a low-pass filter.
    if xp is np:    # Python arithmetic on the scalars keeps the grids' dtype
        shift = translation * inv_scale
        kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    else:
        shift = jnp.multiply(translation, inv_scale)
        kernel_scale = jnp.maximum(inv_scale, 1.0) if antialias else 1.0
    outputs = xp.arange(out_size, dtype=dtype)
    samples = _sample_points(xp, outputs, inv_scale, shift)
    if kernel is _AREA:
        # The overlap of output pixel j's span [L_j, L_j + 1/scale], carried back to the
        # input, with each input pixel's span [i, i + 1].
        left = xp.subtract(xp.multiply(outputs, inv_scale), shift)
        right = xp.add(left, inv_scale)
        inputs = _column(xp, xp.arange(in_size, dtype=dtype))
        weights = xp.maximum(0.0, xp.subtract(
            xp.minimum(_row(xp, right), xp.add(inputs, 1.0)),
            xp.maximum(_row(xp, left), inputs)))
    else:
        k = radius if edge_padding else 0
        inputs = xp.arange(-k, in_size + k, dtype=dtype)
        distance = xp.abs(xp.subtract(_row(xp, samples), _column(xp, inputs)))
        weights = kernel(xp, xp.divide(distance, kernel_scale))
        if edge_padding:
            return _normalized(xp, _fold_edges(xp, weights, k, in_size))
    weights = _normalized(xp, weights)
    inside = xp.logical_and(xp.greater_equal(samples, -0.5),
                            xp.less_equal(samples, in_size - 0.5))
    return xp.where(_row(xp, inside), weights, 0)


def _sample_points(xp, outputs, inv_scale, shift):
    # Output pixel centres carried back into input coordinates, less the half pixel.
    return xp.subtract(xp.subtract(xp.multiply(xp.add(outputs, 0.5), inv_scale), shift), 0.5)


def _apply_weights(image, shape: tuple[int, ...], spatial_dims: Sequence[int], inv_scales,
                   translations, method: ResizeMethod, antialias: bool, precision, dtype):
    """``image`` contracted with one weight matrix per axis in ``spatial_dims``."""
    if not spatial_dims:
        return image
    n = len(shape)
    operands: list = [image, list(range(n))]
    out_labels = list(range(n))
    for i, d in enumerate(spatial_dims):
        xp = np if isinstance(inv_scales[i], float) else jnp
        w = _weight_matrix(xp, shape_of(image)[d], shape[d], inv_scales[i], translations[i],
                           method, antialias, dtype)
        operands += [jnp.astype(w, dtype_of(image)), [d, n + i]]
        out_labels[d] = n + i
    return jnp.einsum(*operands, out_labels, precision=precision)


# ## Public functions

def _method_of(fun_name: str, method) -> ResizeMethod:
    if isinstance(method, str):
        return ResizeMethod.from_string(method)
    if not isinstance(method, ResizeMethod):
        raise TypeError(f"{fun_name}: method must be a ResizeMethod or one of the strings "
                        f"{sorted(_METHOD_NAMES)}, got {method!r}. (at {user_frame_str()})")
    return method


def _output_shape(fun_name: str, shape, image) -> tuple[int, ...]:
    """``shape`` as a tuple of ints, one per axis of ``image``."""
    try:
        shape = (operator.index(shape),) if isinstance(shape, (int, np.integer)) else tuple(
            operator.index(s) for s in shape)
    except TypeError:       # also a traced size: JAX's errors for tracers are TypeErrors
        raise TypeError(f"{fun_name}: shape must be a sequence of concrete ints, got "
                        f"{shape!r}; under jit, pass the shape as a static argument. "
                        f"(at {user_frame_str()})") from None
    if len(shape) != ndim_of(image):
        raise ValueError(f"{fun_name}: shape must have length equal to the number of "
                         f"dimensions of image; got shape {shape} for an image of shape "
                         f"{shape_of(image)}. (at {user_frame_str()})")
    return shape


def _resize_nearest(image, shape: tuple[int, ...]):
    for d, (m, n) in enumerate(zip(shape_of(image), shape)):
        if m != n:
            # The input pixel holding each output pixel's centre: float32 arithmetic, as
            # JAX computes these indices.
            centres = (np.arange(n, dtype=np.float32) + np.float32(0.5)) * np.float32(m)
            index = np.floor(centres / np.float32(n)).astype(np.int32)
            image = getitem(image, (slice(None),) * d + (index,))
    return image


@compiled_when_eager(n_arrays=1, static_argnames=("shape", "method", "antialias", "precision"))
def _resize(image, shape: tuple[int, ...], method: ResizeMethod, antialias: bool, precision):
    image = ensure_array(image)
    if method is ResizeMethod.NEAREST:
        return _resize_nearest(image, shape)
    image, = promote_dtypes_inexact(image)
    # Axes whose size stays are left alone: every kernel interpolates, so scale 1 and
    # translation 0 give the input back.
    dims = tuple(d for d, (m, n) in enumerate(zip(shape_of(image), shape)) if m != n)
    inv_scales = [1.0 / (1.0 if shape[d] == 0 else shape[d] / shape_of(image)[d])
                  for d in dims]
    return _apply_weights(image, shape, dims, inv_scales, [0.0] * len(dims), method,
                          antialias, precision, _dtypes.default_float_dtype())


def resize(image: ArrayLike, shape: Sequence[int], method: str | ResizeMethod,
           antialias: bool = True, precision: lax.PrecisionLike = lax.Precision.HIGHEST):
    """``image`` resampled to ``shape`` (one size per axis: leave batch and channel axes
    at their size) with the kernel ``method`` names (see :class:`ResizeMethod`).

    With ``antialias`` (the default), shrinking an axis widens the kernel so that it also
    smooths; growing is unaffected.  ``precision`` is the einsum's that applies the
    weights.  ``'nearest'`` keeps ``image``'s dtype and ignores ``antialias`` and
    ``precision``; the other methods return a floating dtype.

    >>> image = jnp.array([[0., 1.], [2., 3.]])
    >>> zenax.image.resize(image, (2, 4), "linear")
    Array([[0.  , 0.25, 0.75, 1.  ],
           [2.  , 2.25, 2.75, 3.  ]], dtype=float32)
    >>> zenax.image.resize(jnp.arange(4), (2,), "nearest")
    Array([1, 3], dtype=int32)
    """
    check_arraylike("resize", image)
    shape = _output_shape("resize", shape, image)
    return _resize(image, shape, _method_of("resize", method), antialias, precision)


@compiled_when_eager(n_arrays=3, static_argnames=("shape", "spatial_dims", "method",
                                                  "antialias", "precision"))
def _scale_and_translate(image, scale, translation, shape: tuple[int, ...],
                         spatial_dims: tuple[int, ...], method: ResizeMethod,
                         antialias: bool, precision):
    image, = promote_dtypes_inexact(ensure_array(image))
    scale, translation = promote_dtypes_inexact(scale, translation)
    inv_scales = [jnp.divide(1.0, getitem(scale, i)) for i in range(len(spatial_dims))]
    translations = [getitem(translation, i) for i in range(len(spatial_dims))]
    return _apply_weights(image, shape, spatial_dims, inv_scales, translations, method,
                          antialias, precision, dtype_of(scale))


def scale_and_translate(image: ArrayLike, shape: Sequence[int], spatial_dims: Sequence[int],
                        scale: ArrayLike, translation: ArrayLike, method: str | ResizeMethod,
                        antialias: bool = True,
                        precision: lax.PrecisionLike = lax.Precision.HIGHEST):
    """``image`` resampled onto an output grid of ``shape`` under the map that sends input
    coordinate ``x`` to ``x * scale[k] + translation[k]`` along axis ``spatial_dims[k]``.

    Pixel ``i`` covers ``[i, i + 1]`` (its centre is ``i + 0.5``); each output pixel's
    centre is carried back through the inverse map and the input is interpolated there
    with ``method``'s kernel (any :class:`ResizeMethod` but ``NEAREST``).  Output pixels
    whose centre lands outside the input are zero.  ``scale`` and ``translation`` are
    arrays of one value per spatial axis, and the result is differentiable in them.
    ``antialias`` and ``precision`` act as in :func:`resize`.

    >>> zenax.image.scale_and_translate(jnp.array([1., 2., 3.]), (6,), (0,),
    ...                                 jnp.array([2.]), jnp.array([1.]), "linear")
    Array([0.  , 1.  , 1.25, 1.75, 2.25, 2.75], dtype=float32)
    """
    check_arraylike("scale_and_translate", image, scale, translation)
    shape = _output_shape("scale_and_translate", shape, image)
    method = _method_of("scale_and_translate", method)
    if method is ResizeMethod.NEAREST:
        raise ValueError("scale_and_translate: nearest-neighbour resampling is not "
                         "supported; use resize, or 'linear'. "
                         f"(at {user_frame_str()})")
    spatial_dims = tuple(canonical_axis("scale_and_translate", d, len(shape))
                         for d in spatial_dims)
    for name, value in (("scale", scale), ("translation", translation)):
        if ndim_of(value) != 1:
            raise TypeError(f"scale_and_translate: {name} must be a 1-D array, got shape "
                            f"{shape_of(value)}. (at {user_frame_str()})")
        if shape_of(value)[0] != len(spatial_dims):
            raise ValueError(f"scale_and_translate: {name} must hold one value per spatial "
                             f"dimension ({len(spatial_dims)}), got shape "
                             f"{shape_of(value)}. (at {user_frame_str()})")
    return _scale_and_translate(image, scale, translation, shape, spatial_dims, method,
                                antialias, precision)


compile_marked(globals())
