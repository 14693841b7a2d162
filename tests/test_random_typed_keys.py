"""Typed PRNG keys (``zenax.random.key``) against JAX's.

A typed key array prints as JAX's does (it *is* a JAX key array when concrete), its
jaxprs read as JAX's (``key<fry>[]`` avals, ``random_split`` & co.), and it gives the bits
of ``jax.random`` for the same seed -- eagerly, under ``jit``, ``vmap``, ``scan`` and loops,
in pytrees, and through every kind of sampler.  Keys are not differentiable, raw
``uint32[2]`` keys keep working, and bad keys raise JAX's error kind naming the function
and the argument.
"""
import doctest

import jax
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax import random

from oracle import assert_bits_equal

jr = jax.random
SEEDS = [0, 42, 2 ** 40 + 3]
P = np.array([0.2, 0.3, 0.5], np.float32)


def _is_key(x) -> bool:
    return jax.dtypes.issubdtype(getattr(x, "dtype", np.float32), jax.dtypes.prng_key)


def assert_same_keys(ours, theirs):
    """Same tree; key leaves of the same key dtype and data bits, other leaves bit-equal."""
    ours_leaves, ours_tree = jax.tree_util.tree_flatten(ours, is_leaf=_is_key)
    their_leaves, their_tree = jax.tree_util.tree_flatten(theirs, is_leaf=_is_key)
    assert ours_tree == their_tree
    for a, e in zip(ours_leaves, their_leaves):
        assert _is_key(a) == _is_key(e), (a, e)
        if _is_key(e):
            assert type(a) is type(e) and a.dtype == e.dtype and a.shape == e.shape
            a, e = jr.key_data(a), jr.key_data(e)
        assert_bits_equal(a, e)


def same_jaxpr(f, jax_f, *args):
    """The same jaxpr text as JAX's, up to line breaking (the printer's own concern)."""
    jaxpr = zenax.make_jaxpr(f)(*args)
    zenax.typecheck_jaxpr(jaxpr)
    assert str(jaxpr).split() == str(jax.make_jaxpr(jax_f)(*args)).split()


# ## Printing and the key dtype

def test_keys_print_as_jax():
    for seed in (0, 7):
        assert repr(random.key(seed)) == repr(jr.key(seed))
        assert str(random.key(seed)) == str(jr.key(seed))
    assert repr(random.split(random.key(1), (2, 3))) == repr(jr.split(jr.key(1), (2, 3)))
    key = random.key(0)
    assert type(key) is type(jr.key(0))
    assert key.dtype == jr.key(0).dtype == random.key_dtype() == jr.key_dtype()
    assert repr(key.dtype) == "key<fry>" and key.shape == () and key.itemsize == 8
    assert zenax.tracer.core.get_aval(random.split(key, 3)).str_short() == "key<fry>[3]"


def test_key_dtype_is_a_prng_key_and_extended_dtype():
    dtype = random.key(0).dtype
    assert zenax.dtypes.issubdtype(dtype, zenax.dtypes.prng_key)
    assert zenax.dtypes.issubdtype(dtype, zenax.dtypes.extended)
    assert not zenax.dtypes.issubdtype(dtype, np.integer)
    assert not zenax.dtypes.issubdtype(np.uint32, zenax.dtypes.prng_key)


