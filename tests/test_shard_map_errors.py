"""Bad input to shard_map, and what check_vma proves: each error is JAX's kind and names
the argument at fault."""
import test_sharding_devices as devices  # noqa: F401  (first: asks JAX for 8 devices)

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import AxisType, NamedSharding, PartitionSpec as P

import zenax
import zenax.numpy as znp
from oracle import assert_same
from zenax.transforms.shard_map import shard_map

X = np.arange(32, dtype=np.float32).reshape(8, 4)


def mesh(types=AxisType.Auto):
    return jax.make_mesh((4, 2), ("i", "j"), axis_types=(types,) * 2)


def both_raise(kind, match, call):
    """``call(jax.shard_map, jax.lax)`` and the zenax version raise ``kind``; zenax's
    message matches ``match``."""
    with pytest.raises(kind):
        call(jax.shard_map, jax.lax)
    with pytest.raises(kind, match=match):
        call(shard_map, zenax.lax)


def test_a_spec_naming_an_axis_the_mesh_lacks():
    both_raise(ValueError, r"in_specs.*refers to mesh axis 'k'",
               lambda sm, L: sm(lambda x: x, mesh=mesh(), in_specs=P("k"), out_specs=P("k"))(X))
    both_raise(ValueError, r"out_specs.*refers to mesh axis 'k'",
               lambda sm, L: sm(lambda x: x, mesh=mesh(), in_specs=P("i"), out_specs=P("k"))(X))


def test_a_dimension_its_mesh_axis_does_not_divide():
    odd = np.ones((6, 4), np.float32)
    both_raise(ValueError, r"splits dimension 0 of args\[0\].*axis 'i' \(of size 4\).*6",
               lambda sm, L: sm(lambda x: x, mesh=mesh(), in_specs=P("i"),
                                out_specs=P("i"))(odd))
    both_raise(ValueError, r"axes \('i', 'j'\) \(of total size 8\)",
               lambda sm, L: sm(lambda x: x, mesh=mesh(), in_specs=P(None, ("i", "j")),
                                out_specs=P())(X))


def test_specs_longer_than_the_value_rank():
    both_raise(ValueError, r"in_specs entry P\(None, None, 'i'\).*rank 2",
               lambda sm, L: sm(lambda x: x, mesh=mesh(), in_specs=P(None, None, "i"),
                                out_specs=P())(X))
    both_raise(ValueError, r"out_specs entry P\('i',\).*rank 0.*x\[None\]",
               lambda sm, L: sm(lambda x: x.sum(), mesh=mesh(), in_specs=P("i"),
                                out_specs=P("i"))(X))


def test_out_specs_claiming_replication_of_a_varying_value():
    both_raise(ValueError, r"(?s)output .* P\(\).*mesh axes \['i'\].*check_vma=False",
               lambda sm, L: sm(lambda x: x * 2, mesh=mesh(), in_specs=P("i"),
                                out_specs=P())(X))
    # all_gather's result is typed varying (JAX's default, to="varying").
    both_raise(ValueError, r"may vary over \['i'\]",
               lambda sm, L: sm(lambda x: L.all_gather(x, "i", tiled=True), mesh=mesh(),
                                in_specs=P("i"), out_specs=P())(X))


def test_check_vma_false_trusts_the_claim_as_jax_does():
    kw = dict(mesh=mesh(), in_specs=P("i"), out_specs=P(), check_vma=False)
    expected = jax.jit(jax.shard_map(lambda x: x * 2, **kw))(X)
    assert_same(shard_map(lambda x: x * 2, **kw)(X), expected)


def test_in_specs_none_passes_arguments_as_they_are():
    kw = dict(mesh=mesh(), in_specs=None, out_specs=P())
    assert_same(shard_map(lambda x: x * 2, **kw)(X), jax.shard_map(lambda x: x * 2, **kw)(X))


