"""Autodiff against JAX: ``zenax.jvp``/``vjp``/``linearize``/``grad`` vs ``jax``'s.

Part 1 walks the spec table (spec_table.py): for every differentiable primitive, at
float32 (and complex64 where the table has it), over its shapes (scalars, arrays, scalar
with array):

* ``zenax.jvp`` equals ``jax.jvp`` of the same ``jax.lax`` program, and ``zenax.vjp``
  equals ``jax.vjp``;
* ``check_grads(f, args, order=2, modes=("fwd", "rev"))`` passes (real dtypes);
* the linear jaxpr from ``zenax.linearize`` and the staged transposed program
  (``make_jaxpr`` of a vjp) pass ``typecheck_jaxpr``;
* for linear primitives, the transpose rule applied to the primitive's own jaxpr equals
  ``jax.linear_transpose`` and satisfies ``<ct, f(t)> == <f^T(ct), t>``;
* non-differentiable primitives (and integer inputs) give zero tangents, with JAX's dtypes
  (``float0`` for integer and boolean outputs).

Part 2 checks the public API on small programs written with ``zenax.lax`` (an MLP loss,
softmax cross-entropy, pytree parameters, ``has_aux``, ``argnums``, holomorphic and integer
inputs), nesting (``grad(grad)``, ``jvp(grad)``, closures over outer tracers, perturbation
confusion) and JAX's errors.  Jacobians and Hessians are in test_jacobians.py.

Operands that are not floating point (a ``select_n`` predicate, say) are held fixed: each
instance is differentiated with respect to its inexact operands only.
"""
import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
from zenax import lax
from zenax.test_util import check_grads
from zenax.transforms.transpose import backward_pass

from lax_programs import (mlp_data, mlp_dict_data, mlp_loss, mlp_loss_dict,
                          softmax_cross_entropy, softmax_data)
from oracle import assert_same
from spec import boolean, c64, f32, i32, instances
from spec_table import SPECS

float0 = jax.dtypes.float0
jlax = jax.lax


# ## Instances of the spec table

def is_inexact(dtype) -> bool:
    return jnp.issubdtype(dtype, np.inexact)


def out_dtype(spec, case, dtype, test_id):
    """The dtype of the instance's output (from JAX's shape evaluation)."""
    shapes = [jax.ShapeDtypeStruct(a.shape, dtype if a.dtype is None else a.dtype)
              for a in case.args]
    return np.dtype(jax.eval_shape(lambda *xs: spec.jfun(*xs, **spec.params(case, dtype)),
                                   *shapes).dtype)


# Every elementwise primitive here has a jvp rule, to every order (digamma's derivative is
# polygamma(1, x), lax/special_gamma.py).
NO_JVP_RULE: set = set()
FIRST_ORDER_ONLY: set = set()
# stop_gradient's derivative is zero by definition, not by finite differences.
NOT_BY_FINITE_DIFFERENCES = {"stop_gradient"}

# float32 and complex64; cases that exist only for low-precision dtypes (dot_general with
# preferred_element_type) at their first dtype.
DIFF = [i for i in instances(SPECS) if i[0].differentiable and i[0].name not in NO_JVP_RULE
        and (i[2] in (f32, c64) or (i[1].dtypes is not None and f32 not in i[1].dtypes
                                    and i[2] == i[1].dtypes[0]))]
# Finite differences need float32 on both sides (f16/bf16 outputs round away the step).
DIFF_F32 = [i for i in DIFF if i[2] == f32 and out_dtype(*i) == f32
            and i[0].name not in NOT_BY_FINITE_DIFFERENCES]
# Transposition needs an inexact output (casts to int32/bool are not linear maps).
LINEAR = [i for i in DIFF if (i[0].linear or i[0].linear_in) and is_inexact(out_dtype(*i))]


def first_case_per_dtype(insts):
    seen, out = set(), []
    for inst in insts:
        if (inst[0].name, inst[2]) not in seen:
            seen.add((inst[0].name, inst[2]))
            out.append(inst)
    return out


# Every non-differentiable primitive, and integer/bool inputs of the differentiable ones:
# one case per (primitive, dtype) for float32, int32 and bool (zeros need no more shapes).
NONDIFF = first_case_per_dtype(i for i in instances(SPECS) if i[2] in (f32, i32, boolean)
                               and (not i[0].differentiable or i[2] != f32)
                               and i[0].name != "nextafter")

ids = lambda insts: [i[3] for i in insts]


def _clamp_oracle(lo, x, hi):
    # jax.jvp of lax.clamp fails for scalar bounds with an array operand (its rule builds
    # a select of mismatched shapes); broadcasting the bounds first is the same function.
    shape = np.shape(x)
    return jlax.clamp(jnp.broadcast_to(lo, shape), x, jnp.broadcast_to(hi, shape))


def _select_n_oracle(which, *cases):
    # jax.vjp of a one-case select_n fails inside JAX (IndexError); it is the identity.
    return cases[0] if len(cases) == 1 else jlax.select_n(which, *cases)


