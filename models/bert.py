"""BERT: word + position + token-type embeddings, a post-LN Transformer encoder and a
pooler; ``BertForMaskedLM`` (tied decoder) and ``BertForSequenceClassification`` heads;
``from_hf_bert`` / ``load_bert`` read Hugging Face checkpoints.

>>> import zenax, zenax.numpy as jnp
>>> config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2,
...                     num_attention_heads=4, intermediate_size=64)
>>> model = BertForMaskedLM(config, key=zenax.random.PRNGKey(0))
>>> ids = jnp.array([[2, 7, 9, 0]])
>>> model(ids, attention_mask=jnp.array([[1, 1, 1, 0]])).shape
(1, 4, 100)
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable, Mapping

import numpy as np

import zenax.lax.jnp as jnp
from zenax.lax import random

from . import initializers
from .layers import Dropout, Embedding, Linear
from .module import Module, field
from .normalization import LayerNorm
from .transformer import (HFStateDict, TransformerBlock, fill_module, hf_activation,
                          read_hf_checkpoint, split_keys)


@dataclasses.dataclass(frozen=True)
class BertConfig:
    """BERT hyperparameters, under the names of Hugging Face's ``BertConfig``
    (``dropout`` stands for its ``hidden_dropout_prob`` and
    ``attention_probs_dropout_prob``; ``num_labels`` sizes the classification head)."""
    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    dropout: float = 0.0
    initializer_range: float = 0.02
    num_labels: int = 2

    @classmethod
    def from_hf(cls, config: Mapping[str, Any]) -> "BertConfig":
        """The config of a Hugging Face ``config.json`` (a dict); other keys are ignored.

        >>> BertConfig.from_hf({"hidden_size": 64, "id2label": {"0": "a", "1": "b",
        ...                                                     "2": "c"}}).num_labels
        3
        """
        names = {f.name for f in dataclasses.fields(cls)} - {"dropout", "num_labels"}
        values = {k: v for k, v in config.items() if k in names}
        if "hidden_dropout_prob" in config:
            values["dropout"] = config["hidden_dropout_prob"]
        if "id2label" in config:
            values["num_labels"] = len(config["id2label"])
        elif "num_labels" in config:
            values["num_labels"] = config["num_labels"]
        return cls(**values)


def _check_ids(caller: str, name: str, ids, max_length: int | None = None):
    ids = jnp.asarray(ids)
    if ids.ndim == 0 or not jnp.issubdtype(ids.dtype, jnp.integer):
        raise TypeError(f"{caller}: {name} must be an integer array [..., T], got "
                        f"{ids.dtype}{list(ids.shape)}.")
    if max_length is not None and ids.shape[-1] > max_length:
        raise ValueError(f"{caller}: {ids.shape[-1]} tokens exceed max_position_embeddings="
                         f"{max_length}; truncate the input.")
    return ids


class BertEmbeddings(Module):
    """``LayerNorm(word[ids] + position[0..T) + token_type[type_ids])`` then dropout."""
    word_embeddings: Embedding
    position_embeddings: Embedding
    token_type_embeddings: Embedding
    norm: LayerNorm
    dropout: Dropout

    def __init__(self, config: BertConfig, *, key, dtype=np.float32):
        init = initializers.normal(config.initializer_range)
        k_word, k_pos, k_type = random.split(key, 3)
        self.word_embeddings = Embedding(config.vocab_size, config.hidden_size, key=k_word,
                                         dtype=dtype, embedding_init=init)
        self.position_embeddings = Embedding(config.max_position_embeddings,
                                             config.hidden_size, key=k_pos, dtype=dtype,
                                             embedding_init=init)
        self.token_type_embeddings = Embedding(config.type_vocab_size, config.hidden_size,
                                               key=k_type, dtype=dtype, embedding_init=init)
        self.norm = LayerNorm(config.hidden_size, config.layer_norm_eps, dtype=dtype)
        self.dropout = Dropout(config.dropout)

    def __call__(self, input_ids, token_type_ids=None, *, key=None, training: bool = True):
        t = input_ids.shape[-1]
        x = self.word_embeddings(input_ids) + self.position_embeddings.weight[:t]
        if token_type_ids is None:
            x = x + self.token_type_embeddings.weight[0]
        else:
            x = x + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.norm(x), key=key, training=training)


class BertModel(Module):
    """The BERT encoder: ``model(input_ids [..., T]) -> hidden states [..., T,
    hidden_size]``; :meth:`pool` gives the pooled ``[CLS]`` vector (when built with
    ``add_pooling_layer=True``).

    ``token_type_ids`` (segment ids) default to 0; ``attention_mask`` (1 or True for real
    tokens, 0 for padding, ``[..., T]``) hides padding keys from every query, as HF's.
    """
    embeddings: BertEmbeddings
    layers: tuple
    pooler: Linear | None
    config: BertConfig = field(static=True)

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True, *, key,
                 dtype=np.float32):
        if config.hidden_size % config.num_attention_heads:
            raise ValueError(f"BertModel: hidden_size={config.hidden_size} must be a "
                             f"multiple of num_attention_heads={config.num_attention_heads}.")
        init = initializers.normal(config.initializer_range)
        k_emb, k_pool, *k_layers = random.split(key, 2 + config.num_hidden_layers)
        self.embeddings = BertEmbeddings(config, key=k_emb, dtype=dtype)
        self.layers = tuple(
            TransformerBlock(config.hidden_size, config.num_attention_heads,
                             config.intermediate_size, pre_norm=False,
                             dropout_rate=config.dropout,
                             activation=hf_activation(config.hidden_act),
                             eps=config.layer_norm_eps, key=k, dtype=dtype, kernel_init=init)
            for k in k_layers)
        self.pooler = (Linear(config.hidden_size, config.hidden_size, key=k_pool, dtype=dtype,
                              kernel_init=init) if add_pooling_layer else None)
        self.config = config

    def __call__(self, input_ids, token_type_ids=None, attention_mask=None, *, key=None,
                 training: bool = True):
        input_ids = _check_ids("BertModel", "input_ids", input_ids,
                               self.config.max_position_embeddings)
        if token_type_ids is not None:
            token_type_ids = _check_ids("BertModel", "token_type_ids", token_type_ids)
        mask = None
        if attention_mask is not None:
            # [..., T] -> [..., 1 (heads), 1 (queries), T (keys)]: padding is hidden as a key.
            mask = jnp.asarray(attention_mask).astype(bool)[..., None, None, :]
        k_emb, *k_layers = split_keys(key, 1 + len(self.layers))
        x = self.embeddings(input_ids, token_type_ids, key=k_emb, training=training)
        for layer, k in zip(self.layers, k_layers):
            x = layer(x, mask=mask, key=k, training=training)
        return x

    def pool(self, hidden):
        """``tanh(dense(hidden[..., 0, :]))``: the ``[CLS]`` summary used for
        classification."""
        if self.pooler is None:
            raise ValueError("BertModel.pool: this model has no pooler; build it with "
                             "add_pooling_layer=True.")
        return jnp.tanh(self.pooler(hidden[..., 0, :]))


class BertForMaskedLM(Module):
    """BERT with the masked-LM head: ``transform`` (dense, activation, LayerNorm), then
    logits against the word embeddings (tied) plus ``bias``.  Returns ``[..., T,
    vocab_size]``."""
    bert: BertModel
    transform: Linear
    transform_norm: LayerNorm
    bias: Any
    activation: Callable = field(static=True)

    def __init__(self, config: BertConfig, *, key, dtype=np.float32):
        k_bert, k_transform = random.split(key)
        self.bert = BertModel(config, add_pooling_layer=False, key=k_bert, dtype=dtype)
        self.transform = Linear(config.hidden_size, config.hidden_size, key=k_transform,
                                dtype=dtype,
                                kernel_init=initializers.normal(config.initializer_range))
        self.transform_norm = LayerNorm(config.hidden_size, config.layer_norm_eps, dtype=dtype)
        self.bias = jnp.zeros((config.vocab_size,), dtype)
        self.activation = hf_activation(config.hidden_act)

    def __call__(self, input_ids, token_type_ids=None, attention_mask=None, *, key=None,
                 training: bool = True):
        h = self.bert(input_ids, token_type_ids, attention_mask, key=key, training=training)
        h = self.transform_norm(self.activation(self.transform(h)))
        return self.bert.embeddings.word_embeddings.attend(h) + self.bias


class BertForSequenceClassification(Module):
    """BERT with a classifier on the pooled ``[CLS]`` vector: ``[..., T] -> [...,
    num_labels]`` logits (dropout before the classifier while training)."""
    bert: BertModel
    dropout: Dropout
    classifier: Linear

    def __init__(self, config: BertConfig, *, key, dtype=np.float32):
        k_bert, k_cls = random.split(key)
        self.bert = BertModel(config, add_pooling_layer=True, key=k_bert, dtype=dtype)
        self.dropout = Dropout(config.dropout)
        self.classifier = Linear(config.hidden_size, config.num_labels, key=k_cls, dtype=dtype,
                                 kernel_init=initializers.normal(config.initializer_range))

    def __call__(self, input_ids, token_type_ids=None, attention_mask=None, *, key=None,
                 training: bool = True):
        k_bert, k_drop = split_keys(key, 2)
        h = self.bert(input_ids, token_type_ids, attention_mask, key=k_bert,
                      training=training)
        pooled = self.dropout(self.bert.pool(h), key=k_drop, training=training)
        return self.classifier(pooled)


# ## Hugging Face BERT checkpoints

def _take_norm(sd: HFStateDict, hf: str) -> tuple[np.ndarray, np.ndarray]:
    """A LayerNorm's (weight, bias); old checkpoints call them gamma and beta."""
    if sd.has(hf + ".gamma"):
        return sd.take(hf + ".gamma"), sd.take(hf + ".beta")
    return sd.take(hf + ".weight"), sd.take(hf + ".bias")


