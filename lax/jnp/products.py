"""Products: dot, matmul, vdot, vecdot, inner, outer, tensordot, kron and cross.

Every contraction here is one ``dot_general`` (contracting dims, batch dims) plus the
shape plumbing that gives NumPy's conventions (1-D operands as vectors, broadcast batch
dims); ``outer``, ``kron`` and ``cross`` are elementwise products of reshaped operands.
The promotion prologue (``_promote_for_product``) and the weak-type epilogue
(``_finish``) are shared with ``einsum``.
"""
from __future__ import annotations

import builtins
import operator
from typing import Sequence

import numpy as np

from zenax import lax
from zenax.tracer.source_info import user_frame_str
from zenax.lax.eager import compiled_when_eager
from zenax.lax.sharding_constraint import OutSharding, out_sharded

from .logic import const_like
from .promotion import (ArrayLike, DTypeLike, aval_of, broadcast_shapes, broadcast_to,
                        canonical_dtype, check_arraylike, common_strong_dtype, dtype_of,
                        ensure_array, ndim_of, promote_dtypes, shape_of)
from .reductions import canonical_axis
from .shapes import moveaxis, ravel, reshape, stack
from .ufuncs import conj, multiply, subtract

# What a product called eagerly on concrete arrays compiles in (see lax/eager.py).
_STATIC_ARGNAMES = ("precision", "preferred_element_type")


def _promote_for_product(fun_name: str, a, b, preferred_element_type):
    """Promote to a common dtype; the result dtype is the preferred_element_type."""
    dtype = common_strong_dtype((a, b)) if preferred_element_type is None else None
    if dtype is not None:
        return a, b, dtype, False
    check_arraylike(fun_name, a, b)
    weak = aval_of(a).weak_type and aval_of(b).weak_type
    a, b = [ensure_array(x) for x in promote_dtypes(a, b)]
    dtype = (dtype_of(a) if preferred_element_type is None
             else canonical_dtype(preferred_element_type))
    return a, b, dtype, weak and preferred_element_type is None


def _finish(out, dtype, weak):
    """As JAX: the product of two weakly typed operands is weakly typed."""
    return lax._convert_element_type(out, dtype, weak_type=True) if weak else out


def _core_size_error(fun_name: str, a_shape, b_shape, a_dim: int, b_dim: int):
    # A TypeError, as JAX's (dot_general's shape rule raises one).
    return TypeError(
        f"{fun_name}: contracting dimensions don't match: operand shapes {a_shape} and "
        f"{b_shape}, dimension {a_dim} of the first has size {a_shape[a_dim]} but dimension "
        f"{b_dim} of the second has size {b_shape[b_dim]} (at {user_frame_str()}).")


@compiled_when_eager(n_arrays=2, static_argnames=_STATIC_ARGNAMES)
def matmul(a: ArrayLike, b: ArrayLike, *, precision=None,
           preferred_element_type: DTypeLike | None = None,
           out_sharding: OutSharding = None):
    """Matrix product with NumPy's rules: 1-D operands are vectors, leading dims batch.

    >>> (jnp.ones((5, 2, 3)) @ jnp.ones((3, 4))).shape
    (5, 2, 4)
    """
    a, b, dtype, weak = _promote_for_product("matmul", a, b, preferred_element_type)
    a_shape, b_shape = shape_of(a), shape_of(b)
    for i, s in enumerate((a_shape, b_shape)):
        if not s:
            raise ValueError(f"matmul input operand {i} must have ndim at least 1, but it "
                             f"has ndim 0 (at {user_frame_str()}); use * for scalars.")
    a_contract = len(a_shape) - 1
    b_contract = len(b_shape) - 2 if len(b_shape) >= 2 else 0
    if a_shape[a_contract] != b_shape[b_contract]:
        raise _core_size_error("matmul", a_shape, b_shape, a_contract, b_contract)
    a_batch = a_shape[:-2] if len(a_shape) >= 2 else ()
    b_batch = b_shape[:-2] if len(b_shape) >= 2 else ()
    if a_batch and b_batch:
        # Batch dims on both sides: broadcast them to one shape and batch dot_general.
        batch = broadcast_shapes(a_batch, b_batch)
        a = broadcast_to(a, batch + a_shape[-2:])
        b = broadcast_to(b, batch + b_shape[-2:])
        nb = len(batch)
        dims = (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb))))
        out = lax.dot_general(a, b, dims, precision, dtype)
    else:
        dims = (((a_contract,), (b_contract,)), ((), ()))
        out = lax.dot_general(a, b, dims, precision, dtype)
        if b_batch and len(a_shape) == 2:
            # dot_general gave (n, *batch, m); NumPy wants (*batch, n, m).
            nb = len(b_batch)
            out = lax.transpose(out, tuple(range(1, nb + 1)) + (0, nb + 1))
    return out_sharded("zenax.numpy.matmul", _finish(out, dtype, weak), out_sharding)


