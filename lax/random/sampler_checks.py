"""Argument checks shared by the samplers with distribution parameters (gamma, beta, t,
pareto, ...), in the order and with the error kinds of ``jax.random``.

A parameter must be castable to the sample dtype without loss by JAX's promotion lattice
(a Python float is fine for float16; a complex array is not for float32); the default
sample shape is the broadcast of the parameters' shapes.
"""
from __future__ import annotations

import numpy as np
from jax.dtypes import TypePromotionError

from zenax.tracer import dtypes
from zenax.tracer.core import get_aval
from zenax.tracer.shapes import broadcast_shapes_or_none

from .arguments import _asarray, _check_shape, _shape


def _params(name: str, **params) -> list:
    """The parameters as arrays (or Python scalars), each checked to hold numbers."""
    return [_asarray(value, name, arg) for arg, value in params.items()]


def _result_shape(name: str, shape, *params) -> tuple:
    """``shape`` checked against the parameters' shapes, or their broadcast if None."""
    shapes = [get_aval(p).shape for p in params]
    if shape is None:
        result = broadcast_shapes_or_none(shapes) if shapes else ()
        if result is None:
            raise ValueError(f"{name}: incompatible shapes for broadcasting: "
                             f"{', '.join(map(str, shapes))}.")
        return result
    shape = _shape(name, shape)
    _check_shape(name, shape, *shapes)
    return shape


def _check_safe_to_cast(name: str, dtype: np.dtype, *params) -> None:
    for p in params:
        aval = get_aval(p)
        if aval.dtype == dtype:
            continue
        if dtypes.result_type((aval.dtype, aval.weak_type), (dtype, False))[0] != dtype:
            raise TypePromotionError(f"In arguments to {name}, cannot safely cast argument "
                                     f"of type {aval.dtype} to {dtype}")
