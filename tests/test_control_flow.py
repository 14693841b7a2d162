"""Structured control flow against JAX: ``cond``, ``switch``, ``while_loop``, ``fori_loop``,
``scan`` (``length``, ``reverse``, ``unroll``) and ``map``.

Every program below is written once, as ``program(L, N)``, and instantiated twice: with
``zenax.lax``/``zenax.numpy`` and with ``jax.lax``/``jax.numpy``.  JAX is the oracle:

* part 1 -- each construct (and nested scans, a scan inside a cond, a cond inside a scan)
  equals JAX eagerly, under ``zenax.jit``, under ``jvp``, ``vjp`` (where JAX supports it)
  and ``vmap``, and ``typecheck_jaxpr`` holds, sub-jaxprs included, on ``make_jaxpr`` of
  each transformed function;
* part 2 -- vmap with a batched predicate: ``cond`` becomes a select, a ``while_loop`` runs
  until every element is done and leaves finished elements alone;
* part 3 -- reverse mode: per-iteration residuals (one forward and one backward loop, not
  an unrolled program), an LSTM unrolled with ``scan`` over 100 steps (gradients equal to
  JAX's, one ``stablehlo.while`` forward and two for the gradient), higher order, and
  ``while_loop(..., max_steps=N)`` checked against finite differences and against the
  same loop written with ``scan``;
* part 4 -- JAX's semantics at the edges (weakly typed carries, index clamping, empty
  loops) and its errors: mismatched branch types, a carry that changes type, a
  non-boolean ``while`` predicate, reverse mode through an unbounded ``while_loop``, and
  Python control flow on traced values.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax import lax
from zenax.test_util import check_grads

from oracle import assert_same

jlax = jax.lax
ZEN, JAX = (lax, znp), (jlax, jnp)


def rand(*shape, seed=0, scale=1.0):
    return np.asarray(np.random.RandomState(seed).randn(*shape) * scale, np.float32)


# Where a test names no tolerance.
TOL = dict(rtol=1e-5, atol=1e-5)


def sub_jaxprs(jaxpr):
    """Every jaxpr nested in the params of ``jaxpr``'s equations, recursively."""
    for eqn in jaxpr.eqns:
        for value in eqn.params.values():
            for v in value if isinstance(value, tuple) else (value,):
                if isinstance(v, zenax.ClosedJaxpr):
                    yield v
                    yield from sub_jaxprs(v.jaxpr)


def typecheck(fun, *args):
    """``typecheck_jaxpr`` on ``make_jaxpr(fun)(*args)`` and on all its sub-jaxprs."""
    closed = zenax.make_jaxpr(fun)(*args)
    zenax.typecheck_jaxpr(closed)
    for sub in sub_jaxprs(closed.jaxpr):
        zenax.typecheck_jaxpr(sub)
    return closed


def primitives(jaxpr, deep=True):
    names = [e.primitive.name for e in jaxpr.eqns]
    if deep:
        for sub in sub_jaxprs(jaxpr):
            names += [e.primitive.name for e in sub.jaxpr.eqns]
    return names


# ## Part 1: every construct, every transform
#
# A case is a program, its arguments (the first ``n_diff`` are differentiated, the rest --
# integers -- are held fixed), batched arguments for vmap (chosen so that predicates and
# indices differ across the batch), and whether JAX can reverse-differentiate it.

def cond_prog(L, N):
    def f(x, y):
        def yes(ops):
            a, b = ops
            return {"u": N.sin(a) * b, "v": N.sum(a * a) + b[0]}

        def no(ops):
            a, b = ops
            return {"u": a * 2.0 - b, "v": N.cos(b[1])}
        return L.cond(N.sum(x) > 0, yes, no, (x, y))
    return f


def switch_prog(L, N):
    def f(x, i):
        # Index i is clamped into range: -1 picks branch 0, 7 picks the last one.
        return L.switch(i, [lambda x: N.sin(x), lambda x: x * x, lambda x: N.exp(x) - x], x)
    return f


def while_prog(L, N):
    def f(x, n):
        def body(c):
            k, v = c
            return k + 1, N.sin(v) * 1.5 + x
        return L.while_loop(lambda c: c[0] < n, body, (0, x))[1]
    return f


def while_float_cond_prog(L, N):
    def f(x):
        return L.while_loop(lambda c: c < 5.0, lambda c: c * 1.5 + N.cos(c) + 1.0, x)
    return f


def fori_prog(L, N):
    def f(x, n):
        # Bounds are concrete eagerly and under vjp (a scan); traced under jit/vmap (a while).
        return L.fori_loop(0, n, lambda i, c: c * 0.5 + N.sin(c) * i, x)
    return f


def fori_static_prog(L, N):
    def f(x):
        return L.fori_loop(1, 6, lambda i, c: (c[0] * N.cos(c[1]) + i, c[1] * 0.9), (x, x * 2))
    return f


def scan_prog(**scan_kw):
    def prog(L, N):
        def f(c, xs, w):
            def step(carry, x):
                h, s = carry
                h = N.tanh(N.dot(w, h) + x["a"]) * x["b"]
                return (h, s + N.sum(h)), {"h": h, "hs": h * s}
            (h, s), ys = L.scan(step, (c, 0.0), xs, **scan_kw)
            return h, s, ys
        return f
    return prog


