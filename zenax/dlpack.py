"""zenax.dlpack: exchanging arrays with other libraries through DLPack.

zenax's concrete arrays are JAX's (DESIGN.md section 6), so importing a DLPack capsule
or any object with ``__dlpack__`` (NumPy, PyTorch, CuPy arrays) is JAX's runtime call;
the result is an ordinary zenax array.  Exporting needs no function: a zenax array has
``__dlpack__`` itself.

>>> import numpy as np
>>> from_dlpack(np.arange(3, dtype=np.float32))
Array([0., 1., 2.], dtype=float32)
>>> is_supported_dtype(np.float32)
True
"""
from __future__ import annotations

from jax.dlpack import from_dlpack, is_supported_dtype

__all__ = ["from_dlpack", "is_supported_dtype"]
