"""``custom_jvp`` and ``custom_vjp``: user-supplied derivative rules, and the primitives
they bind.

A function decorated with :class:`custom_jvp` is staged into a jaxpr and bound as
``custom_jvp_call``; evaluating it runs the jaxpr, while the JVP trace calls the user's
rule instead of differentiating the jaxpr.  :class:`custom_vjp` works the same way with
``fwd``/``bwd``: under differentiation, ``fwd`` runs now and the tangent map becomes a
``custom_lin`` equation whose transpose calls ``bwd``.

The classes live in lax/ so that every library layer (``zenax.numpy``, ``zenax.scipy``)
can define functions with custom derivatives; they only stage jaxprs and bind.  What the
primitives mean under each transform is in ``transforms/custom_derivatives.py``
(DESIGN.md §2).
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
from typing import Any, Callable, Sequence

import jax
import numpy as np
from jax.dtypes import float0   # (data, as in dtypes_api, which imports this module)

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import (EvalTrace, Primitive, Tracer, abstract_eval_rules, bind,
                               current_trace, get_aval, set_current_trace)
from zenax.tracer.ir import ClosedJaxpr, closed_to_open, pp_eqn_default, pp_eqn_rules
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import (keystr, tree_flatten, tree_flatten_with_path, tree_map,
                                   tree_unflatten)

from .broadcasting import zeros_like_aval


def _call_abstract_eval(*avals, call_jaxpr: ClosedJaxpr, **_):
    return list(call_jaxpr.out_avals)


def original_call(rule):
    """The call object a custom call's flat rule belongs to (a transform's version of a
    rule keeps the original as ``.call``)."""
    owner = getattr(rule, "__self__", rule)
    return getattr(owner, "call", owner)


def _pp_custom_call(eqn, ctx, rules: dict):
    """As JAX prints a custom call: the function's and the rules' names, no defaults."""
    params = {k: v for k, v in eqn.params.items()
              if k not in ("in_avals", "jvp_by_transpose") and k not in rules}
    if not params["num_consts"]:
        del params["num_consts"]
    if not eqn.params.get("jvp_by_transpose", True):
        params["jvp_by_transpose"] = False
    call = original_call(eqn.params[next(iter(rules))])
    name = getattr(call, "name", "custom function")
    for key, attr in rules.items():
        params[key] = getattr(getattr(call, attr, None), "__name__", key)
    params["symbolic_zeros"] = False
    return pp_eqn_default(eqn, ctx, {"name": name, **params}, ["name"] + sorted(params))


# custom_jvp_call(*consts, *args, call_jaxpr, jvp, num_consts): `call_jaxpr` computes the
# primal; under jvp, the user's rule `jvp(primals, tangents)` replaces differentiation.
custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True)
abstract_eval_rules[custom_jvp_call_p] = _call_abstract_eval

# custom_vjp_call(*consts, *args, call_jaxpr, fwd, bwd, num_consts, ...): under
# differentiation, `fwd` computes outputs and residuals, `bwd` maps cotangents back.
custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True)
abstract_eval_rules[custom_vjp_call_p] = _call_abstract_eval
pp_eqn_rules[custom_jvp_call_p] = lambda eqn, ctx: _pp_custom_call(eqn, ctx, {"jvp": "user_jvp"})
pp_eqn_rules[custom_vjp_call_p] = lambda eqn, ctx: _pp_custom_call(
    eqn, ctx, {"fwd": "user_fwd", "bwd": "user_bwd"})

# custom_lin(*residuals, *tangents, bwd, ...): the linear part of a custom_vjp function
# inside a linearized program; its transpose calls the user's `bwd`.
custom_lin_p = Primitive("custom_lin", multiple_results=True)
abstract_eval_rules[custom_lin_p] = lambda *avals, out_avals, **_: list(out_avals)


def _resolve_args(fun, args, kwargs):
    """Keyword arguments -> positional ones, as JAX's custom_* functions require."""
    if not kwargs:
        return tuple(args)
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{getattr(fun, '__name__', fun)}: {e}") from None
    bound.apply_defaults()
    return tuple(bound.args) + tuple(bound.kwargs.values())


