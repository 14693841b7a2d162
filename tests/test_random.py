"""``zenax.random`` against ``jax.random``: the same key gives the same bits.

Every sampler is written once as ``f(r, key)`` and run with ``r = zenax.random`` and
``r = jax.random``; outputs must agree in shape, dtype and every bit -- eagerly for several
seeds, under ``zenax.jit`` vs ``jax.jit``, and under ``zenax.vmap`` over a batch of keys vs
``jax.vmap``.  The jaxprs typecheck; bad keys raise a TypeError naming the function.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
from zenax import random

from oracle import assert_bits_equal

jr = jax.random
SEEDS = [0, 42, 2 ** 31 + 5]
X = np.arange(24, dtype=np.float32).reshape(4, 6) - 10.5
P = np.array([0.1, 0.2, 0.3, 0.15, 0.25], np.float32)
P_BIG = np.random.RandomState(0).rand(300).astype(np.float32)     # a long (blocked) cumsum
LOGITS = np.log(np.array([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]], np.float32))


# name -> f(r, key) for r in (zenax.random, jax.random)
SAMPLERS = {
    "bits_u32": lambda r, k: r.bits(k, (3, 4)),
    "bits_u8": lambda r, k: r.bits(k, (5,), jnp.uint8),
    "uniform_f16": lambda r, k: r.uniform(k, (7,), jnp.float16),
    "uniform_bf16": lambda r, k: r.uniform(k, (7,), jnp.bfloat16),
    "uniform_bounds": lambda r, k: r.uniform(k, (4, 3), minval=-2.5,
                                             maxval=np.float32([1, 2, 3.7])),
    "normal": lambda r, k: r.normal(k, (50,)),
    "normal_scalar": lambda r, k: r.normal(k),
    "normal_bf16": lambda r, k: r.normal(k, (9,), jnp.bfloat16),
    "normal_c64": lambda r, k: r.normal(k, (6,), jnp.complex64),
    "truncated_normal": lambda r, k: r.truncated_normal(k, -1.5, 0.7, (50,)),
    "truncated_normal_arrays": lambda r, k: r.truncated_normal(k, np.float32([-1, 0]), 2.0),
    "exponential": lambda r, k: r.exponential(k, (20,)),
    "gumbel": lambda r, k: r.gumbel(k, (20,)),
    "gumbel_f16": lambda r, k: r.gumbel(k, (20,), jnp.float16),
    "gumbel_high": lambda r, k: r.gumbel(k, (20,), mode="high"),
    "gumbel_highest": lambda r, k: r.gumbel(k, (20,), mode="highest"),
    "bernoulli": lambda r, k: r.bernoulli(k, 0.3, (20,)),
    "bernoulli_p_array": lambda r, k: r.bernoulli(k, np.float32([0.1, 0.5, 0.9])),
    "bernoulli_high": lambda r, k: r.bernoulli(k, 0.3, (20,), mode="high"),
    "randint": lambda r, k: r.randint(k, (20,), 3, 17),
    "randint_uint8_256": lambda r, k: r.randint(k, (20,), 3, 256, jnp.uint8),
    "randint_uint32": lambda r, k: r.randint(k, (20,), 0, 2 ** 31 - 1, jnp.uint32),
    "randint_array_bounds": lambda r, k: r.randint(k, (3, 4), np.int32([0, 5, 10, 20]), 9),
    "categorical_axis0": lambda r, k: r.categorical(k, LOGITS, axis=0),
    "categorical_shape": lambda r, k: r.categorical(k, LOGITS, shape=(5, 2)),
    "categorical_no_replace": lambda r, k: r.categorical(k, LOGITS, shape=(2, 2), replace=False),
    "permutation_int": lambda r, k: r.permutation(k, 10),
    "permutation_two_rounds": lambda r, k: r.permutation(k, 2000),
    "permutation_axis1": lambda r, k: r.permutation(k, X, axis=1),
    "permutation_independent": lambda r, k: r.permutation(k, X, axis=1, independent=True),
    "choice_no_replace": lambda r, k: r.choice(k, 10, (2, 3), replace=False),
    "choice_p": lambda r, k: r.choice(k, 5, (7,), p=P),
    "choice_p_no_replace": lambda r, k: r.choice(k, 5, (3,), replace=False, p=P),
    "choice_p_long": lambda r, k: r.choice(k, 300, (50,), p=P_BIG),
    "choice_array": lambda r, k: r.choice(k, X, (2,), axis=1),
    "choice_array_no_replace": lambda r, k: r.choice(k, X, (3,), replace=False),
    "choice_array_p": lambda r, k: r.choice(k, X, (2, 2), p=P[:4] / P[:4].sum()),
    "split": lambda r, k: r.split(k),
    "fold_in": lambda r, k: r.fold_in(k, 7),
    "fold_in_max": lambda r, k: r.fold_in(k, 2 ** 32 - 1),
}


# ## Keys

@pytest.mark.parametrize("seed", [0, 1, 42, -1, 2 ** 31 + 5, 2 ** 40 + 3, np.int32(-7),
                                  np.uint32(7), np.int64(9)], ids=repr)
def test_keys_from_seeds(seed):
    assert_bits_equal(random.PRNGKey(seed), jr.PRNGKey(seed))
    assert_bits_equal(random.key_data(random.key(seed)), jr.key_data(jr.key(seed)))


def test_key_data_and_wrap_round_trip_raw_keys():
    keys = random.split(random.PRNGKey(0), 3)
    assert_bits_equal(random.key_data(keys), keys)
    assert_bits_equal(random.key_data(random.wrap_key_data(keys)), keys)


def test_seed_under_jit_and_vmap():
    seeds = np.array([0, 5, -3], np.int32)
    assert_bits_equal(zenax.jit(random.PRNGKey)(seeds[1]), jr.PRNGKey(5))
    assert_bits_equal(zenax.vmap(random.PRNGKey)(seeds), jax.vmap(jr.PRNGKey)(seeds))


# ## Bit-identical samples

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(SAMPLERS))
def test_eager_matches_jax(name, seed):
    f = SAMPLERS[name]
    assert_bits_equal(f(random, random.PRNGKey(seed)), f(jr, jr.PRNGKey(seed)))


@pytest.mark.parametrize("name", ["uniform_bounds", "normal_c64", "truncated_normal",
                                  "gumbel_f16", "choice_array_p", "split"])
def test_jit_matches_jax_jit(name):
    f = SAMPLERS[name]
    key, j_key = random.PRNGKey(3), jr.PRNGKey(3)
    assert_bits_equal(zenax.jit(lambda k: f(random, k))(key), jax.jit(lambda k: f(jr, k))(j_key))
    zenax.typecheck_jaxpr(zenax.make_jaxpr(lambda k: f(random, k))(key))


@pytest.mark.parametrize("name", ["uniform_bounds", "truncated_normal", "categorical_shape",
                                  "choice_p", "fold_in"])
def test_vmap_over_keys_matches_jax_vmap(name):
    f = SAMPLERS[name]
    keys, j_keys = random.split(random.PRNGKey(5), 4), jr.split(jr.PRNGKey(5), 4)
    ours = zenax.vmap(lambda k: f(random, k))
    assert_bits_equal(ours(keys), jax.vmap(lambda k: f(jr, k))(j_keys))
    zenax.typecheck_jaxpr(zenax.make_jaxpr(ours)(keys))


def test_vmap_of_normal_over_split_keys():
    key = random.PRNGKey(0)
    ours = zenax.vmap(lambda k: random.normal(k, (3,)))(random.split(key, 4))
    theirs = jax.vmap(lambda k: jr.normal(k, (3,)))(jr.split(jr.PRNGKey(0), 4))
    assert_bits_equal(ours, theirs)
    # ... and each row is the sample of that key alone.
    for i, k in enumerate(random.split(key, 4)):
        assert_bits_equal(ours[i], random.normal(k, (3,)))


def test_vmap_over_parameters_and_jit_of_vmap():
    key, j_key = random.PRNGKey(1), jr.PRNGKey(1)
    ps = np.float32([0.1, 0.5, 0.9])
    f = lambda r, k: (lambda p: r.bernoulli(k, p, (8,)))
    assert_bits_equal(zenax.vmap(f(random, key))(ps), jax.vmap(f(jr, j_key))(ps))
    ours = zenax.jit(zenax.vmap(lambda k: random.fold_in(k, 3)))(random.split(key, 2))
    assert_bits_equal(ours, jax.jit(jax.vmap(lambda k: jr.fold_in(k, 3)))(jr.split(j_key, 2)))


def test_gradients_through_samplers():
    key, j_key = random.PRNGKey(2), jr.PRNGKey(2)
    ours = zenax.grad(lambda lo: zenax.lax.reduce_sum(
        random.uniform(key, (5,), minval=lo, maxval=3.), (0,)))(0.5)
    theirs = jax.grad(lambda lo: jr.uniform(j_key, (5,), minval=lo, maxval=3.).sum())(0.5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    ours = zenax.grad(lambda lo: zenax.lax.reduce_sum(
        random.truncated_normal(key, lo, 2., (5,)), (0,)))(-1.)
    theirs = jax.grad(lambda lo: jr.truncated_normal(j_key, lo, 2., (5,)).sum())(-1.)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


# ## Errors

@pytest.mark.parametrize("bad", [np.zeros(2, np.float32), np.zeros(3, np.uint32),
                                 np.zeros((), np.uint32), np.zeros(2, np.int32)], ids=str)
@pytest.mark.parametrize("name,call", [
    ("normal", lambda k: random.normal(k, (2,))),
    ("split", lambda k: random.split(k)),
    ("fold_in", lambda k: random.fold_in(k, 1)),
    ("choice", lambda k: random.choice(k, 3)),
])
def test_bad_keys_raise_type_error_naming_the_function(bad, name, call):
    with pytest.raises(TypeError, match=rf"zenax\.random\.{name}: .*uint32\[2\]"):
        call(bad)


def test_batched_key_and_typed_key_errors():
    with pytest.raises(ValueError, match=r"uniform accepts a single key.*vmap"):
        random.uniform(random.split(random.PRNGKey(0), 3))
    assert_bits_equal(random.normal(jr.key(0)), jr.normal(jr.key(0)))   # typed keys work


def test_argument_errors_follow_jax():
    key = random.PRNGKey(0)
    # JAX 0.10 takes a Python int as a 1-D shape, but not a NumPy integer.
    assert random.uniform(key, 3).shape == jr.uniform(jr.PRNGKey(0), 3).shape == (3,)
    with pytest.raises(TypeError, match="sequence"):
        random.uniform(key, np.int64(3))
    with pytest.raises(ValueError, match="must be a float or complex dtype"):
        random.normal(key, (2,), jnp.int32)
    with pytest.raises(ValueError, match="Cannot take a larger sample"):
        random.choice(key, 3, (4,), replace=False)
    with pytest.raises(ValueError, match="p must be None or a 1D vector"):
        random.choice(key, 3, (2,), p=P)
    with pytest.raises(ValueError, match="broadcast-compatible"):
        random.uniform(key, (2,), minval=np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="broadcast-compatible"):
        random.bernoulli(key, np.full(3, 0.5, np.float32), (2,))
    with pytest.raises(OverflowError):
        random.fold_in(key, -1)
    with pytest.raises(TypeError, match="scalar seed"):
        random.PRNGKey(np.arange(2))
    with pytest.raises(TypeError, match="integer"):
        random.PRNGKey(1.5)


def test_choice_of_nothing_and_shapes():
    key = random.PRNGKey(0)
    assert_bits_equal(random.choice(key, X, (0,), axis=1),
                      jr.choice(jr.PRNGKey(0), X, (0,), axis=1))
    assert random.split(key, (2, 3)).shape == (2, 3, 2)
    assert random.permutation(key, 0).shape == (0,)
