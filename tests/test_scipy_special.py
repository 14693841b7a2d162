"""zenax.scipy.special's closed-form and rational-approximation functions against
jax.scipy.special, and against SciPy where JAX's own tests compare with it:

* spec rows: eager, jit, jvp/vjp and vmap against JAX on random operands;
* values at the hard points -- the tails of ``log_ndtr`` (to -40 and +10, across its
  regime bounds), ``erfcx`` where ``exp(x**2)`` overflows, the interval ends of
  ``dawsn``/``sici``/``fresnel``/``spence``, ``ndtri`` at 0, 1 and around its split
  points, ``xlogy``-style conventions at 0, ``wofz`` on both half planes -- in float32
  against JAX in one compiled program per side, and in float64 against JAX and SciPy;
* dtypes and weak types for Python scalars, integers, float16 and float64 inputs;
* the errors JAX raises (kinds, and messages naming the function);
* the namespace (all 53 names), the compiled eager path and the docstring examples.

The series-based functions (exponential integrals, hypergeometric, ``bessel_jn``,
``sph_harm_y``, ``bernoulli``) are in test_scipy_special_series.py, the softmax family in
test_scipy_special_softmax.py and the derivatives in test_scipy_special_grads.py.
"""
import doctest
import importlib

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp_special
import numpy as np
import pytest
import scipy.special as osp

import zenax
import zenax.numpy as znp
import zenax.scipy
import zenax.scipy.special as zsp

from jnp_spec_checks import assert_runs_compiled, spec_tests
from oracle import assert_same
from spec import Arg, Case, Domain, Spec, c64, f32

NONZERO = Domain(-4.0, 4.0, nonzero=True)
POSITIVE = Domain(0.1, 3.0)
PROBABILITY = Domain(0.02, 0.98)
TOL = {"float32": (2e-5, 1e-6)}


def _row(name, domains=Domain(-3.0, 3.0), cases=None, dtypes=(f32,), **kw):
    nargs = len(domains) if isinstance(domains, tuple) else 1
    cases = cases or (Case(tuple(Arg((2, 3)) for _ in range(nargs))),)
    return Spec(name, getattr(zsp, name), getattr(jsp_special, name), cases, dtypes, domains,
                differentiable=kw.pop("differentiable", True), **kw)


# The CI tier runs every eighth instance: the complex row is kept off those.
SPECS = [
    _row("erf"), _row("erfc"),
    _row("wofz", Domain(-3.0, 3.0), dtypes=(c64,), tol={"complex64": (2e-5, 1e-6)}),
    _row("erfcx", Domain(-3.0, 12.0)), _row("dawsn", Domain(-8.0, 8.0)),
    _row("ndtr", Domain(-6.0, 6.0)), _row("ndtri", PROBABILITY, tol=TOL),
    _row("log_ndtr", Domain(-30.0, 10.0), tol=TOL), _row("expit", Domain(-8.0, 8.0)),
    _row("logit", PROBABILITY), _row("xlogy", (Domain(-2.0, 2.0), POSITIVE)),
    _row("xlog1py", (Domain(-2.0, 2.0), Domain(-0.9, 3.0))), _row("entr", POSITIVE),
    _row("rel_entr", (POSITIVE, POSITIVE)), _row("kl_div", (POSITIVE, POSITIVE)),
    _row("boxcox", (POSITIVE, Domain(-2.0, 2.0)), tol=TOL),
    _row("boxcox1p", (Domain(-0.9, 3.0), Domain(-2.0, 2.0)), tol=TOL),
    _row("i0", Domain(-5.0, 5.0)), _row("i0e"), _row("i1", Domain(-5.0, 5.0)), _row("i1e"),
    _row("sici", NONZERO, tol=TOL), _row("fresnel", Domain(-4.0, 4.0), tol=TOL),
    _row("spence", Domain(0.1, 4.0), tol=TOL),
    _row("owens_t", (Domain(-3.0, 3.0), Domain(-3.0, 3.0)), tol=TOL),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS, namespace=(zsp, jsp_special))


def test_namespace_has_every_jax_name():
    """All of jax.scipy.special's public names, and each spec row is one of them."""
    public = {n for n in dir(jsp_special) if not n.startswith("_")}
    assert public <= set(zsp.__all__) and len(public) == 53
    assert all(callable(getattr(zsp, n)) for n in zsp.__all__)
    assert {s.name for s in SPECS} <= set(zsp.__all__)
    assert zenax.scipy.special is zsp


