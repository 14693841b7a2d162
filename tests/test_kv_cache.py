"""The GPT's key/value cache in float32, bfloat16 and int8 (``models/kv_cache.py``):
what a write stores and a read returns (NumPy's rounding as the oracle), decoding logits
and greedy generation against JAX (the full forward pass, full-recompute decoding, and
``bench.generation``'s jax.numpy twin with the same cache formats), the cache's bytes
measured from its arrays, and errors."""
import pathlib
import sys

import jax
import jax.numpy as jjnp
import ml_dtypes
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax.models.attention import KVCache, MultiHeadAttention
from zenax.models.gpt import GPT, GPTConfig, generate
from zenax.models.kv_cache import QuantizedKVCache, init_kv_cache

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # for bench/
from bench.generation import jax_forward, jax_generate, jax_init_caches, jax_params  # noqa: E402
from bench.gpt_twins import jax_logits  # noqa: E402  (GPT-2 written in JAX, no cache)

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

# Weights wider than GPT-2's N(0, 0.02), so that logits are spread and greedy tokens vary.
CONFIG = GPTConfig(vocab_size=48, n_positions=24, n_embd=32, n_layer=2, n_head=4,
                   initializer_range=0.3)
MODEL = GPT(CONFIG, key=zenax.random.PRNGKey(0))
TOKENS = np.random.default_rng(0).integers(0, CONFIG.vocab_size, CONFIG.n_positions
                                           ).astype(np.int32)
PROMPT = 4
# Largest logit error of a cache format over the float32 cache, as a fraction of the
# logits' standard deviation: bfloat16 keeps 8 significant bits of every element, int8
# rounds each element to 1/254 of its head vector's largest magnitude.
TOLERANCE = {"bfloat16": 0.05, "int8": 0.1}


