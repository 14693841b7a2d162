"""Pytrees: nested containers of arrays, flattened to a list of leaves plus a structure.

Every transform in zenax works on flat lists of arrays, while users pass nested tuples,
lists, dicts, dataclasses and their own classes. This module converts between the two,
with JAX's ``jax.tree_util`` names and semantics:

    >>> leaves, treedef = tree_flatten({'b': [1, None], 'a': (2,)})
    >>> leaves
    [2, 1]
    >>> treedef
    PyTreeDef({'a': (*,), 'b': [*, None]})
    >>> tree_unflatten(treedef, [20, 10])
    {'a': (20,), 'b': [10, None]}

The rules, as in JAX:

- A *node* is a value whose exact type is registered (tuple, list, dict, ``None``,
  ``OrderedDict``, ``defaultdict``, namedtuples, and whatever the user registers);
  anything else is a *leaf* (arrays, scalars, strings, subclasses of list ...).
- ``None`` is a node with no children, so it contributes no leaves.
- dicts and defaultdicts flatten in sorted key order; OrderedDicts keep insertion order.
- ``is_leaf(x)`` returning True stops the recursion at ``x``.
- Each node type has a rule: ``flatten(x) -> (children, aux_data)`` and
  ``unflatten(aux_data, children) -> x``. ``aux_data`` is the static part of the node
  (dict keys, a dataclass's static fields); it is compared when treedefs are compared.
- Flattening with paths names every leaf by its *key path*, a tuple of ``SequenceKey``,
  ``DictKey``, ``GetAttrKey`` and ``FlattenedIndexKey`` entries; ``keystr`` prints it.

This module is pure Python and imports nothing from JAX; tests/test_tree_util.py checks
it against ``jax.tree_util``.
"""
from __future__ import annotations

import collections
import dataclasses
import difflib
import functools
import operator
import textwrap
from typing import Any, Callable, Hashable, Iterable, Sequence, TypeVar

__all__ = [
    "PyTreeDef",
    "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure",
    "tree_map", "tree_transpose", "tree_reduce", "tree_all",
    "treedef_children", "treedef_is_leaf", "treedef_tuple", "all_leaves",
    "register_pytree_node", "register_pytree_node_class",
    "register_pytree_with_keys", "register_pytree_with_keys_class",
    "register_dataclass", "register_static",
    "SequenceKey", "DictKey", "GetAttrKey", "FlattenedIndexKey", "KeyEntry", "KeyPath",
    "keystr", "tree_flatten_with_path", "tree_leaves_with_path", "tree_map_with_path",
    "Partial",
]

T = TypeVar("T")
Leaf = Any


# ## Key paths
#
# A key entry says how to get from a node to one of its children. Their ``str`` forms
# concatenate into a Python-like accessor: ``[0]['a'].x``.

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


# ## The registry
#
# One record per node type. ``kind`` only changes how a node is printed and how a
# mismatch is worded; flattening and unflattening go through the functions for every kind.

@dataclasses.dataclass(frozen=True)
class _NodeRule:
    kind: str  # "tuple" | "list" | "dict" | "none" | "namedtuple" | "dataclass" | "custom"
    flatten: Callable[[Any], tuple[Iterable[Any], Any]]
    unflatten: Callable[[Any, tuple], Any]
    flatten_with_keys: Callable[[Any], tuple[Iterable[tuple[KeyEntry, Any]], Any]] | None


_registry: dict[type, _NodeRule] = {}
_namedtuple_rules: dict[type, _NodeRule] = {}  # built on first sight of each namedtuple
# Types seen to be leaves, so the hot path skips ``_rule_for``'s namedtuple probe;
# registering a node type clears it.
_KNOWN_LEAF_TYPES: set[type] = set()


def _register(nodetype: type, rule: _NodeRule) -> None:
    if nodetype in _registry:
        raise ValueError(f"Duplicate custom PyTreeDef type registration for {nodetype}.")
    _registry[nodetype] = rule
    _KNOWN_LEAF_TYPES.discard(nodetype)


def _rule_for(ty: type) -> _NodeRule | None:
    """The node rule for values of exact type ``ty``, or None if they are leaves."""
    rule = _registry.get(ty)
    if rule is None and issubclass(ty, tuple) and hasattr(ty, "_fields"):
        rule = _namedtuple_rules.get(ty)
        if rule is None:
            rule = _namedtuple_rules[ty] = _NodeRule(
                "namedtuple",
                lambda x: (tuple(x), None),
                lambda _, children: ty(*children),
                lambda x: (tuple((GetAttrKey(f), c) for f, c in zip(x._fields, x)), None))
    return rule


