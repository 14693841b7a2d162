"""The primitives issue 24 adds to zenax.lax, against jax.lax:

* spec rows (eager, jit, jvp/vjp, vmap against JAX) for ``split``, ``stack``,
  ``unstack``, ``tile``, ``scatter_sub``, ``approx_max_k``/``approx_min_k``, ``reduce``
  (a monoid JAX recognizes and general computations), ``ragged_dot``,
  ``ragged_dot_general``, ``scaled_dot``, ``conv_general_dilated_patches``,
  ``optimization_barrier``, the total-order comparisons and ``rng_bit_generator``;
* what the rows do not reach: jaxprs against JAX's, ``reduce_window_p``, ``rng_uniform``,
  ``stage``/``copy_p``/``dce_sink``, ``aggregate_to_topk=False`` sizes, vmap where JAX has
  no rule, finite differences, and bad input (JAX's exception kinds, messages naming the
  function).
"""
import jax
import numpy as np
import pytest

import zenax
from zenax import lax
from zenax.test_util import check_grads
from zenax.tracer.avals import ShapedArray
from zenax.tracer.tree_util import tree_structure

from jnp_spec_checks import spec_tests
from oracle import assert_same, raises_like_jax
from spec import BITS, NEAR_ONE, SMALL_INTS, Arg, Case, Domain, Spec, f32, i32, u32

jlax = jax.lax
rng = np.random.RandomState(0)
X = rng.randn(3, 4).astype(np.float32)

SCATTER = jlax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                       scatter_dims_to_operand_dims=(0,))
SUM_AND_PROD = lambda a, b: (a[0] + b[0], a[1] * b[1])
PROD = lambda a, b: a * b
CONTRACTING = jlax.RaggedDotDimensionNumbers(dot_dimension_numbers=(([1], [0]), ([], [])),
                                             lhs_ragged_dimensions=[1],
                                             rhs_group_dimensions=[])
GROUP_SIZES = Domain(0, 2)          # three groups of at most 2 rows: at most 6 of 7 rows
INDICES = Domain(0, 4)
POSITIVE_SCALES = Domain(0.5, 2.0)


def both(name: str, zfun=None, jfun=None, **spec):
    """A row whose zenax and JAX functions are ``lax.<name>`` (or the given ones)."""
    return Spec(name, zfun or getattr(lax, name), jfun or getattr(jlax, name), **spec)


