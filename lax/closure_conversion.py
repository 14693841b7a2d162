"""``closure_convert`` and ``custom_gradient``: turning what a function closes over into
explicit inputs, and a gradient rule written as "value and vjp function".

``custom_vjp`` rules see only the function's arguments: a value the function closes over
that is being differentiated (a tracer of an enclosing ``jvp``/``grad``) would be missed.
``closure_convert`` stages the function and hands back those values as extra trailing
arguments of a closed version of it.  ``custom_gradient`` uses the same staging on the
user's vjp function: its closed-over values become the residuals of a ``custom_vjp``.
"""
from __future__ import annotations

from typing import Any, Callable

from zenax.tracer import dtypes
from zenax.tracer.core import Tracer, get_aval
from zenax.tracer.ir import eval_jaxpr
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import (register_pytree_node, tree_flatten, tree_unflatten,
                                    treedef_is_leaf)

from .custom_derivatives import custom_vjp

__all__ = ["closure_convert", "custom_gradient"]


def _maybe_perturbed(x: Any) -> bool:
    """Whether ``x`` could carry a derivative: a traced value of an inexact dtype."""
    return isinstance(x, Tracer) and dtypes.is_inexact(get_aval(x).dtype)


def closure_convert(fun: Callable, *example_args) -> tuple[Callable, list[Any]]:
    """``(converted, hoisted)``: ``converted(*args, *hoisted)`` computes ``fun(*args)``,
    with the traced values ``fun`` closes over (those a derivative could flow through)
    passed explicitly as ``hoisted``.  ``example_args`` fix the argument structure and
    types.  Use it to give a ``custom_vjp`` function's closure to its rules.

    >>> def outer(y):
    ...     converted, hoisted = closure_convert(lambda x: x * y, 1.0)
    ...     print(len(hoisted), 'hoisted')
    ...     return converted(3.0, *hoisted)
    >>> zenax.jit(outer)(2.0)
    1 hoisted
    Array(6., dtype=float32, weak_type=True)
    """
    flat, in_tree = tree_flatten(example_args)
    box = {}

    def flat_fun(*xs):
        leaves, box["tree"] = tree_flatten(fun(*tree_unflatten(in_tree, list(xs))))
        return leaves

    closed, _ = trace_to_jaxpr(flat_fun, [get_aval(x) for x in flat])
    out_tree = box["tree"]
    hoist = [_maybe_perturbed(c) for c in closed.consts]
    kept = [c for c, h in zip(closed.consts, hoist) if not h]
    hoisted = [c for c, h in zip(closed.consts, hoist) if h]

    def converted_fun(*args_and_hoisted):
        args = args_and_hoisted[:len(args_and_hoisted) - len(hoisted)]
        given = iter(args_and_hoisted[len(args):])
        held = iter(kept)
        consts = [next(given) if h else next(held) for h in hoist]
        leaves, tree = tree_flatten(tuple(args))
        if tree != in_tree:
            raise TypeError("The inputs to the closure produced by closure_convert must have "
                            "the same Pytree structure as the example arguments passed when "
                            f"closure_convert was called. Expected {in_tree}, but got {tree}")
        return tree_unflatten(out_tree, eval_jaxpr(closed.jaxpr, consts, *leaves))

    return converted_fun, hoisted


class _StagedRule:
    """A vjp function staged for ``custom_gradient``: its closed-over values are the pytree
    children (the residuals of the ``custom_vjp``); the jaxpr and trees are aux data."""

    def __init__(self, jaxpr, in_tree, out_tree, consts):
        self.jaxpr, self.in_tree, self.out_tree, self.consts = jaxpr, in_tree, out_tree, consts


register_pytree_node(
    _StagedRule,
    lambda r: (r.consts, (r.jaxpr, r.in_tree, r.out_tree)),
    lambda aux, consts: _StagedRule(*aux, list(consts)))


def custom_gradient(fun: Callable) -> Callable:
    """Define a function's gradient next to its value: ``fun`` returns
    ``(value, vjp_fn)``, where ``vjp_fn(cotangent)`` gives the cotangents of the
    arguments (one per argument, as a tuple; a bare value for one argument).

    >>> @custom_gradient
    ... def f(x):
    ...     return x ** 2, lambda g: (g * x,)
    >>> x = np.float32(3.0)
    >>> f(x), zenax.grad(f)(x)
    (Array(9., dtype=float32), Array(3., dtype=float32))
    """
    @custom_vjp
    def wrapped_fun(*args, **kwargs):
        value, _ = fun(*args, **kwargs)
        return value

    def fwd(*args, **kwargs):
        value, rule = fun(*args, **kwargs)
        value_leaves, out_tree = tree_flatten((value,))
        box = {}

        def flat_rule(*cts):
            leaves, box["tree"] = tree_flatten(rule(*tree_unflatten(out_tree, list(cts))))
            return leaves

        # The cotangents' avals keep the outputs' weak types, as JAX's tangent types do.
        closed, _ = trace_to_jaxpr(flat_rule, [get_aval(v) for v in value_leaves])
        return value, _StagedRule(closed.jaxpr, box["tree"], out_tree, list(closed.consts))

    def bwd(res: _StagedRule, ct):
        ct_leaves, tree = tree_flatten((ct,))
        if tree != res.out_tree:
            raise TypeError(f"{res.out_tree}\n!=\n{tree}")
        cts_in = tree_unflatten(res.in_tree, eval_jaxpr(res.jaxpr, res.consts, *ct_leaves))
        return (cts_in,) if treedef_is_leaf(res.in_tree) else cts_in

    wrapped_fun.defvjp(fwd, bwd)
    return wrapped_fun
