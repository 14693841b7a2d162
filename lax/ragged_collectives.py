"""``ragged_all_to_all``: the all-to-all of ragged data (many variable-length slices
of the leading axis, each sent to one device).

Each device holds ``operand`` (N, ...) and sends, for every peer j, the leading-axis
slice ``operand[input_offsets[j] : input_offsets[j] + send_sizes[j]]``; peer j writes it
into its ``output`` (M, ...) at ``output_offsets[j]`` (an offset in the *receiver's*
output).  ``recv_sizes[j]`` is how many rows arrive from peer j.  Rows no slice lands
on keep ``output``'s values.  The offset and size arrays are integers of shape (K,),
one entry per peer.

Derivatives follow JAX: the result is linear in ``(operand, output)`` jointly, so the
jvp sends the tangents the same way.  The transpose sends the cotangent back (the roles
of input/output offsets and of send/recv sizes swapped, with the offsets exchanged by an
``all_to_all`` so each device knows where its rows went), and the ``output`` cotangent is
the incoming one with the overwritten rows zeroed.  Under ``vmap`` over another axis the
batch is folded into the leading axis (offsets shifted per batch element); ``vmap`` over
the collective's own axis is not supported (nor in JAX).  XLA implements the operation
on GPU and TPU; on CPU compiling it fails with XLA's error, as with JAX.
"""
from __future__ import annotations

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.ad_types import Zero, is_undefined_primal
from zenax.tracer.core import (Primitive, batch_rules, bind, current_trace, eval_trace,
                               get_aval, jvp_rules, transpose_rules)

from . import elementwise as ew
from . import reductions as red
from . import shapes as sh
from .broadcasting import batch_size, bdim_at_front, broadcast_in_dim, instantiate, reshape
from .collectives import all_to_all
from .parallel import _check_groups, axis_size
from .registry import register, value_error

__all__ = ["ragged_all_to_all", "ragged_all_to_all_p"]

ragged_all_to_all_p = Primitive("ragged_all_to_all")
_INDEX_NAMES = ("input_offsets", "send_sizes", "output_offsets", "recv_sizes")


def _abstract_eval(operand, output, *indices, axis_name, axis_index_groups):
    for name, aval in zip(_INDEX_NAMES, indices):
        if not dtypes.is_integer(aval.dtype):
            raise value_error(f"ragged_all_to_all: {name} must be of integer type, got "
                              f"{aval.str_short()}.")
        if aval.ndim != 1 or aval.shape[0] < 1:
            raise value_error(f"ragged_all_to_all: {name} must be rank 1 with positive "
                              f"dimension size, but got shape {aval.shape}.")
    if operand.shape[1:] != output.shape[1:] or operand.dtype != output.dtype:
        raise value_error("ragged_all_to_all: operand and output must agree in dtype and in "
                          f"all but the leading dimension, got {operand.str_short()} and "
                          f"{output.str_short()}.")
    return output.update(weak_type=False)


def _lower(operand, output, *indices, axis_name, axis_index_groups):
    groups = None if axis_index_groups is None else [list(g) for g in axis_index_groups]
    return jax.lax.ragged_all_to_all(operand, output, *indices, axis_name=axis_name,
                                     axis_index_groups=groups)


register(ragged_all_to_all_p, _abstract_eval, _lower)


def _jvp(primals, tangents, **params):
    operand, output, *indices = primals
    operand_dot, output_dot, *_ = tangents
    out = bind(ragged_all_to_all_p, operand, output, *indices, **params)
    if type(operand_dot) is Zero and type(output_dot) is Zero:
        return out, Zero(get_aval(out))
    out_dot = bind(ragged_all_to_all_p, instantiate(operand_dot), instantiate(output_dot),
                   *indices, **params)
    return out, out_dot


def _written_rows(n_rows: int, offsets, sizes):
    """bool[n_rows]: the rows some ``[offset, offset + size)`` range covers."""
    rows = sh.broadcasted_iota(get_aval(offsets).dtype, (n_rows, get_aval(offsets).shape[0]), 0)
    starts = broadcast_in_dim(offsets, get_aval(rows).shape, (1,))
    ends = broadcast_in_dim(ew.add(offsets, sizes), get_aval(rows).shape, (1,))
    return red.reduce_or(ew.bitwise_and(ew.ge(rows, starts), ew.lt(rows, ends)), (1,))


