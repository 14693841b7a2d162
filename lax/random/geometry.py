"""Samplers of vectors and matrices: generalized_normal, ball, orthogonal,
multivariate_normal.

* ``generalized_normal``: density ``exp(-|x|**p)``, a random sign times
  ``Gamma(1/p) ** (1/p)``.
* ``ball``: uniform in the unit Lp ball, by Barthe, Guedon, Mendelson and Naor: ``d``
  generalized normals divided by ``(sum |g|**p + E) ** (1/p)`` for exponential E.
* ``orthogonal``: Haar-distributed orthogonal (unitary for complex dtypes) matrices, the
  Q of a Gaussian matrix's QR with R's diagonal made positive (Mezzadri 2007).
* ``multivariate_normal``: ``mean + A z`` for a factor ``A A^T = cov`` by Cholesky, or by
  an eigen- or singular value decomposition for singular covariances.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

import zenax.lax.jnp as jnp
from zenax import lax
from zenax.tracer import dtypes
from zenax.tracer.core import get_aval

from ..jnp.promotion import promote_dtypes, promote_dtypes_inexact
from .arguments import (OutSharding, _asarray, _check_key, _dtype, _out_sharded, _result_shape,
                        _shape, _shape_of, _static_index)
from .continuous import _exponential, _normal
from .gamma_family import gamma
from .keys import _split2
from .staging import _staged
from .transformed import _rademacher

__all__ = ["generalized_normal", "ball", "orthogonal", "multivariate_normal"]


def generalized_normal(key, p: float, shape: Sequence[int] = (), dtype=None, *,
                       out_sharding: OutSharding = None):
    """Samples of density proportional to ``exp(-|x|**p)`` (``p=2``: normal with variance
    1/2; ``p=1``: Laplace).

    >>> random.generalized_normal(random.PRNGKey(0), 1.5, (3,)).shape
    (3,)
    """
    shape = _shape("generalized_normal", shape)
    key = _check_key("generalized_normal", key)
    dtype = dtypes.canonicalize_dtype(float if dtype is None else dtype)
    sample = _generalized_normal(key, _asarray(p, "generalized_normal", "p"), shape, dtype)
    return _out_sharded("generalized_normal", sample, out_sharding)


@_staged(2, 3)
def _generalized_normal(key, p, shape: tuple, dtype):
    key_g, key_r = _split2(key)
    g = gamma(key_g, 1 / p, shape, dtype)
    r = _rademacher(key_r, shape, dtype)
    return r * g ** (1 / p)


def ball(key, d: int, p: float = 2, shape: Sequence[int] = (), dtype=None, *,
         out_sharding: OutSharding = None):
    """Points drawn uniformly from the unit Lp ball in ``d`` dimensions; the result has
    shape ``(*shape, d)``.

    >>> x = random.ball(random.PRNGKey(0), 3, shape=(5,))
    >>> x.shape, bool((jnp.linalg.norm(x, axis=-1) <= 1).all())
    ((5, 3), True)
    """
    shape = _shape("ball", shape)
    key = _check_key("ball", key)
    dtype = dtypes.canonicalize_dtype(float if dtype is None else dtype)
    d = _static_index("ball", "d", d)
    sample = _ball(key, _asarray(p, "ball", "p"), d, shape, dtype)
    return _out_sharded("ball", sample, out_sharding)


@_staged(2, 3, 4)
def _ball(key, p, d: int, shape: tuple, dtype):
    k1, k2 = _split2(key)
    g = _generalized_normal(k1, p, (*shape, d), dtype)
    e = _exponential(k2, shape, dtype)
    return g / (((jnp.abs(g) ** p).sum(-1) + e) ** (1 / p))[..., None]


def orthogonal(key, n: int, shape: Sequence[int] = (), dtype=None, m: int | None = None, *,
               out_sharding: OutSharding = None):
    """Haar-random ``n x m`` matrices with orthonormal rows or columns (unitary for a
    complex dtype), of shape ``(*shape, n, m)``; ``m`` defaults to ``n``.

    >>> q = random.orthogonal(random.PRNGKey(0), 3)
    >>> bool(jnp.allclose(q @ q.T, jnp.eye(3), atol=1e-5))
    True
    """
    shape = _shape("orthogonal", shape)
    key = _check_key("orthogonal", key)
    dtype = dtypes.canonicalize_dtype(float if dtype is None else dtype)
    n = _static_index("orthogonal", "n", n)
    m = n if m is None else _static_index("orthogonal", "m", m)
    return _out_sharded("orthogonal", _orthogonal(key, n, m, shape, dtype), out_sharding)


@_staged(1, 2, 3, 4)
def _orthogonal(key, n: int, m: int, shape: tuple, dtype):
    z = _normal(key, (*shape, max(n, m), min(n, m)), dtype)
    q, r = jnp.linalg.qr(z)
    # Fix the QR's sign freedom (make diag(R) positive) so that Q is Haar distributed.
    d = jnp.linalg.diagonal(r)
    x = q * jnp.expand_dims(jnp.sign(d), -2)
    return x.mT if n < m else x


def multivariate_normal(key, mean, cov, shape: Sequence[int] | None = None, dtype=None,
                        method: str = "cholesky", *,
                        out_sharding: OutSharding = None):
    """Normal vectors with the given ``mean[..., n]`` and covariance ``cov[..., n, n]``;
    ``method`` ("cholesky", "eigh" or "svd") factors ``cov`` -- use "eigh" or "svd" for a
    singular covariance.

    >>> cov = jnp.array([[2.0, 0.5], [0.5, 1.0]])
    >>> random.multivariate_normal(random.PRNGKey(0), jnp.zeros(2), cov, (4,)).shape
    (4, 2)
    """
    key = _check_key("multivariate_normal", key)
    mean, cov = promote_dtypes_inexact(_asarray(mean, "multivariate_normal", "mean"),
                                       _asarray(cov, "multivariate_normal", "cov"))
    if method not in {"svd", "eigh", "cholesky"}:
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    dtype = _dtype("multivariate_normal", get_aval(mean).dtype if dtype is None else dtype,
                   float, np.floating)
    if shape is not None:
        shape = _shape("multivariate_normal", shape)
    mean_shape, cov_shape = _shape_of(mean), _shape_of(cov)
    if not len(mean_shape) >= 1:
        raise ValueError("multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                         f"{len(mean_shape)}")
    if not len(cov_shape) >= 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == "
                         f"{len(cov_shape)}")
    n = mean_shape[-1]
    if cov_shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
                         f"but got cov.shape == {cov_shape}.")
    # "normal" in the messages, as JAX's.
    shape = _result_shape("normal", shape, mean_shape[:-1], cov_shape[:-2])
    sample = _multivariate_normal(key, mean, cov, shape, dtype, method)
    return _out_sharded("multivariate_normal", sample, out_sharding)


@_staged(3, 4, 5)
def _multivariate_normal(key, mean, cov, shape: tuple, dtype, method: str):
    if method == "svd":
        u, s, _ = jnp.linalg.svd(cov)
        factor = u * jnp.sqrt(s[..., None, :])
    elif method == "eigh":
        w, v = jnp.linalg.eigh(cov)
        factor = v * jnp.sqrt(w[..., None, :])
    else:
        factor = jnp.linalg.cholesky(cov)
    normal_samples = _normal(key, shape + _shape_of(mean)[-1:], dtype)
    if factor.ndim > 2:
        return mean + jnp.einsum("...ij,...j->...i", factor, normal_samples)
    # One covariance: the contraction JAX's einsum emits, samples first (so no transpose
    # follows the dot; the order of operands decides XLA's summation, hence the bits).
    samples, factor = promote_dtypes(normal_samples, factor)
    ndim = samples.ndim
    mixed = lax.dot_general(samples, factor, (((ndim - 1,), (1,)), ((), ())),
                            preferred_element_type=samples.dtype)
    return mean + mixed
