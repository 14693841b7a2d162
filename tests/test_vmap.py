"""``zenax.vmap`` against JAX (``jax.vmap`` is the oracle).

Part 1 walks the spec table (spec_table.py).  For every primitive, with ``in_axes`` and
``out_axes`` of 0, 1, -1, a mix of 0 and -1 across operands, and ``None`` for some operands
(for one-operand primitives: ``in_axes=None`` with ``axis_size``) on its first case, and
one of those for each of its other cases, at the spec's first dtype:

* ``zenax.vmap(f)(xs)`` equals a Python loop over the batch + stack, and equals
  ``jax.vmap`` of the same ``jax.lax`` program (shape, dtype, values);
* the jaxpr of the vmapped function (``make_jaxpr(vmap(f))``) passes ``typecheck_jaxpr``
  and has JAX's output aval.

Part 2 checks the public API: pytree prefixes of ``in_axes``/``out_axes``, ``None``,
negative axes, ``axis_size``, keyword arguments and JAX's errors; that batching rules move
batch dimensions only when they must; collectives under ``axis_name``; compositions with
autodiff (per-example gradients, ``grad(vmap)``, ``vmap(vmap)``, ``vmap(jvp)``,
``vmap(vjp)``, ``jacfwd``/``jacrev``); and the loop fallback for a primitive without a
batching rule.
"""
import functools
import warnings
import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from zenax import lax
from zenax.tracer import core
from zenax.lax.broadcasting import instantiate
from zenax.tracer.avals import ShapedArray

from oracle import assert_same
from spec import short
from spec_table import SPECS

jlax = jax.lax
B = 3   # the batch size of the spec-table checks


# ## Part 1: every primitive of the spec table

# name -> (in axis of operand i, out axis), before fitting them to the operand ranks.
CONFIGS = {
    "in0-out0": (lambda i: 0, 0),
    "in1-out1": (lambda i: 1, 1),
    "in-1-out-1": (lambda i: -1, -1),
    "mixed-out1": (lambda i: 0 if i % 2 == 0 else -1, 1),     # operands disagree
    "none_first-out-1": (lambda i: None if i == 0 else 0, -1),
    "none_rest-out0": (lambda i: 0 if i == 0 else None, 0),
}


def _fit_axis(axis, rank):
    """``axis`` if it is valid for rank ``rank``, else the last axis (scalars: in_axes=1
    means axis 0)."""
    if axis is None:
        return None
    return axis if -rank <= axis < rank else -1


def _configs(n_operands: int) -> list:
    """The configs that differ from each other for ``n_operands`` operands."""
    out = []
    for config in CONFIGS:
        if n_operands < 2 and config in ("mixed-out1", "none_rest-out0"):
            continue   # the same as in0-out0 for one operand
        if n_operands == 0 and config == "none_first-out-1":
            continue   # the same as in-1-out-1 with no operands
        out.append(config)
    return out


def _vmap_instances() -> list:
    """(spec, case, dtype, config) at the spec's first dtype: every config for the first
    case, one config (taking turns) for each other case.  (Each instance compiles its own
    XLA kernels, so the sweep samples the product to stay fast.)"""
    out = []
    for spec in SPECS:
        for k, case in enumerate(spec.cases):
            configs = _configs(len(case.args))
            dtype = spec.dtypes_for(case)[0]
            if k > 0:
                configs = [configs[k % len(configs)]]
            out += [(spec, case, dtype, c) for c in configs]
    return out


VMAP_INSTANCES = _vmap_instances()
def _case_id(spec, case) -> str:
    """The case's id, with its index where the spec has another case of that id."""
    ids = [c.id() for c in spec.cases]
    k = spec.cases.index(case)
    return ids[k] if ids.count(ids[k]) == 1 else f"{ids[k]}-case{k}"


VMAP_IDS = [f"{spec.name}-{short(dtype)}-{_case_id(spec, case)}-{config}"
            for spec, case, dtype, config in VMAP_INSTANCES]


def _setup(spec, case, dtype, config, test_id):
    """Batched operands, ``in_axes`` and ``out_axes`` for one instance."""
    rng = np.random.RandomState(zlib.crc32(test_id.encode()))
    in_axis, out_axis = CONFIGS[config]
    in_axes, args = [], []
    for i, arg in enumerate(case.args):
        axis = _fit_axis(in_axis(i), len(arg.shape) + 1)
        shape = list(arg.shape)
        if axis is not None:
            shape.insert(axis % (len(shape) + 1), B)
        in_axes.append(axis)
        args.append(spec.domain(i, arg).sample(rng, tuple(shape),
                                               dtype if arg.dtype is None else arg.dtype))
    params = spec.params(case, dtype)
    unbatched = [jax.ShapeDtypeStruct(a.shape, dtype if a.dtype is None else a.dtype)
                 for a in case.args]
    out_rank = jax.eval_shape(lambda *xs: spec.jfun(*xs, **params), *unbatched).ndim
    return args, params, tuple(in_axes), _fit_axis(out_axis, out_rank + 1)


def _stack_loop(f, args, in_axes, out_axis, size):
    """What vmap means: apply ``f`` to each batch element and stack the results."""
    outs = [np.asarray(f(*[x if a is None else np.take(x, b, axis=a)
                           for x, a in zip(args, in_axes)]))
            for b in range(size)]
    return outs[0] if out_axis is None else np.stack(outs, axis=out_axis)


