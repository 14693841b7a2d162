"""zenax.models convolution and pooling layers vs jax.lax (forward, gradients, jit, vmap),
and the issue-8 must-show: a small CNN (conv -> relu -> max-pool -> dense) has the same loss
and gradients as the same network written in JAX."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.models import (AvgPool1d, AvgPool2d, Conv1d, Conv2d, Conv3d, Linear, MaxPool1d,
                          MaxPool2d, Module)

from module_oracle import check_module, named_params
from oracle import assert_close

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

KEY = zenax.random.PRNGKey(0)
LAYOUTS = {1: ("NWC", "WIO", "NWC"), 2: ("NHWC", "HWIO", "NHWC"),
           3: ("NDHWC", "DHWIO", "NDHWC")}


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _jax_conv(p, x, n, stride, padding, dilation=1, groups=1):
    """The layer in JAX: jax.lax.conv_general_dilated on a [N, *spatial, C] batch."""
    batch = x.shape[:x.ndim - n - 1]
    x = x.reshape((-1,) + x.shape[x.ndim - n - 1:])
    if isinstance(padding, int):
        padding = [(padding, padding)] * n
    y = jax.lax.conv_general_dilated(
        x, p[".weight"], (stride,) * n, padding, rhs_dilation=(dilation,) * n,
        dimension_numbers=LAYOUTS[n], feature_group_count=groups) + p[".bias"]
    return y.reshape(batch + y.shape[1:])


def test_conv_init_is_flax_conv_init():
    conv = Conv2d(4, 6, kernel_size=(3, 2), groups=2, key=KEY)
    wkey, _ = jax.random.split(KEY)
    np.testing.assert_array_equal(conv.weight,
                                  jax.nn.initializers.lecun_normal()(wkey, (3, 2, 2, 6)))
    np.testing.assert_array_equal(conv.bias, np.zeros(6, np.float32))


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, "SAME", 1, 1), (2, "VALID", 1, 1), (2, "SAME", 1, 2), (1, 1, 2, 1),
    (1, [(2, 0), (0, 1)], 1, 4)])
def test_conv2d_matches_jax(stride, padding, dilation, groups):
    conv = Conv2d(4, 8, kernel_size=3, stride=stride, padding=padding, dilation=dilation,
                  groups=groups, key=KEY, bias_init=jax.nn.initializers.normal(1.0))
    check_module(conv, lambda m, x: m(x),
                 lambda p, x: _jax_conv(p, x, 2, stride, padding, dilation, groups),
                 _normal(2, 7, 6, 4), tol=(1e-4, 1e-5), vmap_axes=(0,))


@pytest.mark.parametrize("batch", [(), (2, 3)])
def test_conv1d_and_conv3d_any_batch_dims(batch):
    conv1 = Conv1d(3, 5, kernel_size=3, stride=2, key=KEY)
    check_module(conv1, lambda m, x: m(x), lambda p, x: _jax_conv(p, x, 1, 2, "SAME"),
                 _normal(*batch, 9, 3), tol=(1e-4, 1e-5))
    conv3 = Conv3d(2, 3, kernel_size=2, padding="VALID", key=KEY)
    check_module(conv3, lambda m, x: m(x), lambda p, x: _jax_conv(p, x, 3, 1, "VALID"),
                 _normal(*batch, 3, 4, 3, 2), tol=(1e-4, 1e-5))


def _jax_pool(x, n, window, stride, padding, kind, count_include_pad=True):
    """Pooling over the spatial dims of [..., *spatial, C] with jax.lax.reduce_window."""
    lead = x.ndim - n - 1
    dims = (1,) * lead + (window,) * n + (1,)
    strides = (1,) * lead + (stride,) * n + (1,)
    pads = padding if isinstance(padding, str) else [(0, 0)] * lead + list(padding) + [(0, 0)]
    if kind == "max":
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, dims, strides, pads)
    sums = jax.lax.reduce_window(x, 0.0, jax.lax.add, dims, strides, pads)
    if count_include_pad:
        return sums / window ** n
    return sums / jax.lax.reduce_window(jnp.ones_like(x), 0.0, jax.lax.add, dims, strides, pads)


@pytest.mark.parametrize("layer,n,kind,window,stride,padding,count_include_pad", [
    (MaxPool2d(2), 2, "max", 2, 2, "VALID", True),
    (MaxPool2d(3, stride=2, padding="SAME"), 2, "max", 3, 2, "SAME", True),
    (AvgPool2d(2, stride=1, padding=[(1, 0), (0, 1)]), 2, "avg", 2, 1, [(1, 0), (0, 1)], True),
    (AvgPool2d(3, 2, 1, count_include_pad=False), 2, "avg", 3, 2, [(1, 1)] * 2, False),
    (MaxPool1d(2), 1, "max", 2, 2, "VALID", True),
    (AvgPool1d(3, stride=1, padding="SAME"), 1, "avg", 3, 1, "SAME", True)])
def test_pooling_matches_jax_reduce_window(layer, n, kind, window, stride, padding,
                                           count_include_pad):
    x = _normal(2, *(7,) * n, 3)
    reference = lambda p, x: _jax_pool(x, n, window, stride, padding, kind, count_include_pad)
    check_module(layer, lambda m, x: m(x), reference, x, vmap_axes=(0,))
    np.testing.assert_allclose(layer(x[0]), reference({}, x[0]), rtol=1e-6)   # unbatched


def test_layer_argument_errors():
    with pytest.raises(ValueError, match=r"Conv2d: the input x must be channel-last "
                                         r"\[\.\.\., H, W, C\] with C = in_channels = 3.*"
                                         r"moveaxis"):
        Conv2d(3, 4, 3, key=KEY)(np.ones((1, 3, 8, 8), np.float32))
    with pytest.raises(ValueError, match=r"Conv2d: in_channels \(3\) and out_channels \(4\) "
                                         r"must both be divisible by groups \(2\)"):
        Conv2d(3, 4, 3, groups=2, key=KEY)
    with pytest.raises(ValueError, match=r"Conv1d: padding must be 'SAME', 'VALID'"):
        Conv1d(3, 4, 3, padding="FULL", key=KEY)
    with pytest.raises(ValueError, match=r"MaxPool2d: kernel_size must be a positive int or 2"):
        MaxPool2d((2, 2, 2))


# ---------------------------------------------------------------- issue 8: a small CNN vs JAX

class SmallCNN(Module):
    conv: Conv2d
    dense: Linear

    def __init__(self, *, key):
        k1, k2 = zenax.random.split(key)
        self.conv = Conv2d(1, 4, kernel_size=3, key=k1)
        self.dense = Linear(4 * 4 * 4, 3, key=k2)

    def __call__(self, x):                             # x: [batch, 8, 8, 1]
        h = MaxPool2d(2)(zenax.nn.relu(self.conv(x)))  # [batch, 4, 4, 4]
        return self.dense(h.reshape(h.shape[0], -1))


def _cnn_reference(p, x):
    h = jax.lax.conv_general_dilated(x, p[".conv.weight"], (1, 1), "SAME",
                                     dimension_numbers=LAYOUTS[2]) + p[".conv.bias"]
    h = jax.lax.reduce_window(jax.nn.relu(h), -jnp.inf, jax.lax.max, (1, 2, 2, 1),
                              (1, 2, 2, 1), "VALID")
    return h.reshape(h.shape[0], -1) @ p[".dense.weight"] + p[".dense.bias"]


def _cross_entropy(numpy, nn, logits, labels):
    return -numpy.mean(numpy.sum(nn.log_softmax(logits) * nn.one_hot(labels, 3), axis=-1))


def test_small_cnn_loss_and_gradients_equal_jax():
    model = SmallCNN(key=KEY)
    x, labels = _normal(5, 8, 8, 1, seed=3), np.array([0, 2, 1, 1, 0])

    def loss(model, x):
        return _cross_entropy(znp, zenax.nn, model(x), labels)

    def loss_ref(p, x):
        return _cross_entropy(jnp, jax.nn, _cnn_reference(p, x), labels)

    params = named_params(model)
    for value_and_grad in (zenax.value_and_grad(loss, (0, 1)),
                           zenax.jit(zenax.value_and_grad(loss, (0, 1)))):
        value, (g_model, g_x) = value_and_grad(model, x)
        value_ref, (g_params, g_x_ref) = jax.value_and_grad(loss_ref, (0, 1))(params, x)
        np.testing.assert_allclose(value, value_ref, rtol=1e-6)
        g_named = named_params(g_model)
        assert sorted(g_named) == sorted(g_params)
        for name in g_named:
            np.testing.assert_allclose(g_named[name], g_params[name], rtol=1e-4, atol=1e-6,
                                       err_msg=name)
        np.testing.assert_allclose(g_x, g_x_ref, rtol=1e-4, atol=1e-6)
    # The layer check too: forward, sin-loss gradients, jit.
    check_module(model, lambda m, x: m(x), _cnn_reference, x, tol=(1e-5, 1e-5))
    per_example = zenax.vmap(lambda x: model(x[None])[0])(x)
    assert_close(per_example, _cnn_reference(params, x), rtol=1e-5, atol=1e-5)
