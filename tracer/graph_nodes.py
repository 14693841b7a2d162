"""The two kinds of node of a static graph: :class:`DataNode` (a value) and :class:`OpNode`
(an operation), with their edges kept both ways (``producer``/``consumers``,
``inputs``/``outputs``).

This is the graph's data model only.  A node knows its graph, and a data node's
``+ - * / @`` and unary ``-`` ask that graph to apply the operator
(``Graph._apply_operator``, which looks the implementation up in the registry that
``graph.py`` keeps and ``zenax.graph`` fills).  The graph itself and its builder are in
``graph.py``; walking it in ``graph_traversal.py``; staging and running it in
``graph_staging.py``.
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import numpy as np

from . import dtypes
from .avals import ShapedArray, concrete_aval
from .core import Primitive
from .ir import Literal, Var
from .source_info import SourceInfo, api_boundary

DATA_KINDS = ("placeholder", "constant", "variable", "intermediate", "output")


def _binary_operator(name: str, reflected: bool = False):
    """The DataNode method for a binary operator (``other OP self`` if ``reflected``)."""
    @api_boundary
    def method(self, other):
        return self.graph._apply_operator(name, (other, self) if reflected else (self, other))
    return method


class DataNode:
    """A value in the graph: an input, a constant, a variable, or an op's result.

    Attributes:
      graph: the :class:`Graph` it belongs to.
      kind: one of ``"placeholder"`` (a jaxpr input / a value fed at ``run``),
        ``"constant"`` (a constvar, a literal, or a ``constant()`` node), ``"variable"``
        (a trainable parameter of a built graph), ``"intermediate"`` or ``"output"``.  In a
        jaxpr view ``"output"`` marks the jaxpr's outputs; in a built graph it marks an op
        result that nothing consumes (yet).
      aval: its :class:`ShapedArray`; ``shape``, ``dtype`` and ``ndim`` read from it.
      name: the jaxpr printer's name (``a``, ``b``, ... or a literal such as ``2.0``) in a
        view; the given or generated unique name in a built graph.
      producer: the :class:`OpNode` that computes it, or None for sources.
      consumers: the op nodes that read it, each once, in the order they were added.
      value: the value of a constant or variable (None for the others); assign a
        variable's ``value`` to update the parameter (same shape and dtype).
      grad: a variable's gradient, None until a gradient has been computed.
      var: the jaxpr ``Var``/``Literal`` it stands for in a view, else None.
      residual: whether it is a residual: a value linearize (so vjp/grad) saves for the
        linear or backward pass (see zenax.tracer.provenance).
    """

    __array_ufunc__ = None   # NumPy arrays defer to our reflected operators (x * node).

    def __init__(self, graph, kind: str, aval: ShapedArray, name: str,
                 producer: "OpNode | None" = None, value: Any = None,
                 var: Var | Literal | None = None):
        assert kind in DATA_KINDS, kind
        self.graph = graph
        self._kind = kind
        self.aval = aval
        self.name = name
        self.producer = producer
        self.consumers: list[OpNode] = []
        self._value = value
        self.grad = None
        self.var = var

    @property
    def kind(self) -> str:
        if self._kind == "intermediate" and self.graph.jaxpr is None and not self.consumers:
            return "output"
        return self._kind

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: self.aval.ndim)

    @property
    def residual(self) -> bool:
        return type(self.var) is Var and self.var.residual

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, new_value):
        if self._kind != "variable":
            raise AttributeError(f"Only a variable's value can be assigned; '{self.name}' is "
                                 f"a {self.kind}.")
        new_value = _as_array(new_value)
        aval = concrete_aval(new_value)
        if aval.shape != self.shape or aval.dtype != self.dtype:
            raise ValueError(f"variable '{self.name}' holds {self.aval.str_short()}, cannot "
                             f"assign a value of type {aval.str_short()}. Cast or reshape the "
                             "new value, or create a new variable.")
        self._value = new_value

    __add__, __radd__ = _binary_operator("add"), _binary_operator("add", reflected=True)
    __sub__, __rsub__ = _binary_operator("sub"), _binary_operator("sub", reflected=True)
    __mul__, __rmul__ = _binary_operator("mul"), _binary_operator("mul", reflected=True)
    __truediv__ = _binary_operator("div")
    __rtruediv__ = _binary_operator("div", reflected=True)
    __matmul__ = _binary_operator("matmul")
    __rmatmul__ = _binary_operator("matmul", reflected=True)

    @api_boundary
    def __neg__(self):
        return self.graph._apply_operator("neg", (self,))

    def __repr__(self):
        return f"DataNode({self.kind} {self.name}: {self.aval.str_short()})"


class OpNode:
    """An operation in the graph: a jaxpr equation, or one ``apply`` of a built graph.

    Attributes:
      graph: the :class:`Graph` it belongs to.
      name: the primitive's name (``"sin"``, ``"dot_general"``) in a view; the applied
        function's name (``"sin"``, ``"lambda"``, ``"add"`` for ``+``) in a built graph.
      op: the :class:`Primitive` (view) or the applied callable (built graph).
      params: the equation's params / the keyword arguments given to ``apply``.
      inputs: operand data nodes in operand order (a node used twice appears twice).
      outputs: result data nodes.
      source_info: the user's :class:`SourceInfo` (file, line, function) or None.
      index: its position in ``graph.ops`` (the equation index in a view).
      provenance: the transforms that emitted the equation (``()``: the user's own op;
        ``("tangent",)``, ``("transposed",)``, ``("batched",)`` ...; see
        zenax.tracer.provenance); always ``()`` in a built graph.
    """

    def __init__(self, graph, name: str, op: Primitive | Callable, params: dict,
                 inputs: list[DataNode], source_info: SourceInfo | None, index: int,
                 provenance: tuple = ()):
        self.graph = graph
        self.name = name
        self.op = op
        self.params = params
        self.inputs = inputs
        self.outputs: list[DataNode] = []
        self.source_info = source_info
        self.index = index
        self.provenance = provenance
        self._in_tree = None    # built graphs: how apply's positional args nest
        self._out_tree = None   # built graphs: how op's results nest

    def __repr__(self):
        ins = ", ".join(n.name for n in self.inputs)
        outs = ", ".join(n.name for n in self.outputs)
        return f"OpNode({outs} = {self.name}({ins}))"


def _link(op: OpNode) -> None:
    """Record the back edges data -> op for ``op``'s operands."""
    for node in op.inputs:
        if op not in node.consumers:
            node.consumers.append(op)


def _as_array(value):
    """A concrete array for ``value``, in its canonical dtype (float64 -> float32 ...)."""
    if isinstance(value, jax.Array):
        return value
    value = np.asarray(value)
    return value.astype(dtypes.canonicalize_dtype(value.dtype), copy=False)

