"""Views of JAX's internal modules for the libraries that reach into them.

Libraries built on JAX (Chex, Flax, Equinox, ...) import a few names from modules that
are not JAX's public API: ``jax.core.Tracer`` for isinstance checks, ``jax.extend.core``
to declare a primitive, ``jax.interpreters.ad`` to give it a derivative. Under
``zenax.install_as_jax()`` an import of ``jax.<name>`` that zenax has no public module
for is answered from this package, which mirrors JAX's layout (``jax.core`` ->
``zenax.compat.core``, ``jax.extend.core`` -> ``zenax.compat.extend.core``,
``jax._src.tree_util`` -> ``zenax.compat._src.tree_util``).

Every name here is a thin view of zenax's own machinery (its tracer classes, its
primitive registry, its rule tables), never JAX's: a library that declares a primitive
through ``jax.extend.core.Primitive`` gets a zenax primitive, whose rules zenax's
transforms use. A name a library needs that has no zenax counterpart is left out, so
the import fails with a clear error naming it and the tests that need it can be listed
(see ``tests/clients/``).
"""
