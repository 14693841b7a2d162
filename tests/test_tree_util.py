"""zenax.tracer.tree_util against jax.tree_util: every expected value comes from JAX.

Custom node types are registered with both libraries (each keeps its own registry), then
the same trees go through both and leaves, printed treedefs, key paths and error messages
are compared.
"""
import dataclasses
import doctest
import functools
from collections import OrderedDict, defaultdict, namedtuple

import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np
import pytest

from zenax.tracer import key_paths, pytree
from zenax.tracer import tree_util as tu


# ## Node types, registered in both libraries

Point = namedtuple("Point", ["x", "y"])
Other = namedtuple("Other", ["x", "y"])


def register_both(cls, flatten, unflatten):
    tu.register_pytree_node(cls, flatten, unflatten)
    jtu.register_pytree_node(cls, flatten, unflatten)
    return cls


class Pair:
    """A custom node without key functions; aux data is a tag string."""

    def __init__(self, a, b, tag="pair"):
        self.a, self.b, self.tag = a, b, tag

    def __repr__(self):
        return f"Pair({self.a!r}, {self.b!r}, {self.tag!r})"


register_both(Pair, lambda p: ((p.a, p.b), p.tag), lambda tag, cs: Pair(*cs, tag=tag))


class Varargs:
    """A custom node whose arity varies and whose aux data is None."""

    def __init__(self, *xs):
        self.xs = xs

    def __repr__(self):
        return f"Varargs{self.xs!r}"


register_both(Varargs, lambda v: (v.xs, None), lambda _, cs: Varargs(*cs))


class Box:
    """Registered through the class decorators; aux data is a dict (unhashable)."""

    def __init__(self, v):
        self.v = v

    def tree_flatten(self):
        return (self.v,), {"kind": "box"}

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children)


tu.register_pytree_node_class(Box)
jtu.register_pytree_node_class(Box)


class Named:
    """A keyed custom node: key paths use the GetAttrKeys its flatten function returns.
    Each library needs its own key classes, so each gets its own subclass below."""

    def __init__(self, w, b):
        self.w, self.b = w, b

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children)


class ZNamed(Named):
    def tree_flatten_with_keys(self):
        return ((tu.GetAttrKey("w"), self.w), (tu.GetAttrKey("b"), self.b)), None


class JNamed(Named):
    def tree_flatten_with_keys(self):
        return ((jtu.GetAttrKey("w"), self.w), (jtu.GetAttrKey("b"), self.b)), None


tu.register_pytree_with_keys_class(ZNamed)
jtu.register_pytree_with_keys_class(JNamed)


@dataclasses.dataclass
class Explicit:
    x: object
    n: int


tu.register_dataclass(Explicit, data_fields=["x"], meta_fields=["n"])
jtu.register_dataclass(Explicit, data_fields=["x"], meta_fields=["n"])


@dataclasses.dataclass
class Inferred:
    w: object
    b: object
    act: str = dataclasses.field(default="relu", metadata=dict(static=True))


tu.register_dataclass(Inferred)
jtu.register_dataclass(Inferred)


@dataclasses.dataclass(frozen=True)
class Static:
    name: str = "cfg"


tu.register_static(Static)
jtu.register_static(Static)


class MyList(list):
    """Subclasses of builtin containers are leaves, not nodes."""


def add3(a, b, c=0):
    return a + b + c


TREES = [
    1,
    None,
    (),
    [],
    {},
    (1,),
    [1, 2.0, "s"],
    (1, (2, (3, None)), [None, [4]]),
    {"b": 1, "a": [2, 3], "c": {"z": None, "y": (4,)}},
    {3: "x", 1: "y", 2: ("z",)},
    Point(1, Point([2], None)),
    OrderedDict([("z", 1), ("a", (2, 3))]),
    defaultdict(list, {"k": 1, "b": [2]}),
    [Pair(1, (2, 3)), Pair(None, {"q": 4}, tag="t")],
    Varargs(1, [2], Varargs()),
    {"box": Box([1, 2]), "boxes": (Box(None), Box(Box(3)))},
    Explicit(x=[1, 2], n=7),
    [Inferred(w=1, b=(2,)), Inferred(w=None, b=3, act="tanh")],
    (Static(), [Static("other"), 1]),
    MyList([1, 2]),
    [np.arange(3), jnp.ones(2), np.float32(1.5)],
]
IDS = [f"tree{i}" for i in range(len(TREES))]


