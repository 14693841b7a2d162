"""The mesh axes in scope: the named axes a ``shard_map`` body runs over.

Collectives name an axis (``psum(x, "i")``).  A ``vmap(..., axis_name="i")`` binds a name
through its trace (the collective's batching rule sees the whole axis at once); a
``shard_map`` binds the names of its mesh instead, for as long as its body is traced or
transformed: the body then holds one shard per device, and its collectives are lowered
to XLA's (``jax.lax.psum`` inside ``jax.shard_map``).  This module is that second
environment: a stack of frames, innermost last, each the axis sizes of one mesh and
whether the body is checked for device variance (``check_vma``).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Hashable, Mapping, NamedTuple


class MeshAxes(NamedTuple):
    """One ``shard_map`` body's axes: ``{name: size}``, and its ``check_vma`` flag."""
    sizes: Mapping[Hashable, int]
    check_vma: bool


class _Frames(threading.local):
    def __init__(self):
        self.stack: list[MeshAxes] = []


_frames = _Frames()


@contextmanager
def extend_axis_env(sizes: Mapping[Hashable, int], check_vma: bool):
    """Bind the mesh axes ``sizes`` for the duration of the block."""
    _frames.stack.append(MeshAxes(dict(sizes), check_vma))
    try:
        yield
    finally:
        _frames.stack.pop()


def frames() -> tuple:
    """Every frame in scope, outermost first (a cache of traced bodies keys on them)."""
    return tuple((tuple(f.sizes.items()), f.check_vma) for f in _frames.stack)


def mesh_axis_frame(name) -> MeshAxes | None:
    """The innermost frame binding ``name``, or None if no shard_map binds it."""
    for frame in reversed(_frames.stack):
        if name in frame.sizes:
            return frame
    return None
