"""The NumPy-level spec table: one :class:`~spec.Spec` per ``zenax.numpy`` function.

Each row pairs ``zenax.numpy.<name>`` with ``jax.numpy.<name>`` (through a small wrapper
where the signature takes a sequence or a subscript string first) and says how to call it:
operand shapes and static keyword arguments (``Case``), dtypes, the domain operands are
drawn from, tolerances per dtype and whether it is differentiable.  Rows are read as in
spec.py; test_jnp_spec.py runs every one eagerly, under ``jit``, ``jvp``, ``vjp`` and
``vmap`` against JAX.  A new NumPy-level function needs one row here:

    _np("arctan", FLOATS)                                   # a unary ufunc
    _np("nanmean", (f32,), cases=_cases(((3, 4),), params={"axis": 1}))

The functions below are a seed of the kinds there are: ufuncs (broadcasting, domains),
reductions (``axis``, ``keepdims``, ``ddof``), selection, joining, indexing, scans,
products, ``einsum`` and creation.
"""
from __future__ import annotations

import jax.numpy as jnp

import zenax.numpy as znp

from spec import (NEAR_ONE, NONZERO, POSITIVE, REAL, Arg, Case, Domain, Spec, bf16, boolean,
                  f32, i32)

FLOATS = (f32, bf16)
NUMBERS = (f32, i32)


def _cases(*shape_tuples, **kw) -> tuple:
    return tuple(Case(tuple(Arg(s) for s in shapes), **kw) for shapes in shape_tuples)


UNARY = _cases(((2, 3),), ((),))
BINARY = _cases(((2, 3), (2, 3)), ((2, 3), (3,)), ((), (2, 3)))   # with broadcasting


def _np(name, dtypes, domains=REAL, cases=UNARY, differentiable=True, **kw) -> Spec:
    """The row of ``<numpy>.<name>(*operands, **params)``."""
    return Spec(name, getattr(znp, name), getattr(jnp, name), cases, dtypes, domains,
                differentiable=differentiable, **kw)


def _wrapped(name, wrap, cases, dtypes, domains=REAL, **kw) -> Spec:
    """The row of ``wrap(<numpy>)``, a function of operands and params built on a numpy
    module (for signatures that take a sequence, or a string before the operands)."""
    return Spec(name, wrap(znp), wrap(jnp), cases, dtypes, domains, **kw)


def _sequence(fun_name):
    """``<numpy>.<fun_name>([*operands], **params)``: concatenate, stack."""
    def wrap(m):
        fun = getattr(m, fun_name)
        return lambda *operands, **params: fun(list(operands), **params)
    return wrap


def _einsum(m):
    return lambda *operands, subscripts: m.einsum(subscripts, *operands)


def _linspace(m):
    return lambda start, stop, **params: m.linspace(start, stop, **params)


_REDUCTION_CASES = (
    Case((Arg((3, 4)),), {"axis": 1}),
    Case((Arg((3, 4)),), {"axis": 0, "keepdims": True}, label="keepdims"),
    Case((Arg((2, 3, 4)),), {}, label="all"),
)

SPECS: list[Spec] = [
    # ufuncs: broadcasting, domains, integer and low-precision dtypes
    _np("add", (f32, i32, bf16), cases=BINARY),
    _np("multiply", NUMBERS, cases=BINARY),
    _np("divide", (f32, i32), (REAL, NONZERO), cases=BINARY[:2]),
    _np("maximum", NUMBERS, cases=BINARY[:2]),
    _np("arctan2", (f32,), (REAL, NONZERO), cases=BINARY[:2]),
    _np("exp", FLOATS),
    _np("log", FLOATS, POSITIVE),
    _np("sqrt", (f32,), POSITIVE),
    _np("tanh", (f32,)),
    _np("abs", (f32, i32), NONZERO),
    # reductions
    _np("sum", (f32, i32, bf16), cases=_REDUCTION_CASES),
    _np("mean", NUMBERS, cases=_REDUCTION_CASES),
    _np("max", NUMBERS, cases=_REDUCTION_CASES[:2]),
    _np("prod", (f32,), NEAR_ONE, cases=_REDUCTION_CASES[:2]),
    _np("var", (f32,), cases=(Case((Arg((3, 4)),), {"axis": 1, "ddof": 1}),
                              Case((Arg((5,)),), {}))),
    _np("argmax", NUMBERS, cases=(Case((Arg((3, 4)),), {"axis": 1}),
                                  Case((Arg((3, 4)),), {}, label="flat")),
        differentiable=False),
    # selection, joining, indexing
    _np("where", (f32, i32), cases=(
        Case((Arg((2, 3), boolean), Arg((2, 3)), Arg((3,)))),
        Case((Arg((), boolean), Arg(()), Arg((2, 3)))),
    )),
    _np("clip", (f32, i32), (REAL, Domain(-2.0, -1.0), Domain(1.0, 2.0)), cases=_cases(
        ((2, 3), (), ()), ((4,), (4,), (4,)))),
    _wrapped("concatenate", _sequence("concatenate"), (
        Case((Arg((2, 3)), Arg((4, 3))), {"axis": 0}),
        Case((Arg((2, 1)), Arg((2, 2)), Arg((2, 3))), {"axis": -1}),
    ), (f32, i32), differentiable=True),
    _wrapped("stack", _sequence("stack"), (
        Case((Arg((2, 3)), Arg((2, 3))), {"axis": 1}),
    ), (f32,), differentiable=True),
    _np("take", (f32, i32), cases=(
        Case((Arg((2, 5)), Arg((3,), i32, Domain(0, 4))), {"axis": 1}),
        Case((Arg((4, 3)), Arg((2, 2), i32, Domain(0, 3))), {"axis": 0}),
    )),
    _np("transpose", (f32,), cases=(Case((Arg((2, 3, 4)),), {"axes": (2, 0, 1)}),)),
    _np("reshape", (f32,), cases=(Case((Arg((2, 3, 4)),), {"shape": (4, -1)}),)),
    # scans and products
    _np("cumsum", (f32, i32), cases=(Case((Arg((3, 4)),), {"axis": 1}),
                                     Case((Arg((5,)),), {}))),
    _np("matmul", (f32, bf16), cases=_cases(((2, 3), (3, 4)), ((2, 2, 3), (3,)))),
    _np("tensordot", (f32,), cases=(Case((Arg((2, 3, 4)), Arg((4, 3, 5))),
                                         {"axes": ((1, 2), (1, 0))}),)),
    _wrapped("einsum", _einsum, (
        Case((Arg((2, 3)), Arg((3, 4))), {"subscripts": "ij,jk->ik"}),
        Case((Arg((2, 3, 4)), Arg((2, 4))), {"subscripts": "bij,bj->bi"}, label="batched"),
        Case((Arg((3, 3)),), {"subscripts": "ii->"}, label="trace"),
    ), (f32,), differentiable=True),
    # creation
    _wrapped("linspace", _linspace, (
        Case((Arg(()), Arg(())), {"num": 5}),
        Case((Arg((2,)), Arg((2,))), {"num": 4, "endpoint": False, "axis": 1},
             label="axis"),
    ), (f32,), differentiable=True),
]
SPECS_BY_NAME: dict[str, Spec] = {s.name: s for s in SPECS}
assert len(SPECS_BY_NAME) == len(SPECS), "row names must be unique"
