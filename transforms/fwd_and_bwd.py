"""``fwd_and_bwd``: reverse mode split into a forward function that returns residuals
and a backward function that takes them, each jitted once.

``vjp`` returns the backward pass as a closure, which ``jit`` cannot take as an argument
without retracing every time.  Here the residuals travel as a pytree: the values the
backward pass needs are its leaves, and the linear jaxpr they feed (with the trees and
types around it) is its aux data -- so ``jit(fwd)`` can return it and ``jit(bwd)``
traces once per program, not per call.
"""
from __future__ import annotations

from typing import Callable, Sequence

from zenax.tracer.arguments import check_callable
from zenax.tracer.ir import ClosedJaxpr
from zenax.tracer.tree_util import register_pytree_node

from .autodiff import _normalize_argnums, _VJPFunction, vjp
from .jit import jit

__all__ = ["fwd_and_bwd"]


class Residuals:
    """What the backward pass of one ``fwd`` call needs, as a pytree."""

    def __init__(self, consts: list, linear, in_tree, out_tree, in_avals, out_avals):
        self.consts, self.linear = consts, linear
        self.in_tree, self.out_tree, self.in_avals, self.out_avals = (in_tree, out_tree,
                                                                      in_avals, out_avals)

    def vjp_function(self) -> _VJPFunction:
        return _VJPFunction(ClosedJaxpr(self.linear, self.consts), self.in_tree,
                            self.out_tree, self.in_avals, self.out_avals)


register_pytree_node(
    Residuals,
    lambda r: (r.consts, (r.linear, r.in_tree, r.out_tree, tuple(r.in_avals),
                          tuple(r.out_avals))),
    lambda aux, consts: Residuals(list(consts), *aux))


def fwd_and_bwd(fun: Callable, argnums: int | Sequence[int], has_aux: bool = False,
                jitted: bool = True) -> tuple[Callable, Callable]:
    """``(fwd, bwd)``: ``fwd(*args)`` returns ``(fun(*args), residuals)`` (and ``aux``
    with ``has_aux``); ``bwd(residuals, cotangent)`` returns the cotangents of the
    arguments ``argnums`` picks (one, or a tuple).  Both are jitted unless ``jitted``
    is False.

    >>> fwd, bwd = fwd_and_bwd(lambda x, w: (x * w).sum(), argnums=1)
    >>> y, res = fwd(zenax.numpy.arange(3.0), zenax.numpy.ones(3))
    >>> bwd(res, 1.0)
    Array([0., 1., 2.], dtype=float32)
    """
    check_callable("fwd_and_bwd", fun)
    single = isinstance(argnums, int)

    def fwd(*args):
        _, nums = _normalize_argnums("fwd_and_bwd", argnums, len(args))

        def partial_fun(*dyn):
            full = list(args)
            for i, a in zip(nums, dyn):
                full[i] = a
            return fun(*full)
        out = vjp(partial_fun, *[args[i] for i in nums], has_aux=has_aux)
        f_vjp = out[1]
        residuals = Residuals(list(f_vjp.jaxpr.consts), f_vjp.jaxpr.jaxpr, f_vjp.in_tree,
                              f_vjp.out_tree, f_vjp.in_avals, f_vjp.out_avals)
        return (out[0], residuals) + tuple(out[2:])

    def bwd(residuals: Residuals, cotangent):
        cts = residuals.vjp_function()(cotangent)
        return cts[0] if single else cts

    return (jit(fwd), jit(bwd)) if jitted else (fwd, bwd)
