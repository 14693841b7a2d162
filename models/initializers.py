"""Parameter initializers, as ``jax.nn.initializers``: each is an :class:`Initializer`,
``init(key, shape, dtype=None, out_sharding=None) -> Array``; the factories
(``normal(stddev)``, ``glorot_uniform()``, ...) build them.

The variance-scaling family draws with variance ``scale / fan`` where the fans are the
number of inputs and outputs a unit of the weight sees: ``shape[in_axis]`` and
``shape[out_axis]`` times the receptive field (the product of the other non-batch axes, as
for a convolution kernel).  Complex dtypes get a circularly symmetric draw with the same
variance.  The values are those of ``jax.nn.initializers`` for the same key: the same
samplers, then the same scaling.

>>> w = zenax.nn.initializers.glorot_uniform()(zenax.random.PRNGKey(0), (784, 512))
>>> w.shape, w.dtype
((784, 512), dtype('float32'))
"""
from __future__ import annotations

import math
from typing import Any, Literal, Protocol, Sequence, runtime_checkable

import numpy as np

import zenax.lax.jnp as jnp
from zenax.lax import random
from zenax.tracer import dtypes

__all__ = ["Initializer", "zeros", "ones", "constant", "uniform", "normal",
           "truncated_normal", "variance_scaling", "glorot_uniform", "glorot_normal",
           "lecun_uniform", "lecun_normal", "he_uniform", "he_normal", "xavier_uniform",
           "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal",
           "delta_orthogonal"]


@runtime_checkable
class Initializer(Protocol):
    """What every initializer is: a function of a key, a shape and a dtype (``None``: the
    default float type) returning the initial parameter array.

    >>> isinstance(zenax.nn.initializers.normal(), zenax.nn.initializers.Initializer)
    True
    """

    def __call__(self, key, shape: Sequence[int], dtype=None, out_sharding=None) -> Any:
        raise NotImplementedError


def _dtype(dtype):
    return dtypes.default_float_dtype() if dtype is None else dtype


def _no_sharding(name: str, out_sharding) -> None:
    # The random samplers place their results on the default device only.
    if out_sharding is not None:
        raise NotImplementedError(f"zenax.nn.initializers.{name}: out_sharding is not "
                                  "supported; place the result with zenax.device_put.")


def zeros(key, shape: Sequence[int], dtype=None, out_sharding=None):
    """An array of zeros (the key is unused).

    >>> zenax.nn.initializers.zeros(zenax.random.PRNGKey(0), (2,))
    Array([0., 0.], dtype=float32)
    """
    return jnp.zeros(shape, _dtype(dtype), device=out_sharding)


def ones(key, shape: Sequence[int], dtype=None, out_sharding=None):
    """An array of ones (the key is unused).

    >>> zenax.nn.initializers.ones(zenax.random.PRNGKey(0), (2,))
    Array([1., 1.], dtype=float32)
    """
    return jnp.ones(shape, _dtype(dtype), device=out_sharding)


def constant(value, dtype=None) -> Initializer:
    """An initializer filling the array with ``value``.

    >>> zenax.nn.initializers.constant(-7.)(zenax.random.PRNGKey(0), (2,))
    Array([-7., -7.], dtype=float32)
    """
    def init(key, shape: Sequence[int], dtype=dtype, out_sharding=None):
        return jnp.full(shape, value, dtype=_dtype(dtype), device=out_sharding)
    return init


