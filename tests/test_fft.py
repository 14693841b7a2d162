"""The FFT: ``zenax.lax.fft`` (the ``fft_p`` primitive; its spec rows are in spec_table.py)
and the ``zenax.numpy.fft`` namespace, against JAX (and NumPy, as JAX's tests check it):

* the spec rows: every ``jnp.fft`` function eagerly, under ``jit``, ``jvp``/``vjp`` and
  ``vmap`` against JAX, with ``n``/``s``, ``axis``/``axes`` and each ``norm``;
* ``lax.fft``'s spellings of the transform type, its dtype rules and errors, and the
  jaxpr it stages;
* JAX's dtype rules (integers and bools become complex64 / float32; no float16 ``rfft``),
  values for every ``norm`` against NumPy, more than three axes, empty transforms;
* gradients of real losses built on ``rfft``/``irfft``/``fftn`` against ``jax.grad``,
  ``vmap`` over other axes, second order by finite differences;
* bad input: JAX's exception kinds, with messages naming the function and argument.
"""
import doctest
import re
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax import lax
from zenax.lax.jnp import fft as jnp_fft_module
from zenax.test_util import check_grads
from zenax.tracer.errors import ConcretizationTypeError

from jnp_spec_checks import spec_tests
from jnp_spec_table import _wrapped
from oracle import assert_same
from spec import POSITIVE, Arg, Case, c64, f32, i32

rng = np.random.RandomState(0)


