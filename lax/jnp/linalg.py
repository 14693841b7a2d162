"""Products and norms: dot, matmul, vdot, vecdot, inner, outer, tensordot, einsum, kron,
cross, and ``norm``.

Every product is one ``dot_general`` (contracting dims, batch dims) plus shape plumbing;
``einsum`` parses its subscripts, takes repeated-label diagonals, sums out labels used
once, and contracts operands pairwise from left to right.

This module is also the ``jnp.linalg`` namespace (``jnp.linalg.norm``,
``jnp.linalg.matmul``, ...); decompositions (``svd``, ``inv``, ...) are not available yet.
"""
from __future__ import annotations

import builtins
import operator
from typing import Sequence

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str

from .logic import const_like
from .promotion import (ArrayLike, DTypeLike, aval_of, broadcast_shapes, broadcast_to,
                        canonical_dtype, check_arraylike, common_strong_dtype, dtype_of,
                        ensure_array, ndim_of, promote_dtypes, promote_dtypes_inexact,
                        scalar_constant, shape_of)
from .reductions import canonical_axis, max, min, sum
from .diagonals import diagonal
from .shapes import moveaxis, ravel, reshape, stack
from .ufuncs import abs, conj, multiply, power, real, sqrt, subtract


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


def matmul(a: ArrayLike, b: ArrayLike, *, precision=None,
           preferred_element_type: DTypeLike | None = None):
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
    return _finish(out, dtype, weak)


def dot(a: ArrayLike, b: ArrayLike, *, precision=None,
        preferred_element_type: DTypeLike | None = None):
    """NumPy's ``dot``: contract the last axis of ``a`` with the second-to-last of ``b``
    (the only axis of a 1-D ``b``); scalars multiply.

    >>> jnp.dot(jnp.array([1, 2]), jnp.array([3, 4]))
    Array(11, dtype=int32)
    """
    check_arraylike("dot", a, b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        out = multiply(a, b)
        return out if preferred_element_type is None else lax.convert_element_type(
            out, canonical_dtype(preferred_element_type))
    a, b, dtype, weak = _promote_for_product("dot", a, b, preferred_element_type)
    a_shape, b_shape = shape_of(a), shape_of(b)
    a_contract = len(a_shape) - 1
    b_contract = len(b_shape) - 2 if len(b_shape) >= 2 else 0
    if a_shape[a_contract] != b_shape[b_contract]:
        raise _core_size_error("dot", a_shape, b_shape, a_contract, b_contract)
    out = lax.dot_general(a, b, (((a_contract,), (b_contract,)), ((), ())), precision, dtype)
    return _finish(out, dtype, weak)


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


def inner(a: ArrayLike, b: ArrayLike, *, precision=None,
          preferred_element_type: DTypeLike | None = None):
    """Contract the last axes of ``a`` and ``b``. Example: ``jnp.inner(x, y)``."""
    check_arraylike("inner", a, b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return dot(a, b, precision=precision, preferred_element_type=preferred_element_type)
    return tensordot(a, b, (-1, -1), precision=precision,
                     preferred_element_type=preferred_element_type)


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
              preferred_element_type: DTypeLike | None = None):
    """Contract ``axes`` of ``a`` with ``axes`` of ``b`` (an int N means the last N of
    ``a`` with the first N of ``b``).

    >>> jnp.tensordot(jnp.ones((2, 3, 4)), jnp.ones((3, 4, 5))).shape
    (2, 5)
    """
    a, b, dtype, weak = _promote_for_product("tensordot", a, b, preferred_element_type)
    a_nd, b_nd = ndim_of(a), ndim_of(b)
    if np.ndim(axes) == 0:
        n = operator.index(axes)
        if n < 0 or n > builtins.min(a_nd, b_nd):
            raise ValueError(f"tensordot: axes={n} is out of range for operands of rank "
                             f"{a_nd} and {b_nd}.")
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
    return _finish(out, dtype, weak)


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


# --------------------------------------------------------------------------- einsum

_ELLIPSIS = "..."


def _parse_term(term: str, ndim: int, operand_index: int) -> list[str]:
    """Labels of one operand's axes; ellipsis axes get labels ``'...k'`` aligned at the
    right so that they broadcast like NumPy dimensions."""
    if term.count(_ELLIPSIS) > 1:
        raise ValueError(f"einsum: more than one ellipsis in '{term}'.")
    for ch in term.replace(_ELLIPSIS, ""):
        if not ch.isalpha():
            raise ValueError(f"einsum: invalid subscript character {ch!r} in '{term}'.")
    if _ELLIPSIS not in term:
        if len(term) != ndim:
            raise ValueError(f"einsum: operand {operand_index} has {ndim} dimensions but its "
                             f"subscripts '{term}' name {len(term)} (at {user_frame_str()}).")
        return list(term)
    left, right = term.split(_ELLIPSIS)
    n_ellipsis = ndim - len(left) - len(right)
    if n_ellipsis < 0:
        raise ValueError(f"einsum: operand {operand_index} has {ndim} dimensions, too few "
                         f"for subscripts '{term}'.")
    return list(left) + [f"...{-n_ellipsis + i}" for i in range(n_ellipsis)] + list(right)


def _ellipsis_rank(labels: list[str]) -> int:
    return len([l for l in labels if l.startswith(_ELLIPSIS)])


def _parse_einsum(subscripts: str, shapes) -> tuple[list[list[str]], list[str]]:
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, rhs = subscripts.split("->")
    else:
        lhs, rhs = subscripts, None
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts '{subscripts}' name {len(terms)} operands, but "
                         f"{len(shapes)} were given (at {user_frame_str()}).")
    inputs = [_parse_term(t, len(s), i) for i, (t, s) in enumerate(zip(terms, shapes))]
    ellipsis_rank = builtins.max([0] + [_ellipsis_rank(labels) for labels in inputs])
    ellipsis_labels = [f"...{-ellipsis_rank + i}" for i in range(ellipsis_rank)]
    if rhs is None:
        counts: dict[str, int] = {}
        for labels in inputs:
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
        output = ellipsis_labels + sorted(l for l, c in counts.items()
                                          if c == 1 and not l.startswith(_ELLIPSIS))
    else:
        if rhs.count(_ELLIPSIS) > 1:
            raise ValueError(f"einsum: more than one ellipsis in output '{rhs}'.")
        left, _, right = rhs.partition(_ELLIPSIS)
        output = list(left) + (ellipsis_labels if _ELLIPSIS in rhs else []) + list(right)
        known = {l for labels in inputs for l in labels}
        for label in output:
            if not label.startswith(_ELLIPSIS) and (not label.isalpha() or label not in known):
                raise ValueError(f"einsum: output subscript '{label}' does not appear in the "
                                 f"inputs '{lhs}' (at {user_frame_str()}).")
        if len(set(output)) != len(output):
            raise ValueError(f"einsum: output subscripts '{rhs}' repeat a label.")
    return inputs, output


