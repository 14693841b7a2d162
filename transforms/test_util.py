"""``check_grads``: compare jvp and vjp with finite differences in random directions.

Checking along random directions (rather than every coordinate) keeps the test cheap and
still catches wrong rules with probability one; the transpose identity
``<ct, J t> == <J^T ct, t>`` ties forward and reverse mode together.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from zenax.tracer.core import get_aval
from zenax.tracer.tree_util import tree_flatten, tree_unflatten

from .autodiff import jvp, vjp

_DEFAULT_EPS = {np.dtype(np.float32): 1e-3, np.dtype(np.float64): 1e-6,
                np.dtype(np.float16): 1e-1}
_DEFAULT_TOL = {np.dtype(np.float32): 2e-2, np.dtype(np.float64): 1e-5,
                np.dtype(np.float16): 1e-1}


def _inner(xs, ys):
    return sum(float(np.vdot(np.asarray(x, np.float64), np.asarray(y, np.float64)).real)
               for x, y in zip(xs, ys))


def _random_like(rng, x):
    aval = get_aval(x)
    return rng.standard_normal(aval.shape).astype(aval.dtype)


def _scaled_add(x, t, eps):
    return (np.asarray(x, np.float64) + eps * np.asarray(t, np.float64)).astype(get_aval(x).dtype)


def check_jvp(f: Callable, args: Sequence, eps=None, atol=None, rtol=None, rng=None) -> None:
    """Assert that ``jvp(f)`` agrees with central finite differences along a random direction."""
    rng = rng or np.random.default_rng(0)
    flat, tree = tree_flatten(tuple(args))
    dtype = get_aval(flat[0]).dtype
    eps = eps or _DEFAULT_EPS.get(dtype, 1e-3)
    tol = _DEFAULT_TOL.get(dtype, 2e-2)
    atol, rtol = atol or tol, rtol or tol
    tangents = [_random_like(rng, x) for x in flat]
    _, t_out = jvp(f, tuple(args), tuple(tree_unflatten(tree, tangents)))
    plus = f(*tree_unflatten(tree, [_scaled_add(x, t, eps) for x, t in zip(flat, tangents)]))
    minus = f(*tree_unflatten(tree, [_scaled_add(x, t, -eps) for x, t in zip(flat, tangents)]))
    fd = [(np.asarray(p, np.float64) - np.asarray(m, np.float64)) / (2 * eps)
          for p, m in zip(tree_flatten(plus)[0], tree_flatten(minus)[0])]
    for a, b in zip(tree_flatten(t_out)[0], fd):
        np.testing.assert_allclose(np.asarray(a, np.float64), b, atol=atol, rtol=rtol,
                                   err_msg="jvp does not match finite differences")


def check_vjp(f: Callable, args: Sequence, atol=None, rtol=None, rng=None) -> None:
    """Assert the transpose identity ``<ct, J t> == <vjp(ct), t>`` in random directions."""
    rng = rng or np.random.default_rng(1)
    flat, tree = tree_flatten(tuple(args))
    dtype = get_aval(flat[0]).dtype
    tol = _DEFAULT_TOL.get(dtype, 2e-2)
    atol, rtol = atol or tol, rtol or tol
    tangents = [_random_like(rng, x) for x in flat]
    out, t_out = jvp(f, tuple(args), tuple(tree_unflatten(tree, tangents)))
    _, f_vjp = vjp(f, *args)
    flat_out, out_tree = tree_flatten(out)
    cts = [_random_like(rng, o) for o in flat_out]
    cts_in = tree_flatten(f_vjp(tree_unflatten(out_tree, cts)))[0]
    lhs = _inner(cts, tree_flatten(t_out)[0])
    rhs = _inner(cts_in, tangents)
    np.testing.assert_allclose(lhs, rhs, atol=atol * (1 + abs(lhs)), rtol=rtol,
                               err_msg="vjp is not the transpose of jvp")


def check_grads(f: Callable, args: Sequence, order: int = 1,
                modes: Sequence[str] = ("fwd", "rev"), atol=None, rtol=None, eps=None) -> None:
    """Check derivatives of ``f`` at ``args`` up to ``order`` against finite differences.

    ``modes`` chooses forward mode (``"fwd"``: jvp vs finite differences) and/or reverse
    mode (``"rev"``: vjp against jvp through the transpose identity).  Higher orders check
    the derivative functions themselves, recursively.

    >>> check_grads(jnp.sin, (1.0,), order=2, modes=("fwd", "rev"))
    """
    args = tuple(args)
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError(f"check_grads: unknown mode {mode!r}; use 'fwd' and/or 'rev'.")

    def check(f, order):
        if "fwd" in modes:
            check_jvp(f, args, eps=eps, atol=atol, rtol=rtol)
        if "rev" in modes:
            check_vjp(f, args, atol=atol, rtol=rtol)
        if order > 1:
            flat, tree = tree_flatten(args)
            rng = np.random.default_rng(order)
            tangents = tree_unflatten(tree, [_random_like(rng, x) for x in flat])
            if "fwd" in modes:
                check(lambda *a: jvp(f, a, tuple(tangents))[1], order - 1)
            if "rev" in modes:
                out = f(*args)
                flat_out, out_tree = tree_flatten(out)
                cts = tree_unflatten(out_tree, [_random_like(rng, o) for o in flat_out])
                check(lambda *a: vjp(f, *a)[1](cts), order - 1)

    check(f, order)
