"""``memory_budget``: a ``checkpoint`` policy that saves what fits a byte budget.

The other policies answer per equation ("may this value be saved?") and save everything
they allow.  ``memory_budget(b)`` looks at the whole checkpointed function instead: when
reverse mode splits it (``remat``'s partial evaluation, ``remat.py``) the policy sees
every value the backward pass reads and chooses which to save so that the saved bytes
stay within ``b`` and little work is recomputed.  ``b`` is a number of bytes (an
``int``) or a fraction (a ``float`` in [0, 1]) of what saving everything keeps.

**What saving everything keeps** is counted as XLA holds it, not value by value: XLA's
fusion recomputes data movement (broadcasts, reshapes, transposes) and cheap
elementwise arithmetic inside the kernels that read them, so those results count only
where a matmul or convolution reads them (a kernel cannot fuse into those).  The same
rule keeps this policy from spending its budget on a broadcast.

**The cost model.**  Recomputing an equation costs its FLOPs plus its transcendental
functions plus ``BYTE_COST`` per byte it writes (``cost.py`` counts them).  Recomputing
a value costs its *closure*: its equation and every unsaved equation upstream of it,
back to saved values and the function's inputs.

**The choice.**  Walking the function in program order, save each value whose closure
(given what is saved before it) would cost more than ``tau`` per byte of the value;
every other value is recomputed.  When a value crosses that line, a value of its
closure that is no larger and carries at least half the closure's cost is saved in its
place if that suffices: cutting a chain where it is shared (a transformer's residual
stream, say) shortens every closure below the cut, not only this one.  ``tau`` is the
least (found by bisection) whose saved bytes fit the budget, so matmul results and long
chains are saved first and elementwise results of saved values are recomputed first.
A budget that holds everything saves what ``everything_saveable`` saves.

**Where the recomputation happens.**  Memory is saved only if a recomputed value is
made shortly before the backward pass reads it.  The backward pass's equations are cut
into chunks in program order, each recomputing about ``CHUNK_FRACTION`` of the budget
(at least its largest value); each chunk becomes a nested ``remat`` that recomputes
what it reads from the saved values.  Reverse mode transposes the chunks one at a time,
last first, so one chunk's recomputed values are alive at a time.  A cheap value two
chunks read is recomputed in each; an expensive one (above ``REPEAT_LIMIT`` per byte)
keeps its readers in one chunk, unless that chunk would hold ``SPAN_LIMIT`` budgets.
On the CPU each chunk is lowered inside a ``cond`` (``remat.py``): XLA:CPU would
otherwise merge the recomputation back into the forward pass.

One level of chunks keeps the recomputation local down to budgets of about a quarter;
far below that (10% of a GPT) the saved values are too sparse, chunks repeat expensive
recomputation, and the FLOPs grow fast (``bench/memory_budget.py``).

>>> import zenax, zenax.numpy as jnp
>>> f = lambda x: jnp.sum(jnp.sin(jnp.sin(x)) ** 2)
>>> g = zenax.grad(zenax.checkpoint(f, policy=memory_budget(0.5)))
>>> bool(jnp.allclose(g(jnp.arange(3.0)), zenax.grad(f)(jnp.arange(3.0))))
True
"""
from __future__ import annotations

import dataclasses
import itertools
import numbers
from typing import Sequence

import numpy as np

from zenax.tracer.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Var
from zenax.lax.higher_order import remat_p

from .cost import jaxpr_cost
from .remat import saved_and_recomputed

__all__ = ["MemoryBudget", "memory_budget"]

BYTE_COST = 2           # FLOP-equivalents per byte an equation writes
CHUNK_FRACTION = 1 / 8  # recomputed bytes a chunk holds, as a share of the budget
REPEAT_LIMIT = 32       # cost per byte above which a chunk does not repeat a recomputation
SPAN_LIMIT = 4          # ... unless the chunk would hold this many budgets of recomputed bytes