# Where JAX cannot differentiate the table's jax callable as written, an equal function
# it can differentiate.
_JAX_ORACLE = {"clamp": _clamp_oracle, "select_n": _select_n_oracle}


class Instance:
    """One ``(spec, case, dtype)`` as functions of its inexact operands.

    ``zf``/``jf`` are the zenax/jax callables with the other operands and the params fixed;
    ``dargs`` are the inexact operands; ``rng`` is seeded by the test id.
    """

    def __init__(self, spec, case, dtype, test_id):
        self.rng = np.random.RandomState(zlib.crc32(test_id.encode()))
        self.spec = spec
        self.args = [np.asarray(a) for a in spec.args(self.rng, case, dtype)]
        self.params = spec.params(case, dtype)
        self.diff = [i for i, a in enumerate(self.args) if is_inexact(a.dtype)]
        self.dargs = tuple(self.args[i] for i in self.diff)
        self.zf, self.jf = self.zfix(), self.jfix()

    def zfix(self, positions=None):
        """The zenax callable as a function of the operands at ``positions`` (default:
        the inexact ones), the others and the params fixed."""
        return self._fix(self.spec.zfun, self.params, positions)

    def jfix(self, positions=None):
        """The same for JAX."""
        params = dict(self.params)
        # jax.lax's reductions reject negative axes under jvp; zenax.lax accepts them.
        if "axes" in params:
            params["axes"] = tuple(a % self.args[0].ndim for a in params["axes"])
        if "axis" in params and "index_dtype" in params:
            params["axis"] %= self.args[0].ndim
        return self._fix(_JAX_ORACLE.get(self.spec.name, self.spec.jfun), params, positions)

    def _fix(self, fun, params, positions):
        positions = self.diff if positions is None else list(positions)

        def f(*xs):
            full = list(self.args)
            for i, x in zip(positions, xs):
                full[i] = x
            return fun(*full, **params)
        return f

    def random_like(self, x):
        return random_like(self.rng, x)


def random_like(rng, x):
    """A random tangent (or cotangent) for ``x`` (anything with shape and dtype); float0
    zeros for integer and boolean ``x``, as JAX wants."""
    if not is_inexact(x.dtype):
        return np.zeros(x.shape, float0)
    out = rng.standard_normal(x.shape)
    if jnp.issubdtype(x.dtype, np.complexfloating):
        out = out + 1j * rng.standard_normal(x.shape)
    return out.astype(x.dtype)


# Derivatives where a test names no tolerance: a rule may use another (equal) formula
# than JAX's.
TOL = dict(rtol=2e-5, atol=2e-5)


def tolerance(spec, dtype):
    """The table's tolerance, with some slack: a derivative rule may use another (equal)
    formula than JAX's."""
    rtol, atol = spec.tolerance(dtype)
    return max(rtol, 2e-5), max(atol, 2e-5)


def inner(xs, ys) -> float:
    """Real inner product of two lists of arrays (the pairing of tangents and cotangents
    for real and complex values alike)."""
    return sum(float(np.sum(np.asarray(x, np.complex128) * np.asarray(y, np.complex128)).real)
               for x, y in zip(xs, ys))


# ## jvp and vjp against JAX, per primitive

@pytest.mark.parametrize("spec,case,dtype,test_id", DIFF, ids=ids(DIFF))
def test_jvp_matches_jax(spec, case, dtype, test_id):
    inst = Instance(spec, case, dtype, test_id)
    tangents = tuple(inst.random_like(x) for x in inst.dargs)
    out, t_out = zenax.jvp(inst.zf, inst.dargs, tangents)
    expected, t_expected = jax.jvp(inst.jf, inst.dargs, tangents)
    rtol, atol = tolerance(spec, dtype)
    assert_same(out, expected, rtol=rtol, atol=atol, err_msg="primal")
    assert_same(t_out, t_expected, rtol=rtol, atol=atol, err_msg="tangent")


@pytest.mark.parametrize("spec,case,dtype,test_id", DIFF, ids=ids(DIFF))
def test_vjp_matches_jax(spec, case, dtype, test_id):
    inst = Instance(spec, case, dtype, test_id)
    out, f_vjp = zenax.vjp(inst.zf, *inst.dargs)
    expected, jf_vjp = jax.vjp(inst.jf, *inst.dargs)
    rtol, atol = tolerance(spec, dtype)
    assert_same(out, expected, rtol=rtol, atol=atol, err_msg="primal")
    ct = inst.random_like(expected)
    cts, cts_expected = f_vjp(ct), jf_vjp(ct)
    assert isinstance(cts, tuple) and len(cts) == len(inst.dargs)
    for i, (a, e) in enumerate(zip(cts, cts_expected)):
        assert_same(a, e, rtol=rtol, atol=atol, err_msg=f"cotangent of operand {inst.diff[i]}")


