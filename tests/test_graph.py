"""zenax.graph: the static-graph builder (placeholder/constant/variable/apply/run), the
graph view of a jaxpr, traversal (dfs/bfs/toposort) and DOT export.

Numerical results are checked against the same computation written with jax.numpy.
"""
import doctest
import inspect
import os
import re

import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.graph as zg
import zenax.lax as lax
import zenax.tracer.graph as tg
from zenax.tracer.ir import typecheck_jaxpr

F32 = np.float32


def line_here() -> int:
    """The line number of the caller (used on the same line as the code it marks)."""
    return inspect.currentframe().f_back.f_lineno


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(F32)


def labels(nodes):
    """Data nodes by name, op nodes by op name (names and op names never collide here)."""
    return [n.name for n in nodes]


# ## Building and running a static graph

def build_affine_sin():
    """y = sin(x) * w + b, the seed's example shape: one placeholder, two variables."""
    g = zg.Graph()
    with g.as_default():
        x = zg.placeholder((3,), name="x")
        w = zg.variable(rand(3, seed=1), name="w")
        b = zg.variable(rand(3, seed=2), name="b")
        y = zg.apply(lax.sin, x) * w + b
    return g, x, w, b, y


def test_run_matches_jax_numpy():
    g, x, w, b, y = build_affine_sin()
    xv = rand(3, seed=3)
    out = g.run(y, {x: xv})
    expected = jnp.sin(xv) * w.value + b.value
    np.testing.assert_allclose(np.asarray(out), np.asarray(expected), rtol=1e-6)
    assert out.shape == (3,) and out.dtype == F32
    # Same result through the module-level run, feeding by name.
    np.testing.assert_allclose(np.asarray(zg.run(y, {"x": xv})), np.asarray(expected),
                               rtol=1e-6)


def test_variable_value_update_reuses_the_staged_jaxpr():
    g, x, w, b, y = build_affine_sin()
    staged = g.to_jaxpr(y)
    assert w.grad is None and b.grad is None
    w.value = np.full(3, 3.0, F32)
    xv = rand(3, seed=4)
    out = g.run(y, {x: xv})
    np.testing.assert_allclose(np.asarray(out), np.asarray(jnp.sin(xv) * 3.0 + b.value),
                               rtol=1e-6)
    assert g.to_jaxpr(y) is staged   # variables are inputs: no restaging


def test_staged_jaxpr_inputs_are_placeholders_then_variables():
    g = zg.Graph()
    with g.as_default():
        w = zg.variable(np.ones((3,), F32), name="w")      # created before the placeholder
        x = zg.placeholder((3,), name="x")
        c = zg.constant(np.arange(3, dtype=F32), name="c")
        y = zg.apply(lax.mul, zg.apply(lax.add, x, c), w)
    closed = g.to_jaxpr(y)
    typecheck_jaxpr(closed)
    assert g.jaxpr_inputs(y) == [x, w]
    assert g.inputs == [x, w]
    # The constant is closed over: a constvar holding its value.
    assert str(closed) == ("{ lambda a:f32[3]; b:f32[3] c:f32[3]. let\n"
                           "    d:f32[3] = add b a\n"
                           "    e:f32[3] = mul d c\n"
                           "  in (e,) }")
    np.testing.assert_array_equal(np.asarray(closed.consts[0]), np.arange(3, dtype=F32))
    xv = rand(3)
    np.testing.assert_allclose(np.asarray(closed(xv, w.value)[0]),
                               np.asarray(g.run(y, {x: xv})))


def test_only_the_placeholders_an_output_needs_must_be_fed():
    g = zg.Graph()
    with g.as_default():
        x = zg.placeholder((2,), name="x")
        z = zg.placeholder((2,), name="z")
        y = zg.apply(lax.exp, x)
        u = zg.apply(lax.add, y, z)
    assert g.jaxpr_inputs(y) == [x]
    assert g.jaxpr_inputs(u) == [x, z]
    xv = rand(2)
    np.testing.assert_allclose(np.asarray(g.run(y, {x: xv})), np.asarray(jnp.exp(xv)),
                               rtol=1e-6)
    assert len(g.to_jaxpr(y).eqns) == 1   # the add is not staged for y


