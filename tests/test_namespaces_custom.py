"""custom_vmap / sequential_vmap, custom_gradient, closure_convert, linear_transpose and
pure_callback against JAX's."""
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.custom_batching import custom_vmap as j_custom_vmap
from jax.custom_batching import sequential_vmap as j_sequential_vmap

import zenax
import zenax.numpy as znp
from oracle import assert_same
from zenax.custom_batching import custom_vmap as z_custom_vmap
from zenax.custom_batching import sequential_vmap as z_sequential_vmap

# zenax's grad seeds the backward pass with a strongly typed one where JAX's seed keeps the
# output's weak type (transforms/autodiff.py `_full`), so gradients of weakly typed
# scalars are compared without weak types.
GRAD = dict(check_weak_type=False)

LIBS = {"jax": (jax, jnp, j_custom_vmap, j_sequential_vmap),
        "zenax": (zenax, znp, z_custom_vmap, z_sequential_vmap)}
X, Y = np.linspace(0.1, 1.0, 3, dtype=np.float32), np.arange(3, dtype=np.float32)


def make_custom(lib, calls):
    """sin(x) * y whose batching rule (recording its calls) computes the same by hand."""
    _, np_, custom_vmap, _ = LIBS[lib]

    @custom_vmap
    def f(x, y):
        return np_.sin(x) * y

    @f.def_vmap
    def rule(axis_size, in_batched, x, y):
        calls.append((axis_size, list(in_batched)))
        return np_.sin(x) * y, any(in_batched)
    return f


# ---------------------------------------------------------------- custom_vmap

@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0)])
def test_custom_vmap_calls_the_rule_like_jax(in_axes):
    results = {}
    for lib in LIBS:
        calls = []
        f = make_custom(lib, calls)
        args = [X if a == 0 else np.float32(2.0) for a in in_axes]
        out = LIBS[lib][0].vmap(f, in_axes=in_axes)(*args)
        results[lib] = (out, calls)
    assert_same(results["zenax"][0], results["jax"][0])
    assert results["zenax"][1] == results["jax"][1]


def test_custom_vmap_eager_jit_nested_and_jvp():
    calls = []
    f, jf = make_custom("zenax", calls), make_custom("jax", [])
    assert_same(f(1.0, 2.0), jf(1.0, 2.0))
    assert_same(zenax.jit(zenax.vmap(zenax.jit(f)))(X, Y), jax.jit(jax.vmap(jax.jit(jf)))(X, Y))
    xs = np.ones((2, 3), np.float32)
    assert_same(zenax.vmap(zenax.vmap(f))(xs, xs), jax.vmap(jax.vmap(jf))(xs, xs))
    assert_same(zenax.jvp(f, (1.0, 2.0), (1.0, 0.5)), jax.jvp(jf, (1.0, 2.0), (1.0, 0.5)))
    jaxpr = str(zenax.make_jaxpr(f)(1.0, 2.0))
    assert "custom_vmap_call" in jaxpr and "sin" in jaxpr
    assert "custom_vmap_call" not in str(zenax.make_jaxpr(zenax.vmap(f))(X, Y))


def test_custom_vmap_reverse_mode_where_jax_stops():
    # JAX cannot linearize a custom_vmap function; zenax differentiates its jaxpr.
    f = make_custom("zenax", [])
    assert_same(zenax.grad(f)(0.5, 2.0), jax.grad(lambda x, y: jnp.sin(x) * y)(0.5, 2.0),
                **GRAD)
    assert_same(zenax.vmap(zenax.grad(f))(X, Y),
                jax.vmap(jax.grad(lambda x, y: jnp.sin(x) * y))(X, Y))


def test_custom_vmap_rule_errors():
    @z_custom_vmap
    def no_rule(x):
        return x
    with pytest.raises(AttributeError, match="No batching rule defined for custom_vmap "
                                             "function no_rule using def_vmap"):
        zenax.vmap(no_rule)(X)

    @z_custom_vmap
    def bad(x):
        return x
    bad.def_vmap(lambda n, b, x: (x, [True]))
    with pytest.raises(ValueError, match="structure of output value and output batching "
                                         "specification returned by custom vmap rule"):
        zenax.vmap(bad)(X)
    bad.def_vmap(lambda n, b, x: (x[:1], True))
    with pytest.raises(ValueError, match="has shape"):
        zenax.vmap(bad)(X)


