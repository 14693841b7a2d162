"""zenax.models basic layers and norms vs the same computations written in JAX: forward,
gradients w.r.t. every parameter and input, under jit and vmap; initialisation vs
jax.nn.initializers / jax.random for the same key; BatchNorm's functional running stats."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax import models
from zenax.models import (MLP, BatchNorm, Dropout, Embedding, Identity, Lambda, LayerNorm,
                          Linear, RMSNorm, Sequential, combine, is_batch_stat, partition)

from module_oracle import check_module, named_params
from oracle import assert_close

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

KEY = zenax.random.PRNGKey(0)


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# --------------------------------------------------------------------------- Linear

def test_linear_init_is_flax_dense_init():
    layer = Linear(5, 3, key=KEY)
    wkey, _ = jax.random.split(KEY)
    np.testing.assert_array_equal(layer.weight,
                                  jax.nn.initializers.lecun_normal()(wkey, (5, 3)))
    np.testing.assert_array_equal(layer.bias, np.zeros(3, np.float32))
    assert Linear(5, 3, use_bias=False, key=KEY).bias is None


@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
def test_linear_matches_jax(batch):
    layer = Linear(5, 3, key=KEY, bias_init=jax.nn.initializers.normal(1.0))
    x = _normal(*batch, 5)
    check_module(layer, lambda m, x: m(x), lambda p, x: x @ p[".weight"] + p[".bias"], x,
                 vmap_axes=(0,) if batch else None)


def test_linear_without_bias_matches_jax():
    layer = Linear(4, 2, use_bias=False, key=KEY)
    check_module(layer, lambda m, x: m(x), lambda p, x: x @ p[".weight"], _normal(3, 4),
                 vmap_axes=(0,))


def test_linear_rejects_wrong_feature_size():
    with pytest.raises(ValueError, match=r"Linear: .*in_features=5.*float32\[2, 4\]"):
        Linear(5, 3, key=KEY)(np.ones((2, 4), np.float32))


# --------------------------------------------------------------------------- Embedding

def test_embedding_matches_jax_take():
    emb = Embedding(7, 3, key=KEY)
    np.testing.assert_array_equal(emb.weight, jax.random.normal(KEY, (7, 3)))
    ids = np.array([[0, 6, 2], [2, 2, 5]], np.int32)
    check_module(emb, lambda m, ids: m(ids), lambda p, ids: jnp.take(p[".weight"], ids, axis=0),
                 ids, vmap_axes=(0,))


def test_embedding_attend_matches_jax():
    emb = Embedding(7, 3, key=KEY)
    check_module(emb, lambda m, x: m.attend(x), lambda p, x: x @ p[".weight"].T,
                 _normal(2, 3), vmap_axes=(0,))


def test_embedding_rejects_float_ids():
    with pytest.raises(TypeError, match=r"Embedding: ids must be an integer array.*astype"):
        Embedding(7, 3, key=KEY)(np.ones(3, np.float32))


# --------------------------------------------------------------------------- Dropout

def _flax_dropout(x, rate, key):
    """Flax's nn.Dropout, written in JAX."""
    x = jnp.asarray(x)
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_dropout_matches_flax_and_jax_grad(rate):
    x, key = _normal(4, 6), zenax.random.PRNGKey(3)
    drop = Dropout(rate)
    np.testing.assert_array_equal(drop(x, key=key), _flax_dropout(x, rate, key))
    np.testing.assert_array_equal(zenax.jit(lambda x, k: drop(x, key=k))(x, key),
                                  _flax_dropout(x, rate, key))
    g = zenax.grad(lambda x: znp.sum(znp.sin(drop(x, key=key))))(x)
    g_ref = jax.grad(lambda x: jnp.sum(jnp.sin(_flax_dropout(x, rate, key))))(x)
    np.testing.assert_allclose(g, g_ref, rtol=1e-6)


def test_dropout_evaluation_and_edge_rates():
    x = _normal(3, 4)
    np.testing.assert_array_equal(Dropout(0.5)(x, training=False), x)
    np.testing.assert_array_equal(Dropout(0.0)(x), x)
    np.testing.assert_array_equal(Dropout(1.0)(x, key=KEY), np.zeros_like(x))
    with pytest.raises(ValueError, match=r"Dropout: training=True needs a PRNG key.*"
                                         r"training=False"):
        Dropout(0.5)(x)
    with pytest.raises(ValueError, match=r"Dropout: rate must be a probability"):
        Dropout(1.5)


