"""The transform rules of ``custom_vmap_call`` (declared, with the ``custom_vmap`` class
that binds it, in ``lax/custom_batching.py``).

- Evaluation and lowering run the function's own jaxpr.
- Batching calls the user's rule on the batched arguments (batch axis first).
- Forward mode keeps the primal a ``custom_vmap_call`` (so a later ``vmap`` still uses the
  rule for it) and differentiates the function's jaxpr for the tangents.  The tangent
  work is ordinary primitives, so ``linearize`` and reverse mode work too -- where JAX
  stops: its ``grad`` of a ``custom_vmap`` function fails to linearize.
"""
from __future__ import annotations

from zenax.tracer.ad_types import not_mapped
from zenax.tracer.core import batch_rules, bind, impl_rules, jvp_rules, lowering_rules
from zenax.lax.broadcasting import batch_size, moveaxis
from zenax.lax.custom_batching import custom_vmap_call_p

from .jvp import jvp_flat
from .lowering import lower_jaxpr
from .subjaxpr import eval_closed


def _custom_vmap_batch(args, dims, *, call, rule, num_consts):
    if any(d is not not_mapped for d in dims[:num_consts]):
        raise NotImplementedError(
            "custom_vmap: the function closes over a value that an enclosing vmap batches; "
            "its rule cannot see it. Pass that value to the function as an argument.")
    size = batch_size(args, dims)
    xs = [x if d is not_mapped else moveaxis(x, d, 0)
          for x, d in zip(args[num_consts:], dims[num_consts:])]
    outs, out_batched = rule(size, [d is not not_mapped for d in dims[num_consts:]], *xs)
    return list(outs), [0 if b else not_mapped for b in out_batched]


def _custom_vmap_jvp(primals, tangents, *, call, rule, num_consts):
    outs = bind(custom_vmap_call_p, *primals, call=call, rule=rule, num_consts=num_consts)
    _, t_out = jvp_flat(lambda *xs: eval_closed(call, *xs), list(primals), list(tangents),
                        instantiate_zeros=False)
    return outs, t_out


impl_rules[custom_vmap_call_p] = lambda *args, call, **_: eval_closed(call, *args)
lowering_rules[custom_vmap_call_p] = lambda *args, call, **_: lower_jaxpr(call.jaxpr,
                                                                          call.consts, *args)
batch_rules[custom_vmap_call_p] = _custom_vmap_batch
jvp_rules[custom_vmap_call_p] = _custom_vmap_jvp
