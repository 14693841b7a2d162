"""The special matrices of ``scipy.linalg``, as ``jax.scipy.linalg`` builds them.

Two families:

* matrices made from vectors -- ``toeplitz``, ``hankel``, ``circulant``, ``leslie``,
  ``companion``, ``fiedler``, ``fiedler_companion``, ``convolution_matrix``,
  ``block_diag`` -- batched over the vectors' leading axes (``jnp.vectorize`` over the
  broadcast batch dimensions, as in JAX).  The structured ones are one gather of the
  vector by a static table of indices (``toeplitz``: entry ``(i, j)`` is ``c[i - j]`` on
  and below the diagonal and ``r[j - i]`` above it), so they differentiate and batch
  like indexing does and copy the vectors' entries exactly;
* matrices of a size ``n`` -- ``hilbert``, ``invhilbert``, ``pascal``, ``invpascal``,
  ``helmert``, ``hadamard``, ``dft`` -- computed in the default float (or complex) dtype
  with JAX's formulas, so they round as JAX's do: binomial coefficients are
  ``exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1))``, exact for small ``n`` only,
  as in JAX.
"""
from __future__ import annotations

import math
import operator

import numpy as np

import zenax.lax.jnp as jnp
from zenax import lax
from zenax.lax.eager import compiled_when_eager
from zenax.lax.jnp.promotion import (ArrayLike, DTypeLike, canonical_dtype, check_arraylike,
                                     dtype_of, ndim_of, promote_args_inexact, promote_dtypes,
                                     shape_of)
from zenax.lax.registry import value_error
from zenax.tracer import dtypes as _dtypes

from .special_gamma import comb

__all__ = ["block_diag", "circulant", "companion", "convolution_matrix", "dft", "fiedler",
           "fiedler_companion", "hadamard", "hankel", "helmert", "hilbert", "invhilbert",
           "invpascal", "leslie", "pascal", "toeplitz"]


# --------------------------------------------------------------------------- from vectors

@compiled_when_eager(n_arrays=0)
def block_diag(*arrs: ArrayLike):
    """The block-diagonal matrix with ``arrs`` (scalars, vectors as rows, or matrices) on
    its diagonal, in order; dtypes promote.

    >>> zenax.scipy.linalg.block_diag(jnp.ones((1, 2)), 2 * jnp.eye(2))
    Array([[1., 1., 0., 0.],
           [0., 0., 2., 0.],
           [0., 0., 0., 2.]], dtype=float32)
    """
    if not arrs:
        arrs = (jnp.zeros((1, 0)),)
    check_arraylike("block_diag", *arrs)
    arrs = promote_dtypes(*arrs)
    for i, a in enumerate(arrs):
        if ndim_of(a) > 2:
            raise value_error(f"block_diag: the arguments must have at most 2 dimensions, "
                              f"got shape {shape_of(a)} at argument {i}")
    blocks = [jnp.atleast_2d(a) for a in arrs]
    total = sum(shape_of(b)[1] for b in blocks)
    rows, start = [], 0
    for b in blocks:
        cols = shape_of(b)[1]
        rows.append(lax.pad(b, np.zeros((), dtype_of(b)),
                            [(0, 0, 0), (start, total - start - cols, 0)]))
        start += cols
    return jnp.concatenate(rows, axis=0)


def _gather_matrix(v, index: np.ndarray):
    """``v[..., index]`` for a static table ``index`` of positions in ``v``'s last axis."""
    return v[..., index]


def _strong(x):
    # JAX builds toeplitz and hankel with a convolution, whose result is never weakly typed.
    return lax.convert_element_type(x, dtype_of(x))


def _toeplitz_matrix(c, r):
    m, n = shape_of(c)[-1], shape_of(r)[-1]
    dtype = jnp.promote_types(dtype_of(c), dtype_of(r))
    if m == 0 or n == 0:
        return jnp.empty((m, n), dtype=dtype)
    # The entries in one line: c reversed, then r past its first entry.
    elems = jnp.concatenate((jnp.flip(c, -1), r[..., 1:]), axis=-1)
    return _strong(_gather_matrix(elems, (m - 1) - np.arange(m)[:, None] + np.arange(n)[None, :]))