def _sorted_keys(d: dict) -> tuple:
    try:
        return tuple(sorted(d))
    except Exception as e:
        raise ValueError("Comparator raised exception while sorting pytree dictionary keys.") from e


def _dict_flatten(d: dict) -> tuple[tuple, tuple]:
    keys = _sorted_keys(d)
    return tuple(d[k] for k in keys), keys


def _dict_flatten_with_keys(d: dict) -> tuple[tuple, tuple]:
    keys = _sorted_keys(d)
    return tuple((DictKey(k), d[k]) for k in keys), keys


_register(tuple, _NodeRule(
    "tuple", lambda x: (x, None), lambda _, cs: tuple(cs),
    lambda x: (tuple((SequenceKey(i), c) for i, c in enumerate(x)), None)))
_register(list, _NodeRule(
    "list", lambda x: (x, None), lambda _, cs: list(cs),
    lambda x: (tuple((SequenceKey(i), c) for i, c in enumerate(x)), None)))
_register(dict, _NodeRule(
    "dict", _dict_flatten, lambda keys, cs: dict(zip(keys, cs)), _dict_flatten_with_keys))
_register(type(None), _NodeRule(
    "none", lambda _: ((), None), lambda _, cs: None, lambda _: ((), None)))


def register_pytree_node(
    nodetype: type[T],
    flatten_func: Callable[[T], tuple[Iterable[Any], Any]],
    unflatten_func: Callable[[Any, Iterable[Any]], T],
    flatten_with_keys_func: Callable[[T], tuple[Iterable[tuple[KeyEntry, Any]], Any]] | None = None,
) -> None:
    """Make ``nodetype`` a pytree node.

    ``flatten_func(x) -> (children, aux_data)``; ``unflatten_func(aux_data, children) -> x``.
    Without ``flatten_with_keys_func`` the children's keys are ``FlattenedIndexKey(i)``.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, cs: Pair(*cs))
    >>> tree_structure(Pair(1, [2]))
    PyTreeDef(CustomNode(Pair[None], [*, [*]]))
    """
    _register(nodetype, _NodeRule("custom", flatten_func, unflatten_func, flatten_with_keys_func))


def register_pytree_with_keys(
    nodetype: type[T],
    flatten_with_keys: Callable[[T], tuple[Iterable[tuple[KeyEntry, Any]], Any]],
    unflatten_func: Callable[[Any, Iterable[Any]], T],
    flatten_func: Callable[[T], tuple[Iterable[Any], Any]] | None = None,
) -> None:
    """Like ``register_pytree_node``, but the flatten rule returns ``((key, child), ...)``.

    >>> class Point:
    ...     def __init__(self, x, y): self.x, self.y = x, y
    >>> register_pytree_with_keys(
    ...     Point, lambda p: (((GetAttrKey('x'), p.x), (GetAttrKey('y'), p.y)), None),
    ...     lambda _, cs: Point(*cs))
    >>> [keystr(path) for path, _ in tree_leaves_with_path(Point(1, 2))]
    ['.x', '.y']
    """
    if flatten_func is None:
        def flatten_func(x):
            key_children, aux = flatten_with_keys(x)
            return [c for _, c in key_children], aux
    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_node_class(cls: type[T]) -> type[T]:
    """Class decorator: register ``cls`` using its ``tree_flatten`` method and
    ``tree_unflatten`` classmethod.

    >>> @register_pytree_node_class
    ... class Box:
    ...     def __init__(self, v): self.v = v
    ...     def tree_flatten(self): return (self.v,), 'box'
    ...     @classmethod
    ...     def tree_unflatten(cls, aux, children): return cls(*children)
    >>> tree_leaves([Box(1), Box((2, 3))])
    [1, 2, 3]
    """
    register_pytree_node(cls, operator.methodcaller("tree_flatten"), cls.tree_unflatten)
    return cls


def register_pytree_with_keys_class(cls: type[T]) -> type[T]:
    """Class decorator: like ``register_pytree_node_class`` with a
    ``tree_flatten_with_keys`` method (``tree_flatten`` is optional).

    >>> @register_pytree_with_keys_class
    ... class Named:
    ...     def __init__(self, w): self.w = w
    ...     def tree_flatten_with_keys(self): return ((GetAttrKey('w'), self.w),), None
    ...     @classmethod
    ...     def tree_unflatten(cls, aux, children): return cls(*children)
    >>> keystr(tree_leaves_with_path(Named(1))[0][0])
    '.w'
    """
    flatten_func = operator.methodcaller("tree_flatten") if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(cls, operator.methodcaller("tree_flatten_with_keys"),
                              cls.tree_unflatten, flatten_func)
    return cls


