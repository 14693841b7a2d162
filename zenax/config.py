"""zenax.config: JAX's option names with JAX's meaning.

>>> zenax.config.update("jax_enable_x64", True)

Options the back end must obey (x64, default device, ...) are forwarded to ``jax.config``;
zenax's own switches (``jax_disable_jit``, ``jax_log_compiles``,
``jax_traceback_filtering``) are kept here.
"""
from __future__ import annotations

import jax

from zenax.transforms.jit import config as _jit_config
from zenax.tracer import source_info as _source_info
from zenax.transforms import debugging as _debugging

_values: dict = {"jax_disable_jit": False, "jax_log_compiles": False, "jax_debug_nans": False,
                 "jax_traceback_filtering": "auto"}


def update(name: str, value) -> None:
    """Set option ``name`` (JAX's names, e.g. ``"jax_enable_x64"``, ``"jax_disable_jit"``)."""
    if name == "jax_disable_jit":
        _jit_config.disable_jit = bool(value)
    elif name == "jax_log_compiles":
        _jit_config.log_compiles = bool(value)
    elif name == "jax_debug_nans":
        _debugging.set_debug_nans(bool(value))
    elif name == "jax_traceback_filtering":
        _source_info.set_traceback_filtering(value not in ("off", False, None))
    else:
        jax.config.update(name, value)   # back-end options: x64, platforms, ...
    _values[name] = value


def read(name: str):
    if name in _values:
        return _values[name]
    return getattr(jax.config, name)


def __getattr__(name):
    if name.startswith("jax_"):
        return read(name)
    raise AttributeError(name)
