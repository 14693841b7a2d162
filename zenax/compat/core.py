"""``jax.core`` as zenax: the tracer, aval and jaxpr names libraries reach for.

Libraries written for JAX test ``isinstance(x, jax.core.Tracer)`` to tell traced values
from concrete ones (Chex's ``assert_max_traces`` and ``fake_jit``, Flax, Equinox), build
``jax.core.ShapedArray(shape, dtype)`` to describe an output, and walk jaxprs with
``jax.core.eval_jaxpr``. Under ``zenax.install_as_jax()`` ``jax.core`` is this module,
and each name is zenax's own object or a few lines over it:

- ``Tracer``, ``Trace``, ``Jaxpr``, ``ClosedJaxpr``, ``JaxprEqn``, ``Var``, ``Literal``
  are zenax's classes themselves (every zenax tracer subclasses ``Tracer``, so the
  isinstance checks mean what they mean in JAX: True under ``jit``/``grad``/``vmap``,
  False for a concrete array);
- ``ShapedArray`` and ``AbstractValue`` are views of zenax's aval classes (see
  :class:`_AvalView`), so JAX's constructor keywords are accepted;
- the functions keep JAX's signatures (``eval_jaxpr(jaxpr, consts, *args)``,
  ``concrete_or_error(force, val, context)``, ``find_top_trace(xs)``).

Names JAX 0.10 has removed from ``jax.core`` but older library code still calls
(``get_aval``, ``raise_to_shaped``, ``jaxpr_as_fun``) are kept: a library that checks
for them gets the behaviour their removal notes point to (``jax.typeof``, identity).

>>> import zenax, zenax.numpy as jnp
>>> from zenax.compat import core
>>> seen = []
>>> zenax.jit(lambda x: seen.append(isinstance(x, core.Tracer)) or x)(1.0)
Array(1., dtype=float32, weak_type=True)
>>> seen, isinstance(jnp.ones(2), core.Tracer)
([True], False)
>>> core.ShapedArray((2, 3), jnp.float32)
ShapedArray(float32[2,3])
"""
from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable, Iterator, Union

from zenax.lax.refs import AbstractRef
from zenax.tracer import avals as _avals
from zenax.tracer import core as _core
from zenax.tracer.core import Trace, Tracer, abstract_eval_rules, impl_rules
from zenax.tracer.errors import ConcretizationTypeError
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var
from zenax.tracer.ir import eval_jaxpr as _eval_jaxpr
from zenax.transforms.trace_contexts import ensure_compile_time_eval

__all__ = [
    "AbstractValue", "Atom", "ClosedJaxpr", "ConcretizationTypeError", "Jaxpr", "JaxprEqn",
    "Literal", "Primitive", "ShapedArray", "Trace", "Tracer", "Var", "concrete_or_error",
    "ensure_compile_time_eval", "eval_context", "eval_jaxpr", "find_top_trace", "get_aval",
    "jaxpr_as_fun", "raise_to_shaped",
]


# --------------------------------------------------------------------------- avals

class _AvalViewMeta(type):
    """``isinstance``/``issubclass`` against a view ask zenax's classes; calling the view
    builds zenax's aval; class attributes (``ShapedArray.update``) are zenax's."""

    _zenax_types: tuple[type, ...]

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls._zenax_types)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return subclass is cls or issubclass(subclass, cls._zenax_types)

    def __getattr__(cls, name: str):
        return getattr(cls._zenax_types[0], name)


class _AvalView(metaclass=_AvalViewMeta):
    _zenax_types = (_avals.ShapedArray, AbstractRef)


