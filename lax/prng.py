"""The Threefry-2x32 counter-based PRNG: the ``threefry2x32`` hash primitive and the key
operations built on it (seed, split, fold_in, random bits).

Keys are raw ``uint32[2]`` arrays holding the same bits as JAX's default
(``threefry2x32``) keys, and every operation here follows JAX's algorithm for the default
``jax_threefry_partitionable=True`` setting, so the same key yields the same bits as
``jax.random``.
"""
from __future__ import annotations

import math
from typing import Sequence

import jax
import numpy as np

from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, jvp_rules

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import batch_size, moveaxis
from .registry import broadcasting_shape, register, tangent_aval, type_error

lax = jax.lax

UINT_DTYPES = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: np.dtype(np.uint32),
               64: np.dtype(np.uint64)}

# --------------------------------------------------------------------------- threefry2x32
threefry2x32_p = Primitive("threefry2x32", multiple_results=True)


def _threefry2x32_abstract_eval(key1, key2, x1, x2):
    for name, a in zip(("key1", "key2", "x1", "x2"), (key1, key2, x1, x2)):
        if a.dtype != np.uint32:
            raise type_error(f"threefry2x32: `{name}` must have dtype uint32, got {a.dtype}.")
    shape = broadcasting_shape("threefry2x32", key1, key2, x1, x2)
    return [ShapedArray(shape, np.uint32)] * 2


_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _rotate_left(x, d):
    d = lax.convert_element_type(d, np.uint32)
    return lax.bitwise_or(lax.shift_left(x, d),
                          lax.shift_right_logical(x, lax.sub(np.uint32(32), d)))


def _threefry_step(x, ks, rotations, inject):
    """Four rounds of mix-and-rotate, then add the next key schedule (rotated ``ks``)."""
    for rot in rotations:
        x0 = lax.add(x[0], x[1])
        x = [x0, lax.bitwise_xor(x0, _rotate_left(x[1], rot))]
    return [lax.add(x[0], ks[0]), lax.add(lax.add(x[1], ks[1]), inject)]


@jax.jit
def _threefry2x32_hash(key1, key2, x1, x2):
    """Threefry-2x32 with 20 rounds (Salmon et al. 2011), as JAX's reference lowering."""
    shape = np.broadcast_shapes(*(np.shape(v) for v in (key1, key2, x1, x2)))
    key1, key2, x1, x2 = (lax.broadcast_in_dim(v, shape, ()) if np.shape(v) != shape else v
                          for v in (key1, key2, x1, x2))
    ks = [key1, key2, lax.bitwise_xor(lax.bitwise_xor(key1, key2), np.uint32(0x1BD11BDA))]
    x = [lax.add(x1, ks[0]), lax.add(x2, ks[1])]
    if jax.default_backend() != "cpu":      # unrolled: fastest to run
        for i in range(5):
            ks = ks[1:] + ks[:1]
            x = _threefry_step(x, ks, _ROTATIONS[i % 2], np.uint32(i + 1))
        return tuple(x)

    # On CPU a loop of the five steps, as JAX does there: the unrolled form compiles slowly.
    def step(i, state):
        x, ks, rotations = state
        ks = ks[1:] + ks[:1]
        inject = lax.convert_element_type(lax.add(i, 1), np.uint32)
        x = _threefry_step(x, ks, [rotations[0][j] for j in range(4)], inject)
        return x, ks, rotations[1:] + rotations[:1]

    rotations = [np.array(r, np.uint32) for r in _ROTATIONS]
    x, _, _ = lax.fori_loop(0, 5, step, (x, ks, rotations))
    return tuple(x)


register(threefry2x32_p, _threefry2x32_abstract_eval,
         lambda k1, k2, x1, x2: list(_threefry2x32_hash(k1, k2, x1, x2)))


def _threefry2x32_jvp(primals, tangents):
    outs = bind(threefry2x32_p, *primals)
    return outs, [Zero(tangent_aval(get_aval(o))) for o in outs]


def _threefry2x32_batch(args, dims):
    """Elementwise with rank-0 broadcasting: bring every operand to ``(batch, *shape)``."""
    size = batch_size(args, dims)
    logical = [get_aval(x).shape if d is not_mapped else
               get_aval(x).shape[:d] + get_aval(x).shape[d + 1:] for x, d in zip(args, dims)]
    shape = next((s for s in logical if s), ())
    new_args = []
    for x, d, s in zip(args, dims, logical):
        if d is not_mapped:
            if s:
                x = sh.broadcast_in_dim(x, (size, *s), tuple(range(1, len(s) + 1)))
        else:
            x = moveaxis(x, d, 0)
            if not s and shape:
                x = sh.broadcast_in_dim(x, (size, *shape), (0,))
        new_args.append(x)
    return bind(threefry2x32_p, *new_args), [0, 0]


