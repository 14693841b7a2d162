"""zenax.scipy.signal -- convolve, correlate, convolve2d, correlate2d, fftconvolve,
detrend, stft, istft, csd, welch -- against jax.scipy.signal (and SciPy, as JAX's own
tests check them):

* the spec rows: eager, jit, jvp/vjp and vmap against JAX (the spectral functions
  differentiated through their segmenting, windows and FFTs);
* every mode, swap and method of the convolutions, real and complex, against JAX and
  SciPy; fftconvolve's ``axes``;
* the spectral options (segment length, overlap, nfft, boundary, padding, detrending,
  named and array windows, scaling, averaging, sides, axes, two inputs of different
  lengths) against JAX, and welch/csd/stft against SciPy;
* istft inverts stft (JAX's result, and the signal back);
* bad input: JAX's exception kinds, messages naming the function.
"""
import warnings

import jax
import jax.scipy.signal as js
import numpy as np
import pytest
import scipy.signal as osp_signal

import zenax
import zenax.scipy.signal as zs

from jnp_spec_checks import spec_tests
from oracle import assert_same
from spec import Arg, Case, Domain, Spec, c64, f32

# FFT-based results and segment spectra agree with JAX's to rounding of sums of a few
# dozen terms.
FFT_TOL = {"float32": (2e-5, 2e-5), "complex64": (2e-5, 2e-5)}
# detrend solves a least-squares problem per segment (an SVD): the residuals are
# cancellations, accurate to the data's magnitude times a few ulps.
LSTSQ_TOL = {"float32": (1e-4, 2e-5)}


def _row(name, cases, dtypes=(f32,), tol=None, wrap=None):
    fun = name.split("/")[0]
    zfun, jfun = getattr(zs, fun), getattr(js, fun)
    if wrap is not None:
        zfun, jfun = wrap(zs), wrap(js)
    return Spec(name, zfun, jfun, cases, dtypes, Domain(-2.0, 2.0), tol=tol or {},
                differentiable=True)


def _istft_of_stft(signal):
    return lambda x: signal.istft(signal.stft(x, nperseg=8)[2], nperseg=8)


SPECS = [
    _row("convolve", (Case((Arg((7,)), Arg((3,))), label="full"),
                      Case((Arg((4, 5)), Arg((2, 3))), {"mode": "same"}, label="same"),
                      Case((Arg((2, 3)), Arg((4, 5))), {"mode": "valid"}, label="swapped"),
                      Case((Arg((6,)), Arg((4,))), {"method": "fft"}, label="fft")),
         (f32, c64), tol=FFT_TOL),
    _row("correlate", (Case((Arg((7,)), Arg((3,)))),
                       Case((Arg((2, 3)), Arg((4, 5))), {"mode": "same"}, label="swapped")),
         (f32, c64)),
    _row("convolve2d", (Case((Arg((4, 5)), Arg((2, 3)))),
                        Case((Arg((4, 5)), Arg((2, 3))), {"mode": "valid"}, label="valid"))),
    _row("correlate2d", (Case((Arg((2, 3)), Arg((4, 5))), label="swapped"),
                         Case((Arg((4, 5)), Arg((3, 2))), {"mode": "same"}, label="same"))),
    _row("fftconvolve", (Case((Arg((5, 6)), Arg((3, 2)))),
                         Case((Arg((3, 6)), Arg((3, 4))), {"mode": "same", "axes": 1},
                              label="axes")), (f32, c64), tol=FFT_TOL),
    _row("detrend", (Case((Arg((3, 10)),)),
                     Case((Arg((12, 2)),), {"axis": 0, "bp": [5]}, label="bp"),
                     Case((Arg((3, 10)),), {"type": "constant"}, label="constant")),
         tol=LSTSQ_TOL),
    _row("stft", (Case((Arg((20,)),), {"nperseg": 8}),), tol=FFT_TOL),
    _row("welch", (Case((Arg((2, 24)),), {"nperseg": 8}),
                   Case((Arg((24, 2)),), {"nperseg": 8, "axis": 0, "average": "median"},
                        label="median")), tol=FFT_TOL),
    _row("csd", (Case((Arg((24,)), Arg((24,))), {"nperseg": 8}),), tol=FFT_TOL),
    _row("istft/of_stft", (Case((Arg((20,)),)),), tol=FFT_TOL, wrap=_istft_of_stft),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 _) = spec_tests(SPECS)


