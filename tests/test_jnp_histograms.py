"""zenax.numpy's binning (histogram, histogram_bin_edges, histogram2d, histogramdd,
bincount) against jax.numpy: the spec rows (eager, jit, jvp/vjp with respect to weights and
data, vmap), then every keyword, edge values, and bad input."""
from __future__ import annotations

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax.jnp import histograms
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import spec_tests
from jnp_spec_table import _wrapped
from oracle import assert_same
from spec import POSITIVE, REAL, Arg, Case, Domain, f32, i32

COUNTS = Domain(0, 5)    # bincount's values (and a few past length=5)


def _histogram(m):
    return lambda a, w, **params: m.histogram(a, weights=w, **params)


def _histogram2d(m):
    return lambda x, y, w, **params: m.histogram2d(x, y, weights=w, **params)


def _bincount(m):
    return lambda x, w, **params: m.bincount(x, w, **params)


SPECS = [
    # Differentiable in the weights (a scatter-add) and, through min/max, in the edges.
    _wrapped("histogram", _histogram, (
        Case((Arg((12,)), Arg((12,))), {"bins": 4, "density": True}),
        Case((Arg((3, 4)), Arg((3, 4))), {"bins": 3, "range": (-1.0, 2.0)}, label="range"),
    ), (f32,), (REAL, POSITIVE), differentiable=True),
    _wrapped("histogram2d", _histogram2d, (
        Case((Arg((10,)), Arg((10,)), Arg((10,))), {"bins": (2, 3)}),
    ), (f32,), (REAL, REAL, POSITIVE), differentiable=True),
    _wrapped("bincount", _bincount, (
        Case((Arg((8,), i32, COUNTS), Arg((8,))), {"length": 5}),
    ), (f32, i32), (COUNTS, POSITIVE), differentiable=True),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def _both(fun, *args, **kwargs):
    assert_same(fun(znp)(*args, **kwargs), fun(jnp)(*args, **kwargs))


rng = np.random.default_rng(0)
A = rng.normal(size=20).astype(np.float32)
A[3] = A.max()                                   # a value on the last edge, twice
W = rng.uniform(size=20).astype(np.float32)
I = rng.integers(0, 7, 20).astype(np.int32)
EDGES = np.array([-1., 0., 0.5, 2.], np.float32)


@pytest.mark.parametrize("kwargs", [
    {}, {"bins": 4, "density": True}, {"bins": EDGES, "weights": W},
    {"bins": EDGES, "weights": W, "density": True}, {"bins": 3, "range": (0, 1)},
    {"bins": 3, "range": (1, 1)},                       # an empty range widens by 0.5
], ids=["default", "density", "edges-weights", "edges-density", "range", "empty-range"])
def test_histogram_keywords(kwargs):
    _both(lambda m: m.histogram, A, **kwargs)


def test_histogram_of_integers_and_arrays_of_any_rank():
    _both(lambda m: m.histogram, I, bins=3)
    _both(lambda m: m.histogram, I, bins=3, weights=I)
    _both(lambda m: m.histogram, A.reshape(4, 5), bins=3)


def test_histogram_values_on_a_computed_edge_bin_as_in_jax():
    # The edges 0, 5, ..., 25 are computed as JAX computes them (15.0, not 15.000001),
    # so the value 15 falls in the same bin.
    _both(lambda m: m.histogram, np.array([1., 15., 15., 25.], np.float32), bins=5,
          range=(0, 25))


def test_histogram_bin_edges():
    _both(lambda m: m.histogram_bin_edges, I, bins=3, range=(0, 1))
    _both(lambda m: m.histogram_bin_edges, I, bins=np.array([1, 2, 3]))
    _both(lambda m: m.histogram_bin_edges, A)


@pytest.mark.parametrize("kwargs", [
    {}, {"bins": (3, 4), "density": True}, {"bins": EDGES, "weights": W},
    {"bins": [EDGES, 3], "range": [None, (0, 1)]},
], ids=["default", "pair-density", "edges-weights", "mixed-range"])
def test_histogram2d_keywords(kwargs):
    _both(lambda m: m.histogram2d, A, A[::-1], **kwargs)


def test_histogramdd_keywords():
    _both(lambda m: m.histogramdd, A.reshape(10, 2), bins=3)
    _both(lambda m: m.histogramdd, A.reshape(5, 4), bins=(2, 3, 2, 1), weights=W[:5],
          density=True)


@pytest.mark.parametrize("kwargs", [{}, {"minlength": 10}, {"weights": W, "length": 4}],
                         ids=["default", "minlength", "weights-length"])
def test_bincount_keywords(kwargs):
    _both(lambda m: m.bincount, I, **kwargs)


def test_bincount_negatives_bools_and_empty():
    _both(lambda m: m.bincount, I - 3, length=4)      # negatives count in bin 0
    _both(lambda m: m.bincount, I > 3)
    _both(lambda m: m.bincount, I[:0])
    _both(lambda m: m.bincount, I.astype(np.uint8))


def test_bincount_under_jit_with_length_and_grad_of_weights():
    assert_same(zenax.jit(lambda x: znp.bincount(x, length=8))(I),
                jax.jit(lambda x: jnp.bincount(x, length=8))(I))
    f = lambda m: lambda w: m.sum(m.bincount(I, w, length=7) ** 2)
    assert_same(zenax.grad(f(znp))(W), jax.grad(f(jnp))(W))


def test_histogram_jvp_in_data_and_weights():
    f = lambda m: lambda a, w: m.histogram(a, bins=4, weights=w, density=True)
    assert_same(zenax.jvp(f(znp), (A, W), (W, A)), jax.jvp(f(jnp), (A, W), (W, A)))


# --------------------------------------------------------------------------- bad input

def test_bincount_under_jit_without_length_names_bincount_and_length():
    with pytest.raises(ConcretizationTypeError, match=r"bincount(.|\n)*length"):
        zenax.jit(lambda x: znp.bincount(x))(I)


def test_histogram_with_non_integer_bins():
    with pytest.raises(TypeError):                    # what JAX raises
        jnp.histogram(A, bins=2.5)
    with pytest.raises(TypeError, match="histogram: bins"):
        znp.histogram(A, bins=2.5)
    with pytest.raises(ConcretizationTypeError, match="bins"):
        zenax.jit(lambda a, b: znp.histogram(a, b))(A, 3)


def test_bad_arguments_raise_jax_kinds_naming_the_function():
    with pytest.raises(NotImplementedError, match="bins"):
        znp.histogram_bin_edges(A, bins="auto")
    with pytest.raises(ValueError, match="range"):
        znp.histogram(A, bins=3, range=(0, 1, 2))
    with pytest.raises(ValueError, match="histogram: weights"):
        znp.histogram(A, weights=W[:3])
    with pytest.raises(ValueError, match="histogramdd: should be a bin for each"):
        znp.histogramdd(A.reshape(5, 4), bins=(2, 3))
    with pytest.raises(ValueError, match="range must be a sequence of 4 pairs"):
        znp.histogramdd(A.reshape(5, 4), range=[(0, 1)])
    with pytest.raises(ValueError, match="histogramdd: should have one weight"):
        znp.histogramdd(A.reshape(5, 4), weights=W)
    with pytest.raises(ValueError, match="histogramdd: sample"):
        znp.histogramdd(A)
    with pytest.raises(TypeError, match="bincount must have an integer type"):
        znp.bincount(A)
    with pytest.raises(ValueError, match="bincount: only 1-dimensional"):
        znp.bincount(I.reshape(4, 5))
    with pytest.raises(ValueError, match="bincount: weights"):
        znp.bincount(I, weights=W[:3])


def test_docstring_examples():
    assert doctest.testmod(histograms, extraglobs={"jnp": znp}).failed == 0
