"""Polynomials as 1-D coefficient arrays, highest power first (NumPy's ``poly1d`` order):
``poly``, ``polyval``, ``polyadd``, ``polysub``, ``polymul``, ``polydiv``, ``polyder``,
``polyint`` and the Vandermonde matrix ``vander``.

Shapes stay static, as in JAX: ``polymul`` and ``polydiv`` keep leading zeros (so the
result length depends only on the input lengths) unless ``trim_leading_zeros=True``,
which needs concrete values.  Results of everything but ``polyadd``/``polysub``/
``polyval``/``vander`` are inexact (integers promote to the default float).

``polyfit`` and ``roots`` are not here yet: they need a least-squares solver and
eigenvalues, which zenax.lax does not have.
"""
from __future__ import annotations

import operator

import numpy as np

from zenax import lax
from zenax.tracer import dtypes as _dtypes
from zenax.tracer.core import Tracer
from zenax.tracer.errors import ConcretizationTypeError
from zenax.tracer.source_info import user_frame_str
from zenax.lax.eager import compiled_when_eager

from .creation import zeros
from .logic import where
from .products import matmul, outer
from .promotion import (ArrayLike, broadcast_shapes, broadcast_to, check_arraylike,
                        concrete_static, convert_to, dtype_of, ensure_array, ndim_of,
                        promote_dtypes, promote_dtypes_inexact, shape_of)
from .reductions import sum
from .shapes import atleast_1d, concatenate
from .signal import convolve_nd
from .ufuncs import abs, add, conj, multiply, power, real, sqrt, subtract, true_divide

__all__ = ["poly", "polyadd", "polyder", "polydiv", "polyint", "polymul", "polysub",
           "polyval", "vander"]


def _length(fun_name: str, arg_name: str, a, error: type = TypeError) -> int:
    """``len(a)``: polynomials are arrays with a leading (coefficient) axis.  (JAX's
    error for a scalar is an IndexError in some functions, a TypeError in others.)"""
    if ndim_of(a) == 0:
        raise error(f"{fun_name}: `{arg_name}` must be an array of coefficients with at "
                    f"least one dimension, got a scalar (at {user_frame_str()}); "
                    f"pass jnp.atleast_1d({arg_name}).")
    return shape_of(a)[0]


def _static_order(fun_name: str, m) -> int:
    return operator.index(concrete_static(fun_name, "m", m))


def _to_complex_dtype(dtype: np.dtype) -> np.dtype:
    if _dtypes.is_complex(dtype):
        return dtype
    return np.dtype(np.complex128) if dtype == np.dtype(np.float64) else np.dtype(np.complex64)


def _concrete_coefficients(fun_name: str, a, option: str = "trim_leading_zeros"
                           ) -> np.ndarray:
    """The values of ``a`` for the data-dependent trimming of leading zeros (asked for by
    the keyword ``option``)."""
    if isinstance(a, Tracer):
        value = a.to_concrete_value()
        if value is None:
            raise ConcretizationTypeError(
                a, f"jnp.{fun_name} with {option}=True needs concrete coefficients: the "
                   f"number of leading zeros is the result's shape. Pass {option}=False "
                   "under a transformation.\n")
        return np.asarray(value)
    return np.asarray(a)


def _trim_leading(a, first_kept: np.ndarray):
    """``a`` from the first True of ``first_kept`` on (empty if there is none)."""
    start = int(np.argmax(first_kept)) if first_kept.any() else shape_of(a)[0]
    return lax.slice_in_dim(a, start, shape_of(a)[0])


# --------------------------------------------------------------------------- evaluation

@compiled_when_eager(n_arrays=2, static_argnames=("unroll",))
def polyval(p: ArrayLike, x: ArrayLike, *, unroll: int = 16):
    """The polynomial with coefficients ``p`` (highest power first) at ``x``, by
    Horner's rule; ``unroll`` steps of the loop are unrolled.

    >>> jnp.polyval(jnp.array([1., 0., -2.]), jnp.array([0., 1., 2.]))   # x**2 - 2
    Array([-2., -1.,  2.], dtype=float32)
    """
    check_arraylike("polyval", p, x)
    p, x = promote_dtypes(ensure_array(p), x)
    _length("polyval", "p", p, IndexError)
    shape = broadcast_shapes(shape_of(p)[1:], shape_of(x))
    y = zeros(shape, dtype_of(x))
    y, _ = lax.scan(lambda y, c: (add(multiply(y, x), c), None), y, p,
                    unroll=operator.index(unroll))
    return y