def scan_no_xs_prog(L, N):
    def f(c):
        return L.scan(lambda c, _: (N.sin(c) + 1.0, c * c), c, None, length=4)
    return f


def map_prog(L, N):
    def f(m):
        return L.map(lambda r: (N.sum(N.sin(r)), r * r), m)
    return f


def nested_scan_prog(L, N):
    def f(c, xs, w):
        def inner(c, x):
            return N.tanh(N.dot(w, c) + x), N.sum(c)

        def outer(c, row):
            c, ys = L.scan(inner, c, row)
            return c * 0.9, ys
        c, ys = L.scan(outer, c, xs)
        return c, ys
    return f


def scan_in_cond_prog(L, N):
    def f(p, c, xs):
        def run(c, xs):
            return L.scan(lambda c, x: (N.sin(c) * x + c, c * x), c, xs)
        return L.cond(p > 0, run, lambda c, xs: (c * 2.0, xs * c), c, xs)
    return f


def cond_in_scan_prog(L, N):
    def f(c, xs):
        def step(c, x):
            c = L.cond(x > 0, lambda c: N.sin(c) * x, lambda c: c * c - x, c)
            return c, c * x
        return L.scan(step, c, xs)
    return f


class Case:
    def __init__(self, name, prog, args, batched, n_diff=None, rev=True, batched_rev=None):
        self.name, self.prog, self.args, self.batched, self.rev = name, prog, args, batched, rev
        # Batched integer bounds are traced, so a fori_loop is then a while loop.
        self.batched_rev = rev if batched_rev is None else batched_rev
        self.n_diff = len(args) if n_diff is None else n_diff

    def __repr__(self):
        return self.name


_x3, _w = rand(3, seed=1), rand(3, 3, seed=2, scale=0.5)
_xs = {"a": rand(5, 3, seed=3), "b": rand(5, 3, seed=4)}
_xs_b = {"a": rand(3, 5, 3, seed=5), "b": rand(3, 5, 3, seed=6)}
_pos, _neg = np.abs(_x3), -np.abs(_x3)
_nxs = rand(4, 5, 3, seed=7)

CASES = [
    Case("cond_true", cond_prog, (_pos, _x3), (np.stack([_pos, _neg, _pos]), rand(3, 3, seed=8))),
    Case("cond_false", cond_prog, (_neg, _x3), (np.stack([_neg, _pos, _neg]), rand(3, 3, seed=8))),
    Case("switch", switch_prog, (_x3, np.int32(1)),
         (rand(5, 3, seed=9), np.array([-1, 0, 1, 2, 7], np.int32)), n_diff=1),
    Case("switch_clamped_high", switch_prog, (_x3, np.int32(9)),
         (rand(2, 3, seed=9), np.array([9, 1], np.int32)), n_diff=1),
    Case("while_loop", while_prog, (_x3, np.int32(3)),
         (rand(4, 3, seed=10), np.array([0, 3, 1, 5], np.int32)), n_diff=1, rev=False),
    Case("while_loop_float_cond", while_float_cond_prog, (np.float32(0.3),),
         (np.array([0.3, 2.0, 7.0, -1.0], np.float32),), rev=False),
    Case("fori_loop", fori_prog, (_x3, np.int32(4)),
         (rand(4, 3, seed=11), np.array([0, 4, 2, 1], np.int32)), n_diff=1, batched_rev=False),
    Case("fori_loop_static", fori_static_prog, (np.float32(0.7),),
         (np.array([0.7, -0.3, 1.1], np.float32),)),
    Case("scan", scan_prog(), (_x3, _xs, _w), (rand(3, 3, seed=12), _xs_b, np.stack([_w] * 3))),
    Case("scan_reverse", scan_prog(reverse=True), (_x3, _xs, _w),
         (rand(3, 3, seed=12), _xs_b, np.stack([_w] * 3))),
    Case("scan_unroll2", scan_prog(unroll=2), (_x3, _xs, _w),
         (rand(3, 3, seed=12), _xs_b, np.stack([_w] * 3))),
    Case("scan_unroll_full_reverse", scan_prog(unroll=True, reverse=True), (_x3, _xs, _w),
         (rand(3, 3, seed=12), _xs_b, np.stack([_w] * 3))),
    Case("scan_length_no_xs", scan_no_xs_prog, (_x3,), (rand(3, 3, seed=13),)),
    Case("map", map_prog, (rand(4, 3, seed=14),), (rand(2, 4, 3, seed=14),)),
    Case("nested_scan", nested_scan_prog, (_x3, _nxs, _w),
         (rand(2, 3, seed=15), rand(2, 4, 5, 3, seed=16), np.stack([_w, -_w]))),
    Case("scan_in_cond_taken", scan_in_cond_prog, (np.float32(1.0), _x3, rand(5, 3, seed=17)),
         (np.array([1.0, -1.0, 2.0], np.float32), rand(3, 3, seed=18), rand(3, 5, 3, seed=19))),
    Case("scan_in_cond_not_taken", scan_in_cond_prog, (np.float32(-1.0), _x3, rand(5, 3, seed=17)),
         (np.array([-1.0, 1.0], np.float32), rand(2, 3, seed=18), rand(2, 5, 3, seed=19))),
    Case("cond_in_scan", cond_in_scan_prog, (_x3[0], rand(6, seed=20)),
         (rand(3, seed=21), rand(3, 6, seed=22))),
]


