"""Neural-network functions: activations, softmax family, one_hot (``zenax.nn``).

Written with zenax.numpy, in the arithmetic order of ``jax.nn`` so the values agree.
Where JAX gives a function a custom derivative rule, so do we, using ``zenax.custom_jvp``:
``relu``'s derivative at 0 is 0, ``relu6``'s is 0 at both kinks, ``log1mexp``'s is the
stable ``1 / expm1(x)``.  ``logsumexp``, ``softmax`` and ``log_softmax`` are
zenax.scipy.special's (the same functions in JAX).
"""
from __future__ import annotations

import operator

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import check_arraylike, concrete_int, promote_args_inexact
from zenax.lax.jnp.reductions import reduced_size
# The softmax family is shared with zenax.scipy.special (in JAX they are the same functions
# too): jax.nn's softmax/log_softmax with ``where``, as JAX computes them by default.
from zenax.lax.scipy.special_softmax import logsumexp  # noqa: F401  (re-exported)
from zenax.lax.scipy.special_softmax import nn_log_softmax as log_softmax  # noqa: F401
from zenax.lax.scipy.special_softmax import nn_softmax as softmax  # noqa: F401
from zenax.tracer import dtypes

# What an activation called eagerly on a concrete array compiles in: those of these
# keywords it takes (see lax/eager.py).
_STATIC_ARGNAMES = ("approximate", "axis", "keepdims", "return_sign", "negative_slope",
                    "alpha", "num_classes", "dtype")


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
@custom_jvp
def relu(x):
    """max(x, 0), with derivative 0 at 0 (as JAX).

    >>> zenax.nn.relu(jnp.array([-1.0, 0.0, 2.0]))
    Array([0., 0., 2.], dtype=float32)
    """
    return jnp.maximum(x, 0)


relu.defjvps(lambda g, ans, x: jnp.where(x > 0, g, jnp.zeros_like(g)))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
@custom_jvp
def relu6(x):
    """min(max(x, 0), 6), with derivative 0 at both kinks (as JAX).

    >>> zenax.nn.relu6(jnp.array([-1.0, 3.0, 7.0]))
    Array([0., 3., 6.], dtype=float32)
    """
    return jnp.minimum(jnp.maximum(x, 0), 6.)


