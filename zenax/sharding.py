"""zenax.sharding: meshes, shardings and moving arrays between them (as ``jax.sharding``).

Meshes and shardings are JAX's runtime objects; ``reshard``, ``auto_axes`` and
``explicit_axes`` act on zenax programs (``zenax/transforms/sharding.py``).
"""
from zenax.transforms.sharding import (AbstractDevice, AbstractMesh, AxisType,  # noqa: F401
                                       ManualAxisType, Mesh, NamedSharding, PartitionSpec,
                                       Sharding, SingleDeviceSharding, auto_axes,
                                       explicit_axes, get_abstract_mesh, get_mesh,
                                       make_single_device_sharding, reshard, set_mesh,
                                       use_abstract_mesh)

__all__ = ["AbstractDevice", "AbstractMesh", "AxisType", "ManualAxisType", "Mesh",
           "NamedSharding", "PartitionSpec", "Sharding", "SingleDeviceSharding", "auto_axes",
           "explicit_axes", "get_abstract_mesh", "get_mesh", "make_single_device_sharding",
           "reshard", "set_mesh", "use_abstract_mesh"]
