"""zenax.scipy.stats's distributions against jax.scipy.stats (and SciPy, as JAX's own tests
check them):

* the spec table, one row per function of every distribution module: eager and jit values,
  jvp/vjp with respect to ``x`` and every parameter, and vmap, against JAX, on operands
  drawn inside the support;
* every function on one grid of points with tails, support edges, infinities and NaN,
  broadcast against parameter values that include invalid ones (JAX's ``-inf``/0/1/NaN
  there, never an exception), in float32, float16 and integer operands, and with Python
  scalars (weak types);
* values against SciPy;
* the shape checks and bad input (JAX's exception kinds, messages naming the function).
"""
import functools
import importlib

import jax
import jax.numpy as jnp
import jax.scipy.stats as jstats
import numpy as np
import pytest
import scipy.stats as sps

import zenax
import zenax.scipy.stats as zstats

from jnp_spec_checks import assert_runs_compiled, spec_tests
from oracle import assert_same
from spec import Arg, Case, Domain, Spec, f32

MODULES = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon",
           "gamma", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic",
           "multinomial", "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t",
           "truncnorm", "uniform", "vonmises", "wrapcauchy"]


def jax_functions(module: str) -> list[str]:
    jmod = importlib.import_module(f"jax.scipy.stats.{module}")
    return sorted(n for n in dir(jmod) if not n.startswith("_") and callable(getattr(jmod, n)))


# ## Domains: inside each distribution's support, so derivatives are finite

class Simplex(Domain):
    """Points of the probability simplex along axis 0."""

    def sample(self, rng, shape, dtype):
        x = rng.uniform(0.1, 1.0, size=shape)
        return (x / x.sum(axis=0, keepdims=True)).astype(dtype)


class PositiveDefinite(Domain):
    """Well-conditioned covariance matrices (the last two axes)."""

    def sample(self, rng, shape, dtype):
        a = rng.uniform(-1.0, 1.0, size=shape)
        return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


REAL = Domain(-3.0, 3.0)
LOC = Domain(-1.0, 1.0)
SCALE = Domain(0.5, 2.0)
PROB = Domain(0.05, 0.95)
SHAPE = Domain(0.6, 4.0)       # shape parameters of beta, gamma, ...
POSITIVE_X = Domain(0.2, 5.0)
UNIT_X = Domain(0.05, 0.95)
COUNT = Domain(0.0, 5.0, integral=True)
TRIALS = Domain(5.0, 8.0, integral=True)

# Per module: the domain of each positional operand, in signature order.
LOC_SCALE = (REAL, LOC, SCALE)
DOMAINS = {
    "bernoulli": {"logpmf": (Domain(0.0, 1.0, integral=True), PROB),
                  "pmf": (Domain(0.0, 1.0, integral=True), PROB),
                  "cdf": (Domain(-1.0, 2.0), PROB), "ppf": (PROB, PROB)},
    "beta": (UNIT_X, SHAPE, SHAPE),
    "betabinom": (COUNT, TRIALS, SHAPE, SHAPE),
    "binom": (COUNT, TRIALS, PROB),
    "cauchy": LOC_SCALE,
    "chi2": (POSITIVE_X, SHAPE),
    "dirichlet": (Simplex(), SHAPE),
    "expon": (Domain(-0.5, 4.0), LOC, SCALE),
    "gamma": (POSITIVE_X, SHAPE),
    "gennorm": (REAL, Domain(0.8, 4.0)),
    "geom": (Domain(1.0, 6.0, integral=True), PROB),
    "gumbel_l": LOC_SCALE,
    "gumbel_r": LOC_SCALE,
    "laplace": LOC_SCALE,
    "logistic": LOC_SCALE,
    "multivariate_normal": (REAL, LOC, PositiveDefinite()),
    "nbinom": (COUNT, SHAPE, PROB),
    "norm": LOC_SCALE,
    "pareto": (Domain(2.5, 6.0), SHAPE, LOC, SCALE),
    "poisson": {"logpmf": (COUNT, SHAPE), "pmf": (COUNT, SHAPE), "cdf": (COUNT, SHAPE),
                "entropy": (Domain(0.5, 150.0),)},
    "t": (REAL, SHAPE, LOC, SCALE),
    "truncnorm": (Domain(-2.0, 2.0), Domain(-2.5, -0.5), Domain(0.5, 2.5), LOC, SCALE),
    "uniform": (Domain(-0.5, 1.5), LOC, Domain(1.0, 2.0)),
    "vonmises": (REAL, SHAPE),
    "wrapcauchy": (Domain(0.05, 6.2), Domain(0.1, 0.9)),
}
# Quantile functions take probabilities.
QUANTILE = {"ppf", "isf"}
# Functions with a derivative JAX does not define (of a step, or of an integer argument
# through a non-differentiable special function): value rows only.
NOT_DIFFERENTIABLE = {"bernoulli.cdf", "bernoulli.ppf", "poisson.cdf",
                      # JAX's own jvp fails here (its xlogy(-1, p) meets a float0 tangent);
                      # the finite-difference test checks ours.
                      "gumbel_l.ppf", "gumbel_r.ppf"}
