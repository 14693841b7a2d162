"""zenax.training: make_train_step against the same step written in JAX + Optax,
gradient accumulation against one big batch, mixed precision, and the fit loop."""
import doctest
import itertools

import jax
import jax.numpy as jnp_ref
import numpy as np
import optax
import pytest

import zenax
import zenax.numpy as jnp
from zenax import losses, optim, training
from zenax.models import training as training_module

from oracle import assert_close

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

RNG = np.random.default_rng(0)
X = RNG.standard_normal((32, 3)).astype(np.float32)
TRUE_W = np.array([[1.5], [-2.0], [0.5]], np.float32)
Y = (X @ TRUE_W + 0.3).astype(np.float32)
CLASSES = (X[:, 0] > 0).astype(np.int32) + (X[:, 1] > 0).astype(np.int32)  # 3 classes


def _mlp_params(seed=1):
    rng = np.random.default_rng(seed)
    return {"hidden": {"w": (rng.standard_normal((3, 16)) * 0.5).astype(np.float32),
                       "b": np.zeros(16, np.float32)},
            "out": {"w": (rng.standard_normal((16, 3)) * 0.5).astype(np.float32),
                    "b": np.zeros(3, np.float32)}}


def _mlp_logits(np_module, nn_module, params, x):
    h = nn_module.relu(np_module.dot(x, params["hidden"]["w"]) + params["hidden"]["b"])
    return np_module.dot(h, params["out"]["w"]) + params["out"]["b"]


def _mlp_loss(params, batch):
    x, labels = batch
    logits = _mlp_logits(jnp, zenax.nn, params, x)
    return losses.softmax_cross_entropy_with_integer_labels(logits, labels).mean(), logits


