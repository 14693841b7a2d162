"""Stax: neural networks as ``(init_fun, apply_fun)`` pairs (the API of
``jax.example_libraries.stax``, for older JAX examples; new code wants ``zenax.models``).

A *layer* is a pair of pure functions:

- ``init_fun(rng, input_shape) -> (output_shape, params)`` draws the parameters for inputs
  of ``input_shape`` (the batch dimension included, any size) and says the output shape;
- ``apply_fun(params, inputs, **kwargs) -> outputs``; ``rng=key`` reaches the layers that
  are random (:func:`Dropout`).

Combinators (:func:`serial`, :func:`parallel`, :func:`shape_dependent`) build layers from
layers. Keys are split as JAX's stax splits them, so ``init_fun`` with the same key draws
the same parameters as JAX's.

>>> from zenax import random
>>> from zenax.example_libraries import stax
>>> init_fun, apply_fun = stax.serial(stax.Dense(4), stax.Relu, stax.Dense(2))
>>> out_shape, params = init_fun(random.key(0), (-1, 3))
>>> out_shape
(-1, 2)
>>> apply_fun(params, jnp.ones((5, 3))).shape
(5, 2)
"""
import math

import zenax.lax as lax
import zenax.numpy as jnp
from zenax import random
from zenax.nn import (elu, gelu, leaky_relu, log_softmax, relu, selu, sigmoid,  # noqa: F401
                      softmax, softplus, standardize)
from zenax.nn.initializers import glorot_normal, normal, ones, zeros

# The short names older examples use for these.
glorot = glorot_normal
randn = normal
logsoftmax = log_softmax

__all__ = [
    "AvgPool", "BatchNorm", "Conv", "Conv1DTranspose", "ConvTranspose", "Dense", "Dropout",
    "Elu", "Exp", "FanInConcat", "FanInSum", "FanOut", "Flatten", "Gelu", "GeneralConv",
    "GeneralConvTranspose", "Identity", "LeakyRelu", "LogSoftmax", "MaxPool", "Relu", "Selu",
    "Sigmoid", "Softmax", "Softplus", "SumPool", "Tanh", "elementwise", "parallel",
    "serial", "shape_dependent",
    "elu", "gelu", "glorot", "glorot_normal", "leaky_relu", "log_softmax", "logsoftmax",
    "normal", "ones", "randn", "relu", "selu", "sigmoid", "softmax", "softplus",
    "standardize", "zeros",
]


def Dense(out_dim, W_init=glorot_normal(), b_init=normal()):
    """A fully connected layer ``inputs @ W + b`` with ``out_dim`` outputs.

    >>> init_fun, apply_fun = Dense(3)
    >>> out_shape, (W, b) = init_fun(random.key(0), (8, 5))
    >>> out_shape, W.shape, b.shape
    ((8, 3), (5, 3), (3,))
    """
    def init_fun(rng, input_shape):
        output_shape = tuple(input_shape[:-1]) + (out_dim,)
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, (input_shape[-1], out_dim)), b_init(k2, (out_dim,)))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return jnp.dot(inputs, W) + b
    return init_fun, apply_fun


def _kernel_shape(dimension_numbers, out_chan, filter_shape, input_shape) -> list:
    """The kernel's shape in its spec's layout: 'O' and 'I' from the channel counts, the
    spatial letters from ``filter_shape`` in order."""
    lhs_spec, rhs_spec, _ = dimension_numbers
    spatial = iter(filter_shape)
    return [out_chan if c == 'O' else input_shape[lhs_spec.index('C')] if c == 'I'
            else next(spatial) for c in rhs_spec]


