"""shard_map and its collectives against JAX, as a spec table of programs.

Each row is one body written once for both libraries (``L`` is ``jax.lax`` or zenax's,
``m`` the numpy namespace) with its specs over a 4x2 mesh of CPU devices.  Every row runs
eagerly and under jit, and under ``grad``, ``jvp`` and ``vmap`` of the shard_map and
``grad`` inside it, with ``check_vma`` on and off; each result must equal JAX's.
"""
import test_sharding_devices as devices  # noqa: F401  (first: asks JAX for 8 devices)

import dataclasses
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import AxisType, PartitionSpec as P

import zenax
import zenax.numpy as znp
from oracle import assert_same
from zenax.transforms.shard_map import shard_map, smap

API = {"jax": (jax, jax.lax, jnp, jax.shard_map), "zenax": (zenax, zenax.lax, znp, shard_map)}
TOL = {"float32": (2e-5, 2e-5)}


def mesh():
    return jax.make_mesh((4, 2), ("i", "j"), axis_types=(AxisType.Auto,) * 2)


RNG = np.random.RandomState(0)
X = RNG.randn(8, 4).astype(np.float32)
W = RNG.randn(4).astype(np.float32)
XS = np.stack([X, 2 * X, -X])        # a batch of x for vmap


@dataclasses.dataclass(frozen=True)
class Row:
    name: str
    body: Callable        # (L, m) -> (x, w) -> output
    in_specs: tuple
    out_specs: object
    differentiable: bool = True     # JAX defines no derivative of pmax

    def fn(self, api: str, check_vma: bool = True):
        _, lax, m, smap = API[api]
        return smap(self.body(lax, m), mesh=mesh(), in_specs=self.in_specs,
                    out_specs=self.out_specs, check_vma=check_vma)


RING = [(0, 1), (1, 2), (2, 3), (3, 0)]
ROWS = [
    Row("psum", lambda L, m: lambda x, w: L.psum(m.sin(x) * w, "i"), (P("i"), P()), P()),
    Row("psum_two_axes", lambda L, m: lambda x, w: L.psum(m.sin(x) * w, ("i", "j")),
        (P("i", "j"), P("j")), P()),
    Row("psum_one_of_two", lambda L, m: lambda x, w: L.psum(x * w, "j"),
        (P("i", "j"), P("j")), P("i")),
    Row("pmean", lambda L, m: lambda x, w: L.pmean(m.cos(x) * w, "i"), (P("i"), P()), P()),
    Row("pmax", lambda L, m: lambda x, w: L.pmax(x * w, "i"), (P("i"), P()), P(),
        differentiable=False),
    Row("all_gather", lambda L, m: lambda x, w: L.all_gather(m.sin(x), "i") * w,
        (P("i"), P()), P("i")),
    Row("all_gather_tiled", lambda L, m: lambda x, w: L.all_gather(m.sin(x) * w, "i", axis=1,
                                                                  tiled=True),
        (P("i"), P()), P("i")),
    Row("psum_scatter", lambda L, m: lambda x, w: L.psum_scatter(
        m.sin(x) * w, "i", scatter_dimension=1, tiled=True), (P(), P()), P(None, "i")),
    Row("psum_scatter_untiled", lambda L, m: lambda x, w: L.psum_scatter(m.sin(x)[:4] * w, "i"),
        (P(), P()), P("i")),
    Row("ppermute", lambda L, m: lambda x, w: L.ppermute(m.sin(x) * w, "i", RING),
        (P("i"), P()), P("i")),
    Row("ppermute_partial", lambda L, m: lambda x, w: L.ppermute(m.cos(x), "i", RING[:2]) * w,
        (P("i"), P()), P("i")),
    Row("all_to_all", lambda L, m: lambda x, w: L.all_to_all(m.sin(x) * w, "i", 1, 0,
                                                            tiled=True),
        (P("i"), P()), P("i")),
    Row("pswapaxes", lambda L, m: lambda x, w: L.pswapaxes(m.sin(x) * w, "i", 1),
        (P("i"), P()), P("i")),
    Row("axis_index", lambda L, m: lambda x, w: x * L.axis_index("i").astype(np.float32) + w,
        (P("i"), P()), P("i")),
    Row("pcast_varying", lambda L, m: lambda x, w: L.pcast(w, "i", to="varying") * m.sin(x),
        (P("i"), P()), P("i")),
    Row("replicated_input_out", lambda L, m: lambda x, w: w * 2.0 + x.sum(), (P(), P()), P("i")),
]
IDS = [r.name for r in ROWS]
GRAD_ROWS = [r for r in ROWS if r.differentiable]


def _loss(api, f):
    m = API[api][2]
    return lambda x, w: m.sum(m.sin(f(x, w)))


# JAX's side always runs under jax.jit: eagerly, JAX runs a shard_map body op by op, each
# a compiled program of its own.

