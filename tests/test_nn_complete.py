"""zenax.nn's newer functions and keywords, and zenax.nn.initializers, against jax.nn:

* spec rows (eager, jit, jvp/vjp, vmap against JAX) for mish, hard_swish, squareplus,
  log1mexp, logmeanexp, identity, tanh, sparse_plus, sparse_sigmoid, relu6, hard_tanh,
  gelu, logsumexp(where), standardize(where, algorithm), one_hot and
  dot_product_attention's sequence lengths and local window;
* JAX's custom derivatives (relu6 and hard_tanh at their kinks, log1mexp's rule);
* signatures and defaults equal to JAX's, ``import zenax.nn.initializers`` as a module;
* every initializer bit-identical to JAX's (real and complex dtypes), the orthogonal ones'
  structure, and JAX's errors;
* attention's residual and implementation keywords, one_hot over a named axis, the
  compiled eager path, and bad input.
"""
import doctest
import importlib
import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.nn as nn
import zenax.numpy as znp

from jnp_spec_checks import assert_runs_compiled, spec_tests
from oracle import assert_bits_equal, assert_same
from spec import Arg, Case, Domain, Spec, bf16, f32, i32

UNARY = (Case((Arg((2, 5)),)),)
POSITIVE = Domain(0.05, 5.0)
RELU6_RANGE = Domain(-2.0, 8.0)
LENGTHS = Domain(1, 5, integral=True)
MASK = Arg((3, 5), dtype=np.bool_)


def _nn(name, dtypes=(f32, bf16), cases=UNARY, domains=Domain(-4.0, 4.0), **kw) -> Spec:
    return Spec(name, getattr(nn, name), getattr(jax.nn, name), cases, dtypes, domains,
                differentiable=kw.pop("differentiable", True), **kw)


def _keyword_row(name, fun_name, keywords, cases, dtypes=(f32,), **kw) -> Spec:
    """The row of ``<nn>.<fun_name>(x, **{kw: operand})``: operands after the first are
    passed as the named keywords (where masks, sequence lengths)."""
    def wrap(module):
        fun = getattr(module, fun_name)
        return lambda x, *rest, **params: fun(x, **dict(zip(keywords, rest)), **params)
    return Spec(name, wrap(nn), wrap(jax.nn), cases, dtypes, Domain(-3.0, 3.0),
                differentiable=True, **kw)


def _attention(module):
    def attend(q, k, v, *lengths, **params):
        names = params.pop("lengths", ())
        return module.dot_product_attention(q, k, v, **dict(zip(names, lengths)), **params)
    return attend


QKV = (Arg((2, 4, 4, 8)), Arg((2, 5, 2, 8)), Arg((2, 5, 2, 8)))
SPECS = [
    _nn("mish"),
    _nn("hard_swish", domains=Domain(-5.0, 5.0)),
    _nn("squareplus", cases=UNARY + (Case((Arg((2, 5)),), {"b": 2.0}, label="b"),)),
    _nn("log1mexp", domains=POSITIVE),
    _nn("identity"),
    _nn("tanh"),
    _nn("sparse_plus"),
    _nn("sparse_sigmoid"),
    _nn("relu6", domains=RELU6_RANGE),
    _nn("hard_tanh"),
    _nn("gelu", cases=UNARY + (Case((Arg((2, 5)),), {"approximate": False}, label="exact"),)),
    _nn("logmeanexp", cases=(Case((Arg((3, 5)),)),
                             Case((Arg((3, 5)),), {"axis": 1, "keepdims": True}, label="axis"))),
    _keyword_row("logsumexp/where", "logsumexp", ("where",),
                 (Case((Arg((3, 5)), MASK), {"axis": 1}),)),
    _keyword_row("logmeanexp/where", "logmeanexp", ("where",),
                 (Case((Arg((3, 5)), MASK), {"axis": 1}),)),
    _keyword_row("standardize/where", "standardize", ("where",), (
        Case((Arg((3, 5)), MASK)),
        Case((Arg((3, 5)), MASK), {"axis": 0, "algorithm": "stable"}, label="stable"))),
    _nn("standardize", cases=(Case((Arg((4, 6)),), {"algorithm": "stable"}),)),
    _nn("one_hot", (i32,), cases=(Case((Arg((4,)),), {"num_classes": 5}),
                                  Case((Arg((2, 3)),), {"num_classes": 4, "axis": 0,
                                                        "dtype": jnp.bfloat16}, label="axis")),
        domains=Domain(-1, 5, integral=True), differentiable=False),
    Spec("dot_product_attention/lengths", _attention(nn), _attention(jax.nn), (
        Case(QKV + (Arg((2,), i32, LENGTHS), Arg((2,), i32, LENGTHS)),
             {"lengths": ("query_seq_lengths", "key_value_seq_lengths")}),
        Case(QKV + (Arg((2,), i32, LENGTHS),),
             {"lengths": ("key_value_seq_lengths",), "is_causal": True}, label="causal"),
        Case(QKV, {"local_window_size": (2, 1)}, label="window"),
    ), (f32,), Domain(-2.0, 2.0), differentiable=True),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS, namespace=(nn, jax.nn))