def _bert_arrays(sd: HFStateDict, config: BertConfig, with_pooler: bool) -> dict[str, Any]:
    """The BertModel's weights, keyed by our paths (relative to the BertModel)."""
    arrays = {}

    def linear(ours: str, hf: str):     # HF's nn.Linear stores [out, in]; ours is [in, out].
        arrays[ours + ".weight"] = sd.take(hf + ".weight").T
        arrays[ours + ".bias"] = sd.take(hf + ".bias")

    def norm(ours: str, hf: str):
        arrays[ours + ".weight"], arrays[ours + ".bias"] = _take_norm(sd, hf)

    for name in ("word_embeddings", "position_embeddings", "token_type_embeddings"):
        arrays[f".embeddings.{name}.weight"] = sd.take(f"embeddings.{name}.weight")
    norm(".embeddings.norm", "embeddings.LayerNorm")
    for i in range(config.num_hidden_layers):
        hf, ours = f"encoder.layer.{i}.", f".layers[{i}]."
        for proj, hf_name in (("query_proj", "query"), ("key_proj", "key"),
                              ("value_proj", "value")):
            linear(ours + "attention." + proj, hf + "attention.self." + hf_name)
        linear(ours + "attention.output_proj", hf + "attention.output.dense")
        norm(ours + "attention_norm", hf + "attention.output.LayerNorm")
        linear(ours + "mlp.layers[0]", hf + "intermediate.dense")
        linear(ours + "mlp.layers[1]", hf + "output.dense")
        norm(ours + "mlp_norm", hf + "output.LayerNorm")
    if with_pooler:
        linear(".pooler", "pooler.dense")
    return arrays