def _label_sizes(inputs, shapes) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for i, (labels, shape) in enumerate(zip(inputs, shapes)):
        for label, size in zip(labels, shape):
            known = sizes.get(label)
            if known is None or known == 1 and label.startswith(_ELLIPSIS):
                sizes[label] = size
            elif size != known and not (size == 1 and label.startswith(_ELLIPSIS)):
                name = "an ellipsis dimension" if label.startswith(_ELLIPSIS) else \
                    f"subscript '{label}'"
                raise ValueError(f"einsum: {name} has size {known} in one operand and "
                                 f"{size} in operand {i} (at {user_frame_str()}).")
    return sizes


def _take_diagonals(x, labels: list[str]):
    """Collapse repeated labels of one operand (``'ii->i'``) to their diagonal."""
    while len(set(labels)) != len(labels):
        label = next(l for l in labels if labels.count(l) > 1)
        i = labels.index(label)
        j = labels.index(label, i + 1)
        x = diagonal(x, 0, i, j)
        labels = [l for k, l in enumerate(labels) if k not in (i, j)] + [label]
    return x, labels


def _reduce_labels(x, labels: list[str], drop: set):
    axes = tuple(i for i, l in enumerate(labels) if l in drop)
    if not axes:
        return x, labels
    reducer = lax.reduce_or if _dtypes.is_bool(dtype_of(x)) else lax.reduce_sum
    return reducer(x, axes), [l for l in labels if l not in drop]


def einsum(subscripts: str, /, *operands: ArrayLike, out=None, optimize="auto",
           precision=None, preferred_element_type: DTypeLike | None = None,
           _dot_general=None, out_sharding=None):
    """Einstein summation: ``jnp.einsum('bij,bjk->bik', x, y)``.

    Supports explicit (``->``) and implicit outputs, ellipses, repeated labels (traces and
    diagonals) and any number of operands, contracted pairwise from left to right.

    >>> jnp.einsum('ij,j->i', jnp.ones((2, 3)), jnp.arange(3.0))
    Array([3., 3.], dtype=float32)
    """
    if not isinstance(subscripts, str):
        raise NotImplementedError("einsum: only the subscripts-string form is supported, "
                                  "not the interleaved (operand, sublist) form.")
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
    if not operands:
        raise ValueError("einsum: at least one operand is required.")
    check_arraylike("einsum", *operands)
    weak = preferred_element_type is None and builtins.all(
        aval_of(x).weak_type for x in operands)
    operands = [ensure_array(x) for x in promote_dtypes(*operands)]
    dtype = (dtype_of(operands[0]) if preferred_element_type is None
             else canonical_dtype(preferred_element_type))
    shapes = [shape_of(x) for x in operands]
    inputs, output = _parse_einsum(subscripts, shapes)
    sizes = _label_sizes(inputs, shapes)

    # 1. Per operand: broadcast size-1 ellipsis dims, take diagonals, sum private labels.
    prepared = []
    for k, (x, labels) in enumerate(zip(operands, inputs)):
        target = tuple(sizes[l] for l in labels)
        if shape_of(x) != target:
            x = lax.broadcast_in_dim(x, target, tuple(range(len(target))))
        x, labels = _take_diagonals(x, labels)
        elsewhere = set(output).union(*[set(l) for i, l in enumerate(inputs) if i != k])
        x, labels = _reduce_labels(x, labels, set(labels) - elsewhere)
        prepared.append((x, labels))

    # 2. Contract left to right; a shared label is a batch dim while still needed later.
    acc, acc_labels = prepared[0]
    for k in range(1, len(prepared)):
        x, labels = prepared[k]
        needed_later = set(output).union(*[set(l) for _, l in prepared[k + 1:]])
        shared = [l for l in acc_labels if l in labels]
        batch = [l for l in shared if l in needed_later]
        contract = [l for l in shared if l not in needed_later]
        dims = ((tuple(acc_labels.index(l) for l in contract),
                 tuple(labels.index(l) for l in contract)),
                (tuple(acc_labels.index(l) for l in batch),
                 tuple(labels.index(l) for l in batch)))
        acc = lax.dot_general(acc, x, dims, precision, dtype)
        acc_labels = (batch + [l for l in acc_labels if l not in shared]
                      + [l for l in labels if l not in shared])

    # 3. Order the axes as the output asks.
    acc, acc_labels = _reduce_labels(acc, acc_labels, set(acc_labels) - set(output))
    acc = lax.transpose(acc, tuple(acc_labels.index(l) for l in output))
    if len(prepared) == 1 and dtype_of(acc) != dtype:
        acc = lax.convert_element_type(acc, dtype)
    return _finish(acc, dtype, weak)


