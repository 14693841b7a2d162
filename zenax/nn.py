"""zenax.nn: activations, softmax family, one_hot, initializers (``jax.nn``'s surface)."""
from zenax.models.nn import (celu, elu, gelu, glu, hard_sigmoid, hard_silu, hard_tanh,  # noqa: F401
                             leaky_relu, log_sigmoid, log_softmax, logsumexp, one_hot, relu,
                             relu6, selu, sigmoid, silu, soft_sign, softmax, softplus,
                             standardize, swish)
from zenax.models import initializers  # noqa: F401,E402
from zenax.models.attention import dot_product_attention  # noqa: F401,E402
from zenax.lax.eager import compile_marked as _compile_marked  # noqa: E402

# Called eagerly on a concrete array, each function marked ``@compiled_when_eager`` in
# models/nn.py runs as one compiled executable (as jax.nn's jitted functions do; see
# lax/eager.py) instead of dispatching op by op.
_compile_marked(globals())
