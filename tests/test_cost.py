"""zenax.cost: FLOPs, transcendentals, bytes and peak memory of a program, before compiling.

Expected values are hand counts (written out next to each assert) or XLA's own
``cost_analysis`` of the same program written in JAX, for the programs XLA counts the
way we do (one matmul or one elementwise op: nothing to fuse).  Reductions are checked by
hand only: XLA counts a sum of 1000 elements as 1023 additions (a tree over 1024).
"""
import doctest
import importlib

import jax
import jax.numpy as jnp_ref
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp
from zenax import lax

F32 = 4   # bytes per float32


def ones(*shape):
    return np.ones(shape, np.float32)


def xla_cost(f, *args) -> dict:
    analysis = jax.jit(f).lower(*args).compile().cost_analysis()
    return analysis[0] if isinstance(analysis, list) else analysis


# ### Hand counts

def test_matmul():
    m, k, n = 8, 16, 4
    c = zenax.cost(lambda a, b: a @ b)(ones(m, k), ones(k, n))
    assert c.flops == 2 * m * n * k
    assert c.transcendentals == 0
    assert c.bytes_read == F32 * (m * k + k * n)
    assert c.bytes_written == F32 * m * n
    assert c.peak_bytes == F32 * (m * k + k * n + m * n)


def test_elementwise():
    n = 100
    c = zenax.cost(lambda x, y: jnp.sin(x) * y + 1.0)(ones(n), ones(n))
    assert c.flops == 2 * n                  # mul, add
    assert c.transcendentals == n            # sin
    assert c.bytes_read == F32 * (n + 2 * n + n)    # sin x; mul (sin x) y; add _ 1.0
    assert c.bytes_written == F32 * 3 * n


def test_reductions():
    m, n = 6, 10
    x = ones(m, n)
    assert zenax.cost(lambda x: jnp.sum(x, axis=1))(x).flops == m * (n - 1)
    assert zenax.cost(lambda x: jnp.max(x))(x).flops == m * n - 1
    # mean = sum, then one division per output
    assert zenax.cost(lambda x: jnp.mean(x, axis=0))(x).flops == n * (m - 1) + n


def test_integer_powers_count_repeated_squaring():
    n = 10
    x = ones(n)
    assert zenax.cost(lambda x: x ** 2)(x).flops == n          # x*x
    assert zenax.cost(lambda x: x ** 5)(x).flops == 3 * n      # x2=x*x, x4=x2*x2, x4*x
    assert zenax.cost(lambda x: x ** -2)(x).flops == 2 * n     # x*x, then 1/_


def test_two_layer_mlp():
    b, d, h, o = 4, 8, 16, 3

    def mlp(params, x):
        (w1, b1), (w2, b2) = params
        hidden = jnp.tanh(x @ w1 + b1)
        return jnp.sum((hidden @ w2 + b2) ** 2)

    params = [(ones(d, h), ones(h)), (ones(h, o), ones(o))]
    c = zenax.cost(mlp)(params, ones(b, d))
    # matmul, bias add, matmul, bias add, square, sum of b*o
    assert c.flops == 2 * b * d * h + b * h + 2 * b * h * o + b * o + b * o + (b * o - 1)
    assert c.transcendentals == b * h       # tanh
    # Reverse mode w.r.t. the parameters: the backward pass is, per layer, the
    # cotangent times the activation derivative, the bias sum, and two matmuls (the
    # weight's cotangent, and the input's for the layer below; none for x).
    bwd = c.vjp.backward
    assert bwd.flops == (
        b * o                                  # ct * 2y (d(y^2))
        + (b - 1) * o                          # b2: sum over the batch
        + 2 * h * o * b                        # w2: hidden.T @ g
        + 2 * b * o * h                        # hidden: g @ w2.T
        + b * h                                # * (1 - tanh^2)
        + (b - 1) * h                          # b1
        + 2 * d * h * b)                       # w1: x.T @ g
    assert bwd.transcendentals == 0
    assert c.vjp.flops == c.vjp.forward.flops + bwd.flops
    assert c.vjp.forward.flops >= c.flops   # the primal, plus the residuals 2y, 1 - tanh^2


