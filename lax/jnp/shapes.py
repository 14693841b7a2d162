"""Shape manipulation: reshape, transpose, axes moves, joining, splitting, tiling, flips
and rolls (padding is padding.py's).

All of it is static shape arithmetic in Python followed by a few lax shape primitives
(``reshape``, ``transpose``, ``broadcast_in_dim``, ``concatenate``, ``slice``,
``rev``).  Sizes, shifts and split points must be concrete.
"""
from __future__ import annotations

import math
import operator
from typing import Sequence

import numpy as np

from zenax import lax
from zenax.tracer.core import Tracer
from zenax.tracer.errors import ConcretizationTypeError
from zenax.tracer.source_info import user_frame_str
from zenax.lax.sharding_constraint import OutSharding, out_sharded

from .promotion import (ArrayLike, DTypeLike, canonical_dtype, check_arraylike,
                        concrete_static, convert_to, ensure_array, is_arraylike,
                        ndim_of, promote_dtypes, shape_of)
from .indexing_routines import take
from .reductions import canonical_axes, canonical_axis


def shape(a: ArrayLike) -> tuple[int, ...]:
    """The shape of ``a`` as a tuple of ints. Example: ``jnp.shape(jnp.ones((2, 3)))``."""
    return tuple(a.shape) if hasattr(a, "shape") else np.shape(a)


def ndim(a: ArrayLike) -> int:
    """The number of dimensions of ``a``."""
    return len(shape(a))


def size(a: ArrayLike, axis: int | Sequence[int] | None = None) -> int:
    """The number of elements of ``a`` (along ``axis``, an int or a tuple, if given).

    >>> jnp.size(jnp.ones((2, 3, 4)), axis=(0, 2))
    8
    """
    s = shape(a)
    if axis is None:
        return math.prod(s)
    return math.prod(s[i] for i in canonical_axes("size", axis, len(s)))


# --------------------------------------------------------------------------- reshape

def _resolve_newshape(fun_name: str, newshape, total: int,
                      error: type[Exception] = TypeError) -> tuple[int, ...]:
    """Fill in one ``-1`` dimension and check that the sizes match."""
    # (np.ndim of a tuple holding a tracer would convert it: look at sequences first)
    seq = isinstance(newshape, (tuple, list)) or np.ndim(newshape) != 0
    dims = [operator.index(concrete_static(fun_name, "shape", d))
            for d in (newshape if seq else (newshape,))]
    if any(d < -1 for d in dims):
        raise error(f"{fun_name}: invalid dimension in shape {tuple(dims)}: a dimension is "
                    "a non-negative integer, or -1 for the one inferred from the size.")
    unknown = [i for i, d in enumerate(dims) if d == -1]
    if len(unknown) > 1:
        raise error(f"{fun_name}: can only specify one unknown dimension, got {newshape}.")
    known = math.prod(d for d in dims if d != -1)
    if unknown:
        if known == 0 or total % known:
            raise error(f"{fun_name}: cannot reshape an array of size {total} into shape "
                    f"{tuple(newshape)} (at {user_frame_str()}).")
        dims[unknown[0]] = total // known
    elif known != total:
        raise error(f"{fun_name}: cannot reshape an array of size {total} into shape "
                    f"{tuple(dims)} (at {user_frame_str()}); the sizes must match.")
    return tuple(dims)


def reshape(a: ArrayLike, shape: int | Sequence[int] | None = None, order: str = "C", *,
            copy: bool | None = None, out_sharding: OutSharding = None):
    """Give ``a`` a new shape with the same number of elements (one dim may be -1).

    >>> jnp.reshape(jnp.arange(6), (2, -1)).shape
    (2, 3)
    """
    check_arraylike("reshape", a)
    if shape is None:
        raise TypeError("reshape() missing required argument 'shape'")
    # JAX hands a NumPy array to its own reshape method, so a size mismatch is NumPy's
    # ValueError there; for every other input it is a TypeError.
    error = ValueError if isinstance(a, np.ndarray) else TypeError
    a = ensure_array(a)
    new_sizes = _resolve_newshape("reshape", shape, math.prod(shape_of(a)), error)
    if order == "C":
        out = lax.reshape(a, new_sizes)
    elif order == "F":
        dims = tuple(range(ndim_of(a)))[::-1]
        out = transpose(lax.reshape(a, new_sizes[::-1], dims))
    else:
        raise NotImplementedError(f"reshape: order={order!r} is not supported; use 'C' or "
                                  "'F'.")
    return out_sharded("zenax.numpy.reshape", out, out_sharding)


