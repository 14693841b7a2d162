"""Transformer blocks and stacks vs the same architectures written directly in jax.numpy
(reading the zenax modules' weights): forward, gradients w.r.t. every parameter, jit,
vmap; pre-LN and post-LN; causal masking; dropout with an explicit key."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
from zenax.models.attention import make_attention_mask
from zenax.models.transformer import (DecoderBlock, EncoderDecoder, TransformerBlock,
                                      TransformerEncoder, gelu_exact, hf_activation)

from module_oracle import check_module, named_params
from test_attention import reference_mha

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

rng = np.random.default_rng(0)
D, HEADS, FF = 8, 2, 12


def normal(*shape):
    return rng.normal(size=shape).astype(np.float32)


def key(i=0):
    return zenax.random.PRNGKey(i)


# ## The reference: the same layers in jax.numpy, reading weights by key path

def layer_norm(p, name, x, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + eps) * p[name + ".weight"] + p[name + ".bias"]


def linear(p, name, x):
    return x @ p[name + ".weight"] + p[name + ".bias"]


def attention(p, name, x, context=None, mask=None, causal=False):
    return reference_mha(p, x, context, mask, causal, HEADS, name)


def mlp(p, name, x, activation=jax.nn.gelu):
    return linear(p, name + ".layers[1]", activation(linear(p, name + ".layers[0]", x)))


def block(p, name, x, mask=None, causal=False, pre_norm=True, activation=jax.nn.gelu):
    if pre_norm:
        x = x + attention(p, name + ".attention", layer_norm(p, name + ".attention_norm", x),
                          mask=mask, causal=causal)
        return x + mlp(p, name + ".mlp", layer_norm(p, name + ".mlp_norm", x), activation)
    x = layer_norm(p, name + ".attention_norm",
                   x + attention(p, name + ".attention", x, mask=mask, causal=causal))
    return layer_norm(p, name + ".mlp_norm", x + mlp(p, name + ".mlp", x, activation))


def decoder_block(p, name, x, memory, mask=None, memory_mask=None, pre_norm=True):
    def sub(norm, fn, x):
        return x + fn(layer_norm(p, norm, x)) if pre_norm else layer_norm(p, norm, x + fn(x))
    x = sub(name + ".self_attention_norm",
            lambda h: attention(p, name + ".self_attention", h, mask=mask, causal=True), x)
    x = sub(name + ".cross_attention_norm",
            lambda h: attention(p, name + ".cross_attention", h, memory, mask=memory_mask), x)
    return sub(name + ".mlp_norm", lambda h: mlp(p, name + ".mlp", h), x)


# ## Blocks

@pytest.mark.parametrize("pre_norm, causal", [(True, True), (False, False)])
def test_transformer_block_matches_jax(pre_norm, causal):
    model = TransformerBlock(D, HEADS, FF, pre_norm=pre_norm, causal=causal, key=key())
    check_module(model, lambda m, x: m(x),
                 jax.jit(lambda p, x: block(p, "", x, causal=causal, pre_norm=pre_norm)),
                 normal(2, 5, D), tol=(1e-5, 1e-5), grad_tol=(1e-4, 1e-5),
                 vmap_axes=(0,) if causal else None)


def test_causal_block_ignores_future_tokens():
    model = TransformerBlock(D, HEADS, FF, causal=True, key=key())
    x = normal(2, 5, D)
    changed = x.copy()
    changed[:, 3:] = normal(2, 2, D)
    np.testing.assert_allclose(model(changed)[:, :3], model(x)[:, :3], rtol=1e-6, atol=1e-6)
    assert not np.allclose(model(changed)[:, 3:], model(x)[:, 3:])


def test_block_dropout_matches_jax_with_the_same_keys():
    model = TransformerBlock(D, HEADS, FF, dropout_rate=0.25, key=key())
    p, x = named_params(model), normal(2, 5, D)

    def drop(k, y):
        keep = jax.random.bernoulli(k, 0.75, y.shape)
        return jnp.where(keep, y / 0.75, 0.0)

    @jax.jit
    def reference(x):        # the block, with keys split as the module documents
        k_attn, k1, k2 = jax.random.split(jax.random.PRNGKey(3), 3)
        h = layer_norm(p, ".attention_norm", x)

        def heads(y):
            return y.reshape(2, 5, HEADS, -1)
        q, k, v = (heads(linear(p, f".attention.{n}_proj", h)) for n in ("query", "key", "value"))
        w = drop(k_attn, jax.nn.softmax(jnp.einsum("btnh,bsnh->bnts", q, k) / 2.0, -1))
        h = linear(p, ".attention.output_proj",
                   jnp.einsum("bnts,bsnh->btnh", w, v).reshape(2, 5, D))
        x = x + drop(k1, h)
        return x + drop(k2, mlp(p, ".mlp", layer_norm(p, ".mlp_norm", x)))
    np.testing.assert_allclose(model(x, key=key(3)), reference(x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model(x, training=False), block(p, "", x), rtol=1e-5, atol=1e-5)


def test_decoder_block_matches_jax():
    model = DecoderBlock(D, HEADS, FF, memory_features=6, pre_norm=False, key=key())
    memory_mask = make_attention_mask(np.ones((2, 5), bool),
                                      np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool))
    check_module(model, lambda m, x, mem: m(x, mem, memory_mask=memory_mask),
                 jax.jit(lambda p, x, mem: decoder_block(p, "", x, mem,
                                                         memory_mask=np.asarray(memory_mask),
                                                         pre_norm=False)),
                 normal(2, 5, D), normal(2, 4, 6), tol=(1e-5, 1e-5), grad_tol=(1e-4, 1e-5))


# ## Stacks

def test_encoder_with_padding_mask_matches_jax():
    model = TransformerEncoder(2, D, HEADS, FF, activation=gelu_exact, key=key())
    valid = np.array([[1, 1, 1, 1, 0], [1, 1, 0, 0, 0]], bool)
    mask = make_attention_mask(valid, valid)

    def reference(p, x):
        for i in range(2):
            x = block(p, f".blocks[{i}]", x, mask=np.asarray(mask),
                      activation=lambda y: jax.nn.gelu(y, approximate=False))
        return layer_norm(p, ".final_norm", x)
    check_module(model, lambda m, x: m(x, mask=mask), jax.jit(reference), normal(2, 5, D),
                 tol=(1e-5, 1e-5), grad_tol=(1e-4, 1e-5))


@pytest.mark.exhaustive   # the full tier; CI checks the blocks it is made of
def test_encoder_decoder_matches_jax_under_vmap():
    model = EncoderDecoder(1, 1, D, HEADS, FF, key=key())

    def reference(p, src, tgt):
        memory = layer_norm(p, ".encoder.final_norm", block(p, ".encoder.blocks[0]", src))
        tgt = decoder_block(p, ".decoder.blocks[0]", tgt, memory)
        return layer_norm(p, ".decoder.final_norm", tgt)
    check_module(model, lambda m, src, tgt: m(src, tgt), jax.jit(reference), normal(2, 4, D),
                 normal(2, 5, D), tol=(1e-5, 1e-5), grad_tol=(1e-4, 1e-5), vmap_axes=(0, 0))


def test_encoder_decoder_dropout_needs_a_key():
    model = EncoderDecoder(1, 1, D, HEADS, FF, dropout_rate=0.5, key=key())
    with pytest.raises(ValueError, match="Dropout: training=True needs a PRNG key"):
        model(normal(2, 4, D), normal(2, 5, D))


def test_hf_activation_names():
    x = zenax.numpy.linspace(-3.0, 3.0, 7)
    np.testing.assert_allclose(hf_activation("gelu")(x), jax.nn.gelu(x, approximate=False),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(hf_activation("gelu_new")(x), jax.nn.gelu(x, approximate=True),
                               rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="hf_activation: unknown activation 'gelu_fast'"):
        hf_activation("gelu_fast")