def _real(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _complex(*shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


# ## Spec rows: one per function, a few cases each (every distinct shape is a compile)

def _fn(name):
    """``<numpy>.fft.<name>(*operands, **params)``."""
    def wrap(m):
        return lambda *operands, **params: getattr(m.fft, name)(*operands, **params)
    return wrap


def _freq(name):
    """``<numpy>.fft.<name>(n, d)`` as a function of the spacing ``d`` (differentiable)."""
    def wrap(m):
        return lambda d, *, n: getattr(m.fft, name)(n, d)
    return wrap


def _row(name, cases, dtypes=(f32,), **kw):
    return _wrapped(f"fft.{name}", _fn(name), cases, dtypes, differentiable=True, **kw)


def _case(shape, dtype=None, label="", **params):
    return Case((Arg(shape, dtype),), params, label=label)


SPECS = [
    _row("fft", (_case((8,)),
                 _case((3, 5), n=8, axis=0, norm="ortho", label="pad"),
                 _case((2, 6), c64, n=4, norm="forward", label="crop"),
                 _case((2, 3), axis=None, label="all_axes")), (f32, i32)),
    _row("ifft", (_case((2, 5), c64, axis=0), _case((6,), norm="ortho", label="ortho"))),
    _row("rfft", (_case((7,)), _case((3, 4), n=6, axis=0, norm="forward", label="pad")),
         (f32, i32)),
    _row("irfft", (_case((5,), c64), _case((3, 4), c64, n=5, axis=0, norm="ortho",
                                           label="odd"))),
    _row("hfft", (_case((4,), c64), _case((2, 3), c64, n=5, norm="ortho", label="n5"))),
    _row("ihfft", (_case((6,)), _case((2, 5), n=4, axis=0, norm="forward", label="n4"))),
    _row("fft2", (_case((3, 4)), _case((2, 3, 4), c64, s=(4, 2), axes=(0, 2), label="s"))),
    _row("ifft2", (_case((3, 4), c64, norm="ortho"),)),
    _row("rfft2", (_case((3, 4), s=(3, 6)),)),
    _row("irfft2", (_case((4, 3), c64, s=(4, 4)),)),
    # Four or more axes: XLA transforms three at once, so these go in groups.
    _row("fftn", (_case((2, 3, 4)), _case((2, 2, 2, 2, 3), label="5d"),
                  _case((3, 4), axes=(1, 0), label="axes"))),
    _row("ifftn", (_case((2, 2, 2, 3), c64),)),
    _row("rfftn", (_case((2, 2, 2, 4)), _case((3, 4), s=(2, 6), norm="ortho", label="s"))),
    _row("irfftn", (_case((2, 2, 2, 3), c64), _case((3, 4), c64, axes=(0,), label="axes"),
                    _case((2, 3, 2, 2, 3), c64, s=(3, 2, 1, 2, 5), norm="forward",
                          label="s"))),
    _row("fftshift", (_case((5,)), _case((4, 5), axes=1, label="axis"))),
    _row("ifftshift", (_case((4, 5)), _case((4, 5), axes=(0,), label="axes"))),
    _wrapped("fft.fftfreq", _freq("fftfreq"), (Case((Arg(()),), {"n": 7}),), (f32,),
             POSITIVE, differentiable=True),
    _wrapped("fft.rfftfreq", _freq("rfftfreq"), (Case((Arg(()),), {"n": 8}),), (f32,),
             POSITIVE, differentiable=True),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def test_every_jax_function_has_a_row():
    public = {n for n in dir(jnp.fft) if not n.startswith("_")}
    assert {s.name.removeprefix("fft.") for s in SPECS} == public
    assert set(jnp_fft_module.__all__) == public
    assert znp.fft is jnp_fft_module


# ## lax.fft

X4 = np.array([1., 2., 3., 4.], np.float32)


@pytest.mark.parametrize("fft_type", ["rfft", "RFFT", lax.FftType.RFFT, jax.lax.FftType.RFFT])
def test_lax_fft_takes_jax_spellings_of_the_type(fft_type):
    assert lax.FftType.RFFT == jax.lax.FftType.RFFT
    assert_same(lax.fft(X4, fft_type, (4,)), jax.lax.fft(X4, fft_type, (4,)))


@pytest.mark.parametrize("x,fft_type", [
    (np.arange(4, dtype=np.int32), "fft"), (np.arange(4, dtype=np.uint8), "rfft"),
    (np.array([True, False]), "ifft"), (np.ones(4, np.float16), "fft"),
    (2.0, "fft"), (np.float32(3), "rfft"),
], ids=["int_fft", "uint8_rfft", "bool_ifft", "f16_fft", "python_scalar", "rank0"])
def test_lax_fft_dtype_rules_like_jax(x, fft_type):
    lengths = np.shape(x)
    assert_same(lax.fft(x, fft_type, lengths), jax.lax.fft(x, fft_type, lengths))


def test_lax_fft_stages_jax_equations():
    staged = str(zenax.make_jaxpr(lambda x: lax.fft(x, "fft", (4,)))(X4))
    assert "convert_element_type[new_dtype=complex64 weak_type=False]" in staged
    assert "c:c64[4] = fft[fft_lengths=(4,) fft_type=0] b" in staged
    inner = jax.make_jaxpr(lambda x: jax.lax.fft(x, "fft", (4,)))(X4).eqns[0].params["jaxpr"]
    assert "fft[fft_lengths=(4,) fft_type=0]" in str(inner)


@pytest.mark.parametrize("x,fft_type,lengths,error,words", [
    (X4, "foo", (4,), ValueError, "unknown fft_type 'foo'"),
    (X4, 2, (4,), TypeError, "fft_type must be"),
    (X4, "fft", (3,), ValueError, "last axes are (3,)"),
    (X4, "fft", (4, 4), ValueError, "fewer axes than fft_lengths"),
    (X4.astype(np.complex64), "rfft", (4,), ValueError, "RFFT takes real input"),
    (X4.astype(np.float16), "rfft", (4,), ValueError, "float32 or float64, got float16"),
    (np.ones((2, 4), np.complex64), "irfft", (3, 6), ValueError, "last axes are (3, 4)"),
], ids=["unknown_type", "int_type", "length", "rank", "complex_rfft", "f16_rfft",
        "irfft_shape"])
def test_lax_fft_errors_like_jax(x, fft_type, lengths, error, words):
    with pytest.raises(error):
        jax.lax.fft(x, fft_type, lengths)
    with pytest.raises(error, match=r"fft: .*" + re.escape(words)):
        lax.fft(x, fft_type, lengths)


@pytest.mark.parametrize("x,fft_type,lengths", [
    (np.ones(5, np.complex64), "irfft", (4,)),        # XLA would fail to compile these
    (np.ones((2,) * 4, np.complex64), "fft", (2,) * 4),
], ids=["irfft_half_length", "four_axes"])
def test_lax_fft_rejects_what_xla_cannot_compile(x, fft_type, lengths):
    with pytest.raises(ValueError, match="fft: "):
        lax.fft(x, fft_type, lengths)


# ## jnp.fft: dtypes, norms, shapes

@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "hfft", "ihfft", "fftn"])
@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.bool_], ids=["i32", "u8", "bool"])
def test_integer_and_bool_inputs_like_jax(name, dtype):
    x = (np.arange(6) % 3).astype(dtype)
    assert_same(getattr(znp.fft, name)(x), getattr(jnp.fft, name)(x))


