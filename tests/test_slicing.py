"""gather and the scatters at the primitive level, against jax.lax (the spec table in
spec_table.py runs the common cases through eager/jit/jvp/vjp/vmap; this file adds what a
table cannot: more dimension numbers, every mode and fill value, batching of every
operand combination and nested vmap, ties and duplicates in derivatives, scatter_apply,
and the errors).
"""
import functools

import jax
import jax.numpy as jnp_ref
import numpy as np
import pytest

import zenax
from zenax import lax
from zenax.test_util import check_grads

from oracle import assert_same

jlax = jax.lax
GDN, SDN, MODE = jlax.GatherDimensionNumbers, jlax.ScatterDimensionNumbers, \
    jlax.GatherScatterMode
rng = np.random.RandomState(0)


def rand(*shape, dtype=np.float32):
    return rng.randn(*shape).astype(dtype)


def ints(*shape, lo=0, hi=4):
    return rng.randint(lo, hi + 1, size=shape).astype(np.int32)


# Where a test names no tolerance.
TOL = dict(rtol=1e-6, atol=1e-6)


# ## gather: dimension numbers, eager and jit

GATHERS = {
    # name: (operand, indices, dimension numbers, slice_sizes)
    "reversed_start_index_map": (rand(4, 5), ints(3, 2, hi=3), GDN((), (0, 1), (1, 0)),
                                 (1, 1)),
    "two_batch_dims_of_indices": (rand(6, 3), ints(2, 4, 1, hi=5), GDN((2,), (0,), (0,)),
                                  (1, 3)),
    "offset_dims_in_front": (rand(6, 3), ints(4, 1, hi=5), GDN((0,), (0,), (0,)), (1, 3)),
    "partial_windows": (rand(6, 7), ints(3, 2, hi=3), GDN((1, 2), (), (0, 1)), (2, 3)),
    "batching_dims_with_offset": (rand(3, 6, 2), ints(3, 4, 1, hi=5),
                                  GDN((2,), (1,), (1,), (0,), (0,)), (1, 1, 2)),
    "batching_dims_not_leading": (rand(6, 3), ints(4, 3, 1, hi=5),
                                  GDN((), (0,), (0,), (1,), (1,)), (1, 1)),
    "empty_indices": (rand(5, 3), np.zeros((0, 1), np.int32), GDN((1,), (0,), (0,)), (1, 3)),
    "whole_operand": (rand(2, 3), np.zeros((0,), np.int32), GDN((0, 1), (), ()), (2, 3)),
}


@pytest.mark.parametrize("name", list(GATHERS))
def test_gather_dimension_numbers_match_jax(name):
    x, idx, dnums, sizes = GATHERS[name]
    f = lambda L: lambda x, i: L.gather(x, i, dnums, sizes)
    expected = f(jlax)(x, idx)
    assert_same(f(lax)(x, idx), expected, **TOL, check_weak_type=False)
    assert_same(zenax.jit(f(lax))(x, idx), expected, **TOL, check_weak_type=False)


def test_gather_jaxpr_is_jax():
    x, idx, dnums, sizes = GATHERS["batching_dims_with_offset"]
    f = lambda L: lambda x, i: L.gather(x, i, dnums, sizes, mode="fill", fill_value=2.0,
                                        indices_are_sorted=True)
    assert str(zenax.make_jaxpr(f(lax))(x, idx)) == str(jax.make_jaxpr(f(jlax))(x, idx))


# ## modes and fill values

ROWS = GDN((1,), (0,), (0,))
OOB = np.array([[-2], [0], [4], [9]], np.int32)


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint8, np.bool_,
                                   jnp_ref.bfloat16])
@pytest.mark.parametrize("mode", ["fill", "clip", "promise_in_bounds", MODE.FILL_OR_DROP,
                                  None])
def test_gather_modes_and_default_fill_values(mode, dtype):
    x = (rand(5, 3) * 3).astype(dtype)
    f = lambda L: lambda x: L.gather(x, OOB, ROWS, (1, 3), mode=mode)
    assert_same(f(lax)(x), f(jlax)(x), **TOL, check_weak_type=False)


