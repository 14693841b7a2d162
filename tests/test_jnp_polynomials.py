"""zenax.numpy's polynomials (poly, polyval, polyadd, polysub, polymul, polydiv, polyder,
polyint, vander) against jax.numpy: the spec rows (eager, jit, jvp/vjp, vmap), then the
keywords, dtype rules, characteristic polynomials, data-dependent trimming and bad input."""
from __future__ import annotations

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax.jnp import polynomials
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import assert_runs_compiled, spec_tests
from jnp_spec_table import _np, _wrapped
from oracle import assert_same
from spec import NEAR_ONE, SMALL_INTS, Arg, Case, Domain, f32, i32


def _polyint_k(m):
    """polyint with the integration constants as an operand."""
    return lambda p, k, **params: m.polyint(p, k=k, **params)


# Divisors whose leading coefficient stays away from zero (|v0| >= 1).
_DIVISOR = Domain(1.0, 3.0)

SPECS = [
    _np("polyval", (f32, i32), SMALL_INTS, cases=(
        Case((Arg((4,)), Arg((2, 3))), {}),
        Case((Arg((3, 2)), Arg((2,))), {"unroll": 2}, label="batched-p"),
    )),
    _np("polyadd", (f32, i32), cases=(
        Case((Arg((3,)), Arg((5,))), {}),
        Case((Arg((2, 3)), Arg((1,))), {}),
    )),
    _np("polysub", (f32, i32), cases=(Case((Arg((4,)), Arg((2,))), {}),)),
    _np("polymul", (f32,), cases=(
        Case((Arg((3,)), Arg((4,))), {}),
        Case((Arg((5,)), Arg((1,))), {}),
    )),
    _np("polydiv", (f32,), (Domain(), _DIVISOR), cases=(
        Case((Arg((5,)), Arg((2,))), {}),
        Case((Arg((3,)), Arg((3,))), {}),
    )),
    _np("polyder", (f32, i32), cases=(
        Case((Arg((5,)),), {}),
        Case((Arg((5,)),), {"m": 3}, label="m3"),
    )),
    _np("polyint", (f32, i32), cases=(
        Case((Arg((4,)),), {}),
        Case((Arg((4,)),), {"m": 2}, label="m2"),
    )),
    _wrapped("polyint/k", _polyint_k, (Case((Arg((3,)), Arg((2,))), {"m": 2}),), (f32,),
             differentiable=True),
    # Away from 0: JAX's derivative of 0 ** 0 is NaN, zenax's lax.pow says 0.
    _np("vander", (f32, i32), NEAR_ONE, cases=(
        Case((Arg((4,)),), {}),
        Case((Arg((3,)),), {"N": 5, "increasing": True}, label="increasing"),
    )),
    _np("poly", (f32, i32), SMALL_INTS, cases=(Case((Arg((4,)),), {}),)),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def _both(f):
    """``f`` applied to zenax.numpy and to jax.numpy."""
    return f(znp), f(jnp)


P = np.array([2, -5, 3, -1], np.int32)
X = np.array([1.5, -2.0, 3.0], np.float32)


@pytest.mark.parametrize("case", [
    lambda m: m.polyval(m.asarray(P), 3),                    # ints stay ints
    lambda m: m.polyval(m.asarray(P), 3.0),                  # a float x promotes
    lambda m: m.polyval(m.asarray(P), m.asarray(X), unroll=1),
    lambda m: m.polyval(m.zeros((0,)), m.asarray(X)),        # the empty polynomial is 0
    lambda m: m.polyval(m.asarray(2.0)[None], 3.0),          # weak p: a strong result
    lambda m: m.polyadd(m.array([[2, 3, 1]]), m.array([[5, 7, 3], [8, 2, 6]])),
    lambda m: m.polyadd(m.array([1, 2]), m.array([1.5])),
    lambda m: m.polysub(m.array([[5, 7, 9], [8, 6, 4]]), m.array([2])),
    lambda m: m.polymul(np.array([2, 1, 0]), np.array([0, 5, 0, 3])),
    lambda m: m.polymul(np.array([2, 1, 0]), np.array([0, 5, 0, 3]), trim_leading_zeros=True),
    lambda m: m.polymul(np.array([2., 1 + 2j, 1 - 2j]), np.array([0, 5, 0, 3])),
    lambda m: m.polymul(m.zeros((0,)), m.array([1., 2.])),
    lambda m: m.polymul(m.zeros(3), m.array([0., 2.]), trim_leading_zeros=True),
    lambda m: m.polydiv(m.array([5, 7, 9]), m.array([4, 1])),
    lambda m: m.polydiv(m.array([5, 7, 9]), m.array([4, 1]), trim_leading_zeros=True),
    lambda m: m.polydiv(m.array([1., 2.]), m.array([1., 2., 3.])),   # deg u < deg v
    lambda m: m.polydiv(m.array([1., 2.]), m.array([0., 1.])),       # inf and nan as JAX
    lambda m: m.polyder(m.asarray(P), 0),
    lambda m: m.polyder(m.asarray(P), 7),                    # beyond the degree: empty
    lambda m: m.polyder(m.arange(12, dtype=m.bfloat16), 3),
    lambda m: m.polyint(m.asarray(P), 0),
    lambda m: m.polyint(m.asarray(P), k=4),
    lambda m: m.polyint(m.asarray(P), 3, m.array([4., 5., 6.])),
    lambda m: m.polyint(m.asarray(P), 2, m.array([4.])),     # one constant for all
    lambda m: m.vander(m.asarray(X), 0),
    lambda m: m.vander(m.array([1 + 1j, 2.]), increasing=True),
    lambda m: m.poly(1),                                     # a scalar is one root
    lambda m: m.poly(m.array([2, 1 + 2j, 1 - 2j])),
    lambda m: m.poly(m.zeros((0,))),                         # 0-d one
    lambda m: m.poly(m.array([1., 2.], m.float16)),
], ids=lambda c: "")
def test_keywords_and_dtypes_match_jax(case):
    assert_same(*_both(case))


@pytest.mark.parametrize("a", [
    np.array([[2, 1, 5], [3, 4, 7], [1, 3, 5]], np.int32),
    np.random.RandomState(0).randn(12, 12).astype(np.float32),
    (np.random.RandomState(1).randn(4, 4) + 1j * np.random.RandomState(2).randn(4, 4)
     ).astype(np.complex64),
    np.triu(np.ones((4, 4), np.float32)),     # already Hessenberg: reflections skipped
    np.zeros((3, 3), np.float32),
], ids=["ints", "random12", "complex", "triangular", "zeros"])
def test_poly_of_a_square_matrix_is_its_characteristic_polynomial(a):
    # JAX multiplies out eigenvalues, zenax uses a Hessenberg recurrence: equal to rounding.
    actual, expected = _both(lambda m: m.poly(m.asarray(a)))
    assert_same(actual, expected, rtol=1e-5, atol=2e-5 * float(np.abs(expected).max()))


def test_poly_of_a_matrix_has_jax_derivatives():
    a = np.random.RandomState(3).randn(4, 4).astype(np.float32)
    f = lambda m: lambda a: m.real(m.poly(a)).sum()     # noqa: E731
    grad = zenax.jit(zenax.grad(f(znp)))
    assert_same(grad(a), jax.jit(jax.grad(f(jnp)))(a), rtol=1e-4, atol=1e-4)
    assert not np.isnan(grad(np.zeros((4, 4), np.float32))).any()


def test_poly_of_a_matrix_under_jit_and_vmap():
    a = np.random.RandomState(5).randn(3, 3, 3).astype(np.float32)
    assert_same(zenax.vmap(zenax.jit(znp.poly))(a), jax.vmap(jnp.poly)(a), rtol=1e-5,
                atol=1e-4)


def test_x64_dtypes_match_jax(x64):
    assert_same(*_both(lambda m: (m.poly(m.array([1, 2])), m.polyder(m.array([1, 2, 3])),
                                  m.vander(m.array([1, 2])))))
    actual, expected = _both(lambda m: m.poly(m.array([[1., 2.], [3., 4.]])))
    assert_same(actual, expected, rtol=1e-12, atol=1e-12)


def test_trimming_needs_concrete_values():
    u, v = np.array([0., 1., 2.], np.float32), np.array([1., 1.], np.float32)
    for fun in (znp.polymul, znp.polydiv):
        with pytest.raises(jax.errors.ConcretizationTypeError):
            jax.jit(lambda u, v, f=getattr(jnp, fun.__name__): f(u, v, trim_leading_zeros=True)
                    )(u, v)
        with pytest.raises(ConcretizationTypeError, match=fun.__name__):
            zenax.jit(lambda u, v: fun(u, v, trim_leading_zeros=True))(u, v)
        assert_same(zenax.jit(fun)(u, v), jax.jit(getattr(jnp, fun.__name__))(u, v))


def test_order_must_be_static():
    p = np.array([1., 2., 3.], np.float32)
    for name in ("polyder", "polyint"):
        with pytest.raises(ConcretizationTypeError, match=name):
            zenax.jit(lambda p, m: getattr(znp, name)(p, m))(p, 1)


BAD_CALLS = [
    ("polyval", (np.float32(2.0), 3.0), {}),                 # a 0-d polynomial
    ("polyval", ([1, 2], 3.0), {}),
    ("polyadd", (np.array([1, 3, 5]), np.array([[5, 7, 9], [8, 6, 4]])), {}),
    ("polyadd", (np.array(1.), np.array([1., 2.])), {}),
    ("polyadd", (np.array([True]), np.array([True])), {}),
    ("polysub", (np.array([True]), np.array([True])), {}),
    ("polymul", (np.ones((2, 2)), np.array([1., 2.])), {}),
    ("polymul", (np.array(1.), np.array([1., 2.])), {}),
    ("polydiv", (np.array([1., 2.]), np.zeros((0,))), {}),
    ("polydiv", (np.array(1.), np.array([1., 2.])), {}),
    ("polyder", (np.array([1., 2.]), -1), {}),
    ("polyder", (np.array(1.),), {}),
    ("polyint", (np.array([1., 2.]), -1), {}),
    ("polyint", (np.array([1., 2.]), 2), {"k": np.array([1., 2., 3.])}),
    ("polyint", (np.ones((2, 2)),), {}),
    ("poly", (np.zeros((2, 3)),), {}),
    ("poly", (np.zeros((0, 0)),), {}),
    ("poly", (np.zeros((2, 2, 2)),), {}),
    ("vander", (np.ones((2, 2)),), {}),
    ("vander", (np.ones(2), -1), {}),
    ("vander", (np.array([True, False]),), {}),
    ("vander", ([1, 2],), {}),
]


@pytest.mark.parametrize("name,args,kwargs", BAD_CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_CALLS)])
def test_bad_input_raises_the_jax_kind(name, args, kwargs):
    with pytest.raises(Exception) as expected:
        getattr(jnp, name)(*args, **kwargs)
    with pytest.raises(expected.type) as actual:
        getattr(znp, name)(*args, **kwargs)
    if expected.type in (TypeError, ValueError, IndexError) and "accept dtype" not in str(
            actual.value):
        assert name in str(actual.value) or "broadcast" in str(actual.value) \
            or "concatenate" in str(actual.value)


def test_docstring_examples():
    assert doctest.testmod(polynomials, extraglobs={"jnp": znp}).failed == 0


EAGER_CALLS = [
    ("polyval", (P, X), {"unroll": 4}), ("polyadd", (P, X), {}), ("polysub", (X, P), {}),
    ("polyder", (X, 2), {}), ("polyint", (X,), {"m": 2}), ("vander", (X,), {"N": 4}),
    ("poly", (X,), {}), ("poly", (np.eye(3, dtype=np.float32),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", EAGER_CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(EAGER_CALLS)])
def test_eager_calls_run_compiled(name, args, kwargs):
    """On concrete arrays each function runs as one executable, never falling back."""
    assert_runs_compiled(getattr(znp, name), getattr(jnp, name), *args, **kwargs)
