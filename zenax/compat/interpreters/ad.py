"""``jax.interpreters.ad`` as zenax: give a primitive its derivative rules, JAX's way.

A library that declares a primitive (``jax.extend.core.Primitive``) registers its
forward-mode rule with ``ad.primitive_jvps[p] = rule`` and, for reverse mode, its
transpose with ``ad.primitive_transposes[p] = rule``. zenax's rules take the same
arguments as JAX's (DESIGN.md §4: ``jvp(primals, tangents, **params)``,
``transpose(ct, *args, **params)`` with the linear inputs marked ``UndefinedPrimal``;
symbolic ``Zero`` tangents), and ``Zero``, ``UndefinedPrimal``, ``JVPTracer`` are
zenax's classes: a rule registered here goes into zenax's rule tables, and is the rule
zenax's ``jvp``, ``linearize``, ``grad`` and ``vjp`` apply. (A jvp rule gets its
``primals`` and ``tangents`` as tuples, as JAX passes them.)

>>> import zenax
>>> from zenax.compat.extend.core import Primitive
>>> twice_p = Primitive("twice")
>>> _ = twice_p.def_impl(lambda x: 2 * x)
>>> _ = twice_p.def_abstract_eval(lambda aval: aval)
>>> primitive_jvps[twice_p] = lambda primals, tangents: (
...     twice_p.bind(*primals), twice_p.bind(*tangents))
>>> primitive_transposes[twice_p] = lambda ct, x: [twice_p.bind(ct)]
>>> zenax.grad(twice_p.bind)(1.0)
Array(2., dtype=float32, weak_type=True)
"""
from __future__ import annotations

from typing import Callable

from zenax.lax.broadcasting import instantiate, zeros_like_aval
from zenax.lax.elementwise import add_tangents, defjvp, defjvp2
from zenax.tracer.ad_types import UndefinedPrimal, Zero, is_undefined_primal
from zenax.tracer.core import Primitive, jvp_rules, transpose_rules
from zenax.transforms.jvp import JVPTrace, JVPTracer

from .rule_tables import RuleTable

__all__ = [
    "JVPTrace", "JVPTracer", "UndefinedPrimal", "Zero", "add_tangents", "defjvp", "defjvp2",
    "get_primitive_transpose", "instantiate_zeros", "is_undefined_primal", "primitive_jvps",
    "primitive_transposes", "zeros_like_aval",
]


def _jvp_from_jax(rule: Callable) -> Callable:
    def zenax_rule(primals, tangents, **params):
        return rule(tuple(primals), tuple(tangents), **params)
    return zenax_rule


primitive_jvps = RuleTable(jvp_rules, _jvp_from_jax)
# JAX's transpose rules have zenax's signature and argument types already.
primitive_transposes = RuleTable(transpose_rules, lambda rule: rule)


def instantiate_zeros(tangent):
    """A symbolic ``Zero`` made an array of zeros; any other tangent unchanged.

    >>> from zenax.tracer.avals import ShapedArray
    >>> instantiate_zeros(Zero(ShapedArray((2,), "float32")))
    Array([0., 0.], dtype=float32)
    """
    return instantiate(tangent)


def get_primitive_transpose(p: Primitive) -> Callable:
    """``p``'s transpose rule; ``NotImplementedError`` naming ``p`` if it has none."""
    try:
        return transpose_rules[p]
    except KeyError:
        raise NotImplementedError(
            f"Transpose rule (for reverse-mode differentiation) for '{p}' not "
            "implemented") from None
