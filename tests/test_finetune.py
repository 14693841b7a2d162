"""Fine-tuning end to end: a BERT pretrained (briefly, masked-LM) then fine-tuned on a
classification task with its embeddings frozen by path, and the pretrained encoder
carried over by a safetensors checkpoint; frozen weights stay bit-identical."""
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import io, losses, optim
from zenax.models import combine, partition, path_matches
from zenax.models.bert import BertConfig, BertForMaskedLM, BertForSequenceClassification

pytestmark = pytest.mark.slow   # end to end: pretrains and fine-tunes a model

CONFIG = BertConfig(vocab_size=12, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=64, max_position_embeddings=16, num_labels=2)
MASK = 11            # the [MASK] token
T = 10


def _tree_equal(a, b) -> bool:
    la, lb = zenax.tree_util.tree_leaves(a), zenax.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(np.array_equal(np.asarray(x), np.asarray(y))
                                      for x, y in zip(la, lb))


def _pretrain(steps=60):
    """Masked-LM on sequences that repeat one token: a masked token is any visible one."""
    model = BertForMaskedLM(CONFIG, key=zenax.random.PRNGKey(0))
    optimizer = optim.adam(3e-3)
    opt_state = optimizer.init(model)
    rng = np.random.default_rng(0)

    @zenax.jit
    def step(model, opt_state, ids, targets, where):
        def loss_fn(m):
            return losses.cross_entropy(m(ids, training=False), targets, where=where)
        loss, grads = zenax.value_and_grad(loss_fn)(model)
        updates, opt_state = optimizer.update(grads, opt_state, model)
        return optim.apply_updates(model, updates), opt_state, loss

    history = []
    for _ in range(steps):
        targets = np.repeat(rng.integers(0, 10, (16, 1)), T, axis=1)
        where = rng.random((16, T)) < 0.3
        ids = np.where(where, MASK, targets)
        model, opt_state, loss = step(model, opt_state, ids, targets, where)
        history.append(float(loss))
    return model, history


@pytest.mark.exhaustive   # the full tier; CI covers LoRA and frozen training in test_lora.py
def test_pretrain_then_finetune_classifier_with_frozen_embeddings(tmp_path):
    mlm, history = _pretrain()
    assert np.mean(history[-5:]) < np.mean(history[:5]) - 0.5

    # Carry the pretrained encoder over through a checkpoint, into a classifier.
    io.save(tmp_path / "encoder.safetensors", mlm.bert)
    clf = BertForSequenceClassification(CONFIG, key=zenax.random.PRNGKey(1))
    # The MLM encoder has no pooler: load the rest, keep the classifier's fresh pooler.
    pretrained = io.load(tmp_path / "encoder.safetensors", like=clf.bert.replace(pooler=None))
    clf = clf.replace(bert=pretrained.replace(pooler=clf.bert.pooler))
    assert _tree_equal(clf.bert.replace(pooler=None), mlm.bert)

    # Task: does the sequence contain token 7?  Freeze the embeddings by path.
    frozen, trainable = partition(clf, path_matches(".bert.embeddings.*"), with_path=True)
    optimizer = optim.adamw(3e-3, weight_decay=0.0)
    opt_state = optimizer.init(trainable)

    @zenax.jit
    def step(trainable, opt_state, ids, labels):
        def loss_fn(t):
            return losses.cross_entropy(combine(t, frozen)(ids, training=False), labels)
        loss, grads = zenax.value_and_grad(loss_fn)(trainable)
        updates, opt_state = optimizer.update(grads, opt_state, trainable)
        return optim.apply_updates(trainable, updates), opt_state, loss

    rng = np.random.default_rng(1)

    def batch(n):
        ids = rng.integers(0, 7, (n, T))
        labels = rng.integers(0, 2, n)
        pos = rng.integers(0, T, n)
        ids[labels == 1, pos[labels == 1]] = 7
        return ids, labels

    for _ in range(120):
        trainable, opt_state, loss = step(trainable, opt_state, *batch(32))
    tuned = combine(trainable, frozen)
    ids, labels = batch(256)
    accuracy = float(losses.accuracy(tuned(ids, training=False), labels))
    assert accuracy > 0.9, accuracy
    # The frozen embeddings are bit-identical to the pretrained ones; the rest moved.
    assert _tree_equal(tuned.bert.embeddings, mlm.bert.embeddings)
    moved = [not np.array_equal(np.asarray(a), np.asarray(b)) for a, b in
             zip(zenax.tree_util.tree_leaves(tuned.bert.layers),
                 zenax.tree_util.tree_leaves(mlm.bert.layers))]
    assert all(moved)
