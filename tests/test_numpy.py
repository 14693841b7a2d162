"""zenax.numpy against jax.numpy (the oracle): values, dtypes, shapes and weak types, both
eagerly and through ``make_jaxpr`` + ``eval_jaxpr``; jaxpr structure for common cases;
errors; the array surface of tracers.

Every case runs the same expression with ``m = zenax.numpy`` and ``m = jax.numpy``.  When
JAX rejects an input (say ``jnp.negative`` of a bool), zenax must reject it too.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp_ref
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import lax

from oracle import assert_same, raises_like_jax

RNG = np.random.default_rng(0)
BF16 = jnp_ref.bfloat16


# --------------------------------------------------------------------------- inputs

def make(shape, dtype, domain="any"):
    """A deterministic test array (or Python scalar when ``dtype`` is a Python type)."""
    if dtype in (float, int, bool):
        value = {float: 1.75, int: 3, bool: True}[dtype]
        return -value if domain == "any" and dtype is not bool else value
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return RNG.integers(0, 2, shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        # Nonzero, so integer division and remainder are defined.
        magnitude = RNG.integers(1, 5, shape)
        sign = 1 if domain != "any" or np.issubdtype(dtype, np.unsignedinteger) else \
            RNG.choice([-1, 1], shape)
        return (magnitude * sign).astype(dtype)
    x = RNG.standard_normal(shape) * 2
    if domain == "pos":
        x = np.abs(x) + 0.5
    elif domain == "unit":
        x = np.tanh(x) * 0.9
    elif domain == "ge1":
        x = np.abs(x) + 1.0
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * RNG.standard_normal(shape)
    return np.asarray(x).astype(dtype)


# (rtol, atol) per dtype for the oracle; integers and bools compare exactly.
TOL = {"bfloat16": (2e-2, 2e-2), "float16": (2e-2, 2e-2), "float32": (2e-5, 2e-5),
       "float64": (2e-5, 2e-5), "complex64": (2e-5, 2e-5), "complex128": (2e-5, 2e-5)}


# --------------------------------------------------------------------------- comparison

def _weak(x) -> bool:
    return bool(getattr(x, "weak_type", False))


def _probe_eager_weak_convert() -> bool:
    """Whether the eager lowering of convert_element_type keeps weak types.

    ``lax._convert_element_type(x, f32, weak_type=True)`` lowers to
    ``jax.lax.convert_element_type``, which drops the weak flag, so eager results of e.g.
    ``int_array * 2.0`` are strongly typed while JAX's (and our traced avals) are weak.
    Once the core lowering passes ``weak_type`` on, this probe flips and the eager
    weak-type checks below become exact.
    """
    out = lax._convert_element_type(jnp_ref.ones(2, np.int32), np.float32, weak_type=True)
    return _weak(out)


EAGER_WEAK_CONVERT = _probe_eager_weak_convert()


def bools_without_weak_type(tree):
    """``tree`` with its bool leaves as NumPy arrays, which have no weak type: zenax.lax
    comparisons never return weak bools (JAX's do for all-weak inputs), and a weak bool
    promotes exactly like a strong one, so only other dtypes' weak types are compared."""
    return jax.tree_util.tree_map(
        lambda x: np.asarray(x) if np.dtype(x.dtype) == np.bool_ else x, tree)


def _raises(fun, *args):
    try:
        fun(*args)
    except (TypeError, ValueError, IndexError, OverflowError, NotImplementedError) as e:
        return e
    return None


def check(expr, *args, check_traced_weak: bool = True):
    """Run ``expr(m, *args)`` with zenax.numpy and jax.numpy and compare everything."""
    z_fun = functools.partial(expr, jnp)
    j_fun = functools.partial(expr, jnp_ref)
    j_error = _raises(j_fun, *args)
    if j_error is not None:
        z_error = _raises(z_fun, *args)
        assert z_error is not None, f"JAX raised {j_error!r}, zenax did not"
        return
    want = j_fun(*args)

    # Eager.
    got = z_fun(*args)
    for leaf in jax.tree_util.tree_leaves(got):
        assert isinstance(leaf, jax.Array), f"eager result {type(leaf)} is not a jax.Array"
    assert_same(bools_without_weak_type(got), bools_without_weak_type(want), tol=TOL,
                check_weak_type=EAGER_WEAK_CONVERT, err_msg="eager")

    # Traced: the jaxpr's types are ours, its evaluation must give JAX's values.
    closed = zenax.make_jaxpr(z_fun)(*args)
    zenax.typecheck_jaxpr(closed)
    want_leaves = jax.tree_util.tree_leaves(want)
    assert len(closed.out_avals) == len(want_leaves)
    for aval, w in zip(closed.out_avals, want_leaves):
        assert aval.shape == np.shape(w), f"traced shape {aval.shape} != {np.shape(w)}"
        assert aval.dtype == np.dtype(w.dtype), f"traced dtype {aval.dtype} != {w.dtype}"
        if check_traced_weak and np.dtype(w.dtype) != np.bool_:
            assert aval.weak_type == _weak(w), f"weak_type {aval.weak_type} != {_weak(w)}"
    flat_args = jax.tree_util.tree_leaves(args)
    outs = zenax.eval_jaxpr(closed.jaxpr, closed.consts, *flat_args)
    outs = [jnp_ref.asarray(x) for x in outs]   # an argument returned as is may be a scalar
    assert_same(outs, want_leaves, tol=TOL, check_weak_type=False, err_msg="eval_jaxpr")


# --------------------------------------------------------------------------- elementwise

UNARY = {
    # name: domain of the test values
    "abs": "any", "negative": "any", "positive": "any", "sign": "any",
    "square": "any", "sqrt": "pos", "cbrt": "any", "reciprocal": "pos", "exp": "any",
    "exp2": "any", "expm1": "any", "log": "pos", "log2": "pos", "log10": "pos",
    "log1p": "pos", "sin": "any", "cos": "any", "tan": "unit", "arcsin": "unit",
    "arccos": "unit", "arctan": "any", "sinh": "any", "cosh": "any", "tanh": "any",
    "arcsinh": "any", "arccosh": "ge1", "arctanh": "unit", "deg2rad": "any",
    "rad2deg": "any", "floor": "any", "ceil": "any", "round": "any", "rint": "any",
    "trunc": "any", "fix": "any",
    "fabs": "any", "sinc": "any", "signbit": "any", "isnan": "any", "isinf": "any",
    "isfinite": "any", "isposinf": "any", "isneginf": "any", "logical_not": "any",
    "bitwise_not": "any", "real": "any", "imag": "any", "conj": "any",
    "angle": "any", "nan_to_num": "any", "isreal": "any",
    "iscomplex": "any",
}

# Functions whose dtype handling differs between integers, bools and floats.
DTYPE_SENSITIVE = {
    "abs", "negative", "positive", "sign", "square", "sqrt", "reciprocal", "floor", "ceil",
    "round", "rint", "trunc", "fix", "signbit", "isnan", "isinf", "isfinite", "logical_not",
    "bitwise_not", "real", "imag", "conj", "angle", "nan_to_num", "sin", "log2", "deg2rad",
    "sinc", "iscomplex", "cbrt",
}
BF16_SENSITIVE = {"sin", "exp", "log2", "round", "signbit", "isinf", "abs", "sinc", "sqrt",
                  "floor", "deg2rad"}


def _unary_dtypes(name):
    dtypes = [np.float32]
    if name in DTYPE_SENSITIVE:
        dtypes += [float, np.int32, np.bool_]
    if name in BF16_SENSITIVE:
        dtypes.append(BF16)
    return dtypes


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    for dtype in _unary_dtypes(name):
        x = make((2, 3), dtype, UNARY[name])
        # imag of a Python scalar is a constant 0; staging makes a returned concrete array
        # a constvar, and constvars are strongly typed (JAX returns a weak literal).
        constant_output = name == "imag" and dtype in (float, int)
        check(lambda m, x: _function(m, name)(x), x, check_traced_weak=not constant_output)


def _function(m, name):
    # jax.numpy.fix is deprecated (JAX suggests trunc); ours stays, checked against trunc.
    if m is jnp_ref and name == "fix":
        return jnp_ref.trunc
    return getattr(m, name)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3, 2)])