def test_run_returns_the_structure_of_outputs():
    g, x, w, b, y = build_affine_sin()
    with g.as_default():
        z = zg.apply(lax.cos, x)
    xv = rand(3, seed=5)
    as_list = g.run([y, z], {x: xv})
    as_dict = g.run({"y": y, "z": z}, {x: xv})
    assert isinstance(as_list, list) and len(as_list) == 2
    assert set(as_dict) == {"y", "z"}
    np.testing.assert_allclose(np.asarray(as_dict["z"]), np.asarray(jnp.cos(xv)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(as_list[0]), np.asarray(as_dict["y"]))
    # A placeholder can itself be fetched.
    np.testing.assert_array_equal(np.asarray(g.run(x, {x: xv})), xv)


def test_operators_match_jax_numpy():
    g = zg.Graph()
    av, bv = rand(2, 3, seed=1), rand(3, seed=2)
    mv = rand(3, 4, seed=3)
    with g.as_default():
        a = zg.placeholder((2, 3), name="a")
        b = zg.placeholder((3,), name="b")
        m = zg.constant(mv, name="m")
        outs = {
            "add": a + b, "sub": a - b, "mul": a * b, "div": a / (b * b + 1.0),
            "matmul": a @ m, "neg": -a,
            "radd": 1.5 + a, "rsub": 2 - a, "rmul": 3 * b, "rdiv": 1.0 / (a * a + 1.0),
            "rmatmul_numpy": av @ m, "int_scalar": a * 2,
        }
    got = g.run(outs, {a: av, b: bv})
    A, B, M = jnp.asarray(av), jnp.asarray(bv), jnp.asarray(mv)
    expected = {
        "add": A + B, "sub": A - B, "mul": A * B, "div": A / (B * B + 1.0),
        "matmul": A @ M, "neg": -A,
        "radd": 1.5 + A, "rsub": 2 - A, "rmul": 3 * B, "rdiv": 1.0 / (A * A + 1.0),
        "rmatmul_numpy": A @ M, "int_scalar": A * 2,
    }
    for k in expected:
        assert got[k].shape == expected[k].shape, k
        assert got[k].dtype == expected[k].dtype, k
        np.testing.assert_allclose(np.asarray(got[k]), np.asarray(expected[k]), rtol=1e-5,
                                   atol=1e-6, err_msg=k)
    assert outs["add"].producer.name == "add" and outs["neg"].producer.name == "neg"
    # ``av @ m`` with a NumPy left operand goes through DataNode.__rmatmul__.
    assert outs["rmatmul_numpy"].producer.name == "matmul"
    assert outs["rmatmul_numpy"].producer.inputs[0].kind == "constant"


def test_apply_with_params_pytree_operands_and_multiple_results():
    g = zg.Graph()
    with g.as_default():
        a = zg.placeholder((2,), name="a")
        b = zg.placeholder((3,), name="b")
        cat = zg.apply(lax.concatenate, [a, b], dimension=0)
        total = zg.apply(lax.reduce_sum, cat, axes=(0,))
        lo, hi = zg.apply(lambda v: (lax.sin(v), lax.cos(v)), cat)
    assert cat.shape == (5,) and total.shape == ()
    assert cat.producer.params == {"dimension": 0}
    assert cat.producer.inputs == [a, b]
    assert lo.producer is hi.producer and lo.producer.name == "lambda"
    assert lo.producer.outputs == [lo, hi]
    av, bv = rand(2, seed=6), rand(3, seed=7)
    got = g.run([total, lo, hi], {a: av, b: bv})
    c = jnp.concatenate([av, bv])
    for x, y in zip(got, [jnp.sum(c), jnp.sin(c), jnp.cos(c)]):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-6)


def test_default_graph_context():
    outer, inner = zg.Graph(), zg.Graph()
    with outer.as_default():
        x = zg.placeholder((1,))
        with inner.as_default():
            y = zg.placeholder((1,))
            assert zg.get_default_graph() is inner
        z = zg.constant(1.0)
    assert x.graph is outer and z.graph is outer and y.graph is inner
    assert zg.get_default_graph() is not outer and zg.get_default_graph() is not inner
    # Generated names are unique per graph.
    assert [n.name for n in outer.nodes] == ["placeholder", "constant"]
    with outer.as_default():
        assert zg.placeholder((1,)).name == "placeholder_1"


