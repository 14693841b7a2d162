"""Fuzzed programs: random well-typed programs, run by zenax and by JAX.

A hypothesis strategy draws a small program -- a list of operations over two float32
inputs: elementwise unary and binary functions (with NumPy broadcasting), reductions,
matmul/dot, reshape/transpose and structured control flow (cond, fori_loop, scan) -- with
safe domains, so every value stays finite and smooth.  The same program is interpreted
with ``zenax.numpy``/``zenax.lax`` and with ``jax.numpy``/``jax.lax``, and checked for:

- eager == ``zenax.jit`` == JAX;
- ``jvp`` == ``jax.jvp`` and finite differences;
- the transpose identity ``<v, J u> == <J^T v, u>`` between our jvp and vjp;
- ``vmap`` == a Python loop (of JAX's results);
- ``make_jaxpr`` -> ``eval_jaxpr`` gives back the function;
- ``typecheck_jaxpr`` of the jaxprs staged from ``jvp``, ``linearize``, ``vjp``, ``vmap``.

Each property runs on 200 programs on a fixed seed in the full tier, 60 in CI; set
``ZENAX_FUZZ_EXAMPLES`` for more (``ZENAX_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py``).
"""
from __future__ import annotations

import os
import types
from typing import NamedTuple

import jax
import jax.numpy as jjnp
import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

import zenax
import zenax.numpy as znp
from zenax.test_util import check_grads

from oracle import assert_same

pytestmark = pytest.mark.slow   # end to end: random programs, hundreds of examples per property

# 200 programs per property in the full tier, 60 in CI (ZENAX_TEST_TIER: tests/conftest.py).
EXAMPLES = int(os.environ.get("ZENAX_FUZZ_EXAMPLES",
                              "200" if os.environ.get("ZENAX_TEST_TIER") == "full" else "60"))
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ZX = types.SimpleNamespace(np=znp, lax=zenax.lax)
JX = types.SimpleNamespace(np=jjnp, lax=jax.lax)
TOL = dict(rtol=1e-4, atol=1e-5)


# ## The language

# Smooth functions that keep values bounded (or growing at most linearly).
UNARY = {
    "sin": lambda xp, v: xp.sin(v),
    "cos": lambda xp, v: xp.cos(v),
    "tanh": lambda xp, v: xp.tanh(v),
    "neg": lambda xp, v: -v,
    "log1p_sq": lambda xp, v: xp.log1p(v * v),
    "sqrt1p_sq": lambda xp, v: xp.sqrt(1.0 + v * v),
    "exp_sin": lambda xp, v: xp.exp(xp.sin(v)),
}
BINARY = {
    "add": lambda xp, a, b: a + b,
    "sub": lambda xp, a, b: xp.subtract(a, b),
    "mul_tanh": lambda xp, a, b: a * xp.tanh(b),
    "div": lambda xp, a, b: a / (1.0 + b * b),
}
# max is smooth almost everywhere but not across ties: only in the non-derivative checks.
REDUCTIONS = ("sum", "mean", "max")
SMOOTH_REDUCTIONS = ("sum", "mean")
IN_SHAPES = ((3,), (2, 3), (4,), (2, 2), (3, 1))


class Op(NamedTuple):
    kind: str
    args: tuple   # operand indices into the values computed so far
    params: tuple


class Program(NamedTuple):
    x_shape: tuple
    y_shape: tuple
    ops: tuple
    seed: int

    def inputs(self, batch: int | None = None):
        rng = np.random.default_rng(self.seed)
        lead = () if batch is None else (batch,)
        return (rng.standard_normal(lead + self.x_shape).astype(np.float32),
                rng.standard_normal(lead + self.y_shape).astype(np.float32))


def _apply(op: Op, L, vals):
    xp, lax = L.np, L.lax
    v = vals[op.args[0]]
    if op.kind == "unary":
        return UNARY[op.params[0]](xp, v)
    if op.kind == "binary":
        return BINARY[op.params[0]](xp, v, vals[op.args[1]])
    if op.kind == "reduce":
        name, axis, keepdims = op.params
        return getattr(xp, name)(v, axis=axis, keepdims=keepdims)
    if op.kind == "matmul":
        u = vals[op.args[1]]
        return xp.dot(v, u) if v.ndim == 1 else xp.matmul(v, xp.transpose(u))
    if op.kind == "reshape":
        return xp.reshape(v, op.params[0])
    if op.kind == "transpose":
        return xp.transpose(v)
    if op.kind == "cond":
        a, b = op.params
        return lax.cond(xp.sum(v) > 0, lambda w: UNARY[a](xp, w), lambda w: UNARY[b](xp, w), v)
    if op.kind == "fori":
        n, a = op.params
        return lax.fori_loop(0, n, lambda i, c: 0.5 * UNARY[a](xp, c) + v, v)
    if op.kind == "scan":
        (ys_out,) = op.params

        def step(c, x):
            return xp.tanh(c + x), c * x
        carry, ys = lax.scan(step, xp.zeros(v.shape[1:], xp.float32), v)
        return ys if ys_out else carry
    raise ValueError(op.kind)