def test_jaxprs_print_as_jax():
    key, raw = jr.key(0), jr.PRNGKey(0)
    keys = jr.split(key, 3)
    same_jaxpr(random.key, jr.key, np.int32(3))
    same_jaxpr(random.PRNGKey, jr.PRNGKey, np.int32(3))
    same_jaxpr(random.split, jr.split, key)
    same_jaxpr(random.split, jr.split, raw)
    same_jaxpr(lambda k: random.split(k, (2, 3)), lambda k: jr.split(k, (2, 3)), key)
    same_jaxpr(lambda k: random.fold_in(k, np.int32(-3)), lambda k: jr.fold_in(k, np.int32(-3)),
               key)
    same_jaxpr(random.fold_in, jr.fold_in, raw, np.int32(5))
    same_jaxpr(lambda k: random.bits(k, (2,), np.uint8), lambda k: jr.bits(k, (2,), np.uint8),
               key)
    same_jaxpr(lambda k: random.bits(k, (3,)), lambda k: jr.bits(k, (3,)), raw)
    same_jaxpr(random.key_data, jr.key_data, keys)
    same_jaxpr(random.key_data, jr.key_data, raw)
    same_jaxpr(random.wrap_key_data, jr.wrap_key_data, jr.key_data(keys))
    same_jaxpr(random.clone, jr.clone, key)
    same_jaxpr(zenax.vmap(random.split), jax.vmap(jr.split), keys)
    same_jaxpr(zenax.vmap(random.fold_in), jax.vmap(jr.fold_in), keys, np.arange(3, dtype=np.uint32))
    same_jaxpr(zenax.vmap(random.wrap_key_data), jax.vmap(jr.wrap_key_data), jr.key_data(keys))


# ## The key functions give JAX's keys and bits

