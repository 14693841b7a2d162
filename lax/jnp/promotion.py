"""Turning arguments into arrays: array-likeness, dtype promotion, NumPy broadcasting.

Every zenax.numpy function starts here.  zenax.lax operations are strict -- operands
share one dtype and one shape (rank-0 operands excepted) -- so the NumPy-level functions
first *promote*: they compute the result dtype on JAX's lattice (weak types included),
convert the operands to it, and broadcast them to a common shape.

Python scalars are *weakly typed*: ``x * 2.0`` keeps ``x``'s dtype.  When the promoted
dtype is the scalar's own kind (float32 for ``2.0`` with x64 off) the scalar goes to the
lax op unchanged, so the jaxpr shows a literal (``mul a 2.0:f32[]``), exactly as JAX's.
"""
from __future__ import annotations

import functools
import operator
from typing import Any, Sequence

import jax
import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.avals import ShapedArray, is_array_stand_in, is_python_scalar
from zenax.tracer.core import Tracer, current_trace, get_aval
from zenax.tracer.errors import ConcretizationTypeError
from zenax.tracer.shapes import broadcast_shapes_or_none, incompatible_shapes_error
from zenax.tracer.source_info import user_frame_str
from zenax.tracer.staging import DynamicJaxprTrace
from zenax.lax.sharding_constraint import OutSharding, canonical_out_sharding, out_sharded

ArrayLike = Any   # a Tracer, jax.Array, NumPy array or scalar, or a Python scalar
DTypeLike = Any   # anything np.dtype accepts, plus jnp.float32 & co.

_CONCRETE_ARRAY_TYPES = (jax.Array, np.ndarray, np.generic)
_ARRAY_TYPES = (Tracer, jax.Array)


# --------------------------------------------------------------------------- array-likeness

def is_arraylike(x) -> bool:
    """True for the values zenax.numpy functions accept as arrays (not lists); as JAX, an
    object that gives one through ``__jax_array__`` (Flax's ``nnx.Param``) is one."""
    return (isinstance(x, (Tracer,) + _CONCRETE_ARRAY_TYPES) or is_python_scalar(x)
            or is_array_stand_in(x))


def check_arraylike(fun_name: str, *args) -> None:
    """Reject non-array arguments (lists, strings, ...) as JAX does.

    JAX refuses lists for most functions because converting them silently hides a
    Python loop of device transfers; the fix is one explicit ``jnp.asarray``.
    """
    for pos, x in enumerate(args):
        if not is_arraylike(x):
            raise TypeError(
                f"{fun_name} requires ndarray or scalar arguments, got {type(x)} at "
                f"position {pos}. (at {user_frame_str()})\n"
                f"Convert it first: {fun_name}(jnp.asarray(...)).")


def aval_of(x) -> ShapedArray:
    return get_aval(x)


def _fast_aval(x):
    # zenax's tracers and jax.Arrays carry an aval (shape, dtype, weak_type) already;
    # other values (NumPy, Python scalars) get theirs built.
    return x.aval if isinstance(x, _ARRAY_TYPES) else get_aval(x)


def ndim_of(x) -> int:
    return len(_fast_aval(x).shape)


def shape_of(x) -> tuple:
    return _fast_aval(x).shape


def dtype_of(x) -> np.dtype:
    return _fast_aval(x).dtype


def canonical_dtype(dtype: DTypeLike) -> np.dtype:
    """``float``, ``'float32'``, ``jnp.float32``, ``np.float64`` -> canonical np.dtype."""
    try:
        return _dtypes.canonicalize_dtype(np.dtype(dtype))
    except TypeError:
        raise TypeError(f"{dtype!r} is not a valid dtype. (at {user_frame_str()})") from None


