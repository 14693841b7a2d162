"""BERT vs BERT written directly in jax.numpy from a Hugging Face-format state dict (HF's
key names, nn.Linear weights [out, in]): masked-LM and classification logits with padding
and segment ids, gradients w.r.t. every parameter (eager, jit), vmap; loading checkpoints
and their errors."""
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from safetensors.numpy import save_file

import zenax
from zenax.models.bert import (BertConfig, BertForMaskedLM, BertForSequenceClassification,
                               BertModel, from_hf_bert, load_bert)

from module_oracle import named_params
from oracle import assert_close

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

CONFIG = BertConfig(vocab_size=24, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=12, max_position_embeddings=10, num_labels=3)
rng = np.random.default_rng(0)


def hf_state_dict(head: str, config=CONFIG):
    """Random weights under BERT's HF names; ``head`` is "mlm", "cls" or "base"."""
    d, f = config.hidden_size, config.intermediate_size

    def w(*shape):
        return rng.normal(0, 0.5, shape).astype(np.float32)

    def linear(name, n_out, n_in):
        return {name + ".weight": w(n_out, n_in), name + ".bias": w(n_out)}

    def norm(name):
        return {name + ".weight": 1 + w(d), name + ".bias": w(d)}
    sd = {"embeddings.word_embeddings.weight": w(config.vocab_size, d),
          "embeddings.position_embeddings.weight": w(config.max_position_embeddings, d),
          "embeddings.token_type_embeddings.weight": w(config.type_vocab_size, d),
          **norm("embeddings.LayerNorm")}
    for i in range(config.num_hidden_layers):
        layer = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            sd.update(linear(layer + "attention.self." + name, d, d))
        sd.update({**linear(layer + "attention.output.dense", d, d),
                   **norm(layer + "attention.output.LayerNorm"),
                   **linear(layer + "intermediate.dense", f, d),
                   **linear(layer + "output.dense", d, f), **norm(layer + "output.LayerNorm")})
    if head != "mlm":
        sd.update(linear("pooler.dense", d, d))
    if head == "base":
        return sd
    sd = {"bert." + k: v for k, v in sd.items()}
    if head == "mlm":
        sd.update({"cls.predictions.bias": w(config.vocab_size),
                   **linear("cls.predictions.transform.dense", d, d),
                   **norm("cls.predictions.transform.LayerNorm")})
    else:
        sd.update(linear("classifier", config.num_labels, d))
    return sd


# ## BERT in jax.numpy, reading the HF state dict by name

def reference_bert(sd, ids, token_types, attention_mask, eps=1e-12, heads=2):
    """HF's BertForMaskedLM / BertForSequenceClassification / BertModel forward."""
    p = {k.removeprefix("bert."): jnp.asarray(v) for k, v in sd.items()}

    def ln(x, name):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / jnp.sqrt(var + eps) * p[name + ".weight"] + p[name + ".bias"]

    def dense(x, name):                       # torch.nn.Linear: x @ W.T + b
        return x @ p[name + ".weight"].T + p[name + ".bias"]

    t = ids.shape[-1]
    x = (p["embeddings.word_embeddings.weight"][ids]
         + p["embeddings.position_embeddings.weight"][:t]
         + p["embeddings.token_type_embeddings.weight"][token_types])
    x = ln(x, "embeddings.LayerNorm")
    additive = (1.0 - attention_mask[:, None, None, :]) * jnp.finfo(jnp.float32).min
    n_layer = len({k.split(".")[2] for k in p if k.startswith("encoder.layer.")})
    for i in range(n_layer):
        layer = f"encoder.layer.{i}."

        def heads_of(name):
            y = dense(x, layer + "attention.self." + name)
            return y.reshape(*y.shape[:-1], heads, -1)
        q, k, v = heads_of("query"), heads_of("key"), heads_of("value")
        scores = jnp.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1]) + additive
        ctx = jnp.einsum("bnts,bsnh->btnh", jax.nn.softmax(scores, -1), v).reshape(x.shape)
        x = ln(x + dense(ctx, layer + "attention.output.dense"),
               layer + "attention.output.LayerNorm")
        h = jax.nn.gelu(dense(x, layer + "intermediate.dense"), approximate=False)
        x = ln(x + dense(h, layer + "output.dense"), layer + "output.LayerNorm")
    if "cls.predictions.bias" in p:
        h = jax.nn.gelu(dense(x, "cls.predictions.transform.dense"), approximate=False)
        h = ln(h, "cls.predictions.transform.LayerNorm")
        return h @ p["embeddings.word_embeddings.weight"].T + p["cls.predictions.bias"]
    if "classifier.weight" in p:
        return dense(jnp.tanh(dense(x[:, 0], "pooler.dense")), "classifier")
    return x


IDS = rng.integers(0, CONFIG.vocab_size, (2, 6)).astype(np.int32)
TYPES = np.array([[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1]], np.int32)
MASK = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]], np.int32)   # padded second row


@pytest.mark.parametrize("head, cls", [("mlm", BertForMaskedLM),
                                       ("cls", BertForSequenceClassification)])
