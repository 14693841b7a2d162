"""Sharded checkpoints: one pytree split over several safetensors files plus an index.

The layout is Hugging Face's: ``save(dir/'model.safetensors.index.json', tree,
max_shard_size='2GB')`` writes ``model-00001-of-00003.safetensors`` ... next to the index
file, a JSON object ``{"metadata": {"total_size": <bytes>, ...}, "weight_map": {tensor
name: file name}}``.  Any reader that follows the weight map (``transformers``,
``safetensors`` per file, ``zenax.io.load``) can read the set.

**Atomic as a set.** The shards are written to hidden temporary files and flushed to
disk, then renamed to their final names, and only then is the index replaced
(atomically, by rename).  The new shards get names no file in the folder has (a
generation tag ``model.g1-00001-of-00003.safetensors`` when the plain names are taken by
the set being replaced), so until the index is replaced, it still names the previous,
complete set: a save killed at any point leaves the previous checkpoint loadable.  After
the new index is in place the previous set's files are deleted, together with shards a
killed save left behind (files named like this set's shards that no index refers to).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
from typing import Any, Callable

import numpy as np
import safetensors.numpy

__all__ = ["parse_shard_size", "index_path_for", "save_sharded", "read_index"]

INDEX_SUFFIX = ".safetensors.index.json"
_TOTAL_SIZE = "total_size"   # Hugging Face's entry in the index's metadata
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]*)\s*")


def parse_shard_size(size: Any, caller: str) -> int:
    """``max_shard_size`` in bytes: an int, or a string such as ``'200MB'`` or ``'5GiB'``
    (decimal units KB/MB/GB/TB, binary units KiB/MiB/GiB/TiB, as Hugging Face reads them)."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        if size > 0:
            return int(size)
    elif isinstance(size, str):
        m = _SIZE.fullmatch(size)
        if m and m.group(2).upper() in _UNITS:
            n = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
            if n > 0:
                return n
    raise ValueError(f"{caller}: max_shard_size must be a positive number of bytes or a "
                     f"string such as '200MB' or '2GiB'; received {size!r}.")


def index_path_for(path: str, caller: str) -> str:
    """Where a sharded save writes its index: ``path`` itself when it ends in
    ``.safetensors.index.json``, ``path/model.safetensors.index.json`` for a directory."""
    if os.path.isdir(path):
        return os.path.join(path, "model" + INDEX_SUFFIX)
    if path.endswith(INDEX_SUFFIX):
        return path
    raise ValueError(f"{caller}: with max_shard_size, path must be a directory or an index "
                     f"file name ending in {INDEX_SUFFIX!r} (e.g. "
                     f"'checkpoint/model{INDEX_SUFFIX}'); received {path!r}.")


def _shard_name(stem: str, generation: int, i: int, n: int) -> str:
    tag = f".g{generation}" if generation else ""
    return f"{stem}{tag}-{i:05d}-of-{n:05d}.safetensors"


def _is_shard_of(stem: str, name: str) -> bool:
    return re.fullmatch(re.escape(stem) + r"(\.g[1-9][0-9]*)?-[0-9]{5}-of-[0-9]{5}\.safetensors",
                        name) is not None


def _split(arrays: dict[str, np.ndarray], max_bytes: int) -> list[dict[str, np.ndarray]]:
    """Consecutive groups of tensors of at most ``max_bytes`` each (a bigger tensor alone)."""
    groups: list[dict[str, np.ndarray]] = [{}]
    size = 0
    for name, array in arrays.items():
        if groups[-1] and size + array.nbytes > max_bytes:
            groups.append({})
            size = 0
        groups[-1][name] = array
        size += array.nbytes
    return groups


def _fsync_directory(directory: str) -> None:
    if os.name == "posix":
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _referenced_files(index_path: str) -> set[str]:
    """The file names the current index at ``index_path`` refers to (none if unreadable)."""
    try:
        with open(index_path) as f:
            weight_map = json.load(f).get("weight_map", {})
        return {v for v in weight_map.values() if isinstance(v, str) and os.sep not in v}
    except (OSError, ValueError, AttributeError):
        return set()


