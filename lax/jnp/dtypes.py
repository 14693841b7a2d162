"""Dtype objects and constants of the numpy namespace: ``jnp.float32``, ``jnp.inf``, ...

``jnp.float32`` is both a dtype specifier (``x.astype(jnp.float32)``,
``x.dtype == jnp.float32``) and a constructor that returns a zenax array
(``jnp.float32(3)``), like JAX's scalar types: there are no scalar objects, only 0-d
arrays.  The abstract categories (``jnp.floating``, ``jnp.integer``) are NumPy's.
"""
from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

from zenax.tracer import dtypes as _dtypes

from .promotion import asarray, dtype_of, is_arraylike

# What `from .dtypes import *` brings into lax/jnp/__init__.py (it names the others).
__all__ = ["ComplexWarning", "bool", "float4_e2m1fn", "float6_e2m3fn", "float6_e3m2fn",
           "float8_e3m4", "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fnuz",
           "float8_e5m2fnuz", "float8_e8m0fnu", "int1", "int2", "int4", "uint1", "uint2",
           "uint4"]


class _ScalarMeta(type):
    """The metaclass of ``jnp.float32`` & co: usable as a dtype and as a constructor."""

    dtype: np.dtype

    @property
    def __numpy_dtype__(cls) -> np.dtype:   # NumPy >= 2.4's protocol for np.dtype(cls)
        return cls.dtype

    def __hash__(cls) -> int:
        return hash(cls.dtype.type)

    def __eq__(cls, other: Any) -> bool:
        return cls is other or cls.dtype.type == other

    def __ne__(cls, other: Any) -> bool:
        return not cls == other

    def __call__(cls, x: Any):
        return asarray(x, dtype=cls.dtype)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls.dtype.type)


def _make_scalar_type(np_scalar_type) -> _ScalarMeta:
    dtype = np.dtype(np_scalar_type)
    return _ScalarMeta(dtype.name, (object,), {
        "dtype": dtype,
        "__module__": "zenax.numpy",
        "__doc__": f"The {dtype.name} dtype; calling it makes a 0-d (or larger) zenax "
                   f"array: ``jnp.{dtype.name}(3)``.",
    })


bool_ = _make_scalar_type(np.bool_)
int8 = _make_scalar_type(np.int8)
int16 = _make_scalar_type(np.int16)
int32 = _make_scalar_type(np.int32)
int64 = _make_scalar_type(np.int64)
uint8 = _make_scalar_type(np.uint8)
uint16 = _make_scalar_type(np.uint16)
uint32 = _make_scalar_type(np.uint32)
uint64 = _make_scalar_type(np.uint64)
float16 = _make_scalar_type(np.float16)
bfloat16 = _make_scalar_type(_dtypes.bfloat16)
float32 = _make_scalar_type(np.float32)
float64 = _make_scalar_type(np.float64)
complex64 = _make_scalar_type(np.complex64)
complex128 = _make_scalar_type(np.complex128)
float8_e4m3fn = _make_scalar_type(ml_dtypes.float8_e4m3fn)
float8_e5m2 = _make_scalar_type(ml_dtypes.float8_e5m2)

# The narrow types ml_dtypes defines, as JAX exports them.  Promotion is JAX's lattice
# (tracer/dtypes.py reads it from jax.dtypes): 8-bit and narrower floats, and 1/2/4-bit
# integers, combine implicitly only with weakly typed Python scalars.
float4_e2m1fn = _make_scalar_type(ml_dtypes.float4_e2m1fn)
float6_e2m3fn = _make_scalar_type(ml_dtypes.float6_e2m3fn)
float6_e3m2fn = _make_scalar_type(ml_dtypes.float6_e3m2fn)
float8_e3m4 = _make_scalar_type(ml_dtypes.float8_e3m4)
float8_e4m3 = _make_scalar_type(ml_dtypes.float8_e4m3)
float8_e4m3b11fnuz = _make_scalar_type(ml_dtypes.float8_e4m3b11fnuz)
float8_e4m3fnuz = _make_scalar_type(ml_dtypes.float8_e4m3fnuz)
float8_e5m2fnuz = _make_scalar_type(ml_dtypes.float8_e5m2fnuz)
float8_e8m0fnu = _make_scalar_type(ml_dtypes.float8_e8m0fnu)
int1 = _make_scalar_type(ml_dtypes.int1)
int2 = _make_scalar_type(ml_dtypes.int2)
int4 = _make_scalar_type(ml_dtypes.int4)
uint1 = _make_scalar_type(ml_dtypes.uint1)
uint2 = _make_scalar_type(ml_dtypes.uint2)
uint4 = _make_scalar_type(ml_dtypes.uint4)

