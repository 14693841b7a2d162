"""Graph views with provenance: which transform emitted each equation, which values are
residuals, the user's source lines, and the pictures (DOT text, matplotlib drawing).

The provenance tags are checked against what they mean: the primal part of a transformed
program is the user's program, residuals are exactly the forward values the backward
pass reads, and gradients computed through tagged programs still equal ``jax.grad``.
"""
import doctest
import importlib
import os
import re

import jax
import jax.numpy as jnp_ref
import matplotlib
import numpy as np
import pytest

import zenax
import zenax.graph as zg
import zenax.numpy as jnp
from zenax.tracer.graph_draw import layers
from zenax.tracer.ir import Var

matplotlib.use("Agg")
HERE = os.path.basename(__file__)


def mlp(params, x):
    (w1, b1), (w2, b2) = params
    h = jnp.tanh(x @ w1 + b1)
    return jnp.sum((h @ w2 + b2) ** 2)


LAYER1, LAYER2 = mlp.__code__.co_firstlineno + 2, mlp.__code__.co_firstlineno + 3


def mlp_ref(params, x):
    (w1, b1), (w2, b2) = params
    return jnp_ref.sum((jnp_ref.tanh(x @ w1 + b1) @ w2 + b2) ** 2)


def mlp_args(seed=0):
    rng = np.random.default_rng(seed)
    r = lambda *s: rng.normal(size=s).astype(np.float32)   # noqa: E731
    return [(r(3, 4), r(4)), (r(4, 2), r(2))], r(5, 3)


def op_lines(dot):
    return [line for line in dot.splitlines() if re.match(r"  op\d+ \[", line)]


def label(line):
    return re.search(r'label="(.*)"\];$', line).group(1).replace("\\n", "\n")


# ### The DOT of grad(f) for a two-layer MLP

def test_dot_of_grad_marks_tangent_transposed_residual_and_source_lines():
    params, x = mlp_args()
    dot = zg.to_dot(zenax.make_jaxpr(zenax.grad(mlp))(params, x))
    ops = {line: label(line).split("\n") for line in op_lines(dot)}
    roles = {line: parts[-1] for line, parts in ops.items()}
    tangent = [ln for ln, r in roles.items() if r == "tangent"]
    transposed = [ln for ln, r in roles.items() if r == "transposed"]
    assert tangent and all('fillcolor="#d3f9d8"' in ln for ln in tangent)
    assert transposed and all('fillcolor="#ffe3e3"' in ln for ln in transposed)
    # Two matmuls forward; backward, the cotangents of w2, of the hidden layer, of w1.
    dots = [parts for parts in ops.values() if parts[0].startswith("dot_general")]
    assert sum(p[-1] != "transposed" for p in dots) == 2
    assert sum(p[-1] == "transposed" for p in dots) == 3
    # Every node of the user's program and of its derivative points at the MLP's lines,
    # the backward pass included.
    for role in ("tangent", "transposed"):
        lines_seen = {p[2] for p in ops.values() if p[-1] == role}
        assert lines_seen == {f"{HERE}:{LAYER1}", f"{HERE}:{LAYER2}"}
    primal_lines = {p[2] for p in ops.values() if p[-1] not in ("tangent", "transposed")}
    assert {f"{HERE}:{LAYER1}", f"{HERE}:{LAYER2}"} <= primal_lines
    # Output avals on each equation node: tanh makes f32[5,4].
    tanh = next(p for p in ops.values() if p[0] == "tanh")
    assert tanh[1] == "f32[5,4]"
    # Residuals: value nodes with the word and a thick orange border; the input x
    # (read by w1's cotangent) is one of them.
    residuals = [ln for ln in dot.splitlines() if "\\nresidual" in ln]
    assert residuals and all('color="#e8590c", penwidth=2.5' in ln for ln in residuals)
    assert any('label="e: f32[5,3]\\nresidual"' in ln for ln in residuals)
    assert "subgraph cluster_legend" in dot and 'label="transposed"' in dot


def test_tags_mean_what_they_say():
    params, x = mlp_args()
    closed = zenax.make_jaxpr(zenax.grad(mlp))(params, x)
    eqns = closed.jaxpr.eqns
    primal = [e.primitive.name for e in eqns if not e.provenance]
    # The untagged equations are the user's program; grad's cotangent seed is a literal
    # (a constant, as in JAX).
    assert primal == [e.primitive.name for e in zenax.make_jaxpr(mlp)(params, x).eqns]
    assert {e.provenance for e in eqns} == {(), ("tangent",), ("transposed",)}
    # Residuals = what the forward part makes (or gets) and the backward part reads.
    forward = [e for e in eqns if "transposed" not in e.provenance]
    made = set(closed.jaxpr.invars) | {v for e in forward for v in e.outvars}
    read_back = {x for e in eqns if "transposed" in e.provenance for x in e.invars
                 if type(x) is Var}
    marked = {v for v in made if v.residual}
    assert marked == made & read_back
    # Tagging changes nothing in what is computed.
    got = zenax.grad(mlp)(params, x)
    want = jax.grad(mlp_ref)(params, x)
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-5)


def test_printing_shows_tags_only_with_source_lines():
    params, x = mlp_args()
    closed = zenax.make_jaxpr(zenax.grad(mlp))(params, x)
    assert "tangent" not in str(closed) and "transposed" not in str(closed)
    text = closed.pretty_print(source_info=True)
    assert f"# {HERE}:{LAYER1} (mlp) [transposed]" in text
    assert f"# {HERE}:{LAYER2} (mlp) [tangent]" in text


# ### jvp, linearize, vmap, jit

