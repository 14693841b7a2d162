"""``print_saved_residuals``: what reverse mode keeps from the forward pass, and why.

``vjp`` linearizes a function; the values the linear (and so the backward) pass reads
from the forward pass are its *residuals*: the memory a ``grad`` costs.  Here we stage
``linearize`` of the function into a jaxpr whose outputs are those residuals and name
where each comes from -- an argument, a constant, or the output of an equation, with the
user's source line -- in JAX's words, so the two can be compared line by line.  Values a
``checkpoint`` saves are outputs of its ``remat`` equation; we look inside it for the
equation (or argument) that produced them.
"""
from __future__ import annotations

import inspect
from typing import Callable

from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import get_aval
from zenax.tracer.ir import Jaxpr, Literal, Var
from zenax.tracer.source_info import SourceInfo, api_boundary
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten
from zenax.lax.debugging import name_p
from zenax.lax.higher_order import jit_call_p, remat_p
from zenax.lax.registry import tangent_aval

from .linearize import linearize_flat

__all__ = ["print_saved_residuals", "saved_residuals"]


def _arg_names(f: Callable, args: tuple, kwargs: dict) -> list[str]:
    """One name per leaf of ``(args, kwargs)``, as JAX names arguments: the parameter
    ``f``'s signature binds it to, with the leaf's key path (``d['a']``, ``args[0]``);
    ``unknown`` when the signature cannot tell."""
    try:
        bound = inspect.signature(f).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return ["unknown"] * len(tree_flatten((args, kwargs))[0])
    return [f"{name}{keystr(path)}" for name, value in bound.arguments.items()
            for path, _ in tree_flatten_with_path(value)[0]]


def _where(info: SourceInfo | None) -> str:
    return "" if info is None else f"{info.file}:{info.line} ({info.function})"


def _origin(var, jaxpr: Jaxpr, inputs: Callable[[Var], str]) -> str:
    """How JAX words where ``var`` of ``jaxpr`` comes from; ``inputs(v)`` words the
    jaxpr's own inputs.  A ``remat`` equation is looked through: the value comes from an
    equation (or an input) of its body."""
    if type(var) is Literal:
        return "from a literal"
    if var in jaxpr.invars or var in jaxpr.constvars:
        return inputs(var)
    eqn = next(e for e in jaxpr.eqns if var in e.outvars)
    if eqn.primitive is remat_p:
        body = eqn.params["jaxpr"].jaxpr
        return _origin(body.outvars[eqn.outvars.index(var)], body, lambda v: _origin(
            eqn.invars[body.invars.index(v)], jaxpr, inputs))
    where = _where(eqn.source_info)
    if eqn.primitive is name_p:
        return f"named '{eqn.params['name']}' from {where}"
    if eqn.primitive is jit_call_p:
        # The jvp of a jitted call is named jvp(f); its known half is still the user's f.
        name = eqn.params["name"]
        while name.startswith("jvp(") and name.endswith(")"):
            name = name[4:-1]
        return f"output of jitted function '{name}' from {where}"
    return f"output of {eqn.primitive.name} from {where}"


def saved_residuals(f: Callable, *args, **kwargs) -> list[tuple[ShapedArray, str]]:
    """The residuals ``vjp(f, *args)`` saves, as ``(aval, origin)`` pairs."""
    flat, in_tree = tree_flatten((args, kwargs))

    def residuals_of(*xs):
        def f_flat(*ys):
            a, kw = tree_unflatten(in_tree, list(ys))
            return tree_flatten(f(*a, **kw))[0]
        _, linear = linearize_flat(f_flat, list(xs), [tangent_aval(get_aval(x)) for x in xs])
        return list(linear.consts)

    closed, _ = trace_to_jaxpr(residuals_of, [get_aval(x) for x in flat])
    jaxpr = closed.jaxpr
    names = _arg_names(f, args, kwargs)

    def inputs(v) -> str:
        if v in jaxpr.constvars:
            return "from a constant"
        return f"from the argument {names[jaxpr.invars.index(v)]}"

    # JAX's order: literals, constants, arguments, then equations in program order; a
    # value saved twice is listed once.
    residuals = {v: None for v in jaxpr.outvars if type(v) is not Literal}
    results = [(v.aval, "from a literal") for v in jaxpr.outvars if type(v) is Literal]
    results += [(v.aval, inputs(v)) for v in jaxpr.constvars + jaxpr.invars if v in residuals]
    results += [(v.aval, _origin(v, jaxpr, inputs)) for e in jaxpr.eqns for v in e.outvars
                if v in residuals]
    return results


@api_boundary
def print_saved_residuals(f: Callable, *args, **kwargs) -> None:
    """Print one line per value that reverse mode through ``f`` at ``args`` saves for the
    backward pass: its type and where it comes from.  Useful to see what a
    ``checkpoint`` policy keeps.

    >>> print_saved_residuals(lambda x: zenax.numpy.sin(x) * x, 1.0)  # doctest: +ELLIPSIS
    f32[] from the argument x
    f32[] output of sin from ...
    f32[] output of cos from ...
    """
    for aval, origin in saved_residuals(f, *args, **kwargs):
        print(f"{aval.str_short()} {origin}")