def save_sharded(index_path: str, arrays: dict[str, np.ndarray], metadata: dict[str, str],
                 max_bytes: int, atomic_write: Callable, temporary_name: Callable,
                 as_os_error: Callable, caller: str) -> None:
    """Write ``arrays`` as shards of at most ``max_bytes`` plus the index at ``index_path``
    (see the module docstring for the order that makes the set atomic)."""
    if _TOTAL_SIZE in metadata:
        raise ValueError(f"{caller}: the metadata key {_TOTAL_SIZE!r} is reserved in sharded "
                         "checkpoints (the index stores the total size there); use another key.")
    directory = os.path.dirname(os.path.abspath(index_path))
    stem = os.path.basename(index_path)[:-len(INDEX_SUFFIX)]
    groups = _split(arrays, max_bytes)
    n = len(groups)
    generation = 0
    while any(os.path.lexists(os.path.join(directory, _shard_name(stem, generation, i + 1, n)))
              for i in range(n)):
        generation += 1
    names = [_shard_name(stem, generation, i + 1, n) for i in range(n)]
    previous = _referenced_files(index_path)

    # Stage 1: every shard to a hidden temporary file, flushed; stage 2: rename them.
    # A failure removes what this save wrote; the index still names the previous set.
    pending: dict[str, str] = {}  # final path -> temporary path, or itself once renamed
    current = index_path
    try:
        for group, name in zip(groups, names):
            final = current = os.path.join(directory, name)
            tmp = pending[final] = temporary_name(final)
            open(tmp, "xb").close()
            safetensors.numpy.save_file(group, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        for final, tmp in pending.items():
            current = final
            os.replace(tmp, final)
            pending[final] = final
        _fsync_directory(directory)
    except BaseException as e:
        for path in pending.values():
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        if isinstance(e, OSError) or type(e).__name__ == "SafetensorError":
            raise as_os_error(e, current, caller) from e
        raise

    weight_map = {name: file for group, file in zip(groups, names) for name in group}
    index = {"metadata": {_TOTAL_SIZE: int(sum(a.nbytes for a in arrays.values())), **metadata},
             "weight_map": weight_map}

    def write_index(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(index, f, indent=2)

    try:
        atomic_write(index_path, write_index, caller)
    except BaseException:
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(directory, name))
        raise
    # The new set is live: delete the previous set and shards killed saves left behind.
    for name in os.listdir(directory):
        if name not in names and (name in previous or _is_shard_of(stem, name)):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(directory, name))


def read_index(index_path: str, caller: str) -> tuple[dict[str, str], dict[str, Any]]:
    """``(weight_map, metadata)`` of a sharded checkpoint's index; the weight map's file
    names are made absolute, and must name plain files in the index's directory."""
    def malformed(what: str) -> ValueError:
        return ValueError(f"{caller}: {index_path!r} is not a valid checkpoint index: {what}. "
                          "Expected a JSON object with a 'weight_map' from tensor names to "
                          "file names, as Hugging Face and zenax.io.save(..., max_shard_size=) "
                          "write.")

    try:
        with open(index_path) as f:
            index = json.load(f)
    except ValueError as e:
        raise malformed(f"invalid JSON ({e})") from None
    if not isinstance(index, dict) or not isinstance(index.get("weight_map"), dict):
        raise malformed("no 'weight_map' object")
    metadata = index.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise malformed("'metadata' is not an object")
    directory = os.path.dirname(os.path.abspath(index_path))
    weight_map = {}
    for name, file in index["weight_map"].items():
        if not isinstance(file, str) or os.path.basename(file) != file or file in ("", ".", ".."):
            raise malformed(f"tensor {name!r} maps to {file!r}, not a file name in the index's "
                            "directory")
        weight_map[name] = os.path.join(directory, file)
    missing = sorted({f for f in weight_map.values() if not os.path.isfile(f)})
    if missing:
        raise FileNotFoundError(f"{caller}: the index {index_path!r} refers to "
                                f"{len(missing)} missing file(s), e.g. {missing[0]!r}; the "
                                "checkpoint is incomplete (copy every shard next to the index).")
    return weight_map, metadata