def _abstract(x) -> ShapedArray:
    return get_aval(x).strip_weak_type()


# --------------------------------------------------------------------------- symbolic zeros
#
# With ``symbolic_zeros=True`` (``defjvp``/``defvjp``), a rule learns which tangents are
# known to be zero: the jvp rule gets a ``SymbolicZero`` for each, ``fwd`` gets every
# primal as a ``CustomVJPPrimal(value, perturbed)``, and ``bwd`` gets a ``SymbolicZero``
# for each zero cotangent.  The transforms pass the zero positions to the flat rules as
# indices (``zero_tangents``, ``perturbed``, ``zero_cts``: static, so they cross vmap).

class SymbolicZero:
    """A tangent known to be zero, carried by its abstract value (shape and dtype) only.

    Attribute lookups (``shape``, ``dtype``, ``ndim``, ...) go to the abstract value.

    >>> z = zenax.custom_derivatives.SymbolicZero.from_primal_value(jnp.ones((2, 3)))
    >>> z, z.shape, z.dtype
    (SymbolicZero, (2, 3), dtype('float32'))
    """

    def __init__(self, aval) -> None:
        self.aval = aval

    def __repr__(self) -> str:
        return type(self).__name__

    def __getattr__(self, name: str):
        if name == "aval":          # not set yet (e.g. while unpickling)
            raise AttributeError(name)
        return getattr(self.aval, name)

    @staticmethod
    def from_primal_value(val: Any) -> "SymbolicZero":
        """The symbolic zero tangent of the primal ``val``."""
        return SymbolicZero(symbolic_tangent_aval(val))


def symbolic_tangent_aval(x) -> ShapedArray:
    """A primal's tangent type: the same for inexact dtypes (weak type kept, as JAX's
    ``to_tangent_aval``), float0 for integers and booleans."""
    aval = get_aval(x)
    if dtypes.is_inexact(aval.dtype):
        return aval
    return aval.update(dtype=float0, weak_type=False)


@dataclasses.dataclass(slots=True)
class CustomVJPPrimal:
    """A primal argument of a ``custom_vjp`` forward rule with ``symbolic_zeros``: its
    value and whether a derivative flows into it.

    >>> zenax.custom_derivatives.CustomVJPPrimal(1.0, perturbed=False)
    CustomVJPPrimal(value=1.0, perturbed=False)
    """
    value: Any
    perturbed: bool


def _is_zero_marker(x) -> bool:
    return x is None or isinstance(x, SymbolicZero)


def _expand_leaves(ct, primal):
    """``ct`` with each leaf that stands where ``primal`` has a one-leaf subtree put in
    that subtree's structure; ``ct`` itself if it is no prefix of ``primal``."""
    def expand(c, v):
        _, structure = tree_flatten(v)
        return tree_unflatten(structure, [c]) if structure.num_leaves == 1 else c
    try:
        return tree_map(expand, ct, primal)
    except (ValueError, TypeError):
        return ct   # the caller's structure check says what is wrong


def _materialize(leaves, like) -> list:
    """``leaves`` with each ``SymbolicZero`` replaced by zeros shaped like the matching
    leaf of ``like`` (a rule's output with symbolic zeros, made arrays again)."""
    return [zeros_like_aval(get_aval(p).strip_weak_type()) if isinstance(t, SymbolicZero)
            else t for t, p in zip(leaves, like)]


