"""checkpoint_policies.memory_budget: the same values and gradients as without it (and as
JAX's), saved residuals within the budget, compiled memory falling with the budget, and
clear errors for a bad budget (transforms/remat_budget.py)."""
import doctest

import jax
import jax.numpy as jnp_ref
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import optim, training
from zenax.models.gpt import GPT, GPTConfig, loss as gpt_loss
from zenax.transforms import remat_budget
from zenax.transforms.saved_residuals import saved_residuals

from oracle import assert_close

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

memory_budget = zenax.checkpoint_policies.memory_budget
TOL = dict(rtol=2e-5, atol=2e-6)
# Fractions, and bytes: none, a little, more than everything.
BUDGETS = [1.0, 0.5, 0.25, 0.0, 0, 2048, 10 ** 9]


def block_stack(np_, params, x):
    """Pre-norm blocks of a layer norm, a softmax mixing and a tanh MLP: reductions,
    transcendentals and matmuls for the policy to choose among."""
    for w1, w2, w3 in params:
        mu = np_.mean(x, -1, keepdims=True)
        h = (x - mu) / np_.sqrt(np_.mean((x - mu) ** 2, -1, keepdims=True) + 1e-5)
        s = h @ w1
        p = np_.exp(s - np_.max(s, -1, keepdims=True))
        p = p / np_.sum(p, -1, keepdims=True)
        x = x + np_.tanh((p @ w2) * 1.5) @ w3
    return np_.sum(x ** 2) / x.size


def _args(depth=2):
    rng = np.random.RandomState(0)
    params = [(rng.randn(8, 16).astype(np.float32) * 0.5, rng.randn(16, 12).astype(np.float32)
               * 0.3, rng.randn(12, 8).astype(np.float32) * 0.3) for _ in range(depth)]
    return params, rng.randn(4, 8).astype(np.float32)


def zenax_loss(params, x):
    return block_stack(jnp, params, x)


def jax_loss(params, x):
    return block_stack(jnp_ref, params, x)


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("jitted", [False, True])
def test_values_and_gradients_match_plain_and_jax(budget, jitted):
    params, x = _args()
    f = zenax.value_and_grad(zenax.checkpoint(zenax_loss, policy=memory_budget(budget)),
                             argnums=(0, 1))
    f = zenax.jit(f) if jitted else f
    value, grads = f(params, x)
    want_value, want_grads = jax.value_and_grad(jax_loss, argnums=(0, 1))(params, x)
    assert_close(value, want_value, **TOL)
    assert_close(grads, want_grads, **TOL)
    plain_value, plain_grads = zenax.value_and_grad(zenax_loss, argnums=(0, 1))(params, x)
    assert_close(value, plain_value, **TOL)
    assert_close(grads, plain_grads, **TOL)


@pytest.mark.parametrize("budget", [0.5, 0.0])
def test_second_order_and_vmap_match_jax(budget):
    params, x = _args()
    f = zenax.checkpoint(zenax_loss, policy=memory_budget(budget))
    v = jax.tree_util.tree_map(lambda a: np.ones_like(a) * 0.1, params)
    hvp = zenax.jit(lambda p, v: zenax.jvp(lambda p: zenax.grad(f)(p, x), (p,), (v,))[1])(
        params, v)
    want = jax.jvp(lambda p: jax.grad(jax_loss)(p, x), (params,), (v,))[1]
    assert_close(hvp, want, rtol=1e-4, atol=1e-5)
    xs = np.stack([x, 2 * x])
    per_example = zenax.jit(zenax.vmap(zenax.grad(f), in_axes=(None, 0)))(params, xs)
    assert_close(per_example, jax.vmap(jax.grad(jax_loss), in_axes=(None, 0))(params, xs),
                 **TOL)


def _saved_bytes(f, *args) -> int:
    """Bytes reverse mode keeps beyond the arguments (what the checkpoint saved)."""
    return sum(aval.size * np.dtype(aval.dtype).itemsize
               for aval, origin in saved_residuals(f, *args)
               if not origin.startswith(("from the argument", "from a constant",
                                         "from a literal")))


def test_saved_residual_bytes_respect_the_budget():
    params, x = _args()
    everything = _saved_bytes(zenax.checkpoint(
        zenax_loss, policy=zenax.checkpoint_policies.everything_saveable), params, x)
    saved = {b: _saved_bytes(zenax.checkpoint(zenax_loss, policy=memory_budget(b)), params, x)
             for b in (0, 1024, 4096, 16384, everything)}
    for b, nbytes in saved.items():
        assert nbytes <= b, (b, nbytes)
    assert saved[everything] == everything
    assert saved[0] == 0 and 0 < saved[4096] and saved[1024] <= saved[4096] <= saved[16384]
    # A fraction is a share of what saving everything keeps: 1.0 saves it all.
    by_share = {b: _saved_bytes(zenax.checkpoint(zenax_loss, policy=memory_budget(b)),
                                params, x) for b in (1.0, 0.5, 0.25)}
    assert by_share[1.0] == everything
    assert by_share[0.25] <= by_share[0.5] < by_share[1.0]