# Where a test names no tolerance.
TOL = dict(rtol=1e-5, atol=1e-6)


# jax.vmap of a widening bitcast fails when the batch axis is the operand's last axis
# (JAX's rule does not move it out of the way): the oracle maps the same function over
# the operands with their batch axis moved to the front.
JAX_NEEDS_BATCH_AT_FRONT = {"bitcast_convert_type/widen"}


@pytest.mark.parametrize("spec,case,dtype,config", VMAP_INSTANCES, ids=VMAP_IDS)
def test_vmap_matches_loop_and_jax(spec, case, dtype, config, request):
    """vmap(f) == loop + stack == jax.vmap(f); make_jaxpr(vmap(f)) typechecks."""
    args, params, in_axes, out_axis = _setup(spec, case, dtype, config,
                                             request.node.callspec.id)
    zf = functools.partial(spec.zfun, **params)
    size = B if all(a is None for a in in_axes) else None
    axes = dict(in_axes=in_axes, out_axes=out_axis, axis_size=size)
    jf = functools.partial(spec.jfun, **params)
    if spec.name in JAX_NEEDS_BATCH_AT_FRONT:
        front = [x if a is None else np.moveaxis(x, a, 0) for x, a in zip(args, in_axes)]
        front_axes = tuple(None if a is None else 0 for a in in_axes)
        expected = jax.vmap(jf, front_axes, out_axis, axis_size=size)(*front)
    else:
        expected = jax.vmap(jf, **axes)(*args)

    assert_same(zenax.vmap(zf, **axes)(*args), expected, tol=spec.tol, check_weak_type=False)
    assert_same(_stack_loop(zf, args, in_axes, out_axis, B), expected, tol=spec.tol,
                check_weak_type=False)

    closed = zenax.make_jaxpr(zenax.vmap(zf, **axes))(*args)
    assert zenax.typecheck_jaxpr(closed) is None
    [aval] = closed.out_avals
    assert (aval.shape, np.dtype(aval.dtype)) == (expected.shape, expected.dtype)


# ## Part 2: the public API

x34 = np.arange(12, dtype=np.float32).reshape(3, 4) / 7 - 0.5
x43 = np.arange(12, dtype=np.float32).reshape(4, 3) / 5 - 1.0
x3 = np.array([0.5, -1.0, 2.0], np.float32)
x4 = np.array([1.0, -0.25, 0.75, 3.0], np.float32)
x234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 11


def both(build, args, **vmap_kwargs):
    """``build(m, L)`` is the same function written with ``m`` = zenax.numpy / jax.numpy
    and ``L`` = zenax.lax / jax.lax; return zenax.vmap's and jax.vmap's results."""
    ours = zenax.vmap(build(znp, lax), **vmap_kwargs)(*args)
    theirs = jax.vmap(build(jnp, jlax), **vmap_kwargs)(*args)
    return ours, theirs


AXES_CASES = [
    # id, build(m, L), args, vmap kwargs
    ("tuple_in_axes_with_none", lambda m, L: lambda x, y: x * y,
     (x34, x4), dict(in_axes=(0, None))),
    ("list_in_axes_is_a_tuple", lambda m, L: lambda x, y: x - y,
     (x34, x4), dict(in_axes=[0, None])),
    ("negative_in_axis", lambda m, L: lambda x: m.sin(x) * 2.0, (x34,), dict(in_axes=-1)),
    ("negative_in_and_out_axes", lambda m, L: lambda x: m.sum(x, axis=0),
     (x234,), dict(in_axes=-2, out_axes=-1)),
    ("dict_leaves_with_own_axes", lambda m, L: lambda d: d["a"] + d["b"].T,
     ({"a": x34, "b": x43},), dict(in_axes=({"a": 0, "b": 1},))),
    ("none_prefix_of_a_dict", lambda m, L: lambda p, x: m.tanh(x @ p["w"] + p["b"]),
     ({"w": x43, "b": x3}, x34), dict(in_axes=(None, 0))),
    ("axis_prefix_of_a_tuple", lambda m, L: lambda xy, z: xy[0] * xy[1] + z,
     ((x34, x34 + 1), x3), dict(in_axes=(1, None))),
    ("nested_tuple_axes", lambda m, L: lambda xy: xy[0] @ xy[1],
     ((x34, x43),), dict(in_axes=((0, 1),))),
    ("out_axes_pytree", lambda m, L: lambda x: (x * 2, {"s": m.sum(x), "t": x.T}),
     (x234,), dict(out_axes=(1, {"s": 0, "t": -1}))),
    ("out_axes_prefix", lambda m, L: lambda x: (m.cos(x), (x, x + 1)),
     (x34,), dict(out_axes=(0, 1))),
    ("out_axes_none_for_unmapped_output", lambda m, L: lambda x, y: (x + y, y * 2),
     (x34, x4), dict(in_axes=(0, None), out_axes=(0, None))),
    ("unmapped_output_is_broadcast", lambda m, L: lambda x, y: y * 2,
     (x34, x4), dict(in_axes=(0, None), out_axes=1)),
    ("python_scalar_output", lambda m, L: lambda x: 2.0, (x3,), {}),
    ("scalar_elements", lambda m, L: lambda x: x * x + 1.0, (x3,), {}),
    ("axis_size_nothing_mapped", lambda m, L: lambda x: m.exp(x),
     (x4,), dict(in_axes=None, axis_size=2, out_axes=1)),
    ("axis_size_agrees", lambda m, L: lambda x: m.exp(x), (x34,), dict(axis_size=3)),
    ("int_and_bool_values", lambda m, L: lambda x, y: (L.argmax(x, 0, np.int32), x > y),
     (x34, x4), dict(in_axes=(0, None))),
]


