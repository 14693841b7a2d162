"""The checks and conversions every sampler applies to its arguments before drawing bits.

A key must be a typed key or raw ``uint32[2]`` key data, a shape a sequence of static ints, a dtype of
the right kind, a parameter a number or an array of numbers; each check raises JAX's error
kind with the sampler's name.  ``_out_sharded`` places a sample as its ``out_sharding=``
asks (see there).  A parameter's shape must broadcast to the sample's shape
by NumPy's rule (``zenax.tracer.shapes``), as in JAX; the samplers then broadcast the
parameters with ``jnp``'s ``broadcast_to_shape``, since lax ops need equal shapes.

A distribution parameter (gamma's ``a``, pareto's ``b``, ...) must also be castable to the
sample dtype without loss by JAX's promotion lattice (a Python float is fine for float16; a
complex array is not for float32); the default sample shape is the broadcast of the
parameters' shapes.
"""
from __future__ import annotations

import operator
from typing import Sequence

import jax
import numpy as np
from jax.dtypes import TypePromotionError

from zenax.tracer import dtypes
from zenax.tracer.avals import is_python_scalar
from zenax.tracer.core import Tracer, get_aval
from zenax.tracer.shapes import broadcast_shapes_or_none

from .. import shapes as sh
from ..jnp.promotion import concrete_static
from ..sharding_constraint import OutSharding, out_sharded
from .typed_keys import is_key_dtype, random_unwrap, random_wrap, resolve_impl

_KEY_HELP = ("must be a PRNG key: a typed key (zenax.random.key(seed)) or a uint32[2] array "
             "of key data (zenax.random.PRNGKey(seed))")


def _typed_key(name: str, key, batched: bool = False, arg: str = "key"):
    """``(typed_key, wrapped)``, as JAX's key functions see a key: a typed key as it is, or
    raw ``uint32[..., 2]`` key data wrapped into a typed key of the default implementation
    (``wrapped``: the caller returns raw keys for raw keys).  Unless ``batched``, one key
    only (JAX's ValueError otherwise)."""
    if _is_typed(name, key, batched, arg):
        return key, False
    return random_wrap(key, resolve_impl(name, None)), True


def _check_key(name: str, key, batched: bool = False):
    """The ``uint32[2]`` data of a key (``[..., 2]`` if ``batched``), for the samplers,
    which draw from the data with ``zenax.lax.prng``'s threefry: a typed key is unwrapped,
    raw key data checked and passed on."""
    return random_unwrap(key) if _is_typed(name, key, batched, "key") else key


def _is_typed(name: str, key, batched: bool, arg: str) -> bool:
    """Whether ``key`` is a typed key (else it is valid raw key data), after JAX's checks:
    raw data must be ``uint32[..., 2]`` (TypeError), and one key is expected unless
    ``batched`` (ValueError)."""
    try:
        aval = get_aval(key)
    except TypeError:
        aval = None
    typed = aval is not None and is_key_dtype(aval.dtype)
    if not typed and (aval is None or aval.dtype != np.uint32 or not aval.ndim
                      or aval.shape[-1] != 2):
        got = aval.str_short() if aval is not None else type(key).__name__
        raise TypeError(f"zenax.random.{name}: `{arg}` {_KEY_HELP}; got {got}.")
    shape = aval.shape if typed else aval.shape[:-1]
    if shape and not batched:
        raise ValueError(f"zenax.random.{name} accepts a single key, but was given a key "
                         f"array of shape {shape} != () as `{arg}`. Use zenax.vmap for "
                         "batching.")
    return typed


def _shape(name: str, shape, arg: str = "shape") -> tuple:
    if type(shape) is int:   # as JAX: a Python int is a 1-D shape (NumPy ints are not)
        shape = (shape,)
    if not isinstance(shape, Sequence):
        raise TypeError(f"zenax.random.{name}: shape must be a sequence of ints (e.g. (3,) "
                        f"rather than 3), got {shape!r}.")
    try:
        dims = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"zenax.random.{name}: {arg} must be a sequence of static ints, got "
                        f"{shape!r}.") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"zenax.random.{name}: {arg} must have non-negative sizes, got "
                         f"{shape!r}.")
    return dims


def _check_shape(name: str, shape: tuple, *param_shapes) -> None:
    """As JAX: the parameters' shapes must broadcast to exactly ``shape``."""
    if not param_shapes:
        return
    result = broadcast_shapes_or_none([shape, *param_shapes])
    if result != shape:
        shown = "incompatible" if result is None else result
        raise ValueError(f"{name} parameter shapes must be broadcast-compatible with shape "
                         f"argument, and the result of broadcasting the shapes must equal "
                         f"the shape argument, but got result {shown} for shape argument "
                         f"{shape}.")


