"""Checkpoints: any pytree of arrays saved to, and loaded from, a safetensors file.

A safetensors file is a flat map from tensor names to typed, shaped byte buffers, plus a
``__metadata__`` map of strings. It holds data only: loading it never runs code (no
pickle, no eval), so checkpoints from anywhere are safe to open.

**Tensor names.** Each leaf is stored under a name built from its key path: dict keys
and attribute names (namedtuple and dataclass fields) are joined with ``.``, sequence
indices (and int dict keys) are written ``[i]``::

    {'params': {'layers': [{'w': w}]}, 'step': s}   ->   params.layers[0].w, step
    OptState(mu={'w': m}, count=c)                  ->   mu.w, count
    a single array                                  ->   '' (the empty name)

The names are stable (they depend only on the tree's keys) and are what any
safetensors reader sees, e.g. ``safetensors.numpy.load_file``.

**Tree description.** The tree's shape (which nodes are dicts, lists, tuples or
``None``) is stored as JSON under the ``zenax.tree`` entry of ``__metadata__``, so
``load(path)`` can rebuild lists and tuples without a template. Namedtuples, dataclasses
and other registered nodes come back as dicts keyed by their field names; pass
``like=`` to get the original types back.

**Atomic writes.** ``save`` writes a temporary file next to the destination, flushes it
to disk and renames it over the destination, so a crash mid-save leaves the previous
checkpoint intact. An exception (or Ctrl-C) during the write removes the temporary file;
a process killed outright (SIGKILL, power loss) can leave a hidden
``.<name>.<host>-<pid>.<random>.tmp`` file behind, which no loader reads and which the
next ``save`` or ``load`` in that folder removes once its writer is gone.

**Big models.** ``save(..., max_shard_size='2GB')`` splits the checkpoint over several
files plus a Hugging Face style index, written atomically as a set (see
``io_sharded``); ``load(..., lazy=True)`` memory-maps the files and returns read-only
NumPy views that are read only when used, and ``load(..., sharding=...)`` lets each
device read just its slice (see ``io_mapped``).  ``load`` accepts a ``.safetensors``
file, an ``*.safetensors.index.json`` file, or a directory holding either (as
``model.safetensors.index.json`` or ``model.safetensors``).
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import socket
import uuid
from typing import Any, Callable, Mapping, NamedTuple

import jax
import numpy as np
import safetensors
import safetensors.numpy

from zenax.models import io_sharded
from zenax.models.io_mapped import MappedFile, place_on_shardings
from zenax.tracer.core import Tracer
from zenax.tracer.dtypes import bfloat16, python_scalar_dtype, short_name
from zenax.tracer.tree_util import (DictKey, FlattenedIndexKey, GetAttrKey, SequenceKey,
                                    keystr, tree_flatten_with_path, tree_structure)

__all__ = ["save", "load", "load_metadata", "load_safetensors_dict",
           "save_checkpoint", "latest_checkpoint", "restore_checkpoint", "Checkpoint"]

_TREE_KEY = "zenax.tree"  # the __metadata__ entry holding the JSON tree description

# The dtypes safetensors' numpy reader can return, by their safetensors header code.
_DTYPE_OF_CODE = {
    "BOOL": np.dtype(bool), "U8": np.dtype(np.uint8), "I8": np.dtype(np.int8),
    "U16": np.dtype(np.uint16), "I16": np.dtype(np.int16), "U32": np.dtype(np.uint32),
    "I32": np.dtype(np.int32), "U64": np.dtype(np.uint64), "I64": np.dtype(np.int64),
    "F16": np.dtype(np.float16), "BF16": bfloat16, "F32": np.dtype(np.float32),
    "F64": np.dtype(np.float64), "C64": np.dtype(np.complex64),
}
_SUPPORTED = ", ".join(sorted(d.name for d in _DTYPE_OF_CODE.values()))

PathLike = str | os.PathLike


# ## Names: from key paths to tensor names

def _component(key: Any, path: tuple, caller: str, root: str) -> str | int:
    """The JSON-storable part of one key entry: a str (dict key, field) or an int (index)."""
    if isinstance(key, SequenceKey):
        return key.idx
    if isinstance(key, FlattenedIndexKey):
        return key.key
    if isinstance(key, GetAttrKey):
        return key.name
    if isinstance(key, DictKey):
        if isinstance(key.key, str) or (isinstance(key.key, int) and not isinstance(key.key, bool)):
            return key.key
        raise TypeError(f"{caller}: the dict key {key.key!r} in {root}{keystr(path)} is a "
                        f"{type(key.key).__name__}; checkpoint dict keys must be str or int. "
                        "Convert the key, e.g. with str().")
    return str(key)  # a user-defined key entry: its printed form


def _tensor_name(components: list[str | int]) -> str:
    """``['params', 'layers', 0, 'w']`` -> ``'params.layers[0].w'``."""
    name = ""
    for c in components:
        name += f"[{c}]" if isinstance(c, int) else (f".{c}" if name else c)
    return name


def _show(name: str) -> str:
    return repr(name) if name else "'' (the whole tree is one array)"


def _one_level(x: Any) -> tuple[list[tuple[Any, Any]], bool]:
    """The ``(key, child)`` pairs of node ``x``, and whether ``x`` is a leaf."""
    pairs, treedef = tree_flatten_with_path(x, is_leaf=lambda path, _: len(path) == 1,
                                            is_leaf_takes_path=True)
    if treedef.node_data() is None:
        return [], True
    return [(path[0], child) for path, child in pairs], False


def _describe(x: Any, path: tuple, components: list, leaves: dict, caller: str,
              root: str) -> Any:
    """The JSON description of tree ``x``; its leaves go into ``leaves`` by name.

    A leaf is described by its tensor name, ``None`` by null, and a node by
    ``{"list": [...]}``, ``{"tuple": [...]}`` or ``{"dict": [[key, child], ...]}``
    (every other node type, namedtuples included, is stored as a dict of its fields).
    ``root`` is what error messages call the tree (``tree``, ``like``).
    """
    if x is None:
        return None
    pairs, is_leaf = _one_level(x)
    if is_leaf:
        name = _tensor_name(components)
        if name in leaves:
            raise ValueError(f"{caller}: two leaves get the tensor name {_show(name)}: "
                             f"{root}{keystr(leaves[name][0])} and {root}{keystr(path)}. Rename "
                             "one of the keys (keys containing '.' can collide with nesting).")
        leaves[name] = (path, x)
        return name
    children = [(_component(k, path, caller, root), c, k) for k, c in pairs]
    described = [_describe(c, (*path, k), [*components, comp], leaves, caller, root)
                 for comp, c, k in children]
    if type(x) in (list, tuple):
        return {type(x).__name__: described}
    return {"dict": [[comp, d] for (comp, _, _), d in zip(children, described)]}


def _to_numpy(path: tuple, leaf: Any, caller: str) -> np.ndarray:
    """A C-contiguous host copy of one leaf, with its dtype checked."""
    if isinstance(leaf, Tracer):
        raise TypeError(f"{caller}: the leaf tree{keystr(path)} is a traced value "
                        f"({leaf.aval.str_short()}); checkpoints need concrete arrays. Call "
                        f"{caller} outside of jit/grad/vmap, e.g. on the values they return.")
    if isinstance(leaf, (bool, int, float, complex)):
        array = np.asarray(leaf, dtype=python_scalar_dtype(leaf))
    elif isinstance(leaf, (jax.Array, np.ndarray, np.generic)):
        array = np.asarray(leaf, order="C")
    else:
        raise TypeError(f"{caller}: the leaf tree{keystr(path)} is a {type(leaf).__name__}; "
                        "expected an array (jax.Array, numpy array) or a Python scalar. "
                        "Keep non-array values out of the tree you save (or make them "
                        "static pytree metadata).")
    if array.dtype not in _DTYPE_OF_CODE.values():
        raise TypeError(f"{caller}: the leaf tree{keystr(path)} has dtype {array.dtype}, which "
                        f"safetensors checkpoints cannot hold; supported dtypes: {_SUPPORTED}. "
                        "Cast it to one of them first (x.astype(...)).")
    return array


# ## Atomic writes

_TMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<host>[^.]+)-(?P<pid>\d+)\.[0-9a-f]{12}\.tmp$")


def _temporary_name(path: str) -> str:
    """``.<name>.<host>-<pid>.<random>.tmp`` next to ``path``: hidden, and saying which
    writer made it, so a later save can tell a dead writer's leftover from a live one."""
    host = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname()) or "host"
    return os.path.join(os.path.dirname(path),
                        f".{os.path.basename(path)}.{host}-{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True     # exists, owned by someone else
    return True


def remove_stale_temporaries(directory: str, keep: str | None = None) -> list[str]:
    """Remove the temporary files that writers on this machine which no longer run left
    in ``directory`` (a save killed with SIGKILL cannot clean up after itself).  Returns
    the removed paths (never ``keep``).  ``save`` and ``load`` call it on their folder."""
    host = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname()) or "host"
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        m = _TMP_NAME.match(name)
        full = os.path.join(directory, name)
        if m and m["host"] == host and int(m["pid"]) != os.getpid() and \
                not _pid_alive(int(m["pid"])) and full != keep:
            with contextlib.suppress(OSError):
                os.remove(full)
                removed.append(full)
    return removed