@pytest.mark.parametrize("build,args,kwargs", [c[1:] for c in AXES_CASES],
                         ids=[c[0] for c in AXES_CASES])
def test_in_and_out_axes_like_jax(build, args, kwargs):
    ours, theirs = both(build, args, **kwargs)
    assert_same(ours, theirs, **TOL, check_weak_type=False)
    for a, e in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
        assert getattr(a, "weak_type", False) == getattr(e, "weak_type", False)


def test_keyword_arguments_are_mapped_over_axis_0():
    f = lambda m: lambda x, y: x * y
    ours = zenax.vmap(f(znp), in_axes=(None,))(x4, y=x34)
    assert_same(ours, jax.vmap(f(jnp), in_axes=(None,))(x4, y=x34), **TOL, check_weak_type=False)


def test_no_arguments_with_axis_size():
    ours = zenax.vmap(lambda: lax.iota(np.int32, 4), axis_size=3)()
    assert_same(ours, jax.vmap(lambda: jlax.iota(np.int32, 4), axis_size=3)(), **TOL,
                check_weak_type=False)


def test_vmap_keeps_function_name_and_docstring():
    def per_example(x):
        """Doc."""
        return x
    f = zenax.vmap(per_example)
    assert f.__name__ == "per_example" and f.__doc__ == "Doc."


# ### Errors, as JAX raises them

ERROR_CASES = [
    # id, build(m, L), args, vmap kwargs, exception type, words in zenax's message
    ("inconsistent_sizes", lambda m, L: lambda x, y: x, (x34, x43), {}, ValueError,
     ("inconsistent sizes", "size 3", "size 4", "argument y")),
    ("axis_size_disagrees", lambda m, L: lambda x: x, (x34,), dict(axis_size=4), ValueError,
     ("inconsistent sizes", "axis_size", "size 3")),
    ("axis_too_large", lambda m, L: lambda x: x, (x34,), dict(in_axes=2), ValueError,
     ("axis 2", "(3, 4)")),
    ("negative_axis_too_small", lambda m, L: lambda x: x, (x34,), dict(in_axes=-3),
     ValueError, ("axis -3", "(3, 4)")),
    ("mapping_a_scalar", lambda m, L: lambda x: x, (1.0,), {}, ValueError,
     ("axis 0", "rank")),
    ("in_axes_of_wrong_type", lambda m, L: lambda x: x, (x34,), dict(in_axes="0"),
     TypeError, ("in_axes",)),
    ("in_axes_top_level_dict", lambda m, L: lambda x: x, (x34,), dict(in_axes={"a": 0}),
     TypeError, ("in_axes",)),
    ("in_axes_leaf_not_an_int", lambda m, L: lambda x: x, (x34,), dict(in_axes=(1.5,)),
     TypeError, ("in_axes", "1.5")),
    ("in_axes_length", lambda m, L: lambda x: x, (x34,), dict(in_axes=(0, 0)), ValueError,
     ("len(in_axes)=2", "len(args)=1")),
    ("in_axes_not_a_prefix", lambda m, L: lambda d: d["a"], ({"a": x34},),
     dict(in_axes=({"a": 0, "b": 0},)), ValueError, ("in_axes", "tree prefix")),
    ("out_axes_not_a_prefix", lambda m, L: lambda x: x, (x34,), dict(out_axes=(0, 1)),
     ValueError, ("out_axes", "tree prefix")),
    ("out_axes_none_for_mapped_output", lambda m, L: lambda x: x, (x34,),
     dict(out_axes=None), ValueError, ("out_axes", "None")),
    ("out_axis_too_large", lambda m, L: lambda x: x, (x34,), dict(out_axes=3), ValueError,
     ("out_axes=3",)),
    ("nothing_mapped_no_axis_size", lambda m, L: lambda x: x, (x34,), dict(in_axes=None),
     ValueError, ("non-None", "axis_size")),
    ("unbound_axis_name", lambda m, L: lambda x: L.psum(x, "j"), (x34,),
     dict(axis_name="i"), NameError, ("unbound axis name", "j")),
]


@pytest.mark.parametrize("collective", ["psum", "pmax", "pmin", "pmean", "all_gather",
                                        "axis_index"])
def test_unbound_axis_name_fails_when_traced(collective):
    def f(L):
        return lambda x: (L.axis_index("i") if collective == "axis_index"
                          else getattr(L, collective)(x, "i"))
    with pytest.raises(NameError):
        jax.make_jaxpr(f(jlax))(x34)
    with pytest.raises(NameError, match="unbound axis name: i"):
        zenax.make_jaxpr(f(lax))(x34)