def test_replication_the_types_prove():
    # psum, pmax, and an invariant input are replicated; a varying index is not.
    kw = dict(mesh=mesh(), in_specs=(P("i"), P()), out_specs=(P(), P(), P()))
    f = shard_map(lambda x, w: (zenax.lax.psum(x, "i"), zenax.lax.pmax(x, "i"), w * 2), **kw)
    g = jax.shard_map(lambda x, w: (jax.lax.psum(x, "i"), jax.lax.pmax(x, "i"), w * 2), **kw)
    assert_same(f(X, X[0]), jax.jit(g)(X, X[0]))
    with pytest.raises(ValueError, match="may vary"):
        shard_map(lambda x: x * zenax.lax.axis_index("i"), mesh=mesh(), in_specs=P(), out_specs=P())(X)


def test_malformed_arguments():
    both_raise(TypeError, "in_specs must be a pytree of PartitionSpecs",
               lambda sm, L: sm(lambda x: x, mesh=mesh(), in_specs=("i",), out_specs=P())(X))
    both_raise(TypeError, "mesh must be a jax.sharding.Mesh",
               lambda sm, L: sm(lambda x: x, mesh="mesh", in_specs=P(), out_specs=P())(X))
    both_raise(TypeError, "axis_names must be a set",
               lambda sm, L: sm(lambda x: x, mesh=mesh(), in_specs=P(), out_specs=P(),
                                axis_names=["i"])(X))
    both_raise(ValueError, "subset of the mesh's axis names",
               lambda sm, L: sm(lambda x: x, mesh=mesh(), in_specs=P(), out_specs=P(),
                                axis_names={"k"})(X))
    both_raise(ValueError, "context mesh is empty",
               lambda sm, L: sm(lambda x: x, in_specs=P(), out_specs=P())(X))
    both_raise(TypeError, "shard_map",
               lambda sm, L: sm(3, mesh=mesh(), in_specs=P(), out_specs=P()))
    both_raise(ValueError, "pytree prefix",
               lambda sm, L: sm(lambda x: x, mesh=mesh(), in_specs=(P(), P()),
                                out_specs=P())((X, X, X)))
    # A collective over a name nothing binds: JAX's NameError outside shard_map (inside, JAX
    # 0.10 fails an internal assertion).
    with pytest.raises(NameError):
        jax.lax.psum(X, "k")
    with pytest.raises(NameError, match="unbound axis name: k"):
        shard_map(lambda x: zenax.lax.psum(x, "k"), mesh=mesh(), in_specs=P(), out_specs=P())(X)


def test_explicit_mesh_axes_take_specs_from_the_arguments():
    m = mesh(AxisType.Explicit)
    xs = jax.device_put(X, NamedSharding(m, P("i")))
    f = lambda L: lambda x: L.psum(x, "i")
    expected = jax.shard_map(f(jax.lax), mesh=m, out_specs=P())(xs)
    assert_same(shard_map(f(zenax.lax), mesh=m, out_specs=P())(xs), expected)
    assert_same(shard_map(f(zenax.lax), mesh=m, in_specs=P("i"), out_specs=P())(xs), expected)
    # Auto axes: in_specs cannot be left out.
    both_raise(TypeError, "in_specs can be left out only",
               lambda sm, L: sm(f(L), mesh=mesh(), out_specs=P())(X))
    # A traced argument carries no sharding in zenax: in_specs are needed.
    with pytest.raises(ValueError, match="pass in_specs"):
        zenax.jit(shard_map(f(zenax.lax), mesh=m, out_specs=P()))(xs)


def test_in_body_reverse_mode_under_check_vma():
    loss = lambda w, x: znp.sum(znp.sin(x) * w)
    f = shard_map(lambda w, x: zenax.lax.pmean(zenax.grad(loss)(w, x), "i"), mesh=mesh(),
                  in_specs=(P(), P("i")), out_specs=P())
    g = jax.shard_map(lambda w, x: jax.lax.pmean(jax.grad(
        lambda w, x: jnp.sum(jnp.sin(x) * w))(w, x), "i"), mesh=mesh(), in_specs=(P(), P("i")),
        out_specs=P())
    w = np.float32(2.0)
    assert_same(f(w, X), jax.jit(g)(w, X))       # the sum of the per-device gradients


devices.on_eight_devices(globals())
