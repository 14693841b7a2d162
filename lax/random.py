"""zenax.random: JAX's PRNG API on Threefry-2x32 keys, bit-identical to ``jax.random``.

Keys are raw ``uint32[2]`` arrays -- what ``jax.random.PRNGKey`` returns, and the
``key_data`` of a ``jax.random.key``.  ``zenax.random.key`` returns such a raw key too (no
typed key arrays), so ``key(s)`` and ``PRNGKey(s)`` are the same value here.

Every sampler is a composition of ``zenax.lax`` functions (random bits from
``threefry2x32``, then the same float/integer arithmetic as JAX, in the same order), so it
works under ``jit``, ``vmap`` (e.g. over a batch of keys) and autodiff, and gives the same
bits as ``jax.random`` for the same key:

>>> key = random.PRNGKey(0)
>>> k1, k2 = random.split(key)
>>> random.normal(k1, (3,))
Array([ 1.0040143, -0.9063372, -0.7481722], dtype=float32)
"""
from __future__ import annotations

import functools
import math
import operator
from typing import Sequence

import jax
import numpy as np

from zenax.tracer import dtypes
from zenax.tracer.avals import is_python_scalar
from zenax.tracer.core import Tracer, bind, get_aval
from zenax.tracer.ir import ClosedJaxpr, Jaxpr
from zenax.tracer.staging import trace_to_jaxpr

from . import elementwise as ew
from . import prng
from . import reductions as red
from . import shapes as sh
from . import sorting
from .batching import moveaxis
from .cumulative import cumsum
from .higher_order import jit_call_p
from .jnp.indexing_routines import take

__all__ = ["PRNGKey", "key", "key_data", "wrap_key_data", "split", "fold_in", "bits",
           "uniform", "normal", "truncated_normal", "bernoulli", "randint", "gumbel",
           "exponential", "categorical", "permutation", "choice"]

# --------------------------------------------------------------------------- helpers

_KEY_HELP = ("expected a PRNG key: a uint32[2] array, as made by zenax.random.PRNGKey(seed) "
             "or zenax.random.split(key)")


def _check_key(name: str, key, batched: bool = False):
    """``key`` as an array, after checking it is a uint32[2] key (``[..., 2]`` if batched)."""
    try:
        aval = get_aval(key)
    except TypeError:
        aval = None
    if aval is None or aval.dtype != np.uint32 or not aval.ndim or aval.shape[-1] != 2:
        got = aval.str_short() if aval is not None else type(key).__name__
        raise TypeError(f"zenax.random.{name}: {_KEY_HELP}; got {got}. (A typed key from "
                        "jax.random.key(...) converts with jax.random.key_data(key).)")
    if aval.ndim > 1 and not batched:
        raise TypeError(f"zenax.random.{name}: {_KEY_HELP}; got a batch of keys of shape "
                        f"{aval.str_short()}. Map over the keys with zenax.vmap instead.")
    return key


def _shape(name: str, shape, arg: str = "shape") -> tuple:
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
    try:
        result = np.broadcast_shapes(shape, *param_shapes)
    except ValueError:
        result = "incompatible"
    if result != shape:
        raise ValueError(f"{name} parameter shapes must be broadcast-compatible with shape "
                         f"argument, and the result of broadcasting the shapes must equal "
                         f"the shape argument, but got result {result} for shape argument "
                         f"{shape}.")


_KIND_NAMES = {np.floating: "float", np.inexact: "float or complex",
               np.unsignedinteger: "unsigned int"}


