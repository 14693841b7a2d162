"""The functions and types of ``zenax.dtypes`` (JAX's ``jax.dtypes``).

Dtypes are data, not transforms, so the dtype objects are JAX's own (``float0``, the
tangent dtype of integer values; ``bfloat16``; the ``extended`` and ``prng_key``
categories; ``TypePromotionError``, which promotion raises).  The functions accept
zenax's values too: tracers, weakly typed Python scalars, ``zenax.numpy.float32`` & co.

>>> result_type(1, 2.0, return_weak_type_flag=True)
(dtype('float32'), True)
>>> scalar_type_of(np.int8(3)), itemsize_bits('int4')
(<class 'int'>, 4)
"""
from __future__ import annotations

from typing import Any

import numpy as np
from jax import dtypes as _jax_dtypes

from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .jnp.dtypes import _ScalarMeta, finfo, iinfo  # noqa: F401
from .jnp.promotion import _result_type_arg, dtype_of, is_arraylike

__all__ = ["TypePromotionError", "bfloat16", "canonicalize_dtype", "extended", "finfo",
           "float0", "iinfo", "issubdtype", "itemsize_bits", "prng_key", "result_type",
           "scalar_type_of"]

bfloat16 = _jax_dtypes.bfloat16
float0 = _jax_dtypes.float0
extended = _jax_dtypes.extended
prng_key = _jax_dtypes.prng_key
TypePromotionError = _jax_dtypes.TypePromotionError


def canonicalize_dtype(dtype: Any, allow_extended_dtype: bool = False):
    """The dtype arrays of ``dtype`` get: 64-bit types become 32-bit ones unless
    ``jax_enable_x64`` is on. Extended dtypes (PRNG keys) pass only with
    ``allow_extended_dtype=True``.

    >>> canonicalize_dtype(np.float64), canonicalize_dtype('bfloat16')
    (dtype('float32'), dtype(bfloat16))
    """
    return _jax_dtypes.canonicalize_dtype(_unwrap(dtype), allow_extended_dtype)


def _unwrap(dtype: Any):
    """``zenax.numpy.float32`` & co. -> their np.dtype; anything else unchanged."""
    return dtype.dtype if isinstance(dtype, _ScalarMeta) else dtype


def issubdtype(a: Any, b: Any) -> bool:
    """Whether dtype ``a`` is ``b`` or one of its kinds (``bfloat16`` is a floating type;
    a PRNG key dtype is ``extended``).

    >>> issubdtype(bfloat16, np.floating), issubdtype(np.int8, np.unsignedinteger)
    (True, False)
    """
    return _jax_dtypes.issubdtype(_unwrap(a), _unwrap(b))


def result_type(*args: Any, return_weak_type_flag: bool = False):
    """The dtype of combining ``args`` (arrays, scalars, dtypes) on JAX's promotion
    lattice; with ``return_weak_type_flag``, also whether the result is weakly typed
    (every operand was a Python scalar of the winning kind).

    >>> result_type(np.int8, np.uint8), result_type(np.float16, 1.0)
    (dtype('int16'), dtype('float16'))
    """
    if not args:
        raise ValueError("at least one array or dtype is required")
    pairs = [_result_type_arg(x) for x in args]
    keys = _dtypes.keys_result_type([d for d, _ in pairs])
    dtype, weak = (keys, False) if keys is not None else _dtypes.result_type(*pairs)
    return (dtype, weak) if return_weak_type_flag else dtype


def scalar_type_of(x: Any) -> type:
    """The Python scalar type (``bool``, ``int``, ``float`` or ``complex``) of the values
    of ``x``'s dtype.

    >>> scalar_type_of(2.5), scalar_type_of(np.bool_(True))
    (<class 'float'>, <class 'bool'>)
    """
    if not is_arraylike(x):
        raise TypeError(f"scalar_type_of: expected an array or a scalar for argument x, got "
                        f"{x!r} of type {type(x).__name__}. (at {user_frame_str()})")
    dtype = dtype_of(x)
    for category, scalar_type in ((np.bool_, bool), (np.integer, int), (np.floating, float),
                                  (np.complexfloating, complex)):
        if _dtypes.issubdtype(dtype, category):
            return scalar_type
    raise TypeError(f"Invalid scalar value {x}")


def itemsize_bits(dtype: Any) -> int:
    """Bits per element of ``dtype``: 4 for ``int4``, 8 for ``bool`` (its storage).

    >>> itemsize_bits(np.float32), itemsize_bits('float8_e4m3fn')
    (32, 8)
    """
    if dtype is None:
        raise ValueError("dtype cannot be None.")
    return _jax_dtypes.itemsize_bits(_unwrap(dtype))