def test_jvp_tags_the_tangent_work_and_saves_no_residuals():
    x = np.linspace(0.1, 1.0, 4, dtype=np.float32)
    f = lambda x: jnp.sin(x) * jnp.exp(x)     # noqa: E731
    closed = zenax.make_jaxpr(lambda x, t: zenax.jvp(f, (x,), (t,)))(x, x)
    primal = [e.primitive.name for e in closed.eqns if not e.provenance]
    assert primal == [e.primitive.name for e in zenax.make_jaxpr(f)(x).eqns]
    assert {e.provenance for e in closed.eqns} == {(), ("tangent",)}
    assert not any(v.residual for e in closed.eqns for v in e.outvars)


def test_linearize_marks_its_residuals():
    x = np.linspace(0.1, 1.0, 4, dtype=np.float32)
    _, f_jvp = zenax.linearize(lambda x: jnp.sin(x) * x, x)
    linear = f_jvp.jaxpr.jaxpr
    assert linear.constvars and all(v.residual for v in linear.constvars)
    assert all(e.provenance == ("tangent",) for e in linear.eqns)
    dot = zg.to_dot(f_jvp.jaxpr)
    assert dot.count("\\nresidual") == len(linear.constvars)


def test_vmap_tags_batched_work_only():
    w = np.ones((3, 2), np.float32)
    f = lambda x: jnp.tanh(x @ w) + jnp.sum(w)   # noqa: E731   sum(w) is not batched
    closed = zenax.make_jaxpr(zenax.vmap(f))(np.ones((5, 3), np.float32))
    tags = {e.primitive.name: e.provenance for e in closed.eqns}
    assert tags["reduce_sum"] == () and tags["dot_general"] == ("batched",)
    assert tags["tanh"] == ("batched",)


def test_vmap_of_grad_composes_tags():
    params, x = mlp_args()
    closed = zenax.make_jaxpr(zenax.vmap(zenax.grad(mlp), in_axes=(None, 0)))(
        params, x[:, None])
    tags = {e.provenance for e in closed.eqns}
    assert {("batched",), ("tangent", "batched"), ("transposed", "batched")} <= tags
    # the primal tanh, batched: still recognized as the user's op, not the jvp rule's
    assert [e.provenance for e in closed.eqns if e.primitive.name == "tanh"] == [("batched",)]


def test_jit_bodies_keep_their_tags_and_lines():
    params, x = mlp_args()
    closed = zenax.make_jaxpr(zenax.grad(zenax.jit(mlp)))(params, x)
    calls = [e for e in closed.eqns if e.primitive.name == "jit_call"]
    assert [e.provenance for e in calls] == [("tangent",), ("transposed",)]
    forward_body, backward_body = (e.params["jaxpr"].jaxpr for e in calls)
    assert {e.provenance for e in forward_body.eqns} == {(), ("tangent",)}
    assert {e.provenance for e in backward_body.eqns} == {("transposed",)}
    assert {e.source_info.line for e in backward_body.eqns} == {LAYER1, LAYER2}


# ### Pictures

def test_draw_always_makes_a_picture(tmp_path):
    params, x = mlp_args()
    closed = zenax.make_jaxpr(zenax.grad(mlp))(params, x)
    ax = zg.draw(closed)
    texts = [t.get_text() for t in ax.texts]
    graph = zg.Graph.from_jaxpr(closed)
    assert len(texts) == len(graph.nodes) + len(graph.ops)
    assert sum(t.endswith("\ntransposed") for t in texts) == sum(
        "transposed" in e.provenance for e in closed.eqns)
    assert any(f"{HERE}:{LAYER1}" in t for t in texts)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        ["primal", "tangent", "transposed", "residual"]
    ax.figure.savefig(tmp_path / "grad.png")
    assert (tmp_path / "grad.png").stat().st_size > 5000
    ax_lr = zg.draw(closed, rankdir="LR")
    assert len(ax_lr.texts) == len(texts)


def test_layers_put_each_op_between_its_operands_and_results():
    params, x = mlp_args()
    graph = zg.Graph.from_jaxpr(zenax.make_jaxpr(zenax.grad(mlp))(params, x))
    rows = layers(graph)
    depth = {node: i for i, row in enumerate(rows) for node in row}
    assert set(depth) == set(graph.nodes) | set(graph.ops)
    for op in graph.ops:
        assert all(depth[x] < depth[op] for x in op.inputs)
        assert all(depth[y] > depth[op] for y in op.outputs)
    assert all(depth[n] == 0 for n in graph.inputs)


def test_render_without_graphviz_writes_the_dot_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    closed = zenax.make_jaxpr(zenax.grad(jnp.sin))(1.0)
    with pytest.warns(RuntimeWarning, match=r"only the DOT text was written .*zenax.graph.draw"):
        written = zg.render(closed, tmp_path / "grad_sin", rankdir="LR")
    assert written == [tmp_path / "grad_sin.dot"]
    assert written[0].read_text() == zg.to_dot(closed, rankdir="LR")


def test_errors():
    closed = zenax.make_jaxpr(jnp.sin)(1.0)
    with pytest.raises(ValueError, match="to_dot: rankdir must be 'TB', 'LR', 'BT' or 'RL', "
                                         "got 'up'"):
        zg.to_dot(closed, rankdir="up")
    with pytest.raises(ValueError, match="draw: rankdir must be 'TB' or 'LR', got 'BT'"):
        zg.draw(closed, rankdir="BT")
    with pytest.raises(TypeError, match="draw: expected a Graph, ClosedJaxpr or Jaxpr, got "
                                        "function"):
        zg.draw(jnp.sin)


@pytest.mark.parametrize("name", ["zenax.tracer.graph_dot", "zenax.tracer.graph_draw"])
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
