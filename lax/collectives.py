"""The collectives of ``shard_map`` beyond reductions: ``psum_scatter``, ``ppermute``,
``all_to_all`` (``pswapaxes``), ``pbroadcast``, and the two device-variance casts
``pvary`` and ``psum_invariant``.

Each is linear, so its jvp applies it to the tangent, and each transposes to its dual:

* ``all_gather`` <-> ``psum_scatter`` (every device's block of the summed cotangents);
* ``ppermute`` with ``perm`` <-> ``ppermute`` with the pairs reversed;
* ``all_to_all(split, concat)`` <-> ``all_to_all(concat, split)``;
* ``pvary`` (an invariant value read as one value per device) <-> ``psum_invariant``
  (the per-device values summed into one invariant value).

The last pair is how a ``shard_map`` with ``check_vma=True`` gets exact gradients: its
body is typed with the mesh axes each value varies over (``transforms/varying_axes.py``),
a ``pvary`` is inserted where an invariant value meets a varying one, and ``psum`` over a
varying value becomes ``psum_invariant``.  Transposing then sums a replicated input's
cotangent over the devices exactly where it was broadcast.  Both casts lower to nothing
but the ``psum``.

Under ``vmap(..., axis_name=...)`` each collective's ``axis_rule`` sees the whole mapped
axis at once; as an ordinary batched op it moves the batch dimension out of the way.
Inside a ``shard_map`` body, lowering calls ``jax.lax``'s collective.
"""
from __future__ import annotations

import jax
import numpy as np

from zenax.tracer.ad_types import Zero, not_mapped
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval
from zenax.tracer.tree_util import tree_map

from . import axis_env
from . import dynamic_slicing as dsl
from . import elementwise as ew
from . import shapes as sh
from .broadcasting import bdim_at_front, deflinear, moveaxis, reduce_sum
from .parallel import (_check_groups, _group_rows, _group_tables, _names, all_gather_p,
                       axis_index_p, axis_size, psum_p)
from .registry import const, register, unary_batcher, value_error


def _unsupported_groups(name: str, axis_index_groups) -> None:
    if axis_index_groups is not None:
        raise NotImplementedError(f"{name}: axis_index_groups is not supported by zenax yet; "
                                  "split the mesh axis instead.")


def _own_name(axis_name, name: str):
    """Under vmap: the collective names the trace's axis; it may name only that one."""
    if len(_names(axis_name)) != 1:
        raise NotImplementedError(f"{name} over several axes {axis_name} at once is not "
                                  "supported under vmap; apply it one axis at a time.")


def _zero_or(ct, fn):
    return ct if type(ct) is Zero else fn(ct)


# =========================================================================== pvary
# pvary(x, axes): an invariant value, from here on typed as varying over ``axes``.
pvary_p = Primitive("pvary")
register(pvary_p, lambda x, *, axes: x, lambda x, *, axes: x)
deflinear(pvary_p, lambda ct, x, *, axes: [
    _zero_or(ct, lambda c: bind(psum_invariant_p, c, axes=axes))])
unary_batcher(pvary_p)

# =========================================================================== psum_invariant
# psum_invariant(x, axes): the sum over ``axes`` of a value varying over them; the result
# is invariant over ``axes`` (``psum`` inside a shard_map with check_vma=True).
psum_invariant_p = Primitive("psum_invariant")
register(psum_invariant_p, lambda x, *, axes: x,
         lambda x, *, axes: jax.lax.psum(x, axes))
deflinear(psum_invariant_p, lambda ct, x, *, axes: [
    _zero_or(ct, lambda c: bind(pvary_p, c, axes=axes))])
unary_batcher(psum_invariant_p)

# =========================================================================== psum_scatter
psum_scatter_p = Primitive("reduce_scatter")