@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_shard_map_matches_jax(row):
    expected = jax.jit(row.fn("jax"))(X, W)
    f = row.fn("zenax")
    assert_same(f(X, W), expected, tol=TOL)
    assert_same(zenax.jit(f)(X, W), expected, tol=TOL)
    if row.differentiable:
        t = (np.ones_like(X), np.full_like(W, 0.5))
        jvp = lambda api: lambda x, w, *t: api.jvp(row.fn(api.__name__), (x, w), t)
        assert_same(jvp(zenax)(X, W, *t), jax.jit(jvp(jax))(X, W, *t), tol=TOL)


@pytest.mark.parametrize("check_vma", [True, False])
@pytest.mark.parametrize("row", GRAD_ROWS, ids=[r.name for r in GRAD_ROWS])
def test_grad_of_shard_map_matches_jax(row, check_vma):
    expected = jax.jit(jax.grad(_loss("jax", row.fn("jax", check_vma)), argnums=(0, 1)))(X, W)
    grad = zenax.grad(_loss("zenax", row.fn("zenax", check_vma)), argnums=(0, 1))
    assert_same(grad(X, W), expected, tol=TOL)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_vmap_of_shard_map_matches_jax(row):
    expected = jax.jit(jax.vmap(row.fn("jax"), in_axes=(0, None)))(XS, W)
    assert_same(zenax.vmap(row.fn("zenax"), in_axes=(0, None))(XS, W), expected, tol=TOL)
    if row.differentiable:
        expected = jax.jit(jax.vmap(jax.grad(_loss("jax", row.fn("jax")), argnums=1),
                                    in_axes=(0, None)))(XS, W)
        got = zenax.vmap(zenax.grad(_loss("zenax", row.fn("zenax")), argnums=1),
                         in_axes=(0, None))(XS, W)
        assert_same(got, expected, tol=TOL)


def _grad_inside(api, row, check_vma):
    """shard_map of the gradient of a per-device loss of the row's body."""
    top, lax, m, smap = API[api]
    inner = row.body(lax, m)
    loss = lambda x, w: m.sum(m.sin(inner(x, w)))
    return smap(top.grad(loss, argnums=(0, 1)), mesh=mesh(), in_specs=row.in_specs,
                out_specs=row.in_specs, check_vma=check_vma)


@pytest.mark.parametrize("check_vma", [False, True])
@pytest.mark.parametrize("row", GRAD_ROWS, ids=[r.name for r in GRAD_ROWS])
def test_shard_map_of_grad_matches_jax(row, check_vma):
    expected = jax.jit(_grad_inside("jax", row, check_vma))(X, W)
    assert_same(_grad_inside("zenax", row, check_vma)(X, W), expected, tol=TOL)


# --------------------------------------------------------------------------- compositions

def _both(build, *args):
    """``build(top, L, m, shard_map)`` -> a function; its results on ``args`` (default:
    ``X, W``) under JAX (jitted) and under zenax (eager)."""
    args = args or (X, W)
    return jax.jit(build(*API["jax"]))(*args), build(*API["zenax"])(*args)


def _sm(smap, f, in_specs=(P("i"), P()), out_specs=P(), **kw):
    return smap(f, mesh=mesh(), in_specs=in_specs, out_specs=out_specs, **kw)


def test_scan_inside_the_body_and_its_gradient():
    def build(top, L, m, smap):
        def body(x, w):
            def step(c, xi):
                c = c + L.psum(m.sin(xi) * w, "i")
                return c, c * 2.0
            return L.scan(step, m.zeros_like(w), x)
        f = _sm(smap, body, out_specs=(P(), P("i")))
        loss = lambda x, w: m.sum(f(x, w)[0] ** 2) + m.sum(f(x, w)[1])
        return lambda x, w: (f(x, w), top.grad(loss, argnums=(0, 1))(x, w))
    expected, got = _both(build)
    assert_same(got, expected, tol=TOL)


def test_scan_over_shard_map_and_its_gradient():
    xs = np.stack([X, 2 * X])

    def build(top, L, m, smap):
        g = _sm(smap, lambda c, x: L.psum(m.sin(x) * c, "i").sum(0), in_specs=(P(), P("i")))
        f = lambda c: L.scan(lambda c, xi: (g(c, xi), g(c, xi).sum()), c, xs)
        return lambda c: (f(c), top.grad(lambda c: f(c)[1].sum())(c))
    expected, got = _both(build, W)
    assert_same(got, expected, tol=TOL)


@pytest.mark.parametrize("where", ["inside", "around"])
def test_jit_inside_the_body_and_around_it(where):
    def build(top, L, m, smap):
        body = lambda x, w: L.psum(m.sin(x) * w, "i")
        f = _sm(smap, top.jit(body)) if where == "inside" else top.jit(_sm(smap, body))
        return lambda x, w: (f(x, w), top.grad(lambda x, w: m.sum(f(x, w) ** 2),
                                               argnums=(0, 1))(x, w))
    expected, got = _both(build)
    assert_same(got, expected, tol=TOL)