@pytest.mark.parametrize("spec,case,dtype,test_id", DIFF_F32, ids=ids(DIFF_F32))
def test_check_grads(spec, case, dtype, test_id):
    inst = Instance(spec, case, dtype, test_id)
    order = 1 if spec.name in FIRST_ORDER_ONLY else 2
    check_grads(inst.zf, inst.dargs, order=order, modes=("fwd", "rev"))


@pytest.mark.parametrize("spec,case,dtype,test_id", DIFF, ids=ids(DIFF))
def test_linearized_and_transposed_jaxprs_typecheck(spec, case, dtype, test_id):
    inst = Instance(spec, case, dtype, test_id)
    out, f_jvp = zenax.linearize(inst.zf, *inst.dargs)
    linear = f_jvp.jaxpr
    assert isinstance(linear, zenax.ClosedJaxpr)
    assert zenax.typecheck_jaxpr(linear) is None
    assert [(a.shape, a.dtype) for a in linear.in_avals] == \
        [(x.shape, x.dtype) for x in inst.dargs]
    # The linearized function computes the jvp.
    tangents = [inst.random_like(x) for x in inst.dargs]
    _, t_expected = jax.jvp(inst.jf, inst.dargs, tuple(tangents))
    if t_expected.dtype != float0:
        rtol, atol = tolerance(spec, dtype)
        assert_same(f_jvp(*tangents), t_expected, rtol=rtol, atol=atol, err_msg="linearize")
    ct = inst.random_like(out)
    transposed = zenax.make_jaxpr(lambda *a: zenax.vjp(inst.zf, *a)[1](ct))(*inst.dargs)
    assert zenax.typecheck_jaxpr(transposed) is None
    assert [(a.shape, a.dtype) for a in transposed.out_avals] == \
        [(x.shape, x.dtype) for x in inst.dargs]


# ## Transposition of linear primitives

def _linear_positions(inst):
    """Groups of operand positions in which the primitive is linear: all inexact operands
    jointly (``linear``), and each ``linear_in`` position alone."""
    groups = []
    if inst.spec.linear:
        groups.append(tuple(inst.diff))
    groups += [(i,) for i in inst.spec.linear_in if i in inst.diff and (i,) not in groups]
    return groups


@pytest.mark.parametrize("spec,case,dtype,test_id", LINEAR, ids=ids(LINEAR))
def test_transpose_rule_of_linear_primitive(spec, case, dtype, test_id):
    """``backward_pass`` over the primitive's own jaxpr (its transpose rule, no linearize)
    equals ``jax.linear_transpose``, and ``<ct, f(t) - f(0)> == <f^T(ct), t>``."""
    inst = Instance(spec, case, dtype, test_id)
    groups = _linear_positions(inst)
    assert groups, "a linear spec must have an inexact operand to transpose in"
    rtol, atol = tolerance(spec, dtype)
    # The identity holds up to rounding in the output's and the operands' dtypes.
    out_rtol, out_atol = np.maximum(spec.tolerance(out_dtype(spec, case, dtype, test_id)),
                                    spec.tolerance(dtype))
    for positions in groups:
        zf, jf = inst.zfix(positions), inst.jfix(positions)
        xs = [inst.args[i] for i in positions]
        closed = zenax.make_jaxpr(zf)(*xs)
        ct = inst.random_like(jax.eval_shape(jf, *xs))
        cts = backward_pass(closed.jaxpr, closed.consts, [ct])
        expected = jax.linear_transpose(jf, *xs)(ct)
        assert len(cts) == len(expected) == len(xs)
        for i, (a, e) in enumerate(zip(cts, expected)):
            assert_same(a, e, rtol=rtol, atol=atol, err_msg=f"transpose in operand {positions[i]}")
        # With the other operands fixed, f is affine in xs: f(t) - f(0) is its linear part.
        ts = [inst.random_like(x) for x in xs]
        f_t = np.asarray(zf(*ts), np.complex128) - np.asarray(zf(*map(np.zeros_like, xs)),
                                                            np.complex128)
        lhs, rhs = inner([ct], [f_t]), inner(cts, ts)
        np.testing.assert_allclose(lhs, rhs, rtol=max(out_rtol, 1e-5),
                                   atol=max(out_atol, 1e-5) * (1 + abs(lhs)))


# ## Non-differentiable primitives and integer inputs

@pytest.mark.parametrize("spec,case,dtype,test_id", NONDIFF, ids=ids(NONDIFF))
def test_zero_tangents_like_jax(spec, case, dtype, test_id):
    inst = Instance(spec, case, dtype, test_id)
    everything = range(len(inst.args))
    zf, jf = inst.zfix(everything), inst.jfix(everything)
    primals = tuple(inst.args)
    tangents = tuple(inst.random_like(x) for x in primals)
    expected, t_expected = jax.jvp(jf, primals, tangents)
    out, t_out = zenax.jvp(zf, primals, tangents)
    assert_same(out, expected, rtol=0, atol=0, err_msg="primal")
    assert_same(t_out, t_expected, rtol=0, atol=0, err_msg="tangent")
    if t_out.dtype != float0:
        assert not np.any(np.asarray(t_out))