# Derivatives JAX defines in ``x`` only (``betainc``'s in the shapes are not defined): the
# shapes are fixed keyword params of these rows.
FIXED_SHAPES = {"beta.cdf", "beta.logcdf", "beta.sf", "beta.logsf"}
# Rows whose ``scale`` is a fixed keyword: JAX cannot differentiate in it (as above).
FIXED_SCALE = {"gumbel_l.logpdf", "gumbel_l.pdf", "gumbel_r.logpdf", "gumbel_r.pdf"}
SHAPES = {"dirichlet": ((3, 4), (3,)), "multivariate_normal": ((4, 3), (3,), (3, 3))}
# Looser tolerances where a special function's float32 evaluation or a derivative
# formula differs from JAX's by more than a few ulps.
TOLERANCES = {"beta": (2e-4, 1e-5), "betabinom": (2e-4, 1e-5), "chi2": (2e-4, 1e-5),
              "gamma": (2e-4, 1e-5), "gennorm": (2e-4, 1e-5), "poisson": (2e-4, 1e-5),
              "truncnorm": (1e-4, 1e-5), "binom": (1e-4, 1e-5), "nbinom": (1e-4, 1e-5)}


def _row(module: str, name: str) -> Spec:
    domains = DOMAINS[module]
    domains = domains[name] if isinstance(domains, dict) else domains
    if name in QUANTILE:
        domains = (PROB,) + domains[1:]
    shapes = SHAPES.get(module) or ((4,),) + ((3, 1),) * (len(domains) > 1) + ((1, 4),) * (
        len(domains) - 2)
    tol = TOLERANCES.get(module)
    params = {}
    if f"{module}.{name}" in FIXED_SHAPES:
        shapes, domains, params = shapes[:1], domains[:1], {"a": 2.0, "b": 0.7}
    if f"{module}.{name}" in FIXED_SCALE:
        shapes, domains, params = shapes[:2], domains[:2], {"scale": 1.5}
    return Spec(f"{module}.{name}", getattr(getattr(zstats, module), name),
                getattr(getattr(jstats, module), name),
                (Case(tuple(Arg(s) for s in shapes), params),), (f32,), domains,
                tol={"float32": tol} if tol else {},
                differentiable=f"{module}.{name}" not in NOT_DIFFERENTIABLE)


SPECS = [_row(m, n) for m in MODULES if m != "multinomial" for n in jax_functions(m)]
# Rows on the incomplete gamma and beta functions and truncnorm's log masses compile
# programs ten times the size of the others' (on both sides, and more so differentiated):
# they run in the full tier only, which the grid and the compiled-eager tests below back
# up in CI.
HEAVY = {f"{m}.{n}" for m, names in [
    ("beta", ("cdf", "logcdf", "sf", "logsf")), ("chi2", ("cdf", "logcdf", "sf", "logsf")),
    ("gamma", ("cdf", "logcdf", "sf", "logsf")), ("gennorm", ("cdf",)),
    ("poisson", ("cdf", "entropy")), ("betabinom", ("logpmf", "pmf")),
    ("truncnorm", jax_functions("truncnorm"))] for n in names}

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests([s for s in SPECS if s.name not in HEAVY],
                                         namespace=(zstats, jstats))
_heavy_tests = spec_tests([s for s in SPECS if s.name in HEAVY], namespace=(zstats, jstats))
test_heavy_rows_eager_and_jit_match_jax = pytest.mark.exhaustive(_heavy_tests[0])
test_heavy_rows_jvp_and_vjp_match_jax = pytest.mark.exhaustive(_heavy_tests[1])
test_heavy_rows_vmap_matches_jax = pytest.mark.exhaustive(_heavy_tests[2])
test_heavy_rows_table_is_well_formed = _heavy_tests[3]


