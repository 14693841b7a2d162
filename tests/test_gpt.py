"""GPT vs GPT-2 written directly in jax.numpy from a Hugging Face-format state dict (HF's
key names and layouts): logits, loss and gradients w.r.t. every parameter (eager, jit,
vmap); causal masking; KV-cache decoding; greedy and sampled generation against a JAX
decode loop; loading state dicts and safetensors checkpoints, and their errors."""
import json

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from safetensors.numpy import save_file

import zenax
from zenax.models import count_params, gpt
from zenax.models.gpt import GPT, GPTConfig, from_hf_gpt2, generate, load_gpt2, loss

from module_oracle import named_params
from oracle import assert_close

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

CONFIG = GPTConfig(vocab_size=20, n_positions=12, n_embd=8, n_layer=2, n_head=2)
rng = np.random.default_rng(0)


def hf_state_dict(config=CONFIG, prefix="transformer."):
    """Random weights under GPT-2's names and layouts (Conv1D weights are [in, out])."""
    d, f = config.n_embd, 4 * config.n_embd

    def w(*shape):
        return rng.normal(0, 0.5, shape).astype(np.float32)
    sd = {"wte.weight": w(config.vocab_size, d), "wpe.weight": w(config.n_positions, d),
          "ln_f.weight": 1 + w(d), "ln_f.bias": w(d)}
    for i in range(config.n_layer):
        sd.update({f"h.{i}.ln_1.weight": 1 + w(d), f"h.{i}.ln_1.bias": w(d),
                   f"h.{i}.attn.c_attn.weight": w(d, 3 * d), f"h.{i}.attn.c_attn.bias": w(3 * d),
                   f"h.{i}.attn.c_proj.weight": w(d, d), f"h.{i}.attn.c_proj.bias": w(d),
                   f"h.{i}.ln_2.weight": 1 + w(d), f"h.{i}.ln_2.bias": w(d),
                   f"h.{i}.mlp.c_fc.weight": w(d, f), f"h.{i}.mlp.c_fc.bias": w(f),
                   f"h.{i}.mlp.c_proj.weight": w(f, d), f"h.{i}.mlp.c_proj.bias": w(d)})
    return {prefix + k: v for k, v in sd.items()}


SD = hf_state_dict()
MODEL = from_hf_gpt2(SD, CONFIG)
TOKENS = rng.integers(0, CONFIG.vocab_size, (2, 7)).astype(np.int32)


# ## GPT-2 in jax.numpy, reading the HF state dict by name

def reference_logits(sd, ids, n_head=CONFIG.n_head, eps=1e-5):
    p = {k.removeprefix("transformer."): jnp.asarray(v) for k, v in sd.items()}
    n_layer = len({k.split(".")[1] for k in p if k.startswith("h.")})

    def ln(x, name):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / jnp.sqrt(var + eps) * p[name + ".weight"] + p[name + ".bias"]

    def conv1d(x, name):
        return x @ p[name + ".weight"] + p[name + ".bias"]

    t = ids.shape[-1]
    x = p["wte.weight"][ids] + p["wpe.weight"][:t]
    for i in range(n_layer):
        q, k, v = jnp.split(conv1d(ln(x, f"h.{i}.ln_1"), f"h.{i}.attn.c_attn"), 3, axis=-1)
        q, k, v = (a.reshape(*a.shape[:-1], n_head, -1) for a in (q, k, v))
        logits = jnp.einsum("...tnh,...snh->...nts", q, k) / np.sqrt(q.shape[-1])
        logits = jnp.where(np.tril(np.ones((t, t), bool)), logits, -1e30)
        attn = jnp.einsum("...nts,...snh->...tnh", jax.nn.softmax(logits, -1), v)
        x = x + conv1d(attn.reshape(*attn.shape[:-2], -1), f"h.{i}.attn.c_proj")
        h = jax.nn.gelu(conv1d(ln(x, f"h.{i}.ln_2"), f"h.{i}.mlp.c_fc"), approximate=True)
        x = x + conv1d(h, f"h.{i}.mlp.c_proj")
    return ln(x, "ln_f") @ p["wte.weight"].T


@jax.jit
def reference_loss(sd, ids):
    logits = reference_logits(sd, ids[..., :-1])
    return optax.softmax_cross_entropy_with_integer_labels(logits, ids[..., 1:]).mean()


