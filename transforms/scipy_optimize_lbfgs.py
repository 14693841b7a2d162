"""L-BFGS for zenax.scipy.optimize (Nocedal and Wright, *Numerical Optimization*,
algorithm 7.5, extended to complex variables after Sorber, Van Barel and De Lathauwer,
2012), as JAX's experimental version implements it.

Instead of an inverse Hessian the state keeps the last ``maxcor`` steps ``s``, gradient
changes ``y`` and ``rho = 1 / Re(y's)`` (oldest first; a new pair rolls the oldest
out); the search direction is the two-loop recursion over them, scaled by
``gamma = Re(y's) / |y|^2`` of the newest pair.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.at import at
from zenax.lax.jnp.indexing import getitem
from zenax.lax.jnp.promotion import dtype_of, shape_of
from zenax.transforms.autodiff import value_and_grad

from .scipy_optimize_line_search import dot, line_search


class LBFGSResults(NamedTuple):
    """The state, and at the end the outcome, of :func:`minimize_lbfgs`.

    ``converged``: the gradient norm fell below ``gtol``; ``failed``: stopped otherwise;
    ``k``, ``nfev``, ``ngev``: iterations and evaluations; ``x_k``, ``f_k``, ``g_k``: the
    last point, value and gradient; ``s_history``, ``y_history``, ``rho_history``,
    ``gamma``: the correction pairs (see the module docstring); ``status``: 0 converged,
    1 too many iterations, 2 too many function or 3 gradient evaluations, 4 too little
    decrease (``ftol``), 5 the line search failed; ``ls_status``: the last line search's
    status.
    """
    converged: Any
    failed: Any
    k: Any
    nfev: Any
    ngev: Any
    x_k: Any
    f_k: Any
    g_k: Any
    s_history: Any
    y_history: Any
    rho_history: Any
    gamma: Any
    status: Any
    ls_status: Any


def minimize_lbfgs(fun: Callable, x0, maxiter: float | None = None, norm=np.inf,
                   maxcor: int = 10, ftol: float = 2.220446049250313e-09,
                   gtol: float = 1e-05, maxfun: float | None = None,
                   maxgrad: float | None = None, maxls: int = 20) -> LBFGSResults:
    """Minimise ``fun`` (real-valued, of a 1-D real or complex array) from ``x0`` by
    L-BFGS with ``maxcor`` correction pairs.  It stops when the gradient's ``norm``-norm
    is below ``gtol``, a step decreases ``fun`` by less than ``ftol``, a line search (at
    most ``maxls`` steps) fails, or a count passes ``maxiter`` (default ``200 * len(x0)``
    when no limit is given), ``maxfun`` or ``maxgrad``."""
    d = shape_of(x0)[0]
    dtype = dtype_of(x0)
    if maxiter is None and maxfun is None and maxgrad is None:
        maxiter = d * 200
    maxiter, maxfun, maxgrad = (np.inf if m is None else m for m in (maxiter, maxfun, maxgrad))
    f_0, g_0 = value_and_grad(fun)(x0)
    state = LBFGSResults(
        converged=jnp.array(False, dtype=bool), failed=jnp.array(False, dtype=bool), k=0,
        nfev=1, ngev=1, x_k=x0, f_k=f_0, g_k=g_0,
        s_history=jnp.zeros((maxcor, d), dtype=dtype),
        y_history=jnp.zeros((maxcor, d), dtype=dtype),
        rho_history=jnp.zeros((maxcor,), dtype=dtype), gamma=1., status=0, ls_status=0)

    def cond(state):
        return jnp.logical_and(jnp.logical_not(state.converged), jnp.logical_not(state.failed))

    def body(state):
        p_k = _two_loop_recursion(state)
        search = line_search(fun, state.x_k, p_k, old_fval=state.f_k, gfk=state.g_k,
                             maxiter=maxls)
        s_k = jnp.multiply(jnp.astype(jnp.asarray(search.a_k), dtype_of(p_k)), p_k)
        x_kp1 = jnp.add(state.x_k, s_k)
        f_kp1, g_kp1 = search.f_k, search.g_k
        y_k = jnp.subtract(g_kp1, state.g_k)
        rho_k_inv = jnp.real(dot(y_k, s_k))
        rho_k = jnp.astype(jnp.reciprocal(rho_k_inv), dtype_of(y_k))
        gamma = jnp.divide(rho_k_inv, jnp.real(dot(jnp.conj(y_k), y_k)))

        # The later checks win: a failed line search is reported over the counts.
        status = jnp.array(0)
        status = jnp.where(jnp.less(jnp.subtract(state.f_k, f_kp1), ftol), 4, status)
        status = jnp.where(jnp.greater_equal(state.ngev, maxgrad), 3, status)
        status = jnp.where(jnp.greater_equal(state.nfev, maxfun), 2, status)
        status = jnp.where(jnp.greater_equal(state.k, maxiter), 1, status)
        status = jnp.where(search.failed, 5, status)
        converged = jnp.less(jnp.linalg.norm(g_kp1, ord=norm), gtol)
        return state._replace(
            converged=converged,
            failed=jnp.logical_and(jnp.greater(status, 0), jnp.logical_not(converged)),
            k=jnp.add(state.k, 1),
            nfev=jnp.add(state.nfev, search.nfev), ngev=jnp.add(state.ngev, search.ngev),
            x_k=jnp.astype(x_kp1, dtype_of(state.x_k)),
            f_k=jnp.astype(f_kp1, dtype_of(state.f_k)),
            g_k=jnp.astype(g_kp1, dtype_of(state.g_k)),
            s_history=_push(state.s_history, s_k),
            y_history=_push(state.y_history, y_k),
            rho_history=_push(state.rho_history, rho_k),
            gamma=jnp.astype(gamma, dtype_of(state.g_k)),
            status=jnp.where(converged, 0, status), ls_status=search.status)

    return lax.while_loop(cond, body, state)


def _two_loop_recursion(state: LBFGSResults):
    """The search direction ``-H g``, with ``H`` the L-BFGS inverse-Hessian estimate of
    the pairs held (the first ``k`` iterations hold fewer than ``maxcor``)."""
    dtype = dtype_of(state.rho_history)
    size = shape_of(state.rho_history)[0]
    count = jnp.where(jnp.less(state.k, size), state.k, size)
    q = jnp.negative(jnp.conj(state.g_k))
    alphas = jnp.zeros_like(state.rho_history)

    def newest_first(j, carry):
        q, alphas = carry
        i = jnp.subtract(size - 1, j)
        a_i = jnp.multiply(getitem(state.rho_history, i),
                           jnp.astype(jnp.real(dot(jnp.conj(getitem(state.s_history, i)), q)),
                                      dtype))
        alphas = at(alphas)[i].set(a_i)
        q = jnp.subtract(q, jnp.multiply(a_i, jnp.conj(getitem(state.y_history, i))))
        return q, alphas

    q, alphas = lax.fori_loop(0, count, newest_first, (q, alphas))
    q = jnp.multiply(state.gamma, q)

    def oldest_first(j, q):
        i = jnp.add(size - count, j)
        b_i = jnp.multiply(getitem(state.rho_history, i),
                           jnp.astype(jnp.real(dot(getitem(state.y_history, i), q)), dtype))
        return jnp.add(q, jnp.multiply(jnp.subtract(getitem(alphas, i), b_i),
                                       getitem(state.s_history, i)))

    return lax.fori_loop(0, count, oldest_first, q)


def _push(history, new):
    """``history`` with its oldest entry (first) dropped and ``new`` appended."""
    return at(jnp.roll(history, -1, axis=0))[-1].set(new)
