"""``qdwh``: the polar decomposition ``x = u h`` by the QR-based dynamically weighted Halley
iteration (Nakatsukasa, Bai & Gygi, SIAM J. Matrix Anal. Appl. 31(5), 2010), as
``jax.lax.linalg.qdwh`` computes it -- a composition, not a primitive.

Each step maps ``u`` to ``e u + (a - e) u (I + c u^H u)^{-1}``, which moves every singular
value of ``u`` towards 1 while keeping the singular vectors, so ``u`` converges to the
unitary polar factor.  The weights ``(a, b, c)`` (``e = b / c``) depend only on a lower
bound ``l`` for the smallest singular value of the scaled matrix, whose growth the same
recurrence predicts, so they are worked out in Python before anything is traced.  While
``c`` is large the inverse is taken through the QR decomposition of ``[sqrt(c) u; I]``
(the stable form), afterwards through a Cholesky factorization; once ``l`` reaches 1 the
weights are Halley's ``(3, 1, 3)`` and a ``while_loop`` runs until ``u`` stops moving.  A
Newton-Schulz step polishes ``u``, and ``h = u^H x``, symmetrized.

A ``dynamic_shape`` ``(m, n)`` marks ``x`` as an ``m x n`` matrix padded with zeros to its
static shape; the padding is masked out of every step, so ``m`` and ``n`` may be traced.
"""
from __future__ import annotations

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.core import Tracer, get_aval
from zenax.tracer.errors import ConcretizationTypeError

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import reduce_sum, zeros_like_aval
from .control_flow import fori_loop, while_loop
from .dynamic_slicing import dynamic_index_in_dim, dynamic_slice_in_dim, dynamic_update_slice_in_dim
from .eager import compile_marked, compiled_when_eager
from .linalg_decompositions import qr
from .linalg_family import adjoint, conjugate, eye, matmul, matrix_transpose
from .linalg_triangular import cholesky, triangular_solve
from .reductions import reduce_max
from .registry import const, value_error

__all__ = ["qdwh"]

# Above this c the step goes through QR (a Cholesky factor of I + c u^H u would lose
# accuracy); below it, through Cholesky, which is cheaper.
_CHOLESKY_CUTOFF = 100
_DEFAULT_MAX_ITERATIONS = 10


def _is_static(d, size: int) -> bool:
    return not isinstance(d, Tracer) and int(d) == size


def _mask(x, dims, alternative=None):
    """``x`` with the entries outside the leading ``dims`` block replaced by
    ``alternative`` (zeros by default); a no-op where ``dims`` is the whole shape."""
    shape = get_aval(x).shape
    keep = None
    for axis, d in enumerate(dims):
        if _is_static(d, shape[axis]):
            continue
        inside = ew.lt(sh.broadcasted_iota(np.int32, shape, axis),
                       ew.convert_element_type(d, np.int32))
        keep = inside if keep is None else ew.bitwise_and(keep, inside)
    if keep is None:
        return x
    other = zeros_like_aval(get_aval(x)) if alternative is None else alternative
    return ew.select_n(keep, other, x)


def _stack_rows(a, b, m):
    """``a`` (of true height ``m``) with ``b`` below it: the rows of ``a`` past ``m`` are
    padding, overwritten by ``b``."""
    rows = get_aval(a).shape[0]
    if _is_static(m, rows):
        return sh.concatenate([a, b], 0)
    padded = sh.pad(a, const(a, 0), [(0, get_aval(b).shape[0], 0), (0, 0, 0)])
    return dynamic_update_slice_in_dim(padded, b, m, 0)


def _qr_step(u, m, n, params):
    """One step with ``(I + c u^H u)^{-1}`` from the QR decomposition of ``[sqrt(c) u; I]``:
    with ``q = [q1; q2]``, ``u (I + c u^H u)^{-1} = q1 q2^H / sqrt(c)``."""
    a_minus_e_by_sqrt_c, sqrt_c, e = params
    rows, cols = get_aval(u).shape
    y = _stack_rows(ew.mul(sqrt_c, u), eye((cols, cols), get_aval(u).dtype), m)
    q, _ = qr(y, full_matrices=False)
    q1 = _mask(sh.slice_in_dim(q, 0, rows, axis=0), (m, n))
    q2 = (sh.slice_in_dim(q, rows, rows + cols, axis=0) if _is_static(m, rows)
          else dynamic_slice_in_dim(q, m, cols, 0))
    q2 = adjoint(_mask(q2, (n, n)))
    return ew.add(ew.mul(e, u), ew.mul(a_minus_e_by_sqrt_c, matmul(q1, q2)))


