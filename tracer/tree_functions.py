"""The rest of JAX's tree functions: broadcasting a prefix, associative reduction, one-level
flattening, node-type queries, the registry object, and ``static`` dataclass fields.

They are built on the registry and flattening of ``pytree.py`` and on ``tree_map`` and
its prefix-mismatch explanations in ``tree_util.py``; ``zenax.tree`` and
``zenax.tree_util`` present them under JAX's names.

>>> tree_broadcast((1, 2), (0, {'a': 0, 'b': 0}))
(1, {'a': 2, 'b': 2})
>>> tree_reduce_associative(lambda a, b: (a, b), [1, 2, 3, 4, 5])
((1, 2), (3, (4, 5)))
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Hashable, Iterable, Sequence, TypeVar

from .key_paths import FlattenedIndexKey, KeyEntry, KeyPath
from .pytree import PyTreeDef, _rule_for, tree_flatten, tree_leaves, tree_structure
from .tree_util import (_flatten_up_to_or_explain, register_dataclass, register_pytree_node,
                        register_pytree_with_keys, tree_flatten_with_path)

__all__ = ["tree_broadcast", "tree_reduce_associative", "flatten_one_level",
           "flatten_one_level_with_keys", "is_tree_node", "default_registry", "static"]

T = TypeVar("T")


class _Unspecified:
    """The default of ``identity``: no value was given."""

    def __repr__(self) -> str:
        return "Unspecified()"


_UNSPECIFIED: Any = _Unspecified()


def tree_broadcast(prefix_tree: Any, full_tree: Any,
                   is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Repeat each leaf of ``prefix_tree`` over the matching subtree of ``full_tree``:
    the result has ``full_tree``'s structure. ``is_leaf`` applies to ``prefix_tree``.

    >>> tree_broadcast({'w': 1.0, 'b': 0}, {'w': (3, 4), 'b': [5]})
    {'b': [0], 'w': (1.0, 1.0)}
    """
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    subtrees = _flatten_up_to_or_explain(prefix_def, prefix_tree, full_tree, is_leaf,
                                         "broadcast_prefix prefix_tree")
    leaves = [x for x, sub in zip(prefix_leaves, subtrees)
              for _ in range(tree_structure(sub).num_leaves)]
    return tree_structure(full_tree).unflatten(leaves)


def _parallel_reduce(xs: Sequence[T], operation: Callable[[T, T], T], identity: Any) -> T:
    """Reduce halves recursively, so the combination tree has logarithmic depth."""
    if not xs:
        if identity is _UNSPECIFIED:
            raise TypeError("Must specify identity for parallel reduction of empty sequence.")
        return identity
    if len(xs) == 1:
        return xs[0]
    mid = len(xs) // 2
    return operation(_parallel_reduce(xs[:mid], operation, identity),
                     _parallel_reduce(xs[mid:], operation, identity))


def tree_reduce_associative(operation: Callable[[T, T], T], tree: Any, *,
                            identity: T = _UNSPECIFIED,
                            is_leaf: Callable[[Any], bool] | None = None) -> T:
    """Combine the leaves of ``tree`` with an associative ``operation``, pairing them in a
    balanced tree (depth log2 of the number of leaves). ``identity`` is returned for a
    tree with no leaves (a TypeError if it was not given).

    >>> tree_reduce_associative(lambda a, b: a + b, {'x': 1, 'y': [2, 3]})
    6
    >>> tree_reduce_associative(max, [], identity=0)
    0
    """
    return _parallel_reduce(tree_leaves(tree, is_leaf), operation, identity)


def _one_level(tree: Any, with_keys: bool):
    """The children (or ``(key, child)`` pairs) and aux data of ``tree``'s root node, or
    None if ``tree`` is a leaf.  Containers follow JAX's: a tuple for the built-in node
    types (a list is returned as it is without keys), a custom node's children as its
    flatten rule returns them, a list otherwise."""
    rule = _rule_for(type(tree))
    if rule is None:
        return None
    if with_keys and rule.flatten_with_keys is not None:
        children, aux = rule.flatten_with_keys(tree)
    else:
        children, aux = rule.flatten(tree)
        if with_keys:
            children = [(FlattenedIndexKey(i), c) for i, c in enumerate(children)]
    if rule.kind == "namedtuple":
        aux = type(tree)
    if rule.kind in ("tuple", "dict", "none") or (rule.kind == "list" and with_keys):
        return tuple(children), aux
    if rule.kind == "list":
        return tree, aux
    if rule.kind == "custom" and not with_keys:
        return children, aux
    return list(children), aux


