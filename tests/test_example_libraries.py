"""zenax.example_libraries (optimizers, stax) against jax.example_libraries.

The oracle is JAX's own example libraries run on the same inputs: optimizer states after a
few steps, stax parameters drawn from the same key (the same random bits), network outputs
and gradients, schedules. The optimizer sweep runs as one jitted program per library, so the
whole table costs one compile on each side.
"""
import doctest
import inspect

import jax
import jax.example_libraries.optimizers as jopt
import jax.example_libraries.stax as jstax
import jax.numpy as jjnp
import numpy as np
import pytest
from oracle import assert_bits_equal, assert_same, raises_like_jax

import zenax
import zenax.example_libraries as zexample
import zenax.numpy as jnp
from zenax.example_libraries import optimizers as zopt
from zenax.example_libraries import stax as zstax

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

# Names JAX's modules have only as by-products of their own imports (JAX's internal
# helpers, typing and functools names); zenax's modules do not re-export them.
IMPORT_ARTIFACTS = {"jax", "jnp", "lax", "random", "math", "functools", "partial",
                    "namedtuple", "annotations", "Any", "Callable", "NamedTuple", "map", "zip",
                    "safe_map", "safe_zip", "unzip2"}


def test_public_names_and_signatures_match_jax():
    for ours, theirs in ((zopt, jopt), (zstax, jstax)):
        _check_names_and_signatures(ours, theirs)


def _check_names_and_signatures(ours, theirs):
    names = {n for n in dir(theirs) if not n.startswith("_")} - IMPORT_ARTIFACTS
    assert names <= set(ours.__all__), sorted(names - set(ours.__all__))
    for name in names:
        mine, jaxs = getattr(ours, name), getattr(theirs, name)
        assert callable(mine) == callable(jaxs), name
        if isinstance(jaxs, tuple):           # a layer such as Relu: an (init, apply) pair
            assert isinstance(mine, tuple) and len(mine) == 2, name
            continue
        try:
            jsig = inspect.signature(jaxs)
        except (TypeError, ValueError):
            continue                           # typing aliases
        zsig = inspect.signature(mine)
        assert list(zsig.parameters) == list(jsig.parameters), name
        for p in jsig.parameters.values():
            q = zsig.parameters[p.name]
            assert q.kind == p.kind, (name, p.name)
            if not callable(p.default):        # initializer defaults are closures
                assert q.default == p.default, (name, p.name)


def _params(np_module):
    # Two leaves of one shape: eager ops compile once per shape, and a 2-d leaf exercises
    # sm3's per-axis accumulators.
    return {"a": np_module.array([[0.5, -1.0, 2.0], [1.0, 0.0, -3.0]], np.float32),
            "b": (np_module.array([[1.0, -2.0, 0.25], [3.0, 0.5, 1.5]], np.float32),)}


def _grads(np_module, scales=(1.0, -2.0, 0.5)):
    g = np.array([[0.3, -1.0, 0.0], [2.0, 0.0, 0.7]], np.float32)
    return [{"a": np_module.asarray(g * s), "b": (np_module.asarray(g[::-1] * -s),)}
            for s in scales]


# (name, constructor args) per optimizer; schedules for the step size exercise the step index.
OPTIMIZERS = [
    ("sgd", lambda m: (m.piecewise_constant([0, 1], [0.1, 0.05, 0.01]),)),
    ("momentum", lambda m: (0.1, 0.9)),
    ("nesterov", lambda m: (m.exponential_decay(0.1, 2, 0.5), 0.8)),
    ("adagrad", lambda m: (0.2,)),
    ("rmsprop", lambda m: (m.inverse_time_decay(0.05, 1, 0.5, staircase=True), 0.8, 1e-6)),
    ("rmsprop_momentum", lambda m: (0.05,)),
    ("adam", lambda m: (m.polynomial_decay(0.1, 4, 0.01, power=2.0),)),
    ("adamax", lambda m: (0.1, 0.8, 0.99)),
    ("sm3", lambda m: (0.3, 0.5)),
]


def _three_steps(module, np_module, name):
    opt_init, opt_update, get_params = getattr(module, name)(*dict(OPTIMIZERS)[name](module))
    state = opt_init(_params(np_module))
    for i, g in enumerate(_grads(np_module)):
        state = opt_update(i, g, state)
    return get_params(state), state


