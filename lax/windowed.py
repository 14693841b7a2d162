"""Windowed reductions -- ``reduce_window`` with sum, max and min -- and the max-pool
gradient machinery (``select_and_gather_add``, ``select_and_scatter_add``), with all their
rules, plus the pooling helpers ``avg_pool`` and ``max_pool``.

Each window reduction takes static ``window_dimensions``, ``window_strides``, explicit
``(low, high)`` ``padding`` and ``base_dilation`` / ``window_dilation``, one entry per
operand dimension (batch and feature dimensions get windows of size 1).

Derivatives follow JAX:

* ``reduce_window_sum`` is linear; its transpose pads (and dilates by the strides) the
  cotangent and sums it over windows again.
* ``reduce_window_max``'s tangent is the tangent of each window's maximum:
  ``select_and_gather_add(t, x)``.  That is linear in ``t`` and its transpose scatters the
  cotangent back onto each window's maximum: ``select_and_scatter_add(ct, x)``, whose
  transpose is ``select_and_gather_add`` again, so max-pooling is differentiable to any
  order.  (``min`` is the same with ``le`` for ``ge``.)
"""
from __future__ import annotations

import itertools
import math
import operator
from typing import Callable, Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import is_undefined_primal
from zenax.tracer.avals import ShapedArray, is_python_scalar
from zenax.tracer.core import Primitive, Tracer, batch_rules, bind, get_aval, transpose_rules
from zenax.tracer.ir import ClosedJaxpr, eval_jaxpr
from zenax.tracer.staging import trace_to_jaxpr
from zenax.tracer.tree_util import tree_flatten, tree_unflatten

from . import elementwise as ew
from . import shapes as sh
from .broadcasting import batch_size, bdim_at_front, deflinear
from .conv_helpers import reduce_window_shape_tuple
from .convolution import _conv_general_vjp_lhs_padding, _dilate_shape, padtype_to_pads
from .elementwise import defjvp
from .reductions import identity, monoid_kind
from .registry import ANY, NUM, check_dtype, register, type_error

lax = jax.lax

__all__ = ["avg_pool", "max_pool", "reduce_window", "reduce_window_max_p",
           "reduce_window_min_p", "reduce_window_sum_p", "select_and_gather_add_p",
           "select_and_scatter_add_p", "select_and_scatter_p"]


# --------------------------------------------------------------------------- shapes

def _reduce_window_shape(name, operand, window_dimensions, window_strides, padding,
                         base_dilation, window_dilation) -> tuple:
    ndim = operand.ndim
    for pname, value in (("window_dimensions", window_dimensions),
                         ("window_strides", window_strides), ("padding", padding),
                         ("base_dilation", base_dilation),
                         ("window_dilation", window_dilation)):
        if len(value) != ndim:
            raise type_error(f"{name}: {pname} needs one entry per operand dimension "
                             f"(operand shape {operand.shape}), got {value}.")
        if pname != "padding" and any(v < 1 for v in value):
            raise type_error(f"{name}: {pname} must be positive, got {value}.")
    return reduce_window_shape_tuple(operand.shape, window_dimensions, window_strides, padding,
                                     base_dilation, window_dilation)


# --------------------------------------------------------------------------- reduce_window_*

def _window_reducer(kind: str, accepted, jax_op) -> Primitive:
    name = f"reduce_window_{kind}"
    prim = Primitive(name)

    def abstract_eval(x, **params):
        check_dtype(name, x, accepted)
        return ShapedArray(_reduce_window_shape(name, x, **params), x.dtype, x.weak_type)

    def lower(x, *, window_dimensions, window_strides, padding, base_dilation,
              window_dilation):
        return lax.reduce_window(x, identity(kind, x.dtype), jax_op, window_dimensions,
                                 window_strides, padding, base_dilation, window_dilation)

    return register(prim, abstract_eval, lower)