# ## Custom derivatives

def test_derivatives_at_the_kinks_are_jax_s():
    points = np.float32([0.0, 6.0, -1.0, 1.0, 3.0])
    for name in ("relu6", "hard_tanh", "sparse_sigmoid", "sparse_plus"):
        ours = zenax.jit(zenax.vmap(zenax.grad(getattr(nn, name))))(points)
        theirs = jax.jit(jax.vmap(jax.grad(getattr(jax.nn, name))))(points)
        assert_same(ours, theirs, err_msg=name)


def test_log1mexp_uses_its_custom_rule():
    x = np.float32([1e-6, 0.5, 30.0])
    assert "custom_jvp_call" in str(zenax.make_jaxpr(nn.log1mexp)(x))
    ours = zenax.jvp(nn.log1mexp, (x,), (np.ones(3, np.float32),))
    assert_same(ours, jax.jvp(jax.nn.log1mexp, (x,), (np.ones(3, np.float32),)))
    assert np.isfinite(np.asarray(zenax.grad(lambda x: znp.sum(nn.log1mexp(x)))(x))).all()


# ## Signatures, the initializers module

FUNCTIONS = ["mish", "hard_swish", "squareplus", "log1mexp", "logmeanexp", "identity",
             "sparse_plus", "sparse_sigmoid", "relu6", "gelu", "logsumexp", "standardize",
             "one_hot", "dot_product_attention", "softmax", "log_softmax", "celu", "elu",
             "leaky_relu", "glu"]
INITIALIZERS = ["zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
                "variance_scaling", "glorot_uniform", "glorot_normal", "lecun_uniform",
                "lecun_normal", "he_uniform", "he_normal", "xavier_uniform", "xavier_normal",
                "kaiming_uniform", "kaiming_normal", "orthogonal", "delta_orthogonal"]


def _signature(fun):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fun).parameters.values()]


def test_signatures_and_defaults_are_jax_s():
    for name in FUNCTIONS:
        assert _signature(getattr(nn, name)) == _signature(getattr(jax.nn, name)), name
    for name in INITIALIZERS:
        ours, theirs = getattr(nn.initializers, name), getattr(jax.nn.initializers, name)
        assert _signature(ours) == _signature(theirs), name
    # The initializer each factory returns takes (key, shape, dtype, out_sharding).
    made = nn.initializers.glorot_normal(dtype=jnp.bfloat16)
    assert _signature(made) == _signature(jax.nn.initializers.glorot_normal(dtype=jnp.bfloat16))


def test_initializers_is_an_importable_module():
    module = importlib.import_module("zenax.nn.initializers")
    assert module is nn.initializers
    assert isinstance(nn.initializers.orthogonal(), nn.initializers.Initializer)
    assert isinstance(nn.initializers.zeros, nn.initializers.Initializer)
    assert not isinstance(3, nn.initializers.Initializer)


# ## Initializers against JAX

KEY = np.array([0, 3], np.uint32)
INIT_CASES = [
    ("glorot_uniform", (), (16, 8)), ("glorot_normal", (), (3, 5, 7)),
    ("lecun_uniform", (), (6, 7)), ("lecun_normal", (), (6, 7)),
    ("he_uniform", (), (6, 7)), ("he_normal", (), (2, 6, 7)),
    ("variance_scaling", (1.0, "fan_geo_avg", "normal"), (4, 6)),
    ("variance_scaling", (0.5, "fan_out", "uniform", (0, 1), 2), (2, 3, 5)),
    ("variance_scaling", (1.0, "fan_in", "uniform", 0, 0), (7,)),
    ("variance_scaling", (2.0, "fan_avg", "truncated_normal", -2, -1, 0), (3, 4, 5)),
    ("normal", (2.0,), (3, 2)), ("uniform", (3.0,), (3, 2)),
    ("truncated_normal", (2.0, None, -1.0, 3.0), (3, 2)), ("constant", (-7.0,), (2, 2)),
    ("orthogonal", (), (4, 6)), ("orthogonal", (2.0, 0), (5, 3)),
    ("orthogonal", (1.0, 1), (2, 3, 4)), ("orthogonal", (), (0, 3)),
    ("delta_orthogonal", (), (3, 4, 5)), ("delta_orthogonal", (1.5,), (3, 3, 4, 4)),
    ("delta_orthogonal", (), (2, 3, 1, 2, 2)),
]


