"""jnp.ufunc: ufunc objects with reduce/accumulate/at/outer/reduceat.

A :class:`ufunc` wraps an elementwise function of ``nin`` arrays and adds NumPy's
methods.  Each method has a generic form written with zenax's loops (``reduce`` is a
``fori_loop`` applying the function along an axis, ``accumulate`` a ``scan``, ``at`` a
``scan`` of indexed updates, ``outer`` a broadcast call) and takes a specialized form
where one is given: ``jnp.add.reduce`` is ``jnp.sum``, ``jnp.logaddexp.reduce`` a
logsumexp, ``jnp.bitwise_or.reduce`` one ``reduce_or``.

The built-in ufuncs are the jnp functions JAX makes ufunc objects (``add``, ``multiply``,
``maximum``, ``logical_and``, ``bitwise_xor``, ``negative``, ...; this module's
``__all__`` rebinds them in ``zenax.numpy``).  Their calls, and their specialized
``reduce``/``accumulate``, keep the compiled-when-eager path of lax/eager.py: called on
concrete arrays they run as one compiled executable, as jax.numpy's jitted ones do.
"""
from __future__ import annotations

import inspect
import math
import operator
from typing import Any, Callable

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.source_info import user_frame_str
from zenax.tracer.staging import trace_to_jaxpr
from zenax.lax.eager import compile_marked, compiled_when_eager

from . import cumulative, logic, reductions, ufuncs
from .array_methods import Array
from .at import at as _at
from .creation import full
from .indexing import index_tuple
from .indexing_routines import take
from .promotion import (ArrayLike, DTypeLike, asarray, aval_of, broadcast_shapes,
                        broadcast_to, canonical_dtype, check_arraylike, convert_to, dtype_of,
                        ensure_array, ndim_of, promote_dtypes_inexact, scalar_constant,
                        shape_of)
from .reductions import canonical_axes, canonical_axis
from .shapes import concatenate, expand_dims, moveaxis, ravel, reshape, squeeze
from .vectorization import vectorize

__all__ = ["ufunc", "frompyfunc", "add", "subtract", "multiply", "maximum", "minimum",
           "logaddexp", "logaddexp2", "logical_and", "logical_or", "logical_xor",
           "bitwise_and", "bitwise_or", "bitwise_xor", "negative"]

_AT_INPLACE = ("jnp.ufunc.at cannot update an array in place as numpy.ufunc.at does: zenax "
               "arrays are immutable.  Pass inplace=False and use the result: "
               "`x = jnp.add.at(x, indices, values, inplace=False)`.")


class _CallSignature:
    """``inspect.signature(jnp.add)`` is that of :meth:`ufunc.__call__` (as for JAX's
    ufuncs), not that of the function a built-in's ``__wrapped__`` names; the class
    itself keeps its constructor's signature."""

    def __get__(self, instance, owner):
        return None if instance is None else _CALL_SIGNATURE