def _psum_scatter_abstract_eval(x, *, axis_name, scatter_dimension, axis_size, tiled):
    if not 0 <= scatter_dimension < x.ndim:
        raise value_error(f"psum_scatter: scatter_dimension={scatter_dimension} is out of "
                          f"bounds for an operand of shape {x.shape}.")
    shape = list(x.shape)
    n = shape[scatter_dimension]
    if tiled:
        if n % axis_size:
            raise value_error(f"psum_scatter: with tiled=True, dimension {scatter_dimension} "
                              f"of x (size {n}) must be divisible by the size {axis_size} of "
                              f"axis {axis_name!r}.")
        shape[scatter_dimension] = n // axis_size
    else:
        if n != axis_size:
            raise value_error(f"psum_scatter: dimension {scatter_dimension} of x (size {n}) "
                              f"must equal the size {axis_size} of axis {axis_name!r} (or pass "
                              "tiled=True to scatter blocks).")
        del shape[scatter_dimension]
    return ShapedArray(shape, x.dtype, x.weak_type)


def _psum_scatter_lower(x, *, axis_name, scatter_dimension, axis_size, tiled):
    return jax.lax.psum_scatter(x, axis_name, scatter_dimension=scatter_dimension, tiled=tiled)


register(psum_scatter_p, _psum_scatter_abstract_eval, _psum_scatter_lower)
deflinear(psum_scatter_p, lambda ct, x, *, axis_name, scatter_dimension, axis_size, tiled: [
    _zero_or(ct, lambda c: bind(all_gather_p, c, axis_name=axis_name, axis=scatter_dimension,
                                axis_size=axis_size, tiled=tiled))])
# all_gather's transpose is psum_scatter (a reduce-scatter in XLA), declared here with it.
deflinear(all_gather_p, lambda ct, x, *, axis_name, axis, axis_size, tiled: [
    _zero_or(ct, lambda c: bind(psum_scatter_p, c, axis_name=axis_name, scatter_dimension=axis,
                                axis_size=axis_size, tiled=tiled))])


def _psum_scatter_batch(args, dims, *, scatter_dimension, **params):
    x = moveaxis(args[0], dims[0], 0)
    return bind(psum_scatter_p, x, scatter_dimension=scatter_dimension + 1, **params), 0


