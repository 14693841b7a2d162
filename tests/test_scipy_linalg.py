"""zenax.scipy.linalg's solvers, decompositions and matrix functions against
jax.scipy.linalg (the special matrices are test_scipy_linalg_special.py's):

* the spec rows: eagerly, under jit, jvp/vjp and vmap against JAX, per option;
* every function and option against JAX, real and complex, batched, in float32 and a
  few in float64 (where ``expm`` picks its degree-13 approximant);
* derivatives of ``expm``, ``solve_triangular``, ``cho_solve``, ``lu_solve`` and ``det``
  against finite differences, and ``expm_frechet`` against JAX's jvp of ``expm``;
* the compiled eager path, the docstring examples, and bad input (JAX's exception kinds,
  messages naming the function).
"""
from __future__ import annotations

import dataclasses
import doctest
import functools
import importlib
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
import scipy.linalg as osp

import zenax
import zenax.numpy as znp
import zenax.scipy.linalg as zsl
from zenax.lax import eager
from zenax.test_util import check_grads

from jnp_spec_checks import spec_tests
from oracle import assert_same
from spec import Arg, Case, Domain, Spec, c64, f32

# JAX's solve(assume_a="pos") warns from inside itself about its own cho_solve call.
pytestmark = pytest.mark.filterwarnings("ignore:jax.scipy.linalg.cho_solve:FutureWarning")

rng = np.random.RandomState(0)
TOL = {"float32": (2e-5, 2e-5), "complex64": (2e-5, 2e-5)}
# Products of decompositions and polynomials of degree 7: a few more ulps.
LOOSE = {"float32": (1e-4, 1e-4), "complex64": (1e-4, 1e-4)}


@dataclasses.dataclass(frozen=True)
class WellConditioned(Domain):
    """Matrices with a dominant diagonal: invertible (so are their triangles), and their
    solves lose few bits."""

    def sample(self, rng, shape, dtype):
        x = Domain(-1.0, 1.0).sample(rng, shape, dtype)
        return (x + 2 * shape[-1] * np.eye(*shape[-2:])).astype(dtype)


@dataclasses.dataclass(frozen=True)
class PositiveDefinite(Domain):
    """Hermitian positive-definite matrices ``x x^H + n I``."""

    def sample(self, rng, shape, dtype):
        x = Domain(-1.0, 1.0).sample(rng, shape, dtype)
        x = x @ np.swapaxes(x, -1, -2).conj()
        return (x + shape[-1] * np.eye(shape[-1])).astype(dtype)


WELL, SPD, SMALL = WellConditioned(), PositiveDefinite(), Domain(-1.0, 1.0)


def _arrays(args):
    # NumPy operands as jax.Arrays, so that an eager call runs compiled on both sides.
    return [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]


def _row(name, call, cases, dtypes=(f32,), domains=WELL, **kw):
    """The row of ``call(module, *operands, **params)`` for both libraries."""
    def zfun(*args, **params):
        return call(zsl, *_arrays(args), **params)
    return Spec(name, zfun, functools.partial(call, jsl), cases, dtypes, domains,
                differentiable=kw.pop("differentiable", True), **kw)


def _named(fun_name):
    return lambda m, *args, **params: getattr(m, fun_name)(*args, **params)


def _case(*shapes, label="", domains=None, **params):
    # The first operand is the row's matrix; right-hand sides are plain normal samples.
    domains = domains or (None,) + (Domain(),) * (len(shapes) - 1)
    return Case(tuple(Arg(s, domain=d) for s, d in zip(shapes, domains)), params, label=label)


