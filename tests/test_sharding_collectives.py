"""The new collectives under ``vmap(..., axis_name=...)`` (one device is enough: each
collective's axis rule sees the whole mapped axis), their signatures and bad input, and
the ``>>>`` examples of the sharding modules."""
import doctest
import importlib
import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
import zenax.sharding
from oracle import assert_same
from zenax.lax import collectives, parallel, sharding_constraint

# (zenax.transforms.pmap and .shard_map are the functions: the modules by their full names)
pmap_module = importlib.import_module("zenax.transforms.pmap")
shard_map_module = importlib.import_module("zenax.transforms.shard_map")
sharding_module = importlib.import_module("zenax.transforms.sharding")

TOL = {"float32": (2e-5, 2e-5)}
X = np.random.RandomState(2).randn(4, 4, 8).astype(np.float32)

PROGRAMS = {
    "psum_scatter": lambda L: lambda v: L.psum_scatter(v, "i"),
    "psum_scatter_tiled": lambda L: lambda v: L.psum_scatter(v, "i", scatter_dimension=1,
                                                             tiled=True),
    "ppermute": lambda L: lambda v: L.ppermute(v, "i", [(0, 2), (2, 1), (1, 3), (3, 0)]),
    "pshuffle": lambda L: lambda v: L.pshuffle(v, "i", [3, 0, 1, 2]),
    "all_to_all_same_axis": lambda L: lambda v: L.all_to_all(v, "i", 0, 0),
    "all_to_all_tiled": lambda L: lambda v: L.all_to_all(v, "i", 1, 0, tiled=True),
    "all_to_all_moved": lambda L: lambda v: L.all_to_all(v, "i", 0, 1, tiled=True),
    "pswapaxes": lambda L: lambda v: L.pswapaxes(v, "i", 0),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_collective_under_named_vmap_matches_jax(name):
    f = lambda L: jax.vmap(PROGRAMS[name](L), axis_name="i") if L is jax.lax else \
        zenax.vmap(PROGRAMS[name](L), axis_name="i")
    assert_same(f(zenax.lax)(X), f(jax.lax)(X), tol=TOL)
    loss = lambda L, m: lambda v: m.sum(m.sin(PROGRAMS[name](L)(v)) ** 2)
    expected = jax.vmap(jax.grad(loss(jax.lax, jnp)), axis_name="i")(X)
    assert_same(zenax.vmap(zenax.grad(loss(zenax.lax, znp)), axis_name="i")(X), expected, tol=TOL)


def test_pbroadcast_under_named_vmap():
    # JAX's pbroadcast has no derivative under vmap; its forward values are the oracle.
    f = lambda L: lambda v: L.pbroadcast(v, "i", 2)
    assert_same(zenax.vmap(f(zenax.lax), axis_name="i")(X), jax.vmap(f(jax.lax), axis_name="i")(X))
    grad = zenax.vmap(zenax.grad(lambda v: znp.sum(f(zenax.lax)(v) * v)), axis_name="i")(X)
    # Element i's loss is sum(v_2 * v_i): the gradient of the whole batch's loss written
    # with a broadcast of element 2.
    expected = jax.grad(lambda xs: jnp.sum(jnp.broadcast_to(xs[2], xs.shape) * xs))(X)
    assert_same(grad, expected, tol=TOL)


@pytest.mark.parametrize("name", ["pmean", "psum"])
@pytest.mark.parametrize("x", [np.arange(12, dtype=np.int32).reshape(4, 3),
                               np.arange(4, dtype=np.int8) * 40,       # sums wrap around
                               np.array([True, False, True, True])],
                         ids=["int32", "int8", "bool"])
def test_pmean_and_psum_of_integers_and_bools(name, x):
    # pmean divides truly (integers give floats); bools are summed as ints.
    f = lambda L: lambda v: getattr(L, name)(v, "i")
    assert_same(zenax.vmap(f(zenax.lax), axis_name="i")(x),
                jax.vmap(f(jax.lax), axis_name="i")(x))


def test_pcast_outside_a_typed_body_is_the_identity():
    assert_same(zenax.vmap(lambda v: zenax.lax.pcast(v, "i", to="varying"), axis_name="i")(X), X)
    for bad, kind in [(dict(to="sideways"), ValueError)]:
        with pytest.raises(kind):
            jax.vmap(lambda v: jax.lax.pcast(v, "i", **bad), axis_name="i")(X)
        with pytest.raises(kind, match="pcast"):
            zenax.vmap(lambda v: zenax.lax.pcast(v, "i", **bad), axis_name="i")(X)
    with pytest.raises(TypeError, match="pcast"):
        zenax.lax.pcast(X, {"i"}, to="varying")


@pytest.mark.parametrize("call, kind", [
    (lambda L: lambda v: L.all_to_all(v, "i", 0, 0), ValueError),       # 8 rows, 4 devices
    (lambda L: lambda v: L.psum_scatter(v, "k"), NameError),
])
def test_bad_input_raises_jax_error_kinds(call, kind):
    with pytest.raises(kind):
        jax.vmap(call(jax.lax), axis_name="i")(X[:, 0])
    with pytest.raises(kind):
        zenax.vmap(call(zenax.lax), axis_name="i")(X[:, 0])


def test_bad_permutations_and_groups():
    vm = lambda f: zenax.vmap(f, axis_name="i")(X)
    with pytest.raises(ValueError, match="unique"):
        vm(lambda v: zenax.lax.ppermute(v, "i", [(0, 1), (0, 2)]))
    with pytest.raises(ValueError, match="outside the axis"):
        vm(lambda v: zenax.lax.ppermute(v, "i", [(0, 7)]))
    with pytest.raises(TypeError, match="pairs"):
        vm(lambda v: zenax.lax.ppermute(v, "i", [0, 1]))
    with pytest.raises(ValueError):
        jax.vmap(lambda v: jax.lax.pshuffle(v, "i", [0, 0, 1, 2]), axis_name="i")(X)
    with pytest.raises(ValueError, match="pshuffle"):
        vm(lambda v: zenax.lax.pshuffle(v, "i", [0, 0, 1, 2]))
    with pytest.raises(NotImplementedError, match="axis_index_groups"):
        vm(lambda v: zenax.lax.psum_scatter(v, "i", axis_index_groups=[[0, 1], [2, 3]]))
    with pytest.raises(ValueError, match="divisible"):     # (JAX's vmap asserts here)
        vm(lambda v: zenax.lax.psum_scatter(v[0, :3], "i", tiled=True))
    with pytest.raises(ValueError, match="source=5"):
        vm(lambda v: zenax.lax.pbroadcast(v, "i", 5))


NEW_LAX_NAMES = ["all_to_all", "all_to_all_p", "pbroadcast", "pcast", "ppermute", "ppermute_p",
                 "pshuffle", "psum_scatter", "pswapaxes", "sharding_constraint_p",
                 "with_sharding_constraint"]


def test_new_lax_names_exist_with_jax_parameters():
    provided = {**vars(collectives), **vars(sharding_constraint)}
    for name in NEW_LAX_NAMES:
        assert name in provided, name
        theirs = getattr(jax.lax, name)
        if callable(theirs) and not name.endswith("_p"):
            missing = set(inspect.signature(theirs).parameters) - \
                set(inspect.signature(provided[name]).parameters)
            assert not missing, (name, missing)
    for ours, theirs in [(shard_map_module.shard_map, jax.shard_map),
                         (pmap_module.pmap, jax.pmap),
                         (sharding_module.device_put, jax.device_put),
                         (sharding_module.reshard, jax.sharding.reshard),
                         (sharding_module.auto_axes, jax.sharding.auto_axes),
                         (sharding_module.explicit_axes, jax.sharding.explicit_axes)]:
        assert list(inspect.signature(theirs).parameters) == \
            list(inspect.signature(ours).parameters), ours


@pytest.mark.parametrize("module", [parallel, collectives, sharding_constraint,
                                    sharding_module, shard_map_module, pmap_module],
                         ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_examples_in_docstrings_hold(module):
    result = doctest.testmod(module, extraglobs={"zenax": zenax, "jnp": znp, "lax": zenax.lax,
                                                 "np": np},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted and result.failed == 0