relu6.defjvps(lambda g, ans, x: jnp.where((x > 0) & (x < 6), g, jnp.zeros_like(g)))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def identity(x):
    """``x`` itself, as an array.

    >>> zenax.nn.identity(jnp.array([-1.0, 2.0]))
    Array([-1.,  2.], dtype=float32)
    """
    check_arraylike("identity", x)
    return jnp.asarray(x)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def sigmoid(x):
    """1 / (1 + exp(-x)), computed stably (lax.logistic)."""
    return lax.logistic(jnp.asarray(x) if not hasattr(x, "dtype") else x)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def log_sigmoid(x):
    return -softplus(-x)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def softplus(x):
    """log(1 + exp(x)), stable for large |x|."""
    return jnp.logaddexp(x, 0)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def soft_sign(x):
    return x / (jnp.abs(x) + 1)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2: a smooth ReLU built from a square root (So 2021).

    >>> zenax.nn.squareplus(jnp.array([-2.0, 0.0, 2.0]))
    Array([0.41421354, 1.        , 2.4142137 ], dtype=float32)
    """
    check_arraylike("squareplus", x, b)
    x, b = jnp.asarray(x), jnp.asarray(b)
    return (x + jnp.sqrt(jnp.square(x) + b)) / 2


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def sparse_plus(x):
    """0 below -1, x above 1, and the parabola (x + 1)**2 / 4 between (Martins 2016).

    >>> zenax.nn.sparse_plus(jnp.array([-2.0, 0.0, 2.0]))
    Array([0.  , 0.25, 2.  ], dtype=float32)
    """
    check_arraylike("sparse_plus", x)
    x = jnp.asarray(x)
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def sparse_sigmoid(x):
    """The derivative of :func:`sparse_plus`: clip((x + 1) / 2, 0, 1).

    >>> zenax.nn.sparse_sigmoid(jnp.array([-2.0, 0.0, 2.0]))
    Array([0. , 0.5, 1. ], dtype=float32)
    """
    return 0.5 * jnp.clip(x + 1.0, 0.0, 2.0)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def mish(x):
    """x * tanh(softplus(x)) (Misra 2019).

    >>> [round(v, 4) for v in zenax.nn.mish(jnp.array([-1.0, 0.0, 1.0])).tolist()]
    [-0.3034, 0.0, 0.8651]
    """
    check_arraylike("mish", x)
    x = jnp.asarray(x)
    return x * jnp.tanh(softplus(x))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
@custom_jvp
def log1mexp(x):
    """log(1 - exp(-x)) for x > 0, accurate for small and large x alike (Maechler 2012:
    ``log(-expm1(-x))`` below log 2, ``log1p(-exp(-x))`` above); its derivative is the
    stable ``1 / expm1(x)``.

    >>> [round(v, 4) for v in zenax.nn.log1mexp(jnp.array([0.1, 1.0, 10.0])).tolist()]
    [-2.3522, -0.4587, -0.0]
    """
    check_arraylike("log1mexp", x)
    x = jnp.asarray(x)
    c = jnp.log(2.0)
    return jnp.where(x < c, jnp.log(-jnp.expm1(-x)), jnp.log1p(-jnp.exp(-x)))


log1mexp.defjvps(lambda g, ans, x: g / jnp.expm1(x))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def silu(x):
    """x * sigmoid(x) (also called swish)."""
    return x * sigmoid(x)


swish = silu
tanh = jnp.tanh


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def gelu(x, approximate: bool = True):
    """Gaussian error linear unit x * Phi(x): the tanh approximation by default, exact
    (with erfc) for ``approximate=False``.

    >>> y = zenax.nn.gelu(jnp.array([-1.0, 0.0, 1.0]), approximate=False)
    >>> [round(v, 4) for v in y.tolist()]
    [-0.1587, 0.0, 0.8413]
    """
    x, = promote_args_inexact("gelu", x)
    dtype = jnp.result_type(x)
    if approximate:
        sqrt_2_over_pi = np.sqrt(2 / np.pi).astype(dtype)
        cdf = 0.5 * (1.0 + jnp.tanh(sqrt_2_over_pi * (x + 0.044715 * (x ** 3))))
        return x * cdf
    sqrt_half = np.sqrt(0.5).astype(dtype)
    return jnp.array(0.5 * x * lax.erfc(-x * sqrt_half), dtype=dtype)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def leaky_relu(x, negative_slope: float = 1e-2):
    return jnp.where(x >= 0, x, negative_slope * x)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def elu(x, alpha: float = 1.0):
    safe = jnp.where(x > 0, 0., x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(safe))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def celu(x, alpha: float = 1.0):
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def selu(x):
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def hard_tanh(x):
    """x clipped to [-1, 1] (derivative 1 at the kinks, as JAX's ``where`` form gives)."""
    check_arraylike("hard_tanh", x)
    x = jnp.asarray(x)
    return jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def hard_sigmoid(x):
    return relu6(x + 3.) / 6.


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def hard_silu(x):
    """x * hard_sigmoid(x) (also called hard_swish)."""
    return x * hard_sigmoid(x)


hard_swish = hard_silu


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def glu(x, axis: int = -1):
    a, b = jnp.split(x, 2, axis=axis)
    return a * sigmoid(b)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def logmeanexp(x, axis=None, where=None, keepdims: bool = False):
    """log(mean(exp(x))) over ``axis``, without overflow: ``logsumexp`` minus the log of
    the number of elements averaged (those where ``where`` is True).

    >>> round(float(zenax.nn.logmeanexp(jnp.array([1.0, 2.0, 3.0]))), 4)
    2.309
    """
    lse = logsumexp(x, axis=axis, where=where, keepdims=keepdims)
    return lse - jnp.log(_count(x, axis, where, keepdims, lse.dtype))


def _count(x, axis, where, keepdims: bool, dtype):
    """How many elements a reduction over ``axis`` averages, as ``dtype``."""
    if where is not None:
        return jnp.sum(jnp.broadcast_to(where, jnp.shape(x)), axis, dtype=dtype,
                       keepdims=keepdims)
    return lax.convert_element_type(np.array(reduced_size(x, axis)), dtype)


@compiled_when_eager(n_arrays=1, static_argnames=("axis", "algorithm"))
def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None, *,
                algorithm: str = "fast"):
    """(x - mean) / sqrt(variance + epsilon) along ``axis``, the statistics over the
    elements where ``where`` is True.  The variance is ``mean(x**2) - mean**2`` clipped at
    0 (``algorithm="fast"``) or the two-pass ``mean((x - mean)**2)`` ("stable").

    >>> [round(v, 4) for v in zenax.nn.standardize(jnp.array([1.0, 2.0, 3.0])).tolist()]
    [-1.2247, 0.0, 1.2247]
    """
    check_arraylike("standardize", x, *(v for v in (mean, variance, where) if v is not None))
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True, where=where)
    if variance is None:
        if algorithm == "stable":
            variance = jnp.mean(jnp.square(jnp.subtract(x, mean)), axis, keepdims=True,
                                where=where)
        elif algorithm == "fast":
            # One pass; the difference may round below 0, so clip it for the rsqrt.
            variance = jnp.mean(jnp.square(x), axis, keepdims=True, where=where) - \
                jnp.square(mean)
            variance = jnp.clip(variance, 0)
        else:
            raise ValueError(f"Unknown algorithm '{algorithm}'. Expected 'fast' or 'stable'.")
    return jnp.subtract(x, mean) * lax.rsqrt(variance + epsilon)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def one_hot(x, num_classes: int, *, dtype=None, axis: int = -1):
    """One-hot vectors of the integers in ``x`` along a new ``axis`` (float by default;
    out-of-range values give all zeros).  Under ``vmap``/``shard_map``, ``axis`` may be a
    mapped axis' name, of size ``num_classes``.

    >>> zenax.nn.one_hot(jnp.array([0, 2]), 3)
    Array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    num_classes = concrete_int("one_hot", "num_classes", num_classes)
    x = jnp.asarray(x)
    dtype = dtypes.default_float_dtype() if dtype is None else dtype
    if isinstance(axis, str):
        axis_size = lax.axis_size(axis)
        if num_classes != axis_size:
            raise ValueError(f"Expected num_classes to match the size of axis {axis}, but "
                             f"{num_classes} != {axis_size}")
        return jnp.asarray(x == lax.axis_index(axis), dtype=dtype)
    out_axis = operator.index(axis)
    if not -(x.ndim + 1) <= out_axis <= x.ndim:
        raise ValueError(f"one_hot: axis {axis} is out of bounds for an output of rank "
                         f"{x.ndim + 1}.")
    out_axis %= x.ndim + 1
    rhs_shape = [1] * x.ndim
    rhs_shape.insert(out_axis, num_classes)
    classes = lax.broadcasted_iota(x.dtype, tuple(rhs_shape), out_axis)
    return (lax.expand_dims(x, (out_axis,)) == classes).astype(dtype)
