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

The pieces: ``key_paths.py`` holds the key entries and ``keystr``; ``pytree.py`` the node
registry, ``PyTreeDef`` and flatten/unflatten. This module adds what is built on them --
the registration functions, flattening with paths, ``tree_map`` and the other tree
functions, ``Partial`` -- and presents the whole surface. It is pure Python and imports
nothing from JAX; tests/test_tree_util.py checks it against ``jax.tree_util``.
"""
from __future__ import annotations

import collections
import dataclasses
import difflib
import functools
import operator
import textwrap
from typing import Any, Callable, Iterable, Sequence, TypeVar

from .key_paths import (DictKey, FlattenedIndexKey, GetAttrKey, KeyEntry, KeyPath, SequenceKey,
                        _simple_key_str, keystr)
from .pytree import (Leaf, PyTreeDef, _dict_flatten_with_keys, _flatten, _NodeRule, _register,
                     _rule_for, tree_flatten, tree_leaves, tree_structure, tree_unflatten)

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


# ## Registering node types

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


# ## Key paths of the leaves

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
    except ValueError:
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
