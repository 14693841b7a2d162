"""A concrete jax.Array indexed (or .at-updated) with zenax tracers: everyday JAX code such
as a closed-over table read at a traced position.  Checked against JAX running the same
program with its own transforms."""
import jax
import jax.numpy as jjnp
import numpy as np

import zenax
import zenax.numpy as jnp

TABLE = np.arange(12.0, dtype=np.float32).reshape(4, 3)


def test_jit_reads_closed_over_array_at_traced_index():
    table = jnp.asarray(TABLE)
    jtable = jjnp.asarray(TABLE)
    for idx in (2, -1, np.array([0, 3, 1])):
        np.testing.assert_array_equal(zenax.jit(lambda i: table[i])(idx),
                                      jax.jit(lambda i: jtable[i])(idx))
    np.testing.assert_array_equal(zenax.jit(lambda i: table[i, 1:])(1),
                                  jax.jit(lambda i: jtable[i, 1:])(1))


def test_loop_and_vmap_index_a_concrete_array():
    table = jnp.asarray(TABLE[:, 0])
    jtable = jjnp.asarray(TABLE[:, 0])
    z = zenax.lax.fori_loop(0, 4, lambda i, s: s + table[i] * i, 0.0)
    j = jax.lax.fori_loop(0, 4, lambda i, s: s + jtable[i] * i, 0.0)
    assert float(z) == float(j)
    np.testing.assert_array_equal(zenax.vmap(lambda i: table[i])(np.array([3, 0, 2])),
                                  jax.vmap(lambda i: jtable[i])(np.array([3, 0, 2])))


def test_at_updates_with_traced_index_or_values():
    table = jnp.asarray(TABLE)
    jtable = jjnp.asarray(TABLE)
    np.testing.assert_array_equal(zenax.jit(lambda i, v: table.at[i].set(v))(1, 7.0),
                                  jax.jit(lambda i, v: jtable.at[i].set(v))(1, 7.0))
    np.testing.assert_array_equal(zenax.jit(lambda v: table.at[0, 2].add(v))(5.0),
                                  jax.jit(lambda v: jtable.at[0, 2].add(v))(5.0))
    g = zenax.grad(lambda v: (table.at[2].multiply(v) ** 2).sum())(2.0)
    gj = jax.grad(lambda v: (jtable.at[2].multiply(v) ** 2).sum())(2.0)
    np.testing.assert_allclose(g, gj, rtol=1e-6)


def test_plain_concrete_indexing_is_still_jaxs():
    table = jnp.asarray(TABLE)
    np.testing.assert_array_equal(table[1], TABLE[1])
    np.testing.assert_array_equal(table.at[1, 1].add(1.0), jjnp.asarray(TABLE).at[1, 1].add(1.0))
    assert isinstance(table[np.array([0, 1])], jax.Array)
