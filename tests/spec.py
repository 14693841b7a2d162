"""What a spec-table row is, and how the suites walk a table.

A spec says how to test one function against JAX's function of the same signature: the
operand shapes and static params of each call (:class:`Case` of :class:`Arg`), the dtypes,
the :class:`Domain` random operands are drawn from, tolerances per dtype, and which
transforms apply.  The primitive table (spec_table.py) and the NumPy-level table
(jnp_spec_table.py) are lists of :class:`Spec`; a test file walks one with
:func:`instances`, which yields ``(spec, case, dtype, id)`` with a readable pytest id
(``add-f32-s_2x3``: scalar plus array), and calls :meth:`Spec.args` / :meth:`Spec.params`
for the inputs and :meth:`Spec.tolerance` (or the oracle's ``tol=spec.tol``) to compare.

    >>> spec = Spec("neg", np.negative, np.negative, (Case((Arg((2, 3)),)),), (f32,))
    >>> spec, case, dtype, test_id = next(instances([spec]))
    >>> test_id, [a.shape for a in spec.args(np.random.RandomState(0), case, dtype)]
    ('neg-f32-2x3', [(2, 3)])
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Iterator, Sequence

import jax.numpy as jnp
import numpy as np

import oracle

f32 = np.dtype(np.float32)
f16 = np.dtype(np.float16)
bf16 = np.dtype(jnp.bfloat16)
i32 = np.dtype(np.int32)
i16 = np.dtype(np.int16)
u8 = np.dtype(np.uint8)
u32 = np.dtype(np.uint32)
c64 = np.dtype(np.complex64)
boolean = np.dtype(np.bool_)

FLOATS = (f32, bf16, f16)
NUMERIC = (f32, i32, bf16, f16)
ALL = (f32, i32, boolean, bf16, f16)
INTS = (i32, u8)
INT_OR_BOOL = (boolean, i32, u8)

_SHORT = {"float32": "f32", "float16": "f16", "bfloat16": "bf16", "int32": "i32",
          "int16": "i16", "uint8": "u8", "uint32": "u32", "complex64": "c64", "bool": "bool"}


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
    """One way to call the function: operands and static params.

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
class Spec:
    """How to test one function: a primitive, a public wrapper that binds primitives, or a
    NumPy-level function.

    ``zfun`` and ``jfun`` have the same signature: ``f(*operands, **params)``.
    ``differentiable``: jvp/vjp/finite-difference checks apply for inexact dtypes.
    ``linear``: the function is linear in all its operands jointly (transpose applies).
    ``linear_in``: operand positions in which it is linear with the others held fixed
    (e.g. ``mul`` in each; ``div`` in its numerator); positions past a case's operand
    count are ignored (``select_n`` with fewer cases).
    ``same_jaxpr``: ``jfun`` is the same program as ``zfun``, so their jaxprs can be
    compared op by op (not so where the oracle is JAX's own key machinery: the PRNG rows).
    ``batchable``: the vmap check applies (not for functions JAX cannot vmap either, such
    as those whose output shape depends on a value).
    """
    name: str
    zfun: Callable
    jfun: Callable
    cases: tuple
    dtypes: tuple
    domains: Any = REAL          # one Domain, or a tuple of one per operand position
    tol: dict = dataclasses.field(default_factory=dict)   # dtype name -> (rtol, atol)
    differentiable: bool = False
    linear: bool = False
    linear_in: tuple = ()
    same_jaxpr: bool = True
    batchable: bool = True

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
        """``(rtol, atol)`` for results of ``dtype`` (zero for integers and bools): the
        spec's ``tol``, else the oracle's default.  Eager and jaxpr evaluation call the same
        XLA kernels as jax.lax, so those agree to the bit; the slack is for the transform
        tests that reuse the table (a jvp rule may compute a derivative by a different but
        equal formula)."""
        return oracle.tolerance(dtype, tol=self.tol)

    def dtypes_for(self, case: Case) -> tuple:
        return tuple(d for d in self.dtypes if case.dtypes is None or d in case.dtypes)


def instances(specs: Sequence[Spec], every_case_every_dtype: bool = False) -> Iterator[tuple]:
    """``(spec, case, dtype, id)`` for the cases and dtypes of every spec of ``specs``.

    The first dtype of a spec runs every case; each other dtype runs the first case it
    applies to plus the cases written for it alone (``Case.dtypes``).  Every case of the
    first dtype is a new XLA compilation per (shape, dtype), which dominates run time, so
    this keeps the suite fast while still covering every dtype and every shape.  Pass
    ``every_case_every_dtype=True`` for the full product.
    """
    seen: dict[str, int] = {}
    for spec in specs:
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

