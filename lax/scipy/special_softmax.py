"""Log-sum-exp and the softmax pair, shared by ``zenax.scipy.special`` and ``zenax.nn``.

All three subtract the maximum over the reduced axes before exponentiating, so nothing
overflows, and hold that shift out of differentiation with ``stop_gradient`` (the result
does not depend on it).  A non-finite maximum (all ``-inf``, say) is replaced by 0 in
``logsumexp`` so the shift itself cannot make a NaN.

``logsumexp`` takes SciPy's ``b`` (weights: ``log(sum(b * exp(a)))``, NaN where the sum
is negative unless ``return_sign``), ``where`` (a mask of the elements to include) and
``return_sign``.  ``nn_softmax``/``nn_log_softmax`` have ``zenax.nn``'s signature (axis
-1 by default, a ``where`` mask); SciPy's ``softmax``/``log_softmax`` reduce over every
axis by default and take no mask.
"""
from __future__ import annotations

import numpy as np

from zenax import lax
import zenax.lax.jnp as jnp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import (ArrayLike, check_arraylike, dtype_of, ensure_array,
                                     promote_args_inexact)
from zenax.lax.jnp.reductions import canonical_axes
from zenax.tracer import dtypes as _dtypes

__all__ = ["log_softmax", "logsumexp", "softmax"]

_STATIC = ("axis", "keepdims", "return_sign")


@compiled_when_eager(n_arrays=1, static_argnames=_STATIC)
def logsumexp(a: ArrayLike, axis=None, b: ArrayLike | None = None, keepdims: bool = False,
              return_sign: bool = False, where: ArrayLike | None = None):
    """``log(sum(b * exp(a)))`` over ``axis`` (all axes by default), without overflow;
    with ``return_sign=True``, the pair ``(log|sum|, sign(sum))``.

    >>> jsp.special.logsumexp(jnp.array([1000., 1000.]))
    Array(1000.6932, dtype=float32)
    >>> jsp.special.logsumexp(jnp.array([0., 0.]), b=jnp.array([1., -2.]), return_sign=True)
    (Array(0., dtype=float32), Array(-1., dtype=float32))
    """
    if where is not None:
        a = jnp.where(where, a, 0)
    if b is not None:
        a, b = promote_args_inexact("logsumexp", a, b)
        a = jnp.where(b != 0, a, -np.inf)
    else:
        a, = promote_args_inexact("logsumexp", a)
    a = ensure_array(a)
    is_complex = _dtypes.is_complex(dtype_of(a))
    dims = canonical_axes("logsumexp", axis, a.ndim)
    amax = jnp.max(jnp.real(a), axis=dims, keepdims=keepdims, where=where, initial=-np.inf)
    amax = lax.stop_gradient(jnp.where(jnp.isfinite(amax), amax, jnp.zeros_like(amax)))
    amax_with_dims = amax if keepdims else lax.expand_dims(amax, dims)
    exp_a = jnp.exp(a - amax_with_dims.astype(dtype_of(a)))
    if b is not None:
        exp_a = exp_a * b
    sumexp = jnp.sum(exp_a, axis=dims, keepdims=keepdims, where=where)
    sign = lax.sign(sumexp)
    if return_sign or not is_complex:
        sumexp = jnp.abs(sumexp)
    out = jnp.log(sumexp) + amax.astype(dtype_of(sumexp))
    if return_sign:
        return out, sign
    if b is not None and not is_complex:
        out = jnp.where(sign < 0, jnp.full_like(out, np.nan), out)
    return out


def _lowest(x):
    """The identity of ``max`` in ``x``'s dtype: ``-inf``, or an integer type's minimum
    (what JAX's ``initial=-inf`` becomes when cast to it)."""
    dtype = dtype_of(x)
    return np.iinfo(dtype).min if _dtypes.is_integer(dtype) else -np.inf


@compiled_when_eager(n_arrays=1, static_argnames=("axis",))
def nn_softmax(x: ArrayLike, axis=-1, where: ArrayLike | None = None):
    """``exp(x) / sum(exp(x))`` along ``axis``; masked-out elements (``where`` False)
    are left out of the sum and get 0 (``zenax.nn.softmax``).

    >>> nn_softmax(jnp.array([[0., 1.], [2., 2.]]))
    Array([[0.26894143, 0.7310586 ],
           [0.5       , 0.5       ]], dtype=float32)
    """
    check_arraylike("softmax", x)
    x = ensure_array(x)
    axis = canonical_axes("softmax", axis, x.ndim)
    x_max = jnp.max(x, axis, where=where, initial=_lowest(x), keepdims=True)
    x_safe = x if where is None else jnp.where(where, x, -np.inf)
    unnormalized = jnp.exp(x_safe - lax.stop_gradient(x_max))
    result = unnormalized / jnp.sum(unnormalized, axis, where=where, keepdims=True)
    return result if where is None else jnp.where(where, result, 0)


@compiled_when_eager(n_arrays=1, static_argnames=("axis",))
def nn_log_softmax(x: ArrayLike, axis=-1, where: ArrayLike | None = None):
    """``x - logsumexp(x)`` along ``axis``; masked-out elements (``where`` False) are
    left out of the sum and get ``-inf`` (``zenax.nn.log_softmax``).

    >>> nn_log_softmax(jnp.array([0., 1., 2.]), where=jnp.array([True, True, False]))
    Array([-1.3132616 , -0.31326163,        -inf], dtype=float32)
    """
    check_arraylike("log_softmax", x)
    x = ensure_array(x)
    axis = canonical_axes("log_softmax", axis, x.ndim)
    x_max = jnp.max(x, axis, where=where, initial=_lowest(x), keepdims=True)
    x_safe = x if where is None else jnp.where(where, x, -np.inf)
    shifted = x_safe - lax.stop_gradient(x_max)
    result = shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
    return result if where is None else jnp.where(where, result, -np.inf)


@compiled_when_eager(n_arrays=1, static_argnames=("axis",))
def softmax(x: ArrayLike, /, *, axis=None):
    """``exp(x) / sum(exp(x))`` over ``axis`` (all axes by default): non-negative
    entries summing to 1.

    >>> jsp.special.softmax(jnp.array([[1., 2.], [3., 4.]]), axis=1)
    Array([[0.26894143, 0.7310586 ],
           [0.26894143, 0.7310586 ]], dtype=float32)
    """
    return nn_softmax(x, axis=axis)


@compiled_when_eager(n_arrays=1, static_argnames=("axis",))
def log_softmax(x: ArrayLike, /, *, axis=None):
    """``x - logsumexp(x)`` over ``axis`` (all axes by default), the log of
    :func:`softmax` computed without forming it.

    >>> jsp.special.log_softmax(jnp.array([0., 1000.]))
    Array([-1000.,     0.], dtype=float32)
    """
    return nn_log_softmax(x, axis=axis)
