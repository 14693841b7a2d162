"""The static-graph view: data nodes, op nodes, traversal, and a builder.

A computation graph is a DAG with two kinds of nodes (the seed's *DataNode* and
*OpNode*): a :class:`DataNode` is a value, an :class:`OpNode` an operation; edges go
data -> op (an operand) and op -> data (a result), and every edge is kept in both
directions (``data.producer``/``data.consumers``, ``op.inputs``/``op.outputs``).

There are two ways to get a :class:`Graph`.

**A view of a jaxpr.**  ``Graph.from_jaxpr(make_jaxpr(f)(x))`` gives one data node per
variable or literal and one op node per equation.  Data nodes carry the names the jaxpr
printer uses, so the graph and ``print(jaxpr)`` agree::

    >>> import numpy as np, zenax, zenax.lax as lax
    >>> closed = zenax.make_jaxpr(lambda x: lax.mul(lax.sin(x), 2.0))(np.ones(3, np.float32))
    >>> g = Graph.from_jaxpr(closed)
    >>> [(n.name, n.kind) for n in g.nodes]
    [('a', 'placeholder'), ('b', 'intermediate'), ('2.0', 'constant'), ('c', 'output')]
    >>> [op.name for op in g.toposort()]
    ['sin', 'mul']

**A static graph built by hand** -- the seed's symbolic API, TensorFlow 1 style.
``placeholder``/``constant``/``variable`` create source nodes, ``apply(op, *nodes)``
records an application of any function of arrays (``zenax.lax.sin``, a lambda, ...).
Nothing runs while building except shape inference: ``apply`` traces ``op`` on the input
avals, so a shape error surfaces at the line that built the bad node.  ``run(outputs,
feed_dict)`` stages the part of the graph the outputs need into a jaxpr with
``trace_to_jaxpr`` (once per set of outputs, cached) and evaluates it::

    >>> g = Graph()
    >>> with g.as_default():
    ...     x = placeholder((3,), name="x")
    ...     w = variable(np.full(3, 2.0, np.float32), name="w")
    ...     y = apply(lax.mul, apply(lax.sin, x), w)
    >>> g.run(y, {x: np.zeros(3, np.float32)})
    Array([0., 0., 0.], dtype=float32)
    >>> print(g.to_jaxpr(y))
    { lambda ; a:f32[3] b:f32[3]. let c:f32[3] = sin a; d:f32[3] = mul c b in (d,) }

The staged jaxpr's inputs are the placeholders the outputs depend on, in creation order,
followed by the variables they depend on, in creation order (``graph.jaxpr_inputs``);
constants are closed over (constvars, or inline literals for scalars).  Variables are
inputs rather than constants so that a gradient can be taken with respect to them and an
optimizer can assign ``w.value`` without restaging.

Data nodes overload ``+ - * / @`` and unary ``-``.  The tracer layer cannot import lax,
so the operators look their implementation up in a small registry that ``zenax.graph``
fills (with zenax.lax functions, NumPy-style broadcasting and dtype promotion) when it is
imported.

Traversal: :meth:`Graph.dfs` and :meth:`Graph.bfs` walk from the outputs back to the
inputs by default (data node -> its producer -> the producer's operands, in operand
order), or forward with ``direction="forward"`` (data node -> its consumers -> their
results).  :meth:`Graph.toposort` orders the op nodes with Kahn's algorithm.

The nodes are in ``graph_nodes.py``, the walks in ``graph_traversal.py``, staging and
feeding in ``graph_staging.py``; this module holds the graph, its builder and the public
functions.  Pictures of a graph: ``graph_dot.py`` (Graphviz DOT, with provenance) and
``graph_draw.py`` (matplotlib).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from . import dtypes, graph_traversal
from .avals import ShapedArray, concrete_aval, is_python_scalar
from .graph_nodes import DataNode, OpNode, _as_array, _link
from .graph_staging import _call, check_feeds, stage
from .ir import ClosedJaxpr, Jaxpr, Literal, Var, _Names, eval_jaxpr, pp_jaxpr
from .source_info import api_boundary, user_frame
from .staging import trace_to_jaxpr
from .tree_util import tree_flatten, tree_unflatten

__all__ = [
    "Graph", "DataNode", "OpNode", "get_default_graph",
    "placeholder", "constant", "variable", "apply", "run",
    "dfs", "bfs", "toposort", "register_operator",
]


# --------------------------------------------------------------------------- operators

_OPERATORS = ("add", "sub", "mul", "div", "matmul", "neg")
_operator_impls: dict[str, Callable] = {}


def register_operator(name: str, fn: Callable) -> None:
    """Implement a DataNode operator (``add sub mul div matmul neg``) with ``fn``, a
    function of arrays.  ``zenax.graph`` registers zenax.lax-based ones on import."""
    if name not in _OPERATORS:
        raise ValueError(f"register_operator: unknown operator {name!r}; expected one of "
                         f"{_OPERATORS}.")
    _operator_impls[name] = fn


# --------------------------------------------------------------------------- the graph

class _DefaultGraphStack(threading.local):
    def __init__(self):
        self.stack: list[Graph] = []


_default_graphs = _DefaultGraphStack()


class Graph:
    """A computation graph: ``nodes`` (data nodes), ``ops`` (op nodes) and the edges
    between them.

    Build one with ``Graph()`` and the builder functions (under ``with g.as_default():``
    or through ``g.placeholder(...)`` etc.), or view a jaxpr with :meth:`from_jaxpr`.
    ``jaxpr`` is the viewed jaxpr, or None for a built graph; a view is read-only.
    """

    def __init__(self):
        self.nodes: list[DataNode] = []
        self.ops: list[OpNode] = []
        self.jaxpr: ClosedJaxpr | Jaxpr | None = None
        self._view_inputs: list[DataNode] = []
        self._view_outputs: list[DataNode] = []
        self._by_name: dict[str, DataNode] = {}
        self._staged: dict[tuple, tuple[ClosedJaxpr, list[DataNode]]] = {}

    # ----------------------------------------------------------------- jaxpr view

    @classmethod
    @api_boundary
    def from_jaxpr(cls, jaxpr: ClosedJaxpr | Jaxpr) -> "Graph":
        """The graph of ``jaxpr``: constvars and literals become ``"constant"`` nodes
        (holding the const's value when a ClosedJaxpr is given), invars ``"placeholder"``,
        equation results ``"intermediate"`` or, if returned, ``"output"``.

        >>> import numpy as np, zenax, zenax.lax as lax
        >>> g = Graph.from_jaxpr(zenax.make_jaxpr(lax.sin)(np.ones(2, np.float32)))
        >>> g.ops[0].inputs, g.ops[0].outputs
        ([DataNode(placeholder a: f32[2])], [DataNode(output b: f32[2])])
        """
        if isinstance(jaxpr, ClosedJaxpr):
            inner, consts = jaxpr.jaxpr, jaxpr.consts
        elif isinstance(jaxpr, Jaxpr):
            inner, consts = jaxpr, [None] * len(jaxpr.constvars)
        else:
            raise TypeError(f"Graph.from_jaxpr: expected a ClosedJaxpr or Jaxpr, got "
                            f"{type(jaxpr).__name__}. Get one with zenax.make_jaxpr(f)(*args).")
        graph = cls()
        graph.jaxpr = jaxpr
        names = _Names()
        pp_jaxpr(inner, names)   # name variables exactly as the printer does
        node_of: dict[Var | Literal, DataNode] = {}
        returned = {v for v in inner.outvars if type(v) is Var}

        def add(atom, kind, producer=None, value=None):
            name = _literal_name(atom) if type(atom) is Literal else names(atom)
            node = DataNode(graph, kind, atom.aval, name, producer, value, atom)
            graph.nodes.append(node)
            node_of[atom] = node
            return node

        def read(atom):
            if type(atom) is Literal and atom not in node_of:
                add(atom, "constant", value=atom.val)
            return node_of[atom]

        for v, c in zip(inner.constvars, consts):
            add(v, "constant", value=c)
        graph._view_inputs = [add(v, "placeholder") for v in inner.invars]
        for i, eqn in enumerate(inner.eqns):
            op = OpNode(graph, eqn.primitive.name, eqn.primitive, dict(eqn.params),
                        [read(x) for x in eqn.invars], eqn.source_info, i, eqn.provenance)
            op.outputs = [add(v, "output" if v in returned else "intermediate", producer=op)
                          for v in eqn.outvars]
            _link(op)
            graph.ops.append(op)
        graph._view_outputs = [read(x) for x in inner.outvars]
        return graph

    # ----------------------------------------------------------------- structure

    @property
    def inputs(self) -> list[DataNode]:
        """The jaxpr's invars (a view), or the placeholders then the variables, each in
        creation order (a built graph; the order of ``to_jaxpr``'s inputs)."""
        if self.jaxpr is not None:
            return list(self._view_inputs)
        return ([n for n in self.nodes if n.kind == "placeholder"]
                + [n for n in self.nodes if n.kind == "variable"])

    @property
    def outputs(self) -> list[DataNode]:
        """The jaxpr's outputs in order (a view), or the op results nothing consumes, in
        creation order (a built graph)."""
        if self.jaxpr is not None:
            return list(self._view_outputs)
        return [n for n in self.nodes if n.producer is not None and not n.consumers]

    # ----------------------------------------------------------------- traversal

    def dfs(self, start_nodes: DataNode | OpNode | Iterable | None = None,
            direction: str = "backward") -> list[DataNode | OpNode]:
        """Depth-first preorder over data and op nodes.

        ``direction="backward"`` (default) starts at ``self.outputs`` and follows each
        node to where it came from: a data node to its producer, an op to its operands in
        operand order.  ``direction="forward"`` starts at the sources (nodes with no
        producer) and follows a data node to its consumers, an op to its results.  Each
        node is visited once, the first time it is reached, as recursive DFS would.

        For ``y = mul(sin(x), cos(x))`` the backward order is
        ``y, mul, sin(x), sin, x, cos(x), cos``.
        """
        return graph_traversal.dfs(self, start_nodes, direction)

    def bfs(self, start_nodes: DataNode | OpNode | Iterable | None = None,
            direction: str = "backward") -> list[DataNode | OpNode]:
        """Breadth-first order over data and op nodes, with the same start nodes and
        neighbours as :meth:`dfs`.

        For ``y = mul(sin(x), cos(x))`` the backward order is
        ``y, mul, sin(x), cos(x), sin, cos, x``.
        """
        return graph_traversal.bfs(self, start_nodes, direction)

    def toposort(self) -> list[OpNode]:
        """The op nodes in an order where each op comes after the producers of its
        operands (Kahn's algorithm).

        Among the ops that are ready, the one created first goes first, so the result is
        the smallest topological order by ``op.index``: exactly the equation order for a
        jaxpr view and the creation order for a built graph.  Data nodes are implied:
        the sources come before every op, and an op's results right after it.
        """
        return graph_traversal.toposort(self)

    # ----------------------------------------------------------------- builder

    @contextmanager
    def as_default(self):
        """Make this graph the one ``placeholder``/``constant``/``variable`` build into.

        >>> g = Graph()
        >>> with g.as_default():
        ...     x = placeholder((2,))
        >>> x.graph is g
        True
        """
        _default_graphs.stack.append(self)
        try:
            yield self
        finally:
            _default_graphs.stack.pop()

    # The public methods are API boundaries (tracebacks lose zenax's frames); the
    # module-level functions call the private ones, so boundaries never nest.

    @api_boundary
    def placeholder(self, shape: Sequence[int], dtype=np.float32,
                    name: str | None = None) -> DataNode:
        """A value supplied at :meth:`run` time through ``feed_dict``.  See
        :func:`placeholder`."""
        return self._placeholder(shape, dtype, name)

    @api_boundary
    def constant(self, value, name: str | None = None) -> DataNode:
        """A fixed value, closed over by the staged jaxpr.  See :func:`constant`."""
        return self._constant(value, name)

    @api_boundary
    def variable(self, init_value, name: str | None = None) -> DataNode:
        """A trainable parameter holding ``init_value``.  See :func:`variable`."""
        return self._variable(init_value, name)

    @api_boundary
    def apply(self, op: Callable, *args, **params):
        """Record ``op(*args, **params)``.  See :func:`apply`."""
        return self._apply(op, args, params, _op_name(op))

    def _placeholder(self, shape, dtype, name):
        self._check_builder("placeholder")
        try:
            shape = tuple(int(d) for d in shape)
        except TypeError:
            raise ValueError(f"placeholder: shape must be a sequence of ints, got {shape!r}. "
                             "Static graphs stage to jaxprs, whose shapes are fixed: give "
                             "every dimension (e.g. the batch size) a size.") from None
        if any(d < 0 for d in shape):
            raise ValueError(f"placeholder: shape {shape} has a negative dimension.")
        aval = ShapedArray(shape, dtypes.canonicalize_dtype(dtype))
        return self._add_source("placeholder", aval, name, None)

    def _constant(self, value, name):
        self._check_builder("constant")
        if isinstance(value, DataNode):
            raise TypeError(f"constant: expected an array or scalar, got the graph node "
                            f"{value!r}; use the node directly.")
        if not is_python_scalar(value):   # Python scalars stay weakly typed, as in JAX
            value = _as_array(value)
        return self._add_source("constant", concrete_aval(value), name, value)

    def _variable(self, init_value, name):
        self._check_builder("variable")
        value = _as_array(init_value)
        return self._add_source("variable", concrete_aval(value), name, value)

    def _apply(self, op, args, params, op_name):
        self._check_builder(f"apply({op_name})")
        if not callable(op):
            raise TypeError(f"apply: op must be a function of arrays, got {op!r}.")
        flat, in_tree = tree_flatten(args)
        for x in flat:
            if isinstance(x, DataNode) and x.graph is not self:
                raise ValueError(f"apply({op_name}): node '{x.name}' belongs to another "
                                 "graph; all operands must come from one graph.")
        inputs = [x if isinstance(x, DataNode) else self._constant(x, None) for x in flat]
        # Shape inference now, so an error points at the line that built the bad node.
        traced = [n for n in inputs if n._kind != "constant"]
        out_tree_box = []

        def abstract(*tracers):
            env = dict(zip(traced, tracers))
            outs, out_tree = _call(op, op_name, params, in_tree,
                                   [env[n] if n in env else n.value for n in inputs])
            out_tree_box.append(out_tree)
            return outs

        closed, _ = trace_to_jaxpr(abstract, [n.aval for n in traced])
        node = OpNode(self, op_name, op, dict(params), inputs, user_frame(), len(self.ops))
        node._in_tree, node._out_tree = in_tree, out_tree_box[0]
        node.outputs = [self._add_node("intermediate", aval, None, op_name, producer=node)
                        for aval in closed.out_avals]
        _link(node)
        self.ops.append(node)
        return tree_unflatten(node._out_tree, node.outputs)


    def _apply_operator(self, name: str, args: tuple):
        """Apply the implementation registered for a DataNode operator (``x + y``)."""
        fn = _operator_impls.get(name)
        if fn is None:
            raise NotImplementedError(f"The graph operator '{name}' has no implementation: "
                                      "`import zenax.graph`, which registers them.")
        return self._apply(fn, args, {}, name)

    def _check_builder(self, fname):
        if self.jaxpr is not None:
            raise ValueError(f"{fname}: this graph is a read-only view of a jaxpr; build "
                             "into a new Graph() instead.")

    def _add_source(self, kind, aval, name, value):
        return self._add_node(kind, aval, name, kind, value=value)

    def _add_node(self, kind, aval, name, default_name, producer=None, value=None):
        if name is None:
            name = self._unique_name(default_name)
        elif name in self._by_name:
            raise ValueError(f"{kind}: the name '{name}' is already used in this graph by "
                             f"{self._by_name[name]!r}; names must be unique (they are "
                             "feed_dict keys). Pick another name or leave it out.")
        node = DataNode(self, kind, aval, name, producer, value)
        self._by_name[name] = node
        self.nodes.append(node)
        return node

    def _unique_name(self, base: str) -> str:
        name, i = base, 0
        while name in self._by_name:
            i += 1
            name = f"{base}_{i}"
        return name

    # ----------------------------------------------------------------- staging and running

    @api_boundary
    def to_jaxpr(self, outputs) -> ClosedJaxpr:
        """Stage the part of this built graph that ``outputs`` (a node or a pytree of
        nodes) depend on into a ClosedJaxpr, whose inputs are ``jaxpr_inputs(outputs)``.

        Each op is traced with ``trace_to_jaxpr``; an equation keeps the source line of
        the user code that produced it (inside a user function), or else the line of the
        ``apply``/operator that built the op.  The result is cached per outputs.
        """
        self._check_builder("to_jaxpr")
        flat_outs = self._flat_nodes("to_jaxpr", outputs)
        return self._stage(flat_outs)[0]

    @api_boundary
    def jaxpr_inputs(self, outputs) -> list[DataNode]:
        """The data nodes bound to ``to_jaxpr(outputs)``'s invars, in order: the
        placeholders the outputs depend on, then the variables, each in creation order."""
        self._check_builder("jaxpr_inputs")
        return list(self._stage(self._flat_nodes("jaxpr_inputs", outputs))[1])

    def _stage(self, flat_outs: list[DataNode]):
        key = tuple(flat_outs)
        if key not in self._staged:
            self._staged[key] = stage(self, flat_outs)
        return self._staged[key]

    @api_boundary
    def run(self, outputs, feed_dict: dict | None = None):
        """Evaluate ``outputs`` (a node, or a list/tuple/dict of nodes) and return
        concrete arrays in the same structure.  See :func:`run`."""
        return self._run(outputs, feed_dict)

    def _run(self, outputs, feed_dict):
        self._check_builder("run")
        flat_outs, out_tree = tree_flatten(outputs)
        flat_outs = self._flat_nodes("run", flat_outs)
        closed, inputs = self._stage(flat_outs)
        feeds = self._check_feeds(feed_dict or {})
        missing = [n for n in inputs if n.kind == "placeholder" and n not in feeds]
        if missing:
            listing = ", ".join(f"'{n.name}' ({n.aval.str_short()})" for n in missing)
            raise ValueError(f"run: no value for placeholder {listing}, which the requested "
                             "outputs depend on. Add it to feed_dict, e.g. "
                             f"feed_dict={{{missing[0].name}: array}}.")
        args = [feeds[n] if n.kind == "placeholder" else n.value for n in inputs]
        outs = eval_jaxpr(closed.jaxpr, closed.consts, *args)
        return tree_unflatten(out_tree, outs)

    def _flat_nodes(self, fname, outputs) -> list[DataNode]:
        flat, _ = tree_flatten(outputs)
        for n in flat:
            if not isinstance(n, DataNode):
                raise TypeError(f"{fname}: outputs must be graph nodes, got {n!r}.")
            if n.graph is not self:
                raise ValueError(f"{fname}: output '{n.name}' belongs to another graph.")
        return flat

    def _check_feeds(self, feed_dict: dict) -> dict[DataNode, Any]:
        return check_feeds(self, feed_dict)


def _op_name(op) -> str:
    name = getattr(op, "__name__", None) or getattr(getattr(op, "func", None), "__name__",
                                                    None) or type(op).__name__
    return name.strip("<>")   # "<lambda>" -> "lambda"


def _literal_name(x: Literal) -> str:
    val = x.val
    if isinstance(val, (np.ndarray, np.generic)) or hasattr(val, "item"):
        val = np.asarray(val).item()
    return repr(val)


# --------------------------------------------------------------------------- functions

def get_default_graph() -> Graph:
    """The graph the builder functions add to: the innermost ``with g.as_default():``,
    else a global graph."""
    return _default_graphs.stack[-1] if _default_graphs.stack else _global_graph


_global_graph = Graph()


@api_boundary
def placeholder(shape: Sequence[int], dtype=np.float32, name: str | None = None) -> DataNode:
    """A node for a value fed at :func:`run` time (a jaxpr input).

    >>> with Graph().as_default():
    ...     x = placeholder((2, 3), name="x")
    >>> x
    DataNode(placeholder x: f32[2,3])
    """
    return get_default_graph()._placeholder(shape, dtype, name)


@api_boundary
def constant(value, name: str | None = None) -> DataNode:
    """A node holding a fixed value; the staged jaxpr closes over it (a constvar, or an
    inline literal for a scalar).  Python scalars stay weakly typed, as in JAX.

    >>> constant(np.arange(3.0)).aval
    ShapedArray(float32[3])
    """
    return get_default_graph()._constant(value, name)


@api_boundary
def variable(init_value, name: str | None = None) -> DataNode:
    """A trainable parameter node: an input of the staged jaxpr whose argument is its
    current ``.value`` (assignable); ``.grad`` is None until a gradient is computed.

    >>> with Graph().as_default():
    ...     w = variable(np.zeros((3,), np.float32), name="w")
    >>> w.value, w.grad
    (array([0., 0., 0.], dtype=float32), None)
    """
    return get_default_graph()._variable(init_value, name)


@api_boundary
def apply(op: Callable, *args, **params):
    """Record ``op(*args, **params)`` as an op node and return its result node(s).

    ``op`` is any function of arrays (``zenax.lax.sin``, ``zenax.lax.dot``, a lambda).
    Positional ``args`` are operands: graph nodes, or values that become ``constant``
    nodes; lists/tuples of them are fine (``apply(lax.concatenate, [a, b],
    dimension=0)``).  Keyword ``params`` are static and passed through unchanged.  The
    result has ``op``'s output structure, with nodes for arrays.  ``op`` is traced on
    the operands' avals now (shape inference), and again when a run stages the graph.

    >>> import zenax.lax as lax
    >>> x = placeholder((3,))
    >>> apply(lax.reduce_sum, apply(lax.sin, x), axes=(0,)).aval
    ShapedArray(float32[])
    """
    nodes = [a for a in tree_flatten(args)[0] if isinstance(a, DataNode)]
    graph = nodes[0].graph if nodes else get_default_graph()
    return graph._apply(op, args, params, _op_name(op))


@api_boundary
def run(outputs, feed_dict: dict | None = None):
    """Evaluate graph nodes: ``outputs`` is a node or a list/tuple/dict of nodes (of one
    graph); ``feed_dict`` maps each placeholder they depend on -- the node or its name --
    to an array of its shape and dtype (lists and Python scalars take its dtype).  Returns
    concrete arrays in the structure of ``outputs``.

    >>> import zenax.lax as lax
    >>> with Graph().as_default():
    ...     x = placeholder((2,), name="x")
    ...     y = apply(lax.mul, x, 3.0)
    >>> run(y, {"x": [1.0, 2.0]})
    Array([3., 6.], dtype=float32)
    """
    nodes = tree_flatten(outputs)[0]
    graph = nodes[0].graph if nodes and isinstance(nodes[0], DataNode) else get_default_graph()
    return graph._run(outputs, feed_dict)


def _as_graph(fname, graph_or_jaxpr) -> Graph:
    if isinstance(graph_or_jaxpr, Graph):
        return graph_or_jaxpr
    if isinstance(graph_or_jaxpr, (ClosedJaxpr, Jaxpr)):
        return Graph.from_jaxpr(graph_or_jaxpr)
    raise TypeError(f"{fname}: expected a Graph, ClosedJaxpr or Jaxpr, got "
                    f"{type(graph_or_jaxpr).__name__}.")


@api_boundary
def dfs(graph_or_jaxpr, start_nodes=None, direction: str = "backward"):
    """:meth:`Graph.dfs` of a graph, or of the view of a jaxpr."""
    return _as_graph("dfs", graph_or_jaxpr).dfs(start_nodes, direction)


@api_boundary
def bfs(graph_or_jaxpr, start_nodes=None, direction: str = "backward"):
    """:meth:`Graph.bfs` of a graph, or of the view of a jaxpr."""
    return _as_graph("bfs", graph_or_jaxpr).bfs(start_nodes, direction)


@api_boundary
def toposort(graph_or_jaxpr) -> list[OpNode]:
    """:meth:`Graph.toposort` of a graph, or of the view of a jaxpr."""
    return _as_graph("toposort", graph_or_jaxpr).toposort()
