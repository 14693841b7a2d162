"""zenax.ad_checkpoint: checkpoint policies and print_saved_residuals against JAX's.

Each program is written once, taking the library (``jax`` or ``zenax``) as a parameter,
so both trace the same source lines and print_saved_residuals's origins can be compared
line for line.  JAX also prints a column (``file:line:col``); zenax's source records have
no column, so JAX's is dropped before comparing.
"""
import re

import jax
import jax.ad_checkpoint  # noqa: F401  (a submodule JAX does not import itself)
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from oracle import assert_same

LIBS = {"jax": (jax, jnp), "zenax": (zenax, znp)}


def layer(lib, W, x):
    _, np_ = LIBS[lib]
    y = np_.dot(W, x)
    return np_.sin(y)


def named_layer(lib, W, x):
    jax_, np_ = LIBS[lib]
    y = jax_.ad_checkpoint.checkpoint_name(np_.dot(W, x), "pre")
    z = jax_.ad_checkpoint.checkpoint_name(np_.sin(y), "act")
    return np_.exp(z)


def mlp(lib, layer_fn, W1, W2, W3, x):
    return layer_fn(lib, W3, layer_fn(lib, W2, layer_fn(lib, W1, x)))


def conv_net(lib, w, x):
    jax_, np_ = LIBS[lib]
    y = jax_.lax.conv_general_dilated(x, w, (1, 1), "SAME")
    return np_.sum(np_.sin(y) * y)


ARGS = (np.ones((5, 4), np.float32), np.ones((6, 5), np.float32), np.ones((7, 6), np.float32),
        np.ones(4, np.float32))


def _policies(lib):
    cp = LIBS[lib][0].checkpoint_policies
    return {
        "none": None,
        "nothing_saveable": cp.nothing_saveable,
        "everything_saveable": cp.everything_saveable,
        "dots_saveable": cp.dots_saveable,
        "checkpoint_dots": cp.checkpoint_dots,
        "dots_with_no_batch_dims_saveable": cp.dots_with_no_batch_dims_saveable,
        "checkpoint_dots_with_no_batch_dims": cp.checkpoint_dots_with_no_batch_dims,
        "save_only_these_names": cp.save_only_these_names("pre"),
        "save_any_names_but_these": cp.save_any_names_but_these("pre"),
        "save_from_both_policies": cp.save_from_both_policies(
            cp.save_only_these_names("act"), cp.dots_saveable),
        "save_and_offload_only_these_names": cp.save_and_offload_only_these_names(
            names_which_can_be_saved=["pre"], names_which_can_be_offloaded=[],
            offload_src="device", offload_dst="pinned_host"),
    }


def saved_residuals(lib, policy_name, layer_fn, checkpointed=True):
    jax_, _ = LIBS[lib]
    f = lambda W1, W2, W3, x: mlp(lib, layer_fn, W1, W2, W3, x)  # noqa: E731
    if checkpointed:
        policy = _policies(lib)[policy_name]
        f = jax_.checkpoint(f) if policy is None else jax_.checkpoint(f, policy=policy)
    return _printed(jax_.ad_checkpoint.print_saved_residuals, f, *ARGS)


def _printed(print_fn, *args):
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print_fn(*args)
    return buf.getvalue()


def _drop_columns(text):
    return re.sub(r"(\.py:\d+):\d+ \(", r"\1 (", text)


def test_unchecked_mlp_saves_what_jax_saves():
    out = saved_residuals("zenax", None, layer, checkpointed=False)
    assert out == _drop_columns(saved_residuals("jax", None, layer, checkpointed=False))
    assert "output of cos from" in out and "from the argument W1" in out


@pytest.mark.parametrize("policy", list(_policies("jax")))
@pytest.mark.parametrize("layer_fn", [layer, named_layer], ids=["plain", "named"])
def test_policies_save_what_jax_saves(policy, layer_fn):
    assert saved_residuals("zenax", policy, layer_fn) == \
        _drop_columns(saved_residuals("jax", policy, layer_fn))


def test_dots_saveable_saves_convolutions():
    w, x = np.ones((2, 1, 3, 3), np.float32), np.ones((1, 1, 5, 5), np.float32)
    z = _printed(zenax.ad_checkpoint.print_saved_residuals, zenax.checkpoint(
        lambda w, x: conv_net("zenax", w, x), policy=zenax.checkpoint_policies.dots_saveable),
        w, x)
    j = _printed(jax.ad_checkpoint.print_saved_residuals, jax.checkpoint(
        lambda w, x: conv_net("jax", w, x), policy=jax.checkpoint_policies.dots_saveable), w, x)
    assert z == _drop_columns(j)
    assert "output of conv_general_dilated" in z