class AbstractValue(_AvalView):
    """The type of every zenax aval (array avals and the avals of refs), for
    ``isinstance`` checks."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("jax.core.AbstractValue is abstract: build a ShapedArray instead")


class ShapedArray(_AvalView):
    """zenax's array aval under JAX's constructor: ``ShapedArray(shape, dtype,
    weak_type=False, *, sharding=None, ...)`` returns a
    :class:`zenax.tracer.avals.ShapedArray`.

    zenax's types carry no sharding or memory space (a zenax aval's ``sharding`` is
    always the unsplit one), so those keywords are accepted and not stored.

    >>> ShapedArray((3,), 'float32', weak_type=True)
    ShapedArray(float32[3], weak_type=True)
    """

    _zenax_types = (_avals.ShapedArray,)

    def __new__(cls, shape, dtype, weak_type: bool = False, *, sharding=None,
                manual_axis_type=None, memory_space=None, vma=None):
        del sharding, manual_axis_type, memory_space, vma  # see the class docstring
        return _avals.ShapedArray(shape, dtype, weak_type)


def get_aval(x: Any) -> _avals.ShapedArray:
    """The aval of a tracer or a concrete value, as ``jax.typeof`` (which replaced
    ``jax.core.get_aval`` in JAX 0.10).

    >>> get_aval(1.0)
    ShapedArray(float32[], weak_type=True)
    """
    return _core.get_aval(x)


def raise_to_shaped(aval, weak_type: bool | None = None):
    """``aval`` itself (optionally with ``weak_type`` changed): zenax has one level of
    abstraction, as JAX since 0.4.36, where this function became the identity."""
    return aval if weak_type is None else aval.update(weak_type=weak_type)


# --------------------------------------------------------------------------- traces

def find_top_trace(xs: Any) -> Trace:
    """The trace operations would be processed by now (JAX's tracing is stackless, so
    the argument is unused: the current trace already encloses every live tracer)."""
    del xs
    return _core.current_trace()


@contextlib.contextmanager
def eval_context() -> Iterator[None]:
    """Execute operations now, outside any transform, for the block's duration."""
    with _core.set_current_trace(_core.eval_trace):
        yield


def concrete_or_error(force: Callable | None, val: Any, context: str = ""):
    """``force(val)`` on a concrete value, or on the value a tracer knows (``jvp`` of
    an eager value); a tracer without one raises ``ConcretizationTypeError`` with
    ``context`` in its message.

    >>> concrete_or_error(int, 3.0)
    3
    """
    force = force if force is not None else (lambda x: x)
    if isinstance(val, Tracer):
        value = val.to_concrete_value()
        if value is None:
            raise ConcretizationTypeError(val, context)
        return force(value)
    return force(val)


# --------------------------------------------------------------------------- jaxprs

Atom = Union[Var, Literal]


def eval_jaxpr(jaxpr: Jaxpr, consts, *args, propagate_source_info: bool = True) -> list:
    """Evaluate ``jaxpr`` on ``args`` under the current trace (so tracing it again, or
    transforming it, works). zenax's equations always keep their source lines, hence
    ``propagate_source_info`` is accepted and needs no action."""
    del propagate_source_info
    return _eval_jaxpr(jaxpr, consts, *args)


def jaxpr_as_fun(closed_jaxpr: ClosedJaxpr, *args):
    """``closed_jaxpr`` as a function of its inputs; with ``args``, its outputs on them.

    >>> import zenax
    >>> closed = zenax.make_jaxpr(lambda x: x * 2.0)(1.0)
    >>> jaxpr_as_fun(closed)(3.0)
    [Array(6., dtype=float32, weak_type=True)]
    """
    if not args:
        return functools.partial(jaxpr_as_fun, closed_jaxpr)
    return _eval_jaxpr(closed_jaxpr.jaxpr, closed_jaxpr.consts, *args)


# --------------------------------------------------------------------------- primitives

class Primitive(_core.Primitive):
    """zenax's primitive with JAX's way of giving it rules: ``def_impl`` (eager
    execution) and ``def_abstract_eval`` (shapes and dtypes for tracing) fill zenax's
    rule tables, which zenax's traces read.

    >>> double_p = Primitive("double")
    >>> double_p.def_impl(lambda x: x * 2)  # doctest: +ELLIPSIS
    <function ...>
    >>> double_p.def_abstract_eval(lambda aval: aval)  # doctest: +ELLIPSIS
    <function ...>
    >>> double_p.bind(3.0)
    6.0
    """

    def def_impl(self, impl: Callable) -> Callable:
        impl_rules[self] = impl
        return impl

    def def_abstract_eval(self, abstract_eval: Callable) -> Callable:
        abstract_eval_rules[self] = abstract_eval
        return abstract_eval