@pytest.mark.parametrize("build,args,kwargs,error,words", [c[1:] for c in ERROR_CASES],
                         ids=[c[0] for c in ERROR_CASES])
def test_errors_like_jax(build, args, kwargs, error, words):
    with pytest.raises(error):
        jax.vmap(build(jnp, jlax), **kwargs)(*args)
    with pytest.raises(error) as info:
        zenax.vmap(build(znp, lax), **kwargs)(*args)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


# ### Batching rules move batch dimensions only when they must

def _count(closed, name):
    return sum(e.primitive.name == name for e in closed.eqns)


def _b(x, axis):
    """``x`` with a batch axis of size B inserted at ``axis``."""
    return np.stack([x + i for i in range(B)], axis=axis)


NO_MOVE_CASES = [
    # id, f, in_axes, out_axes (where the rule leaves the batch axis), args
    ("unary", lambda x: lax.sin(x), 1, 1, (_b(x34, 1),)),
    ("binary_same_axis", lambda x, y: lax.add(x, y), 1, 1, (_b(x34, 1), _b(x34, 1))),
    ("binary_python_scalar", lambda x: lax.mul(x, 2.0), 1, 1, (_b(x34, 1),)),
    ("binary_unmapped_operand", lambda x, y: lax.sub(x, y), (1, None), 1,
     (_b(x34, 1), x34)),
    ("select_n", lambda p, x, y: lax.select_n(p, x, y), 1, 1,
     (_b(x34 > 0, 1), _b(x34, 1), _b(x43.T, 1))),
    ("select_n_scalar_which", lambda p, x, y: lax.select_n(p, x, y), (None, 1, 1), 1,
     (np.array(True), _b(x34, 1), _b(x34, 1))),
    ("clamp_scalar_bounds", lambda x: lax.clamp(-0.5, x, 0.5), 1, 1, (_b(x34, 1),)),
    ("reduce_sum", lambda x: lax.reduce_sum(x, (1,)), 1, 1, (_b(x234, 1),)),
    ("argmax", lambda x: lax.argmax(x, 0, np.int32), 2, 1, (_b(x234, 2),)),
    ("slice", lambda x: lax.slice(x, (1, 0), (3, 4), (1, 2)), 1, 1, (_b(x34, 1),)),
    ("rev", lambda x: lax.rev(x, (0, 1)), 1, 1, (_b(x34, 1),)),
    ("squeeze", lambda x: lax.squeeze(x, (0,)), 2, 1, (_b(x34[None], 2),)),
    ("expand_dims", lambda x: lax.expand_dims(x, (0,)), 1, 2, (_b(x34, 1),)),
    ("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1, 2)), 1, 2,
     (_b(x34, 1),)),
    ("concatenate", lambda x, y: lax.concatenate([x, y], 0), 1, 1,
     (_b(x34, 1), _b(x34, 1))),
    ("pad", lambda x: lax.pad(x, 0.0, ((1, 0, 1), (0, 2, 0))), 1, 1, (_b(x34, 1),)),
    ("dot_general_both", lambda x, y: lax.dot(x, y), 1, 0, (_b(x34, 1), _b(x43, 1))),
    ("dot_general_lhs", lambda x, y: lax.dot(x, y), (1, None), 1, (_b(x34, 1), x43)),
    ("dot_general_rhs", lambda x, y: lax.dot(x, y), (None, 1), 1, (x34, _b(x43, 1))),
    ("convert_element_type", lambda x: lax.convert_element_type(x, np.int32), 1, 1,
     (_b(x34, 1),)),
    ("bitcast_widen", lambda x: lax.bitcast_convert_type(x, np.int32), 0, 0,
     (_b(x34.astype(np.float16).reshape(3, 2, 2), 0),)),
]


@pytest.mark.parametrize("f,in_axes,out_axes,args", [c[1:] for c in NO_MOVE_CASES],
                         ids=[c[0] for c in NO_MOVE_CASES])
def test_rules_do_not_move_the_batch_axis_needlessly(f, in_axes, out_axes, args):
    vf = zenax.vmap(f, in_axes=in_axes, out_axes=out_axes)
    closed = zenax.make_jaxpr(vf)(*args)
    assert _count(closed, "transpose") == 0, closed
    assert zenax.typecheck_jaxpr(closed) is None
    in_axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    assert_same(vf(*args), _stack_loop(f, args, in_axes, out_axes, B), **TOL,
                check_weak_type=False)


def test_transpose_rule_permutes_around_the_batch_axis_once():
    f = lambda x: lax.transpose(x, (2, 0, 1))
    closed = zenax.make_jaxpr(zenax.vmap(f, in_axes=1, out_axes=1))(_b(x234, 1))
    assert _count(closed, "transpose") == 1
    assert_same(zenax.vmap(f, 1, 1)(_b(x234, 1)),
                jax.vmap(lambda x: jlax.transpose(x, (2, 0, 1)), 1, 1)(_b(x234, 1)), **TOL,
                check_weak_type=False)


def test_out_axes_moves_the_result_once():
    closed = zenax.make_jaxpr(zenax.vmap(lax.sin, in_axes=1, out_axes=2))(_b(x34, 1))
    assert _count(closed, "transpose") == 1


