"""conv_general_dilated and its wrappers against jax.lax, through every transform.

For each case (shapes, strides, paddings, dilations, group counts, dimension numbers):
eager and ``jit`` equal ``jax.lax.conv_general_dilated``; ``jvp`` equals ``jax.jvp``;
``vjp`` equals ``jax.vjp`` for both operands; ``vmap`` (lhs batched, rhs batched, both,
at various axes) equals ``jax.vmap``; the vjp program typechecks; finite differences agree
to second order.  Then the wrappers (``conv``, ``conv_with_general_padding``,
``conv_transpose``) and the errors users meet.
"""
import jax
import numpy as np
import pytest

import zenax
from zenax import lax
from zenax.test_util import check_grads

from oracle import assert_same

TOL = dict(rtol=2e-4, atol=2e-4)

# id -> (lhs shape, rhs shape, conv_general_dilated keyword arguments)
CASES = {
    "2d_nchw_valid": ((2, 3, 6, 5), (4, 3, 3, 2), dict(window_strides=(1, 1),
                                                      padding="VALID")),
    "2d_nhwc_same_strided": ((2, 7, 6, 3), (3, 3, 3, 4), dict(
        window_strides=(2, 1), padding="SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))),
    "2d_same_lower_rhs_dilated": ((1, 2, 7, 7), (3, 2, 2, 3), dict(
        window_strides=(1, 2), padding="SAME_LOWER", rhs_dilation=(2, 1))),
    "2d_explicit_pad_dilations": ((2, 2, 5, 6), (3, 2, 3, 2), dict(
        window_strides=(2, 3), padding=((1, 2), (0, 1)), lhs_dilation=(2, 1),
        rhs_dilation=(1, 2))),
    "2d_negative_pad": ((1, 2, 8, 6), (2, 2, 3, 3), dict(
        window_strides=(1, 1), padding=((-1, 1), (2, -1)))),
    "1d_nwc_lhs_dilated": ((3, 8, 2), (3, 2, 4), dict(
        window_strides=(1,), padding=((2, 2),), lhs_dilation=(2,),
        dimension_numbers=("NWC", "WIO", "NWC"))),
    "2d_feature_groups": ((2, 5, 4, 6), (3, 3, 2, 6), dict(
        window_strides=(1, 2), padding="SAME", feature_group_count=3,
        dimension_numbers=("NHWC", "HWIO", "NHWC"))),
    "2d_depthwise_strided": ((2, 4, 7, 7), (8, 1, 3, 3), dict(
        window_strides=(2, 2), padding=((1, 1), (1, 1)), feature_group_count=4)),
    "2d_batch_groups": ((4, 3, 5, 5), (6, 3, 2, 3), dict(
        window_strides=(1, 1), padding="VALID", batch_group_count=2)),
    "2d_batch_groups_mixed_layout": ((6, 5, 4, 2), (2, 4, 2, 3), dict(
        window_strides=(2, 1), padding=((0, 1), (1, 0)), batch_group_count=2,
        rhs_dilation=(1, 2), dimension_numbers=("NHWC", "IOHW", "CNWH"))),
    "3d_ndhwc": ((1, 4, 5, 3, 2), (2, 2, 2, 2, 3), dict(
        window_strides=(1, 2, 1), padding="SAME",
        dimension_numbers=("NDHWC", "DHWIO", "NDHWC"))),
    "dimension_numbers_object": ((2, 5, 3, 4), (2, 2, 4, 3), dict(
        window_strides=(1, 1), padding="VALID",
        dimension_numbers=jax.lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1),
                                                       (0, 3, 1, 2)))),
}