class ufunc:
    """A universal function: elementwise over broadcast arrays, with NumPy's methods.

    ``nin``/``nout`` count inputs and outputs; ``identity`` is the value a reduction over
    nothing gives.  ``call``, ``reduce``, ``accumulate``, ``at`` and ``reduceat`` may give
    specialized implementations of those methods (the generic ones loop over ``func``).
    Build one with :func:`frompyfunc`.

    >>> jnp.add
    <jnp.ufunc 'add'>
    >>> jnp.add.nin, jnp.add.identity
    (2, 0)
    >>> jnp.add.outer(jnp.arange(3), jnp.arange(2))
    Array([[0, 1],
           [1, 2],
           [2, 3]], dtype=int32)
    """

    __signature__ = _CallSignature()

    def __init__(self, func: Callable[..., Any], /, nin: int, nout: int, *,
                 name: str | None = None, nargs: int | None = None, identity: Any = None,
                 call: Callable[..., Any] | None = None,
                 reduce: Callable[..., Any] | None = None,
                 accumulate: Callable[..., Any] | None = None,
                 at: Callable[..., Any] | None = None,
                 reduceat: Callable[..., Any] | None = None):
        self.__doc__ = func.__doc__
        self.__name__ = name or func.__name__
        # Read-only after construction: a ufunc is hashed as a static argument.
        self._key = (func, self.__name__, identity, operator.index(nin),
                     operator.index(nout), operator.index(nargs or nin))
        self._call = call or self._call_vectorized
        self._impls = {"reduce": reduce, "accumulate": accumulate, "at": at,
                       "reduceat": reduceat}
        self._vectorized = None

    _func = property(lambda self: self._key[0])
    identity = property(lambda self: self._key[2])
    nin = property(lambda self: self._key[3])
    nout = property(lambda self: self._key[4])
    nargs = property(lambda self: self._key[5])

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ufunc) and self._key == other._key

    def __repr__(self) -> str:
        return f"<jnp.ufunc '{self.__name__}'>"

    @property
    def compiled_calls(self) -> int:
        """How many calls of a built-in ufunc ran compiled (see lax/eager.py)."""
        return getattr(self._call, "compiled_calls", 0)

    def __call__(self, *args: ArrayLike, out: None = None, where: None = None) -> Any:
        if out is not None:
            raise NotImplementedError(f"out argument of {self}: zenax arrays are immutable; "
                                      "use the return value.")
        if where is not None:
            raise NotImplementedError(f"where argument of {self}; use jnp.where on the "
                                      "result.")
        return self._call(*args)

    def _call_vectorized(self, *args):
        check_arraylike(self.__name__, *args)
        if self._vectorized is None:
            self._vectorized = vectorize(self._func)
        return self._vectorized(*args)

    def _check_binary(self, method: str) -> None:
        if self.nin != 2:
            raise ValueError(f"{self.__name__}.{method}: {method} only supported for binary "
                             f"ufuncs, and {self.__name__} takes {self.nin} input(s).")
        if self.nout != 1:
            raise ValueError(f"{self.__name__}.{method}: {method} only supported for "
                             f"functions returning a single value, and {self.__name__} "
                             f"returns {self.nout}.")

    def _result_dtype(self, *xs) -> np.dtype:
        """The dtype ``func`` returns for scalars of the dtypes of ``xs``."""
        avals = [ShapedArray((), dtype_of(x), aval_of(x).weak_type) for x in xs]
        closed, _ = trace_to_jaxpr(lambda *scalars: [self._func(*scalars)], avals)
        return closed.out_avals[0].dtype

    # ------------------------------------------------------------------------- reduce

    def reduce(self, a: ArrayLike, axis: int | None = 0, dtype: DTypeLike | None = None,
               out: None = None, keepdims: bool = False, initial: ArrayLike | None = None,
               where: ArrayLike | None = None):
        """Reduce ``a`` along ``axis`` by applying the function pairwise.

        >>> jnp.add.reduce(jnp.arange(6).reshape(2, 3))
        Array([3, 5, 7], dtype=int32)
        """
        name = f"{self.__name__}.reduce"
        check_arraylike(name, a)
        self._check_binary("reduce")
        if out is not None:
            raise NotImplementedError(f"out argument of {name}()")
        if isinstance(axis, (Array, np.ndarray)):
            raise ValueError(f"{name}: axis must be static -- an int, a tuple of ints or "
                             f"None -- not an array (at {user_frame_str()}).")
        if initial is not None:
            check_arraylike(name, initial)
        # Only the keywords given: fewer static arguments to hash on the compiled path.
        kwargs = {"axis": axis}
        for key, value in (("dtype", dtype), ("keepdims", keepdims), ("initial", initial)):
            if value is not None and value is not False:
                kwargs[key] = value
        if where is not None:
            check_arraylike(name, where)
            if self.identity is None and initial is None:
                raise ValueError(f"reduction operation {self.__name__!r} does not have an "
                                 "identity, so to use a where mask one has to specify "
                                 f"'initial' (at {user_frame_str()}).")
            if dtype_of(where) != np.bool_:
                raise ValueError(f"{name}: where argument must have dtype=bool; got "
                                 f"dtype={dtype_of(where)}")
            kwargs["where"] = where   # only when given: the compiled forms take no array
        reduce = self._impls["reduce"] or self._reduce_via_loop
        return reduce(a, **kwargs)

    def _reduce_via_loop(self, a, axis=0, dtype=None, keepdims=False, initial=None,
                         where=None):
        name = f"{self.__name__}.reduce"
        a = asarray(a)
        if initial is None:
            initial = self.identity
        dtype = self._result_dtype(a, a) if dtype is None else canonical_dtype(dtype)
        if where is not None:
            where = broadcast_to(where, shape_of(a))
        if isinstance(axis, tuple):
            canonical_axes(name, axis, ndim_of(a))
            raise NotImplementedError(f"{name}: a tuple of axes is not supported for "
                                      f"{self.__name__}; reduce one axis at a time.")
        if axis is None:
            final_shape = (1,) * ndim_of(a) if keepdims else ()
            a = ravel(a)
            where = None if where is None else ravel(where)
            axis = 0
        else:
            axis = canonical_axis(name, axis, ndim_of(a))
            shape = shape_of(a)
            final_shape = shape[:axis] + ((1,) if keepdims else ()) + shape[axis + 1:]
        a = moveaxis(a, axis, 0)
        where = None if where is None else moveaxis(where, axis, 0)
        length = shape_of(a)[0]
        if length == 0:
            if initial is None:
                raise ValueError(f"zero-size array to reduction operation {self.__name__} "
                                 f"which has no identity (at {user_frame_str()}).")
            return full(final_shape, initial, dtype)

        def body(i, acc):
            combined = self(acc, convert_to(a[i], dtype))
            return combined if where is None else logic.where(where[i], combined, acc)

        start, first = (a[0], 1) if initial is None else (initial, 0)
        start = broadcast_to(convert_to(asarray(start), dtype), shape_of(a)[1:])
        result = lax.fori_loop(first, length, body, start)
        return reshape(result, final_shape) if keepdims else result

    # ------------------------------------------------------------------------- accumulate

    def accumulate(self, a: ArrayLike, axis: int = 0, dtype: DTypeLike | None = None,
                   out: None = None):
        """The running reduction of ``a`` along ``axis``.

        >>> jnp.multiply.accumulate(jnp.arange(1, 6))
        Array([  1,   2,   6,  24, 120], dtype=int32)
        """
        self._check_binary("accumulate")
        if out is not None:
            raise NotImplementedError(f"out argument of {self.__name__}.accumulate()")
        accumulate = self._impls["accumulate"] or self._accumulate_via_scan
        return accumulate(a, axis=axis, dtype=dtype)

    def _accumulate_via_scan(self, a, axis=0, dtype=None):
        name = f"{self.__name__}.accumulate"
        check_arraylike(name, a)
        a = asarray(a)
        dtype = self._result_dtype(a, a) if dtype is None else canonical_dtype(dtype)
        if axis is None or isinstance(axis, tuple):
            raise ValueError(f"{name}: accumulate does not allow multiple axes; got "
                             f"axis={axis!r}")
        axis = canonical_axis(name, axis, ndim_of(a))
        if math.prod(shape_of(a)) == 0:
            return full(shape_of(a), 0, dtype)
        a = moveaxis(convert_to(a, dtype), axis, 0)

        def step(acc, x):
            acc = self(acc, x)
            return acc, acc

        _, rest = lax.scan(step, a[0], a[1:])
        return moveaxis(concatenate([a[:1], rest]), 0, axis)

    # ------------------------------------------------------------------------- at

    def at(self, a: ArrayLike, indices: Any, b: ArrayLike | None = None, /, *,
           inplace: bool = True):
        """``a`` with the function applied at ``indices`` (with ``b`` for binary
        ufuncs; repeated indices apply it repeatedly).  Needs ``inplace=False``.

        >>> jnp.add.at(jnp.zeros(3), jnp.array([0, 0, 2]), 1.0, inplace=False)
        Array([2., 0., 1.], dtype=float32)
        """
        if inplace:
            raise NotImplementedError(_AT_INPLACE)
        at = self._impls["at"] or self._at_via_scan
        return at(a, indices) if b is None else at(a, indices, b)

    def _at_via_scan(self, a, indices, *args):
        check_arraylike(f"{self.__name__}.at", a, *args)
        dtype = self._result_dtype(a, *args)
        a = convert_to(asarray(a), dtype)
        args = [convert_to(asarray(x), dtype) for x in args]
        indices = index_tuple(indices)
        if not indices:
            return a
        index_shapes = [shape_of(i) for i in indices if not isinstance(i, slice)]
        shape = broadcast_shapes(*index_shapes) if index_shapes else ()
        if not shape:   # one place (or a slice of them): a single update
            return _at(a)[indices].set(self(_at(a)[indices].get(), *args))
        count = math.prod(shape)
        if args:
            tail = shape_of(args[0])[len(shape):]
            args = [reshape(broadcast_to(args[0], shape + tail), (count,) + tail)]
        indices = [i if isinstance(i, slice) else ravel(broadcast_to(i, shape))
                   for i in indices]

        def step(a, i):
            index = tuple(j if isinstance(j, slice) else j[i] for j in indices)
            place = _at(a)[index]
            return place.set(self(place.get(), *(x[i] for x in args))), None

        # One update at a time: repeated indices see each other's results.
        out, _ = lax.scan(step, a, lax.iota(np.int32, count))
        return out

    # ------------------------------------------------------------------------- reduceat

    def reduceat(self, a: ArrayLike, indices: Any, axis: int = 0,
                 dtype: DTypeLike | None = None, out: None = None):
        """Reductions of ``a`` over the slices ``indices[i]:indices[i + 1]`` along
        ``axis`` (just ``a[indices[i]]`` where the next index is not larger).

        >>> jnp.add.reduceat(jnp.arange(8), jnp.array([0, 4, 1, 5]))
        Array([ 6,  4, 10, 18], dtype=int32)
        """
        self._check_binary("reduceat")
        if out is not None:
            raise NotImplementedError(f"out argument of {self.__name__}.reduceat()")
        reduceat = self._impls["reduceat"] or self._reduceat_via_loop
        return reduceat(a, indices, axis=axis, dtype=dtype)

    def _reduceat_via_loop(self, a, indices, axis=0, dtype=None):
        name = f"{self.__name__}.reduceat"
        check_arraylike(name, a, indices)
        a, indices = asarray(a), asarray(indices)
        if ndim_of(a) == 0:
            raise ValueError(f"{name}: a must have 1 or more dimension, got shape "
                             f"{shape_of(a)}")
        if ndim_of(indices) != 1:
            raise ValueError(f"{name}: indices must be one-dimensional, got shape "
                             f"{shape_of(indices)}")
        if axis is None or isinstance(axis, (tuple, list)):
            raise ValueError(f"{name}: reduceat requires a single integer axis; got "
                             f"axis={axis!r}")
        if dtype is not None:
            a = convert_to(a, canonical_dtype(dtype))
        axis = canonical_axis(name, axis, ndim_of(a))
        length = shape_of(a)[axis]
        out = take(a, indices, axis=axis)
        # Segment i covers positions start[i] < j < end[i] past its first element.
        other_axes = tuple(d for d in range(ndim_of(out)) if d != axis)
        bounds = concatenate([indices, asarray([length], dtype_of(indices))])
        starts = expand_dims(bounds[:-1], other_axes)
        ends = expand_dims(bounds[1:], other_axes)

        def body(j, out):
            inside = logic.logical_and(logic.greater(j, starts), logic.less(j, ends))
            return logic.where(inside, self(out, take(a, expand_dims(j, 0), axis=axis)), out)

        return lax.fori_loop(0, length, body, out)

    # ------------------------------------------------------------------------- outer

    def outer(self, A: ArrayLike, B: ArrayLike, /):
        """The function of every pair ``(A[i...], B[j...])``: shape ``A.shape + B.shape``.

        >>> jnp.multiply.outer(jnp.arange(1, 4), jnp.arange(1, 3))
        Array([[1, 2],
               [2, 4],
               [3, 6]], dtype=int32)
        """
        self._check_binary("outer")
        check_arraylike(f"{self.__name__}.outer", A, B)
        # Broadcasting A's axes against B's is the outer product of an elementwise function.
        A = reshape(A, shape_of(A) + (1,) * ndim_of(B))
        return self(A, B)


