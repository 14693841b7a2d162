"""Derivatives of zenax.scipy.special's functions: JAX's custom rules where it has them,
the compositions' derivatives elsewhere.

* every function of the closed-form families at once: jvp and vjp in one compiled
  program per side, against JAX, at points that include the custom rules' reasons for
  being (``xlogy``/``xlog1py``/``entr``/``rel_entr`` at 0, ``log_ndtr`` in both tails,
  ``erfcx`` past its switch, ``logit`` near 0 and 1);
* the series functions' rules -- ``Ei' = exp(x)/x``, ``E_n' = -E_{n-1}``, 1F1's and 2F1's
  shifted-parameter rule for ``x`` and term-by-term digamma series for the parameters --
  against SciPy (closed forms, and central differences of SciPy's float64 functions for
  the parameters), and against JAX in the full run;
* ``vmap`` over the elementwise-converging loops; finite differences to second order in
  float64 (full run).
"""
import jax
import jax.numpy as jnp
import jax.scipy.special as jsp_special
import numpy as np
import pytest
import scipy.special as osp

import zenax
import zenax.scipy.special as zsp
from zenax.test_util import check_grads

from oracle import assert_same

# name -> the points it is differentiated at (each operand), float32.
POINTS = {
    "erf": ([-2.0, -0.3, 0.0, 1.5],), "erfc": ([-2.0, 0.0, 1.5, 5.0],),
    "erfcx": ([-1.0, 0.5, 9.0, 12.0, 50.0],), "dawsn": ([-7.0, -1.0, 0.0, 2.0, 4.0],),
    "ndtr": ([-6.0, -1.0, 0.5, 3.0],), "ndtri": ([0.01, 0.2, 0.5, 0.95],),
    "log_ndtr": ([-35.0, -12.0, -5.0, 0.0, 4.0, 7.0],), "expit": ([-5.0, 0.0, 3.0],),
    "logit": ([0.01, 0.5, 0.99],), "entr": ([0.0, 0.3, 2.0],),
    "i0": ([-3.0, 0.5, 4.0],), "i0e": ([-3.0, 0.5, 4.0],), "i1": ([-3.0, 0.5, 4.0],),
    "i1e": ([-3.0, 0.5, 4.0],), "sici": ([-9.0, 0.5, 4.5, 20.0],),
    "fresnel": ([-3.0, 0.5, 1.7, 6.0],), "spence": ([0.2, 0.7, 1.4, 3.0],),
    "xlogy": ([0.0, 1.5, -2.0], [0.5, 2.0, 3.0]), "xlog1py": ([0.0, 1.5, -2.0], [0.5, 2.0, 3.0]),
    "rel_entr": ([0.5, 1.5, 2.0], [0.5, 2.0, 0.3]), "kl_div": ([0.5, 1.5, 2.0], [0.5, 2.0, 0.3]),
    "boxcox": ([0.5, 2.0, 3.0], [0.0, 0.5, -1.5]), "boxcox1p": ([0.5, 2.0, 3.0], [0.0, 0.5, -1.5]),
    "owens_t": ([0.0, 0.5, 2.0, -1.0], [0.5, 2.0, -0.7, 3.0]),
    "wofz": ([0.5 + 0.2j, -1.0 + 1.0j, 2.0 - 0.5j],),
}


def _operands():
    return {n: tuple(np.asarray(a, np.complex64 if n == "wofz" else np.float32) for a in args)
            for n, args in POINTS.items()}


def _jvps(transforms, ns, operands):
    """Per function: its jvp along tangents 1 (in every operand)."""
    return {name: transforms.jvp(getattr(ns, name), args, tuple(jnp.ones_like(a) for a in args))
            for name, args in operands.items()}


def _vjps(transforms, ns, operands):
    """Per function: its vjp of ones."""
    out = {}
    for name, args in operands.items():
        primal_out, pullback = transforms.vjp(getattr(ns, name), *args)
        out[name] = pullback(jax.tree.map(jnp.ones_like, primal_out))
    return out


TOL = {"float32": (2e-5, 1e-6), "complex64": (2e-5, 1e-6)}


