"""``jnp.linalg``'s solvers and determinants, built on the LU decomposition
(``zenax.lax.linalg.lu``): ``solve``, ``inv``, ``det``, ``slogdet``, ``matrix_power``,
``tensorinv``, ``tensorsolve``, and ``cholesky`` and ``multi_dot`` beside them.

The derivatives are JAX's:

* ``solve``: a ``custom_linear_solve``, as JAX's: from ``a x = b``,
  ``x_dot = a^{-1} (b_dot - a_dot x)`` -- one more LU solve with the factors of the
  primal solve, so a gradient costs two triangular solves, not a differentiated
  factorization.
* ``slogdet``: ``d log|det a| = trace(a^{-1} a_dot)``; the sign has no derivative for real
  matrices (it is piecewise constant) and turns with the phase for complex ones.
* ``det``: ``det_dot = trace(adj(a) a_dot)`` with the adjugate computed from the LU factors
  so that it stays finite for singular ``a`` of rank ``n - 1`` (where
  ``det(a) a^{-1}`` would be ``0 * inf``); 2x2 and 3x3 determinants are the explicit
  formulas, differentiated as written.

The rules compute their tangents with plain LU solves (primitives with transpose rules),
never with the custom functions themselves, so reverse mode can transpose them.
"""
from __future__ import annotations

import math
import operator
from typing import NamedTuple, Sequence

import numpy as np

from opt_einsum import get_symbol

from zenax import lax
from zenax.lax.custom_derivatives import custom_jvp
from zenax.lax.eager import compiled_when_eager
from zenax.lax.linalg_family import adjoint
from zenax.lax.linalg_family import matmul as _precise_matmul
from zenax.lax.linalg_lu import lu_solve, permute_rows
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.shapes import broadcast_shapes_or_none
from zenax.tracer.source_info import user_frame_str

from .creation import eye, ones, zeros_like
from .cumulative import cumprod
from .diagonals import diagonal, trace
from .einsum import einsum, einsum_path
from .linalg_spectral import _inexact
from .logic import equal, isinf, isnan, less, logical_and, logical_or, not_equal, where
from .products import matmul
from .promotion import (ArrayLike, asarray, broadcast_to_shape, check_arraylike, dtype_of,
                        ensure_array, ndim_of, promote_dtypes_inexact, shape_of)
from .reductions import any, count_nonzero, prod, sum
from .shapes import concatenate, expand_dims, moveaxis, ravel, reshape
from .ufuncs import (abs, add, astype, divide, exp, log, multiply, real, remainder, sign,
                     subtract)

__all__ = ["cholesky", "det", "inv", "matrix_power", "multi_dot", "slogdet", "solve",
           "tensorinv", "tensorsolve"]


class SlogdetResult(NamedTuple):
    """``slogdet``'s result: ``det == sign * exp(logabsdet)``."""
    sign: object
    logabsdet: object


def _square_error(name: str, shape) -> ValueError:
    return ValueError(f"{name}: expected a square matrix or a batch of them, shape "
                      f"[..., n, n], got shape {shape} (at {user_frame_str()}).")


def is_square(shape) -> bool:
    """Whether ``shape`` is a matrix or a batch of them that is square."""
    return len(shape) >= 2 and shape[-1] == shape[-2]


def _entry(a, i: int, j: int):
    """``a[..., i, j]``."""
    nd = ndim_of(a)
    row = lax.index_in_dim(a, i, nd - 2, keepdims=False)
    return lax.index_in_dim(row, j, nd - 2, keepdims=False)


def _last(x):
    """``x[..., -1]``."""
    return lax.index_in_dim(x, -1, ndim_of(x) - 1, keepdims=False)


def _as_matrices(x):
    """``x[..., None, None]``: one value per matrix, broadcastable against the matrices."""
    return lax.expand_dims(x, (ndim_of(x), ndim_of(x) + 1))


def _det_2x2(a):
    return subtract(multiply(_entry(a, 0, 0), _entry(a, 1, 1)),
                    multiply(_entry(a, 0, 1), _entry(a, 1, 0)))


def _pivot_sign(pivots, extra_flips, dtype):
    """``(-1) ** (row swaps + extra_flips)``: pivot ``i`` swaps rows unless it is ``i``."""
    n = shape_of(pivots)[-1]
    flips = add(count_nonzero(not_equal(pivots, lax.iota(np.int32, n)), axis=-1), extra_flips)
    return astype(subtract(1, multiply(2, remainder(flips, 2))), dtype)


