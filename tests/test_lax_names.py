"""The jax.lax names issue 24 adds that are not new primitives, against jax.lax:

* the back end's types (``Precision`` & co.), precision canonicalization and its errors;
* the keyword parameters added to existing functions: ``accuracy=`` on the unary math
  ops, ``mul(out_dtype=)``, ``dot(dimension_numbers=)``, ``map(batch_size=)``,
  ``switch(operand=)``;
* conveniences built from other primitives (``full``, ``broadcast_like``, ``index_take``,
  ``dtype``, ...), the convolution shape helpers and ``conv_general_dilated_patches``/
  ``_local``, ``composite`` and ``platform_dependent``;
* the ``>>>`` examples of the new modules.

The new primitives (split, stack, reduce, rng, ...) are in ``test_lax_names_primitives.py``.
"""
import doctest
import importlib
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax import lax
from zenax.test_util import check_grads
from zenax.tracer.errors import UnexpectedTracerError

from oracle import assert_same, raises_like_jax

jlax = jax.lax
rng = np.random.RandomState(0)
X = rng.randn(3, 4).astype(np.float32)
X_INT = np.arange(6, dtype=np.int8).reshape(2, 3)

NEW_MODULES = ["approx_top_k", "compiler_hints", "conv_helpers", "conveniences",
               "generic_reduce", "lowering_choices", "precision", "rng", "scatter_sub",
               "special_dots", "stacking", "total_order"]


# ## The back end's types

def test_types_are_jaxs():
    for name in ("Precision", "PrecisionLike", "DotAlgorithm", "DotAlgorithmPreset",
                 "AccuracyMode", "Tolerance", "RandomAlgorithm", "DotDimensionNumbers",
                 "ConvGeneralDilatedDimensionNumbers", "RaggedDotDimensionNumbers"):
        assert getattr(lax, name) is getattr(jlax, name), name
    assert lax.Precision("float32") is lax.Precision.HIGHEST
    assert lax.Precision("bfloat16_3x") is lax.Precision.HIGH


@pytest.mark.parametrize("precision", [
    None, "highest", "fastest", lax.Precision.HIGH, ("high", "default"),
    (lax.Precision.HIGHEST, lax.Precision.DEFAULT), "F32_F32_F32",
    lax.DotAlgorithmPreset.DEFAULT], ids=str)
@pytest.mark.parametrize("op", ["dot_general", "conv_general_dilated"])
def test_precision_is_recorded_as_jax_records_it(op, precision):
    x = X if op == "dot_general" else X[None, None]
    f = lambda L: lambda x: (L.dot(x, x.T, precision=precision) if op == "dot_general" else
                             L.conv(x, x, (1, 1), "SAME", precision=precision))
    recorded = lambda jaxpr: [e.params["precision"] for e in jaxpr.eqns
                              if e.primitive.name == op]
    assert recorded(zenax.make_jaxpr(f(lax))(x)) == recorded(jax.make_jaxpr(f(jlax))(x))
    assert_same(f(lax)(x), f(jlax)(x))


@pytest.mark.parametrize("precision", ["foo", 3, ("high",), ("high", 2)], ids=str)
def test_bad_precision_is_a_value_error(precision):
    raises_like_jax(lambda: lax.dot(X, X.T, precision=precision),
                    lambda: jlax.dot(X, X.T, precision=precision), match="dot_general")
    raises_like_jax(lambda: lax.conv(X[None, None], X[None, None], (1, 1), "SAME",
                                     precision=precision),
                    lambda: jlax.conv(X[None, None], X[None, None], (1, 1), "SAME",
                                      precision=precision), match="conv_general_dilated")


# ## New keyword parameters of existing functions

UNARY = ["exp", "log", "sin", "cos", "tan", "tanh", "logistic", "sqrt", "rsqrt", "cbrt",
         "exp2", "expm1", "log1p"]


@pytest.mark.parametrize("accuracy", [lax.AccuracyMode.HIGHEST,
                                      lax.Tolerance(atol=1e-3, rtol=1e-3)],
                         ids=["highest", "tolerance"])   # (a Tolerance's str has its address)
def test_accuracy_is_passed_to_xla(accuracy):
    x = np.abs(X) + 0.5
    every = lambda L: lambda x: [getattr(L, name)(x, accuracy=accuracy) for name in UNARY]
    assert_same(zenax.jit(every(lax))(x), jax.jit(every(jlax))(x))
    assert_same(lax.exp(x, accuracy=accuracy), jlax.exp(x, accuracy=accuracy))


