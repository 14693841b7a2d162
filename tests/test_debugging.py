"""zenax.debug.print, jax_debug_nans and checking_leaks."""
import inspect
import re

import jax
import numpy as np
import pytest

import zenax
import zenax.numpy as jnp


def _lines(capfd):
    return [l for l in capfd.readouterr().out.splitlines() if l.strip()]


# ---------------------------------------------------------------- debug.print

def test_debug_print_eager(capfd):
    zenax.debug.print("x = {}", jnp.float32(3.0))
    assert _lines(capfd) == ["x = 3.0"]


def test_debug_print_under_jit(capfd):
    @zenax.jit
    def f(x):
        zenax.debug.print("x = {x}", x=x)
        return x * 2
    y = zenax.block_until_ready(f(np.float32(1.5)))
    np.testing.assert_allclose(np.asarray(y), 3.0)
    jax.effects_barrier()
    out = _lines(capfd)
    assert out == ["x = 1.5"], out
    zenax.block_until_ready(f(np.float32(2.5)))   # runs each call, not only at trace time
    jax.effects_barrier()
    assert _lines(capfd) == ["x = 2.5"]


def test_debug_print_under_vmap_once_per_element(capfd):
    def f(x):
        zenax.debug.print("elt {}", x)
        return x + 1
    zenax.block_until_ready(zenax.vmap(f)(np.array([1., 2., 3.], np.float32)))
    jax.effects_barrier()
    out = _lines(capfd)
    assert out == ["elt 1.0", "elt 2.0", "elt 3.0"], out
    zenax.block_until_ready(zenax.jit(zenax.vmap(f))(np.array([4., 5.], np.float32)))
    jax.effects_barrier()
    assert _lines(capfd) == ["elt 4.0", "elt 5.0"]


def test_debug_print_under_grad(capfd):
    def f(x):
        zenax.debug.print("primal {}", x)
        return jnp.sin(x)
    g = zenax.block_until_ready(zenax.grad(f)(np.float32(0.5)))
    np.testing.assert_allclose(np.asarray(g), np.cos(0.5), rtol=1e-6)
    jax.effects_barrier()
    out = _lines(capfd)
    assert out == ["primal 0.5"], out
    zenax.block_until_ready(zenax.jit(zenax.grad(f))(np.float32(0.25)))
    jax.effects_barrier()
    assert _lines(capfd) == ["primal 0.25"]


# ---------------------------------------------------------------- debug_nans

@pytest.fixture
def debug_nans():
    zenax.config.update("jax_debug_nans", True)
    try:
        yield
    finally:
        zenax.config.update("jax_debug_nans", False)


def _line_of(marker):
    src, start = inspect.getsourcelines(inspect.getmodule(_line_of))
    for i, l in enumerate(src):
        if marker in l and "_line_of" not in l:
            return start + i if start else i + 1
    raise AssertionError(marker)


def test_debug_nans_eager(debug_nans):
    with pytest.raises(FloatingPointError) as e:
        jnp.log(jnp.float32(-1.0))  # NAN-EAGER
    msg = str(e.value)
    assert "log" in msg
    assert f"test_debugging.py:{_line_of('# NAN-EAGER')}" in msg, msg


def test_debug_nans_jit(debug_nans):
    def f(x):
        y = x * 2.0
        return jnp.log(y)  # NAN-JIT
    with pytest.raises(FloatingPointError) as e:
        zenax.jit(f)(np.float32(-1.0))
    msg = str(e.value)
    assert re.search(r"\blog\b", msg), msg
    assert f"test_debugging.py:{_line_of('# NAN-JIT')}" in msg, msg


def test_debug_nans_off_and_no_false_positive(debug_nans):
    np.testing.assert_allclose(np.asarray(zenax.jit(jnp.log)(np.float32(2.0))), np.log(2.0),
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(jnp.log(jnp.float32(2.0))), np.log(2.0), rtol=1e-6)
    zenax.config.update("jax_debug_nans", False)
    assert np.isnan(np.asarray(zenax.jit(jnp.log)(np.float32(-1.0))))
    assert np.isnan(np.asarray(jnp.log(jnp.float32(-1.0))))


# ---------------------------------------------------------------- checking_leaks

_leaked = []


def test_checking_leaks_catches_global_store():
    def f(x):
        y = jnp.sin(x)  # LEAK-HERE
        _leaked.append(y)
        return y * 2
    try:
        with pytest.raises(zenax.UnexpectedTracerError) as e:
            with zenax.checking_leaks():
                zenax.jit(f)(np.float32(1.0))
        assert f"test_debugging.py:{_line_of('# LEAK-HERE')}" in str(e.value), str(e.value)
    finally:
        _leaked.clear()


def test_checking_leaks_under_grad_and_vmap():
    def f(x):
        y = jnp.cos(x)  # LEAK-GRAD
        _leaked.append(y)
        return y
    try:
        for transform in (zenax.grad, zenax.vmap):
            _leaked.clear()
            with pytest.raises(zenax.UnexpectedTracerError) as e:
                with zenax.checking_leaks():
                    transform(f)(np.float32(1.0) if transform is zenax.grad
                                 else np.ones(3, np.float32))
            assert f"test_debugging.py:{_line_of('# LEAK-GRAD')}" in str(e.value)
    finally:
        _leaked.clear()


def test_checking_leaks_no_false_positive():
    def loss(w, x):
        h = jnp.tanh(x @ w)
        return jnp.sum(h ** 2)
    w = np.ones((3, 2), np.float32)
    x = np.ones((4, 3), np.float32)
    with zenax.checking_leaks():
        g = zenax.jit(zenax.grad(loss))(w, x)
        g2 = zenax.grad(loss)(w, x)
        v = zenax.vmap(lambda r: loss(w, r[None]))(x)
        j = zenax.jit(zenax.vmap(zenax.grad(loss), (None, 0)))(w, x[:, None])
        p, t = zenax.jvp(lambda w: loss(w, x), (w,), (w,))
        c = zenax.checkpoint(loss)(w, x)
        s = zenax.lax.scan(lambda c, r: (c + loss(w, r[None]), None), 0.0, x)[0]
    np.testing.assert_allclose(np.asarray(g), np.asarray(g2), rtol=1e-5)
    assert v.shape == (4,) and j.shape == (4, 3, 2)
    np.testing.assert_allclose(np.asarray(s), np.asarray(jnp.sum(v)), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(c), np.asarray(p), rtol=1e-5)