reduce_window_sum_p = _window_reducer("sum", NUM, lax.add)
reduce_window_max_p = _window_reducer("max", ANY, lax.max)
reduce_window_min_p = _window_reducer("min", ANY, lax.min)


def _bind_window(prim, x, window_dimensions, window_strides, padding, base_dilation=None,
                 window_dilation=None):
    ones = (1,) * len(window_dimensions)
    return bind(prim, x, window_dimensions=tuple(window_dimensions),
                window_strides=tuple(window_strides),
                padding=tuple(tuple(p) for p in padding),
                base_dilation=ones if base_dilation is None else tuple(base_dilation),
                window_dilation=ones if window_dilation is None else tuple(window_dilation))


# --------------------------------------------------------------------------- select_and_*
# ``select_prim`` is ``ge_p`` (max-pooling) or ``le_p`` (min-pooling): which element of a
# window is "selected" (the first of equal ones, in window order).
select_and_gather_add_p = Primitive("select_and_gather_add")
select_and_scatter_add_p = Primitive("select_and_scatter_add")
_JAX_SELECT = {ew.ge_p: lax.ge_p, ew.le_p: lax.le_p}


def _check_select_prim(name, select_prim):
    if select_prim not in _JAX_SELECT:
        raise type_error(f"{name}: select_prim must be lax.ge_p or lax.le_p, got "
                         f"{select_prim}.")


def _select_and_gather_add_abstract_eval(tangents, operand, *, select_prim, **params):
    name = "select_and_gather_add"
    _check_select_prim(name, select_prim)
    if tangents.shape != operand.shape or tangents.dtype != operand.dtype:
        raise type_error(f"{name}: tangents and operand must have the same shape and dtype, "
                         f"got {tangents.str_short()} and {operand.str_short()}.")
    check_dtype(name, operand, (("floating", dtypes.is_float),))
    shape = _reduce_window_shape(name, operand, **params)
    return ShapedArray(shape, tangents.dtype)


def _select_and_gather_add_lower(tangents, operand, *, select_prim, **params):
    return lax.select_and_gather_add_p.bind(tangents, operand,
                                            select_prim=_JAX_SELECT[select_prim], **params)


def _select_and_scatter_add_abstract_eval(source, operand, *, select_prim, window_dimensions,
                                          window_strides, padding):
    name = "select_and_scatter_add"
    _check_select_prim(name, select_prim)
    ones = (1,) * operand.ndim
    windows = _reduce_window_shape(name, operand, window_dimensions, window_strides, padding,
                                   ones, ones)
    if source.shape != windows or source.dtype != operand.dtype:
        raise type_error(f"{name}: source must have one element per window ({windows}) and "
                         f"the operand's dtype {operand.dtype}, got {source.str_short()}.")
    return ShapedArray(operand.shape, source.dtype)


def _select_and_scatter_add_lower(source, operand, *, select_prim, **params):
    return lax.select_and_scatter_add_p.bind(source, operand,
                                             select_prim=_JAX_SELECT[select_prim], **params)


# XLA's SelectAndScatter (and JAX's per-platform lowering of the packed max/tangent
# reduction) are reachable only through these two jax.lax primitives.
register(select_and_gather_add_p, _select_and_gather_add_abstract_eval,
         _select_and_gather_add_lower)
register(select_and_scatter_add_p, _select_and_scatter_add_abstract_eval,
         _select_and_scatter_add_lower)


def _select_and_gather_add(tangents, operand, select_prim, window_dimensions,
                           window_strides, padding, base_dilation, window_dilation):
    return bind(select_and_gather_add_p, tangents, operand, select_prim=select_prim,
                window_dimensions=tuple(window_dimensions),
                window_strides=tuple(window_strides), padding=tuple(padding),
                base_dilation=tuple(base_dilation), window_dilation=tuple(window_dilation))


def _select_and_scatter_add(source, operand, select_prim, window_dimensions, window_strides,
                            padding):
    return bind(select_and_scatter_add_p, source, operand, select_prim=select_prim,
                window_dimensions=tuple(window_dimensions),
                window_strides=tuple(window_strides), padding=tuple(padding))