def register_dataclass(
    nodetype: type[T],
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
    drop_fields: Sequence[str] = (),
) -> type[T]:
    """Register a dataclass: ``data_fields`` are children, ``meta_fields`` are aux data.

    For a dataclass both lists may be omitted: fields declared with
    ``field(metadata=dict(static=True))`` are meta, the others data.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Linear:
    ...     w: Any
    ...     b: Any
    ...     act: str = dataclasses.field(default='relu', metadata=dict(static=True))
    >>> tree_flatten(Linear(1.0, 2.0))
    ([1.0, 2.0], PyTreeDef(CustomNode(Linear[('relu',)], [*, *])))
    """
    if data_fields is None or meta_fields is None:
        if (data_fields is None) != (meta_fields is None):
            raise TypeError("register_dataclass: data_fields and meta_fields must both be "
                            f"specified when either is specified. "
                            f"Got {data_fields=} {meta_fields=}.")
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError("register_dataclass: data_fields and meta_fields are required when "
                            f"nodetype is not a dataclass. Got {nodetype=}.")
        fields = [f for f in dataclasses.fields(nodetype) if f.name not in drop_fields]
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)

    if dataclasses.is_dataclass(nodetype):
        init_fields = {f.name for f in dataclasses.fields(nodetype) if f.init} - set(drop_fields)
        given = {*data_fields, *meta_fields}
        if given != init_fields:
            msg = ("data_fields and meta_fields must include all dataclass fields with "
                   "``init=True`` and only them.")
            if missing := init_fields - given:
                msg += (f" Missing fields: {missing}. Add them to drop_fields to suppress "
                        "this error.")
            if unexpected := given - init_fields:
                msg += f" Unexpected fields: {unexpected}."
            raise ValueError(msg)
    if overlap := set(data_fields) & set(meta_fields):
        raise ValueError("data_fields and meta_fields must not overlap. "
                         f"Overlapping fields: {overlap}.")

    def flatten(x):
        return (tuple(getattr(x, n) for n in data_fields),
                tuple(getattr(x, n) for n in meta_fields))

    def flatten_with_keys(x):
        return (tuple((GetAttrKey(n), getattr(x, n)) for n in data_fields),
                tuple(getattr(x, n) for n in meta_fields))

    def unflatten(meta, data):
        return nodetype(**dict(zip(meta_fields, meta)), **dict(zip(data_fields, data)))

    _register(nodetype, _NodeRule("dataclass", flatten, unflatten, flatten_with_keys))
    return nodetype


def register_static(cls: type[T]) -> type[T]:
    """Register ``cls`` as a node with no children whose instance is its own aux data,
    so it is static under transforms. Instances must be hashable.

    >>> @register_static
    ... class Config:
    ...     def __repr__(self): return 'Config()'
    >>> tree_flatten([Config(), 1])
    ([1], PyTreeDef([CustomNode(Config[Config()], []), *]))
    """
    if getattr(cls, "__hash__", None) is None:
        raise TypeError(f"Cannot call `register_static` on {cls}: it is not hashable.")
    register_pytree_with_keys(cls, lambda x: ((), x), lambda x, _: x)
    return cls


# ## PyTreeDef: the structure of a tree with its leaves taken out

