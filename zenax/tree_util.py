"""zenax.tree_util: pytrees (JAX's ``jax.tree_util`` surface)."""
from zenax.tracer.tree_util import *  # noqa: F401,F403
from zenax.tracer.tree_util import __all__  # noqa: F401