def _dtype(name: str, dtype, default, kind) -> np.dtype:
    dtype = dtypes.canonicalize_dtype(default if dtype is None else dtype)
    if not dtypes.issubdtype(dtype, kind):
        raise ValueError(f"dtype argument to `{name}` must be a {_KIND_NAMES[kind]} dtype, "
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


def _broadcast_to(x, shape: tuple):
    """NumPy-style broadcast of ``x`` to ``shape`` (lax ops need equal shapes)."""
    aval = get_aval(x)
    if aval.shape == shape:
        return x
    return sh.broadcast_in_dim(x, shape, tuple(range(len(shape) - aval.ndim, len(shape))))


def _full(value, dtype, shape: tuple):
    return sh.broadcast_in_dim(np.array(value, dtype), shape, ())


def _concrete_int(name: str, x) -> int:
    try:
        return operator.index(x) if not isinstance(x, (jax.Array, Tracer)) else int(x)
    except Exception:
        raise TypeError(f"zenax.random.{name}: expected a concrete (static) integer, got "
                        f"{x!r}; pass it as a Python int or mark it static.") from None


def _split2(key):
    keys = prng.threefry_split(key, (2,))
    return sh.index_in_dim(keys, 0, keepdims=False), sh.index_in_dim(keys, 1, keepdims=False)


_random_bits = prng.threefry_random_bits


def _staged(*static_argnums: int):
    """Run the decorated sampler as one compiled program (a ``jit_call``), where JAX jits its
    samplers.  Bits match only if XLA fuses the float arithmetic the same way -- on CPU it
    contracts ``a * b + c`` into an FMA inside a fusion, which op-by-op execution cannot.
    The jaxpr is traced once per static arguments and operand types."""
    def decorator(fun):
        cache: dict = {}

        @functools.wraps(fun)
        def staged(*args):
            static = tuple(args[i] for i in static_argnums)
            dynamic = [x for i, x in enumerate(args) if i not in static_argnums]
            avals = tuple(get_aval(x) for x in dynamic)
            jaxpr = cache.get((static, avals))
            if jaxpr is None:
                def flat_fun(*xs):
                    xs = iter(xs)
                    return [fun(*(x if i in static_argnums else next(xs)
                                  for i, x in enumerate(args)))]
                closed, _ = trace_to_jaxpr(flat_fun, avals)
                # As zenax.jit: consts travel as leading operands of the jit_call.
                j = closed.jaxpr
                jaxpr = (ClosedJaxpr(Jaxpr([], j.constvars + j.invars, j.outvars, j.eqns), []),
                         closed.consts)
                cache[(static, avals)] = jaxpr
            open_jaxpr, consts = jaxpr
            return bind(jit_call_p, *consts, *dynamic, jaxpr=open_jaxpr, name=fun.__name__)[0]
        return staged
    return decorator

# --------------------------------------------------------------------------- keys


def PRNGKey(seed) -> jax.Array:
    """A uint32[2] key from an integer seed (bits as ``jax.random.PRNGKey``).

    >>> random.PRNGKey(42)
    Array([ 0, 42], dtype=uint32)
    """
    return _seed_key("PRNGKey", seed)


def key(seed) -> jax.Array:
    """Like :func:`PRNGKey`: zenax keys are raw uint32[2] arrays, with the bits of
    ``jax.random.key_data(jax.random.key(seed))``.

    >>> random.key(0)
    Array([0, 0], dtype=uint32)
    """
    return _seed_key("key", seed)


def _seed_key(name: str, seed):
    if isinstance(seed, int) and not isinstance(seed, bool):
        # As JAX: a Python int is taken as int64 (then truncated to int32 without x64).
        seed = np.asarray(np.int64(seed)).astype(dtypes.canonicalize_dtype(np.int64))
    seed = _asarray(seed)
    aval = get_aval(seed)
    if aval.ndim:
        raise TypeError(f"zenax.random.{name} accepts a scalar seed, but was given an array "
                        f"of shape {aval.shape}. Use zenax.vmap for batching.")
    if not dtypes.is_integer(aval.dtype):
        raise TypeError(f"zenax.random.{name}: the seed must be an integer, got "
                        f"{aval.str_short()}.")
    return prng.threefry_seed(seed)


def key_data(keys):
    """The uint32 data of a key (or array of keys): zenax keys are that data already."""
    return _check_key("key_data", keys, batched=True)


def wrap_key_data(key_bits_array):
    """A key from its uint32[..., 2] data: the identity, after checking the data."""
    return _check_key("wrap_key_data", key_bits_array, batched=True)


def split(key, num: int | Sequence[int] = 2):
    """``num`` new keys (or an array of keys of shape ``num``) from ``key``.

    >>> random.split(random.PRNGKey(0)).shape
    (2, 2)
    """
    key = _check_key("split", key)
    shape = tuple(num) if isinstance(num, Sequence) else (num,)
    return prng.threefry_split(key, _shape("split", shape, "num"))


def fold_in(key, data):
    """A new key from ``key`` and a 32-bit integer ``data`` (e.g. a step number).

    >>> random.fold_in(random.PRNGKey(0), 1).shape
    (2,)
    """
    key = _check_key("fold_in", key)
    if isinstance(data, int) and not isinstance(data, bool):
        data = np.uint32(data)      # as JAX: OverflowError outside [0, 2**32)
    data = _asarray(data)
    if get_aval(data).ndim:
        raise TypeError("zenax.random.fold_in accepts a scalar, but was given an array of "
                        f"shape {_shape_of(data)}. Use zenax.vmap for batching.")
    return prng.threefry_fold_in(key, ew.convert_element_type(data, np.uint32))


def bits(key, shape: Sequence[int] = (), dtype=None):
    """Uniform random bits as unsigned integers (uint32 by default).

    >>> random.bits(random.PRNGKey(0), (2,)).dtype
    dtype('uint32')
    """
    key = _check_key("bits", key)
    dtype = _dtype("bits", dtype, np.uint64, np.unsignedinteger)
    return _random_bits(key, dtype.itemsize * 8, _shape("bits", shape))


# --------------------------------------------------------------------------- continuous


def uniform(key, shape: Sequence[int] = (), dtype=None, minval=0., maxval=1.):
    """Uniform floats in ``[minval, maxval)``.

    >>> random.uniform(random.PRNGKey(0), (2,), minval=-1., maxval=1.).shape
    (2,)
    """
    key = _check_key("uniform", key)
    dtype = _dtype("uniform", dtype, float, np.floating)
    return _uniform(key, _asarray(minval, "uniform", "minval"),
                    _asarray(maxval, "uniform", "maxval"), _shape("uniform", shape), dtype)


@_staged(3, 4)
def _uniform(key, minval, maxval, shape: tuple, dtype):
    _check_shape("uniform", shape, _shape_of(minval), _shape_of(maxval))
    finfo = dtypes.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    rng_bits = 8 if nmant < 8 else nbits
    uint = prng.UINT_DTYPES[nbits]
    random_bits = ew.convert_element_type(_random_bits(key, rng_bits, shape), uint)
    # Random mantissa bits under the exponent of 1.0 give a float in [1, 2); subtract 1.
    float_bits = ew.bitwise_or(
        ew.shift_right_logical(random_bits, np.array(rng_bits - nmant, uint)),
        np.array(1.0, dtype).view(uint))
    floats = ew.sub(ew.bitcast_convert_type(float_bits, dtype), np.array(1., dtype))
    minval = _broadcast_to(ew.convert_element_type(minval, dtype), shape)
    maxval = _broadcast_to(ew.convert_element_type(maxval, dtype), shape)
    return ew.max(minval, ew.add(ew.mul(floats, ew.sub(maxval, minval)), minval))


def normal(key, shape: Sequence[int] = (), dtype=None):
    """Standard normal samples (real or complex dtype).

    >>> random.normal(random.PRNGKey(0), (2, 3)).shape
    (2, 3)
    """
    key = _check_key("normal", key)
    dtype = _dtype("normal", dtype, float, np.inexact)
    return _normal(key, _shape("normal", shape), dtype)


@_staged(1, 2)
def _normal(key, shape: tuple, dtype):
    if not dtypes.is_complex(dtype):
        return _normal_real(key, shape, dtype)
    key_re, key_im = _split2(key)
    real_dtype = np.finfo(dtype).dtype
    re = ew.convert_element_type(_normal_real(key_re, shape, real_dtype), dtype)
    im = ew.convert_element_type(_normal_real(key_im, shape, real_dtype), dtype)
    out = ew.add(re, ew.mul(np.array(1j, dtype), im))
    return ew.div(out, np.array(np.sqrt(2), dtype))


def _normal_real(key, shape: tuple, dtype):
    # The inverse CDF of a uniform sample in the open interval (-1, 1).
    lo = np.nextafter(np.array(-1., dtype), np.array(0., dtype), dtype=dtype)
    u = _uniform(key, lo, np.array(1., dtype), shape, dtype)
    return ew.mul(np.array(np.sqrt(2), dtype), ew.erf_inv(u))


def truncated_normal(key, lower, upper, shape: Sequence[int] | None = None, dtype=None):
    """Standard normal samples truncated to the open interval ``(lower, upper)``.

    >>> x = random.truncated_normal(random.PRNGKey(0), -1., 1., (100,))
    >>> bool((x > -1).all() and (x < 1).all())
    True
    """
    key = _check_key("truncated_normal", key)
    dtype = _dtype("truncated_normal", dtype, float, np.floating)
    lower, upper = (_asarray(lower, "truncated_normal", "lower"),
                    _asarray(upper, "truncated_normal", "upper"))
    if shape is None:
        shape = np.broadcast_shapes(_shape_of(lower), _shape_of(upper))
    else:
        shape = _shape("truncated_normal", shape)
        _check_shape("truncated_normal", shape, _shape_of(lower), _shape_of(upper))
    return _truncated_normal(key, lower, upper, shape, dtype)


@_staged(3, 4)
def _truncated_normal(key, lower, upper, shape: tuple, dtype):
    sqrt2 = np.array(np.sqrt(2), dtype)
    lower = ew.convert_element_type(lower, dtype)
    upper = ew.convert_element_type(upper, dtype)
    a = ew.erf(ew.div(lower, sqrt2))
    b = ew.erf(ew.div(upper, sqrt2))
    u = _uniform(key, a, b, shape, dtype)
    out = ew.mul(sqrt2, ew.erf_inv(u))
    # Rounding may land on the bounds; clamp into the open interval, as JAX does.
    lo = ew.nextafter(ew.stop_gradient(lower), np.array(np.inf, dtype))
    hi = ew.nextafter(ew.stop_gradient(upper), np.array(-np.inf, dtype))
    return ew.min(_broadcast_to(hi, shape), ew.max(_broadcast_to(lo, shape), out))


def exponential(key, shape: Sequence[int] = (), dtype=None):
    """Exponential samples (rate 1): ``-log(1 - u)``.

    >>> bool((random.exponential(random.PRNGKey(0), (100,)) >= 0).all())
    True
    """
    key = _check_key("exponential", key)
    dtype = _dtype("exponential", dtype, float, np.floating)
    return _exponential(key, _shape("exponential", shape), dtype)


@_staged(1, 2)
def _exponential(key, shape: tuple, dtype):
    u = _uniform(key, 0., 1., shape, dtype)
    return ew.neg(ew.log1p(ew.neg(u)))


def gumbel(key, shape: Sequence[int] = (), dtype=None, mode: str | None = None):
    """Standard Gumbel samples; ``mode`` "low" (default), "high" or "highest" uses more
    random bits for a wider range.

    >>> random.gumbel(random.PRNGKey(0), (3,)).shape
    (3,)
    """
    key = _check_key("gumbel", key)
    dtype = _dtype("gumbel", dtype, float, np.floating)
    shape = _shape("gumbel", shape)
    return _gumbel(key, shape, dtype, _gumbel_mode(mode))


def _gumbel_mode(mode: str | None) -> str:
    if mode is None:
        return "high" if jax.config.jax_high_dynamic_range_gumbel else "low"
    if mode not in ("highest", "high", "low"):
        raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
    return mode


def _neg_log_neg_log(x, log=ew.log):
    return ew.neg(ew.log(ew.neg(log(x))))


@_staged(1, 2, 3)
def _gumbel(key, shape: tuple, dtype, mode: str):
    finfo = dtypes.finfo(dtype)
    if mode == "highest" and dtype == np.float32:
        return _gumbel_highest(key, shape)
    if mode in ("high", "highest"):
        u = _uniform(key, 0., 1., (2, *shape), dtype)
        high, low = (sh.index_in_dim(u, i, keepdims=False) for i in (0, 1))
        # high + 2**-nmant * low refines the sample, unless that would round up to 1.
        finer = ew.add(ew.add(high, ew.mul(np.array(2. ** -finfo.nmant, dtype), low)),
                       np.array(finfo.tiny, dtype))
        x = ew.select(ew.ge(high, np.array(0.5, dtype)), high, finer)
        return _neg_log_neg_log(ew.neg(x), log=ew.log1p)
    return _neg_log_neg_log(_uniform(key, np.array(finfo.tiny, dtype), 1., shape, dtype))


def _clz(x):
    """Count leading zeros of uint32 values: the zeros of ``x`` with its top bit smeared."""
    for s in (1, 2, 4, 8, 16):
        x = ew.bitwise_or(x, ew.shift_right_logical(x, np.uint32(s)))
    return ew.population_count(ew.bitwise_not(x))


def _safe_int_to_float(hi, lo):
    """The 64-bit fixed-point fraction ``(hi, lo)`` as a float32 in (0, 1), rounding down."""
    u32 = lambda v: np.array(v, np.uint32)
    finfo = dtypes.finfo(np.float32)
    hiclz, loclz = _clz(hi), _clz(lo)
    hi_is_zero = ew.eq(hiclz, u32(32))
    mantissa = ew.bitwise_or(
        ew.shift_left(hi, hiclz),
        ew.select(hi_is_zero, ew.shift_left(lo, loclz),
                  ew.shift_right_logical(lo, ew.sub(u32(finfo.bits), hiclz))))
    mantissa = ew.shift_right_logical(mantissa, u32(finfo.bits - finfo.nmant - 1))
    mantissa = ew.bitwise_and(mantissa, u32((1 << finfo.nmant) - 1))
    leading = ew.select(hi_is_zero, ew.add(u32(32), loclz), hiclz)
    exp = ew.shift_left(ew.sub(u32(-finfo.minexp), leading), u32(finfo.nmant))
    exp = ew.bitwise_and(exp, u32((1 << (finfo.bits - 2)) - (1 << (finfo.nmant - 1))))
    return ew.bitcast_convert_type(ew.bitwise_or(exp, mantissa), np.float32)


def _gumbel_highest(key, shape: tuple):
    random_bits = _random_bits(key, 32, (2, *shape))
    hi, lo = (sh.index_in_dim(random_bits, i, keepdims=False) for i in (0, 1))
    # 1 - bits in 64-bit fixed point: negate both halves, carry into hi when lo overflows.
    neg_hi = ew.add(ew.bitwise_not(hi), ew.convert_element_type(
        ew.eq(ew.bitwise_not(lo), np.uint32(0xFFFFFFFF)), np.uint32))
    neg_lo = ew.add(ew.bitwise_not(lo), np.uint32(1))
    flip = ew.lt(hi, np.uint32(1 << 31))
    x = _safe_int_to_float(ew.select(flip, hi, neg_hi), ew.select(flip, lo, neg_lo))
    # log1p is accurate for x in (0, 0.5), log for [0.5, 1).
    return ew.select(flip, _neg_log_neg_log(ew.neg(x), log=ew.log1p), _neg_log_neg_log(x))


# --------------------------------------------------------------------------- discrete


def bernoulli(key, p=0.5, shape: Sequence[int] | None = None, mode: str = "low"):
    """Boolean samples that are True with probability ``p``.

    >>> random.bernoulli(random.PRNGKey(0), 0.9, (4,)).dtype
    dtype('bool')
    """
    if mode not in ("high", "low"):
        raise ValueError(f"got mode={mode!r}, expected 'high' or 'low'")
    key = _check_key("bernoulli", key)
    p = _asarray(p, "bernoulli", "p")
    dtype = get_aval(p).dtype
    if not dtypes.is_float(dtype):
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dtype}.")
    if shape is None:
        shape = _shape_of(p)
    else:
        shape = _shape("bernoulli", shape)
        _check_shape("bernoulli", shape, _shape_of(p))
    return _bernoulli(key, ew.convert_element_type(p, dtype), shape, mode)


