"""Running a built graph: stage the part that the outputs need into a jaxpr, check the feeds.

``Graph.run`` and ``Graph.to_jaxpr`` (``graph.py``) call :func:`stage`, which traces the
needed ops, in topological order, into one ClosedJaxpr with ``trace_to_jaxpr``; the graph
caches the result per set of outputs.  :func:`check_feeds` turns a ``feed_dict`` into a
value per placeholder, with errors that name the node and say how to fix the value.
``_call`` applies an op to flat values; ``Graph.apply`` uses it too, for shape inference.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .avals import concrete_aval, is_python_scalar
from .core import current_trace, get_aval
from .graph_nodes import DataNode
from .ir import ClosedJaxpr
from .source_info import user_frame
from .staging import trace_to_jaxpr
from .tree_util import tree_flatten, tree_unflatten


def stage(graph, flat_outs: list[DataNode]) -> tuple[ClosedJaxpr, list[DataNode]]:
    """The ClosedJaxpr of the part of ``graph`` that ``flat_outs`` depend on, and the data
    nodes bound to its invars (placeholders, then variables)."""
    needed = set(graph.bfs(flat_outs))
    ops = [op for op in graph.toposort() if op in needed]
    inputs = [n for n in graph.inputs if n in needed]
    constants = [n for n in graph.nodes if n._kind == "constant" and n in needed]
    site = user_frame()   # where the user called run/to_jaxpr

    def staged(*tracers):
        env = dict(zip(inputs, tracers))
        env.update((n, n.value) for n in constants)
        trace = current_trace()
        for op in ops:
            start = len(trace.eqns)
            outs, _ = _call(op.op, op.name, op.params, op._in_tree,
                            [env[n] for n in op.inputs])
            env.update(zip(op.outputs, outs))
            # Equations staged straight from a library op (lax.sin) see the run() call
            # as their user frame; the line that built the op is the useful one.
            for i in range(start, len(trace.eqns)):
                if trace.eqns[i].source_info == site:
                    trace.eqns[i] = trace.eqns[i]._replace(source_info=op.source_info)
        return [env[n] for n in flat_outs]

    closed, _ = trace_to_jaxpr(staged, [n.aval for n in inputs])
    return closed, inputs


def check_feeds(graph, feed_dict: dict) -> dict[DataNode, Any]:
    """The value fed to each placeholder of ``graph``; keys are nodes or their names."""
    feeds: dict[DataNode, Any] = {}
    placeholders = [n.name for n in graph.nodes if n.kind == "placeholder"]
    for key, value in feed_dict.items():
        node = graph._by_name.get(key) if isinstance(key, str) else key
        if node is None:
            raise ValueError(f"run: feed_dict names '{key}', but this graph has no node "
                             f"of that name; its placeholders are {placeholders}.")
        if not isinstance(node, DataNode) or node.graph is not graph:
            raise ValueError(f"run: feed_dict key {key!r} is not a node of this graph.")
        if node.kind != "placeholder":
            fix = (f" Assign {node.name}.value instead." if node.kind == "variable" else "")
            raise ValueError(f"run: only placeholders can be fed, but '{node.name}' is "
                             f"a {node.kind}.{fix}")
        if node in feeds:
            raise ValueError(f"run: placeholder '{node.name}' is fed twice (by node and "
                             "by name).")
        feeds[node] = _check_feed(node, value)
    return feeds


def _call(op, op_name, params, in_tree, values):
    """``op(*args, **params)`` with the positional args rebuilt from flat ``values``;
    returns the flat results and their structure."""
    out = op(*tree_unflatten(in_tree, values), **params)
    flat, out_tree = tree_flatten(out)
    for x in flat:
        try:
            get_aval(x)
        except TypeError:
            raise TypeError(f"apply({op_name}): the op must return arrays (or a pytree of "
                            f"arrays), but it returned {x!r}.") from None
    return flat, out_tree


def _check_feed(node: DataNode, value):
    if isinstance(value, (list, tuple)) or is_python_scalar(value):
        value = np.asarray(value, dtype=node.dtype)   # untyped data takes the placeholder's
    try:
        aval = concrete_aval(value)
    except TypeError:
        raise TypeError(f"run: placeholder '{node.name}' expects an array of type "
                        f"{node.aval.str_short()}, but feed_dict gives {value!r}.") from None
    if aval.shape != node.shape or aval.dtype != node.dtype:
        raise ValueError(f"run: placeholder '{node.name}' expects {node.aval.str_short()} "
                         f"(shape {node.shape}, dtype {node.dtype}), but feed_dict gives "
                         f"{aval.str_short()} (shape {aval.shape}, dtype {aval.dtype}). "
                         "Reshape or cast the fed value.")
    if isinstance(value, np.ndarray) and value.dtype != node.dtype:
        value = value.astype(node.dtype)   # e.g. float64 data for an f32 placeholder
    return value