# ## Collectives under axis_name

def both_api(build, *args):
    """``build(api, m, L)`` is one program written against ``api`` = zenax / jax, ``m`` =
    its numpy and ``L`` = its lax; run it both ways."""
    return build(zenax, znp, lax)(*args), build(jax, jnp, jlax)(*args)


COLLECTIVE_CASES = [
    ("psum", lambda api, m, L: api.vmap(lambda x: L.psum(x, "i"), axis_name="i"), (x34,)),
    ("psum_in_axis_1", lambda api, m, L: api.vmap(lambda x: x / L.psum(x, "i"), in_axes=1,
                                                   axis_name="i"), (x34 + 2,)),
    ("psum_unmapped_value", lambda api, m, L: api.vmap(lambda x: x + L.psum(1.0, "i"),
                                                        axis_name="i"), (x34,)),
    ("psum_pytree", lambda api, m, L: api.vmap(
        lambda x, y: L.psum({"a": x, "b": (y, 2 * y)}, "i"), in_axes=(0, 1), axis_name="i"),
     (x34, x43)),
    ("pmean", lambda api, m, L: api.vmap(lambda x: x - L.pmean(x, "i"), axis_name="i"),
     (x34,)),
    ("pmax", lambda api, m, L: api.vmap(lambda x: L.pmax(x, "i"), axis_name="i"), (x34,)),
    ("pmin", lambda api, m, L: api.vmap(lambda x: L.pmin(x, "i"), axis_name="i",
                                         in_axes=1), (x34,)),
    ("pmax_int", lambda api, m, L: api.vmap(lambda x: L.pmax(x, "i"), axis_name="i"),
     ((x34 * 10).astype(np.int32),)),
    ("all_gather", lambda api, m, L: api.vmap(lambda x: L.all_gather(x, "i"),
                                               axis_name="i"), (x34,)),
    ("all_gather_axis_1", lambda api, m, L: api.vmap(
        lambda x: L.all_gather(x, "i", axis=1), axis_name="i", in_axes=1), (x234,)),
    ("all_gather_tiled", lambda api, m, L: api.vmap(
        lambda x: L.all_gather(x, "i", axis=1, tiled=True), axis_name="i"), (x234,)),
    ("axis_index", lambda api, m, L: api.vmap(lambda x: x * L.axis_index("i"),
                                               axis_name="i"), (x34,)),
    ("softmax_across_the_batch", lambda api, m, L: api.vmap(
        lambda x: m.exp(x - L.pmax(x, "i")) / L.psum(m.exp(x - L.pmax(x, "i")), "i"),
        axis_name="i"), (x34,)),
    # Nested vmaps: collectives over the outer axis, the inner one, and both.
    ("nested_outer_axis", lambda api, m, L: api.vmap(api.vmap(
        lambda x: L.psum(x, "i"), axis_name="j"), axis_name="i"), (x234,)),
    ("nested_inner_axis", lambda api, m, L: api.vmap(api.vmap(
        lambda x: L.pmax(x, "j"), axis_name="j", in_axes=1), axis_name="i"), (x234,)),
    ("nested_both_axes", lambda api, m, L: api.vmap(api.vmap(
        lambda x: L.psum(x, ("i", "j")), axis_name="j"), axis_name="i"), (x234,)),
    ("nested_axis_index_of_both", lambda api, m, L: api.vmap(api.vmap(
        lambda x: x * L.axis_index(("j", "i")), axis_name="j"), axis_name="i"), (x234,)),
    ("nested_all_gather_outer", lambda api, m, L: api.vmap(api.vmap(
        lambda x: L.all_gather(x, "i"), axis_name="j"), axis_name="i"), (x234,)),
    ("unnamed_inner_vmap", lambda api, m, L: api.vmap(api.vmap(
        lambda x: L.pmean(x, "i")), axis_name="i", in_axes=1), (x234,)),
    # Collectives inside the sub-jaxprs of jit and control flow.
    ("inside_jit", lambda api, m, L: api.vmap(api.jit(lambda x: x / L.psum(x, "i")),
                                               axis_name="i"), (x34 + 1,)),
    ("inside_jit_outer_axis", lambda api, m, L: api.vmap(api.vmap(
        api.jit(lambda x: x / L.psum(x, "i")), axis_name="j"), axis_name="i"), (x234 + 1,)),
    ("inside_cond", lambda api, m, L: api.vmap(lambda x: L.cond(
        x[0] > 0, lambda y: L.psum(y, "i"), lambda y: y * L.axis_index("i"), x),
        axis_name="i"), (x34,)),
    ("inside_scan", lambda api, m, L: api.vmap(lambda x: L.scan(
        lambda c, y: (c + L.pmax(y, "i"), c), 0.0, x), axis_name="i"), (x34,)),
    ("inside_while_loop", lambda api, m, L: api.vmap(lambda x: L.while_loop(
        lambda c: c[1] < 3, lambda c: (c[0] + L.pmean(c[0], "i"), c[1] + 1), (x, 0))[0],
        axis_name="i"), (x34,)),
    # Autodiff through collectives.
    ("vmap_of_grad", lambda api, m, L: api.vmap(
        api.grad(lambda x: m.sum(L.psum(x ** 2, "i"))), axis_name="i"), (x34,)),
    ("grad_of_vmap", lambda api, m, L: api.grad(lambda x: m.sum(api.vmap(
        lambda r: L.psum(m.sin(r), "i") * r, axis_name="i")(x))), (x34,)),
    ("vmap_of_jvp", lambda api, m, L: api.vmap(
        lambda x, t: api.jvp(lambda y: L.pmean(y * y, "i"), (x,), (t,)), axis_name="i"),
     (x34, x34 * 3)),
    ("vmap_of_grad_of_all_gather", lambda api, m, L: api.vmap(
        api.grad(lambda x: m.sum(m.sin(L.all_gather(x, "i")) ** 2)), axis_name="i"),
     (x34,)),
    ("vmap_of_grad_of_all_gather_tiled", lambda api, m, L: api.vmap(api.grad(
        lambda x: m.sum(m.sin(L.all_gather(x, "i", axis=1, tiled=True)) ** 2)),
        axis_name="i"), (x234,)),
]


