"""zenax.compat.core, the ``jax.core`` that libraries get under ``install_as_jax()``:
each name behaves, on zenax's own tracers, avals and jaxprs, as JAX's ``jax.core`` (or
``jax.extend.core``, where JAX 0.10 moved it) behaves for the same program."""
import doctest
import json
import os
import subprocess
import sys

import jax
import jax.extend.core as jex_core
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.compat import core
from zenax.compat._src import compiler, xla_bridge
from zenax.tracer.avals import ShapedArray as ZenaxShapedArray

pytestmark = pytest.mark.all_cases  # a few cheap cases each: run them all in every tier

TRANSFORMS = ["jit", "grad", "vmap", "jvp"]


def _apply(lib, transform, f):
    """Run ``f`` (scalar -> scalar) under ``transform`` of ``lib`` (zenax or jax)."""
    if transform == "vmap":
        return lib.vmap(f)(np.ones(3, np.float32))
    if transform == "jvp":
        return lib.jvp(f, (np.float32(1.0),), (np.float32(1.0),))
    return getattr(lib, transform)(f)(np.float32(1.0))


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_tracer_isinstance_matches_jax(transform):
    seen = {"zenax": [], "jax": []}

    def probe(lib, tracer_type, numpy):
        def f(x):
            seen[lib.__name__].append(isinstance(x, tracer_type))
            seen[lib.__name__].append(isinstance(numpy.ones(2), tracer_type))
            return x * 2.0
        return f

    _apply(zenax, transform, probe(zenax, core.Tracer, znp))
    _apply(jax, transform, probe(jax, jax.core.Tracer, jnp))
    # jnp.ones under jit is staged, hence a tracer too, in both
    assert seen["zenax"] == seen["jax"] and seen["jax"][0] is True


def test_concrete_values_are_not_tracers():
    for x in [1.0, np.ones(2), znp.ones(2)]:
        assert isinstance(x, core.Tracer) == isinstance(x, jax.core.Tracer) == False  # noqa: E712


@pytest.mark.parametrize("args", [((2, 3), np.float32), ((), np.int32, True), ((4,), "bool")])
def test_shaped_array_constructs_like_jax(args):
    ours, theirs = core.ShapedArray(*args), jax.core.ShapedArray(*args)
    assert type(ours) is ZenaxShapedArray
    assert (repr(ours), str(ours)) == (repr(theirs), str(theirs))
    assert (ours.shape, ours.dtype, ours.weak_type, ours.ndim, ours.size) == (
        theirs.shape, theirs.dtype, theirs.weak_type, theirs.ndim, theirs.size)
    assert ours == core.ShapedArray(*args, sharding=None)   # JAX's keywords are accepted
    assert isinstance(ours, core.ShapedArray) and isinstance(ours, core.AbstractValue)
    assert isinstance(theirs, jax.core.AbstractValue)


def test_shaped_array_keywords_and_class_checks():
    ours = core.ShapedArray(shape=(), dtype=np.dtype("bool"))   # as Equinox calls it
    theirs = jax.core.ShapedArray(shape=(), dtype=np.dtype("bool"))
    assert repr(ours) == repr(theirs)
    assert issubclass(ZenaxShapedArray, core.ShapedArray)
    assert issubclass(type(theirs), jax.core.ShapedArray)
    assert not isinstance(np.ones(2), core.ShapedArray)
    assert not isinstance(np.ones(2), jax.core.ShapedArray)
    assert core.ShapedArray.update is ZenaxShapedArray.update


VALUES = [1.0, 3, True, np.ones((2, 3), np.float32), np.arange(4), np.float64(2.0)]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_get_aval_matches_typeof(value):
    assert repr(core.get_aval(value)) == repr(jax.typeof(value))
    assert repr(core.get_aval(znp.asarray(value))) == repr(jax.typeof(jnp.asarray(value)))


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_get_aval_of_tracers_matches_typeof(transform):
    got = {}

    def probe(lib, typeof):
        def f(x):
            aval = typeof(x)
            got[lib.__name__] = (repr(aval), isinstance(
                aval, core.ShapedArray if lib is zenax else jax.core.ShapedArray))
            return x * 2.0
        return f

    _apply(zenax, transform, probe(zenax, core.get_aval))
    _apply(jax, transform, probe(jax, jax.typeof))
    assert got["zenax"] == got["jax"]


def test_raise_to_shaped_is_the_identity_of_jax_0_4_36():
    aval = core.get_aval(znp.ones(3))
    assert core.raise_to_shaped(aval) is aval
    weak = core.raise_to_shaped(aval, weak_type=True)
    assert repr(weak) == repr(jax.core.ShapedArray((3,), np.float32, weak_type=True))


def _concrete_or_error_under(lib, cx, transform, force, context):
    out = []

    def f(x):
        try:
            out.append(cx(force, x, context))
        except Exception as e:  # noqa: BLE001 - the kind of error is compared
            out.append((type(e).__name__, context in str(e)))
        return x * 2.0

    _apply(lib, transform, f)
    return out


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_concrete_or_error_matches_jax(transform):
    ours = _concrete_or_error_under(zenax, core.concrete_or_error, transform, float, "in f")
    theirs = _concrete_or_error_under(jax, jex_core.concrete_or_error, transform, float,
                                      "in f")
    assert ours == theirs


def test_concrete_or_error_on_concrete_values():
    for force, val in [(int, 3.0), (None, 2), (bool, np.float32(1.0))]:
        assert core.concrete_or_error(force, val) == jex_core.concrete_or_error(force, val)


