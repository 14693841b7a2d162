"""zenax.lax: the primitives and their wrappers, under JAX's names.

Each primitive lives next to its rules (abstract_eval, lowering, jvp, transpose, batching)
in the module named after its family: ``broadcasting`` (the four ops every rule uses),
``elementwise``, ``shapes``, ``reductions``, ``matmul``, ``sorting``, ``convolution``, ...
"""
from .elementwise import (RoundingMethod, _convert_element_type, abs, add, acos, acosh,  # noqa: F401
                          asin, asinh, atan, atan2, atanh, bitcast_convert_type, bitwise_and,
                          bitwise_not, bitwise_or, bitwise_xor, cbrt, ceil, clamp, complex,
                          conj, convert_element_type, cos, cosh, digamma, div, eq, erf, erf_inv,
                          erfc, exp, exp2, expm1, floor, ge, gt, imag, integer_pow, is_finite,
                          le, lgamma, log, log1p, logistic, lt, max, min, mul, ne, neg,
                          nextafter, population_count, pow, real, rem, round, rsqrt, select,
                          select_n, shift_left, shift_right_arithmetic, shift_right_logical,
                          sign, sin, sinh, sqrt, square, stop_gradient, sub, tan,
                          tanh)
from .broadcasting import broadcast_in_dim, reduce_sum, reshape, transpose  # noqa: F401
from .shapes import (broadcast, broadcast_to_rank, broadcasted_iota, collapse,  # noqa: F401
                     concatenate, expand_dims, index_in_dim, iota, pad, rev, slice,
                     slice_in_dim, squeeze)
from .reductions import (argmax, argmin, reduce_and, reduce_max, reduce_min, reduce_or,  # noqa: F401
                         reduce_prod, reduce_xor)
from .matmul import dot, dot_general  # noqa: F401

from . import broadcasting as _broadcasting
from . import elementwise as _elementwise
from . import matmul as _matmul
from . import reductions as _reductions
from . import shapes as _shapes

# The primitives themselves (``zenax.lax.sin_p`` ...), as JAX exposes them.
for _module in (_broadcasting, _elementwise, _shapes, _reductions, _matmul):
    globals().update({k: v for k, v in vars(_module).items() if k.endswith("_p")})
del _module

from .parallel import (all_gather, axis_index, axis_size, pmax, pmean, pmin,  # noqa: F401,E402
                       psum)
from . import parallel as _parallel  # noqa: E402
globals().update({k: v for k, v in vars(_parallel).items() if k.endswith("_p")})
from .collectives import (all_to_all, all_to_all_p, pbroadcast, pbroadcast_p,  # noqa: F401,E402
                          pcast, ppermute, ppermute_p, pshuffle, psum_scatter, pswapaxes)
from .sharding_constraint import sharding_constraint_p, with_sharding_constraint  # noqa: F401,E402
from .ragged_collectives import ragged_all_to_all, ragged_all_to_all_p  # noqa: F401,E402
from .tokens import (after_all, after_all_p, create_token, create_token_p,  # noqa: F401,E402
                     precv, psend)
from .device_put import device_put_p  # noqa: F401,E402
from .control_flow import cond, fori_loop, map, scan, switch, while_loop  # noqa: F401,E402
from .control_flow import cond_p, scan_p, while_p  # noqa: F401,E402
from .custom_solvers import custom_linear_solve, custom_root, linear_solve_p  # noqa: F401,E402
from .debugging import checkpoint_name, debug_callback_p, name_p  # noqa: F401,E402
from .convolution import *  # noqa: F401,F403,E402  (conv_general_dilated, conv, conv_transpose, ...)
from .windowed import *  # noqa: F401,F403,E402  (reduce_window_*, select_and_*, avg/max_pool)
from .sorting import argsort, sort, sort_key_val, sort_p, top_k, top_k_p  # noqa: F401,E402
from .gather_scatter_dnums import *  # noqa: F401,F403,E402  (dimension numbers, modes)
from .slicing import *  # noqa: F401,F403,E402  (gather, scatter*)
from .scatter_apply import scatter_apply, scatter_apply_p  # noqa: F401,E402
from .prng import threefry2x32, threefry2x32_p  # noqa: F401,E402
from .dynamic_slicing import *  # noqa: F401,F403,E402  (dynamic_slice, dynamic_update_slice, ...)
from .cumulative import *  # noqa: F401,F403,E402  (cumsum, cumprod, ..., associative_scan)
from .special import *  # noqa: F401,F403,E402  (bessel_i0e, bessel_i1e and their _p)
from .special_gamma import *  # noqa: F401,F403,E402  (polygamma, zeta, igamma*, betainc, ...)
from .bits import *  # noqa: F401,F403,E402  (clz, mulhi, reduce_precision and their _p)
from .fft import FftType, fft, fft_p  # noqa: F401,E402
from . import linalg  # noqa: F401,E402  (zenax.lax.linalg, as jax.lax.linalg)

from .precision import *  # noqa: F401,F403,E402  (Precision, DotAlgorithm, Tolerance, ...)
from .conveniences import *  # noqa: F401,F403,E402  (full, full_like, batch_matmul, ...)
from .stacking import *  # noqa: F401,F403,E402  (split, stack, unstack, tile and their _p)
from .compiler_hints import *  # noqa: F401,F403,E402  (optimization_barrier, stage, copy_p, ...)
from .total_order import *  # noqa: F401,F403,E402  (eq_to_p, le_to_p, lt_to_p)
from .rng import *  # noqa: F401,F403,E402  (rng_bit_generator, rng_uniform and their _p)
from .scatter_sub import scatter_sub, scatter_sub_p  # noqa: F401,E402
from .approx_top_k import *  # noqa: F401,F403,E402  (approx_max_k, approx_min_k, approx_top_k_p)
from .generic_reduce import reduce, reduce_p, reduce_window_p  # noqa: F401,E402
from .conv_helpers import *  # noqa: F401,F403,E402  (conv_*_shape_tuple, conv_general_dilated_patches, ...)
from .special_dots import *  # noqa: F401,F403,E402  (ragged_dot, ragged_dot_general, scaled_dot)
from .lowering_choices import composite, platform_dependent  # noqa: F401,E402
from . import eager as _eager  # noqa: E402
_eager.install()   # last: every primitive above runs eagerly through a jitted executable
