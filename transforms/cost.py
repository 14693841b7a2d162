"""A FLOP count of a jaxpr, from its equations alone.

Used by ``jacobian(mode="auto")`` to compare forward and reverse mode, and by the examples
to show what each mode costs.  The model is deliberately simple: an elementwise op costs
one FLOP per output element, a reduction one per input element, ``dot_general`` two per
multiply-add, and data movement (reshape, transpose, broadcast, slice...) nothing.
"""
from __future__ import annotations

import math

from zenax.tracer.ir import ClosedJaxpr, Jaxpr

_FREE = {"broadcast_in_dim", "reshape", "transpose", "squeeze", "concatenate", "pad", "slice",
         "rev", "iota", "convert_element_type", "bitcast_convert_type", "stop_gradient"}


def eqn_flops(eqn) -> int:
    name = eqn.primitive.name
    if name in _FREE:
        return 0
    if name == "dot_general":
        (lc, _), _ = eqn.params["dimension_numbers"]
        lhs = eqn.invars[0].aval
        contracted = math.prod(lhs.shape[d] for d in lc)
        return 2 * eqn.outvars[0].aval.size * contracted
    if name.startswith("reduce_") or name in ("argmax", "argmin"):
        return eqn.invars[0].aval.size
    if name == "scan":
        return eqn.params["length"] * jaxpr_flops(eqn.params["jaxpr"])
    if name == "cond":   # the most expensive branch
        return max(jaxpr_flops(b) for b in eqn.params["branches"])
    sub = [v for v in eqn.params.values() if isinstance(v, (Jaxpr, ClosedJaxpr))]
    if sub:
        return sum(jaxpr_flops(j) for j in sub)
    return sum(v.aval.size for v in eqn.outvars)


def jaxpr_flops(jaxpr: Jaxpr | ClosedJaxpr) -> int:
    """Estimated floating-point operations to evaluate ``jaxpr`` once.

    >>> jaxpr_flops(zenax.make_jaxpr(lambda a, b: a @ b)(jnp.ones((2, 3)), jnp.ones((3, 4))))
    48
    """
    if isinstance(jaxpr, ClosedJaxpr):
        jaxpr = jaxpr.jaxpr
    return sum(eqn_flops(e) for e in jaxpr.eqns)
