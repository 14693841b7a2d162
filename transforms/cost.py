"""The cost model: what a program costs, read off its jaxpr before anything is compiled.

``cost(f)(*args)`` traces ``f`` and walks the equations once, counting

- ``flops``: arithmetic.  One per output element of an elementwise op (comparisons and
  selects included), ``2*m*n*k`` for a matmul (``dot_general``: two per multiply-add, as
  XLA counts), ``2 * out.size * (kernel.size / out_features)`` for a convolution, ``n - 1``
  per output of a reduction over ``n`` elements, ``x ** k`` as the multiplications of
  binary exponentiation.  Data movement (reshape, transpose, broadcast, slice, gather,
  concatenate, pad, type conversion, iota...) is free.
- ``transcendentals``: one per output element of exp, log, sin, tanh, sqrt, pow, erf...
  (counted apart from flops, as XLA's ``cost_analysis`` does).
- ``bytes_read`` / ``bytes_written``: each equation reads its operands (inline scalar
  literals excepted) and writes its results -- the traffic of the program run one
  equation at a time.  XLA fuses
  elementwise chains, so its count is lower; this is the unfused upper bound.
- ``peak_bytes``: the most memory live at once, by a liveness walk over the equations in
  order.  The inputs and constants belong to the caller and stay live throughout; each
  intermediate is live from the equation that makes it to its last use; outputs live to
  the end.  While an equation runs, its operands and results are live together.

Higher-order primitives are counted through their bodies: ``jit_call``, ``remat`` and
``custom_jvp_call``/``custom_vjp_call`` once, ``scan`` ``length`` times, ``cond`` as its
most expensive branch (each count and the peak at its largest over the branches),
``while`` as one iteration of its condition and body (the trip count is not known before
running; ``max_steps`` iterations when it is set).  The peak while a body runs adds the
body's own transient memory to what is live outside.

The transforms of ``f`` are programs too, and are costed the same way: ``Cost.jvp``,
``Cost.vjp`` and ``Cost.vmap(axis_size)`` (see :class:`Cost`).  ``jacobian(mode="auto")``
compares the FLOPs of the linearized program and of its transpose (``jaxpr_flops``).
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Callable, Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Var
from zenax.tracer.make_jaxpr import shaped_abstractify, trace_flat
from zenax.tracer.provenance import TRANSPOSED
from zenax.tracer.source_info import api_boundary
from zenax.tracer.tree_util import tree_flatten, tree_map, tree_unflatten
from zenax.lax.registry import tangent_aval

from .autodiff import _normalize_argnums, jvp, partial_over, vjp
from .vmap import vmap

# --------------------------------------------------------------------------- per equation

_FREE = frozenset({
    "broadcast_in_dim", "reshape", "transpose", "squeeze", "concatenate", "pad", "slice",
    "rev", "iota", "convert_element_type", "bitcast_convert_type", "stop_gradient", "name",
    "gather", "dynamic_slice", "dynamic_update_slice", "scatter", "real", "imag", "complex",
    "debug_callback", "axis_index", "all_gather", "custom_lin"})

_TRANSCENDENTAL = frozenset({
    "exp", "exp2", "expm1", "log", "log1p", "sin", "cos", "tan", "tanh", "sinh", "cosh",
    "asin", "acos", "atan", "asinh", "acosh", "atanh", "atan2", "logistic", "erf", "erfc",
    "erf_inv", "lgamma", "digamma", "sqrt", "rsqrt", "cbrt", "pow"})

_REDUCTIONS = frozenset({"reduce_sum", "reduce_prod", "reduce_max", "reduce_min",
                         "reduce_and", "reduce_or", "reduce_xor"})

# Bodies a higher-order primitive runs once (the custom rules' own functions run only
# under a transform, which stages them as ordinary equations).
_BODY_PARAM = {"jit_call": "jaxpr", "remat": "jaxpr", "custom_jvp_call": "call_jaxpr",
               "custom_vjp_call": "call_jaxpr"}


def _nbytes(aval: ShapedArray) -> int:
    return aval.size * np.dtype(aval.dtype).itemsize


def _out_size(eqn: JaxprEqn) -> int:
    return sum(v.aval.size for v in eqn.outvars)


def _integer_pow_muls(y: int) -> int:
    """Multiplications of ``x ** y`` by repeated squaring (plus one reciprocal if y < 0)."""
    k = abs(y)
    muls = k.bit_length() - 1 + bin(k).count("1") - 1 if k > 1 else 0
    return muls + (1 if y < 0 else 0)


def _dot_flops(eqn: JaxprEqn) -> int:
    (lhs_contract, _), _ = eqn.params["dimension_numbers"]
    lhs = eqn.invars[0].aval
    return 2 * eqn.outvars[0].aval.size * math.prod(lhs.shape[d] for d in lhs_contract)


def _conv_flops(eqn: JaxprEqn) -> int:
    rhs = eqn.invars[1].aval
    out_features = rhs.shape[eqn.params["dimension_numbers"].rhs_spec[0]]
    return 2 * eqn.outvars[0].aval.size * (rhs.size // out_features)


def _first_order_counts(eqn: JaxprEqn) -> tuple[int, int]:
    """``(flops, transcendentals)`` of an equation without a body."""
    name = eqn.primitive.name
    if name in _FREE:
        return 0, 0
    if name in _TRANSCENDENTAL:
        return 0, _out_size(eqn)
    if name == "dot_general":
        return _dot_flops(eqn), 0
    if name == "conv_general_dilated":
        return _conv_flops(eqn), 0
    if name in _REDUCTIONS:
        return eqn.invars[0].aval.size - eqn.outvars[0].aval.size, 0
    if name == "integer_pow":
        return _out_size(eqn) * _integer_pow_muls(eqn.params["y"]), 0
    if name in ("argmax", "argmin", "psum", "pmax", "pmin") or name.startswith("cum"):
        flops = eqn.invars[0].aval.size
        return flops, 2 * flops if name == "cumlogsumexp" else 0
    if name.startswith("reduce_window_"):
        return _out_size(eqn) * math.prod(eqn.params["window_dimensions"]), 0
    if name in ("select_and_scatter_add", "select_and_gather_add"):
        return 2 * eqn.invars[0].aval.size * math.prod(eqn.params["window_dimensions"]), 0
    if name.startswith("scatter"):   # scatter-add, -mul, -min, -max combine each update
        return eqn.invars[-1].aval.size, 0
    if name in ("sort", "top_k"):
        operand = eqn.invars[0].aval
        n = operand.shape[-1] if operand.ndim else 1
        return operand.size * max(1, math.ceil(math.log2(max(n, 2)))), 0
    return _out_size(eqn), 0   # elementwise arithmetic, comparisons, select_n, clamp, ...


class _Counts:
    """Accumulated counts of a sequence of equations (mutable while walking)."""

    __slots__ = ("flops", "transcendentals", "bytes_read", "bytes_written")

    def __init__(self):
        self.flops = self.transcendentals = self.bytes_read = self.bytes_written = 0

    def add(self, other: "_Counts", times: int = 1) -> None:
        self.flops += times * other.flops
        self.transcendentals += times * other.transcendentals
        self.bytes_read += times * other.bytes_read
        self.bytes_written += times * other.bytes_written


def _bodies(eqn: JaxprEqn) -> list[tuple[list[Jaxpr], int]]:
    """The bodies an equation runs, as ``(alternatives, times)``: it runs one of the
    alternatives ``times`` times.  Empty for first-order primitives."""
    name, params = eqn.primitive.name, eqn.params
    inner = lambda j: j.jaxpr if isinstance(j, ClosedJaxpr) else j   # noqa: E731
    if name in _BODY_PARAM:
        return [([inner(params[_BODY_PARAM[name]])], 1)]
    if name == "scan":
        return [([inner(params["jaxpr"])], params["length"])]
    if name == "cond":
        return [([inner(b) for b in params["branches"]], 1)]
    if name == "while":
        trips = params.get("max_steps") or 1
        return [([inner(params["cond_jaxpr"])], trips), ([inner(params["body_jaxpr"])], trips)]
    subs = [inner(v) for v in params.values() if isinstance(v, (Jaxpr, ClosedJaxpr))]
    return [([j], 1) for j in subs]


def _eqn_counts(eqn: JaxprEqn) -> _Counts:
    counts = _Counts()
    bodies = _bodies(eqn)
    if not bodies:
        counts.flops, counts.transcendentals = _first_order_counts(eqn)
        counts.bytes_read = sum(_nbytes(x.aval) for x in eqn.invars if type(x) is Var)
        counts.bytes_written = sum(_nbytes(v.aval) for v in eqn.outvars)
        return counts
    for alternatives, times in bodies:
        counts.add(_most_of(_jaxpr_counts(j) for j in alternatives), times)
    return counts


def _most_of(alternatives) -> _Counts:
    """Each count at its largest over ``alternatives`` (the branches of a cond)."""
    most = _Counts()
    for c in alternatives:
        most.flops = max(most.flops, c.flops)
        most.transcendentals = max(most.transcendentals, c.transcendentals)
        most.bytes_read = max(most.bytes_read, c.bytes_read)
        most.bytes_written = max(most.bytes_written, c.bytes_written)
    return most


def _jaxpr_counts(jaxpr: Jaxpr) -> _Counts:
    counts = _Counts()
    for eqn in jaxpr.eqns:
        counts.add(_eqn_counts(eqn))
    return counts


# --------------------------------------------------------------------------- liveness

def _transient_bytes(eqn: JaxprEqn) -> int:
    """Memory a body needs beyond its inputs and outputs (already live outside)."""
    extra = 0
    for alternatives, _ in _bodies(eqn):
        for j in alternatives:
            boundary = _unique_bytes(j.constvars + j.invars + j.outvars)
            extra = max(extra, _peak_bytes(j.eqns, j.constvars + j.invars, [], j.outvars)
                        - boundary)
    return max(extra, 0)


def _unique_bytes(atoms) -> int:
    seen = {v for v in atoms if type(v) is Var}
    return sum(_nbytes(v.aval) for v in seen)


def _peak_bytes(eqns: Sequence[JaxprEqn], resident: Sequence[Var], entering: Sequence[Var],
                outputs: Sequence) -> int:
    """Peak live bytes running ``eqns`` in order.  ``resident`` values (the caller's
    inputs) are live throughout; ``entering`` ones (made by an earlier part of the
    program) are live at the start until their last use; ``outputs`` until the end."""
    last_use: dict[Var, int] = {}
    for i, eqn in enumerate(eqns):
        for x in eqn.invars:
            if type(x) is Var:
                last_use[x] = i
    keep = {v for v in outputs if type(v) is Var} | set(resident)
    live = _unique_bytes(list(resident) + list(entering))
    peak = live
    for i, eqn in enumerate(eqns):
        made = sum(_nbytes(v.aval) for v in eqn.outvars)
        peak = max(peak, live + made + _transient_bytes(eqn))
        live += made
        dead = {x for x in eqn.invars if type(x) is Var and last_use[x] == i}
        dead |= {v for v in eqn.outvars if v not in last_use}
        live -= sum(_nbytes(v.aval) for v in dead if v not in keep)
    return peak


# --------------------------------------------------------------------------- Cost

@dataclasses.dataclass(frozen=True)
class Cost:
    """The static cost of a program (see the module docstring for what is counted).

    Attributes:
      flops, transcendentals, bytes_read, bytes_written, peak_bytes: the counts.
      jaxpr: the :class:`ClosedJaxpr` that was counted.

    The same counts for transformed versions of the program, each itself a ``Cost`` (so
    they compose: ``c.jvp.vjp`` is reverse-over-forward):

    - ``c.jvp``: ``jvp`` of the program w.r.t. the ``argnums`` arguments (primals and
      tangents in; outputs and output tangents out).
    - ``c.vjp``: the whole reverse-mode step -- the forward pass that saves residuals and
      the backward pass that maps an output cotangent to the ``argnums`` cotangents
      (arguments, then the cotangent, in; outputs and input cotangents out).
    - ``c.vmap(axis_size, in_axes=None)``: ``vmap`` of the program over a batch of
      ``axis_size``; ``in_axes`` as in :func:`zenax.vmap`, by default axis 0 of the
      ``argnums`` arguments and the others unbatched.

    and the split of any program into ``c.forward`` (everything but the backward pass)
    and ``c.backward`` (the equations the backward pass emitted, see provenance.py): for
    ``c.vjp`` the two halves of reverse mode, each with its own peak memory.

    >>> import numpy as np, zenax
    >>> c = zenax.cost(lambda w, x: (x @ w).sum())(np.ones((3, 4), np.float32),
    ...                                             np.ones((2, 3), np.float32))
    >>> c.flops                       # 2*2*4*3 for the matmul, 8-1 for the sum
    55
    >>> c.vjp.backward.flops          # w's cotangent: the matmul x.T @ ct, 2*3*4*2
    48
    """
    flops: int
    transcendentals: int
    bytes_read: int
    bytes_written: int
    peak_bytes: int
    jaxpr: ClosedJaxpr = dataclasses.field(repr=False, compare=False)
    _program: "_Program | None" = dataclasses.field(default=None, repr=False, compare=False)

    @functools.cached_property
    def jvp(self) -> "Cost":
        return _program_cost(self._derivable("jvp").jvp())

    @functools.cached_property
    def vjp(self) -> "Cost":
        return _program_cost(self._derivable("vjp").vjp())

    def vmap(self, axis_size: int, in_axes=None) -> "Cost":
        if not isinstance(axis_size, int) or axis_size < 1:
            raise ValueError(f"Cost.vmap: axis_size must be a positive int, got {axis_size!r}.")
        return _program_cost(self._derivable("vmap").vmap(axis_size, in_axes))

    @functools.cached_property
    def forward(self) -> "Cost":
        return _part_cost(self.jaxpr, backward=False)

    @functools.cached_property
    def backward(self) -> "Cost":
        return _part_cost(self.jaxpr, backward=True)

    def _derivable(self, what: str) -> "_Program":
        if self._program is None:
            raise TypeError(f"Cost.{what}: this Cost counts a jaxpr, not a function, so it "
                            f"cannot be transformed. Use zenax.cost(f)(*args).{what}.")
        return self._program


def jaxpr_cost(jaxpr: Jaxpr | ClosedJaxpr) -> Cost:
    """The :class:`Cost` of a jaxpr.

    >>> import numpy as np, zenax
    >>> jaxpr_cost(zenax.make_jaxpr(zenax.numpy.sin)(np.ones(8, np.float32))).transcendentals
    8
    """
    closed = jaxpr if isinstance(jaxpr, ClosedJaxpr) else ClosedJaxpr(jaxpr, [None] * len(
        jaxpr.constvars))
    return _counted(closed, closed.jaxpr.eqns, closed.jaxpr.constvars + closed.jaxpr.invars,
                    [], closed.jaxpr.outvars)


def jaxpr_flops(jaxpr: Jaxpr | ClosedJaxpr) -> int:
    """Estimated floating-point operations to evaluate ``jaxpr`` once.

    >>> import numpy as np, zenax
    >>> jaxpr_flops(zenax.make_jaxpr(lambda a, b: a @ b)(np.ones((2, 3)), np.ones((3, 4))))
    48
    """
    inner = jaxpr.jaxpr if isinstance(jaxpr, ClosedJaxpr) else jaxpr
    return _jaxpr_counts(inner).flops


def _counted(closed, eqns, resident, entering, outputs, program=None) -> Cost:
    counts = _Counts()
    for eqn in eqns:
        counts.add(_eqn_counts(eqn))
    return Cost(counts.flops, counts.transcendentals, counts.bytes_read, counts.bytes_written,
                _peak_bytes(eqns, resident, entering, outputs), closed, program)


def _part_cost(closed: ClosedJaxpr, backward: bool) -> Cost:
    """The cost of the backward-pass equations of ``closed`` (or of all the others).  The
    part's inputs made by the other part (residuals) are freed after their last use; its
    outputs are the program's outputs it makes and the values the other part reads."""
    jaxpr = closed.jaxpr
    mine = [(TRANSPOSED in e.provenance) == backward for e in jaxpr.eqns]
    eqns = [e for e, m in zip(jaxpr.eqns, mine) if m]
    made_here = {v for e in eqns for v in e.outvars}
    read_elsewhere = {x for e, m in zip(jaxpr.eqns, mine) if not m for x in e.invars
                      if type(x) is Var}
    resident = jaxpr.constvars + jaxpr.invars
    outside = made_here | set(resident)
    entering = [x for e in eqns for x in e.invars if type(x) is Var and x not in outside]
    outputs = [v for v in jaxpr.outvars if v in made_here] + \
        [v for v in made_here if v in read_elsewhere]
    return _counted(closed, eqns, resident, list(dict.fromkeys(entering)), outputs)