SPECS = [
    both("split", cases=(Case((Arg((4, 5)),), {"sizes": (1, 3), "axis": 0}),
                         Case((Arg((2, 6)),), {"sizes": (2, 0, 4), "axis": -1})),
         dtypes=(f32, i32), differentiable=True, linear=True),
    both("stack", lambda *xs, axis: lax.stack(xs, axis), lambda *xs, axis: jlax.stack(xs, axis),
         cases=(Case((Arg((2, 3)),) * 3, {"axis": 1}),), dtypes=(f32, i32),
         differentiable=True, linear=True),
    both("unstack", cases=(Case((Arg((3, 2)),), {"axis": 1}),), dtypes=(f32, i32),
         differentiable=True, linear=True),
    both("tile", cases=(Case((Arg((2, 3)),), {"reps": (2, 3)}),
                        Case((Arg((3,)),), {"reps": (0,)})),
         dtypes=(f32, i32), differentiable=True, linear=True),
    both("scatter_sub", cases=(Case((Arg((5, 3)), Arg((4, 1), i32, INDICES), Arg((4, 3))),
                                    {"dimension_numbers": SCATTER}),),
         dtypes=(f32, i32), differentiable=True),
    both("approx_max_k", cases=(Case((Arg((3, 10)),), {"k": 3}),
                                Case((Arg((10, 4)),), {"k": 2, "reduction_dimension": 0})),
         dtypes=(f32,), differentiable=True),
    both("approx_min_k", cases=(Case((Arg((2, 300)),), {"k": 2, "aggregate_to_topk": False}),),
         dtypes=(f32,), differentiable=True),
    both("reduce/monoid", lambda x: lax.reduce(x, np.float32(0), lax.add, (1,)),
         lambda x: jlax.reduce(x, np.float32(0), jlax.add, (1,)),
         cases=(Case((Arg((3, 4)),)),), dtypes=(f32,), differentiable=True),
    both("reduce/general", lambda x: lax.reduce(x, np.float32(1), PROD, (0, 2)),
         lambda x: jlax.reduce(x, np.float32(1), PROD, (0, 2)),
         cases=(Case((Arg((3, 2, 5)),)),), dtypes=(f32,), domains=NEAR_ONE,
         differentiable=True),
    both("reduce/pytree",
         lambda x, y: lax.reduce((x, y), (np.float32(0), np.float32(1)), SUM_AND_PROD, (1,)),
         lambda x, y: jlax.reduce((x, y), (np.float32(0), np.float32(1)), SUM_AND_PROD, (1,)),
         cases=(Case((Arg((2, 4)), Arg((2, 4)))),), dtypes=(f32,), domains=NEAR_ONE,
         differentiable=True),
    both("ragged_dot", cases=(Case((Arg((7, 3)), Arg((3, 3, 4)), Arg((3,), i32, GROUP_SIZES))),),
         dtypes=(f32,), differentiable=True, batchable=False),   # JAX cannot vmap it
    both("ragged_dot_general",     # (JAX cannot transpose this mode: see below)
         cases=(Case((Arg((3, 6)), Arg((6, 5)), Arg((3,), i32, GROUP_SIZES)),
                     {"ragged_dot_dimension_numbers": CONTRACTING}),), dtypes=(f32,)),
    both("scaled_dot", lambda x, y, sx, sy: lax.scaled_dot(x, y, lhs_scale=sx, rhs_scale=sy),
         lambda x, y, sx, sy: jlax.scaled_dot(x, y, lhs_scale=sx, rhs_scale=sy),
         cases=(Case((Arg((2, 8)), Arg((8, 3)), Arg((2, 4), domain=POSITIVE_SCALES),
                      Arg((4, 3), domain=POSITIVE_SCALES))),), dtypes=(f32,)),
    both("conv_general_dilated_patches",
         cases=(Case((Arg((2, 3, 5, 4)),), {"filter_shape": (2, 3), "window_strides": (1, 2),
                                             "padding": "SAME"}),),
         dtypes=(f32,), differentiable=True, linear=True),
    both("optimization_barrier", lambda x, y: lax.optimization_barrier((x, y)),
         lambda x, y: jlax.optimization_barrier((x, y)),
         cases=(Case((Arg((3,)), Arg(()))),), dtypes=(f32, i32), differentiable=True),
] + [
    both(f"{name}_p", lambda x, y, name=name: getattr(lax, f"{name}_p").bind(x, y),
         lambda x, y, name=name: getattr(jlax, f"{name}_p").bind(x, y),
         cases=(Case((Arg((6,)), Arg((6,)))),), dtypes=(f32, i32), domains=SMALL_INTS)
    for name in ("eq_to", "le_to", "lt_to")
] + [
    both("rng_bit_generator", cases=(Case((Arg((4,), u32, BITS),), {"shape": (2, 3)}),),
         dtypes=(u32,)),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS, namespace=(lax, jlax))


# ## Jaxprs

def test_jaxprs_are_jaxs():
    f = lambda L: lambda x: (L.split(x, (1, 3), axis=1), L.stack([x, x], axis=0),
                             L.unstack(x, axis=1), L.tile(x, (2, 1)),
                             L.optimization_barrier(x), L.approx_max_k(x, 2))
    ours, theirs = zenax.make_jaxpr(f(lax))(X), jax.make_jaxpr(f(jlax))(X)
    assert [e.primitive.name for e in ours.eqns] == [e.primitive.name for e in theirs.eqns]
    for a, b in zip(ours.eqns, theirs.eqns):
        assert {k: v for k, v in a.params.items()} == {
            k: v for k, v in b.params.items() if k in a.params}, a.primitive.name
        assert [v.aval.str_short() for v in a.outvars] == [v.aval.str_short(short_dtypes=True)
                                                       for v in b.outvars]


def test_general_reduce_is_one_equation_with_the_computation():
    jaxpr = zenax.make_jaxpr(lambda x: lax.reduce(x, np.float32(1), PROD, (1,)))(X)
    (eqn,) = jaxpr.eqns
    assert eqn.primitive is lax.reduce_p and eqn.params["dimensions"] == (1,)
    assert [e.primitive.name for e in eqn.params["jaxpr"].eqns] == ["mul"]
    assert [e.primitive.name for e in zenax.make_jaxpr(
        lambda x: lax.reduce(x, -np.inf, lax.max, (0,)))(X).eqns] == ["reduce_max"]


# ## Derivatives against finite differences

def test_derivatives_against_finite_differences():
    x = rng.uniform(0.5, 1.5, (3, 4)).astype(np.float32)
    f = lambda x: lax.reduce(lax.split(lax.tile(x, (1, 2)), (3, 5), axis=1)[1],
                             np.float32(1), PROD, (1,))
    check_grads(zenax.jit(f), (x,), order=1, modes=("fwd", "rev"), atol=1e-2, rtol=1e-2)