def _conv_layer(dimension_numbers, out_chan, filter_shape, strides, padding, W_init, b_init,
                output_shape_of, convolve):
    """The layer shared by the convolutions and transposed convolutions."""
    _, rhs_spec, out_spec = dimension_numbers
    strides = strides or (1,) * len(filter_shape)
    W_init = W_init or glorot_normal(rhs_spec.index('I'), rhs_spec.index('O'))

    def init_fun(rng, input_shape):
        kernel_shape = _kernel_shape(dimension_numbers, out_chan, filter_shape, input_shape)
        output_shape = output_shape_of(input_shape, kernel_shape, strides, padding,
                                       dimension_numbers)
        bias_shape = [out_chan if c == 'C' else 1 for c in out_spec]
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, kernel_shape), b_init(k2, bias_shape))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return convolve(inputs, W, strides, padding) + b
    return init_fun, apply_fun


def GeneralConv(dimension_numbers, out_chan, filter_shape, strides=None, padding='VALID',
                W_init=None, b_init=normal(1e-6)):
    """A convolution layer with ``out_chan`` output channels, for the layouts
    ``dimension_numbers = (lhs_spec, rhs_spec, out_spec)`` (such as
    ``('NCHW', 'OIHW', 'NCHW')``). The kernel defaults to Glorot-normal over its I and O
    axes, the bias (shaped to broadcast over ``out_spec``) to normal(1e-6).

    >>> init_fun, apply_fun = GeneralConv(('NCHW', 'OIHW', 'NCHW'), 4, (3, 3))
    >>> init_fun(random.key(0), (2, 1, 8, 8))[0]
    (2, 4, 6, 6)
    """
    ones_ = (1,) * len(filter_shape)

    def convolve(inputs, W, strides, padding):
        return lax.conv_general_dilated(inputs, W, strides, padding, ones_, ones_,
                                        dimension_numbers=dimension_numbers)
    return _conv_layer(dimension_numbers, out_chan, filter_shape, strides, padding, W_init,
                       b_init, lax.conv_general_shape_tuple, convolve)


def Conv(out_chan, filter_shape, strides=None, padding='VALID', W_init=None,
         b_init=normal(1e-6)):
    """:func:`GeneralConv` on NHWC images with HWIO kernels.

    >>> init_fun, apply_fun = Conv(4, (3, 3), padding='SAME')
    >>> init_fun(random.key(0), (2, 8, 8, 1))[0]
    (2, 8, 8, 4)
    """
    return GeneralConv(('NHWC', 'HWIO', 'NHWC'), out_chan, filter_shape, strides, padding,
                       W_init, b_init)


def GeneralConvTranspose(dimension_numbers, out_chan, filter_shape, strides=None,
                         padding='VALID', W_init=None, b_init=normal(1e-6)):
    """A transposed-convolution layer (``lax.conv_transpose``) with ``out_chan`` output
    channels, for the layouts ``dimension_numbers``; defaults as :func:`GeneralConv`.

    >>> init_fun, apply_fun = GeneralConvTranspose(('NHWC', 'HWIO', 'NHWC'), 2, (3, 3),
    ...                                            strides=(2, 2))
    >>> init_fun(random.key(0), (1, 4, 4, 3))[0]
    (1, 9, 9, 2)
    """
    def convolve(inputs, W, strides, padding):
        return lax.conv_transpose(inputs, W, strides, padding,
                                  dimension_numbers=dimension_numbers)
    return _conv_layer(dimension_numbers, out_chan, filter_shape, strides, padding, W_init,
                       b_init, lax.conv_transpose_shape_tuple, convolve)


def Conv1DTranspose(out_chan, filter_shape, strides=None, padding='VALID', W_init=None,
                    b_init=normal(1e-6)):
    """:func:`GeneralConvTranspose` on NHC sequences with HIO kernels.

    >>> init_fun, apply_fun = Conv1DTranspose(2, (3,))
    >>> init_fun(random.key(0), (1, 5, 3))[0]
    (1, 7, 2)
    """
    return GeneralConvTranspose(('NHC', 'HIO', 'NHC'), out_chan, filter_shape, strides,
                                padding, W_init, b_init)