# --------------------------------------------------------------------------- hard points

INF, NAN = np.inf, np.nan
HARD = {
    "erf": ([-INF, -5.0, -1.0, -1e-3, -0.0, 0.0, 1e-30, 0.5, 2.0, 5.0, INF, NAN],),
    "erfc": ([-INF, -27.0, -5.0, -1.0, 0.0, 0.5, 2.0, 5.0, 10.0, 27.0, INF, NAN],),
    "erfcx": ([-INF, -30.0, -10.0, -1.0, 0.0, 0.5, 1.0, 5.0, 9.3, 9.5, 10.0, 26.0, 27.0,
               100.0, 1e5, 1e20, INF, NAN],),
    "dawsn": ([-INF, -100.0, -7.0, -6.25, -5.0, -3.25, -1.0, -0.0, 0.0, 1e-3, 0.9, 3.2, 3.3,
               6.2, 6.3, 10.0, 1e4, INF, NAN],),
    "ndtr": ([-INF, -40.0, -10.0, -5.0, -1.0, -0.7, 0.0, 0.7, 1.0, 5.0, 10.0, INF, NAN],),
    "ndtri": ([-0.5, 0.0, 1e-30, 1e-10, 0.01, 0.13, 0.135, 0.5, 0.86, 0.865, 0.99,
               0.9999999, 1.0, 1.5, NAN],),
    "log_ndtr": ([-INF, -1e4, -40.0, -20.1, -20.0, -19.9, -10.1, -10.0, -9.9, -5.0, 0.0,
                  4.9, 5.0, 5.1, 7.9, 8.0, 8.1, 10.0, INF, NAN],),
    "expit": ([-INF, -100.0, -10.0, 0.0, 10.0, 100.0, INF, NAN],),
    "logit": ([-0.1, 0.0, 1e-30, 0.5, 0.9999, 1.0, 1.1, NAN],),
    "entr": ([-1.0, -0.0, 0.0, 1e-30, 0.5, 1.0, 1e30, INF, NAN],),
    "i0": ([-100.0, -10.0, -1.0, 0.0, 1e-5, 1.0, 10.0, 80.0, 700.0, INF, NAN],),
    "i0e": ([-INF, -100.0, -1.0, 0.0, 1e-5, 1.0, 10.0, 1e4, INF, NAN],),
    "i1": ([-100.0, -10.0, -1.0, 0.0, 1e-5, 1.0, 10.0, 80.0, INF, NAN],),
    "i1e": ([-INF, -100.0, -1.0, 0.0, 1e-5, 1.0, 10.0, 1e4, INF, NAN],),
    "sici": ([-INF, -1e10, -10.0, -4.0, -0.0, 0.0, 1e-8, 1.0, 4.0, 4.01, 7.99, 8.0, 100.0,
              1e9, 1.1e9, INF, NAN],),
    "fresnel": ([-INF, -1e6, -5.0, -1.6, 0.0, 1e-8, 1.6, 1.61, 10.0, 36973.0, 36975.0, 1e6,
                 INF, NAN],),
    "spence": ([-1.0, 0.0, 1e-8, 0.3, 0.5, 0.7, 1.0, 1.2, 1.5, 1.6, 2.0, 2.5, 1e4, INF,
                NAN],),
    "owens_t": ([0.0, 0.0, 0.5, 0.5, 1.0, -1.0, 2.0, 0.3, 3.0, 10.0, -0.7, NAN],
                [1.0, 0.5, 1.0, 0.0, 2.0, 2.0, -0.5, 5.0, 0.2, 0.9, -3.0, 1.0]),
    "xlogy": ([0.0, 0.0, 0.0, 1.0, 2.0, -1.0, 0.5, 1.0],
              [0.0, -1.0, NAN, 0.0, 3.0, 2.0, INF, -1.0]),
    "xlog1py": ([0.0, 0.0, 0.0, 1.0, 2.0, -1.0, 0.5, 1.0],
                [-1.0, -2.0, NAN, -1.0, 1e-10, 2.0, INF, -2.0]),
    "rel_entr": ([0.0, 0.0, 0.5, 1.0, -1.0, 1.0, 2.0, 1e-30, NAN],
                 [0.0, 1.0, 0.25, 0.0, 1.0, -1.0, 2.0, 1.0, 1.0]),
    "kl_div": ([0.0, 0.0, 0.5, 1.0, -1.0, 1.0, 2.0, 1e-30, NAN],
               [0.0, 1.0, 0.25, 0.0, 1.0, -1.0, 2.0, 1.0, 1.0]),
    "boxcox": ([1.0, 2.0, 4.0, 0.5, -1.0, 0.0, 3.0, 1e10],
               [0.0, 1.0, 0.5, -2.0, 0.5, 1.0, 1e-8, 0.1]),
    "boxcox1p": ([1e-8, 1.0, 3.0, -0.5, -1.0, -2.0, 0.0, 1e10],
                 [0.0, 1.0, 0.5, -2.0, 0.5, 1.0, 1e-8, 0.1]),
}
ZGRID = (np.linspace(-6.0, 6.0, 9)[:, None] + 1j * np.linspace(-6.0, 6.0, 9)).ravel()
WOFZ_POINTS = np.concatenate([ZGRID, [1e4 + 1e4j, -30.0 + 0.1j, 0.1j, -5j, 26.0 + 0j]])
NAMES = sorted(HARD) + ["wofz"]