# --------------------------------------------------------------------------- programs

class _Program:
    """A function of positional arguments, given as pytrees of avals, and the
    ``argnums`` its derivatives (and default batching) are taken with respect to."""

    def __init__(self, fun: Callable, args: tuple, argnums: tuple[int, ...]):
        self.fun, self.args, self.argnums = fun, args, argnums

    def _tangent_avals(self, what: str) -> tuple:
        for i in self.argnums:
            for leaf in tree_flatten(self.args[i])[0]:
                if not dtypes.is_inexact(leaf.dtype):
                    raise TypeError(f"Cost.{what}: argument {i} has dtype {leaf.dtype.name}; "
                                    "only floating-point arguments can be differentiated. "
                                    "Pass zenax.cost(f, argnums=...) naming the float "
                                    "arguments.")
        return tuple(tree_map(tangent_aval, self.args[i]) for i in self.argnums)

    def jvp(self) -> "_Program":
        n = len(self.args)

        def jvp_fun(*args_and_tangents):
            full, tangents = args_and_tangents[:n], args_and_tangents[n:]
            dargs = [full[i] for i in self.argnums]
            return jvp(partial_over(self.fun, full, self.argnums), dargs, tangents)

        return _Program(jvp_fun, self.args + self._tangent_avals("jvp"), self.argnums)

    def vjp(self) -> "_Program":
        n = len(self.args)
        self._tangent_avals("vjp")   # checks the dtypes
        closed, out_tree = trace_flat(self.fun, self.args)
        ct = tree_unflatten(out_tree, [tangent_aval(a) for a in closed.out_avals])

        def vjp_fun(*args_and_ct):
            full, ct_in = args_and_ct[:n], args_and_ct[n]
            dargs = [full[i] for i in self.argnums]
            out, f_vjp = vjp(partial_over(self.fun, full, self.argnums), *dargs)
            return out, f_vjp(ct_in)

        return _Program(vjp_fun, self.args + (ct,), self.argnums)

    def vmap(self, axis_size: int, in_axes) -> "_Program":
        if in_axes is None:
            in_axes = tuple(0 if i in self.argnums else None for i in range(len(self.args)))
        if not isinstance(in_axes, (tuple, list)) or len(in_axes) != len(self.args):
            raise ValueError(f"Cost.vmap: in_axes must be a tuple with one entry (an int or "
                             f"None) per argument, {len(self.args)} here; got {in_axes!r}.")
        batched = []
        for i, (arg, axis) in enumerate(zip(self.args, in_axes)):
            if axis is not None and not isinstance(axis, int):
                raise ValueError(f"Cost.vmap: in_axes[{i}] must be an int or None, got "
                                 f"{axis!r}.")
            batched.append(arg if axis is None else tree_map(
                lambda a, ax=axis: _insert_axis(a, ax, axis_size), arg))
        return _Program(vmap(self.fun, in_axes=tuple(in_axes)), tuple(batched), self.argnums)


