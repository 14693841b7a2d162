"""Debugging aids: NaN checking (``zenax.debug`` itself is ``lax/debug_callbacks.py``).

With ``zenax.config.update("jax_debug_nans", True)``, every eager primitive checks its
outputs, and a jitted function whose result has a NaN is re-run op by op to name the first
primitive that produced one and the user's source line of that equation.  Tracer-leak
checking is ``tracer/leaks.py``.
"""
from __future__ import annotations

import numpy as np

from zenax.tracer import core
from zenax.tracer.core import bind, set_current_trace
from zenax.tracer.ir import Literal
from zenax.tracer.source_info import user_frame_str


# --------------------------------------------------------------------------- debug_nans

class _NanState:
    enabled = False


nan_state = _NanState()


def _has_nan(x) -> bool:
    try:
        a = np.asarray(x)
    except Exception:
        return False
    return a.dtype.kind in "fc" and bool(np.isnan(a).any())


def check_nans(primitive, outs, where: str) -> None:
    for o in (outs if primitive.multiple_results else [outs]):
        if _has_nan(o):
            raise FloatingPointError(
                f"invalid value (nan) encountered in {primitive} at {where}. (zenax "
                "debug_nans is on; turn it off with "
                "zenax.config.update('jax_debug_nans', False).)")


class _NanCheckingEvalTrace(core.EvalTrace):
    """The eager trace, checking every primitive's outputs for NaNs."""

    def process_primitive(self, primitive, args, params):
        outs = super().process_primitive(primitive, args, params)
        check_nans(primitive, outs, user_frame_str())
        return outs


def rerun_for_nans(jaxpr, consts, args) -> None:
    """Evaluate ``jaxpr`` op by op and raise at the first equation producing a NaN."""
    env = dict(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    read = lambda v: v.val if type(v) is Literal else env[v]
    # A plain eager trace: the checking one would report the line of this re-run (the
    # jit call) before we can report the equation's own source line.
    with set_current_trace(core.EvalTrace()):
        for eqn in jaxpr.eqns:
            outs = bind(eqn.primitive, *map(read, eqn.invars), **eqn.params)
            where = (f"{eqn.source_info.file}:{eqn.source_info.line} (in "
                     f"{eqn.source_info.function})") if eqn.source_info else "<unknown>"
            check_nans(eqn.primitive, outs, where)
            env.update(zip(eqn.outvars, outs if eqn.primitive.multiple_results else [outs]))


def set_debug_nans(enabled: bool) -> None:
    nan_state.enabled = bool(enabled)
    # The eager trace is replaced by a checking one (and restored), so ordinary eager code
    # pays nothing when the flag is off.
    core.eval_trace.__class__ = _NanCheckingEvalTrace if enabled else core.EvalTrace
