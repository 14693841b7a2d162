"""The views of JAX internals that Flax NNX imports under ``zenax.install_as_jax()``
(``jax._src.tree_util``, ``jax.extend.core.get_opaque_trace_state``,
``jax.interpreters.partial_eval``, ``jax.api_util``, ...), each checked against what
JAX's own module does for the same program; plus the zenax fixes Flax's suite revealed
(``zenax.typeof`` of a ref, refs deep inside jit's arguments, library frames excluded
from source lines)."""
import doctest
import os
import sys

import jax
import jax.api_util as jax_api_util
import jax.numpy as jnp
import numpy as np
import pytest
from jax.extend import core as jax_ext_core
from jax.extend import linear_util as jax_lu
from jax.interpreters import partial_eval as jax_pe

import zenax
import zenax.numpy as znp
from zenax.compat import api_util
from zenax.compat._src import checkify, dtypes, traceback_util, tree_util
from zenax.compat._src import core as src_core
from zenax.compat._src.state import types as state_types
from zenax.compat.core import ShapedArray
from zenax.compat.experimental import hijax, layout
from zenax.compat.extend import core as ext_core
from zenax.compat.extend import linear_util as lu
from zenax.compat.extend import source_info_util
from zenax.compat.interpreters import partial_eval as pe
from zenax.tracer import source_info


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


for _register in (jax.tree_util.register_pytree_node, zenax.tree_util.register_pytree_node):
    _register(Point, lambda p: ((p.x, p.y), None), lambda _, c: Point(*c))


@pytest.mark.parametrize("node_type", [tuple, list, dict, type(None), Point, int, float,
                                       np.ndarray, str])
def test_pytree_registry_membership_matches_jax(node_type):
    from jax._src.tree_util import _registry as jax_registry
    assert (node_type in tree_util._registry) == (node_type in jax_registry)


def test_pytree_registry_entries_flatten_and_unflatten():
    entry = tree_util._registry[Point]
    children, aux = entry.to_iter(Point(1, 2))
    assert tuple(children) == (1, 2)
    assert entry.from_iter(aux, (3, 4)).y == 4
    assert Point in list(tree_util._registry) and len(tree_util._registry) >= 5


def _trace_state_pattern(get_state, transforms):
    """Whether the opaque trace state taken inside each transform equals the one taken
    outside, and whether two taken in the same place are equal."""
    outside, seen = get_state(), []

    def f(x):
        seen.append(outside == get_state())
        seen.append(get_state() == get_state())
        return x * 2.0
    results = []
    for name in ("jit", "grad", "vmap"):
        seen.clear()
        fn = getattr(transforms, name)(f)
        fn(np.ones(3, np.float32) if name == "vmap" else np.float32(1.0))
        results.append((name, list(seen)))
    return results, outside == get_state()


def test_opaque_trace_state_matches_jax():
    ours = _trace_state_pattern(ext_core.get_opaque_trace_state, zenax)
    theirs = _trace_state_pattern(jax_ext_core.get_opaque_trace_state, jax)
    assert ours == theirs
    assert ours[1] is True


@pytest.mark.parametrize("known", [(True, True), (True, False), (False, True),
                                   (False, False)])
def test_partial_eval_matches_jax(known):
    def fun(x, y):
        return [x * 2.0, jnp.sin(x) + y, y * y]

    def zfun(x, y):
        return [x * 2.0, znp.sin(x) + y, y * y]

    values = [np.float32(0.5), np.float32(1.5)]

    def pvals(module, shaped):
        return [module.PartialVal.known(v) if k else
                module.PartialVal.unknown(shaped((), np.float32))
                for v, k in zip(values, known)]
    dbg = jax_api_util.debug_info("test", fun, (0.0, 0.0), {})
    _, theirs, _ = jax_pe.trace_to_jaxpr_nounits(jax_lu.wrap_init(fun, debug_info=dbg),
                                                 pvals(jax_pe, jax.core.ShapedArray))
    jaxpr, ours, consts = pe.trace_to_jaxpr_nounits(lu.wrap_init(zfun),
                                                    pvals(pe, ShapedArray))
    assert [p.is_known() for p in ours] == [p.is_known() for p in theirs]
    for o, t in zip(ours, theirs):
        if t.is_known():
            np.testing.assert_allclose(o.get_known(), t.get_known(), rtol=1e-6)
        else:
            assert (o[0].shape, o[0].dtype) == (t[0].shape, t[0].dtype)
    assert len(jaxpr.outvars) == sum(not p.is_known() for p in theirs)
    assert len(jaxpr.constvars) == len(consts)


