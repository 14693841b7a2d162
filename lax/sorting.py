"""Sorting: ``sort`` (several operands, lexicographic on the first ``num_keys``), ``argsort``
and ``top_k``, with their rules.

Neither primitive is linear, but both only *move* elements, so their derivatives move the
tangents the same way:

* ``sort``'s tangent is the tangent sorted along with the primal keys (one more operand of
  the same sort).  In a linear jaxpr that equation is "permute ``t`` by the order of the
  keys", whose transpose scatters the cotangent back -- again a sort, keyed by the
  permutation, so reverse mode needs no gather.
* ``top_k``'s tangent picks the tangents at the returned indices (a one-hot select and a
  sum, both linear with transpose rules of their own).
"""
from __future__ import annotations

from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, jvp_rules, transpose_rules

from . import shapes as sh
from . import slicing
from .broadcasting import batch_size, bdim_at_front, instantiate, moveaxis
from .registry import ORDERED, canonical_axes, check_dtype, register, tangent_aval, type_error

lax = jax.lax

# Sort keys may also be complex (ordered lexicographically by real, then imaginary part).
_SORTABLE = ORDERED + (("complexfloating", dtypes.is_complex),)

# --------------------------------------------------------------------------- sort
sort_p = Primitive("sort", multiple_results=True)


def _sort_abstract_eval(*operands, dimension, is_stable, num_keys):
    if not operands:
        raise type_error("sort: needs at least one operand.")
    shape = operands[0].shape
    if any(x.shape != shape for x in operands):
        raise type_error("sort: all operands must have the same shape, got "
                         f"{', '.join(str(x.shape) for x in operands)}.")
    if not 0 <= dimension < len(shape):
        raise type_error(f"sort: dimension {dimension} is out of bounds for operands of "
                         f"shape {shape}.")
    if not 1 <= num_keys <= len(operands):
        raise type_error(f"sort: num_keys={num_keys} must be between 1 and the number of "
                         f"operands ({len(operands)}).")
    for x in operands[:num_keys]:
        check_dtype("sort", x, _SORTABLE)
    return list(operands)


def _sort_lower(*operands, dimension, is_stable, num_keys):
    return lax.sort(operands, dimension=dimension, is_stable=is_stable, num_keys=num_keys)


register(sort_p, _sort_abstract_eval, _sort_lower)


def _sort_jvp(primals, tangents, *, dimension, is_stable, num_keys):
    # Both sorts are stable so that tied keys permute primals and tangents alike.
    params = dict(dimension=dimension, is_stable=True, num_keys=num_keys)
    outs = bind(sort_p, *primals, **params)
    moved = [i for i, t in enumerate(tangents) if type(t) is not Zero]
    sorted_ts = bind(sort_p, *primals[:num_keys], *[instantiate(tangents[i]) for i in moved],
                     **params)[num_keys:]
    t_outs = [Zero(tangent_aval(get_aval(o))) for o in outs]
    for i, t in zip(moved, sorted_ts):
        t_outs[i] = t
    return outs, t_outs


def _sort_transpose(cts, *operands, dimension, is_stable, num_keys):
    """Transpose of "permute the non-key operands by the order of the keys"."""
    keys = operands[:num_keys]
    if any(is_undefined_primal(k) for k in keys):
        raise NotImplementedError("sort is not linear in its keys; only the operands sorted "
                                  "along with them can be transposed.")
    shape = get_aval(keys[0]).shape
    iota = sh.broadcasted_iota(np.int32, shape, dimension)
    perm = bind(sort_p, *keys, iota, dimension=dimension, is_stable=is_stable,
                num_keys=num_keys)[-1]
    cts_in = [None] * num_keys
    for x, ct in zip(operands[num_keys:], cts[num_keys:]):
        if not is_undefined_primal(x):
            cts_in.append(None)
        elif type(ct) is Zero:
            cts_in.append(Zero(x.aval))
        else:
            # Sorting by the permutation sends ct[i] back to position perm[i].
            cts_in.append(bind(sort_p, perm, ct, dimension=dimension, is_stable=True,
                               num_keys=1)[1])
    return cts_in


def _sort_batch(args, dims, *, dimension, is_stable, num_keys):
    params = dict(is_stable=is_stable, num_keys=num_keys)
    if len(set(dims)) == 1:     # all batched at the same place: sort around it
        bdim = dims[0]
        outs = bind(sort_p, *args, dimension=dimension + (dimension >= bdim), **params)
        return outs, [bdim] * len(outs)
    size = batch_size(args, dims)
    args = [bdim_at_front(x, d, size) for x, d in zip(args, dims)]
    outs = bind(sort_p, *args, dimension=dimension + 1, **params)
    return outs, [0] * len(outs)


jvp_rules[sort_p] = _sort_jvp
transpose_rules[sort_p] = _sort_transpose
batch_rules[sort_p] = _sort_batch

# --------------------------------------------------------------------------- top_k
top_k_p = Primitive("top_k", multiple_results=True)