@compiled_when_eager(n_arrays=2, static_argnames=_STATIC_ARGNAMES)
def dot(a: ArrayLike, b: ArrayLike, *, precision=None,
        preferred_element_type: DTypeLike | None = None, out_sharding: OutSharding = None):
    """NumPy's ``dot``: contract the last axis of ``a`` with the second-to-last of ``b``
    (the only axis of a 1-D ``b``); scalars multiply.

    >>> jnp.dot(jnp.array([1, 2]), jnp.array([3, 4]))
    Array(11, dtype=int32)
    """
    check_arraylike("dot", a, b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        out = multiply(a, b)
        if preferred_element_type is not None:
            out = lax.convert_element_type(out, canonical_dtype(preferred_element_type))
        return out_sharded("zenax.numpy.dot", out, out_sharding)
    a, b, dtype, weak = _promote_for_product("dot", a, b, preferred_element_type)
    a_shape, b_shape = shape_of(a), shape_of(b)
    a_contract = len(a_shape) - 1
    b_contract = len(b_shape) - 2 if len(b_shape) >= 2 else 0
    if a_shape[a_contract] != b_shape[b_contract]:
        raise _core_size_error("dot", a_shape, b_shape, a_contract, b_contract)
    out = lax.dot_general(a, b, (((a_contract,), (b_contract,)), ((), ())), precision, dtype)
    return out_sharded("zenax.numpy.dot", _finish(out, dtype, weak), out_sharding)


@compiled_when_eager(n_arrays=2, static_argnames=_STATIC_ARGNAMES)
def vdot(a: ArrayLike, b: ArrayLike, *, precision=None,
         preferred_element_type: DTypeLike | None = None):
    """Dot product of the flattened arrays, conjugating ``a`` if complex.

    >>> jnp.vdot(jnp.ones((2, 2)), jnp.ones((2, 2)))
    Array(4., dtype=float32)
    """
    check_arraylike("vdot", a, b)
    return dot(ravel(conj(a)), ravel(b), precision=precision,
               preferred_element_type=preferred_element_type)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1, precision=None,
           preferred_element_type: DTypeLike | None = None):
    """Batched vector dot product along ``axis`` (conjugating ``x1``), broadcasting the
    other axes.

    >>> jnp.vecdot(jnp.ones((2, 3)), jnp.ones(3))
    Array([3., 3.], dtype=float32)
    """
    x1, x2, dtype, weak = _promote_for_product("vecdot", x1, x2, preferred_element_type)
    x1 = moveaxis(conj(x1), canonical_axis("vecdot", axis, ndim_of(x1)), -1)
    x2 = moveaxis(x2, canonical_axis("vecdot", axis, ndim_of(x2)), -1)
    if shape_of(x1)[-1] != shape_of(x2)[-1]:
        raise _core_size_error("vecdot", shape_of(x1), shape_of(x2), ndim_of(x1) - 1,
                               ndim_of(x2) - 1)
    batch = broadcast_shapes(shape_of(x1)[:-1], shape_of(x2)[:-1])
    x1 = broadcast_to(x1, batch + shape_of(x1)[-1:])
    x2 = broadcast_to(x2, batch + shape_of(x2)[-1:])
    nb = len(batch)
    dims = (((nb,), (nb,)), (tuple(range(nb)), tuple(range(nb))))
    return _finish(lax.dot_general(x1, x2, dims, precision, dtype), dtype, weak)


