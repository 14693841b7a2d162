"""Bad input to the scale-out API (issue 25), each program run under JAX and under zenax:
a spec naming an axis the mesh lacks, a dimension its mesh axes do not divide, out_specs
that claim replication of a value that varies (``check_vma=True``), and pmap over more
devices than exist.  zenax must raise JAX's kind of error, and its message must name the
argument at fault (``in_specs[1]['w']``, ``x['b']``, ``argument y``, ``output [1]``, ...).
"""
import test_sharding_devices as devices  # noqa: F401  (first: asks JAX for 8 devices)

import jax
import numpy as np
import pytest
from jax.sharding import AxisType, NamedSharding, PartitionSpec as P

import zenax

X = np.arange(32, dtype=np.float32).reshape(8, 4)
ODD = np.ones((6, 4), np.float32)     # 6 rows: mesh axis 'i' (4 devices) does not divide it


def mesh(kind=AxisType.Auto):
    return jax.make_mesh((4, 2), ("i", "j"), axis_types=(kind, kind))


def error_of(call):
    with pytest.raises(Exception) as info:
        call()
    return info.value


def same_kind(ours: Exception, theirs: Exception) -> bool:
    """zenax raised JAX's type, or -- where JAX's is private to ``jax._src`` (its
    ``IndivisibleError``, a ValueError) -- the public built-in type it derives from."""
    if type(ours) is type(theirs):
        return True
    private = type(theirs).__module__.startswith("jax._src")
    return private and type(ours).__module__ == "builtins" and isinstance(theirs, type(ours))


def check(program, *names, context=None):
    """``program(Z)`` raises under ``Z = jax`` and ``Z = zenax``: the same kind of error,
    and zenax's message contains each of ``names`` (the argument, the spec, the shape)."""
    def run(Z):
        if context is None:
            return program(Z)
        with jax.set_mesh(context):
            return program(Z)
    theirs, ours = error_of(lambda: run(jax)), error_of(lambda: run(zenax))
    assert same_kind(ours, theirs), (type(ours), type(theirs), ours)
    for name in names:
        assert name in str(ours), (name, str(ours))
    return ours


# ------------------------------------------------------------ an axis the mesh lacks

def test_shard_map_specs_naming_an_axis_the_mesh_lacks():
    m = mesh()
    check(lambda Z: Z.shard_map(lambda x: x, mesh=m, in_specs=P("k"), out_specs=P())(X),
          "in_specs", "'k'")
    check(lambda Z: Z.shard_map(lambda x: x, mesh=m, in_specs=P("i"), out_specs=P("k"))(X),
          "out_specs", "'k'")
    check(lambda Z: Z.shard_map(lambda x: x, mesh=m, in_specs=P(("i", "k")),
                                out_specs=P())(X), "in_specs", "'k'")
    check(lambda Z: Z.shard_map(lambda a, b: a, mesh=m, in_specs=(P(), {"w": P("k")}),
                                out_specs=P())(X, {"w": X}), "in_specs[1]['w']", "'k'")
    # Under jit the same check, at trace time.
    check(lambda Z: Z.jit(Z.shard_map(lambda x: x, mesh=m, in_specs=P("k"),
                                      out_specs=P()))(X), "in_specs", "'k'")


def test_partition_specs_read_against_the_context_mesh():
    m = mesh()
    check(lambda Z: Z.lax.with_sharding_constraint(X, P("k")),
          "with_sharding_constraint", "shardings", "'k'", context=m)
    check(lambda Z: Z.jit(lambda x: Z.lax.with_sharding_constraint(x * 2, P("k")))(X),
          "with_sharding_constraint", "shardings", "'k'", context=m)
    check(lambda Z: Z.device_put({"a": X}, {"a": P("k")}), "device_put", "x['a']", "'k'",
          context=m)
    check(lambda Z: Z.sharding.reshard(X, P("k")), "reshard", "out_shardings", "'k'",
          context=mesh(AxisType.Explicit))


# ------------------------------------------------------------ a dimension not divisible

