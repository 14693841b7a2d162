"""Fixes found by running Equinox's own test suite on zenax (tests/clients/equinox.md),
each checked against JAX:

- ``custom_jvp`` / ``custom_vjp`` with ``symbolic_zeros=True`` (Equinox's
  ``filter_custom_jvp``/``filter_custom_vjp``, so ``eqx.error_if``, build on them): the
  rules see ``SymbolicZero`` tangents / cotangents and ``CustomVJPPrimal`` primals;
- ``jit(vmap(vmap(f)))`` of a custom-derivative ``f`` (nested batching of a custom call);
- auxiliary outputs that are not arrays (``has_aux=True`` returning a string) pass beside
  the transform;
- the jvp of ``jit`` and ``remat`` keeps a symbolic zero for an output that does not
  depend on the differentiated inputs, and so do a ``scan`` / ``while_loop`` carry and
  a ``cond`` output;
- ``vmap`` passes unmapped non-array arguments (``in_axes=None``: a function) through,
  and keeps unbatched the while-loop carries, cond outputs and custom_vjp residuals
  that do not vary over the batch;
- transforms accept callables whose ``__name__`` is not a string (an Equinox module's);
- ``jit(f).lower(x).compile(compiler_options=...)``;
- ``jnp.copy`` / ``x.copy()`` copy (a donated copy leaves the original alive);
- ``jvp``: a Python-scalar tangent that a primitive passes through comes out an array.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp
from oracle import assert_close
from zenax.compat import core as z_core

LIBS = {"jax": (jax, jnp), "zenax": (zenax, znp)}


def _sym_zero_jvp_program(lib):
    """A custom_jvp with symbolic zeros: which tangents the rule sees as SymbolicZero,
    and the derivatives, under jvp, grad and vmap(grad)."""
    j, np_ = LIBS[lib]
    SymbolicZero = j.custom_derivatives.SymbolicZero
    seen = []

    @j.custom_jvp
    def f(x, y):
        return x * y, x + y

    def f_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        seen.append((isinstance(tx, SymbolicZero), isinstance(ty, SymbolicZero)))
        out = f(x, y)
        if isinstance(tx, SymbolicZero):
            return out, (ty * x, ty)
        if isinstance(ty, SymbolicZero):
            return out, (tx * y, tx)
        return out, (tx * y + ty * x, tx + ty)

    f.defjvp(f_jvp, symbolic_zeros=True)
    x, y = np_.float32(2.0), np_.float32(3.0)
    results = [
        j.jvp(lambda a: f(a, y), (x,), (np_.float32(1.0),)),
        j.jvp(lambda b: f(x, b), (y,), (np_.float32(1.0),)),
        j.grad(lambda a, b: f(a, b)[0] + 2 * f(a, b)[1], argnums=(0, 1))(x, y),
        j.jit(j.grad(lambda a: f(a, y)[0]))(x),
        j.vmap(j.grad(lambda a: f(a, y)[0] * a))(np_.arange(3.0)),
    ]
    return results, seen


def test_custom_jvp_symbolic_zeros_matches_jax():
    expected, jax_seen = _sym_zero_jvp_program("jax")
    actual, zenax_seen = _sym_zero_jvp_program("zenax")
    assert_close(actual, expected)
    assert zenax_seen == jax_seen


def _sym_zero_vjp_program(lib):
    """A custom_vjp with symbolic zeros: the ``perturbed`` flags ``fwd`` sees, which
    cotangents ``bwd`` sees as SymbolicZero, and the gradients (bwd returns None and a
    SymbolicZero for zero results)."""
    j, np_ = LIBS[lib]
    cd = j.custom_derivatives
    seen = []

    @j.custom_vjp
    def f(x, y, n):
        return x * y, y * 2.0, n

    def f_fwd(x, y, n):
        seen.append(("fwd", x.perturbed, y.perturbed, n.perturbed))
        x, y, n = x.value, y.value, n.value
        return f(x, y, n), (x, y)

    def f_bwd(res, cts):
        x, y = res
        c0, c1, _ = cts
        seen.append(("bwd", isinstance(c0, cd.SymbolicZero), isinstance(c1, cd.SymbolicZero)))
        if isinstance(c0, cd.SymbolicZero):      # a zero result as a SymbolicZero
            return cd.SymbolicZero(j.typeof(x)), 2.0 * c1, None
        gy = c0 * x if isinstance(c1, cd.SymbolicZero) else c0 * x + 2.0 * c1
        return c0 * y, gy, None

    f.defvjp(f_fwd, f_bwd, symbolic_zeros=True)
    x, y, n = np_.float32(2.0), np_.float32(3.0), np_.int32(4)
    results = [
        j.grad(lambda a: f(a, y, n)[0])(x),
        j.grad(lambda b: f(x, b, n)[1])(y),
        j.grad(lambda a, b: f(a, b, n)[0] + f(a, b, n)[1], argnums=(0, 1))(x, y),
        j.jit(j.vmap(j.grad(lambda a: f(a, y, n)[0] * a)))(np_.arange(3.0)),
    ]
    return results, seen


def test_custom_vjp_symbolic_zeros_matches_jax():
    expected, jax_seen = _sym_zero_vjp_program("jax")
    actual, zenax_seen = _sym_zero_vjp_program("zenax")
    assert_close(actual, expected)
    assert zenax_seen == jax_seen


def _nested_vmap_custom(lib):
    j, np_ = LIBS[lib]

    @j.custom_vjp
    def g(x):
        return x * 2.0

    g.defvjp(lambda x: (x * 2.0, None), lambda _, ct: (ct * 3.0,))
    x = np_.arange(6.0).reshape(2, 3) - 2.0
    return [j.jit(j.vmap(j.vmap(j.nn.relu)))(x), j.jit(j.vmap(j.vmap(g)))(x),
            j.grad(lambda x: j.jit(j.vmap(j.vmap(g)))(x).sum())(x)]


def test_jit_of_nested_vmap_of_custom_derivatives_matches_jax():
    assert_close(_nested_vmap_custom("zenax"), _nested_vmap_custom("jax"))


def test_non_array_aux_passes_beside_the_transform():
    def program(j, np_):
        def f(x):
            return (x ** 2).sum(), {"name": "loss", "value": x, "fn": len}
        x = np_.arange(3.0)
        grad, aux = j.grad(f, has_aux=True)(x)
        (val, aux2), grad2 = j.value_and_grad(f, has_aux=True)(x)
        _, _, aux3 = j.vjp(f, x, has_aux=True)
        _, _, aux4 = j.jvp(f, (x,), (np_.ones(3),), has_aux=True)
        assert aux["fn"] is len and aux2["name"] == aux3["name"] == aux4["name"] == "loss"
        return [grad, val, grad2, aux["value"], aux4["value"]]
    assert_close(program(zenax, znp), program(jax, jnp))


def test_jit_jvp_keeps_zero_tangents_of_independent_outputs():
    """Inside a jvp, an output of ``jit`` (or ``checkpoint``) that does not depend on the
    perturbed input is not a tracer of the jvp (Equinox's ``filter_jvp`` relies on it)."""
    def program(j, np_, tracer_type):
        flags = []

        def f(x):
            a, b = j.jit(lambda u, v: (u * 2.0, v + 1.0))(x, np_.float32(1.0))
            c, d = j.checkpoint(lambda u, v: (u * 3.0, v * v))(x, np_.float32(2.0))
            flags.extend(isinstance(o, tracer_type) for o in (a, b, c, d))
            return a + b + c + d
        out = j.jvp(f, (np_.float32(1.0),), (np_.float32(1.0),))
        return out, flags

    expected, jax_flags = program(jax, jnp, jax.core.Tracer)
    actual, zenax_flags = program(zenax, znp, z_core.Tracer)
    assert_close(actual, expected)
    assert zenax_flags == jax_flags == [True, False, True, False]


def test_vmap_passes_unmapped_non_array_arguments():
    def program(j, np_):
        return j.vmap(lambda f, x: f(x), in_axes=(None, 0))(np_.sin, np_.arange(3.0))
    assert_close(program(zenax, znp), program(jax, jnp))
    with pytest.raises(TypeError, match="argument f"):
        zenax.vmap(lambda f, x: f(x), in_axes=(0, 0))(znp.sin, znp.arange(3.0))


class _OddName:
    """A callable whose ``__name__`` is not a string (as an Equinox module's can be)."""
    __name__ = object()

    def __call__(self, x):
        return x * 2.0


def test_transforms_accept_callables_with_odd_names():
    def program(j, np_):
        f = _OddName()
        x = np_.arange(3.0)
        return [j.vmap(f)(x), j.grad(lambda x: f(x).sum())(x), j.value_and_grad(
            lambda x: f(x).sum())(x)]
    assert_close(program(zenax, znp), program(jax, jnp))


def test_lowered_compile_takes_compiler_options():
    x = np.arange(4.0, dtype=np.float32)
    options = {"xla_cpu_enable_fast_math": False}
    expected = jax.jit(jnp.sin).lower(x).compile(compiler_options=options)(x)
    actual = zenax.jit(znp.sin).lower(x).compile(compiler_options=options)(x)
    assert_close(actual, expected)


def test_trace_main_identifies_the_trace():
    """``find_top_trace(xs).main`` is the ``main`` of the running jvp's tracers (Equinox's
    ``filter_jvp`` tells its own outputs apart this way)."""
    from zenax.compat.extend.core import find_top_trace
    from zenax.compat.interpreters import ad
    seen = []

    def f(x):
        main = find_top_trace([x]).main
        seen.append(isinstance(x, ad.JVPTracer) and x._trace.main is main)
        return x * 2.0

    zenax.jvp(f, (1.0,), (1.0,))
    assert seen == [True]


def test_copy_makes_a_new_buffer_that_survives_donation():
    """``jnp.copy`` / ``x.copy()`` emit a ``copy`` equation, as JAX's; donating the copy
    to a jitted function leaves the original alive (Equinox's ``filter_jit(donate=...)``
    tests copy their inputs first)."""
    for j, np_ in (LIBS["jax"], LIBS["zenax"]):
        x = np_.arange(3.0)
        out = j.jit(lambda v: v + 1.0, donate_argnums=0)(np_.copy(x))
        assert_close([out, x, x.copy() + 0.0], [np.arange(3.0) + 1, np.arange(3.0),
                                                  np.arange(3.0)])
    for j, np_ in (LIBS["jax"], LIBS["zenax"]):
        texts = [str(j.make_jaxpr(fun)(np_.ones(2))) for fun in (np_.copy, lambda v: v.copy())]
        assert texts == ["{ lambda ; a:f32[2]. let b:f32[2] = copy a in (b,) }"] * 2


def test_jvp_tangent_outputs_are_arrays_as_in_jax():
    """A Python-scalar tangent that a primitive passes through comes out an array."""
    def program(j):
        return [j.jvp(lambda x: x + 1, (1.0,), (1.0,)), j.jvp(lambda x: x, (1.0,), (1.0,))]
    actual, expected = program(zenax), program(jax)
    assert [type(t) for _, t in actual] == [type(znp.ones(())), float]
    assert [type(t) for _, t in expected] == [type(jnp.ones(())), float]
    assert_close(actual, expected)


def _declare_identity(m, name: str):
    """An identity primitive declared through the library ``m``'s extension API (impl,
    abstract eval, lowering); the caller adds the rule it is about."""
    p = m.core.Primitive(name)
    p.def_impl(lambda x: x)
    p.def_abstract_eval(lambda aval: aval)
    m.mlir.register_lowering(p, m.mlir.lower_fun(lambda x: x, multiple_results=False))
    return p


def _declare_unbatchable(m):
    """A primitive whose batching rule refuses batched operands (as Equinox's
    ``nonbatchable``)."""
    p = _declare_identity(m, "unbatchable")

    def rule(args, dims):
        if dims[0] is not None:
            raise ValueError("unbatchable got a batched operand")
        return p.bind(args[0]), None

    m.batching.primitive_batchers[p] = rule
    return p


def test_vmap_keeps_unvarying_loop_and_cond_values_unbatched():
    """Under ``vmap``, a ``while_loop`` carry and a ``cond`` output that do not vary over
    the batch stay unbatched, and so do a ``custom_vjp``'s residuals (JAX's behaviour,
    which Equinox's checkpointed loops rely on: they refuse batched counters)."""
    from test_compat_primitives import JAX, ZENAX

    def program(m):
        j, np_, p = m.jax, m.jnp, _declare_unbatchable(m)

        @j.custom_vjp
        def scale(x, n):
            return x * n

        def scale_fwd(x, n):
            return x * n, (p.bind(n),)

        def scale_bwd(res, ct):
            (n,) = res
            return ct * p.bind(n), None

        scale.defvjp(scale_fwd, scale_bwd)

        def f(x):
            def body(carry):
                i, acc = carry
                i = p.bind(i)
                acc, i = j.lax.cond(i > 2, lambda a, i: (a * 2.0, i + 1),
                                    lambda a, i: (a + 1.0, i + 1), acc, i)
                return i, scale(acc, np_.float32(1.5))
            return j.lax.while_loop(lambda c: c[0] < 5, body, (0, x))[1]

        x = np_.arange(3.0)
        three = np_.float32(3.0)
        return [j.jit(j.vmap(f))(x), j.vmap(j.grad(lambda x: scale(x, three)))(x),
                j.grad(lambda x: j.vmap(lambda x: scale(x, three))(x).sum())(x)]

    assert_close(program(ZENAX), program(JAX))


def _declare_no_tangent(m):
    """A primitive whose jvp rule refuses a nonzero tangent (as Equinox's
    ``nondifferentiable``)."""
    p = _declare_identity(m, "no_tangent_please")

    def jvp(primals, tangents):
        if type(tangents[0]) is not m.ad.Zero:
            raise RuntimeError("no_tangent_please got a tangent")
        return p.bind(*primals), tangents[0]

    m.ad.primitive_jvps[p] = jvp
    return p


def test_loops_and_conds_differentiate_only_what_depends_on_the_input():
    """In a ``scan`` / ``while_loop`` under jvp or grad, a carry whose value does not
    depend on the differentiated input keeps a symbolic zero tangent, and so does a
    ``cond`` output that gets no tangent in any branch, as in JAX (Equinox's
    ``nondifferentiable`` raises if it sees a tangent)."""
    from test_compat_primitives import JAX, ZENAX

    def program(m):
        j, np_, p = m.jax, m.jnp, _declare_no_tangent(m)

        def scan_f(x, y):
            def body(c, _):
                a, b = c
                a, b = j.lax.cond(a > 0, lambda a, b: (a * 1.5 + p.bind(b), b + 1.0),
                                  lambda a, b: (a, b), a, b)
                return (a, b), p.bind(b)
            return j.lax.scan(body, (x, y), None, length=3)[0][0]

        def while_f(x, y):
            def body(c):
                i, a, b = c
                return i + 1, a * 1.5 + p.bind(b), b + 1.0
            return j.lax.while_loop(lambda c: c[0] < 3, body, (0, x, y))[1]

        x, y = np_.float32(1.0), np_.float32(0.5)
        return [j.grad(scan_f)(x, y), j.jit(j.grad(scan_f))(x, y),
                j.jvp(lambda x: while_f(x, y), (x,), (np_.float32(1.0),))]

    assert_close(program(ZENAX), program(JAX))
