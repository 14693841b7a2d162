"""Structured control flow: ``cond``, ``switch``, ``while_loop``, ``fori_loop``, ``scan``,
``map``.

Python ``if`` and ``for`` run at trace time; to branch or loop on *traced* values, the
body functions are staged into sub-jaxprs and bound as one higher-order primitive.
Closed-over values of a body become explicit leading operands, so every sub-jaxpr here is
closed with no consts.  The primitives' abstract evaluation is declared here; their jvp,
partial-evaluation, transpose, batching and lowering rules live in
``transforms/control_flow.py`` (DESIGN.md §2).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray, is_python_scalar
from zenax.tracer.core import (Primitive, Tracer, abstract_eval_rules, bind, eval_trace,
                               get_aval, set_current_trace)
from zenax.tracer.ir import (ClosedJaxpr, Jaxpr, Var, closed_to_open, pp_eqn_default,
                             pp_eqn_rules)
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_map, tree_structure, tree_unflatten

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import reshape
from .eager import is_concrete_array
from .registry import type_error

cond_p = Primitive("cond", multiple_results=True)
while_p = Primitive("while", multiple_results=True)
scan_p = Primitive("scan", multiple_results=True)


# --------------------------------------------------------------------------- tracing helpers

def _avals_str(avals) -> str:
    return "(" + ", ".join(a.str_short() for a in avals) + ")"


def trace_fun(fun: Callable, in_tree, in_avals: Sequence[ShapedArray]):
    """Stage ``fun`` (called on a pytree with structure ``in_tree``) into a jaxpr whose
    consts are hoisted into leading invars.  Returns ``(jaxpr, consts, out_tree)``."""
    box = {}

    def flat_fun(*flat):
        out = fun(*tree_unflatten(in_tree, flat))
        leaves, box["tree"] = tree_flatten(out)
        return leaves

    closed, _ = trace_to_jaxpr(flat_fun, list(in_avals))
    open_, consts = closed_to_open(closed)
    return open_, list(consts), box["tree"]


def _abstractify(x) -> ShapedArray:
    # Weak types are kept, as in JAX: a Python-scalar operand or carry still promotes to
    # the other operand's dtype inside the body (0.0 + bf16 is bf16).
    return get_aval(x) if not isinstance(x, ShapedArray) else x


def _promote_weak_carry(init_leaves, out_avals):
    """JAX lets a weakly typed initial carry (a Python scalar) take the dtype the body
    gives it: ``fori_loop(0, 3, lambda i, c: c + 1.5, 0)`` carries a float.  Returns the
    converted leaves and whether any changed (the body must then be traced again)."""
    new, changed = [], False
    for x, out in zip(init_leaves, out_avals):
        aval = get_aval(x)
        if aval.weak_type and aval.dtype != out.dtype:
            dtype = dtypes.result_type((aval.dtype, True), (out.dtype, out.weak_type))[0]
            x, changed = ew._convert_element_type(x, dtype), True
        new.append(x)
    return new, changed


# --------------------------------------------------------------------------- cond / switch

_no_operand = object()   # cond's `operand=` keyword was not given


def _check_avals(prim: str, what: str, expected, got) -> None:
    """The operands of a higher-order primitive must have its sub-jaxpr's types (so that
    ``typecheck_jaxpr`` catches a transform rule that binds mismatched operands)."""
    if len(expected) != len(got) or any(a.shape != b.shape or a.dtype != b.dtype
                                        for a, b in zip(expected, got)):
        raise type_error(f"{prim}: {what} has types {_avals_str(expected)} but is given "
                         f"{_avals_str(got)}.")


def _cond_abstract_eval(index, *ops, branches):
    if index.dtype != np.int32 or index.ndim:
        raise type_error(f"cond: the branch index must be an int32 scalar, got {index.str_short()}.")
    for i, b in enumerate(branches):
        _check_avals("cond", f"branch {i}'s input", b.in_avals, ops)
        _check_avals("cond", f"branch {i}'s output", branches[0].out_avals, b.out_avals)
    return list(branches[0].out_avals)


abstract_eval_rules[cond_p] = _cond_abstract_eval


@api_boundary
def switch(index, branches: Sequence[Callable], *operands, operand=_no_operand):
    """Apply ``branches[index](*operands)``, with ``index`` clamped into range.  (As for
    ``cond``, ``operand=x`` is the older spelling of a single operand.)

    >>> lax.switch(i, [lambda x: x + 1, lambda x: x * 2], x)
    """
    operands = _keyword_operand("switch", operands, operand)
    branches = list(branches)
    if not branches:
        raise ValueError("switch: `branches` argument must be a non-empty sequence of callables.")
    idx_aval = get_aval(index)
    if idx_aval.ndim or not (dtypes.is_integer(idx_aval.dtype) or dtypes.is_bool(idx_aval.dtype)):
        raise TypeError(f"switch: the index must be a scalar integer, got {idx_aval.str_short()}.")
    index = ew._convert_element_type(index, np.int32)
    if len(branches) > 1:
        index = ew.clamp(np.int32(0), index, np.int32(len(branches) - 1))
    return _bind_cond(index, branches, operands, "switch")


@api_boundary
def cond(pred, true_fun: Callable, false_fun: Callable, *operands, operand=_no_operand):
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, staged so that
    ``pred`` may be a traced boolean scalar.  (``operand=x`` is JAX's older spelling of a
    single operand.)

    >>> lax.cond(x > 0, lambda x: x, lambda x: -x, x)
    """
    operands = _keyword_operand("cond", operands, operand)
    if pred is None:
        raise TypeError("cond predicate is None")
    p_aval = get_aval(pred)
    if p_aval.ndim:
        raise TypeError(f"cond: Pred must be a scalar, got {pred!r} of shape {p_aval.shape}; "
                        "for an elementwise choice use jnp.where (or vmap the cond).")
    if not (dtypes.is_bool(p_aval.dtype) or dtypes.is_integer(p_aval.dtype) or
            dtypes.is_float(p_aval.dtype)):
        raise TypeError(f"Pred type must be either boolean or number, got {p_aval.dtype}.")
    if not dtypes.is_bool(p_aval.dtype):
        zero = np.zeros((), p_aval.dtype)
        pred = ew.ne(pred, zero) if _is_traced(pred) else np.asarray(pred) != zero
    index = _as_dtype(pred, np.int32)
    return _bind_cond(index, [false_fun, true_fun], operands, "cond")