def _top_k_abstract_eval(x, *, k, axis):
    check_dtype("top_k", x, ORDERED)
    if not 0 <= axis < x.ndim:
        raise type_error(f"top_k: axis {axis} is out of bounds for an operand of shape "
                         f"{x.shape}.")
    if not 0 <= k <= x.shape[axis]:
        raise type_error(f"top_k: k={k} must be between 0 and the size {x.shape[axis]} of "
                         f"axis {axis} (operand shape {x.shape}).")
    shape = x.shape[:axis] + (k,) + x.shape[axis + 1:]
    return [ShapedArray(shape, x.dtype, x.weak_type), ShapedArray(shape, np.int32)]


register(top_k_p, _top_k_abstract_eval, lambda x, *, k, axis: lax.top_k(x, k, axis=axis))


def _take_along_axis(t, indices, axis: int):
    """``t`` at ``indices`` along ``axis``: one gather with the other axes as batching
    dimensions (linear in ``t``; its transpose is a scatter-add), as JAX's top_k jvp."""
    t, indices = moveaxis(t, axis, -1), moveaxis(indices, axis, -1)
    nb = get_aval(t).ndim - 1
    batch = tuple(range(nb))
    dnums = slicing.GatherDimensionNumbers(
        offset_dims=(), collapsed_slice_dims=(nb,), start_index_map=(nb,),
        operand_batching_dims=batch, start_indices_batching_dims=batch)
    picked = slicing.gather(t, sh.expand_dims(indices, (nb + 1,)), dnums, (1,) * (nb + 1),
                            mode=slicing.GatherScatterMode.PROMISE_IN_BOUNDS)
    return moveaxis(picked, -1, axis)


def _top_k_jvp(primals, tangents, *, k, axis):
    (x,), (t,) = primals, tangents
    values, indices = bind(top_k_p, x, k=k, axis=axis)
    t_values = _take_along_axis(instantiate(t), indices, axis)
    return [values, indices], [t_values, Zero(tangent_aval(get_aval(indices)))]


def _top_k_batch(args, dims, *, k, axis):
    (x,), (bdim,) = args, dims
    outs = bind(top_k_p, x, k=k, axis=axis + (axis >= bdim))
    return outs, [bdim, bdim]


jvp_rules[top_k_p] = _top_k_jvp
batch_rules[top_k_p] = _top_k_batch


# =========================================================================== public API

def sort(operand, dimension: int = -1, is_stable: bool = True, num_keys: int = 1):
    """Sort along ``dimension``; a tuple of operands is sorted lexicographically by its first
    ``num_keys`` operands, the others moving along.

    >>> lax.sort(jnp.array([3., 1., 2.]))
    Array([1., 2., 3.], dtype=float32)
    >>> keys, vals = lax.sort((jnp.array([2, 1, 2]), jnp.array([10, 20, 30])))
    >>> vals       # ties keep their order (is_stable=True)
    Array([20, 10, 30], dtype=int32)
    """
    single = not isinstance(operand, (tuple, list))
    operands = [operand] if single else list(operand)
    if not operands:
        raise type_error("sort: needs at least one operand.")
    ndim = get_aval(operands[0]).ndim
    if ndim == 0:
        raise type_error("sort: operands must have at least one dimension, got a scalar.")
    dimension, = canonical_axes("sort", (dimension,), ndim)
    outs = bind(sort_p, *operands, dimension=dimension, is_stable=bool(is_stable),
                num_keys=int(num_keys))
    return outs[0] if single else tuple(outs)


def sort_key_val(keys, values, dimension: int = -1, is_stable: bool = True):
    """Sort ``keys`` along ``dimension``, permuting ``values`` the same way.

    >>> lax.sort_key_val(jnp.array([3, 1, 2]), jnp.array([0., 1., 2.]))[1]
    Array([1., 2., 0.], dtype=float32)
    """
    return sort((keys, values), dimension=dimension, is_stable=is_stable, num_keys=1)


def argsort(operand, dimension: int = -1, is_stable: bool = True):
    """Indices (int32) that sort ``operand`` along ``dimension``.

    >>> lax.argsort(jnp.array([3., 1., 2.]))
    Array([1, 2, 0], dtype=int32)
    """
    aval = get_aval(operand)
    if aval.ndim == 0:
        raise type_error("argsort: the operand must have at least one dimension.")
    dimension, = canonical_axes("argsort", (dimension,), aval.ndim)
    iota = sh.broadcasted_iota(np.int32, aval.shape, dimension)
    return sort((operand, iota), dimension=dimension, is_stable=is_stable, num_keys=1)[1]


def top_k(operand, k: int, *, axis: int = -1):
    """The ``k`` largest entries along ``axis`` (default last) and their int32 indices,
    largest first; ties go to the lower index.

    >>> values, indices = lax.top_k(jnp.array([1., 5., 3.]), 2)
    >>> values, indices
    (Array([5., 3.], dtype=float32), Array([1, 2], dtype=int32))
    """
    if isinstance(k, Sequence) or not isinstance(k, (int, np.integer)):
        raise type_error(f"top_k: k must be a static Python int, got {k!r}.")
    ndim = get_aval(operand).ndim
    if ndim == 0:
        raise type_error("top_k: the operand must have at least one dimension.")
    axis, = canonical_axes("top_k", (axis,), ndim)
    values, indices = bind(top_k_p, operand, k=int(k), axis=axis)
    return [values, indices]      # a list, as jax.lax.top_k returns