@pytest.mark.parametrize("mode", ["jvp", "vjp"])
def test_derivatives_like_jax(mode):
    """All the closed-form functions at once, one compiled program per side."""
    program = {"jvp": _jvps, "vjp": _vjps}[mode]
    operands = _operands()
    ours = zenax.jit(lambda ops: program(zenax, zsp, ops))(operands)
    theirs = jax.jit(lambda ops: program(jax, jsp_special, ops))(operands)
    for name in POINTS:
        assert_same(ours[name], theirs[name], tol=TOL, err_msg=name)


def test_custom_rules_are_finite_where_formulas_are_not():
    """xlogy's rule at x = 0 gives log(y) and 0 * (1/y), entr's at 0 the limit of
    -(log x + 1), +inf (not NaN), log_ndtr's far left stays finite (~ -x)."""
    def slopes(x, y, z):
        return (zenax.grad(zsp.xlogy, argnums=(0, 1))(x, y), zenax.grad(zsp.entr)(x),
                zenax.grad(zsp.log_ndtr)(z))
    (dx, dy), entr_slope, tail_slope = zenax.jit(slopes)(0.0, 2.0, -35.0)
    np.testing.assert_allclose((dx, dy), (np.log(2.0), 0.0), rtol=1e-6)
    assert np.isposinf(entr_slope)
    assert np.isfinite(tail_slope) and 35.0 < tail_slope < 35.1


# --------------------------------------------------------------------------- series functions

X_EXP = np.asarray([0.3, 1.0, 2.5, 7.0, 30.0], np.float32)
N_EXP = np.asarray([1.0, 2.0, 3.0, 2.0, 5.0], np.float32)
A1, B1, X1 = (np.asarray(v, np.float32) for v in ([0.5, 1.5, 2.0], [1.5, 2.5, 3.5],
                                                   [0.7, -2.0, 3.0]))


def _series_derivatives(transforms, ns, x, n, a, b, xh):
    ones = jnp.ones_like(x)
    return {
        "expi": transforms.jvp(ns.expi, (x,), (ones,))[1],
        "exp1": transforms.jvp(ns.exp1, (x,), (ones,))[1],
        "expn": transforms.jvp(lambda x: ns.expn(n, x), (x,), (ones,))[1],
        "hyp1f1": [transforms.jvp(lambda v: ns.hyp1f1(*(args[:i] + [v] + args[i + 1:])),
                                  (args[i],), (jnp.ones_like(args[i]),))[1]
                   for args in ([a, b, xh],) for i in range(3)],
    }


def _central_difference(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i], down[i] = args[i] + h, args[i] - h
    return (f(*up) - f(*down)) / (2 * h)


def test_series_derivatives_like_scipy():
    out = zenax.jit(lambda *a: _series_derivatives(zenax, zsp, *a))(X_EXP, N_EXP, A1, B1, X1)
    x, n = X_EXP.astype(np.float64), N_EXP.astype(np.float64)
    np.testing.assert_allclose(out["expi"], np.exp(x) / x, rtol=1e-5)
    np.testing.assert_allclose(out["exp1"], -np.exp(-x) / x, rtol=1e-5)
    np.testing.assert_allclose(out["expn"], -osp.expn(n.astype(int) - 1, x), rtol=1e-5)
    args = [A1.astype(np.float64), B1.astype(np.float64), X1.astype(np.float64)]
    for i, derivative in enumerate(out["hyp1f1"]):
        np.testing.assert_allclose(derivative, _central_difference(osp.hyp1f1, args, i),
                                   rtol=2e-5, err_msg=f"d hyp1f1 / d arg {i}")


A2, B2, C2, X2 = (np.asarray(v, np.float32) for v in ([0.5, 1.0, 1.5], [1.5, 1.0, 0.5],
                                                       [2.5, 3.0, 4.0], [0.3, -0.6, 0.8]))


@pytest.mark.exhaustive
def test_hyp2f1_derivatives_like_scipy_and_jax():
    def all_partials(transforms, ns, *args):
        return [transforms.jvp(lambda v: ns.hyp2f1(*(list(args[:i]) + [v] + list(args[i + 1:]))),
                               (args[i],), (jnp.ones_like(args[i]),))[1] for i in range(4)]
    ours = zenax.jit(lambda *a: all_partials(zenax, zsp, *a))(A2, B2, C2, X2)
    theirs = jax.jit(lambda *a: all_partials(jax, jsp_special, *a))(A2, B2, C2, X2)
    assert_same(ours, theirs, rtol=2e-5, atol=1e-6)
    args = [v.astype(np.float64) for v in (A2, B2, C2, X2)]
    for i, derivative in enumerate(ours):
        np.testing.assert_allclose(derivative, _central_difference(osp.hyp2f1, args, i),
                                   rtol=2e-5, err_msg=f"d hyp2f1 / d arg {i}")