@pytest.mark.parametrize("name,args,shape", INIT_CASES, ids=lambda v: str(v))
def test_initializers_bit_identical_to_jax(name, args, shape):
    # (JAX's QR has no bfloat16 kernel, so the orthogonal ones run in float32 only.)
    for dtype in (None,) if "orthogonal" in name else (None, jnp.bfloat16):
        ours = getattr(nn.initializers, name)(*args)(KEY, shape, dtype)
        theirs = getattr(jax.nn.initializers, name)(*args)(KEY, shape, dtype)
        assert_bits_equal(ours, theirs, f"{name}{args} {shape} {dtype}")


def test_plain_initializers_and_complex_dtypes_match_jax():
    for name in ("zeros", "ones"):
        assert_bits_equal(getattr(nn.initializers, name)(KEY, (2, 3), jnp.bfloat16),
                          getattr(jax.nn.initializers, name)(KEY, (2, 3), jnp.bfloat16))
    # The complex draws: a uniform disk and a normal with truncated modulus.
    for name, args in [("glorot_uniform", ()), ("lecun_normal", ())]:
        ours = getattr(nn.initializers, name)(*args, dtype=jnp.complex64)(KEY, (3, 4))
        theirs = getattr(jax.nn.initializers, name)(*args, dtype=jnp.complex64)(KEY, (3, 4))
        assert_same(ours, theirs, err_msg=name)


def test_orthogonal_initializers_structure():
    w = nn.initializers.orthogonal(scale=2.0)(KEY, (5, 3))
    np.testing.assert_allclose(np.asarray(w.T @ w), 4 * np.eye(3), atol=1e-5)
    w = nn.initializers.orthogonal(column_axis=0)(KEY, (3, 2, 4))     # 8 rows of length 3
    flat = np.moveaxis(np.asarray(w), 0, -1).reshape(8, 3)
    np.testing.assert_allclose(flat.T @ flat, np.eye(3), atol=1e-5)
    w = np.array(nn.initializers.delta_orthogonal()(KEY, (3, 3, 2, 4)))
    centre = w[1, 1]
    np.testing.assert_allclose(centre @ centre.T, np.eye(2), atol=1e-5)
    w[1, 1] = 0
    assert not w.any()


@pytest.mark.parametrize("call,match", [
    (lambda i: i.glorot_uniform()(KEY, (3,)), "Can't compute input and output sizes"),
    (lambda i: i.orthogonal()(KEY, (3,)), "requires at least a 2D shape"),
    (lambda i: i.delta_orthogonal()(KEY, (3, 3)), "3D, 4D or 5D"),
    (lambda i: i.delta_orthogonal()(KEY, (3, 4, 2)), "fan_in"),
    (lambda i: i.variance_scaling(1.0, "fan", "normal")(KEY, (2, 2)), "invalid mode"),
    (lambda i: i.variance_scaling(1.0, "fan_in", "cauchy")(KEY, (2, 2)), "invalid distribution"),
])
def test_initializer_errors_are_jax_s(call, match):
    with pytest.raises(ValueError, match=match):
        call(jax.nn.initializers)
    with pytest.raises(ValueError, match=match):
        call(nn.initializers)


# ## Attention keywords

def _qkv(b=2, t=4, s=5, n=4, k=2, h=8):
    rng = np.random.RandomState(0)
    return (rng.randn(b, t, n, h).astype(np.float32), rng.randn(b, s, k, h).astype(np.float32),
            rng.randn(b, s, k, h).astype(np.float32))


def test_attention_residual_and_padding_match_jax():
    q, k, v = _qkv()
    kwargs = dict(is_causal=True, local_window_size=1, return_residual=True)
    lengths = (np.int32([2, 4]), np.int32([5, 3]))

    def attend(module, jit):
        return jit(lambda q, k, v, ql, kl: module.dot_product_attention(
            q, k, v, query_seq_lengths=ql, key_value_seq_lengths=kl, **kwargs))
    assert_same(attend(nn, zenax.jit)(q, k, v, *lengths),
                attend(jax.nn, jax.jit)(q, k, v, *lengths))
    # Unbatched (TNH) inputs take lengths of shape (1,), as JAX.
    assert_same(zenax.jit(lambda q, k, v: nn.dot_product_attention(
                    q, k, v, query_seq_lengths=np.int32([3]), implementation="xla"))(
                    q[0], k[0], v[0]),
                jax.jit(lambda q, k, v: jax.nn.dot_product_attention(
                    q, k, v, query_seq_lengths=np.int32([3])))(q[0], k[0], v[0]))