def memory_budget(bytes_or_fraction: int | float) -> "MemoryBudget":
    """A ``checkpoint`` policy that keeps at most ``bytes_or_fraction`` for the backward
    pass -- bytes if an ``int``, a share of what saving everything keeps if a ``float``
    in [0, 1] -- and recomputes the rest, the cheapest to recompute per byte first.

    >>> loss = lambda w, x: jnp.sum(jnp.tanh(jnp.tanh(x @ w) @ w))
    >>> grad = zenax.grad(zenax.checkpoint(loss, policy=memory_budget(0.25)))
    >>> grad(jnp.eye(3), jnp.ones((2, 3))).shape
    (3, 3)
    """
    b = bytes_or_fraction
    if isinstance(b, (bool, np.bool_)) or not isinstance(b, numbers.Real):
        raise TypeError(
            f"memory_budget: bytes_or_fraction must be an int (bytes) or a float in [0, 1] "
            f"(a share of what saving everything keeps); got {b!r} of type "
            f"{type(b).__name__}.")
    if isinstance(b, numbers.Integral):
        if b < 0:
            raise ValueError(f"memory_budget: bytes_or_fraction={b} is negative; pass the "
                             f"bytes the backward pass may keep, an int >= 0.")
        return MemoryBudget(int(b))
    b = float(b)
    if not 0.0 <= b <= 1.0:     # NaN too
        raise ValueError(
            f"memory_budget: bytes_or_fraction={b!r} is a float, read as a share of what "
            f"saving everything keeps, so it must be in [0, 1]; for a number of bytes "
            f"pass an int.")
    return MemoryBudget(b)


@dataclasses.dataclass(frozen=True)
class MemoryBudget:
    """The policy :func:`memory_budget` makes: ``budget`` is bytes (an ``int``) or a
    share of what saving everything keeps (a ``float``)."""
    budget: int | float

    def __call__(self, prim, *avals, **params):
        raise TypeError(
            "memory_budget decides for the whole checkpointed function at once, so it has "
            "no answer for one equation; use it as zenax.checkpoint(f, policy=...), not "
            "inside save_from_both_policies or another policy.")

    def split_residuals(self, known_eqns: Sequence[JaxprEqn], unknown_eqns: Sequence[JaxprEqn],
                        needed: set, unknown_outs: Sequence, prevent_cse: bool
                        ) -> tuple[set, list[JaxprEqn]]:
        """``remat``'s hook: the values to save, and the equations of the backward part
        -- ``unknown_eqns``, which read the ``needed`` known values and return
        ``unknown_outs``, with the recomputation of the values not saved."""
        cost = _Costs()
        saved, recompute, limit = _choose(known_eqns, unknown_eqns, needed, self.budget, cost)
        if not recompute:
            return saved, list(unknown_eqns)
        largest = max(_held_bytes([e]) for e in recompute)
        chunk_bytes = max(limit * CHUNK_FRACTION, largest)
        return saved, _chunked(recompute, list(unknown_eqns), unknown_outs, chunk_bytes,
                               max(SPAN_LIMIT * limit, chunk_bytes), prevent_cse, cost)


@dataclasses.dataclass(frozen=True)
class _RecomputeChunk:
    """The policy of one chunk of the backward pass: it saves nothing (its inputs are
    what the budget saved), and remat's lowering keeps its recomputation apart from the
    forward pass (``recompute_in_branch``)."""
    recompute_in_branch = True

    def __call__(self, prim, *avals, **params) -> bool:
        return False


_CHUNK_POLICY = _RecomputeChunk()


# --------------------------------------------------------------------------- sizes, costs

# XLA's fusion recomputes these inside the kernels that read their results instead of
# keeping the results: data movement, and cheap elementwise arithmetic (not a
# transcendental or a division) unless a matmul or convolution reads the result.
_MOVES = frozenset({"broadcast_in_dim", "reshape", "squeeze", "expand_dims", "transpose",
                    "convert_element_type", "stop_gradient"})
_CHEAP = frozenset({"add", "sub", "mul", "neg", "max", "min", "select_n", "eq", "ne", "lt",
                    "le", "gt", "ge", "and", "or", "not", "abs", "sign", "square",
                    "integer_pow"})
_OPAQUE = frozenset({"dot_general", "conv_general_dilated"})


