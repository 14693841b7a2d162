"""``random_gamma_p``: standard gamma samples, one per element of ``a``, from a key.

JAX samples gamma with a primitive of its own (``jax.random.random_gamma_p``) so that the
sample can carry an *implicit reparameterisation* derivative: d sample / d a is
``random_gamma_grad(a, sample)`` (a function of the sample, not of the key), which no
composition of the sampler's ops would give -- the rejection loop has no derivative.

Operands: key data ``uint32[*batch, 2]`` (JAX's primitive takes typed keys; the samplers
hand it the data of either kind of key) and ``a`` of shape ``(*batch, *rest)``.  Each
key is split into ``prod(rest)`` keys, one per element; each element then runs
Marsaglia and Tsang's rejection method (*A simple method for generating gamma variables*,
2000) on its own key.  JAX lowers this as ``vmap`` of a one-element sampler; the lowering
here is that vectorized program written out (every element advances its loops until its
own test passes, the loop stopping when all have), so each element gets the bits JAX
gives it.  The batching rule moves both batch axes to the front, where the key's batch
dims already live.  ``log_space=True`` returns ``log(sample)`` (accurate for small
``a``), for ``loggamma``, ``beta`` and ``dirichlet``.
"""
from __future__ import annotations

import math

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, impl_rules, jvp_rules

from .. import elementwise as ew
from ..broadcasting import bdim_at_front, batch_size, broadcast_in_dim
from ..prng import UINT_DTYPES, _threefry2x32_hash
from ..registry import register, tangent_aval, type_error
from ..special_gamma import random_gamma_grad

lax = jax.lax

random_gamma_p = Primitive("random_gamma")


def _random_gamma_abstract_eval(key, a, *, log_space):
    if key.dtype != np.uint32 or not key.ndim or key.shape[-1] != 2:
        raise type_error(f"random_gamma: `key` must be uint32[..., 2] key data (of a typed "
                         f"key: zenax.random.key_data(key)), got {key.str_short()}.")
    if not dtypes.is_float(a.dtype):
        raise type_error(f"random_gamma: `a` must have a floating dtype, got {a.dtype}.")
    if a.shape[:key.ndim - 1] != key.shape[:-1]:
        raise type_error(f"random_gamma: the key's batch shape {key.shape[:-1]} must be a "
                         f"prefix of a's shape {a.shape}.")
    return ShapedArray(a.shape, a.dtype)


# --------------------------------------------------------------------------- lowering
# Keys travel as their two uint32 halves, each of the elements' shape.

def _split_keys(k1, k2, n: int):
    """``n`` new keys from every key, stacked on a new last axis: JAX's split, the hash of
    the counters ``(0, i)``."""
    shape = (*k1.shape, n)
    dims = tuple(range(k1.ndim))
    return _threefry2x32_hash(
        lax.broadcast_in_dim(k1, shape, dims), lax.broadcast_in_dim(k2, shape, dims),
        lax.full(shape, np.uint32(0)), lax.broadcasted_iota(np.uint32, shape, k1.ndim))


def _split(k1, k2, n: int):
    """``n`` new keys from every key, as a list of ``(k1, k2)`` pairs."""
    new1, new2 = _split_keys(k1, k2, n)
    return [(lax.index_in_dim(new1, i, -1, False), lax.index_in_dim(new2, i, -1, False))
            for i in range(n)]


def _uniform(key, dtype, minval: float, maxval: float):
    """One uniform float in ``[minval, maxval)`` per key, as ``jax.random.uniform(key, ())``:
    random mantissa bits under the exponent of 1.0, minus 1, scaled."""
    k1, k2 = key
    finfo = dtypes.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    rng_bits = 8 if nmant < 8 else nbits
    uint = UINT_DTYPES[nbits]
    zero = lax.full(k1.shape, np.uint32(0))
    bits1, bits2 = _threefry2x32_hash(k1, k2, zero, zero)
    if rng_bits == 64:
        bits = lax.bitwise_or(lax.shift_left(lax.convert_element_type(bits1, uint),
                                             np.array(32, uint)),
                              lax.convert_element_type(bits2, uint))
    else:
        bits = lax.convert_element_type(lax.bitwise_xor(bits1, bits2), UINT_DTYPES[rng_bits])
        bits = lax.convert_element_type(bits, uint)
    float_bits = lax.bitwise_or(lax.shift_right_logical(bits, np.array(rng_bits - nmant, uint)),
                                np.array(1.0, dtype).view(uint))
    floats = lax.sub(lax.bitcast_convert_type(float_bits, dtype), np.array(1., dtype))
    lo, hi = np.array(minval, dtype), np.array(maxval, dtype)
    scaled = lax.add(lax.mul(floats, lax.sub(hi, lo)), lo)
    return lax.max(lax.full(k1.shape, lo), scaled)


def _normal(key, dtype):
    """One standard normal float per key: the inverse CDF of a uniform in (-1, 1)."""
    lo = np.nextafter(np.array(-1., dtype), np.array(0., dtype), dtype=dtype)
    return lax.mul(np.array(np.sqrt(2), dtype), lax.erf_inv(_uniform(key, dtype, lo, 1.)))


def _while_each(cond, body, carry):
    """Loop each element until its own ``cond`` fails: what ``vmap`` makes of a while loop
    whose test depends on the element (the finished elements keep their values)."""
    def masked_body(carry):
        active = cond(carry)
        return tuple(lax.select(active, new, old) for new, old in zip(body(carry), carry))
    return lax.while_loop(lambda c: lax.reduce_or(cond(c), (0,)), masked_body, carry)


