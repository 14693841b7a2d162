"""Dtypes: canonicalization, short names, and JAX's promotion lattice.

JAX's dtype rules are part of the public behaviour we copy (DESIGN.md §1): float32 by
default, Python scalars are *weakly typed* (they adopt the dtype of the array they meet),
and promotion follows JAX's lattice rather than NumPy's.  The lattice itself is data, not
a transform, so we read it from ``jax.dtypes`` (the back end) instead of copying tables.

Besides NumPy dtypes an aval may carry one of JAX's *extended* dtypes: the PRNG key dtype
``key<fry>`` of typed keys (``zenax.random.key``).  It is JAX's own dtype object, not a
``np.dtype``; :func:`is_extended` tells it apart.
"""
from __future__ import annotations

import numpy as np
from jax import dtypes as _jax_dtypes
from jax import numpy as _jax_numpy

bfloat16 = np.dtype(_jax_dtypes.bfloat16)
float0 = _jax_dtypes.float0


def _weak_kind(dtype):
    """The Python type a weakly typed value of ``dtype`` stands for (None for bool)."""
    if _jax_dtypes.issubdtype(dtype, np.complexfloating):
        return complex
    if _jax_dtypes.issubdtype(dtype, np.floating):
        return float
    if _jax_dtypes.issubdtype(dtype, np.integer):
        return int
    return None


def is_extended(dtype) -> bool:
    """Whether ``dtype`` is one of JAX's extended dtypes (a PRNG key dtype)."""
    # (jax.dtypes exposes the category, not the class; NumPy dtypes skip the query.)
    if isinstance(dtype, (np.dtype, type, str)):
        return False
    try:
        return _jax_dtypes.issubdtype(dtype, _jax_dtypes.extended)
    except TypeError:       # not a dtype at all
        return False


def short_name(dtype) -> str:
    """``float32`` -> ``'f32'``, ``int4`` -> ``'i4'``, as JAX prints avals (a key dtype
    prints as its name, ``key<fry>``)."""
    if is_extended(dtype):
        return dtype.name
    return (np.dtype(dtype).name.replace("float", "f").replace("uint", "u")
            .replace("int", "i").replace("complex", "c"))


def canonicalize_dtype(dtype) -> np.dtype:
    """Map 64-bit dtypes to 32-bit ones unless ``jax_enable_x64`` is on (a key dtype
    passes unchanged)."""
    if is_extended(dtype):
        return dtype
    return np.dtype(_jax_dtypes.canonicalize_dtype(dtype))


def python_scalar_dtype(x) -> np.dtype:
    """The (canonical) dtype a Python scalar takes: bool, int32, float32, complex64."""
    if isinstance(x, bool):
        return np.dtype(bool)
    if isinstance(x, int):
        return canonicalize_dtype(np.int64)
    if isinstance(x, float):
        return canonicalize_dtype(np.float64)
    if isinstance(x, complex):
        return canonicalize_dtype(np.complex128)
    raise TypeError(f"{x!r} is not a Python scalar")


def result_type(*dtypes_and_weak: tuple) -> tuple[np.dtype, bool]:
    """Promote ``(dtype, weak_type)`` pairs by JAX's lattice; returns ``(dtype, weak)``."""
    args = []
    for dtype, weak in dtypes_and_weak:
        dtype = _numeric_dtype(dtype)
        if weak and _weak_kind(dtype) is not None:
            args.append(_weak_kind(dtype))
        else:
            args.append(dtype)
    dtype, weak = _jax_dtypes.result_type(*args, return_weak_type_flag=True)
    dtype = np.dtype(dtype)
    # A weak Python type stands for "some float"; keep the precise weak dtype when every
    # operand agrees on it (e.g. two weak bf16 values stay bf16).
    if weak:
        exact = {np.dtype(d) for d, w in dtypes_and_weak}
        if len(exact) == 1:
            dtype = exact.pop()
    return canonicalize_dtype(dtype), bool(weak)


def keys_result_type(dtypes) -> "np.dtype | None":
    """``jnp.result_type``'s answer where a PRNG key dtype takes part, as JAX's: the key
    dtype when every operand has it (Flax's ``nnx.tabulate`` asks it of a key array);
    ``ValueError`` when it meets another dtype; None when no key dtype takes part."""
    keys = [d for d in dtypes if is_extended(d)]
    if not keys:
        return None
    if len(keys) == len(dtypes) and all(d == keys[0] for d in keys):
        return keys[0]
    raise ValueError(f"dtype={keys[0]} is not a valid dtype for JAX type promotion.")


def _numeric_dtype(dtype) -> np.dtype:
    try:
        return np.dtype(dtype)
    except TypeError:
        if is_extended(dtype):   # JAX's TypeError, saying what key arrays are for
            raise TypeError(f"Cannot determine dtype of {dtype}: arrays of PRNG keys take "
                            "no part in arithmetic or type promotion; use zenax.random's "
                            "key functions on them (split, fold_in, key_data).") from None
        raise


def promote_types(a, b) -> np.dtype:
    """The join of ``a`` and ``b`` on the lattice, not canonicalized (float32 and float64
    give float64 even without x64, as ``jnp.promote_types``); Python's ``int``, ``float``
    and ``complex`` stand for weakly typed values of their kind."""
    # The lattice's join is data JAX exposes as jax.numpy.promote_types (jax.dtypes has
    # only the canonicalizing result_type).
    return np.dtype(_jax_numpy.promote_types(a, b))


def issubdtype(dtype, category) -> bool:
    return _jax_dtypes.issubdtype(dtype, category)


def is_float(dtype) -> bool:
    return issubdtype(dtype, np.floating)


def is_complex(dtype) -> bool:
    return issubdtype(dtype, np.complexfloating)


def is_inexact(dtype) -> bool:
    return issubdtype(dtype, np.inexact)


def is_integer(dtype) -> bool:
    return issubdtype(dtype, np.integer)


_BOOL = np.dtype(bool)


def is_bool(dtype) -> bool:
    return _BOOL == dtype     # (False for a key dtype, which np.dtype() rejects)


def to_complex_dtype(dtype) -> np.dtype:
    """The complex dtype of ``dtype``'s precision, as JAX's: complex128 for float64,
    complex128 and 64-bit integers, complex64 for the rest."""
    dtype = np.dtype(dtype)
    if is_complex(dtype):
        return dtype
    wide = dtype.itemsize >= 8 and (is_float(dtype) or is_integer(dtype))
    return np.dtype(np.complex128 if wide else np.complex64)


def to_real_dtype(dtype) -> np.dtype:
    """The real dtype of ``dtype``'s components: float32 for complex64, float64 for
    complex128; a real dtype unchanged."""
    return np.finfo(dtype).dtype if is_complex(dtype) else np.dtype(dtype)


def finfo(dtype):
    return _jax_dtypes.finfo(dtype)


def iinfo(dtype):
    return _jax_dtypes.iinfo(dtype)


def default_float_dtype() -> np.dtype:
    return canonicalize_dtype(np.float64)


def default_int_dtype() -> np.dtype:
    return canonicalize_dtype(np.int64)
