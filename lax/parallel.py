"""Collectives over a named mapped axis: ``psum``, ``pmean``, ``pmax``, ``pmin``,
``all_gather``, ``axis_index``.

Under ``vmap(f, axis_name="i")`` the batch axis has a name, and these primitives reduce
or gather across it.  Each primitive carries an ``axis_rule`` that the batch trace owning
the name calls (the rule sees the whole batch at once); under other traces they behave
like ordinary primitives (elementwise in the batch, linear for autodiff).  Inside a
``shard_map`` body the name is a mesh axis (``axis_env.py``) and the primitive is lowered
to XLA's collective.  The newer collectives are in ``collectives.py``.
"""
from __future__ import annotations

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, current_trace, get_aval, jvp_rules
from zenax.tracer.tree_util import tree_map

from . import axis_env
from . import dynamic_slicing as dsl
from . import elementwise as ew
from . import reductions as red
from . import shapes as sh
from .broadcasting import deflinear, instantiate, moveaxis
from .registry import const, defjvp_zero, register, unary_batcher


def _names(axis_name):
    return axis_name if isinstance(axis_name, tuple) else (axis_name,)


def _move_to_front(x, bdim):
    return moveaxis(x, bdim, 0)


def _other_names(axis_name, trace):
    rest = tuple(n for n in _names(axis_name) if n != trace.axis_name)
    return rest[0] if len(rest) == 1 else (rest or None)


def _reducer_collective(name, reduce, scale_unmapped, lower):
    prim = Primitive(name)
    register(prim, lambda x, *, axis_name: x, lambda x, *, axis_name: lower(x, axis_name))

    def axis_rule(trace, vals, dims, *, axis_name):
        (x,), (d,) = vals, dims
        if d is not_mapped:
            out = scale_unmapped(x, trace.axis_size)
        else:
            out = reduce(x, (d,))
        rest = _other_names(axis_name, trace)
        if rest is not None:
            out = bind(prim, out, axis_name=rest)
        return out, not_mapped   # the same for every batch element

    prim.axis_rule = axis_rule
    unary_batcher(prim)
    return prim


def _times(x, n):
    return ew.mul(x, const(x, n))


psum_p = _reducer_collective("psum", red.reduce_sum, _times, jax.lax.psum)
pmax_p = _reducer_collective("pmax", red.reduce_max, lambda x, n: x, jax.lax.pmax)
pmin_p = _reducer_collective("pmin", red.reduce_min, lambda x, n: x, jax.lax.pmin)
# psum is linear; its transpose over a mapped axis is psum again.
deflinear(psum_p, lambda ct, x, *, axis_name: [
    Zero(x.aval) if type(ct) is Zero else bind(psum_p, ct, axis_name=axis_name)])


def _pchooser_jvp(prim):
    """pmax/pmin: the tangent of the chosen element, averaged over ties (like reduce_max)."""
    def rule(primals, tangents, *, axis_name):
        (x,), (t,) = primals, tangents
        ans = bind(prim, x, axis_name=axis_name)
        where = ew._convert_element_type(ew.eq(x, ans), get_aval(x).dtype)
        num = bind(psum_p, ew.mul(instantiate(t), where), axis_name=axis_name)
        return ans, ew.div(num, bind(psum_p, where, axis_name=axis_name))
    return rule


jvp_rules[pmax_p] = _pchooser_jvp(pmax_p)
jvp_rules[pmin_p] = _pchooser_jvp(pmin_p)

# --------------------------------------------------------------------------- all_gather
all_gather_p = Primitive("all_gather")


def _all_gather_abstract_eval(x, *, axis_name, axis, axis_size, tiled):
    shape = list(x.shape)
    if tiled:
        shape[axis] *= axis_size
    else:
        shape.insert(axis, axis_size)
    return ShapedArray(shape, x.dtype, x.weak_type)


def _all_gather_lower(x, *, axis_name, axis, axis_size, tiled):
    return jax.lax.all_gather(x, axis_name, axis=axis, tiled=tiled)


register(all_gather_p, _all_gather_abstract_eval, _all_gather_lower)


def _all_gather_axis_rule(trace, vals, dims, *, axis_name, axis, axis_size, tiled):
    (x,), (d,) = vals, dims
    x = _move_to_front(x, d) if d is not not_mapped else sh.broadcast(x, (trace.axis_size,))
    out = moveaxis(x, 0, axis)
    if tiled:
        shape = list(get_aval(x).shape[1:])
        shape[axis] *= trace.axis_size
        out = sh.reshape(out, tuple(shape))
    return out, not_mapped


def _all_gather_batch(args, dims, *, axis_name, axis, axis_size, tiled):
    x = _move_to_front(args[0], dims[0])
    return bind(all_gather_p, x, axis_name=axis_name, axis=axis + 1, axis_size=axis_size,
                tiled=tiled), 0


