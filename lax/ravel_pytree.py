"""``ravel_pytree``: a pytree of arrays as one flat vector, and the way back.

Optimizers and solvers that want a single vector (``scipy.optimize.minimize``, line
searches) flatten a parameter tree with it.  The vector's dtype is the promotion of the
leaves' dtypes (Python scalars count with their default dtype, not weakly); unravelling
converts each piece back to its leaf's dtype.  When every leaf already has the vector's
dtype no conversion happens, so ``unravel`` accepts a vector of any dtype (useful for
tangents of another precision).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.tree_util import PyTreeDef, tree_flatten, tree_unflatten

from .jnp.promotion import dtype_of, shape_of

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``(flat, unravel)``: the leaves of ``pytree`` raveled and concatenated into one 1-D
    array, and a function mapping such a vector back to a tree like ``pytree``.  A tree
    with no leaves gives an empty float32 vector.

    >>> flat, unravel = ravel_pytree({'w': zenax.numpy.ones((2, 2)), 'b': 0.5})
    >>> flat
    Array([0.5, 1. , 1. , 1. , 1. ], dtype=float32)
    >>> unravel(flat)['w']
    Array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    leaves, treedef = tree_flatten(pytree)
    flat, unravel_list = _ravel_list(leaves)
    return flat, functools.partial(_unravel_pytree, treedef, unravel_list)


def _unravel_pytree(treedef: PyTreeDef, unravel_list: Callable, flat) -> Any:
    return tree_unflatten(treedef, unravel_list(flat))


def _ravel_list(leaves: list) -> tuple[Any, Callable]:
    if not leaves:
        return lax.broadcast_in_dim(np.float32(0), (0,), ()), lambda _: []
    from_dtypes = [dtype_of(x) for x in leaves]
    to_dtype = _dtypes.result_type(*[(d, False) for d in from_dtypes])[0]
    shapes = [shape_of(x) for x in leaves]
    sizes = [int(np.prod(s)) for s in shapes]
    if all(d == to_dtype for d in from_dtypes):
        flat = lax.concatenate([lax.reshape(x, (n,)) for x, n in zip(leaves, sizes)], 0)
        return flat, functools.partial(_unravel_list, sizes, shapes, None, None)
    flat = lax.concatenate([lax.reshape(lax.convert_element_type(x, to_dtype), (n,))
                            for x, n in zip(leaves, sizes)], 0)
    return flat, functools.partial(_unravel_list, sizes, shapes, from_dtypes, to_dtype)


def _unravel_list(sizes, shapes, from_dtypes, to_dtype, flat) -> list:
    if to_dtype is not None and dtype_of(flat) != to_dtype:
        raise TypeError(f"unravel function given array of dtype {dtype_of(flat)}, but "
                        f"expected dtype {to_dtype}")
    starts = np.cumsum([0] + sizes)
    chunks = [lax.reshape(lax.slice_in_dim(flat, int(s), int(s) + n), shape)
              for s, n, shape in zip(starts, sizes, shapes)]
    if from_dtypes is None:
        return chunks
    return [lax.convert_element_type(c, d) for c, d in zip(chunks, from_dtypes)]