SCATTERS = ["scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max"]
SROWS = SDN((1,), (0,), (0,))


@pytest.mark.parametrize("mode", ["drop", "clip", "promise_in_bounds", None])
@pytest.mark.parametrize("name", SCATTERS)
def test_scatter_modes_match_jax(name, mode):
    x, u = rand(5, 3), rand(4, 3)
    f = lambda L: lambda x, u: getattr(L, name)(x, OOB, u, SROWS, mode=mode)
    assert_same(f(lax)(x, u), f(jlax)(x, u), **TOL, check_weak_type=False)
    assert_same(zenax.jit(f(lax))(x, u), f(jlax)(x, u), **TOL, check_weak_type=False)


# ## batching: every combination of batched operands, nested vmap

GATHER_B = (rand(5, 3), ints(4, 1), ROWS, (1, 3))


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (1, 2), (-1, 0)])
def test_gather_vmap_matches_jax(in_axes):
    x, idx, dnums, sizes = GATHER_B
    xs = np.stack([x * k for k in range(3)], axis=in_axes[0]) if in_axes[0] is not None else x
    ids = (np.stack([(idx + k) % 5 for k in range(3)], axis=in_axes[1])
           if in_axes[1] is not None else idx)
    f = lambda L: lambda x, i: L.gather(x, i, dnums, sizes, mode="fill", fill_value=-1.0)
    assert_same(zenax.vmap(f(lax), in_axes)(xs, ids), jax.vmap(f(jlax), in_axes)(xs, ids), **TOL,
                check_weak_type=False)


def test_gather_nested_vmap_over_existing_batching_dims():
    x, idx, dnums, sizes = GATHERS["batching_dims_with_offset"]
    xs, ids = rand(2, 4, *x.shape), ints(4, 3, 2, 4, 1, hi=5)
    f = lambda L: lambda x, i: L.gather(x, i, dnums, sizes)
    ours = zenax.vmap(zenax.vmap(f(lax), (0, 1)), (1, 0))(xs, ids)
    theirs = jax.vmap(jax.vmap(f(jlax), (0, 1)), (1, 0))(xs, ids)
    assert_same(ours, theirs, **TOL, check_weak_type=False)


@pytest.mark.parametrize("in_axes", [(0, None, None), (None, 0, None), (None, None, 0),
                                     (None, 0, 0), (1, 0, 2)])
@pytest.mark.parametrize("name", SCATTERS)
def test_scatter_vmap_matches_jax(name, in_axes):
    shapes = [(5, 3), (4, 1), (4, 3)]
    args = []
    for k, (shape, axis) in enumerate(zip(shapes, in_axes)):
        make = (lambda s: ints(*s)) if k == 1 else (lambda s: rand(*s))
        args.append(make(shape) if axis is None else
                    np.stack([make(shape) for _ in range(3)], axis=axis))
    f = lambda L: lambda x, i, u: getattr(L, name)(x, i, u, SROWS)
    assert_same(zenax.vmap(f(lax), in_axes)(*args), jax.vmap(f(jlax), in_axes)(*args), **TOL,
                check_weak_type=False)


def test_scatter_vmap_of_vmap_with_batching_dims():
    dnums = SDN((), (1,), (1,), (0,), (0,))       # put_along_axis-like
    # one example: x (3, 5), indices (3, 2, 1), updates (3, 2)
    x, i, u = rand(2, 3, 4, 5), ints(4, 2, 3, 2, 1), rand(2, 3, 4, 2)
    f = lambda L: lambda x, i, u: L.scatter_add(x, i, u, dnums)
    ours = zenax.vmap(zenax.vmap(f(lax), (1, 0, 1)), (0, 1, 0))(x, i, u)
    theirs = jax.vmap(jax.vmap(f(jlax), (1, 0, 1)), (0, 1, 0))(x, i, u)
    assert_same(ours, theirs, **TOL, check_weak_type=False)