def toeplitz(c: ArrayLike, r: ArrayLike | None = None):
    """The Toeplitz matrix with first column ``c`` and first row ``r`` (``conj(c)`` by
    default; ``r[0]`` is ignored), batched over the leading axes of ``c`` and ``r``.

    >>> zenax.scipy.linalg.toeplitz(jnp.array([1., 2., 3.]), jnp.array([1., 4., 5.]))
    Array([[1., 4., 5.],
           [2., 1., 4.],
           [3., 2., 1.]], dtype=float32)
    """
    if r is None:
        check_arraylike("toeplitz", c)
        r = jnp.conjugate(jnp.asarray(c))
    else:
        check_arraylike("toeplitz", c, r)
    c, r = jnp.atleast_1d(jnp.asarray(c)), jnp.atleast_1d(jnp.asarray(r))
    return jnp.vectorize(_toeplitz_matrix, signature="(m),(n)->(m,n)")(c, r)


def _hankel_matrix(c, r):
    m, n = shape_of(c)[-1], shape_of(r)[-1]
    if m == 0 or n == 0:
        return jnp.empty((m, n), dtype=jnp.result_type(c, r))
    elems = jnp.concatenate((c, r[..., 1:]), axis=-1)
    return _strong(_gather_matrix(elems, np.arange(m)[:, None] + np.arange(n)[None, :]))


def hankel(c: ArrayLike, r: ArrayLike | None = None):
    """The Hankel matrix with first column ``c`` and last row ``r`` (zeros by default;
    ``r[0]`` is ignored), constant along its anti-diagonals, batched over leading axes.

    >>> zenax.scipy.linalg.hankel(jnp.array([1., 2., 3.]), jnp.array([3., 4., 5.]))
    Array([[1., 2., 3.],
           [2., 3., 4.],
           [3., 4., 5.]], dtype=float32)
    """
    if r is None:
        check_arraylike("hankel", c)
        c = jnp.asarray(c)
        r = jnp.zeros_like(c)
    else:
        check_arraylike("hankel", c, r)
        c, r = jnp.asarray(c), jnp.asarray(r)
    if ndim_of(c) == 0:
        raise value_error("hankel: c must be at least 1-dimensional, got a scalar")
    if ndim_of(r) == 0:
        raise value_error("hankel: r must be at least 1-dimensional, got a scalar")
    if ndim_of(c) < ndim_of(r):
        c = lax.expand_dims(c, tuple(range(ndim_of(r) - ndim_of(c))))
    elif ndim_of(r) < ndim_of(c):
        r = lax.expand_dims(r, tuple(range(ndim_of(c) - ndim_of(r))))
    return jnp.vectorize(_hankel_matrix, signature="(m),(n)->(m,n)")(c, r)


def _circulant_matrix(c):
    n = shape_of(c)[-1]
    return _gather_matrix(c, (np.arange(n)[:, None] - np.arange(n)[None, :]) % n)


def circulant(c: ArrayLike):
    """The circulant matrix with first column ``c``: each column is the one before it
    rolled down by one; batched over the leading axes of ``c``.

    >>> zenax.scipy.linalg.circulant(jnp.array([1., 2., 3.]))
    Array([[1., 3., 2.],
           [2., 1., 3.],
           [3., 2., 1.]], dtype=float32)
    """
    check_arraylike("circulant", c)
    c = jnp.atleast_1d(jnp.asarray(c))
    return jnp.vectorize(_circulant_matrix, signature="(n)->(n,n)")(c)


def _leslie_matrix(f, s):
    f, s = promote_dtypes(f, s)
    n = shape_of(f)[-1]
    rows, cols = np.arange(n)[:, None], np.arange(n)[None, :]
    out = jnp.where(rows == cols + 1, jnp.pad(s, (0, 1))[cols], jnp.zeros((), dtype_of(f)))
    return jnp.where(rows == 0, f[cols], out)


def leslie(f: ArrayLike, s: ArrayLike):
    """The Leslie matrix of fecundities ``f`` (first row, length ``n >= 2``) and survival
    rates ``s`` (subdiagonal, length ``n - 1``), batched over leading axes.

    >>> zenax.scipy.linalg.leslie(jnp.array([0.1, 2., 1.]), jnp.array([0.2, 0.8]))
    Array([[0.1, 2. , 1. ],
           [0.2, 0. , 0. ],
           [0. , 0.8, 0. ]], dtype=float32)
    """
    check_arraylike("leslie", f, s)
    f, s = jnp.atleast_1d(f), jnp.atleast_1d(s)
    if shape_of(f)[-1] < 2:
        raise value_error(f"leslie: the length of f along the last axis must be at least "
                          f"2; got shape {shape_of(f)}")
    if shape_of(s)[-1] != shape_of(f)[-1] - 1:
        raise value_error(f"leslie: the length of s along the last axis must be one less "
                          f"than the length of f; got f shape {shape_of(f)} and s shape "
                          f"{shape_of(s)}")
    return jnp.vectorize(_leslie_matrix, signature="(n),(m)->(n,n)")(f, s)


