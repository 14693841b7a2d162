"""The tracing core: primitives, ``bind``, traces, tracers, and eager evaluation.

Dispatch is *stackless* (as JAX since 0.4.36 and autodidax2): there is one current trace,
kept in a thread-local context.  ``bind(prim, *args, **params)`` hands the primitive to
that trace's ``process_primitive``.  A transform's trace records its ``parent`` (the trace
that was current when it started) and runs its rules under the parent, so the rules' own
``bind`` calls go one level out.  Each trace carries a unique ``tag``; a tracer belonging
to another trace is just a constant to it, which is what prevents perturbation confusion.

With no transform active the current trace is the :class:`EvalTrace`, which executes a
primitive by applying its lowering rule to concrete ``jax.Array`` values: eager code and
compiled code share one semantics.
"""
from __future__ import annotations

import operator

import itertools
import threading
from contextlib import contextmanager
from typing import Any, Callable

from .avals import ShapedArray, concrete_aval
from .errors import (ConcretizationTypeError, TracerArrayConversionError,
                     TracerBoolConversionError, TracerIntegerConversionError,
                     UnexpectedTracerError)
from .source_info import user_frame_str


class Primitive:
    """A named operation with rules registered per transform (tables below).

    >>> sin_p = Primitive("sin")
    >>> sin_p
    sin
    """

    multiple_results = False

    def __init__(self, name: str, multiple_results: bool = False):
        self.name = name
        self.multiple_results = multiple_results

    def bind(self, *args, **params):
        return bind(self, *args, **params)

    def __repr__(self):
        return self.name


# Rule tables, one per kind (DESIGN.md §4).  They live here, at the bottom of the import
# graph, so lax/ can register every rule right after declaring its primitive and
# transforms/ can read them without lax/ importing transforms/.
abstract_eval_rules: dict[Primitive, Callable] = {}
lowering_rules: dict[Primitive, Callable] = {}
# How to execute a primitive eagerly when that is not "apply its lowering rule" (jit_call:
# compile the sub-jaxpr once and run the executable).
impl_rules: dict[Primitive, Callable] = {}
jvp_rules: dict[Primitive, Callable] = {}
transpose_rules: dict[Primitive, Callable] = {}
batch_rules: dict[Primitive, Callable] = {}


# --------------------------------------------------------------------------- traces

_tags = itertools.count()


class Trace:
    """A way of interpreting primitives.  Subclasses implement ``process_primitive``."""

    def __init__(self, parent: "Trace | None" = None):
        self.parent = parent
        self.tag = next(_tags)

    def process_primitive(self, primitive: Primitive, args, params):
        raise NotImplementedError

    @property
    def main(self) -> int:
        """The trace's identity under JAX's older name (``trace.main``), which libraries
        compare to tell their own tracers apart (Equinox's ``filter_jvp``)."""
        return self.tag

    def is_ancestor_or_self(self, other: "Trace") -> bool:
        trace = self
        while trace is not None:
            if trace is other:
                return True
            trace = trace.parent
        return False

    def check_foreign(self, tracer: "Tracer", primitive: "Primitive | None" = None) -> None:
        """A tracer of another trace may be used only if that trace encloses this one."""
        if not self.is_ancestor_or_self(tracer._trace):
            raise UnexpectedTracerError(leaked_tracer_message(tracer, primitive))

    def __repr__(self):
        return f"{type(self).__name__}(tag={self.tag})"


class EvalTrace(Trace):
    """Executes primitives now, on concrete ``jax.Array`` values, via their lowering."""

    def process_primitive(self, primitive, args, params):
        for x in args:
            if isinstance(x, Tracer):
                raise UnexpectedTracerError(leaked_tracer_message(x, primitive))
        rule = impl_rules.get(primitive) or lowering_rules.get(primitive)
        if rule is None:
            raise NotImplementedError(f"No lowering rule for primitive '{primitive}'.")
        try:
            return rule(*args, **params)
        except Exception:
            # Bad input: re-check with our shape/dtype rule, whose error names the primitive,
            # the operands and the user's line.  (Only on failure: the hot path pays nothing.)
            check = abstract_eval_rules.get(primitive)
            if check is not None:
                check(*[get_aval(x) for x in args], **params)
            raise


eval_trace = EvalTrace()


class _Context(threading.local):
    def __init__(self):
        self.trace: Trace = eval_trace
        # A function every bind goes through first while set (shard_map's typing of
        # device-varying values installs one); None on the common path.
        self.bind_hook: Callable | None = None


