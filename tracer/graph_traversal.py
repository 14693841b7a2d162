"""Walking a static graph: depth-first and breadth-first orders, and a topological sort.

A walk goes over data and op nodes alike, backward from the outputs (a data node to its
producer, an op to its operands) or forward from the sources (a data node to its
consumers, an op to its results); a step function gives a node's neighbours in the
chosen direction.  The orders are specified where users read them, on
:meth:`Graph.dfs`, :meth:`Graph.bfs` and :meth:`Graph.toposort` (``graph.py``), which
call the functions here.
"""
from __future__ import annotations

import heapq

from .graph_nodes import DataNode, OpNode

_DIRECTIONS = ("backward", "forward")


def dfs(graph, start_nodes, direction: str) -> list[DataNode | OpNode]:
    """The depth-first preorder of :meth:`Graph.dfs`.  The stack holds each node's
    neighbours reversed, so they are visited in order, as recursive DFS would."""
    starts, step = _walk_setup(graph, "dfs", start_nodes, direction)
    order, seen = [], set()
    stack = list(reversed(starts))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(reversed([n for n in step(node) if n not in seen]))
    return order


def bfs(graph, start_nodes, direction: str) -> list[DataNode | OpNode]:
    """The breadth-first order of :meth:`Graph.bfs`."""
    starts, step = _walk_setup(graph, "bfs", start_nodes, direction)
    order, seen = [], set()
    for node in starts:
        if node not in seen:
            seen.add(node)
            order.append(node)
    i = 0
    while i < len(order):
        for n in step(order[i]):
            if n not in seen:
                seen.add(n)
                order.append(n)
        i += 1
    return order


def toposort(graph) -> list[OpNode]:
    """The op order of :meth:`Graph.toposort`: Kahn's algorithm, with the ready ops in a
    heap keyed by ``op.index``."""
    preds = {op: {n.producer for n in op.inputs if n.producer is not None}
             for op in graph.ops}
    succs: dict[OpNode, list[OpNode]] = {op: [] for op in graph.ops}
    for op, ps in preds.items():
        for p in ps:
            succs[p].append(op)
    indegree = {op: len(ps) for op, ps in preds.items()}
    ready = [(op.index, op) for op in graph.ops if indegree[op] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, op = heapq.heappop(ready)
        order.append(op)
        for s in succs[op]:
            indegree[s] -= 1
            if indegree[s] == 0:
                heapq.heappush(ready, (s.index, s))
    return order


def _walk_setup(graph, fname, start_nodes, direction):
    if direction not in _DIRECTIONS:
        raise ValueError(f"{fname}: direction must be 'backward' or 'forward', got "
                         f"{direction!r}.")
    if start_nodes is None:
        starts = graph.outputs if direction == "backward" else _sources(graph)
    elif isinstance(start_nodes, (DataNode, OpNode)):
        starts = [start_nodes]
    else:
        starts = list(start_nodes)
    for n in starts:
        if not isinstance(n, (DataNode, OpNode)) or n.graph is not graph:
            raise ValueError(f"{fname}: start node {n!r} is not a node of this graph.")
    step = _backward_step if direction == "backward" else _forward_step
    return starts, step


def _sources(graph) -> list[DataNode]:
    return [n for n in graph.nodes if n.producer is None]


def _backward_step(node):
    if isinstance(node, DataNode):
        return [node.producer] if node.producer is not None else []
    return node.inputs


def _forward_step(node):
    return node.consumers if isinstance(node, DataNode) else node.outputs