def test_logits_match_jax_eager_jit_vmap():
    expected = reference_logits(SD, TOKENS)
    np.testing.assert_allclose(MODEL(TOKENS, training=False), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(zenax.jit(lambda m, t: m(t))(MODEL, TOKENS), expected,
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(zenax.vmap(MODEL)(TOKENS), expected, rtol=1e-4, atol=1e-4)


def test_loss_and_gradients_match_jax():
    sd = {k: jnp.asarray(v) for k, v in SD.items()}
    expected, expected_grads = jax.value_and_grad(reference_loss)(sd, TOKENS)
    value, grads = zenax.value_and_grad(loss)(MODEL, TOKENS)
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    # The HF -> GPT mapping is a rearrangement (split c_attn, rename), so it maps JAX's
    # gradients w.r.t. the state dict onto the model's parameters.
    expected_grads = from_hf_gpt2({k: np.asarray(v) for k, v in expected_grads.items()},
                                  CONFIG)
    assert_close(named_params(grads), named_params(expected_grads), rtol=1e-4, atol=1e-5)
    jit_grads = zenax.jit(zenax.grad(loss))(MODEL, TOKENS)
    assert_close(named_params(jit_grads), named_params(expected_grads), rtol=1e-4, atol=1e-5)


def test_changing_future_tokens_leaves_past_logits_unchanged():
    step = zenax.jit(lambda m, t: m(t))
    changed = TOKENS.copy()
    changed[:, 4:] = (changed[:, 4:] + 1) % CONFIG.vocab_size
    before, after = step(MODEL, TOKENS), step(MODEL, changed)
    np.testing.assert_allclose(after[:, :4], before[:, :4], rtol=1e-6, atol=1e-6)
    assert not np.allclose(after[:, 4:], before[:, 4:])


def test_kv_cache_decoding_gives_the_full_forward_logits():
    expected = reference_logits(SD, TOKENS)
    step = zenax.jit(lambda m, t, c: m(t, cache=c, training=False))
    cache = MODEL.init_cache((2,), max_length=10)
    logits, cache = step(MODEL, TOKENS[:, :4], cache)      # prefill 4 tokens
    chunks = [logits]
    for t in range(4, 7):                                  # then one token at a time
        logits, cache = step(MODEL, TOKENS[:, t:t + 1], cache)
        chunks.append(logits)
    np.testing.assert_allclose(np.concatenate(chunks, 1), expected, rtol=1e-4, atol=1e-4)
    assert int(cache[0].index) == 7 and len(cache) == CONFIG.n_layer


# ## Generation vs a decode loop over the JAX reference

@jax.jit
def _next_logits(tokens, length):
    """The reference's logits after ``tokens[..., :length]``; the tokens past ``length``
    are padding, which a causal model never reads (so one shape compiles once)."""
    logits = reference_logits(SD, tokens)
    return jnp.take(logits, length - 1, axis=-2)


def reference_generate(prompt, steps, key, temperature=1.0, top_k=None):
    """A decode loop over the JAX reference (greedy with ``temperature=None``)."""
    keys = jax.random.split(key, steps)
    b, t = prompt.shape
    tokens = jnp.zeros((b, t + steps), jnp.int32).at[:, :t].set(prompt)
    for i in range(steps):
        logits = _next_logits(tokens, t + i)
        if temperature is None:
            nxt = jnp.argmax(logits, -1)
        else:
            if top_k is not None:
                kth = jax.lax.top_k(logits, top_k)[0][..., -1:]
                logits = jnp.where(logits < kth, -jnp.inf, logits)
            nxt = jax.random.categorical(keys[i], logits / temperature, axis=-1)
        tokens = tokens.at[:, t + i].set(nxt)
    return tokens


def test_greedy_generation_is_deterministic_and_matches_argmax_decoding():
    prompt = TOKENS[:, :3]
    out = generate(MODEL, prompt, 5, key=zenax.random.PRNGKey(0), top_k=1)
    greedy = reference_generate(prompt, 5, jax.random.PRNGKey(0), temperature=None)
    np.testing.assert_array_equal(out, greedy)
    np.testing.assert_array_equal(generate(MODEL, prompt, 5, key=zenax.random.PRNGKey(9),
                                           top_k=1), out)


def test_sampling_matches_jax_and_compiles_once():
    prompt, key = TOKENS[:, :3], jax.random.PRNGKey(4)
    out = generate(MODEL, prompt, 5, key=key, temperature=0.7, top_k=4)
    np.testing.assert_array_equal(out, reference_generate(prompt, 5, key, 0.7, 4))
    compiles = gpt._generate.cache_stats().compiles
    generate(MODEL, TOKENS[:, 3:6], 5, key=jax.random.PRNGKey(5), temperature=0.7, top_k=4)
    assert gpt._generate.cache_stats().compiles == compiles


def test_unbatched_prompt():
    out = generate(MODEL, TOKENS[0, :3], 2, key=zenax.random.PRNGKey(0), top_k=1)
    assert out.shape == (5,)
    np.testing.assert_array_equal(
        out, reference_generate(TOKENS[:1, :3], 2, jax.random.PRNGKey(0), temperature=None)[0])


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(prompt=np.ones(3, np.float32), steps=2), TypeError, "prompt must be a non-empty int"),
    (dict(prompt=np.ones(3, np.int32), steps=0), ValueError, "steps must be a positive int"),
    (dict(prompt=np.ones(8, np.int32), steps=5), ValueError, "13 exceeds the model's n_posit"),
    (dict(prompt=np.ones(3, np.int32), steps=2, temperature=0.0), ValueError, "use top_k=1"),
    (dict(prompt=np.ones(3, np.int32), steps=2, top_k=0), ValueError, "top_k must be None"),
])
def test_generate_errors(kwargs, error, match):
    prompt, steps = kwargs.pop("prompt"), kwargs.pop("steps")
    with pytest.raises(error, match=f"generate: .*{match}"):
        generate(MODEL, prompt, steps, key=zenax.random.PRNGKey(0), **kwargs)


