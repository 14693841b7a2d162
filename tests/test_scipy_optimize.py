"""zenax.scipy.optimize.minimize against jax.scipy.optimize.minimize (and SciPy, as
JAX's own tests check it):

* a Bayesian logistic regression (the MAP weights under a Gaussian prior) fitted by BFGS
  and by JAX's experimental L-BFGS, under jit: every field of the result is JAX's -- the
  same iterates, counts and status -- and the optimum is SciPy's;
* the solver options (maxiter, gtol, norm, line-search limits, history size, ...) give
  JAX's results, including the unsuccessful stops (status codes);
* eager calls equal jitted ones; float64 iterates equal JAX's exactly (Rosenbrock's
  function, where float32 rounding decides between failing line searches); complex
  L-BFGS;
* bad input: JAX's exception kinds, messages naming the function.
"""
import functools

import jax
import jax.numpy as jnp
import jax.scipy.optimize as jopt
import numpy as np
import pytest
import scipy.optimize as osp_optimize

import zenax
import zenax.numpy as znp
import zenax.scipy.optimize as zopt

from oracle import assert_same

BFGS, LBFGS = "BFGS", "l-bfgs-experimental-do-not-rely-on-this"
# The iterates follow JAX's to float32 rounding -- the objective's gradient may differ in
# its last bit -- which a dozen iterations amplify a little.  The last steps are at the
# rounding level of the gradient (|g| ~ gtol = 1e-5), and the inverse-Hessian estimate,
# updated from differences of such gradients, keeps the least digits.
ITERATE_TOL = {"float32": (1e-4, 1e-5)}
HESS_INV_TOL = {"float32": (5e-3, 1e-4)}

rng = np.random.RandomState(0)
N, D = 60, 4
FEATURES = rng.randn(N, D).astype(np.float32)
LABELS = (rng.rand(N) < 1 / (1 + np.exp(-FEATURES @ np.array([1.5, -2., .5, 0.])))
          ).astype(np.float32)
W0 = np.zeros(D, np.float32)


def neg_log_posterior(np_):
    """Logistic likelihood of the labels, standard normal prior on the weights."""
    def f(w, features, labels):
        logits = np_.dot(features, w)
        return np_.sum(np_.logaddexp(0., logits) - labels * logits) + 0.5 * np_.sum(w * w)
    return f


def fit(lib, module, method, **options):
    """``minimize`` of the posterior, jitted, as a function of the data."""
    f = neg_log_posterior(znp if lib is zenax else jnp)
    return lib.jit(lambda w0, x, y: module.minimize(f, w0, (x, y), method=method,
                                                    options=options or None))


def assert_same_result(z, j, tol=ITERATE_TOL):
    """Every field equal to JAX's: the counts and flags exactly, the arrays to ``tol``."""
    assert type(z).__name__ == "OptimizeResults" and z._fields == j._fields
    assert_same(z._replace(hess_inv=None)._asdict(), j._replace(hess_inv=None)._asdict(),
                tol=tol)
    assert_same(z.hess_inv, j.hess_inv, tol=HESS_INV_TOL if tol is ITERATE_TOL else tol)