class _CustomCall:
    """One call of a custom-derivative function, flattened: the differentiable arguments'
    leaves (``flat``) and a way to rebuild the full argument list.  The primal function
    is traced (in :meth:`stage_and_bind`) only where the call is staged; under eager
    evaluation it runs directly, and under differentiation only the rule runs (see
    :func:`dispatch_custom_call`).  Subclasses add the rules and the primitive."""

    def __init__(self, fun, args, nondiff_argnums):
        self.fun = fun
        self.name = getattr(fun, "__name__", "custom function")
        self.args = args
        self.nondiff = tuple(sorted(a % len(args) for a in nondiff_argnums)) if args else ()
        self.diff_idx = [i for i in range(len(args)) if i not in self.nondiff]
        self.flat, self.in_tree = tree_flatten(tuple(args[i] for i in self.diff_idx))
        for i in self.nondiff:
            if isinstance(args[i], Tracer):
                raise TypeError(
                    f"{self.name}: argument {i} is in nondiff_argnums but is a traced array. "
                    "nondiff_argnums is for non-array values (functions, ints...); pass "
                    "arrays as ordinary arguments.")
        self.out_tree = None      # set by whichever of the function and its rule runs
        self.out_avals = None     # the primal jaxpr's, once traced

    def fun_flat(self, *xs) -> list:
        leaves, self.out_tree = tree_flatten(self.fun(*self.rebuild(xs)))
        return leaves

    def stage(self, fun_flat: Callable, flat: list):
        """``(call_jaxpr, consts)``: ``fun_flat`` traced on the avals of ``flat``, its
        closed-over values hoisted into leading operands.  (A transform may stage its
        own version of the function, e.g. batched: only our own gives ``out_avals``.)"""
        # Weak types are kept (as JAX does): f(1.0) of a custom function is weakly typed.
        closed, _ = trace_to_jaxpr(fun_flat, [get_aval(x) for x in flat])
        call_jaxpr, consts = closed_to_open(closed)
        if fun_flat == self.fun_flat:
            self.out_avals = call_jaxpr.out_avals
        return call_jaxpr, list(consts)

    def check_rule_output(self, what: str, tree, leaves) -> None:
        """A rule's primal output has the function's output structure (the traced one, or
        else the first a rule gave)."""
        if self.out_tree is None:
            self.out_tree = tree
        _check_out(self.name, what, tree, self.out_tree, leaves, self.expected_avals(leaves))

    def expected_avals(self, primal_leaves) -> list:
        return self.out_avals or [get_aval(x) for x in primal_leaves]

    def rebuild(self, flat_diff) -> list:
        diff = tree_unflatten(self.in_tree, list(flat_diff))
        full = list(self.args)
        for i, v in zip(self.diff_idx, diff):
            full[i] = v
        return full

    def nondiff_args(self) -> list:
        return [self.args[i] for i in self.nondiff]

    def diff_tree_values(self, flat):
        return tuple(tree_unflatten(self.in_tree, list(flat)))


# How a call of a custom_jvp / custom_vjp function is handled by each kind of trace, keyed
# by the trace's class (transforms/ registers theirs).  As JAX's process_custom_jvp_call,
# differentiation runs only the rule (``jvp``; ``fwd`` then ``bwd``), never the primal
# function as well.  Signature: rule(trace, call) -> flat outputs, or NotImplemented when
# none of the operands is the trace's own (the call then goes to the enclosing trace).
# ``call`` gives ``flat``, ``fun_flat(*flat)``, the rules (``jvp``, or ``fwd`` and
# ``bwd``) and ``stage_and_bind()``; a trace without a rule (jit's staging) uses the last.
custom_jvp_call_rules: dict[type, Callable] = {}
custom_vjp_call_rules: dict[type, Callable] = {}


def dispatch_custom_call(table: dict, call) -> list:
    """Hand ``call`` to the current trace's rule in ``table``, then to enclosing traces'
    while a rule declines it."""
    trace = current_trace()
    while True:
        # Along the MRO: a subclass (debug_nans' eager trace) takes its base's rule.
        rule = next((table[t] for t in type(trace).__mro__ if t in table), None)
        with set_current_trace(trace):
            out = call.stage_and_bind() if rule is None else rule(trace, call)
        if out is not NotImplemented:
            return out
        trace = trace.parent


def _call_directly(trace, call):
    # Eager evaluation runs the Python function itself, as JAX: Python control flow on
    # values works in a custom function called on concrete arrays.
    return call.fun_flat(*call.flat)


custom_jvp_call_rules[EvalTrace] = _call_directly
custom_vjp_call_rules[EvalTrace] = _call_directly


