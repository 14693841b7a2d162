"""Attention vs JAX: ``dot_product_attention`` against ``jax.nn.dot_product_attention``
(forward, gradients, jit, vmap), the mask helpers against NumPy, ``MultiHeadAttention``
against the same layer written in jax.numpy, and KV-cache decoding against the full
forward pass."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.models.attention import (KVCache, MultiHeadAttention, combine_masks,
                                    dot_product_attention, make_attention_mask,
                                    make_causal_mask)

from module_oracle import check_module, named_params
from oracle import assert_close

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

rng = np.random.default_rng(0)


def normal(*shape):
    return rng.normal(size=shape).astype(np.float32)


# ## dot_product_attention vs jax.nn.dot_product_attention

def _case(name):
    """(q, k, v, bias, mask, kwargs) for one configuration."""
    b, t, s, n, k, h = 2, 3, 5, 4, 4, 8
    if name == "unbatched":
        return normal(t, n, h), normal(s, n, h), normal(s, n, h), None, None, {}
    if name == "grouped":        # 4 query heads read 2 key/value heads
        return normal(b, t, n, h), normal(b, s, 2, h), normal(b, s, 2, h), None, None, {}
    if name == "multi_query":
        return normal(b, t, n, h), normal(b, s, 1, h), normal(b, s, 1, h), None, None, {}
    q, kk, v = normal(b, t, n, h), normal(b, s, k, h), normal(b, s, k, h)
    if name == "bias_mask":
        return q, kk, v, normal(1, n, t, s), rng.random((b, 1, t, s)) > 0.3, {}
    if name == "causal_scale":
        return q, kk, v, None, None, {"is_causal": True, "scale": 0.3}
    if name == "causal_mask":
        return q, kk, v, normal(b, 1, 1, s), rng.random((b, n, t, s)) > 0.5, {"is_causal": True}
    raise ValueError(name)


CASES = ["unbatched", "grouped", "multi_query", "bias_mask", "causal_scale", "causal_mask"]


@pytest.mark.parametrize("name", CASES)
def test_dot_product_attention_matches_jax(name):
    q, k, v, bias, mask, kw = _case(name)
    expected = jax.jit(lambda *a: jax.nn.dot_product_attention(*a, **kw))(q, k, v, bias, mask)
    np.testing.assert_allclose(dot_product_attention(q, k, v, bias, mask, **kw), expected,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        zenax.jit(lambda *a: dot_product_attention(*a, **kw))(q, k, v, bias, mask),
        expected, rtol=1e-5, atol=1e-6)

    def loss(attention, numpy):
        return lambda q, k, v, b: numpy.sum(numpy.sin(attention(q, k, v, b, mask, **kw)))
    argnums = (0, 1, 2) if bias is None else (0, 1, 2, 3)
    ours = zenax.grad(loss(dot_product_attention, znp), argnums)(q, k, v, bias)
    theirs = jax.jit(jax.grad(loss(jax.nn.dot_product_attention, jnp), argnums))(q, k, v, bias)
    assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_dot_product_attention_under_vmap():
    q, k, v, bias, mask, _ = _case("bias_mask")
    f = lambda q, k, v, b: dot_product_attention(q, k, v, b[None], is_causal=True)  # noqa: E731
    g = lambda q, k, v, b: jax.nn.dot_product_attention(q, k, v, b[None],  # noqa: E731
                                                        is_causal=True)
    bias = normal(2, 4, 3, 5)
    np.testing.assert_allclose(zenax.vmap(f)(q, k, v, bias), jax.vmap(g)(q, k, v, bias),
                               rtol=1e-5, atol=1e-6)


def test_fully_masked_rows_are_uniform_as_in_jax():
    q, k, v, _, _, _ = _case("unbatched")
    mask = np.zeros((1, 4, 3, 5), bool)
    np.testing.assert_allclose(dot_product_attention(q, k, v, mask=mask),
                               jax.nn.dot_product_attention(q, k, v, mask=mask), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("args, match", [
    ((normal(3, 8), normal(5, 8), normal(5, 8)), "rank >= 3"),
    ((normal(3, 4, 8), normal(5, 4, 8), normal(6, 4, 8)), "same shape"),
    ((normal(3, 4, 8), normal(5, 4, 6), normal(5, 4, 6)), "agree in the batch"),
    ((normal(3, 4, 8), normal(5, 3, 8), normal(5, 3, 8)), "multiple of"),
])
def test_dot_product_attention_shape_errors(args, match):
    with pytest.raises(ValueError, match=f"dot_product_attention: .*{match}"):
        dot_product_attention(*args)


def test_dot_product_attention_mask_errors():
    q = normal(3, 4, 8)
    with pytest.raises(ValueError, match="mask must be boolean.*bias="):
        dot_product_attention(q, q, q, mask=np.ones((1, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 3\) does not broadcast"):
        dot_product_attention(q, q, q, mask=np.ones((2, 3), bool))


# ## Mask helpers vs NumPy

def test_make_causal_mask():
    mask = make_causal_mask(np.zeros((2, 4)))
    assert mask.shape == (2, 1, 4, 4) and mask.dtype == np.bool_
    np.testing.assert_array_equal(mask, np.broadcast_to(np.tril(np.ones((4, 4), bool)),
                                                        (2, 1, 4, 4)))
    assert make_causal_mask(np.zeros(3), extra_batch_dims=2).shape == (1, 1, 1, 3, 3)


def test_make_attention_mask_and_combine():
    valid_q = np.array([[True, True, False], [True, False, False]])
    valid_k = np.array([[True, True, True, False], [True, True, False, False]])
    expected = valid_q[:, None, :, None] & valid_k[:, None, None, :]
    np.testing.assert_array_equal(make_attention_mask(valid_q, valid_k), expected)
    pairwise = make_attention_mask(np.arange(3.0)[None], np.arange(4.0)[None], znp.greater,
                                   dtype=np.float32)
    np.testing.assert_array_equal(pairwise, (np.arange(3.0)[:, None] > np.arange(4.0))[None, None])
    causal = np.tril(np.ones((3, 4), bool))
    np.testing.assert_array_equal(combine_masks(None, expected, causal), expected & causal)
    assert combine_masks(None, None) is None


# ## MultiHeadAttention vs the same layer in jax.numpy

def reference_mha(p, x, context=None, mask=None, is_causal=False, num_heads=2, name=""):
    """MultiHeadAttention written directly in JAX, reading the zenax module's weights (those
    of the sub-module at path ``name`` when it is part of a bigger model)."""
    context = x if context is None else context

    def proj(proj_name, y):
        return y @ p[f"{name}.{proj_name}.weight"] + p[f"{name}.{proj_name}.bias"]

    def heads(y):
        return y.reshape(*y.shape[:-1], num_heads, -1)
    q, k, v = heads(proj("query_proj", x)), heads(proj("key_proj", context)), \
        heads(proj("value_proj", context))
    logits = jnp.einsum("...tnh,...snh->...nts", q, k) / np.sqrt(q.shape[-1])
    if is_causal:
        mask = np.tril(np.ones(logits.shape[-2:], bool)) & (True if mask is None else mask)
    if mask is not None:
        logits = jnp.where(mask, logits, -1e30)
    out = jnp.einsum("...nts,...snh->...tnh", jax.nn.softmax(logits, -1), v)
    return proj("output_proj", out.reshape(*out.shape[:-2], -1))


def _mha(**kw):
    return MultiHeadAttention(2, 8, key=zenax.random.PRNGKey(0), **kw)


def test_self_attention_matches_jax():
    check_module(_mha(), lambda m, x: m(x), jax.jit(reference_mha), normal(3, 5, 8),
                 vmap_axes=(0,))


def test_causal_self_attention_matches_jax():
    check_module(_mha(), lambda m, x: m(x, is_causal=True),
                 jax.jit(lambda p, x: reference_mha(p, x, is_causal=True)), normal(3, 5, 8),
                 vmap_axes=(0,))


def test_cross_attention_with_padding_mask_matches_jax():
    mha = _mha(kv_features=6)
    valid = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], bool)
    mask = make_attention_mask(np.ones((3, 5), bool), valid)
    check_module(mha, lambda m, x, c: m(x, c, mask=mask),
                 jax.jit(lambda p, x, c: reference_mha(p, x, c, mask=np.asarray(mask))),
                 normal(3, 5, 8), normal(3, 4, 6))


def test_attention_dropout_matches_jax_with_the_same_key():
    mha = _mha(dropout_rate=0.3)
    x, key = normal(2, 5, 8), zenax.random.PRNGKey(7)
    p = named_params(mha)

    @jax.jit
    def reference(p, x):      # as reference_mha, with the weights dropped by jax.random
        q = (x @ p[".query_proj.weight"] + p[".query_proj.bias"]).reshape(2, 5, 2, 4)
        k = (x @ p[".key_proj.weight"] + p[".key_proj.bias"]).reshape(2, 5, 2, 4)
        v = (x @ p[".value_proj.weight"] + p[".value_proj.bias"]).reshape(2, 5, 2, 4)
        w = jax.nn.softmax(jnp.einsum("btnh,bsnh->bnts", q, k) / 2.0, -1)
        keep = jax.random.bernoulli(jax.random.PRNGKey(7), 0.7, w.shape)
        w = jnp.where(keep, w / 0.7, 0.0)
        out = jnp.einsum("bnts,bsnh->btnh", w, v).reshape(2, 5, 8)
        return out @ p[".output_proj.weight"] + p[".output_proj.bias"]
    np.testing.assert_allclose(mha(x, key=key), reference(p, x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mha(x, training=False), reference_mha(p, x), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="Dropout: training=True needs a PRNG key"):
        mha(x)


# ## KV cache

@pytest.mark.parametrize("is_causal", [True, False])
def test_kv_cache_decoding_equals_full_forward(is_causal):
    mha = _mha()
    x = normal(3, 6, 8)
    cache = mha.init_cache((3,), max_length=8)
    assert isinstance(cache, KVCache) and cache.key.shape == (3, 8, 2, 4)
    outs = []
    for lo, hi in [(0, 3), (3, 4), (4, 6)]:     # prefill 3 positions, then 1, then 2
        y, cache = mha(x[:, lo:hi], is_causal=is_causal, cache=cache)
        outs.append(y)
        assert int(cache.index) == hi
    if is_causal:      # each position saw exactly its prefix: the full causal pass
        expected = reference_mha(named_params(mha), x, is_causal=True)
        np.testing.assert_allclose(np.concatenate(outs, 1), expected, rtol=1e-5, atol=1e-6)
    else:              # the last chunk saw every position
        expected = reference_mha(named_params(mha), x)[:, 4:]
        np.testing.assert_allclose(outs[-1], expected, rtol=1e-5, atol=1e-6)


def test_kv_cache_decoding_under_jit_compiles_once():
    mha = _mha()
    x = normal(2, 5, 8)
    step = zenax.jit(lambda m, x, c: m(x, is_causal=True, cache=c))
    cache = mha.init_cache((2,), max_length=5)
    outs = []
    for t in range(5):
        y, cache = step(mha, x[:, t:t + 1], cache)
        outs.append(y)
    expected = reference_mha(named_params(mha), x, is_causal=True)
    np.testing.assert_allclose(np.concatenate(outs, 1), expected, rtol=1e-5, atol=1e-6)
    assert step.cache_stats().compiles == 1


def test_kv_cache_errors():
    mha = _mha()
    cache = mha.init_cache((2,), max_length=4)
    with pytest.raises(ValueError, match="5 new positions do not fit a KVCache of max_length=4"):
        mha(normal(2, 5, 8), cache=cache)
    with pytest.raises(ValueError, match=r"init_cache\(x.shape\[:-2\], max_length\)"):
        mha(normal(3, 1, 8), cache=cache)
    with pytest.raises(ValueError, match="cache= is for self-attention"):
        mha(normal(2, 1, 8), normal(2, 3, 8), cache=cache)
    with pytest.raises(ValueError, match="MultiHeadAttention: mask must be boolean"):
        mha(normal(2, 1, 8), cache=cache, mask=np.ones((1, 1, 4), np.float32))


def test_constructor_and_call_errors():
    with pytest.raises(ValueError, match="features=10 must be a multiple of num_heads=4"):
        MultiHeadAttention(4, 10, key=zenax.random.PRNGKey(0))
    with pytest.raises(ValueError, match=r"built for cross-attention \(kv_features=6, "
                                         r"features=8\), called without a context"):
        _mha(kv_features=6)(normal(2, 3, 8))