def _as_os_error(e: BaseException, path: str, caller: str) -> OSError:
    """An I/O failure as an ``OSError`` (the subclass its errno selects, e.g. disk full:
    ``OSError`` with ``errno.ENOSPC``) naming the file and the cause."""
    code = getattr(e, "errno", None)
    if code is None:
        m = re.search(r"code: (\d+)", str(e))    # safetensors wraps the OS error's text
        code = int(m.group(1)) if m else errno.EIO
    cause = getattr(e, "strerror", None) or str(e)
    err = OSError(code, f"{caller}: could not write {path!r}: {cause}. The previous file "
                        "(if any) is unchanged")
    err.filename = path
    return err


def _check_directory(path: str, caller: str) -> str:
    """The existing directory ``path`` is to be written in (``path`` must not be one)."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{caller}: the directory {directory!r} of {path!r} does not "
                                "exist; create it first (os.makedirs(directory, exist_ok=True)).")
    if os.path.isdir(path):
        raise ValueError(f"{caller}: {path!r} is a directory; pass a file path such as "
                         f"{os.path.join(path, 'params.safetensors')!r} (or pass "
                         "max_shard_size= to write a sharded checkpoint into it).")
    return directory


def _atomic_write(path: str, write: Callable[[str], None], caller: str) -> None:
    """Run ``write(tmp_path)``, fsync the result and rename it to ``path``.

    The temporary file lives in the destination's directory so the rename is atomic
    (same file system); on any exception, KeyboardInterrupt included, it is removed, and
    an I/O failure surfaces as an ``OSError`` naming ``path`` and the cause.
    """
    directory = _check_directory(path, caller)
    remove_stale_temporaries(directory)
    tmp = _temporary_name(os.path.abspath(path))
    try:
        open(tmp, "xb").close()  # claim the name (exclusive create, the umask's permissions)
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        if isinstance(e, OSError) or type(e).__name__ == "SafetensorError":
            raise _as_os_error(e, path, caller) from e
        raise
    # Make the rename itself durable (Windows cannot open directories, so it skips this).
    if os.name == "posix":
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save(path: PathLike, tree: Any, *, metadata: Mapping[str, str] | None = None,
         max_shard_size: int | str | None = None) -> None:
    """Save the arrays of pytree ``tree`` to the safetensors file ``path``, atomically.

    Leaves may be jax.Arrays, numpy arrays or Python scalars (stored as 0-d arrays of
    JAX's default dtype); dtypes are kept bit for bit (bool, (u)int8..64, float16,
    bfloat16, float32, float64, complex64). ``None`` subtrees are recorded and come back
    as ``None``. ``metadata`` adds string entries to the file's ``__metadata__``
    (read them back with ``load_metadata``).

    With ``max_shard_size`` (bytes, or a string such as ``'200MB'`` or ``'2GiB'``), the
    tensors are split over files ``model-00001-of-0000N.safetensors`` ... of at most
    that size (a bigger tensor gets a file of its own) and ``path`` (a directory, or a
    file name ending in ``.safetensors.index.json``) gets the index naming them; the set
    replaces any previous one atomically.

    >>> import os, tempfile, zenax.numpy as jnp
    >>> path = os.path.join(tempfile.mkdtemp(), 'params.safetensors')
    >>> save(path, {'w': jnp.ones((2, 3)), 'b': [jnp.zeros(3), None]})
    >>> sorted(load_safetensors_dict(path))
    ['b[0]', 'w']
    >>> load(path)['b']
    [Array([0., 0., 0.], dtype=float32), None]
    """
    caller = "zenax.io.save"
    path = os.fspath(path)
    user_metadata = _check_metadata(metadata, caller)
    leaves: dict[str, tuple[tuple, Any]] = {}
    description = _describe(tree, (), [], leaves, caller, "tree")
    arrays = {name: _to_numpy(p, leaf, caller) for name, (p, leaf) in leaves.items()}
    header = {**user_metadata, _TREE_KEY: json.dumps(description, separators=(",", ":"))}
    if max_shard_size is not None:
        max_bytes = io_sharded.parse_shard_size(max_shard_size, caller)
        index_path = io_sharded.index_path_for(path, caller)
        _check_directory(index_path, caller)
        remove_stale_temporaries(os.path.dirname(os.path.abspath(index_path)))
        io_sharded.save_sharded(index_path, arrays, header, max_bytes, _atomic_write,
                                _temporary_name, _as_os_error, caller)
        return
    # Looked up on the module at call time, so tests can make the writer fail midway.
    _atomic_write(path, lambda tmp: safetensors.numpy.save_file(arrays, tmp, metadata=header),
                  caller)


def _check_metadata(metadata: Mapping[str, str] | None, caller: str) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError(f"{caller}: metadata must be a dict of str to str (safetensors stores "
                        f"strings only); received {metadata!r}. Encode other values, e.g. "
                        "with json.dumps.")
    if _TREE_KEY in metadata:
        raise ValueError(f"{caller}: the metadata key {_TREE_KEY!r} is reserved for the tree "
                         "description; use another key.")
    return dict(metadata)


# ## Reading

@contextlib.contextmanager
def _open(path: PathLike, caller: str):
    """``safe_open(path)``, with a missing or malformed file reported as such."""
    path = os.fspath(path)
    remove_stale_temporaries(os.path.dirname(os.path.abspath(path)), keep=os.path.abspath(path))
    if not os.path.exists(path):
        raise FileNotFoundError(f"{caller}: no such file: {path!r}.")
    if os.path.isdir(path):
        raise ValueError(f"{caller}: {path!r} is a directory, expected a .safetensors file "
                         "(for a directory of checkpoints use zenax.io.restore_checkpoint).")
    try:
        f = safetensors.safe_open(path, framework="numpy")
    except safetensors.SafetensorError as e:
        raise ValueError(f"{caller}: {path!r} is not a valid safetensors file ({e}). It may be "
                         "truncated by an interrupted copy, or not be a checkpoint at all; "
                         "check the path or re-create the file.") from None
    with f:
        yield f


def _header(f, name: str, path: str, caller: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype of tensor ``name`` in the open file ``f``, read from its header."""
    tensor = f.get_slice(name)
    code = tensor.get_dtype()
    if code not in _DTYPE_OF_CODE:
        raise ValueError(f"{caller}: the tensor {_show(name)} in {path!r} has safetensors "
                         f"dtype {code}, which zenax.io cannot read; supported dtypes: "
                         f"{_SUPPORTED}.")
    return tuple(tensor.get_shape()), _DTYPE_OF_CODE[code]