def _is_complex(x) -> bool:
    return _dtypes.is_complex(dtype_of(x))


# --------------------------------------------------------------------------- solve

def _lu_solve(a, b):
    """``a^{-1} b`` by a fresh LU decomposition of ``a``; ``b`` is ``(..., n, k)``."""
    lu, _, permutation = lax.linalg.lu(a)
    return lu_solve(lu, permutation, b)


def _solve(a, b):
    """``a^{-1} b`` for ``b`` ``(..., n, k)`` with ``a``'s batch dimensions, as JAX's: a
    ``custom_linear_solve`` that reuses the LU factors of the primal in its derivatives."""
    lu, _, permutation = lax.linalg.lu(lax.stop_gradient(a))
    return lax.custom_linear_solve(
        lambda x: _precise_matmul(a, x), b,
        solve=lambda _, x: lu_solve(lu, permutation, x, trans=0),
        transpose_solve=lambda _, x: lu_solve(lu, permutation, x, trans=1))


@compiled_when_eager(n_arrays=2)
def solve(a: ArrayLike, b: ArrayLike):
    """Solve ``a @ x = b`` for ``x``, with ``a`` of shape ``(..., n, n)`` and ``b`` a
    vector ``(n,)`` (one per matrix of ``a``) or matrices ``(..., n, k)`` (leading axes
    broadcast against ``a``'s).  A singular ``a`` gives ``inf``/``nan``, not an error.

    >>> a = jnp.array([[2., 1.], [1., 3.]])
    >>> jnp.linalg.solve(a, jnp.array([4., 7.]))
    Array([1., 2.], dtype=float32)
    """
    check_arraylike("solve", a, b)
    a, b = promote_dtypes_inexact(ensure_array(a), ensure_array(b))
    a_shape, b_shape = shape_of(a), shape_of(b)
    if len(a_shape) < 2:
        raise ValueError(f"solve: a must be at least two-dimensional (matrices in its last "
                         f"two axes), got a.shape={a_shape} (at {user_frame_str()}).")
    if (len(b_shape) > 1 and len(a_shape) == len(b_shape) + 1
            and a_shape[-1] == b_shape[-1] != b_shape[-2]):
        raise ValueError(
            f"solve: invalid shapes a={a_shape}, b={b_shape}: a b with one axis fewer than a "
            f"is a batch of matrices, not of vectors, since JAX 0.5. For one vector per "
            f"matrix, use solve(a, b[..., None])[..., 0].")
    vector = len(b_shape) == 1
    n = a_shape[-1]
    if not len(b_shape) or a_shape[-2] != n or b_shape[0 if vector else -2] != n:
        raise ValueError(f"solve: expected a of shape (..., n, n) and b of shape (n,) or "
                         f"(..., n, k), got a.shape={a_shape} and b.shape={b_shape} "
                         f"(at {user_frame_str()}).")
    if vector:
        b, b_shape = expand_dims(b, -1), b_shape + (1,)
    batch = broadcast_shapes_or_none([a_shape[:-2], b_shape[:-2]])
    if batch is None:
        raise ValueError(f"solve: the batch dimensions of a {a_shape} and b {b_shape} "
                         f"(all axes but the matrices') do not broadcast "
                         f"(at {user_frame_str()}).")
    x = _solve(broadcast_to_shape(a, batch + (n, n)), broadcast_to_shape(b, batch + b_shape[-2:]))
    return lax.squeeze(x, (len(batch) + 1,)) if vector else x


@compiled_when_eager(n_arrays=1)
def inv(a: ArrayLike):
    """The inverse of each square matrix in ``a`` (its last two axes); ``inf``/``nan``
    where one is singular.  To apply an inverse, :func:`solve` is faster and more exact.

    >>> jnp.linalg.inv(jnp.array([[2., 0.], [0., 4.]]))
    Array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """
    check_arraylike("inv", a)
    a = ensure_array(a)
    shape = shape_of(a)
    if not is_square(shape):
        raise _square_error("inv", shape)
    identity = lax.broadcast(eye(shape[-1], dtype=dtype_of(a)), shape[:-2])
    return solve(a, identity)


# --------------------------------------------------------------------------- slogdet

