"""View of ``jax.interpreters.partial_eval`` for libraries under
``zenax.install_as_jax()`` (for flax: ``lazy_init``, ``partial_eval_by_shape`` and
``linen.scan``'s broadcast pass run a function on a mix of known values and unknown
shapes, keeping what the known values determine).

``trace_to_jaxpr_nounits`` is zenax's partial evaluation: the trace that ``linearize``
uses (:class:`zenax.transforms.linearize.PartialEvalTrace`) evaluates an operation whose
operands are all known now, and stages the others into a jaxpr.

>>> import zenax, zenax.numpy as jnp
>>> from zenax.compat.core import ShapedArray
>>> from zenax.compat.extend import linear_util as lu
>>> from zenax.compat.interpreters import partial_eval as pe
>>> f = lu.wrap_init(lambda x, y: [x * 2.0, x + y])
>>> pvals = [pe.PartialVal.known(jnp.float32(3.0)),
...          pe.PartialVal.unknown(ShapedArray((), jnp.float32))]
>>> jaxpr, out_pvals, consts = pe.trace_to_jaxpr_nounits(f, pvals)
>>> out_pvals
[(None, Array(6., dtype=float32)), (ShapedArray(float32[]), None)]
"""
from __future__ import annotations

from typing import Any, Sequence

from zenax.tracer.core import current_trace, get_aval, set_current_trace
from zenax.tracer.ir import Jaxpr
from zenax.tracer.staging import collector_paused
from zenax.transforms.linearize import PartialEvalTrace
from zenax.compat.extend.linear_util import WrappedFun

__all__ = ["PartialVal", "trace_to_jaxpr_nounits"]


class PartialVal(tuple):
    """A value known now (``(None, value)``) or known only by its aval
    (``(aval, None)``), as JAX's pair."""

    @classmethod
    def known(cls, value: Any) -> "PartialVal":
        return tuple.__new__(cls, (None, value))

    @classmethod
    def unknown(cls, aval: Any) -> "PartialVal":
        return tuple.__new__(cls, (aval, None))

    def is_known(self) -> bool:
        return self[0] is None

    def get_known(self) -> Any:
        return self[1] if self[0] is None else None

    def get_aval(self) -> Any:
        return get_aval(self[1]) if self[0] is None else self[0]


def trace_to_jaxpr_nounits(fun: WrappedFun, pvals: Sequence[PartialVal],
                           instantiate: bool | Sequence[bool] = False
                           ) -> tuple[Jaxpr, list[PartialVal], list]:
    """Run ``fun`` (flat values in, flat list out) on ``pvals``: what depends only on
    known values is computed now, the rest is staged.

    Returns ``(jaxpr, out_pvals, consts)``: a jaxpr from the unknown inputs to the
    unknown outputs (its constvars bound to ``consts``), and each output as a
    :class:`PartialVal`. ``instantiate`` (one flag, or one per output) makes known
    outputs unknown, outputs of the jaxpr.
    """
    trace = PartialEvalTrace(parent=current_trace())
    args = [pv.get_known() if pv.is_known() else trace.new_arg(pv.get_aval())
            for pv in pvals]
    with set_current_trace(trace), collector_paused():
        outs = list(fun.call_wrapped(*args))
    if isinstance(instantiate, bool):
        instantiate = [instantiate] * len(outs)
    out_pvals, unknown_outs = [], []
    for out, inst in zip(outs, instantiate):
        if trace.is_own(out) or inst:
            out_pvals.append(PartialVal.unknown(get_aval(out)))
            unknown_outs.append(out)
        else:
            out_pvals.append(PartialVal.known(out))
    closed = trace.to_closed_jaxpr(unknown_outs)
    return closed.jaxpr, out_pvals, list(closed.consts)
