"""zenax.numpy's floating-point and integer functions (lax/jnp/floating_point.py) against
jax.numpy: the spec rows (eager, jit, jvp/vjp, vmap), then what rows cannot say --
special values (zeros, infinities, NaNs, overflowing exponents), weak types, every
keyword of ``geomspace``, the gufunc broadcasting of ``matvec``/``vecmat``, the Python
predicates ``isscalar``/``iterable``, derivatives against JAX and finite differences,
NumPy where JAX tests against it, the docstring examples, and errors.
"""
import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax import eager
from zenax.lax.jnp import floating_point
from zenax.test_util import check_grads
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import spec_tests
from jnp_spec_table import _cases, _np, _wrapped
from oracle import assert_same
from spec import AWAY_FROM_INT, POSITIVE, Arg, Case, Domain, bf16, f16, f32, i32, u8

BINARY = _cases(((2, 3), (2, 3)), ((2, 3), (3,)), ((), (2, 3)))
INTEGERS = Domain(-20.0, 20.0)
EXPONENTS = Domain(-4.0, 4.0)


def _geomspace(m):
    return lambda start, stop, **params: m.geomspace(start, stop, **params)


SPECS = [
    _np("frexp", (f32, bf16, f16)),
    _np("ldexp", (f32, bf16, f16), cases=(
        Case((Arg((2, 3)), Arg((2, 3), i32, EXPONENTS))),
        Case((Arg((2, 3)), Arg((3,), i32, EXPONENTS)), label="broadcast"),
    )),
    _np("modf", (f32, bf16), AWAY_FROM_INT),
    _np("nextafter", (f32, bf16, f16), cases=BINARY, differentiable=False),
    _np("spacing", (f32, bf16, f16), differentiable=False),
    _np("gcd", (i32, u8), INTEGERS, cases=BINARY, differentiable=False),
    _np("lcm", (i32,), INTEGERS, cases=BINARY[:2], differentiable=False),
    _wrapped("geomspace", _geomspace, (
        Case((Arg(()), Arg(())), {"num": 5}),
        Case((Arg((2,)), Arg((2,))), {"num": 4, "endpoint": False, "axis": 1}, label="axis"),
    ), (f32,), POSITIVE, differentiable=True),
    _np("matvec", (f32, i32), cases=_cases(((2, 3), (3,)), ((4, 1, 2, 3), (5, 3)))),
    _np("vecmat", (f32, i32), cases=_cases(((3,), (3, 2)), ((5, 3), (4, 1, 3, 2)))),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def both(name, *args, **kwargs):
    return getattr(znp, name)(*args, **kwargs), getattr(jnp, name)(*args, **kwargs)


# The special values of float32, and arrays of them in float16 and bfloat16.
SPECIAL = np.array([0., -0., np.inf, -np.inf, np.nan, 1.5, -3.25, 1e30, 7e-38, 65504.],
                   np.float32)


# ## Values and weak types

@pytest.mark.parametrize("dtype", [np.float32, np.float16, jnp.bfloat16])
@pytest.mark.parametrize("name", ["frexp", "modf", "spacing"])
def test_special_values_like_jax(name, dtype):
    with np.errstate(over="ignore"):            # 1e30 is inf in float16
        x = jnp.asarray(SPECIAL.astype(dtype))  # a jax.Array: the compiled eager path
    assert_same(*both(name, x), rtol=0, atol=0)


def test_ldexp_special_values_and_extreme_exponents():
    # Results that underflow, overflow, or come back in range only because x is tiny.
    x = jnp.asarray(np.array([1e-38, 1.5, 0., -np.inf, 3., np.nan, -1e-30, 0.75],
                             np.float32))
    e = jnp.asarray(np.array([200, -3, 5, 1, 127, 2, 100, 128], np.int32))
    assert_same(*both("ldexp", x, e), rtol=0, atol=0)
    assert_same(*both("ldexp", x[:, None], jnp.array([-150, -149, 0, 129])), rtol=0, atol=0)


@pytest.mark.parametrize("args", [
    ("frexp", 2.0), ("frexp", 3), ("frexp", True), ("modf", 4.8), ("modf", 3),
    ("ldexp", 2.0, 3), ("ldexp", 3, 2), ("ldexp", 1.0, True),
    ("ldexp", np.float16(2), np.int8(3)), ("nextafter", 1, 2), ("nextafter", 1.0, 2.0),
    ("nextafter", np.float16(1), 2), ("spacing", 1.0), ("spacing", 3),
    ("gcd", 12, 18), ("gcd", np.int8(12), np.uint8(18)), ("gcd", np.uint32(12), 8),
    ("lcm", 12, 18), ("lcm", np.int16(3), 5),
], ids=lambda a: "-".join(map(str, a)))
def test_scalars_dtypes_and_weak_types_like_jax(args):
    name, *operands = args
    assert_same(*both(name, *operands))


def test_gcd_lcm_signs_zeros_and_broadcasting():
    a = np.array([12, -18, 0, 7, -5], np.int32)
    b = np.array([[-8], [0], [35]], np.int32)
    for name in ("gcd", "lcm"):
        assert_same(*both(name, a, b))
        np.testing.assert_array_equal(getattr(znp, name)(a, b), getattr(np, name)(a, b))


def test_frexp_and_ldexp_match_numpy():
    x = np.array([0.1, -7.5, 1e20, 3e-30, 0.], np.float32)
    m, e = znp.frexp(x)
    np_m, np_e = np.frexp(x)
    np.testing.assert_array_equal(m, np_m)
    np.testing.assert_array_equal(e, np_e)
    np.testing.assert_array_equal(znp.ldexp(m, e), x)


@pytest.mark.parametrize("kwargs", [
    dict(start=1, stop=16, num=5), dict(start=-1, stop=-16, num=5),
    dict(start=1.0, stop=1000.0, num=4, dtype=jnp.int32),
    dict(start=1, stop=16, num=3, dtype=jnp.bfloat16),
    dict(start=np.float16(1), stop=16, num=5),
    dict(start=2.0, stop=8.0, num=3, endpoint=False),
    dict(start=1, stop=2, num=0), dict(start=1, stop=2, num=1), dict(start=0.0, stop=2.0),
    dict(start=np.array([1., 2.]), stop=np.array([4., 8.]), num=3, axis=1),
    dict(start=np.array([1, 1000]), stop=np.array([27, 1]), num=4),
    dict(start=np.ones((2, 3)), stop=8.0, num=4, axis=-1),
    dict(start=np.ones((2, 3)), stop=np.array([2., 4., 8.]), num=4, axis=1),
], ids=lambda k: "-".join(f"{n}={v}" for n, v in k.items() if np.ndim(v) == 0))
def test_geomspace_keywords_like_jax(kwargs):
    assert_same(znp.geomspace(**kwargs), jnp.geomspace(**kwargs))


@pytest.mark.parametrize("name,shapes", [
    ("matvec", ((2, 3), (3,))), ("matvec", ((3, 2, 4), (4,))), ("matvec", ((2, 4), (3, 4))),
    ("matvec", ((4, 1, 2, 3), (5, 3))), ("vecmat", ((3,), (3, 2))),
    ("vecmat", ((2, 3), (3, 4))), ("vecmat", ((5, 3), (4, 1, 3, 2))),
], ids=str)
def test_matvec_vecmat_shapes_like_jax(name, shapes):
    rng = np.random.RandomState(0)
    x1, x2 = (rng.randn(*s).astype(np.float32) for s in shapes)
    assert_same(*both(name, x1, x2))


def test_matvec_vecmat_mixed_dtypes_and_complex_like_jax():
    assert_same(*both("matvec", np.ones((2, 3), np.int8), np.ones(3, np.float16)))
    z = np.array([1 + 1j, 2 - 3j], np.complex64)
    a = np.array([[1, 2j], [3, 4]], np.complex64)
    assert_same(*both("vecmat", z, a))            # conjugates its first operand
    assert_same(*both("matvec", a, z))


@pytest.mark.parametrize("value", [
    1.0, 1 + 1j, 3, True, np.int32(1), np.float32(2), np.array(1.0), np.array([1]),
    jnp.array(1), jnp.array([1]), None, [1], (), slice(10), "abc", {1: 2}, range(3),
], ids=repr)
def test_isscalar_and_iterable_like_jax(value):
    assert znp.isscalar(value) is jnp.isscalar(value)
    assert znp.iterable(value) is jnp.iterable(value)


def test_isscalar_of_traced_values():
    assert zenax.jit(lambda x: znp.asarray(znp.isscalar(x)))(1.0)
    assert not zenax.jit(lambda x: znp.asarray(znp.isscalar(x)))(jnp.ones(2))
    out = zenax.vmap(lambda x: znp.asarray(znp.isscalar(x)))(jnp.ones((3, 2)))
    np.testing.assert_array_equal(out, [False] * 3)


# ## Derivatives

def test_frexp_mantissa_derivative_like_jax():
    x = np.array([0.3, -5.0, 1024.0, 3.5], np.float32)
    t = np.ones_like(x)
    assert_same(zenax.jvp(znp.frexp, (x,), (t,)), jax.jvp(jnp.frexp, (x,), (t,)))
    grad = zenax.grad(lambda x: znp.sum(znp.frexp(x)[0]))(x)
    assert_same(grad, jax.grad(lambda x: jnp.sum(jnp.frexp(x)[0]))(x))


@pytest.mark.parametrize("exponent", [3, -2, np.array([0, 5, -5, 100])])
def test_ldexp_derivative_is_two_to_the_exponent(exponent):
    x = np.array([0.3, -5.0, 1e-20, 7.0], np.float32)
    zf = lambda x: znp.sum(znp.ldexp(x, exponent))
    jf = lambda x: jnp.sum(jnp.ldexp(x, exponent))
    assert_same(zenax.grad(zf)(x), jax.grad(jf)(x))


def test_geomspace_and_modf_second_order_finite_differences(x64):
    check_grads(lambda a, b: znp.geomspace(a, b, 5), (np.float64(2.0), np.float64(50.0)),
                order=2, modes=("fwd", "rev"))
    check_grads(lambda x: znp.modf(x)[0] * x, (np.array([1.3, -2.7]),), order=2,
                modes=("fwd", "rev"))


def test_vmap_of_gcd_runs_until_every_lane_is_done():
    a = np.array([[1071, 5, 0], [2 ** 20, 3, 7]], np.int32)
    b = np.array([[462, 0, 0], [2 ** 19 * 3, 9, 7]], np.int32)
    assert_same(zenax.vmap(znp.gcd)(a, b), jax.vmap(jnp.gcd)(a, b))
    assert_same(zenax.vmap(znp.lcm, in_axes=(1, None))(a, b[:, 0]),
                jax.vmap(jnp.lcm, in_axes=(1, None))(a, b[:, 0]))


# ## Eager calls run compiled

def test_eager_calls_take_the_compiled_path():
    x = jnp.array([1.5, -2.0, 3.0])
    i = jnp.array([4, 6, 9])
    before = dict(eager.fallbacks)
    calls = [(znp.frexp, (x,)), (znp.ldexp, (x, i)), (znp.modf, (x,)),
             (znp.nextafter, (x, x)), (znp.spacing, (x,)), (znp.gcd, (i, i)),
             (znp.lcm, (i, i)), (znp.matvec, (x[None], x)), (znp.vecmat, (x, x[:, None]))]
    for fun, args in calls:
        fun(*args)
        assert hasattr(fun, "eager_compiled"), fun.__name__
    znp.geomspace(x + 4, x + 8, 5, endpoint=False, dtype=znp.float32, axis=1)
    assert eager.fallbacks == before


# ## Errors

@pytest.mark.parametrize("name,args,kind", [
    ("gcd", (np.float32(1), 2), ValueError),
    ("gcd", (True, False), ValueError),
    ("lcm", (np.array([1.5]), 2), ValueError),
    ("ldexp", (1.0, 2.0), ValueError),
    ("ldexp", (np.complex64(1j), 2), ValueError),
    ("frexp", (np.complex64(1j),), TypeError),
    ("spacing", (np.complex64(1j),), ValueError),
    ("nextafter", (np.complex64(1j), np.complex64(1j)), TypeError),
    ("frexp", ([1.0],), TypeError),
    ("gcd", ([1], 2), TypeError),
    ("matvec", (np.ones(3), np.ones(3)), ValueError),
    ("matvec", (np.ones((2, 3)), np.ones(4)), ValueError),
    ("matvec", (np.ones((2, 2, 3)), np.ones((3, 3))), ValueError),
    ("vecmat", (np.ones(()), np.ones((3, 2))), ValueError),
    ("vecmat", (np.ones(4), np.ones((3, 2))), ValueError),
    ("geomspace", (1, 2, 3, True, None, 2), ValueError),
], ids=lambda v: v if isinstance(v, str) else None)
def test_errors_like_jax(name, args, kind):
    with pytest.raises(kind):
        getattr(jnp, name)(*args)
    with pytest.raises(kind, match=name):
        getattr(znp, name)(*args)


def test_geomspace_num_must_be_static():
    with pytest.raises(ConcretizationTypeError, match="geomspace"):
        zenax.jit(lambda n: znp.geomspace(1.0, 2.0, n))(3)


def test_docstring_examples():
    result = doctest.testmod(floating_point, extraglobs={"jnp": znp},
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted and not result.failed