def _keyword_operand(name: str, operands: tuple, operand) -> tuple:
    if operand is _no_operand:
        return operands
    if operands:
        raise TypeError(f"{name}: pass the operands either positionally or as the `operand` "
                        "keyword, not both.")
    return (operand,)


def _bind_cond(index, branches, operands, name):
    flat_ops, in_tree = tree_flatten(tuple(operands))
    in_avals = [_abstractify(x) for x in flat_ops]
    traced = [trace_fun(b, in_tree, in_avals) for b in branches]
    out_trees = [t[2] for t in traced]
    out_avals = [t[0].out_avals for t in traced]
    # cond's branches are (false_fun, true_fun); report them in the user's order.
    names = (["false_fun", "true_fun"] if name == "cond" else
             [f"branches[{i}]" for i in range(len(branches))])
    for i in range(1, len(traced)):
        a, b = (i, 0) if name == "cond" else (0, i)
        if out_trees[i] != out_trees[0]:
            raise type_error(f"{name}: branch outputs must have the same pytree structure, but "
                             f"{names[a]} returns {out_trees[a]} and {names[b]} returns "
                             f"{out_trees[b]}.")
        if [(v.shape, v.dtype) for v in out_avals[i]] != [(v.shape, v.dtype) for v in out_avals[0]]:
            raise type_error(f"{name}: branch outputs must have identical types, but {names[a]} "
                             f"returns {_avals_str(out_avals[a])} and {names[b]} returns "
                             f"{_avals_str(out_avals[b])}. Cast with .astype(...) or reshape so "
                             "every branch returns the same shapes and dtypes.")
    # Every branch takes all branches' consts (each distinct value once), then the operands.
    consts, const_pos = [], {}
    for _, cs, _ in traced:
        for c in cs:
            if id(c) not in const_pos:
                const_pos[id(c)] = len(consts)
                consts.append(c)
    const_avals = [_abstractify(c) for c in consts]
    jaxprs = []
    for j, cs, _ in traced:
        jj = j.jaxpr
        const_vars = [Var(a) for a in const_avals]
        for c, v in zip(cs, jj.invars[:len(cs)]):
            const_vars[const_pos[id(c)]] = v
        jaxprs.append(Jaxpr([], const_vars + jj.invars[len(cs):], jj.outvars, jj.eqns))
    # An output that every branch forwards from the same input is that input (as JAX).
    fwd = [_forwarded_input(jaxprs[0], i) for i in range(len(jaxprs[0].outvars))]
    fwd = [f if all(_forwarded_input(j, i) == f for j in jaxprs[1:]) else None
           for i, f in enumerate(fwd)]
    jaxprs = [ClosedJaxpr(Jaxpr([], j.invars, [v for v, f in zip(j.outvars, fwd) if f is None],
                                j.eqns), []) for j in jaxprs]
    outs = iter(bind(cond_p, index, *consts, *flat_ops, branches=tuple(jaxprs)))
    ins = consts + flat_ops
    return tree_unflatten(out_trees[0], [next(outs) if f is None else _as_array(ins[f])
                                         for f in fwd])


