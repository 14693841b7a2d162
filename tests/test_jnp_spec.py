"""zenax.numpy against jax.numpy, driven by the NumPy-level spec table (jnp_spec_table.py).

For every row, case and dtype the table lists:

* eager and ``zenax.jit`` results equal ``jax.numpy``'s (shape, dtype, weak type, values);
* for differentiable rows at float32, ``zenax.jvp`` equals ``jax.jvp`` and ``zenax.vjp``
  equals ``jax.vjp`` (with respect to the floating-point operands; the others held fixed);
* at each row's first dtype, ``zenax.vmap`` over a batch of 3 equals ``jax.vmap``.

Compiles are what cost: each instance's JAX oracle is one ``jax.jit`` function, and its
``zenax.jit`` function is built once, both reused by every check of that instance.
"""
import functools
import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax

from jnp_spec_table import SPECS
from oracle import assert_same
from spec import f32, instances

B = 3   # the vmap batch size

INSTANCES = list(instances(SPECS))
DIFF = [i for i in INSTANCES if i[0].differentiable and i[2] == f32]
FIRST_DTYPE = [i for i in INSTANCES if i[2] == i[0].dtypes[0]]


def ids(insts):
    return [i[3] for i in insts]


class Instance:
    """One ``(spec, case, dtype)``: its operands and params (seeded by the test id), the
    zenax function and the JAX oracle of the operands, each jitted once."""

    def __init__(self, spec, case, dtype, test_id):
        self.spec, self.case, self.dtype = spec, case, dtype
        self.rng = np.random.RandomState(zlib.crc32(test_id.encode()))
        self.args = spec.args(self.rng, case, dtype)
        params = spec.params(case, dtype)
        self.zf = functools.partial(spec.zfun, **params)
        self.jf = jax.jit(functools.partial(spec.jfun, **params))
        self.zf_jit = zenax.jit(self.zf)

    def inexact(self) -> list:
        return [i for i, x in enumerate(self.args) if jnp.issubdtype(x.dtype, np.inexact)]

    def fix(self, fun, positions):
        """``fun`` as a function of the operands at ``positions``, the others fixed."""
        def f(*xs):
            full = list(self.args)
            for i, x in zip(positions, xs):
                full[i] = x
            return fun(*full)
        return f

    def batched_args(self) -> list:
        return [self.spec.domain(i, a).sample(self.rng, (B,) + a.shape,
                                              self.dtype if a.dtype is None else a.dtype)
                for i, a in enumerate(self.case.args)]


@functools.lru_cache(maxsize=None)
def _instance(test_id) -> Instance:
    spec, case, dtype, _ = next(i for i in INSTANCES if i[3] == test_id)
    return Instance(spec, case, dtype, test_id)


@pytest.mark.parametrize("spec,case,dtype,test_id", INSTANCES, ids=ids(INSTANCES))
def test_eager_and_jit_match_jax(spec, case, dtype, test_id):
    inst = _instance(test_id)
    expected = inst.jf(*inst.args)
    assert_same(inst.zf(*inst.args), expected, tol=spec.tol, err_msg="eager")
    assert_same(inst.zf_jit(*inst.args), expected, tol=spec.tol, err_msg="jit")


def derivative_tol(spec) -> dict:
    """The row's float32 tolerance, with some slack: a derivative may be computed by
    another (equal) formula than JAX's."""
    rtol, atol = spec.tolerance(f32)
    return {"float32": (max(rtol, 2e-5), max(atol, 2e-5))}


@pytest.mark.parametrize("spec,case,dtype,test_id", DIFF, ids=ids(DIFF))
def test_jvp_and_vjp_match_jax(spec, case, dtype, test_id):
    inst = _instance(test_id)
    tol = derivative_tol(spec)
    positions = inst.inexact()
    zf, jf = inst.fix(inst.zf, positions), inst.fix(inst.jf, positions)
    primals = tuple(inst.args[i] for i in positions)
    tangents = tuple(inst.rng.standard_normal(x.shape).astype(x.dtype) for x in primals)
    assert_same(zenax.jvp(zf, primals, tangents), jax.jvp(jf, primals, tangents),
                tol=tol, err_msg="jvp")
    out, f_vjp = zenax.vjp(zf, *primals)
    expected, jf_vjp = jax.vjp(jf, *primals)
    assert_same(out, expected, tol=tol, err_msg="vjp primal")
    cts = inst.rng.standard_normal(np.shape(expected)).astype(expected.dtype)
    assert_same(f_vjp(cts), jf_vjp(cts), tol=tol, err_msg="vjp cotangents")


@pytest.mark.parametrize("spec,case,dtype,test_id", FIRST_DTYPE, ids=ids(FIRST_DTYPE))
def test_vmap_matches_jax(spec, case, dtype, test_id):
    inst = _instance(test_id)
    args = inst.batched_args()
    assert_same(zenax.vmap(inst.zf)(*args), jax.vmap(inst.jf)(*args), tol=spec.tol,
                err_msg="vmap")


def test_table_is_well_formed():
    for spec in SPECS:
        assert spec.cases and spec.dtypes, spec.name
        assert all(spec.dtypes_for(c) for c in spec.cases), spec.name
        assert hasattr(zenax.numpy, spec.name.split("/")[0]), spec.name
