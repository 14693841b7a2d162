"""``jax._src.dtypes`` as zenax: the dtype names libraries import from JAX's internals.

Dtypes are data, not transforms (see ``zenax.lax.dtypes_api``), so these are the names
of ``zenax.dtypes`` plus the few internal ones libraries use: Equinox catches
``TypePromotionError``; Flax's ``linen.fp8_ops`` subclasses ``ExtendedDType`` and asks
``supports_inf``.

>>> supports_inf("float32"), supports_inf("int32")
(True, False)
>>> issubclass(TypePromotionError, ValueError)
True
"""
from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

from zenax.lax.dtypes_api import (TypePromotionError, canonicalize_dtype, extended, finfo,
                                  float0, iinfo, issubdtype, prng_key)

__all__ = ["DType", "ExtendedDType", "TypePromotionError", "canonicalize_dtype", "extended",
           "finfo", "float0", "iinfo", "issubdtype", "prng_key", "supports_inf"]

DType = np.dtype



class ExtendedDType:
    """Base class of a library-defined dtype outside NumPy's (JAX's extended dtypes).

    Flax declares one when ``flax.linen`` is imported (fp8 scaling metadata for
    ``Fp8DotGeneral``), so the class exists to be subclassed. zenax's arrays take no
    library-defined dtype (its one extended dtype is the PRNG key's), so such a dtype
    cannot be used in a zenax computation. (Not JAX's class read off a key's dtype:
    making a key at import would start the XLA runtime before a test module sets
    ``XLA_FLAGS``.)
    """

    type: type
    name: str

# Small floats whose formats have no infinity.
_NO_INF = {np.dtype(getattr(ml_dtypes, n)) for n in
           ("float8_e4m3b11fnuz", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2fnuz")
           if hasattr(ml_dtypes, n)}


def supports_inf(dtype: Any) -> bool:
    """Whether ``dtype`` can hold infinity: inexact types, except the float8 formats
    without one."""
    return np.dtype(dtype) not in _NO_INF and issubdtype(dtype, np.inexact)
