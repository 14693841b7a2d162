"""Running a sampler as one compiled program (a ``jit_call``), as JAX jits its samplers.

The same lax ops run one by one would not always give JAX's bits (``_staged`` says why),
so every sampler's body is wrapped in ``_staged``.
"""
from __future__ import annotations

import functools

from zenax.tracer.core import bind, get_aval
from zenax.tracer.ir import closed_to_open
from zenax.tracer.staging import trace_to_jaxpr

from ..higher_order import jit_call_p


def _staged(*static_argnums: int):
    """Run the decorated sampler as one compiled program (a ``jit_call``), where JAX jits its
    samplers.  Bits match only if XLA fuses the float arithmetic the same way -- on CPU it
    contracts ``a * b + c`` into an FMA inside a fusion, which op-by-op execution cannot.
    The jaxpr is traced once per static arguments and operand types."""
    def decorator(fun):
        cache: dict = {}

        @functools.wraps(fun)
        def staged(*args):
            static = tuple(args[i] for i in static_argnums)
            dynamic = [x for i, x in enumerate(args) if i not in static_argnums]
            avals = tuple(get_aval(x) for x in dynamic)
            jaxpr = cache.get((static, avals))
            if jaxpr is None:
                def flat_fun(*xs):
                    xs = iter(xs)
                    return [fun(*(x if i in static_argnums else next(xs)
                                  for i, x in enumerate(args)))]
                closed, _ = trace_to_jaxpr(flat_fun, avals)
                # As zenax.jit: consts travel as leading operands of the jit_call.
                jaxpr = closed_to_open(closed)
                cache[(static, avals)] = jaxpr
            open_jaxpr, consts = jaxpr
            return bind(jit_call_p, *consts, *dynamic, jaxpr=open_jaxpr, name=fun.__name__)[0]
        return staged
    return decorator
