"""zenax.numpy's array manipulation (lax/jnp/manipulation.py) against jax.numpy: block,
insert, delete, resize, trim_zeros, rollaxis, unstack, choose, compress, extract, place,
put, piecewise, apply_along_axis, apply_over_axes.

The spec rows check eager, ``jit``, ``jvp``/``vjp`` and ``vmap`` against JAX; the plain
tests below cover every keyword and mode, the data-dependent shapes (which need concrete
operands or ``size=``) and bad input, which must raise JAX's kind of error with a message
naming the function.
"""
import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax.jnp import manipulation

from jnp_spec_checks import assert_runs_compiled, spec_tests
from jnp_spec_table import _np, _wrapped
from oracle import assert_same
from spec import Arg, Case, Domain, boolean, f32, i32

INDEX = Domain(-4, 4)          # indices into an axis of 4, some negative


def _block(m):
    return lambda a, b, c, d: m.block([[a, b], [c, d]])


def _insert(m):
    return lambda arr, values, obj, axis=None: m.insert(arr, obj, values, axis=axis)


def _insert_traced(m):
    return lambda arr, obj, values, axis=None: m.insert(arr, obj, values, axis=axis)


def _delete(m):
    return lambda arr, obj, **kw: m.delete(arr, obj, **kw)


def _choose(m):
    return lambda a, c0, c1, c2, mode: m.choose(a, [c0, c1, c2], mode=mode)


def _piecewise(m):
    return lambda x: m.piecewise(x, [x < -1, x > 1], [lambda t: t * 2.0, 0.5, m.sin])


def _piecewise_scalar_conditions(m):
    # Conditions that are scalars pick one function for the whole array (a switch).
    return lambda x, c: m.piecewise(x, [c > 0, c < -1], [lambda t: t * c, m.cos])


def _put(m):
    return lambda a, v, ind, mode=None: m.put(a, ind, v, mode=mode, inplace=False)


def _place(m):
    return lambda a, vals, mask: m.place(a, mask, vals, inplace=False)


def _apply_along_axis(m):
    return lambda x, axis, kind: m.apply_along_axis(
        {"cumsum": lambda r: m.cumsum(r) * r[0], "sum": m.sum,
         "outer": lambda r: m.outer(r, r[:2])}[kind], axis, x)


def _apply_over_axes(m):
    return lambda x, axes: m.apply_over_axes(m.sum, x, axes)


