"""Issue 24's remaining top-level names: config context managers, user contexts, the
runtime submodules (dlpack, profiler, monitoring, distributed, memory, version) and
``jacobian(allow_int)``.  JAX is the oracle."""
import doctest

import jax
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import config_options as opts
from zenax import distributed, dlpack, memory, monitoring, profiler, version
from zenax.transforms import config_contexts
from zenax.transforms.config_contexts import make_user_context

BOOL_OPTIONS = ["allow_f16_reductions", "auto_pcast", "debug_key_reuse", "enable_checks",
                "enable_custom_prng", "no_execution", "no_tracing",
                "remove_size_one_mesh_axis_from_type", "softmax_custom_jvp", "thread_guard"]
VALUED_OPTIONS = {"array_garbage_collection_guard": "log", "default_prng_impl": "rbg",
                  "legacy_prng_key": "warn"}


def test_options_have_jax_defaults_and_context_behaviour():
    for name in BOOL_OPTIONS + list(VALUED_OPTIONS):
        ours, theirs = getattr(opts, name), getattr(jax, name)
        assert ours.value == theirs.value, name
        assert ours.name == f"jax_{name}"
    for name in BOOL_OPTIONS:
        ours, theirs = getattr(opts, name), getattr(jax, name)
        before = ours.value
        with ours():      # no value: turns the option on, as JAX's
            assert ours.value is True and theirs.value is True, name
        assert ours.value == before
    for name, val in VALUED_OPTIONS.items():
        ours = getattr(opts, name)
        with pytest.raises(TypeError, match="requires an argument"):
            ours()
        with ours(val):
            assert str(ours.value) == str(getattr(jax, name).value), name
    with pytest.raises(ValueError, match="bad"):   # JAX's validation
        with opts.legacy_prng_key("bad"):
            pass


def test_no_execution_and_no_tracing():
    f = zenax.jit(lambda x: x * 2)
    x = jnp.ones(3)
    f(x)
    with opts.no_execution():
        with pytest.raises(RuntimeError, match="no_execution"):
            f(x)
    with opts.no_tracing():
        np.testing.assert_array_equal(f(x), 2 * np.ones(3))   # cached: no tracing
        with pytest.raises(RuntimeError, match="no_tracing"):
            zenax.make_jaxpr(lambda y: y + 1)(1.0)
        with pytest.raises(RuntimeError, match="no_tracing"):
            jax.make_jaxpr(lambda y: y + 1)(1.0)
    # enable_checks: the traced jaxpr is type-checked and still printed the same.
    g = lambda y: jnp.sin(y) * 2.0   # noqa: E731
    with opts.enable_checks():
        checked = str(zenax.make_jaxpr(g)(1.0))
    assert checked == str(zenax.make_jaxpr(g)(1.0))


def test_user_context():
    ctx = make_user_context(default_value=1)
    theirs = jax.make_user_context(default_value=1)
    assert ctx.value == theirs.value == 1
    with ctx(2), theirs(2):
        assert ctx.value == theirs.value == 2
        assert config_contexts.user_context_values()[-1] == 2
    assert ctx.value == 1

    @ctx(5)
    def read():
        return ctx.value
    assert read() == 5 and ctx.value == 1
    ctx.set_global(3)
    assert ctx.get_global() == ctx.value == 3


def test_runtime_submodules_match_jax():
    for ours, theirs in [(dlpack, jax.dlpack), (profiler, jax.profiler),
                         (monitoring, jax.monitoring), (distributed, jax.distributed)]:
        public = sorted(n for n in dir(theirs) if not n.startswith("_"))
        assert sorted(ours.__all__) == public, ours.__name__
    assert memory.Space is jax.memory.Space
    assert isinstance(version.__version__, str) and version.__version_info__[:1] >= (0,)
    # dlpack round trip through NumPy, and a zenax array exported to NumPy by DLPack.
    a = dlpack.from_dlpack(np.arange(4.0, dtype=np.float32))
    np.testing.assert_array_equal(np.from_dlpack(a * 2), [0., 2., 4., 6.])
    # monitoring sees the events user code records.
    seen = []
    monitoring.register_event_listener(lambda event, **kw: seen.append(event))
    try:
        monitoring.record_event("/zenax_test/event")
    finally:
        monitoring.clear_event_listeners()
    assert "/zenax_test/event" in seen


def test_examples_in_docstrings_hold():
    for module in [opts, dlpack, profiler, monitoring, distributed, memory, version,
                   config_contexts]:
        result = doctest.testmod(module, extraglobs={"zenax": zenax, "jnp": jnp, "np": np},
                                 optionflags=doctest.ELLIPSIS, report=True)
        assert result.failed == 0, module.__name__


def test_jacobian_allow_int_matches_jax():
    f = lambda x, n: x * n   # noqa: E731
    x, n = np.float32(2.0), np.int32(3)
    ours = zenax.jacobian(f, argnums=(0, 1), allow_int=True)(x, n)
    theirs = jax.jacobian(f, argnums=(0, 1), allow_int=True)(x, n)
    for o, t in zip(ours, theirs):
        assert o.dtype == t.dtype and o.shape == t.shape
        np.testing.assert_array_equal(o, t)
    with pytest.raises(TypeError, match="allow_int"):
        zenax.jacobian(f, argnums=(0, 1))(x, n)


def test_shape_dtype_struct_like_is_jaxs():
    import jax.numpy as jjnp
    for make in (lambda m: m.ones(3, m.int8), lambda m: np.ones((2, 2)), lambda m: 1.0,
                 lambda m: m.asarray(2, m.int32)):
        assert repr(zenax.ShapeDtypeStruct.like(make(jnp))) == \
            repr(jax.ShapeDtypeStruct.like(make(jjnp)))
    seen = []
    zenax.jit(lambda x: seen.append(repr(zenax.ShapeDtypeStruct.like(x))) or x)(2.0)
    jax.jit(lambda x: seen.append(repr(jax.ShapeDtypeStruct.like(x))) or x)(2.0)
    assert seen[0] == seen[1]
