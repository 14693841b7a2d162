"""Higher-order primitives: declared here with their abstract evaluation (the custom
derivative ones are in ``custom_derivatives.py``, next to the classes that bind them).

Their transform rules (jvp, partial evaluation, transpose, batching, lowering) live in
transforms/, next to the transform that interprets them, because each of those rules *is*
"apply this transform to the sub-jaxpr" (DESIGN.md §2).
"""
from __future__ import annotations

from zenax.tracer.core import Primitive, abstract_eval_rules
from zenax.tracer.ir import ClosedJaxpr, pp_eqn_default, pp_eqn_rules, suggest_names

# jit_call(*args, jaxpr, name): call a closed jaxpr (no consts) as one compiled unit.
jit_call_p = Primitive("jit_call", multiple_results=True)


def _jit_call_abstract_eval(*avals, jaxpr: ClosedJaxpr, name: str):
    expected = jaxpr.in_avals
    if len(avals) != len(expected) or any(a.shape != e.shape or a.dtype != e.dtype
                                          for a, e in zip(avals, expected)):
        raise TypeError(f"jit_call of {name}: arguments of types "
                        f"{[a.str_short() for a in avals]} do not match the jaxpr's "
                        f"{[e.str_short() for e in expected]}.")
    return list(jaxpr.out_avals)


abstract_eval_rules[jit_call_p] = _jit_call_abstract_eval


def _jit_call_pp(eqn, ctx):
    # Printed as JAX prints a jit: `jit[name=f jaxpr={...}]`, the body's binders named
    # like the call's operands and results.
    suggest_names(ctx, eqn.params["jaxpr"].jaxpr, eqn)
    return pp_eqn_default(eqn, ctx, order=["name"] + sorted(k for k in eqn.params if k != "name"),
                          name="jit")


pp_eqn_rules[jit_call_p] = _jit_call_pp


# remat(*args, jaxpr, prevent_cse, policy): a rematerialized (checkpointed) call; reverse
# mode recomputes its intermediates instead of saving them (except what `policy` saves).
remat_p = Primitive("remat", multiple_results=True)
abstract_eval_rules[remat_p] = lambda *avals, jaxpr, **_: list(jaxpr.out_avals)
