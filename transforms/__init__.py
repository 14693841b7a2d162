"""zenax.transforms: jvp, linearize, vjp/grad, jacobians (and later vmap, jit, ...)."""
from .autodiff import grad, jvp, linearize, value_and_grad, vjp  # noqa: F401
from .jacobian import hessian, jacfwd, jacobian, jacrev, mode_costs  # noqa: F401
from .cost import jaxpr_flops  # noqa: F401
from .vmap import vmap  # noqa: F401
