"""Views of JAX's ``jax.experimental`` modules that zenax has no public counterpart for,
for libraries under ``zenax.install_as_jax()`` (see zenax.compat)."""