@compiled_when_eager(n_arrays=1, static_argnames=("N", "increasing"))
def vander(x: ArrayLike, N: int | None = None, increasing: bool = False):
    """The Vandermonde matrix of ``x``: column ``j`` is ``x ** (N - 1 - j)`` (``x ** j``
    if ``increasing``); ``N`` defaults to ``len(x)``.

    >>> jnp.vander(jnp.array([1, 2, 3]), N=3)
    Array([[1, 1, 1],
           [4, 2, 1],
           [9, 3, 1]], dtype=int32)
    """
    check_arraylike("vander", x)
    x = ensure_array(x)
    if ndim_of(x) != 1:
        raise ValueError(f"vander: x must be a one-dimensional array, got shape "
                         f"{shape_of(x)} (at {user_frame_str()}).")
    N = shape_of(x)[0] if N is None else operator.index(concrete_static("vander", "N", N))
    if N < 0:
        raise ValueError(f"vander: N must be nonnegative, got {N}.")
    exponents = lax.iota(dtype_of(x), N)
    if not increasing:
        exponents = lax.rev(exponents, (0,))
    return power(lax.expand_dims(x, (1,)), lax.expand_dims(exponents, (0,)))


# --------------------------------------------------------------------------- arithmetic

def _add_aligned(a1, a2):
    """``a1 + a2`` with their trailing coefficients (lowest powers) aligned: the shorter
    one is added to the end of the longer (broadcast to that slice, as ``.at[-n:].add``)."""
    if shape_of(a2)[0] > shape_of(a1)[0]:
        a1, a2 = a2, a1
    n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
    tail = broadcast_to(a2, (n2,) + shape_of(a1)[1:])
    padding = [(n1 - n2, 0, 0)] + [(0, 0, 0)] * (ndim_of(a1) - 1)
    return lax.add(a1, lax.pad(tail, np.zeros((), dtype_of(a1)), padding))


@compiled_when_eager(n_arrays=2)
def polyadd(a1: ArrayLike, a2: ArrayLike):
    """The sum of two polynomials (coefficient arrays aligned at their last entry).

    >>> jnp.polyadd(jnp.array([1, 2]), jnp.array([3, 4, 5]))
    Array([3, 5, 7], dtype=int32)
    """
    check_arraylike("polyadd", a1, a2)
    a1, a2 = promote_dtypes(ensure_array(a1), ensure_array(a2))
    _length("polyadd", "a1", a1, IndexError)
    _length("polyadd", "a2", a2, IndexError)
    return _add_aligned(a1, a2)


@compiled_when_eager(n_arrays=2)
def polysub(a1: ArrayLike, a2: ArrayLike):
    """The difference of two polynomials (coefficient arrays aligned at their last entry).

    >>> jnp.polysub(jnp.array([1, 2]), jnp.array([3, 4, 5]))
    Array([-3, -3, -3], dtype=int32)
    """
    check_arraylike("polysub", a1, a2)
    a1, a2 = promote_dtypes(ensure_array(a1), ensure_array(a2))
    _length("polysub", "a1", a1, IndexError)
    _length("polysub", "a2", a2, IndexError)
    return _add_aligned(a1, lax.neg(a2))