def test_builder_kinds_inputs_outputs():
    g, x, w, b, y = build_affine_sin()
    assert [(n.name, n.kind) for n in g.nodes] == [
        ("x", "placeholder"), ("w", "variable"), ("b", "variable"),
        ("sin", "intermediate"), ("mul", "intermediate"), ("add", "output")]
    assert g.inputs == [x, w, b] and g.outputs == [y]
    assert [op.name for op in g.toposort()] == ["sin", "mul", "add"]
    # Consuming y makes it an intermediate and the new result the output.
    with g.as_default():
        z = y * 2.0
    assert y.kind == "intermediate" and g.outputs == [z]


# ## Source lines

def scaled(v):
    return lax.mul(v, 3.0)   # the line a user-function equation reports


def test_equations_point_at_the_users_lines():
    g = zg.Graph()
    with g.as_default():
        x = zg.placeholder((2,), name="x")
        s = zg.apply(lax.sin, x); apply_line = line_here()  # noqa: E702
        t = zg.apply(scaled, s)
        u = s + t; op_line = line_here()  # noqa: E702
    assert s.producer.source_info.line == apply_line
    assert s.producer.source_info.file == __file__
    closed = g.to_jaxpr(u)
    sin_eqn, mul_eqn, add_eqn = closed.eqns
    # A library op's equation points at the apply line, not at the to_jaxpr call.
    assert sin_eqn.source_info.line == apply_line
    # An equation made inside a user function points into that function.
    assert mul_eqn.source_info.line == scaled.__code__.co_firstlineno + 1
    assert mul_eqn.source_info.function == "scaled"
    assert add_eqn.source_info.line == op_line
    assert f"test_graph.py:{apply_line}" in zg.to_dot(g)


# ## The graph view of a jaxpr

def test_view_of_make_jaxpr_nodes_edges_kinds():
    c = np.arange(3, dtype=F32)

    def f(x, y):
        return lax.mul(lax.add(x, c), lax.sin(y)), lax.cos(y)

    closed = zenax.make_jaxpr(f)(rand(3), rand(3))
    # { lambda a:f32[3]; b:f32[3] c:f32[3]. let
    #     d:f32[3] = add b a ; e:f32[3] = sin c ; f:f32[3] = mul d e ; g:f32[3] = cos c
    #   in (f, g) }
    g = zg.Graph.from_jaxpr(closed)
    assert g.jaxpr is closed
    assert [(n.name, n.kind) for n in g.nodes] == [
        ("a", "constant"), ("b", "placeholder"), ("c", "placeholder"),
        ("d", "intermediate"), ("e", "intermediate"), ("f", "output"), ("g", "output")]
    assert all(n.aval.str_short() == "f32[3]" for n in g.nodes)
    np.testing.assert_array_equal(np.asarray(g.nodes[0].value), c)
    assert [op.name for op in g.ops] == ["add", "sin", "mul", "cos"]
    byname = {n.name: n for n in g.nodes}
    add, sin, mul, cos = g.ops
    assert add.inputs == [byname["b"], byname["a"]] and add.outputs == [byname["d"]]
    assert mul.inputs == [byname["d"], byname["e"]]
    assert byname["c"].consumers == [sin, cos]          # edges in both directions
    assert byname["d"].producer is add and byname["d"].consumers == [mul]
    assert byname["b"].producer is None
    assert byname["f"].consumers == [] and byname["f"].producer is mul
    assert g.inputs == [byname["b"], byname["c"]]
    assert g.outputs == [byname["f"], byname["g"]]
    # Each data node stands for the jaxpr variable the printer names the same way.
    assert [n.var for n in g.inputs] == closed.jaxpr.invars
    assert [op.source_info.function for op in g.ops] == ["f"] * 4


