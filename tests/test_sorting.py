"""``lax.sort`` (multi-operand, ``num_keys``), ``lax.argsort``, ``lax.sort_key_val`` and
``lax.top_k`` against ``jax.lax``: values on random and tied inputs, ``jvp``/``vjp``
against JAX's, ``vmap`` against ``jax.vmap``, finite differences to second order, and
``typecheck_jaxpr`` on every transformed program.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
from zenax import lax
from zenax.test_util import check_grads

from oracle import assert_close, assert_same

jlax = jax.lax
rng = np.random.RandomState(0)
X = rng.randn(4, 6).astype(np.float32)
TIED = np.round(rng.randn(4, 6)).astype(np.float32)         # many equal keys
Y = rng.randn(4, 6).astype(np.float32)
INTS = rng.randint(0, 3, (4, 6)).astype(np.int32)
NANS = np.where(rng.rand(4, 6) < 0.2, np.nan, X).astype(np.float32)
T1 = rng.randn(4, 6).astype(np.float32)
T2 = rng.randn(4, 6).astype(np.float32)


# Sorting moves values: equal bit for bit, weak types aside.  Derivatives agree to ``TOL``.
EXACT = dict(rtol=0, atol=0, check_weak_type=False)
TOL = dict(rtol=1e-6, atol=1e-6)


def typechecks(f, *args):
    zenax.typecheck_jaxpr(zenax.make_jaxpr(f)(*args))


# ## Values against jax.lax

@pytest.mark.parametrize("x", [X, TIED, INTS, NANS, TIED > 0], ids=["rand", "tied", "int", "nan",
                                                                     "bool"])
@pytest.mark.parametrize("dimension", [0, 1, -1])
def test_sort_one_operand(x, dimension):
    assert_same(lax.sort(x, dimension), jlax.sort(x, dimension), **EXACT)
    assert_same(lax.sort(x, dimension, is_stable=False), jlax.sort(x, dimension, is_stable=False),
                **EXACT)
    assert_same(lax.argsort(x, dimension), jnp.argsort(x, axis=dimension, stable=True), **EXACT)


@pytest.mark.parametrize("num_keys", [1, 2])
@pytest.mark.parametrize("dimension", [0, 1])
def test_sort_several_operands(num_keys, dimension):
    operands = (TIED, INTS, Y)
    ours = lax.sort(operands, dimension, num_keys=num_keys)
    assert isinstance(ours, tuple) and len(ours) == 3
    assert_same(ours, jlax.sort(operands, dimension, num_keys=num_keys), **EXACT)
    assert_same(lax.sort([INTS, TIED], dimension, num_keys=num_keys),
                jlax.sort([INTS, TIED], dimension, num_keys=num_keys), **EXACT)
    assert_same(lax.sort_key_val(TIED, Y, dimension), jlax.sort_key_val(TIED, Y, dimension),
                **EXACT)


@pytest.mark.parametrize("x", [X, TIED, INTS, NANS], ids=["rand", "tied", "int", "nan"])
@pytest.mark.parametrize("k", [0, 1, 4, 6])
def test_top_k(x, k):
    assert_same(lax.top_k(x, k), jlax.top_k(x, k), **EXACT)
    assert_same(lax.top_k(x.T, min(k, 4), axis=0), jlax.top_k(x.T, min(k, 4), axis=0),
                **EXACT)


def test_jaxprs_and_jit():
    f = lambda x, y: (lax.sort((x, y), 0, num_keys=1), lax.top_k(x, 2), lax.argsort(y))
    jaxpr = zenax.make_jaxpr(f)(TIED, Y)
    zenax.typecheck_jaxpr(jaxpr)
    assert [e.primitive.name for e in jaxpr.jaxpr.eqns] == ["sort", "top_k", "iota", "sort"]
    assert str(jaxpr.jaxpr.eqns[0].params) == str(dict(dimension=0, is_stable=True, num_keys=1))
    assert_same(zenax.jit(f)(TIED, Y), f(TIED, Y), **EXACT)
    jf = lambda x, y: (jlax.sort((x, y), 0, num_keys=1), jlax.top_k(x, 2),
                       jnp.argsort(y, stable=True))
    assert_same(zenax.jit(f)(TIED, Y), jax.jit(jf)(TIED, Y), **EXACT)


# ## Derivatives against JAX's

SORTS = {
    "one": (lambda x, y: lax.sort(x, 0), lambda x, y: jlax.sort(x, 0)),
    "key_val": (lambda x, y: lax.sort((x, y), 1), lambda x, y: jlax.sort((x, y), 1)),
    "two_keys": (lambda x, y: lax.sort((lax.round(x), y), 1, num_keys=2),
                 lambda x, y: jlax.sort((jlax.round(x), y), 1, num_keys=2)),
    "int_keys": (lambda x, y: lax.sort((INTS, x, y), 1)[1:],
                 lambda x, y: jlax.sort((INTS, x, y), 1)[1:]),
    "unstable": (lambda x, y: lax.sort((x, y), 1, is_stable=False),
                 lambda x, y: jlax.sort((x, y), 1, is_stable=False)),
    "top_k": (lambda x, y: lax.top_k(lax.mul(x, y), 3)[0],
              lambda x, y: jlax.top_k(x * y, 3)[0]),
    "top_k_axis0": (lambda x, y: lax.top_k(x, 2, axis=0)[0],
                    lambda x, y: jlax.top_k(x, 2, axis=0)[0]),
}


@pytest.mark.parametrize("name", list(SORTS))
@pytest.mark.parametrize("x", [X, TIED], ids=["rand", "tied"])
def test_jvp_and_vjp_match_jax(name, x):
    ours, theirs = SORTS[name]
    primals, tangents = (x, Y), (T1, T2)
    assert_close(zenax.jvp(ours, primals, tangents), jax.jvp(theirs, primals, tangents), **TOL)
    out, f_vjp = zenax.vjp(ours, *primals)
    j_out, j_vjp = jax.vjp(theirs, *primals)
    assert_close(out, j_out, **TOL)
    cts = jax.tree_util.tree_map(lambda o: rng.randn(*o.shape).astype(o.dtype), j_out)
    assert_close(f_vjp(cts), j_vjp(cts), **TOL)
    typechecks(lambda p, t: zenax.jvp(ours, p, t), primals, tangents)
    typechecks(lambda p, c: zenax.vjp(ours, *p)[1](c), primals, cts)


def test_gradients_by_finite_differences():
    check_grads(lambda x: lax.sort((x, lax.mul(x, x)), 1)[1], (X,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: lax.top_k(x, 3)[0], (X,), order=2, modes=("fwd", "rev"))
    weights = np.tile(np.arange(6.0, dtype=np.float32), (4, 1))
    grad = zenax.grad(lambda x: lax.reduce_sum(lax.mul(lax.sort(x, 1), weights), (0, 1)))(X)
    j_grad = jax.grad(lambda x: (jlax.sort(x, 1) * weights).sum())(X)
    assert_close(grad, j_grad, **TOL)


# ## vmap against jax.vmap

@pytest.mark.parametrize("in_axes", [0, 1, (1, None), (None, 0)], ids=str)
def test_vmap_sort(in_axes):
    ours = lambda x, y: lax.sort((x, y), 0, num_keys=1)
    theirs = lambda x, y: jlax.sort((x, y), 0, num_keys=1)
    x, y = TIED, Y
    if in_axes == (None, 0):
        x = TIED[0]
    elif in_axes == (1, None):
        y = Y[:, 0]
    assert_same(zenax.vmap(ours, in_axes)(x, y), jax.vmap(theirs, in_axes)(x, y), **EXACT)
    typechecks(zenax.vmap(ours, in_axes), x, y)
    assert_same(zenax.vmap(lambda x: lax.argsort(x), in_axes=1)(TIED),
                jax.vmap(lambda x: jnp.argsort(x, stable=True), in_axes=1)(TIED), **EXACT)


@pytest.mark.parametrize("in_axes,axis", [(0, -1), (1, -1), (1, 0), (0, 0)])
def test_vmap_top_k(in_axes, axis):
    x = TIED.reshape(4, 3, 2)
    ours = zenax.vmap(lambda x: lax.top_k(x, 2, axis=axis), in_axes)
    assert_same(ours(x), jax.vmap(lambda x: jlax.top_k(x, 2, axis=axis), in_axes)(x),
                **EXACT)
    typechecks(ours, x)


def test_vmap_of_derivatives():
    f = lambda x, t: zenax.jvp(lambda x: lax.top_k(lax.sort(x, 0), 2)[0], (x,), (t,))
    jf = lambda x, t: jax.jvp(lambda x: jlax.top_k(jlax.sort(x, 0), 2)[0], (x,), (t,))
    assert_close(zenax.vmap(f, 1)(X, T1), jax.vmap(jf, 1)(X, T1), **TOL)
    first = lambda v: lax.index_in_dim(v, 0, keepdims=False)
    g = zenax.vmap(zenax.grad(lambda x: first(lax.sort((x, lax.mul(x, x)), 0)[1])))
    jg = jax.vmap(jax.grad(lambda x: jlax.sort((x, x * x), 0)[1][0]))
    assert_close(g(X), jg(X), **TOL)
    typechecks(g, X)


# ## Errors

def test_errors_name_the_function():
    """Type errors come from the abstract evaluation (under tracing); eager calls reach
    JAX's own checks for the same mistakes."""
    trace = lambda f, *args: zenax.make_jaxpr(f)(*args)
    with pytest.raises(TypeError, match=r"sort: all operands must have the same shape"):
        trace(lambda x, y: lax.sort((x, y)), X, X[0])
    with pytest.raises(TypeError, match="sort: num_keys=3"):
        trace(lambda x, y: lax.sort((x, y), num_keys=3), X, Y)
    with pytest.raises(TypeError, match="top_k: k=7"):
        trace(lambda x: lax.top_k(x, 7), X)
    with pytest.raises(TypeError, match="top_k does not accept dtype"):
        trace(lambda x: lax.top_k(x, 1), np.ones(3, np.complex64))
    with pytest.raises(ValueError, match="sort: axis 2 is out of bounds"):   # JAX's kind
        lax.sort(X, 2)
    with pytest.raises(TypeError, match="scalar"):
        lax.sort(np.float32(1.0))
    with pytest.raises(TypeError, match="top_k: k must be a static Python int"):
        lax.top_k(X, 2.0)
    with pytest.raises(TypeError):
        lax.sort((X, X[0]))     # eagerly, JAX's own check
