"""Samplers that reorder or pick from a population: permutation and choice.

``permutation`` sorts by random keys (JAX's shuffle, ``_shuffle``); ``choice`` draws
indices uniformly (``randint``), by inverse CDF or by Gumbel-top-k, then takes them.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.core import get_aval

from .. import elementwise as ew
from .. import reductions as red
from .. import shapes as sh
from .. import sorting
from ..cumulative import cumsum
from ..jnp.indexing_routines import take
from .arguments import (OutSharding, _asarray, _check_key, _concrete_int, _full, _out_sharded,
                        _shape, _shape_of)
from .continuous import _gumbel_mode, gumbel, uniform
from .discrete import randint
from .keys import _random_bits, _split2
from .staging import _staged

__all__ = ["permutation", "choice"]


def permutation(key, x, axis: int = 0, independent: bool = False, *,
                out_sharding: OutSharding = None):
    """A random permutation of ``range(x)`` (int ``x``) or of ``x`` along ``axis``; with
    ``independent=True`` every slice along ``axis`` is shuffled on its own.

    >>> sorted(random.permutation(random.PRNGKey(0), 4).tolist())
    [0, 1, 2, 3]
    """
    key = _check_key("permutation", key)
    x = _asarray(x)
    aval = get_aval(x)
    if aval.ndim == 0:
        if not dtypes.is_integer(aval.dtype):
            raise TypeError("x must be an integer or at least 1-dimensional")
        n = _concrete_int("permutation", x)
        sample = _shuffle(key, sh.iota(dtypes.default_int_dtype(), n), 0, (n,))
        return _out_sharded("permutation", sample, out_sharding)
    axis = axis % aval.ndim if -aval.ndim <= axis < aval.ndim else _bad_axis(axis, aval)
    if independent or aval.ndim == 1:
        return _out_sharded("permutation", _shuffle(key, x, axis, aval.shape), out_sharding)
    # One permutation for every slice: sort with the same keys broadcast across them.
    sample = _shuffle(key, x, axis, (aval.shape[axis],))
    return _out_sharded("permutation", sample, out_sharding)


def _bad_axis(axis, aval):
    raise ValueError(f"axis {axis} is out of bounds for an array of shape {aval.shape}.")


@_staged(2, 3)
def _shuffle(key, x, axis: int, keys_shape: tuple):
    """Sort ``x`` along ``axis`` by fresh random 32-bit keys, a few times (JAX's algorithm:
    enough rounds that colliding keys are negligible).  ``keys_shape`` is ``x``'s shape, or
    ``(n,)`` to apply one permutation to every slice."""
    shape = _shape_of(x)
    size = math.prod(keys_shape)
    num_rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(num_rounds):
        key, subkey = _split2(key)
        sort_keys = _random_bits(subkey, 32, keys_shape)
        if keys_shape != shape:
            sort_keys = sh.broadcast_in_dim(sort_keys, shape, (axis,))
        _, x = sorting.sort_key_val(sort_keys, x, axis)
    return x


def choice(key, a, shape: Sequence[int] = (), replace: bool = True, p=None, axis: int = 0,
           mode: str | None = None):
    """Random samples of ``a`` (or of ``range(a)`` for an int), with or without replacement,
    uniformly or with probabilities ``p``.

    >>> random.choice(random.PRNGKey(0), 5, (3,), replace=False).shape
    (3,)
    """
    key = _check_key("choice", key)
    if not isinstance(shape, Sequence):
        raise TypeError(f"shape argument of zenax.random.choice must be a sequence, got "
                        f"{shape}")
    shape = _shape("choice", shape)
    arr = _asarray(a)
    aval = get_aval(arr)
    if aval.ndim == 0:
        n_inputs = _concrete_int("choice", a)
    else:
        axis = axis % aval.ndim if -aval.ndim <= axis < aval.ndim else _bad_axis(axis, aval)
        n_inputs = aval.shape[axis]
    n_draws = math.prod(shape)
    out_shape = shape if aval.ndim == 0 else aval.shape[:axis] + shape + aval.shape[axis + 1:]
    if n_draws == 0:
        return _full(0, aval.dtype, shape)      # as JAX, whatever ``a``'s shape
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population "
                         f"(size {n_inputs}) when 'replace=False'")
    if p is None and not replace:
        shuffled = permutation(key, n_inputs if aval.ndim == 0 else arr, axis)
        return sh.reshape(sh.slice_in_dim(shuffled, 0, n_draws, axis=axis), out_shape)
    if p is None:
        ind = randint(key, shape, 0, n_inputs)
    else:
        ind = _choice_indices(key, _probabilities(p, n_inputs), shape, n_draws, replace,
                              _gumbel_mode(mode))
    result = ind if aval.ndim == 0 else take(arr, ind, axis)
    return sh.reshape(result, out_shape)


def _probabilities(p, n_inputs: int):
    p = _asarray(p)
    aval = get_aval(p)
    if not dtypes.is_inexact(aval.dtype):
        p = ew.convert_element_type(p, dtypes.default_float_dtype())
    if aval.shape != (n_inputs,):
        raise ValueError("p must be None or a 1D vector with the same size as a.shape[axis]. "
                         f"p has shape {aval.shape} and a.shape[axis] is {n_inputs}.")
    return p


@_staged(2, 3, 4, 5)
def _choice_indices(key, p, shape: tuple, n_draws: int, replace: bool, mode):
    dtype = get_aval(p).dtype
    if replace:
        # Inverse CDF: the first index whose cumulative probability reaches r.
        p_cuml = cumsum(p)
        total = sh.index_in_dim(p_cuml, -1, keepdims=False)
        r = ew.mul(total, ew.sub(np.array(1, dtype), uniform(key, shape, dtype)))
        ind = _searchsorted_left(p_cuml, r)
    else:
        # Gumbel top-k trick: the k largest of log(p) + Gumbel noise.
        g = ew.add(gumbel(key, (get_aval(p).shape[0],), dtype, mode=mode), ew.log(p))
        ind = sorting.top_k(g, n_draws)[1]
    return ew.convert_element_type(ind, dtypes.default_int_dtype())


def _searchsorted_left(sorted_1d, values):
    """For each value, the number of entries of ``sorted_1d`` below it (int32)."""
    n = get_aval(sorted_1d).shape[0]
    shape = _shape_of(values)
    full = (*shape, n)
    below = ew.lt(sh.broadcast_in_dim(sorted_1d, full, (len(shape),)),
                  sh.broadcast_in_dim(values, full, tuple(range(len(shape)))))
    return red.reduce_sum(ew.convert_element_type(below, np.int32), (len(shape),))
