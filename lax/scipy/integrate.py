"""zenax.scipy.integrate: ``trapezoid``, the composite trapezoidal rule.

SciPy's spelling of ``zenax.numpy.trapezoid`` -- the same function, as in JAX.

>>> zenax.scipy.integrate.trapezoid(jnp.array([1., 2., 4.]), dx=0.5)
Array(2.25, dtype=float32)
"""
from __future__ import annotations

from zenax.lax.jnp import trapezoid

__all__ = ["trapezoid"]