def _check_out(name, what, tree, expected_tree, leaves, expected_avals):
    if tree != expected_tree:
        raise TypeError(f"{name}: the {what} must have the same pytree structure as the "
                        f"primal output {expected_tree}, got {tree}.")
    for leaf, aval in zip(leaves, expected_avals):
        a = get_aval(leaf)
        if a.shape != aval.shape:
            raise TypeError(f"{name}: the {what} has shape {a.shape} where the primal output "
                            f"has shape {aval.shape}.")


def _check_cotangents(name, cts_tree, leaves, in_avals) -> None:
    """As JAX: each cotangent ``bwd`` returns has its argument's shape (and dtype, unless
    the argument is floating: then only the shape must agree)."""
    for i, (ct, aval) in enumerate(zip(leaves, in_avals)):
        got = get_aval(ct)
        same_dtype = got.dtype == aval.dtype or np.issubdtype(aval.dtype, np.inexact)
        if got.shape != aval.shape or not same_dtype:
            path = keystr(tree_flatten_with_path(cts_tree)[0][i][0])
            what = "shapes" if got.shape != aval.shape else "dtypes"
            raise ValueError(
                f"{name}: the custom_vjp bwd rule must return cotangents of the same types as "
                f"the primal function's arguments, but at output{path} it returned "
                f"{got.str_short()} for an argument of type {aval.str_short()}, so the "
                f"{what} do not match. Fix the bwd rule of {name}.")


# =========================================================================== custom_jvp

class custom_jvp:
    """A function with a custom forward-mode rule (and so reverse mode, by transposition).

    >>> @zenax.custom_jvp
    ... def log1pexp(x):
    ...     return jnp.log(1. + jnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     x, = primals; x_dot, = tangents
    ...     return log1pexp(x), x_dot * (1. - 1. / (1. + jnp.exp(x)))
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp = None
        self.symbolic_zeros = False

    def __getattr__(self, name):
        # Attributes of the wrapped function (e.g. a custom_vmap's ``def_vmap``) show
        # through, as in JAX.  (Only reached for names the wrapper itself lacks.)
        if name == "fun":
            raise AttributeError(name)
        return getattr(self.fun, name)

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        """Set the rule ``jvp(*nondiff_args, primals, tangents) -> (out, tangent_out)``.
        With ``symbolic_zeros``, a tangent known to be zero arrives as a
        :class:`SymbolicZero`, and the rule may return one."""
        self.jvp, self.symbolic_zeros = jvp, symbolic_zeros
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """Set one rule per argument: ``jvp_i(x_i_dot, primal_out, *primals)`` gives that
        argument's contribution to the output tangent (None: not differentiable)."""
        def jvp(primals, tangents):
            out = self(*primals)
            t_out = None
            for rule, t in zip(jvps, tangents):
                if rule is None:
                    continue
                contribution = rule(t, out, *primals)
                t_out = contribution if t_out is None else tree_map(lambda a, b: a + b,
                                                                    t_out, contribution)
            if t_out is None:
                t_out = tree_map(lambda o: zeros_like_aval(_abstract(o)), out)
            return out, t_out
        self.jvp, self.symbolic_zeros = jvp, False

    @api_boundary
    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_jvp function")
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {name} using "
                                 "defjvp.")
        call = _CustomJVPCall(self.fun, _resolve_args(self.fun, args, kwargs),
                              self.nondiff_argnums, self.jvp, self.symbolic_zeros)
        outs = dispatch_custom_call(custom_jvp_call_rules, call)
        return tree_unflatten(call.out_tree, outs)