def _nbytes(v) -> int:
    try:
        itemsize = np.dtype(v.aval.dtype).itemsize
    except TypeError:        # an extended dtype: PRNG keys
        itemsize = v.aval.dtype.itemsize
    return v.aval.size * itemsize


def _held_bytes(eqns) -> int:
    """The bytes XLA materializes for these equations' results (not data movement)."""
    return sum(_nbytes(v) for e in eqns if e.primitive.name not in _MOVES for v in e.outvars)


class _Costs(dict):
    """Recompute cost of an equation (keyed by identity), computed once."""

    def of(self, e: JaxprEqn) -> float:
        c = self.get(id(e))
        if c is None:
            try:
                counts = jaxpr_cost(Jaxpr([], [x for x in e.invars if type(x) is Var],
                                          e.outvars, [e]))
                c = counts.flops + counts.transcendentals + BYTE_COST * counts.bytes_written
            except TypeError:    # cost.py cannot size PRNG keys: count what is written
                c = BYTE_COST * sum(_nbytes(v) for v in e.outvars)
            self[id(e)] = c
        return c


# --------------------------------------------------------------------------- the choice

def _choose(known_eqns: Sequence[JaxprEqn], unknown_eqns: Sequence[JaxprEqn], needed: set,
            budget: int | float, costs: _Costs) -> tuple[set, list[JaxprEqn], float]:
    """``(saved values, equations to recompute, the budget in bytes)``."""
    opaque_reads = {x for e in unknown_eqns if e.primitive.name in _OPAQUE for x in e.invars}

    def kept_by_xla(e):
        name = e.primitive.name
        return name not in _MOVES and (name not in _CHEAP or
                                       any(v in opaque_reads for v in e.outvars))
    kept, _ = saved_and_recomputed(known_eqns, needed, kept_by_xla)
    limit = budget if isinstance(budget, int) else budget * sum(_nbytes(v) for v in kept)
    everything = saved_and_recomputed(known_eqns, needed, lambda e: True)
    if (isinstance(budget, float) and budget == 1.0) or limit >= sum(
            _nbytes(v) for v in everything[0]):
        return everything + (limit,)

    # The candidates: every equation that recomputing everything would run, in order.
    _, upstream = saved_and_recomputed(known_eqns, needed, lambda e: False)
    position = {id(e): k for k, e in enumerate(upstream)}
    producer = {v: k for k, e in enumerate(upstream) for v in e.outvars}
    inputs = [[producer[x] for x in dict.fromkeys(e.invars) if type(x) is Var and x in producer]
              for e in upstream]
    cost = [costs.of(e) for e in upstream]
    size = [max(sum(_nbytes(v) for v in e.outvars), 1) for e in upstream]
    movable = [e.primitive.name not in _MOVES for e in upstream]

    def closure_of(k: int, chosen: set, most: float) -> tuple[float, set]:
        """The cost of ``k``'s closure given ``chosen`` (or of a part of it above
        ``most``), and its equations."""
        seen, stack, closure = {k}, [k], 0.0
        while stack and closure <= most:      # stop as soon as it is too dear
            j = stack.pop()
            closure += cost[j]
            for i in inputs[j]:
                if i not in chosen and i not in seen:
                    seen.add(i)
                    stack.append(i)
        return closure, seen

    def plan(tau: float) -> tuple[set, list[JaxprEqn]]:
        """Save each value whose closure, given the values saved before it, costs more
        than ``tau`` per byte -- or, in its place, the dearest value of that closure, no
        larger, whose own closure is at least half as dear: cutting a chain where it is
        shared (a residual stream) shortens every closure below the cut."""
        chosen, exact = set(), {}
        for k in range(len(upstream)):
            if not movable[k]:
                continue
            most = tau * size[k]
            closure, members = closure_of(k, chosen, most)
            if closure <= most:
                exact[k] = closure
                continue
            shared = [i for i in members if i in exact and size[i] <= size[k]
                      and 2 * exact[i] >= closure]
            if shared:
                chosen.add(max(shared, key=lambda i: exact[i]))
                if closure_of(k, chosen, most)[0] <= most:
                    continue
            chosen.add(k)
        return saved_and_recomputed(known_eqns, needed,
                                    lambda e: position.get(id(e)) in chosen)

    # The least tau whose plan fits, by bisection in log space (no tau above ``hi``
    # saves anything: no closure costs more than everything).
    lo, hi = 1e-3, 1.0 + sum(cost)
    best = plan(hi)
    for _ in range(30):
        mid = (lo * hi) ** 0.5
        trial = plan(mid)
        if sum(_nbytes(v) for v in trial[0]) <= limit:
            hi, best = mid, trial
        else:
            lo = mid
    return best + (limit,)


