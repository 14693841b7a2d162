"""Hugging Face interop: tiny randomly initialised ``transformers`` models (PyTorch, CPU),
saved with ``save_pretrained(..., safe_serialization=True)``, loaded into zenax: the same
logits, loss and greedy generation as transformers computes.

PyTorch and transformers take seconds to import, so they are imported when a test here
first runs (``_hf``), not when the file is collected (which every test worker does)."""
from __future__ import annotations

import numpy as np
import pytest

import zenax
from zenax.models.bert import (BertForMaskedLM, BertForSequenceClassification, from_hf_bert,
                               load_bert)
from zenax.models.gpt import generate, load_gpt2, loss

pytestmark = pytest.mark.slow   # end to end: loads PyTorch and Hugging Face models

rng = np.random.default_rng(0)


def _hf():
    """``(torch, transformers)``."""
    import torch
    import transformers
    transformers.logging.set_verbosity_error()
    return torch, transformers


def randomise(model):
    """Every parameter ~ N(0, 0.3), LayerNorms and biases included (HF initialises biases to
    zero and LayerNorms to one, which would hide a mis-mapped bias)."""
    torch, _ = _hf()
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
    return model.eval()


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    _, transformers = _hf()
    config = transformers.GPT2Config(vocab_size=40, n_positions=16, n_embd=16, n_layer=2,
                                     n_head=4, bos_token_id=None, eos_token_id=None)
    hf = randomise(transformers.GPT2LMHeadModel(config))
    path = tmp_path_factory.mktemp("gpt2")
    hf.save_pretrained(path, safe_serialization=True)
    return hf, load_gpt2(path)


def test_gpt2_logits_and_loss(gpt2):
    torch, _ = _hf()
    hf, model = gpt2
    ids = rng.integers(0, 40, (2, 9))
    with torch.no_grad():
        out = hf(torch.tensor(ids), labels=torch.tensor(ids))
    np.testing.assert_allclose(model(ids.astype(np.int32), training=False), out.logits.numpy(),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(loss(model, ids.astype(np.int32), training=False),
                               out.loss.numpy(), rtol=1e-5)


def test_gpt2_greedy_generation(gpt2):
    torch, _ = _hf()
    hf, model = gpt2
    prompt = rng.integers(1, 40, (2, 4))
    with torch.no_grad():
        expected = hf.generate(torch.tensor(prompt), max_new_tokens=6, do_sample=False,
                               pad_token_id=0)     # no eos token: all 6 steps run
    ours = generate(model, prompt.astype(np.int32), 6, key=zenax.random.PRNGKey(0), top_k=1)
    np.testing.assert_array_equal(ours, expected.numpy())


BERT = dict(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=24, max_position_embeddings=12, num_labels=3)


@pytest.mark.parametrize("hf_class, zenax_class", [
    ("BertForMaskedLM", BertForMaskedLM),
    ("BertForSequenceClassification", BertForSequenceClassification)])
def test_bert_logits(hf_class, zenax_class, tmp_path):
    torch, transformers = _hf()
    hf = randomise(getattr(transformers, hf_class)(transformers.BertConfig(**BERT)))
    hf.save_pretrained(tmp_path, safe_serialization=True)
    model = load_bert(tmp_path)
    assert type(model) is zenax_class
    ids = rng.integers(0, 50, (2, 8))
    types = np.array([[0] * 4 + [1] * 4, [0] * 3 + [1] * 5])
    mask = np.array([[1] * 8, [1] * 5 + [0] * 3])
    with torch.no_grad():
        expected = hf(torch.tensor(ids), attention_mask=torch.tensor(mask),
                      token_type_ids=torch.tensor(types)).logits.numpy()
    ours = model(ids.astype(np.int32), types.astype(np.int32), mask, training=False)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.exhaustive   # the full tier; CI loads BERT from a checkpoint
def test_bert_from_a_live_state_dict():
    torch, transformers = _hf()
    hf = randomise(transformers.BertForMaskedLM(transformers.BertConfig(**BERT)))
    state = {k: v.numpy() for k, v in hf.state_dict().items()}
    model = from_hf_bert(state, hf.config.to_dict())
    ids = rng.integers(0, 50, (1, 6))
    with torch.no_grad():
        expected = hf(torch.tensor(ids)).logits.numpy()
    np.testing.assert_allclose(model(ids.astype(np.int32), training=False), expected,
                               rtol=1e-4, atol=1e-4)
