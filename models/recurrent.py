"""Recurrent layers: ``RNNCell``, ``LSTMCell``, ``GRUCell``, and ``RNN`` / ``Bidirectional``,
which scan a cell over time with ``zenax.lax.scan``.

A cell maps ``(carry, x) -> (new_carry, y)`` -- the shape of a ``scan`` body, as in Flax --
for one time step, ``x[..., input_size]`` with any leading batch dimensions.  The carry is
the hidden state ``h`` (``(h, c)`` for the LSTM) and ``y`` is the new ``h``.

Weights use PyTorch's gate layout and initialisation, transposed for ``x @ W``:
``weight_ih: [input_size, G * hidden_size]``, ``weight_hh: [hidden_size, G * hidden_size]``,
biases ``bias_ih`` and ``bias_hh: [G * hidden_size]``, all drawn from
``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.  With ``a = x @ weight_ih + bias_ih`` and
``b = h @ weight_hh + bias_hh`` split into gates in PyTorch's order:

* ``RNNCell`` (G = 1): ``h' = activation(a + b)``, ``activation=tanh`` by default.
* ``LSTMCell`` (G = 4, gates i, f, g, o): ``i, f, o = sigmoid(a_k + b_k)``,
  ``g = tanh(a_g + b_g)``, ``c' = f * c + i * g``, ``h' = o * tanh(c')``.
* ``GRUCell`` (G = 3, gates r, z, n): ``r, z = sigmoid(a_k + b_k)``,
  ``n = tanh(a_n + r * b_n)``, ``h' = (1 - z) * n + z * h``.

These are PyTorch's equations (``torch.nn.LSTMCell`` / ``GRUCell``, weights transposed)
and Flax's (``nn.LSTMCell`` / ``nn.GRUCell`` have one bias where PyTorch's two add up).

>>> import zenax, zenax.numpy as jnp
>>> rnn = RNN(LSTMCell(3, 5, key=zenax.random.PRNGKey(0)))
>>> ys, (h, c) = rnn(jnp.ones((2, 7, 3)))        # batch-first [batch, time, features]
>>> ys.shape, h.shape
((2, 7, 5), (2, 5))
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

import zenax.lax as lax
import zenax.lax.jnp as jnp
from zenax.lax import random

from .layers import _short, check_last_dim
from .module import Module, field
from .nn import sigmoid


class _Cell(Module):
    """Weights, initial state and input check shared by the cells."""
    weight_ih: Any
    weight_hh: Any
    bias_ih: Any
    bias_hh: Any
    input_size: int = field(static=True)
    hidden_size: int = field(static=True)

    _num_gates = 1

    def __init__(self, input_size: int, hidden_size: int, use_bias: bool = True, *, key,
                 dtype=np.float32):
        self.input_size, self.hidden_size = input_size, hidden_size
        width = self._num_gates * hidden_size
        bound = 1.0 / math.sqrt(hidden_size)
        shapes = [(input_size, width), (hidden_size, width), (width,), (width,)]
        w_ih, w_hh, b_ih, b_hh = [random.uniform(k, shape, dtype, -bound, bound)
                                  for k, shape in zip(random.split(key, 4), shapes)]
        self.weight_ih, self.weight_hh = w_ih, w_hh
        self.bias_ih, self.bias_hh = (b_ih, b_hh) if use_bias else (None, None)

    def _affine(self, x, h):
        """``(x @ weight_ih + bias_ih, h @ weight_hh + bias_hh)``, all gates together."""
        x = check_last_dim(type(self).__name__, x, self.input_size, "input_size",
                           "Build the cell with input_size=x.shape[-1].")
        a, b = jnp.matmul(x, self.weight_ih), jnp.matmul(h, self.weight_hh)
        if self.bias_ih is not None:
            a, b = a + self.bias_ih, b + self.bias_hh
        return a, b

    def _gates(self, y):
        return jnp.split(y, self._num_gates, axis=-1)

    def _zeros(self, batch_shape: tuple):
        return jnp.zeros(tuple(batch_shape) + (self.hidden_size,), self.weight_hh.dtype)


class RNNCell(_Cell):
    """Elman cell: ``h' = activation(x @ weight_ih + bias_ih + h @ weight_hh + bias_hh)``.

    >>> cell = RNNCell(3, 4, key=zenax.random.PRNGKey(0))
    >>> h, y = cell(cell.initial_state(), jnp.ones(3))
    """
    activation: Callable = field(static=True)

    def __init__(self, input_size: int, hidden_size: int, use_bias: bool = True, *, key,
                 activation: Callable = jnp.tanh, dtype=np.float32):
        super().__init__(input_size, hidden_size, use_bias, key=key, dtype=dtype)
        self.activation = activation

    def initial_state(self, batch_shape: tuple = ()):
        """Zeros ``h`` of shape ``batch_shape + (hidden_size,)``."""
        return self._zeros(batch_shape)

    def __call__(self, h, x):
        a, b = self._affine(x, h)
        h = self.activation(a + b)
        return h, h


class LSTMCell(_Cell):
    """Long short-term memory cell (gates i, f, g, o as PyTorch); the carry is ``(h, c)``.

    >>> cell = LSTMCell(3, 4, key=zenax.random.PRNGKey(0))
    >>> (h, c), y = cell(cell.initial_state((2,)), jnp.ones((2, 3)))
    """
    _num_gates = 4

    def initial_state(self, batch_shape: tuple = ()):
        """Zeros ``(h, c)``, each of shape ``batch_shape + (hidden_size,)``."""
        return self._zeros(batch_shape), self._zeros(batch_shape)

    def __call__(self, carry, x):
        h, c = carry
        # Add before splitting: one add, and one split for the backward pass to transpose.
        a, b = self._affine(x, h)
        i, f, g, o = self._gates(a + b)
        i, f, o = sigmoid(i), sigmoid(f), sigmoid(o)
        c = f * c + i * jnp.tanh(g)
        h = o * jnp.tanh(c)
        return (h, c), h


class GRUCell(_Cell):
    """Gated recurrent unit (gates r, z, n as PyTorch; ``r`` gates ``h @ W_hn + b_hn``).

    >>> cell = GRUCell(3, 4, key=zenax.random.PRNGKey(0))
    >>> h, y = cell(cell.initial_state(), jnp.ones(3))
    """
    _num_gates = 3

    def initial_state(self, batch_shape: tuple = ()):
        """Zeros ``h`` of shape ``batch_shape + (hidden_size,)``."""
        return self._zeros(batch_shape)

    def __call__(self, h, x):
        a, b = self._affine(x, h)
        (a_r, a_z, a_n), (b_r, b_z, b_n) = self._gates(a), self._gates(b)
        r, z = sigmoid(a_r + b_r), sigmoid(a_z + b_z)
        n = jnp.tanh(a_n + r * b_n)
        h = (1 - z) * n + z * h
        return h, h


class RNN(Module):
    """Run a cell over the time axis of batch-first ``xs[..., time, input_size]`` (one
    ``lax.scan``); return ``(ys, final_carry)`` with ``ys[..., time, hidden_size]``.

    ``initial_state`` defaults to ``cell.initial_state(batch_shape)`` (zeros).  With
    ``reverse=True`` the scan runs from the last step to the first; ``ys`` stays aligned
    with ``xs`` (``ys[..., t, :]`` is the state after reading ``xs[..., t:, :]``).

    >>> rnn = RNN(GRUCell(3, 4, key=zenax.random.PRNGKey(0)), reverse=True)
    >>> ys, h = rnn(jnp.ones((6, 3)))                # one sequence, no batch axis
    >>> ys.shape, h.shape
    ((6, 4), (4,))
    """
    cell: Module
    reverse: bool = field(static=True, default=False)

    def __call__(self, xs, initial_state=None):
        xs = jnp.asarray(xs)
        name = f"RNN({type(self.cell).__name__})"
        if xs.ndim < 2:
            raise ValueError(f"{name}: xs must be batch-first [..., time, features], got xs "
                             f"of shape {_short(xs)}. Add a time axis, e.g. xs[None] for a "
                             "one-step sequence.")
        check_last_dim(name, xs, self.cell.input_size, "input_size",
                       "Build the cell with input_size=xs.shape[-1].")
        if initial_state is None:
            initial_state = self.cell.initial_state(xs.shape[:-2])
        carry, ys = lax.scan(self.cell, initial_state, jnp.moveaxis(xs, -2, 0),
                             reverse=self.reverse)
        return jnp.moveaxis(ys, 0, -2), carry


class Bidirectional(Module):
    """A forward and a backward (``reverse=True``) ``RNN`` over the same sequence; their
    outputs are concatenated on the last axis and their final carries returned as a pair.

    >>> k1, k2 = zenax.random.split(zenax.random.PRNGKey(0))
    >>> birnn = Bidirectional(LSTMCell(3, 4, key=k1), LSTMCell(3, 4, key=k2))
    >>> ys, (fwd_carry, bwd_carry) = birnn(jnp.ones((2, 6, 3)))
    >>> ys.shape
    (2, 6, 8)
    """
    forward: RNN
    backward: RNN

    def __init__(self, forward_cell: Module, backward_cell: Module):
        self.forward = RNN(forward_cell)
        self.backward = RNN(backward_cell, reverse=True)

    def __call__(self, xs, initial_state=None):
        fwd_init, bwd_init = (None, None) if initial_state is None else initial_state
        ys_f, carry_f = self.forward(xs, fwd_init)
        ys_b, carry_b = self.backward(xs, bwd_init)
        return jnp.concatenate([ys_f, ys_b], axis=-1), (carry_f, carry_b)
