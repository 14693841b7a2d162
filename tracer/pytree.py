"""The pytree core: which types are nodes, the structure of a tree, flatten and unflatten.

A node type has a rule, ``flatten(x) -> (children, aux_data)`` and ``unflatten(aux_data,
children) -> x``, in one registry (the built-in containers are registered here); anything
whose exact type has no rule is a leaf.  ``PyTreeDef`` is what is left of a tree once its
leaves are taken out; ``tree_flatten``, ``tree_unflatten``, ``tree_leaves`` and
``tree_structure`` go between the two forms.

Flattening runs on every call of a jitted function, so the common case (no ``is_leaf``,
no key paths) has a lean path, ``_flatten_plain``, and a twin, ``flatten_signature``,
that ``jit`` keys its cache on.

A tree may be nested far deeper than Python's recursion limit (JAX's C++ flattening stops
near 1,000 levels): walks over a treedef use an explicit stack, and flattening recurses
(faster) but falls back to an explicit-stack walk when it hits the recursion limit; past
``MAX_DEPTH`` levels flattening raises ``RecursionError``, which is what a tree that
contains itself reaches.  The registration functions, the functions built on
flattening (``tree_map``, key paths, ``tree_transpose`` ...) and the rules of the whole
API are in ``tree_util.py``, which presents it.  Pure Python: nothing from JAX.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Hashable, Iterable, Iterator, Sequence

from .key_paths import DictKey, FlattenedIndexKey, GetAttrKey, KeyEntry, KeyPath, SequenceKey

Leaf = Any


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


MAX_DEPTH = 100_000


def _too_deep(x: Any) -> RecursionError:
    return RecursionError(
        f"pytree flattening: the tree is nested more than MAX_DEPTH = {MAX_DEPTH} levels "
        f"deep (at a {type(x).__name__}); it probably contains itself (a cyclic reference).")


def _node_children(x: Any, rule: _NodeRule) -> tuple[Any, Any]:
    """``(children, aux_data)`` of node ``x``, checking what a custom rule returned."""
    kind = rule.kind
    if kind == "tuple" or kind == "list":
        return x, None
    if kind == "dict":
        keys = _sorted_keys(x)
        return [x[k] for k in keys], keys
    out = rule.flatten(x)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise ValueError(
            f"The flatten function registered for the pytree node type "
            f"{type(x).__qualname__} ({getattr(rule.flatten, '__qualname__', rule.flatten)}) "
            f"must return a pair (children, aux_data); it returned "
            f"{type(out).__name__} {_short_repr(out)}.")
    return out


def _short_repr(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


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
        return _map_structure(self, lambda d, built: d._rule.unflatten(d.aux_data, tuple(built)),
                              leaves=iter(leaves))

    def children(self) -> list[PyTreeDef]:
        """The treedefs of the root's children (empty for a leaf)."""
        return list(self.child_defs)

    def node_data(self) -> tuple[type, Any] | None:
        """``(node_type, aux_data)`` of the root, or None for a leaf."""
        return None if self.node_type is None else (self.node_type, self.aux_data)

    def compose(self, inner: PyTreeDef) -> PyTreeDef:
        """The structure of this tree with every leaf replaced by an ``inner`` tree."""
        return _map_structure(self, lambda d, defs: inner if d.node_type is None else
                              PyTreeDef(d.node_type, d.aux_data, tuple(defs)))

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
        stack = [(self, x)]
        while stack:
            d, y = stack.pop()
            if d.node_type is None:
                out.append(y)
                continue
            children = d._check_node(y)
            stack.extend(reversed(list(zip(d.child_defs, children))))

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
        stack = [(self, other)]
        while stack:
            a, b = stack.pop()
            if a is b:
                continue
            if (a.node_type is not b.node_type or len(a.child_defs) != len(b.child_defs)
                    or a.num_leaves != b.num_leaves or a.aux_data != b.aux_data):
                return False
            stack.extend(zip(a.child_defs, b.child_defs))
        return True

    def __hash__(self) -> int:
        # aux_data is left out: it need not be hashable (JAX does the same).
        if self._hash is None:
            def combine(d, child_hashes):
                if d._hash is None:
                    d._hash = hash((d.node_type, tuple(child_hashes)))
                return d._hash
            _map_structure(self, combine, skip=lambda d: d._hash is not None)
        return self._hash

    def __repr__(self) -> str:
        return f"PyTreeDef({self._str()})"

    def _str(self) -> str:
        return _map_structure(self, PyTreeDef._str_node)

    def _str_node(self, cs: list[str]) -> str:
        kind = "leaf" if self.node_type is None else self._rule.kind
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


