"""NumPy's broadcasting rule on shapes, written once for every layer.

Shapes broadcast when, aligned at the right, each pair of dimensions is equal or one of
them is 1; the result takes the larger size.  The rule needs shapes only, never values,
so it sits at the bottom of the layering: zenax.numpy's argument promotion, the samplers'
parameter check in zenax.random and the operators of zenax.graph all ask it.  It answers
None rather than raising because each caller owes its user a different error: JAX's
``jnp.broadcast_shapes`` raises ValueError, a binary ufunc TypeError, a sampler names its
``shape`` argument.
"""
from __future__ import annotations

from typing import Sequence

from .source_info import user_frame_str


def broadcast_shapes_or_none(shapes: Sequence[tuple]) -> tuple | None:
    """NumPy's broadcast of ``shapes`` (aligned at the right), or None if incompatible."""
    ndim = max((len(s) for s in shapes), default=0)
    result = []
    for i in range(-ndim, 0):
        sizes = {s[i] for s in shapes if len(s) >= -i} - {1}
        if len(sizes) > 1:
            return None
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def incompatible_shapes_error(fun_name: str, shapes, exc_type: type[Exception]) -> Exception:
    """The error for ``shapes`` that do not broadcast, naming the function and user line.

    The text is JAX's (``Incompatible shapes for broadcasting: shapes=[(2, 3), (4,)]``)
    plus where it happened and how to fix it; ``exc_type`` is the kind JAX raises there.
    """
    shown = ", ".join(str(tuple(s)) for s in shapes)
    return exc_type(
        f"{fun_name}: Incompatible shapes for broadcasting: shapes=[{shown}] "
        f"(at {user_frame_str()}).\nNumPy broadcasting aligns shapes at the right; each "
        "pair of dimensions must be equal or 1. Add axes explicitly, e.g. x[:, None], or "
        "reshape an operand.")
