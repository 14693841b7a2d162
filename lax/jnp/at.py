"""``x.at[idx]``: functional indexed updates, JAX's replacement for ``x[idx] = y``.

``x.at[idx].set(y)`` returns a copy of ``x`` with ``x[idx]`` replaced by ``y`` (broadcast
to ``x[idx]``'s shape); ``add``, ``multiply``/``mul``, ``divide``, ``power``, ``min``,
``max`` combine instead, ``apply(f)`` applies a unary function there, and ``get`` is
``x[idx]`` with options.  The update is the scatter whose dimension numbers are the
transposed gather of ``x[idx]`` (indexing.py), so every index ``x[idx]`` accepts works.

Options, as in JAX: ``mode`` -- out-of-bounds updates are dropped by default
(``'drop'``/``'fill'``), ``'clip'`` clamps them, ``'promise_in_bounds'`` leaves them to
XLA; ``get`` clamps by default and ``mode='fill'`` reads ``fill_value``;
``indices_are_sorted`` / ``unique_indices`` are promises that may speed things up;
``wrap_negative_indices=False`` turns off counting negative indices from the end.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from zenax import lax

from . import creation, ufuncs
from .indexing import rewriting_take, scatter_update
from .promotion import dtype_of, shape_of


class _IndexUpdateRef:
    """``x.at[idx]``: call one of the methods to get the updated copy of ``x``."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def _update(self, values, scatter_op, indices_are_sorted, unique_indices, mode,
                wrap_negative_indices, array=None):
        return scatter_update(self.array if array is None else array, self.index, values,
                               scatter_op, indices_are_sorted=indices_are_sorted,
                               unique_indices=unique_indices, mode=mode,
                               normalize_indices=wrap_negative_indices)

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode=None, fill_value=None, wrap_negative_indices: bool = True):
        """``x[idx]``; ``mode='fill'`` reads ``fill_value`` (NaN for floats) out of bounds.

        >>> jnp.arange(5.0).at[7].get(mode='fill', fill_value=-1.0)   # traced x
        Array(-1., dtype=float32)
        """
        return rewriting_take(self.array, self.index, indices_are_sorted=indices_are_sorted,
                              unique_indices=unique_indices, mode=mode, fill_value=fill_value,
                              normalize_indices=wrap_negative_indices)

    def set(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode=None, wrap_negative_indices: bool = True):
        """``x[idx] = values``, functionally (one of several updates to a place wins).

        >>> zenax.jit(lambda x: x.at[1].set(9.0))(jnp.zeros(3))
        Array([0., 9., 0.], dtype=float32)
        """
        return self._update(values, lax.scatter, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def apply(self, func: Callable, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode=None, wrap_negative_indices: bool = True):
        """``func`` (a unary elementwise function) applied at ``idx``, once per
        occurrence of an index (not differentiable, as in JAX).

        >>> zenax.jit(lambda x: x.at[jnp.array([0, 0, 2])].apply(lambda v: v * 2))(jnp.ones(3))
        Array([4., 1., 2.], dtype=float32)
        """
        def scatter_apply(x, indices, y, dnums, **kwargs):
            return lax.scatter_apply(x, indices, func, dnums, update_shape=shape_of(y),
                                     **kwargs)
        zero = np.zeros((), dtype_of(self.array))
        return self._update(zero, scatter_apply, indices_are_sorted, unique_indices, mode,
                            wrap_negative_indices)

    def add(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode=None, wrap_negative_indices: bool = True):
        """``x[idx] += values`` (repeated indices accumulate).

        >>> zenax.jit(lambda x: x.at[jnp.array([1, 1])].add(2.0))(jnp.zeros(3))
        Array([0., 4., 0.], dtype=float32)
        """
        return self._update(values, lax.scatter_add, indices_are_sorted, unique_indices,
                            mode, wrap_negative_indices)

    def multiply(self, values, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode=None, wrap_negative_indices: bool = True):
        """``x[idx] *= values``.

        >>> zenax.jit(lambda x: x.at[0].multiply(3.0))(jnp.ones(2))
        Array([3., 1.], dtype=float32)
        """
        return self._update(values, lax.scatter_mul, indices_are_sorted, unique_indices,
                            mode, wrap_negative_indices)

    mul = multiply

    def divide(self, values, *, indices_are_sorted: bool = False,
               unique_indices: bool = False, mode=None, wrap_negative_indices: bool = True):
        """``x[idx] /= values``: ``x`` divided by ones scatter-multiplied by ``values``.

        >>> zenax.jit(lambda x: x.at[0].divide(4.0))(jnp.ones(2))
        Array([0.25, 1.  ], dtype=float32)
        """
        factors = self._update(values, lax.scatter_mul, indices_are_sorted, unique_indices,
                               mode, wrap_negative_indices,
                               array=creation.ones_like(self.array))
        return ufuncs.divide(self.array, factors)

    def power(self, values, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode=None, wrap_negative_indices: bool = True):
        """``x[idx] **= values``: ``x`` to the power of ones scatter-multiplied by
        ``values``.

        >>> zenax.jit(lambda x: x.at[0].power(3.0))(jnp.full(2, 2.0))
        Array([8., 2.], dtype=float32, weak_type=True)
        """
        exponents = self._update(values, lax.scatter_mul, indices_are_sorted, unique_indices,
                                 mode, wrap_negative_indices,
                                 array=creation.ones_like(self.array))
        return ufuncs.power(self.array, exponents)

    def min(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode=None, wrap_negative_indices: bool = True):
        """``x[idx] = minimum(x[idx], values)``.

        >>> zenax.jit(lambda x: x.at[:2].min(0.5))(jnp.ones(3))
        Array([0.5, 0.5, 1. ], dtype=float32)
        """
        return self._update(values, lax.scatter_min, indices_are_sorted, unique_indices,
                            mode, wrap_negative_indices)

    def max(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode=None, wrap_negative_indices: bool = True):
        """``x[idx] = maximum(x[idx], values)``.

        >>> zenax.jit(lambda x: x.at[:2].max(2.0))(jnp.ones(3))
        Array([2., 2., 1.], dtype=float32)
        """
        return self._update(values, lax.scatter_max, indices_are_sorted, unique_indices,
                            mode, wrap_negative_indices)


class _IndexUpdateHelper:
    """The ``x.at`` property: ``x.at[idx]`` is an :class:`_IndexUpdateRef`."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


def at(x) -> _IndexUpdateHelper:
    """The ``x.at`` property of traced arrays (installed by array_methods)."""
    return _IndexUpdateHelper(x)
