"""Graphviz pictures of a graph or jaxpr, with provenance: DOT text and rendered files.

Each equation becomes a box showing its primitive (and short params), the avals it
produces, the user's source line (``mlp.py:12``) and, in a transformed program, the
transform that emitted it -- filled by role: primal white, ``tangent`` (jvp rules) green,
``transposed`` (the backward pass) red, ``batched`` (vmap) violet.  Values are ellipses
``name: aval`` filled by kind; a *residual* (saved by linearize for the backward pass)
gets a thick orange border and a ``residual`` line.  A legend lists the roles present.

>>> import numpy as np, zenax, zenax.numpy as jnp
>>> dot = to_dot(zenax.make_jaxpr(zenax.grad(jnp.sin))(1.0))
>>> "transposed" in dot and "residual" in dot
True
"""
from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np

from .graph import DataNode, Graph, OpNode, _as_graph, _op_name
from .ir import ClosedJaxpr, Jaxpr
from .provenance import ROLES, describe
from .source_info import api_boundary

# Fill colours, shared with the matplotlib drawing (graph_draw.py).
KIND_COLORS = {"placeholder": "#cfe2ff", "constant": "#e9ecef", "variable": "#fff3cd",
               "intermediate": "#ffffff", "output": "#ffffff"}
ROLE_COLORS = {"primal": "#ffffff", "tangent": "#d3f9d8", "transposed": "#ffe3e3",
               "batched": "#e5dbff"}
RESIDUAL_COLOR = "#e8590c"

_KIND_STYLE = {
    "placeholder": f'style=filled, fillcolor="{KIND_COLORS["placeholder"]}"',
    "constant": f'style=filled, fillcolor="{KIND_COLORS["constant"]}"',
    "variable": f'style=filled, fillcolor="{KIND_COLORS["variable"]}"',
    "intermediate": "",
    "output": "peripheries=2",
}


def role_of(op: OpNode) -> str:
    """The role an op is coloured by: the first transform that emitted it (``"primal"``
    for the user's own operations)."""
    return op.provenance[0] if op.provenance else "primal"


def short_params(params: dict, limit: int = 40) -> str:
    def show(v):
        if isinstance(v, (Jaxpr, ClosedJaxpr)):
            return "{jaxpr}"
        if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
            return np.dtype(v).name
        if callable(v):
            return _op_name(v)
        return str(v)
    text = ", ".join(f"{k}={show(v)}" for k, v in params.items())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def op_label_lines(op: OpNode, params: bool = True) -> list[str]:
    """``[name[params], output avals, file:line, provenance]`` (the last two when known)."""
    p = short_params(op.params) if params else ""
    lines = [op.name + (f"[{p}]" if p else ""),
             " ".join(y.aval.str_short() for y in op.outputs)]
    if op.source_info is not None:
        lines.append(f"{os.path.basename(op.source_info.file)}:{op.source_info.line}")
    if op.provenance:
        lines.append(describe(op.provenance))
    return lines


def data_label_lines(node: DataNode) -> list[str]:
    lines = [f"{node.name}: {node.aval.str_short()}"]
    if node.residual:
        lines.append("residual")
    return lines


