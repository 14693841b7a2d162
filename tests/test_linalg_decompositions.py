"""``zenax.lax.linalg``'s decompositions (``eigh``, ``svd``, ``qr``, ``eig``, ``geqrf``,
``householder_product``) against ``jax.lax.linalg``: values eagerly and under ``jit``
(the same LAPACK calls, so even eigenvectors agree), every flag, batch dimensions,
complex dtypes and weak types; ``jvp``/``vjp`` against JAX's (``typecheck_jaxpr`` on the
transformed programs); ``vmap`` on an inner axis against ``jax.vmap``; finite differences
to second order in float64; and the errors, of JAX's kinds.
"""
import doctest

import jax
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import lax
from zenax.lax import linalg_decompositions
from zenax.test_util import check_grads

from oracle import assert_same

jlinalg = jax.lax.linalg
linalg = lax.linalg
rng = np.random.RandomState(0)

# The decompositions are LAPACK's on both sides; derivatives differ in rounding only
# (eigenvector tangents are divided by eigenvalue gaps, hence the looser float32 budget).
TOL = {"float32": (2e-5, 2e-5), "complex64": (2e-5, 2e-5)}
DERIV_TOL = {"float32": (2e-4, 2e-4), "complex64": (2e-4, 2e-4)}


def randn(shape, dtype=np.float32):
    x = rng.randn(*shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.randn(*shape)
    return x.astype(dtype)


def typechecks(f, *args):
    zenax.typecheck_jaxpr(zenax.make_jaxpr(f)(*args))


# name -> (zenax function, JAX function) of one operand, covering every flag.
def _both(name, **params):
    return getattr(linalg, name), getattr(jlinalg, name), params


FLAGS = {
    "eigh": _both("eigh"),
    "eigh_upper_unsymmetrized": _both("eigh", lower=False, symmetrize_input=False),
    "svd": _both("svd"),
    "svd_reduced": _both("svd", full_matrices=False),
    "svd_values": _both("svd", compute_uv=False),
    "qr": _both("qr"),
    "qr_reduced": _both("qr", full_matrices=False),
    "qr_pivoting": _both("qr", pivoting=True, full_matrices=False),
    "eig": _both("eig"),
    "eig_right": _both("eig", compute_left_eigenvectors=False),
    "eig_values": _both("eig", compute_left_eigenvectors=False,
                        compute_right_eigenvectors=False),
}
SQUARE = ("eigh", "eig")


def _operand(name, dtype, batch=(2,)):
    shape = batch + ((3, 3) if name.startswith(SQUARE) else (4, 3))
    return randn(shape, dtype)


# ## Values against jax.lax.linalg

@pytest.mark.parametrize("name", FLAGS)
def test_values_eager_and_jit(name):
    f, jf, params = FLAGS[name]
    for dtype in (np.float32, np.complex64):
        x = _operand(name, dtype)
        expected = jf(x, **params)
        assert_same(f(x, **params), expected, tol=TOL)
        assert_same(zenax.jit(lambda x: f(x, **params))(x), expected, tol=TOL)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (2, 3, 3)])
def test_qr_and_svd_shapes(shape):
    x = randn(shape)
    for full in (True, False):
        assert_same(linalg.qr(x, full_matrices=full), jlinalg.qr(x, full_matrices=full),
                    tol=TOL)
        assert_same(linalg.svd(x, full_matrices=full), jlinalg.svd(x, full_matrices=full),
                    tol=TOL)
    assert_same(linalg.qr(x, pivoting=True), jlinalg.qr(x, pivoting=True), tol=TOL)


def test_geqrf_householder_product_and_ormqr():
    for shape in ((4, 3), (2, 3, 3)):
        x = randn(shape)
        h, taus = linalg.geqrf(x)
        expected_h, expected_taus = jax.numpy.linalg.qr(x, mode="raw")
        assert_same((h, taus), (np.swapaxes(expected_h, -1, -2), expected_taus), tol=TOL)
        assert_same(linalg.householder_product(h, taus),
                    jlinalg.householder_product(h, taus), tol=TOL)
        assert_same(linalg.householder_product(h, taus), jlinalg.qr(x, full_matrices=False)[0],
                    tol=TOL)
        m = shape[-2]
        for left, c in ((True, randn(shape[:-2] + (m, 2))), (False, randn(shape[:-2] + (2, m)))):
            for transpose in (False, True):
                params = dict(left=left, transpose=transpose)
                assert_same(linalg.ormqr(h, taus, c, **params),
                            jlinalg.ormqr(h, taus, c, **params), tol=TOL)


