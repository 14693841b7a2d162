"""No silent wrong answers: what JAX refuses, zenax refuses the same way.

- Converting a traced value to a Python number (``float(x)``, ``np.asarray(x)``,
  ``x.tolist()`` ...) under every transform, compared with JAX call by call: a conversion
  JAX allows (``bool``/``int``/``item`` of a value ``jvp`` knows) gives the same number, a
  conversion it refuses raises the same kind of error -- never a derivative silently
  dropped, as ``grad(lambda x: float(x) * x)`` once did.
- Rule outputs checked at the boundary: a ``custom_vjp`` ``bwd`` returning a cotangent of
  the wrong shape, a loop body changing its carry's type, ``vmap``'s ``out_axes``.
- Pytrees deeper than Python's recursion limit, a bad custom flatten function, and the
  error kinds the reliability issue listed (``reshape`` with ``-2``, a static
  out-of-bounds index under ``jit``, ``jnp.array`` of a large ``uint32``, shapes from
  traced values).
"""
from __future__ import annotations

import operator
import types

import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp

ZX = types.SimpleNamespace(np=znp, lax=zenax.lax, jit=zenax.jit, vmap=zenax.vmap,
                           grad=zenax.grad, jvp=zenax.jvp, linearize=zenax.linearize,
                           custom_vjp=zenax.custom_vjp, tree=zenax.tree_util)
JX = types.SimpleNamespace(np=jjnp, lax=jax.lax, jit=jax.jit, vmap=jax.vmap, grad=jax.grad,
                           jvp=jax.jvp, linearize=jax.linearize, custom_vjp=jax.custom_vjp,
                           tree=jax.tree_util)


def _outcome(thunk):
    try:
        return "value", thunk()
    except Exception as e:  # noqa: BLE001 -- the exception is the outcome compared
        return "error", e


def _assert_same_outcome(run):
    """``run(lib)`` under JAX and zenax: equal values, or errors of the same kind."""
    (jk, j), (zk, z) = _outcome(lambda: run(JX)), _outcome(lambda: run(ZX))
    assert jk == zk, f"JAX: {jk} {j!r}; zenax: {zk} {z!r}"
    if jk == "error":
        kinds = (TypeError, ValueError, IndexError, RuntimeError, OverflowError)
        assert any(isinstance(j, k) and isinstance(z, k) for k in kinds), (j, z)
        return j, z
    for a, b in zip(jax.tree_util.tree_leaves(j), zenax.tree_util.tree_leaves(z)):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-6)
    return j, z


# ## Python conversions of traced values, under each transform

CONVERSIONS = {
    "float": float, "int": int, "bool": bool, "complex": complex,
    "index": lambda x: operator.index(x.astype("int32")),
    "item": lambda x: x.item(), "tolist": lambda x: x.tolist(), "np.asarray": np.asarray,
}
TRANSFORMS = {
    "grad": lambda lib, f: lib.grad(lambda x: f(x) * x)(3.0),
    "jvp": lambda lib, f: lib.jvp(lambda x: f(x) * x, (3.0,), (1.0,)),
    "linearize": lambda lib, f: lib.linearize(lambda x: f(x) * x, 3.0)[0],
    "jit": lambda lib, f: lib.jit(lambda x: f(x) * x)(3.0),
    "vmap": lambda lib, f: lib.vmap(lambda x: f(x) * x)(lib.np.ones(2)),
    "jit_of_grad": lambda lib, f: lib.jit(lib.grad(lambda x: f(x) * x))(3.0),
    "grad_of_vmap": lambda lib, f: lib.grad(
        lambda x: lib.np.sum(lib.vmap(lambda y: f(y) * y)(x * lib.np.ones(2))))(3.0),
}


@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("conversion", list(CONVERSIONS))
def test_conversion_of_traced_value_matches_jax(conversion, transform):
    convert = CONVERSIONS[conversion]
    _assert_same_outcome(lambda lib: TRANSFORMS[transform](lib, convert))


def test_grad_of_float_conversion_is_refused_not_silently_wrong():
    """The symptoms that started this: each used to return a number (3.0, 0.0, ...)."""
    for thunk in (lambda: zenax.grad(lambda x: float(x) * x)(3.0),
                  lambda: zenax.grad(lambda x: float(x) * 2)(1.0),
                  lambda: zenax.jvp(lambda x: float(x) * 2.0, (1.0,), (1.0,))):
        with pytest.raises(zenax.ConcretizationTypeError, match="float"):
            thunk()


