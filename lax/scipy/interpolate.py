"""zenax.scipy.interpolate: ``RegularGridInterpolator``, piecewise-linear (or nearest)
interpolation on a rectangular grid.

Each query point finds its cell by ``searchsorted`` along every axis (clamped to the
first and last cells, so points outside are extrapolated from the edge cell before being
replaced by ``fill_value``), then sums the cell's ``2**N`` corner values times the
products of the per-axis distances.  The interpolator is a pytree (grid, values and
fill value are its leaves), so it can be passed into ``jit`` and ``vmap``.  As in JAX,
each grid axis must be strictly increasing; nothing checks it, because the check would
need the values.
"""
from __future__ import annotations

import numpy as np

import zenax.lax.jnp as jnp
from zenax.lax.jnp.indexing import getitem
from zenax.lax.jnp.promotion import (canonical_dtype, check_arraylike, dtype_of, ndim_of,
                                     promote_dtypes_inexact, shape_of)
from zenax.tracer.tree_util import register_pytree_node

from .ndimage import _corner_sum

__all__ = ["RegularGridInterpolator"]

_METHODS = ("linear", "nearest")


def _check_method(method) -> None:
    if method not in _METHODS:
        raise ValueError(f"RegularGridInterpolator: method must be one of {list(_METHODS)}, "
                         f"got {method!r}.")


def _points_as_rows(xi, ndim: int):
    """The query points as one array of shape ``(..., ndim)``: ``xi`` is such an array
    already (a 1-D one holds whole points), or a tuple of ``ndim`` coordinate arrays."""
    if isinstance(xi, tuple) and len(xi) == 1:
        xi = xi[0]
    if isinstance(xi, tuple):
        coordinates = jnp.broadcast_arrays(*xi)
        float_ = canonical_dtype(float)     # coordinates are stored in the default float
        return jnp.stack([jnp.astype(c, float_) for c in coordinates], axis=-1)
    check_arraylike("RegularGridInterpolator", xi)
    xi = jnp.asarray(xi)
    return jnp.reshape(xi, (-1, ndim)) if ndim_of(xi) == 1 else xi


class RegularGridInterpolator:
    """Interpolate ``values``, sampled on the grid whose axis ``k`` has the strictly
    increasing coordinates ``points[k]``, at arbitrary points.

    ``method`` is ``'linear'`` or ``'nearest'``.  Points outside the grid give
    ``fill_value`` (NaN by default), or extrapolate from the edge cells when it is None.
    ``bounds_error=True`` cannot be honoured (it would need the values on the host) and
    raises NotImplementedError.  ``values`` may have trailing axes beyond the grid's; they
    are interpolated alongside.

    >>> grid = (jnp.array([0., 1., 2.]), jnp.array([0., 10.]))
    >>> values = jnp.array([[0., 1.], [2., 3.], [4., 5.]])
    >>> interp = zenax.scipy.interpolate.RegularGridInterpolator(grid, values)
    >>> interp(jnp.array([[0.5, 5.], [2., 10.], [3., 0.]]))
    Array([1.5, 5. , nan], dtype=float32)
    >>> interp(jnp.array([[0.4, 6.]]), method='nearest')
    Array([1.], dtype=float32)
    """

    def __init__(self, points, values, method="linear", bounds_error=False,
                 fill_value=np.nan):
        _check_method(method)
        self.method = method
        self.bounds_error = bounds_error
        if bounds_error:
            raise NotImplementedError(
                "RegularGridInterpolator: bounds_error=True is not supported, since "
                "checking the bounds would need the query points' values; use "
                "fill_value to mark points outside the grid.")
        check_arraylike("RegularGridInterpolator", values)
        if len(points) > ndim_of(values):
            raise ValueError(f"RegularGridInterpolator: got {len(points)} point arrays for "
                             f"values of {ndim_of(values)} dimensions.")
        values, = promote_dtypes_inexact(values)
        if fill_value is not None:
            check_arraylike("RegularGridInterpolator", fill_value)
            fill_value = jnp.asarray(fill_value)
            if not jnp.can_cast(dtype_of(fill_value), dtype_of(values), casting="same_kind"):
                raise ValueError(f"RegularGridInterpolator: fill_value must be None or of a "
                                 f"type that casts to the values' {dtype_of(values)}, got "
                                 f"{dtype_of(fill_value)}.")
        self.fill_value = fill_value
        check_arraylike("RegularGridInterpolator", *points)
        self.grid = tuple(jnp.asarray(p) for p in points)
        self.values = values

    def __call__(self, xi, method=None):
        """The interpolated values at the points ``xi`` (see the class docstring)."""
        method = self.method if method is None else method
        _check_method(method)
        ndim = len(self.grid)
        xi = _points_as_rows(xi, ndim)
        if shape_of(xi)[-1] != ndim:
            raise ValueError(f"RegularGridInterpolator: the query points have dimension "
                             f"{shape_of(xi)[-1]}, but the grid has dimension {ndim}.")
        xi_shape = shape_of(xi)
        xi = jnp.reshape(xi, (-1, ndim))
        indices, distances, outside = self._find_cells(jnp.transpose(xi))
        if method == "linear":
            result = self._linear(indices, distances)
        else:
            result = self._nearest(indices, distances)
        if self.fill_value is not None:
            outside = jnp.reshape(outside, shape_of(result)[:1] + (1,) * (ndim_of(result) - 1))
            result = jnp.where(outside, self.fill_value, result)
        return jnp.reshape(result, xi_shape[:-1] + shape_of(self.values)[ndim:])

    def _find_cells(self, xi):
        """Per axis, each point's cell (the index of its lower corner) and its distance
        from that corner in units of the cell's width; and whether it lies outside."""
        indices, distances = [], []
        outside = jnp.zeros((shape_of(xi)[1],), dtype=bool)
        for k, g in enumerate(self.grid):
            x = getitem(xi, k)
            size = shape_of(g)[0]
            i = jnp.clip(jnp.subtract(jnp.searchsorted(g, x), 1), 0, size - 2)
            lower = getitem(g, i)
            indices.append(i)
            distances.append(jnp.divide(jnp.subtract(x, lower),
                                        jnp.subtract(getitem(g, jnp.add(i, 1)), lower)))
            outside = jnp.logical_or(outside, jnp.less(x, getitem(g, 0)))
            outside = jnp.logical_or(outside, jnp.greater(x, getitem(g, -1)))
        return indices, distances, outside

    def _linear(self, indices, distances):
        return _corner_sum(self.values, [[(i, None, jnp.subtract(1, t)), (jnp.add(i, 1), None, t)]
                                         for i, t in zip(indices, distances)])

    def _nearest(self, indices, distances):
        nearest = tuple(jnp.where(jnp.less_equal(t, .5), i, jnp.add(i, 1))
                        for i, t in zip(indices, distances))
        return getitem(self.values, nearest)


def _unflatten(aux, children) -> RegularGridInterpolator:
    # Not through __init__ (as JAX): the leaves were checked when the interpolator was
    # made, and an unflattened tree may hold anything as leaves (tracers, in_axes ints).
    interp = object.__new__(RegularGridInterpolator)
    interp.grid, interp.values, interp.fill_value = children
    interp.method, interp.bounds_error = aux
    return interp


register_pytree_node(
    RegularGridInterpolator,
    lambda f: ((f.grid, f.values, f.fill_value), (f.method, f.bounds_error)), _unflatten)