all_gather_p.axis_rule = _all_gather_axis_rule
batch_rules[all_gather_p] = _all_gather_batch


# all_gather's transpose (psum_scatter) is registered in collectives.py, next to it.

# --------------------------------------------------------------------------- axis_index
axis_index_p = Primitive("axis_index")
register(axis_index_p, lambda *, axis_name: ShapedArray((), np.int32),
         lambda *, axis_name: jax.lax.axis_index(axis_name))


def _axis_index_axis_rule(trace, vals, dims, *, axis_name):
    return sh.iota(np.int32, trace.axis_size), 0


axis_index_p.axis_rule = _axis_index_axis_rule
defjvp_zero(axis_index_p)


# =========================================================================== public API

def psum(x, axis_name, *, axis_index_groups=None):
    """Sum ``x`` over the mapped axis ``axis_name`` (works on pytrees).  With
    ``axis_index_groups`` (inside a shard_map or pmap), each device sums over its group only.

    >>> zenax.vmap(lambda x: lax.psum(x, "i"), axis_name="i")(jnp.arange(3.0))
    Array([3., 3., 3.], dtype=float32)
    """
    axis_size(axis_name)     # NameError now, at the user's line, if no vmap binds the name
    groups = _check_groups("psum", axis_name, axis_index_groups)
    return tree_map(lambda v: _psum_leaf(v, axis_name, groups), x)


def _psum_leaf(v, axis_name, groups=None):
    if dtypes.is_bool(get_aval(v).dtype):        # JAX sums bools as ints
        v = ew._convert_element_type(v, dtypes.default_int_dtype())
    if groups is not None:
        return red.reduce_sum(_group_rows(v, axis_name, groups), (0,))
    return bind(psum_p, v, axis_name=axis_name)


def pmean(x, axis_name, *, axis_index_groups=None):
    """The mean of ``x`` over the mapped axis ``axis_name`` (true division, as JAX's: an
    integer ``x`` gives floats).

    >>> zenax.vmap(lambda x: lax.pmean(x, "i"), axis_name="i")(jnp.arange(4))
    Array([1.5, 1.5, 1.5, 1.5], dtype=float32)
    """
    n = axis_size(axis_name)
    groups = _check_groups("pmean", axis_name, axis_index_groups)
    if groups is not None:
        n = len(groups[0])

    def mean(v):
        # Summed in the operand's dtype (ints may wrap around), then divided: as JAX does.
        total = _psum_leaf(v, axis_name, groups)
        if not dtypes.is_inexact(get_aval(total).dtype):
            total = ew._convert_element_type(total, dtypes.default_float_dtype())
        return ew.div(total, const(total, n))
    return tree_map(mean, x)


def pmax(x, axis_name, *, axis_index_groups=None):
    """The maximum of ``x`` over the mapped axis ``axis_name``.

    >>> zenax.vmap(lambda x: lax.pmax(x, "i"), axis_name="i")(jnp.arange(3.0))
    Array([2., 2., 2.], dtype=float32)
    """
    axis_size(axis_name)
    groups = _check_groups("pmax", axis_name, axis_index_groups)
    if groups is not None:
        return tree_map(lambda v: red.reduce_max(_group_rows(v, axis_name, groups), (0,)), x)
    return tree_map(lambda v: bind(pmax_p, v, axis_name=axis_name), x)


def pmin(x, axis_name, *, axis_index_groups=None):
    """The minimum of ``x`` over the mapped axis ``axis_name``.

    >>> zenax.vmap(lambda x: lax.pmin(x, "i"), axis_name="i")(jnp.arange(3.0))
    Array([0., 0., 0.], dtype=float32)
    """
    axis_size(axis_name)
    groups = _check_groups("pmin", axis_name, axis_index_groups)
    if groups is not None:
        return tree_map(lambda v: red.reduce_min(_group_rows(v, axis_name, groups), (0,)), x)
    return tree_map(lambda v: bind(pmin_p, v, axis_name=axis_name), x)


