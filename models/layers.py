"""Basic layers: ``Linear``, ``Embedding``, ``Dropout``, ``Sequential``, ``MLP``, ``Lambda``,
``Identity``.

Layers are :class:`~zenax.models.Module` pytrees.  They take their PRNG ``key`` at
construction (and ``Dropout`` at call time), as in Equinox.  Defaults follow Flax:
``Linear`` stores its weight as ``[in_features, out_features]`` (so ``y = x @ weight +
bias``), initialised with ``lecun_normal`` and a zero bias.

Every layer accepts leading batch dimensions (``x[..., in_features]``) as Flax and PyTorch
do, so a batch needs no ``vmap`` -- and each layer works under ``zenax.vmap`` too:

>>> import zenax, zenax.numpy as jnp
>>> from zenax.models import Linear
>>> layer = Linear(3, 2, key=zenax.random.PRNGKey(0))
>>> layer(jnp.ones((5, 3))).shape
(5, 2)
>>> zenax.vmap(layer)(jnp.ones((5, 3))).shape
(5, 2)
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Sequence

import numpy as np

import zenax.lax.jnp as jnp
from zenax.lax import random
from zenax.lax.quantized_matmul import QuantizedArray, quantized_matmul, quantized_take

from . import initializers
from .module import Module, field
from .nn import relu


def _short(x) -> str:
    x = jnp.asarray(x)
    return f"{np.dtype(x.dtype).name}{list(x.shape)}"


def check_last_dim(layer: str, x, expected: int, what: str, fix: str):
    """``x`` as an array, after checking its last dimension is ``expected``."""
    x = jnp.asarray(x)
    if x.ndim == 0 or x.shape[-1] != expected:
        raise ValueError(f"{layer}: the input x must have {what}={expected} as its last "
                         f"dimension, got x of shape {_short(x)}. {fix}")
    return x


class Identity(Module):
    """``Identity()(x) is x`` -- a placeholder layer.

    >>> Identity()(jnp.ones(2))
    Array([1., 1.], dtype=float32)
    """

    def __call__(self, x):
        return x


class Lambda(Module):
    """Wrap a parameter-free function as a layer (the function is static, not a leaf).

    >>> Lambda(jnp.tanh)(jnp.zeros(2))
    Array([0., 0.], dtype=float32)
    """
    fn: Callable = field(static=True)

    def __call__(self, x):
        return self.fn(x)


class Linear(Module):
    """``y = x @ weight + bias`` with ``weight: [in_features, out_features]``.

    ``kernel_init`` (default ``lecun_normal()``) and ``bias_init`` (default zeros) are
    ``zenax.nn.initializers``; ``key`` is split into one key for each.  ``x`` may have any
    leading batch dimensions.

    >>> layer = Linear(4, 3, key=zenax.random.PRNGKey(0))
    >>> layer
    Linear(weight=f32[4,3], bias=f32[3], in_features=4, out_features=3)
    >>> layer(jnp.ones((2, 4))).shape
    (2, 3)
    """
    weight: Any
    bias: Any
    in_features: int = field(static=True)
    out_features: int = field(static=True)

    def __init__(self, in_features: int, out_features: int, use_bias: bool = True, *, key,
                 dtype=np.float32, kernel_init=initializers.lecun_normal(),
                 bias_init=initializers.zeros):
        wkey, bkey = random.split(key)
        self.weight = kernel_init(wkey, (in_features, out_features), dtype)
        self.bias = bias_init(bkey, (out_features,), dtype) if use_bias else None
        self.in_features = in_features
        self.out_features = out_features

    def __call__(self, x):
        x = check_last_dim("Linear", x, self.in_features, "in_features",
                           "Reshape the input, or build the layer with in_features="
                           "x.shape[-1].")
        if isinstance(self.weight, QuantizedArray):     # from zenax.quantize
            y = quantized_matmul(x, self.weight)
        else:
            y = jnp.matmul(x, self.weight)
        return y if self.bias is None else y + self.bias


class Embedding(Module):
    """A lookup table: ``Embedding(n, d)(ids)[..., :] = weight[ids]``, ``weight: [n, d]``.

    ``ids`` is an integer array of any shape; the result has shape ``ids.shape + (d,)``
    (``jnp.take(weight, ids, axis=0)``, as Flax: out-of-range ids give NaN rows).
    ``weight`` starts as N(0, 1) (PyTorch's and Equinox's default).  :meth:`attend` is the
    transposed use for tied output logits, ``x @ weight.T``.

    >>> emb = Embedding(10, 4, key=zenax.random.PRNGKey(0))
    >>> emb(jnp.array([[1, 2, 3]])).shape
    (1, 3, 4)
    """
    weight: Any
    num_embeddings: int = field(static=True)
    features: int = field(static=True)

    def __init__(self, num_embeddings: int, features: int, *, key, dtype=np.float32,
                 embedding_init=initializers.normal(stddev=1.0)):
        self.weight = embedding_init(key, (num_embeddings, features), dtype)
        self.num_embeddings = num_embeddings
        self.features = features

    def __call__(self, ids):
        ids = jnp.asarray(ids)
        if not jnp.issubdtype(ids.dtype, jnp.integer):
            raise TypeError(f"Embedding: ids must be an integer array, got {_short(ids)}. "
                            "Convert token ids with ids.astype(jnp.int32).")
        if isinstance(self.weight, QuantizedArray):     # from zenax.quantize
            return quantized_take(self.weight, ids)
        return jnp.take(self.weight, ids, axis=0)

    def attend(self, x):
        """Logits against every embedding: ``x @ weight.T`` (weight tying, as Flax)."""
        x = check_last_dim("Embedding.attend", x, self.features, "features",
                           "Project x to the embedding size first.")
        if isinstance(self.weight, QuantizedArray):     # from zenax.quantize
            return quantized_matmul(x, self.weight, transpose=True)
        return jnp.matmul(x, self.weight.T)


class Dropout(Module):
    """Inverted dropout: during training zero each element with probability ``rate`` and
    scale the rest by ``1 / (1 - rate)``; at evaluation return ``x`` unchanged.

    Training needs a key at call time; ``training=False`` switches dropout off.  The mask is
    ``random.bernoulli(key, 1 - rate, x.shape)``, as Flax's ``nn.Dropout``.

    >>> drop = Dropout(0.5)
    >>> y = drop(jnp.ones(4), key=zenax.random.PRNGKey(0))   # entries are 0 or 2
    >>> drop(jnp.ones(4), training=False)
    Array([1., 1., 1., 1.], dtype=float32)
    """
    rate: float = field(static=True)

    def __init__(self, rate: float = 0.5):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"Dropout: rate must be a probability in [0, 1], got {rate!r}.")
        self.rate = float(rate)

    def __call__(self, x, *, key=None, training: bool = True):
        x = jnp.asarray(x)
        if not training or self.rate == 0.0:
            return x
        if key is None:
            raise ValueError("Dropout: training=True needs a PRNG key to draw the mask. Call "
                             "dropout(x, key=key) while training, or dropout(x, "
                             "training=False) to evaluate.")
        if self.rate == 1.0:
            return jnp.zeros_like(x)
        keep_prob = 1.0 - self.rate
        keep = random.bernoulli(key, keep_prob, x.shape)
        return jnp.where(keep, x / keep_prob, jnp.zeros_like(x))


@functools.lru_cache(maxsize=None)
def _keywords_of(call: Callable) -> frozenset:
    """Which of ``key`` / ``training`` a layer's ``__call__`` accepts."""
    try:
        params = inspect.signature(call).parameters
    except (TypeError, ValueError):     # builtins and C callables take neither
        return frozenset()
    return frozenset(name for name in ("key", "training") if name in params)