@pytest.mark.parametrize("build,args", [c[1:] for c in COLLECTIVE_CASES],
                         ids=[c[0] for c in COLLECTIVE_CASES])
def test_collectives_like_jax(build, args):
    ours, theirs = both_api(build, *args)
    assert_same(ours, theirs, rtol=1e-5, atol=1e-5, check_weak_type=False)


def test_jvp_of_pmax_is_the_tangent_of_the_max():
    # jax.lax.pmax has no jvp rule to compare with; the max of each column is unique here.
    t = x34 * 3 + 1
    out, t_out = zenax.vmap(lambda x, t: zenax.jvp(lambda y: lax.pmax(y, "i"), (x,), (t,)),
                            axis_name="i")(x34, t)
    winner = np.argmax(x34, axis=0)
    assert_same(out, np.broadcast_to(x34.max(0), x34.shape), **TOL, check_weak_type=False)
    assert_same(t_out, np.broadcast_to(t[winner, np.arange(4)], x34.shape), **TOL,
                check_weak_type=False)


def test_collective_jaxpr_typechecks():
    f = zenax.vmap(zenax.vmap(lambda x: lax.psum(x, ("i", "j")) * lax.axis_index("j")
                              + lax.all_gather(x, "i")[0], axis_name="j"), axis_name="i")
    closed = zenax.make_jaxpr(f)(x234)
    assert zenax.typecheck_jaxpr(closed) is None
    assert closed.out_avals[0].shape == (2, 3, 4)
    assert {e.primitive.name for e in closed.eqns}.isdisjoint({"psum", "all_gather"})


def test_axis_size_reads_the_enclosing_vmap():
    out = zenax.vmap(zenax.vmap(lambda x: x * lax.axis_size(("i", "j")), axis_name="j"),
                     axis_name="i")(x234)
    assert_same(out, x234 * 6, **TOL, check_weak_type=False)


# ## Compositions with autodiff

def _mlp_params():
    rng = np.random.RandomState(0)
    return {"w1": rng.randn(4, 5).astype(np.float32) / 2, "b1": rng.randn(5).astype(np.float32),
            "w2": rng.randn(5, 2).astype(np.float32) / 2, "b2": np.zeros(2, np.float32)}


def _mlp_loss(m):
    def loss(params, x, y):
        h = m.tanh(x @ params["w1"] + params["b1"])
        return m.mean((h @ params["w2"] + params["b2"] - y) ** 2)
    return loss


XS = np.random.RandomState(1).randn(6, 4).astype(np.float32)
YS = np.random.RandomState(2).randn(6, 2).astype(np.float32)


def _f(m):
    return lambda x: m.sin(x) * m.sum(x ** 2) + x[::-1]


def _g(m):
    """A pytree -> pytree function."""
    return lambda p, x: {"h": m.tanh(x @ p["w"] + p["b"]), "s": m.sum(p["b"] * x[:3])}


