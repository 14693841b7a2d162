"""zenax.random: JAX's PRNG API (threefry2x32 keys, bit-identical to ``jax.random``).

>>> from zenax import random
>>> key = random.key(0)
>>> x = random.uniform(random.fold_in(key, 1), (2, 3))

Keys are typed key arrays (``random.key``, dtype ``key<fry>``) or their raw ``uint32[2]``
data (``random.PRNGKey``); every function takes both.  The implementation lives in
``zenax.lax.random``.
"""
from zenax.lax.random import (PRNGKey, ball, bernoulli, beta, binomial, bits,
                              categorical, cauchy, chisquare, choice, dirichlet,
                              double_sided_maxwell, exponential, f, fold_in, gamma,
                              generalized_normal, geometric, gumbel, key, key_data, laplace,
                              loggamma, logistic, lognormal, maxwell, multinomial,
                              multivariate_normal, normal, orthogonal, pareto, permutation,
                              poisson, rademacher, randint, random_gamma_p, rayleigh, split, t,
                              triangular, truncated_normal, uniform, wald, weibull_min,
                              wrap_key_data)
from zenax.lax.random.keys import clone, key_dtype, key_impl

__all__ = ["ball", "bernoulli", "beta", "binomial", "bits", "categorical", "cauchy",
           "chisquare", "choice", "clone", "dirichlet", "double_sided_maxwell",
           "exponential", "f", "fold_in", "gamma", "generalized_normal", "geometric",
           "gumbel", "key", "key_data", "key_dtype", "key_impl", "laplace", "loggamma",
           "logistic", "lognormal", "maxwell", "multinomial", "multivariate_normal",
           "normal", "orthogonal", "pareto", "permutation", "poisson", "PRNGKey",
           "rademacher", "randint", "random_gamma_p", "rayleigh", "split", "t",
           "triangular", "truncated_normal", "uniform", "wald", "weibull_min",
           "wrap_key_data"]