SPECS = [
    _row("solve_triangular", _named("solve_triangular"), (
        _case((3, 3), (3, 2)),
        _case((3, 3), (3,), trans=1, lower=True, unit_diagonal=True, label="trans"),
        _case((2, 3, 3), (2, 3, 2), trans="C", label="batch"),
    ), (f32, c64)),
    _row("cho_solve", lambda m, c, b, lower: m.cho_solve((c, lower), b), (
        _case((3, 3), (3, 2), lower=False), _case((2, 3, 3), (3,), lower=True, label="lower"),
    ), (f32, c64)),
    _row("lu_solve", lambda m, a, b, trans: m.lu_solve(m.lu_factor(a), b, trans=trans), (
        _case((3, 3), (3, 2), trans=0), _case((3, 3), (3,), trans=1, label="t"),
        _case((2, 3, 3), (2, 3, 1), trans=2, label="h"),
    ), (f32, c64)),
    _row("solve", _named("solve"), (
        _case((3, 3), (3, 2)),
        _case((2, 3, 3), (2, 3), domains=(SPD, Domain()), assume_a="pos", label="pos"),
        _case((3, 3), (3, 2), domains=(SPD, Domain()), assume_a="pos", lower=True,
              label="lower"),
    ), (f32, c64)),
    _row("det", _named("det"), (_case((4, 4)), _case((2, 3, 3))), (f32, c64), SMALL),
    _row("inv", _named("inv"), (_case((3, 3)), _case((2, 4, 4)))),
    _row("cholesky", _named("cholesky"), (_case((3, 3)), _case((2, 3, 3), lower=True)),
         (f32, c64), SPD),
    _row("lu", _named("lu"), (_case((3, 3)), _case((4, 3), permute_l=True, label="p"))),
    _row("eigh", _named("eigh"), (_case((3, 3)), _case((2, 3, 3), eigvals_only=True)),
         (f32, c64), SPD, tol=LOOSE),
    _row("svd", _named("svd"), (_case((4, 3), full_matrices=False),
                                _case((2, 3, 4), compute_uv=False)), (f32,), SMALL, tol=LOOSE),
    _row("qr", _named("qr"), (_case((4, 3), mode="economic"), _case((3, 3), mode="r")),
         (f32,), SMALL, tol=LOOSE),
    _row("polar", _named("polar"), (_case((4, 3), method="svd"),
                                    _case((3, 4), method="svd", side="left")), (f32,), SMALL,
         tol=LOOSE),
    _row("expm", _named("expm"), (
        _case((3, 3)), _case((2, 3, 3), label="batch"),
        _case((3, 3), domains=(Domain(-4.0, 4.0),), label="squarings"),
        _case((3, 3), domains=(WELL,), upper_triangular=True, label="triangular"),
    ), (f32, c64), SMALL, tol=LOOSE),
    # Already a derivative (JAX's is jax.jvp of expm); its own is expm's second.
    _row("expm_frechet", _named("expm_frechet"), (
        _case((2, 3, 3), (2, 3, 3), domains=(SMALL, SMALL), compute_expm=False),
    ), (f32,), SMALL, tol=LOOSE, differentiable=False),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax,
 test_vmap_matches_jax, test_table_is_well_formed) = spec_tests(SPECS, namespace=(zsl, jsl))


def test_every_jax_scipy_linalg_name_exists():
    names = [n for n in dir(jsl) if not n.startswith("_")]
    assert sorted(zsl.__all__) == sorted(names)
    assert all(callable(getattr(zsl, n)) for n in names)


# ## Every function and option against JAX