def _companion_matrix(a):
    first_row = jnp.negative(a[1:]) / a[0]
    m = shape_of(a)[-1] - 1
    rows = np.arange(m)[:, None]
    shifted = jnp.eye(m, m, k=-1, dtype=dtype_of(first_row))
    return jnp.where(rows == 0, first_row[None, :], shifted)


def companion(a: ArrayLike):
    """The companion matrix of the polynomial with coefficients ``a`` (highest degree
    first, ``a[0] != 0``): its eigenvalues are the polynomial's roots.  Batched over
    leading axes.

    >>> zenax.scipy.linalg.companion(jnp.array([1., -6., 11., -6.]))
    Array([[  6., -11.,   6.],
           [  1.,   0.,   0.],
           [  0.,   1.,   0.]], dtype=float32)
    """
    a, = promote_args_inexact("companion", a)
    a = jnp.atleast_1d(a)
    if shape_of(a)[-1] < 2:
        raise value_error(f"companion: the length of `a` along the last axis must be at "
                          f"least 2; got shape {shape_of(a)}")
    return jnp.vectorize(_companion_matrix, signature="(n)->(m,m)")(a)


def fiedler(a: ArrayLike):
    """The symmetric Fiedler matrix ``|a[i] - a[j]|`` of the entries of ``a``, batched
    over leading axes.

    >>> zenax.scipy.linalg.fiedler(jnp.array([1., 4., 12.]))
    Array([[ 0.,  3., 11.],
           [ 3.,  0.,  8.],
           [11.,  8.,  0.]], dtype=float32)
    """
    check_arraylike("fiedler", a)
    a = jnp.atleast_1d(a)
    return jnp.abs(a[..., None] - a[..., None, :])


def _fiedler_companion_matrix(a):
    n = shape_of(a)[-1] - 1
    if n == 0:
        return jnp.empty_like(a, shape=(0, 0))
    a = a / a[0]
    if n == 1:
        return jnp.reshape(-a[1:], (1, 1))
    # The pentadiagonal layout: -a[1] at (0, 0) and 1 below it; on even rows i, -a[i+2]
    # right of the diagonal, 1 two right of it and -a[i+1] left of it (i >= 2); on odd
    # rows i >= 3, 1 two left of the diagonal.
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    even, odd = i % 2 == 0, i % 2 == 1
    one, zero = jnp.ones((), dtype_of(a)), jnp.zeros((), dtype_of(a))
    conditions = [(i == 0) & (j == 0), (i == 1) & (j == 0), (j == i + 1) & even,
                  (j == i + 2) & even, (j == i - 1) & even & (i >= 2),
                  (j == i - 2) & odd & (i >= 3)]
    choices = [jnp.negative(a[1]), one, jnp.negative(a[np.minimum(i + 2, n)]), one,
               jnp.negative(a[np.minimum(i + 1, n)]), one]
    return jnp.select([jnp.asarray(c) for c in conditions], choices, default=zero)


def fiedler_companion(a: ArrayLike):
    """The Fiedler companion matrix of the polynomial with coefficients ``a`` (highest
    degree first): pentadiagonal, with the polynomial's roots as its eigenvalues.  Batched
    over leading axes.

    >>> zenax.scipy.linalg.fiedler_companion(jnp.array([1., -6., 11., -6.]))
    Array([[  6., -11.,   1.],
           [  1.,   0.,   0.],
           [  0.,   6.,   0.]], dtype=float32)
    """
    a, = promote_args_inexact("fiedler_companion", a)
    a = jnp.atleast_1d(a)
    if shape_of(a)[-1] == 0:
        raise value_error(f"fiedler_companion: the last axis of 'a' must have nonzero "
                          f"length, got an array of shape {shape_of(a)}")
    return jnp.vectorize(_fiedler_companion_matrix, signature="(n)->(m,m)")(a)