@pytest.mark.exhaustive
def test_second_derivatives_against_finite_differences(x64):
    x = rng.uniform(0.5, 1.5, (2, 3))
    check_grads(lambda x: lax.reduce(x, 1.0, PROD, (0,)), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: lax.stack(lax.unstack(x, 1)[::-1], 0) ** 2, (x,), order=2,
                modes=("fwd", "rev"))


def test_reduce_init_tangent_is_not_supported_as_in_jax():
    f = lambda L: lambda x, i: L.reduce(x, i, PROD, (0,))
    with pytest.raises(NotImplementedError, match="initial values"):
        jax.jvp(f(jlax), (X, np.float32(1)), (X, np.float32(1)))
    with pytest.raises(NotImplementedError, match="initial values"):
        zenax.jvp(f(lax), (X, np.float32(1)), (X, np.float32(1)))


# ## What JAX cannot vmap, and reduce_window_p

def test_ragged_dot_vmaps_like_a_loop():
    lhs, rhs = rng.randn(2, 7, 3).astype(np.float32), rng.randn(3, 3, 4).astype(np.float32)
    sizes = np.array([[2, 0, 4], [1, 3, 3]], np.int32)
    out = zenax.jit(zenax.vmap(lambda x, g: lax.ragged_dot(x, rhs, g)))(lhs, sizes)
    assert_same(out, np.stack([jlax.ragged_dot(lhs[i], rhs, sizes[i]) for i in range(2)]))


def test_ragged_contracting_derivatives():
    """JAX's jvp of this mode works, its transpose does not; zenax's both do."""
    f = lambda L: lambda x, y: L.ragged_dot_general(x, y, np.array([1, 3, 2], np.int32),
                                                    CONTRACTING, precision="highest")
    x, y = rng.randn(3, 6).astype(np.float32), rng.randn(6, 5).astype(np.float32)
    t = (rng.randn(3, 6).astype(np.float32), rng.randn(6, 5).astype(np.float32))
    assert_same(zenax.jit(lambda p, t: zenax.jvp(f(lax), p, t))((x, y), t),
                jax.jit(lambda p, t: jax.jvp(f(jlax), p, t))((x, y), t))
    check_grads(zenax.jit(f(lax)), (x, y), order=1, modes=("rev",), atol=1e-2, rtol=1e-2)
    with pytest.raises(NotImplementedError, match="group_offset"):
        lax.ragged_dot(X.T, X[None], np.ones(1, np.int32), group_offset=np.zeros(1, np.int32))


def test_ragged_dot_batch_dims_and_group_sizes_per_batch_like_jax():
    dn = jlax.RaggedDotDimensionNumbers(dot_dimension_numbers=(([2], [2]), ([0], [0])),
                                        lhs_ragged_dimensions=[1], rhs_group_dimensions=[1])
    lhs, rhs = rng.randn(2, 5, 3).astype(np.float32), rng.randn(2, 2, 3, 4).astype(np.float32)
    per_batch, shared = np.array([[2, 3], [4, 1]], np.int32), np.array([1, 3], np.int32)
    f = lambda L: lambda sizes: L.ragged_dot_general(lhs, rhs, sizes, dn)
    assert_same(zenax.jit(f(lax))(per_batch), f(jlax)(per_batch))
    assert_same(zenax.jit(f(lax))(shared), f(jlax)(shared))


def _window_jaxpr(computation):
    from zenax.lax.generic_reduce import _computation_jaxpr
    aval = ShapedArray((), np.float32)
    return _computation_jaxpr(computation, (aval,), tree_structure(1.0))[0]


def test_reduce_window_p_like_jax():
    window = dict(window_dimensions=(2,), window_strides=(1,), padding=((0, 1),),
                  base_dilation=(1,), window_dilation=(1,))
    f = lambda x: lax.reduce_window_p.bind(x, np.float32(1), jaxpr=_window_jaxpr(PROD),
                                           **window)[0]
    g = lambda x: jlax.reduce_window(x, np.float32(1), PROD, (2,), (1,), ((0, 1),))
    x = rng.uniform(0.5, 1.5, 6).astype(np.float32)
    assert_same(f(x), g(x))
    assert_same(zenax.jit(f)(x), g(x))
    assert_same(zenax.jvp(f, (x,), (x,)), jax.jvp(g, (x,), (x,)))
    xs = np.stack([x, 2 * x])
    assert_same(zenax.vmap(f)(xs), jax.vmap(g)(xs))


# ## rng_uniform, stage, copy_p, dce_sink