# --------------------------------------------------------------------------- select_and_scatter
# XLA's SelectAndScatter with user computations (JAX's ``select_and_scatter_p``): in each
# window of ``operand`` the ``select_jaxpr`` comparison picks one element, and that
# window's ``source`` element is combined into it with ``scatter_jaxpr``, starting from
# ``init_value``.  As in JAX it has no derivative or batching rules: max-pooling's
# gradient uses ``select_and_scatter_add_p``, whose computations are fixed.  Each jaxpr
# maps two scalars to one; its constants travel beside it (``*_consts``), as in JAX.
select_and_scatter_p = Primitive("select_and_scatter")


def _select_and_scatter_p_abstract_eval(operand, source, init_value, *, select_jaxpr,
                                        select_consts, scatter_jaxpr, scatter_consts,
                                        window_dimensions, window_strides, padding):
    name = "select_and_scatter"
    if len(window_dimensions) != len(window_strides):
        raise type_error(f"{name} got inconsistent window_strides and window_dimensions: "
                         f"got window_strides {window_strides} and window_dimensions "
                         f"{window_dimensions}.")
    ones = (1,) * operand.ndim
    windows = _reduce_window_shape(name, operand, window_dimensions, window_strides, padding,
                                   ones, ones)
    if source.shape != windows or init_value.shape != () or \
            not source.dtype == init_value.dtype == operand.dtype:
        raise type_error(f"{name}: source must have one element per window ({windows}) and "
                         f"init_value be a scalar, both of the operand's dtype "
                         f"{operand.dtype}; got source {source.str_short()} and init_value "
                         f"{init_value.str_short()}.")
    return ShapedArray(operand.shape, operand.dtype, operand.weak_type)


def _select_and_scatter_p_lower(operand, source, init_value, *, select_jaxpr, select_consts,
                                scatter_jaxpr, scatter_consts, window_dimensions,
                                window_strides, padding):
    """XLA's SelectAndScatter written with strided slices: JAX builds that HLO only in an
    internal helper (and from its own jaxprs), so the window's elements are visited in
    window order, as XLA does.  ``select(current, candidate)`` true keeps the current
    element; padding is never selected.  The computations run elementwise on the
    slices (they are scalar programs)."""
    def select(a, b):
        return eval_jaxpr(select_jaxpr, select_consts, a, b)[0]

    def scatter(a, b):
        return eval_jaxpr(scatter_jaxpr, scatter_consts, a, b)[0]
    dtype = operand.dtype
    config = [(lo, hi, 0) for lo, hi in padding]
    padded = lax.pad(operand, np.zeros((), dtype), config)
    valid = lax.pad(lax.full(operand.shape, True), False, config)
    starts = list(itertools.product(*(range(w) for w in window_dimensions)))
    limits = [tuple(st + (n - 1) * s + 1 for st, n, s in zip(start, source.shape,
                                                              window_strides))
              for start in starts]
    best = chosen = best_valid = None
    for k, (start, limit) in enumerate(zip(starts, limits)):
        x = lax.slice(padded, start, limit, window_strides)
        x_valid = lax.slice(valid, start, limit, window_strides)
        if best is None:
            best, best_valid = x, x_valid
            chosen = lax.full(source.shape, 0, np.int32)
            continue
        take = x_valid & (~best_valid | ~select(best, x))
        best = lax.select(take, x, best)
        best_valid = best_valid | x_valid
        chosen = lax.select(take, lax.full(source.shape, k, np.int32), chosen)
    out = lax.full(padded.shape, init_value, dtype)
    for k, (start, limit) in enumerate(zip(starts, limits)):
        region = lax.slice(out, start, limit, window_strides)
        new = lax.select(chosen == k, scatter(region, source), region)
        place = [(lo, n - end, s - 1) for lo, end, n, s in zip(start, limit, padded.shape,
                                                               window_strides)]
        mask = lax.pad(lax.full(source.shape, True), False, place)
        out = lax.select(mask, lax.pad(new, np.zeros((), dtype), place), out)
    return lax.slice(out, [lo for lo, _ in padding],
                     [lo + n for (lo, _), n in zip(padding, operand.shape)])