def test_shard_map_dimension_its_mesh_axis_does_not_divide():
    m = mesh()
    check(lambda Z: Z.shard_map(lambda x: x, mesh=m, in_specs=P("i"), out_specs=P("i"))(ODD),
          "args[0]", "f32[6,4]", "'i' (of size 4)", "in_specs")
    check(lambda Z: Z.jit(Z.shard_map(lambda x: x, mesh=m, in_specs=P("i"),
                                      out_specs=P("i")))(ODD), "args[0]", "in_specs")
    check(lambda Z: Z.shard_map(lambda a, b: a, mesh=m, in_specs=(P(), P(None, ("i", "j"))),
                                out_specs=P())(X, X), "args[1]", "of total size 8")


def test_device_put_a_sharding_that_does_not_divide_the_value():
    s = NamedSharding(mesh(), P("i"))
    check(lambda Z: Z.device_put({"a": X, "b": ODD}, s), "device_put", "x['b']", "f32[6,4]")
    check(lambda Z: Z.device_put(ODD, P("i")), "device_put", "x", "f32[6,4]",
          context=mesh())


def test_jit_shardings_that_do_not_divide_an_argument_or_output():
    s = NamedSharding(mesh(), P("i"))
    check(lambda Z: Z.jit(lambda x, y: x * y[0, 0], in_shardings=(None, s))(X, ODD),
          "in_shardings", "argument y", "f32[6,4]")
    check(lambda Z: Z.jit(lambda x: (x, x[:6]), out_shardings=(None, s))(X),
          "out_shardings", "output[1]", "f32[6,4]")


def test_sharding_constraint_and_reshard_that_do_not_divide_the_value():
    s = NamedSharding(mesh(), P("i"))
    # Eagerly JAX checks the constraint (under jit XLA pads the dimension instead).
    check(lambda Z: Z.lax.with_sharding_constraint({"a": X, "b": ODD}, s),
          "with_sharding_constraint", "x['b']", "f32[6,4]")
    # reshard to Explicit axes is checked while tracing, eagerly and under jit.
    e = mesh(AxisType.Explicit)
    check(lambda Z: Z.sharding.reshard(ODD, P("i")), "reshard", "out_shardings",
          "f32[6,4]", context=e)
    check(lambda Z: Z.jit(lambda x: Z.sharding.reshard(x, P("i")))(ODD), "reshard",
          "out_shardings", context=e)


# ------------------------------------------------------------ replication that is not so

def test_out_specs_claiming_replication_of_a_varying_value():
    m = mesh()
    sm = lambda Z, f, out: Z.shard_map(f, mesh=m, in_specs=P("i"), out_specs=out,
                                       check_vma=True)
    check(lambda Z: sm(Z, lambda x: x * 2, P())(X), "out_specs", "P()", "['i']")
    check(lambda Z: sm(Z, lambda x: x * 2, P("j"))(X), "out_specs", "P('j',)", "['i']")
    check(lambda Z: sm(Z, lambda x: (x, x * 2), (P("i"), P()))(X), "output [1]", "out_specs")
    check(lambda Z: Z.jit(sm(Z, lambda x: x * 2, P()))(X), "out_specs", "['i']")
    check(lambda Z: Z.grad(lambda x: sm(Z, lambda x: x * 2, P())(x).sum())(X), "out_specs")
    check(lambda Z: Z.vmap(sm(Z, lambda x: x * 2, P()))(np.stack([X, X])), "out_specs")


# ------------------------------------------------------------ pmap over too many devices

def test_pmap_over_more_devices_than_exist():
    nine = np.ones((9, 2), np.float32)
    ours = check(lambda Z: Z.pmap(lambda x: x)(nine), "args[0]", "f32[9,2]", "size 9",
                 "only 8 devices")
    assert "xla_force_host_platform_device_count" in str(ours)
    check(lambda Z: Z.pmap(lambda w, x: w * x, in_axes=(None, 1))(np.float32(2), nine.T),
          "args[1]", "in_axes 1", "size 9")
    check(lambda Z: Z.jit(Z.pmap(lambda x: x))(nine), "args[0]", "size 9")
    # The devices argument lists fewer devices than the mapped axis has elements.
    check(lambda Z: Z.pmap(lambda x: x, devices=jax.devices()[:4])(X), "devices", "size 8")


devices.on_eight_devices(globals())