def test_view_of_literals_and_plain_jaxprs():
    closed = zenax.make_jaxpr(lambda x: lax.add(lax.mul(x, 2.0), 1.0))(rand(2))
    g = zg.Graph.from_jaxpr(closed.jaxpr)    # a Jaxpr without consts works too
    assert [(n.name, n.kind) for n in g.nodes] == [
        ("a", "placeholder"), ("2.0", "constant"), ("b", "intermediate"),
        ("1.0", "constant"), ("c", "output")]
    assert g.nodes[1].value == 2.0 and g.nodes[1].producer is None
    with pytest.raises(TypeError, match="ClosedJaxpr or Jaxpr"):
        zg.Graph.from_jaxpr(lambda x: x)


def test_toposort_is_kahn_and_equals_equation_order():
    def f(x):
        a = lax.sin(x)       # eqn 0
        b = lax.cos(a)       # eqn 1: depends on eqn 0
        c = lax.exp(x)       # eqn 2: ready as early as eqn 0
        return lax.mul(b, c)

    closed = zenax.make_jaxpr(f)(rand(4))
    g = zg.Graph.from_jaxpr(closed)
    order = g.toposort()
    # A FIFO Kahn would give sin, exp, cos, mul; taking the earliest ready op first
    # gives exactly the equation order.
    assert [op.index for op in order] == list(range(len(closed.eqns)))
    assert [op.name for op in order] == ["sin", "cos", "exp", "mul"]
    assert [op.name for op in zg.toposort(closed)] == ["sin", "cos", "exp", "mul"]
    assert_valid_toposort(order, g)


def assert_valid_toposort(order, g):
    assert sorted(op.index for op in order) == list(range(len(g.ops)))
    position = {op: i for i, op in enumerate(order)}
    for op in order:
        for x in op.inputs:
            if x.producer is not None:
                assert position[x.producer] < position[op], (x.producer, op)


def test_toposort_valid_on_a_larger_program():
    def mlp(x, w1, w2):
        h = lax.tanh(lax.dot(x, w1))
        out = lax.dot(h, w2)
        return lax.reduce_sum(lax.mul(out, out), axes=(0, 1)), h

    closed = zenax.make_jaxpr(mlp)(rand(4, 3), rand(3, 5), rand(5, 2))
    g = zg.Graph.from_jaxpr(closed)
    order = g.toposort()
    assert_valid_toposort(order, g)
    assert [op.name for op in order] == [e.primitive.name for e in closed.eqns]


# The diamond used by the traversal tests:
#
#        a (x)                     a = input
#       /     \                    b = sin a
#     sin     cos                  c = cos a
#      |       |                   d = mul b c   (output)
#      b       c
#       \     /
#         mul
#          |
#          d
#
# Backward from d, neighbours in operand order (b before c):
#   DFS preorder: d, mul, b, sin, a, c, cos   (a is reached through sin first)
#   BFS:          d, mul, b, c, sin, cos, a
# Forward from a, neighbours in consumer order (sin was staged before cos):
#   DFS preorder: a, sin, b, mul, d, cos, c   (mul is already seen when c is reached)
#   BFS:          a, sin, cos, b, c, mul, d

def diamond():
    return zenax.make_jaxpr(lambda x: lax.mul(lax.sin(x), lax.cos(x)))(rand(3))


def test_dfs_bfs_on_a_diamond():
    g = zg.Graph.from_jaxpr(diamond())
    assert labels(g.dfs()) == ["d", "mul", "b", "sin", "a", "c", "cos"]
    assert labels(g.bfs()) == ["d", "mul", "b", "c", "sin", "cos", "a"]
    assert labels(g.dfs(direction="forward")) == ["a", "sin", "b", "mul", "d", "cos", "c"]
    assert labels(g.bfs(direction="forward")) == ["a", "sin", "cos", "b", "c", "mul", "d"]
    # Module-level functions take a jaxpr directly.
    assert labels(zg.dfs(diamond())) == ["d", "mul", "b", "sin", "a", "c", "cos"]
    assert labels(zg.bfs(diamond(), direction="forward")) == labels(g.bfs(direction="forward"))
    # Start nodes: a single node, backward from c visits only its ancestors.
    c = g.nodes[2]
    assert c.name == "c"
    assert labels(g.dfs(c)) == ["c", "cos", "a"]
    assert labels(g.bfs([g.ops[0]], direction="forward")) == ["sin", "b", "mul", "d"]


