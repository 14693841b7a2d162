"""``jax._src.traceback_util`` as zenax: hide a library's frames like zenax's own.

Libraries built on JAX (Equinox, Flax, jaxtyping) call ``register_exclusion(__file__)``
so that their frames are dropped from the tracebacks of errors raised through them, and
wrap their entry points in ``api_boundary``; Flax adds and removes paths in
``_exclude_paths`` to show or hide its frames. Under ``zenax.install_as_jax()`` all three
are zenax's (``zenax.tracer.source_info``): an excluded file also counts as internal
when zenax records the user's line for an equation.

>>> register_exclusion("/nonexistent/library/")
>>> from zenax.tracer.source_info import is_internal_file
>>> is_internal_file("/nonexistent/library/layers.py")
True
>>> include_filename("/nonexistent/library/layers.py")
False
>>> _exclude_paths.remove("/nonexistent/library/")
"""
from __future__ import annotations

import types

from zenax.tracer.source_info import api_boundary, is_internal_file, register_exclusion
from zenax.tracer.source_info import exclude_paths as _exclude_paths

__all__ = ["_exclude_paths", "api_boundary", "include_filename", "include_frame",
           "register_exclusion"]


def include_filename(filename: str) -> bool:
    """Whether a traceback keeps frames of ``filename`` (a file that is neither zenax's
    nor JAX's nor an excluded library's)."""
    return not is_internal_file(filename)


def include_frame(frame: types.FrameType) -> bool:
    """Whether a traceback keeps ``frame`` (Equinox walks the stack with it to point an
    error at the user's line)."""
    return include_filename(frame.f_code.co_filename)
