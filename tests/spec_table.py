"""The per-primitive spec table: one :class:`PrimSpec` per ``zenax.lax`` primitive.

Each entry pairs a ``zenax.lax`` callable with the ``jax.lax`` callable of the same
signature and says how to exercise it: the operand shapes (``Case``), the dtypes it
accepts, the domain random inputs are drawn from, the static params, tolerances per dtype,
and which transforms apply (``differentiable``, ``linear``, ``linear_in``).  Test files
(eager and jaxpr checks here; jvp, vjp and vmap later) iterate over
:func:`instances`, which yields ``(spec, case, dtype, id)`` with a readable pytest id
(``add-f32-s_2x3``: scalar plus array), and call :meth:`PrimSpec.args` /
:meth:`PrimSpec.params` for the inputs and :meth:`PrimSpec.tolerance` to compare.

    >>> spec = SPECS_BY_NAME["add"]
    >>> spec, case, dtype = next(instances([spec]))[:3]
    >>> [a.shape for a in spec.args(np.random.RandomState(0), case, dtype)]
    [(2, 3), (2, 3)]
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

import zenax.lax as zlax

jlax = jax.lax

f32 = np.dtype(np.float32)
f16 = np.dtype(np.float16)
bf16 = np.dtype(jnp.bfloat16)
i32 = np.dtype(np.int32)
i16 = np.dtype(np.int16)
u8 = np.dtype(np.uint8)
c64 = np.dtype(np.complex64)
boolean = np.dtype(np.bool_)

FLOATS = (f32, bf16, f16)
NUMERIC = (f32, i32, bf16, f16)
ALL = (f32, i32, boolean, bf16, f16)
INTS = (i32, u8)
INT_OR_BOOL = (boolean, i32, u8)

_SHORT = {"float32": "f32", "float16": "f16", "bfloat16": "bf16", "int32": "i32",
          "int16": "i16", "uint8": "u8", "complex64": "c64", "bool": "bool"}


def short(dtype) -> str:
    dtype = np.dtype(dtype)
    return _SHORT.get(dtype.name, dtype.name)


# ## Domains: where random inputs come from

@dataclasses.dataclass(frozen=True)
class Domain:
    """Draws arrays of a dtype from an interval.

    Floats are uniform in ``[lo, hi]``; integers are uniform in ``[lo, hi]`` clipped to the
    dtype's range; bools are fair coins; complex numbers have real and imaginary parts
    drawn independently.  ``nonzero`` keeps ``|x| >= 0.25`` (denominators, ``sign``,
    ``abs`` away from its kink); ``away_from_int`` keeps floats 0.1 away from integers
    and half-integers (``floor``/``ceil``/``round``, so finite differences never cross a
    step); ``integral`` draws integer values even for float dtypes (so ``eq`` and ties
    happen).
    """
    lo: float = -3.0
    hi: float = 3.0
    nonzero: bool = False
    away_from_int: bool = False
    integral: bool = False

    def sample(self, rng: np.random.RandomState, shape: tuple, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        if dtype == boolean:
            return np.asarray(rng.rand(*shape) < 0.5)
        if jnp.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            lo, hi = max(int(math.ceil(self.lo)), info.min), min(int(math.floor(self.hi)), info.max)
            x = rng.randint(lo, hi + 1, size=shape, dtype=np.int64)
            if self.nonzero:
                x = np.where(x == 0, 1 if hi >= 1 else -1, x)
            return x.astype(dtype)
        if jnp.issubdtype(dtype, np.complexfloating):
            real = self._real(rng, shape)
            return (real + 1j * self._real(rng, shape)).astype(dtype)
        return self._real(rng, shape).astype(dtype)

    def _real(self, rng, shape) -> np.ndarray:
        if self.integral:
            return rng.randint(int(self.lo), int(self.hi) + 1, size=shape).astype(np.float64)
        if self.away_from_int:
            whole = rng.randint(int(self.lo), int(self.hi), size=shape)
            frac = rng.uniform(0.1, 0.4, size=shape) + 0.5 * rng.randint(0, 2, size=shape)
            return whole + frac
        x = rng.uniform(self.lo, self.hi, size=shape)
        if self.nonzero:
            x = np.where(np.abs(x) < 0.25, np.copysign(0.25, x) + x, x)
        return x


@dataclasses.dataclass(frozen=True)
class ShiftAmount(Domain):
    """Shift amounts: integers in ``[0, bits)`` of the dtype."""

    def sample(self, rng, shape, dtype):
        bits = np.iinfo(dtype).bits
        return rng.randint(0, bits, size=shape).astype(dtype)


@dataclasses.dataclass(frozen=True)
class FullRange(Domain):
    """Integers over the dtype's whole range (bit patterns for the bitwise ops)."""

    def sample(self, rng, shape, dtype):
        dtype = np.dtype(dtype)
        if dtype == boolean:
            return np.asarray(rng.rand(*shape) < 0.5)
        info = np.iinfo(dtype)
        return rng.randint(info.min, int(info.max) + 1, size=shape, dtype=np.int64).astype(dtype)


