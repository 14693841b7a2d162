"""``Module``: a model is a pytree of its parameters.

A subclass declares its fields with annotations, as a dataclass does.  Every field is a
pytree child (arrays, sub-modules, lists of modules...) unless it is marked
``field(static=True)``: static fields (sizes, activation functions, flags) are the node's
aux data, so they are part of the tree *structure* -- hashed by ``jit``'s cache, never
traced, never differentiated.

Because a module is just a pytree, every transform takes it as it is::

    grads = zenax.grad(loss)(model, x, y)          # grads is a Linear-shaped pytree
    model = zenax.tree_util.tree_map(lambda p, g: p - 0.1 * g, model, grads)

Modules are immutable after ``__init__`` (assigning to a field afterwards raises); build a
changed copy with :meth:`Module.replace` or the tree functions.  ``partition`` / ``combine``
split a model into two trees with the same structure (``None`` where a leaf went to the
other side) -- the trainable and the frozen parameters, say -- and put them back together.

>>> import zenax, zenax.numpy as jnp
>>> from zenax.models import Module, field
>>> class Affine(Module):
...     w: zenax.Array
...     b: zenax.Array
...     name: str = field(static=True, default="affine")
...     def __call__(self, x):
...         return x @ self.w + self.b
>>> m = Affine(jnp.ones((2, 3)), jnp.zeros(3))
>>> m
Affine(w=f32[2,3], b=f32[3], name='affine')
>>> zenax.grad(lambda m, x: m(x).sum())(m, jnp.ones(2)).b
Array([1., 1., 1.], dtype=float32)
"""
from __future__ import annotations

import dataclasses
import fnmatch
import functools
from typing import Any, Callable

import numpy as np

from zenax.tracer import tree_util
from zenax.tracer.tree_util import GetAttrKey, keystr

_STATIC = "zenax_static"


def field(*, static: bool = False, **kwargs) -> Any:
    """A dataclass field; ``static=True`` makes it aux data instead of a pytree child.

    Use static fields for hyperparameters: sizes, strides, activation functions, flags.
    """
    metadata = dict(kwargs.pop("metadata", None) or {})
    metadata[_STATIC] = static
    return dataclasses.field(metadata=metadata, **kwargs)


def static_field(**kwargs) -> Any:
    """``field(static=True, ...)``."""
    return field(static=True, **kwargs)


class Module:
    """Base class of pytree modules (see the module docstring)."""

    _zx_children: tuple[str, ...] = ()
    _zx_static: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A hand-written __init__ (here or in a base module) wins over the generated one.
        has_user_init = ("__init__" in cls.__dict__
                         or any(b.__dict__.get("_zx_user_init") for b in cls.__mro__[1:]))
        dataclasses.dataclass(cls, init=not has_user_init, repr=False, eq=False)
        cls._zx_user_init = has_user_init
        fields = dataclasses.fields(cls)
        cls._zx_children = tuple(f.name for f in fields if not f.metadata.get(_STATIC))
        cls._zx_static = tuple(f.name for f in fields if f.metadata.get(_STATIC))
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            init(self, *args, **kwargs)
            if type(self) is cls:   # the outermost __init__ freezes
                self._zx_check_initialized()
                object.__setattr__(self, "_zx_frozen", True)
        cls.__init__ = __init__
        tree_util.register_pytree_with_keys(cls, _flatten_with_keys,
                                            functools.partial(_unflatten, cls),
                                            _flatten)

    def _zx_check_initialized(self):
        missing = [n for n in self._zx_children + self._zx_static if not hasattr(self, n)]
        if missing:
            raise ValueError(
                f"{type(self).__name__}.__init__ did not set field(s) {missing}: every "
                "annotated field must be assigned in __init__ (self.name = ...).")

    def __setattr__(self, name, value):
        if self.__dict__.get("_zx_frozen"):
            raise dataclasses.FrozenInstanceError(
                f"cannot assign to field {name!r} of {type(self).__name__}: modules are "
                f"immutable pytrees. Build a changed copy with "
                f"module.replace({name}=...) instead.")
        object.__setattr__(self, name, value)

    def replace(self, **changes) -> "Module":
        """A copy with some fields replaced (``dataclasses.replace`` without re-running
        ``__init__``)."""
        unknown = set(changes) - set(self._zx_children + self._zx_static)
        if unknown:
            raise TypeError(f"{type(self).__name__}.replace got unknown field(s) "
                            f"{sorted(unknown)}; its fields are "
                            f"{list(self._zx_children + self._zx_static)}.")
        new = object.__new__(type(self))
        for name in self._zx_children + self._zx_static:
            object.__setattr__(new, name, changes.get(name, getattr(self, name)))
        object.__setattr__(new, "_zx_frozen", True)
        return new

    def __repr__(self) -> str:
        return tree_pformat(self)

    def __eq__(self, other):
        # Identity, as for functions: arrays have no boolean equality.
        return self is other

    def __hash__(self):
        return id(self)


def _flatten_with_keys(m: Module):
    children = tuple((GetAttrKey(n), getattr(m, n)) for n in m._zx_children)
    return children, tuple(getattr(m, n) for n in m._zx_static)


def _flatten(m: Module):
    return [getattr(m, n) for n in m._zx_children], tuple(getattr(m, n) for n in m._zx_static)


def _unflatten(cls, static, children):
    m = object.__new__(cls)
    for name, value in zip(cls._zx_children, children):
        object.__setattr__(m, name, value)
    for name, value in zip(cls._zx_static, static):
        object.__setattr__(m, name, value)
    object.__setattr__(m, "_zx_frozen", True)
    return m


