"""zenax.nn's block-scaled products (scaled_matmul, scaled_dot_general and their configs)
against JAX.

JAX lowers the block-scaled product only to cuDNN/ROCm kernels; on CPU it raises
NotImplementedError.  The oracle is therefore JAX's own code with that one kernel call
replaced by the product it stands for (dequantize with the repeated scales, then the
einsum of ``jax.nn.scaled_matmul``'s docstring), written with jax.numpy: JAX's
quantization, dimension handling, custom VJP and straight-through estimator run as they
are.  The validation errors JAX raises before lowering are compared directly.
"""
import warnings

import jax
import jax._src.cudnn.scaled_matmul_stablehlo as jax_scaled
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.models import nn_scaled as nn

from oracle import assert_same, raises_like_jax

BATCHED = (((2,), (2,)), ((0,), (0,)))


def _reference_matmul(a, b, a_scales, b_scales, preferred_element_type=np.float32):
    """The block-scaled product, from its definition (jax.numpy, float32)."""
    def dequantize(x, scales):
        block = x.shape[-1] // scales.shape[-1]
        return x.astype(np.float32) * jnp.repeat(scales.astype(np.float32), block, axis=-1)
    out = jnp.einsum("BMK,BNK->BMN", dequantize(a, a_scales), dequantize(b, b_scales))
    return out.astype(preferred_element_type)


@pytest.fixture
def jax_reference(monkeypatch):
    """JAX's scaled_dot_general, runnable on CPU: its kernel call is the definition."""
    monkeypatch.setattr(jax_scaled, "scaled_matmul_wrapper", _reference_matmul)


def _normal(seed, shape, scale=1.0, dtype=np.float32):
    """Standard normal samples (NumPy's generator: no compilation) times ``scale``."""
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * scale
    return jnp.asarray(x.astype(dtype))


def _ones(*shape):
    return jnp.asarray(np.ones(shape, np.float32))


# --- scaled_matmul ---

def test_scaled_matmul_values_match_definition():
    """float8/float4 operands with their scale types, float32 ones, batch dims, jit and
    vmap, and the output type."""
    a = jnp.asarray(np.array([1, 2, 3], np.int32).reshape((1, 1, 3)))
    b = jnp.asarray(np.array([4, 5, 6], np.int32).reshape((1, 1, 3)))
    s = jnp.asarray(np.array([0.5], np.float32).reshape((1, 1, 1)))
    assert_same(nn.scaled_matmul(a, b, s, s), np.array([[[8.0]]], np.float32))

    # mxfp8-like: float8 values, power-of-two scales, blocks of 32.
    a8 = _normal(0, (2, 3, 64), 4, ml_dtypes.float8_e4m3fn)
    b8 = _normal(1, (2, 5, 64), 4, ml_dtypes.float8_e4m3fn)
    sa8 = jnp.asarray((2.0 ** np.arange(-2, 4).reshape(1, 3, 2).repeat(2, 0)).astype(
        ml_dtypes.float8_e8m0fnu))
    sb8 = jnp.asarray(np.full((2, 5, 2), 0.5, ml_dtypes.float8_e8m0fnu))
    # nvfp4-like: float4 values, float8 scales, blocks of 16; with a bfloat16 output.
    a4 = _normal(2, (2, 3, 32), 3, ml_dtypes.float4_e2m1fn)
    b4 = _normal(3, (2, 5, 32), 3, ml_dtypes.float4_e2m1fn)
    sa4 = _normal(4, (2, 3, 2), 1, ml_dtypes.float8_e4m3fn)
    sb4 = _normal(5, (2, 5, 2), -1, ml_dtypes.float8_e4m3fn)
    # float32 operands, vmapped over an extra leading axis.
    x, y = _normal(6, (4, 2, 3, 64)), _normal(7, (4, 2, 5, 64))
    sx, sy = _normal(8, (4, 2, 5, 4))[:, :, :3], _normal(9, (4, 2, 5, 4))
    operands = (a8, b8, sa8, sb8, a4, b4, sa4, sb4, x, y, sx, sy)

    def all_cases(matmul, vmap, *args):
        return (matmul(*args[:4]), matmul(*args[4:8], preferred_element_type=jnp.bfloat16),
                vmap(matmul)(*args[8:]))
    # One compiled program per side.
    expected = jax.jit(lambda *args: all_cases(_reference_matmul, jax.vmap, *args))(*operands)
    actual = zenax.jit(lambda *args: all_cases(nn.scaled_matmul, zenax.vmap, *args))(*operands)
    assert_same(actual, expected)


