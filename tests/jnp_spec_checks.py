"""The checks every NumPy-level spec table gets, as test functions a test file adopts.

A family's test file (``test_jnp_sorting.py``, ...) holds its rows and takes the four
checks with one line, so each family runs as its own file (its own xdist worker)::

    SPECS = [_np("sort", (f32, i32), cases=...), ...]
    (test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
     test_table_is_well_formed) = spec_tests(SPECS)

For every row, case and dtype:

* eager and ``zenax.jit`` results equal ``jax.numpy``'s (shape, dtype, weak type, values);
* for differentiable rows at float32, ``zenax.jvp`` equals ``jax.jvp`` and ``zenax.vjp``
  equals ``jax.vjp`` (with respect to the floating-point operands; the others held fixed);
* for each row's first case, ``zenax.vmap`` over a batch of 3 equals ``jax.vmap`` (a
  function's batching follows from its primitives' rules, which the primitive table
  checks case by case; rows with ``batchable=False`` -- functions JAX cannot vmap
  either -- are left out).

Compiles are what cost: each instance's JAX oracle is one ``jax.jit`` function, and its
``zenax.jit`` function is built once, both reused by every check of that instance.  The
transform checks run the transformed function under ``jit`` on both sides -- one
compile each instead of one per primitive of an op-by-op run; eager evaluation is what
the first check tests.
"""
from __future__ import annotations

import functools
import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
from zenax.lax import eager

from oracle import assert_same
from spec import f32, instances

B = 3   # the vmap batch size


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


def derivative_tol(spec) -> dict:
    """The row's float32 tolerance, with some slack: a derivative may be computed by
    another (equal) formula than JAX's."""
    rtol, atol = spec.tolerance(f32)
    return {"float32": (max(rtol, 2e-5), max(atol, 2e-5))}


def _resolves(module, dotted: str) -> bool:
    try:
        functools.reduce(getattr, dotted.split("."), module)
    except AttributeError:
        return False
    return True


def spec_tests(specs, namespace: tuple = (zenax.numpy, jnp)) -> tuple:
    """The four test functions of the table ``specs`` (see the module docstring).  Each
    row's name up to its first ``/`` is a dotted path (``"linalg.solve"``) that both
    modules of ``namespace`` (zenax's, then JAX's) must have."""
    insts = list(instances(specs))
    diff = [i for i in insts if i[0].differentiable and i[2] == f32]
    first_case, seen = [], set()
    for i in insts:
        if i[2] == i[0].dtypes[0] and getattr(i[0], "batchable", True) \
                and i[0].name not in seen:
            seen.add(i[0].name)
            first_case.append(i)
    by_id = {i[3]: i for i in insts}

    @functools.lru_cache(maxsize=None)
    def instance(test_id) -> Instance:
        spec, case, dtype, _ = by_id[test_id]
        return Instance(spec, case, dtype, test_id)

    @pytest.mark.parametrize("spec,case,dtype,test_id", insts, ids=ids(insts))
    def test_eager_and_jit_match_jax(spec, case, dtype, test_id):
        inst = instance(test_id)
        expected = inst.jf(*inst.args)
        assert_same(inst.zf(*inst.args), expected, tol=spec.tol, err_msg="eager")
        assert_same(inst.zf_jit(*inst.args), expected, tol=spec.tol, err_msg="jit")

    @pytest.mark.parametrize("spec,case,dtype,test_id", diff, ids=ids(diff))
    def test_jvp_and_vjp_match_jax(spec, case, dtype, test_id):
        inst = instance(test_id)
        tol = derivative_tol(spec)
        positions = inst.inexact()
        zf, jf = inst.fix(inst.zf, positions), inst.fix(inst.jf, positions)
        primals = tuple(inst.args[i] for i in positions)
        tangents = tuple(inst.rng.standard_normal(x.shape).astype(x.dtype) for x in primals)
        assert_same(zenax.jit(lambda p, t: zenax.jvp(zf, p, t))(primals, tangents),
                    jax.jit(lambda p, t: jax.jvp(jf, p, t))(primals, tangents),
                    tol=tol, err_msg="jvp")
        expected = jax.eval_shape(jf, *primals)
        cts = jax.tree.map(lambda e: inst.rng.standard_normal(np.shape(e)).astype(e.dtype),
                           expected)

        def pullback(vjp):
            def run(p, ct):
                out, f_vjp = vjp(p)
                return out, f_vjp(ct)
            return run
        out, ct_in = zenax.jit(pullback(lambda p: zenax.vjp(zf, *p)))(primals, cts)
        expected, expected_ct_in = jax.jit(pullback(lambda p: jax.vjp(jf, *p)))(primals, cts)
        assert_same(out, expected, tol=tol, err_msg="vjp primal")
        assert_same(ct_in, expected_ct_in, tol=tol, err_msg="vjp cotangents")

    @pytest.mark.parametrize("spec,case,dtype,test_id", first_case, ids=ids(first_case))
    def test_vmap_matches_jax(spec, case, dtype, test_id):
        inst = instance(test_id)
        args = inst.batched_args()
        assert_same(zenax.jit(zenax.vmap(inst.zf))(*args), jax.jit(jax.vmap(inst.jf))(*args),
                    tol=spec.tol, err_msg="vmap")

    def test_table_is_well_formed():
        names = [s.name for s in specs]
        assert len(set(names)) == len(names), "row names must be unique"
        for spec in specs:
            assert spec.cases and spec.dtypes, spec.name
            assert all(spec.dtypes_for(c) for c in spec.cases), spec.name
            assert all(_resolves(m, spec.name.split("/")[0]) for m in namespace), spec.name

    return (test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
            test_table_is_well_formed)


def assert_runs_compiled(zenax_fn, jax_fn, *args, tol: dict | None = None, **kwargs):
    """``zenax_fn(*args, **kwargs)`` on concrete arrays (NumPy ones are made ``jax.Array``s)
    runs as one compiled executable, never falling back to the plain path, and equals
    ``jax_fn``'s result (within ``tol``, per dtype name, as :func:`oracle.assert_same`).
    Returns zenax's result."""
    args = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    name = getattr(zenax_fn, "__name__", zenax_fn)
    before, calls = dict(eager.fallbacks), zenax_fn.compiled_calls
    out = zenax_fn(*args, **kwargs)
    assert zenax_fn.compiled_calls == calls + 1, f"{name} did not run compiled"
    assert eager.fallbacks == before, f"{name} fell back to the plain path"
    assert_same(out, jax_fn(*args, **kwargs), tol=tol, err_msg=str(name))
    return out