def _gamma_each(key, alpha, log_space: bool):
    """Marsaglia-Tsang, elementwise over the flat ``alpha`` with one key per element."""
    dtype = alpha.dtype
    const = lambda v: np.array(v, dtype)
    full = lambda v: lax.full(alpha.shape, const(v))
    # For alpha < 1, sample Gamma(alpha + 1) and scale by U**(1/alpha) (or add log(U)/alpha).
    boost_mask = lax.ge(alpha, const(1))
    alpha_orig = alpha
    alpha = lax.select(boost_mask, alpha, lax.add(alpha, const(1)))
    d = lax.sub(alpha, const(1. / 3.))
    c = lax.div(const(1. / 3.), lax.sqrt(d))

    def rejected(carry):
        _, _, x2, v, u = carry
        return lax.bitwise_and(
            lax.ge(u, lax.sub(const(1), lax.mul(const(0.0331), lax.mul(x2, x2)))),
            lax.ge(lax.log(u), lax.add(lax.mul(x2, const(0.5)),
                                       lax.mul(d, lax.add(lax.sub(const(1), v), lax.log(v))))))

    def propose_v(carry):       # draw x ~ N(0, 1) until v = (1 + c x) > 0
        k1, k2, _, _ = carry
        (k1, k2), subkey = _split(k1, k2, 2)
        x = _normal(subkey, dtype)
        return k1, k2, x, lax.add(const(1), lax.mul(x, c))

    def propose(carry):
        k1, k2 = carry[:2]
        (k1, k2), x_key, u_key = _split(k1, k2, 3)
        _, _, x, v = _while_each(lambda s: lax.le(s[3], const(0)), propose_v,
                                 (*x_key, full(0), full(-1)))
        return (k1, k2, lax.mul(x, x), lax.mul(lax.mul(v, v), v),
                _uniform(u_key, dtype, 0., 1.))

    (k1, k2), subkey = _split(*key, 2)
    # The initial state fails the test, so every element draws at least once.
    v = _while_each(rejected, propose, (k1, k2, full(0), full(1), full(2)))[3]
    if log_space:
        log_u = lax.neg(lax.neg(lax.log1p(lax.neg(_uniform(subkey, dtype, 0., 1.)))))
        log_boost = lax.select(lax.bitwise_or(boost_mask, lax.eq(log_u, const(0))), full(0),
                               lax.mul(log_u, lax.div(const(1), alpha_orig)))
        return lax.add(lax.add(lax.log(d), lax.log(v)), log_boost)
    u = lax.sub(const(1), _uniform(subkey, dtype, 0., 1.))
    boost = lax.select(boost_mask, full(1), lax.pow(u, lax.div(const(1), alpha_orig)))
    return lax.mul(lax.mul(d, v), boost)


def _random_gamma_lower(key, a, *, log_space):
    key_batch = key.shape[:-1]
    size = math.prod(a.shape[len(key_batch):])
    halves = (lax.reshape(lax.index_in_dim(key, i, -1, False), (math.prod(key_batch),))
              for i in (0, 1))
    # One key per element of a, in a's row-major order.
    keys = tuple(lax.reshape(k, (a.size,)) for k in _split_keys(*halves, size))
    samples = _gamma_each(keys, lax.reshape(a, (a.size,)), log_space)
    return lax.reshape(samples, a.shape)


register(random_gamma_p, _random_gamma_abstract_eval, _random_gamma_lower)
# Bound eagerly, it runs compiled whatever the operands (NumPy arrays too): its bits
# depend on XLA fusing the arithmetic, as the sampler's bits do (see staging.py).
impl_rules[random_gamma_p] = jax.jit(_random_gamma_lower, static_argnames=("log_space",))


# --------------------------------------------------------------------------- derivative

def _gamma_grad(sample, a, log_space: bool):
    """d sample / d a at a fixed uniform level: ``random_gamma_grad`` (for ``log(sample)`` in
    log space, where a sample that rounds to 0 counts as the smallest normal float)."""
    if not log_space:
        return random_gamma_grad(a, sample)
    sample = ew.exp(sample)
    aval = get_aval(sample)
    tiny = broadcast_in_dim(np.array(dtypes.finfo(aval.dtype).tiny, aval.dtype), aval.shape, ())
    sample = ew.select(ew.eq(sample, np.zeros((), aval.dtype)), tiny, sample)
    return ew.div(random_gamma_grad(a, sample), sample)


def _random_gamma_jvp(primals, tangents, *, log_space):
    key, a = primals
    sample = bind(random_gamma_p, key, a, log_space=log_space)
    a_dot = tangents[1]
    if type(a_dot) is Zero:
        return sample, Zero(tangent_aval(get_aval(sample)))
    return sample, ew.mul(a_dot, _gamma_grad(sample, a, log_space))


def _random_gamma_batch(args, dims, *, log_space):
    size = batch_size(args, dims)
    key, a = (bdim_at_front(x, d, size) for x, d in zip(args, dims))
    return bind(random_gamma_p, key, a, log_space=log_space), 0


jvp_rules[random_gamma_p] = _random_gamma_jvp
batch_rules[random_gamma_p] = _random_gamma_batch
