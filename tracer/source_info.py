"""Where user code is: source lines for equations and tracebacks without our frames.

Every equation records the user's ``file:line`` (the innermost frame outside zenax) so
errors and the graph view can point at the line that produced it.  Public entry points
are wrapped in :func:`api_boundary`, which strips zenax's own frames from tracebacks the
way JAX's traceback filtering does, so the last frame a user sees is their own line.
"""
from __future__ import annotations

import functools
import os
import sys
import types
from typing import NamedTuple

# Files inside these folders are zenax internals (the four source folders and zenax/).
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL_DIRS = tuple(os.path.join(_ROOT, d) + os.sep
                       for d in ("tracer", "lax", "transforms", "models", "zenax"))
_EXTERNAL_LIBS = (os.sep + "jax" + os.sep, os.sep + "jaxlib" + os.sep,
                  os.sep + "contextlib.py", os.sep + "functools.py")


def is_internal_file(filename: str) -> bool:
    internal = _internal_files.get(filename)
    if internal is None:
        internal = _internal_files[filename] = (
            filename.startswith(_INTERNAL_DIRS) or any(s in filename for s in _EXTERNAL_LIBS)
            or filename.startswith(tuple(exclude_paths)))
    return internal


_internal_files: dict[str, bool] = {}   # one entry per source file seen


class _Exclusions(list):
    """Paths whose frames count as internal besides zenax's own: libraries built on
    zenax register their source folders (Flax and Equinox do, through JAX's name
    ``traceback_util.register_exclusion``), so errors and equations point at the user's
    line. A change forgets the cached answers."""

    def append(self, path: str) -> None:
        super().append(path)
        _internal_files.clear()

    def remove(self, path: str) -> None:
        super().remove(path)
        _internal_files.clear()


exclude_paths = _Exclusions()


def register_exclusion(path: str) -> None:
    """Count the frames of files under ``path`` as internal (hidden from tracebacks,
    skipped when recording the user's line)."""
    if path not in exclude_paths:
        exclude_paths.append(path)


class SourceInfo(NamedTuple):
    """The user's frame that produced an equation."""
    file: str
    line: int
    function: str

    def __str__(self):
        return f"{os.path.basename(self.file)}:{self.line} ({self.function})"


# One SourceInfo per user line: the thousands of equations a loop stages from one line
# share it, which keeps the objects a big trace leaves for the garbage collector to walk
# (and so tracing time) linear in the program's size.  Bounded: cleared when full.
_source_infos: dict[tuple, SourceInfo] = {}
_MAX_SOURCE_INFOS = 1 << 16


def user_frame() -> SourceInfo | None:
    """The innermost stack frame that is not zenax's own code."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if not is_internal_file(code.co_filename):
            key = (code.co_filename, frame.f_lineno, code.co_name)
            info = _source_infos.get(key)
            if info is None:
                if len(_source_infos) >= _MAX_SOURCE_INFOS:
                    _source_infos.clear()
                info = _source_infos[key] = SourceInfo(*key)
            return info
        frame = frame.f_back
    return None


def user_frame_str() -> str:
    info = user_frame()
    return f"{info.file}:{info.line} (in {info.function})" if info else "<unknown>"


_filtering = True


def set_traceback_filtering(enabled: bool) -> None:
    global _filtering
    _filtering = bool(enabled)


def _filter_traceback(tb):
    """Rebuild ``tb`` keeping only frames outside zenax (as JAX's traceback filtering)."""
    frames = []
    while tb is not None:
        if not is_internal_file(tb.tb_frame.f_code.co_filename):
            frames.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    new_tb = None
    for frame, lasti, lineno in reversed(frames):
        new_tb = types.TracebackType(new_tb, frame, lasti, lineno)
    return new_tb


def api_boundary(fun):
    """Decorate a public entry point: errors raised inside lose zenax's internal frames."""
    @functools.wraps(fun)
    def wrapper(*args, **kwargs):
        try:
            return fun(*args, **kwargs)
        except Exception as e:
            if _filtering:
                # Re-filter at every boundary: nested public calls leave no internal frames.
                # A bare ``raise`` re-raises with the filtered traceback without adding
                # this wrapper's frame back (as JAX's traceback_util does).
                e.with_traceback(_filter_traceback(e.__traceback__))
            raise
    return wrapper
