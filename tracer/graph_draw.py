"""A matplotlib picture of a graph or jaxpr, for when Graphviz is not installed.

The layout is the classic layered (Sugiyama-style) one, kept small:

1. *layers*: an op sits below its operands, a value one layer below its producer.  First
   each op goes as high as its operands allow, then (visiting consumers first) as low as
   its results' consumers allow, so a node sits next to where it is used: the backward
   pass's seed does not float up to the inputs.  The program's inputs stay on layer 0;
   every other source (a constant, a literal) sits right above its first consumer;
2. *order within a layer*: start in creation order, then a few sweeps down and up that
   move each node to the mean position of its neighbours (the barycenter heuristic), which
   removes most edge crossings;
3. *coordinates*: layers are rows (``rankdir="TB"``) or columns (``"LR"``), nodes evenly
   spaced and centred.

Nodes carry the same labels and colours as the DOT export (graph_dot.py): boxes for ops
(primitive, output avals, source line, provenance; filled by role), rounded boxes for
values (filled by kind; residuals with a thick orange border).
"""
from __future__ import annotations

from .graph import DataNode, Graph, OpNode, _as_graph
from .graph_dot import (KIND_COLORS, RESIDUAL_COLOR, ROLE_COLORS, data_label_lines,
                        op_label_lines, role_of)
from .provenance import ROLES
from .source_info import api_boundary

_SWEEPS = 4


def _neighbours(node) -> tuple[list, list]:
    """``(above, below)``: the nodes an edge reaches ``node`` from, and leads to."""
    if isinstance(node, OpNode):
        return list(node.inputs), list(node.outputs)
    return ([node.producer] if node.producer is not None else []), list(node.consumers)


def layers(graph: Graph) -> list[list[DataNode | OpNode]]:
    """The nodes of ``graph`` grouped into layers, each in drawing order (see above)."""
    layer: dict = {}
    order = graph.toposort()
    for node in graph.inputs:
        layer[node] = 0
    for op in order:
        for x in op.inputs:   # a constant: its layer is fixed by its first consumer below
            layer.setdefault(x, None)
        known = [layer[x] for x in op.inputs if layer[x] is not None]
        layer[op] = 1 + max(known, default=0)
        for y in op.outputs:
            layer[y] = layer[op] + 1
    for op in reversed(order):   # then as late as the consumers allow: next to them
        below = [layer[c] for y in op.outputs for c in y.consumers]
        if below and min(below) - 2 > layer[op]:
            layer[op] = min(below) - 2
            for y in op.outputs:
                layer[y] = layer[op] + 1
    for node in graph.nodes:
        if layer.get(node) is None:
            consumers = [layer[op] for op in node.consumers if op in layer]
            layer[node] = max(min(consumers, default=1) - 1, 0)
    rows: list[list] = [[] for _ in range(max(layer.values(), default=0) + 1)]
    for node in list(graph.nodes) + list(graph.ops):
        if node in layer:
            rows[layer[node]].append(node)
    rows = [r for r in rows if r]
    position = {n: i for r in rows for i, n in enumerate(r)}
    for sweep in range(_SWEEPS):
        side = sweep % 2   # 0: order by the neighbours above (downward sweep), 1: below
        for row in (rows[1:] if side == 0 else rows[-2::-1]):
            def barycenter(n):
                xs = [position[m] for m in _neighbours(n)[side] if m in position]
                return sum(xs) / len(xs) if xs else position[n]
            row.sort(key=barycenter)
            position.update((n, i) for i, n in enumerate(row))
    return rows


@api_boundary
def draw(graph_or_jaxpr, *, rankdir: str = "TB", ax=None, fontsize: float = 7.0):
    """Draw a graph (or the view of a jaxpr) with matplotlib; returns the ``Axes``.

    Needs only matplotlib, so it always gives a picture (``render`` needs Graphviz).
    ``rankdir`` is ``"TB"`` (inputs at the top) or ``"LR"`` (inputs on the left).  Pass
    ``ax`` to draw into an existing axes; otherwise a figure sized to the graph is made.

    >>> import numpy as np, zenax, zenax.numpy as jnp
    >>> ax = draw(zenax.make_jaxpr(zenax.grad(lambda x: jnp.sin(x) * x))(1.0))
    >>> sorted(t.get_text() for t in ax.texts if "residual" in t.get_text())
    ['a: f32[]\\nresidual', 'b: f32[]\\nresidual', 'c: f32[]\\nresidual']
    """
    import matplotlib.pyplot as plt   # optional dependency: only this function needs it
    from matplotlib.patches import FancyArrowPatch, Patch

    if rankdir not in ("TB", "LR"):
        raise ValueError(f"draw: rankdir must be 'TB' or 'LR', got {rankdir!r}.")
    graph = _as_graph("draw", graph_or_jaxpr)
    rows = layers(graph)
    width = max((len(r) for r in rows), default=1)
    xy = {}
    for depth, row in enumerate(rows):
        for i, node in enumerate(row):
            across = i - (len(row) - 1) / 2
            xy[node] = (across * 2.2, -depth) if rankdir == "TB" else (depth * 2.4, -across)
    if ax is None:
        size = (max(4.0, 2.1 * width), max(3.0, 0.85 * len(rows))) if rankdir == "TB" \
            else (max(4.0, 2.0 * len(rows)), max(3.0, 0.9 * width))
        _, ax = plt.subplots(figsize=size)
    for op in graph.ops:
        for src, dst in [(x, op) for x in op.inputs] + [(op, y) for y in op.outputs]:
            if src in xy and dst in xy:
                ax.add_patch(FancyArrowPatch(xy[src], xy[dst], arrowstyle="->", color="#868e96",
                                             lw=0.7, shrinkA=9, shrinkB=9, mutation_scale=8,
                                             zorder=1))
    for node, (x, y) in xy.items():
        if isinstance(node, OpNode):
            text = "\n".join(op_label_lines(node, params=False))
            box = dict(boxstyle="square,pad=0.3", fc=ROLE_COLORS[role_of(node)], ec="#343a40",
                       lw=0.8)
        else:
            text = "\n".join(data_label_lines(node))
            box = dict(boxstyle="round,pad=0.3", fc=KIND_COLORS[node.kind],
                       ec=RESIDUAL_COLOR if node.residual else "#868e96",
                       lw=2.2 if node.residual else 0.6)
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, bbox=box, zorder=2)
    roles = {role_of(op) for op in graph.ops}
    has_residuals = any(n.residual for n in graph.nodes)
    if not roles <= {"primal"} or has_residuals:
        handles = [Patch(fc=ROLE_COLORS[r], ec="#343a40", label=r)
                   for r in ("primal",) + ROLES if r in roles]
        if has_residuals:
            handles.append(Patch(fc="white", ec=RESIDUAL_COLOR, lw=2.2, label="residual"))
        ax.legend(handles=handles, loc="upper right", fontsize=fontsize + 1, frameon=True)
    xs = [p[0] for p in xy.values()] or [0.0]
    ys = [p[1] for p in xy.values()] or [0.0]
    ax.set_xlim(min(xs) - 1.4, max(xs) + 1.4)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.axis("off")
    return ax