def concrete_static(fun_name: str, arg_name: str, x):
    """A concrete Python value for a static argument, or a concretization error."""
    if isinstance(x, Tracer):
        value = x.to_concrete_value()
        if value is None:
            raise ConcretizationTypeError(
                x, f"It arose in the {fun_name} argument `{arg_name}`, which must be a "
                   "static (concrete) value because it determines a shape.\n")
        return value
    return x


def concrete_int(fun_name: str, arg_name: str, x) -> int:
    """A Python int for a static integer argument, or a concretization error."""
    return operator.index(concrete_static(fun_name, arg_name, x))


# --------------------------------------------------------------------------- dtypes

def to_inexact_dtype(dtype: np.dtype) -> np.dtype:
    """Integers and bools become the default float; inexact dtypes stay."""
    return dtype if _dtypes.is_inexact(dtype) else _dtypes.default_float_dtype()


def to_numeric_dtype(dtype: np.dtype) -> np.dtype:
    """Bool becomes the default int; numbers stay."""
    return _dtypes.default_int_dtype() if _dtypes.is_bool(dtype) else dtype


def _dtype_and_weak(x) -> tuple[np.dtype, bool]:
    aval = _fast_aval(x)
    return aval.dtype, aval.weak_type


def lattice_result_type(*args) -> tuple[np.dtype, bool]:
    """``(dtype, weak_type)`` of combining ``args`` on JAX's promotion lattice."""
    return _result_of_pairs([_dtype_and_weak(x) for x in args])


def _result_of_pairs(pairs: list) -> tuple[np.dtype, bool]:
    first = pairs[0]
    if not first[1] and all(p == first for p in pairs):
        return first            # one strong dtype: nothing to promote (the common case)
    return _cached_result_type(tuple(pairs), jax.config.jax_enable_x64,
                               jax.config.jax_numpy_dtype_promotion)


@functools.lru_cache(maxsize=4096)
def _cached_result_type(pairs: tuple, x64: bool, promotion: str) -> tuple[np.dtype, bool]:
    # The lattice walk is pure in (dtypes, weak flags, x64, the promotion mode: 'strict'
    # refuses implicit promotions); eager code asks the same
    # few questions over and over.
    return _dtypes.result_type(*pairs)


def _check_int_range(value: int, dtype: np.dtype) -> None:
    info = np.iinfo(dtype)
    if not info.min <= value <= info.max:
        raise OverflowError(f"Python int {value} too large to convert to {dtype.name} "
                            f"(at {user_frame_str()})")


def scalar_constant(value, dtype: np.dtype, weak: bool):
    """A Python scalar as a constant of exactly ``(dtype, weak)``.

    Weak values of a canonical kind stay Python scalars (``2.0`` for a weak float32), so
    jaxprs show them as literals; everything else becomes a 0-d NumPy array.
    """
    dtype = np.dtype(dtype)
    if dtype == np.dtype(bool) and isinstance(value, bool):
        return value
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if is_int:
        # A Python int must fit the default int; it then converts like an int32 value,
        # with wraparound, as in JAX (``uint8_array + -3`` is fine).
        _check_int_range(value, _dtypes.default_int_dtype())
    if weak:
        for kind in (int, float, complex):
            if dtype == _dtypes.python_scalar_dtype(kind(0)):
                return kind(value)
    if is_int:
        out = np.asarray(value, _dtypes.default_int_dtype()).astype(dtype)
    else:
        out = np.asarray(value, dtype)
    return lax._convert_element_type(out, dtype, weak_type=True) if weak else out


def scalar_operand(value, dtype: np.dtype, weak: bool):
    """A Python scalar as an operand of a promoted lax op.

    Passed through unchanged when ``dtype`` is the scalar's own dtype (the other operands
    then decide the weak type of the result); otherwise :func:`scalar_constant`.
    """
    dtype = np.dtype(dtype)
    if _dtypes.python_scalar_dtype(value) == dtype:
        if _dtypes.is_integer(dtype) and not isinstance(value, bool):
            _check_int_range(value, dtype)
        return value
    return scalar_constant(value, dtype, weak)


