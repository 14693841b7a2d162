"""zenax.tree_util: pytrees (JAX's ``jax.tree_util`` surface)."""
from zenax.tracer.tree_util import *  # noqa: F401,F403
from zenax.tracer.tree_util import __all__ as _core_names
from zenax.tracer.tree_functions import (default_registry, flatten_one_level,  # noqa: F401
                                         flatten_one_level_with_keys, is_tree_node,
                                         tree_broadcast, tree_reduce_associative)

__all__ = [*_core_names, "default_registry", "flatten_one_level", "flatten_one_level_with_keys",
           "is_tree_node", "tree_broadcast", "tree_reduce_associative"]
