"""Neural-network functions: activations, softmax family, one_hot (``zenax.nn``).

Written with zenax.numpy.  Where JAX gives a function a custom derivative rule, so do we
(``relu``'s derivative at 0 is 0; ``softmax``'s jvp is the cheap closed form), using
``zenax.custom_jvp``.
"""
from __future__ import annotations

import math

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager

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
def relu6(x):
    return jnp.minimum(jnp.maximum(x, 0), 6.)


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
def silu(x):
    """x * sigmoid(x) (also called swish)."""
    return x * sigmoid(x)


swish = silu


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def gelu(x, approximate: bool = True):
    """Gaussian error linear unit: tanh approximation by default, exact with erf."""
    if approximate:
        c = math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + jnp.tanh(c * (x + 0.044715 * (x ** 3))))
    return 0.5 * x * (1 + lax.erf(x / np.array(math.sqrt(2), dtype=jnp.result_type(x))))


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
    return jnp.clip(x, -1., 1.)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def hard_sigmoid(x):
    return relu6(x + 3.) / 6.


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def hard_silu(x):
    return x * hard_sigmoid(x)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def glu(x, axis: int = -1):
    a, b = jnp.split(x, 2, axis=axis)
    return a * sigmoid(b)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False):
    """log(sum(exp(a))) without overflow: the max is subtracted first (and held out of
    differentiation with stop_gradient, as in JAX)."""
    a = jnp.asarray(a)
    if b is not None:
        a = a + jnp.log(jnp.asarray(b, dtype=a.dtype))
    amax = jnp.max(a, axis=axis, keepdims=True)
    amax = lax.stop_gradient(jnp.where(jnp.isfinite(amax), amax, 0.))
    s = jnp.sum(jnp.exp(a - amax), axis=axis, keepdims=True)
    out = jnp.log(jnp.abs(s)) + amax
    if not keepdims:
        out = jnp.squeeze(out, axis=axis) if axis is not None else jnp.reshape(out, ())
    if return_sign:
        sign = jnp.sign(s)
        if not keepdims:
            sign = jnp.squeeze(sign, axis=axis) if axis is not None else jnp.reshape(sign, ())
        return out, sign
    return out


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def log_softmax(x, axis: int = -1, where=None):
    """x - logsumexp(x): log-probabilities, stable at extreme inputs."""
    x_max = jnp.max(x, axis, keepdims=True) if where is None else \
        jnp.max(jnp.where(where, x, -jnp.inf), axis, keepdims=True)
    shifted = x - lax.stop_gradient(x_max)
    e = jnp.exp(shifted)
    if where is not None:
        e = jnp.where(where, e, 0.)
    return shifted - jnp.log(jnp.sum(e, axis, keepdims=True))


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def softmax(x, axis: int = -1, where=None):
    """exp(x) / sum(exp(x)) along ``axis``, stable; its jvp is the closed form
    ``y * (x_dot - sum(y * x_dot))`` (a custom rule, as in JAX)."""
    return _softmax(x, axis, where)


def _softmax_impl(x, axis, where):
    x_max = jnp.max(x if where is None else jnp.where(where, x, -jnp.inf), axis, keepdims=True)
    unnormalized = jnp.exp(x - x_max)
    if where is not None:
        unnormalized = jnp.where(where, unnormalized, 0.)
    return unnormalized / jnp.sum(unnormalized, axis, keepdims=True)


_softmax = custom_jvp(_softmax_impl, nondiff_argnums=(1, 2))


@_softmax.defjvp
def _softmax_jvp(axis, where, primals, tangents):
    (x,), (x_dot,) = primals, tangents
    y = _softmax(x, axis, where)
    return y, y * (x_dot - jnp.sum(y * x_dot, axis, keepdims=True))


def standardize(x, axis=-1, mean=None, variance=None, epsilon: float = 1e-5):
    """(x - mean) / sqrt(variance + epsilon) along ``axis``."""
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True)
    if variance is None:
        variance = jnp.mean(jnp.square(x), axis, keepdims=True) - jnp.square(mean)
    return (x - mean) * lax.rsqrt(variance + epsilon)


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC_ARGNAMES)
def one_hot(x, num_classes: int, *, dtype=np.float32, axis: int = -1):
    """``one_hot(jnp.array([0, 2]), 3)`` -> ``[[1, 0, 0], [0, 0, 1]]``."""
    x = jnp.asarray(x)
    classes = jnp.arange(num_classes)
    return jnp.asarray(jnp.expand_dims(x, axis) == jnp.expand_dims(
        classes, tuple(i for i in range(x.ndim + 1) if i != (axis % (x.ndim + 1)))),
        dtype=dtype)
