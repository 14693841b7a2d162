"""Bayesian logistic regression: a MAP fit, per-example gradients and a Laplace posterior.

The model has standard-normal priors on the weights and a Bernoulli likelihood,

    log p(w, y | X) = sum_j log N(w_j; 0, 1) + sum_i [y_i log s(x_i.w) + (1-y_i) log s(-x_i.w)],

with ``s`` the logistic sigmoid (``log s`` is ``jax.nn.log_sigmoid``).  The script

1. finds the MAP weights with ``jax.scipy.optimize.minimize(method="BFGS")``;
2. takes the gradient of each example's log-likelihood at the MAP with
   ``vmap(grad(loglik_of_one_example))`` -- one row per example, from one program -- and
   scores each example's influence as ``g_i^T Sigma g_i``;
3. approximates the posterior by a Gaussian at the MAP whose covariance ``Sigma`` is the
   inverse Hessian of the negative log joint (the Laplace approximation);
4. draws weights from it with ``jax.random.multivariate_normal`` and averages the
   predicted probabilities (the posterior predictive).

The same code runs under zenax and under JAX (the library is a parameter), and the
script prints both runs side by side: the optimiser takes the same steps, and the random
draws are the same bits given the same key.

Run:  python examples/bayesian_logistic_regression.py [--small] [--out DIR]
"""
from __future__ import annotations

import argparse
import functools
import importlib
import os
import types

import numpy as np


def library(name: str) -> types.SimpleNamespace:
    """The modules this example uses, from zenax or from JAX, under one set of names."""
    jax = importlib.import_module(name)     # "zenax" or "jax": the code below runs on either
    for submodule in ("nn", "numpy", "random", "scipy.optimize", "scipy.stats"):
        importlib.import_module(f"{name}.{submodule}")
    return types.SimpleNamespace(name=name, jax=jax, jnp=jax.numpy, nn=jax.nn,
                                 random=jax.random, norm=jax.scipy.stats.norm,
                                 minimize=jax.scipy.optimize.minimize)


def make_data(n: int, seed: int = 0):
    """``n`` points in the plane with a bias column, labelled by a noisy linear rule."""
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n, 2)).astype(np.float32)
    x = np.concatenate([np.ones((n, 1), np.float32), features], axis=1)
    true_w = np.array([-0.5, 2.0, -1.0], np.float32)
    p = 1 / (1 + np.exp(-x @ true_w))
    y = (rng.uniform(size=n) < p).astype(np.float32)
    return x, y


def loglik_of_one_example(lib, w, x, y):
    """log p(y | x, w) for one example: a Bernoulli with logit ``x . w``."""
    logit = lib.jnp.dot(x, w)
    return y * lib.nn.log_sigmoid(logit) + (1 - y) * lib.nn.log_sigmoid(-logit)


def negative_log_joint(lib, w, x, y):
    """-log p(w, y | x): the standard-normal prior plus every example's likelihood."""
    jnp = lib.jnp
    log_prior = jnp.sum(lib.norm.logpdf(w, 0.0, 1.0))
    logliks = lib.jax.vmap(lambda xi, yi: loglik_of_one_example(lib, w, xi, yi))(x, y)
    return -(log_prior + jnp.sum(logliks))