def _operands(name, dtype):
    if name == "wofz":
        return [WOFZ_POINTS.astype(np.complex128 if dtype == np.float64 else np.complex64)]
    return [np.asarray(a, dtype) for a in HARD[name]]


# The compositions round in another order than JAX's here and there.
F32_TOL = {"owens_t": (3e-6, 1e-7), "wofz": (2e-6, 1e-7), "spence": (1e-6, 1e-7),
           "ndtri": (1e-6, 0)}


def test_values_at_hard_points_like_jax_in_float32():
    """Every function here at once, in one compiled program per side."""
    operands = {n: _operands(n, np.float32) for n in NAMES}

    def program(ns, operands):
        return {n: getattr(ns, n)(*operands[n]) for n in NAMES}
    ours = zenax.jit(lambda ops: program(zsp, ops))(operands)
    theirs = jax.jit(lambda ops: program(jsp_special, ops))(operands)
    for n in NAMES:
        rtol, atol = F32_TOL.get(n, (5e-7, 0))
        assert_same(ours[n], theirs[n], rtol=rtol, atol=atol, err_msg=n)


# Not owens_t: once float32 owens_t has run in a process, JAX's float64 one (even under
# jit) reuses float32 quadrature weights; it is checked against SciPy in float64 below.
@pytest.mark.parametrize("name", [n for n in NAMES if n != "owens_t"])
def test_values_at_hard_points_like_jax_in_float64(name, x64):
    args = [jnp.asarray(a) for a in _operands(name, np.float64)]
    # JAX's side under jit: called eagerly after x64 is switched on in a process, JAX's
    # owens_t meets a matmul executable it compiled for float32 constants.
    assert_same(getattr(zsp, name)(*args), jax.jit(getattr(jsp_special, name))(*args),
                rtol=1e-13, atol=1e-300)


# SciPy's conventions differ from JAX's in places (kept by zenax, as JAX): spence below 0
# and Ci of negative x (complex in SciPy), rel_entr/kl_div of a NaN p (inf in JAX).  And
# JAX's methods are less exact than SciPy's in places: owens_t's and wofz's far tails (a
# 13-point rule, Weideman's expansion), Ci beyond 1e9 (sin(x)/x), log_ndtr's asymptotic
# series (3 terms, ~1e-11) and its log(1 - ndtr(-x)) near the upper bound.
SCIPY_TOL = {"owens_t": (1e-12, 1e-14), "wofz": (1e-12, 1e-14), "dawsn": (1e-14, 1e-300),
             "fresnel": (1e-13, 1e-300), "sici": (1e-13, 1e-18), "spence": (1e-13, 1e-300),
             "ndtri": (1e-13, 1e-300), "log_ndtr": (1e-9, 1e-16)}


def _scipy_comparable(name, args):
    x = args[0]
    if name == "spence":
        return ~(x < 0)
    if name == "sici":
        return ~(x < 0)
    if name == "fresnel":
        return np.abs(x) < 1e5      # SciPy's fresnel is 0.5 +- 1/(pi x) less exactly there
    if name in ("rel_entr", "kl_div"):
        return ~np.isnan(x)
    if name == "boxcox":
        return x > 0
    if name == "boxcox1p":
        return x > -1
    return np.ones(np.shape(x), bool)


