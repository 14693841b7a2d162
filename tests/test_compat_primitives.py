"""A primitive declared through ``jax.extend.core`` / ``jax.interpreters`` (what Equinox
does) works under zenax's transforms.

The same declaration code runs twice: once with JAX's own modules, once with zenax's views
of them (``zenax.compat``, what ``import jax.extend.core`` gives under
``zenax.install_as_jax()``). Each program (``jit``, ``grad``, ``jvp``, ``vmap`` and their
compositions) then runs on JAX's primitive with JAX's transforms and on zenax's
primitive with zenax's transforms; JAX's result is the oracle.
"""
from __future__ import annotations

import types

import jax
import jax.extend.core
import jax.interpreters.ad
import jax.interpreters.batching
import jax.interpreters.mlir
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from oracle import assert_close
from zenax.compat.extend import core as z_core
from zenax.compat.interpreters import ad as z_ad
from zenax.compat.interpreters import batching as z_batching
from zenax.compat.interpreters import mlir as z_mlir

JAX = types.SimpleNamespace(jax=jax, jnp=jnp, core=jax.extend.core, ad=jax.interpreters.ad,
                            batching=jax.interpreters.batching, mlir=jax.interpreters.mlir,
                            ShapedArray=jax.core.ShapedArray)
ZENAX = types.SimpleNamespace(jax=zenax, jnp=znp, core=z_core, ad=z_ad, batching=z_batching,
                              mlir=z_mlir, ShapedArray=zenax.compat.core.ShapedArray)


def declare(m):
    """Declare, with the library ``m`` (JAX's modules or zenax's views), two primitives:

    - ``scale(x, c=...)``: ``x * c``, linear (jvp by itself, a transpose rule), batched
      by a plain ``primitive_batchers`` rule;
    - ``sincos(x, c=...)``: ``[c * sin(x), cos(x)]``, two results, a jvp rule that uses
      ``scale`` on the tangent, batched by a ``fancy_primitive_batchers`` rule that reads
      the axis size.
    Both compile through ``mlir.lower_fun``.
    """
    scale_p = m.core.Primitive("scale")

    def scale_impl(x, *, c):
        return x * c

    scale_p.def_impl(scale_impl)
    scale_p.def_abstract_eval(lambda aval, *, c: m.ShapedArray(aval.shape, aval.dtype))
    m.ad.primitive_jvps[scale_p] = lambda primals, tangents, *, c: (
        scale_p.bind(primals[0], c=c), scale_p.bind(tangents[0], c=c))

    def scale_transpose(ct, x, *, c):
        assert m.ad.is_undefined_primal(x)
        if type(ct) is m.ad.Zero:
            return [None]
        return [scale_p.bind(ct, c=c)]

    m.ad.primitive_transposes[scale_p] = scale_transpose
    m.batching.primitive_batchers[scale_p] = lambda args, dims, *, c: (
        scale_p.bind(args[0], c=c), dims[0])
    m.mlir.register_lowering(scale_p, m.mlir.lower_fun(scale_impl, multiple_results=False))

    sincos_p = m.core.Primitive("sincos")
    sincos_p.multiple_results = True

    def sincos_impl(x, *, c):
        return [c * m.jnp.sin(x), m.jnp.cos(x)]

    def sincos_jvp(primals, tangents, *, c):
        (x,), (t,) = primals, tangents
        s, co = sincos_p.bind(x, c=c)
        if type(t) is m.ad.Zero:
            zero = m.ad.Zero(m.ShapedArray(x.shape, x.dtype))
            return [s, co], [zero, zero]
        return [s, co], [scale_p.bind(t * co, c=c), -(t * m.jnp.sin(x))]

    def sincos_batch(axis_data, args, dims, *, c):
        if dims[0] is None:   # JAX also calls a fancy rule on unbatched operands
            return sincos_p.bind(args[0], c=c), [None, None]
        x = m.jnp.moveaxis(args[0], dims[0], 0)
        assert x.shape[0] == axis_data.size
        return sincos_p.bind(x, c=c), [0, 0]

    sincos_p.def_impl(sincos_impl)
    sincos_p.def_abstract_eval(lambda aval, *, c: [m.ShapedArray(aval.shape, aval.dtype)] * 2)
    m.ad.primitive_jvps[sincos_p] = sincos_jvp
    m.batching.fancy_primitive_batchers[sincos_p] = sincos_batch
    m.mlir.register_lowering(sincos_p, m.mlir.lower_fun(sincos_impl, multiple_results=True))
    return scale_p, sincos_p


JAX_PRIMS = declare(JAX)
ZENAX_PRIMS = declare(ZENAX)


def programs(m, prims):
    """The programs compared, written once against the library ``m``."""
    scale_p, sincos_p = prims
    j = m.jax

    def f(x):                               # a scalar of x using both primitives
        s, co = sincos_p.bind(x, c=1.5)
        return m.jnp.sum(scale_p.bind(s, c=2.0) * co)

    def g(x):                               # array in, array out
        s, co = sincos_p.bind(x, c=0.5)
        return scale_p.bind(s + co, c=3.0)

    return {
        "eager": lambda x: g(x),
        "jit": lambda x: j.jit(g)(x),
        "grad": lambda x: j.grad(f)(x),
        "jit_grad": lambda x: j.jit(j.grad(f))(x),
        "grad_jit": lambda x: j.grad(j.jit(f))(x),
        "jvp": lambda x: j.jvp(g, (x,), (m.jnp.ones_like(x),)),
        "vjp": lambda x: j.vjp(g, x)[1](m.jnp.arange(x.size, dtype=x.dtype)
                                         .reshape(x.shape)),
        "vmap": lambda x: j.vmap(g)(x),
        "vmap_axis1": lambda x: j.vmap(g, in_axes=1, out_axes=1)(x),
        "vmap_vmap": lambda x: j.vmap(j.vmap(g))(x),
        "vmap_grad": lambda x: j.vmap(j.grad(f))(x),
        "grad_vmap": lambda x: j.grad(lambda y: m.jnp.sum(j.vmap(f)(y)))(x),
        "jit_vmap_grad": lambda x: j.jit(j.vmap(j.grad(f)))(x),
        "jit_hessian": lambda x: j.jit(j.hessian(f))(x[0]),
        "linear_transpose": lambda x: j.linear_transpose(
            lambda t: scale_p.bind(t, c=-2.0), x)(m.jnp.ones_like(x)),
    }