class PyTreeDef:
    """The structure of a pytree: a tree of nodes whose leaves are placeholders (``*``).

    Two treedefs are equal when they have the same node types, aux data and shape.

    >>> t = tree_structure((1, {'a': 2, 'b': None}))
    >>> t, t.num_leaves, t.num_nodes
    (PyTreeDef((*, {'a': *, 'b': None})), 2, 5)
    >>> t.unflatten(['x', 'y'])
    ('x', {'a': 'y', 'b': None})
    >>> t.children()
    [PyTreeDef(*), PyTreeDef({'a': *, 'b': None})]
    """
    __slots__ = ("node_type", "aux_data", "child_defs", "num_leaves", "num_nodes", "_rule", "_hash")

    def __init__(self, node_type: type | None, aux_data: Any, child_defs: tuple[PyTreeDef, ...]):
        # node_type is None for a leaf; a `None` value is a node of type NoneType.
        self.node_type = node_type
        self.aux_data = aux_data
        self.child_defs = child_defs
        self.num_leaves: int = 1 if node_type is None else sum(c.num_leaves for c in child_defs)
        self.num_nodes: int = 1 + sum(c.num_nodes for c in child_defs)
        self._rule = None if node_type is None else _rule_for(node_type)
        self._hash: int | None = None

    def unflatten(self, leaves: Iterable[Leaf]) -> Any:
        """Build the tree with this structure from ``leaves`` (the inverse of flatten)."""
        leaves = list(leaves)
        if len(leaves) < self.num_leaves:
            raise ValueError(f"Too few leaves for PyTreeDef; expected {self.num_leaves}, "
                             f"got {len(leaves)}")
        if len(leaves) > self.num_leaves:
            raise ValueError(f"Too many leaves for PyTreeDef; expected {self.num_leaves}.")
        return self._build(iter(leaves))

    def _build(self, leaves: Iterable[Leaf]) -> Any:
        if self.node_type is None:
            return next(leaves)
        children = tuple(c._build(leaves) for c in self.child_defs)
        return self._rule.unflatten(self.aux_data, children)

    def children(self) -> list[PyTreeDef]:
        """The treedefs of the root's children (empty for a leaf)."""
        return list(self.child_defs)

    def node_data(self) -> tuple[type, Any] | None:
        """``(node_type, aux_data)`` of the root, or None for a leaf."""
        return None if self.node_type is None else (self.node_type, self.aux_data)

    def compose(self, inner: PyTreeDef) -> PyTreeDef:
        """The structure of this tree with every leaf replaced by an ``inner`` tree."""
        if self.node_type is None:
            return inner
        children = tuple(c.compose(inner) for c in self.child_defs)
        return PyTreeDef(self.node_type, self.aux_data, children)

    def flatten_up_to(self, tree: Any) -> list[Any]:
        """Flatten ``tree`` only as deep as this structure goes: each leaf here takes a
        whole subtree of ``tree``. Raises ValueError if ``tree`` does not have this
        structure as a prefix.

        >>> tree_structure([0, 0]).flatten_up_to([(1, 2), {'a': 3}])
        [(1, 2), {'a': 3}]
        """
        out: list[Any] = []
        self._flatten_up_to(tree, out)
        return out

    def _flatten_up_to(self, x: Any, out: list[Any]) -> None:
        if self.node_type is None:
            out.append(x)
            return
        children = self._check_node(x)
        for child_def, child in zip(self.child_defs, children):
            child_def._flatten_up_to(child, out)

    def _check_node(self, x: Any) -> Sequence[Any]:
        """The children of ``x`` if it is a node like this one; else a ValueError worded
        as JAX's for the kind of node."""
        kind, ty, n = self._rule.kind, self.node_type, len(self.child_defs)
        if kind in ("tuple", "list"):
            if type(x) is not ty:
                raise ValueError(f"Expected {kind}, got {x!r}.")
            if len(x) != n:
                raise ValueError(f"{kind.capitalize()} arity mismatch: {len(x)} != {n}; "
                                 f"{kind}: {x!r}.")
            return x
        if kind == "dict":
            if type(x) is not dict:
                raise ValueError(f"Expected dict, got {x!r}.")
            if (keys := _sorted_keys(x)) != self.aux_data:
                raise ValueError(f"Dict key mismatch; expected keys: {list(self.aux_data)}; "
                                 f"present keys: {list(keys)}.")
            return [x[k] for k in keys]
        if kind == "none":
            if x is not None:
                raise ValueError(f"Expected None, got {x!r}. None is a pytree node with no "
                                 "children, not a prefix of other trees.")
            return ()
        if kind == "namedtuple":
            if not (isinstance(x, tuple) and hasattr(x, "_fields")):
                raise ValueError(f"Expected named tuple, got {x!r}.")
            if type(x) is not ty:
                raise ValueError(f"Named tuple type mismatch: expected type: {ty}, tuple: {x!r}.")
            return x
        what = "custom dataclass node" if kind == "dataclass" else "custom node"
        if type(x) is not ty:
            raise ValueError(f"{what.capitalize()} type mismatch: expected type: {ty}, "
                             f"value: {x!r}.")
        children, aux = self._rule.flatten(x)
        children = list(children)
        if aux != self.aux_data:
            raise ValueError(f"Mismatch {what} data: {self.aux_data!r} != {aux!r}; value: {x!r}.")
        if len(children) != n:
            raise ValueError(f"Custom type arity mismatch: {len(children)} != {n}; value: {x!r}.")
        return children

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return (self.node_type is other.node_type and self.aux_data == other.aux_data
                and self.child_defs == other.child_defs)

    def __hash__(self) -> int:
        # aux_data is left out: it need not be hashable (JAX does the same).
        if self._hash is None:
            self._hash = hash((self.node_type, self.child_defs))
        return self._hash

    def __repr__(self) -> str:
        return f"PyTreeDef({self._str()})"

    def _str(self) -> str:
        kind = "leaf" if self.node_type is None else self._rule.kind
        cs = [c._str() for c in self.child_defs]
        if kind == "leaf":
            return "*"
        if kind == "none":
            return "None"
        if kind == "tuple":
            return f"({cs[0]},)" if len(cs) == 1 else f"({', '.join(cs)})"
        if kind == "list":
            return f"[{', '.join(cs)}]"
        if kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.aux_data, cs)) + "}"
        if kind == "namedtuple":
            return f"CustomNode(namedtuple[{self.node_type.__name__}], [{', '.join(cs)}])"
        return f"CustomNode({self.node_type.__name__}[{self.aux_data}], [{', '.join(cs)}])"


