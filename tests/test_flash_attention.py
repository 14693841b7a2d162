"""Blocked (flash-style) attention: values, gradients and vmap against
``jax.nn.dot_product_attention``; compiled memory that grows as T, not T²."""
from __future__ import annotations

import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import zenax
from zenax.lax.flash_attention import flash_attention, flash_applies
from zenax.models import attention

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

TOL = dict(rtol=2e-5, atol=2e-5)


def _qkv(b, t, n, k, h, s=None, seed=0):
    rng = np.random.default_rng(seed)
    s = t if s is None else s
    return tuple(jjnp.asarray(rng.standard_normal(shape, np.float32))
                 for shape in ((b, t, n, h), (b, s, k, h), (b, s, k, h)))


# (B, T, N, K, H, block): T a multiple of the block and not; one block; grouped heads.
CASES = [(2, 64, 4, 4, 8, 16), (1, 37, 4, 2, 8, 16), (2, 100, 6, 2, 16, 32),
         (1, 50, 2, 1, 8, 64), (1, 130, 8, 2, 8, None)]


@pytest.mark.parametrize("is_causal", [True, False])
@pytest.mark.parametrize("b,t,n,k,h,block", CASES)
def test_values_and_vjp_match_jax(b, t, n, k, h, block, is_causal):
    q, kk, v = _qkv(b, t, n, k, h)
    ct = jjnp.asarray(np.random.default_rng(1).standard_normal(q.shape, np.float32))
    out, vjp = zenax.vjp(lambda *a: flash_attention(*a, is_causal=is_causal, block_size=block),
                         q, kk, v)
    ref, ref_vjp = jax.vjp(lambda *a: jax.nn.dot_product_attention(*a, is_causal=is_causal),
                           q, kk, v)
    np.testing.assert_allclose(out, ref, **TOL)
    for got, want in zip(vjp(ct), ref_vjp(ct)):
        np.testing.assert_allclose(got, want, **TOL)


def test_scale_and_cross_attention_lengths():
    q, k, v = _qkv(2, 40, 4, 2, 8, s=70)
    f = lambda *a: flash_attention(*a, scale=0.3, block_size=16)  # noqa: E731
    g = lambda *a: jax.nn.dot_product_attention(*a, scale=0.3)  # noqa: E731
    np.testing.assert_allclose(f(q, k, v), g(q, k, v), **TOL)
    grads = zenax.grad(lambda *a: (f(*a) ** 2).sum(), argnums=(0, 1, 2))(q, k, v)
    want = jax.grad(lambda *a: (g(*a) ** 2).sum(), argnums=(0, 1, 2))(q, k, v)
    for got, w in zip(grads, want):
        np.testing.assert_allclose(got, w, **TOL)


def test_jit_grad():
    q, k, v = _qkv(1, 45, 4, 1, 8)
    loss = lambda fn: lambda *a: (fn(*a, is_causal=True) ** 3).sum()  # noqa: E731
    grads = zenax.jit(zenax.grad(loss(lambda *a, **kw: flash_attention(*a, block_size=16, **kw)),
                                 argnums=(0, 1, 2)))(q, k, v)
    want = jax.grad(loss(jax.nn.dot_product_attention), argnums=(0, 1, 2))(q, k, v)
    for got, w in zip(grads, want):
        np.testing.assert_allclose(got, w, rtol=1e-4, atol=1e-4)


def test_vmap_of_value_and_grad():
    # A mapped leading axis (folded into B by the batch rules), and an unmapped key.
    q, k, v = _qkv(3, 33, 4, 2, 8)
    qs = jjnp.stack([q, 2 * q])
    def f(q, k, v):
        return (flash_attention(q, k, v, is_causal=True, block_size=16) ** 2).sum()

    def g(q, k, v):
        return (jax.nn.dot_product_attention(q, k, v, is_causal=True) ** 2).sum()
    got = zenax.vmap(zenax.value_and_grad(f, argnums=(0, 1)), in_axes=(0, None, None))(qs, k, v)
    want = jax.vmap(jax.value_and_grad(g, argnums=(0, 1)), in_axes=(0, None, None))(qs, k, v)
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_vmap_in_axis_one():
    q, k, v = _qkv(2, 20, 2, 2, 8)
    qs, ks, vs = (jjnp.stack([x, x[::-1]], axis=1) for x in (q, k, v))
    got = zenax.vmap(lambda *a: flash_attention(*a, is_causal=True, block_size=8),
                     in_axes=1, out_axes=1)(qs, ks, vs)
    want = jax.vmap(lambda *a: jax.nn.dot_product_attention(*a, is_causal=True),
                    in_axes=1, out_axes=1)(qs, ks, vs)
    np.testing.assert_allclose(got, want, **TOL)


