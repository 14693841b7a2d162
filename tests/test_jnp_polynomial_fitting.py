"""jnp.polyfit and jnp.roots (on zenax's lstsq and eigvals), and jnp.roll by a traced shift,
against jax.numpy."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp

from jnp_spec_checks import spec_tests
from jnp_spec_table import _np, _wrapped
from oracle import assert_same
from spec import Arg, Case, Domain, f32


def _polyfit(m):
    return lambda x, y, **kw: m.polyfit(x, y, **kw)


SPECS = [
    _wrapped("polyfit", _polyfit, (
        Case((Arg((6,), domain=Domain(-1.0, 1.0)), Arg((6,))), {"deg": 2}),
        Case((Arg((7,), domain=Domain(0.0, 2.0)), Arg((7, 2))), {"deg": 1}, label="2d"),
    ), (f32,), differentiable=True),
    _np("roots", (f32,), cases=(Case((Arg((4,), domain=Domain(1.0, 2.0)),),
                                     {"strip_zeros": False}),),
        differentiable=False),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def test_polyfit_options_match_jax():
    x = np.linspace(0, 1, 6).astype(np.float32)
    y = np.stack([x ** 2, x + 1], 1)
    for kw in [dict(full=True), dict(cov=True), dict(cov="unscaled"),
               dict(w=np.full(6, 2.0, np.float32))]:
        assert_same(znp.polyfit(x, y, 2, **kw), jnp.polyfit(x, y, 2, **kw),
                    tol={"float32": (1e-4, 1e-5)}, err_msg=str(kw))


def test_roots_strip_zeros_and_traced_leading_zeros():
    p = np.array([0.0, 0.0, 1.0, -3.0, 2.0], np.float32)
    assert_same(znp.roots(p), jnp.roots(p), tol={"complex64": (1e-5, 1e-5)})
    jitted = zenax.jit(lambda p: znp.roots(p, strip_zeros=False))(p)
    expected = jax.jit(lambda p: jnp.roots(p, strip_zeros=False))(p)
    assert_same(jitted, expected, tol={"complex64": (1e-5, 1e-5)})
    with pytest.raises(zenax.ConcretizationTypeError,
                       match=r"(?s)Abstract tracer value.*jnp\.roots with strip_zeros=True "
                             r"needs concrete coefficients.*Pass strip_zeros=False"):
        zenax.jit(znp.roots)(p)


def test_roll_by_a_traced_shift_matches_jax():
    x = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    for shift, axis in [(5, None), (-2, 1), (np.array([1, -3]), (0, 1))]:
        assert_same(zenax.jit(lambda x, s: znp.roll(x, s, axis))(x, shift),
                    jax.jit(lambda x, s: jnp.roll(x, s, axis))(x, shift))
    grad = zenax.grad(lambda x, s: (znp.roll(x, s, 1) * np.arange(4.0)).sum())(x, 3)
    expected = jax.grad(lambda x, s: (jnp.roll(x, s, 1) * np.arange(4.0)).sum())(x, 3)
    assert_same(grad, expected)


@pytest.mark.parametrize("call,error", [
    (lambda m: m.polyfit(np.ones(3), np.ones(3), -1), ValueError),
    (lambda m: m.polyfit(np.ones((3, 1)), np.ones(3), 1), TypeError),
    (lambda m: m.polyfit(np.ones(3), np.ones(4), 1), TypeError),
    (lambda m: m.roots(np.ones((2, 2))), ValueError),
])
def test_bad_input_raises_as_jax(call, error):
    with pytest.raises(error):
        call(jnp)
    with pytest.raises(error, match="polyfit|roots"):
        call(znp)
