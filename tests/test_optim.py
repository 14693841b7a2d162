"""zenax.optim against Optax, the oracle: every optimizer and building block, fed the same
20 random gradients on a small pytree, eagerly and under zenax.jit; schedules value by
value; masks, chains and freezing; errors."""
import doctest

import jax
import jax.numpy as jnp_ref
import numpy as np
import optax
import pytest

import zenax
import zenax.numpy as jnp
from zenax import optim
from zenax.models import optim as optim_module
from zenax.models import schedules as schedules_module

from oracle import assert_close

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

RNG = np.random.default_rng(0)
PARAMS = {"w": RNG.standard_normal((3, 4)).astype(np.float32),
          "b": RNG.standard_normal(4).astype(np.float32),
          "layers": [RNG.standard_normal(2).astype(np.float32)]}
GRADS = [jax.tree.map(lambda p: RNG.standard_normal(p.shape).astype(np.float32), PARAMS)
         for _ in range(20)]
MASK = {"w": True, "b": False, "layers": [True]}
LABELS = {"w": "adam", "b": "frozen", "layers": ["sgd"]}


def _is_matrix(params):
    return jax.tree.map(lambda p: p.ndim > 1, params)


# Each case builds the same optimizer from a module: ours (zenax.optim) or Optax.
CASES = {
    "sgd": lambda m: m.sgd(0.1),
    "sgd_momentum": lambda m: m.sgd(0.1, momentum=0.9),
    "sgd_nesterov": lambda m: m.sgd(0.1, momentum=0.9, nesterov=True),
    "sgd_schedule": lambda m: m.sgd(m.piecewise_constant_schedule(0.1, {5: 0.5, 12: 0.1})),
    "adam": lambda m: m.adam(1e-2),
    "adam_hyperparams": lambda m: m.adam(1e-2, b1=0.8, b2=0.99, eps=1e-6, eps_root=1e-8),
    "adam_schedule": lambda m: m.adam(m.warmup_cosine_decay_schedule(0.0, 1e-2, 5, 20)),
    "adamw_mask_tree": lambda m: m.adamw(1e-2, weight_decay=0.1, mask=MASK),
    "adamw_mask_fn": lambda m: m.adamw(1e-2, weight_decay=0.1, mask=_is_matrix),
    "adamw_schedules": lambda m: m.adamw(m.exponential_decay(1e-2, 5, 0.5),
                                         weight_decay=m.linear_schedule(0.1, 0.0, 10)),
    "rmsprop": lambda m: m.rmsprop(1e-2),
    "rmsprop_centered_momentum": lambda m: m.rmsprop(1e-2, centered=True, momentum=0.9,
                                                     nesterov=True),
    "rmsprop_eps_outside": lambda m: m.rmsprop(1e-2, eps_in_sqrt=False, initial_scale=0.1),
    "adagrad": lambda m: m.adagrad(0.1),
    "lion": lambda m: m.lion(1e-3, weight_decay=0.1, mask=MASK),
    "chain_clip_adam": lambda m: m.chain(m.clip_by_global_norm(2.0), m.scale_by_adam(),
                                         m.scale_by_learning_rate(m.cosine_decay_schedule(
                                             0.1, 15, alpha=0.1))),
    "blocks": lambda m: m.chain(m.clip(0.5), m.trace(0.5), m.add_decayed_weights(0.01),
                                m.scale(-0.1)),
    "scale_by_schedule": lambda m: m.chain(m.scale_by_schedule(m.linear_schedule(1.0, 0.1, 20)),
                                           m.scale_by_learning_rate(0.1, flip_sign=False)),
    "masked": lambda m: m.masked(m.sgd(0.1, momentum=0.9), MASK),
    "multi_transform_freeze": lambda m: m.multi_transform(
        {"adam": m.adam(1e-2), "sgd": m.sgd(0.1), "frozen": m.set_to_zero()}, LABELS),
    "inject_hyperparams": lambda m: m.inject_hyperparams(m.adam)(
        learning_rate=m.linear_schedule(0.1, 0.01, 10), b1=0.8),
}


def _run(opt, update_fn, params, apply):
    state = opt.init(params)
    history = []
    for grads in GRADS:
        params, state = update_fn(params, state, grads, opt, apply)
        history.append(params)
    return history, state


def _eager_update(params, state, grads, opt, apply):
    updates, state = opt.update(grads, state, params)
    return apply(params, updates), state


TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_optax_eager_and_jit(name):
    ours, theirs = CASES[name](optim), CASES[name](optax)
    expected, _ = _run(theirs, _eager_update, PARAMS, optax.apply_updates)
    eager, _ = _run(ours, _eager_update, PARAMS, optim.apply_updates)

    @zenax.jit
    def step(params, state, grads):
        updates, state = ours.update(grads, state, params)
        return optim.apply_updates(params, updates), state
    jitted, _ = _run(ours, lambda p, s, g, opt, apply: step(p, s, g), PARAMS, None)
    for i in range(len(GRADS)):
        assert_close(eager[i], expected[i], **TOL)
        assert_close(jitted[i], expected[i], **TOL)


def test_adam_state_matches_optax():
    (ours_params, ours_state) = _run(optim.adam(1e-2), _eager_update, PARAMS,
                                     optim.apply_updates)
    (_, their_state) = _run(optax.adam(1e-2), _eager_update, PARAMS, optax.apply_updates)
    ours_adam, their_adam = ours_state[0], their_state[0]
    assert ours_adam.count.dtype == their_adam.count.dtype == np.int32
    assert int(ours_adam.count) == int(their_adam.count) == len(GRADS)
    assert_close(ours_adam.mu, their_adam.mu, **TOL)
    assert_close(ours_adam.nu, their_adam.nu, **TOL)


def test_inject_hyperparams_exposes_the_learning_rate_like_optax():
    ours = optim.inject_hyperparams(optim.sgd)(learning_rate=optim.linear_schedule(1.0, 0.0, 10),
                                               momentum=0.9)
    theirs = optax.inject_hyperparams(optax.sgd)(
        learning_rate=optax.linear_schedule(1.0, 0.0, 10), momentum=0.9)
    _, ours_state = _run(ours, _eager_update, PARAMS, optim.apply_updates)
    _, their_state = _run(theirs, _eager_update, PARAMS, optax.apply_updates)
    for key in ("learning_rate", "momentum"):
        np.testing.assert_allclose(ours_state.hyperparams[key], their_state.hyperparams[key])
    # A hyperparameter changed in the state is used from the next step on.
    state = ours.init(PARAMS)
    state = state._replace(hyperparams={**state.hyperparams, "momentum": jnp.asarray(0.0)})
    _, state = ours.update(GRADS[0], state, PARAMS)
    updates, _ = ours.update(GRADS[1], state, PARAMS)
    np.testing.assert_allclose(updates["b"], -0.9 * GRADS[1]["b"], rtol=1e-6)


def test_multi_transform_freezes_the_frozen_leaves():
    opt = optim.multi_transform({"train": optim.adam(1e-2), "frozen": optim.set_to_zero()},
                                lambda p: {"w": "train", "b": "frozen", "layers": ["frozen"]})
    history, state = _run(opt, _eager_update, PARAMS, optim.apply_updates)
    np.testing.assert_array_equal(history[-1]["b"], PARAMS["b"])
    np.testing.assert_array_equal(history[-1]["layers"][0], PARAMS["layers"][0])
    assert not np.allclose(history[-1]["w"], PARAMS["w"])
    # The trained group's Adam state holds only the trained leaf.
    adam_state = state.inner_states["train"].inner_state[0]
    assert [x.shape for x in jax.tree.leaves(adam_state.mu)] == [(3, 4)]