# --------------------------------------------------------------------------- Sequential, MLP

def test_sequential_composes_and_routes_keys():
    k1, k2 = zenax.random.split(KEY)
    net = Sequential([Linear(3, 8, key=k1), zenax.nn.relu, Dropout(0.5), Identity(),
                      Linear(8, 2, key=k2)])
    assert isinstance(net[1], Lambda) and len(net) == 5
    x, key = _normal(4, 3), zenax.random.PRNGKey(7)
    keys = jax.random.split(key, 5)

    def reference(p, x, key_for_dropout):
        h = jax.nn.relu(x @ p[".layers[0].weight"] + p[".layers[0].bias"])
        if key_for_dropout is not None:
            h = _flax_dropout(h, 0.5, key_for_dropout)
        return h @ p[".layers[4].weight"] + p[".layers[4].bias"]

    check_module(net, lambda m, x: m(x, key=key), lambda p, x: reference(p, x, keys[2]), x)
    check_module(net, lambda m, x: m(x, training=False), lambda p, x: reference(p, x, None), x,
                 vmap_axes=(0,))
    with pytest.raises(ValueError, match="Dropout: training=True needs a PRNG key"):
        net(x)
    with pytest.raises(TypeError, match=r"Sequential: layers\[1\] must be a layer"):
        Sequential([Identity(), 3])


def test_mlp_matches_jax():
    mlp = MLP(3, [8, 6], 2, key=KEY, activation=zenax.nn.gelu, final_activation=znp.tanh)
    assert [layer.weight.shape for layer in mlp.layers] == [(3, 8), (8, 6), (6, 2)]

    def reference(p, x):
        for i in range(3):
            x = x @ p[f".layers[{i}].weight"] + p[f".layers[{i}].bias"]
            x = jax.nn.gelu(x) if i < 2 else jnp.tanh(x)
        return x
    check_module(mlp, lambda m, x: m(x), reference, _normal(5, 3), vmap_axes=(0,))
    with pytest.raises(TypeError, match=r"MLP: hidden_features must be a sequence.*\[8\]"):
        MLP(3, 8, 2, key=KEY)


# --------------------------------------------------------------------------- LayerNorm, RMSNorm

def _randomize(module, seed=1):
    """The module with random parameters (norm layers start at ones / zeros)."""
    leaves, treedef = zenax.tree_util.tree_flatten(module)
    rng = np.random.default_rng(seed)
    return zenax.tree_util.tree_unflatten(
        treedef, [rng.standard_normal(x.shape).astype(np.float32) for x in leaves])


@pytest.mark.parametrize("shape", [6, (3, 6)])
def test_layer_norm_matches_jax(shape):
    ln = _randomize(LayerNorm(shape))
    axes = (-1,) if shape == 6 else (-2, -1)

    def reference(p, x):
        mean = x.mean(axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axes, keepdims=True)
        return (x - mean) / jnp.sqrt(var + 1e-5) * p[".weight"] + p[".bias"]
    check_module(ln, lambda m, x: m(x), reference, _normal(2, 3, 6), tol=(1e-5, 1e-5),
                 vmap_axes=(0,))


def test_rms_norm_matches_jax():
    rms = _randomize(RMSNorm(6))
    reference = lambda p, x: x / jnp.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6) * p[".weight"]
    check_module(rms, lambda m, x: m(x), reference, _normal(4, 6), tol=(1e-5, 1e-5),
                 vmap_axes=(0,))


def test_norms_without_parameters():
    x = _normal(3, 5)
    ln = LayerNorm(5, use_weight=False, use_bias=False)
    assert models.count_params(ln) == 0
    np.testing.assert_allclose(ln(x), (x - x.mean(-1, keepdims=True))
                               / np.sqrt(x.var(-1, keepdims=True) + 1e-5), rtol=1e-5, atol=1e-6)


def test_norm_shape_errors():
    with pytest.raises(ValueError, match=r"LayerNorm: the input x must end with .*\(6,\)"):
        LayerNorm(6)(np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match=r"BatchNorm: the input x must end with"):
        BatchNorm(3)(np.ones((2, 5), np.float32), training=True)
    with pytest.raises(ValueError, match=r"RMSNorm: shape must be a positive int"):
        RMSNorm(0)


# --------------------------------------------------------------------------- BatchNorm

