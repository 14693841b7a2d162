"""jit's switches (``zenax.config.update`` sets them) and its compile log.

Kept apart from ``jit.py`` because both the ``jit`` wrapper and the eager impl of
``jit_call`` (``jit_call.py``) compile programs and log them, and ``jit.py`` imports
``jit_call.py``: a shared module below both avoids an import cycle.
"""
from __future__ import annotations

import logging

logger = logging.getLogger("zenax.jit")


class _Config:
    """Switches read by jit (set through ``zenax.config.update``)."""
    disable_jit = False
    log_compiles = False
    explain_cache_misses = False
    # Traced signatures (jaxpr + executable) kept per jitted function; the least recently
    # used is dropped beyond this ("zenax_jit_cache_size").
    cache_size = 1024


config = _Config()


def _avals_str(avals) -> str:
    return "[" + ", ".join(a.str_short() + ("{weak}" if a.weak_type else "") for a in avals) + "]"


def _log_compile(name: str, in_avals, trace_time: float) -> None:
    if config.log_compiles:
        logger.warning("Compiling %s with global shapes and types %s (traced in %.1f ms).",
                       name, _avals_str(in_avals), 1e3 * trace_time)