register(select_and_scatter_p, _select_and_scatter_p_abstract_eval, _select_and_scatter_p_lower)


def _scalar_computation_jaxpr(name: str, fn: Callable, aval: ShapedArray) -> ClosedJaxpr:
    """``fn`` staged on two scalars of ``aval``'s dtype."""
    scalar = ShapedArray((), aval.dtype)
    closed, _ = trace_to_jaxpr(lambda a, b: [fn(a, b)], [scalar, scalar])
    if any(isinstance(c, Tracer) for c in closed.consts):
        raise NotImplementedError(f"select_and_scatter: the {name} computation closes over a "
                                  "traced value; computations can't close over Tracers.")
    return closed


def _select_and_scatter(operand, select: Callable, window_dimensions, window_strides, padding,
                        source, init_value, scatter: Callable):
    """Bind ``select_and_scatter_p`` with ``select``/``scatter`` staged on scalars (JAX's
    internal ``lax._select_and_scatter``, same argument order)."""
    aval = get_aval(init_value)
    select_closed = _scalar_computation_jaxpr("select", select, aval)
    scatter_closed = _scalar_computation_jaxpr("scatter", scatter, aval)
    return bind(select_and_scatter_p, operand, source, init_value,
                select_jaxpr=select_closed.jaxpr, select_consts=tuple(select_closed.consts),
                scatter_jaxpr=scatter_closed.jaxpr,
                scatter_consts=tuple(scatter_closed.consts),
                window_dimensions=tuple(window_dimensions),
                window_strides=tuple(window_strides),
                padding=tuple(tuple(p) for p in padding))


# =========================================================================== derivatives

def _reduce_window_sum_transpose(ct, x, *, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation):
    """Spread each window's cotangent back over the window: dilate the cotangent by the
    strides, pad it, and sum it over (base-dilation-strided) windows."""
    in_shape = x.aval.shape
    pads = _conv_general_vjp_lhs_padding(in_shape, window_dimensions, window_strides,
                                         get_aval(ct).shape, padding, base_dilation,
                                         window_dilation)
    config = [(lo, hi, s - 1) for (lo, hi), s in zip(pads, window_strides)]
    padded = sh.pad(ct, np.zeros((), get_aval(ct).dtype), config)
    ones = (1,) * len(in_shape)
    out = _bind_window(reduce_window_sum_p, padded, window_dimensions, base_dilation,
                       [(0, 0)] * len(in_shape), ones, window_dilation)
    assert get_aval(out).shape == in_shape, (get_aval(out).shape, in_shape)
    return [out]


deflinear(reduce_window_sum_p, _reduce_window_sum_transpose)


def _chooser_jvp(select_prim):
    def jvp(g, x, **params):
        return _select_and_gather_add(g, x, select_prim, **params)
    return jvp


defjvp(reduce_window_max_p, _chooser_jvp(ew.ge_p))
defjvp(reduce_window_min_p, _chooser_jvp(ew.le_p))

# Both are linear in their first operand; the operand only says where the maxima are.
defjvp(select_and_gather_add_p,
       lambda g, t, x, **params: bind(select_and_gather_add_p, g, x, **params), None)
defjvp(select_and_scatter_add_p,
       lambda g, s, x, **params: bind(select_and_scatter_add_p, g, x, **params), None)