class _Tensors(NamedTuple):
    """A checkpoint's tensors (one file or a sharded set), memory-mapped."""
    path: str                            # the file or index actually read
    headers: dict[str, tuple[tuple[int, ...], np.dtype]]
    files: dict[str, MappedFile]         # tensor name -> the mapped file holding it
    metadata: dict[str, str]             # string metadata, the tree description included

    def view(self, name: str) -> np.ndarray:
        return self.files[name].view(name)


def _resolve(path: str, caller: str) -> tuple[str, bool]:
    """``(file, is_index)``: what ``path`` (a file, an index or a directory) stands for."""
    if os.path.isdir(path):
        for name, is_index in (("model" + io_sharded.INDEX_SUFFIX, True),
                               ("model.safetensors", False)):
            if os.path.isfile(os.path.join(path, name)):
                return os.path.join(path, name), is_index
        raise ValueError(f"{caller}: {path!r} is a directory, expected a .safetensors file "
                         "or a directory holding model.safetensors or "
                         "model.safetensors.index.json (for a directory of training "
                         "checkpoints use zenax.io.restore_checkpoint).")
    return path, path.endswith(".index.json")


def _mapped_file(path: str, names: list[str] | None, caller: str) -> MappedFile:
    """``path`` validated (by safetensors) and memory-mapped; ``names``: the tensors an
    index says it holds (all of them when None)."""
    with _open(path, caller) as f:
        keys = list(f.keys())
        if names is not None:
            missing = sorted(set(names) - set(keys))
            if missing:
                raise ValueError(f"{caller}: the index maps {_show(missing[0])} to {path!r}, "
                                 "which does not hold it; the index and its shards are out of "
                                 "sync (re-save the checkpoint).")
            keys = names
        headers = {name: _header(f, name, path, caller) for name in keys}
        metadata = dict(f.metadata() or {})
    return MappedFile(path, headers, metadata, caller)


