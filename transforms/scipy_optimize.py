"""zenax.scipy.optimize: ``minimize`` (BFGS, and JAX's experimental L-BFGS) and its
``OptimizeResults``.

It sits above the transforms because a minimiser differentiates its objective
(``value_and_grad``).  The solvers live in ``scipy_optimize_bfgs``,
``scipy_optimize_lbfgs`` and their shared ``scipy_optimize_line_search``; each is one
``lax.while_loop``, so ``minimize`` runs under ``jit`` and takes the same steps as JAX's.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import check_arraylike

from .scipy_optimize_bfgs import minimize_bfgs
from .scipy_optimize_lbfgs import minimize_lbfgs

__all__ = ["OptimizeResults", "minimize"]


class OptimizeResults(NamedTuple):
    """The outcome of :func:`minimize`.

    ``x``: the solution; ``success``: whether it converged; ``status``: the solver's code
    (0 converged; BFGS: 1 too many iterations, 3 the line search's zoom failed, 5 the line
    search took too many steps, -1 otherwise; see the solvers for L-BFGS); ``fun``,
    ``jac``: the objective and its gradient at ``x``; ``hess_inv``: the inverse-Hessian
    estimate (BFGS; None for L-BFGS); ``nfev``, ``njev``: objective and gradient
    evaluations; ``nit``: iterations.
    """
    x: Any
    success: Any
    status: Any
    fun: Any
    jac: Any
    hess_inv: Any
    nfev: Any
    njev: Any
    nit: Any


_METHODS = ("bfgs", "l-bfgs-experimental-do-not-rely-on-this")


def minimize(fun: Callable, x0, args: tuple = (), *, method: str, tol: float | None = None,
             options: Mapping[str, Any] | None = None) -> OptimizeResults:
    """Minimise ``fun(x, *args)`` (a real scalar, differentiable in ``x``) over the 1-D
    array ``x`` from ``x0``; the gradient comes from ``grad``.

    ``method`` is required: ``'BFGS'``, or ``'l-bfgs-experimental-do-not-rely-on-this'``
    (JAX's experimental L-BFGS, which also takes complex ``x``).  ``options`` go to the
    solver: ``maxiter``, ``norm`` and ``gtol`` for both, ``line_search_maxiter`` for
    BFGS, ``maxcor``, ``ftol``, ``maxfun``, ``maxgrad`` and ``maxls`` for L-BFGS.  As in
    JAX, ``tol`` is accepted and not used (give ``gtol`` in ``options``).  The loop is a
    ``lax.while_loop``: ``minimize`` works under ``jit``.

    >>> from zenax.scipy.optimize import minimize
    >>> f = lambda x: jnp.sum((x - jnp.array([1., 2.])) ** 2) + jnp.sum(x ** 4) / 10
    >>> result = minimize(f, jnp.zeros(2), method='BFGS')
    >>> with jnp.printoptions(precision=3):
    ...     print(result.x, result.success)
    [0.869 1.423] True
    """
    if options is None:
        options = {}
    if not isinstance(args, tuple):
        raise TypeError(f"minimize: args must be a tuple, got {type(args).__name__} "
                        f"{args!r}.")
    check_arraylike("minimize", x0)
    if not isinstance(method, str) or method.lower() not in _METHODS:
        raise ValueError(f"minimize: method {method!r} is not recognized; the methods are "
                         f"'BFGS' and 'l-bfgs-experimental-do-not-rely-on-this'.")

    def fun_of_x(x):
        return fun(x, *args)

    if method.lower() == "bfgs":
        results = minimize_bfgs(fun_of_x, x0, **options)
        hess_inv = results.H_k
    else:
        results = minimize_lbfgs(fun_of_x, x0, **options)
        hess_inv = None
    return OptimizeResults(
        x=results.x_k, success=jnp.logical_and(results.converged,
                                               jnp.logical_not(results.failed)),
        status=results.status, fun=results.f_k, jac=results.g_k, hess_inv=hess_inv,
        nfev=results.nfev, njev=results.ngev, nit=results.k)