def _slogdet_small_values(a):
    """Sign and log-magnitude of 1x1 and 2x2 determinants from their formulas."""
    det = _entry(a, 0, 0) if shape_of(a)[-1] == 1 else _det_2x2(a)
    return sign(det), real(log(abs(det)))


def _slogdet_tangents(x, sign_x, logdet_dot):
    """``(sign_dot, logabsdet_dot)`` from ``trace(x^{-1} x_dot)``: for complex ``x`` its
    imaginary part turns the sign (a phase) and its real part is the log-magnitude's."""
    if _is_complex(x):
        imaginary = subtract(logdet_dot, astype(real(logdet_dot), dtype_of(logdet_dot)))
        return multiply(imaginary, sign_x), real(logdet_dot)
    return zeros_like(sign_x), logdet_dot


@custom_jvp
def _slogdet_small(a):
    return _slogdet_small_values(a)


@_slogdet_small.defjvp
def _slogdet_small_jvp(primals, tangents):
    (x,), (g,) = primals, tangents
    sign_x, logabsdet = _slogdet_small_values(x)
    if shape_of(x)[-1] == 1:
        logdet_dot = divide(_entry(g, 0, 0), _entry(x, 0, 0))
    else:       # trace(adj(x) g) / det(x), the adjugate read off the 2x2 formula
        adj_g = subtract(multiply(_entry(g, 0, 0), _entry(x, 1, 1)),
                         multiply(_entry(g, 0, 1), _entry(x, 1, 0)))
        adj_g = subtract(adj_g, multiply(_entry(g, 1, 0), _entry(x, 0, 1)))
        adj_g = add(adj_g, multiply(_entry(g, 1, 1), _entry(x, 0, 0)))
        logdet_dot = divide(adj_g, _det_2x2(x))
    return (sign_x, logabsdet), _slogdet_tangents(x, sign_x, logdet_dot)


def _slogdet_lu_values(a):
    dtype = dtype_of(a)
    lu, pivots, _ = lax.linalg.lu(a)
    diag = diagonal(lu, axis1=-2, axis2=-1)
    is_zero = any(equal(diag, 0), axis=-1)
    # The sign of det(U): the product of the pivots' phases (complex) or signs (real:
    # each negative pivot is one more flip).
    if _is_complex(a):
        sign_x = multiply(prod(divide(diag, astype(abs(diag), dtype)), axis=-1),
                          _pivot_sign(pivots, 0, dtype))
    else:
        sign_x = _pivot_sign(pivots, count_nonzero(less(diag, 0), axis=-1), dtype)
    sign_x = where(is_zero, asarray(0, dtype=dtype), sign_x)
    logdet = where(is_zero, asarray(-np.inf, dtype=dtype),
                   sum(astype(log(abs(diag)), dtype), axis=-1))
    return sign_x, real(logdet)


@custom_jvp
def _slogdet_lu(a):
    return _slogdet_lu_values(a)


@_slogdet_lu.defjvp
def _slogdet_lu_jvp(primals, tangents):
    (x,), (g,) = primals, tangents
    sign_x, logabsdet = _slogdet_lu_values(x)
    logdet_dot = trace(_lu_solve(x, g), axis1=-1, axis2=-2)
    return (sign_x, logabsdet), _slogdet_tangents(x, sign_x, logdet_dot)


@custom_jvp
def _slogdet_qr(a):
    """JAX's QR method: ``det(a) = det(Q) det(R)``, the signs and logs of ``R``'s diagonal
    and a factor -1 per Householder reflection ``geqrf`` made (a nonzero tau among the
    first ``n - 1``; the last reflector of a square matrix is the identity)."""
    n = shape_of(a)[-1]
    r, taus = lax.linalg.geqrf(a)
    diag = diagonal(r, axis1=-2, axis2=-1)
    reflections = not_equal(lax.slice_in_dim(taus, 0, n - 1, axis=ndim_of(taus) - 1), 0)
    sign_taus = prod(where(reflections, -1, 1), axis=-1)
    return (multiply(prod(sign(diag), axis=-1), astype(sign_taus, dtype_of(diag))),
            sum(log(abs(diag)), axis=-1))


# As JAX's: the derivative is the LU method's (the jvp's primal output too).
_slogdet_qr.defjvp(_slogdet_lu_jvp)