def test_weak_types_propagate_as_in_jax():
    # eigh with symmetrize_input=False: linalg_family.symmetrize's constant is strong.
    weak = jax.ShapeDtypeStruct((3, 3), np.float32, weak_type=True)
    make_weak = lambda x: lax._convert_element_type(x, np.float32, weak_type=True)
    for name in ("eigh_upper_unsymmetrized", "svd", "qr", "eig", "qr_pivoting"):
        f, jf, params = FLAGS[name]
        jaxpr = zenax.make_jaxpr(lambda x: f(make_weak(x), **params))(randn((3, 3)))
        expected = jax.tree.leaves(jax.eval_shape(lambda x: jf(x, **params), weak))
        assert [(a.dtype, a.weak_type) for a in jaxpr.out_avals] == \
               [(e.dtype, e.weak_type) for e in expected], name


def test_reconstructions():
    x = randn((2, 4, 3), np.complex64)
    u, s, vh = linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose(u @ (s[..., None] * vh), x, atol=1e-5)
    q, r = linalg.qr(x)
    np.testing.assert_allclose(q @ r, x, atol=1e-5)
    q, r, p = linalg.qr(x, pivoting=True)
    np.testing.assert_allclose(q @ r, np.take_along_axis(x, p[:, None, :], -1), atol=1e-5)
    a = randn((3, 3), np.complex64)
    hermitian = a + a.conj().T
    v, w = linalg.eigh(hermitian)
    np.testing.assert_allclose(v @ np.diag(w) @ v.conj().T, hermitian, atol=1e-5)
    w, vl, vr = linalg.eig(a)
    np.testing.assert_allclose(a @ vr, vr * w, atol=1e-5)
    np.testing.assert_allclose(vl.conj().T @ a, w[:, None] * vl.conj().T, atol=1e-5)


# ## Derivatives against JAX's

DIFFERENTIABLE = {
    "eigh": _both("eigh"),
    "eigh_upper_unsymmetrized": _both("eigh", lower=False, symmetrize_input=False),
    "svd_reduced_tall": _both("svd", full_matrices=False),
    "svd_square_full": _both("svd"),
    "svd_values_wide": _both("svd", compute_uv=False),
    "qr_reduced_tall": _both("qr", full_matrices=False),
    "qr_complete_tall": _both("qr"),
    "qr_wide": _both("qr"),
    "qr_pivoting_tall": _both("qr", pivoting=True),
    "eig_values": _both("eig", compute_left_eigenvectors=False,
                        compute_right_eigenvectors=False),
    "eig_vectors": _both("eig", enable_eigvec_derivs=True),
}
SHAPES = {"svd_reduced_tall": (2, 4, 3), "svd_values_wide": (2, 3, 4),
          "qr_reduced_tall": (2, 4, 3), "qr_complete_tall": (2, 4, 3), "qr_wide": (2, 3, 5),
          "qr_pivoting_tall": (4, 3)}


def _without_permutation(f, name):
    # The permutation of pivoted QR is an integer output (a float0 tangent).
    return (lambda x: f(x)[:2]) if "pivoting" in name else f


# Complex operands for the rules with complex-specific terms (conjugates, phases).
COMPLEX_CASES = ("eigh", "svd_reduced_tall", "qr_complete_tall", "qr_wide", "eig_vectors")


@pytest.mark.parametrize("name,dtype", [(n, "float32") for n in DIFFERENTIABLE]
                         + [(n, "complex64") for n in COMPLEX_CASES])