def _result_shape(name: str, shape, *param_shapes) -> tuple:
    """``shape`` checked against the parameters' shapes, or their broadcast if None."""
    if shape is None:
        result = broadcast_shapes_or_none(param_shapes) if param_shapes else ()
        if result is None:
            raise ValueError(f"{name}: Incompatible shapes for broadcasting: "
                             f"shapes={list(param_shapes)}")
        return result
    shape = _shape(name, shape)
    _check_shape(name, shape, *param_shapes)
    return shape


_KIND_NAMES = {np.floating: "float", np.inexact: "float or complex", np.integer: "int",
               np.unsignedinteger: "unsigned int"}


def _dtype(name: str, dtype, default, kind) -> np.dtype:
    dtype = dtypes.canonicalize_dtype(default if dtype is None else dtype)
    if not dtypes.issubdtype(dtype, kind):
        what = _KIND_NAMES[kind]
        article = "an" if what[0] in "aeiou" else "a"
        raise ValueError(f"dtype argument to `{name}` must be {article} {what} dtype, "
                         f"got {dtype}")
    return dtype


def _asarray(x, name: str = "", arg: str = ""):
    """Arrays and Python scalars pass through; lists/NumPy values become canonical arrays.
    ``name`` and ``arg`` (the function and parameter) are for the error on non-numbers."""
    if isinstance(x, Tracer) or is_python_scalar(x) or isinstance(x, jax.Array):
        return x
    value = np.asarray(x)
    if value.dtype.kind not in "biufc":
        raise TypeError(f"zenax.random.{name}: {arg or 'the argument'} must be a number or an "
                        f"array of numbers, got {x!r} of type {type(x).__name__}.")
    return value.astype(dtypes.canonicalize_dtype(value.dtype))


def _shape_of(x) -> tuple:
    return get_aval(x).shape


def _full(value, dtype, shape: tuple):
    return sh.broadcast_in_dim(np.array(value, dtype), shape, ())


def _static_index(name: str, arg: str, x) -> int:
    """A static int argument (a size): JAX's concretization error for a traced one."""
    x = concrete_static(name, arg, x)
    try:
        return operator.index(x)
    except TypeError:
        raise TypeError(f"zenax.random.{name}: {arg} must be a Python int, got {x!r} of type "
                        f"{type(x).__name__}.") from None


def _concrete_int(name: str, x) -> int:
    try:
        return operator.index(x) if not isinstance(x, (jax.Array, Tracer)) else int(x)
    except Exception:
        raise TypeError(f"zenax.random.{name}: expected a concrete (static) integer, got "
                        f"{x!r}; pass it as a Python int or mark it static.") from None


def _param_sampler_args(name: str, key, shape, dtype, kinds=np.floating, *,
                        cast_first: bool = False, **params) -> tuple:
    """``(key data, shape, dtype, *params)`` for a sampler with distribution parameters,
    checked in ``jax.random``'s order: the key, the dtype (float by default, of ``kinds``),
    the parameters (numbers), then the sample shape (the parameters' broadcast if None) and
    the lossless cast of the parameters to the dtype -- cast first if ``cast_first``, as
    JAX's ``beta`` does."""
    key = _check_key(name, key)
    dtype = _dtype(name, dtype, float, kinds)
    values = _params(name, **params)
    if cast_first:
        _check_safe_to_cast(name, dtype, *values)
    shape = _result_shape(name, shape, *map(_shape_of, values))
    if not cast_first:
        _check_safe_to_cast(name, dtype, *values)
    return (key, shape, dtype, *values)


def _params(name: str, **params) -> list:
    """The parameters as arrays (or Python scalars), each checked to hold numbers."""
    return [_asarray(value, name, arg) for arg, value in params.items()]


def _check_safe_to_cast(name: str, dtype: np.dtype, *params) -> None:
    for p in params:
        aval = get_aval(p)
        if aval.dtype == dtype:
            continue
        if dtypes.result_type((aval.dtype, aval.weak_type), (dtype, False))[0] != dtype:
            raise TypePromotionError(f"In arguments to {name}, cannot safely cast argument "
                                     f"of type {aval.dtype} to {dtype}")


def _out_sharded(name: str, out, out_sharding: OutSharding):
    """The sample ``out`` of sampler ``name`` moved to ``out_sharding`` (see
    ``zenax.lax.sharding_constraint.out_sharded``)."""
    return out_sharded(f"zenax.random.{name}", out, out_sharding)
