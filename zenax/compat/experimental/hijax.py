"""View of ``jax.experimental.hijax`` for libraries under ``zenax.install_as_jax()``.

JAX's "hijax" lets a library define high-level types: values whose aval is a Python
object of the library's own (``HiType``), manipulated by primitives with Python rules
(``HiPrimitive``) and lowered to ordinary arrays before compilation. Flax NNX declares
its opt-in hijax Variables with it when ``flax.nnx.variablelib`` is imported
(``nnx.use_hijax(True)`` / ``flax_hijax_variable``; off by default).

zenax has no high-level types: its avals are arrays and refs. This module has the names
so that such declarations load, and an operation on a high-level value says so:
binding a ``HiPrimitive`` raises ``NotImplementedError``. Flax's default Variables (plain
pytrees of arrays) need none of it.

>>> import zenax
>>> from zenax.compat.experimental import hijax
>>> class Box(hijax.HiPrimitive):
...     pass
>>> Box("box").bind(1.0)
Traceback (most recent call last):
  ...
NotImplementedError: box: a hijax (high-level type) primitive; zenax has no high-level types. ...
"""
from __future__ import annotations

from typing import Any, Callable

from zenax.compat.core import AbstractValue, Primitive, ShapedArray
from zenax.lax.broadcasting import instantiate as instantiate_zeros
from zenax.lax.refs import AbstractRef
from zenax.tracer.ad_types import Zero, is_undefined_primal

__all__ = ["AbstractRef", "AbstractValue", "AvalMutableQDD", "AvalQDD", "HiPrimitive",
           "HiType", "MutableHiType", "ShapedArray", "Zero", "aval_method", "aval_property",
           "control_flow_allowed_effects", "instantiate_zeros", "is_undefined_primal",
           "register_hitype"]

_NO_HIJAX = ("{name}: a hijax (high-level type) primitive; zenax has no high-level types. "
             "Use the library's default representation (for Flax NNX: leave "
             "nnx.use_hijax / flax_hijax_variable off).")


class HiPrimitive(Primitive):
    """A primitive on high-level values; declared by subclassing, never run by zenax."""

    def bind(self, *args, **params):
        raise NotImplementedError(_NO_HIJAX.format(name=self.name))


class HiType:
    """Base class of a high-level aval."""


class MutableHiType(HiType):
    """Base class of a high-level aval whose value can be updated in place."""


class AvalQDD:
    """A high-level aval with its "quasi-dynamic data" (the part that may change)."""

    def __init__(self, aval: Any, qdd: Any):
        self.aval, self.qdd = aval, qdd


class AvalMutableQDD:
    """A high-level aval with a mutable quasi-dynamic data record."""

    def __init__(self, aval: Any, mutable_qdd: Any):
        self.aval, self.mutable_qdd = aval, mutable_qdd


class aval_method:  # noqa: N801  (JAX's name)
    """Marks a method of a high-level aval class as callable on its values."""

    def __init__(self, fun: Callable):
        self.fun = fun

    def __get__(self, instance: Any, owner: type | None = None):
        return self.fun if instance is None else self.fun.__get__(instance, owner)


class aval_property(property):  # noqa: N801  (JAX's name)
    """Marks a property of a high-level aval class as readable on its values."""


class _EffectTypes:
    """The effect types allowed inside control flow (a registry libraries add to)."""

    def __init__(self):
        self._types: set[type] = set()

    def add_type(self, effect_type: type) -> None:
        self._types.add(effect_type)

    def contains(self, effect: Any) -> bool:
        return isinstance(effect, tuple(self._types))


control_flow_allowed_effects = _EffectTypes()

_hitypes: dict[type, Callable] = {}


def register_hitype(value_type: type, to_aval: Callable) -> None:
    """Record ``to_aval``, the function giving a ``value_type`` value's high-level aval."""
    _hitypes[value_type] = to_aval