def _tensors(path: PathLike, caller: str) -> _Tensors:
    path, is_index = _resolve(os.fspath(path), caller)
    if not is_index:
        mapped = _mapped_file(path, None, caller)
        return _Tensors(path, mapped.headers, dict.fromkeys(mapped.headers, mapped),
                        mapped.metadata)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{caller}: no such file: {path!r}.")
    remove_stale_temporaries(os.path.dirname(os.path.abspath(path)), keep=os.path.abspath(path))
    weight_map, index_metadata = io_sharded.read_index(path, caller)
    by_file: dict[str, list[str]] = {}
    for name, file in weight_map.items():
        by_file.setdefault(file, []).append(name)
    mapped = {file: _mapped_file(file, names, caller) for file, names in by_file.items()}
    files = {name: mapped[file] for name, file in weight_map.items()}
    headers = {name: files[name].headers[name] for name in weight_map}
    metadata = {k: v for k, v in index_metadata.items() if isinstance(v, str)}
    return _Tensors(path, headers, files, metadata)


def _copied(view: np.ndarray, sharding: Any = None) -> jax.Array:
    """A jax.Array holding a copy of ``view``.  The host copy matters: on the CPU,
    ``device_put`` of an aligned read-only array aliases it, and an array aliasing the
    file's map would change (or fault) if the file were later rewritten in place."""
    return jax.device_put(np.array(view), sharding)