REAL = Domain()
POSITIVE = Domain(0.1, 4.0)
NONZERO = Domain(-3.0, 3.0, nonzero=True)
OPEN_UNIT = Domain(-0.9, 0.9)          # asin, acos, atanh, erf_inv
GREATER_THAN_ONE = Domain(1.1, 4.0)    # acosh
GREATER_THAN_MINUS_ONE = Domain(-0.9, 3.0)   # log1p
AWAY_FROM_INT = Domain(-3.0, 3.0, away_from_int=True)
SMALL_INTS = Domain(-2.0, 2.0, integral=True)
NEAR_ONE = Domain(0.5, 2.0)            # products stay finite in f16 (ints: 1 or 2)
SHIFT = ShiftAmount()
BITS = FullRange()


# ## Tolerances

# (rtol, atol) per dtype name.  Eager and jaxpr evaluation call the same XLA kernels as
# jax.lax, so those agree to the bit; the slack is for the transform tests that reuse the
# table (a jvp rule may compute a derivative by a different but equal formula).
DEFAULT_TOL = {
    "float32": (1e-5, 1e-6), "complex64": (1e-5, 1e-6),
    "bfloat16": (2e-2, 1e-2), "float16": (2e-3, 1e-3),
}


# ## Specs

@dataclasses.dataclass(frozen=True)
class Arg:
    """One operand: its shape, and optionally a dtype and domain of its own.

    ``dtype=None`` means "the dtype of the instance" (the dtype the test is run for);
    ``domain=None`` means the spec's domain for this operand position.
    """
    shape: tuple
    dtype: Any = None
    domain: Domain | None = None


@dataclasses.dataclass(frozen=True)
class Case:
    """One way to call the primitive: operands and static params.

    ``params`` is a dict or a function ``dtype -> dict`` (for params that depend on the
    instance dtype, like ``iota``'s ``dtype``).  ``dtypes`` restricts the case to some of
    the spec's dtypes; ``label`` is appended to the test id.
    """
    args: tuple
    params: Any = dataclasses.field(default_factory=dict)
    dtypes: tuple | None = None
    label: str = ""

    def id(self) -> str:
        shapes = "_".join("x".join(map(str, a.shape)) or "s" for a in self.args) or "noargs"
        return f"{shapes}-{self.label}" if self.label else shapes


@dataclasses.dataclass(frozen=True)
class PrimSpec:
    """How to test one primitive (or one public wrapper that binds primitives).

    ``zfun`` and ``jfun`` have the same signature: ``f(*operands, **params)``.
    ``differentiable``: jvp/vjp/finite-difference checks apply for inexact dtypes.
    ``linear``: the function is linear in all its operands jointly (transpose applies).
    ``linear_in``: operand positions in which it is linear with the others held fixed
    (e.g. ``mul`` in each; ``div`` in its numerator); positions past a case's operand
    count are ignored (``select_n`` with fewer cases).
    """
    name: str
    zfun: Callable
    jfun: Callable
    cases: tuple
    dtypes: tuple
    domains: Any = REAL          # one Domain, or a tuple of one per operand position
    tol: dict = dataclasses.field(default_factory=dict)
    differentiable: bool = False
    linear: bool = False
    linear_in: tuple = ()

    def params(self, case: Case, dtype) -> dict:
        return case.params(np.dtype(dtype)) if callable(case.params) else dict(case.params)

    def domain(self, i: int, arg: Arg) -> Domain:
        if arg.domain is not None:
            return arg.domain
        return self.domains[i] if isinstance(self.domains, tuple) else self.domains

    def args(self, rng: np.random.RandomState, case: Case, dtype) -> list:
        """Random NumPy operands for ``case`` at ``dtype``."""
        return [self.domain(i, a).sample(rng, a.shape, dtype if a.dtype is None else a.dtype)
                for i, a in enumerate(case.args)]

    def tolerance(self, dtype) -> tuple[float, float]:
        """``(rtol, atol)`` for results of ``dtype`` (zero for integers and bools)."""
        name = np.dtype(dtype).name
        return self.tol.get(name, DEFAULT_TOL.get(name, (0.0, 0.0)))

    def dtypes_for(self, case: Case) -> tuple:
        return tuple(d for d in self.dtypes if case.dtypes is None or d in case.dtypes)