def _cholesky_step(u, m, n, params):
    """One step with ``(I + c u^H u)^{-1}`` from the Cholesky factor of ``I + c u^H u``."""
    a_minus_e, c, e = params
    cols = get_aval(u).shape[1]
    ones = eye((cols, cols), get_aval(u).dtype)
    x = ew.add(ew.mul(c, matmul(adjoint(u), u)), ones)
    # Identity in the padded corner keeps the factorization from failing there.
    x = _mask(x, (n, n), ones)
    y = cholesky(x, symmetrize_input=False)
    z = conjugate(triangular_solve(y, matrix_transpose(u), left_side=True, lower=True,
                                   conjugate_a=True))
    z = adjoint(triangular_solve(y, z, left_side=True, lower=True, transpose_a=True,
                                 conjugate_a=True))
    return ew.add(ew.mul(e, u), ew.mul(a_minus_e, z))


def _weights(eps: float, max_iterations: int) -> tuple[list, list]:
    """The weights of the steps while ``l`` grows to 1, in the QR form (``c`` above the
    cutoff) and then the Cholesky form: ``((a - e) / sqrt(c), sqrt(c), e)`` and
    ``(a - e, c, e)``."""
    qr_weights, cholesky_weights = [], []
    l, tol_l, k = eps, 10.0 * eps / 2.0, 0
    while l + tol_l < 1 and k < max_iterations:
        k += 1
        l2 = l * l
        dd = (4 * (1 / l2 - 1) / l2) ** (1 / 3)
        sqd = (1.0 + dd) ** (1 / 2)
        a = sqd + (2 - dd + 2 * (2 - l2) / (l2 * sqd)) ** (1 / 2)
        b = (a - 1) ** 2 / 4
        c = a + b - 1
        l = l * (a + b * l2) / (1 + c * l2)
        e = b / c
        if c > _CHOLESKY_CUTOFF:
            qr_weights.append(((a - e) / c ** (1 / 2), c ** (1 / 2), e))
        else:
            cholesky_weights.append((a - e, c, e))
    return qr_weights, cholesky_weights


def _weak_int(value: int):
    # The iteration count is a weakly typed int32, as a Python int carried by JAX's loop.
    return ew._convert_element_type(value, np.int32, weak_type=True)


def _frobenius_norm(x):
    squares = ew.mul(x, conjugate(x))
    if dtypes.is_complex(get_aval(x).dtype):
        squares = ew.real(squares)
    return ew.sqrt(reduce_sum(squares, (0, 1)))