def test_every_function_of_every_module_is_here():
    assert sorted(zstats.__all__) == sorted(n for n in dir(jstats) if not n.startswith("_"))
    for module in MODULES:
        zmod = getattr(zstats, module)
        assert zmod is importlib.import_module(f"zenax.scipy.stats.{module}")
        assert sorted(zmod.__all__) == jax_functions(module), module
    rows = {s.name for s in SPECS}
    assert all(f"{m}.{n}" in rows for m in MODULES if m != "multinomial"
               for n in jax_functions(m))


# ## Every function on one grid: tails, support edges, infinities, NaN, invalid parameters

GRID = np.array([-np.inf, -30.0, -3.0, -1.0, -0.5, 0.0, 1e-3, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0,
                 3.0, 7.0, 30.0, np.inf, np.nan], np.float32)[:, None]
# Parameter values, the first few valid, then invalid ones (negative, zero, NaN).
PARAMS = {"loc": [0.0, 0.5, -1.0], "scale": [1.0, 2.0, 0.5, -1.0, 0.0, np.nan],
          "a": [2.0, 0.5, 1.0, -1.0, 0.0], "b": [3.0, 1.5, 1.0, 0.0, -2.0],
          "df": [3.0, 0.5, 1.0, 30.0, -1.0], "n": [5.0, 2.0, 0.0, -1.0],
          "mu": [2.5, 0.5, 40.0, 0.0, -1.0], "kappa": [1.5, 0.01, 20.0, 0.0, -1.0],
          "c": [0.5, 0.05, 0.95, 0.0, 1.2], "beta": [1.5, 0.5, 3.0, 0.0],
          "p": [0.3, 0.7, 0.0, 1.0, 1.5, -0.1, np.nan], "alpha": [1.0]}
# truncnorm's a and b are bounds: some below, inside, above the grid, some crossed.
TRUNCNORM_PARAMS = {"a": [-1.0, -np.inf, -5.0, 0.5, 2.0, 1.0], "b": [1.0, np.inf, -3.0, 4.0, 0.5]}
GRID_FUNCTIONS = [(m, n) for m in MODULES
                  if m not in ("dirichlet", "multinomial", "multivariate_normal")
                  for n in jax_functions(m)]
# The grid in float32 needs this much slack where JAX's and zenax's special functions (or
# an XLA fusion) round differently near a pole or deep in a tail.
GRID_TOL = {"float32": (2e-4, 1e-6)}


def _param_names(fun) -> list[str]:
    import inspect
    return [p for p in inspect.signature(fun).parameters if p != "allow_singular"]


GRID_POINTS = 512


def _param_grid(names, params=PARAMS) -> list[np.ndarray]:
    """Every combination of a grid point with parameter values, as 1-D operands of one
    length for every function (eager calls then share their compiled kernels): all of
    them where they fit, else a fixed sample that keeps every value of every parameter."""
    values = [GRID[:, 0]] + [np.asarray(params[name], np.float32) for name in names[1:]]
    combos = np.stack([m.ravel() for m in np.meshgrid(*values, indexing="ij")], axis=-1)
    if len(combos) > GRID_POINTS:
        rng = np.random.RandomState(len(names))
        combos = combos[np.sort(rng.choice(len(combos), GRID_POINTS, replace=False))]
        # One point per single parameter value, the others at their first (valid) value.
        for i, vals in enumerate(values[1:], 1):
            for j, v in enumerate(vals):
                combos[i * 8 + j] = [vals_[0] for vals_ in values]
                combos[i * 8 + j, 0], combos[i * 8 + j, i] = values[0][j], v
    combos = np.resize(combos, (GRID_POINTS, len(values)))
    return [np.ascontiguousarray(combos[:, i]) for i in range(len(values))]


@pytest.mark.parametrize("module,name", GRID_FUNCTIONS,
                         ids=[f"{m}.{n}" for m, n in GRID_FUNCTIONS])
def test_values_on_the_grid_match_jax(module, name):
    zf, jf = getattr(getattr(zstats, module), name), getattr(getattr(jstats, module), name)
    args = _param_grid(_param_names(jf),
                       dict(PARAMS, **TRUNCNORM_PARAMS) if module == "truncnorm" else PARAMS)
    if name == "entropy":
        args = [np.abs(args[0])] + args[1:]
    assert_same(zf(*args), jf(*args), tol=GRID_TOL)


