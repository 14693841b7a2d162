"""Quantized models: ``quantize`` replaces the weights of ``Linear`` and ``Embedding``
layers by ``QuantizedArray``s; ``dequantize`` brings floats back.

A quantized ``Linear`` is grouped along ``in_features`` (the contracted axis of
``x @ weight``) and a quantized ``Embedding`` along ``features`` (each looked-up row, and
the contracted axis of ``attend``), so every product runs through the fused
``quantized_matmul`` primitive.  The model stays an ordinary pytree: ``jit``, ``vmap`` and
``scan`` take it as it is, and ``grad`` differentiates the activations and any float
leaves (LoRA adapters, biases, norms) while the packed weights stay frozen.

>>> import zenax, zenax.numpy as jnp
>>> from zenax.models import MLP
>>> model = MLP(64, [128], 64, key=zenax.random.PRNGKey(0))
>>> qmodel = zenax.quantize(model, bits=4)
>>> qmodel.layers[0].weight
QuantizedArray(shape=(64, 128), dtype=float32, bits=4, group_size=64, mode='affine', axis=0)
>>> qmodel(jnp.ones(64)).shape
(64,)
"""
from __future__ import annotations

from typing import Any, Callable

from zenax.lax.quantized_matmul import (QuantizedArray, dequantize_array,  # noqa: F401
                                        quantize_array, quantized_matmul)
from zenax.tracer import tree_util
from zenax.tracer.tree_util import keystr

from .layers import Embedding, Linear
from .module import is_array

__all__ = ["QuantizedArray", "quantize", "dequantize", "quantized_matmul"]


def _is_layer(x) -> bool:
    return isinstance(x, (Linear, Embedding))


def _every_layer(path: str, layer: Any) -> bool:
    return True


def quantize(model: Any, bits: int = 8, group_size: int = 64, mode: str = "affine", *,
             filter: Callable[[str, Any], bool] = _every_layer) -> Any:
    """``model`` with the weight of each ``Linear`` and ``Embedding`` layer for which
    ``filter(path, layer)`` holds replaced by a ``QuantizedArray`` of ``bits`` (8 or 4)
    bits, in groups of ``group_size`` with one scale each (``mode="affine"`` adds a
    per-group offset).  A 2-D float array is quantized directly, grouped along axis 0.

    ``path`` is the layer's key string, so ``filter=path_matches("*.blocks*")`` leaves the
    embeddings and output head in float.  Layers already quantized are left alone.

    >>> q = zenax.quantize(jnp.ones((64, 4)), bits=8, mode="symmetric")
    >>> q.data.dtype, q.nbytes
    (dtype('int8'), 272)
    """
    if isinstance(model, QuantizedArray):
        return model
    if is_array(model):
        return quantize_array(model, bits, group_size, mode, axis=0)
    pairs, treedef = tree_util.tree_flatten_with_path(model, is_leaf=_is_layer)
    leaves = [x for _, x in pairs]
    chosen = 0
    for i, (path, layer) in enumerate(pairs):
        if not _is_layer(layer) or isinstance(layer.weight, QuantizedArray) \
                or not filter(keystr(path), layer):
            continue
        axis = 0 if isinstance(layer, Linear) else 1
        if layer.weight.shape[axis] % group_size:
            raise ValueError(
                f"quantize: the layer at {keystr(path)!r} has weight shape "
                f"{tuple(layer.weight.shape)}, whose axis {axis} is not a multiple of "
                f"group_size={group_size}. Pass a group_size that divides it, or leave the "
                f"layer out with filter=.")
        leaves[i] = layer.replace(weight=quantize_array(layer.weight, bits, group_size,
                                                        mode, axis=axis))
        chosen += 1
    if not chosen:
        raise ValueError("quantize: no Linear or Embedding layer matched `filter`, so "
                         "nothing would be quantized. Check the predicate against the layer "
                         "paths, e.g. [keystr(p) for p, _ in tree_flatten_with_path(model)].")
    return tree_util.tree_unflatten(treedef, leaves)


def dequantize(model: Any) -> Any:
    """``model`` with every ``QuantizedArray`` replaced by the float array it stands for
    (a ``QuantizedArray`` itself gives its float array).

    >>> w = jnp.linspace(-1.0, 1.0, 64).reshape(64, 1)
    >>> float(jnp.abs(zenax.dequantize(zenax.quantize(w)) - w).max()) < 0.01
    True
    """
    return tree_util.tree_map(
        lambda x: dequantize_array(x) if isinstance(x, QuantizedArray) else x, model,
        is_leaf=lambda x: isinstance(x, QuantizedArray))
