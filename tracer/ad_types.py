"""The two marker types autodiff rules speak in, defined at the bottom layer so that
primitives in lax/ can register jvp and transpose rules without importing transforms/.

- :class:`Zero` is a *symbolic* zero tangent or cotangent: it knows its aval but holds no
  array, so rules can skip work (``x_dot * y`` with ``x_dot`` zero is just zero).
- :class:`UndefinedPrimal` marks, in a transpose rule, the linear input whose cotangent is
  wanted; the other inputs arrive as ordinary values (residuals).
"""
from __future__ import annotations

from .avals import ShapedArray


class Zero:
    """A symbolic zero of type ``aval``."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"Zero({self.aval.str_short()})"


class UndefinedPrimal:
    """The placeholder for a linear input of an equation being transposed."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"UndefinedPrimal({self.aval.str_short()})"


def is_undefined_primal(x) -> bool:
    return type(x) is UndefinedPrimal


# Marker for an unbatched operand in batching rules.
not_mapped = None
