"""``custom_vmap`` and ``sequential_vmap``: functions with a user-supplied batching rule,
and the primitive they bind.

A :class:`custom_vmap` function is staged into a jaxpr and bound as ``custom_vmap_call``;
evaluating it (eagerly or compiled) runs the jaxpr, while ``vmap`` calls the user's rule
``rule(axis_size, in_batched, *args) -> (out, out_batched)`` instead of batching the
jaxpr.  The class lives in lax/ so every library layer can define such functions; what
the primitive means under each transform is in ``transforms/custom_batching.py``.
"""
from __future__ import annotations

import functools
from typing import Callable

from zenax.tracer.core import Primitive, abstract_eval_rules, bind, get_aval
from zenax.tracer.ir import closed_to_open
from zenax.tracer.source_info import api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_map, tree_unflatten

from . import control_flow
from .custom_derivatives import _resolve_args

__all__ = ["custom_vmap", "sequential_vmap", "custom_vmap_call_p"]

# custom_vmap_call(*consts, *args, call, rule, num_consts): `call` computes the outputs;
# under vmap, `rule(axis_size, in_batched, *args)` (flat) replaces batching `call`.
custom_vmap_call_p = Primitive("custom_vmap_call", multiple_results=True)
abstract_eval_rules[custom_vmap_call_p] = lambda *avals, call, **_: list(call.out_avals)


def _fun_name(fun) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


class _FlatRule:
    """The user's rule on flat lists: ``(axis_size, in_batched, *args) -> (outs,
    out_batched)``, checking that what the rule returns fits the function's outputs."""

    def __init__(self, owner: custom_vmap, in_tree, out_tree, out_avals):
        self.owner, self.in_tree, self.out_tree, self.out_avals = owner, in_tree, out_tree, out_avals

    def __repr__(self) -> str:
        return repr(self.owner.vmap_rule)

    def __call__(self, axis_size: int, in_batched: list[bool], *args):
        rule, name = self.owner.vmap_rule, _fun_name(self.owner.fun)
        if rule is None:
            raise AttributeError(f"No batching rule defined for custom_vmap function {name} "
                                 "using def_vmap.")
        out = rule(axis_size, list(tree_unflatten(self.in_tree, in_batched)),
                   *tree_unflatten(self.in_tree, list(args)))
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"custom_vmap rule of {name} must return a pair (output, "
                            f"output batching spec), got {type(out).__name__}.")
        out, out_batched = out
        outs, tree = tree_flatten(out)
        batched, batched_tree = tree_flatten(out_batched)
        if tree != batched_tree:
            raise ValueError(f"structure of output value and output batching specification "
                             f"returned by custom vmap rule ({_fun_name(rule)}) do not match.\n"
                             f"Output values: {tree}\nBatching spec: {batched_tree}")
        if tree != self.out_tree:
            raise ValueError(f"structure of output returned by custom vmap rule "
                             f"({_fun_name(rule)}) does not match that of the original "
                             f"custom-vmapped function ({name}).\nOriginal: {self.out_tree}\n"
                             f"Rule: {tree}")
        for i, (x, b, aval) in enumerate(zip(outs, batched, self.out_avals)):
            if not isinstance(b, bool):
                raise TypeError(f"custom vmap rule ({_fun_name(rule)}) must give a bool for "
                                f"each output's batching spec, got {b!r}.")
            expected = ((axis_size,) if b else ()) + aval.shape
            if get_aval(x).shape != expected:
                raise ValueError(f"custom vmap rule ({_fun_name(rule)}) output {i} has shape "
                                 f"{get_aval(x).shape}, but the function's output has shape "
                                 f"{aval.shape} and the rule said it is "
                                 f"{'' if b else 'not '}batched (expected {expected}).")
        return outs, batched


class custom_vmap:
    """A function whose batching under ``vmap`` is given by a rule.

    The rule is called as ``rule(axis_size, in_batched, *args)``: ``in_batched`` has one
    bool per argument leaf (arranged like ``args``), batched arguments carry the batch
    axis first, and the rule returns ``(out, out_batched)``.

    >>> @custom_vmap
    ... def f(x):
    ...     return zenax.numpy.sin(x)
    >>> @f.def_vmap
    ... def f_vmap(axis_size, in_batched, x):
    ...     print('batched rule, size', axis_size)
    ...     return zenax.numpy.sin(x), in_batched[0]
    >>> zenax.vmap(f)(zenax.numpy.zeros(3))
    batched rule, size 3
    Array([0., 0., 0.], dtype=float32)
    """

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vmap_rule: Callable | None = None

    def def_vmap(self, vmap_rule: Callable) -> Callable:
        """Set the batching rule (usable as a decorator)."""
        self.vmap_rule = vmap_rule
        return vmap_rule

    @api_boundary
    def __call__(self, *args, **kwargs):
        args = _resolve_args(self.fun, args, kwargs)
        flat, in_tree = tree_flatten(args)
        box = {}

        def flat_fun(*xs):
            leaves, box["tree"] = tree_flatten(self.fun(*tree_unflatten(in_tree, list(xs))))
            return leaves

        closed, _ = trace_to_jaxpr(flat_fun, [get_aval(x) for x in flat])
        call, consts = closed_to_open(closed)
        rule = _FlatRule(self, in_tree, box["tree"], closed.out_avals)
        outs = bind(custom_vmap_call_p, *consts, *flat, call=call, rule=rule,
                    num_consts=len(consts))
        return tree_unflatten(box["tree"], outs)


def sequential_vmap(f: Callable) -> custom_vmap:
    """``f`` as a :class:`custom_vmap` function whose batching is a loop (``lax.map``)
    over the batch, one call of ``f`` per element: for functions that have no batching
    rule, or whose batched form would cost too much memory.

    >>> total = sequential_vmap(lambda x: x.sum())
    >>> zenax.vmap(total)(zenax.numpy.ones((2, 3)))
    Array([3., 3.], dtype=float32)
    """
    f = custom_vmap(f)

    @f.def_vmap
    def rule(axis_size, in_batched, *args):
        in_flat, tree = tree_flatten(args)
        batched_flat = tree_flatten(in_batched)[0]
        mapped = [x for x, b in zip(in_flat, batched_flat) if b]

        def one(xs):
            it = iter(xs)
            leaves = [next(it) if b else x for x, b in zip(in_flat, batched_flat)]
            return f(*tree_unflatten(tree, leaves))

        out = control_flow.map(one, mapped)
        return out, tree_map(lambda _: True, out)
    return f
