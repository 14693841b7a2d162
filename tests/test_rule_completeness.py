"""Every primitive carries the rules each transform needs (DESIGN.md §2, §4).

The primitives are all that zenax declares: the ``*_p`` attributes of zenax.lax and of the
loaded zenax modules, plus every key of the rule tables in zenax.tracer.core -- after
importing zenax.transforms, where the higher-order primitives get their rules.  Each one
needs an abstract eval, a lowering (or an impl), a jvp rule (a zero jvp when it is not
differentiable), a batching rule, and a transpose rule where it is linear.  Which
primitives are linear is JAX's word: those for which JAX registers a transpose rule under
the same name.  The exceptions are listed below, each with its reason; an entry that no
longer applies fails the test, so the lists stay short.
"""
import sys

import pytest
from jax.interpreters import ad as jax_ad

import zenax.lax
import zenax.transforms  # noqa: F401  (the higher-order primitives' rules live there)
from zenax.tracer import core
from zenax.tracer.core import Primitive

NO_JVP = {
    "nextafter": "not differentiable, and JAX gives it no jvp rule either (test_autodiff "
                 "checks the error)",
    "geqrf": "LAPACK's raw QR (Householder vectors); not differentiable in JAX either -- "
             "jnp.linalg.qr differentiates through qr",
    "householder_product": "builds Q from geqrf's Householder vectors; no jvp in JAX either",
    "ormqr": "multiplies by Q from geqrf's Householder vectors; no jvp in JAX either",
    "hessenberg": "no jvp in JAX either (jax.lax.linalg.hessenberg_p has no jvp rule)",
    "schur": "no jvp in JAX either (jax.lax.linalg.schur_p has no jvp rule)",
    "tridiagonal": "no jvp in JAX either (jax.lax.linalg.tridiagonal_p has no jvp rule)",
    "select_and_scatter": "the general select-and-scatter; no jvp in JAX either (max-pool's "
                          "gradient uses select_and_scatter_add, which has one)",
    "create_token": "makes an ordering token, not a number; no jvp in JAX either",
    "after_all": "joins ordering tokens, not numbers; no jvp in JAX either",
    "psend": "point-to-point send (a GPU-only collective); no jvp in JAX either",
    "precv": "point-to-point receive (a GPU-only collective); no jvp in JAX either",
}
NO_BATCH = {
    "iota": "it has no operands, so vmap never has a batched operand to hand it",
    "axis_index": "it has no operands; vmap answers it through the primitive's axis_rule",
    "select_and_scatter": "no batching rule in JAX either",
    "create_token": "it has no operands, so vmap never has a batched operand to hand it",
    "after_all": "tokens are never batched; no batching rule in JAX either",
    "precv": "no batching rule in JAX either (its only operand is a token)",
}
NO_TRANSPOSE = {
    "debug_callback": "its jvp binds it on the primals only, so it never appears in a "
                      "linear jaxpr (JAX's transpose rule just returns no cotangents)",
}


def _all_primitives() -> dict:
    prims = set()
    for table in (core.abstract_eval_rules, core.lowering_rules, core.impl_rules,
                  core.jvp_rules, core.transpose_rules, core.batch_rules):
        prims |= set(table)
    for name, module in list(sys.modules.items()):
        if name == "zenax" or name.startswith("zenax."):
            prims |= {v for k, v in vars(module).items()
                      if k.endswith("_p") and isinstance(v, Primitive)}
    by_name = {p.name: p for p in prims}
    assert len(by_name) == len(prims), "two primitives share a name"
    return by_name


PRIMITIVES = _all_primitives()
JAX_LINEAR = {p.name for p in jax_ad.primitive_transposes}


def _missing(has_rule, exceptions=()) -> list:
    return sorted(name for name, p in PRIMITIVES.items()
                  if not has_rule(p) and name not in exceptions)


def test_the_survey_sees_the_primitives():
    assert {"add", "reduce_sum", "dot_general", "sort", "cond", "scan", "jit_call",
            "custom_jvp_call"} <= set(PRIMITIVES)
    assert all(isinstance(getattr(zenax.lax, k), Primitive)
               for k in dir(zenax.lax) if k.endswith("_p"))


def test_every_primitive_has_an_abstract_eval():
    assert _missing(lambda p: p in core.abstract_eval_rules) == []


def test_every_primitive_has_a_lowering():
    assert _missing(lambda p: p in core.lowering_rules or p in core.impl_rules) == []


def test_every_primitive_has_a_jvp_rule():
    """Non-differentiable primitives are marked with a zero jvp (``differentiable=False``
    or ``defjvp_zero``), which counts."""
    assert _missing(lambda p: p in core.jvp_rules, NO_JVP) == []


def test_every_primitive_has_a_batching_rule():
    assert _missing(lambda p: p in core.batch_rules, NO_BATCH) == []


def test_every_linear_primitive_has_a_transpose_rule():
    missing = _missing(lambda p: p.name not in JAX_LINEAR or p in core.transpose_rules,
                       NO_TRANSPOSE)
    assert missing == []


@pytest.mark.parametrize("exceptions,table", [
    (NO_JVP, core.jvp_rules), (NO_BATCH, core.batch_rules),
    (NO_TRANSPOSE, core.transpose_rules)], ids=["jvp", "batch", "transpose"])
def test_each_exception_is_still_needed(exceptions, table):
    for name in exceptions:
        assert name in PRIMITIVES, f"{name}: no such primitive; drop its exception"
        assert PRIMITIVES[name] not in table, f"{name} has the rule now; drop its exception"
