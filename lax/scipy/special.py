"""zenax.scipy.special: SciPy's special functions with JAX's semantics.

The functions live in one module per family, all built on zenax.numpy and zenax.lax:

- ``special_softmax``: ``logsumexp``, ``softmax``, ``log_softmax`` (shared with zenax.nn);
- ``special_elementary``: ``expit``, ``logit``, ``boxcox``, ``boxcox1p``;
- ``special_info``: ``xlogy``, ``xlog1py``, ``entr``, ``rel_entr``, ``kl_div``;
- ``special_errors``: ``erf``, ``erfc``, ``erfcx``, ``wofz``, ``dawsn``;
- ``special_normal``: ``ndtr``, ``ndtri``, ``log_ndtr``;
- ``special_bessel``: ``i0``, ``i0e``, ``i1``, ``i1e``, ``bessel_jn``;
- ``special_expint``: ``expi``, ``exp1``, ``expn``;
- ``special_integrals``: ``sici``, ``fresnel``, ``spence``, ``owens_t``;
- ``special_hyper``: ``hyp1f1``, ``hyp2f1``;
- ``special_gamma``: the gamma, beta and zeta family, ``erfinv``, ``factorial``, ``comb``;

Coefficient tables and converging series are evaluated by ``special_series``.  Called eagerly on concrete
arrays, each function runs as one compiled executable (``compile_marked`` below), as
``jax.scipy.special``'s jitted functions do.

>>> jsp.special.logsumexp(jnp.array([0., 0.]))
Array(0.6931472, dtype=float32)
"""
from ..eager import compile_marked as _compile_marked
from . import special_gamma as _special_gamma
from .special_bessel import *  # noqa: F401,F403
from .special_elementary import *  # noqa: F401,F403
from .special_errors import *  # noqa: F401,F403
from .special_expint import *  # noqa: F401,F403
from .special_gamma import *  # noqa: F401,F403
from .special_hyper import *  # noqa: F401,F403
from .special_info import *  # noqa: F401,F403
from .special_integrals import *  # noqa: F401,F403
from .special_normal import *  # noqa: F401,F403
from .special_softmax import *  # noqa: F401,F403
from . import (special_bessel, special_elementary, special_errors, special_expint,  # noqa: E402
               special_hyper, special_info, special_integrals, special_normal,
               special_softmax)

__all__: list[str] = sorted(
    name for module in (special_bessel, special_elementary, special_errors, special_expint,
                        _special_gamma, special_hyper, special_info, special_integrals,
                        special_normal, special_softmax)
    for name in module.__all__)

_compile_marked(globals())
