"""The one comparison helper of the test suite: is zenax's result the oracle's result?

Every test compares what zenax computes with what JAX (or NumPy, or finite differences)
computes for the same program.  The results are pytrees of arrays, and "the same" means the
same tree structure and, per leaf, the same shape, dtype and weak type, with values equal up
to a rounding budget that fits the dtype:

    assert_same(actual, expected)        # structure, shapes, dtypes, weak types, values
    assert_close(actual, expected)       # structure, shapes, values (dtypes may differ)
    assert_bits_equal(actual, expected)  # structure, shapes, dtypes and every byte
    raises_like_jax(zfun, jfun, *args)   # zenax raises the exception type JAX raises

Values of integer and boolean dtypes must be equal; floating-point and complex values must
satisfy ``|actual - expected| <= atol + rtol * |expected|`` elementwise (NumPy's
``assert_allclose``), with NaN where the oracle has NaN and the same infinities.  The
``(rtol, atol)`` of a dtype comes from, in order: the ``rtol``/``atol`` arguments, a
caller's per-dtype table ``tol`` (``{"float32": (rtol, atol), ...}``), then
:data:`DEFAULT_TOL`.  A ``float0`` leaf (JAX's tangent type of integers) has no values.

    >>> import numpy as np, jax.numpy as jnp
    >>> assert_same(jnp.sin(jnp.float32(1)), np.sin(np.float32(1)), check_weak_type=False)
    >>> assert_close({"w": np.ones(2)}, {"w": np.ones(2, np.float32) + 1e-7})
"""
from __future__ import annotations

from typing import Any, Mapping

import jax
import jax.numpy as jnp
import numpy as np
import pytest

float0 = np.dtype(jax.dtypes.float0)

# (rtol, atol) per dtype name, for values that went through the same or a mathematically
# equal computation: a few ulps of the dtype, relative, plus an absolute floor for values
# that cancel to about zero.  Tight for float64, looser for float32, much looser for the
# 16-bit floats (bfloat16 keeps 8 significant bits).
DEFAULT_TOL: dict[str, tuple[float, float]] = {
    "float64": (1e-12, 1e-12), "complex128": (1e-12, 1e-12),
    "float32": (1e-5, 1e-6), "complex64": (1e-5, 1e-6),
    "float16": (2e-3, 1e-3), "bfloat16": (2e-2, 1e-2),
}


def _dtype(x) -> np.dtype:
    return np.dtype(x.dtype) if hasattr(x, "dtype") else np.asarray(x).dtype


def _is_inexact(dtype) -> bool:
    return bool(jnp.issubdtype(dtype, np.inexact))


def tolerance(dtype, rtol: float | None = None, atol: float | None = None,
              tol: Mapping[str, tuple[float, float]] | None = None) -> tuple[float, float]:
    """``(rtol, atol)`` for values of ``dtype``: ``(0, 0)`` unless it is inexact; else the
    given ``rtol``/``atol``, falling back to ``tol[dtype name]`` and :data:`DEFAULT_TOL`."""
    dtype = np.dtype(dtype)
    if not _is_inexact(dtype):
        return 0.0, 0.0
    if rtol is None or atol is None:
        table_rtol, table_atol = (tol or {}).get(dtype.name) or DEFAULT_TOL[dtype.name]
        rtol = table_rtol if rtol is None else rtol
        atol = table_atol if atol is None else atol
    return rtol, atol


def _leaves(actual, expected, err_msg: str) -> list:
    """``(path, actual leaf, expected leaf)`` once the two trees have the same structure."""
    a_leaves, a_tree = jax.tree_util.tree_flatten(actual)
    e_paths, e_tree = jax.tree_util.tree_flatten_with_path(expected)
    assert a_tree == e_tree, f"{err_msg}: tree structure {a_tree} != expected {e_tree}"
    return [(jax.tree_util.keystr(path), a, e) for a, (path, e) in zip(a_leaves, e_paths)]