def instantiate(case):
    return case.prog(*ZEN), case.prog(*JAX)


def split_args(case, args):
    """``(f of the differentiated args, those args)`` with the others held fixed."""
    diff, fixed = tuple(args[:case.n_diff]), tuple(args[case.n_diff:])
    return (lambda f: (lambda *d: f(*d, *fixed))), diff


def tangents_like(tree, seed):
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    return jax.tree_util.tree_unflatten(
        treedef, [rand(*np.shape(x), seed=seed + i) for i, x in enumerate(leaves)])


def float_outputs(f):
    """The inexact leaves of ``f``'s output (vjp cotangents are then all float)."""
    def g(*args):
        return [y for y in jax.tree_util.tree_leaves(f(*args))
                if np.issubdtype(y.dtype, np.inexact)]
    return g


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_eager_and_jit_equal_jax(case):
    zf, jf = instantiate(case)
    expected = jax.jit(jf)(*case.args)
    assert_same(zf(*case.args), expected, **TOL, check_weak_type=False)
    assert_same(zenax.jit(zf)(*case.args), expected, **TOL, check_weak_type=False)
    typecheck(zf, *case.args)
    if "unroll" in case.name:   # (the vmap matrix below leaves the unrolled scans out)
        assert_same(zenax.vmap(zf)(*case.batched), jax.jit(jax.vmap(jf))(*case.batched), **TOL,
                    check_weak_type=False)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_jvp_equals_jax(case):
    zf, jf = instantiate(case)
    close_over, diff = split_args(case, case.args)
    tangents = tangents_like(diff, seed=100)
    expected = jax.jit(lambda d, t: jax.jvp(close_over(jf), d, t))(diff, tangents)
    assert_same(zenax.jvp(close_over(zf), diff, tangents), expected, rtol=2e-5, atol=2e-5,
                check_weak_type=False)
    assert_same(zenax.jit(lambda d, t: zenax.jvp(close_over(zf), d, t))(diff, tangents), expected,
                rtol=2e-5, atol=2e-5, check_weak_type=False)
    typecheck(lambda d, t: zenax.jvp(close_over(zf), d, t), diff, tangents)


@pytest.mark.parametrize("case", [c for c in CASES if c.rev], ids=repr)
def test_vjp_equals_jax(case):
    zf, jf = instantiate(case)
    close_over, diff = split_args(case, case.args)
    zg, jg = float_outputs(close_over(zf)), float_outputs(close_over(jf))
    out = jax.jit(jg)(*diff)
    cts = tangents_like(out, seed=200)
    expected = jax.jit(lambda d, c: jax.vjp(jg, *d)[1](c))(diff, cts)
    z_out, z_vjp = zenax.vjp(zg, *diff)
    assert_same(z_out, out, **TOL, check_weak_type=False)
    assert_same(z_vjp(cts), expected, rtol=2e-5, atol=2e-5, check_weak_type=False)

    def staged(d, c):
        return zenax.vjp(zg, *d)[1](c)
    assert_same(zenax.jit(staged)(diff, cts), expected, rtol=2e-5, atol=2e-5,
                check_weak_type=False)
    typecheck(staged, diff, cts)


@pytest.mark.parametrize("case", [c for c in CASES if "unroll" not in c.name], ids=repr)
def test_vmap_equals_jax(case):
    zf, jf = instantiate(case)
    expected = jax.jit(jax.vmap(jf))(*case.batched)
    assert_same(zenax.vmap(zf)(*case.batched), expected, **TOL, check_weak_type=False)
    assert_same(zenax.jit(zenax.vmap(zf))(*case.batched), expected, **TOL, check_weak_type=False)
    typecheck(zenax.vmap(zf), *case.batched)
    # vmap of the derivative (a batched predicate under jvp, and under vjp if JAX has it).
    close_over, diff = split_args(case, case.batched)
    t = tangents_like(diff, seed=300)
    n = case.n_diff
    z_jvp = zenax.vmap(lambda *a: zenax.jvp(lambda *d: zf(*d, *a[2 * n:]), a[:n], a[n:2 * n]))
    j_jvp = jax.jit(jax.vmap(lambda *a: jax.jvp(lambda *d: jf(*d, *a[2 * n:]), a[:n],
                                                a[n:2 * n])))
    all_args = (*diff, *t, *case.batched[n:])
    assert_same(z_jvp(*all_args), j_jvp(*all_args), rtol=2e-5, atol=2e-5, check_weak_type=False)
    typecheck(z_jvp, *all_args)
    if case.rev:
        def loss(lib, f):
            return lambda *a: sum(lib.sum(y) for y in float_outputs(f)(*a))
        z_grad = zenax.vmap(zenax.grad(loss(znp, zf), argnums=tuple(range(n))))
        j_grad = jax.jit(jax.vmap(jax.grad(loss(jnp, jf), argnums=tuple(range(n)))))
        if case.batched_rev:
            assert_same(z_grad(*case.batched), j_grad(*case.batched), rtol=2e-5, atol=2e-5,
                        check_weak_type=False)
            typecheck(z_grad, *case.batched)
        else:
            for g in (z_grad, j_grad):
                with pytest.raises(ValueError, match="fori_loop|max_steps"):
                    g(*case.batched)