@compiled_when_eager(n_arrays=1, static_argnames=("method",))
def slogdet(a: ArrayLike, *, method: str | None = None) -> SlogdetResult:
    """The sign and the natural log of the magnitude of the determinant of each square
    matrix in ``a``, so ``det == sign * exp(logabsdet)`` without over- or underflow.

    ``method``: ``'lu'`` (the default, also ``None``) or ``'qr'`` (real matrices only).

    >>> jnp.linalg.slogdet(jnp.array([[1., 2.], [3., 4.]]))
    SlogdetResult(sign=Array(-1., dtype=float32), logabsdet=Array(0.6931472, dtype=float32))
    """
    a = _inexact("slogdet", a)
    shape = shape_of(a)
    if not is_square(shape):
        raise _square_error("slogdet", shape)
    if method == "qr":
        if _is_complex(a):
            raise NotImplementedError("slogdet: method='qr' is not implemented for complex "
                                      "inputs, as in JAX; use method='lu' (the default).")
        return SlogdetResult(*_slogdet_qr(a))
    if method not in (None, "lu"):
        raise ValueError(f"slogdet: unknown method {method!r}; expected 'lu' (or None) or "
                         f"'qr'.")
    small = shape[-1] in (1, 2)
    return SlogdetResult(*(_slogdet_small(a) if small else _slogdet_lu(a)))


# --------------------------------------------------------------------------- det

def _cofactor_solve(a, b):
    """``(det(a), adj(a) @ b)`` for square ``a`` and ``b`` of the same shape, finite for
    every ``a``: the adjugate is ``det(a) a^{-1}`` for invertible ``a``, and is built from
    the LU factors ``P a = L U`` so that a zero in the last pivot (rank ``n - 1``) does
    not divide: ``det(a) U^{-1} y`` scales every row of ``y`` but the last by ``det(a)``
    and solves with the last pivot replaced by ``1 / (its cofactor in det(U))``.  Lower
    ranks have a zero adjugate, which the solve detects as non-finite."""
    shape, dtype = shape_of(a), dtype_of(a)
    n, nd = shape[-1], len(shape)
    if n == 1:
        return _entry(a, 0, 0), b
    lu, pivots, permutation = lax.linalg.lu(a)
    # partial_det[..., i] = sign * u_00 * ... * u_ii: its last entry is det(a).
    partial_det = multiply(cumprod(diagonal(lu, axis1=-2, axis2=-1), axis=-1),
                           lax.expand_dims(_pivot_sign(pivots, 0, dtype), (nd - 2,)))
    det_a = _last(partial_det)
    cofactor = lax.index_in_dim(partial_det, n - 2, nd - 2, keepdims=False)
    corner = logical_and(equal(lax.broadcasted_iota(np.int32, shape, nd - 2), n - 1),
                         equal(lax.broadcasted_iota(np.int32, shape, nd - 1), n - 1))
    lu = where(corner, _as_matrices(divide(1, cofactor)), lu)
    # Rank below n - 1: even the patched U is singular, and the adjugate is zero.
    probe = lax.linalg.triangular_solve(lu, ones(shape[:-1], dtype), left_side=True,
                                        lower=False)
    degenerate = _as_matrices(any(logical_or(isnan(probe), isinf(probe)), axis=-1))
    x = where(degenerate, zeros_like(b), b)
    x = permute_rows(x, permutation)
    x = lax.linalg.triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
    x = concatenate([multiply(lax.slice_in_dim(x, 0, n - 1, axis=nd - 2), _as_matrices(det_a)),
                     lax.slice_in_dim(x, n - 1, n, axis=nd - 2)], axis=-2)
    x = lax.linalg.triangular_solve(lu, x, left_side=True, lower=False)
    return det_a, where(degenerate, zeros_like(x), x)


@custom_jvp
def _det(a):
    sign_a, logabsdet = _slogdet_lu(a)
    return multiply(sign_a, astype(exp(logabsdet), dtype_of(sign_a)))


@_det.defjvp
def _det_jvp(primals, tangents):
    (x,), (g,) = primals, tangents
    det_x, adj_g = _cofactor_solve(x, g)
    return det_x, trace(adj_g, axis1=-1, axis2=-2)


def _det_3x3(a):
    """The rule of Sarrus, summed in JAX's order (for the same rounding)."""
    def term(*entries):
        (i, j), (k, l), (m, n) = entries
        return multiply(multiply(_entry(a, i, j), _entry(a, k, l)), _entry(a, m, n))
    total = add(term((0, 0), (1, 1), (2, 2)), term((0, 1), (1, 2), (2, 0)))
    total = add(total, term((0, 2), (1, 0), (2, 1)))
    total = subtract(total, term((0, 2), (1, 1), (2, 0)))
    total = subtract(total, term((0, 0), (1, 2), (2, 1)))
    return subtract(total, term((0, 1), (1, 0), (2, 2)))


