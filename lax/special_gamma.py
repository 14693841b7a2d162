"""The gamma family of special-function primitives: ``polygamma``, the Hurwitz ``zeta``,
the regularized incomplete gamma functions ``igamma``/``igammac`` and the derivatives
``igamma_grad_a`` and ``random_gamma_grad``, and the regularized incomplete beta function
``regularized_incomplete_beta`` (public name ``betainc``).

Each is an elementwise primitive on floating-point operands of one dtype (rank-0 operands
broadcast), lowered to the ``jax.lax`` function of the same name.  Derivatives exist
exactly where JAX defines them:

* ``polygamma(m, x)``: ``d/dx = polygamma(m + 1, x)``; the order ``m`` is an integer
  index, so differentiating with respect to it is an error (ValueError, as JAX).  This
  rule also gives ``digamma`` its derivative, ``polygamma(1, x)`` -- registered here,
  beside the primitive it needs.
* ``igamma(a, x)``: ``d/dx`` is the gamma density ``x^(a-1) e^(-x) / Gamma(a)``, computed
  in log space; ``d/da`` has no closed form and is its own primitive,
  ``igamma_grad_a``.  ``igammac = 1 - igamma`` takes both with the opposite sign.
* ``regularized_incomplete_beta(a, b, x)``: ``d/dx`` is the beta density
  ``x^(a-1) (1-x)^(b-1) / B(a, b)``; ``a`` and ``b`` are not differentiable (ValueError).
* ``zeta`` and ``igamma_grad_a`` have no derivative (NotImplementedError, JAX's
  "differentiation rule not implemented"); ``zenax.scipy.special.zeta`` differentiates a
  series expansion instead.
* ``random_gamma_grad`` is not a primitive in JAX but a loop of lax operations, which JAX
  differentiates only in forward mode (reverse mode stops at its ``while_loop`` with a
  ValueError).  Here it is one primitive, lowered to that loop, and differentiating it
  raises the same ValueError in both modes.
"""
from __future__ import annotations

import jax

from zenax.tracer.core import bind
from zenax.tracer.source_info import user_frame_str

from .elementwise import (add, defjvp, digamma_p, elementwise, exp, lgamma, log, log1p, mul,
                          neg, sub)
from .registry import FLOAT, const, value_error

__all__ = ["polygamma", "polygamma_p", "zeta", "zeta_p", "igamma", "igamma_p", "igammac",
           "igammac_p", "igamma_grad_a", "igamma_grad_a_p", "random_gamma_grad",
           "random_gamma_grad_p", "betainc", "regularized_incomplete_beta_p"]

lax = jax.lax


def _not_differentiable(kind: type, prim_name: str, arg: str, why: str):
    """A jvp contribution that refuses: differentiating ``prim_name`` with respect to
    ``arg`` is an error of JAX's ``kind``.  It is called only for a nonzero tangent, so
    holding the argument fixed (a constant, or ``lax.stop_gradient``) is fine."""
    def rule(g, *primals, **params):
        msg = f"{prim_name}: cannot differentiate with respect to `{arg}`. {why}"
        if kind is ValueError:
            raise value_error(msg)
        raise kind(f"Differentiation rule for '{prim_name}' not implemented. {msg}\n"
                   f"  (at {user_frame_str()})")
    return rule


def _hold_fixed(*args: str) -> str:
    names = " and ".join(f"`{a}`" for a in args)
    return (f"JAX does not define this derivative either; hold {names} fixed (a "
            "constant, or wrapped in lax.stop_gradient).")


# --------------------------------------------------------------------------- polygamma
polygamma_p = elementwise("polygamma", 2, FLOAT, lax.polygamma)
defjvp(polygamma_p,
       _not_differentiable(ValueError, "polygamma", "m",
                           "It is the integer order of the derivative. " + _hold_fixed("m")),
       lambda g, m, x: mul(g, polygamma(add(m, const(m, 1)), x)))
defjvp(digamma_p, lambda g, x: mul(g, polygamma(const(x, 1), x)))

# --------------------------------------------------------------------------- zeta
zeta_p = elementwise("zeta", 2, FLOAT, lax.zeta)
_ZETA_HINT = ("JAX gives lax.zeta no derivative; zenax.scipy.special.zeta is differentiable "
              "in both arguments.")
defjvp(zeta_p, _not_differentiable(NotImplementedError, "zeta", "x", _ZETA_HINT),
       _not_differentiable(NotImplementedError, "zeta", "q", _ZETA_HINT))

# --------------------------------------------------------------------------- igamma family
igamma_p = elementwise("igamma", 2, FLOAT, lax.igamma)
igammac_p = elementwise("igammac", 2, FLOAT, lax.igammac)
igamma_grad_a_p = elementwise("igamma_grad_a", 2, FLOAT, lax.igamma_grad_a)


def _gamma_density(a, x):
    """``x^(a-1) e^(-x) / Gamma(a)``, the slope of ``igamma`` in ``x``."""
    return exp(sub(add(neg(x), mul(sub(a, const(a, 1)), log(x))), lgamma(a)))


defjvp(igamma_p, lambda g, a, x: mul(g, igamma_grad_a(a, x)),
       lambda g, a, x: mul(g, _gamma_density(a, x)))