def test_grad_of_vmap_and_of_jit_equal_jax():
    """Reverse mode applied outside vmap and outside jit (jit_call's partial evaluation
    splits the loops inside it)."""
    zf, jf = nested_scan_prog(*ZEN), nested_scan_prog(*JAX)
    c, xs, w = rand(2, 3, seed=1), rand(2, 4, 5, 3, seed=2), _w

    def loss(lib, f, vmap):
        def g(c, xs, w):
            h, ys = vmap(f, in_axes=(0, 0, None))(c, xs, w)
            return lib.sum(h * h) + lib.sum(lib.sin(ys))
        return g
    expected = jax.grad(loss(jnp, jf, jax.vmap), argnums=(0, 1, 2))(c, xs, w)
    z_loss = loss(znp, zf, zenax.vmap)
    assert_same(zenax.grad(z_loss, argnums=(0, 1, 2))(c, xs, w), expected, rtol=2e-5, atol=2e-5,
                check_weak_type=False)
    assert_same(zenax.grad(zenax.jit(z_loss), argnums=(0, 1, 2))(c, xs, w), expected, rtol=2e-5,
                atol=2e-5, check_weak_type=False)
    typecheck(zenax.grad(zenax.jit(z_loss), argnums=(0, 1, 2)), c, xs, w)


def test_higher_order_derivatives_equal_jax():
    """Hessian-vector products and grad-of-grad through a cond inside a scan."""
    def prog(L, N):
        def f(c, xs):
            c, ys = L.scan(lambda c, x: (L.cond(x > 0, N.sin, N.cos, c) * x + c, c * x), c, xs)
            return c + N.sum(ys * ys)
        return f
    zf, jf = prog(*ZEN), prog(*JAX)
    c, xs = np.float32(0.4), rand(6, seed=3)
    assert_same(zenax.jvp(zenax.grad(zf), (c, xs), (np.float32(1.0), xs)),
                jax.jvp(jax.grad(jf), (c, xs), (np.float32(1.0), xs)), rtol=1e-4, atol=1e-4,
                check_weak_type=False)
    assert_same(zenax.grad(zenax.grad(zf))(c, xs), jax.grad(jax.grad(jf))(c, xs), rtol=1e-4,
                atol=1e-4, check_weak_type=False)
    typecheck(zenax.grad(zenax.grad(zf)), c, xs)


# ## Part 2: vmap with a batched predicate

def test_vmap_cond_with_batched_predicate_is_a_select():
    zf = cond_prog(*ZEN)
    x, y = np.stack([_pos, _neg, _pos]), rand(3, 3, seed=8)
    jaxpr = typecheck(zenax.vmap(zf), x, y).jaxpr
    assert "cond" not in primitives(jaxpr) and "select_n" in primitives(jaxpr)
    # Both branches ran on every element; each element got its own branch's value.
    out = zenax.vmap(zf)(x, y)
    for i in range(3):
        assert_same(jax.tree_util.tree_map(lambda o: o[i], out), cond_prog(*JAX)(x[i], y[i]),
                    **TOL, check_weak_type=False)
    # An unbatched predicate stays a cond (only the taken branch runs).
    jaxpr = typecheck(zenax.vmap(zf, in_axes=(None, 0)), _pos, y).jaxpr
    assert "cond" in primitives(jaxpr, deep=False)


def test_vmap_while_runs_until_every_element_is_done():
    def prog(L, N):
        def f(n, x):
            return L.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 2.0 + 1.0),
                                (0, x))
        return f
    zf = prog(*ZEN)
    ns = np.array([0, 5, 2, 9, 1], np.int32)
    xs = rand(5, seed=4)
    k, v = zenax.vmap(zf)(ns, xs)
    # Each element stops at its own trip count; finished elements are not updated.
    np.testing.assert_array_equal(np.asarray(k), ns)
    expected = []
    for n, x in zip(ns, xs):
        for _ in range(n):
            x = np.float32(x * 2.0 + 1.0)
        expected.append(x)
    np.testing.assert_allclose(np.asarray(v), expected, rtol=1e-6)
    assert_same((k, v), jax.vmap(prog(*JAX))(ns, xs), **TOL, check_weak_type=False)
    # One loop whose predicate is "any element still running".
    jaxpr = typecheck(zenax.vmap(zf), ns, xs).jaxpr
    assert primitives(jaxpr, deep=False).count("while") == 1
    assert "reduce_or" in primitives(jaxpr)
    # Nested vmap and a batched bound only (unbatched carry).
    assert_same(zenax.vmap(zenax.vmap(zf, (0, None)), (None, 0))(ns, xs),
                jax.vmap(jax.vmap(prog(*JAX), (0, None)), (None, 0))(ns, xs), **TOL,
                check_weak_type=False)
    assert_same(zenax.vmap(zf, (0, None))(ns, np.float32(0.5)),
                jax.vmap(prog(*JAX), (0, None))(ns, np.float32(0.5)), **TOL, check_weak_type=False)