def test_table_is_well_formed():
    names = [s.name for s in SPECS]
    assert len(set(names)) == len(names), "row names must be unique"
    assert {n.split("/")[0] for n in names} == set(zs.__all__)
    for spec in SPECS:
        assert spec.cases and spec.dtypes and hasattr(zs, spec.name.split("/")[0])


rng = np.random.RandomState(0)


def both(name, *args, **kwargs):
    """zenax's and JAX's ``signal.<name>(*args, **kwargs)``."""
    return getattr(zs, name)(*args, **kwargs), getattr(js, name)(*args, **kwargs)


def same(name, *args, tol=None, **kwargs):
    z, j = both(name, *args, **kwargs)
    assert_same(z, j, tol=tol, err_msg=f"{name} {kwargs}")
    return z


# ## convolutions

A1, V1 = rng.randn(9).astype(np.float32), rng.randn(4).astype(np.float32)
A2, V2 = rng.randn(5, 6).astype(np.float32), rng.randn(2, 3).astype(np.float32)
C2 = (rng.randn(4, 3) + 1j * rng.randn(4, 3)).astype(np.complex64)
CV = (rng.randn(2, 2) + 1j * rng.randn(2, 2)).astype(np.complex64)
PAIRS = [(A1, V1), (V1, A1), (A2, V2), (V2, A2), (C2, CV), (CV, C2), (A2[:3, :2], CV)]


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_and_correlate_like_jax_and_scipy(mode):
    for a, v in PAIRS:
        for name in ("convolve", "correlate"):
            z = same(name, a, v, mode)
            np.testing.assert_allclose(z, getattr(osp_signal, name)(a, v, mode),
                                       rtol=1e-5, atol=1e-5)
            same(name, a, v, mode, method="fft", tol=FFT_TOL)
            if a.ndim == 2:
                z = same(name + "2d", a, v, mode)
                np.testing.assert_allclose(z, getattr(osp_signal, name + "2d")(a, v, mode),
                                           rtol=1e-5, atol=1e-5)


def test_convolution_options():
    same("convolve", np.arange(5), np.arange(3))               # integers: floating point
    same("convolve", A2, V2, precision="highest")
    same("correlate", A2, V2, "same", method="direct", precision=jax.lax.Precision.HIGHEST)
    same("correlate2d", A2[:3, :4], A2[:3, :4], "valid")        # equal shapes: no swap
    same("correlate2d", A2[:3, :3], A2, "valid")
    # One input of size 1 along every axis: fftconvolve multiplies.
    same("fftconvolve", A2[:1], A2[:, :1], tol=FFT_TOL)
    z = same("fftconvolve", A2, V2, "valid", tol=FFT_TOL)
    np.testing.assert_allclose(z, osp_signal.fftconvolve(A2, V2, "valid"), rtol=1e-5,
                               atol=1e-5)
    for axes in (0, [-1], (0, 1)):
        same("fftconvolve", A2, A2[:, :2] if axes == [-1] else A2[:2] if axes == 0 else V2,
             axes=axes, tol=FFT_TOL)
    z = same("fftconvolve", C2, CV, "same", tol=FFT_TOL)
    np.testing.assert_allclose(z, osp_signal.fftconvolve(C2, CV, "same"), rtol=1e-5,
                               atol=1e-5)


def test_convolution_derivatives_match_jax():
    def loss(signal):
        return lambda a, v: (signal.convolve(a, v, "same").sum()
                             + (signal.correlate2d(a, v) ** 2).sum()
                             + signal.fftconvolve(a, v, "valid").sum())
    assert_same(zenax.jit(zenax.grad(loss(zs), argnums=(0, 1)))(A2, V2),
                jax.jit(jax.grad(loss(js), argnums=(0, 1)))(A2, V2), tol=FFT_TOL)


# ## spectral analysis

X = rng.randn(50).astype(np.float32)
Y = rng.randn(50).astype(np.float32)
XB = rng.randn(3, 41).astype(np.float32)

SEGMENTS = [
    {"nperseg": 8},
    {"nperseg": 8, "noverlap": 2, "nfft": 12},
    {"nperseg": 7, "detrend": "linear", "scaling": "spectrum"},
    {"nperseg": 10, "window": "hamming", "return_onesided": False, "detrend": False},
    {"nperseg": 6, "window": ("tukey", 0.5), "fs": 10.0, "average": "median"},
    {"window": np.hanning(9).astype(np.float32)},
]


