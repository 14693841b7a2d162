"""``symmetric_product_p`` and ``cholesky_update_p``: the primitives ``jax.lax.linalg``
declares for its two structured updates, bindable as in JAX.

The public functions ``lax.linalg.symmetric_product`` and ``cholesky_update``
(``linalg_structured``) bind them, as JAX's do; they lower to JAX's own (a SYRK kernel on
GPU, a composition on CPU).  Unlike JAX's, they differentiate and batch:

* ``symmetric_product`` (``alpha a a^T + beta c``) is a polynomial in its operands:
  ``alpha (a_dot a^T + a a_dot^T) + beta c_dot``.
* ``cholesky_update`` returns the upper ``R'`` with ``R'^T R' = R^T R + w w^T``.
  Differentiating, ``R'^T R_dot' + R_dot'^T R' = S`` with
  ``S = R_dot^T R + R^T R_dot + w_dot w^T + w w_dot^T``; ``R_dot' R'^{-1}`` is upper
  triangular, so it is the upper triangle, diagonal halved, of ``R'^{-T} S R'^{-1}``
  (the rule of ``cholesky``, written for the upper factor); ``R_dot`` is read in its
  upper triangle, where a factor lives.  JAX's primitive takes one matrix only, so a
  batch is updated one matrix at a time.
"""
from __future__ import annotations

import jax

from zenax.tracer.ad_types import Zero
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, jvp_rules

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import batch_size, bdim_at_front, instantiate, zeros_like_aval
from .linalg_family import batch_in_front, matmul, matrix_transpose, triu
from .linalg_triangular import triangular_solve
from .registry import const, register, tangent_aval, type_error, value_error

lax = jax.lax

__all__ = ["cholesky_update_p", "symmetric_product_p"]

_REAL = ("float32", "float64")


def _check_operand(name: str, arg: str, aval, rank: int, exact: bool) -> None:
    """JAX's checks: the rank (exactly ``rank`` where the primitive does not batch), then
    a real floating dtype."""
    if aval.ndim < rank or (exact and aval.ndim != rank):
        raise type_error(f"{name}: expected {arg} of rank {'' if exact else 'at least '}"
                         f"{rank}, got shape {aval.shape}.")
    if aval.dtype.name not in _REAL:
        raise type_error(f"{name}: {arg} has dtype {aval.dtype}; expected float32 or "
                         f"float64.")


# --------------------------------------------------------------------------- symmetric_product
symmetric_product_p = Primitive("symmetric_product")


def _symmetric_product_abstract_eval(a, c, *, alpha, beta):
    name = "symmetric_product"
    _check_operand(name, "a_matrix", a, 2, exact=False)
    _check_operand(name, "c_matrix", c, 2, exact=False)
    if a.dtype != c.dtype:
        raise type_error(f"{name}: a_matrix and c_matrix must have the same dtype, got "
                         f"{a.dtype} and {c.dtype}.")
    if a.ndim != c.ndim or a.shape[:-2] != c.shape[:-2]:
        raise type_error(f"{name}: a_matrix and c_matrix must have the same batch "
                         f"dimensions, got shapes {a.shape} and {c.shape}.")
    n = c.shape[-1]
    if c.shape[-2] != n or a.shape[-2] != n:
        raise value_error(f"{name}: expected a_matrix of shape (..., n, k) and a square "
                          f"c_matrix of shape (..., n, n), got {a.shape} and {c.shape}.")
    return c.update(weak_type=a.weak_type and c.weak_type)


def _symmetric_product_jvp(primals, tangents, *, alpha, beta):
    (a, c), (a_dot, c_dot) = primals, tangents
    out = bind(symmetric_product_p, a, c, alpha=alpha, beta=beta)
    out_dot = Zero(tangent_aval(get_aval(out)))
    if type(a_dot) is not Zero:
        a_dot_a_t = matmul(a_dot, matrix_transpose(a))
        out_dot = ew.mul(const(out, alpha), ew.add(a_dot_a_t, matrix_transpose(a_dot_a_t)))
    if type(c_dot) is not Zero:
        c_term = ew.mul(const(out, beta), c_dot)
        out_dot = ew.add_tangents(out_dot, c_term)
    return out, out_dot


register(symmetric_product_p, _symmetric_product_abstract_eval,
         lambda a, c, *, alpha, beta: lax.linalg.symmetric_product(a, c, alpha=alpha,
                                                                   beta=beta))
jvp_rules[symmetric_product_p] = _symmetric_product_jvp
batch_in_front(symmetric_product_p)

# --------------------------------------------------------------------------- cholesky_update
cholesky_update_p = Primitive("cholesky_update")


def _cholesky_update_abstract_eval(r, w):
    name = "cholesky_update"
    _check_operand(name, "r_matrix", r, 2, exact=True)
    _check_operand(name, "w_vector", w, 1, exact=True)
    if r.dtype != w.dtype:
        raise type_error(f"{name}: r_matrix and w_vector must have the same dtype, got "
                         f"{r.dtype} and {w.dtype}.")
    n = r.shape[1]
    if r.shape[0] != n or w.shape[0] != n:
        raise value_error(f"{name}: expected a square r_matrix and a w_vector of its size, "
                          f"got shapes {r.shape} and {w.shape}.")
    return r.update(weak_type=r.weak_type and w.weak_type)


def _outer(x, y):
    n = get_aval(x).shape[0]
    return matmul(sh.reshape(x, (n, 1)), sh.reshape(y, (1, n)))


def _cholesky_update_jvp(primals, tangents):
    (r, w), (r_dot, w_dot) = primals, tangents
    r_new = bind(cholesky_update_p, r, w)
    # R is a Cholesky factor: its tangent lives in the upper triangle too.
    r_dot, w_dot = triu(instantiate(r_dot)), instantiate(w_dot)
    r_t_r_dot = matmul(matrix_transpose(r), r_dot)
    w_w_dot = _outer(w, w_dot)
    s = ew.add(ew.add(r_t_r_dot, matrix_transpose(r_t_r_dot)),
               ew.add(w_w_dot, matrix_transpose(w_w_dot)))
    # X = R'^{-T} S R'^{-1}; R_dot' R'^{-1} = triu(X) with the diagonal halved.
    x = triangular_solve(r_new, s, left_side=True, lower=False, transpose_a=True)
    x = triangular_solve(r_new, x, left_side=False, lower=False)
    upper = ew.div(ew.add(triu(x), triu(x, 1)), const(x, 2))
    return r_new, matmul(upper, r_new)


def _cholesky_update_batch(args, dims):
    size = batch_size(args, dims)
    r, w = (bdim_at_front(x, d, size) for x, d in zip(args, dims))
    rows = [bind(cholesky_update_p, sh.index_in_dim(r, i, 0, keepdims=False),
                 sh.index_in_dim(w, i, 0, keepdims=False)) for i in range(size)]
    if not rows:
        return zeros_like_aval(get_aval(r)), 0
    return sh.concatenate([sh.expand_dims(x, (0,)) for x in rows], 0), 0


register(cholesky_update_p, _cholesky_update_abstract_eval, lax.linalg.cholesky_update)
jvp_rules[cholesky_update_p] = _cholesky_update_jvp
batch_rules[cholesky_update_p] = _cholesky_update_batch
