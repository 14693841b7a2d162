"""Views of JAX's ``jax.interpreters`` modules for libraries under
``zenax.install_as_jax()`` (see ``zenax.compat``)."""