def test_nextafter_has_no_jvp_rule_like_jax():
    # nextafter(x, y) moves x by one ulp: its derivative in x is 1, not 0, so a zero rule
    # would be wrong; JAX declines to differentiate it, and so do we.
    x, y = np.float32(1.0), np.float32(2.0)
    with pytest.raises(NotImplementedError, match="nextafter"):
        jax.jvp(jlax.nextafter, (x, y), (x, y))
    with pytest.raises(NotImplementedError, match="nextafter"):
        zenax.jvp(lax.nextafter, (x, y), (x, y))
    with pytest.raises(NotImplementedError, match="nextafter"):
        zenax.grad(lax.nextafter)(x, y)


# ## Kinks, ties and other special points, against JAX's conventions

def _arr(*values, dtype=np.float32):
    return np.array(values, dtype)


def _clamp_at_bounds(L, x):
    shape = x.shape
    return L.clamp(L.broadcast_in_dim(np.float32(-1), shape, ()), x,
                   L.broadcast_in_dim(np.float32(1), shape, ()))


SPECIAL_POINTS = {
    "max_ties": (lambda L, x, y: L.max(x, y), (_arr(1, 2, 3), _arr(1, 0, 3))),
    "min_ties": (lambda L, x, y: L.min(x, y), (_arr(1, 2, 3), _arr(1, 0, 3))),
    "reduce_max_ties": (lambda L, x: L.reduce_max(x, (1,)),
                        (np.array([[1, 3, 3], [2, 2, 0]], np.float32),)),
    "reduce_min_ties_all_axes": (lambda L, x: L.reduce_min(x, (0, 1)),
                                 (np.array([[1, 3, 1], [2, 1, 0.5]], np.float32),)),
    "reduce_prod_with_zeros": (lambda L, x: L.reduce_prod(x, (1,)),
                               (np.array([[0, 2, 3], [0, 0, 4], [1, 2, 3]], np.float32),)),
    "abs_and_sign_at_zero": (lambda L, x: L.add(L.abs(x), L.sign(x)), (_arr(0, -1, 2),)),
    "complex_abs_at_zero": (lambda L, z: L.abs(z), (_arr(3 + 4j, 0, -1j, dtype=np.complex64),)),
    "clamp_at_bounds": (_clamp_at_bounds, (_arr(-1, 0, 1, 2, -3),)),
    "integer_pow_at_zero": (lambda L, x: L.add(L.integer_pow(x, 1), L.integer_pow(x, 2)),
                            (_arr(0, 1),)),
    "select_n_same_operand": (lambda L, p, x: L.select_n(p, x, x),
                              (np.array([True, False]), _arr(1, 2))),
    "atan2_on_axes": (lambda L, x, y: L.atan2(x, y), (_arr(0, 1, -1), _arr(1, 0, -1))),
    "rem_negative": (lambda L, x, y: L.rem(x, y), (_arr(-3.5, 3.5, 2.5), _arr(2, -2, 1))),
    "round_half_integers": (lambda L, x: L.round(x), (_arr(0.5, 1.5, -0.5),)),
    "tanh_logistic_saturated": (lambda L, x: L.add(L.tanh(x), L.logistic(L.mul(x, 3.0))),
                                (_arr(20, -20, 0),)),
    "erf_inv_near_one": (lambda L, x: L.erf_inv(x), (_arr(0.99, -0.999, 0),)),
    "complex_sqrt_log_div": (lambda L, z, w: L.div(L.add(L.sqrt(z), L.log(z)), w),
                             (_arr(3 + 4j, -1j, 1, dtype=np.complex64),
                              _arr(1 - 1j, 2j, -3, dtype=np.complex64))),
}


def _special_point(name):
    fun, args = SPECIAL_POINTS[name]
    diff = [i for i, a in enumerate(args) if is_inexact(a.dtype)]

    def fix(L):
        def f(*xs):
            full = list(args)
            for i, x in zip(diff, xs):
                full[i] = x
            return fun(L, *full)
        return f
    rng = np.random.RandomState(zlib.crc32(name.encode()))
    return fix(lax), fix(jlax), tuple(args[i] for i in diff), rng


@pytest.mark.parametrize("name", list(SPECIAL_POINTS))
def test_special_points_match_jax(name):
    zf, jf, dargs, rng = _special_point(name)
    tangents = tuple(random_like(rng, x) for x in dargs)
    assert_same(zenax.jvp(zf, dargs, tangents), jax.jvp(jf, dargs, tangents), **TOL)
    out, f_vjp = zenax.vjp(zf, *dargs)
    j_out, j_vjp = jax.vjp(jf, *dargs)
    ct = random_like(rng, j_out)
    assert_same((out, f_vjp(ct)), (j_out, j_vjp(ct)), **TOL)


