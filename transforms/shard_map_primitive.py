"""The ``shard_map`` primitive: a body jaxpr over per-device shards, run on every device of
a mesh.

``shard_map(*args, jaxpr, mesh, in_specs, out_specs, check_vma, manual_axes)`` applies
``jaxpr`` -- traced over the *per-shard* avals -- to each device's block of the
arguments, as ``in_specs`` cut them, and assembles the results as ``out_specs`` say (an
axis a spec does not mention: replicated; the value is taken as is).  Its abstract eval
turns the body's per-shard output avals back into global ones; its lowering runs the
lowered body inside ``jax.shard_map`` (JAX's runtime lays out the devices and lowers our
collectives to XLA's); eagerly, that program is compiled once per body.  The transform
rules are in ``shard_map_rules.py``, the user-facing function in ``shard_map.py``.

The body is checked by zenax, not by JAX: ``check_vma=True`` bodies are typed by
``varying_axes.py``, and JAX's ``shard_map`` is always called with ``check_vma=False``.
"""
from __future__ import annotations

import functools
import math
import weakref
from contextlib import contextmanager

import jax
from jax.sharding import PartitionSpec

from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, abstract_eval_rules, bind, impl_rules, lowering_rules
from zenax.tracer.ir import ClosedJaxpr
from zenax.lax.axis_env import extend_axis_env
from zenax.lax.sharding_constraint import spec_axis_names

from .lowering import lower_jaxpr
from .varying_axes import Ctx, Vma, type_body, typed_aval, typing_binds, vma_rules

P = PartitionSpec

shard_map_p = Primitive("shard_map", multiple_results=True)


# --------------------------------------------------------------------------- specs

def shard_map_params(*, jaxpr, mesh, in_specs, out_specs, check_vma, manual_axes) -> dict:
    """The params of a shard_map equation, in the order JAX prints them."""
    return dict(check_vma=check_vma, in_specs=tuple(in_specs), jaxpr=jaxpr, mesh=mesh,
                manual_axes=tuple(manual_axes), out_specs=tuple(out_specs))


def bind_shard_map(args, **params) -> list:
    return bind(shard_map_p, *args, **shard_map_params(**params))


def spec_names(spec: PartitionSpec) -> dict[int, tuple]:
    """``{dimension: mesh axis names}`` for the dimensions ``spec`` shards."""
    return {d: names for d, e in enumerate(spec) if (names := spec_axis_names(e))}


def spec_vma(spec: PartitionSpec) -> Vma:
    """The mesh axes a value with this spec varies over (those the spec mentions)."""
    return Vma(n for names in spec_names(spec).values() for n in names)


def shard_aval(aval: ShapedArray, spec: PartitionSpec, mesh, ctx: Ctx | None = None
               ) -> ShapedArray:
    """The aval of one device's block (typed with its variance when ``ctx`` is given)."""
    names = spec_names(spec)
    shape = tuple(d // math.prod(mesh.shape[n] for n in names.get(i, ()))
                  for i, d in enumerate(aval.shape))
    block = ShapedArray(shape, aval.dtype, aval.weak_type)
    return block if ctx is None else typed_aval(block, spec_vma(spec), ctx)


def unshard_aval(aval: ShapedArray, spec: PartitionSpec, mesh) -> ShapedArray:
    """The aval of the whole array assembled from the blocks."""
    names = spec_names(spec)
    return ShapedArray(tuple(d * math.prod(mesh.shape[n] for n in names.get(i, ()))
                             for i, d in enumerate(aval.shape)), aval.dtype, aval.weak_type)


def residual_spec(vma: Vma, ctx: Ctx) -> PartitionSpec:
    """A residual that varies over ``vma`` travels between two shard_maps stacked along
    its leading dimension, one block per device of those axes (so a scalar residual is
    given a leading axis of 1)."""
    axes = ctx.ordered(vma)
    return P(axes[0] if len(axes) == 1 else axes) if axes else P()


