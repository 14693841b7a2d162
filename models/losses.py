"""Loss functions (Optax's ``optax.losses`` names and numerics), plus two conveniences:
:func:`cross_entropy` (integer labels, label smoothing, padding mask, mean) and
:func:`accuracy`.

Optax's losses return one value per example; take the mean yourself.  All of them are
stable at extreme logits (they go through ``log_softmax``/``log_sigmoid``, never
``log(softmax)``).

>>> import zenax.numpy as jnp
>>> from zenax import losses
>>> logits = jnp.array([[2.0, 0.0, -1.0]])
>>> losses.softmax_cross_entropy_with_integer_labels(logits, jnp.array([0]))
Array([0.16984606], dtype=float32)
"""
from __future__ import annotations

import numpy as np

import zenax.lax.jnp as jnp
from zenax.models.nn import log_sigmoid, log_softmax, logsumexp, one_hot


def _check_floating(fn_name: str, arg_name: str, x):
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise TypeError(f"{fn_name}: {arg_name} must be a floating-point array; received "
                        f"dtype {x.dtype}. Cast it with {arg_name}.astype(jnp.float32).")


def _check_integer_labels(fn_name: str, logits, labels, axis: int):
    if not jnp.issubdtype(labels.dtype, jnp.integer):
        raise TypeError(
            f"{fn_name}: labels must be integer class indices; received dtype {labels.dtype}. "
            "For probability (one-hot or soft) labels use softmax_cross_entropy.")
    expected = logits.shape[:axis] + logits.shape[axis + 1:]
    if labels.shape != expected:
        raise ValueError(
            f"{fn_name}: labels must have the shape of logits without the class axis "
            f"{axis}, {expected}; received labels of shape {labels.shape} for logits of "
            f"shape {logits.shape}.")


def softmax_cross_entropy(logits, labels, axis: int = -1, where=None):
    """Cross entropy between ``softmax(logits)`` and probability ``labels`` (one-hot or
    soft), along ``axis``; ``where`` masks out classes.  One value per example.

    >>> softmax_cross_entropy(jnp.array([[0.0, 0.0]]), jnp.array([[1.0, 0.0]]))
    Array([0.6931472], dtype=float32)
    """
    logits, labels = jnp.asarray(logits), jnp.asarray(labels)
    _check_floating("softmax_cross_entropy", "logits", logits)
    if labels.shape != logits.shape:
        raise ValueError(
            f"softmax_cross_entropy: labels must have the shape of logits {logits.shape}; "
            f"received {labels.shape}. For integer class indices use "
            "softmax_cross_entropy_with_integer_labels.")
    if where is not None and jnp.ndim(where) != logits.ndim:
        where = jnp.expand_dims(where, axis)
    log_probs = log_softmax(logits, axis, where)
    return -jnp.sum(labels * log_probs, axis, where=where)


def softmax_cross_entropy_with_integer_labels(logits, labels, axis: int = -1, where=None):
    """Cross entropy between ``softmax(logits)`` and integer class ``labels``:
    ``logsumexp(logits) - logits[label]``.  One value per example.

    >>> softmax_cross_entropy_with_integer_labels(jnp.array([[0.0, 0.0]]), jnp.array([1]))
    Array([0.6931472], dtype=float32)
    """
    logits, labels = jnp.asarray(logits), jnp.asarray(labels)
    fn_name = "softmax_cross_entropy_with_integer_labels"
    _check_floating(fn_name, "logits", logits)
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{fn_name}: axis must be an int; received {axis!r}.")
    axis = int(axis) % logits.ndim
    _check_integer_labels(fn_name, logits, labels, axis)
    if where is not None and jnp.ndim(where) != logits.ndim:
        where = jnp.expand_dims(where, axis)
    # Select the label's logit with a boolean one-hot (a where, not a product: an infinite
    # logit elsewhere in the row stays out of it).
    is_label = one_hot(labels, logits.shape[axis], dtype=jnp.bool_, axis=axis)
    label_logits = jnp.sum(jnp.where(is_label, logits, 0.0), axis)
    masked_logits = logits if where is None else jnp.where(where, logits, -jnp.inf)
    out = logsumexp(masked_logits, axis=axis) - label_logits
    if where is not None:
        out = jnp.where(jnp.any(where, axis), out, 0.0)
    return out


