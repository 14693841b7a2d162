"""zenax.scipy.special's gamma family (lax/scipy/special_gamma.py) against
jax.scipy.special, and against SciPy where JAX's own tests compare with it:

* spec rows: eager, jit, jvp/vjp and vmap against JAX on random operands;
* values at the hard points -- poles and negative non-integers of the gamma functions,
  overflow, ``igamma`` where ``x ~ a``, ``betaln`` across its switch at ``b = 8`` and for
  huge arguments, ``comb``/``factorial``/``poch`` edge cases -- in float32 against JAX,
  and in float64 against JAX and SciPy; complex ``gamma``/``loggamma`` (SciPy's branch);
* dtypes and weak types (integers become floats, Python scalars stay weak where JAX's
  do), the errors JAX raises (kinds, and messages naming the function);
* derivatives: the custom rules (``zeta``'s series, ``poch``) and the compositions
  against JAX and finite differences;
* the compiled eager path and the docstring examples.
"""
import doctest

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp_special
import numpy as np
import pytest
import scipy.special as osp

import zenax
import zenax.lax.scipy.special_gamma as module
import zenax.numpy as znp
import zenax.scipy
import zenax.scipy.special as zsp
from zenax.test_util import check_grads
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import assert_runs_compiled, spec_tests
from oracle import assert_same
from spec import AWAY_FROM_INT, Arg, Case, Domain, Spec, f16, f32, i32

NAMES = sorted(module.__all__)


# --------------------------------------------------------------------------- spec rows

def _row(name, domains, cases=None, dtypes=(f32,), zfun=None, jfun=None, **kw):
    nargs = len(domains) if isinstance(domains, tuple) else 1
    cases = cases or (Case(tuple(Arg((2, 3)) for _ in range(nargs))),)
    return Spec(name, zfun or getattr(zsp, name), jfun or getattr(jsp_special, name), cases,
                dtypes, domains, differentiable=kw.pop("differentiable", True), **kw)


def _fixed(name, *fixed, **params):
    """Rows of ``name(*fixed, x, **params)``, differentiated in ``x`` only."""
    return dict(zfun=lambda x: getattr(zsp, name)(*fixed, x, **params),
                jfun=lambda x: getattr(jsp_special, name)(*fixed, x, **params))


SHAPE = Domain(0.5, 5.0)
TOL = {"float32": (1e-4, 1e-5)}
SCALAR_AND_ARRAY = (Case((Arg(()), Arg((4,)))),)
# Cheap rows first: the CI tier runs every eighth instance (the igamma rows compile slowly).
SPECS = [
    _row("gammaln", AWAY_FROM_INT, dtypes=(f32, i32, f16),
         cases=(Case((Arg((2, 3)),)), Case((Arg((5,), i32, Domain(1, 30)),), label="int"))),
    _row("gammasgn", AWAY_FROM_INT, differentiable=False),
    _row("gamma", Domain(-3.0, 5.0, away_from_int=True), tol=TOL),
    _row("loggamma", Domain(0.1, 6.0)),
    _row("digamma", Domain(0.2, 6.0), tol=TOL),
    _row("polygamma/x", Domain(0.2, 6.0), tol=TOL, **_fixed("polygamma", 2)),
    _row("multigammaln", Domain(1.6, 6.0), cases=(Case((Arg((4,)),), {"d": 3}),)),
    _row("factorial", Domain(0.0, 6.0), tol=TOL),
    _row("comb", (Domain(3.0, 9.0), Domain(0.0, 3.0)), tol=TOL),
    _row("poch", (Domain(0.5, 4.0), Domain(-0.4, 3.0)), tol=TOL),
    _row("beta", (SHAPE, SHAPE), tol=TOL),
    _row("betaln", (Domain(0.5, 20.0), Domain(0.5, 20.0)), cases=SCALAR_AND_ARRAY, tol=TOL),
    _row("betainc/x", Domain(0.05, 0.95), tol=TOL, **_fixed("betainc", 2.5, 1.5)),
    _row("zeta", (Domain(1.5, 6.0), Domain(0.5, 4.0)), tol=TOL),
    _row("erfinv", Domain(-0.9, 0.9), tol=TOL),
    _row("betainc", (SHAPE, SHAPE, Domain(0.05, 0.95)), differentiable=False),
    # Their derivatives are lax.igamma's and lax.igammac's (test_lax_special.py).
    _row("gammainc", (SHAPE, Domain(0.2, 6.0)), cases=SCALAR_AND_ARRAY, differentiable=False),
    _row("gammaincc", (SHAPE, Domain(0.2, 6.0)), cases=SCALAR_AND_ARRAY, differentiable=False),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS, namespace=(zsp, jsp_special))


