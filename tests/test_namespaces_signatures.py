"""The remaining parameters of JAX's top-level functions (issue 24): each exists with
JAX's default and does what JAX's does -- removed options raise as JAX's do, jit's
placement and compiler options, make_jaxpr's axis_env, vmap's sum_match and
spmd_axis_name -- and ``zenax.debug``'s sharding inspection and effect types."""
import inspect
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import AxisType, NamedSharding, PartitionSpec as P

import zenax
import zenax.numpy as znp
from zenax.transforms.make_jaxpr import make_jaxpr

from oracle import assert_same, raises_like_jax

PARAMS = {"checkpoint": ["concrete", "static_argnames"], "remat": ["concrete"],
          "grad": ["reduce_axes"], "value_and_grad": ["reduce_axes"], "vjp": ["reduce_axes"],
          "jit": ["backend", "device", "compiler_options"],
          "local_devices": ["host_id", "process_index"], "vmap": ["spmd_axis_name", "sum_match"]}


def test_parameters_exist_with_jax_defaults():
    for name, params in PARAMS.items():
        ours = inspect.signature(getattr(zenax, name)).parameters
        theirs = inspect.signature(getattr(jax, name)).parameters
        for p in params:
            assert ours[p].kind == theirs[p].kind, (name, p)
            if p != "concrete":          # JAX's default is a private sentinel object
                assert ours[p].default == theirs[p].default, (name, p)
    ours = inspect.signature(make_jaxpr).parameters
    assert list(ours) == list(inspect.signature(jax.make_jaxpr).parameters)
    assert ours["axis_env"].default is None


def test_removed_options_raise_as_jax():
    sin = lambda x: x * 2.0
    for fname, kw in [("grad", {}), ("value_and_grad", {})]:
        raises_like_jax(lambda: getattr(zenax, fname)(sin, reduce_axes=("i",)),
                        lambda: getattr(jax, fname)(sin, reduce_axes=("i",)), same_message=True)
    raises_like_jax(lambda: zenax.vjp(sin, 1.0, reduce_axes=("i",)),
                    lambda: jax.vjp(sin, 1.0, reduce_axes=("i",)), same_message=True)
    for fname in ("checkpoint", "remat"):
        for value in (True, False):
            raises_like_jax(lambda: getattr(zenax, fname)(sin, concrete=value),
                            lambda: getattr(jax, fname)(sin, concrete=value), same_message=True)
    # An empty reduce_axes is the default and changes nothing.
    assert_same(zenax.grad(sin, reduce_axes=())(1.0), jax.grad(sin, reduce_axes=())(1.0))
    assert_same(zenax.vjp(sin, 1.0, reduce_axes=[])[1](1.0), jax.vjp(sin, 1.0)[1](1.0))


def test_checkpoint_static_argnames():
    def f(x, n):
        return x * n if n > 1 else -x      # n stays a Python int while tracing

    g = zenax.checkpoint(f, static_argnames="n")
    assert_same(zenax.grad(g)(1.5, n=3), jax.grad(lambda x: f(x, 3))(1.5))
    assert_same(zenax.grad(g)(1.5, 3), jax.grad(lambda x: f(x, 3))(1.5))   # by position
    assert_same(zenax.value_and_grad(zenax.checkpoint(f, static_argnames=("n",)))(2.0, n=1),
                jax.value_and_grad(lambda x: f(x, 1))(2.0))


def test_local_devices():
    assert zenax.local_devices(process_index=0) == jax.local_devices(process_index=0)
    assert zenax.local_devices(0, "cpu") == jax.local_devices(0, "cpu")
    with pytest.warns(UserWarning, match="host_id"):
        assert zenax.local_devices(host_id=0) == jax.local_devices()
    raises_like_jax(lambda: zenax.local_devices(5), lambda: jax.local_devices(5),
                    same_message=True)


