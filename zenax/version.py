"""zenax.version: the version of this zenax install.

``__version__`` is the installed package's version string (from its metadata);
``__version_info__`` the same as a tuple of ints, as ``jax.version`` gives them.

>>> isinstance(__version__, str), len(__version_info__) >= 3
(True, True)
"""
from __future__ import annotations

import importlib.metadata

__all__: list[str] = []

try:
    _version = importlib.metadata.version("zenax")
except importlib.metadata.PackageNotFoundError:   # a source tree that is not installed
    _version = "0.0.0"
__version__ = _version


def _version_as_tuple(version_str: str) -> tuple[int, ...]:
    return tuple(int(i) for i in version_str.split(".") if i.isdigit())


__version_info__ = _version_as_tuple(_version)
