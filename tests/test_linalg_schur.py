"""The rest of ``jax.lax.linalg`` in ``zenax.lax.linalg``: the condensed-form primitives
``hessenberg``, ``schur`` and ``tridiagonal``, ``qdwh`` (a composition), and the
primitives ``symmetric_product_p`` and ``cholesky_update_p`` (``cholesky_update`` binds
the latter).

* every ``jax.lax.linalg`` name exists;
* values against ``jax.lax.linalg`` eagerly and under ``jit`` (the same LAPACK calls),
  batched, real and complex, every flag; weak types; the printed jaxprs;
* ``vmap`` on an inner axis against ``jax.vmap``;
* what JAX cannot differentiate raises ``NotImplementedError`` here too; where zenax
  differentiates more (``qdwh`` in reverse mode, the two structured primitives), against
  finite differences;
* bad input raises JAX's kind of error, naming the function.
"""
import doctest

import jax
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import lax
from zenax.lax import linalg_qdwh, linalg_schur
from zenax.test_util import check_grads

from oracle import assert_same

jlinalg = jax.lax.linalg
linalg = lax.linalg
rng = np.random.RandomState(0)
TOL = {"float32": (2e-5, 2e-5), "complex64": (2e-5, 2e-5)}


def randn(shape, dtype=np.float32):
    x = rng.randn(*shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.randn(*shape)
    return x.astype(dtype)


def hermitian(shape, dtype=np.float32):
    x = randn(shape, dtype)
    return x + np.conj(np.swapaxes(x, -1, -2))


def test_every_jax_lax_linalg_name_exists():
    names = [n for n in dir(jlinalg) if not n.startswith("_")]
    assert [n for n in names if not hasattr(linalg, n)] == []
    for name in ("hessenberg_p", "schur_p", "tridiagonal_p", "cholesky_update_p",
                 "symmetric_product_p"):
        assert isinstance(getattr(linalg, name), zenax.tracer.core.Primitive), name


# ## The condensed forms against jax.lax.linalg

CALLS = {
    "hessenberg": lambda m, x: m.hessenberg(x),
    "schur": lambda m, x: m.schur(x),
    "schur_values_only": lambda m, x: m.schur(x, compute_schur_vectors=False),
    "tridiagonal": lambda m, x: m.tridiagonal(x),
    "tridiagonal_upper": lambda m, x: m.tridiagonal(x, lower=False),
}


def test_values_eager_and_jit_match_jax():
    for name, call in CALLS.items():
        x = hermitian((2, 4, 4)) if name.startswith("tri") else randn((2, 4, 4))
        assert_same(call(linalg, x), call(jlinalg, x), tol=TOL, err_msg=name)
    for name in ("schur", "tridiagonal"):
        x = hermitian((2, 3, 3), np.complex64)
        expected = CALLS[name](jlinalg, x)
        assert_same(CALLS[name](linalg, x), expected, tol=TOL, err_msg=name)
        assert_same(zenax.jit(lambda x: CALLS[name](linalg, x))(x), expected, tol=TOL,
                    err_msg=f"{name} jit")


def test_decompositions_reconstruct_the_input():
    x = randn((3, 3), np.complex64)
    t, q = linalg.schur(x)
    np.testing.assert_allclose(q @ t @ np.conj(q.T), x, atol=1e-5)
    a_out, taus = linalg.hessenberg(x)
    q = np.eye(3, dtype=np.complex64)
    for i, tau in enumerate(np.asarray(taus)):     # H_i = I - tau v v^H, v[i + 1] = 1
        v = np.concatenate([np.zeros(i + 1), [1], np.asarray(a_out)[i + 2:, i]])
        q = q @ (np.eye(3) - tau * np.outer(v, np.conj(v)))
    np.testing.assert_allclose(q @ np.triu(a_out, -1) @ np.conj(q.T), x, atol=1e-5)
    a = hermitian((4, 4))
    _, d, e, _ = linalg.tridiagonal(a)
    t = np.diag(d) + np.diag(e, -1) + np.diag(e, 1)
    np.testing.assert_allclose(np.linalg.eigvalsh(t), np.linalg.eigvalsh(a), atol=1e-4)


def test_jaxprs_print_as_jax():
    x = randn((3, 3))
    for name, call in CALLS.items():
        assert str(zenax.make_jaxpr(lambda x: call(linalg, x))(x)) == \
            str(jax.make_jaxpr(lambda x: call(jlinalg, x))(x)), name


def test_weak_types_follow_jax():
    weak = jax.ShapeDtypeStruct((3, 3), np.float32, weak_type=True)
    make_weak = lambda x: lax._convert_element_type(x, np.float32, weak_type=True)
    for name, call in CALLS.items():
        out = zenax.make_jaxpr(lambda x: call(linalg, make_weak(x)))(randn((3, 3))).out_avals
        expected = jax.tree.leaves(jax.eval_shape(lambda x: call(jlinalg, x), weak))
        assert [(a.dtype, a.weak_type) for a in out] == \
               [(e.dtype, e.weak_type) for e in expected], name


@pytest.mark.parametrize("name", list(CALLS))
def test_vmap_on_an_inner_axis_matches_jax(name):
    call = CALLS[name]
    x = np.moveaxis(hermitian((2, 3, 3, 3)), 0, 2)      # batch axes 0 and 2
    assert_same(zenax.vmap(lambda x: call(linalg, x), in_axes=2)(x),
                jax.vmap(lambda x: call(jlinalg, x), in_axes=2)(x), tol=TOL)


def test_not_differentiable_as_in_jax():
    x = randn((3, 3))
    for name, call in CALLS.items():
        for jvp, m in ((zenax.jvp, linalg), (jax.jvp, jlinalg)):
            with pytest.raises(NotImplementedError):
                jax.block_until_ready(jvp(lambda x: call(m, x), (x,), (x,)))


@pytest.mark.parametrize("call,kind,match", [
    (lambda m: m.schur(np.ones(3, np.float32)), TypeError,
     r"schur: expected x to be a matrix or a batch of matrices"),
    (lambda m: m.schur(np.ones((2, 3), np.float32)), ValueError,
     r"schur: expected a square matrix in the last two axes of x, got shape \(2, 3\)"),
    (lambda m: m.hessenberg(np.ones((3, 3), np.int32)), TypeError,
     r"hessenberg: a has dtype int32"),
    (lambda m: m.tridiagonal(np.ones((0, 0), np.float32)), ValueError,
     r"tridiagonal: expected a non-empty square matrix"),
    (lambda m: m.schur(np.eye(3, dtype=np.float32), sort_eig_vals=True), NotImplementedError,
     r"sort"),
    (lambda m: m.qdwh(np.ones((2, 3), np.float32)), ValueError,
     r"qdwh: the input matrix of shape M x N must have M >= N"),
], ids=["schur_rank_1", "schur_not_square", "hessenberg_int", "tridiagonal_empty",
        "schur_sort", "qdwh_wide"])
def test_errors_of_jax_kinds(call, kind, match):
    with pytest.raises(kind, match=match):
        jax.block_until_ready(call(linalg))
    with pytest.raises(kind):
        jax.block_until_ready(call(jlinalg))


# ## qdwh

def test_qdwh_matches_jax():
    x = jnp.asarray(randn((5, 3)))      # a jax.Array: one compiled program, as JAX's
    u, h, num_iters, converged = expected = jlinalg.qdwh(x)
    assert_same(linalg.qdwh(x), expected, tol=TOL)
    np.testing.assert_allclose(u @ h, x, atol=1e-5)
    np.testing.assert_allclose(u.T @ u, np.eye(3), atol=1e-5)
    assert bool(converged) and 0 < int(num_iters) <= 10


@pytest.mark.exhaustive    # a compile per option; the CI tier runs the call above
@pytest.mark.parametrize("dtype,kwargs", [
    (np.complex64, {}), (np.float32, {"max_iterations": 2}), (np.float32, {"eps": 1e-3}),
    (np.float32, {"dynamic_shape": (4, 2)}), (np.float32, {"is_hermitian": True})])
def test_qdwh_options_match_jax(dtype, kwargs):
    x = jnp.asarray(randn((5, 3), dtype))
    assert_same(linalg.qdwh(x, **kwargs), jlinalg.qdwh(x, **kwargs), tol=TOL)


@pytest.mark.exhaustive   # float64 finite differences: in the full run (-m '')
def test_qdwh_differentiates_in_reverse_mode(x64):
    # JAX cannot (its last loop has no bound); zenax's loop has one (max_iterations).
    x = randn((4, 3), np.float64)
    check_grads(lambda x: linalg.qdwh(x)[:2], (x,), order=1, modes=("fwd", "rev"))


# ## symmetric_product_p and cholesky_update_p

def _givens_update(r, w):
    """JAX's own CPU algorithm for the update, in jax.numpy: a Givens rotation per row."""
    import jax.numpy as jjnp
    for k in range(r.shape[0]):
        scale = jjnp.maximum(jjnp.abs(r[k, k]), jjnp.abs(w[k]))
        x, y = r[k, k] / scale, w[k] / scale
        c, s = x / jjnp.sqrt(x * x + y * y), -y / jjnp.sqrt(x * x + y * y)
        r, w = r.at[k, :].set(c * r[k, :] - s * w), c * w + s * r[k, :]
    return r


def test_structured_primitives_match_jax():
    a, c = randn((2, 3, 2)), hermitian((2, 3, 3))
    params = dict(alpha=2., beta=0.5)
    sym = lambda m, a, c: m.symmetric_product_p.bind(a, c, **params)
    assert_same(sym(linalg, a, c), sym(jlinalg, a, c))
    assert_same(zenax.vmap(lambda a: sym(linalg, a, c[0]))(a),
                jax.vmap(lambda a: sym(jlinalg, a, c[0]))(a))
    # JAX's primitive has no jvp; its formula's jvp is the oracle.
    formula = lambda a, c: 2. * a @ jax.numpy.swapaxes(a, -1, -2) + 0.5 * c
    assert_same(zenax.jvp(lambda a, c: sym(linalg, a, c), (a, c), (c[..., :2], c)),
                jax.jvp(formula, (a, c), (c[..., :2], c)), tol=TOL)
    r = np.triu(randn((3, 3))) + 3 * np.eye(3, dtype=np.float32)
    w = randn((3,))
    assert_same(linalg.cholesky_update_p.bind(r, w), jlinalg.cholesky_update_p.bind(r, w))


def test_cholesky_update(x64):
    """The public function against JAX's and NumPy's factor; its derivatives against
    finite differences, its vmap against a loop of JAX's (whose primitive takes one
    matrix)."""
    x = randn((4, 4), np.float64)
    r = np.linalg.cholesky(x @ x.T + 4 * np.eye(4)).T
    w = randn((4,), np.float64)
    w[1] = 0.0                                   # the rotation for a zero is the identity
    out = linalg.cholesky_update(r, w)
    assert_same(out, jlinalg.cholesky_update(r, w))
    np.testing.assert_allclose(out, np.linalg.cholesky(r.T @ r + np.outer(w, w)).T,
                               rtol=1e-10, atol=1e-12)
    # The factor r is upper triangular, and so are the directions it is perturbed in.
    check_grads(lambda r, w: linalg.cholesky_update(jnp.triu(r), w), (r, w), order=1,
                modes=("fwd", "rev"))
    ws = np.stack([w, -2 * w])
    assert_same(zenax.vmap(linalg.cholesky_update, (None, 0))(r, ws),
                np.stack([jlinalg.cholesky_update(r, w_) for w_ in ws]))


@pytest.mark.exhaustive   # JAX compiles its update row by row: slow
def test_cholesky_update_p_jit_vmap_and_jvp_match_jax():
    r = np.triu(randn((3, 3))) + 3 * np.eye(3, dtype=np.float32)
    w = randn((3,))
    update = lambda m, r, w: m.cholesky_update_p.bind(r, w)
    expected = update(jlinalg, r, w)
    assert_same(zenax.jit(lambda r, w: update(linalg, r, w))(r, w), expected)
    # JAX's primitive takes one matrix; zenax's batches one matrix at a time.
    rs, ws = np.stack([r, 2 * r]), np.stack([w, -w])
    assert_same(zenax.vmap(lambda r, w: update(linalg, r, w))(rs, ws),
                np.stack([update(jlinalg, r_, w_) for r_, w_ in zip(rs, ws)]))
    r_dot, w_dot = np.triu(randn((3, 3))), randn((3,))
    assert_same(zenax.jvp(lambda r, w: update(linalg, r, w), (r, w), (r_dot, w_dot)),
                jax.jvp(_givens_update, (r, w), (r_dot, w_dot)), tol=TOL)


@pytest.mark.exhaustive   # float64 finite differences: in the full run (-m '')
def test_structured_primitives_differentiate(x64):
    # JAX gives these primitives no derivative; zenax's match finite differences.
    a, c = randn((3, 2), np.float64), hermitian((3, 3), np.float64)
    check_grads(lambda a, c: linalg.symmetric_product_p.bind(a, c, alpha=2., beta=0.5),
                (a, c), order=2, modes=("fwd", "rev"))
    # The factor r is upper triangular, and so are the directions it is perturbed in.
    r = np.triu(randn((3, 3), np.float64)) + 3 * np.eye(3)
    check_grads(lambda r, w: linalg.cholesky_update_p.bind(jnp.triu(r), w),
                (r, randn((3,), np.float64)), order=1, modes=("fwd", "rev"))


def test_structured_primitives_reject_bad_input_as_jax():
    for m in (linalg, jlinalg):
        with pytest.raises(TypeError):     # cholesky_update takes one matrix, no batch
            m.cholesky_update_p.bind(np.ones((2, 3, 3), np.float32), np.ones((2, 3), np.float32))
        with pytest.raises(ValueError):
            m.cholesky_update_p.bind(np.eye(3, dtype=np.float32), np.ones(2, np.float32))
        with pytest.raises(TypeError):
            m.symmetric_product_p.bind(np.ones((3, 2), np.complex64),
                                       np.eye(3, dtype=np.complex64), alpha=1., beta=0.)
        with pytest.raises(ValueError):
            m.symmetric_product_p.bind(np.ones((2, 3), np.float32), np.eye(3, dtype=np.float32),
                                       alpha=1., beta=0.)


def test_docstring_examples_run():
    for module in (linalg_schur, linalg_qdwh):
        results = doctest.testmod(module, extraglobs={"lax": lax, "jnp": jnp})
        assert results.attempted > 0 and results.failed == 0, module.__name__