def test_unary_shapes(shape):
    for name in ["sin", "floor", "isnan"]:
        check(lambda m, x: getattr(m, name)(x), make(shape, np.float32))


def test_unary_specials():
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.5, -2.5], np.float32)
    for name in ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit",
                 "nan_to_num", "sinc", "sign", "round", "rint", "trunc", "fix"]:
        check(lambda m, x: _function(m, name)(x), x)
    z = make((3,), np.complex64)
    for name in ["abs", "real", "imag", "conj", "angle", "sqrt", "exp", "isfinite"]:
        check(lambda m, z: getattr(m, name)(z), z)


def test_sinc_derivatives_of_every_order_match_jax_at_and_away_from_zero():
    """sinc is 0/0 at the origin: its derivatives there come from the Maclaurin series (a
    custom jvp, as in JAX), not from the where() that guards the division."""
    f, jf = jnp.sinc, jnp_ref.sinc
    for order in range(1, 5):
        f, jf = zenax.grad(f), jax.grad(jf)
        for x in (0.0, 0.3, -1.7):
            np.testing.assert_allclose(f(x), jf(x), rtol=5e-4, atol=1e-5,
                                       err_msg=f"order {order} at {x}")
    xs = np.array([0.0, 0.5, -2.0], np.float32)
    np.testing.assert_allclose(zenax.vmap(zenax.grad(zenax.grad(jnp.sinc)))(xs),
                               jax.vmap(jax.grad(jax.grad(jnp_ref.sinc)))(xs), rtol=1e-5)


BINARY = [
    "add", "subtract", "multiply", "divide", "floor_divide", "remainder", "fmod", "power", "float_power", "maximum", "minimum", "fmax", "fmin",
    "arctan2", "hypot", "logaddexp", "logaddexp2", "copysign", "heaviside", "equal",
    "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
    "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
    "right_shift",
]

COMMON_PAIRS = [(np.float32, np.float32), (np.int32, float), (np.int32, np.int32)]
MORE_PAIRS = [(np.bool_, np.bool_), (float, int), (BF16, float), (BF16, np.float32),
              (np.int32, np.float32), (np.uint8, int)]
# Functions whose promotion or bool/int handling is special.
PAIR_SENSITIVE = {"add", "multiply", "divide", "floor_divide", "remainder", "power",
                  "maximum", "less", "equal", "logical_and", "bitwise_and", "arctan2",
                  "right_shift", "hypot"}


def _pair_id(pair):
    return "-".join(getattr(d, "__name__", str(d)) for d in pair)


@pytest.mark.parametrize("name", BINARY)
def test_binary_dtypes(name):
    domain = "pos" if name in ("power", "float_power", "left_shift", "right_shift") else "any"
    pairs = COMMON_PAIRS + (MORE_PAIRS if name in PAIR_SENSITIVE else [])
    for dtypes in pairs:
        x = make((2, 3), dtypes[0], domain)
        y = make((3,), dtypes[1], domain)
        if dtypes[1] == np.bool_ and name in DIVISIONS:
            y = np.ones_like(y)   # XLA folds 0/0 of converted bools to 0; op by op it's NaN
        check(lambda m, x, y: getattr(m, name)(x, y), x, y)


DIVISIONS = ("divide", "true_divide", "floor_divide", "mod", "remainder", "fmod")


SHAPE_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((), (2, 3)), ((2, 1), (1, 3)), ((1,), ())]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_broadcasting(shapes):
    for name in ["add", "power", "less", "arctan2", "logical_and"]:
        domain = "pos" if name == "power" else "any"
        check(lambda m, x, y: getattr(m, name)(x, y),
              make(shapes[0], np.float32, domain), make(shapes[1], np.float32, domain))


def test_power_integer_exponents():
    x = make((2, 3), np.float32)
    i = make((2, 3), np.int32, "pos")
    for exponent in [0, 1, 2, 3, -1, -2]:
        check(lambda m, x: m.power(x, exponent), x)
        check(lambda m, x: m.asarray(x) ** exponent, x)
    for exponent in [0, 1, 3, 5]:
        check(lambda m, i: m.power(i, exponent), i)
    check(lambda m, i, e: m.power(i, e), i, np.array([0, 1, 2], np.int32))
    check(lambda m, x: m.power(2.0, x), x)


def test_weak_scalar_promotion():
    for x in [make((3,), np.float32), make((3,), np.int32), make((3,), BF16),
              make((3,), np.int8), make((3,), np.bool_), 2.5, 3]:
        for scalar in [2, 2.5, True]:
            check(lambda m, x: m.add(x, scalar), x)
            check(lambda m, x: m.true_divide(scalar, x), x)
    check(lambda m, x: m.multiply(x, 1j), make((3,), np.float32))


def test_where_select_clip():
    c = make((2, 3), np.bool_)
    x, y = make((2, 3), np.float32), make((3,), np.float32)
    check(lambda m, c, x, y: m.where(c, x, y), c, x, y)
    check(lambda m, x: m.where(x > 0, x, 0.0), x)
    check(lambda m, x: m.where(x > 0, 1, 0), x)
    check(lambda m, x: m.where(True, x, 0), x)
    check(lambda m, x: m.where(x, 1.0, 2.0), make((3,), np.int32))
    check(lambda m, x, s: m.where(x > 0, x, s), x, make((), np.int32))
    check(lambda m, x: m.select([x < -1, x < 1], [x, -x], 7.0), x)
    check(lambda m, x: m.clip(x, -1, 1), x)
    check(lambda m, x: m.clip(x, max=0.5), x)
    check(lambda m, x: m.clip(x, -1, 1), make((2, 3), np.int32))
    check(lambda m, x: m.clip(x, 0.5), make((2, 3), np.int32))


def test_closeness():
    x = make((2, 3), np.float32)
    y = x + np.float32(1e-7)
    y_nan = np.where(x > 0, np.nan, x).astype(np.float32)
    check(lambda m, x, y: m.isclose(x, y), x, y)
    check(lambda m, x, y: m.isclose(x, y, equal_nan=True), y_nan, y_nan)
    check(lambda m, x, y: m.allclose(x, y), x, y)
    check(lambda m, x, y: m.allclose(x, y, atol=0, rtol=0), x, x + 1)
    check(lambda m, x, y: m.array_equal(x, y), x, x)
    check(lambda m, x, y: m.array_equal(x, y, equal_nan=True), y_nan, y_nan)
    check(lambda m, x: m.array_equiv(x, x[0]), x)
    check(lambda m, x: m.isclose(x, 1), make((3,), np.int32))
    assert not bool(jnp.array_equal(jnp.ones(3), jnp.ones(4)))