@pytest.mark.parametrize("kwargs", SEGMENTS, ids=range(len(SEGMENTS)))
def test_welch_and_csd_like_jax_and_scipy(kwargs):
    same("welch", X, tol=FFT_TOL, **kwargs)
    same("welch", XB.T, axis=0, tol=FFT_TOL, **kwargs)
    same("csd", XB, Y[None, :30], tol=FFT_TOL, **kwargs)   # shorter y: zero-padded
    f, pxx = same("welch", XB, tol=FFT_TOL, **kwargs)
    # SciPy's default segment is 256 samples (clipped to the signal, with a warning).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f_sp, pxx_sp = osp_signal.welch(XB, **kwargs)
    np.testing.assert_allclose(f, f_sp, rtol=1e-6)
    np.testing.assert_allclose(pxx, pxx_sp, rtol=2e-4, atol=1e-6)


def test_welch_defaults_and_two_inputs():
    # Without nperseg JAX takes the whole signal as one segment; a too-long nperseg is
    # clipped with a warning.
    same("welch", X, tol=FFT_TOL)
    with pytest.warns(UserWarning, match="nperseg"):
        zs.welch(X, nperseg=64)
    f, pxy = same("csd", X, Y, nperseg=16, tol=FFT_TOL)
    f_sp, pxy_sp = osp_signal.csd(X, Y, nperseg=16)
    np.testing.assert_allclose(pxy, pxy_sp, rtol=2e-4, atol=1e-6)
    same("csd", X, None, nperseg=16, tol=FFT_TOL)               # y=None is welch
    same("welch", X, nperseg=8, detrend=lambda d: d - d.mean(-1, keepdims=True),
         tol=FFT_TOL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # complex input: two-sided, with a warning
        same("welch", (X + 1j * Y).astype(np.complex64), nperseg=8, tol=FFT_TOL)


STFT_OPTIONS = [
    {"nperseg": 8},
    {"nperseg": 7, "boundary": "even", "padded": False},
    {"nperseg": 8, "boundary": "odd", "detrend": "constant"},
    {"nperseg": 8, "boundary": "constant", "noverlap": 6, "nfft": 10},
    {"nperseg": 8, "boundary": None, "window": "hamming", "return_onesided": False},
    {"nperseg": 1, "noverlap": 0, "boundary": None},
]


@pytest.mark.parametrize("kwargs", STFT_OPTIONS, ids=range(len(STFT_OPTIONS)))
def test_stft_like_jax(kwargs):
    same("stft", X, tol=FFT_TOL, **kwargs)
    same("stft", XB.T, axis=0, tol=FFT_TOL, **kwargs)


def test_stft_istft_round_trip():
    f, t, zxx = same("stft", XB, nperseg=8, tol=FFT_TOL)
    f_sp, t_sp, zxx_sp = osp_signal.stft(XB, nperseg=8)
    np.testing.assert_allclose(zxx, zxx_sp, rtol=1e-4, atol=1e-5)
    t, x = same("istft", zxx, tol=FFT_TOL)
    np.testing.assert_allclose(x[:, :XB.shape[1]], XB, rtol=1e-4, atol=1e-5)
    # Time and frequency along other axes; no boundary trimming; odd segments.
    moved = np.moveaxis(np.asarray(zxx), (1, 2), (2, 0))
    same("istft", moved, time_axis=0, freq_axis=2, tol=FFT_TOL)
    same("istft", zxx, boundary=False, tol=FFT_TOL)
    _, _, odd = js.stft(X, nperseg=7, noverlap=3, window="hamming")
    same("istft", odd, nperseg=7, noverlap=3, nfft=7, window="hamming", tol=FFT_TOL)
    _, _, two_sided = js.stft(X, nperseg=8, return_onesided=False)
    same("istft", two_sided, input_onesided=False, tol=FFT_TOL)


def test_detrend_like_jax_and_scipy():
    for kwargs in ({}, {"type": "constant"}, {"bp": [10, 30]}, {"axis": 0}):
        data = XB.T if kwargs.get("axis") == 0 else XB
        z = same("detrend", data, tol=LSTSQ_TOL, **kwargs)
        np.testing.assert_allclose(z, osp_signal.detrend(data, **kwargs), rtol=1e-4,
                                   atol=2e-5)
    same("detrend", [1, 2, 4], type="constant")       # a list is converted, as in JAX


def test_eager_results_match_jit():
    # The spectral functions take static arguments; under jit they are Python values.
    def spectra(signal):
        return lambda x: (signal.welch(x, nperseg=8), signal.stft(x, nperseg=8),
                          signal.detrend(x, bp=[5]))
    assert_same(zenax.jit(spectra(zs))(X), spectra(zs)(X), tol=FFT_TOL)


# ## bad input

def raises_like_jax(name, *args, **kwargs):
    with pytest.raises(Exception) as expected:
        getattr(js, name)(*args, **kwargs)
    with pytest.raises(expected.type, match=name):
        getattr(zs, name)(*args, **kwargs)


@pytest.mark.parametrize("name,args,kwargs", [
    ("convolve", (A2, V1), {}),
    ("convolve", (A2, V2), {"mode": "x"}),
    ("convolve", (A2, A2.T), {}),
    ("convolve", (np.zeros(0, np.float32), V1), {}),
    ("convolve", (A1, V1), {"method": "x"}),
    ("convolve2d", (A1, V1), {}),
    ("correlate2d", (A2, V2), {"boundary": "wrap"}),
    ("convolve2d", (A2, V2), {"fillvalue": 1}),
    ("fftconvolve", (A2, V1), {}),
    ("fftconvolve", (A2, A2.T), {"mode": "valid"}),
    ("fftconvolve", (A2, V2), {"mode": "x"}),
    ("fftconvolve", (A2, V2), {"axes": 1}),
    ("fftconvolve", ([1.0], [1.0]), {}),
    ("detrend", (X,), {"type": "x"}),
    ("detrend", (X,), {"bp": [60]}),
    ("detrend", (X,), {"overwrite_data": True}),
    ("welch", (X,), {"nperseg": 8, "noverlap": 8}),
    ("welch", (X,), {"nperseg": 8, "nfft": 4}),
    ("welch", (X,), {"nperseg": 0}),
    ("welch", (X,), {"nperseg": 8, "scaling": "x"}),
    ("welch", (X,), {"nperseg": 8, "average": "x"}),
    ("welch", (X,), {"nperseg": 8, "detrend": "x"}),
    ("welch", (X,), {"window": np.ones((2, 2))}),
    ("welch", (X,), {"window": np.ones(60)}),
    ("welch", (X,), {"window": np.ones(8), "nperseg": 6}),
    ("csd", (X, XB), {}),
    ("stft", (X,), {"boundary": "x"}),
    ("istft", (np.ones(3, np.complex64),), {}),
    ("istft", (np.ones((3, 4), np.complex64),), {"time_axis": 0, "freq_axis": 0}),
    ("istft", (np.ones((5, 4), np.complex64),), {"noverlap": 8}),
    ("istft", (np.ones((5, 4), np.complex64),), {"nfft": 4}),
    ("istft", (np.ones((5, 4), np.complex64),), {"window": np.ones(5)}),
])
def test_bad_input_raises_like_jax(name, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like_jax(name, *args, **kwargs)


def test_bad_input_messages():
    with pytest.raises(ValueError, match="convolve: .*same number of dimensions"):
        zs.convolve(A2, V1)
    with pytest.raises(NotImplementedError, match="correlate2d: .*boundary='fill'"):
        zs.correlate2d(A2, V2, boundary="symm")
    with pytest.raises(TypeError, match="fftconvolve requires ndarray"):
        zs.fftconvolve([1.0], A1)
    # JAX fails on a list with an AttributeError (it reads .ndim first).
    with pytest.raises(TypeError, match="welch requires ndarray"):
        zs.welch([1.0, 2.0])
    with pytest.raises(TypeError, match="convolve requires ndarray"):
        zs.convolve([1.0, 2.0], A1)
    with pytest.raises(ValueError, match="welch: noverlap"):
        zs.welch(X, nperseg=8, noverlap=9)
    with pytest.raises(zenax.ConcretizationTypeError, match="nperseg"):
        zenax.jit(lambda x, n: zs.welch(x, nperseg=n))(X, 8)