@compiled_when_eager(n_arrays=2, static_argnames=_STATIC_ARGNAMES)
def inner(a: ArrayLike, b: ArrayLike, *, precision=None,
          preferred_element_type: DTypeLike | None = None):
    """Contract the last axes of ``a`` and ``b``. Example: ``jnp.inner(x, y)``."""
    check_arraylike("inner", a, b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return dot(a, b, precision=precision, preferred_element_type=preferred_element_type)
    return tensordot(a, b, (-1, -1), precision=precision,
                     preferred_element_type=preferred_element_type)


@compiled_when_eager()
def outer(a: ArrayLike, b: ArrayLike, out=None):
    """Outer product of the flattened arrays.

    >>> jnp.outer(jnp.arange(2), jnp.arange(3)).shape
    (2, 3)
    """
    check_arraylike("outer", a, b)
    return multiply(reshape(ravel(a), (-1, 1)), reshape(ravel(b), (1, -1)))


def _axes_list(fun_name: str, axes, ndim: int) -> tuple[int, ...]:
    axes = (axes,) if np.ndim(axes) == 0 else tuple(axes)
    return tuple(canonical_axis(fun_name, ax, ndim) for ax in axes)


def tensordot(a: ArrayLike, b: ArrayLike, axes: int | Sequence = 2, *, precision=None,
              preferred_element_type: DTypeLike | None = None,
              out_sharding: OutSharding = None):
    """Contract ``axes`` of ``a`` with ``axes`` of ``b`` (an int N means the last N of
    ``a`` with the first N of ``b``).

    >>> jnp.tensordot(jnp.ones((2, 3, 4)), jnp.ones((3, 4, 5))).shape
    (2, 5)
    """
    a, b, dtype, weak = _promote_for_product("tensordot", a, b, preferred_element_type)
    a_nd, b_nd = ndim_of(a), ndim_of(b)
    if np.ndim(axes) == 0:
        n = operator.index(axes)
        if n > builtins.min(a_nd, b_nd):
            raise TypeError(f"tensordot: axes={n} is out of range for operands of rank "
                            f"{a_nd} and {b_nd}.")
        n = builtins.max(n, 0)        # a negative count contracts nothing, as in JAX
        a_axes, b_axes = tuple(range(a_nd - n, a_nd)), tuple(range(n))
    else:
        if len(axes) != 2:
            raise TypeError("tensordot: axes must be an int or a pair of axis sequences, "
                            f"got {axes!r}.")
        a_axes = _axes_list("tensordot", axes[0], a_nd)
        b_axes = _axes_list("tensordot", axes[1], b_nd)
        if len(a_axes) != len(b_axes):
            raise TypeError("tensordot: the two axis sequences must have the same length, "
                            f"got {a_axes} and {b_axes}.")
    for ad, bd in zip(a_axes, b_axes):
        if shape_of(a)[ad] != shape_of(b)[bd]:
            raise _core_size_error("tensordot", shape_of(a), shape_of(b), ad, bd)
    out = lax.dot_general(a, b, ((a_axes, b_axes), ((), ())), precision, dtype)
    return out_sharded("zenax.numpy.tensordot", _finish(out, dtype, weak), out_sharding)


@compiled_when_eager()
def kron(a: ArrayLike, b: ArrayLike):
    """Kronecker product: blocks ``a[i, j] * b``.

    >>> jnp.kron(jnp.eye(2), jnp.ones((2, 2))).shape
    (4, 4)
    """
    check_arraylike("kron", a, b)
    a, b = [ensure_array(x) for x in promote_dtypes(a, b)]
    nd = builtins.max(ndim_of(a), ndim_of(b))
    a = reshape(a, (1,) * (nd - ndim_of(a)) + shape_of(a))
    b = reshape(b, (1,) * (nd - ndim_of(b)) + shape_of(b))
    # Interleave: a's axis i goes to 2i, b's to 2i + 1, then merge each pair.
    a_wide = reshape(a, tuple(d for s in shape_of(a) for d in (s, 1)))
    b_wide = reshape(b, tuple(d for s in shape_of(b) for d in (1, s)))
    out_shape = tuple(p * q for p, q in zip(shape_of(a), shape_of(b)))
    return reshape(multiply(a_wide, b_wide), out_shape)


def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None):
    """Cross product of 3-vectors (or the z-component for 2-vectors) along the axes.

    >>> jnp.cross(jnp.array([1.0, 0, 0]), jnp.array([0.0, 1, 0]))
    Array([0., 0., 1.], dtype=float32)
    """
    check_arraylike("cross", a, b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = [ensure_array(x) for x in promote_dtypes(a, b)]
    a = moveaxis(a, axisa, -1)
    b = moveaxis(b, axisb, -1)
    if shape_of(a)[-1] not in (2, 3) or shape_of(b)[-1] not in (2, 3):
        raise ValueError("cross: incompatible dimensions for cross product (dimension must "
                         f"be 2 or 3), got shapes {shape_of(a)} and {shape_of(b)}.")
    component = lambda x, i: lax.index_in_dim(x, i, axis=ndim_of(x) - 1, keepdims=False)
    a0, a1, b0, b1 = component(a, 0), component(a, 1), component(b, 0), component(b, 1)
    z = subtract(multiply(a0, b1), multiply(a1, b0))
    if shape_of(a)[-1] == 2 and shape_of(b)[-1] == 2:
        return z
    a2 = component(a, 2) if shape_of(a)[-1] == 3 else const_like(a0, 0)
    b2 = component(b, 2) if shape_of(b)[-1] == 3 else const_like(b0, 0)
    x = subtract(multiply(a1, b2), multiply(a2, b1))
    y = subtract(multiply(a2, b0), multiply(a0, b2))
    x, y, z = [broadcast_to(c, shape_of(z)) for c in (x, y, z)]
    return moveaxis(stack([x, y, z], axis=-1), -1, axisc)
