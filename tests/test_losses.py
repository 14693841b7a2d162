"""zenax.losses against optax.losses: values and gradients (vs jax.grad of Optax's loss),
at ordinary and extreme (+-1e4) logits, with masks, eagerly and under zenax.jit."""
import doctest

import jax
import jax.numpy as jnp_ref
import numpy as np
import optax
import pytest

import zenax
import zenax.numpy as jnp
from zenax import losses
from zenax.models import losses as losses_module
from zenax.test_util import check_grads

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 5)).astype(np.float32) * 3
INT_LABELS = np.array([0, 4, 2, 2, 1, 3], np.int32)
PROB_LABELS = jax.nn.softmax(RNG.standard_normal((6, 5)).astype(np.float32))
EXTREME = (np.sign(LOGITS) * 1e4).astype(np.float32)
CLASS_MASK = np.array([[True] * 5] * 3 + [[True, False, True, False, True]] * 3)
EXAMPLE_MASK = np.array([True, True, False, True, False, True])


def _assert_value_and_grad_match(ours, theirs, logits, rtol=1e-5, atol=1e-5):
    """Same per-example values, and the same gradient of a weighted sum w.r.t. logits."""
    np.testing.assert_allclose(ours(logits), theirs(logits), rtol=rtol, atol=atol)
    np.testing.assert_allclose(zenax.jit(ours)(logits), theirs(logits), rtol=rtol, atol=atol)
    out_shape = np.shape(theirs(logits))
    weights = np.linspace(0.5, 1.5, int(np.prod(out_shape))).reshape(out_shape).astype(np.float32)
    g = zenax.grad(lambda x: jnp.sum(weights * ours(x)))(logits)
    g_ref = jax.grad(lambda x: jnp_ref.sum(weights * theirs(x)))(logits)
    assert np.all(np.isfinite(np.asarray(g)))
    np.testing.assert_allclose(g, g_ref, rtol=rtol, atol=atol)


@pytest.mark.parametrize("logits", [LOGITS, EXTREME], ids=["normal", "extreme"])
def test_softmax_cross_entropy_with_integer_labels(logits):
    _assert_value_and_grad_match(
        lambda x: losses.softmax_cross_entropy_with_integer_labels(x, INT_LABELS),
        lambda x: optax.losses.softmax_cross_entropy_with_integer_labels(x, INT_LABELS), logits)


def test_integer_labels_on_another_axis_and_with_a_class_mask():
    _assert_value_and_grad_match(
        lambda x: losses.softmax_cross_entropy_with_integer_labels(x.T, INT_LABELS, axis=0),
        lambda x: optax.losses.softmax_cross_entropy_with_integer_labels(x.T, INT_LABELS,
                                                                          axis=0), LOGITS)
    labels = np.array([0, 4, 2, 2, 0, 4], np.int32)  # allowed classes in the masked rows
    _assert_value_and_grad_match(
        lambda x: losses.softmax_cross_entropy_with_integer_labels(x, labels, where=CLASS_MASK),
        lambda x: optax.losses.softmax_cross_entropy_with_integer_labels(x, labels,
                                                                          where=CLASS_MASK),
        LOGITS)


@pytest.mark.parametrize("logits", [LOGITS, EXTREME], ids=["normal", "extreme"])
def test_softmax_cross_entropy(logits):
    _assert_value_and_grad_match(
        lambda x: losses.softmax_cross_entropy(x, PROB_LABELS),
        lambda x: optax.losses.softmax_cross_entropy(x, PROB_LABELS), logits)
    one_hot = np.eye(5, dtype=np.float32)[INT_LABELS]
    _assert_value_and_grad_match(
        lambda x: losses.softmax_cross_entropy(x, one_hot, where=CLASS_MASK),
        lambda x: optax.losses.softmax_cross_entropy(x, one_hot, where=CLASS_MASK), logits)


@pytest.mark.parametrize("logits", [LOGITS, EXTREME], ids=["normal", "extreme"])
def test_sigmoid_binary_cross_entropy(logits):
    labels = (RNG.random(logits.shape) > 0.5).astype(np.float32)
    _assert_value_and_grad_match(
        lambda x: losses.sigmoid_binary_cross_entropy(x, labels),
        lambda x: optax.losses.sigmoid_binary_cross_entropy(x, labels), logits)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("logits", [LOGITS, EXTREME], ids=["normal", "extreme"])