_CALL_SIGNATURE = inspect.signature(ufunc.__call__)
_CALL_SIGNATURE = _CALL_SIGNATURE.replace(
    parameters=list(_CALL_SIGNATURE.parameters.values())[1:])


def frompyfunc(func: Callable[..., Any], /, nin: int, nout: int, *,
               identity: Any = None) -> ufunc:
    """A :class:`ufunc` from a scalar function of ``nin`` inputs and ``nout`` outputs
    (it is vectorized with ``vmap``; its methods loop over it).

    >>> import operator
    >>> add = jnp.frompyfunc(operator.add, nin=2, nout=1, identity=0)
    >>> add.accumulate(jnp.arange(4))
    Array([0, 1, 3, 6], dtype=int32)
    """
    return ufunc(func, nin, nout, identity=identity)


# --------------------------------------------------------------------------- specializations

_REDUCE_STATIC = ("axis", "dtype", "keepdims", "initial")
_ACCUMULATE_STATIC = ("axis", "dtype")


def _compiled(fn: Callable) -> Callable:
    """The compiled-when-eager form of a marked function, as a jnp namespace binds it."""
    namespace = {"fn": fn}
    compile_marked(namespace)
    return namespace["fn"]


@compiled_when_eager(n_arrays=1, static_argnames=_ACCUMULATE_STATIC)
def _add_accumulate(a, axis=0, dtype=None):
    return cumulative.cumsum(a, axis, dtype)