def convert_to(x, dtype: np.dtype, weak: bool = False):
    """Cast ``x`` to ``(dtype, weak)``: statically for constants, with lax for arrays."""
    if is_python_scalar(x):
        return scalar_operand(x, dtype, weak)
    if isinstance(x, (np.ndarray, np.generic)) and not weak:
        return x if x.dtype == dtype else np.asarray(x, dtype)
    return lax._convert_element_type(x, dtype, weak_type=weak)


def _unwrap_stand_ins(args) -> tuple:
    """``args`` with each array stand-in (an object with ``__jax_array__``, as Flax's
    ``nnx.Param``) replaced by the array it gives, as JAX's NumPy functions do."""
    return tuple(x.__jax_array__() if is_array_stand_in(x) else x for x in args)


def promote_dtypes(*args) -> list:
    """Convert ``args`` to their common dtype on JAX's lattice (weak types respected)."""
    if not args:
        return []
    args = _unwrap_stand_ins(args)
    pairs = [_dtype_and_weak(x) for x in args]
    target = _result_of_pairs(pairs)
    return [x if p == target else convert_to(x, *target) for x, p in zip(args, pairs)]


def _convert_arrays(args, pairs: list, target: tuple) -> list:
    # Arrays already of the target type pass untouched (eager dispatch pays per operand);
    # Python scalars always go through convert_to, which checks their range.
    return [x if p == target and not is_python_scalar(x) else convert_to(x, *target)
            for x, p in zip(args, pairs)]


def promote_dtypes_inexact(*args) -> list:
    """As :func:`promote_dtypes`, then integers and bools become the default float."""
    args = _unwrap_stand_ins(args)
    pairs = [_dtype_and_weak(x) for x in args]
    dtype, weak = _result_of_pairs(pairs)
    return _convert_arrays(args, pairs, (to_inexact_dtype(dtype), weak))


def promote_dtypes_numeric(*args) -> list:
    """As :func:`promote_dtypes`, then bool becomes the default int."""
    args = _unwrap_stand_ins(args)
    pairs = [_dtype_and_weak(x) for x in args]
    dtype, weak = _result_of_pairs(pairs)
    return _convert_arrays(args, pairs, (to_numeric_dtype(dtype), weak))


# --------------------------------------------------------------------------- shapes

def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape that arrays of ``shapes`` broadcast to.

    >>> jnp.broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    shapes = [(int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
              for shape in shapes]
    result = broadcast_shapes_or_none(shapes)
    if result is None:
        raise incompatible_shapes_error("broadcast_shapes", shapes, ValueError)
    return result


def broadcast_to_shape(x, shape: tuple):
    """Rank-promote and broadcast ``x`` to ``shape`` with one ``broadcast_in_dim``."""
    x_shape = shape_of(x)
    if x_shape == shape:
        return x
    offset = len(shape) - len(x_shape)
    return lax.broadcast_in_dim(x, shape, tuple(range(offset, len(shape))))


def promote_shapes(fun_name: str, *args) -> list:
    """Broadcast ``args`` to their common shape; rank-0 operands stay as they are
    (lax elementwise ops accept scalars), as in JAX's jaxprs."""
    if len(args) < 2:
        return list(args)
    shapes = [shape_of(x) for x in args]
    result = broadcast_shapes_or_none(shapes)
    if result is None:
        # As JAX: operands of equal rank meet lax's shape check (a TypeError); operands
        # of different ranks fail NumPy's rank-promoting broadcast (a ValueError).
        same_rank = len({len(s) for s in shapes}) == 1
        raise incompatible_shapes_error(fun_name, shapes, TypeError if same_rank else ValueError)
    return [x if not s or s == result else broadcast_to_shape(x, result)
            for x, s in zip(args, shapes)]


def common_strong_dtype(args, same_shape: bool = False) -> np.dtype | None:
    """The dtype of ``args`` if they are arrays (tracers or ``jax.Array``s) of one strong
    dtype (and, with ``same_shape``, one shape) -- dtype promotion (and broadcasting) then
    has nothing to do, the common case -- else None."""
    first = None
    for x in args:
        if not isinstance(x, _ARRAY_TYPES):
            return None
        aval = x.aval
        if aval.weak_type:
            return None
        if first is None:
            first = aval
        elif aval.dtype != first.dtype or (same_shape and aval.shape != first.shape):
            return None
    return None if first is None else first.dtype


_is_inexact = functools.lru_cache(maxsize=None)(_dtypes.is_inexact)


def promote_args(fun_name: str, *args) -> list:
    """Check, promote dtypes and broadcast: the prologue of a binary ufunc."""
    if common_strong_dtype(args, same_shape=True) is not None:
        return list(args)
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name, *promote_dtypes(*args))