def run(lib, small: bool = True) -> dict:
    """Fit, analyse and sample under ``lib`` (a :func:`library` or its name); returns
    the numbers as NumPy arrays."""
    if isinstance(lib, str):
        lib = library(lib)
    jax, jnp = lib.jax, lib.jnp
    n, n_samples = (50, 256) if small else (200, 4000)
    x, y = make_data(n)
    grid = np.linspace(-3, 3, 25 if small else 60, dtype=np.float32)
    g1, g2 = np.meshgrid(grid, grid)
    x_test = np.stack([np.ones(g1.size, np.float32), g1.ravel(), g2.ravel()], axis=1)

    @jax.jit
    def fit_map(x, y):
        w0 = jnp.zeros(x.shape[1], dtype=x.dtype)
        # Per example, so that BFGS's gradient tolerance (gtol=1e-5) means the same at
        # any n -- and is reachable in float32.
        objective = lambda w, x, y: negative_log_joint(lib, w, x, y) / x.shape[0]
        return lib.minimize(objective, w0, args=(x, y), method="BFGS")

    @jax.jit
    def analyse(w_map, x, y):
        # One gradient row per example, from a single batched program.
        loglik = functools.partial(loglik_of_one_example, lib)
        per_example = jax.vmap(jax.grad(loglik), in_axes=(None, 0, 0))(w_map, x, y)
        hessian = jax.hessian(lambda w: negative_log_joint(lib, w, x, y))(w_map)
        cov = jnp.linalg.inv(hessian)
        chol = jnp.linalg.cholesky(cov)
        influence = jnp.einsum("ni,ij,nj->n", per_example, cov, per_example)
        return per_example, hessian, cov, chol, influence

    @jax.jit
    def predictive(key, w_map, cov, x_test):
        w_samples = lib.random.multivariate_normal(key, w_map, cov, (n_samples,))
        probs = jax.nn.sigmoid(x_test @ w_samples.T)         # (test points, samples)
        return w_samples, jnp.mean(probs, axis=1), jnp.std(probs, axis=1)

    result = fit_map(x, y)
    per_example, hessian, cov, chol, influence = analyse(result.x, x, y)
    w_samples, p_mean, p_std = predictive(lib.random.PRNGKey(0), result.x, cov, x_test)
    out = dict(x=x, y=y, x_test=x_test, w_map=result.x, fun=result.fun, nit=result.nit,
               success=result.success, status=result.status, jac=result.jac,
               per_example_grads=per_example, hessian=hessian, cov=cov, chol=chol,
               influence=influence, w_samples=w_samples, p_mean=p_mean, p_std=p_std)
    return {k: np.asarray(v) for k, v in out.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run (tests)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    args = parser.parse_args(argv)
    results = {name: run(name, small=args.small) for name in ("zenax", "jax")}
    zx, jx = results["zenax"], results["jax"]
    print(f"Bayesian logistic regression on {zx['x'].shape[0]} points, "
          f"{zx['w_samples'].shape[0]} posterior draws")
    print(f"{'':26}{'zenax':>30}{'jax':>30}")

    def row(label, a, b):
        fmt = lambda v: np.array2string(np.asarray(v), precision=4, suppress_small=True)
        print(f"{label:26}{fmt(a):>30}{fmt(b):>30}")
    row("BFGS iterations", zx["nit"], jx["nit"])
    row("BFGS success", zx["success"], jx["success"])
    row("-log p(w_map, y) / n", zx["fun"], jx["fun"])
    row("MAP weights", zx["w_map"], jx["w_map"])
    row("posterior std (Laplace)", np.sqrt(np.diag(zx["cov"])), np.sqrt(np.diag(jx["cov"])))
    top = np.argsort(-zx["influence"])[:3]
    row("most influential examples", top, np.argsort(-jx["influence"])[:3])
    row("their |per-example grad|", np.linalg.norm(zx["per_example_grads"][top], axis=1),
        np.linalg.norm(jx["per_example_grads"][top], axis=1))
    row("mean of posterior draws", zx["w_samples"].mean(0), jx["w_samples"].mean(0))
    print("max |w_map zenax - jax|        =", np.max(np.abs(zx["w_map"] - jx["w_map"])))
    print("max |p_mean zenax - jax|       =", np.max(np.abs(zx["p_mean"] - jx["p_mean"])))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return results
    os.makedirs(args.out, exist_ok=True)
    side = int(round(np.sqrt(zx["x_test"].shape[0])))
    g1 = zx["x_test"][:, 1].reshape(side, side)
    g2 = zx["x_test"][:, 2].reshape(side, side)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, title, cmap in ((axes[0], "p_mean", "posterior predictive p(y=1)", "RdBu_r"),
                                 (axes[1], "p_std", "its std over posterior draws", "viridis")):
        im = ax.contourf(g1, g2, zx[key].reshape(side, side), levels=12, cmap=cmap)
        fig.colorbar(im, ax=ax)
        size = 20 + 400 * zx["influence"] / zx["influence"].max()
        ax.scatter(zx["x"][:, 1], zx["x"][:, 2], c=zx["y"], s=size, cmap="RdBu_r",
                   edgecolors="k", linewidths=0.5)
        ax.set_title(title + " (marker size: influence)", fontsize=9)
    fig.tight_layout()
    path = os.path.join(args.out, "bayesian_logistic_regression.png")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    results["plot"] = path
    print(f"plot: {path}")
    return results


if __name__ == "__main__":
    main()
