"""Every zenax.lax primitive against jax.lax, driven by the spec table (spec_table.py).

For each ``(spec, case, dtype)``:

* eager: ``zenax.lax.f(*args)`` equals ``jax.lax.f(*args)`` (value, dtype, shape, weak type);
* jaxpr: ``eval_jaxpr(make_jaxpr(f))`` equals JAX's result;
* typecheck: ``typecheck_jaxpr`` passes and the jaxpr's avals are the right ones;
* structure: our jaxpr has JAX's primitives in JAX's order, with JAX's output avals and
  JAX's values for every param we record.

Then weak-typed Python scalars (eagerly and as jaxpr literals) and the errors users meet:
shape and dtype mismatches, and Python ``if`` on a tracer.
"""
import enum
import os
import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
from zenax import lax
from zenax.tracer.ir import Literal
from jax.extend.core import Literal as JaxLiteral

from oracle import assert_same
from spec import instances
from spec_table import SPECS

INSTANCES = list(instances(SPECS))
IDS = [i[3] for i in INSTANCES]
# The rows whose oracle is the same jax.lax program, so the jaxprs compare op by op.
SAME_JAXPR = [i for i in INSTANCES if i[0].same_jaxpr]
THIS_FILE = os.path.basename(__file__)


# ## Helpers

_cache: dict = {}


def _setup(spec, case, dtype, test_id):
    """Operands, params and JAX's eager result for one instance (computed once)."""
    if test_id not in _cache:
        rng = np.random.RandomState(zlib.crc32(test_id.encode()))
        args = spec.args(rng, case, dtype)
        params = spec.params(case, dtype)
        expected = spec.jfun(*args, **params)
        _cache[test_id] = args, params, expected
    return _cache[test_id]


def _zenax_jaxpr(spec, params, args):
    return zenax.make_jaxpr(lambda *xs: spec.zfun(*xs, **params))(*args)


PARAM_SPELLINGS: dict = {}   # (primitive, param) -> normalizer, for spellings that differ


def canonical_param(value):
    """A form of a param value that compares equal across zenax and JAX."""
    if isinstance(value, (tuple, list)):
        return tuple(canonical_param(v) for v in value)
    if isinstance(value, enum.Enum):
        return (type(value).__name__, value.name)
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    return value


def aval_key(aval):
    return tuple(aval.shape), np.dtype(aval.dtype).name, bool(aval.weak_type)


def assert_same_structure(ours, theirs):
    """Same primitives in the same order, same output avals, and every param we record
    has JAX's value (JAX may record more, e.g. ``sharding``, ``accuracy``)."""
    assert [e.primitive.name for e in ours.eqns] == [e.primitive.name for e in theirs.eqns], \
        f"\nzenax:\n{ours}\njax:\n{theirs}"
    for ours_eqn, jax_eqn in zip(ours.eqns, theirs.eqns):
        name = ours_eqn.primitive.name
        assert [aval_key(v.aval) for v in ours_eqn.outvars] == \
            [aval_key(v.aval) for v in jax_eqn.outvars], name
        assert len(ours_eqn.invars) == len(jax_eqn.invars), name
        for key, value in ours_eqn.params.items():
            assert key in jax_eqn.params, f"{name}: param {key!r} is not one of JAX's " \
                                          f"{sorted(jax_eqn.params)}"
            spell = PARAM_SPELLINGS.get((name, key), lambda v, eqn: v)
            ours_value, jax_value = spell(value, ours_eqn), spell(jax_eqn.params[key], jax_eqn)
            assert canonical_param(ours_value) == canonical_param(jax_value), \
                f"{name}: {key}={value!r}, JAX has {jax_eqn.params[key]!r}"
    assert [aval_key(a) for a in ours.in_avals] == [aval_key(v.aval) for v in theirs.jaxpr.invars]
    assert [aval_key(a) for a in ours.out_avals] == [aval_key(a) for a in theirs.out_avals]