@_staged(2, 3)
def _bernoulli(key, p, shape: tuple, mode: str):
    dtype = get_aval(p).dtype
    p = _broadcast_to(p, shape)
    if mode == "low":
        return ew.lt(_uniform(key, 0., 1., shape, dtype), p)
    u = _uniform(key, 0., 1., (2, *shape), dtype)
    u1, u2 = (sh.index_in_dim(u, i, keepdims=False) for i in (0, 1))
    u2 = ew.mul(u2, np.array(2. ** -dtypes.finfo(dtype).nmant, dtype))
    return ew.lt(u2, ew.sub(p, u1))


def randint(key, shape: Sequence[int], minval, maxval, dtype=None):
    """Uniform integers in ``[minval, maxval)`` (int32 by default).

    >>> random.randint(random.PRNGKey(0), (3,), 0, 10).dtype
    dtype('int32')
    """
    key = _check_key("randint", key)
    dtype = dtypes.canonicalize_dtype(int if dtype is None else dtype)
    if not dtypes.is_integer(dtype):
        raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
    shape = _shape("randint", shape)
    minval, maxval = _asarray(minval, "randint", "minval"), _asarray(maxval, "randint", "maxval")
    info = dtypes.iinfo(dtype)
    if info.bits >= 32:
        return _randint(key, minval, maxval, shape, dtype)
    # Narrow integers are sampled as int32 (less bias), then cast.
    minval = _clip(ew.convert_element_type(minval, np.int32), info.min, info.max)
    maxval = _clip(ew.convert_element_type(maxval, np.int32), info.min, info.max + 1)
    return ew.convert_element_type(_randint(key, minval, maxval, shape, np.int32), dtype)


