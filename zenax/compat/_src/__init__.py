"""Views of JAX's `jax._src` modules for libraries under zenax.install_as_jax() (see zenax.compat)."""
# Loaded with the package, as `import jax` loads JAX's: Chex reads
# `jax._src.xla_bridge._backends` without importing the module.
from . import xla_bridge  # noqa: F401