def test_spec_rows_cover_the_module():
    names = [s.name.split("/")[0] for s in SPECS]
    assert set(names) == set(NAMES)
    assert all(hasattr(zsp, name) for name in NAMES)


# --------------------------------------------------------------------------- hard points

POLES = [-np.inf, -100.5, -10.3, -3.0, -2.7, -1.5, -1.0, -0.5, -1e-30, -0.0, 0.0, 1e-30,
         1e-5, 0.5, 1.0, 1.5, 2.0, 2.001, 3.7, 30.0, 34.5, 35.5, 171.5, 1e5, 1e30, np.inf,
         np.nan]
COUNTS_N = [5.0, 5.0, 5.0, 5.0, -1.0, 2.5, 0.0, 60.0, 1000.0, 7.0]
COUNTS_K = [2.0, 6.0, 0.0, -1.0, 0.0, 1.0, 0.0, 30.0, 500.0, 7.5]
BETA_A = [0.5, 1.0, 3.0, 7.99, 8.0, 8.01, 9.0, 0.1, 1e3, 1e6, 5.0, -0.5, -1.5, 2.0, 0.0]
BETA_B = [0.5, 8.0, 9.0, 7.99, 8.0, 8.01, 9.0, 1e6, 1e3, 1e6, 5.0, 2.0, 0.7, -0.3, 1.0]
ZETA_X = [0.5, 1.0, 1.5, 2.0, 3.0, 10.0, 30.0, 2.0, 2.0, 2.0, 4.0]
ZETA_Q = [1.0, 1.0, 3.0, 1.0, 0.5, 2.0, 1.0, -1.0, -2.5, 1e-3, 100.0]
GA, GX = (g.ravel() for g in np.meshgrid([1e-3, 0.5, 1.0, 2.5, 10.0, 45.0, 300.0],
                                          [0.0, 1e-4, 0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 2.0,
                                           10.0], indexing="ij"))
GX = GA * GX
UNIT = [-0.5, 0.0, 1e-3, 0.2, 0.5, 0.97, 1.0, 1.5, np.nan]

# name -> (operands, keyword params)
HARD = {
    "gammaln": ((POLES,), {}), "gammasgn": ((POLES,), {}), "gamma": ((POLES,), {}),
    "loggamma": ((POLES,), {}), "digamma": ((POLES,), {}),
    "polygamma": (([0, 1, 2, 5, 1, 3, -1, 2, 4], [-1.5, -2.7, 1e-3, 0.5, 3.7, 40.0, 2.0,
                                                   -2.0, 1e4]), {}),
    "multigammaln": (([0.9, 1.0, 1.01, 1.5, 2.2, 3.0, 10.0, 100.0],), {"d": 3}),
    "factorial": (([-2.0, -0.5, 0.0, 0.5, 1.0, 5.0, 20.0, 34.0, 35.0, 170.0, 171.0],), {}),
    "comb": ((COUNTS_N, COUNTS_K), {}),
    "poch": (([2.0, 2.0, 0.5, -1.5, 0.0, 3.0, 10.0, 1e3], [3.0, 0.0, 2.0, 2.0, 1.0, -1.0,
                                                           -2.5, 0.5]), {}),
    "beta": ((BETA_A, BETA_B), {}), "betaln": ((BETA_A[:11], BETA_B[:11]), {}),
    "betainc": (([2.0] * 9, [3.0] * 9, UNIT), {}),
    "zeta": ((ZETA_X, ZETA_Q), {}),
    "gammainc": ((GA, GX), {}), "gammaincc": ((GA, GX), {}),
    "erfinv": (([-1.0, -0.999999, -0.5, 0.0, 1e-10, 0.3, 0.9999, 1.0, 1.5, np.nan],), {}),
}


def _operands(name, dtype):
    args, params = HARD[name]
    return [np.asarray(a, np.int32 if name == "polygamma" and i == 0 else dtype)
            for i, a in enumerate(args)], params


def _call(namespace, name, args, params):
    return getattr(namespace, name)(*args, **params)


# The compositions differ from JAX's in rounding order here and there (Lanczos' sum).
F32_TOL = {"gamma": (2e-6, 0), "comb": (2e-6, 0), "poch": (2e-6, 0)}
# jax.scipy.special.betaln's large-b branch misplaces one term of cdflib's algdiv
# (about 1e-6 relative at worst); zenax's agrees with SciPy to 1e-15.
F64_TOL_VS_JAX = {"betaln": (2e-6, 0), "beta": (2e-6, 0)}


