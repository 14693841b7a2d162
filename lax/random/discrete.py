"""Samplers of discrete distributions: bernoulli, randint, categorical.

``bernoulli`` compares uniform floats with ``p``; ``randint`` reduces two words of random
bits modulo the range, as JAX does; ``categorical`` is Gumbel-max (Gumbel-top-k without
replacement), on ``gumbel`` from ``continuous``.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.core import get_aval

from .. import elementwise as ew
from .. import prng
from .. import reductions as red
from .. import shapes as sh
from .. import sorting
from ..broadcasting import moveaxis
from ..jnp.promotion import broadcast_to_shape as _broadcast_to
from .arguments import (OutSharding, _asarray, _check_key, _check_shape, _full, _out_sharded,
                        _shape, _shape_of)
from .continuous import _gumbel_mode, _uniform, gumbel
from .keys import _random_bits, _split2
from .staging import _staged

__all__ = ["bernoulli", "randint", "categorical"]


def bernoulli(key, p=0.5, shape: Sequence[int] | None = None, mode: str = "low", *,
              out_sharding: OutSharding = None):
    """Boolean samples that are True with probability ``p``.

    >>> random.bernoulli(random.PRNGKey(0), 0.9, (4,)).dtype
    dtype('bool')
    """
    if mode not in ("high", "low"):
        raise ValueError(f"got mode={mode!r}, expected 'high' or 'low'")
    key = _check_key("bernoulli", key)
    p = _asarray(p, "bernoulli", "p")
    dtype = get_aval(p).dtype
    if not dtypes.is_float(dtype):
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dtype}.")
    if shape is None:
        shape = _shape_of(p)
    else:
        shape = _shape("bernoulli", shape)
        _check_shape("bernoulli", shape, _shape_of(p))
    sample = _bernoulli(key, ew.convert_element_type(p, dtype), shape, mode)
    return _out_sharded("bernoulli", sample, out_sharding)


@_staged(2, 3)
def _bernoulli(key, p, shape: tuple, mode: str):
    dtype = get_aval(p).dtype
    p = _broadcast_to(p, shape)
    if mode == "low":
        return ew.lt(_uniform(key, 0., 1., shape, dtype), p)
    u = _uniform(key, 0., 1., (2, *shape), dtype)
    u1, u2 = (sh.index_in_dim(u, i, keepdims=False) for i in (0, 1))
    u2 = ew.mul(u2, np.array(2. ** -dtypes.finfo(dtype).nmant, dtype))
    return ew.lt(u2, ew.sub(p, u1))


def randint(key, shape: Sequence[int], minval, maxval, dtype=None, *,
            out_sharding: OutSharding = None):
    """Uniform integers in ``[minval, maxval)`` (int32 by default).

    >>> random.randint(random.PRNGKey(0), (3,), 0, 10).dtype
    dtype('int32')
    """
    key = _check_key("randint", key)
    dtype = dtypes.canonicalize_dtype(int if dtype is None else dtype)
    if not dtypes.is_integer(dtype):
        raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
    shape = _shape("randint", shape)
    minval, maxval = _asarray(minval, "randint", "minval"), _asarray(maxval, "randint", "maxval")
    info = dtypes.iinfo(dtype)
    if info.bits >= 32:
        sample = _randint(key, minval, maxval, shape, dtype)
        return _out_sharded("randint", sample, out_sharding)
    # Narrow integers are sampled as int32 (less bias), then cast.
    minval = _clip(ew.convert_element_type(minval, np.int32), info.min, info.max)
    maxval = _clip(ew.convert_element_type(maxval, np.int32), info.min, info.max + 1)
    sample = ew.convert_element_type(_randint(key, minval, maxval, shape, np.int32), dtype)
    return _out_sharded("randint", sample, out_sharding)


def _clip(x, lo, hi):
    dtype = get_aval(x).dtype
    return ew.min(np.array(hi, dtype), ew.max(np.array(lo, dtype), x))


def _convert_and_clip_integer(x, dtype):
    """``x`` cast to the integer ``dtype``, clipped to its range rather than wrapped."""
    src = get_aval(x).dtype
    lo = max(dtypes.iinfo(dtype).min, dtypes.iinfo(src).min)
    hi = min(dtypes.iinfo(dtype).max, dtypes.iinfo(src).max)
    return ew.convert_element_type(_clip(x, lo, hi), dtype)


@_staged(3, 4)
def _randint(key, minval, maxval, shape: tuple, dtype):
    _check_shape("randint", shape, _shape_of(minval), _shape_of(maxval))
    minval, maxval = (v if dtypes.is_integer(get_aval(v).dtype)
                      else ew.convert_element_type(v, dtypes.default_int_dtype())
                      for v in (minval, maxval))
    maxval_dtype = get_aval(maxval).dtype
    dtype_max = _convert_and_clip_integer(np.array(dtypes.iinfo(dtype).max, dtype), maxval_dtype)
    maxval_out_of_range = _broadcast_to(ew.gt(maxval, dtype_max), shape)
    minval = _broadcast_to(_convert_and_clip_integer(minval, dtype), shape)
    maxval = _broadcast_to(_convert_and_clip_integer(maxval, dtype), shape)

    nbits = dtypes.iinfo(dtype).bits
    unsigned = prng.UINT_DTYPES[nbits]
    k1, k2 = _split2(key)
    higher_bits = _random_bits(k1, nbits, shape)
    lower_bits = _random_bits(k2, nbits, shape)

    one = np.array(1, unsigned)
    span = ew.convert_element_type(ew.sub(maxval, minval), unsigned)
    # An empty range returns minval; a maxval past the dtype's range widens the span by one.
    span = ew.select(ew.le(maxval, minval), _full(1, unsigned, shape), span)
    span = ew.select(ew.bitwise_and(maxval_out_of_range, ew.gt(maxval, minval)),
                     ew.add(span, one), span)
    # (higher * 2**nbits + lower) % span, without overflow: (a * b) % n = (a%n * b%n) % n.
    multiplier = ew.rem(np.array(2 ** (nbits // 2), unsigned), span)
    multiplier = ew.rem(ew.mul(multiplier, multiplier), span)
    offset = ew.add(ew.mul(ew.rem(higher_bits, span), multiplier), ew.rem(lower_bits, span))
    offset = ew.rem(offset, span)
    return ew.add(minval, ew.convert_element_type(offset, dtype))


def categorical(key, logits, axis: int = -1, shape: Sequence[int] | None = None,
                replace: bool = True, mode: str | None = None, *,
                out_sharding: OutSharding = None):
    """Samples of the categorical distributions ``softmax(logits, axis)`` (Gumbel-max;
    Gumbel-top-k without replacement).

    >>> random.categorical(random.PRNGKey(0), jnp.log(jnp.array([0.2, 0.8])), shape=(4,)).shape
    (4,)
    """
    key = _check_key("categorical", key)
    logits = _asarray(logits)
    logits_shape = _shape_of(logits)
    batch_shape = tuple(np.delete(logits_shape, axis))
    if shape is None:
        shape = batch_shape
    else:
        shape = _shape("categorical", shape)
        _check_shape("categorical", shape, batch_shape)
    prefix = shape[:len(shape) - len(batch_shape)]
    if not replace and math.prod(prefix) > logits_shape[axis]:
        raise ValueError(f"Number of samples without replacement ({math.prod(prefix)}) cannot "
                         f"exceed number of categories ({logits_shape[axis]}).")
    sample = _categorical(key, logits, shape, axis, replace, _gumbel_mode(mode))
    return _out_sharded("categorical", sample, out_sharding)


@_staged(2, 3, 4, 5)
def _categorical(key, logits, shape: tuple, axis: int, replace: bool, mode):
    logits_shape = _shape_of(logits)
    ndim = len(logits_shape)
    prefix = shape[:len(shape) - (ndim - 1)]
    dtype = get_aval(logits).dtype
    if replace:     # Gumbel-max
        axis = axis - ndim if axis >= 0 else axis
        sample_shape = list(shape[len(prefix):])
        sample_shape.insert(axis % ndim, logits_shape[axis])
        g = gumbel(key, (*prefix, *sample_shape), dtype, mode=mode)
        g_shape = _shape_of(g)
        expanded = sh.expand_dims(logits, tuple(range(len(prefix))))
        return red.argmax(ew.add(g, _broadcast_to(expanded, g_shape)), axis % len(g_shape),
                          dtypes.default_int_dtype())
    # Gumbel-top-k: the k = prod(prefix) largest perturbed logits of each distribution.
    perturbed = ew.add(logits, gumbel(key, logits_shape, dtype, mode=mode))
    _, indices = sorting.top_k(moveaxis(perturbed, axis, -1), math.prod(prefix))
    nd = get_aval(indices).ndim
    return sh.reshape(indices, shape, (nd - 1, *range(nd - 1)))
