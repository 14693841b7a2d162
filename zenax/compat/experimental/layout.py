"""View of ``jax.experimental.layout`` for libraries under ``zenax.install_as_jax()``.

A ``Format`` (a device memory layout with a sharding) describes where an array's data
lives, not a program: like meshes and shardings it is one of JAX's runtime objects,
which zenax uses as they are (DESIGN.md, section 6). Flax's sharding helpers test
``isinstance(sharding, Format)`` to rename the axes inside one.

>>> import zenax
>>> from zenax.compat.experimental.layout import Format, Layout
>>> Format().layout is None
True
"""
from jax.experimental.layout import Format, Layout

__all__ = ["Format", "Layout"]
