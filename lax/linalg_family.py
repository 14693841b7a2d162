"""The family helper of ``zenax.lax.linalg``: one call declares a batched linear-algebra
primitive, and a few matrix helpers serve every decomposition's rules.

All of ``jax.lax.linalg`` has one shape.  The operands are matrices ``(..., m, n)`` under
any number of leading batch dimensions; the result for one matrix follows from the last
two axes alone; and the lowering -- the ``jax.lax.linalg`` function -- batches over the
leading axes natively.  So :func:`linalg_primitive` builds what they share: the abstract
eval (a matrix in the last two axes, a LAPACK dtype, square where the decomposition needs
it, one batch shape for all operands), the lowering, and the one batching rule, which
moves the vmapped axis to the front as one more leading batch dimension and binds once.
What differs -- the per-matrix shape rule, the jvp and, for an operand the primitive is
linear in, the transpose -- sits next to each primitive in ``linalg``.

The helpers below it (``matmul``, ``adjoint``, ``tril``/``triu``, ``symmetrize``) are
written with zenax.lax ops, so the rules built on them trace, differentiate and batch.
"""
from __future__ import annotations

from typing import Callable, Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval

from .broadcasting import batch_size, bdim_at_front, transpose, zeros_like_aval
from .elementwise import (add, bitwise_and, conj, convert_element_type, div, eq, ge, le,
                          select_n, sub)
from .matmul import dot_general
from .registry import const, register, type_error, value_error
from .shapes import broadcasted_iota

lax = jax.lax

# The dtypes LAPACK and XLA's decompositions work in; jax.lax.linalg takes no others.
LINALG_DTYPES = tuple(np.dtype(d) for d in ("float32", "float64", "complex64", "complex128"))


def check_matrix(name: str, arg: str, aval: ShapedArray, *, square: bool = False) -> None:
    """Raise unless ``aval`` is a matrix or a batch of matrices (in its last two axes) of a
    LAPACK dtype, and square if asked.  Wrappers that reshape their operand before binding
    (``cholesky`` symmetrizes) call it first, so the error names the user's argument."""
    if aval.ndim < 2:
        raise type_error(f"{name}: expected {arg} to be a matrix or a batch of matrices "
                         f"(rank >= 2, the matrices in the last two axes), got shape "
                         f"{aval.shape}.")
    if square and aval.shape[-2] != aval.shape[-1]:
        raise value_error(f"{name}: expected a square matrix in the last two axes of {arg}, "
                          f"got shape {aval.shape}.")
    if aval.dtype not in LINALG_DTYPES:
        raise type_error(f"{name}: {arg} has dtype {aval.dtype}; expected float32, float64, "
                         f"complex64 or complex128. Cast it first, e.g. "
                         f"{arg}.astype(jnp.float32).")


def linalg_primitive(name: str, operands: Sequence[str], matrix_rule: Callable,
                     lower: Callable, *, square: Sequence[str] = (),
                     multiple_results: bool = False) -> Primitive:
    """Declare a batched linalg primitive: its abstract eval, lowering and batching rule.

    ``operands`` names the matrix operands in order (for error messages), ``square`` those
    that must be square.  ``matrix_rule(*avals, **params)`` maps the avals of one matrix
    per operand (their last two axes) to the aval of one result matrix (a list of them
    if ``multiple_results``), raising on shapes that do not fit together; the batch
    dimensions are put in front of each result here.  ``lower(*jax_values, **params)``
    calls the ``jax.lax.linalg`` function, which batches by itself.
    """
    prim = Primitive(name, multiple_results=multiple_results)

    def abstract_eval(*avals, **params):
        for arg, aval in zip(operands, avals):
            check_matrix(name, arg, aval, square=arg in square)
        first, batch = avals[0], avals[0].shape[:-2]
        for arg, aval in zip(operands[1:], avals[1:]):
            if aval.dtype != first.dtype:
                raise type_error(f"{name}: {operands[0]} and {arg} must have the same dtype, "
                                 f"got {first.dtype} and {aval.dtype}.")
            if aval.shape[:-2] != batch:
                raise value_error(f"{name}: {operands[0]} and {arg} must have the same batch "
                                  f"dimensions (all axes but the last two), got shapes "
                                  f"{first.shape} and {aval.shape}.")
        matrices = [a.update(shape=a.shape[-2:]) for a in avals]
        outs = matrix_rule(*matrices, **params)
        outs = [o.update(shape=batch + o.shape)
                for o in (outs if multiple_results else [outs])]
        return outs if multiple_results else outs[0]

    register(prim, abstract_eval, lower)
    batch_in_front(prim)
    return prim


