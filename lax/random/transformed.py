"""Samplers that transform uniform, normal, exponential or Bernoulli draws in closed form:
laplace, logistic, cauchy, lognormal, pareto, weibull_min, rayleigh, wald, maxwell,
double_sided_maxwell, triangular, rademacher.

Most are an inverse CDF applied to a uniform sample whose interval JAX chooses so the
transform stays finite (cauchy draws from ``[eps, 1)``, logistic from ``[tiny, 1)``); wald
is Michael, Schucany and Haas's transformation with one normal and one uniform draw;
maxwell the length of a 3-d normal vector.  The arithmetic is JAX's, in JAX's order.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

import zenax.lax.jnp as jnp
from zenax.tracer import dtypes

from .. import elementwise as ew
from ..jnp.promotion import broadcast_to_shape as _broadcast_to
from .arguments import (OutSharding, _check_key, _dtype, _out_sharded, _param_sampler_args,
                        _params, _shape, _shape_of)
from .continuous import _exponential, _normal, _uniform
from .discrete import bernoulli
from .keys import _split2
from .staging import _staged

__all__ = ["laplace", "logistic", "cauchy", "lognormal", "pareto", "weibull_min", "rayleigh",
           "wald", "maxwell", "double_sided_maxwell", "triangular", "rademacher"]


def _float_sampler_args(name: str, key, shape, dtype, kinds=np.floating):
    return _check_key(name, key), _shape(name, shape), _dtype(name, dtype, float, kinds)


def laplace(key, shape: Sequence[int] = (), dtype=None, *, out_sharding: OutSharding = None):
    """Laplace samples, density ``exp(-|x|) / 2``.

    >>> random.laplace(random.PRNGKey(0), (3,)).shape
    (3,)
    """
    sample = _laplace(*_float_sampler_args("laplace", key, shape, dtype))
    return _out_sharded("laplace", sample, out_sharding)


@_staged(1, 2)
def _laplace(key, shape: tuple, dtype):
    u = _uniform(key, -1. + dtypes.finfo(dtype).epsneg, 1., shape, dtype)
    return ew.mul(ew.sign(u), ew.log1p(ew.neg(ew.abs(u))))


def logistic(key, shape: Sequence[int] = (), dtype=None, *, out_sharding: OutSharding = None):
    """Logistic samples, ``log(u) - log(1 - u)``.

    >>> random.logistic(random.PRNGKey(0), (3,)).shape
    (3,)
    """
    sample = _logistic(*_float_sampler_args("logistic", key, shape, dtype))
    return _out_sharded("logistic", sample, out_sharding)


@_staged(1, 2)
def _logistic(key, shape: tuple, dtype):
    x = _uniform(key, dtypes.finfo(dtype).tiny, 1., shape, dtype)
    return ew.sub(ew.log(x), ew.log1p(ew.neg(x)))


def cauchy(key, shape: Sequence[int] = (), dtype=None, *, out_sharding: OutSharding = None):
    """Standard Cauchy samples, ``tan(pi (u - 1/2))``.

    >>> random.cauchy(random.PRNGKey(0), (3,)).shape
    (3,)
    """
    sample = _cauchy(*_float_sampler_args("cauchy", key, shape, dtype))
    return _out_sharded("cauchy", sample, out_sharding)


@_staged(1, 2)
def _cauchy(key, shape: tuple, dtype):
    u = _uniform(key, dtypes.finfo(dtype).eps, 1., shape, dtype)
    return ew.tan(ew.mul(np.array(np.pi, dtype), ew.sub(u, np.array(0.5, dtype))))


def lognormal(key, sigma=np.float32(1), shape: Sequence[int] | None = None, dtype=None, *,
              out_sharding: OutSharding = None):
    """``exp(sigma * N)`` for standard normal N (real or complex dtype).

    >>> bool((random.lognormal(random.PRNGKey(0), 0.5, (4,)) > 0).all())
    True
    """
    key, shape, dtype, sigma = _param_sampler_args("lognormal", key, shape, dtype,
                                                   np.inexact, sigma=sigma)
    return _out_sharded("lognormal", _lognormal(key, sigma, shape, dtype), out_sharding)


@_staged(2, 3)
def _lognormal(key, sigma, shape: tuple, dtype):
    sigma = ew.convert_element_type(sigma, dtype)
    return ew.exp(_normal(key, shape, dtype) * sigma)


def pareto(key, b, shape: Sequence[int] | None = None, dtype=None, *,
           out_sharding: OutSharding = None):
    """Pareto samples with shape ``b`` on ``[1, inf)``: ``exp(E / b)`` for exponential E.

    >>> bool((random.pareto(random.PRNGKey(0), 3.0, (4,)) >= 1).all())
    True
    """
    key, shape, dtype, b = _param_sampler_args("pareto", key, shape, dtype, b=b)
    return _out_sharded("pareto", _pareto(key, b, shape, dtype), out_sharding)


@_staged(2, 3)
def _pareto(key, b, shape: tuple, dtype):
    b = ew.convert_element_type(b, dtype)
    return ew.exp(_exponential(key, shape, dtype) / b)


def weibull_min(key, scale, concentration, shape: Sequence[int] = (), dtype=None):
    """Weibull samples: ``scale * (-log(1 - u)) ** (1 / concentration)``; the result has
    the broadcast shape of ``shape`` and the parameters.

    >>> random.weibull_min(random.PRNGKey(0), 2.0, 1.5, (3,)).shape
    (3,)
    """
    key, shape, dtype = _float_sampler_args("weibull_min", key, shape, dtype)
    scale, concentration = _params("weibull_min", scale=scale, concentration=concentration)
    return _weibull_min(key, scale, concentration, shape, dtype)


@_staged(3, 4)
def _weibull_min(key, scale, concentration, shape: tuple, dtype):
    u = _uniform(key, 0, 1, shape, dtype)
    return jnp.power(-jnp.log1p(-u), 1.0 / concentration) * scale


def rayleigh(key, scale, shape: Sequence[int] | None = None, dtype=None, *,
             out_sharding: OutSharding = None):
    """Rayleigh samples, ``scale * sqrt(-2 log u)``.

    >>> random.rayleigh(random.PRNGKey(0), 2.0, (3,)).shape
    (3,)
    """
    key, shape, dtype, scale = _param_sampler_args("rayleigh", key, shape, dtype, scale=scale)
    return _out_sharded("rayleigh", _rayleigh(key, scale, shape, dtype), out_sharding)


@_staged(2, 3)
def _rayleigh(key, scale, shape: tuple, dtype):
    u = _uniform(key, 0., 1., shape, dtype)
    scale = _broadcast_to(ew.convert_element_type(scale, dtype), shape)
    return ew.mul(scale, ew.sqrt(ew.mul(ew.log(u), np.array(-2, dtype))))


def wald(key, mean, shape: Sequence[int] | None = None, dtype=None, *,
         out_sharding: OutSharding = None):
    """Wald (inverse Gaussian) samples with the given ``mean`` and unit shape parameter.

    >>> bool((random.wald(random.PRNGKey(0), 1.5, (4,)) > 0).all())
    True
    """
    key, shape, dtype, mean = _param_sampler_args("wald", key, shape, dtype, mean=mean)
    return _out_sharded("wald", _wald(key, mean, shape, dtype), out_sharding)


@_staged(2, 3)
def _wald(key, mean, shape: tuple, dtype):
    k1, k2 = _split2(key)
    mean = _broadcast_to(ew.convert_element_type(mean, dtype), shape)
    v = _normal(k1, shape, dtype)
    z = _uniform(k2, 0., 1., shape, dtype)
    y = ew.integer_pow(v, 2)
    y_sq = ew.integer_pow(y, 2)
    mean_sq = ew.integer_pow(mean, 2)
    sqrt_term = ew.sqrt(4 * mean * y + mean_sq * y_sq)
    x = mean + mean_sq * y / 2 - mean / 2 * sqrt_term
    # Keep the smaller root x with probability mean / (mean + x), else mean**2 / x.
    return ew.select(ew.le(z, mean / (mean + x)), x, mean_sq / x)


def maxwell(key, shape: Sequence[int] = (), dtype=None, *, out_sharding: OutSharding = None):
    """One-sided Maxwell samples: the length of a standard normal 3-vector.

    >>> bool((random.maxwell(random.PRNGKey(0), (4,)) >= 0).all())
    True
    """
    sample = _maxwell(*_float_sampler_args("maxwell", key, shape, dtype))
    return _out_sharded("maxwell", sample, out_sharding)


@_staged(1, 2)
def _maxwell(key, shape: tuple, dtype):
    return jnp.linalg.norm(_normal(key, shape + (3,), dtype), axis=-1)


def double_sided_maxwell(key, loc, scale, shape: Sequence[int] = (), dtype=None):
    """Maxwell samples with a random sign, scaled by ``scale`` and shifted by ``loc``.  As
    in JAX, the result's shape is ``shape + broadcast(loc, scale).shape`` (with an empty
    ``shape`` taken as the parameters' shape).

    >>> random.double_sided_maxwell(random.PRNGKey(0), 0.0, 1.0, (3,)).shape
    (3,)
    """
    key, shape, dtype = _float_sampler_args("double_sided_maxwell", key, shape, dtype)
    loc, scale = _params("double_sided_maxwell", loc=loc, scale=scale)
    return _double_sided_maxwell(key, loc, scale, shape, dtype)


@_staged(3, 4)
def _double_sided_maxwell(key, loc, scale, shape: tuple, dtype):
    params_shape = jnp.broadcast_shapes(_shape_of(loc), _shape_of(scale))
    shape = (shape or params_shape) + params_shape
    maxwell_key, rademacher_key = _split2(key)
    maxwell_rvs = _maxwell(maxwell_key, shape, dtype)
    random_sign = _rademacher(rademacher_key, shape, dtype)
    return random_sign * maxwell_rvs * scale + loc


def triangular(key, left, mode, right, shape: Sequence[int] | None = None, dtype=None, *,
               out_sharding: OutSharding = None):
    """Triangular samples on ``[left, right]`` with peak at ``mode`` (inverse CDF).

    >>> x = random.triangular(random.PRNGKey(0), 0.0, 0.5, 2.0, (4,))
    >>> bool(((x >= 0) & (x <= 2)).all())
    True
    """
    key, shape, dtype, left, mode, right = _param_sampler_args(
        "triangular", key, shape, dtype, left=left, mode=mode, right=right)
    sample = _triangular(key, left, mode, right, shape, dtype)
    return _out_sharded("triangular", sample, out_sharding)


@_staged(4, 5)
def _triangular(key, left, mode, right, shape: tuple, dtype):
    left, right, mode = (_broadcast_to(ew.convert_element_type(x, dtype), shape)
                         for x in (left, right, mode))
    fc = (mode - left) / (right - left)
    u = _uniform(key, 0., 1., shape, dtype)
    out1 = left + ew.sqrt(u * (right - left) * (mode - left))
    out2 = right - ew.sqrt((1 - u) * (right - left) * (right - mode))
    return ew.select(ew.lt(u, fc), out1, out2)


def rademacher(key, shape: Sequence[int] = (), dtype=None, *,
               out_sharding: OutSharding = None):
    """Random signs: -1 or 1 with equal probability (int32 by default).

    >>> random.rademacher(random.PRNGKey(0), (3,)).dtype
    dtype('int32')
    """
    key = _check_key("rademacher", key)
    dtype = dtypes.canonicalize_dtype(int if dtype is None else dtype)
    sample = _rademacher(key, _shape("rademacher", shape), dtype)
    return _out_sharded("rademacher", sample, out_sharding)


@_staged(1, 2)
def _rademacher(key, shape: tuple, dtype):
    samples = ew.convert_element_type(bernoulli(key, 0.5, shape), dtype)
    return ew.convert_element_type(2 * samples - 1, dtype)

