"""Samplers of counts: poisson, binomial, multinomial, geometric.

``poisson`` and ``binomial`` follow TensorFlow's (and NumPy's) algorithms, as JAX does:
for a small mean, a counting method -- Knuth's product of uniforms for poisson, a sum of
geometric waiting times for binomial -- and for a large one the transformed rejection
method (Hormann 1993 for poisson; BTRS, Hormann 1993, for binomial).  Both branches run on
every element and a ``select`` keeps the right one; each is a ``while_loop`` that draws
one array of uniforms per step until every element is done, so the bits match JAX's.
``multinomial`` draws one binomial per category, in a ``scan``, from the conditional
probabilities; ``geometric`` is the inverse CDF of a uniform.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

import zenax.lax.jnp as jnp
from zenax.tracer import dtypes
from zenax.tracer.core import get_aval

from .. import elementwise as ew
from ..control_flow import scan, while_loop
from ..cumulative import cumsum
from ..jnp.promotion import check_arraylike, promote_dtypes_inexact
from .arguments import (OutSharding, _asarray, _check_key, _dtype, _full, _out_sharded,
                        _result_shape, _shape, _shape_of)
from .continuous import _uniform
from .keys import _split2, _split_n
from .staging import _staged

__all__ = ["poisson", "binomial", "multinomial", "geometric"]


# --------------------------------------------------------------------------- poisson

def poisson(key, lam, shape: Sequence[int] | None = None, dtype=None, *,
            out_sharding: OutSharding = None):
    """Poisson counts with rate ``lam`` >= 0 (int32 by default).

    >>> random.poisson(random.PRNGKey(0), 3.0, (4,)).dtype
    dtype('int32')
    """
    key = _check_key("poisson", key)
    dtype = _dtype("poisson", dtype, int, np.integer)
    lam = _asarray(lam, "poisson", "lam")
    shape = _shape_of(lam) if shape is None else _shape("poisson", shape)
    lam = ew.convert_element_type(jnp.broadcast_to(lam, shape), np.float32)
    return _out_sharded("poisson", _poisson(key, lam, shape, dtype), out_sharding)


@_staged(2, 3)
def _poisson(key, lam, shape: tuple, dtype):
    # Knuth below a rate of 10, transformed rejection above; each branch gets a rate for
    # which it terminates where the other is used.
    use_knuth = jnp.isnan(lam) | (lam < 10)
    lam_knuth = ew.select(use_knuth, lam, jnp.full_like(lam, 0.0))
    lam_rejection = ew.select(use_knuth, jnp.full_like(lam, 1e5), lam)
    max_iters = dtype.type(dtypes.iinfo(dtype).max)
    result = ew.select(use_knuth,
                       _poisson_knuth(key, lam_knuth, shape, dtype, max_iters),
                       _poisson_rejection(key, lam_rejection, shape, dtype, max_iters))
    return ew.select(lam == 0, jnp.zeros_like(result), result)


def _poisson_knuth(key, lam, shape: tuple, dtype, max_iters):
    """Count uniforms until their product drops below exp(-lam)."""
    def body_fn(carry):
        i, k, rng, log_prod = carry
        rng, subkey = _split2(rng)
        k = ew.select(log_prod > -lam, k + 1, k)
        u = _uniform(subkey, 0., 1., shape, np.dtype(np.float32))
        return i + 1, k, rng, log_prod + jnp.log(u)

    def cond_fn(carry):
        i, log_prod = carry[0], carry[3]
        return (log_prod > -lam).any() & (i < max_iters)

    k_init = _full(0, dtype, shape)
    log_rate_init = _full(0, np.float32, shape)
    k = while_loop(cond_fn, body_fn, (0, k_init, key, log_rate_init))[1]
    return (k - 1).astype(dtype)


def _poisson_rejection(key, lam, shape: tuple, dtype, max_iters):
    """Hormann's transformed rejection (PTRS), with his constants."""
    log_lam = ew.log(lam)
    b = 0.931 + 2.53 * ew.sqrt(lam)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)
    fdtype = get_aval(lam).dtype

    def body_fn(carry):
        i, k_out, accepted, key = carry
        key, subkey_0, subkey_1 = _split_n(key, 3)
        u = _uniform(subkey_0, 0., 1., shape, fdtype) - 0.5
        v = _uniform(subkey_1, 0., 1., shape, fdtype)
        u_shifted = 0.5 - abs(u)
        k = ew.floor((2 * a / u_shifted + b) * u + lam + 0.43)
        s = ew.log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
        t = -lam + k * log_lam - ew.lgamma(k + 1)
        accept1 = (u_shifted >= 0.07) & (v <= v_r)
        reject = (k < 0) | ((u_shifted < 0.013) & (v > u_shifted))
        accept2 = s <= t
        accept = accept1 | (~reject & accept2)
        return i + 1, ew.select(accept, k, k_out), accepted | accept, key

    def cond_fn(carry):
        i, _, accepted, _ = carry
        return (~accepted).any() & (i < max_iters)

    k_init = _full(-1, fdtype, shape)
    accepted = _full(False, np.bool_, shape)
    k = while_loop(cond_fn, body_fn, (0, k_init, accepted, key))[1]
    return k.astype(dtype)


