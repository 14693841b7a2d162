"""Array creation: zeros/ones/full(_like), arange, linspace, logspace, eye, tri, meshgrid.

Constant arrays are one ``broadcast_in_dim`` of a scalar literal (``jnp.zeros((2, 3))``
is ``broadcast_in_dim[shape=(2, 3)] 0.0:f32[]``), ranges are built on ``iota``.  Shapes,
sizes and ``arange`` bounds are static: they must be concrete Python values.
"""
from __future__ import annotations

import math
import operator

import jax
import numpy as np

from zenax import lax
from zenax.lax.eager import compiled_when_eager
from zenax.lax.sharding_constraint import OutSharding, out_sharded
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.avals import is_python_scalar
from zenax.tracer.core import Tracer
from zenax.tracer.errors import JAXTypeError, TracerIntegerConversionError
from zenax.tracer.source_info import user_frame_str

from .promotion import (ArrayLike, DTypeLike, asarray, aval_of, broadcast_shapes,
                        broadcast_to, canonical_dtype, check_arraylike, concrete_static,
                        convert_to, ensure_array, is_arraylike, lattice_result_type, ndim_of,
                        scalar_constant, shape_of, to_inexact_dtype)


def canonical_shape(fun_name: str, shape) -> tuple[int, ...]:
    """``3`` or ``(2, 3)`` -> a tuple of non-negative Python ints (shapes are static)."""
    try:
        # (np.ndim of a tuple holding a tracer would convert it: look at sequences first)
        seq = isinstance(shape, (tuple, list)) or np.ndim(shape) != 0
        dims = tuple(_static_dim(fun_name, d) for d in (shape if seq else (shape,)))
    except JAXTypeError:   # a traced value (ConcretizationTypeError, TracerIntegerConversionError)
        raise   # a traced dimension: the error already says how to fix it
    except TypeError:
        raise TypeError(f"{fun_name}: shape must be an int or a sequence of ints, got "
                        f"{shape!r} (at {user_frame_str()}).") from None
    if any(d < 0 for d in dims):   # a TypeError, as in JAX
        raise TypeError(f"{fun_name}: negative dimensions are not allowed, got shape "
                        f"{dims} (at {user_frame_str()}); expected sizes >= 0.")
    return dims


def _static_dim(fun_name: str, d) -> int:
    if isinstance(d, Tracer) and d.to_concrete_value() is None:
        raise TracerIntegerConversionError(
            d, f"It arose in the {fun_name} argument `shape`: shapes must be concrete "
               "(static) integers, because they determine the type of the result.\n")
    return operator.index(d)


def _fill_scalar(value, dtype, weak):
    """A scalar fill value of exactly ``(dtype, weak)``."""
    if is_python_scalar(value):
        return scalar_constant(value, dtype, weak)
    return convert_to(value, dtype, weak)


def _full(shape: tuple, fill_value, dtype, weak):
    if ndim_of(fill_value) == 0:
        fill = _fill_scalar(fill_value, dtype, weak)
        return ensure_array(lax.broadcast_in_dim(fill, shape, ()))
    return broadcast_to(asarray(fill_value, dtype), shape)


def _placed(fun_name: str, out, device, out_sharding: OutSharding):
    """``out`` moved to ``out_sharding`` (``device`` is where eager arrays already are);
    as in JAX, only one of the two may be given."""
    if device is not None and out_sharding is not None:
        raise ValueError(f"{fun_name}: only one of `device` or `out_sharding` can be set; "
                         f"got device={device!r} and out_sharding={out_sharding!r}.")
    return out_sharded(f"zenax.numpy.{fun_name}", out, out_sharding)


def full(shape, fill_value: ArrayLike, dtype: DTypeLike | None = None, *, device=None,
         out_sharding: OutSharding = None):
    """An array of ``shape`` filled with ``fill_value``.

    >>> jnp.full((2, 2), 7, dtype=jnp.int8)
    Array([[7, 7],
           [7, 7]], dtype=int8)
    """
    check_arraylike("full", fill_value)
    shape = canonical_shape("full", shape)
    if dtype is None:
        aval = aval_of(fill_value)
        out = _full(shape, fill_value, aval.dtype, aval.weak_type)
    else:
        out = _full(shape, fill_value, canonical_dtype(dtype), False)
    return _placed("full", out, device, out_sharding)