@pytest.mark.exhaustive
def test_series_derivatives_like_jax():
    ours = zenax.jit(lambda *a: _series_derivatives(zenax, zsp, *a))(X_EXP, N_EXP, A1, B1, X1)
    theirs = jax.jit(lambda *a: _series_derivatives(jax, jsp_special, *a))(
        X_EXP, N_EXP, A1, B1, X1)
    # The parameter derivatives sum 1/(a + j) where JAX differences digammas.
    assert_same(ours, theirs, rtol=2e-5, atol=1e-6)


def test_vmap_over_converging_loops():
    """Under vmap every element still stops where its own loop would (a batched while)."""
    n = jnp.asarray([[1.0, 2.0], [3.0, 7.0]])
    x = jnp.asarray([[0.5, 2.0], [0.01, 30.0]])
    out = zenax.jit(zenax.vmap(zsp.expn))(n, x)
    np.testing.assert_allclose(out, osp.expn(np.asarray(n, int), np.asarray(x, np.float64)),
                               rtol=5e-6)
    assert_same(out, zsp.expn(n, x))


@pytest.mark.exhaustive
def test_vmap_of_series_functions_like_jax():
    a = jnp.asarray([[0.5, 1.5], [2.0, 0.3]])
    x = jnp.asarray([[0.2, 0.97], [-0.5, 0.6]])
    assert_same(zenax.vmap(lambda a, x: zsp.hyp2f1(a, 1.0, 2.5, x))(a, x),
                jax.vmap(lambda a, x: jsp_special.hyp2f1(a, 1.0, 2.5, x))(a, x),
                rtol=2e-6, atol=1e-7)
    assert_same(zenax.vmap(lambda a, x: zsp.hyp1f1(a, 1.5, x), in_axes=(0, None))(a[0], x[0]),
                jax.vmap(lambda a, x: jsp_special.hyp1f1(a, 1.5, x), in_axes=(0, None))(a[0], x[0]),
                rtol=2e-6, atol=1e-7)
    assert_same(zenax.vmap(lambda z: zsp.bessel_jn(z, v=2))(jnp.asarray([[6.0, 7.0]])),
                jax.vmap(lambda z: jsp_special.bessel_jn(z, v=2))(jnp.asarray([[6.0, 7.0]])),
                rtol=2e-6, atol=1e-7)


# --------------------------------------------------------------------------- finite differences

FD_CASES = [
    ("erfcx", (np.array([0.5, 30.0]),)), ("dawsn", (np.array([0.7, 5.0]),)),
    ("log_ndtr", (np.array([-30.0, 0.3, 9.0]),)), ("ndtri", (np.array([0.1, 0.7]),)),
    ("xlogy", (np.array([0.5, 2.0]), np.array([1.5, 0.4]))), ("entr", (np.array([0.5, 2.0]),)),
    ("sici", (np.array([0.5, 6.0]),)), ("fresnel", (np.array([0.5, 2.0]),)),
    ("owens_t", (np.array([0.3, 1.2]), np.array([0.5, 2.5]))), ("spence", (np.array([0.4, 2.5]),)),
    ("expi", (np.array([-1.5, 3.0]),)), ("logsumexp", (np.array([0.5, -1.0, 2.0]),)),
    # hyp1f1's parameter rules are series summed in a while loop: reverse mode reaches
    # only their first order (JAX's too); E_1's second derivative involves E_{-1} (NaN).
    ("hyp1f1", (np.array([0.5]), np.array([1.5]), np.array([0.8])), 1),
    ("exp1", (np.array([0.7, 3.0]),), 1),
]


@pytest.mark.exhaustive
@pytest.mark.parametrize("case", FD_CASES, ids=[c[0] for c in FD_CASES])
def test_finite_differences(case, x64):
    name, args, order = case if len(case) == 3 else case + (2,)
    check_grads(getattr(zsp, name), args, order=order, modes=("fwd", "rev"), rtol=1e-5,
                atol=1e-7)
