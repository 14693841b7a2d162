"""View of ``jax._src.tree_util`` for libraries under ``zenax.install_as_jax()``.

Flax NNX asks ``type(x) in jax._src.tree_util._registry`` to tell a registered pytree
node from a leaf. ``_registry`` here is a live, read-only mapping over zenax's own pytree
registry (``zenax.tracer.pytree``): a type registered later through
``jax.tree_util.register_pytree_node`` is in it too. Its values have JAX's two fields,
``to_iter`` (flatten) and ``from_iter`` (unflatten).

>>> import zenax
>>> from zenax.compat._src import tree_util
>>> dict in tree_util._registry, int in tree_util._registry
(True, False)
"""
from __future__ import annotations

import collections
from collections.abc import Iterator, Mapping
from typing import Any

from zenax.tracer import pytree as _pytree

__all__ = ["_registry"]

_RegistryEntry = collections.namedtuple("_RegistryEntry", ["to_iter", "from_iter"])


class _RegistryView(Mapping):
    """The node types of zenax's pytree registry, each with its flatten/unflatten pair."""

    def __getitem__(self, node_type: type) -> _RegistryEntry:
        rule = _pytree._registry[node_type]
        return _RegistryEntry(rule.flatten, rule.unflatten)

    def __contains__(self, node_type: Any) -> bool:
        return node_type in _pytree._registry

    def __iter__(self) -> Iterator[type]:
        return iter(list(_pytree._registry))

    def __len__(self) -> int:
        return len(_pytree._registry)


_registry = _RegistryView()
