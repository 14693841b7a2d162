"""``axis_index_groups`` of psum, pmean, pmax, pmin, all_gather and psum_scatter (the pmap
examples of their JAX docstrings use it): under pmap each device reduces or gathers over its
own group only, compared with JAX's pmap; JAX's errors where groups are not allowed."""
from __future__ import annotations

import jax
import numpy as np
import pytest
from jax.sharding import Mesh, PartitionSpec as P

import zenax
from oracle import assert_same

GROUPS = [[0, 2], [3, 1]]     # not in index order: each group's order is the output's
X = np.arange(32.0, dtype=np.float32).reshape(4, 2, 4)


def _body(lib, with_extrema=True):
    lax = lib.lax

    def f(x):
        out = (lax.psum(x, "i", axis_index_groups=GROUPS),
               lax.pmean(x, "i", axis_index_groups=GROUPS),
               lax.all_gather(x, "i", axis_index_groups=GROUPS, axis=1),
               lax.all_gather(x, "i", axis_index_groups=GROUPS, tiled=True),
               lax.psum_scatter(x, "i", axis_index_groups=GROUPS),
               lax.psum_scatter(x, "i", axis_index_groups=GROUPS, scatter_dimension=1,
                                tiled=True))
        if with_extrema:   # JAX has no derivative for pmax/pmin
            out += (lax.pmax(x, "i", axis_index_groups=GROUPS),
                    lax.pmin(x.astype(np.int32), "i", axis_index_groups=GROUPS))
        return out
    return f


def test_grouped_collectives_match_jax_under_pmap():
    assert_same(zenax.pmap(_body(zenax), "i")(X), jax.pmap(_body(jax), "i")(X))
    # An integer operand: pmean gives floats, psum stays int.
    ints = np.arange(4, dtype=np.int32)
    groups = [[0, 1], [2, 3]]
    for lib_out, jax_out in [(zenax.pmap(lambda v: (
            zenax.lax.psum(v, "i", axis_index_groups=groups),
            zenax.lax.pmean(v, "i", axis_index_groups=groups)), "i")(ints),
            jax.pmap(lambda v: (jax.lax.psum(v, "i", axis_index_groups=groups),
                                jax.lax.pmean(v, "i", axis_index_groups=groups)), "i")(ints))]:
        assert_same(lib_out, jax_out)


def test_grouped_collectives_gradient_matches_jax():
    def loss(lib):
        def f(x):
            lax = lib.lax
            return (lax.psum(x, "i", axis_index_groups=GROUPS) * x).sum() + (lax.all_gather(
                x, "i", axis_index_groups=GROUPS, tiled=True) ** 2).sum()
        return lambda x: lib.pmap(f, "i")(x).sum()
    assert_same(zenax.grad(loss(zenax))(X), jax.grad(loss(jax))(X), rtol=1e-5)


@pytest.mark.parametrize("lib", [zenax, jax], ids=["zenax", "jax"])
def test_grouped_collectives_raise_like_jax(lib):
    with pytest.raises(ValueError, match="cover all indices exactly once"):
        lib.pmap(lambda v: lib.lax.psum(v, "i", axis_index_groups=[[0, 1], [1, 2]]),
                 "i")(np.arange(4.0))
    with pytest.raises(NotImplementedError):
        lib.vmap(lambda v: lib.lax.pmax(v, "i", axis_index_groups=GROUPS),
                 axis_name="i")(np.arange(4.0))
    mesh = Mesh(np.array(jax.devices()[:4]), ("i",))
    typed = lib.shard_map(lambda v: lib.lax.psum(v, "i", axis_index_groups=GROUPS),
                          mesh=mesh, in_specs=P("i"), out_specs=P("i"))
    with pytest.raises(NotImplementedError):
        lib.jit(typed)(np.arange(8.0))


def test_zenax_names_the_function_in_group_errors():
    with pytest.raises(ValueError, match="all_gather: axis_index_groups"):
        zenax.pmap(lambda v: zenax.lax.all_gather(v, "i", axis_index_groups=[[0], [0]]),
                   "i")(np.arange(2.0))
