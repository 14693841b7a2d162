"""zenax.numpy: NumPy's API on zenax arrays, with JAX's semantics, built on zenax.lax.

>>> import zenax, zenax.numpy as jnp
>>> print(zenax.make_jaxpr(lambda x: jnp.sum(x * 2.0))(jnp.ones(3)))
{ lambda ; a:f32[3]. let
    b:f32[3] = mul a 2.0:f32[]
    c:f32[] = reduce_sum[axes=(0,)] b
  in (c,) }

The modules, one idea each:

- ``promotion``: array-likeness, ``asarray``, dtype promotion (JAX's lattice and weak
  types) and NumPy broadcasting -- the prologue of every function.
- ``dtypes``: ``jnp.float32`` & co, ``iinfo``/``finfo``, constants (``pi``, ``inf``).
- ``creation``: zeros/ones/full(_like), arange, linspace, eye, tri, meshgrid.
- ``ufuncs``: elementwise arithmetic and math; ``logic``: comparisons, logic, bits,
  ``where``, ``isclose``.
- ``reductions``: sum/mean/var/max/argmax/... with ``axis``, ``keepdims``, ``where``.
- ``cumulative``: cumsum/cumprod (also NaN-ignoring and array-API forms), diff, ediff1d.
- ``shapes``: reshape/transpose/concatenate/split/tile/pad...; ``diagonals``: diagonal,
  trace, tril/triu.
- ``products``: dot/matmul/vdot/inner/outer/tensordot/kron/cross; ``einsum``;
  ``linalg``: the ``jnp.linalg`` namespace (norms).
- ``indexing``: ``x[idx]`` on tracers (basic and advanced, via gather); ``at``:
  ``x.at[idx].set/add/...`` (scatter); ``indexing_routines``: take, take_along_axis,
  put_along_axis, nonzero, argwhere; ``array_methods``: operators and methods of
  tracers (installed on import).
- ``padding``: pad's modes; ``manipulation``: insert/delete/block/choose/compress/...;
  ``index_tricks``: mgrid, r_, ix_, unravel_index, tril_indices, ...
- ``sorting``: sort/argsort/partition/searchsorted; ``sets``: unique, isin, ...;
  ``histograms``; ``statistics``: quantiles, median, cov, corrcoef.
- ``signal``: convolve/correlate/interp/gradient/...; ``windows``: hamming & co and i0;
  ``polynomials``; ``floating_point``: frexp/ldexp/gcd/geomspace/matvec/...; ``bits``:
  bitwise_count, packbits.
- ``ufunc_objects``: ``jnp.ufunc`` and the built-in ufuncs (``jnp.add.reduce``);
  ``vectorization``: ``vectorize`` (on ``zenax.vmap``, handed down by transforms);
  ``io``: fromfunction/frombuffer/load/save; ``printing``: print options.
- ``fft``: the ``jnp.fft`` namespace.
"""
from types import ModuleType as _ModuleType

from . import array_methods, fft, linalg
from .array_methods import Array, ndarray
from .creation import (arange, empty, empty_like, eye, full, full_like, identity, linspace,
                       logspace, meshgrid, ones, ones_like, tri, zeros, zeros_like)
from .cumulative import (cumprod, cumsum, cumulative_prod, cumulative_sum, diff, ediff1d,
                         nancumprod, nancumsum)
from .diagonals import diag, diagflat, diagonal, trace, tril, triu
from .dtypes import (bfloat16, bool_, cdouble, character, complex64, complex128, complex_,
                     complexfloating, csingle, double, dtype, e, euler_gamma, finfo,
                     flexible, float8_e4m3fn, float8_e5m2, float16, float32, float64,
                     float_, floating, generic, iinfo, inexact, inf, int8, int16,
                     int32, int64, int_, integer, isdtype, issubdtype, nan, newaxis, number,
                     object_, pi, signedinteger, single, uint, uint8, uint16, uint32, uint64,
                     unsignedinteger)
from .einsum import einsum, einsum_path
from .indexing import NonConcreteBooleanIndexError
from .indexing_routines import (argwhere, flatnonzero, nonzero, put_along_axis, take,
                                take_along_axis)
