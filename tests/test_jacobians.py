"""``jacfwd``, ``jacrev``, ``hessian`` and ``jacobian(mode=...)`` against JAX's.

The programs (an MLP loss, softmax cross-entropy, pytree parameters) come from
lax_programs.py and run with ``zenax.lax`` under zenax and ``jax.lax`` under JAX.
"""
import jax
import numpy as np
import pytest

import zenax
from zenax import lax
from zenax.transforms import mode_costs

from lax_programs import (mlp_data, mlp_dict_data, mlp_loss, mlp_loss_dict,
                          softmax_cross_entropy, softmax_data)
from oracle import assert_same

jlax = jax.lax


# Where a test names no tolerance.
TOL = dict(rtol=2e-5, atol=2e-5)


def both(fun):
    """``fun`` written against a lax module, as (zenax function, jax function)."""
    return (lambda *a, **k: fun(lax, *a, **k)), (lambda *a, **k: fun(jlax, *a, **k))


def _vector_fn(L, x, y):
    """R^3 x R^2 -> R^2 x R^3 (as a dict), nonlinear in both arguments."""
    s = L.reduce_sum(L.mul(L.sin(x), L.exp(x)), (0,))
    return {"a": L.mul(L.tanh(y), s),
            "b": L.add(L.mul(x, L.reduce_prod(y, (0,))), L.integer_pow(x, 2))}


def _vector_data():
    rng = np.random.RandomState(3)
    return (rng.standard_normal(3).astype(np.float32),
            rng.standard_normal(2).astype(np.float32))


# name: (program, args)
PROGRAMS = {
    "mlp": (mlp_loss, mlp_data()),
    "mlp_dict_params": (mlp_loss_dict, mlp_dict_data()),
    "softmax_xent": (softmax_cross_entropy, softmax_data()),
    "vector_to_dict": (_vector_fn, _vector_data()),
}
JACOBIAN_CASES = [(name, argnums) for name in PROGRAMS for argnums in (0, 1, (0, 1))]


@pytest.mark.parametrize("name,argnums", JACOBIAN_CASES,
                         ids=[f"{n}-argnums{a}" for n, a in JACOBIAN_CASES])
@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobian_matches_jax(jac, name, argnums):
    fun, args = PROGRAMS[name]
    zf, jf = both(fun)
    out = getattr(zenax, jac)(zf, argnums)(*args)
    assert_same(out, getattr(jax, jac)(jf, argnums)(*args), rtol=1e-5, atol=1e-5)


# (The first case is the one CI samples: the cheapest to compile.)
HESSIAN_CASES = [("softmax_xent", (0, 1)), ("mlp", 0), ("mlp_dict_params", 1),
                 ("softmax_xent", 0)]


@pytest.mark.parametrize("name,argnums", HESSIAN_CASES,
                         ids=[f"{n}-argnums{a}" for n, a in HESSIAN_CASES])
def test_hessian_matches_jax(name, argnums):
    fun, args = PROGRAMS[name]
    zf, jf = both(fun)
    assert_same(zenax.hessian(zf, argnums)(*args), jax.hessian(jf, argnums)(*args), rtol=1e-4,
                atol=1e-4)


def test_hessian_of_scalar_function_and_its_jaxpr():
    zf, jf = both(lambda L, x: L.reduce_sum(L.mul(L.sin(x), L.integer_pow(x, 3)), (0,)))
    x = np.linspace(-1, 1, 4).astype(np.float32)
    assert_same(zenax.hessian(zf)(x), jax.hessian(jf)(x), rtol=1e-5, atol=1e-5)
    closed = zenax.make_jaxpr(zenax.hessian(zf))(x)
    assert zenax.typecheck_jaxpr(closed) is None
    assert_same(closed(x)[0], jax.hessian(jf)(x), rtol=1e-5, atol=1e-5)


def _with_aux(L, x, y):
    out = _vector_fn(L, x, y)
    return out, {"sum_b": L.reduce_sum(out["b"], (0,))}


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobian_has_aux(jac):
    zf, jf = both(_with_aux)
    args = _vector_data()
    j, aux = getattr(zenax, jac)(zf, (0, 1), has_aux=True)(*args)
    j_j, j_aux = getattr(jax, jac)(jf, (0, 1), has_aux=True)(*args)
    assert_same((j, aux), (j_j, j_aux), rtol=1e-5, atol=1e-5)


def _holomorphic(L, z):
    return L.add(L.mul(z, L.sin(z)), L.exp(L.mul(z, z)))


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_holomorphic_jacobian(jac):
    zf, jf = both(_holomorphic)
    z = np.array([0.5 + 0.25j, -1.0 + 0.5j, 0.1j], np.complex64)
    assert_same(getattr(zenax, jac)(zf, holomorphic=True)(z),
                getattr(jax, jac)(jf, holomorphic=True)(z), rtol=1e-5, atol=1e-5)


