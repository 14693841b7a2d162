"""zenax's top-level names of issue 24 against JAX's: config options as context managers,
typeof/float0, ensure_compile_time_eval, named_scope/named_call, runtime queries."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from oracle import assert_same

LIBS = {"jax": (jax, jnp), "zenax": (zenax, znp)}

OPTIONS = ["enable_x64", "debug_nans", "debug_infs", "log_compiles", "explain_cache_misses",
           "default_matmul_precision", "default_device", "numpy_rank_promotion",
           "numpy_dtype_promotion", "transfer_guard_host_to_device",
           "transfer_guard_device_to_host", "transfer_guard_device_to_device",
           "check_tracer_leaks", "threefry_partitionable"]


@pytest.mark.parametrize("name", OPTIONS)
def test_option_objects_behave_like_jaxs(name):
    z, j = getattr(zenax, name), getattr(jax, name)
    assert z.value == j.value and z.name == j.name
    with pytest.raises(TypeError, match="bool\\(\\) not supported"):
        bool(z)
    try:
        j()
        needs_value = False
    except TypeError:
        needs_value = True
    if needs_value:
        with pytest.raises(TypeError, match=f"Context manager for {name} config option "
                                            "requires an argument"):
            z()


def test_enable_x64_context_and_decorator():
    for lib, (jax_, np_) in LIBS.items():
        with jax_.enable_x64(True):
            assert np_.ones(1).dtype == np.float64 and jax_.enable_x64.value
        assert np_.ones(1).dtype == np.float32 and not jax_.enable_x64.value

        @jax_.enable_x64()
        def f():
            return np_.arange(2.0).dtype
        assert f() == np.float64 and not jax_.enable_x64.value


def test_debug_nans_and_infs_raise_floating_point_error_under_jit():
    for lib, (jax_, np_) in LIBS.items():
        f = jax_.jit(lambda x: np_.log(x))
        with jax_.debug_nans(True):
            with pytest.raises(FloatingPointError, match="nan"):
                f(-1.0)
        assert np.isnan(f(-1.0))
        # zenax forwards debug_infs to JAX, which checks what it compiles inside the block.
        with jax_.debug_infs(True):
            with pytest.raises(FloatingPointError, match="inf"):
                jax_.jit(lambda x: np_.log(x) * 2)(0.0)
        assert np.isinf(f(0.0))


def test_promotion_options_set_and_restore():
    # The options reach JAX's lattice, which zenax.dtypes reads; zenax.numpy's broadcasting
    # does not check jax_numpy_rank_promotion yet, and its promotion cache does not key on
    # jax_numpy_dtype_promotion, so only the option values and result_type are checked.
    for lib, (jax_, np_) in LIBS.items():
        with jax_.numpy_rank_promotion("raise"):
            assert jax_.numpy_rank_promotion.value == "raise"
        assert jax_.numpy_rank_promotion.value == "allow"
        with jax_.numpy_dtype_promotion("strict"):
            with pytest.raises(jax_.dtypes.TypePromotionError):
                jax_.dtypes.result_type(np.int8, np.float32)
        assert jax_.dtypes.result_type(np.int8, np.float32) == np.float32


def test_log_compiles_and_default_device_contexts(caplog):
    with zenax.log_compiles(True):
        assert zenax.log_compiles.value and zenax.config.jax_log_compiles
        zenax.jit(lambda x: x * 7)(np.float32(1.0))
    assert not zenax.log_compiles.value
    assert any("Compiling" in r.getMessage() for r in caplog.records)
    device = zenax.devices()[0]
    with zenax.default_device(device):
        assert zenax.default_device.value == jax.default_device.value == device
    with zenax.transfer_guard("allow"):
        assert float(znp.ones(2).sum()) == 2.0


def test_check_tracer_leaks_finds_a_leak():
    leaked = []
    with zenax.check_tracer_leaks():
        assert zenax.check_tracer_leaks.value
        with pytest.raises(zenax.UnexpectedTracerError):
            zenax.jit(lambda x: leaked.append(x * 2) or x)(1.0)
    assert not zenax.check_tracer_leaks.value
    # The config option is the same switch.
    zenax.config.update("jax_check_tracer_leaks", True)
    try:
        assert zenax.check_tracer_leaks.value and zenax.config.jax_check_tracer_leaks
        with pytest.raises(zenax.UnexpectedTracerError):
            zenax.jit(lambda x: leaked.append(x * 3) or x)(1.0)
    finally:
        zenax.config.update("jax_check_tracer_leaks", False)
    assert not zenax.check_tracer_leaks.value and not zenax.config.jax_check_tracer_leaks


def test_typeof_and_float0():
    for value in (znp.ones((2, 3)), 1.0, np.int8(3), True):
        z, j = zenax.typeof(value), jax.typeof(value)
        assert (z.shape, z.dtype, z.weak_type) == (j.shape, j.dtype, j.weak_type)
    seen = []
    zenax.jit(lambda x: seen.append(zenax.typeof(x)) or x)(np.float32(1.0))
    assert seen[0].shape == () and seen[0].dtype == np.float32
    assert zenax.float0 is jax.float0
    assert zenax.grad(lambda x, n: x * n, argnums=1, allow_int=True)(1.0, 3).dtype == \
        zenax.float0


def test_ensure_compile_time_eval_computes_now_and_traces_the_rest():
    kinds = {}
    for lib, (jax_, np_) in LIBS.items():
        @jax_.jit
        def f(x):
            with jax_.ensure_compile_time_eval():
                y = np_.sin(3.0)
                z = x + 1
                tracer = jax.core.Tracer if lib == "jax" else zenax.tracer.core.Tracer
                kinds[lib] = (isinstance(y, tracer), isinstance(z, tracer))
            return x + y + z
        assert_same(f(1.0), jax.jit(lambda x: x + jnp.sin(3.0) + x + 1)(1.0))
    assert kinds["zenax"] == kinds["jax"] == (False, True)
    with zenax.ensure_compile_time_eval():
        assert float(znp.cos(0.0)) == 1.0


def test_named_scope_and_named_call():
    for lib, (jax_, np_) in LIBS.items():
        with pytest.raises(TypeError, match="named_scope name argument must be a string"):
            with jax_.named_scope(3):
                pass
        double = jax_.named_call(lambda x: x * 2, name="double")
        with jax_.named_scope("outer"):
            assert_same(double(np_.ones(2)), jnp.ones(2) * 2)
    assert str(zenax.make_jaxpr(zenax.named_call(znp.sin))(1.0)) == \
        str(zenax.make_jaxpr(znp.sin)(1.0))


def test_runtime_queries_match_jax():
    for name in ("device_count", "local_device_count", "process_index", "process_count",
                 "process_indices"):
        assert getattr(zenax, name)() == getattr(jax, name)()
    tree = {"a": znp.arange(3), "b": 2.0}
    assert_same(zenax.device_get(tree), jax.device_get({"a": jnp.arange(3), "b": 2.0}))
    assert isinstance(zenax.device_get(tree)["a"], np.ndarray)
    assert zenax.copy_to_host_async(tree) is tree
    seen = []
    zenax.jit(lambda x: seen.append(zenax.device_get(x)) or x)(1.0)   # tracers pass through
    assert isinstance(seen[0], zenax.tracer.core.Tracer)
    arr = zenax.make_array_from_callback((2, 3), jax.sharding.SingleDeviceSharding(
        zenax.devices()[0]), lambda idx: np.arange(6.0).reshape(2, 3)[idx])
    assert_same(znp.sum(arr), jnp.float32(15.0))
    zenax.effects_barrier()


def test_fwd_and_bwd_matches_vjp_and_compiles_once():
    traces = []

    def f(x, w):
        traces.append(1)
        return znp.tanh(x @ w)
    x, w = np.ones((2, 3), np.float32), np.full((3, 4), 0.1, np.float32)
    ct = np.ones((2, 4), np.float32)
    fwd, bwd = zenax.fwd_and_bwd(f, argnums=(0, 1))
    for _ in range(3):
        y, res = fwd(x, w)
        cts = bwd(res, ct)
    assert len(traces) == 1
    j_fwd, j_bwd = jax.fwd_and_bwd(lambda x, w: jnp.tanh(x @ w), argnums=(0, 1))
    j_y, j_res = j_fwd(x, w)
    assert_same((y, cts), (j_y, j_bwd(j_res, ct)))
    fwd, bwd = zenax.fwd_and_bwd(lambda x: (x ** 2, x * 3), argnums=0, has_aux=True,
                                 jitted=False)
    j_fwd, j_bwd = jax.fwd_and_bwd(lambda x: (x ** 2, x * 3), argnums=0, has_aux=True,
                                   jitted=False)
    (y, res, aux), (j_y, j_res, j_aux) = fwd(3.0), j_fwd(3.0)
    assert_same((y, aux, bwd(res, 1.0)), (j_y, j_aux, j_bwd(j_res, 1.0)), check_weak_type=False)
