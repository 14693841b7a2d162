"""zenax.graph: the static-graph view of a program (the seed's computation-graph API).

Build a graph symbolically and run it, TensorFlow 1 style::

    >>> import numpy as np
    >>> import zenax.graph as zg, zenax.lax as lax
    >>> g = zg.Graph()
    >>> with g.as_default():
    ...     x = zg.placeholder((3,), name="x")
    ...     w = zg.variable(np.full(3, 2.0, np.float32), name="w")
    ...     b = zg.constant(np.ones(3, np.float32), name="b")
    ...     y = zg.apply(lax.sin, x) * w + b
    >>> g.run(y, {x: np.zeros(3, np.float32)})
    Array([1., 1., 1.], dtype=float32)

or look at any jaxpr as a graph: ``zg.Graph.from_jaxpr(zenax.make_jaxpr(f)(x))``, walk it
with ``dfs``/``bfs``/``toposort`` and draw it with ``to_dot``/``render`` (Graphviz) or
``draw`` (matplotlib).  Pictures of a transformed program, such as
``zg.to_dot(zenax.make_jaxpr(zenax.grad(f))(x))``, show which transform made each node and
which values are residuals.  The implementation is ``zenax.tracer.graph`` (pictures:
``graph_dot``, ``graph_draw``); this module re-exports it and gives data nodes their
``+ - * / @`` and unary ``-`` operators, built on zenax.lax with NumPy-style broadcasting
and JAX's dtype promotion.
"""
import numpy as np

from zenax import lax
from zenax.lax.jnp.promotion import broadcast_to_shape
from zenax.tracer.ir import eval_jaxpr
from zenax.transforms import grad as zenax_grad
from zenax.tracer import dtypes
from zenax.tracer.avals import is_python_scalar
from zenax.tracer.core import get_aval
from zenax.tracer.shapes import broadcast_shapes_or_none
from zenax.tracer.graph import (DataNode, Graph, OpNode, apply, bfs, constant, dfs,  # noqa: F401
                                get_default_graph, placeholder, register_operator, run,
                                toposort, variable)
from zenax.tracer.graph_dot import render, to_dot  # noqa: F401
from zenax.tracer.graph_draw import draw  # noqa: F401

__all__ = ["Graph", "DataNode", "OpNode", "get_default_graph", "placeholder", "constant",
           "variable", "apply", "run", "dfs", "bfs", "toposort", "to_dot", "render", "draw",
           "register_operator", "grad"]


def _promote(*args):
    """Cast operands to their JAX result type (a Python scalar becomes a literal of it)."""
    avals = [get_aval(x) for x in args]
    dtype, _ = dtypes.result_type(*[(a.dtype, a.weak_type) for a in avals])
    out = []
    for x, a in zip(args, avals):
        if a.dtype != dtype:
            x = np.asarray(x, dtype) if is_python_scalar(x) else lax.convert_element_type(x, dtype)
        out.append(x)
    return out


def _broadcast(name, x, y):
    """NumPy broadcasting of two operands with lax.broadcast_in_dim (rank-0 operands are
    left alone: lax's elementwise ops take them as they are)."""
    xs, ys = get_aval(x).shape, get_aval(y).shape
    shape = broadcast_shapes_or_none([xs, ys])
    if shape is None:
        raise TypeError(f"{name} got incompatible shapes for broadcasting: {xs}, {ys}.")
    return [v if not s or s == shape else broadcast_to_shape(v, shape)
            for v, s in ((x, xs), (y, ys))]


def _binary(name, lax_fn):
    def op(x, y):
        x, y = _promote(x, y)
        return lax_fn(*_broadcast(name, x, y))
    op.__name__ = name
    return op


def _matmul(x, y):
    x, y = _promote(x, y)
    return lax.dot(x, y)


register_operator("add", _binary("add", lax.add))
register_operator("sub", _binary("sub", lax.sub))
register_operator("mul", _binary("mul", lax.mul))
register_operator("div", _binary("div", lax.div))
register_operator("matmul", _matmul)
register_operator("neg", lax.neg)


def grad(loss: DataNode, variables=None, feed_dict: dict | None = None) -> list:
    """Reverse-mode gradient of the scalar node ``loss`` with respect to ``variables``
    (default: every variable ``loss`` depends on), evaluated at ``feed_dict``.

    Each variable node's gradient is stored in its ``.grad`` (the seed article's
    ``grad(loss, variables)``); the gradients are also returned, in order.  Under the hood
    this is :func:`zenax.grad` of the staged jaxpr.

    >>> import numpy as np, zenax.graph as zg, zenax.lax as lax
    >>> g = zg.Graph()
    >>> with g.as_default():
    ...     x = zg.placeholder((3,), name="x")
    ...     w = zg.variable(np.ones(3, np.float32), name="w")
    ...     loss = zg.apply(lambda a, b: lax.reduce_sum(lax.mul(a, b), (0,)), x, w)
    >>> zg.grad(loss, [w], {x: np.arange(3.0, dtype=np.float32)})
    [Array([0., 1., 2.], dtype=float32)]
    >>> w.grad
    Array([0., 1., 2.], dtype=float32)
    """
    if not isinstance(loss, DataNode):
        raise TypeError(f"graph.grad: loss must be a graph node, got {loss!r}.")
    graph = loss.graph
    if loss.aval.shape != ():
        raise TypeError(f"graph.grad: loss must be a scalar node, got '{loss.name}' of type "
                        f"{loss.aval.str_short()}. Reduce it first (e.g. a sum or mean).")
    closed, inputs = graph._stage([loss])
    if variables is None:
        variables = [n for n in inputs if n.kind == "variable"]
    variables = list(variables)
    for v in variables:
        if not isinstance(v, DataNode) or v.kind != "variable":
            raise TypeError(f"graph.grad: can only differentiate with respect to variable "
                            f"nodes, got {v!r}.")
    feeds = graph._check_feeds(feed_dict or {})
    missing = [n.name for n in inputs if n.kind == "placeholder" and n not in feeds]
    if missing:
        raise ValueError(f"graph.grad: no value for placeholder(s) {missing}, which the loss "
                         "depends on. Add them to feed_dict.")
    args = [feeds[n] if n.kind == "placeholder" else n.value for n in inputs]
    positions = [inputs.index(v) for v in variables if v in inputs]

    def loss_of(*var_values):
        full = list(args)
        for i, value in zip(positions, var_values):
            full[i] = value
        return eval_jaxpr(closed.jaxpr, closed.consts, *full)[0]

    found = iter(zenax_grad(loss_of, argnums=tuple(range(len(positions))))(
        *[args[i] for i in positions]) if positions else ())
    grads = []
    for v in variables:
        # A variable the loss does not depend on has a zero gradient.
        g = next(found) if v in inputs else np.zeros(v.aval.shape, v.aval.dtype)
        v.grad = g
        grads.append(g)
    return grads
