"""zenax.scipy.sparse.linalg -- cg, gmres (both solve methods), bicgstab -- against
jax.scipy.sparse.linalg:

* the spec rows: eager, jit, jvp/vjp (with respect to the matrix and ``b``) and vmap
  against JAX, the matrix made symmetric positive definite (cg) or diagonally dominant
  (the others) inside the function, so random operands give well-posed systems;
* the iterations are JAX's: a few steps (``maxiter``) give JAX's partial solution, with
  ``x0``, ``tol``/``atol``, ``restart``, a preconditioner ``M``, pytree ``b``, complex
  systems, and ``A`` as a function whose closed-over matrix is differentiated or mapped;
* gradients equal JAX's, and finite differences (float64);
* ``info`` (None, or gmres's 0/-1) and bad input (JAX's exception kinds, messages naming
  the function).
"""
import jax
import jax.numpy as jnp
import jax.scipy.sparse.linalg as jsl
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
import zenax.scipy.sparse.linalg as zsl
import zenax.transforms.custom_solvers  # noqa: F401  (registers custom_linear_solve's rules)
from zenax.test_util import check_grads

from jnp_spec_checks import spec_tests
from oracle import assert_same
from spec import Arg, Case, Domain, Spec, c64, f32

N = 5
# Iterative solves agree with JAX's to rounding, which the iterations can amplify a little.
SOLVER_TOL = {"float32": (1e-4, 1e-5), "complex64": (1e-4, 1e-5)}


def spd(np_, a):
    """A symmetric positive-definite matrix from any square ``a`` (Hermitian if complex)."""
    return np_.dot(a, np_.conj(a.T)) + a.shape[0] * np_.eye(a.shape[0], dtype=a.dtype)


def dominant(np_, a):
    """A nonsymmetric, diagonally dominant matrix from any square ``a``."""
    return a + 2 * a.shape[0] * np_.eye(a.shape[0], dtype=a.dtype)


def _row(name, make_matrix, dtypes=(f32,), params=None):
    """The row of ``<sparse.linalg>.<solver>(make_matrix(a), b, **params)[0]``."""
    solver = name.split("/")[0]

    def wrap(np_, sparse):
        return lambda a, b: getattr(sparse, solver)(make_matrix(np_, a), b,
                                                    **(params or {}))[0]
    return Spec(name, wrap(znp, zsl), wrap(jnp, jsl), (Case((Arg((N, N)), Arg((N,)))),),
                dtypes, Domain(-1.0, 1.0), tol=SOLVER_TOL, differentiable=True)


SPECS = [
    _row("cg", spd, (f32, c64)),
    _row("bicgstab", dominant, (f32, c64)),
    _row("gmres", dominant, (f32, c64)),
    _row("gmres/incremental", dominant, params={"restart": 2, "solve_method": "incremental"}),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS, namespace=(zsl, jsl))


def test_table_covers_the_module():
    assert set(zsl.__all__) == {"cg", "gmres", "bicgstab"} == {
        s.name.split("/")[0] for s in SPECS}


rng = np.random.RandomState(0)
A_SPD = np.asarray(spd(np, rng.uniform(-1, 1, (N, N))), np.float32)
A_GEN = np.asarray(dominant(np, rng.uniform(-1, 1, (N, N))), np.float32)
B = rng.randn(N).astype(np.float32)


def both(name, *args, **kwargs):
    return getattr(zsl, name)(*args, **kwargs), getattr(jsl, name)(*args, **kwargs)


def test_options_follow_jax_iterates():
    """x0, tol/atol, maxiter, restart and preconditioners change the iterates (and
    gmres's info) as they change JAX's; a step or two gives JAX's partial solution."""
    for name, a, kw in [("cg", A_SPD, {"x0": np.ones(N, np.float32), "maxiter": 1}),
                        ("bicgstab", A_GEN, {"tol": 1e-2, "maxiter": 2})]:
        z, j = both(name, a, B, **kw)
        assert_same(z, j, tol=SOLVER_TOL, err_msg=f"{name} {kw}")
    # gmres (compiled once per side, then run on two right-hand sides): one restart of a
    # two-dimensional Krylov space; info is -1 where the solution has NaNs.
    gmres = lambda s: lambda b: s.gmres(A_GEN, b, restart=2, maxiter=1)
    zg, jg = zenax.jit(gmres(zsl)), jax.jit(gmres(jsl))
    for b in (B, np.full(N, np.nan, np.float32)):
        assert_same(zg(b), jg(b), tol=SOLVER_TOL)