def test_jit_device_and_backend():
    d = jax.devices()
    x = jax.device_put(np.arange(3.0, dtype=np.float32), d[0])
    with pytest.warns(DeprecationWarning, match="backend and device argument on jit"):
        f = zenax.jit(lambda v: v * 2.0, device=d[1])
    y = f(x)
    assert_same(y, x * 2.0)
    with pytest.warns(DeprecationWarning):
        assert y.sharding == jax.jit(lambda v: v * 2.0, device=d[1])(x).sharding
    assert f(x).devices() == {d[1]}                     # the cached executable too
    with pytest.warns(DeprecationWarning):
        g = zenax.jit(lambda v: v + 1, backend="cpu")
    assert g(jax.device_put(np.ones(2), d[3])).devices() == {jax.local_devices()[0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for kw in [dict(device=d[0], backend="cpu"),
                   dict(device=d[0], in_shardings=jax.sharding.SingleDeviceSharding(d[0])),
                   dict(backend="cpu", out_shardings=jax.sharding.SingleDeviceSharding(d[0]))]:
            raises_like_jax(lambda: zenax.jit(znp.sin, **kw), lambda: jax.jit(jnp.sin, **kw),
                            same_message=True)


def test_jit_compiler_options_reach_xla():
    f = zenax.jit(lambda v: v + 1.0, compiler_options={"xla_embed_ir_in_executable": True})
    assert_same(f(np.float32(1.0)), np.float32(2.0))
    raises_like_jax(lambda: zenax.jit(znp.sin, compiler_options={"no_such": 1})(1.0),
                    lambda: jax.jit(jnp.sin, compiler_options={"no_such": 1})(1.0),
                    match="No such compile option")


def test_make_jaxpr_axis_env():
    fun = lambda x: zenax.lax.psum(x, "i") * zenax.lax.axis_index("i")
    text = str(make_jaxpr(fun, axis_env=[("i", 4)])(1.0))
    assert "psum[axis_name=i]" in text and "axis_index[axis_name=i]" in text
    jaxpr, shape = make_jaxpr(lambda x: zenax.lax.all_gather(x, "i"), axis_env=[("i", 4)],
                              return_shape=True)(np.ones(2, np.float32))
    assert (shape.shape, jaxpr.out_avals[0].shape) == ((4, 2), (4, 2))
    with pytest.raises(NameError, match="unbound axis name"):
        make_jaxpr(fun)(1.0)
    raises_like_jax(lambda: make_jaxpr(fun, axis_env=[("i",)])(1.0),
                    lambda: jax.make_jaxpr(fun, axis_env=[("i",)])(1.0))


def test_vmap_sum_match():
    x = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    for out_axes in (None, (0, None)):
        z = zenax.vmap(lambda a: (a * 2, a + 1), out_axes=out_axes, sum_match=True)(x)
        j = jax.vmap(lambda a: (a * 2, a + 1), out_axes=out_axes, sum_match=True)(x)
        assert_same(z, j)
    raises_like_jax(lambda: zenax.vmap(lambda a: a, out_axes=None)(x),
                    lambda: jax.vmap(lambda a: a, out_axes=None)(x))


def test_vmap_spmd_axis_name_shards_the_batch():
    mesh = jax.make_mesh((4, 2), ("x", "y"), axis_types=(AxisType.Auto,) * 2)
    x = np.arange(32.0, dtype=np.float32).reshape(8, 4)

    def run(lib, spmd):
        f = lambda r: lib.lax.with_sharding_constraint(r * 2, NamedSharding(mesh, P("y")))
        return lib.jit(lib.vmap(f, spmd_axis_name=spmd))(x)

    for spmd in ("x", ("x",), None):
        z, j = run(zenax, spmd), run(jax, spmd)
        assert_same(z, j)
        assert z.sharding.spec == j.sharding.spec, spmd
    raises_like_jax(lambda: run(zenax, "y"), lambda: run(jax, "y"), same_message=True)


def test_inspect_array_sharding_under_jit_and_eagerly():
    mesh = jax.make_mesh((8,), ("d",), axis_types=(AxisType.Auto,))
    x = jax.device_put(np.arange(16.0, dtype=np.float32), NamedSharding(mesh, P("d")))

    def seen_by(lib, np_):
        seen = []

        def f(v):
            y = np_.sin(v)
            lib.debug.inspect_array_sharding({"y": y}, callback=seen.append)
            return y * 2

        g = lib.jit(f)
        g(x)
        g(x)                                    # cached: no second callback
        lib.jit(lib.grad(lambda v: f(v).sum()))(x)
        lib.debug.inspect_array_sharding(x, callback=seen.append)      # eagerly: at once
        return seen

    assert seen_by(zenax, znp) == seen_by(jax, jnp)
    assert zenax.debug.DebugEffect is jax.debug.DebugEffect
    assert zenax.debug.OrderedDebugEffect is jax.debug.OrderedDebugEffect


def test_own_docstring_examples_hold():
    import doctest
    import importlib
    for module, n in [("zenax.lax.inspect_sharding", 1), ("zenax.transforms.make_jaxpr", 3)]:
        result = doctest.testmod(importlib.import_module(module),
                                 extraglobs={"zenax": zenax, "jnp": znp})
        assert result.failed == 0 and result.attempted == n, module
    for fun in (zenax.remat, zenax.local_devices):
        test = doctest.DocTestFinder().find(fun, globs={"zenax": zenax, "jnp": znp})[0]
        assert doctest.DocTestRunner().run(test).failed == 0, fun