def _select_and_gather_add_transpose(ct, tangents, operand, *, select_prim,
                                     window_dimensions, window_strides, padding,
                                     base_dilation, window_dilation):
    if is_undefined_primal(operand):
        raise ValueError("select_and_gather_add: the operand cannot be a linear value.")
    if any(d != 1 for d in window_dilation):
        raise NotImplementedError(
            "The reverse-mode derivative of max/min pooling (select_and_gather_add) with "
            f"window dilation is not implemented, got window_dilation={window_dilation}. "
            "(As in JAX; forward mode works.)")
    has_base_dilation = any(d != 1 for d in base_dilation)
    if has_base_dilation:
        # Fill the dilation holes with values that are never selected.
        kind = "max" if select_prim is ew.ge_p else "min"
        operand = sh.pad(operand, identity(kind, get_aval(operand).dtype),
                         tuple((0, 0, d - 1) for d in base_dilation))
    result = _select_and_scatter_add(ct, operand, select_prim, window_dimensions,
                                     window_strides, padding)
    if has_base_dilation:
        shape = get_aval(result).shape
        result = sh.slice(result, (0,) * len(shape), shape, base_dilation)
    return [result, None]


def _select_and_scatter_add_transpose(ct, source, operand, *, select_prim, window_dimensions,
                                      window_strides, padding):
    if is_undefined_primal(operand):
        raise ValueError("select_and_scatter_add: the operand cannot be a linear value.")
    ones = (1,) * len(window_dimensions)
    return [_select_and_gather_add(ct, operand, select_prim, window_dimensions,
                                   window_strides, padding, ones, ones), None]


transpose_rules[select_and_gather_add_p] = _select_and_gather_add_transpose
transpose_rules[select_and_scatter_add_p] = _select_and_scatter_add_transpose


# =========================================================================== batching
# The vmapped axis gets a window of size 1 (stride 1, no padding or dilation).

def _insert(params: dict, at: int) -> dict:
    unit = {"window_dimensions": 1, "window_strides": 1, "padding": (0, 0),
            "base_dilation": 1, "window_dilation": 1}
    return {k: (v[:at] + (unit[k],) + v[at:]) if k in unit else v for k, v in params.items()}


def _reduce_window_batch(prim):
    def rule(args, dims, **params):
        (x,), (bdim,) = args, dims
        return bind(prim, x, **_insert(params, bdim)), bdim
    batch_rules[prim] = rule


for _p in (reduce_window_sum_p, reduce_window_max_p, reduce_window_min_p):
    _reduce_window_batch(_p)


def _select_and_batch(prim):
    """Both operands batched at the front (either may be unbatched)."""
    def rule(args, dims, **params):
        size = batch_size(args, dims)
        args = [bdim_at_front(a, d, size) for a, d in zip(args, dims)]
        return bind(prim, *args, **_insert(params, 0)), 0
    batch_rules[prim] = rule


_select_and_batch(select_and_gather_add_p)
_select_and_batch(select_and_scatter_add_p)


# =========================================================================== public API

def _resolve_padding(name, shape, window_dimensions, window_strides, padding, window_dilation):
    if isinstance(padding, str):
        window = window_dimensions if window_dilation is None else \
            _dilate_shape(window_dimensions, window_dilation)
        return tuple(padtype_to_pads(shape, window, window_strides, padding))
    try:
        return tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: padding must be 'SAME', 'SAME_LOWER', 'VALID' or a sequence "
                         f"of (low, high) integer pairs, got {padding!r}.") from None


# The monoids (kinds: ``reductions.MONOIDS``) with a window-reduction primitive.
_MONOID_REDUCERS = {"sum": reduce_window_sum_p, "max": reduce_window_max_p,
                    "min": reduce_window_min_p}