COMPOSITION_CASES = [
    ("per_example_grads", lambda api, m, L: api.vmap(api.grad(_mlp_loss(m)),
                                                      in_axes=(None, 0, 0)),
     (_mlp_params(), XS, YS)),
    ("per_example_value_and_grad", lambda api, m, L: api.vmap(
        api.value_and_grad(_mlp_loss(m), argnums=(0, 1)), in_axes=(None, 0, 0)),
     (_mlp_params(), XS, YS)),
    ("grad_of_vmap", lambda api, m, L: api.grad(
        lambda p, x, y: m.sum(api.vmap(_mlp_loss(m), in_axes=(None, 0, 0))(p, x, y))),
     (_mlp_params(), XS, YS)),
    ("vmap_of_vmap", lambda api, m, L: api.vmap(
        api.vmap(lambda x, y: m.dot(x, y) * x, in_axes=(0, None)), in_axes=(None, 1)),
     (x34, x43)),
    ("vmap_of_vmap_out_axes", lambda api, m, L: api.vmap(
        api.vmap(lambda x: (m.cos(x), m.sum(x)), in_axes=1, out_axes=(0, 0)),
        in_axes=2, out_axes=(-1, 0)), (x234,)),
    ("vmap_closing_over_outer_batch", lambda api, m, L: api.vmap(
        lambda x: api.vmap(lambda y: m.sin(x) * y)(x4)), (x3,)),
    ("vmap_of_jvp", lambda api, m, L: api.vmap(
        lambda t: api.jvp(_f(m), (x4,), (t,))), (np.eye(4, dtype=np.float32),)),
    ("vmap_of_jvp_both_batched", lambda api, m, L: api.vmap(
        lambda x, t: api.jvp(_f(m), (x,), (t,)), in_axes=(0, 1)), (x34, x43)),
    ("jvp_of_vmap", lambda api, m, L: lambda x, t: api.jvp(api.vmap(_f(m)), (x,), (t,)),
     (x34, x34 * 2)),
    ("vmap_of_vjp", lambda api, m, L: api.vmap(
        lambda x, ct: api.vjp(_f(m), x)[1](ct)), (x34, x34 + 1)),
    ("vmap_over_cotangents_of_one_vjp", lambda api, m, L: lambda x, cts: api.vmap(
        api.vjp(_f(m), x)[1])(cts), (x4, np.eye(4, dtype=np.float32))),
    ("vjp_of_vmap", lambda api, m, L: lambda x, ct: api.vjp(api.vmap(_f(m)), x)[1](ct),
     (x34, x34 - 1)),
    ("vmap_of_grad_of_grad", lambda api, m, L: api.vmap(
        api.grad(api.grad(lambda x: m.sin(x) * x ** 3))), (x4,)),
    ("jacfwd", lambda api, m, L: api.jacfwd(_f(m)), (x4,)),
    ("jacrev", lambda api, m, L: api.jacrev(_f(m)), (x4,)),
    ("jacfwd_of_pytree", lambda api, m, L: api.jacfwd(_g(m)), ({"w": x43, "b": x3}, x4)),
    ("jacrev_of_pytree", lambda api, m, L: api.jacrev(_g(m), argnums=(0, 1)),
     ({"w": x43, "b": x3}, x4)),
    ("vmap_of_jacrev", lambda api, m, L: api.vmap(api.jacrev(_f(m))), (x34,)),
    ("hessian", lambda api, m, L: api.hessian(lambda x: m.sum(_f(m)(x) ** 2)), (x4,)),
    ("vmap_of_jit", lambda api, m, L: api.vmap(api.jit(_f(m)), in_axes=1, out_axes=1),
     (x34,)),
    ("jit_of_vmap", lambda api, m, L: api.jit(api.vmap(_f(m), in_axes=1)), (x34,)),
    ("vmap_of_cond", lambda api, m, L: api.vmap(
        lambda x: L.cond(x[0] > 0, lambda y: y * 2, m.sin, x)), (x34,)),
    ("vmap_of_scan", lambda api, m, L: api.vmap(
        lambda x: L.scan(lambda c, y: (c * y + 1, c), 0.5, x), in_axes=1), (x34,)),
    ("vmap_of_while_loop", lambda api, m, L: api.vmap(
        lambda x: L.while_loop(lambda c: c[0] < 4, lambda c: c * 2 + 1, x)), (x34 + 1,)),
]


@pytest.mark.parametrize("build,args", [c[1:] for c in COMPOSITION_CASES],
                         ids=[c[0] for c in COMPOSITION_CASES])
def test_compositions_like_jax(build, args):
    ours, theirs = both_api(build, *args)
    assert_same(ours, theirs, rtol=2e-5, atol=2e-5, check_weak_type=False)


COMPOSITION_JAXPR_CASES = [
    ("per_example_grads", lambda: zenax.vmap(zenax.grad(_mlp_loss(znp)), in_axes=(None, 0, 0)),
     (_mlp_params(), XS, YS)),
    ("grad_of_vmap", lambda: zenax.grad(
        lambda p: znp.sum(zenax.vmap(_mlp_loss(znp), in_axes=(None, 0, 0))(p, XS, YS))),
     (_mlp_params(),)),
    ("vmap_of_vmap", lambda: zenax.vmap(zenax.vmap(lambda x: znp.sum(x) * x, in_axes=1),
                                        in_axes=2), (x234,)),
    ("vmap_of_jvp", lambda: zenax.vmap(lambda x, t: zenax.jvp(_f(znp), (x,), (t,))),
     (x34, x34)),
    ("vmap_of_vjp", lambda: zenax.vmap(lambda x, ct: zenax.vjp(_f(znp), x)[1](ct)),
     (x34, x34)),
    ("jacfwd", lambda: zenax.jacfwd(_f(znp)), (x4,)),
    ("jacrev", lambda: zenax.jacrev(_f(znp)), (x4,)),
]


@pytest.mark.parametrize("make,args", [c[1:] for c in COMPOSITION_JAXPR_CASES],
                         ids=[c[0] for c in COMPOSITION_JAXPR_CASES])
def test_composition_jaxprs_typecheck(make, args):
    closed = zenax.make_jaxpr(make())(*args)
    assert zenax.typecheck_jaxpr(closed) is None
    outs = zenax.eval_jaxpr(closed.jaxpr, closed.consts, *jax.tree_util.tree_leaves(args))
    assert_same(outs, jax.tree_util.tree_leaves(make()(*args)), **TOL, check_weak_type=False)


