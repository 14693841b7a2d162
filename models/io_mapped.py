"""Memory-mapped reading of safetensors files: lazy leaves and per-device slices.

``zenax.io.load(path, lazy=True)`` returns leaves that are read-only NumPy views into a
memory map of the file, not copies.  Nothing is read from disk until a leaf's bytes are
touched, and then only the pages touched: ``jnp.asarray(leaf)``, ``np.asarray(leaf)`` or
passing the leaf to a jitted function copies that one leaf, so a model larger than
memory can be opened and used piece by piece.

Why NumPy views rather than a proxy class: every zenax and JAX entry point already
accepts NumPy arrays (jit arguments, ``jnp`` functions, ``device_put``, pytree
utilities), so the leaves need no registration and behave exactly like the arrays they
stand for (shape, dtype, printing, slicing); the operating system's page cache does the
"materialise on first use" part, and evicts clean pages again under memory pressure.
The map stays valid while a leaf refers to it, even after the file is replaced by a
later (atomic, rename-based) ``save`` or deleted: it keeps the old bytes.  Rewriting the
file in place (``cp`` onto it, truncating it) while lazy leaves are in use changes or
invalidates them, as with any memory map; on the CPU, ``jnp.asarray(leaf)`` may alias the
map rather than copy it, so the same holds for arrays made from lazy leaves.

With ``sharding=``, each leaf becomes a jax.Array laid out on that sharding, built by
``jax.make_array_from_callback``: every device's shard is copied from just its slice of
the map, so no process ever holds a whole tensor it does not own.
"""
from __future__ import annotations

import json
import mmap
import struct
from typing import Any

import jax
import numpy as np

from zenax.tracer.tree_util import tree_flatten, tree_map, tree_structure

__all__ = ["MappedFile", "place_on_shardings"]


class MappedFile:
    """One safetensors file, memory-mapped read-only, with its tensors as NumPy views.

    ``headers`` maps each tensor name to ``(shape, dtype)`` (as validated by the caller),
    ``metadata`` is the file's ``__metadata__``.
    """

    def __init__(self, path: str, headers: dict[str, tuple[tuple[int, ...], np.dtype]],
                 metadata: dict[str, str], caller: str):
        self.path = path
        self.headers = headers
        self.metadata = metadata
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        (header_size,) = struct.unpack("<Q", self._map[:8])
        header = json.loads(bytes(self._map[8:8 + header_size]))
        data_start = 8 + header_size
        self._offsets: dict[str, int] = {}
        for name, (shape, dtype) in headers.items():
            begin, end = header[name]["data_offsets"]
            nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if end - begin != nbytes or data_start + end > len(self._map):
                # safetensors validates this on open; checked again since we index the map.
                raise ValueError(f"{caller}: the tensor {name!r} in {path!r} has data offsets "
                                 f"{[begin, end]} that do not fit its shape {list(shape)} and "
                                 "the file's size; the file is corrupt.")
            self._offsets[name] = data_start + begin

    def view(self, name: str) -> np.ndarray:
        """Tensor ``name`` as a read-only view of the map (no bytes are read yet)."""
        shape, dtype = self.headers[name]
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0:
            return np.zeros(shape, dtype)
        flat = np.frombuffer(self._map, dtype=dtype, count=count, offset=self._offsets[name])
        return flat.reshape(shape)


def _is_sharding_leaf(s: Any) -> bool:
    return s is None or isinstance(s, jax.sharding.Sharding)


def _place(view: np.ndarray, sharding: jax.sharding.Sharding) -> jax.Array:
    """``view`` as a jax.Array on ``sharding``; each device copies only its own slice."""
    dtype = jax.dtypes.canonicalize_dtype(view.dtype)  # int64 -> int32 without x64, as JAX
    return jax.make_array_from_callback(
        view.shape, sharding, lambda index: np.array(view[index], dtype=dtype))


def place_on_shardings(tree: Any, sharding: Any, caller: str) -> Any:
    """Put the view leaves of ``tree`` on ``sharding``: one ``jax.sharding.Sharding`` for
    every leaf, or a pytree of them (``None`` keeps a subtree as it is) that is a prefix
    of ``tree``'s structure."""
    if isinstance(sharding, jax.sharding.Sharding):
        return tree_map(lambda v: _place(v, sharding), tree)
    leaves, _ = tree_flatten(sharding, is_leaf=_is_sharding_leaf)
    bad = [s for s in leaves if not _is_sharding_leaf(s)]
    if bad:
        raise TypeError(f"{caller}: sharding must be a jax.sharding.Sharding (e.g. a "
                        "NamedSharding) or a pytree of them matching the loaded tree; found "
                        f"a leaf of type {type(bad[0]).__name__}.")

    def place_subtree(s: Any, subtree: Any) -> Any:
        return subtree if s is None else tree_map(lambda v: _place(v, s), subtree)

    try:
        return tree_map(place_subtree, sharding, tree, is_leaf=_is_sharding_leaf)
    except ValueError as e:
        raise ValueError(f"{caller}: the sharding tree does not match the loaded tree's "
                         f"structure ({e}). Its structure: {tree_structure(sharding)}; the "
                         f"loaded tree's: {tree_structure(tree)}.") from None
