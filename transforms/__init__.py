"""zenax.transforms: jvp, linearize, vjp/grad, jacobians, vmap, jit and its AOT stages, remat, and
the rules of the higher-order primitives (control flow, custom derivatives)."""
from .autodiff import grad, jvp, linearize, value_and_grad, vjp  # noqa: F401
from .jacobian import hessian, jacfwd, jacobian, jacrev, mode_costs  # noqa: F401
from .cost import Cost, jaxpr_cost, jaxpr_flops  # noqa: F401  (zenax.cost: cost.cost)
from .vmap import vmap  # noqa: F401
from .jit import eval_shape, jit  # noqa: F401
from .stages import ShapeDtypeStruct  # noqa: F401
from . import passes  # noqa: F401
from .runtime import (block_until_ready, default_backend, devices,  # noqa: F401
                      disable_jit, local_devices)
from . import control_flow as _control_flow  # noqa: F401,E402  (registers rules)
from . import custom_derivatives as _custom_derivatives  # noqa: F401,E402  (registers rules)
from . import custom_solvers as _custom_solvers  # noqa: F401,E402  (registers rules)
from . import custom_batching as _custom_batching  # noqa: F401,E402  (registers rules)
from zenax.lax.custom_derivatives import custom_jvp, custom_vjp  # noqa: F401,E402
from .remat import checkpoint, remat  # noqa: F401,E402

# zenax.numpy's vectorize, apply_along_axis and fromfunction map a function with vmap, a
# layer above them: hand it down (as tracer.leaks hands tracer.core its hook).
from zenax.lax.jnp.vectorization import install_vmap as _install_vmap  # noqa: E402
_install_vmap(vmap)
from zenax.lax.control_flow import install_vmap as _install_map_vmap  # noqa: E402
_install_map_vmap(vmap)       # lax.map(batch_size=) and the jvp of a general lax.reduce

# Scale-out: shardings, device_put with shardings, shard_map / smap, pmap.
from .sharding import device_put  # noqa: F401,E402
from .shard_map import shard_map, smap  # noqa: F401,E402
from .pmap import pmap  # noqa: F401,E402
