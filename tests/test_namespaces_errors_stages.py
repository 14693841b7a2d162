"""zenax.errors, zenax.stages and zenax.custom_derivatives against JAX's namespaces: the
class hierarchies, that the classes are the ones zenax raises, the AOT stage types, the
symbolic-zero helpers and ``linear_call`` under every transform."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp_jax
import numpy as np
import pytest
from oracle import assert_same

import zenax
import zenax.numpy as jnp
from zenax import custom_derivatives as zcd
from zenax import errors as zerr
from zenax import stages as zstages


def _mro_names(cls) -> list[str]:
    # JAX's private mixin is an implementation detail of its error pages.
    return [c.__name__ for c in cls.__mro__ if c.__name__ != "_JAXErrorMixin"]


def test_error_classes_have_jaxs_hierarchy():
    names = [n for n in dir(jax.errors) if isinstance(getattr(jax.errors, n), type)]
    assert sorted(names) == sorted(zerr.__all__)
    for name in names:
        assert _mro_names(getattr(zerr, name)) == _mro_names(getattr(jax.errors, name)), name
    assert zerr.JaxRuntimeError is jax.errors.JaxRuntimeError
    assert issubclass(zerr.NonConcreteBooleanIndexError, IndexError)
    assert not issubclass(zerr.TracerIntegerConversionError, zerr.ConcretizationTypeError)


def test_errors_are_the_classes_zenax_raises():
    x = jnp.arange(3.0)
    cases = [
        (zerr.TracerBoolConversionError, lambda v: 1.0 if v[0] > 0 else 0.0),
        (zerr.TracerIntegerConversionError, lambda v: [1, 2, 3][v.astype(int)[0]]),
        (zerr.TracerArrayConversionError, lambda v: np.asarray(v)),
        (zerr.NonConcreteBooleanIndexError, lambda v: v[v > 0]),
    ]
    for cls, fun in cases:
        with pytest.raises(cls):
            zenax.jit(fun)(x)
    with pytest.raises(zerr.ConcretizationTypeError):   # the bool error is one
        zenax.jit(lambda v: bool(v[0]))(x)
    assert zerr.JaxprTypeError is zenax.tracer.ir.JaxprTypeError
    assert zerr.UnexpectedTracerError is zenax.UnexpectedTracerError


def test_stage_types():
    lowered = zenax.jit(jnp.sin).lower(1.0)
    assert isinstance(zenax.jit(jnp.sin).trace(1.0), zstages.Traced)
    assert isinstance(lowered, zstages.Lowered)
    assert isinstance(lowered.compile(), zstages.Compiled)
    assert isinstance(zenax.jit(jnp.sin), zstages.Wrapped)
    assert not isinstance(jnp.sin, zstages.Wrapped)
    assert zstages.CompilerOptions == jax.stages.CompilerOptions


def test_arg_info_matches_jax():
    aval = zenax.tracer.avals.ShapedArray((2, 3), np.dtype(np.float32))
    ours = zstages.ArgInfo(aval, donated=True)
    theirs = jax.stages.ArgInfo(jax.core.ShapedArray((2, 3), np.float32), donated=True)
    assert (ours.shape, ours.dtype, ours.donated) == (theirs.shape, theirs.dtype,
                                                      theirs.donated)
    with pytest.raises(AttributeError):            # frozen, as JAX's
        ours.donated = False
    with pytest.raises(TypeError, match="ArgInfo.shape"):
        zstages.ArgInfo(object(), donated=False).shape


def test_custom_derivatives_reexports_zenax_objects():
    assert zcd.custom_jvp is zenax.custom_jvp and zcd.custom_vjp is zenax.custom_vjp
    assert zcd.closure_convert is zenax.closure_convert
    assert zcd.custom_gradient is zenax.custom_gradient
    assert zcd.custom_jvp_call_p.name == jax.custom_derivatives.custom_jvp_call_p.name
    assert zcd.custom_vjp_call_p.name == jax.custom_derivatives.custom_vjp_call_p.name


def test_zero_from_primal_matches_jax():
    tree = (1.0, np.arange(3, dtype=np.int32), np.ones((2,), np.float16), {"a": True})
    ours = zcd.zero_from_primal(tree)
    theirs = jax.custom_derivatives.zero_from_primal(tree)
    assert_same(ours[0], theirs[0])
    assert_same(ours[2], theirs[2])
    for o, t in ((ours[1], theirs[1]), (ours[3]["a"], theirs[3]["a"])):  # float0 leaves
        assert (np.shape(o), np.asarray(o).dtype) == (np.shape(t), np.asarray(t).dtype)
    z = zcd.zero_from_primal(np.ones((2, 3), np.float32), symbolic_zeros=True)
    zj = jax.custom_derivatives.zero_from_primal(np.ones((2, 3), np.float32), True)
    assert (repr(z), z.shape, z.dtype, z.ndim) == (repr(zj), zj.shape, zj.dtype, zj.ndim)
    assert zcd.SymbolicZero.from_primal_value(3).dtype == zj.from_primal_value(3).dtype


def test_custom_vjp_primal_helpers():
    P, PJ = zcd.CustomVJPPrimal, jax.custom_derivatives.CustomVJPPrimal
    tree = (P(1.0, True), [P(2, False)], {"k": P("s", False)})
    tree_j = (PJ(1.0, True), [PJ(2, False)], {"k": PJ("s", False)})
    assert zcd.custom_vjp_primal_tree_values(tree) == \
        jax.custom_derivatives.custom_vjp_primal_tree_values(tree_j)
    assert repr(P(1.0, perturbed=False)).replace("jax.", "") == repr(PJ(1.0, perturbed=False))
    with pytest.raises(TypeError, match="custom_vjp_primal_tree_values"):
        zcd.custom_vjp_primal_tree_values((1.0,))


# ----------------------------------------------------------------------------- linear_call

def _scaled(lc, r, x):
    """``x * r`` whose transpose is declared as ``2 * ct * r`` (not the true transpose),
    so a derivative that used it shows."""
    return lc(lambda r, x: x * r, lambda r, ct: 2.0 * ct * r, r, x)


def _custom_id(lc, x):
    return lc(lambda _, x: x, lambda _, ct: 7.0 * ct, (), x)


def _transpose(lt, f, x):
    return lambda y: lt(f, x)(y)[0]


def test_linear_call_transposes_with_its_rule():
    T = functools.partial(_transpose, zenax.linear_transpose)
    TJ = functools.partial(_transpose, jax.linear_transpose)
    f = functools.partial(_custom_id, zcd.linear_call)
    fj = functools.partial(_custom_id, jax.custom_derivatives.linear_call)
    for g, gj in ((f, fj), (T(f, 1.0), TJ(fj, 1.0)), (T(T(f, 1.0), 1.0), TJ(TJ(fj, 1.0), 1.0))):
        assert_same(jnp.asarray(g(2.0)), jnp_jax.asarray(gj(2.0)))
    div = lambda lc, x: x + lc(lambda r, x: x / r, lambda r, t: t / r, 3.0, x)  # noqa: E731
    assert_same(div(zcd.linear_call, 9.0), div(jax.custom_derivatives.linear_call, 9.0))
    assert_same(T(functools.partial(div, zcd.linear_call), 1.0)(18.0),
                TJ(functools.partial(div, jax.custom_derivatives.linear_call), 1.0)(18.0))


def test_linear_call_under_transforms_matches_jax():
    r, x = np.arange(1.0, 4.0, dtype=np.float32), np.float32(1.5) * np.ones(3, np.float32)
    f = functools.partial(_scaled, zcd.linear_call)
    fj = functools.partial(_scaled, jax.custom_derivatives.linear_call)
    loss = lambda f: lambda r, x: (f(r, x) ** 2).sum()  # noqa: E731

    assert_same(zenax.grad(loss(f), 1)(r, x), jax.grad(loss(fj), 1)(r, x))
    assert_same(zenax.jit(zenax.grad(loss(f), 1))(r, x), jax.grad(loss(fj), 1)(r, x))
    assert_same(zenax.jvp(functools.partial(f, r), (x,), (x,)),
                jax.jvp(functools.partial(fj, r), (x,), (x,)))

    # JAX has no batching rule for linear_call; zenax's is checked against the per-example
    # values (the declared transpose is 2 * ct * r).
    assert_same(zenax.vmap(f)(r, x), x * r)
    assert_same(zenax.vmap(zenax.grad(f, 1), (0, None))(r, 2.0), 2.0 * r)
    assert_same(zenax.grad(lambda x: zenax.vmap(f, (None, 0))(3.0, x).sum())(x),
                np.full(3, 6.0, np.float32))
    ct = functools.partial(_transpose, zenax.linear_transpose)
    assert_same(zenax.vmap(ct(functools.partial(f, 3.0), 1.0))(r),
                jnp.asarray(6.0 * r, dtype=float), check_weak_type=False)


def test_linear_call_rejects_bad_transpose_and_residual_derivatives():
    bad = lambda x: zcd.linear_call(lambda r, x: x, lambda r, ct: (ct, ct), (), x)  # noqa: E731
    with pytest.raises(TypeError, match="linear_call"):
        zenax.grad(bad)(1.0)
    with pytest.raises(TypeError, match="linear_call"):
        zenax.grad(lambda r: _scaled(zcd.linear_call, r, 1.0))(2.0)