def test_values_at_hard_points_like_jax_in_float32():
    """All the real-valued functions at once, in one compiled program per side (the
    incomplete gamma and beta functions, lax primitives, have their grids in
    test_lax_special.py)."""
    names = [n for n in NAMES if n not in ("gammainc", "gammaincc", "betainc")]
    operands = {n: _operands(n, np.float32)[0] for n in names}

    def program(ns, operands):
        return {n: _call(ns, n, operands[n], HARD[n][1]) for n in names}
    ours = zenax.jit(lambda ops: program(zsp, ops))(operands)
    theirs = jax.jit(lambda ops: program(jsp_special, ops))(operands)
    for n in names:
        rtol, atol = F32_TOL.get(n, (1e-6, 0))
        assert_same(ours[n], theirs[n], rtol=rtol, atol=atol, err_msg=n)


@pytest.mark.parametrize("name", NAMES)
def test_values_at_hard_points_like_jax_in_float64(name, x64):
    args, params = _operands(name, np.float64)
    rtol, atol = F64_TOL_VS_JAX.get(name, (1e-13, 0))
    assert_same(_call(zsp, name, args, params), _call(jsp_special, name, args, params),
                rtol=rtol, atol=atol)


# The tolerances of XLA's float64 kernels against SciPy (with margin).  betaln: for
# (0.1, 1e6) SciPy is 1.4e-9 off (mpmath agrees with zenax to 1e-15).
SCIPY_TOL = {"gammaln": (1e-11, 1e-13), "loggamma": (1e-11, 1e-13), "gamma": (1e-12, 0),
             "digamma": (1e-12, 1e-13), "polygamma": (1e-11, 0), "zeta": (1e-11, 0),
             "multigammaln": (1e-12, 1e-13), "factorial": (1e-12, 0), "comb": (1e-11, 0),
             "poch": (1e-12, 0), "beta": (1e-8, 0), "betaln": (1e-8, 1e-14),
             "betainc": (1e-12, 1e-14), "gammainc": (1e-11, 1e-14),
             "gammaincc": (1e-11, 1e-14), "erfinv": (1e-11, 0), "gammasgn": (0, 0)}


def _at_pole(x):
    return np.isneginf(x) | ((x <= 0) & (np.floor(x) == x))


def _scipy_comparable(name, args, params):
    """Where SciPy's value is JAX's convention too.  Elsewhere JAX (and so zenax) differs
    on purpose: at the poles and -inf XLA's lgamma/digamma/polygamma give +inf or NaN
    where SciPy gives a signed infinity; poch divides two gammas that overflow (NaN where
    SciPy is finite); SciPy's multigammaln rejects a <= (d - 1)/2."""
    x = args[-1]
    if name in ("gammaln", "loggamma", "digamma", "polygamma"):
        return ~_at_pole(x)
    if name == "poch":
        return args[0] + args[1] < 171
    if name == "multigammaln":
        return x > (params["d"] - 1) / 2
    return np.ones(np.shape(x), bool)


def _scipy(name, args, params):
    if name == "polygamma":
        n, x = args
        # SciPy's polygamma is undefined for n < 0 (JAX, and zenax, give NaN).
        return np.where(n < 0, np.nan, osp.polygamma(np.maximum(n, 0), x))
    if name == "multigammaln":
        return np.array([osp.multigammaln(a, params["d"]) for a in args[0]])
    return getattr(osp, name)(*args, **params)


@pytest.mark.parametrize("name", NAMES)
def test_values_at_hard_points_like_scipy_in_float64(name, x64):
    args, params = _operands(name, np.float64)
    args = [np.asarray(a) for a in args]
    keep = _scipy_comparable(name, args, params)
    assert keep.sum() >= 5
    args = [a[keep] for a in args]
    rtol, atol = SCIPY_TOL[name]
    np.testing.assert_allclose(np.asarray(_call(zsp, name, args, params)),
                               _scipy(name, args, params), rtol=rtol, atol=atol,
                               equal_nan=True, err_msg=name)


COMPLEX = np.array([-3.5 + 0.1j, -0.5 - 2j, 0.3 + 0j, 2 + 3j, -2 + 0j, 1e-3j, -10.3 + 1e-5j,
                    5 - 40j, -25.7 + 3j, np.nan + 1j, 0j], np.complex64)