def test_jacrev_allow_int():
    zf, jf = both(lambda L, x, n: L.mul(x, L.convert_element_type(n, np.float32)))
    x, n = np.ones(2, np.float32), np.arange(2, dtype=np.int32)
    assert_same(zenax.jacrev(zf, (0, 1), allow_int=True)(x, n),
                jax.jacrev(jf, (0, 1), allow_int=True)(x, n), **TOL)


# ## Errors, as JAX raises them

@pytest.mark.parametrize("jac", ["jacfwd", "jacrev", "hessian"])
def test_integer_input_is_a_type_error(jac):
    f = lambda L: (lambda x: L.convert_element_type(x, np.float32))
    with pytest.raises(TypeError):
        getattr(jax, jac)(f(jlax))(np.int32(1))
    with pytest.raises(TypeError, match=f"{jac.replace('hessian', 'jacfwd')} requires") as e:
        getattr(zenax, jac)(f(lax))(np.int32(1))
    assert "int32" in str(e.value)


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_complex_without_holomorphic_is_a_type_error(jac):
    # jacfwd rejects complex inputs, jacrev complex outputs, unless holomorphic=True.
    f = lambda L: (lambda z: L.mul(z, z))
    z = np.ones(2, np.complex64)
    with pytest.raises(TypeError):
        getattr(jax, jac)(f(jlax))(z)
    with pytest.raises(TypeError, match="holomorphic=True"):
        getattr(zenax, jac)(f(lax))(z)


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_holomorphic_needs_complex_values(jac):
    f = lambda L: (lambda x: L.mul(x, x))
    x = np.ones(2, np.float32)
    with pytest.raises(TypeError):
        getattr(jax, jac)(f(jlax), holomorphic=True)(x)
    with pytest.raises(TypeError, match="complex"):
        getattr(zenax, jac)(f(lax), holomorphic=True)(x)


# ## jacobian(mode="auto")

def _tall(L, x):
    """2 inputs -> 40 outputs: forward mode needs 2 passes, reverse mode 40."""
    grid = np.linspace(-1.0, 1.0, 20).astype(np.float32)
    outer = L.dot_general(x, grid, (((), ()), ((), ())))
    return L.mul(L.sin(outer), L.exp(L.broadcast_in_dim(x, (2, 20), (0,))))


def _wide(L, x):
    """40 inputs -> 2 outputs."""
    y = L.reshape(L.mul(L.sin(x), L.tanh(x)), (2, 20))
    return L.reduce_sum(L.mul(y, y), (1,))


AUTO_CASES = {"tall": (_tall, np.linspace(0.1, 0.9, 2).astype(np.float32), "fwd"),
              "wide": (_wide, np.linspace(-2, 2, 40).astype(np.float32), "rev")}


@pytest.mark.parametrize("fun,x,mode", list(AUTO_CASES.values()), ids=list(AUTO_CASES))
def test_jacobian_auto_picks_the_cheaper_mode(fun, x, mode):
    zf, jf = both(fun)
    costs = mode_costs(zf, x)
    n_out = int(np.prod(jax.eval_shape(jf, x).shape))
    assert (costs["n_in"], costs["n_out"]) == (x.size, n_out)
    assert (costs["forward"] < costs["reverse"]) == (mode == "fwd")
    jac = zenax.jacobian(zf, mode="auto")
    out = jac(x)
    assert jac.last_mode == mode
    assert_same(out, jax.jacfwd(jf)(x), rtol=1e-5, atol=1e-5)
    for explicit in ("fwd", "rev"):
        forced = zenax.jacobian(zf, mode=explicit)
        assert_same(forced(x), jax.jacfwd(jf)(x), rtol=1e-5, atol=1e-5)
        assert forced.last_mode == explicit


def _square(L, x):
    """8 inputs -> 8 outputs through two tanh layers: the same FLOPs in either mode."""
    w = np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8)
    h = L.tanh(L.dot_general(x, w, (((0,), (0,)), ((), ()))))
    return L.tanh(L.dot_general(h, w, (((0,), (1,)), ((), ()))))


def test_jacobian_auto_breaks_a_tie_toward_reverse_mode():
    """Reverse mode gives the rows, in the Jacobian's own [out, in] layout; forward mode
    the columns, to be transposed."""
    zf, jf = both(_square)
    x = np.linspace(0.1, 0.8, 8).astype(np.float32)
    costs = mode_costs(zf, x)
    assert costs["forward"] == costs["reverse"]
    jac = zenax.jacobian(zf, mode="auto")
    assert_same(jac(x), jax.jacrev(jf)(x), rtol=1e-5, atol=1e-5)
    assert jac.last_mode == "rev"


def test_jacobian_auto_with_argnums_and_has_aux():
    zf, jf = both(_with_aux)
    args = _vector_data()
    jac = zenax.jacobian(zf, argnums=(0, 1), has_aux=True, mode="auto")
    j, aux = jac(*args)
    assert jac.last_mode in ("fwd", "rev")
    assert_same((j, aux), jax.jacfwd(jf, (0, 1), has_aux=True)(*args), rtol=1e-5, atol=1e-5)


def test_jacobian_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        zenax.jacobian(lax.sin, mode="sideways")