def _psum_scatter_axis_rule(trace, vals, dims, *, axis_name, scatter_dimension, axis_size,
                            tiled):
    """Element i gets block i (along ``scatter_dimension``) of the sum over the batch."""
    _own_name(axis_name, "psum_scatter")
    (x,), (d,) = vals, dims
    total = ew.mul(x, const(x, trace.axis_size)) if d is not_mapped \
        else reduce_sum(x, (d,))
    if not tiled:
        return total, scatter_dimension
    shape = get_aval(total).shape
    n = trace.axis_size
    split = shape[:scatter_dimension] + (n, shape[scatter_dimension] // n) + \
        shape[scatter_dimension + 1:]
    return sh.reshape(total, split), scatter_dimension


batch_rules[psum_scatter_p] = _psum_scatter_batch
psum_scatter_p.axis_rule = _psum_scatter_axis_rule

# =========================================================================== ppermute
ppermute_p = Primitive("ppermute")


def _ppermute_lower(x, *, axis_name, perm):
    return jax.lax.ppermute(x, axis_name, perm)


register(ppermute_p, lambda x, *, axis_name, perm: x, _ppermute_lower)
deflinear(ppermute_p, lambda ct, x, *, axis_name, perm: [
    _zero_or(ct, lambda c: bind(ppermute_p, c, axis_name=axis_name,
                                perm=tuple((dst, src) for src, dst in perm)))])
unary_batcher(ppermute_p)


def _ppermute_axis_rule(trace, vals, dims, *, axis_name, perm):
    """Element ``dst`` gets element ``src``'s value; elements no pair sends to get zeros."""
    _own_name(axis_name, "ppermute")
    (x,), (d,) = vals, dims
    x = bdim_at_front(x, d, trace.axis_size)
    source = dict((dst, src) for src, dst in perm)
    zero = ew.mul(sh.index_in_dim(x, 0, 0), const(x, 0))
    rows = [sh.index_in_dim(x, source[i], 0) if i in source else zero
            for i in range(trace.axis_size)]
    return sh.concatenate(rows, 0), 0


ppermute_p.axis_rule = _ppermute_axis_rule

# =========================================================================== all_to_all
# all_to_all(x, split_axis, concat_axis) in the rank-preserving form: each device splits
# ``split_axis`` into ``axis_size`` blocks, sends block j to device j, and concatenates
# what it receives along ``concat_axis`` (the public function adds/removes the unit axes
# of the untiled form around it, as JAX does).
all_to_all_p = Primitive("all_to_all")


def _all_to_all_abstract_eval(x, *, axis_name, split_axis, concat_axis, axis_size):
    shape = list(x.shape)
    if shape[split_axis] % axis_size:
        raise value_error(f"all_to_all: dimension split_axis={split_axis} of x (size "
                          f"{shape[split_axis]}) must be divisible by the size {axis_size} "
                          f"of axis {axis_name!r}.")
    shape[split_axis] //= axis_size
    shape[concat_axis] *= axis_size
    return ShapedArray(shape, x.dtype, x.weak_type)


def _all_to_all_lower(x, *, axis_name, split_axis, concat_axis, axis_size):
    return jax.lax.all_to_all(x, axis_name, split_axis, concat_axis, tiled=True)


register(all_to_all_p, _all_to_all_abstract_eval, _all_to_all_lower)
deflinear(all_to_all_p, lambda ct, x, *, axis_name, split_axis, concat_axis, axis_size: [
    _zero_or(ct, lambda c: bind(all_to_all_p, c, axis_name=axis_name, split_axis=concat_axis,
                                concat_axis=split_axis, axis_size=axis_size))])


def _all_to_all_batch(args, dims, *, split_axis, concat_axis, **params):
    x = moveaxis(args[0], dims[0], 0)
    return bind(all_to_all_p, x, split_axis=split_axis + 1, concat_axis=concat_axis + 1,
                **params), 0


def _all_to_all_axis_rule(trace, vals, dims, *, axis_name, split_axis, concat_axis,
                          axis_size):
    """Element i's block j (of ``split_axis``) becomes element j's block i (of
    ``concat_axis``)."""
    _own_name(axis_name, "all_to_all")
    (x,), (d,) = vals, dims
    n = trace.axis_size
    x = bdim_at_front(x, d, n)                      # (i, ...element axes...)
    shape = get_aval(x).shape[1:]
    # Split the split axis into (j, block); the concat axis is then ``concat``'s position
    # among the new axes (the block axis itself when split_axis == concat_axis).
    x = sh.reshape(x, (n,) + shape[:split_axis] + (n, shape[split_axis] // n)
                   + shape[split_axis + 1:])
    axes = ["i"] + list(range(split_axis)) + ["j", "block"] + \
        list(range(split_axis + 1, len(shape)))
    concat = "block" if concat_axis == split_axis else concat_axis
    # j becomes the batch axis; i goes just before the concat axis and merges with it.
    order = [a for a in axes if a not in ("i", "j")]
    order.insert(order.index(concat), "i")
    x = sh.transpose(x, tuple(axes.index(a) for a in ["j"] + order))
    out_shape = list(shape)
    out_shape[split_axis] //= n
    out_shape[concat_axis] *= n
    return sh.reshape(x, (n,) + tuple(out_shape)), 0


batch_rules[all_to_all_p] = _all_to_all_batch
all_to_all_p.axis_rule = _all_to_all_axis_rule

# =========================================================================== pbroadcast
pbroadcast_p = Primitive("pbroadcast")


def _pbroadcast_lower(x, *, axis_name, source):
    # The source's value, summed with zeros from the others: a collective every platform
    # has (XLA's collective-broadcast is GPU-only in JAX).
    mine = jax.lax.axis_index(axis_name) == source
    return jax.lax.psum(jax.lax.select(mine, x, jax.lax.full_like(x, 0)), axis_name)


def _pbroadcast_transpose(ct, x, *, axis_name, source):
    if type(ct) is Zero:
        return [ct]
    total = bind(psum_p, ct, axis_name=axis_name)
    mine = ew.eq(bind(axis_index_p, axis_name=axis_name), np.int32(source))
    return [ew.mul(total, ew._convert_element_type(mine, get_aval(ct).dtype))]


register(pbroadcast_p, lambda x, *, axis_name, source: x, _pbroadcast_lower)
deflinear(pbroadcast_p, _pbroadcast_transpose)
unary_batcher(pbroadcast_p)


def _pbroadcast_axis_rule(trace, vals, dims, *, axis_name, source):
    _own_name(axis_name, "pbroadcast")
    (x,), (d,) = vals, dims
    return (x if d is not_mapped else sh.index_in_dim(x, source, d, keepdims=False)), not_mapped


pbroadcast_p.axis_rule = _pbroadcast_axis_rule


# =========================================================================== public API

def _check_perm(name: str, perm, n: int) -> tuple:
    try:
        pairs = tuple((int(s), int(d)) for s, d in perm)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: perm must be a sequence of (source, destination) pairs of "
                        f"ints, got {perm!r}.") from None
    srcs, dsts = [s for s, _ in pairs], [d for _, d in pairs]
    if len(set(srcs)) != len(srcs) or len(set(dsts)) != len(dsts):
        raise ValueError(f"{name}: perm sources and destinations must be unique, got {perm!r}.")
    if any(not 0 <= i < n for i in srcs + dsts):
        raise ValueError(f"{name}: perm {perm!r} names an index outside the axis of size {n}.")
    return pairs


def psum_scatter(x, axis_name, *, scatter_dimension: int = 0, axis_index_groups=None,
                 tiled: bool = False):
    """Sum ``x`` over ``axis_name`` and keep only this device's block of the result along
    ``scatter_dimension`` (a reduce-scatter; the first half of a ``psum``).

    >>> zenax.vmap(lambda x: lax.psum_scatter(x, "i"), axis_name="i")(jnp.eye(3))
    Array([1., 1., 1.], dtype=float32)
    """
    n = axis_size(axis_name)
    groups = _check_groups("psum_scatter", axis_name, axis_index_groups)

    def bind_leaf(v):
        aval = get_aval(v)
        dim = int(scatter_dimension) % max(aval.ndim, 1)
        # Checked here as well as in the abstract eval: vmap's axis rule runs without it.
        _psum_scatter_abstract_eval(aval, axis_name=axis_name, scatter_dimension=dim,
                                    axis_size=n if groups is None else len(groups[0]),
                                    tiled=bool(tiled))
        if groups is not None:
            return _grouped_psum_scatter(v, axis_name, groups, dim, bool(tiled))
        return bind(psum_scatter_p, v, axis_name=axis_name, scatter_dimension=dim,
                    axis_size=n, tiled=bool(tiled))
    return tree_map(bind_leaf, x)


def _grouped_psum_scatter(v, axis_name, groups: tuple, dim: int, tiled: bool):
    """The sum over this device's group, and of it the block at the device's place in the
    group (see ``parallel._group_rows``)."""
    total = reduce_sum(_group_rows(v, axis_name, groups), (0,))
    _, position = _group_tables(groups)
    place = dsl.dynamic_index_in_dim(position, bind(axis_index_p, axis_name=axis_name), 0,
                                     keepdims=False)
    if not tiled:
        return dsl.dynamic_index_in_dim(total, place, dim, keepdims=False)
    block = get_aval(total).shape[dim] // len(groups[0])
    return dsl.dynamic_slice_in_dim(total, ew.mul(place, np.int32(block)), block, dim)


def ppermute(x, axis_name, perm):
    """Send each device's ``x`` along ``axis_name`` by the ``(source, destination)`` pairs of
    ``perm``; a device no pair sends to receives zeros.

    >>> zenax.vmap(lambda x: lax.ppermute(x, "i", [(0, 1), (1, 2), (2, 0)]),
    ...            axis_name="i")(jnp.arange(3.0))
    Array([2., 0., 1.], dtype=float32)
    """
    pairs = _check_perm("ppermute", perm, axis_size(axis_name))
    return tree_map(lambda v: bind(ppermute_p, v, axis_name=axis_name, perm=pairs), x)


def pshuffle(x, axis_name, perm):
    """``ppermute`` with ``perm[i]`` the device whose value device ``i`` receives.

    >>> zenax.vmap(lambda x: lax.pshuffle(x, "i", [2, 0, 1]), axis_name="i")(jnp.arange(3.0))
    Array([2., 0., 1.], dtype=float32)
    """
    if set(perm) != set(range(len(perm))):
        raise ValueError(f"pshuffle: perm must be a permutation of 0..{len(perm) - 1}, "
                         f"got {perm!r}.")
    return ppermute(x, axis_name, list(zip(perm, range(len(perm)))))


def all_to_all(x, axis_name, split_axis: int, concat_axis: int, *, axis_index_groups=None,
               tiled: bool = False):
    """Split ``x``'s ``split_axis`` into one block per device of ``axis_name``, send block j
    to device j, and stack what arrives along ``concat_axis`` (``tiled=True``: concatenate).

    >>> zenax.vmap(lambda x: lax.all_to_all(x, "i", 0, 0), axis_name="i")(
    ...     jnp.arange(4.0).reshape(2, 2))
    Array([[0., 2.],
           [1., 3.]], dtype=float32)
    """
    _unsupported_groups("all_to_all", axis_index_groups)
    n = axis_size(axis_name)

    def bind_leaf(v, split=split_axis, concat=concat_axis):
        ndim = get_aval(v).ndim
        split, concat = int(split) % ndim, int(concat) % ndim
        size = get_aval(v).shape[split]
        if not tiled and size != n:
            raise ValueError(f"all_to_all: the size {n} of axis {axis_name!r} must equal "
                             f"x.shape[split_axis] = {size} (or pass tiled=True).")
        if not tiled:
            if split < concat:
                concat += 1
                v = sh.expand_dims(v, (concat,))
            elif split > concat:
                v = sh.expand_dims(v, (concat,))
                split += 1
        # Checked here as well as in the abstract eval: vmap's axis rule runs without it.
        _all_to_all_abstract_eval(get_aval(v), axis_name=axis_name, split_axis=split,
                                  concat_axis=concat, axis_size=n)
        out = bind(all_to_all_p, v, axis_name=axis_name, split_axis=split, concat_axis=concat,
                   axis_size=n)
        return sh.squeeze(out, (split,)) if not tiled and split != concat else out
    return tree_map(bind_leaf, x)


def pswapaxes(x, axis_name, axis: int, *, axis_index_groups=None):
    """Swap the mapped axis ``axis_name`` with positional axis ``axis`` of ``x``
    (``all_to_all(x, axis_name, axis, axis)``).

    >>> zenax.vmap(lambda x: lax.pswapaxes(x, "i", 0), axis_name="i")(
    ...     jnp.arange(4.0).reshape(2, 2))
    Array([[0., 2.],
           [1., 3.]], dtype=float32)
    """
    return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)


