"""Fixes found by running client libraries' own test suites on zenax
(tests/clients/run_client_suite.py), each checked against JAX.

- ``jnp.zeros_like``/``full_like``/... take any object with ``shape`` and ``dtype`` (a
  ``ShapeDtypeStruct``) as the template (Optax's factorized optimizer does, through
  ``jax.eval_shape``);
- ``jax.typeof(x).sharding`` exists, on concrete arrays and under ``jit`` (Optax's
  ``tree_random_like`` passes it on as ``out_sharding=``).
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from oracle import assert_same

STRUCTS = [((2, 3), np.float32), ((), np.int32), ((4,), np.bool_)]


def _like_all(np_mod, struct_type):
    """Every ``*_like`` creation function on each template, in one program."""
    out = []
    for shape, dtype in STRUCTS:
        s = struct_type(shape, dtype)
        out += [np_mod.zeros_like(s), np_mod.ones_like(s), np_mod.empty_like(s),
                np_mod.full_like(s, 7), np_mod.full_like(s, 2.5, dtype=np.float32),
                np_mod.zeros_like(s, shape=(2,)), np_mod.full_like(s, np.arange(3.0),
                                                                   shape=(2, 3))]
    return out


def test_like_functions_take_shape_dtype_struct():
    expected = _like_all(jnp, jax.ShapeDtypeStruct)
    assert_same(_like_all(znp, zenax.ShapeDtypeStruct), expected)
    assert_same(zenax.jit(lambda: _like_all(znp, zenax.ShapeDtypeStruct))(), expected)
    # the result is not weakly typed, even for a weakly typed template (as JAX)
    weak = zenax.ShapeDtypeStruct((), np.int32, weak_type=True)
    assert_same(znp.ones_like(weak), jnp.ones_like(jax.ShapeDtypeStruct((), np.int32,
                                                                         weak_type=True)))
    # the fill value is still checked
    with pytest.raises(TypeError, match="full_like"):
        znp.full_like(zenax.ShapeDtypeStruct((2,), np.float32), [1.0, 2.0])


def test_typeof_sharding_matches_jax():
    for shape in [(), (3,), (2, 3)]:
        expected = jax.typeof(jnp.ones(shape)).sharding
        assert zenax.typeof(znp.ones(shape)).sharding == expected
        seen = []
        zenax.jit(lambda x: seen.append(zenax.typeof(x).sharding))(znp.ones(shape))
        assert seen == [expected]
        assert repr(seen[0]) == repr(expected)


def test_astype_of_typed_keys():
    # Optax's gradient accumulation casts every state leaf to its own dtype, keys included.
    zk, jk = zenax.random.key(3), jax.random.key(3)
    for fn in (lambda np_mod, k: np_mod.astype(k, k.dtype),
               lambda np_mod, k: np_mod.astype(np_mod.where(True, k, k), k.dtype)):
        z = zenax.jit(lambda k: fn(znp, k))(zk)
        j = jax.jit(lambda k: fn(jnp, k))(jk)
        assert z.dtype == j.dtype and z.shape == j.shape
        np.testing.assert_array_equal(zenax.random.key_data(z), jax.random.key_data(j))
    assert znp.astype(zk, zk.dtype) is zk
    for bad in (lambda np_mod, k: np_mod.astype(k, np.float32),
                lambda np_mod, k: np_mod.astype(np_mod.ones(2), k.dtype)):
        with pytest.raises(ValueError):
            bad(jnp, jk)
        with pytest.raises(ValueError, match="astype"):
            bad(znp, zk)
