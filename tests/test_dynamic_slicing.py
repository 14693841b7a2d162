"""``lax.dynamic_slice`` / ``dynamic_update_slice`` and their ``*_in_dim`` wrappers against
``jax.lax`` (the spec table covers each primitive's eager/jit/jvp/vjp/vmap sweep; this file
covers the behaviour around it):

* start indices: Python ints, NumPy scalars, traced scalars, 1-D index arrays, negative
  ones (from the end), out-of-range ones (clamped), mixed integer dtypes (which JAX
  rejects and zenax promotes), ``allow_negative_indices=False``;
* the jaxpr: JAX's equations for unbatched indices (one ``dynamic_slice``), also under
  ``vmap`` of the operand;
* ``vmap`` with every combination of batched/unbatched operand, update and start
  indices, against ``jax.vmap``, eagerly and under ``jit``, nested, and composed with
  ``grad``;
* traced indices inside ``fori_loop`` and ``scan``, and gradients through them;
* errors that name the function and what to fix.
"""
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax import lax
from zenax.test_util import check_grads

from oracle import assert_close, assert_same

jlax = jax.lax
rng = np.random.RandomState(0)
X = rng.randn(5, 6).astype(np.float32)
U = rng.randn(2, 3).astype(np.float32)
B = 4                                                   # vmap batch size
XS = rng.randn(B, 5, 6).astype(np.float32)
US = rng.randn(B, 2, 3).astype(np.float32)
STARTS_I = np.array([0, 4, -1, 9], np.int32)            # from the end, and clamped
STARTS_J = np.array([-8, 2, 5, 1], np.int32)


# Slices move values: equal bit for bit, weak types aside.  Derivatives agree to ``TOL``.
EXACT = dict(rtol=0, atol=0, check_weak_type=False)
TOL = dict(rtol=1e-5, atol=1e-5)


# ## Start indices

STATIC_STARTS = [(1, 2), (4, 5), (-1, 7), (-9, -2), (0, -6), (np.int32(3), np.int64(-1)),
                 (np.int16(2), np.int16(3))]


@pytest.mark.parametrize("starts", STATIC_STARTS, ids=str)
def test_static_starts_like_jax(starts):
    assert_same(lax.dynamic_slice(X, starts, (2, 3)), jlax.dynamic_slice(X, starts, (2, 3)),
                **EXACT)
    assert_same(lax.dynamic_update_slice(X, U, starts), jlax.dynamic_update_slice(X, U, starts),
                **EXACT)


@pytest.mark.parametrize("i,j", [(0, 0), (3, -2), (-1, 9), (-100, 100)])
def test_traced_starts_clamp_like_jax(i, j):
    f = lambda L: lambda x, u, i, j: (L.dynamic_slice(x, (i, j), (2, 3)),
                                      L.dynamic_update_slice(x, u, (i, j)))
    args = (X, U, np.int32(i), np.int32(j))
    expected = f(jlax)(*args)
    for ours in (f(lax)(*args), zenax.jit(f(lax))(*args)):
        assert_same(ours[0], expected[0], **EXACT)
        assert_same(ours[1], expected[1], **EXACT)


@pytest.mark.parametrize("as_array", [np.array, jnp.array], ids=["numpy", "jax"])
def test_start_indices_as_a_1d_array(as_array):
    starts = as_array([-1, 2], dtype=np.int32)
    assert_same(lax.dynamic_slice(X, starts, (2, 3)), jlax.dynamic_slice(X, starts, (2, 3)),
                **EXACT)
    ours = zenax.make_jaxpr(lambda x, s: lax.dynamic_slice(x, s, (2, 3)))(X, starts)
    theirs = jax.make_jaxpr(lambda x, s: jlax.dynamic_slice(x, s, (2, 3)))(X, starts)
    assert [e.primitive.name for e in ours.eqns] == [e.primitive.name for e in theirs.eqns]


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.uint8, np.uint32])
def test_index_dtypes_like_jax(dtype):
    f = lambda L: lambda x, i, j: L.dynamic_slice(x, (i, j), (2, 3))
    args = (X, dtype(3), dtype(2))
    assert_same(f(lax)(*args), f(jlax)(*args), **EXACT)
    assert_same(zenax.jit(f(lax))(*args), f(jlax)(*args), **EXACT)