def test_table_covers_every_primitive():
    """Every primitive declared in lax/ has a spec that binds it (checked via JAX's
    names: the spec names plus what their wrappers bind)."""
    from zenax.lax import elementwise, matmul, reductions, shapes
    from zenax.tracer.core import Primitive
    declared = {v.name for m in (elementwise, shapes, reductions, matmul)
                for v in vars(m).values() if isinstance(v, Primitive)}
    bound, seen = set(), set()
    for spec, case, dtype, test_id in INSTANCES:
        # One case per row and dtype: which primitives a wrapper binds depends on those,
        # not on the shapes (and JAX's results are not needed here).
        if (spec.name, dtype) in seen:
            continue
        seen.add((spec.name, dtype))
        rng = np.random.RandomState(zlib.crc32(test_id.encode()))
        args, params = spec.args(rng, case, dtype), spec.params(case, dtype)
        bound |= {e.primitive.name for e in _zenax_jaxpr(spec, params, args).eqns}
    assert declared - bound == set()
    assert len(declared) >= 75


# ## Per-primitive checks

@pytest.mark.parametrize("spec,case,dtype,test_id", INSTANCES, ids=IDS)
def test_eager_matches_jax(spec, case, dtype, test_id):
    args, params, expected = _setup(spec, case, dtype, test_id)
    out = spec.zfun(*args, **params)
    # A jax.Array wherever JAX gives one (JAX's stop_gradient hands back NumPy-like input).
    assert isinstance(out, jax.Array) == isinstance(expected, jax.Array), type(out)
    assert_same(out, expected, tol=spec.tol)


@pytest.mark.parametrize("spec,case,dtype,test_id", INSTANCES, ids=IDS)
def test_eval_jaxpr_matches_jax(spec, case, dtype, test_id):
    args, params, expected = _setup(spec, case, dtype, test_id)
    closed = _zenax_jaxpr(spec, params, args)
    outs = zenax.eval_jaxpr(closed.jaxpr, closed.consts, *args)
    assert len(outs) == 1
    assert_same(outs[0], expected, tol=spec.tol, check_weak_type=False)


@pytest.mark.parametrize("spec,case,dtype,test_id", INSTANCES, ids=IDS)
def test_typecheck_jaxpr(spec, case, dtype, test_id):
    args, params, expected = _setup(spec, case, dtype, test_id)
    closed = _zenax_jaxpr(spec, params, args)
    assert zenax.typecheck_jaxpr(closed) is None
    assert [(a.shape, a.dtype) for a in closed.in_avals] == \
        [(np.shape(x), np.dtype(x.dtype)) for x in args]
    [out] = closed.out_avals
    assert (out.shape, out.dtype) == (expected.shape, np.dtype(expected.dtype))


@pytest.mark.parametrize("spec,case,dtype,test_id", SAME_JAXPR, ids=[i[3] for i in SAME_JAXPR])
def test_jaxpr_structure_matches_jax(spec, case, dtype, test_id):
    args, params, _ = _setup(spec, case, dtype, test_id)
    ours = _zenax_jaxpr(spec, params, args)
    theirs = jax.make_jaxpr(lambda *xs: spec.jfun(*xs, **params))(*args)
    assert_same_structure(ours, theirs)


# ## Weak-typed Python scalars

x23 = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
i23 = np.arange(6, dtype=np.int32).reshape(2, 3) - 2

WEAK_CASES = [
    ("add", lambda L, x: L.add(x, 2.0), x23),
    ("add_left", lambda L, x: L.add(2.0, x), x23),
    ("sub_scalar_array", lambda L, x: L.sub(x, 1.5), np.float32(3.0)),
    ("mul_int", lambda L, x: L.mul(x, 3), i23),
    ("div", lambda L, x: L.div(x, 4.0), x23),
    ("max", lambda L, x: L.max(x, 0.0), x23),
    ("pow", lambda L, x: L.pow(x, 2.0), x23),
    ("atan2", lambda L, x: L.atan2(1.0, x), x23),
    ("lt", lambda L, x: L.lt(x, 0.5), x23),
    ("eq_int", lambda L, x: L.eq(x, 1), i23),
    ("clamp", lambda L, x: L.clamp(-1.0, x, 1.0), x23),
    ("shift_left", lambda L, x: L.shift_left(x, 2), i23),
    ("both_weak", lambda L, x: L.add(L.mul(x, 0.0), L.add(2.0, 3.0)), x23),
]