def test_attention_grad_through_masks_matches_jax():
    q, k, v = _qkv()
    kw = dict(query_seq_lengths=np.int32([2, 4]), local_window_size=(1, 2))
    ours = zenax.jit(zenax.grad(
        lambda q, k: znp.sum(nn.dot_product_attention(q, k, v, **kw) ** 2), (0, 1)))(q, k)
    theirs = jax.jit(jax.grad(
        lambda q, k: jnp.sum(jax.nn.dot_product_attention(q, k, v, **kw) ** 2), (0, 1)))(q, k)
    assert_same(ours, theirs, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(implementation="foo"), ValueError, "Unsupported implementation option: foo"),
    (dict(query_seq_lengths=np.float32([1, 2])), ValueError, "query_seq_lengths dtype"),
    (dict(key_value_seq_lengths=np.int32([1, 2, 3])), ValueError, "key_value_seq_lengths"),
    (dict(implementation="cudnn"), RuntimeError, "dot_product_attention: .*cuDNN"),
])
def test_attention_keyword_errors(kwargs, error, match):
    q, k, v = _qkv()
    with pytest.raises(error):
        jax.nn.dot_product_attention(q, k, v, **kwargs)
    with pytest.raises(error, match=match):
        nn.dot_product_attention(q, k, v, **kwargs)


# ## one_hot, standardize, the eager path, bad input

def test_one_hot_over_a_named_axis_and_default_dtype():
    x = np.arange(3)
    ours = zenax.vmap(lambda i: nn.one_hot(i, 3, axis="i"), axis_name="i")(x)
    assert_same(ours, jax.vmap(lambda i: jax.nn.one_hot(i, 3, axis="i"), axis_name="i")(x))
    assert_same(nn.one_hot(np.int32([1, 7]), 3), jax.nn.one_hot(np.int32([1, 7]), 3))
    with pytest.raises(ValueError, match="num_classes to match the size of axis i"):
        zenax.vmap(lambda i: nn.one_hot(i, 4, axis="i"), axis_name="i")(x)


def test_standardize_fast_variance_is_clipped_and_algorithm_checked():
    # mean(x**2) - mean(x)**2 rounds below 0 here: without the clip, rsqrt of a
    # negative variance + epsilon would not be JAX's value.
    x = jnp.full((2, 3), 0.1, np.float32)
    assert (jnp.mean(x ** 2, -1) - jnp.mean(x, -1) ** 2 < 0).all()
    assert_same(nn.standardize(x), jax.nn.standardize(x))
    with pytest.raises(ValueError, match="Unknown algorithm 'slow'"):
        nn.standardize(x, algorithm="slow")


@pytest.mark.parametrize("name,args,kwargs", [
    ("mish", (np.float32([0.5, -1.0]),), {}),
    ("log1mexp", (np.float32([0.5, 2.0]),), {}),
    ("logmeanexp", (np.float32([[0.5, 2.0]]),), {"axis": 1}),
    ("standardize", (np.float32([[0.5, 2.0, 1.0]]),), {"algorithm": "stable"}),
    ("one_hot", (np.int32([0, 2]), 3), {}),
])
def test_runs_compiled_when_eager(name, args, kwargs):
    assert_runs_compiled(getattr(nn, name), getattr(jax.nn, name), *args, **kwargs)


@pytest.mark.parametrize("name", ["mish", "log1mexp", "identity", "sparse_plus",
                                  "squareplus", "hard_tanh"])
def test_lists_are_rejected_like_jax(name):
    with pytest.raises(TypeError):
        getattr(jax.nn, name)([1.0, 2.0])
    with pytest.raises(TypeError, match=f"{name} requires ndarray or scalar arguments"):
        getattr(nn, name)([1.0, 2.0])


@pytest.mark.exhaustive
@pytest.mark.parametrize("module", ["nn", "initializers", "attention"])
def test_docstring_examples(module):
    mod = importlib.import_module(f"zenax.models.{module}")
    result = doctest.testmod(mod, extraglobs={"jnp": znp, "zenax": zenax, "np": np},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_with_where_matches_jax(name):
    """Masked elements, a fully masked row and a -inf entry, against jax.nn."""
    x = np.array([[1.0, 2.0, -np.inf], [0.0, 1.0, 3.0], [4.0, -1.0, 2.0]], np.float32)
    where = np.array([[True, True, False], [False, False, False], [True, False, True]])
    for kwargs in ({}, {"where": where}, {"where": where, "axis": 0}):
        assert_same(getattr(zenax.nn, name)(x, **kwargs), getattr(jax.nn, name)(x, **kwargs))
    g = zenax.grad(lambda v: getattr(zenax.nn, name)(v, where=where)[2].sum())(x)
    g_jax = jax.grad(lambda v: getattr(jax.nn, name)(v, where=where)[2].sum())(x)
    assert_same(g, g_jax)
