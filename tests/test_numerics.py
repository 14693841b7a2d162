"""Numerical accuracy at extreme inputs, against JAX.

The functions that overflow or cancel when written naively -- logsumexp, softmax,
log_softmax, sigmoid, log_sigmoid, softplus, log1p/expm1, norms, var/std -- are run at
+-1e4, at tiny values (1e-30) and at mixtures of both, in float32, float16 and bfloat16.
Values and gradients must equal JAX's for the same program: same dtype, same numbers
(NaN where JAX gives NaN, e.g. the gradient of the 2-norm at 0), finite where JAX's are.
"""
from __future__ import annotations

import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp

from oracle import assert_same

# Each function is written once against (nn, jnp) so it runs on zenax and on JAX.
FUNCTIONS = {
    "logsumexp": lambda nn, jnp, x: nn.logsumexp(x),
    "logsumexp_axis": lambda nn, jnp, x: nn.logsumexp(jnp.stack([x, -x]), axis=0),
    "softmax": lambda nn, jnp, x: nn.softmax(x),
    "log_softmax": lambda nn, jnp, x: nn.log_softmax(x),
    "sigmoid": lambda nn, jnp, x: nn.sigmoid(x),
    "log_sigmoid": lambda nn, jnp, x: nn.log_sigmoid(x),
    "softplus": lambda nn, jnp, x: nn.softplus(x),
    "log1p": lambda nn, jnp, x: jnp.log1p(x),
    "expm1": lambda nn, jnp, x: jnp.expm1(x),
    "norm": lambda nn, jnp, x: jnp.linalg.norm(x),
    "norm_1": lambda nn, jnp, x: jnp.linalg.norm(x, ord=1),
    "norm_inf": lambda nn, jnp, x: jnp.linalg.norm(x, ord=jnp.inf),
    "var": lambda nn, jnp, x: jnp.var(x),
    "std": lambda nn, jnp, x: jnp.std(x),
    "var_ddof": lambda nn, jnp, x: jnp.var(x, ddof=1),
}

INPUTS = {
    "large": [1e4, -1e4, 0.5, 1e4 - 1.0],
    "large_positive": [1e4, 1e4 + 1.0, 1e4 + 2.0, 1e4 + 3.0],
    "large_negative": [-1e4, -1e4 + 1.0, -5e3, -1e4 - 2.0],
    "tiny": [1e-30, -1e-30, 3e-30, 2e-30],
    "mixed": [1e4, -1e4, 1e-30, 0.0],
    "zeros": [0.0, 0.0, 0.0, 0.0],
    "moderate": [0.3, -1.2, 2.5, -0.7],
}

DTYPES = {"float32": np.float32, "float16": np.float16, "bfloat16": jjnp.bfloat16}
# Relative tolerances per dtype (a few ulps: ours and JAX's may round differently).
# Gradients are looser: the two libraries may order the backward pass's float16 ops
# differently (JAX differentiates softmax through its formula, we use the closed-form
# jvp), which costs up to ~10 ulps.
RTOL = {"float32": 2e-6, "float16": 2e-3, "bfloat16": 1.6e-2}
GRAD_RTOL = {"float32": 1e-5, "float16": 1e-2, "bfloat16": 5e-2}

ZX = (zenax.nn, znp)
JX = (jax.nn, jjnp)


def _input(name, dtype):
    return jjnp.asarray(np.array(INPUTS[name], np.float64), DTYPES[dtype])


def scaled(want, rtol) -> dict:
    """``rtol`` relative to each value and to the largest finite one (rounding is relative
    to the scale of the computation, which a tiny element next to a large one shares)."""
    w = np.asarray(want, np.float64)
    return dict(rtol=rtol, atol=rtol * float(np.max(np.abs(w[np.isfinite(w)]), initial=0.0)))


CASES = [(f, i, d) for f in FUNCTIONS for i in INPUTS for d in DTYPES]


@pytest.mark.parametrize("fname,inputs,dtype", CASES)
def test_value_matches_jax(fname, inputs, dtype):
    fn = FUNCTIONS[fname]
    x = _input(inputs, dtype)
    want = fn(*JX, x)
    assert_same(fn(*ZX, x), want, **scaled(want, RTOL[dtype]), check_weak_type=False)


@pytest.mark.parametrize("fname,inputs,dtype", CASES)
def test_gradient_matches_jax(fname, inputs, dtype):
    fn = FUNCTIONS[fname]
    x = _input(inputs, dtype)
    # A weighted sum, so every output element contributes its own cotangent.
    w = np.linspace(0.5, 1.5, int(np.size(jax.eval_shape(lambda v: fn(*JX, v), x))))

    def loss(lib, v):
        out = fn(*lib, v)
        return lib[1].sum(out * lib[1].asarray(w.reshape(out.shape), out.dtype))

    got = zenax.grad(lambda v: loss(ZX, v))(x)
    if fname == "norm_inf" and not np.any(np.asarray(x, np.float64)):
        # At 0, JAX's max(|x|) carries an extra max with its initial value 0 and so gives
        # half the gradient to that phantom tie: its gradient (1/8 each, here) is not a
        # subgradient.  Ours splits among the tied elements: the directional derivative
        # along (1, ..., 1) is d/dt max|t| = 1 at t = 0+, times the weight.
        np.testing.assert_allclose(np.sum(np.asarray(got, np.float64)), w[0], rtol=RTOL[dtype])
        return
    want = jax.grad(lambda v: loss(JX, v))(x)
    assert_same(got, want, **scaled(want, GRAD_RTOL[dtype]), check_weak_type=False)


@pytest.mark.parametrize("fname", sorted(FUNCTIONS))
def test_stable_where_jax_is(fname):
    """Wherever JAX's value and gradient are finite at +-1e4 and 1e-30, so are ours (this
    is what 'stable' means; the equality tests above pin the numbers)."""
    fn = FUNCTIONS[fname]
    for inputs in ("large", "large_positive", "large_negative", "tiny", "mixed"):
        x = _input(inputs, "float32")
        for got, want in [(fn(*ZX, x), fn(*JX, x)),
                          (zenax.grad(lambda v: znp.sum(fn(*ZX, v)))(x),
                           jax.grad(lambda v: jjnp.sum(fn(*JX, v)))(x))]:
            want_finite = np.isfinite(np.asarray(want, np.float64))
            assert np.isfinite(np.asarray(got, np.float64))[want_finite].all(), (inputs, got)


def test_logsumexp_and_softmax_do_not_overflow():
    """The classic failure: exp(1e4) overflows; the max-shifted forms must not."""
    x = np.array([1e4, 1e4 - 1.0, -1e4], np.float32)
    np.testing.assert_allclose(np.asarray(zenax.nn.logsumexp(x)),
                               1e4 + np.log1p(np.exp(-1.0)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(zenax.nn.softmax(x)),
                               [1 / (1 + np.exp(-1.0)), np.exp(-1.0) / (1 + np.exp(-1.0)), 0.0],
                               rtol=1e-6)
    assert np.isfinite(np.asarray(zenax.nn.log_softmax(x))).all()


def test_var_does_not_cancel_catastrophically():
    """var of values around 1e4 is computed from centred values (two passes), not as
    E[x^2] - E[x]^2, which would lose every digit in float32."""
    x = np.array([1e4, 1e4 + 1.0, 1e4 + 2.0, 1e4 + 3.0], np.float32)
    np.testing.assert_allclose(np.asarray(znp.var(x)), np.var(x.astype(np.float64)), rtol=1e-6)