jvp_rules[threefry2x32_p] = _threefry2x32_jvp
batch_rules[threefry2x32_p] = _threefry2x32_batch


def threefry2x32(key1, key2, x1, x2):
    """The Threefry-2x32 hash of the counter pairs ``(x1, x2)`` under key ``(key1, key2)``:
    four uint32 arrays of one shape (or scalars) in, two out.

    >>> lax.threefry2x32(np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
    [Array(1797259609, dtype=uint32), Array(2579123966, dtype=uint32)]
    """
    return bind(threefry2x32_p, key1, key2, x1, x2)


# --------------------------------------------------------------------------- key operations

def _key_halves(key):
    return sh.index_in_dim(key, 0, keepdims=False), sh.index_in_dim(key, 1, keepdims=False)


def _stack_last(xs):
    xs = [sh.expand_dims(x, (get_aval(x).ndim,)) for x in xs]
    return sh.concatenate(xs, get_aval(xs[0]).ndim - 1)


def iota_2x32_shape(shape: Sequence[int]):
    """The row-major index of each position of ``shape`` as a 64-bit count, split in
    ``(high, low)`` uint32 halves (JAX's ``prng.iota_2x32_shape``)."""
    shape = tuple(shape)
    size = math.prod(shape)
    if size >= 2 ** 32:
        raise NotImplementedError(f"random bits for {size} >= 2**32 elements.")
    high = sh.broadcast_in_dim(np.uint32(0), shape, ())
    if not shape:
        return high, high
    return high, sh.reshape(sh.iota(np.uint32, size), shape)


def threefry_2x32(key, count):
    """Hash the uint32 array ``count`` under ``key``: its flattened halves are the counter
    pairs (JAX's ``threefry_2x32``, used by ``fold_in``)."""
    shape = get_aval(count).shape
    flat = sh.reshape(count, (math.prod(shape),))
    n = get_aval(flat).shape[0]
    if n % 2:
        flat = sh.concatenate([flat, np.zeros((1,), np.uint32)], 0)
    half = (n + 1) // 2
    k1, k2 = _key_halves(key)
    x1, x2 = threefry2x32(k1, k2, sh.slice(flat, (0,), (half,)),
                          sh.slice(flat, (half,), (2 * half,)))
    out = sh.concatenate([x1, x2], 0)
    if n % 2:
        out = sh.slice(out, (0,), (n,))
    return sh.reshape(out, shape)


def threefry_seed(seed):
    """The key ``[seed >> 32, seed & 0xFFFFFFFF]`` of an integer scalar ``seed``."""
    aval = get_aval(seed)
    high = (ew.convert_element_type(ew.shift_right_logical(seed, np.array(32, aval.dtype)),
                                    np.uint32)
            if aval.dtype.itemsize == 8 else np.zeros((), np.uint32))
    low = ew.convert_element_type(seed, np.uint32)
    return _stack_last([high, low])


def _check_partitionable(name: str) -> None:
    # Only JAX's default bit layout is implemented; the legacy one would silently differ.
    if not jax.config.jax_threefry_partitionable:
        raise NotImplementedError(
            f"zenax.random.{name}: only jax_threefry_partitionable=True (JAX's default) is "
            "implemented; set it back with zenax.config.update('jax_threefry_partitionable', "
            "True).")


def threefry_split(key, shape: tuple):
    """``shape`` new keys from ``key`` (the partitionable, fold-like split)."""
    _check_partitionable("split")
    k1, k2 = _key_halves(key)
    return _stack_last(threefry2x32(k1, k2, *iota_2x32_shape(shape)))


def threefry_fold_in(key, data):
    """A new key from ``key`` and the uint32 scalar ``data``."""
    return threefry_2x32(key, threefry_seed(data))


def threefry_random_bits(key, bit_width: int, shape: tuple):
    """Uniform random unsigned integers of ``bit_width`` bits and the given shape."""
    if bit_width not in UINT_DTYPES:
        raise type_error(f"random_bits: bit_width must be 8, 16, 32 or 64, got {bit_width}.")
    _check_partitionable("bits")
    k1, k2 = _key_halves(key)
    bits1, bits2 = threefry2x32(k1, k2, *iota_2x32_shape(shape))
    dtype = UINT_DTYPES[bit_width]
    if bit_width == 64:
        high = ew.convert_element_type(bits1, dtype)
        low = ew.convert_element_type(bits2, dtype)
        return ew.bitwise_or(ew.shift_left(high, np.array(32, dtype)), low)
    bits = ew.bitwise_xor(bits1, bits2)
    return bits if bit_width == 32 else ew.convert_element_type(bits, dtype)


__all__ = ["threefry2x32_p", "threefry2x32", "threefry_2x32", "threefry_seed",
           "threefry_split", "threefry_fold_in", "threefry_random_bits", "iota_2x32_shape",
           "UINT_DTYPES"]
