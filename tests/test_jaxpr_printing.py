"""``make_jaxpr`` prints what JAX prints, character for character.

Each program is written once, against a namespace ``L`` (``L.jax``, ``L.jnp``, ``L.lax``),
and traced by JAX and by zenax; the two texts must be equal.  They cover the layout
(one-line jaxprs, breaking long parameter lists, nested jaxprs, ``_`` for unused results,
literals), control flow as JAX stages it (no ``ne`` before a boolean predicate, closed-over
values shared by the branches, forwarded outputs and pass-through carries taken out of
the loop), custom rules, pytrees, ``jit`` calls (their bodies named like their operands,
a body used twice printed once), and ``grad``/``jvp``/``vmap`` of simple functions.
No variable name needs normalising: JAX's numbering is deterministic here.
"""
import collections
from functools import partial
from types import SimpleNamespace

import jax
import jax.numpy as jnp_ref
import numpy as np

import zenax
import zenax.numpy as jnp

JAX = SimpleNamespace(jax=jax, jnp=jnp_ref, lax=jax.lax)
ZENAX = SimpleNamespace(jax=zenax, jnp=jnp, lax=zenax.lax)

X3 = np.ones(3, np.float32)
X23 = np.ones((2, 3), np.float32)
Pair = collections.namedtuple("Pair", "a b")


def _custom_jvp(L):
    @L.jax.custom_jvp
    def f_cj(x):
        return L.jnp.sin(x)

    @f_cj.defjvp
    def f_cj_jvp(primals, tangents):
        return f_cj(primals[0]), L.jnp.cos(primals[0]) * tangents[0]
    return f_cj


def _custom_vjp(L):
    @L.jax.custom_vjp
    def f_cv(x):
        return L.jnp.sin(x)
    f_cv.defvjp(lambda x: (L.jnp.sin(x), L.jnp.cos(x)), lambda r, g: (r * g,))
    return f_cv


def _defjvps(L):
    @L.jax.custom_jvp
    def f2(x, y):
        return x * y
    f2.defjvps(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)
    return f2


def _long(L, x, y=2.0):
    # Twelve equations: JAX prints a sub-jaxpr this long once, first, as `let ... in`.
    for _ in range(6):
        x = L.jnp.sin(x) * y
    return x


def _jit_and_cond_long_bodies(L):
    def long(x):
        return _long(L, x)
    return lambda x: L.jax.jit(long)(x) + L.lax.cond(x > 0, long, L.jnp.cos, x)


def _clip_gradient(L):
    @partial(L.jax.custom_vjp, nondiff_argnums=(0,))
    def clip_g(lo, x):
        return x
    clip_g.defvjp(lambda lo, x: (x, None), lambda lo, _, g: (L.jnp.maximum(g, lo),))
    return lambda x: clip_g(0.5, x)


# name -> (program(L) -> function, arguments)
SIMPLE = {
    "sin_mul": (lambda L: lambda x: L.jnp.sin(x) * 2.0, (1.0,)),
    "exp_log": (lambda L: lambda x: L.jnp.log(L.jnp.exp(x) + 1.0), (1.0,)),
    "int_pow": (lambda L: lambda x: x ** 3, (1.0,)),
    "cast": (lambda L: lambda x: x.astype(L.jnp.int32), (X3,)),
    "const_array": (lambda L: lambda x: x + np.arange(3.0, dtype=np.float32), (X3,)),
    "weak_mix": (lambda L: lambda x: x * 2 + 1, (np.float32(1.0),)),
    "literal_f32": (lambda L: lambda x: x * L.jnp.float32(0.1), (1.0,)),
    "neg_inf": (lambda L: lambda x: x > -L.jnp.inf, (1.0,)),
    "compare": (lambda L: lambda x, y: (x < y, x == y), (1.0, 2.0)),
    "bool_ops": (lambda L: lambda a, b: (a & b, a | b, ~a), (True, False)),
    "identity": (lambda L: lambda x: x, (1.0,)),
    "constant_out": (lambda L: lambda: 1.0, ()),
    "stop_gradient": (lambda L: lambda x: L.lax.stop_gradient(x) * x, (1.0,)),
}