def uniform(scale: float = 1e-2, dtype=None) -> Initializer:
    """An initializer drawing uniformly from ``[0, scale)``.

    >>> zenax.nn.initializers.uniform(10.0)(zenax.random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    def init(key, shape: Sequence[int], dtype=dtype, out_sharding=None):
        _no_sharding("uniform", out_sharding)
        dtype = _dtype(dtype)
        return random.uniform(key, shape, dtype) * jnp.array(scale, dtype)
    return init


def normal(stddev: float = 1e-2, dtype=None) -> Initializer:
    """An initializer drawing from a normal distribution with mean 0 and ``stddev``.

    >>> zenax.nn.initializers.normal(5.0)(zenax.random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    def init(key, shape: Sequence[int], dtype=dtype, out_sharding=None):
        _no_sharding("normal", out_sharding)
        dtype = _dtype(dtype)
        return random.normal(key, shape, dtype) * jnp.array(stddev, dtype)
    return init


def truncated_normal(stddev: float = 1e-2, dtype=None, lower: float = -2.0,
                     upper: float = 2.0) -> Initializer:
    """An initializer drawing a standard normal truncated to ``(lower, upper)``, times
    ``stddev`` (which is then not the result's standard deviation).

    >>> zenax.nn.initializers.truncated_normal(5.0)(zenax.random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    def init(key, shape: Sequence[int], dtype=dtype, out_sharding=None):
        _no_sharding("truncated_normal", out_sharding)
        dtype = _dtype(dtype)
        return random.truncated_normal(key, lower, upper, shape, dtype) * \
            jnp.array(stddev, dtype)
    return init


def _compute_fans(shape: Sequence[int], in_axis=-2, out_axis=-1, batch_axis=()):
    """The fans (as floats) of a weight of ``shape``: the input and output axes' sizes
    times the receptive field, the product of the axes that are neither nor batch."""
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional "
                         "weights tensor with default in_axis. Must be at least 2D or specify "
                         "in_axis explicitly.")
    size = lambda axes: shape[axes] if isinstance(axes, int) else \
        math.prod([shape[i] for i in axes])
    in_size, out_size, batch_size = size(in_axis), size(out_axis), size(batch_axis)
    receptive_field_size = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive_field_size, out_size * receptive_field_size


def _real_and_complex(dtype) -> tuple[np.dtype, np.dtype]:
    real_dtype = np.array(0, dtype).real.dtype
    return real_dtype, np.dtype(np.complex128 if real_dtype.itemsize == 8 else np.complex64)


def _complex_uniform(key, shape: Sequence[int], dtype):
    """Uniform in the disk of radius sqrt(2) (variance 1): radius sqrt(2 u), angle 2 pi v."""
    key_r, key_theta = random.split(key)
    real_dtype, dtype = _real_and_complex(dtype)
    r = jnp.sqrt(2 * random.uniform(key_r, shape, real_dtype)).astype(dtype)
    theta = 2 * np.pi * random.uniform(key_theta, shape, real_dtype).astype(dtype)
    return r * jnp.exp(1j * theta)


def _complex_truncated_normal(key, upper, shape: Sequence[int], dtype):
    """A complex normal with its modulus truncated to ``upper`` (inverse CDF of the
    modulus, uniform angle)."""
    key_r, key_theta = random.split(key)
    real_dtype, dtype = _real_and_complex(dtype)
    t = ((1 - jnp.exp(jnp.array(-(upper ** 2), dtype)))
         * random.uniform(key_r, shape, real_dtype).astype(dtype))
    r = jnp.sqrt(-jnp.log(1 - t))
    theta = 2 * np.pi * random.uniform(key_theta, shape, real_dtype).astype(dtype)
    return r * jnp.exp(1j * theta)


def variance_scaling(scale: float,
                     mode: Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"],
                     distribution: Literal["truncated_normal", "normal", "uniform"],
                     in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                     batch_axis: int | Sequence[int] = (), dtype=None) -> Initializer:
    """An initializer with variance ``scale / n``, ``n`` the fan in, the fan out, their
    mean or their geometric mean (``mode``), drawn from a normal truncated to two standard
    deviations (rescaled to keep the variance), a normal, or a uniform ``distribution``.

    >>> init = zenax.nn.initializers.variance_scaling(2.0, "fan_in", "normal")
    >>> init(zenax.random.PRNGKey(0), (4, 3)).shape
    (4, 3)
    """
    def init(key, shape: Sequence[int], dtype=dtype, out_sharding=None):
        _no_sharding("variance_scaling", out_sharding)
        shape = tuple(shape)
        dtype = _dtype(dtype)
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        if mode == "fan_in":
            denominator = fan_in
        elif mode == "fan_out":
            denominator = fan_out
        elif mode == "fan_avg":
            denominator = (fan_in + fan_out) / 2
        elif mode == "fan_geo_avg":
            denominator = (fan_in * fan_out) ** 0.5
        else:
            raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
        variance = jnp.array(scale / denominator, dtype=dtype)
        real = dtypes.issubdtype(dtype, np.floating)
        if distribution == "truncated_normal":
            # The constants are the standard deviations of a standard normal truncated to
            # (-2, 2) and of a complex one with modulus truncated to 2.
            if real:
                stddev = jnp.sqrt(variance) / jnp.array(.87962566103423978, dtype)
                return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
            stddev = jnp.sqrt(variance) / jnp.array(.95311164380491208, dtype)
            return _complex_truncated_normal(key, 2, shape, dtype) * stddev
        if distribution == "normal":
            return random.normal(key, shape, dtype) * jnp.sqrt(variance)
        if distribution == "uniform":
            if real:
                return random.uniform(key, shape, dtype, -1) * jnp.sqrt(3 * variance)
            return _complex_uniform(key, shape, dtype) * jnp.sqrt(variance)
        raise ValueError(f"invalid distribution for variance scaling initializer: "
                         f"{distribution}")
    return init


def glorot_uniform(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                   batch_axis: int | Sequence[int] = (), dtype=None) -> Initializer:
    """Glorot (Xavier) uniform: ``variance_scaling(1.0, "fan_avg", "uniform")``.

    >>> zenax.nn.initializers.glorot_uniform()(zenax.random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                  batch_axis: int | Sequence[int] = (), dtype=None) -> Initializer:
    """Glorot (Xavier) normal: ``variance_scaling(1.0, "fan_avg", "truncated_normal")``.

    >>> zenax.nn.initializers.glorot_normal()(zenax.random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def lecun_uniform(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                  batch_axis: int | Sequence[int] = (), dtype=None) -> Initializer:
    """LeCun uniform: ``variance_scaling(1.0, "fan_in", "uniform")``.

    >>> zenax.nn.initializers.lecun_uniform()(zenax.random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                 batch_axis: int | Sequence[int] = (), dtype=None) -> Initializer:
    """LeCun normal: ``variance_scaling(1.0, "fan_in", "truncated_normal")``.

    >>> zenax.nn.initializers.lecun_normal()(zenax.random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def he_uniform(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
               batch_axis: int | Sequence[int] = (), dtype=None) -> Initializer:
    """He (Kaiming) uniform: ``variance_scaling(2.0, "fan_in", "uniform")``.

    >>> zenax.nn.initializers.he_uniform()(zenax.random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
              batch_axis: int | Sequence[int] = (), dtype=None) -> Initializer:
    """He (Kaiming) normal: ``variance_scaling(2.0, "fan_in", "truncated_normal")``.

    >>> zenax.nn.initializers.he_normal()(zenax.random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def orthogonal(scale: float = 1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """An initializer of ``scale`` times a random orthogonal matrix: the array, with
    ``column_axis`` as the columns and the other axes flattened into rows, has orthonormal
    rows or columns (whichever are fewer).

    >>> w = zenax.nn.initializers.orthogonal()(zenax.random.PRNGKey(0), (3, 3))
    >>> bool(jnp.allclose(w.T @ w, jnp.eye(3), atol=1e-5))
    True
    """
    def init(key, shape: Sequence[int], dtype=dtype, out_sharding=None):
        _no_sharding("orthogonal", out_sharding)
        dtype = _dtype(dtype)
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        if any(dim == 0 for dim in shape):
            return jnp.zeros(shape, dtype=dtype)
        n_rows, n_cols = math.prod(shape) // shape[column_axis], shape[column_axis]
        q = random.orthogonal(key, n_rows, (), dtype, n_cols)
        q = jnp.reshape(q, tuple(np.delete(shape, column_axis)) + (shape[column_axis],))
        q = jnp.moveaxis(q, -1, column_axis)
        return jnp.array(scale, dtype) * q
    return init


def delta_orthogonal(scale: float = 1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """An initializer for 1-, 2- or 3-d convolution kernels (``shape`` of rank 3, 4 or 5,
    fan in <= fan out) that are zero but at the spatial centre, which holds an orthogonal
    matrix: the convolution then preserves norms (Xiao et al. 2018).

    >>> w = zenax.nn.initializers.delta_orthogonal()(zenax.random.PRNGKey(0), (3, 3, 3))
    >>> w.shape, bool((w[0] == 0).all())
    ((3, 3, 3), True)
    """
    def init(key, shape: Sequence[int], dtype=dtype, out_sharding=None):
        _no_sharding("delta_orthogonal", out_sharding)
        dtype = _dtype(dtype)
        if len(shape) not in [3, 4, 5]:
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if shape[-1] < shape[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
        ortho_matrix = orthogonal(scale=scale, column_axis=column_axis,
                                  dtype=dtype)(key, shape[-2:])
        centre = tuple((k - 1) // 2 for k in shape[:-2])
        return jnp.zeros(shape, dtype=dtype).at[centre + (Ellipsis,)].set(ortho_matrix)
    return init
