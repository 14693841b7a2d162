"""``jax._src.xla_bridge`` as zenax: whether JAX's runtime has started.

zenax runs on JAX's runtime (its devices and clients), which starts the first time any
operation runs. Some settings only take effect before that: the number of CPU devices
above all. Chex's ``set_n_cpu_devices`` writes ``--xla_force_host_platform_device_count``
into ``XLA_FLAGS`` and first reads the internal dict ``xla_bridge._backends`` (platform
-> client, empty until the runtime starts) to refuse when it is too late.

zenax answers from JAX's public configuration alone: ``jax_num_cpu_devices`` is an
option JAX lets change only before its runtime starts (it raises ``RuntimeError``
afterwards), so trying a change, then undoing it, tells the two states apart without
starting anything. ``_backends`` is computed on each read: ``{}`` before the start, the
clients of the started platforms (from the public ``Device.client``) after.

>>> import zenax.numpy as jnp
>>> from zenax.compat._src import xla_bridge
>>> _ = jnp.ones(2)  # runs an operation: the runtime has started
>>> xla_bridge.backends_are_initialized(), sorted(xla_bridge._backends)[:1]
(True, ['cpu'])
"""
from __future__ import annotations

import jax

__all__ = ["backends_are_initialized"]

_PROBE = "jax_num_cpu_devices"


def backends_are_initialized() -> bool:
    """Whether JAX's runtime (the backends zenax's arrays live on) has started."""
    current = getattr(jax.config, _PROBE)
    try:
        jax.config.update(_PROBE, current + 1)  # any other value: JAX validates it
    except RuntimeError:
        return True
    jax.config.update(_PROBE, current)
    return False


def _started_backends() -> dict:
    if not backends_are_initialized():
        return {}
    clients = {}
    for platform in dict.fromkeys(["cpu", jax.default_backend()]):
        try:
            clients[platform] = jax.devices(platform)[0].client
        except RuntimeError:  # a platform this process does not run (JAX_PLATFORMS)
            continue
    return clients


def __getattr__(name: str):
    if name == "_backends":
        return _started_backends()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