def _insert_axis(aval: ShapedArray, axis: int, size: int) -> ShapedArray:
    shape = list(aval.shape)
    shape.insert(axis % (aval.ndim + 1), size)
    return aval.update(shape=tuple(shape))


def _program_cost(program: _Program) -> Cost:
    closed, _ = trace_flat(program.fun, program.args)
    j = closed.jaxpr
    return _counted(closed, j.eqns, j.constvars + j.invars, [], j.outvars, program)


def cost(fun: Callable, argnums: int | Sequence[int] = 0) -> Callable[..., Cost]:
    """Returns a function that counts the cost of ``fun`` at its arguments' shapes, before
    anything is compiled or run: a :class:`Cost` with ``flops``, ``transcendentals``,
    ``bytes_read``, ``bytes_written`` and ``peak_bytes``, and the same for ``.jvp``,
    ``.vjp`` (with ``.forward``/``.backward``) and ``.vmap(axis_size)`` of ``fun``.

    ``argnums`` names the arguments the derivatives are taken with respect to (and that
    ``.vmap`` batches by default).  Arguments may be arrays or anything with ``shape``
    and ``dtype`` (``zenax.ShapeDtypeStruct``); only their shapes and dtypes are used.

    >>> import numpy as np, zenax
    >>> w, x = np.ones((64, 32), np.float32), np.ones((8, 64), np.float32)
    >>> c = zenax.cost(lambda w, x: zenax.numpy.tanh(x @ w))(w, x)
    >>> c.flops, c.transcendentals            # 2*8*32*64, one tanh per output
    (32768, 256)
    >>> c.vmap(4).flops
    131072
    """
    if not callable(fun):
        raise TypeError(f"cost: fun must be callable, got {type(fun).__name__}.")

    @functools.wraps(fun)
    @api_boundary
    def cost_f(*args, **kwargs) -> Cost:
        _, nums = _normalize_argnums("cost", argnums, len(args)) if args else (False, ())
        avals = tuple(tree_map(shaped_abstractify, a) for a in args)
        program = _Program(lambda *a: fun(*a, **kwargs), avals, nums)
        return _program_cost(program)

    return cost_f