def test_partial_eval_instantiate_makes_known_outputs_unknown():
    fun = lu.wrap_init(lambda x: [x + 1.0])
    _, (pv,), _ = pe.trace_to_jaxpr_nounits(fun, [pe.PartialVal.known(np.float32(1.0))],
                                             instantiate=True)
    assert not pv.is_known() and pv.get_aval().shape == ()


def test_flatten_fun_matches_jax():
    tree_in = (((1.0, {"b": 2.0}),), {"scale": 3.0})   # (args, kwargs)

    def f(a, scale):
        return {"sum": (a[0] + a[1]["b"]) * scale, "parts": [a[0], scale]}
    leaves, jax_tree = jax.tree_util.tree_flatten(tree_in)
    _, zx_tree = zenax.tree_util.tree_flatten(tree_in)
    jf, jout = jax_api_util.flatten_fun(
        jax_lu.wrap_init(f, debug_info=jax_api_util.debug_info("t", f, (0, 0), {})), jax_tree)
    zf, zout = api_util.flatten_fun(lu.wrap_init(f), zx_tree)
    assert zf.call_wrapped(*leaves) == list(jf.call_wrapped(*leaves))
    assert zout().num_leaves == jout().num_leaves
    with pytest.raises(RuntimeError, match="Store empty"):
        api_util.flatten_fun_nokwargs(lu.wrap_init(f), zx_tree)[1]()


def test_debug_info_names_the_arguments():
    def loss(params, batch):
        return params
    info = api_util.debug_info("lazy_init", loss, (1, 2), {})
    assert info.traced_for == "lazy_init" and info.arg_names == ("params", "batch")
    assert "loss at" in info.func_src_info


def test_typeof_of_a_ref_is_an_abstract_ref_like_jax():
    theirs = jax.typeof(jax.new_ref(jnp.zeros(3)))
    ours = zenax.typeof(zenax.new_ref(znp.zeros(3)))
    assert isinstance(ours, state_types.AbstractRef) and str(ours) == str(theirs)
    assert str(zenax.typeof(znp.ones(2))) == str(jax.typeof(jnp.ones(2)))


def test_jit_threads_refs_nested_in_argument_trees_like_jax():
    def f(tree, x):
        tree["inner"][0]["r"][...] += x
        return x * 2.0

    def run(module, np_):
        r = module.new_ref(np_.zeros(2))
        out = module.jit(f)({"inner": [{"r": r}, 1.0]}, np_.ones(2))
        module.jit(f)({"inner": [{"r": r}, 1.0]}, np_.ones(2))
        return np.asarray(out), np.asarray(r[...])
    for ours, theirs in zip(run(zenax, znp), run(jax, jnp)):
        np.testing.assert_array_equal(ours, theirs)


