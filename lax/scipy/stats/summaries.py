"""Summary statistics of samples: ``mode`` (the most frequent value), ``rankdata`` (ranks
with ties resolved by a method) and ``sem`` (the standard error of the mean).

Each is compiled as one program when called eagerly (static ``axis``/``method``/...), as
JAX's are; so neither may look at the data to decide anything, and NaN handling is
limited to what a fixed program can do: ``mode``/``rankdata`` support only
``nan_policy='propagate'`` (``rankdata`` returns all NaN for data with a NaN), ``sem``
also ``'omit'``.

``mode`` maps a sort-based ``unique`` with counts over the columns (the values along
``axis``) and picks the first value of the largest count, so ties go to the smallest value.
``rankdata`` sorts once (stably) and derives every method from the sorted order: the
ordinal rank is the inverse permutation, the dense rank the running count of distinct
values, and min/max/average ranks read the start and end of each run of ties.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.at import at
from zenax.lax.jnp.indexing import getitem
from zenax.lax.jnp.promotion import check_arraylike, ndim_of, shape_of
from zenax.lax.jnp.reductions import canonical_axis
from zenax.lax.jnp.vectorization import batching_transform
from zenax.tracer import dtypes as _dtypes

from ._common import ArrayLike, dtype_of, promote_args_inexact

__all__ = ["ModeResult", "mode", "rankdata", "sem"]

_NAN_POLICIES = ("propagate", "omit", "raise")


class ModeResult(NamedTuple):
    """What :func:`mode` returns: the modal values and how often each occurs.

    >>> from zenax.scipy.stats import mode
    >>> mode(jnp.array([1, 3, 3])).count
    Array(2, dtype=int32)
    """
    mode: jnp.ndarray
    count: jnp.ndarray


def _check_nan_policy(fun_name: str, nan_policy: str) -> None:
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"{fun_name}: illegal nan_policy value {nan_policy!r}; expected one "
                         "of {'propagate', 'omit', 'raise'}")
    if nan_policy == "omit":
        raise NotImplementedError(f"Logic for `nan_policy` of {nan_policy} is not "
                                  f"implemented in {fun_name}")
    if nan_policy == "raise":
        raise NotImplementedError(
            f"{fun_name} runs as one compiled program, which cannot look at the data to "
            "raise on NaNs: check for NaNs (jnp.isnan(x).any()) before calling it.")


def _column_mode(x):
    """The most frequent value of the 1-D ``x`` and its count."""
    if shape_of(x)[0] == 0:
        float_dtype = _dtypes.default_float_dtype()
        return jnp.array(np.nan, dtype=float_dtype), jnp.array(0, dtype=float_dtype)
    values, counts = jnp.unique(x, return_counts=True, size=shape_of(x)[0])
    return getitem(values, jnp.argmax(counts)), jnp.max(counts)


@compiled_when_eager(n_arrays=1, static_argnames=("axis", "nan_policy", "keepdims"))
def mode(a: ArrayLike, axis: int | None = 0, nan_policy: str = "propagate",
         keepdims: bool = False) -> ModeResult:
    """The most frequent value along ``axis`` (of the flattened array for None) and its
    count; among equally frequent values, the smallest.

    >>> from zenax.scipy.stats import mode
    >>> mode(jnp.array([[2, 1, 2], [3, 1, 1]]), axis=1)
    ModeResult(mode=Array([2, 1], dtype=int32), count=Array([2, 2], dtype=int32))
    """
    check_arraylike("mode", a)
    x = jnp.atleast_1d(a)
    _check_nan_policy("mode", nan_policy)
    if axis is not None:
        axis = canonical_axis("mode", axis, ndim_of(x))
    input_shape = shape_of(x)
    if axis is None:
        output_shape = (1,) * len(input_shape) if keepdims else ()
        axis, x = 0, jnp.ravel(x)
    elif keepdims:
        output_shape = tuple(1 if i == axis else s for i, s in enumerate(input_shape))
    else:
        output_shape = tuple(s for i, s in enumerate(input_shape) if i != axis)
    x = jnp.moveaxis(x, axis, 0)
    x = jnp.reshape(x, (shape_of(x)[0], math.prod(shape_of(x)[1:])))
    values, counts = batching_transform()(_column_mode, in_axes=1)(x)
    return ModeResult(jnp.reshape(values, output_shape), jnp.reshape(counts, output_shape))


def _invert_permutation(i):
    return at(jnp.empty_like(i))[i].set(jnp.arange(shape_of(i)[0], dtype=i.dtype))


def _ranks(a, method: str):
    """The ranks of the 1-D, NaN-free ``a`` by ``method``."""
    out_dtype = _dtypes.default_float_dtype()
    size = shape_of(a)[0]
    arr, sorter = lax.sort_key_val(a, jnp.arange(size))
    inv = _invert_permutation(sorter)
    if method == "ordinal":
        return jnp.astype(jnp.add(inv, 1), out_dtype)
    # Where each run of equal values starts, in sorted order.
    starts = jnp.concatenate([jnp.array([True]),
                              jnp.not_equal(getitem(arr, slice(1, None)),
                                            getitem(arr, slice(None, -1)))])
    dense = getitem(jnp.cumsum(starts), inv)
    if method == "dense":
        return jnp.astype(dense, out_dtype)
    # count[j]: how many values precede the j-th run (count[-1]: all of them).
    count = jnp.astype(jnp.nonzero(starts, size=size + 1, fill_value=size)[0], out_dtype)
    if method == "max":
        return getitem(count, dense)
    if method == "min":
        return jnp.add(getitem(count, jnp.subtract(dense, 1)), 1)
    return jnp.multiply(0.5, jnp.add(jnp.add(getitem(count, dense),
                                             getitem(count, jnp.subtract(dense, 1))), 1))


def _rankdata(a, method: str, axis: int | None):
    if axis is not None:
        return jnp.apply_along_axis(_rankdata, axis, a, method, None)
    a = jnp.ravel(a)
    out_dtype = _dtypes.default_float_dtype()
    return lax.cond(jnp.any(jnp.isnan(a)), lambda a: jnp.full_like(a, np.nan, out_dtype),
                    lambda a: _ranks(a, method), a)


@compiled_when_eager(n_arrays=1, static_argnames=("method", "axis", "nan_policy"))
def rankdata(a: ArrayLike, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate"):
    """The ranks (from 1) of the values of ``a``, of the flattened array or along ``axis``;
    tied values get the ``method`` of ``'average'``, ``'min'``, ``'max'``, ``'dense'``
    (consecutive ranks for distinct values) or ``'ordinal'`` (order of appearance).

    >>> from zenax.scipy.stats import rankdata
    >>> rankdata(jnp.array([40, 10, 30, 10]))
    Array([4. , 1.5, 3. , 1.5], dtype=float32)
    >>> rankdata(jnp.array([40, 10, 30, 10]), method="dense")
    Array([3., 1., 2., 1.], dtype=float32)
    """
    check_arraylike("rankdata", a)
    _check_nan_policy("rankdata", nan_policy)
    if method not in ("average", "min", "max", "dense", "ordinal"):
        raise ValueError(f"rankdata: unknown method '{method}'; expected one of 'average', "
                         "'min', 'max', 'dense' or 'ordinal'.")
    return _rankdata(a, method, axis)


@compiled_when_eager(n_arrays=1, static_argnames=("axis", "ddof", "nan_policy", "keepdims"))
def sem(a: ArrayLike, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False):
    """The standard error of the mean, ``std(a, ddof=ddof) / sqrt(n)``, along ``axis``
    (of the flattened array for None); ``nan_policy='omit'`` leaves NaNs out of both.

    >>> from zenax.scipy.stats import sem
    >>> sem(jnp.array([1.0, 2.0, 4.0, 9.0]))
    Array(1.7795131, dtype=float32)
    """
    b, = promote_args_inexact("sem", a)
    dtype = dtype_of(b)
    if nan_policy == "propagate":
        size = math.prod(shape_of(b)) if axis is None else shape_of(b)[axis]
        return jnp.divide(jnp.std(b, axis, ddof=ddof, keepdims=keepdims),
                          jnp.astype(jnp.sqrt(size), dtype))
    if nan_policy == "omit":
        count = jnp.sum(jnp.logical_not(jnp.isnan(b)), axis, keepdims=keepdims)
        return jnp.divide(jnp.nanstd(b, axis, ddof=ddof, keepdims=keepdims),
                          jnp.astype(jnp.sqrt(count), dtype))
    raise ValueError(f"sem: nan_policy {nan_policy!r} is not supported; use 'propagate' or "
                     "'omit'.")