def test_accuracy_is_recorded_only_when_given_and_ignored_by_derivatives():
    printed = str(zenax.make_jaxpr(lambda x: lax.sin(lax.exp(x)))(1.0))
    assert "accuracy" not in printed
    f = lambda L: lambda x: L.sin(x, accuracy=L.AccuracyMode.HIGHEST)
    eqns = zenax.make_jaxpr(zenax.grad(f(lax)))(1.0).eqns
    assert eqns[0].params == {"accuracy": lax.AccuracyMode.HIGHEST}
    assert all(e.params == {} for e in eqns if e.primitive.name == "cos")
    assert_same(zenax.grad(f(lax))(0.3), jax.grad(f(jlax))(0.3))
    assert_same(zenax.vmap(f(lax))(X[0]), jax.vmap(f(jlax))(X[0]))


def test_bad_accuracy_is_not_implemented_as_in_jax():
    raises_like_jax(lambda: lax.exp(X, accuracy="high"),
                    lambda: jlax.exp(X, accuracy="high"), match="exp: accuracy")


def test_mul_out_dtype_like_jax():
    y = X_INT.astype(np.float16)
    for args, dtype in (((X_INT, X_INT), jnp.int32), ((X_INT, y), jnp.float32),
                        ((2, 3.0), jnp.float32), ((X, X), jnp.float32)):
        assert_same(lax.mul(*args, out_dtype=dtype), jlax.mul(*args, out_dtype=dtype))
    f = lambda L: lambda a, b: L.mul(a, b, out_dtype=jnp.float32)
    a, b = y[0], y[1] + 1
    transformed = lambda T, L: lambda a, b: (T.grad(f(L), (0, 1))(a[0], b[0]),
                                             T.jvp(f(L), (a, b), (b, a)), T.vmap(f(L))(a, b))
    assert_same(zenax.jit(transformed(zenax, lax))(a, b), jax.jit(transformed(jax, jlax))(a, b))
    assert "out_dtype" not in str(zenax.make_jaxpr(lax.mul)(X, X))
    raises_like_jax(lax.mul, jlax.mul, X, X_INT)         # mixed dtypes need out_dtype


def test_dot_dimension_numbers_like_jax():
    a, b = rng.randn(2, 3, 4).astype(np.float32), rng.randn(2, 4, 5).astype(np.float32)
    dn = (((2,), (1,)), ((0,), (0,)))
    assert_same(lax.dot(a, b, dimension_numbers=dn), jlax.dot(a, b, dimension_numbers=dn))
    assert_same(lax.dot(X, X[0]), jlax.dot(X, X[0]))
    for x, y in ((a, b), (X, X), (np.float32(2), X)):
        raises_like_jax(lax.dot, jlax.dot, x, y, match="dimension_numbers")


def test_map_batch_size_like_jax():
    for batch_size in (0, 3):
        assert_same(lax.map(_f, _XS, batch_size=batch_size),
                    jlax.map(_f, _XS, batch_size=batch_size))
    eqns = [e.primitive.name for e in zenax.make_jaxpr(
        lambda x: lax.map(_f, x, batch_size=3))(_XS).eqns]
    assert eqns.count("scan") == 1 and "concatenate" in eqns
    with pytest.raises(TypeError, match="batch_size"):
        lax.map(_f, _XS, batch_size=-1)


_XS = {"a": np.arange(14.0, dtype=np.float32).reshape(7, 2), "b": np.arange(7)}
_f = lambda x: x["a"].sum() * x["b"]


@pytest.mark.parametrize("batch_size", [None, 2, 7, 10])
def test_map_every_batch_size_like_jax(batch_size):
    assert_same(lax.map(_f, _XS, batch_size=batch_size),
                jlax.map(_f, _XS, batch_size=batch_size))
    g = lambda L: lambda x: L.map(jnp.sin if L is jlax else znp.sin, x,
                                  batch_size=batch_size).sum()
    assert_same(zenax.jit(zenax.grad(g(lax)))(X[0]), jax.jit(jax.grad(g(jlax)))(X[0]))


def test_switch_operand_keyword_like_jax():
    branches = [lambda x: x + 1, lambda x: x * 2]
    assert_same(lax.switch(1, branches, operand=X), jlax.switch(1, branches, operand=X))
    raises_like_jax(lambda: lax.switch(0, branches, X, operand=X),
                    lambda: jlax.switch(0, branches, X, operand=X))


# ## Conveniences