@pytest.mark.parametrize("fun,x", [c[1:] for c in WEAK_CASES], ids=[c[0] for c in WEAK_CASES])
def test_weak_scalar_operand_eager(fun, x):
    expected = fun(jax.lax, x)
    out = fun(lax, x)
    assert isinstance(out, jax.Array)
    assert_same(out, expected, rtol=0, atol=0)


@pytest.mark.parametrize("fun,x", [c[1:] for c in WEAK_CASES], ids=[c[0] for c in WEAK_CASES])
def test_weak_scalar_operand_jaxpr(fun, x):
    ours = zenax.make_jaxpr(lambda x: fun(lax, x))(x)
    theirs = jax.make_jaxpr(lambda x: fun(jax.lax, x))(x)
    assert_same_structure(ours, theirs)
    assert str(ours) == str(theirs)
    # Python scalars appear as weakly typed literals, where JAX has them.
    for ours_eqn, jax_eqn in zip(ours.eqns, theirs.eqns):
        for a, b in zip(ours_eqn.invars, jax_eqn.invars):
            assert isinstance(a, Literal) == isinstance(b, JaxLiteral)
            if isinstance(a, Literal):
                assert a.val == b.val and aval_key(a.aval) == aval_key(b.aval)
    [out] = zenax.eval_jaxpr(ours.jaxpr, ours.consts, x)
    assert_same(out, fun(jax.lax, x), rtol=0, atol=0, check_weak_type=False)


def test_add_python_float_literal_prints_as_f32():
    closed = zenax.make_jaxpr(lambda x: lax.add(x, 2.0))(np.ones(3, np.float32))
    [eqn] = closed.eqns
    literal = eqn.invars[1]
    assert isinstance(literal, Literal)
    assert literal.val == 2.0 and literal.aval.dtype == np.float32 and literal.aval.weak_type
    assert "add a 2.0:f32[]" in str(closed)
    assert not eqn.outvars[0].aval.weak_type


def test_weak_typed_argument_stays_weak():
    ours = zenax.make_jaxpr(lambda x: lax.mul(x, 3.0))(2.0)
    theirs = jax.make_jaxpr(lambda x: jax.lax.mul(x, 3.0))(2.0)
    assert ours.in_avals[0].weak_type and ours.out_avals[0].weak_type
    assert_same_structure(ours, theirs)


# ## Errors

def test_shape_mismatch_names_op_shapes_and_user_line():
    def f(x, y):
        return lax.add(x, y)
    line = f.__code__.co_firstlineno + 1
    with pytest.raises(TypeError) as info:
        zenax.make_jaxpr(f)(np.ones(3, np.float32), np.ones(4, np.float32))
    msg = str(info.value)
    assert "add" in msg and "(3,)" in msg and "(4,)" in msg
    assert f"{THIS_FILE}:{line}" in msg


def test_shape_mismatch_of_constants_points_at_user_line():
    def f(x):
        return lax.add(jnp.ones(3), jnp.ones(4))
    line = f.__code__.co_firstlineno + 1
    with pytest.raises(TypeError) as info:
        zenax.make_jaxpr(f)(1.0)
    msg = str(info.value)
    assert "add" in msg and "(3,)" in msg and "(4,)" in msg
    assert f"{THIS_FILE}:{line}" in msg


def test_shape_mismatch_eager_raises_type_error():
    with pytest.raises(TypeError, match="add"):
        lax.add(jnp.ones(3), jnp.ones(4))


