"""zenax.dtypes: dtype objects and queries (JAX's ``jax.dtypes``).

>>> zenax.dtypes.result_type(zenax.numpy.int8, 1.0)
dtype('float32')
"""
from zenax.lax.dtypes_api import (TypePromotionError, bfloat16, canonicalize_dtype, extended,
                                  finfo, float0, iinfo, issubdtype, itemsize_bits, prng_key,
                                  result_type, scalar_type_of)

__all__ = ["TypePromotionError", "bfloat16", "canonicalize_dtype", "extended", "finfo",
           "float0", "iinfo", "issubdtype", "itemsize_bits", "prng_key", "result_type",
           "scalar_type_of"]