def test_rng_uniform_draws_in_range_and_vmaps():
    for lo, hi in ((np.float32(-1), np.float32(2)), (np.int32(3), np.int32(9))):
        out = lax.rng_uniform(lo, hi, (50,))
        assert out.dtype == lo.dtype and out.shape == (50,)
        assert (out >= lo).all() and (out < hi).all()
    los = np.array([0., 10., -5.], np.float32)
    out = zenax.jit(zenax.vmap(lambda a: lax.rng_uniform(a, a + 1, (20,))))(los)
    assert out.shape == (3, 20) and ((out >= los[:, None]) & (out < los[:, None] + 1)).all()
    tangent = zenax.jit(lambda a: zenax.jvp(lambda a: lax.rng_uniform(a, np.float32(1), (2,)),
                                            (a,), (a,))[1])(np.float32(0))
    assert_same(tangent, np.zeros(2, np.float32))


def test_stage_copy_and_dce_sink_like_jax():
    for value in (1.0, np.float32(2), np.arange(3)):
        assert_same(lax.stage(value), jlax.stage(value))
    assert_same(lax.copy_p.bind(X), jlax.copy_p.bind(X))
    assert_same(zenax.grad(lambda x: (lax.copy_p.bind(x) * lax.stage(x)).sum())(X), 2 * X)
    assert lax.dce_sink(X) is None and jlax.dce_sink(X) is None
    out = zenax.jit(lambda x: (lax.dce_sink(x * 2, prevent_mlir_dce=True), x + 1)[1])(X)
    assert_same(out, X + 1)


# ## Bad input

@pytest.mark.parametrize("call", [
    lambda L: L.split(X, (1, 1), axis=1), lambda L: L.split(X, (-1, 5), axis=1),
    lambda L: L.split(X, (2, 2), axis=2), lambda L: L.stack([X, X.T]),
    lambda L: L.stack([X, X[0]]), lambda L: L.stack([X, X.astype(np.int32)]),
    lambda L: L.unstack(np.float32(1)), lambda L: L.tile(X, (2,)),
    lambda L: L.approx_max_k(X, 0), lambda L: L.approx_max_k(X, 9),
    lambda L: L.approx_max_k(X.astype(np.int32), 1), lambda L: L.approx_max_k(np.float32(1), 1),
    lambda L: L.reduce(X, np.zeros(2, np.float32), L.add, (1,)),
    lambda L: L.reduce(X, np.int32(1), PROD, (1,)),
    lambda L: L.reduce((X, X), (np.float32(0),), SUM_AND_PROD, (1,)),
    lambda L: L.rng_bit_generator(np.zeros(4, np.uint32), (2,), dtype=np.int32),
    lambda L: L.rng_uniform(np.float32(0), np.int32(1), (2,)),
    lambda L: L.rng_uniform(X, X, (2,)),
    lambda L: L.scatter_sub(X, np.zeros((2, 1), np.int32), X[:2].astype(np.int32), SCATTER),
    lambda L: L.ragged_dot(X.T, X[None], np.ones(1, np.float32)),
    lambda L: L.ragged_dot(X.T, X[None].repeat(2, 0), np.ones(3, np.int32)),
    lambda L: L.scaled_dot(X, X.T, lhs_scale=np.ones((3, 4), np.float32)),
    lambda L: L.scaled_dot(X[0], X[0]),
])
def test_bad_input_raises_like_jax(call):
    raises_like_jax(lambda: call(lax), lambda: call(jlax))


def test_error_messages_name_the_function():
    for call, name in ((lambda: lax.split(X, (1, 1), axis=1), "split"),
                       (lambda: lax.stack([X, X.T]), "stack"),
                       (lambda: lax.tile(X, (2,)), "tile"),
                       (lambda: lax.approx_max_k(X, 9), "approx_top_k"),
                       (lambda: lax.rng_uniform(X, X, (2,)), "rng_uniform"),
                       (lambda: lax.ragged_dot(X.T, X[None], np.ones(1, np.float32)),
                        "ragged_dot_general"),
                       (lambda: lax.scaled_dot(X[0], X[0]), "scaled_dot")):
        with pytest.raises(Exception, match=name):
            call()


def test_aggregate_to_topk_false_sizes_like_xla():
    from jax._src.lib import _jax
    from zenax.lax.approx_top_k import _reduced_size
    for n, rank, k, recall, override in ((2000, 2, 5, 0.95, -1), (2000, 2, 100, 0.99, 100000),
                                         (5000, 1, 40, 0.9, -1), (70000, 3, 1, 0.95, -1),
                                         (300, 2, 7, 1.0, -1), (129, 2, 2, 0.5, -1)):
        assert _reduced_size(n, rank, k, recall, override) == \
            _jax.approx_top_k_reduction_output_size(n, rank, k, recall, False, override)[0]
