"""Typed PRNG keys: the key dtype and the primitives on arrays of keys.

A typed key array (``zenax.random.key(0)``) has JAX's extended dtype ``key<fry>``: its aval
is a :class:`~zenax.tracer.avals.ShapedArray` whose ``dtype`` is JAX's key dtype object and
whose shape is the *logical* one (``key<fry>[3]`` for three keys), while the data behind it
is ``uint32[3, 2]``, one threefry key ``(k1, k2)`` per element.  Concrete typed keys are JAX's
own key arrays, so they print as JAX prints them (``Array((), dtype=key<fry>) overlaying:``)
and pass into and out of the executables ``jit`` compiles without conversion.

The primitives are JAX's, with JAX's names and params, so jaxprs read the same:

- ``random_seed[impl]``: integer seeds -> keys;
- ``random_split[shape]``, ``random_fold_in``, ``random_bits[bit_width, shape]``: the
  threefry operations, vectorized over the key array's shape (the output's leading axes
  are the keys' axes);
- ``random_wrap[impl]`` / ``random_unwrap``: between keys and their ``uint32[..., 2]`` data;
- ``random_clone``: the identity (JAX's hook for key-reuse checking).

Each lowering unwraps the keys (``jax.random.key_data``, a view, not a transform), runs the
threefry hash of ``zenax.lax.prng`` on the data with ``jax.lax`` broadcasting, and wraps the
result back (``jax.random.wrap_key_data``); the bits are those of ``jax.random`` for the
same key.  Keys have no derivative (their tangent type is ``float0``, as in JAX): every jvp
here is a symbolic zero.  The batch rules need no data movement except ``random_fold_in``'s,
because a key axis of the operand is the same axis of the result.

Only the threefry2x32 implementation exists; :func:`resolve_impl` turns JAX's other names
into a ``NotImplementedError``.
"""
from __future__ import annotations

import math

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import ShapedArray
from zenax.tracer.core import Primitive, batch_rules, bind, get_aval, impl_rules

from ..broadcasting import moveaxis
from ..eager import jitted_impl
from ..elementwise import _broadcast_batcher
from ..prng import UINT_DTYPES, _check_partitionable, _threefry2x32_hash
from ..registry import (broadcasting_shape, defjvp_zero, register, type_error,
                        unary_batcher)

lax = jax.lax


class PRNGImpl:
    """A PRNG implementation as a primitive param: printed by its short tag, as JAX's
    jaxprs show it (``random_seed[impl=fry]``)."""

    __slots__ = ("name", "tag", "key_dtype")

    def __init__(self, name: str, tag: str):
        self.name, self.tag = name, tag
        self.key_dtype = jax.random.key_dtype(name)     # JAX's dtype object: data

    def __eq__(self, other):
        return type(other) is PRNGImpl and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __str__(self):
        return self.tag

    def __repr__(self):
        return f"PRNGImpl({self.name!r})"


THREEFRY = PRNGImpl("threefry2x32", "fry")
_IMPLS = {THREEFRY.name: THREEFRY}


def default_impl_name() -> str:
    """The implementation keys get when none is named (``jax_default_prng_impl``)."""
    return jax.config.jax_default_prng_impl


def resolve_impl(name: str, spec, dtype=None) -> PRNGImpl:
    """The implementation ``spec`` names: None (the configured default), an implementation
    name such as ``"threefry2x32"``, or a key dtype; or the key ``dtype`` given instead (JAX's
    ``impl=`` / ``dtype=`` pair: not both).  ``name`` is the calling function."""
    if dtype is not None:
        if spec is not None:
            raise ValueError(f"zenax.random.{name}: cannot specify both `impl` and `dtype`.")
        spec = dtype
    if spec is None:
        spec = default_impl_name()
    if isinstance(spec, PRNGImpl):
        return spec
    if is_key_dtype(spec):
        spec = key_impl_name(spec)
    if not isinstance(spec, str):
        raise TypeError(f"zenax.random.{name}: unrecognized type {type(spec)} for specifying "
                        "the PRNG implementation (impl or dtype); pass a name such as "
                        "'threefry2x32' or a key dtype.")
    if spec not in _IMPLS:
        jax.random.key_dtype(spec)   # JAX's ValueError, listing the names, for unknown ones
        raise NotImplementedError(
            f"zenax.random.{name}: the PRNG implementation {spec!r} is not implemented; "
            f"zenax has only {', '.join(map(repr, _IMPLS))}.")
    return _IMPLS[spec]


def is_key_dtype(dtype) -> bool:
    """Whether ``dtype`` is a PRNG key dtype (``key<fry>``)."""
    return dtypes.is_extended(dtype) and dtypes.issubdtype(dtype, jax.dtypes.prng_key)