def reduce_window(operand, init_value, computation: Callable, window_dimensions: Sequence[int],
                  window_strides: Sequence[int] | None = None, padding="VALID",
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None):
    """Reduce each (padded, dilated) window of ``operand`` with ``computation``.

    ``lax.add``, ``lax.max`` and ``lax.min`` with their identity as ``init_value`` become
    ``reduce_window_{sum,max,min}``.  Any other computation (``lax.mul``, a lambda, a
    non-identity init, pytrees of operands) is evaluated by folding ``computation`` over
    the window's strided slices of the padded operand -- exact, differentiable and
    batchable like any zenax code, with one ``computation`` call per window element.

    >>> x = jnp.arange(10.0)
    >>> reduce_window(x, 1.0, lax.mul, (2,))        # products of neighbours
    Array([ 0.,  2.,  6., 12., 20., 30., 42., 56., 72.], dtype=float32)
    """
    flat, tree = tree_flatten(operand)
    flat_init, init_tree = tree_flatten(init_value)
    if tree != init_tree or not flat:
        raise ValueError("reduce_window: operand and init_value must be pytrees of the same "
                         f"(non-empty) structure, got {tree} and {init_tree}.")
    ndim = get_aval(flat[0]).ndim
    window_dimensions = tuple(operator.index(d) for d in window_dimensions)
    if len(window_dimensions) != ndim:
        raise type_error(f"reduce_window: window_dimensions {window_dimensions} needs one "
                         f"entry per operand dimension (operand shape "
                         f"{get_aval(flat[0]).shape}).")
    window_strides = (1,) * ndim if window_strides is None else tuple(window_strides)
    padding = _resolve_padding("reduce_window", get_aval(flat[0]).shape, window_dimensions,
                               window_strides, padding, window_dilation)
    base_dilation = (1,) * ndim if base_dilation is None else tuple(base_dilation)
    window_dilation = (1,) * ndim if window_dilation is None else tuple(window_dilation)
    params = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                  padding=padding, base_dilation=base_dilation, window_dilation=window_dilation)
    kind = monoid_kind(computation, flat_init)
    if kind in _MONOID_REDUCERS:
        return bind(_MONOID_REDUCERS[kind], flat[0], **params)
    return tree_unflatten(tree, _reduce_window_by_slices(flat, flat_init, computation, tree,
                                                         **params))


def _reduce_window_by_slices(flat, flat_init, computation, tree, *, window_dimensions,
                             window_strides, padding, base_dilation, window_dilation):
    """``computation`` folded over the strided slices of the padded operands, one slice per
    position in the window.  As in XLA, each window starts from the init value and skips
    padding and base-dilation holes (a mask selects the accumulator there)."""
    shape = get_aval(flat[0]).shape
    out_shape = _reduce_window_shape("reduce_window", get_aval(flat[0]), window_dimensions,
                                     window_strides, padding, base_dilation, window_dilation)
    flat_init = [np.array(init, get_aval(x).dtype) if is_python_scalar(init) else init
                 for x, init in zip(flat, flat_init)]
    for x, init in zip(flat, flat_init):
        x_aval, init_aval = get_aval(x), get_aval(init)
        if x_aval.shape != shape or init_aval.shape != () or init_aval.dtype != x_aval.dtype:
            raise type_error(f"reduce_window: operands must share one shape and each "
                             f"init_value must be a scalar of its operand's dtype, got "
                             f"operand {x_aval.str_short()} with init {init_aval.str_short()}.")
    config = [(lo, hi, d - 1) for (lo, hi), d in zip(padding, base_dilation)]
    padded = [sh.pad(x, init, config) for x, init in zip(flat, flat_init)]
    needs_mask = any(c != (0, 0, 0) for c in config)
    if needs_mask:
        valid = sh.pad(sh.broadcast_in_dim(np.array(True), shape, ()), np.array(False), config)
    acc = [sh.broadcast_in_dim(init, out_shape, ()) for init in flat_init]
    for offset in itertools.product(*(range(w) for w in window_dimensions)):
        start = [k * d if n else 0 for k, d, n in zip(offset, window_dilation, out_shape)]
        limit = [s + (n - 1) * st + 1 if n else 0
                 for s, n, st in zip(start, out_shape, window_strides)]
        window = [sh.slice(p, start, limit, window_strides) for p in padded]
        new = tree_flatten(computation(tree_unflatten(tree, acc),
                                       tree_unflatten(tree, window)))[0]
        if needs_mask:
            keep = sh.slice(valid, start, limit, window_strides)
            new = [ew.select_n(keep, a, n) for a, n in zip(acc, new)]
        acc = new
    return acc


