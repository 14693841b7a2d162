"""zenax.Array against jax.Array: isinstance under every transform, issubclass, typing
forms, singledispatch and printing.

One program is written once for both libraries and records, at each point, what the
array type says about a value; zenax must record exactly what JAX records.
"""
import test_sharding_devices as devices  # noqa: F401  (first: asks JAX for 8 devices)

import doctest
import functools
import typing

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import AxisType, PartitionSpec as P

import zenax
import zenax.as_jax as as_jax
import zenax.numpy as znp

API = {"jax": (jax, jnp, jax.Array, jax.typing.ArrayLike),
       "zenax": (zenax, znp, zenax.Array, zenax.typing.ArrayLike)}


def facts(api: str, x) -> tuple:
    """What the array type of ``api`` says about ``x``."""
    _, _, Array, _ = API[api]
    return (isinstance(x, Array), isinstance(x, Array | None),
            isinstance(x, typing.Optional[Array]), issubclass(type(x), Array),
            _dispatch[api](x))


def _dispatcher(Array):
    @functools.singledispatch
    def kind(x):
        return "other"

    @kind.register
    def _(x: Array):
        return "array"
    return kind


_dispatch = {api: _dispatcher(API[api][2]) for api in API}


def record_program(api: str) -> list:
    """Run one program under ``api`` and return ``[(point, facts), ...]``."""
    top, m, _, _ = API[api]
    lax = top.lax
    seen = []

    def rec(point, *xs):
        seen.extend((point, facts(api, x)) for x in xs)

    rec("values", m.ones(2), np.ones(2), np.float32(1), 1.0, 2, True, None, [1.0],
        top.ShapeDtypeStruct((2,), np.float32))

    def f(x, s):
        rec("f", x, s)
        return m.sin(x) * s

    x = np.float32(0.5)
    rec("out", top.jit(f, static_argnums=1)(x, 2.0), top.grad(f)(x, 2.0))
    top.vmap(f, in_axes=(0, None))(m.ones(3), 2.0)
    top.jvp(lambda x: f(x, 3.0), (x,), (x,))

    def body(c, xi):
        rec("scan", c, xi)
        return c + xi, c * xi
    lax.scan(body, x, m.arange(3.0))
    lax.cond(True, lambda x: rec("cond", x) or x, lambda x: x, m.ones(2))
    lax.while_loop(lambda c: rec("while_cond", c) or c < 2, lambda c: c + 1, 0)

    @top.custom_jvp
    def h(x):
        rec("custom_jvp_fun", x)
        return m.sin(x)

    @h.defjvp
    def h_jvp(primals, tangents):
        rec("custom_jvp_rule", *primals, *tangents)
        return h(primals[0]), 2.0 * tangents[0]
    top.grad(h)(x)
    top.jit(top.grad(h))(x)

    @top.custom_vjp
    def g(x):
        return m.cos(x)
    g.defvjp(lambda x: (rec("custom_vjp_fwd", x) or g(x), x),
             lambda r, ct: (rec("custom_vjp_bwd", r, ct) or -ct * m.sin(r),))
    top.grad(g)(x)

    mesh = jax.make_mesh((4,), ("i",), axis_types=(AxisType.Auto,))
    sm = top.shard_map(lambda v: rec("shard_map", v) or lax.psum(v, "i"), mesh=mesh,
                       in_specs=P("i"), out_specs=P())
    rec("shard_map_out", sm(m.ones(8)))
    return seen


def test_isinstance_under_transforms_matches_jax():
    expected, got = record_program("jax"), record_program("zenax")
    assert [p for p, _ in got] == [p for p, _ in expected]
    for (point, theirs), (_, ours) in zip(expected, got):
        assert ours == theirs, (point, theirs, ours)
    # The record itself says what matters: tracers are arrays, NumPy values are not.
    traced_points = {point for point, (is_array, *_) in got if is_array}
    assert {"f", "scan", "cond", "while_cond", "custom_jvp_fun", "custom_jvp_rule",
            "shard_map"} <= traced_points
    assert not any(isinstance(v, zenax.Array) for v in (np.ones(2), 1.0, np.float32(1)))


def test_zenax_tracers_stay_foreign_to_jax():
    # Building zenax.Array must not teach jax.Array about zenax's tracers.
    seen = []
    zenax.jit(lambda x: seen.append((isinstance(x, jax.Array), isinstance(x, zenax.Array)))
              or x)(1.0)
    assert seen == [(False, True)]
    assert type(jax.Array) is not type(zenax.Array)


def test_class_facts_match_jax():
    # JAX's tracer class is no subclass of jax.Array, though tracers are instances.
    pairs = [(jax.Array, jax.Array), (type(jnp.ones(2)), type(znp.ones(2))),
             (jax.core.Tracer, zenax.tracer.core.Tracer), (np.ndarray, np.ndarray),
             (float, float), (bool, bool), (object, object)]
    for theirs, ours in pairs:
        assert issubclass(ours, zenax.Array) == issubclass(theirs, jax.Array), ours
    assert issubclass(zenax.Array, zenax.Array) and issubclass(zenax.Array, object)
    assert isinstance(zenax.Array, type)
    with pytest.raises(TypeError):
        issubclass(1, jax.Array)
    with pytest.raises(TypeError):
        issubclass(1, zenax.Array)

    class Mine(zenax.Array):   # a user subclass gets Python's ordinary checks
        pass
    assert isinstance(Mine(), zenax.Array) and issubclass(Mine, zenax.Array)
    assert not isinstance(znp.ones(2), Mine) and not issubclass(jax.Array, Mine)


def test_prints_and_names_as_jax_does():
    def renamed(s):
        return s.replace("jax", "zenax")
    assert repr(zenax.Array) == renamed(repr(jax.Array))
    assert str(zenax.Array | None) == renamed(str(jax.Array | None))
    assert repr(typing.Optional[zenax.Array]) == renamed(repr(typing.Optional[jax.Array]))
    for attr in ("__module__", "__name__", "__qualname__"):
        assert getattr(zenax.Array, attr) == renamed(getattr(jax.Array, attr)), attr


def test_numpy_ndarray_and_array_like():
    assert jnp.ndarray is jax.Array
    assert znp.ndarray is zenax.Array and zenax.numpy.ndarray is zenax.Array
    ours, theirs = zenax.typing.ArrayLike.__args__, jax.typing.ArrayLike.__args__
    # JAX's union with zenax.Array in jax.Array's place; zenax adds its Tracer class.
    assert ours[0] is zenax.Array and theirs[0] is jax.Array
    assert ours[1] is zenax.tracer.core.Tracer and ours[2:] == theirs[1:]
    for value in (znp.ones(2), np.ones(2), 1.0, np.int8(1)):
        assert isinstance(value, zenax.typing.ArrayLike)
    assert not isinstance([1.0], zenax.typing.ArrayLike)

    def annotated(x: zenax.Array | None) -> zenax.Array:
        return x
    assert typing.get_type_hints(annotated)["return"] is zenax.Array


def test_install_as_jax_hands_out_zenax_array():
    # Under install_as_jax, `import jax` and `import jax.numpy` give these modules.
    assert as_jax._zenax_module("jax").Array is zenax.Array
    assert as_jax._zenax_module("jax.numpy").ndarray is zenax.Array


def test_own_example_holds():
    # doctest.testmod skips the class: its __module__ is "zenax", as JAX's is "jax".
    runner = doctest.DocTestRunner()
    for example in doctest.DocTestFinder().find(zenax.Array, "zenax.Array", globs={}):
        runner.run(example)
    assert runner.failures == 0 and runner.tries > 0