def test_pow_derivative_at_zero_base_does_better_than_jax():
    # d/dx x**y at x == 0: JAX computes y * x**(y-1) = 0 * inf = nan for y == 0, although
    # x**0 == 1 everywhere; zenax gives 0.  Elsewhere both agree.
    x, y = _arr(0, 0, 0, 2), _arr(0, 1, 2, 0)
    t = _arr(1, 1, 1, 1)
    zt = zenax.jvp(lambda x: lax.pow(x, y), (x,), (t,))[1]
    jt = jax.jvp(lambda x: jlax.pow(x, y), (x,), (t,))[1]
    assert np.isnan(jt[0]) and zt[0] == 0
    np.testing.assert_allclose(zt[1:], jt[1:])
    g = zenax.grad(lambda x: lax.reduce_sum(lax.pow(x, y), (0,)))(x)
    np.testing.assert_array_equal(g, [0, 1, 0, 0])


# # Part 2: the public API on small programs

def both(fun):
    """``fun`` written against a lax module, as (zenax function, jax function)."""
    return (lambda *a, **k: fun(lax, *a, **k)), (lambda *a, **k: fun(jlax, *a, **k))


MLP_ZF, MLP_JF = both(mlp_loss)
MLP_DICT_ZF, MLP_DICT_JF = both(mlp_loss_dict)
XENT_ZF, XENT_JF = both(softmax_cross_entropy)

