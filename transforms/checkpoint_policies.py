"""Remat policies: which intermediates a ``checkpoint``-ed function may save for the
backward pass instead of recomputing (JAX's ``jax.checkpoint_policies``).

A policy is called on each equation of the checkpointed function,
``policy(primitive, *input_avals, **params)``, and answers with a bool or one of the
decisions ``Saveable``, ``Recompute`` or ``Offloadable(src, dst)``.  zenax has one kind
of memory, so an offloaded value is simply saved; ``Recompute`` is falsy so that the
partial evaluation of ``remat`` (``remat.py``) reads every answer as "save it?".

>>> policy = checkpoint_policies.save_only_these_names('hidden')
>>> policy(name_p, None, name='hidden'), policy(name_p, None, name='logits')
(True, False)
"""
from __future__ import annotations

import dataclasses
import types
from typing import Any, Callable, NamedTuple

from zenax.lax.convolution import conv_general_dilated_p
from zenax.lax.debugging import name_p
from zenax.lax.matmul import dot_general_p

from .remat_budget import memory_budget

__all__ = ["Offloadable", "Recompute", "Saveable", "checkpoint_policies"]


class RecomputeType:
    """The decision "recompute this value in the backward pass"."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "Recompute"


class SaveableType:
    """The decision "save this value for the backward pass"."""

    def __repr__(self) -> str:
        return "Saveable"


Recompute = RecomputeType()
Saveable = SaveableType()


class Offloadable(NamedTuple):
    """The decision "save this value in memory ``dst`` (moved from ``src``)"; zenax keeps
    it where it is, which is saving it."""
    src: Any
    dst: Any


def everything_saveable(*_, **__) -> bool:
    """Save every intermediate: as if the function were not checkpointed."""
    return True


def nothing_saveable(*_, **__) -> bool:
    """Save nothing but the inputs: recompute every intermediate (the default)."""
    return False


@dataclasses.dataclass(frozen=True)
class DotsSaveable:
    """Save the results of matrix multiplications (and, unless ``only_if_no_batch_dims``,
    of convolutions); recompute the cheap elementwise work around them."""
    only_if_no_batch_dims: bool

    def __call__(self, prim, *avals, **params) -> bool:
        if self.only_if_no_batch_dims:
            if prim is not dot_general_p:
                return False
            (_, _), (lhs_batch, rhs_batch) = params["dimension_numbers"]
            return not lhs_batch and not rhs_batch
        return prim is dot_general_p or prim is conv_general_dilated_p


dots_saveable = DotsSaveable(False)
dots_with_no_batch_dims_saveable = DotsSaveable(True)


def offload_dot_with_no_batch_dims(offload_src: Any, offload_dst: Any) -> Callable:
    """Like ``dots_with_no_batch_dims_saveable``, answering ``Offloadable(src, dst)``."""
    def policy(prim, *avals, **params):
        if dots_with_no_batch_dims_saveable(prim, *avals, **params):
            return Offloadable(src=offload_src, dst=offload_dst)
        return Recompute
    return policy


@dataclasses.dataclass(frozen=True)
class NamePolicy:
    """Save by ``checkpoint_name``: the answer for a value named one of ``names``, for one
    named otherwise, and for a value that is not named."""
    names: frozenset
    if_named_one: bool
    if_named_other: bool
    if_unnamed: bool

    def __call__(self, prim, *avals, **params) -> bool:
        if prim is not name_p:
            return self.if_unnamed
        return self.if_named_one if params["name"] in self.names else self.if_named_other


def save_only_these_names(*names_which_can_be_saved: str) -> Callable:
    """Save only the values named with one of these names."""
    return NamePolicy(frozenset(names_which_can_be_saved), True, False, False)


def save_any_names_but_these(*names_not_to_save: str) -> Callable:
    """Save the named values, except those with one of these names."""
    return NamePolicy(frozenset(names_not_to_save), False, True, False)


def save_anything_except_these_names(*names_not_to_save: str) -> Callable:
    """Save every value except the ones named with one of these names.  (JAX's version
    of this policy saves everything, whatever the names; this one does what it says.)"""
    return NamePolicy(frozenset(names_not_to_save), False, True, True)


def save_and_offload_only_these_names(*, names_which_can_be_saved, names_which_can_be_offloaded,
                                      offload_src, offload_dst) -> Callable:
    """Save the values named in ``names_which_can_be_saved``, offload those named in
    ``names_which_can_be_offloaded`` (the two must not overlap), recompute the rest."""
    saved, offloaded = set(names_which_can_be_saved), set(names_which_can_be_offloaded)
    if both := saved & offloaded:
        raise ValueError(
            "The names should be exclusive and should not intersect in "
            "`names_which_can_be_saved` and `names_which_can_be_offloaded`. Got "
            f"names_which_can_be_saved={saved}, names_which_can_be_offloaded={offloaded} "
            f"and the intersection={both}")

    def policy(prim, *avals, **params):
        if prim is name_p and params["name"] in saved:
            return Saveable
        if prim is name_p and params["name"] in offloaded:
            return Offloadable(src=offload_src, dst=offload_dst)
        return Recompute
    return policy


def save_from_both_policies(policy_1: Callable, policy_2: Callable) -> Callable:
    """Save a value if either policy saves it (both must answer with bools)."""
    def policy(prim, *avals, **params):
        out1, out2 = policy_1(prim, *avals, **params), policy_2(prim, *avals, **params)
        if not (isinstance(out1, bool) and isinstance(out2, bool)):
            raise ValueError(
                "save_from_both_policies: the policies must answer with booleans; got "
                f"{out1} and {out2}. Write the combined policy as a function instead.")
        return out1 or out2
    return policy


checkpoint_policies = types.SimpleNamespace(
    everything_saveable=everything_saveable,
    nothing_saveable=nothing_saveable,
    dots_saveable=dots_saveable,
    checkpoint_dots=dots_saveable,
    dots_with_no_batch_dims_saveable=dots_with_no_batch_dims_saveable,
    checkpoint_dots_with_no_batch_dims=dots_with_no_batch_dims_saveable,
    offload_dot_with_no_batch_dims=offload_dot_with_no_batch_dims,
    save_anything_except_these_names=save_anything_except_these_names,
    save_any_names_but_these=save_any_names_but_these,
    save_only_these_names=save_only_these_names,
    save_from_both_policies=save_from_both_policies,
    save_and_offload_only_these_names=save_and_offload_only_these_names,
    memory_budget=memory_budget)    # zenax's own: see remat_budget.py