def test_peak_frees_dead_intermediates():
    n = 50
    x = ones(n)
    # x stays (the caller's); each sin's operand dies once the next sin has run.
    chain = zenax.cost(lambda x: jnp.sin(jnp.sin(jnp.sin(x))))(x)
    assert chain.peak_bytes == F32 * 3 * n
    # a = sin x is still needed by the mul: x, a, b and the result are live at once.
    kept = zenax.cost(lambda x: (lambda a: a * jnp.cos(a))(jnp.sin(x)))(x)
    assert kept.peak_bytes == F32 * 4 * n
    # Returning an input costs nothing more; an unused result is freed right away.
    assert zenax.cost(lambda x: x)(x).peak_bytes == F32 * n
    assert zenax.cost(lambda x: (jnp.sin(x), x)[1])(x).peak_bytes == F32 * 2 * n


def test_consts_are_resident():
    n = 20
    w = ones(n)
    c = zenax.cost(lambda x: x * w)(ones(n))   # w is closed over: a constvar
    assert c.peak_bytes == F32 * 3 * n


# ### Higher-order primitives are counted through their bodies

def test_jit_remat_and_custom_rules_count_their_body():
    n = 30
    x = ones(n)
    f = lambda x: jnp.sin(jnp.sin(x)) * 2.0    # noqa: E731
    plain = zenax.cost(f)(x)
    custom = zenax.custom_jvp(f)
    custom.defjvp(lambda p, t: (f(p[0]), t[0]))
    for wrapped in (zenax.jit(f), zenax.checkpoint(f), custom):
        c = zenax.cost(wrapped)(x)
        assert (c.flops, c.transcendentals) == (plain.flops, plain.transcendentals) == (n, 2 * n)
        assert (c.bytes_read, c.bytes_written) == (plain.bytes_read, plain.bytes_written)
        assert c.peak_bytes == plain.peak_bytes == F32 * 3 * n


def test_scan_cond_and_while():
    n, length = 8, 5
    x = ones(n)

    def scanned(x):
        return lax.scan(lambda c, xi: (c * xi + 1.0, jnp.exp(c)), x, jnp.ones((length, n)))

    c = zenax.cost(scanned)(x)
    assert (c.flops, c.transcendentals) == (length * 2 * n, length * n)
    # cond: each count at its largest over the branches, after the predicate (p > 0; a
    # boolean predicate is converted to the branch index directly, as in JAX)
    c = zenax.cost(lambda x, p: lax.cond(p > 0, lambda v: v * v * v, jnp.exp, x))(x, 1.0)
    assert (c.flops, c.transcendentals) == (1 + 2 * n, n)
    # while: one iteration of the condition and of the body
    c = zenax.cost(lambda x: lax.while_loop(lambda v: v[0] < 10.0, lambda v: v * 2.0, x))(x)
    assert c.flops == 1 + n


# ### Transformed programs: jvp, vjp, vmap

def test_jvp_of_sin():
    n = 16
    c = zenax.cost(jnp.sin)(ones(n)).jvp
    assert (c.flops, c.transcendentals) == (n, 2 * n)   # sin x, cos x; t * cos x
    assert c.bytes_read == F32 * (n + n + 2 * n) and c.bytes_written == F32 * 3 * n


def test_vmap_scales_a_matmul():
    m, k, n, batch = 3, 5, 7, 4
    c = zenax.cost(lambda x, w: x @ w)(ones(m, k), ones(k, n))
    batched = c.vmap(batch)                    # x batched (argnums=0), w shared
    assert batched.flops == batch * c.flops
    assert batched.peak_bytes == F32 * (batch * m * k + k * n + batch * m * n)
    both = c.vmap(batch, in_axes=(0, 0))
    assert both.flops == batch * c.flops and both.bytes_read == batch * c.bytes_read


def test_derived_costs_compose():
    n = 10
    c = zenax.cost(lambda x: jnp.sum(jnp.sin(x)))(ones(n))
    hvp = c.vjp.jvp       # forward-over-reverse: a Hessian-vector product
    assert hvp.flops > c.vjp.flops > c.flops
    assert c.backward.flops == 0 and c.forward.flops == c.flops
    # the vjp's halves each know their own peak; the whole program's is the larger
    assert c.vjp.peak_bytes >= max(c.vjp.forward.peak_bytes, c.vjp.backward.peak_bytes) > 0


