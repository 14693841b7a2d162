"""zenax.numpy.linalg's solvers and determinants (solve, inv, det, slogdet, matrix_power,
multi_dot, tensorinv, tensorsolve, cholesky) against jax.numpy.linalg: the spec rows
(eagerly, under jit, jvp/vjp and vmap), then broadcasting, NumPy, finite differences to
second order, the determinant's gradient at singular matrices, singular systems (inf/nan,
no error), the compiled eager path and bad input."""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax import eager
from zenax.lax.jnp import linalg_solve
from zenax.test_util import check_grads

from jnp_spec_checks import spec_tests
from jnp_spec_table import _wrapped
from oracle import assert_same
from spec import Arg, Case, Domain, c64, f32, i32


@dataclasses.dataclass(frozen=True)
class WellConditioned(Domain):
    """Matrices (in the last two axes) with a dominant diagonal: invertible, and their
    solves lose few bits, so float32 results compare tightly."""

    def sample(self, rng, shape, dtype):
        x = Domain(-1.0, 1.0).sample(rng, shape, dtype)
        return (x + 2 * shape[-1] * np.eye(shape[-1])).astype(dtype)


@dataclasses.dataclass(frozen=True)
class PositiveDefinite(Domain):
    """Hermitian positive-definite matrices ``x x^H + n I``."""

    def sample(self, rng, shape, dtype):
        x = Domain(-1.0, 1.0).sample(rng, shape, dtype)
        x = x @ np.swapaxes(x, -1, -2).conj()
        return (x + shape[-1] * np.eye(shape[-1])).astype(dtype)


WELL, SPD, SMALL = WellConditioned(), PositiveDefinite(), Domain(-1.0, 1.0)


def _linalg(fun_name, as_tuple=False):
    def wrap(m):
        fun = getattr(m.linalg, fun_name)
        if as_tuple:      # the namedtuple classes differ between the libraries
            return lambda *operands, **params: tuple(fun(*operands, **params))
        return fun
    return wrap


def _row(label, wrap, cases, dtypes=(f32,), domains=WELL, **kw):
    # Named "linalg.<name>[/...]": the table checks that both numpy modules have it.
    return _wrapped(f"linalg.{label}", wrap, cases, dtypes, domains,
                    differentiable=kw.pop("differentiable", True), **kw)


def _one(shape, params=None, label=""):
    return Case((Arg(shape),), params or {}, label=label)


def _sequence(m):
    return lambda *arrays, **params: m.linalg.multi_dot(list(arrays), **params)


def _tensorinv(m):
    # The operand, reshaped to a matrix, plus a dominant diagonal: invertible.
    return lambda a, ind: m.linalg.tensorinv(a + m.reshape(8 * m.eye(4), a.shape), ind=ind)


def _tensorsolve(m):
    return lambda a, b, **params: m.linalg.tensorsolve(
        a + m.reshape(8 * m.eye(4), a.shape), b, **params)


