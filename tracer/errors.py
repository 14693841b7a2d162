"""The errors users meet when traced values are used like concrete ones.

Messages follow the house rule: what happened, where (the user's line), and the fix.
"""
from __future__ import annotations

from .source_info import user_frame_str


class JAXTypeError(TypeError):
    """The base of zenax's own TypeErrors (JAX's class of the same name)."""


class JAXIndexError(IndexError):
    """The base of zenax's own IndexErrors (JAX's class of the same name)."""


def _concretization_message(tracer, context: str) -> str:
    describe = getattr(getattr(tracer, "_trace", None), "describe_origin", None)
    origin = describe(tracer) if describe is not None else ""
    return (f"Abstract tracer value encountered where concrete value is expected: "
            f"{tracer!r} at {user_frame_str()}.\n{context}{origin}"
            "The value depends on a function argument being traced, so its numbers are "
            "not known yet. Fixes: use zenax.lax.cond / zenax.lax.switch / jnp.where for "
            "value-dependent branching, zenax.lax.while_loop / fori_loop for loops, or "
            "mark the argument static (static_argnums / static_argnames) when it is a "
            "compile-time constant.")


class ConcretizationTypeError(JAXTypeError):
    """A traced (abstract) value was used where a concrete Python value is needed."""

    def __init__(self, tracer, context: str = ""):
        super().__init__(_concretization_message(tracer, context))


class TracerBoolConversionError(ConcretizationTypeError):
    """``if x:`` / ``while x:`` / ``bool(x)`` on a traced array."""

    def __init__(self, tracer):
        super().__init__(tracer, f"Attempted boolean conversion of traced array with shape "
                                 f"{tracer.aval.str_short()} (Python `if`, `while`, `and`, "
                                 "`or`, `not` or `bool()`).\n")


class TracerIntegerConversionError(JAXTypeError):
    """``int(x)`` / ``range(x)`` / ``list[x]`` on a traced array.  (As in JAX, not a
    ConcretizationTypeError.)"""

    def __init__(self, tracer, context: str = ""):
        super().__init__(_concretization_message(
            tracer, f"Attempted integer conversion of traced array with shape "
                    f"{tracer.aval.str_short()} (`int()`, `range()`, or use as a Python "
                    f"index).\n{context}"))


class TracerArrayConversionError(JAXTypeError):
    """``np.asarray(x)`` on a traced array."""

    def __init__(self, tracer):
        super().__init__(
            f"The numpy.ndarray conversion method __array__() was called on {tracer!r} at "
            f"{user_frame_str()}. A traced value has no numbers yet: use zenax.numpy "
            "functions instead of numpy ones inside transformed functions.")


class UnexpectedTracerError(JAXTypeError):
    """A tracer escaped the transformation that created it (a leak)."""
