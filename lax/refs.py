"""Mutable array references: ``new_ref``, ``Ref``, ``freeze``, ``ds`` and friends.

A :class:`Ref` is a box holding one array.  ``r[idx]`` reads it, ``r[idx] = v`` writes it,
``r[idx] += v`` reads, adds and writes.  zenax discharges the effects *while tracing*
(JAX does it afterwards, in ``state/discharge.py``): a write replaces the box's content
with a new value built by an ordinary functional update (``x.at[idx].set(v)``), so every
transform sees pure array code.  Inside a function that creates its own refs this is
exactly JAX's semantics under jit, grad, jvp and vmap.

A ref created *outside* a transformed function needs its value threaded in and out of it:
``zenax.jit`` does this for refs passed as arguments (``transforms/ref_discharge.py``).
The cases zenax does not thread raise: writing a differentiated or vmapped value into an
outer ref (an ``Exception``, as JAX), and reading or writing an outer ref closed over by a
jitted function or written inside a loop/branch body (``NotImplementedError``).
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Tracer, current_trace, get_aval
from zenax.tracer.staging import DynamicJaxprTrace
from zenax.tracer.source_info import user_frame_str

import zenax.lax.jnp as jnp
from zenax.lax.jnp.indexing import rewriting_take, scatter_update
from . import dynamic_slicing, slicing
from .elementwise import _convert_element_type

__all__ = ["AbstractRef", "Ref", "Slice", "addupdate", "ds", "empty_ref", "free_ref",
           "freeze", "get", "new_ref", "set", "swap"]


# --------------------------------------------------------------------------- ds / Slice

@dataclasses.dataclass(slots=True)
class Slice:
    """``size`` elements from ``start`` (static or traced) every ``stride``: what
    :func:`ds` builds to index a :class:`Ref` at a traced offset."""
    start: Any
    size: Any
    stride: int = 1

    def __post_init__(self):
        if self.stride < 0:
            raise ValueError("`stride` must be >= 0.")


def ds(start: int | Any | None, size: int | Any | None = None,
       stride: int | None = None) -> slice | Slice:
    """A slice given by its start and size: ``ds(i, n)`` is ``i:i+n`` and ``i`` may be
    traced; ``ds(n)`` is ``:n`` and ``ds(None)`` is ``:``.

    >>> zenax.ds(4, 2)
    Slice(start=4, size=2, stride=1)
    """
    if start is None:
        return slice(None)
    if stride is None:
        stride = 1
    if not isinstance(stride, int):
        raise ValueError("Non-static stride in `dslice`")
    if size is None:
        start, size = 0, start
    return Slice(start, size, stride)


def _static_int(x) -> int | None:
    if isinstance(x, Tracer):
        return None
    try:
        return int(x)
    except TypeError:
        return None


def _as_tuple(idx) -> tuple:
    return idx if isinstance(idx, tuple) else (idx,)


def _split_dynamic(idx) -> tuple[tuple, dict]:
    """``idx`` with static ``Slice`` entries as Python slices, and the traced ones by axis
    (``{axis: Slice}``, each replaced by a strided full slice)."""
    entries, dynamic = [], {}
    for axis, e in enumerate(_as_tuple(idx)):
        if isinstance(e, Slice):
            start = _static_int(e.start)
            if start is not None:
                e = slice(start, start + int(e.size) * e.stride, e.stride)
            else:
                dynamic[axis] = e
                e = slice(None, None, e.stride)
        entries.append(e)
    if dynamic and any(e is None or e is Ellipsis or not isinstance(e, (slice, int, np.integer))
                       for e in entries):
        raise NotImplementedError(
            f"Ref indexing at {user_frame_str()}: a ds(...) with a traced start can be mixed "
            "only with slices and integers (no None, Ellipsis or index arrays).")
    return tuple(entries), dynamic


def _span(s: Slice) -> int:
    return (int(s.size) - 1) * s.stride + 1 if int(s.size) else 0


def _take(x, idx):
    entries, dynamic = _split_dynamic(idx)
    for axis, s in dynamic.items():
        x = dynamic_slicing.dynamic_slice_in_dim(x, s.start, _span(s), axis)
    return rewriting_take(x, entries)


def _update(x, idx, y):
    """``x`` with ``x[idx]`` replaced by ``y`` (whose shape and dtype were checked)."""
    entries, dynamic = _split_dynamic(idx)
    if not dynamic:
        return scatter_update(x, entries, y, slicing.scatter, indices_are_sorted=True,
                              unique_indices=True, mode=None, normalize_indices=True)
    region = x
    for axis, s in dynamic.items():
        region = dynamic_slicing.dynamic_slice_in_dim(region, s.start, _span(s), axis)
    region = scatter_update(region, entries, y, slicing.scatter, indices_are_sorted=True,
                            unique_indices=True, mode=None, normalize_indices=True)
    starts = [dynamic[a].start if a in dynamic else 0 for a in range(get_aval(x).ndim)]
    return dynamic_slicing.dynamic_update_slice(x, region, starts)


# --------------------------------------------------------------------------- types

class AbstractRef:
    """The type of a :class:`Ref`: the aval of the array it holds, printed
    ``Ref{float32[3]}``."""

    __slots__ = ("inner_aval",)

    def __init__(self, inner_aval: ShapedArray):
        self.inner_aval = inner_aval

    shape = property(lambda self: self.inner_aval.shape)
    dtype = property(lambda self: self.inner_aval.dtype)
    ndim = property(lambda self: self.inner_aval.ndim)
    size = property(lambda self: self.inner_aval.size)
    weak_type = property(lambda self: self.inner_aval.weak_type)

    def __eq__(self, other):
        return type(other) is AbstractRef and self.inner_aval == other.inner_aval

    def __hash__(self):
        return hash(("Ref", self.inner_aval))

    def str_short(self) -> str:
        return f"Ref{{{self.inner_aval.str_short()}}}"

    def __repr__(self):
        return f"Ref{{{self.inner_aval._str_long()}}}"


class Ref:
    """A mutable box holding one array; build one with :func:`new_ref`.

    >>> r = zenax.new_ref(jnp.zeros(3))
    >>> r[1] = 5.0
    >>> r
    Ref([0., 5., 0.], dtype=float32)
    """

    __slots__ = ("_aval", "_value", "_trace", "__weakref__")

    def __init__(self, aval: AbstractRef, value):
        self._aval = aval
        self._value = value
        # The trace that was current at creation: a write from a deeper one is a write
        # into an outer ref (see _check_access).
        self._trace = current_trace()

    aval = property(lambda self: self._aval)
    shape = property(lambda self: self._aval.shape)
    dtype = property(lambda self: self._aval.dtype)
    ndim = property(lambda self: self._aval.ndim)
    size = property(lambda self: self._aval.size)

    def __getitem__(self, idx):
        return get(self, idx)

    def __setitem__(self, idx, value) -> None:
        set(self, idx, value)

    def __len__(self) -> int:
        if not self.ndim:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def addupdate(self, x, idx=()) -> None:
        addupdate(self, idx, x)

    @property
    def at(self):
        raise NotImplementedError("Ref.at is not implemented (as in JAX); index the ref "
                                  "instead: r[idx] = v, r[idx] += v.")

    def __repr__(self):
        if isinstance(self._value, Tracer):
            return f"Ref({self._value!r})"
        text = repr(self._value)
        return "Ref" + text[5:] if text.startswith("Array") else f"Ref({text})"


# --------------------------------------------------------------------------- effects

def _traces_between(ref: Ref) -> list:
    """The traces entered since ``ref`` was made, innermost first (empty: same trace)."""
    out, trace = [], current_trace()
    while trace is not None and trace is not ref._trace:
        out.append(trace)
        trace = trace.parent
    return out


def _is_jit_staging(trace) -> bool:
    return type(trace) is DynamicJaxprTrace and trace.transform_name == "jit"


def _check_access(ref: Ref, fn: str, value=None) -> None:
    """Raise where a trace-time discharge would be wrong: the value would leak out of a
    transform, or a jitted function would bake in a value that changes between calls."""
    between = _traces_between(ref)
    if not between:
        return
    if isinstance(value, Tracer) and value._trace in between:
        kind = type(value._trace).__name__
        if "Batch" in kind:
            raise Exception(f"performing a {fn} operation with vmapped value on an "
                            f"unbatched array reference of type {ref.aval}. Move the array "
                            "reference to be an argument to the vmapped function?")
        if "JVP" in kind or "PartialEval" in kind:
            raise Exception(f"performing a {fn} operation with a differentiated value on a "
                            f"non-differentiated array reference of type {ref.aval}. Move "
                            "the array reference to be an argument of the differentiated "
                            "function?")
    if any(_is_jit_staging(t) for t in between):
        raise NotImplementedError(
            f"{fn} at {user_frame_str()}: the Ref of type {ref.aval} is closed over by a "
            "jitted function; zenax threads refs through jit only when they are passed as "
            "arguments. Pass the ref as an argument of the jitted function.")
    if value is not None and any(type(t) is DynamicJaxprTrace for t in between):
        raise NotImplementedError(
            f"{fn} at {user_frame_str()}: writing the Ref of type {ref.aval}, created "
            "outside a lax control-flow body (scan, fori_loop, while_loop, cond), from "
            "inside it is not supported in zenax; carry the value through the loop instead.")


def _check_ref(fn: str, ref) -> Ref:
    if not isinstance(ref, Ref):
        raise TypeError(f"{fn}: expected a Ref (made by zenax.new_ref), got "
                        f"{type(ref).__name__}.")
    return ref


def _check_value(fn: str, ref: Ref, idx, value):
    value = jnp.asarray(value)
    expected = get_aval(_take(ref._value, idx)) if not _is_whole(idx) else ref.aval.inner_aval
    aval = get_aval(value)
    if aval.dtype != ref.dtype:
        raise ValueError(f"Invalid dtype for `{fn}`. Ref dtype: {ref.dtype}. Value dtype: "
                         f"{aval.dtype}. (at {user_frame_str()})")
    if aval.shape != expected.shape:
        raise ValueError(f"Invalid shape for `{fn}`. Ref shape: {ref.shape}. Expected shape: "
                         f"{expected.shape}. Value shape: {aval.shape}. (at {user_frame_str()})")
    return value


def _is_whole(idx) -> bool:
    return idx is Ellipsis or idx == () or (isinstance(idx, tuple) and idx == (Ellipsis,))


def _write(ref: Ref, idx, value) -> None:
    if _is_whole(idx):
        weak = ref.aval.weak_type
        ref._value = jnp.asarray(value) if get_aval(value).weak_type == weak else \
            _with_weak_type(value, weak)
    else:
        ref._value = _update(ref._value, idx, value)


def _with_weak_type(x, weak: bool):
    return _convert_element_type(x, get_aval(x).dtype, weak)


def get(ref: Ref, idx=()):
    """``ref[idx]``: the indexed part of the array ``ref`` holds.

    >>> zenax.ref.get(zenax.new_ref(jnp.arange(4)), (2,))
    Array(2, dtype=int32)
    """
    ref = _check_ref("get", ref)
    _check_access(ref, "get")
    return ref._value if _is_whole(idx) else _take(ref._value, idx)


def swap(ref: Ref, idx, value):
    """Write ``value`` at ``ref[idx]`` and return what was there.

    >>> r = zenax.new_ref(jnp.arange(3))
    >>> zenax.ref.swap(r, (0,), jnp.int32(7))
    Array(0, dtype=int32)
    """
    ref = _check_ref("swap", ref)
    value = _check_value("swap", ref, idx, value)
    _check_access(ref, "set/swap", value)
    old = get(ref, idx)
    _write(ref, idx, value)
    return old


def set(ref: Ref, idx, value) -> None:
    """``ref[idx] = value``: ``value`` must have the indexed shape and the ref's dtype.

    >>> r = zenax.new_ref(jnp.zeros(2))
    >>> zenax.ref.set(r, (1,), 3.0)
    >>> r
    Ref([0., 3.], dtype=float32)
    """
    ref = _check_ref("set", ref)
    value = _check_value("swap", ref, idx, value)
    _check_access(ref, "set/swap", value)
    _write(ref, idx, value)


def addupdate(ref: Ref, idx, value) -> None:
    """``ref[idx] += value``, as one update.

    >>> r = zenax.new_ref(jnp.zeros(2))
    >>> zenax.ref.addupdate(r, (0,), 2.0)
    >>> r
    Ref([2., 0.], dtype=float32)
    """
    ref = _check_ref("addupdate", ref)
    value = _check_value("addupdate", ref, idx, value)
    _check_access(ref, "addupdate", value)
    _write(ref, idx, jnp.add(get(ref, idx), value).astype(ref.dtype))


# --------------------------------------------------------------------------- making refs

def _is_arraylike(x) -> bool:
    try:
        get_aval(x)
    except TypeError:
        return False
    return True


def typeof(x: Any) -> ShapedArray | AbstractRef:
    """The type of a value (``zenax.typeof``): its aval, ``Ref{float32[3]}`` for a ref.

    >>> zenax.typeof(zenax.new_ref(jnp.zeros(3)))
    Ref{float32[3]}
    """
    return x.aval if type(x) is Ref else get_aval(x)


def new_ref(init_val: Any, *, memory_space: Any = None, kind: str | None = None) -> Ref:
    """A new :class:`Ref` holding ``init_val`` (``memory_space`` and ``kind`` are
    accepted for JAX compatibility).

    >>> zenax.new_ref(jnp.arange(3))
    Ref([0, 1, 2], dtype=int32)
    """
    if isinstance(init_val, Ref) or not _is_arraylike(init_val):
        raise TypeError("Error interpreting argument to new_ref as a JAX value. The "
                        f"problematic value is of type {type(init_val)} and was passed to "
                        "new_ref at position 0.")
    value = jnp.asarray(init_val)
    return Ref(AbstractRef(get_aval(value)), value)


def empty_ref(ty, memory_space=None) -> Ref:
    """A new :class:`Ref` of type ``ty`` (a ShapeDtypeStruct or aval) whose contents are
    unspecified until written (zenax fills it with zeros)."""
    aval = ShapedArray(ty.shape, ty.dtype, getattr(ty, "weak_type", False))
    return Ref(AbstractRef(aval), jnp.zeros(aval.shape, aval.dtype))


def freeze(ref: Ref):
    """The array ``ref`` holds, as an immutable value.

    >>> r = zenax.new_ref(jnp.arange(3))
    >>> r[2] = 100
    >>> zenax.freeze(r)
    Array([  0,   1, 100], dtype=int32)
    """
    if not isinstance(ref, Ref):
        return jnp.asarray(ref)     # as JAX: an array freezes to itself
    return get(ref, ())


def free_ref(ref: Ref) -> tuple:
    """Declare ``ref`` no longer used (a no-op in zenax, as for JAX's eager refs).

    >>> zenax.free_ref(zenax.new_ref(jnp.zeros(2)))
    ()
    """
    return ()
