"""zenax.sharding against jax.sharding: the namespace, device_put with (pytrees of)
shardings, and with_sharding_constraint / reshard as primitives under jit, grad, jvp and
vmap."""
import test_sharding_devices as devices  # noqa: F401  (first: asks JAX for 8 devices)

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import AxisType, NamedSharding, PartitionSpec as P

import zenax
import zenax.numpy as znp
import zenax.sharding
from oracle import assert_same
from zenax.lax.sharding_constraint import reshard, with_sharding_constraint
from zenax.transforms import sharding as S

X = np.arange(16, dtype=np.float32).reshape(8, 2)


def auto_mesh():
    return jax.make_mesh((4, 2), ("i", "j"), axis_types=(AxisType.Auto,) * 2)


def explicit_mesh():
    return jax.make_mesh((4, 2), ("i", "j"))


def test_namespace_has_every_name_of_jax_sharding():
    public = {n for n in dir(jax.sharding) if not n.startswith("_")}
    assert public <= set(zenax.sharding.__all__)
    assert all(hasattr(zenax.sharding, n) for n in public)
    # Meshes and shardings are JAX's own runtime objects.
    assert zenax.sharding.NamedSharding is jax.sharding.NamedSharding
    assert zenax.sharding.Mesh is jax.sharding.Mesh


def test_device_put_places_a_pytree_on_a_pytree_of_shardings():
    m = auto_mesh()
    tree = {"w": X, "b": (X[0], np.int32(3))}
    placement = {"w": NamedSharding(m, P("i", "j")), "b": NamedSharding(m, P())}
    got = S.device_put(tree, placement)
    expected = jax.device_put(tree, placement)
    assert_same(got, expected)
    assert got["w"].sharding == expected["w"].sharding
    assert got["b"][1].sharding == expected["b"][1].sharding
    with jax.set_mesh(m):
        assert S.device_put(X, P("i")).sharding.spec == jax.device_put(X, P("i")).sharding.spec
    one = jax.devices()[3]
    assert S.device_put(X, one).sharding.device_set == {one}


def test_device_put_donate_and_bad_leaves():
    y = S.device_put(jnp.asarray(X) + 0, NamedSharding(auto_mesh(), P("i")), donate=True)
    assert_same(y, X)
    with pytest.raises(TypeError, match="device_put"):
        S.device_put({"a": "not an array"})
    with pytest.raises(ValueError, match="pytree prefix"):
        S.device_put((X, X), (None, None, None))


@pytest.mark.parametrize("make_mesh", [auto_mesh, explicit_mesh])
@pytest.mark.parametrize("spec", [P("i"), P(None, "j")])
@pytest.mark.parametrize("sharded_input", [False, True])
def test_device_put_of_a_traced_value(make_mesh, spec, sharded_input):
    # Inside jit JAX moves a value to an Explicit-axes sharding (it is in the type) and
    # leaves Auto-axes placements to the partitioner: a sharded input keeps its layout.
    m = make_mesh()
    s = NamedSharding(m, spec)
    x = jax.device_put(X, NamedSharding(m, P("i"))) if sharded_input else X
    with jax.set_mesh(m):
        out = zenax.jit(lambda x: S.device_put(x * 2, s))(x)
        expected = jax.jit(lambda x: jax.device_put(x * 2, s))(x)
    assert_same(out, expected)
    assert out.sharding == expected.sharding


def _constrained(api, s):
    lax, m = (jax.lax, jnp) if api is jax else (zenax.lax, znp)
    wsc = jax.lax.with_sharding_constraint if api is jax else with_sharding_constraint
    return lambda x: wsc(m.sin(x) * 2.0, s)