# --------------------------------------------------------------------------- pooling

def _pool_windows(name, x, window_shape, strides, padding, layout):
    """Full-rank window dimensions, strides and padding for a pooling over ``layout``'s
    spatial dimensions (every letter but 'N' and 'C')."""
    ndim = get_aval(x).ndim
    if layout is None:
        layout = "N" + "".join("HWDXYZ"[i] for i in range(ndim - 2)) + "C"
    if len(layout) != ndim or layout.count("N") != 1 or layout.count("C") != 1:
        raise ValueError(f"{name}: layout {layout!r} must name each of the input's {ndim} "
                         "dimensions, with one 'N' (batch) and one 'C' (features).")
    spatial = [i for i, c in enumerate(layout) if c not in "NC"]
    window_shape = tuple(window_shape)
    strides = (1,) * len(spatial) if strides is None else tuple(strides)
    if len(window_shape) != len(spatial) or len(strides) != len(spatial):
        raise ValueError(f"{name}: window_shape {window_shape} and strides {strides} need one "
                         f"entry per spatial dimension of layout {layout!r}.")
    dims, full_strides = [1] * ndim, [1] * ndim
    for i, w, s in zip(spatial, window_shape, strides):
        dims[i], full_strides[i] = w, s
    if isinstance(padding, str):
        pads = padtype_to_pads(get_aval(x).shape, dims, full_strides, padding)
    else:
        padding = tuple(padding)
        if len(padding) != len(spatial):
            raise ValueError(f"{name}: padding {padding} needs one (low, high) pair per "
                             f"spatial dimension of layout {layout!r}.")
        pads = [(0, 0)] * ndim
        for i, p in zip(spatial, padding):
            pads[i] = tuple(p)
    return tuple(dims), tuple(full_strides), tuple(tuple(p) for p in pads)


def max_pool(x, window_shape: Sequence[int], strides: Sequence[int] | None = None,
             padding="VALID", layout: str | None = None):
    """Max over windows of the spatial dimensions (padding never wins).

    ``layout`` names the dimensions ('NHWC', 'NCHW', 'NWC', ...); the default puts the
    batch first and the features last.

    >>> max_pool(jnp.ones((8, 32, 32, 3)), (2, 2), strides=(2, 2)).shape
    (8, 16, 16, 3)
    >>> max_pool(jnp.ones((8, 3, 32, 32)), (3, 3), (2, 2), "SAME", layout="NCHW").shape
    (8, 3, 16, 16)
    """
    dims, strides, pads = _pool_windows("max_pool", x, window_shape, strides, padding, layout)
    return _bind_window(reduce_window_max_p, x, dims, strides, pads)


def avg_pool(x, window_shape: Sequence[int], strides: Sequence[int] | None = None,
             padding="VALID", layout: str | None = None, count_include_pad: bool = True):
    """Mean over windows of the spatial dimensions.

    With ``count_include_pad`` (the default, as Flax) padding counts as zeros in the mean;
    otherwise each window is averaged over its real elements only.

    >>> avg_pool(jnp.ones((8, 32, 32, 3)), (2, 2), strides=(2, 2)).shape
    (8, 16, 16, 3)
    """
    dims, strides, pads = _pool_windows("avg_pool", x, window_shape, strides, padding, layout)
    sums = _bind_window(reduce_window_sum_p, x, dims, strides, pads)
    aval = get_aval(sums)
    if count_include_pad or all(p == (0, 0) for p in pads):
        return ew.div(sums, np.array(math.prod(dims), aval.dtype))
    ones = sh.broadcast_in_dim(np.ones((), aval.dtype), get_aval(x).shape, ())
    return ew.div(sums, _bind_window(reduce_window_sum_p, ones, dims, strides, pads))
