"""zenax.scipy.stats's sample statistics and kernel density estimate against
jax.scipy.stats (and SciPy):

* ``mode``, ``rankdata`` (every method, with and without ``axis``, ties, NaN) and ``sem``
  (both NaN policies), their bad arguments, and their compiled eager path;
* ``gaussian_kde``: the fitted attributes for each bandwidth rule and weights, evaluate /
  logpdf / the integrals, ``resample``'s bits for the same key, the pytree under
  ``jit``/``vmap``/``grad``, and its errors;
* the ``>>>`` examples of the stats modules' docstrings, and JAX's own examples of these
  names run under zenax.
"""
import doctest
import importlib
import pkgutil

import jax
import jax.numpy as jnp
import jax.scipy.stats as jstats
import numpy as np
import pytest
import scipy.stats as sps

import zenax
import zenax.lax.scipy.stats
import zenax.numpy as znp
import zenax.scipy.stats as zstats
from zenax.lax import eager

import docstring_examples as dx
from oracle import assert_same

rng = np.random.RandomState(0)
INTS = np.array([[3, 1, 2, 2, 7], [1, 1, 5, 5, 0], [0, 4, 4, 0, 4]], np.int32)
FLOATS = np.array([[0.5, -1.0, 0.5, 2.0], [3.0, 3.0, -0.0, 0.0], [1.0, 2.0, 3.0, 4.0]],
                  np.float32)
WITH_NAN = np.array([[3.0, 1.0, np.nan, 2.0], [1.0, 1.0, 5.0, 5.0]], np.float32)
TOL = {"float32": (1e-5, 1e-6)}


