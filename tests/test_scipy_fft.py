"""zenax.scipy.fft's discrete cosine transforms (dct, dctn, idct, idctn) against
jax.scipy.fft (and SciPy):

* the spec rows: eagerly, under jit, jvp/vjp and vmap against JAX, per axis, length and
  norm, real, complex and integer input;
* values against SciPy, which JAX's tests use too, and the round trips;
* the compiled eager path, the docstring examples and bad input (JAX's exception kinds,
  messages naming the function).
"""
from __future__ import annotations

import doctest
import functools

import jax.numpy as jnp
import jax.scipy.fft as jfft
import numpy as np
import pytest
import scipy.fft as osp_fft

import zenax
import zenax.numpy as znp
import zenax.scipy.fft as zfft
from zenax.lax import eager
from zenax.lax.scipy import fft as fft_module

from jnp_spec_checks import spec_tests
from spec import Arg, Case, Spec, c64, f32, i32

TOL = {"float32": (2e-5, 2e-5), "complex64": (2e-5, 2e-5)}


def _row(name, cases, dtypes=(f32, c64, i32)):
    call = lambda m, x, **params: getattr(m, name)(x, **params)
    return Spec(name, functools.partial(call, zfft), functools.partial(call, jfft), cases,
                dtypes, tol=TOL, differentiable=True)


def _case(shape, label="", **params):
    return Case((Arg(shape),), params, label=label)


SPECS = [
    _row("dct", (_case((8,)), _case((3, 5), axis=0, norm="ortho", label="ortho"),
                 _case((2, 6), n=4, label="crop"), _case((2, 3), n=5, label="pad"))),
    _row("idct", (_case((7,)), _case((3, 4), axis=0, norm="ortho", label="ortho"),
                  _case((2, 5), n=8, norm="backward", label="pad"))),
    _row("dctn", (_case((4, 6)), _case((2, 3, 4), axes=(0, 2), norm="ortho", label="ortho"),
                  _case((2, 3, 4), label="three"), _case((3, 4), s=(5, 2), label="s"))),
    _row("idctn", (_case((4, 6)), _case((2, 3, 4), axes=(-1, 0), norm="ortho", label="ortho"),
                   _case((3, 4), s=(2, 6), axes=(1, 0), label="s"))),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax,
 test_vmap_matches_jax, test_table_is_well_formed) = spec_tests(SPECS, namespace=(zfft, jfft))


def test_table_covers_the_module():
    assert sorted(s.name for s in SPECS) == sorted(zfft.__all__) == \
        sorted(n for n in dir(jfft) if not n.startswith("_"))


X = np.random.RandomState(0).randn(4, 6).astype(np.float32)


def _scipy_pairs(norms, axes):
    for norm in norms:
        for axis in axes:
            yield "dct", {"axis": axis, "norm": norm}
            yield "idct", {"axis": axis, "norm": norm}
        yield "dctn", {"norm": norm}
        yield "idctn", {"norm": norm}


def test_values_match_scipy_and_run_compiled():
    x = jnp.asarray(X)
    for name, kwargs in _scipy_pairs((None,), (-1,)):
        fn = getattr(zfft, name)
        before, calls = dict(eager.fallbacks), fn.compiled_calls
        np.testing.assert_allclose(fn(x, **kwargs), getattr(osp_fft, name)(X, **kwargs),
                                   rtol=1e-5, atol=1e-4, err_msg=name)
        assert fn.compiled_calls == calls + 1 and eager.fallbacks == before, name


@pytest.mark.exhaustive
def test_every_norm_and_axis_matches_scipy():
    x = jnp.asarray(X)
    for name, kwargs in _scipy_pairs((None, "ortho"), (0, -1)):
        np.testing.assert_allclose(getattr(zfft, name)(x, **kwargs),
                                   getattr(osp_fft, name)(X, **kwargs), rtol=1e-5, atol=1e-4,
                                   err_msg=f"{name}{kwargs}")


def test_inverses_undo_the_transforms():
    # The calls of the test above (their executables are reused).
    x, options = jnp.asarray(X), dict(_scipy_pairs((None,), (-1,)))
    for forward, inverse in (("dct", "idct"), ("dctn", "idctn")):
        y = getattr(zfft, forward)(x, **options[forward])
        np.testing.assert_allclose(getattr(zfft, inverse)(y, **options[inverse]), x,
                                   atol=1e-5)


@pytest.mark.exhaustive
def test_orthonormal_transforms_keep_the_norm():
    x = jnp.asarray(X)
    y = zfft.dctn(x, norm="ortho")
    np.testing.assert_allclose(jnp.linalg.norm(y), jnp.linalg.norm(x), rtol=1e-5)
    np.testing.assert_allclose(zfft.idctn(y, norm="ortho"), x, atol=1e-5)


@pytest.mark.parametrize("call,kind,match", [
    (lambda m: m.dct(X, type=3), NotImplementedError, r"type 2"),
    (lambda m: m.idctn(X, type=1), NotImplementedError, r"type 2"),
    (lambda m: m.dct(X, norm="forward"), ValueError, r"scipy.fft.dct: norm='forward'"),
    (lambda m: m.idct(X, axis=2), ValueError, r"scipy.fft.idct: axis 2 is out of bounds"),
    (lambda m: m.dctn(X, axes=(0, 0)), ValueError, r"scipy.fft.dctn: repeated axis"),
    (lambda m: m.idctn(X, s=(1, 2, 3)), ValueError, r"s must have at most x.ndim \(2\)"),
    (lambda m: m.dct([1., 2.]), TypeError, r"scipy.fft.dct requires ndarray"),
])
def test_bad_input_raises_as_jax(call, kind, match):
    with pytest.raises(kind, match=match):
        call(zfft)
    with pytest.raises(kind):
        call(jfft)


def test_docstring_examples_run():
    results = doctest.testmod(fft_module, extraglobs={"jnp": znp, "zenax": zenax})
    assert results.attempted > 0 and results.failed == 0