def pbroadcast(x, axis_name, source: int):
    """Every device of ``axis_name`` gets the ``x`` of device ``source``.

    >>> zenax.vmap(lambda x: lax.pbroadcast(x, "i", 2), axis_name="i")(jnp.arange(3.0))
    Array([2., 2., 2.], dtype=float32)
    """
    n = axis_size(axis_name)
    if not 0 <= source < n:
        raise ValueError(f"pbroadcast: source={source} is outside the axis {axis_name!r} of "
                         f"size {n}.")
    return tree_map(lambda v: bind(pbroadcast_p, v, axis_name=axis_name, source=int(source)), x)


def pcast(x, axis_name, *, to: str):
    """Change how ``x`` is typed across the devices of ``axis_name``: ``to="varying"``
    marks an invariant value as one value per device (its cotangent is summed over them).
    Outside a ``shard_map`` with ``check_vma=True`` values are untyped and this is ``x``.

    >>> zenax.vmap(lambda x: lax.pcast(x, "i", to="varying"), axis_name="i")(jnp.ones(2))
    Array([1., 1.], dtype=float32)
    """
    if isinstance(axis_name, (set, frozenset)):
        raise TypeError(f"pcast: axis_name must be a str or a tuple, got {axis_name!r}.")
    if to not in ("varying", "reduced", "unreduced"):
        raise ValueError(f"pcast: to must be one of 'varying', 'reduced', 'unreduced'; got "
                         f"{to!r}.")
    if to != "varying":
        raise NotImplementedError(f"pcast: to={to!r} (unreduced/reduced types) is not "
                                  "supported by zenax yet.")
    names = _names(axis_name)
    if not names:
        return x
    axis_size(axis_name)
    typed = tuple(n for n in names if (f := axis_env.mesh_axis_frame(n)) and f.check_vma)
    if not typed:
        return x
    return tree_map(lambda v: bind(pvary_p, v, axes=typed), x)


__all__ = ["all_to_all", "all_to_all_p", "pbroadcast", "pbroadcast_p", "pcast", "ppermute",
           "ppermute_p", "pshuffle", "psum_invariant_p", "psum_scatter", "psum_scatter_p",
           "pswapaxes", "pvary_p"]