def _mlp_loss_ref(params, batch):
    x, labels = batch
    logits = _mlp_logits(jnp_ref, jax.nn, params, x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean(), logits


def _linear_loss(params, batch):
    x, y = batch
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


TOL = dict(rtol=1e-5, atol=1e-6)


def test_linear_regression_loss_decreases():
    opt = optim.sgd(0.1)
    params = {"w": np.zeros((3, 1), np.float32), "b": np.zeros(1, np.float32)}
    step = training.make_train_step(_linear_loss, opt)
    state = opt.init(params)
    losses_seen = []
    for _ in range(100):
        params, state, loss = step(params, state, (X, Y))
        losses_seen.append(float(loss))
    assert losses_seen[-1] < 1e-3 * losses_seen[0]
    np.testing.assert_allclose(params["w"], TRUE_W, atol=1e-2)


def test_make_train_step_matches_jax_and_optax():
    opt, opt_ref = optim.adamw(1e-2, weight_decay=1e-2), optax.adamw(1e-2, weight_decay=1e-2)
    step = training.make_train_step(_mlp_loss, opt, has_aux=True)

    @jax.jit
    def step_ref(params, opt_state, batch):
        (loss, aux), grads = jax.value_and_grad(_mlp_loss_ref, has_aux=True)(params, batch)
        updates, opt_state = opt_ref.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, aux

    params = params_ref = _mlp_params()
    state, state_ref = opt.init(params), opt_ref.init(params)
    for i in range(10):
        batch = (X[i % 4 * 8:][:8], CLASSES[i % 4 * 8:][:8])
        params, state, loss, logits = step(params, state, batch)
        params_ref, state_ref, loss_ref, logits_ref = step_ref(params_ref, state_ref, batch)
        np.testing.assert_allclose(loss, loss_ref, rtol=1e-5)
        np.testing.assert_allclose(logits, logits_ref, rtol=1e-5, atol=1e-5)
        assert_close(params, params_ref, **TOL)


@pytest.mark.parametrize("accumulate", [2, 4])
def test_accumulation_equals_one_big_batch(accumulate):
    opt = optim.adam(1e-2)
    big = training.make_train_step(_mlp_loss, opt, has_aux=True)
    micro = training.make_train_step(_mlp_loss, opt, has_aux=True, accumulate=accumulate)
    opt_ref = optax.adam(1e-2)

    @jax.jit
    def step_ref(params, opt_state, batch):
        (loss, _), grads = jax.value_and_grad(_mlp_loss_ref, has_aux=True)(params, batch)
        updates, opt_state = opt_ref.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    params_big = params_micro = params_ref = _mlp_params()
    state_big = state_micro = opt.init(params_big)
    state_ref = opt_ref.init(params_ref)
    for _ in range(3):
        params_big, state_big, loss_big, _ = big(params_big, state_big, (X, CLASSES))
        params_micro, state_micro, loss_micro, logits = micro(params_micro, state_micro,
                                                              (X, CLASSES))
        params_ref, state_ref, loss_ref = step_ref(params_ref, state_ref, (X, CLASSES))
        np.testing.assert_allclose(loss_micro, loss_big, rtol=1e-5)
        np.testing.assert_allclose(loss_micro, loss_ref, rtol=1e-5)
        assert_close(params_micro, params_big, **TOL)
        assert_close(params_micro, params_ref, **TOL)
    # aux is averaged over the micro-batches: the mean of the per-micro-batch logits.
    assert logits.shape == (32 // accumulate, 3)


def test_accumulation_uses_scan():
    step = training.make_train_step(_linear_loss, optim.sgd(0.1), accumulate=4)
    params = {"w": np.zeros((3, 1), np.float32), "b": np.zeros(1, np.float32)}
    text = str(zenax.make_jaxpr(step)(params, optim.sgd(0.1).init(params), (X, Y)))
    assert "scan" in text


def test_accumulation_needs_a_divisible_batch():
    step = training.make_train_step(_linear_loss, optim.sgd(0.1), accumulate=3)
    params = {"w": np.zeros((3, 1), np.float32), "b": np.zeros(1, np.float32)}
    with pytest.raises(ValueError, match=r"make_train_step: with accumulate=3 every batch leaf "
                                         r"needs a leading batch axis divisible by 3; received "
                                         r"a leaf of shape \(32, 3\)"):
        step(params, optim.sgd(0.1).init(params), (X, Y))


def test_make_train_step_bad_arguments():
    with pytest.raises(TypeError, match=r"make_train_step: optimizer must be a "
                                        r"GradientTransformation .* received function"):
        training.make_train_step(_linear_loss, optim.adam)
    with pytest.raises(ValueError, match=r"make_train_step: accumulate must be a positive int"):
        training.make_train_step(_linear_loss, optim.adam(1e-3), accumulate=0)


def test_mixed_precision_computes_in_bfloat16_with_float32_master_weights():
    loss_fn = training.mixed_precision(_mlp_loss)
    text = str(zenax.make_jaxpr(loss_fn)(_mlp_params(), (X, CLASSES)))
    assert "dot_general" in text and "bf16[32,16]" in text

    def loss_ref(params, batch):  # the same cast, written in JAX
        cast = lambda t: jax.tree.map(lambda x: x.astype(jnp_ref.bfloat16), t)  # noqa: E731
        loss, logits = _mlp_loss_ref(cast(params), (cast(batch[0]), batch[1]))
        return loss.astype(jnp_ref.float32), logits.astype(jnp_ref.float32)

    (loss, logits), grads = zenax.jit(zenax.value_and_grad(loss_fn, has_aux=True))(
        _mlp_params(), (X, CLASSES))
    (loss_r, _), grads_r = jax.jit(jax.value_and_grad(loss_ref, has_aux=True))(
        _mlp_params(), (X, CLASSES))
    assert loss.dtype == logits.dtype == jnp.float32
    assert all(g.dtype == jnp.float32 for g in jax.tree.leaves(grads))
    np.testing.assert_allclose(loss, loss_r, rtol=2e-2)
    assert_close(grads, grads_r, rtol=5e-2, atol=2e-2)

    opt = optim.adam(1e-2)
    step = training.make_train_step(loss_fn, opt, has_aux=True)
    params, state = _mlp_params(), opt.init(_mlp_params())
    first = None
    for _ in range(30):
        params, state, loss, _ = step(params, state, (X, CLASSES))
        first = float(loss) if first is None else first
    assert all(p.dtype == jnp.float32 for p in jax.tree.leaves(params))
    assert float(loss) < 0.7 * first


def test_fit_returns_a_history_and_shows_a_progress_bar(capsys):
    opt = optim.adam(0.05)
    step = training.make_train_step(_linear_loss, opt)
    params = {"w": np.zeros((3, 1), np.float32), "b": np.zeros(1, np.float32)}
    batches = [(X[i:i + 8], Y[i:i + 8]) for i in range(0, 32, 8)]
    params, state, history = training.fit(step, params, opt.init(params),
                                          itertools.cycle(batches), steps=60,
                                          tokens_per_batch=8)
    err = capsys.readouterr().err
    assert history.shape == (60,) and history.dtype == np.float32
    assert history[-5:].mean() < 0.1 * history[:5].mean()
    assert "60/60" in err and "loss=" in err and "tok/s=" in err
    assert int(state[0].count) == 60


def test_fit_defaults_to_one_pass_and_reports_running_out():
    opt = optim.sgd(0.1)
    step = training.make_train_step(_linear_loss, opt)
    params = {"w": np.zeros((3, 1), np.float32), "b": np.zeros(1, np.float32)}
    batches = [(X, Y)] * 5
    _, _, history = training.fit(step, params, opt.init(params), batches, progress=False)
    assert history.shape == (5,)
    with pytest.raises(ValueError, match=r"fit: batches ran out after 5 of steps=8.*"
                                         r"itertools.cycle"):
        training.fit(step, params, opt.init(params), batches, steps=8, progress=False)
    with pytest.raises(ValueError, match=r"fit: steps is needed"):
        training.fit(step, params, opt.init(params), iter(batches), progress=False)


@pytest.mark.parametrize("module", [training_module, training])
def test_docstring_examples_run(module):
    results = doctest.testmod(module, extraglobs={"zenax": zenax, "jnp": jnp, "optim": optim,
                                                  "training": training},
                              optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0 and results.failed == 0
