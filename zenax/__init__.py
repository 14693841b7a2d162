"""zenax: a JAX-like functional transformation library written from scratch.

>>> import zenax, zenax.numpy as jnp
>>> print(zenax.make_jaxpr(lambda x: jnp.sin(x) * 2.0)(1.0))
{ lambda ; a:f32[]. let b:f32[] = sin a; c:f32[] = mul b 2.0:f32[] in (c,) }
"""
from zenax.transforms.make_jaxpr import make_jaxpr  # noqa: F401
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, eval_jaxpr, typecheck_jaxpr  # noqa: F401
from zenax.tracer.errors import (ConcretizationTypeError, TracerArrayConversionError,  # noqa: F401
                                 TracerBoolConversionError, TracerIntegerConversionError,
                                 UnexpectedTracerError)

import jax as _jax
from zenax.tracer.array_type import Array  # noqa: F401  (a jax.Array or a tracer)

from . import lax  # noqa: F401
from zenax.lax import stop_gradient  # noqa: F401
from zenax.transforms import (grad, hessian, jacfwd, jacobian, jacrev, jvp, linearize,  # noqa: F401
                              value_and_grad, vjp, vmap)
from zenax.transforms import checkpoint, remat  # noqa: F401
from zenax.lax.custom_derivatives import custom_jvp, custom_vjp  # noqa: F401
from zenax.lax import checkpoint_name  # noqa: F401
from zenax.transforms import (ShapeDtypeStruct, block_until_ready, default_backend,  # noqa: F401
                              device_put, devices, disable_jit, eval_shape, jit, local_devices)
from zenax.transforms.jit import clear_caches  # noqa: F401
from zenax.transforms.cost import Cost, cost  # noqa: F401

from zenax.tracer.leaks import checking_leaks  # noqa: F401

from . import config  # noqa: F401
from . import numpy  # noqa: F401  (also gives tracers their array methods)
from . import debug  # noqa: F401
from . import graph  # noqa: F401
from . import io  # noqa: F401
from . import nn  # noqa: F401
from . import losses  # noqa: F401
from . import optim  # noqa: F401
from . import training  # noqa: F401
from . import random  # noqa: F401
from . import models  # noqa: F401
from . import test_util  # noqa: F401
from . import tree_util  # noqa: F401
from . import scipy  # noqa: F401
from . import example_libraries  # noqa: F401
from . import image  # noqa: F401

# JAX's remaining user namespaces and top-level names (issue 24).
from . import (ad_checkpoint, custom_batching, dtypes, flatten_util, tree,  # noqa: F401,E402
               typing)
from zenax.transforms.checkpoint_policies import checkpoint_policies  # noqa: F401,E402
from zenax.lax.refs import typeof  # noqa: F401,E402
from zenax.lax.dtypes_api import float0  # noqa: F401,E402
from zenax.lax.callbacks import pure_callback  # noqa: F401,E402
from zenax.lax.closure_conversion import closure_convert, custom_gradient  # noqa: F401,E402
from zenax.transforms.linear_transpose import linear_transpose  # noqa: F401,E402
from zenax.transforms.fwd_and_bwd import fwd_and_bwd  # noqa: F401,E402
from zenax.transforms.trace_contexts import (ensure_compile_time_eval,  # noqa: F401,E402
                                             named_call, named_scope)
from zenax.transforms.runtime_info import (  # noqa: F401,E402
    copy_to_host_async, device_count, device_get, effects_barrier, host_count, host_id, host_ids,
    live_arrays, local_device_count, make_array_from_callback,
    make_array_from_process_local_data, make_array_from_single_device_arrays,
    print_environment_info, process_count, process_index, process_indices)
# Config options as context managers (``with zenax.enable_x64(True): ...``).
from .config_options import *  # noqa: F401,F403,E402
from zenax.transforms.config_contexts import make_user_context  # noqa: F401,E402
transfer_guard = _jax.transfer_guard   # all three guards; zenax's arrays are JAX's
from zenax.as_jax import install_as_jax, uninstall_as_jax  # noqa: F401,E402

# Scale-out (issue 25): meshes and shardings are JAX's runtime objects; shard_map, pmap and
# the collectives are zenax's own transforms and primitives.
from . import sharding  # noqa: F401,E402
from zenax.transforms.sharding import (NamedSharding, PartitionSpec as P, make_mesh,  # noqa: F401,E402
                                       set_mesh)
from zenax.transforms.shard_map import shard_map, smap  # noqa: F401,E402
from zenax.transforms.pmap import pmap  # noqa: F401,E402
from zenax.transforms.sharding import reshard  # noqa: F401,E402
Shard = _jax.Shard

# JAX's remaining public namespaces (issue 24).
from . import custom_derivatives, errors, stages  # noqa: F401,E402
from . import experimental  # noqa: F401,E402
from . import ops  # noqa: F401,E402
from . import ref  # noqa: F401,E402
from zenax.lax.refs import Ref, ds, empty_ref, free_ref, freeze, new_ref  # noqa: F401,E402
from . import distributed, dlpack, memory, monitoring, profiler, version  # noqa: F401,E402
from .version import __version__, __version_info__  # noqa: F401,E402
Device = _jax.Device
from zenax.models.quantize import dequantize, quantize  # noqa: F401,E402
