"""zenax.transforms: jvp, linearize, vjp/grad, jacobians (and later vmap, jit, ...)."""
from .autodiff import grad, jvp, linearize, value_and_grad, vjp  # noqa: F401
from .jacobian import hessian, jacfwd, jacobian, jacrev, mode_costs  # noqa: F401
from .cost import Cost, jaxpr_cost, jaxpr_flops  # noqa: F401  (zenax.cost: cost.cost)
from .vmap import vmap  # noqa: F401
from .jit import ShapeDtypeStruct, eval_shape, jit  # noqa: F401
from . import passes  # noqa: F401
from .runtime import (block_until_ready, default_backend, device_put, devices,  # noqa: F401
                      disable_jit, local_devices)
from . import control_flow as _control_flow  # noqa: F401,E402  (registers rules)
from .custom_derivatives import custom_jvp, custom_vjp  # noqa: F401,E402
from .remat import checkpoint, checkpoint_policies, remat  # noqa: F401,E402