def test_sequential_vmap_loops_like_jax():
    outs = {}
    for lib, (jax_, np_, _, sequential_vmap) in LIBS.items():
        g = sequential_vmap(lambda x, s: np_.sum(x) * s)
        outs[lib] = (jax_.vmap(g, in_axes=(0, None))(np.ones((2, 3), np.float32), 2.0),
                     str(jax_.make_jaxpr(jax_.vmap(g, in_axes=(0, None)))(
                         np.ones((2, 3), np.float32), 2.0)).count("scan"))
    assert_same(outs["zenax"][0], outs["jax"][0])
    assert outs["zenax"][1] == outs["jax"][1] == 1


# ---------------------------------------------------------------- custom_gradient

def clipped_square(lib):
    jax_, np_ = LIBS[lib][:2]

    @jax_.custom_gradient
    def f(x, y):
        return x ** 2 * y, lambda g: (np_.clip(g * 2 * x * y, -1.0, 1.0), g * x ** 2)
    return f


def test_custom_gradient_matches_jax():
    zf, jf = clipped_square("zenax"), clipped_square("jax")
    for x in (0.3, 2.0):
        assert_same(zenax.grad(zf, argnums=(0, 1))(x, 3.0),
                    jax.grad(jf, argnums=(0, 1))(x, 3.0), **GRAD)
    assert_same(zenax.jit(zenax.grad(zf))(2.0, 3.0), jax.jit(jax.grad(jf))(2.0, 3.0), **GRAD)
    assert_same(zenax.vmap(zenax.grad(zf))(X, Y), jax.vmap(jax.grad(jf))(X, Y))
    assert_same(zf(np.float32(2.0), np.float32(3.0)), jf(np.float32(2.0), np.float32(3.0)))


def test_custom_gradient_single_argument_bare_cotangent():
    for lib in LIBS:
        jax_ = LIBS[lib][0]
        f = jax_.custom_gradient(lambda x: (x * 3.0, lambda g: g * 7.0))
        assert float(jax_.grad(f)(1.0)) == 7.0
    zg = zenax.grad(zenax.custom_gradient(lambda x: (x ** 2, lambda g: (g * x,))))(3.0)
    jg = jax.grad(jax.custom_gradient(lambda x: (x ** 2, lambda g: (g * x,))))(3.0)
    assert_same(zg, jg, **GRAD)


# ---------------------------------------------------------------- closure_convert

def test_closure_convert_hoists_traced_floats_like_jax():
    counts = {}

    def outer(lib, y, n):
        jax_, np_ = LIBS[lib][:2]
        f = lambda x: x * y + n  # noqa: E731
        converted, hoisted = jax_.closure_convert(f, 1.0)
        counts.setdefault(lib, []).append(len(hoisted))
        return converted(3.0, *hoisted)

    for lib in LIBS:
        jax_ = LIBS[lib][0]
        outer(lib, 2.0, 1)                                  # concrete: nothing hoisted
        jax_.jit(lambda y, n: outer(lib, y, n))(2.0, 1)     # traced float hoisted, int not
        counts[lib].append(float(jax_.grad(lambda y: outer(lib, y, 1))(2.0)))
    assert counts["zenax"] == counts["jax"] == [0, 1, 1, 3.0]
    converted, _ = zenax.closure_convert(lambda x: x, (1.0, 2.0))
    with pytest.raises(TypeError, match="same Pytree structure"):
        converted([1.0, 2.0])


# ---------------------------------------------------------------- linear_transpose