def promote_args_inexact(fun_name: str, *args) -> list:
    dtype = common_strong_dtype(args, same_shape=True)
    if dtype is not None and _is_inexact(dtype):
        return list(args)
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name, *promote_dtypes_inexact(*args))


def promote_args_numeric(fun_name: str, *args) -> list:
    dtype = common_strong_dtype(args, same_shape=True)
    if dtype is not None and not _dtypes.is_bool(dtype):
        return list(args)
    check_arraylike(fun_name, *args)
    return promote_shapes(fun_name, *promote_dtypes_numeric(*args))


# --------------------------------------------------------------------------- asarray

def _device_array(value):
    """A ``jax.Array`` holding a NumPy value or Python scalar.

    ``jax.device_put`` is the runtime's way of making a buffer; no computation happens.
    While a function is being staged (``jit``, ``make_jaxpr``, a loop body), the array is
    a constant *of that program*, a tracer, as in JAX: ``jnp.array(x.shape).prod()`` is
    then a traced value, which Python code cannot use as a shape.
    """
    array = jax.device_put(value)
    trace = current_trace()
    while trace is not None and type(trace) is not DynamicJaxprTrace:
        trace = trace.parent       # (staged under vmap/jvp inside jit too, as in JAX)
    return array if trace is None else trace.to_jaxpr_tracer(array)


def _flatten_sequence(seq) -> list:
    leaves = []
    for item in seq:
        if isinstance(item, (list, tuple)):
            leaves.extend(_flatten_sequence(item))
        else:
            leaves.append(item)
    return leaves


def _sequence_has_arrays(leaves) -> bool:
    return any(isinstance(x, (Tracer, jax.Array)) for x in leaves)


def _array_from_sequence(seq, dtype):
    """``jnp.array([x, y])`` where some elements are traced: stack them."""
    parts = []
    for item in seq:
        part = (_array_from_sequence(item, dtype) if isinstance(item, (list, tuple))
                else asarray(item, dtype))
        parts.append(lax.broadcast_in_dim(part, (1,) + shape_of(part),
                                          tuple(range(1, ndim_of(part) + 1))))
    if not parts:
        return _device_array(np.zeros((0,), dtype))
    return lax.concatenate(parts, 0)