from .logic import (allclose, array_equal, array_equiv, bitwise_invert, bitwise_left_shift,
                    bitwise_not, bitwise_right_shift, equal, greater, greater_equal,
                    invert, isclose, isfinite, isinf, isnan, isneginf, isposinf,
                    left_shift, less, less_equal, logical_not, not_equal, right_shift,
                    select, signbit, where)
from .promotion import (array, asarray, broadcast_arrays, broadcast_shapes, broadcast_to,
                        can_cast, copy, promote_types, result_type)
from .padding import pad
from .products import cross, dot, inner, kron, matmul, outer, tensordot, vdot, vecdot
from .reductions import (all, amax, amin, any, argmax, argmin, average, count_nonzero, max,
                         mean, min, nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar,
                         prod, ptp, std, sum, var)
from .shapes import (append, array_split, atleast_1d, atleast_2d, atleast_3d, column_stack,
                     concat, concatenate, dsplit, dstack, expand_dims, flip, fliplr, flipud,
                     hsplit, hstack, matrix_transpose, moveaxis, ndim, permute_dims,
                     ravel, repeat, reshape, roll, rot90, shape, size, split, squeeze, stack,
                     swapaxes, tile, transpose, vsplit, vstack)
from .ufuncs import (abs, absolute, acos, acosh, angle, arccos, arccosh, arcsin, arcsinh,
                     arctan, arctan2, arctanh, around, asin, asinh, astype, atan, atan2,
                     atanh, cbrt, ceil, clip, conj, conjugate, copysign, cos, cosh,
                     deg2rad, degrees, divide, divmod, exp, exp2, expm1, fabs, fix,
                     float_power, floor, floor_divide, fmax, fmin, fmod, heaviside, hypot,
                     imag, iscomplex, iscomplexobj, isreal, isrealobj, log, log1p, log2,
                     log10, mod, nan_to_num, positive, pow, power, rad2deg, radians, real,
                     reciprocal, remainder, rint, round, sign, sin, sinc, sinh, sqrt,
                     square, tan, tanh, true_divide, trunc)

# The families added for numpy completeness export their public names by ``__all__``.
from .sorting import *  # noqa: F401,F403
from .histograms import *  # noqa: F401,F403
from .sets import *  # noqa: F401,F403
from .statistics import *  # noqa: F401,F403
from .signal import *  # noqa: F401,F403
from .windows import *  # noqa: F401,F403
from .polynomials import *  # noqa: F401,F403
from .polynomial_fitting import *  # noqa: F401,F403
from .index_tricks import *  # noqa: F401,F403
from .manipulation import *  # noqa: F401,F403
from .bits import *  # noqa: F401,F403
from .floating_point import *  # noqa: F401,F403
from .dtypes import *  # noqa: F401,F403
from .vectorization import *  # noqa: F401,F403
from .ufunc_objects import *  # noqa: F401,F403
from .io import *  # noqa: F401,F403
from .printing import *  # noqa: F401,F403


# Called eagerly on concrete arrays, the functions marked ``@compiled_when_eager`` where
# they are defined run as one compiled executable each (as jax.numpy's jitted functions
# do; see lax/eager.py).  Only this namespace's bindings are wrapped: calls between the
# modules' functions stay plain.
from ..eager import compile_marked as _compile_marked  # noqa: E402
_compile_marked(globals())
_compile_marked(vars(linalg))     # jnp.linalg is a public namespace of its own

array_methods.install()
from . import concrete_arrays as _concrete_arrays  # noqa: E402
_concrete_arrays.install()

# Public: every function, type and constant imported above, and the namespaces JAX has as
# submodules (``jnp.linalg``, ``jnp.fft``) -- not the implementation modules (``ufuncs``, ``shapes``, ...).
_NAMESPACES = ("fft", "linalg")
__all__ = sorted(name for name, value in list(globals().items())
                 if not name.startswith("_") and name != "annotations"
                 and (not isinstance(value, _ModuleType) or name in _NAMESPACES))