def test_optimizers_three_steps_are_bit_identical_to_jax():
    for name, _ in OPTIMIZERS:
        z_params, z_state = _three_steps(zopt, jnp, name)
        j_params, j_state = _three_steps(jopt, jjnp, name)
        assert_bits_equal(z_params, j_params, err_msg=name)
        assert_bits_equal(z_state.packed_state, j_state.packed_state, err_msg=name)
        assert z_state.tree_def == zenax.tree_util.tree_structure(_params(jnp))


def test_optimizer_update_under_jit_matches_eager():
    # The state is a pytree: the update jits with the step index static (a Python int).
    opt_init, opt_update, get_params = zopt.adam(0.1)
    step = zenax.jit(opt_update, static_argnums=0)
    state = eager = opt_init(_params(jnp))
    for i, g in enumerate(_grads(jnp)):
        state, eager = step(i, g, state), opt_update(i, g, eager)
    assert_same(get_params(state), get_params(eager), rtol=1e-6, atol=1e-7)


def test_optimizer_state_packing_and_errors():
    init, update, get_params = zopt.momentum(0.1, 0.9)
    state = init(_params(jnp))
    unpacked = zopt.unpack_optimizer_state(state)
    assert isinstance(unpacked["a"], zopt.JoinPoint)
    repacked = zopt.pack_optimizer_state(unpacked)
    assert repacked.tree_def == state.tree_def
    assert repacked.subtree_defs == state.subtree_defs
    assert_bits_equal(repacked.packed_state, state.packed_state)
    # OptimizerState is a pytree whose only leaves are the packed arrays.
    assert len(zenax.tree_util.tree_leaves(state)) == 4
    with pytest.raises(TypeError, match="optimizer update function"):
        update(0, {"a": jnp.ones(3)}, state)
    raises_like_jax(zopt.pack_optimizer_state, jopt.pack_optimizer_state, {"a": 1.0})
    raises_like_jax(zopt.make_schedule, jopt.make_schedule, np.ones(2))
    raises_like_jax(zopt.piecewise_constant, jopt.piecewise_constant, [1, 2], [0.1, 0.2],
                    match="piecewise_constant")
    raises_like_jax(zopt.piecewise_constant, jopt.piecewise_constant, [[1]], [[0.1, 0.2]],
                    match="piecewise_constant")


def test_schedules_and_clipping_match_jax():
    cases = [("constant", (0.3,)), ("exponential_decay", (0.1, 3, 0.5)),
             ("inverse_time_decay", (0.1, 2, 0.5)),
             ("inverse_time_decay", (0.1, 2, 0.5, True)),
             ("polynomial_decay", (1.0, 5, 0.1, 2.0)),
             ("piecewise_constant", ([2, 5], [1.0, 0.5, 0.1]))]
    steps = np.arange(8, dtype=np.int32)
    for name, args in cases:
        z_sched, j_sched = getattr(zopt, name)(*args), getattr(jopt, name)(*args)
        for i in (0, 3, 7):                     # Python int steps
            assert_same(z_sched(i), j_sched(i), err_msg=f"{name}({i})")
        if name not in ("constant", "piecewise_constant"):   # an array of steps
            assert_same(z_sched(jnp.asarray(steps)), j_sched(jjnp.asarray(steps)),
                        err_msg=name)
    grads = {"w": np.array([3.0, 4.0], np.float32), "b": np.array([[12.0]], np.float32)}
    assert_same(zopt.l2_norm(grads), jopt.l2_norm(grads))
    for max_norm in (1.0, 100.0):
        assert_same(zopt.clip_grads(grads, max_norm), jopt.clip_grads(grads, max_norm))


def _cnn(stax):
    return stax.serial(stax.Conv(4, (3, 3), padding="SAME"), stax.BatchNorm(), stax.Relu,
                       stax.MaxPool((2, 2), strides=(2, 2)), stax.Flatten, stax.Dense(5),
                       stax.LogSoftmax)