def test_dfs_bfs_on_a_built_diamond():
    g = zg.Graph()
    with g.as_default():
        x = zg.placeholder((3,), name="x")
        s = zg.apply(lax.sin, x)
        c = zg.apply(lax.cos, x)
        y = s * c
    assert labels(g.dfs()) == ["mul", "mul", "sin", "sin", "x", "cos", "cos"]
    assert [type(n).__name__ for n in g.dfs()] == [
        "DataNode", "OpNode", "DataNode", "OpNode", "DataNode", "DataNode", "OpNode"]
    assert g.dfs()[0] is y and g.dfs()[-2] is c
    assert g.bfs(direction="forward")[:3] == [x, s.producer, c.producer]


def test_traversal_errors():
    g = zg.Graph.from_jaxpr(diamond())
    other = zg.Graph.from_jaxpr(diamond())
    with pytest.raises(ValueError, match="direction must be 'backward' or 'forward'"):
        g.dfs(direction="up")
    with pytest.raises(ValueError, match="not a node of this graph"):
        g.bfs(other.nodes[0])
    with pytest.raises(TypeError, match="expected a Graph, ClosedJaxpr or Jaxpr"):
        zg.toposort([1, 2])


# ## DOT export and rendering

def test_to_dot_of_a_jaxpr():
    def f(x, w):
        h = lax.sin(x); sin_line = line_here()  # noqa: E702
        return lax.dot(h, w), sin_line

    xv, wv = rand(2, 3), rand(3, 4)
    sin_line = f(xv, wv)[1]
    closed = zenax.make_jaxpr(lambda x, w: f(x, w)[0])(xv, wv)
    dot = zg.to_dot(closed)
    lines = dot.splitlines()
    assert lines[0] == "digraph zenax {" and lines[-1] == "}"
    assert '  d0 [shape=ellipse, label="a: f32[2,3]", style=filled, fillcolor="#cfe2ff"];' \
        in lines
    assert '  d3 [shape=ellipse, label="d: f32[2,4]", peripheries=2];' in lines
    sin_box = next(line for line in lines if line.startswith("  op0 "))
    assert "shape=box" in sin_box
    assert f'label="sin\\nf32[2,3]\\ntest_graph.py:{sin_line}"' in sin_box
    assert f'tooltip="{__file__}:{sin_line} (f)"' in sin_box
    dot_box = next(line for line in lines if line.startswith("  op1 "))
    assert 'label="dot_general[dimension_numbers=(((1,), (0,)), ((),...' in dot_box
    # Edges data -> op -> data, operands in order.
    edges = [line.strip() for line in lines if "->" in line]
    assert edges == ["d0 -> op0;", "op0 -> d2;", "d2 -> op1;", "d1 -> op1;", "op1 -> d3;"]
    # Every edge endpoint is a declared node.
    declared = set(re.findall(r"^  (d\d+|op\d+) \[", dot, re.M))
    assert declared == {"d0", "d1", "d2", "d3", "op0", "op1"}
    assert {end for e in edges for end in re.findall(r"\w+", e)} == declared


def test_to_dot_of_a_built_graph_styles_and_escaping():
    g, x, w, b, y = build_affine_sin()
    with g.as_default():
        q = zg.placeholder((), name='say "hi"')
    dot = zg.to_dot(g, rankdir="LR")
    assert "  rankdir=LR;" in dot
    assert 'label="x: f32[3]", style=filled, fillcolor="#cfe2ff"' in dot
    assert 'label="w: f32[3]", style=filled, fillcolor="#fff3cd"' in dot
    assert 'label="add: f32[3]", peripheries=2' in dot
    assert r'label="say \"hi\": f32[]"' in dot
    assert q.kind == "placeholder"
    assert dot.count("shape=box") == len(g.ops) == 3
    assert dot.count("->") == sum(len(op.inputs) + len(op.outputs) for op in g.ops) == 8


def test_render_writes_dot_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.warns(RuntimeWarning, match="Graphviz's `dot` executable is not on the PATH"):
        written = zg.render(diamond(), tmp_path / "diamond.svg")
    assert written == [tmp_path / "diamond.dot"]
    assert written[0].read_text() == zg.to_dot(diamond())