def _map_structure(root: PyTreeDef, combine: Callable[[PyTreeDef, list], Any],
                   skip: Callable[[PyTreeDef], bool] | None = None,
                   leaves: Iterator[Any] | None = None) -> Any:
    """Post-order fold over a treedef without recursion: ``combine(d, results of d's
    children)`` for every node ``d`` (``skip(d)`` true: ``combine(d, [])`` at once).
    With ``leaves``, the result for each leaf is the next item of ``leaves`` instead."""
    if leaves is not None and root.node_type is None:
        return next(leaves)
    stack: list[tuple[PyTreeDef, list]] = [(root, [])]
    while True:
        d, done = stack[-1]
        if len(done) < len(d.child_defs) and not (skip is not None and skip(d)):
            c = d.child_defs[len(done)]
            if c.child_defs:
                stack.append((c, []))
            elif leaves is not None and c.node_type is None:
                done.append(next(leaves))
            else:               # a leaf or an empty node: no frame of its own
                done.append(combine(c, []))
            continue
        stack.pop()
        value = combine(d, done)
        if not stack:
            return value
        stack[-1][1].append(value)


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


def _with_deep_fallback(fast: Callable, deep: Callable) -> Callable:
    """``fast(x, leaves)`` (recursive), or ``deep(x, leaves)`` (an explicit stack) on a
    tree too deep for recursion, with ``leaves`` cut back to where it began."""
    def walk(x: Any, leaves: list) -> Any:
        start = len(leaves)
        try:
            return fast(x, leaves)
        except RecursionError:
            del leaves[start:]
            return deep(x, leaves)
    walk.__doc__ = fast.__doc__
    return walk


def _flatten_plain_fast(x: Any, leaves: list) -> PyTreeDef:
    """``_flatten`` without ``is_leaf`` or paths: the common case, kept lean because jit
    flattens its arguments on every call."""
    rule = _rule_or_leaf(x, leaves)
    if rule is None:
        return _LEAF
    kind = rule.kind
    if kind == "tuple" or kind == "list":
        return _node(type(x), rule, None, tuple([_flatten_plain_fast(c, leaves) for c in x]))
    if kind == "dict":
        keys = _sorted_keys(x)
        return _node(dict, rule, keys, tuple([_flatten_plain_fast(x[k], leaves) for k in keys]))
    children, aux = _node_children(x, rule)
    return _node(type(x), rule, aux, tuple([_flatten_plain_fast(c, leaves) for c in children]))


def _flatten_plain_deep(x: Any, leaves: list) -> PyTreeDef:
    rule = _rule_or_leaf(x, leaves)
    if rule is None:
        return _LEAF
    children, aux = _node_children(x, rule)
    # One frame per open node: [type, rule, aux, children, defs of the children so far].
    stack = [(type(x), rule, aux, children, [])]
    while True:
        ty, rule, aux, children, defs = stack[-1]
        if len(defs) < len(children):
            c = children[len(defs)]
            r = _rule_or_leaf(c, leaves)
            if r is None:
                defs.append(_LEAF)
            else:
                if len(stack) >= MAX_DEPTH:
                    raise _too_deep(c)
                k = r.kind
                cs, a = (c, None) if k == "tuple" or k == "list" else _node_children(c, r)
                stack.append((type(c), r, a, cs, []))
            continue
        stack.pop()
        d = _node(ty, rule, aux, tuple(defs))
        if not stack:
            return d
        stack[-1][4].append(d)


_flatten_plain = _with_deep_fallback(_flatten_plain_fast, _flatten_plain_deep)


def _signature_fast(x: Any, leaves: list) -> Hashable:
    """Append the leaves of ``x`` to ``leaves`` and return a hashable signature of its
    structure: nested tuples of (node type, aux data, child signatures), ``None`` for a
    leaf.  Equal structures give equal signatures; hashing and comparing them runs in C,
    which is why ``jit`` keys its cache on this rather than on a ``PyTreeDef``.  Aux data
    that is not hashable (a dict, a list) is compared by equality, as JAX does."""
    rule = _rule_or_leaf(x, leaves)
    if rule is None:
        return None
    kind = rule.kind
    if kind == "tuple" or kind == "list":
        return (type(x), tuple([_signature_fast(c, leaves) for c in x]))
    if kind == "dict":
        keys = _sorted_keys(x)
        return (dict, keys, tuple([_signature_fast(x[k], leaves) for k in keys]))
    children, aux = _node_children(x, rule)
    sigs = tuple([_signature_fast(c, leaves) for c in children])
    return (type(x), sigs) if aux is None else (type(x), _hashable_aux(aux), sigs)