# --------------------------------------------------------------------------- binomial

def binomial(key, n, p, shape: Sequence[int] | None = None, dtype=None):
    """Binomial counts of ``n`` trials with success probability ``p``, as floats (a NaN
    ``p`` or a negative or NaN ``n`` gives NaN; an infinite ``n`` gives inf).

    >>> x = random.binomial(random.PRNGKey(0), 10, 0.3, (4,))
    >>> x.dtype, bool(((x >= 0) & (x <= 10)).all())
    (dtype('float32'), True)
    """
    key = _check_key("binomial", key)
    check_arraylike("binomial", n, p)
    dtype = _dtype("binomial", dtype, float, np.floating)
    if shape is not None:
        shape = _shape("binomial", shape)
    return _binomial(key, n, p, shape, dtype)


@_staged(3, 4)
def _binomial(key, count, prob, shape: tuple | None, dtype):
    shape = _result_shape("binomial", shape, _shape_of(count), _shape_of(prob))
    prob, = promote_dtypes_inexact(prob)
    count = ew.convert_element_type(count, get_aval(prob).dtype)
    count = jnp.broadcast_to(count, shape)
    prob = jnp.broadcast_to(prob, shape)
    p_lt_half = prob < 0.5
    q = ew.select(p_lt_half, prob, 1.0 - prob)
    count_nan_or_neg = jnp.isnan(count) | (count < 0.0)
    count_inf = jnp.isinf(count)
    q_is_nan = jnp.isnan(q)
    q_l_0 = q < 0.0
    q = ew.select(q_is_nan | q_l_0, jnp.full_like(q, 0.01), q)
    # Count geometric waiting times where n * q is small, else BTRS.
    use_inversion = count_nan_or_neg | (count * q <= 10.0)
    count = jnp.floor(count)    # a fractional count rounds down, as in NumPy

    count_inv = ew.select(use_inversion, count, jnp.full_like(count, 0.0))
    count_btrs = ew.select(use_inversion, jnp.full_like(count, 1e4), count)
    q_btrs = ew.select(use_inversion, jnp.full_like(q, 0.5), q)
    max_iters = dtype.type(dtypes.finfo(dtype).max)
    samples = ew.select(use_inversion,
                        _binomial_inversion(key, count_inv, q, shape, dtype, max_iters),
                        _btrs(key, count_btrs, q_btrs, shape, dtype, max_iters))
    invalid = q_l_0 | q_is_nan | count_nan_or_neg
    samples = ew.select(invalid, jnp.full_like(samples, np.nan, dtype), samples)
    samples = ew.select(count_inf & (~invalid), jnp.full_like(samples, np.inf, dtype), samples)
    # Sampled with q = min(p, 1 - p): the count of failures when p > 1/2.
    return ew.select(p_lt_half | count_nan_or_neg | q_is_nan | count_inf, samples,
                     count.astype(dtype) - samples)


def _binomial_inversion(key, count, prob, shape: tuple, dtype, max_iters):
    log1minusprob = jnp.log1p(-prob)
    fdtype = get_aval(prob).dtype

    def body_fn(carry):
        i, num_geom, geom_sum, key = carry
        subkey, key = _split2(key)
        num_geom_out = ew.select(geom_sum <= count, num_geom + 1, num_geom)
        u = _uniform(subkey, 0., 1., shape, fdtype)
        geom = jnp.ceil(jnp.log(u) / log1minusprob)
        return i + 1, num_geom_out, geom_sum + geom, key

    def cond_fn(carry):
        i, geom_sum = carry[0], carry[2]
        return (geom_sum <= count).any() & (i < max_iters)

    init = (0, _full(0, fdtype, shape), _full(0, fdtype, shape), key)
    k = while_loop(cond_fn, body_fn, init)[1]
    return (k - 1).astype(dtype)


