"""zenax.nn: activations, softmax family, one_hot, initializers (``jax.nn``'s surface)."""
import sys as _sys

from zenax.models.nn import (celu, elu, gelu, glu, hard_sigmoid, hard_silu,  # noqa: F401
                             hard_swish, hard_tanh, identity, leaky_relu, log1mexp,
                             log_sigmoid, log_softmax, logmeanexp, logsumexp, mish, one_hot,
                             relu, relu6, selu, sigmoid, silu, soft_sign, softmax, softplus,
                             sparse_plus, sparse_sigmoid, squareplus, standardize, swish, tanh)
from zenax.models import initializers  # noqa: F401,E402
from zenax.models.attention import dot_product_attention  # noqa: F401,E402
from zenax.lax.eager import compile_marked as _compile_marked  # noqa: E402

# `import zenax.nn.initializers` works as `import jax.nn.initializers` does, though this
# module is a file, not a package: register the submodule by name (as zenax.numpy does).
_sys.modules[__name__ + ".initializers"] = initializers

from zenax.models.nn_scaled import (get_scaled_dot_general_config,  # noqa: F401,E402
                                    scaled_dot_general, scaled_matmul)

# Called eagerly on a concrete array, each function marked ``@compiled_when_eager`` in
# models/nn.py runs as one compiled executable (as jax.nn's jitted functions do; see
# lax/eager.py) instead of dispatching op by op.
_compile_marked(globals())
