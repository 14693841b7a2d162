"""View of ``jax.experimental.mesh_utils`` for libraries under ``zenax.install_as_jax()``.

``create_device_mesh`` arranges JAX's device objects into an array for a ``Mesh``: it
describes the machine, not a program, so zenax uses JAX's function as it uses JAX's
meshes and shardings (DESIGN.md, section 6). Flax's tests build their meshes with it.

>>> import zenax
>>> from zenax.compat.experimental import mesh_utils
>>> mesh_utils.create_device_mesh((1,)).shape
(1,)
"""
from jax.experimental.mesh_utils import create_device_mesh, create_hybrid_device_mesh

__all__ = ["create_device_mesh", "create_hybrid_device_mesh"]