def _btrs(key, count, prob, shape: tuple, dtype, max_iters):
    stddev = jnp.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = jnp.floor((count + 1) * prob)
    fdtype = get_aval(prob).dtype

    def body_fn(carry):
        i, k_out, accepted, key = carry
        key, subkey_0, subkey_1 = _split_n(key, 3)
        u = _uniform(subkey_0, 0., 1., shape, fdtype)
        v = _uniform(subkey_1, 0., 1., shape, fdtype)
        u = u - 0.5
        us = 0.5 - jnp.abs(u)
        accept1 = (us >= 0.07) & (v <= v_r)
        k = jnp.floor((2 * a / us + b) * u + c)
        reject = (k < 0) | (k > count)
        v = jnp.log(v * alpha / (a / (us * us) + b))
        ub = ((m + 0.5) * jnp.log((m + 1) / (r * (count - m + 1)))
              + (count + 1) * jnp.log((count - m + 1) / (count - k + 1))
              + (k + 0.5) * jnp.log(r * (count - k + 1) / (k + 1))
              + _stirling_approx_tail(m)
              + _stirling_approx_tail(count - m)
              - _stirling_approx_tail(k)
              - _stirling_approx_tail(count - k))
        accept = accept1 | (~reject & (v <= ub))
        return i + 1, ew.select(accept, k, k_out), accepted | accept, key

    def cond_fn(carry):
        i, accepted = carry[0], carry[2]
        return (~accepted).any() & (i < max_iters)

    init = (0, _full(-1, fdtype, shape), _full(False, np.bool_, shape), key)
    return while_loop(cond_fn, body_fn, init)[1].astype(dtype)


# log(k!) minus Stirling's approximation of it, for k = 0..9 (beyond, the series).
_STIRLING_TAIL = [0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287]


def _stirling_approx_tail(k):
    dtype = get_aval(k).dtype
    tail_values = jnp.array(_STIRLING_TAIL, dtype=dtype)
    use_tail_values = k <= 9
    k = ew.clamp(np.array(0.0, dtype), k, np.array(9.0, dtype))
    kp1sq = (k + 1) * (k + 1)
    approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    k = jnp.floor(k)
    return ew.select(use_tail_values, tail_values[jnp.asarray(k, dtype="int32")], approx)


# --------------------------------------------------------------------------- multinomial

def multinomial(key, n, p, *, shape: Sequence[int] | None = None, dtype=None,
                unroll: int | bool = 1):
    """Counts of ``n`` draws over the categories of ``p``'s last axis: one binomial per
    category, of the draws left, with the probability renormalized to the categories left.

    >>> x = random.multinomial(random.PRNGKey(0), 10., jnp.array([0.2, 0.3, 0.5]))
    >>> x.shape, float(x.sum())
    ((3,), 10.0)
    """
    key = _check_key("multinomial", key)
    check_arraylike("multinomial", n, p)
    n, p = promote_dtypes_inexact(n, p)
    if shape is None:
        shape = _shape_of(p)
    n = jnp.broadcast_to(n, shape[:-1])
    p = jnp.broadcast_to(p, shape)

    def draw(remainder, ratio_key):
        ratio, key = ratio_key
        count = binomial(key, remainder, ratio.clip(0, 1), dtype=get_aval(remainder).dtype)
        return remainder - count, count

    p = jnp.moveaxis(p, -1, 0)
    remaining_probs = cumsum(p, 0, reverse=True)
    ratios = p / jnp.where(remaining_probs == 0, 1, remaining_probs)
    keys = _split_n(key, _shape_of(ratios)[0])
    _, counts = scan(draw, n, (ratios, keys), unroll=unroll)
    return jnp.moveaxis(counts, 0, -1).astype(dtype)


# --------------------------------------------------------------------------- geometric

def geometric(key, p, shape: Sequence[int] | None = None, dtype=None, *,
              out_sharding: OutSharding = None):
    """Number of Bernoulli(p) trials up to the first success, ``>= 1`` (int32 by default).

    >>> bool((random.geometric(random.PRNGKey(0), 0.3, (4,)) >= 1).all())
    True
    """
    key = _check_key("geometric", key)
    dtype = _dtype("geometric", dtype, int, np.integer)
    check_arraylike("geometric", p)
    shape = _result_shape("geometric", shape, _shape_of(_asarray(p, "geometric", "p")))
    return _out_sharded("geometric", _geometric(key, p, shape, dtype), out_sharding)


@_staged(2, 3)
def _geometric(key, p, shape: tuple, dtype):
    p, = promote_dtypes_inexact(p)
    u = _uniform(key, 0., 1., shape, get_aval(p).dtype)
    # u = 0 would give log(0); JAX maps it to 1 (keeping the other samples unchanged).
    u = jnp.where(u == 0, 1, u)
    log_one_minus_p = jnp.broadcast_to(ew.log1p(-p), shape)
    return (ew.floor(ew.div(ew.log(u), log_one_minus_p)) + 1).astype(dtype)