def batch_in_front(prim: Primitive) -> None:
    """Register ``prim``'s batching rule: every operand's vmapped axis to the front (an
    unmapped operand broadcast), then one bind -- the lowering batches over leading axes."""
    def rule(args, dims, **params):
        size = batch_size(args, dims)
        out = bind(prim, *[bdim_at_front(x, d, size) for x, d in zip(args, dims)], **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    batch_rules[prim] = rule


# --------------------------------------------------------------------------- matrix helpers

def matmul(x, y):
    """``x @ y`` for matrices with the same leading batch dimensions, at the highest
    precision (as JAX's linalg rules: a derivative should not lose bits to TF32/bf16)."""
    nd = get_aval(x).ndim
    batch = tuple(range(nd - 2))
    return dot_general(x, y, (((nd - 1,), (nd - 2,)), (batch, batch)),
                       precision=lax.Precision.HIGHEST)


def conjugate(x):
    """The complex conjugate; real values unchanged (``lax.conj`` would make them complex)."""
    return conj(x) if dtypes.is_complex(get_aval(x).dtype) else x


def matrix_transpose(x):
    """Swap the last two axes."""
    nd = get_aval(x).ndim
    return transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def adjoint(x):
    """The conjugate transpose of the last two axes (``x^H``)."""
    return conjugate(matrix_transpose(x))


def symmetrize(x):
    """``(x + x^H) / 2``: the Hermitian (symmetric if real) part of ``x``."""
    return div(add(x, adjoint(x)), const(x, 2))


def float_if_integer(x):
    """Integer and boolean ``x`` in the default float dtype, as ``symmetrize``'s true
    division makes them in JAX (``eigh``/``cholesky`` accept integers when they
    symmetrize their input); other dtypes unchanged."""
    if np.issubdtype(get_aval(x).dtype, np.inexact):
        return x
    return convert_element_type(x, dtypes.default_float_dtype())


def eye(shape, dtype, start: int = 0):
    """Identity matrices of ``shape`` (``(..., m, n)``), the ones from row ``start`` on."""
    rows = broadcasted_iota(np.int32, shape, len(shape) - 2)
    cols = broadcasted_iota(np.int32, shape, len(shape) - 1)
    on = eq(rows, cols) if start == 0 else bitwise_and(eq(rows, cols),
                                                       ge(rows, const(rows, start)))
    return convert_element_type(on, dtype)


def _triangle(x, k: int, lower: bool):
    aval = get_aval(x)
    rows = broadcasted_iota(np.int32, aval.shape, aval.ndim - 2)
    cols = broadcasted_iota(np.int32, aval.shape, aval.ndim - 1)
    diagonal = sub(cols, rows)       # 0 on the main diagonal, k on the k-th above it
    keep = le(diagonal, const(diagonal, k)) if lower else ge(diagonal, const(diagonal, k))
    return select_n(keep, zeros_like_aval(aval), x)


def tril(x, k: int = 0):
    """``x`` with the entries above its ``k``-th diagonal set to zero."""
    return _triangle(x, k, lower=True)


def triu(x, k: int = 0):
    """``x`` with the entries below its ``k``-th diagonal set to zero."""
    return _triangle(x, k, lower=False)
