"""zenax.config: JAX's option names with JAX's meaning.

>>> zenax.config.update("jax_enable_x64", True)

Options the back end must obey (x64, default device, ...) are forwarded to ``jax.config``;
zenax's own switches (``jax_disable_jit``, ``jax_log_compiles``,
``jax_explain_cache_misses``, ``jax_traceback_filtering``, ``jax_debug_nans``, and
``jax_check_tracer_leaks``, which drives ``tracer/leaks.py``) are kept here, with one
option of zenax's own: ``zenax_jit_cache_size``, the number of traced signatures each
jitted function keeps (least recently used dropped first; default 1024).
"""
from __future__ import annotations

import jax

from zenax.transforms.jit_config import config as _jit_config
from zenax.transforms.jit import set_cache_size as _set_jit_cache_size
from zenax.tracer import leaks as _leaks
from zenax.tracer import source_info as _source_info
from zenax.transforms import debugging as _debugging

# jit's switches live on jit's config object (``disable_jit()`` flips one of them too).
_JIT_OPTIONS = {"jax_disable_jit": "disable_jit", "jax_log_compiles": "log_compiles",
                "jax_explain_cache_misses": "explain_cache_misses"}
_values: dict = {"jax_debug_nans": False, "jax_traceback_filtering": "auto"}
_leak_checks: list = []   # the checking_leaks() blocks jax_check_tracer_leaks has entered


def _set_leak_checking(enabled: bool) -> None:
    if enabled and not _leaks.state.enabled:
        _leak_checks.append(_leaks.checking_leaks())
        _leak_checks[-1].__enter__()
    elif not enabled and _leaks.state.enabled and _leak_checks:
        _leak_checks.pop().__exit__(None, None, None)


def update(name: str, value) -> None:
    """Set option ``name`` (JAX's names, e.g. ``"jax_enable_x64"``, ``"jax_disable_jit"``)."""
    if name in _JIT_OPTIONS:
        setattr(_jit_config, _JIT_OPTIONS[name], bool(value))
        return
    if name == "zenax_jit_cache_size":
        _set_jit_cache_size(value)
    elif name == "jax_debug_nans":
        _debugging.set_debug_nans(bool(value))
    elif name == "jax_check_tracer_leaks":
        _set_leak_checking(bool(value))
        return
    elif name == "jax_traceback_filtering":
        _source_info.set_traceback_filtering(value not in ("off", False, None))
    else:
        jax.config.update(name, value)   # back-end options: x64, platforms, ...
    _values[name] = value


def read(name: str):
    if name in _JIT_OPTIONS:
        return getattr(_jit_config, _JIT_OPTIONS[name])
    if name == "zenax_jit_cache_size":
        return _jit_config.cache_size
    if name == "jax_check_tracer_leaks":
        return _leaks.state.enabled
    if name in _values:
        return _values[name]
    return getattr(jax.config, name)


def parse_flags_with_absl() -> None:
    """Apply the ``--jax_...`` command-line flags parsed by absl, as
    ``jax.config.parse_flags_with_absl()`` (test suites call it): the back end's options
    go to JAX's config, zenax's own switches (``--jax_disable_jit``, ...) here."""
    jax.config.parse_flags_with_absl()
    import absl.flags   # absl is not one of zenax's (or JAX's) requirements
    flags = absl.flags.FLAGS
    for name in (*_JIT_OPTIONS, *_values, "jax_check_tracer_leaks"):
        if name in flags and flags[name].present:
            update(name, flags[name].value)


def __getattr__(name):
    if name.startswith(("jax_", "zenax_")):
        return read(name)
    raise AttributeError(name)