@compiled_when_eager(n_arrays=1, static_argnames=_ACCUMULATE_STATIC)
def _multiply_accumulate(a, axis=0, dtype=None):
    return cumulative.cumprod(a, axis, dtype)


def _extremum_reduce(reducer: Callable) -> Callable:
    """``jnp.max``/``jnp.min`` as a ufunc reduce (which also takes ``dtype``)."""
    @compiled_when_eager(n_arrays=1, static_argnames=_REDUCE_STATIC)
    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        if dtype is not None:
            check_arraylike(reducer.__name__, a)
            a = convert_to(a, canonical_dtype(dtype))
        return reducer(a, axis, keepdims=keepdims, initial=initial, where=where)
    return reduce


def _to_bool(name: str, x):
    if _dtypes.is_complex(dtype_of(x)):
        x = lax.real(x)
    return convert_to(x, np.dtype(bool))


def _require_integer(name: str, x):
    if not (_dtypes.is_integer(dtype_of(x)) or _dtypes.is_bool(dtype_of(x))):
        raise ValueError(f"{name}: integer argument required; got dtype={dtype_of(x)} "
                         f"(at {user_frame_str()}).")
    return x


def _lax_reduce(name: str, reducer: Callable, combine: Callable, identity,
                operand: Callable) -> Callable:
    """A ufunc reduce made of one lax reduction (``reduce_and``/``_or``/``_xor``):
    ``operand`` prepares the input (a bool cast, an integer check), masked-out elements
    become ``identity``, and ``initial`` is combined with the result."""
    @compiled_when_eager(n_arrays=1, static_argnames=_REDUCE_STATIC)
    def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
        check_arraylike(name, a)
        a = operand(name, ensure_array(a))
        axes = canonical_axes(name, axis, ndim_of(a))
        result_dtype = dtype_of(a) if dtype is None else canonical_dtype(dtype)
        a = convert_to(a, result_dtype)
        if where is not None:
            fill = scalar_constant(np.array(identity).astype(result_dtype).item(),
                                   result_dtype, False)
            a = logic.where(broadcast_to(where, shape_of(a)), a, fill)
        result = reducer(a, axes)
        if initial is not None:
            if ndim_of(initial) != 0:
                raise ValueError(f"{name}: initial value must be a scalar, got shape "
                                 f"{shape_of(initial)}.")
            result = combine(convert_to(initial, result_dtype), result)
        return ensure_array(lax.expand_dims(result, axes) if keepdims else result)
    return reduce


