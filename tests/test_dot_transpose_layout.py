"""dot_general's transpose rule picks the operand order whose output already has the
operand's layout (no ``transpose`` after the dot when one order fits), with JAX's values
and JAX's per-operand precision.  JAX itself emits ``transpose(dot_general(ct, y))``, so
the jaxprs are compared structurally here, not with JAX's text."""
from __future__ import annotations

import jax
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from oracle import assert_same
from zenax import lax as zlax

jlax = jax.lax

# (lhs shape, rhs shape, dimension numbers, which operands' cotangents need a transpose).
CASES = [
    ((2, 3), (3, 4), (((1,), (0,)), ((), ())), ()),                        # dW: swapped
    ((2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,))), ()),               # batched
    ((3, 2, 4), (2, 4, 5), (((2,), (1,)), ((1,), (0,))), ("lhs",)),          # batch not leading
    ((2, 3, 4, 5), (3, 2, 5, 6), (((3,), (2,)), ((0, 1), (1, 0))), ()),     # batch pairs permuted
    ((4, 3), (3, 2, 4), (((0, 1), (2, 0)), ((), ())), ("lhs", "rhs")),      # contraction reordered
    ((4, 3, 5), (4, 3, 6), (((0, 1), (0, 1)), ((), ())), ()),               # two contracted
    ((3,), (4,), (((), ()), ((), ())), ()),                                 # outer
    ((3,), (3, 4), (((0,), (0,)), ((), ())), ()),                           # vector-matrix
]


def _operands(lhs_shape, rhs_shape, dtype=np.float32):
    rng = np.random.default_rng(0)
    return (rng.standard_normal(lhs_shape).astype(dtype),
            rng.standard_normal(rhs_shape).astype(dtype))


def _transposes(fun, *args) -> int:
    return sum(e.primitive.name == "transpose" for e in zenax.make_jaxpr(fun)(*args).jaxpr.eqns)


@pytest.mark.parametrize("lhs_shape,rhs_shape,dn,transposed", CASES)
def test_cotangents_match_jax_and_skip_the_transpose(lhs_shape, rhs_shape, dn, transposed):
    x, y = _operands(lhs_shape, rhs_shape)
    z_out, z_vjp = zenax.vjp(lambda a, b: zlax.dot_general(a, b, dn), x, y)
    j_out, j_vjp = jax.vjp(lambda a, b: jlax.dot_general(a, b, dn), x, y)
    ct = np.random.default_rng(1).standard_normal(j_out.shape).astype(np.float32)
    assert_same(z_vjp(ct), j_vjp(ct))

    def lhs_cotangent(a, b, c):
        return zenax.vjp(lambda a: zlax.dot_general(a, b, dn), a)[1](c)

    def rhs_cotangent(a, b, c):
        return zenax.vjp(lambda b: zlax.dot_general(a, b, dn), b)[1](c)

    for name, cotangent in (("lhs", lhs_cotangent), ("rhs", rhs_cotangent)):
        assert _transposes(cotangent, x, y, ct) == (name in transposed), name


def test_weight_gradients_have_no_transpose():
    """The dW dots of a dense layer, of a dense layer on [batch, seq, features] and of
    per-example gradients come out in the weight's layout, and equal JAX's."""
    x, w = _operands((4, 5, 3), (3, 2))

    def loss(w, x):
        return znp.sum(znp.tanh(x @ w))

    def jloss(w, x):
        return jax.numpy.sum(jax.numpy.tanh(x @ w))

    assert _transposes(zenax.grad(loss), w, x) == 0
    assert_same(zenax.grad(loss)(w, x), jax.grad(jloss)(w, x))
    per_example = zenax.vmap(zenax.grad(loss), in_axes=(None, 0))
    assert _transposes(per_example, w, x) == 0
    assert_same(per_example(w, x), jax.vmap(jax.grad(jloss), in_axes=(None, 0))(w, x))


def test_swapped_dot_keeps_each_operands_precision_and_dtype():
    """With the operands exchanged the precision pair is exchanged too, so every operand
    keeps the precision JAX's rule gives it; a preferred dtype is cast back."""
    x, w = _operands((2, 3), (3, 4))
    prec = (jlax.Precision.HIGH, jlax.Precision.HIGHEST)
    ct = np.ones((2, 4), np.float32)

    def dw(x, w, c):
        return zenax.vjp(lambda b: zlax.dot_general(x, b, (((1,), (0,)), ((), ())),
                                                    precision=prec), w)[1](c)[0]

    jaxpr = zenax.make_jaxpr(dw)(x, w, ct).jaxpr
    eqn = [e for e in jaxpr.eqns if e.primitive.name == "dot_general"][-1]
    j_eqn = [e for e in jax.make_jaxpr(lambda x, w, c: jax.vjp(
        lambda b: jlax.dot_general(x, b, (((1,), (0,)), ((), ())), precision=prec),
        w)[1](c))(x, w, ct).jaxpr.eqns if e.primitive.name == "dot_general"][-1]
    assert eqn.invars[0] is jaxpr.invars[0]     # x first: the swapped order
    # JAX: dot_general(ct, x, precision=p) then transpose; zenax: dot_general(x, ct).
    assert eqn.params["precision"] == j_eqn.params["precision"][::-1]

    xb, wb = (a.astype(jax.numpy.bfloat16) for a in (x, w))
    cb = ct.astype(np.float32)
    z = zenax.vjp(lambda a, b: zlax.dot_general(a, b, (((1,), (0,)), ((), ())),
                                                preferred_element_type=np.float32), xb, wb)
    j = jax.vjp(lambda a, b: jlax.dot_general(a, b, (((1,), (0,)), ((), ())),
                                              preferred_element_type=np.float32), xb, wb)
    assert_same(z[1](cb), j[1](cb))