def key_impl_name(dtype) -> str:
    """The implementation name of a key dtype (``"threefry2x32"`` for ``key<fry>``)."""
    for impl in _IMPLS.values():
        if dtype == impl.key_dtype:
            return impl.name
    raise NotImplementedError(f"zenax.random: keys of dtype {dtype} are not supported; zenax "
                              f"has only {', '.join(map(repr, _IMPLS))}.")


def _impl_of(aval: ShapedArray) -> PRNGImpl:
    return _IMPLS[key_impl_name(aval.dtype)]


def _key_aval(shape, impl: PRNGImpl) -> ShapedArray:
    return ShapedArray(shape, impl.key_dtype)


def _check_keys(name: str, aval: ShapedArray, arg: str = "keys") -> None:
    if not is_key_dtype(aval.dtype):
        raise type_error(f"{name}: `{arg}` must be an array of typed PRNG keys, got "
                         f"{aval.str_short()}.")


# --------------------------------------------------------------------------- physical ops
# Threefry on key data, written with jax.lax for the lowering rules.  ``k1``/``k2`` are the
# key halves, of the key array's shape; counters broadcast against them.

def _halves(data):
    return (lax.index_in_dim(data, 0, -1, keepdims=False),
            lax.index_in_dim(data, 1, -1, keepdims=False))


def _stack_halves(x1, x2):
    return lax.concatenate([lax.expand_dims(x1, (x1.ndim,)), lax.expand_dims(x2, (x2.ndim,))],
                           x1.ndim)


def _hash_counters(name: str, data, shape: tuple):
    """Hash the 64-bit counters ``0 .. prod(shape)-1`` (as ``(high, low)`` uint32 halves,
    laid out in ``shape``) under every key of ``data``: two uint32 arrays of shape
    ``(*keys_shape, *shape)``."""
    _check_partitionable(name)
    size = math.prod(shape)
    if size >= 2 ** 32:
        raise NotImplementedError(f"random bits for {size} >= 2**32 elements.")
    k1, k2 = _halves(data)
    out_shape = (*k1.shape, *shape)
    key_dims = tuple(range(k1.ndim))
    count_dims = tuple(range(k1.ndim, len(out_shape)))
    low = lax.reshape(lax.iota(np.uint32, size), shape)
    return _threefry2x32_hash(lax.broadcast_in_dim(k1, out_shape, key_dims),
                              lax.broadcast_in_dim(k2, out_shape, key_dims),
                              lax.full(out_shape, np.uint32(0)),
                              lax.broadcast_in_dim(low, out_shape, count_dims))


def _seed_data(seeds):
    high = (lax.convert_element_type(lax.shift_right_logical(seeds, np.array(32, seeds.dtype)),
                                     np.uint32)
            if np.dtype(seeds.dtype).itemsize == 8 else lax.full(seeds.shape, np.uint32(0)))
    return _stack_halves(high, lax.convert_element_type(seeds, np.uint32))


def _bits_data(data, bit_width: int, shape: tuple):
    bits1, bits2 = _hash_counters("bits", data, shape)
    dtype = UINT_DTYPES[bit_width]
    if bit_width == 64:
        high = lax.convert_element_type(bits1, dtype)
        low = lax.convert_element_type(bits2, dtype)
        return lax.bitwise_or(lax.shift_left(high, np.array(32, dtype)), low)
    bits = lax.bitwise_xor(bits1, bits2)
    return bits if bit_width == 32 else lax.convert_element_type(bits, dtype)


def _fold_in_data(data, msgs):
    k1, k2 = _halves(data)
    shape = np.broadcast_shapes(k1.shape, msgs.shape)
    k1, k2, msgs = (lax.broadcast_in_dim(x, shape, () if not x.ndim else tuple(range(x.ndim)))
                    for x in (k1, k2, msgs))
    return _stack_halves(*_threefry2x32_hash(k1, k2, lax.full(shape, np.uint32(0)), msgs))


def _wrap(data, impl: PRNGImpl):
    return jax.random.wrap_key_data(data, impl=impl.name)


def _register(prim: Primitive, abstract_eval, lower, batcher=unary_batcher) -> None:
    """The rules of a key primitive.  Its eager impl is ``lax.eager``'s jitted one, given
    here because ``zenax.lax`` installs those before ``zenax.random`` is imported."""
    register(prim, abstract_eval, lower)
    impl_rules[prim] = jitted_impl(prim, lower)
    defjvp_zero(prim)
    batcher(prim)


# --------------------------------------------------------------------------- random_seed
random_seed_p = Primitive("random_seed")


