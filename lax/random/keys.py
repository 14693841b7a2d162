"""Keys and raw bits: seeding (``PRNGKey``, ``key``), ``split``, ``fold_in``, ``bits``.

Keys are raw ``uint32[2]`` arrays (no typed key arrays), so ``key_data`` and
``wrap_key_data`` only check their argument.  Everything here is a thin layer over the
threefry functions of ``zenax.lax.prng``; the samplers draw their bits through
``_random_bits`` and ``_split2``.
"""
from __future__ import annotations

from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.core import get_aval

from .. import elementwise as ew
from .. import prng
from .. import shapes as sh
from .arguments import _asarray, _check_key, _dtype, _shape, _shape_of

__all__ = ["PRNGKey", "key", "key_data", "wrap_key_data", "split", "fold_in", "bits"]


def PRNGKey(seed) -> jax.Array:
    """A uint32[2] key from an integer seed (bits as ``jax.random.PRNGKey``).

    >>> random.PRNGKey(42)
    Array([ 0, 42], dtype=uint32)
    """
    return _seed_key("PRNGKey", seed)


def key(seed) -> jax.Array:
    """Like :func:`PRNGKey`: zenax keys are raw uint32[2] arrays, with the bits of
    ``jax.random.key_data(jax.random.key(seed))``.

    >>> random.key(0)
    Array([0, 0], dtype=uint32)
    """
    return _seed_key("key", seed)


def _seed_key(name: str, seed):
    if isinstance(seed, int) and not isinstance(seed, bool):
        # As JAX: a Python int is taken as int64 (then truncated to int32 without x64).
        seed = np.asarray(np.int64(seed)).astype(dtypes.canonicalize_dtype(np.int64))
    seed = _asarray(seed)
    aval = get_aval(seed)
    if aval.ndim:
        raise TypeError(f"zenax.random.{name} accepts a scalar seed, but was given an array "
                        f"of shape {aval.shape}. Use zenax.vmap for batching.")
    if not dtypes.is_integer(aval.dtype):
        raise TypeError(f"zenax.random.{name}: the seed must be an integer, got "
                        f"{aval.str_short()}.")
    return prng.threefry_seed(seed)


def key_data(keys):
    """The uint32 data of a key (or array of keys): zenax keys are that data already."""
    return _check_key("key_data", keys, batched=True)


def wrap_key_data(key_bits_array):
    """A key from its uint32[..., 2] data: the identity, after checking the data."""
    return _check_key("wrap_key_data", key_bits_array, batched=True)


def split(key, num: int | Sequence[int] = 2):
    """``num`` new keys (or an array of keys of shape ``num``) from ``key``.

    >>> random.split(random.PRNGKey(0)).shape
    (2, 2)
    """
    key = _check_key("split", key)
    shape = tuple(num) if isinstance(num, Sequence) else (num,)
    return prng.threefry_split(key, _shape("split", shape, "num"))


def fold_in(key, data):
    """A new key from ``key`` and a 32-bit integer ``data`` (e.g. a step number).

    >>> random.fold_in(random.PRNGKey(0), 1).shape
    (2,)
    """
    key = _check_key("fold_in", key)
    if isinstance(data, int) and not isinstance(data, bool):
        data = np.uint32(data)      # as JAX: OverflowError outside [0, 2**32)
    data = _asarray(data)
    if get_aval(data).ndim:
        raise TypeError("zenax.random.fold_in accepts a scalar, but was given an array of "
                        f"shape {_shape_of(data)}. Use zenax.vmap for batching.")
    return prng.threefry_fold_in(key, ew.convert_element_type(data, np.uint32))


def bits(key, shape: Sequence[int] = (), dtype=None):
    """Uniform random bits as unsigned integers (uint32 by default).

    >>> random.bits(random.PRNGKey(0), (2,)).dtype
    dtype('uint32')
    """
    key = _check_key("bits", key)
    dtype = _dtype("bits", dtype, np.uint64, np.unsignedinteger)
    return _random_bits(key, dtype.itemsize * 8, _shape("bits", shape))


# What the samplers draw from: two subkeys, and raw bits.

def _split2(key):
    keys = prng.threefry_split(key, (2,))
    return sh.index_in_dim(keys, 0, keepdims=False), sh.index_in_dim(keys, 1, keepdims=False)


_random_bits = prng.threefry_random_bits
