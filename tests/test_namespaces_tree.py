"""zenax.tree and the extra zenax.tree_util functions against JAX's.

Trees of plain values go through both libraries' functions; custom nodes are registered
with both.  Results, printed treedefs and error kinds/messages come from JAX.
"""
import collections
import dataclasses
import operator

import jax
import jax.tree_util as jtu
import pytest

import zenax
import zenax.tree_util as ztu

Point = collections.namedtuple("Point", ["x", "y"])


class Pair:
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __eq__(self, other):
        return type(other) is Pair and (self.a, self.b) == (other.a, other.b)


for _register in (jtu.register_pytree_node, ztu.register_pytree_node):
    _register(Pair, lambda p: ((p.a, p.b), "pair"), lambda aux, cs: Pair(*cs))

TREES = [
    [1, (2, 3), [4, 5]],
    {"b": [1, None], "a": (2,)},
    collections.OrderedDict(b=1, a=(2, 3)),
    Point(1, [2, 3]),
    Pair(1, {"c": 2}),
    (),
    None,
    7,
]


def test_every_jax_tree_function_exists_in_zenax_tree():
    assert set(jax.tree.__all__ if hasattr(jax.tree, "__all__") else
               [n for n in dir(jax.tree) if not n.startswith("_")]) <= set(dir(zenax.tree))


@pytest.mark.parametrize("tree", TREES, ids=lambda t: type(t).__name__)
def test_flatten_leaves_structure_match_jax(tree):
    leaves, treedef = zenax.tree.flatten(tree)
    j_leaves, j_treedef = jax.tree.flatten(tree)
    assert leaves == j_leaves
    assert repr(treedef) == repr(j_treedef)
    assert zenax.tree.leaves(tree) == jax.tree.leaves(tree)
    assert repr(zenax.tree.structure(tree)) == repr(jax.tree.structure(tree))
    assert zenax.tree.unflatten(treedef, leaves) == jax.tree.unflatten(j_treedef, j_leaves)
    # Key entries are each library's own classes: compare them as printed.
    assert repr(zenax.tree.leaves_with_path(tree)) == repr(jax.tree.leaves_with_path(tree))
    assert repr(zenax.tree.flatten_with_path(tree)[0]) == \
        repr(jax.tree.flatten_with_path(tree)[0])


def test_map_reduce_all_transpose_match_jax():
    tree = {"x": 7, "y": (42, [1, 2])}
    for lib in (jax, zenax):
        assert lib.tree.map(lambda a: a + 1, tree) == {"x": 8, "y": (43, [2, 3])}
    assert zenax.tree.map(lambda x, y: [x] + y, [5, 6], [[7, 9], [1, 2]]) == \
        jax.tree.map(lambda x, y: [x] + y, [5, 6], [[7, 9], [1, 2]])
    assert zenax.tree.map_with_path(lambda p, x: (jtu.keystr(p), x), tree) == \
        jax.tree.map_with_path(lambda p, x: (jtu.keystr(p), x), tree)
    assert zenax.tree.reduce(operator.add, [1, (2, 3), [4, 5, 6]]) == 21
    assert zenax.tree.reduce(operator.add, [], 5) == jax.tree.reduce(operator.add, [], 5)
    assert zenax.tree.all([True, {"a": True, "b": (True, 1)}]) is True
    assert zenax.tree.all([False, (True,)]) == jax.tree.all([False, (True,)])
    t = [(1, 2, 3), (4, 5, 6)]
    outer, inner = zenax.tree.structure(["*", "*"]), zenax.tree.structure(("*",) * 3)
    assert zenax.tree.transpose(outer, inner, t) == ([1, 4], [2, 5], [3, 6])
    assert zenax.tree.transpose(outer, None, t) == jax.tree.transpose(
        jax.tree.structure(["*", "*"]), None, t)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_reduce_associative_pairs_leaves_like_jax(n):
    leaves = list(range(n))
    pair = lambda a, b: (a, b)  # noqa: E731  (shows the combination tree)
    assert zenax.tree.reduce_associative(pair, leaves) == \
        jax.tree.reduce_associative(pair, leaves)
    assert zenax.tree_util.tree_reduce_associative(operator.add, {"a": leaves}) == sum(leaves)


def test_reduce_associative_of_empty_tree():
    assert zenax.tree.reduce_associative(operator.add, [], identity=0) == 0
    with pytest.raises(TypeError, match="Must specify identity") as z:
        zenax.tree.reduce_associative(operator.add, [None])
    with pytest.raises(TypeError) as j:
        jax.tree.reduce_associative(operator.add, [None])
    assert str(z.value) == str(j.value)