def _temp_bytes(t: int) -> int:
    q, k, v = (jax.ShapeDtypeStruct((1, t, 2, 16), np.float32),) * 3
    loss = lambda *a: (flash_attention(*a, is_causal=True) ** 2).sum()  # noqa: E731
    step = zenax.jit(zenax.grad(loss, argnums=(0, 1, 2)))
    return step.lower(q, k, v).compile().memory_analysis().temp_size_in_bytes


def test_memory_grows_linearly_in_t():
    # Forward + backward: 4x the length may cost ~4x the memory (the [T, T] scores: 16x).
    small, large = _temp_bytes(1024), _temp_bytes(4096)
    assert large / small <= 5, (small, large)
    assert large < 4096 * 4096 * 4      # less than one [T, T] float32 score matrix


def test_dot_product_attention_dispatch():
    q, k, v = _qkv(1, 1024, 2, 1, 8)
    assert flash_applies(q, k, is_causal=True) == (jax.default_backend() == "cpu")
    assert not flash_applies(q, k[:, :512], is_causal=True)
    got = attention.dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_allclose(got, jax.nn.dot_product_attention(q, k, v, is_causal=True),
                               **TOL)


def test_causal_needs_equal_lengths():
    q, k, v = _qkv(1, 8, 2, 2, 4, s=12)
    with pytest.raises(ValueError, match="is_causal needs as many queries as keys"):
        flash_attention(q, k, v, is_causal=True)


@pytest.mark.parametrize("is_causal", [True, False])
def test_primitive_jvp_rules_match_jax(is_causal):
    # The primitives' own (dense) jvp rules: forward output and log-sum-exp, and the
    # backward pass differentiated again, against JAX's jvp of the dense attention and of
    # its vjp.  Grouped heads (N=4, K=2) and a length that is not a multiple of the block.
    from zenax.lax.flash_attention import flash_attention_bwd_p, flash_attention_fwd_p
    from zenax.tracer.core import bind
    b, t, n, k, h = 1, 21, 4, 2, 8
    prims = _qkv(b, t, n, k, h, seed=3)
    tans = _qkv(b, t, n, k, h, seed=4)
    g_out, dg = _qkv(b, t, n, k, h, seed=5)[0], _qkv(b, t, n, k, h, seed=6)[0]
    scale = 0.4
    params = dict(scale=scale, is_causal=is_causal, block=8)

    def lse_ref(q, kk):   # [B, K, T*G] with rows (t, g), as the kernels lay it out
        s = jjnp.einsum("btkgh,bskh->bktgs", q.reshape(b, t, k, n // k, h), kk) * scale
        if is_causal:
            s = jjnp.where(jjnp.tril(jjnp.ones((t, t), bool))[:, None, :], s, -jjnp.inf)
        return jax.nn.logsumexp(s, axis=-1).reshape(b, k, t * (n // k))

    def dense(q, kk, vv):
        return (jax.nn.dot_product_attention(q, kk, vv, scale=scale, is_causal=is_causal),
                lse_ref(q, kk))

    # (Under jit: one compiled program per check, not one per dense op.)
    (out, lse), (dout, dlse) = zenax.jit(lambda p, t: zenax.jvp(
        lambda *a: tuple(bind(flash_attention_fwd_p, *a, **params)), p, t))(prims, tans)
    (out_r, lse_r), (dout_r, dlse_r) = jax.jit(lambda p, t: jax.jvp(dense, p, t))(prims, tans)
    for got, want in ((out, out_r), (lse, lse_r), (dout, dout_r), (dlse, dlse_r)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)

    def bwd(q, kk, vv, g):
        o, l_ = bind(flash_attention_fwd_p, q, kk, vv, **params)
        return tuple(bind(flash_attention_bwd_p, q, kk, vv, o, l_, g, **params))

    def bwd_ref(q, kk, vv, g):
        return jax.vjp(lambda *a: dense(*a)[0], q, kk, vv)[1](g)

    got_p, got_t = zenax.jit(lambda p, t: zenax.jvp(bwd, p, t))((*prims, g_out), (*tans, dg))
    want_p, want_t = jax.jit(lambda p, t: jax.jvp(bwd_ref, p, t))((*prims, g_out), (*tans, dg))
    for got, want in zip((*got_p, *got_t), (*want_p, *want_t)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