# ## Part 3: reverse mode

def test_scan_vjp_saves_residuals_per_iteration():
    """grad of a scan is one forward scan that also outputs per-iteration residuals
    (stacked along the scanned axis) and one reversed scan that consumes them."""
    zf = scan_prog()(*ZEN)
    c, xs, w = _x3, _xs, _w

    def loss(c):
        h, s, ys = zf(c, xs, w)
        return s + znp.sum(ys["hs"])
    jaxpr = typecheck(zenax.grad(loss), c).jaxpr
    scans = [e for e in jaxpr.eqns if e.primitive.name == "scan"]
    assert len(scans) == 2
    fwd, bwd = scans
    assert not fwd.params["reverse"] and bwd.params["reverse"]
    residuals = set(fwd.outvars) & set(bwd.invars)
    assert residuals and all(v.aval.shape[:1] == (5,) for v in residuals)
    # The loop-invariant weight is passed as a const, not stacked per iteration.
    assert any(v.aval.shape == (3, 3) for v in bwd.invars[:bwd.params["num_consts"]])


def test_fori_loop_with_static_bounds_is_a_scan():
    zf = fori_prog(*ZEN)
    assert "scan" in primitives(zenax.make_jaxpr(lambda x: zf(x, 4))(_x3).jaxpr, deep=False)
    assert "while" in primitives(zenax.make_jaxpr(zf)(_x3, np.int32(4)).jaxpr, deep=False)
    assert_same(zenax.grad(lambda x: znp.sum(zf(x, 4)))(_x3),
                jax.grad(lambda x: jnp.sum(fori_prog(*JAX)(x, 4)))(_x3), **TOL,
                check_weak_type=False)


HIDDEN, FEATURES, STEPS = 8, 4, 100


def lstm_loss(L, N):
    def sigmoid(x):
        return 1.0 / (1.0 + N.exp(-x))

    def cell(p, carry, x):
        h, c = carry
        z = N.dot(x, p["wx"]) + N.dot(h, p["wh"]) + p["b"]
        i, f, g, o = N.split(z, 4)
        c = sigmoid(f) * c + sigmoid(i) * N.tanh(g)
        h = sigmoid(o) * N.tanh(c)
        return (h, c), N.dot(h, p["wo"])

    def loss(p, xs, ys):
        h0 = N.zeros(HIDDEN, np.float32)
        _, preds = L.scan(lambda carry, x: cell(p, carry, x), (h0, h0), xs)
        return N.mean((preds - ys) ** 2)
    return loss


def lstm_data():
    shapes = dict(wx=(FEATURES, 4 * HIDDEN), wh=(HIDDEN, 4 * HIDDEN), b=(4 * HIDDEN,),
                  wo=(HIDDEN, 1))
    params = {k: rand(*s, seed=i, scale=0.3) for i, (k, s) in enumerate(shapes.items())}
    return params, rand(STEPS, FEATURES, seed=10), rand(STEPS, 1, seed=11)


def test_lstm_scan_gradients_equal_jax_and_lower_to_loops():
    params, xs, ys = lstm_data()
    z_loss, j_loss = lstm_loss(*ZEN), lstm_loss(*JAX)
    expected = jax.jit(jax.value_and_grad(j_loss))(params, xs, ys)
    assert_same(zenax.jit(zenax.value_and_grad(z_loss))(params, xs, ys), expected, rtol=1e-4,
                atol=1e-4, check_weak_type=False)
    typecheck(zenax.grad(z_loss), params, xs, ys)
    # One XLA while loop forward; forward + backward for the gradient -- not 100 copies.
    fwd_text = zenax.jit(z_loss).lower(params, xs, ys).as_text()
    grad_text = zenax.jit(zenax.grad(z_loss)).lower(params, xs, ys).as_text()
    assert fwd_text.count("stablehlo.while") == 1
    assert grad_text.count("stablehlo.while") == 2
    assert grad_text.count("stablehlo.tanh") < 10


def bounded_while(L, N, max_steps=None):
    kw = {} if max_steps is None else dict(max_steps=max_steps)

    def f(x):
        def body(c):
            k, v = c
            return k + 1, v * 1.3 + N.sin(v) * x
        return L.while_loop(lambda c: c[1] < 5.0, body, (0, x), **kw)[1]
    return f


def same_loop_as_scan(N, max_steps):
    def f(x):
        def step(c, _):
            k, v = c
            active = v < 5.0
            return (k + 1, N.where(active, v * 1.3 + N.sin(v) * x, v)), None
        return lax.scan(step, (0, x), None, length=max_steps)[0][1]
    return f


