"""What every distribution module starts with: its arguments promoted to one inexact
dtype and broadcast, as JAX's ``promote_args_inexact`` leaves them.

zenax.numpy's promotion keeps a Python scalar as it is when its own dtype is the target
(so a binary ufunc shows it as a literal and the other operand decides the weak type).
A density, though, often uses ``scale`` alone (``-log(scale)``): JAX has turned it into an
array of the common dtype by then, weakly typed only if every argument was.  So scalars
become NumPy values here unless the common type is weak.
"""
from __future__ import annotations

import numpy as np

from zenax.lax.jnp.logic import const_like
from zenax.lax.jnp.promotion import (ArrayLike, check_arraylike, dtype_of, lattice_result_type,
                                     promote_dtypes_inexact, promote_shapes, to_inexact_dtype)
from zenax.tracer.avals import is_python_scalar

__all__ = ["ArrayLike", "const_like", "dtype_of", "promote_args_inexact"]


def promote_args_inexact(fun_name: str, *args) -> list:
    """``args`` checked, promoted to their common inexact dtype and broadcast."""
    check_arraylike(fun_name, *args)
    dtype, weak = lattice_result_type(*args)
    promoted = promote_dtypes_inexact(*args)
    if not weak:
        dtype = to_inexact_dtype(dtype)
        promoted = [np.asarray(x, dtype) if is_python_scalar(x) else x for x in promoted]
    return promote_shapes(fun_name, *promoted)
