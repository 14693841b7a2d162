"""Keys and raw bits: seeding (``key``, ``PRNGKey``), ``split``, ``fold_in``, ``bits``, and
the views between typed keys and their data (``key_data``, ``wrap_key_data``, ``key_impl``,
``key_dtype``, ``clone``).

Two kinds of key are accepted everywhere, as in JAX:

- a *typed key* array (``key(seed)``), of dtype ``key<fry>``;
- raw key data (``PRNGKey(seed)``): a ``uint32[2]`` array, the data of a typed key.

The functions here work as JAX's do: raw data is wrapped into a typed key
(``random_wrap``), the typed-key primitive of ``typed_keys`` runs, and a result that is a
key is unwrapped again when the argument was raw -- so ``split`` of a raw key returns raw
keys, of a typed key typed keys, and both hold the same bits.

The samplers draw from key data (``_random_bits`` and ``_split2`` below, the threefry
functions of ``zenax.lax.prng``): ``arguments._check_key`` hands them the data of either
kind of key.
"""
from __future__ import annotations

from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.core import bind, get_aval

from .. import elementwise as ew
from .. import prng
from .. import shapes as sh
from .arguments import (OutSharding, _asarray, _dtype, _is_typed, _out_sharded, _shape,
                        _shape_of, _typed_key)
from .typed_keys import (is_key_dtype, key_impl_name, random_bits, random_clone_p,
                         random_fold_in, random_seed, random_split, random_unwrap, random_wrap,
                         resolve_impl)

__all__ = ["PRNGKey", "key", "key_data", "wrap_key_data", "key_impl", "key_dtype", "clone",
           "split", "fold_in", "bits"]


def key(seed, *, impl=None, dtype=None) -> jax.Array:
    """A typed PRNG key (a scalar array of dtype ``key<fry>``) from an integer seed.

    ``impl`` or ``dtype`` name the implementation (``"threefry2x32"``, the default, is
    the one zenax has).

    >>> random.key(0)
    Array((), dtype=key<fry>) overlaying:
    [0 0]
    """
    return _seed_key("key", seed, impl, dtype)


def PRNGKey(seed, *, impl=None) -> jax.Array:
    """A legacy key: the ``uint32[2]`` data of ``key(seed)``.

    >>> random.PRNGKey(42)
    Array([ 0, 42], dtype=uint32)
    """
    return random_unwrap(_seed_key("PRNGKey", seed, impl))


def _seed_key(name: str, seed, impl_spec, dtype=None):
    impl = resolve_impl(name, impl_spec, dtype)
    if isinstance(seed, int) and not isinstance(seed, bool):
        # As JAX: a Python int is taken as int64 (then truncated to int32 without x64).
        seed = np.asarray(np.int64(seed)).astype(dtypes.canonicalize_dtype(np.int64))
    seed = _asarray(seed, name, "seed")
    aval = get_aval(seed)
    if is_key_dtype(aval.dtype):
        raise TypeError(f"zenax.random.{name}: `seed` must be a scalar integer, but was "
                        f"given a PRNG key ({aval.str_short()}); a key is split or folded "
                        "into, not re-seeded.")
    if aval.ndim:
        raise TypeError(f"zenax.random.{name} accepts a scalar seed, but was given an array "
                        f"of shape {aval.shape}. Use zenax.vmap for batching.")
    if not dtypes.is_integer(aval.dtype):
        raise TypeError(f"zenax.random.{name}: the seed must be an integer, got "
                        f"{aval.str_short()}.")
    return random_seed(seed, impl)


def key_data(keys) -> jax.Array:
    """The ``uint32[..., 2]`` data of a key array (raw key data is returned as it is).

    >>> random.key_data(random.key(42))
    Array([ 0, 42], dtype=uint32)
    """
    typed, _ = _typed_key("key_data", keys, batched=True, arg="keys")
    return random_unwrap(typed)


def wrap_key_data(key_bits_array, *, impl=None, dtype=None):
    """The typed keys whose data is ``key_bits_array`` (``uint32[..., 2]``): the inverse of
    :func:`key_data`.

    >>> random.wrap_key_data(np.array([0, 42], np.uint32))
    Array((), dtype=key<fry>) overlaying:
    [ 0 42]
    """
    return random_wrap(key_bits_array, resolve_impl("wrap_key_data", impl, dtype))


def key_impl(keys) -> str:
    """The name of the PRNG implementation of ``keys`` (raw key data: the default one).

    >>> random.key_impl(random.key(0))
    'threefry2x32'
    """
    if _is_typed("key_impl", keys, True, "keys"):
        return key_impl_name(get_aval(keys).dtype)
    return resolve_impl("key_impl", None).name


def key_dtype(impl_spec=None):
    """The dtype of typed keys of an implementation (the default one if None).

    >>> random.key_dtype()
    key<fry>
    """
    return resolve_impl("key_dtype", impl_spec).key_dtype


def clone(key):
    """The same key: the identity, which JAX uses to mark a key as reused on purpose.

    >>> random.clone(random.PRNGKey(1))
    Array([0, 1], dtype=uint32)
    """
    return bind(random_clone_p, key)


def split(key, num: int | Sequence[int] = 2):
    """``num`` new keys (or an array of keys of shape ``num``) from ``key``, of the same
    kind (typed keys from a typed key, raw data from raw data).

    >>> random.split(random.key(0)).shape
    (2,)
    >>> random.split(random.PRNGKey(0)).shape
    (2, 2)
    """
    typed, wrapped = _typed_key("split", key)
    shape = tuple(num) if isinstance(num, Sequence) else (num,)
    keys = random_split(typed, _shape("split", shape, "num"))
    return random_unwrap(keys) if wrapped else keys


def fold_in(key, data):
    """A new key from ``key`` and a 32-bit integer ``data`` (e.g. a step number).

    >>> random.fold_in(random.PRNGKey(0), 1).shape
    (2,)
    """
    typed, wrapped = _typed_key("fold_in", key)
    if isinstance(data, int) and not isinstance(data, bool):
        data = np.uint32(data)      # as JAX: OverflowError outside [0, 2**32)
    data = _asarray(data, "fold_in", "data")
    if get_aval(data).ndim:
        raise TypeError("zenax.random.fold_in accepts a scalar, but was given an array of "
                        f"shape {_shape_of(data)}. Use zenax.vmap for batching.")
    # NumPy data is converted on the host, as JAX does (a uint32 literal in jaxprs).
    data = (data.astype(np.uint32) if isinstance(data, (np.ndarray, np.generic))
            else ew.convert_element_type(data, np.uint32))
    out = random_fold_in(typed, data)
    return random_unwrap(out) if wrapped else out


def bits(key, shape: Sequence[int] = (), dtype=None, *, out_sharding: OutSharding = None):
    """Uniform random bits as unsigned integers (uint32 by default).

    >>> random.bits(random.key(0), (2,)).dtype
    dtype('uint32')
    """
    typed, _ = _typed_key("bits", key)
    dtype = _dtype("bits", dtype, np.uint64, np.unsignedinteger)
    sample = random_bits(typed, dtype.itemsize * 8, _shape("bits", shape))
    return _out_sharded("bits", sample, out_sharding)


# What the samplers draw from key data: subkeys, and raw bits.

def _split_n(key, n: int):
    """``n`` subkeys of key data, as one ``uint32[n, 2]`` array (to unpack or scan over)."""
    return prng.threefry_split(key, (n,))


def _split2(key):
    keys = _split_n(key, 2)
    return sh.index_in_dim(keys, 0, keepdims=False), sh.index_in_dim(keys, 1, keepdims=False)


_random_bits = prng.threefry_random_bits