def _transpose(ct, operand, output, input_offsets, send_sizes, output_offsets, recv_sizes, *,
               axis_name, axis_index_groups):
    if type(ct) is Zero:
        return [Zero(operand.aval) if is_undefined_primal(operand) else None,
                Zero(output.aval) if is_undefined_primal(output) else None, None, None, None,
                None]
    operand_aval = operand.aval if is_undefined_primal(operand) else get_aval(operand)
    zero = broadcast_in_dim(np.zeros((), operand_aval.dtype), operand_aval.shape, ())
    # Where this device's slices landed on each peer, and where the peers' came from.
    sent_to = all_to_all(output_offsets, axis_name, 0, 0, tiled=True)
    came_from = all_to_all(input_offsets, axis_name, 0, 0, tiled=True)
    operand_ct = bind(ragged_all_to_all_p, ct, zero, sent_to, recv_sizes, came_from,
                      send_sizes, axis_name=axis_name, axis_index_groups=axis_index_groups)
    ct_aval = get_aval(ct)
    written = _written_rows(ct_aval.shape[0], sent_to, recv_sizes)
    written = broadcast_in_dim(written, ct_aval.shape, (0,))
    output_ct = ew.select_n(written, ct, ew.mul(ct, np.zeros((), ct_aval.dtype)))
    return [operand_ct, output_ct, None, None, None, None]


def _batch(args, dims, *, axis_name, axis_index_groups):
    """vmap over another axis: batch element b's rows follow element b-1's in one
    ragged exchange, its offsets shifted by b times the leading size."""
    if axis_index_groups is not None:
        raise NotImplementedError("ragged_all_to_all: vmap with axis_index_groups is not "
                                  "supported (nor in JAX).")
    size = batch_size(args, dims)
    operand, output, *indices = [bdim_at_front(a, d, size) for a, d in zip(args, dims)]
    n, m = get_aval(operand).shape[1], get_aval(output).shape[1]
    # Offsets and sizes as (K, batch): one peer's entries for all batch elements together.
    indices = [sh.transpose(x, (1, 0)) for x in indices]
    k = get_aval(indices[0]).shape[0]

    def shift(offsets, rows):
        dtype = get_aval(offsets).dtype
        step = ew.mul(sh.broadcasted_iota(dtype, (k, size), 1), np.array(rows, dtype))
        return ew.add(offsets, step)
    indices[0], indices[2] = shift(indices[0], n), shift(indices[2], m)

    def merge(x):
        shape = get_aval(x).shape
        return reshape(x, (shape[0] * shape[1],) + shape[2:])
    out = bind(ragged_all_to_all_p, merge(operand), merge(output), *map(merge, indices),
               axis_name=axis_name, axis_index_groups=None)
    return reshape(out, (size, m) + get_aval(output).shape[2:]), 0


def _axis_rule(trace, vals, dims, **params):
    raise NotImplementedError("ragged_all_to_all under vmap over its own axis "
                              f"{params['axis_name']} is not supported (nor in JAX); use "
                              "shard_map.")


jvp_rules[ragged_all_to_all_p] = _jvp
transpose_rules[ragged_all_to_all_p] = _transpose
batch_rules[ragged_all_to_all_p] = _batch
ragged_all_to_all_p.axis_rule = _axis_rule


def ragged_all_to_all(operand, output, input_offsets, send_sizes, output_offsets,
                      recv_sizes, *, axis_name, axis_index_groups=None):
    """Exchange ragged slices of ``operand``'s leading axis between the devices of
    ``axis_name``: slice ``[input_offsets[j], input_offsets[j] + send_sizes[j])`` goes to
    device j, which writes it into its ``output`` at ``output_offsets[j]``;
    ``recv_sizes[j]`` rows arrive from device j.  Other rows keep ``output``'s values.
    Runs inside ``shard_map`` on GPU and TPU (XLA has no CPU kernel for it).

    >>> f = lambda *a: lax.ragged_all_to_all(*a, axis_name="i")
    >>> i = jnp.zeros(2, jnp.int32)
    >>> print(zenax.make_jaxpr(f, axis_env=[("i", 2)])(jnp.ones(3), jnp.zeros(4), i, i, i, i))
    { lambda ; a:f32[3] b:f32[4] c:i32[2] d:i32[2] e:i32[2] f:i32[2]. let
        g:f32[4] = ragged_all_to_all[axis_index_groups=None axis_name=('i',)] a b c d e f
      in (g,) }
    """
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    if current_trace() is eval_trace:
        raise RuntimeError("ragged_all_to_all must be used within a mapped context like vmap "
                           "or shard_map.")
    axis_size(names)     # NameError at the user's line when no shard_map binds the name
    groups = _check_groups("ragged_all_to_all", names, axis_index_groups)
    return bind(ragged_all_to_all_p, operand, output, input_offsets, send_sizes,
                output_offsets, recv_sizes, axis_name=names, axis_index_groups=groups)
