"""zenax.experimental.checkify and io_callback against JAX's on the same programs."""
import jax
import jax.numpy as jjnp
import numpy as np
import pytest
from jax.experimental import checkify as jcheckify

import zenax
import zenax.numpy as jnp
from zenax.experimental import checkify, io_callback


def _programs(np_, lax_, ck):
    """The same programs written against (numpy, lax, checkify) of either library."""
    def user(x):
        ck.check(x > 0, "x must be positive, got {}", x)
        return x * 2

    def kw(x):
        ck.check(x < 10, "{x} is too big", x=x)
        return x

    def two_checks(x):
        ck.check(x > 5, "first {}", x)
        ck.check(x > 0, "second {}", x)
        return x

    def index(x, i):
        return x[i], np_.take(x, np_.array([i, 0]), mode="clip")

    def nan(x):
        return np_.log(x) + 1.0

    def div(x, y):
        return x // y

    def cond(x):
        return lax_.cond(x > 0, np_.sin, lambda v: np_.log(v), x)

    def scan_f(xs):
        def step(c, x):
            ck.check(x < 3, "bad element {}", x)
            return c + np_.sqrt(x), c
        return lax_.scan(step, 0.0, xs)

    def while_f(x):
        def body(v):
            ck.check(v < 4, "too many steps {}", v)
            return v + 1
        return lax_.while_loop(lambda v: v < 6, body, x)

    return dict(user=user, kw=kw, two_checks=two_checks, index=index, nan=nan, div=div,
                cond=cond, scan=scan_f, while_=while_f,
                gather=lambda x, i: x[np_.array([0, i])],
                set_at=lambda x, i: x.at[i].set(1.0),
                update_slice=lambda x, i: lax_.dynamic_update_slice(x, np_.ones(2, x.dtype), (i,)),
                fori=lambda x: lax_.fori_loop(0, 3, lambda i, c: c + np_.log(c - 2.0), x),
                true_div=lambda x: x / 0.0)


Z = _programs(jnp, zenax.lax, checkify)
J = _programs(jjnp, jax.lax, jcheckify)

f32, i32 = np.float32, np.int32
CASES = [  # (program, errors name, args)
    ("user", "user_checks", (f32(-1.0),)), ("user", "user_checks", (f32(2.0),)),
    ("kw", "user_checks", (f32(12.0),)), ("two_checks", "user_checks", (f32(-1.0),)),
    ("index", "index_checks", (np.arange(3.0, dtype=f32), i32(5))),
    ("index", "index_checks", (np.arange(3.0, dtype=f32), i32(1))),
    ("nan", "nan_checks", (f32(-1.0),)), ("nan", "all_checks", (f32(2.0),)),
    ("div", "div_checks", (i32(1), i32(0))), ("div", "float_checks", (i32(7), i32(2))),
    ("cond", "nan_checks", (f32(-1.0),)), ("cond", "nan_checks", (f32(1.0),)),
    ("scan", "all_checks", (np.arange(5.0, dtype=f32),)),
    ("scan", "all_checks", (np.array([1, 4.0, -1], f32),)),
    ("while_", "user_checks", (i32(0),)), ("while_", "user_checks", (i32(5),)),
    ("gather", "index_checks", (np.arange(3.0, dtype=f32), i32(-7))),
    ("set_at", "all_checks", (np.arange(3.0, dtype=f32), i32(5))),
    ("update_slice", "index_checks", (np.arange(3.0, dtype=f32), i32(2))),
    ("fori", "nan_checks", (f32(2.5),)), ("true_div", "float_checks", (f32(1.0),)),
]