@pytest.mark.parametrize("name", ["fft", "irfft", "fftn", "rfft", "ihfft"])
@pytest.mark.parametrize("dtype", [np.float16, jnp.bfloat16], ids=["f16", "bf16"])
def test_16_bit_floats_like_jax(name, dtype):
    """Complex transforms run in complex64; JAX's rfft rejects them (ValueError)."""
    x = np.arange(6).astype(dtype)
    if name in ("rfft", "ihfft"):
        with pytest.raises(ValueError):
            getattr(jnp.fft, name)(x)
        with pytest.raises(ValueError, match="float16|bfloat16"):
            getattr(znp.fft, name)(x)
    else:
        assert_same(getattr(znp.fft, name)(x), getattr(jnp.fft, name)(x))


NORM_CASES = [("fft", _complex(3, 6)), ("ifft", _complex(3, 6)), ("rfft", _real(3, 7)),
              ("irfft", _complex(3, 4)), ("hfft", _complex(3, 4)), ("ihfft", _real(3, 6)),
              ("rfftn", _real(3, 6)), ("irfft2", _complex(3, 4))]


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
@pytest.mark.parametrize("name,x", NORM_CASES, ids=[c[0] for c in NORM_CASES])
def test_every_norm_against_numpy(name, x, norm):
    out = getattr(znp.fft, name)(x, norm=norm)
    expected = getattr(np.fft, name)(x.astype(np.complex128 if x.dtype == np.complex64
                                              else np.float64), norm=norm)
    assert_same(out, expected.astype(out.dtype), rtol=1e-5, atol=1e-5)


EDGE_CASES = [
    ("fftn", _real(2, 3), {"axes": ()}), ("rfftn", _real(2, 3), {"axes": ()}),
    ("irfftn", _real(2, 3), {"axes": ()}), ("fftn", np.float32(2.5), {}),
    ("irfft", np.array([1.5 + 1j], np.complex64), {}),
    ("irfft", np.array([1.5 + 1j], np.complex64), {"norm": "ortho"}),
    ("fftn", _real(*(2,) * 7), {"s": (3, 2, 2, 2, 2, 2, 2)}),
]


@pytest.mark.parametrize("name,x,kwargs", EDGE_CASES, ids=[
    "fftn_no_axes", "rfftn_no_axes", "irfftn_no_axes", "fftn_rank0", "irfft_to_empty",
    "irfft_to_empty_ortho", "fftn_7d"])
def test_edge_shapes_like_jax(name, x, kwargs):
    """No axes: only the dtype changes; one input entry: irfft returns length 0; seven
    axes: three groups of transforms."""
    assert_same(getattr(znp.fft, name)(x, **kwargs), getattr(jnp.fft, name)(x, **kwargs))


