"""zenax.nn against jax.nn: values, gradients, stability at extreme inputs, initializers."""
import jax
import jax.numpy as jnp_ref
import numpy as np
import pytest

import zenax
import zenax.nn as nn
import zenax.numpy as jnp

ACTIVATIONS = ["relu", "relu6", "sigmoid", "log_sigmoid", "softplus", "soft_sign", "silu",
               "gelu", "leaky_relu", "elu", "celu", "selu", "hard_tanh", "hard_sigmoid",
               "hard_silu", "softmax", "log_softmax", "logsumexp", "standardize"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_value_and_grad_match_jax(name):
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32) * 3
    ours, theirs = getattr(nn, name), getattr(jax.nn, name)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-5, atol=1e-5)
    g = zenax.grad(lambda x: jnp.sum(ours(x) ** 2))(x)
    g_ref = jax.grad(lambda x: jnp_ref.sum(theirs(x) ** 2))(x)
    np.testing.assert_allclose(g, g_ref, rtol=1e-4, atol=1e-4)


def test_relu_derivative_at_zero_is_zero():
    assert float(zenax.grad(nn.relu)(0.0)) == float(jax.grad(jax.nn.relu)(0.0)) == 0.0


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp", "sigmoid", "softplus"])
@pytest.mark.parametrize("scale", [1e4, 1e-30])
def test_stable_at_extreme_inputs(name, scale):
    x = np.array([[1.0, -1.0, 0.5], [-3.0, 2.0, 0.0]], np.float32) * np.float32(scale)
    ours, theirs = getattr(nn, name)(x), getattr(jax.nn, name)(x)
    assert np.all(np.isfinite(np.asarray(ours))) == np.all(np.isfinite(np.asarray(theirs)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_softmax_jvp_matches_jax_and_its_rule():
    x = np.random.default_rng(1).standard_normal(4).astype(np.float32)
    t = np.ones(4, np.float32)
    _, ours = zenax.jvp(nn.softmax, (x,), (t,))
    _, theirs = jax.jvp(jax.nn.softmax, (x,), (t,))
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    # A custom rule exactly when JAX uses one (its default, jax_softmax_custom_jvp=False,
    # differentiates the stop_gradient form instead).
    assert ("custom_jvp_call" in str(zenax.make_jaxpr(nn.softmax)(x))) == \
        ("custom_jvp_call" in str(jax.make_jaxpr(jax.nn.softmax)(x)))


def test_one_hot_matches_jax():
    labels = np.array([0, 2, 1, 3])
    np.testing.assert_array_equal(nn.one_hot(labels, 4), jax.nn.one_hot(labels, 4))
    np.testing.assert_array_equal(nn.one_hot(labels, 4, axis=0), jax.nn.one_hot(labels, 4, axis=0))


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "lecun_uniform",
                                  "lecun_normal", "he_uniform", "he_normal"])
def test_initializers_bit_identical_to_jax(name):
    ours = getattr(nn.initializers, name)()(zenax.random.PRNGKey(3), (16, 8))
    theirs = getattr(jax.nn.initializers, name)()(jax.random.PRNGKey(3), (16, 8))
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_simple_initializers():
    key = zenax.random.PRNGKey(0)
    assert np.all(np.asarray(nn.initializers.zeros(key, (2, 3))) == 0)
    np.testing.assert_array_equal(nn.initializers.normal(0.1)(key, (5,)),
                                  jax.nn.initializers.normal(0.1)(jax.random.PRNGKey(0), (5,)))
    with pytest.raises(ValueError, match="at least 2D"):
        nn.initializers.glorot_uniform()(key, (3,))