def test_cross_entropy_is_the_mean_of_optax_with_smoothed_labels(smoothing, logits):
    def reference(x, where=None):
        targets = optax.smooth_labels(jax.nn.one_hot(INT_LABELS, 5), smoothing)
        per_example = optax.losses.softmax_cross_entropy(x, targets)
        return jnp_ref.mean(per_example) if where is None else \
            jnp_ref.sum(jnp_ref.where(where, per_example, 0.0)) / jnp_ref.sum(where)

    for where in (None, EXAMPLE_MASK):
        ours = lambda x: losses.cross_entropy(x, INT_LABELS, label_smoothing=smoothing,  # noqa
                                              where=where)
        np.testing.assert_allclose(ours(logits), reference(logits, where), rtol=1e-5)
        np.testing.assert_allclose(zenax.grad(ours)(logits),
                                   jax.grad(reference)(logits, where), rtol=1e-5, atol=1e-6)


def test_cross_entropy_with_nothing_selected_is_zero():
    loss = losses.cross_entropy(LOGITS, INT_LABELS, where=np.zeros(6, bool))
    assert float(loss) == 0.0


def test_cross_entropy_gradients_match_finite_differences(x64):
    logits = LOGITS.astype(np.float64)
    check_grads(lambda x: losses.cross_entropy(x, INT_LABELS, label_smoothing=0.2,
                                               where=EXAMPLE_MASK), (logits,), order=2)


@pytest.mark.parametrize("name", ["squared_error", "l2_loss"])
def test_regression_losses(name):
    predictions, targets = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    ours, theirs = getattr(losses, name), getattr(optax.losses, name)
    np.testing.assert_allclose(ours(predictions, targets), theirs(predictions, targets),
                               rtol=1e-6)
    np.testing.assert_allclose(ours(predictions), theirs(predictions), rtol=1e-6)
    g = zenax.grad(lambda p: jnp.sum(ours(p, targets)))(predictions)
    np.testing.assert_allclose(g, jax.grad(lambda p: jnp_ref.sum(theirs(p, targets)))(
        predictions), rtol=1e-6)


def test_mean_squared_error():
    predictions, targets = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(losses.mean_squared_error(predictions, targets),
                               jnp_ref.mean(optax.losses.squared_error(predictions, targets)),
                               rtol=1e-6)


def test_accuracy():
    expected = np.mean(np.argmax(LOGITS, axis=-1) == INT_LABELS)
    np.testing.assert_allclose(losses.accuracy(LOGITS, INT_LABELS), expected)
    np.testing.assert_allclose(zenax.jit(losses.accuracy)(LOGITS, INT_LABELS), expected)


def test_bad_input_errors():
    with pytest.raises(TypeError, match=r"softmax_cross_entropy_with_integer_labels: labels "
                                        r"must be integer class indices.*softmax_cross_entropy"):
        losses.softmax_cross_entropy_with_integer_labels(LOGITS, PROB_LABELS[:, 0])
    with pytest.raises(ValueError, match=r"cross_entropy: labels must have the shape of logits "
                                         r"without the class axis 1, \(6,\); received labels of "
                                         r"shape \(6, 1\)"):
        losses.cross_entropy(LOGITS, INT_LABELS[:, None])
    with pytest.raises(TypeError, match=r"softmax_cross_entropy: logits must be a "
                                        r"floating-point array; received dtype int32"):
        losses.softmax_cross_entropy(INT_LABELS, INT_LABELS)
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: labels must have the shape"):
        losses.softmax_cross_entropy(LOGITS, INT_LABELS)
    with pytest.raises(ValueError, match=r"cross_entropy: label_smoothing must be in \[0, 1\)"):
        losses.cross_entropy(LOGITS, INT_LABELS, label_smoothing=1.5)


@pytest.mark.parametrize("module", [losses_module, losses])
def test_docstring_examples_run(module):
    results = doctest.testmod(module, extraglobs={"zenax": zenax, "jnp": jnp},
                              optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0 and results.failed == 0