def smooth_labels(labels, alpha: float):
    """Label smoothing: ``(1 - alpha) * labels + alpha / num_classes`` for one-hot
    ``labels`` (classes on the last axis).

    >>> smooth_labels(jnp.array([[1.0, 0.0]]), 0.5)
    Array([[0.75, 0.25]], dtype=float32)
    """
    labels = jnp.asarray(labels)
    _check_floating("smooth_labels", "labels", labels)
    return (1.0 - alpha) * labels + alpha / labels.shape[-1]


def cross_entropy(logits, labels, *, label_smoothing: float = 0.0, where=None):
    """The mean softmax cross entropy of ``logits`` (classes on the last axis) against
    integer ``labels``: the usual classification / language-model loss, as a scalar.

    ``label_smoothing`` mixes the one-hot targets with the uniform distribution as
    ``optax.smooth_labels`` does.  ``where`` (bools shaped like ``labels``) leaves positions
    out of the mean, e.g. padding tokens; if none is left, the loss is 0.

    >>> logits = jnp.array([[0.0, 0.0], [0.0, 0.0]])
    >>> cross_entropy(logits, jnp.array([0, 1]))
    Array(0.6931472, dtype=float32)
    >>> cross_entropy(logits, jnp.array([0, 1]), where=jnp.array([True, False]))
    Array(0.6931472, dtype=float32)
    """
    logits, labels = jnp.asarray(logits), jnp.asarray(labels)
    _check_floating("cross_entropy", "logits", logits)
    _check_integer_labels("cross_entropy", logits, labels, logits.ndim - 1)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1); received "
                         f"{label_smoothing}.")
    if label_smoothing:
        targets = smooth_labels(one_hot(labels, logits.shape[-1], dtype=logits.dtype),
                                label_smoothing)
        per_example = softmax_cross_entropy(logits, targets)
    else:
        per_example = softmax_cross_entropy_with_integer_labels(logits, labels)
    if where is None:
        return jnp.mean(per_example)
    where = jnp.broadcast_to(jnp.asarray(where, dtype=jnp.bool_), per_example.shape)
    total = jnp.sum(jnp.where(where, per_example, 0.0))
    return total / jnp.maximum(jnp.sum(where), 1).astype(per_example.dtype)


def sigmoid_binary_cross_entropy(logits, labels):
    """Binary cross entropy of ``sigmoid(logits)`` against ``labels`` in [0, 1],
    elementwise.

    >>> sigmoid_binary_cross_entropy(jnp.array([0.0]), jnp.array([1.0]))
    Array([0.6931472], dtype=float32)
    """
    logits = jnp.asarray(logits)
    _check_floating("sigmoid_binary_cross_entropy", "logits", logits)
    labels = jnp.asarray(labels).astype(logits.dtype)
    return -labels * log_sigmoid(logits) - (1.0 - labels) * log_sigmoid(-logits)


def squared_error(predictions, targets=None):
    """``(predictions - targets) ** 2`` elementwise (``predictions ** 2`` without targets).

    >>> squared_error(jnp.array([1.0, 3.0]), jnp.array([0.0, 1.0]))
    Array([1., 4.], dtype=float32)
    """
    predictions = jnp.asarray(predictions)
    _check_floating("squared_error", "predictions", predictions)
    if targets is not None and jnp.shape(targets) != predictions.shape:
        raise ValueError(f"squared_error: targets must have the shape of predictions "
                         f"{predictions.shape}; received {jnp.shape(targets)}.")
    errors = predictions - targets if targets is not None else predictions
    return errors ** 2


def l2_loss(predictions, targets=None):
    """Half the squared error, elementwise: ``0.5 * (predictions - targets) ** 2``.

    >>> l2_loss(jnp.array([2.0]), jnp.array([0.0]))
    Array([2.], dtype=float32)
    """
    return 0.5 * squared_error(predictions, targets)


def mean_squared_error(predictions, targets=None):
    """The mean of :func:`squared_error` over all elements, a scalar.

    >>> mean_squared_error(jnp.array([1.0, 3.0]), jnp.array([0.0, 1.0]))
    Array(2.5, dtype=float32)
    """
    return jnp.mean(squared_error(predictions, targets))


def accuracy(logits, labels):
    """The fraction of examples whose largest logit is at the integer label.

    >>> accuracy(jnp.array([[2.0, 1.0], [0.0, 3.0]]), jnp.array([0, 0]))
    Array(0.5, dtype=float32)
    """
    logits, labels = jnp.asarray(logits), jnp.asarray(labels)
    _check_integer_labels("accuracy", logits, labels, logits.ndim - 1)
    return jnp.mean(jnp.argmax(logits, axis=-1) == labels)