def same_leaves(ours, theirs):
    assert len(ours) == len(theirs)
    assert all(a is b for a, b in zip(ours, theirs))


# ## Flatten, unflatten, structure

@pytest.mark.parametrize("tree", TREES, ids=IDS)
def test_flatten_matches_jax(tree):
    leaves, treedef = tu.tree_flatten(tree)
    jleaves, jtreedef = jtu.tree_flatten(tree)
    same_leaves(leaves, jleaves)
    assert str(treedef) == str(jtreedef)
    assert repr(treedef) == repr(jtreedef)
    assert treedef.num_leaves == jtreedef.num_leaves
    assert treedef.num_nodes == jtreedef.num_nodes
    assert [str(c) for c in treedef.children()] == [str(c) for c in jtreedef.children()]
    assert [str(c) for c in tu.treedef_children(treedef)] == \
        [str(c) for c in jtu.treedef_children(jtreedef)]
    assert tu.treedef_is_leaf(treedef) == jtu.treedef_is_leaf(jtreedef)
    same_leaves(tu.tree_leaves(tree), jtu.tree_leaves(tree))
    assert str(tu.tree_structure(tree)) == str(jtu.tree_structure(tree))


@pytest.mark.parametrize("tree", TREES, ids=IDS)
def test_unflatten_round_trip_matches_jax(tree):
    leaves, treedef = tu.tree_flatten(tree)
    fresh = [object() for _ in leaves]
    ours = tu.tree_unflatten(treedef, fresh)
    theirs = jtu.tree_unflatten(jtu.tree_structure(tree), fresh)
    assert type(ours) is type(theirs)
    assert str(jtu.tree_structure(ours)) == str(jtu.tree_structure(theirs))
    same_leaves(jtu.tree_leaves(ours), jtu.tree_leaves(theirs))
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)  # key order: sorted for dict, kept for OrderedDict
    if isinstance(theirs, defaultdict):
        assert ours.default_factory is theirs.default_factory


def test_unflatten_accepts_a_generator():
    treedef = tu.tree_structure({"a": (0, 0)})
    jtreedef = jtu.tree_structure({"a": (0, 0)})
    assert tu.tree_unflatten(treedef, iter([1, 2])) == jtu.tree_unflatten(jtreedef, iter([1, 2]))


@pytest.mark.parametrize("a", TREES, ids=IDS)
def test_treedef_equality_and_hash_match_jax(a):
    for b in TREES + [(2,), [3, 4], {"a": 1}, Pair(5, 6), Pair(5, 6, tag="t"), Explicit(x=0, n=8)]:
        ta, tb = tu.tree_structure(a), tu.tree_structure(b)
        assert (ta == tb) == (jtu.tree_structure(a) == jtu.tree_structure(b))
        if ta == tb:
            assert hash(ta) == hash(tb)
    assert tu.tree_structure(a) == tu.tree_structure(tu.tree_map(lambda x: 0, a))


def test_treedef_is_hashable_with_unhashable_aux():
    assert hash(tu.tree_structure(Box(1))) == hash(tu.tree_structure(Box(2)))
    structures = {tu.tree_structure((1, 2)), tu.tree_structure((3, 4)), tu.tree_structure([1, 2])}
    assert len(structures) == 2


def test_flatten_up_to_matches_jax():
    cases = [
        ((0, [0]), ((1, 2), [{"a": 3}])),
        ({"a": 0, "b": 0}, {"a": [1], "b": None}),
        (Pair(0, 0), Pair((1, 2), 3)),
        (Point(0, 0), Point([1], (2,))),
        (0, {"anything": [1]}),
        (None, None),
    ]
    for prefix, full in cases:
        ours = tu.tree_structure(prefix).flatten_up_to(full)
        theirs = jtu.tree_structure(prefix).flatten_up_to(full)
        assert ours == theirs


