"""zenax.numpy's order statistics and correlations (quantile, percentile, median and their
NaN forms, cov, corrcoef) against jax.numpy: the spec rows (eager, jit, jvp/vjp, vmap),
then every keyword and method, NaN handling, promotion, and bad input."""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax import eager

from jnp_spec_checks import spec_tests
from jnp_spec_table import _cases, _np, _wrapped
from oracle import assert_same
from spec import POSITIVE, REAL, Arg, Case, Domain, Spec, f32, i32


@dataclasses.dataclass(frozen=True)
class WithNaNs(Domain):
    """Floats of :data:`REAL` with about a quarter of them NaN (integers unchanged)."""

    def sample(self, rng, shape, dtype):
        x = super().sample(rng, shape, dtype)
        if np.issubdtype(np.dtype(dtype), np.floating):
            x = np.where(rng.rand(*shape) < 0.25, np.nan, x).astype(dtype)
        return x


NANS = WithNaNs()
UNIT = Domain(0.0, 1.0)


def _variant(name, dtypes, domains=REAL, cases=(), **kw) -> Spec:
    """A second row of ``<numpy>.<fun>`` (``name`` is ``fun/label``)."""
    fun = name.split("/")[0]
    return Spec(name, getattr(znp, fun), getattr(jnp, fun), cases, dtypes, domains,
                differentiable=True, **kw)


def _weighted_quantile(m):
    return lambda a, w, **params: m.quantile(a, 0.4, weights=w, method="inverted_cdf",
                                             **params)


def _weighted_cov(m):
    return lambda x, fw, aw, **params: m.cov(x, fweights=fw, aweights=aw, **params)