@pytest.mark.parametrize("prefix,full", [
    ((1, 2, 3), (0, {"a": 0, "b": 0}, (0, 0))),
    ({"w": 1.0, "b": None}, {"w": [3, (4, 5)], "b": None}),
    (1, [[2], {"c": 3}]),
    ([1, Pair(2, 3)], [None, Pair([0, 0], 5)]),
])
def test_broadcast_matches_jax(prefix, full):
    assert zenax.tree.broadcast(prefix, full) == jax.tree.broadcast(prefix, full)
    assert zenax.tree_util.tree_broadcast(prefix, full) == jtu.tree_broadcast(prefix, full)


def test_broadcast_is_leaf_and_mismatch_error():
    is_tuple = lambda x: isinstance(x, tuple)  # noqa: E731
    assert zenax.tree.broadcast([(1, 2), 3], [[0, 0], 0], is_leaf=is_tuple) == \
        jax.tree.broadcast([(1, 2), 3], [[0, 0], 0], is_leaf=is_tuple)
    with pytest.raises(ValueError) as z:
        zenax.tree.broadcast((1, 2), (0, 0, 0))
    with pytest.raises(ValueError) as j:
        jax.tree.broadcast((1, 2), (0, 0, 0))
    assert str(z.value) == str(j.value)


@pytest.mark.parametrize("tree", [
    [1, [2]], (1, 2), {"b": 1, "a": [2]}, None, collections.OrderedDict(b=1, a=2),
    collections.defaultdict(int, {"b": 1, "a": 2}), Pair(1, 2)], ids=lambda t: type(t).__name__)
def test_flatten_one_level_matches_jax(tree):
    assert repr(ztu.flatten_one_level(tree)) == repr(jtu.flatten_one_level(tree))
    assert repr(ztu.flatten_one_level_with_keys(tree)) == \
        repr(jtu.flatten_one_level_with_keys(tree))
    assert repr(ztu.default_registry.flatten_one_level(tree)) == \
        repr(jtu.default_registry.flatten_one_level(tree))


def test_flatten_one_level_of_namedtuple_and_leaf():
    # JAX's keys for a namedtuple repeat the first field name (a jaxlib slip); ours name
    # each field, as its key paths do.
    assert ztu.flatten_one_level(Point(1, 2)) == jtu.flatten_one_level(Point(1, 2))
    keys = [k for k, _ in ztu.flatten_one_level_with_keys(Point(1, 2))[0]]
    assert repr(keys) == repr([p[0] for p, _ in jtu.tree_leaves_with_path(Point(1, 2))])
    for flatten in (ztu.flatten_one_level, ztu.flatten_one_level_with_keys):
        with pytest.raises(ValueError, match="can't tree-flatten type: <class 'int'>"):
            flatten(3)
    assert ztu.default_registry.flatten_one_level(3) is None


def test_is_tree_node_and_default_registry():
    for typ in (list, tuple, dict, type(None), Point, Pair, int, str, collections.OrderedDict):
        assert ztu.is_tree_node(typ) == jtu.is_tree_node(typ), typ
        assert ztu.default_registry.is_node(typ) == jtu.default_registry.is_node(typ)
    assert ztu.is_tree_node(ztu.Partial) == jtu.is_tree_node(jtu.Partial) == True  # noqa: E712
    tree = [1, {"a": (2, 3)}]
    leaves, treedef = ztu.default_registry.flatten(tree)
    assert (leaves, repr(treedef)) == (lambda r: (r[0], repr(r[1])))(
        jtu.default_registry.flatten(tree))
    assert repr(ztu.default_registry.flatten_with_path(tree)[0]) == \
        repr(jtu.default_registry.flatten_with_path(tree)[0])

    class Box:
        def __init__(self, v):
            self.v = v
    ztu.default_registry.register_node(Box, lambda b: ((b.v,), None), lambda _, cs: Box(*cs))
    assert ztu.tree_leaves([Box(1), Box((2, 3))]) == [1, 2, 3]


def test_static_marks_a_dataclass_field_static():
    @zenax.tree_util.register_dataclass
    @dataclasses.dataclass
    class ZOp:
        x: object
        op: str = zenax.tree.static(default="add")

    @jax.tree_util.register_dataclass
    @dataclasses.dataclass
    class JOp:
        x: object
        op: str = jax.tree.static(default="add")

    z_leaves, z_def = zenax.tree.flatten(ZOp(1.0))
    j_leaves, j_def = jax.tree.flatten(JOp(1.0))
    assert z_leaves == j_leaves == [1.0]
    assert repr(z_def).replace("ZOp", "Op") == repr(j_def).replace("JOp", "Op")
    assert dataclasses.fields(ZOp)[1].metadata["static"] is True