def test_jvp_and_vjp_match_jax(name, dtype):
    f, jf, params = DIFFERENTIABLE[name]
    # JAX's pivoted rule indexes with the permutation as if unbatched: one matrix there.
    shape = SHAPES.get(name, (2, 3, 3))
    x, t = randn(shape, dtype), randn(shape, dtype)
    if name.startswith("eigh_upper"):     # unsymmetrized: a Hermitian point and direction
        x, t = x + np.conj(np.swapaxes(x, -1, -2)), t + np.conj(np.swapaxes(t, -1, -2))
    zf = _without_permutation(lambda x: f(x, **params), name)
    jf_ = _without_permutation(lambda x: jf(x, **params), name)
    # Under jit: one compile per program, not one per small op of the rules.
    jvp = lambda x, t: zenax.jvp(zf, (x,), (t,))
    assert_same(zenax.jit(jvp)(x, t), jax.jvp(jf_, (x,), (t,)), tol=DERIV_TOL)
    expected, jf_vjp = jax.vjp(jf_, x)
    cts = jax.tree.map(lambda e: randn(e.shape, e.dtype), expected)
    vjp = lambda x, cts: (lambda out, f_vjp: (out, f_vjp(cts)))(*zenax.vjp(zf, x))
    assert_same(zenax.jit(vjp)(x, cts), (expected, jf_vjp(cts)), tol=DERIV_TOL)
    typechecks(jvp, x, t)
    typechecks(vjp, x, cts)


def test_left_eigenvector_derivatives_match_jax():
    x, t = randn((3, 3)), randn((3, 3))
    for left, right in ((True, False), (False, True)):
        params = dict(compute_left_eigenvectors=left, compute_right_eigenvectors=right,
                      enable_eigvec_derivs=True)
        assert_same(zenax.jvp(lambda x: linalg.eig(x, **params), (x,), (t,)),
                    jax.jvp(lambda x: jlinalg.eig(x, **params), (x,), (t,)), tol=DERIV_TOL)


