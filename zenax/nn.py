"""zenax.nn: activations, softmax family, one_hot, initializers (``jax.nn``'s surface)."""
from zenax.models.nn import (celu, elu, gelu, glu, hard_sigmoid, hard_silu, hard_tanh,  # noqa: F401
                             leaky_relu, log_sigmoid, log_softmax, logsumexp, one_hot, relu,
                             relu6, selu, sigmoid, silu, soft_sign, softmax, softplus,
                             standardize, swish)
from zenax.models import initializers  # noqa: F401,E402
from zenax.models.attention import dot_product_attention  # noqa: F401,E402
