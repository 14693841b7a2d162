"""``linear_transpose``: the transpose of a linear function, by zenax's backward pass.

The function is staged at the given example inputs; the backward pass that reverse mode
runs over a linearized program (``transpose.py``) runs over this jaxpr instead, so
``linear_transpose(f, x)(ct)`` is ``vjp(f, x)[1](ct)`` without a forward pass (``f`` must
be linear in its inputs).
"""
from __future__ import annotations

from typing import Callable

from zenax.tracer import dtypes
from zenax.tracer.arguments import check_callable, is_valid_leaf
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import get_aval
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import Partial, tree_flatten, tree_unflatten
from zenax.lax.broadcasting import instantiate
from zenax.lax.elementwise import _convert_element_type
from zenax.lax.jnp import asarray

from .passes import dce
from .transpose import backward_pass

__all__ = ["linear_transpose"]


def _aval(x) -> ShapedArray:
    """The type of a primal: an array's, or a ``ShapeDtypeStruct``'s (anything with
    ``shape`` and ``dtype`` that is not an array stands for its type)."""
    if is_valid_leaf(x):
        return get_aval(x)
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return ShapedArray(x.shape, x.dtype, getattr(x, "weak_type", False))
    return get_aval(x)   # not an array: get_aval's error names it


@api_boundary
def linear_transpose(fun: Callable, *primals, reduce_axes=()) -> Callable:
    """The transpose of the linear function ``fun``, at inputs shaped like ``primals``
    (arrays, or ``ShapeDtypeStruct``s): a function taking an output cotangent and
    returning the input cotangents (a tuple, one per primal, of the primals' types).

    >>> f_t = linear_transpose(lambda x, y: 2.0 * x + y, 1.0, 1.0)
    >>> f_t(3.0)
    (Array(6., dtype=float32, weak_type=True), Array(3., dtype=float32, weak_type=True))
    """
    check_callable("linear_transpose", fun)
    if reduce_axes:
        raise NotImplementedError("reduce_axes argument to transpose is deprecated")
    flat, in_tree = tree_flatten(primals)
    in_avals = [_aval(x) for x in flat]
    box = {}

    def flat_fun(*xs):
        leaves, box["tree"] = tree_flatten(fun(*tree_unflatten(in_tree, list(xs))))
        return leaves

    closed, _ = trace_to_jaxpr(flat_fun, in_avals)
    jaxpr, consts, out_tree = dce(closed.jaxpr), list(closed.consts), box["tree"]
    in_dtypes = [a.dtype for a in in_avals]
    out_avals = [v.aval for v in jaxpr.outvars]
    all_dtypes = in_dtypes + [a.dtype for a in out_avals]
    if not (all(dtypes.is_inexact(d) for d in all_dtypes)
            or all(dtypes.is_integer(d) for d in all_dtypes)):
        raise TypeError("linear_transpose only supports [float or complex] -> [float or "
                        "complex], and integer -> integer functions, but got "
                        f"{in_dtypes} -> {[a.dtype for a in out_avals]}.")

    def transposed_fun(consts, out_cotangent):
        cts, tree = tree_flatten(out_cotangent)
        if tree != out_tree:
            raise TypeError("cotangent tree does not match function output, expected "
                            f"{out_tree} but got {tree}")
        got = [get_aval(c) for c in cts]
        if any(g.shape != a.shape or g.dtype != a.dtype for g, a in zip(got, out_avals)):
            raise TypeError("cotangent type does not match function output, expected "
                            f"{[a.str_short() for a in out_avals]} but got "
                            f"{[g.str_short() for g in got]}")
        cts_in = backward_pass(jaxpr, consts, cts)
        # Each cotangent has its primal's type (an input passed straight to the output
        # gets the cotangent as it was given: made an array here).
        return tree_unflatten(in_tree, [
            _convert_element_type(asarray(instantiate(c)), a.dtype, a.weak_type)
            for c, a in zip(cts_in, in_avals)])

    # A Partial, so the transposed function can be passed through jit as a pytree.
    return Partial(api_boundary(transposed_fun), consts)