@compiled_when_eager(n_arrays=1, static_argnames=("n", "mode"))
def convolution_matrix(a: ArrayLike, n: int, mode: str = "full"):
    """The matrix ``A`` with ``A @ v == jnp.convolve(a, v, mode)`` for vectors ``v`` of
    length ``n`` (a Toeplitz matrix); batched over the leading axes of ``a``.

    >>> zenax.scipy.linalg.convolution_matrix(jnp.array([1., 2.]), 3)
    Array([[1., 0., 0.],
           [2., 1., 0.],
           [0., 2., 1.],
           [0., 0., 2.]], dtype=float32)
    """
    n = operator.index(n)
    if n <= 0:
        raise value_error(f"convolution_matrix: n must be a positive integer; got {n}")
    check_arraylike("convolution_matrix", a)
    a = jnp.asarray(a)
    if ndim_of(a) == 0:
        raise value_error("convolution_matrix: a must be at least 1-dimensional, got a "
                           "scalar")
    m = shape_of(a)[-1]
    if m < 1:
        raise value_error(f"convolution_matrix: len(a) must be at least 1; got shape "
                          f"{shape_of(a)}")
    if mode not in ("full", "valid", "same"):
        raise value_error(f"convolution_matrix: mode must be one of 'full', 'valid', "
                          f"'same'; got {mode!r}")
    pad_widths = [(0, 0)] * (ndim_of(a) - 1) + [(0, n - 1)]
    padded, reversed_padded = jnp.pad(a, pad_widths), jnp.pad(jnp.flip(a, -1), pad_widths)
    length = m + n - 1
    if mode == "same":
        trim = min(n, m) - 1
        begin, end = trim // 2, trim - trim // 2
    elif mode == "valid":
        begin = end = min(n, m) - 1
    else:
        begin = end = 0
    last = ndim_of(a) - 1
    column = lax.slice_in_dim(padded, begin, length - end, axis=last)
    row = lax.slice_in_dim(reversed_padded, length - n - begin, length - begin, axis=last)
    return toeplitz(column, row)


# --------------------------------------------------------------------------- of a size n

def _size(n) -> int:
    return operator.index(n)


@compiled_when_eager(n_arrays=0, static_argnames=("n",))
def hilbert(n: int):
    """The ``n x n`` Hilbert matrix ``1 / (i + j + 1)``, in the default float dtype.

    >>> zenax.scipy.linalg.hilbert(3)
    Array([[1.        , 0.5       , 0.33333334],
           [0.5       , 0.33333334, 0.25      ],
           [0.33333334, 0.25      , 0.2       ]], dtype=float32)
    """
    n = _size(n)
    a = lax.broadcasted_iota(_dtypes.default_float_dtype(), (n, 1), 0)
    return 1 / (a + a.T + 1)


@compiled_when_eager(n_arrays=0, static_argnames=("n",))
def invhilbert(n: int):
    """The inverse of the ``n x n`` Hilbert matrix, from its closed form (binomial
    coefficients from ``lgamma``, so rounded even for small ``n``).

    >>> jnp.round(zenax.scipy.linalg.invhilbert(3))
    Array([[   9.,  -36.,   30.],
           [ -36.,  192., -180.],
           [  30., -180.,  180.]], dtype=float32)
    """
    n = _size(n)
    a = jnp.arange(n, dtype=_dtypes.default_float_dtype())
    i, j = a[:, None], a[None, :]
    s = i + j
    return ((-1.0) ** s * (s + 1.0) * comb(n + i, n - j - 1) * comb(n + j, n - i - 1)
            * comb(s, i) ** 2)


def _binom(n, k):
    return lax.exp(lax.lgamma(n + 1.0) - lax.lgamma(n - k + 1.0) - lax.lgamma(k + 1.0))


def _pascal_kind(name: str, kind: str | None) -> str:
    kind = "symmetric" if kind is None else kind
    if kind not in ("symmetric", "lower", "upper"):
        raise value_error(f"{name}: expected kind to be one of 'symmetric', 'lower' or "
                          f"'upper'; got {kind!r}")
    return kind


@compiled_when_eager(n_arrays=0, static_argnames=("n", "kind"))
def pascal(n: int, kind: str | None = None):
    """The ``n x n`` Pascal matrix of binomial coefficients: ``'lower'`` triangular
    (``binom(i, j)``), ``'upper'`` (its transpose) or ``'symmetric'`` (their product, the
    default), in float32 (from ``lgamma``, so rounded).

    >>> jnp.round(zenax.scipy.linalg.pascal(3, kind="lower"))
    Array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 2., 1.]], dtype=float32)
    """
    kind = _pascal_kind("pascal", kind)
    a = jnp.arange(_size(n), dtype=np.float32)
    lower = _binom(a[:, None], a[None, :])
    if kind == "lower":
        return lower
    if kind == "upper":
        return lower.T
    return jnp.dot(lower, lower.T)