@pytest.mark.parametrize("call", [
    lambda L: L.full((2,), 1.0), lambda L: L.full(3, np.float16(2)),
    lambda L: L.full((2, 1), 1, jnp.bfloat16), lambda L: L.full_like(X_INT, 3.7),
    lambda L: L.full_like(2.0, 3), lambda L: L.full_like(X, 3, shape=(2, 2), dtype=jnp.int32),
    lambda L: L.broadcast_like(X[0], X), lambda L: L.broadcast_like(1.0, X),
    lambda L: L.broadcast_like(X[:1], X), lambda L: L.reciprocal(X),
    lambda L: L.reciprocal(2.0), lambda L: L.batch_matmul(X[None], X.T[None]),
    lambda L: L.index_take(X, (np.array([0, -1]), np.array([1, 3])), (0, 1)),
    lambda L: L.index_take(X, (np.array([2, 0, -1]),), (0,)),
    lambda L: L.broadcast_shapes((2, 1), (1, 3), (3,)), lambda L: L.broadcast_shapes((5,)),
    lambda L: L.shape_as_value((2, 3)), lambda L: L.shape_as_value(()),
    lambda L: L.empty((2, 3), jnp.int16).shape,
])
def test_conveniences_like_jax(call):
    assert_same(call(lax), call(jlax))


@pytest.mark.parametrize("value", [1.0, 1, True, 1j, np.float64, float, "float16",
                                   np.arange(3), jnp.arange(3.0), jnp.bfloat16,
                                   np.dtype("int64"), np.float32(1)], ids=repr)
def test_dtype_like_jax(value):
    with warnings.catch_warnings():     # JAX warns that 64-bit types are truncated
        warnings.simplefilter("ignore")
        expected = jlax.dtype(value)
    assert lax.dtype(value) == expected


@pytest.mark.parametrize("call", [
    lambda L: L.full((2,), X[0]), lambda L: L.broadcast_like(X[0, :2], X),
    lambda L: L.broadcast_shapes((2,), (3,)), lambda L: L.reciprocal(2),
    lambda L: L.batch_matmul(X, X[0]), lambda L: L.batch_matmul(X[None], X),
    lambda L: L.dtype(None),
])
def test_conveniences_bad_input_like_jax(call):
    raises_like_jax(lambda: call(lax), lambda: call(jlax))


def test_conveniences_under_transforms():
    f = lambda L: lambda x: L.batch_matmul(L.full_like(x, 2.0) * x, L.broadcast_like(x[:1], x))
    xs = rng.randn(2, 3, 3).astype(np.float32)
    assert_same(zenax.jit(zenax.vmap(f(lax)))(xs), jax.jit(jax.vmap(f(jlax)))(xs),
                tol={"float32": (1e-5, 1e-5)})
    g = lambda L: lambda x: (L.index_take(x, (np.array([1, 0]),), (0,))
                             * L.reciprocal(x[0])).sum()
    assert_same(zenax.jit(zenax.grad(g(lax)))(X), jax.jit(jax.grad(g(jlax)))(X))


@pytest.mark.exhaustive
def test_conveniences_against_finite_differences():
    check_grads(lambda x: lax.index_take(x, (np.array([1, 0]),), (0,)) * lax.reciprocal(x[0]),
                (X,), order=2, modes=("fwd", "rev"))


# ## Convolution helpers

DN = ("NHWC", "HWIO", "NHWC")


@pytest.mark.parametrize("call", [
    lambda L: L.conv_shape_tuple((1, 3, 8, 8), (4, 3, 3, 3), (2, 2), "SAME"),
    lambda L: L.conv_shape_tuple((4, 3, 8, 8), (4, 3, 3, 3), (2, 2), [(1, 1), (0, 2)], 2),
    lambda L: L.conv_general_permutations(("NCHW", "OIWH", "NWHC")),
    lambda L: L.conv_general_shape_tuple((1, 8, 7, 3), (3, 2, 3, 4), (2, 1), "SAME",
                                         ("NHWC", "HWIO", "NCHW")),
    lambda L: L.conv_transpose_shape_tuple((1, 4, 4, 3), (3, 3, 3, 8), (2, 2), "SAME", DN),
    lambda L: L.conv_transpose_shape_tuple((1, 4, 5, 3), (3, 2, 3, 8), (2, 3),
                                           [(1, 0), (2, 2)], DN),
    lambda L: L.reduce_window_shape_tuple((8, 8), (2, 2), (2, 1), ((0, 0), (1, 1)), (2, 1),
                                          (1, 3)),
])
def test_shape_helpers_like_jax(call):
    ints = lambda t: tuple(ints(x) for x in t) if isinstance(t, tuple) else int(t)
    assert call(lax) == ints(call(jlax))