def ConvTranspose(out_chan, filter_shape, strides=None, padding='VALID', W_init=None,
                  b_init=normal(1e-6)):
    """:func:`GeneralConvTranspose` on NHWC images with HWIO kernels.

    >>> init_fun, apply_fun = ConvTranspose(2, (3, 3))
    >>> init_fun(random.key(0), (1, 4, 4, 3))[0]
    (1, 6, 6, 2)
    """
    return GeneralConvTranspose(('NHWC', 'HWIO', 'NHWC'), out_chan, filter_shape, strides,
                                padding, W_init, b_init)


def BatchNorm(axis=(0, 1, 2), epsilon=1e-5, center=True, scale=True, beta_init=zeros,
              gamma_init=ones):
    """Batch normalization: standardize over ``axis`` with the batch's own statistics
    (no running averages), then ``gamma * z + beta`` when ``scale`` and ``center`` ask.
    ``beta`` and ``gamma`` have the input's shape without ``axis``.

    >>> init_fun, apply_fun = BatchNorm(axis=0)
    >>> out_shape, params = init_fun(random.key(0), (2, 1))
    >>> apply_fun(params, jnp.array([[1.0], [3.0]]))
    Array([[-0.999995],
           [ 0.999995]], dtype=float32)
    """
    axis = (axis,) if jnp.isscalar(axis) else axis

    def init_fun(rng, input_shape):
        shape = tuple(d for i, d in enumerate(input_shape) if i not in axis)
        k1, k2 = random.split(rng)
        beta = beta_init(k1, shape) if center else ()
        gamma = gamma_init(k2, shape) if scale else ()
        return input_shape, (beta, gamma)

    def apply_fun(params, x, **kwargs):
        beta, gamma = params
        # Re-insert the normalized axes so beta and gamma broadcast against x.
        expand = tuple(None if i in axis else slice(None) for i in range(jnp.ndim(x)))
        z = standardize(x, axis, epsilon=epsilon)
        if center and scale:
            return gamma[expand] * z + beta[expand]
        if center:
            return z + beta[expand]
        if scale:
            return gamma[expand] * z
        return z
    return init_fun, apply_fun


def elementwise(fun, **fun_kwargs):
    """A parameterless layer applying ``fun(inputs, **fun_kwargs)``.

    >>> init_fun, apply_fun = elementwise(leaky_relu, negative_slope=0.5)
    >>> apply_fun((), jnp.array([-1.0, 2.0]))
    Array([-0.5,  2. ], dtype=float32)
    """
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        return fun(inputs, **fun_kwargs)
    return init_fun, apply_fun


Tanh = elementwise(jnp.tanh)
Relu = elementwise(relu)
Exp = elementwise(jnp.exp)
LogSoftmax = elementwise(log_softmax, axis=-1)
Softmax = elementwise(softmax, axis=-1)
Softplus = elementwise(softplus)
Sigmoid = elementwise(sigmoid)
Elu = elementwise(elu)
LeakyRelu = elementwise(leaky_relu)
Selu = elementwise(selu)
Gelu = elementwise(gelu)


def _with_unit_axes(values: tuple, axes) -> tuple:
    """``values`` (one per spatial axis) with a 1 inserted at each of ``axes``, in order."""
    values = tuple(values)
    for i in sorted(axes):
        values = values[:i] + (1,) + values[i:]
    return values


def _non_spatial_axes(spec, ndim: int) -> tuple[int, int]:
    """The batch and channel axes: given by ``spec``, or first and last (NHWC)."""
    return (0, ndim - 1) if spec is None else (spec.index('N'), spec.index('C'))