_context = _Context()


def current_trace() -> Trace:
    return _context.trace


@contextmanager
def set_current_trace(trace: Trace):
    """Make ``trace`` current for the duration of the block."""
    prev = _context.trace
    _context.trace = trace
    try:
        yield trace
    finally:
        _context.trace = prev


def bind(primitive: Primitive, *args, **params):
    """Apply ``primitive`` to ``args`` under the current trace."""
    if _context.bind_hook is not None:
        return _context.bind_hook(primitive, args, params)
    return _context.trace.process_primitive(primitive, args, params)


def leaked_tracer_message(tracer: "Tracer", primitive: Primitive | None = None) -> str:
    created = getattr(tracer, "_source", None)
    where = f" It was created at {created}." if created else ""
    use = f" passed to `{primitive}`" if primitive is not None else ""
    return (f"Encountered an unexpected tracer {tracer!r}{use} at {user_frame_str()}: a "
            "value from inside a transformed function (jit, grad, vmap, ...) was used after "
            "that transformation finished, e.g. stored in a global or a Python closure; "
            f"expected a concrete array or a tracer of a running transformation.{where} "
            "Fix: return the value from the transformed function instead of storing it.")


# --------------------------------------------------------------------------- tracers

# Set by ``checking_leaks()``: called with every new tracer (see leaks.py).
tracer_created_hook = None


def tracer_created(tracer) -> None:
    if tracer_created_hook is not None:
        tracer_created_hook(tracer)


class Tracer:
    """A stand-in for an array while a trace is recording or transforming a function.

    Tracers behave like arrays: zenax.numpy installs the full operator and method surface
    (``+``, ``@``, ``x[1:]``, ``x.sum()``, ``x.T`` ...) on this class.
    """

    __slots__ = ("_trace", "_source", "__weakref__")
    __array_priority__ = 1000   # NumPy defers to our reflected operators.
    __array_ufunc__ = None

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    def to_concrete_value(self):
        """The concrete value, if this trace knows it (e.g. jvp of an eager value)."""
        return None

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: self.aval.ndim)
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)

    # Conversions to Python values follow JAX's rules: bool/int/index need a value and use
    # the concrete one a trace knows (jvp of an eager value: Python control flow on values
    # is differentiable); float/complex/np.asarray refuse every tracer, concrete or not,
    # because their result would silently drop the derivative (grad of float(x) * x).
    def __bool__(self):
        value = self.to_concrete_value()
        if value is None:
            raise TracerBoolConversionError(self)
        return bool(value)

    def __int__(self):
        value = self.to_concrete_value()
        if value is None:
            raise ConcretizationTypeError(self, _conversion_context("int", self))
        return int(value)

    def __index__(self):
        value = self.to_concrete_value()
        if value is None:
            raise TracerIntegerConversionError(self)
        return operator.index(_as_python_scalar(value))

    def __float__(self):
        raise ConcretizationTypeError(self, _conversion_context("float", self))

    def __complex__(self):
        raise ConcretizationTypeError(self, _conversion_context("complex", self))

    def __array__(self, *args, **kwargs):
        raise TracerArrayConversionError(self)

    def __hash__(self):
        raise TypeError(f"unhashable type: {type(self).__name__} (traced arrays are "
                        "unhashable, like jax.Array; use static_argnums for hashable "
                        "compile-time arguments)")

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    # Reprs as JAX 0.10 prints its tracers: ``JitTracer(~float32[])``,
    # ``VmapTracer(aval=float32[], batched=float32[2])`` ...; a tracer inside another
    # (a jvp of a vmap) prints in the same short form.
    def _short_repr(self) -> str:
        return f"{type(self).__name__}<{self.aval}>"

    def __repr__(self):
        return self._short_repr()


def _as_python_scalar(value):
    return value.item() if hasattr(value, "item") else value


def _conversion_context(fn: str, tracer: Tracer) -> str:
    return (f"The problem arose with the `{fn}` function, called on a traced array of type "
            f"{tracer.aval.str_short()}. To convert the dtype of a value, use "
            f"`x.astype({fn})` or `jnp.asarray(x, {fn})` instead.\n")


def get_aval(x: Any) -> ShapedArray:
    """The abstract value of a tracer or concrete value."""
    if isinstance(x, Tracer):
        return x.aval
    return concrete_aval(x)


def is_concrete(x) -> bool:
    return not isinstance(x, Tracer)