def _rand(rng, shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _case(name, seed=0):
    lhs_shape, rhs_shape, kwargs = CASES[name]
    rng = np.random.default_rng(seed)
    return _rand(rng, lhs_shape), _rand(rng, rhs_shape), kwargs


def _fns(kwargs):
    return (lambda l, r: lax.conv_general_dilated(l, r, **kwargs),
            lambda l, r: jax.lax.conv_general_dilated(l, r, **kwargs))


# ## Each case through each transform

@pytest.mark.parametrize("name", CASES)
def test_eager_and_jit_match_jax(name):
    lhs, rhs, kwargs = _case(name)
    f, jf = _fns(kwargs)
    expected = jf(lhs, rhs)
    assert_same(f(lhs, rhs), expected, **TOL, check_weak_type=False)
    assert_same(zenax.jit(f)(lhs, rhs), expected, **TOL, check_weak_type=False)


@pytest.mark.parametrize("name", CASES)
def test_jvp_matches_jax(name):
    lhs, rhs, kwargs = _case(name)
    t_lhs, t_rhs, _ = _case(name, seed=1)
    f, jf = _fns(kwargs)
    out, t_out = zenax.jvp(f, (lhs, rhs), (t_lhs, t_rhs))
    j_out, j_t_out = jax.jvp(jf, (lhs, rhs), (t_lhs, t_rhs))
    assert_same(out, j_out, **TOL, check_weak_type=False)
    assert_same(t_out, j_t_out, **TOL, check_weak_type=False)
    # One tangent a symbolic zero: only the other operand's term.
    _, t_lhs_only = zenax.jvp(lambda l: f(l, rhs), (lhs,), (t_lhs,))
    assert_same(t_lhs_only, jax.jvp(lambda l: jf(l, rhs), (lhs,), (t_lhs,))[1], **TOL,
                check_weak_type=False)


@pytest.mark.parametrize("name", CASES)
def test_vjp_matches_jax_for_both_operands(name):
    lhs, rhs, kwargs = _case(name)
    f, jf = _fns(kwargs)
    out, f_vjp = zenax.vjp(f, lhs, rhs)
    j_out, jf_vjp = jax.vjp(jf, lhs, rhs)
    ct = _rand(np.random.default_rng(2), np.shape(j_out))
    for ours, theirs in zip(f_vjp(ct), jf_vjp(ct)):
        assert_same(ours, theirs, **TOL, check_weak_type=False)
    # Each operand alone (the other a constant), as grad with respect to one argument.
    assert_same(zenax.vjp(lambda l: f(l, rhs), lhs)[1](ct)[0], jf_vjp(ct)[0], **TOL,
                check_weak_type=False)
    assert_same(zenax.vjp(lambda r: f(lhs, r), rhs)[1](ct)[0], jf_vjp(ct)[1], **TOL,
                check_weak_type=False)


@pytest.mark.parametrize("name", CASES)
def test_vjp_program_typechecks_and_jits(name):
    lhs, rhs, kwargs = _case(name)
    f, jf = _fns(kwargs)
    ct = _rand(np.random.default_rng(2), np.shape(jf(lhs, rhs)))
    backward = lambda l, r, c: zenax.vjp(f, l, r)[1](c)
    closed = zenax.make_jaxpr(backward)(lhs, rhs, ct)
    assert zenax.typecheck_jaxpr(closed) is None
    assert "conv_general_dilated" in str(closed)
    for ours, theirs in zip(zenax.jit(backward)(lhs, rhs, ct), jax.vjp(jf, lhs, rhs)[1](ct)):
        assert_same(ours, theirs, **TOL, check_weak_type=False)


# (lhs in_axis, rhs in_axis): lhs only, rhs only, both; the axes rotate over the cases.
VMAP_AXES = [[(0, None), (None, 0), (0, 0)], [(2, None), (None, 3), (1, 2)],
             [(-1, None), (None, 1), (3, 0)]]
VMAP_CASES = [(name, axes) for i, name in enumerate(CASES) for axes in VMAP_AXES[i % 3]]


@pytest.mark.parametrize("name,axes", VMAP_CASES, ids=str)
def test_vmap_matches_jax(name, axes):
    lhs, rhs, kwargs = _case(name)
    f, jf = _fns(kwargs)
    rng = np.random.default_rng(3)
    args = []
    for x, ax in zip((lhs, rhs), axes):
        if ax is not None:
            x = np.stack([x] + [_rand(rng, x.shape) for _ in range(2)], axis=ax)
        args.append(x)
    assert_same(zenax.vmap(f, in_axes=axes)(*args), jax.vmap(jf, in_axes=axes)(*args), **TOL,
                check_weak_type=False)


@pytest.mark.parametrize("name", ["2d_nhwc_same_strided", "2d_feature_groups",
                                  "2d_batch_groups", "2d_batch_groups_mixed_layout"])
def test_vmap_of_grad_matches_jax(name):
    """Per-example gradients: the batch rule applied to the transposed convolutions."""
    lhs, rhs, kwargs = _case(name)
    f, jf = _fns(kwargs)
    lhss = np.stack([lhs, _case(name, seed=5)[0]])
    loss = lambda f, L: (lambda l, r: L.reduce_sum(L.integer_pow(f(l, r), 2), range(4)))
    ours = zenax.jit(zenax.vmap(zenax.grad(loss(f, lax), argnums=(0, 1)),
                                in_axes=(0, None)))(lhss, rhs)
    theirs = jax.vmap(jax.grad(loss(jf, jax.lax), argnums=(0, 1)), in_axes=(0, None))(lhss, rhs)
    for a, b in zip(ours, theirs):
        assert_same(a, b, rtol=1e-3, atol=1e-3, check_weak_type=False)


@pytest.mark.parametrize("name", ["2d_nchw_valid", "2d_explicit_pad_dilations",
                                  "1d_nwc_lhs_dilated", "2d_feature_groups",
                                  "2d_batch_groups_mixed_layout"])
def test_check_grads_second_order(name):
    lhs, rhs, kwargs = _case(name)
    f, _ = _fns(kwargs)
    check_grads(f, (lhs, rhs), order=2, modes=("fwd", "rev"), atol=1e-2, rtol=1e-2)


def test_check_grads_float64(x64):
    lhs, rhs, kwargs = _case("2d_depthwise_strided")
    f, jf = _fns(kwargs)
    lhs, rhs = lhs.astype(np.float64), rhs.astype(np.float64)
    check_grads(f, (lhs, rhs), order=2, modes=("fwd", "rev"))
    assert f(lhs, rhs).dtype == np.float64
    ct = np.ones(np.shape(jf(lhs, rhs)))
    for a, b in zip(zenax.vjp(f, lhs, rhs)[1](ct), jax.vjp(jf, lhs, rhs)[1](ct)):
        assert_same(a, b, rtol=1e-10, atol=1e-10, check_weak_type=False)


def test_hessian_vector_product_matches_jax():
    """Forward over reverse: jvp of the conv transposes."""
    lhs, rhs, kwargs = _case("2d_explicit_pad_dilations")
    f, jf = _fns(kwargs)
    t = _case("2d_explicit_pad_dilations", seed=4)[:2]
    loss = lambda f, L: (lambda l, r: L.reduce_sum(L.integer_pow(f(l, r), 3), range(4)))
    ours = zenax.jvp(zenax.grad(loss(f, lax), argnums=(0, 1)), (lhs, rhs), t)[1]
    theirs = jax.jvp(jax.grad(loss(jf, jax.lax), argnums=(0, 1)), (lhs, rhs), t)[1]
    for a, b in zip(ours, theirs):
        assert_same(a, b, rtol=1e-3, atol=1e-3, check_weak_type=False)


# ## Wrappers

def test_conv_and_conv_with_general_padding_match_jax():
    rng = np.random.default_rng(0)
    lhs, rhs = _rand(rng, (2, 3, 9, 8)), _rand(rng, (4, 3, 3, 2))
    for padding in ("SAME", "VALID"):
        assert_same(lax.conv(lhs, rhs, (2, 1), padding), jax.lax.conv(lhs, rhs, (2, 1), padding),
                    **TOL, check_weak_type=False)
    args = ((1, 2), [(1, 0), (2, 2)], (1, 2), (2, 1))
    assert_same(lax.conv_with_general_padding(lhs, rhs, *args),
                jax.lax.conv_with_general_padding(lhs, rhs, *args), **TOL, check_weak_type=False)
    g = zenax.grad(lambda r: lax.reduce_sum(lax.conv(lhs, r, (1, 1), "SAME"), range(4)))(rhs)
    assert_same(g, jax.grad(lambda r: jax.lax.conv(lhs, r, (1, 1), "SAME").sum())(rhs), **TOL,
                check_weak_type=False)


@pytest.mark.parametrize("kwargs", [
    dict(strides=(2, 2), padding="SAME"),
    dict(strides=(2, 1), padding="VALID"),
    dict(strides=(2, 2), padding=((1, 2), (0, 1))),
    dict(strides=(3, 2), padding="SAME", transpose_kernel=True),
    dict(strides=(2, 2), padding=((1, 1), (1, 1)), use_consistent_padding=True,
         rhs_dilation=(1, 2)),
    dict(strides=(2, 2), padding="VALID", dimension_numbers=("NCHW", "OIHW", "NCHW")),
], ids=str)
def test_conv_transpose_matches_jax(kwargs):
    rng = np.random.default_rng(0)
    nchw = kwargs.get("dimension_numbers") == ("NCHW", "OIHW", "NCHW")
    lhs = _rand(rng, (2, 3, 4, 5) if nchw else (2, 4, 5, 3))
    rhs = _rand(rng, (2, 3, 3, 3) if nchw else (3, 3, 3, 2))
    if kwargs.get("transpose_kernel"):
        rhs = _rand(rng, (3, 3, 2, 3))
    f = lambda l, r: lax.conv_transpose(l, r, **kwargs)
    jf = lambda l, r: jax.lax.conv_transpose(l, r, **kwargs)
    assert_same(f(lhs, rhs), jf(lhs, rhs), **TOL, check_weak_type=False)
    ct = _rand(rng, np.shape(jf(lhs, rhs)))
    for a, b in zip(zenax.vjp(f, lhs, rhs)[1](ct), jax.vjp(jf, lhs, rhs)[1](ct)):
        assert_same(a, b, **TOL, check_weak_type=False)


def test_conv_transpose_is_the_gradient_of_conv():
    """With consistent padding, conv_transpose(ct, k) is the lhs cotangent of conv(., k)."""
    rng = np.random.default_rng(0)
    x, k = _rand(rng, (1, 7, 7, 2)), _rand(rng, (3, 3, 2, 4))
    dn = ("NHWC", "HWIO", "NHWC")
    fwd = lambda x: lax.conv_general_dilated(x, k, (2, 2), ((1, 1), (1, 1)),
                                             dimension_numbers=dn)
    ct = _rand(rng, np.shape(fwd(x)))
    x_bar = zenax.vjp(fwd, x)[1](ct)[0]
    via_transpose = lax.conv_transpose(ct, k, (2, 2), ((1, 1), (1, 1)), dimension_numbers=dn,
                                       transpose_kernel=True, use_consistent_padding=True)
    assert_same(via_transpose, x_bar, **TOL, check_weak_type=False)


def test_precision_and_preferred_element_type():
    rng = np.random.default_rng(0)
    lhs, rhs = _rand(rng, (1, 2, 5, 5)), _rand(rng, (3, 2, 2, 2))
    out = lax.conv(lhs, rhs, (1, 1), "VALID", precision=jax.lax.Precision.HIGHEST)
    assert_same(out, jax.lax.conv(lhs, rhs, (1, 1), "VALID", precision=jax.lax.Precision.HIGHEST),
                **TOL, check_weak_type=False)
    ints = lhs.round().astype(np.int8), rhs.round().astype(np.int8)
    out = lax.conv(*ints, (1, 1), "VALID", preferred_element_type=np.int32)
    assert_same(out, jax.lax.conv(*ints, (1, 1), "VALID", preferred_element_type=np.int32), **TOL,
                check_weak_type=False)
    closed = zenax.make_jaxpr(lambda l, r: lax.conv(l, r, (1, 1), "VALID",
                                                    precision="highest"))(lhs, rhs)
    highest = jax.lax.Precision.HIGHEST
    assert closed.jaxpr.eqns[0].params["precision"] == (highest, highest)   # JAX's canonical form


def test_primitive_is_exported():
    assert lax.conv_general_dilated_p.name == "conv_general_dilated"
    dn = lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    assert dn == lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    assert lax.padtype_to_pads((5, 6), (3, 3), (2, 2), "SAME") == \
        jax.lax.padtype_to_pads((5, 6), (3, 3), (2, 2), "SAME")
    assert lax.padtype_to_pads((6,), (3,), (2,), "SAME_LOWER") == \
        jax.lax.padtype_to_pads((6,), (3,), (2,), "SAME_LOWER")


# ## Errors

ERROR_CASES = [
    # (error kind, message, lhs shape, rhs shape, keyword arguments)
    (ValueError, "lhs feature dimension size divided by feature_group_count",
     (1, 4, 5, 5), (2, 3, 3, 3), dict(window_strides=(1, 1), padding="VALID")),
    (ValueError, "feature_group_count must divide", (1, 4, 5, 5), (3, 2, 3, 3),
     dict(window_strides=(1, 1), padding="VALID", feature_group_count=3)),
    (ValueError, "window_strides must have one entry per spatial dimension",
     (1, 4, 5, 5), (2, 4, 3, 3), dict(window_strides=(1,), padding=((0, 0), (0, 0)))),
    (ValueError, "at most one of batch_group_count", (2, 4, 5, 5), (4, 2, 3, 3),
     dict(window_strides=(1, 1), padding="VALID", feature_group_count=2,
          batch_group_count=2)),
    (ValueError, "batch_group_count must divide", (3, 4, 5, 5), (4, 4, 3, 3),
     dict(window_strides=(1, 1), padding="VALID", batch_group_count=2)),
]


@pytest.mark.parametrize("kind,message,lhs_shape,rhs_shape,kwargs", ERROR_CASES,
                         ids=[c[1] for c in ERROR_CASES])
def test_shape_errors_have_jaxs_kind_and_name_the_problem(kind, message, lhs_shape, rhs_shape,
                                                          kwargs):
    lhs, rhs = np.ones(lhs_shape, np.float32), np.ones(rhs_shape, np.float32)
    f = lambda l, r: lax.conv_general_dilated(l, r, **kwargs)
    with pytest.raises(kind, match=message):
        zenax.make_jaxpr(f)(lhs, rhs)            # zenax's shape rule, at the user's line
    with pytest.raises(kind):
        jax.lax.conv_general_dilated(lhs, rhs, **kwargs)


def test_wrapper_errors():
    x = np.ones((1, 4, 5, 5), np.float32)
    k = np.ones((2, 4, 3, 3), np.float32)
    with pytest.raises(TypeError, match="same dtypes"):
        zenax.make_jaxpr(lambda a, b: lax.conv(a, b, (1, 1), "VALID"))(x, k.astype(np.float16))
    with pytest.raises(ValueError, match="string padding"):
        lax.conv_general_dilated(x, k, (1, 1), "SAME", lhs_dilation=(2, 2))
    with pytest.raises(ValueError, match="padding must be a string or a sequence"):
        lax.conv_general_dilated(x, k, (1, 1), [1, 2])
    with pytest.raises(ValueError, match="unrecognized padding"):
        lax.conv(x, k, (1, 1), "FULL")
