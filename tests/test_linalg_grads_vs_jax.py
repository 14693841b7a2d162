"""Issue 23's gradient acceptance check in one table: ``grad`` through ``slogdet``,
``eigh`` (distinct eigenvalues), ``svd``, ``cholesky``, ``solve``, ``expm`` and ``cg``
equals ``jax.grad`` of the same program, eagerly and under ``jit``, for one matrix and
for a batch of them.  Each loss is a random weighting of every output (for eigenvectors
and singular vectors, of their squares, which do not depend on the sign LAPACK picks).
"""
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import jax.scipy.sparse.linalg as jsparse
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
import zenax.scipy.linalg as zsl
import zenax.scipy.sparse.linalg as zsparse

from oracle import assert_same

RNG = np.random.RandomState(23)
N = 4
# Eigenvector and singular-vector derivatives divide by eigenvalue gaps; cg iterates.
TOL = {"float32": (5e-4, 5e-4)}


def randn(*shape):
    return RNG.randn(*shape).astype(np.float32)


def spd(*batch):
    a = randn(*batch, N, N)
    return (a @ np.swapaxes(a, -1, -2) / N + np.eye(N, dtype=np.float32)).astype(np.float32)


def weights(*shape):
    return randn(*shape)


# name -> (loss(numpy module, scipy.linalg module, sparse module) -> f(*args), args)
def _cases(batch: tuple):
    c, cm = weights(*batch, N), weights(*batch, N, N)
    return {
        "slogdet": (lambda np_, sl, sp: lambda a: np_.sum(np_.linalg.slogdet(a)[1] * 1.5),
                    (spd(*batch) + 0.3 * randn(*batch, N, N),)),
        "eigh": (lambda np_, sl, sp: lambda a: (
            np_.sum(np_.linalg.eigh(a)[0] * c) + np_.sum(np_.linalg.eigh(a)[1] ** 2 * cm)),
            (spd(*batch),)),
        "svd": (lambda np_, sl, sp: lambda a: _svd_loss(np_, a, c, cm), (randn(*batch, N, N),)),
        "cholesky": (lambda np_, sl, sp: lambda a: np_.sum(np_.linalg.cholesky(a) * cm),
                     (spd(*batch),)),
        "solve": (lambda np_, sl, sp: lambda a, b: np_.sum(np_.linalg.solve(a, b) * cm),
                  (spd(*batch) + 0.3 * randn(*batch, N, N), randn(*batch, N, N))),
        "expm": (lambda np_, sl, sp: lambda a: np_.sum(sl.expm(0.5 * a) * cm),
                 (randn(*batch, N, N),)),
    }


def _svd_loss(np_, a, c, cm):
    u, s, vh = np_.linalg.svd(a, full_matrices=False)
    return np_.sum(s * c) + np_.sum(u ** 2 * cm) + np_.sum(vh ** 2 * np.swapaxes(cm, -1, -2))


CASES = {**{f"{k}": v for k, v in _cases(()).items()},
         **{f"{k}_batched": v for k, v in _cases((3,)).items()}}
MODULES = {"zenax": (znp, zsl, zsparse), "jax": (jnp, jsl, jsparse)}


@pytest.mark.parametrize("name", CASES)
def test_grad_matches_jax(name):
    loss, args = CASES[name]
    argnums = tuple(range(len(args)))
    expected = jax.grad(loss(*MODULES["jax"]), argnums)(*args)
    f = zenax.grad(loss(*MODULES["zenax"]), argnums)
    assert_same(f(*args), expected, tol=TOL)
    assert_same(zenax.jit(f)(*args), expected, tol=TOL)


def test_grad_through_cg_matches_jax():
    """d/dA and d/db of a conjugate-gradient solve (an implicit derivative: another solve,
    not the iterations differentiated), with A a matrix and with A a matvec closure."""
    a, b, c = spd(), randn(N), weights(N)

    def loss(sp, np_, as_function):
        def f(a, b):
            op = (lambda v: np_.dot(a, v)) if as_function else a
            return np_.sum(sp.cg(op, b, tol=1e-6)[0] * c)
        return f
    for as_function in (False, True):
        expected = jax.grad(loss(jsparse, jnp, as_function), (0, 1))(a, b)
        f = zenax.grad(loss(zsparse, znp, as_function), (0, 1))
        assert_same(f(a, b), expected, tol=TOL)
        assert_same(zenax.jit(f)(a, b), expected, tol=TOL)
