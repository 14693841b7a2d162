"""The ahead-of-time stages of a jitted function, under JAX's names.

``zenax.jit(f)`` is a :class:`Wrapped`; ``.trace(*args)`` gives a :class:`Traced`,
``.lower(*args)`` a :class:`Lowered` and ``.lower(*args).compile()`` a :class:`Compiled`.

>>> import zenax, zenax.numpy as jnp
>>> lowered = zenax.jit(jnp.sin).lower(1.0)
>>> isinstance(lowered, zenax.stages.Lowered), isinstance(lowered.compile(), zenax.stages.Compiled)
(True, True)
"""
from __future__ import annotations

import dataclasses
from typing import Any, Protocol, Union, runtime_checkable

from zenax.transforms.stages import Compiled, Lowered, Traced

__all__ = ["ArgInfo", "Compiled", "CompilerOptions", "Lowered", "Traced", "Wrapped"]

# XLA compiler options by name (JAX's type of ``Lowered.compile``'s ``compiler_options``).
CompilerOptions = dict[str, Union[str, bool]]


@dataclasses.dataclass(frozen=True, slots=True)
class ArgInfo:
    """What a stage knows of one argument: its abstract value and whether its buffer is
    donated.

    >>> from zenax.tracer.avals import ShapedArray
    >>> info = zenax.stages.ArgInfo(ShapedArray((2, 3), jnp.dtype('float32')), donated=False)
    >>> info.shape, info.dtype
    ((2, 3), dtype('float32'))
    """
    _aval: Any
    donated: bool

    @property
    def shape(self) -> tuple[int, ...]:
        if not hasattr(self._aval, "shape"):
            raise TypeError(f"ArgInfo.shape: the abstract value {self._aval!r} of type "
                            f"{type(self._aval).__name__} has no shape.")
        return self._aval.shape

    @property
    def dtype(self):
        if not hasattr(self._aval, "dtype"):
            raise TypeError(f"ArgInfo.dtype: the abstract value {self._aval!r} of type "
                            f"{type(self._aval).__name__} has no dtype.")
        return self._aval.dtype


@runtime_checkable
class Wrapped(Protocol):
    """What ``zenax.jit`` returns: a function that can be called (traced, compiled and run
    as needed) or staged explicitly with ``.trace`` and ``.lower``.

    >>> isinstance(zenax.jit(jnp.sin), zenax.stages.Wrapped)
    True
    """

    def __call__(self, *args, **kwargs) -> Any:
        """Run the function, tracing and compiling it first if needed."""
        raise NotImplementedError

    def trace(self, *args, **kwargs) -> Traced:
        """Stage the function for these arguments into a jaxpr, without lowering it."""
        raise NotImplementedError

    def lower(self, *args, **kwargs) -> Lowered:
        """Stage the function for these arguments and hand it to XLA, without compiling."""
        raise NotImplementedError
