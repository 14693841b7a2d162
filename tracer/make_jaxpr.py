"""``make_jaxpr``: the user-facing way to look at the IR of a function."""
from __future__ import annotations

import functools
from typing import Callable, Sequence

from .avals import ShapedArray
from .core import get_aval
from .ir import ClosedJaxpr
from .source_info import api_boundary
from .staging import trace_to_jaxpr
from .tree_util import tree_flatten, tree_unflatten


def shaped_abstractify(x) -> ShapedArray:
    """The aval of an argument: arrays, scalars, or anything with ``.shape``/``.dtype``
    (``ShapeDtypeStruct``)."""
    if isinstance(x, ShapedArray):
        return x
    if hasattr(x, "shape") and hasattr(x, "dtype") and not hasattr(x, "__array__"):
        from . import dtypes
        return ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype),
                           getattr(x, "weak_type", False))
    return get_aval(x)


def normalize_argnums(name: str, argnums, nargs: int) -> tuple[int, ...]:
    if argnums is None:
        return ()
    if isinstance(argnums, int):
        argnums = (argnums,)
    out = []
    for a in argnums:
        if not isinstance(a, int):
            raise TypeError(f"{name}: argnums must be ints, got {a!r}.")
        if not -nargs <= a < nargs:
            raise ValueError(f"{name}: argnum {a} is out of bounds for a call with {nargs} "
                             "positional arguments.")
        out.append(a % nargs)
    return tuple(sorted(set(out)))


def trace_flat(fun: Callable, args: Sequence, kwargs: dict | None = None,
               static_argnums: Sequence[int] = ()):
    """Trace ``fun(*args, **kwargs)`` with the non-static arguments abstracted.

    Returns ``(closed_jaxpr, out_tree)``.
    """
    kwargs = kwargs or {}
    dyn_idx = [i for i in range(len(args)) if i not in static_argnums]
    dyn_args = [args[i] for i in dyn_idx]
    flat, in_tree = tree_flatten((dyn_args, kwargs))
    in_avals = [shaped_abstractify(x) for x in flat]
    out_tree_box = []

    def flat_fun(*flat_tracers):
        dyn, kw = tree_unflatten(in_tree, flat_tracers)
        full = list(args)
        for i, v in zip(dyn_idx, dyn):
            full[i] = v
        out = fun(*full, **kw)
        out_flat, out_tree = tree_flatten(out)
        out_tree_box.append(out_tree)
        return out_flat

    closed, _ = trace_to_jaxpr(flat_fun, in_avals)
    return closed, out_tree_box[0]


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = (),
               return_shape: bool = False) -> Callable[..., ClosedJaxpr]:
    """Return a function that traces ``fun`` and gives its jaxpr.

    >>> import zenax, zenax.numpy as jnp
    >>> print(zenax.make_jaxpr(lambda x: jnp.sin(x) * 2.0)(1.0))
    { lambda ; a:f32[]. let b:f32[] = sin a; c:f32[] = mul b 2.0:f32[] in (c,) }
    """
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)

    @functools.wraps(fun)
    @api_boundary
    def make_jaxpr_f(*args, **kwargs):
        static = normalize_argnums("make_jaxpr", static_argnums, len(args))
        closed, out_tree = trace_flat(fun, args, kwargs, static)
        if return_shape:
            from .tree_util import tree_unflatten as unflat
            shapes = [_ShapeDtype(a.shape, a.dtype, a.weak_type) for a in closed.out_avals]
            return closed, unflat(out_tree, shapes)
        return closed

    make_jaxpr_f.__name__ = f"make_jaxpr({getattr(fun, '__name__', 'fun')})"
    return make_jaxpr_f


class _ShapeDtype:
    """What ``make_jaxpr(..., return_shape=True)`` returns per output."""

    def __init__(self, shape, dtype, weak_type=False):
        self.shape, self.dtype, self.weak_type = shape, dtype, weak_type

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"