@pytest.mark.slow     # three compilations of a GPT train step
@pytest.mark.exhaustive   # the full tier (CI budget); bench memory_budget reports the same
def test_train_step_temp_memory_falls_with_the_budget():
    """XLA's memory analysis is deterministic, so the compiled temporaries of a small GPT's
    train step compare exactly: less budget, less memory (and the same step)."""
    config = GPTConfig(vocab_size=32, n_positions=32, n_embd=32, n_layer=2, n_head=2)
    model = GPT(config, key=zenax.random.PRNGKey(0))
    tokens = np.random.default_rng(0).integers(0, 32, (4, 33)).astype(np.int32)
    opt = optim.adamw(1e-3)
    args = (model, opt.init(model), tokens)
    temp, losses, texts = {}, {}, {}
    for budget in (1.0, 0.5, 0.25):
        step = training.make_train_step(lambda m, t: gpt_loss(m, t, training=False), opt,
                                        memory_budget=budget)
        compiled = step.lower(*args).compile()
        temp[budget] = compiled.memory_analysis().temp_size_in_bytes
        losses[budget] = compiled(*args)[2]
        texts[budget] = compiled.as_text()
    assert temp[1.0] > temp[0.5] > temp[0.25], temp
    want = gpt_loss(model, tokens, training=False)
    for loss in losses.values():
        assert_close(loss, want, **TOL)
    if jax.default_backend() == "cpu":   # the recomputation sits in branches XLA keeps apart
        assert "conditional" in texts[0.25] and "conditional" not in texts[1.0]


def test_train_step_with_aux_and_accumulation():
    def loss_fn(params, batch):
        x, y = batch
        pred = jnp.tanh(jnp.tanh(x @ params["w1"]) @ params["w2"])
        loss = jnp.mean((pred - y) ** 2)
        return loss, {"mean_pred": jnp.mean(pred)}
    rng = np.random.RandomState(0)
    params = {"w1": rng.randn(3, 5).astype(np.float32), "w2": rng.randn(5, 2).astype(np.float32)}
    batch = (rng.randn(4, 3).astype(np.float32), rng.randn(4, 2).astype(np.float32))
    opt = optim.adam(1e-2)
    want = training.make_train_step(loss_fn, opt, has_aux=True, accumulate=2)(
        params, opt.init(params), batch)
    got = training.make_train_step(loss_fn, opt, has_aux=True, accumulate=2,
                                   memory_budget=0.25)(params, opt.init(params), batch)
    assert_close(got, want, **TOL)


@pytest.mark.parametrize("bad,kind,words", [
    (-1, ValueError, "negative"), (-0.5, ValueError, r"\[0, 1\]"),
    (1.5, ValueError, "pass an int"), (float("nan"), ValueError, r"\[0, 1\]"),
    ("50%", TypeError, "str"), ({}, TypeError, "dict"), (True, TypeError, "bool"),
    ([0.5], TypeError, "list")])
def test_bad_budget_is_a_clear_error(bad, kind, words):
    with pytest.raises(kind, match=f"bytes_or_fraction.*{words}"):
        memory_budget(bad)
    with pytest.raises(kind, match=f"make_train_step: memory_budget=.*{words}"):
        training.make_train_step(lambda p, b: jnp.sum(p * b), optim.sgd(0.1),
                                 memory_budget=bad)


def test_the_policy_has_no_per_equation_answer():
    from zenax.lax.matmul import dot_general_p
    with pytest.raises(TypeError, match="whole checkpointed function"):
        memory_budget(0.5)(dot_general_p, dimension_numbers=(((1,), (0,)), ((), ())))


def test_module_examples_hold():
    result = doctest.testmod(remat_budget, extraglobs={"zenax": zenax, "jnp": jnp},
                             optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.exhaustive   # the full tier: the benchmark's smoke test
def test_bench_reports_the_curve():
    import json
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-m", "bench", "memory_budget", "--small", "--reps",
                           "1"], cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(next(l for l in proc.stdout.splitlines() if l.startswith("{")))
    curve = summary["curve"]
    assert set(curve) == {"100%", "50%", "25%"}
    for point in curve.values():
        assert point["temp_bytes"] > 0 and point["step_ms"] > 0 and point["flops_ratio"] > 0
    # (The --small model is too small for the curve to be smooth: one layer, d=32.)
    assert curve["100%"]["temp_ratio"] == pytest.approx(1.0, abs=0.01)
    assert curve["25%"]["temp_ratio"] < 1
