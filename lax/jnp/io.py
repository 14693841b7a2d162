"""Arrays from functions, buffers, strings and DLPack; NumPy's ``.npy``/``.npz`` files.

Parsing and file formats are NumPy's: ``frombuffer``/``fromstring`` parse with NumPy and
put the result on the device, ``load`` reads with ``numpy.load`` (never unpickling: it
refuses ``allow_pickle=True``; ``save``/``savez`` accept the argument, as JAX's, but never
write a pickle -- arrays of numbers need none) and gives back the
``bfloat16`` that NumPy writes as raw 2-byte records.  ``save``/``savez`` to a path write a
temporary file next to it and rename it into place, so a crash or an error leaves the
old file or the new one, never half of one.  ``fromiter``/``fromfile`` are left out, as
in JAX: they consume an iterator or a file, which a traced (re-run) function must not do.
"""
from __future__ import annotations

import os
import secrets
from typing import IO, Any, Callable

import numpy as np

from zenax.tracer import dtypes as _dtypes
from zenax.tracer.source_info import user_frame_str
from zenax.tracer.core import Tracer

from .array_methods import Array
from .creation import arange, canonical_shape
from .promotion import DTypeLike, asarray
from .vectorization import batching_transform

__all__ = ["fromfunction", "frombuffer", "fromstring", "fromiter", "fromfile", "from_dlpack",
           "load", "save", "savez"]


def fromfunction(function: Callable[..., Any], shape: Any, *, dtype: DTypeLike = float,
                 **kwargs):
    """An array whose element at ``(i, j, ...)`` is ``function(i, j, ...)``.

    ``function`` is called on scalar indices (of ``dtype``) and mapped over the grid with
    ``vmap``; it may return a pytree, whose leaves get the leading dimensions ``shape``.
    ``kwargs`` are passed to it unmapped.

    >>> jnp.fromfunction(lambda i, j: i * 10 + j, (2, 3), dtype=int)
    Array([[ 0,  1,  2],
           [10, 11, 12]], dtype=int32)
    """
    shape = canonical_shape("fromfunction", shape)
    vmap = batching_transform()
    mapped = (lambda *indices: function(*indices, **kwargs)) if kwargs else function
    # Innermost vmap maps the last index: its dimension ends up last.
    for axis in reversed(range(len(shape))):
        mapped = vmap(mapped, in_axes=tuple(0 if a == axis else None
                                            for a in range(len(shape))))
    return mapped(*(arange(n, dtype=dtype) for n in shape))


def frombuffer(buffer: bytes | Any, dtype: DTypeLike = float, count: int = -1,
               offset: int = 0):
    """A 1-D array read from the bytes of ``buffer`` (anything with the buffer protocol).

    >>> jnp.frombuffer(b"\\x01\\x02\\x03", dtype=jnp.uint8)
    Array([1, 2, 3], dtype=uint8)
    """
    return asarray(np.frombuffer(buffer, dtype=dtype, count=count, offset=offset))


def fromstring(string: str, dtype: DTypeLike = float, count: int = -1, *, sep: str):
    """A 1-D array parsed from text values separated by ``sep``.

    >>> jnp.fromstring("1, 2, 3", dtype=int, sep=",")
    Array([1, 2, 3], dtype=int32)
    """
    return asarray(np.fromstring(string, dtype=dtype, count=count, sep=sep))


def _impure(name: str, what: str):
    def unavailable(*args, **kwargs):
        raise NotImplementedError(
            f"jnp.{name}() is not implemented: it consumes {what}, so a function using it "
            f"is not pure, and transformations (jit, vmap, grad) may run it again or not at "
            f"all.  Read the data with NumPy first: jnp.asarray(np.{name}(...)).")
    unavailable.__name__ = unavailable.__qualname__ = name
    unavailable.__doc__ = (f"Not implemented (raises NotImplementedError): use "
                           f"``jnp.asarray(np.{name}(...))`` outside transformed code.")
    return unavailable


fromiter = _impure("fromiter", "an iterator")
fromfile = _impure("fromfile", "a file")


