"""Key paths: the names of the leaves of a pytree.

A key entry says how to get from a node to one of its children; a key path is the tuple
of entries from the root to a leaf. Their ``str`` forms concatenate into a Python-like
accessor: ``[0]['a'].x``. The four entry kinds are JAX's: ``SequenceKey`` (tuples, lists),
``DictKey`` (dicts), ``GetAttrKey`` (namedtuples, dataclasses) and ``FlattenedIndexKey``
(custom nodes registered without key functions). They sit below the node registry
(``pytree.py``), whose rules name the children of each node with them.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Hashable


@dataclasses.dataclass(frozen=True)
class SequenceKey:
    """The ``idx``-th element of a tuple or list: ``str(SequenceKey(0)) == '[0]'``."""
    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


@dataclasses.dataclass(frozen=True)
class DictKey:
    """The entry ``key`` of a dict: ``str(DictKey('a')) == "['a']"``."""
    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    """The attribute ``name`` (namedtuples, dataclasses): ``str(GetAttrKey('x')) == '.x'``."""
    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
    """The ``key``-th child of a custom node registered without key functions.

    ``str(FlattenedIndexKey(0)) == '[<flat index 0>]'``, the form JAX prints.
    """
    key: int

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


KeyEntry = Any  # one of the four classes above, or any user-defined printable key
KeyPath = tuple  # tuple[KeyEntry, ...]


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """Print a key path.

    >>> path = (DictKey('a'), SequenceKey(0), GetAttrKey('x'))
    >>> keystr(path)
    "['a'][0].x"
    >>> keystr(path, simple=True, separator='/')
    'a/0/x'
    """
    return separator.join(map(_simple_key_str if simple else str, keys))


def _simple_key_str(k: KeyEntry) -> str:
    """The bare key of an entry: ``0`` for ``[0]``, ``a`` for ``['a']`` and ``.a``."""
    if isinstance(k, SequenceKey):
        return str(k.idx)
    if isinstance(k, (DictKey, FlattenedIndexKey)):
        return str(k.key)
    if isinstance(k, GetAttrKey):
        return k.name
    return str(k)