@compiled_when_eager(n_arrays=1, static_argnames=_REDUCE_STATIC)
def _logaddexp_reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
    """``log(sum(exp(a)))`` over ``axis``, shifted by the maximum so nothing overflows."""
    check_arraylike("logaddexp.reduce", a)
    a, = promote_dtypes_inexact(a)
    axes = canonical_axes("logaddexp.reduce", axis, ndim_of(a))
    peak = reductions.max(ufuncs.real(a), axes, keepdims=True, where=where,
                          initial=-np.inf)
    # The shift only keeps exp in range: it must not move the gradient (and an infinite
    # peak, from all -inf or a +inf, is replaced so that exp(a - peak) is not NaN).
    peak = lax.stop_gradient(logic.where(logic.isfinite(peak), peak, 0))
    shifted = ufuncs.exp(ufuncs.subtract(a, convert_to(peak, dtype_of(a))))
    total = reductions.sum(shifted, axes, keepdims=keepdims, where=where)
    peak = peak if keepdims else squeeze(peak, axes)
    result = ufuncs.add(ufuncs.log(total), convert_to(peak, dtype_of(total)))
    if initial is not None:
        result = ufuncs.logaddexp(initial, result)
    return result if dtype is None else convert_to(result, canonical_dtype(dtype))


@compiled_when_eager(n_arrays=1, static_argnames=_REDUCE_STATIC)
def _logaddexp2_reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
    """``log2(sum(2 ** a))``: :func:`_logaddexp_reduce` in units of ``ln 2``."""
    check_arraylike("logaddexp2.reduce", a)
    ln2 = float(np.log(2))
    if initial is not None:
        initial = ufuncs.multiply(initial, ln2)
    result = _logaddexp_reduce(ufuncs.multiply(a, ln2), axis, dtype, keepdims, initial, where)
    return ufuncs.divide(result, ln2)


