"""The top-level config options as context managers (``with zenax.enable_x64(): ...``,
``with zenax.no_tracing(): ...``).

Each is a :class:`~zenax.transforms.config_contexts.ConfigOption` on top of
``zenax.config``; the setting itself is kept by ``jax.config`` (the back end), where the
layers below ``zenax`` read it.  What each does in zenax:

* ``no_execution`` -- running any compiled program raises RuntimeError (every zenax
  executable is one of JAX's, which checks the option).
* ``no_tracing`` -- tracing a function into a jaxpr (``jit``, ``make_jaxpr``) raises
  RuntimeError; cached ``jit`` signatures keep running.
* ``enable_checks`` -- every traced jaxpr is type-checked (``typecheck_jaxpr``).
* ``legacy_prng_key`` ("allow", "warn", "error") -- what raw ``uint32`` key data
  passed to a ``zenax.random`` function does; ``enable_custom_prng`` and
  ``default_prng_impl`` choose key types and the default implementation.
* ``thread_guard``, ``array_garbage_collection_guard`` -- runtime guards on arrays,
  which are JAX's.
* ``allow_f16_reductions``, ``auto_pcast``, ``remove_size_one_mesh_axis_from_type``,
  ``softmax_custom_jvp`` -- JAX's switches for its own reductions, shard_map typing and
  softmax rule; zenax keeps and reports the setting.
* ``debug_key_reuse`` -- off by default, as in JAX; zenax does not track key reuse.

>>> with no_tracing():
...     print(no_tracing.value)
True
"""
from __future__ import annotations

import functools

from zenax import config
from zenax.transforms.config_contexts import ConfigOption

__all__ = ["allow_f16_reductions", "array_garbage_collection_guard", "auto_pcast",
           "check_tracer_leaks", "debug_infs", "debug_key_reuse", "debug_nans",
           "default_device", "default_matmul_precision", "default_prng_impl",
           "enable_checks", "enable_custom_prng", "enable_x64", "explain_cache_misses",
           "legacy_prng_key", "log_compiles", "no_execution", "no_tracing",
           "numpy_dtype_promotion", "numpy_rank_promotion",
           "remove_size_one_mesh_axis_from_type", "softmax_custom_jvp", "thread_guard",
           "threefry_partitionable", "transfer_guard_device_to_device",
           "transfer_guard_device_to_host", "transfer_guard_host_to_device"]

# A boolean option's context turns it on when entered without a value, as JAX's do.
_bool_option = functools.partial(ConfigOption, update=config.update, read=config.read,
                                 default_context_value=True)
_option = functools.partial(ConfigOption, update=config.update, read=config.read)

enable_x64 = _bool_option("jax_enable_x64")
debug_nans = _bool_option("jax_debug_nans")
debug_infs = _bool_option("jax_debug_infs")
log_compiles = _bool_option("jax_log_compiles")
explain_cache_misses = _bool_option("jax_explain_cache_misses")
default_matmul_precision = _option("jax_default_matmul_precision")
default_device = _option("jax_default_device")
numpy_rank_promotion = _option("jax_numpy_rank_promotion")
numpy_dtype_promotion = _option("jax_numpy_dtype_promotion")
transfer_guard_host_to_device = _option("jax_transfer_guard_host_to_device")
transfer_guard_device_to_host = _option("jax_transfer_guard_device_to_host")
transfer_guard_device_to_device = _option("jax_transfer_guard_device_to_device")
threefry_partitionable = _bool_option("jax_threefry_partitionable")
check_tracer_leaks = _bool_option("jax_check_tracer_leaks")
allow_f16_reductions = _bool_option("jax_allow_f16_reductions")
array_garbage_collection_guard = _option("jax_array_garbage_collection_guard")
auto_pcast = _bool_option("jax_auto_pcast")
debug_key_reuse = _bool_option("jax_debug_key_reuse")
default_prng_impl = _option("jax_default_prng_impl")
enable_checks = _bool_option("jax_enable_checks")
enable_custom_prng = _bool_option("jax_enable_custom_prng")
legacy_prng_key = _option("jax_legacy_prng_key")
no_execution = _bool_option("jax_no_execution")
no_tracing = _bool_option("jax_no_tracing")
remove_size_one_mesh_axis_from_type = _bool_option("jax_remove_size_one_mesh_axis_from_type")
softmax_custom_jvp = _bool_option("jax_softmax_custom_jvp")
thread_guard = _bool_option("jax_thread_guard")
