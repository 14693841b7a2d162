"""Gaussian-process regression with hyperparameters fitted by gradient descent.

The exact log marginal likelihood of a GP with an RBF kernel,

    log p(y | X, theta) = -1/2 y^T K^-1 y - 1/2 log det K - n/2 log(2 pi),
    K = s^2 exp(-|x - x'|^2 / (2 l^2)) + sigma^2 I,

is computed with a Cholesky factorisation (``cho_factor``/``cho_solve``) and
``slogdet``, and its gradient with respect to the log hyperparameters
``theta = (log l, log s, log sigma)`` drives Adam.  The same code runs under zenax and
under JAX (the library is a parameter), and the script prints both fits side by side:
the linear algebra, its derivatives (Cholesky, triangular solves, slogdet) and the
optimiser steps agree to float32 precision.

Run:  python examples/gaussian_process.py [--small] [--out DIR]
"""
from __future__ import annotations

import argparse
import os
import types

import numpy as np


def library(name: str) -> types.SimpleNamespace:
    """The numpy, scipy.linalg and grad of zenax or of JAX, under one set of names."""
    if name == "zenax":
        import zenax
        import zenax.numpy as jnp
        import zenax.scipy.linalg as sla
        return types.SimpleNamespace(np=jnp, linalg=sla, jit=zenax.jit,
                                     value_and_grad=zenax.value_and_grad)
    import jax
    import jax.numpy as jnp
    import jax.scipy.linalg as sla
    return types.SimpleNamespace(np=jnp, linalg=sla, jit=jax.jit,
                                 value_and_grad=jax.value_and_grad)


def make_data(n: int, seed: int = 0):
    """Noisy samples of a smooth function on [-3, 3]; inputs are 1-d."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3, 3, n)).astype(np.float32)
    y = (np.sin(2 * x) + 0.3 * x + 0.1 * rng.standard_normal(n)).astype(np.float32)
    return x, y


def negative_log_marginal_likelihood(lib, theta, x, y):
    """-log p(y | x, theta) for the RBF kernel with log hyperparameters ``theta``."""
    jnp = lib.np
    lengthscale, signal, noise = jnp.exp(theta[0]), jnp.exp(theta[1]), jnp.exp(theta[2])
    sq = (x[:, None] - x[None, :]) ** 2
    k = signal ** 2 * jnp.exp(-0.5 * sq / lengthscale ** 2)
    k = k + (noise ** 2 + 1e-5) * jnp.eye(x.shape[0], dtype=x.dtype)
    factor = lib.linalg.cho_factor(k, lower=True)
    alpha = lib.linalg.cho_solve(factor, y)
    _, logdet = jnp.linalg.slogdet(k)
    n = x.shape[0]
    return 0.5 * jnp.dot(y, alpha) + 0.5 * logdet + 0.5 * n * jnp.log(2 * jnp.pi)


def fit(lib_name: str, x, y, steps: int, lr: float = 0.05):
    """Adam on the negative log marginal likelihood; returns the losses and theta."""
    lib = library(lib_name)
    jnp = lib.np

    @lib.jit
    def step(theta, m, v, t):
        loss, g = lib.value_and_grad(
            lambda th: negative_log_marginal_likelihood(lib, th, x, y))(theta)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
        return theta - lr * m_hat / (jnp.sqrt(v_hat) + 1e-8), m, v, loss

    theta = jnp.zeros(3, dtype=jnp.float32)
    m = v = jnp.zeros(3, dtype=jnp.float32)
    losses = []
    for t in range(1, steps + 1):
        theta, m, v, loss = step(theta, m, v, float(t))
        losses.append(float(loss))
    return losses, np.asarray(theta)


def predict(lib_name: str, theta, x, y, x_test):
    """Posterior mean and standard deviation at ``x_test``."""
    lib = library(lib_name)
    jnp = lib.np
    lengthscale, signal, noise = np.exp(theta)

    def kern(a, b):
        return signal ** 2 * jnp.exp(-0.5 * (a[:, None] - b[None, :]) ** 2 / lengthscale ** 2)
    k = kern(x, x) + (noise ** 2 + 1e-5) * jnp.eye(x.shape[0], dtype=x.dtype)
    factor = lib.linalg.cho_factor(k, lower=True)
    ks = kern(x_test, x)
    mean = ks @ lib.linalg.cho_solve(factor, y)
    var = signal ** 2 - jnp.sum(ks * lib.linalg.cho_solve(factor, ks.T).T, axis=1)
    return np.asarray(mean), np.sqrt(np.maximum(np.asarray(var), 0.0))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run (tests)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    args = parser.parse_args(argv)
    n, steps = (24, 60) if args.small else (80, 300)
    x, y = make_data(n)
    results = {}
    for lib_name in ("zenax", "jax"):
        losses, theta = fit(lib_name, x, y, steps)
        results[lib_name] = {"losses": losses, "theta": theta}
    print(f"GP regression on {n} points, {steps} Adam steps on the exact marginal likelihood")
    print(f"{'':18}{'zenax':>12}{'jax':>12}")
    print(f"{'-log p(y) start':18}{results['zenax']['losses'][0]:12.5f}"
          f"{results['jax']['losses'][0]:12.5f}")
    print(f"{'-log p(y) end':18}{results['zenax']['losses'][-1]:12.5f}"
          f"{results['jax']['losses'][-1]:12.5f}")
    for i, name in enumerate(("lengthscale", "signal std", "noise std")):
        print(f"{name:18}{np.exp(results['zenax']['theta'][i]):12.5f}"
              f"{np.exp(results['jax']['theta'][i]):12.5f}")
    x_test = np.linspace(-3.5, 3.5, 100).astype(np.float32)
    mean, std = predict("zenax", results["zenax"]["theta"], x, y, x_test)
    results["prediction"] = (x_test, mean, std)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return results
    os.makedirs(args.out, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
    ax1.plot(results["zenax"]["losses"], label="zenax")
    ax1.plot(results["jax"]["losses"], "--", label="jax")
    ax1.set_xlabel("Adam step")
    ax1.set_ylabel("-log marginal likelihood")
    ax1.legend()
    ax2.fill_between(x_test, mean - 2 * std, mean + 2 * std, alpha=0.3, label="±2 std")
    ax2.plot(x_test, mean, label="posterior mean")
    ax2.plot(x, y, "k.", label="data")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(args.out, "gaussian_process.png")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    results["plot"] = path
    print(f"plot: {path}")
    return results


if __name__ == "__main__":
    main()
