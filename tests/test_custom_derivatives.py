"""custom_jvp / custom_vjp: JAX's documentation examples, checked against JAX itself."""
import jax
import jax.numpy as jnp_ref
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp

from oracle import assert_close

TOL = dict(rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- definitions (both libs)

def make_log1pexp(lib, np_):
    @lib.custom_jvp
    def log1pexp(x):
        return np_.log(1. + np_.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        x, = primals
        x_dot, = tangents
        ans = log1pexp(x)
        return ans, x_dot * (1 - 1 / (1 + np_.exp(x)))
    return log1pexp


def make_f_defjvps(lib, np_):
    @lib.custom_jvp
    def f(x, y):
        return np_.sin(x) * y
    f.defjvps(lambda x_dot, primal_out, x, y: np_.cos(x) * x_dot * y,
              lambda y_dot, primal_out, x, y: np_.sin(x) * y_dot)
    return f


def make_safe_sqrt(lib, np_):
    @lib.custom_jvp
    def safe_sqrt(x):
        return np_.sqrt(x)

    @safe_sqrt.defjvp
    def safe_sqrt_jvp(primals, tangents):
        x, = primals
        x_dot, = tangents
        ans = safe_sqrt(x)
        return ans, np_.where(x == 0., 0., 0.5 / np_.where(x == 0., 1., ans)) * x_dot
    return safe_sqrt


def make_safe_norm(lib, np_):
    # custom_vjp version: gradient 0 at the origin instead of nan.
    @lib.custom_vjp
    def safe_norm(x):
        return np_.sqrt(np_.sum(x ** 2))

    def fwd(x):
        n = safe_norm(x)
        return n, (x, n)

    def bwd(res, g):
        x, n = res
        return (g * x / np_.where(n == 0., 1., n),)
    safe_norm.defvjp(fwd, bwd)
    return safe_norm


def make_clip_gradient(lib, np_):
    from functools import partial

    @partial(lib.custom_vjp, nondiff_argnums=(0, 1))
    def clip_gradient(lo, hi, x):
        return x

    def fwd(lo, hi, x):
        return x, None

    def bwd(lo, hi, _, g):
        return (np_.clip(g, lo, hi),)
    clip_gradient.defvjp(fwd, bwd)
    return clip_gradient


def make_fixed_point(lib, np_, lax):
    from functools import partial

    @partial(lib.custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, a, x_guess):
        def cond_fun(carry):
            x_prev, x = carry
            return np_.abs(x_prev - x) > 1e-6

        def body_fun(carry):
            _, x = carry
            return x, f(a, x)
        _, x_star = lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
        return x_star

    def fixed_point_fwd(f, a, x_init):
        x_star = fixed_point(f, a, x_init)
        return x_star, (a, x_star)

    def rev_iter(f, packed, u):
        a, x_star, x_star_bar = packed
        _, vjp_x = lib.vjp(lambda x: f(a, x), x_star)
        return x_star_bar + vjp_x(u)[0]

    def fixed_point_rev(f, res, x_star_bar):
        a, x_star = res
        _, vjp_a = lib.vjp(lambda a: f(a, x_star), a)
        a_bar, = vjp_a(fixed_point(partial(rev_iter, f), (a, x_star, x_star_bar),
                                   x_star_bar))
        return a_bar, np_.zeros_like(x_star)
    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)

    def newton_sqrt(a):
        update = lambda a, x: 0.5 * (x + a / x)
        return fixed_point(update, a, a)
    return newton_sqrt


def both(maker, *extra_z, extra_j=()):
    return maker(zenax, jnp, *extra_z), maker(jax, jnp_ref, *extra_j)


# ---------------------------------------------------------------- log1pexp

def test_log1pexp_matches_jax():
    z, j = both(make_log1pexp)
    for x in [0., 3., 100.]:
        assert_close(z(x), j(x), **TOL)
        assert_close(zenax.grad(z)(x), jax.grad(j)(x), **TOL)
        assert_close(zenax.jit(zenax.grad(z))(x), jax.jit(jax.grad(j))(x), **TOL)
        zp, zt = zenax.jvp(z, (x,), (2.,))
        jp, jt = jax.jvp(j, (x,), (2.,))
        assert_close(zp, jp, **TOL), assert_close(zt, jt, **TOL)
    assert not np.isnan(np.asarray(zenax.grad(z)(100.)))
    assert_close(zenax.grad(z)(100.), 1.0, **TOL)
    xs = np.array([0., 2., 10., 100.], np.float32)
    assert_close(zenax.vmap(zenax.grad(z))(xs), jax.vmap(jax.grad(j))(xs), **TOL)
    assert_close(zenax.jit(zenax.vmap(z))(xs), jax.jit(jax.vmap(j))(xs), **TOL)
    # second order: differentiating the rule itself
    assert_close(zenax.grad(zenax.grad(z))(1.5), jax.grad(jax.grad(j))(1.5), **TOL)


def test_defjvps_sin_times_y():
    z, j = both(make_f_defjvps)
    x, y = 0.7, 2.5
    assert_close(z(x, y), j(x, y), **TOL)
    for argnums in [0, 1, (0, 1)]:
        zg = zenax.grad(z, argnums=argnums)(x, y)
        jg = jax.grad(j, argnums=argnums)(x, y)
        assert_close(np.asarray(zg), np.asarray(jg), **TOL)
    zp, zt = zenax.jvp(z, (x, y), (1.0, -2.0))
    jp, jt = jax.jvp(j, (x, y), (1.0, -2.0))
    assert_close(zp, jp, **TOL), assert_close(zt, jt, **TOL)
    xs = np.linspace(-1, 1, 5).astype(np.float32)
    assert_close(zenax.vmap(zenax.grad(z), (0, None))(xs, y),
                 jax.vmap(jax.grad(j), (0, None))(xs, y), **TOL)
    assert_close(zenax.jit(zenax.grad(z, 1))(x, y), jax.jit(jax.grad(j, 1))(x, y), **TOL)


def test_safe_sqrt_custom_jvp():
    z, j = both(make_safe_sqrt)
    assert_close(zenax.grad(z)(0.), jax.grad(j)(0.), **TOL)
    assert_close(zenax.grad(z)(0.), 0., **TOL)
    assert_close(zenax.grad(z)(4.), jax.grad(j)(4.), **TOL)
    xs = np.array([0., 1., 4., 9.], np.float32)
    assert_close(zenax.vmap(zenax.grad(z))(xs), jax.vmap(jax.grad(j))(xs), **TOL)
    assert_close(zenax.jit(zenax.vmap(zenax.grad(z)))(xs), jax.vmap(jax.grad(j))(xs), **TOL)
    zp, zt = zenax.jvp(z, (4.,), (1.,))
    jp, jt = jax.jvp(j, (4.,), (1.,))
    assert_close(zp, jp, **TOL), assert_close(zt, jt, **TOL)


def test_safe_norm_custom_vjp():
    z, j = both(make_safe_norm)
    x0 = np.zeros(3, np.float32)
    x1 = np.array([3., 4., 0.], np.float32)
    assert_close(zenax.grad(z)(x0), jax.grad(j)(x0), **TOL)
    assert not np.isnan(np.asarray(zenax.grad(z)(x0))).any()
    assert_close(zenax.grad(z)(x1), jax.grad(j)(x1), **TOL)
    assert_close(zenax.jit(zenax.grad(z))(x1), jax.jit(jax.grad(j))(x1), **TOL)
    xs = np.stack([x0, x1, 2 * x1])
    assert_close(zenax.vmap(zenax.grad(z))(xs), jax.vmap(jax.grad(j))(xs), **TOL)
    assert_close(zenax.vmap(z)(xs), jax.vmap(j)(xs), **TOL)


def test_clip_gradient_nondiff_argnums():
    z, j = both(make_clip_gradient)
    zf = lambda x: jnp.sin(z(-0.75, 0.75, x))
    jf = lambda x: jnp_ref.sin(j(-0.75, 0.75, x))
    for x in [0., 0.3, 2.]:
        assert_close(zenax.grad(zf)(x), jax.grad(jf)(x), **TOL)
        assert_close(zenax.jit(zenax.grad(zf))(x), jax.jit(jax.grad(jf))(x), **TOL)
    xs = np.linspace(0., 10., 11).astype(np.float32)
    assert_close(zenax.vmap(zenax.grad(zf))(xs), jax.vmap(jax.grad(jf))(xs), **TOL)
    # gradient clipping actually happens: d/dx sin(x) at 0 is 1 -> clipped to 0.75
    assert_close(zenax.grad(zf)(0.), 0.75, **TOL)


def test_fixed_point_custom_vjp():
    z, j = both(make_fixed_point, zenax.lax, extra_j=(jax.lax,))
    assert_close(z(2.), j(2.), **TOL)
    assert_close(z(2.), np.sqrt(2.), rtol=1e-4, atol=1e-4)
    assert_close(zenax.grad(z)(2.), jax.grad(j)(2.), rtol=1e-4, atol=1e-4)
    assert_close(zenax.grad(z)(2.), 0.5 / np.sqrt(2.), rtol=1e-4, atol=1e-4)
    assert_close(zenax.jit(zenax.grad(z))(4.), jax.jit(jax.grad(j))(4.), rtol=1e-4, atol=1e-4)
    xs = np.array([1., 4., 9.], np.float32)
    assert_close(zenax.vmap(zenax.grad(z))(xs), jax.vmap(jax.grad(j))(xs), rtol=1e-4, atol=1e-4)


def test_residual_pytrees_and_pytree_args():
    @zenax.custom_vjp
    def f(p):
        return p["w"] * jnp.sin(p["b"])

    def fwd(p):
        return f(p), {"res": (p["w"], jnp.cos(p["b"])), "s": jnp.sin(p["b"])}

    def bwd(res, g):
        w, cb = res["res"]
        return ({"w": g * res["s"], "b": g * w * cb},)
    f.defvjp(fwd, bwd)
    p = {"w": np.float32(1.5), "b": np.float32(0.3)}
    g = zenax.grad(f)(p)
    ref = jax.grad(lambda p: p["w"] * jnp_ref.sin(p["b"]))(p)
    assert_close(g["w"], ref["w"], **TOL), assert_close(g["b"], ref["b"], **TOL)


# ---------------------------------------------------------------- forward mode through custom_vjp

def _plain_and_custom(jvp_by_transpose=True):
    def plain(x, y):
        return jnp.sin(x) * y + x ** 2

    f = zenax.custom_vjp(plain, jvp_by_transpose=jvp_by_transpose)

    def fwd(x, y):
        return plain(x, y), (x, y)

    def bwd(res, g):
        x, y = res
        return g * (jnp.cos(x) * y + 2 * x), g * jnp.sin(x)
    f.defvjp(fwd, bwd)
    return plain, f


def test_jvp_of_custom_vjp_equals_plain_jvp():
    plain, f = _plain_and_custom()
    x = np.array([0.1, 0.5, -1.2], np.float32)
    y = np.array([2., -1., 0.3], np.float32)
    tx = np.array([1., 0.5, 2.], np.float32)
    ty = np.array([-1., 1., 0.25], np.float32)
    p1, t1 = zenax.jvp(f, (x, y), (tx, ty))
    p2, t2 = zenax.jvp(plain, (x, y), (tx, ty))
    assert_close(p1, p2, **TOL), assert_close(t1, t2, **TOL)
    jp, jt = jax.jvp(lambda x, y: jnp_ref.sin(x) * y + x ** 2, (x, y), (tx, ty))
    assert_close(t1, jt, **TOL)
    # also under jit and vmap, and jacfwd == jacrev
    p3, t3 = zenax.jit(lambda x, y, a, b: zenax.jvp(f, (x, y), (a, b)))(x, y, tx, ty)
    assert_close(t3, t2, **TOL)
    assert_close(zenax.jacfwd(f)(x, y), zenax.jacrev(f)(x, y), **TOL)


def test_jvp_by_transpose_false_raises_type_error():
    _, f = _plain_and_custom(jvp_by_transpose=False)
    x = np.float32(0.5)
    y = np.float32(2.)
    assert_close(zenax.grad(f)(x, y), np.cos(0.5) * 2 + 1.0, **TOL)   # reverse mode still fine
    with pytest.raises(TypeError):
        zenax.jvp(f, (x, y), (np.float32(1.), np.float32(0.)))


# ---------------------------------------------------------------- misc

def test_nn_relu_softmax_grads_match_jax():
    x = np.array([-1., 0., 0.5, 2.], np.float32)
    assert_close(zenax.grad(lambda x: jnp.sum(zenax.nn.relu(x)))(x),
                 jax.grad(lambda x: jnp_ref.sum(jax.nn.relu(x)))(x), **TOL)
    w = np.array([1., 2., 3., 4.], np.float32)
    assert_close(zenax.grad(lambda x: jnp.sum(zenax.nn.softmax(x) * w))(x),
                 jax.grad(lambda x: jnp_ref.sum(jax.nn.softmax(x) * w))(x), **TOL)


def test_custom_jvp_closure_over_traced_value_raises():
    def outer(a):
        @zenax.custom_jvp
        def g(x):
            return x * a

        g.defjvp(lambda p, t: (g(p[0]), t[0] * a))
        return g(2.)
    # As JAX: the call's operand is not differentiated, so the function itself runs one
    # level out, where the closed-over tracer is foreign.
    with pytest.raises(zenax.UnexpectedTracerError):
        zenax.grad(outer)(3.)