def _pooling_layer(reducer, init_val, normalize: bool, window_shape, strides, padding, spec):
    """A pooling layer reducing windows with ``reducer`` from ``init_val``; ``normalize``
    divides each output by the number of inputs its window covered (padding excluded)."""
    strides = strides or (1,) * len(window_shape)
    non_spatial = _non_spatial_axes(spec, len(window_shape) + 2)
    dims = _with_unit_axes(window_shape, non_spatial)
    full_strides = _with_unit_axes(strides, non_spatial)

    def init_fun(rng, input_shape):
        pads = lax.padtype_to_pads(input_shape, dims, full_strides, padding)
        unit = (1,) * len(dims)
        return lax.reduce_window_shape_tuple(input_shape, dims, full_strides, pads, unit,
                                             unit), ()

    def apply_fun(params, inputs, **kwargs):
        out = lax.reduce_window(inputs, init_val, reducer, dims, full_strides, padding)
        if not normalize:
            return out
        axes = _non_spatial_axes(spec, inputs.ndim)
        spatial_shape = tuple(n for i, n in enumerate(inputs.shape) if i not in axes)
        # Count each window's in-bounds inputs over the spatial axes only, then broadcast
        # the counts over batch and channel.
        counts = lax.reduce_window(jnp.ones(spatial_shape, dtype=inputs.dtype), 0., lax.add,
                                   tuple(window_shape), strides, padding)
        for i in sorted(axes):
            counts = jnp.expand_dims(counts, i)
        return out / counts
    return init_fun, apply_fun