class Sequential(Module):
    """Apply layers one after the other.  Plain functions are wrapped in :class:`Lambda`.

    ``key`` is split into one key per layer and ``training`` passed on, to the layers whose
    ``__call__`` accepts them (``Dropout``).  Layers that return a new state -- such as
    ``BatchNorm``'s ``(y, new_bn)`` -- do not chain (Sequential refuses them); call them
    in your own module.

    >>> k1, k2 = zenax.random.split(zenax.random.PRNGKey(0))
    >>> net = Sequential([Linear(2, 8, key=k1), zenax.nn.relu, Dropout(0.1),
    ...                   Linear(8, 1, key=k2)])
    >>> net(jnp.ones((4, 2)), key=zenax.random.PRNGKey(1)).shape
    (4, 1)
    >>> net(jnp.ones((4, 2)), training=False).shape
    (4, 1)
    """
    layers: tuple

    def __init__(self, layers: Sequence[Callable]):
        wrapped = []
        for i, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(f"Sequential: layers[{i}] must be a layer or a function, got "
                                f"{type(layer).__name__}.")
            if getattr(layer, "returns_state", False):
                raise TypeError(
                    f"Sequential: layers[{i}] ({type(layer).__name__}) returns "
                    "(y, new_layer), so it cannot be chained. Call it from your own Module: "
                    "y, new_bn = self.bn(x, training=training); return the new module too.")
            wrapped.append(layer if isinstance(layer, Module) else Lambda(layer))
        self.layers = tuple(wrapped)

    def __call__(self, x, *, key=None, training: bool = True):
        keys = [None] * len(self.layers) if key is None else \
            list(random.split(key, len(self.layers)))
        for layer, layer_key in zip(self.layers, keys):
            accepted = _keywords_of(type(layer).__call__)
            kwargs = {}
            if "key" in accepted:
                kwargs["key"] = layer_key
            if "training" in accepted:
                kwargs["training"] = training
            x = layer(x, **kwargs)
        return x

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)


class MLP(Module):
    """A multi-layer perceptron: ``Linear`` layers of widths ``in_features,
    *hidden_features, out_features`` with ``activation`` between them and
    ``final_activation`` (default: none) after the last.

    >>> mlp = MLP(4, [32, 32], 2, key=zenax.random.PRNGKey(0))
    >>> mlp(jnp.ones((8, 4))).shape
    (8, 2)
    """
    layers: tuple
    activation: Callable = field(static=True)
    final_activation: Callable | None = field(static=True)

    def __init__(self, in_features: int, hidden_features: Sequence[int], out_features: int,
                 *, key, activation: Callable = relu, final_activation: Callable | None = None,
                 use_bias: bool = True, dtype=np.float32):
        if isinstance(hidden_features, int):
            raise TypeError(f"MLP: hidden_features must be a sequence of layer widths, got "
                            f"the int {hidden_features}. Write [{hidden_features}] for one "
                            f"hidden layer, or [{hidden_features}] * depth.")
        sizes = [in_features, *hidden_features, out_features]
        keys = random.split(key, len(sizes) - 1)
        self.layers = tuple(Linear(a, b, use_bias, key=k, dtype=dtype)
                            for a, b, k in zip(sizes[:-1], sizes[1:], keys))
        self.activation = activation
        self.final_activation = final_activation

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        x = self.layers[-1](x)
        return x if self.final_activation is None else self.final_activation(x)
