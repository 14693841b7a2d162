"""``jax.extend.core`` as zenax: declare a primitive and walk jaxprs, JAX's way.

``jax.extend.core`` is where JAX keeps the pieces a library needs to add its own
primitive (Equinox's ``filter_primitive_def``, its ``unvmap_*`` and ``nontraceable``
primitives) and to read the jaxprs transforms produce. Under ``zenax.install_as_jax()``
this module answers ``import jax.extend.core``, and each name is zenax's own:

- ``Primitive`` is zenax's primitive (the class ``jax.core.Primitive`` gives too), so
  ``p.def_impl`` / ``p.def_abstract_eval`` and the rule tables of
  ``jax.interpreters.ad`` / ``batching`` / ``mlir`` fill zenax's rule tables;
- ``Jaxpr``, ``ClosedJaxpr``, ``JaxprEqn``, ``Var``, ``Literal`` are zenax's IR classes;
- the functions keep JAX's signatures (``mapped_aval(size, axis, aval)``, ...).

>>> import zenax, zenax.numpy as jnp
>>> from zenax.compat.extend import core
>>> from zenax.compat.interpreters import ad
>>> cube_p = core.Primitive("cube")
>>> _ = cube_p.def_impl(lambda x: x * x * x)
>>> _ = cube_p.def_abstract_eval(lambda aval: aval)
>>> ad.primitive_jvps[cube_p] = lambda primals, tangents: (
...     cube_p.bind(primals[0]), 3 * primals[0] ** 2 * tangents[0])
>>> zenax.grad(cube_p.bind)(2.0)
Array(12., dtype=float32, weak_type=True)
"""
from __future__ import annotations

from typing import Any, Iterator

from zenax.compat.core import (ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Primitive, Var,
                               concrete_or_error, find_top_trace, jaxpr_as_fun)
from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.lax.dtypes_api import float0
from zenax.tracer.core import set_current_trace
from zenax.tracer.ir import typecheck_jaxpr
import weakref  # for flax
from zenax.tracer.core import current_trace as _current_trace  # for flax

__all__ = [
    "ClosedJaxpr", "Jaxpr", "JaxprEqn", "Literal", "Primitive", "Var", "check_jaxpr",
    "concrete_or_error", "find_top_trace", "jaxpr_as_fun", "jaxprs_in_params",
    "mapped_aval", "primal_dtype_to_tangent_dtype", "set_current_trace", "subjaxprs",
    "unmapped_aval",
]


def check_jaxpr(jaxpr: Jaxpr) -> None:
    """Raise ``JaxprTypeError`` if ``jaxpr``'s types do not follow from its equations
    (zenax's ``typecheck_jaxpr``)."""
    typecheck_jaxpr(jaxpr)


def mapped_aval(size: int, axis: int | None, aval: ShapedArray) -> ShapedArray:
    """The aval of one slice of ``aval`` along ``axis`` (None: not mapped, unchanged).

    >>> mapped_aval(3, 0, ShapedArray((3, 4), "float32"))
    ShapedArray(float32[4])
    """
    if axis is None:
        return aval
    if aval.shape[axis] != size:
        raise ValueError(f"mapped_aval: axis {axis} of {aval} has size "
                         f"{aval.shape[axis]}, expected {size}")
    return aval.update(shape=aval.shape[:axis] + aval.shape[axis + 1:])


def unmapped_aval(size: int, *args) -> ShapedArray:
    """``aval`` with a new axis of ``size`` at ``axis``: the aval of a batch of values
    typed ``aval``. Takes JAX's current ``(size, axis, aval)`` and, for library code
    written against JAX before 0.5.1, ``(size, axis_name, axis, aval)``.

    >>> unmapped_aval(3, 1, ShapedArray((4,), "float32"))
    ShapedArray(float32[4,3])
    """
    axis, aval = args[-2:]
    if axis is None:
        return aval
    return aval.update(shape=aval.shape[:axis] + (size,) + aval.shape[axis:])


def primal_dtype_to_tangent_dtype(dtype) -> Any:
    """The dtype of a tangent of a ``dtype`` value: ``float0`` for integers and booleans
    (they have no derivative), the same dtype otherwise."""
    dtype = dtypes.canonicalize_dtype(dtype)
    return dtype if dtypes.is_inexact(dtype) else float0


def jaxprs_in_params(params: dict) -> Iterator[Jaxpr]:
    """The jaxprs held in an equation's params, directly or in a tuple/list."""
    for value in params.values():
        for v in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(v, Jaxpr):
                yield v
            elif isinstance(v, ClosedJaxpr):
                yield v.jaxpr


def subjaxprs(jaxpr: Jaxpr) -> Iterator[Jaxpr]:
    """The jaxprs directly inside ``jaxpr``'s equations (one level, not recursive)."""
    for eqn in jaxpr.eqns:
        yield from jaxprs_in_params(eqn.params)


# for flax: Flax NNX records the trace a Variable was created under and refuses updates
# from another one (``get_opaque_trace_state``); its hijax Variables declare an effect
# type (``Effect``).

class OpaqueTraceState:
    """Which trace is current, comparable with ``==`` and nothing else: equal when taken
    under the same zenax trace. Holds the trace weakly (a Variable keeps one)."""

    def __init__(self, trace):
        self._trace_ref = weakref.ref(trace)

    def __eq__(self, other) -> bool:
        return isinstance(other, OpaqueTraceState) and self._trace_ref == other._trace_ref

    def __hash__(self) -> int:
        return hash(self._trace_ref)

    def __repr__(self) -> str:
        return f"OpaqueTraceState({self._trace_ref()!r})"


def get_opaque_trace_state(convention=None) -> OpaqueTraceState:
    """The current trace, as an opaque value a library compares to a later one.

    >>> import zenax
    >>> outside, seen = get_opaque_trace_state(), []
    >>> _ = zenax.jit(lambda x: seen.append(outside == get_opaque_trace_state()) or x)(1.0)
    >>> seen, outside == get_opaque_trace_state()
    ([False], True)
    """
    del convention  # which library asks: the answer is the same
    return OpaqueTraceState(_current_trace())


class Effect:
    """Base class of a side effect a library declares (Flax's hijax Variables). zenax
    tracks side effects per primitive (``zenax.transforms.passes.effectful_primitives``),
    so an effect object carries no behaviour of its own."""


__all__ += ["Effect", "OpaqueTraceState", "get_opaque_trace_state"]
