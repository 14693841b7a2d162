"""``custom_linear_solve`` and ``custom_root`` (implicit differentiation) against JAX.

Each program is written once against a namespace (``Z`` for zenax, ``J`` for JAX) and run
on both; JAX is the oracle:

* custom_linear_solve: values eagerly and under ``jit``; ``jvp``/``vjp``/``grad`` with
  respect to ``b`` and to what ``matvec`` closes over; second order (``hessian``);
  ``vmap`` over ``b``, over the matrix ``matvec`` closes over, and composed with ``grad``
  both ways; pytree ``b``; ``has_aux``; ``symmetric``; the transposed map ``vecmat``
  (staged for ``transpose_solve``) is ``A^T``; ``typecheck_jaxpr`` after each transform;
  the tangent solve is the primitive again, not a differentiated ``solve``;
* custom_root: a Newton square root whose gradient is the implicit-function formula
  ``1 / (2 sqrt(a))`` (and JAX's), checked against finite differences too; second order,
  ``vmap``, ``jit``, ``has_aux``, a pytree root of a 2x2 nonlinear system;
* errors: JAX's kinds when an output's structure or shapes differ from ``b``'s, a missing
  ``transpose_solve`` in reverse mode, a bad ``has_aux`` output -- naming the function.
"""
import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
import zenax.transforms.custom_solvers  # noqa: F401  (registers the rules)
from zenax.lax.custom_solvers import custom_linear_solve, custom_root
from zenax.test_util import check_grads

from oracle import assert_same

Z = types.SimpleNamespace(solve=custom_linear_solve, root=custom_root, lax=zenax.lax, np=znp,
                          jit=zenax.jit, grad=zenax.grad, jvp=zenax.jvp, vjp=zenax.vjp,
                          vmap=zenax.vmap, jacfwd=zenax.jacfwd, hessian=zenax.hessian)
J = types.SimpleNamespace(solve=jax.lax.custom_linear_solve, root=jax.lax.custom_root,
                          lax=jax.lax, np=jnp, jit=jax.jit, grad=jax.grad, jvp=jax.jvp,
                          vjp=jax.vjp, vmap=jax.vmap, jacfwd=jax.jacfwd, hessian=jax.hessian)
TOL = dict(rtol=2e-5, atol=2e-5)


def rand(*shape, seed=0):
    return np.asarray(np.random.RandomState(seed).randn(*shape), np.float32)


A = rand(3, 3) + 3 * np.eye(3, dtype=np.float32)       # well conditioned, not symmetric
SPD = A @ A.T
B = rand(3, seed=1)


def typecheck(fun, *args):
    """``typecheck_jaxpr`` on ``make_jaxpr(fun)(*args)`` and every nested jaxpr."""
    def walk(jaxpr):
        for eqn in jaxpr.eqns:
            for value in eqn.params.values():
                for v in value if isinstance(value, tuple) else (value,):
                    if isinstance(v, zenax.ClosedJaxpr):
                        zenax.typecheck_jaxpr(v)
                        walk(v.jaxpr)
    closed = zenax.make_jaxpr(fun)(*args)
    zenax.typecheck_jaxpr(closed)
    walk(closed.jaxpr)
    return closed


# =========================================================================== custom_linear_solve

def dense_solve(N):
    """``(A, b) -> x``: a dense solve with ``transpose_solve``; derivatives through the
    closed-over ``A``."""
    def f(a, b):
        return N.solve(lambda x: N.np.dot(a, x), b,
                       solve=lambda matvec, b: N.np.linalg.solve(a, b),
                       transpose_solve=lambda vecmat, b: N.np.linalg.solve(a.T, b))
    return f