def test_concretization_error_names_the_argument_and_the_fix():
    def loss(params, x):
        return x * 2 if float(params["w"][0]) > 0 else x

    with pytest.raises(zenax.ConcretizationTypeError) as info:
        zenax.jit(loss)({"w": znp.ones(2), "b": 1.0}, 2.0)
    message = str(info.value)
    assert "params['w']" in message and "loss" in message and "jit" in message
    assert "test_reliability.py" in message            # the user's line
    assert "static_argnums" in message and "lax.cond" in message


def test_python_control_flow_on_known_values_still_differentiates():
    """What JAX allows keeps working: ``if x > 0`` under grad of a concrete input."""
    f = lambda x: x ** 2 if x > 0 else -x      # noqa: E731
    assert float(zenax.grad(f)(3.0)) == float(jax.grad(f)(3.0)) == 6.0
    assert float(zenax.grad(f)(-3.0)) == float(jax.grad(f)(-3.0)) == -1.0


# ## Rule outputs checked at the boundary

def _custom_vjp_with_bwd(lib, bwd_out):
    @lib.custom_vjp
    def f(x):
        return lib.np.sin(x)
    f.defvjp(lambda x: (lib.np.sin(x), x), lambda x, g: bwd_out(lib))
    return lambda x: lib.np.sum(f(x))


@pytest.mark.parametrize("case", ["wrong_shape", "not_a_tuple", "too_many", "int_dtype"])
def test_custom_vjp_bwd_output_is_checked_as_in_jax(case):
    bwd_out = {
        "wrong_shape": lambda lib: (lib.np.ones(5),),
        "not_a_tuple": lambda lib: lib.np.ones(3),
        "too_many": lambda lib: (lib.np.ones(3), lib.np.ones(3)),
        "int_dtype": lambda lib: (lib.np.ones(3, "int32"),),
    }[case]
    j, z = _assert_same_outcome(
        lambda lib: lib.grad(_custom_vjp_with_bwd(lib, bwd_out))(lib.np.ones(3)))
    if case == "wrong_shape":
        assert "output[0]" in str(z) and "f32[5]" in str(z) and "bwd" in str(z)


@pytest.mark.parametrize("case", ["scan_carry_dtype", "scan_carry_shape", "while_carry",
                                  "cond_branches", "out_axes_structure", "out_axes_range"])
def test_loop_bodies_and_out_axes_are_checked_as_in_jax(case):
    run = {
        "scan_carry_dtype": lambda lib: lib.lax.scan(
            lambda c, x: (c.astype("int32"), x), 0.0, lib.np.ones(3)),
        "scan_carry_shape": lambda lib: lib.lax.scan(
            lambda c, x: (lib.np.ones(2), x), 0.0, lib.np.ones(3)),
        "while_carry": lambda lib: lib.lax.while_loop(lambda c: c < 3, lambda c: (c, c), 0),
        "cond_branches": lambda lib: lib.lax.cond(
            True, lambda: lib.np.ones(2), lambda: lib.np.ones(3)),
        "out_axes_structure": lambda lib: lib.vmap(lambda x: (x, x), out_axes=(0,))(
            lib.np.ones(3)),
        "out_axes_range": lambda lib: lib.vmap(lambda x: x, out_axes=2)(lib.np.ones(3)),
    }[case]
    kind, _ = _outcome(lambda: run(ZX))
    assert kind == "error"
    _assert_same_outcome(run)


# ## Pytrees

def _nested(depth, leaf=1):
    t = leaf
    for _ in range(depth):
        t = [t]
    return t