def test_mixed_index_dtypes_are_promoted():
    """JAX insists on one index dtype; zenax promotes (Python ints take the arrays')."""
    i16, i32, u8 = np.int16(4), np.int32(-2), np.uint8(1)
    with pytest.raises(TypeError):
        jlax.dynamic_slice(X, (i16, i32), (2, 3))
    expected = jlax.dynamic_slice(X, (np.int32(4), np.int32(-2)), (2, 3))
    assert_same(lax.dynamic_slice(X, (i16, i32), (2, 3)), expected, **EXACT)
    assert_same(zenax.jit(lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 3)))(X, i16, i32),
                expected, **EXACT)
    assert_same(lax.dynamic_update_slice(X, U, (u8, i32)),
                jlax.dynamic_update_slice(X, U, (np.int32(1), i32)), **EXACT)
    # A Python int with an int16 array: int16 throughout, no conversion of the array.
    closed = zenax.make_jaxpr(lambda x, i: lax.dynamic_slice(x, (i, 1), (2, 3)))(X, i16)
    ds = closed.eqns[-1]
    assert ds.primitive.name == "dynamic_slice"
    assert [v.aval.dtype for v in ds.invars[1:]] == [np.int16, np.int16]
    assert "convert_element_type" not in str(closed)


def test_allow_negative_indices_false_like_jax():
    f = lambda L: lambda x, i: L.dynamic_slice(x, (i, 1), (2, 3), allow_negative_indices=False)
    i = jnp.array(-2, np.int32)    # a runtime value, not wrapped: clamped to 0
    assert_same(f(lax)(X, i), f(jlax)(X, i), **EXACT)
    assert_same(lax.dynamic_slice_in_dim(X, i, 2, allow_negative_indices=False),
                jlax.dynamic_slice_in_dim(X, i, 2, allow_negative_indices=False), **EXACT)
    with pytest.raises(ValueError, match="dynamic_slice.*allow_negative_indices"):
        lax.dynamic_slice(X, (-2, 1), (2, 3), allow_negative_indices=False)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("index", [2, -1, 7])
def test_in_dim_wrappers_like_jax(axis, index):
    i = np.int32(index)
    assert_same(lax.dynamic_slice_in_dim(X, i, 2, axis), jlax.dynamic_slice_in_dim(X, i, 2, axis),
                **EXACT)
    assert_same(lax.dynamic_index_in_dim(X, i, axis, keepdims=False),
                jlax.dynamic_index_in_dim(X, i, axis, keepdims=False), **EXACT)
    u = np.ones((5, 6), np.float32)[:2, :2]
    assert_same(lax.dynamic_update_slice_in_dim(X, u, i, axis),
                jlax.dynamic_update_slice_in_dim(X, u, i, axis), **EXACT)
    row = np.full(X.shape[:axis % 2] + X.shape[axis % 2 + 1:], 7, np.float32)
    assert_same(lax.dynamic_update_index_in_dim(X, row, i, axis),
                jlax.dynamic_update_index_in_dim(X, row, i, axis), **EXACT)


def test_weak_types_like_jax():
    for f in (lambda L, x: L.dynamic_slice(x, (1,), (2,)),
              lambda L, x: L.dynamic_update_slice(x, x[:1], (1,))):
        ours = zenax.make_jaxpr(lambda x: f(lax, lax.broadcast(x, (3,))))(2.0)
        theirs = jax.make_jaxpr(lambda x: f(jlax, jlax.broadcast(x, (3,))))(2.0)
        assert ours.out_avals[0].weak_type == theirs.out_avals[0].weak_type


# ## The jaxpr

def test_jaxpr_is_jaxs_for_traced_starts():
    def f(L):
        return lambda x, u, i, j: L.dynamic_update_slice(x, L.dynamic_slice(x, (i, j), (2, 3))
                                                         + u, (j, i))
    args = (X, U, np.int32(1), np.int32(-1))
    ours, theirs = zenax.make_jaxpr(f(lax))(*args), jax.make_jaxpr(f(jlax))(*args)
    assert str(ours) == str(theirs)


def test_static_starts_are_literals():
    closed = zenax.make_jaxpr(lambda x: lax.dynamic_slice(x, (-1, 2), (2, 3)))(X)
    assert str(closed) == str(jax.make_jaxpr(lambda x: jlax.dynamic_slice(x, (-1, 2),
                                                                          (2, 3)))(X))
    [eqn] = closed.eqns
    assert eqn.primitive.name == "dynamic_slice"


def test_vmap_over_the_operand_is_one_dynamic_slice():
    f = lambda x, i: lax.dynamic_slice(x, (i, 2), (2, 3))
    closed = zenax.make_jaxpr(zenax.vmap(f, (1, None)))(np.moveaxis(XS, 0, 1), np.int32(3))
    names = [e.primitive.name for e in closed.eqns]
    assert names.count("dynamic_slice") == 1 and "gather" not in names
    g = lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 2))
    closed = zenax.make_jaxpr(zenax.vmap(g, (0, None, None)))(XS, U, np.int32(3))
    assert [e.primitive.name for e in closed.eqns].count("dynamic_update_slice") == 1


# ## vmap: every combination of batched arguments

def _batched(arg, batched_arg, axis):
    return arg if axis is None else np.moveaxis(batched_arg, 0, axis)


