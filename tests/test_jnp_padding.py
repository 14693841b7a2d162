"""jnp.pad's modes, jnp.repeat to a static length, and the small shape/dtype queries
(size over axes, promote_types, asarray of ranges) against jax.numpy."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
import zenax.numpy as znp

from jnp_spec_checks import spec_tests
from jnp_spec_table import _np
from oracle import assert_same
from spec import Arg, Case, f32, i32


def _pad(label, shape, pad_width, mode, **kw):
    return Case((Arg(shape),), {"pad_width": pad_width, "mode": mode, **kw}, label=label)


SPECS = [
    _np("pad", (f32, i32), cases=(
        _pad("constant", (2, 3), ((1, 2), (0, 1)), "constant", constant_values=((1, 2), (3, 4))),
        _pad("edge", (2, 3), 2, "edge"),
        _pad("wrap", (3,), (4, 5), "wrap"),
        _pad("reflect", (4,), 6, "reflect"),
        _pad("reflect_odd", (2, 3), ((3, 1), (5, 2)), "reflect", reflect_type="odd"),
        _pad("symmetric_odd", (3,), 4, "symmetric", reflect_type="odd"),
        _pad("linear_ramp", (2, 3), (2, 1), "linear_ramp", end_values=(-1, 4)),
        _pad("mean", (3, 4), 2, "mean", stat_length=((1, 2), (3, 1))),
        _pad("median", (3, 4), (1, 2), "median"),
        _pad("maximum", (3, 4), 1, "maximum"),
    )),
]

(test_eager_and_jit_match_jax, test_jvp_and_vjp_match_jax, test_vmap_matches_jax,
 test_table_is_well_formed) = spec_tests(SPECS)


def test_pad_edge_cases_match_jax():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for mode in ("edge", "reflect", "symmetric", "wrap", "mean", "minimum"):
        assert_same(znp.pad(x, 0, mode), jnp.pad(x, 0, mode), err_msg=mode)
    assert_same(znp.pad(np.float32(3), 2, "edge"), jnp.pad(np.float32(3), 2, "edge"))
    one = np.ones((1, 1), np.float32)
    assert_same(znp.pad(one, 3, "reflect", reflect_type="odd"),
                jnp.pad(one, 3, "reflect", reflect_type="odd"))
    empty = np.zeros((0, 2), np.float32)
    assert_same(znp.pad(empty, 1), jnp.pad(empty, 1))


@pytest.mark.parametrize("call,error", [
    (lambda m: m.pad(np.ones(3), 1, mode="bogus"), NotImplementedError),
    (lambda m: m.pad(np.ones(3), -1), ValueError),
    (lambda m: m.pad(np.ones(3), 1.5), TypeError),
    (lambda m: m.pad(np.ones(3), 1, mode="edge", constant_values=2), ValueError),
    (lambda m: m.pad(np.zeros((0, 2)), 1, mode="edge"), ValueError),
    (lambda m: m.pad(np.ones(3), 1, mode="mean", stat_length=0), ValueError),
])
def test_pad_bad_input_raises_as_jax(call, error):
    with pytest.raises(error):
        call(jnp)
    with pytest.raises(error, match="pad"):
        call(znp)


def test_repeat_to_a_static_length_matches_jax():
    a = np.array([[1, 2], [3, 4]], np.int32)
    for repeats, kw in [(np.array([1, 2]), dict(axis=1, total_repeat_length=4)),
                        (np.array([0, 3]), dict(axis=1, total_repeat_length=2)),
                        (2, dict(axis=None, total_repeat_length=5)),
                        (np.array([2]), dict(axis=0, total_repeat_length=3))]:
        assert_same(znp.repeat(a, repeats, **kw), jnp.repeat(a, repeats, **kw))
    jitted = zenax.jit(lambda a, r: znp.repeat(a, r, axis=0, total_repeat_length=3))
    expected = jax.jit(lambda a, r: jnp.repeat(a, r, axis=0, total_repeat_length=3))
    assert_same(jitted(a, np.array([2, 1])), expected(a, np.array([2, 1])))
    x = np.array([1.0, 2.0], np.float32)
    f = lambda m: lambda x: m.repeat(x, np.array([1, 2]), total_repeat_length=4).sum()  # noqa: E731
    assert_same(zenax.grad(f(znp))(x), jax.grad(f(jnp))(x))


def test_repeat_with_traced_counts_needs_a_length():
    with pytest.raises(zenax.ConcretizationTypeError, match="total_repeat_length"):
        zenax.jit(lambda r: znp.repeat(np.ones(2), r))(np.array([1, 2]))


def test_size_promote_types_and_asarray_of_other_sequences():
    y = np.ones((2, 3, 4))
    assert znp.size(y, axis=(0, 2)) == jnp.size(y, axis=(0, 2)) == 8
    for a, b in [("uint8", int), (jnp.float32, jnp.float64), (int, float), ("int32", "float32"),
                 (bool, int), (float, "bfloat16")]:
        assert znp.promote_types(a, b) == jnp.promote_types(a, b), (a, b)
    assert_same(znp.asarray(range(5)), jnp.asarray(range(5)))
    assert_same(znp.array(range(3), dtype=np.float32), jnp.array(range(3), dtype=np.float32))
    with pytest.raises(ValueError, match="None"):
        znp.asarray(None)
    with pytest.raises(TypeError, match="asarray"):
        znp.asarray("abc")