def test_compose_and_treedef_tuple_match_jax():
    outer, inner = [0, (0, 0)], {"a": 0, "b": None}
    ours = tu.tree_structure(outer).compose(tu.tree_structure(inner))
    assert str(ours) == str(jtu.tree_structure(outer).compose(jtu.tree_structure(inner)))
    ours = tu.treedef_tuple([tu.tree_structure(t) for t in (1, [2], None)])
    assert str(ours) == str(jtu.treedef_tuple([jtu.tree_structure(t) for t in (1, [2], None)]))


def test_all_leaves_matches_jax():
    for items in ([1, "a", np.ones(2)], [1, (2,)], [None], [], [MyList([1])], [Static()]):
        assert tu.all_leaves(items) == jtu.all_leaves(items)
    is_leaf = lambda x: isinstance(x, tuple)
    for items in ([(1, 2), 3], [[1], 3]):
        assert tu.all_leaves(items, is_leaf) == jtu.all_leaves(items, is_leaf)


# ## is_leaf

IS_LEAF_CASES = [
    ([1, (2, 3), {"a": (4,)}], lambda x: isinstance(x, tuple)),
    ({"a": None, "b": [None, 1]}, lambda x: x is None),
    ([Pair(1, 2), Pair(3, 4)], lambda x: isinstance(x, Pair)),
    ((1, [2, [3]]), lambda x: isinstance(x, list) and len(x) == 1),
    ((1, 2), lambda x: True),
]


@pytest.mark.parametrize("tree,is_leaf", IS_LEAF_CASES)
def test_is_leaf_matches_jax(tree, is_leaf):
    leaves, treedef = tu.tree_flatten(tree, is_leaf=is_leaf)
    jleaves, jtreedef = jtu.tree_flatten(tree, is_leaf=is_leaf)
    same_leaves(leaves, jleaves)
    assert str(treedef) == str(jtreedef)
    f = lambda x: [x]
    ours, theirs = tu.tree_map(f, tree, is_leaf=is_leaf), jtu.tree_map(f, tree, is_leaf=is_leaf)
    assert str(jtu.tree_structure(ours)) == str(jtu.tree_structure(theirs))
    same_leaves(jtu.tree_leaves(ours), jtu.tree_leaves(theirs))


def test_is_leaf_sees_the_same_values_in_the_same_order_as_jax():
    tree = [1, (2, None), {"b": Pair(3, 4), "a": 5}]
    ours, theirs = [], []
    tu.tree_flatten(tree, is_leaf=lambda x: ours.append(x) and False)
    jtu.tree_flatten(tree, is_leaf=lambda x: theirs.append(x) and False)
    same_leaves(ours, theirs)


# ## tree_map and reductions

def test_tree_map_one_tree_matches_jax():
    for tree in TREES[:14]:
        f = lambda x: (x, "seen")
        ours, theirs = tu.tree_map(f, tree), jtu.tree_map(f, tree)
        assert type(ours) is type(theirs)
        assert jtu.tree_leaves(ours) == jtu.tree_leaves(theirs)
        assert str(jtu.tree_structure(ours)) == str(jtu.tree_structure(theirs))


@pytest.mark.parametrize("trees", [
    ([1, (2, 3)], [10, (20, 30)]),
    ([1, 2], [[3], {"a": 4}]),                        # first tree is a prefix of the second
    ({"a": 1, "b": None}, {"a": 2, "b": None}, {"a": 3, "b": None}),
    (Point(1, 2), Point((3,), 4)),
    (Pair(1, 2), Pair(3, [4])),
    (OrderedDict(z=1, a=2), OrderedDict(z=3, a=4)),
    (Explicit(x=1, n=0), Explicit(x=(2, 3), n=0)),
])
def test_tree_map_many_trees_matches_jax(trees):
    f = lambda *xs: xs
    ours, theirs = tu.tree_map(f, *trees), jtu.tree_map(f, *trees)
    same_leaves(jtu.tree_leaves(ours), jtu.tree_leaves(theirs))
    assert str(jtu.tree_structure(ours)) == str(jtu.tree_structure(theirs))