def _init_and_grad(stax, lib, np_module, x):
    """The CNN's output shape, and jitted: its params from a key, and loss, outputs and
    grads (init and apply are one compiled program each on either side)."""
    init_fun, apply_fun = _cnn(stax)
    out_shape = []

    def init(key):     # the output shape is static: record it while tracing
        shape, params = init_fun(key, x.shape)
        out_shape.append(shape)
        return params
    params = lib.jit(init)(lib.random.PRNGKey(7))

    def loss(params):
        out = apply_fun(params, x)
        return -np_module.mean(out[:, 0]), out
    return out_shape[0], params, lib.jit(lib.value_and_grad(loss, has_aux=True))(params)


def test_stax_cnn_params_outputs_and_grads_match_jax():
    x = np.random.default_rng(0).normal(size=(3, 6, 6, 2)).astype(np.float32)
    z_shape, z_params, ((z_loss, z_out), z_grads) = _init_and_grad(zstax, zenax, jnp, x)
    j_shape, j_params, ((j_loss, j_out), j_grads) = _init_and_grad(jstax, jax, jjnp, x)
    assert z_shape == j_shape == (3, 5)
    assert_same(z_params, j_params, rtol=1e-6, atol=1e-7)   # the same random bits
    assert_same(z_out, j_out, rtol=1e-5, atol=1e-5)
    assert_same(z_loss, j_loss, rtol=1e-5, atol=1e-6)
    assert_same(z_grads, j_grads, rtol=1e-4, atol=1e-5)


def _branches(stax):
    """Every other layer kind, in one network: convolutions in other layouts, the other
    pools, the combinators, each elementwise layer, dropout."""
    conv_nchw = stax.GeneralConv(("NCHW", "OIHW", "NHWC"), 3, (2, 2), strides=(1, 1))
    left = stax.serial(stax.ConvTranspose(3, (3, 3), strides=(2, 2), padding="SAME"),
                       stax.AvgPool((3, 3), strides=(2, 2), padding="SAME"),
                       stax.Tanh, stax.Gelu)
    right = stax.serial(stax.SumPool((1, 1)), stax.Sigmoid, stax.Softplus, stax.Elu,
                        stax.LeakyRelu, stax.Selu, stax.Identity)
    return stax.serial(stax.shape_dependent(lambda shape: conv_nchw),
                       stax.FanOut(2), stax.parallel(left, right), stax.FanInConcat(-1),
                       stax.FanOut(2), stax.parallel(stax.Exp, stax.Identity), stax.FanInSum,
                       stax.Flatten, stax.Dense(4), stax.Dropout(0.7), stax.Softmax)


def _sequence_net(stax):
    return stax.serial(stax.Conv1DTranspose(2, (3,)), stax.Dropout(0.5, "test"))


def _branch_results(stax, lib, x, y):
    nets = [_branches(stax), _sequence_net(stax)]
    shapes = []

    def init(key):
        shapes[:], params = zip(*[layer_init(key, z.shape)
                                  for (layer_init, _), z in zip(nets, (x, y))])
        return params
    params = lib.jit(init)(lib.random.key(3))
    outs = lib.jit(lambda p, key: [apply(q, z, rng=key)
                                   for (_, apply), q, z in zip(nets, p, (x, y))]
                   )(params, lib.random.key(4))
    return [tuple(map(int, s)) for s in shapes], params, outs


def test_stax_every_layer_kind_matches_jax():
    x = np.random.default_rng(1).normal(size=(2, 2, 5, 5)).astype(np.float32)
    y = np.random.default_rng(2).normal(size=(1, 4, 3)).astype(np.float32)
    z_shapes, z_params, z_outs = _branch_results(zstax, zenax, x, y)
    j_shapes, j_params, j_outs = _branch_results(jstax, jax, x, y)
    assert z_shapes == j_shapes == [(2, 4), (1, 6, 2)]
    assert_same(z_params, j_params, rtol=1e-6, atol=1e-7)
    assert_same(z_outs, j_outs, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="PRNG key"):
        _branches(zstax)[1](z_params[0], x)


@pytest.mark.exhaustive     # ~10 s of eager compiles: the full tier only
def test_docstring_examples_run():
    for module in (zexample, zopt, zstax):
        result = doctest.testmod(module, extraglobs={"jnp": jnp, "zenax": zenax},
                                 optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, module.__name__
