"""zenax.models recurrent layers vs PyTorch's cell equations written in JAX and scanned with
jax.lax.scan: outputs, final states and gradients (jax.grad), under jit and vmap."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zenax
from zenax.models import RNN, Bidirectional, GRUCell, LSTMCell, RNNCell

from module_oracle import check_module

pytestmark = pytest.mark.slow   # the models layer end to end: CI runs it, the quick loop not

KEY = zenax.random.PRNGKey(0)
H = 4   # hidden size


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _gate(p, prefix, k, x, h):
    """PyTorch's ``W_i{k} x + b_i{k}`` and ``W_h{k} h + b_h{k}`` for gate number ``k``."""
    cols = slice(k * H, (k + 1) * H)
    return (x @ p[prefix + ".weight_ih"][:, cols] + p[prefix + ".bias_ih"][cols],
            h @ p[prefix + ".weight_hh"][:, cols] + p[prefix + ".bias_hh"][cols])


def _rnn_step(p, prefix, h, x):
    a, b = _gate(p, prefix, 0, x, h)
    h = jnp.tanh(a + b)
    return h, h


def _lstm_step(p, prefix, carry, x):
    """torch.nn.LSTMCell: gates i, f, g, o."""
    h, c = carry
    i = jax.nn.sigmoid(sum(_gate(p, prefix, 0, x, h)))
    f = jax.nn.sigmoid(sum(_gate(p, prefix, 1, x, h)))
    g = jnp.tanh(sum(_gate(p, prefix, 2, x, h)))
    o = jax.nn.sigmoid(sum(_gate(p, prefix, 3, x, h)))
    c = f * c + i * g
    h = o * jnp.tanh(c)
    return (h, c), h


def _gru_step(p, prefix, h, x):
    """torch.nn.GRUCell: gates r, z, n; r multiplies (W_hn h + b_hn)."""
    r = jax.nn.sigmoid(sum(_gate(p, prefix, 0, x, h)))
    z = jax.nn.sigmoid(sum(_gate(p, prefix, 1, x, h)))
    a_n, b_n = _gate(p, prefix, 2, x, h)
    n = jnp.tanh(a_n + r * b_n)
    h = (1 - z) * n + z * h
    return h, h


STEPS = {RNNCell: _rnn_step, LSTMCell: _lstm_step, GRUCell: _gru_step}


def _zeros_carry(cell_type, batch_shape):
    h = jnp.zeros(batch_shape + (H,))
    return (h, h) if cell_type is LSTMCell else h


def _scan_reference(cell_type, prefix, reverse=False):
    """The RNN layer in JAX: batch-first xs, jax.lax.scan over time."""
    def run(p, xs, init=None):
        init = _zeros_carry(cell_type, xs.shape[:-2]) if init is None else init
        carry, ys = jax.lax.scan(lambda c, x: STEPS[cell_type](p, prefix, c, x), init,
                                 jnp.moveaxis(xs, -2, 0), reverse=reverse)
        return jnp.moveaxis(ys, 0, -2), carry
    return run


def test_cell_init_is_pytorch_uniform():
    cell = LSTMCell(3, H, key=KEY)
    keys = jax.random.split(KEY, 4)
    bound = 1 / np.sqrt(H)
    for name, k, shape in zip(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], keys,
                              [(3, 4 * H), (H, 4 * H), (4 * H,), (4 * H,)]):
        np.testing.assert_array_equal(getattr(cell, name),
                                      jax.random.uniform(k, shape, minval=-bound, maxval=bound))
    assert GRUCell(3, H, use_bias=False, key=KEY).bias_ih is None


@pytest.mark.parametrize("cell_type", [RNNCell, LSTMCell, GRUCell])
def test_one_cell_step_matches_pytorch_equations(cell_type):
    cell = cell_type(3, H, key=KEY)
    carry = jax.tree.map(lambda h: jnp.asarray(_normal(2, H, seed=1)),
                         _zeros_carry(cell_type, (2,)))
    check_module(cell, lambda m, c, x: m(c, x),
                 lambda p, c, x: STEPS[cell_type](p, "", c, x), carry, _normal(2, 3))


@pytest.mark.parametrize("cell_type,reverse", [(LSTMCell, False), (GRUCell, False),
                                               (GRUCell, True), (RNNCell, True)])
def test_rnn_over_a_sequence_matches_jax_scan(cell_type, reverse):
    rnn = RNN(cell_type(3, H, key=KEY), reverse=reverse)
    xs = _normal(2, 5, 3)
    # vmap maps the layer over sequences: per-example calls see [time, features].
    check_module(rnn, lambda m, xs: m(xs), _scan_reference(cell_type, ".cell", reverse), xs,
                 tol=(1e-5, 1e-5), vmap_axes=(0,))


def test_rnn_with_initial_state_and_unbatched_input():
    rnn = RNN(LSTMCell(3, H, key=KEY))
    init = (jnp.asarray(_normal(H, seed=1)), jnp.asarray(_normal(H, seed=2)))
    check_module(rnn, lambda m, xs: m(xs, init),
                 lambda p, xs: _scan_reference(LSTMCell, ".cell")(p, xs, init), _normal(6, 3),
                 tol=(1e-5, 1e-5))


def test_bidirectional_matches_jax():
    k1, k2 = zenax.random.split(KEY)
    birnn = Bidirectional(GRUCell(3, H, key=k1), GRUCell(3, H, key=k2))

    def reference(p, xs):
        ys_f, h_f = _scan_reference(GRUCell, ".forward.cell")(p, xs)
        ys_b, h_b = _scan_reference(GRUCell, ".backward.cell", reverse=True)(p, xs)
        return jnp.concatenate([ys_f, ys_b], -1), (h_f, h_b)
    check_module(birnn, lambda m, xs: m(xs), reference, _normal(2, 5, 3), tol=(1e-5, 1e-5))


def test_recurrent_input_errors():
    rnn = RNN(LSTMCell(3, H, key=KEY))
    with pytest.raises(ValueError, match=r"RNN\(LSTMCell\): xs must be batch-first"):
        rnn(np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"RNN\(LSTMCell\): the input x must have "
                                         r"input_size=3"):
        rnn(np.ones((2, 5, 4), np.float32))