def test_tree_map_on_arrays_matches_jax():
    tree = {"w": jnp.arange(3.0), "b": (np.ones(2), 2.0)}
    ours = tu.tree_map(lambda x, y: x * 2 + y, tree, tree)
    theirs = jtu.tree_map(lambda x, y: x * 2 + y, tree, tree)
    for a, b in zip(jtu.tree_leaves(ours), jtu.tree_leaves(theirs)):
        np.testing.assert_array_equal(a, b)


def test_tree_reduce_and_all_match_jax():
    tree = [1, (2, None, 3), {"a": 4}]
    add = lambda a, b: a + b
    assert tu.tree_reduce(add, tree) == jtu.tree_reduce(add, tree)
    assert tu.tree_reduce(add, tree, 100) == jtu.tree_reduce(add, tree, 100)
    assert tu.tree_reduce(add, [], 7) == jtu.tree_reduce(add, [], 7)
    is_tup = lambda x: isinstance(x, tuple)
    assert tu.tree_reduce(lambda a, b: a + [b], tree, [], is_leaf=is_tup) == \
        jtu.tree_reduce(lambda a, b: a + [b], tree, [], is_leaf=is_tup)
    ours, theirs = errors(lambda: tu.tree_reduce(add, [None]),
                          lambda: jtu.tree_reduce(add, [None]), TypeError)
    assert ours == theirs  # no leaves and no initializer
    for t in ([True, (1, None)], {"a": 0}, [], [np.bool_(True)]):
        assert tu.tree_all(t) == jtu.tree_all(t)
    assert tu.tree_all([0, 1], is_leaf=lambda x: x == 0 if not isinstance(x, list) else False) == \
        jtu.tree_all([0, 1], is_leaf=lambda x: x == 0 if not isinstance(x, list) else False)


