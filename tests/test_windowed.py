"""reduce_window_{sum,max,min}, the max-pool gradient primitives (select_and_gather_add,
select_and_scatter_add), generic ``lax.reduce_window`` and the pooling helpers, against
JAX: eager and ``jit`` values, ``jvp``, ``vjp``, ``vmap``, higher derivatives of pooling
(which run the select_and_* rules), finite differences and typechecked vjp programs.
"""
import jax
import numpy as np
import pytest

import zenax
from zenax import lax
from zenax.test_util import check_grads

from oracle import assert_same

TOL = dict(rtol=1e-5, atol=1e-5)

# id -> (operand shape, window_dimensions, window_strides, padding, base_dilation,
#        window_dilation)
CASES = {
    "2d_valid": ((5, 6), (2, 3), (1, 2), "VALID", None, None),
    "nhwc_same_strided": ((2, 7, 6, 3), (1, 3, 3, 1), (1, 2, 2, 1), "SAME", None, None),
    "3d_explicit_pad": ((3, 4, 4), (2, 2, 2), (2, 1, 1), ((1, 0), (0, 1), (1, 1)), None, None),
    "base_dilation": ((4, 5), (3, 2), (1, 1), ((1, 1), (0, 1)), (2, 1), None),
    "stride_beyond_window": ((11,), (2,), (3,), "VALID", None, None),
    "window_dilation": ((6, 7), (2, 2), (1, 2), "SAME_LOWER", None, (1, 2)),
}
KINDS = {"sum": (lax.add, jax.lax.add, 0.0), "max": (lax.max, jax.lax.max, -np.inf),
         "min": (lax.min, jax.lax.min, np.inf)}
CASE_KINDS = [(c, k) for c in CASES for k in KINDS]


