"""Samplers built on gamma variates: gamma, loggamma, beta, dirichlet, chisquare, f, t.

Every gamma draw goes through ``random_gamma_p`` (one key per element, Marsaglia-Tsang),
so the samples carry its implicit derivative with respect to the shape parameters.  The
others are JAX's compositions, in JAX's order: beta is ``Ga / (Ga + Gb)`` computed from
log-gamma samples (no underflow for small shapes), dirichlet a softmax of log-gamma
samples, chisquare ``2 Gamma(df / 2)``, f a ratio of two scaled chisquares, and t
``N * sqrt((df / 2) / Gamma(df / 2))``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

import zenax.lax.jnp as jnp
from zenax.tracer.core import bind, get_aval

from .. import elementwise as ew
from ..custom_derivatives import custom_jvp
from ..jnp.promotion import broadcast_to_shape as _broadcast_to
from .arguments import (OutSharding, _asarray, _check_key, _dtype, _out_sharded,
                        _param_sampler_args, _result_shape, _shape, _shape_of)
from .continuous import _normal
from .keys import _split2
from .random_gamma import random_gamma_p
from .staging import _staged

__all__ = ["gamma", "loggamma", "beta", "dirichlet", "chisquare", "f", "t", "random_gamma_p"]


def gamma(key, a, shape: Sequence[int] | None = None, dtype=None, *,
          out_sharding: OutSharding = None):
    """Standard gamma samples (unit scale) with shape parameter ``a`` > 0; differentiable
    in ``a`` (implicit reparameterisation).

    >>> x = random.gamma(random.PRNGKey(0), jnp.array([0.5, 2.0, 10.0]))
    >>> x.shape, bool((x > 0).all())
    ((3,), True)
    """
    key = _check_key("gamma", key)
    dtype = _dtype("gamma", dtype, float, np.floating)
    a = _asarray(a, "gamma", "a")
    sample = _gamma(key, a, None if shape is None else _shape("gamma", shape), dtype, False)
    return _out_sharded("gamma", sample, out_sharding)


def loggamma(key, a, shape: Sequence[int] | None = None, dtype=None, *,
             out_sharding: OutSharding = None):
    """The logarithm of gamma samples, drawn in log space: accurate where ``a`` is so small
    that the samples themselves round to 0.

    >>> random.loggamma(random.PRNGKey(0), 1e-3, (4,)).shape
    (4,)
    """
    key = _check_key("loggamma", key)
    dtype = _dtype("loggamma", dtype, float, np.floating)
    a = _asarray(a, "loggamma", "a")
    sample = _gamma(key, a, None if shape is None else _shape("loggamma", shape), dtype, True)
    return _out_sharded("loggamma", sample, out_sharding)


@_staged(2, 3, 4)
def _gamma(key, a, shape: tuple | None, dtype, log_space: bool):
    shape = _result_shape("gamma", shape, _shape_of(a))
    a = _broadcast_to(ew.convert_element_type(a, dtype), shape)
    return bind(random_gamma_p, key, a, log_space=log_space)


def beta(key, a, b, shape: Sequence[int] | None = None, dtype=None, *,
         out_sharding: OutSharding = None):
    """Beta(a, b) samples in [0, 1].

    >>> x = random.beta(random.PRNGKey(0), 2.0, 5.0, (3,))
    >>> x.shape, bool(((x >= 0) & (x <= 1)).all())
    ((3,), True)
    """
    key, shape, dtype, a, b = _param_sampler_args("beta", key, shape, dtype, a=a, b=b,
                                                  cast_first=True)
    return _out_sharded("beta", _beta(key, a, b, shape, dtype), out_sharding)


@_staged(3, 4)
def _beta(key, a, b, shape: tuple, dtype):
    a, b = (_broadcast_to(ew.convert_element_type(x, dtype), shape) for x in (a, b))
    key_a, key_b = _split2(key)
    log_gamma_a = _gamma(key_a, a, shape, dtype, True)
    log_gamma_b = _gamma(key_b, b, shape, dtype, True)
    # Ga / (Ga + Gb) with both scaled by the larger, so neither underflows.
    log_max = ew.max(log_gamma_a, log_gamma_b)
    gamma_a = ew.exp(ew.sub(log_gamma_a, log_max))
    gamma_b = ew.exp(ew.sub(log_gamma_b, log_max))
    return ew.div(gamma_a, ew.add(gamma_a, gamma_b))


def dirichlet(key, alpha, shape: Sequence[int] | None = None, dtype=None, *,
              out_sharding: OutSharding = None):
    """Dirichlet samples: vectors on the simplex, with concentrations ``alpha[..., n]``.

    >>> x = random.dirichlet(random.PRNGKey(0), jnp.array([1.0, 2.0, 3.0]), (2,))
    >>> x.shape
    (2, 3)
    """
    key = _check_key("dirichlet", key)
    dtype = _dtype("dirichlet", dtype, float, np.floating)
    alpha = _asarray(alpha, "dirichlet", "alpha")
    if shape is not None:
        shape = _shape("dirichlet", shape)
    ndim = get_aval(alpha).ndim
    if ndim < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {ndim}")
    shape = _result_shape("dirichlet", shape, _shape_of(alpha)[:-1])
    return _out_sharded("dirichlet", _dirichlet(key, alpha, shape, dtype), out_sharding)


@_staged(2, 3)
def _dirichlet(key, alpha, shape: tuple, dtype):
    alpha = ew.convert_element_type(alpha, dtype)
    # Log space: for small alpha the gamma samples themselves may round to 0.
    log_gamma = _gamma(key, alpha, shape + _shape_of(alpha)[-1:], dtype, True)
    return _softmax_last(log_gamma)


@custom_jvp
def _softmax_last(x):
    """Softmax over the last axis; its jvp is the closed form, as ``jax.nn.softmax``."""
    unnormalized = jnp.exp(x - jnp.max(x, -1, keepdims=True))
    return unnormalized / jnp.sum(unnormalized, -1, keepdims=True)


@_softmax_last.defjvp
def _softmax_last_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    y = _softmax_last(x)
    return y, y * (x_dot - jnp.sum(y * x_dot, -1, keepdims=True))


def chisquare(key, df, shape: Sequence[int] | None = None, dtype=None, *,
              out_sharding: OutSharding = None):
    """Chi-square samples with ``df`` degrees of freedom: ``2 * Gamma(df / 2)``.

    >>> random.chisquare(random.PRNGKey(0), 3.0, (2, 2)).shape
    (2, 2)
    """
    key, shape, dtype, df = _param_sampler_args("chisquare", key, shape, dtype, df=df)
    return _out_sharded("chisquare", _chisquare(key, df, shape, dtype), out_sharding)


@_staged(2, 3)
def _chisquare(key, df, shape: tuple, dtype):
    two = np.array(2, dtype)
    half_df = ew.div(ew.convert_element_type(df, dtype), two)
    return ew.mul(ew.exp(_gamma(key, half_df, shape, dtype, True)), two)


def f(key, dfnum, dfden, shape: Sequence[int] | None = None, dtype=None, *,
      out_sharding: OutSharding = None):
    """F-distribution samples: ``(X1 / dfnum) / (X2 / dfden)`` for chi-square X1, X2.

    >>> random.f(random.PRNGKey(0), 3.0, 7.0, (3,)).shape
    (3,)
    """
    key, shape, dtype, dfnum, dfden = _param_sampler_args("f", key, shape, dtype,
                                                          dfnum=dfnum, dfden=dfden)
    return _out_sharded("f", _f(key, dfnum, dfden, shape, dtype), out_sharding)


@_staged(3, 4)
def _f(key, dfnum, dfden, shape: tuple, dtype):
    dfden = ew.convert_element_type(dfden, dtype)
    dfnum = ew.convert_element_type(dfnum, dtype)
    key_dfd, key_dfn = _split2(key)
    chi2_dfn = _chisquare(key_dfn, dfnum, shape, dtype)
    chi2_dfd = _chisquare(key_dfd, dfden, shape, dtype)
    return ew.div(ew.div(chi2_dfn, dfnum), ew.div(chi2_dfd, dfden))


def t(key, df, shape: Sequence[int] | None = None, dtype=None, *,
      out_sharding: OutSharding = None):
    """Student's t samples with ``df`` degrees of freedom.

    >>> random.t(random.PRNGKey(0), 5.0, (4,)).shape
    (4,)
    """
    key, shape, dtype, df = _param_sampler_args("t", key, shape, dtype, df=df)
    return _out_sharded("t", _t(key, df, shape, dtype), out_sharding)


@_staged(2, 3)
def _t(key, df, shape: tuple, dtype):
    df = ew.convert_element_type(df, dtype)
    key_n, key_g = _split2(key)
    n = _normal(key_n, shape, dtype)
    half_df = ew.div(df, np.array(2, dtype))
    g = _gamma(key_g, half_df, shape, dtype, False)
    return n * jnp.sqrt(half_df / g)