# --------------------------------------------------------------------------- the chunks

def _chunked(recompute: list[JaxprEqn], unknown_eqns: list[JaxprEqn], unknown_outs: Sequence,
             chunk_bytes: float, span_bytes: float, prevent_cse: bool, costs: _Costs
             ) -> list[JaxprEqn]:
    """``unknown_eqns`` cut into nested ``remat`` equations, each recomputing the values
    of ``recompute`` it reads, about ``chunk_bytes`` of them."""
    producer = {v: e for e in recompute for v in e.outvars}
    position = {id(e): k for k, e in enumerate(recompute)}

    def upstream(eqn: JaxprEqn) -> list[JaxprEqn]:
        """The recompute equations ``eqn`` needs."""
        found, have, stack = [], set(), [eqn]
        while stack:
            for x in stack.pop().invars:
                p = producer.get(x) if type(x) is Var else None
                if p is not None and id(p) not in have:
                    have.add(id(p))
                    found.append(p)
                    stack.append(p)
        return found

    # A recomputation too dear to repeat keeps its first and last readers, and all
    # between, in one chunk; a cheap one is repeated in each chunk that reads it.
    needs = [upstream(e) for e in unknown_eqns]
    first, last = {}, {}
    for i, rec in enumerate(needs):
        for p in rec:
            if costs.of(p) > REPEAT_LIMIT * max(sum(_nbytes(v) for v in p.outvars), 1):
                first.setdefault(id(p), i)
                last[id(p)] = i
    starts = [0] * (len(unknown_eqns) + 1)
    for k, i in first.items():
        starts[i + 1] += 1
        starts[last[k] + 1] -= 1
    inside_span = list(itertools.accumulate(starts))   # > 0: no cut before equation i

    groups: list[tuple[list[JaxprEqn], list[JaxprEqn]]] = []
    eqns, rec, have, held = [], [], set(), 0
    for i, e in enumerate(unknown_eqns):
        new = [p for p in needs[i] if id(p) not in have]
        grown = held + _held_bytes(new)
        if eqns and grown > chunk_bytes and (not inside_span[i] or grown > span_bytes):
            groups.append((rec, eqns))
            eqns, rec, have, held = [], [], set(), 0
            new = needs[i]
        eqns.append(e)
        rec.extend(new)
        have.update(id(p) for p in new)
        held += _held_bytes(new)
    groups.append((rec, eqns))

    # What each chunk hands on: its results that a later chunk reads or the part returns.
    read_later = {v for v in unknown_outs if type(v) is Var}
    outputs = []
    for rec, eqns in reversed(groups):
        outputs.append([v for e in eqns for v in e.outvars if v in read_later])
        read_later -= {v for e in eqns for v in e.outvars}
        read_later.update(x for e in rec + eqns for x in e.invars if type(x) is Var)
    outputs.reverse()

    chunk_eqns = []
    for (rec, eqns), outs in zip(groups, outputs):
        body_eqns = sorted(rec, key=lambda p: position[id(p)]) + eqns
        made = {v for e in body_eqns for v in e.outvars}
        ins = list(dict.fromkeys(x for e in body_eqns for x in e.invars
                                 if type(x) is Var and x not in made))
        body = ClosedJaxpr(Jaxpr([], ins, outs, body_eqns), [])
        chunk_eqns.append(JaxprEqn(ins, outs, remat_p,
                                   dict(jaxpr=body, prevent_cse=prevent_cse,
                                        policy=_CHUNK_POLICY),
                                   eqns[0].source_info, eqns[0].provenance))
    return chunk_eqns