def _check_lazy(lazy: Any, caller: str) -> bool:
    if not isinstance(lazy, (bool, np.bool_)):
        raise TypeError(f"{caller}: lazy must be a bool; received {lazy!r}.")
    return bool(lazy)


def load_safetensors_dict(path: PathLike, *, lazy: bool = False) -> dict[str, Any]:
    """All tensors of the safetensors checkpoint ``path`` by name, as jax.Arrays.

    Works on any safetensors file (e.g. Hugging Face ``model.safetensors``), on a
    sharded set's ``*.safetensors.index.json``, and on a directory holding either; the
    names are the files' own. Without ``jax_enable_x64``, 64-bit tensors load as 32-bit
    ones, as everywhere in JAX. With ``lazy=True`` the values are read-only NumPy views
    of the memory-mapped files, read from disk only when used.

    >>> import os, tempfile, numpy as np, safetensors.numpy
    >>> path = os.path.join(tempfile.mkdtemp(), 'model.safetensors')
    >>> safetensors.numpy.save_file({'h.0.attn.bias': np.zeros(2, np.float32)}, path)
    >>> load_safetensors_dict(path)
    {'h.0.attn.bias': Array([0., 0.], dtype=float32)}
    >>> load_safetensors_dict(path, lazy=True)
    {'h.0.attn.bias': array([0., 0.], dtype=float32)}
    """
    caller = "zenax.io.load_safetensors_dict"
    lazy = _check_lazy(lazy, caller)
    tensors = _tensors(path, caller)
    return {name: tensors.view(name) if lazy else _copied(tensors.view(name))
            for name in tensors.headers}


