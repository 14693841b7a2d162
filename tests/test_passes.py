"""The jaxpr passes jit runs before lowering (transforms/passes.py).

Each pass gets its own checks that it shrinks the jaxpr as expected -- dead code gone
(:func:`dce`), duplicate equations merged (:func:`cse`), literal-only scalar equations
folded (:func:`fold_constants`), identity reshapes/converts/transposes/... removed
(:func:`forward_unchanged`), outputs that are inputs found (:func:`forwarded_outputs`)
-- and that it keeps the program's meaning: the result passes ``typecheck_jaxpr`` and
evaluates to exactly what the original does.  Equations with side effects (a
``debug_callback``, also inside a nested ``jit_call``) are never removed or merged.
Then the pipeline (:func:`optimize`) on random programs, and what jit does with it: the
traced jaxpr of a jitted function is the optimized one, its results equal JAX's, and
``grad`` of a jitted function passes the residuals that are inputs on directly.
"""
import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import lax
from zenax.lax import elementwise as ew
from zenax.lax import reductions as red
from zenax.lax import shapes as sh
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import bind, get_aval
from zenax.tracer.ir import Literal, eval_jaxpr, typecheck_jaxpr
from zenax.transforms import passes


def jaxpr_of(f, *args):
    return zenax.make_jaxpr(f)(*args)


def prims(jaxpr):
    return [e.primitive.name for e in jaxpr.eqns]


def check_equivalent(closed, new_jaxpr, *args):
    """``new_jaxpr`` typechecks and computes exactly what ``closed`` does on ``args``."""
    typecheck_jaxpr(new_jaxpr)
    want = eval_jaxpr(closed.jaxpr, closed.consts, *args)
    got = eval_jaxpr(new_jaxpr, closed.consts, *args)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert get_aval(g) == get_aval(w)
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


X = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)


# ## dce

def test_dce_removes_dead_code():
    def f(x):
        dead = jnp.exp(x) * 3.0            # unused: two equations
        jnp.sum(jnp.cos(dead))             # unused: two more
        return jnp.sin(x)

    closed = jaxpr_of(f, X)
    assert len(closed.jaxpr.eqns) == 5
    new = passes.dce(closed.jaxpr)
    assert prims(new) == ["sin"]
    assert new.invars == closed.jaxpr.invars          # the signature is kept
    check_equivalent(closed, new, X)


def test_dce_keeps_effects_even_in_nested_jits(capsys):
    printer = zenax.jit(lambda x: (zenax.debug.print("x = {}", x), x * 2)[1])

    def f(x):
        zenax.debug.print("sum = {}", jnp.sum(x))
        printer(x)                          # result unused, but it prints
        return x + 1.0

    closed = jaxpr_of(f, X)
    new = passes.dce(closed.jaxpr)
    assert prims(new) == ["reduce_sum", "debug_callback", "jit_call", "add"]
    assert passes.has_effects(new.eqns[2]) and not passes.has_effects(new.eqns[3])
    zenax.jit(f)(X)
    out = capsys.readouterr().out
    assert "sum = " in out and "x = " in out


# ## cse

def test_cse_merges_duplicate_equations():
    def f(x):
        a = jnp.sin(x) * 2.0
        b = jnp.sin(x) * 2.0               # the same two equations again
        c = jnp.sum(x, axis=0) + jnp.sum(x, axis=1).sum()   # different params: kept
        return a + b, c

    closed = jaxpr_of(f, X)
    new = passes.dce(passes.cse(closed.jaxpr))
    assert prims(new).count("sin") == 1 and prims(new).count("mul") == 1
    assert len(new.eqns) == len(closed.jaxpr.eqns) - 2
    check_equivalent(closed, new, X)


def test_cse_keeps_distinct_literals_and_merges_equal_ones():
    def f(x):
        return x * 2.0 + x * 2.0 + x * 3.0 + x * 2.0 + x * -0.0 + x * 0.0

    closed = jaxpr_of(f, X)
    new = passes.dce(passes.cse(closed.jaxpr))
    assert prims(new).count("mul") == 4        # by 2.0, 3.0, -0.0 and 0.0
    check_equivalent(closed, new, X)


def test_cse_merges_calls_of_the_same_jitted_function_but_not_effects(capsys):
    inner = zenax.jit(lambda x: jnp.tanh(x) * 2.0)

    def f(x):
        zenax.debug.print("hi")
        zenax.debug.print("hi")
        return inner(x) + inner(x)

    closed = jaxpr_of(f, X)
    new = passes.cse(closed.jaxpr)
    assert prims(new) == ["debug_callback", "debug_callback", "jit_call", "add"]
    check_equivalent(closed, new, X)
    capsys.readouterr()
    zenax.jit(f)(X)
    assert capsys.readouterr().out.count("hi") == 2