def _as_array(x):
    """A forwarded input as an output: a tracer as it is, a concrete value as an array of
    its canonical type (what the primitive would have returned)."""
    if isinstance(x, Tracer):
        return x
    aval = get_aval(x)
    with set_current_trace(eval_trace):
        return bind(ew.convert_element_type_p, x, new_dtype=aval.dtype, weak_type=aval.weak_type)


def _forwarded_input(jaxpr: Jaxpr, i: int) -> int | None:
    """The position of the input that ``jaxpr``'s output ``i`` is, if it is one."""
    v = jaxpr.outvars[i]
    if type(v) is not Var:
        return None
    return next((k for k, u in enumerate(jaxpr.invars) if u is v), None)


# --------------------------------------------------------------------------- while_loop

def _while_abstract_eval(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, max_steps):
    cc, bc = args[:cond_nconsts], args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = args[cond_nconsts + body_nconsts:]
    _check_avals("while", "cond_jaxpr's input", cond_jaxpr.in_avals, cc + carry)
    _check_avals("while", "cond_jaxpr's output", [ShapedArray((), np.dtype(np.bool_))],
                 cond_jaxpr.out_avals)
    _check_avals("while", "body_jaxpr's input", body_jaxpr.in_avals, bc + carry)
    _check_avals("while", "body_jaxpr's output", carry, body_jaxpr.out_avals)
    return list(body_jaxpr.out_avals)


abstract_eval_rules[while_p] = _while_abstract_eval
# max_steps is zenax's (JAX's while has none): printed only when given.
pp_eqn_rules[while_p] = lambda eqn, ctx: pp_eqn_default(
    eqn, ctx, {k: v for k, v in eqn.params.items() if k != "max_steps" or v is not None})