def test_grad_through_while_loop_with_max_steps():
    zf = bounded_while(*ZEN, max_steps=20)
    x = np.float32(0.7)
    g = zenax.grad(zf)(x)
    # Equal to JAX's forward-mode derivative of the unbounded loop (JAX has no reverse
    # mode here), to the same loop written as a scan, and to finite differences.
    assert_same(g, jax.jvp(bounded_while(*JAX), (x,), (np.float32(1.0),))[1], rtol=1e-4, atol=1e-4,
                check_weak_type=False)
    assert_same(g, zenax.grad(same_loop_as_scan(znp, 20))(x), rtol=1e-5, atol=1e-5,
                check_weak_type=False)
    x64 = np.float64(x)

    def f64(x):
        k, v = 0, x
        while v < 5.0:
            k, v = k + 1, v * 1.3 + np.sin(v) * x
        return v
    eps = 1e-6
    np.testing.assert_allclose(float(g), (f64(x64 + eps) - f64(x64 - eps)) / (2 * eps), rtol=1e-4)
    check_grads(zf, (x,), order=1, modes=("fwd", "rev"))
    assert_same(zenax.jit(zenax.grad(zf))(x), g, **TOL, check_weak_type=False)
    text = zenax.jit(zenax.grad(zf)).lower(x).as_text()
    assert text.count("stablehlo.while") == 2
    typecheck(zenax.grad(zf), x)
    # Forward mode and vmap keep the loop a while loop; vmap of the gradient works too.
    assert_same(zenax.jvp(zf, (x,), (np.float32(1.0),)),
                jax.jvp(bounded_while(*JAX), (x,), (np.float32(1.0),)), **TOL,
                check_weak_type=False)
    xs = np.array([0.7, 0.3, 6.0], np.float32)
    assert_same(zenax.vmap(zenax.grad(zf))(xs),
                jax.vmap(lambda x: jax.jvp(bounded_while(*JAX), (x,), (np.float32(1.0),))[1])(xs),
                rtol=1e-4, atol=1e-4, check_weak_type=False)
    assert_same(zenax.grad(lambda xs: znp.sum(zenax.vmap(zf)(xs)))(xs),
                zenax.vmap(zenax.grad(zf))(xs), **TOL, check_weak_type=False)


def test_while_loop_max_steps_truncates_and_skips_finished_steps():
    f = lambda x: lax.while_loop(lambda c: c < 100.0, lambda c: c * 2.0, x, max_steps=3)
    # At most max_steps iterations, eagerly, under jit, vmap and grad.
    assert float(f(np.float32(1.0))) == 8.0
    assert float(zenax.jit(f)(np.float32(1.0))) == 8.0
    assert_same(zenax.vmap(f)(np.array([1.0, 200.0], np.float32)),
                np.array([8.0, 200.0], np.float32), **TOL, check_weak_type=False)
    assert float(zenax.grad(f)(np.float32(1.0))) == 8.0
    assert float(zenax.grad(f)(np.float32(200.0))) == 1.0
    # Steps after the exit do not run, so a body singular past the exit point (sqrt of a
    # negative number) leaves no NaN in the gradient.
    g = lambda x: lax.while_loop(lambda c: c > 1.0, lambda c: znp.sqrt(c - 1.0) * 1.5, x,
                                 max_steps=10)
    jg = lambda x: jlax.while_loop(lambda c: c > 1.0, lambda c: jnp.sqrt(c - 1.0) * 1.5, x)
    x = np.float32(3.0)
    grad = zenax.grad(g)(x)
    assert np.isfinite(grad)
    assert_same(grad, jax.jvp(jg, (x,), (np.float32(1.0),))[1], **TOL, check_weak_type=False)


def test_grad_of_unbounded_while_loop_suggests_max_steps():
    zf = bounded_while(*ZEN)
    x = np.float32(0.7)
    with pytest.raises(ValueError, match="max_steps"):
        zenax.grad(zf)(x)
    with pytest.raises(ValueError, match="max_steps"):
        zenax.jit(zenax.grad(zf))(x)
    with pytest.raises(ValueError):   # JAX refuses too
        jax.grad(bounded_while(*JAX))(x)
    # Forward mode and linearize need no bound.
    assert_same(zenax.linearize(zf, x)[1](np.float32(1.0)),
                jax.linearize(bounded_while(*JAX), x)[1](np.float32(1.0)), **TOL,
                check_weak_type=False)
    # A loop whose float carries pass through unchanged (only an int counter runs) and a
    # loop that only decides an integer are differentiable, as in JAX.
    def passthrough(L):
        return lambda x: L.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1]),
                                      (0, x))[1] * x
    assert_same(zenax.grad(passthrough(lax))(x), jax.grad(passthrough(jlax))(x), **TOL,
                check_weak_type=False)

    def trip_count(L):
        return lambda x: x * L.while_loop(lambda c: c[1] < 5.0,
                                          lambda c: (c[0] + 1, c[1] * 2.0), (0, x))[0]
    assert_same(zenax.grad(trip_count(lax))(x), jax.grad(trip_count(jlax))(x), **TOL,
                check_weak_type=False)


# ## Part 4: JAX's semantics at the edges, and its errors