def test_complex_gamma_and_loggamma_like_jax():
    for name in ("gamma", "loggamma"):
        ours = zenax.jit(getattr(zsp, name))(COMPLEX)
        assert_same(ours, jax.jit(getattr(jsp_special, name))(COMPLEX), rtol=2e-5, atol=1e-6,
                    err_msg=name)


@pytest.mark.exhaustive     # float64 compiles of the shift loop
def test_complex_gamma_and_loggamma_like_scipy(x64):
    z = COMPLEX.astype(np.complex128)
    for name in ("gamma", "loggamma"):
        np.testing.assert_allclose(np.asarray(getattr(zsp, name)(z)), getattr(osp, name)(z),
                                   rtol=1e-11, equal_nan=True, err_msg=name)


# --------------------------------------------------------------------------- dtypes, errors

def _abstract(namespace, name, args, params):
    out = (zenax if namespace is zsp else jax).eval_shape(
        lambda *a: getattr(namespace, name)(*a, **params), *args)
    return out.shape, np.dtype(out.dtype), out.weak_type


DTYPE_CALLS = [
    ("gammaln", (2.0,)), ("gammaln", (3,)), ("gammasgn", (-1.5,)), ("gamma", (0.5,)),
    ("gamma", (np.complex64(1j),)), ("loggamma", (2.0,)), ("loggamma", (np.complex64(1j),)),
    ("digamma", (1,)), ("polygamma", (1, 2.0)), ("polygamma", (np.arange(3), 2.0)),
    ("multigammaln", (3.0,), {"d": 2}), ("factorial", (4,)), ("factorial", (np.arange(3),)),
    ("comb", (5, 2)), ("comb", (5.0, np.float32(2.0)), {"repetition": True}),
    ("poch", (2.0, 3.0)), ("beta", (2.0, 3)), ("betaln", (2, 3)), ("betaln", (2.0, 9.0)),
    ("betainc", (1, 2, 0.5)), ("zeta", (2.0, 1.0)), ("gammainc", (1.0, 2)),
    ("gammaincc", (np.float16(1.0), 2.0)), ("erfinv", (0.5,)), ("erfinv", (np.int32(0),)),
    ("gamma", (np.ones((2, 1), np.float16),)), ("betaln", (np.ones(3, np.float32), 20.0)),
]


def test_dtypes_and_weak_types_like_jax():
    for call in DTYPE_CALLS:
        name, args, params = (*call, {}) if len(call) == 2 else call
        assert _abstract(zsp, name, args, params) == _abstract(jsp_special, name, args, params), \
            (name, args)


BAD_CALLS = [
    ("polygamma", (1.0, 2.0), {}),             # a float order
    ("zeta", (2.0,), {}),                       # q=None: no Riemann form, as in JAX
    ("factorial", (3,), {"exact": True}),
    ("gammasgn", (1j,), {}), ("beta", (1j, 2.0), {}), ("betainc", (1j, 1.0, 1.0), {}),
    ("polygamma", (1, 1j), {}), ("poch", (1j, 1.0), {}),
    ("gammaln", ([1.0, 2.0],), {}), ("gammaln", (1j,), {}), ("digamma", (1j,), {}),
    ("gammainc", (1j, 1.0), {}), ("erfinv", (1j,), {}), ("zeta", (1j, 1.0), {}),
    ("betaln", (1j, 1.0), {}), ("comb", (1j, 1.0), {}), ("factorial", (1j,), {}),
]


@pytest.mark.parametrize("name,args,params", BAD_CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_CALLS)])
def test_bad_input_raises_like_jax(name, args, params):
    with pytest.raises(Exception) as theirs:
        getattr(jsp_special, name)(*args, **params)
    kind = type(theirs.value)
    assert kind in (TypeError, ValueError, NotImplementedError)
    # Messages name the function, or the lax primitive the argument reached.
    with pytest.raises(kind, match=r"(?i)" + "|".join(
            {"gammaln": ["gammaln", "lgamma"], "erfinv": ["erf_inv"],
             "gammainc": ["igamma"], "betaln": ["lgamma"], "comb": ["lgamma"],
             "factorial": ["factorial", "lgamma"]}.get(name, [name]))):
        getattr(zsp, name)(*args, **params)