@pytest.mark.parametrize("call", [
    lambda L: L.conv_shape_tuple((4, 3, 8, 8), (4, 3, 3, 3), (2, 2), [(1, 1)]),
    lambda L: L.conv_shape_tuple((4, 3, 8, 8), (4, 3, 3, 3), (2, 2), [(-10, 1), (0, 0)]),
    lambda L: L.conv_general_permutations(("NHWC", "HWIO", "NHWX")),
    lambda L: L.conv_general_permutations(("NHWC", "HWIO", "NHDC")),
])
def test_shape_helpers_bad_input_like_jax(call):
    raises_like_jax(lambda: call(lax), lambda: call(jlax))


LHS = rng.randn(2, 3, 6, 5).astype(np.float32)
LOCAL_RHS = rng.randn(4, 18, 6, 3).astype(np.float32)


def test_conv_patches_and_local_like_jax():
    def calls(L):
        return [L.conv_general_dilated_patches(LHS, (3, 2), (1, 2), "SAME"),
                L.conv_general_dilated_patches(
                    LHS.transpose(0, 2, 3, 1), (2, 2), (1, 1), [(1, 0), (0, 1)],
                    lhs_dilation=(2, 1), rhs_dilation=(1, 2),
                    dimension_numbers=("NHWC", "OIHW", "NHWC")),
                L.conv_general_dilated_local(LHS, LOCAL_RHS, (1, 2), "SAME", (3, 2),
                                             precision=L.Precision.HIGHEST)]
    assert_same(zenax.jit(lambda: calls(lax))(), jax.jit(lambda: calls(jlax))())


@pytest.mark.exhaustive
def test_conv_local_derivatives_like_jax():
    f = lambda L, np_: lambda x, r: np_.sum(L.conv_general_dilated_local(
        x, r, (1, 2), "SAME", (3, 2), precision="highest") ** 2)
    assert_same(zenax.jit(zenax.grad(f(lax, znp), (0, 1)))(LHS, LOCAL_RHS),
                jax.jit(jax.grad(f(jlax, jnp), (0, 1)))(LHS, LOCAL_RHS),
                tol={"float32": (2e-5, 2e-4)})


def test_conv_local_bad_precision():
    raises_like_jax(lax.conv_general_dilated_local, jlax.conv_general_dilated_local, LHS,
                    LOCAL_RHS, (1, 2), "SAME", (3, 2), precision="F32_F32_F32")


# ## composite and platform_dependent

def test_composite_runs_its_decomposition():
    tangent = lambda L: L.composite(lambda x, *, k: L.sin(x) / L.cos(x) * k, name="my.tan")
    assert_same(tangent(lax)(X, k=2.0), tangent(jlax)(X, k=2.0))
    # JAX's composite has no derivative; zenax differentiates the decomposition.
    assert_same(zenax.jit(zenax.grad(lambda x: tangent(lax)(x, k=2.0)))(np.float32(0.3)),
                np.float32(2 / np.cos(0.3) ** 2))
    with pytest.raises(UnexpectedTracerError, match="attribute"):
        zenax.jit(lambda x, k: tangent(lax)(x, k=k))(X, 2.0)


def test_platform_dependent_picks_the_running_backend():
    kw = dict(cpu=lambda x: x * 2, cuda=lambda x: x * 3, rocm=lambda x: x * 4,
              tpu=lambda x: x * 5)
    assert_same(lax.platform_dependent(X, **kw), jlax.platform_dependent(X, **kw))
    assert_same(zenax.jit(lambda x: lax.platform_dependent(x, default=lambda x: -x))(X), -X)
    raises_like_jax(lambda: lax.platform_dependent(X, gpu=lambda x: x),
                    lambda: jlax.platform_dependent(X, gpu=lambda x: x), match="cuda")
    raises_like_jax(lambda: lax.platform_dependent(X, cpu=3),
                    lambda: jlax.platform_dependent(X, cpu=3), match="callable")


# ## The examples in the new modules' docstrings

@pytest.mark.parametrize("name", NEW_MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"zenax.lax.{name}")
    result = doctest.testmod(module, extraglobs={"lax": lax, "jnp": znp, "np": np},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted or name == "total_order"     # (it declares primitives only)
