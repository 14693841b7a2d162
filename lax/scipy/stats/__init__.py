"""zenax.scipy.stats: probability distributions and sample statistics with JAX's
semantics (``jax.scipy.stats``'s surface), built on zenax.numpy, zenax.lax and
zenax.scipy.special.

One module per distribution, each with the functions JAX's module of the same name has
(``logpdf``/``pdf``, ``cdf``/``logcdf``, ``sf``/``logsf``, ``ppf``/``isf``,
``logpmf``/``pmf``, ``entropy``), with SciPy's ``loc``/``scale`` parameters where SciPy has
them:

>>> from zenax.scipy.stats import norm
>>> norm.cdf(jnp.array([-1.0, 0.0, 1.0]))
Array([0.15865527, 0.5       , 0.8413447 ], dtype=float32)

- continuous: ``norm``, ``truncnorm``, ``multivariate_normal``, ``uniform``, ``expon``,
  ``laplace``, ``logistic``, ``cauchy``, ``gumbel_l``, ``gumbel_r``, ``pareto``, ``t``,
  ``chi2``, ``gamma``, ``beta``, ``gennorm``, ``dirichlet``, ``vonmises``,
  ``wrapcauchy``;
- discrete: ``bernoulli``, ``geom``, ``binom``, ``nbinom``, ``betabinom``, ``poisson``,
  ``multinomial``;
- ``kde``: ``gaussian_kde``; ``summaries``: ``mode``, ``rankdata``, ``sem``.

Arguments are promoted to one inexact dtype and broadcast (``_common``); values outside a
distribution's support give JAX's ``-inf``/0/1, and invalid parameters NaN, rather than
raising.  Functions JAX compiles (``truncnorm``'s, ``betabinom.logpmf``,
``poisson.entropy``, the summaries) run as one compiled executable when called eagerly.
"""
from zenax.lax.eager import compile_marked as _compile_marked

from . import (bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma,
               gennorm, geom, gumbel_l, gumbel_r, laplace, logistic, multinomial,
               multivariate_normal, nbinom, norm, pareto, poisson, summaries, t, truncnorm,
               uniform, vonmises, wrapcauchy)

__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet",
           "expon", "gamma", "gaussian_kde", "gennorm", "geom", "gumbel_l", "gumbel_r",
           "laplace", "logistic", "mode", "multinomial", "multivariate_normal", "nbinom",
           "norm", "pareto", "poisson", "rankdata", "sem", "t", "truncnorm", "uniform",
           "vonmises", "wrapcauchy"]

for _module in (betabinom, poisson, summaries, truncnorm):
    _compile_marked(vars(_module))

from .kde import gaussian_kde  # noqa: E402
from .summaries import mode, rankdata, sem  # noqa: E402