def load_metadata(path: PathLike) -> dict[str, str]:
    """The string metadata stored with ``save(path, tree, metadata=...)``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'params.safetensors')
    >>> save(path, [1.0], metadata={'epoch': '3'})
    >>> load_metadata(path)
    {'epoch': '3'}
    """
    metadata = _tensors(path, "zenax.io.load_metadata").metadata
    return {k: v for k, v in metadata.items() if k != _TREE_KEY}


def load(path: PathLike, like: Any = None, *, lazy: bool = False,
         sharding: Any = None) -> Any:
    """Load a pytree saved with ``save``; its leaves come back as jax.Arrays.

    With ``like`` (a pytree of arrays, ``ShapeDtypeStruct``s or scalars with the saved
    tree's structure), the leaves are checked against the template (names, shapes,
    dtypes) and returned in its structure, namedtuples and custom nodes included; a
    jax.Array template leaf also gives its sharding. Without a template, dicts, lists,
    tuples and ``None`` are rebuilt from the file's tree description and other nodes
    come back as dicts of their fields; a file written by another tool (no description)
    comes back as nested dicts split at the ``.`` in its tensor names.

    ``path`` may be a ``.safetensors`` file, the index of a sharded checkpoint, or a
    directory holding ``model.safetensors.index.json`` or ``model.safetensors``.
    ``lazy=True`` memory-maps the files: the leaves are read-only NumPy views whose
    bytes are read from disk only when used (``jnp.asarray(leaf)`` or passing the leaf
    to a function copies that leaf alone).  ``sharding`` (one ``jax.sharding.Sharding``,
    or a pytree of them, ``None`` entries keeping their subtree as loaded) places the
    leaves on devices, each device copying only its own slice from the mapped file.

    >>> import os, tempfile, zenax.numpy as jnp
    >>> path = os.path.join(tempfile.mkdtemp(), 'params.safetensors')
    >>> save(path, {'w': jnp.ones(2), 'layers': (jnp.zeros(1),)})
    >>> load(path)
    {'layers': (Array([0.], dtype=float32),), 'w': Array([1., 1.], dtype=float32)}
    >>> load(path, lazy=True)['w']
    array([1., 1.], dtype=float32)
    >>> load(path, like={'w': jnp.zeros(3), 'layers': (jnp.zeros(1),)})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    ValueError: zenax.io.load: ...
      'w': shape mismatch: the template has f32[3], the file has f32[2]
    ...
    """
    caller = "zenax.io.load"
    lazy = _check_lazy(lazy, caller)
    tensors = _tensors(path, caller)
    keep_views = lazy or sharding is not None

    def read(name: str, template: Any = None) -> Any:
        view = tensors.view(name)
        return view if keep_views else _copied(view, getattr(template, "sharding", None))

    if like is not None:
        tree = _load_like(tensors, like, read, caller)
    else:
        arrays = {name: read(name) for name in tensors.headers}
        description = tensors.metadata.get(_TREE_KEY)
        if description is None:
            tree = _nest_by_dots(arrays, tensors.path, caller)
        else:
            tree = _rebuild(description, arrays, tensors.path, caller)
    return tree if sharding is None else place_on_shardings(tree, sharding, caller)


def _load_like(tensors: _Tensors, like: Any, read: Callable, caller: str) -> Any:
    """Read the file's tensors into the structure of template ``like``, checking them."""
    path, headers = tensors.path, tensors.headers
    leaves: dict[str, tuple[tuple, Any]] = {}
    _describe(like, (), [], leaves, caller, "like")
    problems = [f"  {_show(name)}: missing from the file (the template has "
                f"{_aval_str(*_template_aval(p, t, caller))})"
                for name, (p, t) in leaves.items() if name not in headers]
    problems += [f"  {_show(name)}: in the file ({_aval_str(*headers[name])}) but not in the "
                 "template" for name in headers if name not in leaves]
    for name, (p, t) in leaves.items():
        if name in headers:
            expected, received = _template_aval(p, t, caller), headers[name]
            if expected[0] != received[0]:
                problems.append(f"  {_show(name)}: shape mismatch: the template has "
                                f"{_aval_str(*expected)}, the file has {_aval_str(*received)}")
            elif expected[1] != received[1]:
                problems.append(f"  {_show(name)}: dtype mismatch: the template has "
                                f"{_aval_str(*expected)}, the file has {_aval_str(*received)}")
    if problems:
        raise ValueError(f"{caller}: the checkpoint {path!r} does not match the template "
                         "`like`:\n" + "\n".join(problems) + "\nPass a template with the "
                         "saved tree's structure, shapes and dtypes, or call "
                         "zenax.io.load(path) without like= to see what the file holds.")
    flat = [read(name, t) for name, (_, t) in leaves.items()]
    # _describe visits leaves in flattening order, so `flat` lines up with tree_flatten.
    return tree_structure(like).unflatten(flat)