def _add_at(a, indices, b):
    a = asarray(a)
    if _dtypes.is_bool(dtype_of(a)):   # scatter-add counts; any count makes it True
        counts = _at(convert_to(a, np.int32))[indices].add(convert_to(_to_bool("", b),
                                                                     np.int32))
        return convert_to(counts, np.dtype(bool))
    return _at(a)[indices].add(b)


def _multiply_at(a, indices, b):
    a = asarray(a)
    if _dtypes.is_bool(dtype_of(a)):
        products = _at(convert_to(a, np.int32))[indices].multiply(
            convert_to(_to_bool("", b), np.int32))
        return convert_to(products, np.dtype(bool))
    return _at(a)[indices].multiply(b)


def _subtract_at(a, indices, b):
    return _at(asarray(a))[indices].add(ufuncs.negative(b))


def _builtin(func: Callable, nin: int, identity: Any = None, **methods) -> ufunc:
    """A jnp function as a ufunc whose call (and specialized methods) run compiled when
    called eagerly on concrete arrays."""
    call = _compiled(func)
    u = ufunc(func, nin, 1, identity=identity, call=call,
              **{name: _compiled(m) if name in ("reduce", "accumulate") else m
                 for name, m in methods.items()})
    # As the namespace's other compiled-when-eager functions (tests and tools read these).
    u.eager_compiled = call.eager_compiled
    u.__wrapped__ = func
    return u


add = _builtin(ufuncs.add, 2, 0, reduce=reductions.sum, accumulate=_add_accumulate,
               at=_add_at)
multiply = _builtin(ufuncs.multiply, 2, 1, reduce=reductions.prod,
                    accumulate=_multiply_accumulate, at=_multiply_at)
subtract = _builtin(ufuncs.subtract, 2, at=_subtract_at)
maximum = _builtin(ufuncs.maximum, 2, reduce=_extremum_reduce(reductions.max))
minimum = _builtin(ufuncs.minimum, 2, reduce=_extremum_reduce(reductions.min))
logaddexp = _builtin(ufuncs.logaddexp, 2, -np.inf, reduce=_logaddexp_reduce)
logaddexp2 = _builtin(ufuncs.logaddexp2, 2, -np.inf, reduce=_logaddexp2_reduce)
logical_and = _builtin(logic.logical_and, 2, True, reduce=_lax_reduce(
    "logical_and.reduce", lax.reduce_and, lax.bitwise_and, True, _to_bool))
logical_or = _builtin(logic.logical_or, 2, False, reduce=_lax_reduce(
    "logical_or.reduce", lax.reduce_or, lax.bitwise_or, False, _to_bool))
logical_xor = _builtin(logic.logical_xor, 2, False, reduce=_lax_reduce(
    "logical_xor.reduce", lax.reduce_xor, lax.bitwise_xor, False, _to_bool))
bitwise_and = _builtin(logic.bitwise_and, 2, -1, reduce=_lax_reduce(
    "bitwise_and.reduce", lax.reduce_and, lax.bitwise_and, -1, _require_integer))
bitwise_or = _builtin(logic.bitwise_or, 2, 0, reduce=_lax_reduce(
    "bitwise_or.reduce", lax.reduce_or, lax.bitwise_or, 0, _require_integer))
bitwise_xor = _builtin(logic.bitwise_xor, 2, 0, reduce=_lax_reduce(
    "bitwise_xor.reduce", lax.reduce_xor, lax.bitwise_xor, 0, _require_integer))
negative = _builtin(ufuncs.negative, 1)