SLICE_AXES = [axes for axes in itertools.product((None, 0, 1), (None, 0), (None, 0))
              if axes != (None, None, None)]


@pytest.mark.parametrize("in_axes", SLICE_AXES, ids=str)
def test_vmap_dynamic_slice_every_in_axes(in_axes):
    f = lambda L: lambda x, i, j: L.dynamic_slice(x, (i, j), (2, 3))
    args = [_batched(X, XS, in_axes[0]), _batched(np.int32(4), STARTS_I, in_axes[1]),
            _batched(np.int32(-2), STARTS_J, in_axes[2])]
    expected = jax.vmap(f(jlax), in_axes)(*args)
    assert_same(zenax.jit(zenax.vmap(f(lax), in_axes))(*args), expected, **EXACT)


UPDATE_AXES = [axes for axes in itertools.product((None, 1), (None, 0), (None, 0), (None, 0))
               if axes != (None, None, None, None)]


@pytest.mark.parametrize("in_axes", UPDATE_AXES, ids=str)
def test_vmap_dynamic_update_slice_every_in_axes(in_axes):
    f = lambda L: lambda x, u, i, j: L.dynamic_update_slice(x, u, (i, j))
    args = [_batched(X, XS, in_axes[0]), _batched(U, US, in_axes[1]),
            _batched(np.int32(4), STARTS_I, in_axes[2]),
            _batched(np.int32(-2), STARTS_J, in_axes[3])]
    expected = jax.vmap(f(jlax), in_axes)(*args)
    assert_same(zenax.jit(zenax.vmap(f(lax), in_axes))(*args), expected, **EXACT)


def test_vmap_batched_starts_eagerly_and_out_axes():
    f = lambda L: lambda x, i: L.dynamic_slice_in_dim(x, i, 3, axis=1)
    expected = jax.vmap(f(jlax), (None, 0), out_axes=1)(X, STARTS_J)
    assert_same(zenax.vmap(f(lax), (None, 0), out_axes=1)(X, STARTS_J), expected, **EXACT)
    g = lambda L: lambda x, row, i: L.dynamic_update_index_in_dim(x, row, i, axis=0)
    rows = rng.randn(B, 6).astype(np.float32)
    assert_same(zenax.vmap(g(lax), (0, 0, 0))(XS, rows, STARTS_I),
                jax.vmap(g(jlax), (0, 0, 0))(XS, rows, STARTS_I), **EXACT)


def test_nested_vmap_over_row_and_column_starts():
    """Windows at every (row start, column start) pair: vmap of vmap of batched starts."""
    def windows(L, vmap):
        f = lambda x, i, j: L.dynamic_slice(x, (i, j), (2, 2))
        return vmap(vmap(f, (None, None, 0)), (None, 0, None))
    assert_same(zenax.jit(windows(lax, zenax.vmap))(X, STARTS_I, STARTS_J),
                jax.jit(windows(jlax, jax.vmap))(X, STARTS_I, STARTS_J), **EXACT)


@pytest.mark.parametrize("dtype", [np.bool_, np.int32, jnp.bfloat16])
def test_vmap_batched_starts_other_dtypes(dtype):
    x, u = (XS > 0, US > 0) if dtype == np.bool_ else (XS.astype(dtype), US.astype(dtype))
    f = lambda L: lambda x, u, i: (L.dynamic_slice(x, (i, 0), (2, 3)),
                                   L.dynamic_update_slice(x, u, (1, i)))
    ours = zenax.jit(zenax.vmap(f(lax)))(x, u, STARTS_I)
    theirs = jax.jit(jax.vmap(f(jlax)))(x, u, STARTS_I)
    assert_same(ours[0], theirs[0], **EXACT)
    assert_same(ours[1], theirs[1], **EXACT)


def test_vmap_of_grad_with_batched_starts():
    def loss(L, m):
        return lambda x, u, i: m.sum(m.tanh(L.dynamic_update_slice(x, u * 2.0, (i, 1))) *
                                     L.dynamic_slice(x, (1, i), (5, 3)).sum())
    ours = zenax.jit(zenax.vmap(zenax.grad(loss(lax, znp), (0, 1)), (None, 0, 0)))
    theirs = jax.jit(jax.vmap(jax.grad(loss(jlax, jnp), (0, 1)), (None, 0, 0)))
    assert_close(ours(X, US, STARTS_I), theirs(X, US, STARTS_I), **TOL)


# ## Derivatives