SPECS = [
    _row("solve", _linalg("solve"), (
        Case((Arg((3, 3)), Arg((3,), domain=Domain()))),
        Case((Arg((2, 3, 3)), Arg((2, 3, 4), domain=Domain())), label="batch"),
        Case((Arg((2, 1, 3, 3)), Arg((4, 3, 2), domain=Domain())), label="broadcast"),
        Case((Arg((2, 3, 3)), Arg((3,), domain=Domain())), label="vector"),
    ), (f32, c64, i32)),
    _row("inv", _linalg("inv"), (_one((3, 3)), _one((2, 4, 4))), (f32, c64, i32)),
    _row("det", _linalg("det"), (
        _one((1, 1)), _one((2, 2, 2)), _one((3, 3)), _one((2, 4, 4)),
    ), (f32, c64, i32), SMALL),
    _row("slogdet", _linalg("slogdet", as_tuple=True), (
        _one((2, 2)), _one((2, 5, 5)), _one((4, 4), {"method": "lu"}, "lu"),
    ), (f32, c64), SMALL),
    _row("matrix_power", _linalg("matrix_power"), (
        _one((3, 3), {"n": 3}), _one((2, 2, 2), {"n": 7}), _one((3, 3), {"n": 0}, "zero"),
        _one((3, 3), {"n": -2}, "inverse"),
    ), (f32, i32), tol={"float32": (2e-5, 1e-5)}),
    _row("cholesky", _linalg("cholesky"), (
        _one((3, 3)), _one((2, 3, 3), {"upper": True}),
        _one((3, 3), {"symmetrize_input": False}, "lower_only"),
    ), (f32, c64), SPD),
    _row("multi_dot", _sequence, (
        Case((Arg((2, 3)), Arg((3, 4)), Arg((4,)))),
        Case((Arg((5,)), Arg((5, 2)), Arg((2, 6)), Arg((6, 3)))),
        Case((Arg((3,)), Arg((3,))), label="vectors"),
    ), (f32, i32), Domain()),
    _row("tensorinv", _tensorinv, (
        _one((2, 2, 4), {"ind": 2}), _one((4, 2, 2), {"ind": 1}),
    ), domains=SMALL),
    _row("tensorsolve", _tensorsolve, (
        Case((Arg((2, 2, 4)), Arg((2, 2), domain=Domain()))),
        Case((Arg((2, 4, 2)), Arg((2, 2), domain=Domain())), {"axes": (1,)}, label="axes"),
    ), domains=SMALL),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


rng = np.random.RandomState(0)


def _well(shape, dtype=np.float32):
    return WELL.sample(rng, shape, dtype)


def _both(fun, *args, **kwargs):
    assert_same(fun(znp)(*args, **kwargs), fun(jnp)(*args, **kwargs))


# ## solve's shapes

@pytest.mark.parametrize("a_shape,b_shape", [
    ((3, 3), (3, 1)), ((3, 3), (2, 3, 1)), ((2, 1, 3, 3), (3, 3, 2)), ((1, 3, 3), (3, 4)),
    ((2, 3, 3), (3,)), ((0, 3, 3), (3,)), ((0, 0), (0,)), ((2, 2), (2, 0)),
])
def test_solve_broadcasting(a_shape, b_shape):
    """A vector ``b`` serves every matrix; a matrix ``b`` broadcasts its batch axes."""
    a, b = _well(a_shape), Domain().sample(rng, b_shape, np.float32)
    _both(lambda m: m.linalg.solve, a, b)


def test_singular_systems_give_inf_or_nan():
    zeros, ones = np.zeros((3, 3), np.float32), np.ones((3, 3), np.float32)
    for x in (zeros, ones):
        _both(lambda m: m.linalg.solve, x, np.ones(3, np.float32))
        _both(lambda m: m.linalg.inv, x)
        _both(lambda m: m.linalg.det, np.ones((4, 4), np.float32))
        _both(lambda m: lambda x: tuple(m.linalg.slogdet(x)), np.zeros((4, 4), np.float32))


def test_integer_and_bool_inputs_promote():
    eye = np.eye(4, dtype=np.int32)
    _both(lambda m: m.linalg.solve, eye, np.arange(4, dtype=np.int32))
    _both(lambda m: m.linalg.solve, eye.astype(np.float32), np.arange(4, dtype=np.int32))
    _both(lambda m: m.linalg.det, eye.astype(bool))
    _both(lambda m: m.linalg.inv, eye)
    _both(lambda m: m.linalg.cholesky, 4 * eye)
    _both(lambda m: m.linalg.matrix_power, eye[:2, :2] + 1, -1)
    _both(lambda m: lambda x: tuple(m.linalg.slogdet(x)), -eye)


def test_results_are_namedtuples_and_empty_matrices_work():
    sign, logabsdet = znp.linalg.slogdet(np.eye(3, dtype=np.float32))
    assert type(znp.linalg.slogdet(np.eye(3, dtype=np.float32))).__name__ == "SlogdetResult"
    assert znp.linalg.slogdet(np.eye(3, dtype=np.float32)).logabsdet is not None
    empty = np.zeros((0, 0), np.float32)
    for name in ("det", "inv"):
        _both(lambda m: getattr(m.linalg, name), empty)
    _both(lambda m: lambda x: tuple(m.linalg.slogdet(x)), empty)


# ## NumPy (as JAX's own tests compare)

def test_against_numpy(x64):
    a, b = _well((2, 4, 4), np.float64), rng.randn(2, 4, 3)
    tol = dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(znp.linalg.solve(a, b), np.linalg.solve(a, b), **tol)
    np.testing.assert_allclose(znp.linalg.inv(a), np.linalg.inv(a), **tol)
    np.testing.assert_allclose(znp.linalg.det(a), np.linalg.det(a), **tol)
    np.testing.assert_allclose(znp.linalg.slogdet(a)[1], np.linalg.slogdet(a)[1], **tol)
    np.testing.assert_allclose(znp.linalg.matrix_power(a, -3), np.linalg.matrix_power(a, -3),
                               **tol)
    t = a[0].reshape(2, 2, 4)
    np.testing.assert_allclose(znp.linalg.tensorinv(t), np.linalg.tensorinv(t), **tol)
    np.testing.assert_allclose(znp.linalg.tensorsolve(t, b[0, :2, :2]),
                               np.linalg.tensorsolve(t, b[0, :2, :2]), **tol)
    chain = [rng.randn(3, 5), rng.randn(5, 2), rng.randn(2)]
    np.testing.assert_allclose(znp.linalg.multi_dot(chain), np.linalg.multi_dot(chain), **tol)


# ## Derivatives: finite differences, singular matrices, complex matrices

@pytest.mark.exhaustive   # float64 finite differences: in the full run (-m '')
def test_check_grads(x64):
    a, b, x = _well((3, 3), np.float64), rng.randn(3), rng.randn(3, 3)
    modes = ("fwd", "rev")
    check_grads(znp.linalg.solve, (a, b), order=1, modes=modes)
    check_grads(znp.linalg.inv, (a,), order=1, modes=modes)
    check_grads(lambda a: znp.linalg.matrix_power(a, -5), (a / 6,), order=1, modes=modes)
    for n in (1, 2, 3):         # the formulas (and the 1x1 and 2x2 slogdet rule)
        check_grads(znp.linalg.det, (x[:n, :n],), order=1, modes=modes)
        check_grads(lambda x: znp.linalg.slogdet(x)[1], (x[:n, :n],), order=1, modes=modes)
    check_grads(lambda a: znp.linalg.cholesky(a, upper=True), (a @ a.T,), order=1, modes=modes)


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI checks first-order derivatives
def test_check_grads_second_order(x64):
    """The custom rules differentiated again (their tangents are plain LU solves)."""
    a, b, x = _well((3, 3), np.float64), rng.randn(3, 2), rng.randn(4, 4)
    modes = ("fwd", "rev")
    check_grads(znp.linalg.solve, (a, b), order=2, modes=modes)
    check_grads(znp.linalg.det, (x,), order=2, modes=modes)
    for n in (2, 4):
        check_grads(lambda x: znp.linalg.slogdet(x)[1], (x[:n, :n],), order=2, modes=modes)


@pytest.mark.parametrize("rank", [3, 2], ids=["rank_n_minus_1", "rank_n_minus_2"])
def test_det_gradient_at_singular_matrices(rank):
    """The adjugate, not ``det(a) inv(a)`` (which is 0 * inf there): JAX's values."""
    u, v = rng.randn(4, rank), rng.randn(rank, 4)
    x = (u @ v).astype(np.float32)
    assert_same(zenax.grad(znp.linalg.det)(x), jax.grad(jnp.linalg.det)(x),
                tol={"float32": (1e-4, 1e-4)})
    t = rng.randn(4, 4).astype(np.float32)
    assert_same(zenax.jvp(znp.linalg.det, (x,), (t,)), jax.jvp(jnp.linalg.det, (x,), (t,)),
                tol={"float32": (1e-4, 1e-4)})


def test_complex_derivatives():
    c = _well((2, 4, 4), np.complex64)
    t = Domain().sample(rng, c.shape, np.complex64)
    tol = {"complex64": (1e-4, 1e-5), "float32": (1e-4, 1e-5)}
    slogdet = lambda m: lambda x: tuple(m.linalg.slogdet(x))
    for f in (lambda m: m.linalg.det, slogdet, lambda m: m.linalg.inv):
        assert_same(zenax.jvp(f(znp), (c,), (t,)), jax.jvp(f(jnp), (c,), (t,)), tol=tol)


def test_derivatives_in_one_argument_under_jit():
    a = _well((2, 3, 3))
    b, ct = (rng.randn(2, 3, 2).astype(np.float32) for _ in range(2))
    for z, j, x in ((lambda a: znp.linalg.solve(a, b), lambda a: jnp.linalg.solve(a, b), a),
                    (lambda b: znp.linalg.solve(a, b), lambda b: jnp.linalg.solve(a, b), b)):
        assert_same(zenax.jit(lambda x, ct: zenax.vjp(z, x)[1](ct))(x, ct),
                    jax.vjp(j, x)[1](ct), tol={"float32": (1e-4, 1e-5)})


def test_vmap_of_one_operand_and_of_gradients():
    a, b = _well((3, 4, 4)), rng.randn(3, 4).astype(np.float32)
    for in_axes in ((0, None), (None, 0)):
        args = (a, b[0]) if in_axes == (0, None) else (a[0], b)
        assert_same(zenax.vmap(znp.linalg.solve, in_axes)(*args),
                    jax.vmap(jnp.linalg.solve, in_axes)(*args))
    for z, j in ((znp.linalg.det, jnp.linalg.det), (znp.linalg.inv, jnp.linalg.inv)):
        f, jf = (lambda x: z(x).sum()), (lambda x: j(x).sum())
        assert_same(zenax.vmap(zenax.grad(f))(a), jax.vmap(jax.grad(jf))(a),
                    tol={"float32": (1e-4, 1e-5)})


# ## The compiled eager path, and multi_dot's order

MARKED = [("solve", (2, 3, 2), {}), ("inv", (), {}), ("det", (), {}),
          ("slogdet", (), {"method": "lu"}), ("matrix_power", (), {"n": 5}),
          ("cholesky", (), {"upper": True})]


@pytest.mark.parametrize("name,b_shape,kwargs", MARKED, ids=[m[0] for m in MARKED])
def test_eager_calls_run_compiled(name, b_shape, kwargs):
    """Each function JAX jits runs as one executable eagerly, never falling back (the
    marks take effect once a namespace binds the compiled forms; see lax/eager.py)."""
    fn = getattr(linalg_solve, name)
    compiled = eager._compiled_form(fn, **eager._marked[id(fn)][1])
    args = [jnp.asarray(SPD.sample(rng, (2, 3, 3), np.float32))]
    if b_shape:
        args.append(jnp.asarray(rng.randn(*b_shape).astype(np.float32)))
    before = dict(eager.fallbacks)
    out = compiled(*args, **kwargs)
    assert compiled.compiled_calls == 1 and eager.fallbacks == before
    assert_same(tuple(out) if name == "slogdet" else out,
                tuple(fn(*args, **kwargs)) if name == "slogdet" else fn(*args, **kwargs))


def test_multi_dot_contracts_in_the_cheapest_order():
    x, y, z = np.ones((200, 5), np.float32), np.ones((5, 100), np.float32), np.ones(
        (100, 10), np.float32)
    flops = zenax.jit(znp.linalg.multi_dot).lower([x, y, z]).cost_analysis()["flops"]
    assert flops == jax.jit(jnp.linalg.multi_dot).lower([x, y, z]).cost_analysis()["flops"]
    _both(lambda m: lambda *xs: m.linalg.multi_dot(xs, precision="highest"), x, y, z)


# ## Bad input: JAX's exception kinds, messages naming the function

BAD = [
    ("solve", (np.ones(3, np.float32), np.ones(3, np.float32)), ValueError,
     "a must be at least two-dimensional"),
    ("solve", (np.ones((2, 3, 3), np.float32), np.ones((2, 3), np.float32)), ValueError,
     "invalid shapes"),
    ("solve", (np.eye(3, dtype=np.float32), np.ones(4, np.float32)), ValueError,
     r"expected a of shape \(..., n, n\)"),
    ("solve", (np.ones((3, 4), np.float32), np.ones(3, np.float32)), ValueError,
     r"expected a of shape \(..., n, n\)"),
    ("solve", (np.eye(3, dtype=np.float32), np.float32(1)), ValueError,
     r"expected a of shape \(..., n, n\)"),
    ("solve", (np.ones((2, 3, 3), np.float32), np.ones((4, 3, 2), np.float32)), ValueError,
     "do not broadcast"),
    ("solve", ([[1.0]], [1.0]), TypeError, "requires ndarray or scalar arguments"),
    ("inv", (np.ones((3, 2), np.float32),), ValueError, r"shape \[..., n, n\]"),
    ("det", (np.ones(4, np.float32),), ValueError, r"shape \[..., n, n\]"),
    ("slogdet", (np.ones((3, 2), np.float32),), ValueError, r"shape \[..., n, n\]"),
    ("matrix_power", (np.ones((3, 2), np.float32), 2), TypeError, "must be square"),
    ("matrix_power", (np.ones(3, np.float32), 2), TypeError, "at least two-dimensional"),
    ("matrix_power", (np.eye(3, dtype=np.float32), 2.0), TypeError, "must be an integer"),
    ("multi_dot", ([np.ones((3, 2), np.float32), np.ones((3, 2), np.float32)],), ValueError,
     "must match the first axis"),
    ("multi_dot", ([np.ones((3, 2, 2), np.float32), np.ones((2, 2), np.float32)],),
     ValueError, "must be matrices"),
    ("multi_dot", ([np.ones(3, np.float32)],), ValueError, "at least two arrays"),
    ("tensorinv", (np.ones((2, 3), np.float32), 1), ValueError, "must equal that"),
    ("tensorinv", (np.ones((2, 2), np.float32), 0), ValueError, "positive integer"),
    ("tensorsolve", (np.ones((2, 3), np.float32), np.ones(3, np.float32)), ValueError,
     "leading axes must be b's shape"),
    ("tensorsolve", (np.ones((2, 3, 4), np.float32), np.ones((2, 3), np.float32)),
     ValueError, "as many entries as b"),
    ("cholesky", (np.ones((3, 4), np.float32),), TypeError, "expected a square matrix"),
    ("cholesky", (np.ones(3, np.float32),), TypeError, "expected a square matrix"),
]


@pytest.mark.parametrize("name,args,kind,match", BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input(name, args, kind, match):
    with pytest.raises(kind, match=f"{name}.*{match}"):
        getattr(znp.linalg, name)(*args)
    with pytest.raises(kind):
        getattr(jnp.linalg, name)(*args)


def test_slogdet_methods():
    x = np.eye(3, dtype=np.float32)
    _both(lambda m: lambda x: tuple(m.linalg.slogdet(x, method="lu")), x)
    with pytest.raises(ValueError, match="slogdet: unknown method 'foo'"):
        znp.linalg.slogdet(x, method="foo")
    with pytest.raises(ValueError):
        jnp.linalg.slogdet(x, method="foo")
    m = np.array([[0., 2., 1.], [1., -1., 3.], [4., 0.5, -2.]], np.float32)  # det < 0
    _both(lambda m: lambda x: tuple(m.linalg.slogdet(x, method="qr")), m)
    # Both refuse complex matrices with method='qr'.
    with pytest.raises(NotImplementedError, match="slogdet: method='qr'"):
        znp.linalg.slogdet(x.astype(np.complex64), method="qr")
    with pytest.raises(NotImplementedError):
        jnp.linalg.slogdet(x.astype(np.complex64), method="qr")
