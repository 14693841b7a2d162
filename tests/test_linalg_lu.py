"""``zenax.lax.linalg``'s LU family and structured solves against ``jax.lax.linalg``:
``lu`` (square, wide, tall, batched, complex) eagerly, under ``jit``, ``jvp``/``vjp``
(``typecheck_jaxpr`` on the transformed programs) and ``vmap`` on any axis, with finite
differences to second order in float64; ``lu_pivots_to_permutation``; the LU solve
(``trans`` 0, 1, 2) against NumPy; ``tridiagonal_solve`` (all rules);
``symmetric_product``; and the errors, of JAX's kinds.
"""
import doctest

import jax
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import lax
from zenax.lax import linalg_lu, linalg_structured
from zenax.test_util import check_grads

from oracle import assert_same

jlinalg = jax.lax.linalg
linalg = lax.linalg
rng = np.random.RandomState(0)

TOL = {"float32": (2e-5, 2e-6), "complex64": (2e-5, 2e-6)}
DERIV_TOL = {"float32": (1e-4, 1e-5), "complex64": (1e-4, 1e-5)}


def randn(shape, dtype=np.float32):
    x = rng.randn(*shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.randn(*shape)
    return x.astype(dtype)


def typechecks(f, *args):
    zenax.typecheck_jaxpr(zenax.make_jaxpr(f)(*args))


LU_SHAPES = [(4, 4), (3, 5), (5, 3), (2, 3, 3)]


# ## lu

@pytest.mark.parametrize("shape", LU_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_lu_values_jvp_vjp(shape):
    """The three outputs eagerly and under jit; the jvp and vjp of ``lu`` (the tangent of
    ``pivots`` and ``permutation`` is zero)."""
    x, t, ct = randn(shape), randn(shape), randn(shape)
    expected = jlinalg.lu(x)
    assert_same(linalg.lu(x), expected, tol=TOL)
    assert_same(zenax.jit(linalg.lu)(x), expected, tol=TOL)
    f, jf = (lambda x: linalg.lu(x)[0]), (lambda x: jlinalg.lu(x)[0])
    assert_same(zenax.jvp(f, (x,), (t,)), jax.jvp(jf, (x,), (t,)), tol=DERIV_TOL)
    out, f_vjp = zenax.vjp(f, x)
    j_out, jf_vjp = jax.vjp(jf, x)
    assert_same((out, f_vjp(ct)), (j_out, jf_vjp(ct)), tol=DERIV_TOL)
    typechecks(lambda x, t: zenax.jvp(f, (x,), (t,)), x, t)
    typechecks(lambda x, ct: zenax.vjp(f, x)[1](ct), x, ct)


def test_lu_complex_and_all_outputs_differentiated():
    x, t = randn((2, 3, 3), np.complex64), randn((2, 3, 3), np.complex64)
    assert_same(linalg.lu(x), jlinalg.lu(x), tol=TOL)
    f = lambda x: tuple(linalg.lu(x))
    jf = lambda x: tuple(jlinalg.lu(x))
    (out, (lu_dot, piv_dot, perm_dot)) = zenax.jvp(f, (x,), (t,))
    (j_out, (j_lu_dot, j_piv_dot, j_perm_dot)) = jax.jvp(jf, (x,), (t,))
    assert_same((out, lu_dot), (j_out, j_lu_dot), tol=DERIV_TOL)
    assert piv_dot.dtype == j_piv_dot.dtype == jax.dtypes.float0
    assert perm_dot.shape == j_perm_dot.shape == (2, 3)


@pytest.mark.exhaustive   # float64 finite differences: in the full run (-m '')
def test_lu_check_grads_float64(x64):
    for shape in ((2, 4), (4, 2)):     # U, then L, padded with an identity block
        check_grads(lambda x: linalg.lu(x)[0], (randn(shape, np.float64),), order=2,
                    modes=("fwd", "rev"))


@pytest.mark.parametrize("in_axes", [0, 2])
def test_lu_vmap(in_axes):
    x = np.moveaxis(randn((3, 2, 4, 3)), 0, in_axes)
    assert_same(zenax.vmap(linalg.lu, in_axes=in_axes)(x),
                jax.vmap(jlinalg.lu, in_axes=in_axes)(x), tol=TOL)
    f, jf = (lambda x: linalg.lu(x)[0]), (lambda x: jlinalg.lu(x)[0])
    t = randn(x.shape)
    assert_same(zenax.vmap(lambda x, t: zenax.jvp(f, (x,), (t,)), in_axes)(x, t),
                jax.vmap(lambda x, t: jax.jvp(jf, (x,), (t,)), in_axes)(x, t), tol=DERIV_TOL)


def test_lu_singular_and_empty():
    """A singular matrix factors without error (a zero pivot), as in LAPACK; 0x0 works."""
    for x in (np.ones((3, 3), np.float32), np.zeros((0, 0), np.float32)):
        assert_same(linalg.lu(x), jlinalg.lu(x))


# ## lu_pivots_to_permutation

def test_lu_pivots_to_permutation():
    pivots = np.array([[2, 2, 2], [0, 3, 3], [1, 2, 3]], np.int32)
    for size in (4, 6):
        assert_same(linalg.lu_pivots_to_permutation(pivots, size),
                    jlinalg.lu_pivots_to_permutation(pivots, size))
    assert_same(linalg.lu_pivots_to_permutation(pivots[0], 3),
                jlinalg.lu_pivots_to_permutation(pivots[0], 3))
    f = lambda p: linalg.lu_pivots_to_permutation(p, 5)
    jf = lambda p: jlinalg.lu_pivots_to_permutation(p, 5)
    assert_same(zenax.vmap(f, in_axes=1)(pivots), jax.vmap(jf, in_axes=1)(pivots))
    assert_same(zenax.jit(f)(pivots), jf(pivots))
    # The permutation reorders the rows as lu's permutation output says.
    x = randn((3, 5, 5))
    _, piv, perm = linalg.lu(x)
    assert_same(linalg.lu_pivots_to_permutation(piv, 5), perm)


# ## the LU solve

@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_solve_against_numpy(trans):
    a, b = randn((2, 4, 4), np.complex64), randn((2, 4, 3), np.complex64)
    lu, _, perm = linalg.lu(a)
    op = [lambda m: m, lambda m: np.swapaxes(m, -1, -2),
          lambda m: np.swapaxes(m, -1, -2).conj()][trans]
    expected = np.linalg.solve(op(a.astype(np.complex128)), b)
    assert_same(linalg_lu.lu_solve(lu, perm, b, trans), expected.astype(np.complex64),
                tol={"complex64": (1e-4, 1e-5)})


def test_lu_solve_is_linear_in_b():
    """Reverse mode through the solve transposes the gather and the triangular solves."""
    a, b, ct = randn((3, 3)), randn((3, 2)), randn((3, 2))
    lu, _, perm = linalg.lu(a)
    for trans in (0, 1):
        _, f_vjp = zenax.vjp(lambda b: linalg_lu.lu_solve(lu, perm, b, trans), b)
        expected = np.linalg.solve(a.T if trans == 0 else a, ct)
        assert_same(f_vjp(ct)[0], expected.astype(np.float32), tol={"float32": (1e-4, 1e-5)})


# ## tridiagonal_solve

def tridiagonal(batch, m, k, dtype=np.float32):
    dl, du = randn(batch + (m,), dtype), randn(batch + (m,), dtype)
    d = (randn(batch + (m,), dtype) + 4).astype(dtype)     # diagonally dominant
    return dl, d, du, randn(batch + (m, k), dtype)


@pytest.mark.parametrize("batch,m", [((), 4), ((2,), 3), ((), 1)], ids=["4", "batch_3", "1"])
def test_tridiagonal_solve(batch, m):
    args = tridiagonal(batch, m, 2)
    tangents = tridiagonal(batch, m, 2)
    f = lambda *a: linalg.tridiagonal_solve(*a)
    jf = lambda *a: jlinalg.tridiagonal_solve(*a)
    assert_same(f(*args), jf(*args), tol=TOL)
    assert_same(zenax.jit(f)(*args), jf(*args), tol=TOL)
    assert_same(zenax.jvp(f, args, tangents), jax.jvp(jf, args, tangents), tol=DERIV_TOL)
    ct = randn(args[-1].shape)
    out, f_vjp = zenax.vjp(f, *args)
    j_out, jf_vjp = jax.vjp(jf, *args)
    assert_same((out, f_vjp(ct)), (j_out, jf_vjp(ct)), tol=DERIV_TOL)
    typechecks(lambda *a: zenax.vjp(f, *a)[1](ct), *args)


def test_tridiagonal_solve_vmap_and_perturb_singular():
    dl, d, du, b = tridiagonal((3,), 4, 2)
    for in_axes in ((0, 0, 0, 0), (None, None, None, 2), (0, None, 0, 1)):
        args = [x if ax is None else np.moveaxis(np.stack([x, x + 1, 2 * x]), 0, ax)
                for x, ax in zip((dl, d, du, b), in_axes)]
        assert_same(zenax.vmap(linalg.tridiagonal_solve, in_axes)(*args),
                    jax.vmap(jlinalg.tridiagonal_solve, in_axes)(*args), tol=TOL)
    singular = np.zeros(4, np.float32)
    assert_same(linalg.tridiagonal_solve(dl[0], singular, du[0], b[0], perturb_singular=True),
                jlinalg.tridiagonal_solve(dl[0], singular, du[0], b[0], perturb_singular=True))


def test_tridiagonal_solve_check_grads_float64(x64):
    args = tridiagonal((2,), 4, 3, np.float64)
    check_grads(linalg.tridiagonal_solve, args, order=2, modes=("fwd", "rev"))


# ## symmetric_product (cholesky_update: test_linalg_schur)

def test_symmetric_product():
    a, c = randn((2, 3, 2)), randn((2, 3, 3))
    c = c + np.swapaxes(c, -1, -2)
    for params in ({}, dict(alpha=2.0, beta=-0.5), dict(beta=1.0, symmetrize_output=True)):
        assert_same(linalg.symmetric_product(a, c, **params),
                    jlinalg.symmetric_product(a, c, **params), tol=TOL)


# ## Errors (JAX's kinds)

@pytest.mark.parametrize("fun,args,kind,match", [
    ("lu", (np.ones(3, np.float32),), TypeError, r"expected x to be a matrix"),
    ("lu", (np.ones((3, 3), np.int32),), TypeError, r"x has dtype int32"),
    ("lu_pivots_to_permutation", (np.ones(3, np.int32), 2), ValueError,
     r"permutation_size=2 must be at least the number of pivots"),
    ("lu_pivots_to_permutation", (np.ones(3, np.float32), 4), TypeError,
     r"pivots must be int32"),
    ("lu_pivots_to_permutation", (np.ones((), np.int32), 4), TypeError,
     r"expected pivots of rank >= 1"),
    ("tridiagonal_solve", (np.ones(3, np.float32),) * 3 + (np.ones((4, 2), np.float32),),
     TypeError, r"b must have shape d.shape \+ \(k,\)"),
    ("tridiagonal_solve", (np.ones(2, np.float32),) + (np.ones(3, np.float32),) * 2
     + (np.ones((3, 2), np.float32),), TypeError, r"must have the same shape"),
    ("tridiagonal_solve", (np.ones(3, np.float32),) * 3 + (np.ones(3, np.float32),),
     TypeError, r"expected b of rank >= 2"),
    ("symmetric_product", (np.ones((3, 2), np.float32), np.ones((2, 2), np.float32)),
     ValueError, r"expected a_matrix of shape \(..., n, k\)"),
    ("symmetric_product", (np.ones(3, np.float32), np.ones((3, 3), np.float32)), TypeError,
     r"expected a_matrix of rank at least 2"),
    ("symmetric_product", (np.ones((3, 2), np.complex64), np.ones((3, 3), np.complex64)),
     TypeError, r"expected float32 or float64"),
    ("cholesky_update", (np.ones((3, 3), np.float32), np.ones(2, np.float32)), ValueError,
     r"expected a square r_matrix and a w_vector of its size"),
    ("cholesky_update", (np.ones((2, 3, 3), np.float32), np.ones(3, np.float32)), TypeError,
     r"expected r_matrix of rank 2"),
], ids=["lu_rank_1", "lu_int", "pivots_size", "pivots_float", "pivots_rank_0",
        "tridiagonal_b_rows", "tridiagonal_diagonals", "tridiagonal_b_rank_1",
        "symmetric_product_shapes", "symmetric_product_rank_1", "symmetric_product_complex",
        "cholesky_update_shapes", "cholesky_update_batch"])
def test_errors(fun, args, kind, match):
    with pytest.raises(kind, match=f"{fun}: .*{match}"):
        getattr(linalg, fun)(*args)
    with pytest.raises(kind):
        getattr(jlinalg, fun)(*args)


def test_docstring_examples_run():
    for module in (linalg_lu, linalg_structured):
        results = doctest.testmod(module, extraglobs={"lax": lax, "jnp": jnp})
        assert results.attempted > 0 and results.failed == 0, module.__name__
