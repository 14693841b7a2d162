"""The special-function primitives of lax/special_gamma.py -- polygamma, zeta, igamma,
igammac, igamma_grad_a, random_gamma_grad, betainc (regularized_incomplete_beta) -- and
the bit-level ones of lax/bits.py -- clz, mulhi, reduce_precision -- against jax.lax:

* spec rows: eager, jit, jvp/vjp and vmap against JAX on random operands;
* values on grids through the hard regions (``igamma`` where ``x ~ a``, tiny and huge
  shapes, poles of ``polygamma``/``zeta``, out-of-domain NaNs), in float32 and float64,
  and mixed batching (an unbatched scalar beside a batched operand);
* derivatives exactly where JAX defines them: against JAX's to second order, against
  finite differences in float64, and the errors (JAX's kinds) for the arguments JAX does
  not differentiate; ``digamma``'s derivative, ``polygamma(1, x)``, registered here;
* jaxprs, weak types of Python scalars, dtype/shape/param errors, docstring examples.
"""
import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.lax.bits
import zenax.lax.special_gamma
import zenax.numpy as znp
from zenax import lax
from zenax.test_util import check_grads
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import spec_tests
from oracle import assert_same
from spec import Arg, Case, Domain, Spec, f16, f32, i32, u8

jlax = jax.lax

# --------------------------------------------------------------------------- spec rows

SHAPES = Domain(0.5, 6.0)         # igamma's a, betainc's a and b
POSITIVE = Domain(0.2, 6.0)
UNIT = Domain(0.05, 0.95)
ZETA_X = Domain(1.5, 6.0)
BINARY = (Case((Arg((2, 3)), Arg((2, 3)))), Case((Arg(()), Arg((5,))), label="scalar"))


def _row(name, zfun, jfun, cases, dtypes=(f32, f16), domains=POSITIVE, **kw):
    return Spec(name, zfun, jfun, cases, dtypes, domains, **kw)


def _x_only(fun, *fixed):
    """``fun(*fixed, x)``: a row for the one differentiable operand of ``fun``."""
    return lambda x: fun(*fixed, x)


# Cheap rows first: the CI tier runs every eighth instance, starting with the first, and
# the igamma family's loops take seconds to compile.
SPECS = [
    _row("polygamma/x", _x_only(lax.polygamma, np.float32(2)),
         _x_only(jlax.polygamma, np.float32(2)), (Case((Arg((2, 3)),)),), dtypes=(f32,),
         differentiable=True, tol={"float32": (1e-4, 1e-5)}),
    _row("zeta", lax.zeta, jlax.zeta, BINARY, domains=(ZETA_X, POSITIVE)),
    _row("betainc/x", _x_only(lax.betainc, np.float32(2.5), np.float32(1.5)),
         _x_only(jlax.betainc, np.float32(2.5), np.float32(1.5)), (Case((Arg((7,)),)),),
         dtypes=(f32,), domains=UNIT, differentiable=True, tol={"float32": (1e-4, 1e-5)}),
    _row("betainc", lax.betainc, jlax.betainc, (Case((Arg((4,)), Arg(()), Arg((4,)))),),
         domains=(SHAPES, SHAPES, UNIT)),
    _row("reduce_precision", lax.reduce_precision, jlax.reduce_precision,
         (Case((Arg((2, 3)),), {"exponent_bits": 5, "mantissa_bits": 3}),
          Case((Arg(()),), {"exponent_bits": 8, "mantissa_bits": 7}, label="bf16")),
         dtypes=(f32, f16), domains=Domain(-50.0, 50.0), differentiable=True),
    _row("clz", lax.clz, jlax.clz, (Case((Arg((9,)),)),), dtypes=(i32, u8),
         domains=Domain(-1000, 1000)),
    _row("mulhi", lax.mulhi, jlax.mulhi, BINARY[:1], dtypes=(i32, u8),
         domains=Domain(-10**6, 10**6)),
    _row("igamma", lax.igamma, jlax.igamma, BINARY, domains=(SHAPES, POSITIVE),
         differentiable=True, tol={"float32": (1e-4, 1e-5)}),
    _row("igammac", lax.igammac, jlax.igammac, BINARY[:1], domains=(SHAPES, POSITIVE),
         differentiable=True, tol={"float32": (1e-4, 1e-5)}),
    _row("igamma_grad_a", lax.igamma_grad_a, jlax.igamma_grad_a, BINARY[:1],
         domains=(SHAPES, POSITIVE)),
    _row("random_gamma_grad", lax.random_gamma_grad, jlax.random_gamma_grad, BINARY[:1],
         domains=(SHAPES, POSITIVE)),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS, namespace=(lax, jax.lax))


