"""A view of one of zenax's rule tables under one of JAX's names.

``ad.primitive_jvps[p] = rule`` and the batching tables store JAX-convention rules; zenax
keeps one table per kind of rule (``zenax.tracer.core``). A :class:`RuleTable` puts each
rule it is given into zenax's table, wrapped by ``adapt`` into zenax's calling
convention, and remembers the rule as given (what reading the JAX table returns).

>>> from zenax.tracer.core import Primitive
>>> zenax_table = {}
>>> view = RuleTable(zenax_table, lambda rule: lambda xs: rule(tuple(xs)))
>>> p = Primitive("p")
>>> view[p] = lambda xs: type(xs).__name__
>>> zenax_table[p]([1, 2]), p in view
('tuple', True)
"""
from __future__ import annotations

from typing import Callable, Iterator, MutableMapping

from zenax.tracer.core import Primitive

__all__ = ["RuleTable"]


class RuleTable(MutableMapping):
    """JAX's table ``name[p] = rule``, stored in zenax's ``table`` as ``adapt(rule)``."""

    def __init__(self, table: dict, adapt: Callable[[Callable], Callable]):
        self._table, self._adapt = table, adapt
        self._given: dict[Primitive, Callable] = {}

    def __setitem__(self, prim: Primitive, rule: Callable) -> None:
        self._given[prim] = rule
        self._table[prim] = self._adapt(rule)

    def __getitem__(self, prim: Primitive) -> Callable:
        return self._given[prim]

    def __delitem__(self, prim: Primitive) -> None:
        del self._given[prim]
        del self._table[prim]

    def __iter__(self) -> Iterator[Primitive]:
        return iter(self._given)

    def __len__(self) -> int:
        return len(self._given)
