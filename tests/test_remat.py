"""checkpoint / remat: same gradients, recomputation visible in the lowered program."""
import jax
import jax.ad_checkpoint
import jax.numpy as jnp_ref
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import checkpoint_policies as cp

from oracle import assert_close

TOL = dict(rtol=1e-5, atol=1e-5)


def _params():
    rng = np.random.RandomState(0)
    return [(rng.randn(4, 4).astype(np.float32) * 0.5, rng.randn(4).astype(np.float32) * 0.1)
            for _ in range(3)]


X = np.random.RandomState(1).randn(2, 4).astype(np.float32)


def make_loss(lib, np_, wrap=lambda f: f, named=False):
    def layer(wb, x):
        w, b = wb
        h = np_.dot(x, w)
        if named:
            h = lib.ad_checkpoint.checkpoint_name(h, "pre") if lib is jax else \
                zenax.checkpoint_name(h, "pre")
        return np_.tanh(h + b)

    layer = wrap(layer)

    def loss(params, x):
        for wb in params:
            x = layer(wb, x)
        return np_.sum(x ** 2)
    return loss


POLICIES = {
    "none": None,
    "nothing_saveable": (cp.nothing_saveable, jax.checkpoint_policies.nothing_saveable),
    "everything_saveable": (cp.everything_saveable, jax.checkpoint_policies.everything_saveable),
    "dots_saveable": (cp.dots_saveable, jax.checkpoint_policies.dots_saveable),
    "dots_with_no_batch_dims_saveable": (cp.dots_with_no_batch_dims_saveable,
                                         jax.checkpoint_policies.dots_with_no_batch_dims_saveable),
    "save_only_these_names": (cp.save_only_these_names("pre"),
                              jax.checkpoint_policies.save_only_these_names("pre")),
}


@pytest.mark.parametrize("name", list(POLICIES))
def test_mlp_grads_unchanged_and_match_jax(name):
    params = _params()
    pol = POLICIES[name]
    zp, jp = (None, None) if pol is None else pol
    named = name == "save_only_these_names"
    plain = make_loss(zenax, jnp, named=named)
    z = make_loss(zenax, jnp, lambda f: zenax.checkpoint(f, policy=zp), named=named)
    j = make_loss(jax, jnp_ref, lambda f: jax.checkpoint(f, policy=jp), named=named)
    gz = zenax.jit(zenax.grad(z))(params, X)
    gp = zenax.jit(zenax.grad(plain))(params, X)
    gj = jax.grad(j)(params, X)
    for a, b, c in zip(jax.tree_util.tree_leaves(gz), jax.tree_util.tree_leaves(gp),
                       jax.tree_util.tree_leaves(gj)):
        assert_close(a, b, **TOL)
        assert_close(a, c, **TOL)
    assert_close(z(params, X), j(params, X), **TOL)


def test_eager_grad_and_remat_alias():
    assert zenax.remat is not zenax.checkpoint  # as jax.remat is not jax.checkpoint
    params = _params()
    z = make_loss(zenax, jnp, zenax.remat)
    j = make_loss(jax, jnp_ref, jax.checkpoint)
    for a, b in zip(jax.tree_util.tree_leaves(zenax.grad(z)(params, X)),
                    jax.tree_util.tree_leaves(jax.grad(j)(params, X))):
        assert_close(a, b, **TOL)


def _hlo(loss, params):
    return zenax.jit(zenax.grad(loss)).lower(params, X).as_text()


def test_lowered_text_has_barrier_and_recomputes():
    params = _params()
    with_remat = _hlo(make_loss(zenax, jnp, zenax.checkpoint), params)
    without = _hlo(make_loss(zenax, jnp), params)
    assert "optimization_barrier" in with_remat
    assert "optimization_barrier" not in without
    n_with, n_without = with_remat.count("tanh"), without.count("tanh")
    assert n_without >= 3
    assert n_with > n_without, (n_with, n_without)


def test_prevent_cse_false_has_no_barrier():
    params = _params()
    txt = _hlo(make_loss(zenax, jnp, lambda f: zenax.checkpoint(f, prevent_cse=False)), params)
    assert "optimization_barrier" not in txt


def test_make_jaxpr_of_grad_has_remat_in_backward_pass():
    f = zenax.checkpoint(lambda x: jnp.sin(jnp.sin(x)))
    jaxpr = zenax.make_jaxpr(zenax.grad(lambda x: f(x) * 2.0))(1.0)
    eqns = jaxpr.jaxpr.eqns
    remats = [i for i, e in enumerate(eqns) if "remat" in str(e.primitive)]
    assert len(remats) >= 2, str(jaxpr)        # forward and backward
    # the backward one recomputes sin and uses cos
    bwd = eqns[remats[-1]]
    text = str(jaxpr)
    assert "remat" in text
    inner = str(bwd.params["jaxpr"])
    assert "sin" in inner and "cos" in inner, inner
    assert_close(zenax.grad(lambda x: f(x) * 2.0)(1.0),
                 jax.grad(lambda x: jnp_ref.sin(jnp_ref.sin(x)) * 2.0)(1.0), **TOL)


def test_static_argnums():
    def f(x, n):
        for _ in range(n):
            x = jnp.sin(x)
        return x
    g = zenax.checkpoint(f, static_argnums=(1,))
    assert_close(zenax.grad(g)(0.5, 3),
                 jax.grad(lambda x: jnp_ref.sin(jnp_ref.sin(jnp_ref.sin(x))))(0.5), **TOL)
    assert_close(zenax.jit(zenax.grad(g), static_argnums=1)(0.5, 2),
                 jax.grad(lambda x: jnp_ref.sin(jnp_ref.sin(x)))(0.5), **TOL)


def test_remat_under_vmap_and_jvp():
    f = zenax.checkpoint(lambda x: jnp.tanh(x) * x)
    jf = lambda x: jnp_ref.tanh(x) * x
    xs = np.linspace(-2, 2, 5).astype(np.float32)
    assert_close(zenax.vmap(zenax.grad(f))(xs), jax.vmap(jax.grad(jf))(xs), **TOL)
    p, t = zenax.jvp(f, (0.3,), (1.,))
    jp, jt = jax.jvp(jf, (0.3,), (1.,))
    assert_close(p, jp, **TOL), assert_close(t, jt, **TOL)


@pytest.mark.parametrize("name,tanh_recomputed,dots_recomputed", [
    ("nothing_saveable", True, True),
    ("everything_saveable", False, False),
    ("dots_saveable", True, False),
    ("dots_with_no_batch_dims_saveable", True, False),
    ("save_only_these_names", True, False),
])
def test_policies_decide_what_is_recomputed(name, tanh_recomputed, dots_recomputed):
    params = _params()
    base = _hlo(make_loss(zenax, jnp), params)
    txt = _hlo(make_loss(zenax, jnp, lambda f: zenax.checkpoint(f, policy=POLICIES[name][0]),
                         named=name == "save_only_these_names"), params)
    assert (txt.count("tanh") > base.count("tanh")) == tanh_recomputed
    assert (txt.count("dot_general") > base.count("dot_general")) == dots_recomputed
