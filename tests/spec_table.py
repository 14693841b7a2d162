"""The per-primitive spec table: one :class:`~spec.Spec` per ``zenax.lax`` primitive.

Each entry pairs a ``zenax.lax`` callable with the ``jax.lax`` callable of the same
signature and says how to exercise it (spec.py says how a row is read): the operand shapes
(``Case``), the dtypes it accepts, the domain random inputs are drawn from, the static
params, tolerances per dtype, and which transforms apply (``differentiable``, ``linear``,
``linear_in``).  test_primitives.py (eager, jaxpr), test_jit.py, test_autodiff.py (jvp,
vjp, transposition, finite differences) and test_vmap.py walk it with
``instances(SPECS)``.

A primitive with several results (``sort``, ``top_k``) has a row per result it is tested
through; the PRNG rows compare ``threefry2x32`` with ``jax.random`` (``same_jaxpr=False``).

    >>> from spec import instances
    >>> spec = SPECS_BY_NAME["add"]
    >>> spec, case, dtype = next(instances([spec]))[:3]
    >>> [a.shape for a in spec.args(np.random.RandomState(0), case, dtype)]
    [(2, 3), (2, 3)]
"""
from __future__ import annotations

import dataclasses
import math

import jax
import numpy as np

import zenax.lax as zlax

from spec import (ALL, AWAY_FROM_INT, BITS, FLOATS, GREATER_THAN_MINUS_ONE, GREATER_THAN_ONE,
                  INT_OR_BOOL, INTS, NEAR_ONE, NONZERO, NUMERIC, OPEN_UNIT, POSITIVE, REAL,
                  SHIFT, SMALL_INTS, Arg, Case, Domain, Spec, bf16, boolean, c64, f16, f32,
                  i16, i32, short, u8, u32)

jlax = jax.lax


def _cases(*shape_tuples, **kw) -> tuple:
    return tuple(Case(tuple(Arg(s) for s in shapes), **kw) for shapes in shape_tuples)


UNARY = _cases(((),), ((5,),), ((2, 3),))
BINARY = _cases(((2, 3), (2, 3)), ((), ()), ((), (2, 3)), ((2, 3), ()))


def _pair(name: str, jname: str | None = None) -> tuple:
    return getattr(zlax, name), getattr(jlax, jname or name)


def unary(name, dtypes=FLOATS, domain=REAL, differentiable=True, cases=UNARY, **kw):
    return Spec(name, *_pair(name), cases, dtypes, domain,
                differentiable=differentiable, **kw)