def test_checkpoint_inside_the_body():
    def build(top, L, m, smap):
        f = _sm(smap, top.checkpoint(lambda x, w: L.psum(m.sin(x) * w, "i")))
        return top.grad(lambda x, w: m.sum(f(x, w) ** 2), argnums=(0, 1))
    expected, got = _both(build)
    assert_same(got, expected, tol=TOL)


def test_vmap_inside_the_body():
    def build(top, L, m, smap):
        f = _sm(smap, top.vmap(lambda x, w: L.psum(m.sin(x) * w, "i"), in_axes=(1, None)))
        return lambda x, w: (f(x, w), top.grad(lambda x, w: m.sum(f(x, w) ** 2),
                                               argnums=(0, 1))(x, w))
    expected, got = _both(build, X, W[0])
    assert_same(got, expected, tol=TOL)


def test_custom_jvp_and_cond_inside_the_body():
    def build(top, L, m, smap):
        @top.custom_jvp
        def h(x):
            return m.sin(x)

        @h.defjvp
        def h_jvp(primals, tangents):
            return h(primals[0]), 2.0 * tangents[0]

        def body(x, w):
            y = L.cond(w.sum() > 0, lambda x: x * w, lambda x: m.cos(x) + w, h(x))
            return L.psum(y, "i")
        f = _sm(smap, body)
        return lambda x, w: (f(x, w), top.grad(lambda x, w: m.sum(f(x, w) ** 2),
                                               argnums=(0, 1))(x, w))
    expected, got = _both(build)
    assert_same(got, expected, tol=TOL)


@pytest.mark.exhaustive
def test_second_derivatives_and_jit_vmap_grad():
    def build(top, L, m, smap):
        f = _sm(smap, lambda x, w: L.psum(m.sin(x) * w, "i"))
        loss = lambda x, w: m.sum(f(x, w) ** 2)
        return lambda xs, w: (top.hessian(loss, argnums=1)(xs[0], w),
                              top.jit(top.vmap(top.grad(loss, argnums=(0, 1)),
                                               in_axes=(0, None)))(xs, w))
    expected, got = _both(build, XS, W)
    assert_same(got, expected, tol=TOL)


def test_collective_over_a_vmap_axis_inside_the_body():
    # vmap's axis resolves inside the body: a psum over it, and one over the mesh axis.
    f = shard_map(lambda x: zenax.lax.psum(zenax.lax.psum(x, "v"), "i"), mesh=mesh(), in_specs=P("i"),
                  out_specs=P())
    got = zenax.vmap(f, axis_name="v")(XS)
    expected = np.broadcast_to(XS.sum(0).reshape(4, 2, 4).sum(0), (3, 2, 4))
    assert_same(got, expected, tol=TOL, check_weak_type=False)


def test_smap_maps_one_axis_of_the_context_mesh():
    def build(top, L, m, _):
        sm = jax.smap if top is jax else smap
        f = sm(lambda x, w: L.psum(m.sin(x) * w, "i"), in_axes=(0, None), out_axes=None,
               axis_name="i")
        return lambda x, w: (f(x, w), top.grad(lambda x, w: m.sum(f(x, w) ** 2),
                                               argnums=(0, 1))(x, w))
    with jax.set_mesh(mesh()):
        expected, got = _both(build)
    assert_same(got, expected, tol=TOL)


# --------------------------------------------------------------------------- the body

def _body_text(text: str) -> list[str]:
    start = text.index("jaxpr={") + len("jaxpr={")
    return [line.strip() for line in text[start:].splitlines()[:5]]


def test_typed_body_prints_as_jax_prints_it():
    # The body's casts and types (``{V:i}``) are JAX's, line for line.
    row = Row("scaled_sum", lambda L, m: lambda x, w: L.psum(x * w, "i"), (P("i"), P()), P())
    args = (X[:, 0], W[0])
    expected = _body_text(str(jax.make_jaxpr(row.fn("jax"))(*args)))
    assert _body_text(str(zenax.make_jaxpr(row.fn("zenax"))(*args))) == expected
    untyped = str(zenax.make_jaxpr(row.fn("zenax", check_vma=False))(*args))
    assert "pvary" not in untyped and "psum[axis_name=i]" in untyped


def test_transformed_jaxprs_typecheck():
    f = ROWS[0].fn("zenax")
    loss = _loss("zenax", f)
    for fun, x in ((f, X), (zenax.grad(loss, argnums=(0, 1)), X),
                   (zenax.vmap(f, in_axes=(0, None)), XS)):
        zenax.typecheck_jaxpr(zenax.make_jaxpr(fun)(x, W))


def test_eager_calls_trace_and_compile_once():
    from zenax.transforms import shard_map_primitive
    f = ROWS[0].fn("zenax")
    first = f(X, W)
    # Strong references, so no executable is collected between the two looks.
    before = list(shard_map_primitive._executables)
    assert_same(f(X + 1, W), ROWS[0].fn("jax")(X + 1, W), tol=TOL)
    assert {id(k) for k in shard_map_primitive._executables} <= {id(k) for k in before}
    assert first.sharding.spec == P()


devices.on_eight_devices(globals())