PYTREES = {
    "dict": (lambda L: lambda d: d["a"] * d["b"][0] + d["b"][1],
             ({"a": 1.0, "b": (2.0, 3.0)},)),
    "tuple_out": (lambda L: lambda x, y: (x + y, x - y, x * y), (1.0, 2.0)),
    "namedtuple": (lambda L: lambda p: p.a * p.b, (Pair(1.0, 2.0),)),
    "list_in": (lambda L: lambda xs: xs[0] + xs[1] * xs[2], ([1.0, 2.0, 3.0],)),
    "none_leaf": (lambda L: lambda d: d["x"] * 2., ({"x": 1.0, "y": None},)),
}

COND = {
    "cond": (lambda L: lambda p, x: L.lax.cond(p, L.jnp.sin, L.jnp.cos, x), (True, 1.0)),
    "cond_concrete_predicate": (lambda L: lambda x: L.lax.cond(True, L.jnp.sin, L.jnp.cos, x),
                                (1.0,)),
    "switch": (lambda L: lambda i, x: L.lax.switch(i, [L.jnp.sin, L.jnp.cos, L.jnp.exp], x),
               (1, 1.0)),
    "switch_pairs": (lambda L: lambda i, x, y: L.lax.switch(
        i, [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b], x, y), (2, 1.0, 2.0)),
    "cond_unused": (lambda L: lambda p, x, y: L.lax.cond(
        p, lambda a, b: (a, b), lambda a, b: (b, a), x, y)[0], (True, 1.0, 2.0)),
    "cond_duplicate_operands": (lambda L: lambda p, x: L.lax.cond(
        p, lambda a, b: a + b, lambda a, b: a * b, x, x), (True, 1.0)),
    "cond_forwarded_output": (lambda L: lambda p, x, y: L.lax.cond(
        p, lambda a, b: (a, L.jnp.sin(b)), lambda a, b: (a, b), x, y), (True, 1.0, 2.0)),
    "cond_closure": (lambda L: lambda p, x, y: L.lax.cond(
        p, lambda a: a + y, lambda a: a - y, x), (True, 1.0, 2.0)),
    "cond_closure_is_operand": (lambda L: lambda p, x: L.lax.cond(
        p, lambda a: a + x, lambda a: a - x, x), (True, 1.0)),
    "cond_unused_output": (lambda L: lambda p, x: L.lax.cond(
        p, lambda a: (L.jnp.sin(a), L.jnp.cos(a)), lambda a: (a, a), x)[0], (True, 1.0)),
    "while_in_cond": (lambda L: lambda p, x: L.lax.cond(
        p, lambda a: L.lax.while_loop(lambda c: c < 5., lambda c: c + 1., a),
        lambda a: a, x), (True, 1.0)),
    "jvp_cond": (lambda L: lambda x, t: L.jax.jvp(
        lambda y: L.lax.cond(y > 0, L.jnp.sin, L.jnp.cos, y), (x,), (t,)), (1.0, 1.0)),
}