@pytest.mark.parametrize("seed", SEEDS + [-1, np.int32(-7), np.uint32(7)], ids=repr)
def test_seeding_matches_jax(seed):
    assert_same_keys(random.key(seed), jr.key(seed))
    assert_same_keys(random.PRNGKey(seed), jr.PRNGKey(seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_key_functions_match_jax(seed):
    key, j_key = random.key(seed), jr.key(seed)
    assert_same_keys(random.split(key), jr.split(j_key))
    assert_same_keys(random.split(key, (2, 3)), jr.split(j_key, (2, 3)))
    assert_same_keys(random.fold_in(key, 2 ** 32 - 1), jr.fold_in(j_key, 2 ** 32 - 1))
    assert_same_keys(random.fold_in(key, np.int32(-3)), jr.fold_in(j_key, np.int32(-3)))
    assert_same_keys(random.bits(key, (3, 4)), jr.bits(j_key, (3, 4)))
    assert_same_keys(random.bits(key, (5,), np.uint8), jr.bits(j_key, (5,), np.uint8))
    assert_same_keys(random.key_data(key), jr.key_data(j_key))
    assert_same_keys(random.wrap_key_data(jr.key_data(j_key)), j_key)
    assert_same_keys(random.clone(key), jr.clone(j_key))


def test_raw_keys_keep_working_and_give_the_same_bits():
    raw, key = random.PRNGKey(5), random.key(5)
    assert_bits_equal(random.key_data(key), raw)
    assert_bits_equal(random.key_data(raw), raw)        # raw data stays raw data
    assert_bits_equal(random.split(raw, 3), random.key_data(random.split(key, 3)))
    assert_bits_equal(random.fold_in(raw, 9), random.key_data(random.fold_in(key, 9)))
    assert_bits_equal(random.bits(raw, (4,)), random.bits(key, (4,)))
    assert_bits_equal(random.normal(raw, (4,)), random.normal(key, (4,)))
    assert_same_keys(random.wrap_key_data(raw), key)


# name -> f(r, key) for r in (zenax.random, jax.random): one sampler of each family.
SAMPLERS = {
    "uniform": lambda r, k: r.uniform(k, (3, 2), minval=-1.0),
    "normal": lambda r, k: r.normal(k, (5,)),
    "normal_c64": lambda r, k: r.normal(k, (3,), np.complex64),
    "randint": lambda r, k: r.randint(k, (6,), 0, 10),
    "bernoulli": lambda r, k: r.bernoulli(k, 0.3, (6,)),
    "categorical": lambda r, k: r.categorical(k, np.log(P), shape=(4,)),
    "permutation": lambda r, k: r.permutation(k, 6),
    "choice": lambda r, k: r.choice(k, 5, (3,), replace=False),
    "gamma": lambda r, k: r.gamma(k, np.float32([0.5, 3.0])),
    "beta": lambda r, k: r.beta(k, 2.0, 3.0, (3,)),
    "dirichlet": lambda r, k: r.dirichlet(k, P),
    "poisson": lambda r, k: r.poisson(k, 4.0, (5,)),
    "binomial": lambda r, k: r.binomial(k, 10.0, 0.3, (4,)),
    "multinomial": lambda r, k: r.multinomial(k, 10.0, P),
    "truncated_normal": lambda r, k: r.truncated_normal(k, -1.0, 1.0, (4,)),
    "laplace": lambda r, k: r.laplace(k, (4,)),
    "orthogonal": lambda r, k: r.orthogonal(k, 3),
    "multivariate_normal": lambda r, k: r.multivariate_normal(k, np.zeros(2, np.float32),
                                                              np.eye(2, dtype=np.float32)),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_every_sampler_family_takes_typed_keys(name):
    f = SAMPLERS[name]
    for seed in SEEDS[:2]:
        assert_same_keys(f(random, random.key(seed)), f(jr, jr.key(seed)))


# ## Transforms

def test_typed_keys_through_jit():
    key, j_key = random.key(1), jr.key(1)
    split = zenax.jit(random.split)
    assert_same_keys(split(key), jr.split(j_key))
    assert_same_keys(split(random.key(2)), jr.split(jr.key(2)))
    assert split.cache_stats().traces == 1
    assert_same_keys(zenax.jit(lambda k: random.normal(k, (3,)))(key), jr.normal(j_key, (3,)))
    assert_same_keys(zenax.jit(random.key)(np.int32(4)), jr.key(4))
    assert_same_keys(zenax.jit(lambda k: random.split(k, 3)[1])(key), jr.split(j_key, 3)[1])
    k1, k2 = zenax.jit(lambda k: tuple(random.split(k)))(key)
    assert_same_keys((k1, k2), tuple(jr.split(j_key)))


def test_typed_keys_through_vmap():
    keys, j_keys = random.split(random.key(0), 3), jr.split(jr.key(0), 3)
    data = np.arange(3, dtype=np.uint32)
    assert_same_keys(zenax.vmap(random.split)(keys), jax.vmap(jr.split)(j_keys))
    assert_same_keys(zenax.vmap(lambda k: random.normal(k, (2,)))(keys),
                     jax.vmap(lambda k: jr.normal(k, (2,)))(j_keys))
    assert_same_keys(zenax.vmap(random.fold_in, in_axes=(None, 0))(keys[0], data),
                     jax.vmap(jr.fold_in, in_axes=(None, 0))(j_keys[0], data))
    assert_same_keys(zenax.vmap(random.fold_in)(keys, data), jax.vmap(jr.fold_in)(j_keys, data))
    assert_same_keys(zenax.vmap(random.key)(data.astype(np.int32)),
                     jax.vmap(jr.key)(data.astype(np.int32)))
    assert_same_keys(zenax.vmap(random.wrap_key_data, in_axes=1)(jr.key_data(j_keys).T),
                     j_keys)
    assert_same_keys(zenax.vmap(random.split, out_axes=1)(keys),
                     jax.vmap(jr.split, out_axes=1)(j_keys))
    assert_same_keys(zenax.vmap(zenax.vmap(random.split))(random.split(random.key(0), (2, 3))),
                     jax.vmap(jax.vmap(jr.split))(jr.split(jr.key(0), (2, 3))))
    # A vmap over typed keys is a loop over them.
    loop = [random.uniform(keys[i], (2,)) for i in range(3)]
    assert_bits_equal(zenax.vmap(lambda k: random.uniform(k, (2,)))(keys), np.stack(loop))


def test_typed_keys_through_scan_and_loops():
    key, j_key = random.key(4), jr.key(4)

    def step(r):
        return lambda carry, _: (r.split(carry)[0], r.normal(carry))
    assert_same_keys(zenax.lax.scan(step(random), key, None, length=3),
                     jax.lax.scan(step(jr), j_key, None, length=3))
    assert_same_keys(zenax.lax.scan(lambda c, k: (c, random.uniform(k)), 0.0,
                                    random.split(key, 3)),
                     jax.lax.scan(lambda c, k: (c, jr.uniform(k)), 0.0, jr.split(j_key, 3)))
    assert_same_keys(zenax.lax.scan(lambda c, _: (c, random.split(c)), key, None, length=2),
                     jax.lax.scan(lambda c, _: (c, jr.split(c)), j_key, None, length=2))
    assert_same_keys(zenax.lax.fori_loop(0, 3, lambda i, c: random.fold_in(c, i), key),
                     jax.lax.fori_loop(0, 3, lambda i, c: jr.fold_in(c, i), j_key))
    assert_same_keys(
        zenax.jit(lambda p, k: zenax.lax.cond(p, lambda a: random.split(a)[0],
                                              lambda a: a, k))(True, key),
        jr.split(j_key)[0])


def test_pytrees_of_keys():
    tree = {"a": random.key(0), "b": [random.key(1), 2.0]}
    j_tree = {"a": jr.key(0), "b": [jr.key(1), 2.0]}
    assert zenax.tree_util.tree_structure(tree) == zenax.tree_util.tree_structure(
        {"a": 0, "b": [0, 0]})
    assert_same_keys(zenax.tree_util.tree_leaves(tree), jax.tree_util.tree_leaves(j_tree))
    f = zenax.jit(lambda t: {"k": random.split(t["a"])[1], "x": t["b"][1] * 2})
    assert_same_keys(f(tree), {"k": jr.split(j_tree["a"])[1], "x": jax.numpy.float32(4.0)})
    mapped = zenax.tree_util.tree_map(lambda k: random.fold_in(k, 1), tree["b"][:1])
    assert_same_keys(mapped, [jr.fold_in(jr.key(1), 1)])


def test_keys_are_not_differentiable():
    key, j_key = random.key(2), jr.key(2)

    def loss(r):
        return lambda x, k: (x * r.normal(k, (3,))).sum()
    np.testing.assert_allclose(zenax.grad(loss(random))(1.5, key), jax.grad(loss(jr))(1.5, j_key),
                               rtol=1e-6)
    with pytest.raises(TypeError, match="key<fry>"):
        zenax.grad(loss(random), argnums=1)(1.5, key)
    with pytest.raises(TypeError):
        jax.grad(loss(jr), argnums=1)(1.5, j_key)
    # A key's cotangent is float0, as JAX's.
    _, ct_key = zenax.grad(loss(random), argnums=(0, 1), allow_int=True)(1.5, key)
    assert ct_key.dtype == jax.dtypes.float0 and ct_key.shape == ()
    keys = random.split(key, 4)
    per_key = zenax.vmap(zenax.grad(loss(random)), in_axes=(None, 0))(1.5, keys)
    np.testing.assert_allclose(per_key, jax.vmap(jax.grad(loss(jr)), in_axes=(None, 0))(
        1.5, jr.split(j_key, 4)), rtol=1e-6)


# ## Implementations

def test_impl_and_dtype_arguments():
    dtype = random.key_dtype("threefry2x32")
    assert random.key_impl(random.key(0)) == jr.key_impl(jr.key(0)) == "threefry2x32"
    assert random.key_impl(random.PRNGKey(0)) == "threefry2x32"
    assert random.key_impl(random.split(random.key(0), 2)) == "threefry2x32"
    assert_same_keys(random.key(3, impl="threefry2x32"), jr.key(3))
    assert_same_keys(random.key(3, dtype=dtype), jr.key(3))
    assert_same_keys(random.PRNGKey(3, impl="threefry2x32"), jr.PRNGKey(3))
    data = jr.key_data(jr.key(3))
    assert_same_keys(random.wrap_key_data(data, impl="threefry2x32"), jr.key(3))
    assert_same_keys(random.wrap_key_data(data, dtype=dtype), jr.key(3))
    assert random.key_dtype(dtype) == dtype


def test_other_implementations_are_refused_clearly():
    with pytest.raises(NotImplementedError, match=r"random\.key: .*'rbg'.*threefry2x32"):
        random.key(0, impl="rbg")
    with pytest.raises(NotImplementedError, match="wrap_key_data"):
        random.wrap_key_data(np.zeros(2, np.uint32), impl="unsafe_rbg")
    for r in (random, jr):      # unknown names and conflicting arguments: JAX's ValueError
        with pytest.raises(ValueError, match="unrecognized PRNG implementation"):
            r.key(0, impl="no_such_prng")
        with pytest.raises(ValueError, match="both"):
            r.key(0, impl="threefry2x32", dtype=r.key_dtype())


# ## Errors

KEY = random.key(0)
RAW = random.PRNGKey(0)


@pytest.mark.parametrize("call,jax_call,kind,words", [
    (lambda: random.wrap_key_data(KEY), lambda: jr.wrap_key_data(jr.key(0)),
     TypeError, ["wrap_key_data", "key_bits_array", "key<fry>"]),
    (lambda: random.key_data(np.zeros(3, np.uint32)),
     lambda: jr.key_data(np.zeros(3, np.uint32)), TypeError, ["key_data", "keys", "u32[3]"]),
    (lambda: random.normal(np.zeros(2, np.float32)), lambda: jr.normal(np.zeros(2, np.float32)),
     TypeError, ["normal", "key", "f32[2]"]),
    (lambda: random.split(random.split(KEY)), lambda: jr.split(jr.split(jr.key(0))),
     ValueError, ["split", "single key", "vmap"]),
    (lambda: random.uniform(random.split(RAW)), lambda: jr.uniform(jr.split(jr.PRNGKey(0))),
     ValueError, ["uniform", "single key", "(2,)"]),
    (lambda: random.key(KEY), lambda: jr.key(jr.key(0)), TypeError, ["key", "seed"]),
    (lambda: random.fold_in(KEY, np.arange(2)), lambda: jr.fold_in(jr.key(0), np.arange(2)),
     TypeError, ["fold_in", "scalar"]),
    (lambda: zenax.jit(lambda k: k + 1)(KEY), lambda: jax.jit(lambda k: k + 1)(jr.key(0)),
     TypeError, ["key<fry>"]),
    (lambda: random.bits(KEY, (2,), np.float32), lambda: jr.bits(jr.key(0), (2,), np.float32),
     ValueError, ["bits", "unsigned"]),
])
def test_bad_keys_raise_jax_error_kinds(call, jax_call, kind, words):
    with pytest.raises(kind) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    with pytest.raises(kind):
        jax_call()


def test_a_typed_key_is_not_key_data_and_the_reverse():
    with pytest.raises(TypeError, match=r"wrap_key_data: `key_bits_array`.*key_data\(key\)"):
        random.wrap_key_data(random.split(KEY, 2))
    with pytest.raises(TypeError, match=r"random\.key_impl: `keys` must be a PRNG key"):
        random.key_impl(np.zeros((2, 3), np.uint32))
    typed_keys = zenax.lax.random.typed_keys      # the primitives take typed keys only
    with pytest.raises(TypeError, match="random_unwrap: `keys` must be an array of typed"):
        zenax.make_jaxpr(typed_keys.random_unwrap)(RAW)
    with pytest.raises(TypeError, match="random_bits: `keys` must be an array of typed"):
        zenax.make_jaxpr(lambda k: typed_keys.random_bits(k, 32, ()))(RAW)
    with pytest.raises(TypeError):
        np.asarray(KEY)             # JAX's own refusal: key_data gives the numbers


def test_eager_key_ops_chain_like_jax():
    key = random.key(0)
    for i in range(20):
        key = random.fold_in(key, i)
    expected = jr.key(0)
    for i in range(20):
        expected = jr.fold_in(expected, i)
    assert_same_keys(key, expected)
    assert_same_keys(znp.stack([key, key]), jax.numpy.stack([expected, expected]))


def test_own_docstring_examples():
    module = zenax.lax.random.keys
    result = doctest.testmod(module, extraglobs={"random": random, "np": np},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 10
