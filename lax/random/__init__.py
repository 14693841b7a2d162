"""zenax.random: JAX's PRNG API on Threefry-2x32 keys, bit-identical to ``jax.random``.

Keys come in JAX's two kinds: raw ``uint32[2]`` arrays (what ``PRNGKey`` returns) and
typed key arrays (``random.key(s)``: dtype ``key<fry>``, see ``typed_keys``); every
function takes either.

Every sampler is a composition of ``zenax.lax`` functions (random bits from
``threefry2x32``, then the same float/integer arithmetic as JAX, in the same order), so it
works under ``jit``, ``vmap`` (e.g. over a batch of keys) and autodiff, and gives the same
bits as ``jax.random`` for the same key:

>>> key = random.PRNGKey(0)
>>> k1, k2 = random.split(key)
>>> random.normal(k1, (3,))
Array([ 1.0040143, -0.9063372, -0.7481722], dtype=float32)

The modules, one idea each (threefry itself is ``zenax.lax.prng``):

- ``keys``: seeding, ``split``, ``fold_in``, ``bits``, and the key-data views.
- ``continuous``: uniform, normal, truncated_normal, exponential, gumbel.
- ``discrete``: bernoulli, randint, categorical.
- ``permutations``: permutation, choice.
- ``gamma_family``: gamma, loggamma, beta, dirichlet, chisquare, f, t -- every gamma draw
  through the ``random_gamma_p`` primitive (``random_gamma``), which carries the implicit
  derivative in the shape parameter.
- ``counting``: poisson, binomial, multinomial, geometric.
- ``transformed``: closed-form transforms of uniform or normal draws (laplace, logistic,
  cauchy, lognormal, pareto, weibull_min, rayleigh, wald, maxwell, double_sided_maxwell,
  triangular, rademacher).
- ``geometry``: generalized_normal, ball, orthogonal, multivariate_normal.
- ``arguments``: the argument checks the samplers share;
  ``staging``: running a sampler as one compiled program, which JAX's bits depend on.

A new sampler family gets its own module next to these, importing its helpers from
``arguments``, ``keys`` and ``staging``.
"""
from .continuous import exponential, gumbel, normal, truncated_normal, uniform
from .counting import binomial, geometric, multinomial, poisson
from .discrete import bernoulli, categorical, randint
from .gamma_family import beta, chisquare, dirichlet, f, gamma, loggamma, random_gamma_p, t
from .geometry import ball, generalized_normal, multivariate_normal, orthogonal
from .keys import (PRNGKey, bits, clone, fold_in, key, key_data, key_dtype, key_impl,
                   split, wrap_key_data)
from .permutations import choice, permutation
from .transformed import (cauchy, double_sided_maxwell, laplace, logistic, lognormal, maxwell,
                          pareto, rademacher, rayleigh, triangular, wald, weibull_min)

__all__ = ["PRNGKey", "key", "key_data", "wrap_key_data", "split", "fold_in", "bits",
           "clone", "key_dtype", "key_impl",
           "uniform", "normal", "truncated_normal", "bernoulli", "randint", "gumbel",
           "exponential", "categorical", "permutation", "choice",
           "gamma", "loggamma", "beta", "dirichlet", "chisquare", "f", "t", "random_gamma_p",
           "poisson", "binomial", "multinomial", "geometric",
           "laplace", "logistic", "cauchy", "lognormal", "pareto", "weibull_min", "rayleigh",
           "wald", "maxwell", "double_sided_maxwell", "triangular", "rademacher",
           "generalized_normal", "ball", "orthogonal", "multivariate_normal"]