def test_values_jit_and_derivatives_match_jax():
    zf, jf = dense_solve(Z), dense_solve(J)
    expected = jf(A, B)
    assert_same(zf(A, B), expected, **TOL)
    assert_same(zenax.jit(zf)(A, B), expected, **TOL)
    np.testing.assert_allclose(A @ np.asarray(zf(A, B)), B, rtol=1e-5, atol=1e-5)
    # The transforms run compiled on both sides: one compile each, not one per operation.
    t = (rand(3, 3, seed=2), rand(3, seed=3))
    jvp = lambda N, f: N.jit(lambda p, t: N.jvp(f, p, t))
    assert_same(jvp(Z, zf)((A, B), t), jvp(J, jf)((A, B), t), **TOL)
    ct = rand(3, seed=4)
    vjp = lambda N, f: N.jit(lambda a, b, ct: N.vjp(f, a, b)[1](ct))
    assert_same(vjp(Z, zf)(A, B, ct), vjp(J, jf)(A, B, ct), **TOL)
    loss = lambda N, f: lambda a, b: N.np.sum(f(a, b) ** 3)
    assert_same(zenax.jit(zenax.hessian(loss(Z, zf), (0, 1)))(A, B),
                jax.jit(jax.hessian(loss(J, jf), (0, 1)))(A, B), rtol=1e-4, atol=1e-4)
    typecheck(zenax.grad(loss(Z, zf), (0, 1)), A, B)
    typecheck(zenax.hessian(loss(Z, zf), 1), A, B)


@pytest.mark.exhaustive
def test_derivatives_match_finite_differences(x64):
    a, b = A.astype(np.float64), B.astype(np.float64)
    check_grads(dense_solve(Z), (a, b), order=2, modes=("fwd", "rev"))


def test_tangent_is_another_solve_not_a_differentiated_solve():
    """x_dot = A^-1 (b_dot - A_dot x): the jvp binds the primitive twice and never
    differentiates ``solve`` (which here could not be: a while loop)."""
    def jacobi(N, a):
        def solve(matvec, b):      # Jacobi iteration: fine for a diagonally dominant a
            d = N.np.diag(a)
            step = lambda x: x + (b - matvec(x)) / d
            return N.lax.while_loop(lambda c: c[1] < 60, lambda c: (step(c[0]), c[1] + 1),
                                    (N.np.zeros_like(b), 0))[0]
        return solve

    def f(N):
        return lambda a, b: N.solve(lambda x: N.np.dot(a, x), b, jacobi(N, a),
                                    transpose_solve=jacobi(N, a.T))
    a = A + 4 * np.eye(3, dtype=np.float32)
    t = (rand(3, 3, seed=5), rand(3, seed=6))
    closed = typecheck(lambda a, b, ta, tb: zenax.jvp(f(Z), (a, b), (ta, tb)), a, B, *t)
    assert [e.primitive.name for e in closed.jaxpr.eqns].count("custom_linear_solve") == 2
    assert_same(zenax.jvp(f(Z), (a, B), t), jax.jvp(f(J), (a, B), t), **TOL)
    loss = lambda N: lambda a, b: N.np.sum(f(N)(a, b) ** 2)
    assert_same(zenax.grad(loss(Z), (0, 1))(a, B), jax.grad(loss(J), (0, 1))(a, B), **TOL)


def test_vmap_over_b_over_the_operator_and_with_grad():
    zf, jf = dense_solve(Z), dense_solve(J)
    As = np.stack([A, A + np.eye(3, dtype=np.float32), A.T])
    Bs = np.stack([B, -2 * B, B + 1])
    for axes, args in (((None, 0), (A, Bs)), ((0, None), (As, B))):
        assert_same(zenax.jit(zenax.vmap(zf, axes))(*args), jax.jit(jax.vmap(jf, axes))(*args),
                    **TOL)
    loss = lambda N, f: lambda a, b: N.np.sum(f(a, b) ** 2)
    assert_same(zenax.jit(zenax.vmap(zenax.grad(loss(Z, zf), (0, 1))))(As, Bs),
                jax.jit(jax.vmap(jax.grad(loss(J, jf), (0, 1))))(As, Bs), **TOL)
    batched = lambda N, f: lambda a: N.np.sum(N.vmap(f, (None, 0))(a, Bs))
    assert_same(zenax.jit(zenax.grad(batched(Z, zf)))(A), jax.jit(jax.grad(batched(J, jf)))(A),
                **TOL)
    # no transpose_solve (vecmat and transpose_solve are absent from the equation)
    half = lambda N: lambda b: N.solve(lambda x: 2.0 * x, b, lambda m, b: b / 2.0)
    assert_same(zenax.vmap(half(Z))(Bs), jax.vmap(half(J))(Bs))
    # vmap (eagerly) equals a loop over the batch
    looped = np.stack([np.asarray(zf(a, b)) for a, b in zip(As, Bs)])
    np.testing.assert_allclose(zenax.vmap(zf)(As, Bs), looped, rtol=1e-6, atol=1e-6)
    typecheck(zenax.vmap(zenax.grad(loss(Z, zf), (0, 1))), As, Bs)