def _qdwh(x, m, n, max_iterations: int, eps: float | None):
    dtype = get_aval(x).dtype
    real_dtype = ew._real_dtype(dtype)
    if eps is None:
        eps = float(np.finfo(real_dtype).eps)
    # Scale by 1 / sqrt(|x|_1 |x|_inf) >= 1 / |x|_2, so the singular values are <= 1.
    magnitudes = ew.abs(x)
    one_norm = reduce_max(reduce_sum(magnitudes, (0,)), (0,))
    inf_norm = reduce_max(reduce_sum(magnitudes, (1,)), (0,))
    alpha_inverse = ew.mul(ew.rsqrt(one_norm), ew.rsqrt(inf_norm))
    alpha_inverse = ew.select_n(ew.eq(one_norm, const(one_norm, 0)), alpha_inverse,
                                const(alpha_inverse, 1))
    u = ew.mul(x, ew.convert_element_type(alpha_inverse, dtype))

    tol_l = 10.0 * eps / 2.0
    tol_norm = np.cbrt(np.array(tol_l, real_dtype))
    qr_weights, cholesky_weights = _weights(eps, max_iterations)

    def step(update, weights, check):
        def body(i, state):
            u, _ = state
            row = dynamic_index_in_dim(weights, i, 0, keepdims=False)
            params = [sh.index_in_dim(row, j, 0, keepdims=False) for j in range(3)]
            u_next = update(u, m, n, params)
            moving = (ew.gt(_frobenius_norm(ew.sub(u_next, u)), const(tol_norm, tol_norm))
                      if check else np.array(True))
            return u_next, moving
        return body

    moving = np.array(True)
    for update, weights, check in ((_qr_step, qr_weights, False),
                                   (_cholesky_step, cholesky_weights, True)):
        if weights:
            u, moving = fori_loop(0, len(weights), step(update, np.array(weights, dtype), check),
                                  (u, moving))

    # l has converged; Halley's weights (a, b, c) = (3, 1, 3) until u stops moving.
    halley = [np.array(w, dtype) for w in (3 - 1 / 3, 3, 1 / 3)]

    def halley_body(state):
        k, u, _ = state
        u_next = _cholesky_step(u, m, n, halley)
        moving = ew.gt(_frobenius_norm(ew.sub(u_next, u)), const(tol_norm, tol_norm))
        return ew.add(k, _weak_int(1)), u_next, moving

    steps_so_far = len(qr_weights) + len(cholesky_weights)
    # The bound on the trip count lets reverse mode through the loop (JAX's cannot).
    num_iters, u, moving = while_loop(
        lambda state: ew.bitwise_and(state[2], ew.lt(state[0], const(state[0], max_iterations))),
        halley_body, (_weak_int(steps_so_far), u, moving),
        max_steps=max(max_iterations - steps_so_far, 0))

    # One Newton-Schulz step: u <- u (3 I - u^H u) / 2.
    u = ew.sub(ew.mul(const(u, 1.5), u),
               ew.mul(const(u, 0.5), matmul(u, matmul(adjoint(u), u))))
    h = matmul(adjoint(u), x)
    h = ew.div(ew.add(h, adjoint(h)), const(h, 2))
    return u, h, num_iters, ew.bitwise_not(moving)


def _static_int(name: str, value) -> int:
    if isinstance(value, Tracer):
        raise ConcretizationTypeError(
            value, f"It arose in the qdwh argument `{name}`, which must be static: it fixes "
                   f"the number of steps traced.\n")
    return int(value)


@compiled_when_eager(n_arrays=1, static_argnames=("is_hermitian", "max_iterations", "eps",
                                                  "dynamic_shape"))
def qdwh(x, *, is_hermitian: bool = False, max_iterations: int | None = None,
         eps: float | None = None, dynamic_shape: tuple[int, int] | None = None):
    """The polar decomposition ``x = u h`` of a full-rank ``M x N`` matrix (``M >= N``) by
    the QR-based dynamically weighted Halley iteration: ``(u, h, num_iters,
    is_converged)``, ``u`` with orthonormal columns and ``h`` Hermitian positive
    semi-definite.  ``is_hermitian`` is accepted and unused, as in JAX; ``eps`` sets the
    convergence tolerance (the dtype's epsilon by default), ``max_iterations`` (10) bounds
    the steps, and ``dynamic_shape=(m, n)`` reads ``x`` as an ``m x n`` matrix padded with
    zeros.

    >>> u, h, num_iters, is_converged = lax.linalg.qdwh(jnp.array([[2., 0.], [0., -3.]]))
    >>> h
    Array([[2., 0.],
           [0., 3.]], dtype=float32)
    """
    _static_int("is_hermitian", is_hermitian)
    max_iterations = (_DEFAULT_MAX_ITERATIONS if max_iterations is None
                      else _static_int("max_iterations", max_iterations))
    aval = get_aval(x)
    if aval.ndim != 2:
        raise value_error(f"qdwh: expected one matrix (rank 2), got shape {aval.shape}; "
                          f"map it over a batch with vmap.")
    if not (dtypes.is_float(aval.dtype) or dtypes.is_complex(aval.dtype)):
        raise value_error(f"qdwh: x must have a floating-point or complex dtype, got "
                          f"{aval.dtype}.")
    rows, cols = aval.shape
    if rows < cols:
        raise value_error(f"qdwh: the input matrix of shape M x N must have M >= N, got "
                          f"shape {aval.shape}; decompose its conjugate transpose instead.")
    if dynamic_shape is None:
        m, n = rows, cols
    else:
        m, n = dynamic_shape
        x = _mask(x, (m, n))
    return _qdwh(x, m, n, max_iterations, eps)


# An eager call runs as one compiled program (JAX's qdwh is jitted too).
compile_marked(globals())