_LEAF = PyTreeDef(None, None, ())


# ## Flattening

def _node(node_type: type, rule: _NodeRule, aux: Any, child_defs: tuple) -> PyTreeDef:
    """A PyTreeDef built without re-looking-up its rule (the flatten hot path)."""
    d = PyTreeDef.__new__(PyTreeDef)
    d.node_type, d.aux_data, d.child_defs, d._rule, d._hash = (node_type, aux, child_defs,
                                                                rule, None)
    n_leaves, n_nodes = 0, 1
    for c in child_defs:
        n_leaves += c.num_leaves
        n_nodes += c.num_nodes
    d.num_leaves, d.num_nodes = n_leaves, n_nodes
    return d


def _rule_or_leaf(x: Any, leaves: list) -> _NodeRule | None:
    """The node rule of ``x``'s type; or None, after appending ``x`` to ``leaves``."""
    ty = type(x)
    rule = _registry.get(ty)
    if rule is None and ty not in _KNOWN_LEAF_TYPES:
        rule = _rule_for(ty)
        if rule is None:
            _KNOWN_LEAF_TYPES.add(ty)
    if rule is None:
        leaves.append(x)
    return rule


def _flatten_plain(x: Any, leaves: list) -> PyTreeDef:
    """``_flatten`` without ``is_leaf`` or paths: the common case, kept lean because jit
    flattens its arguments on every call."""
    rule = _rule_or_leaf(x, leaves)
    if rule is None:
        return _LEAF
    ty, kind = type(x), rule.kind
    if kind == "tuple" or kind == "list":
        return _node(ty, rule, None, tuple([_flatten_plain(c, leaves) for c in x]))
    if kind == "dict":
        keys = _sorted_keys(x)
        return _node(ty, rule, keys, tuple([_flatten_plain(x[k], leaves) for k in keys]))
    children, aux = rule.flatten(x)
    return _node(ty, rule, aux, tuple([_flatten_plain(c, leaves) for c in children]))


def flatten_signature(x: Any, leaves: list) -> Hashable:
    """Append the leaves of ``x`` to ``leaves`` and return a hashable signature of its
    structure: nested tuples of (node type, aux data, child signatures), ``None`` for a
    leaf.  Equal structures give equal signatures; hashing and comparing them runs in C,
    which is why ``jit`` keys its cache on this rather than on a ``PyTreeDef``.  Aux data
    must be hashable (``TypeError`` otherwise; use ``tree_flatten`` then)."""
    rule = _rule_or_leaf(x, leaves)
    if rule is None:
        return None
    ty, kind = type(x), rule.kind
    if kind == "tuple" or kind == "list":
        return (ty, tuple([flatten_signature(c, leaves) for c in x]))
    if kind == "dict":
        keys = _sorted_keys(x)
        return (ty, keys, tuple([flatten_signature(x[k], leaves) for k in keys]))
    children, aux = rule.flatten(x)
    return (ty, aux, tuple([flatten_signature(c, leaves) for c in children]))


