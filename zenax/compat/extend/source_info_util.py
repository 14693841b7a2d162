"""View of ``jax.extend.source_info_util`` for libraries under ``zenax.install_as_jax()``
(for flax): ``register_exclusion`` makes zenax skip a library's frames when it records
the user's source line for each equation (``zenax.tracer.source_info``).

>>> import zenax
>>> from zenax.compat.extend import source_info_util
>>> source_info_util.register_exclusion("/nonexistent/lib/")
>>> from zenax.tracer.source_info import exclude_paths
>>> exclude_paths.remove("/nonexistent/lib/")
"""
from zenax.tracer.source_info import register_exclusion

__all__ = ["register_exclusion"]
