"""zenax.numpy's signal functions -- convolve, correlate, interp, gradient, trapezoid,
unwrap -- against jax.numpy (and NumPy, as JAX's own tests check them):

* the spec rows: eager, jit, jvp/vjp and vmap against JAX, per mode and spacing form;
* every keyword against JAX: modes, precision, preferred_element_type, complex inputs
  (JAX's conjugation and swap), interp's left/right/'extrapolate'/period, gradient's
  spacing forms and axes, trapezoid's x/dx/axis, unwrap's discont/axis/period on ints;
* values against NumPy;
* the compiled eager path, and bad input (JAX's exception kinds, messages naming the
  function).
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp

from jnp_spec_checks import assert_runs_compiled, spec_tests
from jnp_spec_table import _cases, _np
from oracle import assert_same
from spec import Arg, Case, Domain, c64, f32

rng = np.random.RandomState(0)


class Increasing(Domain):
    """Sample points: sorted along the last axis (and so distinct, almost surely)."""

    def sample(self, rng, shape, dtype):
        return np.sort(super().sample(rng, shape, dtype), axis=-1)


COORDS = Increasing(-2.0, 4.0)
PHASES = Domain(-8.0, 8.0)      # jumps of more than pi between neighbours, to unwrap


# Every mode, and the swap of a shorter first input (the keyword tests cover the rest).
CONV_CASES = tuple(Case((Arg((7,)), Arg((3,))), {"mode": mode}, label=mode)
                   for mode in ("full", "same", "valid")) + (
    Case((Arg((2,)), Arg((5,))), {"mode": "same"}, label="swapped"),)

SPECS = [
    _np("convolve", (f32, c64), cases=CONV_CASES),
    _np("correlate", (f32, c64), cases=CONV_CASES),
    _np("interp", (f32,), cases=(
        Case((Arg((9,)), Arg((6,), domain=COORDS), Arg((6,)))),
        Case((Arg((2, 4)), Arg((5,), domain=COORDS), Arg((5,))),
             {"left": "extrapolate", "right": "extrapolate"}, label="extrapolate"),
        Case((Arg((7,)), Arg((5,), domain=COORDS), Arg((5,))), {"period": 2.5},
             label="period"),
    ), domains=Domain(-3.0, 5.0)),
    _np("gradient", (f32,), cases=(
        Case((Arg((4, 5)),)),
        Case((Arg((6,)), Arg((), domain=Domain(0.5, 2.0))), label="step"),
        Case((Arg((3, 5)), Arg((5,), domain=COORDS)), {"axis": 1}, label="coords"),
    )),
    _np("trapezoid", (f32,), cases=(
        Case((Arg((3, 5)),)),
        Case((Arg((3, 5)), Arg((5,), domain=COORDS)), label="x"),
        Case((Arg((4, 3)),), {"dx": 0.5, "axis": 0}, label="dx"),
    )),
    _np("unwrap", (f32,), PHASES, cases=_cases(((3, 8),))
        + _cases(((8, 2),), params={"axis": 0, "period": 5.0}, label="period")),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def both(name, *args, **kwargs):
    """zenax's and JAX's ``name(*args, **kwargs)``, NumPy operands given as ``jax.Array``s
    (so that zenax, like JAX, runs one compiled executable per call, where it can)."""
    args = [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    return getattr(znp, name)(*args, **kwargs), getattr(jnp, name)(*args, **kwargs)


def same(name, *args, **kwargs):
    assert_same(*both(name, *args, **kwargs))


# ## convolve and correlate

A = rng.randn(7).astype(np.float32)
V = rng.randn(3).astype(np.float32)
AI, VI = np.array([1, 2, 3, 2, 1], np.int32), np.array([4, 1, 2], np.int32)
C1 = (rng.randn(4) + 1j * rng.randn(4)).astype(np.complex64)
C2 = (rng.randn(6) + 1j * rng.randn(6)).astype(np.complex64)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolutions_like_jax_and_numpy(name, mode):
    for a, v in ((A, V), (V, A), (AI, VI), (C1, C2), (C2, C1)):
        z, j = both(name, a, v, mode)
        assert_same(z, j)
        np.testing.assert_allclose(z, getattr(np, name)(a, v, mode=mode), rtol=1e-5,
                                   atol=1e-5)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_convolution_keywords(name):
    same(name, AI, VI, preferred_element_type=jnp.int32)      # stays integer
    same(name, A, V, "same", precision="highest")     # compiled, precision static
    same(name, A, V.astype(jnp.bfloat16), precision=jax.lax.Precision.HIGHEST)
    same(name, A[:1], V[:1])                                 # both of length 1


# ## interp

X = np.linspace(-1.5, 6.5, 11, dtype=np.float32)
XP = np.array([0., 0.5, 2., 2., 3.5, 5.], np.float32)   # with a repeated point
FP = rng.randn(6).astype(np.float32)


@pytest.mark.parametrize("kwargs", [
    {}, {"left": -5.0, "right": np.float32(7)}, {"left": "extrapolate"},
    {"right": "extrapolate"}, {"left": jnp.float32(1), "right": "extrapolate"},
    {"period": 2.5}, {"period": -2.5, "left": 100.0},
], ids=str)
def test_interp_keywords_like_jax(kwargs):
    z, j = both("interp", X, XP, FP, **kwargs)
    assert_same(z, j)
    # (NumPy's periodic interpolation treats the points equal modulo the period differently)
    if not any(isinstance(v, str) for v in kwargs.values()) and "period" not in kwargs:
        expected = np.interp(X, XP, FP, **{k: np.asarray(v) for k, v in kwargs.items()})
        np.testing.assert_allclose(z, expected, rtol=1e-5, atol=1e-5)


def test_interp_dtypes_and_shapes_like_jax():
    same("interp", np.arange(4), np.arange(3), np.arange(3) * 2)    # ints become floats
    same("interp", 2.5, XP, FP)                                     # a scalar x
    # fp's own dtype; compiled, as JAX's is: XLA then keeps bfloat16 differences unrounded
    same("interp", X.reshape(1, 11), XP, FP.astype(jnp.bfloat16))
    same("interp", X, XP, FP.astype(np.complex64))                  # complex fp


def test_interp_derivative_at_repeated_points_is_finite():
    """Where two sample points coincide the slope is not 0/0 (as in JAX)."""
    f = lambda fp, xp: znp.interp(jnp.array([2., 1.]), xp, fp).sum()   # noqa: E731
    jf = lambda fp, xp: jnp.interp(jnp.array([2., 1.]), xp, fp).sum()  # noqa: E731
    assert_same(zenax.grad(f, argnums=(0, 1))(FP, XP), jax.grad(jf, argnums=(0, 1))(FP, XP))


# ## gradient

F = rng.randn(4, 5).astype(np.float32)
H5 = np.sort(rng.rand(5)).astype(np.float32)
H4 = np.sort(rng.rand(4)).astype(np.float32)


@pytest.mark.parametrize("args,kwargs", [
    ((), {}), ((2.0,), {}), ((2.0, 3.0), {}), ((), {"axis": 1}), ((), {"axis": -2}),
    ((H5,), {"axis": -1}), ((H4, 0.5), {}), ((0.5, H5), {"axis": (0, 1)}),
    ((), {"axis": ()}),
], ids=str)
def test_gradient_like_jax_and_numpy(args, kwargs):
    z, j = both("gradient", F, *args, **kwargs)
    assert_same(z, j)
    np.testing.assert_allclose(np.asarray(z), np.asarray(np.gradient(F, *args, **kwargs)),
                               rtol=1e-4, atol=1e-5)


def test_gradient_edge_order_1_is_the_default():
    """JAX rejects every ``edge_order``; zenax accepts 1, which is what both compute."""
    assert_same(znp.gradient(F, 2.0, edge_order=1), jnp.gradient(F, 2.0))


def test_gradient_dtypes_like_jax():
    same("gradient", np.arange(5) ** 2)                       # ints become floats
    same("gradient", F.astype(jnp.bfloat16), 2.0)
    same("gradient", F[0], np.arange(5))                      # integer coordinates


# ## trapezoid

@pytest.mark.parametrize("args,kwargs", [
    ((), {}), ((), {"dx": 0.25}), ((), {"axis": 0}), ((H5,), {}), ((H4,), {"axis": 0}),
    ((np.sort(rng.rand(4, 5), axis=0).astype(np.float32),), {"axis": 0}),
    ((), {"dx": 2}),
], ids=str)
def test_trapezoid_like_jax_and_numpy(args, kwargs):
    z, j = both("trapezoid", F, *args, **kwargs)
    assert_same(z, j)
    np.testing.assert_allclose(z, np.trapezoid(F, *args, **kwargs), rtol=1e-5, atol=1e-5)


def test_trapezoid_dtypes_and_constant_steps_like_jax():
    same("trapezoid", np.arange(6))                           # ints become floats
    same("trapezoid", F[:2], np.array([1., 3.], np.float32), axis=0)   # one step
    same("trapezoid", F, dx=np.float32(0.5))
    same("trapezoid", F.astype(jnp.bfloat16), H5)


# ## unwrap

P = np.cumsum(rng.uniform(-3, 3, (3, 9)), axis=1).astype(np.float32)


@pytest.mark.parametrize("kwargs", [
    {}, {"axis": 0}, {"discont": 1.0}, {"discont": 5.0}, {"period": 4.0},
    {"period": 360.0, "discont": 90.0},
], ids=str)
def test_unwrap_like_jax_and_numpy(kwargs):
    wrapped = np.mod(P * 3, kwargs.get("period", 2 * np.pi)).astype(np.float32)
    z, j = both("unwrap", wrapped, **kwargs)
    assert_same(z, j)
    np.testing.assert_allclose(z, np.unwrap(wrapped, **kwargs), rtol=1e-5, atol=1e-4)


def test_unwrap_integers_and_edges_like_jax():
    degrees = np.array([0, 90, 180, -90, 0, 170, -170], np.int32)
    same("unwrap", degrees, period=360)                       # integer period: stays int
    same("unwrap", degrees)                                   # float period: floats
    same("unwrap", np.array([0, 3, 6, 2, 5, 1, 4], np.int32), period=4)   # steps of +half
    same("unwrap", np.zeros((2, 0), np.float32))              # nothing to unwrap


# ## compiled when eager

@pytest.mark.parametrize("name,args", [
    ("convolve", (A, V)), ("correlate", (A, V, "same")), ("interp", (X, XP, FP)),
    ("gradient", (F,)), ("trapezoid", (F, F)), ("unwrap", (P,)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_eager_calls_run_compiled(name, args):
    assert_runs_compiled(getattr(znp, name), getattr(jnp, name), *args)


# ## bad input

def _same_error(name, *args, match=None, **kwargs):
    """zenax raises the exception kind JAX raises, with a message naming the function."""
    with pytest.raises(Exception) as expected:
        getattr(jnp, name)(*args, **kwargs)
    with pytest.raises(expected.type, match=match or name):
        getattr(znp, name)(*args, **kwargs)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_convolution_errors(name):
    _same_error(name, A.reshape(7, 1), V)           # not 1-D
    _same_error(name, A[:0], V)                     # empty
    _same_error(name, A, V, mode="circular")        # unknown mode
    _same_error(name, list(A), V)                   # a list


def test_interp_errors():
    _same_error("interp", X, XP, FP[:3])                            # xp, fp disagree
    _same_error("interp", X, XP.reshape(2, 3), FP.reshape(2, 3))    # not 1-D
    _same_error("interp", X, XP, FP, left="constant")
    _same_error("interp", X.astype(np.complex64), XP, FP)
    _same_error("interp", X, XP, FP, period=np.ones(2))
    _same_error("interp", list(X), XP, FP)


def test_gradient_errors():
    _same_error("gradient", F[:1])                      # an axis of 1 sample
    _same_error("gradient", F, 1.0, 2.0, 3.0)           # 3 spacings for 2 axes
    _same_error("gradient", F, H4, axis=1)              # coordinates of the wrong length
    _same_error("gradient", F, F, axis=1)               # 2-D coordinates
    _same_error("gradient", F, axis=2)                  # no such axis
    with pytest.raises(NotImplementedError, match="gradient"):
        znp.gradient(F, edge_order=2)


def test_trapezoid_and_unwrap_errors():
    _same_error("trapezoid", F, axis=2)
    _same_error("trapezoid", [1., 2.])
    _same_error("unwrap", C1)
    _same_error("unwrap", P, axis=-3)
    _same_error("unwrap", [1., 2.])