@compiled_when_eager(n_arrays=1)
def det(a: ArrayLike):
    """The determinant of each square matrix in ``a`` (its last two axes).

    >>> jnp.linalg.det(jnp.array([[1., 2.], [3., 4.]]))
    Array(-2., dtype=float32)
    """
    a = _inexact("det", a)
    shape = shape_of(a)
    if not is_square(shape):
        raise _square_error("det", shape)
    if shape[-1] == 2:
        return _det_2x2(a)
    if shape[-1] == 3:
        return _det_3x3(a)
    return _det(a)


# --------------------------------------------------------------------------- products and powers

@compiled_when_eager(n_arrays=1, static_argnames=("n",))
def matrix_power(a: ArrayLike, n: int):
    """``a`` (square matrices in the last two axes) to the integer power ``n``, by
    repeated squaring; ``n < 0`` raises the inverse to ``-n``, ``n == 0`` gives identities.

    >>> jnp.linalg.matrix_power(jnp.array([[1., 1.], [0., 1.]]), 5)
    Array([[1., 5.],
           [0., 1.]], dtype=float32)
    """
    check_arraylike("matrix_power", a)
    a = ensure_array(a)
    shape = shape_of(a)
    if len(shape) < 2:
        raise TypeError(f"matrix_power: a must be at least two-dimensional, got shape "
                        f"{shape} (at {user_frame_str()}).")
    if shape[-1] != shape[-2]:
        raise TypeError(f"matrix_power: the last two axes of a must be square, got shape "
                        f"{shape} (at {user_frame_str()}).")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"matrix_power: the exponent n must be an integer, got {n!r}.") from None
    if n == 0:
        return lax.broadcast_in_dim(eye(shape[-1], dtype=dtype_of(a)), shape,
                                    (len(shape) - 2, len(shape) - 1))
    if n < 0:
        a, n = inv(a), -n
    # Binary powering; small powers in the order JAX multiplies them, for equal rounding.
    if n <= 3:
        result = a
        for _ in range(n - 1):
            result = matmul(result, a)
        return result
    square, result = None, None
    while n > 0:
        square = a if square is None else matmul(square, square)
        n, bit = divmod(n, 2)
        if bit:
            result = square if result is None else matmul(result, square)
    return result


def multi_dot(arrays: Sequence[ArrayLike], *, precision=None):
    """The product ``arrays[0] @ arrays[1] @ ...`` in the cheapest order (opt_einsum
    chooses it).  The inner arrays must be matrices; the first and last may be vectors.

    >>> x, y, z = jnp.ones((4, 2)), jnp.ones((2, 3)), jnp.ones(3)
    >>> jnp.linalg.multi_dot([x, y, z])
    Array([6., 6., 6., 6.], dtype=float32)
    """
    check_arraylike("multi_dot", *arrays)
    arrays = [ensure_array(x) for x in arrays]
    shapes = [shape_of(x) for x in arrays]
    if len(arrays) < 2:
        raise ValueError(f"multi_dot: needs at least two arrays, got {len(arrays)}.")
    if not (len(shapes[0]) in (1, 2) and len(shapes[-1]) in (1, 2)
            and all(len(s) == 2 for s in shapes[1:-1])):
        raise ValueError(f"multi_dot: the arrays must be matrices, but for the first and the "
                         f"last, which may be vectors; got shapes {shapes}.")
    if [s[-1] for s in shapes[:-1]] != [t[0] for t in shapes[1:]]:
        raise ValueError(f"multi_dot: the last axis of each array must match the first axis "
                         f"of the next; got shapes {shapes}.")
    # Array i is indexed (i, i + 1); the vectors at the ends lose their outer index.
    symbols = [get_symbol(i) for i in range(len(arrays) + 1)]
    labels = [symbols[i] + symbols[i + 1] for i in range(len(arrays))]
    first = symbols[0] if len(shapes[0]) == 2 else ""
    last = symbols[-1] if len(shapes[-1]) == 2 else ""
    labels[0], labels[-1] = labels[0][-len(shapes[0]):], labels[-1][:len(shapes[-1])]
    output = first + last
    # Contract in opt_einsum's order (as JAX's einsum does), one product at a time.
    path, _ = einsum_path(",".join(labels) + "->" + output, *arrays, optimize="auto")
    operands = list(zip(arrays, labels))
    for pair in path:
        i, j = sorted(pair)
        (y, y_labels), (x, x_labels) = operands.pop(j), operands.pop(i)
        keep = output + "".join(l for _, l in operands)
        out_labels = "".join(sorted({l for l in x_labels + y_labels if l in keep},
                                    key=symbols.index))
        operands.append((einsum(f"{x_labels},{y_labels}->{out_labels}", x, y,
                                precision=precision), out_labels))
    (result, _), = operands
    return result


