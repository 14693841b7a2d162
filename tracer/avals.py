"""Abstract values: what a tracer knows about the array it stands for.

An abstract value (``aval``) is the type of an array in a jaxpr: its shape, its dtype and
whether it is *weakly typed* (came from a Python scalar, so it adopts the dtype of the
arrays it meets).  Every primitive's ``abstract_eval`` rule maps input avals to output
avals; tracing never needs the numbers.
"""
from __future__ import annotations

import math

import jax
import numpy as np

from . import dtypes


class ShapedArray:
    """The aval of an array: ``ShapedArray((3, 4), float32)`` prints as ``float32[3,4]``
    (``f32[3,4]`` in a jaxpr, :meth:`str_short`).

    ``dtype`` is a NumPy dtype, or JAX's PRNG key dtype for an array of typed keys
    (``key<fry>[3]``): such an aval has the logical shape, without the key's own
    ``uint32[2]`` data axis."""

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape, dtype, weak_type: bool = False):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = _as_dtype(dtype)
        self.weak_type = bool(weak_type)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def sharding(self):
        """How the array is laid out over the current abstract mesh, as in JAX: zenax
        arrays are not sharded by their type, so every dimension is unsplit (``P(None,
        ...)``). Libraries read it to pass ``out_sharding=`` on."""
        from jax.sharding import NamedSharding, PartitionSpec, get_abstract_mesh
        return NamedSharding(get_abstract_mesh(), PartitionSpec(*[None] * self.ndim))

    def update(self, shape=None, dtype=None, weak_type=None) -> "ShapedArray":
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def strip_weak_type(self) -> "ShapedArray":
        return self.update(weak_type=False) if self.weak_type else self

    def to_tangent_aval(self) -> "ShapedArray":
        """The type of this value's tangents (JAX's method name, which libraries call to
        build zero tangents): the same shape and dtype, not weak. zenax keeps an integer
        value's tangent, always a symbolic zero, in the integer dtype where JAX uses
        float0 (see ``lax.registry.tangent_aval``)."""
        return self.strip_weak_type()

    def str_short(self) -> str:
        return f"{dtypes.short_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def __eq__(self, other):
        return (type(other) is ShapedArray and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    # str and repr spell the dtype out, as JAX's: ``float32[3]``, ``~float32[]`` (weak),
    # ``ShapedArray(float32[3])``; the jaxpr printer and short messages use str_short.
    def _str_long(self) -> str:
        return f"{self.dtype.name}[{','.join(map(str, self.shape))}]"

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self._str_long()}{weak})"

    def __str__(self):
        return ("~" if self.weak_type else "") + self._str_long()


def _as_dtype(dtype):
    try:
        return np.dtype(dtype)
    except TypeError:
        if dtypes.is_extended(dtype):
            return dtype
        raise


_PY_SCALARS = (bool, int, float, complex)


def is_python_scalar(x) -> bool:
    return type(x) in _PY_SCALARS or (isinstance(x, _PY_SCALARS) and not isinstance(x, np.generic))


def _array_aval(x) -> ShapedArray:
    # A jax.Array's shape is a tuple of ints and its dtype a numpy dtype already: skip
    # the conversions of ShapedArray.__init__ (eager dispatch runs this per operand).
    aval = object.__new__(ShapedArray)
    aval.shape, aval.dtype, aval.weak_type = x.shape, x.dtype, x.weak_type
    return aval


def is_array_stand_in(x) -> bool:
    """Whether ``x`` is not an array but gives one through ``__jax_array__`` (Flax's
    ``nnx.Param``), which JAX's NumPy functions take as that array. (JAX's own tracers
    define the method too, to refuse it.)"""
    return hasattr(type(x), "__jax_array__") and not isinstance(x, jax.Array)


# Concrete array classes seen (jax's ArrayImpl): learned on first sight below.
_ARRAY_IMPL_TYPES: set = set()


def concrete_aval(x) -> ShapedArray:
    """The aval of a concrete value: a ``jax.Array``, NumPy array/scalar or Python scalar."""
    if type(x) in _ARRAY_IMPL_TYPES:
        return _array_aval(x)
    if is_python_scalar(x):
        return ShapedArray((), dtypes.python_scalar_dtype(x), weak_type=not isinstance(x, bool))
    if isinstance(x, (np.ndarray, np.generic)):
        return ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype))
    if is_array_stand_in(x):   # (before the duck typing below, which would take it)
        y = x.__jax_array__()
        aval = getattr(y, "aval", None)   # a zenax tracer's
        return aval if isinstance(aval, ShapedArray) else concrete_aval(y)
    dtype = getattr(x, "dtype", None)
    shape = getattr(x, "shape", None)
    if dtype is not None and shape is not None and hasattr(x, "__array__"):  # jax.Array
        if hasattr(x, "weak_type") and type(shape) is tuple and isinstance(dtype, np.dtype):
            _ARRAY_IMPL_TYPES.add(type(x))
        return ShapedArray(shape, dtype, weak_type=getattr(x, "weak_type", False))
    raise TypeError(
        f"Value {x!r} of type {type(x).__name__} is not a valid zenax type: expected an "
        "array (jax.Array, numpy.ndarray), a Python/NumPy scalar, or a pytree of those.")


def raise_to_shaped(aval: ShapedArray, weak_type=None) -> ShapedArray:
    return aval if weak_type is None else aval.update(weak_type=weak_type)
