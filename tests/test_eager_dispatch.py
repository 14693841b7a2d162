"""Eager dispatch of ``zenax.numpy`` functions through one compiled executable each.

Called with concrete arrays and no transform active, ``jnp.matmul`` & co run as a
``jax.jit`` executable of the zenax function (``lax/eager.py``); everything else takes the
plain call.  Both paths must agree with each other and with ``jax.numpy`` in value, dtype
and weak type, and errors must read the same whichever path a call took.
"""
import re
import traceback

import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp

from jnp_spec_checks import assert_runs_compiled
from oracle import assert_same

rng = np.random.default_rng(0)
X = jjnp.asarray(rng.standard_normal((3, 4), dtype=np.float32))
Y = jjnp.asarray(rng.standard_normal((3, 4), dtype=np.float32))
M = jjnp.asarray(rng.standard_normal((4, 5), dtype=np.float32))
I = jjnp.asarray(rng.integers(-5, 5, (3, 4)).astype(np.int32))
W = jjnp.asarray(2.0)           # a weakly typed array

# (name, args, kwargs): every call here must take the compiled path.
CALLS = [
    ("sin", (X,), {}), ("tanh", (X,), {}), ("exp", (I,), {}), ("negative", (I,), {}),
    ("add", (X, Y), {}), ("multiply", (X, W), {}), ("subtract", (I, X), {}),
    ("divide", (I, I + 10), {}), ("maximum", (X, Y), {}), ("arctan2", (X, Y), {}),
    ("floor_divide", (I, I + 10), {}), ("power", (X * X, Y), {}), ("divmod", (I, I + 10), {}),
    ("less", (X, Y), {}), ("logical_and", (X > 0, Y > 0), {}), ("isnan", (X,), {}),
    ("where", (X > 0, X, Y), {}), ("matmul", (X, M), {}), ("dot", (X, M), {}),
    ("matmul", (X, M), {"preferred_element_type": jjnp.float32}),
    ("inner", (X, Y), {}), ("outer", (X[0], Y[0]), {}),
    ("sum", (X,), {}), ("sum", (X, 0), {}), ("sum", (X,), {"axis": 1, "keepdims": True}),
    ("sum", (I,), {"dtype": jjnp.float32}), ("mean", (X,), {"axis": (0, 1)}),
    ("max", (X,), {"axis": -1}), ("min", (I,), {"initial": 0}),
    ("var", (X,), {"ddof": 1}), ("std", (X, 1), {}), ("argmax", (X,), {"axis": 0}),
    ("all", (X > -5,), {}), ("any", (X > 1,), {"axis": 1}),
]


def _ids(calls):
    return [f"{name}-{i}" for i, (name, _, _) in enumerate(calls)]


TOL = dict(tol={"float32": (1e-6, 1e-6)})


@pytest.mark.parametrize("name,args,kwargs", CALLS, ids=_ids(CALLS))
def test_compiled_path_matches_plain_path_and_jax(name, args, kwargs):
    fn = getattr(znp, name)
    out = assert_runs_compiled(fn, getattr(jjnp, name), *args, **TOL, **kwargs)
    assert_same(out, fn.__wrapped__(*args, **kwargs), **TOL)
    # The second call is a cache hit of the same executable.
    size = fn.eager_compiled._cache_size()
    assert_same(fn(*args, **kwargs), out, **TOL)
    assert fn.eager_compiled._cache_size() == size


def test_aliases_share_one_compiled_function():
    assert znp.abs is znp.absolute and znp.amax is znp.max
    assert znp.linalg.matmul is znp.matmul and znp.linalg.outer is znp.outer


@pytest.mark.parametrize("name,call", [
    ("add", lambda np_: np_.add(X, 1.0)),        # a Python scalar: weak, stays a literal
    ("power", lambda np_: np_.power(X, np.int32(3))),   # a NumPy scalar: may be static
    ("sum", lambda np_: np_.sum(X, where=X > 0)),  # an array keyword
    ("sum", lambda np_: np_.sum(X, axis=[0, 1])),  # an unhashable static
    ("where", lambda np_: np_.where(X > 0)),        # where's one-argument form
], ids=["python-scalar", "numpy-scalar", "array-keyword", "list-axis", "where-nonzero"])
def test_other_calls_take_the_plain_path_with_jax_results(name, call):
    size = getattr(znp, name).eager_compiled._cache_size()
    assert_same(call(znp), call(jjnp), **TOL)
    assert getattr(znp, name).eager_compiled._cache_size() == size


