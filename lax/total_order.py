"""Comparisons in XLA's total order of floating-point values: ``eq_to``, ``le_to`` and
``lt_to``, the primitives JAX's sort comparators are built from.

Unlike ``eq``/``le``/``lt``, NaN equals NaN and sorts above +inf (a negative NaN below
-inf), and -0.0 sorts below +0.0.  jax.lax exports only the primitives (no wrappers), so
zenax does the same; their lowering binds JAX's primitives of the same names.
"""
from __future__ import annotations

import jax
import numpy as np

from .elementwise import elementwise
from .registry import ANY, ORDERED

lax = jax.lax

__all__ = ["eq_to_p", "le_to_p", "lt_to_p"]

_to_bool = lambda dtype: np.bool_

eq_to_p = elementwise("eq_to", 2, ANY, lambda x, y: lax.eq_to_p.bind(x, y),
                      result_dtype=_to_bool, differentiable=False)
le_to_p = elementwise("le_to", 2, ORDERED, lambda x, y: lax.le_to_p.bind(x, y),
                      result_dtype=_to_bool, differentiable=False)
lt_to_p = elementwise("lt_to", 2, ORDERED, lambda x, y: lax.lt_to_p.bind(x, y),
                      result_dtype=_to_bool, differentiable=False)