class _CustomJVPCall(_CustomCall):
    """A call of a custom_jvp function, with its rule in flat form."""

    def __init__(self, fun, args, nondiff_argnums, user_jvp: Callable,
                 symbolic_zeros: bool = False):
        super().__init__(fun, args, nondiff_argnums)
        self.user_jvp = user_jvp
        self.symbolic_zeros = symbolic_zeros

    def jvp(self, primals, tangents, zero_tangents: tuple = ()):
        """The user's rule on flat ``primals``/``tangents``; ``zero_tangents`` lists the
        positions of the tangents that are (instantiated) zeros."""
        if self.symbolic_zeros:
            tangents = [SymbolicZero(symbolic_tangent_aval(p)) if i in zero_tangents else t
                        for i, (p, t) in enumerate(zip(primals, tangents))]
        ps = self.diff_tree_values(primals)
        ts = self.diff_tree_values(tangents)
        out = self.user_jvp(*self.nondiff_args(), ps, ts)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"{self.name}: the custom_jvp rule must return a pair "
                            f"(primal_out, tangent_out), got {type(out).__name__}.")
        p_out, t_out = out
        p_leaves, p_tree = tree_flatten(p_out)
        t_leaves, t_tree = tree_flatten(t_out)
        t_leaves = _materialize(t_leaves, p_leaves)
        self.check_rule_output("primal output of the jvp rule", p_tree, p_leaves)
        _check_out(self.name, "tangent output of the jvp rule", t_tree, self.out_tree,
                   t_leaves, self.expected_avals(p_leaves))
        return p_leaves, t_leaves

    def stage_and_bind(self):
        return bind_custom_jvp(self, self.fun_flat, self.jvp, self.flat)


def bind_custom_jvp(call: _CustomCall, fun_flat: Callable, jvp: Callable, flat: list):
    """Trace ``fun_flat`` and bind ``custom_jvp_call`` on ``flat`` with rule ``jvp``."""
    call_jaxpr, consts = call.stage(fun_flat, flat)
    return bind(custom_jvp_call_p, *consts, *flat, call_jaxpr=call_jaxpr, jvp=jvp,
                num_consts=len(consts))


# =========================================================================== custom_vjp

