"""XLA's own random number generators: ``rng_bit_generator`` (stateless: a key in, a new
key and random bits out) and ``rng_uniform`` (stateful, backend-defined), with their rules.

Neither is differentiable (bits are integers; ``rng_uniform`` has no derivative in JAX
either) and neither is linear.  ``zenax.random`` does not use them: its threefry samplers
are bit-identical to ``jax.random`` on every backend, which these are not.

Batching ``rng_bit_generator`` over keys follows JAX exactly (so that vmapped programs
draw the same bits): one call draws the bits for the whole batch from the *first* key,
and only that key is advanced.  ``rng_uniform`` (which JAX cannot batch) draws the batch
in one call, scaled to each element's bounds.
"""
from __future__ import annotations

from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import batch_size, bdim_at_front, broadcast_in_dim, moveaxis
from .dynamic_slicing import dynamic_update_index_in_dim
from .precision import RandomAlgorithm
from .sharding_constraint import out_sharded
from .registry import defjvp_zero, register, tuple_of_ints, type_error, value_error

lax = jax.lax

__all__ = ["rng_bit_generator", "rng_bit_generator_p", "rng_uniform", "rng_uniform_p"]

_BIT_DTYPES = tuple(np.dtype(d) for d in (np.uint8, np.uint16, np.uint32, np.uint64))

# --------------------------------------------------------------------------- rng_bit_generator
rng_bit_generator_p = Primitive("rng_bit_generator", multiple_results=True)


def _rbg_abstract_eval(key, *, shape, dtype, algorithm):
    if (key.shape, key.dtype) not in (((4,), np.dtype(np.uint32)), ((2,), np.dtype(np.uint64))):
        raise type_error(f"rng_bit_generator: the key must be a uint32[4] (or uint64[2]) "
                         f"array, got {key.str_short()}.")
    return [key.strip_weak_type(), ShapedArray(shape, dtype)]


def _rbg_lower(key, *, shape, dtype, algorithm):
    return list(lax.rng_bit_generator(key, shape, dtype=dtype, algorithm=algorithm))


def _rbg_batch(args, dims, *, shape, dtype, algorithm):
    (keys,), (bdim,) = args, dims
    keys = moveaxis(keys, bdim, 0)
    size = get_aval(keys).shape[0]
    first = sh.index_in_dim(keys, 0, keepdims=False)
    new_key, bits = bind(rng_bit_generator_p, first, shape=(size,) + shape, dtype=dtype,
                         algorithm=algorithm)
    return [dynamic_update_index_in_dim(keys, new_key, 0, 0), bits], [0, 0]


register(rng_bit_generator_p, _rbg_abstract_eval, _rbg_lower)
defjvp_zero(rng_bit_generator_p)
batch_rules[rng_bit_generator_p] = _rbg_batch

# --------------------------------------------------------------------------- rng_uniform
rng_uniform_p = Primitive("rng_uniform")


def _rng_uniform_abstract_eval(a, b, *, shape):
    if a.dtype != b.dtype:
        raise value_error(f"rng_uniform: a and b must have identical dtypes, got {a.dtype} "
                          f"and {b.dtype}.")
    if a.shape != () or b.shape != ():
        raise value_error(f"rng_uniform: a and b must be scalars, got shapes {a.shape} and "
                          f"{b.shape}.")
    return ShapedArray(shape, a.dtype, a.weak_type and b.weak_type)


def _rng_uniform_batch(args, dims, *, shape):
    (a, b), (a_dim, b_dim) = args, dims
    size = batch_size(args, dims)
    out_shape = (size,) + shape
    dtype = get_aval(a).dtype
    a, b = [broadcast_in_dim(bdim_at_front(x, d, size), out_shape, (0,))
            for x, d in ((a, a_dim), (b, b_dim))]
    if dtypes.is_float(dtype):
        u = bind(rng_uniform_p, np.zeros((), dtype), np.ones((), dtype), shape=out_shape)
        return ew.add(a, ew.mul(ew.sub(b, a), u)), 0
    # Integers: a draw below 2**31 taken modulo each element's range (as XLA's own rng).
    span = ew._convert_element_type(ew.max(ew.sub(b, a), np.ones((), dtype)), np.int32)
    draw = bind(rng_uniform_p, np.int32(0), np.int32(2 ** 31 - 1), shape=out_shape)
    return ew.add(a, ew._convert_element_type(ew.rem(draw, span), dtype)), 0


register(rng_uniform_p, _rng_uniform_abstract_eval,
         lambda a, b, *, shape: lax.rng_uniform(a, b, shape))
defjvp_zero(rng_uniform_p)
batch_rules[rng_uniform_p] = _rng_uniform_batch


# =========================================================================== public API

def rng_bit_generator(key, shape: Sequence[int], dtype=np.uint32,
                      algorithm=RandomAlgorithm.RNG_DEFAULT, *, out_sharding=None):
    """XLA's stateless bit generator: ``(new_key, bits)`` for a ``uint32[4]`` key, with
    ``bits`` of ``shape`` and an unsigned integer ``dtype``.  The bits depend on the
    backend and ``algorithm``; use ``zenax.random`` for reproducible numbers.

    >>> key = jnp.array([1, 2, 3, 4], jnp.uint32)
    >>> new_key, bits = lax.rng_bit_generator(key, (2,))
    >>> bits.shape, bits.dtype
    ((2,), dtype('uint32'))
    """
    shape = tuple_of_ints("rng_bit_generator", shape)
    dtype = dtypes.canonicalize_dtype(dtype)
    if dtype not in _BIT_DTYPES:
        raise type_error(f"rng_bit_generator: unsupported dtype {dtype}; use uint8, uint16, "
                         "uint32 or uint64.")
    new_key, bits = bind(rng_bit_generator_p, key, shape=shape, dtype=dtype,
                         algorithm=RandomAlgorithm(algorithm))
    return new_key, out_sharded("zenax.lax.rng_bit_generator", bits, out_sharding)


def rng_uniform(a, b, shape: Sequence[int]):
    """Numbers uniform in ``[a, b)`` from XLA's stateful generator (backend-defined and not
    reproducible; use ``zenax.random`` instead).

    >>> lax.rng_uniform(0., 1., (3,)).shape
    (3,)
    """
    return bind(rng_uniform_p, a, b, shape=tuple_of_ints("rng_uniform", shape))
