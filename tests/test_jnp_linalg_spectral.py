"""zenax.numpy.linalg's decompositions and what is built on them (eigh, eigvalsh, eig,
eigvals, svd, svdvals, qr, pinv, lstsq, matrix_rank, cond) against jax.numpy.linalg: the
spec rows (eagerly, under jit, jvp/vjp and vmap; the decompositions are the same LAPACK
calls, so even eigenvectors compare directly), then every keyword, NumPy, finite
differences of the gauge-invariant functions, namedtuple results and bad input."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.test_util import check_grads
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import spec_tests
from jnp_spec_table import _wrapped
from oracle import assert_same
from spec import Arg, Case, c64, f32


def _linalg(fun_name, as_tuple):
    """``<numpy>.linalg.<fun_name>``; namedtuple results as plain tuples (the classes
    differ between the libraries)."""
    def wrap(m):
        fun = getattr(m.linalg, fun_name)
        if as_tuple:
            return lambda *operands, **params: tuple(fun(*operands, **params))
        return fun
    return wrap


def _row(label, fun_name, cases, dtypes=(f32, c64), as_tuple=False, differentiable=True,
         **kw):
    # Named "linalg.<name>[/...]": the table checks that both numpy modules have it.
    return _wrapped(f"linalg.{label}", _linalg(fun_name, as_tuple), cases, dtypes,
                    differentiable=differentiable, **kw)


def _one(shape, params=None, label=""):
    return Case((Arg(shape),), params or {}, label=label)


# Eigenvector and singular-vector tangents are divided by eigenvalue gaps: some slack.
VECTOR_TOL = {"float32": (1e-4, 1e-4), "complex64": (1e-4, 1e-4)}

SPECS = [
    _row("eigh", "eigh", (
        _one((3, 3)),
        _one((2, 3, 3), {"UPLO": "U", "symmetrize_input": False}, "upper"),
    ), as_tuple=True, tol=VECTOR_TOL),
    _row("eigvalsh", "eigvalsh", (_one((3, 3)), _one((2, 3, 3), {"UPLO": "U"}, "upper"))),
    _row("eig", "eig", (_one((3, 3)), _one((2, 3, 3))), as_tuple=True, differentiable=False),
    _row("eigvals", "eigvals", (_one((3, 3)), _one((2, 3, 3)))),
    _row("svd", "svd", (
        _one((4, 3), {"full_matrices": False}),
        _one((2, 3, 4), {"full_matrices": False}),
        _one((3, 3), {}, "full"),
        _one((3, 3), {"hermitian": True}, "hermitian"),
    ), as_tuple=True, tol=VECTOR_TOL),
    _row("svd/values", "svd", (
        _one((2, 3, 4), {"compute_uv": False}),
        _one((3, 3), {"compute_uv": False, "hermitian": True}, "hermitian"),
    )),
    _row("svdvals", "svdvals", (_one((4, 3)),)),
    _row("qr", "qr", (
        _one((4, 3)),
        _one((2, 3, 4), {"mode": "complete"}),
        _one((4, 3), {"mode": "complete"}, "complete_tall"),
    ), as_tuple=True, tol=VECTOR_TOL),
    _row("qr/r", "qr", (_one((4, 3), {"mode": "r"}),)),
    _row("qr/raw", "qr", (_one((4, 3), {"mode": "raw"}),), as_tuple=True,
         differentiable=False),
    _row("pinv", "pinv", (
        _one((3, 2)),
        _one((2, 2, 3)),
        _one((3, 3), {"hermitian": True}, "hermitian"),
        _one((3, 3), {"rtol": 0.5}, "rtol"),
    )),
    _row("lstsq", "lstsq", (
        Case((Arg((4, 3)), Arg((4,)))),
        Case((Arg((4, 3)), Arg((4, 2))), {"rcond": 0.1}),
    ), as_tuple=True),
    _row("matrix_rank", "matrix_rank", (
        _one((3, 3)),
        _one((2, 4, 3), {"tol": 2.0}, "tol"),
    ), differentiable=False),
    _row("cond", "cond", (
        _one((3, 3)),
        _one((2, 3, 3), {"p": 1}, "p1"),
        _one((3, 3), {"p": "fro"}, "fro"),
        _one((3, 3), {"p": -2}, "p_minus_2"),
    )),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


A = randn(3, 3)
TALL = randn(4, 3)
COMPLEX = randn(3, 3, dtype=np.complex64)
INT = np.array([[2, 1, 0], [1, 3, 1], [0, 1, 4]], np.int32)
TOL = {"float32": (2e-5, 2e-5), "complex64": (2e-5, 2e-5)}


def _same(fun, *args, tol=TOL, **kwargs):
    """``fun(zenax.numpy)`` and ``fun(jax.numpy)`` agree on ``args`` (namedtuples as
    tuples)."""
    out, expected = fun(znp)(*args, **kwargs), fun(jnp)(*args, **kwargs)
    if isinstance(expected, tuple):
        out, expected = tuple(out), tuple(expected)
    assert_same(out, expected, tol=tol)


# ## Keywords and conventions

def test_results_are_namedtuples_with_jax_field_names():
    for fun in (lambda m: m.linalg.eigh(A), lambda m: m.linalg.eig(A),
                lambda m: m.linalg.svd(A), lambda m: m.linalg.qr(A),
                lambda m: m.linalg.qr(A, mode="raw"), lambda m: m.linalg.svd(A, hermitian=True)):
        ours, theirs = fun(znp), fun(jnp)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours._fields == theirs._fields


def test_integer_and_complex_inputs_promote_as_in_jax():
    for name in ("eigvalsh", "eigvals", "svdvals", "pinv", "matrix_rank", "cond"):
        _same(lambda m: getattr(m.linalg, name), INT)
    _same(lambda m: m.linalg.eigh, INT)
    _same(lambda m: m.linalg.qr, INT, mode="complete")
    _same(lambda m: m.linalg.lstsq, INT, np.array([1, 2, 3], np.int32))
    _same(lambda m: m.linalg.eigh, COMPLEX, UPLO="U", symmetrize_input=False)
    _same(lambda m: m.linalg.svd, COMPLEX, hermitian=True)


def test_eigh_uplo_reads_one_triangle_without_symmetrizing():
    lower_only = np.tril(A) + np.triu(randn(3, 3), 1) * 100
    for uplo, x in (("L", lower_only), (None, lower_only), ("U", lower_only.T)):
        _same(lambda m: m.linalg.eigh, x, UPLO=uplo, symmetrize_input=False)
        _same(lambda m: m.linalg.eigvalsh, x, UPLO=uplo, symmetrize_input=False)


def test_qr_modes():
    for mode in ("reduced", "complete", "r", "raw", "full"):
        for x in (TALL, TALL.T, randn(2, 3, 3)):
            _same(lambda m: m.linalg.qr, x, mode=mode)


def test_svd_keywords():
    for x in (TALL, TALL.T, randn(2, 3, 4, dtype=np.complex64)):
        for full in (True, False):
            _same(lambda m: m.linalg.svd, x, full, compute_uv=True)     # positional too
            _same(lambda m: m.linalg.svd, x, full_matrices=full, compute_uv=False)
    sym = A + A.T
    _same(lambda m: m.linalg.svd, sym, hermitian=True)
    _same(lambda m: m.linalg.svd, sym, compute_uv=False, hermitian=True)


def test_pinv_keywords():
    batch = randn(2, 3, 3)
    _same(lambda m: m.linalg.pinv, batch, rtol=np.array([0.1, 0.9], np.float32))
    _same(lambda m: m.linalg.pinv, A, rcond=0.5)
    _same(lambda m: m.linalg.pinv, A + A.T, hermitian=True)
    _same(lambda m: m.linalg.pinv, np.zeros((0, 3), np.float32))
    _same(lambda m: m.linalg.pinv, np.zeros((2, 3), np.float32))        # all cut off


def test_matrix_rank_keywords():
    low_rank = TALL @ np.diag([1, 1, 0]).astype(np.float32) @ A
    _same(lambda m: m.linalg.matrix_rank, low_rank)
    _same(lambda m: m.linalg.matrix_rank, low_rank, rtol=1.0)
    _same(lambda m: m.linalg.matrix_rank, low_rank, tol=np.float32(1.0))
    _same(lambda m: m.linalg.matrix_rank, A + A.T, hermitian=True)
    _same(lambda m: m.linalg.matrix_rank, np.array([0., 1.], np.float32))   # 1-D: any != 0
    _same(lambda m: m.linalg.matrix_rank, np.float32(0))


def test_lstsq_keywords():
    b = randn(4, 2)
    _same(lambda m: m.linalg.lstsq, TALL, b, rcond=-1.0)
    _same(lambda m: m.linalg.lstsq, TALL, b[:, 0], numpy_resid=True)
    _same(lambda m: m.linalg.lstsq, TALL.T, b[:3], numpy_resid=True)      # m <= n: no resid
    _same(lambda m: m.linalg.lstsq, np.zeros((0, 3), np.float32), np.zeros((0, 2), np.float32))
    _same(lambda m: m.linalg.lstsq, randn(3, 3, dtype=np.complex64),
          randn(3, dtype=np.complex64))


def test_lstsq_numpy_resid_needs_a_concrete_rank():
    f = lambda m: lambda a, b: m.linalg.lstsq(a, b, numpy_resid=True)
    with pytest.raises(ConcretizationTypeError):
        zenax.jit(f(znp))(TALL, TALL[:, 0])
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(f(jnp))(TALL, TALL[:, 0])


def test_cond_every_order_and_singular_matrices():
    for p in (None, 2, -2, 1, -1, np.inf, -np.inf, "fro"):
        _same(lambda m: m.linalg.cond, randn(2, 3, 3), p)
    _same(lambda m: m.linalg.cond, TALL)                               # p=2: any shape
    singular = np.array([[1., 2.], [0., 0.]], np.float32)
    for p in (None, 1, "fro"):
        assert np.isinf(znp.linalg.cond(singular, p))
        _same(lambda m: m.linalg.cond, singular, p)
    with_nan = np.array([[1., np.nan], [0., 1.]], np.float32)
    _same(lambda m: m.linalg.cond, with_nan, 1)                        # NaN stays NaN


def test_eig_eigenvalues_of_a_rotation_are_complex():
    rotation = np.array([[0., -1.], [1., 0.]], np.float32)
    _same(lambda m: m.linalg.eig, rotation)
    _same(lambda m: m.linalg.eigvals, rotation)


# ## NumPy

def test_values_match_numpy():
    x = randn(4, 3)
    sym = A + A.T
    np.testing.assert_allclose(znp.linalg.eigvalsh(sym), np.linalg.eigvalsh(sym), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(znp.linalg.svdvals(x), np.linalg.svd(x, compute_uv=False),
                               rtol=1e-5)
    np.testing.assert_allclose(znp.linalg.pinv(x), np.linalg.pinv(x), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(znp.linalg.cond(A), np.linalg.cond(A), rtol=1e-4)
    np.testing.assert_allclose(znp.linalg.cond(A, 1), np.linalg.cond(A, 1), rtol=1e-4)
    assert znp.linalg.matrix_rank(x @ x.T) == np.linalg.matrix_rank(x @ x.T)
    b = randn(4)
    for ours, theirs in zip(znp.linalg.lstsq(x, b), np.linalg.lstsq(x, b, rcond=None)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.sort_complex(np.asarray(znp.linalg.eigvals(A))),
                               np.sort_complex(np.linalg.eigvals(A)), rtol=1e-5, atol=1e-5)


def test_decompositions_reconstruct_their_input():
    x = randn(2, 4, 3, dtype=np.complex64)
    u, s, vh = znp.linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose(u @ (s[..., None] * vh), x, atol=1e-5)
    q, r = znp.linalg.qr(x, mode="complete")
    np.testing.assert_allclose(q @ r, x, atol=1e-5)
    w, v = znp.linalg.eigh(COMPLEX + COMPLEX.conj().T)
    np.testing.assert_allclose((v * w[None, :]) @ v.conj().T, COMPLEX + COMPLEX.conj().T,
                               atol=1e-5)
    w, v = znp.linalg.eig(A)
    np.testing.assert_allclose(A @ v, v * w, atol=1e-5)


# ## Finite differences of gauge-invariant functions (float64)

@pytest.mark.exhaustive   # float64 finite differences: in the full run (-m '')
def test_finite_differences(x64):
    a, tall, wide = randn(3, 3, dtype=np.float64), randn(4, 3, dtype=np.float64), \
        randn(2, 4, dtype=np.float64)
    modes = ("fwd", "rev")
    check_grads(znp.linalg.eigvalsh, (a,), order=2, modes=modes)
    check_grads(znp.linalg.svdvals, (tall,), order=2, modes=modes)
    check_grads(znp.linalg.pinv, (tall,), order=1, modes=modes)
    check_grads(znp.linalg.pinv, (wide,), order=1, modes=modes)
    check_grads(lambda x: znp.linalg.pinv(x, hermitian=True), (a,), order=1, modes=modes)
    check_grads(lambda x: znp.linalg.cond(x, 1), (a,), order=1, modes=modes)
    check_grads(lambda x: znp.linalg.lstsq(x, tall[:, 0])[0], (tall,), order=1, modes=modes)
    # Reconstructions from the factors do not depend on their signs or phases.
    check_grads(lambda x: (lambda w, v: (v * w) @ v.T)(*znp.linalg.eigh(x)), (a,), order=1,
                modes=modes)
    check_grads(lambda x: (lambda u, s, vh: u @ (s[:, None] * vh))(
        *znp.linalg.svd(x, full_matrices=False)), (tall,), order=1, modes=modes)
    check_grads(lambda x: (lambda q, r: q @ r)(*znp.linalg.qr(x, mode="complete")), (tall,),
                order=1, modes=modes)
    check_grads(lambda x: znp.real(znp.linalg.eigvals(x)), (a + a.T,), order=1, modes=modes)


def test_pinv_derivative_matches_jax_in_each_regime():
    """Golub-Pereyra's formula, in both multiplication orders, and with a cut-off singular
    value (where differentiating through the SVD would divide by zero)."""
    low_rank = TALL @ np.diag([1, 1, 0]).astype(np.float32)
    for x in (TALL, TALL.T, low_rank):
        t = randn(*x.shape)
        assert_same(zenax.jvp(znp.linalg.pinv, (x,), (t,)),
                    jax.jvp(jnp.linalg.pinv, (x,), (t,)), tol={"float32": (1e-4, 1e-4)})


# ## Bad input

@pytest.mark.parametrize("call,kind,match", [
    (lambda m: m.linalg.eigh([[1., 0.], [0., 1.]]), TypeError,
     "eigh requires ndarray or scalar arguments"),
    (lambda m: m.linalg.eigh(A, UPLO="X"), ValueError, "UPLO must be one of"),
    (lambda m: m.linalg.svd(np.ones(3, np.float32)), TypeError, "svd: expected x to be a matrix"),
    (lambda m: m.linalg.qr(A, mode="economic"), ValueError,
     "Unsupported QR decomposition mode 'economic'"),
    (lambda m: m.linalg.eig(TALL), ValueError, "eig: expected a square matrix"),
    (lambda m: m.linalg.eigvals(np.ones((2, 3), np.float16)), ValueError,
     "eig: expected a square matrix"),
    (lambda m: m.linalg.pinv(A, rtol=0.1, rcond=0.1), ValueError,
     "pinv: only one of rtol and rcond"),
    (lambda m: m.linalg.pinv(np.ones(3, np.float32)), ValueError, "pinv: a must be a matrix"),
    (lambda m: m.linalg.matrix_rank(A, rtol=0.1, tol=0.1), ValueError,
     "matrix_rank: only one of tol or rtol"),
    (lambda m: m.linalg.lstsq(TALL, np.ones(3, np.float32)), ValueError,
     "lstsq: the leading dimensions of a and b must match"),
    (lambda m: m.linalg.lstsq(np.ones((4, 3, 2), np.float32), np.ones(4, np.float32)),
     TypeError, "lstsq: a must be two-dimensional"),
    (lambda m: m.linalg.lstsq(TALL, np.ones((4, 2, 2), np.float32)), TypeError,
     "lstsq: b must be one- or two-dimensional"),
    (lambda m: m.linalg.cond(np.ones(3, np.float32)), ValueError,
     "cond: x must be at least two-dimensional"),
    (lambda m: m.linalg.cond(np.ones((0, 0), np.float32)), ValueError,
     "cond: x must not be empty"),
    (lambda m: m.linalg.cond(TALL, p=1), ValueError, "cond: for p=1, x must be square"),
], ids=["eigh_list", "eigh_uplo", "svd_rank_1", "qr_mode", "eig_not_square",
        "eigvals_not_square", "pinv_rtol_and_rcond", "pinv_rank_1", "matrix_rank_tol_and_rtol",
        "lstsq_rows", "lstsq_a_3d", "lstsq_b_3d", "cond_rank_1", "cond_empty",
        "cond_not_square"])
def test_errors_of_jax_kinds(call, kind, match):
    with pytest.raises(kind, match=match):
        call(znp)
    with pytest.raises(kind):
        call(jnp)


def test_errors_where_jax_raises_another_kind():
    """A non-square eigh: JAX's symmetrization trips over the shapes first (a TypeError
    from its ``add``); zenax checks the shape first, with the ValueError JAX's eigh raises
    without symmetrizing (as zenax's cholesky does)."""
    with pytest.raises(ValueError, match=r"eigh: expected a square matrix.*\(4, 3\)"):
        znp.linalg.eigh(TALL)
    with pytest.raises(TypeError):
        jnp.linalg.eigh(TALL)
    for m in (znp, jnp):
        with pytest.raises(ValueError):
            m.linalg.eigh(TALL, symmetrize_input=False)