def both(name, *args, **kwargs):
    """zenax's and JAX's ``name(*args, **kwargs)`` (operands as jax.Arrays)."""
    args = [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    return getattr(zstats, name)(*args, **kwargs), getattr(jstats, name)(*args, **kwargs)


# ## rankdata

@pytest.mark.parametrize("method", ["average", "min", "max", "dense", "ordinal"])
def test_rankdata_methods_match_jax_and_scipy(method):
    for a, kwargs in [(INTS, {"axis": 1}), (WITH_NAN, {})]:
        z, j = both("rankdata", a, method, **kwargs)
        assert_same(z, j, err_msg=f"{method} {kwargs}")
    np.testing.assert_array_equal(zstats.rankdata(INTS, method, axis=1),
                                  sps.rankdata(INTS, method, axis=1))


def test_rankdata_bad_arguments():
    with pytest.raises(ValueError, match="rankdata.*method"):
        zstats.rankdata(INTS, "bogus")
    with pytest.raises(NotImplementedError):
        zstats.rankdata(INTS, nan_policy="omit")
    with pytest.raises(NotImplementedError, match="rankdata"):
        zstats.rankdata(INTS, nan_policy="raise")
    with pytest.raises(ValueError, match="rankdata.*nan_policy"):
        zstats.rankdata(INTS, nan_policy="skip")
    with pytest.raises(TypeError, match="rankdata"):
        zstats.rankdata([3, 1, 2])


# ## mode

MODE_CASES = [(INTS, {}), (WITH_NAN, {"axis": 1}), (INTS, {"axis": None, "keepdims": True}),
              (np.zeros((0, 3), np.float32), {}), (np.float32(3.0), {}),
              (INTS, {"axis": -1, "keepdims": True}), (INTS, {"axis": None}),
              (FLOATS, {"axis": 1}), (np.array([True, False, True]), {})]


def _check_modes(cases):
    for a, kwargs in cases:
        z, j = both("mode", a, **kwargs)
        assert type(z).__name__ == "ModeResult" and z._fields == j._fields
        assert_same(tuple(z), tuple(j), err_msg=str(kwargs))


def test_mode_matches_jax_and_scipy():
    _check_modes(MODE_CASES[:3])
    expected = sps.mode(INTS, axis=1)
    result = zstats.mode(INTS, axis=1)
    np.testing.assert_array_equal(result.mode, expected.mode)
    np.testing.assert_array_equal(result.count, expected.count)


@pytest.mark.exhaustive
def test_mode_in_every_form_matches_jax():
    _check_modes(MODE_CASES[3:])


def test_mode_bad_arguments():
    with pytest.raises(NotImplementedError):
        zstats.mode(INTS, nan_policy="omit")
    with pytest.raises(ValueError, match="mode.*nan_policy"):
        zstats.mode(INTS, nan_policy="skip")
    with pytest.raises(ValueError):
        zstats.mode(INTS, axis=2)
    with pytest.raises(TypeError, match="mode"):
        zstats.mode([1, 2, 2])


# ## sem

SEM_CASES = [(INTS, {}), (WITH_NAN, {"axis": 1, "ddof": 0, "keepdims": True}),
             (WITH_NAN, {"nan_policy": "omit", "axis": None}),
             (FLOATS.astype(np.float16), {"axis": 1})]
SEM_OPTIONS = [{}, {"axis": 1}, {"axis": None}, {"ddof": 0}, {"axis": 1, "keepdims": True},
               {"nan_policy": "omit"}, {"nan_policy": "omit", "axis": 1, "keepdims": True}]


def test_sem_matches_jax_and_scipy():
    for a, kwargs in SEM_CASES:
        assert_same(*both("sem", a, **kwargs), tol=TOL, err_msg=str(kwargs))
    np.testing.assert_allclose(zstats.sem(FLOATS, axis=1), sps.sem(FLOATS, axis=1), rtol=1e-6)
    with pytest.raises(ValueError, match="sem.*raise"):
        zstats.sem(FLOATS, nan_policy="raise")


@pytest.mark.exhaustive
def test_sem_in_every_form_matches_jax():
    for a in (INTS, FLOATS, WITH_NAN):
        for kwargs in SEM_OPTIONS:
            assert_same(*both("sem", a, **kwargs), tol=TOL, err_msg=str(kwargs))


def test_summaries_run_compiled_when_eager_and_trace():
    x = jnp.asarray(INTS)
    for fn, kwargs in [(zstats.rankdata, {"method": "min", "axis": 1}),
                       (zstats.mode, {"axis": 1}), (zstats.sem, {"axis": 1, "ddof": 0})]:
        before, calls = dict(eager.fallbacks), fn.compiled_calls
        fn(x, **kwargs)
        assert fn.compiled_calls == calls + 1 and eager.fallbacks == before, fn.__name__
    # Under a transform: jit, and grad of sem.
    assert_same(zenax.jit(lambda a: zstats.rankdata(a, axis=0))(FLOATS),
                jax.jit(lambda a: jstats.rankdata(a, axis=0))(FLOATS))
    assert_same(zenax.grad(lambda a: zstats.sem(a, axis=None))(FLOATS),
                jax.grad(lambda a: jstats.sem(a, axis=None))(FLOATS), tol=TOL)


@pytest.mark.exhaustive
def test_mode_under_vmap():
    assert_same(zenax.vmap(lambda a: zstats.mode(a).mode)(INTS),
                jax.vmap(lambda a: jstats.mode(a).mode)(INTS))


# ## gaussian_kde

D1 = rng.randn(20).astype(np.float32)
W1 = rng.rand(20).astype(np.float32)
D2 = rng.randn(2, 30).astype(np.float32)
P1 = np.linspace(-3.0, 3.0, 7).astype(np.float32)
P2 = rng.randn(2, 5).astype(np.float32)
KDES = {"1d": (D1, {}, P1), "weights": (D1, {"weights": W1}, P1),
        "silverman": (D1, {"bw_method": "silverman"}, P1),
        "scalar": (D1, {"bw_method": 0.3}, P1),
        "callable": (D1, {"bw_method": lambda kde: 0.5}, P1), "2d": (D2, {}, P2)}
KDE_TOL = {"float32": (3e-5, 1e-6)}


def kdes(label):
    """zenax's and JAX's estimators of one configuration, and its test points."""
    data, kwargs, points = KDES[label]
    made = []
    for stats, lib in ((zstats, znp), (jstats, jnp)):
        made.append(stats.gaussian_kde(lib.asarray(data), **{
            k: lib.asarray(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}))
    return made, jnp.asarray(points)


@pytest.mark.parametrize("label", list(KDES))
def test_gaussian_kde_fit_and_density_match_jax(label):
    (z, j), points = kdes(label)
    for attr in ("neff", "dataset", "weights", "covariance", "inv_cov"):
        assert_same(getattr(z, attr), getattr(j, attr), tol=KDE_TOL, err_msg=attr)
    assert (z.d, z.n) == (j.d, j.n)
    expected = j.evaluate(points)
    for method in ("evaluate", "pdf", "__call__"):
        assert_same(getattr(z, method)(points), expected, tol=KDE_TOL)
    assert_same(z.logpdf(points * 10), j.logpdf(points * 10), tol=KDE_TOL)


def _integrals_and_samples(kde, other, key):
    """Everything of a kde but its density, as one function (run under jit: one compile
    for all of it on each side; evaluation is what the eager tests check)."""
    d = kde.d
    out = {"gaussian": kde.integrate_gaussian(jnp.zeros(d), jnp.eye(d)),
           "kde": kde.integrate_kde(other), "sample": kde.resample(key, (4,)),
           "one_sample": kde.resample(key)}
    if d == 1:
        out["box"] = kde.integrate_box_1d(-0.5, 1.0)
    return out


@pytest.mark.parametrize("label", ["weights", "2d", "1d", "silverman"])
def test_gaussian_kde_integrals_and_resample_match_jax(label):
    (z, j), _ = kdes(label)
    other_data = jnp.asarray(KDES[label][0][..., :7] + 0.3)
    key = jax.random.PRNGKey(3)
    assert_same(zenax.jit(_integrals_and_samples)(z, zstats.gaussian_kde(other_data), key),
                jax.jit(_integrals_and_samples)(j, jstats.gaussian_kde(other_data), key),
                tol=KDE_TOL)


def test_gaussian_kde_matches_scipy():
    kde, ref = zstats.gaussian_kde(jnp.asarray(D1)), sps.gaussian_kde(D1.astype(np.float64))
    points = jnp.asarray(P1)
    np.testing.assert_allclose(kde.evaluate(points), ref.evaluate(P1), rtol=1e-5)
    np.testing.assert_allclose(kde.logpdf(points * 10), ref.logpdf(P1 * 10), rtol=1e-5)
    np.testing.assert_allclose(kde.integrate_box_1d(-0.5, 1.0), ref.integrate_box_1d(-0.5, 1.0),
                               rtol=1e-5)


def test_gaussian_kde_is_a_pytree_under_transforms():
    (z, j), points = kdes("1d")
    leaves, tree = zenax.tree_util.tree_flatten(z)
    assert len(leaves) == 5
    assert zenax.tree_util.tree_unflatten(tree, leaves).n == z.n
    assert_same(zenax.jit(lambda k, p: k.evaluate(p))(z, points),
                jax.jit(lambda k, p: k.evaluate(p))(j, points), tol=KDE_TOL)
    grad = zenax.jit(zenax.grad(lambda d: zstats.gaussian_kde(d).logpdf(points).sum()))(
        jnp.asarray(D1))
    expected = jax.jit(jax.grad(lambda d: jstats.gaussian_kde(d).logpdf(points).sum()))(
        jnp.asarray(D1))
    assert_same(grad, expected, tol={"float32": (1e-4, 1e-5)})


@pytest.mark.exhaustive
def test_gaussian_kde_under_vmap():
    points = jnp.asarray(P1)
    batch = jnp.asarray(rng.randn(3, 10).astype(np.float32))
    assert_same(zenax.vmap(lambda d: zstats.gaussian_kde(d).evaluate(points))(batch),
                jax.vmap(lambda d: jstats.gaussian_kde(d).evaluate(points))(batch), tol=KDE_TOL)


def test_gaussian_kde_errors():
    kde = zstats.gaussian_kde(D2)
    with pytest.raises(ValueError, match="multiple elements"):
        zstats.gaussian_kde(np.ones(1, np.float32))
    with pytest.raises(NotImplementedError, match="complex"):
        zstats.gaussian_kde(np.ones(3, np.complex64))
    with pytest.raises(ValueError, match="bw_method"):
        zstats.gaussian_kde(D1, bw_method="foo")
    with pytest.raises(ValueError, match="weights"):
        zstats.gaussian_kde(D1, weights=np.ones(3, np.float32))
    with pytest.raises(ValueError, match="dimension"):
        kde.evaluate(np.ones((3, 2), np.float32))
    with pytest.raises(ValueError, match="1D"):
        kde.integrate_box_1d(0.0, 1.0)
    with pytest.raises(NotImplementedError):
        kde.integrate_box(0.0, 1.0)
    with pytest.raises(NotImplementedError):
        kde.set_bandwidth("scott")
    with pytest.raises(TypeError, match="gaussian_kde"):
        zstats.gaussian_kde([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="evaluate"):
        kde.evaluate([[1.0], [2.0]])
    with pytest.raises(dataclasses_frozen_error()):
        kde.neff = 1.0


def dataclasses_frozen_error():
    import dataclasses
    return dataclasses.FrozenInstanceError


# ## Docstring examples: ours, and JAX's run under zenax

STATS_MODULES = ["zenax.lax.scipy.stats"] + [
    f"zenax.lax.scipy.stats.{m.name}"
    for m in pkgutil.iter_modules(zenax.lax.scipy.stats.__path__) if not m.name.startswith("_")]


class _NumbersWithinUlps(doctest.OutputChecker):
    """The printed text, with numbers equal up to a few float32 ulps: the examples show
    what zenax prints with XLA's default code generation, and the test suite compiles
    with cheaper options (conftest.py), which can move a last digit."""

    def check_output(self, want, got, optionflags):
        return super().check_output(want, got, optionflags) or dx.same_outcome(
            dx.Outcome("out", want), dx.Outcome("out", got), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", STATS_MODULES)
def test_examples_in_our_docstrings_hold(name):
    finder, checker = doctest.DocTestFinder(), _NumbersWithinUlps()
    runner = doctest.DocTestRunner(checker=checker, optionflags=doctest.ELLIPSIS
                                   | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(importlib.import_module(name), name,
                            extraglobs={"jnp": znp, "zenax": zenax, "np": np}):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted and not result.failed, (
        f"{result.failed} of {result.attempted} examples failed")


def test_every_public_function_has_an_example():
    for name in STATS_MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            value = getattr(module, attr)
            if callable(value) and not isinstance(value, type(zstats)):
                assert ">>>" in (value.__doc__ or ""), f"{name}.{attr}"


@pytest.mark.parametrize("namespace,name", [("jax.scipy.stats", "rankdata"),
                                            ("jax.scipy.stats", "mode"),
                                            ("jax.scipy.stats", "sem"),
                                            ("jax.scipy.stats.poisson", "entropy")])
def test_jax_examples_print_the_same(namespace, name):
    comparison = dx.compare(namespace, name)
    assert comparison is not None and comparison.agrees, comparison.first_difference()