@pytest.mark.exhaustive   # float64 finite differences: in the full run (-m '')
def test_check_grads_float64(x64):
    sym = lambda x: x + x.T
    a = randn((3, 3), np.float64)
    # Gauge-invariant functions of the decompositions, to second order.
    check_grads(lambda x: linalg.eigh(x)[1], (a,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: linalg.svd(x, compute_uv=False), (randn((4, 3), np.float64),),
                order=2, modes=("fwd", "rev"))
    check_grads(lambda x: jnp.real(linalg.eig(x, compute_left_eigenvectors=False,
                                              compute_right_eigenvectors=False)[0]),
                (sym(a),), order=1, modes=("fwd", "rev"))
    # The factors themselves, fixed by the libraries' sign conventions.
    check_grads(lambda x: linalg.eigh(x)[0], (a,), order=1, modes=("fwd", "rev"))
    for shape, full in (((4, 3), False), ((4, 3), True), ((3, 5), True)):
        check_grads(lambda x: linalg.qr(x, full_matrices=full), (randn(shape, np.float64),),
                    order=2, modes=("fwd", "rev"))
    check_grads(lambda x: linalg.svd(x, full_matrices=False), (randn((3, 4), np.float64),),
                order=1, modes=("fwd", "rev"))
    # Pivoting with batch dimensions (where JAX's rule does not apply).
    check_grads(lambda x: linalg.qr(x, pivoting=True)[:2], (randn((2, 4, 3), np.float64),),
                order=1, modes=("fwd", "rev"))


def test_pivoted_wide_qr_derivative_matches_finite_differences(x64):
    """The tangent of ``r = q^H x[:, p]`` for a wide matrix reads the *permuted* columns
    (JAX 0.10's rule reads the unpermuted ones; finite differences side with zenax)."""
    x = randn((3, 5), np.float64) * np.arange(1, 6)      # columns get reordered
    assert not np.array_equal(jlinalg.qr(x, pivoting=True)[2], np.arange(5))
    check_grads(lambda x: linalg.qr(x, pivoting=True)[:2], (x,), order=1,
                modes=("fwd", "rev"))


# ## vmap against jax.vmap

@pytest.mark.parametrize("name", ["eigh", "svd_reduced", "qr_pivoting", "eig_right"])
def test_vmap_on_an_inner_axis(name):
    f, jf, params = FLAGS[name]
    x = np.moveaxis(_operand(name, np.float32, batch=(3, 2)), 0, 2)   # mapped axis 2
    assert_same(zenax.vmap(lambda x: f(x, **params), in_axes=2)(x),
                jax.vmap(lambda x: jf(x, **params), in_axes=2)(x), tol=TOL)


def test_reflector_products_vmap_some_operands_mapped():
    h, taus = linalg.geqrf(randn((4, 3)))
    hs, cs = np.stack([h, 2 * h, h - 1]), randn((3, 4, 2))
    assert_same(zenax.vmap(linalg.householder_product, (0, None))(hs, taus),
                jax.vmap(jlinalg.householder_product, (0, None))(hs, taus), tol=TOL)
    assert_same(zenax.vmap(linalg.ormqr, (None, None, 0))(h, taus, cs),
                jax.vmap(jlinalg.ormqr, (None, None, 0))(h, taus, cs), tol=TOL)


# ## Errors

@pytest.mark.parametrize("call,kind,match", [
    (lambda m: m.eigh(np.ones((2, 3), np.float32), symmetrize_input=False), ValueError,
     r"eigh: expected a square matrix in the last two axes of x, got shape \(2, 3\)"),
    (lambda m: m.eig(np.ones((2, 3), np.float32)), ValueError,
     r"eig: expected a square matrix"),
    (lambda m: m.svd(np.ones(3, np.float32)), TypeError,
     r"svd: expected x to be a matrix or a batch of matrices"),
    (lambda m: m.qr(np.ones((3, 3), np.int32)), TypeError,
     r"qr: x has dtype int32; expected float32"),
    (lambda m: m.eigh(np.eye(3, dtype=np.int32), symmetrize_input=False), TypeError,
     r"eigh: x has dtype int32"),
    (lambda m: m.svd(np.ones((2, 3), np.float32), subset_by_index=(0, 1)), ValueError,
     r"full_matrices and subset_by_index cannot both be set"),
    (lambda m: m.householder_product(np.ones((3, 4), np.float32), np.ones(2, np.float32)),
     ValueError, r"householder_product: a must have at least as many rows as columns"),
    (lambda m: m.ormqr(np.ones((4, 3), np.float32), np.ones(3, np.float32),
                       np.ones((3, 2), np.float32)),
     ValueError, r"ormqr: with left=True, c must have as many rows as a has rows \(4\)"),
], ids=["eigh_not_square", "eig_not_square", "svd_rank_1", "qr_int", "eigh_int",
        "svd_subset_and_full", "householder_wide", "ormqr_rows"])
def test_errors_of_jax_kinds(call, kind, match):
    with pytest.raises(kind, match=match):
        call(linalg)
    with pytest.raises(kind):
        call(jlinalg)


@pytest.mark.parametrize("name", ["eigh", "cholesky"])
def test_symmetrized_integer_input_is_promoted_as_jax(name):
    # (x + x^H) / 2 is a true division: JAX accepts integer matrices when it symmetrizes.
    x = np.array([[4, 1], [1, 3]], np.int32)
    got, want = getattr(linalg, name)(x), getattr(jlinalg, name)(x)
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        assert g.dtype == w.dtype
        np.testing.assert_allclose(np.abs(g), np.abs(w), rtol=1e-6, atol=1e-6)


def test_what_jax_cannot_differentiate_or_compute_raises_not_implemented():
    x = randn((3, 3))
    wide = randn((3, 4))
    for m in (linalg, jlinalg):
        with pytest.raises(NotImplementedError):     # eigenvectors without the opt-in
            jax.tree.map(np.asarray, (zenax if m is linalg else jax).jvp(
                lambda x: m.eig(x, compute_left_eigenvectors=False), (x,), (x,)))
        with pytest.raises(NotImplementedError):     # full u, vh of a non-square matrix
            (zenax if m is linalg else jax).jvp(m.svd, (wide,), (wide,))
        with pytest.raises(NotImplementedError):     # a partial decomposition on CPU
            m.eigh(x, subset_by_index=(0, 1))
    with pytest.raises(NotImplementedError, match="enable_eigvec_derivs"):
        zenax.jvp(linalg.eig, (x,), (x,))
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        zenax.jvp(linalg.svd, (wide,), (wide,))


def test_docstring_examples_run():
    results = doctest.testmod(linalg_decompositions, extraglobs={"lax": lax, "jnp": jnp})
    assert results.attempted > 0 and results.failed == 0