def asarray(a: Any, dtype: DTypeLike | None = None, order: str | None = None, *,
            copy: bool | None = None, device=None, out_sharding: OutSharding = None):
    """Convert ``a`` (array, scalar, nested list/tuple) to an array.

    Concrete inputs become ``jax.Array``s; traced arrays are returned (cast if ``dtype``
    is given).  Python scalars stay weakly typed unless ``dtype`` is given.

    >>> jnp.asarray([1, 2.5]).dtype
    dtype('float32')
    """
    if out_sharding is not None:      # as JAX: array() without a forced copy
        return array(a, dtype, bool(copy), order, device=device, out_sharding=out_sharding)
    if order not in (None, "C", "K", "A"):
        raise NotImplementedError(f"asarray: order={order!r} is not supported "
                                  "(zenax arrays are always row-major).")
    dtype = None if dtype is None else canonical_dtype(dtype)
    if isinstance(a, (Tracer, jax.Array)):
        return a if dtype is None else lax._convert_element_type(a, dtype, weak_type=False)
    if is_python_scalar(a):
        if dtype is None:
            return _device_array(a)   # keeps the weak type, as jnp.asarray(2.0)
        if isinstance(a, int) and not isinstance(a, bool) and _dtypes.is_integer(dtype):
            # An int with an explicit integer dtype must fit that dtype, as in JAX:
            # ``jnp.array(2**32 - 1, jnp.uint32)`` works, ``jnp.array(300, jnp.int8)`` not.
            info = _dtypes.iinfo(dtype)
            if not info.min <= a <= info.max:
                raise OverflowError(f"Python integer {a} out of bounds for {dtype.name} "
                                    f"(at {user_frame_str()})")
            return _device_array(np.asarray(a, dtype))
        return _device_array(scalar_constant(a, dtype, False))
    if isinstance(a, (np.ndarray, np.generic)):
        target = dtype if dtype is not None else canonical_dtype(a.dtype)
        return _device_array(np.asarray(a, target))
    if isinstance(a, (list, tuple)):
        leaves = _flatten_sequence(a)
        for leaf in leaves:
            if not is_arraylike(leaf):
                raise TypeError(f"asarray: unsupported element {leaf!r} of type "
                                f"{type(leaf).__name__} in a sequence (at {user_frame_str()}).")
        if dtype is None:
            dtype = (lattice_result_type(*leaves)[0] if leaves
                     else _dtypes.default_float_dtype())
        if _sequence_has_arrays(leaves):
            return _array_from_sequence(a, dtype)
        return _device_array(np.asarray(np.asarray(a), dtype))
    if hasattr(a, "__jax_array__"):
        return asarray(a.__jax_array__(), dtype)
    if a is None:
        raise ValueError(f"asarray: None is not a valid value for an array "
                         f"(at {user_frame_str()}).")
    # Anything else NumPy turns into a numeric array (a range, an object with __array__
    # or the buffer protocol) is taken as that array, as JAX does.
    try:
        converted = np.asarray(a)
    except Exception:  # noqa: BLE001 -- not convertible: the TypeError below says so
        converted = None
    if converted is not None and converted.dtype.kind in "biufc":
        return asarray(converted, dtype)
    raise TypeError(f"asarray: cannot convert {a!r} of type {type(a).__name__} to an array "
                    f"(at {user_frame_str()}); expected an array, a scalar, or a nested "
                    "list/tuple of those.")


def array(object: Any, dtype: DTypeLike | None = None, copy: bool = True, order: str = "K",
          ndmin: int = 0, *, device=None, out_sharding: OutSharding = None):
    """Create an array from ``object`` (arrays are immutable, so ``copy`` is moot).

    >>> jnp.array([[1, 2], [3, 4]], dtype=jnp.float32).shape
    (2, 2)
    """
    if out_sharding is not None:
        out_sharding = canonical_out_sharding("zenax.numpy.array", out_sharding)
        if (not copy and device is None and isinstance(object, np.ndarray)
                and (dtype is None or canonical_dtype(dtype) == object.dtype)
                and ndmin <= object.ndim):
            # JAX hands such a NumPy array to device_put without the sharding (the copy
            # it avoids), so the result is not resharded; we do the same.
            out_sharding = None
    out = asarray(object, dtype, order)
    missing = int(ndmin) - ndim_of(out)
    if missing > 0:
        out = lax.broadcast_in_dim(out, (1,) * missing + shape_of(out),
                                   tuple(range(missing, missing + ndim_of(out))))
    return out_sharded("zenax.numpy.array", out, out_sharding)


