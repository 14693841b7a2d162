"""View of ``jax._src.checkify`` for libraries under ``zenax.install_as_jax()``: zenax's
own checkify transform (``zenax.transforms.checkify``), with the internal names Flax NNX
uses in ``nnx.checkify``'s signature (``Out``, ``JaxException``).

>>> import zenax, zenax.numpy as jnp
>>> from zenax.compat._src import checkify
>>> err, out = checkify.checkify(lambda x: x + 1.0)(jnp.float32(1.0))
>>> err.get() is None, float(out)
(True, 2.0)
"""
from typing import TypeVar

from zenax.transforms.checkify import (Error, all_checks, automatic_checks, check,
                                       check_error, checkify, div_checks, float_checks,
                                       index_checks, init_error, nan_checks, user_checks)
from zenax.transforms.checkify_errors import JaxException, JaxRuntimeError

Out = TypeVar("Out")  # what the checked function returns

__all__ = ["Error", "JaxException", "JaxRuntimeError", "Out", "all_checks",
           "automatic_checks", "check", "check_error", "checkify", "div_checks",
           "float_checks", "index_checks", "init_error", "nan_checks", "user_checks"]