def instances(specs: Sequence[PrimSpec] | None = None,
              every_case_every_dtype: bool = False) -> Iterator[tuple]:
    """``(spec, case, dtype, id)`` for the cases and dtypes of every spec.

    The first dtype of a spec runs every case; each other dtype runs the first case it
    applies to plus the cases written for it alone (``Case.dtypes``).  Every case of the
    first dtype is a new XLA compilation per (shape, dtype), which dominates run time, so
    this keeps the suite fast while still covering every dtype and every shape.  Pass
    ``every_case_every_dtype=True`` for the full product.
    """
    seen: dict[str, int] = {}
    for spec in SPECS if specs is None else specs:
        for dtype in spec.dtypes:
            first = True
            for case in spec.cases:
                if dtype not in spec.dtypes_for(case):
                    continue
                if (every_case_every_dtype or dtype == spec.dtypes[0] or first
                        or case.dtypes is not None):
                    test_id = f"{spec.name}-{short(dtype)}-{case.id()}"
                    # Two cases with the same shapes (different params) get distinct ids:
                    # the suites cache operands and results by id.
                    seen[test_id] = seen.get(test_id, 0) + 1
                    if seen[test_id] > 1:
                        test_id += f"-{seen[test_id]}"
                    yield spec, case, dtype, test_id
                first = False


def _cases(*shape_tuples, **kw) -> tuple:
    return tuple(Case(tuple(Arg(s) for s in shapes), **kw) for shapes in shape_tuples)


UNARY = _cases(((),), ((5,),), ((2, 3),))
BINARY = _cases(((2, 3), (2, 3)), ((), ()), ((), (2, 3)), ((2, 3), ()))


def _pair(name: str, jname: str | None = None) -> tuple:
    return getattr(zlax, name), getattr(jlax, jname or name)


def unary(name, dtypes=FLOATS, domain=REAL, differentiable=True, cases=UNARY, **kw):
    return PrimSpec(name, *_pair(name), cases, dtypes, domain,
                    differentiable=differentiable, **kw)


def binary(name, dtypes=NUMERIC, domains=REAL, differentiable=True, **kw):
    return PrimSpec(name, *_pair(name), BINARY, dtypes, domains,
                    differentiable=differentiable, **kw)


def _variadic(f):
    """``f(operands, **params)`` as ``f(*operands, **params)`` (concatenate)."""
    def g(*operands, **params):
        return f(operands, **params)
    g.__name__ = getattr(f, "__name__", "variadic")
    return g


# ### Elementwise arithmetic and math

_ELEMENTWISE = [
    binary("add", NUMERIC + (c64,), linear=True, linear_in=(0, 1)),
    binary("sub", NUMERIC + (c64,), linear=True, linear_in=(0, 1)),
    binary("mul", NUMERIC + (c64,), linear_in=(0, 1)),
    binary("div", NUMERIC + (c64,), (REAL, NONZERO), linear_in=(0,)),
    binary("rem", NUMERIC, (REAL, NONZERO)),
    binary("pow", FLOATS, (POSITIVE, Domain(-2.0, 2.0))),
    binary("max", ALL),
    binary("min", ALL),
    binary("atan2", FLOATS, (REAL, NONZERO)),
    binary("nextafter", FLOATS, differentiable=False),
    unary("neg", NUMERIC + (c64,), linear=True, linear_in=(0,)),
    unary("sign", NUMERIC, NONZERO),
    unary("abs", NUMERIC + (c64,), NONZERO),
    unary("square", NUMERIC),
    PrimSpec("integer_pow", zlax.integer_pow, jlax.integer_pow,
             _cases(((2, 3),), ((),), params={"y": 3})
             + _cases(((2, 3),), params={"y": 2}, label="y2")
             + _cases(((2, 3),), params={"y": 0}, label="y0")
             + _cases(((5,),), params={"y": -2}, dtypes=FLOATS, label="yneg"),
             NUMERIC, NONZERO, differentiable=True),
    unary("exp", FLOATS + (c64,)),
    unary("exp2"),
    unary("log", FLOATS + (c64,), POSITIVE),
    unary("log1p", domain=GREATER_THAN_MINUS_ONE),
    unary("expm1"),
    unary("sqrt", FLOATS + (c64,), POSITIVE),
    unary("rsqrt", domain=POSITIVE),
    unary("cbrt", domain=NONZERO),
    unary("tanh"),
    unary("logistic"),
    unary("sin", FLOATS + (c64,)),
    unary("cos"),
    unary("tan", domain=Domain(-1.2, 1.2)),
    unary("asin", domain=OPEN_UNIT),
    unary("acos", domain=OPEN_UNIT),
    unary("atan"),
    unary("sinh"),
    unary("cosh"),
    unary("asinh"),
    unary("acosh", domain=GREATER_THAN_ONE),
    unary("atanh", domain=OPEN_UNIT),
    unary("erf"),
    unary("erfc"),
    unary("erf_inv", domain=OPEN_UNIT),
    unary("lgamma", domain=POSITIVE),
    unary("digamma", domain=POSITIVE, tol={"float32": (1e-4, 1e-5)}),
    unary("floor", domain=AWAY_FROM_INT),
    unary("ceil", domain=AWAY_FROM_INT),
    unary("is_finite", differentiable=False),
    unary("stop_gradient", FLOATS + (c64,)),
    PrimSpec("round", zlax.round, jlax.round,
             _cases(((5,),), ((),), params={"rounding_method": jlax.RoundingMethod.AWAY_FROM_ZERO})
             + _cases(((2, 3),), label="even",
                      params={"rounding_method": jlax.RoundingMethod.TO_NEAREST_EVEN})
             + _cases(((2, 3),), label="int", params={"rounding_method": 1}),
             FLOATS, AWAY_FROM_INT, differentiable=True),
]