def all_gather(x, axis_name, *, axis_index_groups=None, axis: int = 0, tiled: bool = False,
               to: str = "varying"):
    """Gather ``x`` from every element of the mapped axis into a new axis ``axis``
    (``tiled=True``: concatenate along ``axis``); with ``axis_index_groups``, from the
    members of this device's group only, in the group's order.

    >>> zenax.vmap(lambda x: lax.all_gather(x, "i"), axis_name="i")(jnp.arange(2.0))
    Array([[0., 1.],
           [0., 1.]], dtype=float32)
    """
    if to not in ("varying", "invarying", "reduced"):
        raise ValueError(f"all_gather: unexpected `to` value {to!r}; allowed values are "
                         "'varying', 'invarying' and 'reduced'.")
    if to != "varying" and axis_index_groups is not None:
        raise NotImplementedError(f"all_gather: to={to!r} with axis_index_groups.")
    if to == "reduced":
        raise NotImplementedError("all_gather: to='reduced' needs reduced (unreduced-"
                                  "cotangent) types, which zenax does not track.")
    # to='invarying' only types the result as equal on every member of the axis, which
    # an all-gather's result is: the values are those of to='varying'.
    n = axis_size(axis_name)
    groups = _check_groups("all_gather", axis_name, axis_index_groups)
    if groups is None:
        return tree_map(lambda v: bind(all_gather_p, v, axis_name=axis_name, axis=axis,
                                       axis_size=n, tiled=tiled), x)

    def gather_group(v):
        rows = moveaxis(_group_rows(v, axis_name, groups), 0, axis)
        if not tiled:
            return rows
        shape = list(get_aval(v).shape)
        shape[axis] *= len(groups[0])
        return sh.reshape(rows, tuple(shape))
    return tree_map(gather_group, x)


# --------------------------------------------------------------------------- axis_index_groups
# A collective over groups of a mesh axis is built from the whole-axis all_gather: each
# device picks its group's rows out of everyone's values (XLA would send less, but the
# composition needs no primitive of its own: its derivatives and typing come for free).

def _check_groups(name: str, axis_name, axis_index_groups) -> tuple | None:
    """``axis_index_groups`` as a tuple of tuples (None stays None), checked as JAX does."""
    if axis_index_groups is None:
        return None
    groups = tuple(tuple(int(i) for i in g) for g in axis_index_groups)
    total = sum(len(g) for g in groups)
    if {i for g in groups for i in g} != set(range(total)):
        raise ValueError(f"{name}: axis_index_groups must cover all indices exactly once, "
                         f"got {axis_index_groups!r}.")
    names = _names(axis_name)
    frame = axis_env.mesh_axis_frame(names[0]) if len(names) == 1 else None
    if frame is None or frame.check_vma:
        # As JAX: groups only where values are not typed for device variance (pmap, or
        # shard_map with check_vma=False); vmap's collectives take none.
        raise NotImplementedError(f"{name}: axis_index_groups is supported only over one "
                                  "mesh axis of a pmap or a shard_map with check_vma=False.")
    size = axis_size(axis_name)
    if total != size or len({len(g) for g in groups}) != 1:
        raise ValueError(f"{name}: axis_index_groups must split the {size} indices of axis "
                         f"{axis_name!r} into groups of one size, got {axis_index_groups!r}.")
    return groups


def _group_tables(groups: tuple) -> tuple[np.ndarray, np.ndarray]:
    """members[i]: the group holding index i, in its order; position[i]: i's place in it."""
    n = sum(len(g) for g in groups)
    members = np.zeros((n, len(groups[0])), np.int32)
    position = np.zeros((n,), np.int32)
    for g in groups:
        for k, i in enumerate(g):
            members[i], position[i] = g, k
    return members, position


def _group_rows(v, axis_name, groups: tuple):
    """``(group size, *v.shape)``: the ``v`` of each member of this device's group."""
    members, _ = _group_tables(groups)
    everyone = bind(all_gather_p, v, axis_name=axis_name, axis=0, axis_size=len(members),
                    tiled=False)
    mine = dsl.dynamic_index_in_dim(members, bind(axis_index_p, axis_name=axis_name), 0,
                                    keepdims=False)
    return sh.concatenate([dsl.dynamic_index_in_dim(everyone, sh.index_in_dim(
        mine, k, 0, keepdims=False), 0) for k in range(members.shape[1])], 0)


def axis_index(axis_name):
    """The index along the mapped axis ``axis_name`` (0 .. size-1).  For a tuple of names,
    the row-major index over those axes, as in JAX.

    >>> zenax.vmap(lambda x: lax.axis_index("i"), axis_name="i")(jnp.zeros(3))
    Array([0, 1, 2], dtype=int32)
    """
    index = None
    axis_size(axis_name)
    for name in _names(axis_name):
        i = bind(axis_index_p, axis_name=name)
        index = i if index is None else ew.add(ew.mul(index, np.int32(axis_size(name))), i)
    return index


def axis_size(axis_name) -> int:
    """The size of the mapped axis ``axis_name`` (from the enclosing vmap, or the mesh of
    the enclosing shard_map)."""
    size = 1
    for name in _names(axis_name):
        trace = current_trace()
        while trace is not None and getattr(trace, "axis_name", None) != name:
            trace = trace.parent
        if trace is not None:
            size *= trace.axis_size
            continue
        frame = axis_env.mesh_axis_frame(name)
        if frame is None:
            raise NameError(f"unbound axis name: {name}. Collectives must be called inside "
                            f"vmap(..., axis_name={name!r}) or a shard_map whose mesh has "
                            f"an axis {name!r}.")
        size *= frame.sizes[name]
    return size