def _template_aval(path: tuple, leaf: Any, caller: str) -> tuple[tuple, np.dtype]:
    if isinstance(leaf, (bool, int, float, complex)):
        return (), python_scalar_dtype(leaf)
    if hasattr(leaf, "shape") and hasattr(leaf, "dtype"):
        return tuple(leaf.shape), np.dtype(leaf.dtype)
    raise TypeError(f"{caller}: the template leaf like{keystr(path)} is a "
                    f"{type(leaf).__name__}; expected an array, a ShapeDtypeStruct or a "
                    "Python scalar standing for the saved array.")


def _aval_str(shape: tuple, dtype: np.dtype) -> str:
    return f"{short_name(dtype)}[{','.join(map(str, shape))}]"


def _rebuild(description: str, arrays: dict[str, jax.Array], path: str, caller: str) -> Any:
    """The tree described by the JSON ``description``, with leaves taken from ``arrays``."""
    def malformed(what: str) -> ValueError:
        return ValueError(f"{caller}: the tree description ({_TREE_KEY!r} in __metadata__) "
                          f"of {path!r} is malformed: {what}. The file may have been edited "
                          "by hand; load_safetensors_dict(path) still reads its tensors.")

    unused = set(arrays)

    def build(node: Any) -> Any:
        if node is None:
            return None
        if isinstance(node, str):
            if node not in unused:
                raise malformed(f"tensor {_show(node)} is missing or used twice")
            unused.remove(node)
            return arrays[node]
        if isinstance(node, dict) and len(node) == 1:
            (kind, children), = node.items()
            if kind in ("list", "tuple") and isinstance(children, list):
                return (list if kind == "list" else tuple)(build(c) for c in children)
            if kind == "dict" and isinstance(children, list) and all(
                    isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))
                    for item in children):
                return {k: build(c) for k, c in children}
        raise malformed(f"unexpected entry {json.dumps(node)[:80]}")

    try:
        tree = build(json.loads(description))
    except (json.JSONDecodeError, RecursionError) as e:
        raise malformed(str(e) or type(e).__name__) from None
    if unused:
        raise malformed(f"tensors {sorted(unused)} are not in it")
    return tree


def _nest_by_dots(arrays: dict[str, jax.Array], path: str, caller: str) -> dict:
    """``{'h.0.w': x}`` -> ``{'h': {'0': {'w': x}}}``, for files written by other tools."""
    def clash(name: str) -> ValueError:
        return ValueError(f"{caller}: {path!r} has no zenax tree description and its tensor "
                          f"names do not nest at '.' ({_show(name)} clashes with another "
                          "name). Read it flat with zenax.io.load_safetensors_dict(path).")

    tree: dict = {}
    for name, array in arrays.items():
        *parents, last = name.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise clash(name)
        if last in node:
            raise clash(name)
        node[last] = array
    return tree


# ## Checkpoint directories for training loops

_CHECKPOINT_FILE = re.compile(r"checkpoint_(0|[1-9][0-9]*)\.safetensors")  # as _checkpoint_path writes


class Checkpoint(NamedTuple):
    """What ``restore_checkpoint`` returns."""
    step: int
    params: Any
    opt_state: Any


def _steps(directory: PathLike) -> list[int]:
    """The steps of the checkpoints in ``directory``, in increasing order."""
    if not os.path.isdir(directory):
        return []
    matches = (_CHECKPOINT_FILE.fullmatch(n) for n in os.listdir(directory))
    return sorted(int(m.group(1)) for m in matches if m)