def run(program: Program, L, x, y):
    """Interpret ``program`` with the library ``L`` (zenax's or JAX's)."""
    vals = [x, y]
    for op in program.ops:
        vals.append(_apply(op, L, vals))
    return vals[-1]


def _broadcastable(a, b) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def _reshapes(shape):
    size = int(np.prod(shape))
    out = [(size,)] + [(d, size // d) for d in range(2, size) if size % d == 0]
    return [s for s in out if s != tuple(shape)]


@st.composite
def programs(draw, smooth: bool = True):
    """A random well-typed program; ``smooth``: differentiable everywhere it is drawn."""
    x_shape = draw(st.sampled_from(IN_SHAPES))
    y_shape = draw(st.sampled_from([x_shape, x_shape[-1:], ()]))
    shapes = [x_shape, y_shape]
    ops = []
    for _ in range(draw(st.integers(1, 4))):
        # Mostly work on the latest value, so programs are chains rather than bushes.
        i = draw(st.sampled_from([len(shapes) - 1] * 3 + list(range(len(shapes)))))
        s = shapes[i]
        kind = draw(st.sampled_from(["unary", "unary", "binary", "binary", "binary", "reduce",
                                     "reduce", "matmul", "reshape", "transpose", "control"]))
        if kind == "control":   # rarer than the rest: each one compiles when run eagerly
            kind = draw(st.sampled_from(["cond", "fori", "scan"]))
        op = out = None
        if kind == "binary":
            j = draw(st.sampled_from([k for k, t in enumerate(shapes) if _broadcastable(s, t)]))
            op = Op("binary", (i, j), (draw(st.sampled_from(sorted(BINARY))),))
            out = np.broadcast_shapes(s, shapes[j])
        elif kind == "reduce" and len(s) >= 1:
            axis = draw(st.sampled_from([None] + list(range(len(s)))))
            keepdims = draw(st.booleans())
            name = draw(st.sampled_from(SMOOTH_REDUCTIONS if smooth else REDUCTIONS))
            op = Op("reduce", (i,), (name, axis, keepdims))
            out = np.sum(np.zeros(s), axis=axis, keepdims=keepdims).shape
        elif kind == "matmul" and len(s) in (1, 2):
            partners = [k for k, t in enumerate(shapes) if len(t) == len(s) and t[-1] == s[-1]]
            j = draw(st.sampled_from(partners))
            op = Op("matmul", (i, j), ())
            out = () if len(s) == 1 else (s[0], shapes[j][0])
        elif kind == "reshape" and _reshapes(s):
            new = draw(st.sampled_from(_reshapes(s)))
            op, out = Op("reshape", (i,), (new,)), new
        elif kind == "transpose" and len(s) >= 2:
            op, out = Op("transpose", (i,), ()), tuple(reversed(s))
        elif kind == "cond":
            op = Op("cond", (i,), (draw(st.sampled_from(sorted(UNARY))),
                                   draw(st.sampled_from(sorted(UNARY)))))
            out = s
        elif kind == "fori":
            op = Op("fori", (i,), (draw(st.integers(1, 3)), draw(st.sampled_from(sorted(UNARY)))))
            out = s
        elif kind == "scan" and len(s) >= 1:
            ys_out = draw(st.booleans())
            op, out = Op("scan", (i,), (ys_out,)), (s if ys_out else s[1:])
        if op is None:      # the drawn kind does not apply to this operand
            op, out = Op("unary", (i,), (draw(st.sampled_from(sorted(UNARY))),)), s
        ops.append(op)
        shapes.append(tuple(out))
    return Program(x_shape, y_shape, tuple(ops), draw(st.integers(0, 2 ** 16)))


# ## Helpers

def zx_fun(program):
    return lambda x, y: run(program, ZX, x, y)


def jax_fun(program):
    return lambda x, y: run(program, JX, x, y)


def _random(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ## Properties
#
# Two tests share the work of six properties: each program is drawn, traced and run by JAX
# once, then checked for every property that applies to it (the value properties on any
# program, the derivative ones on smooth programs), so every property still sees
# ``EXAMPLES`` programs.

def _check_eager_jit_and_jax_agree(program, want):
    x, y = program.inputs()
    assert_same(zx_fun(program)(x, y), want, **TOL)
    assert_same(zenax.jit(zx_fun(program))(x, y), want, **TOL)


def _check_vmap_matches_a_loop(program):
    xs, ys = program.inputs(batch=2)
    got = zenax.vmap(zx_fun(program))(xs, ys)
    want = np.stack([np.asarray(jax_fun(program)(x, y)) for x, y in zip(xs, ys)])
    assert_same(got, want, **TOL)


def _check_make_jaxpr_eval_jaxpr_round_trip(program, want):
    x, y = program.inputs()
    closed = zenax.make_jaxpr(zx_fun(program))(x, y)
    zenax.typecheck_jaxpr(closed)
    (out,) = zenax.eval_jaxpr(closed.jaxpr, closed.consts, x, y)
    assert_same(out, want, **TOL)


def _check_jvp_matches_jax_and_finite_differences(program, tangents):
    x, y = program.inputs()
    out, t_out = zenax.jvp(zx_fun(program), (x, y), tangents)
    want, t_want = jax.jvp(jax_fun(program), (x, y), tangents)
    assert_same(out, want, **TOL)
    assert_same(t_out, t_want, **TOL)
    check_grads(zx_fun(program), (x, y), order=1, modes=("fwd",))
    return out, t_out


def _check_vjp_is_the_transpose_of_jvp(program, u, out, j_u):
    """``<v, J u> == <J^T v, u>``; jvp itself is checked against jax.jvp, so the identity
    ties vjp to it."""
    x, y = program.inputs()
    v = _random(program.seed + 3, np.shape(out))
    _, f_vjp = zenax.vjp(zx_fun(program), x, y)
    jt_v = f_vjp(v)
    lhs = np.vdot(np.asarray(v, np.float64), np.asarray(j_u, np.float64))
    rhs = sum(np.vdot(np.asarray(a, np.float64), np.asarray(b, np.float64))
              for a, b in zip(jt_v, u))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-4, atol=1e-4 * (1 + abs(lhs)))


def _check_transformed_jaxprs_typecheck(program, tangents, out_shape):
    f = zx_fun(program)
    x, y = program.inputs()
    ct = _random(program.seed + 3, out_shape)
    xs, ys = program.inputs(batch=2)
    staged = {
        "jvp": zenax.make_jaxpr(lambda a, b: zenax.jvp(f, (a, b), tangents))(x, y),
        "linearize": zenax.linearize(f, x, y)[1].jaxpr,
        "vjp": zenax.make_jaxpr(lambda a, b, c: zenax.vjp(f, a, b)[1](c))(x, y, ct),
        "vmap": zenax.make_jaxpr(zenax.vmap(f))(xs, ys),
    }
    for name, closed in staged.items():
        try:
            zenax.typecheck_jaxpr(closed)
        except zenax.tracer.JaxprTypeError as e:
            raise AssertionError(f"the jaxpr staged from {name} does not typecheck: {e}")


@SETTINGS
@given(programs(smooth=False))
def test_values_eager_jit_vmap_and_jaxpr_round_trip(program):
    """Eager == jit == JAX; vmap == a loop; make_jaxpr -> eval_jaxpr gives the function."""
    x, y = program.inputs()
    want = jax_fun(program)(x, y)
    _check_eager_jit_and_jax_agree(program, want)
    _check_vmap_matches_a_loop(program)
    _check_make_jaxpr_eval_jaxpr_round_trip(program, want)


@SETTINGS
@given(programs())
def test_derivatives_jvp_vjp_and_staged_jaxprs(program):
    """jvp == jax.jvp and finite differences; vjp is jvp's transpose; the jaxprs staged
    from jvp, linearize, vjp and vmap typecheck."""
    x, y = program.inputs()
    tangents = (_random(program.seed + 1, x.shape), _random(program.seed + 2, y.shape))
    out, j_u = _check_jvp_matches_jax_and_finite_differences(program, tangents)
    _check_vjp_is_the_transpose_of_jvp(program, tangents, out, j_u)
    _check_transformed_jaxprs_typecheck(program, tangents, np.shape(out))
