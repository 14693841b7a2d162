"""Cumulative reductions (``lax.cumsum/cumprod/cummax/cummin/cumlogsumexp``),
``lax.associative_scan`` and zenax.numpy's cumulative functions and differences, against
JAX (the spec table covers each primitive's eager/jit/jvp/vjp/vmap sweep; this file covers
the behaviour around it):

* values for every axis (negative ones too, which jax.lax rejects), both directions,
  integer and low-precision dtypes, ties, zeros, infinities and NaNs;
* derivatives where closed forms are delicate -- ties of ``cummax``, zeros in ``cumprod``,
  ``-inf`` in ``cumlogsumexp`` -- against ``jax.jvp``/``jax.vjp``, and to second order
  against finite differences;
* ``vmap`` against ``jax.vmap``; ``associative_scan`` on pytrees against JAX's;
* ``jnp.cumsum`` & co. against ``jax.numpy`` (dtype rules, ``axis=None``, NaNs,
  ``include_initial``), the ``.cumsum()`` method on tracers, ``diff`` and ``ediff1d``;
* errors.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax import lax
from zenax.test_util import check_grads

from oracle import assert_same

jlax = jax.lax
rng = np.random.RandomState(0)
X = rng.randn(3, 5).astype(np.float32)
TIED = np.array([[1., 3., 3., 2., 3., 5., 5.], [2., 2., 2., 2., 1., 1., 0.]], np.float32)
ZEROS = np.array([[2., 0., 3., 0.5, -1.], [0., 0., 1., 2., 3.]], np.float32)
NAMES = ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"]


# Values equal JAX's bit for bit (NaNs included); derivatives agree to a tolerance.  Weak
# types are not compared.
EXACT = dict(rtol=0, atol=0, check_weak_type=False)
CLOSE = dict(rtol=1e-5, atol=1e-5, check_weak_type=False)


def pair(name, axis, reverse):
    """The zenax and jax.lax functions (jax.lax wants a non-negative axis)."""
    return (lambda x: getattr(lax, name)(x, axis=axis, reverse=reverse),
            lambda x: getattr(jlax, name)(x, axis=axis % np.ndim(x), reverse=reverse))


# ## Values

@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("axis,reverse", [(0, False), (-1, True), (1, False), (-2, True)])
def test_values_like_jax(name, axis, reverse):
    zf, jf = pair(name, axis, reverse)
    for x in (X, TIED, ZEROS):
        assert_same(zf(x), jf(x), **EXACT)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin"])
@pytest.mark.parametrize("dtype", [np.int32, np.uint8, jnp.bfloat16, np.float16])
def test_dtypes_like_jax(name, dtype):
    x = (TIED * 2).astype(dtype)
    for reverse in (False, True):
        zf, jf = pair(name, 1, reverse)
        assert_same(zf(x), jf(x), **EXACT)
        assert_same(zenax.jit(zf)(x), jf(x), **EXACT)


def test_infinities_and_nans_like_jax():
    x = np.array([-np.inf, 0., np.inf, -np.inf, np.nan, 1.], np.float32)
    for name in NAMES:
        for reverse in (False, True):
            zf, jf = pair(name, 0, reverse)
            assert_same(zf(x), jf(x), **EXACT)


def test_jaxpr_is_jaxs():
    f = lambda L: lambda x: L.cumlogsumexp(L.cumsum(x, axis=1, reverse=True), axis=0)
    assert str(zenax.make_jaxpr(f(lax))(X)) == str(jax.make_jaxpr(f(jlax))(X))


# ## Derivatives

_NEG_INF = np.array([-np.inf, 0.5, -np.inf, 2., -1.], np.float32)
# Where the derivative is delicate (random inputs are in the spec table).
DERIVATIVE_CASES = [("cummax", "ties", TIED), ("cummin", "ties", TIED),
                    ("cummax", "neg_inf", _NEG_INF), ("cumprod", "zeros", ZEROS),
                    ("cumlogsumexp", "ties", TIED), ("cumlogsumexp", "neg_inf", _NEG_INF)]


@pytest.mark.parametrize("name,label,x", DERIVATIVE_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in DERIVATIVE_CASES])
def test_jvp_and_vjp_like_jax(name, label, x):
    """The prefix-scan derivatives agree with JAX's at ties (cummax/cummin split the
    tangent as max does), zeros (cumprod) and -inf (cumlogsumexp)."""
    for reverse in (False, True):
        zf, jf = pair(name, -1, reverse)
        t = rng.randn(*x.shape).astype(np.float32)
        ours = zenax.jit(lambda x, t: (zenax.jvp(zf, (x,), (t,)), zenax.vjp(zf, x)[1](t)))
        theirs = jax.jit(lambda x, t: (jax.jvp(jf, (x,), (t,)), jax.vjp(jf, x)[1](t)))
        assert_same(ours(x, t), theirs(x, t), **CLOSE)


@pytest.mark.parametrize("name", ["cumprod", "cumlogsumexp"])
def test_second_order_like_finite_differences(name):
    x = rng.uniform(0.5, 1.5, (7,)).astype(np.float32)     # length 7: odd at every level
    check_grads(lambda v: getattr(lax, name)(v, reverse=True), (x,), order=2,
                modes=("fwd", "rev"))


def test_hessian_of_cumprod_like_jax():
    f = lambda L, m: lambda x: m.sum(L.cumprod(x) * m.arange(1., 7.))
    x = np.array([1.5, 0., 2., -1., 0.5, 3.], np.float32)
    assert_same(zenax.jit(zenax.hessian(f(lax, znp)))(x), jax.jit(jax.hessian(f(jlax, jnp)))(x),
                **CLOSE)


def test_integer_inputs_have_zero_tangents():
    x = (TIED * 2).astype(np.int32)
    for name in ["cumsum", "cumprod", "cummax", "cummin"]:
        zf = lambda v: getattr(lax, name)(v, axis=1)
        t = np.zeros(x.shape, jax.dtypes.float0)
        out, t_out = zenax.jvp(zf, (x,), (t,))
        assert t_out.dtype == jax.dtypes.float0 and t_out.shape == x.shape


# ## vmap

@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("in_axes,out_axes", [(0, 0), (1, 2), (2, 0)])
def test_vmap_like_jax(name, in_axes, out_axes):
    xs = rng.randn(3, 4, 5).astype(np.float32)
    zf, jf = pair(name, -1, True)
    assert_same(zenax.vmap(zf, in_axes, out_axes)(xs), jax.vmap(jf, in_axes, out_axes)(xs),
                **EXACT)


def test_vmap_of_grad_like_jax():
    f = lambda L, m: lambda x: m.sum(L.cummax(x) * L.cumlogsumexp(x, reverse=True))
    xs = rng.randn(4, 6).astype(np.float32)
    assert_same(zenax.jit(zenax.vmap(zenax.grad(f(lax, znp))))(xs),
                jax.jit(jax.vmap(jax.grad(f(jlax, jnp))))(xs), **CLOSE)


# ## associative_scan

@pytest.mark.parametrize("n", [1, 2, 5, 8])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_like_jax(n, reverse):
    x = rng.randn(3, n).astype(np.float32)
    for fn in ("add", "max", "mul"):
        assert_same(lax.associative_scan(getattr(lax, fn), x, reverse, axis=1),
                    jlax.associative_scan(getattr(jlax, fn), x, reverse, axis=1), **CLOSE)


def test_associative_scan_of_a_pytree_like_jax():
    """Composition of affine maps x -> a * x + b: a linear recurrence in parallel."""
    def compose(L):
        def fn(f, g):
            return {"a": L.mul(g["a"], f["a"]), "b": L.add(L.mul(g["a"], f["b"]), g["b"])}
        return fn
    elems = {"a": rng.uniform(0.5, 1., (6, 2)).astype(np.float32),
             "b": rng.randn(6, 2).astype(np.float32)}
    ours = zenax.jit(lambda e: lax.associative_scan(compose(lax), e))(elems)
    assert_same(ours, jlax.associative_scan(compose(jlax), elems), **CLOSE)
    loss = lambda L: lambda e: L.associative_scan(compose(L), e)["b"].sum()
    assert_same(zenax.jit(zenax.grad(loss(lax)))(elems), jax.jit(jax.grad(loss(jlax)))(elems),
                **CLOSE)


# ## zenax.numpy

NP_CASES = [
    ("cumsum", (X,), {}), ("cumsum", (X,), {"axis": 0}), ("cumsum", (X > 0,), {"axis": 1}),
    ("cumsum", (np.int8([100, 100, 100]),), {}), ("cumsum", (X,), {"axis": -1, "dtype": bool}),
    ("cumsum", (3.0,), {}), ("cumprod", (ZEROS,), {"axis": 1}),
    ("cumprod", (np.uint8([3, 4, 5]),), {"dtype": np.int32}), ("cumprod", (X > 0,), {"dtype": bool}),
    ("nancumsum", (np.array([[1., np.nan], [np.nan, 2.]], np.float32),), {}),
    ("nancumprod", (np.array([[1., np.nan], [np.nan, 2.]], np.float32),), {"axis": 0}),
    ("nancumsum", (np.int32([1, 2]),), {}),
    ("cumulative_sum", (np.int8([1, 2, 3]),), {"include_initial": True}),
    ("cumulative_sum", (X,), {"axis": 1, "include_initial": True}),
    ("cumulative_prod", (X,), {"axis": 0, "include_initial": True, "dtype": jnp.bfloat16}),
    ("cumulative_prod", (X[0],), {}),
    ("diff", (X,), {}), ("diff", (X,), {"n": 2, "axis": 0}), ("diff", (X > 0,), {}),
    ("diff", (np.int32([1, 4, 9]),), {"prepend": 0, "append": np.int32([20, 30])}),
    ("diff", (X,), {"axis": 0, "prepend": X[:1] * 0}), ("diff", (X,), {"n": 0}),
    ("ediff1d", (X,), {}), ("ediff1d", (np.int32([1, 5, 2]),), {"to_begin": -1, "to_end": [7, 8]}),
]


@pytest.mark.parametrize("name,args,kwargs", NP_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(NP_CASES)])
def test_numpy_functions_like_jax(name, args, kwargs):
    if "to_end" in kwargs:   # zenax.numpy, like jax.numpy, wants arrays, not lists
        kwargs = dict(kwargs, to_end=np.asarray(kwargs["to_end"]))
    expected = getattr(jnp, name)(*args, **kwargs)
    assert_same(getattr(znp, name)(*args, **kwargs), expected, **EXACT)
    assert_same(zenax.jit(lambda *a: getattr(znp, name)(*a, **kwargs))(*args), expected, **EXACT)


def test_array_methods_on_tracers():
    f = lambda x: (x.cumsum(), x.cumsum(axis=0), x.cumprod(1, dtype=np.float32))
    ours = zenax.jit(f)(X)
    assert_same(ours, jax.jit(f)(X), **CLOSE)


def test_numpy_cumsum_gradient_like_jax():
    f = lambda m: lambda x: m.sum(m.sin(m.cumsum(x, axis=1)) * m.diff(x, axis=0).sum())
    assert_same(zenax.grad(f(znp))(X), jax.grad(f(jnp))(X), **CLOSE)


# ## Errors

ERRORS = [
    ("bool", lambda: lax.cumsum(np.array([True, False])), TypeError,
     r"cumsum does not accept dtype bool"),
    ("int_logsumexp", lambda: lax.cumlogsumexp(np.int32([1, 2])), TypeError,
     r"cumlogsumexp does not accept dtype i32 \(int32\)"),
    ("scalar", lambda: lax.cummax(np.float32(1.)), TypeError,
     r"cummax: the operand must have at least one dimension"),
    ("axis", lambda: lax.cumprod(X, axis=2), ValueError,       # JAX's kind too
     r"cumprod: axis 2 is out of bounds"),
    ("jnp_axis_needed", lambda: znp.cumulative_sum(X), ValueError,
     r"cumulative_sum: the input has rank 2, so axis must be given"),
    ("jnp_out", lambda: znp.cumsum(X, out=X), NotImplementedError, r"'out' argument"),
    ("diff_order", lambda: znp.diff(X, n=-1), ValueError, r"diff: order n must be non-negative"),
    ("scan_sizes", lambda: lax.associative_scan(lax.add, (X, X[:, :2]), axis=1), ValueError,
     r"associative_scan: every array in elems needs the same size along axis 1"),
]


@pytest.mark.parametrize("fun,exc,match", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_name_the_function(fun, exc, match):
    with pytest.raises(exc, match=match):
        fun()