def test_logits_and_gradients_match_jax(head, cls):
    sd = hf_state_dict(head)
    model = from_hf_bert(sd, CONFIG)
    assert type(model) is cls

    def apply(m):
        return m(IDS, TYPES, MASK, training=False)
    reference = jax.jit(lambda sd: reference_bert(sd, IDS, TYPES, MASK.astype(np.float32)))
    expected = reference(sd)
    np.testing.assert_allclose(apply(model), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(zenax.jit(apply)(model), expected, rtol=1e-4, atol=1e-4)

    def loss(numpy, apply):
        return lambda m: numpy.sum(numpy.sin(apply(m)))
    # The HF -> zenax mapping only renames and transposes, so it carries JAX's gradients
    # w.r.t. the state dict onto the model's parameters.  The gradients reach ~4 (cls) and
    # ~60 (mlm); float32 rounding through both passes leaves ~1e-5 absolute in entries near
    # zero (1.3e-5 seen on another CPU), hence an absolute floor of 1e-4 next to rtol.
    expected_grads = jax.grad(loss(jnp, reference))({k: jnp.asarray(v) for k, v in sd.items()})
    expected_grads = from_hf_bert({k: np.asarray(v) for k, v in expected_grads.items()},
                                  CONFIG)
    assert_close(named_params(zenax.jit(zenax.grad(loss(zenax.numpy, apply)))(model)),
                 named_params(expected_grads), rtol=1e-4, atol=1e-4)
    if head == "mlm":     # eager gradients too (the classifier shares all but its head)
        assert_close(named_params(zenax.grad(loss(zenax.numpy, apply))(model)),
                     named_params(expected_grads), rtol=1e-4, atol=1e-4)


def test_base_model_without_prefix_under_vmap():
    sd = hf_state_dict("base")
    model = from_hf_bert(sd, CONFIG)
    assert type(model) is BertModel and model.pooler is not None
    expected = reference_bert(sd, IDS, TYPES, MASK.astype(np.float32))
    np.testing.assert_allclose(
        zenax.vmap(lambda i, t, m: model(i, t, m, training=False))(IDS, TYPES, MASK),
        expected, rtol=1e-4, atol=1e-4)


def test_padding_does_not_change_the_real_tokens():
    model = from_hf_bert(hf_state_dict("mlm"), CONFIG)
    f = zenax.jit(lambda m, ids: m(ids, TYPES, MASK, training=False))
    changed = IDS.copy()
    changed[1, 4:] = (changed[1, 4:] + 1) % CONFIG.vocab_size      # edit the padding only
    np.testing.assert_allclose(f(model, changed)[1, :4], f(model, IDS)[1, :4], rtol=1e-6,
                               atol=1e-6)


def test_new_models_and_default_token_types():
    config = BertConfig(vocab_size=24, hidden_size=8, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=12, dropout=0.1)
    model = BertForSequenceClassification(config, key=zenax.random.PRNGKey(0))
    ids = IDS
    logits = model(ids, training=False)
    assert logits.shape == (2, 2)
    np.testing.assert_allclose(logits, model(ids, np.zeros_like(ids), training=False),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="Dropout: training=True needs a PRNG key"):
        model(ids)
    mlm = BertForMaskedLM(config, key=zenax.random.PRNGKey(0))
    assert mlm(ids, key=zenax.random.PRNGKey(1)).shape == (2, 6, 24)
    assert mlm.bert.pooler is None


def test_load_bert_with_old_layer_norm_names_and_pretraining_heads(tmp_path):
    sd = hf_state_dict("mlm")
    model = from_hf_bert(sd, CONFIG)
    old = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias",
                                                                      "LayerNorm.beta"): v
           for k, v in sd.items()}
    # A BertForPreTraining checkpoint: also a pooler, a next-sentence head, a tied decoder.
    old.update({"bert.pooler.dense.weight": np.ones((8, 8), np.float32),
                "bert.pooler.dense.bias": np.ones(8, np.float32),
                "cls.seq_relationship.weight": np.ones((2, 8), np.float32),
                "cls.seq_relationship.bias": np.ones(2, np.float32),
                "cls.predictions.decoder.weight": sd["bert.embeddings.word_embeddings.weight"],
                "bert.embeddings.position_ids": np.arange(10)[None]})
    save_file(old, str(tmp_path / "model.safetensors"))
    (tmp_path / "config.json").write_text(json.dumps(
        {"vocab_size": 24, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
         "intermediate_size": 12, "max_position_embeddings": 10, "hidden_act": "gelu",
         "hidden_dropout_prob": 0.1, "id2label": {"0": "a", "1": "b", "2": "c"}}))
    loaded = load_bert(tmp_path / "model.safetensors")
    assert loaded.bert.config.dropout == 0.1 and loaded.bert.config.num_labels == 3
    assert_close(named_params(loaded), named_params(model), rtol=0, atol=0)


@pytest.mark.parametrize("change, error, match", [
    (lambda sd: sd.pop("bert.encoder.layer.1.output.dense.bias"), KeyError,
     "has no 'bert.encoder.layer.1.output.dense.bias'"),
    (lambda sd: sd.update({"bert.encoder.layer.2.output.dense.bias": np.ones(8, np.float32)}),
     ValueError, "weights this model does not use: 'bert.encoder.layer.2.output.dense.bias'"),
    (lambda sd: sd.update({"classifier.weight": np.ones((5, 8), np.float32)}), ValueError,
     r"\.classifier\.weight has shape \(8, 5\), the model expects \(8, 3\)"),
])
def test_from_hf_bert_errors(change, error, match):
    sd = hf_state_dict("cls")
    change(sd)
    with pytest.raises(error, match=f"from_hf_bert: .*{match}"):
        from_hf_bert(sd, CONFIG)


def test_model_errors():
    model = from_hf_bert(hf_state_dict("base"), CONFIG)
    with pytest.raises(ValueError, match="BertModel: 11 tokens exceed max_position_embeddings=10"):
        model(np.zeros((1, 11), np.int32))
    with pytest.raises(TypeError, match="BertModel: input_ids must be an integer array"):
        model(np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match="hidden_size=10 must be a multiple of"):
        BertModel(BertConfig(hidden_size=10, num_attention_heads=4), key=zenax.random.PRNGKey(0))