PROGRAMS = {
    "mlp": (MLP_ZF, MLP_JF, mlp_data()),
    "mlp_dict_params": (MLP_DICT_ZF, MLP_DICT_JF, mlp_dict_data()),
    "softmax_xent": (XENT_ZF, XENT_JF, softmax_data()),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
@pytest.mark.parametrize("argnums", [0, 1, (0, 1)], ids=["argnums0", "argnums1", "both"])
def test_grad_and_value_and_grad_match_jax(name, argnums):
    zf, jf, args = PROGRAMS[name]
    assert_same(zenax.grad(zf, argnums)(*args), jax.grad(jf, argnums)(*args), **TOL)
    value, g = zenax.value_and_grad(zf, argnums)(*args)
    j_value, j_g = jax.value_and_grad(jf, argnums)(*args)
    assert_same(value, j_value, **TOL, err_msg="value")
    assert_same(g, j_g, **TOL)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_vjp_and_linearize_of_program_match_jax(name):
    zf, jf, args = PROGRAMS[name]
    out, f_vjp = zenax.vjp(zf, *args)
    j_out, j_vjp = jax.vjp(jf, *args)
    assert_same(out, j_out, **TOL)
    assert_same(f_vjp(np.float32(1.5)), j_vjp(np.float32(1.5)), **TOL)
    tangents = jax.tree_util.tree_map(lambda x: np.full_like(x, 0.25), args)
    out, f_jvp = zenax.linearize(zf, *args)
    assert zenax.typecheck_jaxpr(f_jvp.jaxpr) is None
    assert_same(f_jvp(*tangents), jax.jvp(jf, args, tangents)[1], **TOL, err_msg="linearize")
    assert_same(zenax.jvp(zf, args, tangents)[1], jax.jvp(jf, args, tangents)[1], **TOL,
                err_msg="jvp")


def test_results_are_jax_arrays():
    # Symbolic zeros and pass-through cotangents are materialized as arrays, as in JAX.
    assert isinstance(zenax.grad(lambda x: x)(2.0), jax.Array)
    assert isinstance(zenax.grad(lambda x, y: x, argnums=1)(1.0, 2.0), jax.Array)
    x = np.float32(1.0)
    assert isinstance(zenax.jvp(lax.stop_gradient, (x,), (x,))[1], jax.Array)
    assert isinstance(zenax.vjp(lambda x, y: x, x, x)[1](x)[1], jax.Array)


def test_grad_passes_keyword_arguments_through():
    zf, jf = both(lambda L, x, *, scale: L.mul(L.sin(x), scale))
    assert_same(zenax.grad(zf)(np.float32(0.3), scale=np.float32(2.0)),
                jax.grad(jf)(np.float32(0.3), scale=np.float32(2.0)), **TOL)


def test_grad_of_dict_params_keeps_the_dict_structure():
    params, x, y = mlp_dict_data()
    g = zenax.grad(MLP_DICT_ZF)(params, x, y)
    assert isinstance(g, dict) and set(g) == {"hidden", "out"}
    assert {k: set(v) for k, v in g.items()} == {"hidden": {"w", "b"}, "out": {"w", "b"}}
    assert g["hidden"]["w"].shape == params["hidden"]["w"].shape


def test_staged_grad_typechecks_and_evaluates_to_jax_grad():
    params, x, y = mlp_data()
    closed = zenax.make_jaxpr(zenax.grad(MLP_ZF))(params, x, y)
    assert zenax.typecheck_jaxpr(closed) is None
    flat = jax.tree_util.tree_leaves((params, x, y))
    outs = zenax.eval_jaxpr(closed.jaxpr, closed.consts, *flat)
    assert_same(outs, jax.tree_util.tree_leaves(jax.grad(MLP_JF)(params, x, y)), **TOL)


# ## has_aux, argnums, holomorphic, allow_int

def _loss_with_aux(L, params, x, y):
    loss = mlp_loss(L, params, x, y)
    return loss, {"loss": loss, "first_bias": L.neg(params[0][1])}


LOSS_AUX_ZF, LOSS_AUX_JF = both(_loss_with_aux)


def test_grad_has_aux():
    args = mlp_data()
    g, aux = zenax.grad(LOSS_AUX_ZF, has_aux=True)(*args)
    j_g, j_aux = jax.grad(LOSS_AUX_JF, has_aux=True)(*args)
    assert_same(g, j_g, **TOL)
    assert_same(aux, j_aux, **TOL)


def test_value_and_grad_has_aux_and_argnums():
    args = mlp_data()
    (value, aux), g = zenax.value_and_grad(LOSS_AUX_ZF, argnums=(0, 2), has_aux=True)(*args)
    (j_value, j_aux), j_g = jax.value_and_grad(LOSS_AUX_JF, argnums=(0, 2),
                                               has_aux=True)(*args)
    assert_same(value, j_value, **TOL)
    assert_same(aux, j_aux, **TOL)
    assert isinstance(g, tuple) and len(g) == 2
    assert_same(g, j_g, **TOL)


def test_vjp_and_jvp_has_aux():
    args = mlp_data()
    out, f_vjp, aux = zenax.vjp(LOSS_AUX_ZF, *args, has_aux=True)
    j_out, j_vjp, j_aux = jax.vjp(LOSS_AUX_JF, *args, has_aux=True)
    assert_same(out, j_out, **TOL)
    assert_same(aux, j_aux, **TOL)
    assert_same(f_vjp(np.float32(1.0)), j_vjp(np.float32(1.0)), **TOL)
    tangents = jax.tree_util.tree_map(np.ones_like, args)
    out, t_out, aux = zenax.jvp(LOSS_AUX_ZF, args, tangents, has_aux=True)
    j_out, j_t_out, j_aux = jax.jvp(LOSS_AUX_JF, args, tangents, has_aux=True)
    assert_same((out, t_out, aux), (j_out, j_t_out, j_aux), **TOL)


def test_linearize_has_aux():
    args = mlp_data()
    out, f_jvp, aux = zenax.linearize(LOSS_AUX_ZF, *args, has_aux=True)
    j_out, j_jvp, j_aux = jax.linearize(LOSS_AUX_JF, *args, has_aux=True)
    tangents = jax.tree_util.tree_map(np.ones_like, args)
    assert_same((out, f_jvp(*tangents), aux), (j_out, j_jvp(*tangents), j_aux), **TOL)


def _three_args(L, x, y, z):
    return L.reduce_sum(L.mul(L.sin(x), L.add(L.mul(y, y), L.exp(z))), (0,))


@pytest.mark.parametrize("argnums", [0, 2, -1, (0, 2), (2, 0), (1,), (0, 1, 2)],
                         ids=lambda a: f"argnums={a}")
def test_argnums_match_jax(argnums):
    zf, jf = both(_three_args)
    rng = np.random.RandomState(1)
    args = [rng.standard_normal(4).astype(np.float32) for _ in range(3)]
    g = zenax.grad(zf, argnums)(*args)
    j_g = jax.grad(jf, argnums)(*args)
    assert type(g) is type(j_g)
    assert_same(g, j_g, **TOL)


def _holomorphic(L, z):
    return L.add(L.mul(z, L.sin(z)), L.exp(L.mul(z, z)))


@pytest.mark.parametrize("z", [0.5 + 0.25j, -1.0 + 2.0j], ids=["z1", "z2"])
def test_grad_holomorphic(z):
    zf, jf = both(_holomorphic)
    z = np.complex64(z)
    g = zenax.grad(zf, holomorphic=True)(z)
    assert_same(g, jax.grad(jf, holomorphic=True)(z), rtol=1e-5, atol=1e-5)
    value, g = zenax.value_and_grad(zf, holomorphic=True)(z)
    j_value, j_g = jax.value_and_grad(jf, holomorphic=True)(z)
    assert_same((value, g), (j_value, j_g), rtol=1e-5, atol=1e-5)
    gg = zenax.grad(zenax.grad(zf, holomorphic=True), holomorphic=True)(z)
    assert_same(gg, jax.grad(jax.grad(jf, holomorphic=True), holomorphic=True)(z), rtol=1e-4,
                atol=1e-4)


def test_grad_allow_int_gives_float0_for_integer_arguments():
    def f(L, x, n):
        return L.mul(x, L.convert_element_type(n, np.float32))
    zf, jf = both(f)
    x, n = np.float32(2.0), np.int32(3)
    g = zenax.grad(zf, argnums=(0, 1), allow_int=True)(x, n)
    j_g = jax.grad(jf, argnums=(0, 1), allow_int=True)(x, n)
    assert_same(g, j_g, **TOL)
    assert g[1].dtype == float0 and g[1].shape == ()
    # Only the integer argument: its gradient is float0 too.
    assert_same(zenax.grad(zf, argnums=1, allow_int=True)(x, n),
                jax.grad(jf, argnums=1, allow_int=True)(x, n), **TOL)


def test_vjp_with_integer_input_gives_float0_cotangent():
    def f(L, x, n):
        return L.mul(x, L.convert_element_type(n, np.float32))
    zf, jf = both(f)
    x, n = np.ones(3, np.float32), np.arange(3, dtype=np.int32)
    ct = np.full(3, 2.0, np.float32)
    assert_same(zenax.vjp(zf, x, n)[1](ct), jax.vjp(jf, x, n)[1](ct), **TOL)


def test_jvp_with_integer_input_takes_float0_tangent():
    def f(L, x, n):
        return L.mul(x, L.convert_element_type(n, np.float32)), L.add(n, n)
    zf, jf = both(f)
    primals = (np.float32(2.0), np.int32(3))
    tangents = (np.float32(1.0), np.zeros((), float0))
    assert_same(zenax.jvp(zf, primals, tangents), jax.jvp(jf, primals, tangents), **TOL)


# ## Nesting

def _sin_cube(L, x):
    return L.mul(L.sin(x), L.integer_pow(x, 3))


@pytest.mark.parametrize("x", [0.3, -1.7], ids=["x0.3", "x-1.7"])
def test_grad_of_grad_and_jvp_of_grad(x):
    zf, jf = both(_sin_cube)
    x = np.float32(x)
    assert_same(zenax.grad(zenax.grad(zf))(x), jax.grad(jax.grad(jf))(x), rtol=1e-5, atol=1e-5)
    assert_same(zenax.grad(zenax.grad(zenax.grad(zf)))(x), jax.grad(jax.grad(jax.grad(jf)))(x),
                rtol=1e-5, atol=1e-5)
    out = zenax.jvp(zenax.grad(zf), (x,), (np.float32(0.5),))
    assert_same(out, jax.jvp(jax.grad(jf), (x,), (np.float32(0.5),)), rtol=1e-5, atol=1e-5)
    out = zenax.grad(lambda x: zenax.jvp(zf, (x,), (np.float32(1.0),))[1])(x)
    assert_same(out, jax.grad(lambda x: jax.jvp(jf, (x,), (np.float32(1.0),))[1])(x), rtol=1e-5,
                atol=1e-5)


def test_hessian_vector_product_of_mlp_matches_jax():
    params, x, y = mlp_data()
    v = jax.tree_util.tree_map(np.ones_like, params)
    hvp = zenax.jvp(lambda p: zenax.grad(MLP_ZF)(p, x, y), (params,), (v,))[1]
    j_hvp = jax.jvp(lambda p: jax.grad(MLP_JF)(p, x, y), (params,), (v,))[1]
    assert_same(hvp, j_hvp, rtol=1e-4, atol=1e-4)


def test_grad_of_function_closing_over_outer_tracer():
    # d/dx [ d/dy (x * y * sin y) at y = x ]  (the inner grad closes over the outer x)
    def make(grad, L):
        def f(x):
            inner = grad(lambda y: L.mul(L.mul(x, y), L.sin(y)))
            return inner(x)
        return f
    x = np.float32(0.7)
    assert_same(zenax.grad(make(zenax.grad, lax))(x), jax.grad(make(jax.grad, jlax))(x), rtol=1e-5,
                atol=1e-5)
    # The classic: grad(lambda x: grad(lambda y: x * y)(x))(x) == 1
    f = lambda grad, L: grad(lambda x: grad(lambda y: L.mul(x, y))(x))
    assert_same(f(zenax.grad, lax)(x), f(jax.grad, jlax)(x), **TOL)
    assert float(f(zenax.grad, lax)(x)) == 1.0


def test_perturbation_confusion():
    # f(x) = x * d/dy (x + y) = x, so f'(x) = 1 -- 2 if the tangents were confused.
    def make(jvp, L):
        def f(x):
            return L.mul(x, jvp(lambda y: L.add(x, y), (1.0,), (1.0,))[1])
        return f
    out, t = zenax.jvp(make(zenax.jvp, lax), (1.0,), (1.0,))
    j_out, j_t = jax.jvp(make(jax.jvp, jlax), (1.0,), (1.0,))
    assert float(t) == float(j_t) == 1.0
    assert float(out) == float(j_out)
    assert float(zenax.grad(make(zenax.jvp, lax))(1.0)) == float(
        jax.grad(make(jax.jvp, jlax))(1.0)) == 1.0


def test_nested_vjp_typechecks():
    zf, _ = both(_sin_cube)
    x = np.float32(0.4)
    closed = zenax.make_jaxpr(zenax.grad(zenax.grad(zf)))(x)
    assert zenax.typecheck_jaxpr(closed) is None
    assert_same(closed(x)[0], jax.grad(jax.grad(both(_sin_cube)[1]))(x), rtol=1e-5, atol=1e-5)


# ## Errors, as JAX raises them

def test_grad_of_non_scalar_output_is_a_type_error():
    with pytest.raises(TypeError, match=r"scalar-output.*\(3,\)"):
        jax.grad(jlax.sin)(np.ones(3, np.float32))
    with pytest.raises(TypeError, match=r"scalar-output.*\(3,\)") as info:
        zenax.grad(lax.sin)(np.ones(3, np.float32))
    assert str(info.value).startswith("grad ")


def test_grad_of_integer_input_is_a_type_error_mentioning_allow_int():
    f = lambda L: (lambda x: L.convert_element_type(x, np.float32))
    with pytest.raises(TypeError, match="allow_int"):
        jax.grad(f(jlax))(np.int32(1))
    with pytest.raises(TypeError, match="allow_int") as info:
        zenax.grad(f(lax))(np.int32(1))
    assert str(info.value).startswith("grad requires") and "int32" in str(info.value)


def test_grad_of_complex_output_without_holomorphic_is_a_type_error():
    f = lambda L: (lambda x: L.complex(x, x))
    with pytest.raises(TypeError, match="holomorphic=True"):
        jax.grad(f(jlax))(1.0)
    with pytest.raises(TypeError, match="real-valued outputs.*holomorphic=True"):
        zenax.grad(f(lax))(1.0)


def test_holomorphic_grad_of_real_input_is_a_type_error():
    with pytest.raises(TypeError, match="complex dtype"):
        jax.grad(lambda x: x, holomorphic=True)(1.0)
    with pytest.raises(TypeError, match="holomorphic=True requires inputs with complex dtype"):
        zenax.grad(lambda x: x, holomorphic=True)(1.0)


@pytest.mark.parametrize("argnums,error", [(-3, ValueError), (2, TypeError),
                                           ((0, 5), TypeError)],
                         ids=["negative", "past_the_end", "tuple"])
def test_bad_argnums_raise_like_jax(argnums, error):
    f = lambda L: (lambda x, y: L.mul(x, y))
    with pytest.raises(error):
        jax.grad(f(jlax), argnums)(1.0, 2.0)
    with pytest.raises(error, match="argnums"):
        zenax.grad(f(lax), argnums)(1.0, 2.0)


x3 = np.ones(3, np.float32)
JVP_ERRORS = {
    "structure": ((x3,), (x3, x3), TypeError, "tree structure"),
    "shape": ((x3,), (np.ones(4, np.float32),), ValueError, r"shape.*\(3,\).*\(4,\)"),
    "dtype": ((x3,), (np.ones(3, np.float16),), TypeError, "float32.*float16"),
    "not_a_tuple": (x3, x3, TypeError, "tuples or lists"),
}


@pytest.mark.parametrize("primals,tangents,error,match", list(JVP_ERRORS.values()),
                         ids=list(JVP_ERRORS))
def test_jvp_argument_errors_like_jax(primals, tangents, error, match):
    with pytest.raises(error):
        jax.jvp(jlax.sin, primals, tangents)
    with pytest.raises(error, match=match):
        zenax.jvp(lax.sin, primals, tangents)


VJP_CT_ERRORS = {"shape": np.ones(4, np.float32), "dtype": np.ones(3, np.float16),
                 "python_int": 1}


@pytest.mark.parametrize("ct", list(VJP_CT_ERRORS.values()), ids=list(VJP_CT_ERRORS))
def test_vjp_cotangent_of_wrong_type_is_a_value_error(ct):
    x = x3 if np.ndim(ct) else np.float32(1.0)
    with pytest.raises(ValueError):
        jax.vjp(jlax.sin, x)[1](ct)
    with pytest.raises(ValueError, match=r"cotangent.*got (f16|f32|i32)\[.*type f32\["):
        zenax.vjp(lax.sin, x)[1](ct)


def test_vjp_cotangent_types_jax_accepts():
    # A Python float for a float32 output; anything for an integer output.
    assert_same(zenax.vjp(lax.sin, np.float32(1.0))[1](1.0),
                jax.vjp(jlax.sin, np.float32(1.0))[1](1.0), **TOL)
    to_int = lambda L: (lambda x: L.convert_element_type(x, np.int32))
    for ct in (np.int32(1), np.float32(1.0), np.zeros((), float0)):
        assert_same(zenax.vjp(to_int(lax), np.float32(1.0))[1](ct),
                    jax.vjp(to_int(jlax), np.float32(1.0))[1](ct), **TOL)


def test_grad_of_a_tuple_output_is_a_type_error():
    f = lambda L: (lambda x: (L.reduce_sum(x, (0,)),))
    with pytest.raises(TypeError, match="scalar-output"):
        jax.grad(f(jlax))(x3)
    with pytest.raises(TypeError, match="scalar-output.*tuple"):
        zenax.grad(f(lax))(x3)


def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError):
        jax.grad(jlax.sin, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="has_aux"):
        zenax.grad(lax.sin, has_aux=True)(1.0)