def test_weakly_typed_initial_carries_are_promoted_like_jax():
    for f, jf in [(lambda: lax.fori_loop(0, 3, lambda i, c: c + 1.5, 0),
                   lambda: jlax.fori_loop(0, 3, lambda i, c: c + 1.5, 0)),
                  (lambda: lax.while_loop(lambda c: c < 3, lambda c: c + 1.5, 0),
                   lambda: jlax.while_loop(lambda c: c < 3, lambda c: c + 1.5, 0)),
                  (lambda: lax.scan(lambda c, x: (c + x, c), 0, np.ones(3, np.float32)),
                   lambda: jlax.scan(lambda c, x: (c + x, c), 0, jnp.ones(3))),
                  # A weak float carry or operand takes a bfloat16 body's dtype.
                  (lambda: lax.scan(lambda c, x: (c + x, c), 0.0, znp.ones(3, jnp.bfloat16)),
                   lambda: jlax.scan(lambda c, x: (c + x, c), 0.0, jnp.ones(3, jnp.bfloat16))),
                  (lambda: lax.cond(True, lambda a: a + znp.ones((), jnp.bfloat16),
                                    lambda a: a * znp.ones((), jnp.bfloat16), 1.0),
                   lambda: jlax.cond(True, lambda a: a + jnp.ones((), jnp.bfloat16),
                                     lambda a: a * jnp.ones((), jnp.bfloat16), 1.0))]:
        assert_same(f(), jf(), **TOL, check_weak_type=False)
        assert_same(zenax.jit(f)(), jf(), **TOL, check_weak_type=False)


def test_edge_semantics_equal_jax():
    x = np.float32(1.5)
    # A float predicate is compared with zero; `operand=` is JAX's older spelling.
    assert_same(lax.cond(np.float32(0.5), lambda: 1.0, lambda: 2.0),
                jlax.cond(np.float32(0.5), lambda: 1.0, lambda: 2.0), **TOL, check_weak_type=False)
    assert_same(lax.cond(False, lambda a: a, lambda a: -a, operand=x),
                jlax.cond(False, lambda a: a, lambda a: -a, operand=x), **TOL,
                check_weak_type=False)
    # switch clamps its index; one branch needs no index at all.
    for i in (-3, 0, 2, 10):
        assert_same(switch_prog(*ZEN)(_x3, i), switch_prog(*JAX)(_x3, i), **TOL,
                    check_weak_type=False)
    assert_same(lax.switch(5, [lambda: x]), jlax.switch(5, [lambda: x]), **TOL,
                check_weak_type=False)
    # Empty and negative-length loops.
    assert_same(lax.scan(lambda c, r: (c + r.sum(), r * 2), x, np.zeros((0, 3), np.float32)),
                jlax.scan(lambda c, r: (c + r.sum(), r * 2), x, np.zeros((0, 3), np.float32)),
                **TOL, check_weak_type=False)
    assert_same(lax.fori_loop(5, 3, lambda i, c: c * 2, x),
                jlax.fori_loop(5, 3, lambda i, c: c * 2, x), **TOL, check_weak_type=False)
    assert_same(zenax.grad(lambda c: lax.scan(lambda c, r: (c * r.sum(), r), c,
                                              np.zeros((0, 3), np.float32))[0])(x),
                np.float32(1.0), **TOL, check_weak_type=False)
    # ys may be None; xs may be a list; unroll=False means 1.
    assert_same(lax.scan(lambda c, r: (c + r, None), x, np.ones(3, np.float32)),
                jlax.scan(lambda c, r: (c + r, None), x, np.ones(3, np.float32)), **TOL,
                check_weak_type=False)
    assert_same(lax.scan(lambda c, r: (c + r[0] * r[1], r[0]), x, [np.ones(3, np.float32),
                                                                     np.arange(3.0)]),
                jlax.scan(lambda c, r: (c + r[0] * r[1], r[0]), x, [np.ones(3, np.float32),
                                                                      np.arange(3.0)]),
                **TOL, check_weak_type=False)
    assert_same(lax.fori_loop(0, 5, lambda i, c: c * 0.5 + i, x, unroll=2),
                jlax.fori_loop(0, 5, lambda i, c: c * 0.5 + i, x, unroll=2), **TOL,
                check_weak_type=False)


def _error(fun, exc):
    with pytest.raises(exc) as info:
        fun()
    return str(info.value)


def test_mismatched_branch_outputs_raise_type_error():
    x = np.float32(1.0)
    for L in (lax, jlax):     # JAX raises TypeError for each of these too
        _error(lambda: L.cond(True, lambda a: a, lambda a: a.astype(np.int32), x), TypeError)
    msg = _error(lambda: lax.cond(True, lambda a: a, lambda a: a.astype(np.int32), x), TypeError)
    assert "true_fun" in msg and "false_fun" in msg and "f32[]" in msg and "i32[]" in msg
    assert "test_control_flow.py" in msg   # the user's line
    msg = _error(lambda: lax.cond(True, lambda a: a, lambda a: znp.stack([a, a]), x), TypeError)
    assert "f32[2]" in msg
    msg = _error(lambda: lax.cond(True, lambda a: (a, a), lambda a: a, x), TypeError)
    assert "pytree structure" in msg
    msg = _error(lambda: lax.switch(1, [lambda a: a, lambda a: a, lambda a: a > 0], x), TypeError)
    assert "branches[2]" in msg and "bool[]" in msg


