"""examples/bayesian_logistic_regression.py runs under zenax and under JAX and gives
JAX's numbers: the BFGS fit (same iterations), the vmap(grad) per-example gradients, the
Laplace covariance and the posterior draws (same bits from the same key)."""
import contextlib
import io
import pathlib
import sys

import jax
import numpy as np
import pytest
from oracle import assert_bits_equal, assert_same

import zenax

pytestmark = pytest.mark.slow   # end to end, as tests/test_examples.py; CI runs it

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"

# float32 BFGS: the two runs take the same steps, so they agree to a few ulps of the
# weights; quantities further down (Hessian inverse, draws) get a little more room.
TIGHT = dict(rtol=2e-5, atol=2e-6)
LOOSE = dict(rtol=1e-4, atol=1e-5)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The script's main() at its small size, run once for the whole file: the results
    of both libraries, what it printed and where its plot went."""
    out_dir = tmp_path_factory.mktemp("bayes")
    sys.path.insert(0, str(EXAMPLES))
    try:
        import bayesian_logistic_regression as module
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            results = module.main(["--small", "--out", str(out_dir)])
    finally:
        sys.path.remove(str(EXAMPLES))
    return results, printed.getvalue(), out_dir


def test_map_fit_matches_jax(example):
    results, printed, out_dir = example
    zx, jx = results["zenax"], results["jax"]
    assert jx["success"] and jx["status"] == 0
    assert_same(zx["success"], jx["success"])
    assert_same(zx["status"], jx["status"])
    assert_same(zx["nit"], jx["nit"])
    assert_same(zx["w_map"], jx["w_map"], **TIGHT)
    assert_same(zx["fun"], jx["fun"], **TIGHT)
    assert_same(zx["jac"], jx["jac"], rtol=1e-3, atol=1e-6)
    assert np.max(np.abs(zx["jac"])) <= 1e-5          # converged to BFGS's gtol
    assert "BFGS iterations" in printed and "MAP weights" in printed
    if "plot" in results:
        assert (out_dir / "bayesian_logistic_regression.png").stat().st_size > 1000


def test_per_example_gradients_and_laplace_match_jax_and_the_formulas(example):
    results = example[0]
    zx, jx = results["zenax"], results["jax"]
    for name in ("per_example_grads", "hessian", "cov", "chol", "influence"):
        assert_same(zx[name], jx[name], **LOOSE, err_msg=name)
    # Independent of both libraries: d/dw log p(y|x,w) = (y - sigmoid(x.w)) x, and the
    # Hessian of the negative log joint is I + X^T diag(p (1 - p)) X.
    x, y, w = (zx[k].astype(np.float64) for k in ("x", "y", "w_map"))
    p = 1 / (1 + np.exp(-x @ w))
    np.testing.assert_allclose(zx["per_example_grads"], (y - p)[:, None] * x,
                               rtol=1e-4, atol=1e-5)
    hessian = np.eye(3) + x.T @ (x * (p * (1 - p))[:, None])
    np.testing.assert_allclose(zx["hessian"], hessian, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(zx["cov"], np.linalg.inv(hessian), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(zx["chol"] @ zx["chol"].T, zx["cov"], rtol=1e-4, atol=1e-6)


def test_posterior_draws_match_jax(example):
    results = example[0]
    zx, jx = results["zenax"], results["jax"]
    assert_same(zx["w_samples"], jx["w_samples"], **LOOSE)
    assert_same(zx["p_mean"], jx["p_mean"], **LOOSE)
    assert_same(zx["p_std"], jx["p_std"], rtol=1e-3, atol=1e-5)
    # Given the same mean and covariance, the draws are the same bits.
    key, mean, cov = np.asarray(jax.random.PRNGKey(0)), jx["w_map"], jx["cov"]
    n = jx["w_samples"].shape[0]
    assert_bits_equal(np.asarray(zenax.random.multivariate_normal(key, mean, cov, (n,))),
                      np.asarray(jax.random.multivariate_normal(key, mean, cov, (n,))))
    # The Laplace posterior the draws come from: their mean is near the MAP.
    spread = np.sqrt(np.diag(zx["cov"]))
    assert np.all(np.abs(zx["w_samples"].mean(0) - zx["w_map"]) < 4 * spread / np.sqrt(n))