defjvp(igammac_p, lambda g, a, x: neg(mul(g, igamma_grad_a(a, x))),
       lambda g, a, x: neg(mul(g, _gamma_density(a, x))))
_NO_SECOND = ("JAX gives igamma_grad_a (the derivative of igamma in `a`) no derivative of "
              "its own, so igamma is differentiable once in `a`.")
defjvp(igamma_grad_a_p,
       _not_differentiable(NotImplementedError, "igamma_grad_a", "a", _NO_SECOND),
       _not_differentiable(NotImplementedError, "igamma_grad_a", "x", _NO_SECOND))


def _random_gamma_grad_lower(a, x):
    # jax.lax's version reads `.shape` off its operands: make Python scalars (weakly
    # typed) arrays first.
    return lax.random_gamma_grad(*(v if hasattr(v, "shape") else lax.broadcast(v, ())
                                   for v in (a, x)))


random_gamma_grad_p = elementwise("random_gamma_grad", 2, FLOAT, _random_gamma_grad_lower)
_RGG_HINT = ("JAX computes it with a while_loop, which reverse mode cannot differentiate "
             "(forward mode differentiates JAX's loop); here it is one primitive with no "
             "derivative in either mode.")
defjvp(random_gamma_grad_p,
       _not_differentiable(ValueError, "random_gamma_grad", "a", _RGG_HINT),
       _not_differentiable(ValueError, "random_gamma_grad", "x", _RGG_HINT))

# --------------------------------------------------------------------------- betainc
regularized_incomplete_beta_p = elementwise("regularized_incomplete_beta", 3, FLOAT,
                                            lax.betainc)


def _beta_density(a, b, x):
    """``x^(a-1) (1-x)^(b-1) / B(a, b)``, the slope of ``betainc`` in ``x``."""
    one = const(a, 1)
    log_beta = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    return exp(sub(add(mul(sub(b, one), log1p(neg(x))), mul(sub(a, one), log(x))), log_beta))


_BETAINC_HINT = "Only `x` is differentiable: " + _hold_fixed("a", "b")
defjvp(regularized_incomplete_beta_p,
       _not_differentiable(ValueError, "betainc", "a", _BETAINC_HINT),
       _not_differentiable(ValueError, "betainc", "b", _BETAINC_HINT),
       lambda g, a, b, x: mul(g, _beta_density(a, b, x)))


# =========================================================================== public API

def polygamma(m, x):
    """The polygamma function ``psi^(m)(x)``, the ``m``-th derivative of digamma, for a
    floating-point order ``m`` holding a non-negative integer (other orders give NaN).

    >>> lax.polygamma(jnp.array([0., 1., 2.]), jnp.array([1., 1., 1.]))
    Array([-0.5772154,  1.644934 , -2.4041145], dtype=float32)
    """
    return bind(polygamma_p, m, x)


def zeta(x, q):
    """The Hurwitz zeta function ``sum_{n >= 0} (n + q)^-x``, elementwise (finite for
    ``x > 1``; ``q = 1`` gives Riemann's zeta).

    >>> lax.zeta(jnp.array([2., 4.]), jnp.array([1., 1.]))
    Array([1.644934 , 1.0823234], dtype=float32)
    """
    return bind(zeta_p, x, q)


def igamma(a, x):
    """The regularized lower incomplete gamma function ``P(a, x)``: the probability that
    a Gamma(``a``, 1) variable is at most ``x``.

    >>> lax.igamma(jnp.array([1., 2.]), jnp.array([1., 1.]))
    Array([0.6321202 , 0.26424113], dtype=float32)
    """
    return bind(igamma_p, a, x)


def igammac(a, x):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``.

    >>> lax.igammac(jnp.array([1., 2.]), jnp.array([1., 1.]))
    Array([0.36787927, 0.7357589 ], dtype=float32)
    """
    return bind(igammac_p, a, x)


def igamma_grad_a(a, x):
    """The derivative of ``igamma(a, x)`` with respect to ``a``.

    >>> lax.igamma_grad_a(jnp.array([1., 2.]), jnp.array([1., 1.]))
    Array([-0.43172967, -0.27619603], dtype=float32)
    """
    return bind(igamma_grad_a_p, a, x)


def random_gamma_grad(a, x):
    """How a sample ``x`` of Gamma(``a``, 1) moves with ``a`` when its uniform noise is
    held fixed (implicit reparameterization): ``-(d igamma / d a) / (d igamma / d x)``.

    >>> lax.random_gamma_grad(jnp.array([1., 2.]), jnp.array([1., 1.]))
    Array([1.1735635, 0.7507787], dtype=float32)
    """
    return bind(random_gamma_grad_p, a, x)


def betainc(a, b, x):
    """The regularized incomplete beta function ``I_x(a, b)``: the probability that a
    Beta(``a``, ``b``) variable is at most ``x`` (binds ``regularized_incomplete_beta``).

    >>> lax.betainc(jnp.array([2., 2.]), jnp.array([3., 3.]), jnp.array([0.25, 0.5]))
    Array([0.26171887, 0.6874998 ], dtype=float32)
    """
    return bind(regularized_incomplete_beta_p, a, b, x)