def test_scan_and_while_carry_type_change_raise_type_error():
    x, xs = np.float32(1.0), np.ones(3, np.float32)
    for L in (lax, jlax):
        _error(lambda: L.scan(lambda c, r: (c.astype(np.int32), r), x, xs), TypeError)
        _error(lambda: L.while_loop(lambda c: c > 0, lambda c: c.astype(np.int32), x), TypeError)
    msg = _error(lambda: lax.scan(lambda c, r: (c.astype(np.int32), r), x, xs), TypeError)
    assert "carry" in msg and "f32[]" in msg and "i32[]" in msg and "test_control_flow.py" in msg
    msg = _error(lambda: lax.scan(lambda c, r: (znp.stack([c, c]), r), x, xs), TypeError)
    assert "f32[2]" in msg
    msg = _error(lambda: lax.while_loop(lambda c: c > 0, lambda c: (c - 1).astype(np.int32), x),
                 TypeError)
    assert "body_fun" in msg and "i32[]" in msg
    msg = _error(lambda: lax.scan(lambda c, r: c, x, xs), TypeError)
    assert "pair" in msg


def test_non_boolean_while_predicate_raises_type_error():
    x = np.float32(1.0)
    for L in (lax, jlax):
        _error(lambda: L.while_loop(lambda c: c, lambda c: c - 1.0, x), TypeError)
    msg = _error(lambda: lax.while_loop(lambda c: c, lambda c: c - 1.0, x), TypeError)
    assert "cond_fun must return a boolean scalar" in msg and "f32[]" in msg
    msg = _error(lambda: lax.while_loop(lambda c: c > 0, lambda c: c - 1.0, np.ones(3, np.float32)),
                 TypeError)
    assert "bool[3]" in msg


def test_bad_predicates_indices_and_lengths_raise_like_jax():
    x = np.float32(1.0)
    for L in (lax, jlax):
        _error(lambda: L.cond(np.array([True, False]), lambda a: a, lambda a: a, x), TypeError)
        _error(lambda: L.cond(np.complex64(1), lambda: x, lambda: x), TypeError)
        _error(lambda: L.cond(None, lambda: x, lambda: x), TypeError)
        _error(lambda: L.switch(1.0, [lambda: x, lambda: x]), TypeError)
        _error(lambda: L.scan(lambda c, r: (c, r), x, (np.ones(3), np.ones(4))), ValueError)
        _error(lambda: L.scan(lambda c, r: (c, r), x, None), ValueError)
        _error(lambda: zenax.jit(lambda n: lax.fori_loop(0, n, lambda i, c: c, x, unroll=2))(3)
               if L is lax else
               jax.jit(lambda n: jlax.fori_loop(0, n, lambda i, c: c, x, unroll=2))(3),
               ValueError)
    assert "Pred must be a scalar" in _error(
        lambda: lax.cond(np.array([True, False]), lambda a: a, lambda a: a, x), TypeError)
    assert "different leading axis sizes" in _error(
        lambda: lax.scan(lambda c, r: (c, r), x, (np.ones(3), np.ones(4))), ValueError)
    assert "max_steps" in _error(
        lambda: lax.while_loop(lambda c: c < 5, lambda c: c + 1, 0, max_steps=-1), ValueError)


def if_positive(x):
    if x > 0:
        return x
    return -x


def double_until_ten(x):
    while x < 10:
        x = x * 2
    return x


@pytest.mark.parametrize("transform", ["jit", "make_jaxpr", "vmap"])
def test_python_control_flow_on_traced_values_raises_jax_class_errors(transform):
    wrap = {"jit": zenax.jit, "make_jaxpr": zenax.make_jaxpr, "vmap": zenax.vmap}[transform]
    arg = np.ones(3, np.float32) if transform == "vmap" else np.float32(1.0)
    for fun in (if_positive, double_until_ten):
        with pytest.raises(zenax.TracerBoolConversionError) as info:
            wrap(fun)(arg)
        msg = str(info.value)
        # Names the traced value and the user's line; suggests the fixes.
        assert "bool[]" in msg and "test_control_flow.py" in msg and fun.__name__ in msg
        assert "lax.cond" in msg and "jnp.where" in msg and "static" in msg
        assert isinstance(info.value, TypeError)   # ConcretizationTypeError, as in JAX
    with pytest.raises(zenax.TracerIntegerConversionError):
        wrap(lambda n: np.float32(1.0) * sum(range(n)))(np.int32(3) if transform != "vmap"
                                                         else np.arange(3, dtype=np.int32))
    # Static arguments and concrete values (under grad) may drive Python control flow.
    assert float(zenax.jit(if_positive, static_argnums=0)(-2.0)) == 2.0
    assert float(zenax.grad(if_positive)(np.float32(-2.0))) == -1.0