# ## fold_constants

def test_fold_constants_folds_literal_only_scalar_equations():
    def f(x):
        scale = lax.cos(0.5) * 2.0 + lax.sqrt(4.0)     # Python scalars: literals
        return x * scale

    closed = jaxpr_of(f, X)
    # A weak scalar multiplying a float32 array is converted to a strong one first.
    assert prims(closed.jaxpr) == ["cos", "mul", "sqrt", "add", "convert_element_type", "mul"]
    new = passes.fold_constants(closed.jaxpr)
    assert prims(new) == ["mul"]
    lit = new.eqns[0].invars[1]
    assert type(lit) is Literal and lit.aval == ShapedArray((), np.float32)
    want = jax.lax.cos(0.5) * 2.0 + jax.lax.sqrt(4.0)
    assert np.float32(lit.val) == want
    check_equivalent(closed, new, X)


def test_fold_constants_keeps_weak_types_and_leaves_arrays_alone():
    closed = jaxpr_of(lambda x: (lax.cos(1.0) + 1.0, lax.broadcast(lax.cos(1.0), (3,)) + x),
                      X[0])
    new = passes.fold_constants(closed.jaxpr)
    weak = new.outvars[0]
    assert type(weak) is Literal and weak.aval == ShapedArray((), np.float32, weak_type=True)
    assert type(weak.val) is float      # as a staged Python scalar: stays weak when lowered
    # cos folded; the broadcast to f32[3] (and its cast) are arrays: not folded.
    assert prims(new) == ["broadcast_in_dim", "convert_element_type", "add"]
    check_equivalent(closed, new, X[0])
    # Folded outputs: the whole program is a constant.
    closed = jaxpr_of(lambda: lax.sin(1.0) * 2.0)
    new = passes.fold_constants(closed.jaxpr)
    assert new.eqns == [] and type(new.outvars[0]) is Literal
    out = zenax.jit(lambda: lax.sin(1.0) * 2.0)()
    want = jax.jit(lambda: jax.lax.sin(1.0) * 2.0)()
    assert out.weak_type == want.weak_type and np.float32(out) == np.float32(want)


def test_fold_constants_skips_calls_and_effects():
    inner = zenax.jit(lambda a: a + 1.0)

    def f(x):
        zenax.debug.print("{}", 3.0)
        return x + inner(2.0)[()]

    closed = jaxpr_of(f, X)
    new = passes.fold_constants(closed.jaxpr)
    assert prims(new) == prims(closed.jaxpr)


# ## forward_unchanged

def test_forward_unchanged_removes_identities():
    # Bound directly: the lax wrappers already skip most identities (as JAX's do).
    def f(x):
        y = bind(sh.reshape_p, x, new_sizes=(2, 3), dimensions=None)
        y = bind(ew.convert_element_type_p, y, new_dtype=np.dtype(np.float32), weak_type=False)
        y = bind(sh.transpose_p, y, permutation=(0, 1))
        y = bind(sh.broadcast_in_dim_p, y, shape=(2, 3), broadcast_dimensions=(0, 1))
        y = bind(sh.squeeze_p, y, dimensions=())
        y = bind(sh.rev_p, y, dimensions=())
        y = bind(red.reduce_sum_p, y, axes=())
        y = bind(sh.slice_p, y, start_indices=(0, 0), limit_indices=(2, 3), strides=None)
        y = bind(sh.concatenate_p, y, dimension=0)
        y = bind(ew.integer_pow_p, y, y=1)
        return jnp.sin(y), bind(sh.broadcast_in_dim_p, 2.0, shape=(), broadcast_dimensions=())

    closed = jaxpr_of(f, X)
    assert len(closed.jaxpr.eqns) == 12
    new = passes.forward_unchanged(closed.jaxpr)
    assert prims(new) == ["sin"] and new.eqns[0].invars[0] is new.invars[0]
    assert type(new.outvars[1]) is Literal and new.outvars[1].val == 2.0
    check_equivalent(closed, new, X)


def test_forward_unchanged_keeps_real_work_and_stop_gradient():
    def f(x):
        a = lax.reshape(x, (3, 2))                       # a different shape
        b = lax.reshape(x, (2, 3), dimensions=(0, 1))    # dimensions: kept
        c = lax.transpose(x, (1, 0))
        d = lax._convert_element_type(x, np.float32, weak_type=True)   # changes the type
        e = lax.stop_gradient(x)                         # identity only in value
        f = lax.rev(x, (1,))
        return a, b, c, d, e, f

    closed = jaxpr_of(f, X)
    new = passes.forward_unchanged(closed.jaxpr)
    assert prims(new) == prims(closed.jaxpr)
    check_equivalent(closed, new, X)
    # stop_gradient is kept so grad of a jitted function stays right.
    g = zenax.grad(zenax.jit(lambda x: jnp.sum(lax.stop_gradient(x) * x)))(X)
    np.testing.assert_array_equal(g, X)