def MaxPool(window_shape, strides=None, padding='VALID', spec=None):
    """Max pooling over windows of ``window_shape`` on the spatial axes (NHWC unless
    ``spec``, such as ``'NCHW'``, says where batch and channel are).

    >>> init_fun, apply_fun = MaxPool((2, 2), strides=(2, 2))
    >>> apply_fun((), jnp.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    Array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    return _pooling_layer(lax.max, -jnp.inf, False, window_shape, strides, padding, spec)


def SumPool(window_shape, strides=None, padding='VALID', spec=None):
    """Sum pooling over windows of ``window_shape`` (layout as :func:`MaxPool`).

    >>> init_fun, apply_fun = SumPool((2, 2), strides=(2, 2))
    >>> apply_fun((), jnp.ones((1, 4, 4, 1)))[0, :, :, 0]
    Array([[4., 4.],
           [4., 4.]], dtype=float32)
    """
    return _pooling_layer(lax.add, 0., False, window_shape, strides, padding, spec)


def AvgPool(window_shape, strides=None, padding='VALID', spec=None):
    """Average pooling over windows of ``window_shape`` (layout as :func:`MaxPool`); with
    ``'SAME'`` padding, windows at the border average their in-bounds inputs only.

    >>> init_fun, apply_fun = AvgPool((2, 2), strides=(2, 2))
    >>> apply_fun((), jnp.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    Array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    return _pooling_layer(lax.add, 0., True, window_shape, strides, padding, spec)


def _flatten():
    def init_fun(rng, input_shape):
        return (input_shape[0], math.prod(input_shape[1:])), ()

    def apply_fun(params, inputs, **kwargs):
        return jnp.reshape(inputs, (inputs.shape[0], -1))
    return init_fun, apply_fun


# Flatten, Identity and FanInSum are layers (pairs), not constructors, as in JAX's stax.
Flatten = _flatten()    # all but the leading (batch) axis into one


def _identity():
    return (lambda rng, input_shape: (input_shape, ()),
            lambda params, inputs, **kwargs: inputs)


Identity = _identity()


def FanOut(num):
    """A layer sending its input to ``num`` outputs (a list), to feed :func:`parallel`.

    >>> init_fun, apply_fun = FanOut(2)
    >>> init_fun(None, (3,))[0]
    [(3,), (3,)]
    """
    def init_fun(rng, input_shape):
        return [input_shape] * num, ()

    def apply_fun(params, inputs, **kwargs):
        return [inputs] * num
    return init_fun, apply_fun


def _fan_in_sum():
    return (lambda rng, input_shape: (input_shape[0], ()),
            lambda params, inputs, **kwargs: sum(inputs))


FanInSum = _fan_in_sum()    # the sum of a list of inputs


def FanInConcat(axis=-1):
    """A layer concatenating a list of inputs along ``axis``.

    >>> init_fun, apply_fun = FanInConcat()
    >>> init_fun(None, [(4, 2), (4, 3)])[0]
    (4, 5)
    """
    def init_fun(rng, input_shape):
        ax = axis % len(input_shape[0])
        first = tuple(input_shape[0])
        return first[:ax] + (sum(shape[ax] for shape in input_shape),) + first[ax + 1:], ()

    def apply_fun(params, inputs, **kwargs):
        return jnp.concatenate(inputs, axis)
    return init_fun, apply_fun


def Dropout(rate, mode='train'):
    """Dropout for training: as in JAX's stax, ``rate`` is the probability of *keeping* an
    entry, and kept entries are divided by it. ``apply_fun`` needs ``rng=key``; with
    ``mode`` other than ``'train'`` the layer is the identity.

    >>> init_fun, apply_fun = Dropout(0.5)
    >>> apply_fun((), jnp.ones(3), rng=random.key(0)).shape
    (3,)
    """
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.get('rng', None)
        if rng is None:
            raise ValueError(
                "Dropout layer requires apply_fun to be called with a PRNG key argument: "
                "instead of `apply_fun(params, inputs)`, call "
                "`apply_fun(params, inputs, rng=key)` with a key from zenax.random.key.")
        if mode != 'train':
            return inputs
        keep = random.bernoulli(rng, rate, inputs.shape)
        return jnp.where(keep, inputs / rate, 0)
    return init_fun, apply_fun


def serial(*layers):
    """The layers one after the other: each layer's output is the next one's input.
    ``init_fun`` splits its key once per layer; ``apply_fun``'s ``rng`` is split into one
    key per layer.

    >>> init_fun, apply_fun = serial(Dense(3), Relu)
    >>> out_shape, params = init_fun(random.key(0), (2, 4))
    >>> out_shape, len(params)
    ((2, 3), 2)
    """
    n = len(layers)
    init_funs, apply_funs = zip(*layers)

    def init_fun(rng, input_shape):
        params = []
        for init in init_funs:
            rng, layer_rng = random.split(rng)
            input_shape, layer_params = init(layer_rng, input_shape)
            params.append(layer_params)
        return input_shape, params

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.pop('rng', None)
        rngs = random.split(rng, n) if rng is not None else (None,) * n
        for fun, layer_params, layer_rng in zip(apply_funs, params, rngs):
            inputs = fun(layer_params, inputs, rng=layer_rng, **kwargs)
        return inputs
    return init_fun, apply_fun


def parallel(*layers):
    """The layers side by side: the i-th layer maps the i-th of a sequence of inputs
    (usually after :func:`FanOut`, before :func:`FanInSum` or :func:`FanInConcat`).

    >>> init_fun, apply_fun = parallel(Dense(2), Identity)
    >>> out_shapes, params = init_fun(random.key(0), [(1, 3), (1, 3)])
    >>> out_shapes
    ((1, 2), (1, 3))
    """
    n = len(layers)
    init_funs, apply_funs = zip(*layers)

    def init_fun(rng, input_shape):
        rngs = random.split(rng, n)
        results = [init(r, shape) for init, r, shape in zip(init_funs, rngs, input_shape)]
        output_shapes, params = zip(*results)
        return output_shapes, params

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.pop('rng', None)
        rngs = random.split(rng, n) if rng is not None else (None,) * n
        return [f(p, x, rng=r, **kwargs)
                for f, p, x, r in zip(apply_funs, params, inputs, rngs)]
    return init_fun, apply_fun


def shape_dependent(make_layer):
    """A layer built only once the input shape is known: ``make_layer(shape)`` returns the
    ``(init_fun, apply_fun)`` pair to use for inputs of that shape.

    >>> init_fun, apply_fun = shape_dependent(lambda shape: Dense(shape[-1]))
    >>> init_fun(random.key(0), (2, 5))[0]
    (2, 5)
    """
    def init_fun(rng, input_shape):
        return make_layer(input_shape)[0](rng, input_shape)

    def apply_fun(params, inputs, **kwargs):
        return make_layer(inputs.shape)[1](params, inputs, **kwargs)
    return init_fun, apply_fun