def test_clip_by_global_norm_both_sides_of_the_threshold():
    grads = {"a": np.array([3.0, 0.0], np.float32), "b": np.array([[4.0]], np.float32)}
    for max_norm in (1.0, 10.0):
        ours, _ = optim.clip_by_global_norm(max_norm).update(grads, optim.EmptyState())
        theirs, _ = optax.clip_by_global_norm(max_norm).update(grads, optax.EmptyState())
        assert_close(ours, theirs, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(optim.global_norm(grads), optax.tree.norm(grads), rtol=1e-6)


def test_apply_updates_keeps_parameter_dtypes():
    params = {"w": jnp.ones(3, jnp.bfloat16), "n": jnp.ones(2)}
    updates = {"w": jnp.full(3, 0.25), "n": jnp.full(2, 0.5)}
    ours = optim.apply_updates(params, updates)
    theirs = optax.apply_updates(jax.tree.map(np.asarray, params),
                                 jax.tree.map(np.asarray, updates))
    assert ours["w"].dtype == theirs["w"].dtype == jnp.bfloat16
    assert_close(jax.tree.map(lambda x: np.asarray(x, np.float32), ours),
                 jax.tree.map(lambda x: np.asarray(x, np.float32), theirs), **TOL)


def test_whole_train_step_jits_once_with_a_schedule():
    opt = optim.adamw(optim.warmup_cosine_decay_schedule(0.0, 1e-2, 3, 20), weight_decay=0.1)
    traces = []

    @zenax.jit
    def step(params, state, grads):
        traces.append(1)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state
    params, state = PARAMS, opt.init(PARAMS)
    for grads in GRADS:
        params, state = step(params, state, grads)
    assert len(traces) == 1


SCHEDULES = {
    "constant_schedule": ((0.3,), {}),
    "polynomial_schedule": ((1.0, 0.1, 2.0, 10, 3), {}),
    "linear_schedule": ((1.0, 0.1, 10, 3), {}),
    "piecewise_constant_schedule": ((1.0, {5: 0.1, 12: 0.5, 20: 2.0}), {}),
    "exponential_decay": ((1.0, 5, 0.5), {}),
    "exponential_decay_staircase": ((1.0, 5, 0.5),
                                    dict(transition_begin=2, staircase=True, end_value=0.1)),
    "exponential_growth_bounded": ((0.1, 4, 2.0), dict(end_value=1.0)),
    "cosine_decay_schedule": ((1.0, 15, 0.1, 2.0), {}),
    "warmup_cosine_decay_schedule": ((0.0, 1.0, 5, 20, 0.01), {}),
    "linear_onecycle_schedule": ((20, 1.0), {}),
}


@pytest.mark.parametrize("case", list(SCHEDULES))
def test_schedule_matches_optax(case):
    name = case.replace("_staircase", "").replace("_growth_bounded", "_decay")
    args, kwargs = SCHEDULES[case]
    ours, theirs = getattr(optim, name)(*args, **kwargs), getattr(optax, name)(*args, **kwargs)
    jitted = zenax.jit(ours)
    for count in range(30):
        expected = np.asarray(theirs(count), np.float32)
        np.testing.assert_allclose(np.asarray(ours(count), np.float32), expected, rtol=1e-6,
                                   atol=1e-7)
        count32 = np.int32(count)
        np.testing.assert_allclose(jitted(jnp.asarray(count32)), expected, rtol=1e-5, atol=1e-6)
        if count % 3 == 0:  # an int32 array count, as optimizer states carry (eager)
            np.testing.assert_allclose(ours(jnp.asarray(count32)),
                                       theirs(jnp_ref.asarray(count32)), rtol=1e-6, atol=1e-7)


def test_join_schedules_matches_optax():
    def build(m):
        return m.join_schedules([m.constant_schedule(0.5), m.linear_schedule(0.5, 0.0, 10),
                                 m.constant_schedule(0.0)], [4, 14])
    ours, theirs = build(optim), build(optax)
    for count in range(20):
        np.testing.assert_allclose(ours(jnp.asarray(count, jnp.int32)),
                                   theirs(jnp_ref.asarray(count, jnp_ref.int32)), rtol=1e-6)


def test_bad_input_errors_name_the_function_and_argument():
    with pytest.raises(TypeError, match=r"sgd: learning_rate must be a number or a schedule.*"
                                        r"received 'fast'"):
        optim.sgd("fast")
    with pytest.raises(TypeError, match=r"adamw: weight_decay"):
        optim.adamw(1e-3, weight_decay=[0.1])
    with pytest.raises(TypeError, match=r"chain: argument 1 .* Did you pass the factory adam "
                                        r"instead of calling it"):
        optim.chain(optim.clip(1.0), optim.adam)
    with pytest.raises(ValueError, match=r"chain: expected the state made by this optimizer's "
                                         r"init \(a tuple of 2 states\)"):
        optim.adam(1e-3).update(GRADS[0], optim.sgd(0.1, momentum=0.9).init(PARAMS)[0], PARAMS)
    with pytest.raises(ValueError, match=r"add_decayed_weights: update needs the current "
                                         r"params.*opt.update\(grads, state, params\)"):
        opt = optim.adamw(1e-3)
        opt.update(GRADS[0], opt.init(PARAMS))
    with pytest.raises(ValueError, match=r"multi_transform: param_labels uses labels \['frozen'\]"):
        optim.multi_transform({"adam": optim.adam(1e-3), "sgd": optim.sgd(0.1)},
                              LABELS).init(PARAMS)
    with pytest.raises(ValueError, match=r"warmup_cosine_decay_schedule: decay_steps \(10\) "
                                         r"must exceed warmup_steps \(10\)"):
        optim.warmup_cosine_decay_schedule(0.0, 1.0, 10, 10)
    with pytest.raises(ValueError, match=r"piecewise_constant_schedule: every scale"):
        optim.piecewise_constant_schedule(1.0, {10: -0.1})


@pytest.mark.parametrize("module", [optim_module, schedules_module, optim])
def test_docstring_examples_run(module):
    results = doctest.testmod(module, extraglobs={"zenax": zenax, "jnp": jnp},
                              optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0 and results.failed == 0
