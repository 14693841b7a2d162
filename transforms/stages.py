"""The ahead-of-time stages of a jitted function, as in JAX: ``Traced`` -> ``Lowered`` ->
``Compiled``, plus ``ShapeDtypeStruct``, the stand-in for an array these stages (and
``eval_shape``) take and return.

``jit(f).trace(*args)`` stops after tracing, ``.lower()`` hands the program to XLA
(StableHLO text, cost analysis) and ``.compile()`` gives an executable for fixed argument
types.  Each stage wraps the ``jit`` cache entry it came from (``jit.py``) and JAX's own
stage object.
"""
from __future__ import annotations

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.make_jaxpr import shaped_abstractify
from zenax.tracer.tree_util import tree_flatten, tree_unflatten


class Traced:
    """``jit(f).trace(*args)``: the staged program (``.jaxpr``) before lowering."""

    # jitted, entry, call: the Jitted, its CacheEntry and the _Call of jit.py (not
    # annotated: jit.py imports this module).
    def __init__(self, jitted, entry, call):
        self.jitted, self.entry, self.call = jitted, entry, call
        self.jaxpr = entry.jaxpr

    def lower(self) -> "Lowered":
        exe = self.entry.executable or self.jitted._compile(self.entry, self.call)
        specs = [jax.ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
                 for a in self.call.avals]
        return Lowered(exe.lower(*self.entry.jaxpr.consts, *specs), self.entry, self.jitted.name)


class Lowered:
    """``jit(f).lower(*args)``: ``.as_text()`` (StableHLO), ``.compiler_ir()``,
    ``.compile()``, ``.cost_analysis()``."""

    def __init__(self, jax_lowered, entry, name: str):
        self._lowered, self._entry, self._name = jax_lowered, entry, name

    def as_text(self, dialect: str | None = None) -> str:
        return self._lowered.as_text() if dialect is None else self._lowered.as_text(dialect)

    def compiler_ir(self, dialect: str | None = None):
        """The lowered program as an MLIR module (``dialect='stablehlo'``, the default),
        or XLA's HLO module (``dialect='hlo'``), as JAX's ``Lowered.compiler_ir``.

        >>> print(zenax.jit(jnp.sin).lower(1.0).compiler_ir())  # doctest: +ELLIPSIS
        module @jit_sin attributes {...} {
        ...
        """
        return self._lowered.compiler_ir(dialect)

    def compile(self, compiler_options: dict | None = None) -> "Compiled":
        """Compile for the device; ``compiler_options`` (XLA flags) go to XLA as JAX's."""
        return Compiled(self._lowered.compile(compiler_options), self._entry, self._name)

    def cost_analysis(self):
        return self._lowered.cost_analysis()

    @property
    def out_info(self):
        """The outputs' shapes and dtypes: a pytree of :class:`ShapeDtypeStruct` of the
        function's output structure (Flax's ``nnx.tabulate`` reads it).

        >>> zenax.jit(lambda x: {"y": x * 2}).lower(jnp.ones(3)).out_info
        {'y': ShapeDtypeStruct(shape=(3,), dtype=float32)}
        """
        return tree_unflatten(self._entry.out_tree, [
            ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
            for a in self._entry.jaxpr.out_avals])


class Compiled:
    """``jit(f).lower(*args).compile()``: call it with the dynamic arguments (static ones
    were fixed when lowering), of the same structure, shapes and dtypes."""

    def __init__(self, jax_compiled, entry, name: str):
        self._compiled, self._entry, self._name = jax_compiled, entry, name

    def __call__(self, *args, **kwargs):
        flat, in_tree = tree_flatten((args, kwargs))
        if in_tree != self._entry.in_tree:
            raise TypeError(f"Compiled {self._name} was lowered for arguments of structure "
                            f"{self._entry.in_tree} but called with {in_tree}.")
        expected = self._entry.call_jaxpr.in_avals[len(self._entry.jaxpr.consts):]
        for i, (x, e) in enumerate(zip(flat, expected)):
            a = shaped_abstractify(x)
            if (a.shape, a.dtype) != (e.shape, e.dtype):
                raise TypeError(f"Compiled {self._name}: argument leaf {i} has type "
                                f"{a.str_short()} but it was lowered for {e.str_short()}.")
        outs = self._compiled(*self._entry.jaxpr.consts, *flat)
        return tree_unflatten(self._entry.out_tree, list(outs))

    def as_text(self) -> str:
        return self._compiled.as_text()

    def cost_analysis(self):
        return self._compiled.cost_analysis()

    def memory_analysis(self):
        """XLA's memory statistics of the compiled program (``temp_size_in_bytes``,
        ``argument_size_in_bytes``, ``output_size_in_bytes``, ...), or None where the
        backend does not report them."""
        return self._compiled.memory_analysis()



class ShapeDtypeStruct:
    """A shape and dtype standing in for an array (``eval_shape``, ``.lower``).

    >>> zenax.ShapeDtypeStruct((2, 3), jnp.float32)
    ShapeDtypeStruct(shape=(2, 3), dtype=float32)
    """

    __slots__ = ("shape", "dtype", "weak_type", "sharding")

    def __init__(self, shape, dtype, weak_type: bool = False, sharding=None):
        self.shape = tuple(shape)
        self.dtype = dtype if dtypes.is_extended(dtype) else np.dtype(dtype)
        self.weak_type = bool(weak_type)
        self.sharding = sharding

    @classmethod
    def like(cls, x) -> "ShapeDtypeStruct":
        """The shape, dtype and weak type of ``x`` (an array, a tracer or a scalar).

        >>> zenax.ShapeDtypeStruct.like(jnp.ones(3, jnp.int8))
        ShapeDtypeStruct(shape=(3,), dtype=int8)
        """
        aval = getattr(x, "aval", None)
        if aval is None:
            aval = shaped_abstractify(x)
        return cls(aval.shape, aval.dtype, weak_type=aval.weak_type)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))

    def __eq__(self, other):
        return isinstance(other, ShapeDtypeStruct) and (
            (self.shape, self.dtype, self.weak_type, self.sharding) ==
            (other.shape, other.dtype, other.weak_type, other.sharding))

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        sharding = "" if self.sharding is None else f", sharding={self.sharding}"
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak}{sharding})"