# ## derivatives at duplicates and ties, against jax.jvp / jax.vjp

DUPLICATES = np.array([[1], [3], [1], [1]], np.int32)


def _jvp_vjp(f_ours, f_jax, primals, rtol=1e-5):
    tangents = tuple(rand(*np.shape(p)) for p in primals)
    assert_same(zenax.jvp(f_ours, primals, tangents), jax.jvp(f_jax, primals, tangents), rtol=rtol,
                atol=rtol, check_weak_type=False)
    out, vjp = zenax.vjp(f_ours, *primals)
    j_out, j_vjp = jax.vjp(f_jax, *primals)
    ct = rand(*np.shape(j_out))
    assert_same(vjp(ct), j_vjp(ct), rtol=rtol, atol=rtol, check_weak_type=False)


def test_scatter_set_with_duplicate_indices():
    # Which duplicate lands is XLA's choice; both derivatives follow the one that did.
    x, u = rand(5, 3), rand(4, 3)
    f = lambda L: lambda x, u: L.scatter(x, DUPLICATES, u, SROWS)
    _jvp_vjp(f(lax), f(jlax), (x, u))
    check_grads(f(lax), (x, u), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", ["scatter_min", "scatter_max"])
def test_scatter_extremum_ties_share_the_tangent(name):
    x = np.array([[1., 2.], [0., 5.], [3., 3.]], np.float32)
    u = np.array([[4., 2.], [4., 2.], [3., 1.]], np.float32)   # ties among updates and x
    idx = np.array([[0], [0], [2]], np.int32)
    f = lambda L: lambda x, u: getattr(L, name)(x, idx, u, SROWS)
    _jvp_vjp(f(lax), f(jlax), (x, u))


@pytest.mark.parametrize("name", ["scatter_min", "scatter_max"])
def test_scatter_extremum_clip_mode_derivative(name):
    # JAX's rule counts the contenders without clipping (NaN tangents at clipped indices);
    # ours clips like the scatter: it equals JAX's derivative of the pre-clipped program
    # and finite differences.
    x, u = rand(5, 3), rand(4, 3)
    clipped = np.clip(OOB, 0, 4)
    ours = lambda x, u: getattr(lax, name)(x, OOB, u, SROWS, mode="clip")
    oracle = lambda x, u: getattr(jlax, name)(x, clipped, u, SROWS)
    _jvp_vjp(ours, oracle, (x, u))
    check_grads(ours, (x, u), order=2, modes=("fwd", "rev"))


def test_scatter_mul_needs_unique_indices_for_update_gradients():
    x, u = rand(5, 3), rand(4, 3)
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        zenax.grad(lambda u: lax.scatter_mul(x, DUPLICATES, u, SROWS).sum())(u)
    # In the operand alone it is linear whatever the indices.
    f = lambda L: lambda x: L.scatter_mul(x, DUPLICATES, u, SROWS)
    _jvp_vjp(f(lax), f(jlax), (x,))


def test_scatter_transpose_needs_unique_indices():
    from zenax.transforms.transpose import backward_pass
    x, u = rand(5, 3), rand(4, 3)
    closed = zenax.make_jaxpr(lambda x, u: lax.scatter(x, DUPLICATES, u, SROWS))(x, u)
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        backward_pass(closed.jaxpr, closed.consts, [rand(5, 3)])


def test_gather_gradient_in_fill_and_clip_modes():
    x = rand(5, 3)
    for mode in ["fill", "clip", "promise_in_bounds"]:
        f = lambda L, mode=mode: lambda x: L.gather(x, OOB, ROWS, (1, 3), mode=mode,
                                                   fill_value=0.0 if mode == "fill" else None)
        _jvp_vjp(f(lax), f(jlax), (x,))


# ## scatter_apply

def test_scatter_apply_matches_jax():
    x = rand(5, 3)
    dnums = SDN((1,), (0,), (0,))
    f = lambda L: lambda x: L.scatter_apply(x, DUPLICATES, lambda v: v * 2.0 + 1.0, dnums,
                                            update_shape=(4, 3))
    expected = f(jlax)(x)
    assert_same(f(lax)(x), expected, **TOL, check_weak_type=False)
    assert_same(zenax.jit(f(lax))(x), expected, **TOL, check_weak_type=False)
    xs = rand(2, 5, 3)
    assert_same(zenax.vmap(f(lax))(xs), jax.vmap(f(jlax))(xs), **TOL, check_weak_type=False)
    with pytest.raises(NotImplementedError, match="not differentiable"):
        zenax.jvp(f(lax), (x,), (x,))


def test_scatter_apply_closures():
    x = rand(5, 3)
    dnums = SDN((1,), (0,), (0,))

    def f(L, x, s):
        return L.scatter_apply(x, DUPLICATES, lambda v: v * s, dnums, update_shape=(4, 3))
    # A closed-over concrete array is a constant (JAX takes Python scalars only: its
    # scatter params must be hashable).
    s = jnp_ref.float32(3.0)
    expected = f(jlax, x, 3.0)
    assert_same(f(lax, x, s), expected, **TOL, check_weak_type=False)
    assert_same(zenax.jit(lambda x: f(lax, x, s))(x), expected, **TOL, check_weak_type=False)
    # XLA's update computation cannot take a traced value (JAX refuses it too).
    with pytest.raises(NotImplementedError):
        jax.jit(functools.partial(f, jlax))(x, s)
    with pytest.raises(NotImplementedError, match="closes over a traced value"):
        zenax.jit(functools.partial(f, lax))(x, s)


# ## errors

def test_gather_errors_name_the_argument():
    x, idx = rand(5, 3), ints(4, 1)
    with pytest.raises(TypeError, match="gather: slice_sizes"):
        lax.gather(x, idx, ROWS, (1,))
    with pytest.raises(TypeError, match="start_index_map"):
        lax.gather(x, ints(4, 2), ROWS, (1, 3))
    with pytest.raises(TypeError, match="collapsed"):
        lax.gather(x, idx, ROWS, (2, 3))
    with pytest.raises(TypeError, match="offset_dims"):
        lax.gather(x, idx, GDN((2,), (0,), (0,)), (1, 3))
    with pytest.raises(ValueError, match="integer type"):
        lax.gather(x, idx.astype(np.float32), ROWS, (1, 3))
    with pytest.raises(TypeError, match="GatherDimensionNumbers"):
        lax.gather(x, idx, ((1,), (0,), (0,)), (1, 3))
    with pytest.raises(ValueError, match="unknown mode"):
        lax.gather(x, idx, ROWS, (1, 3), mode="wrap")
    with pytest.raises(NotImplementedError, match="ONE_HOT"):
        lax.gather(x, idx, ROWS, (1, 3), mode=MODE.ONE_HOT)
    with pytest.raises(TypeError, match="batching"):
        lax.gather(x, ints(4, 1), GDN((), (0,), (0,), (1,), (0,)), (1, 1))


def test_scatter_errors_name_the_argument():
    x, idx, u = rand(5, 3), ints(4, 1), rand(4, 3)
    with pytest.raises(TypeError, match="scatter_add: operand and updates must have the same "
                                        "dtype"):
        lax.scatter_add(x, idx, u.astype(np.int32), SROWS)
    with pytest.raises(TypeError, match="updates must have rank"):
        lax.scatter(x, idx, u[0], SROWS)
    with pytest.raises(TypeError, match="indices' batch shape"):
        lax.scatter_max(x, ints(3, 1), u, SROWS)
    with pytest.raises(TypeError, match="larger than the operand"):
        lax.scatter_min(x, idx, rand(4, 4), SROWS)
    with pytest.raises(TypeError, match="ScatterDimensionNumbers"):
        lax.scatter_mul(x, idx, u, ROWS)