def _seed_abstract_eval(seeds, *, impl):
    if not dtypes.is_integer(seeds.dtype):
        raise type_error(f"random_seed: `seeds` must have an integer dtype, got "
                         f"{seeds.str_short()}.")
    return _key_aval(seeds.shape, impl)


_register(random_seed_p, _seed_abstract_eval,
          lambda seeds, *, impl: _wrap(_seed_data(seeds), impl))


# --------------------------------------------------------------------------- random_split
random_split_p = Primitive("random_split")


def _split_abstract_eval(keys, *, shape):
    _check_keys("random_split", keys)
    return _key_aval((*keys.shape, *shape), _impl_of(keys))


def _split_lower(keys, *, shape):
    data = _stack_halves(*_hash_counters("split", jax.random.key_data(keys), shape))
    return _wrap(data, _impl_of(keys))


_register(random_split_p, _split_abstract_eval, _split_lower)


# --------------------------------------------------------------------------- random_bits
random_bits_p = Primitive("random_bits")


def _bits_abstract_eval(keys, *, bit_width, shape):
    _check_keys("random_bits", keys)
    if bit_width not in UINT_DTYPES:
        raise type_error(f"random_bits: bit_width must be 8, 16, 32 or 64, got {bit_width}.")
    return ShapedArray((*keys.shape, *shape), UINT_DTYPES[bit_width])


_register(random_bits_p, _bits_abstract_eval,
          lambda keys, *, bit_width, shape: _bits_data(jax.random.key_data(keys), bit_width,
                                                       shape))


# --------------------------------------------------------------------------- random_fold_in
random_fold_in_p = Primitive("random_fold_in")


def _fold_in_abstract_eval(keys, msgs):
    _check_keys("random_fold_in", keys)
    if msgs.dtype != np.uint32:
        raise type_error(f"random_fold_in: `msgs` must have dtype uint32, got "
                         f"{msgs.str_short()}.")
    return ShapedArray(broadcasting_shape("random_fold_in", keys, msgs), keys.dtype)


def _fold_in_lower(keys, msgs):
    data = _fold_in_data(jax.random.key_data(keys), msgs)
    return _wrap(data, _impl_of(keys))


# Keys and messages broadcast as an elementwise op's operands do.
_register(random_fold_in_p, _fold_in_abstract_eval, _fold_in_lower, _broadcast_batcher)


# --------------------------------------------------------------------------- wrap / unwrap
random_wrap_p = Primitive("random_wrap")


def _wrap_abstract_eval(base_arr, *, impl):
    # Named after wrap_key_data, the one caller that passes unchecked data.
    if base_arr.dtype != np.uint32 or not base_arr.ndim or base_arr.shape[-1] != 2:
        hint = (" -- a typed key already; its data is zenax.random.key_data(key)"
                if is_key_dtype(base_arr.dtype) else "")
        raise type_error(f"wrap_key_data: `key_bits_array` must be "
                         f"uint32 key data of shape (..., 2), got {base_arr.str_short()}{hint}.")
    return _key_aval(base_arr.shape[:-1], impl)


def _wrap_batch(args, dims, *, impl):
    (x,), (d,) = args, dims
    if d == get_aval(x).ndim - 1:      # the batch axis must not be the key-data axis
        x, d = moveaxis(x, d, 0), 0
    return bind(random_wrap_p, x, impl=impl), d


_register(random_wrap_p, _wrap_abstract_eval, _wrap)
batch_rules[random_wrap_p] = _wrap_batch

random_unwrap_p = Primitive("random_unwrap")


def _unwrap_abstract_eval(keys):
    _check_keys("random_unwrap", keys)
    return ShapedArray((*keys.shape, 2), np.uint32)


_register(random_unwrap_p, _unwrap_abstract_eval, jax.random.key_data)

# --------------------------------------------------------------------------- random_clone
random_clone_p = Primitive("random_clone")
_register(random_clone_p, lambda x: x, lambda x: x)


def random_seed(seeds, impl: PRNGImpl):
    return bind(random_seed_p, seeds, impl=impl)


def random_split(keys, shape: tuple):
    return bind(random_split_p, keys, shape=shape)


def random_bits(keys, bit_width: int, shape: tuple):
    return bind(random_bits_p, keys, bit_width=bit_width, shape=shape)


def random_fold_in(keys, msgs):
    return bind(random_fold_in_p, keys, msgs)


def random_wrap(base_arr, impl: PRNGImpl):
    return bind(random_wrap_p, base_arr, impl=impl)


def random_unwrap(keys):
    return bind(random_unwrap_p, keys)