@contextmanager
def body_axis_env(mesh, manual_axes, check_vma: bool):
    """The mesh axes bound while a body is traced or transformed (and, for check_vma,
    its operations typed as they are bound, where the core allows: varying_axes.py)."""
    with extend_axis_env({n: mesh.shape[n] for n in manual_axes}, check_vma):
        if check_vma:
            with typing_binds(ctx_of(mesh, manual_axes)):
                yield
        else:
            yield


def ctx_of(mesh, manual_axes) -> Ctx:
    return Ctx([n for n in mesh.axis_names if n in manual_axes])


def typed_body(body: ClosedJaxpr, in_specs, out_vmas, mesh, manual_axes):
    """``body`` typed for ``check_vma=True`` (see varying_axes.py): inputs vary as their
    specs say; ``out_vmas`` bounds the outputs (None entries: unbounded).  Returns the new
    body and the outputs' vmas."""
    return type_body(body, [spec_vma(s) for s in in_specs], ctx_of(mesh, manual_axes),
                     out_vmas)


# --------------------------------------------------------------------------- abstract eval

def _shard_map_abstract_eval(*avals, jaxpr, mesh, in_specs, out_specs, check_vma,
                             manual_axes):
    for i, (a, s, inner) in enumerate(zip(avals, in_specs, jaxpr.in_avals)):
        block = shard_aval(a, s, mesh)
        if block.shape != inner.shape or block.dtype != inner.dtype:
            raise TypeError(f"shard_map: argument {i} of type {a.str_short()} cut by spec {s} "
                            f"gives blocks of type {block.str_short()}, but the body takes "
                            f"{inner.str_short()}.")
    return [unshard_aval(a, s, mesh) for a, s in zip(jaxpr.out_avals, out_specs)]


abstract_eval_rules[shard_map_p] = _shard_map_abstract_eval


# --------------------------------------------------------------------------- lowering

def _shard_map_lower(*args, jaxpr, mesh, in_specs, out_specs, check_vma, manual_axes):
    def body(*blocks):
        return lower_jaxpr(jaxpr.jaxpr, jaxpr.consts, *blocks)
    # The body's variance was checked by zenax; JAX's own check would re-derive it from the
    # lowered ops, which need not prove the same (our casts lower to nothing).
    return list(jax.shard_map(body, mesh=mesh, in_specs=tuple(in_specs),
                              out_specs=list(out_specs), axis_names=set(manual_axes),
                              check_vma=False)(*args))


lowering_rules[shard_map_p] = _shard_map_lower

# One compiled program per body jaxpr (and params), dropped with the jaxpr.
_executables: "weakref.WeakKeyDictionary[ClosedJaxpr, dict]" = weakref.WeakKeyDictionary()


def _shard_map_impl(*args, jaxpr, **params):
    per_jaxpr = _executables.setdefault(jaxpr, {})
    key = tuple(params.items())
    exe = per_jaxpr.get(key)
    if exe is None:
        # (A copy of the jaxpr: the cache entry must not keep its own key alive.)
        body = ClosedJaxpr(jaxpr.jaxpr, jaxpr.consts)
        # Outputs laid out as out_specs spell them, as JAX's eager shard_map
        # (``P(None)`` stays ``P(None)``, not the ``P()`` XLA would report).
        mesh = params["mesh"]
        out_shardings = ([jax.sharding.NamedSharding(mesh, s) for s in params["out_specs"]]
                         if isinstance(mesh, jax.sharding.Mesh) else None)
        exe = per_jaxpr[key] = jax.jit(functools.partial(_shard_map_lower, jaxpr=body,
                                                         **params),
                                       out_shardings=out_shardings)
    return exe(*args)


impl_rules[shard_map_p] = _shard_map_impl


def _nested_shard_map(ins, vmas, ctx, **params):
    raise NotImplementedError("shard_map inside the body of another shard_map is not "
                              "supported by zenax yet.")


vma_rules[shard_map_p] = _nested_shard_map