@api_boundary
def while_loop(cond_fun: Callable, body_fun: Callable, init_val, *, max_steps: int | None = None):
    """``while cond_fun(val): val = body_fun(val)``, staged.

    Reverse-mode differentiation (``grad``) of a while loop needs a bound on its trip
    count: pass ``max_steps=N`` and zenax differentiates it (JAX refuses).

    >>> lax.while_loop(lambda c: c[0] < 10, lambda c: (c[0] + 1, c[1] * 2.0), (0, 1.0))
    """
    flat_init, in_tree = tree_flatten(init_val)
    arg_tree = tree_structure((init_val,))     # cond_fun and body_fun take one argument

    def trace_body(flat_init):
        avals = [_abstractify(x) for x in flat_init]
        return avals, trace_fun(body_fun, arg_tree, avals)

    avals, (body_j, body_consts, body_tree) = trace_body(flat_init)
    if body_tree == in_tree:
        flat_init, changed = _promote_weak_carry(flat_init, body_j.out_avals)
        if changed:
            avals, (body_j, body_consts, body_tree) = trace_body(flat_init)
    if body_tree != in_tree or [(a.shape, a.dtype) for a in body_j.out_avals] != \
            [(a.shape, a.dtype) for a in avals]:
        raise type_error("while_loop: body_fun output and input must have identical types, "
                         f"got input {_avals_str(avals)} {in_tree} and output "
                         f"{_avals_str(body_j.out_avals)} {body_tree}. The carried value keeps "
                         "its shape and dtype across iterations: cast with .astype(...).")
    cond_j, cond_consts, cond_tree = trace_fun(cond_fun, arg_tree, avals)
    if cond_tree.num_leaves != 1 or cond_j.out_avals[0].shape != () or \
            cond_j.out_avals[0].dtype != np.bool_:
        raise type_error("while_loop: cond_fun must return a boolean scalar, but got output "
                         f"type(s) {_avals_str(cond_j.out_avals)}.")
    if max_steps is not None and (not isinstance(max_steps, int) or max_steps < 0):
        raise ValueError(f"while_loop: max_steps must be a non-negative Python int, got {max_steps!r}.")
    # A carry the body passes through unchanged and cond_fun does not read is a constant
    # of the body instead (as JAX stages it).
    nb = len(body_consts)
    cond_reads = {v for e in cond_j.jaxpr.eqns for v in e.invars} | set(cond_j.jaxpr.outvars)
    cond_carry = cond_j.jaxpr.invars[len(cond_consts):]
    to_const = [_forwarded_input(body_j.jaxpr, i) == nb + i and cond_carry[i] not in cond_reads
                for i in range(len(flat_init))]
    if any(to_const):
        bj, cj = body_j.jaxpr, cond_j.jaxpr
        carry_in = bj.invars[nb:]
        body_j = ClosedJaxpr(Jaxpr([], [v for v, m in zip(carry_in, to_const) if m] +
                                   bj.invars[:nb] + [v for v, m in zip(carry_in, to_const) if not m],
                                   [v for v, m in zip(bj.outvars, to_const) if not m], bj.eqns), [])
        cond_j = ClosedJaxpr(Jaxpr([], cj.invars[:len(cond_consts)] +
                                   [v for v, m in zip(cond_carry, to_const) if not m],
                                   cj.outvars, cj.eqns), [])
        body_consts = [x for x, m in zip(flat_init, to_const) if m] + body_consts
    carried = [x for x, m in zip(flat_init, to_const) if not m]
    outs = iter(bind(while_p, *cond_consts, *body_consts, *carried, cond_jaxpr=cond_j,
                     body_jaxpr=body_j, cond_nconsts=len(cond_consts),
                     body_nconsts=len(body_consts), max_steps=max_steps))
    return tree_unflatten(in_tree, [x if m else next(outs) for x, m in zip(flat_init, to_const)])


@api_boundary
def fori_loop(lower, upper, body_fun: Callable, init_val, *,
              unroll: int | bool | None = None):
    """``for i in range(lower, upper): val = body_fun(i, val)``.

    With concrete (Python/NumPy) bounds it is a ``scan`` of static length, so it is
    reverse-differentiable; with traced bounds it is a ``while_loop``. ``unroll`` (as
    ``scan``'s; None: not unrolled) needs concrete bounds.
    """
    concrete = not _is_traced(lower) and not _is_traced(upper)
    unroll = 1 if unroll is None else unroll
    if concrete:
        lo, hi = int(lower), int(upper)

        def scan_body(carry, _):
            i, val = carry
            return (ew.add(i, 1), body_fun(i, val)), None
        (_, out), _ = scan(scan_body, (lo, init_val), None, length=max(hi - lo, 0),
                           unroll=unroll)
        return out
    if unroll != 1:
        raise ValueError("Can only use `unroll` in `fori_loop` if the loop bounds are "
                         "statically known.")
    lo, hi = get_aval(lower), get_aval(upper)
    if lo.dtype != hi.dtype:
        # As JAX: a weakly typed bound (a Python int) takes the other's integer type.
        if np.issubdtype(lo.dtype, np.signedinteger) and \
                np.issubdtype(hi.dtype, np.signedinteger) and \
                lo.weak_type != hi.weak_type:
            dtype = hi.dtype if lo.weak_type else lo.dtype
            lower, upper = _as_dtype(lower, dtype), _as_dtype(upper, dtype)
        else:
            raise TypeError("lower and upper arguments to fori_loop must have equal types, "
                            f"got {lo.dtype.name} and {hi.dtype.name}")
    dtype = get_aval(lower).dtype
    _, _, out = while_loop(lambda c: ew.lt(c[0], c[1]),
                           lambda c: (ew.add(c[0], np.array(1, dtype)), c[1], body_fun(c[0], c[2])),
                           (lower, upper, init_val))
    return out


