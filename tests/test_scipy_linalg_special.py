"""zenax.scipy.linalg's special matrices against jax.scipy.linalg (and SciPy):

* the matrices made from vectors (toeplitz, hankel, circulant, leslie, companion, fiedler,
  fiedler_companion, convolution_matrix, block_diag) as spec rows: eagerly, under jit,
  jvp/vjp and vmap against JAX, batched over the vectors' leading axes;
* the matrices of a size (hilbert, invhilbert, pascal, invpascal, helmert, hadamard, dft)
  against JAX, every kind and scale, and against SciPy;
* bad input raises JAX's kind of error, naming the function.
"""
from __future__ import annotations

import doctest
import functools

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
import scipy.linalg as osp

import zenax
import zenax.numpy as znp
import zenax.scipy.linalg as zsl
from zenax.lax.scipy import linalg_special_matrices

from jnp_spec_checks import spec_tests
from oracle import assert_same
from spec import Arg, Case, Domain, Spec, c64, f32, i32

NONZERO_FIRST = Domain(1.0, 3.0)      # a leading coefficient to divide by


def _row(name, cases, dtypes=(f32,), call=None, **kw):
    call = call or (lambda m, *args, **params: getattr(m, name)(*args, **params))
    return Spec(name, functools.partial(call, zsl), functools.partial(call, jsl), cases,
                dtypes, differentiable=kw.pop("differentiable", True), **kw)


def _case(*shapes, label="", **params):
    return Case(tuple(Arg(s) for s in shapes), params, label=label)


SPECS = [
    _row("toeplitz", (_case((3,), (4,)), _case((2, 3),), _case((2, 3), (2, 1, 4), label="b")),
         (f32, c64, i32)),
    _row("hankel", (_case((3,), (4,)), _case((2, 3),), _case((3,), (2, 2), label="b")),
         (f32, i32)),
    _row("circulant", (_case((4,)), _case((2, 3))), (f32, c64)),
    _row("leslie", (_case((3,), (2,)), _case((2, 4), (3,))), (f32,)),
    _row("companion", (_case((4,)), _case((2, 3))), (f32, c64), domains=NONZERO_FIRST),
    _row("fiedler", (_case((4,)), _case((2, 3))), (f32, i32)),
    _row("fiedler_companion", (_case((5,)), _case((2, 4)), _case((2,), label="n1")),
         (f32,), domains=NONZERO_FIRST),
    _row("convolution_matrix", (_case((3,), n=4), _case((2, 4), n=3, mode="same"),
                                _case((5,), n=3, mode="valid")), (f32, i32)),
    _row("block_diag", (_case((2, 2), (3,), ()), _case((1, 3), (2, 1))), (f32, i32)),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax,
 test_vmap_matches_jax, test_table_is_well_formed) = spec_tests(SPECS, namespace=(zsl, jsl))


SIZED = [
    ("hilbert", (4,), {}), ("invhilbert", (4,), {}), ("pascal", (4,), {}),
    ("pascal", (4,), {"kind": "lower"}), ("invpascal", (4,), {"kind": "upper"}),
    ("invpascal", (4,), {}), ("helmert", (4,), {}), ("helmert", (4,), {"full": True}),
    ("hadamard", (8,), {}), ("hadamard", (4,), {"dtype": np.float32}), ("dft", (5,), {}),
    ("dft", (4,), {"scale": "sqrtn"}), ("dft", (3,), {"scale": "n", "dtype": np.complex64}),
]


def _all_sized(m):
    return [getattr(m, name)(*args, **kwargs) for name, args, kwargs in SIZED]


def test_matrices_of_a_size_match_jax():
    # All of them in one program per library (one compile each).
    assert_same(zenax.jit(lambda: _all_sized(zsl))(), jax.jit(lambda: _all_sized(jsl))())
    assert_same(zsl.hilbert(3), jsl.hilbert(3))     # and an eager call


@pytest.mark.exhaustive
@pytest.mark.parametrize("name,args,kwargs", SIZED)
def test_each_matrix_of_a_size_matches_jax_eagerly(name, args, kwargs):
    assert_same(getattr(zsl, name)(*args, **kwargs), getattr(jsl, name)(*args, **kwargs))