def from_hf_bert(state_dict: Mapping[str, Any], config: BertConfig | Mapping[str, Any]):
    """A BERT model holding the weights of a Hugging Face state dict; the keys decide which:
    ``cls.predictions.*`` -> :class:`BertForMaskedLM`, ``classifier.*`` ->
    :class:`BertForSequenceClassification`, neither -> :class:`BertModel`.

    Keys are HF's (``bert.embeddings.word_embeddings.weight``,
    ``bert.encoder.layer.0.attention.self.query.weight``, ...; the ``bert.`` prefix is
    absent in bare ``BertModel`` checkpoints).  HF's ``nn.Linear`` weights are ``[out,
    in]`` and are transposed.  The MLM decoder weight, if present, must be the tied word
    embedding.  ``config`` is a :class:`BertConfig` or the dict of HF's ``config.json``::

        hf_model = transformers.BertForMaskedLM.from_pretrained(...)
        state = {k: v.numpy() for k, v in hf_model.state_dict().items()}
        model = from_hf_bert(state, hf_model.config.to_dict())
    """
    caller = "from_hf_bert"
    config = config if isinstance(config, BertConfig) else BertConfig.from_hf(config)
    keys = list(state_dict)
    prefix = "bert." if any(k.startswith("bert.") for k in keys) else ""
    sd = HFStateDict(state_dict, caller, prefix)
    if any(k.startswith("cls.predictions.") for k in keys):
        arrays = {".bert" + k: v for k, v in _bert_arrays(sd, config, False).items()}
        head = sd.scoped("cls.predictions.")
        arrays[".transform.weight"] = head.take("transform.dense.weight").T
        arrays[".transform.bias"] = head.take("transform.dense.bias")
        arrays[".transform_norm.weight"], arrays[".transform_norm.bias"] = \
            _take_norm(head, "transform.LayerNorm")
        arrays[".bias"] = head.take("bias")
        _check_tied(head, "decoder.weight", arrays[".bert.embeddings.word_embeddings.weight"])
        _check_tied(head, "decoder.bias", arrays[".bias"])
        # A BertForPreTraining checkpoint also has the pooler and next-sentence head.
        head.finish(ignored=lambda n: n.startswith((prefix + "pooler.", "cls.seq_relationship.",
                                                    prefix + "embeddings.position_ids")))
        build = lambda: BertForMaskedLM(config, key=random.PRNGKey(0))  # noqa: E731
    elif any(k.startswith("classifier.") for k in keys):
        arrays = {".bert" + k: v for k, v in _bert_arrays(sd, config, True).items()}
        head = sd.scoped("")
        arrays[".classifier.weight"] = head.take("classifier.weight").T
        arrays[".classifier.bias"] = head.take("classifier.bias")
        head.finish(ignored=lambda n: n == prefix + "embeddings.position_ids")
        build = lambda: BertForSequenceClassification(config, key=random.PRNGKey(0))  # noqa: E731
    else:
        with_pooler = sd.has("pooler.dense.weight")
        arrays = _bert_arrays(sd, config, with_pooler)
        sd.finish(ignored=lambda n: n == prefix + "embeddings.position_ids")
        build = lambda: BertModel(config, with_pooler, key=random.PRNGKey(0))  # noqa: E731
    return fill_module(build, arrays, caller)


def _check_tied(head: HFStateDict, name: str, ours: np.ndarray) -> None:
    if head.has(name):
        theirs = head.take(name)
        if theirs.shape != ours.shape or not np.array_equal(theirs, ours):
            raise ValueError(f"from_hf_bert: cls.predictions.{name} differs from the weight "
                             "BertForMaskedLM ties it to (untied heads are not supported).")


def load_bert(path: str | os.PathLike):
    """Load a Hugging Face BERT checkpoint (see :func:`from_hf_bert`) from a local
    directory holding ``config.json`` and ``model.safetensors``::

        model = load_bert("checkpoints/bert-mlm")
        logits = model(input_ids, attention_mask=attention_mask, training=False)
    """
    return from_hf_bert(*read_hf_checkpoint(path, "load_bert"))
