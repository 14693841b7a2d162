"""``jax.lib`` as zenax: the version of the runtime underneath.

JAX's ``jax.lib`` holds only ``__version__``, the version of ``jaxlib`` (the compiler
and runtime); tests check it to skip around known runtime bugs. zenax runs its programs
on that same ``jaxlib``, so the version is the installed one's.

>>> import jaxlib
>>> __version__ == jaxlib.__version__
True
"""
from __future__ import annotations

import importlib.metadata

__all__ = ["__version__"]

__version__ = importlib.metadata.version("jaxlib")