def test_registered_library_folders_are_skipped_for_source_lines(tmp_path):
    lib = tmp_path / "fakelib"
    lib.mkdir()
    (lib / "helpers.py").write_text("def frame(fn):\n    return fn()\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import fakelib.helpers as helpers
        assert helpers.frame(source_info.user_frame).file == str(lib / "helpers.py")
        source_info_util.register_exclusion(str(lib))
        try:
            assert helpers.frame(source_info.user_frame).file == __file__
            assert str(lib) in traceback_util._exclude_paths
        finally:
            traceback_util._exclude_paths.remove(str(lib))
        assert helpers.frame(source_info.user_frame).file == str(lib / "helpers.py")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("fakelib.helpers", None)
        sys.modules.pop("fakelib", None)


def test_supports_inf_matches_jax():
    from jax._src import dtypes as jax_dtypes
    for dt in (np.float32, np.float16, jnp.bfloat16, jnp.float8_e4m3fn, jnp.float8_e5m2,
               np.int32, np.bool_):
        assert dtypes.supports_inf(dt) == jax_dtypes.supports_inf(dt), dt


def test_hijax_primitives_declare_but_refuse_to_run():
    class Get(hijax.HiPrimitive):
        multiple_results = True
    with pytest.raises(NotImplementedError, match="no high-level types"):
        Get("get_box").bind(1.0)
    hijax.control_flow_allowed_effects.add_type(ext_core.Effect)
    assert hijax.control_flow_allowed_effects.contains(ext_core.Effect())


@pytest.mark.parametrize("module", [tree_util, traceback_util, state_types, checkify,
                                    src_core, dtypes, api_util, lu, source_info_util, pe,
                                    hijax, layout], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0 and result.attempted > 0, result


@pytest.mark.parametrize("name", ["uniform", "normal", "exponential", "gumbel", "bits"])
def test_random_takes_an_int_shape_like_jax(name):
    ours = getattr(zenax.random, name)(zenax.random.key(0), 3)
    theirs = getattr(jax.random, name)(jax.random.key(0), 3)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    with pytest.raises(TypeError):   # a NumPy integer is not a shape, in JAX either
        getattr(zenax.random, name)(zenax.random.key(0), np.int64(3))


def test_result_type_of_key_arrays_matches_jax():
    zk, jk = zenax.random.key(0), jax.random.key(0)
    assert str(znp.result_type(zk)) == str(jnp.result_type(jk)) == "key<fry>"
    assert str(zenax.dtypes.result_type(zk, zk)) == str(jax.dtypes.result_type(jk, jk))
    for module, key in ((jnp, jk), (znp, zk)):
        with pytest.raises(ValueError, match="not a valid dtype for JAX type promotion"):
            module.result_type(key, 1.0)


def test_lowered_out_info_matches_jax():
    def f(x):
        return {"y": x * 2, "z": (x.sum(), x.astype(jnp.int32))}
    ours = zenax.jit(f).lower(znp.ones(3)).out_info
    theirs = jax.jit(f).lower(jnp.ones(3)).out_info
    assert jax.tree.structure(ours) == jax.tree.structure(theirs)
    for o, t in zip(jax.tree.leaves(ours), jax.tree.leaves(theirs)):
        assert (o.shape, o.dtype) == (t.shape, t.dtype)


def test_config_parses_absl_flags_like_jax():
    zenax.config.parse_flags_with_absl()   # no command-line flags here: nothing changes
    assert zenax.config.jax_enable_x64 == jax.config.jax_enable_x64


class _Box:
    """An array stand-in, as Flax's nnx.Param: it gives its array through __jax_array__
    (JAX 0.10 takes one only if it is also a pytree, as nnx.Param is)."""

    def __init__(self, value):
        self.value = value

    def __jax_array__(self):
        return self.value


for _register in (jax.tree_util.register_pytree_node, zenax.tree_util.register_pytree_node):
    _register(_Box, lambda b: ((b.value,), None), lambda _, c: _Box(*c))


_STAND_IN_FUNCTIONS = {
    "matmul": lambda np_, x, b: np_.matmul(x, b), "dot": lambda np_, x, b: np_.dot(x, b),
    "sin": lambda np_, x, b: np_.sin(b), "add": lambda np_, x, b: np_.add(b, 1.0),
    "maximum": lambda np_, x, b: np_.maximum(b, 2), "sum": lambda np_, x, b: np_.sum(b, 0),
    "concatenate": lambda np_, x, b: np_.concatenate([b, b]),
    "einsum": lambda np_, x, b: np_.einsum("ij,jk->ik", x, b),
    "reshape": lambda np_, x, b: np_.reshape(b, (3, 2)),
}


@pytest.mark.parametrize("name", list(_STAND_IN_FUNCTIONS))
def test_numpy_functions_take_array_stand_ins_like_jax(name):
    f = _STAND_IN_FUNCTIONS[name]
    x, value = np.ones((4, 2), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)
    theirs = f(jnp, x, _Box(value))
    for ours in (f(znp, x, _Box(value)),
                 zenax.jit(lambda x, v: f(znp, x, _Box(v)))(x, value)):
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6)
        assert ours.dtype == theirs.dtype


@pytest.mark.parametrize("name", ["__mul__", "__rsub__", "__matmul__", "__truediv__",
                                  "__pow__", "__lt__"])
def test_explicit_operator_of_a_concrete_array_on_a_tracer_like_jax(name):
    # Flax's Variable operators call `value.__mul__(other)` directly: with a concrete
    # value and a traced other, Python's reflection never runs.
    a = np.arange(1.0, 4.0, dtype=np.float32)

    def f(module, x):
        y = getattr(module.numpy.asarray(a), name)(x)
        return module.numpy.sum(y.astype(np.float32) * x)
    x = np.full(3, 1.5, np.float32)
    np.testing.assert_allclose(zenax.grad(lambda x: f(zenax, x))(x),
                               jax.grad(lambda x: f(jax, x))(x), rtol=1e-6)
    np.testing.assert_allclose(zenax.jit(lambda x: f(zenax, x))(x), f(jax, x), rtol=1e-6)


def test_custom_vjp_bwd_may_give_a_leaf_for_a_one_leaf_subtree_like_jax():
    # Flax's nnx.custom_vjp tests return a Param's cotangent as a bare array.
    def run(module):
        @module.custom_vjp
        def f(w, x):
            return w.value * x

        def fwd(w, x):
            return f(w, x), (w, x)

        def bwd(res, g):
            w, x = res
            return g * x, g * w.value     # a bare leaf where the argument is a _Box
        f.defvjp(fwd, bwd)
        return module.grad(lambda w: f(w, 3.0))(_Box(np.float32(2.0))).value
    np.testing.assert_allclose(run(zenax), run(jax))


def test_vmap_out_axes_none_error_names_the_output_like_jax():
    def f(x):
        return {"a": x, "b": (x * 2, x)}
    out_axes = {"a": 0, "b": (0, None)}
    with pytest.raises(ValueError) as theirs:
        jax.vmap(f, out_axes=out_axes)(jnp.ones(3))
    with pytest.raises(ValueError) as ours:
        zenax.vmap(f, out_axes=out_axes)(znp.ones(3))
    assert str(ours.value).startswith(str(theirs.value))


def test_einsum_takes_digit_labels_like_jax():
    # Flax's grouped-query attention contracts '...qhgd,...kh1d->...hgqk'.
    rng = np.random.default_rng(0)
    q, k = rng.random((2, 3, 4, 2, 5), np.float32), rng.random((2, 6, 4, 1, 5), np.float32)
    spec = "...qhgd,...kh1d->...hgqk"
    np.testing.assert_allclose(znp.einsum(spec, q, k), jnp.einsum(spec, q, k), rtol=1e-5)


def test_zeros_like_of_a_sharded_array_is_sharded_like_jax():
    # Optax's Adam moments (zeros_like of each parameter) follow Flax's sharded params.
    mesh = jax.make_mesh((1,), ("row",), axis_types=(jax.sharding.AxisType.Auto,))
    x = jax.device_put(np.ones((4, 2), np.float32),
                       jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("row")))
    for make in (lambda m: m.zeros_like(x), lambda m: m.full_like(x, 2.0),
                 lambda m: m.zeros_like(x, dtype=int)):
        assert make(znp).sharding == make(jnp).sharding