def test_model_errors():
    with pytest.raises(ValueError, match="GPT: 13 tokens exceed the model's n_positions=12"):
        MODEL(np.zeros((1, 13), np.int32))
    with pytest.raises(TypeError, match="GPT: tokens must be an integer array"):
        MODEL(np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match=r"gpt.loss: tokens must be \[..., T\] with T >= 2"):
        loss(MODEL, np.zeros((2, 1), np.int32))


# ## Construction and loading

def test_new_model_has_gpt2_shapes_and_initialisation():
    config = GPTConfig(vocab_size=300, n_positions=64, n_embd=32, n_layer=3, n_head=4)
    model = GPT(config, key=zenax.random.PRNGKey(0))
    d, v, p, n = 32, 300, 64, 3         # GPT-2's parameter count (lm_head tied)
    assert count_params(model) == v * d + p * d + n * (12 * d * d + 13 * d) + 2 * d
    params = named_params(model)
    scaled = 0.02 / np.sqrt(2 * n)      # projections into the residual stream
    for name, std in [(".wte.weight", 0.02), (".blocks[0].attention.query_proj.weight", 0.02),
                      (".blocks[0].mlp.layers[1].weight", scaled),
                      (".blocks[2].attention.output_proj.weight", scaled)]:
        np.testing.assert_allclose(np.std(params[name]), std, rtol=0.1, err_msg=name)
    assert np.all(params[".blocks[1].mlp.layers[0].bias"] == 0)


def test_state_dict_without_prefix_with_buffers_and_tied_head():
    sd = {k.removeprefix("transformer."): v for k, v in SD.items()}
    sd.update({f"h.{i}.attn.bias": np.tril(np.ones((1, 1, 12, 12), bool)) for i in range(2)})
    sd["lm_head.weight"] = sd["wte.weight"]
    model = from_hf_gpt2(sd, dict(vocab_size=20, n_positions=12, n_embd=8, n_layer=2,
                                  n_head=2, resid_pdrop=0.0, architectures=["GPT2LMHeadModel"]))
    assert_close(named_params(model), named_params(MODEL), rtol=0, atol=0)


def test_load_gpt2_from_safetensors_directory(tmp_path):
    save_file(SD, str(tmp_path / "model.safetensors"))
    (tmp_path / "config.json").write_text(json.dumps(
        {"vocab_size": 20, "n_positions": 12, "n_embd": 8, "n_layer": 2, "n_head": 2,
         "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "resid_pdrop": 0.1}))
    model = load_gpt2(tmp_path)
    assert model.config.dropout == 0.1
    assert_close(named_params(model), named_params(MODEL), rtol=0, atol=0)
    with pytest.raises(FileNotFoundError, match="load_gpt2: .*config.json does not exist"):
        load_gpt2(tmp_path / "missing")


@pytest.mark.parametrize("change, error, match", [
    (lambda sd: sd.pop("transformer.h.1.mlp.c_fc.bias"), KeyError,
     "has no 'transformer.h.1.mlp.c_fc.bias'"),
    (lambda sd: sd.update({"transformer.h.2.ln_1.weight": np.ones(8, np.float32)}), ValueError,
     "weights this model does not use: 'transformer.h.2.ln_1.weight'"),
    (lambda sd: sd.update({"transformer.wpe.weight": np.ones((16, 8), np.float32)}), ValueError,
     r"\.wpe\.weight has shape \(16, 8\), the model expects \(12, 8\)"),
    (lambda sd: sd.update({"lm_head.weight": np.ones((20, 8), np.float32)}), ValueError,
     "lm_head.weight differs from the token embedding"),
])
def test_from_hf_gpt2_errors(change, error, match):
    sd = dict(SD)
    change(sd)
    with pytest.raises(error, match=f"from_hf_gpt2: .*{match}"):
        from_hf_gpt2(sd, CONFIG)
