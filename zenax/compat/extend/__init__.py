"""Views of JAX's ``jax.extend`` modules for libraries under ``zenax.install_as_jax()``
(see ``zenax.compat``)."""
