"""Forward-mode rules of the two flash-attention primitives (``lax/flash_attention.py``).

The public ``flash_attention`` is a ``custom_vjp``: reverse mode calls the backward
primitive, and forward mode of the public function is refused, as JAX refuses it for a
``custom_vjp``.  The primitives themselves still get jvp rules, so that a program that binds
them directly -- or differentiates the backward pass again, ``jvp`` of ``grad`` for a
Hessian-vector product -- is differentiable.  The tangents are written densely in the
grouped layout ``[B, K, R, H]`` (``R = T*G`` rows ordered ``(t, g)``, as the kernels view
them): they build the ``[R, S]`` probabilities, so forward mode costs ``T x S`` memory, as
the dense attention would.  The primal outputs still come from the tiled kernels.

With ``s = scale * q k^T`` (masked), ``P = exp(s - lse)``, ``out = P v``:

* forward: ``ds = scale (dq k^T + q dk^T)``, ``dlse = sum(P ds)``,
  ``dP = P (ds - dlse)``, ``d out = dP v + P dv``;
* backward (cotangent ``g``, ``D = sum(g * out)``, ``gP = g v^T``, ``gs = P (gP - D)``):
  ``q_bar = scale gs k``, ``k_bar = scale gs^T q``, ``v_bar = P^T g``; its tangent
  differentiates each of these with ``out`` and ``lse`` as independent inputs, as the
  kernel reads them.
"""
from __future__ import annotations

import numpy as np

from zenax.tracer.core import bind, get_aval

from .broadcasting import instantiate

f32 = np.float32


def _jnp():
    from . import jnp  # the numpy layer sits on top of lax; imported when a rule runs
    return jnp


def _grouped(x, k: int):
    """``[B, T, N, H] -> [B, K, T*G, H]`` in float32 (rows ``(t, g)``)."""
    jnp = _jnp()
    b, t, n, h = get_aval(x).shape
    x = jnp.reshape(x.astype(f32), (b, t, k, n // k, h))
    return jnp.reshape(jnp.transpose(x, (0, 2, 1, 3, 4)), (b, k, t * (n // k), h))


def _ungrouped(x, shape, dtype):
    """``[B, K, T*G, H] -> [B, T, N, H]``."""
    jnp = _jnp()
    b, t, n, h = shape
    k = get_aval(x).shape[1]
    x = jnp.reshape(x, (b, k, t, n // k, h))
    return jnp.reshape(jnp.transpose(x, (0, 2, 1, 3, 4)), shape).astype(dtype)


def _heads_first(x):
    """``[B, S, K, H] -> [B, K, S, H]`` in float32 (and back: the same transpose)."""
    return _jnp().transpose(x.astype(f32), (0, 2, 1, 3))


def _probabilities(qg, kh, lse, scale, is_causal, g: int):
    """``P = exp(scale q k^T - lse)``, zero where causal attention hides a key."""
    jnp = _jnp()
    s = scale * jnp.einsum("bkrh,bksh->bkrs", qg, kh)
    p = jnp.exp(s - lse[..., None])
    if is_causal:
        rows, keys = get_aval(s).shape[2:]
        visible = np.arange(keys)[None, :] <= (np.arange(rows) // g)[:, None]
        p = jnp.where(visible, p, 0.0)
    return p


def _score_tangent(qg, kh, dqg, dkh, scale):
    jnp = _jnp()
    return scale * (jnp.einsum("bkrh,bksh->bkrs", dqg, kh)
                    + jnp.einsum("bkrh,bksh->bkrs", qg, dkh))


def fwd_jvp(fwd_p, primals, tangents, *, scale, is_causal, block):
    jnp = _jnp()
    q, k, v = primals
    out, lse = bind(fwd_p, q, k, v, scale=scale, is_causal=is_causal, block=block)
    dq, dk, dv = (instantiate(t) for t in tangents)
    nk = get_aval(k).shape[2]
    g = get_aval(q).shape[2] // nk
    qg, kh, vh = _grouped(q, nk), _heads_first(k), _heads_first(v)
    p = _probabilities(qg, kh, lse, scale, is_causal, g)
    ds = _score_tangent(qg, kh, _grouped(dq, nk), _heads_first(dk), scale)
    dlse = jnp.sum(p * ds, axis=-1)
    dp = p * (ds - dlse[..., None])
    dout = (jnp.einsum("bkrs,bksh->bkrh", dp, vh)
            + jnp.einsum("bkrs,bksh->bkrh", p, _heads_first(dv)))
    q_aval = get_aval(q)
    return [out, lse], [_ungrouped(dout, q_aval.shape, q_aval.dtype), dlse]


def bwd_jvp(bwd_p, primals, tangents, *, scale, is_causal, block):
    jnp = _jnp()
    q, k, v, out, lse, g_out = primals
    results = bind(bwd_p, *primals, scale=scale, is_causal=is_causal, block=block)
    dq, dk, dv, dout, dlse, dg = (instantiate(t) for t in tangents)
    nk = get_aval(k).shape[2]
    grp = get_aval(q).shape[2] // nk
    qg, kh, vh = _grouped(q, nk), _heads_first(k), _heads_first(v)
    dqg, dkh, dvh = _grouped(dq, nk), _heads_first(dk), _heads_first(dv)
    outg, gg = _grouped(out, nk), _grouped(g_out, nk)
    doutg, dgg = _grouped(dout, nk), _grouped(dg, nk)
    p = _probabilities(qg, kh, lse, scale, is_causal, grp)
    # The primal intermediates of the backward pass.
    gp = jnp.einsum("bkrh,bksh->bkrs", gg, vh)
    d_row = jnp.sum(gg * outg, axis=-1)
    gs = p * (gp - d_row[..., None])
    # Their tangents.
    dp = p * (_score_tangent(qg, kh, dqg, dkh, scale) - dlse.astype(f32)[..., None])
    dgp = jnp.einsum("bkrh,bksh->bkrs", dgg, vh) + jnp.einsum("bkrh,bksh->bkrs", gg, dvh)
    dd_row = jnp.sum(dgg * outg + gg * doutg, axis=-1)
    dgs = dp * (gp - d_row[..., None]) + p * (dgp - dd_row[..., None])
    t_q = scale * (jnp.einsum("bkrs,bksh->bkrh", dgs, kh)
                   + jnp.einsum("bkrs,bksh->bkrh", gs, dkh))
    t_k = scale * (jnp.einsum("bkrs,bkrh->bksh", dgs, qg)
                   + jnp.einsum("bkrs,bkrh->bksh", gs, dqg))
    t_v = (jnp.einsum("bkrs,bkrh->bksh", dp, gg)
           + jnp.einsum("bkrs,bkrh->bksh", p, dgg))
    q_aval, k_aval, v_aval = (get_aval(x) for x in (q, k, v))
    return list(results), [_ungrouped(t_q, q_aval.shape, q_aval.dtype),
                           _heads_first(t_k).astype(k_aval.dtype),
                           _heads_first(t_v).astype(v_aval.dtype)]