def test_static_dimension_of_multigammaln_like_jax():
    a = np.float32(3.0)
    assert_same(zsp.multigammaln(a, np.int32(2)), jsp_special.multigammaln(a, np.int32(2)))
    assert_same(zsp.multigammaln(a, 2.5), jsp_special.multigammaln(a, 2.5))   # int(2.5)
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(lambda d: jsp_special.multigammaln(a, d))(2)
    with pytest.raises(ConcretizationTypeError, match="multigammaln"):
        zenax.jit(lambda d: zsp.multigammaln(a, d))(2)


# --------------------------------------------------------------------------- derivatives

def test_custom_derivative_rules_like_jax():
    """zeta's series-expansion rule (in both arguments; its primal is the series value,
    as JAX's), poch's rule, and betaln at ties a == b (where min/max split the tangent)
    and across its switch at b = 8.  (The other compositions: their spec rows.)"""
    x = np.array([1.5, 2.0, 3.3, 6.0, 11.0], np.float32)
    q = np.array([0.5, 1.0, 2.2, 3.0, 30.0], np.float32)
    a = np.array([0.7, 2.0, 7.5, 8.0, 12.0], np.float32)
    b = np.array([3.0, 2.0, 8.5, 8.0, 9.0], np.float32)

    def derivatives(sp, jvp, x, q, a, b):
        return (jvp(sp.zeta, (x, q), (q, x)), sp.zeta(x, q),
                jvp(sp.poch, (q, a / 4), (x, b)), jvp(sp.betaln, (a, b), (x, q)))
    ours = zenax.jit(lambda *v: derivatives(zsp, zenax.jvp, *v))(x, q, a, b)
    theirs = jax.jit(lambda *v: derivatives(jsp_special, jax.jvp, *v))(x, q, a, b)
    assert_same(ours, theirs, rtol=5e-5, atol=1e-6)
    assert_same(ours[0][0], ours[1], rtol=2e-6, atol=0)     # the series is lax.zeta


def test_zeta_derivatives_by_finite_differences(x64):
    """zeta's rule differentiates a truncated series, yet it matches the finite
    differences of lax.zeta to about 1e-8 in float64.  (poch's and betaln's rules: in the
    finite-difference sweep below.)"""
    check_grads(zsp.zeta, (np.array([1.7, 2.5, 4.0]), np.array([0.6, 1.4, 3.0])), order=1,
                rtol=1e-6, atol=1e-8)


@pytest.mark.exhaustive     # float64 finite differences through every composition
@pytest.mark.parametrize("name,args", [
    ("gamma", ([-1.3, 0.6, 4.2],)), ("loggamma", ([0.6, 4.2, 30.0],)),
    ("gammaln", ([-1.3, 0.6, 4.2],)), ("beta", ([-0.5, 0.6, 4.2], [0.7, 2.0, 3.3])),
    ("comb", ([5.5, 9.0, 20.0], [1.5, 2.0, 7.0])), ("factorial", ([0.5, 3.0, 6.5],)),
    ("multigammaln", ([2.6, 4.0],)), ("digamma", ([0.3, 2.0, 9.0],)),
    ("gammainc", ([0.7, 3.0], [1.5, 2.0])), ("gammaincc", ([0.7, 3.0], [1.5, 2.0])),
    ("erfinv", ([-0.6, 0.1, 0.8],)), ("poch", ([0.6, 1.4, 3.0], [0.5, 2.2, -0.3])),
    ("betaln", ([0.6, 8.5, 3.0], [9.0, 2.2, 30.0])),
])
def test_each_derivative_by_finite_differences(name, args, x64):
    fun = (lambda a: zsp.multigammaln(a, 3)) if name == "multigammaln" else getattr(zsp, name)
    # Twice where the derivative is differentiable again (igamma's is not in a).
    order = 1 if name in ("gammainc", "gammaincc") else 2
    check_grads(fun, tuple(np.array(a) for a in args), order=order)


# --------------------------------------------------------------------------- the surface

def test_runs_compiled_when_called_eagerly():
    x = jnp.array([0.5, 1.5, 4.0])
    for name, args, kwargs in [("gammaln", (x,), {}), ("multigammaln", (x + 1.0, 2), {}),
                               ("comb", (x + 3.0, x), {"repetition": True}),
                               ("factorial", (x,), {"exact": False})]:
        assert_runs_compiled(getattr(zsp, name), getattr(jsp_special, name), *args,
                             tol={"float32": (2e-6, 0)}, **kwargs)


def test_docstring_examples():
    results = doctest.testmod(module, extraglobs={"jnp": znp, "jsp": zenax.scipy},
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert results.attempted >= len(NAMES) and results.failed == 0
