"""``fwd_and_bwd``: reverse mode split into a forward function that returns residuals
and a backward function that takes them, each jitted once.

The residuals are ``vjp``'s ``f_vjp``, a pytree: the values the backward pass needs are
its leaves, and the linear jaxpr they feed (with the trees and types around it) is its aux
data -- so ``jit(fwd)`` can return it and ``jit(bwd)`` traces once per program, not per
call.
"""
from __future__ import annotations

from typing import Callable, Sequence

from zenax.tracer.arguments import check_callable

from .autodiff import _normalize_argnums, partial_over, vjp
from .jit import jit

__all__ = ["fwd_and_bwd"]


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
        return vjp(partial_over(fun, args, nums), *[args[i] for i in nums], has_aux=has_aux)

    def bwd(f_vjp: Callable, cotangent):
        cts = f_vjp(cotangent)
        return cts[0] if single else cts

    return (jit(fwd), jit(bwd)) if jitted else (fwd, bwd)