def pytree_operator(np_):
    """A symmetric positive-definite operator on ``{'u', 'v'}`` and a Jacobi
    preconditioner for it."""
    d = np.diag(A_SPD)
    matvec = lambda t: {"u": np_.dot(A_SPD, t["u"]) + 0.5 * t["v"],
                        "v": 0.5 * t["u"] + 3.0 * t["v"]}
    return matvec, lambda t: {"u": t["u"] / d, "v": t["v"] / 3.0}


B_TREE = {"u": B, "v": rng.randn(N).astype(np.float32)}


def test_pytree_b_preconditioner_and_matvec_function():
    for name, kw in [("cg", {}), ("gmres", {"atol": 1e-3, "tol": 0.0, "restart": 3,
                                            "solve_method": "incremental"})]:
        (zmv, zm), (jmv, jm) = pytree_operator(znp), pytree_operator(jnp)
        assert_same(getattr(zsl, name)(zmv, B_TREE, M=zm, **kw),
                    getattr(jsl, name)(jmv, B_TREE, M=jm, **kw), tol=SOLVER_TOL, err_msg=name)
    m = np.diag(1 / np.diag(A_GEN)).astype(np.float32)      # a matrix preconditioner
    assert_same(zsl.bicgstab(A_GEN, B, M=m), jsl.bicgstab(A_GEN, B, M=m), tol=SOLVER_TOL)


def test_gradients_through_a_matvec_closure_match_jax():
    """d/da of a solve whose operator closes over a: another solve (JAX's implicit
    derivative), under jit; and vmap over b equals JAX's and a loop."""
    def loss(np_, sparse):
        def f(a, b):
            x, _ = sparse.bicgstab(lambda v: np_.dot(dominant(np_, a), v), b)
            return np_.sum(x ** 2)
        return f
    a = rng.uniform(-1, 1, (N, N)).astype(np.float32)
    assert_same(zenax.jit(zenax.grad(loss(znp, zsl), (0, 1)))(a, B),
                jax.jit(jax.grad(loss(jnp, jsl), (0, 1)))(a, B), tol=SOLVER_TOL)
    bs = np.stack([B, -B, 2 * B])
    f = lambda sparse: lambda b: sparse.cg(A_SPD, b)[0]
    batched = zenax.vmap(f(zsl))(bs)
    assert_same(batched, jax.vmap(f(jsl))(bs), tol=SOLVER_TOL)
    looped = np.stack([np.asarray(zsl.cg(A_SPD, b)[0]) for b in bs])
    np.testing.assert_allclose(batched, looped, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["cg", "bicgstab", "gmres"])
def test_derivatives_match_finite_differences(name, x64):
    make = spd if name == "cg" else dominant
    a = rng.uniform(-1, 1, (N, N))
    # Compiled: the finite differences evaluate it several times on the same shapes.
    f = zenax.jit(lambda a, b: getattr(zsl, name)(make(znp, a), b, tol=1e-12)[0])
    check_grads(f, (a, B.astype(np.float64)), order=1, modes=("fwd", "rev"))


def _error(fun, exc):
    with pytest.raises(exc) as info:
        fun()
    return str(info.value)


@pytest.mark.parametrize("name", ["cg", "bicgstab", "gmres"])
def test_bad_input(name):
    cases = [
        (lambda s: getattr(s, name)(np.ones((2, 3), np.float32), np.ones(2, np.float32)),
         ValueError, "square"),
        (lambda s: getattr(s, name)("A", np.ones(2, np.float32)), TypeError,
         "function or ndarray"),
        # JAX's gmres leaves a wrong x0 shape to fail in A(x0)
        (lambda s: getattr(s, name)(A_SPD, B, x0=np.ones(N + 1, np.float32)),
         TypeError if name == "gmres" else ValueError, "dot" if name == "gmres" else "shapes"),
        (lambda s: getattr(s, name)(A_SPD, B, x0=(B,)), ValueError, "tree structure"),
    ]
    for call, exc, words in cases:
        _error(lambda: call(jsl), exc)
        msg = _error(lambda: call(zsl), exc)
        assert msg.startswith("dot" if words == "dot" else name) and words in msg, msg


def test_gmres_solve_method_is_checked():
    for s in (jsl, zsl):
        _error(lambda: s.gmres(A_GEN, B, solve_method="direct"), ValueError)
    assert "'incremental' or 'batched'" in _error(
        lambda: zsl.gmres(A_GEN, B, solve_method="direct"), ValueError)