def polymul(a1: ArrayLike, a2: ArrayLike, *, trim_leading_zeros: bool = False):
    """The product of two polynomials (as an inexact array).

    Leading zeros are kept, so the length is ``len(a1) + len(a2) - 1``;
    ``trim_leading_zeros=True`` drops them as NumPy does (eagerly only: it makes the
    shape depend on the values).

    >>> jnp.polymul(jnp.array([1., 2.]), jnp.array([1., -2.]))        # x**2 - 4
    Array([ 1.,  0., -4.], dtype=float32)
    """
    check_arraylike("polymul", a1, a2)
    a1, a2 = promote_dtypes_inexact(ensure_array(a1), ensure_array(a2))
    n1, n2 = _length("polymul", "a1", a1), _length("polymul", "a2", a2)
    if ndim_of(a1) != 1 or ndim_of(a2) != 1:
        raise ValueError(f"polymul: the coefficient arrays must be 1-D, got shapes "
                         f"{shape_of(a1)} and {shape_of(a2)} (at {user_frame_str()}).")
    if trim_leading_zeros and (n1 > 1 or n2 > 1):
        a1 = _trim_leading(a1, _concrete_coefficients("polymul", a1) != 0)
        a2 = _trim_leading(a2, _concrete_coefficients("polymul", a2) != 0)
    if shape_of(a1)[0] == 0:
        a1 = zeros((1,), dtype_of(a2))
    if shape_of(a2)[0] == 0:
        a2 = zeros((1,), dtype_of(a1))
    return convolve_nd("polymul", a1, a2, "full")


def polydiv(u: ArrayLike, v: ArrayLike, *, trim_leading_zeros: bool = False) -> tuple:
    """Quotient and remainder of dividing polynomial ``u`` by ``v`` (inexact arrays).

    The remainder keeps ``len(u)`` coefficients (its leading ones are zero up to
    rounding); ``trim_leading_zeros=True`` drops those below ``sqrt(eps)`` as NumPy does
    (eagerly only).

    >>> q, r = jnp.polydiv(jnp.array([1., 0., -4.]), jnp.array([1., 2.]))
    >>> q, r
    (Array([ 1., -2.], dtype=float32), Array([0., 0., 0.], dtype=float32))
    """
    check_arraylike("polydiv", u, v)
    u, v = promote_dtypes_inexact(ensure_array(u), ensure_array(v))
    m = _length("polydiv", "u", u) - 1
    n = _length("polydiv", "v", v) - 1
    if n < 0:
        raise IndexError(f"polydiv: the divisor v has no coefficients (at "
                         f"{user_frame_str()}).")
    dtype = dtype_of(u)
    scale = true_divide(1.0, lax.index_in_dim(v, 0, keepdims=False))
    q_terms = []
    # Long division: each step removes the leading term of the running remainder.
    for k in range(m - n + 1):
        d = multiply(scale, lax.index_in_dim(u, k, keepdims=False))
        q_terms.append(d)
        step = multiply(lax.neg(d), v)
        u = lax.add(u, lax.pad(step, np.zeros((), dtype), [(k, m - n - k, 0)]))
    if q_terms:
        q = lax.concatenate([lax.reshape(d, (1,)) for d in q_terms], 0)
    else:
        q = zeros((1,), dtype)
    if trim_leading_zeros:
        tol = np.sqrt(np.finfo(dtype).eps)
        u = _trim_leading(u, np.abs(_concrete_coefficients("polydiv", u)) >= tol)
    return q, u


# --------------------------------------------------------------------------- calculus

def _falling_factorials(n: int, m: int) -> np.ndarray:
    """``j * (j - 1) * ... * (j - m + 1)`` for ``j = n - 1, ..., m``: what the
    coefficient of ``x**j`` gains in the ``m``-th derivative (exact in float64)."""
    powers = np.arange(n - 1, m - 1, -1, dtype=np.float64)
    return np.prod(powers[None, :] - np.arange(m, dtype=np.float64)[:, None], axis=0)


@compiled_when_eager(n_arrays=1, static_argnames=("m",))
def polyder(p: ArrayLike, m: int = 1):
    """The coefficients of the ``m``-th derivative of the polynomial ``p`` (inexact).

    >>> jnp.polyder(jnp.array([1, 2, 3, 4]))     # x**3 + 2x**2 + 3x + 4
    Array([3., 4., 3.], dtype=float32)
    """
    check_arraylike("polyder", p)
    m = _static_order("polyder", m)
    p, = promote_dtypes_inexact(ensure_array(p))
    n = _length("polyder", "p", p)
    if m < 0:
        raise ValueError(f"polyder: the order of the derivative must be positive, got m={m}.")
    if m == 0:
        return p
    coeff = _falling_factorials(n, m).astype(dtype_of(p))
    return multiply(lax.slice_in_dim(p, 0, max(n - m, 0)), coeff)