def _bn_reference(p, x, training, momentum=0.99, eps=1e-5):
    """Flax's BatchNorm (biased variance, running = momentum * running + (1 - m) * batch)."""
    axes = tuple(range(x.ndim - 1))
    if training:
        mean, var = x.mean(axes), x.var(axes)
    else:
        mean, var = p[".running_mean"], p[".running_var"]
    y = (x - mean) / jnp.sqrt(var + eps) * p[".weight"] + p[".bias"]
    stats = (momentum * p[".running_mean"] + (1 - momentum) * mean,
             momentum * p[".running_var"] + (1 - momentum) * var)
    return y, stats


@pytest.mark.parametrize("x_shape", [(8, 3), (2, 4, 4, 3)])
def test_batch_norm_training_matches_jax(x_shape):
    bn = _randomize(BatchNorm(3, momentum=0.9))
    bn = bn.replace(running_var=np.abs(bn.running_var) + 0.5)
    x = _normal(*x_shape, seed=2) * 3 + 1
    check_module(bn, lambda m, x: m(x, training=True)[0],
                 lambda p, x: _bn_reference(p, x, True, 0.9)[0], x, tol=(1e-5, 1e-5))
    _, new_bn = bn(x, training=True)
    stats = _bn_reference(named_params(bn), x, True, 0.9)[1]
    assert_close((new_bn.running_mean, new_bn.running_var), stats, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(new_bn.weight, bn.weight)


def test_batch_norm_evaluation_uses_running_stats_without_gradient():
    bn = _randomize(BatchNorm(3))
    bn = bn.replace(running_var=np.abs(bn.running_var) + 0.5)
    x = _normal(5, 3, seed=3)
    y, same = bn(x, training=False)
    assert same is bn
    np.testing.assert_allclose(y, _bn_reference(named_params(bn), x, False)[0], rtol=1e-5,
                               atol=1e-6)
    for training in (True, False):
        g = zenax.grad(lambda m: znp.sum(znp.sin(m(x, training=training)[0])))(bn)
        np.testing.assert_array_equal(g.running_mean, np.zeros(3, np.float32))
        np.testing.assert_array_equal(g.running_var, np.zeros(3, np.float32))


def test_batch_norm_train_step_keeps_stats_out_of_the_optimizer():
    """One jitted SGD step with has_aux: params move by -lr * (JAX's gradient), the running
    stats move by the momentum rule only."""
    bn = _randomize(BatchNorm(3, momentum=0.8))
    bn = bn.replace(running_var=np.abs(bn.running_var) + 0.5)
    x = _normal(6, 3, seed=4)
    stats, params = partition(bn, is_batch_stat, with_path=True)
    assert stats.weight is None and params.running_mean is None

    @zenax.jit
    def step(params, stats, x):
        def loss(params):
            y, new_bn = combine(params, stats)(x, training=True)
            return znp.mean((y - 1.0) ** 2), new_bn
        grads, new_bn = zenax.grad(loss, has_aux=True)(params)
        params = zenax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
        return params, partition(new_bn, is_batch_stat, with_path=True)[0]

    new_params, new_stats = step(params, stats, x)
    p = named_params(bn)
    ref_grads = jax.grad(lambda p: jnp.mean((_bn_reference(p, x, True, 0.8)[0] - 1.0) ** 2))(p)
    for name in (".weight", ".bias"):
        np.testing.assert_allclose(named_params(new_params)[name],
                                   p[name] - 0.1 * ref_grads[name], rtol=1e-5, atol=1e-6)
    assert_close((new_stats.running_mean, new_stats.running_var),
                 _bn_reference(p, x, True, 0.8)[1], rtol=1e-5, atol=1e-6)


def test_batch_norm_under_vmap_with_axis_name_equals_the_batched_call():
    bn = _randomize(BatchNorm(3, axis_name="batch"))
    x = _normal(8, 5, 3, seed=5)
    y, new_bn = zenax.vmap(lambda x: bn(x, training=True), axis_name="batch",
                           out_axes=(0, None))(x)
    y_ref, stats = _bn_reference(named_params(bn), x, True)
    np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5)
    assert_close((new_bn.running_mean, new_bn.running_var), stats, rtol=1e-5, atol=1e-6)


def test_sequential_refuses_batch_norm():
    with pytest.raises(TypeError, match=r"Sequential: layers\[1\] \(BatchNorm\) returns "
                                        r"\(y, new_layer\)"):
        Sequential([Identity(), BatchNorm(3)])


def test_batch_norm_needs_a_batch_to_train():
    with pytest.raises(ValueError, match=r"BatchNorm: training needs a batch.*axis_name"):
        BatchNorm(3)(np.ones(3, np.float32), training=True)