def copy(a: ArrayLike, order: str | None = None):
    """A copy of ``a`` in a new buffer (a ``copy`` equation, as JAX's): it outlives ``a``
    when ``a`` is donated to a jitted function.

    >>> x = jnp.arange(3)
    >>> jnp.copy(x) is x
    False
    """
    out = asarray(a, order=order)
    return lax.copy_p.bind(out) if isinstance(a, (Tracer, jax.Array)) else out


def ensure_array(x):
    """``x`` itself if traced or a jax.Array, else :func:`asarray` of it."""
    return x if isinstance(x, (Tracer, jax.Array)) else asarray(x)


def broadcast_to(array: ArrayLike, shape: Sequence[int] | int, *,
                 out_sharding: OutSharding = None):
    """Broadcast ``array`` to ``shape`` (NumPy rules; rank may only grow).

    >>> jnp.broadcast_to(jnp.arange(3), (2, 3)).shape
    (2, 3)
    """
    check_arraylike("broadcast_to", array)
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
    x_shape = shape_of(array)
    compatible = len(x_shape) <= len(shape) and all(
        d in (1, t) for d, t in zip(x_shape[::-1], shape[::-1]))
    if compatible and any(d < 0 for d in shape):      # (checked second, as JAX)
        raise TypeError(f"broadcast_to: the shape must have non-negative dimensions, got "
                        f"{shape} (at {user_frame_str()}).")
    if not compatible:
        raise ValueError(f"broadcast_to: Incompatible shapes for broadcasting: {x_shape} and "
                         f"requested shape {shape} (at {user_frame_str()}).")
    out = ensure_array(broadcast_to_shape(ensure_array(array), shape))
    return out_sharded("zenax.numpy.broadcast_to", out, out_sharding)


def broadcast_arrays(*args: ArrayLike) -> list:
    """Broadcast all ``args`` to their common shape.

    >>> [a.shape for a in jnp.broadcast_arrays(jnp.ones(3), jnp.ones((2, 1)))]
    [(2, 3), (2, 3)]
    """
    check_arraylike("broadcast_arrays", *args)
    shape = broadcast_shapes(*[shape_of(x) for x in args])
    return [broadcast_to(x, shape) for x in args]


# --------------------------------------------------------------------------- dtype queries

def _result_type_arg(x) -> tuple[np.dtype, bool]:
    if any(x is t for t in (int, float, complex)):   # Python types: weak values of their kind
        return _dtypes.python_scalar_dtype(x(0)), True
    if x is bool:
        return np.dtype(bool), False
    if is_arraylike(x):
        return _dtype_and_weak(x)
    return canonical_dtype(x), False


def result_type(*args: Any) -> np.dtype:
    """The dtype of combining ``args`` (arrays, scalars, dtypes) on JAX's lattice.

    >>> jnp.result_type(jnp.int8, 2.0)
    dtype('float32')
    """
    if not args:
        raise ValueError("at least one array or dtype is required")
    pairs = [_result_type_arg(x) for x in args]
    keys = _dtypes.keys_result_type([d for d, _ in pairs])
    return keys if keys is not None else _dtypes.result_type(*pairs)[0]


def promote_types(a: DTypeLike, b: DTypeLike) -> np.dtype:
    """The smallest dtype both ``a`` and ``b`` convert to, on JAX's lattice (Python's
    ``int``/``float``/``complex`` are weak: they take the other's precision).

    >>> jnp.promote_types(jnp.int8, jnp.uint8)
    dtype('int16')
    >>> jnp.promote_types('uint8', int)
    dtype('uint8')
    """
    return _dtypes.promote_types(a, b)


def can_cast(from_: DTypeLike, to: DTypeLike, casting: str = "safe") -> bool:
    """Whether ``from_`` converts to ``to`` under NumPy's ``casting`` rule."""
    if is_arraylike(from_):
        from_ = dtype_of(from_)
    return bool(np.can_cast(np.dtype(from_), np.dtype(to), casting))