def _functions(fun):
    return getattr(getattr(zstats, fun[0]), fun[1]), getattr(getattr(jstats, fun[0]), fun[1])


KINDS = ("int32", "float16", "bfloat16", "python", "keywords")


def _operands(fun, kind) -> tuple[list, dict]:
    """Operands of one kind: an int32 / float16 / bfloat16 array with valid Python-scalar
    parameters (float32 NumPy scalars for bfloat16, which would otherwise stay
    bfloat16), all Python scalars, or ``loc``/``scale`` given by keyword."""
    module, name = fun
    names = _param_names(_functions(fun)[1])
    params = dict(PARAMS, **TRUNCNORM_PARAMS) if module == "truncnorm" else PARAMS
    valid = [params[p][0] for p in names[1:]]
    if kind == "int32":
        return [np.arange(-2, 6, dtype=np.int32)] + valid, {}
    if kind in ("python", "keywords"):
        first = 0.5 if name in QUANTILE else 1
        if kind == "python":
            return [first] + valid, {}
        kwargs = {p: params[p][1] for p in names[1:] if p in ("loc", "scale")}
        return [first] + [params[p][0] for p in names[1:] if p not in kwargs], kwargs
    dtype = jnp.float16 if kind == "float16" else jnp.bfloat16
    return [jnp.asarray(GRID[:, 0], dtype)] + [np.float32(v) if kind == "bfloat16" else v
                                               for v in valid], {}


# Where every operand is weakly typed (an int32 array with Python-scalar parameters), these
# differ from JAX in the weak type alone: jax.scipy.special.logit returns a strong dtype for
# a weak array (its custom_jvp drops the weak type) while zenax's keeps it.
WEAK_TYPE_GAPS = {("logistic", "ppf"), ("logistic", "isf")}


def test_clamp_is_weak_only_when_all_operands_are_like_jax():
    """The cdfs of beta, chi2 and gamma clamp a weak operand between bounds."""
    f32_ = np.float32
    for args in [(0.0, 1.5, 2.0), (f32_(0), 1.5, 2.0), (0.0, f32_(1.5), 2.0),
                 (0.0, 1.5, f32_(2)), (0.0, np.ones(3, f32_), 2.0)]:
        expected = jax.lax.clamp(*args)
        assert_same(zenax.lax.clamp(*args), expected)
        assert zenax.eval_shape(zenax.lax.clamp, *args).weak_type == expected.weak_type, args


def _check_result_types(kinds):
    for fun in GRID_FUNCTIONS:
        zf, jf = _functions(fun)
        for kind in kinds:
            args, kwargs = _operands(fun, kind)
            try:
                expected = jax.eval_shape(functools.partial(jf, **kwargs), *args)
            except TypeError:
                with pytest.raises(TypeError):
                    zenax.eval_shape(functools.partial(zf, **kwargs), *args)
                continue
            actual = zenax.eval_shape(functools.partial(zf, **kwargs), *args)
            assert (actual.shape, actual.dtype) == (expected.shape, expected.dtype), (fun, kind)
            if fun not in WEAK_TYPE_GAPS or kind != "int32":
                assert actual.weak_type == expected.weak_type, (fun, kind)


def test_result_types_match_jax():
    """Integer, Python-scalar and keyword operands of every function: JAX's result shape,
    dtype and weak type (promotion to one inexact dtype), or JAX's exception kind
    (``ndtri`` takes float32/64 only).  Abstract evaluation: nothing compiles."""
    _check_result_types(("int32", "python", "keywords"))


@pytest.mark.exhaustive
def test_result_types_of_16_bit_floats_match_jax():
    _check_result_types(("float16", "bfloat16"))


# A function per family of formulas, for the values in other dtypes (all under -m '').
VALUE_SAMPLE = [("norm", "logcdf"), ("gamma", "logpdf"), ("beta", "sf"), ("poisson", "pmf"),
                ("gumbel_r", "logsf"), ("logistic", "ppf"), ("pareto", "cdf"),
                ("truncnorm", "logpdf")]