def test_pytree_b_has_aux_and_symmetric():
    def f(N):
        def mv(t):
            return {"u": N.np.dot(SPD, t["u"]) + t["v"], "v": t["u"] + 4.0 * t["v"]}

        def solve(matvec, b):
            full = N.np.block([[SPD, N.np.ones((3, 3))], [N.np.eye(3), 4.0 * N.np.eye(3)]])
            x = N.np.linalg.solve(full, N.np.concatenate([b["u"], b["v"]]))
            return {"u": x[:3], "v": x[3:]}, N.np.sum(b["v"])      # aux: a statistic

        # mv is symmetric (the off-diagonal blocks are each other's transpose)
        return lambda b: N.solve(mv, b, solve, symmetric=True, has_aux=True)
    b = {"u": B, "v": rand(3, seed=7)}
    assert_same(f(Z)(b), f(J)(b), **TOL)
    t = {"u": rand(3, seed=8), "v": rand(3, seed=9)}
    assert_same(zenax.jvp(f(Z), (b,), (t,)), jax.jvp(f(J), (b,), (t,)), **TOL)
    loss = lambda N: lambda b: N.np.sum(f(N)(b)[0]["u"] * f(N)(b)[0]["v"])
    assert_same(zenax.grad(loss(Z))(b), jax.grad(loss(J))(b), **TOL)


def test_vecmat_is_the_transpose_of_matvec():
    """Without ``symmetric``, ``transpose_solve`` gets ``vecmat``, staged as the transpose
    of ``matvec``: solving through its Jacobian gives JAX's gradient."""
    def f(N):
        def dense(mv, b):
            return N.np.linalg.solve(N.jacfwd(mv)(b), b)
        return lambda a, b: N.solve(lambda x: N.np.dot(a, x) + 0.5 * x[::-1], b, dense,
                                    transpose_solve=dense)
    loss = lambda N: lambda a, b: N.np.sum(N.np.sin(f(N)(a, b)))
    assert_same(zenax.grad(loss(Z), (0, 1))(A, B), jax.grad(loss(J), (0, 1))(A, B), **TOL)


def test_jaxpr_and_weak_types_follow_jax():
    f = lambda b: custom_linear_solve(lambda x: 2.0 * x, b, lambda mv, b: b / 2.0)
    assert_same(f(1.0), jax.lax.custom_linear_solve(lambda x: 2.0 * x, 1.0,
                                                    lambda mv, b: b / 2.0))
    text = str(zenax.make_jaxpr(f)(1.0))
    assert "custom_linear_solve[" in text and "const_lengths=_LinearSolveTuple(matvec=0" in text
    assert zenax.lax.custom_solvers.linear_solve_p.name == jax.lax.linear_solve_p.name


# =========================================================================== custom_root

def newton_sqrt(N, has_aux=False):
    """``sqrt(a)`` as the root of ``x**2 - a`` by Newton's method."""
    def sqrt(a):
        def solve(f, x0):
            x = N.lax.fori_loop(0, 30, lambda i, x: x - f(x) / (2 * x), x0)
            return (x, N.np.abs(f(x))) if has_aux else x
        return N.root(lambda x: x ** 2 - a, N.np.ones_like(a), solve,
                      lambda g, y: y / g(N.np.ones_like(y)), has_aux=has_aux)
    return sqrt