def _is_traced(x) -> bool:
    """Whether ``x`` has no numbers now: anything but a Python scalar or a concrete array
    (a zenax tracer, or the value of a compiled eager function, which lax/eager.py runs
    inside ``jax.jit``)."""
    return not (is_python_scalar(x) or is_concrete_array(x))


def _as_dtype(x, dtype):
    """``x`` converted to ``dtype`` (strongly typed): a constant now, a tracer only if its
    type differs (JAX's convert_element_type does the same)."""
    if not _is_traced(x):
        return np.asarray(x, dtype)
    aval = get_aval(x)
    return x if aval.dtype == dtype and not aval.weak_type else ew._convert_element_type(x, dtype)


# --------------------------------------------------------------------------- scan

def _scan_abstract_eval(*args, jaxpr, length, reverse, unroll, num_consts, num_carry):
    consts_and_carry, xs = args[:num_consts + num_carry], args[num_consts + num_carry:]
    if any(x.ndim == 0 or x.shape[0] != length for x in xs):
        raise type_error(f"scan: xs {_avals_str(xs)} must all have leading axis length {length}.")
    _check_avals("scan", "the body's input", jaxpr.in_avals,
                 consts_and_carry + tuple(x.update(shape=x.shape[1:]) for x in xs))
    _check_avals("scan", "the body's carry output", args[num_consts:num_consts + num_carry],
                 jaxpr.out_avals[:num_carry])
    carry_avals = jaxpr.out_avals[:num_carry]
    y_avals = [a.update(shape=(length,) + a.shape) for a in jaxpr.out_avals[num_carry:]]
    return list(carry_avals) + y_avals


abstract_eval_rules[scan_p] = _scan_abstract_eval