def test_numpy_arrays_run_compiled_with_jax_bits():
    """JAX's jitted ``jax.numpy`` functions take NumPy arrays as arguments, so a call on
    NumPy data gives the same bits as on ``jax.Array``s (one executable, one fusion).
    float64 inputs are canonicalized to float32 as JAX does; complex ``vdot`` rounds
    differently op by op (Optax's ``tree_vdot`` test compares the two to 1e-7)."""
    r = np.random.RandomState(0)
    a, b = r.randn(20) + 1j * r.randn(20), r.randn(20)
    for name, args in [("vdot", (a, b)), ("multiply", (np.ones((3, 4), np.float32), X)),
                       ("matmul", (r.randn(3, 4), r.randn(4, 2))), ("sum", (r.randn(5, 7),))]:
        fn = getattr(znp, name)
        calls = fn.compiled_calls
        out = fn(*args)
        assert fn.compiled_calls == calls + 1, name
        expected = getattr(jjnp, name)(*args)
        assert out.dtype == expected.dtype and out.shape == expected.shape, name
        np.testing.assert_array_equal(out, expected, err_msg=name)
        np.testing.assert_array_equal(out, fn(*[jjnp.asarray(x) for x in args]), err_msg=name)


def test_transforms_see_the_plain_function():
    """Under grad/vmap/jit the functions are traced as before (no nested jax.jit)."""
    f = lambda x: znp.sum(znp.tanh(znp.matmul(x, M)) * 2.0)
    jf = lambda x: jjnp.sum(jjnp.tanh(jjnp.matmul(x, M)) * 2.0)
    assert "pjit" not in str(zenax.make_jaxpr(f)(X))
    assert str(zenax.make_jaxpr(f)(X)).count("dot_general") == 1
    np.testing.assert_allclose(zenax.grad(f)(X), jax.grad(jf)(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(zenax.vmap(f)(X[None]), jax.vmap(jf)(X[None]), rtol=1e-5)
    np.testing.assert_allclose(zenax.jit(f)(X), jf(X), rtol=1e-5)


def test_errors_read_the_same_on_either_path():
    bad = (X, jjnp.ones((4, 3), jjnp.float32))
    with pytest.raises(TypeError) as compiled:
        znp.add(*bad)
    with pytest.raises(TypeError) as plain:
        znp.add.__wrapped__(*bad)
    # The same message, each naming the line of its own call.
    assert re.sub(r":\d+ ", ":N ", str(compiled.value)) == re.sub(r":\d+ ", ":N ",
                                                                     str(plain.value))
    assert "Incompatible shapes for broadcasting" in str(compiled.value)
    # No chained exception from the compiled attempt, and the user's line comes last.
    assert compiled.value.__context__ is None and compiled.value.__cause__ is None
    frames = traceback.extract_tb(compiled.value.__traceback__)
    assert any(f.filename == __file__ for f in frames)
    with pytest.raises(ValueError, match="ndim at least 1"):
        znp.matmul(X[0, 0], M)


def test_debug_nans_checks_every_eager_primitive():
    zenax.config.update("jax_debug_nans", True)
    try:
        with pytest.raises(FloatingPointError, match="log"):
            znp.log(-X * X - 1.0)
    finally:
        zenax.config.update("jax_debug_nans", False)
    assert np.isnan(np.asarray(znp.log(-X * X - 1.0))).all()


NN_CALLS = [("relu", (X,), {}), ("gelu", (X,), {"approximate": False}),
            ("softmax", (X,), {"axis": 0}), ("log_softmax", (X,), {}), ("silu", (X,), {}),
            ("logsumexp", (X,), {"axis": 1, "keepdims": True}), ("leaky_relu", (X, 0.2), {}),
            ("one_hot", (I[0] + 5, 10), {"dtype": jjnp.float32})]


@pytest.mark.parametrize("name,args,kwargs", NN_CALLS, ids=_ids(NN_CALLS))
def test_nn_functions_compile_when_eager(name, args, kwargs):
    fn = getattr(zenax.nn, name)
    out = assert_runs_compiled(fn, getattr(jax.nn, name), *args, **TOL, **kwargs)
    size = fn.eager_compiled._cache_size()
    assert_same(fn(*args, **kwargs), out, **TOL)
    assert fn.eager_compiled._cache_size() == size


def test_nn_custom_derivatives_survive():
    """relu keeps its custom jvp (derivative 0 at 0) under zenax.grad."""
    x = jjnp.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(zenax.grad(lambda x: zenax.nn.relu(x).sum())(x),
                                  jax.grad(lambda x: jax.nn.relu(x).sum())(x))
    assert "custom_jvp_call" in str(zenax.make_jaxpr(zenax.nn.relu)(x))