def test_scaled_matmul_bad_input_raises_like_jax():
    a, b = _ones(2, 4, 64), _ones(2, 3, 64)
    sa, sb = _ones(2, 4, 2), _ones(2, 3, 2)
    bad = [([[[1.0]]], b, sa, sb), (_ones(4, 64), b, sa, sb), (a, _ones(2, 3, 32), sa, sb),
           (a, b, sa, _ones(2, 3, 1)), (a, b, _ones(2, 2, 2), sb)]
    for args in bad:
        raises_like_jax(nn.scaled_matmul, jax.nn.scaled_matmul, *args, match="scaled_matmul")
    raises_like_jax(nn.scaled_matmul, jax.nn.scaled_matmul, a, b, sa, sb,
                    preferred_element_type="foo")
    # Checks JAX leaves to its GPU kernel: blocks that do not divide K, integer outputs.
    with pytest.raises(ValueError, match="scaled_matmul.*multiple of the scales"):
        nn.scaled_matmul(a, b, _ones(2, 4, 3), _ones(2, 3, 3))
    with pytest.raises(TypeError, match="scaled_matmul: preferred_element_type"):
        nn.scaled_matmul(a, b, sa, sb, preferred_element_type=jnp.int32)


# --- configs ---

def test_get_scaled_dot_general_config_matches_jax():
    half = jnp.asarray(np.array([0.5], np.float32))
    for mode, global_scale in [("mxfp8", None), ("nvfp4", None), ("nvfp4", half)]:
        ours = nn.get_scaled_dot_general_config(mode, global_scale)
        theirs = jax.nn.get_scaled_dot_general_config(mode, global_scale)
        assert repr(ours) == repr(theirs)
        assert type(ours).__name__ == type(theirs).__name__ == "BlockScaleConfig"
    raises_like_jax(nn.get_scaled_dot_general_config, jax.nn.get_scaled_dot_general_config,
                    "fp8", same_message=True)


# --- scaled_dot_general ---

def _pair(mode, global_scale=None):
    """Three equal configs of ``mode``: zenax's and JAX's."""
    return ([nn.get_scaled_dot_general_config(mode, global_scale)] * 3,
            [jax.nn.get_scaled_dot_general_config(mode, global_scale)] * 3)


# (name, mode, global scale, lhs shape, rhs shape, dimension numbers)
CASES = [
    ("mxfp8", "mxfp8", None, (2, 32, 64), (2, 32, 64), BATCHED),
    ("nvfp4", "nvfp4", 0.5, (2, 32, 64), (2, 16, 64), BATCHED),
    # No batch dims: a size-1 batch axis is added and squeezed.
    ("mxfp8 unbatched", "mxfp8", None, (32, 64), (64, 32), (((1,), (0,)), ((), ()))),
    # Two contracting dims, batch dims not leading, several kept dims.
    ("nvfp4 general", "nvfp4", None, (3, 2, 8, 4), (2, 5, 8, 4),
     (((2, 3), (2, 3)), ((1,), (0,)))),
    # A global scale so small that inputs are clipped: their gradient is zero (STE).
    ("nvfp4 clipped", "nvfp4", 1e-3, (1, 16, 32), (1, 16, 32), BATCHED),
]


@pytest.mark.parametrize("name,mode,scale,lhs_shape,rhs_shape,dn", CASES,
                         ids=[c[0] for c in CASES])