SPECS = [
    _np("median", (f32, i32), cases=(
        Case((Arg((3, 4)),), {"axis": 1}),
        Case((Arg((2, 3, 4)),), {}, label="all"),
        Case((Arg((2, 3, 4)),), {"axis": (0, 2), "keepdims": True}, label="keepdims"),
    )),
    _variant("quantile/linear", (f32,), (REAL, UNIT), cases=(
        Case((Arg((3, 5)), Arg((4,))), {"axis": 1}),
        Case((Arg((2, 3, 4)), Arg(())), {"axis": (0, 2), "keepdims": True}),
    )),
    _variant("quantile/nearest", (f32,), (REAL, UNIT), cases=(
        Case((Arg((3, 5)), Arg((2,))), {"axis": 0, "method": "nearest"}),
    )),
    _variant("quantile/midpoint", (f32,), cases=(
        Case((Arg((4, 6)),), {"q": 0.3, "axis": 1, "method": "midpoint"}),
    )),
    _wrapped("quantile/weighted", _weighted_quantile, (
        Case((Arg((3, 5)), Arg((5,), f32, POSITIVE)), {"axis": 1}),
    ), (f32,), differentiable=True),
    _np("percentile", (f32, i32), cases=(
        Case((Arg((3, 5)),), {"q": 30, "axis": 1}),
        Case((Arg((6,)),), {"q": 75, "method": "higher"}),
    )),
    _np("nanquantile", (f32,), (NANS, UNIT), cases=(
        Case((Arg((4, 6)), Arg((3,))), {"axis": 1}),
    )),
    _np("nanmedian", (f32,), NANS, cases=(
        Case((Arg((4, 6)),), {"axis": 1}),
        Case((Arg((3, 4)),), {"axis": 0, "keepdims": True}),
    )),
    _np("cov", (f32, i32), cases=(
        Case((Arg((3, 6)),), {}),
        Case((Arg((6, 2)),), {"rowvar": False, "ddof": 0}),
        Case((Arg((5,)), Arg((5,))), {"bias": True}),
    )),
    _wrapped("cov/weighted", _weighted_cov, (
        Case((Arg((3, 6)), Arg((6,), i32, Domain(0, 3)), Arg((6,), f32, POSITIVE))),
    ), (f32,), differentiable=True),
    _np("corrcoef", (f32,), cases=_cases(((3, 6),), ((5,), (5,)))),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


# --------------------------------------------------------------------------- keywords

RNG = np.random.RandomState(0)
X = RNG.randn(3, 4, 5).astype(np.float32)
X_NAN = X.copy()
X_NAN[0, 1, 2] = np.nan       # one NaN in a slice
X_NAN[1, :, 3] = np.nan       # a slice along axis 1 all NaN
Q = np.array([0.0, 0.3, 0.5, 1.0], np.float32)
METHODS = ["linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf"]


def same(name, *args, **kwargs):
    """zenax.numpy.<name> under ``zenax.jit`` equals jax.numpy.<name> (one compile per
    call; the spec rows above cover the eager paths)."""
    expected = getattr(jnp, name)(*args, **kwargs)
    actual = zenax.jit(lambda *xs: getattr(znp, name)(*xs, **kwargs))(*args)
    assert_same(actual, expected, err_msg=name)


@pytest.mark.parametrize("method", METHODS)
def test_quantile_methods(method):
    same("quantile", X, Q, axis=1, method=method)
    same("quantile", X_NAN, 0.3, axis=(0, 2), method=method, keepdims=True)
    same("nanquantile", X_NAN, Q, axis=1, method=method)
    same("nanquantile", X_NAN, 0.7, axis=(0, 2), method=method, keepdims=True)


def test_axis_forms_and_keepdims():
    same("quantile", X, Q, keepdims=True)                   # axis=None
    same("quantile", X, 0.3, axis=-1, keepdims=True)
    same("median", X, axis=(2, 0))
    same("quantile", X, Q, axis=())                          # nothing reduced
    same("median", np.float32(3.0), keepdims=True)           # 0-d: reduced as (1,)
    same("nanmedian", X_NAN, axis=1, keepdims=True)
    same("nanmedian", X_NAN)


def test_q_outside_the_unit_interval_is_clamped_as_in_jax():
    q = np.array([-0.5, 1.5], np.float32)
    same("quantile", X, q, axis=2)
    same("nanquantile", X_NAN, q, axis=2)
    same("percentile", X, np.array([-10.0, 250.0], np.float32), axis=0)


def test_percentile_q_forms():
    same("percentile", X, 30, axis=1)                        # a Python int
    same("percentile", X, np.array([10, 90]), axis=1)        # integer array
    same("nanpercentile", X_NAN, np.array([25.0, 75.0], np.float32), axis=2,
         method="midpoint")


def test_integer_bool_and_low_precision_inputs():
    same("quantile", np.arange(7, dtype=np.int8), 0.4)
    same("median", np.array([True, False, True]))
    same("quantile", X.astype(np.float16), 0.3, axis=0)
    same("quantile", X, np.array([0.1, 0.4], np.float16), axis=0)   # computed in q's dtype
    same("nanmedian", np.arange(6).reshape(2, 3), axis=1)


def test_nans():
    same("quantile", X_NAN, Q, axis=2)                       # any NaN -> NaN
    same("nanmedian", np.full((2, 3), np.nan, np.float32), axis=1)   # none left -> NaN
    # A negative NaN must not sort first.
    same("nanmedian", np.array([-np.nan, 1.0, 2.0, 4.0], np.float32))


def test_weights():
    w = RNG.rand(4).astype(np.float32)
    q = np.array([0.2, 0.6, 0.9], np.float32)
    same("quantile", X, q, axis=1, method="inverted_cdf", weights=w)
    same("nanquantile", X_NAN, q, axis=1, method="inverted_cdf", weights=w)
    same("percentile", X, 60, axis=1, method="inverted_cdf", weights=np.array([1, 2, 0, 3]))
    # reduced axes named out of order, and the full shape; a negative weight gives NaN
    same("quantile", X, 0.6, axis=(2, 0), method="inverted_cdf",
         weights=RNG.rand(5, 3).astype(np.float32))
    same("quantile", X, 0.6, method="inverted_cdf", weights=RNG.rand(3, 4, 5).astype(np.float32))
    same("quantile", X, 0.6, axis=1, method="inverted_cdf",
         weights=np.array([1.0, 2.0, -1.0, 1.0], np.float32))


def test_quantile_matches_numpy():
    x = RNG.randn(4, 7).astype(np.float32)
    for method in ("linear", "lower", "higher", "midpoint"):
        np.testing.assert_allclose(znp.quantile(x, Q, axis=1, method=method),
                                   np.quantile(x, Q, axis=1, method=method), rtol=1e-6)
    np.testing.assert_allclose(znp.nanpercentile(X_NAN, 40.0, axis=(0, 2)),
                               np.nanpercentile(X_NAN, 40.0, axis=(0, 2)), rtol=1e-5, atol=1e-6)


def test_traced_q_is_not_range_checked():
    f = zenax.jit(lambda x, q: znp.quantile(x, q))
    assert_same(f(X, np.float32(2.0)), jax.jit(jnp.quantile)(X, np.float32(2.0)))


def test_gradient_of_median_lands_on_the_middle_elements():
    x = np.array([3.0, 1.0, 4.0, 2.0], np.float32)
    assert_same(zenax.grad(znp.median)(x), jax.grad(jnp.median)(x))
    assert_same(zenax.grad(lambda x: znp.quantile(x, 0.4))(x),
                jax.grad(lambda x: jnp.quantile(x, 0.4))(x))


def test_eager_calls_on_arrays_run_compiled():
    x, q = jnp.asarray(X), jnp.asarray(Q)
    before = dict(eager.fallbacks)
    znp.quantile(x, q, axis=1, method="nearest")
    znp.median(x, axis=(0, 2), keepdims=True)
    znp.nanpercentile(x, q)
    znp.cov(x[0], rowvar=False)
    znp.corrcoef(x[0], x[1])
    assert eager.fallbacks == before


# --------------------------------------------------------------------------- cov, corrcoef

M = RNG.randn(3, 6).astype(np.float32)
FW = np.array([1, 2, 3, 1, 0, 2])
AW = RNG.rand(6).astype(np.float32)


def test_cov_keywords():
    same("cov", M, ddof=3)
    same("cov", M, M[:2])                                    # y stacked below m
    same("cov", M.T, M[:2].T, rowvar=False)
    same("cov", M[0], M)
    same("cov", M, fweights=FW)
    same("cov", M, aweights=AW)
    same("cov", M, fweights=FW, aweights=AW)
    same("cov", M, fweights=FW, aweights=AW, ddof=0)
    same("cov", M, fweights=FW, ddof=2)
    same("cov", M, dtype=np.float16)
    same("cov", M + 1j * M[::-1])


def test_cov_degenerate_shapes():
    same("cov", np.float32(2.0))                             # one observation: NaN
    same("cov", np.zeros((0, 3), np.float32))
    same("cov", np.zeros((2, 0), np.float32))
    same("cov", np.zeros((1, 0), np.float32))


def test_corrcoef_keywords():
    same("corrcoef", M, rowvar=False)
    same("corrcoef", M[0])                                   # one variable: 1
    same("corrcoef", np.ones(4, np.float32))                 # constant: 0 / 0
    same("corrcoef", M + 1j * M[::-1])
    same("corrcoef", np.arange(12).reshape(3, 4))
    same("corrcoef", M, dtype=np.float16)


def test_cov_matches_numpy():
    np.testing.assert_allclose(znp.cov(M, fweights=FW, aweights=AW),
                               np.cov(M, fweights=FW, aweights=AW), rtol=1e-5)
    np.testing.assert_allclose(znp.corrcoef(M), np.corrcoef(M), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("call,error,match", [
    (lambda: znp.quantile(X, 0.5, axis=3), ValueError, "quantile"),
    (lambda: znp.nanmedian(X, axis=(0, -4)), ValueError, "nanmedian"),
    (lambda: znp.median(X, axis=(1, 1)), ValueError, "median"),
    (lambda: znp.median(np.float32(1), axis=0), ValueError, "median"),
    (lambda: znp.quantile(X, 0.5, method="closest"), ValueError, "closest"),
    (lambda: znp.percentile(X, 50, method="Linear"), ValueError, "percentile"),
    (lambda: znp.quantile(X, 0.5, out=X), ValueError, "quantile"),
    (lambda: znp.median(X, overwrite_input=True), ValueError, "median"),
    (lambda: znp.quantile(X, np.ones((2, 2), np.float32)), ValueError, "q must"),
    (lambda: znp.quantile(X, 1), TypeError, "q must be floating"),
    (lambda: znp.quantile(X + 1j, 0.5), ValueError, "complex"),
    (lambda: znp.quantile([1.0, 2.0], 0.5), TypeError, "quantile"),
    (lambda: znp.nanquantile(X, [0.5]), TypeError, "nanquantile"),
    (lambda: znp.quantile(X, 0.5, weights=X), NotImplementedError, "inverted_cdf"),
    (lambda: znp.quantile(X, 0.5, method="inverted_cdf", weights=X[0]), ValueError,
     "weights"),
    (lambda: znp.quantile(X, 0.5, axis=0, method="inverted_cdf", weights=np.ones(4)),
     ValueError, "weights"),
    (lambda: znp.quantile(X, 0.5, axis=0, method="inverted_cdf",
                          weights=np.ones(3) + 1j), ValueError, "complex"),
    (lambda: znp.median(np.zeros((0, 3)), axis=0), TypeError, "median"),
    (lambda: znp.nanmedian(np.zeros((0,))), IndexError, "nanmedian"),
])
def test_quantile_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call,error,match", [
    (lambda: znp.cov(np.ones((2, 2, 2))), ValueError, "m has more than 2"),
    (lambda: znp.cov(M, np.ones((2, 1, 6))), ValueError, "y has more than 2"),
    (lambda: znp.cov(M, dtype=np.int32), ValueError, "dtype"),
    (lambda: znp.corrcoef(M, dtype=bool), ValueError, "corrcoef"),
    (lambda: znp.cov(M, fweights=np.ones(6)), TypeError, "fweights must be integer"),
    (lambda: znp.cov(M, fweights=np.ones((6, 1), int)), RuntimeError, "fweights"),
    (lambda: znp.cov(M, aweights=np.ones(5)), RuntimeError, "aweights"),
    (lambda: znp.cov([1.0, 2.0]), TypeError, "cov"),
    (lambda: znp.corrcoef([1.0, 2.0]), TypeError, "corrcoef"),
])
def test_cov_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_bad_input_error_kinds_match_jax():
    # The same kinds as JAX's (spot checks of the table above).
    for name, args, kwargs in [("quantile", (X, 0.5), {"axis": 3}),
                               ("quantile", (X, 0.5), {"method": "closest"}),
                               ("quantile", (X, 1), {}),
                               ("cov", (M,), {"fweights": np.ones(6)}),
                               # m is rank-promoted to (1, 6), so transposed: no fit
                               ("cov", (M[0], M), {"rowvar": False}),
                               ("cov", (M,), {"aweights": np.ones(5)})]:
        with pytest.raises(Exception) as expected:
            getattr(jnp, name)(*args, **kwargs)
        with pytest.raises(expected.type):
            getattr(znp, name)(*args, **kwargs)