def rng_normal(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ## One write, one read

def test_int8_write_reads_back_within_half_a_scale():
    k, v = rng_normal(2, 5, 3, 8), rng_normal(2, 5, 3, 8, seed=1)
    k[0, 1, 2] = 0.0                               # an all-zero head vector stays zero
    cache = init_kv_cache((2,), 7, num_heads=3, head_size=8, cache_dtype="int8")
    assert isinstance(cache, QuantizedKVCache) and cache.key.dtype == np.int8
    keys, values, cache = cache.write(jnp.asarray(k), jnp.asarray(v))
    k2 = rng_normal(2, 2, 3, 8, seed=2)
    keys, _, cache = cache.write(jnp.asarray(k2), jnp.asarray(k2))
    assert int(cache.index) == 7 and keys.dtype == np.float32
    written = np.concatenate([k, k2], axis=1)
    scale = np.abs(written).max(-1, keepdims=True) / 127
    np.testing.assert_allclose(cache.key_scale, scale[..., 0], rtol=1e-6)
    assert np.all(np.abs(np.asarray(keys) - written) <= scale / 2 * (1 + 1e-5))
    np.testing.assert_array_equal(keys[0, 1, 2], 0.0)
    expected_codes = np.round(written / np.where(scale == 0, 1, scale))
    np.testing.assert_array_equal(cache.key, expected_codes.astype(np.int8))
    np.testing.assert_allclose(values[:, :5], v, atol=np.abs(v).max() / 254 * (1 + 1e-5))


def test_bfloat16_cache_stores_bfloat16_and_reads_float32():
    k = rng_normal(4, 2, 8)
    cache = init_kv_cache((), 6, num_heads=2, head_size=8, cache_dtype=jnp.bfloat16)
    assert isinstance(cache, KVCache) and cache.key.dtype == jnp.bfloat16
    keys, values, cache = cache.write(jnp.asarray(k), jnp.asarray(2 * k))
    rounded = k.astype(ml_dtypes.bfloat16).astype(np.float32)
    np.testing.assert_array_equal(keys[:4], rounded)
    np.testing.assert_array_equal(values[4:], 0.0)
    assert keys.dtype == np.float32 and int(cache.index) == 4


# ## Decoding logits and greedy generation

@zenax.jit
def _decode(model, tokens, cache):
    """Logits of every position: the prompt at once, then one token per scan step."""
    logits, cache = model(tokens[:PROMPT], cache=cache, training=False)

    def step(cache, token):
        logits, cache = model(token[None], cache=cache, training=False)
        return cache, logits[0]
    _, rest = zenax.lax.scan(step, cache, tokens[PROMPT:])
    return jnp.concatenate([logits, rest])


def decode_logits(cache_dtype):
    return np.asarray(_decode(MODEL, TOKENS, MODEL.init_cache((), None, cache_dtype)))


@jax.jit
def jax_decode_logits(params, tokens, caches):
    """The same teacher-forced decode in jax.numpy (``bench.generation``'s twin)."""
    logits, caches = jax_forward(params, tokens[:PROMPT], caches, 0, n_head=CONFIG.n_head)

    def step(carry, token):
        caches, index = carry
        logits, caches = jax_forward(params, token[None], caches, index, n_head=CONFIG.n_head)
        return (caches, index + 1), logits[0]
    _, rest = jax.lax.scan(step, (caches, PROMPT), tokens[PROMPT:])
    return jjnp.concatenate([logits, rest])


@pytest.fixture(scope="module")
def full_logits():
    return np.asarray(jax_logits(jax_params(MODEL), jjnp.asarray(TOKENS)[None],
                                 CONFIG.n_head)[0])


@pytest.mark.parametrize("cache_dtype", ["float32", "bfloat16", "int8"])
def test_decode_logits_match_jax_with_the_same_cache(cache_dtype, full_logits):
    ours = decode_logits(cache_dtype)
    caches = jax_init_caches(jax_params(MODEL), CONFIG.n_positions, CONFIG.n_head,
                             cache_dtype)
    theirs = np.asarray(jax_decode_logits(jax_params(MODEL), jjnp.asarray(TOKENS), caches))
    # The same rounding in both programs: equal up to float32 noise.
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    if cache_dtype == "float32":      # a float32 cache is exact: the full forward pass
        np.testing.assert_allclose(ours, full_logits, rtol=1e-4, atol=1e-4)
    else:
        err = np.abs(ours - full_logits).max()
        assert 0 < err <= TOLERANCE[cache_dtype] * full_logits.std(), err


@pytest.mark.parametrize("cache_dtype", ["bfloat16", "int8"])
def test_small_caches_keep_every_clear_greedy_choice(cache_dtype, full_logits):
    # Where float32's best token leads the second by more than twice the tolerance, the
    # smaller cache cannot change it.
    ours = decode_logits(cache_dtype)
    top2 = np.sort(full_logits, -1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 2 * TOLERANCE[cache_dtype] * full_logits.std()
    assert clear.mean() > 0.5
    np.testing.assert_array_equal(ours.argmax(-1)[clear], full_logits.argmax(-1)[clear])


@jax.jit
def _next_token(params, tokens, length):
    """The argmax after ``tokens[:length]`` from the whole sequence's forward pass; the
    tokens past ``length`` are padding, which a causal model never reads (one shape)."""
    logits = jax_logits(params, tokens[None], CONFIG.n_head)[0]
    return jjnp.argmax(logits[length - 1]).astype(tokens.dtype)


def full_recompute_greedy(prompt, steps):
    """Greedy decoding in JAX that runs the whole sequence again for every token."""
    params = jax_params(MODEL)
    tokens = jjnp.zeros(len(prompt) + steps, jjnp.int32).at[:len(prompt)].set(prompt)
    for length in range(len(prompt), len(prompt) + steps):
        tokens = tokens.at[length].set(_next_token(params, tokens, length))
    return np.asarray(tokens)


def test_greedy_generation_equals_full_recompute_and_jax():
    steps = CONFIG.n_positions - PROMPT
    expected = full_recompute_greedy(TOKENS[:PROMPT], steps)
    assert len(set(expected[PROMPT:].tolist())) > 3          # not one repeated token
    out = generate(MODEL, TOKENS[:PROMPT], steps, key=zenax.random.PRNGKey(0), top_k=1,
                   cache_dtype="float32")
    np.testing.assert_array_equal(out, expected)
    for cache_dtype in ("bfloat16", "int8"):     # the same cache format in JAX: same tokens
        out = generate(MODEL, TOKENS[:PROMPT], steps, key=zenax.random.PRNGKey(0), top_k=1,
                       cache_dtype=cache_dtype)
        theirs = jax_generate(jax_params(MODEL), jjnp.asarray(TOKENS[:PROMPT]), steps=steps,
                              n_head=CONFIG.n_head, cache_dtype=cache_dtype)
        np.testing.assert_array_equal(out, theirs)


def test_quantized_model_generates_with_a_float_cache():
    # A quantized model's first leaves are integer codes; the cache still holds floats.
    qmodel = zenax.quantize(MODEL, bits=8, group_size=32)
    assert qmodel.init_cache((), 8)[0].key.dtype == np.float32
    mha = zenax.quantize(MultiHeadAttention(2, 64, key=zenax.random.PRNGKey(0)))
    assert mha.init_cache((), 4).key.dtype == np.float32
    out = generate(qmodel, TOKENS[:PROMPT], 8, key=zenax.random.PRNGKey(0), top_k=1,
                   cache_dtype="int8")
    theirs = jax_generate(jax_params(qmodel), jjnp.asarray(TOKENS[:PROMPT]), steps=8,
                          n_head=CONFIG.n_head, fmt=(8, 32), cache_dtype="int8")
    np.testing.assert_array_equal(out, theirs)


def test_generation_compiles_once_per_cache_dtype():
    from zenax.models import gpt
    args = (MODEL, TOKENS[:3], 4)
    generate(*args, key=zenax.random.PRNGKey(0), top_k=1, cache_dtype="int8")
    compiles = gpt._generate.cache_stats().compiles
    generate(*args, key=zenax.random.PRNGKey(1), top_k=1, cache_dtype=np.int8)
    assert gpt._generate.cache_stats().compiles == compiles
    generate(*args, key=zenax.random.PRNGKey(1), top_k=1, cache_dtype="bfloat16")
    assert gpt._generate.cache_stats().compiles == compiles + 1


# ## Memory, measured from the arrays

def cache_bytes(cache) -> int:
    return sum(leaf.nbytes for leaf in zenax.tree_util.tree_leaves(cache))


def test_cache_bytes():
    length, heads, head_size = CONFIG.n_positions, CONFIG.n_head, CONFIG.n_embd // CONFIG.n_head
    index = 4 * CONFIG.n_layer                          # one int32 position per block
    sizes = {dt: cache_bytes(MODEL.init_cache((), None, dt)) - index
             for dt in ("float32", "bfloat16", "int8")}
    per_position = 2 * CONFIG.n_layer * length * heads           # keys and values
    assert sizes["float32"] == per_position * head_size * 4
    assert sizes["bfloat16"] == per_position * head_size * 2
    assert sizes["int8"] == per_position * (head_size + 4)      # codes + a float32 scale
    # A GPT-2-sized head (64) stores 3.8x fewer bytes in int8 than in float32.
    gpt2_head = init_kv_cache((), 1024, num_heads=12, head_size=64, cache_dtype="int8")
    ratio = cache_bytes(gpt2_head.key) / cache_bytes(
        init_kv_cache((), 1024, num_heads=12, head_size=64).key)
    assert ratio == 0.25
    assert (cache_bytes(gpt2_head) - 4) / (2 * 1024 * 12 * 64 * 4) == pytest.approx(68 / 256)


# ## Errors

@pytest.mark.parametrize("cache_dtype", ["int4", "int32", "complex64"])
def test_bad_cache_dtype(cache_dtype):
    with pytest.raises(ValueError, match="generate: cache_dtype must be a float dtype .* or "
                                         "int8"):
        generate(MODEL, TOKENS[:3], 2, key=zenax.random.PRNGKey(0), cache_dtype=cache_dtype)
    with pytest.raises(ValueError, match="GPT.init_cache: cache_dtype must be"):
        MODEL.init_cache((), 8, cache_dtype)


def test_docstring_examples():
    import doctest

    from zenax.models import kv_cache
    result = doctest.testmod(kv_cache, extraglobs={"zenax": zenax, "jnp": jnp},
                             optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