def test_spec_rows_name_zenax_lax_functions():
    names = [s.name for s in SPECS]
    assert len(set(names)) == len(names)
    for name in names:
        assert callable(getattr(lax, name.split("/")[0])), name


# --------------------------------------------------------------------------- grids

def _grid(*axes):
    return [g.ravel() for g in np.meshgrid(*axes, indexing="ij")]


# Shapes from tiny to huge; x around a (where igamma switches between its series and its
# continued fraction), far below and above, and the edges 0 and inf.
_A = np.array([1e-3, 0.1, 0.5, 1.0, 2.5, 10.0, 45.0, 300.0])
_F = np.array([0.0, 1e-4, 0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 2.0, 10.0])
A_GRID, X_GRID = _grid(_A, _F)
X_GRID = A_GRID * X_GRID
A_GRID = np.concatenate([A_GRID, [1.0, 1.0, -1.0, 0.0, 0.0, np.nan, 1.0, 2.0]])
X_GRID = np.concatenate([X_GRID, [np.inf, -1.0, 1.0, 1.0, 0.0, 1.0, np.nan, 1e-30]])

# polygamma: orders 0..4 and a non-integer order (NaN), at poles, negative non-integers,
# near zero and large x.
M_GRID, PX_GRID = _grid(np.array([0.0, 1.0, 2.0, 4.0, 1.5, -1.0]),
                        np.array([-2.0, -1.5, -0.3, 1e-3, 0.5, 1.0, 3.7, 40.0, 1e4]))
# zeta: the pole x = 1, x < 1 (NaN), negative q, q a non-positive integer.
ZX_GRID, ZQ_GRID = _grid(np.array([0.5, 1.0, 1.5, 2.0, 5.0, 30.0]),
                         np.array([-2.5, -1.0, 0.0, 1e-3, 1.0, 3.3, 100.0]))
BA, BB, BX = _grid(np.array([0.01, 0.5, 2.0, 30.0, 500.0]), np.array([0.3, 1.0, 8.0, 200.0]),
                   np.array([-0.5, 0.0, 1e-3, 0.2, 0.5, 0.97, 1.0, 1.5]))

GRID_CASES = {
    "igamma": (A_GRID, X_GRID), "igammac": (A_GRID, X_GRID),
    "igamma_grad_a": (A_GRID, X_GRID), "random_gamma_grad": (A_GRID, X_GRID),
    "polygamma": (M_GRID, PX_GRID), "zeta": (ZX_GRID, ZQ_GRID), "betainc": (BA, BB, BX),
}


def _both(name, args):
    return getattr(lax, name)(*args), getattr(jlax, name)(*args)


@pytest.mark.parametrize("name", sorted(GRID_CASES))
def test_values_on_hard_grids_like_jax_in_float32(name):
    args = [np.asarray(a, np.float32) for a in GRID_CASES[name]]
    assert_same(*_both(name, args), rtol=2e-6, atol=0)


@pytest.mark.parametrize("name", sorted(GRID_CASES))
def test_values_on_hard_grids_like_jax_in_float64(name, x64):
    args = [np.asarray(a, np.float64) for a in GRID_CASES[name]]
    assert_same(*_both(name, args), rtol=1e-13, atol=0)