LINEAR = [
    ("scale_add", lambda np_: lambda x, y: 2.0 * x + y, (1.0, 1.0), 3.0),
    ("matvec", lambda np_: lambda x: np_.dot(np.arange(6.0, dtype=np.float32).reshape(2, 3), x),
     (np.ones(3, np.float32),), np.array([1.0, -1.0], np.float32)),
    ("tree", lambda np_: lambda t: {"s": np_.sum(t["a"]), "c": np_.cumsum(t["b"])},
     ({"a": np.ones(2, np.float32), "b": np.ones(3, np.float32)},),
     {"s": np.float32(2.0), "c": np.arange(3.0, dtype=np.float32)}),
]


@pytest.mark.parametrize("name,make,primals,ct", LINEAR, ids=[c[0] for c in LINEAR])
def test_linear_transpose_matches_jax(name, make, primals, ct):
    z_t = zenax.linear_transpose(make(znp), *primals)
    j_t = jax.linear_transpose(make(jnp), *primals)
    assert_same(z_t(ct), j_t(ct))
    assert_same(zenax.jit(lambda f, c: f(c))(z_t, ct), j_t(ct))


def test_linear_transpose_errors():
    with pytest.raises(TypeError, match=r"linear_transpose only supports \[float or complex\]"):
        zenax.linear_transpose(lambda x: x.astype(np.int32), 1.0)
    f_t = zenax.linear_transpose(lambda x: 2.0 * x, np.ones(2, np.float32))
    with pytest.raises(TypeError, match="cotangent tree does not match function output"):
        f_t((np.ones(2, np.float32),))
    with pytest.raises(TypeError, match="cotangent type does not match function output"):
        f_t(np.ones(3, np.float32))


# ---------------------------------------------------------------- pure_callback

def _cb_fun(lib, x, y, vmap_method):
    jax_, np_ = LIBS[lib][:2]
    out_type = jax_.ShapeDtypeStruct(np_.broadcast_shapes(np_.shape(x), np_.shape(y)),
                                     np_.result_type(x, y))
    return jax_.pure_callback(lambda a, b: (seen[lib].append((np.shape(a), np.shape(b))), a + b)
                              [1], out_type, x, y, vmap_method=vmap_method)


seen: dict = {"jax": [], "zenax": []}


@pytest.mark.parametrize("method", ["expand_dims", "broadcast_all", "sequential",
                                    "sequential_unrolled", "legacy_vectorized"])
def test_pure_callback_vmap_methods_match_jax(method):
    out = {}
    for lib in LIBS:
        seen[lib].clear()
        out[lib] = LIBS[lib][0].vmap(functools.partial(_cb_fun, lib, vmap_method=method),
                                     in_axes=(0, None))(X, np.float32(1.0))
    assert_same(out["zenax"], out["jax"])
    assert seen["zenax"] == seen["jax"]


def test_pure_callback_eager_jit_pytrees_and_errors():
    for lib in LIBS:
        seen[lib].clear()
    assert_same(zenax.jit(lambda x: _cb_fun("zenax", x, 2.0, None))(1.0),
                jax.jit(lambda x: _cb_fun("jax", x, 2.0, None))(1.0))
    assert_same(_cb_fun("zenax", X, Y, None), _cb_fun("jax", X, Y, None))
    tree_cb = lambda d: {"s": d["a"] * 2}  # noqa: E731
    assert_same(zenax.pure_callback(tree_cb, {"s": zenax.ShapeDtypeStruct((2,), np.float32)},
                                    {"a": znp.ones(2)}),
                jax.pure_callback(tree_cb, {"s": jax.ShapeDtypeStruct((2,), np.float32)},
                                  {"a": jnp.ones(2)}))
    with pytest.raises(NotImplementedError, match="Got vmap_method=None"):
        zenax.vmap(lambda x: _cb_fun("zenax", x, x, None))(X)
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        zenax.grad(lambda x: _cb_fun("zenax", x, 1.0, None))(1.0)
    with pytest.raises(ValueError, match="cannot specify 64-bit types"):
        zenax.pure_callback(np.sin, zenax.ShapeDtypeStruct((), np.float64), 1.0)
    with pytest.raises(ValueError, match="vmap_method must be on of the allowed methods"):
        zenax.pure_callback(np.sin, zenax.ShapeDtypeStruct((), np.float32), 1.0,
                            vmap_method="loop")