# ## Readable printing

def _short_array(x) -> str | None:
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        from zenax.tracer.dtypes import short_name
        return f"{short_name(np.dtype(x.dtype))}[{','.join(map(str, x.shape))}]"
    return None


def tree_pformat(tree: Any, width: int = 88, indent: int = 2) -> str:
    """Pretty-print a pytree with arrays shown as ``f32[3,4]`` (Equinox-style).

    >>> print(tree_pformat({"w": jnp.ones((2, 2)), "n": 3}))
    {'n': 3, 'w': f32[2,2]}
    """
    def fmt(x, level: int) -> str:
        short = _short_array(x)
        if short is not None:
            return short
        if isinstance(x, Module):
            items = [(n, getattr(x, n)) for n in x._zx_children + x._zx_static]
            return group(type(x).__name__ + "(", ")", [f"{n}={fmt(v, level + 1)}"
                                                        for n, v in items], level)
        if isinstance(x, dict):
            return group("{", "}", [f"{k!r}: {fmt(v, level + 1)}" for k, v in x.items()],
                         level)
        if isinstance(x, tuple) and hasattr(x, "_fields"):
            return group(type(x).__name__ + "(", ")",
                         [f"{n}={fmt(v, level + 1)}" for n, v in zip(x._fields, x)], level)
        if isinstance(x, (list, tuple)):
            open_, close = ("[", "]") if isinstance(x, list) else ("(", ")")
            parts = [fmt(v, level + 1) for v in x]
            if isinstance(x, tuple) and len(x) == 1:
                parts[0] += ","
            return group(open_, close, parts, level)
        if callable(x) and hasattr(x, "__name__"):
            return getattr(x, "__qualname__", x.__name__)
        return repr(x)

    def group(open_: str, close: str, parts: list[str], level: int) -> str:
        one_line = open_ + ", ".join(parts) + close
        if len(one_line) + level * indent <= width and "\n" not in one_line:
            return one_line
        pad = " " * (indent * (level + 1))
        return (open_ + "\n" + ",\n".join(pad + p for p in parts) + "\n"
                + " " * (indent * level) + close)

    return fmt(tree, 0)


# ## Filtering: trainable vs frozen, by predicate or by path

def is_array(x) -> bool:
    """True for arrays (jax.Array, numpy arrays, tracers)."""
    return hasattr(x, "shape") and hasattr(x, "dtype")


def is_inexact_array(x) -> bool:
    """True for floating or complex arrays -- the leaves one usually trains."""
    return is_array(x) and np.issubdtype(np.dtype(x.dtype), np.inexact)


def _is_none(x) -> bool:
    return x is None


class _Pair:
    """A leaf's two sides inside :func:`partition` (a class of its own, so that a user's
    2-tuple such as ``layers=(a, b)`` is never mistaken for one)."""
    __slots__ = ("selected", "rest")

    def __init__(self, selected, rest):
        self.selected, self.rest = selected, rest


def partition(tree: Any, predicate: Callable[..., bool], *,
              with_path: bool = False) -> tuple[Any, Any]:
    """Split ``tree`` into ``(selected, rest)``: two trees of the same structure, each
    with ``None`` where the leaf went to the other one.

    ``predicate(leaf)`` -- or ``predicate(path, leaf)`` with ``with_path=True``, where
    ``path`` is the leaf's key string such as ``'.blocks[0].attn.q.weight'``.

    >>> params, frozen = partition(model, is_inexact_array)
    >>> grads = zenax.grad(lambda p: loss(combine(p, frozen), x))(params)
    """
    if with_path:
        pairs = tree_util.tree_map_with_path(
            lambda p, x: _Pair(x, None) if predicate(keystr(p), x) else _Pair(None, x), tree)
    else:
        pairs = tree_util.tree_map(
            lambda x: _Pair(x, None) if predicate(x) else _Pair(None, x), tree)
    is_pair = lambda x: isinstance(x, _Pair)  # noqa: E731
    selected = tree_util.tree_map(lambda p: p.selected, pairs, is_leaf=is_pair)
    rest = tree_util.tree_map(lambda p: p.rest, pairs, is_leaf=is_pair)
    return selected, rest


def combine(*trees: Any) -> Any:
    """Merge trees produced by :func:`partition`: each leaf is the first non-``None``
    among the trees' leaves at that position."""
    def first(*xs):
        for x in xs:
            if x is not None:
                return x
        return None
    return tree_util.tree_map(first, *trees, is_leaf=_is_none)


def filter(tree: Any, predicate: Callable[..., bool], *, with_path: bool = False) -> Any:
    """The ``selected`` half of :func:`partition`."""
    return partition(tree, predicate, with_path=with_path)[0]


def path_matches(*patterns: str) -> Callable[[str, Any], bool]:
    """A ``(path, leaf)`` predicate that is true when the path matches any glob pattern.

    >>> frozen, trainable = partition(gpt, path_matches("*.embed.*", "*.blocks[0]*"),
    ...                               with_path=True)
    """
    # Brackets are literal (paths contain ``[0]``); only ``*`` and ``?`` are wildcards.
    escaped = [p.replace("[", "\0").replace("]", "[]]").replace("\0", "[[]") for p in patterns]
    return lambda path, leaf: any(fnmatch.fnmatchcase(path, p) for p in escaped)


def count_params(tree: Any) -> int:
    """The number of array elements in a pytree (its parameter count).

    >>> count_params({"w": jnp.ones((3, 4)), "b": jnp.ones(4)})
    16
    """
    return sum(int(np.prod(x.shape)) for x in tree_util.tree_leaves(tree) if is_array(x))