@pytest.mark.parametrize("depth", [700, 5000])
def test_pytrees_deeper_than_the_recursion_limit(depth):
    tree = _nested(depth)
    leaves, treedef = zenax.tree_util.tree_flatten(tree)
    assert leaves == [1] and treedef.num_nodes == depth + 1
    rebuilt = zenax.tree_util.tree_unflatten(treedef, [2])
    for _ in range(depth):              # (Python's own == on it would recurse)
        assert type(rebuilt) is list and len(rebuilt) == 1
        rebuilt = rebuilt[0]
    assert rebuilt == 2
    assert zenax.tree_util.tree_structure(_nested(depth, 3)) == treedef
    assert hash(zenax.tree_util.tree_structure(_nested(depth, 3))) == hash(treedef)
    assert zenax.tree_util.tree_leaves(zenax.tree_util.tree_map(lambda x: x + 1, tree)) == [2]
    assert float(zenax.jit(lambda t: zenax.tree_util.tree_leaves(t)[0] * 2.0)(tree)) == 2.0
    if depth <= 700:                     # JAX's C++ flattening stops near 1,000 levels
        assert jax.tree_util.tree_leaves(tree) == leaves


def test_a_tree_that_contains_itself_is_a_recursion_error():
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(RecursionError, match="contains itself"):
        zenax.tree_util.tree_leaves(cyclic)


def test_custom_node_whose_flatten_is_not_a_pair_is_named():
    class Box:
        def __init__(self, v):
            self.v = v

    def box_flatten(b):
        return [b.v]                       # should be ([b.v], None)
    zenax.tree_util.register_pytree_node(Box, box_flatten, lambda aux, c: Box(*c))
    with pytest.raises(ValueError, match=r"Box.*box_flatten.*pair \(children, aux_data\)"):
        zenax.tree_util.tree_leaves(Box(1))


# ## Error kinds, as JAX's

@pytest.mark.parametrize("case", [
    "reshape_minus_two", "reshape_two_unknowns", "reshape_wrong_size",
    "jit_static_index_clamps", "jit_negative_index_clamps", "vmap_static_index_clamps",
    "uint32_max", "int8_overflow", "shape_from_traced_value", "ones_of_traced_size",
    "empty_axis_index", "concatenate_bad_axis", "take_float_indices", "clip_complex",
    "broadcast_ranks_differ", "broadcast_ranks_equal", "cumsum_of_scalar_axis",
])
def test_error_kinds_match_jax(case):
    x = np.arange(6.0, dtype=np.float32)
    run = {
        "reshape_minus_two": lambda lib: lib.np.reshape(lib.np.asarray(x), (-2, 3)),
        "reshape_two_unknowns": lambda lib: lib.np.reshape(lib.np.asarray(x), (-1, -1)),
        "reshape_wrong_size": lambda lib: lib.np.reshape(lib.np.asarray(x), (4,)),
        "jit_static_index_clamps": lambda lib: lib.jit(lambda a: a[10])(lib.np.arange(3)),
        "jit_negative_index_clamps": lambda lib: lib.jit(lambda a: a[-10])(lib.np.arange(3)),
        "vmap_static_index_clamps": lambda lib: lib.vmap(lambda a: a[10])(lib.np.ones((2, 3))),
        "uint32_max": lambda lib: lib.np.array(4294967295, lib.np.uint32),
        "int8_overflow": lambda lib: lib.np.array(300, lib.np.int8),
        "shape_from_traced_value": lambda lib: lib.jit(
            lambda a: a.reshape(lib.np.array(a.shape).prod()))(lib.np.ones((2, 3))),
        "ones_of_traced_size": lambda lib: lib.jit(lambda n: lib.np.ones(n))(3),
        "empty_axis_index": lambda lib: lib.jit(lambda a: a[0])(lib.np.ones((0, 3))),
        "concatenate_bad_axis": lambda lib: lib.np.concatenate(
            [lib.np.ones((1, 3)), lib.np.ones((2, 3, 4))], axis=-3),
        "take_float_indices": lambda lib: lib.np.take(lib.np.ones(3), lib.np.ones(2)),
        "clip_complex": lambda lib: lib.np.clip(lib.np.ones(2, "complex64"), 0, 1),
        "broadcast_ranks_differ": lambda lib: lib.np.add(lib.np.ones((2, 3)), lib.np.ones(4)),
        "broadcast_ranks_equal": lambda lib: lib.np.add(lib.np.ones(3), lib.np.ones(4)),
        "cumsum_of_scalar_axis": lambda lib: lib.np.cumsum(lib.np.float32(1.0), 0),
    }[case]
    _assert_same_outcome(run)