LOOPS = {
    "while": (lambda L: lambda x: L.lax.while_loop(lambda c: c < 10., lambda c: c * 2., x),
              (1.0,)),
    "while_pair": (lambda L: lambda x: L.lax.while_loop(
        lambda c: c[0] < 10, lambda c: (c[0] + 1, c[1] * 2.), (0, x))[1], (1.0,)),
    "while_cond_const": (lambda L: lambda x, y: L.lax.while_loop(
        lambda c: c < y, lambda c: c * 2., x), (1.0, 10.0)),
    "while_passthrough": (lambda L: lambda x, y: L.lax.while_loop(
        lambda c: c[0] < 10., lambda c: (c[0] * c[1], c[1]), (x, y))[0], (1.0, 2.0)),
    "while_unused": (lambda L: lambda x, y: L.lax.while_loop(
        lambda c: c[0] < 10., lambda c: (c[0] * 2., c[1] + 1.), (x, y))[0], (1.0, 2.0)),
    "fori_static": (lambda L: lambda x: L.lax.fori_loop(0, 5, lambda i, c: c + i, x), (1.0,)),
    "fori_dynamic": (lambda L: lambda n, x: L.lax.fori_loop(0, n, lambda i, c: c * 2., x),
                     (3, 1.0)),
    "fori_closure": (lambda L: lambda x, y: L.lax.fori_loop(0, 4, lambda i, c: c * y, x),
                     (1.0, 2.0)),
    "scan": (lambda L: lambda xs: L.lax.scan(lambda c, x: (c + x, c * x), 0., xs), (X3,)),
    "scan_unused": (lambda L: lambda xs: L.lax.scan(lambda c, x: (c + x, c * x), 0., xs)[0],
                    (X3,)),
    "scan_const": (lambda L: lambda xs, y: L.lax.scan(lambda c, x: (c + x * y, None), 0., xs),
                   (X3, 2.0)),
    "scan_passthrough": (lambda L: lambda xs, y: L.lax.scan(
        lambda c, x: ((c[0] + x, c[1]), None), (0., y), xs), (X3, 2.0)),
    "scan_forwarded_ys": (lambda L: lambda xs: L.lax.scan(lambda c, x: (c + x, x), 0., xs),
                          (X3,)),
    "scan_duplicate_xs": (lambda L: lambda xs: L.lax.scan(
        lambda c, x: (c + x[0] * x[1], None), 0., (xs, xs)), (X3,)),
    "scan_reverse": (lambda L: lambda xs: L.lax.scan(
        lambda c, x: (c + x, c), 0., xs, reverse=True), (X3,)),
    "scan_unroll": (lambda L: lambda xs: L.lax.scan(
        lambda c, x: (c * x, None), 1., xs, unroll=2)[0], (X3,)),
    "scan_pytree": (lambda L: lambda xs: L.lax.scan(
        lambda c, x: ((c[0] + x["a"], c[1] * x["b"]), c[0]), (0., 1.), {"a": xs, "b": xs}),
        (X3,)),
    "nested_scan": (lambda L: lambda xs: L.lax.scan(
        lambda c, x: (L.lax.scan(lambda d, y: (d + y, None), c, x)[0], None), 0., xs)[0],
        (X23,)),
    "cond_in_scan": (lambda L: lambda xs: L.lax.scan(
        lambda c, x: (L.lax.cond(x > 0, lambda a: a + x, lambda a: a - x, c), None),
        0., xs)[0], (X3,)),
    "map": (lambda L: lambda xs: L.lax.map(L.jnp.sin, xs), (X3,)),
    "scan_long_body": (lambda L: lambda xs: L.lax.scan(
        lambda c, x: (_long(L, c, x), None), 0., xs)[0], (X3,)),
    "vmap_of_scan": (lambda L: L.jax.vmap(lambda c, xs: L.lax.scan(
        lambda c, x: (c * x, c + x), c, xs)), (X3, np.ones((3, 4), np.float32))),
}

CALLS_AND_RULES = {
    "jit_inner": (lambda L: lambda x: L.jax.jit(L.jnp.sin)(x) + 1, (1.0,)),
    "jit_twice": (lambda L: lambda x: L.jax.jit(L.jnp.sin)(x) + L.jax.jit(L.jnp.sin)(x),
                  (1.0,)),
    "jit_nested": (lambda L: lambda x: L.jax.jit(lambda y: L.jax.jit(L.jnp.cos)(y) * 2.)(x),
                   (1.0,)),
    "jit_pytree": (lambda L: L.jax.jit(lambda d: {"s": d["a"] + d["b"], "p": d["a"] * d["b"]}),
                   ({"a": 1.0, "b": 2.0},)),
    "jit_static": (lambda L: lambda x: L.jax.jit(lambda y, n: y ** n, static_argnums=1)(x, 3),
                   (1.0,)),
    "jit_closure": (lambda L: lambda x, y: L.jax.jit(lambda z: z * y)(x), (1.0, 2.0)),
    "jit_and_cond_long_bodies": (lambda L: _jit_and_cond_long_bodies(L), (1.0,)),
    "custom_jvp": (lambda L: _custom_jvp(L), (1.0,)),
    "custom_vjp": (lambda L: _custom_vjp(L), (1.0,)),
    "grad_custom_vjp": (lambda L: L.jax.grad(_custom_vjp(L)), (1.0,)),
    "custom_jvp_defjvps": (lambda L: _defjvps(L), (1.0, 2.0)),
    "custom_jvp_under_jit": (lambda L: L.jax.jit(_defjvps(L)), (1.0, 2.0)),
    "custom_vjp_nondiff_argnums": (lambda L: _clip_gradient(L), (1.0,)),
}