def _clip(x, lo, hi):
    dtype = get_aval(x).dtype
    return ew.min(np.array(hi, dtype), ew.max(np.array(lo, dtype), x))


def _convert_and_clip_integer(x, dtype):
    """``x`` cast to the integer ``dtype``, clipped to its range rather than wrapped."""
    src = get_aval(x).dtype
    lo = max(dtypes.iinfo(dtype).min, dtypes.iinfo(src).min)
    hi = min(dtypes.iinfo(dtype).max, dtypes.iinfo(src).max)
    return ew.convert_element_type(_clip(x, lo, hi), dtype)


@_staged(3, 4)
def _randint(key, minval, maxval, shape: tuple, dtype):
    _check_shape("randint", shape, _shape_of(minval), _shape_of(maxval))
    minval, maxval = (v if dtypes.is_integer(get_aval(v).dtype)
                      else ew.convert_element_type(v, dtypes.default_int_dtype())
                      for v in (minval, maxval))
    maxval_dtype = get_aval(maxval).dtype
    dtype_max = _convert_and_clip_integer(np.array(dtypes.iinfo(dtype).max, dtype), maxval_dtype)
    maxval_out_of_range = _broadcast_to(ew.gt(maxval, dtype_max), shape)
    minval = _broadcast_to(_convert_and_clip_integer(minval, dtype), shape)
    maxval = _broadcast_to(_convert_and_clip_integer(maxval, dtype), shape)

    nbits = dtypes.iinfo(dtype).bits
    unsigned = prng.UINT_DTYPES[nbits]
    k1, k2 = _split2(key)
    higher_bits = _random_bits(k1, nbits, shape)
    lower_bits = _random_bits(k2, nbits, shape)

    one = np.array(1, unsigned)
    span = ew.convert_element_type(ew.sub(maxval, minval), unsigned)
    # An empty range returns minval; a maxval past the dtype's range widens the span by one.
    span = ew.select(ew.le(maxval, minval), _full(1, unsigned, shape), span)
    span = ew.select(ew.bitwise_and(maxval_out_of_range, ew.gt(maxval, minval)),
                     ew.add(span, one), span)
    # (higher * 2**nbits + lower) % span, without overflow: (a * b) % n = (a%n * b%n) % n.
    multiplier = ew.rem(np.array(2 ** (nbits // 2), unsigned), span)
    multiplier = ew.rem(ew.mul(multiplier, multiplier), span)
    offset = ew.add(ew.mul(ew.rem(higher_bits, span), multiplier), ew.rem(lower_bits, span))
    offset = ew.rem(offset, span)
    return ew.add(minval, ew.convert_element_type(offset, dtype))


def categorical(key, logits, axis: int = -1, shape: Sequence[int] | None = None,
                replace: bool = True, mode: str | None = None):
    """Samples of the categorical distributions ``softmax(logits, axis)`` (Gumbel-max;
    Gumbel-top-k without replacement).

    >>> random.categorical(random.PRNGKey(0), jnp.log(jnp.array([0.2, 0.8])), shape=(4,)).shape
    (4,)
    """
    key = _check_key("categorical", key)
    logits = _asarray(logits)
    logits_shape = _shape_of(logits)
    batch_shape = tuple(np.delete(logits_shape, axis))
    if shape is None:
        shape = batch_shape
    else:
        shape = _shape("categorical", shape)
        _check_shape("categorical", shape, batch_shape)
    prefix = shape[:len(shape) - len(batch_shape)]
    if not replace and math.prod(prefix) > logits_shape[axis]:
        raise ValueError(f"Number of samples without replacement ({math.prod(prefix)}) cannot "
                         f"exceed number of categories ({logits_shape[axis]}).")
    return _categorical(key, logits, shape, axis, replace, _gumbel_mode(mode))


@_staged(2, 3, 4, 5)
def _categorical(key, logits, shape: tuple, axis: int, replace: bool, mode):
    logits_shape = _shape_of(logits)
    ndim = len(logits_shape)
    prefix = shape[:len(shape) - (ndim - 1)]
    dtype = get_aval(logits).dtype
    if replace:     # Gumbel-max
        axis = axis - ndim if axis >= 0 else axis
        sample_shape = list(shape[len(prefix):])
        sample_shape.insert(axis % ndim, logits_shape[axis])
        g = gumbel(key, (*prefix, *sample_shape), dtype, mode=mode)
        g_shape = _shape_of(g)
        expanded = sh.expand_dims(logits, tuple(range(len(prefix))))
        return red.argmax(ew.add(g, _broadcast_to(expanded, g_shape)), axis % len(g_shape),
                          dtypes.default_int_dtype())
    # Gumbel-top-k: the k = prod(prefix) largest perturbed logits of each distribution.
    perturbed = ew.add(logits, gumbel(key, logits_shape, dtype, mode=mode))
    _, indices = sorting.top_k(moveaxis(perturbed, axis, -1), math.prod(prefix))
    nd = get_aval(indices).ndim
    return sh.reshape(indices, shape, (nd - 1, *range(nd - 1)))


# --------------------------------------------------------------------------- permutations


def permutation(key, x, axis: int = 0, independent: bool = False):
    """A random permutation of ``range(x)`` (int ``x``) or of ``x`` along ``axis``; with
    ``independent=True`` every slice along ``axis`` is shuffled on its own.

    >>> sorted(random.permutation(random.PRNGKey(0), 4).tolist())
    [0, 1, 2, 3]
    """
    key = _check_key("permutation", key)
    x = _asarray(x)
    aval = get_aval(x)
    if aval.ndim == 0:
        if not dtypes.is_integer(aval.dtype):
            raise TypeError("x must be an integer or at least 1-dimensional")
        n = _concrete_int("permutation", x)
        return _shuffle(key, sh.iota(dtypes.default_int_dtype(), n), 0, (n,))
    axis = axis % aval.ndim if -aval.ndim <= axis < aval.ndim else _bad_axis(axis, aval)
    if independent or aval.ndim == 1:
        return _shuffle(key, x, axis, aval.shape)
    # One permutation for every slice: sort with the same keys broadcast across them.
    return _shuffle(key, x, axis, (aval.shape[axis],))


def _bad_axis(axis, aval):
    raise ValueError(f"axis {axis} is out of bounds for an array of shape {aval.shape}.")


@_staged(2, 3)
def _shuffle(key, x, axis: int, keys_shape: tuple):
    """Sort ``x`` along ``axis`` by fresh random 32-bit keys, a few times (JAX's algorithm:
    enough rounds that colliding keys are negligible).  ``keys_shape`` is ``x``'s shape, or
    ``(n,)`` to apply one permutation to every slice."""
    shape = _shape_of(x)
    size = math.prod(keys_shape)
    num_rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(num_rounds):
        key, subkey = _split2(key)
        sort_keys = _random_bits(subkey, 32, keys_shape)
        if keys_shape != shape:
            sort_keys = sh.broadcast_in_dim(sort_keys, shape, (axis,))
        _, x = sorting.sort_key_val(sort_keys, x, axis)
    return x


def choice(key, a, shape: Sequence[int] = (), replace: bool = True, p=None, axis: int = 0,
           mode: str | None = None):
    """Random samples of ``a`` (or of ``range(a)`` for an int), with or without replacement,
    uniformly or with probabilities ``p``.

    >>> random.choice(random.PRNGKey(0), 5, (3,), replace=False).shape
    (3,)
    """
    key = _check_key("choice", key)
    if not isinstance(shape, Sequence):
        raise TypeError(f"shape argument of zenax.random.choice must be a sequence, got "
                        f"{shape}")
    shape = _shape("choice", shape)
    arr = _asarray(a)
    aval = get_aval(arr)
    if aval.ndim == 0:
        n_inputs = _concrete_int("choice", a)
    else:
        axis = axis % aval.ndim if -aval.ndim <= axis < aval.ndim else _bad_axis(axis, aval)
        n_inputs = aval.shape[axis]
    n_draws = math.prod(shape)
    out_shape = shape if aval.ndim == 0 else aval.shape[:axis] + shape + aval.shape[axis + 1:]
    if n_draws == 0:
        return _full(0, aval.dtype, shape)      # as JAX, whatever ``a``'s shape
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population "
                         f"(size {n_inputs}) when 'replace=False'")
    if p is None and not replace:
        shuffled = permutation(key, n_inputs if aval.ndim == 0 else arr, axis)
        return sh.reshape(sh.slice_in_dim(shuffled, 0, n_draws, axis=axis), out_shape)
    if p is None:
        ind = randint(key, shape, 0, n_inputs)
    else:
        ind = _choice_indices(key, _probabilities(p, n_inputs), shape, n_draws, replace,
                              _gumbel_mode(mode))
    result = ind if aval.ndim == 0 else take(arr, ind, axis)
    return sh.reshape(result, out_shape)


def _probabilities(p, n_inputs: int):
    p = _asarray(p)
    aval = get_aval(p)
    if not dtypes.is_inexact(aval.dtype):
        p = ew.convert_element_type(p, dtypes.default_float_dtype())
    if aval.shape != (n_inputs,):
        raise ValueError("p must be None or a 1D vector with the same size as a.shape[axis]. "
                         f"p has shape {aval.shape} and a.shape[axis] is {n_inputs}.")
    return p


@_staged(2, 3, 4, 5)
def _choice_indices(key, p, shape: tuple, n_draws: int, replace: bool, mode):
    dtype = get_aval(p).dtype
    if replace:
        # Inverse CDF: the first index whose cumulative probability reaches r.
        p_cuml = cumsum(p)
        total = sh.index_in_dim(p_cuml, -1, keepdims=False)
        r = ew.mul(total, ew.sub(np.array(1, dtype), uniform(key, shape, dtype)))
        ind = _searchsorted_left(p_cuml, r)
    else:
        # Gumbel top-k trick: the k largest of log(p) + Gumbel noise.
        g = ew.add(gumbel(key, (get_aval(p).shape[0],), dtype, mode=mode), ew.log(p))
        ind = sorting.top_k(g, n_draws)[1]
    return ew.convert_element_type(ind, dtypes.default_int_dtype())


def _searchsorted_left(sorted_1d, values):
    """For each value, the number of entries of ``sorted_1d`` below it (int32)."""
    n = get_aval(sorted_1d).shape[0]
    shape = _shape_of(values)
    full = (*shape, n)
    below = ew.lt(sh.broadcast_in_dim(sorted_1d, full, (len(shape),)),
                  sh.broadcast_in_dim(values, full, tuple(range(len(shape)))))
    return red.reduce_sum(ew.convert_element_type(below, np.int32), (len(shape),))