@pytest.mark.parametrize("method", [BFGS, LBFGS])
def test_logistic_regression_fit_matches_jax_and_scipy(method):
    # In float32 the gradient of a sum of 60 terms of size ~1 is exact to ~1e-4: a
    # tighter gtol ends in line searches failing on rounding noise, whose outcome is
    # noise too.
    z = fit(zenax, zopt, method, gtol=1e-3)(W0, FEATURES, LABELS)
    j = fit(jax, jopt, method, gtol=1e-3)(W0, FEATURES, LABELS)
    assert_same_result(z, j)
    assert bool(z.success) and int(z.status) == 0 and int(z.nit) == int(j.nit) > 3
    f = neg_log_posterior(np)

    def grad(w, x, y):
        return x.T @ (1 / (1 + np.exp(-x @ w)) - y) + w
    expected = osp_optimize.minimize(f, W0.astype(np.float64), (FEATURES, LABELS),
                                     method="BFGS", jac=grad)
    np.testing.assert_allclose(z.x, expected.x, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(z.fun, expected.fun, rtol=1e-6)


def quadratic(np_):
    a = np.array([[4., 1., 0.], [1., 3., .5], [0., .5, 2.]], np.float32)
    return lambda x: 0.5 * np_.dot(x, np_.dot(a, x)) - np_.sum(x) + np_.sum(np_.exp(x / 3))


X0 = np.array([2., -1., 0.5], np.float32)


@functools.lru_cache(maxsize=None)
def jax_quadratic_result(method, **options):
    """JAX's jitted minimisation of the quadratic from X0 (computed once per options)."""
    return jax.jit(lambda x: jopt.minimize(quadratic(jnp), x, method=method,
                                           options=options))(X0)


@pytest.mark.parametrize("method,options", [
    (BFGS, {"maxiter": 2}),
    (BFGS, {"gtol": 1e-2, "norm": 2}),
    (BFGS, {"line_search_maxiter": 1}),
    (LBFGS, {"maxiter": 2}),
    (LBFGS, {"maxcor": 2, "gtol": 1e-3}),
    (LBFGS, {"maxfun": 4}),
    (LBFGS, {"maxgrad": 5, "norm": 1}),
    (LBFGS, {"ftol": 1e-1, "maxls": 3}),
])
def test_options_match_jax(method, options):
    z = zenax.jit(lambda x: zopt.minimize(quadratic(znp), x, method=method,
                                          options=options))(X0)
    assert_same_result(z, jax_quadratic_result(method, **options))


def test_eager_matches_jit_and_tol_is_ignored():
    eager = zopt.minimize(quadratic(znp), jnp.asarray(X0), method=BFGS,
                          options={"maxiter": 2}, tol=1e-1)
    assert_same_result(eager, jax_quadratic_result(BFGS, maxiter=2))
    assert int(eager.status) == 1 and not bool(eager.success)     # maxiter reached


def rosenbrock(np_):
    return lambda x: np_.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


@pytest.mark.exhaustive
@pytest.mark.parametrize("method", [BFGS, LBFGS])
def test_float64_iterates_equal_jax(x64, method):
    for x0 in (np.zeros(3), np.array([-1.2, 1.]), np.array([2., -1., 0.5, 3.])):
        z = zenax.jit(lambda x: zopt.minimize(rosenbrock(znp), x, method=method))(x0)
        j = jax.jit(lambda x: jopt.minimize(rosenbrock(jnp), x, method=method))(x0)
        # The same iterates to float64 rounding: equal bits under XLA's default flags;
        # the suite's cheaper CPU code generation may round one step's reduction
        # differently in the two programs (seen: 1e-15, grown to 2e-12 over L-BFGS's steps).
        assert_same_result(z, j, tol={"float64": (1e-9, 1e-10)})


@pytest.mark.exhaustive
def test_complex_lbfgs_matches_jax():
    target = np.array([1 + 2j, -0.5j, 3.], np.complex64)

    def f(np_):
        return lambda z: np_.sum(np_.abs(z - target) ** 2) + np_.sum(np_.abs(z) ** 4) / 10
    x0 = np.zeros(3, np.complex64)
    z = zenax.jit(lambda x: zopt.minimize(f(znp), x, method=LBFGS))(x0)
    j = jax.jit(lambda x: jopt.minimize(f(jnp), x, method=LBFGS))(x0)
    assert_same_result(z, j, tol={"float32": (1e-4, 1e-5), "complex64": (1e-4, 1e-5)})


def test_bad_input_raises_like_jax():
    f = quadratic(znp)
    jf = quadratic(jnp)
    for kwargs, kind, match in [
            ({"method": BFGS, "args": [1]}, TypeError, "args must be a tuple"),
            ({"method": "Nelder-Mead"}, ValueError, "method 'Nelder-Mead' is not recognized"),
            ({"method": BFGS, "options": {"maxcor": 3}}, TypeError, "maxcor"),
            ({"method": LBFGS, "options": {"line_search_maxiter": 3}}, TypeError,
             "line_search_maxiter")]:
        with pytest.raises(kind):
            jopt.minimize(jf, jnp.asarray(X0), **kwargs)
        with pytest.raises(kind, match=match):
            zopt.minimize(f, jnp.asarray(X0), **kwargs)
    with pytest.raises(TypeError):
        zopt.minimize(f, jnp.asarray(X0))                          # method is required
    # JAX fails on a list x0 with an AttributeError; zenax says what it needs.
    with pytest.raises(TypeError, match="minimize requires ndarray"):
        zopt.minimize(f, [1.0, 2.0, 3.0], method=BFGS)
