"""QLoRA: LoRA adapters over a quantized base (gradients against JAX running the
dequantized program, training that leaves the packed weights bit-identical, merging into
float or re-quantized weights), the GPT with every weight quantized, saving and loading
quantized models (one file, lazy, sharded, atomic), and the example run small.

The dequantized weights the JAX oracle runs are decoded in NumPy from the documented
format (``test_quantize.np_dequantize``).
"""
import itertools
import os
import pathlib
import sys

import jax
import jax.numpy as jjnp
import numpy as np
import pytest
import safetensors.numpy

import zenax
import zenax.numpy as jnp
from zenax import io, optim
from zenax.lax.quantized_matmul import QuantizedArray
from zenax.models import (Embedding, Linear, apply_lora, combine, lora_partition, merge_lora,
                          unmerge_lora)
from zenax.models.gpt import GPT, GPTConfig, generate, loss as gpt_loss
from zenax.models.quantize import quantize

from test_quantize import np_dequantize

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
# The 4-bit affine case first: CI runs the first case of each parametrized test.
SCHEMES = [(4, "affine"), (4, "symmetric"), (8, "affine"), (8, "symmetric")]
CONFIG = GPTConfig(vocab_size=40, n_positions=16, n_embd=64, n_layer=1, n_head=4)
rng = np.random.default_rng(0)


def leaves(tree) -> list[np.ndarray]:
    return [np.asarray(x) for x in zenax.tree_util.tree_leaves(tree)]


def assert_bits_equal(a, b):
    """Same structure and every leaf equal bit for bit, dtype included."""
    assert zenax.tree_util.tree_structure(a) == zenax.tree_util.tree_structure(b)
    for x, y in zip(leaves(a), leaves(b), strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)


def randomize_adapters(model, seed=1):
    """Give every ``lora_b`` (zero at first) random values, so both factors get gradients."""
    trainable, frozen = lora_partition(model)
    r = np.random.default_rng(seed)
    trainable = zenax.tree_util.tree_map(
        lambda x: jnp.asarray(r.normal(size=x.shape).astype(np.float32) / 8), trainable)
    return combine(trainable, frozen)


def two_layers(bits, mode, group_size=32):
    model = {"a": Linear(64, 96, key=zenax.random.PRNGKey(0)),
             "b": Linear(96, 32, key=zenax.random.PRNGKey(1))}
    return quantize(model, bits, group_size, mode)


def forward(model, x):
    return model["b"](jnp.tanh(model["a"](x)))


# ## Gradients with respect to the adapters

