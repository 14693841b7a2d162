"""``device_put_p``: placing traced values on devices or shardings inside a program.

Outside any transformation ``zenax.device_put`` is JAX's runtime call on concrete arrays
(``transforms/sharding.py``).  Under tracing it binds this primitive on all the leaves
at once, as JAX does, so ``make_jaxpr`` shows the placement.  The params are JAX's: one
entry per operand in ``devices`` (a device, a sharding or None), ``srcs`` and
``copy_semantics`` (``ArrayCopySemantics``, from ``donate`` / ``may_alias``).

Values are unchanged, so the primitive is linear: its jvp places the tangents the same
way, and its transpose moves each cotangent back from ``devices`` to ``srcs``.  Under
``vmap`` the placement applies to the batched values as they are.  Lowering calls
``jax.device_put`` on JAX's traced values, which keeps JAX's per-platform choices
(memory kinds on accelerators, nothing on CPU).
"""
from __future__ import annotations

import jax
from jaxlib.xla_client import ArrayCopySemantics

from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.core import Primitive, batch_rules, bind

from .broadcasting import deflinear
from .registry import register

__all__ = ["device_put_p"]

device_put_p = Primitive("device_put", multiple_results=True)


def copy_semantics_of(donate: bool, may_alias: bool | None) -> ArrayCopySemantics:
    """JAX's copy semantics for one leaf's ``donate`` / ``may_alias``."""
    if may_alias and donate:
        raise ValueError("device_put: may_alias and donate cannot be True at the same time.")
    if may_alias is None:
        may_alias = not donate
    if may_alias:
        return ArrayCopySemantics.REUSE_INPUT
    return ArrayCopySemantics.DONATE_INPUT if donate else ArrayCopySemantics.ALWAYS_COPY


def _device_put_lower(*xs, devices, srcs, copy_semantics):
    donate = [c == ArrayCopySemantics.DONATE_INPUT for c in copy_semantics]
    alias = [c == ArrayCopySemantics.REUSE_INPUT for c in copy_semantics]
    return list(jax.device_put(list(xs), list(devices), src=list(srcs), donate=donate,
                               may_alias=alias))


def _device_put_transpose(cts, *args, devices, srcs, copy_semantics):
    """Each linear operand's cotangent goes back from its destination to its source, as a
    copy (JAX's choice; a donated input can't be transposed)."""
    if ArrayCopySemantics.DONATE_INPUT in copy_semantics:
        raise ValueError("device_put: donate=True is not supported when transposing "
                         "device_put (in reverse-mode differentiation); donate outside it.")
    out = [None] * len(args)
    moved = [i for i, (ct, x) in enumerate(zip(cts, args))
             if is_undefined_primal(x) and type(ct) is not Zero]
    for i, x in enumerate(args):
        if is_undefined_primal(x) and i not in moved:
            out[i] = Zero(x.aval)
    if moved:
        results = bind(device_put_p, *[cts[i] for i in moved],
                       devices=tuple(srcs[i] for i in moved),
                       srcs=tuple(devices[i] for i in moved),
                       copy_semantics=(ArrayCopySemantics.ALWAYS_COPY,) * len(moved))
        for i, r in zip(moved, results):
            out[i] = r
    return out


register(device_put_p, lambda *xs, **params: list(xs), _device_put_lower)
deflinear(device_put_p, _device_put_transpose)
batch_rules[device_put_p] = lambda args, dims, **params: (bind(device_put_p, *args, **params),
                                                          list(dims))