def binary(name, dtypes=NUMERIC, domains=REAL, differentiable=True, **kw):
    return Spec(name, *_pair(name), BINARY, dtypes, domains,
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
    Spec("integer_pow", zlax.integer_pow, jlax.integer_pow,
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
    unary("bessel_i0e"),
    unary("bessel_i1e"),
    unary("floor", domain=AWAY_FROM_INT),
    unary("ceil", domain=AWAY_FROM_INT),
    unary("is_finite", differentiable=False),
    unary("stop_gradient", FLOATS + (c64,)),
    Spec("round", zlax.round, jlax.round,
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
    Spec("select_n", zlax.select_n, jlax.select_n, (
        Case((Arg((2, 3), boolean), Arg((2, 3)), Arg((2, 3)))),
        Case((Arg((), boolean), Arg((2, 3)), Arg((2, 3))), label="scalar_pred"),
        Case((Arg((), boolean), Arg(()), Arg(()))),
        Case((Arg((2, 3), i32, _WHICH3), Arg((2, 3)), Arg((2, 3)), Arg((2, 3))), label="int3"),
        Case((Arg((2, 3), boolean), Arg((2, 3))), label="one_case"),
    ), ALL, differentiable=True, linear_in=(1, 2, 3)),
    Spec("select", zlax.select, jlax.select, (
        Case((Arg((2, 3), boolean), Arg((2, 3)), Arg((2, 3)))),
        Case((Arg((), boolean), Arg((5,)), Arg((5,)))),
    ), (f32, i32), differentiable=True, linear_in=(1, 2)),
    Spec("clamp", zlax.clamp, jlax.clamp, _cases(
        ((), (2, 3), ()), ((2, 3), (2, 3), (2, 3)), ((), (), ())),
        NUMERIC, (Domain(-2.0, -1.0), REAL, Domain(1.0, 2.0)), differentiable=True),
]

# ### Casts

_CAST_TARGETS = (f32, i32, boolean, bf16, f16)

_CASTS = [
    Spec("convert_element_type", zlax.convert_element_type, jlax.convert_element_type,
         tuple(c for new in _CAST_TARGETS for c in _cases(
                 ((2, 3),), ((),), params={"new_dtype": new}, label=f"to_{short(new)}",
                 # casting to the same dtype binds nothing (in JAX too)
                 dtypes=tuple(d for d in ALL if d != new))),
         ALL, differentiable=True, linear=True, linear_in=(0,)),
    Spec("bitcast_convert_type", zlax.bitcast_convert_type, jlax.bitcast_convert_type,
         _cases(((2, 3),), ((),),
                params=lambda dt: {"new_dtype": {f32: i32, i32: f32, bf16: f16,
                                                 f16: bf16}[dt]}),
         (f32, i32, bf16, f16), SMALL_INTS),
    # to a narrower dtype: a trailing dimension of size old/new bits appears
    Spec("bitcast_convert_type/narrow", zlax.bitcast_convert_type,
         jlax.bitcast_convert_type,
         _cases(((2, 3),), ((),), params={"new_dtype": i16}), (f32, i32), SMALL_INTS),
    # to a wider dtype: the trailing dimension of size new/old bits disappears
    Spec("bitcast_convert_type/widen", zlax.bitcast_convert_type,
         jlax.bitcast_convert_type,
         _cases(((3, 2),), ((2,),), params={"new_dtype": i32}), (i16, bf16, f16),
         SMALL_INTS),
]

# ### Shapes

_SHAPE_DTYPES = ALL

_SHAPES = [
    Spec("broadcast_in_dim", zlax.broadcast_in_dim, jlax.broadcast_in_dim, (
        Case((Arg(()),), {"shape": (2, 3), "broadcast_dimensions": ()}),
        Case((Arg((3,)),), {"shape": (2, 3), "broadcast_dimensions": (1,)}),
        Case((Arg((1, 3)),), {"shape": (4, 3), "broadcast_dimensions": (0, 1)}, label="expand1"),
        Case((Arg((2, 1)),), {"shape": (2, 5, 4), "broadcast_dimensions": (0, 2)}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    Spec("broadcast", zlax.broadcast, jlax.broadcast, (
        Case((Arg((3,)),), {"sizes": (2,)}),
        Case((Arg(()),), {"sizes": (2, 4)}),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0,)),
    Spec("reshape", zlax.reshape, jlax.reshape, (
        Case((Arg((2, 3, 4)),), {"new_sizes": (6, 4)}),
        Case((Arg(()),), {"new_sizes": (1, 1)}),
        Case((Arg((1, 1)),), {"new_sizes": ()}, label="to_scalar"),
        Case((Arg((2, 3)),), {"new_sizes": (3, 2), "dimensions": (1, 0)}, label="dims"),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    Spec("transpose", zlax.transpose, jlax.transpose, (
        Case((Arg((2, 3, 4)),), {"permutation": (2, 0, 1)}),
        Case((Arg((3, 4)),), {"permutation": (1, 0)}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    Spec("squeeze", zlax.squeeze, jlax.squeeze, (
        Case((Arg((1, 3, 1)),), {"dimensions": (0, 2)}),
        Case((Arg((1,)),), {"dimensions": (0,)}),
        Case((Arg((3, 1)),), {"dimensions": (-1,)}, label="neg"),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    Spec("expand_dims", zlax.expand_dims, jlax.expand_dims, (
        Case((Arg((3,)),), {"dimensions": (0,)}),
        Case((Arg((3, 4)),), {"dimensions": (-1,)}, label="neg"),
        Case((Arg(()),), {"dimensions": (0, 1)}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    Spec("concatenate", _variadic(zlax.concatenate), _variadic(jlax.concatenate), (
        Case((Arg((2, 3)), Arg((4, 3))), {"dimension": 0}),
        Case((Arg((2, 1)), Arg((2, 2)), Arg((2, 3))), {"dimension": 1}),
        Case((Arg((3,)), Arg((1,))), {"dimension": 0}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0, 1, 2)),
    Spec("pad", zlax.pad, jlax.pad, (
        Case((Arg((3, 4)), Arg(())), {"padding_config": ((1, 2, 1), (0, 0, 0))}),
        Case((Arg((5,)), Arg(())), {"padding_config": ((-1, 2, 0),)}, label="negative"),
        Case((Arg(()), Arg(())), {"padding_config": ()}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=()),
    Spec("slice", zlax.slice, jlax.slice, (
        Case((Arg((5, 6)),), {"start_indices": (1, 0), "limit_indices": (4, 6),
                              "strides": (2, 3)}),
        Case((Arg((5,)),), {"start_indices": (1,), "limit_indices": (3,)}),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    Spec("slice_in_dim", zlax.slice_in_dim, jlax.slice_in_dim, (
        Case((Arg((5, 6)),), {"start_index": 1, "limit_index": -1, "stride": 2, "axis": 1}),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0,)),
    Spec("index_in_dim", zlax.index_in_dim, jlax.index_in_dim, (
        Case((Arg((5, 6)),), {"index": -2, "axis": 0, "keepdims": False}),
        Case((Arg((5, 6)),), {"index": 1, "axis": 1}, label="keepdims"),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0,)),
    Spec("collapse", zlax.collapse, jlax.collapse, (
        Case((Arg((2, 3, 4)),), {"start_dimension": 1}),
        Case((Arg((2, 3, 4)),), {"start_dimension": 0, "stop_dimension": 2}, label="stop"),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0,)),
    Spec("rev", zlax.rev, jlax.rev, (
        Case((Arg((3, 4)),), {"dimensions": (0, 1)}),
        Case((Arg((5,)),), {"dimensions": (0,)}),
        Case((Arg((3, 4)),), {"dimensions": ()}, label="none"),
    ), _SHAPE_DTYPES, differentiable=True, linear=True, linear_in=(0,)),
    Spec("iota", zlax.iota, jlax.iota, (
        Case((), lambda dt: {"dtype": dt, "size": 5}),
        Case((), lambda dt: {"dtype": dt, "size": 1}, label="size1"),
    ), NUMERIC),
    Spec("broadcasted_iota", zlax.broadcasted_iota, jlax.broadcasted_iota, (
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
    return Spec(name, *_pair(name), _RED_CASES, dtypes, domain, **kw)


def _arg_reducer(name):
    return Spec(name, *_pair(name), (
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
    Spec("dot_general", zlax.dot_general, jlax.dot_general, (
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
    Spec("dot", zlax.dot, jlax.dot, (
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
    Spec("gather", zlax.gather, jlax.gather, _GATHER_CASES, ALL, differentiable=True,
         linear_in=(0,)),
    Spec("scatter_add", zlax.scatter_add, jlax.scatter_add, _scatter_cases(False),
         NUMERIC, differentiable=True, linear=True, linear_in=(0, 2)),
    # which of two updates to one place lands is unspecified: not linear (no transpose)
    Spec("scatter", zlax.scatter, jlax.scatter, _scatter_cases(False), ALL,
         differentiable=True),
    Spec("scatter/unique", zlax.scatter, jlax.scatter, _scatter_cases(True), (f32, i32),
         differentiable=True, linear=True, linear_in=(0, 2)),
    # derivatives in the updates need unique_indices (as in JAX)
    Spec("scatter_mul", zlax.scatter_mul, jlax.scatter_mul, _scatter_cases(True),
         NUMERIC, NEAR_ONE, differentiable=True, linear_in=(0,)),
    # (JAX's jvp of scatter_min/max with mode=CLIP is NaN at clipped indices; ours is not:
    # test_slicing.py checks it against an oracle that clips first.)
    Spec("scatter_min", zlax.scatter_min, jlax.scatter_min,
         _scatter_cases(False, clip=False), NUMERIC, differentiable=True),
    Spec("scatter_max", zlax.scatter_max, jlax.scatter_max,
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
    Spec("dynamic_slice", _dynamic_slice(zlax), _dynamic_slice(jlax), (
        Case((Arg((5, 6)), _start(), _start()), {"slice_sizes": (2, 3)}),
        Case((Arg((4,)), _start()), {"slice_sizes": (4,)}, label="whole"),
        Case((Arg((2, 3, 4)), _start(), _start(), _start()), {"slice_sizes": (1, 2, 2)}),
        Case((Arg((3, 4)), _start(i16), _start(i16)), {"slice_sizes": (2, 2)}, label="i16"),
        Case((Arg((3, 4)), _start(u8), _start(u8)), {"slice_sizes": (1, 3)}, label="u8"),
        Case((Arg(()),), {"slice_sizes": ()}),
    ), ALL, differentiable=True, linear_in=(0,)),
    Spec("dynamic_update_slice", _dynamic_update_slice(zlax),
         _dynamic_update_slice(jlax), (
        Case((Arg((5, 6)), Arg((2, 3)), _start(), _start())),
        Case((Arg((4,)), Arg((4,)), _start()), label="whole"),
        Case((Arg((2, 3, 4)), Arg((1, 2, 2)), _start(), _start(), _start())),
        Case((Arg((3, 4)), Arg((1, 2)), _start(i16), _start(i16)), label="i16"),
    ), ALL, differentiable=True, linear=True, linear_in=(0, 1)),
    Spec("dynamic_slice_in_dim", zlax.dynamic_slice_in_dim, jlax.dynamic_slice_in_dim, (
        Case((Arg((5, 6)), _start()), {"slice_size": 2, "axis": 1}),
        Case((Arg((5,)), _start()), {"slice_size": 3, "axis": 0}),
    ), (f32, i32), differentiable=True, linear_in=(0,)),
    Spec("dynamic_index_in_dim", zlax.dynamic_index_in_dim,
         jlax.dynamic_index_in_dim.__wrapped__, (
        Case((Arg((5, 6)), _start()), {"axis": 1, "keepdims": False}),
        Case((Arg((5, 6)), _start()), {"axis": 0}, label="keepdims"),
    ), (f32, i32), differentiable=True, linear_in=(0,)),
    Spec("dynamic_update_slice_in_dim", zlax.dynamic_update_slice_in_dim,
         jlax.dynamic_update_slice_in_dim, (
        Case((Arg((5, 6)), Arg((5, 2)), _start()), {"axis": 1}),
        Case((Arg((5, 6)), Arg((3, 4)), _start()), {"axis": 0}, label="smaller"),
    ), (f32, i32), differentiable=True, linear=True, linear_in=(0, 1)),
    Spec("dynamic_update_index_in_dim", zlax.dynamic_update_index_in_dim,
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
    return Spec(name, *_pair(name), _CUMULATIVE_CASES, dtypes, domain,
                differentiable=True, **kw)


_CUMULATIVE = [
    _cumulative("cumsum", NUMERIC + (c64,), linear=True, linear_in=(0,)),
    _cumulative("cumprod", NUMERIC, NEAR_ONE),
    _cumulative("cummax", NUMERIC),
    _cumulative("cummin", NUMERIC),
    _cumulative("cumlogsumexp", FLOATS),
]

# ### Sorting

def _result(L, name: str, k: int):
    """``L.<name>(*operands, **params)[k]``: one result of a primitive with several
    (``sort`` of several operands takes them as a sequence)."""
    fun = getattr(L, name)
    if name == "sort":
        return lambda *operands, **params: fun(operands, **params)[k]
    return lambda *operands, **params: fun(*operands, **params)[k]


def _keys(shape):
    """int32 sort keys in [-2, 2]: ties, which a stable sort must keep in order."""
    return Arg(shape, i32, SMALL_INTS)


_SORTING = [
    Spec("sort", zlax.sort, jlax.sort, (
        Case((Arg((3, 4)),), {"dimension": 0}),
        Case((Arg((5,)),), {"dimension": 0}),
        Case((Arg((2, 3, 4)),), {"dimension": 1, "is_stable": False}, label="unstable"),
    ), (f32, i32, bf16), differentiable=True),
    # The values operand follows the keys; ties among the keys keep their order.  (Linear
    # in the values, but JAX has no transpose rule for sort to compare with: the vjp test
    # runs zenax's.)
    Spec("sort/values", _result(zlax, "sort", -1), _result(jlax, "sort", -1), (
        Case((_keys((3, 4)), Arg((3, 4))), {"dimension": 1}),
        Case((_keys((2, 5)), _keys((2, 5)), Arg((2, 5))), {"dimension": 1, "num_keys": 2},
             label="num_keys2"),
    ), (f32,), differentiable=True),
    Spec("top_k", _result(zlax, "top_k", 0), _result(jlax, "top_k", 0), (
        Case((Arg((5,)),), {"k": 3}),
        Case((Arg((3, 6)),), {"k": 2}),
        Case((Arg((4, 3)),), {"k": 2, "axis": 0}, label="axis0"),
    ), (f32, i32, bf16), differentiable=True),
    # Ties go to the lower index.
    Spec("top_k/indices", _result(zlax, "top_k", 1), _result(jlax, "top_k", 1), (
        Case((Arg((3, 6)),), {"k": 4}),
        Case((Arg((4, 3)),), {"k": 2, "axis": 0}, label="axis0"),
    ), (f32, i32), SMALL_INTS),
]

# ### Convolutions

_CONVOLUTIONS = [
    Spec("conv_general_dilated", zlax.conv_general_dilated, jlax.conv_general_dilated, (
        Case((Arg((2, 3, 5, 4)), Arg((4, 3, 3, 2))), {"window_strides": (1, 1),
                                                      "padding": "VALID"}),
        Case((Arg((1, 6, 5, 3)), Arg((3, 3, 3, 2))),
             {"window_strides": (2, 1), "padding": "SAME",
              "dimension_numbers": ("NHWC", "HWIO", "NHWC")}, label="nhwc"),
        Case((Arg((1, 2, 5, 6)), Arg((3, 2, 3, 2))),
             {"window_strides": (2, 3), "padding": ((1, 2), (0, 1)), "lhs_dilation": (2, 1),
              "rhs_dilation": (1, 2)}, label="dilated"),
        Case((Arg((1, 4, 6, 6)), Arg((8, 1, 3, 3))),    # depthwise
             {"window_strides": (2, 2), "padding": ((1, 1), (1, 1)),
              "feature_group_count": 4}, label="groups"),
    ), (f32, bf16), differentiable=True, linear_in=(0, 1),
         # Sums of up to 27 products: a batched or transposed kernel may add them in
         # another order than JAX's.
         tol={"float32": (1e-5, 1e-5)}),
]

# ### Windowed reductions

def _window_identity(kind: str, dtype) -> np.ndarray:
    """The init value with which ``reduce_window`` is ``reduce_window_<kind>``."""
    if kind == "sum":
        return np.zeros((), dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.array(info.min if kind == "max" else info.max, dtype)
    return np.array(-np.inf if kind == "max" else np.inf, dtype)


def _reduce_window(L, kind: str):
    computation = {"sum": L.add, "max": L.max, "min": L.min}[kind]

    def reduce_window(x, **params):
        return L.reduce_window(x, _window_identity(kind, x.dtype), computation, **params)
    return reduce_window


def _window(shape, dims, strides, padding, **dilations):
    return Case((Arg(shape),), {"window_dimensions": dims, "window_strides": strides,
                                "padding": padding, **dilations},
                label="_".join(dilations) or "")


_WINDOW_CASES = (
    _window((5, 6), (2, 3), (1, 2), "VALID"),
    _window((2, 7, 6, 3), (1, 3, 3, 1), (1, 2, 2, 1), "SAME"),
    _window((4, 5), (3, 2), (1, 1), ((1, 1), (0, 1)), base_dilation=(2, 1)),
)
# Reverse mode of max/min with window dilation is not implemented (as in JAX).
_WINDOW_DILATION = _window((6, 7), (2, 2), (1, 2), "SAME_LOWER", window_dilation=(1, 2))

_WINDOWED = [
    Spec("reduce_window_sum", _reduce_window(zlax, "sum"), _reduce_window(jlax, "sum"),
         _WINDOW_CASES + (_WINDOW_DILATION,), (f32, i32, bf16), differentiable=True,
         linear=True, linear_in=(0,)),
    Spec("reduce_window_max", _reduce_window(zlax, "max"), _reduce_window(jlax, "max"),
         _WINDOW_CASES, (f32, i32, bf16), differentiable=True),
    Spec("reduce_window_min", _reduce_window(zlax, "min"), _reduce_window(jlax, "min"),
         _WINDOW_CASES[:2], (f32, i32), differentiable=True),
]

# ### FFT: one primitive; complex to complex, real to half spectrum and back
#
# The fft_type is spelled every way jax.lax.fft takes it.  Real (float32) operands of
# "fft" are cast to complex64 first, as JAX's wrapper does.

def _fft(fft_type: str, dtypes: tuple, *shapes_and_lengths) -> Spec:
    spellings = (fft_type, fft_type.upper(), jlax.FftType[fft_type.upper()])
    cases = tuple(Case((Arg(shape),), {"fft_type": spellings[i % 3], "fft_lengths": lengths},
                       label="n" + "x".join(map(str, lengths)))
                  for i, (shape, lengths) in enumerate(shapes_and_lengths))
    name = "fft" if fft_type == "fft" else f"fft/{fft_type}"
    return Spec(name, zlax.fft, jlax.fft.__wrapped__, cases, dtypes, differentiable=True,
                linear=True, linear_in=(0,))


_FFT = [
    _fft("fft", (c64, f32), ((4,), (4,)), ((2, 3, 4), (3, 4)), ((2, 2, 3), (2, 2, 3))),
    _fft("ifft", (c64,), ((5,), (5,)), ((3, 4), (3, 4))),
    _fft("rfft", (f32,), ((5,), (5,)), ((2, 4), (4,)), ((2, 3, 4), (3, 4))),
    # n = 4 and n = 5 both read 3 entries; the even one has a Nyquist entry.
    _fft("irfft", (c64,), ((3,), (4,)), ((3,), (5,)), ((2, 3), (2, 4))),
]

# ### PRNG: threefry2x32 against jax.random
#
# jax.random exposes the hash only through its key operations, so each row computes one of
# them on the primitive and compares with jax.random on the same raw key: ``split`` and
# ``bits`` hash the counters 0, 1, ... (high words 0), ``fold_in`` the counter (0, data).

def _hash(key, x1, x2) -> list:
    k1, k2 = (zlax.index_in_dim(key, i, keepdims=False) for i in (0, 1))
    return zlax.threefry2x32(k1, k2, x1, x2)


def _counters(shape) -> tuple:
    count = np.arange(math.prod(shape), dtype=np.uint32).reshape(shape)
    return np.zeros(shape, np.uint32), count


def _stack(words):
    return zlax.concatenate([zlax.expand_dims(w, (w.ndim,)) for w in words], words[0].ndim)


def _split(key, *, num):
    return _stack(_hash(key, *_counters(num)))


def _bits(key, *, shape):
    return zlax.bitwise_xor(*_hash(key, *_counters(shape)))


def _fold_in(key, data):
    return _stack(_hash(key, np.uint32(0), data))


def _jax_random(name: str):
    """``jax.random.<name>`` on a raw ``uint32[2]`` key, returning raw key data or bits."""
    def f(key, *args, **params):
        out = getattr(jax.random, name)(jax.random.wrap_key_data(key), *args, **params)
        return jax.random.key_data(out) if name != "bits" else out
    return f


_KEY = Arg((2,), u32, BITS)

_PRNG = [
    Spec("threefry2x32/split", _split, _jax_random("split"), (
        Case((_KEY,), {"num": (3,)}),
        Case((_KEY,), {"num": (2, 3)}),
    ), (u32,), same_jaxpr=False),
    Spec("threefry2x32/bits", _bits, _jax_random("bits"), (
        Case((_KEY,), {"shape": (5,)}),
    ), (u32,), same_jaxpr=False),
    Spec("threefry2x32/fold_in", _fold_in, _jax_random("fold_in"), (
        Case((_KEY, Arg((), u32, BITS))),
    ), (u32,), same_jaxpr=False),
]

SPECS: list[Spec] = _ELEMENTWISE + _COMPLEX + _LOGIC + _SELECT + _CASTS + _SHAPES \
    + _REDUCTIONS + _DOTS + _SLICING + _DYNAMIC_SLICING \
    + _CUMULATIVE + _SORTING + _CONVOLUTIONS + _WINDOWED + _FFT + _PRNG
SPECS_BY_NAME: dict[str, Spec] = {s.name: s for s in SPECS}
assert len(SPECS_BY_NAME) == len(SPECS), "spec names must be unique"