def test_declared_primitives_match_jax():
    x = np.linspace(-1.0, 2.0, 12, dtype=np.float32).reshape(3, 4)
    expected = programs(JAX, JAX_PRIMS)
    for name, program in programs(ZENAX, ZENAX_PRIMS).items():
        assert_close(program(znp.asarray(x)), expected[name](jnp.asarray(x)), err_msg=name)


def test_rules_land_in_zenax_tables():
    from zenax.tracer import core
    scale_p, sincos_p = ZENAX_PRIMS
    assert isinstance(scale_p, core.Primitive)
    assert scale_p in core.jvp_rules and scale_p in core.transpose_rules
    assert scale_p in core.batch_rules and sincos_p in core.batch_rules
    assert sincos_p in core.lowering_rules and sincos_p in core.impl_rules
    assert z_ad.Zero is zenax.tracer.ad_types.Zero
    assert z_batching.fancy_primitive_batchers[sincos_p] is not None


def test_axis_primitive_batchers_gets_size_and_name():
    """The legacy ``axis_primitive_batchers`` signature: (size, name, trace_type, ...)."""
    def declare_sum(m):
        p = m.core.Primitive("batched_total")
        p.def_impl(lambda x: m.jnp.sum(x))
        p.def_abstract_eval(lambda aval: m.ShapedArray((), aval.dtype))
        seen = []

        def rule(size, name, trace_type, args, dims):
            seen.append((size, name))
            x = m.jnp.moveaxis(args[0], dims[0], 0)
            return m.jnp.sum(x.reshape(size, -1), axis=1), 0

        m.batching.axis_primitive_batchers[p] = rule
        return p, seen

    x = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    jp, jseen = declare_sum(JAX)
    zp, zseen = declare_sum(ZENAX)
    expected = jax.vmap(jp.bind, axis_name="i")(x)
    actual = zenax.vmap(zp.bind, axis_name="i")(x)
    assert_close(actual, expected)
    assert zseen == jseen == [(3, "i")]


def test_aval_helpers_match_jax():
    aval = jax.core.ShapedArray((3, 4), jnp.float32)
    zaval = zenax.compat.core.ShapedArray((3, 4), jnp.float32)
    for axis in (0, 1, None):
        j = jax.extend.core.mapped_aval(3 if axis == 0 else 4, axis, aval)
        z = z_core.mapped_aval(3 if axis == 0 else 4, axis, zaval)
        assert (z.shape, z.dtype) == (j.shape, j.dtype)
        j = jax.extend.core.unmapped_aval(5, axis, aval)
        z = z_core.unmapped_aval(5, axis, zaval)
        assert (z.shape, z.dtype) == (j.shape, j.dtype)
    # The pre-0.5.1 signature (size, axis_name, axis, aval) that older library code uses.
    assert z_core.unmapped_aval(5, "i", 1, zaval).shape == (3, 5, 4)
    for dtype in (jnp.float32, jnp.int32, jnp.bool_):
        assert (z_core.primal_dtype_to_tangent_dtype(dtype)
                == jax.extend.core.primal_dtype_to_tangent_dtype(dtype))


def test_jaxprs_in_params_and_subjaxprs():
    def f(m):
        return lambda x: m.jax.lax.cond(x > 0, m.jnp.sin, m.jnp.cos, x)

    jj = jax.make_jaxpr(f(JAX))(1.0)
    zj = zenax.make_jaxpr(f(ZENAX))(1.0)
    j_subs = [len(s.eqns) for s in jax.extend.core.subjaxprs(jj.jaxpr)]
    z_subs = [len(s.eqns) for s in z_core.subjaxprs(zj.jaxpr)]
    assert len(z_subs) == len(j_subs) == 2
    cond_eqn = next(e for e in zj.jaxpr.eqns if e.primitive.name == "cond")
    assert len(list(z_core.jaxprs_in_params(cond_eqn.params))) == 2


def test_mlir_builder_rule_runs_the_impl_as_a_callback():
    """A rule written against JAX's MLIR builder cannot run on zenax: with an impl, the
    primitive compiles to a host callback of the impl; without one, compiling it fails
    naming the primitive."""
    def declare(m, name):
        p = m.core.Primitive(name)
        p.multiple_results = True
        p.def_abstract_eval(lambda aval: [aval, aval])
        m.mlir.register_lowering(p, lambda ctx, x: [x, x])   # at import time: accepted
        return p

    p = declare(ZENAX, "raw_mlir")
    with pytest.raises(NotImplementedError, match="raw_mlir.*MLIR builder"):
        zenax.jit(p.bind)(1.0)
    p.def_impl(lambda x: [znp.sin(x), x * 2])
    x = np.linspace(0.0, 1.0, 5, dtype=np.float32)
    assert_close(zenax.jit(p.bind)(x), [np.sin(x), 2 * x])


def test_transpose_rule_missing_names_primitive():
    p = z_core.Primitive("no_transpose")
    with pytest.raises(NotImplementedError, match="no_transpose"):
        z_ad.get_primitive_transpose(p)