@compiled_when_eager(n_arrays=0, static_argnames=("n", "kind"))
def invpascal(n: int, kind: str | None = None):
    """The inverse of :func:`pascal`'s matrix of the same ``kind``: for ``'lower'``,
    ``(-1)^(i - j) binom(i, j)``; in the default float dtype.

    >>> jnp.round(zenax.scipy.linalg.invpascal(3, kind="lower")) + 0.0
    Array([[ 1.,  0.,  0.],
           [-1.,  1.,  0.],
           [ 1., -2.,  1.]], dtype=float32)
    """
    kind = _pascal_kind("invpascal", kind)
    a = jnp.arange(_size(n), dtype=_dtypes.default_float_dtype())
    i, j = a[:, None], a[None, :]
    lower_inv = ((-1.0) ** (i - j)) * _binom(i, j)
    if kind == "lower":
        return lower_inv
    if kind == "upper":
        return lower_inv.T
    return jnp.dot(lower_inv.T, lower_inv)


@compiled_when_eager(n_arrays=0, static_argnames=("n", "full"))
def helmert(n: int, full: bool = False):
    """The Helmert matrix: ``n - 1`` orthonormal rows orthogonal to the vector of ones
    (row ``k`` is ``1 / sqrt(k (k + 1))`` ``k`` times, then ``-k / sqrt(k (k + 1))``), and
    with ``full`` the normalized ones row on top.

    >>> zenax.scipy.linalg.helmert(3)
    Array([[ 0.70710677, -0.70710677,  0.        ],
           [ 0.40824828,  0.40824828, -0.81649655]], dtype=float32)
    """
    n = _size(n)
    if n < 1:
        raise value_error(f"helmert: n must be a positive integer; got {n}")
    i, j = jnp.arange(n - 1)[:, None], jnp.arange(n)[None, :]
    k = i + 1
    k_float = k.astype(_dtypes.default_float_dtype())
    denominator = jnp.sqrt(k_float * (k_float + 1))
    h = jnp.where(j <= i, 1.0 / denominator,
                  jnp.where(j == k, -k_float / denominator, jnp.zeros_like(denominator)))
    if full:
        first_row = jnp.full((1, n), 1.0 / jnp.sqrt(n), dtype=dtype_of(h))
        h = jnp.concatenate([first_row, h], axis=0)
    return h


@compiled_when_eager(n_arrays=0, static_argnames=("n", "dtype"))
def hadamard(n: int, dtype: DTypeLike = int):
    """The ``n x n`` Hadamard matrix (``n`` a power of 2) of Sylvester's construction,
    entries +-1 of ``dtype`` (the default int).

    >>> zenax.scipy.linalg.hadamard(4)
    Array([[ 1,  1,  1,  1],
           [ 1, -1,  1, -1],
           [ 1,  1, -1, -1],
           [ 1, -1, -1,  1]], dtype=int32)
    """
    n = _size(n)
    if n < 1 or not math.log2(n).is_integer():
        raise value_error(f"hadamard: n must be a positive power of 2; got {n}")
    h = jnp.ones((1, 1), dtype=dtype)
    for _ in range(int(math.log2(n))):
        h = jnp.block([[h, h], [h, -h]])
    return h


@compiled_when_eager(n_arrays=0, static_argnames=("n", "scale", "dtype"))
def dft(n: int, scale: str | None = None, *, dtype: DTypeLike | None = None):
    """The ``n x n`` discrete Fourier transform matrix ``exp(-2 pi i j k / n)``, so
    ``dft(n) @ x == jnp.fft.fft(x)``; ``scale`` ``'sqrtn'`` or ``'n'`` divides it by
    ``sqrt(n)`` or ``n``.  ``dtype`` must be complex (the default complex dtype).

    >>> x = jnp.array([1., 2., 3., 4.])
    >>> jnp.allclose(zenax.scipy.linalg.dft(4) @ x, jnp.fft.fft(x), atol=1e-5)
    Array(True, dtype=bool)
    """
    if scale is not None and scale not in ("sqrtn", "n"):
        raise value_error(f"dft: scale must be None, 'sqrtn', or 'n'; got {scale!r}")
    if dtype is None:
        dtype = canonical_dtype(np.complex128)
    else:
        dtype = canonical_dtype(dtype)
        if not _dtypes.is_complex(dtype):
            raise value_error(f"dft: dtype must be a complex floating-point type; got "
                              f"{dtype}")
    n = _size(n)
    a = jnp.arange(n, dtype=dtype)
    omegas = jnp.exp(-2j * np.pi * a[:, None] * a[None, :] / n)
    if scale == "sqrtn":
        omegas = omegas / jnp.sqrt(n)
    elif scale == "n":
        omegas = omegas / n
    return omegas