def flatten_one_level(tree: Any) -> tuple[Iterable[Any], Hashable]:
    """Split the root node of ``tree`` into its children and its aux data (no recursion).
    A leaf raises ValueError.

    >>> flatten_one_level({'b': [1, 2], 'a': 3})
    ((3, [1, 2]), ('a', 'b'))
    """
    out = _one_level(tree, with_keys=False)
    if out is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    return out


def flatten_one_level_with_keys(tree: Any) -> tuple[Iterable[tuple[KeyEntry, Any]], Hashable]:
    """Like ``flatten_one_level``, with each child paired with its key entry.

    >>> flatten_one_level_with_keys((7, [8]))
    (((SequenceKey(idx=0), 7), (SequenceKey(idx=1), [8])), None)
    """
    out = _one_level(tree, with_keys=True)
    if out is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    return out


def is_tree_node(typ: type) -> bool:
    """Whether values of type ``typ`` are pytree nodes (built in, registered, or a
    namedtuple class) rather than leaves.

    >>> is_tree_node(dict), is_tree_node(type(None)), is_tree_node(int)
    (True, True, False)
    """
    return _rule_for(typ) is not None


class PyTreeRegistry:
    """The registry of node types, as an object with the methods of JAX's
    ``default_registry``. zenax has one registry; this is a view of it.

    >>> default_registry.flatten([1, (2, 3)])
    ([1, 2, 3], PyTreeDef([*, (*, *)]))
    >>> default_registry.is_node(list), default_registry.flatten_one_level(1) is None
    (True, True)
    """

    def flatten(self, tree: Any, leaf_predicate: Callable[[Any], bool] | None = None,
                ) -> tuple[list[Any], PyTreeDef]:
        return tree_flatten(tree, leaf_predicate)

    def flatten_with_path(self, tree: Any,
                          leaf_predicate: Callable[[KeyPath, Any], bool] | None = None,
                          ) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
        return tree_flatten_with_path(tree, leaf_predicate, is_leaf_takes_path=True)

    def flatten_one_level(self, tree: Any) -> tuple[Iterable[Any], Any] | None:
        return _one_level(tree, with_keys=False)

    def flatten_one_level_with_keys(self, tree: Any) -> tuple[Iterable[Any], Any] | None:
        return _one_level(tree, with_keys=True)

    def is_node(self, type: type) -> bool:  # noqa: A002  (JAX's parameter name)
        return is_tree_node(type)

    def register_node(self, type: type, to_iterable: Callable, from_iterable: Callable,  # noqa: A002
                      to_iterable_with_keys: Callable | None = None) -> None:
        if to_iterable_with_keys is None:
            register_pytree_node(type, to_iterable, from_iterable)
        else:
            register_pytree_with_keys(type, to_iterable_with_keys, from_iterable, to_iterable)

    def register_dataclass_node(self, type: type, data_fields: Sequence[str],  # noqa: A002
                                meta_fields: Sequence[str], /) -> None:
        register_dataclass(type, data_fields, meta_fields)

    def __repr__(self) -> str:
        return "default_registry"


default_registry = PyTreeRegistry()


def static(**kwargs: Any) -> Any:
    """A ``dataclasses.field`` marked static: ``register_dataclass`` makes it aux data
    (part of the structure) instead of a child.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Layer:
    ...     w: Any
    ...     act: str = static(default='relu')
    >>> tree_flatten(Layer(1.0))
    ([1.0], PyTreeDef(CustomNode(Layer[('relu',)], [*])))
    """
    metadata = {"static": True, **(kwargs.pop("metadata", None) or {})}
    return dataclasses.field(metadata=metadata, **kwargs)
