"""jnp.vectorize against jax.numpy's: the spec rows (eager, jit, jvp/vjp, vmap of
vectorized differentiable functions), then broadcasting of loop dimensions, gufunc
signatures with several inputs and outputs, ``excluded``, None arguments, that it maps
with vmap (no loop in the jaxpr), and JAX's errors."""
from __future__ import annotations

import doctest
import importlib

import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp

from jnp_spec_checks import spec_tests
from jnp_spec_table import _cases, _wrapped
from oracle import assert_same
from spec import f32

# (the module, by its path: `vectorize` is also the function it defines)
vectorize_module = importlib.import_module("zenax.lax.jnp.vectorization")


def _scalar(m):
    return lambda x, y: m.vectorize(lambda a, b: m.sin(a) * b + a)(x, y)


def _dot(m):
    return lambda x, y: m.vectorize(m.dot, signature="(n),(n)->()")(x, y)


def _matvec(m):
    return lambda a, x: m.vectorize(lambda a, x: a @ x, signature="(m,n),(n)->(m)")(a, x)


SPECS = [
    _wrapped("vectorize/scalar", _scalar, _cases(((3, 1), (4,)), ((2, 3), ())), (f32,),
             differentiable=True),
    _wrapped("vectorize/dot", _dot, _cases(((2, 1, 3), (4, 3)), ((3,), (3,))), (f32,),
             differentiable=True),
    _wrapped("vectorize/matvec", _matvec, _cases(((2, 3, 4), (4,))), (f32,),
             differentiable=True),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)

rng = np.random.RandomState(0)
X = rng.randn(2, 3).astype(np.float32)
V = rng.randn(3).astype(np.float32)


def _both(fun, *args):
    assert_same(fun(znp)(*args), fun(jnp)(*args))


def _same_error(fun, args, kind, match):
    with pytest.raises(kind):
        fun(jnp)(*args)
    with pytest.raises(kind, match=match):
        fun(znp)(*args)


def test_loop_dimensions_broadcast_like_jax():
    add = lambda m: m.vectorize(lambda a, b: a + b)
    _both(add, X, V)
    _both(add, X[:, :1], V)              # size 1 on one side: that side is not mapped
    _both(add, X[:1, :1], V[:1])         # size 1 everywhere: restored with expand_dims
    _both(add, 2.0, 3)                   # Python scalars keep their weak types
    _both(lambda m: m.vectorize(lambda a: a.shape), X)   # the function sees scalars


def test_signatures_with_several_inputs_and_outputs():
    stats = lambda m: m.vectorize(lambda x: (m.mean(x), m.max(x)), signature="(n)->(),()")
    _both(stats, X)
    outer = lambda m: m.vectorize(lambda a, b: m.outer(a, b), signature="(n),(k)->(n,k)")
    _both(outer, X, np.ones((4, 1, 2), np.float32))
    _both(lambda m: m.vectorize(lambda a: a[::-1], signature="(n)->(n)"), X)
    _both(lambda m: m.vectorize(lambda a: a * 2, signature="()->()"), X)


def test_excluded_arguments_and_keywords():
    scaled = lambda m: m.vectorize(lambda x, scale, shift: x * scale[0] + shift,
                                   excluded={1})
    _both(scaled, X, np.array([2.0, 9.0], np.float32), V)
    by_name = lambda m: lambda x: m.vectorize(lambda x, p=1: x ** p, excluded={"p"})(x, p=3)
    _both(by_name, X)


def test_keywords_not_excluded_are_passed_unmapped():
    # JAX drops them (a known bug); zenax passes them through, as if excluded.
    f = znp.vectorize(lambda x, y=1: x + y)
    assert_same(f(np.arange(3), y=10), jnp.arange(3) + 10)


def test_none_arguments_pass_through():
    f = lambda m: m.vectorize(lambda x, y: x if y is None else x + y)
    _both(f, X, None)


def test_it_maps_with_vmap_not_a_loop():
    f = znp.vectorize(znp.dot, signature="(n),(n)->()")
    text = str(zenax.make_jaxpr(f)(np.ones((5, 3), np.float32), V))
    assert "dot_general" in text and "scan" not in text and "while" not in text
    g = znp.vectorize(lambda a, b: a * b)
    assert_same(zenax.jit(g)(X, V), jnp.vectorize(lambda a, b: a * b)(X, V))


def test_wraps_the_function():
    def norm(x):
        """The Euclidean norm."""
        return znp.sqrt(znp.sum(x * x))
    f = znp.vectorize(norm, signature="(n)->()")
    assert f.__name__ == "norm" and f.__doc__ == "The Euclidean norm."


def test_signature_mismatches_raise_jax_errors():
    dot = lambda m: m.vectorize(m.dot, signature="(n),(n)->()")
    _same_error(dot, (np.ones(3), np.ones(4)), ValueError, "inconsistent size for core "
                "dimension 'n'")
    _same_error(dot, (np.ones(3),), TypeError, "wrong number of positional arguments")
    mat = lambda m: m.vectorize(lambda a, b: a, signature="(n,k),(k)->(k)")
    _same_error(mat, (np.ones(3), np.ones(3)), ValueError, "not have enough dimensions")
    bad_out = lambda m: m.vectorize(lambda a: a, signature="(n)->()")
    _same_error(bad_out, (X,), ValueError, "output shape")
    one_out = lambda m: m.vectorize(lambda a: a.sum(), signature="(n)->(),()")
    _same_error(one_out, (X,), TypeError, "tuple")
    three = lambda m: m.vectorize(lambda a: (a, a, a), signature="(n)->(n),(n)")
    _same_error(three, (X,), TypeError, "wrong number of outputs")
    _same_error(lambda m: m.vectorize(lambda a: a, signature="(n)->(n"), (X,), ValueError,
                "not a valid gufunc signature")
    _same_error(lambda m: m.vectorize(lambda a, b: a + b), (X, np.ones(4)), ValueError,
                "Incompatible shapes")


def test_bad_excluded():
    with pytest.raises(TypeError):
        jnp.vectorize(abs, excluded={1.5})
    with pytest.raises(TypeError, match="vectorize: excluded"):
        znp.vectorize(abs, excluded={1.5})
    with pytest.raises(ValueError):
        jnp.vectorize(abs, excluded={-1})
    with pytest.raises(ValueError, match="vectorize: excluded"):
        znp.vectorize(abs, excluded={-1})
    with pytest.raises(ValueError, match="None"):
        znp.vectorize(lambda a, b: a, signature="(n),(n)->(n)")(X, None)


def test_docstring_examples():
    assert doctest.testmod(vectorize_module, extraglobs={"jnp": znp}).failed == 0