def tensorinv(a: ArrayLike, ind: int = 2):
    """The inverse of ``a`` under ``tensordot(., ., ind)``: ``a`` read as a matrix with
    ``prod(a.shape[:ind])`` rows, inverted, and shaped ``a.shape[ind:] + a.shape[:ind]``.

    >>> jnp.linalg.tensorinv(2 * jnp.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    check_arraylike("tensorinv", a)
    a = ensure_array(a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError(f"tensorinv: ind must be a positive integer, got ind={ind}.")
    shape = shape_of(a)
    rows, cols = shape[:ind], shape[ind:]
    if math.prod(rows) != math.prod(cols):
        raise ValueError(f"tensorinv: the product of the first ind={ind} axes must equal that "
                         f"of the others, got a.shape={shape}.")
    return reshape(inv(reshape(a, (math.prod(rows), math.prod(cols)))), cols + rows)


def tensorsolve(a: ArrayLike, b: ArrayLike, axes: tuple[int, ...] | None = None):
    """Solve ``tensordot(a, x, x.ndim) == b`` for ``x``; ``axes`` of ``a`` are first moved
    to its end.  ``a.shape`` must be ``b.shape + x.shape`` with ``x.size == b.size``.

    >>> jnp.linalg.tensorsolve(2 * jnp.eye(4).reshape(2, 2, 4), jnp.ones((2, 2)))
    Array([0.5, 0.5, 0.5, 0.5], dtype=float32)
    """
    check_arraylike("tensorsolve", a, b)
    a, b = ensure_array(a), ensure_array(b)
    if axes is not None:
        a = moveaxis(a, axes, tuple(ndim_of(a) - 1 for _ in axes))
    a_shape, b_shape = shape_of(a), shape_of(b)
    x_shape = a_shape[len(b_shape):]
    if a_shape[:len(b_shape)] != b_shape:
        raise ValueError(f"tensorsolve: after moving axes to the end, a's leading axes must "
                         f"be b's shape, got a.shape={a_shape} and b.shape={b_shape}.")
    if math.prod(b_shape) != math.prod(x_shape):
        raise ValueError(f"tensorsolve: the solution (shape {x_shape}) must have as many "
                         f"entries as b (shape {b_shape}).")
    a = reshape(a, (math.prod(b_shape), math.prod(x_shape)))
    return reshape(solve(a, ravel(b)), x_shape)


# --------------------------------------------------------------------------- cholesky

@compiled_when_eager(n_arrays=1, static_argnames=("upper", "symmetrize_input"))
def cholesky(a: ArrayLike, *, upper: bool = False, symmetrize_input: bool = True):
    """The Cholesky factor of each Hermitian positive-definite matrix in ``a``: lower
    ``L`` with ``a = L L^H``, or upper ``U = L^H`` with ``a = U^H U``; ``nan`` where ``a``
    is not positive definite.  ``symmetrize_input`` factors ``(a + a^H) / 2`` (so both
    triangles count and gradients are symmetric); without it only the lower one is read.

    >>> jnp.linalg.cholesky(jnp.array([[4., 2.], [2., 5.]]), upper=True)
    Array([[2., 1.],
           [0., 2.]], dtype=float32)
    """
    a = _inexact("cholesky", a)
    shape = shape_of(a)
    if not is_square(shape):
        # JAX's error here comes from the symmetrizing sum: a TypeError.
        raise TypeError(f"cholesky: expected a square matrix or a batch of them, shape "
                        f"[..., n, n], got shape {shape} (at {user_frame_str()}).")
    factor = lax.linalg.cholesky(a, symmetrize_input=symmetrize_input)
    return adjoint(factor) if upper else factor
