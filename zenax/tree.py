"""zenax.tree: the pytree functions under short names (JAX's ``jax.tree``).

>>> import zenax
>>> zenax.tree.map(lambda x: x * 2, {'a': 1, 'b': (2, 3)})
{'a': 2, 'b': (4, 6)}
"""
from zenax.tracer.tree_util import (  # noqa: F401
    tree_all as all, tree_flatten as flatten, tree_flatten_with_path as flatten_with_path,
    tree_leaves as leaves, tree_leaves_with_path as leaves_with_path, tree_map as map,
    tree_map_with_path as map_with_path, tree_reduce as reduce, tree_structure as structure,
    tree_transpose as transpose, tree_unflatten as unflatten)
from zenax.tracer.tree_functions import (  # noqa: F401
    static, tree_broadcast as broadcast, tree_reduce_associative as reduce_associative)

__all__ = ["all", "broadcast", "flatten", "flatten_with_path", "leaves", "leaves_with_path",
           "map", "map_with_path", "reduce", "reduce_associative", "static", "structure",
           "transpose", "unflatten"]
