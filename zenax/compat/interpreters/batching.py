"""``jax.interpreters.batching`` as zenax: give a primitive its ``vmap`` rule, JAX's way.

JAX keeps three tables of batching rules, which differ in what the rule is told:

- ``primitive_batchers[p] = rule``, ``rule(args, dims, **params) -> (out, out_dims)``:
  zenax's own signature (DESIGN.md §4, ``not_mapped`` is None);
- ``fancy_primitive_batchers[p] = rule``, ``rule(axis_data, args, dims, **params)``,
  where ``axis_data`` has the mapped axis's ``size`` and ``name``;
- ``axis_primitive_batchers[p] = rule``, the older
  ``rule(axis_size, axis_name, trace_type, args, dims, **params)``.

Each is a view that puts the rule in zenax's ``batch_rules`` when it is registered,
adapted to zenax's signature: ``args`` and ``dims`` arrive as tuples, as JAX passes
them (a rule may hand ``dims`` on as a ``vmap``'s ``in_axes``, where a tuple and a list
differ); the axis size is read from a mapped operand, the name from the running ``vmap``.

>>> import zenax, zenax.numpy as jnp
>>> from zenax.compat.extend.core import Primitive
>>> total_p = Primitive("total")
>>> _ = total_p.def_impl(jnp.sum)
>>> _ = total_p.def_abstract_eval(lambda aval: aval.update(shape=()))
>>> fancy_primitive_batchers[total_p] = lambda axis_data, args, dims: (
...     jnp.sum(jnp.moveaxis(args[0], dims[0], 0).reshape(axis_data.size, -1), 1), 0)
>>> zenax.vmap(total_p.bind)(jnp.ones((3, 4)))
Array([4., 4., 4.], dtype=float32)
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from zenax.lax.broadcasting import bdim_at_front
from zenax.tracer.ad_types import not_mapped
from zenax.tracer.core import batch_rules, get_aval
from zenax.transforms.vmap import batching_axis_name

from .rule_tables import RuleTable

__all__ = ["AxisData", "axis_primitive_batchers", "bdim_at_front", "fancy_primitive_batchers",
           "primitive_batchers"]


class AxisData(NamedTuple):
    """What a ``fancy_primitive_batchers`` rule is told about the mapped axis."""
    name: Any
    size: int
    spmd_name: Any = None


def _axis_data(args, dims) -> AxisData:
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims) if d is not not_mapped)
    return AxisData(batching_axis_name(), size)


def _from_plain(rule: Callable) -> Callable:
    def zenax_rule(args, dims, **params):
        return rule(tuple(args), tuple(dims), **params)
    return zenax_rule


def _from_fancy(rule: Callable) -> Callable:
    def zenax_rule(args, dims, **params):
        return rule(_axis_data(args, dims), tuple(args), tuple(dims), **params)
    return zenax_rule


def _from_axis(rule: Callable) -> Callable:
    def zenax_rule(args, dims, **params):
        axis = _axis_data(args, dims)
        return rule(axis.size, axis.name, None, tuple(args), tuple(dims), **params)
    return zenax_rule


primitive_batchers = RuleTable(batch_rules, _from_plain)
fancy_primitive_batchers = RuleTable(batch_rules, _from_fancy)
axis_primitive_batchers = RuleTable(batch_rules, _from_axis)

