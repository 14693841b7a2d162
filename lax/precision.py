"""How XLA should compute: matmul precision and algorithms, unary-op accuracy, the random
bit generator's algorithm, and the dimension-number types of dots and convolutions.

These are JAX's own types, re-exported as zenax.lax does for ``RoundingMethod`` and
``FftType``: they describe the back end's behaviour rather than a program, the lowering
rules hand them to ``jax.lax`` unchanged, and programs written for ``jax.lax.Precision``
(and friends) run unchanged, with params that print and compare as JAX's do.

What is zenax's own is the canonical form of a ``precision=`` argument (the value a
primitive records) and the check of an ``accuracy=`` argument, both made before tracing so
a bad value is reported at the call.
"""
from __future__ import annotations

from typing import Any

import jax

from zenax.tracer.source_info import user_frame_str

__all__ = ["AccuracyMode", "ConvGeneralDilatedDimensionNumbers", "DotAlgorithm",
           "DotAlgorithmPreset", "DotDimensionNumbers", "Precision", "PrecisionLike",
           "RaggedDotDimensionNumbers", "RandomAlgorithm", "Tolerance"]

Precision = jax.lax.Precision
PrecisionLike = jax.lax.PrecisionLike
DotAlgorithm = jax.lax.DotAlgorithm
DotAlgorithmPreset = jax.lax.DotAlgorithmPreset
AccuracyMode = jax.lax.AccuracyMode
Tolerance = jax.lax.Tolerance
RandomAlgorithm = jax.lax.RandomAlgorithm
DotDimensionNumbers = jax.lax.DotDimensionNumbers
ConvGeneralDilatedDimensionNumbers = jax.lax.ConvGeneralDilatedDimensionNumbers
RaggedDotDimensionNumbers = jax.lax.RaggedDotDimensionNumbers

# The strings a precision may be given as (Precision parses them; None means DEFAULT there).
_PRECISION_NAMES = ("highest", "float32", "high", "bfloat16_3x", "tensorfloat32", "default",
                    "bfloat16", "fastest")


def _precision_error(name: str, precision: Any) -> ValueError:
    return ValueError(
        f"{name}: precision must be None, one of the strings {list(_PRECISION_NAMES)}, a "
        "lax.Precision, a pair of those (one per operand), a lax.DotAlgorithmPreset or its "
        f"name, or a lax.DotAlgorithm; got {precision!r}.\n  (at {user_frame_str()})")


def canonicalize_precision(precision: Any, name: str = "dot_general"):
    """The form a dot or convolution records: None, a ``(lhs, rhs)`` pair of ``Precision``,
    a ``DotAlgorithmPreset`` or a ``DotAlgorithm``; anything else is a ValueError, as in JAX.

    >>> canonicalize_precision("highest")
    (Precision.HIGHEST, Precision.HIGHEST)
    >>> canonicalize_precision("F32_F32_F32")
    DotAlgorithmPreset.F32_F32_F32
    """
    if precision is None or isinstance(precision, (DotAlgorithm, DotAlgorithmPreset)):
        return precision
    if isinstance(precision, Precision):
        return precision, precision
    if isinstance(precision, str):
        if precision in _PRECISION_NAMES:
            return (Precision(precision),) * 2
        if precision in DotAlgorithmPreset.__members__:
            return DotAlgorithmPreset[precision]
        raise _precision_error(name, precision)
    if isinstance(precision, (list, tuple)) and len(precision) == 2:
        if all(isinstance(p, Precision) for p in precision):
            return tuple(precision)
        if all(isinstance(p, str) and p in _PRECISION_NAMES for p in precision):
            return tuple(Precision(p) for p in precision)
    raise _precision_error(name, precision)


def check_accuracy(name: str, accuracy: Any) -> None:
    """An ``accuracy=`` argument is None, a ``Tolerance`` or an ``AccuracyMode``; JAX finds
    any other value only when lowering, with a NotImplementedError, which zenax raises at
    the call instead."""
    if accuracy is not None and not isinstance(accuracy, (Tolerance, AccuracyMode)):
        raise NotImplementedError(
            f"{name}: accuracy={accuracy!r} is not supported; pass None, a "
            "lax.Tolerance(atol=..., rtol=..., ulps=...) or a lax.AccuracyMode.\n"
            f"  (at {user_frame_str()})")
