"""zenax: a JAX-like functional transformation library written from scratch.

>>> import zenax, zenax.numpy as jnp
>>> print(zenax.make_jaxpr(lambda x: jnp.sin(x) * 2.0)(1.0))
{ lambda ; a:f32[]. let
    b:f32[] = sin a
    c:f32[] = mul b 2.0:f32[]
  in (c,) }
"""
from zenax.tracer.make_jaxpr import make_jaxpr  # noqa: F401
from zenax.tracer.ir import ClosedJaxpr, Jaxpr, eval_jaxpr, typecheck_jaxpr  # noqa: F401
from zenax.tracer.errors import (ConcretizationTypeError, TracerArrayConversionError,  # noqa: F401
                                 TracerBoolConversionError, TracerIntegerConversionError,
                                 UnexpectedTracerError)

import jax as _jax
Array = _jax.Array  # concrete arrays are jax.Array (XLA buffers)

from . import lax  # noqa: F401
from zenax.lax import stop_gradient  # noqa: F401
from zenax.transforms import (grad, hessian, jacfwd, jacobian, jacrev, jvp, linearize,  # noqa: F401
                              value_and_grad, vjp, vmap)
from zenax.transforms import checkpoint, checkpoint_policies, remat  # noqa: F401
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
