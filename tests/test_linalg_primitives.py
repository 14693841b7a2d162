"""``zenax.lax.linalg`` (``cholesky``, ``triangular_solve``) against ``jax.lax.linalg``:
values eagerly and under ``zenax.jit`` in float32 and float64, with and without batch
dimensions; ``jvp``/``vjp`` against JAX's (``typecheck_jaxpr`` on the transformed
programs); ``vmap`` against ``jax.vmap`` on any axis, one operand batched or both; finite
differences to second order in float64; and the errors for operands that are not
(square) matrices, which are of JAX's kinds.
"""
import doctest
import sys

import jax
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import lax
from zenax.test_util import check_grads

from oracle import assert_same

jlinalg = jax.lax.linalg
linalg = lax.linalg
rng = np.random.RandomState(0)

# The matrices are well conditioned (a dominant diagonal), so float32 results agree to
# a few ulps times the size; derivatives go through two solves and a product.
TOL = {"float32": (2e-5, 2e-6), "float64": (1e-12, 1e-12)}
DERIV_TOL = {"float32": (1e-4, 1e-5), "complex64": (1e-4, 1e-5)}


def _swap(x):
    return np.swapaxes(x, -1, -2)


def randn(shape, dtype=np.float32):
    x = rng.randn(*shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.randn(*shape)
    return x.astype(dtype)


def spd(shape, dtype=np.float32):
    """A symmetric (Hermitian) positive-definite matrix ``a a^H + n I`` (or a batch)."""
    a = randn(shape, dtype)
    return (a @ _swap(a).conj() + shape[-1] * np.eye(shape[-1])).astype(dtype)


def triangular(shape, lower, dtype=np.float32):
    """A triangular matrix with a dominant diagonal, and garbage in the other triangle
    (the solve must not read it)."""
    n = shape[-1]
    a = randn(shape, dtype)
    tri = np.tril(a) if lower else np.triu(a)
    return (tri + n * np.eye(n) + 100 * (a - tri)).astype(dtype)


def _float_dtype(request, name):
    if name == "float64":
        request.getfixturevalue("x64")
    return np.dtype(name)


def typechecks(f, *args):
    zenax.typecheck_jaxpr(zenax.make_jaxpr(f)(*args))


# (a shape, b shape, params): each side, both triangles, transposed, unit diagonals, a batch,
# a vector b, and the two orders the jvp in a picks from (m > n, m <= n on either side).
SOLVES = {
    "left_lower": ((3, 3), (3, 2), dict(left_side=True, lower=True)),
    "right_upper_transposed": ((3, 3), (2, 3), dict(lower=False, transpose_a=True)),
    "batch_left_upper_unit": ((2, 3, 3), (2, 3, 4),
                              dict(left_side=True, lower=False, unit_diagonal=True)),
    "batch_right_lower_transposed": ((2, 3, 3), (2, 4, 3), dict(lower=True, transpose_a=True)),
    "vector_left_lower_transposed": ((3, 3), (3,),
                                     dict(left_side=True, lower=True, transpose_a=True)),
}


def solve_args(case, dtype=np.float32):
    a_shape, b_shape, params = SOLVES[case]
    return triangular(a_shape, params["lower"], dtype), randn(b_shape, dtype), params


# ## Values against jax.lax.linalg

@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cholesky_values(request, dtype, shape):
    x = spd(shape, _float_dtype(request, dtype))
    x_lower_only = np.tril(x) + np.triu(randn(shape, x.dtype), 1)   # the upper part ignored
    for arg, sym in ((x, True), (x_lower_only, False)):
        assert_same(linalg.cholesky(arg, symmetrize_input=sym),
                    jlinalg.cholesky(arg, symmetrize_input=sym), tol=TOL)
    f = lambda x, y: (linalg.cholesky(x), linalg.cholesky(y, symmetrize_input=False))
    jf = lambda x, y: (jlinalg.cholesky(x), jlinalg.cholesky(y, symmetrize_input=False))
    assert_same(zenax.jit(f)(x, x_lower_only), jax.jit(jf)(x, x_lower_only), tol=TOL)


@pytest.mark.parametrize("case", SOLVES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_triangular_solve_values(request, dtype, case):
    a, b, params = solve_args(case, _float_dtype(request, dtype))
    expected = jlinalg.triangular_solve(a, b, **params)
    assert_same(linalg.triangular_solve(a, b, **params), expected, tol=TOL)
    assert_same(zenax.jit(lambda a, b: linalg.triangular_solve(a, b, **params))(a, b),
                expected, tol=TOL)


def test_complex_values_and_jvp():
    """Complex operands: the conjugate transposes and ``conjugate_a``."""
    x, t = spd((2, 3, 3), np.complex64), randn((2, 3, 3), np.complex64)
    a, b = triangular((3, 3), True, np.complex64), randn((3, 2), np.complex64)
    a_dot, b_dot = randn((3, 3), np.complex64), randn((3, 2), np.complex64)
    params = dict(left_side=True, lower=True, transpose_a=True, conjugate_a=True)
    solve = lambda m: lambda a, b: m.triangular_solve(a, b, **params)
    assert_same(zenax.jvp(linalg.cholesky, (x,), (t,)),
                jax.jvp(jlinalg.cholesky, (x,), (t,)), tol=DERIV_TOL)
    assert_same(linalg.cholesky(x), jlinalg.cholesky(x), tol=DERIV_TOL)
    assert_same(zenax.jvp(solve(linalg), (a, b), (a_dot, b_dot)),
                jax.jvp(solve(jlinalg), (a, b), (a_dot, b_dot)), tol=DERIV_TOL)


# ## Derivatives against JAX's

def test_cholesky_jvp_vjp():
    x, t, ct = spd((2, 3, 3)), randn((2, 3, 3)), randn((2, 3, 3))
    for sym in (True, False):
        f = lambda x: linalg.cholesky(x, symmetrize_input=sym)
        jf = lambda x: jlinalg.cholesky(x, symmetrize_input=sym)
        assert_same(zenax.jvp(f, (x,), (t,)), jax.jvp(jf, (x,), (t,)), tol=DERIV_TOL)
        out, f_vjp = zenax.vjp(f, x)
        j_out, jf_vjp = jax.vjp(jf, x)
        assert_same((out, f_vjp(ct)), (j_out, jf_vjp(ct)), tol=DERIV_TOL)
    typechecks(lambda x, t: zenax.jvp(linalg.cholesky, (x,), (t,)), x, t)
    typechecks(lambda x, ct: zenax.vjp(linalg.cholesky, x)[1](ct), x, ct)


@pytest.mark.parametrize("case", SOLVES)
def test_triangular_solve_jvp_vjp(case):
    a, b, params = solve_args(case)
    a_dot, b_dot = randn(a.shape), randn(b.shape)
    f = lambda a, b: linalg.triangular_solve(a, b, **params)
    jf = lambda a, b: jlinalg.triangular_solve(a, b, **params)
    ct = randn(jf(a, b).shape)
    for f_, jf_, args, tangents in (
            (f, jf, (a, b), (a_dot, b_dot)),                      # in both operands
            (lambda a: f(a, b), lambda a: jf(a, b), (a,), (a_dot,)),   # in a only
            (lambda b: f(a, b), lambda b: jf(a, b), (b,), (b_dot,))):  # in b only
        assert_same(zenax.jvp(f_, args, tangents), jax.jvp(jf_, args, tangents),
                    tol=DERIV_TOL)
        out, f_vjp = zenax.vjp(f_, *args)
        j_out, jf_vjp = jax.vjp(jf_, *args)
        assert_same((out, f_vjp(ct)), (j_out, jf_vjp(ct)), tol=DERIV_TOL)
    typechecks(lambda a, b, ad, bd: zenax.jvp(f, (a, b), (ad, bd)), a, b, a_dot, b_dot)
    typechecks(lambda a, b, ct: zenax.vjp(f, a, b)[1](ct), a, b, ct)


def test_check_grads_float64(x64):
    x = spd((2, 3, 3), np.float64)
    check_grads(linalg.cholesky, (x,), order=2, modes=("fwd", "rev"))
    for case in ("left_lower", "batch_right_lower_transposed", "batch_left_upper_unit"):
        a, b, params = solve_args(case, np.float64)
        check_grads(lambda a, b: linalg.triangular_solve(a, b, **params), (a, b), order=2,
                    modes=("fwd", "rev"))


# ## vmap against jax.vmap

def test_cholesky_vmap():
    x = np.moveaxis(spd((4, 2, 3, 3)), 0, 2)          # mapped along axis 2: (2, 3, 4, 3)
    assert_same(zenax.vmap(linalg.cholesky, in_axes=2)(x),
                jax.vmap(jlinalg.cholesky, in_axes=2)(x), tol=TOL)


@pytest.mark.parametrize("in_axes", [(0, 0), (None, 1), (2, None), (1, 2)],
                         ids=["both_front", "b_only", "a_only", "both_inside"])
def test_triangular_solve_vmap(in_axes):
    """One operand mapped (the other shared), or both, anywhere."""
    a, b, params = solve_args("batch_left_upper_unit")
    stack = lambda x, ax: x if ax is None else np.stack([x, 2 * x + 1, x - 1], axis=ax)
    args = [stack(x, ax) for x, ax in zip((a, b), in_axes)]
    f = lambda a, b: linalg.triangular_solve(a, b, **params)
    jf = lambda a, b: jlinalg.triangular_solve(a, b, **params)
    assert_same(zenax.vmap(f, in_axes)(*args), jax.vmap(jf, in_axes)(*args), tol=TOL)


# ## Errors

NOT_SQUARE = r"cholesky: expected a square matrix in the last two axes of x, got shape "
RANK_1 = r"cholesky: expected x to be a matrix or a batch of matrices \(rank >= 2"


@pytest.mark.parametrize("name,args,kind,match", [
    ("cholesky", (np.ones((3, 4), np.float32),), ValueError, NOT_SQUARE + r"\(3, 4\)"),
    ("cholesky", (np.ones((2, 3, 4), np.float32),), ValueError, NOT_SQUARE + r"\(2, 3, 4\)"),
    ("cholesky", (np.ones(3, np.float32),), TypeError, RANK_1),
    ("triangular_solve", (np.ones((3, 4), np.float32), np.ones((3, 3), np.float32)),
     ValueError, r"triangular_solve: expected a square matrix in the last two axes of a"),
    ("triangular_solve", (np.eye(3, dtype=np.float32), np.ones((4, 2), np.float32)),
     ValueError, r"b must have 3 columns to match a of shape \(3, 3\)"),
    ("triangular_solve", (np.ones((2, 3, 3), np.float32), np.ones((4, 3, 3), np.float32)),
     ValueError, r"a and b must have the same batch dimensions"),
], ids=["cholesky_not_square", "cholesky_batch_not_square", "cholesky_rank_1",
        "solve_a_not_square", "solve_b_mismatched", "solve_batches_differ"])
def test_errors(name, args, kind, match):
    # JAX's cholesky symmetrizes before it checks the shape (an error from its add or
    # transpose); the primitive's own kind of error shows without symmetrize_input.
    kwargs = dict(symmetrize_input=False) if name == "cholesky" else {}
    with pytest.raises(kind, match=match):
        getattr(linalg, name)(*args, **kwargs)
    with pytest.raises(kind):
        getattr(jlinalg, name)(*args, **kwargs)


def test_cholesky_checks_x_before_symmetrizing():
    with pytest.raises(ValueError, match=NOT_SQUARE + r"\(3, 4\)"):
        linalg.cholesky(np.ones((3, 4), np.float32))
    with pytest.raises(TypeError, match=RANK_1):
        linalg.cholesky(np.ones(3, np.float32))


def test_dtype_errors():
    with pytest.raises(TypeError, match=r"cholesky: x has dtype int32; expected float32"):
        linalg.cholesky(np.eye(3, dtype=np.int32), symmetrize_input=False)
    with pytest.raises(TypeError, match=r"a and b must have the same dtype"):
        linalg.triangular_solve(np.eye(3, dtype=np.float32), np.ones((3, 3), np.complex64))


def test_docstring_examples_run():
    results = doctest.testmod(sys.modules["zenax.lax.linalg_triangular"],
                              extraglobs={"lax": lax, "jnp": jnp})
    assert results.attempted > 0 and results.failed == 0