# ### Complex parts

_COMPLEX = [
    unary("real", (c64,), linear=True, linear_in=(0,)),
    unary("imag", (c64,), linear=True, linear_in=(0,)),
    unary("conj", (f32, c64), linear=True, linear_in=(0,)),
    binary("complex", (f32,), linear=True, linear_in=(0, 1)),
]

# ### Comparisons, logic, shifts

_LOGIC = [
    *[binary(n, ALL, SMALL_INTS, differentiable=False) for n in ("eq", "ne")],
    *[binary(n, ALL, SMALL_INTS, differentiable=False) for n in ("lt", "le", "gt", "ge")],
    *[binary(n, INT_OR_BOOL, BITS, differentiable=False)
      for n in ("bitwise_and", "bitwise_or", "bitwise_xor")],
    unary("bitwise_not", INT_OR_BOOL, BITS, differentiable=False),
    *[binary(n, INTS, (BITS, SHIFT), differentiable=False)
      for n in ("shift_left", "shift_right_logical", "shift_right_arithmetic")],
    unary("population_count", INTS, BITS, differentiable=False),
]

# ### select_n, clamp

_WHICH3 = Domain(0, 2)   # int32 `which` choosing among 3 cases

_SELECT = [
    PrimSpec("select_n", zlax.select_n, jlax.select_n, (
        Case((Arg((2, 3), boolean), Arg((2, 3)), Arg((2, 3)))),
        Case((Arg((), boolean), Arg((2, 3)), Arg((2, 3))), label="scalar_pred"),
        Case((Arg((), boolean), Arg(()), Arg(()))),
        Case((Arg((2, 3), i32, _WHICH3), Arg((2, 3)), Arg((2, 3)), Arg((2, 3))), label="int3"),
        Case((Arg((2, 3), boolean), Arg((2, 3))), label="one_case"),
    ), ALL, differentiable=True, linear_in=(1, 2, 3)),
    PrimSpec("select", zlax.select, jlax.select, (
        Case((Arg((2, 3), boolean), Arg((2, 3)), Arg((2, 3)))),
        Case((Arg((), boolean), Arg((5,)), Arg((5,)))),
    ), (f32, i32), differentiable=True, linear_in=(1, 2)),
    PrimSpec("clamp", zlax.clamp, jlax.clamp, _cases(
        ((), (2, 3), ()), ((2, 3), (2, 3), (2, 3)), ((), (), ())),
        NUMERIC, (Domain(-2.0, -1.0), REAL, Domain(1.0, 2.0)), differentiable=True),
]

# ### Casts

_CAST_TARGETS = (f32, i32, boolean, bf16, f16)