@compiled_when_eager(n_arrays=1, static_argnames=("m",))
def polyint(p: ArrayLike, m: int = 1, k: ArrayLike | None = None):
    """The coefficients of the ``m``-th antiderivative of ``p`` (inexact); ``k`` gives
    the integration constants (a scalar, or one per integration, the first integration's
    constant first).

    >>> jnp.polyint(jnp.array([3, 2, 1]), k=5)   # of 3x**2 + 2x + 1
    Array([1., 1., 1., 5.], dtype=float32)
    """
    m = _static_order("polyint", m)
    k = 0 if k is None else k
    check_arraylike("polyint", p, k)
    p, k = promote_dtypes_inexact(ensure_array(p), k)
    if m < 0:
        raise ValueError(f"polyint: the order of the integral must be positive (see "
                         f"polyder), got m={m}.")
    k = atleast_1d(k)
    if shape_of(k) == (1,):
        k = broadcast_to(lax.reshape(k, ()), (m,))
    if shape_of(k) != (m,):
        raise ValueError(f"polyint: k must be a scalar or a rank-1 array of length 1 or m="
                         f"{m}, got shape {shape_of(k)}.")
    n = _length("polyint", "p", p)
    if m == 0:
        return p
    # The result's coefficient of x**e is divided by e (e - 1) ... (e - m + 1), factors
    # below 1 taken as 1 (the constants k sit at the powers below m).
    coeff = np.prod(np.maximum(1.0, np.arange(n + m, dtype=np.float64)[None, :]
                               - np.arange(m, dtype=np.float64)[:, None]), axis=0)[::-1]
    return true_divide(concatenate((p, k)), coeff.astype(dtype_of(p)))


# --------------------------------------------------------------------------- from roots

def _column(a, j):
    """``a[:, j]`` for a traced ``j``."""
    return lax.reshape(lax.dynamic_slice_in_dim(a, j, 1, axis=1), shape_of(a)[:1])


def _entry(a, i, j):
    """``a[i, j]`` for traced ``i``, ``j``."""
    return lax.reshape(lax.dynamic_slice(a, (i, j), (1, 1)), ())


def _hessenberg(a):
    """An upper Hessenberg matrix similar to the square ``a`` (same characteristic
    polynomial), by Householder reflections ``a -> (I - tau v v^H) a (I - tau v v^H)``.

    A column already zero below the subdiagonal skips its reflection (``tau = 0``); the
    guards keep such inputs free of NaNs in derivatives too.
    """
    n = shape_of(a)[0]
    rows = lax.iota(np.int32, n)

    def reflect(k, a):
        k = lax.convert_element_type(k, np.int32)   # the loop counter is int64 under x64
        x = where(lax.gt(rows, k), _column(a, k), 0)
        x0 = _entry(a, k + 1, k)
        abs_x0 = abs(x0)
        x0_nonzero = lax.gt(abs_x0, np.zeros((), dtype_of(abs_x0)))
        norm2 = real(sum(multiply(x, conj(x))))
        nonzero_ = lax.gt(norm2, np.zeros((), dtype_of(norm2)))
        norm = where(nonzero_, sqrt(where(nonzero_, norm2, 1)), 0)
        # Reflect x onto -phase(x0) |x| e_{k+1}: the sign that avoids cancellation.
        phase = where(x0_nonzero, true_divide(x0, where(x0_nonzero, abs_x0, 1)), 1)
        e = lax.convert_element_type(lax.eq(rows, k + 1), dtype_of(a))
        v = add(x, multiply(multiply(phase, norm), e))
        v_norm2 = multiply(multiply(2, norm), add(norm, abs_x0))
        tau = where(nonzero_, true_divide(2, where(nonzero_, v_norm2, 1)), 0)
        v_h = conj(v)
        a = subtract(a, multiply(tau, outer(v, matmul(v_h, a))))
        return subtract(a, multiply(tau, outer(matmul(a, v), v_h)))
    return lax.fori_loop(np.int32(0), np.int32(max(n - 2, 0)), reflect, a)