def _dot_str(s: str) -> str:
    """A DOT string literal; ``\\n`` in ``s`` stays a line break of the label."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@api_boundary
def to_dot(graph_or_jaxpr, *, rankdir: str = "TB") -> str:
    """Graphviz DOT text for a graph (or the view of a jaxpr).

    Data nodes are ellipses labelled ``name: aval`` (``b: f32[3]``), filled by kind
    (placeholders blue, constants grey, variables yellow; outputs get a double border;
    residuals a thick orange border and the word ``residual``).  Op nodes are boxes:
    the op name with short params, the avals it produces, the user's source line
    (``file.py:12``, the full ``file:line (function)`` as the tooltip) and the transforms
    that emitted it (``tangent``, ``transposed``, ``batched``), filled by role.  Edges go
    data -> op (operands, in order) and op -> data (results).  ``rankdir`` is Graphviz's
    (``"TB"`` top to bottom, ``"LR"`` left to right).

    >>> import numpy as np, zenax, zenax.lax as lax
    >>> print(to_dot(zenax.make_jaxpr(lax.sin)(np.ones(2, np.float32))), end="")
    ... # doctest: +ELLIPSIS
    digraph zenax {
      rankdir=TB;
    ...
      d0 [shape=ellipse, label="a: f32[2]", style=filled, fillcolor="#cfe2ff"];
    ...
      d0 -> op0;
      op0 -> d1;
    }
    """
    return _dot_text(_as_graph("to_dot", graph_or_jaxpr), _check_rankdir("to_dot", rankdir))


def _check_rankdir(fname: str, rankdir: str) -> str:
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"{fname}: rankdir must be 'TB', 'LR', 'BT' or 'RL', got "
                         f"{rankdir!r}.")
    return rankdir


def _dot_text(graph: Graph, rankdir: str) -> str:
    ids = {node: f"d{i}" for i, node in enumerate(graph.nodes)}
    lines = ["digraph zenax {", f"  rankdir={rankdir};",
             '  node [fontname="Helvetica", fontsize=11];']
    for node, nid in ids.items():
        attrs = f"shape=ellipse, label={_dot_str(chr(10).join(data_label_lines(node)))}"
        if _KIND_STYLE[node.kind]:
            attrs += f", {_KIND_STYLE[node.kind]}"
        if node.residual:
            attrs += f', color="{RESIDUAL_COLOR}", penwidth=2.5'
        lines.append(f"  {nid} [{attrs}];")
    for i, op in enumerate(graph.ops):
        attrs = "shape=box"
        if op.source_info is not None:
            info = op.source_info
            attrs += f", tooltip={_dot_str(f'{info.file}:{info.line} ({info.function})')}"
        if op.provenance:
            attrs += f', style=filled, fillcolor="{ROLE_COLORS[role_of(op)]}"'
        lines.append(f"  op{i} [{attrs}, label={_dot_str(chr(10).join(op_label_lines(op)))}];")
    for i, op in enumerate(graph.ops):
        lines.extend(f"  {ids[x]} -> op{i};" for x in op.inputs)
        lines.extend(f"  op{i} -> {ids[y]};" for y in op.outputs)
    lines.extend(_legend(graph))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _legend(graph: Graph) -> list[str]:
    """A boxed key to the colours, when the graph has transformed ops or residuals."""
    roles = {role_of(op) for op in graph.ops}
    has_residuals = any(n.residual for n in graph.nodes)
    if roles <= {"primal"} and not has_residuals:
        return []
    entries = [r for r in ("primal",) + ROLES if r in roles]
    lines = ["  subgraph cluster_legend {", '    label="legend"; fontname="Helvetica";',
             "    style=dashed;"]
    for r in entries:
        lines.append(f'    legend_{r} [shape=box, style=filled, fillcolor="{ROLE_COLORS[r]}", '
                     f'label="{r}"];')
    if has_residuals:
        lines.append(f'    legend_residual [shape=ellipse, color="{RESIDUAL_COLOR}", '
                     'penwidth=2.5, label="residual"];')
    lines.append("  }")
    return lines


@api_boundary
def render(graph_or_jaxpr, path, *, rankdir: str = "TB") -> list[Path]:
    """Write ``<path>.dot``, and ``<path>.svg`` and ``<path>.png`` if Graphviz's ``dot``
    executable is on the PATH.  Returns the paths of the files written (a ``.dot``,
    ``.svg`` or ``.png`` suffix on ``path`` is dropped first).  Without Graphviz only the
    ``.dot`` file is written, with a warning that says so; :func:`draw` makes a picture
    with matplotlib instead.

    >>> import tempfile, os, warnings, numpy as np, zenax, zenax.lax as lax
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")   # no Graphviz here: only the .dot
    ...     out = render(zenax.make_jaxpr(lax.sin)(np.ones(2, np.float32)),
    ...                  os.path.join(tempfile.mkdtemp(), "sin"))
    >>> out[0].name
    'sin.dot'
    """
    base = Path(path)
    if base.suffix in (".dot", ".svg", ".png"):
        base = base.with_suffix("")
    dot_path = base.with_name(base.name + ".dot")
    dot_path.write_text(_dot_text(_as_graph("render", graph_or_jaxpr),
                                  _check_rankdir("render", rankdir)))
    written = [dot_path]
    exe = shutil.which("dot")
    if exe is None:
        warnings.warn(f"render: Graphviz's `dot` executable is not on the PATH, so only the "
                      f"DOT text was written ({dot_path}). Install Graphviz (e.g. `apt-get "
                      "install graphviz`) for SVG/PNG files, or draw the graph with "
                      "matplotlib: zenax.graph.draw(...).", RuntimeWarning, stacklevel=2)
        return written
    for fmt in ("svg", "png"):
        out = base.with_name(f"{base.name}.{fmt}")
        proc = subprocess.run([exe, f"-T{fmt}", str(dot_path), "-o", str(out)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"render: `dot -T{fmt}` failed (exit {proc.returncode}): "
                               f"{proc.stderr.strip()}")
        written.append(out)
    return written
