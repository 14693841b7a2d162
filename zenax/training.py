"""zenax.training: ``make_train_step`` (a jit-compiled step, with gradient accumulation),
``fit`` (a loop with a progress bar and a loss history) and ``mixed_precision``.

>>> import zenax.numpy as jnp
>>> from zenax import optim, training
>>> step = training.make_train_step(lambda p, b: jnp.mean((p - b) ** 2), optim.adam(1e-2))
"""
from zenax.models.training import fit, make_train_step, mixed_precision  # noqa: F401
