"""Quantized weights: QuantizedArray, zenax.models.quantize/dequantize, the
quantized_matmul primitive (eager, jit, vmap, jvp/vjp/grad with respect to x, scan over
layers), the error for derivatives with respect to the weights, and the packed size.

The reference dequantisation is written here in NumPy from the documented format, so the
oracle for ``quantized_matmul`` is JAX running ``x @ W_deq`` on it.
"""
import math

import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax.lax.quantized_matmul import QuantizedArray, quantized_matmul
from zenax.models import MLP, Embedding, Linear, apply_lora, combine, lora_partition
from zenax.models.quantize import dequantize, quantize

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

SCHEMES = [(8, "affine"), (8, "symmetric"), (4, "affine"), (4, "symmetric")]
G = 32
rng = np.random.default_rng(0)
# Groups of very different magnitudes, so a shared scale would fail the per-group bound.
W = (rng.normal(size=(128, 16)) * np.exp(rng.normal(size=(4, 1, 16)).repeat(G, 0)
                                         .reshape(128, 16))).astype(np.float32)
X = rng.normal(size=(3, 128)).astype(np.float32)


def np_dequantize(q: QuantizedArray) -> np.ndarray:
    """The documented format, decoded in NumPy."""
    data, scales = np.asarray(q.data), np.asarray(q.scales)
    a = q.axis
    if q.bits == 4:
        low, high = data & 15, data >> 4
        codes = np.stack([low, high], axis=a + 1).reshape(q.shape).astype(np.float32)
        if q.mode == "symmetric":
            codes -= 8
    else:
        codes = data.astype(np.float32)
    rep = lambda s: np.repeat(s, q.group_size, axis=a)   # noqa: E731
    out = codes * rep(scales)
    return out + rep(np.asarray(q.biases)) if q.mode == "affine" else out


@pytest.fixture(scope="module")
def quantized():
    return {(b, m, a): quantize(W if a == 0 else W.T, b, G, m) if a == 0 else
            zenax.lax.quantized_matmul.quantize_array(W.T, b, G, m, axis=1)
            for b, m in SCHEMES for a in (0, 1)}