def _check_values(functions, kinds):
    tol = {"float16": (2e-2, 1e-2), "bfloat16": (5e-2, 2e-2), "float32": (2e-4, 1e-6)}
    for fun in functions:
        zf, jf = _functions(fun)
        for kind in kinds:
            args, kwargs = _operands(fun, kind)
            try:
                expected = jf(*args, **kwargs)
            except TypeError:
                continue        # test_result_types_match_jax checks that we raise too
            assert_same(zf(*args, **kwargs), expected, tol=tol, err_msg=f"{fun} {kind}",
                        check_weak_type=fun not in WEAK_TYPE_GAPS or kind != "int32")


def test_values_in_other_dtypes_match_jax():
    _check_values([("gamma", "logpdf")], ("float16",))
    _check_values([("norm", "logcdf")], ("int32",))
    _check_values([("pareto", "cdf")], ("keywords",))


@pytest.mark.exhaustive
def test_values_of_a_sample_in_other_dtypes_match_jax():
    _check_values(VALUE_SAMPLE, KINDS)


@pytest.mark.exhaustive
def test_values_of_every_function_in_other_dtypes_match_jax():
    _check_values(GRID_FUNCTIONS, KINDS)


@pytest.mark.exhaustive
def test_truncnorm_with_loc_and_scale_matches_jax():
    args = (np.float32(0.5), -1.0, 1.0, 0.2, 2.0)
    for name in jax_functions("truncnorm"):
        assert_same(getattr(zstats.truncnorm, name)(*args),
                    getattr(jstats.truncnorm, name)(*args), tol={"float32": (2e-5, 1e-6)})


# ## Against SciPy (float32 inputs, float64 reference)

SCIPY_CASES = [
    ("norm", "logpdf", (0.3, 2.0)), ("norm", "cdf", (0.3, 2.0)), ("norm", "logsf", (0.3, 2.0)),
    ("norm", "ppf", (0.3, 2.0)), ("t", "logpdf", (3.0, 0.3, 2.0)), ("cauchy", "sf", (0.3, 2.0)),
    ("beta", "cdf", (2.0, 3.0)), ("beta", "logpdf", (2.0, 3.0)), ("gamma", "sf", (2.5,)),
    ("chi2", "logcdf", (4.0,)), ("expon", "logsf", (0.5, 2.0)), ("pareto", "logpdf", (3.0,)),
    ("laplace", "cdf", (0.3, 2.0)), ("logistic", "isf", (0.3, 2.0)),
    ("gumbel_r", "logsf", (0.3, 2.0)), ("gumbel_l", "logcdf", (0.3, 2.0)),
    ("vonmises", "logpdf", (2.0,)), ("wrapcauchy", "logpdf", (0.4,)),
    ("gennorm", "cdf", (1.5,)), ("uniform", "cdf", (0.5, 2.0)),
    ("poisson", "logpmf", (3.5,)), ("poisson", "cdf", (3.5,)), ("binom", "logpmf", (8, 0.3)),
    ("nbinom", "logpmf", (3.0, 0.4)), ("geom", "logpmf", (0.3,)),
    ("betabinom", "logpmf", (8, 2.0, 3.0)), ("bernoulli", "logpmf", (0.3,)),
    ("truncnorm", "logcdf", (-1.0, 2.0)),
]


@pytest.mark.parametrize("module,name,params", SCIPY_CASES,
                         ids=[f"{m}.{n}" for m, n, _ in SCIPY_CASES])
def test_values_match_scipy(module, name, params):
    if name in QUANTILE:
        x = np.linspace(0.01, 0.99, 9)
    elif module in ("poisson", "binom", "nbinom", "geom", "betabinom", "bernoulli"):
        x = np.arange(-1.0, 9.0)
    elif module in ("beta", "wrapcauchy", "uniform"):
        x = np.linspace(0.02, 2.0, 9)
    else:
        x = np.linspace(-4.0, 8.0, 13)
    x = x.astype(np.float32)
    expected = getattr(getattr(sps, module), name)(x.astype(np.float64), *params)
    actual = getattr(getattr(zstats, module), name)(x, *params)
    np.testing.assert_allclose(actual, expected, rtol=2e-4, atol=1e-5, err_msg=name)


@pytest.mark.exhaustive
def test_float64_values_match_scipy_closely(x64):
    x = np.linspace(-6.0, 12.0, 37)
    for module, name, params in SCIPY_CASES:
        xs = np.linspace(0.001, 0.999, 37) if name in QUANTILE else (
            np.arange(-1.0, 12.0) if module in ("poisson", "binom", "nbinom", "geom",
                                                "betabinom", "bernoulli") else x)
        np.testing.assert_allclose(getattr(getattr(zstats, module), name)(xs, *params),
                                   getattr(getattr(sps, module), name)(xs, *params),
                                   rtol=1e-9, atol=1e-12, err_msg=f"{module}.{name}")


