"""zenax.scipy.ndimage: ``map_coordinates``, interpolation of an array at arbitrary
coordinates.

Along each axis a coordinate turns into one (order 0) or two (order 1) integer indices
with weights; the result sums, over every combination of one node per axis, the product
of the weights times the input gathered there.  The boundary ``mode`` folds an index that
falls outside the array back into it (``constant`` instead masks such nodes to ``cval``).
The modes follow the SciPy documentation, which is also JAX's behaviour: ``'wrap'`` and
``'constant'`` act as SciPy's ``'grid-wrap'`` and ``'grid-constant'``.
"""
from __future__ import annotations

import functools
import itertools
from typing import Callable, Sequence

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.indexing import getitem
from zenax.lax.jnp.promotion import ArrayLike, dtype_of, ndim_of, shape_of
from zenax.tracer import dtypes as _dtypes

__all__ = ["map_coordinates"]


def _mirror(index, size: int):
    # A triangle wave of period 2 (size - 1): the edge samples are not repeated.
    s = size - 1
    return jnp.abs(jnp.subtract(jnp.remainder(jnp.add(index, s), 2 * s), s))


def _reflect(index, size: int):
    # Mirror about the half-sample edges (the edge samples are repeated): the mirror of
    # the doubled grid, halved.
    doubled = _mirror(jnp.add(jnp.multiply(index, 2), 1), 2 * size + 1)
    return jnp.floor_divide(jnp.subtract(doubled, 1), 2)


_INDEX_FIXERS: dict[str, Callable] = {
    "constant": lambda index, size: index,
    "nearest": lambda index, size: jnp.clip(index, 0, size - 1),
    "wrap": lambda index, size: jnp.remainder(index, size),
    "mirror": _mirror,
    "reflect": _reflect,
}


def _round_half_away(x):
    return x if _dtypes.is_integer(dtype_of(x)) else lax.round(x)


def _nearest_nodes(coordinate) -> list:
    one = np.array(1, dtype_of(coordinate))
    return [(jnp.astype(_round_half_away(coordinate), np.int32), one)]


def _linear_nodes(coordinate) -> list:
    lower = jnp.floor(coordinate)
    upper_weight = jnp.subtract(coordinate, lower)
    index = jnp.astype(lower, np.int32)
    return [(index, jnp.subtract(1, upper_weight)), (jnp.add(index, 1), upper_weight)]


def _corner_sum(array, per_axis: list, cval=None):
    """The sum, over every corner (one node from each ``per_axis[k]``), of the product of
    the nodes' weights times ``array`` at their indices -- or ``cval`` where a node's
    ``valid`` mask (None: always valid) is False.  Nodes are ``(index, valid, weight)``;
    axes of ``array`` beyond the nodes' are carried along (also used by
    ``interpolate.RegularGridInterpolator``)."""
    terms = []
    for corner in itertools.product(*per_axis):
        indices, valids, weights = zip(*corner)
        value = getitem(array, tuple(indices))
        valids = [v for v in valids if v is not None]
        if valids:
            value = jnp.where(functools.reduce(jnp.logical_and, valids), value, cval)
        weight = functools.reduce(jnp.multiply, weights)
        weight = jnp.reshape(weight, shape_of(weight) + (1,) * (ndim_of(value) - ndim_of(weight)))
        terms.append(jnp.multiply(weight, value))
    return functools.reduce(jnp.add, terms)


@compiled_when_eager(n_arrays=1, static_argnames=("order", "mode", "cval"))
def map_coordinates(input: ArrayLike, coordinates: Sequence[ArrayLike], order: int,
                    mode: str = "constant", cval: ArrayLike = 0.0):
    """The values of ``input`` at the points ``coordinates`` (one array of positions per
    axis of ``input``, all of one shape), by nearest-neighbour (``order=0``) or linear
    (``order=1``) interpolation.

    Points outside the array follow ``mode``: ``'constant'`` gives ``cval``, and
    ``'nearest'``, ``'wrap'``, ``'mirror'`` and ``'reflect'`` extend the array by
    clamping, periodically, or by mirroring about the edge samples or the edges.  Integer
    inputs give integer results, rounded half away from zero.

    >>> image = jnp.arange(12.).reshape(3, 4)
    >>> zenax.scipy.ndimage.map_coordinates(image, [jnp.array([0.5, 2.]),
    ...                                             jnp.array([1., 3.5])], order=1)
    Array([3. , 5.5], dtype=float32)
    >>> zenax.scipy.ndimage.map_coordinates(image, [jnp.array([3.]), jnp.array([1.])],
    ...                                     order=0, mode='nearest')
    Array([9.], dtype=float32)
    """
    input_arr = jnp.asarray(input)
    coordinate_arrs = [jnp.asarray(c) for c in coordinates]
    cval = jnp.asarray(cval, dtype_of(input_arr))
    if len(coordinate_arrs) != ndim_of(input_arr):
        raise ValueError(f"map_coordinates: coordinates must hold one array per axis of "
                         f"input ({ndim_of(input_arr)}), got {len(coordinate_arrs)}.")
    fix_index = _INDEX_FIXERS.get(mode)
    if fix_index is None:
        raise NotImplementedError(f"map_coordinates: mode {mode!r} is not supported; the "
                                  f"modes are {sorted(_INDEX_FIXERS)}.")
    if order == 0:
        nodes_of = _nearest_nodes
    elif order == 1:
        nodes_of = _linear_nodes
    else:
        raise NotImplementedError(f"map_coordinates: order must be 0 (nearest) or 1 "
                                  f"(linear), got {order!r}.")

    # Per axis: (index folded into the array, in bounds or None if always, weight).
    per_axis = []
    for coordinate, size in zip(coordinate_arrs, shape_of(input_arr)):
        nodes = []
        for index, weight in nodes_of(coordinate):
            valid = (jnp.logical_and(jnp.greater_equal(index, 0), jnp.less(index, size))
                     if mode == "constant" else None)
            nodes.append((fix_index(index, size), valid, weight))
        per_axis.append(nodes)

    result = _corner_sum(input_arr, per_axis, cval)
    if _dtypes.is_integer(dtype_of(input_arr)):
        result = _round_half_away(result)
    return jnp.astype(result, dtype_of(input_arr))


compile_marked(globals())