def fake_dot(tmp_path, body):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "dot"
    exe.write_text("#!/bin/sh\n" + body)
    exe.chmod(0o755)
    return str(bindir) + os.pathsep + os.environ.get("PATH", "")   # ours comes first


def test_render_calls_graphviz_when_installed(tmp_path, monkeypatch):
    # A stand-in `dot` that records its arguments and copies the input to the -o file.
    monkeypatch.setenv("PATH", fake_dot(tmp_path, 'echo "$@" >> "$(dirname "$0")/calls"\n'
                                                  'cp "$2" "$4"\n'))
    g, *_ = build_affine_sin()
    written = zg.render(g, str(tmp_path / "model"))
    assert written == [tmp_path / "model.dot", tmp_path / "model.svg", tmp_path / "model.png"]
    calls = (tmp_path / "bin" / "calls").read_text().splitlines()
    assert calls == [f"-Tsvg {tmp_path}/model.dot -o {tmp_path}/model.svg",
                     f"-Tpng {tmp_path}/model.dot -o {tmp_path}/model.png"]
    assert (tmp_path / "model.svg").read_text() == zg.to_dot(g)


def test_render_reports_graphviz_failures(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", fake_dot(tmp_path, 'echo "syntax error" >&2\nexit 1\n'))
    with pytest.raises(RuntimeError, match="dot -Tsvg` failed .*syntax error"):
        zg.render(diamond(), tmp_path / "bad")
    assert (tmp_path / "bad.dot").exists()


# ## Errors

def test_run_errors_name_the_placeholder():
    g, x, w, b, y = build_affine_sin()
    with pytest.raises(ValueError, match=r"no value for placeholder 'x' \(f32\[3\]\)") as info:
        line = line_here() + 1
        g.run(y)
    assert traceback_lines(info) == [line]
    with pytest.raises(ValueError, match=r"no value for placeholder 'x' \(f32\[3\]\)") as info:
        line = line_here() + 1
        zg.run(y)
    assert traceback_lines(info) == [line]
    with pytest.raises(ValueError, match=r"'x' expects f32\[3\] .* gives f32\[4\]"):
        g.run(y, {x: np.zeros(4, F32)})
    with pytest.raises(ValueError, match=r"'x' expects f32\[3\] .* gives i32\[3\]"):
        g.run(y, {x: np.zeros(3, np.int32)})
    with pytest.raises(ValueError, match="no node of that name; its placeholders are"):
        g.run(y, {"xx": np.zeros(3, F32)})
    with pytest.raises(ValueError, match="only placeholders can be fed.*Assign w.value"):
        g.run(y, {x: np.zeros(3, F32), w: np.zeros(3, F32)})
    with pytest.raises(ValueError, match="fed twice"):
        g.run(y, {x: np.zeros(3, F32), "x": np.zeros(3, F32)})
    with pytest.raises(TypeError, match="outputs must be graph nodes"):
        g.run([y, 3.0], {x: np.zeros(3, F32)})
    # Lists and float64 data take the placeholder's dtype.
    np.testing.assert_allclose(np.asarray(g.run(y, {x: [0.0, 0.0, 0.0]})), b.value)
    np.testing.assert_allclose(np.asarray(g.run(y, {x: np.zeros(3)})), b.value)


def traceback_lines(excinfo):
    """The lines of this file in the traceback, checking that zenax's frames are filtered
    out -- all but api_boundary's own re-raise frame."""
    frames = []
    tb = excinfo.value.__traceback__
    while tb is not None:
        frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    boundary = tg.api_boundary.__code__.co_filename
    assert {f for f, _ in frames} <= {__file__, boundary}, frames
    return [line for f, line in frames if f == __file__]


def test_build_errors():
    g = zg.Graph()
    with g.as_default():
        x = zg.placeholder((3,), name="x")
        z = zg.placeholder((4,), name="z")
        with pytest.raises(ValueError, match="name 'x' is already used"):
            zg.placeholder((3,), name="x")
        with pytest.raises(ValueError, match="give every dimension"):
            zg.placeholder((None, 3))
        # Shape inference runs at apply time: the error comes from the building line.
        with pytest.raises(TypeError, match=r"add got incompatible shapes.*\(3,\), \(4,\)") \
                as info:
            bad_line = line_here() + 1
            zg.apply(lax.add, x, z)
        assert traceback_lines(info) == [bad_line]
        with pytest.raises(TypeError, match="must return arrays"):
            zg.apply(lambda v: "not an array", x)
        with pytest.raises(TypeError, match="op must be a function"):
            zg.apply("sin", x)
        with pytest.raises(TypeError, match="use the node directly"):
            zg.constant(x)
        w = zg.variable(np.zeros(3, F32), name="w")
        with pytest.raises(ValueError, match=r"holds f32\[3\], cannot assign .* f32\[2\]"):
            w.value = np.zeros(2, F32)
        with pytest.raises(AttributeError, match="Only a variable's value"):
            x.value = np.zeros(3, F32)
    other = zg.Graph()
    with other.as_default():
        y = zg.placeholder((3,))
    with pytest.raises(ValueError, match="belongs to another graph"):
        zg.apply(lax.add, x, y)
    with pytest.raises(ValueError, match="belongs to another graph"):
        g.run(y)
    view = zg.Graph.from_jaxpr(diamond())
    with pytest.raises(ValueError, match="read-only view of a jaxpr"):
        view.nodes[0] + 1.0
    with pytest.raises(ValueError, match="read-only view of a jaxpr"):
        view.run(view.outputs[0])


def test_operators_need_a_registered_implementation(monkeypatch):
    monkeypatch.setattr(tg, "_operator_impls", {})
    x = zg.Graph().placeholder((2,))
    with pytest.raises(NotImplementedError, match="import zenax.graph"):
        x + x
    with pytest.raises(ValueError, match="unknown operator 'pow'"):
        zg.register_operator("pow", lax.pow)


def test_operator_broadcast_error():
    g = zg.Graph()
    with g.as_default():
        a, b = zg.placeholder((2, 3)), zg.placeholder((2,))
        with pytest.raises(TypeError, match=r"incompatible shapes for broadcasting: \(2, 3\), "
                                            r"\(2,\)") as info:
            line = line_here() + 1
            a + b
    assert traceback_lines(info) == [line]


# ## Docs

@pytest.mark.parametrize("module", [tg, zg], ids=["zenax.tracer.graph", "zenax.graph"])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_graph_grad_stores_variable_gradients_equal_to_jax():
    import jax
    import jax.numpy as jnp_ref
    import zenax.graph as zg
    g = zg.Graph()
    with g.as_default():
        x = zg.placeholder((3,), name="gx")
        w = zg.variable(np.ones(3, np.float32), name="gw")
        b = zg.variable(np.float32(0.5), name="gb")
        unused = zg.variable(np.ones(2, np.float32), name="gunused")
        y = zg.apply(lax.sin, x) * w + b
        loss = zg.apply(lambda a: lax.reduce_sum(lax.mul(a, a), (0,)), y)
    xv = np.arange(3.0, dtype=np.float32)
    grads = zg.grad(loss, [w, b, unused], {x: xv})
    expected = jax.grad(lambda w, b: jnp_ref.sum((jnp_ref.sin(xv) * w + b) ** 2),
                        argnums=(0, 1))(np.ones(3, np.float32), np.float32(0.5))
    np.testing.assert_allclose(grads[0], expected[0], rtol=1e-6)
    np.testing.assert_allclose(grads[1], expected[1], rtol=1e-6)
    np.testing.assert_array_equal(grads[2], np.zeros(2, np.float32))
    np.testing.assert_allclose(w.grad, expected[0], rtol=1e-6)
    np.testing.assert_allclose(b.grad, expected[1], rtol=1e-6)


def test_graph_grad_errors():
    import zenax.graph as zg
    g = zg.Graph()
    with g.as_default():
        x = zg.placeholder((3,), name="ex")
        w = zg.variable(np.ones(3, np.float32), name="ew")
        y = x * w
        loss = zg.apply(lambda a: lax.reduce_sum(a, (0,)), y)
    with pytest.raises(TypeError, match="scalar"):
        zg.grad(y, [w], {x: np.ones(3, np.float32)})
    with pytest.raises(ValueError, match="ex"):
        zg.grad(loss, [w], {})
    with pytest.raises(TypeError, match="variable"):
        zg.grad(loss, [x], {x: np.ones(3, np.float32)})
