"""BFGS for zenax.scipy.optimize (Nocedal and Wright, *Numerical Optimization*,
algorithm 6.1), as JAX implements it.

The state carries the inverse-Hessian estimate ``H``; each step searches along
``-H g`` (:func:`line_search`) and updates ``H`` from the step ``s`` and the change of
gradient ``y`` by ``(I - rho s y') H (I - rho y s') + rho s s'`` with ``rho = 1 / y's`` --
skipped when ``y's`` is 0 (``rho`` not finite).  The loop is one ``lax.while_loop``, so
the whole minimisation can be ``jit``-ed.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import dtype_of, shape_of
from zenax.transforms.autodiff import value_and_grad

from .scipy_optimize_line_search import dot, line_search


class BFGSResults(NamedTuple):
    """The state, and at the end the outcome, of :func:`minimize_bfgs`.

    ``converged``: the gradient norm fell below ``gtol``; ``failed``: a line search
    failed; ``k``: iterations; ``nfev``/``ngev``/``nhev``: function, gradient and Hessian
    evaluations; ``x_k``, ``f_k``, ``g_k``: the last point, its value and gradient;
    ``H_k``: the inverse-Hessian estimate; ``old_old_fval``: the value before the last
    step (the line search's first guess uses it); ``status``: 0 converged, 1 too many
    iterations, ``2 + line_search_status`` the line search failed, -1 otherwise.
    """
    converged: Any
    failed: Any
    k: Any
    nfev: Any
    ngev: Any
    nhev: Any
    x_k: Any
    f_k: Any
    g_k: Any
    H_k: Any
    old_old_fval: Any
    status: Any
    line_search_status: Any


def minimize_bfgs(fun: Callable, x0, maxiter: int | None = None, norm=np.inf,
                  gtol: float = 1e-5, line_search_maxiter: int = 10) -> BFGSResults:
    """Minimise ``fun`` (of a 1-D array) from ``x0`` by BFGS: stop when the ``norm``-norm
    of the gradient is below ``gtol``, a line search (of at most
    ``line_search_maxiter`` steps) fails, or after ``maxiter`` iterations (default
    ``200 * len(x0)``)."""
    d = shape_of(x0)[0]
    if maxiter is None:
        maxiter = d * 200
    f_0, g_0 = value_and_grad(fun)(x0)
    state = BFGSResults(
        converged=jnp.less(jnp.linalg.norm(g_0, ord=norm), gtol), failed=False, k=0,
        nfev=1, ngev=1, nhev=0, x_k=x0, f_k=f_0, g_k=g_0,
        H_k=jnp.eye(d, dtype=dtype_of(x0)),
        old_old_fval=jnp.add(f_0, jnp.divide(jnp.linalg.norm(g_0), 2)),
        status=0, line_search_status=0)

    def cond(state):
        return jnp.logical_and(jnp.logical_and(jnp.logical_not(state.converged),
                                               jnp.logical_not(state.failed)),
                               jnp.less(state.k, maxiter))

    def body(state):
        p_k = jnp.negative(dot(state.H_k, state.g_k))
        search = line_search(fun, state.x_k, p_k, old_fval=state.f_k,
                             old_old_fval=state.old_old_fval, gfk=state.g_k,
                             maxiter=line_search_maxiter)
        state = state._replace(nfev=jnp.add(state.nfev, search.nfev),
                               ngev=jnp.add(state.ngev, search.ngev),
                               failed=search.failed, line_search_status=search.status)
        s_k = jnp.multiply(search.a_k, p_k)
        x_kp1 = jnp.add(state.x_k, s_k)
        y_k = jnp.subtract(search.g_k, state.g_k)
        rho_k = jnp.reciprocal(dot(y_k, s_k))
        sy_k = jnp.multiply(jnp.expand_dims(s_k, 1), jnp.expand_dims(y_k, 0))
        w = jnp.subtract(jnp.eye(d, dtype=dtype_of(rho_k)), jnp.multiply(rho_k, sy_k))
        ss_k = jnp.multiply(jnp.multiply(rho_k, jnp.expand_dims(s_k, 1)),
                            jnp.expand_dims(s_k, 0))
        H_kp1 = jnp.add(jnp.einsum("ij,jk,lk", w, state.H_k, w, precision="highest"), ss_k)
        H_kp1 = jnp.where(jnp.isfinite(rho_k), H_kp1, state.H_k)
        return state._replace(
            converged=jnp.less(jnp.linalg.norm(search.g_k, ord=norm), gtol),
            k=jnp.add(state.k, 1), x_k=x_kp1, f_k=search.f_k, g_k=search.g_k, H_k=H_kp1,
            old_old_fval=state.f_k)

    state = lax.while_loop(cond, body, state)
    status = jnp.where(
        state.converged, 0,
        jnp.where(jnp.equal(state.k, maxiter), 1,
                  jnp.where(state.failed, jnp.add(2, state.line_search_status), -1)))
    return state._replace(status=status)