@pytest.mark.parametrize("transform", ["jit", "vmap", "jvp"])
def test_find_top_trace_is_the_tracers_trace(transform):
    got = {}

    def probe(lib, find):
        def f(x):
            got[lib.__name__] = find((x,)) is x._trace
            return x * 2.0
        return f

    _apply(zenax, transform, probe(zenax, core.find_top_trace))
    _apply(jax, transform, probe(jax, jex_core.find_top_trace))
    assert got["zenax"] is got["jax"] is True


def test_find_top_trace_outside_transforms_is_the_eval_trace():
    assert type(core.find_top_trace(())).__name__ == type(jex_core.find_top_trace(())).__name__
    assert type(core.find_top_trace(())).__name__ == "EvalTrace"


def _program(x, y):
    return np.float32(2.0) * x * y + x


def test_eval_jaxpr_and_jaxpr_as_fun_match_jax():
    x, y = np.arange(3, dtype=np.float32), np.float32(1.5)
    closed, theirs = zenax.make_jaxpr(_program)(x, y), jax.make_jaxpr(_program)(x, y)
    assert isinstance(closed, core.ClosedJaxpr) and isinstance(closed.jaxpr, core.Jaxpr)
    expected = jax.core.eval_jaxpr(theirs.jaxpr, theirs.consts, x, y)
    got = core.eval_jaxpr(closed.jaxpr, closed.consts, x, y, propagate_source_info=False)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-6)
    np.testing.assert_allclose(core.jaxpr_as_fun(closed)(x, y)[0],
                               jex_core.jaxpr_as_fun(theirs)(x, y)[0], rtol=1e-6)
    np.testing.assert_allclose(core.jaxpr_as_fun(closed, x, y)[0], expected[0], rtol=1e-6)


def test_eval_jaxpr_runs_under_the_current_transform():
    x, y = np.arange(3, dtype=np.float32), np.float32(1.5)
    closed, theirs = zenax.make_jaxpr(_program)(x, y), jax.make_jaxpr(_program)(x, y)
    ours = zenax.grad(lambda a: core.eval_jaxpr(closed.jaxpr, closed.consts, a, y)[0].sum())
    ref = jax.grad(lambda a: jax.core.eval_jaxpr(theirs.jaxpr, theirs.consts, a, y)[0].sum())
    np.testing.assert_allclose(ours(x), ref(x), rtol=1e-6)


def test_eval_context_computes_now_inside_jit():
    got = {}

    def probe(lib, numpy, ctx, tracer_type):
        def f(x):
            with ctx():
                got[lib.__name__] = isinstance(numpy.sin(np.float32(2.0)), tracer_type)
            return x
        return f

    zenax.jit(probe(zenax, znp, core.eval_context, core.Tracer))(1.0)
    jax.jit(probe(jax, jnp, jax.core.eval_context, jax.core.Tracer))(1.0)
    assert got["zenax"] is got["jax"] is False


def _define_primitive(primitive_type, numpy, shaped_array):
    p = primitive_type("scaled_sum")
    p.def_impl(lambda x, *, scale: numpy.sum(x) * scale)
    p.def_abstract_eval(lambda aval, *, scale: shaped_array((), aval.dtype))
    return p


def test_primitive_with_impl_and_abstract_eval_like_jax():
    ours = _define_primitive(core.Primitive, znp, core.ShapedArray)
    theirs = _define_primitive(jex_core.Primitive, jnp, jax.core.ShapedArray)
    x = np.arange(4, dtype=np.float32)
    np.testing.assert_allclose(ours.bind(x, scale=2.0), theirs.bind(x, scale=2.0))
    shape_ours = zenax.make_jaxpr(lambda a: ours.bind(a, scale=2.0))(x).out_avals
    shape_theirs = jax.make_jaxpr(lambda a: theirs.bind(a, scale=2.0))(x).out_avals
    assert [repr(a) for a in shape_ours] == [repr(a) for a in shape_theirs]
    assert "scaled_sum" in str(zenax.make_jaxpr(lambda a: ours.bind(a, scale=2.0))(x))


def test_compiler_view_refuses_to_pretend_it_restricts_backends():
    with pytest.raises(NotImplementedError, match="jax.jit"):
        hasattr(compiler, "backend_compile_and_load")
    assert not hasattr(compiler, "something_else")


XLA_BRIDGE_SCRIPT = """
import json
import jax
import jax._src.xla_bridge as real
from zenax.compat._src import xla_bridge as ours

def state():
    return [[ours.backends_are_initialized(), real.backends_are_initialized()],
            [sorted(ours._backends), sorted(real._backends)]]

before = state()
import zenax.numpy as jnp
jnp.ones(2).block_until_ready()
print(json.dumps([before, state(), jax.config.jax_num_cpu_devices, len(jax.devices())]))
"""


def test_xla_bridge_view_tells_whether_the_runtime_started_as_jax():
    # A fresh process: this one's runtime started long ago. Asking must not start it,
    # nor change the CPU device count XLA_FLAGS asks for.
    env = dict(os.environ, JAX_PLATFORMS="cpu",
               XLA_FLAGS="--xla_force_host_platform_device_count=3")
    proc = subprocess.run([sys.executable, "-c", XLA_BRIDGE_SCRIPT], env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    before, after, num_cpu_devices, n_devices = json.loads(proc.stdout.splitlines()[-1])
    for ours, theirs in before + after:
        assert ours == theirs
    assert before[0] == [False, False] and after[0] == [True, True]
    assert (num_cpu_devices, n_devices) == (-1, 3)


@pytest.mark.parametrize("module", [core, compiler, xla_bridge], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0 and (result.attempted > 0 or module is compiler), result
