"""zenax.numpy's index tricks against jax.numpy: the grid and concatenation objects
(mgrid, ogrid, r_, c_, s_, index_exp), ix_, indices, unravel_index, ravel_multi_index, the
triangle/diagonal/mask indices and fill_diagonal -- results with their exact dtypes and
weak types, behaviour under jit/vmap/grad, and bad input."""
from __future__ import annotations

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax.lax.jnp import index_tricks
from zenax.tracer.errors import ConcretizationTypeError

from oracle import assert_same


def _both(f):
    return f(znp), f(jnp)


def _mask(x, k=0):
    """A custom mask_indices function (NumPy-only, so both libraries can call it)."""
    i, j = np.arange(x.shape[0])[:, None], np.arange(x.shape[1])
    return (i + 1) % (j + 1 + k) == 0


CASES = {
    "mgrid": lambda m: m.mgrid[0:4:1],
    "mgrid-linspace": lambda m: m.mgrid[0:1:4j],
    "mgrid-2d": lambda m: m.mgrid[:2, :3],
    "mgrid-promote": lambda m: m.mgrid[0:1:3j, 0:2],
    "mgrid-float-step": lambda m: m.mgrid[0:1:0.25],
    "mgrid-open-stop": lambda m: m.mgrid[2:],
    "mgrid-empty": lambda m: m.mgrid[()],
    "ogrid": lambda m: m.ogrid[:2, :3],
    "ogrid-linspace": lambda m: m.ogrid[0:1:4j],
    "ogrid-promote": lambda m: m.ogrid[0:1:3j, 0:2],
    "r_": lambda m: m.r_[-1:5:1, 0, 0, m.array([1, 2, 3])],
    "r_-linspace": lambda m: m.r_[-1:1:6j, 0, m.array([1, 2, 3])],
    "r_-ndmin": lambda m: m.r_['0,2', [1, 2, 3], [4, 5, 6]],
    "r_-trans1d": lambda m: m.r_['0,2,0', [1, 2, 3], [4, 5, 6]],
    "r_-trans1d-negative": lambda m: m.r_['0,2,-2', [1, 2, 3], [4, 5, 6]],
    "r_-row": lambda m: m.r_['r', [1, 2, 3], [4, 5, 6]],
    "r_-column": lambda m: m.r_['c', [1, 2, 3], [4, 5, 6]],
    "r_-long-directive": lambda m: m.r_['1,2,0,5', [1, 2, 3], [4, 5, 6]],
    "r_-scalar": lambda m: m.r_[3],
    "r_-2d": lambda m: m.r_[m.ones((2, 2)), m.zeros((1, 2))],
    "r_-3d": lambda m: m.r_['-1,3,1', m.ones((2, 2)), m.zeros((2, 2))],
    "c_": lambda m: m.c_[m.arange(6).reshape((2, 3)), m.arange(6).reshape((2, 3))],
    "c_-columns": lambda m: m.c_[m.array([1, 2]), m.array([3, 4])],
    "c_-ndmin": lambda m: m.c_['0,2', [1, 2, 3], [4, 5, 6]],
    "c_-trans1d": lambda m: m.c_['0,2,-1', [1, 2, 3], [4, 5, 6]],
    "c_-row": lambda m: m.c_['r', [1, 2, 3], [4, 5, 6]],
    "c_-slices": lambda m: m.c_[0:3, 1:4],
    "len-r_-c_": lambda m: (len(m.r_), len(m.c_)),
    "s_": lambda m: m.s_[1:2, ::3, None, ...],
    "index_exp": lambda m: m.index_exp[1:2],
    "ix_": lambda m: m.ix_(m.array([0, 2]), m.array([1, 3], m.uint8)),
    "ix_-empty": lambda m: m.ix_(m.array([0, 2]), m.zeros((0,))),
    "ix_-none": lambda m: m.ix_(),
    "indices": lambda m: m.indices((2, 3)),
    "indices-sparse": lambda m: m.indices((2, 3), sparse=True),
    "indices-dtype": lambda m: m.indices((2, 1), dtype=m.float32),
    "indices-empty": lambda m: (m.indices(()), m.indices((), sparse=True), m.indices((0, 2))),
    "unravel_index": lambda m: m.unravel_index(m.array([1, 3, 5, -1, -7, 6, 100]), (2, 3)),
    "unravel_index-scalar": lambda m: m.unravel_index(5, (2, 3)),
    "unravel_index-int-shape": lambda m: m.unravel_index(m.array([2, 7]), 4),
    "unravel_index-uint8": lambda m: m.unravel_index(m.array([2, 7, 200], m.uint8), (2, 3)),
    "unravel_index-empty-shape": lambda m: m.unravel_index(m.array([0, 1]), ()),
    "ravel_multi_index": lambda m: m.ravel_multi_index(
        (m.array([0, 0, 1]), m.array([0, 2, 1])), (2, 3)),
    "ravel_multi_index-F": lambda m: m.ravel_multi_index(
        (m.array([0, 0, 1]), m.array([0, 2, 1])), (2, 3), order='F'),
    "ravel_multi_index-clip": lambda m: m.ravel_multi_index(
        (m.array([0, 5, -1]), m.array([0, 2, 7])), (2, 3), mode='clip'),
    "ravel_multi_index-wrap": lambda m: m.ravel_multi_index(
        (m.array([0, 5, -1]), m.array([0, 2, 7])), (2, 3), mode='wrap'),
    "ravel_multi_index-ignore": lambda m: m.ravel_multi_index(
        (m.array([0, 5, -1]), m.array([0, 2, 7])), (2, 3), mode='ignore'),
    "ravel_multi_index-uint8": lambda m: m.ravel_multi_index(
        (m.array([1], m.uint8), m.array([2], m.uint8)), (2, 3)),
    "ravel_multi_index-dtype": lambda m: m.ravel_multi_index(
        (m.array([1], m.uint8), m.array([2], m.uint8)), (20, 30), dtype=m.int16),
    "ravel_multi_index-scalars": lambda m: m.ravel_multi_index((1, 2), (20, 30)),
    "ravel_multi_index-broadcast": lambda m: m.ravel_multi_index(
        (m.array([[1], [0]]), m.array([2, 1, 0])), (2, 3)),
    "triu_indices": lambda m: [m.triu_indices(3, k) for k in (0, 1, -1, 5, -5)],
    "tril_indices": lambda m: [m.tril_indices(3, k) for k in (0, 1, -1, 5, -5)],
    "triu_indices-m": lambda m: [m.triu_indices(3, k, 2) for k in (0, 1, -2)],
    "tril_indices-m": lambda m: [m.tril_indices(2, k, 4) for k in (0, 2, -1)],
    "triu_indices-0": lambda m: m.triu_indices(0),
    "triu_indices_from": lambda m: m.triu_indices_from(m.ones((2, 4)), k=1),
    "tril_indices_from": lambda m: m.tril_indices_from(np.ones((4, 2)), k=-1),
    "tril_indices_from-shape": lambda m: m.tril_indices_from(
        jax.ShapeDtypeStruct((2, 3), np.float32)),
    "mask_indices": lambda m: m.mask_indices(3, m.triu),
    "mask_indices-k": lambda m: m.mask_indices(3, m.tril, 1),
    "mask_indices-size": lambda m: m.mask_indices(3, m.tril, size=8),
    "mask_indices-custom": lambda m: m.mask_indices(3, _mask),
    "diag_indices": lambda m: (m.diag_indices(3), m.diag_indices(4, ndim=3),
                               m.diag_indices(0), m.diag_indices(2, 0)),
    "diag_indices_from": lambda m: (m.diag_indices_from(m.ones((3, 3))),
                                    m.diag_indices_from(m.ones((2, 2, 2)))),
    "fill_diagonal": lambda m: m.fill_diagonal(m.zeros((3, 3), int), m.array([1, 2, 3]),
                                               inplace=False),
    "fill_diagonal-truncate": lambda m: m.fill_diagonal(m.zeros((3, 3), int),
                                                        m.arange(100, 200), inplace=False),
    "fill_diagonal-repeat": lambda m: m.fill_diagonal(m.zeros((4, 4), int),
                                                      m.array([3, 4]), inplace=False),
    "fill_diagonal-wide": lambda m: m.fill_diagonal(m.zeros((3, 5), int), 1, inplace=False),
    "fill_diagonal-tall": lambda m: m.fill_diagonal(m.zeros((5, 3)), 1.5, inplace=False),
    "fill_diagonal-3d": lambda m: m.fill_diagonal(m.zeros((2, 2, 2)), 1, inplace=False),
    "fill_diagonal-2d-val": lambda m: m.fill_diagonal(
        m.zeros((3, 3)), m.array([[1., 2.], [3., 4.]]), inplace=False),
    "fill_diagonal-weak": lambda m: m.fill_diagonal(m.asarray(2.0) * m.ones((2, 2)), 1.,
                                                    inplace=False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_jax(name):
    assert_same(*_both(CASES[name]))


def test_x64_index_dtypes_match_jax(x64):
    assert_same(*_both(lambda m: (m.indices((2, 2)), m.tril_indices(2), m.diag_indices(2),
                                  m.ix_(m.zeros((0,))), m.mgrid[0:2],
                                  m.unravel_index(m.array([3]), (2, 2)),
                                  m.ravel_multi_index((m.array([1]), m.array([1])), (2, 2)))))


def test_fill_diagonal_wrap_follows_numpy():
    # JAX leaves wrap=True unimplemented; NumPy restarts the diagonal below the square.
    for shape, val in (((7, 3), np.array([1., 2.], np.float32)), ((3, 3), 5.0),
                       ((2, 5), np.float32(4.0))):
        expected = np.zeros(shape, np.float32)
        np.fill_diagonal(expected, val, wrap=True)
        assert_same(znp.fill_diagonal(np.zeros(shape, np.float32), val, wrap=True,
                                      inplace=False), expected, check_weak_type=False)


def test_index_functions_under_jit_and_vmap():
    flat = np.array([[1, 5, -1], [100, 0, 3]], np.int32)
    rows, cols = np.array([[0, 5, -1]], np.int32), np.array([[0, 2, 7]], np.int32)

    def unravel(m):
        return lambda i: m.unravel_index(i, (2, 3))

    def ravel(m):
        return lambda i, j: m.ravel_multi_index((i, j), (2, 3), mode='wrap', order='F')
    assert_same(zenax.jit(unravel(znp))(flat), jax.jit(unravel(jnp))(flat))
    assert_same(zenax.vmap(unravel(znp))(flat), jax.vmap(unravel(jnp))(flat))
    assert_same(zenax.jit(ravel(znp))(rows, cols), jax.jit(ravel(jnp))(rows, cols))
    assert_same(zenax.vmap(ravel(znp))(rows, cols), jax.vmap(ravel(jnp))(rows, cols))
    static = lambda m: lambda x: (m.triu_indices(3, 1), m.mask_indices(3, m.triu, size=6),  # noqa: E731
                                  m.diag_indices_from(x), m.ix_(x[0], x[1]))
    x = np.arange(4, dtype=np.int32).reshape(2, 2)
    assert_same(zenax.jit(static(znp))(x), jax.jit(static(jnp))(x))


def test_fill_diagonal_under_transforms():
    a = np.random.RandomState(0).randn(3, 4).astype(np.float32)
    val = np.array([1., 2.], np.float32)

    def f(m):
        return lambda a, v: (m.fill_diagonal(a, v, inplace=False) ** 2).sum()
    assert_same(zenax.jit(zenax.grad(f(znp), (0, 1)))(a, val), jax.grad(f(jnp), (0, 1))(a, val))
    batch = np.stack([a, 2 * a])
    fill = lambda m: lambda a: m.fill_diagonal(a, val, inplace=False)  # noqa: E731
    assert_same(zenax.vmap(fill(znp))(batch), jax.vmap(fill(jnp))(batch))


def test_static_arguments_must_be_concrete():
    cases = [
        (lambda m: lambda i: m.ravel_multi_index((i, i), (2, 3)), "ravel_multi_index"),
        (lambda m: lambda n: m.triu_indices(n), "triu_indices"),
        (lambda m: lambda n: m.tril_indices(3, n), "tril_indices"),
        (lambda m: lambda n: m.diag_indices(n), "diag_indices"),
        (lambda m: lambda n: m.indices((n, 2)), "indices"),
        (lambda m: lambda n: m.mgrid[0:n], "mgrid"),
        (lambda m: lambda n: m.mask_indices(3, m.triu), "mask_indices"),
    ]
    for make, name in cases:
        with pytest.raises(jax.errors.ConcretizationTypeError):
            jax.jit(make(jnp))(np.int32(2))
        with pytest.raises(ConcretizationTypeError):
            zenax.jit(make(znp))(np.int32(2))
    with pytest.raises(ConcretizationTypeError, match="mode='wrap'"):
        zenax.jit(cases[0][0](znp))(np.int32(2))


BAD = {
    "mgrid-int": lambda m: m.mgrid[3],
    "r_-directive": lambda m: m.r_['x', [1, 2, 3]],
    "r_-late-directive": lambda m: m.r_[[1, 2, 3], 'r'],
    "ix_-bool": lambda m: m.ix_(m.array([True])),
    "ix_-2d": lambda m: m.ix_(m.ones((2, 2), int)),
    "ix_-list": lambda m: m.ix_([1, 2]),
    "unravel_index-shape": lambda m: m.unravel_index(m.array([2]), ((2, 3),)),
    "ravel_multi_index-raise": lambda m: m.ravel_multi_index(
        (m.array([0, 5]), m.array([0, 2])), (2, 3)),
    "ravel_multi_index-mode": lambda m: m.ravel_multi_index(
        (m.array([0]), m.array([0])), (2, 3), mode='x'),
    "ravel_multi_index-order": lambda m: m.ravel_multi_index(
        (m.array([0]), m.array([0])), (2, 3), order='x'),
    "ravel_multi_index-length": lambda m: m.ravel_multi_index((m.array([0]),), (2, 3)),
    "ravel_multi_index-float": lambda m: m.ravel_multi_index(
        (m.array([0.]), m.array([0.])), (2, 3)),
    "ravel_multi_index-float-dtype": lambda m: m.ravel_multi_index(
        (m.array([1]), m.array([2])), (2, 3), dtype=m.float32),
    "ravel_multi_index-overflow": lambda m: m.ravel_multi_index(
        (m.array([1], m.uint8), m.array([2], m.uint8)), (20, 30)),
    "ravel_multi_index-list": lambda m: m.ravel_multi_index(([1], [2]), (2, 3)),
    "tril_indices_from-3d": lambda m: m.tril_indices_from(np.ones((4, 2, 2))),
    "tril_indices_from-list": lambda m: m.tril_indices_from([[1, 2], [3, 4]]),
    "diag_indices-n": lambda m: m.diag_indices(-1),
    "diag_indices-ndim": lambda m: m.diag_indices(2, -1),
    "diag_indices_from-1d": lambda m: m.diag_indices_from(m.ones((2,))),
    "diag_indices_from-unequal": lambda m: m.diag_indices_from(m.ones((2, 3))),
    "diag_indices_from-list": lambda m: m.diag_indices_from([[1, 2], [3, 4]]),
    "fill_diagonal-inplace": lambda m: m.fill_diagonal(m.zeros((3, 3)), 1.),
    "fill_diagonal-1d": lambda m: m.fill_diagonal(m.zeros((3,)), 1., inplace=False),
    "fill_diagonal-unequal": lambda m: m.fill_diagonal(m.zeros((2, 2, 3)), 1., inplace=False),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_raises_the_jax_kind_naming_the_function(name):
    with pytest.raises(Exception) as expected:
        BAD[name](jnp)
    with pytest.raises(expected.type) as actual:
        BAD[name](znp)
    assert name.split("-")[0] in str(actual.value)


def test_docstring_examples():
    assert doctest.testmod(index_tricks, extraglobs={"jnp": znp}).failed == 0