def test_float_to_integer_only_op_names_op_and_dtype():
    def f(x):
        return lax.shift_left(x, x)
    line = f.__code__.co_firstlineno + 1
    with pytest.raises(TypeError) as info:
        zenax.make_jaxpr(f)(np.ones(3, np.float32))
    msg = str(info.value)
    assert "shift_left" in msg and "float32" in msg
    assert f"{THIS_FILE}:{line}" in msg
    with pytest.raises(TypeError, match="shift_left.*float32"):
        lax.shift_left(jnp.ones(3), jnp.ones(3))


# (primitive name, function, operand, dtype named) that JAX rejects with a TypeError;
# zenax must too, naming the primitive and the dtype.
BAD_DTYPES = [
    ("log", lambda L, x: L.log(x), np.ones(3, np.int32), "int32"),
    ("pow", lambda L, x: L.pow(x, x), np.ones(3, np.int32), "int32"),
    ("and", lambda L, x: L.bitwise_and(x, x), np.ones(3, np.float32), "float32"),
    ("population_count", lambda L, x: L.population_count(x), np.ones(3, np.float32), "float32"),
    ("lt", lambda L, x: L.lt(x, x), np.ones(3, np.complex64), "complex64"),
    ("erf", lambda L, x: L.erf(x), np.ones(3, np.complex64), "complex64"),
    ("real", lambda L, x: L.real(x), np.ones(3, np.float32), "float32"),
    ("complex", lambda L, x: L.complex(x, x), np.ones(3, jnp.bfloat16), "bfloat16"),
    ("add", lambda L, x: L.add(x, np.ones(3, np.int32)), np.ones(3, np.float32), "int32"),
    ("reduce_and", lambda L, x: L.reduce_and(x, (0,)), np.ones(3, np.float32), "float32"),
]


@pytest.mark.parametrize("name,fun,x,dtype_name", BAD_DTYPES, ids=[b[0] for b in BAD_DTYPES])
def test_bad_dtype_raises_type_error_like_jax(name, fun, x, dtype_name):
    with pytest.raises(TypeError):
        jax.make_jaxpr(lambda x: fun(jax.lax, x))(x)
    with pytest.raises(TypeError) as info:
        zenax.make_jaxpr(lambda x: fun(lax, x))(x)
    assert name in str(info.value) and dtype_name in str(info.value)


def test_python_if_on_tracer_raises_bool_conversion_error_at_the_if():
    import zenax.numpy  # noqa: F401  (installs the operators, `>` included, on tracers)

    def f(x):
        if x > 0:
            return x
        return -x
    line = f.__code__.co_firstlineno + 1
    with pytest.raises(zenax.TracerBoolConversionError) as info:
        zenax.make_jaxpr(f)(np.ones((), np.float32))
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, zenax.ConcretizationTypeError)
    msg = str(info.value)
    assert f"{THIS_FILE}:{line}" in msg
    assert "bool[]" in msg


def test_bool_of_lax_comparison_raises_at_the_if():
    def f(x):
        if lax.gt(x, 0.0):
            return x
        return lax.neg(x)
    line = f.__code__.co_firstlineno + 1
    with pytest.raises(zenax.TracerBoolConversionError) as info:
        zenax.make_jaxpr(f)(np.ones(3, np.float32))
    assert f"{THIS_FILE}:{line}" in str(info.value) and "bool[3]" in str(info.value)


def test_typecheck_rejects_a_wrong_annotation():
    closed = zenax.make_jaxpr(lambda x: lax.sin(x))(np.ones(3, np.float32))
    closed.eqns[0].outvars[0].aval = zenax.tracer.ShapedArray((4,), np.float32)
    with pytest.raises(zenax.tracer.JaxprTypeError, match="sin"):
        zenax.typecheck_jaxpr(closed)


def test_spec_table_is_well_formed():
    for spec in SPECS:
        assert spec.cases and spec.dtypes, spec.name
        assert all(spec.dtypes_for(c) for c in spec.cases), spec.name
        assert not (spec.linear and not spec.differentiable), spec.name
        assert all(0 <= i for i in spec.linear_in), spec.name