def zeros(shape, dtype: DTypeLike | None = None, *, device=None,
          out_sharding: OutSharding = None):
    """An array of zeros (float32 unless ``dtype`` is given).

    >>> jnp.zeros((2, 3)).shape
    (2, 3)
    """
    dtype = _dtypes.default_float_dtype() if dtype is None else canonical_dtype(dtype)
    out = _full(canonical_shape("zeros", shape), 0, dtype, False)
    return _placed("zeros", out, device, out_sharding)


def ones(shape, dtype: DTypeLike | None = None, *, device=None,
         out_sharding: OutSharding = None):
    """An array of ones. Example: ``jnp.ones(3, dtype=jnp.int32)``."""
    dtype = _dtypes.default_float_dtype() if dtype is None else canonical_dtype(dtype)
    out = _full(canonical_shape("ones", shape), 1, dtype, False)
    return _placed("ones", out, device, out_sharding)


def empty(shape, dtype: DTypeLike | None = None, *, device=None,
          out_sharding: OutSharding = None):
    """Like :func:`zeros`: XLA arrays have no uninitialized state."""
    dtype = _dtypes.default_float_dtype() if dtype is None else canonical_dtype(dtype)
    out = _full(canonical_shape("empty", shape), 0, dtype, False)
    return _placed("empty", out, device, out_sharding)


def full_like(a: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None,
              shape=None, *, device=None, out_sharding: OutSharding = None):
    """An array shaped (and typed) like ``a``, filled with ``fill_value``.

    Keeps ``a``'s weak type when ``dtype`` is not given, as JAX does.

    >>> jnp.full_like(jnp.ones(3), 2).tolist()
    [2.0, 2.0, 2.0]
    """
    if not is_arraylike(a) and hasattr(a, "shape") and hasattr(a, "dtype"):
        # Anything with a shape and a dtype (a ShapeDtypeStruct) is a template, as in JAX,
        # whose result is never weakly typed (JAX looks for a weak type on arrays only).
        check_arraylike("full_like", fill_value)
        a_shape, a_dtype, a_weak = tuple(a.shape), np.dtype(a.dtype), False
    else:
        check_arraylike("full_like", a, fill_value)
        aval = aval_of(a)
        a_shape, a_dtype, a_weak = aval.shape, aval.dtype, aval.weak_type
    shape = a_shape if shape is None else canonical_shape("full_like", shape)
    if dtype is None:
        out = _full(shape, fill_value, a_dtype, a_weak)
    else:
        out = _full(shape, fill_value, canonical_dtype(dtype), False)
    if device is None and out_sharding is None and shape == a_shape:
        out = _laid_out_like(a, out)
    return _placed("full_like", out, device, out_sharding)


def _laid_out_like(a, out):
    """As JAX: a strongly typed result shaped like a concrete array (or a template) that
    is sharded over a mesh is sharded the same way (Optax's ``zeros_like`` moments of a
    sharded parameter are)."""
    sharding = getattr(a, "sharding", None)
    if (isinstance(a, Tracer) or isinstance(out, Tracer)
            or not isinstance(sharding, jax.sharding.NamedSharding)
            or not getattr(a, "_committed", True) or aval_of(out).weak_type):
        return out
    return jax.device_put(out, sharding)


def zeros_like(a: ArrayLike, dtype: DTypeLike | None = None, shape=None, *, device=None,
               out_sharding: OutSharding = None):
    """Zeros shaped like ``a``. Example: ``jnp.zeros_like(x)``."""
    return _placed("zeros_like", full_like(a, 0, dtype, shape), device, out_sharding)


def ones_like(a: ArrayLike, dtype: DTypeLike | None = None, shape=None, *, device=None,
              out_sharding: OutSharding = None):
    """Ones shaped like ``a``. Example: ``jnp.ones_like(x)``."""
    return _placed("ones_like", full_like(a, 1, dtype, shape), device, out_sharding)


def empty_like(prototype: ArrayLike, dtype: DTypeLike | None = None, shape=None, *,
               device=None):
    """Like :func:`zeros_like`."""
    return full_like(prototype, 0, dtype, shape)


# --------------------------------------------------------------------------- ranges

def _static_number(fun_name: str, arg_name: str, x):
    x = concrete_static(fun_name, arg_name, x)
    if not is_python_scalar(x):
        if np.ndim(x) != 0:
            raise ValueError(f"{fun_name}: `{arg_name}` must be a scalar, got shape "
                             f"{np.shape(x)} (at {user_frame_str()}).")
        x = np.asarray(x).item()
    return x