# --------------------------------------------------------------------------- norms

def _squared_magnitude(x):
    return real(multiply(x, conj(x)))


def _vector_norm(x, ord, axes, keepdims):
    if ord is None or ord == 2:
        return sqrt(sum(_squared_magnitude(x), axes, keepdims=keepdims))
    if ord == np.inf:
        return max(abs(x), axes, keepdims=keepdims)
    if ord == -np.inf:
        return min(abs(x), axes, keepdims=keepdims)
    if ord == 0:
        nonzero = lax.ne(x, const_like(x, 0))
        return sum(nonzero, axes, dtype=dtype_of(real(x)), keepdims=keepdims)
    if ord == 1:
        return sum(abs(x), axes, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid order {ord!r} for vectors.")
    real_dtype = dtype_of(real(x))
    total = sum(power(abs(x), scalar_constant(float(ord), real_dtype, False)), axes,
                keepdims=keepdims)
    return power(total, scalar_constant(1.0 / ord, real_dtype, False))


def _matrix_norm(x, ord, axes, keepdims):
    row_axis, col_axis = axes
    if ord is None or ord == "fro":
        return sqrt(sum(_squared_magnitude(x), axes, keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        # 1: largest column sum (sum over rows first); inf: largest row sum.
        summed, then = (row_axis, col_axis) if ord in (1, -1) else (col_axis, row_axis)
        sums = sum(abs(x), summed, keepdims=True)
        pick = max if ord in (1, np.inf) else min
        out = pick(sums, then, keepdims=True)
        return out if keepdims else lax.squeeze(out, axes)
    if ord in (2, -2, "nuc"):
        raise NotImplementedError(
            f"norm: ord={ord!r} for matrices needs the singular value decomposition, which "
            "zenax does not provide yet; use ord='fro', 1, -1, inf or -inf.")
    raise ValueError(f"norm: invalid order {ord!r} for matrices.")


def norm(x: ArrayLike, ord=None, axis: int | tuple[int, ...] | None = None,
         keepdims: bool = False):
    """Vector or matrix norm (``jnp.linalg.norm``).

    ``axis`` None with ``ord`` None is the 2-norm of the flattened array; one axis gives
    vector norms, two axes give matrix norms ('fro', 1, -1, inf, -inf).

    >>> jnp.linalg.norm(jnp.array([3.0, 4.0]))
    Array(5., dtype=float32)
    """
    check_arraylike("norm", x)
    x, = promote_dtypes_inexact(ensure_array(x))
    nd = ndim_of(x)
    if axis is None:
        if ord is None:
            return sqrt(sum(_squared_magnitude(x), None, keepdims=keepdims))
        if nd not in (1, 2):
            raise ValueError("norm: improper number of dimensions to norm; pass axis=.")
        axis = tuple(range(nd))
    axes = (canonical_axis("norm", axis, nd),) if np.ndim(axis) == 0 else tuple(
        canonical_axis("norm", a, nd) for a in axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"norm: improper number of axes {axes}; expected one or two.")


def vector_norm(x: ArrayLike, /, *, axis=None, keepdims: bool = False, ord=2):
    """The vector ``ord``-norm over ``axis`` (all axes, flattened, by default)."""
    check_arraylike("vector_norm", x)
    if axis is None:
        out = norm(ravel(x), ord, 0)
        return reshape(out, (1,) * ndim_of(x)) if keepdims else out
    return norm(x, ord, axis, keepdims)


def matrix_norm(x: ArrayLike, /, *, keepdims: bool = False, ord="fro"):
    """The matrix ``ord``-norm of the last two axes."""
    check_arraylike("matrix_norm", x)
    return norm(x, ord, (-2, -1), keepdims)
