"""Mutable array references (zenax.new_ref, Ref, freeze, ds) against JAX on the same
programs: values, printed reprs and error kinds."""
import jax
import jax.numpy as jjnp
import numpy as np
import pytest
from oracle import assert_same

import zenax
import zenax.numpy as jnp
from zenax.lax import refs


def _both(program):
    """Run ``program(api, np_module)`` under zenax and under JAX."""
    ours = program(refs, zenax, jnp)
    theirs = program(jax.ref, jax, jjnp)
    return ours, theirs


def test_eager_reads_writes_and_reprs_match_jax():
    def program(ref, api, np_):
        r = ref.new_ref(np_.arange(5.0))
        r[1] = 7.0
        r[2:4] += np_.ones(2, np_.float32)
        r[...] = r[...] * 2.0
        old = ref.swap(r, (0,), np_.float32(3))
        i = ref.new_ref(np_.arange(4))
        i[3] = 100
        w = ref.new_ref(1.0)
        return (repr(r), repr(i), repr(w), str(r.aval), r.shape, r.dtype, len(r)), \
            (old, r[1:3], api.freeze(i), r[api.ds(1, 3)], r[api.ds(0, 2, 2)])
    (o_text, o_vals), (j_text, j_vals) = _both(program)
    assert o_text == j_text
    assert_same(o_vals, j_vals)
    assert repr(zenax.ds(1, 2)) == repr(jax.ds(1, 2)) == "Slice(start=1, size=2, stride=1)"
    assert zenax.ds(None) == jax.ds(None) and repr(zenax.ds(3)) == repr(jax.ds(3))


def test_bad_writes_and_arguments_raise_jax_kinds():
    for api, np_ in ((zenax, jnp), (jax, jjnp)):
        r = api.new_ref(np_.zeros(3))
        with pytest.raises(ValueError, match="Invalid dtype for `swap`"):
            r[0] = 1                          # an int into a float32 ref
        with pytest.raises(ValueError, match="Invalid shape for `swap`"):
            r[...] = np_.ones(2, np_.float32)
        with pytest.raises(TypeError, match="new_ref"):
            api.new_ref([1.0, 2.0])
        with pytest.raises(TypeError):
            r + 1
    assert isinstance(zenax.new_ref(jnp.ones(2)), zenax.Ref)
    assert zenax.free_ref(zenax.new_ref(jnp.ones(2))) == ()


def _local_refs(api, np_):
    def h(y):
        r = api.new_ref(np_.zeros(3))
        r[1] = y
        r[...] = r[...] * y
        r[api.ds(0, 2)] += np_.ones(2, np_.float32) * y
        return api.freeze(r).sum()
    return h


def test_functions_making_their_own_refs_transform_like_jax():
    zh, jh = _local_refs(zenax, jnp), _local_refs(jax, jjnp)
    y = np.float32(3.0)
    assert_same(zenax.jit(zh)(y), jax.jit(jh)(y))
    assert_same(zenax.grad(zh)(y), jax.grad(jh)(y))
    ys = np.arange(3, dtype=np.float32)
    assert_same(zenax.vmap(zh)(ys), jax.vmap(jh)(ys))


def test_traced_ds_start_reads_and_writes():
    def program(api, np_):
        def f(i):
            r = api.new_ref(np_.zeros(6))
            r[api.ds(i, 2)] = np_.ones(2, np_.float32)
            return r[...], r[api.ds(i, 3)]
        return api.jit(f)(3)
    assert_same(program(zenax, jnp), program(jax, jjnp))


def test_refs_passed_to_jit_are_mutated_in_place():
    def program(api, np_):
        x = api.new_ref(np_.zeros(3))

        @api.jit
        def f(x_ref, y):
            x_ref[...] += y
            return x_ref[0] * 2
        outs = [f(x, np_.ones(3)) for _ in range(2)]
        return outs, api.freeze(x)
    assert_same(program(zenax, jnp), program(jax, jjnp))


def test_outer_refs_under_grad_and_vmap():
    for api, np_ in ((zenax, jnp), (jax, jjnp)):
        c = api.new_ref(np_.zeros(()))

        def write(y):
            c[...] = y
            return y * 2
        with pytest.raises(Exception, match="differentiated value"):
            api.grad(write)(3.0)
        with pytest.raises(Exception, match="vmapped value"):
            api.vmap(write)(np_.arange(3.0))
        c[...] = np_.float32(2.0)
        assert float(api.grad(lambda y: c[...] * y)(3.0)) == 2.0


def test_unsupported_outer_ref_cases_say_so():
    c = zenax.new_ref(jnp.zeros(()))

    def g(y):
        c[...] += y
        return y
    with pytest.raises(NotImplementedError, match="closed over by a jitted function"):
        zenax.jit(g)(2.0)

    def body(carry, x):
        c[...] += x
        return carry, x
    with pytest.raises(NotImplementedError, match="control-flow body"):
        zenax.lax.scan(body, 0.0, jnp.arange(3.0))