def arange(start: ArrayLike, stop: ArrayLike | None = None, step: ArrayLike | None = None,
           dtype: DTypeLike | None = None, *, device=None,
           out_sharding: OutSharding = None):
    """Evenly spaced values in ``[start, stop)``; the bounds must be static.

    >>> jnp.arange(1, 7, 2)
    Array([1, 3, 5], dtype=int32)
    """
    if start is None:
        raise TypeError("arange: the first argument (start, or stop when it is the only one) "
                        "must be a number, got None.")
    given = [x for x in (start, stop, step) if x is not None]
    if dtype is None:
        dtype = lattice_result_type(*given)[0]
    dtype = canonical_dtype(dtype)
    start = _static_number("arange", "start", start)
    if stop is None:      # arange(stop) and arange(stop, step=s) count from 0
        start, stop = 0, start
    stop = _static_number("arange", "stop", stop)
    step = 1 if step is None else _static_number("arange", "step", step)
    if step == 0:
        raise ValueError("arange: step must not be zero.")
    size = max(0, math.ceil((stop - start) / step))
    if all(isinstance(v, int) for v in (start, stop, step)):
        size = max(0, -(-(stop - start) // step))   # exact for big integers
    out = lax.iota(dtype, size)
    if step != 1:
        out = lax.mul(scalar_constant(step, dtype, False), out)
    if start != 0:
        out = lax.add(scalar_constant(start, dtype, False), out)
    return _placed("arange", out, device, out_sharding)


# Jitted as jax.numpy's is: XLA's fused arithmetic rounds some values differently from
# op-by-op evaluation, and histogram edges must fall where JAX's do.
@compiled_when_eager(n_arrays=2, static_argnames=("num", "endpoint", "retstep", "dtype",
                                                  "axis"))
def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: DTypeLike | None = None, axis: int = 0, *,
             device=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` (inclusive by default).

    ``start`` and ``stop`` may be arrays (and traced); ``num`` must be static.

    >>> jnp.linspace(0, 1, 5)
    Array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    check_arraylike("linspace", start, stop)
    num = operator.index(concrete_static("linspace", "num", num))
    if num < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative.")
    if dtype is None:
        dtype = to_inexact_dtype(lattice_result_type(start, stop)[0])
    dtype = canonical_dtype(dtype)
    computation_dtype = to_inexact_dtype(dtype)
    start = asarray(start, computation_dtype)
    stop = asarray(stop, computation_dtype)
    bounds_shape = list(broadcast_shapes(shape_of(start), shape_of(stop)))
    start = broadcast_to(start, tuple(bounds_shape))
    stop = broadcast_to(stop, tuple(bounds_shape))
    axis = axis + len(bounds_shape) + 1 if axis < 0 else axis
    expanded_shape = bounds_shape[:axis] + [1] + bounds_shape[axis:]
    div = num - 1 if endpoint else num
    if div > 0:
        delta = lax.div(lax.sub(stop, start), scalar_constant(div, computation_dtype, False))
    else:
        delta = full(bounds_shape, np.nan, computation_dtype)
    if num > 1:
        iota_shape = [1] * len(expanded_shape)
        iota_shape[axis] = div
        steps = lax.div(lax.broadcasted_iota(computation_dtype, (div,), 0),
                        scalar_constant(div, computation_dtype, False))
        steps = lax.reshape(steps, iota_shape)
        out_shape = list(expanded_shape)
        out_shape[axis] = div
        lo = broadcast_to(lax.reshape(start, expanded_shape), tuple(out_shape))
        hi = broadcast_to(lax.reshape(stop, expanded_shape), tuple(out_shape))
        steps = broadcast_to(steps, tuple(out_shape))
        one_minus = lax.sub(scalar_constant(1, computation_dtype, False), steps)
        out = lax.add(lax.mul(lo, one_minus), lax.mul(hi, steps))
        if endpoint:
            out = lax.concatenate([out, lax.reshape(stop, expanded_shape)], axis)
    elif num == 1:
        out = lax.reshape(start, expanded_shape)
    else:
        out_shape = list(expanded_shape)
        out_shape[axis] = 0
        out = zeros(out_shape, computation_dtype)
    if _dtypes.is_integer(dtype):
        out = lax.floor(out)
    out = ensure_array(convert_to(out, dtype))
    return (out, delta) if retstep else out


def logspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             base: ArrayLike = 10.0, dtype: DTypeLike | None = None, axis: int = 0):
    """``base ** linspace(start, stop, num)``.

    >>> jnp.logspace(0, 2, 3)
    Array([  1.,  10., 100.], dtype=float32)
    """
    check_arraylike("logspace", start, stop, base)
    if dtype is None:
        dtype = to_inexact_dtype(lattice_result_type(start, stop)[0])
    dtype = canonical_dtype(dtype)
    computation_dtype = to_inexact_dtype(dtype)
    lin = linspace(start, stop, num, endpoint=endpoint, dtype=computation_dtype, axis=axis)
    base = asarray(base, computation_dtype)
    if ndim_of(base):
        base = lax.expand_dims(base, (axis,))
        shape = broadcast_shapes(shape_of(base), shape_of(lin))
        base, lin = broadcast_to(base, shape), broadcast_to(lin, shape)
    out = lax.pow(base, lin)
    if _dtypes.is_integer(dtype):
        out = lax.floor(out)
    return convert_to(out, dtype)


# --------------------------------------------------------------------------- eye and tri

def _static_dims(fun_name: str, N, M) -> tuple[int, int]:
    N = operator.index(concrete_static(fun_name, "N", N))
    M = N if M is None else operator.index(concrete_static(fun_name, "M", M))
    if N < 0 or M < 0:
        raise ValueError(f"{fun_name}: negative dimensions are not allowed, got N={N}, M={M}.")
    return N, M


def _diagonal_mask(compare, shape: tuple, k: int):
    """``compare(row + k, col)`` over a ``shape`` grid of int32 indices."""
    rows = lax.broadcasted_iota(np.int32, shape, len(shape) - 2)
    cols = lax.broadcasted_iota(np.int32, shape, len(shape) - 1)
    rows = lax.add(rows, scalar_constant(k, np.dtype(np.int32), False))
    return compare(rows, cols)


def _diagonal_array(fun_name: str, compare, N, M, k, dtype):
    """``eye`` and ``tri``: the ``N`` x ``M`` mask ``compare(row + k, col)`` as ``dtype``."""
    N, M = _static_dims(fun_name, N, M)
    dtype = _dtypes.default_float_dtype() if dtype is None else canonical_dtype(dtype)
    k = operator.index(concrete_static(fun_name, "k", k))
    return lax.convert_element_type(_diagonal_mask(compare, (N, M), k), dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike | None = None, *,
        device=None):
    """A 2-D array with ones on the ``k``-th diagonal and zeros elsewhere.

    >>> jnp.eye(2, dtype=jnp.int32)
    Array([[1, 0],
           [0, 1]], dtype=int32)
    """
    return _diagonal_array("eye", lax.eq, N, M, k, dtype)


def identity(n: int, dtype: DTypeLike | None = None):
    """The ``n`` x ``n`` identity matrix. Example: ``jnp.identity(3)``."""
    return eye(n, dtype=dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike | None = None):
    """Ones at and below the ``k``-th diagonal, zeros above.

    >>> jnp.tri(2, dtype=jnp.int32)
    Array([[1, 0],
           [1, 1]], dtype=int32)
    """
    return _diagonal_array("tri", lax.ge, N, M, k, dtype)


def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> list:
    """Coordinate grids from 1-D coordinate vectors.

    >>> [g.shape for g in jnp.meshgrid(jnp.arange(3), jnp.arange(2))]
    [(2, 3), (2, 3)]
    """
    check_arraylike("meshgrid", *xi)
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}.")
    args = [ensure_array(x) for x in xi]
    if any(ndim_of(a) != 1 for a in args):
        raise ValueError("meshgrid requires 1-D arguments, got shapes "
                         f"{[shape_of(a) for a in args]} (at {user_frame_str()}).")
    dims = list(range(len(args)))
    if indexing == "xy" and len(args) >= 2:
        dims[0], dims[1] = 1, 0
    shape = [0] * len(args)
    for a, d in zip(args, dims):
        shape[d] = shape_of(a)[0]
    out = []
    for a, d in zip(args, dims):
        if sparse:
            target = tuple(s if i == d else 1 for i, s in enumerate(shape))
        else:
            target = tuple(shape)
        out.append(ensure_array(lax.broadcast_in_dim(a, target, (d,))))
    return out
