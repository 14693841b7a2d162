"""A GPT training step on a mesh of 8 host devices under data parallelism (DP), fully
sharded data parallelism (FSDP), Megatron tensor parallelism (TP) and DP x TP
(zenax.models.parallelism): the same loss and updated parameters as the one-device step
and as the same step written in JAX + Optax, the collectives XLA's partitioner inserted,
and parameters that stay sharded.

Each strategy compiles once (``lower(...).compile()`` gives the HLO text and runs the
step); the CI tier runs FSDP and DP x TP, the full tier DP, TP and the JAX-jitted
sharded twins too."""
import doctest
import pathlib
import re
import sys

import jax
import numpy as np
import optax
import pytest
from jax.sharding import NamedSharding, PartitionSpec as P

import zenax
import zenax.numpy as jnp
from zenax.models import gpt, optim
from zenax.models import parallelism as par
from zenax.tree_util import tree_leaves, tree_map

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # for bench/
from bench.gpt_twins import jax_loss, jax_params  # noqa: E402  (GPT-2 written in JAX)

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

CONFIG = gpt.GPTConfig(vocab_size=64, n_positions=16, n_embd=32, n_layer=2, n_head=4)
MESH_SHAPES = {"dp": (8, 1), "fsdp": (8, 1), "tp": (1, 8), "dp_tp": (2, 4)}
LEARNING_RATE = 0.1
TOL = dict(rtol=2e-5, atol=2e-6)


def _random_gpt():
    """A GPT whose weights are host NumPy arrays (random, not GPT-2's init: no eager
    compiles, and every device_put below makes fresh buffers the step may donate)."""
    rng = np.random.default_rng(0)
    shapes = zenax.eval_shape(lambda: gpt.GPT(CONFIG, key=zenax.random.PRNGKey(0)))
    return tree_map(lambda s: rng.normal(0, 0.2, s.shape).astype(np.float32), shapes)


@pytest.fixture(scope="module")
def setup():
    model = _random_gpt()
    tokens = np.random.default_rng(1).integers(0, CONFIG.vocab_size, (8, 17), np.int32)
    opt = optim.sgd(LEARNING_RATE, momentum=0.9)
    state = tree_map(np.asarray, opt.init(model))

    # The oracle: one device, written in JAX and Optax.
    jopt = optax.sgd(LEARNING_RATE, momentum=0.9)

    def jax_step(params, opt_state, tokens):
        loss, grads = jax.value_and_grad(jax_loss)(params, tokens, CONFIG.n_head)
        updates, opt_state = jopt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss
    jparams = jax_params(model)
    expected_params, _, expected_loss = jax.jit(jax_step)(jparams, jopt.init(jparams), tokens)
    return dict(model=model, tokens=tokens, opt=opt, state=state, jax_step=jax_step,
                jopt=jopt, loss=expected_loss, params=expected_params)


def _assert_step_matches(out_params, loss, setup):
    np.testing.assert_allclose(np.asarray(loss), np.asarray(setup["loss"]), **TOL)
    got, expected = jax_params(out_params), setup["params"]
    for g, e in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), **TOL)


def _collectives(hlo: str) -> dict:
    ops = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all", "collective-permute")
    return {op: len(re.findall(rf" {op}(?:-start)?\(", hlo)) for op in ops}


def _sharded_step(setup, strategy):
    """The strategy's compiled step, its HLO text and its outputs."""
    mesh = zenax.make_mesh(MESH_SHAPES[strategy], ("data", "model"))
    plan = par.plan(mesh, strategy, setup["model"], setup["state"])
    params, state = zenax.device_put((setup["model"], setup["state"]),
                                     (plan.params, plan.opt_state))
    compiled = par.train_step(gpt.loss, setup["opt"], plan).lower(
        params, state, setup["tokens"]).compile()
    return plan, compiled.as_text(), compiled(params, state, setup["tokens"])


def _assert_layout_kept(plan, params, state):
    """The updated parameters and moments come back laid out as planned: nothing that was
    sharded is returned whole on every device."""
    for tree, shardings in ((params, plan.params), (state, plan.opt_state)):
        for x, s in zip(tree_leaves(tree), tree_leaves(shardings)):
            assert x.sharding.is_equivalent_to(s, x.ndim), (x.sharding, s)


def test_one_device_step_matches_jax(setup):
    grad_fn = zenax.value_and_grad(gpt.loss)

    @zenax.jit
    def one_device_step(params, opt_state, tokens):
        loss, grads = grad_fn(params, tokens)
        updates, opt_state = setup["opt"].update(grads, opt_state, params)
        return optim.apply_updates(params, updates), opt_state, loss
    params, _, loss = one_device_step(setup["model"], setup["state"], setup["tokens"])
    _assert_step_matches(params, loss, setup)
    assert len(loss.sharding.device_set) == 1


def test_fsdp_step(setup):
    plan, hlo, (params, state, loss) = _sharded_step(setup, "fsdp")
    _assert_step_matches(params, loss, setup)
    _assert_layout_kept(plan, params, state)
    # Every parameter (and its momentum) lives 1/8 on each device.
    for tree in (params, state[0].trace):
        whole = sum(x.nbytes for x in tree_leaves(tree))
        per_device = sum(x.addressable_shards[0].data.nbytes for x in tree_leaves(tree))
        assert per_device * 8 == whole
    ops = _collectives(hlo)
    # Parameters are gathered where used; the gradients are summed over "data" and cut to
    # each device's shard: a reduce-scatter.  XLA:CPU has no pass fusing all-reduce +
    # dynamic-slice into one (JAX's own FSDP step compiles the same way on CPU; the GPU
    # and TPU pipelines do fuse them).
    assert ops["all-gather"] >= len(tree_leaves(params))
    assert ops["reduce-scatter"] or (ops["all-reduce"] and " dynamic-slice(" in hlo)


