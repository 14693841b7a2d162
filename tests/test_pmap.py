"""pmap against jax.pmap: each collective, ``pmap(grad(f))`` and ``grad(pmap(f))``, the
mapping arguments, and bad input."""
import test_sharding_devices as devices  # noqa: F401  (first: asks JAX for 8 devices)

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from oracle import assert_same
from zenax.transforms.pmap import pmap

API = {"jax": (jax, jax.lax, jnp, jax.pmap), "zenax": (zenax, zenax.lax, znp, pmap)}
TOL = {"float32": (2e-5, 2e-5)}

RNG = np.random.RandomState(1)
X = RNG.randn(8, 3).astype(np.float32)
W = np.float32(0.7)
RING = [(i, (i + 1) % 8) for i in range(8)]

# Per-device programs: (L, m) -> f(x, w), x one row of X.
COLLECTIVES = {
    "psum": lambda L, m: lambda x, w: L.psum(m.sin(x) * w, "i"),
    "pmean": lambda L, m: lambda x, w: L.pmean(m.sin(x) * w, "i"),
    "all_gather": lambda L, m: lambda x, w: L.all_gather(m.sin(x) * w, "i").sum(0),
    "psum_scatter": lambda L, m: lambda x, w: L.psum_scatter(
        m.sin(m.broadcast_to(x[:1], (8, 1))) * w, "i", tiled=True),
    "ppermute": lambda L, m: lambda x, w: L.ppermute(m.sin(x) * w, "i", RING),
    "all_to_all": lambda L, m: lambda x, w: L.all_to_all(
        m.sin(m.broadcast_to(x[:1], (8, 2))) * w, "i", 0, 0),
    "axis_index": lambda L, m: lambda x, w: m.sin(x) * L.axis_index("i").astype(np.float32) * w,
}
NAMES = sorted(COLLECTIVES)


def mapped(api: str, name: str, **kw):
    top, lax, m, pm = API[api]
    return pm(COLLECTIVES[name](lax, m), axis_name="i", in_axes=(0, None), **kw)


@pytest.mark.parametrize("name", NAMES)
def test_pmap_of_each_collective_matches_jax(name):
    assert_same(mapped("zenax", name)(X, W), mapped("jax", name)(X, W), tol=TOL)


@pytest.mark.parametrize("name", NAMES)
def test_pmap_of_grad_matches_jax(name):
    def per_device_grad(api):
        top, lax, m, pm = API[api]
        loss = lambda x, w: m.sum(m.sin(COLLECTIVES[name](lax, m)(x, w)))
        return pm(top.grad(loss, argnums=(0, 1)), axis_name="i", in_axes=(0, None))
    assert_same(per_device_grad("zenax")(X, W), per_device_grad("jax")(X, W), tol=TOL)


@pytest.mark.parametrize("name", NAMES)
def test_grad_of_pmap_matches_jax(name):
    def grad(api):
        top, _, m, _ = API[api]
        return top.grad(lambda x, w: m.sum(m.cos(mapped(api, name)(x, w))), argnums=(0, 1))
    assert_same(grad("zenax")(X, W), jax.jit(grad("jax"))(X, W), tol=TOL)


def test_in_axes_out_axes_and_keyword_arguments():
    y = np.arange(24, dtype=np.float32).reshape(3, 8)

    def f(L):
        return lambda a, b, *, c: (a * b + c, L.psum(a, "k"), b)
    kw = dict(in_axes=(1, None), out_axes=(1, 0, None), axis_name="k")
    c = np.ones(8, np.float32)
    expected = jax.pmap(f(jax.lax), **kw)(y, W, c=c)
    assert_same(pmap(f(zenax.lax), **kw)(y, W, c=c), expected, tol=TOL)
    # Negative axes count from the end, as in vmap (JAX's pmap mis-maps them: compare
    # with the positive axes).
    neg = dict(in_axes=(-1, None), out_axes=(-1, 0, None), axis_name="k")
    assert_same(pmap(f(zenax.lax), **neg)(y, W, c=c), expected, tol=TOL)


def test_static_broadcasted_argnums_donation_and_devices():
    f = lambda x, n: x * n
    got = pmap(f, static_broadcasted_argnums=1)(X, 3)
    assert_same(got, jax.pmap(f, static_broadcasted_argnums=1)(X, 3))
    donated = jnp.asarray(X) + 0
    out = pmap(lambda x: x + 1, donate_argnums=0)(donated)
    assert_same(out, X + 1)
    four = jax.devices()[:4]
    assert_same(pmap(lambda x: x * 2, devices=four)(X[:4]), X[:4] * 2)
    assert pmap(lambda x: x * 2, devices=four)(X[:4]).sharding.device_set == set(four)


def test_pmap_output_is_sharded_over_the_devices():
    out = pmap(lambda x: x * 2)(X)
    assert out.sharding.device_set == set(jax.devices())
    assert out.sharding.shard_shape(out.shape) == (1, 3)


def test_pmap_over_more_devices_than_exist_names_the_problem():
    too_many = np.ones((9, 2), np.float32)
    with pytest.raises(ValueError):
        jax.pmap(lambda x: x)(too_many)
    with pytest.raises(ValueError, match=r"size 9.*only 8 devices"):
        pmap(lambda x: x)(too_many)


def test_bad_arguments_raise_jax_error_kinds():
    with pytest.raises(TypeError, match="pmap in_axes"):
        pmap(lambda x: x, in_axes="0")
    with pytest.raises(TypeError, match="pmap out_axes"):
        pmap(lambda x: x, out_axes=1.5)
    with pytest.raises(TypeError, match="pmap"):
        pmap(3)
    with pytest.raises(ValueError, match="inconsistent sizes"):
        pmap(lambda a, b: a + b)(X, X[:4])
    with pytest.raises(ValueError, match="at least one argument"):
        pmap(lambda a: a, in_axes=None)(X)
    with pytest.raises(ValueError, match="axis_size"):
        pmap(lambda a: a, axis_size=4)(X)
    with pytest.raises(ValueError, match="axis 2.*rank"):   # (JAX's pmap: an IndexError)
        pmap(lambda a: a, in_axes=2)(X)
    with pytest.raises(NameError, match="unbound axis name: j"):
        pmap(lambda a: zenax.lax.psum(a, "j"), axis_name="i")(X)


devices.on_eight_devices(globals())