def test_forwarded_outputs():
    closed = jaxpr_of(lambda x, y: (y, jnp.sin(x), x, 2.0), X, X)
    j = closed.jaxpr
    assert passes.forwarded_outputs(j) == [1, None, 0, None]
    closed = jaxpr_of(lambda x: (x, x * X), X)          # X: a constvar (index 0)
    assert passes.forwarded_outputs(closed.jaxpr) == [1, None]


# ## The pipeline

def _random_program(rng, n_eqns):
    """A random straight-line program over three inputs with duplicates, dead values,
    identities and constant scalar arithmetic."""
    unary = [jnp.sin, jnp.cos, jnp.tanh, jnp.exp, lambda v: v * 2.0,
             lambda v: lax.reshape(v, v.shape), lambda v: lax.transpose(v, (0, 1)),
             lambda v: v + lax.cos(1.5) * 3.0]
    binary = [jnp.add, jnp.multiply, jnp.subtract, jnp.maximum]
    plan = [(rng.randint(2), rng.randint(len(unary)), rng.randint(len(binary)),
             rng.randint(1 << 30, size=2)) for _ in range(n_eqns)]

    def f(a, b, c):
        vals = [a, b, c]
        for kind, u, bi, (i, j) in plan:
            x, y = vals[i % len(vals)], vals[j % len(vals)]
            vals.append(unary[u](x) if kind == 0 else binary[bi](x, y))
            if kind == 1 and rng.rand() < 0.3:
                vals.append(binary[bi](x, y))          # a duplicate
        return vals[-1], vals[-2]

    return f


@pytest.mark.parametrize("seed", range(6))
def test_optimize_keeps_results_on_random_programs(seed):
    rng = np.random.RandomState(seed)
    f = _random_program(rng, 12)
    args = [np.random.RandomState(seed + 100).uniform(-1, 1, (2, 3)).astype(np.float32)
            for _ in range(3)]
    closed = jaxpr_of(f, *args)
    new = passes.optimize(closed.jaxpr)
    assert len(new.eqns) < len(closed.jaxpr.eqns)
    check_equivalent(closed, new, *args)
    for pass_ in (passes.dce, passes.cse, passes.fold_constants, passes.forward_unchanged):
        check_equivalent(closed, pass_(closed.jaxpr), *args)      # each pass alone
    assert prims(passes.optimize(new)) == prims(new)              # a fixed point


def test_jit_traces_the_optimized_jaxpr():
    def f(x):
        unused = jnp.exp(x)                                  # dead
        scale = lax.cos(0.0) + 1.0                           # folds to 2.0
        a = jnp.sin(lax.reshape(x, x.shape)) * scale         # identity reshape
        b = jnp.sin(x) * scale                               # duplicate of a
        return a + b, unused.shape

    def jf(x):
        a = jjnp.sin(x) * (jax.lax.cos(0.0) + 1.0)
        return a + a, x.shape

    jitted = zenax.jit(f)
    traced = jitted.trace(X).jaxpr
    assert prims(traced) == ["sin", "mul", "add"]
    assert len(jaxpr_of(f, X).jaxpr.eqns) > 3
    typecheck_jaxpr(traced)
    out = jitted(X)
    want = jax.jit(jf)(X)
    np.testing.assert_array_equal(out[0], want[0])
    assert out[1] == want[1]


def test_partial_eval_of_jit_passes_input_residuals_on():
    f = zenax.jit(lambda x: jnp.sin(x) * x)
    jaxpr = zenax.make_jaxpr(zenax.grad(lambda x: jnp.sum(f(x))))(X[0]).jaxpr
    known, backward = [e for e in jaxpr.eqns if e.primitive.name == "jit_call"]
    assert known.params["name"] == "jvp(<lambda>)"
    assert len(known.outvars) == 3          # the output and two residuals (sin x, cos x)
    # x is a residual of the backward pass too: handed over directly, not copied out.
    assert backward.params["name"] == "transpose(jvp(<lambda>))"
    assert jaxpr.invars[0] in backward.invars
    np.testing.assert_allclose(zenax.grad(lambda x: jnp.sum(f(x)))(X[0]),
                               jax.grad(lambda x: jjnp.sum(jjnp.sin(x) * x))(X[0]), rtol=1e-6)