def assert_same(actual: Any, expected: Any, *, rtol: float | None = None,
                atol: float | None = None, tol: Mapping[str, tuple[float, float]] | None = None,
                check_dtype: bool = True, check_weak_type: bool = True,
                err_msg: str = "") -> None:
    """``actual`` has ``expected``'s tree structure and, per leaf, its shape, dtype (unless
    ``check_dtype=False``), weak type (unless ``check_weak_type=False``; a NumPy array or
    Python scalar counts as not weak) and values within the dtype's tolerance (see the
    module docstring).

    >>> import numpy as np
    >>> assert_same((np.arange(3), np.float32(0.5)), (np.arange(3), np.float32(0.5)))
    """
    for path, a, e in _leaves(actual, expected, err_msg):
        where = f"{err_msg} leaf {path}".strip() if path else err_msg
        a_dtype, e_dtype = _dtype(a), _dtype(e)
        assert np.shape(a) == np.shape(e), \
            f"{where}: shape {np.shape(a)} != expected {np.shape(e)}"
        if check_dtype:
            assert a_dtype == e_dtype, f"{where}: dtype {a_dtype} != expected {e_dtype}"
        if check_weak_type:
            a_weak, e_weak = getattr(a, "weak_type", False), getattr(e, "weak_type", False)
            assert a_weak == e_weak, f"{where}: weak_type {a_weak} != expected {e_weak}"
        if float0 in (a_dtype, e_dtype):
            assert a_dtype == e_dtype, f"{where}: dtype {a_dtype} != expected {e_dtype}"
            continue
        a, e = np.asarray(a), np.asarray(e)
        if _is_inexact(e_dtype) or _is_inexact(a_dtype):
            leaf_rtol, leaf_atol = tolerance(e_dtype if _is_inexact(e_dtype) else a_dtype,
                                             rtol, atol, tol)
            complex_ = np.iscomplexobj(a) or np.iscomplexobj(e)
            wide = np.complex128 if complex_ else np.float64
            np.testing.assert_allclose(a.astype(wide), e.astype(wide), rtol=leaf_rtol,
                                       atol=leaf_atol, equal_nan=True, err_msg=where)
        else:
            np.testing.assert_array_equal(a, e, err_msg=where)


def assert_close(actual: Any, expected: Any, *, rtol: float | None = None,
                 atol: float | None = None, tol: Mapping[str, tuple[float, float]] | None = None,
                 err_msg: str = "") -> None:
    """Values only: ``actual`` has ``expected``'s tree structure and shapes, and its values
    are within the tolerance of ``expected``'s dtype (``actual``'s where ``expected`` is
    exact); dtypes and weak types may differ.

    >>> import numpy as np
    >>> assert_close(np.arange(3), np.arange(3.0))
    """
    assert_same(actual, expected, rtol=rtol, atol=atol, tol=tol, check_dtype=False,
                check_weak_type=False, err_msg=err_msg)


def assert_bits_equal(actual: Any, expected: Any, err_msg: str = "") -> None:
    """Bit for bit: the same tree structure and, per leaf, shape, dtype and bytes (NaN
    payloads and the sign of zero included) -- for random bits and serialized arrays.

    >>> import numpy as np
    >>> assert_bits_equal(np.uint32([7, 9]), np.uint32([7, 9]))
    """
    for path, a, e in _leaves(actual, expected, err_msg):
        where = f"{err_msg} leaf {path}".strip() if path else err_msg
        a, e = np.asarray(a), np.asarray(e)
        assert a.shape == e.shape, f"{where}: shape {a.shape} != expected {e.shape}"
        assert a.dtype == e.dtype, f"{where}: dtype {a.dtype} != expected {e.dtype}"
        as_bytes = lambda x: x.reshape(-1).view(np.uint8)
        np.testing.assert_array_equal(as_bytes(a), as_bytes(e), err_msg=where)


def raises_like_jax(zfun, jfun, *args, match: str | None = None, same_message: bool = False,
                    **kwargs) -> None:
    """``jfun(*args, **kwargs)`` raises, and ``zfun(*args, **kwargs)`` raises the same
    exception type (a subclass will do) -- with ``match`` in its message if given, and
    with JAX's very message if ``same_message``.

    >>> import numpy as np, jax.numpy as jnp
    >>> raises_like_jax(np.reshape, jnp.reshape, np.ones(3), (2,))
    """
    with pytest.raises(Exception) as theirs:
        jfun(*args, **kwargs)
    with pytest.raises(theirs.type, match=match) as ours:
        zfun(*args, **kwargs)
    if same_message:
        assert str(ours.value) == str(theirs.value)