def test_tree_transpose_matches_jax():
    tree = [(1, 2, 3), (4, 5, 6)]
    outer, inner = [0, 0], (0, 0, 0)
    ours = tu.tree_transpose(tu.tree_structure(outer), tu.tree_structure(inner), tree)
    assert ours == jtu.tree_transpose(jtu.tree_structure(outer), jtu.tree_structure(inner), tree)
    ours = tu.tree_transpose(tu.tree_structure(outer), None, tree)
    assert ours == jtu.tree_transpose(jtu.tree_structure(outer), None, tree)
    tree = {"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 4}}
    outer, inner = {"a": 0, "b": 0}, {"x": 0, "y": 0}
    ours = tu.tree_transpose(tu.tree_structure(outer), tu.tree_structure(inner), tree)
    assert ours == jtu.tree_transpose(jtu.tree_structure(outer), jtu.tree_structure(inner), tree)
    with pytest.raises(TypeError) as ours:
        tu.tree_transpose(tu.tree_structure([0, 0]), tu.tree_structure((0, 0)), [(1, 2), (3,)])
    with pytest.raises(TypeError) as theirs:
        jtu.tree_transpose(jtu.tree_structure([0, 0]), jtu.tree_structure((0, 0)), [(1, 2), (3,)])
    assert str(ours.value) == str(theirs.value)


# ## Key paths

def jax_key(k):
    """The jax.tree_util key entry equal to one of ours."""
    for ours, theirs, field in [(tu.SequenceKey, jtu.SequenceKey, "idx"),
                                (tu.DictKey, jtu.DictKey, "key"),
                                (tu.GetAttrKey, jtu.GetAttrKey, "name"),
                                (tu.FlattenedIndexKey, jtu.FlattenedIndexKey, "key")]:
        if type(k) is ours:
            return theirs(getattr(k, field))
    raise TypeError(k)


PATH_TREES = TREES[:19] + [
    ZNamed(1, [2, {"c": 3}]),
    tu.Partial(add3, 1, c=(2, 3)),
]


@pytest.mark.parametrize("tree", PATH_TREES, ids=[f"tree{i}" for i in range(len(PATH_TREES))])
def test_key_paths_match_jax(tree):
    # The keyed class and Partial exist once per library; give JAX its own twin.
    jtree = tree
    if isinstance(tree, ZNamed):
        jtree = JNamed(tree.w, tree.b)
    if isinstance(tree, tu.Partial):
        jtree = jtu.Partial(add3, *tree.args, **tree.keywords)
    pairs, treedef = tu.tree_flatten_with_path(tree)
    jpairs, jtreedef = jtu.tree_flatten_with_path(jtree)
    assert [tu.keystr(p) for p, _ in pairs] == [jtu.keystr(p) for p, _ in jpairs]
    assert [tu.keystr(p, simple=True, separator="/") for p, _ in pairs] == \
        [jtu.keystr(p, simple=True, separator="/") for p, _ in jpairs]
    assert [tuple(map(jax_key, p)) for p, _ in pairs] == [p for p, _ in jpairs]
    assert [repr(p) for p, _ in pairs] == [repr(p) for p, _ in jpairs]
    same_leaves([x for _, x in pairs], [x for _, x in jpairs])
    if not isinstance(tree, (ZNamed, tu.Partial)):
        assert str(treedef) == str(jtreedef)
    assert [tu.keystr(p) for p, _ in tu.tree_leaves_with_path(tree)] == \
        [jtu.keystr(p) for p, _ in jtu.tree_leaves_with_path(jtree)]


def test_key_entry_str_and_repr_match_jax():
    for ours, theirs in [(tu.SequenceKey(3), jtu.SequenceKey(3)),
                         (tu.DictKey("a"), jtu.DictKey("a")),
                         (tu.DictKey(1), jtu.DictKey(1)), (tu.GetAttrKey("w"), jtu.GetAttrKey("w")),
                         (tu.FlattenedIndexKey(2), jtu.FlattenedIndexKey(2))]:
        assert str(ours) == str(theirs)
        assert repr(ours) == repr(theirs)
        assert tu.keystr((ours,), simple=True) == jtu.keystr((theirs,), simple=True)
    assert tu.SequenceKey(0) == tu.SequenceKey(0) and tu.SequenceKey(0) != tu.DictKey(0)
    assert len({tu.DictKey("a"), tu.DictKey("a"), tu.GetAttrKey("a")}) == 2


def test_is_leaf_with_paths_matches_jax():
    tree = {"a": (1, 2), "b": [3, (4,)]}
    is_tup = lambda x: isinstance(x, tuple)
    ours = tu.tree_leaves_with_path(tree, is_leaf=is_tup)
    theirs = jtu.tree_leaves_with_path(tree, is_leaf=is_tup)
    assert [(tu.keystr(p), x) for p, x in ours] == [(jtu.keystr(p), x) for p, x in theirs]
    by_path = lambda p, x: len(p) == 1
    ours = tu.tree_leaves_with_path(tree, is_leaf=by_path, is_leaf_takes_path=True)
    theirs = jtu.tree_leaves_with_path(tree, is_leaf=by_path, is_leaf_takes_path=True)
    assert [(tu.keystr(p), x) for p, x in ours] == [(jtu.keystr(p), x) for p, x in theirs]


def test_tree_map_with_path_matches_jax():
    tree = {"b": [1, Point(2, 3)], "a": (None, 4)}
    other = {"b": [10, Point(20, 30)], "a": (None, 40)}
    f = lambda ks: lambda p, x, y: (ks(p), x + y)
    ours = tu.tree_map_with_path(f(tu.keystr), tree, other)
    theirs = jtu.tree_map_with_path(f(jtu.keystr), tree, other)
    assert ours == theirs
    identity = lambda p, x: x
    assert tu.tree_map_with_path(identity, None) == jtu.tree_map_with_path(identity, None)


# ## Partial

def test_partial_matches_jax():
    p, jp = tu.Partial(add3, 1, c=10), jtu.Partial(add3, 1, c=10)
    assert p(2) == jp(2)
    leaves, treedef = tu.tree_flatten(p)
    jleaves, jtreedef = jtu.tree_flatten(jp)
    assert leaves == jleaves
    assert str(treedef) == str(jtreedef)
    doubled = tu.tree_map(lambda x: 2 * x, p)
    assert isinstance(doubled, tu.Partial) and doubled(2) == jtu.tree_map(lambda x: 2 * x, jp)(2)
    assert tu.tree_structure(tu.Partial(add3)) == tu.tree_structure(tu.Partial(add3))
    assert tu.tree_structure(tu.Partial(add3)) != tu.tree_structure(tu.Partial(len))


@pytest.mark.parametrize("make_inner", [
    lambda lib: functools.partial(add3, 1),  # a plain partial: its 1 is not a leaf
    lambda lib: lib.Partial(add3, 1),         # a pytree Partial used as a function: nor here
])
def test_partial_of_partial_keeps_inner_args_static_like_jax(make_inner):
    p, jp = tu.Partial(make_inner(tu), 2), jtu.Partial(make_inner(jtu), 2)
    assert tu.tree_leaves(p) == jtu.tree_leaves(jp) == [2]
    assert p(3) == jp(3)
    assert tu.tree_unflatten(tu.tree_structure(p), [5])(3) == \
        jtu.tree_unflatten(jtu.tree_structure(jp), [5])(3)


# ## Errors

def errors(fn_ours, fn_jax, exc=ValueError):
    """Run both; both must raise `exc`. Return the two messages."""
    with pytest.raises(exc) as ours:
        fn_ours()
    with pytest.raises(exc) as theirs:
        fn_jax()
    return str(ours.value), str(theirs.value)


MISMATCHES = [
    ((1, 2, 3), (1, 2)),
    ((1, 2), [1, 2]),
    ([1, [2]], [1, [2, 3]]),
    ({"a": 1, "b": 2}, {"a": 1}),
    ({"a": (1, 2)}, {"a": (1,)}),
    ({"a": 1}, OrderedDict(a=1)),
    (None, 1),
    ((1,), None),
    (Point(1, 2), (1, 2)),
    (Point(1, 2), Other(1, 2)),
    (Pair(1, 2), [1, 2]),
    (Pair(1, 2), Pair(1, 2, tag="other")),
    (Varargs(1), Varargs(1, 2)),
    (Box(1), 1),
    (Explicit(x=1, n=2), Explicit(x=1, n=3)),
    (Explicit(x=1, n=2), Point(1, 2)),
    (OrderedDict(a=1), OrderedDict(a=1, b=2)),
    (OrderedDict(a=1), OrderedDict(b=1)),
    (defaultdict(list, a=1), defaultdict(int, a=1)),
    ({"k": [Pair(1, (2, 3))]}, {"k": [Pair(1, (2,))]}),
]


@pytest.mark.parametrize("prefix,full", MISMATCHES)
def test_tree_map_mismatch_errors_match_jax(prefix, full):
    f = lambda *xs: None
    ours, theirs = errors(lambda: tu.tree_map(f, prefix, full),
                          lambda: jtu.tree_map(f, prefix, full))
    assert ours == theirs
    assert ours.startswith("pytree structure error")


def test_tree_map_with_path_mismatch_error_matches_jax():
    f = lambda p, *xs: None
    tree, other = {"a": [1, (2, 3)]}, {"a": [1, (2,)]}
    ours, theirs = errors(lambda: tu.tree_map_with_path(f, tree, other),
                          lambda: jtu.tree_map_with_path(f, tree, other))
    assert ours == theirs
    assert "tree_map_with_path tree['a'][1]" in ours


@pytest.mark.parametrize("prefix,full", MISMATCHES)
def test_flatten_up_to_errors_match_jax(prefix, full):
    ours, theirs = errors(lambda: tu.tree_structure(prefix).flatten_up_to(full),
                          lambda: jtu.tree_structure(prefix).flatten_up_to(full))
    if prefix is None:
        # JAX appends a note about its own history; the first sentence is the error.
        assert ours.split(".")[0] == theirs.split(".")[0] == "Expected None, got 1"
    else:
        assert ours == theirs


def test_unflatten_wrong_number_of_leaves_matches_jax():
    t, jt = tu.tree_structure((1, [2])), jtu.tree_structure((1, [2]))
    for n in (0, 1, 3):
        ours, theirs = errors(lambda: t.unflatten(range(n)), lambda: jt.unflatten(range(n)))
        assert ours == theirs
        assert "expected 2" in ours


def test_duplicate_registration_matches_jax():
    class Fresh:
        pass
    flatten, unflatten = (lambda x: ((), None)), (lambda aux, cs: Fresh())
    tu.register_pytree_node(Fresh, flatten, unflatten)
    jtu.register_pytree_node(Fresh, flatten, unflatten)
    ours, theirs = errors(lambda: tu.register_pytree_node(Fresh, flatten, unflatten),
                          lambda: jtu.register_pytree_node(Fresh, flatten, unflatten))
    assert ours == theirs
    with pytest.raises(ValueError, match="Duplicate .* registration for <class 'tuple'>"):
        tu.register_pytree_node(tuple, flatten, unflatten)  # built-in nodes are registered too


def test_unsortable_dict_keys_match_jax():
    tree = {1: "a", "b": 2}
    ours, theirs = errors(lambda: tu.tree_flatten(tree), lambda: jtu.tree_flatten(tree))
    assert ours == theirs


def test_register_dataclass_field_errors_match_jax():
    @dataclasses.dataclass
    class Three:
        a: int
        b: int
        c: int

    both = lambda **fields: errors(lambda: tu.register_dataclass(Three, **fields),
                                   lambda: jtu.register_dataclass(Three, **fields))
    ours, theirs = both(data_fields=["a"], meta_fields=["b"])
    assert ours == theirs and "Missing fields: {'c'}" in ours
    ours, theirs = both(data_fields=["a", "b"], meta_fields=["b", "c"])
    assert ours == theirs and "overlap" in ours
    ours, theirs = errors(lambda: tu.register_dataclass(Three, data_fields=["a"]),
                          lambda: jtu.register_dataclass(Three, data_fields=["a"]), TypeError)
    assert ours == theirs


def test_register_dataclass_drop_fields_matches_jax():
    @dataclasses.dataclass
    class WithCache:
        x: object
        cache: object = None

    @dataclasses.dataclass
    class Inferred:
        x: object
        cache: object = None

    tu.register_dataclass(WithCache, data_fields=["x"], meta_fields=[], drop_fields=["cache"])
    jtu.register_dataclass(WithCache, data_fields=["x"], meta_fields=[], drop_fields=["cache"])
    # With inferred fields, JAX 0.10 forgets drop_fields and raises; we honour them, and
    # the result must be what JAX gives with the fields spelled out.
    tu.register_dataclass(Inferred, drop_fields=["cache"])
    tree = WithCache(x=[1, 2], cache="stale")
    for ours in (tree, Inferred(x=[1, 2], cache="stale")):
        assert tu.tree_leaves(ours) == jtu.tree_leaves(tree)
        ours_str = str(tu.tree_structure(ours)).replace("Inferred", "WithCache")
        assert ours_str == str(jtu.tree_structure(tree))
        assert tu.tree_map(lambda v: v, ours).cache == jtu.tree_map(lambda v: v, tree).cache


def test_all_public_names_exist_and_match_jax_where_jax_has_them():
    for name in tu.__all__:
        assert hasattr(tu, name), name
    jax_names = set(dir(jtu))
    missing = {n for n in tu.__all__ if n not in jax_names}
    assert missing == set(), missing


@pytest.mark.parametrize("module,least", [(tu, 20), (pytree, 5), (key_paths, 2)],
                         ids=["tree_util", "pytree", "key_paths"])
def test_docstring_examples_run(module, least):
    results = doctest.testmod(module)
    assert results.attempted > least
    assert results.failed == 0