def test_vmap_inside_grad_does_not_confuse_perturbations():
    # d/dx sum_i sin(x * y_i) for a scalar x: the inner vmap closes over grad's tracer.
    f = lambda api, m: api.grad(lambda x: m.sum(api.vmap(lambda y: m.sin(x * y))(x4)))
    assert_same(f(zenax, znp)(0.7), f(jax, jnp)(0.7), **TOL, check_weak_type=False)


# ## The loop fallback for a primitive without a batching rule

@pytest.fixture
def no_rule_primitive():
    """A throwaway primitive with abstract_eval and lowering rules but no batching rule:
    ``scaled_outer(x, y, scale=s) = s * outer(x, y)`` for vectors x and y."""
    prim = core.Primitive("scaled_outer")

    def abstract_eval(x, y, *, scale):
        return ShapedArray(x.shape + y.shape, x.dtype)

    def lower(x, y, *, scale):
        return jlax.mul(jnp.outer(x, y), np.array(scale, x.dtype))

    core.abstract_eval_rules[prim] = abstract_eval
    core.lowering_rules[prim] = lower
    assert prim not in core.batch_rules
    yield prim, lower
    del core.abstract_eval_rules[prim], core.lowering_rules[prim]


def _fallback_warnings(record):
    return [w for w in record if issubclass(w.category, RuntimeWarning)
            and "scaled_outer" in str(w.message)]


FALLBACK_CASES = [
    # id, in_axes, out_axes, xs, ys (mapped arrays have B = 3 along their axis)
    ("in0-out0", (0, 0), 0, x34, x34),
    ("in1-out-1", (1, 1), -1, x43, x43),
    ("unmapped_y-out1", (0, None), 1, x34, x3),
    ("unmapped_x-out1", (None, -1), 1, x4, x43),
]


@pytest.mark.parametrize("in_axes,out_axes,xs,ys", [c[1:] for c in FALLBACK_CASES],
                         ids=[c[0] for c in FALLBACK_CASES])
def test_fallback_loop_warns_once_and_is_right(no_rule_primitive, in_axes, out_axes, xs, ys):
    prim, lower = no_rule_primitive
    f = lambda x, y: lax.sin(core.bind(prim, x, y, scale=2.0))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = zenax.vmap(f, in_axes=in_axes, out_axes=out_axes)(xs, ys)
        again = zenax.vmap(f, in_axes=in_axes, out_axes=out_axes)(xs, ys)
    [warning] = _fallback_warnings(record)
    assert "no batching rule" in str(warning.message)
    assert_same(out, again, **TOL, check_weak_type=False)
    expected = jax.vmap(lambda x, y: jnp.sin(lower(x, y, scale=2.0)), in_axes, out_axes)(xs, ys)
    assert_same(out, expected, **TOL, check_weak_type=False)
    assert_same(out, _stack_loop(f, (xs, ys), in_axes, out_axes, B), **TOL, check_weak_type=False)


def test_fallback_loop_in_a_jaxpr_typechecks(no_rule_primitive):
    prim, lower = no_rule_primitive
    f = zenax.vmap(lambda x, y: core.bind(prim, x, y, scale=0.5), in_axes=(1, None))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        closed = zenax.make_jaxpr(f)(x43, x4)
    assert len(_fallback_warnings(record)) == 1
    assert zenax.typecheck_jaxpr(closed) is None
    assert [e.primitive.name for e in closed.eqns].count("scaled_outer") == B
    [out] = zenax.eval_jaxpr(closed.jaxpr, closed.consts, x43, x4)
    assert_same(out, jax.vmap(lambda x: lower(x, x4, scale=0.5), in_axes=1)(x43), **TOL,
                check_weak_type=False)


def test_fallback_loop_under_nested_vmap_and_jvp(no_rule_primitive):
    prim, lower = no_rule_primitive
    def jvp(primals, tangents, *, scale):    # bilinear
        (x, y), (x_dot, y_dot) = primals, [instantiate(t) for t in tangents]
        return core.bind(prim, x, y, scale=scale), lax.add(
            core.bind(prim, x_dot, y, scale=scale), core.bind(prim, x, y_dot, scale=scale))
    core.jvp_rules[prim] = jvp
    try:
        f = lambda x, y: lax.reduce_sum(lax.sin(core.bind(prim, x, y, scale=1.5)), (0, 1))
        g = lambda x, y: jnp.sum(jnp.sin(lower(x, y, scale=1.5)))
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            nested = zenax.vmap(zenax.vmap(f, in_axes=(0, None)), in_axes=(None, 0))(x34, x43)
            tangents = zenax.vmap(lambda x, t: zenax.jvp(lambda x: f(x, x3), (x,), (t,)))(
                x34, x34 * 2)
        assert len(_fallback_warnings(record)) == 1
        assert_same(nested, jax.vmap(jax.vmap(g, (0, None)), (None, 0))(x34, x43), **TOL,
                    check_weak_type=False)
        assert_same(tangents,
                    jax.vmap(lambda x, t: jax.jvp(lambda x: g(x, x3), (x,), (t,)))(x34, x34 * 2),
                    **TOL, check_weak_type=False)
    finally:
        del core.jvp_rules[prim]