def test_integer_bit_ops_like_jax_across_dtypes():
    for dtype in (np.int8, np.uint8, np.int16, np.int32, np.uint32):
        info = np.iinfo(dtype)
        x = np.array([info.min, info.min + 1, -1, 0, 1, 2, 77, info.max - 1, info.max]
                     if info.min else [0, 1, 2, 3, 77, info.max // 2, info.max - 1, info.max],
                     dtype)
        y = x[::-1].copy()
        assert_same(lax.clz(x), jlax.clz(x), err_msg=str(dtype))
        assert_same(lax.mulhi(x, y), jlax.mulhi(x, y), err_msg=str(dtype))


def test_reduce_precision_formats_like_jax():
    x = np.array([0.0, -0.0, 1e-40, 6e-8, 1.2345678, -3.14159, 65504.0, 65520.0, 1e30,
                  np.inf, -np.inf, np.nan], np.float32)
    for bits in ((5, 10), (8, 7), (4, 3), (5, 2), (1, 0), (11, 52)):
        assert_same(lax.reduce_precision(x, *bits), jlax.reduce_precision(x, *bits),
                    rtol=0, atol=0, err_msg=str(bits))
    for dtype in (np.float16, jnp.bfloat16):
        narrow = np.clip(x, -60000, 60000).astype(dtype)
        assert_same(lax.reduce_precision(narrow, 3, 2), jlax.reduce_precision(narrow, 3, 2),
                    rtol=0, atol=0)
    # Linear, as in JAX: the cotangent is rounded like the primal.
    assert_same(zenax.vjp(lambda x: lax.reduce_precision(x, 4, 2), x)[1](x),
                jax.vjp(lambda x: jlax.reduce_precision(x, 4, 2), x)[1](x))


# --------------------------------------------------------------------------- dtypes, shapes

SCALAR_CALLS = [("zeta", (2.0, 1.5)), ("polygamma", (1.0, 2.0)), ("betainc", (2.0, 3.0, 0.4)),
                ("reduce_precision", (1.2345, 5, 10))]


def test_python_scalars_give_weak_results_like_jax():
    for name, args in SCALAR_CALLS:
        assert_same(*_both(name, args), err_msg=name)
    assert_same(lax.zeta(np.float32(1.5), 2.0), jlax.zeta(np.float32(1.5), 2.0))
    # JAX's random_gamma_grad needs arrays (it reads .shape); zenax also takes scalars,
    # with the weak result of every other elementwise primitive.
    [out_aval] = zenax.make_jaxpr(lambda: lax.random_gamma_grad(1.5, 2.0))().out_avals
    assert out_aval.weak_type and out_aval.dtype == np.float32


@pytest.mark.exhaustive    # JAX's random_gamma_grad runs op by op: slow to compile eagerly
def test_random_gamma_grad_of_python_scalars_eagerly():
    out = lax.random_gamma_grad(1.5, 2.0)
    assert out.weak_type and out.dtype == np.float32
    assert_same(out, jlax.random_gamma_grad(jnp.float32(1.5), jnp.float32(2.0)),
                check_weak_type=False)


BAD_CALLS = [
    ("igamma", (np.ones(3, np.int32), np.ones(3, np.int32))),          # integers
    ("zeta", (np.ones(3, np.complex64), np.ones(3, np.complex64))),    # complex
    ("igammac", (np.ones(3, np.float32), np.ones(3, np.float16))),     # mixed dtypes
    ("igamma_grad_a", (np.ones(3, np.float32), np.ones(2, np.float32))),  # shapes
    ("random_gamma_grad", (np.ones(3, np.int32), np.ones(3, np.int32))),
    ("polygamma", (np.int32(1), np.float32(2.0))),                     # integer order
    ("betainc", (np.float32(1), np.float32(1), np.ones(3, np.float16))),
    ("clz", (np.ones(3, np.float32),)),
    ("mulhi", (np.ones(3, np.int32), np.ones(3, np.uint32))),
    ("mulhi", (np.ones(3, np.float32), np.ones(3, np.float32))),
    ("reduce_precision", (np.ones(3, np.int32), 5, 10)),
]


@pytest.mark.parametrize("name,args", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_operands_are_type_errors_like_jax(name, args):
    with pytest.raises(TypeError):
        getattr(jlax, name)(*args)
    prim = {"betainc": "regularized_incomplete_beta"}.get(name, name)
    with pytest.raises(TypeError, match=prim):
        getattr(lax, name)(*args)


def test_reduce_precision_params_checked_like_jax():
    x = np.ones(3, np.float32)
    for bits in ((0, 3), (5, -1)):
        with pytest.raises(ValueError):
            jlax.reduce_precision(x, *bits)
        with pytest.raises(ValueError, match="reduce_precision: (exponent|mantissa)_bits"):
            lax.reduce_precision(x, *bits)
    with pytest.raises(TypeError):
        jlax.reduce_precision(x, 5.0, 3)
    with pytest.raises(TypeError, match="reduce_precision: exponent_bits"):
        lax.reduce_precision(x, 5.0, 3)
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(lambda e: jlax.reduce_precision(x, e, 3))(5)
    with pytest.raises(ConcretizationTypeError):
        zenax.jit(lambda e: lax.reduce_precision(x, e, 3))(5)


@pytest.mark.parametrize("name", ["igamma", "polygamma", "zeta", "betainc", "reduce_precision",
                                  "clz", "mulhi", "digamma"])
def test_jaxprs_like_jax(name):
    x = np.ones((2, 3), np.int32 if name in ("clz", "mulhi") else np.float32)
    fun = {"betainc": lambda L, x: L.betainc(x, 2.0, x), "reduce_precision":
           lambda L, x: L.reduce_precision(x, 5, 10), "clz": lambda L, x: L.clz(x),
           "digamma": lambda L, x: L.digamma(x)}.get(name, lambda L, x: getattr(L, name)(x, x))
    ours = zenax.make_jaxpr(lambda x: fun(lax, x))(x)
    assert str(ours) == str(jax.make_jaxpr(lambda x: fun(jlax, x))(x))
    assert zenax.typecheck_jaxpr(ours) is None


# --------------------------------------------------------------------------- derivatives

def test_derivatives_to_second_order_like_jax():
    """First and second derivatives, batched, of everything JAX differentiates twice:
    digamma (whose slope is polygamma(1, x)), polygamma in x, igamma in x (and once in
    a), betainc in x.  (igammac's rules are igamma's negated: its spec row checks them.)"""
    a = np.array([0.3, 1.0, 2.5, 7.0, 30.0], np.float32)
    x = np.array([0.2, 1.2, 2.5, 6.0, 33.0], np.float32)
    u = np.array([0.05, 0.3, 0.5, 0.7, 0.99], np.float32)

    def derivatives(L, vmap, grad, a, x, u):
        fns = [(lambda x: L.digamma(x), x), (lambda x: L.polygamma(3.0, x), x),
               (lambda x: L.igamma(2.5, x), x), (lambda u: L.betainc(2.0, 0.5, u), u),
               (lambda x: L.lgamma(x), x)]
        first = [vmap(grad(f))(v) for f, v in fns] + [
            vmap(grad(lambda a, x: L.igamma(a, x)))(a, x)]
        second = [vmap(grad(grad(f)))(v) for f, v in fns]
        return first, second

    ours = zenax.jit(lambda *v: derivatives(lax, zenax.vmap, zenax.grad, *v))(a, x, u)
    theirs = jax.jit(lambda *v: derivatives(jlax, jax.vmap, jax.grad, *v))(a, x, u)
    assert_same(ours, theirs, rtol=2e-5, atol=1e-6)


X64 = np.array([0.4, 1.3, 3.2, 9.0])


def test_derivatives_by_finite_differences(x64):
    check_grads(lambda x: lax.polygamma(np.float64(1.0), x), (X64,), order=2)
    check_grads(lax.digamma, (X64,), order=2)
    check_grads(lambda u: lax.betainc(np.float64(1.5), np.float64(3.0), u),
                (np.array([0.1, 0.45, 0.8]),), order=2)


@pytest.mark.exhaustive    # float64 finite differences of the igamma family (slow compiles)
def test_incomplete_gamma_derivatives_by_finite_differences(x64):
    check_grads(lambda x: lax.igamma(np.float64(2.2), x), (X64,), order=2)
    check_grads(lambda x: lax.igammac(np.float64(0.6), x), (X64,), order=2)
    # In a, once: its derivative igamma_grad_a has no derivative of its own.
    check_grads(lambda a: lax.igamma(a, np.float64(1.7)), (X64,), order=1)
    check_grads(lambda a: lax.igammac(a, np.float64(1.7)), (X64,), order=1)


# (function of one operand, the differentiated argument, JAX's error kind under grad)
UNDIFFERENTIABLE = [
    ("polygamma", "m", lambda L, v: L.polygamma(v, 2.0), ValueError),
    ("zeta", "x", lambda L, v: L.zeta(v, 2.0), NotImplementedError),
    ("zeta", "q", lambda L, v: L.zeta(3.0, v), NotImplementedError),
    ("igamma_grad_a", "a", lambda L, v: L.igamma_grad_a(v, 2.0), NotImplementedError),
    ("igamma_grad_a", "x", lambda L, v: L.igamma_grad_a(1.5, v), NotImplementedError),
    ("random_gamma_grad", "a", lambda L, v: L.random_gamma_grad(v, jnp.float32(2.0)),
     ValueError),
    ("random_gamma_grad", "x", lambda L, v: L.random_gamma_grad(jnp.float32(1.5), v),
     ValueError),
    ("betainc", "a", lambda L, v: L.betainc(v, 2.0, 0.3), ValueError),
    ("betainc", "b", lambda L, v: L.betainc(1.5, v, 0.3), ValueError),
]


@pytest.mark.parametrize("name,arg,fun,kind", UNDIFFERENTIABLE,
                         ids=[f"{c[0]}-{c[1]}" for c in UNDIFFERENTIABLE])
def test_undifferentiable_arguments_raise_like_jax(name, arg, fun, kind):
    v = np.float32(2.0)
    with pytest.raises(kind):
        jax.grad(lambda v: fun(jlax, v))(v)
    with pytest.raises(kind, match=f"{name}: cannot differentiate with respect to `{arg}`"):
        zenax.grad(lambda v: fun(lax, v))(v)
    with pytest.raises(kind, match=name):
        zenax.jvp(lambda v: fun(lax, v), (v,), (v,))
    # Held fixed, the argument is fine: the function is a constant of the other one.
    assert zenax.grad(lambda w, v: w * fun(lax, lax.stop_gradient(v)))(1.0, v) == \
        fun(lax, v)


@pytest.mark.exhaustive     # JAX's forward mode compiles its loop's derivative
def test_random_gamma_grad_in_forward_mode_differs_from_jax_by_design():
    # JAX differentiates its loop in forward mode; zenax's primitive has no derivative.
    a, x = jnp.float32(1.5), jnp.float32(2.0)
    jax_jvp = jax.jit(lambda a: jax.jvp(lambda a: jlax.random_gamma_grad(a, x), (a,), (a,)))
    assert np.isfinite(jax_jvp(a)[1])
    with pytest.raises(ValueError, match="random_gamma_grad"):
        zenax.jvp(lambda a: lax.random_gamma_grad(a, x), (a,), (a,))


def test_vmap_with_unbatched_and_scalar_operands_like_jax():
    a = np.array([[0.5, 1.0, 3.0], [2.0, 8.0, 0.1]], np.float32)
    x = np.array([1.0, 2.5, 0.3], np.float32)

    def batched(L, vmap, a, x):
        u = x / 3
        return (vmap(L.betainc, (0, None, None))(a, 2.0, u),
                vmap(L.betainc, (None, 1, 0))(2.0, a, u),
                vmap(L.polygamma, (None, 1))(1.0, a),
                vmap(L.zeta, (None, 0))(2.5, x),
                vmap(lambda x: L.reduce_precision(x, 5, 2), 1)(a))
    ours = zenax.jit(lambda a, x: batched(lax, zenax.vmap, a, x))(a, x)
    assert_same(ours, jax.jit(lambda a, x: batched(jlax, jax.vmap, a, x))(a, x))


# --------------------------------------------------------------------------- the surface

def test_exported_like_jax_lax():
    for name in ("polygamma", "zeta", "igamma", "igammac", "igamma_grad_a",
                 "random_gamma_grad", "clz", "mulhi", "reduce_precision"):
        assert getattr(lax, name + "_p").name == name
        assert callable(getattr(lax, name))
    assert lax.regularized_incomplete_beta_p.name == "regularized_incomplete_beta"
    assert isinstance(lax.betainc(2.0, 3.0, 0.5), jax.Array)


@pytest.mark.parametrize("module", [zenax.lax.bits, zenax.lax.special_gamma],
                         ids=["bits", "special_gamma"])
def test_docstring_examples(module):
    results = doctest.testmod(module, extraglobs={"lax": lax, "jnp": znp})
    assert results.attempted and results.failed == 0