# The default-width aliases, as in JAX (they canonicalize to 32 bits unless x64 is on).
int_ = int64
uint = uint64
float_ = float64
complex_ = complex128
single = float32
double = float64
csingle = complex64
cdouble = complex128

# Abstract categories for issubdtype, shared with NumPy.
generic = np.generic
number = np.number
inexact = np.inexact
floating = np.floating
complexfloating = np.complexfloating
integer = np.integer
signedinteger = np.signedinteger
unsignedinteger = np.unsignedinteger
flexible = np.flexible
character = np.character
object_ = np.object_

dtype = np.dtype
ComplexWarning = np.exceptions.ComplexWarning

# Constants.
inf = np.inf
nan = np.nan
pi = np.pi
e = np.e
euler_gamma = np.euler_gamma
newaxis = None


def issubdtype(arg1: Any, arg2: Any) -> bool:
    """Whether ``arg1`` is a sub-dtype of ``arg2`` (bfloat16 counts as floating).

    >>> jnp.issubdtype(jnp.bfloat16, jnp.floating)
    True
    """
    return _dtypes.issubdtype(_as_dtype_or_category(arg1), _as_dtype_or_category(arg2))


def _as_dtype_or_category(x):
    if isinstance(x, _ScalarMeta):
        return x.dtype
    if isinstance(x, type) and issubclass(x, np.generic):
        return x
    if _dtypes.is_extended(x):          # a key dtype: JAX's own dtype object
        return x
    return np.dtype(x)


_KINDS = {
    "bool": lambda d: _dtypes.is_bool(d),
    "signed integer": lambda d: _dtypes.issubdtype(d, np.signedinteger),
    "unsigned integer": lambda d: _dtypes.issubdtype(d, np.unsignedinteger),
    "integral": lambda d: _dtypes.is_integer(d),
    "real floating": lambda d: _dtypes.is_float(d),
    "complex floating": lambda d: _dtypes.is_complex(d),
    "numeric": lambda d: not _dtypes.is_bool(d) and _dtypes.issubdtype(d, np.number),
}


def isdtype(dtype: Any, kind: Any) -> bool:
    """Array-API dtype test: ``kind`` is a dtype, a kind name or a tuple of those.

    >>> jnp.isdtype(jnp.int8, ("integral", "bool"))
    True
    """
    dtype = np.dtype(dtype)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    for k in kinds:
        if isinstance(k, str):
            if k not in _KINDS:
                raise ValueError(f"isdtype: unknown kind {k!r}; expected one of "
                                 f"{sorted(_KINDS)}.")
            if _KINDS[k](dtype):
                return True
        elif dtype == np.dtype(k):
            return True
    return False


def iinfo(int_type: Any):
    """Machine limits of an integer dtype. Example: ``jnp.iinfo(jnp.int8).max == 127``."""
    if is_arraylike(int_type) and not isinstance(int_type, type):
        int_type = dtype_of(int_type)
    return _dtypes.iinfo(np.dtype(int_type))


def finfo(dtype: Any):
    """Machine limits of a float dtype. Example: ``jnp.finfo(jnp.bfloat16).eps``."""
    if is_arraylike(dtype) and not isinstance(dtype, type):
        dtype = dtype_of(dtype)
    return _dtypes.finfo(np.dtype(dtype))


# ``jnp.bool`` is the bool scalar type, as in JAX.  Bound last: from here on this module's
# ``bool`` is that type, not the builtin.
bool = bool_  # noqa: A001