@api_boundary
def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int = 1, _split_transpose: bool = False):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; return the final
    carry and the stacked ``y``s.  Staged once, lowered to one XLA while loop.

    >>> def step(c, x):
    ...     return c + x, c * x
    >>> carry, ys = lax.scan(step, 0.0, jnp.arange(5.0))
    """
    # `_split_transpose` only asks JAX to transpose the loop in two parts (a scheduling
    # choice for the backward pass); the values are the same by definition, so it is
    # accepted and ignored.
    del _split_transpose
    flat_xs, xs_tree = tree_flatten(xs)
    lengths = {get_aval(x).shape[0] if get_aval(x).ndim else None for x in flat_xs}
    if None in lengths:
        raise ValueError("scan got an xs leaf with no leading axis to scan over (a scalar).")
    if length is not None:
        lengths.add(int(length))
    if len(lengths) > 1:
        raise ValueError("scan got values with different leading axis sizes in xs: "
                         f"{sorted(lengths)}" + (f" (length={length})" if length is not None else "")
                         + "; every leaf of xs is scanned along axis 0, so their leading "
                         "axes must be equal.")
    if not lengths:
        raise ValueError("scan got no values to scan over and `length` not provided.")
    length = lengths.pop()
    flat_init, carry_tree = tree_flatten(init)
    x_avals = [_abstractify(x).update(shape=get_aval(x).shape[1:]) for x in flat_xs]
    in_tree = tree_structure((init, xs))
    def body(carry, x):
        out = f(carry, x)
        if not (isinstance(out, tuple) and len(out) == 2):
            got = get_aval(out).str_short() if hasattr(out, "shape") else type(out).__name__
            raise type_error(f"scan body output must be a pair (carry, y), got {got}.")
        return out

    def trace_body(flat_init):
        carry_avals = [_abstractify(c) for c in flat_init]
        jaxpr, consts, out_tree = trace_fun(body, in_tree, carry_avals + x_avals)
        return carry_avals, jaxpr, consts, out_tree.children()

    num_carry = len(flat_init)
    carry_avals, jaxpr, consts, (new_carry_tree, y_tree) = trace_body(flat_init)
    if new_carry_tree == carry_tree:
        flat_init, changed = _promote_weak_carry(flat_init, jaxpr.out_avals[:num_carry])
        if changed:
            carry_avals, jaxpr, consts, (new_carry_tree, y_tree) = trace_body(flat_init)
    out_carry_avals = jaxpr.out_avals[:num_carry]
    if new_carry_tree != carry_tree or [(a.shape, a.dtype) for a in out_carry_avals] != \
            [(a.shape, a.dtype) for a in carry_avals]:
        raise type_error("scan body function carry input and carry output must have equal "
                         f"types, got input {_avals_str(carry_avals)} {carry_tree} and output "
                         f"{_avals_str(out_carry_avals)} {new_carry_tree}. Cast the carry with "
                         ".astype(...) so it keeps its dtype (e.g. start a float carry at 0.0).")
    # As JAX stages it: a carry the body passes through unchanged is a constant instead,
    # and a y that is an x is not copied through the loop.
    j, nc = jaxpr.jaxpr, len(consts)
    fwd = [_forwarded_input(j, i) for i in range(len(j.outvars))]
    to_const = [fwd[i] == nc + i for i in range(num_carry)]
    carry_in, xs_in = j.invars[nc:nc + num_carry], j.invars[nc + num_carry:]
    y_is_x = [f is not None and f >= nc + num_carry for f in fwd[num_carry:]]
    if any(to_const) or any(y_is_x):
        jaxpr = ClosedJaxpr(Jaxpr(
            [], [v for v, m in zip(carry_in, to_const) if m] + j.invars[:nc] +
            [v for v, m in zip(carry_in, to_const) if not m] + xs_in,
            [v for v, m in zip(j.outvars[:num_carry], to_const) if not m] +
            [v for v, m in zip(j.outvars[num_carry:], y_is_x) if not m], j.eqns), [])
    new_consts = [x for x, m in zip(flat_init, to_const) if m]
    carried = [x for x, m in zip(flat_init, to_const) if not m]
    outs = bind(scan_p, *new_consts, *consts, *carried, *flat_xs, jaxpr=jaxpr,
                length=length, reverse=bool(reverse),
                unroll=int(unroll) if unroll is not True else length,
                num_consts=len(new_consts) + nc, num_carry=len(carried))
    carry_outs, y_outs = iter(outs[:len(carried)]), iter(outs[len(carried):])
    carry_out = [x if m else next(carry_outs) for x, m in zip(flat_init, to_const)]
    ys = [_as_array(flat_xs[f - nc - num_carry]) if m else next(y_outs)
          for f, m in zip(fwd[num_carry:], y_is_x)]
    return tree_unflatten(carry_tree, carry_out), tree_unflatten(y_tree, ys)


# zenax.vmap, handed down by zenax.transforms (a layer above) for map's batch_size.
_vmap: Callable | None = None


def install_vmap(vmap: Callable) -> None:
    """Give ``map`` the ``vmap`` transform (called once by ``zenax.transforms``)."""
    global _vmap
    _vmap = vmap


@api_boundary
def map(f: Callable, xs, *, batch_size: int | None = None):
    """``jnp.stack([f(x) for x in xs])`` as one staged loop (a scan with no carry).

    With ``batch_size``, each step applies ``vmap(f)`` to ``batch_size`` elements, and a
    ``vmap(f)`` of the leftover ones follows the loop (``batch_size=0``: one ``vmap``).
    """
    if batch_size is None:
        _, ys = scan(lambda c, x: (c, f(x)), (), xs)
        return ys
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 0:
        raise TypeError(f"map: batch_size must be None or a non-negative Python int, got "
                        f"{batch_size!r}.")
    if _vmap is None:
        raise RuntimeError("map with batch_size needs zenax.vmap, which zenax.transforms "
                           "installs when imported: `import zenax` first.")
    leaves, tree = tree_flatten(xs)
    if not leaves:
        return _vmap(f)(xs)
    n = get_aval(leaves[0]).shape[0] if get_aval(leaves[0]).ndim else 0
    steps = n // batch_size if batch_size else 0
    done = steps * batch_size
    ys = None
    if steps:
        def batches(x):
            shape = get_aval(x).shape
            x = sh.slice_in_dim(x, 0, done) if done < n else x
            return reshape(x, (steps, batch_size) + shape[1:])
        scanned = tree_unflatten(tree, [batches(x) for x in leaves])
        _, ys = scan(lambda c, x: (c, _vmap(f)(x)), (), scanned)
        ys = tree_map(lambda y: reshape(y, (done,) + get_aval(y).shape[2:]), ys)
    if steps and done == n:
        return ys
    rest = _vmap(f)(tree_unflatten(tree, [sh.slice_in_dim(x, done, n) for x in leaves]))
    if ys is None:
        return rest
    return tree_map(lambda a, b: sh.concatenate([a, b], 0), ys, rest)