def test_save_anything_except_these_names_does_what_it_says():
    # JAX's version of this policy saves everything; ours leaves out the named values,
    # which a JAX policy written out by hand does too.
    def by_hand(names):
        def policy(prim, *_, **params):
            return not (prim.name == "name" and params["name"] in names)
        return policy
    f = lambda lib: lambda *a: mlp(lib, named_layer, *a)  # noqa: E731
    z = _printed(zenax.ad_checkpoint.print_saved_residuals, zenax.checkpoint(
        f("zenax"), policy=zenax.checkpoint_policies.save_anything_except_these_names("act")),
        *ARGS)
    j = _printed(jax.ad_checkpoint.print_saved_residuals,
                 jax.checkpoint(f("jax"), policy=by_hand({"act"})), *ARGS)
    assert z == _drop_columns(j)


def pytree_args(lib, d, k):
    jax_, np_ = LIBS[lib]
    return np_.sin(d["a"]) * k + jax_.jit(np_.cos)(d["b"])


def sin_cos(lib, y):
    np_ = LIBS[lib][1]
    return np_.sin(np_.cos(y))


def nested_checkpoint(lib, x):
    jax_ = LIBS[lib][0]
    inner = jax_.checkpoint(lambda y: sin_cos(lib, y))
    return inner(x * 2.0) * x


def test_residuals_inside_and_around_a_checkpoint():
    z = _printed(zenax.ad_checkpoint.print_saved_residuals,
                 lambda x: nested_checkpoint("zenax", x), 1.0)
    j = _printed(jax.ad_checkpoint.print_saved_residuals,
                 lambda x: nested_checkpoint("jax", x), 1.0)
    assert z == _drop_columns(j)


def test_residual_origins_arguments_literals_jit():
    args = ({"a": 1.0, "b": 2.0}, 3.0)
    z = _printed(zenax.ad_checkpoint.print_saved_residuals,
                 lambda d, k: pytree_args("zenax", d, k), *args)
    j = _printed(jax.ad_checkpoint.print_saved_residuals,
                 lambda d, k: pytree_args("jax", d, k), *args)
    assert z == _drop_columns(j)
    assert "from the argument k" in z and "jitted function 'cos'" in z
    z = _printed(zenax.ad_checkpoint.print_saved_residuals, lambda *a: znp.sin(a[0]["a"]) * a[1],
                 *args)
    j = _printed(jax.ad_checkpoint.print_saved_residuals, lambda *a: jnp.sin(a[0]["a"]) * a[1],
                 *args)
    assert z.splitlines()[0] == j.splitlines()[0] == "f32[] from the argument a[1]"


def _check_gradients_unchanged(names):
    f = lambda *a: znp.sum(mlp("zenax", named_layer, *a))  # noqa: E731
    expected = jax.jit(jax.grad(lambda *a: jnp.sum(mlp("jax", named_layer, *a)),
                                argnums=(0, 3)))(*ARGS)
    for name in names:
        policy = _policies("zenax")[name]
        g = zenax.jit(zenax.grad(zenax.checkpoint(f, policy=policy) if policy else
                                 zenax.checkpoint(f), argnums=(0, 3)))(*ARGS)
        assert_same(g, expected, check_weak_type=False)


def test_policies_leave_gradients_unchanged():
    _check_gradients_unchanged(["none", "dots_saveable", "save_only_these_names"])


@pytest.mark.exhaustive
def test_every_policy_leaves_gradients_unchanged():
    _check_gradients_unchanged(list(_policies("zenax")))


def test_decisions_and_offload_policy():
    from zenax.lax.matmul import dot_general_p
    ac = zenax.ad_checkpoint
    assert not ac.Recompute and ac.Saveable and ac.Offloadable("device", "pinned_host")
    policy = zenax.checkpoint_policies.offload_dot_with_no_batch_dims("device", "pinned_host")
    assert policy(dot_general_p, dimension_numbers=(((1,), (0,)), ((), ()))) == \
        ac.Offloadable(src="device", dst="pinned_host")
    assert policy(dot_general_p, dimension_numbers=(((2,), (1,)), ((0,), (0,)))) is ac.Recompute
    with pytest.raises(ValueError, match="should be exclusive"):
        zenax.checkpoint_policies.save_and_offload_only_these_names(
            names_which_can_be_saved=["a"], names_which_can_be_offloaded=["a"],
            offload_src="device", offload_dst="pinned_host")
    both = zenax.checkpoint_policies.save_from_both_policies(policy, policy)
    with pytest.raises(ValueError, match="booleans"):
        both(dot_general_p, dimension_numbers=(((1,), (0,)), ((), ())))
    # memory_budget is zenax's own (tests/test_memory_budget.py).
    assert set(vars(jax.checkpoint_policies)) == set(vars(zenax.checkpoint_policies)) - {
        "memory_budget"}
