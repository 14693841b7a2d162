"""``make_jaxpr`` with ``axis_env``: tracing a function whose collectives name axes that
no ``vmap`` or ``shard_map`` around it binds.

The tracer layer's :func:`zenax.tracer.make_jaxpr.make_jaxpr` knows nothing of named
axes.  This wrapper binds the ``(name, size)`` pairs of ``axis_env`` as mesh axes
(``lax/axis_env.py``) while the function is traced, so ``psum(x, "i")`` or
``axis_index("i")`` are recorded as equations instead of failing on an unbound name.
"""
from __future__ import annotations

import functools
from typing import Callable, Hashable, Sequence

from zenax.tracer.ir import ClosedJaxpr
from zenax.tracer.make_jaxpr import make_jaxpr as _make_jaxpr
from zenax.lax.axis_env import extend_axis_env


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = (),
               axis_env: Sequence[tuple[Hashable, int]] | None = None,
               return_shape: bool = False) -> Callable[..., ClosedJaxpr]:
    """Return a function that traces ``fun`` and gives its jaxpr; ``axis_env`` lists
    ``(axis_name, size)`` pairs that collectives inside ``fun`` may name.

    >>> import zenax, zenax.numpy as jnp
    >>> print(make_jaxpr(lambda x: jnp.sin(x) * 2.0)(1.0))
    { lambda ; a:f32[]. let b:f32[] = sin a; c:f32[] = mul b 2.0:f32[] in (c,) }
    >>> print(make_jaxpr(lambda x: zenax.lax.psum(x, "i"), axis_env=[("i", 4)])(1.0))
    { lambda ; a:f32[]. let b:f32[] = psum[axis_name=i] a in (b,) }
    """
    traced = _make_jaxpr(fun, static_argnums, return_shape)
    if axis_env is None:
        return traced

    @functools.wraps(traced)
    def make_jaxpr_f(*args, **kwargs):
        with extend_axis_env({name: size for name, size in axis_env}, check_vma=False):
            return traced(*args, **kwargs)

    return make_jaxpr_f