def _checkpoint_path(directory: PathLike, step: int) -> str:
    return os.path.join(os.fspath(directory), f"checkpoint_{step}.safetensors")


def save_checkpoint(directory: PathLike, step: int, params: Any, opt_state: Any = None,
                    keep: int = 3) -> str:
    """Save ``params`` (and ``opt_state``) as ``directory/checkpoint_<step>.safetensors``,
    keeping the ``keep`` most recent steps; returns the file's path.

    The file holds the tree ``{'params': params, 'opt_state': opt_state}``, so its
    tensors are named ``params.…`` and ``opt_state.…``.

    >>> import os, tempfile, zenax.numpy as jnp
    >>> ckpt_dir = tempfile.mkdtemp()
    >>> for step in range(5):
    ...     _ = save_checkpoint(ckpt_dir, step, {'w': jnp.full(2, step)}, keep=2)
    >>> sorted(os.listdir(ckpt_dir))
    ['checkpoint_3.safetensors', 'checkpoint_4.safetensors']
    """
    caller = "zenax.io.save_checkpoint"
    if not isinstance(step, (int, np.integer)) or isinstance(step, bool) or step < 0:
        raise TypeError(f"{caller}: step must be a non-negative int; received {step!r}.")
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise ValueError(f"{caller}: keep must be an int >= 1 (how many checkpoints to keep); "
                         f"received {keep!r}.")
    step = int(step)
    steps = _steps(directory)
    if steps and step < steps[-1]:
        raise ValueError(f"{caller}: step {step} is older than the latest checkpoint (step "
                         f"{steps[-1]}) in {os.fspath(directory)!r}, and would be pruned at once. "
                         "Delete the newer checkpoints, or save to another directory.")
    os.makedirs(directory, exist_ok=True)
    path = _checkpoint_path(directory, step)
    save(path, {"params": params, "opt_state": opt_state})
    for old in _steps(directory)[:-keep]:
        os.remove(_checkpoint_path(directory, old))
    return path


def latest_checkpoint(directory: PathLike) -> str | None:
    """The path of the newest checkpoint in ``directory``, or None if it has none.

    >>> import tempfile
    >>> latest_checkpoint(tempfile.mkdtemp()) is None
    True
    """
    steps = _steps(directory)
    return _checkpoint_path(directory, steps[-1]) if steps else None


def restore_checkpoint(directory: PathLike, like: tuple[Any, Any],
                       step: int | None = None) -> Checkpoint:
    """Load the checkpoint of ``step`` (default: the newest) from ``directory``.

    ``like`` is ``(params_template, opt_state_template)``, the trees (or
    ``ShapeDtypeStruct``s) passed to ``save_checkpoint``; namedtuple optimizer states
    come back as the same namedtuples.

    >>> import tempfile, zenax.numpy as jnp
    >>> ckpt_dir = tempfile.mkdtemp()
    >>> _ = save_checkpoint(ckpt_dir, 7, {'w': jnp.ones(2)}, opt_state=(jnp.zeros(2),))
    >>> restored = restore_checkpoint(ckpt_dir, like=({'w': jnp.zeros(2)}, (jnp.zeros(2),)))
    >>> restored.step, restored.params
    (7, {'w': Array([1., 1.], dtype=float32)})
    """
    caller = "zenax.io.restore_checkpoint"
    if not (isinstance(like, tuple) and len(like) == 2):
        raise TypeError(f"{caller}: like must be the pair (params_template, "
                        f"opt_state_template); received a {type(like).__name__}. Use "
                        "like=(params, None) for checkpoints saved without opt_state.")
    steps = _steps(directory)
    if step is None:
        if not steps:
            raise FileNotFoundError(f"{caller}: no checkpoint_<step>.safetensors files in "
                                    f"{os.fspath(directory)!r}.")
        step = steps[-1]
    elif step not in steps:
        raise FileNotFoundError(f"{caller}: no checkpoint for step {step} in "
                                f"{os.fspath(directory)!r}; available steps: {steps}.")
    tree = load(_checkpoint_path(directory, step), like={"params": like[0], "opt_state": like[1]})
    return Checkpoint(step, tree["params"], tree["opt_state"])
