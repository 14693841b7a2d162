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
 test_table_is_well_formed) = spec_tests(SPECS, namespace=(zs, js))


def test_table_covers_the_module():
    assert {s.name.split("/")[0] for s in SPECS} == set(zs.__all__)


rng = np.random.RandomState(0)


def same(calls, tol=None):
    """Each call ``(name, args, kwargs)`` of ``signal.<name>``, all of them in one
    ``zenax.jit`` and one ``jax.jit`` program (the arrays as arguments, one compile a
    side): equal results.  Returns zenax's."""
    def program(module):
        return lambda operands: [getattr(module, name)(*args, **kwargs)
                                 for (name, _, kwargs), args in zip(calls, operands)]
    operands = [list(args) for _, args, _ in calls]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # complex input: two-sided, with a warning
        z, j = zenax.jit(program(zs))(operands), jax.jit(program(js))(operands)
    for (name, _, kwargs), z_out, j_out in zip(calls, z, j):
        assert_same(z_out, j_out, tol=tol, err_msg=f"{name} {kwargs}")
    return z


def call(name, *arrays, **kwargs):
    return name, arrays, kwargs


# ## convolutions

A1, V1 = rng.randn(9).astype(np.float32), rng.randn(4).astype(np.float32)
A2, V2 = rng.randn(5, 6).astype(np.float32), rng.randn(2, 3).astype(np.float32)
C2 = (rng.randn(4, 3) + 1j * rng.randn(4, 3)).astype(np.complex64)
CV = (rng.randn(2, 2) + 1j * rng.randn(2, 2)).astype(np.complex64)
PAIRS = [(A1, V1), (V1, A1), (A2, V2), (V2, A2), (C2, CV), (CV, C2), (A2[:3, :2], CV)]


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_and_correlate_like_jax_and_scipy(mode):
    calls = []
    for a, v in PAIRS:
        for name in ("convolve", "correlate") + (("convolve2d", "correlate2d")
                                                 if a.ndim == 2 else ()):
            calls.append(call(name, a, v, mode=mode))
    outs = same(calls)
    for (name, (a, v), _), out in zip(calls, outs):
        np.testing.assert_allclose(out, getattr(osp_signal, name)(a, v, mode), rtol=1e-5,
                                   atol=1e-5, err_msg=name)
    same([call(name, a, v, mode=mode, method="fft") for a, v in PAIRS
          for name in ("convolve", "correlate")], tol=FFT_TOL)


def test_convolution_options():
    same([call("convolve", np.arange(5), np.arange(3)),         # integers: floating point
          call("convolve", A2, V2, precision="highest"),
          call("correlate", A2, V2, mode="same", method="direct",
               precision=jax.lax.Precision.HIGHEST),
          call("correlate2d", A2[:3, :4], A2[:3, :4], mode="valid"),  # equal shapes: no swap
          call("correlate2d", A2[:3, :3], A2, mode="valid")])
    calls = [call("fftconvolve", A2[:1], A2[:, :1]),     # size 1 on every axis: a product
             call("fftconvolve", A2, V2, mode="valid"), call("fftconvolve", C2, CV, mode="same"),
             call("fftconvolve", A2, A2[:2], axes=0), call("fftconvolve", A2, A2[:, :2],
                                                           axes=[-1]),
             call("fftconvolve", A2, V2, axes=(0, 1))]
    for (_, args, kwargs), out in zip(calls, same(calls, tol=FFT_TOL)):
        np.testing.assert_allclose(out, osp_signal.fftconvolve(*args, **kwargs), rtol=1e-5,
                                   atol=1e-5)
    # Eagerly, too: one call.
    assert_same(zs.convolve(A2, V2, "same"), js.convolve(A2, V2, "same"))


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
    (f, pxx), *_ = same([call("welch", XB, **kwargs), call("welch", XB.T, axis=0, **kwargs),
                         call("csd", XB, Y[None, :30], **kwargs)],   # y shorter: padded
                        tol=FFT_TOL)
    # SciPy's default segment is 256 samples (clipped to the signal, with a warning).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f_sp, pxx_sp = osp_signal.welch(XB, **kwargs)
    np.testing.assert_allclose(f, f_sp, rtol=1e-6)
    np.testing.assert_allclose(pxx, pxx_sp, rtol=2e-4, atol=1e-6)


def test_welch_defaults_and_two_inputs():
    # Without nperseg JAX takes the whole signal as one segment; a too-long nperseg is
    # clipped with a warning.
    _, (f, pxy), *_ = same([
        call("welch", X), call("csd", X, Y, nperseg=16), call("csd", X, None, nperseg=16),
        call("welch", X, nperseg=8, detrend=lambda d: d - d.mean(-1, keepdims=True)),
        call("welch", (X + 1j * Y).astype(np.complex64), nperseg=8)], tol=FFT_TOL)
    f_sp, pxy_sp = osp_signal.csd(X, Y, nperseg=16)
    np.testing.assert_allclose(pxy, pxy_sp, rtol=2e-4, atol=1e-6)
    with pytest.warns(UserWarning, match="nperseg"):
        zenax.jit(lambda x: zs.welch(x, nperseg=64))(X)


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
    same([call("stft", X, **kwargs), call("stft", XB.T, axis=0, **kwargs)], tol=FFT_TOL)


def test_stft_istft_round_trip():
    (f, t, zxx), = same([call("stft", XB, nperseg=8)], tol=FFT_TOL)
    f_sp, t_sp, zxx_sp = osp_signal.stft(XB, nperseg=8)
    np.testing.assert_allclose(zxx, zxx_sp, rtol=1e-4, atol=1e-5)
    odd, two_sided = jax.jit(lambda x: (
        js.stft(x, nperseg=7, noverlap=3, window="hamming")[2],
        js.stft(x, nperseg=8, return_onesided=False)[2]))(X)
    moved = np.moveaxis(np.asarray(zxx), (1, 2), (2, 0))
    (t, x), *_ = same([
        call("istft", zxx),
        # Time and frequency along other axes; no boundary trimming; odd segments.
        call("istft", moved, time_axis=0, freq_axis=2), call("istft", zxx, boundary=False),
        call("istft", odd, nperseg=7, noverlap=3, nfft=7, window="hamming"),
        call("istft", two_sided, input_onesided=False)], tol=FFT_TOL)
    np.testing.assert_allclose(x[:, :XB.shape[1]], XB, rtol=1e-4, atol=1e-5)


def test_detrend_like_jax_and_scipy():
    calls = [call("detrend", XB, bp=[10, 30]), call("detrend", XB.T, axis=0, type="constant")]
    for (_, (data,), kwargs), out in zip(calls, same(calls, tol=LSTSQ_TOL)):
        np.testing.assert_allclose(out, osp_signal.detrend(data, **kwargs), rtol=1e-4,
                                   atol=2e-5)
    # Eagerly; and a list is converted, as in JAX.
    assert_same(zs.detrend([1, 2, 4], type="constant"), js.detrend([1, 2, 4], type="constant"))


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