@pytest.mark.parametrize("name", NAMES)
def test_values_at_hard_points_like_scipy_in_float64(name, x64):
    args = _operands(name, np.float64)
    keep = _scipy_comparable(name, args)
    args = [a[keep] for a in args]
    ours = getattr(zsp, name)(*[jnp.asarray(a) for a in args])
    expected = getattr(osp, name)(*args)
    rtol, atol = SCIPY_TOL.get(name, (1e-14, 1e-300))
    if isinstance(expected, tuple):
        for o, e in zip(ours, expected):
            np.testing.assert_allclose(np.asarray(o), e, rtol=rtol, atol=atol, err_msg=name)
    else:
        np.testing.assert_allclose(np.asarray(ours), expected, rtol=rtol, atol=atol,
                                   err_msg=name)


@pytest.mark.exhaustive
def test_log_ndtr_in_its_tails_like_scipy():
    """Far into the left tail (to -40) the asymptotic series carries log_ndtr, and its
    value and slope stay finite; far right it is -ndtr(-x), not log(1 - tiny) = 0."""
    x = np.linspace(-40.0, 10.0, 51).astype(np.float32)
    out = zsp.log_ndtr(jnp.asarray(x))
    # log(ndtr(x)) rounds ndtr(x) ~ 1 first: absolute errors of float32's epsilon.
    np.testing.assert_allclose(out, osp.log_ndtr(x.astype(np.float64)), rtol=2e-6, atol=1e-7)
    assert np.all(np.asarray(out)[x > 5] < 0)
    slope = zenax.grad(lambda x: zsp.log_ndtr(x).sum())(jnp.asarray(x))
    x64 = x.astype(np.float64)      # the normal hazard pdf/cdf, in log space
    hazard = np.exp(-0.5 * x64 ** 2 - 0.5 * np.log(2 * np.pi) - osp.log_ndtr(x64))
    # (JAX's rule subtracts two float32 logs of size ~800: 1e-4 relative far left.)
    np.testing.assert_allclose(slope, hazard, rtol=1e-4)


@pytest.mark.exhaustive
@pytest.mark.parametrize("order", [0, 1, 7, 30])
def test_series_order_of_log_ndtr(order):
    x = jnp.asarray(np.linspace(-40.0, -10.5, 7).astype(np.float32))
    runs_compiled("log_ndtr", x, series_order=order)


# --------------------------------------------------------------------------- dtypes

UNARY = ["dawsn", "entr", "erf", "erfc", "erfcx", "expit", "fresnel", "i0", "i0e", "i1",
         "i1e", "logit", "sici", "wofz"]
BINARY = ["boxcox", "boxcox1p", "kl_div", "owens_t", "rel_entr", "xlog1py", "xlogy"]
FLOAT_ONLY = ["log_ndtr", "ndtr", "ndtri", "spence"]


def _types(tree):
    """Each leaf's (shape, dtype, weak type), for comparing ``eval_shape`` results."""
    return jax.tree.map(lambda s: (s.shape, np.dtype(s.dtype), bool(s.weak_type)), tree)


def _same_types(name, args):
    assert _types(zenax.eval_shape(getattr(zsp, name), *args)) == \
        _types(jax.eval_shape(getattr(jsp_special, name), *args)), f"{name}{args!r}"


def _inputs():
    return [0.5, np.float32(0.5), jnp.float32(0.5), jnp.asarray([1, 2], jnp.int32),
            jnp.asarray([0.5], jnp.float16), jnp.asarray([0.5], jnp.bfloat16), True]


def test_dtypes_and_weak_types_like_jax():
    """Python scalars stay weak exactly where JAX's results are (the strongly typed
    coefficient tables make most results strong), integers and bools become the default
    float, 16-bit floats stay 16-bit (owens_t's float64 tables promote them)."""
    for x in _inputs():
        for name in UNARY:
            _same_types(name, (x,))
        for name in BINARY:
            _same_types(name, (x, 2.0))
    for x in (0.5, jnp.float32(0.5), np.float32(0.5)):
        for name in FLOAT_ONLY:
            _same_types(name, (x,))