def test_root_gradient_is_the_implicit_function_formula():
    zs, js = newton_sqrt(Z), newton_sqrt(J)
    a = np.float32(3.0)
    assert_same(zs(a), js(a), **TOL)
    g = zenax.grad(zs)(a)
    assert_same(g, jax.grad(js)(a), **TOL)
    np.testing.assert_allclose(g, 0.5 / np.sqrt(3.0), rtol=1e-6)      # d sqrt(a) / da
    np.testing.assert_allclose(zenax.grad(zenax.grad(zs))(a), -0.25 * 3.0 ** -1.5, rtol=1e-5)
    av = np.array([1.0, 4.0, 9.0], np.float32)
    batched = zenax.jit(zenax.vmap(zenax.grad(zs)))(av)
    assert_same(batched, jax.vmap(jax.grad(js))(av), **TOL)
    one_at_a_time = zenax.jit(zenax.grad(zs))
    np.testing.assert_allclose(batched, [one_at_a_time(x) for x in av], rtol=1e-6)
    assert_same(zenax.jit(zenax.jacrev(zs))(av), jax.jacrev(js)(av), **TOL)
    typecheck(zenax.vmap(zenax.grad(zs)), av)


def test_root_derivatives_match_finite_differences(x64):
    check_grads(newton_sqrt(Z), (np.float64(2.5),), order=2, modes=("fwd", "rev"))


def test_root_has_aux():
    za, ja = newton_sqrt(Z, has_aux=True), newton_sqrt(J, has_aux=True)
    a = np.float32(2.0)
    assert_same(za(a), ja(a), **TOL)
    assert_same(zenax.jvp(za, (a,), (a,)), jax.jvp(ja, (a,), (a,)), **TOL)
    assert_same(zenax.grad(lambda a: za(a)[0])(a), jax.grad(lambda a: ja(a)[0])(a), **TOL)


def pytree_root(N):
    """The root ``{'u', 'v'}`` of ``u**3 + p v = 1, v = sin(u)``, with Newton's method and
    a tangent solve through the Jacobian (a linear solve, so reverse mode transposes)."""
    ravel = lambda t: N.np.stack([t["u"], t["v"]])
    unravel = lambda v: {"u": v[0], "v": v[1]}

    def dense(g, y):
        return unravel(N.np.linalg.solve(N.jacfwd(lambda v: ravel(g(unravel(v))))(ravel(y)),
                                         ravel(y)))

    def solve(F, x0):
        return N.lax.fori_loop(0, 20, lambda i, x: unravel(ravel(x) - ravel(dense(F, F(x)))), x0)

    def tangent_solve(g, y):
        return N.solve(g, y, dense, transpose_solve=dense)

    def f(p):
        F = lambda x: {"u": x["u"] ** 3 + p * x["v"] - 1.0, "v": x["v"] - N.np.sin(x["u"])}
        return N.root(F, {"u": np.float32(0.5), "v": np.float32(0.5)}, solve, tangent_solve)
    return f


def test_pytree_root_and_its_gradient():
    zf, jf = pytree_root(Z), pytree_root(J)
    p = np.float32(0.7)
    # Compiled on both sides: the Newton loop is long to run op by op.
    assert_same(zenax.jit(zf)(p), jax.jit(jf)(p), **TOL)
    one = np.float32(1.0)
    jvp = lambda N, f: N.jit(lambda p: N.jvp(f, (p,), (one,)))
    assert_same(jvp(Z, zf)(p), jvp(J, jf)(p), **TOL)
    # Reverse mode: JAX refuses this program (its transpose rule asserts that every leaf
    # of b is linear, and the tangent right-hand side here has a zero leaf); zenax
    # transposes it, and the gradient equals JAX's forward-mode derivative.
    loss = lambda N, f: lambda p: f(p)["u"] * f(p)["v"]
    assert_same(zenax.jit(zenax.grad(loss(Z, zf)))(p), jvp(J, loss(J, jf))(p)[1], **TOL)