def _rand(rng, shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _fns(case, kind, dtype=np.float32):
    _, dims, strides, padding, base, win = CASES[case]
    op, jop, init = KINDS[kind]
    init = np.array(init, dtype)
    return (lambda x: lax.reduce_window(x, init, op, dims, strides, padding, base, win),
            lambda x: jax.lax.reduce_window(x, init, jop, dims, strides, padding, base, win))


def _operand(case, seed=0, dtype=np.float32):
    return _rand(np.random.default_rng(seed), CASES[case][0], dtype)


def _vjp_unsupported(case, kind):
    """Reverse mode of max/min pooling with window dilation is not implemented (as JAX)."""
    return kind != "sum" and CASES[case][5] is not None


# ## reduce_window_{sum,max,min} through each transform

@pytest.mark.parametrize("case,kind", CASE_KINDS)
def test_eager_and_jit_match_jax_and_bind_the_primitive(case, kind):
    f, jf = _fns(case, kind)
    x = _operand(case)
    assert_same(f(x), jf(x), **TOL, check_weak_type=False)
    assert_same(zenax.jit(f)(x), jf(x), **TOL, check_weak_type=False)
    eqns = zenax.make_jaxpr(f)(x).jaxpr.eqns
    assert [e.primitive.name for e in eqns] == [f"reduce_window_{kind}"]


@pytest.mark.parametrize("case,kind", CASE_KINDS)
def test_jvp_matches_jax(case, kind):
    f, jf = _fns(case, kind)
    x, t = _operand(case), _operand(case, seed=1)
    out, t_out = zenax.jvp(f, (x,), (t,))
    j_out, j_t_out = jax.jvp(jf, (x,), (t,))
    assert_same(out, j_out, **TOL, check_weak_type=False)
    assert_same(t_out, j_t_out, **TOL, check_weak_type=False)


@pytest.mark.parametrize("case,kind", CASE_KINDS)
def test_vjp_matches_jax_and_typechecks(case, kind):
    f, jf = _fns(case, kind)
    x = _operand(case)
    ct = _rand(np.random.default_rng(2), np.shape(jf(x)))
    if _vjp_unsupported(case, kind):
        with pytest.raises(NotImplementedError, match="window dilation"):
            zenax.vjp(f, x)[1](ct)
        return
    assert_same(zenax.vjp(f, x)[1](ct)[0], jax.vjp(jf, x)[1](ct)[0], **TOL, check_weak_type=False)
    closed = zenax.make_jaxpr(lambda x, ct: zenax.vjp(f, x)[1](ct))(x, ct)
    assert zenax.typecheck_jaxpr(closed) is None
    expected = {"sum": "reduce_window_sum", "max": "select_and_scatter_add",
                "min": "select_and_scatter_add"}[kind]
    assert expected in str(closed)


@pytest.mark.parametrize("case,kind", CASE_KINDS)
def test_vmap_matches_jax(case, kind):
    """The vmapped axis gets a window of size 1, wherever it is."""
    shape, dims, strides, padding, base, win = CASES[case]
    op, jop, init = KINDS[kind]
    init = np.float32(init)
    rng = np.random.default_rng(3)
    xs = _rand(rng, (2,) + shape)
    for axis in (0, len(shape)):
        xs_axis = np.moveaxis(xs, 0, axis)
        ours = zenax.vmap(lambda x: lax.reduce_window(x, init, op, dims, strides, padding,
                                                      base, win), in_axes=axis)(xs_axis)
        theirs = jax.vmap(lambda x: jax.lax.reduce_window(x, init, jop, dims, strides, padding,
                                                          base, win), in_axes=axis)(xs_axis)
        assert_same(ours, theirs, **TOL, check_weak_type=False)


@pytest.mark.parametrize("case,kind", [("nhwc_same_strided", "sum"), ("base_dilation", "sum"),
                                       ("window_dilation", "sum"), ("3d_explicit_pad", "max"),
                                       ("base_dilation", "min"),
                                       ("stride_beyond_window", "max")])
def test_check_grads_second_order(x64, case, kind):
    f, _ = _fns(case, kind, np.float64)
    check_grads(f, (_operand(case, dtype=np.float64),), order=2, modes=("fwd", "rev"))


def test_integer_and_bool_operands():
    rng = np.random.default_rng(0)
    ints = rng.integers(-50, 50, (5, 6)).astype(np.int32)
    bools = rng.integers(0, 2, (5, 6)).astype(bool)
    args = ((2, 2), (1, 2), "SAME")
    imin, imax = np.iinfo(np.int32).min, np.iinfo(np.int32).max
    for x, init, op, jop in [(ints, np.int32(0), lax.add, jax.lax.add),
                             (ints, np.int32(imin), lax.max, jax.lax.max),
                             (ints, np.int32(imax), lax.min, jax.lax.min),
                             (bools, np.bool_(False), lax.max, jax.lax.max)]:
        ours = lax.reduce_window(x, init, op, *args)
        np.testing.assert_array_equal(ours, jax.lax.reduce_window(x, init, jop, *args))
        assert zenax.make_jaxpr(lambda x: lax.reduce_window(x, init, op, *args))(x) \
            .jaxpr.eqns[0].primitive.name.startswith("reduce_window_")


# ## Generic reduce_window: any computation, folded over the window's slices

GENERIC = {
    "mul": (lambda L: L.mul, 1.0),
    "add_nonidentity_init": (lambda L: L.add, 1.5),
    "max_nonidentity_init": (lambda L: L.max, 0.25),
    # (1 + a)(1 + b) - 1: associative and commutative, as XLA assumes (order unspecified).
    "custom_lambda": (lambda L: (lambda a, b: L.add(L.add(a, b), L.mul(a, b))), 0.0),
}


@pytest.mark.parametrize("case,name", [("nhwc_same_strided", "mul"),
                                       ("base_dilation", "add_nonidentity_init"),
                                       ("window_dilation", "max_nonidentity_init"),
                                       ("3d_explicit_pad", "custom_lambda")])
def test_generic_reduce_window_matches_jax(case, name):
    shape, dims, strides, padding, base, win = CASES[case]
    comp, init = GENERIC[name]
    init = np.float32(init)
    f = lambda x: lax.reduce_window(x, init, comp(lax), dims, strides, padding, base, win)
    jf = lambda x: jax.lax.reduce_window(x, init, comp(jax.lax), dims, strides, padding, base,
                                         win)
    x, t = _operand(case), _operand(case, seed=1)
    assert_same(f(x), jf(x), **TOL, check_weak_type=False)
    assert_same(zenax.jit(f)(x), jf(x), **TOL, check_weak_type=False)
    assert_same(zenax.jvp(f, (x,), (t,))[1], jax.jvp(jf, (x,), (t,))[1], rtol=1e-5, atol=1e-4,
                check_weak_type=False)
    xs = np.stack([x, t], axis=-1)
    g = lambda L: (lambda x: L.reduce_window(x, init, comp(L), dims, strides, padding, base,
                                             win))
    assert_same(zenax.vmap(g(lax), in_axes=-1)(xs), jax.vmap(g(jax.lax), in_axes=-1)(xs), **TOL,
                check_weak_type=False)


def test_generic_reduce_window_reverse_mode(x64):
    """JAX cannot reverse-differentiate generic reduce_window; ours is ordinary zenax code,
    so check it against finite differences, to second order."""
    x = _operand("2d_valid", dtype=np.float64)
    for comp, init in [(lax.mul, 1.0), (lax.add, 2.0)]:
        f = lambda x: lax.reduce_window(x, np.float64(init), comp, (2, 2), (2, 1), "SAME",
                                        (1, 2))
        check_grads(f, (x,), order=2, modes=("fwd", "rev"))


def test_generic_reduce_window_on_pytrees():
    rng = np.random.default_rng(0)
    x, y = _rand(rng, (4, 5)), _rand(rng, (4, 5))
    comp = lambda L: (lambda a, b: (L.max(a[0], b[0]), L.add(a[1], b[1])))
    init = (np.float32(-np.inf), np.float32(0))
    ours = lax.reduce_window((x, y), init, comp(lax), (2, 2), (1, 2), ((1, 0), (0, 1)))
    theirs = jax.lax.reduce_window((x, y), init, comp(jax.lax), (2, 2), (1, 2),
                                   ((1, 0), (0, 1)))
    assert isinstance(ours, tuple) and len(ours) == 2
    for a, b in zip(ours, theirs):
        assert_same(a, b, **TOL, check_weak_type=False)


def test_reduce_window_errors():
    x = np.ones((4, 5), np.float32)
    with pytest.raises(TypeError, match="one entry per operand dimension"):
        lax.reduce_window(x, np.float32(0), lax.add, (2,))
    with pytest.raises(ValueError, match="unrecognized padding"):
        lax.reduce_window(x, np.float32(0), lax.add, (2, 2), (1, 1), "FULL")
    with pytest.raises(ValueError, match="same"):
        lax.reduce_window((x, x), (np.float32(0),), lax.add, (2, 2))
    with pytest.raises(TypeError, match="window_strides must be positive"):
        zenax.make_jaxpr(lambda x: lax.reduce_window(x, np.float32(0), lax.add, (2, 2),
                                                     (0, 1)))(x)


# ## Pooling helpers: values and gradients equal JAX's pooling written with reduce_window

def _jax_pool(kind, x, dims, strides, padding, count_include_pad=True):
    if kind == "max":
        return jax.lax.reduce_window(x, -np.inf, jax.lax.max, dims, strides, padding)
    sums = jax.lax.reduce_window(x, 0.0, jax.lax.add, dims, strides, padding)
    if count_include_pad:
        return sums / np.prod(dims)
    return sums / jax.lax.reduce_window(jax.numpy.ones_like(x), 0.0, jax.lax.add, dims, strides,
                                        padding)


POOLS = [  # (layout, input shape, window_shape, strides, padding, full window, full strides)
    ("NHWC", (2, 7, 6, 3), (3, 3), (2, 2), "SAME", (1, 3, 3, 1), (1, 2, 2, 1)),
    ("NHWC", (2, 8, 8, 2), (2, 2), (2, 2), "VALID", (1, 2, 2, 1), (1, 2, 2, 1)),
    ("NCHW", (2, 3, 7, 5), (2, 3), (1, 2), "SAME", (1, 1, 2, 3), (1, 1, 1, 2)),
    ("NCHW", (1, 2, 6, 6), (3, 3), None, "VALID", (1, 1, 3, 3), (1, 1, 1, 1)),
    ("NWC", (2, 9, 2), (3,), (2,), "SAME", (1, 3, 1), (1, 2, 1)),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("layout,shape,window,strides,padding,dims,full_strides", POOLS,
                         ids=[f"{p[0]}-{p[4]}-{p[2]}" for p in POOLS])
def test_pooling_values_and_gradients_match_jax(kind, layout, shape, window, strides, padding,
                                                dims, full_strides):
    rng = np.random.default_rng(0)
    x = _rand(rng, shape)
    pool = lax.max_pool if kind == "max" else lax.avg_pool
    f = lambda x: pool(x, window, strides, padding, layout=layout)
    jf = lambda x: _jax_pool(kind, x, dims, full_strides, padding)
    assert_same(f(x), jf(x), **TOL, check_weak_type=False)
    w = _rand(rng, np.shape(jf(x)))
    loss = lambda x: lax.reduce_sum(lax.mul(f(x), w), range(len(shape)))
    assert_same(zenax.grad(loss)(x), jax.grad(lambda x: (jf(x) * w).sum())(x), **TOL,
                check_weak_type=False)


def test_pooling_default_layout_and_avg_pool_without_padding_counts():
    rng = np.random.default_rng(0)
    x = _rand(rng, (2, 5, 6, 3))
    assert_same(lax.max_pool(x, (2, 2), (2, 2)),
                _jax_pool("max", x, (1, 2, 2, 1), (1, 2, 2, 1), "VALID"), **TOL,
                check_weak_type=False)
    f = lambda x: lax.avg_pool(x, (3, 3), (2, 2), "SAME", count_include_pad=False)
    jf = lambda x: _jax_pool("avg", x, (1, 3, 3, 1), (1, 2, 2, 1), "SAME",
                             count_include_pad=False)
    assert_same(f(x), jf(x), **TOL, check_weak_type=False)
    ct = _rand(rng, np.shape(jf(x)))
    assert_same(zenax.vjp(f, x)[1](ct)[0], jax.vjp(jf, x)[1](ct)[0], **TOL, check_weak_type=False)
    with pytest.raises(ValueError, match="layout"):
        lax.max_pool(x, (2, 2), layout="NHW")


def _max_pool_loss(L, pool):
    """A loss whose second derivative exercises select_and_gather/scatter's rules."""
    w = np.linspace(-1.0, 1.0, 2 * 4 * 3 * 2, dtype=np.float32).reshape(2, 4, 3, 2)
    return lambda x: L.reduce_sum(L.mul(L.integer_pow(pool(x), 2), w), (0, 1, 2, 3))


def _pools():
    ours = lambda x: lax.max_pool(x, (3, 2), (2, 2), "SAME")
    theirs = lambda x: jax.lax.reduce_window(x, -np.inf, jax.lax.max, (1, 3, 2, 1),
                                             (1, 2, 2, 1), "SAME")
    return ours, theirs


def test_max_pool_hessian_vector_products_match_jax():
    """Forward-over-reverse (jvp of select_and_scatter_add) and reverse-over-reverse
    (transpose of select_and_scatter_add: select_and_gather_add)."""
    ours, theirs = _pools()
    rng = np.random.default_rng(0)
    x, v = _rand(rng, (2, 7, 6, 2)), _rand(rng, (2, 7, 6, 2))
    g, jg = zenax.grad(_max_pool_loss(lax, ours)), jax.grad(_max_pool_loss(jax.lax, theirs))
    assert_same(zenax.jvp(g, (x,), (v,))[1], jax.jvp(jg, (x,), (v,))[1], **TOL,
                check_weak_type=False)
    rev = lambda g, L: (lambda x: L.reduce_sum(L.mul(g(x), v), (0, 1, 2, 3)))
    assert_same(zenax.grad(rev(g, lax))(x), jax.grad(rev(jg, jax.lax))(x), **TOL,
                check_weak_type=False)
    closed = zenax.make_jaxpr(zenax.grad(rev(g, lax)))(x)
    assert zenax.typecheck_jaxpr(closed) is None
    assert "select_and_gather_add" in str(closed) and "select_and_scatter_add" in str(closed)


def test_max_pool_per_example_gradients_match_jax():
    """vmap of grad: the batch rules of select_and_gather_add and select_and_scatter_add."""
    ours, theirs = _pools()
    rng = np.random.default_rng(1)
    xs = _rand(rng, (3, 2, 7, 6, 2))
    g, jg = zenax.grad(_max_pool_loss(lax, ours)), jax.grad(_max_pool_loss(jax.lax, theirs))
    assert_same(zenax.vmap(g)(xs), jax.vmap(jg)(xs), **TOL, check_weak_type=False)
    assert_same(zenax.jit(zenax.vmap(g, in_axes=4))(np.moveaxis(xs, 0, 4)),
                jax.vmap(jg, in_axes=4)(np.moveaxis(xs, 0, 4)), **TOL, check_weak_type=False)
    # Second order under vmap: the batched jvp of select_and_scatter_add.
    vs = _rand(rng, xs.shape)
    assert_same(zenax.vmap(lambda x, v: zenax.jvp(g, (x,), (v,))[1])(xs, vs),
                jax.vmap(lambda x, v: jax.jvp(jg, (x,), (v,))[1])(xs, vs), **TOL,
                check_weak_type=False)


def test_max_pool_check_grads(x64):
    x = _rand(np.random.default_rng(0), (1, 5, 6, 2), np.float64)
    check_grads(lambda x: lax.max_pool(x, (2, 3), (2, 1), "SAME"), (x,), order=2,
                modes=("fwd", "rev"))
    check_grads(lambda x: lax.avg_pool(x, (3, 3), (1, 2), "SAME", count_include_pad=False),
                (x,), order=2, modes=("fwd", "rev"))


def test_max_pool_gradient_with_base_dilation_matches_jax():
    """select_and_gather_add's transpose pads the dilation holes and slices them out."""
    f, jf = _fns("base_dilation", "max")
    x = _operand("base_dilation")
    ct = _rand(np.random.default_rng(2), np.shape(jf(x)))
    assert_same(zenax.vjp(f, x)[1](ct)[0], jax.vjp(jf, x)[1](ct)[0], **TOL, check_weak_type=False)


def test_primitives_are_exported():
    for name in ("reduce_window_sum_p", "reduce_window_max_p", "reduce_window_min_p",
                 "select_and_gather_add_p", "select_and_scatter_add_p"):
        assert getattr(lax, name).name == name[:-2]
