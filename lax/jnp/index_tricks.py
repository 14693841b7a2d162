"""Index tricks: building grids and index arrays.

- ``mgrid``/``ogrid`` (dense and open grids from slices), ``r_``/``c_`` (concatenation
  by subscript), ``s_``/``index_exp`` (NumPy's own: an index expression is plain Python
  data), ``ix_`` and ``indices``;
- between flat and multi-dimensional indices: ``unravel_index``, ``ravel_multi_index``;
- the indices of structured parts of a matrix: ``tril_indices``/``triu_indices`` (and
  ``_from``), ``diag_indices`` (and ``_from``), ``mask_indices``, and ``fill_diagonal``.

Grid bounds, sizes and ``n``/``k`` are static (they determine shapes), so the triangle
and diagonal indices are computed in NumPy and become constants; the index arrays use the
default integer dtype (int32 unless x64 is on), as JAX's do.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.core import Tracer
from zenax.tracer.errors import ConcretizationTypeError
from zenax.tracer.source_info import user_frame_str

from .creation import arange, linspace, meshgrid, ones
from .indexing import scatter_update
from .indexing_routines import nonzero
from .logic import where
from .promotion import (ArrayLike, DTypeLike, array, asarray, canonical_dtype,
                        check_arraylike, concrete_int, concrete_static, dtype_of,
                        ensure_array, ndim_of, promote_dtypes, result_type, shape_of)
from .shapes import concatenate, expand_dims, ravel, stack, tile, transpose
from .ufuncs import add, clip, divmod, multiply, remainder

__all__ = ["c_", "diag_indices", "diag_indices_from", "fill_diagonal", "index_exp",
           "indices", "ix_", "mask_indices", "mgrid", "ogrid", "r_", "ravel_multi_index",
           "s_", "tril_indices", "tril_indices_from", "triu_indices", "triu_indices_from",
           "unravel_index"]

# An index expression is Python data (slices, ints, tuples): NumPy's helpers build it.
s_ = np.s_
index_exp = np.index_exp


def _index_dtype() -> np.dtype:
    return _dtypes.default_int_dtype()


# --------------------------------------------------------------------------- grids

def _grid_1d(s: slice, op_name: str):
    """One axis of a grid: ``start:stop:step`` as ``arange``, or with an imaginary step
    ``start:stop:nj`` as ``linspace(start, stop, n)``."""
    start = concrete_static(op_name, "slice start", s.start) or 0
    stop = concrete_static(op_name, "slice stop", s.stop)
    step = concrete_static(op_name, "slice step", s.step) or 1
    if np.iscomplex(step):
        return linspace(start, stop, int(abs(step)))
    if stop is None:   # ``a:`` counts up to a, as arange(a) does
        start, stop = 0, start
    return arange(start, stop, step)


def _grid_axes(key, op_name: str) -> list:
    if not isinstance(key, tuple):
        raise TypeError(f"jnp.{op_name}[...] takes slices start:stop:step, got {key!r} "
                        f"(at {user_frame_str()}).")
    for k in key:
        if not isinstance(k, slice):
            raise TypeError(f"jnp.{op_name}[...] takes slices start:stop:step, got {k!r} "
                            f"(at {user_frame_str()}).")
    return promote_dtypes(*[_grid_1d(k, op_name) for k in key])


class _Mgrid:
    """Dense grids by slicing: ``jnp.mgrid[a:b:step, ...]`` stacks the ``meshgrid``
    (``indexing='ij'``) of one ``arange`` per slice; an imaginary step ``nj`` asks for
    ``n`` points from ``a`` to ``b`` inclusive, as ``linspace``.

    >>> jnp.mgrid[0:2, 0:3]
    Array([[[0, 0, 0],
            [1, 1, 1]],
    <BLANKLINE>
           [[0, 1, 2],
            [0, 1, 2]]], dtype=int32)
    >>> jnp.mgrid[0:1:3j]
    Array([0. , 0.5, 1. ], dtype=float32)
    """

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _grid_1d(key, "mgrid")
        axes = _grid_axes(key, "mgrid")
        if not axes:
            return arange(0)
        return stack(meshgrid(*axes, indexing="ij"), 0)


class _Ogrid:
    """Open grids by slicing: ``jnp.ogrid[a:b:step, ...]`` is the sparse ``meshgrid``
    (``indexing='ij'``) of one ``arange`` (or ``linspace``, for a step ``nj``) per slice:
    arrays that broadcast against each other to the dense grid.

    >>> jnp.ogrid[0:2, 0:3]
    [Array([[0],
           [1]], dtype=int32), Array([[0, 1, 2]], dtype=int32)]
    """

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _grid_1d(key, "ogrid")
        return meshgrid(*_grid_axes(key, "ogrid"), indexing="ij", sparse=True)


mgrid = _Mgrid()
ogrid = _Ogrid()


class _AxisConcat:
    """Concatenation by subscript (``r_`` and ``c_``).

    The items are arrays, scalars, lists and slices (a slice is a grid axis, as in
    ``mgrid``).  A leading string directive ``"axis,ndmin,trans1d"`` overrides the
    defaults: the axis to join along, the rank every item is raised to, and where an
    item's own axes go when it is raised (``trans1d``: -1 leaves them last); the
    directives ``"r"``/``"c"`` turn a 1-D result into a row / column matrix.
    """
    axis: int
    ndmin: int
    trans1d: int
    op_name: str

    def _directive(self, directive: str) -> list[int]:
        params = [self.axis, self.ndmin, self.trans1d, -1]
        if directive == "r":
            params[-1] = 0
        elif directive == "c":
            params[-1] = 1
        else:
            # Up to three numbers (any more are ignored); the rest keep their defaults.
            fields = directive.split(",")[:3]
            try:
                params = [int(f) for f in fields] + params[len(fields):]
            except ValueError:
                raise ValueError(f"jnp.{self.op_name}: could not understand directive "
                                 f"{directive!r}; expected 'r', 'c' or up to three "
                                 "comma-separated integers 'axis,ndmin,trans1d'.") from None
        return params

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        params = [self.axis, self.ndmin, self.trans1d, -1]
        if items and isinstance(items[0], str):
            params = self._directive(items[0])
            items = items[1:]
        axis, ndmin, trans1d, matrix = params
        pieces = []
        for item in items:
            if isinstance(item, slice):
                piece, item_ndim = _grid_1d(item, self.op_name), 0
            elif isinstance(item, str):
                raise ValueError(f"jnp.{self.op_name}: a string directive must be the first "
                                 f"item, got {item!r} later (at {user_frame_str()}).")
            else:
                piece = array(item)
                item_ndim = ndim_of(piece)
            piece = array(piece, ndmin=ndmin)
            if trans1d != -1 and ndmin - item_ndim > 0:
                # Rotate the axes so the item's own axes start at position trans1d.
                shifts = ndmin - abs(ndmin + trans1d + 1) % ndmin
                order = tuple(range(ndmin))
                piece = transpose(piece, order[shifts:] + order[:shifts])
            pieces.append(piece)
        out = concatenate(tuple(pieces), axis=axis)
        if matrix != -1 and ndim_of(out) == 1:
            out = expand_dims(out, matrix)
        return out

    def __len__(self) -> int:
        return 0


class _RClass(_AxisConcat):
    """Concatenation along the first axis by subscript: ``jnp.r_[a, b, 0:3, ...]``
    (slices are ``arange``/``linspace`` grids; see :class:`_AxisConcat` for directives).

    >>> jnp.r_[jnp.array([1, 2]), 0, 7:9]
    Array([1, 2, 0, 7, 8], dtype=int32)
    >>> jnp.r_['0,2', jnp.array([1, 2]), jnp.array([3, 4])]
    Array([[1, 2],
           [3, 4]], dtype=int32)
    """
    axis, ndmin, trans1d, op_name = 0, 1, -1, "r_"


class _CClass(_AxisConcat):
    """Concatenation along the last axis by subscript, items raised to at least 2-D with
    1-D items as columns: ``jnp.c_[a, b]`` (see :class:`_AxisConcat` for directives).

    >>> jnp.c_[jnp.array([1, 2]), jnp.array([3, 4])]
    Array([[1, 3],
           [2, 4]], dtype=int32)
    """
    axis, ndmin, trans1d, op_name = -1, 2, 0, "c_"


r_ = _RClass()
c_ = _CClass()


def ix_(*args: ArrayLike) -> tuple:
    """An open mesh from 1-D index arrays: argument ``i`` is reshaped to lie along axis
    ``i`` of ``len(args)`` axes, so ``x[jnp.ix_(rows, cols)]`` picks a sub-matrix.

    >>> rows, cols = jnp.ix_(jnp.array([0, 2]), jnp.array([1, 3]))
    >>> rows.shape, cols.shape
    ((2, 1), (1, 2))
    """
    check_arraylike("ix_", *args)
    n = len(args)
    out = []
    for i, a in enumerate(args):
        a = ensure_array(a)
        if ndim_of(a) != 1:
            raise ValueError(f"ix_: arguments must be 1-dimensional, got shape {shape_of(a)} "
                             f"at position {i} (at {user_frame_str()}).")
        if _dtypes.is_bool(dtype_of(a)):
            raise NotImplementedError("ix_: boolean arguments are not supported; pass "
                                      "jnp.nonzero(mask)[0] instead.")
        shape = [1] * n
        shape[i] = shape_of(a)[0]
        if shape[i] == 0:
            # an empty index is an integer index, whatever its dtype (as NumPy's)
            a = np.zeros((0,), _index_dtype())
        out.append(lax.broadcast_in_dim(a, tuple(shape), (i,)))
    return tuple(out)


def indices(dimensions: Sequence[int], dtype: DTypeLike | None = None,
            sparse: bool = False):
    """The index grid of an array of shape ``dimensions``: ``out[i]`` holds each
    element's index along axis ``i`` (with ``sparse=True``, a tuple of open-mesh arrays).

    >>> jnp.indices((2, 3))
    Array([[[0, 0, 0],
            [1, 1, 1]],
    <BLANKLINE>
           [[0, 1, 2],
            [0, 1, 2]]], dtype=int32)
    """
    dtype = _index_dtype() if dtype is None else canonical_dtype(dtype)
    dims = tuple(concrete_int("indices", "dimensions", d) for d in dimensions)
    n = len(dims)
    out = []
    for i, d in enumerate(dims):
        shape = tuple(d if j == i else 1 for j in range(n)) if sparse else dims
        out.append(lax.broadcast_in_dim(lax.iota(dtype, d), shape, (i,)))
    if sparse:
        return tuple(out)
    return stack(out, 0) if out else asarray(np.zeros((0,), dtype))


# --------------------------------------------------------------------------- flat <-> multi

def unravel_index(indices: ArrayLike, shape) -> tuple:
    """The multi-dimensional indices into an array of ``shape`` of the flat (row-major)
    ``indices``.  Negative indices count from the end; out-of-bounds ones are clipped to
    the nearest valid index (NumPy raises instead).

    >>> jnp.unravel_index(jnp.array([1, 5, -1]), (2, 3))
    (Array([0, 1, 1], dtype=int32), Array([1, 2, 2], dtype=int32))
    """
    check_arraylike("unravel_index", indices)
    rest = ensure_array(indices)
    try:
        shape = list(shape)
    except TypeError:
        shape = [shape]
    if any(np.ndim(s) != 0 for s in shape):
        raise ValueError(f"unravel_index: shape should be a scalar or 1D sequence, got "
                         f"{shape} (at {user_frame_str()}).")
    out = [None] * len(shape)
    for i in reversed(range(len(shape))):
        rest, out[i] = divmod(rest, shape[i])
    # What is left after dividing by every size says whether the index was in bounds:
    # 0, or -1 for a negative index counting from the end.
    too_big = lax.gt(rest, np.zeros((), dtype_of(rest)))
    if _dtypes.issubdtype(dtype_of(rest), np.unsignedinteger):
        too_small = asarray(False)
    else:
        too_small = lax.lt(rest, np.full((), -1, dtype_of(rest)))
    return tuple(where(too_big, s - 1, where(too_small, 0, i)) for s, i in zip(shape, out))


def _concrete_index(x):
    if isinstance(x, Tracer):
        value = x.to_concrete_value()
        if value is None:
            raise ConcretizationTypeError(
                x, "jnp.ravel_multi_index with mode='raise' checks the indices' values, "
                   "which a transformation does not know. Use mode='wrap' or mode='clip' "
                   "instead.\n")
        return np.asarray(value)
    return np.asarray(x)


def ravel_multi_index(multi_index: Sequence[ArrayLike], dims: Sequence[int],
                      mode: str = "raise", order: str = "C", *,
                      dtype: DTypeLike | None = None):
    """The flat indices into an array of shape ``dims`` of the index arrays
    ``multi_index`` (one per axis), in row-major (``order='C'``) or column-major
    (``'F'``) order.

    Out-of-bounds indices raise a ValueError (``mode='raise'``, eagerly only), are
    clipped (``'clip'``), wrapped (``'wrap'``) or left alone (``'ignore'``).

    >>> jnp.ravel_multi_index((jnp.array([0, 1, 1]), jnp.array([1, 2, 3])), (2, 3),
    ...                       mode='clip')
    Array([1, 5, 5], dtype=int32)
    """
    if len(multi_index) != len(dims):
        # JAX's kind for this mistake (an assert there)
        raise AssertionError(f"ravel_multi_index: len(multi_index)={len(multi_index)} != "
                             f"len(dims)={len(dims)}; give one index array per axis.")
    dims = tuple(concrete_int("ravel_multi_index", "dims", d) for d in dims)
    check_arraylike("ravel_multi_index", *multi_index)
    multi_index = [ensure_array(i) for i in multi_index]
    dtype = result_type(int, *multi_index) if dtype is None else canonical_dtype(dtype)
    if not _dtypes.is_integer(dtype):
        raise ValueError(f"ravel_multi_index: dtype={dtype} is not an integer type.")
    if math.prod(dims) - 1 > np.iinfo(dtype).max:
        raise ValueError(f"ravel_multi_index: dtype={dtype} is not large enough to hold "
                         f"flat indices for dims={dims}; pass a wider dtype=.")
    for index in multi_index:
        if mode == "raise":
            _concrete_index(index)
        if not _dtypes.is_integer(dtype_of(index)):
            raise TypeError(f"ravel_multi_index: only integer indices are permitted, got "
                            f"{dtype_of(index)} (at {user_frame_str()}).")
    if mode == "raise":
        for index, d in zip(multi_index, dims):
            value = _concrete_index(index)
            if np.any((value < 0) | (value >= d)):
                raise ValueError("ravel_multi_index: invalid entry in coordinates array "
                                 f"(an index out of bounds for dims={dims}); use "
                                 "mode='clip' or mode='wrap' to bring it in.")
    elif mode == "clip":
        multi_index = [clip(i, 0, d - 1) for i, d in zip(multi_index, dims)]
    elif mode == "wrap":
        multi_index = [remainder(i, d) for i, d in zip(multi_index, dims)]
    elif mode != "ignore":
        raise ValueError(f"ravel_multi_index: invalid mode={mode!r}; expected 'raise', "
                         "'wrap', 'clip' or 'ignore'.")
    if order == "F":
        strides = np.cumprod((1,) + dims[:-1])
    elif order == "C":
        strides = np.cumprod((1,) + dims[1:][::-1])[::-1]
    else:
        raise ValueError(f"ravel_multi_index: invalid order={order!r}; expected 'C' or 'F'.")
    result = asarray(0, dtype)
    for index, stride in zip(multi_index, strides):
        result = add(result, multiply(lax.convert_element_type(index, dtype), int(stride)))
    return result


# --------------------------------------------------------------------------- triangles

def _index_arrays(rows: np.ndarray, cols: np.ndarray) -> tuple:
    return asarray(rows, _index_dtype()), asarray(cols, _index_dtype())


def _triangle_args(fun_name: str, n, k, m) -> tuple[int, int, int]:
    n = concrete_int(fun_name, "n", n)
    k = concrete_int(fun_name, "k", k)
    m = n if m is None else concrete_int(fun_name, "m", m)
    return n, k, m


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple:
    """The (row, column) indices of the upper triangle of an ``n`` x ``m`` array: on and
    above the ``k``-th diagonal, row by row.

    >>> jnp.triu_indices(3, k=1)
    (Array([0, 0, 1], dtype=int32), Array([1, 2, 2], dtype=int32))
    """
    n, k, m = _triangle_args("triu_indices", n, k, m)
    return _index_arrays(*np.nonzero(np.triu(np.ones((n, m), bool), k)))


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple:
    """The (row, column) indices of the lower triangle of an ``n`` x ``m`` array: on and
    below the ``k``-th diagonal, row by row.

    >>> jnp.tril_indices(3)
    (Array([0, 1, 1, 2, 2, 2], dtype=int32), Array([0, 0, 1, 0, 1, 2], dtype=int32))
    """
    n, k, m = _triangle_args("tril_indices", n, k, m)
    return _index_arrays(*np.nonzero(np.tril(np.ones((n, m), bool), k)))


def _matrix_shape(fun_name: str, arr) -> tuple:
    if not hasattr(arr, "shape"):
        check_arraylike(fun_name, arr)
    shape = tuple(arr.shape) if hasattr(arr, "shape") else np.shape(arr)
    if len(shape) != 2:
        raise ValueError(f"{fun_name}: only 2-D inputs are accepted, got shape {shape} "
                         f"(at {user_frame_str()}).")
    return shape


def triu_indices_from(arr: ArrayLike, k: int = 0) -> tuple:
    """:func:`triu_indices` for the shape of the 2-D ``arr``.

    >>> jnp.triu_indices_from(jnp.ones((2, 3)))
    (Array([0, 0, 0, 1, 1], dtype=int32), Array([0, 1, 2, 1, 2], dtype=int32))
    """
    rows, cols = _matrix_shape("triu_indices_from", arr)
    return triu_indices(rows, k=k, m=cols)


def tril_indices_from(arr: ArrayLike, k: int = 0) -> tuple:
    """:func:`tril_indices` for the shape of the 2-D ``arr``.

    >>> jnp.tril_indices_from(jnp.ones((3, 2)), k=-1)
    (Array([1, 2, 2], dtype=int32), Array([0, 0, 1], dtype=int32))
    """
    rows, cols = _matrix_shape("tril_indices_from", arr)
    return tril_indices(rows, k=k, m=cols)


def mask_indices(n: int, mask_func: Callable, k: int = 0, *,
                 size: int | None = None) -> tuple:
    """The (row, column) indices where ``mask_func(jnp.ones((n, n)), k)`` is nonzero,
    e.g. ``mask_func=jnp.triu``.  Under a transformation pass a static ``size`` (see
    :func:`nonzero`).

    >>> jnp.mask_indices(2, jnp.triu)
    (Array([0, 0, 1], dtype=int32), Array([0, 1, 1], dtype=int32))
    """
    n = concrete_int("mask_indices", "n", n)
    rows, cols = nonzero(mask_func(ones((n, n)), k), size=size)
    return rows, cols


# --------------------------------------------------------------------------- diagonals

def diag_indices(n: int, ndim: int = 2) -> tuple:
    """Indices of the main diagonal of an ``ndim``-dimensional array of side ``n``:
    ``ndim`` copies of ``arange(n)``.

    >>> jnp.diag_indices(3)
    (Array([0, 1, 2], dtype=int32), Array([0, 1, 2], dtype=int32))
    """
    n = concrete_int("diag_indices", "n", n)
    ndim = concrete_int("diag_indices", "ndim", ndim)
    if n < 0:
        raise ValueError(f"diag_indices: n must be nonnegative, got {n}.")
    if ndim < 0:
        raise ValueError(f"diag_indices: ndim must be nonnegative, got {ndim}.")
    return (lax.iota(_index_dtype(), n),) * ndim


def _check_at_least_2d(fun_name: str, shape: tuple) -> None:
    if len(shape) < 2:
        raise ValueError(f"{fun_name}: the array must be at least 2-d, got shape {shape} "
                         f"(at {user_frame_str()}).")


def diag_indices_from(arr: ArrayLike) -> tuple:
    """:func:`diag_indices` of the array ``arr`` (at least 2-D, all sides equal).

    >>> jnp.diag_indices_from(jnp.ones((2, 2)))
    (Array([0, 1], dtype=int32), Array([0, 1], dtype=int32))
    """
    check_arraylike("diag_indices_from", arr)
    shape = shape_of(arr)
    _check_at_least_2d("diag_indices_from", shape)
    if len(set(shape)) != 1:
        raise ValueError(f"diag_indices_from: all dimensions of the input must be of equal "
                         f"length, got shape {shape} (at {user_frame_str()}).")
    return diag_indices(shape[0], ndim=len(shape))


def _diagonal_positions(shape: tuple, wrap: bool) -> tuple:
    """Static index arrays of the diagonal ``fill_diagonal`` writes: the leading square
    of a matrix (with ``wrap``, restarting below it every ``cols + 1`` rows, NumPy's
    flat-stride rule), or the main diagonal of an N-d cube."""
    if len(shape) == 2 and wrap:
        rows, cols = shape
        flat = np.arange(0, rows * cols, cols + 1, dtype=_index_dtype())
        return flat // cols, flat % cols
    return (np.arange(min(shape), dtype=_index_dtype()),) * len(shape)


def fill_diagonal(a: ArrayLike, val: ArrayLike, wrap: bool = False, *,
                  inplace: bool = True):
    """A copy of ``a`` with its main diagonal set to ``val`` (flattened and repeated as
    needed).  zenax arrays are immutable, so ``inplace=False`` must be passed.

    ``wrap=True`` (tall matrices) continues the diagonal below the leading square as
    NumPy does.

    >>> jnp.fill_diagonal(jnp.zeros((3, 3), int), jnp.array([1, 2]), inplace=False)
    Array([[1, 0, 0],
           [0, 2, 0],
           [0, 0, 1]], dtype=int32)
    """
    if inplace:
        raise NotImplementedError("fill_diagonal: zenax arrays are immutable and cannot be "
                                  "modified in place; pass inplace=False to get an updated "
                                  "copy.")
    check_arraylike("fill_diagonal", a, val)
    a, val = ensure_array(a), ensure_array(val)
    shape = shape_of(a)
    _check_at_least_2d("fill_diagonal", shape)
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ValueError(f"fill_diagonal: all dimensions of the input must be of equal "
                         f"length, got shape {shape} (at {user_frame_str()}).")
    positions = _diagonal_positions(shape, wrap)
    count = len(positions[0])
    if ndim_of(val) != 0 and count:
        flat = ravel(val)
        size = shape_of(flat)[0]
        if size < count:
            flat = tile(flat, -(-count // size))
        val = lax.slice_in_dim(flat, 0, count)
    return scatter_update(a, positions, val, lax.scatter, indices_are_sorted=True,
                          unique_indices=True, mode=None, normalize_indices=False)
