"""zenax.scipy.special: SciPy's special functions with JAX's semantics.

The functions live in one module per family, all built on zenax.numpy and zenax.lax:

- ``special_softmax``: ``logsumexp``, ``softmax``, ``log_softmax`` (shared with zenax.nn);
- ``special_elementary``: ``expit``, ``logit``, ``boxcox``, ``boxcox1p``;
- ``special_info``: ``xlogy``, ``xlog1py``, ``entr``, ``rel_entr``, ``kl_div``;
- ``special_errors``: ``erf``, ``erfc``, ``erfcx``, ``wofz``, ``dawsn``;
- ``special_normal``: ``ndtr``, ``ndtri``, ``log_ndtr``;
- ``special_gamma``: the gamma, beta and zeta family, ``erfinv``, ``factorial``, ``comb``;
- ``special_bessel``: ``i0``, ``i0e``, ``i1``, ``i1e``, ``bessel_jn``;
- ``special_expint``: ``expi``, ``exp1``, ``expn``;
- ``special_integrals``: ``sici``, ``fresnel``, ``spence``, ``owens_t``;
- ``special_hyper``: ``hyp1f1``, ``hyp2f1``;
- ``special_harmonics``: ``sph_harm_y``; ``special_numbers``: ``bernoulli``.

Coefficient tables and converging series are evaluated by ``special_series``.  Called
eagerly on concrete arrays, each function runs as one compiled executable
(``compile_marked`` below), as ``jax.scipy.special``'s jitted functions do.

>>> jsp.special.logsumexp(jnp.array([0., 0.]))
Array(0.6931472, dtype=float32)
"""
from ..eager import compile_marked as _compile_marked
from . import special_bessel as _bessel, special_elementary as _elementary
from . import special_errors as _errors, special_expint as _expint, special_gamma as _gamma
from . import special_harmonics as _harmonics, special_hyper as _hyper, special_info as _info
from . import special_integrals as _integrals, special_normal as _normal
from . import special_numbers as _numbers, special_softmax as _softmax
from .special_bessel import *  # noqa: F401,F403
from .special_elementary import *  # noqa: F401,F403
from .special_errors import *  # noqa: F401,F403
from .special_expint import *  # noqa: F401,F403
from .special_gamma import *  # noqa: F401,F403
from .special_harmonics import *  # noqa: F401,F403
from .special_hyper import *  # noqa: F401,F403
from .special_info import *  # noqa: F401,F403
from .special_integrals import *  # noqa: F401,F403
from .special_normal import *  # noqa: F401,F403
from .special_numbers import *  # noqa: F401,F403
from .special_softmax import *  # noqa: F401,F403

_FAMILIES = (_bessel, _elementary, _errors, _expint, _gamma, _harmonics, _hyper, _info,
             _integrals, _normal, _numbers, _softmax)
__all__: list[str] = sorted(name for family in _FAMILIES for name in family.__all__)

_compile_marked(globals())