def test_jvp_and_vjp_of_update_in_both_operands():
    f = lambda L: lambda x, u: L.dynamic_update_slice(x, u, (3, -2))
    tx, tu = np.ones_like(X), np.full_like(U, 2.0)
    assert_close(zenax.jvp(f(lax), (X, U), (tx, tu)), jax.jvp(f(jlax), (X, U), (tx, tu)), **TOL)
    ct = rng.randn(5, 6).astype(np.float32)
    assert_close(zenax.vjp(f(lax), X, U)[1](ct), jax.vjp(f(jlax), X, U)[1](ct), **TOL)
    check_grads(f(lax), (X, U), order=2, modes=("fwd", "rev"))


def test_grad_with_traced_start_is_zero_outside_the_window():
    def loss(L, m):
        return lambda x, i: m.sum(L.dynamic_slice(x, (i, i), (2, 3)) ** 2)
    for i in (-1, 2, 9):
        assert_close(zenax.grad(loss(lax, znp))(X, np.int32(i)),
                     jax.grad(loss(jlax, jnp))(X, np.int32(i)), **TOL)


# ## Traced starts inside loops

def test_sliding_window_sums_in_fori_loop():
    x = rng.randn(10).astype(np.float32)

    def windows(L):
        def body(i, acc):
            return L.dynamic_update_index_in_dim(acc, L.dynamic_slice(x, (i,), (3,)).sum(), i, 0)
        return lambda: L.fori_loop(0, 8, body, np.zeros(8, np.float32))
    assert_close(windows(lax)(), windows(jlax)(), **TOL)
    assert_close(zenax.jit(windows(lax))(), windows(jlax)(), **TOL)


def test_scan_reads_and_writes_with_the_step_index():
    def run(L, m):
        def f(x):
            def step(buf, i):
                row = L.dynamic_index_in_dim(x, i, 0, keepdims=False)
                prev = L.dynamic_index_in_dim(buf, i - 1, 0, keepdims=False)   # -1: last row
                buf = L.dynamic_update_index_in_dim(buf, m.sin(row) + prev, i, 0)
                return buf, m.sum(row)
            return L.scan(step, m.zeros_like(x), m.arange(5))
        return f
    assert_close(run(lax, znp)(X), run(jlax, jnp)(X), **TOL)
    assert_close(zenax.jit(run(lax, znp))(X), run(jlax, jnp)(X), **TOL)


def test_grad_through_dynamic_slice_inside_scan():
    def loss(L, m):
        def f(x, w):
            def step(h, i):
                window = L.dynamic_slice(x, (i, 0), (2, 6))
                h = m.tanh(window.sum(0) * w + h)
                return h, m.sum(h ** 2)
            _, ys = L.scan(step, m.zeros(6), m.arange(4))
            return m.sum(ys)
        return f
    w = rng.randn(6).astype(np.float32)
    assert_close(zenax.grad(loss(lax, znp), (0, 1))(X, w), jax.grad(loss(jlax, jnp), (0, 1))(X, w),
                 **TOL)
    check_grads(loss(lax, znp), (X, w), order=1, modes=("rev",))


# ## Errors

ERRORS = [
    ("too_few_starts", lambda: lax.dynamic_slice(X, (1,), (2, 3)), ValueError,
     r"dynamic_slice: start_indices needs one index per operand dimension.*\(5, 6\)"),
    ("float_start", lambda: lax.dynamic_slice(X, (1.0, 2), (2, 3)), TypeError,
     r"dynamic_slice: start index 0 must be an integer scalar, got f32\[\].*astype"),
    ("array_start", lambda: lax.dynamic_slice(X, (np.arange(2), 2), (2, 3)), TypeError,
     r"dynamic_slice: start index 0 must be an integer scalar"),
    ("size_too_big", lambda: lax.dynamic_slice(X, (0, 0), (6, 3)), TypeError,
     r"dynamic_slice: slice_sizes \(6, 3\).*\(5, 6\)"),
    ("traced_size", lambda: zenax.jit(lambda n: lax.dynamic_slice(X, (0, 0), (n, 3)))(2),
     TypeError, r"dynamic_slice: slice sizes must be static"),
    ("update_too_big", lambda: lax.dynamic_update_slice(X, np.ones((6, 1), np.float32),
                                                        (0, 0)),
     TypeError, r"dynamic_update_slice: the update \(shape \(6, 1\)\).*\(5, 6\)"),
    ("update_dtype", lambda: lax.dynamic_update_slice(X, np.ones((1, 1), np.int32), (0, 0)),
     TypeError, r"dynamic_update_slice.*same dtypes"),
    # (An axis out of bounds is a ValueError, as JAX's cumprod; JAX's dynamic_index_in_dim
    # fails with an internal IndexError.)
    ("index_in_dim_axis", lambda: lax.dynamic_index_in_dim(X, 0, axis=2), ValueError,
     r"dynamic_index_in_dim: axis 2 is out of bounds"),
]


@pytest.mark.parametrize("fun,exc,match", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_name_the_function_and_the_fix(fun, exc, match):
    with pytest.raises(exc, match=match):
        fun()