def test_eager_sharding_constraint_keeps_the_sharding_as_given_like_jax():
    # Flax places a Variable with out_sharding=NamedSharding(...) or a Format.
    from jax.experimental.layout import Format, Layout
    mesh = jax.make_mesh((1,), ("data",), axis_types=(jax.sharding.AxisType.Auto,))
    ns = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("data", None))
    x = np.ones((4, 4), np.float32)
    for s in (ns, Format(Layout(major_to_minor=(1, 0)), ns)):
        ours = zenax.lax.with_sharding_constraint(znp.asarray(x), s)
        theirs = jax.lax.with_sharding_constraint(jnp.asarray(x), s)
        assert ours.sharding == theirs.sharding == ns


def test_switch_reports_the_jax_api_version_zenax_implements(monkeypatch):
    # Flax picks code paths by jax.__version_info__ (below 0.4.33: JAX's old trace API).
    import zenax.as_jax as as_jax
    monkeypatch.setattr(as_jax, "_offending_modules", lambda: [])   # this process holds JAX
    own = (zenax.__version__, zenax.__version_info__)
    as_jax.install_as_jax()
    try:
        assert zenax.__version_info__ == jax.__version_info__
        assert zenax.version.__version__ == jax.__version__
    finally:
        as_jax.uninstall_as_jax()
    assert (zenax.__version__, zenax.__version_info__) == own
