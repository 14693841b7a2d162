"""zenax.scipy.integrate: ``trapezoid``, the composite trapezoidal rule.

SciPy's spelling of ``zenax.numpy.trapezoid``: the same rule, arguments and dtypes.
"""
from __future__ import annotations

import zenax.lax.jnp as jnp
from zenax.lax.eager import compile_marked, compiled_when_eager
from zenax.lax.jnp.promotion import ArrayLike

__all__ = ["trapezoid"]


@compiled_when_eager(static_argnames=("axis",))
def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0,
              axis: int = -1):
    """Integrate the samples ``y`` along ``axis`` by the trapezoidal rule: at the sample
    points ``x`` if given, else at points a constant ``dx`` apart.

    >>> zenax.scipy.integrate.trapezoid(jnp.array([1., 2., 4.]), dx=0.5)
    Array(2.25, dtype=float32)
    >>> zenax.scipy.integrate.trapezoid(jnp.array([1., 2., 4.]), jnp.array([0., 1., 3.]))
    Array(7.5, dtype=float32)
    """
    return jnp.trapezoid(y, x, dx, axis)


compile_marked(globals())