class custom_vjp:
    """A function with a custom reverse-mode rule: ``fwd`` returns ``(out, residuals)``
    and ``bwd(residuals, ct)`` returns one cotangent per (differentiable) argument.

    >>> @zenax.custom_vjp
    ... def clip_gradient(lo, hi, x):
    ...     return x
    >>> clip_gradient.defvjp(lambda lo, hi, x: (x, (lo, hi)),
    ...                      lambda res, g: (None, None, jnp.clip(g, *res)))

    ``jvp_by_transpose=False`` keeps JAX's refusal of forward mode.
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = (),
                 jvp_by_transpose: bool = True):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp_by_transpose = jvp_by_transpose
        self.fwd = self.bwd = None
        self.symbolic_zeros = False

    def __getattr__(self, name):
        # Attributes of the wrapped function (e.g. a custom_vmap's ``def_vmap``) show
        # through, as in JAX.  (Only reached for names the wrapper itself lacks.)
        if name == "fun":
            raise AttributeError(name)
        return getattr(self.fun, name)

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False) -> None:
        """Set the rules. With ``symbolic_zeros``, ``fwd`` gets each primal as a
        :class:`CustomVJPPrimal`, and ``bwd`` gets zero cotangents as
        :class:`SymbolicZero` objects (it may return those, or None, for zero
        results)."""
        self.fwd, self.bwd, self.symbolic_zeros = fwd, bwd, symbolic_zeros

    @api_boundary
    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_vjp function")
        if self.fwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
        call = _CustomVJPCall(self.fun, _resolve_args(self.fun, args, kwargs),
                              self.nondiff_argnums, self.fwd, self.bwd, self.jvp_by_transpose,
                              self.symbolic_zeros)
        outs = dispatch_custom_call(custom_vjp_call_rules, call)
        return tree_unflatten(call.out_tree, outs)


class _CustomVJPCall(_CustomCall):
    """A call of a custom_vjp function, with ``fwd`` and ``bwd`` in flat form."""

    def __init__(self, fun, args, nondiff_argnums, user_fwd: Callable, user_bwd: Callable,
                 jvp_by_transpose: bool, symbolic_zeros: bool = False):
        super().__init__(fun, args, nondiff_argnums)
        self.user_fwd, self.user_bwd = user_fwd, user_bwd
        self.jvp_by_transpose = jvp_by_transpose
        self.symbolic_zeros = symbolic_zeros
        self.in_avals = tuple(get_aval(x) for x in self.flat)
        self.res_tree = None

    def fwd(self, *primals, perturbed: tuple | None = None):
        """The user's ``fwd`` on flat ``primals``; ``perturbed`` (one bool per primal,
        None: all) says which have nonzero tangents."""
        if self.symbolic_zeros:
            primals = [CustomVJPPrimal(p, perturbed is None or bool(perturbed[i]))
                       for i, p in enumerate(primals)]
        out = self.user_fwd(*self.rebuild(primals))
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"{self.name}: the custom_vjp fwd must return a pair "
                            f"(output, residuals), got {type(out).__name__}.")
        primal_out, res = out
        out_leaves, out_tree = tree_flatten(primal_out)
        self.check_rule_output("output of fwd", out_tree, out_leaves)
        res_leaves, self.res_tree = tree_flatten(res)
        return out_leaves, res_leaves

    def bwd(self, res, cts, zero_cts: tuple = ()):
        """The user's ``bwd``; ``zero_cts`` lists the positions of the cotangents that are
        (instantiated) zeros."""
        if self.symbolic_zeros:
            cts = [SymbolicZero(symbolic_tangent_aval(c)) if i in zero_cts else c
                   for i, c in enumerate(cts)]
        # NumPy values (instantiated zeros, seeds) reach the user's rule as jax.Arrays,
        # as in JAX (Flax's rules index-assign into them: ``g[...] = ...``).
        cts = [jax.device_put(c) if isinstance(c, np.ndarray) else c for c in cts]
        ct = tree_unflatten(self.out_tree, list(cts))
        res_tree = tree_unflatten(self.res_tree, list(res))
        cts_in = self.user_bwd(*self.nondiff_args(), res_tree, ct)
        if not isinstance(cts_in, (tuple, list)):
            raise TypeError(f"{self.name}: the custom_vjp bwd must return a tuple with one "
                            f"cotangent per differentiable argument, got "
                            f"{type(cts_in).__name__}.")
        cts_in = tuple(cts_in)
        n_diff = len(self.diff_idx)
        if len(cts_in) != n_diff:
            raise TypeError(f"{self.name}: the custom_vjp bwd returned {len(cts_in)} "
                            f"cotangents, but the function has {n_diff} differentiable "
                            "arguments.")
        # None stands for a zero cotangent of the (sub)tree in its place, a SymbolicZero
        # for one of a leaf.
        diff_vals = self.diff_tree_values(self.flat)
        zeros = lambda v: tree_map(lambda x: zeros_like_aval(_abstract(x)), v)  # noqa: E731
        filled = [tree_map(lambda c, v: zeros(v) if _is_zero_marker(c) else c, c, v,
                           is_leaf=_is_zero_marker)
                  for c, v in zip(cts_in, diff_vals)]
        leaves, tree = tree_flatten(tuple(filled))
        if tree != self.in_tree:
            # As JAX: a cotangent leaf may stand for a subtree of its argument holding one
            # leaf (Flax's bwd rules give a Param's cotangent as a bare array).
            filled = [_expand_leaves(c, v) for c, v in zip(filled, diff_vals)]
            leaves, tree = tree_flatten(tuple(filled))
        if tree != self.in_tree:
            raise TypeError(f"{self.name}: the custom_vjp bwd output structure {tree} does "
                            f"not match the differentiable arguments' {self.in_tree}.")
        _check_cotangents(self.name, tuple(filled), leaves, self.in_avals)
        return leaves

    def stage_and_bind(self):
        return bind_custom_vjp(self, self.fun_flat, self.fwd, self.bwd, self.flat,
                               self.in_avals)


def bind_custom_vjp(call: _CustomVJPCall, fun_flat: Callable, fwd: Callable, bwd: Callable,
                    flat: list, in_avals: tuple):
    """Trace ``fun_flat`` and bind ``custom_vjp_call`` on ``flat`` with ``fwd``/``bwd``."""
    call_jaxpr, consts = call.stage(fun_flat, flat)
    return bind(custom_vjp_call_p, *consts, *flat, call_jaxpr=call_jaxpr, fwd=fwd, bwd=bwd,
                num_consts=len(consts), in_avals=in_avals,
                jvp_by_transpose=call.jvp_by_transpose)
