"""zenax.example_libraries: the small example libraries older JAX code imports,
``optimizers`` (``(init_fun, update_fun, get_params)`` triples) and ``stax``
(``(init_fun, apply_fun)`` layers), written with zenax's own ops.

>>> from zenax.example_libraries import optimizers, stax
>>> opt_init, opt_update, get_params = optimizers.sgd(0.1)
>>> init_fun, apply_fun = stax.serial(stax.Dense(2), stax.Relu)
"""
from . import optimizers, stax  # noqa: F401

__all__ = ["optimizers", "stax"]