def from_dlpack(x: Any, /, *, device=None, copy: bool | None = None):
    """An array from an object exporting DLPack (``__dlpack__``), such as a NumPy array,
    a JAX array or a CPU tensor of another library.

    >>> import numpy as np
    >>> jnp.from_dlpack(np.arange(3.0, dtype=np.float32))
    Array([0., 1., 2.], dtype=float32)
    """
    if isinstance(x, Tracer) or not (hasattr(x, "__dlpack__")
                                     and hasattr(x, "__dlpack_device__")):
        raise TypeError(f"from_dlpack: the argument must have __dlpack__ and "
                        f"__dlpack_device__ methods, got {type(x).__name__}.")
    if isinstance(x, Array):
        return x   # a concrete jax.Array already is a zenax array (and immutable)
    return asarray(np.from_dlpack(x, copy=copy), device=device)


def load(file: IO[bytes] | str | os.PathLike, *args: Any, **kwargs: Any):
    """Read an array saved by :func:`save` (or ``numpy.save``); arguments as
    ``numpy.load``'s.  A ``.npz`` archive comes back as NumPy's ``NpzFile``.

    >>> import io
    >>> f = io.BytesIO()
    >>> jnp.save(f, jnp.array([1, 2], dtype=jnp.bfloat16))
    >>> _ = f.seek(0)
    >>> jnp.load(f)
    Array([1, 2], dtype=bfloat16)
    """
    if kwargs.get("allow_pickle") or (len(args) > 1 and args[1]):
        raise ValueError("load: zenax never unpickles a file (a pickle can run any code); "
                         "arrays of numbers are stored without one, so allow_pickle=True is "
                         f"not needed (at {user_frame_str()}).")
    out = np.load(file, *args, **kwargs)
    if not isinstance(out, np.ndarray):
        return out
    if out.dtype == np.dtype("V2"):
        # NumPy has no bfloat16: it writes one as an anonymous 2-byte record.
        out = out.view(_dtypes.bfloat16)
    try:
        return asarray(out)
    except (TypeError, ValueError):   # a dtype arrays cannot hold (strings, objects)
        return out


def _atomic_write(path, suffix: str, write: Callable[[IO[bytes]], None]) -> None:
    """Write a file at ``path`` (NumPy's naming: ``suffix`` added if missing) through a
    temporary file in the same directory, renamed over the target once complete."""
    path = os.fspath(path)
    if not path.endswith(suffix):
        path += suffix
    temp = f"{path}.{secrets.token_hex(4)}.tmp"
    try:
        with open(temp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


def _is_path(file) -> bool:
    return isinstance(file, (str, os.PathLike))


def save(file: IO[bytes] | str | os.PathLike, arr: Any, allow_pickle: bool = True) -> None:
    """Save ``arr`` in NumPy's ``.npy`` format (``.npy`` is added to a path without it).

    >>> import io
    >>> f = io.BytesIO()
    >>> jnp.save(f, jnp.arange(3))
    >>> _ = f.seek(0)
    >>> jnp.load(f)
    Array([0, 1, 2], dtype=int32)
    """
    host = np.asarray(arr)   # before any file exists: a tracer fails here
    if not _is_path(file):
        np.save(file, host, allow_pickle=False)
        return
    _atomic_write(file, ".npy", lambda f: np.save(f, host, allow_pickle=False))


def savez(file: IO[bytes] | str | os.PathLike, *args: Any, allow_pickle: bool = True,
          **kwds: Any) -> None:
    """Save several arrays in one uncompressed ``.npz`` archive: positional ones as
    ``arr_0``, ``arr_1``, ..., keyword ones under their names.

    >>> import io
    >>> f = io.BytesIO()
    >>> jnp.savez(f, x=jnp.arange(2), y=jnp.ones(2))
    >>> _ = f.seek(0)
    >>> sorted(jnp.load(f).files)
    ['x', 'y']
    """
    hosts = [np.asarray(a) for a in args]
    named = {k: np.asarray(v) for k, v in kwds.items()}
    if not _is_path(file):
        np.savez(file, *hosts, allow_pickle=False, **named)
        return
    _atomic_write(file, ".npz",
                  lambda f: np.savez(f, *hosts, allow_pickle=False, **named))