@pytest.mark.exhaustive
def test_log_densities_have_finite_difference_gradients(x64):
    from zenax.test_util import check_grads
    check_grads(lambda x, s: zstats.norm.logpdf(x, 0.3, s), (1.2, 0.7), order=2)
    check_grads(lambda x, a, b: zstats.beta.logpdf(x, a, b), (0.3, 2.0, 3.0), order=1)
    check_grads(lambda x, a: zstats.gamma.logpdf(x, a), (1.3, 2.5), order=2)
    check_grads(lambda x, df: zstats.t.logpdf(x, df), (0.4, 3.0), order=2)
    check_grads(lambda x, b: zstats.gennorm.cdf(x, b), (0.4, 1.5), order=1)
    check_grads(lambda x: zstats.gumbel_r.logsf(x), (0.4,), order=2)
    check_grads(lambda p, s: zstats.gumbel_r.ppf(p, 0.3, s), (0.4, 1.5), order=1)
    check_grads(lambda x, s: zstats.gumbel_l.logpdf(x, 0.3, s), (0.4, 1.5), order=1)


# ## Derivatives at the edges, where a custom rule or a guard matters

def test_gradients_at_support_edges_match_jax():
    cases = [
        (zstats.gamma.logpdf, jstats.gamma.logpdf, (0.0, 1.0)),
        (zstats.gumbel_r.logsf, jstats.gumbel_r.logsf, (-3.0,)),   # log1mexp's two branches
        (zstats.gumbel_r.logsf, jstats.gumbel_r.logsf, (0.0,)),
        (zstats.binom.logpmf, jstats.binom.logpmf, (0.0, 5.0, 0.3)),
    ]
    for zf, jf, args in cases:
        args = tuple(np.float32(a) for a in args)
        argnums = tuple(range(len(args)))
        assert_same(zenax.grad(zf, argnums)(*args), jax.grad(jf, argnums)(*args),
                    tol={"float32": (2e-5, 1e-6)}, err_msg=zf.__module__)


# ## Shapes and bad input

def test_multivariate_normal_matches_jax_and_scipy():
    mvn, jmvn = zstats.multivariate_normal, jstats.multivariate_normal
    rng = np.random.RandomState(1)
    xs, mean = rng.randn(2, 4, 3).astype(np.float32), rng.randn(3).astype(np.float32)
    covs = PositiveDefinite().sample(rng, (2, 1, 3, 3), np.float32)
    tol = {"float32": (1e-5, 1e-5)}
    actual = mvn.logpdf(xs, mean, covs)
    assert_same(actual, jmvn.logpdf(xs, mean, covs), tol=tol)
    np.testing.assert_allclose(actual[1], sps.multivariate_normal.logpdf(xs[1], mean, covs[1, 0]),
                               rtol=1e-5)
    assert_same(mvn.pdf(xs, mean, 2.0), jmvn.pdf(xs, mean, 2.0), tol=tol)    # scalar cov
    assert_same(mvn.logpdf(1.0, 0.0, 2), jmvn.logpdf(1.0, 0.0, 2), tol=tol)   # univariate
    with pytest.raises(NotImplementedError, match="allow_singular"):
        mvn.logpdf(xs, mean, covs, allow_singular=True)
    with pytest.raises(ValueError, match="multivariate_normal.logpdf"):
        mvn.logpdf(xs, mean, covs[0, 0, :2, :2])
    with pytest.raises(ValueError, match="multivariate_normal.logpdf"):
        mvn.logpdf(xs, mean, mean)


def test_dirichlet_matches_jax_and_scipy():
    x = Simplex().sample(np.random.RandomState(2), (3, 5), np.float32)
    x[:, -1] = [0.3, -0.2, 0.9]                               # off the simplex
    alpha = np.array([0.5, 2.0, 3.0], np.float32)
    actual = zstats.dirichlet.logpdf(x, alpha)
    assert_same(actual, jstats.dirichlet.logpdf(x, alpha), tol={"float32": (1e-5, 1e-5)})
    on_simplex = x[:, :-1].astype(np.float64) / x[:, :-1].astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(actual[:-1], sps.dirichlet.logpdf(on_simplex, alpha), rtol=1e-5,
                               atol=1e-5)
    assert_same(zstats.dirichlet.pdf(x[:2], alpha), jstats.dirichlet.pdf(x[:2], alpha),
                tol={"float32": (1e-5, 1e-5)})                # the last component implied
    with pytest.raises(ValueError, match="dirichlet.logpdf.*alpha"):
        zstats.dirichlet.logpdf(x, alpha[None])
    with pytest.raises(ValueError, match="dirichlet.logpdf.*x"):
        zstats.dirichlet.logpdf(x[:1], alpha)


