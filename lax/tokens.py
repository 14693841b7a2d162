"""Tokens: values that order side effects, and the point-to-point collectives
``psend`` / ``precv`` that produce and consume them.

A token carries no data.  XLA threads tokens through effectful operations so that one
happens after another; ``create_token()`` makes a fresh one and ``after_all(*tokens)`` a
token that comes after all of its operands.  In a jaxpr a token's type prints as
``Tok`` (:class:`AbstractToken`, one shared instance); a concrete token is JAX's own
token object, as returned by JAX's lowering.

``psend(x, axis_name, perm)`` sends each device's ``x`` along the ``(source,
destination)`` pairs of ``perm`` and returns a token; ``precv(token, out_shape, ...)``
receives an array of ``out_shape`` on the destinations.  They are XLA's Send/Recv inside
a ``shard_map``; as in JAX they lower only on GPU (on other platforms their lowering
raises JAX's NotImplementedError when the program is compiled).  Under ``vmap`` both
treat the batch axis as ``ppermute`` does when it names another axis.
"""
from __future__ import annotations

from typing import Any

import jax

from zenax.tracer.avals import ShapedArray
from zenax.tracer.ad_types import not_mapped
from zenax.tracer.core import Primitive, batch_rules, bind
from zenax.tracer.tree_util import tree_map

from .collectives import _check_perm
from .parallel import axis_size
from .registry import register

__all__ = ["AbstractToken", "abstract_token", "after_all", "after_all_p", "create_token",
           "create_token_p", "precv", "precv_p", "psend", "psend_p"]


class AbstractToken:
    """The type of a token (``Tok``): no shape, no dtype, no data."""
    __slots__ = ()
    shape = ()
    ndim = 0
    weak_type = False
    dtype = None

    def str_short(self) -> str:
        return "Tok"

    def __repr__(self) -> str:
        return "AbstractToken()"

    def __eq__(self, other) -> bool:
        return type(other) is AbstractToken

    def __hash__(self) -> int:
        return hash(AbstractToken)


abstract_token = AbstractToken()


# =========================================================================== create_token
create_token_p = Primitive("create_token")
register(create_token_p, lambda: abstract_token, lambda: jax.lax.create_token())


def create_token(_: Any = None):
    """A new token, ordered after nothing (the argument is ignored, as in JAX).

    >>> print(zenax.make_jaxpr(lax.create_token)())
    { lambda ; . let a:Tok = create_token  in (a,) }
    """
    return bind(create_token_p)


# =========================================================================== after_all
after_all_p = Primitive("after_all")


def _after_all_abstract_eval(*operands):
    if any(x != abstract_token for x in operands):
        raise TypeError("after_all: every argument must be a token (from "
                        "lax.create_token, lax.after_all or lax.psend), got "
                        f"{[x.str_short() for x in operands]}.")
    return abstract_token


register(after_all_p, _after_all_abstract_eval, lambda *tokens: jax.lax.after_all(*tokens))


def after_all(*operands):
    """A token ordered after every token in ``operands``.

    >>> print(zenax.make_jaxpr(lambda: lax.after_all(lax.create_token()))())
    { lambda ; . let a:Tok = create_token ; b:Tok = after_all a in (b,) }
    """
    return bind(after_all_p, *operands)


# =========================================================================== psend / precv
psend_p = Primitive("psend")
register(psend_p, lambda x, *, axis_name, perm: abstract_token,
         lambda x, *, axis_name, perm: jax.lax.psend(x, axis_name, perm))

precv_p = Primitive("precv")


def _precv_lower(token, *, out_shape, axis_name, perm):
    return jax.lax.precv(token, jax.ShapeDtypeStruct(out_shape.shape, out_shape.dtype),
                         axis_name, perm)


register(precv_p, lambda token, *, out_shape, axis_name, perm: out_shape, _precv_lower)

# The batch axis is just another array axis to the devices' exchange; a token has none.
batch_rules[psend_p] = lambda args, dims, **params: (bind(psend_p, *args, **params),
                                                     not_mapped)


def _axis_names(axis_name) -> tuple:
    return tuple(axis_name) if isinstance(axis_name, (list, tuple)) else (axis_name,)


def psend(x, axis_name, perm):
    """Send each device's ``x`` (a pytree) along ``axis_name`` to the ``(source,
    destination)`` pairs of ``perm``; returns the tokens of the sends, for
    :func:`precv`.  Supported on GPU only, as in JAX.

    >>> print(zenax.make_jaxpr(lambda x: lax.psend(x, "i", [(0, 1)]),
    ...                        axis_env=[("i", 2)])(1.0))
    { lambda ; a:f32[]. let b:Tok = psend[axis_name=('i',) perm=((0, 1),)] a in (b,) }
    """
    names = _axis_names(axis_name)
    pairs = _check_perm("psend", perm, axis_size(names))
    return tree_map(lambda v: bind(psend_p, v, axis_name=names, perm=pairs), x)


def precv(token, out_shape, axis_name, perm):
    """Receive an array shaped like ``out_shape`` (a ``ShapeDtypeStruct``) from the
    ``(source, destination)`` pairs of ``perm`` over ``axis_name``, after ``token``.
    Supported on GPU only, as in JAX.
    """
    names = _axis_names(axis_name)
    pairs = _check_perm("precv", perm, axis_size(names))
    return bind(precv_p, token, out_shape=ShapedArray(out_shape.shape, out_shape.dtype),
                axis_name=names, perm=pairs)

