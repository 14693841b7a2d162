"""zenax.ops (segment_sum / segment_prod / segment_max / segment_min) against jax.ops:
values, dtypes, derivatives, vmap, jit and bad input.

One jitted program per library computes every case of a kind, so the comparison costs a
handful of compiles."""
import jax
import numpy as np
import pytest

import zenax
import zenax.ops
from zenax.test_util import check_grads

from oracle import assert_same, raises_like_jax

OPS = ["segment_sum", "segment_prod", "segment_max", "segment_min"]
RNG = np.random.default_rng(0)
DATA = RNG.uniform(0.5, 1.5, (7, 2)).astype(np.float32)
IDS = np.array([0, 2, 2, 1, 0, 2, 5], np.int32)      # 5 is out of bounds for 4 segments
SORTED = np.array([0, 0, 1, 1, 1, 3, 3], np.int32)


def cases(lib):
    """Every op under several option sets, as one pytree of results."""
    ops = jax.ops if lib is jax else zenax.ops
    out = {}
    for name in OPS:
        op = getattr(ops, name)
        out[name] = (op(DATA, IDS, 4),
                     op(DATA, IDS, num_segments=4, bucket_size=3),
                     op(DATA, SORTED, 4, indices_are_sorted=True),
                     op(DATA[:, 0], IDS, 3, mode="clip"),
                     op(DATA.astype(np.int32) + 1, IDS, 4),
                     op(DATA > 1, SORTED, 5) if name in ("segment_max", "segment_min")
                     else op(DATA[:4], np.arange(4), 4, unique_indices=True))
    return out


def test_values_match_jax():
    # One compiled program per library holds every case (eager calls: the next test).
    assert_same(zenax.jit(lambda: cases(zenax))(), jax.jit(lambda: cases(jax))())


def test_default_num_segments_python_scalars_and_eager():
    # Eager calls (the default num_segments reads the ids' values).
    assert_same(zenax.ops.segment_sum(DATA, IDS), jax.ops.segment_sum(DATA, IDS))
    assert_same(zenax.ops.segment_sum(1.0, 0, 2), jax.ops.segment_sum(1.0, 0, 2))
    # A static num_segments under jit, as in JAX's docstring examples.
    f = zenax.jit(zenax.ops.segment_min, static_argnums=2)
    assert_same(f(DATA, IDS, 3), jax.ops.segment_min(DATA, IDS, 3))


def test_grads_match_jax():
    def losses(lib):
        ops = jax.ops if lib is jax else zenax.ops
        w = np.arange(8, dtype=np.float32).reshape(4, 2)

        def loss(x):
            return sum((getattr(ops, n)(x, IDS, 4, **kw) ** 2 * w).sum()
                       for n, kw in [("segment_sum", {}), ("segment_max", {}),
                                     ("segment_min", {}), ("segment_sum", {"bucket_size": 2})])
        ux = DATA[:4]
        unique = lambda x: (ops.segment_prod(x, np.array([3, 0, 1, 2]), 4,
                                             unique_indices=True) * w).sum()
        return lib.jit(lambda: (lib.grad(loss)(DATA), lib.grad(unique)(ux), lib.jacfwd(
            lambda x: ops.segment_max(x, IDS, 4))(DATA[:, 0])))()

    assert_same(losses(zenax), losses(jax))


@pytest.mark.exhaustive
def test_grads_match_finite_differences():
    ids = np.array([0, 2, 2, 1, 0, 3, 5], np.int32)    # no empty segment (no infinities)
    for name in ("segment_sum", "segment_max", "segment_min"):
        check_grads(lambda x: getattr(zenax.ops, name)(x, ids, 4) * 3.0, (DATA,), order=2)


def test_vmap_matches_jax():
    data = RNG.normal(size=(3, 7)).astype(np.float32)
    ids = np.stack([IDS, SORTED, IDS[::-1]])

    def batched(lib):
        ops = jax.ops if lib is jax else zenax.ops
        return lib.jit(lambda: (
            lib.vmap(lambda d, i: ops.segment_sum(d, i, 4))(data, ids),
            lib.vmap(lambda d, i: ops.segment_max(d, i, 4, bucket_size=3))(data, ids),
            lib.vmap(lambda d: ops.segment_prod(d, IDS, 4), in_axes=1)(DATA)))()
    assert_same(batched(zenax), batched(jax))


def test_bad_input_raises_like_jax():
    for name in OPS:
        z, j = getattr(zenax.ops, name), getattr(jax.ops, name)
        raises_like_jax(z, j, list(DATA), IDS, 4, match=name)
    raises_like_jax(zenax.ops.segment_sum, jax.ops.segment_sum, DATA, IDS, -1,
                    match="non-negative")
    raises_like_jax(zenax.ops.segment_sum, jax.ops.segment_sum, DATA, IDS, 2.5)
    raises_like_jax(zenax.ops.segment_sum, jax.ops.segment_sum, DATA, IDS.astype(np.float32),
                    4, match="integer")
    # Without num_segments the output's shape depends on traced ids.
    with pytest.raises(jax.errors.ConcretizationTypeError, match="num_segments"):
        jax.jit(jax.ops.segment_sum)(DATA, IDS)
    with pytest.raises(zenax.ConcretizationTypeError, match="num_segments"):
        zenax.jit(zenax.ops.segment_sum)(DATA, IDS)


def test_signatures_match_jax():
    import inspect
    for name in OPS:
        ours = inspect.signature(getattr(zenax.ops, name)).parameters
        theirs = inspect.signature(getattr(jax.ops, name)).parameters
        assert list(ours) == list(theirs)
        assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]
    assert sorted(zenax.ops.__all__) == sorted(OPS)
    with pytest.raises(NotImplementedError, match="out_sharding"):
        zenax.ops.segment_sum(DATA, IDS, 4, out_sharding=zenax.P())


def test_docstring_examples_hold():
    import doctest

    import docstring_examples as dx
    import zenax.lax.jnp.segment as segment
    for name in OPS:                          # JAX's examples print the same under zenax
        comparison = dx.compare("jax.ops", name)
        assert comparison is not None and comparison.agrees, name
    result = doctest.testmod(segment, extraglobs={"zenax": zenax, "jnp": zenax.numpy})
    assert result.failed == 0 and result.attempted == 4