# =========================================================================== errors

def _error(fun, exc):
    with pytest.raises(exc) as info:
        fun()
    return str(info.value)


TWO = {"a": np.ones(2, np.float32), "b": np.ones(2, np.float32)}
LINEAR_SOLVE_ERRORS = [
    # (keyword arguments, exception, words in zenax's message)
    (dict(matvec=lambda x: {"a": x["a"]}, b=TWO, solve=lambda m, b: b), ValueError,
     ["matvec()", "shapes"]),
    (dict(matvec=lambda x: [x["a"], x["b"]], b=TWO, solve=lambda m, b: b), TypeError,
     ["matvec()", "structure"]),
    (dict(matvec=lambda x: x, b=TWO, solve=lambda m, b: [b["a"], b["b"]]), TypeError,
     ["solve()", "structure"]),
    (dict(matvec=lambda x: x, b=TWO, solve=lambda m, b: {"a": b["a"], "b": b["b"][:1]}),
     ValueError, ["solve()", "b['b']", "(1,)"]),
    (dict(matvec=lambda x: x, b=TWO["a"], solve=lambda m, b: (b, 1.0)), ValueError,
     ["solve()", "shapes"]),
    (dict(matvec=lambda x: x, b=TWO["a"], solve=lambda m, b: b,
          transpose_solve=lambda m, b: b[:1]), ValueError, ["transpose_solve()"]),
]


@pytest.mark.parametrize("kwargs,exc,words", LINEAR_SOLVE_ERRORS)
def test_linear_solve_output_errors(kwargs, exc, words):
    _error(lambda: jax.lax.custom_linear_solve(**kwargs), exc)
    msg = _error(lambda: custom_linear_solve(**kwargs), exc)
    assert "custom_linear_solve" in msg and all(w in msg for w in words), msg


def test_linear_solve_argument_errors():
    b = TWO["a"]
    # solve must return (x, aux) with has_aux
    msg = _error(lambda: custom_linear_solve(lambda x: x, b, lambda m, b: b, has_aux=True),
                 ValueError)
    assert "solve()" in msg and "has_aux" in msg
    # a solution of another dtype than b (JAX fails later, when compiling)
    msg = _error(lambda: custom_linear_solve(lambda x: x, b,
                                             lambda m, b: b.astype(np.float16)), TypeError)
    assert "solve()" in msg and "float16" in msg and "test_custom_solvers.py" in msg
    # reverse mode needs transpose_solve (forward mode does not)
    f = lambda N: lambda b: N.np.sum(N.solve(lambda x: 2.0 * x, b, lambda m, b: b / 2.0))
    for N in (Z, J):
        assert _error(lambda: N.grad(f(N))(b), TypeError).startswith(
            "transpose_solve required for backwards mode")
    assert_same(zenax.jvp(f(Z), (b,), (b,)), jax.jvp(f(J), (b,), (b,)))


def test_root_errors():
    cases = [
        ((lambda x: (x, x), 1.0, lambda f, x: x, lambda g, y: y), TypeError, "f()"),
        ((lambda x: x, 1.0, lambda f, x: (x, x), lambda g, y: y), TypeError, "solve()"),
        ((lambda x: x, 1.0, lambda f, x: x, lambda g, y: (y, y)), TypeError, "tangent_solve()"),
    ]
    for args, exc, word in cases:
        _error(lambda: jax.lax.custom_root(*args), exc)
        msg = _error(lambda: custom_root(*args), exc)
        assert "custom_root" in msg and word in msg and "structure" in msg, msg
    for root in (custom_root, jax.lax.custom_root):
        _error(lambda: root(lambda x: x, 1.0, lambda f, x: x, lambda g, y: y, has_aux=True),
               ValueError)