def test_misc_elementwise():
    x = make((2, 3), np.float32)
    check(lambda m, x: m.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0),
          np.array([np.nan, np.inf, -np.inf, 3.0], np.float32))
    check(lambda m, x: m.round(x, 2), x)
    check(lambda m, x: m.round(x, -1), x * 100)
    check(lambda m, x: m.round(x, 1), make((2, 3), BF16))
    check(lambda m, x: m.divmod(x, 0.7), x)
    check(lambda m, x: m.divmod(x, 3), make((2, 3), np.int32))
    check(lambda m, x: m.astype(x, m.int32), x)
    check(lambda m, x: m.astype(x, bool), x)
    check(lambda m, x: m.angle(x, deg=True), x)
    assert jnp.iscomplexobj(make((2,), np.complex64)) and not jnp.iscomplexobj(x)
    assert jnp.isrealobj(x)


# --------------------------------------------------------------------------- reductions

REDUCTIONS = ["sum", "prod", "mean", "var", "std", "max", "min", "all",
              "any", "argmax", "argmin", "ptp", "count_nonzero", "nansum", "nanprod",
              "nanmean", "nanmax", "nanmin", "nanvar", "nanstd"]

AXES = [(None, False), (-1, False), ((0, 2), True)]


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_axes(name):
    x = make((2, 3, 4), np.float32)
    for axis, keepdims in AXES:
        if name in ("argmax", "argmin") and isinstance(axis, tuple):
            axis = 1
        check(lambda m, x: getattr(m, name)(x, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_dtypes(name):
    dtypes = [np.int32, np.bool_]
    if name in ("sum", "prod", "mean", "max", "argmax", "var", "nanmax", "all"):
        dtypes += [BF16, np.int8, np.uint8, float]
    for dtype in dtypes:
        shape = () if dtype is float else (2, 3)
        axis = None if dtype is float else 0
        check(lambda m, x: getattr(m, name)(x, axis=axis), make(shape, dtype))


def test_reduction_options():
    x = make((2, 3), np.float32)
    mask = make((2, 3), np.bool_)
    i = make((2, 3), np.int32)
    for name in ["sum", "prod", "mean", "var", "std", "nansum", "nanmean", "all", "any"]:
        check(lambda m, x, w: getattr(m, name)(x, where=w), x, mask)
        check(lambda m, x, w: getattr(m, name)(x, axis=1, where=w, keepdims=True), x, mask)
    for name in ["max", "min"]:
        check(lambda m, x, w: getattr(m, name)(x, axis=0, where=w, initial=0.5), x, mask)
        check(lambda m, x: getattr(m, name)(x, initial=2.0), x)
        check(lambda m, x: getattr(m, name)(x, axis=1, initial=1), i)
    check(lambda m, x: m.sum(x, initial=10), i)
    check(lambda m, x: m.sum(x, dtype=m.float32), i)
    check(lambda m, x: m.sum(x, dtype=m.int8), i)
    check(lambda m, x: m.prod(x, axis=0, dtype=m.float32), i)
    check(lambda m, x: m.mean(x, dtype=m.float32), i)
    check(lambda m, x: m.mean(x, axis=0, dtype=m.bfloat16), x)
    check(lambda m, x: m.var(x, ddof=1), x)
    check(lambda m, x: m.var(x, axis=0, ddof=2), x)   # no degrees of freedom: NaN
    check(lambda m, x: m.std(x, axis=1, ddof=1, keepdims=True), i)
    check(lambda m, x: m.var(x, correction=1), x)
    check(lambda m, x: m.var(x), make((3,), np.complex64))
    check(lambda m, x: m.average(x), x)
    check(lambda m, x, w: m.average(x, axis=1, weights=w), x, make((3,), np.float32, "pos"))
    check(lambda m, x, w: m.average(x, axis=0, weights=w, returned=True),
          x, make((2, 3), np.float32, "pos"))
    check(lambda m, x: m.count_nonzero(x, axis=1), i)
    check(lambda m, x: m.argmax(x, axis=0, keepdims=True), x)
    check(lambda m, x: m.sum(x, axis=()), x)
    nans = np.array([[np.nan, 1.0, 2.0], [np.nan, np.nan, np.nan]], np.float32)
    for name in ["nansum", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd", "nanprod"]:
        check(lambda m, x: getattr(m, name)(x, axis=1), nans)
    check(lambda m, x: m.max(x), np.zeros((0, 3), np.float32))      # empty: an error
    check(lambda m, x: m.max(x, where=x > 0), x)                    # where needs initial
    check(lambda m, x: m.sum(x, axis=2), x)                         # axis out of bounds
    check(lambda m, x: m.sum(x, axis=(0, 0)), x)                    # repeated axis


# --------------------------------------------------------------------------- creation

def test_creation():
    x = make((2, 3), np.float32)
    i = make((2, 3), np.int32)
    cases = [
        lambda m: m.zeros((2, 3)), lambda m: m.ones(4, dtype=m.int32),
        lambda m: m.zeros(()), lambda m: m.empty((2,), m.bfloat16),
        lambda m: m.full((2, 2), 7), lambda m: m.full((2, 2), 7.0, dtype=m.int8),
        lambda m: m.full(3, 2.5), lambda m: m.full((2, 3), np.arange(3)),
        lambda m: m.full((), True),
        lambda m: m.arange(5), lambda m: m.arange(2, 9, 3), lambda m: m.arange(5.0),
        lambda m: m.arange(0, 1, 0.25), lambda m: m.arange(10, 2, -3),
        lambda m: m.arange(3, dtype=m.float32), lambda m: m.arange(4, 2),
        lambda m: m.linspace(0, 1, 5), lambda m: m.linspace(2, 3, 4, endpoint=False),
        lambda m: m.linspace(0, 10, 6, dtype=m.int32), lambda m: m.linspace(1, 2, 1),
        lambda m: m.linspace(0, 1, 0), lambda m: m.linspace(0, 1, 3, retstep=True),
        lambda m: m.linspace(np.zeros(2), np.ones(2), 3, axis=1),
        lambda m: m.linspace(np.zeros(2), np.arange(2.0), 4, axis=0),
        lambda m: m.logspace(0, 2, 3), lambda m: m.logspace(0, 3, 4, base=2.0),
        lambda m: m.eye(3), lambda m: m.eye(2, 4, k=1, dtype=m.int32),
        lambda m: m.eye(4, 3, k=-2), lambda m: m.identity(2, dtype=bool),
        lambda m: m.tri(3), lambda m: m.tri(3, 4, k=-1, dtype=m.int32),
        lambda m: m.meshgrid(np.arange(3), np.arange(2.0)),
        lambda m: m.meshgrid(np.arange(3), np.arange(2), indexing="ij"),
        lambda m: m.meshgrid(np.arange(3), np.arange(2), np.arange(4), sparse=True),
        lambda m: m.asarray([1, 2.5]), lambda m: m.asarray([[1, 2], [3, 4]]),
        lambda m: m.asarray([True, 2]),
        lambda m: m.asarray(np.float64(2)), lambda m: m.asarray(np.arange(3.0)),
        lambda m: m.array([1, 2], dtype=m.float32), lambda m: m.array(np.int32(5), ndmin=2),
        lambda m: m.asarray(7, dtype=m.uint8), lambda m: m.float32(3),
        lambda m: m.int8(3.7), lambda m: m.bool_(1), lambda m: m.copy(np.arange(2)),
    ]
    for case in cases:
        check(lambda m: case(m))
    # Weak concrete scalars: returned from a traced function they become constvars, which
    # staging types strongly (JAX inlines them as weak literals), so check eagerly only.
    for value in [2.0, 3]:
        assert_same(jnp.asarray(value), jnp_ref.asarray(value), tol=TOL, err_msg="asarray")
    like_cases = [
        lambda m, x: m.zeros_like(x), lambda m, x: m.ones_like(x, dtype=m.int32),
        lambda m, x: m.full_like(x, 3), lambda m, x: m.full_like(x, 2.5, shape=(4,)),
        lambda m, x: m.empty_like(x), lambda m, x: m.full_like(x, np.arange(3)),
        lambda m, x: m.asarray([x, x]), lambda m, x: m.array([x[0], 1.0]),
        lambda m, x: m.asarray(x, dtype=m.int32),
        lambda m, x: m.linspace(x[0], x[1], 4),
    ]
    for case in like_cases:
        check(case, x)
    for case in like_cases[:4]:
        check(case, i)
        # A constant scalar result of a traced function becomes a (strong) constvar; see
        # test_unary for the staging rule.  Its eager weak type is still checked.
        check(case, 2.0, check_traced_weak=False)


# --------------------------------------------------------------------------- shapes

SHAPE_CASES = {
    "reshape": lambda m, x: m.reshape(x, (3, -1, 2)),
    "reshape_F": lambda m, x: m.reshape(x, (4, 6), order="F"),
    "ravel": lambda m, x: m.ravel(x),
    "transpose": lambda m, x: m.transpose(x),
    "transpose_axes": lambda m, x: m.transpose(x, (1, 0, 2)),
    "matrix_transpose": lambda m, x: m.matrix_transpose(x),
    "swapaxes": lambda m, x: m.swapaxes(x, 0, -1),
    "moveaxis": lambda m, x: m.moveaxis(x, 0, -1),
    "moveaxis_many": lambda m, x: m.moveaxis(x, (0, 1), (2, 0)),
    "squeeze": lambda m, x: m.squeeze(m.reshape(x, (1, 2, 12, 1))),
    "squeeze_axis": lambda m, x: m.squeeze(m.reshape(x, (1, 2, 12, 1)), axis=-1),
    "expand_dims": lambda m, x: m.expand_dims(x, (0, -1)),
    "concatenate": lambda m, x: m.concatenate([x, x[:1]], axis=0),
    "concatenate_none": lambda m, x: m.concatenate([x, x[0]], axis=None),
    "stack": lambda m, x: m.stack([x, x, x], axis=1),
    "hstack": lambda m, x: m.hstack([x, x]),
    "hstack_1d": lambda m, x: m.hstack([x[0, 0], x[1, 1]]),
    "vstack": lambda m, x: m.vstack([x[0, 0], x[1, 1]]),
    "dstack": lambda m, x: m.dstack([x[0], x[1]]),
    "column_stack": lambda m, x: m.column_stack([x[0, :, 0], x[1, :, 0]]),
    "append_axis": lambda m, x: m.append(x, x[:1], axis=0),
    "split": lambda m, x: m.split(x, 2, axis=2),
    "split_indices": lambda m, x: m.split(x, [1, 2], axis=1),
    "array_split": lambda m, x: m.array_split(x, 3, axis=2),
    "hsplit": lambda m, x: m.hsplit(x, 3),
    "dsplit": lambda m, x: m.dsplit(x, [1, 3]),
    "tile": lambda m, x: m.tile(x[0, 0], 2),
    "tile_2d": lambda m, x: m.tile(x[0], (2, 1, 2)),
    "repeat": lambda m, x: m.repeat(x, 2),
    "repeat_axis": lambda m, x: m.repeat(x, 3, axis=1),
    "repeat_list": lambda m, x: m.repeat(x[0], np.array([1, 0, 2]), axis=0),
    "repeat_python_list": lambda m, x: m.repeat(x, [1, 2]),   # lists are rejected
    "flip": lambda m, x: m.flip(x),
    "flip_axis": lambda m, x: m.flip(x, (0, 2)),
    "fliplr": lambda m, x: m.fliplr(x),
    "roll": lambda m, x: m.roll(x, 3),
    "roll_axis": lambda m, x: m.roll(x, -1, axis=1),
    "roll_many": lambda m, x: m.roll(x, (1, 5), axis=(0, 2)),
    "rot90": lambda m, x: m.rot90(x),
    "rot90_k": lambda m, x: m.rot90(x, 3, axes=(1, 2)),
    "broadcast_to": lambda m, x: m.broadcast_to(x[0, 0], (2, 4)),
    "broadcast_arrays": lambda m, x: m.broadcast_arrays(x, x[0, :1]),
    "atleast_1d": lambda m, x: m.atleast_1d(x[0, 0, 0]),
    "atleast_2d": lambda m, x: m.atleast_2d(x[0, 0], x),
    "atleast_3d": lambda m, x: m.atleast_3d(x[0, 0]),
    "pad": lambda m, x: m.pad(x, 1),
    "pad_values": lambda m, x: m.pad(x, ((0, 1), (2, 0), (1, 1)), constant_values=-1),
    "pad_pairs": lambda m, x: m.pad(x[0], ((1, 2), (0, 1)), constant_values=((5, 6), (7, 8))),
    "pad_edge": lambda m, x: m.pad(x, ((1, 2), (0, 0), (3, 1)), mode="edge"),
    "pad_wrap": lambda m, x: m.pad(x[0], ((4, 5), (2, 1)), mode="wrap"),
    "pad_reflect": lambda m, x: m.pad(x[0], ((2, 7), (3, 1)), mode="reflect"),
    "pad_symmetric": lambda m, x: m.pad(x[0], ((1, 4), (5, 0)), mode="symmetric"),
    "pad_empty": lambda m, x: m.pad(x, 1, mode="empty") * 0,
    "diagonal": lambda m, x: m.diagonal(x),
    "diagonal_offset": lambda m, x: m.diagonal(x, 1, 1, 2),
    "diagonal_neg": lambda m, x: m.diagonal(x[0], -1),
    "diagonal_empty": lambda m, x: m.diagonal(x[0], 7),
    "diag": lambda m, x: m.diag(x[0]),
    "diag_k": lambda m, x: m.diag(x[0], -2),
    "diag_vec": lambda m, x: m.diag(x[0, 0]),
    "diag_vec_k": lambda m, x: m.diag(x[0, 0], 2),
    "diagflat": lambda m, x: m.diagflat(x[0, :2, :2]),
    "trace": lambda m, x: m.trace(x[0]),
    "trace_axes": lambda m, x: m.trace(x, 1, 0, 2),
    "tril": lambda m, x: m.tril(x),
    "triu": lambda m, x: m.triu(x, 1),
}


SHAPE_DTYPE_SENSITIVE = {"stack", "concatenate", "pad", "pad_edge", "tril", "diag_vec",
                         "trace"}


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
def test_shapes(name):
    dtypes = [np.float32] + ([np.int32, np.bool_] if name in SHAPE_DTYPE_SENSITIVE else [])
    for dtype in dtypes:
        check(SHAPE_CASES[name], make((2, 3, 4), dtype))


def test_aliases():
    """Aliases are the same functions (so the tables above test them once)."""
    aliases = {"absolute": "abs", "around": "round", "degrees": "rad2deg",
               "radians": "deg2rad", "conjugate": "conj", "invert": "bitwise_not",
               "bitwise_invert": "bitwise_not", "true_divide": "divide", "mod": "remainder",
               "amax": "max", "amin": "min", "concat": "concatenate",
               "permute_dims": "transpose", "pow": "power", "acos": "arccos",
               "atan2": "arctan2", "bitwise_left_shift": "left_shift"}
    for alias, name in aliases.items():
        assert getattr(jnp, alias) is getattr(jnp, name), alias
        assert hasattr(jnp_ref, alias), alias


def test_shape_queries():
    x = jnp.ones((2, 3))
    assert jnp.shape(x) == (2, 3) and jnp.ndim(x) == 2 and jnp.size(x) == 6
    assert jnp.size(x, 1) == 3 and jnp.shape([[1, 2]]) == (1, 2) and jnp.ndim(3.0) == 0
    assert jnp.broadcast_shapes((2, 1), (3,)) == jnp_ref.broadcast_shapes((2, 1), (3,))
    assert jnp.broadcast_shapes((5, 1, 4), (3, 1), ()) == (5, 3, 4)


# --------------------------------------------------------------------------- products

PRODUCT_CASES = {
    "matmul_2d": (lambda m, a, b: m.matmul(a, b), [(2, 3), (3, 4)]),
    "matmul_vec_mat": (lambda m, a, b: m.matmul(a, b), [(3,), (3, 4)]),
    "matmul_mat_vec": (lambda m, a, b: m.matmul(a, b), [(2, 3), (3,)]),
    "matmul_vec_vec": (lambda m, a, b: m.matmul(a, b), [(3,), (3,)]),
    "matmul_batch": (lambda m, a, b: m.matmul(a, b), [(5, 2, 3), (5, 3, 4)]),
    "matmul_batch_bcast": (lambda m, a, b: m.matmul(a, b), [(2, 1, 2, 3), (5, 3, 4)]),
    "matmul_lhs_batch": (lambda m, a, b: m.matmul(a, b), [(5, 2, 3), (3, 4)]),
    "matmul_rhs_batch": (lambda m, a, b: m.matmul(a, b), [(2, 3), (5, 3, 4)]),
    "matmul_vec_batch": (lambda m, a, b: m.matmul(a, b), [(3,), (5, 3, 4)]),
    "matmul_op": (lambda m, a, b: m.asarray(a) @ b, [(2, 3), (3, 4)]),
    "matmul_mismatch": (lambda m, a, b: m.matmul(a, b), [(2, 3), (4, 4)]),
    "dot": (lambda m, a, b: m.dot(a, b), [(2, 3), (3, 4)]),
    "dot_vec": (lambda m, a, b: m.dot(a, b), [(3,), (3,)]),
    "dot_nd": (lambda m, a, b: m.dot(a, b), [(2, 2, 3), (4, 3, 5)]),
    "dot_scalar": (lambda m, a, b: m.dot(a, b), [(), (3,)]),
    "vdot": (lambda m, a, b: m.vdot(a, b), [(2, 3), (3, 2)]),
    "vecdot": (lambda m, a, b: m.vecdot(a, b), [(2, 3), (3,)]),
    "vecdot_axis": (lambda m, a, b: m.vecdot(a, b, axis=0), [(3, 2), (3, 2)]),
    "inner": (lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
    "inner_scalar": (lambda m, a, b: m.inner(a, b), [(2, 3), ()]),
    "outer": (lambda m, a, b: m.outer(a, b), [(3,), (2, 2)]),
    "tensordot": (lambda m, a, b: m.tensordot(a, b), [(2, 3, 4), (3, 4, 5)]),
    "tensordot_1": (lambda m, a, b: m.tensordot(a, b, 1), [(2, 3), (3, 4)]),
    "tensordot_0": (lambda m, a, b: m.tensordot(a, b, 0), [(2,), (3,)]),
    "tensordot_axes": (lambda m, a, b: m.tensordot(a, b, ((0, 2), (2, 0))),
                       [(4, 3, 2), (2, 5, 4)]),
    "kron": (lambda m, a, b: m.kron(a, b), [(2, 3), (2, 2)]),
    "kron_ranks": (lambda m, a, b: m.kron(a, b), [(2,), (2, 3)]),
    "cross": (lambda m, a, b: m.cross(a, b), [(4, 3), (4, 3)]),
    "cross_2": (lambda m, a, b: m.cross(a, b), [(4, 2), (2,)]),
    "cross_23": (lambda m, a, b: m.cross(a, b), [(4, 2), (4, 3)]),
    "cross_axis": (lambda m, a, b: m.cross(a, b, axis=0), [(3, 4), (3, 4)]),
}

EINSUM_CASES = {
    "ij,jk->ik": [(2, 3), (3, 4)], "ij,jk": [(2, 3), (3, 4)], "ij->ji": [(2, 3)],
    "ij->": [(2, 3)], "ij->j": [(2, 3)], "ii->i": [(3, 3)], "ii": [(3, 3)],
    "iij->ji": [(2, 2, 3)], "i,i->": [(3,), (3,)], "i,j->ij": [(2,), (3,)],
    "bij,bjk->bik": [(5, 2, 3), (5, 3, 4)], "bij,bkj->bki": [(5, 2, 3), (5, 4, 3)],
    "...ij,...jk->...ik": [(5, 2, 3), (5, 3, 4)], "...ij,jk": [(2, 5, 2, 3), (3, 4)],
    "i...,i...->...": [(3, 2, 2), (3, 1, 2)], "ij,jk,kl->il": [(2, 3), (3, 4), (4, 2)],
    "ab,cd,bd->ac": [(2, 3), (4, 5), (3, 5)], "ijk,ikl->il": [(2, 3, 4), (2, 4, 5)],
    "bhqd,bhkd->bhqk": [(2, 2, 3, 4), (2, 2, 5, 4)], "i,i,i->i": [(3,), (3,), (3,)],
    "ij,ij->ij": [(2, 3), (2, 3)], "ba,ab": [(2, 3), (3, 2)], "ij,kj->": [(2, 3), (4, 3)],
}


@pytest.mark.parametrize("name", sorted(PRODUCT_CASES))
def test_products(name):
    expr, shapes = PRODUCT_CASES[name]
    check(expr, *[make(s, np.float32) for s in shapes])


@pytest.mark.parametrize("dtypes", [(np.int32, np.int32), (np.float32, np.int32),
                                    (BF16, BF16), (np.bool_, np.bool_), (BF16, np.float32)],
                         ids=_pair_id)
def test_product_dtypes(dtypes):
    for name in ["matmul_2d", "dot_vec"]:
        expr, shapes = PRODUCT_CASES[name]
        check(expr, *[make(s, d) for s, d in zip(shapes, dtypes)])


@pytest.mark.parametrize("subscripts", sorted(EINSUM_CASES))
def test_einsum(subscripts):
    shapes = EINSUM_CASES[subscripts]
    check(lambda m, *xs: m.einsum(subscripts, *xs), *[make(s, np.float32) for s in shapes])


def test_einsum_dtypes_and_errors():
    check(lambda m, a, b: m.einsum("ij,jk->ik", a, b), make((2, 3), np.int32),
          make((3, 4), np.float32))
    check(lambda m, a, b: m.einsum("ij,jk->ik", a, b, preferred_element_type=m.float32),
          make((2, 3), BF16), make((3, 4), BF16))
    check(lambda m, a: m.einsum("ij->i", a), make((2, 3), np.int8))
    check(lambda m, a, b: m.einsum("ij,jk->ik", a, b), make((2, 3), np.float32),
          make((4, 4), np.float32))                       # size mismatch
    check(lambda m, a: m.einsum("ij,jk->ik", a), make((2, 3), np.float32))   # arity
    check(lambda m, a: m.einsum("ij->k", a), make((2, 3), np.float32))       # unknown label


@pytest.mark.parametrize("case", [
    (None, None, (4,)), (None, None, (2, 3)), (1, None, (4,)), (np.inf, None, (4,)),
    (-np.inf, None, (4,)), (0, None, (4,)), (3, None, (4,)), (0.5, None, (4,)),
    (None, 1, (2, 3)), (2, 0, (2, 3)), (None, (0, 1), (2, 3, 4)), ("fro", None, (2, 3)),
    (1, None, (2, 3)), (-1, None, (2, 3)), (np.inf, None, (2, 3)), (-np.inf, (1, 2), (2, 3, 4)),
    (2, None, (2, 3)), (-2, (2, 0), (2, 3, 4)), ("nuc", None, (3, 2)),   # via svdvals
], ids=str)
def test_norm(case):
    ord, axis, shape = case
    x = make(shape, np.float32)
    check(lambda m, x: m.linalg.norm(x, ord, axis, keepdims=ord in (None, 1, "fro")), x)


def test_linalg_namespace():
    x = make((2, 3), np.float32)
    check(lambda m, x: m.linalg.vector_norm(x), x)
    check(lambda m, x: m.linalg.vector_norm(x, ord=1, axis=0, keepdims=True), x)
    check(lambda m, x: m.linalg.matrix_norm(x), x)
    check(lambda m, x: m.linalg.norm(x), make((2, 3), np.int32))
    check(lambda m, x: m.linalg.norm(x), make((3,), np.complex64))
    check(lambda m, x: m.linalg.matmul(x, x.T), x)


# --------------------------------------------------------------------------- indexing

INDICES = [
    0, -1, 2, slice(1, 3), slice(None, None, -1), slice(None, None, 2), slice(None, None, -2),
    slice(3, 0, -2), slice(5, 1), slice(-3, None), slice(None, -2, 3), None, Ellipsis,
    (0, 1), (slice(1, None), None), (Ellipsis, 0), (None, Ellipsis, None), (1, None, slice(None, None, -1)),
    (slice(None), 2, slice(0, 1)), (-1, -1, -1), (Ellipsis, slice(None, None, -3)), (),
    np.int32(1), (np.int64(-2), slice(None)), (0, Ellipsis, None, 1),
]


@pytest.mark.parametrize("index", INDICES, ids=str)
def test_getitem(index):
    # m.asarray(x) is a tracer in the traced run, so this exercises Tracer.__getitem__.
    check(lambda m, x: m.asarray(x)[index], make((4, 5, 3), np.float32))


def test_getitem_errors():
    def traced(index):
        return zenax.make_jaxpr(lambda x: x[index])(jnp.ones((4, 5)))

    # Advanced indexing is supported (test_indexing.py covers it); a non-tuple list is
    # refused as in JAX, and so are traced slice bounds and traced boolean masks.
    with pytest.raises(TypeError, match="non-tuple sequence"):
        traced([0, 1])
    with pytest.raises(IndexError, match="Slice entries must be static"):
        zenax.make_jaxpr(lambda x, i: x[i:])(jnp.ones(4), 1)
    with pytest.raises(jnp.NonConcreteBooleanIndexError):
        zenax.make_jaxpr(lambda x: x[x > 0])(jnp.ones(4))
    # A static index out of bounds clamps, as in JAX (retrieval never raises); only an
    # empty axis has nothing to clamp to.
    np.testing.assert_array_equal(zenax.jit(lambda x: x[0, 5])(jnp.arange(20.0).reshape(4, 5)),
                                  jax.jit(lambda x: x[0, 5])(jnp_ref.arange(20.0).reshape(4, 5)))
    with pytest.raises(IndexError, match="out of bounds for axis 0 with size 0"):
        zenax.make_jaxpr(lambda x: x[0])(jnp.ones((0, 5)))
    with pytest.raises(IndexError, match="Too many indices"):
        traced((0, 0, 0))
    with pytest.raises(IndexError, match="single ellipsis"):
        traced((Ellipsis, Ellipsis))


@pytest.mark.parametrize("index", [np.array([0, 1]), np.array([True, False, True, True]),
                                   True, np.array([[3], [-1]]), (np.array([1, 0]), 2)],
                         ids=["int_array", "mask", "true", "2d", "array_and_int"])
def test_getitem_advanced(index):
    check(lambda m, x: m.asarray(x)[index], make((4, 5), np.float32))


def test_getitem_traced_index():
    x = make((4, 5), np.float32)
    check(lambda m, x, i: m.asarray(x)[i], x, np.int32(2))
    check(lambda m, x, i: m.asarray(x)[:, i], x, np.array([4, -5, 0], np.int32))


# --------------------------------------------------------------------------- array surface

def traced_apply(fun, *args):
    """``fun(*args)`` evaluated through make_jaxpr, so array args are tracers inside."""
    closed = zenax.make_jaxpr(fun)(*args)
    zenax.typecheck_jaxpr(closed)
    leaves = jax.tree_util.tree_leaves(args)
    out = zenax.eval_jaxpr(closed.jaxpr, closed.consts, *leaves)
    return out


OPERATOR_CASES = [
    lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / y,
    lambda x, y: x // y, lambda x, y: x % y, lambda x, y: x ** 2, lambda x, y: 2.0 ** x,
    lambda x, y: x < y, lambda x, y: x <= y, lambda x, y: x > y, lambda x, y: x >= y,
    lambda x, y: x == y, lambda x, y: x != y, lambda x, y: -x, lambda x, y: +x,
    lambda x, y: abs(x), lambda x, y: 1 - x, lambda x, y: 2 / x, lambda x, y: 3 * x,
    lambda x, y: 1.5 + x, lambda x, y: 7 // y, lambda x, y: 5 % y, lambda x, y: y ** x,
    lambda x, y: x @ y.T, lambda x, y: divmod(x, y)[0], lambda x, y: divmod(3.0, y)[1],
    lambda x, y: round(x), lambda x, y: x.T, lambda x, y: x.mT, lambda x, y: x.real,
    lambda x, y: x.imag, lambda x, y: x.sum(), lambda x, y: x.sum(0, keepdims=True),
    lambda x, y: x.mean(axis=1), lambda x, y: x.max(), lambda x, y: x.min(0),
    lambda x, y: x.prod(), lambda x, y: x.argmax(), lambda x, y: x.argmin(axis=1),
    lambda x, y: x.std(), lambda x, y: x.ptp(),
    lambda x, y: (x > 0).all(), lambda x, y: (x > 0).any(0),
    lambda x, y: x.reshape(3, 2), lambda x, y: x.reshape((6,)), lambda x, y: x.reshape(-1, 1),
    lambda x, y: x.transpose(), lambda x, y: x.transpose(1, 0),
    lambda x, y: x.transpose((1, 0)), lambda x, y: x.astype(jnp_ref.int32),
    lambda x, y: x.ravel(), lambda x, y: x.flatten(), lambda x, y: x[None].squeeze(0),
    lambda x, y: x.swapaxes(0, 1), lambda x, y: x.clip(-1, 1), lambda x, y: x.round(1),
    lambda x, y: x.dot(y.T), lambda x, y: x.conj(), lambda x, y: x.conjugate(),
    lambda x, y: x.copy(), lambda x, y: x.repeat(2, axis=0), lambda x, y: x.diagonal(),
    lambda x, y: x.trace(), lambda x, y: x[1:, None], lambda x, y: x[..., ::-1],
    lambda x, y: len(x) * x, lambda x, y: list(x)[1], lambda x, y: x.size + x.ndim * x,
    lambda x, y: x.itemsize * x.nbytes + x,
]


@pytest.mark.parametrize("case", range(len(OPERATOR_CASES)))
def test_tracer_operators_and_methods(case):
    fun = OPERATOR_CASES[case]
    x = make((2, 3), np.float32)
    y = make((2, 3), np.float32, "pos")
    # The oracle: the same code on jax.Arrays, whose operators and methods are JAX's.
    want = fun(jnp_ref.asarray(x), jnp_ref.asarray(y))
    got = traced_apply(fun, x, y)
    assert_same(got, jax.tree_util.tree_leaves(want), tol=TOL, check_weak_type=False,
                err_msg="traced")
    closed = zenax.make_jaxpr(fun)(x, y)
    for aval, w in zip(closed.out_avals, jax.tree_util.tree_leaves(want)):
        assert (aval.shape, aval.dtype, aval.weak_type) == (w.shape, w.dtype, _weak(w))


@pytest.mark.parametrize("other", [np.arange(3.0, dtype=np.float32), jnp_ref.arange(3.0),
                                   np.float32(2), 2, 2.5], ids=lambda o: type(o).__name__)
def test_concrete_operand_on_the_left(other):
    """NumPy arrays defer to the tracer (``__array_ufunc__ = None``); jax.Array operators
    return NotImplemented for an unknown type, so Python calls the reflected method."""
    x = make((3,), np.float32)
    for op in [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b,
               lambda a, b: a / b, lambda a, b: a < b, lambda a, b: a ** b,
               lambda a, b: a == b]:
        closed = zenax.make_jaxpr(lambda t: op(other, t))(x)
        out = zenax.eval_jaxpr(closed.jaxpr, closed.consts, x)
        want = op(jnp_ref.asarray(other) if not isinstance(other, (int, float)) else other,
                  jnp_ref.asarray(x))
        assert_same(out, [want], tol=TOL, check_weak_type=False, err_msg="reflected")
    closed = zenax.make_jaxpr(lambda t: other @ t)(x) if np.ndim(other) else None
    if closed is not None:
        assert [e.primitive.name for e in closed.eqns] == ["dot_general"]


def test_var_method():
    """``x.var()`` on a staging tracer is shadowed by DynamicJaxprTracer's ``var`` slot
    (its jaxpr variable); under vmap the tracer is a BatchTracer and the method is ours."""
    x = make((4, 3), np.float32)
    got = zenax.vmap(lambda row: row.var(ddof=1))(x)
    assert_same(got, jax.vmap(lambda row: row.var(ddof=1))(x), tol=TOL, check_weak_type=False,
                err_msg="vmap")


def test_non_array_operands_are_not_implemented():
    def f(x):
        with pytest.raises(TypeError):
            x + [1, 2, 3]
        with pytest.raises(TypeError):
            "a" * x
        assert (x == None) is False  # noqa: E711  (falls back to identity)
        return x
    zenax.make_jaxpr(f)(jnp.ones(3))


def test_concretization_errors():
    def item(x):
        return x.item()

    def tolist(x):
        return x.tolist()

    for fun in (item, tolist, lambda x: float(x), lambda x: bool(x > 0)):
        with pytest.raises(zenax.ConcretizationTypeError):
            zenax.make_jaxpr(fun)(1.0)
    # A traced size: JAX's error kinds (a TypeError for zeros, a ConcretizationTypeError
    # for arange).
    raises_like_jax(zenax.make_jaxpr(lambda n: jnp.zeros(n)),
                    jax.make_jaxpr(lambda n: jnp_ref.zeros(n)), 3)
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.make_jaxpr(lambda n: jnp_ref.arange(n))(3)
    with pytest.raises(zenax.ConcretizationTypeError):
        zenax.make_jaxpr(lambda n: jnp.arange(n))(3)
    # allclose is a traced bool, as in JAX: no error until it is used as a Python bool.
    closed = zenax.make_jaxpr(lambda x: jnp.allclose(x, 1.0))(jnp.ones(3))
    assert closed.out_avals[0].dtype == np.bool_
    with pytest.raises(zenax.TracerBoolConversionError):
        zenax.make_jaxpr(lambda x: 1 if jnp.allclose(x, 1.0) else 0)(jnp.ones(3))


def test_isinstance_and_dtypes():
    assert isinstance(jnp.ones(3), jnp.ndarray) and isinstance(jnp.ones(3), jnp.Array)
    assert not isinstance(np.ones(3), jnp.ndarray)

    def f(x):
        assert isinstance(x, jnp.ndarray)
        return x
    zenax.make_jaxpr(f)(1.0)
    assert jnp.float32 == np.float32 and np.dtype(jnp.bfloat16) == jnp_ref.bfloat16
    assert jnp.zeros(2, jnp.bfloat16).dtype == jnp.bfloat16
    assert isinstance(np.float32(1), jnp.float32) and hash(jnp.int8) == hash(np.int8)
    assert jnp.issubdtype(jnp.bfloat16, jnp.floating) and jnp.issubdtype(np.int8, jnp.integer)
    assert not jnp.issubdtype(jnp.float32, jnp.integer)
    assert jnp.isdtype(jnp.int8, ("integral", "bool")) and not jnp.isdtype(np.float32, "bool")
    assert jnp.iinfo(jnp.int8).max == 127 and jnp.finfo(jnp.float32).eps == np.finfo(np.float32).eps
    assert jnp.finfo(jnp.bfloat16).bits == 16 and jnp.iinfo(jnp.ones(2, np.int16)).bits == 16
    assert (jnp.pi, jnp.e, jnp.inf, jnp.newaxis) == (np.pi, np.e, np.inf, None)
    assert np.isnan(jnp.nan)
    for args in [(np.int8, 2.0), (np.int32, np.float16), (jnp.ones(2), 1),
                 (np.uint8, np.int8), (jnp.bfloat16, np.float16), (True, 1), (float,),
                 (np.int16, int)]:
        assert jnp.result_type(*args) == jnp_ref.result_type(*args), args
    for a, b in [(np.int8, np.uint8), (np.float16, jnp.bfloat16), (np.int32, np.float32),
                 (np.uint32, np.int32)]:
        assert jnp.promote_types(a, b) == jnp_ref.promote_types(a, b), (a, b)
    assert jnp.can_cast(np.int8, np.int32) and not jnp.can_cast(np.float32, np.int32)
    assert jnp.can_cast(jnp.ones(2, np.int8), np.int16)


# --------------------------------------------------------------------------- errors

def test_broadcasting_error_names_function_and_line():
    with pytest.raises(TypeError, match=r"add: Incompatible shapes for broadcasting: "
                                        r"shapes=\[\(3,\), \(4,\)\].*test_numpy.py"):
        jnp.add(jnp.ones(3), jnp.ones(4))
    with pytest.raises(ValueError, match="where: Incompatible shapes"):   # as JAX
        jnp.where(jnp.ones(3) > 0, jnp.ones(4), 0.0)
    with pytest.raises(ValueError, match=r"shapes=\[\(3,\), \(4,\)\]"):
        jnp.broadcast_shapes((3,), (4,))
    with pytest.raises(ValueError, match="Incompatible shapes"):
        jnp.broadcast_to(jnp.ones(3), (4,))
    # Operands of different ranks fail NumPy's broadcast: a ValueError, as in JAX.
    with pytest.raises(ValueError, match="Incompatible shapes.*test_numpy.py"):
        zenax.make_jaxpr(lambda x, y: x * y)(jnp.ones((2, 3)), jnp.ones((2,)))


def test_non_arraylike_arguments():
    with pytest.raises(TypeError, match=r"sin requires ndarray or scalar arguments, got "
                                        r"<class 'list'> at position 0\."):
        jnp.sin([1.0, 2.0])
    with pytest.raises(TypeError, match="position 1"):
        jnp.add(1.0, [2.0])
    with pytest.raises(TypeError, match="sum requires ndarray"):
        jnp.sum([1, 2])
    with pytest.raises(TypeError):
        jnp.asarray("abc")
    with pytest.raises(OverflowError, match="too large"):
        jnp.add(jnp.ones(2, np.int32), 2 ** 40)


def test_one_argument_where_is_nonzero():
    check(lambda m, x: m.where(x > 0, size=4, fill_value=-1), make((2, 3), np.float32))
    x = np.array([0.0, 2.0, -1.0, 0.0], np.float32)
    for got, want in zip(jnp.where(x), jnp_ref.where(x)):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(zenax.ConcretizationTypeError, match="size argument of jnp.nonzero"):
        zenax.jit(lambda x: jnp.where(x > 0))(x)


# --------------------------------------------------------------------------- jaxpr structure

def _primitive_names(jaxpr) -> list[str]:
    """Primitive names in order; JAX's ``jit``/``pjit`` sub-jaxprs are inlined."""
    names = []
    for eqn in jaxpr.eqns:
        inner = eqn.params.get("jaxpr") if eqn.primitive.name in ("jit", "pjit") else None
        if inner is not None:
            names += _primitive_names(getattr(inner, "jaxpr", inner))
        else:
            names.append(eqn.primitive.name)
    return names


STRUCTURE_CASES = {
    "sum": (lambda m, x: m.sum(x), [(2, 3)]),
    "sum_axis_keepdims": (lambda m, x: m.sum(x, axis=1, keepdims=True), [(2, 3)]),
    "mean": (lambda m, x: m.mean(x), [(2, 3)]),
    "mean_int": (lambda m, x: m.mean(x.astype(m.int32)), [(2, 3)]),
    "mul_scalar": (lambda m, x: x * 2.0, [(2, 3)]),
    "mul_scalar_int": (lambda m, x: x.astype(m.int32) * 2.0, [(2, 3)]),
    "broadcast_add": (lambda m, x, y: x + y, [(2, 3), (3,)]),
    "matmul": (lambda m, x, y: m.matmul(x, y), [(2, 3), (3, 4)]),
    "where": (lambda m, x, y: m.where(x > 0, x, y), [(2, 3), (2, 3)]),
    "slice_newaxis": (lambda m, x: x[1:, None], [(2, 3)]),
    "index": (lambda m, x: x[0], [(2, 3)]),
    "rev_index": (lambda m, x: x[1, None, ::-1], [(3, 4)]),
    "strided": (lambda m, x: x[::-2], [(5,)]),
    "zeros": (lambda m, x: x + m.zeros((2, 3)), [(2, 3)]),
    "max": (lambda m, x: m.max(x, axis=0), [(2, 3)]),
    "eye": (lambda m, x: x * m.eye(3), [(3, 3)]),
    "einsum": (lambda m, x, y: m.einsum("ij,jk->ik", x, y), [(2, 3), (3, 4)]),
    "sum_bf16": (lambda m, x: m.sum(x.astype(m.bfloat16)), [(2, 3)]),
    "argmax": (lambda m, x: m.argmax(x), [(2, 3)]),
    "true_divide_int": (lambda m, x: x.astype(m.int32) / 2, [(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(STRUCTURE_CASES))
def test_jaxpr_structure_matches_jax(name):
    expr, shapes = STRUCTURE_CASES[name]
    args = [make(s, np.float32) for s in shapes]
    ours = zenax.make_jaxpr(functools.partial(expr, jnp))(*args)
    theirs = jax.make_jaxpr(functools.partial(expr, jnp_ref))(*args)
    assert _primitive_names(ours.jaxpr) == _primitive_names(theirs.jaxpr), (
        f"\nzenax:\n{ours}\njax:\n{theirs}")


def test_jaxpr_literals_match_jax():
    x = make((2, 3), np.float32)
    ours = str(zenax.make_jaxpr(lambda x: x * 2.0)(x))
    assert "mul a 2.0:f32[]" in ours
    assert "div b 6.0:f32[]" in str(zenax.make_jaxpr(jnp.mean)(x))
    ours = str(zenax.make_jaxpr(lambda x: x.astype(jnp.int8) + 3)(x))
    assert "add b 3:i8[]" in ours


def test_result_type_of_numpy_arrays_and_gelu_exact():
    # An array argument is not compared with the Python types (that comparison is
    # elementwise, and its truth value ambiguous).
    x = np.linspace(-2, 2, 5).astype(np.float32)
    assert jnp.result_type(x) == np.dtype(jax.numpy.result_type(x))
    assert jnp.result_type(x, 1.0) == np.dtype(jax.numpy.result_type(x, 1.0))
    np.testing.assert_allclose(zenax.nn.gelu(x, approximate=False),
                               jax.nn.gelu(x, approximate=False), rtol=1e-6)