@pytest.mark.parametrize("bits,mode", SCHEMES)
def test_adapter_gradients_match_jax_on_the_dequantized_program(bits, mode):
    qlora = randomize_adapters(apply_lora(two_layers(bits, mode), rank=4, alpha=8.0,
                                          key=zenax.random.PRNGKey(2)))
    trainable, frozen = lora_partition(qlora)
    x = rng.normal(size=(5, 64)).astype(np.float32)
    value, grads = zenax.value_and_grad(
        lambda t: jnp.sum(jnp.tanh(forward(combine(t, frozen), x))))(trainable)

    def layer_ref(layer, adapter, x):          # the LoRA formula on the float weights
        w = np_dequantize(layer.base.weight)
        return x @ w + layer.base.bias + layer.scale * (x @ adapter[0] @ adapter[1])

    adapters = {k: (qlora[k].lora_a, qlora[k].lora_b) for k in ("a", "b")}

    def loss_ref(adapters):
        h = jjnp.tanh(layer_ref(qlora["a"], adapters["a"], x))
        return jjnp.sum(jjnp.tanh(layer_ref(qlora["b"], adapters["b"], h)))

    value_ref, grads_ref = jax.value_and_grad(loss_ref)(adapters)
    np.testing.assert_allclose(value, value_ref, rtol=1e-5, atol=1e-4)
    for k in ("a", "b"):
        np.testing.assert_allclose(grads[k].lora_a, grads_ref[k][0], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(grads[k].lora_b, grads_ref[k][1], rtol=1e-4, atol=1e-5)
        assert grads[k].base.weight.data is None and grads[k].base.bias is None


def test_training_updates_only_the_adapters_and_keeps_the_packed_weights():
    base = quantize(GPT(CONFIG, key=zenax.random.PRNGKey(0)), bits=4, group_size=32)
    assert all(isinstance(layer.weight, QuantizedArray) for layer in
               (base.wte, base.wpe, base.blocks[0].mlp.layers[0]))
    packed = [np.array(x) for x in leaves(base)]          # host copies, before training
    trainable, frozen = lora_partition(apply_lora(base, rank=4, alpha=8.0,
                                                  key=zenax.random.PRNGKey(1)))
    adapters_before = leaves(trainable)
    optimizer = optim.adam(1e-2)
    opt_state = optimizer.init(trainable)
    # The optimizer state holds moments for the adapters only.
    assert len(leaves(opt_state)) == 2 * len(adapters_before) + 1

    @zenax.jit
    def step(trainable, frozen, opt_state, tokens):
        loss, grads = zenax.value_and_grad(
            lambda t: gpt_loss(combine(t, frozen), tokens, training=False))(trainable)
        updates, opt_state = optimizer.update(grads, opt_state, trainable)
        return optim.apply_updates(trainable, updates), opt_state, loss

    tokens = np.tile(np.arange(16) % 5, (4, 1))       # a pattern the adapters can learn
    losses = []
    for _ in range(15):
        trainable, opt_state, loss = step(trainable, frozen, opt_state, tokens)
        losses.append(float(loss))
    assert losses[-1] < losses[0] - 0.5
    tuned = combine(trainable, frozen)
    frozen_after = leaves(lora_partition(tuned)[1])
    assert len(frozen_after) == len(packed)
    for before, after in zip(packed, frozen_after):
        assert before.dtype == after.dtype
        np.testing.assert_array_equal(before, after)
    assert all(not np.array_equal(a, b) for a, b in zip(adapters_before, leaves(trainable)))


# ## Merging

@pytest.mark.parametrize("bits,mode", [(4, "affine"), (8, "symmetric")])
def test_merge_gives_a_float_or_a_requantized_model(bits, mode):
    qmodel = quantize({**two_layers(bits, mode),
                       "emb": Embedding(10, 64, key=zenax.random.PRNGKey(3))}, bits, 32, mode)
    qlora = randomize_adapters(apply_lora(qmodel, rank=4, alpha=8.0,
                                          key=zenax.random.PRNGKey(2)))
    x = rng.normal(size=(5, 64)).astype(np.float32)
    merged_float = merge_lora(qlora, dequantize=True)
    merged_q = merge_lora(qlora)
    for k in ("a", "b"):
        layer = qlora[k]
        expected = np_dequantize(layer.base.weight) + layer.scale * (
            np.asarray(layer.lora_a) @ np.asarray(layer.lora_b))
        np.testing.assert_allclose(merged_float[k].weight, expected, rtol=1e-6, atol=1e-6)
        q = merged_q[k].weight
        assert isinstance(q, QuantizedArray)
        assert (q.bits, q.group_size, q.mode, q.axis) == (bits, 32, mode, 0)
        # The re-quantized weight is the float merge rounded: within half a scale per group.
        bound = np.repeat(np.asarray(q.scales), 32, axis=0) / 2
        assert np.all(np.abs(np_dequantize(q) - expected) <= bound * (1 + 1e-5) + 1e-6)
    # A float model: the embedding is dequantized too.
    assert not any(isinstance(leaf, QuantizedArray) for leaf in zenax.tree_util.tree_leaves(
        merged_float, is_leaf=lambda v: isinstance(v, QuantizedArray)))
    np.testing.assert_array_equal(merged_float["emb"].weight, np_dequantize(qmodel["emb"].weight))
    assert isinstance(merged_q["emb"].weight, QuantizedArray)
    np.testing.assert_allclose(forward(merged_float, x), forward(qlora, x), rtol=1e-5,
                               atol=1e-5)
    with pytest.raises(ValueError, match=r"unmerge_lora: the Linear at .*\['a'\].*quantized"):
        unmerge_lora(merged_q, qlora)


# ## The GPT with every weight quantized

def test_quantized_gpt_with_quantized_position_table():
    model = GPT(CONFIG, key=zenax.random.PRNGKey(0))
    qmodel = quantize(model, bits=4, group_size=32)
    tokens = rng.integers(0, CONFIG.vocab_size, (2, 9))
    logits = zenax.jit(lambda m, t: m(t, training=False))
    # The quantized GPT computes what the float GPT computes on the decoded weights.
    decoded = zenax.tree_util.tree_map(
        lambda v: jnp.asarray(np_dequantize(v)) if isinstance(v, QuantizedArray) else v,
        qmodel, is_leaf=lambda v: isinstance(v, QuantizedArray))
    np.testing.assert_allclose(logits(qmodel, tokens), logits(decoded, tokens), rtol=1e-4,
                               atol=1e-5)
    # Generation with the key/value cache reads the position rows from the packed table:
    # greedy decoding equals argmax over full forward passes.
    prompt = tokens[:, :3]
    out = np.asarray(generate(qmodel, prompt, 6, key=zenax.random.PRNGKey(0), top_k=1))
    greedy = prompt
    for _ in range(6):
        next_token = np.argmax(np.asarray(logits(qmodel, greedy))[:, -1], axis=-1)
        greedy = np.concatenate([greedy, next_token[:, None]], axis=1)
    np.testing.assert_array_equal(out, greedy)


# ## Saving and loading quantized models

def template(bits, mode):
    """The quantized model's shapes, traced without computing a weight."""
    return zenax.eval_shape(lambda: quantize(GPT(CONFIG, key=zenax.random.PRNGKey(0)), bits,
                                             32, mode))


@pytest.mark.parametrize("bits,mode", SCHEMES)
def test_quantized_model_round_trips_bit_exact(tmp_path, bits, mode):
    qmodel = quantize(GPT(CONFIG, key=zenax.random.PRNGKey(0)), bits, 32, mode)
    like = template(bits, mode)
    assert isinstance(like.wte.weight, QuantizedArray)
    assert isinstance(like.wte.weight.data, zenax.ShapeDtypeStruct)
    path = tmp_path / "model.safetensors"
    io.save(path, qmodel)
    # The packed codes are plain safetensors tensors, readable by any safetensors reader.
    raw = safetensors.numpy.load_file(path)
    code_dtype = np.int8 if (bits, mode) == (8, "symmetric") else np.uint8
    assert raw["wte.weight.data"].dtype == code_dtype
    assert ("wte.weight.biases" in raw) == (mode == "affine")
    eager = io.load(path, like=like)
    assert_bits_equal(eager, qmodel)
    lazy = io.load(path, like=like, lazy=True)
    assert isinstance(lazy.blocks[0].mlp.layers[0].weight.data, np.ndarray)
    assert_bits_equal(lazy, qmodel)
    tokens = rng.integers(0, CONFIG.vocab_size, (2, 8))
    expected = np.asarray(gpt_loss(qmodel, tokens, training=False))
    np.testing.assert_array_equal(gpt_loss(lazy, tokens, training=False), expected)
    # A sharded set.
    biggest = max(x.nbytes for x in leaves(qmodel))
    (tmp_path / "sharded").mkdir()
    io.save(tmp_path / "sharded", qmodel, max_shard_size=biggest)
    shards = [f for f in os.listdir(tmp_path / "sharded") if f.endswith(".safetensors")]
    assert len(shards) > 3
    for lazy_load in (False, True):
        assert_bits_equal(io.load(tmp_path / "sharded", like=like, lazy=lazy_load), qmodel)


def test_a_failed_sharded_save_of_a_quantized_model_keeps_the_previous_set(tmp_path,
                                                                          monkeypatch):
    old = quantize(GPT(CONFIG, key=zenax.random.PRNGKey(0)), 4, 32)
    new = quantize(GPT(CONFIG, key=zenax.random.PRNGKey(1)), 4, 32)
    io.save(tmp_path, old, max_shard_size=8192)
    before = sorted(os.listdir(tmp_path))
    assert len(before) > 4
    real, calls = safetensors.numpy.save_file, itertools.count()

    def interrupted_at_the_third_shard(*args, **kwargs):
        if next(calls) == 2:
            raise KeyboardInterrupt
        real(*args, **kwargs)

    monkeypatch.setattr(safetensors.numpy, "save_file", interrupted_at_the_third_shard)
    with pytest.raises(KeyboardInterrupt):
        io.save(tmp_path, new, max_shard_size=8192)
    assert sorted(os.listdir(tmp_path)) == before
    assert_bits_equal(io.load(tmp_path, like=template(4, "affine")), old)


# ## The example, run small

@pytest.fixture(scope="module")
def example(tmp_path_factory):
    sys.path.insert(0, str(EXAMPLES))
    try:
        import qlora_char_gpt
        return qlora_char_gpt, qlora_char_gpt.main(
            ["--small", "--out", str(tmp_path_factory.mktemp("qlora"))])
    finally:
        sys.path.remove(str(EXAMPLES))


def nbytes(tree) -> int:
    return sum(x.nbytes for x in leaves(tree))


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier (CI budget): trains the example's models (~15 s)
def test_example_quantized_char_gpt_bytes_and_loss(example):
    module, result = example
    models, summary = result["models"], result["summary"]
    # Bytes, from the arrays: the packed codes, scales and zero points, and the float rest.
    ratio8 = nbytes(models["float"]) / nbytes(models["int8"])
    ratio4 = nbytes(models["float"]) / nbytes(models["int4"])
    assert ratio8 >= 3.5 and ratio4 >= 6, (ratio8, ratio4)
    assert all(isinstance(layer.weight, QuantizedArray) for layer in
               (models["int4"].wte, models["int4"].wpe, models["int8"].blocks[0].mlp.layers[1]))
    rows = summary["quantized"]
    assert rows["int8"]["val_loss"] <= 1.01 * rows["float"]["val_loss"]
    assert rows["int4"]["val_loss"] <= 1.05 * rows["float"]["val_loss"]
    # The 4-bit model is the float one quantized: the same arrays as quantizing it here.
    assert_bits_equal(models["int4"], quantize(models["float"], **module.SCHEMES["int4"]))


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier (CI budget): shares the example's training (~15 s)
def test_example_qlora_against_lora(example):
    module, result = example
    models, summary = result["models"], result["summary"]
    tuned = summary["finetuned"]
    lora, qlora = tuned["LoRA, float base"]["val_loss"], tuned["QLoRA, 4-bit base"]["val_loss"]
    assert qlora <= 1.05 * lora, (qlora, lora)
    assert lora < tuned["none (float model)"]["val_loss"]       # fine-tuning helped
    # After training, the frozen base of the QLoRA model is the 4-bit model bit for bit.
    frozen = leaves(lora_partition(models["qlora"])[1])
    packed = leaves(quantize(models["float"], **module.SCHEMES["int4"]))
    assert len(frozen) == len(packed)
    for after, before in zip(frozen, packed):
        assert after.dtype == before.dtype
        np.testing.assert_array_equal(after, before)
    # Merged into float weights, the model computes what the adapted one does (the
    # example's compiled loss, on a batch of its shape: no new compilation).
    tokens = rng.integers(0, 256, (module.SMALL.batch, module.SMALL.seq_len + 1))
    np.testing.assert_allclose(module._eval_loss(models["merged_float"], tokens),
                               module._eval_loss(models["qlora"], tokens), rtol=1e-5)
    assert nbytes(models["merged_int4"]) == nbytes(models["int4"])
    for name in ("eager", "lazy", "sharded"):
        assert_bits_equal(models["loaded"][name], models["int4"])


@pytest.mark.slow
@pytest.mark.exhaustive   # the full tier; CI runs this example's script
def test_example_notebook(tmp_path):
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(EXAMPLES / "qlora_char_gpt.ipynb", as_version=4)
    os.environ["ZENAX_EXAMPLES_SMALL"] = "1"
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    text = "\n".join(out.get("text", "") for cell in nb.cells
                     for out in cell.get("outputs", []))
    assert "QLoRA, 4-bit base" in text and "bit-identical after training: True" in text
    assert any("image/png" in out.get("data", {}) for cell in nb.cells
               for out in cell.get("outputs", []))