_CASTS = [
    PrimSpec("convert_element_type", zlax.convert_element_type, jlax.convert_element_type,
             tuple(c for new in _CAST_TARGETS for c in _cases(
                 ((2, 3),), ((),), params={"new_dtype": new}, label=f"to_{short(new)}",
                 # casting to the same dtype binds nothing (in JAX too)
                 dtypes=tuple(d for d in ALL if d != new))),
             ALL, differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("bitcast_convert_type", zlax.bitcast_convert_type, jlax.bitcast_convert_type,
             _cases(((2, 3),), ((),),
                    params=lambda dt: {"new_dtype": {f32: i32, i32: f32, bf16: f16,
                                                     f16: bf16}[dt]}),
             (f32, i32, bf16, f16), SMALL_INTS),
    # to a narrower dtype: a trailing dimension of size old/new bits appears
    PrimSpec("bitcast_convert_type/narrow", zlax.bitcast_convert_type,
             jlax.bitcast_convert_type,
             _cases(((2, 3),), ((),), params={"new_dtype": i16}), (f32, i32), SMALL_INTS),
    # to a wider dtype: the trailing dimension of size new/old bits disappears
    PrimSpec("bitcast_convert_type/widen", zlax.bitcast_convert_type,
             jlax.bitcast_convert_type,
             _cases(((3, 2),), ((2,),), params={"new_dtype": i32}), (i16, bf16, f16),
             SMALL_INTS),
]

# ### Shapes

_SHAPE_DTYPES = ALL

_SHAPES = [
    PrimSpec("broadcast_in_dim", zlax.broadcast_in_dim, jlax.broadcast_in_dim, (
        Case((Arg(()),), {"shape": (2, 3), "broadcast_dimensions": ()}),
        Case((Arg((3,)),), {"shape": (2, 3), "broadcast_dimensions": (1,)}),
        Case((Arg((1, 3)),), {"shape": (4, 3), "broadcast_dimensions": (0, 1)}, label="expand1"),
        Case((Arg((2, 1)),), {"shape": (2, 5, 4), "broadcast_dimensions": (0, 2)}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("broadcast", zlax.broadcast, jlax.broadcast, (
        Case((Arg((3,)),), {"sizes": (2,)}),
        Case((Arg(()),), {"sizes": (2, 4)}),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("reshape", zlax.reshape, jlax.reshape, (
        Case((Arg((2, 3, 4)),), {"new_sizes": (6, 4)}),
        Case((Arg(()),), {"new_sizes": (1, 1)}),
        Case((Arg((1, 1)),), {"new_sizes": ()}, label="to_scalar"),
        Case((Arg((2, 3)),), {"new_sizes": (3, 2), "dimensions": (1, 0)}, label="dims"),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("transpose", zlax.transpose, jlax.transpose, (
        Case((Arg((2, 3, 4)),), {"permutation": (2, 0, 1)}),
        Case((Arg((3, 4)),), {"permutation": (1, 0)}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("squeeze", zlax.squeeze, jlax.squeeze, (
        Case((Arg((1, 3, 1)),), {"dimensions": (0, 2)}),
        Case((Arg((1,)),), {"dimensions": (0,)}),
        Case((Arg((3, 1)),), {"dimensions": (-1,)}, label="neg"),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("expand_dims", zlax.expand_dims, jlax.expand_dims, (
        Case((Arg((3,)),), {"dimensions": (0,)}),
        Case((Arg((3, 4)),), {"dimensions": (-1,)}, label="neg"),
        Case((Arg(()),), {"dimensions": (0, 1)}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("concatenate", _variadic(zlax.concatenate), _variadic(jlax.concatenate), (
        Case((Arg((2, 3)), Arg((4, 3))), {"dimension": 0}),
        Case((Arg((2, 1)), Arg((2, 2)), Arg((2, 3))), {"dimension": 1}),
        Case((Arg((3,)), Arg((1,))), {"dimension": 0}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0, 1, 2)),
    PrimSpec("pad", zlax.pad, jlax.pad, (
        Case((Arg((3, 4)), Arg(())), {"padding_config": ((1, 2, 1), (0, 0, 0))}),
        Case((Arg((5,)), Arg(())), {"padding_config": ((-1, 2, 0),)}, label="negative"),
        Case((Arg(()), Arg(())), {"padding_config": ()}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=()),
    PrimSpec("slice", zlax.slice, jlax.slice, (
        Case((Arg((5, 6)),), {"start_indices": (1, 0), "limit_indices": (4, 6),
                              "strides": (2, 3)}),
        Case((Arg((5,)),), {"start_indices": (1,), "limit_indices": (3,)}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("slice_in_dim", zlax.slice_in_dim, jlax.slice_in_dim, (
        Case((Arg((5, 6)),), {"start_index": 1, "limit_index": -1, "stride": 2, "axis": 1}),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("index_in_dim", zlax.index_in_dim, jlax.index_in_dim, (
        Case((Arg((5, 6)),), {"index": -2, "axis": 0, "keepdims": False}),
        Case((Arg((5, 6)),), {"index": 1, "axis": 1}, label="keepdims"),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("collapse", zlax.collapse, jlax.collapse, (
        Case((Arg((2, 3, 4)),), {"start_dimension": 1}),
        Case((Arg((2, 3, 4)),), {"start_dimension": 0, "stop_dimension": 2}, label="stop"),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("rev", zlax.rev, jlax.rev, (
        Case((Arg((3, 4)),), {"dimensions": (0, 1)}),
        Case((Arg((5,)),), {"dimensions": (0,)}),
        Case((Arg((3, 4)),), {"dimensions": ()}, label="none"),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    PrimSpec("iota", zlax.iota, jlax.iota, (
        Case((), lambda dt: {"dtype": dt, "size": 5}),
        Case((), lambda dt: {"dtype": dt, "size": 1}, label="size1"),
    ), NUMERIC),
    PrimSpec("broadcasted_iota", zlax.broadcasted_iota, jlax.broadcasted_iota, (
        Case((), lambda dt: {"dtype": dt, "shape": (2, 3), "dimension": 1}),
        Case((), lambda dt: {"dtype": dt, "shape": (4, 2, 3), "dimension": 0}, label="dim0"),
    ), NUMERIC),
]

# ### Reductions

_RED_CASES = (
    Case((Arg((3, 4)),), {"axes": (0,)}),
    Case((Arg((3, 4)),), {"axes": (1,)}),
    Case((Arg((3, 4)),), {"axes": (0, 1)}, label="all"),
    Case((Arg((2, 3, 4)),), {"axes": (0, 2)}),
)


def _reducer(name, dtypes, domain=REAL, **kw):
    return PrimSpec(name, *_pair(name), _RED_CASES, dtypes, domain, **kw)


def _arg_reducer(name):
    return PrimSpec(name, *_pair(name), (
        Case((Arg((3, 4)),), {"axis": 0, "index_dtype": i32}),
        Case((Arg((3, 4)),), {"axis": 1, "index_dtype": i32}),
        Case((Arg((2, 3, 4)),), {"axis": 2, "index_dtype": np.int32}),
        Case((Arg((5,)),), {"axis": 0, "index_dtype": np.int32}),
    ), ALL, SMALL_INTS)   # small integers: ties, where the first index must win


_REDUCTIONS = [
    _reducer("reduce_sum", NUMERIC + (c64,), differentiable=True, linear=True,
             linear_in=(0,)),
    _reducer("reduce_prod", NUMERIC, NEAR_ONE, differentiable=True),
    _reducer("reduce_max", ALL, differentiable=True),
    _reducer("reduce_min", ALL, differentiable=True),
    _reducer("reduce_and", INT_OR_BOOL, BITS),
    _reducer("reduce_or", INT_OR_BOOL, BITS),
    _reducer("reduce_xor", INT_OR_BOOL, BITS),
    _arg_reducer("argmax"),
    _arg_reducer("argmin"),
]

# ### dot_general

_MATMUL = (((1,), (0,)), ((), ()))

_DOTS = [
    PrimSpec("dot_general", zlax.dot_general, jlax.dot_general, (
        Case((Arg((2, 3)), Arg((3, 4))), {"dimension_numbers": _MATMUL}, label="matmul"),
        Case((Arg((2, 3, 4)), Arg((2, 4, 5))),
             {"dimension_numbers": (((2,), (1,)), ((0,), (0,)))}, label="batched"),
        Case((Arg((3,)), Arg((3,))), {"dimension_numbers": (((0,), (0,)), ((), ()))},
             label="inner"),
        Case((Arg((3,)), Arg((4,))), {"dimension_numbers": (((), ()), ((), ()))},
             label="outer"),
        Case((Arg((4, 3)), Arg((3, 2, 4))),
             {"dimension_numbers": (((0, 1), (2, 0)), ((), ()))}, label="two_contract"),
        Case((Arg((2, 3)), Arg((3, 4))),
             {"dimension_numbers": _MATMUL, "preferred_element_type": f32},
             dtypes=(bf16, f16), label="preferred_f32"),
        Case((Arg((2, 3)), Arg((3, 4))),
             {"dimension_numbers": _MATMUL, "precision": jlax.Precision.HIGHEST},
             dtypes=(f32,), label="highest"),
    ), ALL + (c64,), SMALL_INTS, differentiable=True, linear_in=(0, 1)),
    PrimSpec("dot", zlax.dot, jlax.dot, (
        Case((Arg((2, 3)), Arg((3, 4))), {}),
        Case((Arg((2, 3)), Arg((3,))), {}),
    ), (f32, i32), SMALL_INTS, differentiable=True, linear_in=(0, 1)),
]

# ### Gather and scatter

@dataclasses.dataclass(frozen=True)
class UniqueIndices(Domain):
    """Indices in ``[0, n)`` (``n`` prime) that never repeat along any axis, wherever vmap
    puts its batch axis: ``(sum_k (k + 1) * i_k + offset) mod n`` through a random
    permutation (for scatters promised ``unique_indices=True``)."""
    n: int = 5

    def sample(self, rng, shape, dtype):
        assert len(shape) < self.n and all(s <= self.n for s in shape), shape
        grid = sum((k + 1) * np.arange(s).reshape([-1 if j == k else 1
                                                   for j in range(len(shape))])
                   for k, s in enumerate(shape)) if shape else np.zeros((), int)
        return rng.permutation(self.n)[(grid + rng.randint(self.n)) % self.n].astype(dtype)


def _index(shape, lo=0, hi=4):
    """An int32 indices operand with values in ``[lo, hi]`` (out of bounds when outside)."""
    return Arg(shape, i32, Domain(lo, hi))


def _gdn(offset, collapsed, start, obatch=(), ibatch=()):
    return jlax.GatherDimensionNumbers(offset, collapsed, start, obatch, ibatch)


def _sdn(window, inserted, to_operand, obatch=(), ibatch=()):
    return jlax.ScatterDimensionNumbers(window, inserted, to_operand, obatch, ibatch)


_ROWS = _gdn((1,), (0,), (0,))               # x[ids]: rows of a table
_MODE = jlax.GatherScatterMode

_GATHER_CASES = (
    Case((Arg((5, 4)), _index((3, 1))), {"dimension_numbers": _ROWS, "slice_sizes": (1, 4)},
         label="rows"),
    Case((Arg((3, 4)), _index((3, 2, 1), 0, 3)),   # take_along_axis(x, i, 1)
         {"dimension_numbers": _gdn((), (1,), (1,), (0,), (0,)), "slice_sizes": (1, 1)},
         label="batching_dims"),
    Case((Arg((4, 5, 3)), _index((2, 2), 0, 3)),   # x[i, j]
         {"dimension_numbers": _gdn((1,), (0, 1), (0, 1)), "slice_sizes": (1, 1, 3)},
         label="multi_index"),
    Case((Arg((6,)), _index((2, 1), 0, 3)),        # windows of 3: x[i:i+3]
         {"dimension_numbers": _gdn((1,), (), (0,)), "slice_sizes": (3,)}, label="window"),
    Case((Arg((5, 4)), _index((1,))),              # one row, no index batch
         {"dimension_numbers": _gdn((0,), (0,), (0,)), "slice_sizes": (1, 4)},
         label="scalar_index"),
    Case((Arg((5, 4)), _index((4, 1), -3, 7)),
         {"dimension_numbers": _ROWS, "slice_sizes": (1, 4), "mode": _MODE.FILL_OR_DROP,
          "fill_value": -1}, dtypes=(f32, i32), label="fill"),
    Case((Arg((5, 4)), _index((4, 1), -3, 7)),
         {"dimension_numbers": _ROWS, "slice_sizes": (1, 4), "mode": _MODE.CLIP},
         label="clip"),
)

_SCATTER_ROWS = _sdn((1,), (0,), (0,))        # x.at[ids].op(rows)


def _scatter_cases(unique: bool, clip: bool = True) -> tuple:
    index = (lambda shape: Arg(shape, i32, UniqueIndices())) if unique else _index
    flag = {"unique_indices": True} if unique else {}
    return (
        Case((Arg((5, 4)), index((3, 1)), Arg((3, 4))),
             {"dimension_numbers": _SCATTER_ROWS, **flag}, label="rows"),
        Case((Arg((5,)), index((4, 1)), Arg((4,))),
             {"dimension_numbers": _sdn((), (0,), (0,)), **flag}, label="elements"),
        Case((Arg((5, 5, 3)), index((2, 2)), Arg((2, 3))),      # x.at[i, j]
             {"dimension_numbers": _sdn((1,), (0, 1), (0, 1)), **flag}, label="multi_index"),
        Case((Arg((3, 5)), index((3, 2, 1)), Arg((3, 2))),      # put_along_axis(x, i, u, 1)
             {"dimension_numbers": _sdn((), (1,), (1,), (0,), (0,)), **flag},
             label="batching_dims"),
    ) + (() if unique else (
        Case((Arg((5, 4)), _index((4, 1), -3, 7), Arg((4, 4))),  # out of bounds: dropped
             {"dimension_numbers": _SCATTER_ROWS}, label="drop"),
    )) + (() if unique or not clip else (
        Case((Arg((5, 4)), _index((4, 1), -3, 7), Arg((4, 4))),
             {"dimension_numbers": _SCATTER_ROWS, "mode": _MODE.CLIP}, label="clip"),
    ))


_SLICING = [
    PrimSpec("gather", zlax.gather, jlax.gather, _GATHER_CASES, ALL, differentiable=True,
             linear_in=(0,)),
    PrimSpec("scatter_add", zlax.scatter_add, jlax.scatter_add, _scatter_cases(False),
             NUMERIC, differentiable=True, linear=True, linear_in=(0, 2)),
    # which of two updates to one place lands is unspecified: not linear (no transpose)
    PrimSpec("scatter", zlax.scatter, jlax.scatter, _scatter_cases(False), ALL,
             differentiable=True),
    PrimSpec("scatter/unique", zlax.scatter, jlax.scatter, _scatter_cases(True), (f32, i32),
             differentiable=True, linear=True, linear_in=(0, 2)),
    # derivatives in the updates need unique_indices (as in JAX)
    PrimSpec("scatter_mul", zlax.scatter_mul, jlax.scatter_mul, _scatter_cases(True),
             NUMERIC, NEAR_ONE, differentiable=True, linear_in=(0,)),
    # (JAX's jvp of scatter_min/max with mode=CLIP is NaN at clipped indices; ours is not:
    # test_slicing.py checks it against an oracle that clips first.)
    PrimSpec("scatter_min", zlax.scatter_min, jlax.scatter_min,
             _scatter_cases(False, clip=False), NUMERIC, differentiable=True),
    PrimSpec("scatter_max", zlax.scatter_max, jlax.scatter_max,
             _scatter_cases(False, clip=False), NUMERIC, differentiable=True),
]

# ### Dynamic slicing

_START = Domain(-7.0, 7.0)   # start indices: from the end when negative, clamped when too big


def _start(dtype=i32):
    return Arg((), dtype, _START)


def _dynamic_slice(L):
    def dynamic_slice(x, *start_indices, slice_sizes):
        return L.dynamic_slice(x, start_indices, slice_sizes)
    return dynamic_slice


def _dynamic_update_slice(L):
    def dynamic_update_slice(x, update, *start_indices):
        return L.dynamic_update_slice(x, update, start_indices)
    return dynamic_update_slice


# JAX jits dynamic_index_in_dim and dynamic_update_index_in_dim; their unjitted bodies
# (``__wrapped__``) give jaxprs to compare op by op.
_DYNAMIC_SLICING = [
    PrimSpec("dynamic_slice", _dynamic_slice(zlax), _dynamic_slice(jlax), (
        Case((Arg((5, 6)), _start(), _start()), {"slice_sizes": (2, 3)}),
        Case((Arg((4,)), _start()), {"slice_sizes": (4,)}, label="whole"),
        Case((Arg((2, 3, 4)), _start(), _start(), _start()), {"slice_sizes": (1, 2, 2)}),
        Case((Arg((3, 4)), _start(i16), _start(i16)), {"slice_sizes": (2, 2)}, label="i16"),
        Case((Arg((3, 4)), _start(u8), _start(u8)), {"slice_sizes": (1, 3)}, label="u8"),
        Case((Arg(()),), {"slice_sizes": ()}),
    ), ALL, differentiable=True, linear_in=(0,)),
    PrimSpec("dynamic_update_slice", _dynamic_update_slice(zlax),
             _dynamic_update_slice(jlax), (
        Case((Arg((5, 6)), Arg((2, 3)), _start(), _start())),
        Case((Arg((4,)), Arg((4,)), _start()), label="whole"),
        Case((Arg((2, 3, 4)), Arg((1, 2, 2)), _start(), _start(), _start())),
        Case((Arg((3, 4)), Arg((1, 2)), _start(i16), _start(i16)), label="i16"),
    ), ALL, differentiable=True, linear=True, linear_in=(0, 1)),
    PrimSpec("dynamic_slice_in_dim", zlax.dynamic_slice_in_dim, jlax.dynamic_slice_in_dim, (
        Case((Arg((5, 6)), _start()), {"slice_size": 2, "axis": 1}),
        Case((Arg((5,)), _start()), {"slice_size": 3, "axis": 0}),
    ), (f32, i32), differentiable=True, linear_in=(0,)),
    PrimSpec("dynamic_index_in_dim", zlax.dynamic_index_in_dim,
             jlax.dynamic_index_in_dim.__wrapped__, (
        Case((Arg((5, 6)), _start()), {"axis": 1, "keepdims": False}),
        Case((Arg((5, 6)), _start()), {"axis": 0}, label="keepdims"),
    ), (f32, i32), differentiable=True, linear_in=(0,)),
    PrimSpec("dynamic_update_slice_in_dim", zlax.dynamic_update_slice_in_dim,
             jlax.dynamic_update_slice_in_dim, (
        Case((Arg((5, 6)), Arg((5, 2)), _start()), {"axis": 1}),
        Case((Arg((5, 6)), Arg((3, 4)), _start()), {"axis": 0}, label="smaller"),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0, 1)),
    PrimSpec("dynamic_update_index_in_dim", zlax.dynamic_update_index_in_dim,
             jlax.dynamic_update_index_in_dim.__wrapped__, (
        Case((Arg((5, 6)), Arg((5,)), _start()), {"axis": 1}),
        Case((Arg((5, 6)), Arg((1, 6)), _start()), {"axis": 0}, label="keepdims"),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0, 1)),
]

# ### Cumulative reductions

_CUMULATIVE_CASES = (
    Case((Arg((5,)),), {"axis": 0}),
    Case((Arg((3, 4)),), {"axis": 1, "reverse": True}, label="reverse"),
    Case((Arg((2, 3, 4)),), {"axis": 1}),
    Case((Arg((1,)),), {"axis": 0}),
)


def _cumulative(name, dtypes, domain=REAL, **kw):
    return PrimSpec(name, *_pair(name), _CUMULATIVE_CASES, dtypes, domain,
                    differentiable=True, **kw)


_CUMULATIVE = [
    _cumulative("cumsum", NUMERIC + (c64,), linear=True, linear_in=(0,)),
    _cumulative("cumprod", NUMERIC, NEAR_ONE),
    _cumulative("cummax", NUMERIC),
    _cumulative("cummin", NUMERIC),
    _cumulative("cumlogsumexp", FLOATS),
]

SPECS: list[PrimSpec] = _ELEMENTWISE + _COMPLEX + _LOGIC + _SELECT + _CASTS + _SHAPES \
    + _REDUCTIONS + _DOTS + _SLICING + _DYNAMIC_SLICING \
    + _CUMULATIVE
SPECS_BY_NAME: dict[str, PrimSpec] = {s.name: s for s in SPECS}
assert len(SPECS_BY_NAME) == len(SPECS), "spec names must be unique"


def assert_same(actual, expected, tol, check_weak_type=True):
    """Same shape, dtype (and weak type, for jax.Arrays); values within ``tol``."""
    assert np.shape(actual) == np.shape(expected), (np.shape(actual), np.shape(expected))
    assert np.dtype(actual.dtype) == np.dtype(expected.dtype), (actual.dtype, expected.dtype)
    if check_weak_type:
        assert getattr(actual, "weak_type", False) == getattr(expected, "weak_type", False)
    a, e = np.asarray(actual), np.asarray(expected)
    if jnp.issubdtype(e.dtype, np.inexact):
        wide = np.complex128 if jnp.issubdtype(e.dtype, np.complexfloating) else np.float64
        rtol, atol = tol
        np.testing.assert_allclose(a.astype(wide), e.astype(wide), rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(a, e)