TRANSFORMS = {
    "grad_sin": (lambda L: L.jax.grad(L.jnp.sin), (1.0,)),
    "grad_exp": (lambda L: L.jax.grad(L.jnp.exp), (1.0,)),
    "grad_argnums": (lambda L: L.jax.grad(lambda x, y: x * y, argnums=(0, 1)), (1.0, 2.0)),
    "value_and_grad": (lambda L: L.jax.value_and_grad(lambda x: L.jnp.sin(x) * 3.0), (1.0,)),
    "jvp_sin": (lambda L: lambda x, t: L.jax.jvp(L.jnp.sin, (x,), (t,)), (1.0, 1.0)),
    "jvp_mul": (lambda L: lambda x, y: L.jax.jvp(lambda a: a * y, (x,), (1.0,)), (1.0, 2.0)),
    "jvp_exp": (lambda L: lambda x: L.jax.jvp(L.jnp.exp, (x,), (x,)), (1.0,)),
    "linearize_sin": (lambda L: lambda x: L.jax.linearize(L.jnp.sin, x)[1](x), (1.0,)),
    "vjp_sin": (lambda L: lambda x: L.jax.vjp(L.jnp.sin, x)[1](x), (1.0,)),
    "vmap_sin": (lambda L: L.jax.vmap(L.jnp.sin), (X3,)),
    "vmap_mul": (lambda L: L.jax.vmap(lambda a, b: a * b), (X3, X3)),
}


def _texts(table, name):
    make, args = table[name]
    return (str(zenax.make_jaxpr(make(ZENAX))(*args)),
            str(jax.make_jaxpr(make(JAX))(*args)))


def _check_all(table):
    differ = []
    for name in table:
        got, want = _texts(table, name)
        if got != want:
            differ.append(f"--- {name}: zenax printed\n{got}\n--- JAX printed\n{want}")
    assert not differ, "\n".join(differ)


def test_simple_programs_print_as_jax():
    _check_all(SIMPLE)


def test_pytree_programs_print_as_jax():
    _check_all(PYTREES)


def test_cond_and_switch_print_as_jax():
    _check_all(COND)


def test_loops_print_as_jax():
    _check_all(LOOPS)


def test_jit_calls_and_custom_rules_print_as_jax():
    _check_all(CALLS_AND_RULES)


def test_transformed_functions_print_as_jax():
    _check_all(TRANSFORMS)


def test_enough_programs_are_compared():
    tables = (SIMPLE, PYTREES, COND, LOOPS, CALLS_AND_RULES, TRANSFORMS)
    assert sum(map(len, tables)) >= 30


def test_layout_details():
    # One line when it fits in 80 columns (the closing brace counts), else one equation
    # a line; unused results of the outer jaxpr print as `_`; an equation without
    # operands keeps JAX's trailing space.
    got, want = _texts(SIMPLE, "sin_mul")
    assert got == want == ("{ lambda ; a:f32[]. let b:f32[] = sin a; "
                           "c:f32[] = mul b 2.0:f32[] in (c,) }")
    got, _ = _texts(TRANSFORMS, "grad_sin")
    assert got.splitlines()[1] == "    _:f32[] = sin a"
    got, want = _texts(SIMPLE, "identity")
    assert got == want == "{ lambda ; a:f32[]. let  in (a,) }"


def test_jit_body_used_twice_is_printed_once():
    # The cached body is one jaxpr: JAX prints it first, named after the function.
    got, want = _texts(CALLS_AND_RULES, "jit_twice")
    assert got == want
    assert got.startswith("let sin = { lambda ; a:f32[]. let b:f32[] = sin a in (b,) } in\n")
    assert got.count("jit[name=sin jaxpr=sin] c") == 2


def test_source_lines_annotate_equations():
    text = zenax.make_jaxpr(zenax.grad(lambda x: jnp.sin(x) * 2.0))(1.0).pretty_print(
        source_info=True)
    lines = text.splitlines()[1:-1]
    assert all("  # " in ln and "test_jaxpr_printing.py" in ln for ln in lines)
    assert any(ln.endswith("[transposed]") for ln in lines)
    assert any(ln.endswith("[tangent]") for ln in lines)


def test_avals_print_as_jax():
    for x in (np.ones((2, 3), np.float32), 1.0, np.int32(3), np.ones(2, np.bool_)):
        assert str(zenax.typeof(x)) == str(jax.typeof(x))
        assert repr(zenax.typeof(x)) == repr(jax.typeof(x))
    # jaxprs keep the short dtype names
    assert zenax.typeof(X3).str_short() == "f32[3]"