def test_dp_tp_step(setup):
    plan, hlo, (params, state, loss) = _sharded_step(setup, "dp_tp")
    _assert_step_matches(params, loss, setup)
    _assert_layout_kept(plan, params, state)
    w = params.blocks[0].mlp.layers[0].weight                      # [32, 128], columns on 4
    assert w.addressable_shards[0].data.shape == (32, 32)
    ops = _collectives(hlo)
    # Two row-parallel matmuls per block end in an all-reduce over "model" (forward and
    # backward); the data-parallel gradient sum is one more.
    assert ops["all-reduce"] >= 2 * CONFIG.n_layer
    assert ops["all-gather"] == 0                # tensor-parallel weights are never gathered


@pytest.mark.exhaustive
def test_dp_step(setup):
    plan, hlo, (params, state, loss) = _sharded_step(setup, "dp")
    _assert_step_matches(params, loss, setup)
    _assert_layout_kept(plan, params, state)
    ops = _collectives(hlo)
    assert ops["all-reduce"] >= 1 and ops["all-gather"] == 0


@pytest.mark.exhaustive
def test_tp_step(setup):
    plan, hlo, (params, state, loss) = _sharded_step(setup, "tp")
    _assert_step_matches(params, loss, setup)
    _assert_layout_kept(plan, params, state)
    assert _collectives(hlo)["all-reduce"] >= 2 * CONFIG.n_layer
    assert loss.sharding.is_fully_replicated


@pytest.mark.exhaustive
@pytest.mark.parametrize("strategy", list(MESH_SHAPES))
def test_jax_sharded_step_matches(setup, strategy):
    """JAX's jit with the same shardings (on JAX's pytree of the same weights) gives the
    same step and the same collectives as zenax's."""
    plan, hlo, (params, _, loss) = _sharded_step(setup, strategy)
    mesh = plan.mesh
    specs = jax_params(par.param_specs(setup["model"], mesh, strategy))
    named = jax.tree_util.tree_map(lambda s: NamedSharding(mesh, s), specs,
                                   is_leaf=lambda s: isinstance(s, P))
    jparams = jax_params(setup["model"])
    jstate = setup["jopt"].init(jparams)
    state_shardings = par.opt_state_specs(jstate, jparams, named)
    state_shardings = jax.tree_util.tree_map(
        lambda s: NamedSharding(mesh, s) if isinstance(s, P) else s, state_shardings,
        is_leaf=lambda s: isinstance(s, (P, NamedSharding)))
    batch = NamedSharding(mesh, par.batch_spec(strategy))
    step = jax.jit(setup["jax_step"], static_argnums=(),
                   in_shardings=(named, state_shardings, batch),
                   out_shardings=(named, state_shardings, NamedSharding(mesh, P())))
    compiled = step.lower(jparams, jstate, setup["tokens"]).compile()
    jax_out, _, jax_loss_ = compiled(jparams, jstate, setup["tokens"])
    np.testing.assert_allclose(np.asarray(loss), np.asarray(jax_loss_), **TOL)
    for g, e in zip(jax.tree_util.tree_leaves(jax_params(params)),
                    jax.tree_util.tree_leaves(jax_out)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), **TOL)
        assert g.sharding.is_equivalent_to(e.sharding, g.ndim)
    ours, theirs = _collectives(hlo), _collectives(compiled.as_text())
    assert {k: v > 0 for k, v in ours.items()} == {k: v > 0 for k, v in theirs.items()}


def test_specs_and_errors():
    model = zenax.eval_shape(lambda: gpt.GPT(CONFIG, key=zenax.random.PRNGKey(0)))
    mesh = zenax.make_mesh((2, 4), ("data", "model"))
    tp = par.param_specs(model, mesh, "dp_tp")
    attention = tp.blocks[1].attention
    assert (attention.query_proj.weight, attention.query_proj.bias,
            attention.output_proj.weight, attention.output_proj.bias) == \
        (P(None, "model"), P("model"), P("model", None), P())
    assert (tp.blocks[0].mlp.layers[1].weight, tp.wte.weight, tp.ln_f.weight) == \
        (P("model", None), P(), P())
    fsdp = par.param_specs(model, mesh, "fsdp", min_size=100)
    assert (fsdp.wte.weight, fsdp.blocks[0].mlp.layers[1].weight, fsdp.ln_f.bias) == \
        (P("data", None), P("data", None), P())
    assert par.fsdp_spec((3, 6), 4) == P() and par.fsdp_spec((4, 8), 4) == P(None, "data")
    assert set(tree_leaves(par.param_specs(model, mesh, "dp"))) == {P()}
    assert (par.batch_spec("tp"), par.batch_spec("dp")) == (P(), P("data"))
    with pytest.raises(ValueError, match="param_specs: strategy must be one of"):
        par.param_specs(model, mesh, "zero3")
    with pytest.raises(ValueError, match=r"plan: .*'tp' needs mesh axes \('model',\)"):
        par.plan(zenax.make_mesh((8,), ("data",)), "tp", model)


@pytest.mark.exhaustive
def test_docstring_examples_run():
    config = gpt.GPTConfig(vocab_size=64, n_positions=8, n_embd=16, n_layer=1, n_head=2)
    results = doctest.testmod(par, optionflags=doctest.ELLIPSIS, extraglobs={
        "zenax": zenax, "jnp": jnp, "gpt": gpt, "optim": optim,
        "mesh": zenax.make_mesh((1, 1), ("data", "model")),
        "model": gpt.GPT(config, key=zenax.random.PRNGKey(0))})
    assert results.attempted > 0 and results.failed == 0
