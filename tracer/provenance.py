"""Provenance: which transform produced each equation, and which values are residuals.

A transformed program mixes the user's own operations with work the transforms added.
To tell them apart, the transforms say what they are doing while their rules run, and
the staging trace records it on every equation it emits (``JaxprEqn.provenance``):

- ``"tangent"`` -- emitted by a jvp rule (``jvp``, ``linearize``, and so the forward half
  of ``grad``), e.g. the ``cos x`` and ``mul t (cos x)`` of ``sin``'s derivative;
- ``"transposed"`` -- emitted by the backward pass (transpose rules: reverse mode);
- ``"batched"`` -- emitted by a batching rule (``vmap``).

``provenance`` is a tuple of these roles in the order the transforms were applied (the
innermost transform first): ``()`` is the user's own (primal) operation, ``("tangent",
"batched")`` a jvp rule's work batched by an enclosing ``vmap``.  A jvp rule recomputes
its primal output by binding the same primitive with the same params on the same primal
operands; that equation keeps the roles of the code around the rule, so the primal
``sin x`` of ``jvp(sin)`` stays primal.  Each staged sub-jaxpr (a jit body, a loop body)
starts with no roles: its equations describe the transforms applied inside it.

Residuals -- the values ``linearize`` (hence ``vjp``/``grad``) saves for the linear and
backward passes -- are marked on their variables: ``Var.residual``.

Source lines travel too.  An equation records the user's line that was running when it
was staged -- except while an existing equation is being reinterpreted (``eval_jaxpr``
under a transform, or transposed by the backward pass): then what it emits gets *that*
equation's line (and, re-bound, its roles), so the backward pass of ``grad(f)`` points at
the lines of ``f``, and a jit body transformed again keeps its tags.

The bookkeeping is one thread-local read per staged equation, and one swap per rule call
or reinterpreted equation.

>>> import zenax, zenax.numpy as jnp
>>> closed = zenax.make_jaxpr(lambda x: zenax.jvp(jnp.sin, (x,), (1.0,)))(0.5)
>>> [(e.primitive.name, e.provenance) for e in closed.eqns]
[('sin', ()), ('cos', ('tangent',)), ('mul', ('tangent',))]
"""
from __future__ import annotations

import threading
from typing import Iterable, NamedTuple

from .source_info import SourceInfo, user_frame

TANGENT = "tangent"
TRANSPOSED = "transposed"
BATCHED = "batched"
ROLES = (TANGENT, TRANSPOSED, BATCHED)


class _Scope(NamedTuple):
    roles: tuple           # the roles of an equation staged now
    primal_roles: tuple    # ... of the rule's own primal recomputation (see tags_for)
    primitive: object      # the primitive whose jvp rule is running, or None
    primals: tuple         # that rule's primal operands
    params: dict           # and its params
    source_info: SourceInfo | None   # the line of the equation being reinterpreted


_EMPTY = _Scope((), (), None, (), {}, None)


class _State(threading.local):
    scope: _Scope = _EMPTY


_state = _State()


def _roles(scope: _Scope, primitive, args, params) -> tuple:
    if scope.primitive is primitive and len(args) == len(scope.primals) and \
            all(a is p for a, p in zip(args, scope.primals)) and params == scope.params:
        return scope.primal_roles   # a jvp rule computing its primal output
    return scope.roles


def tags_for(primitive, args, params) -> tuple[tuple, SourceInfo | None]:
    """``(provenance, source_info)`` of an equation binding ``primitive`` on ``args``
    with ``params`` now."""
    scope = _state.scope
    return _roles(scope, primitive, args, params), scope.source_info or user_frame()


class _Enter:
    """Context manager: run a rule under ``scope``, then restore the previous one."""

    __slots__ = ("scope", "prev")

    def __init__(self, scope: _Scope):
        self.scope = scope

    def __enter__(self):
        self.prev = _state.scope
        _state.scope = self.scope

    def __exit__(self, *exc):
        _state.scope = self.prev


def jvp_rule(primitive, args, params, primals) -> _Enter:
    """The scope of the jvp rule of ``primitive``, bound on ``args`` (the trace's own
    tracers, whose primal parts are ``primals``) with ``params``."""
    scope = _state.scope
    base = _roles(scope, primitive, args, params)
    return _Enter(_Scope(base + (TANGENT,), base, primitive, tuple(primals), params,
                         scope.source_info))


def batch_rule(primitive, args, params) -> _Enter:
    """The scope of the batching rule of ``primitive``, bound on ``args`` with ``params``."""
    scope = _state.scope
    roles = _roles(scope, primitive, args, params) + (BATCHED,)
    return _Enter(_Scope(roles, roles, None, (), {}, scope.source_info))


def backward_pass() -> _Enter:
    """The scope of a backward pass (the transpose of a linear jaxpr)."""
    scope = _state.scope
    roles = scope.roles + (TRANSPOSED,)
    return _Enter(_Scope(roles, roles, None, (), {}, scope.source_info))


def reinterpreting(source_info: SourceInfo | None, provenance: tuple = ()) -> _Enter:
    """The scope of re-binding an existing equation made at ``source_info`` by the
    transforms ``provenance`` (transposing one: pass no provenance, the backward pass
    sets its own): what it emits is attributed to that line, and keeps those roles."""
    scope = _state.scope
    if provenance:
        return _Enter(_Scope(scope.roles + provenance, scope.primal_roles + provenance,
                             scope.primitive, scope.primals, scope.params,
                             source_info or scope.source_info))
    return _Enter(_Scope(scope.roles, scope.primal_roles, scope.primitive, scope.primals,
                         scope.params, source_info or scope.source_info))


def new_jaxpr() -> _Enter:
    """The scope of a fresh staged jaxpr: none of the enclosing roles apply inside."""
    return _Enter(_EMPTY)


def mark_residuals(variables: Iterable) -> None:
    """Mark ``variables`` (jaxpr ``Var``s) as residuals saved for a linear/backward pass."""
    for v in variables:
        v.residual = True


def describe(provenance: tuple) -> str:
    """Human-readable provenance: ``"primal"``, ``"tangent"``, ``"tangent, batched"``."""
    return ", ".join(provenance) if provenance else "primal"