def _flatten(x: Any, is_leaf: Callable | None, leaves: list, path: KeyPath | None) -> PyTreeDef:
    """Append the leaves of ``x`` to ``leaves`` and return its structure.

    With ``path=None`` leaves are appended bare and ``is_leaf`` takes ``x``; otherwise
    ``path`` is the key path of ``x``, ``(path, leaf)`` pairs are appended and ``is_leaf``
    takes ``(path, x)``.
    """
    # is_leaf sees every subtree, leaves included, as in JAX.
    stop = is_leaf is not None and (is_leaf(x) if path is None else is_leaf(path, x))
    rule = None if stop else _rule_for(type(x))
    if rule is None:
        leaves.append(x if path is None else (path, x))
        return _LEAF
    if path is None:
        children, aux = rule.flatten(x)
        child_defs = tuple(_flatten(c, is_leaf, leaves, None) for c in children)
    else:
        if rule.flatten_with_keys is None:
            children, aux = rule.flatten(x)
            key_children = [(FlattenedIndexKey(i), c) for i, c in enumerate(children)]
        else:
            key_children, aux = rule.flatten_with_keys(x)
        child_defs = tuple(_flatten(c, is_leaf, leaves, (*path, k)) for k, c in key_children)
    return PyTreeDef(type(x), aux, child_defs)


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None,
                 ) -> tuple[list[Leaf], PyTreeDef]:
    """Split ``tree`` into its leaves (depth first, dict keys sorted) and its structure.

    >>> tree_flatten([1, (2, None), {'y': 3, 'x': 4}])
    ([1, 2, 4, 3], PyTreeDef([*, (*, None), {'x': *, 'y': *}]))
    >>> tree_flatten([1, (2, 3)], is_leaf=lambda x: isinstance(x, tuple))
    ([1, (2, 3)], PyTreeDef([*, *]))
    """
    leaves: list[Leaf] = []
    if is_leaf is None:
        return leaves, _flatten_plain(tree, leaves)
    return leaves, _flatten(tree, is_leaf, leaves, None)


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Leaf]) -> Any:
    """Rebuild a tree from its structure and leaves: the inverse of ``tree_flatten``.

    >>> tree_unflatten(tree_structure((0, [0])), [1, 2])
    (1, [2])
    """
    return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Leaf]:
    """The leaves of ``tree``, in flattening order.

    >>> tree_leaves({'b': 1, 'a': [2, None]})
    [2, 1]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """The structure of ``tree``.

    >>> tree_structure((1, [2, 3]))
    PyTreeDef((*, [*, *]))
    """
    return tree_flatten(tree, is_leaf)[1]


def tree_flatten_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False,
) -> tuple[list[tuple[KeyPath, Leaf]], PyTreeDef]:
    """Like ``tree_flatten``, but each leaf comes with its key path.

    >>> pairs, _ = tree_flatten_with_path({'a': [1, 2]})
    >>> [(keystr(p), x) for p, x in pairs]
    [("['a'][0]", 1), ("['a'][1]", 2)]
    """
    if is_leaf is not None and not is_leaf_takes_path:
        is_leaf_one = is_leaf
        is_leaf = lambda _, x: is_leaf_one(x)
    leaves: list[tuple[KeyPath, Leaf]] = []
    return leaves, _flatten(tree, is_leaf, leaves, ())


def tree_leaves_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False,
) -> list[tuple[KeyPath, Leaf]]:
    """The ``(key_path, leaf)`` pairs of ``tree``.

    >>> tree_leaves_with_path((1, 2))
    [((SequenceKey(idx=0),), 1), ((SequenceKey(idx=1),), 2)]
    """
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


# ## Mapping and friends

def tree_map(f: Callable[..., Any], tree: Any, *rest: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Apply ``f`` to the leaves of ``tree``; with more trees, ``f`` gets the matching
    leaves of each. ``tree``'s structure must be a prefix of every tree in ``rest``
    (a leaf of ``tree`` takes a whole subtree of the others).

    >>> tree_map(lambda x: x * 10, {'a': 1, 'b': (2, None)})
    {'a': 10, 'b': (20, None)}
    >>> tree_map(lambda x, y: (x, y), [1, 2], [[3], 4])
    [(1, [3]), (2, 4)]
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    all_leaves = [leaves] + [_flatten_up_to_or_explain(treedef, tree, r, is_leaf, "tree_map tree")
                             for r in rest]
    return treedef.unflatten(f(*xs) for xs in zip(*all_leaves))


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any,
                       is_leaf: Callable[..., bool] | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
    """Like ``tree_map``, but ``f`` also receives each leaf's key path first.

    >>> tree_map_with_path(lambda p, x: f'{keystr(p)}={x}', {'a': 1, 'b': [2]})
    {'a': "['a']=1", 'b': ["['b'][0]=2"]}
    """
    path_leaves, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    all_leaves = [list(t) for t in zip(*path_leaves)] or [[], []]
    all_leaves += [_flatten_up_to_or_explain(treedef, tree, r, is_leaf, "tree_map_with_path tree",
                                             is_leaf_takes_path)
                   for r in rest]
    return treedef.unflatten(f(*xs) for xs in zip(*all_leaves))


def _flatten_up_to_or_explain(treedef: PyTreeDef, tree: Any, other: Any, is_leaf, name: str,
                              is_leaf_takes_path: bool = False) -> list[Any]:
    """``treedef.flatten_up_to(other)``; on a mismatch, re-raise with the key path where
    ``tree`` and ``other`` first disagree."""
    try:
        return treedef.flatten_up_to(other)
    except ValueError as e:
        if is_leaf_takes_path:  # the explanation below walks without paths
            raise
        msg = _prefix_mismatch((), tree, other, is_leaf, name)
        if msg is None:
            raise
        raise ValueError(msg) from None


def _flatten_one_level_with_keys(x: Any) -> tuple[list[KeyEntry], list[Any], Any]:
    rule = _rule_for(type(x))
    if rule.flatten_with_keys is None:
        children, aux = rule.flatten(x)
        children = list(children)
        return [FlattenedIndexKey(i) for i in range(len(children))], children, aux
    key_children, aux = rule.flatten_with_keys(x)
    return [k for k, _ in key_children], [c for _, c in key_children], aux


def _prefix_mismatch(path: KeyPath, prefix: Any, full: Any, is_leaf, name: str) -> str | None:
    """Explain the first place where ``prefix`` is not a pytree prefix of ``full``
    (None if it is one). The wording is JAX's."""
    at = f"    {name}{keystr(path)}\n"
    if _rule_for(type(prefix)) is None or (is_leaf is not None and is_leaf(prefix)):
        return None  # a leaf is a prefix of anything
    if type(prefix) is not type(full):
        return ("pytree structure error: different types at key path\n" + at +
                f"At that key path, the prefix pytree {name} has a subtree of type\n"
                f"    {type(prefix)}\n"
                "but at the same key path the full pytree has a subtree of different type\n"
                f"    {type(full)}.")
    if isinstance(prefix, (list, tuple)) and len(prefix) != len(full):
        ty = type(prefix).__name__
        return (f"pytree structure error: different lengths of {ty} at key path\n" + at +
                f"At that key path, the prefix pytree {name} has a subtree of type {ty} of "
                f"length {len(prefix)}, but the full pytree has a subtree of the same type but "
                f"of length {len(full)}.")
    p_keys, p_children, p_aux = _flatten_one_level_with_keys(prefix)
    f_keys, f_children, f_aux = _flatten_one_level_with_keys(full)
    if len(p_children) != len(f_children):
        names = lambda keys: " ".join(map(_simple_key_str, keys))
        try:  # sorted so the message is deterministic (JAX prints set order)
            diff = sorted(set(p_keys) ^ set(f_keys), key=_simple_key_str)
        except TypeError:
            diff = None
        return ("pytree structure error: different numbers of pytree children at key path\n"
                + at + f"At that key path, the prefix pytree {name} has a subtree of type\n"
                f"    {type(prefix)}\n"
                f"with {len(p_children)} child keys\n"
                f"    {names(p_keys)}\n"
                "but at the same key path the full pytree has a subtree of the same type but "
                f"with {len(f_children)} child keys\n"
                f"    {names(f_keys)}\n"
                + ("" if diff is None else
                   f"so the symmetric difference on key sets is\n    {names(diff)}"))
    if p_aux != f_aux:
        p_str, f_str = str(p_aux), str(f_aux)
        diff_lines = difflib.ndiff(p_str.splitlines(), f_str.splitlines())
        diff_text = textwrap.indent("\n".join(diff_lines), prefix="    ")
        return ("pytree structure error: different pytree metadata at key path\n" + at +
                f"At that key path, the prefix pytree {name} has a subtree of type\n"
                f"    {type(prefix)}\n"
                "with metadata\n"
                f"    {p_str}\n"
                "but at the same key path the full pytree has a subtree of the same type but "
                "with metadata\n"
                f"    {f_str}\n"
                "so the diff in the metadata at these pytree nodes is\n"
                f"{diff_text}")
    for k, p, f in zip(p_keys, p_children, f_children):
        if (msg := _prefix_mismatch((*path, k), p, f, is_leaf, name)) is not None:
            return msg
    return None


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
    """Turn an outer tree of inner trees into an inner tree of outer trees.

    ``inner_treedef=None`` infers it from the first outer element.

    >>> tree_transpose(tree_structure([0, 0]), tree_structure((0, 0)), [(1, 2), (3, 4)])
    ([1, 3], [2, 4])
    """
    flat, treedef = tree_flatten(pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(outer_treedef.flatten_up_to(pytree_to_transpose)[0])
    inner_size, outer_size = inner_treedef.num_leaves, outer_treedef.num_leaves
    if treedef.num_leaves != inner_size * outer_size:
        raise TypeError(f"Mismatch\n{treedef}\n != \n{outer_treedef.compose(inner_treedef)}")
    flat_iter = iter(flat)
    outer_rows = [[next(flat_iter) for _ in range(inner_size)] for _ in range(outer_size)]
    return inner_treedef.unflatten(outer_treedef.unflatten(column) for column in zip(*outer_rows))


_NO_INITIALIZER: Any = object()


def tree_reduce(function: Callable[[T, Any], T], tree: Any, initializer: T = _NO_INITIALIZER,
                is_leaf: Callable[[Any], bool] | None = None) -> T:
    """``functools.reduce`` over the leaves of ``tree``.

    >>> tree_reduce(lambda a, b: a + b, [1, (2, 3)]), tree_reduce(max, [], 0)
    (6, 0)
    """
    leaves = tree_leaves(tree, is_leaf=is_leaf)
    if initializer is _NO_INITIALIZER:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every leaf of ``tree`` is truthy.

    >>> tree_all([True, (1, None)]), tree_all({'a': 0})
    (True, False)
    """
    return all(tree_leaves(tree, is_leaf=is_leaf))


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The treedefs of the root's children.

    >>> treedef_children(tree_structure((1, [2, 3])))
    [PyTreeDef(*), PyTreeDef([*, *])]
    """
    return treedef.children()


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether the structure is a single node with no children (a leaf, or ``None``).

    >>> treedef_is_leaf(tree_structure(1)), treedef_is_leaf(tree_structure(None))
    (True, True)
    """
    return treedef.num_nodes == 1


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple whose elements have the given structures.

    >>> treedef_tuple([tree_structure(1), tree_structure([2])])
    PyTreeDef((*, [*]))
    """
    return PyTreeDef(tuple, None, tuple(treedefs))


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every element of ``iterable`` is a leaf (``None`` is not: it is a node).

    >>> all_leaves([1, 'a']), all_leaves([1, (2,)]), all_leaves([None])
    (True, False, False)
    """
    if is_leaf is None:
        return all(_rule_for(type(x)) is None for x in iterable)
    items = list(iterable)
    return items == tree_leaves(items, is_leaf)


# ## Partial: a functools.partial that is a pytree

class Partial(functools.partial):
    """A ``functools.partial`` whose bound arguments are pytree children and whose
    function is aux data, so it can be passed through transforms.

    >>> p = Partial(lambda a, b, c=0: a + b + c, 1, c=3)
    >>> p(10), tree_leaves(p)
    (14, [1, 3])
    >>> tree_map(lambda x: x * 2, p)(10)
    18
    """

    def __new__(cls, func: Callable[..., Any], *args: Any, **kw: Any) -> Partial:
        # functools.partial merges a partial `func` into the new one, which would turn
        # its bound arguments into children; hiding it behind a shim keeps them static.
        if isinstance(func, functools.partial):
            func = _HashableCallableShim(func)
        return super().__new__(cls, func, *args, **kw)


class _HashableCallableShim:
    """Wraps a callable, comparing and hashing as it does."""
    __slots__ = ("fun",)

    def __init__(self, fun: Callable[..., Any]):
        self.fun = fun

    def __call__(self, *args: Any, **kw: Any) -> Any:
        return self.fun(*args, **kw)

    def __hash__(self) -> int:
        return hash(self.fun)

    def __eq__(self, other: object) -> bool:
        return self.fun == (other.fun if isinstance(other, _HashableCallableShim) else other)

    def __repr__(self) -> str:
        return repr(self.fun)


register_pytree_node(
    Partial,
    lambda p: ((p.args, p.keywords), p.func),
    lambda func, children: Partial(func, *children[0], **children[1]),
)


# OrderedDict keeps insertion order (and its key order is aux data); defaultdict sorts
# its keys like dict and keeps default_factory as aux data.
register_pytree_with_keys(
    collections.OrderedDict,
    lambda x: (tuple((DictKey(k), v) for k, v in x.items()), tuple(x.keys())),
    lambda keys, values: collections.OrderedDict(zip(keys, values)),
)
def _defaultdict_flatten_with_keys(d: collections.defaultdict) -> tuple[tuple, tuple]:
    key_children, keys = _dict_flatten_with_keys(d)
    return key_children, (d.default_factory, keys)


register_pytree_with_keys(
    collections.defaultdict,
    _defaultdict_flatten_with_keys,
    lambda aux, values: collections.defaultdict(aux[0], zip(aux[1], values)),
)
