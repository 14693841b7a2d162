"""Gaussian kernel density estimation: ``gaussian_kde``, SciPy's class with JAX's
semantics (an immutable pytree, so it passes through ``jit``, ``vmap`` and ``grad``).

The estimate at a point ``x`` is ``sum_i w_i N(x; x_i, H)`` over the data points ``x_i``
with weights ``w_i``; the kernel covariance ``H`` is the weighted data covariance times
``factor**2``, the bandwidth factor from Scott's or Silverman's rule (on the effective
sample size ``1 / sum(w_i**2)``), a scalar or a callable of the estimator.

Evaluation whitens the data and the points with the Cholesky factor of ``H^-1`` (then every
kernel is an isotropic Gaussian of a squared distance) and sums the kernels, or
``logsumexp``-reduces them for ``logpdf``, so far-away points get a finite log density.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
import zenax.lax.random as random
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.indexing import getitem
from zenax.lax.jnp.promotion import (check_arraylike, dtype_of, ndim_of,
                                     promote_dtypes_inexact, shape_of)
from zenax.lax.jnp.vectorization import batching_transform
from zenax.lax.scipy.special import logsumexp, ndtr
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.tree_util import register_pytree_node_class

__all__ = ["gaussian_kde"]

BwMethod = None | str | Any | Callable[[Any], Any]


@register_pytree_node_class
@dataclasses.dataclass(frozen=True, init=False, slots=True)
class gaussian_kde:
    """A Gaussian kernel density estimate of ``dataset`` (``(d, n)``: ``n`` points in ``d``
    dimensions; a 1-D array is ``n`` points in one), optionally ``weights``-weighted,
    with the bandwidth of ``bw_method`` (``'scott'``, the default, ``'silverman'``, a
    scalar factor, or a callable of the estimator returning one).

    >>> from zenax.scipy.stats import gaussian_kde
    >>> kde = gaussian_kde(jnp.array([0.0, 1.0, 1.5, 4.0]))
    >>> kde.evaluate(jnp.array([0.0, 1.0, 5.0]))
    Array([0.17454097, 0.21149442, 0.05987324], dtype=float32)
    >>> kde.integrate_box_1d(-jnp.inf, 1.0)
    Array(0.41001785, dtype=float32)
    """
    neff: Any
    dataset: Any
    weights: Any
    covariance: Any
    inv_cov: Any

    def __init__(self, dataset, bw_method: BwMethod = None, weights=None):
        check_arraylike("gaussian_kde", dataset)
        dataset = jnp.atleast_2d(dataset)
        if _dtypes.issubdtype(dtype_of(dataset), np.complexfloating):
            raise NotImplementedError("gaussian_kde does not support complex data")
        if not jnp.size(dataset) > 1:
            raise ValueError("gaussian_kde: `dataset` input should have multiple elements.")
        d, n = shape_of(dataset)
        if weights is not None:
            check_arraylike("gaussian_kde", weights)
            dataset, weights = promote_dtypes_inexact(dataset, weights)
            weights = jnp.atleast_1d(weights)
            weights = jnp.divide(weights, jnp.sum(weights))
            if ndim_of(weights) != 1:
                raise ValueError("gaussian_kde: `weights` input should be one-dimensional.")
            if shape_of(weights)[0] != n:
                raise ValueError("gaussian_kde: `weights` input should be of length n")
        else:
            dataset, = promote_dtypes_inexact(dataset)
            weights = jnp.full(n, 1.0 / n, dtype=dtype_of(dataset))
        self._setattr("dataset", dataset)
        self._setattr("weights", weights)
        neff = self._setattr("neff", jnp.divide(1, jnp.sum(jnp.square(weights))))
        bw_method = "scott" if bw_method is None else bw_method
        if isinstance(bw_method, str) and bw_method == "scott":
            factor = jnp.power(neff, -1.0 / (d + 4))
        elif isinstance(bw_method, str) and bw_method == "silverman":
            factor = jnp.power(jnp.divide(jnp.multiply(neff, d + 2), 4.0), -1.0 / (d + 4))
        elif jnp.isscalar(bw_method) and not isinstance(bw_method, str):
            factor = bw_method
        elif callable(bw_method):
            factor = bw_method(self)
        else:
            raise ValueError("gaussian_kde: `bw_method` should be 'scott', 'silverman', a "
                             f"scalar, or a callable; got {bw_method!r}.")
        data_covariance = jnp.atleast_2d(jnp.cov(dataset, rowvar=1, bias=False,
                                                 aweights=weights))
        data_inv_cov = jnp.linalg.inv(data_covariance)
        factor_sq = jnp.square(factor)
        self._setattr("covariance", jnp.multiply(data_covariance, factor_sq))
        self._setattr("inv_cov", jnp.divide(data_inv_cov, factor_sq))

    def _setattr(self, name, value):
        # The dataclass is frozen (an estimator never changes); only construction sets.
        object.__setattr__(self, name, value)
        return value

    def tree_flatten(self):
        return (self.neff, self.dataset, self.weights, self.covariance, self.inv_cov), None

    @classmethod
    def tree_unflatten(cls, aux_data, children):
        del aux_data
        kde = cls.__new__(cls)
        for name, value in zip(("neff", "dataset", "weights", "covariance", "inv_cov"),
                               children):
            kde._setattr(name, value)
        return kde

    @property
    def d(self) -> int:
        """The number of dimensions."""
        return shape_of(self.dataset)[0]

    @property
    def n(self) -> int:
        """The number of data points."""
        return shape_of(self.dataset)[1]

    def evaluate(self, points):
        """The estimated density at ``points`` (``(d, m)``, or ``m`` points for ``d = 1``).

        >>> from zenax.scipy.stats import gaussian_kde
        >>> gaussian_kde(jnp.array([0.0, 1.0, 1.5, 4.0])).evaluate(jnp.array([0.5, 2.0]))
        Array([0.20267248, 0.17546111], dtype=float32)
        """
        check_arraylike("evaluate", points)
        points = self._reshape_points(points)
        result = _gaussian_kernel_eval(jnp.transpose(self.dataset),
                                       jnp.expand_dims(self.weights, 1),
                                       jnp.transpose(points), self.inv_cov, in_log=False)
        return getitem(result, (slice(None), 0))

    def __call__(self, points):
        return self.evaluate(points)

    def integrate_gaussian(self, mean, cov):
        """The integral of the estimated density times the Gaussian ``N(mean, cov)``.

        >>> from zenax.scipy.stats import gaussian_kde
        >>> kde = gaussian_kde(jnp.array([0.0, 1.0, 1.5, 4.0]))
        >>> kde.integrate_gaussian(jnp.array([1.0]), jnp.array([[0.5]]))
        Array(0.19410105, dtype=float32)
        """
        mean = jnp.atleast_1d(jnp.squeeze(mean))
        cov = jnp.atleast_2d(cov)
        if shape_of(mean) != (self.d,):
            raise ValueError(f"gaussian_kde.integrate_gaussian: mean does not have "
                             f"dimension {self.d}")
        if shape_of(cov) != (self.d, self.d):
            raise ValueError(f"gaussian_kde.integrate_gaussian: covariance does not have "
                             f"dimension {self.d}")
        chol, norm = _cholesky_and_norm(jnp.add(self.covariance, cov), self.d)
        return _gaussian_kernel_convolve(chol, norm, self.dataset, self.weights, mean)

    def integrate_box_1d(self, low, high):
        """The estimated probability of ``[low, high]`` (one-dimensional data only).

        >>> from zenax.scipy.stats import gaussian_kde
        >>> gaussian_kde(jnp.array([0.0, 1.0, 1.5, 4.0])).integrate_box_1d(0.0, 2.0)
        Array(0.3973549, dtype=float32)
        """
        if self.d != 1:
            raise ValueError("integrate_box_1d() only handles 1D pdfs")
        if np.ndim(low) != 0 or np.ndim(high) != 0:
            raise ValueError("the limits of integration in integrate_box_1d must be scalars")
        return _integrate_box_1d(self.covariance, self.dataset, self.weights, low, high)

    def integrate_kde(self, other):
        """The integral of the product of this estimate and ``other``'s.

        >>> from zenax.scipy.stats import gaussian_kde
        >>> kde = gaussian_kde(jnp.array([0.0, 1.0, 1.5, 4.0]))
        >>> kde.integrate_kde(gaussian_kde(jnp.array([1.0, 2.0, 2.5])))
        Array(0.17360167, dtype=float32)
        """
        if other.d != self.d:
            raise ValueError("KDEs are not the same dimensionality")
        chol, norm = _cholesky_and_norm(jnp.add(self.covariance, other.covariance), self.d)
        small, large = (self, other) if self.n < other.n else (other, self)
        convolve = functools.partial(_gaussian_kernel_convolve, chol, norm, large.dataset,
                                     large.weights)
        result = batching_transform()(convolve, in_axes=1)(small.dataset)
        return jnp.sum(jnp.multiply(result, small.weights))

    def resample(self, key, shape=()):
        """``shape`` new points (an array of shape ``(d,) + shape``) drawn from the
        estimate with the PRNG ``key``: data points chosen by weight, plus Gaussian noise
        of the kernel covariance.

        >>> from zenax.scipy.stats import gaussian_kde
        >>> kde = gaussian_kde(jnp.array([0.0, 1.0, 1.5, 4.0]))
        >>> kde.resample(zenax.random.key(0), (3,)).shape
        (1, 3)
        """
        ind_key, eps_key = random.split(key)
        ind = random.choice(ind_key, self.n, shape=shape, p=self.weights)
        eps = jnp.transpose(random.multivariate_normal(
            eps_key, jnp.zeros(self.d, dtype_of(self.covariance)), self.covariance,
            shape=shape, dtype=dtype_of(self.dataset)))
        return jnp.add(getitem(self.dataset, (slice(None), ind)), eps)

    def pdf(self, x):
        """The estimated density at ``x`` (the same as :meth:`evaluate`).

        >>> from zenax.scipy.stats import gaussian_kde
        >>> gaussian_kde(jnp.array([0.0, 1.0, 1.5, 4.0])).pdf(jnp.array([0.5]))
        Array([0.20267248], dtype=float32)
        """
        return self.evaluate(x)

    def logpdf(self, x):
        """The log of the estimated density at ``x``, finite far from the data too.

        >>> from zenax.scipy.stats import gaussian_kde
        >>> gaussian_kde(jnp.array([0.0, 1.0, 1.5, 4.0])).logpdf(jnp.array([0.5, 60.0]))
        Array([  -1.5961641, -945.30945  ], dtype=float32)
        """
        check_arraylike("logpdf", x)
        x = self._reshape_points(x)
        result = _gaussian_kernel_eval(jnp.transpose(self.dataset),
                                       jnp.expand_dims(self.weights, 1),
                                       jnp.transpose(x), self.inv_cov, in_log=True)
        return getitem(result, (slice(None), 0))

    def integrate_box(self, low_bounds, high_bounds, maxpts=None):
        """Not supported beyond one dimension (raises); use :meth:`integrate_box_1d`."""
        del low_bounds, high_bounds, maxpts
        raise NotImplementedError(
            "gaussian_kde: only 1D box integrations are supported; use `integrate_box_1d`")

    def set_bandwidth(self, bw_method=None):
        """Not supported (raises): the estimator is immutable; build a new one with the
        ``bw_method`` instead."""
        del bw_method
        raise NotImplementedError(
            "gaussian_kde: dynamically changing the bandwidth method is not supported; "
            "construct a new gaussian_kde(dataset, bw_method=...) instead")

    def _reshape_points(self, points):
        if _dtypes.issubdtype(dtype_of(points), np.complexfloating):
            raise NotImplementedError("gaussian_kde does not support complex coordinates")
        points = jnp.atleast_2d(points)
        d, m = shape_of(points)
        if d != self.d:
            if d == 1 and m == self.d:
                points = jnp.reshape(points, (self.d, 1))
            else:
                raise ValueError(f"gaussian_kde: points have dimension {d}, dataset has "
                                 f"dimension {self.d}")
        return points


def _cholesky_and_norm(cov, d: int):
    """The lower Cholesky factor of ``cov`` and the Gaussian normalizer
    ``1 / ((2 pi)**(d/2) sqrt(det cov))``."""
    chol = lax.linalg.cholesky(cov)
    norm = jnp.multiply(jnp.power(jnp.sqrt(2 * np.pi), d), jnp.prod(jnp.diag(chol)))
    return chol, jnp.divide(1.0, norm)


def _gaussian_kernel_convolve(chol, norm, target, weights, mean):
    """``sum_i w_i N(mean; target_i, chol chol^T)``."""
    diff = jnp.subtract(target, jnp.expand_dims(mean, 1))
    half_solved = lax.linalg.triangular_solve(chol, diff, left_side=True, lower=True)
    alpha = lax.linalg.triangular_solve(chol, half_solved, left_side=True, lower=True,
                                        transpose_a=True)
    arg = jnp.multiply(0.5, jnp.sum(jnp.multiply(diff, alpha), axis=0))
    return jnp.multiply(norm, jnp.sum(jnp.multiply(jnp.exp(jnp.negative(arg)), weights)))


@compiled_when_eager(n_arrays=5)
def _integrate_box_1d(covariance, dataset, weights, low, high):
    sigma = jnp.squeeze(jnp.sqrt(covariance))
    low = jnp.squeeze(jnp.divide(jnp.subtract(low, dataset), sigma))
    high = jnp.squeeze(jnp.divide(jnp.subtract(high, dataset), sigma))
    return jnp.sum(jnp.multiply(weights, jnp.subtract(ndtr(high), ndtr(low))))


@compiled_when_eager(n_arrays=4, static_argnames=("in_log",))
def _gaussian_kernel_eval(points, values, xi, precision, in_log: bool):
    """For each row of ``xi`` (``m x d``), the sum over the rows of ``points``
    (``n x d``) of ``values`` (``n x k``) times the Gaussian kernel of precision
    ``precision`` -- or its log, reduced with ``logsumexp`` -- as an ``m x k`` array."""
    points, values, xi, precision = promote_dtypes_inexact(points, values, xi, precision)
    d = shape_of(points)[1]
    if shape_of(xi)[1] != d:
        raise ValueError("gaussian_kde: points and xi must have same trailing dim")
    if shape_of(precision) != (d, d):
        raise ValueError("gaussian_kde: precision matrix must match data dims")
    whitening = lax.linalg.cholesky(precision)
    points = jnp.dot(points, whitening)
    xi = jnp.dot(xi, whitening)
    log_norm = jnp.subtract(jnp.sum(jnp.log(jnp.diag(whitening))),
                            jnp.multiply(0.5 * d, jnp.log(2 * np.pi)))
    # (m, n): every test point against every data point.
    sq_dist = jnp.sum(jnp.square(jnp.subtract(jnp.expand_dims(points, 0),
                                              jnp.expand_dims(xi, 1))), axis=-1)
    arg = jnp.expand_dims(jnp.subtract(log_norm, jnp.multiply(0.5, sq_dist)), -1)
    if in_log:
        return logsumexp(jnp.add(jnp.log(values), arg), axis=1)
    return jnp.sum(jnp.multiply(values, jnp.exp(arg)), axis=1)


compile_marked(globals())     # the helpers above run compiled when called eagerly