def _characteristic_polynomial(a):
    """det(x I - a), highest power first: La Budde's recurrence on a Hessenberg form.

    It stands in for JAX's product over the eigenvalues, which zenax cannot compute yet,
    with about the same accuracy (unlike the Faddeev-LeVerrier recurrence, whose powers
    of ``a`` lose all digits beyond a dozen rows).  ``p_k``, the characteristic
    polynomial of the leading k x k block of the Hessenberg ``h``, is
    ``(x - h[k-1, k-1]) p_{k-1} - sum_{j < k-1} h[j, k-1] s_{j+1} ... s_{k-1} p_j`` with
    ``s_r = h[r, r-1]`` the subdiagonal.
    """
    h = _hessenberg(a)
    n = shape_of(h)[0]
    dtype = dtype_of(h)
    zero = np.zeros((), dtype)
    j = lax.iota(np.int32, n)

    def step(k, carry):
        # p: row i holds p_i's coefficients, lowest power first (rows >= k still zero);
        # suffix[j] = s_{j+1} ... s_{k-1} for j < k - 1, zero beyond.
        p, suffix = carry
        k = lax.convert_element_type(k, np.int32)
        prev = lax.reshape(lax.dynamic_slice_in_dim(p, k - 1, 1), (n + 1,))
        times_x = lax.pad(lax.slice_in_dim(prev, 0, n), zero, [(1, 0, 0)])
        p_k = subtract(times_x, multiply(_entry(h, k - 1, k - 1), prev))
        s = where(lax.ge(k, np.int32(2)), _entry(h, k - 1, k - 2), 1)
        suffix = multiply(where(lax.eq(j, k - 2), 1, suffix), s)
        weights = multiply(_column(h, k - 1), suffix)
        p_k = subtract(p_k, matmul(weights, lax.slice_in_dim(p, 0, n)))
        return lax.dynamic_update_slice(p, lax.reshape(p_k, (1, n + 1)), (k, 0)), suffix

    p = lax.pad(np.ones((1, 1), dtype), zero, [(0, n, 0), (0, n, 0)])
    p, _ = lax.fori_loop(np.int32(1), np.int32(n + 1), step,
                         (p, lax.broadcast_in_dim(zero, (n,), ())))
    return lax.rev(lax.reshape(lax.slice_in_dim(p, n, n + 1), (n + 1,)), (0,))


@compiled_when_eager(n_arrays=1)
def poly(seq_of_zeros: ArrayLike):
    """The coefficients of the monic polynomial with the given roots (a scalar counts as
    one root), or the characteristic polynomial of a square matrix (complex, as JAX's).

    >>> jnp.poly(jnp.array([1, 2, 3]))           # (x - 1)(x - 2)(x - 3)
    Array([ 1., -6., 11., -6.], dtype=float32)
    """
    check_arraylike("poly", seq_of_zeros)
    zeros_, = promote_dtypes_inexact(ensure_array(seq_of_zeros))
    zeros_ = atleast_1d(zeros_)
    dtype = dtype_of(zeros_)
    shape = shape_of(zeros_)
    if len(shape) == 2 and shape[0] == shape[1] and shape[0] != 0:
        return convert_to(_characteristic_polynomial(zeros_), _to_complex_dtype(dtype))
    if len(shape) != 1:
        raise ValueError(f"poly: input must be 1d or non-empty square 2d array, got shape "
                         f"{shape} (at {user_frame_str()}).")
    n = shape[0]
    if n == 0:
        return lax.broadcast_in_dim(np.ones((), dtype), (), ())
    zero = np.zeros((), dtype)

    def times_root_factor(i, a):
        # a * (x - z), in the n + 1 slots (highest power first, zeros after the degree).
        z = lax.reshape(lax.dynamic_slice_in_dim(zeros_, i, 1), ())
        return lax.sub(a, lax.mul(z, lax.pad(lax.slice_in_dim(a, 0, n), zero, [(1, 0, 0)])))
    a = lax.pad(np.ones((1,), dtype), zero, [(0, n, 0)])
    return lax.fori_loop(np.int32(0), np.int32(n), times_root_factor, a)