@pytest.mark.exhaustive    # JAX is the oracle in the CI tier; this is a second one
def test_matrices_match_scipy():
    # JAX computes binomials with lgamma, so SciPy's exact integers agree to rounding.
    for name, args, kwargs in SIZED:
        if name in ("invhilbert", "invpascal", "pascal"):
            tol = 1e-3 if name == "invhilbert" else 1e-5
            np.testing.assert_allclose(getattr(zsl, name)(*args, **kwargs),
                                       getattr(osp, name)(*args, **kwargs), rtol=tol,
                                       atol=tol, err_msg=name)
    # float32 operands of the spec rows' shapes: their executables are reused.
    c, r = jnp.arange(1., 4.), jnp.arange(4., 8.)
    for name, args in (("toeplitz", (c, r)), ("hankel", (c, r)), ("circulant", (r,)),
                       ("leslie", (c, r[:2])), ("companion", (r,)), ("fiedler", (r,)),
                       ("fiedler_companion", (jnp.arange(1., 6.),)),
                       ("block_diag", (c, np.eye(2)))):
        np.testing.assert_allclose(getattr(zsl, name)(*args), getattr(osp, name)(*args),
                                   rtol=1e-6, err_msg=name)
    np.testing.assert_allclose(zsl.convolution_matrix(c, 4), osp.convolution_matrix(c, 4))


def test_dft_is_the_fft_matrix():
    x = np.random.RandomState(0).randn(6).astype(np.float32)
    np.testing.assert_allclose(zsl.dft(6) @ x, np.fft.fft(x), rtol=1e-5, atol=1e-5)


def test_weakly_typed_input_stays_weak_as_in_jax():
    for name, args in (("toeplitz", (znp.asarray(2.0),)), ("block_diag", (1.0, 2.0))):
        assert_same(getattr(zsl, name)(*args), getattr(jsl, name)(*args), err_msg=name)


@pytest.mark.parametrize("call,kind,match", [
    (lambda m: m.hankel(np.float32(1.)), ValueError, r"hankel: c must be at least 1-dim"),
    (lambda m: m.leslie(np.ones(1, np.float32), np.ones(1, np.float32)), ValueError,
     r"leslie: the length of f along the last axis must be at least 2"),
    (lambda m: m.leslie(np.ones(3, np.float32), np.ones(3, np.float32)), ValueError,
     r"leslie: the length of s along the last axis must be one less"),
    (lambda m: m.companion(np.ones(1, np.float32)), ValueError,
     r"companion: the length of `a`"),
    (lambda m: m.fiedler_companion(np.ones(0, np.float32)), ValueError,
     r"fiedler_companion: the last axis"),
    (lambda m: m.convolution_matrix(np.ones(3, np.float32), 0), ValueError,
     r"convolution_matrix: n must be a positive integer"),
    (lambda m: m.convolution_matrix(np.ones(3, np.float32), 2, mode="x"), ValueError,
     r"convolution_matrix: mode must be one of"),
    (lambda m: m.block_diag(np.ones((1, 2, 2), np.float32)), ValueError,
     r"block_diag: the arguments must have at most 2 dimensions"),
    (lambda m: m.hadamard(6), ValueError, r"hadamard: n must be a positive power of 2"),
    (lambda m: m.helmert(0), ValueError, r"helmert: n must be a positive integer"),
    (lambda m: m.pascal(3, kind="diagonal"), ValueError, r"pascal: expected kind"),
    (lambda m: m.dft(3, scale="x"), ValueError, r"dft: scale must be"),
    (lambda m: m.dft(3, dtype=np.float32), ValueError, r"dft: dtype must be a complex"),
    (lambda m: m.toeplitz([1., 2.]), TypeError, r"toeplitz requires ndarray"),
])
def test_bad_input_raises_as_jax(call, kind, match):
    with pytest.raises(kind, match=match):
        call(zsl)
    with pytest.raises(kind):
        call(jsl)


@pytest.mark.exhaustive    # a compile per example; the values are checked above in CI
def test_docstring_examples_run():
    results = doctest.testmod(linalg_special_matrices,
                              extraglobs={"jnp": znp, "zenax": zenax})
    assert results.attempted > 0 and results.failed == 0