def test_scaled_dot_general_and_vjp_match_jax(jax_reference, name, mode, scale, lhs_shape,
                                              rhs_shape, dn):
    scale = None if scale is None else jnp.asarray(np.array([scale], np.float32))
    ours, theirs = _pair(mode, scale)
    lhs, rhs = _normal(10, lhs_shape, 2), _normal(11, rhs_shape, 2)

    def run(module, configs, vjp, numpy):
        def f(x, y):
            out, pullback = vjp(lambda a, b: module.scaled_dot_general(
                a, b, dn, configs=configs), x, y)
            return out, pullback(numpy.cos(out))
        return f
    expected = jax.jit(run(jax.nn, theirs, jax.vjp, jnp))(lhs, rhs)
    actual = zenax.jit(run(nn, ours, zenax.vjp, znp))(lhs, rhs)
    assert_same(actual, expected, rtol=1e-5, atol=1e-4)
    if name == "nvfp4 clipped":
        assert not np.all(np.asarray(expected[1][0]) != 0)


def test_scaled_dot_general_eager_bfloat16_and_vmap(jax_reference):
    """An eager call with a bfloat16 output, and vmap over an extra axis."""
    ours, theirs = _pair("mxfp8")
    lhs, rhs = _normal(12, (2, 4, 32), 2), _normal(13, (2, 3, 32), 2)
    stacked = jnp.asarray(np.stack([lhs, 2 * lhs]))
    expected = jax.jit(lambda xs: (
        jax.nn.scaled_dot_general(xs[0], rhs, BATCHED, jnp.bfloat16, configs=theirs),
        jax.vmap(lambda x: jax.nn.scaled_dot_general(x, rhs, BATCHED, configs=theirs))(xs)))(
        stacked)
    assert_same(nn.scaled_dot_general(lhs, rhs, BATCHED, jnp.bfloat16, configs=ours),
                expected[0])
    batched = zenax.jit(zenax.vmap(
        lambda x: nn.scaled_dot_general(x, rhs, BATCHED, configs=ours)))
    assert_same(batched(stacked), expected[1], rtol=1e-5, atol=1e-4)


def test_scaled_dot_general_without_configs_is_dot_general():
    x = jnp.asarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    y = jnp.asarray(np.arange(12, dtype=np.int32).reshape(3, 4))
    dn = (((1,), (0,)), ((), ()))
    assert_same(nn.scaled_dot_general(x, y, dn), jax.nn.scaled_dot_general(x, y, dn))
    assert_same(nn.scaled_dot_general(x, y, dn, None), jax.nn.scaled_dot_general(x, y, dn, None))
    with pytest.warns(DeprecationWarning, match="implementation"):
        nn.scaled_dot_general(x, y, dn, implementation="cudnn")


def test_scaled_dot_general_bad_input_raises_like_jax():
    ours, theirs = _pair("mxfp8")
    a, b = _ones(2, 4, 64), _ones(2, 3, 64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # JAX's comparison of a dtype with a string
        for dtype in (jnp.int32, None, "foo"):
            raises_like_jax(lambda *args: nn.scaled_dot_general(*args, configs=ours),
                            lambda *args: jax.nn.scaled_dot_general(*args, configs=theirs),
                            a, b, BATCHED, dtype, match="scaled_dot_general")
    # A contracted size that is not a multiple of the block size (JAX: a bare assert).
    for k in (48, 16):
        raises_like_jax(lambda *args: nn.scaled_dot_general(*args, configs=ours),
                        lambda *args: jax.nn.scaled_dot_general(*args, configs=theirs),
                        _ones(2, 4, k), _ones(2, 3, k), BATCHED, match="block size 32")


def test_scaled_dot_general_refuses_forward_mode_like_jax(jax_reference):
    """Like JAX's custom VJP, the product has no forward-mode derivative."""
    ours, theirs = _pair("mxfp8")
    x = _ones(1, 2, 32)
    raises_like_jax(
        lambda x: zenax.jvp(lambda a: nn.scaled_dot_general(a, x, BATCHED, configs=ours),
                            (x,), (x,)),
        lambda x: jax.jvp(lambda a: jax.nn.scaled_dot_general(a, x, BATCHED, configs=theirs),
                          (x,), (x,)),
        x, match="forward-mode")
