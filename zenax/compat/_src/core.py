"""View of ``jax._src.core`` for libraries under ``zenax.install_as_jax()``: the same
names as ``jax.core`` (:mod:`zenax.compat.core`), for the code that imports JAX's
internal module instead (Flax's ``linen.fp8_ops`` builds ``core.ShapedArray``).

>>> import zenax
>>> from zenax.compat._src import core
>>> core.ShapedArray((2,), "float32")
ShapedArray(float32[2])
"""
from zenax.compat.core import (AbstractValue, Atom, ClosedJaxpr, ConcretizationTypeError,
                               Jaxpr, JaxprEqn, Literal, Primitive, ShapedArray, Trace,
                               Tracer, Var, concrete_or_error, ensure_compile_time_eval,
                               eval_context, eval_jaxpr, find_top_trace, get_aval,
                               jaxpr_as_fun, raise_to_shaped)

__all__ = [
    "AbstractValue", "Atom", "ClosedJaxpr", "ConcretizationTypeError", "Jaxpr", "JaxprEqn",
    "Literal", "Primitive", "ShapedArray", "Trace", "Tracer", "Var", "concrete_or_error",
    "ensure_compile_time_eval", "eval_context", "eval_jaxpr", "find_top_trace", "get_aval",
    "jaxpr_as_fun", "raise_to_shaped",
]
