"""Choices about how code is compiled that do not change what it computes:
``composite`` (a named operation given by its decomposition) and ``platform_dependent``
(one implementation per backend).

``composite`` runs its decomposition inline: in JAX it wraps the decomposition in a
``stablehlo.composite`` that a backend may replace by a kernel of the same name, with
the same values -- zenax emits the decomposition itself, which every transform then sees
as ordinary code (so, unlike JAX's, zenax's composites can be differentiated and vmapped).

``platform_dependent`` picks the branch for the backend that runs the program when it is
traced (zenax compiles for that backend), as JAX does for concrete operands.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import jax

from zenax.tracer.core import Tracer
from zenax.tracer.errors import UnexpectedTracerError
from zenax.tracer.tree_util import tree_leaves

__all__ = ["composite", "platform_dependent"]


def composite(decomposition: Callable, name: str, version: int = 0) -> Callable:
    """The operation ``decomposition`` defines, under a ``name`` (and ``version``) a
    compiler may recognize: the returned function takes the operands positionally and
    the op's attributes (static values) as keywords.

    >>> tangent = lax.composite(lambda x: lax.sin(x) / lax.cos(x), name="my.tangent")
    >>> tangent(jnp.array([0., 0.5]))
    Array([0.       , 0.5463025], dtype=float32)
    """
    if not isinstance(name, str):
        raise TypeError(f"composite: name must be a string, got {name!r}.")
    if not isinstance(version, int):
        raise TypeError(f"composite: version must be an int, got {version!r}.")

    @functools.wraps(decomposition)
    def apply(*args, **attributes):
        if any(isinstance(v, Tracer) for v in tree_leaves(attributes)):
            raise UnexpectedTracerError(
                f"Found a traced value as an attribute of the composite op '{name}': "
                "attributes must be known at compile time. Pass traced values as "
                "positional operands (NumPy arrays are fine as attributes).")
        return decomposition(*args, **attributes)
    return apply


def _platform() -> str:
    """The running backend under JAX's platform names: cpu, cuda, rocm or tpu."""
    client = jax.devices()[0].client
    if client.platform != "gpu":        # PJRT names its GPU clients 'cuda' or 'rocm'
        return client.platform
    return "rocm" if "rocm" in client.platform_version.lower() else "cuda"


def platform_dependent(*args: Any, default: Callable | None = None,
                       **per_platform: Callable):
    """``per_platform[p](*args)`` for the backend ``p`` ('cpu', 'cuda', 'rocm', 'tpu')
    that runs the program, or ``default(*args)`` if there is no branch for it.

    >>> lax.platform_dependent(2., cpu=lambda x: x * 10, default=lambda x: x)
    20.0
    """
    for pname, branch in per_platform.items():
        if pname == "gpu":
            raise ValueError("Use 'cuda' or 'rocm' for lax.platform_dependent.")
        if not callable(branch):
            raise TypeError(f"lax.platform_dependent: the '{pname}' branch must be a "
                            "callable.")
    if default is not None and not callable(default):
        raise TypeError("lax.platform_dependent: the 'default' branch must be a callable.")
    branch = per_platform.get(_platform(), default)
    if branch is None:
        raise NotImplementedError(
            f"lax.platform_dependent: no branch for platform '{_platform()}' (branches for "
            f"{sorted(per_platform)}) and no default.")
    return branch(*args)