def test_multinomial_matches_jax_and_scipy():
    counts = np.array([[1, 2, 0], [0, 3, 0], [1, 1, 1], [2, 2, 0]], np.int32)
    p = np.array([0.2, 0.5, 0.3], np.float32)
    actual = zstats.multinomial.logpmf(counts[0], 3, p)
    assert_same(actual, jstats.multinomial.logpmf(counts[0], 3, p))
    np.testing.assert_allclose(actual, sps.multinomial.logpmf(counts[0], 3, p / p.sum()),
                               rtol=1e-5)
    # Batched counts (the total is checked over all of them, as JAX does), p with a zero.
    p_zero = np.array([0.0, 1.0, 0.0], np.float32)
    assert_same(zstats.multinomial.pmf(counts, 3, p_zero),
                jstats.multinomial.pmf(counts, 3, p_zero))
    assert_same(zenax.jit(zenax.grad(lambda p: zstats.multinomial.logpmf(counts[0], 3, p)))(p),
                jax.jit(jax.grad(lambda p: jstats.multinomial.logpmf(counts[0], 3, p)))(p))
    with pytest.raises(ValueError, match="multinomial.logpmf.*integer"):
        zstats.multinomial.logpmf(counts[0].astype(np.float32), 3, p)


@pytest.mark.parametrize("fun", [zstats.norm.logpdf, zstats.gamma.cdf, zstats.poisson.logpmf,
                                 zstats.truncnorm.logpdf, zstats.poisson.entropy])
def test_lists_are_rejected_naming_the_function(fun):
    module = fun.__module__.rsplit(".", 1)[1]
    jfun = getattr(getattr(jstats, module), fun.__name__)
    n = len(_param_names(jfun)) - sum(1 for p in _param_names(jfun) if p in ("loc", "scale"))
    args = [[0.5, 1.0]] + [1.0] * (n - 1)
    with pytest.raises(TypeError):
        jfun(*args)
    with pytest.raises(TypeError, match=f"{module}.{fun.__name__}"):
        fun(*args)


# ## Compiled eager calls and transforms of whole programs

def test_jitted_functions_run_compiled_when_eager():
    """The functions JAX jits run as one executable on concrete arrays (never falling back
    to the plain path), with JAX's values."""
    x, a, b, n = jnp.linspace(-2.0, 2.0, 5), jnp.float32(-1.0), jnp.float32(1.5), jnp.float32(4)
    for zf, jf, args in [(zstats.truncnorm.logpdf, jstats.truncnorm.logpdf, (x, a, b)),
                         (zstats.betabinom.logpmf, jstats.betabinom.logpmf, (x + 2, n, a + 3, b)),
                         (zstats.poisson.entropy, jstats.poisson.entropy, (jnp.abs(x) * 30,))]:
        assert_runs_compiled(zf, jf, *args, tol={"float32": (2e-5, 1e-6)})


def test_a_log_likelihood_trains_like_jax():
    """grad of a summed log likelihood over a few families at once, under jit and vmap."""
    data = np.random.RandomState(3).gamma(2.0, 1.5, size=(3, 16)).astype(np.float32)

    def loss(stats, params, x):
        shape, scale = params
        return -(stats.gamma.logpdf(x, shape, scale=scale).sum()
                 + stats.norm.logcdf(x, shape, scale).sum()
                 + stats.t.logpdf(x, shape + 1.0, scale=scale).sum())

    params = (jnp.float32(1.5), jnp.float32(1.0))
    expected = jax.jit(jax.vmap(jax.grad(functools.partial(loss, jstats)), (None, 0)))(
        params, data)
    actual = zenax.jit(zenax.vmap(zenax.grad(functools.partial(loss, zstats)), (None, 0)))(
        params, data)
    assert_same(actual, expected, tol={"float32": (2e-4, 1e-5)})