def test_float64_inputs_keep_float64(x64):
    x = jnp.asarray([0.5, 2.0])
    for name in UNARY + FLOAT_ONLY:
        _same_types(name, (x,))
    for name in BINARY:
        _same_types(name, (jnp.float32(0.5), x))
        _same_types(name, (jnp.float32(0.5), 2.0))       # owens_t: float64 anyway


@pytest.mark.parametrize("name", ["erfcx", "dawsn", "fresnel", "erf", "sici", "owens_t"])
def test_sixteen_bit_floats_like_jax(name):
    """erfcx, dawsn and fresnel compute in float32 and round back, as JAX's; owens_t's
    float64 tables make its result float32."""
    x = jnp.asarray(np.linspace(-6.0, 6.0, 13), jnp.float16)
    args = (x, x) if name == "owens_t" else (x,)
    # owens_t mixes float16 and float32 steps: ulps of float16 near 0.25 (2.4e-4) differ.
    assert_same(getattr(zsp, name)(*args), getattr(jsp_special, name)(*args),
                rtol=1e-2, atol=5e-4 if name == "owens_t" else 2e-3)


# --------------------------------------------------------------------------- errors

C = jnp.asarray([1.0 + 1.0j])
I = jnp.asarray([1, 2])
ERRORS = [
    ("erf", (C,), {}, TypeError), ("erfcx", ([0.5],), {}, TypeError),
    ("dawsn", (C,), {}, ValueError), ("entr", (C,), {}, ValueError),
    ("rel_entr", (C, C), {}, ValueError), ("kl_div", (C, C), {}, ValueError),
    ("sici", (C,), {}, ValueError), ("fresnel", (C,), {}, NotImplementedError),
    ("ndtr", (I,), {}, TypeError), ("ndtri", (I,), {}, TypeError),
    ("ndtri", ([0.5],), {}, TypeError), ("log_ndtr", (C,), {}, TypeError),
    ("spence", (I,), {}, TypeError), ("log_ndtr", (jnp.ones(2),), {"series_order": -1}, ValueError),
    ("log_ndtr", (jnp.ones(2),), {"series_order": 31}, ValueError),
    ("log_ndtr", (jnp.ones(2),), {"series_order": 1.0}, TypeError),
    ("xlogy", (jnp.ones(2), jnp.ones(3)), {}, TypeError), ("i0", (C,), {}, TypeError),
    ("wofz", ([0.5],), {}, TypeError),
]


@pytest.mark.parametrize("name,args,kwargs,kind", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_bad_input_raises_like_jax(name, args, kwargs, kind):
    with pytest.raises(kind):
        getattr(jsp_special, name)(*args, **kwargs)
    with pytest.raises(kind, match=name):
        getattr(zsp, name)(*args, **kwargs)


@pytest.mark.parametrize("name", ["ndtr", "log_ndtr", "spence"])
def test_lists_are_accepted_where_jax_accepts_them(name):
    assert_same(getattr(zsp, name)([0.5, 1.5]), getattr(jsp_special, name)([0.5, 1.5]))


# --------------------------------------------------------------------------- the eager path

def runs_compiled(name, *args, **kwargs):
    """``zenax.scipy.special.<name>`` runs compiled eagerly and equals JAX's."""
    assert_runs_compiled(getattr(zsp, name), getattr(jsp_special, name), *args,
                         tol={"float32": (2e-6, 1e-7)}, **kwargs)


@pytest.mark.parametrize("name", sorted(UNARY + FLOAT_ONLY + BINARY))
def test_eager_calls_run_compiled(name):
    x = jnp.asarray([0.2, 0.7])
    runs_compiled(name, *((x, x) if name in BINARY else (x,)))


MODULES = ["special", "special_bessel", "special_elementary", "special_errors",
           "special_expint", "special_harmonics", "special_hyper", "special_info",
           "special_integrals", "special_normal", "special_numbers", "special_softmax"]


@pytest.mark.parametrize("name", MODULES)
def test_examples_in_docstrings_hold(name):
    module = importlib.import_module(f"zenax.lax.scipy.{name}")
    result = doctest.testmod(module, extraglobs={"jnp": znp, "zenax": zenax, "np": np,
                                                 "jsp": zenax.scipy},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
    assert result.attempted > 0