SPECS = [
    _wrapped("block", _block, (
        Case((Arg((2, 1)), Arg((2, 3)), Arg((1, 2)), Arg((1, 2)))),
    ), (f32, i32), differentiable=True),
    _wrapped("insert", _insert, (
        Case((Arg((3, 4)), Arg((3,))), {"obj": 1, "axis": 1}, label="scalar-obj"),
        Case((Arg((3, 4)), Arg((2, 4))), {"obj": slice(0, 4, 2), "axis": 0}, label="slice"),
        Case((Arg((6,)), Arg(())), {"obj": np.array([5, -1, 0, 9])}, label="broadcast"),
    ), (f32, i32), differentiable=True),
    _wrapped("insert/traced-obj", _insert_traced, (
        Case((Arg((3, 4)), Arg((3,), i32, INDEX), Arg((3, 3))), {"axis": 1}),
    ), (f32,), differentiable=True),
    _wrapped("delete", _delete, (
        Case((Arg((3, 4)), Arg((1,), i32, INDEX)), {"axis": 1, "assume_unique_indices": True}),
    ), (f32, i32), differentiable=True),
    _wrapped("delete/static-obj", _delete, (
        Case((Arg((3, 4)),), {"obj": -1, "axis": 0}, label="int"),
        Case((Arg((3, 4)),), {"obj": slice(1, None, 2), "axis": 1}, label="slice"),
        Case((Arg((3, 4)),), {"obj": np.array([3, 0, 3])}, label="array"),
    ), (f32,), differentiable=True),
    _np("resize", (f32, i32), cases=(
        Case((Arg((2, 3)),), {"new_shape": (4, 4)}),
        Case((Arg((2, 3)),), {"new_shape": 4}, label="shrink"),
    ), differentiable=True),
    _np("rollaxis", (f32,), cases=(
        Case((Arg((2, 3, 4)),), {"axis": 2}),
        Case((Arg((2, 3, 4)),), {"axis": 0, "start": -1}, label="back"),
    ), differentiable=True),
    _np("unstack", (f32, i32), cases=(Case((Arg((2, 3)),), {"axis": 1}),),
        differentiable=True),
    _wrapped("choose", _choose, (
        Case((Arg((2, 3), i32, Domain(-2, 4)), Arg((2, 3)), Arg((3,)), Arg(())),
             {"mode": "clip"}),
        Case((Arg((3,), i32, Domain(-2, 4)), Arg((2, 3)), Arg((3,)), Arg(())),
             {"mode": "wrap"}, label="wrap"),
    ), (f32, i32), differentiable=True),
    _np("compress", (f32, i32), cases=(
        Case((Arg((5,), boolean), Arg((5, 3))), {"axis": 0, "size": 4, "fill_value": 0.5}),
        Case((Arg((4,), boolean), Arg((2, 3))), {"size": 2}, label="flat"),
    ), differentiable=True),
    _np("extract", (f32,), cases=(
        Case((Arg((2, 3), boolean), Arg((2, 3))), {"size": 4, "fill_value": -1.0}),
    ), differentiable=True),
    _wrapped("piecewise", _piecewise, (Case((Arg((2, 5)),)), Case((Arg(()),))),
             (f32, i32), differentiable=True),
    _wrapped("piecewise/scalar-conditions", _piecewise_scalar_conditions, (
        Case((Arg((2, 3)), Arg(()))),
    ), (f32,), differentiable=True),
    _wrapped("put", _put, (
        Case((Arg((2, 3)), Arg((2,))), {"ind": np.array([4, -1, 7])}),
        Case((Arg((6,)), Arg((3,))), {"ind": np.array([-7, 2, 8]), "mode": "wrap"},
             label="wrap"),
    ), (f32, i32), differentiable=True),
    _wrapped("place", _place, (
        Case((Arg((2, 3)), Arg((2,))), {"mask": np.array([[1, 0, 1], [1, 1, 0]], bool)}),
    ), (f32,), differentiable=True),
    _wrapped("apply_along_axis", _apply_along_axis, (
        Case((Arg((2, 3, 4)),), {"axis": 1, "kind": "cumsum"}),
        Case((Arg((2, 3, 4)),), {"axis": 2, "kind": "sum"}, label="scalar"),
        Case((Arg((2, 3, 4)),), {"axis": 0, "kind": "outer"}, label="matrix"),
    ), (f32,), differentiable=True),
    _wrapped("apply_over_axes", _apply_over_axes, (
        Case((Arg((2, 3, 4)),), {"axes": (0, 2)}),
    ), (f32,), differentiable=True),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def test_docstring_examples_run():
    results = doctest.testmod(manipulation, extraglobs={"jnp": znp})
    assert results.attempted > 0 and results.failed == 0


def same(call, *args, **kwargs):
    """``call`` of zenax.numpy and of jax.numpy agree (dtype, weak type, values)."""
    assert_same(call(znp, *args, **kwargs), call(jnp, *args, **kwargs))


def raises_like_jax(kind, match, call):
    """JAX raises ``kind`` for ``call``, and zenax raises it with ``match`` in the text."""
    with pytest.raises(kind):
        call(jnp)
    with pytest.raises(kind, match=match):
        call(znp)


X = np.arange(12, dtype=np.float32).reshape(3, 4)
V = np.arange(6)


# ## block

def test_block_nesting_ranks_and_weak_types():
    same(lambda m: m.block(X))
    same(lambda m: m.block([1.0, 2.0]))
    # An int and a float scalar: zenax's eager concatenate promotes the weak int to a
    # strong float (an eager cast cannot make a weak array), so only the weak type differs.
    assert_same(znp.block([1, 2.0]), jnp.block([1, 2.0]), check_weak_type=False)
    same(lambda m: m.block(3))
    same(lambda m: m.block([[V, 7], [np.zeros(6, np.int32), 1]]))
    same(lambda m: m.block([[[X]], [[X]]]))


@pytest.mark.parametrize("arrays, match", [
    ((X, X), "tuples"), ([], "empty"), ([X, [X]], "depths")])
def test_block_bad_nesting(arrays, match):
    raises_like_jax(ValueError, match, lambda m: m.block(arrays))


# ## insert

@pytest.mark.parametrize("obj, values, axis", [
    (-1, np.array([7, 8]), None), (np.array([1, 4, 1]), np.array([10, 11, 12]), None),
    (np.array([0]), np.array([5, 6, 7]), 0), (1, np.array([[1, 2]]), 1),
    (np.array([-9, 99]), 0, 0), (np.array([], np.float32), 5, 0)])
def test_insert(obj, values, axis):
    a = V.reshape(2, 3) if axis is not None else V
    same(lambda m: m.insert(a, obj, values, axis=axis))


def test_insert_casts_values_keeps_weak_type_and_traces():
    same(lambda m: m.insert(np.arange(3), 1, 2.7))
    same(lambda m: m.insert(m.asarray(1.0), 0, 5.0))
    f = lambda m: m.insert(X, m.asarray(np.array([3, 0])), 1.5, axis=1)   # noqa: E731
    assert_same(zenax.jit(lambda: f(znp))(), f(jnp))


@pytest.mark.parametrize("obj, kind, match", [
    ([1], TypeError, "insert"), (np.array([[1]]), ValueError, "one-dimensional"),
    (np.array([1.0]), ValueError, "integer")])
def test_insert_bad_indices(obj, kind, match):
    raises_like_jax(kind, match, lambda m: m.insert(V, obj, 5))


def test_insert_bad_axis_and_values():
    raises_like_jax(ValueError, "insert", lambda m: m.insert(V, 1, 5, axis=1))
    raises_like_jax(ValueError, "broadcast",
                    lambda m: m.insert(V.reshape(2, 3), np.array([0]), np.array([5, 6]), axis=0))


# ## delete

@pytest.mark.parametrize("obj, axis", [
    (1, None), (-1, 1), (slice(None, None, 2), 1), (np.array([0, 2, 2, -1]), 1),
    (np.array([True, False, True]), 0), (np.array(2), 1)])
def test_delete(obj, axis):
    same(lambda m: m.delete(X, obj, axis=axis))
    assert_same(znp.delete(X, obj, axis=axis), np.delete(X, obj, axis=axis),
                check_weak_type=False)


def test_delete_assume_unique_indices_under_jit():
    for obj in (np.array([3, 0]), np.array([-1]), np.array([9, 1])):   # 9: JAX's clipping
        f = lambda m, o: m.delete(X, o, axis=1, assume_unique_indices=True)  # noqa: E731
        assert_same(zenax.jit(lambda o: f(znp, o))(obj), f(jnp, obj))


def test_delete_needs_concrete_indices_under_jit():
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(lambda o: jnp.delete(X, o))(np.array([1, 2]))
    with pytest.raises(zenax.ConcretizationTypeError, match="delete.*assume_unique_indices"):
        zenax.jit(lambda o: znp.delete(X, o))(np.array([1, 2]))


@pytest.mark.parametrize("obj, kind, match", [
    (4, ValueError, "delete"), ([0, 1], TypeError, "delete"),
    (np.array([0.0]), ValueError, "integer or bool"), (np.array([5]), IndexError, "5"),
    (np.array([True, False]), ValueError, "boolean")])
def test_delete_bad_input(obj, kind, match):
    raises_like_jax(kind, match, lambda m: m.delete(X, obj, axis=1))


def test_delete_bad_axis():
    raises_like_jax(ValueError, "delete", lambda m: m.delete(X, 0, axis=2))


# ## resize, trim_zeros

@pytest.mark.parametrize("a, new_shape", [
    (V, (4, 4)), (V, 4), (V, (2, 0)), (np.zeros(0, np.float32), (2, 3)), (4, (3, 2)),
    (X, (5,))])
def test_resize(a, new_shape):
    same(lambda m: m.resize(a, new_shape))


def test_resize_negative_shape():
    raises_like_jax(ValueError, "non-negative", lambda m: m.resize(V, (-1, 2)))


Z1 = np.array([0, 0, 3, 0, 4, 0], np.int32)
Z2 = np.pad(np.ones((2, 3), np.float32), ((1, 2), (0, 1)))


@pytest.mark.parametrize("filt, trim, axis", [
    (Z1, "fb", None), (Z1, "f", None), (Z1, "x", None), (np.zeros(3), "fb", None),
    (Z2, "Fb", None), (Z2, "b", 0), (Z2, "f", (1,))])
def test_trim_zeros(filt, trim, axis):
    same(lambda m: m.trim_zeros(filt, trim, axis=axis))


def test_trim_zeros_needs_concrete_values():
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(jnp.trim_zeros)(Z1)
    with pytest.raises(zenax.ConcretizationTypeError, match="trim_zeros"):
        zenax.jit(znp.trim_zeros)(Z1)
    f = lambda m, x: m.sum(m.trim_zeros(x) ** 2)  # noqa: E731  grad sees concrete primals
    x = Z1.astype(np.float32)
    assert_same(zenax.grad(lambda x: f(znp, x))(x), jax.grad(lambda x: f(jnp, x))(x))


def test_trim_zeros_bad_input():
    raises_like_jax(TypeError, "trim_zeros", lambda m: m.trim_zeros([0, 1, 0]))
    raises_like_jax(ValueError, "trim_zeros", lambda m: m.trim_zeros(Z1, axis=1))


# ## rollaxis, unstack

@pytest.mark.parametrize("axis, start", [(2, 0), (0, 3), (1, -1), (-1, 1), (0, 1), (1, 3)])
def test_rollaxis(axis, start):
    x = np.zeros((2, 3, 4, 5), np.float32)
    assert znp.rollaxis(x, axis, start).shape == jnp.rollaxis(x, axis, start).shape == \
        np.rollaxis(x, axis, start).shape


def test_rollaxis_and_unstack_bad_input():
    raises_like_jax(ValueError, "rollaxis", lambda m: m.rollaxis(X, 2))
    raises_like_jax(ValueError, "start", lambda m: m.rollaxis(X, 0, 3))
    raises_like_jax(ValueError, "unstack", lambda m: m.unstack(np.float32(1)))
    raises_like_jax(ValueError, "unstack", lambda m: m.unstack(V, axis=1))


def test_unstack():
    same(lambda m: m.unstack(X))
    same(lambda m: m.unstack(np.zeros((0, 2))))


# ## choose

A = np.array([[0, 1, 2, 0], [2, 0, 1, 1], [1, 2, 0, 2]], np.int32)


@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
def test_choose_modes(mode):
    a = A if mode == "raise" else A * 3 - 2
    same(lambda m: m.choose(a, [X, np.arange(4), 1.5], mode=mode))
    same(lambda m: m.choose(a[0], np.stack([X[0], X[1] + 1, X[2] * 2]), mode=mode))


def test_choose_raise_mode():
    raises_like_jax(ValueError, "invalid entry", lambda m: m.choose(A + 1, [X, X, X]))
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(lambda a: jnp.choose(a, [X, X, X]))(A)
    with pytest.raises(zenax.ConcretizationTypeError, match="choose.*mode='wrap'"):
        zenax.jit(lambda a: znp.choose(a, [X, X, X]))(A)


@pytest.mark.parametrize("a, choices, kw, kind, match", [
    (A * 1.0, [X, X], {}, ValueError, "integer"), (A, [[1, 2], [3, 4]], {}, TypeError, "choose"),
    (A, [X, X], {"mode": "fill"}, ValueError, "mode"),
    (A, [X, X], {"out": X}, NotImplementedError, "out")])
def test_choose_bad_input(a, choices, kw, kind, match):
    raises_like_jax(kind, match, lambda m: m.choose(a, choices, **kw))


# ## compress, extract

C5 = np.array([True, False, True, True, False])


@pytest.mark.parametrize("condition, axis, kw", [
    (C5[:3], 0, {}), (C5, None, {}), (np.array([0, 2, 0, 1.5]), 1, {}),
    (C5[:3], 1, {"size": 2, "fill_value": -1}), (C5, 1, {"size": 4, "fill_value": 9.5}),
    (C5[:2], -2, {"size": 0})])
def test_compress(condition, axis, kw):
    same(lambda m: m.compress(condition, X, axis=axis, **kw))


def test_compress_keeps_weak_type_without_size():
    same(lambda m: m.compress(np.array([True, False]), m.full(2, 2.0)))
    same(lambda m: m.compress(np.array([True, False]), m.full(2, 2.0), size=1))


def test_compress_needs_size_under_jit():
    f = lambda m, c: m.compress(c, X, axis=0, size=2, fill_value=1.0)  # noqa: E731
    assert_same(zenax.jit(lambda c: f(znp, c))(C5[:3]), f(jnp, C5[:3]))
    assert_same(zenax.vmap(lambda c: f(znp, c))(np.stack([C5[:3], ~C5[:3]])),
                jax.vmap(lambda c: f(jnp, c))(np.stack([C5[:3], ~C5[:3]])))
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(lambda c: jnp.compress(c, X, axis=0))(C5[:3])
    with pytest.raises(zenax.ConcretizationTypeError, match="compress.*size="):
        zenax.jit(lambda c: znp.compress(c, X, axis=0))(C5[:3])
    with pytest.raises(zenax.ConcretizationTypeError, match="extract.*size="):
        zenax.jit(lambda c: znp.extract(c, X))(X > 3)


@pytest.mark.parametrize("condition, kw, kind, match", [
    (np.ones((2, 2), bool), {}, ValueError, "1D"), (np.ones(4, bool), {}, ValueError, "bounds"),
    (C5[:3], {"size": 4}, ValueError, "size"), ([True], {}, TypeError, "compress"),
    (C5[:3], {"out": X}, NotImplementedError, "out")])
def test_compress_bad_input(condition, kw, kind, match):
    raises_like_jax(kind, match, lambda m: m.compress(condition, X, axis=0, **kw))


@pytest.mark.parametrize("condition, kw", [
    (np.array([False, True]), {}), (np.arange(20) < 12, {}),
    (X > 4, {"size": 9, "fill_value": -2}), (X > 40, {"size": 2})])
def test_extract(condition, kw):
    same(lambda m: m.extract(condition, X, **kw))


def test_extract_bad_input():
    raises_like_jax(TypeError, "extract", lambda m: m.extract([True], X))
    raises_like_jax(ValueError, "size", lambda m: m.extract(X > 4, X, size=13))
    raises_like_jax(ValueError, "bounds", lambda m: m.extract(np.ones(13, bool), X))


# ## place, put

MASK = X.astype(int) % 3 == 1


@pytest.mark.parametrize("vals", [7.5, np.array([1, 2]), np.arange(100.0)])
def test_place(vals):
    same(lambda m: m.place(X, MASK, vals, inplace=False))


def test_place_int_mask_and_dtype():
    same(lambda m: m.place(V, V % 2, np.array([2, -3], np.int64), inplace=False))


def test_place_edge_cases():
    same(lambda m: m.place(np.zeros((0, 2)), np.zeros(0, bool), 1.0, inplace=False))
    same(lambda m: m.place(m.full(3, 2.0), np.array([1, 0, 1]), 1, inplace=False))


@pytest.mark.parametrize("mask, vals, kw, kind, match", [
    (MASK, 1.0, {}, ValueError, "inplace=False"),
    (MASK[:2], 1.0, {"inplace": False}, ValueError, "same size"),
    (MASK, np.zeros(0), {"inplace": False}, ValueError, "empty"),
    ([True] * 12, 1.0, {"inplace": False}, TypeError, "place")])
def test_place_bad_input(mask, vals, kw, kind, match):
    raises_like_jax(kind, match, lambda m: m.place(X, mask, vals, **kw))


IND = np.array([-15, -13, -12, -1, 3, 12, 20])


@pytest.mark.parametrize("mode", [None, "clip", "wrap"])
def test_put_modes(mode):
    same(lambda m: m.put(X, IND, np.arange(7) + 100.0, mode=mode, inplace=False))
    same(lambda m: m.put(V, IND[3:], np.array([-1, -2]), mode=mode, inplace=False))


def test_put_empty_and_weak():
    same(lambda m: m.put(X, np.zeros(0, int), 1.0, inplace=False))
    same(lambda m: m.put(X, np.array(5), 2.5, inplace=False))
    same(lambda m: m.put(X, IND, np.zeros(0), inplace=False))
    same(lambda m: m.put(m.full(3, 2.0), np.array([1]), 7, inplace=False))


@pytest.mark.parametrize("ind, kw, kind, match", [
    (IND, {}, ValueError, "inplace=False"),
    (IND, {"inplace": False, "mode": "raise"}, NotImplementedError, "raise"),
    (IND, {"inplace": False, "mode": "fill"}, ValueError, "mode"),
    ([1], {"inplace": False}, TypeError, "put"),
    (np.array([1.0]), {"inplace": False}, TypeError, "put")])
def test_put_bad_input(ind, kw, kind, match):
    raises_like_jax(kind, match, lambda m: m.put(X, ind, 1.0, **kw))


# ## piecewise

@pytest.mark.parametrize("x", [V - 2, 2.0])
def test_piecewise(x):
    same(lambda m: m.piecewise(x, [m.asarray(x) < 0], [lambda t: t / 2]))
    same(lambda m: m.piecewise(x, [m.asarray(x) < 0, m.asarray(x) > 3],
                               [lambda t, s, k=1: t * s + k, 7, lambda t, s, k=1: -t],
                               2, k=3))
    same(lambda m: m.piecewise(x, [True, False], [m.abs, 1.0]))


def test_piecewise_bad_function_count():
    raises_like_jax(ValueError, "piecewise", lambda m: m.piecewise(X, [X > 1], [1, 2, 3]))


# ## apply_along_axis, apply_over_axes

def test_apply_along_axis_arguments_and_transforms():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    same(lambda m: m.apply_along_axis(lambda r, a, b=0: r * a + b, 1, x, 2.0, b=1.0))
    same(lambda m: m.apply_along_axis(m.sum, -1, np.zeros((2, 0, 3))))
    f = lambda m, x: m.sum(m.apply_along_axis(lambda r: m.sort(r) * r, 0, x))  # noqa: E731
    assert_same(zenax.jit(zenax.grad(lambda x: f(znp, x)))(x), jax.grad(lambda x: f(jnp, x))(x))
    raises_like_jax(ValueError, "apply_along_axis", lambda m: m.apply_along_axis(m.sum, 3, x))


def test_apply_over_axes():
    same(lambda m: m.apply_over_axes(m.cumsum, X, [0, 1]))
    same(lambda m: m.apply_over_axes(lambda a, ax: m.max(a, ax), X, (1,)))
    raises_like_jax(ValueError, "shape",
                    lambda m: m.apply_over_axes(lambda a, ax: m.sum(a), X, [0]))


# ## eager calls of the functions JAX jits run as one executable

@pytest.mark.parametrize("name, args, kwargs", [
    ("block", (jnp.asarray(X),), {}), ("resize", (jnp.asarray(X), (2, 7)), {}),
    ("rollaxis", (jnp.asarray(X), 1), {"start": 0}), ("unstack", (jnp.asarray(X),), {"axis": 1})])
def test_compiled_when_eager(name, args, kwargs):
    assert_runs_compiled(getattr(znp, name), getattr(jnp, name), *args, **kwargs)