def _same(zerr, zout, jerr, jout):
    assert zerr.get() == jerr.get()
    for a, b in zip(jax.tree_util.tree_leaves(zout), jax.tree_util.tree_leaves(jout)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


@pytest.mark.parametrize("name,errors,args", CASES)
def test_messages_and_results_match_jax(name, errors, args):
    args = tuple(jjnp.asarray(a) for a in args)   # checkify closes over its arguments
    zf = checkify.checkify(Z[name], errors=getattr(checkify, errors))
    jf = jcheckify.checkify(J[name], errors=getattr(jcheckify, errors))
    _same(*zf(*args), *jf(*args))


def test_compositions_match_jax():
    """jit(checkify), checkify(jit), checkify(grad), vmap(checkify), checkify(vmap)."""
    zc, jc = checkify, jcheckify
    x = jjnp.float32(-1.0)
    _same(*zenax.jit(zc.checkify(Z["user"]))(x), *jax.jit(jc.checkify(J["user"]))(x))
    _same(*zc.checkify(zenax.jit(Z["nan"]), errors=zc.nan_checks)(x),
          *jc.checkify(jax.jit(J["nan"]), errors=jc.nan_checks)(x))
    _same(*zc.checkify(zenax.grad(Z["nan"]), errors=zc.nan_checks)(x),
          *jc.checkify(jax.grad(J["nan"]), errors=jc.nan_checks)(x))
    xs = jjnp.array([1.0, -2.0, -3.0], f32)
    _same(*zenax.vmap(zc.checkify(Z["user"]))(xs), *jax.vmap(jc.checkify(J["user"]))(xs))
    _same(*zc.checkify(zenax.vmap(Z["user"]))(xs), *jc.checkify(jax.vmap(J["user"]))(xs))
    for name, arg in (("scan", xs), ("cond", x), ("while_", i32(0))):   # well typed
        zenax.typecheck_jaxpr(zenax.make_jaxpr(zc.checkify(Z[name], errors=zc.all_checks))(arg))
    zerr, _ = zenax.jit(zenax.vmap(zc.checkify(Z["user"])))(xs)
    assert zerr.get().startswith("at mapped index 1: x must be positive, got -2.0")


def test_throw_and_unfunctionalized_check_match_jax():
    err, _ = checkify.checkify(Z["user"])(f32(-1.0))
    with pytest.raises(checkify.JaxRuntimeError, match="x must be positive, got -1.0"):
        err.throw()
    assert issubclass(checkify.JaxRuntimeError, ValueError)
    checkify.checkify(Z["user"])(f32(1.0))[0].throw()      # no error: no raise
    with pytest.raises(checkify.JaxRuntimeError, match="got -1.0"):
        Z["user"](jnp.float32(-1.0))                       # eager check raises at once
    with pytest.raises(ValueError, match="not functionalized"):
        zenax.jit(Z["user"])(f32(1.0))
    with pytest.raises(TypeError, match="PyTrees of arrays"):
        Z["user"](-1.0)
    with pytest.raises(TypeError, match="scalar pred"):
        checkify.check(jnp.ones(2) > 0, "x")


def test_pmap_and_shard_map_give_one_error_per_device_as_jax():
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    def body(lib, ck):
        def f(x):
            ck.check(lib.numpy.all(x > 0), "bad x {x}", x=x)
            return lib.numpy.log(lib.lax.pmean(x, "i"))
        return f

    n = 4
    xs = np.array([1.0, -2.0, 3.0, -4.0], np.float32)
    pmapped = {lib: lib.pmap(body(lib, ck), axis_name="i", devices=jax.devices()[:n])
               for lib, ck in ((zenax, checkify), (jax, jcheckify))}
    for x in (np.ones(n, np.float32), xs):
        for errors in ("user_checks", "float_checks"):
            _same(*checkify.checkify(pmapped[zenax], errors=getattr(checkify, errors))(x),
                  *jcheckify.checkify(pmapped[jax], errors=getattr(jcheckify, errors))(x))
    mesh = Mesh(np.array(jax.devices()[:n]), ("i",))
    x = jax.device_put(xs, NamedSharding(mesh, PartitionSpec("i")))
    spec = PartitionSpec("i")
    zf = zenax.shard_map(lambda v: (checkify.check(jnp.all(v > 0), "neg {}", v), v * 2)[1],
                         mesh=mesh, in_specs=spec, out_specs=spec)
    jf = jax.shard_map(lambda v: (jcheckify.check(jjnp.all(v > 0), "neg {}", v), v * 2)[1],
                       mesh=mesh, in_specs=spec, out_specs=spec)
    _same(*checkify.checkify(zenax.jit(zf))(x), *jcheckify.checkify(jax.jit(jf))(x))


def test_payload_is_formatted_as_arrays_as_jax():
    def program(ck):
        def f(x):
            ck.check(x > 0, "bad tree {}", {"b": x})
            return x
        return f

    x = jjnp.float32(-1.0)   # checkify closes over its arguments
    assert checkify.checkify(program(checkify))(x)[0].get() == \
        jcheckify.checkify(program(jcheckify))(x)[0].get()


def test_io_callback():
    seen = []

    def log(v):
        seen.append(float(v))
        return np.float32(v * 3)
    spec = jax.ShapeDtypeStruct((), np.float32)
    f = lambda x: io_callback(log, spec, x, ordered=True)  # noqa: E731
    assert float(zenax.jit(f)(f32(2.0))) == 6.0 and seen == [2.0]
    g = lambda x: io_callback(log, spec, x)  # noqa: E731
    np.testing.assert_array_equal(zenax.vmap(g)(np.arange(3, dtype=f32)), [0, 3, 6])
    assert seen[1:] == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="Cannot `vmap` ordered IO callback"):
        zenax.vmap(f)(np.arange(3, dtype=f32))
    with pytest.raises(ValueError, match="IO callbacks do not support JVP"):
        zenax.grad(g)(f32(1.0))
    # an unused io_callback still runs (it is effectful)
    zenax.jit(lambda x: (io_callback(log, spec, x), x)[1])(f32(5.0))
    assert seen[-1] == 5.0


def test_examples_in_docstrings_hold():
    import doctest
    import importlib
    from zenax.transforms import checkify as ck
    names = ["zenax.transforms.checkify", "zenax.transforms.checkify_errors",
             "zenax.lax.io_callback", "zenax.experimental", "zenax.experimental.checkify"]
    globs = {"jnp": jnp, "zenax": zenax, "np": np, "io_callback": io_callback,
             **{n: getattr(ck, n) for n in ck.__all__}}
    for name in names:
        result = doctest.testmod(importlib.import_module(name), extraglobs=globs)
        assert result.failed == 0 and result.attempted > 0, name