FREQ_CASES = {
    "fftfreq": ("fftfreq", (5,), {}), "fftfreq_d": ("fftfreq", (8, 0.1), {}),
    "fftfreq_int": ("fftfreq", (5,), {"dtype": np.int32}),
    "fftfreq_complex": ("fftfreq", (6,), {"dtype": np.complex64}),
    "fftfreq_bf16": ("fftfreq", (6,), {"dtype": jnp.bfloat16}),
    "fftfreq_np_d": ("fftfreq", (7, np.float32(0.3)), {}),
    "rfftfreq": ("rfftfreq", (5,), {}), "rfftfreq_d": ("rfftfreq", (8, 0.1), {}),
    "rfftfreq_int": ("rfftfreq", (4,), {"dtype": np.int32}),
    "rfftfreq_array_d": ("rfftfreq", (6, jnp.float32(0.3)), {}),
}


@pytest.mark.parametrize("name,args,kwargs", FREQ_CASES.values(), ids=FREQ_CASES.keys())
def test_frequencies_like_jax(name, args, kwargs):
    assert_same(getattr(znp.fft, name)(*args, **kwargs), getattr(jnp.fft, name)(*args, **kwargs))


def test_frequencies_with_traced_spacing():
    f = lambda m: lambda d: m.fft.fftfreq(6, d) + m.fft.rfftfreq(10, d)[:6]
    d = np.float32(0.25)
    assert_same(zenax.jit(f(znp))(d), jax.jit(f(jnp))(d))
    assert_same(zenax.grad(lambda d: f(znp)(d).sum())(d), jax.grad(lambda d: f(jnp)(d).sum())(d))


def test_shifts_of_several_axes_like_jax():
    x = _real(3, 4, 5)
    for name in ("fftshift", "ifftshift"):
        for axes in (None, -1, (0, 2), [1]):
            assert_same(getattr(znp.fft, name)(x, axes=axes),
                        getattr(jnp.fft, name)(x, axes=axes))


# ## Derivatives and vmap

X = _real(3, 8)
Z = _complex(3, 5)


def _losses(m):
    f = m.fft
    return {
        "rfft_power": lambda x: m.sum(m.abs(f.rfft(x, norm="ortho")) ** 2 * m.arange(5.0)),
        "irfft_of_rfft": lambda x: m.sum(m.sin(f.irfft(f.rfft(x) * m.arange(5.0), n=8))),
        "fftn_real_imag": lambda x: m.sum(m.real(f.fftn(x)) * m.imag(f.fftn(m.sin(x)))),
        "rfftn_4d": lambda x: m.sum(m.abs(f.rfftn(m.reshape(x, (3, 2, 2, 2))))),
        "irfftn_4d": lambda x: m.sum(f.irfftn(m.reshape(x, (3, 2, 2, 2)) * 1j,
                                              s=(3, 2, 2, 3)) ** 2),
        "hfft_of_ihfft": lambda x: m.sum(f.hfft(f.ihfft(x, n=6)) * m.cos(x[:, :6])),
        "fft2_padded": lambda x: m.sum(m.abs(f.fft2(x, s=(4, 10)))),
    }


@pytest.mark.parametrize("name", list(_losses(jnp)))
def test_grad_of_real_loss_matches_jax(name):
    zf, jf = _losses(znp)[name], _losses(jnp)[name]
    assert_same(zenax.grad(zf)(X), jax.grad(jf)(X), rtol=2e-5, atol=2e-5)


def test_jitted_grad_matches_jax():
    zf, jf = _losses(znp)["irfftn_4d"], _losses(jnp)["irfftn_4d"]
    assert_same(zenax.jit(zenax.grad(zf))(X), jax.grad(jf)(X), rtol=2e-5, atol=2e-5)


def test_grad_with_respect_to_a_complex_spectrum_matches_jax():
    def loss(m):
        return lambda z: m.sum(m.fft.irfft(z, n=9) ** 2 * m.arange(9.0))
    assert_same(zenax.grad(loss(znp))(Z), jax.grad(loss(jnp))(Z), rtol=2e-5, atol=2e-5)