def test_argnums_picks_what_is_differentiated():
    m, k, n = 4, 6, 5
    args = ones(m, k), ones(k, n)
    f = lambda x, w: jnp.sum(x @ w)            # noqa: E731
    w_only = zenax.cost(f, argnums=1)(*args).vjp.backward.flops
    both = zenax.cost(f, argnums=(0, 1))(*args).vjp.backward.flops
    assert w_only == 2 * k * n * m              # x.T @ ct
    assert both == 2 * (2 * m * n * k)          # and ct @ w.T


def test_shape_dtype_structs_are_enough():
    spec = zenax.ShapeDtypeStruct((64, 64), np.float32)
    assert zenax.cost(lambda a, b: a @ b)(spec, spec).flops == 2 * 64 ** 3


# ### Against XLA's cost analysis

@pytest.mark.parametrize("name, f_zenax, f_jax, shapes", [
    ("matmul", lambda a, b: a @ b, lambda a, b: a @ b, [(8, 16), (16, 4)]),
    ("add", lambda a, b: a + b, lambda a, b: a + b, [(1000,), (1000,)]),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, [(37, 11), (37, 11)]),
    ("exp", jnp.exp, jnp_ref.exp, [(300,)]),
    ("tanh", jnp.tanh, jnp_ref.tanh, [(300,)]),
])
def test_matches_xla_cost_analysis(name, f_zenax, f_jax, shapes):
    args = [ones(*s) for s in shapes]
    ours = zenax.cost(f_zenax)(*args)
    xla = xla_cost(f_jax, *args)
    assert ours.flops == pytest.approx(xla.get("flops", 0.0), rel=0.01)
    assert ours.transcendentals == pytest.approx(xla.get("transcendentals", 0.0), rel=0.01)
    # One operation, nothing to fuse: XLA's traffic is ours, operands in and result out.
    assert ours.bytes_read + ours.bytes_written == pytest.approx(xla["bytes accessed"], rel=0.01)


def test_flops_match_xla_when_it_fuses():
    args = ones(500), ones(500)
    ours = zenax.cost(lambda x, y: x * y + x)(*args)
    assert ours.flops == xla_cost(lambda x, y: x * y + x, *args)["flops"]


# ### jacobian(mode="auto") still reads the cost model

def test_jaxpr_flops_and_jacobian_auto():
    closed = zenax.make_jaxpr(lambda a, b: a @ b)(ones(2, 3), ones(3, 4))
    assert zenax.transforms.jaxpr_flops(closed) == 48
    assert zenax.transforms.jaxpr_cost(closed).flops == 48
    w = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    jac = zenax.jacobian(lambda x: jnp.tanh(x @ w))    # R^64 -> R^3: reverse mode
    np.testing.assert_allclose(jac(ones(64)), jax.jacrev(lambda x: jnp_ref.tanh(x @ w))(
        ones(64)), rtol=1e-5)
    assert jac.last_mode == "rev"


# ### Errors

def test_errors_name_the_function_and_the_fix():
    with pytest.raises(TypeError, match="cost: fun must be callable, got int"):
        zenax.cost(3)
    with pytest.raises(TypeError, match="argnums=2 requires at least 3 positional"):
        zenax.cost(lambda x: x, argnums=2)(ones(2))
    c = zenax.cost(lambda x, i: x * i)(ones(3), np.int32(2))
    with pytest.raises(TypeError, match=r"Cost.vjp: argument 1 has dtype int32.*argnums"):
        zenax.cost(lambda x, i: x * i, argnums=1)(ones(3), np.int32(2)).vjp
    with pytest.raises(ValueError, match="Cost.vmap: axis_size must be a positive int"):
        c.vmap(0)
    with pytest.raises(ValueError, match=r"in_axes must be a tuple with one entry .* 2 here"):
        c.vmap(3, in_axes=(0,))
    with pytest.raises(TypeError, match=r"Cost.jvp: this Cost counts a jaxpr.*zenax.cost\(f\)"):
        zenax.transforms.jaxpr_cost(zenax.make_jaxpr(jnp.sin)(ones(2))).jvp


@pytest.mark.parametrize("name", ["zenax.transforms.cost", "zenax.tracer.provenance"])
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