def randn(shape, dtype=np.float32):
    x = rng.randn(*shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.randn(*shape)
    return jnp.asarray(x.astype(dtype))


def spd(shape, dtype=np.float32):
    x = randn(shape, dtype)
    return x @ jnp.conj(jnp.swapaxes(x, -1, -2)) + shape[-1] * jnp.eye(shape[-1], dtype=dtype)


def upper(shape, dtype=np.float32):
    return jnp.triu(randn(shape, dtype)) + 3 * jnp.eye(shape[-1], dtype=dtype)


def _cases(dtype):
    """``(name, args, kwargs)``: every function, and the options the rows above skip."""
    a, b, v = randn((3, 3), dtype), randn((3, 2), dtype), randn((3,), dtype)
    batch = randn((2, 3, 3), dtype)
    return [
        ("solve_triangular", (upper((3, 3), dtype), b), {"trans": "T"}),
        ("cholesky", (spd((3, 3), dtype),), {}),
        ("lu_factor", (batch,), {}),
        ("lu", (randn((3, 4), dtype),), {}),
        ("solve", (a, b), {"assume_a": "sym"}),
        ("solve", (spd((2, 3, 3), dtype), randn((2, 3, 2), dtype)), {"assume_a": "pos"}),
        ("inv", (batch,), {}),
        ("det", (batch,), {}),
        ("eigh", (spd((3, 3), dtype),), {"lower": False}),
        ("svd", (randn((3, 4), dtype),), {}),
        ("qr", (randn((4, 3), dtype),), {}),
        ("qr", (batch,), {"pivoting": True}),
        ("qr", (a,), {"mode": "r", "pivoting": True}),
        ("qr_multiply", (randn((4, 3), dtype), randn((2, 4), dtype)), {}),
        ("qr_multiply", (randn((4, 3), dtype), randn((3, 2), dtype)), {"mode": "left"}),
        ("qr_multiply", (randn((3, 4), dtype), v), {"mode": "left", "conjugate": True}),
        ("qr_multiply", (randn((2, 4, 3), dtype), randn((4,), dtype)),
         {"conjugate": True, "pivoting": True}),
        ("schur", (a,), {}),
        ("schur", (batch,), {"output": "complex"}),
        ("rsf2csf", tuple(jsl.schur(randn((4, 4)))), {}),
        ("hessenberg", (a,), {}),
        ("hessenberg", (randn((2, 4, 4), dtype),), {"calc_q": True}),
        ("expm", (a * 40,), {}),
        ("expm_frechet", (batch, batch[::-1]), {}),
        ("sqrtm", (spd((3, 3), dtype),), {}),
        ("sqrtm", (a,), {}),
        ("funm", (a, jnp.exp), {}),
        ("funm", (a, jnp.sin), {"disp": False}),
        ("polar", (randn((4, 3), dtype),), {}),
        ("polar", (randn((3, 4), dtype),), {"side": "left"}),
        ("polar", (batch,), {"method": "svd", "side": "left"}),
        ("solve_sylvester", (a, randn((2, 2), dtype), randn((3, 2), dtype)), {}),
        ("solve_sylvester", (a, randn((2, 2), dtype), randn((3, 2), dtype)),
         {"method": "eigen"}),
        ("solve_sylvester", (batch, batch, batch), {}),
    ]


ALL_CASES = [(dtype, i) for dtype in (np.float32, np.complex64)
             for i in range(len(_cases(np.float32)))]


def _compare(name, args, kwargs, tol=LOOSE):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # from inside JAX's solve(pos)
        expected = getattr(jsl, name)(*args, **kwargs)
    assert_same(getattr(zsl, name)(*args, **kwargs), expected, tol=tol,
                err_msg=f"{name}{kwargs}")


def _compare_with_scipy(name, args, kwargs, rtol=1e-4, atol=1e-4):
    """SciPy's values (for results without a sign or phase to choose) and JAX's types,
    which ``jax.eval_shape`` gives without compiling."""
    got = getattr(zsl, name)(*args, **kwargs)
    types = jax.eval_shape(functools.partial(getattr(jsl, name), **kwargs), *args)
    assert jax.tree.structure(got) == jax.tree.structure(types), name
    for x, t in zip(jax.tree.leaves(got), jax.tree.leaves(types)):
        assert (x.shape, x.dtype, x.weak_type) == (t.shape, t.dtype, t.weak_type), name
    expected = getattr(osp, name)(*[np.asarray(a) if isinstance(a, jax.Array) else a
                                    for a in args], **kwargs)
    for x, e in zip(jax.tree.leaves(got), jax.tree.leaves(expected)):
        np.testing.assert_allclose(x, e, rtol=rtol, atol=atol, err_msg=name)


def test_each_function_matches_jax_or_scipy():
    """A call of each function: the iterative ones against SciPy's values (JAX's would
    cost a compile each), the others against JAX.  ``expm`` is checked by the float64
    and gradient tests below, ``polar``'s QDWH by test_linalg_schur.py, and ``rsf2csf``
    through ``funm``; each against JAX in the full tier."""
    a, b, s = randn((3, 3)), randn((3, 2)), spd((3, 3))
    for name, args, kwargs in [
            ("expm_frechet", (a, b @ b.T), {}), ("sqrtm", (s,), {}),
            ("funm", (a,), {"func": jnp.exp}), ("solve_sylvester", (a, s, randn((3, 3))), {}),
            ("inv", (s,), {}), ("solve", (s, b), {"assume_a": "pos"})]:
        _compare_with_scipy(name, args, kwargs)
    done = {"expm", "expm_frechet", "sqrtm", "funm", "polar", "solve_sylvester", "inv",
            "rsf2csf"}
    for name, args, kwargs in _cases(np.float32):
        if name not in done:
            done.add(name)
            _compare(name, args, kwargs)


@pytest.mark.exhaustive    # the CI tier runs one call of each function above
@pytest.mark.parametrize("dtype,index", ALL_CASES)
def test_every_option_matches_jax(dtype, index):
    _compare(*_cases(dtype)[index])


def test_eigh_tridiagonal_matches_scipy():
    # The eigenvalues are SciPy's; the eigenvectors (signs free) satisfy T v = v w.
    d, e = randn((5,)), randn((4,))
    w, v = zsl.eigh_tridiagonal(d, e)
    types = jax.eval_shape(jsl.eigh_tridiagonal, d, e)
    assert [(x.shape, x.dtype) for x in (w, v)] == [(t.shape, t.dtype) for t in types]
    np.testing.assert_allclose(w, osp.eigh_tridiagonal(d, e, eigvals_only=True), rtol=1e-5,
                               atol=1e-5)
    t = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    np.testing.assert_allclose(t @ v, v * w, atol=1e-4)
    np.testing.assert_allclose(v.T @ v, np.eye(5), atol=1e-5)


@pytest.mark.parametrize("args,kwargs", [
    ((randn((6,)), randn((5,))), {"eigvals_only": True, "select": "i", "select_range": (1, 3)}),
    ((randn((5,)), randn((4,))), {}),
    ((np.ones(6, np.float32), np.zeros(5, np.float32)), {}),      # one cluster
    ((randn((4,), np.complex64), randn((3,), np.complex64)), {}),
    ((randn((5,)), randn((4,))), {"tol": 1e-3, "eigvals_only": True}),
    ((randn((5,)), randn((4,))), {"key": zenax.random.PRNGKey(3)}),
    ((randn((1,)), randn((0,))), {}),
])
def test_eigh_tridiagonal_options_match_jax(args, kwargs):
    expected = jsl.eigh_tridiagonal(*args, **{k: jax.random.wrap_key_data(v) if k == "key"
                                              else v for k, v in kwargs.items()})
    assert_same(zsl.eigh_tridiagonal(*args, **kwargs), expected, tol=LOOSE)


def test_float64_matches_scipy(x64):
    # float64 is where expm picks among five approximants, up to degree 13.
    _compare_with_scipy("expm", (randn((3, 3), np.float64) * 5.0,), {}, rtol=1e-10, atol=0)


@pytest.mark.exhaustive
def test_float64_options_match_jax(x64):
    for scale in (0.01, 0.2, 0.5, 1.5):
        a = randn((3, 3), np.float64) * scale
        _compare("expm", (a,), {}, tol={"float64": (1e-12, 1e-12)})
    a = randn((3, 3), np.complex128)
    _compare("expm_frechet", (a, a.T), {}, tol={"complex128": (1e-12, 1e-12)})
    _compare("solve_sylvester", (a, a.T, a), {}, tol={"complex128": (1e-10, 1e-10)})


def test_results_satisfy_their_definitions():
    # The definitions themselves, no oracle needed (sqrtm's and solve_sylvester's calls
    # are the ones above, so their executables are reused).
    a = randn((2, 3, 3))
    t, z = zsl.schur(a, output="complex")
    np.testing.assert_allclose(z @ t @ jnp.conj(jnp.swapaxes(z, -1, -2)), a, atol=1e-5)
    np.testing.assert_allclose(np.tril(t, -1), 0, atol=1e-6)
    s = spd((3, 3))
    root = zsl.sqrtm(s)
    np.testing.assert_allclose(root @ root, s, rtol=1e-4, atol=1e-4)
    a, b, c = randn((3, 3)), spd((3, 3)), randn((3, 3))
    x = zsl.solve_sylvester(a, b, c)
    np.testing.assert_allclose(a @ x + x @ b, c, atol=1e-4)
    a = randn((2, 4, 4))
    h, q = zsl.hessenberg(a, calc_q=True)
    np.testing.assert_allclose(q @ h @ jnp.swapaxes(q, -1, -2), a, atol=1e-5)


# ## Derivatives

@pytest.mark.parametrize("name,fun,args", [
    ("expm", lambda a: zsl.expm(a), ((3, 3),)),
    ("solve_triangular", lambda a, b: zsl.solve_triangular(a, b, trans=1), ((3, 3), (3, 2))),
    ("cho_solve", lambda c, b: zsl.cho_solve((c, True), b), ((3, 3), (3,))),
    ("lu_solve", lambda a, b: zsl.lu_solve(zsl.lu_factor(a), b), ((3, 3), (3, 2))),
    ("det", lambda a: zsl.det(a), ((4, 4),)),
    ("solve_pos", lambda a, b: zsl.solve(a, b, assume_a="pos"), ((3, 3), (3,))),
])
@pytest.mark.exhaustive   # float64 finite differences: in the full run (-m '')
def test_derivatives_match_finite_differences(x64, name, fun, args):
    args = [np.asarray(WELL.sample(rng, s, np.float64) if len(s) == 2 and s[0] == s[1]
                       else rng.randn(*s)) for s in args]
    if name in ("cho_solve", "solve_pos"):
        args[0] = args[0] @ args[0].T
    if name == "solve_pos":
        # The factorization reads one triangle of a: perturb it symmetrically.
        fun = (lambda f: lambda a, b: f((a + a.T) / 2, b))(fun)
    # expm's second derivatives, taken eagerly, cost a minute: first order for it.
    check_grads(fun, args, order=1 if name == "expm" else 2, modes=("fwd", "rev"))


def test_gradients_match_jax():
    """expm, solve_triangular, cho_solve, lu_solve and det in one program, under jit."""
    def loss(np_, sl):
        def f(a, t, c, b):
            return (np_.sum(sl.expm(0.5 * a)) + np_.sum(sl.solve_triangular(t, b, trans=1))
                    + np_.sum(sl.cho_solve((c, True), b))
                    + np_.sum(sl.lu_solve(sl.lu_factor(t), b)) + sl.det(a))
        return f
    args = (randn((3, 3)), upper((3, 3)), jnp.tril(spd((3, 3))), randn((3, 2)))
    assert_same(zenax.jit(zenax.grad(loss(znp, zsl), argnums=(0, 1, 2, 3)))(*args),
                jax.jit(jax.grad(loss(jnp, jsl), argnums=(0, 1, 2, 3)))(*args), tol=LOOSE)


@pytest.mark.exhaustive   # two iterative programs to compile
def test_polar_qdwh_differentiates_in_reverse_mode():
    # JAX's qdwh ends in an unbounded while_loop (no reverse mode); zenax's is bounded.
    a, ct = randn((3, 2)), randn((3, 2))
    _, vjp = zenax.vjp(lambda a: zsl.polar(a)[0], a)
    t = randn((3, 2))
    # <ct, J t> from JAX's forward mode equals <J^T ct, t> from zenax's reverse mode.
    jvp_out = jax.jvp(lambda a: jsl.polar(a)[0], (a,), (t,))[1]
    np.testing.assert_allclose(jnp.vdot(ct, jvp_out), jnp.vdot(vjp(ct)[0], t), rtol=1e-3)


# ## The compiled eager path

def test_eager_calls_run_compiled():
    a, b = randn((3, 3)), randn((3, 2))
    for fn, args, kwargs in ((zsl.expm, (a,), {}), (zsl.solve, (spd((3, 3)), b),
                                                    {"assume_a": "pos"}),
                             (zsl.solve_triangular, (upper((3, 3)), b), {"trans": "T"}),
                             (zsl.eigh_tridiagonal, (randn((5,)), randn((4,))), {})):
        before, calls = dict(eager.fallbacks), fn.compiled_calls
        fn(*args, **kwargs)
        assert fn.compiled_calls == calls + 1, fn.__name__
        assert eager.fallbacks == before, fn.__name__


def test_one_dimensional_batches_warn_as_jax():
    # JAX warns when it traces such a call; the solution is one solve per vector.
    a, b = upper((2, 3, 3)), randn((2, 3))
    c = jnp.swapaxes(a, -1, -2) @ a         # a is its upper Cholesky factor
    for name, call, matrix in (
            ("solve_triangular", lambda m: m.solve_triangular(a, b), a),
            ("cho_solve", lambda m: m.cho_solve((a, False), b), c),
            ("lu_solve", lambda m: m.lu_solve(m.lu_factor(a), b), a)):
        with pytest.warns(FutureWarning, match=name):
            got = call(zsl)
        np.testing.assert_allclose(got, np.linalg.solve(matrix, b[..., None])[..., 0],
                                   rtol=1e-4, atol=1e-4, err_msg=name)


# ## Bad input

def _square_matrix_error(m):
    return m.expm(np.ones((2, 3), np.float32))


@pytest.mark.parametrize("call,kind,match", [
    (lambda m: m.solve_triangular(np.ones((2, 3), np.float32), np.ones(2, np.float32)),
     ValueError, r"inconsistent size for core dimension"),
    (lambda m: m.solve_triangular(np.eye(3, dtype=np.float32), np.ones(3, np.float32),
                                  trans=3), ValueError, r"solve_triangular: invalid 'trans'"),
    (_square_matrix_error, ValueError, r"expm: expected A to be a \(batched\) square matrix"),
    (lambda m: m.expm(np.ones(3, np.float32)), ValueError, r"expm: expected A"),
    (lambda m: m.expm_frechet(np.eye(3, dtype=np.float32), np.eye(2, dtype=np.float32)),
     ValueError, r"expm_frechet: expected A and E to be the same shape"),
    (lambda m: m.solve(np.ones((2, 3), np.float32), np.ones(2, np.float32), assume_a="pos"),
     ValueError, r"solve: expected a of shape \[..., m, m\]"),
    (lambda m: m.solve(np.eye(2, dtype=np.float32), np.ones(2, np.float32), assume_a="x"),
     ValueError, r"solve: expected assume_a to be one of"),
    (lambda m: m.eigh(np.ones((2, 3), np.float32)), TypeError, r"eigh: expected square"),
    (lambda m: m.eigh(np.eye(2, dtype=np.float32), np.eye(2, dtype=np.float32)),
     NotImplementedError, r"eigh: only the standard eigenproblem"),
    (lambda m: m.svd(np.ones(3, np.float32)), TypeError, r"svd: expected x to be a matrix"),
    (lambda m: m.qr(np.eye(2, dtype=np.float32), mode="raw"), ValueError,
     r"qr: unsupported QR decomposition mode 'raw'"),
    (lambda m: m.qr_multiply(np.eye(3, dtype=np.float32), np.ones(2, np.float32)),
     ValueError, r"qr_multiply: shapes are not compatible for c @ q"),
    (lambda m: m.schur(np.eye(2, dtype=np.float32), output="x"), ValueError,
     r"schur: expected 'output' to be either 'real' or 'complex'"),
    (lambda m: m.lu(np.ones((2, 3, 3), np.float32)), ValueError, r"lu: expected one matrix"),
    (lambda m: m.lu(np.ones(3, np.float32)), TypeError, r"lu: expected x to be a matrix"),
    (lambda m: m.det(np.ones((2, 3), np.float32)), ValueError, r"det: expected a square"),
    (lambda m: m.rsf2csf(np.ones((2, 3), np.float32), np.eye(2, dtype=np.float32)),
     ValueError, r"rsf2csf: input 'T' must be square"),
    (lambda m: m.sqrtm(np.eye(2, dtype=np.float32), blocksize=2), NotImplementedError,
     r"sqrtm: the blocked version"),
    (lambda m: m.polar(np.ones(3, np.float32)), ValueError, r"polar: the input `a` must be"),
    (lambda m: m.polar(np.ones((3, 3), np.float32), side="left"), NotImplementedError,
     r"polar: method='qdwh' takes"),
    (lambda m: m.funm(np.ones((2, 3), np.float32), np.exp), ValueError,
     r"funm: expected a square matrix"),
    (lambda m: m.solve_sylvester(np.eye(3, dtype=np.float32), np.eye(2, dtype=np.float32),
                                 np.ones((2, 2), np.float32)), ValueError,
     r"solve_sylvester: incompatible shapes"),
    (lambda m: m.eigh_tridiagonal(np.ones(3, np.int32), np.ones(2, np.int32)), TypeError,
     r"eigh_tridiagonal: only float32, float64, complex64 and complex128"),
    (lambda m: m.eigh_tridiagonal(np.ones(3, np.float32), np.ones(2, np.float32),
                                  select="v"), NotImplementedError, r"select='v'"),
])
def test_bad_input_raises_as_jax(call, kind, match):
    with pytest.raises(kind, match=match):
        call(zsl)
    with pytest.raises(kind):
        call(jsl)


def test_errors_name_the_function_and_point_at_the_caller():
    with pytest.raises(ValueError, match=r"(?s)expm: .*A.shape=\(2, 3\).*test_scipy_linalg.py"):
        _square_matrix_error(zsl)


def _run_docstring_examples(name):
    module = importlib.import_module(f"zenax.lax.scipy.{name}")
    results = doctest.testmod(module, extraglobs={"jnp": znp, "zenax": zenax})
    assert results.attempted > 0 and results.failed == 0, name


def test_docstring_examples_run():
    for name in ("linalg", "linalg_solvers"):
        _run_docstring_examples(name)


@pytest.mark.exhaustive   # a compile per example, some of them iterative
def test_docstring_examples_of_decompositions_and_functions_run():
    for name in ("linalg_decompositions", "linalg_tridiagonal", "linalg_matrix_functions"):
        _run_docstring_examples(name)