def test_second_order_by_finite_differences():
    check_grads(lambda x: znp.sum(znp.abs(znp.fft.rfft(x, n=10)) ** 3), (X[0],), order=2,
                modes=("fwd", "rev"), rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("name,x", [("fft", X), ("rfft", X), ("irfft", Z), ("fft2", X),
                                    ("fftshift", X)])
def test_vmap_over_another_axis_matches_jax(name, x):
    zf = lambda x: getattr(znp.fft, name)(x) if name != "fft2" else znp.fft.fft2(x[None])
    jf = lambda x: getattr(jnp.fft, name)(x) if name != "fft2" else jnp.fft.fft2(x[None])
    assert_same(zenax.vmap(zf, in_axes=1, out_axes=-1)(x), jax.vmap(jf, in_axes=1,
                                                                    out_axes=-1)(x))


def test_float64_under_x64(x64):
    x = np.arange(6, dtype=np.float64)
    for name in ("fft", "rfft", "irfft", "fftn"):
        assert_same(getattr(znp.fft, name)(x), getattr(jnp.fft, name)(x))
    assert_same(lax.fft(np.arange(4, dtype=np.int64), "rfft", (4,)),
                jax.lax.fft(np.arange(4, dtype=np.int64), "rfft", (4,)))


# ## Bad input: JAX's exception kinds, messages naming the function and argument

M = np.ones((3, 4), np.float32)

BAD = [
    ("fft", (M,), {"norm": "bad"}, ValueError, "fft.fft: invalid norm 'bad'"),
    ("fft", (M,), {"n": 0}, ValueError, "fft.fft: transform lengths must be positive"),
    ("rfftn", (M,), {"s": (0, 2)}, ValueError, "fft.rfftn: transform lengths must be positive"),
    ("fft", (M,), {"n": 2.0}, TypeError, "integer"),
    ("fft", (M,), {"axis": (0,)}, ValueError, "fft.fft transforms one axis.*fftn"),
    ("fft", (M,), {"axis": 2}, ValueError, "fft.fft: axis 2 is out of bounds"),
    ("fft", ([1.0, 2.0],), {}, TypeError, "fft.fft requires ndarray"),
    ("hfft", ([1.0, 2.0],), {}, TypeError, "hfft requires ndarray"),
    ("fft2", (M,), {"axes": (0,)}, ValueError, "fft.fft2 transforms 2 axes"),
    ("fftn", (M,), {"axes": (0, 0)}, ValueError, "fftn does not support repeated axes"),
    ("fftn", (M,), {"s": (2,), "axes": (0, 1)}, ValueError, "s and axes must have the same"),
    ("fftn", (M,), {"s": (2, 2, 2)}, ValueError, "s=.2, 2, 2. has more entries"),
    ("rfft", (M.astype(np.complex64),), {}, ValueError, "fft.rfft transforms real input"),
    ("fftfreq", ([4],), {}, ValueError, "fftfreq: n must be one int"),
    ("rfftfreq", (4, [1.0]), {}, ValueError, "rfftfreq: d must be one value"),
    ("fftshift", ([1, 2],), {}, TypeError, "fftshift requires ndarray"),
]


@pytest.mark.parametrize("name,args,kwargs,error,words", BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_like_jax(name, args, kwargs, error, words):
    with pytest.raises(error):
        getattr(jnp.fft, name)(*args, **kwargs)
    with pytest.raises(error, match=words):
        getattr(znp.fft, name)(*args, **kwargs)


def test_transform_lengths_must_be_static():
    with pytest.raises(ConcretizationTypeError, match="jnp.fft.fft argument `n`"):
        zenax.jit(lambda x, n: znp.fft.fft(x, n=n))(X4, 4)


# ## The docstrings' examples

@pytest.mark.parametrize("module", ["zenax.lax.fft", "zenax.lax.jnp.fft"], ids=["lax", "jnp"])
def test_docstring_examples(module):
    # sys.modules: the package attribute zenax.lax.fft is the function, as jax.lax.fft is.
    result = doctest.testmod(sys.modules[module], extraglobs={"jnp": znp, "lax": lax},
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted and not result.failed
