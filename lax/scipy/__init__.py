"""zenax.lax.scipy: SciPy's API with JAX's semantics, built on zenax.numpy and zenax.lax.

One module per idea, as ``jax.scipy`` has them: ``special`` (special functions),
``stats`` (a package, one module per distribution), ``linalg``, ``fft`` (DCTs), ``signal``,
``integrate``, ``ndimage``, ``interpolate``, ``cluster.vq``, ``sparse.linalg`` (iterative
solvers on ``lax.custom_linear_solve``) and ``spatial.transform``.  ``optimize`` calls
``grad``, so it sits above the transforms (``zenax.transforms.scipy_optimize``); the
public ``zenax.scipy`` namespace joins the two.
"""
from . import (cluster, fft, integrate, interpolate, linalg, ndimage, signal,  # noqa: F401
               sparse, spatial, special, stats)
