"""The line search of zenax.scipy.optimize: a step along a descent direction that
satisfies the strong Wolfe conditions (Nocedal and Wright, *Numerical Optimization*,
algorithms 3.5 and 3.6), as JAX implements it.

The search tries step ``a_i`` (first a guess from the previous decrease, then doubling);
once a step overshoots -- too little decrease, or a rising slope -- the bracket it closes
is narrowed by ``_zoom``, by cubic, then quadratic interpolation, then bisection.  Both
loops are ``lax.while_loop``s whose branches are computed unconditionally and chosen with
``where`` (no ``cond``), and both zooms are traced in every outer step (one of them, or
both, exiting at once), so that the step count and every evaluation match JAX's: the same
iterates to rounding.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax.jnp.promotion import dtype_of, promote_dtypes_inexact
from zenax.transforms.autodiff import value_and_grad


def dot(a, b):
    return jnp.dot(a, b, precision="highest")


def _cubicmin(a, fa, fpa, b, fb, c, fc):
    """The minimiser of the cubic through ``(a, fa)`` with slope ``fpa``, ``(b, fb)`` and
    ``(c, fc)`` (NaN if it has none)."""
    dtype = jnp.result_type(a, fa, fpa, b, fb, c, fc)
    db, dc = jnp.subtract(b, a), jnp.subtract(c, a)
    denom = jnp.multiply(lax.integer_pow(jnp.multiply(db, dc), 2), jnp.subtract(db, dc))
    d1 = jnp.array([[lax.integer_pow(dc, 2), jnp.negative(lax.integer_pow(db, 2))],
                    [jnp.negative(lax.integer_pow(dc, 3)), lax.integer_pow(db, 3)]],
                   dtype=dtype)
    d2 = jnp.array([jnp.subtract(jnp.subtract(fb, fa), jnp.multiply(fpa, db)),
                    jnp.subtract(jnp.subtract(fc, fa), jnp.multiply(fpa, dc))], dtype=dtype)
    coefficients = jnp.divide(dot(d1, d2), denom)
    A, B = (lax.index_in_dim(coefficients, k, 0, keepdims=False) for k in (0, 1))
    radical = jnp.subtract(jnp.multiply(B, B), jnp.multiply(jnp.multiply(3., A), fpa))
    return jnp.add(a, jnp.divide(jnp.add(jnp.negative(B), jnp.sqrt(radical)),
                                 jnp.multiply(3., A)))


def _quadmin(a, fa, fpa, b, fb):
    """The minimiser of the parabola through ``(a, fa)`` with slope ``fpa`` and
    ``(b, fb)``."""
    db = jnp.subtract(b, a)
    B = jnp.divide(jnp.subtract(jnp.subtract(fb, fa), jnp.multiply(fpa, db)),
                   lax.integer_pow(db, 2))
    return jnp.subtract(a, jnp.divide(fpa, jnp.multiply(2., B)))


def _replace_where(state: NamedTuple, bit, **new) -> Any:
    """``state`` with each field of ``new`` taken where ``bit`` holds."""
    return state._replace(**{k: jnp.where(bit, v, getattr(state, k)) for k, v in new.items()})


class _ZoomState(NamedTuple):
    done: Any
    failed: Any
    j: Any
    a_lo: Any
    phi_lo: Any
    dphi_lo: Any
    a_hi: Any
    phi_hi: Any
    dphi_hi: Any
    a_rec: Any          # the previous a_hi or a_lo: the third point of the cubic
    phi_rec: Any
    a_star: Any
    phi_star: Any
    dphi_star: Any
    g_star: Any
    nfev: Any
    ngev: Any


def _zoom(restricted: Callable, wolfe_one: Callable, wolfe_two: Callable, a_lo, phi_lo,
          dphi_lo, a_hi, phi_hi, dphi_hi, g_0, pass_through):
    """Narrow the bracket ``[a_lo, a_hi]`` until a step satisfies both Wolfe conditions
    (or the bracket collapses, or 30 steps pass: failed).  Exits at once if
    ``pass_through``."""
    state = _ZoomState(
        done=False, failed=False, j=0, a_lo=a_lo, phi_lo=phi_lo, dphi_lo=dphi_lo,
        a_hi=a_hi, phi_hi=phi_hi, dphi_hi=dphi_hi,
        a_rec=jnp.divide(jnp.add(a_lo, a_hi), 2.),
        phi_rec=jnp.divide(jnp.add(phi_lo, phi_hi), 2.),
        a_star=1., phi_star=phi_lo, dphi_star=dphi_lo, g_star=g_0, nfev=0, ngev=0)
    delta1, delta2 = 0.2, 0.1       # how far inside the bracket a cubic/quadratic step must be

    def body(state):
        dalpha = jnp.subtract(state.a_hi, state.a_lo)
        a = jnp.minimum(state.a_hi, state.a_lo)
        b = jnp.maximum(state.a_hi, state.a_lo)
        cchk, qchk = jnp.multiply(delta1, dalpha), jnp.multiply(delta2, dalpha)
        # A bracket this narrow stops the search; the Wolfe conditions are not met, so
        # the minimisation stops too.
        threshold = 1e-5 if np.finfo(dtype_of(dalpha)).bits < 64 else 1e-10
        state = state._replace(failed=jnp.logical_or(state.failed,
                                                     jnp.less_equal(dalpha, threshold)))

        a_cubic = _cubicmin(state.a_lo, state.phi_lo, state.dphi_lo, state.a_hi,
                            state.phi_hi, state.a_rec, state.phi_rec)
        use_cubic = jnp.logical_and(
            jnp.logical_and(jnp.greater(state.j, 0), jnp.greater(a_cubic, jnp.add(a, cchk))),
            jnp.less(a_cubic, jnp.subtract(b, cchk)))
        a_quad = _quadmin(state.a_lo, state.phi_lo, state.dphi_lo, state.a_hi, state.phi_hi)
        use_quad = jnp.logical_and(
            jnp.logical_and(jnp.logical_not(use_cubic), jnp.greater(a_quad, jnp.add(a, qchk))),
            jnp.less(a_quad, jnp.subtract(b, qchk)))
        a_bisect = jnp.divide(jnp.add(state.a_lo, state.a_hi), 2.)
        use_bisect = jnp.logical_and(jnp.logical_not(use_cubic), jnp.logical_not(use_quad))
        a_j = jnp.where(use_cubic, a_cubic, state.a_rec)
        a_j = jnp.where(use_quad, a_quad, a_j)
        a_j = jnp.where(use_bisect, a_bisect, a_j)

        phi_j, dphi_j, g_j = restricted(a_j)
        phi_j = jnp.astype(phi_j, dtype_of(state.phi_lo))
        dphi_j = jnp.astype(dphi_j, dtype_of(state.dphi_lo))
        g_j = jnp.astype(g_j, dtype_of(state.g_star))
        state = state._replace(nfev=jnp.add(state.nfev, 1), ngev=jnp.add(state.ngev, 1))

        hi_to_j = jnp.logical_or(wolfe_one(a_j, phi_j), jnp.greater_equal(phi_j, state.phi_lo))
        star_to_j = jnp.logical_and(wolfe_two(dphi_j), jnp.logical_not(hi_to_j))
        hi_to_lo = jnp.logical_and(
            jnp.logical_and(jnp.greater_equal(
                jnp.multiply(dphi_j, jnp.subtract(state.a_hi, state.a_lo)), 0.),
                jnp.logical_not(hi_to_j)), jnp.logical_not(star_to_j))
        lo_to_j = jnp.logical_and(jnp.logical_not(hi_to_j), jnp.logical_not(star_to_j))

        state = _replace_where(state, hi_to_j, a_hi=a_j, phi_hi=phi_j, dphi_hi=dphi_j,
                               a_rec=state.a_hi, phi_rec=state.phi_hi)
        state = state._replace(done=jnp.logical_or(star_to_j, state.done))
        state = _replace_where(state, star_to_j, a_star=a_j, phi_star=phi_j,
                               dphi_star=dphi_j, g_star=g_j)
        state = _replace_where(state, hi_to_lo, a_hi=state.a_lo, phi_hi=state.phi_lo,
                               dphi_hi=state.dphi_lo, a_rec=state.a_hi,
                               phi_rec=state.phi_hi)
        state = _replace_where(state, jnp.logical_and(lo_to_j, jnp.logical_not(hi_to_lo)),
                               a_rec=state.a_lo, phi_rec=state.phi_lo)
        state = _replace_where(state, lo_to_j, a_lo=a_j, phi_lo=phi_j, dphi_lo=dphi_j)
        state = state._replace(j=jnp.add(state.j, 1))
        # More steps than SciPy's 10 allow: float32 needs them to reach the same points.
        return state._replace(failed=jnp.logical_or(state.failed,
                                                    jnp.greater_equal(state.j, 30)))

    def cond(state):
        return jnp.logical_and(jnp.logical_and(jnp.logical_not(state.done),
                                               jnp.logical_not(pass_through)),
                               jnp.logical_not(state.failed))

    return lax.while_loop(cond, body, state)


class _LineSearchState(NamedTuple):
    done: Any
    failed: Any
    i: Any
    a_i1: Any           # the previous step tried, and phi and its slope there
    phi_i1: Any
    dphi_i1: Any
    nfev: Any
    ngev: Any
    a_star: Any
    phi_star: Any
    dphi_star: Any
    g_star: Any


class LineSearchResults(NamedTuple):
    """The outcome of :func:`line_search`.

    ``failed``: no step met the Wolfe conditions; ``nit``: steps tried; ``nfev``/``ngev``:
    function and gradient evaluations; ``k``: ``nit + 1``; ``a_k``: the step; ``f_k``,
    ``g_k``: the function and its gradient there; ``status``: 0 success, 1 zoom failed,
    3 too many steps.
    """
    failed: Any
    nit: Any
    nfev: Any
    ngev: Any
    k: Any
    a_k: Any
    f_k: Any
    g_k: Any
    status: Any


def line_search(f: Callable, xk, pk, old_fval=None, old_old_fval=None, gfk=None,
                c1: float = 1e-4, c2: float = 0.9, maxiter: int = 20) -> LineSearchResults:
    """A step ``a`` along the descent direction ``pk`` from ``xk`` with sufficient
    decrease ``f(xk + a pk) <= f(xk) + c1 a f'(xk) pk`` and a flattened slope
    ``|f'(xk + a pk) pk| <= c2 |f'(xk) pk|`` (the strong Wolfe conditions).

    ``old_fval`` and ``gfk`` are ``f(xk)`` and its gradient, if known; ``old_old_fval``
    (the value before the previous step) sets the first step tried, as in SciPy.
    """
    xk, pk = promote_dtypes_inexact(xk, pk)
    f_and_grad = value_and_grad(f)

    def restricted(t):
        """phi(t) = f(xk + t pk), its slope phi'(t), and the gradient of f there."""
        t = jnp.array(t, dtype=dtype_of(pk))
        phi, g = f_and_grad(jnp.add(xk, jnp.multiply(t, pk)))
        return phi, jnp.real(dot(g, pk)), g

    evaluated_start = old_fval is None or gfk is None
    if evaluated_start:
        phi_0, dphi_0, gfk = restricted(0)
    else:
        phi_0, dphi_0 = old_fval, jnp.real(dot(gfk, pk))
    if old_old_fval is not None:
        # SciPy's first guess: the step that repeats the previous decrease, at most 1.
        candidate = jnp.divide(jnp.multiply(1.01 * 2, jnp.subtract(phi_0, old_old_fval)),
                               dphi_0)
        start = jnp.where(jnp.greater(candidate, 1), 1.0, candidate)
    else:
        start = 1

    def wolfe_one(a_i, phi_i):
        # True where sufficient decrease FAILS.
        return jnp.greater(phi_i, jnp.add(phi_0, jnp.multiply(jnp.multiply(c1, a_i), dphi_0)))

    def wolfe_two(dphi_i):
        return jnp.less_equal(jnp.abs(dphi_i), jnp.multiply(-c2, dphi_0))

    state = _LineSearchState(
        done=jnp.array(False, dtype=bool), failed=jnp.array(False, dtype=bool),
        # Nocedal and Wright start at i = 1 (SciPy's count starts at 0, off by one).
        i=1, a_i1=0., phi_i1=phi_0, dphi_i1=dphi_0,
        nfev=1 if evaluated_start else 0, ngev=1 if evaluated_start else 0,
        a_star=0., phi_star=phi_0, dphi_star=dphi_0, g_star=gfk)

    def body(state):
        # No largest step: double, as SciPy does.
        a_i = jnp.where(jnp.equal(state.i, 1), start, jnp.multiply(state.a_i1, 2.))
        phi_i, dphi_i, g_i = restricted(a_i)
        state = state._replace(nfev=jnp.add(state.nfev, 1), ngev=jnp.add(state.ngev, 1))

        star_to_zoom1 = jnp.logical_or(
            wolfe_one(a_i, phi_i),
            jnp.logical_and(jnp.greater_equal(phi_i, state.phi_i1), jnp.greater(state.i, 1)))
        star_to_i = jnp.logical_and(wolfe_two(dphi_i), jnp.logical_not(star_to_zoom1))
        star_to_zoom2 = jnp.logical_and(
            jnp.logical_and(jnp.greater_equal(dphi_i, 0.), jnp.logical_not(star_to_zoom1)),
            jnp.logical_not(star_to_i))

        zoom1 = _zoom(restricted, wolfe_one, wolfe_two, state.a_i1, state.phi_i1,
                      state.dphi_i1, a_i, phi_i, dphi_i, gfk, jnp.logical_not(star_to_zoom1))
        state = state._replace(nfev=jnp.add(state.nfev, zoom1.nfev),
                               ngev=jnp.add(state.ngev, zoom1.ngev))
        zoom2 = _zoom(restricted, wolfe_one, wolfe_two, a_i, phi_i, dphi_i, state.a_i1,
                      state.phi_i1, state.dphi_i1, gfk, jnp.logical_not(star_to_zoom2))
        state = state._replace(nfev=jnp.add(state.nfev, zoom2.nfev),
                               ngev=jnp.add(state.ngev, zoom2.ngev))

        state = state._replace(
            done=jnp.logical_or(star_to_zoom1, state.done),
            failed=jnp.logical_or(jnp.logical_and(star_to_zoom1, zoom1.failed), state.failed))
        state = _replace_where(state, star_to_zoom1, a_star=zoom1.a_star,
                               phi_star=zoom1.phi_star, dphi_star=zoom1.dphi_star,
                               g_star=zoom1.g_star)
        state = state._replace(done=jnp.logical_or(star_to_i, state.done))
        state = _replace_where(state, star_to_i, a_star=a_i, phi_star=phi_i,
                               dphi_star=dphi_i, g_star=g_i)
        state = state._replace(
            done=jnp.logical_or(star_to_zoom2, state.done),
            failed=jnp.logical_or(jnp.logical_and(star_to_zoom2, zoom2.failed), state.failed))
        state = _replace_where(state, star_to_zoom2, a_star=zoom2.a_star,
                               phi_star=zoom2.phi_star, dphi_star=zoom2.dphi_star,
                               g_star=zoom2.g_star)
        return state._replace(i=jnp.add(state.i, 1), a_i1=a_i, phi_i1=phi_i, dphi_i1=dphi_i)

    def cond(state):
        return jnp.logical_and(
            jnp.logical_and(jnp.logical_not(state.done), jnp.less_equal(state.i, maxiter)),
            jnp.logical_not(state.failed))

    state = lax.while_loop(cond, body, state)
    status = jnp.where(state.failed, jnp.array(1),
                       jnp.where(jnp.greater(state.i, maxiter), jnp.array(3), jnp.array(0)))
    # Below 64 bits a tiny step would leave the iterate stuck: keep it at least 1e-8.
    alpha = jnp.asarray(state.a_star)
    if np.finfo(dtype_of(alpha)).bits != 64:
        alpha = jnp.where(jnp.less(jnp.abs(alpha), 1e-8), jnp.multiply(jnp.sign(alpha), 1e-8),
                          alpha)
    return LineSearchResults(
        failed=jnp.logical_or(state.failed, jnp.logical_not(state.done)),
        nit=jnp.subtract(state.i, 1), nfev=state.nfev, ngev=state.ngev, k=state.i,
        a_k=alpha, f_k=state.phi_star, g_k=state.g_star, status=status)
