"""zenax.losses: loss functions with Optax's names and numerics, plus ``cross_entropy``
(integer labels, label smoothing, padding mask) and ``accuracy``.

>>> import zenax.numpy as jnp
>>> from zenax import losses
>>> logits = jnp.array([[3.0, 0.0], [0.0, 3.0]])
>>> float(losses.accuracy(logits, jnp.array([0, 0])))
0.5
>>> round(float(losses.cross_entropy(logits, jnp.array([0, 1]), label_smoothing=0.1)), 4)
0.1986
"""
from zenax.models.losses import (accuracy, cross_entropy, l2_loss,  # noqa: F401
                                 mean_squared_error, sigmoid_binary_cross_entropy,
                                 smooth_labels, softmax_cross_entropy,
                                 softmax_cross_entropy_with_integer_labels, squared_error)