def test_with_sharding_constraint_matches_jax_under_transforms():
    s = NamedSharding(auto_mesh(), P("i"))
    f, g = _constrained(zenax, s), _constrained(jax, s)
    out = zenax.jit(f)(X)
    assert_same(out, jax.jit(g)(X))
    assert out.sharding == jax.jit(g)(X).sharding
    assert_same(f(X), g(X))                                       # eagerly
    loss = lambda api, h: lambda x: api.numpy.sum(h(x) ** 2) if api is jax else \
        znp.sum(h(x) ** 2)
    assert_same(zenax.grad(loss(zenax, f))(X), jax.grad(loss(jax, g))(X))
    assert_same(zenax.jvp(f, (X,), (X,)), jax.jvp(g, (X,), (X,)))
    assert_same(zenax.vmap(f)(X), jax.vmap(g)(X))
    grad_text = str(zenax.make_jaxpr(zenax.grad(loss(zenax, f)))(X))
    assert grad_text.count("sharding_constraint") == 2   # the value's and its cotangent's
    vmap_text = str(zenax.make_jaxpr(zenax.vmap(f))(X))
    assert "P(UNCONSTRAINED, 'i')" in vmap_text       # the batch axis is left free, as JAX's


def test_with_sharding_constraint_pytrees_specs_and_errors():
    m = auto_mesh()
    tree = (X, {"a": X[:4]})
    shardings = (NamedSharding(m, P("i")), NamedSharding(m, P(None, "j")))
    got = zenax.jit(lambda t: with_sharding_constraint(t, shardings))(tree)
    assert got[1]["a"].sharding == NamedSharding(m, P(None, "j"))
    with jax.set_mesh(m):
        assert zenax.jit(lambda x: with_sharding_constraint(x, P("i")))(X).sharding.spec == \
            P("i")
    with pytest.raises(RuntimeError):
        jax.jit(lambda x: jax.lax.with_sharding_constraint(x, P("i")))(X)
    with pytest.raises(RuntimeError, match="mesh in context"):
        with_sharding_constraint(X, P("i"))
    explicit = NamedSharding(explicit_mesh(), P("i"))
    with pytest.raises(ValueError):
        jax.lax.with_sharding_constraint(X, explicit)
    with pytest.raises(ValueError, match="Explicit mesh axes.*reshard"):
        with_sharding_constraint(X, explicit)
    with pytest.raises(ValueError, match="more than the rank 2"):
        with_sharding_constraint(X, NamedSharding(m, P("i", None, None)))
    with pytest.raises(TypeError, match="Sharding instances or PartitionSpecs"):
        with_sharding_constraint(X, "i")


def test_reshard_moves_values_to_explicit_shardings():
    m = explicit_mesh()
    s = NamedSharding(m, P("i"))
    got, expected = reshard(X, s), jax.sharding.reshard(X, s)
    assert_same(got, expected)
    assert got.sharding == expected.sharding
    moved = zenax.jit(lambda x: reshard(x * 2, NamedSharding(m, P(None, "j"))))(got)
    assert moved.sharding.spec == P(None, "j")
    assert_same(zenax.grad(lambda x: znp.sum(reshard(x, s) ** 2))(X), 2 * X)
    assert_same(zenax.vmap(lambda x: reshard(x, NamedSharding(m, P("j"))))(X), X)


def test_auto_axes_and_explicit_axes():
    m = explicit_mesh()
    s = NamedSharding(m, P("i"))
    g = S.auto_axes(lambda x: x * 2, out_sharding=s)
    assert g(X).sharding == jax.sharding.auto_axes(lambda x: x * 2, out_sharding=s)(X).sharding
    h = S.auto_axes(lambda x: x + 1)
    sj = NamedSharding(m, P("j"))
    assert h(X, out_sharding=sj).sharding == \
        jax.sharding.auto_axes(lambda x: x + 1)(X, out_sharding=sj).sharding
    with pytest.raises(TypeError, match="out_sharding"):
        h(X)
    e = S.explicit_axes(lambda x: x.sum(0), in_sharding=NamedSharding(m, P("i")))
    assert_same(e(X), X.sum(0))
    with pytest.raises(TypeError, match="in_sharding"):
        S.explicit_axes(lambda x: x)(X)


devices.on_eight_devices(globals())