def _signature_deep(x: Any, leaves: list) -> Hashable:
    rule = _rule_or_leaf(x, leaves)
    if rule is None:
        return None
    children, aux = _node_children(x, rule)
    if aux is not None and rule.kind != "dict":
        aux = _hashable_aux(aux)
    stack = [(type(x), aux, children, [])]
    while True:
        ty, aux, children, sigs = stack[-1]
        if len(sigs) < len(children):
            c = children[len(sigs)]
            r = _rule_or_leaf(c, leaves)
            if r is None:
                sigs.append(None)
            else:
                if len(stack) >= MAX_DEPTH:
                    raise _too_deep(c)
                k = r.kind
                cs, a = (c, None) if k == "tuple" or k == "list" else _node_children(c, r)
                if a is not None and k != "dict":
                    a = _hashable_aux(a)
                stack.append((type(c), a, cs, []))
            continue
        stack.pop()
        sig = (ty, tuple(sigs)) if aux is None else (ty, aux, tuple(sigs))
        if not stack:
            return sig
        stack[-1][3].append(sig)


flatten_signature = _with_deep_fallback(_signature_fast, _signature_deep)


def _hashable_aux(aux: Any) -> Any:
    """A custom node's aux data as a cache key can hold it (dict nodes' sorted keys always
    hash, so they skip this)."""
    try:
        hash(aux)
    except TypeError:
        return _AuxByEquality(aux)
    return aux


class _AuxByEquality:
    """Unhashable aux data in a cache key: equal when the data are equal (``==``), all
    of one type hashing alike, as JAX compares a node's aux data."""

    __slots__ = ("aux",)

    def __init__(self, aux: Any):
        self.aux = aux

    def __eq__(self, other: object) -> bool:
        return (type(other) is _AuxByEquality and type(other.aux) is type(self.aux)
                and bool(other.aux == self.aux))

    def __hash__(self) -> int:
        return hash(type(self.aux))


def _flatten(x: Any, is_leaf: Callable | None, leaves: list, path: KeyPath | None) -> PyTreeDef:
    """Append the leaves of ``x`` to ``leaves`` and return its structure.

    With ``path=None`` leaves are appended bare and ``is_leaf`` takes ``x``; otherwise
    ``path`` is the key path of ``x``, ``(path, leaf)`` pairs are appended and ``is_leaf``
    takes ``(path, x)``.
    """
    def open_node(y, y_path):
        """A frame for ``y`` if it is a node; else append it as a leaf and return None."""
        # is_leaf sees every subtree, leaves included, as in JAX.
        stop = is_leaf is not None and (is_leaf(y) if y_path is None else is_leaf(y_path, y))
        rule = None if stop else _rule_for(type(y))
        if rule is None:
            leaves.append(y if y_path is None else (y_path, y))
            return None
        if y_path is None:
            children, aux = _node_children(y, rule)
            keyed = [(None, c) for c in children]
        elif rule.flatten_with_keys is None:
            children, aux = _node_children(y, rule)
            keyed = [(FlattenedIndexKey(i), c) for i, c in enumerate(children)]
        else:
            keyed, aux = rule.flatten_with_keys(y)
            keyed = list(keyed)
        return (type(y), aux, keyed, y_path, [])

    top = open_node(x, path)
    if top is None:
        return _LEAF
    stack = [top]
    while True:
        ty, aux, keyed, node_path, defs = stack[-1]
        if len(defs) < len(keyed):
            k, c = keyed[len(defs)]
            frame = open_node(c, None if node_path is None else (*node_path, k))
            if frame is None:
                defs.append(_LEAF)
            else:
                if len(stack) >= MAX_DEPTH:
                    raise _too_deep(c)
                stack.append(frame)
            continue
        stack.pop()
        d = PyTreeDef(ty, aux, tuple(defs))
        if not stack:
            return d
        stack[-1][4].append(d)


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