def test_round_trip_within_half_a_scale_per_group(quantized):
    for (bits, mode, axis), q in quantized.items():
        w = W if axis == 0 else W.T
        assert q.shape == w.shape and q.dtype == np.float32
        assert q.data.dtype == (np.int8 if (bits, mode) == (8, "symmetric") else np.uint8)
        assert q.data.shape[axis] == w.shape[axis] * bits // 8
        assert (q.biases is None) == (mode == "symmetric")
        deq = np.asarray(dequantize(q))
        np.testing.assert_array_equal(deq, np_dequantize(q))    # the documented format
        bound = np.repeat(np.asarray(q.scales), G, axis=axis) / 2
        err = np.abs(deq - w)
        assert np.all(err <= bound * (1 + 1e-5) + 1e-6 * np.abs(w)), (bits, mode, axis)
        levels = 2 ** bits - 1 if mode == "affine" else 2 ** bits - 2
        spread = np.ptp(w.reshape(w.shape[0] // G, G, -1) if axis == 0 else
                        w.reshape(-1, w.shape[1] // G, G), axis=1 + axis)
        if mode == "affine":       # the scale is the group's range over the levels
            np.testing.assert_allclose(np.asarray(q.scales), spread / levels, rtol=1e-6)


@pytest.mark.exhaustive
@pytest.mark.parametrize("bits,mode", SCHEMES)
def test_quantized_matmul_matches_jax_on_dequantized(quantized, bits, mode):
    _check_matmul(quantized, bits, mode)


def _check_matmul(quantized, bits, mode):
    q0, q1 = quantized[bits, mode, 0], quantized[bits, mode, 1]
    w0 = np_dequantize(q0)
    ref = jax.jit(lambda x, w: x @ w)
    tol = dict(rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(quantized_matmul(X, q0), ref(X, w0), **tol)
    np.testing.assert_allclose(quantized_matmul(X, q1, transpose=True), ref(X, w0), **tol)
    f = zenax.jit(lambda x, q: quantized_matmul(x, q))
    np.testing.assert_allclose(f(X, q0), ref(X, w0), **tol)
    # vmap over x, with the batch axis after the contracted one.
    np.testing.assert_allclose(zenax.vmap(lambda x: quantized_matmul(x, q0), in_axes=1)(X.T),
                               ref(X, w0), **tol)
    # grad, jvp, vjp with respect to x against JAX on the dequantized program.
    loss = lambda x, w: jjnp.sum(jjnp.tanh(x @ w))      # noqa: E731
    np.testing.assert_allclose(
        zenax.grad(lambda x: jnp.sum(jnp.tanh(quantized_matmul(x, q1, transpose=True))))(X),
        jax.grad(loss)(X, w0), **tol)
    t = np.ones_like(X)
    y, y_dot = zenax.jvp(lambda x: quantized_matmul(x, q0), (X,), (t,))
    y_ref, y_dot_ref = jax.jvp(lambda x: x @ w0, (X,), (t,))
    np.testing.assert_allclose(y_dot, y_dot_ref, **tol)
    ct = rng.normal(size=y_ref.shape).astype(np.float32)
    x_bar, = zenax.vjp(lambda x: quantized_matmul(x, q0), X)[1](ct)
    np.testing.assert_allclose(x_bar, jax.vjp(lambda x: x @ w0, X)[1](ct)[0], **tol)
    jaxpr = zenax.make_jaxpr(zenax.grad(lambda x: quantized_matmul(x, q0).sum()))(X)
    zenax.typecheck_jaxpr(jaxpr.jaxpr)
    assert "transpose=True" in str(jaxpr)       # the transpose is the primitive again
    assert "dot_general" not in str(jaxpr)      # and no float weight outside it


def test_quantized_matmul_4bit_essentials(quantized):
    _check_matmul(quantized, 4, "affine")


def test_vmap_over_a_stack_of_quantized_weights():
    ws = rng.normal(size=(3, 64, 8)).astype(np.float32)
    qs = [quantize(w, 4, G, "symmetric") for w in ws]
    stack = zenax.tree_util.tree_map(lambda *a: jnp.stack(a), *qs)
    x = rng.normal(size=(3, 2, 64)).astype(np.float32)
    out = zenax.vmap(quantized_matmul)(x, stack)
    deq = np.stack([np_dequantize(q) for q in qs])
    np.testing.assert_allclose(out, jax.vmap(jjnp.matmul)(x, deq), rtol=1e-5, atol=1e-4)


def test_scan_over_quantized_layers():
    ws = (rng.normal(size=(4, 64, 64)) / 8).astype(np.float32)
    qs = [quantize(w, 8, G, "affine") for w in ws]
    stack = zenax.tree_util.tree_map(lambda *a: jnp.stack(a), *qs)
    deq = np.stack([np_dequantize(q) for q in qs])
    x = rng.normal(size=(2, 64)).astype(np.float32)

    def run(x, stack):
        return zenax.lax.scan(lambda h, q: (jnp.tanh(quantized_matmul(h, q)), None), x,
                              stack)[0].sum()

    def run_ref(x, deq):
        return jax.lax.scan(lambda h, w: (jjnp.tanh(h @ w), None), x, deq)[0].sum()

    value, grad = zenax.jit(zenax.value_and_grad(run))(x, stack)
    value_ref, grad_ref = jax.value_and_grad(run_ref)(x, deq)
    np.testing.assert_allclose(value, value_ref, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-5, atol=1e-5)


def test_gradient_with_respect_to_weights_is_a_type_error(quantized):
    q = quantized[8, "affine", 0]
    with pytest.raises(TypeError, match="quantized_matmul.*scales"):
        zenax.grad(lambda s: quantized_matmul(X, QuantizedArray(
            q.data, s, q.biases, 8, G, "affine", 0)).sum())(q.scales)
    with pytest.raises(TypeError, match="quantized_matmul.*scales"):
        zenax.vjp(lambda w: quantized_matmul(X, w), q)
    with pytest.raises(TypeError, match="w.data"):     # grad refuses the integer codes
        zenax.grad(lambda w: quantized_matmul(X, w).sum())(q)


def test_bad_input():
    q = quantize(W)
    with pytest.raises(TypeError, match="quantized_matmul: w must be a QuantizedArray"):
        quantized_matmul(X, W)
    with pytest.raises(ValueError, match="quantized_matmul: x's last dimension"):
        quantized_matmul(X[:, :5], q)
    with pytest.raises(TypeError, match="quantized_matmul: x must be a float"):
        quantized_matmul(X.astype(np.int32), q)
    with pytest.raises(ValueError, match="quantize: bits must be 4 or 8"):
        quantize(W, bits=3)
    with pytest.raises(ValueError, match="quantize: mode"):
        quantize(W, mode="nf4")
    with pytest.raises(ValueError, match=r"quantize: the layer at '\.layers\[0\]'"):
        quantize(MLP(48, [64], 64, key=zenax.random.PRNGKey(0)))
    with pytest.raises(ValueError, match="quantize: no Linear or Embedding"):
        quantize({"w": W})


def test_layers_use_the_quantized_weights():
    lin = Linear(64, 8, key=zenax.random.PRNGKey(0))
    emb = Embedding(5, 64, key=zenax.random.PRNGKey(1))
    model = quantize({"lin": lin, "emb": emb}, bits=4, group_size=G)
    w_lin, w_emb = np_dequantize(model["lin"].weight), np_dequantize(model["emb"].weight)
    x = X[:, :64]
    np.testing.assert_allclose(model["lin"](x), x @ w_lin + np.asarray(lin.bias),
                               rtol=1e-5, atol=1e-5)
    ids = np.array([[0, 4], [2, 2]])
    np.testing.assert_allclose(model["emb"](ids), w_emb[ids], rtol=1e-6)
    assert np.isnan(np.asarray(model["emb"](np.array([7])))).all()   # out of range, as Flax
    np.testing.assert_allclose(model["emb"].attend(x), x @ w_emb.T, rtol=1e-5, atol=1e-4)
    # QLoRA: only the adapters are trained; the packed weights get no gradient.
    lora = apply_lora(model, rank=2, alpha=4.0, key=zenax.random.PRNGKey(2))
    trainable, frozen = lora_partition(lora)
    grads = zenax.grad(lambda t: combine(t, frozen)["lin"](x).sum())(trainable)
    assert grads["lin"].lora_a.shape == (64, 2)
    assert grads["lin"].base.weight.data is None


def test_packed_bytes():
    model = MLP(512, [512], 512, key=zenax.random.PRNGKey(0))
    nbytes = lambda tree: sum(leaf.nbytes for leaf in zenax.tree_util.tree_leaves(tree))  # noqa: E731
    float_bytes = nbytes(model)
    assert float_bytes / nbytes(quantize(model, bits=8)) >= 3.5
    assert float_bytes / nbytes(quantize(model, bits=8, mode="symmetric")) >= 3.5
    q4 = quantize(model, bits=4)
    assert float_bytes / nbytes(q4) >= 6
    # A filter keeps chosen layers in float; dequantize restores the others.
    q = quantize(model, bits=4, filter=lambda path, layer: path == ".layers[0]")
    assert not isinstance(q.layers[1].weight, QuantizedArray)
    back = dequantize(q)
    np.testing.assert_array_equal(back.layers[0].weight, np_dequantize(q4.layers[0].weight))
    assert back.layers[1].weight is model.layers[1].weight


@pytest.mark.parametrize("bits", [8, 4])
def test_generation_never_holds_the_whole_models_float_weights(bits):
    # Compiled greedy generation (prefill + a scan over tokens) of a quantized GPT: the
    # dequantised weights live one layer at a time, so the compiled scratch memory stays
    # under the size of the largest float layer plus the activations -- not the whole
    # model's float weights (XLA hoisting the loop-invariant dequantisation out of the
    # scan, or computing every layer's up front, would need all of them).
    from zenax.models.gpt import GPT, GPTConfig, generate
    config = GPTConfig(vocab_size=256, n_positions=64, n_embd=128, n_layer=4, n_head=4)
    model = zenax.quantize(GPT(config, key=zenax.random.PRNGKey(0)), bits=bits)
    prompt = jnp.zeros((8,), np.int32)
    step = zenax.jit(lambda m, p: generate(m, p, 16, key=zenax.random.PRNGKey(0), top_k=1))
    temp = step.lower(model, prompt).compile().memory_analysis().temp_size_in_bytes
    float_bytes = sum(4 * math.prod(w.shape) for w in zenax.tree_util.tree_leaves(
        model, is_leaf=lambda x: isinstance(x, QuantizedArray))
        if isinstance(w, QuantizedArray))
    largest = max(4 * math.prod(w.shape) for w in zenax.tree_util.tree_leaves(
        model, is_leaf=lambda x: isinstance(x, QuantizedArray))
        if isinstance(w, QuantizedArray))
    assert temp < 0.35 * float_bytes, (temp, float_bytes)
    assert temp < 3 * largest, (temp, largest)
