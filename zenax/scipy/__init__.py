"""zenax.scipy: SciPy's API with JAX's semantics (``jax.scipy``'s surface).

>>> import zenax.scipy as jsp
>>> jsp.special.logsumexp(jnp.array([0.0, 0.0]))
Array(0.6931472, dtype=float32)

The modules live in ``zenax.lax.scipy`` (and ``optimize``, which calls ``grad``, in
``zenax.transforms.scipy_optimize``); this package registers each of them under its
``zenax.scipy`` name, so ``import zenax.scipy.stats.norm`` and
``from zenax.scipy.special import erf`` work as their ``jax.scipy`` spellings do.
"""
import importlib as _importlib
import pkgutil as _pkgutil
import sys as _sys

import zenax.lax.scipy as _impl
from zenax.transforms import scipy_optimize as optimize  # noqa: F401


def _register(package, public_name):
    for info in _pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = _importlib.import_module(info.name)
        _sys.modules[public_name + info.name[len(package.__name__):]] = module


_register(_impl, __name__)
_sys.modules[__name__ + ".optimize"] = optimize
from zenax.lax.scipy import (cluster, fft, integrate, interpolate, linalg, ndimage,  # noqa: F401,E402
                             signal, sparse, spatial, special, stats)