def ravel(a: ArrayLike, order: str = "C", *, out_sharding: OutSharding = None):
    """The elements of ``a`` as a 1-D array. Example: ``jnp.ravel(jnp.ones((2, 3)))``."""
    check_arraylike("ravel", a)
    return out_sharded("zenax.numpy.ravel", reshape(a, (math.prod(shape_of(a)),), order),
                       out_sharding)


def transpose(a: ArrayLike, axes: Sequence[int] | None = None):
    """Permute the axes of ``a`` (reverse them by default).

    >>> jnp.transpose(jnp.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    check_arraylike("transpose", a)
    a = ensure_array(a)
    n = ndim_of(a)
    if axes is None:
        perm = tuple(range(n))[::-1]
    else:
        perm = tuple(operator.index(ax) % n if n else operator.index(ax) for ax in axes)
        if sorted(perm) != list(range(n)):
            raise TypeError(f"transpose: axes {tuple(axes)} don't match an array of "
                            f"{n} dimensions (at {user_frame_str()}).")
    return lax.transpose(a, perm)


permute_dims = transpose


def matrix_transpose(x: ArrayLike, /):
    """Swap the last two axes. Example: ``jnp.matrix_transpose(x)``."""
    check_arraylike("matrix_transpose", x)
    n = ndim_of(x)
    if n < 2:
        raise ValueError(f"matrix_transpose requires at least 2 dimensions, got {n}.")
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def swapaxes(a: ArrayLike, axis1: int, axis2: int):
    """Exchange two axes. Example: ``jnp.swapaxes(x, 0, -1)``."""
    check_arraylike("swapaxes", a)
    n = ndim_of(a)
    perm = list(range(n))
    i, j = canonical_axis("swapaxes", axis1, n), canonical_axis("swapaxes", axis2, n)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]):
    """Move axes to new positions, keeping the order of the others.

    >>> jnp.moveaxis(jnp.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    check_arraylike("moveaxis", a)
    n = ndim_of(a)
    src = (source,) if np.ndim(source) == 0 else tuple(source)
    dst = (destination,) if np.ndim(destination) == 0 else tuple(destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of "
                         f"elements, got {src} and {dst}.")
    src = [canonical_axis("moveaxis", s, n) for s in src]
    dst = [canonical_axis("moveaxis", d, n) for d in dst]
    perm = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return transpose(a, perm)


def squeeze(a: ArrayLike, axis: int | Sequence[int] | None = None):
    """Remove size-1 axes (all of them, or those in ``axis``).

    >>> jnp.squeeze(jnp.ones((1, 3, 1))).shape
    (3,)
    """
    check_arraylike("squeeze", a)
    a = ensure_array(a)
    s = shape_of(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(s) if d == 1)
    else:
        axes = canonical_axes("squeeze", axis, len(s))
        for ax in axes:
            if s[ax] != 1:
                raise ValueError(f"squeeze: cannot select an axis to squeeze out which has "
                                 f"size not equal to one (axis {ax} of shape {s}).")
    return lax.squeeze(a, axes)


def expand_dims(a: ArrayLike, axis: int | Sequence[int]):
    """Insert size-1 axes at ``axis`` (positions in the result).

    >>> jnp.expand_dims(jnp.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    check_arraylike("expand_dims", a)
    a = ensure_array(a)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = canonical_axes("expand_dims", axes, ndim_of(a) + len(axes))
    return lax.expand_dims(a, axes)


# --------------------------------------------------------------------------- joining

def concatenate(arrays: Sequence[ArrayLike], axis: int | None = 0,
                dtype: DTypeLike | None = None):
    """Join arrays along an existing axis (``axis=None`` flattens them first).

    >>> jnp.concatenate([jnp.zeros(2), jnp.ones(3)]).shape
    (5,)
    """
    if is_arraylike(arrays) and ndim_of(arrays) == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated.")
    arrays = list(arrays)   # a sequence, or an array split along its first axis
    if not arrays:
        raise ValueError("concatenate: need at least one array to concatenate.")
    check_arraylike("concatenate", *arrays)
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    if any(ndim_of(a) == 0 for a in arrays):
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated.")
    arrays = promote_dtypes(*arrays) if dtype is None else [
        convert_to(a, canonical_dtype(dtype)) for a in arrays]
    arrays = [ensure_array(a) for a in arrays]
    axis = canonical_axis("concatenate", axis, ndim_of(arrays[0]))   # first, as JAX
    ndims = {ndim_of(a) for a in arrays}
    if len(ndims) != 1:
        raise TypeError("concatenate: all the input arrays must have the same number of "
                        f"dimensions, got shapes {[shape_of(a) for a in arrays]}.")
    return lax.concatenate(arrays, axis)


concat = concatenate


def stack(arrays: Sequence[ArrayLike], axis: int = 0, out=None,
          dtype: DTypeLike | None = None):
    """Join arrays of one shape along a new axis.

    >>> jnp.stack([jnp.zeros(3), jnp.ones(3)], axis=1).shape
    (3, 2)
    """
    arrays = list(arrays)
    if not arrays:
        raise ValueError("stack: need at least one array to stack.")
    check_arraylike("stack", *arrays)
    shapes = {shape_of(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"stack: all input arrays must have the same shape, got "
                         f"{[shape_of(a) for a in arrays]} (at {user_frame_str()}).")
    axis = canonical_axis("stack", axis, len(shapes.pop()) + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis, dtype)


def atleast_1d(*arys: ArrayLike):
    """View inputs as arrays with at least one dimension."""
    check_arraylike("atleast_1d", *arys)
    out = [ensure_array(a) if ndim_of(a) >= 1 else reshape(a, (1,)) for a in arys]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys: ArrayLike):
    """View inputs as arrays with at least two dimensions (1-D ``x`` becomes ``(1, n)``)."""
    check_arraylike("atleast_2d", *arys)
    out = [ensure_array(a) if ndim_of(a) >= 2 else
           reshape(a, (1,) * (2 - ndim_of(a)) + shape_of(a)) for a in arys]
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys: ArrayLike):
    """At least three dimensions: ``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)``."""
    check_arraylike("atleast_3d", *arys)
    out = []
    for a in arys:
        s = shape_of(a)
        if len(s) == 0:
            out.append(reshape(a, (1, 1, 1)))
        elif len(s) == 1:
            out.append(reshape(a, (1,) + s + (1,)))
        elif len(s) == 2:
            out.append(reshape(a, s + (1,)))
        else:
            out.append(ensure_array(a))
    return out[0] if len(out) == 1 else out


def _as_list(fun_name: str, tup) -> list:
    if not isinstance(tup, (list, tuple)):
        raise TypeError(f"{fun_name} expects a sequence of arrays, got {type(tup).__name__} "
                        f"(at {user_frame_str()}).")
    return list(tup)


def hstack(tup: Sequence[ArrayLike], dtype: DTypeLike | None = None):
    """Join along the second axis (the first for 1-D arrays)."""
    arrs = atleast_1d(*_as_list("hstack", tup))
    arrs = arrs if isinstance(arrs, list) else [arrs]
    return concatenate(arrs, 0 if ndim_of(arrs[0]) == 1 else 1, dtype)


def vstack(tup: Sequence[ArrayLike], dtype: DTypeLike | None = None):
    """Join along the first axis, treating 1-D arrays as rows."""
    arrs = atleast_2d(*_as_list("vstack", tup))
    return concatenate(arrs if isinstance(arrs, list) else [arrs], 0, dtype)


def dstack(tup: Sequence[ArrayLike], dtype: DTypeLike | None = None):
    """Join along the third axis."""
    arrs = atleast_3d(*_as_list("dstack", tup))
    return concatenate(arrs if isinstance(arrs, list) else [arrs], 2, dtype)


def column_stack(tup: Sequence[ArrayLike]):
    """Join 1-D arrays as columns of a 2-D array (2-D arrays are joined as they are)."""
    arrs = [reshape(a, (-1, 1)) if ndim_of(a) < 2 else a
            for a in _as_list("column_stack", tup)]
    return concatenate(arrs, 1)


def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None):
    """``concatenate`` of ``arr`` and ``values`` (both flattened if ``axis`` is None)."""
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


# --------------------------------------------------------------------------- splitting

def _split(fun_name: str, ary, indices_or_sections, axis: int, equal: bool) -> list:
    check_arraylike(fun_name, ary)
    ary = ensure_array(ary)
    axis = canonical_axis(fun_name, axis, ndim_of(ary))
    n = shape_of(ary)[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = operator.index(concrete_static(fun_name, "indices_or_sections",
                                                  indices_or_sections))
        if sections <= 0:
            raise ValueError(f"{fun_name}: number of sections must be larger than 0.")
        if equal and n % sections:
            raise ValueError(f"array split does not result in an equal division: an axis of "
                             f"size {n} cannot be split into {sections} equal parts "
                             f"(at {user_frame_str()}); use jnp.array_split.")
        # As NumPy: the first n % sections parts get one extra element.
        base, extra = n // sections, n % sections
        sizes = [base + 1] * extra + [base] * (sections - extra)
        bounds = list(np.cumsum([0] + sizes))
    else:
        indices = [operator.index(i) for i in indices_or_sections]
        bounds = [0] + [min(max(i + n if i < 0 else i, 0), n) for i in indices] + [n]
    return [lax.slice_in_dim(ary, int(lo), int(max(lo, hi)), axis=axis)
            for lo, hi in zip(bounds[:-1], bounds[1:])]


def split(ary: ArrayLike, indices_or_sections, axis: int = 0) -> list:
    """Split into equal sections, or at the given indices.

    >>> [p.shape for p in jnp.split(jnp.arange(6), 3)]
    [(2,), (2,), (2,)]
    """
    return _split("split", ary, indices_or_sections, axis, equal=True)


def array_split(ary: ArrayLike, indices_or_sections, axis: int = 0) -> list:
    """Like :func:`split`, but sections may differ in size by one."""
    return _split("array_split", ary, indices_or_sections, axis, equal=False)


def hsplit(ary: ArrayLike, indices_or_sections) -> list:
    """Split along the second axis (the first for 1-D arrays)."""
    return split(ary, indices_or_sections, axis=0 if ndim_of(ary) == 1 else 1)


def vsplit(ary: ArrayLike, indices_or_sections) -> list:
    """Split along the first axis."""
    return split(ary, indices_or_sections, axis=0)


def dsplit(ary: ArrayLike, indices_or_sections) -> list:
    """Split along the third axis."""
    return split(ary, indices_or_sections, axis=2)


# --------------------------------------------------------------------------- repetition

def tile(A: ArrayLike, reps: int | Sequence[int]):
    """Repeat the whole array ``reps`` times along each axis.

    >>> jnp.tile(jnp.array([1, 2]), 2)
    Array([1, 2, 1, 2], dtype=int32)
    """
    check_arraylike("tile", A)
    A = ensure_array(A)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    reps = tuple(operator.index(concrete_static("tile", "reps", r)) for r in reps)
    n = max(len(reps), ndim_of(A))
    reps = (1,) * (n - len(reps)) + reps
    a_shape = (1,) * (n - ndim_of(A)) + shape_of(A)
    # Interleave a repetition axis before each axis, broadcast, and merge the pairs.
    expanded = tuple(d for pair in zip(reps, a_shape) for d in pair)
    out = lax.broadcast_in_dim(A, expanded, tuple(range(2 * (n - ndim_of(A)) + 1, 2 * n, 2)))
    return lax.reshape(out, tuple(r * d for r, d in zip(reps, a_shape)))


def repeat(a: ArrayLike, repeats, axis: int | None = None, *,
           total_repeat_length: int | None = None, out_sharding: OutSharding = None):
    """Repeat each element ``repeats`` times (an int, or one count per element).

    Under ``jit`` the counts may be traced if ``total_repeat_length`` (static) gives the
    result's length: a longer result repeats the last element, a shorter one is cut.

    >>> jnp.repeat(jnp.array([1, 2]), 2)
    Array([1, 1, 2, 2], dtype=int32)
    >>> jnp.repeat(jnp.array([1, 2]), jnp.array([1, 2]), total_repeat_length=4)
    Array([1, 2, 2, 2], dtype=int32)
    """
    return out_sharded("zenax.numpy.repeat", _repeat(a, repeats, axis, total_repeat_length),
                       out_sharding)


def _repeat(a: ArrayLike, repeats, axis: int | None, total_repeat_length: int | None):
    check_arraylike("repeat", a, repeats)
    a = ensure_array(a)
    if axis is None or ndim_of(a) == 0:     # a 0-d array repeats as a 1-d one (as JAX)
        a, axis = ravel(a), 0
    axis = canonical_axis("repeat", axis, ndim_of(a))
    s = shape_of(a)
    if total_repeat_length is not None:
        total_repeat_length = operator.index(total_repeat_length)
    if isinstance(repeats, Tracer):
        if total_repeat_length is None:
            raise ConcretizationTypeError(
                f"repeat: the counts `repeats` are traced, so the length of the result is "
                f"not known while tracing (at {user_frame_str()}). Pass a static "
                "total_repeat_length=, or make `repeats` static.")
        return _repeat_to_length(a, repeats, axis, total_repeat_length)
    counts = np.asarray(repeats)
    if counts.ndim > 1 or not np.issubdtype(counts.dtype, np.integer):
        raise ValueError(f"repeat: repeats must be an int or a 1-D sequence of ints, got "
                         f"{repeats!r} (at {user_frame_str()}).")
    if counts.ndim == 1 and counts.size not in (1, s[axis]):
        raise ValueError(f"repeat: {counts.size} repeats for an axis of size {s[axis]} "
                         f"(at {user_frame_str()}).")
    if (counts < 0).any():
        raise TypeError(f"repeat: repeats may not be negative, got {repeats!r} "
                         f"(at {user_frame_str()}).")
    total = int(counts.sum()) if counts.size == s[axis] else int(counts.reshape(-1)[0]) * s[axis]
    if total_repeat_length is not None and total_repeat_length != total:
        return _repeat_to_length(a, counts, axis, total_repeat_length)
    if counts.ndim == 1 and counts.size != 1:
        pieces = [repeat(lax.slice_in_dim(a, i, i + 1, axis=axis), int(c), axis)
                  for i, c in enumerate(counts) if c]
        return concatenate(pieces, axis) if pieces else lax.slice_in_dim(a, 0, 0, axis=axis)
    count = int(counts.reshape(()))
    # Add a new axis after `axis`, broadcast it to `count`, and merge the two.
    expanded = s[:axis + 1] + (count,) + s[axis + 1:]
    dims = tuple(range(axis + 1)) + tuple(range(axis + 2, len(s) + 1))
    return lax.reshape(lax.broadcast_in_dim(a, expanded, dims),
                       s[:axis] + (s[axis] * count,) + s[axis + 1:])


def _repeat_to_length(a, repeats, axis: int, length: int):
    """``repeat`` with counts known only at run time: mark where each element's block
    ends (a scatter-add of ones); the running count of marks at each output position is
    the element it copies."""
    n = shape_of(a)[axis]
    if n == 0:
        raise ValueError(f"repeat: cannot repeat the elements of an empty axis to length "
                         f"{length} (at {user_frame_str()}).")
    index = np.dtype(np.int32)
    counts = lax.convert_element_type(ensure_array(repeats), index)
    if shape_of(counts) != (n,):      # one count for every element
        counts = lax.broadcast_in_dim(lax.reshape(counts, ()), (n,), ())
    ends = lax.slice(lax.cumsum(counts, 0), (0,), (n - 1,))
    dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                        scatter_dims_to_operand_dims=(0,))
    marks = lax.scatter_add(lax.broadcast_in_dim(np.zeros((), index), (length,), ()),
                            lax.reshape(ends, (n - 1, 1)),
                            lax.broadcast_in_dim(np.ones((), index), (n - 1,), ()), dnums,
                            mode=lax.GatherScatterMode.FILL_OR_DROP)
    return take(a, lax.cumsum(marks, 0), axis=axis, mode="clip")


# --------------------------------------------------------------------------- flips and rolls

def flip(m: ArrayLike, axis: int | Sequence[int] | None = None):
    """Reverse the order of elements along ``axis`` (all axes by default).

    >>> jnp.flip(jnp.arange(3))
    Array([2, 1, 0], dtype=int32)
    """
    check_arraylike("flip", m)
    m = ensure_array(m)
    return lax.rev(m, canonical_axes("flip", axis, ndim_of(m), duplicate_error=TypeError))


def fliplr(m: ArrayLike):
    """Reverse the second axis."""
    return flip(m, 1)


def flipud(m: ArrayLike):
    """Reverse the first axis."""
    return flip(m, 0)


def _roll_static(a, shift: int, axis: int):
    n = shape_of(a)[axis]
    if n == 0:
        return a
    shift %= n
    if shift == 0:
        return a
    return lax.concatenate([lax.slice_in_dim(a, n - shift, n, axis=axis),
                            lax.slice_in_dim(a, 0, n - shift, axis=axis)], axis)


def roll(a: ArrayLike, shift: int | Sequence[int], axis: int | Sequence[int] | None = None):
    """Shift elements cyclically along ``axis`` (of the flattened array if None).  A
    traced ``shift`` works too (a dynamic slice of the axis repeated twice).

    >>> jnp.roll(jnp.arange(4), 1)
    Array([3, 0, 1, 2], dtype=int32)
    """
    check_arraylike("roll", a)
    a = ensure_array(a)
    if isinstance(shift, Tracer):
        return _roll_dynamic(a, shift, axis)
    shifts = (shift,) if np.ndim(shift) == 0 else tuple(shift)
    shifts = [operator.index(concrete_static("roll", "shift", s)) for s in shifts]
    if axis is None:
        return reshape(roll(ravel(a), sum(shifts), 0), shape_of(a))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {tuple(shifts)} and axis {tuple(axes)} must have the "
                         "same length.")
    for s, ax in zip(shifts, axes):
        a = _roll_static(a, s, canonical_axis("roll", ax, ndim_of(a)))
    return a


def _roll_dynamic(a, shift, axis):
    """``roll`` by traced shifts: along each axis, the window of ``concat([a, a])`` that
    starts at ``(-shift) mod n``."""
    if axis is None:
        return reshape(_roll_dynamic(ravel(a), lax.reduce_sum(lax.reshape(
            shift, (int(np.prod(shift.shape)),)), (0,)), 0), shape_of(a))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    shifts = lax.broadcast_in_dim(shift, (len(axes),), ()) if shift.ndim == 0 else shift
    if shifts.shape != (len(axes),):
        raise ValueError(f"roll: shift of shape {shifts.shape} and axis {axes} must have "
                         f"the same length (at {user_frame_str()}).")
    for i, ax in enumerate(axes):
        ax = canonical_axis("roll", ax, ndim_of(a))
        n = shape_of(a)[ax]
        if n == 0:
            continue
        s = lax.convert_element_type(lax.index_in_dim(shifts, i, keepdims=False), np.int32)
        start = lax.rem(lax.add(lax.rem(lax.neg(s), np.int32(n)), np.int32(n)), np.int32(n))
        a = lax.dynamic_slice_in_dim(lax.concatenate([a, a], ax), start, n, axis=ax)
    return a


def rot90(m: ArrayLike, k: int = 1, axes: tuple[int, int] = (0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (counterclockwise).

    >>> jnp.rot90(jnp.array([[1, 2], [3, 4]]))
    Array([[2, 4],
           [1, 3]], dtype=int32)
    """
    check_arraylike("rot90", m)
    m = ensure_array(m)
    if len(axes) != 2:
        raise ValueError("rot90: axes must be a pair of axes.")
    ax1 = canonical_axis("rot90", axes[0], ndim_of(m))
    ax2 = canonical_axis("rot90", axes[1], ndim_of(m))
    if ax1 == ax2:
        raise ValueError("rot90: axes must be different.")
    k = operator.index(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, ax1), ax2)
    if k == 1:
        return swapaxes(flip(m, ax2), ax1, ax2)
    return flip(swapaxes(m, ax1, ax2), ax2)
